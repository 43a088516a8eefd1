package gate

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatepay/gatepay/client"
)

// NotifyHandler serves WeChat's APIv3 notifications (mount it at
// ParkingNotifyURL and PayNotifyURL): payment results move stays to paid,
// arrears (for 追缴) or settled; entrance-state changes update whether a
// stay can still be paid contactlessly. Deliveries are verified,
// de-duplicated by id (dedup nil: in memory), and applied so that a late
// or repeated one never undoes a newer state.
func (c *Controller) NotifyHandler(dedup client.DedupStore) http.Handler {
	return c.cfg.Client.NotifyHandler(client.Handlers{
		Dedup: dedup,
		OnTransaction: func(ctx context.Context, e *client.TransactionEvent) error {
			st, err := c.cfg.Store.FindStay(ctx, e.OutTradeNo, "")
			if errors.Is(err, ErrNotFound) {
				c.log.Warn("gate: payment result for an unknown order", "event", e.EventType)
				return nil // not ours: acknowledge
			}
			if err != nil {
				return err // ask WeChat to resend
			}
			c.applyTrade(st.ID, e.TradeState, e.TransactionID, e.BankType, e.UserRepaid, e.EventType)
			_ = c.cfg.Store.AddEvent(ctx, EventRecord{Time: c.now(), StayID: st.ID, Kind: "callback", Plate: st.Plate,
				Detail: e.EventType + " " + string(e.TradeState)})
			return nil
		},
		OnParkingState: func(ctx context.Context, e *client.ParkingStateEvent) error {
			st, err := c.cfg.Store.FindStay(ctx, "", e.ParkingID)
			if errors.Is(err, ErrNotFound) {
				st, err = c.cfg.Store.GetStay(ctx, e.OutParkingNo)
			}
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = c.update(ctx, st.ID, func(s *Stay) bool {
				if s.ServiceState == e.ParkingState && s.BlockReason == e.BlockedStateDescription {
					return false
				}
				s.ServiceState, s.BlockReason = e.ParkingState, e.BlockedStateDescription
				if s.ParkingID == "" {
					s.ParkingID = e.ParkingID
				}
				return true
			})
			return err
		},
	})
}

// NotifyHandlerV2 is NotifyHandler for the APIv2 scenes' XML callbacks.
func (c *Controller) NotifyHandlerV2(dedup client.DedupStore) http.Handler {
	return c.cfg.Client.NotifyHandlerV2(client.HandlersV2{
		Dedup: dedup,
		OnPayment: func(ctx context.Context, e *client.V2PaymentEvent) error {
			st, err := c.cfg.Store.FindStay(ctx, e.OutTradeNo, "")
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			c.applyTrade(st.ID, client.TradeState(v2State(e.TradeState)), e.TransactionID, e.BankType, e.UserRepaid, "")
			return nil
		},
		OnPlateState: func(ctx context.Context, e *client.V2PlateEvent) error {
			st, err := c.cfg.Store.OpenStay(ctx, e.PlateNumber)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = c.update(ctx, st.ID, func(s *Stay) bool {
				s.ServiceState, s.BlockReason = e.EventType, e.Description
				return true
			})
			return err
		},
	})
}
