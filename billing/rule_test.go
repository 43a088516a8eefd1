package billing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRuleErrorsNameTheField(t *testing.T) {
	const tiers = `"bands":{"day":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":30,"unit_fen":300}]}}`
	cases := []struct {
		name, rule, pointer, says string
		reason                    error
	}{
		{"not JSON", `{`, "", "not valid JSON", ErrInvalidRule},
		{"not an object", `[]`, "", "object", ErrInvalidRule},
		{"unknown model", `{"model":"parking-tariff/v2",` + tiers + `}`, "/model", "parking-tariff/v2", ErrInvalidRule},
		{"unknown top-level field", `{"model":"parking-tariff/v1","colour":"red",` + tiers + `}`, "/colour", "unknown field", ErrInvalidRule},
		{"unknown nested field", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"unit_minutes":60,"unit_fen":500,"unit_yuan":5}]}}}`, "/bands/day/tiers/0/unit_yuan", "unknown field", ErrInvalidRule},
		{"unknown field in a vehicle", `{"model":"parking-tariff/v1",` + tiers + `,"vehicles":{"large":{"discount":5}}}`, "/vehicles/large/discount", "unknown field", ErrInvalidRule},
		{"wrong type", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"unit_minutes":"60","unit_fen":500}]}}}`, "/bands/day/tiers/0/unit_minutes", "want", ErrInvalidRule},
		{"timezone", `{"model":"parking-tariff/v1","timezone":"UTC",` + tiers + `}`, "/timezone", "Asia/Shanghai", ErrInvalidRule},
		{"no bands", `{"model":"parking-tariff/v1"}`, "/bands", "at least one band", ErrInvalidRule},
		{"band with no pricing", `{"model":"parking-tariff/v1","bands":{"day":{"cap_fen_per_segment":5}}}`, "/bands/day", "exactly one", ErrInvalidRule},
		{"band with two pricings", `{"model":"parking-tariff/v1","bands":{"day":{"flat_fen_per_segment":5,"no_charge":true}}}`, "/bands/day", "has 2", ErrInvalidRule},
		{"closed last tier", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500}]}}}`, "/bands/day/tiers/0/up_to_minutes", "must be open", ErrInvalidRule},
		{"open middle tier", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"unit_minutes":60,"unit_fen":500},{"unit_minutes":60,"unit_fen":500}]}}}`, "/bands/day/tiers/0/up_to_minutes", "only the last tier", ErrInvalidRule},
		{"tier span not a multiple", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"up_to_minutes":45,"unit_minutes":30,"unit_fen":500},{"unit_minutes":30,"unit_fen":300}]}}}`, "/bands/day/tiers/0/up_to_minutes", "not a multiple", ErrTierSpanNotMultipleOfUnit},
		{"tiers not increasing", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"up_to_minutes":60,"unit_minutes":30,"unit_fen":1},{"up_to_minutes":60,"unit_minutes":30,"unit_fen":1},{"unit_minutes":30,"unit_fen":3}]}}}`, "/bands/day/tiers/1/up_to_minutes", "greater", ErrInvalidRule},
		{"negative unit price", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"unit_minutes":30,"unit_fen":-1}]}}}`, "/bands/day/tiers/0/unit_fen", "negative", ErrInvalidRule},
		{"negative flat price", `{"model":"parking-tariff/v1","bands":{"day":{"flat_fen_per_segment":-1}}}`, "/bands/day/flat_fen_per_segment", "negative", ErrInvalidRule},
		{"zero unit", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"unit_minutes":0,"unit_fen":1}]}}}`, "/bands/day/tiers/0/unit_minutes", "≥ 1", ErrInvalidRule},
		{"missing price", `{"model":"parking-tariff/v1","bands":{"day":{"tiers":[{"unit_minutes":10}]}}}`, "/bands/day/tiers/0/unit_fen", "required", ErrInvalidRule},
		{"negative cap", `{"model":"parking-tariff/v1",` + tiers + `,"day_window":{"kind":"calendar_day","cap_fen_per_window":[100,-1]}}`, "/day_window/cap_fen_per_window/1", "negative", ErrInvalidRule},
		{"percent over 100", `{"model":"parking-tariff/v1",` + tiers + `,"vehicles":{"new_energy":{"pay_percent":120}}}`, "/vehicles/new_energy/pay_percent", "1–100", ErrInvalidRule},
		{"percent zero", `{"model":"parking-tariff/v1",` + tiers + `,"vehicles":{"new_energy":{"pay_percent":0}}}`, "/vehicles/new_energy/pay_percent", "1–100", ErrInvalidRule},
		{"slots not from 00:00", `{"model":"parking-tariff/v1",` + tiers + `,"schedules":[{"days":"all","slots":[{"from":"07:00","band":"day"}]}]}`, "/schedules/0/slots/0/from", "00:00", ErrInvalidRule},
		{"slots not increasing", `{"model":"parking-tariff/v1",` + tiers + `,"schedules":[{"days":"all","slots":[{"from":"00:00","band":"day"},{"from":"08:00","band":"day"},{"from":"08:00","band":"day"}]}]}`, "/schedules/0/slots/2/from", "increasing", ErrInvalidRule},
		{"slot time", `{"model":"parking-tariff/v1",` + tiers + `,"schedules":[{"days":"all","slots":[{"from":"00:00","band":"day"},{"from":"24:00","band":"day"}]}]}`, "/schedules/0/slots/1/from", "HH:MM", ErrInvalidRule},
		{"slot band unknown", `{"model":"parking-tariff/v1",` + tiers + `,"schedules":[{"days":"all","slots":[{"from":"00:00","band":"night"}]}]}`, "/schedules/0/slots/0/band", "no band", ErrInvalidRule},
		{"no schedule for rest days", `{"model":"parking-tariff/v1",` + tiers + `,"schedules":[{"days":"workday","slots":[{"from":"00:00","band":"day"}]}]}`, "/schedules", "non_workday", ErrInvalidRule},
		{"two bands, no schedule", `{"model":"parking-tariff/v1","bands":{"a":{"no_charge":true},"b":{"no_charge":true}}}`, "/schedules", "need schedules", ErrInvalidRule},
		{"bad date", `{"model":"parking-tariff/v1",` + tiers + `,"calendar":{"holidays":["2025-02-29"]}}`, "/calendar/holidays/0", "YYYY-MM-DD", ErrInvalidRule},
		{"holiday and workday", `{"model":"parking-tariff/v1",` + tiers + `,"calendar":{"holidays":["2025-10-01"],"workdays":["2025-10-01"]}}`, "/calendar/workdays/0", "both", ErrInvalidRule},
		{"window kind", `{"model":"parking-tariff/v1",` + tiers + `,"day_window":{"kind":"weekly"}}`, "/day_window/kind", "weekly", ErrInvalidRule},
		{"partial mode", `{"model":"parking-tariff/v1",` + tiers + `,"partial_unit":{"mode":"round"}}`, "/partial_unit/mode", "round", ErrInvalidRule},
		{"threshold missing", `{"model":"parking-tariff/v1",` + tiers + `,"partial_unit":{"mode":"charge_full_if_at_least"}}`, "/partial_unit/threshold_seconds", "needs", ErrInvalidRule},
		{"grace overstay", `{"model":"parking-tariff/v1",` + tiers + `,"grace":{"minutes":10,"overstay":"forgive"}}`, "/grace/overstay", "forgive", ErrInvalidRule},
		{"vehicle overrides an unknown band", `{"model":"parking-tariff/v1",` + tiers + `,"vehicles":{"large":{"bands":{"night":{"no_charge":true}}}}}`, "/vehicles/large/bands/night", "no band", ErrInvalidRule},
		{"vehicle caps without windows", `{"model":"parking-tariff/v1",` + tiers + `,"vehicles":{"large":{"cap_fen_per_window":[100]}}}`, "/vehicles/large/cap_fen_per_window", "day_window", ErrInvalidRule},
		{"precision", `{"model":"parking-tariff/v1",` + tiers + `,"duration_precision":"round"}`, "/duration_precision", "round", ErrInvalidRule},
		{"escaped pointer", `{"model":"parking-tariff/v1","bands":{"a/b~c":{"flat_fen_per_segment":-1}}}`, "/bands/a~1b~0c/flat_fen_per_segment", "negative", ErrInvalidRule},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRule([]byte(c.rule))
			require.Error(t, err)
			var re *RuleError
			require.True(t, errors.As(err, &re), "%T", err)
			assert.Equal(t, c.pointer, re.Pointer, "%v", err)
			assert.Contains(t, err.Error(), c.says)
			assert.ErrorIs(t, err, c.reason)
			assert.ErrorIs(t, err, ErrInvalidRule)
		})
	}
}

