package billing

import (
	"fmt"
	"sort"
	"strconv"
)

// Rule is a loaded tariff. It is immutable and safe for concurrent use.
type Rule struct {
	precision     precision
	cutUnits      bool // units_cut_at_band_boundary
	restartOnBand bool // tier_clock_restarts_on_band_change

	bandNames []string       // band id → name
	bandIDs   map[string]int // name → band id
	base      profile        // the rule without vehicle overrides
	profiles  map[string]*profile

	holidays  map[int64]bool // local day numbers
	workdays  map[int64]bool
	schedules []schedule

	window window
	grace  grace
}

type precision int

const (
	precisionSecond precision = iota
	precisionFloorMinute
	precisionCeilMinute
)

type partialMode int

const (
	partialFull partialMode = iota
	partialNothing
	partialFullIfAtLeast
)

type partialRule struct {
	mode      partialMode
	threshold int64 // seconds, for partialFullIfAtLeast
}

// price of a unit of length secs whose full length is unit.
func (p partialRule) price(secs, unit, fen int64) int64 {
	if secs >= unit {
		return fen
	}
	switch p.mode {
	case partialNothing:
		return 0
	case partialFullIfAtLeast:
		if secs >= p.threshold {
			return fen
		}
		return 0
	}
	return fen
}

type bandKind int

const (
	bandTiers bandKind = iota
	bandFlat
	bandNoCharge
)

type tier struct {
	upTo    int64 // tier clock upper edge in seconds; -1 for the open last tier
	unit    int64 // seconds
	fen     int64
	partial partialRule
}

type band struct {
	kind  bandKind
	tiers []tier
	flat  int64
	cap   int64 // per segment; -1 for none
}

// tierAt returns the index of the tier for a unit starting at tier clock c.
func (b *band) tierAt(c int64) int {
	for i := range b.tiers {
		if b.tiers[i].upTo < 0 || b.tiers[i].upTo > c {
			return i
		}
	}
	return len(b.tiers) - 1
}

type freeRule struct {
	secs      int64
	equalFree bool
	deducted  bool
}

// profile is the rule as one vehicle class sees it.
type profile struct {
	exempt        bool
	monthly       bool
	free          freeRule
	bands         []band // by band id
	caps          []int64
	maxTotal      int64 // -1 for none
	freeFromStart int64 // seconds
	payPercent    int64 // 0 for none
}

type dayKind int

const (
	daysAll dayKind = iota
	daysWorkday
	daysNonWorkday
)

type slot struct {
	from int64 // seconds after local midnight
	band int
}

type schedule struct {
	days  dayKind
	slots []slot
}

type windowKind int

const (
	windowNone windowKind = iota
	windowCalendarDay
	windowRolling
)

type window struct {
	kind    windowKind
	start   int64 // calendar_day_starts_at, seconds after midnight
	restart bool  // tier_clock_restarts_each_window
}

type grace struct {
	secs   int64
	rebill bool // rebill_from_payment_time; otherwise recompute_total_minus_paid
}

// Bands returns the names of the rule's bands, sorted.
func (r *Rule) Bands() []string {
	out := append([]string(nil), r.bandNames...)
	sort.Strings(out)
	return out
}

