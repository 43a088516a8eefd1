package gate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite: no cgo on lane controllers
)

// Schema is the SQLite schema, open to vendors: support staff can inspect
// a lane controller's file with the sqlite3 tool (times are UTC text).
const Schema = `
CREATE TABLE IF NOT EXISTS stays (
  id             TEXT PRIMARY KEY,   -- our stay id = out_parking_no
  plate          TEXT NOT NULL,
  plate_color    TEXT NOT NULL,
  plate_kind     TEXT NOT NULL,
  vehicle        TEXT NOT NULL,
  status         TEXT NOT NULL,      -- inside, charging, accepted, paid, settled, arrears, refused, free, paid_other, superseded
  lane_in        TEXT NOT NULL,
  entry_time     TEXT NOT NULL,
  entry_photo    TEXT NOT NULL,
  entry_sha256   TEXT NOT NULL,
  lane_out       TEXT NOT NULL,
  exit_time      TEXT NOT NULL,
  exit_photo     TEXT NOT NULL,
  exit_sha256    TEXT NOT NULL,
  parking_id     TEXT NOT NULL,      -- WeChat's stay id
  service_state  TEXT NOT NULL,
  block_reason   TEXT NOT NULL,
  out_trade_no   TEXT NOT NULL,
  fee_fen        INTEGER NOT NULL,
  transaction_id TEXT NOT NULL,
  version        INTEGER NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS stays_one_open_per_plate ON stays(plate) WHERE status = 'inside';
CREATE INDEX IF NOT EXISTS stays_out_trade_no ON stays(out_trade_no);
CREATE INDEX IF NOT EXISTS stays_parking_id ON stays(parking_id);
CREATE INDEX IF NOT EXISTS stays_status ON stays(status, entry_time);
CREATE TABLE IF NOT EXISTS outbox (
  id          TEXT PRIMARY KEY,
  stay_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,         -- entry_v3, deduct_v3, entry_v2, pay_v2
  payload     TEXT NOT NULL,         -- the request, re-sent unchanged
  attempts    INTEGER NOT NULL,
  unknown     INTEGER NOT NULL,      -- 1: the last outcome is unknown, query first
  next_at     TEXT NOT NULL,
  owner       TEXT NOT NULL,
  lease_until TEXT NOT NULL,
  last_error  TEXT NOT NULL,
  done        INTEGER NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(done, next_at);
CREATE TABLE IF NOT EXISTS events (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  time    TEXT NOT NULL,
  stay_id TEXT NOT NULL,
  lane    TEXT NOT NULL,
  kind    TEXT NOT NULL,
  plate   TEXT NOT NULL,
  detail  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_stay ON events(stay_id, seq);
`

// timeFormat is fixed-width UTC, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(timeFormat, s)
	return t
}

// SQLiteStore is the default Store: one SQLite file, WAL journal, fsync
// on every commit, no server and no cgo.
type SQLiteStore struct {
	db *sql.DB
}

// OpenSQLite opens (creating if needed) the store in the file at path.
func OpenSQLite(path string) (*SQLiteStore, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("gate: open %s: %w", path, err)
	}
	// One connection: writes from this process never race each other for
	// the lock; other processes wait on busy_timeout.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(Schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("gate: schema of %s: %w", path, err)
	}
	return &SQLiteStore{db: db}, nil
}

// DB exposes the database for inspection and reports.
func (s *SQLiteStore) DB() *sql.DB { return s.db }

func isConstraint(err error) bool {
	return err != nil && strings.Contains(err.Error(), "constraint")
}

