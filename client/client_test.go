package client

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

const vecKeyID = "PUB_KEY_ID_0119000091912025120300000000000001"

// fake is a scripted WeChat Pay: each attempt is recorded and answered by
// the script, signed with the vectors' WeChat Pay key.
type fake struct {
	*httptest.Server
	mu       sync.Mutex
	attempts []seen
	script   func(n int, r *http.Request, body []byte) (status int, body2 any, hdr map[string]string)
	rs       *signing.ResponseSigner
	unsigned bool
}

type seen struct {
	method, uri, auth string
	body              []byte
	header            http.Header
}

func newFake(t *testing.T, script func(n int, r *http.Request, body []byte) (int, any, map[string]string)) *fake {
	key, err := signing.LoadPrivateKey(readTestdata(t, "wechatpay_private_key.pem"))
	require.NoError(t, err)
	rs, err := signing.NewResponseSigner(vecKeyID, key)
	require.NoError(t, err)
	f := &fake{script: script, rs: rs}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.attempts = append(f.attempts, seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), b, r.Header.Clone()})
		n := len(f.attempts)
		f.mu.Unlock()
		status, v, hdr := f.script(n, r, b)
		if status == -1 { // drop the connection
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
			return
		}
		var out []byte
		switch x := v.(type) {
		case nil:
		case []byte:
			out = x
		case string:
			out = []byte(x)
		default:
			out, _ = json.Marshal(x)
		}
		if !f.unsigned {
			_ = f.rs.SignHeaders(w.Header(), time.Now().Unix(), signing.NewNonce(), out)
		}
		w.Header().Set("Request-ID", "REQ-1")
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write(out)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) seen() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.attempts...)
}

func newTestClient(t *testing.T, baseURL string, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithMerchant(itMch, itSerial, readTestdata(t, "merchant_private_key.pem")),
		WithWeChatPayPublicKey(vecKeyID, readTestdata(t, "wechatpay_public_key.pem")),
		WithAPIv3Key(itAPIv3), WithAPIv2Key(itAPIv2), WithBaseURL(baseURL),
		WithRetry(RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 3 * time.Millisecond}),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func deductReq() DeductRequest {
	start := time.Now().Add(-2 * time.Hour)
	return DeductRequest{AppID: itAppID, Description: "停车费", OutTradeNo: "T20251203000001", NotifyURL: "https://example.com/p", TotalFen: 1200,
		Parking: ParkingInfo{ParkingID: "5K8264ILTKCH16CQ250", PlateNumber: itPlate, PlateColor: Blue, StartTime: start, EndTime: start.Add(time.Hour),
			ParkingName: "lot", ChargingDuration: time.Hour, DeviceID: "lane-07"}}
}

var accepted = map[string]any{"out_trade_no": "T20251203000001", "trade_state": "ACCEPTED", "amount": map[string]any{"total": 1200}}

func TestRetriesResendTheSameBodyReSigned(t *testing.T) {
	f := newFake(t, func(n int, _ *http.Request, _ []byte) (int, any, map[string]string) {
		if n < 3 {
			return 500, map[string]string{"code": "SYSTEM_ERROR", "message": "busy"}, nil
		}
		return 200, accepted, nil
	})
	c := newTestClient(t, f.URL)
	txn, err := c.Deduct(context.Background(), deductReq())
	require.NoError(t, err)
	assert.True(t, txn.TradeState.Accepted())
	assert.Equal(t, 3, txn.Meta.Attempts)
	s := f.seen()
	require.Len(t, s, 3)
	for i := 1; i < 3; i++ {
		assert.Equal(t, s[0].body, s[i].body, "identical body, same out_trade_no")
		assert.NotEqual(t, s[0].auth, s[i].auth, "each attempt is signed afresh")
	}
	assert.Contains(t, string(s[0].body), `"out_trade_no":"T20251203000001"`)
	assert.Equal(t, vecKeyID, s[0].header.Get("Wechatpay-Serial"))
	assert.Equal(t, "application/json", s[0].header.Get("Accept"))
	assert.Contains(t, s[0].header.Get("User-Agent"), "gatepay/"+Version)
	// The server side of signing accepts each attempt.
	pub, err := signing.LoadPublicKey(readTestdata(t, "merchant_public_key.pem"))
	require.NoError(t, err)
	for _, a := range s {
		auth, err := signing.ParseAuthorization(a.auth)
		require.NoError(t, err)
		require.NoError(t, signing.VerifyRequest(pub, auth, a.method, a.uri, a.body))
	}
}

