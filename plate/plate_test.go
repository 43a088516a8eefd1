package plate

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type sampleRow struct {
	line                               int
	input, valid, normalized, color, k string
	note                               string
}

// readSample reads testdata/plates-sample.tsv exactly as spec §11 says:
// split on TAB, no trimming, no quoting.
func readSample(t testing.TB) []sampleRow {
	t.Helper()
	data, err := os.ReadFile("testdata/plates-sample.tsv")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Equal(t, "input\tvalid\tnormalized\tcolor\tkind\tnote", lines[0])
	var rows []sampleRow
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		require.Len(t, f, 6, "line %d", i+2)
		rows = append(rows, sampleRow{i + 2, f[0], f[1], f[2], f[3], f[4], f[5]})
	}
	return rows
}

func TestSample(t *testing.T) {
	rows := readSample(t)
	require.Len(t, rows, 62)
	for _, r := range rows {
		p, err := Parse(r.input)
		if r.valid == "1" {
			if assert.NoError(t, err, "line %d %q (%s)", r.line, r.input, r.note) {
				assert.Equal(t, r.normalized, p.Number, "line %d number", r.line)
				assert.Equal(t, Color(r.color), p.Color, "line %d color", r.line)
				assert.Equal(t, Kind(r.k), p.Kind, "line %d kind", r.line)
			}
			continue
		}
		require.Equal(t, "0", r.valid, "line %d", r.line)
		if assert.Error(t, err, "line %d %q should be invalid (%s)", r.line, r.input, r.note) {
			var pe *ParseError
			assert.True(t, errors.As(err, &pe), "line %d: %T", r.line, err)
			assert.Equal(t, Kind(r.k), p.Kind, "line %d kind", r.line)
			assert.Empty(t, p.Number)
			assert.Equal(t, Color(""), p.Color)
		}
	}
}

func TestReasons(t *testing.T) {
	cases := []struct {
		in   string
		want error
		pos  int
		says string
	}{
		{"", ErrEmpty, 0, "nothing left"},
		{" · - ", ErrEmpty, 0, ""},
		{strings.Repeat("粤", 33), ErrTooLong, 0, "32"},
		{strings.Repeat(" ", 33) + "粤B12345", ErrTooLong, 0, ""},
		{"粤B1234临", ErrTemporary, 7, ""},
		{"临京A12345", ErrTemporary, 1, ""},
		{"粤B12#45", ErrBadCharacter, 5, ""},
		{"粤B12\xff45", ErrBadCharacter, 5, ""},
		{"粤Вd12345", ErrBadCharacter, 2, ""},
		{"黔C66666", ErrUnknownProvince, 1, "贵"},
		{"台B54321", ErrUnknownProvince, 1, "31 plate provinces"},
		{"A54321", ErrUnknownProvince, 1, "no province"},
		{"AB12345", ErrUnknownProvince, 1, "no province"}, // A is no military letter
		{"VI10086", ErrForbiddenLetter, 2, ""},
		{"KJ1234", ErrWrongLength, 0, "military"},
		{"粤C1234", ErrWrongLength, 0, "7 (ordinary) or 8"},
		{"粤B123456789", ErrWrongLength, 0, "11 characters"},
		{"鲁Q62081挂", ErrWrongLength, 0, "trailer"},
		{"WJ粤123456", ErrWrongLength, 0, "armed-police"},
		{"粤I54321", ErrForbiddenLetter, 2, "I is never"},
		{"粤O12345", ErrForbiddenLetter, 2, "police"},
		{"粤BD12B45", ErrBadCharacter, 6, "digit"},
		{"粤B888888", ErrBadCharacter, 8, "new-energy letter"},
		{"粤B54321M", ErrBadCharacter, 8, "new-energy letter"},
		{"浙A1234港", ErrBadCharacter, 1, "粤"},
		{"WJ粤1234Z", ErrBadCharacter, 8, "X B T S H J D"},
		{"粤B1234超", ErrBadCharacter, 7, ""},
		{"粤812345", ErrBadCharacter, 2, "an ordinary plate wants a letter"}, // digit where the office letter goes
		{"粤8D1234", ErrBadCharacter, 2, "letter"},
		{"粤O1234", ErrWrongLength, 0, "6 characters"},
		{"京X0119应", ErrBadCharacter, 7, ""},
		{"京X01199应急", ErrWrongLength, 0, "emergency"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := Parse(c.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.want)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, c.pos, pe.Pos, "position in %q: %v", pe.Input, err)
			assert.Contains(t, err.Error(), c.says)
		})
	}
}

func TestRepairOnlyWhereADigitFits(t *testing.T) {
	for in, want := range map[string]string{
		"粤BO1234":  "粤B01234",  // serial <X>: O is read as 0
		"粤BI2345":  "粤B12345",  // and I as 1
		"京AO234OD": "京A02340D", // large new-energy digits
		"使O2O734":  "使020734",
		"WJ粤O234I": "WJ粤02341",
		"VO10086":  "VO10086", // O is a letter a military plate may have second
	} {
		p, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, p.Number, in)
	}
	// No other look-alike is ever guessed.
	for _, in := range []string{"粤BD12B45", "粤B1234I挂X", "粤OB1234"} {
		_, err := Parse(in)
		assert.Error(t, err, in)
	}
}

