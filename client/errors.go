package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors for the classes a lane controller acts on. Every
// *APIError matches the ones its status and code imply; transport failures
// of calls that move money match ErrOutcomeUnknown.
var (
	// ErrRateLimited: WeChat answered 429 (or FREQUENCY_LIMITED on APIv2).
	ErrRateLimited = errors.New("rate limited")
	// ErrInvalidRequest: WeChat refused the request as it stands (400
	// PARAM_ERROR or INVALID_REQUEST, 403 NO_AUTH, APIv2 PARAM_ERROR …).
	// Retrying the same request cannot help.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrSignature: WeChat refused our signature (401 SIGN_ERROR), or its
	// answer or notification failed our verification. Check keys, serials
	// and the clock.
	ErrSignature = errors.New("signature error")
	// ErrNotFound: 404, e.g. ORDER_NOT_EXIST for a query — for a query
	// after a timeout, the order was never created.
	ErrNotFound = errors.New("not found")
	// ErrServer: WeChat answered 5xx (or APIv2 SYSTEMERROR) after every
	// retry.
	ErrServer = errors.New("wechat pay server error")
	// ErrOutcomeUnknown: a call that creates or charges did not get a
	// definite answer (timeout, dropped connection, 5xx, 429 after every
	// retry). It may or may not have taken effect: resolve it with
	// QueryTransaction / QueryOrder using the same out_trade_no, never by
	// sending a new order number.
	ErrOutcomeUnknown = errors.New("outcome unknown")
	// ErrInvalidInput: the request failed Validate before anything was
	// sent.
	ErrInvalidInput = errors.New("invalid input")
	// ErrUnverified: an APIv2 failure came without a sign, so nothing in it
	// can be trusted — never a success.
	ErrUnverified = errors.New("unverified answer")
)

// APIError is WeChat Pay's answer to a call that did not succeed.
type APIError struct {
	// StatusCode is the HTTP status (200 for APIv2 business failures).
	StatusCode int
	// Code is WeChat's error code: PARAM_ERROR, INVALID_REQUEST,
	// SIGN_ERROR, ORDER_NOT_EXIST … (APIv3 code, or APIv2 err_code /
	// return_code FAIL).
	Code string
	// Message is WeChat's text (APIv3 message, APIv2 err_code_des or
	// return_msg).
	Message string
	// Detail is the APIv3 detail object as sent (field, value, issue,
	// location); it may hold caller data, so Error() never prints it.
	Detail json.RawMessage
	// RequestID is the Request-ID header WeChat support asks for.
	RequestID string
	// Method and Path name the call (no query string).
	Method, Path string
	// Attempts is how many times the request was sent.
	Attempts int
	// Verified is true when the answer's signature checked out.
	Verified bool
	// V2 marks an APIv2 answer.
	V2 bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wechatpay: %s %s: ", e.Method, e.Path)
	if e.StatusCode != 0 && !e.V2 {
		fmt.Fprintf(&b, "%d ", e.StatusCode)
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s", e.RequestID)
	} else {
		b.WriteString(" (")
	}
	if e.RequestID != "" {
		b.WriteString(", ")
	}
	fmt.Fprintf(&b, "%d attempt", e.Attempts)
	if e.Attempts != 1 {
		b.WriteString("s")
	}
	if !e.Verified {
		b.WriteString(", unverified")
	}
	b.WriteString(")")
	return b.String()
}

// Is matches the sentinel errors by status and code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests || e.Code == "FREQUENCY_LIMITED" || e.Code == "RATELIMIT_EXCEEDED" || e.Code == "RATE_LIMITED"
	case ErrInvalidRequest:
		return (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusMethodNotAllowed) && !e.V2 ||
			e.V2 && (e.Code == "PARAM_ERROR" || e.Code == "INVALID_REQUEST" || e.Code == "OUT_TRADE_NO_USED" || e.Code == "NO_AUTH")
	case ErrSignature:
		return e.StatusCode == http.StatusUnauthorized || e.Code == "SIGN_ERROR"
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == "ORDERNOTEXIST" || e.Code == "ORDER_NOT_EXIST"
	case ErrServer:
		return !e.V2 && e.StatusCode >= 500 || e.V2 && e.Code == "SYSTEMERROR"
	case ErrUnverified:
		return e.V2 && !e.Verified
	}
	return false
}

// IsCode reports whether err is an *APIError with WeChat code code.
func IsCode(err error, code string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code
}

// outcomeError wraps the cause of an unknown outcome.
type outcomeError struct {
	method, path string
	attempts     int
	cause        error
}

func (e *outcomeError) Error() string {
	return fmt.Sprintf("wechatpay: %s %s: outcome unknown after %d attempt(s): %v; query with the same order number before doing anything else",
		e.method, e.path, e.attempts, e.cause)
}

func (e *outcomeError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.cause} }

// ValidationError names the field of a request that Validate refused.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return "wechatpay: invalid " + e.Field + ": " + e.Reason }

// Unwrap makes it match ErrInvalidInput.
func (e *ValidationError) Unwrap() error { return ErrInvalidInput }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
