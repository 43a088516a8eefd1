package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A request signed by the official SDK (the vectors) passes the mock's
// check byte for byte, and one changed byte fails it.
func TestOfficialSDKSignaturesAreAccepted(t *testing.T) {
	f := newFixture(t)
	var vs []struct {
		Name          string `json:"name"`
		Method        string `json:"method"`
		CanonicalURL  string `json:"canonical_url"`
		Nonce         string `json:"nonce"`
		Body          string `json:"body"`
		Authorization string `json:"authorization"`
		Timestamp     int64  `json:"timestamp"`
	}
	data := readFile(t, "v3-request-signing.json")
	require.NoError(t, json.Unmarshal(data, &vs))
	send := func(method, uri, auth, body string) response {
		req, err := http.NewRequest(method, f.srv.URL()+uri, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", auth)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "wechatpay-go/0.2.21")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return response{status: resp.StatusCode, header: resp.Header, body: out}
	}
	// The vectors are partner-mode requests (they carry sub_mchid).
	mkey, err := signing.LoadPublicKey(readFile(t, "merchant_public_key.pem"))
	require.NoError(t, err)
	require.NoError(t, f.srv.AddMerchant(Merchant{MchID: testMchID, SerialNo: testSerial, PublicKey: mkey, Partner: true}))
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			f.clock.Set(time.Unix(v.Timestamp, 0))
			r := send(v.Method, v.CanonicalURL, v.Authorization, v.Body)
			assert.NotEqual(t, http.StatusUnauthorized, r.status, "%s", r.body)
			assert.NotEqual(t, "SIGN_ERROR", r.code())
			assert.NoError(t, f.verifier.VerifyHeaders(r.header, r.body), "status %d %s %v", r.status, r.body, r.header)

			tampered := strings.Replace(v.Authorization, `nonce_str="`, `nonce_str="X`, 1)
			r = send(v.Method, v.CanonicalURL, tampered, v.Body)
			assert.Equal(t, http.StatusUnauthorized, r.status)
			assert.Equal(t, "SIGN_ERROR", r.code())
		})
	}
}

func TestFullParkingCycle(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t)
	f.enrol(testPlate, "BLUE")
	entry := f.clock.Now()

	q := url.Values{"appid": {testAppID}, "plate_number": {testPlate}, "plate_color": {"BLUE"}, "openid": {testOpenID}}
	r := f.do(f.signer, "GET", PathFind+"?"+q.Encode(), nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	f.mustVerify(r)
	assert.Equal(t, "NORMAL", r.json(t)["service_state"])
	assert.NotEmpty(t, r.json(t)["service_open_time"])

	r = f.do(f.signer, "POST", PathParkings, f.entryBody("P001", testPlate, rc.URL+"/parking", entry))
	require.Equal(t, 200, r.status, "%s", r.body)
	f.mustVerify(r)
	parkingID := r.json(t)["id"].(string)
	assert.Equal(t, "NORMAL", r.json(t)["state"])
	assert.Len(t, parkingID, 19)

	f.clock.Add(2 * time.Hour)
	r = f.do(f.signer, "POST", PathTransactions, f.deductBody("T001", parkingID, testPlate, rc.URL+"/pay", entry, f.clock.Now(), 1200))
	require.Equal(t, 200, r.status, "%s", r.body)
	f.mustVerify(r)
	txn := r.json(t)
	assert.Equal(t, "ACCEPTED", txn["trade_state"])
	assert.Equal(t, testOpenID, txn["payer"].(map[string]any)["openid"])
	assert.Equal(t, float64(1200), txn["amount"].(map[string]any)["total"])

	r = f.do(f.signer, "GET", PathQueryPrefix+"T001", nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "ACCEPTED", r.json(t)["trade_state"], "outcome waits on the callback clock")
	assert.Empty(t, rc.deliveries())

	f.srv.AdvanceCallbacks(3 * time.Second)
	got := rc.deliveries()
	require.Len(t, got, 1)
	env, plain := f.decrypt(got[0])
	assert.Equal(t, "TRANSACTION.SUCCESS", env["event_type"])
	assert.Equal(t, "transaction", env["resource"].(map[string]any)["original_type"])
	assert.Equal(t, "SUCCESS", plain["trade_state"])
	assert.Equal(t, "T001", plain["out_trade_no"])
	assert.Equal(t, parkingID, plain["parking_info"].(map[string]any)["parking_id"])
	assert.Equal(t, float64(1200), plain["amount"].(map[string]any)["payer_total"])

	r = f.do(f.signer, "GET", PathQueryPrefix+"T001", nil)
	assert.Equal(t, "SUCCESS", r.json(t)["trade_state"])
	assert.Equal(t, plain["transaction_id"], r.json(t)["transaction_id"])

	cbs := f.srv.Callbacks()
	require.Len(t, cbs, 1)
	assert.True(t, cbs[0].Acked)
	assert.Len(t, cbs[0].Attempts, 1)
}

