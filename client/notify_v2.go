package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// V2PlateEvent is an APIv2 车牌状态变更通知: the plate became usable
// (NORMAL) or not (BLOCKED) while the car is inside.
type V2PlateEvent struct {
	PlateNumber string
	// EventType is NORMAL or BLOCKED.
	EventType string
	// Description is PAUSE, OVERDUE, REMOVE, PROACTIVE, AUTOPAY … (open set).
	Description string
	DeductMode  string
	CreateTime  time.Time
	Fields      map[string]string
}

// V2PaymentEvent is an APIv2 payment result for a payapply order.
type V2PaymentEvent struct {
	OutTradeNo    string
	TransactionID string
	// TradeState is SUCCESS or PAY_FAIL (or another value WeChat adds).
	TradeState string
	TotalFen   int64
	BankType   string
	UserRepaid string
	TimeEnd    time.Time
	ErrCode    string
	Fields     map[string]string
}

// HandlersV2 are the vendor's callbacks for APIv2 notifications.
type HandlersV2 struct {
	OnPlateState func(ctx context.Context, e *V2PlateEvent) error
	OnPayment    func(ctx context.Context, e *V2PaymentEvent) error
	// Dedup is NewMemoryDedup(0, nil) when nil. APIv2 notifications have no
	// id: payments are keyed by out_trade_no and trade_state, plate events by
	// plate, event type and event time.
	Dedup DedupStore
}

// ParseNotificationV2 reads an APIv2 XML notification and checks its sign
// with the APIv2 key (using the notification's own sign_type, MD5 when
// absent). Unknown fields take part in the sign, as WeChat requires.
func (c *Client) ParseNotificationV2(r *http.Request) (map[string]string, error) {
	if c.s.apiV2Key == "" {
		return nil, errors.New("wechatpay: APIv2 notifications need the APIv2 key (WithAPIv2Key)")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBytes+1))
	if err != nil || len(body) > MaxNotificationBytes {
		return nil, fmt.Errorf("wechatpay: v2 notification: %w: unreadable or over %d bytes", ErrNotificationMalformed, MaxNotificationBytes)
	}
	p, err := decodeXML(body)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: v2 notification: %w: %v", ErrNotificationMalformed, err)
	}
	if err := signing.VerifyV2(p, c.s.apiV2Key); err != nil {
		return nil, fmt.Errorf("wechatpay: v2 notification: %w: %v", ErrSignature, err)
	}
	return p, nil
}

// NotifyHandlerV2 returns the http.Handler for APIv2 notifications (plate
// state and payment results). It answers the exact XML WeChat expects:
// return_code SUCCESS when handled, FAIL to ask for a resend.
func (c *Client) NotifyHandlerV2(h HandlersV2) http.Handler {
	if h.Dedup == nil {
		h.Dedup = NewMemoryDedup(0, nil)
	}
	answer := func(w http.ResponseWriter, ok bool, msg string) {
		code := "FAIL"
		if ok {
			code = "SUCCESS"
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(encodeXML(map[string]string{"return_code": code, "return_msg": msg}))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := c.ParseNotificationV2(r)
		if err != nil {
			c.log.Warn("wechatpay v2 notification refused", "error", err)
			answer(w, false, "invalid notification")
			return
		}
		var key string
		var run func(ctx context.Context) error
		switch {
		case p["vehicle_event_type"] != "":
			e := &V2PlateEvent{PlateNumber: p["plate_number"], EventType: p["vehicle_event_type"], Description: p["vehicle_event_des"],
				DeductMode: p["deduct_mode"], CreateTime: parseTime14(p["vehicle_event_createtime"]), Fields: p}
			key = "v2plate|" + e.PlateNumber + "|" + e.EventType + "|" + p["vehicle_event_createtime"]
			run = func(ctx context.Context) error {
				if h.OnPlateState == nil {
					return nil
				}
				return h.OnPlateState(ctx, e)
			}
		case p["out_trade_no"] != "":
			total, _ := strconv.ParseInt(p["total_fee"], 10, 64)
			e := &V2PaymentEvent{OutTradeNo: p["out_trade_no"], TransactionID: p["transaction_id"], TradeState: p["trade_state"],
				TotalFen: total, BankType: p["bank_type"], UserRepaid: p["user_repaid"], TimeEnd: parseTime14(p["time_end"]),
				ErrCode: p["err_code"], Fields: p}
			if e.TradeState == "" {
				e.TradeState = map[bool]string{true: "SUCCESS", false: "PAY_FAIL"}[p["result_code"] == "SUCCESS"]
			}
			key = "v2pay|" + e.OutTradeNo + "|" + e.TradeState + "|" + e.UserRepaid
			run = func(ctx context.Context) error {
				if h.OnPayment == nil {
					return nil
				}
				return h.OnPayment(ctx, e)
			}
		default:
			answer(w, true, "OK")
			return
		}
		ctx := r.Context()
		state, err := h.Dedup.Begin(ctx, key)
		switch {
		case err != nil:
			answer(w, false, "dedup store unavailable")
			return
		case state == DedupDone:
			answer(w, true, "OK")
			return
		case state == DedupInProgress:
			answer(w, false, "in progress")
			return
		}
		if err := run(ctx); err != nil {
			_ = h.Dedup.Finish(ctx, key, false)
			c.log.Warn("wechatpay v2 notification not processed", "error", err)
			answer(w, false, "not processed")
			return
		}
		_ = h.Dedup.Finish(ctx, key, true)
		answer(w, true, "OK")
	})
}