// VehicleClasses returns the classes the rule has overrides for, sorted.
// Any other class is priced by the base rule.
func (r *Rule) VehicleClasses() []string {
	out := make([]string, 0, len(r.profiles))
	for k := range r.profiles {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (r *Rule) profile(class string) *profile {
	if p, ok := r.profiles[class]; ok {
		return p
	}
	return &r.base
}

func compile(rj *ruleJSON) (*Rule, error) {
	if rj.Model != Model {
		return nil, ruleErr("/model", "model %q, want %q", rj.Model, Model)
	}
	if rj.Timezone != nil && *rj.Timezone != "Asia/Shanghai" {
		return nil, ruleErr("/timezone", "timezone %q: only \"Asia/Shanghai\" is supported", *rj.Timezone)
	}
	r := &Rule{cutUnits: true, bandIDs: map[string]int{}, profiles: map[string]*profile{}}
	if rj.DurationPrecision != nil {
		switch *rj.DurationPrecision {
		case "second":
		case "floor_to_minute":
			r.precision = precisionFloorMinute
		case "ceil_to_minute":
			r.precision = precisionCeilMinute
		default:
			return nil, ruleErr("/duration_precision", "%q is not one of second, floor_to_minute, ceil_to_minute", *rj.DurationPrecision)
		}
	}
	if rj.UnitsCutAtBandBoundary != nil {
		r.cutUnits = *rj.UnitsCutAtBandBoundary
	}
	if rj.TierClockRestartsOnBand != nil {
		r.restartOnBand = *rj.TierClockRestartsOnBand
	}
	defPartial, err := compilePartial(rj.PartialUnit, "/partial_unit", partialRule{})
	if err != nil {
		return nil, err
	}

	// Bands, in name order so ids are deterministic.
	if len(rj.Bands) == 0 {
		return nil, ruleErr("/bands", "a rule needs at least one band")
	}
	if len(rj.Bands) > 1000 {
		return nil, ruleErr("/bands", "%d bands; at most 1000", len(rj.Bands))
	}
	names := make([]string, 0, len(rj.Bands))
	for name := range rj.Bands {
		names = append(names, name)
	}
	sort.Strings(names)
	r.bandNames = names
	r.base.bands = make([]band, len(names))
	for i, name := range names {
		if name == "" {
			return nil, ruleErr("/bands", "a band id may not be empty")
		}
		r.bandIDs[name] = i
		b, err := compileBand(rj.Bands[name], "/bands/"+pointerToken(name), defPartial)
		if err != nil {
			return nil, err
		}
		r.base.bands[i] = b
	}

	if r.base.free, err = compileFree(rj.Free, "/free", freeRule{equalFree: true}); err != nil {
		return nil, err
	}
	r.base.maxTotal = -1
	if rj.MaxTotalFenPerStay != nil {
		if *rj.MaxTotalFenPerStay < 0 {
			return nil, ruleErr("/max_total_fen_per_stay", "negative amount %d", *rj.MaxTotalFenPerStay)
		}
		r.base.maxTotal = *rj.MaxTotalFenPerStay
	}

	if err := r.compileCalendar(rj.Calendar); err != nil {
		return nil, err
	}
	if err := r.compileSchedules(rj.Schedules); err != nil {
		return nil, err
	}
	if err := r.compileWindow(rj.DayWindow); err != nil {
		return nil, err
	}
	if rj.Grace != nil {
		if rj.Grace.Minutes != nil {
			if *rj.Grace.Minutes < 0 {
				return nil, ruleErr("/grace/minutes", "negative minutes %d", *rj.Grace.Minutes)
			}
			r.grace.secs = *rj.Grace.Minutes * 60
		}
		if rj.Grace.Overstay != nil {
			switch *rj.Grace.Overstay {
			case "recompute_total_minus_paid":
			case "rebill_from_payment_time":
				r.grace.rebill = true
			default:
				return nil, ruleErr("/grace/overstay", "%q is not one of recompute_total_minus_paid, rebill_from_payment_time", *rj.Grace.Overstay)
			}
		}
	}

	classes := make([]string, 0, len(rj.Vehicles))
	for c := range rj.Vehicles {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		p, err := r.compileVehicle(c, rj.Vehicles[c], defPartial)
		if err != nil {
			return nil, err
		}
		r.profiles[c] = p
	}
	return r, nil
}

func compilePartial(pj *partialJSON, ptr string, def partialRule) (partialRule, error) {
	if pj == nil {
		return def, nil
	}
	var p partialRule
	switch pj.Mode {
	case "charge_full_unit":
		p.mode = partialFull
	case "charge_nothing":
		p.mode = partialNothing
	case "charge_full_if_at_least":
		p.mode = partialFullIfAtLeast
		if pj.ThresholdSeconds == nil {
			return p, ruleErr(ptr+"/threshold_seconds", "charge_full_if_at_least needs threshold_seconds")
		}
		if *pj.ThresholdSeconds < 1 {
			return p, ruleErr(ptr+"/threshold_seconds", "threshold %d must be at least 1 second", *pj.ThresholdSeconds)
		}
		p.threshold = *pj.ThresholdSeconds
		return p, nil
	default:
		return p, ruleErr(ptr+"/mode", "%q is not one of charge_full_unit, charge_nothing, charge_full_if_at_least", pj.Mode)
	}
	if pj.ThresholdSeconds != nil {
		return p, ruleErr(ptr+"/threshold_seconds", "threshold_seconds applies only to charge_full_if_at_least")
	}
	return p, nil
}

func compileFree(fj *freeJSON, ptr string, def freeRule) (freeRule, error) {
	f := def
	if fj == nil {
		return f, nil
	}
	if fj.Minutes != nil {
		if *fj.Minutes < 0 {
			return f, ruleErr(ptr+"/minutes", "negative minutes %d", *fj.Minutes)
		}
		f.secs = *fj.Minutes * 60
	}
	if fj.EqualCountsAsFree != nil {
		f.equalFree = *fj.EqualCountsAsFree
	}
	if fj.DeductedWhenExceeded != nil {
		f.deducted = *fj.DeductedWhenExceeded
	}
	return f, nil
}

func compileBand(bj *bandJSON, ptr string, defPartial partialRule) (band, error) {
	b := band{cap: -1}
	if bj == nil {
		return b, ruleErr(ptr, "a band is an object with one pricing")
	}
	pricings := 0
	if bj.Tiers != nil {
		pricings++
		b.kind = bandTiers
	}
	if bj.FlatFenPerSegment != nil {
		pricings++
		b.kind = bandFlat
	}
	if bj.NoCharge != nil && *bj.NoCharge {
		pricings++
		b.kind = bandNoCharge
	}
	if pricings != 1 {
		return b, ruleErr(ptr, "a band needs exactly one of tiers, flat_fen_per_segment, no_charge: true (has %d)", pricings)
	}
	if bj.NoCharge != nil && !*bj.NoCharge && b.kind == bandNoCharge {
		return b, ruleErr(ptr+"/no_charge", "no_charge must be true when present")
	}
	if bj.CapFenPerSegment != nil {
		if *bj.CapFenPerSegment < 0 {
			return b, ruleErr(ptr+"/cap_fen_per_segment", "negative amount %d", *bj.CapFenPerSegment)
		}
		b.cap = *bj.CapFenPerSegment
	}
	switch b.kind {
	case bandFlat:
		if *bj.FlatFenPerSegment < 0 {
			return b, ruleErr(ptr+"/flat_fen_per_segment", "negative price %d", *bj.FlatFenPerSegment)
		}
		b.flat = *bj.FlatFenPerSegment
	case bandTiers:
		if len(bj.Tiers) == 0 {
			return b, ruleErr(ptr+"/tiers", "tiers is empty")
		}
		if len(bj.Tiers) > 100 {
			return b, ruleErr(ptr+"/tiers", "%d tiers; at most 100", len(bj.Tiers))
		}
		var prev int64
		for i, tj := range bj.Tiers {
			tp := ptr + "/tiers/" + strconv.Itoa(i)
			if tj.UnitMinutes == nil || *tj.UnitMinutes < 1 {
				return b, ruleErr(tp+"/unit_minutes", "unit_minutes must be a whole number of minutes ≥ 1")
			}
			if tj.UnitFen == nil {
				return b, ruleErr(tp+"/unit_fen", "unit_fen is required")
			}
			if *tj.UnitFen < 0 {
				return b, ruleErr(tp+"/unit_fen", "negative price %d", *tj.UnitFen)
			}
			p, err := compilePartial(tj.PartialUnit, tp+"/partial_unit", defPartial)
			if err != nil {
				return b, err
			}
			t := tier{upTo: -1, unit: *tj.UnitMinutes * 60, fen: *tj.UnitFen, partial: p}
			last := i == len(bj.Tiers)-1
			switch {
			case last && tj.UpToMinutes != nil:
				return b, ruleErr(tp+"/up_to_minutes", "the last tier must be open (omit up_to_minutes)")
			case !last && tj.UpToMinutes == nil:
				return b, ruleErr(tp+"/up_to_minutes", "only the last tier may be open; this one needs up_to_minutes")
			case !last:
				span := *tj.UpToMinutes - prev
				if span <= 0 {
					return b, ruleErr(tp+"/up_to_minutes", "up_to_minutes %d must be greater than the previous tier's %d", *tj.UpToMinutes, prev)
				}
				if span%*tj.UnitMinutes != 0 {
					return b, &RuleError{Pointer: tp + "/up_to_minutes", Reason: ErrTierSpanNotMultipleOfUnit,
						Msg: fmt.Sprintf("tier spans %d minutes, not a multiple of its %d-minute unit", span, *tj.UnitMinutes)}
				}
				prev = *tj.UpToMinutes
				t.upTo = prev * 60
			}
			b.tiers = append(b.tiers, t)
		}
	}
	return b, nil
}

// parseDate reads YYYY-MM-DD into a local day number.
func parseDate(s string) (int64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:7])
	d, err3 := strconv.Atoi(s[8:])
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return dayNumber(y, m, d), true
}

