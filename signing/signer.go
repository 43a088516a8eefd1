package signing

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// AuthScheme is the scheme word of an APIv3 Authorization header and the
// value of Wechatpay-Signature-Type: SHA256-with-RSA over 2048-bit keys.
const AuthScheme = "WECHATPAY2-SHA256-RSA2048"

// Signer produces APIv3 request signatures for one merchant: the mchid
// (the partner's id in 服务商 mode), the serial number of its merchant API
// certificate, and the matching private key (apiclient_key.pem).
//
// A Signer is immutable and safe for concurrent use.
type Signer struct {
	mchID    string
	serialNo string
	key      *rsa.PrivateKey
	prefix   string // `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="`
}

// NewSigner returns a Signer for merchant mchID whose API certificate has
// serial serialNo. Neither may be empty or contain quotes, commas or
// control characters (they are copied into the header); the key must be RSA
// of at least MinRSABits.
func NewSigner(mchID, serialNo string, key *rsa.PrivateKey) (*Signer, error) {
	if err := checkHeaderToken("mchID", mchID); err != nil {
		return nil, err
	}
	if err := checkHeaderToken("serialNo", serialNo); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("signing: signer: %w: nil private key", ErrInvalidKey)
	}
	if err := checkPublicKey("signer private key", &key.PublicKey); err != nil {
		return nil, err
	}
	key.Precompute()
	return &Signer{
		mchID:    mchID,
		serialNo: serialNo,
		key:      key,
		prefix:   AuthScheme + ` mchid="` + mchID + `",nonce_str="`,
	}, nil
}

// MchID returns the merchant id this Signer signs for.
func (s *Signer) MchID() string { return s.mchID }

// SerialNo returns the merchant API certificate serial this Signer names.
func (s *Signer) SerialNo() string { return s.serialNo }

// Authorization returns the whole value of the Authorization header for an
// APIv3 request:
//
//	WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"
//
// method is upper-cased. canonicalURL is the request target exactly as it
// goes on the wire — path plus "?query" when there is one (in Go,
// req.URL.RequestURI()) — and must start with "/". body is the exact bytes
// sent (nil or empty for GET). timestamp is Unix seconds and nonce is a
// fresh random string, normally NewNonce().
func (s *Signer) Authorization(method, canonicalURL string, body []byte, timestamp int64, nonce string) (string, error) {
	method, err := checkRequest(method, canonicalURL, timestamp, nonce)
	if err != nil {
		return "", err
	}
	bp := msgPool.Get().(*[]byte)
	msg := appendRequestMessage((*bp)[:0], method, canonicalURL, timestamp, nonce, body)
	sig, err := s.sign(msg)
	putMessage(bp, msg)
	if err != nil {
		return "", err
	}

	var tsBuf [20]byte
	ts := strconv.AppendInt(tsBuf[:0], timestamp, 10)
	var encBuf [1024]byte
	var enc []byte
	if n := base64.StdEncoding.EncodedLen(len(sig)); n <= len(encBuf) {
		enc = encBuf[:n]
	} else {
		enc = make([]byte, n)
	}
	base64.StdEncoding.Encode(enc, sig)

	var b strings.Builder
	b.Grow(len(s.prefix) + len(nonce) + len(ts) + len(s.serialNo) + len(enc) + 40)
	b.WriteString(s.prefix)
	b.WriteString(nonce)
	b.WriteString(`",timestamp="`)
	b.Write(ts)
	b.WriteString(`",serial_no="`)
	b.WriteString(s.serialNo)
	b.WriteString(`",signature="`)
	b.Write(enc)
	b.WriteByte('"')
	return b.String(), nil
}

// Sign signs an arbitrary message (normally one built by RequestMessage)
// with SHA256-with-RSA PKCS#1 v1.5 and returns the standard base64
// signature.
func (s *Signer) Sign(message []byte) (string, error) {
	sig, err := s.sign(message)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

func (s *Signer) sign(message []byte) ([]byte, error) {
	return signPKCS1(s.key, message)
}

func signPKCS1(key *rsa.PrivateKey, message []byte) ([]byte, error) {
	digest := sha256.Sum256(message)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return nil, fmt.Errorf("signing: RSA sign: %w", err)
	}
	return sig, nil
}

