package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatepay/gatepay/client"
)

// outcome of one attempt at an outbox item.
type outcome int

const (
	outcomeDone    outcome = iota // final answer applied
	outcomeUnknown                // no definite answer: query first next time
	outcomeRetry                  // a definite failure worth retrying (rate limit, server)
	outcomeCrashed                // the process "died" (tests): nothing more happens
)

// retryAfter is the outbox backoff: 2 s doubling, at most 5 minutes.
func retryAfter(attempts int) time.Duration {
	d := 2 * time.Second << min(attempts, 10)
	return min(d, 5*time.Minute)
}

// attempt makes one attempt at an item this controller holds, applies the
// result to the stay and releases the item (done, or rescheduled). It
// never makes a new order number: the payload is re-sent unchanged. Only
// the first attempt made right after the item was stored (fresh) sends a
// deduction straight away; any other attempt — after an unknown outcome, a
// restart, or another process's expired lease — asks WeChat first whether
// the order exists, because a crash may have hidden an earlier send.
func (c *Controller) attempt(ctx context.Context, it OutboxItem, fresh bool) {
	if c.crash != nil && c.crash("before", it) {
		return
	}
	var res outcome
	var err error
	entry := it.Kind == OutboxEntryV3 || it.Kind == OutboxEntryV2
	switch {
	case entry && !c.stayOpen(it.StayID):
		// The car left (paying another way) before its entry was reported:
		// reporting it now would only leave a stay at WeChat no one closes.
		res, err = outcomeDone, errors.New("the stay closed before its entry was reported")
	case it.Kind == OutboxEntryV3:
		res, err = c.tryEntryV3(ctx, it)
	case it.Kind == OutboxDeductV3:
		res, err = c.tryDeductV3(ctx, it, fresh)
	case it.Kind == OutboxEntryV2:
		res, err = c.tryEntryV2(ctx, it)
	case it.Kind == OutboxPayV2:
		res, err = c.tryPayV2(ctx, it, fresh)
	default:
		res, err = outcomeDone, fmt.Errorf("unknown outbox kind %q", it.Kind)
	}
	if res == outcomeCrashed {
		return
	}
	it.Attempts++
	it.LastError = ""
	if err != nil {
		it.LastError = err.Error()
	}
	switch res {
	case outcomeDone:
		it.Done = true
	case outcomeUnknown:
		it.Unknown = true
		it.NextAt = c.now().Add(retryAfter(it.Attempts))
	case outcomeRetry:
		it.NextAt = c.now().Add(retryAfter(it.Attempts))
	}
	sctx, cancel := storeCtx()
	defer cancel()
	if rerr := c.cfg.Store.Release(sctx, it, c.owner); rerr != nil {
		c.log.Warn("gate: outbox release", "item", it.ID, "error", rerr)
	}
	if err != nil {
		c.log.Info("gate: outbox attempt", "item", it.ID, "attempt", it.Attempts, "done", it.Done, "error", err)
	}
}

func (c *Controller) stayOpen(id string) bool {
	ctx, cancel := storeCtx()
	defer cancel()
	s, err := c.cfg.Store.GetStay(ctx, id)
	return err != nil || s.Status.Open() // when in doubt, report
}

// classify turns a call's error into an outcome: ErrOutcomeUnknown and an
// exhausted budget are unknown; rate limits and server errors retry; other
// API errors are final refusals.
func classify(ctx context.Context, err error) outcome {
	switch {
	case errors.Is(err, client.ErrOutcomeUnknown), ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded):
		return outcomeUnknown
	case errors.Is(err, client.ErrRateLimited), errors.Is(err, client.ErrServer):
		return outcomeRetry
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return outcomeDone
	}
	return outcomeUnknown // a transport failure we cannot place
}

