package billing

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// propertyCases is how many random rule/stay pairs the property test
// checks; the race detector makes the second-by-second reference ~10×
// slower, so it checks fewer there.
func propertyCases() int {
	if raceEnabled {
		return 300
	}
	return 3000
}

func ptr[T any](v T) *T { return &v }

// randomRule builds a random valid rule in its JSON form.
func randomRule(rng *rand.Rand) *ruleJSON {
	units := []int64{1, 5, 10, 15, 20, 30, 60, 120}
	partial := func() *partialJSON {
		switch rng.IntN(4) {
		case 0:
			return &partialJSON{Mode: "charge_nothing"}
		case 1:
			return &partialJSON{Mode: "charge_full_if_at_least", ThresholdSeconds: ptr(rng.Int64N(3600) + 1)}
		case 2:
			return &partialJSON{Mode: "charge_full_unit"}
		}
		return nil
	}
	band := func() *bandJSON {
		b := &bandJSON{}
		switch n := rng.IntN(10); {
		case n < 7:
			nt := 1 + rng.IntN(3)
			var upTo int64
			for i := range nt {
				u := units[rng.IntN(len(units))]
				t := tierJSON{UnitMinutes: ptr(u), UnitFen: ptr(rng.Int64N(1000))}
				if rng.IntN(4) == 0 {
					t.PartialUnit = partial()
				}
				if i < nt-1 {
					upTo += u * (1 + rng.Int64N(4))
					t.UpToMinutes = ptr(upTo)
				}
				b.Tiers = append(b.Tiers, t)
			}
		case n < 9:
			b.FlatFenPerSegment = ptr(rng.Int64N(2000))
		default:
			b.NoCharge = ptr(true)
		}
		if rng.IntN(3) == 0 {
			b.CapFenPerSegment = ptr(rng.Int64N(5000))
		}
		return b
	}
	r := &ruleJSON{Model: Model, Bands: map[string]*bandJSON{}}
	nb := 1 + rng.IntN(3)
	names := []string{"a", "b", "c"}[:nb]
	for _, n := range names {
		r.Bands[n] = band()
	}
	slots := func() []slotJSON {
		var out []slotJSON
		var from int64
		for {
			out = append(out, slotJSON{From: fmt.Sprintf("%02d:%02d", from/60, from%60), Band: names[rng.IntN(nb)]})
			from += 1 + rng.Int64N(10*60)
			if from >= 24*60 || len(out) == 4 {
				return out
			}
		}
	}
	if nb > 1 || rng.IntN(2) == 0 {
		if rng.IntN(2) == 0 {
			r.Schedules = []scheduleJSON{{Days: "all", Slots: slots()}}
		} else {
			r.Schedules = []scheduleJSON{{Days: "workday", Slots: slots()}, {Days: "non_workday", Slots: slots()}}
			r.Calendar = &calendarJSON{Holidays: []string{"2025-06-12", "2024-02-29"}, Workdays: []string{"2025-06-14"}}
		}
	}
	r.Free = &freeJSON{Minutes: ptr(rng.Int64N(4) * 15), EqualCountsAsFree: ptr(rng.IntN(2) == 0), DeductedWhenExceeded: ptr(rng.IntN(2) == 0)}
	r.PartialUnit = partial()
	r.UnitsCutAtBandBoundary = ptr(rng.IntN(2) == 0)
	r.TierClockRestartsOnBand = ptr(rng.IntN(2) == 0)
	r.DurationPrecision = ptr([]string{"second", "floor_to_minute", "ceil_to_minute"}[rng.IntN(3)])
	switch rng.IntN(3) {
	case 0:
		w := &windowJSON{Kind: "calendar_day", CalendarDayStartsAt: ptr(fmt.Sprintf("%02d:%02d", rng.IntN(24), rng.IntN(4)*15)),
			TierClockRestartsEachWindow: ptr(rng.IntN(2) == 0)}
		for range rng.IntN(4) {
			w.CapFenPerWindow = append(w.CapFenPerWindow, rng.Int64N(8000))
		}
		r.DayWindow = w
	case 1:
		w := &windowJSON{Kind: "rolling_24h_from_entry", TierClockRestartsEachWindow: ptr(rng.IntN(2) == 0)}
		for range rng.IntN(4) {
			w.CapFenPerWindow = append(w.CapFenPerWindow, rng.Int64N(8000))
		}
		r.DayWindow = w
	}
	if rng.IntN(4) == 0 {
		r.MaxTotalFenPerStay = ptr(rng.Int64N(20000))
	}
	r.Grace = &graceJSON{Minutes: ptr(rng.Int64N(30)), Overstay: ptr([]string{"recompute_total_minus_paid", "rebill_from_payment_time"}[rng.IntN(2)])}
	v := &vehicleJSON{}
	if rng.IntN(2) == 0 {
		v.FreeMinutesFromStart = ptr(rng.Int64N(4) * 30)
	}
	if rng.IntN(2) == 0 {
		v.PayPercent = ptr(1 + rng.Int64N(100))
	}
	if rng.IntN(2) == 0 {
		v.Bands = map[string]*bandJSON{names[0]: band()}
	}
	r.Vehicles = map[string]*vehicleJSON{"v": v, "monthly": {MonthlyPass: ptr(true)}, "vip": {Exempt: ptr(true)}}
	return r
}

