package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/client/notifytest"
	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type notificationVector struct {
	Name      string            `json:"name"`
	Headers   map[string]string `json:"headers"`
	Body      string            `json:"body"`
	Plaintext string            `json:"plaintext"`
	Valid     bool              `json:"valid"`
}

func vectorRequest(v notificationVector) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/wx/notify", strings.NewReader(v.Body))
	for k, val := range v.Headers {
		r.Header.Set(k, val)
	}
	return r
}

// The official SDK's notifications: valid ones reach the handler as typed
// events, invalid ones are refused so WeChat resends.
func TestNotifyHandlerWithVectors(t *testing.T) {
	var vs []notificationVector
	require.NoError(t, json.Unmarshal(readTestdata(t, "v3-notifications.json"), &vs))
	ts, err := strconv.ParseInt(vs[0].Headers["Wechatpay-Timestamp"], 10, 64)
	require.NoError(t, err)
	c := newTestClient(t, "http://127.0.0.1:1", WithClock(func() time.Time { return time.Unix(ts+30, 0) }))
	var txns []*TransactionEvent
	var parks []*ParkingStateEvent
	h := c.NotifyHandler(Handlers{
		OnTransaction:  func(_ context.Context, e *TransactionEvent) error { txns = append(txns, e); return nil },
		OnParkingState: func(_ context.Context, e *ParkingStateEvent) error { parks = append(parks, e); return nil },
	})
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, vectorRequest(v))
			if v.Valid {
				assert.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
				n, err := c.ParseNotification(vectorRequest(v))
				require.NoError(t, err)
				assert.JSONEq(t, v.Plaintext, string(n.Plaintext))
			} else {
				assert.GreaterOrEqual(t, rec.Code, 400)
				assert.Contains(t, rec.Body.String(), `"code":"FAIL"`)
			}
		})
	}
	require.Len(t, txns, 1)
	assert.Equal(t, "TRANSACTION.SUCCESS", txns[0].EventType)
	assert.Equal(t, "T20251203000001", txns[0].OutTradeNo)
	assert.Equal(t, int64(1200), txns[0].Amount.Total)
	assert.Equal(t, "5K8264ILTKCH16CQ250", txns[0].Parking.ParkingID)
	assert.Equal(t, "oUpF8uMuAJOM2pxb1Q", txns[0].Payer.OpenID)
	require.Len(t, parks, 1)
	assert.Equal(t, "BLOCKED", parks[0].ParkingState)
	assert.Equal(t, "PAUSE", parks[0].BlockedStateDescription)
	assert.Equal(t, 123*time.Millisecond, time.Duration(parks[0].StateUpdateTime.Nanosecond()), "millisecond times parse")

	// A redelivery of the same notification is acknowledged, not handled again.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, vectorRequest(vs[0]))
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Len(t, txns, 1)
}

func testSender(t *testing.T, now func() time.Time) *notifytest.Sender {
	s, err := notifytest.New(vecKeyID, mustKey(t, "wechatpay_private_key.pem"), itAPIv3)
	require.NoError(t, err)
	s.Now = now
	return s.WithAPIv2Key(itAPIv2)
}