func (c *Controller) tryEntryV3(ctx context.Context, it OutboxItem) (outcome, error) {
	var req client.CreateParkingRequest
	if err := json.Unmarshal(it.Payload, &req); err != nil {
		return outcomeDone, fmt.Errorf("bad payload: %w", err)
	}
	pk, err := c.cfg.Client.CreateParking(ctx, req)
	if err != nil {
		res := classify(ctx, err)
		if res == outcomeDone {
			c.setService(it.StayID, "", "REPORT_FAILED", err.Error())
		}
		return res, err
	}
	c.setService(it.StayID, pk.ID, pk.State, pk.BlockReason)
	return outcomeDone, nil
}

func (c *Controller) tryEntryV2(ctx context.Context, it OutboxItem) (outcome, error) {
	var req client.NotifyEntryRequest
	if err := json.Unmarshal(it.Payload, &req); err != nil {
		return outcomeDone, fmt.Errorf("bad payload: %w", err)
	}
	n, err := c.cfg.Client.NotifyEntry(ctx, req)
	if err != nil {
		return classify(ctx, err), err
	}
	state := "NORMAL"
	if n.UserState != "NORMAL" {
		state = "BLOCKED"
	}
	c.setService(it.StayID, "", state, n.UserState)
	return outcomeDone, nil
}

// setService records what WeChat said of a stay's contactless state.
func (c *Controller) setService(stayID, parkingID, state, reason string) {
	ctx, cancel := storeCtx()
	defer cancel()
	if _, err := c.update(ctx, stayID, func(s *Stay) bool {
		if parkingID != "" {
			s.ParkingID = parkingID
		}
		s.ServiceState, s.BlockReason = state, reason
		return true
	}); err != nil {
		c.log.Warn("gate: recording the entry report", "stay", stayID, "error", err)
	}
}

func (c *Controller) tryDeductV3(ctx context.Context, it OutboxItem, fresh bool) (outcome, error) {
	var req client.DeductRequest
	if err := json.Unmarshal(it.Payload, &req); err != nil {
		return outcomeDone, fmt.Errorf("bad payload: %w", err)
	}
	if it.Unknown || !fresh {
		// An earlier attempt may have gone through: ask before sending again.
		txn, err := c.cfg.Client.QueryTransaction(ctx, req.OutTradeNo, req.SubMchID)
		switch {
		case err == nil:
			c.applyTrade(it.StayID, txn.TradeState, txn.TransactionID, txn.BankType, txn.UserRepaid, "")
			return outcomeDone, nil
		case !errors.Is(err, client.ErrNotFound):
			return classify(ctx, err), err
		}
		// Not found: it was never created; send it (the same request).
	}
	txn, err := c.cfg.Client.Deduct(ctx, req)
	if c.crash != nil && c.crash("after", it) {
		return outcomeCrashed, nil
	}
	if err != nil {
		res := classify(ctx, err)
		if res == outcomeDone {
			// A refusal may be WeChat telling us the stay was charged by an
			// earlier attempt of ours: look before calling it refused.
			if q, qerr := c.cfg.Client.QueryTransaction(ctx, req.OutTradeNo, req.SubMchID); qerr == nil {
				c.applyTrade(it.StayID, q.TradeState, q.TransactionID, q.BankType, q.UserRepaid, "")
				return outcomeDone, nil
			}
			c.applyRefusal(it.StayID)
		}
		return res, err
	}
	c.applyTrade(it.StayID, txn.TradeState, txn.TransactionID, txn.BankType, txn.UserRepaid, "")
	return outcomeDone, nil
}

func (c *Controller) tryPayV2(ctx context.Context, it OutboxItem, fresh bool) (outcome, error) {
	var p v2Payload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return outcomeDone, fmt.Errorf("bad payload: %w", err)
	}
	req := p.request()
	query := func() (outcome, error, bool) {
		o, err := c.cfg.Client.QueryOrder(ctx, client.QueryOrderRequest{AppID: req.AppID, SubAppID: req.SubAppID, SubMchID: req.SubMchID, OutTradeNo: req.OutTradeNo})
		switch {
		case err == nil:
			c.applyTrade(it.StayID, client.TradeState(v2State(o.TradeState)), o.TransactionID, o.BankType, "", "")
			return outcomeDone, nil, true
		case errors.Is(err, client.ErrNotFound):
			return 0, nil, false
		}
		return classify(ctx, err), err, true
	}
	if it.Unknown || !fresh {
		if res, err, found := query(); found {
			return res, err
		}
	}
	if _, err := c.cfg.Client.PayApply(ctx, req); err != nil {
		res := classify(ctx, err)
		if res == outcomeDone {
			if r2, err2, found := query(); found && err2 == nil {
				return r2, nil
			}
			c.applyRefusal(it.StayID)
		}
		return res, err
	}
	c.applyTrade(it.StayID, client.TradeAccepted, "", "", "", "")
	return outcomeDone, nil
}

