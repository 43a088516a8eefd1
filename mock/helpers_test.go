package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/require"
)

// The tests talk to the mock as a raw HTTP client would, signing through
// signing — never through client, so the two readings of the spec stay
// independent.

const (
	testMchID   = "1900009191"
	testSerial  = "3775B6A45ACD588826D15E583A95F5DD********"
	partnerMch  = "1230000109"
	partnerSer  = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
	testAppID   = "wxcbda96de0b165486"
	testSubMch  = "1900000109"
	testAPIv3   = "a7cde1ZJB1kG2e0YkI5T4Q8d9Xr3Vb6N"
	testAPIv2   = "192006250b4c09247ec02edce69f6a2d"
	testPlate   = "粤B12345"
	testOpenID  = "oUpF8uMuAJOM2pxb1Q"
	parkingName = "欢乐海岸停车场"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	t        testing.TB
	srv      *Server
	clock    *testClock
	signer   *signing.Signer // direct merchant
	psigner  *signing.Signer // partner
	verifier *signing.Verifier
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

// newFixture starts a mock in manual callback mode with the vectors' keys,
// one direct merchant and one partner (same key, different ids).
func newFixture(t testing.TB, opts ...Option) *fixture {
	t.Helper()
	clock := &testClock{t: time.Date(2025, 12, 3, 12, 0, 0, 0, shanghai)}
	mkey, err := signing.LoadPrivateKey(readFile(t, "merchant_private_key.pem"))
	require.NoError(t, err)
	base := []Option{
		WithKeyPEM(DefaultPublicKeyID, readFile(t, "wechatpay_private_key.pem")),
		WithAPIKeys(testAPIv3, testAPIv2),
		WithClock(clock.Now),
		WithSeed(42),
		WithCallbackMode(CallbackManual),
		WithMerchant(Merchant{MchID: testMchID, SerialNo: testSerial, PublicKey: &mkey.PublicKey}),
		WithMerchant(Merchant{MchID: partnerMch, SerialNo: partnerSer, PublicKey: &mkey.PublicKey, Partner: true}),
	}
	srv := NewServer(append(base, opts...)...)
	t.Cleanup(srv.Close)
	s, err := signing.NewSigner(testMchID, testSerial, mkey)
	require.NoError(t, err)
	ps, err := signing.NewSigner(partnerMch, partnerSer, mkey)
	require.NoError(t, err)
	v, err := signing.NewVerifier(signing.WithPublicKey(srv.PublicKeyID(), srv.PublicKey()), signing.WithCertificate(srv.Certificate()),
		signing.WithClock(clock.Now))
	require.NoError(t, err)
	return &fixture{t: t, srv: srv, clock: clock, signer: s, psigner: ps, verifier: v}
}

type response struct {
	status int
	header http.Header
	body   []byte
	err    error // transport error (a dropped connection)
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "%s", r.body)
	return m
}

func (r response) code() string {
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

func (r response) field() string {
	var e struct {
		Detail struct {
			Field string `json:"field"`
		} `json:"detail"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Detail.Field
}

// do sends a signed APIv3 request as merchant s. uri is path plus query.
func (f *fixture) do(s *signing.Signer, method, uri string, body any, edit ...func(*http.Request)) response {
	f.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(f.t, err)
	}
	req, err := http.NewRequest(method, f.srv.URL()+uri, bytes.NewReader(raw))
	require.NoError(f.t, err)
	auth, err := s.Authorization(method, req.URL.RequestURI(), raw, f.clock.Now().Unix(), signing.NewNonce())
	require.NoError(f.t, err)
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "gatepay-mock-test")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Wechatpay-Serial", f.srv.PublicKeyID())
	for _, e := range edit {
		e(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{err: err}
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: out}
}

// mustVerify checks the answer's signature the way a client would.
func (f *fixture) mustVerify(r response) {
	f.t.Helper()
	require.NoError(f.t, f.verifier.VerifyHeaders(r.header, r.body), "answer must be signed")
	require.NotEmpty(f.t, r.header.Get("Request-ID"))
}

func (f *fixture) enrol(number, color string, mods ...func(*Plate)) {
	p := Plate{PlateNumber: number, PlateColor: color, OpenID: testOpenID}
	for _, m := range mods {
		m(&p)
	}
	require.NoError(f.t, f.srv.EnrolPlate(p))
}

func (f *fixture) entryBody(outParkingNo, number, notifyURL string, start time.Time) map[string]any {
	return map[string]any{
		"out_parking_no": outParkingNo, "plate_number": number, "plate_color": "BLUE", "notify_url": notifyURL,
		"start_time": start.In(shanghai).Format(time.RFC3339), "parking_name": parkingName, "free_duration": 900,
	}
}

func (f *fixture) deductBody(outTradeNo, parkingID, number, notifyURL string, start, end time.Time, total int64) map[string]any {
	return map[string]any{
		"appid": testAppID, "description": "停车场扣费", "out_trade_no": outTradeNo, "trade_scene": "PARKING",
		"notify_url": notifyURL, "amount": map[string]any{"total": total, "currency": "CNY"},
		"parking_info": map[string]any{
			"parking_id": parkingID, "plate_number": number, "plate_color": "BLUE",
			"start_time": start.In(shanghai).Format(time.RFC3339), "end_time": end.In(shanghai).Format(time.RFC3339),
			"parking_name": parkingName, "charging_duration": int64(end.Sub(start).Seconds()), "device_id": "lane-07",
		},
	}
}

// receiver is a callback endpoint that records deliveries and answers with
// the status its script gives (200 when the script runs out).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []delivered
	statusQ []int
}

type delivered struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statusQ: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivered{r.Header.Clone(), b})
		status := http.StatusOK
		if len(rc.statusQ) > 0 {
			status, rc.statusQ = rc.statusQ[0], rc.statusQ[1:]
		}
		rc.mu.Unlock()
		if strings.Contains(r.Header.Get("Content-Type"), "xml") && status == http.StatusOK {
			_, _ = w.Write([]byte("<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"))
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) deliveries() []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivered(nil), rc.got...)
}

// decrypt verifies and opens an APIv3 notification.
func (f *fixture) decrypt(d delivered) (envelope map[string]any, plain map[string]any) {
	f.t.Helper()
	require.NoError(f.t, f.verifier.VerifyHeaders(d.header, d.body))
	require.NoError(f.t, json.Unmarshal(d.body, &envelope))
	res := envelope["resource"].(map[string]any)
	pt, err := signing.DecryptResource([]byte(testAPIv3), res["algorithm"].(string), res["nonce"].(string), res["associated_data"].(string), res["ciphertext"].(string))
	require.NoError(f.t, err)
	require.NoError(f.t, json.Unmarshal(pt, &plain))
	return envelope, plain
}
