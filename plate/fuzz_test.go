package plate

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// Seeds: every sample row plus the checked-in corpus under testdata/fuzz.
// Fuzz longer with:
//
//	go test ./plate -run '^$' -fuzz FuzzParse -fuzztime 5m
func FuzzParse(f *testing.F) {
	for _, r := range readSample(f) {
		f.Add(r.input)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Err == nil {
				t.Fatalf("error is not a *ParseError with a reason: %v", err)
			}
			if p.Number != "" || p.Color != "" || (p.Kind != "" && p.Kind != KindTemporary) {
				t.Fatalf("error with a non-empty plate %+v", p)
			}
			return
		}
		if len(p.Number) > 32 || !utf8.ValidString(p.Number) {
			t.Fatalf("number %q is not ≤32 bytes of UTF-8", p.Number)
		}
		for _, r := range p.Number {
			if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' && r != 'I' || isProvince(r) || isMarker(r)) {
				t.Fatalf("number %q has %q, outside the plate alphabet", p.Number, r)
			}
		}
		again, err := Parse(p.Number)
		if err != nil || again != p {
			t.Fatalf("%q → %+v does not re-parse to itself: %+v, %v", s, p, again, err)
		}
	})
}

// FuzzMatch checks that Match only ever returns plates from the set, ranked.
//
//	go test ./plate -run '^$' -fuzz FuzzMatch -fuzztime 5m
func FuzzMatch(f *testing.F) {
	f.Add("粤B12345", "粤B12345", "粤B1234S")
	f.Add("B8D345", "粤B8D345", "京B8D345")
	f.Add("粤B0234\xff", "粤BD234X", "")
	f.Fuzz(func(t *testing.T, read, a, b string) {
		m := Match(read, []string{a, b})
		for i, c := range m.Candidates {
			if c.Number != a && c.Number != b {
				t.Fatalf("returned %q, which is not a candidate", c.Number)
			}
			if c.Confusions < 0 || c.Confusions > MaxConfusions {
				t.Fatalf("confusions %d out of range", c.Confusions)
			}
			if i > 0 && m.Candidates[i-1].Confusions > c.Confusions {
				t.Fatalf("not ranked: %+v", m.Candidates)
			}
		}
		if best, ok := m.Best(); ok && (m.Ambiguous || best != m.Candidates[0]) {
			t.Fatalf("Best disagrees with the ranking")
		}
	})
}
