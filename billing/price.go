package billing

import (
	"strconv"
	"time"
)

// Quote prices a stay under the rule, following the evaluation order of
// tariff-model §3: precision, vehicle profile, grace, free period, start
// shifts, bands and units, segment caps, window caps, the stay maximum,
// then discounts and coupons.
//
// Errors: *StayError matching ErrExitBeforeEntry, ErrPaidAtOutsideStay or
// ErrInvalidStay. Quote never panics and never returns a negative total.
func (r *Rule) Quote(s Stay) (Quote, error) {
	if err := validateStay(&s); err != nil {
		return Quote{}, err
	}
	entry, exit := s.Entry.Unix(), s.Exit.Unix()

	// 2. Precision.
	length := exit - entry
	switch r.precision {
	case precisionFloorMinute:
		length = length / 60 * 60
	case precisionCeilMinute:
		length = ceilDiv(length, 60) * 60
	}
	exitP := entry + length

	// 3. Vehicle profile.
	p := r.profile(s.Vehicle)
	q := &quoter{r: r, p: p}
	out := Quote{Entry: local(entry), Exit: local(exitP)}
	if p.exempt {
		out.Note = "exempt vehicle"
		return out, nil
	}
	start, noFree := entry, false
	if p.monthly {
		if s.PassValidUntil.IsZero() {
			out.Note = "monthly pass (no expiry given)"
			return out, nil
		}
		exp := s.PassValidUntil.Unix()
		switch {
		case exp >= exitP:
			out.Note = "monthly pass valid at exit"
			return out, nil
		case exp > entry:
			start, noFree = exp, true
			out.Note = "monthly pass expired during the stay: billed from its expiry, without free period"
		}
	}

	// 4. Grace after prepayment.
	if pp := s.Prepaid; pp != nil {
		paidAt := pp.PaidAt.Unix()
		if exit <= paidAt+r.grace.secs {
			out.Note = "within the grace period after prepayment"
			return out, nil
		}
		if r.grace.rebill {
			out.Entry = local(paidAt)
			out.Note = "left after the grace period: billed again from the payment time"
			q.price(&out, paidAt, exitP, true, nil)
			return out, nil
		}
		q.price(&out, start, exitP, noFree, s.Coupons)
		paid := min(out.TotalFen, pp.PaidFen)
		if paid > 0 {
			q.adjs = append(q.adjs, Adjustment{Kind: AdjPrepaid, Fen: paid, Limit: pp.PaidFen})
			out.TotalFen -= paid
			out.Adjustments = q.adjs
		}
		return out, nil
	}
	q.price(&out, start, exitP, noFree, s.Coupons)
	return out, nil
}

// price runs steps 5–12 for the stay [start, exitP) and fills out.
func (q *quoter) price(out *Quote, start, exitP int64, noFree bool, coupons []Coupon) {
	out.Entry = local(start)
	q.setAnchor(start)
	// 5. Zero length.
	if exitP == start {
		out.Note = joinNote(out.Note, "zero-length stay")
		return
	}
	// 6. Free period.
	S := start
	if !noFree {
		f := q.p.free
		d := exitP - start
		if d < f.secs || (f.equalFree && d == f.secs) {
			out.Note = joinNote(out.Note, "within the free period")
			return
		}
		if f.deducted {
			S += f.secs
		}
	}
	// 7. Start shifts: the vehicle's free minutes, then time coupons.
	S += q.p.freeFromStart
	var couponSecs int64
	for _, c := range coupons {
		if c.Type == CouponMinutes {
			couponSecs += c.Value * 60
		}
	}
	fee := q.charge(out, S+couponSecs, exitP)
	if couponSecs > 0 {
		// What the time coupons saved: the same stay priced without them.
		sub := quoter{r: q.r, p: q.p, anchor: q.anchor, anchorWin: q.anchorWin, items: make([]item, 0, len(q.items)+2)}
		sub.walk(S, exitP)
		q.adjs = append(q.adjs, Adjustment{Kind: AdjCouponMinutes, Fen: max(0, sub.capped()-fee), Limit: couponSecs / 60})
	}

	// 12. Discounts and coupons, on what the tariff asks (caps included).
	if pct := q.p.payPercent; pct > 0 {
		next := fee * pct / 100
		q.adjs = append(q.adjs, Adjustment{Kind: AdjVehiclePercent, Fen: fee - next, Limit: pct})
		fee = next
	}
	var amount int64
	free := false
	for _, c := range coupons {
		switch c.Type {
		case CouponPercent:
			next := fee * c.Value / 100
			q.adjs = append(q.adjs, Adjustment{Kind: AdjCouponPercent, Fen: fee - next, Limit: c.Value})
			fee = next
		case CouponAmount:
			amount += c.Value
		case CouponFreeStay:
			free = true
		}
	}
	if amount > 0 {
		off := min(fee, amount)
		q.adjs = append(q.adjs, Adjustment{Kind: AdjCouponAmount, Fen: off, Limit: amount})
		fee -= off
	}
	if free {
		q.adjs = append(q.adjs, Adjustment{Kind: AdjCouponFreeStay, Fen: fee})
		fee = 0
	}
	out.TotalFen = fee
	out.Adjustments = q.adjs
}

