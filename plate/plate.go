package plate

import (
	"unicode/utf8"
)

// MaxInputRunes is the longest raw input Parse looks at, in Unicode code
// points. Anything longer is refused with ErrTooLong before any other work.
const MaxInputRunes = 32

// Kind is the type of a plate, as written in the sample corpus and the
// package doc. The zero value is no kind.
type Kind string

// The kinds of plate Parse recognises.
const (
	KindOrdinary       Kind = "ordinary"         // 7 characters, blue (small) or yellow (large): colour from the camera
	KindNewEnergySmall Kind = "new_energy_small" // 8 characters, energy letter third: GREEN
	KindNewEnergyLarge Kind = "new_energy_large" // 8 characters, energy letter last: LIMEGREEN
	KindTrailer        Kind = "trailer"          // …挂: YELLOW
	KindCoach          Kind = "coach"            // …学: YELLOW
	KindPolice         Kind = "police"           // …警: WHITE
	KindHKMacau        Kind = "hk_macau"         // 粤Z…港 / 粤Z…澳: BLACK
	KindEmbassy        Kind = "embassy"          // 使 + 6 digits, or 6 digits + 使: BLACK
	KindConsulate      Kind = "consulate"        // …领: BLACK
	KindArmedPolice    Kind = "armed_police"     // WJ…: WHITE
	KindMilitary       Kind = "military"         // two letters + 5 digits: WHITE
	KindEmergency      Kind = "emergency"        // …应急 or 应急…: WHITE
	KindCivilAviation  Kind = "civil_aviation"   // 民航…: BLACK
	// KindTemporary is recognised (any 临) and always rejected with
	// ErrTemporary: WeChat has no colour for paper plates.
	KindTemporary Kind = "temporary"
)

// Color is WeChat Pay's plate_color enum. The zero value means "not known
// from the text".
type Color string

// WeChat Pay plate colours.
const (
	ColorBlue      Color = "BLUE"
	ColorGreen     Color = "GREEN"     // small new-energy (gradient green)
	ColorYellow    Color = "YELLOW"    // large vehicles, trailers, coaches
	ColorBlack     Color = "BLACK"     // HK/Macau, embassy, consulate, civil aviation
	ColorWhite     Color = "WHITE"     // police, armed police, military, emergency
	ColorLimeGreen Color = "LIMEGREEN" // large new-energy (yellow-green, 黄绿色)
)

// Plate is a validated plate in the form WeChat Pay expects.
type Plate struct {
	// Number is canonical: no separators, upper case, half width,
	// simplified characters, O/I repaired to 0/1 where only a digit fits —
	// e.g. "粤B12345", "沪AD12345". It is what goes out as plate_number.
	Number string
	// Kind is the plate's type.
	Kind Kind
	// Color is the plate_color the text implies, or "" for KindOrdinary,
	// whose blue and yellow forms read the same: see WithColor.
	Color Color
}

// String returns the Number.
func (p Plate) String() string { return p.Number }

// Parse turns a plate as a camera read it or a person typed it into the
// canonical Plate, or an error saying precisely why it is not one.
//
// It folds full-width characters, removes spaces, dots, hyphens and
// invisible characters, upper-cases ASCII letters, maps traditional
// characters to simplified ones, and repairs O→0 and I→1 only where the
// position admits a digit. It never guesses other look-alikes (B/8, D/0,
// S/5 …): use Match for those, against plates known to be inside.
//
// Every error is a *ParseError wrapping one of ErrEmpty, ErrTooLong,
// ErrTemporary, ErrBadCharacter, ErrUnknownProvince, ErrWrongLength or
// ErrForbiddenLetter. Parse never panics, whatever the bytes.
func Parse(s string) (Plate, error) {
	var sc scan
	if err := sc.clean(s); err != nil {
		return Plate{}, err
	}
	rs := sc.runes[:sc.n]
	if len(rs) == 0 {
		return Plate{}, &ParseError{Input: s, Err: ErrEmpty, Detail: "nothing left after removing separators"}
	}
	if l := matchLayouts(rs, sc.cls[:sc.n]); l != nil {
		number := s
		if sc.repairable {
			l.repair(rs)
		}
		if sc.changed || sc.repairable {
			number = string(rs)
		}
		return Plate{Number: number, Kind: l.kind, Color: l.color}, nil
	}
	perr := diagnose(rs)
	if perr.Err == ErrTemporary {
		return Plate{Kind: KindTemporary}, perr
	}
	return Plate{}, perr
}

