package main

import (
	"strings"
	"testing"
)

func TestHighwayExample(t *testing.T) {
	var out strings.Builder
	if err := run(&out, 3500, "MTC"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"toll ¥35.00", "open (charged)", "PAYMENT.SUCCESS", "status paid"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out.String())
		}
	}
}
