package billing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-derived cases: each field of the model read both ways, and the edges
// of tariff-model §5. Times are 2025-06-11 (a Wednesday) unless they say
// otherwise; "+1 08:00" is the next day.

func at(s string) time.Time {
	base := "2025-06-11"
	if d, rest, ok := strings.Cut(s, " "); ok {
		switch {
		case strings.HasPrefix(d, "+"):
			n := int(d[1] - '0')
			base = time.Date(2025, 6, 11+n, 0, 0, 0, 0, Shanghai).Format("2006-01-02")
			s = rest
		default:
			base, s = d, rest
		}
	}
	if len(s) == 5 {
		s += ":00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05", base+" "+s, Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// rule builds a v1 rule from the fields given (JSON members without the
// outer braces) plus the model line.
func rule(t *testing.T, fields string) *Rule {
	t.Helper()
	r, err := ParseRule([]byte(`{"model":"parking-tariff/v1",` + fields + `}`))
	require.NoError(t, err)
	return r
}

const (
	firstHour = `"bands":{"all":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":30,"unit_fen":200}]}}`
	hourly    = `"bands":{"all":{"tiers":[{"unit_minutes":60,"unit_fen":100}]}}`
)

type hcase struct {
	name        string
	rule        string
	entry, exit string
	mod         func(*Stay)
	want        int64
}

func runCases(t *testing.T, cases []hcase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rule(t, c.rule)
			s := Stay{Entry: at(c.entry), Exit: at(c.exit), Vehicle: "small"}
			if c.mod != nil {
				c.mod(&s)
			}
			q, err := r.Quote(s)
			require.NoError(t, err)
			assert.Equal(t, c.want, q.TotalFen, "\n%s", receipt(q))
			ref, err := refQuote(r, s)
			require.NoError(t, err)
			assert.Equal(t, c.want, ref, "the reference agrees")
		})
	}
}

func TestFreePeriodAndPrecision(t *testing.T) {
	runCases(t, []hcase{
		{"free: exactly at the end is free", `"free":{"minutes":15},` + firstHour, "10:00", "10:15", nil, 0},
		{"free: one second over bills from entry", `"free":{"minutes":15},` + firstHour, "10:00", "10:15:01", nil, 500},
		{"free: exclusive end", `"free":{"minutes":15,"equal_counts_as_free":false},` + firstHour, "10:00", "10:15", nil, 500},
		{"free: exclusive, one second short", `"free":{"minutes":15,"equal_counts_as_free":false},` + firstHour, "10:00", "10:14:59", nil, 0},
		{"free: not deducted (70 min = hour + 10-min partial)", `"free":{"minutes":15},` + firstHour, "10:00", "11:10", nil, 700},
		{"free: deducted (55 min billed: one first-hour unit)", `"free":{"minutes":15,"deducted_when_exceeded":true},` + firstHour, "10:00", "11:10", nil, 500},
		{"zero-length stay with no free period", firstHour, "10:00", "10:00", nil, 0},
		{"one second with no free period", firstHour, "10:00", "10:00:01", nil, 500},
		{"precision second: 15m30s is over", `"free":{"minutes":15},"duration_precision":"second",` + firstHour, "10:00", "10:15:30", nil, 500},
		{"precision floor: 15m30s counts as 15m", `"free":{"minutes":15},"duration_precision":"floor_to_minute",` + firstHour, "10:00", "10:15:30", nil, 0},
		{"precision ceil: 14m01s counts as 15m", `"free":{"minutes":15},"duration_precision":"ceil_to_minute",` + firstHour, "10:00", "10:14:01", nil, 0},
		{"precision ceil: 60m01s counts as 61m", `"duration_precision":"ceil_to_minute",` + firstHour, "10:00", "11:00:01", nil, 700},
	})
}

func TestPartialUnits(t *testing.T) {
	runCases(t, []hcase{
		{"charge_full_unit", firstHour, "10:00", "11:10", nil, 700},
		{"charge_nothing", `"partial_unit":{"mode":"charge_nothing"},` + firstHour, "10:00", "11:10", nil, 500},
		{"threshold: 900 s is under 901", `"partial_unit":{"mode":"charge_full_if_at_least","threshold_seconds":901},` + firstHour, "10:00", "11:15", nil, 500},
		{"threshold: 901 s is enough", `"partial_unit":{"mode":"charge_full_if_at_least","threshold_seconds":901},` + firstHour, "10:00", "11:15:01", nil, 700},
		{"per-tier override", `"partial_unit":{"mode":"charge_full_unit"},"bands":{"all":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":30,"unit_fen":200,"partial_unit":{"mode":"charge_nothing"}}]}}`, "10:00", "11:10", nil, 500},
	})
}

