// Command fee prices a stay under a tariff rule (parking-tariff/v1) and
// prints the itemised breakdown.
//
//	go run ./examples/fee                                   # a demo rule and stay
//	go run ./examples/fee -rule rule.json -in 2025-06-11T19:00:00+08:00 -out 2025-06-11T22:00:00+08:00
//	go run ./examples/fee -rule rule.json -case case.json   # a stay in the examples' JSON case format
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gatepay/gatepay/billing"
)

const demoRule = `{
  "model": "parking-tariff/v1",
  "free": {"minutes": 15},
  "bands": {
    "day":   {"tiers": [{"up_to_minutes": 60, "unit_minutes": 60, "unit_fen": 500}, {"unit_minutes": 30, "unit_fen": 300}],
              "cap_fen_per_segment": 4000},
    "night": {"flat_fen_per_segment": 500}
  },
  "schedules": [{"days": "all", "slots": [{"from": "00:00", "band": "night"}, {"from": "08:00", "band": "day"}, {"from": "20:00", "band": "night"}]}],
  "day_window": {"kind": "calendar_day", "cap_fen_per_window": [5000]},
  "vehicles": {"new_energy": {"free_minutes_from_start": 60}}
}`

func main() {
	ruleFile := flag.String("rule", "", "tariff rule JSON file (a demo day/night rule when empty)")
	in := flag.String("in", "", "entry time, RFC 3339 (e.g. 2025-06-11T18:30:00+08:00)")
	outT := flag.String("out", "", "exit time, RFC 3339")
	vehicle := flag.String("vehicle", "small", "vehicle class (small, large, new_energy, monthly …)")
	caseFile := flag.String("case", "", "a stay in the examples' JSON case format (entry, exit, vehicle, coupons, prepaid …) instead of -in/-out")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "fee: price a stay with a parking-tariff/v1 rule and print the itemised receipt.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(os.Stdout, *ruleFile, *caseFile, *in, *outT, *vehicle); err != nil {
		fmt.Fprintln(os.Stderr, "fee:", err)
		os.Exit(1)
	}
}

func yuan(f int64) string { return fmt.Sprintf("¥%d.%02d", f/100, f%100) }

func run(w io.Writer, ruleFile, caseFile, in, out, vehicle string) error {
	ruleJSON := []byte(demoRule)
	if ruleFile != "" {
		b, err := os.ReadFile(ruleFile)
		if err != nil {
			return err
		}
		ruleJSON = b
	}
	rule, err := billing.ParseRule(ruleJSON)
	if err != nil {
		return err
	}
	var stay billing.Stay
	switch {
	case caseFile != "":
		b, err := os.ReadFile(caseFile)
		if err != nil {
			return err
		}
		if stay, err = billing.ParseStay(b); err != nil {
			return err
		}
	case in == "" && out == "":
		entry := time.Date(2025, 6, 11, 18, 30, 0, 0, billing.Shanghai)
		stay = billing.Stay{Entry: entry, Exit: entry.Add(3*time.Hour + 20*time.Minute), Vehicle: vehicle}
		fmt.Fprintln(w, "(demo rule and stay; see -h)")
	default:
		if in == "" || out == "" {
			return errors.New("give both -in and -out")
		}
		var err1, err2 error
		stay.Entry, err1 = time.Parse(time.RFC3339, in)
		stay.Exit, err2 = time.Parse(time.RFC3339, out)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		stay.Vehicle = vehicle
	}
	q, err := rule.Quote(stay)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "stay    %s → %s (%s), vehicle %q\n", q.Entry.Format("2006-01-02 15:04:05"), q.Exit.Format("2006-01-02 15:04:05"),
		q.Exit.Sub(q.Entry), stay.Vehicle)
	if !q.BillingStart.IsZero() {
		fmt.Fprintf(w, "billed  from %s\n", q.BillingStart.Format("2006-01-02 15:04:05"))
	}
	for _, it := range q.Items {
		switch it.Kind {
		case billing.ItemFlat:
			fmt.Fprintf(w, "  %-8s %s–%s  flat                 %8s\n", it.Band, it.Start.Format("01-02 15:04"), it.End.Format("01-02 15:04"), yuan(it.Fen))
		default:
			partial := ""
			if it.Partial {
				partial = " (part)"
			}
			fmt.Fprintf(w, "  %-8s %s–%s  %3d × %3d min @ %-7s%8s%s\n", it.Band, it.Start.Format("01-02 15:04"), it.End.Format("01-02 15:04"),
				it.Units, it.UnitMinutes, yuan(it.UnitFen), yuan(it.Fen), partial)
		}
	}
	fmt.Fprintf(w, "charged %s\n", yuan(q.ChargedFen))
	for _, a := range q.Adjustments {
		fmt.Fprintf(w, "  %-18s −%s (limit %d)\n", a.Kind, yuan(a.Fen), a.Limit)
	}
	if q.Note != "" {
		fmt.Fprintf(w, "note    %s\n", q.Note)
	}
	fmt.Fprintf(w, "total   %s (%d fen)\n", yuan(q.TotalFen), q.TotalFen)
	return nil
}
