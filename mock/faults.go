package mock

import (
	"net/http"
	"time"
)

// Faults are failures the mock injects, rolled with its seeded random
// source so a run repeats exactly. Rates are probabilities in [0, 1].
type Faults struct {
	// Latency is added before every API answer.
	Latency time.Duration `json:"latency,omitempty"`
	// ErrorRate answers that share of API requests, unprocessed, with one
	// of 500 SYSTEM_ERROR, 502/503 SERVICE_UNAVAILABLE or 429
	// RATELIMIT_EXCEEDED (APIv2: SYSTEMERROR / FREQUENCY_LIMITED).
	ErrorRate float64 `json:"error_rate,omitempty"`
	// DropRate processes that share of requests that create or charge (a
	// stay, a deduction, a payapply) and then closes the connection
	// without answering: the client cannot know the outcome. This is where
	// double charges are born.
	DropRate float64 `json:"drop_rate,omitempty"`
	// DuplicateRate delivers that share of acknowledged callbacks once more.
	DuplicateRate float64 `json:"duplicate_rate,omitempty"`
	// ReorderRate holds back that share of callbacks by 30 s of callback
	// time, so later events overtake them.
	ReorderRate float64 `json:"reorder_rate,omitempty"`
	// ProbeRate sends that share of callbacks first with a
	// WECHATPAY/SIGNTEST/ signature, which receivers must refuse.
	ProbeRate float64 `json:"probe_rate,omitempty"`
	// ClockSkew shifts the timestamps the mock signs responses and
	// callbacks with.
	ClockSkew time.Duration `json:"clock_skew,omitempty"`
}

// oneShot is a fault queued for the next request to one path.
type oneShot struct {
	status int  // answer with this status unprocessed; 0 with drop
	drop   bool // process, then drop the connection
}

// SetFaults replaces the fault settings.
func (h *Handler) SetFaults(f Faults) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = f
}

// CurrentFaults returns the fault settings.
func (h *Handler) CurrentFaults() Faults {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.faults
}

// FailNext answers the next request to path (e.g.
// "/v3/vehicle/transactions/parking") with status, without processing it.
// Queued faults are used in order.
func (h *Handler) FailNext(path string, status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.once[path] = append(h.once[path], oneShot{status: status})
}

// DropNext processes the next request to path and then drops the
// connection without an answer.
func (h *Handler) DropNext(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.once[path] = append(h.once[path], oneShot{drop: true})
}

// rollFaults decides, under h.mu, what happens to one request: an error
// status to answer with, or a drop after processing.
func (h *Handler) rollFaults(path string, moneyMoving bool) (status int, drop bool) {
	if q := h.once[path]; len(q) > 0 {
		h.once[path] = q[1:]
		return q[0].status, q[0].drop
	}
	f := h.faults
	if f.ErrorRate > 0 && h.rng.Float64() < f.ErrorRate {
		return []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests}[h.rng.IntN(4)], false
	}
	if moneyMoving && f.DropRate > 0 && h.rng.Float64() < f.DropRate {
		return 0, true
	}
	return 0, false
}

func (h *Handler) roll(rate float64) bool {
	if rate <= 0 {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rng.Float64() < rate
}

// statusError is the v3 error body the mock answers an injected status with.
func statusError(status int) *apiError {
	switch status {
	case http.StatusTooManyRequests:
		return &apiError{Status: status, Code: "RATELIMIT_EXCEEDED", Message: "请求过于频繁"}
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return &apiError{Status: status, Code: "SERVICE_UNAVAILABLE", Message: "服务不可用，请稍后重试"}
	case http.StatusNotFound:
		return &apiError{Status: status, Code: "NOT_FOUND", Message: "资源不存在"}
	case http.StatusUnauthorized:
		return &apiError{Status: status, Code: "SIGN_ERROR", Message: "签名错误"}
	}
	if status >= 500 {
		return &apiError{Status: status, Code: "SYSTEM_ERROR", Message: "系统异常，请稍后重试"}
	}
	return &apiError{Status: status, Code: "INVALID_REQUEST", Message: "请求无效"}
}

// dropConnection closes the client connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// No hijacking (HTTP/2): abort the handler, which resets the stream.
	panic(http.ErrAbortHandler)
}