const dayNight = `"schedules":[{"days":"all","slots":[{"from":"00:00","band":"night"},{"from":"08:00","band":"day"},{"from":"20:00","band":"night"}]}]`

func TestBandsAndSegments(t *testing.T) {
	cutCarry := `"bands":{"day":{"tiers":[{"unit_minutes":60,"unit_fen":1000}]},"night":{"tiers":[{"unit_minutes":120,"unit_fen":100}]}},` + dayNight
	twoDays := `"bands":{"night":{"no_charge":true},` +
		`"am":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":60,"unit_fen":100}]},` +
		`"pm":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":60,"unit_fen":100}]}},` +
		`"schedules":[{"days":"all","slots":[{"from":"00:00","band":"night"},{"from":"08:00","band":"am"},{"from":"12:00","band":"pm"},{"from":"20:00","band":"night"}]}]`
	runCases(t, []hcase{
		{"cut at 20:00: day partial + night partial", `"units_cut_at_band_boundary":true,` + cutCarry, "19:30", "20:30", nil, 1100},
		{"carry over 20:00: one day unit", `"units_cut_at_band_boundary":false,` + cutCarry, "19:30", "20:30", nil, 1000},
		{"carry, then night from 20:30", `"units_cut_at_band_boundary":false,` + cutCarry, "19:30", "21:00", nil, 1100},
		{"exactly at a band edge", cutCarry, "19:00", "20:00", nil, 1000},
		{"one second into the next band", cutCarry, "19:00", "20:00:01", nil, 1100},
		{"tier clock carries over a band change", `"tier_clock_restarts_on_band_change":false,` + twoDays, "11:00", "14:00", nil, 700},
		{"tier clock restarts on a band change", `"tier_clock_restarts_on_band_change":true,` + twoDays, "11:00", "14:00", nil, 1100},
		{"billed time, not wall time: first hour at 08:00", twoDays, "06:00", "09:00", nil, 500},
		{"night across midnight is one capped segment",
			`"bands":{"day":{"no_charge":true},"night":{"tiers":[{"unit_minutes":60,"unit_fen":100}],"cap_fen_per_segment":300}},` + dayNight, "20:00", "+1 08:00", nil, 300},
		{"flat night across midnight is charged once",
			`"bands":{"day":{"no_charge":true},"night":{"flat_fen_per_segment":500}},` + dayNight, "22:00", "+1 02:00", nil, 500},
		{"flat night twice over two nights",
			`"bands":{"day":{"no_charge":true},"night":{"flat_fen_per_segment":500}},` + dayNight, "22:00", "+1 21:00", nil, 1000},
		{"segment cap applies per segment, not per day",
			`"bands":{"day":{"tiers":[{"unit_minutes":60,"unit_fen":100}],"cap_fen_per_segment":500},"night":{"no_charge":true}},` + dayNight, "07:00", "+1 20:00", nil, 1000},
	})
}

func TestCalendarAndWindows(t *testing.T) {
	workOnly := `"bands":{"paid":{"tiers":[{"unit_minutes":60,"unit_fen":100}]},"free":{"no_charge":true}},` +
		`"schedules":[{"days":"workday","slots":[{"from":"00:00","band":"paid"}]},{"days":"non_workday","slots":[{"from":"00:00","band":"free"}]}]`
	runCases(t, []hcase{
		{"Saturday is a non-workday", workOnly, "2025-06-14 10:00", "2025-06-14 12:00", nil, 0},
		{"a Saturday listed as a workday (调休)", `"calendar":{"workdays":["2025-06-14"]},` + workOnly, "2025-06-14 10:00", "2025-06-14 12:00", nil, 200},
		{"a Wednesday listed as a holiday", `"calendar":{"holidays":["2025-06-11"]},` + workOnly, "10:00", "12:00", nil, 0},
		{"a Wednesday", workOnly, "10:00", "12:00", nil, 200},
		{"calendar-day windows split at midnight", `"day_window":{"kind":"calendar_day","cap_fen_per_window":[500]},` + hourly, "20:00", "+1 08:00", nil, 400 + 500},
		{"a rolling window holds the whole night", `"day_window":{"kind":"rolling_24h_from_entry","cap_fen_per_window":[500]},` + hourly, "20:00", "+1 08:00", nil, 500},
		{"billing day starting 07:30; the 07:00 unit belongs to the old day", `"day_window":{"kind":"calendar_day","calendar_day_starts_at":"07:30","cap_fen_per_window":[500]},` + hourly, "20:00", "+1 08:00", nil, 500},
		{"escalating caps", `"day_window":{"kind":"rolling_24h_from_entry","cap_fen_per_window":[300,500,700]},` + hourly, "10:00", "+2 12:00", nil, 1000},
		{"rolling window edge: exactly 24 h is one window", `"day_window":{"kind":"rolling_24h_from_entry","cap_fen_per_window":[1000]},` + hourly, "10:00", "+1 10:00", nil, 1000},
		{"rolling window edge: one second over opens window 1", `"day_window":{"kind":"rolling_24h_from_entry","cap_fen_per_window":[1000]},` + hourly, "10:00", "+1 10:00:01", nil, 1100},
		{"tiers carry across windows", `"day_window":{"kind":"rolling_24h_from_entry","tier_clock_restarts_each_window":false},` + firstHour, "10:00", "+1 11:00", nil, 500 + 48*200},
		{"tiers restart each window", `"day_window":{"kind":"rolling_24h_from_entry","tier_clock_restarts_each_window":true},` + firstHour, "10:00", "+1 11:00", nil, 500 + 46*200 + 500},
		{"leap day: three calendar dates", `"day_window":{"kind":"calendar_day","cap_fen_per_window":[1000]},` + hourly, "2024-02-28 12:00", "2024-03-01 12:00", nil, 3000},
		{"leap day: two rolling windows", `"day_window":{"kind":"rolling_24h_from_entry","cap_fen_per_window":[1000]},` + hourly, "2024-02-28 12:00", "2024-03-01 12:00", nil, 2000},
		{"31 days under daily caps", `"day_window":{"kind":"calendar_day","cap_fen_per_window":[1000]},` + hourly, "2025-01-01 00:00", "2025-02-01 00:00", nil, 31000},
		{"31 days under the stay maximum", `"max_total_fen_per_stay":20000,"day_window":{"kind":"calendar_day","cap_fen_per_window":[1000]},` + hourly, "2025-01-01 00:00", "2025-02-01 00:00", nil, 20000},
	})
}