func TestPartnerModeAndNotEnrolled(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t)
	q := url.Values{"appid": {testAppID}, "sub_mchid": {testSubMch}, "plate_number": {"沪AD12345"}, "plate_color": {"GREEN"}, "openid": {"someone"}}
	r := f.do(f.psigner, "GET", PathFind+"?"+q.Encode(), nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	assert.Equal(t, "OUT_SERVICE", r.json(t)["service_state"])
	_, has := r.json(t)["service_open_time"]
	assert.False(t, has)

	q.Del("sub_mchid")
	r = f.do(f.psigner, "GET", PathFind+"?"+q.Encode(), nil)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "sub_mchid", r.field())

	body := f.entryBody("P9", "沪AD12345", rc.URL, f.clock.Now())
	body["plate_color"] = "GREEN"
	body["sub_mchid"] = testSubMch
	r = f.do(f.psigner, "POST", PathParkings, body)
	require.Equal(t, 200, r.status, "%s", r.body)
	assert.Equal(t, "BLOCKED", r.json(t)["state"])
	assert.Equal(t, "OUT_SERVICE", r.json(t)["block_reason"])

	id := r.json(t)["id"].(string)
	// A direct merchant may not send sub_mchid.
	r = f.do(f.signer, "POST", PathParkings, body)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "/sub_mchid", r.field())

	// Deducting a blocked stay is refused.
	f.clock.Add(time.Hour)
	d := f.deductBody("T9", id, "沪AD12345", rc.URL, f.clock.Now().Add(-time.Hour), f.clock.Now(), 500)
	d["sub_mchid"] = testSubMch
	d["parking_info"].(map[string]any)["plate_color"] = "GREEN"
	d["parking_info"].(map[string]any)["start_time"] = body["start_time"]
	r = f.do(f.psigner, "POST", PathTransactions, d)
	assert.Equal(t, 403, r.status, "%s", r.body)
	assert.Equal(t, "NO_AUTH", r.code())
	f.mustVerify(r)
}

