package billing_test

import (
	"fmt"
	"log"
	"time"

	"github.com/gatepay/gatepay/billing"
)

// A day/night tariff: the first hour 5 yuan, then 2 yuan per half hour
// until 20:00, a flat 5 yuan for the night, 15 minutes free, at most 50
// yuan per calendar day.
const tariff = `{
  "model": "parking-tariff/v1",
  "free": {"minutes": 15},
  "bands": {
    "day":   {"tiers": [{"up_to_minutes": 60, "unit_minutes": 60, "unit_fen": 500},
                        {"unit_minutes": 30, "unit_fen": 200}]},
    "night": {"flat_fen_per_segment": 500}
  },
  "schedules": [{"days": "all", "slots": [{"from": "00:00", "band": "night"},
                                          {"from": "08:00", "band": "day"},
                                          {"from": "20:00", "band": "night"}]}],
  "day_window": {"kind": "calendar_day", "cap_fen_per_window": [5000]},
  "vehicles": {"new_energy": {"free_minutes_from_start": 60}}
}`

func Example() {
	rule, err := billing.ParseRule([]byte(tariff))
	if err != nil {
		log.Fatal(err)
	}
	entry := time.Date(2025, 6, 11, 18, 10, 0, 0, billing.Shanghai)
	q, err := rule.Quote(billing.Stay{Entry: entry, Exit: entry.Add(3*time.Hour + 5*time.Minute), Vehicle: "small"})
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range q.Items {
		fmt.Printf("%-5s %s–%s %d × %d fen = %d\n", it.Band, it.Start.Format("15:04"), it.End.Format("15:04"), it.Units, it.UnitFen, it.Fen)
	}
	fmt.Println("total", q.TotalFen)
	// Output:
	// day   18:10–19:10 1 × 500 fen = 500
	// day   19:10–19:40 1 × 200 fen = 200
	// day   19:40–20:00 1 × 200 fen = 200
	// night 20:00–21:15 1 × 500 fen = 500
	// total 1400
}

// A rule that could misprice a stay is refused at load time, naming the
// field.
func ExampleParseRule_error() {
	_, err := billing.ParseRule([]byte(`{"model": "parking-tariff/v1",
	  "bands": {"day": {"tiers": [{"up_to_minutes": 45, "unit_minutes": 30, "unit_fen": 500},
	                              {"unit_minutes": 30, "unit_fen": -300}]}}}`))
	fmt.Println(err)
	// Output:
	// billing: rule /bands/day/tiers/0/up_to_minutes: tier spans 45 minutes, not a multiple of its 30-minute unit (tier_span_not_multiple_of_unit)
}

// Stays are read from the examples' JSON case format with ParseStay.
func ExampleParseStay() {
	rule, err := billing.ParseRule([]byte(tariff))
	if err != nil {
		log.Fatal(err)
	}
	stay, err := billing.ParseStay([]byte(`{"entry": "2025-06-11T09:00:00+08:00", "exit": "2025-06-11T11:30:00+08:00",
	  "vehicle": "new_energy", "coupons": [{"type": "amount_fen", "value": 300}]}`))
	if err != nil {
		log.Fatal(err)
	}
	q, err := rule.Quote(stay)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("billing from", q.BillingStart.Format("15:04"), "charged", q.ChargedFen, "total", q.TotalFen)
	for _, a := range q.Adjustments {
		fmt.Println(a.Kind, "took off", a.Fen)
	}
	// Output:
	// billing from 10:00 charged 700 total 400
	// coupon_amount took off 300
}
