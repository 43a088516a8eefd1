// Package storetest is the conformance suite for gate.Store
// implementations: a store that shares one database between several
// controller processes must pass it, as the built-in ones do.
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) gate.Store { return openMyStore(t) })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/gate"
)

// Run runs the suite; open must return a new, empty store each call.
func Run(t *testing.T, open func(t *testing.T) gate.Store) {
	t0 := time.Date(2025, 12, 3, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	stay := func(id, plate string) gate.Stay {
		return gate.Stay{ID: id, Plate: plate, PlateColor: "BLUE", PlateKind: "ordinary", Vehicle: "small", Status: gate.StatusInside, LaneIn: "in-1", EntryTime: t0}
	}
	item := func(id, stay string, kind gate.OutboxKind, next time.Time) gate.OutboxItem {
		return gate.OutboxItem{ID: id, StayID: stay, Kind: kind, Payload: []byte(`{"x":1}`), NextAt: next, CreatedAt: t0}
	}

	t.Run("stays round-trip and one open stay per plate", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		in := stay("S1", "粤B12345")
		in.EntryPhoto, in.EntrySHA256 = "cam1/0001.jpg", "ab12"
		held := item("S1/entry", "S1", gate.OutboxEntryV3, t0)
		held.Owner, held.LeaseUntil = "creator", t0.Add(time.Minute)
		must(t, s.CreateStay(ctx, in, held))
		leased, err := s.Claim(ctx, "other", t0, time.Minute, 10)
		must(t, err)
		expect(t, len(leased) == 0, "an item enqueued with a lease belongs to its creator: %+v", leased)
		got, err := s.GetStay(ctx, "S1")
		must(t, err)
		expect(t, got.Version == 1, "version starts at 1, got %d", got.Version)
		expect(t, got.Plate == in.Plate && got.EntryPhoto == in.EntryPhoto && got.EntryTime.Equal(t0), "stay round-trips: %+v", got)
		expect(t, errors.Is(s.CreateStay(ctx, stay("S2", "粤B12345")), gate.ErrConflict), "a second open stay of a plate is a conflict")
		expect(t, errors.Is(s.CreateStay(ctx, stay("S1", "粤B99999")), gate.ErrConflict), "a duplicate id is a conflict")
		open, err := s.OpenStay(ctx, "粤B12345")
		must(t, err)
		expect(t, open.ID == "S1", "open stay found")
		_, err = s.OpenStay(ctx, "粤B00000")
		expect(t, errors.Is(err, gate.ErrNotFound), "no open stay: ErrNotFound, got %v", err)
		_, err = s.GetStay(ctx, "nope")
		expect(t, errors.Is(err, gate.ErrNotFound), "GetStay of a missing id: ErrNotFound")
		items, err := s.Outbox(ctx)
		must(t, err)
		expect(t, len(items) == 1 && items[0].ID == "S1/entry", "the outbox item was stored with the stay: %+v", items)
	})

	t.Run("updates are conditional on the version read", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		must(t, s.CreateStay(ctx, stay("S1", "粤B12345")))
		a, _ := s.GetStay(ctx, "S1")
		b, _ := s.GetStay(ctx, "S1")
		a.Status, a.OutTradeNo, a.FeeFen = gate.StatusCharging, "T1", 700
		must(t, s.UpdateStay(ctx, a, item("S1/deduct", "S1", gate.OutboxDeductV3, t0)))
		b.Status = gate.StatusFree
		expect(t, errors.Is(s.UpdateStay(ctx, b), gate.ErrConflict), "a stale update is refused (no lost update)")
		got, _ := s.GetStay(ctx, "S1")
		expect(t, got.Status == gate.StatusCharging && got.Version == 2 && got.FeeFen == 700, "the first update stands: %+v", got)
		byTrade, err := s.FindStay(ctx, "T1", "")
		must(t, err)
		expect(t, byTrade.ID == "S1", "found by out_trade_no")
		_, err = s.FindStay(ctx, "", "")
		expect(t, errors.Is(err, gate.ErrNotFound), "empty keys find nothing")
		// The plate is free for a new stay once the old one left.
		must(t, s.CreateStay(ctx, stay("S2", "粤B12345")))
		// And an update may not reopen the old one beside it.
		got.Status = gate.StatusInside
		expect(t, errors.Is(s.UpdateStay(ctx, got), gate.ErrConflict), "reopening beside an open stay is a conflict")
		list, err := s.Stays(ctx, gate.StatusCharging)
		must(t, err)
		expect(t, len(list) == 1 && list[0].ID == "S1", "Stays filters by status: %+v", list)
		all, _ := s.Stays(ctx)
		expect(t, len(all) == 2, "Stays without statuses lists all")
	})

	t.Run("outbox leases", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		must(t, s.CreateStay(ctx, stay("S1", "粤B11111"), item("a", "S1", gate.OutboxDeductV3, t0), item("b", "S1", gate.OutboxEntryV3, t0.Add(time.Minute))))
		got, err := s.Claim(ctx, "owner-1", t0, 30*time.Second, 10)
		must(t, err)
		expect(t, len(got) == 1 && got[0].ID == "a", "only due items are claimed: %+v", got)
		again, err := s.Claim(ctx, "owner-2", t0.Add(10*time.Second), 30*time.Second, 10)
		must(t, err)
		expect(t, len(again) == 0, "a leased item is not claimed twice: %+v", again)
		expect(t, errors.Is(s.Release(ctx, got[0], "owner-2"), gate.ErrConflict), "only the owner releases")
		stolen, err := s.Claim(ctx, "owner-2", t0.Add(31*time.Second), 30*time.Second, 10)
		must(t, err)
		expect(t, len(stolen) == 1 && stolen[0].ID == "a", "an expired lease is taken over")
		expect(t, errors.Is(s.Release(ctx, got[0], "owner-1"), gate.ErrConflict), "the old owner lost the lease")
		stolen[0].Attempts, stolen[0].Unknown, stolen[0].LastError, stolen[0].NextAt = 1, true, "timeout", t0.Add(2*time.Minute)
		must(t, s.Release(ctx, stolen[0], "owner-2"))
		items, _ := s.Outbox(ctx)
		expect(t, len(items) == 2, "rescheduled items stay in the outbox")
		for _, it := range items {
			if it.ID == "a" {
				expect(t, it.Attempts == 1 && it.Unknown && it.LastError == "timeout" && it.Owner == "", "release records the attempt: %+v", it)
			}
		}
		// ClaimItem takes one item, due or not, unless someone holds it.
		one, ok, err := s.ClaimItem(ctx, "b", "owner-4", t0, time.Minute)
		must(t, err)
		expect(t, ok && one.ID == "b" && one.Owner == "owner-4", "ClaimItem leases a free item: %+v", one)
		_, ok, err = s.ClaimItem(ctx, "b", "owner-5", t0.Add(30*time.Second), time.Minute)
		must(t, err)
		expect(t, !ok, "ClaimItem respects a live lease")
		_, ok, _ = s.ClaimItem(ctx, "nope", "owner-5", t0, time.Minute)
		expect(t, !ok, "ClaimItem of a missing item")
		must(t, s.Release(ctx, one, "owner-4"))
		due, _ := s.Claim(ctx, "owner-3", t0.Add(3*time.Minute), time.Minute, 10)
		expect(t, len(due) == 2, "both due later: %+v", due)
		for _, it := range due {
			it.Done = true
			must(t, s.Release(ctx, it, "owner-3"))
		}
		items, _ = s.Outbox(ctx)
		expect(t, len(items) == 0, "done items leave the outbox")
	})

	t.Run("concurrent claims never share an item", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		must(t, s.CreateStay(ctx, stay("S1", "粤B22222")))
		for i := range 30 {
			cur, err := s.GetStay(ctx, "S1")
			must(t, err)
			must(t, s.UpdateStay(ctx, cur, item(fmt.Sprintf("it-%02d", i), "S1", gate.OutboxDeductV3, t0)))
		}
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for w := range 5 {
			wg.Go(func() {
				owner := fmt.Sprintf("w%d", w)
				for {
					got, err := s.Claim(ctx, owner, t0, time.Hour, 3)
					if err != nil || len(got) == 0 {
						return
					}
					mu.Lock()
					for _, it := range got {
						if prev, ok := seen[it.ID]; ok {
							t.Errorf("%s claimed by %s and %s", it.ID, prev, owner)
						}
						seen[it.ID] = owner
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		expect(t, len(seen) == 30, "every item claimed once: %d", len(seen))
	})

	t.Run("events", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		must(t, s.AddEvent(ctx, gate.EventRecord{Time: t0, StayID: "S1", Lane: "in-1", Kind: "entry", Plate: "粤B12345", Detail: "opened"}))
		must(t, s.AddEvent(ctx, gate.EventRecord{Time: t0, StayID: "S2", Kind: "alert"}))
		ev, err := s.Events(ctx, "S1")
		must(t, err)
		expect(t, len(ev) == 1 && ev[0].Detail == "opened" && ev[0].Time.Equal(t0), "events round-trip: %+v", ev)
		all, _ := s.Events(ctx, "")
		expect(t, len(all) == 2, "all events")
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func expect(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}