// parseClock reads HH:MM (00:00–23:59) into seconds after midnight.
func parseClock(s string) (int64, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return int64(h*3600 + m*60), true
}

func (r *Rule) compileCalendar(cj *calendarJSON) error {
	r.holidays, r.workdays = map[int64]bool{}, map[int64]bool{}
	if cj == nil {
		return nil
	}
	for i, s := range cj.Holidays {
		d, ok := parseDate(s)
		if !ok {
			return ruleErr("/calendar/holidays/"+strconv.Itoa(i), "%q is not a date YYYY-MM-DD", s)
		}
		r.holidays[d] = true
	}
	for i, s := range cj.Workdays {
		d, ok := parseDate(s)
		if !ok {
			return ruleErr("/calendar/workdays/"+strconv.Itoa(i), "%q is not a date YYYY-MM-DD", s)
		}
		if r.holidays[d] {
			return ruleErr("/calendar/workdays/"+strconv.Itoa(i), "%s is listed as both a holiday and a workday", s)
		}
		r.workdays[d] = true
	}
	return nil
}

func (r *Rule) compileSchedules(sj []scheduleJSON) error {
	if len(sj) == 0 {
		if len(r.bandNames) != 1 {
			return ruleErr("/schedules", "%d bands need schedules saying when each applies", len(r.bandNames))
		}
		r.schedules = []schedule{{days: daysAll, slots: []slot{{from: 0, band: 0}}}}
		return nil
	}
	coversWork, coversRest := false, false
	for i, s := range sj {
		ptr := "/schedules/" + strconv.Itoa(i)
		var sc schedule
		switch s.Days {
		case "all":
			sc.days = daysAll
			coversWork, coversRest = true, true
		case "workday":
			sc.days = daysWorkday
			coversWork = true
		case "non_workday":
			sc.days = daysNonWorkday
			coversRest = true
		default:
			return ruleErr(ptr+"/days", "%q is not one of all, workday, non_workday", s.Days)
		}
		if len(s.Slots) == 0 {
			return ruleErr(ptr+"/slots", "a schedule needs at least one slot")
		}
		for j, sl := range s.Slots {
			sp := ptr + "/slots/" + strconv.Itoa(j)
			from, ok := parseClock(sl.From)
			if !ok {
				return ruleErr(sp+"/from", "%q is not a time HH:MM", sl.From)
			}
			if j == 0 && from != 0 {
				return ruleErr(sp+"/from", "the first slot must start at 00:00, not %s", sl.From)
			}
			if j > 0 && from <= sc.slots[j-1].from {
				return ruleErr(sp+"/from", "slots must be increasing: %s does not follow %s", sl.From, s.Slots[j-1].From)
			}
			id, ok := r.bandIDs[sl.Band]
			if !ok {
				return ruleErr(sp+"/band", "no band %q", sl.Band)
			}
			sc.slots = append(sc.slots, slot{from: from, band: id})
		}
		r.schedules = append(r.schedules, sc)
	}
	if !coversWork || !coversRest {
		which := "workday"
		if coversWork {
			which = "non_workday"
		}
		return ruleErr("/schedules", "no schedule applies to %s dates", which)
	}
	return nil
}

