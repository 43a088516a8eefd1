package billing

import (
	"math"
	"time"
)

// CouponType names a kind of coupon (tariff-model §1, stay inputs).
type CouponType string

// Coupon types.
const (
	// CouponMinutes moves the billing start later by Value minutes.
	CouponMinutes CouponType = "minutes_from_start"
	// CouponAmount takes Value fen off the fee (never below zero).
	CouponAmount CouponType = "amount_fen"
	// CouponPercent leaves Value percent (1–100) of the fee to pay.
	CouponPercent CouponType = "pay_percent"
	// CouponFreeStay makes the stay free.
	CouponFreeStay CouponType = "free_stay"
)

// Coupon is a merchant coupon applied to a stay.
type Coupon struct {
	Type  CouponType `json:"type"`
	Value int64      `json:"value,omitempty"`
}

// Prepayment is money paid before exit (at a pay station or by scanning a
// code); the rule's grace settings decide what the exit then costs.
type Prepayment struct {
	PaidAt  time.Time `json:"paid_at"`
	PaidFen int64     `json:"paid_fen"`
}

// Stay is what is priced. Times may be in any zone; they are read as
// instants and truncated to whole seconds.
type Stay struct {
	Entry, Exit time.Time
	// Vehicle is the class ("small", "large", "new_energy", "monthly",
	// "whitelist" …). A class the rule has no overrides for is priced by the
	// base rule.
	Vehicle string
	Coupons []Coupon
	// Prepaid is nil when nothing was paid before exit.
	Prepaid *Prepayment
	// PassValidUntil is when a monthly pass expires; zero when there is
	// none. It matters only for classes with monthly_pass.
	PassValidUntil time.Time
}

// ItemKind tells a unit charge from a flat one.
type ItemKind string

// Item kinds.
const (
	ItemUnits ItemKind = "units" // one or more equal units of a tier
	ItemFlat  ItemKind = "flat"  // a band's flat fee for its segment
)

// Item is one line of the itemised charges, in time order. A run of equal
// units (same band, tier, window and price) is one item, so a 30-day stay
// prints as tens of lines, not thousands.
type Item struct {
	Kind   ItemKind
	Band   string
	Start  time.Time // the first unit's start, or the flat charge's instant
	End    time.Time // the last unit's end, or the end of the flat segment
	Window int       // day window of Start (0 = the window of entry)
	// Tier is the 0-based tier of the units; UnitMinutes and UnitFen are
	// its unit. For ItemFlat they are 0 and the segment's flat fee.
	Tier        int
	Units       int64
	UnitMinutes int64
	UnitFen     int64
	// Partial is true for a unit shortened by exit or a band edge and
	// priced by the partial-unit rule (its Fen may then be 0).
	Partial bool
	Fen     int64
}

// AdjustmentKind names what changed the fee after the charges.
type AdjustmentKind string

// Adjustment kinds, in the order they apply.
const (
	AdjSegmentCap     AdjustmentKind = "segment_cap"      // cap_fen_per_segment of a band
	AdjWindowCap      AdjustmentKind = "window_cap"       // cap_fen_per_window
	AdjStayCap        AdjustmentKind = "stay_cap"         // max_total_fen_per_stay
	AdjCouponMinutes  AdjustmentKind = "coupon_minutes"   // time coupons, and how much they saved
	AdjVehiclePercent AdjustmentKind = "vehicle_percent"  // the class's pay_percent
	AdjCouponPercent  AdjustmentKind = "coupon_percent"   // a pay_percent coupon
	AdjCouponAmount   AdjustmentKind = "coupon_amount"    // amount_fen coupons together
	AdjCouponFreeStay AdjustmentKind = "coupon_free_stay" // a free_stay coupon
	AdjPrepaid        AdjustmentKind = "prepaid"          // what was paid before exit
)

// Adjustment is one reduction of the fee, with how much it took off.
type Adjustment struct {
	Kind   AdjustmentKind
	Band   string    // for AdjSegmentCap
	Start  time.Time // for AdjSegmentCap: the segment's first charge
	Window int       // for AdjWindowCap
	// Fen is how much this step took off (≥ 0).
	Fen int64
	// Limit is the figure the step applied: the cap or maximum in fen
	// (caps), the percent left to pay (percents), the minutes (time
	// coupons), the coupons' total value (amount coupons) or the amount
	// paid (prepaid).
	Limit int64
}

