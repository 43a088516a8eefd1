// Package notifytest builds WeChat Pay notifications signed and encrypted
// like the real ones, for testing a vendor's notification handling without
// WeChat or the mock.
//
//	s := notifytest.New("PUB_KEY_ID_…", wechatPayPrivateKey, apiV3Key)
//	req, _ := s.Request("https://lot.example/wx/pay", "TRANSACTION.SUCCESS", "transaction", txn)
//	handler.ServeHTTP(rec, req)
//
// The key is the one a test gave its client as the WeChat Pay key (for
// instance the mock's); a production key never belongs in a test.
package notifytest

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// Sender signs and encrypts notifications.
type Sender struct {
	signer   *signing.ResponseSigner
	cipher   *signing.ResourceCipher
	apiV2Key string
	// Now is the clock for Wechatpay-Timestamp (time.Now when nil).
	Now func() time.Time
	seq int
}

// New returns a Sender that signs with key under keyID (a PUB_KEY_ID_… or
// a certificate serial) and encrypts with the 32-byte APIv3 key.
func New(keyID string, key *rsa.PrivateKey, apiV3Key string) (*Sender, error) {
	rs, err := signing.NewResponseSigner(keyID, key)
	if err != nil {
		return nil, err
	}
	rc, err := signing.NewResourceCipher([]byte(apiV3Key))
	if err != nil {
		return nil, err
	}
	return &Sender{signer: rs, cipher: rc}, nil
}

// WithAPIv2Key sets the key V2Request signs with.
func (s *Sender) WithAPIv2Key(key string) *Sender { s.apiV2Key = key; return s }

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Body builds an APIv3 notification body: an envelope of event type
// eventType whose resource is resource encoded as JSON and encrypted with
// associatedData ("transaction" for payments, "parking" for stays).
func (s *Sender) Body(id, eventType, associatedData string, resource any) ([]byte, error) {
	plain, err := json.Marshal(resource)
	if err != nil {
		return nil, err
	}
	nonce := signing.NewResourceNonce()
	ct, err := s.cipher.Encrypt(signing.AlgorithmAES256GCM, nonce, associatedData, plain)
	if err != nil {
		return nil, err
	}
	orig := associatedData
	if eventType == "VEHICLE.ENTRANCE_STATE_CHANGE" {
		orig = ""
	}
	return json.Marshal(map[string]any{
		"id": id, "create_time": s.now().Format(time.RFC3339), "event_type": eventType, "resource_type": "encrypt-resource",
		"summary": eventType, "resource": map[string]string{"algorithm": signing.AlgorithmAES256GCM, "ciphertext": ct,
			"associated_data": associatedData, "original_type": orig, "nonce": nonce},
	})
}

// Request returns a POST to url carrying a signed APIv3 notification with a
// fresh id.
func (s *Sender) Request(url, eventType, associatedData string, resource any) (*http.Request, error) {
	s.seq++
	return s.RequestWithID(url, fmt.Sprintf("EV-TEST-%d-%d", s.now().UnixNano(), s.seq), eventType, associatedData, resource)
}

// RequestWithID is Request with a chosen notification id (to test
// de-duplication).
func (s *Sender) RequestWithID(url, id, eventType, associatedData string, resource any) (*http.Request, error) {
	body, err := s.Body(id, eventType, associatedData, resource)
	if err != nil {
		return nil, err
	}
	return s.SignedRequest(url, body)
}

// SignedRequest posts body to url with Wechatpay-* headers signed now.
func (s *Sender) SignedRequest(url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if err := s.signer.SignHeaders(req.Header, s.now().Unix(), signing.NewNonce(), body); err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Request-ID", "TEST-REQUEST")
	return req, nil
}

// V2Request returns a POST to url carrying params as a signed APIv2 XML
// notification (HMAC-SHA256, with a fresh nonce_str).
func (s *Sender) V2Request(url string, params map[string]string) (*http.Request, error) {
	if s.apiV2Key == "" {
		return nil, fmt.Errorf("notifytest: no APIv2 key: use WithAPIv2Key")
	}
	p := map[string]string{"nonce_str": signing.NewNonce(), "sign_type": signing.SignTypeHMACSHA256}
	for k, v := range params {
		p[k] = v
	}
	sign, err := signing.SignV2(p, s.apiV2Key, signing.SignTypeHMACSHA256)
	if err != nil {
		return nil, err
	}
	p["sign"] = sign
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("<xml>")
	for _, k := range keys {
		fmt.Fprintf(&b, "<%s><![CDATA[%s]]></%s>", k, p[k], k)
	}
	b.WriteString("</xml>")
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(b.String()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	return req, nil
}
