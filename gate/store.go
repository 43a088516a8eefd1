package gate

import (
	"context"
	"errors"
	"time"
)

// StayStatus is where a stay is in its life.
type StayStatus string

// Stay statuses.
const (
	// StatusInside: the car entered and has not left.
	StatusInside StayStatus = "inside"
	// StatusCharging: a deduction was stored and is being requested; its
	// outcome may be unknown until the outbox resolves it.
	StatusCharging StayStatus = "charging"
	// StatusAccepted: WeChat accepted the deduction; the result is pending.
	StatusAccepted StayStatus = "accepted"
	// StatusPaid: the money was debited (or advanced by WeChat).
	StatusPaid StayStatus = "paid"
	// StatusSettled: an advanced (垫资) payment was repaid by the user.
	StatusSettled StayStatus = "settled"
	// StatusArrears: the debit failed; collect it later (追缴).
	StatusArrears StayStatus = "arrears"
	// StatusRefused: WeChat refused the deduction; collect another way.
	StatusRefused StayStatus = "refused"
	// StatusFree: the stay cost nothing.
	StatusFree StayStatus = "free"
	// StatusOther: the car left paying another way (QR, cashier).
	StatusOther StayStatus = "paid_other"
	// StatusSuperseded: the plate entered again while this stay was open
	// (a cloned plate or a missed exit); kept for review.
	StatusSuperseded StayStatus = "superseded"
)

// Open reports whether the car is still inside.
func (s StayStatus) Open() bool { return s == StatusInside }

// Unpaid reports statuses whose money is still to be collected.
func (s StayStatus) Unpaid() bool {
	return s == StatusArrears || s == StatusRefused || s == StatusSuperseded
}

// Stay is one car's visit, as stored.
type Stay struct {
	// ID is the merchant's stay id, sent as out_parking_no (APIv3).
	ID          string
	Plate       string // canonical plate number
	PlateColor  string // WeChat colour, "" when unknown
	PlateKind   string
	Vehicle     string // billing vehicle class
	Status      StayStatus
	LaneIn      string
	EntryTime   time.Time
	EntryPhoto  string // evidence reference
	EntrySHA256 string
	LaneOut     string
	ExitTime    time.Time
	ExitPhoto   string
	ExitSHA256  string
	// ParkingID is WeChat's stay id from CreateParking ("" until reported).
	ParkingID string
	// ServiceState is NORMAL or BLOCKED (with BlockReason) as WeChat last
	// said; "" until reported.
	ServiceState string
	BlockReason  string
	// OutTradeNo is minted once, at the first exit that charges.
	OutTradeNo    string
	FeeFen        int64
	TransactionID string
	// Version increases with every update; updates are conditional on it.
	Version   int64
	UpdatedAt time.Time
}

// OutboxKind names a call the outbox makes.
type OutboxKind string

// Outbox kinds.
const (
	OutboxEntryV3  OutboxKind = "entry_v3"  // CreateParking
	OutboxDeductV3 OutboxKind = "deduct_v3" // Deduct, resolved with QueryTransaction
	OutboxEntryV2  OutboxKind = "entry_v2"  // NotifyEntry
	OutboxPayV2    OutboxKind = "pay_v2"    // PayApply, resolved with QueryOrder
)

// OutboxItem is a call that must reach WeChat, stored before it is first
// attempted and removed (completed) only when the answer is final.
type OutboxItem struct {
	ID       string // unique; the stay id plus the kind
	StayID   string
	Kind     OutboxKind
	Payload  []byte // the request, JSON: re-sent unchanged
	Attempts int
	// Unknown is true once an attempt ended without a definite answer: the
	// next attempt queries first.
	Unknown    bool
	NextAt     time.Time
	Owner      string // lease holder, "" when free
	LeaseUntil time.Time
	LastError  string
	Done       bool
	CreatedAt  time.Time
}

// EventRecord is one line of the audit trail: every lane event, decision
// and WeChat outcome, for disputes.
type EventRecord struct {
	Time   time.Time
	StayID string
	Lane   string
	Kind   string // entry, exit, decision, callback, alert …
	Plate  string
	Detail string
}

// Store keeps stays, the outbox and the audit trail. Implementations must
// be safe for concurrent use and must not assume one process: outbox items
// are claimed with a lease and an owner, and stay updates are conditional
// on the version read, so several controllers can share one database.
//
// storetest.Run is the conformance suite every implementation must pass.
type Store interface {
	// CreateStay stores a new open stay, and the outbox items, in one
	// transaction. An item enqueued with an Owner and LeaseUntil is leased to
	// that owner from the start (the creator attempts it at once). It fails with ErrConflict when the plate already has an
	// open stay or the id exists.
	CreateStay(ctx context.Context, s Stay, items ...OutboxItem) error
	// UpdateStay replaces the stay if its stored version is still s.Version,
	// storing it with Version+1, and enqueues items in the same
	// transaction. Otherwise it fails with ErrConflict and changes nothing.
	UpdateStay(ctx context.Context, s Stay, items ...OutboxItem) error
	// GetStay returns a stay by id (ErrNotFound).
	GetStay(ctx context.Context, id string) (Stay, error)
	// FindStay returns the stay with the given out_trade_no or WeChat
	// parking id (ErrNotFound).
	FindStay(ctx context.Context, outTradeNo, parkingID string) (Stay, error)
	// OpenStay returns the open stay of a plate (ErrNotFound).
	OpenStay(ctx context.Context, plate string) (Stay, error)
	// Stays lists stays with any of the statuses (all when none), oldest
	// entry first.
	Stays(ctx context.Context, statuses ...StayStatus) ([]Stay, error)

	// Claim leases up to limit due, undone outbox items (NextAt ≤ now, no
	// live lease) to owner until now+lease.
	Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	// ClaimItem leases one undone item to owner when no one else holds a
	// live lease on it, whether or not it is due; ok is false otherwise.
	ClaimItem(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (it OutboxItem, ok bool, err error)
	// Release ends owner's lease on an item, recording it done or
	// rescheduled for next (with attempts, unknown and lastErr). It fails
	// with ErrConflict when owner no longer holds the lease.
	Release(ctx context.Context, it OutboxItem, owner string) error
	// Outbox lists undone items.
	Outbox(ctx context.Context) ([]OutboxItem, error)

	// AddEvent appends to the audit trail.
	AddEvent(ctx context.Context, e EventRecord) error
	// Events lists a stay's audit trail (all when stayID is "").
	Events(ctx context.Context, stayID string) ([]EventRecord, error)

	Close() error
}

// Store errors.
var (
	ErrNotFound = errors.New("gate: not found")
	ErrConflict = errors.New("gate: conflict")
)
