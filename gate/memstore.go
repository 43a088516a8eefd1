package gate

import (
	"context"
	"sort"
	"sync"
	"time"
)

// MemoryStore is a Store in memory, for tests and demos. Everything is lost
// with the process.
type MemoryStore struct {
	mu     sync.Mutex
	stays  map[string]Stay
	items  map[string]OutboxItem
	events []EventRecord
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{stays: map[string]Stay{}, items: map[string]OutboxItem{}}
}

func (m *MemoryStore) enqueueLocked(items []OutboxItem) {
	for _, it := range items {
		if _, ok := m.items[it.ID]; !ok {
			m.items[it.ID] = it
		}
	}
}

// CreateStay implements Store.
func (m *MemoryStore) CreateStay(_ context.Context, s Stay, items ...OutboxItem) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stays[s.ID]; ok {
		return ErrConflict
	}
	if s.Status.Open() {
		for _, o := range m.stays {
			if o.Plate == s.Plate && o.Status.Open() {
				return ErrConflict
			}
		}
	}
	s.Version = 1
	m.stays[s.ID] = s
	m.enqueueLocked(items)
	return nil
}

// UpdateStay implements Store.
func (m *MemoryStore) UpdateStay(_ context.Context, s Stay, items ...OutboxItem) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.stays[s.ID]
	if !ok || old.Version != s.Version {
		return ErrConflict
	}
	if s.Status.Open() {
		for id, o := range m.stays {
			if id != s.ID && o.Plate == s.Plate && o.Status.Open() {
				return ErrConflict
			}
		}
	}
	s.Version++
	m.stays[s.ID] = s
	m.enqueueLocked(items)
	return nil
}

// GetStay implements Store.
func (m *MemoryStore) GetStay(_ context.Context, id string) (Stay, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.stays[id]
	if !ok {
		return Stay{}, ErrNotFound
	}
	return s, nil
}

// FindStay implements Store.
func (m *MemoryStore) FindStay(_ context.Context, outTradeNo, parkingID string) (Stay, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.stays {
		if outTradeNo != "" && s.OutTradeNo == outTradeNo || parkingID != "" && s.ParkingID == parkingID {
			return s, nil
		}
	}
	return Stay{}, ErrNotFound
}

// OpenStay implements Store.
func (m *MemoryStore) OpenStay(_ context.Context, plate string) (Stay, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.stays {
		if s.Plate == plate && s.Status.Open() {
			return s, nil
		}
	}
	return Stay{}, ErrNotFound
}

// Stays implements Store.
func (m *MemoryStore) Stays(_ context.Context, statuses ...StayStatus) ([]Stay, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Stay
	for _, s := range m.stays {
		if len(statuses) == 0 || containsStatus(statuses, s.Status) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].EntryTime.Equal(out[j].EntryTime) {
			return out[i].EntryTime.Before(out[j].EntryTime)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func containsStatus(list []StayStatus, s StayStatus) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Claim implements Store.
func (m *MemoryStore) Claim(_ context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []OutboxItem
	for _, it := range m.items {
		if !it.Done && !it.NextAt.After(now) && (it.Owner == "" || !it.LeaseUntil.After(now)) {
			due = append(due, it)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].NextAt.Equal(due[j].NextAt) {
			return due[i].NextAt.Before(due[j].NextAt)
		}
		return due[i].ID < due[j].ID
	})
	if len(due) > limit {
		due = due[:limit]
	}
	for i := range due {
		due[i].Owner, due[i].LeaseUntil = owner, now.Add(lease)
		m.items[due[i].ID] = due[i]
	}
	return due, nil
}

// ClaimItem implements Store.
func (m *MemoryStore) ClaimItem(_ context.Context, id, owner string, now time.Time, lease time.Duration) (OutboxItem, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[id]
	if !ok || it.Done || it.Owner != "" && it.Owner != owner && it.LeaseUntil.After(now) {
		return OutboxItem{}, false, nil
	}
	it.Owner, it.LeaseUntil = owner, now.Add(lease)
	m.items[id] = it
	return it, true, nil
}

// Release implements Store.
func (m *MemoryStore) Release(_ context.Context, it OutboxItem, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.items[it.ID]
	if !ok || cur.Owner != owner {
		return ErrConflict
	}
	cur.Attempts, cur.Unknown, cur.NextAt, cur.LastError, cur.Done = it.Attempts, it.Unknown, it.NextAt, it.LastError, it.Done
	cur.Owner, cur.LeaseUntil = "", time.Time{}
	m.items[it.ID] = cur
	return nil
}

// Outbox implements Store.
func (m *MemoryStore) Outbox(context.Context) ([]OutboxItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []OutboxItem
	for _, it := range m.items {
		if !it.Done {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// AddEvent implements Store.
func (m *MemoryStore) AddEvent(_ context.Context, e EventRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return nil
}

// Events implements Store.
func (m *MemoryStore) Events(_ context.Context, stayID string) ([]EventRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []EventRecord
	for _, e := range m.events {
		if stayID == "" || e.StayID == stayID {
			out = append(out, e)
		}
	}
	return out, nil
}

// Close implements Store.
func (m *MemoryStore) Close() error { return nil }
