package billing

import (
	"testing"
	"time"
)

// Quote beside the second-by-second reference on the same rule and stay:
//
//	go test ./billing -run '^$' -bench . -benchmem
//
// The rule is day/night with first-hour tiers, 15-minute units, a segment
// cap and daily caps — the shape that makes a naive walk slow.
const benchRule = `{"model":"parking-tariff/v1","free":{"minutes":15},
 "bands":{"day":{"tiers":[{"up_to_minutes":60,"unit_minutes":15,"unit_fen":250},{"unit_minutes":15,"unit_fen":150}],"cap_fen_per_segment":4000},
          "night":{"tiers":[{"unit_minutes":60,"unit_fen":100}]}},
 "schedules":[{"days":"all","slots":[{"from":"00:00","band":"night"},{"from":"08:00","band":"day"},{"from":"20:00","band":"night"}]}],
 "day_window":{"kind":"calendar_day","cap_fen_per_window":[5000]}}`

func benchStay(d time.Duration) Stay {
	entry := time.Date(2025, 6, 11, 9, 13, 27, 0, Shanghai)
	return Stay{Entry: entry, Exit: entry.Add(d), Vehicle: "small"}
}

func benchQuote(b *testing.B, d time.Duration) {
	r, err := ParseRule([]byte(benchRule))
	if err != nil {
		b.Fatal(err)
	}
	s := benchStay(d)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Quote(s); err != nil {
			b.Fatal(err)
		}
	}
}

func benchReference(b *testing.B, d time.Duration) {
	r, err := ParseRule([]byte(benchRule))
	if err != nil {
		b.Fatal(err)
	}
	s := benchStay(d)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := refQuote(r, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuote2h(b *testing.B)      { benchQuote(b, 2*time.Hour) }
func BenchmarkQuote30d(b *testing.B)     { benchQuote(b, 30*24*time.Hour) }
func BenchmarkReference2h(b *testing.B)  { benchReference(b, 2*time.Hour) }
func BenchmarkReference30d(b *testing.B) { benchReference(b, 30*24*time.Hour) }
