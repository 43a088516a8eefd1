package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFeeExample(t *testing.T) {
	var out strings.Builder
	if err := run(&out, "", "", "", "", "small"); err != nil {
		t.Fatal(err)
	}
	// 18:30–19:30 ¥5, 19:30–20:00 ¥3, night flat ¥5: ¥13.
	if !strings.Contains(out.String(), "total   ¥13.00 (1300 fen)") {
		t.Errorf("demo stay:\n%s", out.String())
	}
	dir := t.TempDir()
	caseFile := filepath.Join(dir, "case.json")
	if err := os.WriteFile(caseFile, []byte(`{"entry":"2025-06-11T09:00:00+08:00","exit":"2025-06-11T10:40:00+08:00","vehicle":"new_energy","coupons":[{"type":"amount_fen","value":100}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(&out, "", caseFile, "", "", ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "total   ¥4.00") || !strings.Contains(out.String(), "coupon_amount") {
		t.Errorf("case file:\n%s", out.String())
	}
	if err := run(&out, "", "", "2025-06-11T10:00:00+08:00", "", "small"); err == nil {
		t.Error("-in without -out is an error")
	}
	if err := run(&out, "", "", "2025-06-11T10:00:00+08:00", "2025-06-11T09:00:00+08:00", "small"); err == nil {
		t.Error("exit before entry is an error")
	}
}