func (s *SQLiteStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func enqueue(ctx context.Context, tx *sql.Tx, items []OutboxItem) error {
	for _, it := range items {
		_, err := tx.ExecContext(ctx, `INSERT INTO outbox (id, stay_id, kind, payload, attempts, unknown, next_at, owner, lease_until, last_error, done, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(id) DO NOTHING`,
			it.ID, it.StayID, string(it.Kind), string(it.Payload), it.Attempts, boolInt(it.Unknown), fmtTime(it.NextAt), it.Owner,
			fmtTime(it.LeaseUntil), it.LastError, fmtTime(it.CreatedAt))
		if err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const stayCols = `id, plate, plate_color, plate_kind, vehicle, status, lane_in, entry_time, entry_photo, entry_sha256, lane_out, exit_time,
	exit_photo, exit_sha256, parking_id, service_state, block_reason, out_trade_no, fee_fen, transaction_id, version, updated_at`

func stayArgs(st Stay) []any {
	return []any{st.ID, st.Plate, st.PlateColor, st.PlateKind, st.Vehicle, string(st.Status), st.LaneIn, fmtTime(st.EntryTime), st.EntryPhoto,
		st.EntrySHA256, st.LaneOut, fmtTime(st.ExitTime), st.ExitPhoto, st.ExitSHA256, st.ParkingID, st.ServiceState, st.BlockReason,
		st.OutTradeNo, st.FeeFen, st.TransactionID, st.Version, fmtTime(st.UpdatedAt)}
}

// CreateStay implements Store.
func (s *SQLiteStore) CreateStay(ctx context.Context, st Stay, items ...OutboxItem) error {
	st.Version = 1
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stays (`+stayCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, stayArgs(st)...); err != nil {
			return err
		}
		return enqueue(ctx, tx, items)
	})
	if isConstraint(err) {
		return ErrConflict
	}
	return err
}

// UpdateStay implements Store.
func (s *SQLiteStore) UpdateStay(ctx context.Context, st Stay, items ...OutboxItem) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		args := stayArgs(st)
		args[20] = st.Version + 1
		res, err := tx.ExecContext(ctx, `UPDATE stays SET id=?, plate=?, plate_color=?, plate_kind=?, vehicle=?, status=?, lane_in=?, entry_time=?,
			entry_photo=?, entry_sha256=?, lane_out=?, exit_time=?, exit_photo=?, exit_sha256=?, parking_id=?, service_state=?, block_reason=?,
			out_trade_no=?, fee_fen=?, transaction_id=?, version=?, updated_at=? WHERE id=? AND version=?`, append(args, st.ID, st.Version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrConflict
		}
		return enqueue(ctx, tx, items)
	})
	if isConstraint(err) {
		return ErrConflict
	}
	return err
}

func scanStay(row interface{ Scan(...any) error }) (Stay, error) {
	var st Stay
	var status, entry, exit, updated string
	err := row.Scan(&st.ID, &st.Plate, &st.PlateColor, &st.PlateKind, &st.Vehicle, &status, &st.LaneIn, &entry, &st.EntryPhoto, &st.EntrySHA256,
		&st.LaneOut, &exit, &st.ExitPhoto, &st.ExitSHA256, &st.ParkingID, &st.ServiceState, &st.BlockReason, &st.OutTradeNo, &st.FeeFen,
		&st.TransactionID, &st.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Stay{}, ErrNotFound
	}
	st.Status, st.EntryTime, st.ExitTime, st.UpdatedAt = StayStatus(status), parseTime(entry), parseTime(exit), parseTime(updated)
	return st, err
}

// GetStay implements Store.
func (s *SQLiteStore) GetStay(ctx context.Context, id string) (Stay, error) {
	return scanStay(s.db.QueryRowContext(ctx, `SELECT `+stayCols+` FROM stays WHERE id=?`, id))
}

// FindStay implements Store.
func (s *SQLiteStore) FindStay(ctx context.Context, outTradeNo, parkingID string) (Stay, error) {
	if outTradeNo == "" && parkingID == "" {
		return Stay{}, ErrNotFound
	}
	return scanStay(s.db.QueryRowContext(ctx, `SELECT `+stayCols+` FROM stays WHERE (out_trade_no=? AND ?<>'') OR (parking_id=? AND ?<>'') LIMIT 1`,
		outTradeNo, outTradeNo, parkingID, parkingID))
}

// OpenStay implements Store.
func (s *SQLiteStore) OpenStay(ctx context.Context, plate string) (Stay, error) {
	return scanStay(s.db.QueryRowContext(ctx, `SELECT `+stayCols+` FROM stays WHERE plate=? AND status='inside'`, plate))
}

// Stays implements Store.
func (s *SQLiteStore) Stays(ctx context.Context, statuses ...StayStatus) ([]Stay, error) {
	q := `SELECT ` + stayCols + ` FROM stays`
	var args []any
	if len(statuses) > 0 {
		q += ` WHERE status IN (?` + strings.Repeat(",?", len(statuses)-1) + `)`
		for _, st := range statuses {
			args = append(args, string(st))
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY entry_time, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Stay
	for rows.Next() {
		st, err := scanStay(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

const itemCols = `id, stay_id, kind, payload, attempts, unknown, next_at, owner, lease_until, last_error, done, created_at`

func scanItem(row interface{ Scan(...any) error }) (OutboxItem, error) {
	var it OutboxItem
	var kind, payload, next, lease, created string
	var unknown, done int
	err := row.Scan(&it.ID, &it.StayID, &kind, &payload, &it.Attempts, &unknown, &next, &it.Owner, &lease, &it.LastError, &done, &created)
	it.Kind, it.Payload, it.Unknown, it.Done = OutboxKind(kind), []byte(payload), unknown == 1, done == 1
	it.NextAt, it.LeaseUntil, it.CreatedAt = parseTime(next), parseTime(lease), parseTime(created)
	return it, err
}

// Claim implements Store.
func (s *SQLiteStore) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error) {
	var out []OutboxItem
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n := fmtTime(now)
		rows, err := tx.QueryContext(ctx, `SELECT `+itemCols+` FROM outbox WHERE done=0 AND next_at<=? AND (owner='' OR lease_until<=?)
			ORDER BY next_at, id LIMIT ?`, n, n, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, it)
		}
		rows.Close()
		until := now.Add(lease)
		for i := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET owner=?, lease_until=? WHERE id=?`, owner, fmtTime(until), out[i].ID); err != nil {
				return err
			}
			out[i].Owner, out[i].LeaseUntil = owner, until
		}
		return nil
	})
	return out, err
}

