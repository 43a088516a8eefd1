package gate

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/mock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The soak run drives thousands of cars through the lanes with the mock's
// faults on:
//
//	go test ./gate -run TestSoak -gate.soak 5000 -timeout 30m
var soakCars = flag.Int("gate.soak", 0, "cars for TestSoak (0 skips it)")

func TestSoak(t *testing.T) {
	if *soakCars == 0 {
		t.Skip("run with -gate.soak N")
	}
	driveCars(t, *soakCars, 8)
}

// TestFaultyLanes is the soak in miniature, always on (and raced in CI).
func TestFaultyLanes(t *testing.T) {
	driveCars(t, 40, 4)
}

// driveCars sends cars in and out through lanes concurrently while the mock
// drops answers after processing, fails with 5xx and 429, and repeats
// callbacks; then the outbox is drained and every stay checked: charged
// exactly once, nothing lost, nothing left in the outbox.
func driveCars(t *testing.T, cars, lanes int) {
	e := newEnv(t, NewMemoryStore(), []mock.Option{mock.WithFaults(mock.Faults{ErrorRate: 0.1, DropRate: 0.15, DuplicateRate: 0.3})},
		func(c *Config) { c.Budget = 5 * time.Second })
	ctx := context.Background()
	plates := make([]string, cars)
	for i := range cars {
		plates[i] = fmt.Sprintf("粤B%05d", i)
		e.enrol(plates[i])
	}
	decide := func(lane string, dir Direction, p string) Decision {
		for {
			d, err := e.gate.Handle(ctx, Event{Lane: lane, Direction: dir, PlateText: p, CameraColor: "BLUE", Time: e.clk.now()})
			require.NoError(t, err)
			if d.Action != Hold {
				return d
			}
		}
	}
	var wg sync.WaitGroup
	entries := make([]Decision, cars)
	for l := range lanes {
		wg.Go(func() {
			for i := l; i < cars; i += lanes {
				entries[i] = decide(fmt.Sprintf("in-%d", l), Entry, plates[i])
			}
		})
	}
	wg.Wait()
	e.clk.add(time.Minute)
	_, err := e.gate.Drain(ctx) // entries that missed the budget
	require.NoError(t, err)
	e.clk.add(2 * time.Hour)
	exits := make([]Decision, cars)
	for l := range lanes {
		wg.Go(func() {
			for i := l; i < cars; i += lanes {
				exits[i] = decide(fmt.Sprintf("out-%d", l), Exit, plates[i])
			}
		})
	}
	wg.Wait()
	// The outbox finishes what the lanes could not, faults and all.
	for round := 0; round < 50; round++ {
		items, err := e.store.Outbox(ctx)
		require.NoError(t, err)
		if len(items) == 0 {
			break
		}
		e.clk.add(10 * time.Minute)
		_, err = e.gate.Drain(ctx)
		require.NoError(t, err)
	}
	e.srv.SetFaults(mock.Faults{DuplicateRate: 0.3})
	e.srv.AdvanceCallbacks(48 * time.Hour)

	items, err := e.store.Outbox(ctx)
	require.NoError(t, err)
	assert.Empty(t, items, "nothing left in the outbox")
	orders := map[string]int{}
	for _, o := range e.srv.Orders() {
		orders[o.OutTradeNo]++
	}
	charged, other := 0, 0
	for i := range cars {
		require.NotEmpty(t, entries[i].StayID, "car %d has a stay", i)
		s := e.stay(entries[i].StayID)
		n := orders[s.OutTradeNo]
		switch {
		case exits[i].Action == PayOtherWay:
			other++
			assert.Equal(t, 0, n, "car %d paid another way and was not charged", i)
		default:
			charged++
			assert.Equal(t, 1, n, "car %d charged exactly once (%s, %s)", i, exits[i].Reason, s.Status)
			assert.Contains(t, []StayStatus{StatusPaid, StatusSettled}, s.Status, "car %d settled by callback", i)
		}
	}
	assert.Equal(t, charged, len(e.srv.Orders()), "no order that no car explains")
	t.Logf("%d cars: %d charged once, %d sent to pay another way (entry not reported or refused)", cars, charged, other)
}
