package billing

import "time"

// All local times are Asia/Shanghai, UTC+8 with no daylight saving since
// 1991; a fixed zone needs no tzdata on the lane controller.
const utcOffset = 8 * 3600

// Shanghai is the fixed UTC+8 zone quotes are reported in.
var Shanghai = time.FixedZone("CST", utcOffset)

const day = 86400

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// localDay is the local (UTC+8) day number of Unix time t, 0 = 1970-01-01.
func localDay(t int64) int64 { return floorDiv(t+utcOffset, day) }

// localMidnight is the Unix time of the local midnight starting day d.
func localMidnight(d int64) int64 { return d*day - utcOffset }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dayNumber is the number of days from 1970-01-01 to y-m-d (proleptic
// Gregorian).
func dayNumber(y, m, d int) int64 {
	// Howard Hinnant's days_from_civil.
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// workday reports whether local day d is a workday: Monday to Friday,
// unless listed as a holiday; Saturday and Sunday only when listed as a
// workday (调休).
func (r *Rule) workday(d int64) bool {
	if r.holidays[d] {
		return false
	}
	if r.workdays[d] {
		return true
	}
	wd := floorDiv(d+4, 7)
	wd = d + 4 - wd*7 // 0 = Sunday; 1970-01-01 was a Thursday
	return wd != 0 && wd != 6
}

// slotsOn returns the slots of local day d.
func (r *Rule) slotsOn(d int64) []slot {
	work := r.workday(d)
	for i := range r.schedules {
		s := &r.schedules[i]
		if s.days == daysAll || (s.days == daysWorkday) == work {
			return s.slots
		}
	}
	return r.schedules[0].slots // unreachable: compileSchedules checks coverage
}

// bandIn returns the band of the last slot starting at or before sec.
func bandIn(slots []slot, sec int64) int {
	i := len(slots) - 1
	for i > 0 && slots[i].from > sec {
		i--
	}
	return slots[i].band
}