// Valid reports whether Parse(s) succeeds.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// scan is the cleaned form of an input: at most MaxInputRunes runes with
// their character classes.
type scan struct {
	runes      [MaxInputRunes]rune
	cls        [MaxInputRunes]uint16
	n          int
	changed    bool // the runes differ from the input
	repairable bool // an I or O is present
}

// clean applies steps 1–5 of the cleaning algorithm. The length guard
// (step 1) counts raw code points, separators included, and stops at the
// 33rd, so hostile input costs at most 32 characters of work.
func (sc *scan) clean(s string) error {
	raw := 0
	for i := 0; i < len(s); raw++ {
		if raw == MaxInputRunes {
			return &ParseError{Input: truncateInput(s), Err: ErrTooLong, Detail: "more than 32 characters"}
		}
		var r rune
		if c := s[i]; c < utf8.RuneSelf {
			i++
			cls := asciiClass[c]
			if cls != 0 {
				// The common case: an upper-case letter or a digit.
				sc.runes[sc.n], sc.cls[sc.n] = rune(c), cls
				sc.n++
				sc.repairable = sc.repairable || cls&cRep != 0
				continue
			}
			r = rune(c)
		} else if c&0xF0 == 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
			(c != 0xE0 || s[i+1] >= 0xA0) && (c != 0xED || s[i+1] < 0xA0) {
			// A valid three-byte sequence (every CJK character): decoded
			// inline, as utf8.DecodeRuneInString would.
			r = rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			i += 3
		} else {
			var w int
			r, w = utf8.DecodeRuneInString(s[i:])
			i += w
		}
		var f rune
		var cls uint16
		if e := lookupCJK(r); e != nil {
			f, cls = e.fold, e.cls
		} else {
			f = foldRune(r)
			cls = classOf(f)
		}
		if f != r {
			sc.changed = true
		}
		if f < 0 {
			continue // a separator
		}
		sc.runes[sc.n], sc.cls[sc.n] = f, cls
		sc.n++
		sc.repairable = sc.repairable || cls&cRep != 0
	}
	return nil
}

// cjkEntry is what clean needs to know of a plate's Chinese characters:
// the character it folds to and that character's classes.
type cjkEntry struct {
	r, fold rune
	cls     uint16
}

// cjkTable is an open-addressing hash of every province, marker and mapped
// traditional character, so clean decides each with one or two probes.
var cjkTable = func() (t [128]cjkEntry) {
	var all []rune
	for _, p := range provinces {
		all = append(all, []rune(p.Abbr)[0])
	}
	all = append(all, []rune("挂学警港澳领使应急民航临粵滬遼魯蘇貴雲陝寧閩贛瓊晉學掛領應臨")...)
	for _, r := range all {
		i := cjkHash(r)
		for t[i].r != 0 {
			i = (i + 1) & (len(t) - 1)
		}
		f := foldRune(r)
		t[i] = cjkEntry{r: r, fold: f, cls: classOf(f)}
	}
	return t
}()

func cjkHash(r rune) int { return int(uint32(r)*0x9E3779B1>>25) & 127 }

func lookupCJK(r rune) *cjkEntry {
	for i := cjkHash(r); ; i = (i + 1) & 127 {
		e := &cjkTable[i]
		if e.r == r {
			return e
		}
		if e.r == 0 {
			return nil
		}
	}
}

// foldRune maps one input rune through width folding, separator removal
// (returns -1), ASCII upper-casing and traditional-to-simplified mapping.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case r == ' ' || r == '.' || r == '-':
			return -1
		}
		return r
	}
	if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII
		return foldRune(r - 0xFEE0)
	}
	switch r {
	case 0x3000, // ideographic space
		0x00A0, 0x2002, 0x2003, 0x2009, // no-break, en, em, thin spaces
		0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, // zero-width characters and BOM
		0x00B7, 0x2022, 0x2027, 0x2219, 0x22C5, 0x30FB, 0xFF65, 0x3002, // dots
		0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212: // hyphens and dashes
		return -1
	case '粵':
		return '粤'
	case '滬':
		return '沪'
	case '遼':
		return '辽'
	case '魯':
		return '鲁'
	case '蘇':
		return '苏'
	case '貴':
		return '贵'
	case '雲':
		return '云'
	case '陝':
		return '陕'
	case '寧':
		return '宁'
	case '閩':
		return '闽'
	case '贛':
		return '赣'
	case '瓊':
		return '琼'
	case '晉':
		return '晋'
	case '學':
		return '学'
	case '掛':
		return '挂'
	case '領':
		return '领'
	case '應':
		return '应'
	case '臨':
		return '临'
	}
	return r
}

func truncateInput(s string) string {
	n := 0
	for i := range s {
		if n == 16 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
