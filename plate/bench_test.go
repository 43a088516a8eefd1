package plate

import (
	"regexp"
	"testing"
)

// Parse beside a regexp validator of the kind widely copied in open-source
// code (new-energy rule | ordinary rule, with 使/领 in the province class).
// It only validates — no cleaning, no kind, no colour — and it is wrong both
// ways: it rejects large new-energy plates with extended letters and every
// embassy plate, and accepts 领A12345.
//
//	go test ./plate -run '^$' -bench . -benchmem
var commonRegexp = regexp.MustCompile(`^(?:[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-HJ-NP-Z](?:(?:[0-9]{5}[DF])|(?:[DF][A-HJ-NP-Z0-9][0-9]{4})))$|^(?:[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])$`)

var (
	cleanInputs = []string{"粤B12345", "沪AD12345", "京A12345D", "鲁Q6208挂", "WJ粤12345", "使207034", "浙X0022应急", "VA10086"}
	messyInputs = []string{" 粤b·12345 ", "粤Ｂ１２３４５", "京a12345d", "粤BO1234", "粤B888888", "黔C66666", "粤B12#45", "wj沪30027"}
)

// The input lists have power-of-two lengths so that picking the next input
// costs an AND, not a division, in every benchmark alike.
func benchParse(b *testing.B, inputs []string) {
	mask := len(inputs) - 1
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = Parse(inputs[i&mask])
		i++
	}
}

func BenchmarkParseClean(b *testing.B) { benchParse(b, cleanInputs) }
func BenchmarkParseMessy(b *testing.B) { benchParse(b, messyInputs) }
func BenchmarkParseMixed(b *testing.B) {
	benchParse(b, append(append([]string{}, cleanInputs...), messyInputs...))
}

func BenchmarkRegexpBaselineClean(b *testing.B) {
	mask := len(cleanInputs) - 1
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = commonRegexp.MatchString(cleanInputs[i&mask])
		i++
	}
}

func BenchmarkRegexpBaselineMixed(b *testing.B) {
	in := append(append([]string{}, cleanInputs...), messyInputs...)
	mask := len(in) - 1
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = commonRegexp.MatchString(in[i&mask])
		i++
	}
}

func BenchmarkMatch1000(b *testing.B) {
	inside := make([]string, 0, 1000)
	for i := range 1000 {
		inside = append(inside, "粤B"+string(rune('A'+i%24))+string(rune('0'+i/100%10))+string(rune('0'+i/10%10))+string(rune('0'+i%10))+"9")
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Match("粤BA0O09", inside)
	}
}
