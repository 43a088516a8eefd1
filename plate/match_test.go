package plate

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatch(t *testing.T) {
	inside := []string{"粤B12345", "粤B8D345", "京A0Q234", "沪AD12345", "苏E5S6G7"}

	cases := []struct {
		read      string
		best      string // "" when no single answer
		ambiguous bool
		n         int // how many candidates are reachable
	}{
		{"粤B12345", "粤B12345", false, 1},   // exact
		{"粤b·12345", "粤B12345", false, 1},  // cleaned like Parse
		{"粤BI2345", "粤B12345", false, 1},   // I↔1
		{"粤BBD345", "粤B8D345", false, 1},   // B↔8
		{"粤B80345", "粤B8D345", false, 1},   // D↔0
		{"京A00234", "京A0Q234", false, 1},   // Q↔0
		{"京ADD234", "京A0Q234", false, 1},   // two confusions: 0↔D and Q↔D
		{"沪A012345", "沪AD12345", false, 1}, // 0↔D in a new-energy plate
		{"苏ES56G7", "苏E5S6G7", false, 1},   // 5↔S twice: two confusions
		{"B12345", "粤B12345", false, 1},    // province dropped
		{"AD12345", "沪AD12345", false, 1},  // province dropped, new-energy
		{"粤Z12345", "", false, 0},          // Z is not B: unreachable
		{"粤B99999", "", false, 0},          // nothing near
		{"", "", false, 0},                 // empty read
		{"苏E5S6G7X", "", false, 0},         // longer than every candidate
		{"京A0Q2Z4", "", false, 0},          // Z↔3 is no confusion
		{"粤B8D3A5", "", false, 0},          // A↔4 is no confusion
		{"粤BBDSDS", "", false, 0},          // more than MaxConfusions away
	}
	for _, c := range cases {
		t.Run(c.read, func(t *testing.T) {
			m := Match(c.read, inside)
			assert.Equal(t, c.ambiguous, m.Ambiguous)
			best, ok := m.Best()
			assert.Equal(t, c.best != "", ok)
			assert.Equal(t, c.best, best.Number)
			assert.Len(t, m.Candidates, c.n)
		})
	}
}

func TestMatchAmbiguity(t *testing.T) {
	// Two cars inside that one misread can stand for: refuse to choose.
	m := Match("粤B8234", []string{"粤BB234", "粤B8234X"})
	assert.Len(t, m.Candidates, 1)

	m = Match("粤B02345", []string{"粤BD2345", "粤BQ2345"})
	require.Len(t, m.Candidates, 2)
	assert.True(t, m.Ambiguous)
	_, ok := m.Best()
	assert.False(t, ok)

	// Dropped province with two provinces inside.
	m = Match("B12345", []string{"粤B12345", "京B12345"})
	assert.True(t, m.Ambiguous)
	assert.True(t, m.Candidates[0].DroppedProvince)

	// An exact read beats a misread of another car.
	m = Match("粤B12345", []string{"粤B1234S", "粤B12345"})
	require.Len(t, m.Candidates, 2)
	assert.False(t, m.Ambiguous)
	best, ok := m.Best()
	require.True(t, ok)
	assert.Equal(t, Candidate{Number: "粤B12345"}, best)
	assert.Equal(t, 1, m.Candidates[1].Confusions)

	// A closer misread beats a farther one.
	m = Match("粤B8D34S", []string{"粤B8D345", "粤BB0345"})
	best, ok = m.Best()
	require.True(t, ok)
	assert.Equal(t, "粤B8D345", best.Number)

	// Duplicates are one car.
	m = Match("粤B12345", []string{"粤B12345", "粤B12345"})
	assert.Len(t, m.Candidates, 1)
	assert.False(t, m.Ambiguous)
}

// Every string built from a layout's classes matches that layout and no
// other: the layouts are mutually exclusive, I/O repair included.
func TestLayoutsAreExclusive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	provinceRunes := []rune("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新")
	pick := func(q pos) rune {
		if q.lit != 0 {
			return q.lit
		}
		if q.mask == cP {
			return provinceRunes[rng.IntN(len(provinceRunes))]
		}
		for {
			var r rune
			if rng.IntN(2) == 0 {
				r = rune('0' + rng.IntN(10))
			} else {
				r = rune('A' + rng.IntN(26))
			}
			if _, ok := q.accepts(r); ok {
				return r
			}
		}
	}
	for i := range layouts {
		l := &layouts[i]
		for range 2000 {
			rs := make([]rune, len(l.pos))
			for j, q := range l.pos {
				rs[j] = pick(q)
			}
			matches := 0
			for k := range layouts {
				if len(layouts[k].pos) == len(rs) && layouts[k].match(rs) == len(rs) {
					matches++
					require.Equal(t, l.kind, layouts[k].kind, "%q matches %s too", string(rs), layouts[k].name)
				}
			}
			require.GreaterOrEqual(t, matches, 1)
			p, err := Parse(string(rs))
			require.NoError(t, err, string(rs))
			require.Equal(t, l.kind, p.Kind)
			again, err := Parse(p.Number)
			require.NoError(t, err)
			require.Equal(t, p, again, "canonical form re-parses to itself")
		}
	}
}