// v2State maps APIv2 trade states to the APIv3 vocabulary.
func v2State(s string) string {
	switch s {
	case "ACCEPT", "USERPAYING", "NOTPAY":
		return string(client.TradeAccepted)
	case "PAYERROR", "PAY_FAIL", "CLOSED", "REVOKED":
		return string(client.TradePayFail)
	}
	return s
}

// applyTrade moves a stay forward on what WeChat says of its deduction.
// States only move forward: a late or repeated report never undoes a later
// one (accepted < paid/arrears < settled).
func (c *Controller) applyTrade(stayID string, state client.TradeState, txnID, bankType, userRepaid, event string) {
	ctx, cancel := storeCtx()
	defer cancel()
	if _, err := c.update(ctx, stayID, func(s *Stay) bool { return advance(s, state, txnID, bankType, userRepaid, event) }); err != nil {
		c.log.Warn("gate: recording a payment result", "stay", stayID, "error", err)
	}
}

func advance(s *Stay, state client.TradeState, txnID, bankType, userRepaid, event string) bool {
	rank := map[StayStatus]int{StatusCharging: 1, StatusRefused: 1, StatusAccepted: 2, StatusPaid: 3, StatusArrears: 3, StatusSettled: 4}
	cur, ours := rank[s.Status]
	if !ours {
		return false // inside, free, paid another way, superseded: not a deduction's to change
	}
	next := s.Status
	switch {
	case event == "TRANSACTION.PAY_BACK" || state.Succeeded() && bankType == "BPA" && userRepaid == "Y":
		next = StatusSettled
	case state.Succeeded():
		next = StatusPaid
	case state.Failed():
		next = StatusArrears
	case state.Accepted():
		next = StatusAccepted
	}
	changed := false
	if rank[next] > cur {
		s.Status, changed = next, true
	}
	if txnID != "" && s.TransactionID == "" {
		s.TransactionID, changed = txnID, true
	}
	return changed
}

// applyRefusal marks a deduction WeChat refused: the car pays another way
// and the stay is listed as unpaid.
func (c *Controller) applyRefusal(stayID string) {
	ctx, cancel := storeCtx()
	defer cancel()
	if _, err := c.update(ctx, stayID, func(s *Stay) bool {
		if s.Status != StatusCharging {
			return false
		}
		s.Status = StatusRefused
		return true
	}); err != nil {
		c.log.Warn("gate: recording a refusal", "stay", stayID, "error", err)
	}
}

// Drain works through every outbox item due now, once, and returns how many
// it attempted. Run calls it in a loop; tests and tools call it directly.
func (c *Controller) Drain(ctx context.Context) (int, error) {
	n := 0
	for {
		items, err := c.cfg.Store.Claim(ctx, c.owner, c.now(), lease, 16)
		if err != nil {
			return n, err
		}
		if len(items) == 0 {
			return n, nil
		}
		for _, it := range items {
			actx, cancel := context.WithTimeout(ctx, 20*time.Second)
			c.attempt(actx, it, false)
			cancel()
			n++
		}
	}
}

// Run works the outbox until ctx ends: every interval (1 s when zero) it
// attempts what is due, so entries and deductions that missed the lane
// budget, or were cut by a restart or an outage, reach WeChat — each with
// its original order number.
func (c *Controller) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := c.Drain(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("gate: outbox", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
