package main

import (
	"strings"
	"testing"
)

// The quickstart is also a smoke test of the whole SDK: entry, exit, fee,
// debit, signed callback and settlement against the mock.
func TestQuickstart(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"POST /v3/vehicle/parking/parkings",
		"state=NORMAL",
		"trade_state=ACCEPTED",
		"fee ¥11.00",
		"barrier: OPEN (charged)",
		"TRANSACTION.SUCCESS",
		"status paid",
		"PAY_OTHER_WAY",
		"TRANSACTION.FAIL",
		"status arrears",
		"Every step came out as expected",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
