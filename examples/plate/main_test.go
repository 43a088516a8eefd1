package main

import (
	"strings"
	"testing"
)

func TestPlateExample(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"粤b·12345", "京A12345D", "粤B888888"}, nil, &out, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"→ 粤B12345 - ordinary", "→ 京A12345D LIMEGREEN new_energy_large", "粤B888888\" → invalid"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(nil, strings.NewReader("粤Ｂ１２３４５\n"), &out, "黄"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "粤B12345 YELLOW ordinary") {
		t.Errorf("stdin with a camera colour: %s", out.String())
	}
	if err := run(nil, strings.NewReader(""), &out, "purple"); err == nil {
		t.Error("an unknown colour is an error")
	}
}