// randomStay makes a stay of up to about three days (mostly shorter), in
// 2024 around the leap day or in 2025.
func randomStay(rng *rand.Rand) Stay {
	bases := []time.Time{
		time.Date(2025, 6, 10, 0, 0, 0, 0, Shanghai),
		time.Date(2024, 2, 27, 0, 0, 0, 0, Shanghai),
		time.Date(2025, 12, 30, 0, 0, 0, 0, Shanghai),
	}
	entry := bases[rng.IntN(len(bases))].Add(time.Duration(rng.Int64N(3*86400)) * time.Second)
	var length int64
	switch rng.IntN(4) {
	case 0:
		length = rng.Int64N(2 * 3600)
	case 1:
		length = rng.Int64N(12 * 3600)
	case 2:
		length = rng.Int64N(36 * 3600)
	default:
		length = rng.Int64N(72 * 3600)
	}
	s := Stay{Entry: entry, Exit: entry.Add(time.Duration(length) * time.Second)}
	s.Vehicle = []string{"", "small", "v", "monthly", "vip"}[rng.IntN(5)]
	if s.Vehicle == "monthly" && rng.IntN(3) > 0 {
		s.PassValidUntil = entry.Add(time.Duration(rng.Int64N(length+7200)-3600) * time.Second)
	}
	for range rng.IntN(3) {
		switch rng.IntN(4) {
		case 0:
			s.Coupons = append(s.Coupons, Coupon{Type: CouponMinutes, Value: rng.Int64N(120)})
		case 1:
			s.Coupons = append(s.Coupons, Coupon{Type: CouponAmount, Value: rng.Int64N(1000)})
		case 2:
			s.Coupons = append(s.Coupons, Coupon{Type: CouponPercent, Value: 1 + rng.Int64N(100)})
		default:
			if rng.IntN(5) == 0 {
				s.Coupons = append(s.Coupons, Coupon{Type: CouponFreeStay})
			}
		}
	}
	if rng.IntN(6) == 0 {
		s.Prepaid = &Prepayment{PaidAt: entry.Add(time.Duration(rng.Int64N(length+1)) * time.Second), PaidFen: rng.Int64N(3000)}
	}
	return s
}

func loadRandomRule(t testing.TB, rj *ruleJSON) *Rule {
	data, err := json.Marshal(rj)
	require.NoError(t, err)
	r, err := ParseRule(data)
	require.NoError(t, err, "%s", data)
	return r
}

func TestQuoteAgreesWithSecondBySecondReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(20251203, 7))
	for i := range propertyCases() {
		rj := randomRule(rng)
		r := loadRandomRule(t, rj)
		s := randomStay(rng)
		q, err := r.Quote(s)
		require.NoError(t, err)
		want, err := refQuote(r, s)
		require.NoError(t, err)
		if q.TotalFen != want {
			data, _ := json.Marshal(rj)
			t.Fatalf("case %d: Quote %d, reference %d\nrule %s\nstay %+v\n%s", i, q.TotalFen, want, data, s, receipt(q))
		}
	}
}

func TestQuoteInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	for i := range propertyCases() {
		rj := randomRule(rng)
		r := loadRandomRule(t, rj)
		s := randomStay(rng)
		s.Coupons, s.Prepaid = nil, nil
		q, err := r.Quote(s)
		require.NoError(t, err)
		require.GreaterOrEqual(t, q.TotalFen, int64(0))
		p := r.profile(s.Vehicle)
		if p.maxTotal >= 0 {
			require.LessOrEqual(t, q.TotalFen, p.maxTotal, "case %d", i)
		}
		if len(p.caps) > 0 {
			// Never above the caps of the windows the stay touches.
			var bound int64
			seen := map[int]bool{}
			for _, it := range q.Items {
				if !seen[it.Window] {
					seen[it.Window] = true
					bound += p.caps[min(it.Window, len(p.caps)-1)]
				}
			}
			require.LessOrEqual(t, q.TotalFen, bound, "case %d\n%s", i, receipt(q))
		}
		var sum int64
		for _, it := range q.Items {
			sum += it.Fen
			require.True(t, it.End.After(it.Start) || it.Kind == ItemFlat && !it.End.Before(it.Start), "item %+v", it)
		}
		require.Equal(t, q.ChargedFen, sum)
		var off int64
		for _, a := range q.Adjustments {
			require.GreaterOrEqual(t, a.Fen, int64(0))
			if a.Kind != AdjCouponMinutes {
				off += a.Fen
			}
		}
		require.Equal(t, q.TotalFen, sum-off, "charges minus adjustments is the total\n%s", receipt(q))

		// Leaving later never costs less (no coupons or prepayment).
		later := s
		later.Exit = s.Exit.Add(time.Duration(1+rng.Int64N(4*3600)) * time.Second)
		q2, err := r.Quote(later)
		require.NoError(t, err)
		require.GreaterOrEqual(t, q2.TotalFen, q.TotalFen, "case %d: exit %s → %d, exit %s → %d", i, s.Exit, q.TotalFen, later.Exit, q2.TotalFen)
	}
}