func (r *Rule) compileWindow(wj *windowJSON) error {
	if wj == nil {
		return nil
	}
	switch wj.Kind {
	case "calendar_day":
		r.window.kind = windowCalendarDay
		if wj.CalendarDayStartsAt != nil {
			s, ok := parseClock(*wj.CalendarDayStartsAt)
			if !ok {
				return ruleErr("/day_window/calendar_day_starts_at", "%q is not a time HH:MM", *wj.CalendarDayStartsAt)
			}
			r.window.start = s
		}
	case "rolling_24h_from_entry":
		r.window.kind = windowRolling
		if wj.CalendarDayStartsAt != nil {
			return ruleErr("/day_window/calendar_day_starts_at", "applies only to kind calendar_day")
		}
	default:
		return ruleErr("/day_window/kind", "%q is not one of calendar_day, rolling_24h_from_entry", wj.Kind)
	}
	if wj.TierClockRestartsEachWindow != nil {
		r.window.restart = *wj.TierClockRestartsEachWindow
	}
	caps, err := compileCaps(wj.CapFenPerWindow, "/day_window/cap_fen_per_window")
	if err != nil {
		return err
	}
	r.base.caps = caps
	return nil
}

func compileCaps(caps []int64, ptr string) ([]int64, error) {
	if caps == nil {
		return nil, nil
	}
	if len(caps) == 0 {
		return nil, ruleErr(ptr, "an empty cap list; omit it for no cap")
	}
	for i, c := range caps {
		if c < 0 {
			return nil, ruleErr(ptr+"/"+strconv.Itoa(i), "negative amount %d", c)
		}
	}
	return append([]int64(nil), caps...), nil
}

