package mock

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// charge runs entry and deduction for plate and returns the out_trade_no.
func (f *fixture) charge(plate, otn, notifyURL string) {
	f.t.Helper()
	start := f.clock.Now()
	r := f.do(f.signer, "POST", PathParkings, f.entryBody("P-"+otn, plate, notifyURL, start))
	require.Equal(f.t, 200, r.status, "%s", r.body)
	f.clock.Add(time.Hour)
	r = f.do(f.signer, "POST", PathTransactions, f.deductBody(otn, r.json(f.t)["id"].(string), plate, notifyURL, start, f.clock.Now(), 700))
	require.Equal(f.t, 200, r.status, "%s", r.body)
}

func TestRetryScheduleUntilGivingUp(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, repeat(http.StatusInternalServerError, 100)...)
	f.enrol(testPlate, "BLUE")
	f.charge(testPlate, "T1", rc.URL)

	f.srv.AdvanceCallbacks(3 * time.Second) // the outcome, then the first delivery
	require.Len(t, rc.deliveries(), 1)
	var total time.Duration
	for i, wait := range RetryScheduleV3 {
		f.srv.AdvanceCallbacks(wait - time.Second)
		require.Len(t, rc.deliveries(), i+1, "retry %d must not come early", i+1)
		f.srv.AdvanceCallbacks(time.Second)
		require.Len(t, rc.deliveries(), i+2, "retry %d due after %v", i+1, wait)
		total += wait
	}
	assert.Equal(t, 24*time.Hour+4*time.Minute, total, "the documented 24 h 4 m")
	f.srv.AdvanceCallbacks(48 * time.Hour)
	assert.Len(t, rc.deliveries(), 16, "no delivery after the schedule ends")
	cb := f.srv.Callbacks()[0]
	assert.True(t, cb.GaveUp)
	assert.False(t, cb.Acked)
	assert.Equal(t, 3*time.Second+15*time.Second, cb.Attempts[1].At)

	// Each redelivery carries the same notification id but a fresh signature.
	d := rc.deliveries()
	e0, _ := f.decrypt(d[0])
	e1, _ := f.decrypt(d[1])
	assert.Equal(t, e0["id"], e1["id"])
	assert.NotEqual(t, d[0].header.Get("Wechatpay-Nonce"), d[1].header.Get("Wechatpay-Nonce"))
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestAcknowledgementRules(t *testing.T) {
	for _, c := range []struct {
		name     string
		statuses []int
		attempts int
	}{
		{"200 acknowledges", []int{200}, 1},
		{"204 acknowledges", []int{204}, 1},
		{"4xx is retried", []int{400, 200}, 2},
		{"5xx is retried", []int{503, 500, 204}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			rc := newReceiver(t, c.statuses...)
			f.enrol(testPlate, "BLUE")
			f.charge(testPlate, "T1", rc.URL)
			f.srv.AdvanceCallbacks(2 * time.Hour)
			assert.Len(t, rc.deliveries(), c.attempts)
			assert.True(t, f.srv.Callbacks()[0].Acked)
		})
	}
	t.Run("unreachable receiver is retried", func(t *testing.T) {
		f := newFixture(t)
		f.enrol(testPlate, "BLUE")
		f.charge(testPlate, "T1", "http://127.0.0.1:1/none")
		f.srv.AdvanceCallbacks(3*time.Second + 15*time.Second)
		cb := f.srv.Callbacks()[0]
		require.Len(t, cb.Attempts, 2)
		assert.NotEmpty(t, cb.Attempts[0].Error)
	})
}

