package client

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/gatepay/gatepay/signing"
)

// Meta describes how a call went, for logs and support tickets.
type Meta struct {
	// RequestID is WeChat's Request-ID header (empty for APIv2).
	RequestID string
	// StatusCode is the final HTTP status.
	StatusCode int
	// Attempts is how many times the request was sent.
	Attempts int
}

type ctxKey int

const (
	keyCall ctxKey = iota
)

// callState travels in the request context through the retry layer to the
// signing transport.
type callState struct {
	v3       bool
	endpoint string // rate-limit key: the path template
	attempts atomic.Int32
}

// signTransport rate-limits and signs every attempt: a fresh timestamp and
// nonce each time, over the exact bytes sent.
type signTransport struct {
	c    *Client
	base http.RoundTripper
}

func (t *signTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st, _ := req.Context().Value(keyCall).(*callState)
	if st == nil {
		return nil, errors.New("wechatpay: request without call state")
	}
	st.attempts.Add(1)
	if err := t.c.limiter(st.endpoint).Wait(req.Context()); err != nil {
		return nil, fmt.Errorf("rate limit wait: %w", err)
	}
	out := req.Clone(req.Context())
	if st.v3 {
		var body []byte
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			_ = req.Body.Close()
			if err != nil {
				return nil, err
			}
			body = b
			out.Body = io.NopCloser(bytes.NewReader(b))
			out.ContentLength = int64(len(b))
		}
		auth, err := t.c.signer.Authorization(out.Method, out.URL.RequestURI(), body, t.c.s.now().Unix(), signing.NewNonce())
		if err != nil {
			return nil, err
		}
		out.Header.Set("Authorization", auth)
	}
	return t.base.RoundTrip(out)
}

func (c *Client) limiter(endpoint string) *rate.Limiter {
	c.limMu.Lock()
	defer c.limMu.Unlock()
	l, ok := c.limiters[endpoint]
	if !ok {
		r, b := c.s.limit, c.s.burst
		if er, ok := c.s.endpointLimits[endpoint]; ok {
			r, b = er, c.s.endpointBursts[endpoint]
		}
		l = rate.NewLimiter(r, b)
		c.limiters[endpoint] = l
	}
	return l
}

// checkRetry retries transport errors, 202 (accepted, not yet processed:
// repeat with the same parameters), 429 and 5xx — never a 4xx, which the
// same request cannot cure — and stops when the context ends.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			var cerr x509.UnknownAuthorityError
			if errors.As(uerr.Err, &cerr) {
				return false, err
			}
		}
		return true, nil
	}
	s := resp.StatusCode
	return s == http.StatusAccepted || s == http.StatusTooManyRequests || s >= 500, nil
}

// backoff waits min·2^n, jittered to 50–100 %, at most max; a Retry-After
// (seconds or a date) of a 429 or 503 wins when longer, still capped at max.
func backoff(lo, hi time.Duration, n int, resp *http.Response) time.Duration {
	wait := lo << min(n, 30)
	if wait <= 0 || wait > hi {
		wait = hi
	}
	wait = wait/2 + time.Duration(rand.Int64N(int64(wait/2)+1))
	if resp != nil {
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			var d time.Duration
			if secs, err := strconv.Atoi(ra); err == nil {
				d = time.Duration(secs) * time.Second
			} else if t, err := http.ParseTime(ra); err == nil {
				d = time.Until(t)
			}
			if d > wait {
				wait = d
			}
		}
	}
	if wait > hi {
		wait = hi
	}
	return wait
}

// endpointOf is the rate-limit key and log name of a path: the path with
// the order number of a query replaced by {out_trade_no}.
func endpointOf(path string) string {
	if strings.HasPrefix(path, pathQueryTxn) {
		return pathQueryTxn + "{out_trade_no}"
	}
	return path
}

// rawResponse is an answer read in full (up to the size cap).
type rawResponse struct {
	status int
	header http.Header
	body   []byte
	meta   Meta
}