func TestCleanPlateReusesInput(t *testing.T) {
	in := "粤B12345"
	p, err := Parse(in)
	require.NoError(t, err)
	assert.Equal(t, in, p.Number)
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() { _, _ = Parse(in) }))
	messy := " 粤b·1２345 "
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _, _ = Parse(messy) }), 1.0)
}

func TestEveryKindAndColour(t *testing.T) {
	for in, want := range map[string]Plate{
		"粤B6Y99R":             {"粤B6Y99R", KindOrdinary, ""},
		"粤BD12345":            {"粤BD12345", KindNewEnergySmall, ColorGreen},
		"京A12345K":            {"京A12345K", KindNewEnergyLarge, ColorLimeGreen},
		"鲁Q6208挂":             {"鲁Q6208挂", KindTrailer, ColorYellow},
		"粤B0392学":             {"粤B0392学", KindCoach, ColorYellow},
		"粤O0110警":             {"粤O0110警", KindPolice, ColorWhite},
		"粤Z7C59港":             {"粤Z7C59港", KindHKMacau, ColorBlack},
		"218031使":             {"218031使", KindEmbassy, ColorBlack},
		"沪A1234领":             {"沪A1234领", KindConsulate, ColorBlack},
		"闽20401领":             {"闽20401领", KindConsulate, ColorBlack},
		"WJ12345":             {"WJ12345", KindArmedPolice, ColorWhite},
		"WJ京1234X":            {"WJ京1234X", KindArmedPolice, ColorWhite},
		"VA10086":             {"VA10086", KindMilitary, ColorWhite},
		"京12345应急":            {"京12345应急", KindEmergency, ColorWhite},
		"应急京001X":             {"应急京001X", KindEmergency, ColorWhite},
		"民航A1234":             {"民航A1234", KindCivilAviation, ColorBlack},
		"粤B12345--":           {"粤B12345", KindOrdinary, ""}, // spec §7: '-' is a separator
		"\ufeff粤B12345\u200b": {"粤B12345", KindOrdinary, ""},
		"粵ZA688澳":             {"粤ZA688澳", KindHKMacau, ColorBlack},
	} {
		got, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestProvince(t *testing.T) {
	require.Len(t, Provinces(), 31)
	for _, pr := range Provinces() {
		got, ok := LookupProvince(pr.Abbr)
		require.True(t, ok, pr.Abbr)
		assert.Equal(t, pr, got)
	}
	gd, ok := LookupProvince("粵")
	require.True(t, ok)
	assert.Equal(t, "广东省", gd.Name)
	for _, bad := range []string{"", "黔", "粤B", "A", "港"} {
		_, ok := LookupProvince(bad)
		assert.False(t, ok, bad)
	}

	for number, want := range map[string]string{"粤B12345": "粤", "WJ沪30027": "沪", "应急京001X": "京", "鄂12301领": "鄂"} {
		p, err := Parse(number)
		require.NoError(t, err)
		pr, ok := p.Province()
		require.True(t, ok, number)
		assert.Equal(t, want, pr.Abbr)
	}
	for _, number := range []string{"VA10086", "使207034", "133012使", "民航B0701", "WJ12345"} {
		p, err := Parse(number)
		require.NoError(t, err)
		_, ok := p.Province()
		assert.False(t, ok, number)
	}
	_, ok = Plate{}.Province()
	assert.False(t, ok)
}

func TestColours(t *testing.T) {
	ordinary, err := Parse("粤B12345")
	require.NoError(t, err)
	nev, err := Parse("粤BD12345")
	require.NoError(t, err)

	p, err := ordinary.WithColor(ColorYellow)
	require.NoError(t, err)
	assert.Equal(t, ColorYellow, p.Color)
	p, err = ordinary.WithColor(ColorBlue)
	require.NoError(t, err)
	assert.Equal(t, ColorBlue, p.Color)

	p, err = ordinary.WithColor(ColorGreen)
	assert.ErrorIs(t, err, ErrColorConflict, "a GREEN 7-character plate is a contradiction")
	assert.Equal(t, Color(""), p.Color)
	_, err = ordinary.WithColor("")
	assert.ErrorIs(t, err, ErrColorUnknown)
	_, err = ordinary.WithColor("PURPLE")
	assert.ErrorIs(t, err, ErrColorUnknown)

	p, err = nev.WithColor("")
	require.NoError(t, err)
	assert.Equal(t, ColorGreen, p.Color)
	p, err = nev.WithColor(ColorGreen)
	require.NoError(t, err)
	assert.Equal(t, ColorGreen, p.Color)
	p, err = nev.WithColor(ColorYellow)
	assert.ErrorIs(t, err, ErrColorConflict)
	assert.Equal(t, ColorGreen, p.Color, "the text's colour is kept")

	for in, want := range map[string]Color{"BLUE": ColorBlue, " blue ": ColorBlue, "蓝": ColorBlue, "蓝色": ColorBlue, "黄绿色": ColorLimeGreen,
		"渐变绿": ColorGreen, "white": ColorWhite, "黑": ColorBlack, "Yellow": ColorYellow, "": ""} {
		got, err := ParseColor(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err = ParseColor("紫")
	assert.ErrorIs(t, err, ErrColorUnknown)
	assert.False(t, Color("blue").Valid())
}
