// Package billing prices parking stays the way Chinese lots charge: a
// declarative tariff (the parking-tariff/v1 JSON model) in, an exact fee in
// integer fen with an itemised receipt out. It depends only on the standard
// library.
//
// A rule is loaded once with ParseRule, which refuses anything that could
// misprice a stay (unknown fields, overlapping slots, a closed last tier, a
// tier span that is not a whole number of units, negative prices, percents
// outside 1–100, a time zone other than Asia/Shanghai …) with a *RuleError
// naming the JSON pointer of the fault. The loaded *Rule is immutable and
// safe for concurrent use; share one per lot.
//
// (*Rule).Quote prices a Stay through the model's evaluation order:
// duration precision, vehicle profile (exempt, monthly pass, new-energy
// free time and percent, per-class bands and caps), grace after
// prepayment, free period, start shifts, bands and units, segment caps,
// day-window caps (calendar days with any start time, or rolling 24 h from
// entry, escalating), the stay maximum, then discounts and coupons. Every
// choice where tariffs read two ways is a named rule field, and both
// readings are implemented.
//
// The Quote lists each run of equal units (band, tier, window, unit price,
// start and end) and each flat charge as an Item, and each cap, discount,
// coupon and prepayment as an Adjustment with how much it took off, so
// ChargedFen minus the adjustments is TotalFen. Runs are priced
// arithmetically: the work grows with the band segments and windows a
// stay crosses, not with its minutes. A second-by-second reference in the
// tests agrees with Quote on thousands of random rules and stays.
//
// Times: all local dates and clock times are Asia/Shanghai (a fixed UTC+8
// zone, no tzdata needed); stays given in any zone are converted, and
// fractions of a second are dropped. Money is int64 fen throughout, and
// every rule number is bounded (MaxValue) so no quote can overflow.
//
// Choices the model leaves open, made here:
//   - Grace compares the actual exit (before duration_precision) with
//     paid_at + grace, since grace is about when the car physically left.
//   - A monthly-pass or rebilled stay is re-based: its day windows are
//     anchored at the new start.
//   - Rebilling after grace (rebill_from_payment_time) keeps the vehicle's
//     pay_percent (a class discount, not a coupon) but drops coupons and
//     every free period and start shift.
//   - A time coupon's Adjustment says how much it saved by pricing the stay
//     once more without it.
//   - Stays longer than MaxStay (about ten years) are refused as clock
//     errors.
package billing