func TestValidationRules(t *testing.T) {
	f := newFixture(t)
	f.enrol(testPlate, "BLUE")
	now := f.clock.Now()
	okEntry := func() map[string]any {
		return f.entryBody("P1", testPlate, "https://example.com/n", now.Add(-time.Hour))
	}
	entryCases := []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"missing out_parking_no", func(m map[string]any) { delete(m, "out_parking_no") }, "/out_parking_no"},
		{"out_parking_no too long", func(m map[string]any) { m["out_parking_no"] = strings.Repeat("x", 65) }, "/out_parking_no"},
		{"plate with a separator", func(m map[string]any) { m["plate_number"] = "粤B·12345" }, "/plate_number"},
		{"plate colour", func(m map[string]any) { m["plate_color"] = "RED" }, "/plate_color"},
		{"http notify_url", func(m map[string]any) { m["notify_url"] = "http://example.com/n" }, "/notify_url"},
		{"notify_url with a query", func(m map[string]any) { m["notify_url"] = "https://example.com/n?x=1" }, "/notify_url"},
		{"start_time format", func(m map[string]any) { m["start_time"] = "2025-12-03 10:00:00" }, "/start_time"},
		{"start_time in the future", func(m map[string]any) { m["start_time"] = now.Add(time.Hour).Format(time.RFC3339) }, "/start_time"},
		{"parking_name too long", func(m map[string]any) { m["parking_name"] = strings.Repeat("停", 43) }, "/parking_name"},
		{"free_duration a string", func(m map[string]any) { m["free_duration"] = "900" }, "/free_duration"},
		{"free_duration negative", func(m map[string]any) { m["free_duration"] = -1 }, "/free_duration"},
		{"4-byte character", func(m map[string]any) { m["parking_name"] = "停车😀" }, "/parking_name"},
	}
	for _, c := range entryCases {
		t.Run("entry/"+c.name, func(t *testing.T) {
			b := okEntry()
			c.edit(b)
			r := f.do(f.signer, "POST", PathParkings, b)
			assert.Equal(t, 400, r.status, "%s", r.body)
			assert.Equal(t, "PARAM_ERROR", r.code())
			assert.Equal(t, c.field, r.field(), "%s", r.body)
			f.mustVerify(r)
		})
	}

	r := f.do(f.signer, "POST", PathParkings, okEntry())
	require.Equal(t, 200, r.status, "%s", r.body)
	id := r.json(t)["id"].(string)
	okDeduct := func() map[string]any {
		return f.deductBody("T1", id, testPlate, "https://example.com/p", now.Add(-time.Hour), now.Add(-time.Minute), 500)
	}
	pi := func(m map[string]any) map[string]any { return m["parking_info"].(map[string]any) }
	deductCases := []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"amount zero", func(m map[string]any) { m["amount"] = map[string]any{"total": 0} }, "/amount/total"},
		{"amount negative", func(m map[string]any) { m["amount"] = map[string]any{"total": -5} }, "/amount/total"},
		{"amount fractional", func(m map[string]any) { m["amount"] = map[string]any{"total": 1.5} }, "/amount/total"},
		{"currency", func(m map[string]any) { m["amount"] = map[string]any{"total": 5, "currency": "USD"} }, "/amount/currency"},
		{"no amount", func(m map[string]any) { delete(m, "amount") }, "/amount"},
		{"out_trade_no charset", func(m map[string]any) { m["out_trade_no"] = "T#1" }, "/out_trade_no"},
		{"out_trade_no length", func(m map[string]any) { m["out_trade_no"] = strings.Repeat("1", 33) }, "/out_trade_no"},
		{"trade_scene", func(m map[string]any) { m["trade_scene"] = "GAS" }, "/trade_scene"},
		{"no parking_info", func(m map[string]any) { delete(m, "parking_info") }, "/parking_info"},
		{"end before start", func(m map[string]any) { pi(m)["end_time"] = now.Add(-2 * time.Hour).Format(time.RFC3339) }, "/parking_info/end_time"},
		{"end equals start", func(m map[string]any) { pi(m)["end_time"] = pi(m)["start_time"] }, "/parking_info/end_time"},
		{"end in the future", func(m map[string]any) { pi(m)["end_time"] = now.Add(time.Minute).Format(time.RFC3339) }, "/parking_info/end_time"},
		{"no device_id", func(m map[string]any) { delete(pi(m), "device_id") }, "/parking_info/device_id"},
		{"description too long", func(m map[string]any) { m["description"] = strings.Repeat("a", 129) }, "/description"},
		{"profit_sharing", func(m map[string]any) { m["profit_sharing"] = "y" }, "/profit_sharing"},
		{"missing appid", func(m map[string]any) { delete(m, "appid") }, "/appid"},
	}
	for _, c := range deductCases {
		t.Run("deduct/"+c.name, func(t *testing.T) {
			b := okDeduct()
			c.edit(b)
			r := f.do(f.signer, "POST", PathTransactions, b)
			assert.Equal(t, 400, r.status, "%s", r.body)
			assert.Equal(t, "PARAM_ERROR", r.code())
			assert.Equal(t, c.field, r.field(), "%s", r.body)
		})
	}
	r = f.do(f.signer, "POST", PathTransactions, "{not json")
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "PARAM_ERROR", r.code())
	r = f.do(f.signer, "GET", PathQueryPrefix+"T%231", nil)
	assert.Equal(t, 400, r.status)
	r = f.do(f.signer, "GET", PathQueryPrefix+"NOPE", nil)
	assert.Equal(t, 404, r.status)
	assert.Equal(t, "ORDER_NOT_EXIST", r.code())
	f.mustVerify(r)
	r = f.do(f.signer, "GET", "/v3/vehicle/nothing", nil)
	assert.Equal(t, 404, r.status)
	r = f.do(f.signer, "POST", PathFind, "{}")
	assert.Equal(t, 405, r.status)
}