func testSenderB(b *testing.B, now time.Time) *notifytest.Sender {
	key, err := signing.LoadPrivateKey(readTestdata(b, "wechatpay_private_key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	s, err := notifytest.New(vecKeyID, key, itAPIv3)
	if err != nil {
		b.Fatal(err)
	}
	s.Now = func() time.Time { return now }
	return s
}

func TestNotifyHandlerBehaviour(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	s := testSender(t, nil)
	fail := true
	calls := 0
	h := c.NotifyHandler(Handlers{OnTransaction: func(context.Context, *TransactionEvent) error {
		calls++
		if fail {
			return errors.New("database down")
		}
		return nil
	}})
	txn := map[string]any{"out_trade_no": "T1", "trade_state": "PAY_FAIL", "amount": map[string]any{"total": 100}}
	send := func(id string) int {
		req, err := s.RequestWithID("http://x/notify", id, "TRANSACTION.FAIL", "transaction", txn)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	assert.Equal(t, 500, send("EV-1"), "a vendor error asks for a resend")
	fail = false
	assert.Equal(t, 204, send("EV-1"), "the resend is processed")
	assert.Equal(t, 204, send("EV-1"), "a duplicate is acknowledged")
	assert.Equal(t, 2, calls)

	// Probes, tampering, staleness and junk are refused.
	req, err := s.Request("http://x/notify", "TRANSACTION.SUCCESS", "transaction", txn)
	require.NoError(t, err)
	req.Header.Set("Wechatpay-Signature", "WECHATPAY/SIGNTEST/"+req.Header.Get("Wechatpay-Signature"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 401, rec.Code)

	old := testSender(t, func() time.Time { return time.Now().Add(-10 * time.Minute) })
	req, _ = old.Request("http://x/notify", "TRANSACTION.SUCCESS", "transaction", txn)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 401, rec.Code, "stale timestamp")

	req, _ = s.SignedRequest("http://x/notify", []byte(`{"id":"EV-9","event_type":"TRANSACTION.SUCCESS","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"short","ciphertext":"AAAA"}}`))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 400, rec.Code, "undecryptable")

	req, _ = s.SignedRequest("http://x/notify", []byte(strings.Repeat("x", MaxNotificationBytes+10)))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 400, rec.Code, "too large")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/notify", nil))
	assert.Equal(t, 405, rec.Code)

	// Unknown event types are acknowledged (or handed to OnOther).
	var other []string
	h2 := c.NotifyHandler(Handlers{OnOther: func(_ context.Context, n *Notification) error { other = append(other, n.EventType); return nil }})
	req, _ = s.Request("http://x/notify", "REFUND.SUCCESS", "refund", map[string]string{"x": "y"})
	rec = httptest.NewRecorder()
	h2.ServeHTTP(rec, req)
	assert.Equal(t, 204, rec.Code)
	assert.Equal(t, []string{"REFUND.SUCCESS"}, other)
}

func TestMemoryDedupConcurrency(t *testing.T) {
	now := time.Unix(0, 0)
	d := NewMemoryDedup(time.Hour, func() time.Time { return now })
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for range 20 {
		wg.Go(func() {
			st, err := d.Begin(ctx, "EV-1")
			require.NoError(t, err)
			if st == DedupNew {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, winners, "exactly one claims it")
	st, _ := d.Begin(ctx, "EV-1")
	assert.Equal(t, DedupInProgress, st)
	require.NoError(t, d.Finish(ctx, "EV-1", true))
	st, _ = d.Begin(ctx, "EV-1")
	assert.Equal(t, DedupDone, st)
	now = now.Add(2 * time.Hour)
	st, _ = d.Begin(ctx, "EV-1")
	assert.Equal(t, DedupNew, st, "forgotten after the TTL")
	require.NoError(t, d.Finish(ctx, "EV-1", false))
	st, _ = d.Begin(ctx, "EV-1")
	assert.Equal(t, DedupNew, st, "a failed claim is released")
}

func TestNotifyHandlerV2(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	s := testSender(t, nil)
	var pays []*V2PaymentEvent
	var plates []*V2PlateEvent
	h := c.NotifyHandlerV2(HandlersV2{
		OnPayment:    func(_ context.Context, e *V2PaymentEvent) error { pays = append(pays, e); return nil },
		OnPlateState: func(_ context.Context, e *V2PlateEvent) error { plates = append(plates, e); return nil },
	})
	send := func(p map[string]string) string {
		req, err := s.V2Request("http://x/v2", p)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	pay := map[string]string{"return_code": "SUCCESS", "result_code": "SUCCESS", "mch_id": itMch, "out_trade_no": "V2T1", "transaction_id": "42000",
		"trade_state": "SUCCESS", "total_fee": "500", "time_end": "20251203120000", "new_field": "tolerated"}
	assert.Contains(t, send(pay), "<return_code><![CDATA[SUCCESS]]></return_code>")
	assert.Contains(t, send(pay), "SUCCESS", "duplicate acknowledged")
	require.Len(t, pays, 1)
	assert.Equal(t, int64(500), pays[0].TotalFen)
	assert.Equal(t, 2025, pays[0].TimeEnd.Year())

	send(map[string]string{"mch_id": itMch, "plate_number": itPlate, "vehicle_event_type": "BLOCKED", "vehicle_event_des": "PAUSE", "vehicle_event_createtime": "20251203120500"})
	require.Len(t, plates, 1)
	assert.Equal(t, "BLOCKED", plates[0].EventType)

	// A tampered notification is refused with FAIL.
	req, _ := s.V2Request("http://x/v2", pay)
	body := strings.Replace(readAll(t, req), "500", "5", 1)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2", strings.NewReader(body)))
	assert.Contains(t, rec.Body.String(), "FAIL")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2", strings.NewReader("<html>")))
	assert.Contains(t, rec.Body.String(), "FAIL")
}

func readAll(t *testing.T, r *http.Request) string {
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return string(b)
}

func TestTradeState(t *testing.T) {
	assert.True(t, TradeState("ACCEPT").Accepted())
	assert.True(t, TradeAccepted.Accepted())
	assert.True(t, TradeState("FAIL").Failed())
	assert.True(t, TradePayFail.Failed())
	assert.True(t, TradeSuccess.Final())
	assert.False(t, TradeAccepted.Final())
	assert.True(t, TradeState("SOMETHING_NEW").Final())
	var tm Time
	require.NoError(t, json.Unmarshal([]byte(`""`), &tm))
	assert.True(t, tm.IsZero())
	assert.Error(t, json.Unmarshal([]byte(`"yesterday"`), &tm))
	b, _ := json.Marshal(Time{time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)})
	assert.Equal(t, `"2025-01-02T11:04:05+08:00"`, string(b))
}

// A Content-Length that does not match the body changes nothing.
func TestReadCappedWithWrongContentLength(t *testing.T) {
	body := strings.Repeat("x", 100)
	for _, cl := range []int64{-1, 0, 10, 100} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.ContentLength = cl
		got, err := readCapped(r)
		require.NoError(t, err)
		assert.Equal(t, body, string(got), "Content-Length %d", cl)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", MaxNotificationBytes+50)))
	r.ContentLength = 10
	got, err := readCapped(r)
	require.NoError(t, err)
	assert.Len(t, got, MaxNotificationBytes+1, "still capped, one over to tell it is too large")
}
