package signing

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Header names of a signed APIv3 response or notification.
const (
	HeaderSerial        = "Wechatpay-Serial"
	HeaderSignature     = "Wechatpay-Signature"
	HeaderTimestamp     = "Wechatpay-Timestamp"
	HeaderNonce         = "Wechatpay-Nonce"
	HeaderSignatureType = "Wechatpay-Signature-Type"
)

// DefaultMaxSkew is how far a Wechatpay-Timestamp may be from the
// verifier's clock. As in the official Go SDK, a difference of exactly this
// much is already rejected.
const DefaultMaxSkew = 300 * time.Second

// signTestPrefix marks WeChat's signature probes: deliberately invalid
// signatures that a correct receiver must refuse.
const signTestPrefix = "WECHATPAY/SIGNTEST/"

// Verifier checks the signatures WeChat Pay puts on APIv3 responses and
// notifications. It holds any mix of WeChat Pay public keys (selected by
// their PUB_KEY_ID_… id) and platform certificates (selected by serial), so
// one Verifier serves a merchant in the middle of a key-mode migration.
//
// A Verifier is safe for concurrent use; keys may be added or removed while
// other goroutines verify (certificate rotation).
type Verifier struct {
	now     func() time.Time
	maxSkew time.Duration

	mu   sync.Mutex                        // serialises writers
	keys atomic.Pointer[map[string]verKey] // copy-on-write; readers never lock
}

type verKey struct {
	pub  *rsa.PublicKey
	cert *x509.Certificate // nil for a WeChat Pay public key
}

// VerifierOption configures NewVerifier.
type VerifierOption func(*Verifier) error

// WithPublicKey trusts a WeChat Pay public key (微信支付公钥) under its id,
// the PUB_KEY_ID_… value WeChat puts in Wechatpay-Serial.
func WithPublicKey(id string, key *rsa.PublicKey) VerifierOption {
	return func(v *Verifier) error { return v.AddPublicKey(id, key) }
}

// WithCertificate trusts a WeChat Pay platform certificate under its
// serial (CertificateSerial). It verifies only inside its validity period.
func WithCertificate(cert *x509.Certificate) VerifierOption {
	return func(v *Verifier) error { return v.AddCertificate(cert) }
}

// WithClock sets the clock used for the timestamp window and certificate
// validity. The default is time.Now.
func WithClock(now func() time.Time) VerifierOption {
	return func(v *Verifier) error {
		if now == nil {
			return fmt.Errorf("signing: verifier: %w: nil clock", ErrMalformed)
		}
		v.now = now
		return nil
	}
}

// WithMaxSkew sets how far Wechatpay-Timestamp may be from the clock before
// a signature is refused with ErrTimestampSkew; d must be positive. The
// default is DefaultMaxSkew.
func WithMaxSkew(d time.Duration) VerifierOption {
	return func(v *Verifier) error {
		if d <= 0 {
			return fmt.Errorf("signing: verifier: %w: max skew %v must be positive", ErrMalformed, d)
		}
		v.maxSkew = d
		return nil
	}
}