func TestVehiclesPassesGraceCoupons(t *testing.T) {
	withClasses := `"free":{"minutes":15},` + firstHour + `,"grace":{"minutes":15},"vehicles":{"monthly":{"monthly_pass":true},"whitelist":{"exempt":true},` +
		`"new_energy":{"free_minutes_from_start":60,"pay_percent":80},"capped":{"max_total_fen_per_stay":600}}`
	rebill := strings.Replace(withClasses, `"grace":{"minutes":15}`, `"grace":{"minutes":15,"overstay":"rebill_from_payment_time"}`, 1)
	class := func(c string) func(*Stay) { return func(s *Stay) { s.Vehicle = c } }
	pass := func(until string) func(*Stay) {
		return func(s *Stay) {
			s.Vehicle = "monthly"
			if until != "" {
				s.PassValidUntil = at(until)
			}
		}
	}
	paid := func(when string, fen int64) func(*Stay) {
		return func(s *Stay) { s.Prepaid = &Prepayment{PaidAt: at(when), PaidFen: fen} }
	}
	coupons := func(cs ...Coupon) func(*Stay) { return func(s *Stay) { s.Coupons = cs } }
	runCases(t, []hcase{
		{"whitelist is exempt", withClasses, "10:00", "18:00", class("whitelist"), 0},
		{"unknown class uses the base rule", withClasses, "10:00", "12:30", class("motorcycle"), 1100},
		{"monthly pass without expiry", withClasses, "10:00", "12:30", pass(""), 0},
		{"monthly pass valid at exit", withClasses, "10:00", "12:30", pass("12:30"), 0},
		{"monthly pass expired mid-stay: billed from expiry, no free period", withClasses, "10:00", "12:30", pass("11:00"), 700},
		{"monthly pass expired one second before exit", withClasses, "10:00", "12:30", pass("12:29:59"), 500},
		{"monthly pass expired before entry: ordinary stay", withClasses, "10:00", "12:30", pass("09:00"), 1100},
		{"new-energy free hour then 80 %", withClasses, "10:00", "12:30", class("new_energy"), 560},
		{"class stay maximum", withClasses, "10:00", "14:00", class("capped"), 600},
		{"grace: leaving within 15 min of paying", withClasses, "10:00", "12:15", paid("12:00", 1100), 0},
		{"grace: end is inclusive", withClasses, "10:00", "12:15", paid("12:00", 0), 0},
		{"grace over: recompute the total, minus what was paid", withClasses, "10:00", "12:40", paid("12:00", 1100), 200},
		{"grace over: never below zero", withClasses, "10:00", "12:20", paid("12:00", 5000), 0},
		{"grace over: rebill from payment time", rebill, "10:00", "12:40", paid("12:00", 1100), 500},
		{"time coupon moves the start", withClasses, "10:00", "12:30", coupons(Coupon{Type: CouponMinutes, Value: 60}), 700},
		{"percent coupons floor to fen", withClasses, "10:00", "12:30", coupons(Coupon{Type: CouponPercent, Value: 33}), 363},
		{"amount coupon never below zero", withClasses, "10:00", "12:30", coupons(Coupon{Type: CouponAmount, Value: 5000}), 0},
		{"percent before amount", withClasses, "10:00", "12:30", coupons(Coupon{Type: CouponAmount, Value: 100}, Coupon{Type: CouponPercent, Value: 50}), 450},
		{"free-stay coupon", withClasses, "10:00", "12:30", coupons(Coupon{Type: CouponFreeStay}), 0},
		{"coupon shift past the exit", withClasses, "10:00", "10:30", coupons(Coupon{Type: CouponMinutes, Value: 60}), 0},
		{"stay maximum applies before discounts",
			`"max_total_fen_per_stay":1000,` + firstHour, "10:00", "13:00", coupons(Coupon{Type: CouponPercent, Value: 50}), 500},
	})
}