// charge runs steps 8–11 from S and records the items; it returns the
// capped fee.
func (q *quoter) charge(out *Quote, S, exitP int64) int64 {
	if S >= exitP {
		return 0
	}
	q.walk(S, exitP)
	fee := q.capped()
	if len(q.items) > 0 {
		out.BillingStart = local(S)
	}
	out.Items = make([]Item, len(q.items))
	for i, it := range q.items {
		kind := ItemUnits
		if it.flat {
			kind = ItemFlat
		}
		out.Items[i] = Item{Kind: kind, Band: q.r.bandNames[it.band], Start: local(it.start), End: local(it.end),
			Window: int(it.win), Tier: int(it.tier), Units: int64(it.units), UnitMinutes: int64(it.unit) / 60, UnitFen: it.unitFen,
			Partial: it.partial, Fen: it.fen}
		out.ChargedFen += it.fen
	}
	return fee
}

func local(unix int64) time.Time { return time.Unix(unix, 0).In(Shanghai) }

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func validateStay(s *Stay) error {
	if s.Entry.IsZero() {
		return stayErr("entry", ErrInvalidStay, "entry time is missing")
	}
	if s.Exit.IsZero() {
		return stayErr("exit", ErrInvalidStay, "exit time is missing")
	}
	if s.Exit.Unix() < s.Entry.Unix() {
		return stayErr("exit", ErrExitBeforeEntry, "exit %s is before entry %s", s.Exit.Format(time.RFC3339), s.Entry.Format(time.RFC3339))
	}
	if s.Exit.Unix()-s.Entry.Unix() > int64(MaxStay/time.Second) {
		return stayErr("exit", ErrInvalidStay, "a stay of %v is longer than %v; check the lane clock", s.Exit.Sub(s.Entry), MaxStay)
	}
	for i, c := range s.Coupons {
		f := "coupons[" + strconv.Itoa(i) + "]"
		switch c.Type {
		case CouponMinutes, CouponAmount:
			if c.Value < 0 || c.Value > MaxValue {
				return stayErr(f+".value", ErrInvalidStay, "value %d is outside 0–%d", c.Value, MaxValue)
			}
		case CouponPercent:
			if c.Value < 1 || c.Value > 100 {
				return stayErr(f+".value", ErrInvalidStay, "percent %d is outside 1–100", c.Value)
			}
		case CouponFreeStay:
		default:
			return stayErr(f+".type", ErrInvalidStay, "unknown coupon type %q", c.Type)
		}
	}
	if pp := s.Prepaid; pp != nil {
		if pp.PaidAt.IsZero() {
			return stayErr("prepaid.paid_at", ErrInvalidStay, "paid_at is missing")
		}
		if pp.PaidAt.Unix() < s.Entry.Unix() || pp.PaidAt.Unix() > s.Exit.Unix() {
			return stayErr("prepaid.paid_at", ErrPaidAtOutsideStay, "paid at %s, outside the stay", pp.PaidAt.Format(time.RFC3339))
		}
		if pp.PaidFen < 0 {
			return stayErr("prepaid.paid_fen", ErrInvalidStay, "negative amount %d", pp.PaidFen)
		}
	}
	return nil
}