func (r *Rule) compileVehicle(class string, vj *vehicleJSON, defPartial partialRule) (*profile, error) {
	ptr := "/vehicles/" + pointerToken(class)
	if class == "" {
		return nil, ruleErr("/vehicles", "a vehicle class may not be empty")
	}
	if vj == nil {
		return nil, ruleErr(ptr, "a vehicle class is an object")
	}
	p := r.base // copy; bands are replaced below, never mutated
	if vj.Exempt != nil {
		p.exempt = *vj.Exempt
	}
	if vj.MonthlyPass != nil {
		p.monthly = *vj.MonthlyPass
	}
	var err error
	if vj.Free != nil {
		if p.free, err = compileFree(vj.Free, ptr+"/free", r.base.free); err != nil {
			return nil, err
		}
	}
	if len(vj.Bands) > 0 {
		p.bands = append([]band(nil), r.base.bands...)
		names := make([]string, 0, len(vj.Bands))
		for n := range vj.Bands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			id, ok := r.bandIDs[n]
			if !ok {
				return nil, ruleErr(ptr+"/bands/"+pointerToken(n), "no band %q in the rule to override", n)
			}
			if p.bands[id], err = compileBand(vj.Bands[n], ptr+"/bands/"+pointerToken(n), defPartial); err != nil {
				return nil, err
			}
		}
	}
	if vj.CapFenPerWindow != nil {
		if r.window.kind == windowNone {
			return nil, ruleErr(ptr+"/cap_fen_per_window", "window caps need a day_window in the rule")
		}
		if p.caps, err = compileCaps(vj.CapFenPerWindow, ptr+"/cap_fen_per_window"); err != nil {
			return nil, err
		}
	}
	if vj.MaxTotalFenPerStay != nil {
		if *vj.MaxTotalFenPerStay < 0 {
			return nil, ruleErr(ptr+"/max_total_fen_per_stay", "negative amount %d", *vj.MaxTotalFenPerStay)
		}
		p.maxTotal = *vj.MaxTotalFenPerStay
	}
	if vj.FreeMinutesFromStart != nil {
		if *vj.FreeMinutesFromStart < 0 {
			return nil, ruleErr(ptr+"/free_minutes_from_start", "negative minutes %d", *vj.FreeMinutesFromStart)
		}
		p.freeFromStart = *vj.FreeMinutesFromStart * 60
	}
	if vj.PayPercent != nil {
		if *vj.PayPercent < 1 || *vj.PayPercent > 100 {
			return nil, ruleErr(ptr+"/pay_percent", "percent %d is outside 1–100", *vj.PayPercent)
		}
		p.payPercent = *vj.PayPercent
	}
	return &p, nil
}
