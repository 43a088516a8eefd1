package plate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Reasons a string is not a plate. Every error Parse returns is a
// *ParseError wrapping one of them; test with errors.Is.
var (
	ErrEmpty           = errors.New("empty plate")
	ErrTooLong         = errors.New("input too long")
	ErrTemporary       = errors.New("temporary plate (临) not accepted")
	ErrBadCharacter    = errors.New("character not allowed here")
	ErrUnknownProvince = errors.New("unknown or missing province")
	ErrWrongLength     = errors.New("wrong length for its kind")
	ErrForbiddenLetter = errors.New("letter I or O not allowed here")
)

// Errors of colour handling (ParseColor, WithColor).
var (
	// ErrColorConflict: the camera's colour contradicts what the text
	// fixes (a GREEN 7-character plate, a YELLOW small new-energy plate).
	ErrColorConflict = errors.New("camera colour contradicts the plate")
	// ErrColorUnknown: the colour cannot be decided — an ordinary plate with
	// no camera colour, or a colour name that is not recognised.
	ErrColorUnknown = errors.New("plate colour unknown")
)

// ParseError says why a string is not a plate.
type ParseError struct {
	// Input is the string after cleaning (separators removed, upper case,
	// half width); for ErrTooLong, the start of the raw input.
	Input string
	// Pos is the 1-based character position in Input that is wrong, or 0
	// when the error is about the whole string.
	Pos int
	// Char is the offending character when Pos > 0.
	Char rune
	// Err is the reason: one of the Err… values of this package.
	Err error
	// Detail explains in words, e.g. "a small new-energy plate wants a
	// new-energy letter (A–H, J, K) at position 3".
	Detail string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plate %q: %v", e.Input, e.Err)
	if e.Pos > 0 {
		fmt.Fprintf(&b, " at position %d (%q)", e.Pos, e.Char)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the reason.
func (e *ParseError) Unwrap() error { return e.Err }

// isMarker reports the non-province Chinese characters plates use.
func isMarker(r rune) bool {
	switch r {
	case '挂', '学', '警', '港', '澳', '领', '使', '应', '急', '民', '航':
		return true
	}
	return false
}

// provinceAliases are correct abbreviations never printed on plates.
var provinceAliases = map[rune]rune{'黔': '贵', '滇': '云', '蜀': '川', '秦': '陕', '陇': '甘'}

// diagnose explains why the cleaned, non-empty rs matches no layout. It is
// only on the error path, so it favours clear messages over speed.
func diagnose(rs []rune) *ParseError {
	in := string(rs)
	fail := func(err error, at int, detail string, args ...any) *ParseError {
		e := &ParseError{Input: in, Err: err, Detail: fmt.Sprintf(detail, args...)}
		if at > 0 {
			e.Pos, e.Char = at, rs[at-1]
		}
		return e
	}
	for i, r := range rs {
		if r == '临' {
			return fail(ErrTemporary, i+1, "temporary plates have no WeChat colour; take payment another way")
		}
	}
	for i, r := range rs {
		if classOf(r) != 0 || isMarker(r) || (r >= '0' && r <= '9') || r == 'I' || r == 'O' {
			continue
		}
		if alias, ok := provinceAliases[r]; ok {
			return fail(ErrUnknownProvince, i+1, "%c is an alias that plates never print; use %c", r, alias)
		}
		if i == 0 && r > 0x2E80 && r != 0xFFFD {
			return fail(ErrUnknownProvince, 1, "%c is not one of the 31 plate provinces", r)
		}
		return fail(ErrBadCharacter, i+1, "plates hold only digits, letters, province characters and the markers 挂学警港澳领使应急民航")
	}

	// Which family does the start claim? Plates without a province start
	// with WJ (armed police), 使, a digit (embassy), 应急, 民航 or two
	// letters (military).
	first := rs[0]
	if !isProvince(first) {
		ascii := first < 128
		military := len(rs) >= 2 && classOf(first)&cM1 != 0 && rs[1] < 128 && rs[1] >= 'A' && rs[1] <= 'Z'
		wj := len(rs) >= 2 && first == 'W' && rs[1] == 'J'
		embassy := rs[len(rs)-1] == '使'
		if ascii && !military && !wj && !embassy {
			return fail(ErrUnknownProvince, 1, "no province character at the start")
		}
	}

	n := len(rs)
	best, bestAt, bestMarks := -1, -1, -1
	for i := range layouts {
		l := &layouts[i]
		if len(l.pos) != n {
			continue
		}
		// A layout is a fair diagnosis only if the input carries its marker
		// characters (挂, 使, 应急 …) where it needs them; among those,
		// prefer the one with most markers, then the one that fits furthest.
		marks, claimed := 0, true
		for j, q := range l.pos {
			if isMarker(q.lit) {
				if rs[j] == q.lit {
					marks++
				} else {
					claimed = false
				}
			}
		}
		if !claimed {
			continue
		}
		at := l.match(rs)
		if marks > bestMarks || marks == bestMarks && at > bestAt {
			best, bestAt, bestMarks = i, at, marks
		}
	}
	if desc, lens := family(rs); best < 0 || !slices.Contains(lens, n) {
		return fail(ErrWrongLength, 0, "%d characters; %s", n, desc)
	}
	l := &layouts[best]
	q := l.pos[bestAt]
	r := rs[bestAt]
	at := bestAt + 1
	switch {
	case q.mask == cP && !isProvince(r):
		if r < 128 {
			return fail(ErrUnknownProvince, at, "%s wants a province character here", l.name)
		}
		return fail(ErrUnknownProvince, at, "%c is not one of the 31 plate provinces", r)
	case r == 'I' || r == 'O':
		why := "I is never used on plates next to the province"
		if r == 'O' {
			why = "O is an issuing-office letter only on police plates (…警)"
		}
		if bestAt > 1 {
			why = "I and O never appear in a plate's serial except as misreads of 1 and 0, which are repaired only where a digit fits"
		}
		return fail(ErrForbiddenLetter, at, "%s", why)
	}
	return fail(ErrBadCharacter, at, "%s wants %s at position %d", l.name, q.describe(), at)
}

// family names the kind of plate the string's markers claim and the
// lengths that kind has.
func family(rs []rune) (string, []int) {
	last := rs[len(rs)-1]
	hasPrefix := func(a, b rune) bool { return len(rs) >= 2 && rs[0] == a && rs[1] == b }
	seven, sevenOrEight := []int{7}, []int{7, 8}
	switch {
	case last == '挂':
		return "a trailer plate (挂) has 7", seven
	case last == '学':
		return "a coach plate (学) has 7", seven
	case last == '警':
		return "a police plate (警) has 7", seven
	case last == '港' || last == '澳':
		return "a Hong Kong/Macau plate has 7", seven
	case last == '领':
		return "a consulate plate (领) has 7", seven
	case last == '使' || rs[0] == '使':
		return "an embassy plate (使) has 7", seven
	case last == '急':
		return "an emergency plate (…应急) has 8", []int{8}
	case hasPrefix('应', '急'):
		return "an emergency motorcycle plate (应急…) has 7", seven
	case hasPrefix('民', '航'):
		return "a civil-aviation plate (民航) has 7", seven
	case hasPrefix('W', 'J'):
		return "an armed-police plate (WJ) has 7 or 8", sevenOrEight
	case !isProvince(rs[0]):
		return "a military plate has 7", seven
	}
	return "a plate has 7 (ordinary) or 8 (new-energy) characters", sevenOrEight
}
