package mock

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// RetryScheduleV3 is WeChat's APIv3 callback schedule: the waits after each
// failed delivery (spec §4.5), 15 retries over 24 h 4 m.
var RetryScheduleV3 = []time.Duration{
	15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute, 10 * time.Minute, 20 * time.Minute,
	30 * time.Minute, 30 * time.Minute, 30 * time.Minute, 60 * time.Minute, 3 * time.Hour, 3 * time.Hour,
	3 * time.Hour, 6 * time.Hour, 6 * time.Hour,
}

// RetryScheduleV2State is the APIv2 plate-state callback schedule (spec
// §4.6): 9 retries over about 51 minutes. APIv2 payment results use
// RetryScheduleV3, as the generic payment notification does (§4.7).
var RetryScheduleV2State = []time.Duration{
	6 * time.Second, 12 * time.Second, 24 * time.Second, 48 * time.Second, 96 * time.Second,
	192 * time.Second, 384 * time.Second, 768 * time.Second, 1536 * time.Second,
}

// Attempt is one delivery of a callback.
type Attempt struct {
	At     time.Duration `json:"at"`               // on the callback clock
	Status int           `json:"status,omitempty"` // 0 when the request failed
	Error  string        `json:"error,omitempty"`
	Probe  bool          `json:"probe,omitempty"` // sent with a SIGNTEST signature
}

// Callback is a notification the mock sends, with its delivery history.
type Callback struct {
	ID        string    `json:"id"`
	Version   string    `json:"version"` // "v3" or "v2"
	EventType string    `json:"event_type"`
	URL       string    `json:"url"`
	MchID     string    `json:"mchid"`
	Plaintext string    `json:"plaintext"` // the decrypted resource (v3) or the XML (v2)
	Attempts  []Attempt `json:"attempts"`
	Acked     bool      `json:"acked"`
	GaveUp    bool      `json:"gave_up"`

	created   time.Time
	schedule  []time.Duration
	summary   string
	assocData string
	origType  string
	v2params  map[string]string
	probe     bool // first attempt carries a probe signature
	duplicate bool // deliver once more after the ack
}

type job struct {
	due time.Duration
	seq int
	run func()
}

// dispatcher runs jobs (deduction outcomes, callback deliveries) on the
// callback clock: real time scaled (CallbackAuto) or advanced by hand
// (CallbackManual).
type dispatcher struct {
	h      *Handler
	mu     sync.Mutex
	vnow   time.Duration
	seq    int
	jobs   []job
	all    []*Callback
	start  time.Time
	wake   chan struct{}
	done   chan struct{}
	closed bool
}

func newDispatcher(h *Handler) *dispatcher {
	d := &dispatcher{h: h, start: time.Now(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	if h.cfg.mode == CallbackAuto {
		go d.loop()
	}
	return d
}

func (d *dispatcher) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		close(d.done)
	}
}

// clock is the callback clock now.
func (d *dispatcher) clock() time.Duration {
	if d.h.cfg.mode == CallbackAuto {
		return time.Duration(float64(time.Since(d.start)) / d.h.cfg.timeScale)
	}
	return d.vnow
}

func (d *dispatcher) add(after time.Duration, run func()) {
	d.mu.Lock()
	d.seq++
	d.jobs = append(d.jobs, job{due: d.clock() + after, seq: d.seq, run: run})
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// next pops the earliest job due at or before limit.
func (d *dispatcher) next(limit time.Duration) (job, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.jobs) == 0 {
		return job{}, false
	}
	sort.Slice(d.jobs, func(i, j int) bool {
		if d.jobs[i].due != d.jobs[j].due {
			return d.jobs[i].due < d.jobs[j].due
		}
		return d.jobs[i].seq < d.jobs[j].seq
	})
	if d.jobs[0].due > limit {
		return job{}, false
	}
	j := d.jobs[0]
	d.jobs = d.jobs[1:]
	return j, true
}

