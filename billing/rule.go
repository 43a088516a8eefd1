package billing

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Model is the only rule model this package loads.
const Model = "parking-tariff/v1"

// MaxValue bounds every number in a rule (fen, minutes, seconds) and every
// coupon value, so no sum or product in a quote can overflow int64.
const MaxValue = 1_000_000_000

// MaxStay is the longest stay Quote prices; a longer one is refused with
// ErrInvalidStay (it is a clock error, not a car).
const MaxStay = 10 * 366 * 24 * time.Hour

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

// schema lists the keys and value types each JSON object may have, so an
// unknown field or a value of the wrong type is refused with its JSON
// pointer (encoding/json does not say where, inside maps and arrays).
type schema struct {
	fields map[string]*schema // object with fixed keys
	mapOf  *schema            // object with free keys (bands, vehicles)
	listOf *schema            // array
	leaf   leafKind           // a scalar
}

type leafKind int

const (
	leafNone leafKind = iota
	leafInt
	leafBool
	leafString
)

var ruleSchema = func() *schema {
	num, flag, str := &schema{leaf: leafInt}, &schema{leaf: leafBool}, &schema{leaf: leafString}
	nums, strs := &schema{listOf: num}, &schema{listOf: str}
	obj := func(kv map[string]*schema) *schema { return &schema{fields: kv} }
	partial := obj(map[string]*schema{"mode": str, "threshold_seconds": num})
	free := obj(map[string]*schema{"minutes": num, "equal_counts_as_free": flag, "deducted_when_exceeded": flag})
	tier := obj(map[string]*schema{"up_to_minutes": num, "unit_minutes": num, "unit_fen": num, "partial_unit": partial})
	band := obj(map[string]*schema{"tiers": {listOf: tier}, "flat_fen_per_segment": num, "no_charge": flag, "cap_fen_per_segment": num})
	bands := &schema{mapOf: band}
	return obj(map[string]*schema{
		"model": str, "timezone": str, "duration_precision": str,
		"free": free, "partial_unit": partial,
		"units_cut_at_band_boundary": flag, "tier_clock_restarts_on_band_change": flag,
		"bands":    bands,
		"calendar": obj(map[string]*schema{"holidays": strs, "workdays": strs}),
		"schedules": {listOf: obj(map[string]*schema{
			"days":  str,
			"slots": {listOf: obj(map[string]*schema{"from": str, "band": str})},
		})},
		"day_window":             obj(map[string]*schema{"kind": str, "calendar_day_starts_at": str, "cap_fen_per_window": nums, "tier_clock_restarts_each_window": flag}),
		"max_total_fen_per_stay": num,
		"grace":                  obj(map[string]*schema{"minutes": num, "overstay": str}),
		"vehicles": {mapOf: obj(map[string]*schema{
			"exempt": flag, "monthly_pass": flag, "free": free, "bands": bands,
			"cap_fen_per_window": nums, "max_total_fen_per_stay": num,
			"free_minutes_from_start": num, "pay_percent": num,
		})},
	})
}()

func pointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (s *schema) check(v any, ptr string) error {
	if v == nil {
		return nil // null leaves a field at its default
	}
	switch {
	case s.fields != nil:
		m, ok := v.(map[string]any)
		if !ok {
			return ruleErr(ptr, "want an object, got %s", jsonKind(v))
		}
		for _, k := range sortedKeys(m) {
			child, known := s.fields[k]
			if !known {
				return ruleErr(ptr+"/"+pointerToken(k), "unknown field %q", k)
			}
			if err := child.check(m[k], ptr+"/"+pointerToken(k)); err != nil {
				return err
			}
		}
	case s.mapOf != nil:
		m, ok := v.(map[string]any)
		if !ok {
			return ruleErr(ptr, "want an object, got %s", jsonKind(v))
		}
		for _, k := range sortedKeys(m) {
			if err := s.mapOf.check(m[k], ptr+"/"+pointerToken(k)); err != nil {
				return err
			}
		}
	case s.listOf != nil:
		l, ok := v.([]any)
		if !ok {
			return ruleErr(ptr, "want an array, got %s", jsonKind(v))
		}
		for i, e := range l {
			if err := s.listOf.check(e, ptr+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	case s.leaf == leafInt:
		n, ok := v.(json.Number)
		if !ok {
			return ruleErr(ptr, "want a whole number, got %s", jsonKind(v))
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return ruleErr(ptr, "want a whole number, got %s", n)
		}
		if i > MaxValue || i < -MaxValue {
			return ruleErr(ptr, "%d is out of range; amounts, minutes and seconds are at most %d", i, MaxValue)
		}
	case s.leaf == leafBool:
		if _, ok := v.(bool); !ok {
			return ruleErr(ptr, "want true or false, got %s", jsonKind(v))
		}
	case s.leaf == leafString:
		if _, ok := v.(string); !ok {
			return ruleErr(ptr, "want a string, got %s", jsonKind(v))
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "null"
}

// ParseRule loads a parking-tariff/v1 rule. A rule that could misprice a
// stay is refused here, never at the gate: every error is a *RuleError
// whose Pointer is the JSON pointer of the offending value, matching
// ErrInvalidRule (and ErrTierSpanNotMultipleOfUnit where that is the
// reason) with errors.Is.
func ParseRule(data []byte) (*Rule, error) {
	var generic any
	gd := json.NewDecoder(bytes.NewReader(data))
	gd.UseNumber()
	if err := gd.Decode(&generic); err != nil {
		return nil, ruleErr("", "not valid JSON: %v", err)
	}
	if gd.More() {
		return nil, ruleErr("", "not valid JSON: more than one value")
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, ruleErr("", "a rule is a JSON object")
	}
	if err := ruleSchema.check(generic, ""); err != nil {
		return nil, err
	}
	var rj ruleJSON
	if err := json.Unmarshal(data, &rj); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, ruleErr("/"+strings.ReplaceAll(te.Field, ".", "/"), "want a %v, got a JSON %s", te.Type, te.Value)
		}
		return nil, ruleErr("", "cannot read: %v", err)
	}
	return compile(&rj)
}