func TestTimeoutsBecomeOutcomeUnknown(t *testing.T) {
	f := newFake(t, func(int, *http.Request, []byte) (int, any, map[string]string) { return -1, nil, nil })
	c := newTestClient(t, f.URL)
	_, err := c.Deduct(context.Background(), deductReq())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	s := f.seen()
	require.Len(t, s, 3, "re-sent up to the policy")
	assert.Equal(t, s[0].body, s[2].body)
	assert.NotContains(t, err.Error(), itOpenID)

	// 5xx to the end is unknown too, and keeps the answer.
	f5 := newFake(t, func(int, *http.Request, []byte) (int, any, map[string]string) {
		return 503, map[string]string{"code": "SERVICE_UNAVAILABLE", "message": "x"}, nil
	})
	_, err = newTestClient(t, f5.URL).Deduct(context.Background(), deductReq())
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.ErrorIs(t, err, ErrServer)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 3, apiErr.Attempts)
	assert.True(t, apiErr.Verified)

	// A read is not "unknown": it is just an error.
	_, err = newTestClient(t, f.URL).QueryTransaction(context.Background(), "T1", "")
	assert.Error(t, err)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
}

func TestFourHundredsAreNeverRetried(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		is     error
	}{
		{400, "PARAM_ERROR", ErrInvalidRequest},
		{400, "INVALID_REQUEST", ErrInvalidRequest},
		{401, "SIGN_ERROR", ErrSignature},
		{403, "NO_AUTH", ErrInvalidRequest},
		{404, "ORDER_NOT_EXIST", ErrNotFound},
	} {
		t.Run(c.code, func(t *testing.T) {
			f := newFake(t, func(int, *http.Request, []byte) (int, any, map[string]string) {
				return c.status, map[string]any{"code": c.code, "message": "no", "detail": map[string]string{"field": "/amount/total", "value": itOpenID}}, nil
			})
			_, err := newTestClient(t, f.URL).Deduct(context.Background(), deductReq())
			require.Error(t, err)
			assert.Len(t, f.seen(), 1)
			assert.ErrorIs(t, err, c.is)
			assert.NotErrorIs(t, err, ErrOutcomeUnknown)
			assert.True(t, IsCode(err, c.code))
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "REQ-1", apiErr.RequestID)
			assert.Equal(t, "/v3/vehicle/transactions/parking", apiErr.Path)
			assert.Contains(t, string(apiErr.Detail), "/amount/total")
			assert.NotContains(t, err.Error(), itOpenID, "detail values stay out of Error()")
		})
	}
}