func TestRuleAccessors(t *testing.T) {
	r := rule(t, `"bands":{"day":{"no_charge":true},"night":{"flat_fen_per_segment":1}},`+dayNight+`,"vehicles":{"large":{},"monthly":{"monthly_pass":true}}`)
	assert.Equal(t, []string{"day", "night"}, r.Bands())
	assert.Equal(t, []string{"large", "monthly"}, r.VehicleClasses())
}

// The calendar arithmetic agrees with the time package on every day from
// 1999 to 2101, leap years and weekdays included.
func TestCalendarArithmetic(t *testing.T) {
	for d := time.Date(1999, 1, 1, 12, 0, 0, 0, Shanghai); d.Year() < 2101; d = d.AddDate(0, 0, 1) {
		n := dayNumber(d.Year(), int(d.Month()), d.Day())
		require.Equal(t, n, localDay(d.Unix()), d.String())
		require.Equal(t, d.Add(-12*time.Hour).Unix(), localMidnight(n))
		require.Equal(t, time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day(), daysIn(d.Year(), int(d.Month())))
	}
	r := rule(t, firstHour)
	for d := time.Date(2025, 6, 1, 0, 0, 0, 0, Shanghai); d.Month() == 6; d = d.AddDate(0, 0, 1) {
		wd := d.Weekday()
		assert.Equal(t, wd != time.Saturday && wd != time.Sunday, r.workday(localDay(d.Unix())), d.String())
	}
	_, ok := parseDate("2024-02-29")
	assert.True(t, ok)
	_, ok = parseDate("2025-02-29")
	assert.False(t, ok)
	_, ok = parseDate("2025-13-01")
	assert.False(t, ok)
	assert.True(t, strings.HasPrefix(ErrTierSpanNotMultipleOfUnit.Error(), "tier_span"))
}