func TestIdempotencyAndParkingRules(t *testing.T) {
	f := newFixture(t)
	f.enrol(testPlate, "BLUE")
	start := f.clock.Now().Add(-2 * time.Hour)
	entry := f.entryBody("P1", testPlate, "https://example.com/n", start)
	r1 := f.do(f.signer, "POST", PathParkings, entry)
	require.Equal(t, 200, r1.status)
	// Same out_parking_no, same body (keys in another order) → the same stay.
	r2 := f.do(f.signer, "POST", PathParkings, `{"free_duration":900,"parking_name":"`+parkingName+`","start_time":"`+entry["start_time"].(string)+
		`","notify_url":"https://example.com/n","plate_color":"BLUE","plate_number":"`+testPlate+`","out_parking_no":"P1"}`)
	require.Equal(t, 200, r2.status, "%s", r2.body)
	assert.Equal(t, r1.json(t)["id"], r2.json(t)["id"])
	// Same out_parking_no, different body → INVALID_REQUEST.
	entry["free_duration"] = 600
	r := f.do(f.signer, "POST", PathParkings, entry)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "INVALID_REQUEST", r.code())

	first := r1.json(t)["id"].(string)
	end := f.clock.Now().Add(-time.Minute)
	d := f.deductBody("T1", first, testPlate, "https://example.com/p", start, end, 800)
	r = f.do(f.signer, "POST", PathTransactions, d)
	require.Equal(t, 200, r.status, "%s", r.body)
	// Replay with the same body: the original answer.
	r = f.do(f.signer, "POST", PathTransactions, d)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "ACCEPTED", r.json(t)["trade_state"])
	// Same out_trade_no, different amount → INVALID_REQUEST.
	d["amount"] = map[string]any{"total": 900}
	r = f.do(f.signer, "POST", PathTransactions, d)
	assert.Equal(t, "INVALID_REQUEST", r.code())
	// A parking id is charged once.
	d = f.deductBody("T2", first, testPlate, "https://example.com/p", start, end, 800)
	r = f.do(f.signer, "POST", PathTransactions, d)
	assert.Equal(t, 400, r.status)
	assert.Contains(t, r.json(t)["message"], "不匹配")
	// Unknown parking id.
	d = f.deductBody("T3", "NOSUCHPARKINGID0000", testPlate, "https://example.com/p", start, end, 800)
	r = f.do(f.signer, "POST", PathTransactions, d)
	assert.Contains(t, r.json(t)["message"], "不存在")

	// A new entry of the plate supersedes the old one.
	ra := f.do(f.signer, "POST", PathParkings, f.entryBody("P2", testPlate, "https://example.com/n", start))
	rb := f.do(f.signer, "POST", PathParkings, f.entryBody("P3", testPlate, "https://example.com/n", start))
	d = f.deductBody("T4", ra.json(t)["id"].(string), testPlate, "https://example.com/p", start, end, 800)
	r = f.do(f.signer, "POST", PathTransactions, d)
	assert.Contains(t, r.json(t)["message"], "不存在", "superseded id")
	d = f.deductBody("T5", rb.json(t)["id"].(string), testPlate, "https://example.com/p", start, end, 800)
	d["parking_info"].(map[string]any)["parking_name"] = "another lot"
	r = f.do(f.signer, "POST", PathTransactions, d)
	assert.Contains(t, r.json(t)["message"], "不匹配", "parking_info must match the entry")
	d = f.deductBody("T6", rb.json(t)["id"].(string), testPlate, "https://example.com/p", start, end, 800)
	r = f.do(f.signer, "POST", PathTransactions, d)
	assert.Equal(t, 200, r.status, "%s", r.body)
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	q := "?" + url.Values{"appid": {testAppID}, "plate_number": {testPlate}, "plate_color": {"BLUE"}, "openid": {testOpenID}}.Encode()
	ok := f.do(f.signer, "GET", PathFind+q, nil)
	require.Equal(t, 200, ok.status)

	cases := []struct {
		name   string
		edit   func(*http.Request)
		status int
		code   string
	}{
		{"no Accept", func(r *http.Request) { r.Header.Del("Accept") }, 400, "INVALID_REQUEST"},
		{"no User-Agent", func(r *http.Request) { r.Header.Set("User-Agent", "") }, 400, "INVALID_REQUEST"},
		{"no Authorization", func(r *http.Request) { r.Header.Del("Authorization") }, 401, "SIGN_ERROR"},
		{"unknown Wechatpay-Serial", func(r *http.Request) { r.Header.Set("Wechatpay-Serial", "PUB_KEY_ID_X") }, 400, "INVALID_REQUEST"},
		{"unknown merchant", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testMchID, "1999999999", 1))
		}, 401, "SIGN_ERROR"},
		{"wrong serial", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testSerial, "ABC", 1))
		}, 401, "SIGN_ERROR"},
		{"query changed after signing", func(r *http.Request) { r.URL.RawQuery += "&x=1" }, 401, "SIGN_ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do(f.signer, "GET", PathFind+q, nil, c.edit)
			assert.Equal(t, c.status, r.status, "%s", r.body)
			assert.Equal(t, c.code, r.code())
			f.mustVerify(r)
		})
	}

	// Timestamps: 299 s old passes, 300 s is refused.
	signedAt := func(age time.Duration) response {
		return f.do(f.signer, "GET", PathFind+q, nil, func(r *http.Request) {
			auth, err := f.signer.Authorization("GET", r.URL.RequestURI(), nil, f.clock.Now().Add(-age).Unix(), signing.NewNonce())
			require.NoError(t, err)
			r.Header.Set("Authorization", auth)
		})
	}
	assert.Equal(t, 200, signedAt(299*time.Second).status)
	assert.Equal(t, 401, signedAt(300*time.Second).status)
	assert.Equal(t, 401, signedAt(-300*time.Second).status)

	// Certificate mode: the answer names the certificate serial.
	r := f.do(f.signer, "GET", PathFind+q, nil, func(r *http.Request) {
		r.Header.Set("Wechatpay-Serial", signing.CertificateSerial(f.srv.Certificate()))
	})
	require.Equal(t, 200, r.status)
	assert.Equal(t, signing.CertificateSerial(f.srv.Certificate()), r.header.Get("Wechatpay-Serial"))
	f.mustVerify(r)
	r = f.do(f.signer, "GET", PathFind+q, nil, func(r *http.Request) { r.Header.Del("Wechatpay-Serial") })
	assert.Equal(t, f.srv.PublicKeyID(), r.header.Get("Wechatpay-Serial"))

	// A merchant not yet migrated gets certificate signatures by default.
	mkey, err := signing.LoadPublicKey(readFile(t, "merchant_public_key.pem"))
	require.NoError(t, err)
	require.NoError(t, f.srv.AddMerchant(Merchant{MchID: testMchID, SerialNo: testSerial, PublicKey: mkey, CertificateMode: true}))
	r = f.do(f.signer, "GET", PathFind+q, nil, func(r *http.Request) { r.Header.Del("Wechatpay-Serial") })
	assert.Equal(t, signing.CertificateSerial(f.srv.Certificate()), r.header.Get("Wechatpay-Serial"))
	f.mustVerify(r)
}

func TestCertificates(t *testing.T) {
	f := newFixture(t)
	r := f.do(f.signer, "GET", PathCertificates, nil)
	require.Equal(t, 200, r.status, "%s", r.body)
	f.mustVerify(r)
	var out struct {
		Data []struct {
			SerialNo           string `json:"serial_no"`
			EncryptCertificate struct {
				Algorithm      string `json:"algorithm"`
				Nonce          string `json:"nonce"`
				AssociatedData string `json:"associated_data"`
				Ciphertext     string `json:"ciphertext"`
			} `json:"encrypt_certificate"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(r.body, &out))
	require.Len(t, out.Data, 1)
	e := out.Data[0].EncryptCertificate
	pemBytes, err := signing.DecryptResource([]byte(testAPIv3), e.Algorithm, e.Nonce, e.AssociatedData, e.Ciphertext)
	require.NoError(t, err)
	cert, err := signing.LoadCertificate(pemBytes)
	require.NoError(t, err)
	assert.Equal(t, out.Data[0].SerialNo, signing.CertificateSerial(cert))
	assert.Equal(t, "certificate", e.AssociatedData)
}
