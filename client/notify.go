package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// MaxNotificationBytes caps a notification body; WeChat's are a few KiB.
const MaxNotificationBytes = 64 << 10

// Notification is a verified, decrypted APIv3 notification.
type Notification struct {
	ID           string
	EventType    string
	ResourceType string
	Summary      string
	CreateTime   time.Time
	OriginalType string
	// Plaintext is the decrypted resource (JSON).
	Plaintext []byte
	// RequestID is the delivery's Request-ID header.
	RequestID string
}

// Notification errors, matchable with errors.Is.
var (
	// ErrNotificationMalformed: not a WeChat notification (unreadable,
	// too large, not the JSON envelope, an unknown algorithm).
	ErrNotificationMalformed = errors.New("malformed notification")
)

// ParseNotification reads, verifies and decrypts an APIv3 notification
// from r, for vendors on routers that are not net/http handlers. The body
// is read in full (capped); the signature and timestamp are checked over
// the raw bytes before anything is decoded. Errors match ErrSignature
// (also for WECHATPAY/SIGNTEST probes) or ErrNotificationMalformed.
func (c *Client) ParseNotification(r *http.Request) (*Notification, error) {
	body, err := readCapped(r)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: notification: %w: %v", ErrNotificationMalformed, err)
	}
	if len(body) > MaxNotificationBytes {
		return nil, fmt.Errorf("wechatpay: notification: %w: body over %d bytes", ErrNotificationMalformed, MaxNotificationBytes)
	}
	return c.parseNotification(r.Header, body)
}