func TestRateLimitAndRetryAfter(t *testing.T) {
	f := newFake(t, func(n int, _ *http.Request, _ []byte) (int, any, map[string]string) {
		if n == 1 {
			return 429, map[string]string{"code": "RATELIMIT_EXCEEDED"}, map[string]string{"Retry-After": "0"}
		}
		return 200, map[string]any{"trade_state": "SUCCESS"}, nil
	})
	c := newTestClient(t, f.URL)
	txn, err := c.QueryTransaction(context.Background(), "T1", "")
	require.NoError(t, err)
	assert.Equal(t, 2, txn.Meta.Attempts)

	all429 := newFake(t, func(int, *http.Request, []byte) (int, any, map[string]string) {
		return 429, map[string]string{"code": "RATELIMIT_EXCEEDED"}, nil
	})
	_, err = newTestClient(t, all429.URL).QueryTransaction(context.Background(), "T1", "")
	assert.ErrorIs(t, err, ErrRateLimited)

	// The client-side limiter waits, and the wait ends with the context.
	slow := newTestClient(t, f.URL, WithEndpointRateLimit("/v3/vehicle/transactions/out-trade-no/{out_trade_no}", rate.Every(time.Hour), 1))
	_, err = slow.QueryTransaction(context.Background(), "T1", "")
	require.NoError(t, err, "the burst lets the first call through")
	before := len(f.seen())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = slow.QueryTransaction(ctx, "T1", "")
	require.Error(t, err, "the next token is an hour away: the context ends the wait")
	assert.Contains(t, err.Error(), "rate limit wait")
	assert.Equal(t, before, len(f.seen()), "nothing was sent")
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	_, err = slow.QueryTransaction(cancelled, "T1", "")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func TestBackoff(t *testing.T) {
	for n := range 10 {
		w := backoff(100*time.Millisecond, time.Second, n, nil)
		assert.GreaterOrEqual(t, w, time.Duration(0))
		assert.LessOrEqual(t, w, time.Second)
	}
	resp := &http.Response{Header: http.Header{"Retry-After": {"1"}}}
	assert.Equal(t, time.Second, backoff(time.Millisecond, 5*time.Second, 0, resp))
	resp.Header.Set("Retry-After", "3600")
	assert.Equal(t, 5*time.Second, backoff(time.Millisecond, 5*time.Second, 0, resp), "capped")
}

func TestUnsignedOrForgedAnswersAreErrors(t *testing.T) {
	f := newFake(t, func(int, *http.Request, []byte) (int, any, map[string]string) { return 200, accepted, nil })
	f.unsigned = true
	_, err := newTestClient(t, f.URL).Deduct(context.Background(), deductReq())
	require.Error(t, err)
	assert.True(t, IsCode(err, "SIGNATURE_INVALID"))

	forged := newFake(t, func(int, *http.Request, []byte) (int, any, map[string]string) { return 200, accepted, nil })
	forged.rs, _ = signing.NewResponseSigner(vecKeyID, mustKey(t, "merchant_private_key.pem")) // the wrong key
	_, err = newTestClient(t, forged.URL).Deduct(context.Background(), deductReq())
	assert.True(t, IsCode(err, "SIGNATURE_INVALID"), "%v", err)
}

type rsaKey = rsa.PrivateKey

func mustKey(t testing.TB, name string) *rsaKey {
	k, err := signing.LoadPrivateKey(readTestdata(t, name))
	require.NoError(t, err)
	return k
}

func TestValidateBeforeSending(t *testing.T) {
	f := newFake(t, func(int, *http.Request, []byte) (int, any, map[string]string) { return 200, accepted, nil })
	c := newTestClient(t, f.URL)
	bad := []func(*DeductRequest){
		func(r *DeductRequest) { r.TotalFen = 0 },
		func(r *DeductRequest) { r.OutTradeNo = "has space" },
		func(r *DeductRequest) { r.Parking.EndTime = r.Parking.StartTime },
		func(r *DeductRequest) { r.Parking.PlateColor = "RED" },
		func(r *DeductRequest) { r.Description = strings.Repeat("x", 129) },
		func(r *DeductRequest) { r.SubMchID = "1900000109" }, // not a partner client
	}
	for i, edit := range bad {
		r := deductReq()
		edit(&r)
		_, err := c.Deduct(context.Background(), r)
		assert.ErrorIs(t, err, ErrInvalidInput, "case %d", i)
		var ve *ValidationError
		assert.ErrorAs(t, err, &ve)
	}
	assert.Empty(t, f.seen(), "nothing was sent")
	_, err := c.CreateParking(context.Background(), CreateParkingRequest{OutParkingNo: strings.Repeat("p", 65)})
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = c.FindPlateService(context.Background(), FindPlateServiceRequest{AppID: "a", PlateNumber: itPlate, PlateColor: Blue})
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = c.Do(context.Background(), "GET", "relative", nil, nil)
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	key := readTestdata(t, "merchant_private_key.pem")
	pub := readTestdata(t, "wechatpay_public_key.pem")
	for name, opts := range map[string][]Option{
		"no merchant":        {WithWeChatPayPublicKey(vecKeyID, pub)},
		"no trust":           {WithMerchant(itMch, itSerial, key)},
		"bad PEM":            {WithMerchant(itMch, itSerial, []byte("nope")), WithWeChatPayPublicKey(vecKeyID, pub)},
		"public key as key":  {WithMerchant(itMch, itSerial, pub), WithWeChatPayPublicKey(vecKeyID, pub)},
		"short APIv3 key":    {WithMerchant(itMch, itSerial, key), WithWeChatPayPublicKey(vecKeyID, pub), WithAPIv3Key("short")},
		"download no key":    {WithMerchant(itMch, itSerial, key), WithCertificateDownload(0)},
		"bad base URL":       {WithMerchant(itMch, itSerial, key), WithWeChatPayPublicKey(vecKeyID, pub), WithBaseURL("ftp://x")},
		"bad retry":          {WithMerchant(itMch, itSerial, key), WithWeChatPayPublicKey(vecKeyID, pub), WithRetry(RetryPolicy{})},
		"bad certificate":    {WithMerchant(itMch, itSerial, key), WithPlatformCertificates([]byte("x"))},
		"empty public keyid": {WithMerchant(itMch, itSerial, key), WithWeChatPayPublicKey("", pub)},
	} {
		_, err := New(opts...)
		assert.Error(t, err, name)
	}
}

// Nothing secret reaches the log, at any level.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, c, clk := newMockEnv(t, WithLogger(logger))
	ctx := context.Background()
	_ = srv.EnrolPlate(mockPlate())
	_, _ = c.FindPlateService(ctx, FindPlateServiceRequest{AppID: itAppID, PlateNumber: itPlate, PlateColor: Blue, OpenID: itOpenID})
	pk, err := c.CreateParking(ctx, CreateParkingRequest{OutParkingNo: "P1", PlateNumber: itPlate, PlateColor: Blue, NotifyURL: "https://example.com/n", StartTime: clk.now(), ParkingName: "lot"})
	require.NoError(t, err)
	_, _ = c.QueryTransaction(ctx, "MISSING", "")
	srv.FailNext("/v3/vehicle/transactions/parking", 500)
	clk.add(time.Hour)
	r := deductReq()
	r.Parking.ParkingID, r.Parking.StartTime, r.Parking.EndTime, r.Parking.ParkingName = pk.ID, pk.StartTime.Time, clk.now(), "lot"
	_, _ = c.Deduct(ctx, r)
	_, _ = c.QueryUserState(ctx, QueryUserStateRequest{AppID: itAppID, TradeScene: ScenePARKING, OpenID: itOpenID})
	log := buf.String()
	require.NotEmpty(t, log)
	assert.Contains(t, log, "/v3/vehicle/parking/parkings")
	for _, secret := range []string{itAPIv3, itAPIv2, itOpenID, itPlate, "WECHATPAY2-SHA256-RSA2048", "signature=", "PRIVATE KEY", "Authorization"} {
		assert.NotContains(t, log, secret)
	}
}
