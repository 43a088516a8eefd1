package plate

import "fmt"

// Character classes (spec §1), as bits so a position can accept several.
const (
	cP   uint16 = 1 << iota // province character
	cL                      // letter but I and O
	cLO                     // cL plus O
	cN                      // digit
	cX                      // cL or cN
	cE                      // new-energy letter A–H, J, K
	cT                      // WJ final: digit or X B T S H J D
	cM1                     // military first letter
	cM2                     // any letter but I (O allowed)
	cR                      // emergency team code X or S
	cRep                    // I or O: repaired to 1 or 0 where a digit fits

	digitClasses = cN | cX | cT
)

// asciiClass[c] is the set of classes the ASCII character c belongs to.
var asciiClass = func() (t [128]uint16) {
	in := func(set string, c byte) bool {
		for i := 0; i < len(set); i++ {
			if set[i] == c {
				return true
			}
		}
		return false
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = cN | cX | cT
	}
	for c := byte('A'); c <= 'Z'; c++ {
		var m uint16
		if c != 'I' && c != 'O' {
			m |= cL | cX
		}
		if c != 'I' {
			m |= cLO | cM2
		}
		if in("ABCDEFGHJK", c) {
			m |= cE
		}
		if in("XBTSHJD", c) {
			m |= cT
		}
		if in("QVKHBSLJNGCEZ", c) {
			m |= cM1
		}
		if c == 'X' || c == 'S' {
			m |= cR
		}
		if c == 'I' || c == 'O' {
			m |= cRep
		}
		t[c] = m
	}
	return t
}()

func classOf(r rune) uint16 {
	if r < 128 {
		if r < 0 {
			return 0
		}
		return asciiClass[r]
	}
	if isProvince(r) {
		return cP
	}
	return 0
}

// pos is one position of a layout: a class set, or a literal character.
// accept is mask plus cRep where the position admits a digit, so one AND
// decides a position, I/O repair included.
type pos struct {
	mask, accept uint16
	lit          rune
}

type layout struct {
	kind  Kind
	color Color
	pos   []pos
	name  string // for error messages
}

func p(mask uint16) pos {
	q := pos{mask: mask, accept: mask}
	if mask&digitClasses != 0 {
		q.accept |= cRep
	}
	return q
}
func lit(r rune) pos { return pos{lit: r} }

var (
	kP, kL, kLO, kN, kX, kE, kT, kM1, kM2 = p(cP), p(cL), p(cLO), p(cN), p(cX), p(cE), p(cT), p(cM1), p(cM2)
	kRN                                   = p(cR | cN)
)

// The layouts of spec §3. They are mutually exclusive: no cleaned string
// matches two of them, I/O repair included.
var layouts = []layout{
	{KindOrdinary, "", []pos{kP, kL, kX, kX, kX, kX, kX}, "an ordinary plate"},
	{KindNewEnergySmall, ColorGreen, []pos{kP, kL, kE, kX, kN, kN, kN, kN}, "a small new-energy plate"},
	{KindNewEnergyLarge, ColorLimeGreen, []pos{kP, kL, kN, kN, kN, kN, kN, kE}, "a large new-energy plate"},
	{KindTrailer, ColorYellow, []pos{kP, kL, kX, kX, kX, kX, lit('挂')}, "a trailer plate (挂)"},
	{KindCoach, ColorYellow, []pos{kP, kL, kX, kX, kX, kX, lit('学')}, "a coach plate (学)"},
	{KindPolice, ColorWhite, []pos{kP, kLO, kX, kX, kX, kX, lit('警')}, "a police plate (警)"},
	{KindHKMacau, ColorBlack, []pos{lit('粤'), lit('Z'), kX, kX, kX, kX, lit('港')}, "a Hong Kong plate (粤Z…港)"},
	{KindHKMacau, ColorBlack, []pos{lit('粤'), lit('Z'), kX, kX, kX, kX, lit('澳')}, "a Macau plate (粤Z…澳)"},
	{KindEmbassy, ColorBlack, []pos{lit('使'), kN, kN, kN, kN, kN, kN}, "an embassy plate (使 + 6 digits)"},
	{KindEmbassy, ColorBlack, []pos{kN, kN, kN, kN, kN, kN, lit('使')}, "an embassy plate (6 digits + 使)"},
	{KindConsulate, ColorBlack, []pos{kP, kL, kN, kN, kN, kN, lit('领')}, "a consulate plate (领)"},
	{KindConsulate, ColorBlack, []pos{kP, kN, kN, kN, kN, kN, lit('领')}, "a consulate plate (2018 layout, 领)"},
	{KindArmedPolice, ColorWhite, []pos{lit('W'), lit('J'), kP, kN, kN, kN, kN, kT}, "an armed-police plate (WJ + province)"},
	{KindArmedPolice, ColorWhite, []pos{lit('W'), lit('J'), kN, kN, kN, kN, kT}, "an armed-police plate (WJ)"},
	{KindMilitary, ColorWhite, []pos{kM1, kM2, kN, kN, kN, kN, kN}, "a military plate"},
	{KindEmergency, ColorWhite, []pos{kP, kRN, kN, kN, kN, kN, lit('应'), lit('急')}, "an emergency plate (应急)"},
	{KindEmergency, ColorWhite, []pos{lit('应'), lit('急'), kP, kN, kN, kN, p(cR)}, "an emergency motorcycle plate (应急 first)"},
	{KindCivilAviation, ColorBlack, []pos{lit('民'), lit('航'), kX, kX, kX, kX, kX}, "a civil-aviation plate (民航)"},
}

