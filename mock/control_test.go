package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func control(t *testing.T, base, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func TestControlAPI(t *testing.T) {
	f := newFixture(t)
	base := f.srv.URL()
	rc := newReceiver(t)

	status, body := control(t, base, "POST", "/mock/plates", map[string]any{"plate_number": testPlate, "plate_color": "BLUE", "openid": testOpenID})
	require.Equal(t, 200, status, "%s", body)
	status, body = control(t, base, "POST", "/mock/plates", map[string]any{"plate_number": "粤B·1", "plate_color": "BLUE", "openid": "x"})
	assert.Equal(t, 400, status)
	assert.Contains(t, string(body), "plate_number")
	status, body = control(t, base, "GET", "/mock/plates", nil)
	require.Equal(t, 200, status)
	assert.Contains(t, string(body), testPlate)

	status, body = control(t, base, "GET", "/mock/keys", nil)
	require.Equal(t, 200, status)
	var keys map[string]string
	require.NoError(t, json.Unmarshal(body, &keys))
	assert.Equal(t, DefaultPublicKeyID, keys["public_key_id"])
	assert.Equal(t, testAPIv3, keys["apiv3_key"])
	assert.Contains(t, keys["public_key_pem"], "BEGIN PUBLIC KEY")
	assert.Contains(t, keys["certificate_pem"], "BEGIN CERTIFICATE")

	f.charge(testPlate, "T1", rc.URL)
	status, body = control(t, base, "POST", "/mock/callbacks/advance", map[string]any{"seconds": 3})
	require.Equal(t, 200, status, "%s", body)
	assert.Len(t, rc.deliveries(), 1)
	status, body = control(t, base, "GET", "/mock/callbacks", nil)
	require.Equal(t, 200, status)
	var cbs []Callback
	require.NoError(t, json.Unmarshal(body, &cbs))
	require.Len(t, cbs, 1)
	assert.Equal(t, "TRANSACTION.SUCCESS", cbs[0].EventType)
	assert.True(t, cbs[0].Acked)
	assert.Contains(t, cbs[0].Plaintext, `"out_trade_no":"T1"`)

	status, body = control(t, base, "GET", "/mock/orders", nil)
	require.Equal(t, 200, status)
	assert.Contains(t, string(body), `"out_trade_no":"T1"`)
	require.Len(t, f.srv.Orders(), 1)
	assert.Equal(t, "SUCCESS", f.srv.Orders()[0].TradeState)

	status, body = control(t, base, "GET", "/mock/requests", nil)
	require.Equal(t, 200, status)
	assert.Contains(t, string(body), PathTransactions)

	status, _ = control(t, base, "POST", "/mock/plates/state", map[string]any{"plate_number": testPlate, "plate_color": "BLUE", "service_state": "PAUSE"})
	assert.Equal(t, 200, status)
	assert.Equal(t, StatePause, f.srv.Plates()[0].ServiceState)

	status, _ = control(t, base, "POST", "/mock/faults", map[string]any{"error_rate": 0.5, "latency_ms": 5, "clock_skew_ms": -1000})
	require.Equal(t, 200, status)
	assert.Equal(t, Faults{ErrorRate: 0.5, Latency: 5 * time.Millisecond, ClockSkew: -time.Second}, f.srv.CurrentFaults())
	status, _ = control(t, base, "POST", "/mock/faults", map[string]any{})
	assert.Equal(t, 200, status)

	status, _ = control(t, base, "POST", "/mock/fail-next", map[string]any{"path": PathQueryPrefix + "T1", "status": 503})
	assert.Equal(t, 200, status)
	assert.Equal(t, 503, f.do(f.signer, "GET", PathQueryPrefix+"T1", nil).status)
	status, _ = control(t, base, "POST", "/mock/fail-next", map[string]any{"path": "/x", "status": 200})
	assert.Equal(t, 400, status)

	status, body = control(t, base, "POST", "/mock/merchants", map[string]any{"mchid": "1900000001"})
	require.Equal(t, 200, status, "%s", body)
	assert.Contains(t, string(body), "BEGIN PRIVATE KEY")

	status, _ = control(t, base, "GET", "/mock/nothing", nil)
	assert.Equal(t, 404, status)
	status, _ = control(t, base, "POST", "/mock/plates", "not an object")
	assert.Equal(t, 400, status)
}

// In automatic mode the schedule runs on real time, scaled: the 15 s
// retry comes after 1.5 ms here.
func TestAutomaticDelivery(t *testing.T) {
	got := make(chan int, 10)
	var calls int
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		got <- calls
		if calls == 1 {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	}))
	defer recv.Close()
	f := newFixture(t, WithCallbackMode(CallbackAuto), WithTimeScale(0.0001))
	f.enrol(testPlate, "BLUE")
	f.charge(testPlate, "T1", recv.URL)
	for want := 1; want <= 2; want++ {
		select {
		case n := <-got:
			assert.Equal(t, want, n)
		case <-time.After(10 * time.Second):
			t.Fatalf("delivery %d did not arrive", want)
		}
	}
	assert.Greater(t, f.srv.CallbackClock(), 15*time.Second, "the callback clock ran at least to the first retry")
}

func TestHandlerInAMux(t *testing.T) {
	h, err := NewHandler(WithKeyPEM("PUB_KEY_ID_1", readFile(t, "wechatpay_private_key.pem")), WithCallbackMode(CallbackManual))
	require.NoError(t, err)
	defer h.Close()
	mux := http.NewServeMux()
	mux.Handle("/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	status, body := control(t, srv.URL, "GET", "/mock/keys", nil)
	require.Equal(t, 200, status)
	assert.Contains(t, string(body), "PUB_KEY_ID_1")
	assert.Len(t, h.APIv3Key(), 32)

	_, err = NewHandler(WithAPIKeys("short", "k"))
	assert.Error(t, err)
	_, err = NewHandler(WithTimeScale(0))
	assert.Error(t, err)
	_, err = NewHandler(WithKey("x", nil))
	assert.Error(t, err)
	assert.Error(t, h.AddMerchant(Merchant{MchID: "1"}))
	assert.Error(t, h.EnrolPlate(Plate{PlateNumber: testPlate, PlateColor: "PINK", OpenID: "o"}))
	assert.Error(t, h.EnrolPlate(Plate{PlateNumber: testPlate, PlateColor: "BLUE", OpenID: "o", Outcome: "MAYBE"}))
}
