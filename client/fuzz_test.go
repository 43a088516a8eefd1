package client

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseNotification: any body and headers give a verified notification
// or an error — never a panic, never an unverified success. Seeds are the
// official vectors.
//
//	go test ./client -run '^$' -fuzz FuzzParseNotification -fuzztime 5m
func FuzzParseNotification(f *testing.F) {
	var vs []notificationVector
	if err := json.Unmarshal(readTestdata(f, "v3-notifications.json"), &vs); err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		f.Add(v.Headers["Wechatpay-Serial"], v.Headers["Wechatpay-Timestamp"], v.Headers["Wechatpay-Nonce"], v.Headers["Wechatpay-Signature"], []byte(v.Body))
	}
	ts, _ := strconv.ParseInt(vs[0].Headers["Wechatpay-Timestamp"], 10, 64)
	c := newFuzzClient(f, time.Unix(ts, 0))
	f.Fuzz(func(t *testing.T, serial, timestamp, nonce, sig string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		r.Header.Set("Wechatpay-Serial", serial)
		r.Header.Set("Wechatpay-Timestamp", timestamp)
		r.Header.Set("Wechatpay-Nonce", nonce)
		r.Header.Set("Wechatpay-Signature", sig)
		n, err := c.ParseNotification(r)
		if err == nil {
			if err := c.verifier.VerifyHeaders(r.Header, body); err != nil {
				t.Fatalf("accepted a notification that does not verify: %v", err)
			}
			if n.ID == "" || n.EventType == "" {
				t.Fatalf("accepted a notification without id or event type")
			}
		}
	})
}

// FuzzDecodeXML: the APIv2 parser takes any bytes without panicking, and
// what it accepts round-trips through encodeXML.
//
//	go test ./client -run '^$' -fuzz FuzzDecodeXML -fuzztime 5m
func FuzzDecodeXML(f *testing.F) {
	f.Add([]byte("<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>500</total_fee></xml>"))
	f.Add([]byte("<xml><a><b>1</b></a></xml>"))
	f.Add([]byte("<html><body>502</body></html>"))
	f.Add([]byte("<xml><scene_info><![CDATA[{\"a\":\"]]]]><![CDATA[>\"}]]></scene_info></xml>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodeXML(data)
		if err != nil {
			return
		}
		for k := range p {
			if k == "" || strings.ContainsAny(k, "<>& ") {
				return // names the encoder would not write; nothing to compare
			}
		}
		again, err := decodeXML(encodeXML(p))
		if err != nil {
			t.Fatalf("re-encoding %q: %v", p, err)
		}
		for k, v := range p {
			if again[k] != strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n") {
				t.Fatalf("field %q: %q became %q", k, v, again[k])
			}
		}
	})
}

func newFuzzClient(f *testing.F, now time.Time) *Client {
	c, err := New(WithMerchant(itMch, itSerial, readTestdata(f, "merchant_private_key.pem")),
		WithWeChatPayPublicKey(vecKeyID, readTestdata(f, "wechatpay_public_key.pem")),
		WithAPIv3Key(itAPIv3), WithAPIv2Key(itAPIv2), WithClock(func() time.Time { return now }))
	if err != nil {
		f.Fatal(err)
	}
	return c
}
