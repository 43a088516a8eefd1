package billing

import (
	"errors"
	"fmt"
)

// Errors a caller can branch on with errors.Is. The texts are the codes the
// tariff model and its example cases use.
var (
	// ErrInvalidRule: the rule cannot be loaded. Every *RuleError matches it.
	ErrInvalidRule = errors.New("invalid_rule")
	// ErrTierSpanNotMultipleOfUnit: a closed tier's span is not a whole
	// number of its units. It also matches ErrInvalidRule.
	ErrTierSpanNotMultipleOfUnit = errors.New("tier_span_not_multiple_of_unit")
	// ErrExitBeforeEntry: the stay's exit is earlier than its entry.
	ErrExitBeforeEntry = errors.New("exit_before_entry")
	// ErrPaidAtOutsideStay: a prepayment's paid_at is not within
	// [entry, exit].
	ErrPaidAtOutsideStay = errors.New("paid_at_outside_stay")
	// ErrInvalidStay: a stay is malformed (missing time, unknown coupon
	// type, percent outside 1–100, negative amount).
	ErrInvalidStay = errors.New("invalid_stay")
)

// RuleError is why a rule was refused at load time.
type RuleError struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value, e.g.
	// "/bands/day/tiers/0/up_to_minutes"; "" for the document itself.
	Pointer string
	// Reason is ErrTierSpanNotMultipleOfUnit or ErrInvalidRule.
	Reason error
	// Msg says what is wrong in words.
	Msg string
}

func (e *RuleError) Error() string {
	where := e.Pointer
	if where == "" {
		where = "/"
	}
	return fmt.Sprintf("billing: rule %s: %s (%v)", where, e.Msg, e.Reason)
}

// Unwrap returns the reason, and ErrInvalidRule for specific reasons, so
// both match with errors.Is.
func (e *RuleError) Unwrap() []error {
	if e.Reason == ErrInvalidRule || e.Reason == nil {
		return []error{ErrInvalidRule}
	}
	return []error{e.Reason, ErrInvalidRule}
}

func ruleErr(pointer, format string, args ...any) *RuleError {
	return &RuleError{Pointer: pointer, Reason: ErrInvalidRule, Msg: fmt.Sprintf(format, args...)}
}

// StayError is why a stay cannot be quoted.
type StayError struct {
	// Field names the stay field at fault ("exit", "prepaid.paid_at",
	// "coupons[1].value" …).
	Field string
	// Reason is ErrExitBeforeEntry, ErrPaidAtOutsideStay or ErrInvalidStay.
	Reason error
	Msg    string
}

func (e *StayError) Error() string {
	return fmt.Sprintf("billing: stay %s: %s (%v)", e.Field, e.Msg, e.Reason)
}

// Unwrap returns the reason.
func (e *StayError) Unwrap() error { return e.Reason }

func stayErr(field string, reason error, format string, args ...any) *StayError {
	return &StayError{Field: field, Reason: reason, Msg: fmt.Sprintf(format, args...)}
}
