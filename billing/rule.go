package billing

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Model is the only rule model this package loads.
const Model = "parking-tariff/v1"

// The JSON form of a rule (tariff-model §1). Pointers tell "absent" from
// zero so defaults can be applied.
type ruleJSON struct {
	Model                   string                  `json:"model"`
	Timezone                *string                 `json:"timezone"`
	DurationPrecision       *string                 `json:"duration_precision"`
	Free                    *freeJSON               `json:"free"`
	PartialUnit             *partialJSON            `json:"partial_unit"`
	UnitsCutAtBandBoundary  *bool                   `json:"units_cut_at_band_boundary"`
	TierClockRestartsOnBand *bool                   `json:"tier_clock_restarts_on_band_change"`
	Bands                   map[string]*bandJSON    `json:"bands"`
	Calendar                *calendarJSON           `json:"calendar"`
	Schedules               []scheduleJSON          `json:"schedules"`
	DayWindow               *windowJSON             `json:"day_window"`
	MaxTotalFenPerStay      *int64                  `json:"max_total_fen_per_stay"`
	Grace                   *graceJSON              `json:"grace"`
	Vehicles                map[string]*vehicleJSON `json:"vehicles"`
}

type freeJSON struct {
	Minutes              *int64 `json:"minutes"`
	EqualCountsAsFree    *bool  `json:"equal_counts_as_free"`
	DeductedWhenExceeded *bool  `json:"deducted_when_exceeded"`
}

type partialJSON struct {
	Mode             string `json:"mode"`
	ThresholdSeconds *int64 `json:"threshold_seconds"`
}

type bandJSON struct {
	Tiers             []tierJSON `json:"tiers"`
	FlatFenPerSegment *int64     `json:"flat_fen_per_segment"`
	NoCharge          *bool      `json:"no_charge"`
	CapFenPerSegment  *int64     `json:"cap_fen_per_segment"`
}

type tierJSON struct {
	UpToMinutes *int64       `json:"up_to_minutes"`
	UnitMinutes *int64       `json:"unit_minutes"`
	UnitFen     *int64       `json:"unit_fen"`
	PartialUnit *partialJSON `json:"partial_unit"`
}

type calendarJSON struct {
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

type scheduleJSON struct {
	Days  string     `json:"days"`
	Slots []slotJSON `json:"slots"`
}

type slotJSON struct {
	From string `json:"from"`
	Band string `json:"band"`
}

type windowJSON struct {
	Kind                        string  `json:"kind"`
	CalendarDayStartsAt         *string `json:"calendar_day_starts_at"`
	CapFenPerWindow             []int64 `json:"cap_fen_per_window"`
	TierClockRestartsEachWindow *bool   `json:"tier_clock_restarts_each_window"`
}

type graceJSON struct {
	Minutes  *int64  `json:"minutes"`
	Overstay *string `json:"overstay"`
}

type vehicleJSON struct {
	Exempt               *bool                `json:"exempt"`
	MonthlyPass          *bool                `json:"monthly_pass"`
	Free                 *freeJSON            `json:"free"`
	Bands                map[string]*bandJSON `json:"bands"`
	CapFenPerWindow      []int64              `json:"cap_fen_per_window"`
	MaxTotalFenPerStay   *int64               `json:"max_total_fen_per_stay"`
	FreeMinutesFromStart *int64               `json:"free_minutes_from_start"`
	PayPercent           *int64               `json:"pay_percent"`
}

// schema lists the keys each JSON object may have, so an unknown field is
// refused with its JSON pointer (encoding/json does not say where).
type schema struct {
	fields map[string]*schema // object with fixed keys; a nil child is a leaf
	mapOf  *schema            // object with free keys (bands, vehicles)
	listOf *schema            // array
}

var ruleSchema = func() *schema {
	leaf := (*schema)(nil)
	obj := func(kv map[string]*schema) *schema { return &schema{fields: kv} }
	partial := obj(map[string]*schema{"mode": leaf, "threshold_seconds": leaf})
	free := obj(map[string]*schema{"minutes": leaf, "equal_counts_as_free": leaf, "deducted_when_exceeded": leaf})
	tier := obj(map[string]*schema{"up_to_minutes": leaf, "unit_minutes": leaf, "unit_fen": leaf, "partial_unit": partial})
	band := obj(map[string]*schema{"tiers": {listOf: tier}, "flat_fen_per_segment": leaf, "no_charge": leaf, "cap_fen_per_segment": leaf})
	bands := &schema{mapOf: band}
	return obj(map[string]*schema{
		"model": leaf, "timezone": leaf, "duration_precision": leaf,
		"free": free, "partial_unit": partial,
		"units_cut_at_band_boundary": leaf, "tier_clock_restarts_on_band_change": leaf,
		"bands":    bands,
		"calendar": obj(map[string]*schema{"holidays": leaf, "workdays": leaf}),
		"schedules": {listOf: obj(map[string]*schema{
			"days":  leaf,
			"slots": {listOf: obj(map[string]*schema{"from": leaf, "band": leaf})},
		})},
		"day_window":             obj(map[string]*schema{"kind": leaf, "calendar_day_starts_at": leaf, "cap_fen_per_window": leaf, "tier_clock_restarts_each_window": leaf}),
		"max_total_fen_per_stay": leaf,
		"grace":                  obj(map[string]*schema{"minutes": leaf, "overstay": leaf}),
		"vehicles": {mapOf: obj(map[string]*schema{
			"exempt": leaf, "monthly_pass": leaf, "free": free, "bands": bands,
			"cap_fen_per_window": leaf, "max_total_fen_per_stay": leaf,
			"free_minutes_from_start": leaf, "pay_percent": leaf,
		})},
	})
}()

func pointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (s *schema) check(v any, ptr string) error {
	if s == nil {
		return nil
	}
	switch {
	case s.fields != nil:
		m, ok := v.(map[string]any)
		if !ok {
			return nil // the typed decode reports the type error
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child, known := s.fields[k]
			if !known {
				return ruleErr(ptr+"/"+pointerToken(k), "unknown field %q", k)
			}
			if err := child.check(m[k], ptr+"/"+pointerToken(k)); err != nil {
				return err
			}
		}
	case s.mapOf != nil:
		m, _ := v.(map[string]any)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := s.mapOf.check(m[k], ptr+"/"+pointerToken(k)); err != nil {
				return err
			}
		}
	case s.listOf != nil:
		l, _ := v.([]any)
		for i, e := range l {
			if err := s.listOf.check(e, ptr+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ParseRule loads a parking-tariff/v1 rule. A rule that could misprice a
// stay is refused here, never at the gate: every error is a *RuleError
// whose Pointer is the JSON pointer of the offending value, matching
// ErrInvalidRule (and ErrTierSpanNotMultipleOfUnit where that is the
// reason) with errors.Is.
func ParseRule(data []byte) (*Rule, error) {
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return nil, ruleErr("", "not valid JSON: %v", err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, ruleErr("", "a rule is a JSON object")
	}
	if err := ruleSchema.check(generic, ""); err != nil {
		return nil, err
	}
	var rj ruleJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&rj); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, ruleErr("/"+strings.ReplaceAll(te.Field, ".", "/"), "want a %v, got a JSON %s", te.Type, te.Value)
		}
		return nil, ruleErr("", "cannot read: %v", err)
	}
	return compile(&rj)
}