// roundTrip sends one logical call through the retry layer.
func (c *Client) roundTrip(ctx context.Context, v3 bool, method, path, rawQuery string, body []byte, contentType string) (*rawResponse, error) {
	st := &callState{v3: v3, endpoint: endpointOf(path)}
	ctx = context.WithValue(ctx, keyCall, st)
	u := c.s.baseURL + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	req := c.rest.R().SetContext(ctx).SetDoNotParseResponse(true).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", c.userAgent)
	if serial, _ := c.serial.Load().(string); v3 && serial != "" {
		req.SetHeader(signing.HeaderSerial, serial)
	}
	if !v3 {
		req.SetHeader("Accept", "application/xml, text/xml")
	}
	if body != nil {
		req.SetHeader("Content-Type", contentType).SetBody(body)
	}
	start := time.Now()
	resp, err := req.Execute(method, u)
	attempts := int(st.attempts.Load())
	if err != nil {
		c.log.Warn("wechatpay call failed", "method", method, "path", st.endpoint, "attempts", attempts, "error", redact(err))
		return nil, &transportError{attempts: attempts, err: err}
	}
	raw := resp.RawBody()
	defer raw.Close()
	b, err := io.ReadAll(io.LimitReader(raw, c.s.maxResponseBytes+1))
	if err != nil {
		return nil, &transportError{attempts: attempts, err: fmt.Errorf("reading the answer: %w", err)}
	}
	if int64(len(b)) > c.s.maxResponseBytes {
		return nil, &transportError{attempts: attempts, err: fmt.Errorf("answer larger than %d bytes", c.s.maxResponseBytes)}
	}
	out := &rawResponse{status: resp.StatusCode(), header: resp.Header(), body: b,
		meta: Meta{RequestID: resp.Header().Get("Request-ID"), StatusCode: resp.StatusCode(), Attempts: attempts}}
	c.log.Debug("wechatpay call", "method", method, "path", st.endpoint, "status", out.status, "attempts", attempts,
		"request_id", out.meta.RequestID, "duration", time.Since(start))
	return out, nil
}

// transportError is a call that got no answer at all.
type transportError struct {
	attempts int
	err      error
}

func (e *transportError) Error() string { return redact(e.err) }
func (e *transportError) Unwrap() error { return e.err }

// redact keeps query strings (openids, plates) out of error texts.
func redact(err error) string {
	s := err.Error()
	if i := strings.Index(s, "?"); i >= 0 {
		end := strings.IndexAny(s[i:], "\": ")
		if end < 0 {
			s = s[:i] + "?…"
		} else {
			s = s[:i] + "?…" + s[i+end:]
		}
	}
	return s
}

// callV3 runs an APIv3 call: it sends body, checks the answer's signature
// and decodes a 2xx into out. money marks calls that create or charge, whose
// unanswered failures are ErrOutcomeUnknown.
func (c *Client) callV3(ctx context.Context, method, path string, query url.Values, in, out any, money bool) (Meta, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return Meta{}, fmt.Errorf("wechatpay: encoding %s body: %w", path, err)
		}
		body = b
	}
	raw, err := c.roundTrip(ctx, true, method, path, query.Encode(), body, "application/json")
	if err != nil {
		var te *transportError
		attempts := 0
		if errors.As(err, &te) {
			attempts = te.attempts
		}
		if money {
			return Meta{Attempts: attempts}, &outcomeError{method, path, attempts, err}
		}
		return Meta{Attempts: attempts}, fmt.Errorf("wechatpay: %s %s: %w", method, endpointOf(path), err)
	}
	verr := c.verify(ctx, raw.header, raw.body)
	if raw.status >= 200 && raw.status < 300 && raw.status != http.StatusAccepted {
		if verr != nil {
			return raw.meta, &APIError{StatusCode: raw.status, Code: "SIGNATURE_INVALID", Message: "answer failed verification: " + verr.Error(),
				RequestID: raw.meta.RequestID, Method: method, Path: endpointOf(path), Attempts: raw.meta.Attempts}
		}
		if out != nil && len(raw.body) > 0 {
			if err := json.Unmarshal(raw.body, out); err != nil {
				return raw.meta, fmt.Errorf("wechatpay: %s %s: decoding the answer: %w", method, endpointOf(path), err)
			}
		}
		return raw.meta, nil
	}
	apiErr := &APIError{StatusCode: raw.status, RequestID: raw.meta.RequestID, Method: method, Path: endpointOf(path),
		Attempts: raw.meta.Attempts, Verified: verr == nil}
	var eb struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(raw.body, &eb) == nil {
		apiErr.Code, apiErr.Message, apiErr.Detail = eb.Code, eb.Message, eb.Detail
	}
	if apiErr.Code == "" {
		apiErr.Code = http.StatusText(raw.status)
	}
	c.log.Warn("wechatpay call refused", "method", method, "path", endpointOf(path), "status", raw.status, "code", apiErr.Code,
		"request_id", apiErr.RequestID, "attempts", apiErr.Attempts)
	if money && (raw.status == http.StatusTooManyRequests || raw.status >= 500 || raw.status == http.StatusAccepted) {
		return raw.meta, &outcomeError{method, path, raw.meta.Attempts, apiErr}
	}
	return raw.meta, apiErr
}

// verify checks a signed answer or notification; in certificate mode an
// unknown serial triggers one certificate download and a second check.
func (c *Client) verify(ctx context.Context, h http.Header, body []byte) error {
	err := c.verifier.VerifyHeaders(h, body)
	if errors.Is(err, signing.ErrUnknownSerial) && c.s.download {
		if derr := c.refreshCertificates(ctx); derr == nil {
			err = c.verifier.VerifyHeaders(h, body)
		}
	}
	return err
}