// RequestMessage returns the five-line string an APIv3 request signature
// covers (spec §5.1): method, canonical URL, timestamp, nonce and body,
// each followed by "\n". It does not validate its inputs; Authorization
// does.
func RequestMessage(method, canonicalURL string, timestamp int64, nonce string, body []byte) []byte {
	return appendRequestMessage(nil, strings.ToUpper(method), canonicalURL, timestamp, nonce, body)
}

func appendRequestMessage(dst []byte, method, canonicalURL string, timestamp int64, nonce string, body []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = append(dst, canonicalURL...)
	dst = append(dst, '\n')
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, '\n')
	dst = append(dst, nonce...)
	dst = append(dst, '\n')
	dst = append(dst, body...)
	return append(dst, '\n')
}

// ResponseMessage returns the three-line string a response or notification
// signature covers (spec §5.2): timestamp, nonce and the raw body, each
// followed by "\n".
func ResponseMessage(timestamp, nonce string, body []byte) []byte {
	return appendResponseMessage(nil, timestamp, nonce, body)
}

func appendResponseMessage(dst []byte, timestamp, nonce string, body []byte) []byte {
	dst = append(dst, timestamp...)
	dst = append(dst, '\n')
	dst = append(dst, nonce...)
	dst = append(dst, '\n')
	dst = append(dst, body...)
	return append(dst, '\n')
}

// msgPool recycles message buffers so that signing and verifying a typical
// request allocates nothing for the message itself.
var msgPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// maxPooledMessage bounds what is returned to msgPool so one huge body does
// not pin its buffer for ever.
const maxPooledMessage = 64 << 10

func putMessage(bp *[]byte, msg []byte) {
	if cap(msg) > maxPooledMessage {
		return
	}
	*bp = msg
	msgPool.Put(bp)
}

func checkRequest(method, canonicalURL string, timestamp int64, nonce string) (string, error) {
	if method == "" {
		return "", fmt.Errorf("signing: authorization: %w: empty HTTP method", ErrMalformed)
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return "", fmt.Errorf("signing: authorization: %w: HTTP method %q has a non-letter at byte %d", ErrMalformed, method, i)
		}
	}
	method = strings.ToUpper(method)
	if canonicalURL == "" || canonicalURL[0] != '/' {
		return "", fmt.Errorf("signing: authorization: %w: canonical URL %q must start with \"/\" (path and query only, no scheme or host)", ErrMalformed, canonicalURL)
	}
	for i := 0; i < len(canonicalURL); i++ {
		if c := canonicalURL[i]; c <= ' ' || c == 0x7f {
			return "", fmt.Errorf("signing: authorization: %w: canonical URL has a space or control byte at %d; percent-encode it as it is sent", ErrMalformed, i)
		}
	}
	if len(canonicalURL) > 1 && canonicalURL[len(canonicalURL)-1] == '?' {
		return "", fmt.Errorf("signing: authorization: %w: canonical URL %q ends in \"?\"; leave it out when there is no query", ErrMalformed, canonicalURL)
	}
	if timestamp <= 0 {
		return "", fmt.Errorf("signing: authorization: %w: timestamp %d is not a positive Unix time", ErrMalformed, timestamp)
	}
	if err := checkHeaderToken("nonce", nonce); err != nil {
		return "", err
	}
	return method, nil
}

// checkHeaderToken refuses values that would break the quoted
// key="value" items of the Authorization header or the signed message.
func checkHeaderToken(name, v string) error {
	if v == "" {
		return fmt.Errorf("signing: %w: %s is empty", ErrMalformed, name)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == 0x7f || c == '"' || c == ',' || c == '\\' {
			return fmt.Errorf("signing: %w: %s has a forbidden byte %q at %d", ErrMalformed, name, c, i)
		}
	}
	return nil
}

const nonceAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewNonce returns 32 random characters of [0-9A-Za-z] from crypto/rand,
// the form the official SDKs use for nonce_str.
func NewNonce() string { return randomString(32) }

// NewResourceNonce returns 12 random characters of [0-9A-Za-z], a nonce
// of the length AEAD_AES_256_GCM requires (for EncryptResource).
func NewResourceNonce() string { return randomString(ResourceNonceSize) }

func randomString(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never returns an error (Go ≥ 1.24)
		for _, b := range buf {
			// 248 = 4*62: rejecting the top bytes keeps every character
			// equally likely.
			if b < 248 && len(out) < n {
				out = append(out, nonceAlphabet[b%62])
			}
		}
	}
	return string(out)
}
