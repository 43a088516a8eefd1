package billing

// A deliberately naive reference: it walks the stay one second at a time and
// applies the rule's words literally — a unit runs until it has lasted its
// length, the exit comes, or (when cutting) the band changes; a flat band is
// charged the first second no unit covers it; caps and discounts are applied
// to the item list exactly as tariff-model §3 words them. Quote must agree
// with it on every rule and stay.

type refItem struct {
	band, seg int
	win       int64
	fen       int64
}

func refQuote(r *Rule, s Stay) (int64, error) {
	if err := validateStay(&s); err != nil {
		return 0, err
	}
	entry, exit := s.Entry.Unix(), s.Exit.Unix()
	d := exit - entry
	switch r.precision {
	case precisionFloorMinute:
		d -= d % 60
	case precisionCeilMinute:
		if d%60 != 0 {
			d += 60 - d%60
		}
	}
	exitP := entry + d
	p := r.profile(s.Vehicle)
	if p.exempt {
		return 0, nil
	}
	start, noFree := entry, false
	if p.monthly {
		if s.PassValidUntil.IsZero() {
			return 0, nil
		}
		exp := s.PassValidUntil.Unix()
		if exp >= exitP {
			return 0, nil
		}
		if entry < exp {
			start, noFree = exp, true
		}
	}
	if s.Prepaid != nil {
		paidAt := s.Prepaid.PaidAt.Unix()
		if exit <= paidAt+r.grace.secs {
			return 0, nil
		}
		if r.grace.rebill {
			return refPrice(r, p, paidAt, exitP, true, nil), nil
		}
		return max(0, refPrice(r, p, start, exitP, noFree, s.Coupons)-s.Prepaid.PaidFen), nil
	}
	return refPrice(r, p, start, exitP, noFree, s.Coupons), nil
}

func refPrice(r *Rule, p *profile, start, exitP int64, noFree bool, coupons []Coupon) int64 {
	if exitP == start {
		return 0
	}
	S := start
	if !noFree {
		dur := exitP - start
		if p.free.equalFree && dur <= p.free.secs || !p.free.equalFree && dur < p.free.secs {
			return 0
		}
		if p.free.deducted {
			S = start + p.free.secs
		}
	}
	S += p.freeFromStart
	for _, c := range coupons {
		if c.Type == CouponMinutes {
			S += c.Value * 60
		}
	}
	var fee int64
	if S < exitP {
		items := refWalk(r, p, start, S, exitP)
		fee = refCaps(p, items)
	}
	if p.payPercent > 0 {
		fee = fee * p.payPercent / 100
	}
	var amount int64
	for _, c := range coupons {
		switch c.Type {
		case CouponPercent:
			fee = fee * c.Value / 100
		case CouponAmount:
			amount += c.Value
		}
	}
	fee -= amount
	if fee < 0 {
		fee = 0
	}
	for _, c := range coupons {
		if c.Type == CouponFreeStay {
			fee = 0
		}
	}
	return fee
}

// refWindow numbers the window containing t, counting from the window that
// contains the anchor.
func refWindow(r *Rule, anchor, t int64) int64 {
	switch r.window.kind {
	case windowCalendarDay:
		shift := r.window.start
		return localDay(t-shift) - localDay(anchor-shift)
	case windowRolling:
		w := (t - anchor) / day
		return w
	}
	return 0
}

func refWalk(r *Rule, p *profile, anchor, S, end int64) []refItem {
	var items []refItem
	seg := 0
	flatCharged := map[int]bool{}
	var clock int64
	inUnit := false
	var uStart, uLen, uFen int64
	var uBand, uSeg int
	var uPartial partialRule
	lastSeg, lastWin := -1, int64(-1)
	closeUnit := func(t int64) {
		n := t - uStart
		fen := uFen
		if n < uLen {
			fen = uPartial.price(n, uLen, uFen)
		}
		items = append(items, refItem{band: uBand, seg: uSeg, win: refWindow(r, anchor, uStart), fen: fen})
		clock += n
		inUnit = false
	}
	prevBand := r.bandAt(S)
	for t := S; t < end; t++ {
		b := r.bandAt(t)
		if b != prevBand {
			seg++
			prevBand = b
		}
		if inUnit && (t-uStart == uLen || r.cutUnits && seg != uSeg) {
			closeUnit(t)
		}
		if inUnit {
			continue
		}
		bd := &p.bands[b]
		switch bd.kind {
		case bandNoCharge:
			continue
		case bandFlat:
			if !flatCharged[seg] {
				flatCharged[seg] = true
				items = append(items, refItem{band: b, seg: seg, win: refWindow(r, anchor, t), fen: bd.flat})
			}
			continue
		}
		win := refWindow(r, anchor, t)
		if lastSeg >= 0 && (r.restartOnBand && seg != lastSeg || r.window.restart && win != lastWin) {
			clock = 0
		}
		lastSeg, lastWin = seg, win
		// The first tier whose edge is above the clock, or the open last one.
		ti := len(bd.tiers) - 1
		for i, tr := range bd.tiers {
			if tr.upTo < 0 || tr.upTo > clock {
				ti = i
				break
			}
		}
		inUnit = true
		uStart, uLen, uFen, uBand, uSeg, uPartial = t, bd.tiers[ti].unit, bd.tiers[ti].fen, b, seg, bd.tiers[ti].partial
	}
	if inUnit {
		closeUnit(end)
	}
	return items
}

func refCaps(p *profile, items []refItem) int64 {
	// Segment caps: running total per (segment), in time order.
	running := map[int]int64{}
	for i := range items {
		it := &items[i]
		c := p.bands[it.band].cap
		if c < 0 {
			continue
		}
		allowed := c - running[it.seg]
		if allowed < 0 {
			allowed = 0
		}
		if it.fen > allowed {
			it.fen = allowed
		}
		running[it.seg] += it.fen
	}
	perWindow := map[int64]int64{}
	for _, it := range items {
		perWindow[it.win] += it.fen
	}
	var total int64
	for w, sum := range perWindow {
		if len(p.caps) > 0 {
			k := w
			if k > int64(len(p.caps)-1) {
				k = int64(len(p.caps) - 1)
			}
			if sum > p.caps[k] {
				sum = p.caps[k]
			}
		}
		total += sum
	}
	if p.maxTotal >= 0 && total > p.maxTotal {
		total = p.maxTotal
	}
	return total
}

// bandAt is the reference's own schedule lookup, fresh for every second.
func (r *Rule) bandAt(t int64) int {
	d := localDay(t)
	return bandIn(r.slotsOn(d), t-localMidnight(d))
}