// ClaimItem implements Store.
func (s *SQLiteStore) ClaimItem(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (OutboxItem, bool, error) {
	n := fmtTime(now)
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET owner=?, lease_until=? WHERE id=? AND done=0 AND (owner='' OR owner=? OR lease_until<=?)`,
		owner, fmtTime(now.Add(lease)), id, owner, n)
	if err != nil {
		return OutboxItem{}, false, err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return OutboxItem{}, false, nil
	}
	it, err := scanItem(s.db.QueryRowContext(ctx, `SELECT `+itemCols+` FROM outbox WHERE id=?`, id))
	return it, err == nil, err
}

// Release implements Store.
func (s *SQLiteStore) Release(ctx context.Context, it OutboxItem, owner string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts=?, unknown=?, next_at=?, last_error=?, done=?, owner='', lease_until=''
		WHERE id=? AND owner=?`, it.Attempts, boolInt(it.Unknown), fmtTime(it.NextAt), it.LastError, boolInt(it.Done), it.ID, owner)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
	}
	return nil
}

// Outbox implements Store.
func (s *SQLiteStore) Outbox(ctx context.Context) ([]OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+itemCols+` FROM outbox WHERE done=0 ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// AddEvent implements Store.
func (s *SQLiteStore) AddEvent(ctx context.Context, e EventRecord) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO events (time, stay_id, lane, kind, plate, detail) VALUES (?,?,?,?,?,?)`,
		fmtTime(e.Time), e.StayID, e.Lane, e.Kind, e.Plate, e.Detail)
	return err
}

// Events implements Store.
func (s *SQLiteStore) Events(ctx context.Context, stayID string) ([]EventRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT time, stay_id, lane, kind, plate, detail FROM events WHERE stay_id=? OR ?='' ORDER BY seq`, stayID, stayID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EventRecord
	for rows.Next() {
		var e EventRecord
		var t string
		if err := rows.Scan(&t, &e.StayID, &e.Lane, &e.Kind, &e.Plate, &e.Detail); err != nil {
			return nil, err
		}
		e.Time = parseTime(t)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Close implements Store.
func (s *SQLiteStore) Close() error { return s.db.Close() }