func (c *Client) parseNotification(h http.Header, body []byte) (*Notification, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.verify(ctx, h, body); err != nil {
		return nil, fmt.Errorf("wechatpay: notification: %w: %v", ErrSignature, err)
	}
	var env struct {
		ID           string `json:"id"`
		CreateTime   string `json:"create_time"`
		EventType    string `json:"event_type"`
		ResourceType string `json:"resource_type"`
		Summary      string `json:"summary"`
		Resource     struct {
			Algorithm      string `json:"algorithm"`
			Ciphertext     string `json:"ciphertext"`
			AssociatedData string `json:"associated_data"`
			OriginalType   string `json:"original_type"`
			Nonce          string `json:"nonce"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("wechatpay: notification: %w: %v", ErrNotificationMalformed, err)
	}
	if env.ID == "" || env.EventType == "" {
		return nil, fmt.Errorf("wechatpay: notification: %w: no id or event_type", ErrNotificationMalformed)
	}
	if c.cipher == nil {
		return nil, errors.New("wechatpay: notification: the APIv3 key is needed to decrypt notifications (WithAPIv3Key)")
	}
	res := env.Resource
	plain, err := c.cipher.Decrypt(res.Algorithm, res.Nonce, res.AssociatedData, res.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: notification %s: %w: %v", env.ID, ErrNotificationMalformed, err)
	}
	n := &Notification{ID: env.ID, EventType: env.EventType, ResourceType: env.ResourceType, Summary: env.Summary,
		OriginalType: res.OriginalType, Plaintext: plain, RequestID: h.Get("Request-ID")}
	n.CreateTime, _ = time.Parse(time.RFC3339Nano, env.CreateTime)
	return n, nil
}

// readCapped reads a request body of at most MaxNotificationBytes (+1, to
// tell an oversized one), sized by Content-Length when it is given.
func readCapped(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if n := r.ContentLength; n >= 0 && n <= MaxNotificationBytes {
		buf := make([]byte, n, n+1)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return nil, err
		}
		// More than declared (a synthetic request)? Read on, still capped.
		var probe [1]byte
		if k, _ := io.ReadFull(r.Body, probe[:]); k == 0 {
			return buf, nil
		}
		rest, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBytes-n))
		if err != nil {
			return nil, err
		}
		return append(append(buf, probe[0]), rest...), nil
	}
	return io.ReadAll(io.LimitReader(r.Body, MaxNotificationBytes+1))
}

// ParkingStateEvent is VEHICLE.ENTRANCE_STATE_CHANGE: a stay became usable
// or unusable for contactless payment while the car is inside.
type ParkingStateEvent struct {
	NotificationID string `json:"-"`
	SpMchID        string `json:"sp_mchid"`
	MchID          string `json:"mchid"`
	SubMchID       string `json:"sub_mchid"`
	ParkingID      string `json:"parking_id"`
	OutParkingNo   string `json:"out_parking_no"`
	PlateNumber    string `json:"plate_number"`
	PlateColor     string `json:"plate_color"`
	StartTime      Time   `json:"start_time"`
	ParkingName    string `json:"parking_name"`
	FreeDuration   int64  `json:"free_duration"`
	// ParkingState is NORMAL or BLOCKED.
	ParkingState string `json:"parking_state"`
	// BlockedStateDescription says why: PAUSE, OVERDUE, REMOVE … (open set).
	BlockedStateDescription string `json:"blocked_state_description"`
	StateUpdateTime         Time   `json:"state_update_time"`
}

// TransactionEvent is TRANSACTION.SUCCESS, TRANSACTION.FAIL or
// TRANSACTION.PAY_BACK for a parking deduction.
type TransactionEvent struct {
	NotificationID string
	EventType      string
	Transaction
}

// DedupState is what a DedupStore knows of a notification id.
type DedupState int

const (
	// DedupNew: never seen; the caller now owns its processing.
	DedupNew DedupState = iota
	// DedupInProgress: another delivery of it is being processed.
	DedupInProgress
	// DedupDone: already processed; acknowledge and do nothing.
	DedupDone
)

// DedupStore remembers which notifications were processed, so redeliveries
// are acknowledged without being handled twice. A fleet of receivers shares
// one (backed by a database) by implementing it.
type DedupStore interface {
	// Begin claims id. It returns DedupNew to exactly one concurrent caller.
	Begin(ctx context.Context, id string) (DedupState, error)
	// Finish ends a claim: processed keeps the id as done; otherwise it is
	// released so a redelivery is processed.
	Finish(ctx context.Context, id string, processed bool) error
}

// MemoryDedup is an in-process DedupStore. Done ids are kept for TTL
// (longer than WeChat's 24 h 4 m schedule by default); a claim not finished
// within a minute is released.
type MemoryDedup struct {
	mu   sync.Mutex
	ttl  time.Duration
	now  func() time.Time
	seen map[string]dedupEntry
}

type dedupEntry struct {
	done    bool
	expires time.Time
}

// NewMemoryDedup returns a MemoryDedup; ttl ≤ 0 means 25 h, now nil means
// time.Now.
func NewMemoryDedup(ttl time.Duration, now func() time.Time) *MemoryDedup {
	if ttl <= 0 {
		ttl = 25 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryDedup{ttl: ttl, now: now, seen: map[string]dedupEntry{}}
}

// Begin implements DedupStore.
func (m *MemoryDedup) Begin(_ context.Context, id string) (DedupState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if len(m.seen) > 1024 {
		for k, e := range m.seen {
			if now.After(e.expires) {
				delete(m.seen, k)
			}
		}
	}
	if e, ok := m.seen[id]; ok && now.Before(e.expires) {
		if e.done {
			return DedupDone, nil
		}
		return DedupInProgress, nil
	}
	m.seen[id] = dedupEntry{expires: now.Add(time.Minute)}
	return DedupNew, nil
}

// Finish implements DedupStore.
func (m *MemoryDedup) Finish(_ context.Context, id string, processed bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if processed {
		m.seen[id] = dedupEntry{done: true, expires: m.now().Add(m.ttl)}
	} else {
		delete(m.seen, id)
	}
	return nil
}

// Handlers are the vendor's callbacks for APIv3 notifications. A callback
// that returns an error makes the handler answer 500, so WeChat resends.
type Handlers struct {
	OnParkingState func(ctx context.Context, e *ParkingStateEvent) error
	OnTransaction  func(ctx context.Context, e *TransactionEvent) error
	// OnOther receives any other event type; when nil they are
	// acknowledged and dropped.
	OnOther func(ctx context.Context, n *Notification) error
	// Dedup is NewMemoryDedup(0, nil) when nil.
	Dedup DedupStore
}

// NotifyHandler returns the http.Handler for APIv3 notifications: it
// verifies and decrypts each delivery, drops duplicates by notification id,
// hands typed events to h, and answers as WeChat expects — 204 when
// handled (or already handled), 4xx/5xx with {"code":"FAIL"} to ask for a
// resend.
func (c *Client) NotifyHandler(h Handlers) http.Handler {
	if h.Dedup == nil {
		h.Dedup = NewMemoryDedup(0, nil)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": msg})
		}
		if r.Method != http.MethodPost {
			fail(http.StatusMethodNotAllowed, "POST only")
			return
		}
		n, err := c.ParseNotification(r)
		if err != nil {
			c.log.Warn("wechatpay notification refused", "error", err)
			if errors.Is(err, ErrSignature) {
				fail(http.StatusUnauthorized, "signature verification failed")
			} else {
				fail(http.StatusBadRequest, "malformed notification")
			}
			return
		}
		ctx := r.Context()
		state, err := h.Dedup.Begin(ctx, n.ID)
		switch {
		case err != nil:
			fail(http.StatusInternalServerError, "dedup store unavailable")
			return
		case state == DedupDone:
			w.WriteHeader(http.StatusNoContent)
			return
		case state == DedupInProgress:
			fail(http.StatusServiceUnavailable, "already being processed; resend later")
			return
		}
		if err := c.dispatch(ctx, h, n); err != nil {
			_ = h.Dedup.Finish(ctx, n.ID, false)
			c.log.Warn("wechatpay notification not processed", "id", n.ID, "event", n.EventType, "error", err)
			fail(http.StatusInternalServerError, "not processed")
			return
		}
		if err := h.Dedup.Finish(ctx, n.ID, true); err != nil {
			c.log.Warn("wechatpay dedup store", "id", n.ID, "error", err)
		}
		c.log.Debug("wechatpay notification", "id", n.ID, "event", n.EventType)
		w.WriteHeader(http.StatusNoContent)
	})
}

// dispatch decodes n and calls the matching handler.
func (c *Client) dispatch(ctx context.Context, h Handlers, n *Notification) error {
	switch n.EventType {
	case "VEHICLE.ENTRANCE_STATE_CHANGE":
		var e ParkingStateEvent
		if err := json.Unmarshal(n.Plaintext, &e); err != nil {
			return fmt.Errorf("decoding %s: %w", n.EventType, err)
		}
		e.NotificationID = n.ID
		if h.OnParkingState == nil {
			return nil
		}
		return h.OnParkingState(ctx, &e)
	case "TRANSACTION.SUCCESS", "TRANSACTION.FAIL", "TRANSACTION.PAY_BACK":
		var e TransactionEvent
		if err := json.Unmarshal(n.Plaintext, &e.Transaction); err != nil {
			return fmt.Errorf("decoding %s: %w", n.EventType, err)
		}
		e.NotificationID, e.EventType = n.ID, n.EventType
		if h.OnTransaction == nil {
			return nil
		}
		return h.OnTransaction(ctx, &e)
	}
	if h.OnOther != nil {
		return h.OnOther(ctx, n)
	}
	return nil
}