func TestOutcomes(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t)
	f.enrol("粤B00001", "BLUE", func(p *Plate) { p.Outcome = OutcomeFail })
	f.enrol("粤B00002", "BLUE", func(p *Plate) { p.Outcome = OutcomeAdvance })
	f.charge("粤B00001", "FAIL1", rc.URL)
	f.charge("粤B00002", "ADV1", rc.URL)
	f.srv.AdvanceCallbacks(3 * time.Second)
	d := rc.deliveries()
	require.Len(t, d, 2)
	env, plain := f.decrypt(d[0])
	assert.Equal(t, "TRANSACTION.FAIL", env["event_type"])
	assert.Equal(t, "PAY_FAIL", plain["trade_state"])
	env, plain = f.decrypt(d[1])
	assert.Equal(t, "TRANSACTION.SUCCESS", env["event_type"])
	assert.Equal(t, "BPA", plain["bank_type"])
	assert.Equal(t, "N", plain["user_repaid"])

	f.srv.AdvanceCallbacks(time.Hour)
	d = rc.deliveries()
	require.Len(t, d, 3)
	env, plain = f.decrypt(d[2])
	assert.Equal(t, "TRANSACTION.PAY_BACK", env["event_type"])
	assert.Equal(t, "Y", plain["user_repaid"])
	r := f.do(f.signer, "GET", PathQueryPrefix+"FAIL1", nil)
	assert.Equal(t, "PAY_FAIL", r.json(t)["trade_state"])
}

func TestPlatePausedMidStay(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t)
	f.enrol(testPlate, "BLUE")
	r := f.do(f.signer, "POST", PathParkings, f.entryBody("P1", testPlate, rc.URL+"/entry", f.clock.Now()))
	require.Equal(t, 200, r.status)
	require.NoError(t, f.srv.SetPlateState(testPlate, "BLUE", StatePause))
	f.srv.AdvanceCallbacks(0)
	d := rc.deliveries()
	require.Len(t, d, 1)
	env, plain := f.decrypt(d[0])
	assert.Equal(t, "VEHICLE.ENTRANCE_STATE_CHANGE", env["event_type"])
	assert.Equal(t, "", env["resource"].(map[string]any)["original_type"])
	assert.Equal(t, "BLOCKED", plain["parking_state"])
	assert.Equal(t, "PAUSE", plain["blocked_state_description"])
	assert.Equal(t, r.json(t)["id"], plain["parking_id"])
	assert.Contains(t, plain["state_update_time"], ".000+08:00")
	assert.Error(t, f.srv.SetPlateState("粤A99999", "BLUE", StateNormal))
	assert.Error(t, f.srv.SetPlateState(testPlate, "BLUE", "SLEEPING"))
}

func TestCallbackFaults(t *testing.T) {
	t.Run("probe signature first, then a valid one", func(t *testing.T) {
		f := newFixture(t, WithFaults(Faults{ProbeRate: 1}))
		rc := newReceiver(t, 401) // a correct receiver refuses the probe
		f.enrol(testPlate, "BLUE")
		f.charge(testPlate, "T1", rc.URL)
		f.srv.AdvanceCallbacks(3*time.Second + 15*time.Second)
		d := rc.deliveries()
		require.Len(t, d, 2)
		assert.True(t, strings.HasPrefix(d[0].header.Get("Wechatpay-Signature"), "WECHATPAY/SIGNTEST/"))
		assert.ErrorIs(t, f.verifier.VerifyHeaders(d[0].header, d[0].body), signing.ErrBadSignature)
		f.decrypt(d[1])
		assert.True(t, f.srv.Callbacks()[0].Attempts[0].Probe)
	})
	t.Run("duplicates after the acknowledgement", func(t *testing.T) {
		f := newFixture(t, WithFaults(Faults{DuplicateRate: 1}))
		rc := newReceiver(t)
		f.enrol(testPlate, "BLUE")
		f.charge(testPlate, "T1", rc.URL)
		f.srv.AdvanceCallbacks(3 * time.Second)
		d := rc.deliveries()
		require.Len(t, d, 2)
		e0, _ := f.decrypt(d[0])
		e1, _ := f.decrypt(d[1])
		assert.Equal(t, e0["id"], e1["id"])
	})
	t.Run("reordered events", func(t *testing.T) {
		f := newFixture(t)
		rc := newReceiver(t)
		f.enrol("粤B00002", "BLUE", func(p *Plate) { p.Outcome = OutcomeAdvance })
		f.charge("粤B00002", "ADV1", rc.URL)
		f.srv.SetFaults(Faults{ReorderRate: 1})
		f.srv.AdvanceCallbacks(3 * time.Second) // SUCCESS is held back 30 s
		assert.Empty(t, rc.deliveries())
		f.srv.AdvanceCallbacks(30 * time.Second)
		require.Len(t, rc.deliveries(), 1)
	})
	t.Run("clock skew in callback timestamps", func(t *testing.T) {
		f := newFixture(t, WithFaults(Faults{ClockSkew: 10 * time.Minute}))
		rc := newReceiver(t, 400)
		f.enrol(testPlate, "BLUE")
		f.charge(testPlate, "T1", rc.URL)
		f.srv.AdvanceCallbacks(3 * time.Second)
		d := rc.deliveries()
		require.Len(t, d, 1)
		assert.ErrorIs(t, f.verifier.VerifyHeaders(d[0].header, d[0].body), signing.ErrTimestampSkew)
	})
}