// NewVerifier returns a Verifier with the given keys and settings. A
// Verifier may start without keys (a certificate-mode client adds them after
// its first download); it then refuses everything with ErrUnknownSerial.
func NewVerifier(opts ...VerifierOption) (*Verifier, error) {
	v := &Verifier{now: time.Now, maxSkew: DefaultMaxSkew}
	empty := map[string]verKey{}
	v.keys.Store(&empty)
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// AddPublicKey trusts a WeChat Pay public key under id, replacing any key
// already held under that id.
func (v *Verifier) AddPublicKey(id string, key *rsa.PublicKey) error {
	if err := checkHeaderToken("public key id", id); err != nil {
		return err
	}
	if err := checkPublicKey("public key "+id, key); err != nil {
		return err
	}
	v.store(id, verKey{pub: key})
	return nil
}

// AddCertificate trusts a platform certificate under its serial, replacing
// any key already held under that serial.
func (v *Verifier) AddCertificate(cert *x509.Certificate) error {
	pub, err := certificateKey(cert)
	if err != nil {
		return err
	}
	v.store(CertificateSerial(cert), verKey{pub: pub, cert: cert})
	return nil
}

// RemoveKey stops trusting the key or certificate held under id. Removing
// an id that is not held does nothing.
func (v *Verifier) RemoveKey(id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	old := *v.keys.Load()
	if _, ok := old[id]; !ok {
		return
	}
	next := make(map[string]verKey, len(old))
	for k, e := range old {
		if k != id {
			next[k] = e
		}
	}
	v.keys.Store(&next)
}

// KeyIDs returns the ids and serials currently trusted, sorted.
func (v *Verifier) KeyIDs() []string {
	m := *v.keys.Load()
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Certificate returns the platform certificate held under serial, or nil.
func (v *Verifier) Certificate(serial string) *x509.Certificate {
	return (*v.keys.Load())[serial].cert
}

func (v *Verifier) store(id string, k verKey) {
	v.mu.Lock()
	defer v.mu.Unlock()
	old := *v.keys.Load()
	next := make(map[string]verKey, len(old)+1)
	for id, e := range old {
		next[id] = e
	}
	next[id] = k
	v.keys.Store(&next)
}

// Verify checks one signed response or notification: the values of its
// Wechatpay-Serial, Wechatpay-Timestamp, Wechatpay-Nonce and
// Wechatpay-Signature headers and the raw body bytes exactly as received.
//
// It returns nil only when the timestamp is inside the window, the serial
// names a trusted key (a certificate only inside its validity period) and
// the signature verifies over the three-line message of spec §5.2. Errors
// wrap ErrMalformed, ErrTimestampSkew, ErrUnknownSerial,
// ErrCertificateExpired or ErrBadSignature, in that order of checking.
func (v *Verifier) Verify(serial, timestamp, nonce string, body []byte, signature string) error {
	switch {
	case serial == "":
		return missing(HeaderSerial)
	case timestamp == "":
		return missing(HeaderTimestamp)
	case nonce == "":
		return missing(HeaderNonce)
	case signature == "":
		return missing(HeaderSignature)
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ts < 0 {
		return fmt.Errorf("signing: verify: %w: %s %q is not a Unix time in seconds", ErrMalformed, HeaderTimestamp, truncate(timestamp))
	}
	if strings.HasPrefix(signature, signTestPrefix) {
		return fmt.Errorf("signing: verify: %w: %s is a WECHATPAY/SIGNTEST probe", ErrBadSignature, HeaderSignature)
	}
	var sigBuf [512]byte
	sig, err := decodeSignature(sigBuf[:], signature)
	if err != nil {
		return err
	}

	now := v.now()
	diff := now.Unix() - ts
	if diff < 0 {
		diff = -diff
	}
	if diff > int64(math.MaxInt64/time.Second) || time.Duration(diff)*time.Second >= v.maxSkew {
		return fmt.Errorf("signing: verify: %w: %s %d is %ds from now (limit %v)", ErrTimestampSkew, HeaderTimestamp, ts, diff, v.maxSkew)
	}

	k, ok := (*v.keys.Load())[serial]
	if !ok {
		return fmt.Errorf("signing: verify: %w: %q", ErrUnknownSerial, truncate(serial))
	}
	if k.cert != nil && (now.Before(k.cert.NotBefore) || now.After(k.cert.NotAfter)) {
		return fmt.Errorf("signing: verify: %w: certificate %s is valid from %s to %s", ErrCertificateExpired, serial,
			k.cert.NotBefore.UTC().Format(time.RFC3339), k.cert.NotAfter.UTC().Format(time.RFC3339))
	}

	bp := msgPool.Get().(*[]byte)
	msg := appendResponseMessage((*bp)[:0], timestamp, nonce, body)
	err = verifyPKCS1(k.pub, msg, sig)
	putMessage(bp, msg)
	if err != nil {
		return fmt.Errorf("signing: verify: %w (key %s)", ErrBadSignature, serial)
	}
	return nil
}

// VerifyHeaders is Verify with the four values read from h (surrounding
// spaces trimmed). A Wechatpay-Signature-Type other than
// WECHATPAY2-SHA256-RSA2048, when present, gives ErrUnsupported.
func (v *Verifier) VerifyHeaders(h http.Header, body []byte) error {
	if st := strings.TrimSpace(h.Get(HeaderSignatureType)); st != "" && st != AuthScheme {
		return fmt.Errorf("signing: verify: %w: %s %q", ErrUnsupported, HeaderSignatureType, truncate(st))
	}
	return v.Verify(
		strings.TrimSpace(h.Get(HeaderSerial)),
		strings.TrimSpace(h.Get(HeaderTimestamp)),
		strings.TrimSpace(h.Get(HeaderNonce)),
		body,
		strings.TrimSpace(h.Get(HeaderSignature)),
	)
}

func missing(header string) error {
	return fmt.Errorf("signing: verify: %w: %s header is missing or empty", ErrMalformed, header)
}

// decodeSignature base64-decodes s into buf when it fits.
func decodeSignature(buf []byte, s string) ([]byte, error) {
	n := base64.StdEncoding.DecodedLen(len(s))
	if n > len(buf) {
		buf = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(buf[:n], []byte(s))
	if err != nil {
		return nil, fmt.Errorf("signing: verify: %w: signature is not standard base64: %v", ErrMalformed, err)
	}
	return buf[:n], nil
}

func verifyPKCS1(pub *rsa.PublicKey, message, sig []byte) error {
	digest := sha256.Sum256(message)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
}

// truncate keeps error messages short and free of whole attacker-supplied
// values.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// ResponseSigner signs responses and notifications the way WeChat Pay does
// (the counterpart of Verifier). It is what a mock or test server uses; a
// merchant never needs it.
//
// A ResponseSigner is immutable and safe for concurrent use.
type ResponseSigner struct {
	keyID string
	key   *rsa.PrivateKey
}

// NewResponseSigner returns a ResponseSigner that signs with key and names
// keyID (a PUB_KEY_ID_… id or a certificate serial) in Wechatpay-Serial.
func NewResponseSigner(keyID string, key *rsa.PrivateKey) (*ResponseSigner, error) {
	if err := checkHeaderToken("key id", keyID); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("signing: response signer: %w: nil private key", ErrInvalidKey)
	}
	if err := checkPublicKey("response signer key", &key.PublicKey); err != nil {
		return nil, err
	}
	key.Precompute()
	return &ResponseSigner{keyID: keyID, key: key}, nil
}

// KeyID returns the id written to Wechatpay-Serial.
func (s *ResponseSigner) KeyID() string { return s.keyID }

// Sign returns the base64 signature over the three-line message of
// timestamp (Unix seconds), nonce and body.
func (s *ResponseSigner) Sign(timestamp int64, nonce string, body []byte) (string, error) {
	if err := checkHeaderToken("nonce", nonce); err != nil {
		return "", err
	}
	sig, err := signPKCS1(s.key, ResponseMessage(strconv.FormatInt(timestamp, 10), nonce, body))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// SignHeaders signs body and sets Wechatpay-Serial, -Timestamp, -Nonce,
// -Signature and -Signature-Type on h.
func (s *ResponseSigner) SignHeaders(h http.Header, timestamp int64, nonce string, body []byte) error {
	sig, err := s.Sign(timestamp, nonce, body)
	if err != nil {
		return err
	}
	h.Set(HeaderSerial, s.keyID)
	h.Set(HeaderTimestamp, strconv.FormatInt(timestamp, 10))
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignature, sig)
	h.Set(HeaderSignatureType, AuthScheme)
	return nil
}