func TestStayErrors(t *testing.T) {
	r := rule(t, firstHour)
	_, err := r.Quote(Stay{Entry: at("10:00"), Exit: at("09:59:59")})
	assert.ErrorIs(t, err, ErrExitBeforeEntry)
	_, err = r.Quote(Stay{Entry: at("10:00"), Exit: at("11:00"), Prepaid: &Prepayment{PaidAt: at("11:00:01"), PaidFen: 1}})
	assert.ErrorIs(t, err, ErrPaidAtOutsideStay)
	_, err = r.Quote(Stay{Entry: at("10:00"), Exit: at("11:00"), Prepaid: &Prepayment{PaidAt: at("09:00"), PaidFen: 1}})
	assert.ErrorIs(t, err, ErrPaidAtOutsideStay)
	for name, s := range map[string]Stay{
		"no entry":         {Exit: at("11:00")},
		"no exit":          {Entry: at("11:00")},
		"unknown coupon":   {Entry: at("10:00"), Exit: at("11:00"), Coupons: []Coupon{{Type: "bogo"}}},
		"percent over 100": {Entry: at("10:00"), Exit: at("11:00"), Coupons: []Coupon{{Type: CouponPercent, Value: 101}}},
		"negative amount":  {Entry: at("10:00"), Exit: at("11:00"), Coupons: []Coupon{{Type: CouponAmount, Value: -1}}},
		"negative prepaid": {Entry: at("10:00"), Exit: at("11:00"), Prepaid: &Prepayment{PaidAt: at("10:30"), PaidFen: -5}},
	} {
		_, err := r.Quote(s)
		assert.ErrorIs(t, err, ErrInvalidStay, name)
		var se *StayError
		assert.True(t, errors.As(err, &se), name)
	}
	// Inputs in other offsets are the same instants.
	utc := Stay{Entry: at("10:00").UTC(), Exit: at("11:10").UTC()}
	q, err := r.Quote(utc)
	require.NoError(t, err)
	assert.Equal(t, int64(700), q.TotalFen)
	assert.Equal(t, "10:00", q.Entry.Format("15:04"), "reported in Asia/Shanghai")
}

func TestReceipt(t *testing.T) {
	r := rule(t, `"free":{"minutes":15},"day_window":{"kind":"calendar_day","cap_fen_per_window":[1000]},`+firstHour)
	q, err := r.Quote(Stay{Entry: at("20:00"), Exit: at("+1 01:10"), Coupons: []Coupon{{Type: CouponAmount, Value: 100}}})
	require.NoError(t, err)
	// 20:00–21:00 first hour 500; 21:00–00:00 six half hours 1200 → day 1 capped at 1000;
	// 00:00–01:00 two half hours 400; 01:00–01:10 partial 200 → 600. 1600 − 100 coupon.
	require.Equal(t, int64(1500), q.TotalFen, receipt(q))
	require.Len(t, q.Items, 4, receipt(q))
	assert.Equal(t, Item{Kind: ItemUnits, Band: "all", Start: at("20:00"), End: at("21:00"), Window: 0, Tier: 0, Units: 1, UnitMinutes: 60, UnitFen: 500, Fen: 500}, q.Items[0])
	assert.Equal(t, Item{Kind: ItemUnits, Band: "all", Start: at("21:00"), End: at("+1 00:00"), Window: 0, Tier: 1, Units: 6, UnitMinutes: 30, UnitFen: 200, Fen: 1200}, q.Items[1])
	assert.Equal(t, 1, q.Items[2].Window)
	assert.True(t, q.Items[3].Partial)
	assert.Equal(t, int64(2300), q.ChargedFen)
	require.Len(t, q.Adjustments, 2)
	assert.Equal(t, Adjustment{Kind: AdjWindowCap, Window: 0, Fen: 700, Limit: 1000}, q.Adjustments[0])
	assert.Equal(t, AdjCouponAmount, q.Adjustments[1].Kind)
	assert.Equal(t, int64(100), q.Adjustments[1].Fen)
	assert.Equal(t, at("20:00"), q.BillingStart)
}