func TestRequestFaults(t *testing.T) {
	t.Run("FailNext answers signed errors without processing", func(t *testing.T) {
		f := newFixture(t)
		f.enrol(testPlate, "BLUE")
		for _, status := range []int{500, 502, 503, 429} {
			f.srv.FailNext(PathParkings, status)
			r := f.do(f.signer, "POST", PathParkings, f.entryBody("P1", testPlate, "https://example.com/n", f.clock.Now()))
			assert.Equal(t, status, r.status)
			f.mustVerify(r)
			assert.NotEmpty(t, r.code())
		}
		// Nothing was created by the failed attempts.
		r := f.do(f.signer, "POST", PathParkings, f.entryBody("P1", testPlate, "https://example.com/n", f.clock.Now()))
		assert.Equal(t, 200, r.status)
	})
	t.Run("DropNext processes, then leaves the client without an answer", func(t *testing.T) {
		f := newFixture(t)
		rc := newReceiver(t)
		f.enrol(testPlate, "BLUE")
		start := f.clock.Now()
		r := f.do(f.signer, "POST", PathParkings, f.entryBody("P1", testPlate, rc.URL, start))
		f.clock.Add(time.Hour)
		f.srv.DropNext(PathTransactions)
		d := f.deductBody("T1", r.json(t)["id"].(string), testPlate, rc.URL, start, f.clock.Now(), 700)
		dropped := f.do(f.signer, "POST", PathTransactions, d)
		require.Error(t, dropped.err, "the connection is closed without an answer")
		// The charge was accepted all the same: the query tells.
		q := f.do(f.signer, "GET", PathQueryPrefix+"T1", nil)
		assert.Equal(t, "ACCEPTED", q.json(t)["trade_state"])
		// And a retry with the same body gets the original, not a second charge.
		again := f.do(f.signer, "POST", PathTransactions, d)
		assert.Equal(t, 200, again.status)
		f.srv.AdvanceCallbacks(time.Minute)
		assert.Len(t, rc.deliveries(), 1, "charged once")
		assert.Equal(t, "drop", f.srv.Requests()[1].Fault)
	})
	t.Run("error rate is repeatable with a seed", func(t *testing.T) {
		count := func() []int {
			f := newFixture(t, WithFaults(Faults{ErrorRate: 0.3}), WithSeed(7))
			var statuses []int
			for range 40 {
				statuses = append(statuses, f.do(f.signer, "GET", PathQueryPrefix+"X", nil).status)
			}
			return statuses
		}
		a, b := count(), count()
		assert.Equal(t, a, b)
		errs := 0
		for _, s := range a {
			if s != 404 {
				errs++
			}
		}
		assert.True(t, errs > 3 && errs < 25, "about 30%% errors, got %d of 40", errs)
	})
	t.Run("response clock skew", func(t *testing.T) {
		f := newFixture(t, WithFaults(Faults{ClockSkew: -6 * time.Minute}))
		r := f.do(f.signer, "GET", PathQueryPrefix+"X", nil)
		assert.ErrorIs(t, f.verifier.VerifyHeaders(r.header, r.body), signing.ErrTimestampSkew)
	})
	t.Run("latency", func(t *testing.T) {
		f := newFixture(t, WithFaults(Faults{Latency: time.Millisecond}))
		assert.Equal(t, 404, f.do(f.signer, "GET", PathQueryPrefix+"X", nil).status)
	})
}
