package plate

import (
	"slices"
	"strings"
)

// MaxConfusions is how many camera confusions (including a dropped
// province) Match tolerates between a read and a candidate. More than two
// differences is no longer a misread of that plate but possibly another car.
const MaxConfusions = 2

// Candidate is one plate Match found reachable from a read.
type Candidate struct {
	// Number is the candidate as it was given to Match.
	Number string
	// Confusions is how many characters differ by a known camera confusion,
	// plus one if the province was dropped. 0 means the read is exact.
	Confusions int
	// DroppedProvince is true when the read lacks the candidate's province.
	DroppedProvince bool
}

// MatchResult is what Match found, best first.
type MatchResult struct {
	// Read is the read after cleaning (as Parse cleans, without repairs).
	Read string
	// Candidates are the reachable plates, fewest confusions first, then
	// by Number.
	Candidates []Candidate
	// Ambiguous is true when the two best candidates need the same number
	// of confusions: Match cannot tell which car it is, and neither should
	// the caller guess.
	Ambiguous bool
}

// Best returns the single candidate a lane may act on: the first, when
// there is one and the result is not ambiguous.
func (m MatchResult) Best() (Candidate, bool) {
	if len(m.Candidates) == 0 || m.Ambiguous {
		return Candidate{}, false
	}
	return m.Candidates[0], true
}

// Match finds which of candidates — the canonical Numbers of plates known
// to be inside, such as open stays at an exit lane — the camera read could
// be, through the confusions cameras make (spec §6):
//
//	8↔B   0↔D↔Q↔O   2↔Z   5↔S   6↔G   1↔I   and a dropped province
//
// each confusion counting one, up to MaxConfusions. An exact read beats
// every misread. When the best two candidates are equally far the result is
// Ambiguous and Best returns nothing: a matcher that picks the wrong car
// charges the wrong driver. Match never returns a plate that is not in
// candidates; duplicates in candidates are reported once.
func Match(read string, candidates []string) MatchResult {
	var sc scan
	if err := sc.clean(read); err != nil || sc.n == 0 {
		return MatchResult{}
	}
	rs := sc.runes[:sc.n]
	res := MatchResult{Read: string(rs)}
	for _, c := range candidates {
		if n, dropped, ok := confusions(rs, c); ok {
			res.Candidates = append(res.Candidates, Candidate{Number: c, Confusions: n, DroppedProvince: dropped})
		}
	}
	slices.SortFunc(res.Candidates, func(a, b Candidate) int {
		if a.Confusions != b.Confusions {
			return a.Confusions - b.Confusions
		}
		return strings.Compare(a.Number, b.Number)
	})
	res.Candidates = slices.CompactFunc(res.Candidates, func(a, b Candidate) bool { return a.Number == b.Number })
	res.Ambiguous = len(res.Candidates) >= 2 && res.Candidates[0].Confusions == res.Candidates[1].Confusions
	return res
}

// confusionGroup puts characters cameras mistake for each other in the same
// non-zero group.
func confusionGroup(r rune) int {
	switch r {
	case '8', 'B':
		return 1
	case '0', 'D', 'Q', 'O':
		return 2
	case '2', 'Z':
		return 3
	case '5', 'S':
		return 4
	case '6', 'G':
		return 5
	case '1', 'I':
		return 6
	}
	return 0
}

// confusions counts the confusions that turn candidate into read.
func confusions(read []rune, candidate string) (n int, dropped bool, ok bool) {
	var buf [16]rune
	cs := buf[:0]
	for _, r := range candidate {
		if len(cs) == len(buf) {
			return 0, false, false
		}
		cs = append(cs, r)
	}
	if len(cs) == len(read)+1 && isProvince(cs[0]) && !isProvince(read[0]) {
		cs, dropped, n = cs[1:], true, 1
	}
	if len(cs) != len(read) {
		return 0, false, false
	}
	for i, r := range read {
		c := cs[i]
		if r == c {
			continue
		}
		if g := confusionGroup(r); g == 0 || g != confusionGroup(c) {
			return 0, false, false
		}
		if n++; n > MaxConfusions {
			return 0, false, false
		}
	}
	return n, dropped, true
}
