package main

import (
	"strings"
	"testing"
	"time"
)

func TestLaneSim(t *testing.T) {
	sum, err := run(options{cars: 24, lanes: 3, errorRate: 0.1, dropRate: 0.1, dupRate: 0.3, budget: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sum.print(&out)
	if !sum.ok() {
		t.Fatalf("not ok:\n%s", out.String())
	}
	if sum.in != 24 || sum.out != 24 || sum.charged == 0 || sum.rsaPerCar < 8 {
		t.Errorf("summary:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "OK: every charged exit") {
		t.Errorf("summary:\n%s", out.String())
	}
}