// accepts reports whether r fits position q, and the rune it stands for
// there (O→0 and I→1 where the position admits a digit).
func (q pos) accepts(r rune) (rune, bool) {
	if q.lit != 0 {
		return r, r == q.lit
	}
	c := classOf(r)
	if c&q.mask != 0 {
		return r, true
	}
	if c&q.accept != 0 { // only cRep matched
		if r == 'O' {
			return '0', true
		}
		return '1', true
	}
	return r, false
}

// fits reports whether the rune r of class c fits position q.
func (q *pos) fits(r rune, c uint16) bool {
	if q.lit != 0 {
		return r == q.lit
	}
	return c&q.accept != 0
}

// match returns the number of leading positions of rs that fit l
// (len(l.pos) when all do).
func (l *layout) match(rs []rune) int {
	if len(rs) != len(l.pos) {
		return 0
	}
	for i, r := range rs {
		if !l.pos[i].fits(r, classOf(r)) {
			return i
		}
	}
	return len(rs)
}

// matchClasses is match on precomputed classes; it reports a full fit.
func (l *layout) matchClasses(rs []rune, cls []uint16) bool {
	for i := range l.pos {
		if !l.pos[i].fits(rs[i], cls[i]) {
			return false
		}
	}
	return true
}

// repair rewrites rs in place to its canonical runes.
func (l *layout) repair(rs []rune) {
	for i, r := range rs {
		rs[i], _ = l.pos[i].accepts(r)
	}
}

// byLength[n] lists the layouts of n characters.
var byLength = func() (t [9][]*layout) {
	for i := range layouts {
		n := len(layouts[i].pos)
		t[n] = append(t[n], &layouts[i])
	}
	return t
}()

func matchLayouts(rs []rune, cls []uint16) *layout {
	n := len(rs)
	if n >= len(byLength) {
		return nil
	}
	for _, l := range byLength[n] {
		if l.matchClasses(rs, cls) {
			return l
		}
	}
	return nil
}

// describe names what a position wants, for error messages.
func (q pos) describe() string {
	if q.lit != 0 {
		return fmt.Sprintf("%q", q.lit)
	}
	switch q.mask {
	case cP:
		return "a province character"
	case cL:
		return "a letter other than I and O"
	case cLO:
		return "a letter other than I"
	case cN:
		return "a digit"
	case cX:
		return "a digit or a letter other than I and O"
	case cE:
		return "a new-energy letter (A–H, J, K)"
	case cT:
		return "a digit or one of X B T S H J D"
	case cM1:
		return "a military letter (Q V K H B S L J N G C E Z)"
	case cM2:
		return "a letter other than I"
	case cR | cN:
		return "a digit or a team code X or S"
	case cR:
		return "a team code X or S"
	}
	return "another character"
}