func (d *dispatcher) loop() {
	for {
		for {
			j, ok := d.next(d.clock())
			if !ok {
				break
			}
			j.run()
		}
		d.mu.Lock()
		wait := time.Hour
		if len(d.jobs) > 0 {
			earliest := d.jobs[0].due
			for _, j := range d.jobs {
				earliest = min(earliest, j.due)
			}
			wait = time.Duration(float64(earliest-d.clock()) * d.h.cfg.timeScale)
		}
		d.mu.Unlock()
		t := time.NewTimer(max(wait, 0))
		select {
		case <-d.done:
			t.Stop()
			return
		case <-d.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// advance moves the manual callback clock forward by by, running every job
// that falls due, in order, before it returns.
func (d *dispatcher) advance(by time.Duration) {
	d.mu.Lock()
	target := d.vnow + by
	d.mu.Unlock()
	for {
		j, ok := d.next(target)
		if !ok {
			break
		}
		d.mu.Lock()
		d.vnow = max(d.vnow, j.due)
		d.mu.Unlock()
		j.run()
	}
	d.mu.Lock()
	d.vnow = target
	d.mu.Unlock()
}

// AdvanceCallbacks moves the callback clock forward (CallbackManual mode)
// and returns after every outcome and delivery that fell due has run.
// AdvanceCallbacks(0) runs what is due now.
func (h *Handler) AdvanceCallbacks(by time.Duration) { h.cb.advance(by) }

// CallbackClock is how far the callback clock has run.
func (h *Handler) CallbackClock() time.Duration {
	h.cb.mu.Lock()
	defer h.cb.mu.Unlock()
	return h.cb.clock()
}

// PendingJobs is how many outcomes and deliveries wait on the callback
// clock.
func (h *Handler) PendingJobs() int {
	h.cb.mu.Lock()
	defer h.cb.mu.Unlock()
	return len(h.cb.jobs)
}

// Callbacks returns every callback queued so far with its attempts.
func (h *Handler) Callbacks() []Callback {
	h.cb.mu.Lock()
	defer h.cb.mu.Unlock()
	out := make([]Callback, len(h.cb.all))
	for i, c := range h.cb.all {
		out[i] = *c
		out[i].Attempts = append([]Attempt(nil), c.Attempts...)
	}
	return out
}

func (h *Handler) schedule(after time.Duration, run func()) { h.cb.add(after, run) }

// queueV3 queues an APIv3 notification whose resource is plaintext.
func (h *Handler) queueV3(mchID, url, event, summary, assocData, origType string, plaintext any) {
	body, _ := json.Marshal(plaintext)
	h.mu.Lock()
	id := "EV-" + randomDigits(h.rng, 22)
	h.mu.Unlock()
	c := &Callback{ID: id, Version: "v3", EventType: event, URL: url, MchID: mchID, Plaintext: string(body),
		created: h.now(), schedule: RetryScheduleV3, summary: summary, assocData: assocData, origType: origType}
	h.queue(c)
}

func (h *Handler) queue(c *Callback) {
	f := h.CurrentFaults()
	c.probe = h.roll(f.ProbeRate)
	c.duplicate = h.roll(f.DuplicateRate)
	first := time.Duration(0)
	if h.roll(f.ReorderRate) {
		first = 30 * time.Second
	}
	h.cb.mu.Lock()
	h.cb.all = append(h.cb.all, c)
	h.cb.mu.Unlock()
	h.schedule(first, func() { h.deliver(c, 0) })
}

// deliver makes attempt n of callback c and schedules the next on failure.
func (h *Handler) deliver(c *Callback, n int) {
	probe := c.probe && n == 0
	var req *http.Request
	var err error
	if c.Version == "v3" {
		req, err = h.v3Request(c, probe)
	} else {
		req, err = h.v2Request(c)
	}
	at := h.CallbackClock()
	att := Attempt{At: at, Probe: probe}
	acked := false
	if err == nil {
		resp, derr := h.cfg.client.Do(req)
		if derr != nil {
			att.Error = derr.Error()
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			_ = resp.Body.Close()
			att.Status = resp.StatusCode
			acked = ackOK(c.Version, resp.StatusCode, body)
		}
	} else {
		att.Error = err.Error()
	}
	h.logf("mock callback", "id", c.ID, "event", c.EventType, "attempt", n, "status", att.Status, "error", att.Error, "acked", acked)
	h.cb.mu.Lock()
	wasAcked := c.Acked
	c.Attempts = append(c.Attempts, att)
	if acked {
		c.Acked = true
	}
	dup := acked && !wasAcked && c.duplicate
	h.cb.mu.Unlock()
	switch {
	case dup:
		h.schedule(0, func() { h.deliver(c, n+1) })
	case acked || wasAcked:
	case n < len(c.schedule):
		h.schedule(c.schedule[n], func() { h.deliver(c, n+1) })
	default:
		h.cb.mu.Lock()
		c.GaveUp = true
		h.cb.mu.Unlock()
	}
}

// ackOK applies WeChat's acknowledgement rules: APIv3 by HTTP status alone
// (200 or 204, whatever the body); APIv2 by an XML return_code SUCCESS.
func ackOK(version string, status int, body []byte) bool {
	if version == "v3" {
		return status == http.StatusOK || status == http.StatusNoContent
	}
	if status != http.StatusOK {
		return false
	}
	var ack struct {
		ReturnCode string `xml:"return_code"`
	}
	return xml.Unmarshal(bytes.TrimSpace(body), &ack) == nil && ack.ReturnCode == "SUCCESS"
}

func (h *Handler) v3Request(c *Callback, probe bool) (*http.Request, error) {
	h.mu.Lock()
	m, ok := h.merchants[c.MchID]
	nonce, sigNonce := randomAlnum(h.rng, 12), randomAlnum(h.rng, 32)
	reqID := "MOCK-" + randomUpper(h.rng, 24)
	skew := h.faults.ClockSkew
	h.mu.Unlock()
	if !ok {
		return nil, errf("merchant %s is gone", c.MchID)
	}
	ct, err := signing.EncryptResource([]byte(m.APIv3Key), signing.AlgorithmAES256GCM, nonce, c.assocData, []byte(c.Plaintext))
	if err != nil {
		return nil, err
	}
	env := map[string]any{
		"id":            c.ID,
		"create_time":   c.created.In(shanghai).Format(time.RFC3339),
		"event_type":    c.EventType,
		"resource_type": "encrypt-resource",
		"summary":       c.summary,
		"resource": map[string]string{
			"algorithm": signing.AlgorithmAES256GCM, "ciphertext": ct, "associated_data": c.assocData,
			"original_type": c.origType, "nonce": nonce,
		},
	}
	body, _ := json.Marshal(env)
	req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	signer := h.signer
	if h.cfg.callbackCert {
		signer = h.certSigner
	}
	if err := signer.SignHeaders(req.Header, h.now().Add(skew).Unix(), sigNonce, body); err != nil {
		return nil, err
	}
	if probe {
		req.Header.Set(signing.HeaderSignature, "WECHATPAY/SIGNTEST/"+req.Header.Get(signing.HeaderSignature))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Request-ID", reqID)
	req.Header.Set("User-Agent", "gatepay-mock")
	return req, nil
}

// entranceEvent returns the queueing of a VEHICLE.ENTRANCE_STATE_CHANGE
// for pk; call it after releasing h.mu.
func (h *Handler) entranceEvent(pk *parking) func() {
	type resource struct {
		SpMchID                 string `json:"sp_mchid"`
		SubMchID                string `json:"sub_mchid,omitempty"`
		ParkingID               string `json:"parking_id"`
		OutParkingNo            string `json:"out_parking_no"`
		PlateNumber             string `json:"plate_number"`
		PlateColor              string `json:"plate_color"`
		StartTime               string `json:"start_time"`
		ParkingName             string `json:"parking_name"`
		FreeDuration            int64  `json:"free_duration"`
		ParkingState            string `json:"parking_state"`
		BlockedStateDescription string `json:"blocked_state_description,omitempty"`
		StateUpdateTime         string `json:"state_update_time"`
	}
	r := resource{pk.MchID, pk.SubMchID, pk.ID, pk.OutParkingNo, pk.PlateNumber, pk.PlateColor, pk.StartTime,
		pk.ParkingName, pk.FreeDuration, pk.State, pk.BlockReason, h.now().In(shanghai).Format("2006-01-02T15:04:05.000Z07:00")}
	url, mch := pk.notifyURL, pk.MchID
	return func() {
		h.queueV3(mch, url, "VEHICLE.ENTRANCE_STATE_CHANGE", "停车入场状态通知", "parking", "", r)
	}
}