// Quote is the price of a stay with its breakdown.
type Quote struct {
	// TotalFen is what to charge, in fen (≥ 0).
	TotalFen int64
	// Entry and Exit are the stay as priced: Exit after duration_precision,
	// Entry re-based to the pass expiry or the payment time where the rule
	// says so. Both in Asia/Shanghai.
	Entry, Exit time.Time
	// BillingStart is where charging began, after the free period and time
	// coupons; zero when nothing was charged.
	BillingStart time.Time
	// ChargedFen is the sum of Items, before caps and discounts.
	ChargedFen  int64
	Items       []Item
	Adjustments []Adjustment
	// Note explains a total reached without charges: "exempt vehicle",
	// "monthly pass valid at exit", "within the free period", "within the
	// grace period after prepayment", "zero-length stay", or how the pass
	// or prepayment re-based the stay.
	Note string
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// item is the internal, pointer-free form of Item (a run of equal units
// or a flat charge), kept small because long stays have many.
type item struct {
	start, end int64
	seg        int64 // identity of the band segment: its end, capped at exit
	unitFen    int64
	fen        int64 // charged
	net        int64 // after the segment cap
	units      int32
	unit       int32 // seconds
	win        int32
	band       int16
	tier       int8
	flat       bool
	partial    bool
}

// quoter prices one stay of one vehicle profile.
type quoter struct {
	r         *Rule
	p         *profile
	anchor    int64 // window anchor: the stay's (re-based) entry
	anchorWin int64 // calendar-day number of the anchor's window
	items     []item
	adjs      []Adjustment

	// A one-day cache of the schedule: the walk visits days in order.
	cacheDay   int64
	cacheSlots []slot
}

func (q *quoter) slotsOn(d int64) []slot {
	if q.cacheSlots == nil || q.cacheDay != d {
		q.cacheDay, q.cacheSlots = d, q.r.slotsOn(d)
	}
	return q.cacheSlots
}

// bandAt returns the band id at Unix time t.
func (q *quoter) bandAt(t int64) int {
	d := localDay(t)
	return bandIn(q.slotsOn(d), t-localMidnight(d))
}

// segmentEnd returns the first instant after t, up to limit, at which the
// band changes from the one at t (limit if it does not change before).
// Runs of the same band continue across slots and midnights.
func (q *quoter) segmentEnd(t, limit int64) int64 {
	cur := q.bandAt(t)
	d := localDay(t)
	sec := t - localMidnight(d)
	for {
		mid := localMidnight(d)
		if mid >= limit {
			return limit
		}
		for _, s := range q.slotsOn(d) {
			if s.from <= sec {
				continue
			}
			at := mid + s.from
			if at >= limit {
				return limit
			}
			if s.band != cur {
				return at
			}
		}
		d++ // the next day's 00:00 slot is a boundary too
		sec = -1
	}
}

func (q *quoter) setAnchor(a int64) {
	q.anchor = a
	q.anchorWin = floorDiv(a+int64(utcOffset)-q.r.window.start, day)
}

func (q *quoter) window(t int64) (win, end int64) {
	switch q.r.window.kind {
	case windowCalendarDay:
		off := int64(utcOffset) - q.r.window.start
		w := floorDiv(t+off, day)
		return w - q.anchorWin, (w+1)*day - off
	case windowRolling:
		w := floorDiv(t-q.anchor, day)
		return w, q.anchor + (w+1)*day
	}
	return 0, -1
}

// walk is step 8: charges from S to end, in runs of equal units.
func (q *quoter) walk(S, end int64) {
	r, p := q.r, q.p
	if q.items == nil {
		// Typically a few runs per band segment and window crossed.
		q.items = make([]item, 0, 4+4*(end-S)/day)
	}
	var clock int64
	var prevSeg, prevWin int64
	havePrev := false
	// The current band segment [segStart, segEnd) with band b; a run that
	// ends inside it reuses it instead of searching the schedule again.
	segStart, segEnd, b := int64(1), int64(0), 0
	for t := S; t < end; {
		if t < segStart || t >= segEnd {
			segStart, b, segEnd = t, q.bandAt(t), q.segmentEnd(t, end)
		}
		bd := &p.bands[b]
		switch bd.kind {
		case bandNoCharge:
			t = segEnd
			continue
		case bandFlat:
			w, _ := q.window(t)
			q.items = append(q.items, item{flat: true, band: int16(b), start: t, end: segEnd, seg: segEnd, win: int32(w), units: 1, unitFen: bd.flat, fen: bd.flat})
			t = segEnd
			continue
		}
		win, winEnd := q.window(t)
		if havePrev && ((r.restartOnBand && segEnd != prevSeg) || (r.window.restart && win != prevWin)) {
			clock = 0
		}
		prevSeg, prevWin, havePrev = segEnd, win, true
		ti := bd.tierAt(clock)
		tr := &bd.tiers[ti]
		limit := end
		if r.cutUnits {
			limit = segEnd
		}
		// How many whole units can start here in one run: they must fit
		// before the limit, start below the tier's edge, start in this
		// window and (carry mode) start in this segment.
		k := min((limit-t)/tr.unit, math.MaxInt32)
		if tr.upTo >= 0 {
			k = min(k, ceilDiv(tr.upTo-clock, tr.unit))
		}
		if winEnd >= 0 {
			k = min(k, ceilDiv(winEnd-t, tr.unit))
		}
		if !r.cutUnits {
			k = min(k, ceilDiv(segEnd-t, tr.unit))
		}
		it := item{band: int16(b), start: t, seg: segEnd, win: int32(win), tier: int8(ti), unit: int32(tr.unit), unitFen: tr.fen}
		if k >= 1 {
			it.units, it.end, it.fen = int32(k), t+k*tr.unit, k*tr.fen
		} else {
			n := limit - t // shorter than a unit: cut by exit or the band edge
			it.units, it.end, it.partial, it.fen = 1, limit, true, tr.partial.price(n, tr.unit, tr.fen)
		}
		q.items = append(q.items, it)
		clock += it.end - it.start
		t = it.end
	}
}

// capped applies steps 9–11 to the items and returns the fee.
func (q *quoter) capped() int64 {
	r, p := q.r, q.p
	if q.adjs == nil && len(q.items) > 8 {
		q.adjs = make([]Adjustment, 0, 4+len(q.items)*2/3)
	}
	var total int64
	// 9. Segment caps, in time order; items of one segment are contiguous.
	var segRun, segCut int64
	for i := range q.items {
		it := &q.items[i]
		if i == 0 || it.seg != q.items[i-1].seg || it.band != q.items[i-1].band {
			segRun, segCut = 0, 0
		}
		net := it.fen
		if c := p.bands[it.band].cap; c >= 0 {
			allowed := min(net, max(0, c-segRun))
			segCut += net - allowed
			net = allowed
			segRun += net
			lastOfSeg := i == len(q.items)-1 || q.items[i+1].seg != it.seg || q.items[i+1].band != it.band
			if lastOfSeg && segCut > 0 {
				first := i
				for first > 0 && q.items[first-1].seg == it.seg && q.items[first-1].band == it.band {
					first--
				}
				q.adjs = append(q.adjs, Adjustment{Kind: AdjSegmentCap, Band: r.bandNames[it.band],
					Start: local(q.items[first].start), Fen: segCut, Limit: c})
			}
		}
		it.net = net
		total += net
	}
	// 10. Window caps.
	if len(p.caps) > 0 {
		total = 0
		for i := 0; i < len(q.items); {
			w := int64(q.items[i].win)
			var sum int64
			for ; i < len(q.items) && int64(q.items[i].win) == w; i++ {
				sum += q.items[i].net
			}
			c := p.caps[min(w, int64(len(p.caps)-1))]
			if sum > c {
				q.adjs = append(q.adjs, Adjustment{Kind: AdjWindowCap, Window: int(w), Fen: sum - c, Limit: c})
				sum = c
			}
			total += sum
		}
	}
	// 11. The stay maximum.
	if p.maxTotal >= 0 && total > p.maxTotal {
		q.adjs = append(q.adjs, Adjustment{Kind: AdjStayCap, Fen: total - p.maxTotal, Limit: p.maxTotal})
		total = p.maxTotal
	}
	return total
}
