package signing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wechatKey is the vectors' WeChat Pay private key: tests sign responses
// and certificates with it.
func wechatKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := LoadPrivateKey(readPEM(t, "wechatpay_private_key.pem"))
	require.NoError(t, err)
	return k
}

// selfSigned makes a platform-style certificate for key, valid in
// [notBefore, notAfter].
func selfSigned(t testing.TB, key *rsa.PrivateKey, serial int64, notBefore, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "Tenpay.com Root CA test"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

var (
	smallKeyOnce sync.Once
	smallKey     *rsa.PrivateKey
)

// weakKey is a 1024-bit key, which every loader must refuse.
func weakKey(t testing.TB) *rsa.PrivateKey {
	smallKeyOnce.Do(func() {
		var err error
		smallKey, err = rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
	})
	return smallKey
}

func TestLoadKeys(t *testing.T) {
	priv := wechatKey(t)

	t.Run("PKCS8 and PKCS1 private keys load to the same key", func(t *testing.T) {
		k1, err := LoadPrivateKey(pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(priv)))
		require.NoError(t, err)
		assert.True(t, k1.Equal(priv))
	})
	t.Run("PKIX and PKCS1 public keys", func(t *testing.T) {
		pub, err := LoadPublicKey(readPEM(t, "wechatpay_public_key.pem"))
		require.NoError(t, err)
		assert.True(t, pub.Equal(&priv.PublicKey))
		pub1, err := LoadPublicKey(pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&priv.PublicKey)))
		require.NoError(t, err)
		assert.True(t, pub1.Equal(pub))
	})

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ec8, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	ecPub, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)
	weak8, err := x509.MarshalPKCS8PrivateKey(weakKey(t))
	require.NoError(t, err)
	weakPub, err := x509.MarshalPKIXPublicKey(&weakKey(t).PublicKey)
	require.NoError(t, err)
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: []byte("junk")})

	bad := []struct {
		name    string
		load    func() error
		want    error
		message string
	}{
		{"private: not PEM", func() error { _, err := LoadPrivateKey([]byte("hello")); return err }, ErrMalformed, "no PEM block"},
		{"private: empty", func() error { _, err := LoadPrivateKey(nil); return err }, ErrMalformed, "no PEM block"},
		{"private: public key given", func() error { _, err := LoadPrivateKey(readPEM(t, "wechatpay_public_key.pem")); return err }, ErrInvalidKey, `PEM type "PUBLIC KEY"`},
		{"private: encrypted legacy PEM", func() error { _, err := LoadPrivateKey(encrypted); return err }, ErrInvalidKey, "encrypted"},
		{"private: encrypted PKCS8", func() error { _, err := LoadPrivateKey(pemOf("ENCRYPTED PRIVATE KEY", []byte{1})); return err }, ErrInvalidKey, "encrypted"},
		{"private: ECDSA", func() error { _, err := LoadPrivateKey(pemOf("PRIVATE KEY", ec8)); return err }, ErrInvalidKey, "not RSA"},
		{"private: 1024 bits", func() error { _, err := LoadPrivateKey(pemOf("PRIVATE KEY", weak8)); return err }, ErrInvalidKey, "1024 bits"},
		{"private: garbage DER", func() error { _, err := LoadPrivateKey(pemOf("PRIVATE KEY", []byte{0x30, 1, 2})); return err }, ErrInvalidKey, "PKCS#8"},
		{"public: private key given", func() error { _, err := LoadPublicKey(readPEM(t, "merchant_private_key.pem")); return err }, ErrInvalidKey, `PEM type "PRIVATE KEY"`},
		{"public: ECDSA", func() error { _, err := LoadPublicKey(pemOf("PUBLIC KEY", ecPub)); return err }, ErrInvalidKey, "not RSA"},
		{"public: 1024 bits", func() error { _, err := LoadPublicKey(pemOf("PUBLIC KEY", weakPub)); return err }, ErrInvalidKey, "1024 bits"},
		{"certificate: key given", func() error { _, err := LoadCertificate(readPEM(t, "wechatpay_public_key.pem")); return err }, ErrInvalidKey, `want "CERTIFICATE"`},
		{"certificate: garbage", func() error { _, err := LoadCertificate(pemOf("CERTIFICATE", []byte{0x30})); return err }, ErrInvalidKey, "certificate"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			err := b.load()
			require.Error(t, err)
			assert.ErrorIs(t, err, b.want)
			assert.Contains(t, err.Error(), b.message)
		})
	}
}

func TestLoadCertificateAndSerial(t *testing.T) {
	key := wechatKey(t)
	now := time.Now()
	cert := selfSigned(t, key, 0x5157F09EFDC096DE, now.Add(-time.Hour), now.Add(time.Hour))
	got, err := LoadCertificate(pemOf("CERTIFICATE", cert.Raw))
	require.NoError(t, err)
	assert.Equal(t, "5157F09EFDC096DE", CertificateSerial(got))
	assert.Equal(t, "", CertificateSerial(nil))

	// A certificate whose key is ECDSA is refused.
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), NotBefore: now, NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ec.PublicKey, ec)
	require.NoError(t, err)
	_, err = LoadCertificate(pemOf("CERTIFICATE", der))
	assert.ErrorIs(t, err, ErrInvalidKey)
}

func TestSignerRejectsBadInput(t *testing.T) {
	key := wechatKey(t)
	_, err := NewSigner("", "SERIAL", key)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewSigner("1900009191", `SER"IAL`, key)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewSigner("1900009191", "SERIAL", nil)
	assert.ErrorIs(t, err, ErrInvalidKey)
	_, err = NewSigner("1900009191", "SERIAL", weakKey(t))
	assert.ErrorIs(t, err, ErrInvalidKey)

	s := vectorSigner(t)
	cases := []struct {
		method, url, nonce string
		ts                 int64
		says               string
	}{
		{"", "/v3/x", "N", 1, "empty HTTP method"},
		{"PO ST", "/v3/x", "N", 1, "non-letter"},
		{"GET", "https://api.mch.weixin.qq.com/v3/x", "N", 1, `must start with "/"`},
		{"GET", "", "N", 1, `must start with "/"`},
		{"GET", "/v3/x?", "N", 1, `ends in "?"`},
		{"GET", "/v3/x y", "N", 1, "space or control"},
		{"GET", "/v3/x\n", "N", 1, "space or control"},
		{"GET", "/v3/x", "", 1, "nonce is empty"},
		{"GET", "/v3/x", `a"b`, 1, "nonce has a forbidden byte"},
		{"GET", "/v3/x", "N", 0, "not a positive Unix time"},
	}
	for _, c := range cases {
		_, err := s.Authorization(c.method, c.url, nil, c.ts, c.nonce)
		require.Error(t, err, "%+v", c)
		assert.ErrorIs(t, err, ErrMalformed)
		assert.Contains(t, err.Error(), c.says)
	}
	// Lower-case methods are upper-cased, so they sign the same message.
	a1, err := s.Authorization("get", "/v3/x", nil, 1, "N")
	require.NoError(t, err)
	a2, err := s.Authorization("GET", "/v3/x", nil, 1, "N")
	require.NoError(t, err)
	assert.Equal(t, a2, a1)
}

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		n := NewNonce()
		require.Len(t, n, 32)
		for _, c := range n {
			require.True(t, strings.ContainsRune(nonceAlphabet, c), "nonce %q has %q", n, c)
		}
		require.False(t, seen[n], "repeated nonce")
		seen[n] = true
	}
	assert.Len(t, NewResourceNonce(), ResourceNonceSize)
}

func TestParseAuthorization(t *testing.T) {
	good := `WECHATPAY2-SHA256-RSA2048 signature="c2ln", serial_no="S1",timestamp="1554208460", extra="x",nonce_str="N1",mchid="1900009191"`
	a, err := ParseAuthorization(good)
	require.NoError(t, err)
	assert.Equal(t, Authorization{MchID: "1900009191", NonceStr: "N1", Timestamp: 1554208460, SerialNo: "S1", Signature: "c2ln"}, a)

	bad := map[string]struct {
		header string
		want   error
	}{
		"empty":           {"", ErrMalformed},
		"scheme only":     {"WECHATPAY2-SHA256-RSA2048", ErrMalformed},
		"other scheme":    {`Bearer mchid="1"`, ErrUnsupported},
		"missing item":    {`WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s"`, ErrMalformed},
		"duplicate":       {`WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2",nonce_str="n",timestamp="1",serial_no="s",signature="x"`, ErrMalformed},
		"unquoted":        {`WECHATPAY2-SHA256-RSA2048 mchid=1`, ErrMalformed},
		"unterminated":    {`WECHATPAY2-SHA256-RSA2048 mchid="1`, ErrMalformed},
		"no comma":        {`WECHATPAY2-SHA256-RSA2048 mchid="1" nonce_str="n"`, ErrMalformed},
		"bad timestamp":   {`WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="soon",serial_no="s",signature="x"`, ErrMalformed},
		"no key":          {`WECHATPAY2-SHA256-RSA2048 ="1"`, ErrMalformed},
		"zero timestamp":  {`WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="0",serial_no="s",signature="x"`, ErrMalformed},
		"trailing comma":  {`WECHATPAY2-SHA256-RSA2048 mchid="1",`, ErrMalformed},
		"quote in scheme": {`"WECHATPAY2 x`, ErrUnsupported},
	}
	for name, c := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := ParseAuthorization(c.header)
			assert.ErrorIs(t, err, c.want)
		})
	}

	pub := &wechatKey(t).PublicKey
	err = VerifyRequest(pub, Authorization{Signature: "%%%"}, "GET", "/", nil)
	assert.ErrorIs(t, err, ErrMalformed)
	err = VerifyRequest(nil, a, "GET", "/", nil)
	assert.ErrorIs(t, err, ErrInvalidKey)
}

// signedResponse signs body as WeChat would at unix time ts.
func signedResponse(t testing.TB, rs *ResponseSigner, ts int64, body string) http.Header {
	t.Helper()
	h := http.Header{}
	require.NoError(t, rs.SignHeaders(h, ts, NewNonce(), []byte(body)))
	return h
}

func TestVerifierErrors(t *testing.T) {
	const id = "PUB_KEY_ID_0119000091912025120300000000000001"
	key := wechatKey(t)
	rs, err := NewResponseSigner(id, key)
	require.NoError(t, err)
	now := time.Unix(1764729600, 0)
	v, err := NewVerifier(WithPublicKey(id, &key.PublicKey), WithClock(func() time.Time { return now }))
	require.NoError(t, err)

	body := `{"service_state":"NORMAL"}`
	h := signedResponse(t, rs, now.Unix(), body)
	require.NoError(t, v.VerifyHeaders(h, []byte(body)))

	with := func(k, val string) http.Header {
		c := h.Clone()
		if val == "" {
			c.Del(k)
		} else {
			c.Set(k, val)
		}
		return c
	}
	sig := h.Get(HeaderSignature)
	raw, err := base64.StdEncoding.DecodeString(sig)
	require.NoError(t, err)
	raw[10] ^= 1
	flipped := base64.StdEncoding.EncodeToString(raw)

	cases := []struct {
		name string
		h    http.Header
		body string
		want error
		says string
	}{
		{"missing serial", with(HeaderSerial, ""), body, ErrMalformed, HeaderSerial},
		{"missing timestamp", with(HeaderTimestamp, ""), body, ErrMalformed, HeaderTimestamp},
		{"missing nonce", with(HeaderNonce, ""), body, ErrMalformed, HeaderNonce},
		{"missing signature", with(HeaderSignature, ""), body, ErrMalformed, HeaderSignature},
		{"blank signature", with(HeaderSignature, "   "), body, ErrMalformed, HeaderSignature},
		{"timestamp not a number", with(HeaderTimestamp, "12x"), body, ErrMalformed, "not a Unix time"},
		{"negative timestamp", with(HeaderTimestamp, "-5"), body, ErrMalformed, "not a Unix time"},
		{"signature not base64", with(HeaderSignature, "***"), body, ErrMalformed, "base64"},
		{"signature probe", with(HeaderSignature, "WECHATPAY/SIGNTEST/"+sig), body, ErrBadSignature, "SIGNTEST"},
		{"flipped bit", with(HeaderSignature, flipped), body, ErrBadSignature, id},
		{"short signature", with(HeaderSignature, "c2ln"), body, ErrBadSignature, id},
		{"tampered body", h, body + " ", ErrBadSignature, id},
		{"unknown serial", with(HeaderSerial, "PUB_KEY_ID_0000"), body, ErrUnknownSerial, "PUB_KEY_ID_0000"},
		{"unsupported type", with(HeaderSignatureType, "WECHATPAY2-SM2-WITH-SM3"), body, ErrUnsupported, "SM2"},
		{"huge timestamp", with(HeaderTimestamp, "9223372036854775807"), body, ErrTimestampSkew, "from now"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.VerifyHeaders(c.h, []byte(c.body))
			require.Error(t, err)
			assert.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), c.says)
			assert.NotContains(t, err.Error(), sig, "error text must not carry the signature")
		})
	}
}

func TestVerifierTimestampWindow(t *testing.T) {
	const id = "PUB_KEY_ID_1"
	key := wechatKey(t)
	rs, err := NewResponseSigner(id, key)
	require.NoError(t, err)
	var now time.Time
	v, err := NewVerifier(WithPublicKey(id, &key.PublicKey), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	const ts = 1764729600
	h := signedResponse(t, rs, ts, "{}")

	for _, c := range []struct {
		offset time.Duration
		ok     bool
	}{
		{0, true},
		{299 * time.Second, true},
		{299*time.Second + 999*time.Millisecond, true},
		{300 * time.Second, false}, // exactly 300 s is already too old, as in the official SDK
		{-299 * time.Second, true},
		{-300 * time.Second, false},
		{24 * time.Hour, false},
	} {
		now = time.Unix(ts, 0).Add(c.offset)
		err := v.VerifyHeaders(h, []byte("{}"))
		if c.ok {
			assert.NoError(t, err, "offset %v", c.offset)
		} else {
			assert.ErrorIs(t, err, ErrTimestampSkew, "offset %v", c.offset)
		}
	}

	v2, err := NewVerifier(WithPublicKey(id, &key.PublicKey), WithClock(func() time.Time { return now }), WithMaxSkew(10*time.Second))
	require.NoError(t, err)
	now = time.Unix(ts+9, 0)
	assert.NoError(t, v2.VerifyHeaders(h, []byte("{}")))
	now = time.Unix(ts+10, 0)
	assert.ErrorIs(t, v2.VerifyHeaders(h, []byte("{}")), ErrTimestampSkew)

	_, err = NewVerifier(WithMaxSkew(0))
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewVerifier(WithClock(nil))
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewVerifier(WithPublicKey("", &key.PublicKey))
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewVerifier(WithPublicKey("id", &weakKey(t).PublicKey))
	assert.ErrorIs(t, err, ErrInvalidKey)
	_, err = NewVerifier(WithPublicKey("id", nil))
	assert.ErrorIs(t, err, ErrInvalidKey)
	_, err = NewVerifier(WithCertificate(nil))
	assert.ErrorIs(t, err, ErrInvalidKey)
}

func TestVerifierCertificates(t *testing.T) {
	key := wechatKey(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cert := selfSigned(t, key, 0x3775B6A45ACD5888, start, start.AddDate(5, 0, 0))
	serial := CertificateSerial(cert)
	rs, err := NewResponseSigner(serial, key)
	require.NoError(t, err)

	now := start.AddDate(1, 0, 0)
	v, err := NewVerifier(WithCertificate(cert), WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	assert.Equal(t, []string{serial}, v.KeyIDs())
	assert.Same(t, cert, v.Certificate(serial))

	h := signedResponse(t, rs, now.Unix(), "body")
	require.NoError(t, v.VerifyHeaders(h, []byte("body")))

	now = start.AddDate(6, 0, 0) // certificate expired
	h = signedResponse(t, rs, now.Unix(), "body")
	err = v.VerifyHeaders(h, []byte("body"))
	assert.ErrorIs(t, err, ErrCertificateExpired)
	assert.Contains(t, err.Error(), serial)

	now = start.Add(-time.Hour) // not yet valid
	h = signedResponse(t, rs, now.Unix(), "body")
	assert.ErrorIs(t, v.VerifyHeaders(h, []byte("body")), ErrCertificateExpired)

	// Public key and certificate side by side (a key-mode migration).
	now = start.AddDate(1, 0, 0)
	require.NoError(t, v.AddPublicKey("PUB_KEY_ID_X", &key.PublicKey))
	pk, err := NewResponseSigner("PUB_KEY_ID_X", key)
	require.NoError(t, err)
	h = signedResponse(t, pk, now.Unix(), "b")
	require.NoError(t, v.VerifyHeaders(h, []byte("b")))
	v.RemoveKey("PUB_KEY_ID_X")
	v.RemoveKey("never-added")
	assert.ErrorIs(t, v.VerifyHeaders(h, []byte("b")), ErrUnknownSerial)
	assert.Equal(t, []string{serial}, v.KeyIDs())
}

// Keys are added and removed while other goroutines verify; run with -race.
func TestVerifierRotationIsRaceFree(t *testing.T) {
	key := wechatKey(t)
	rs, err := NewResponseSigner("PUB_KEY_ID_A", key)
	require.NoError(t, err)
	v, err := NewVerifier(WithPublicKey("PUB_KEY_ID_A", &key.PublicKey))
	require.NoError(t, err)
	h := signedResponse(t, rs, time.Now().Unix(), "x")

	var wg sync.WaitGroup
	errs := make(chan error, 4*50)
	for range 4 {
		wg.Go(func() {
			for range 50 {
				errs <- v.VerifyHeaders(h, []byte("x"))
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			id := "PUB_KEY_ID_" + strconv.Itoa(i)
			if err := v.AddPublicKey(id, &key.PublicKey); err != nil {
				errs <- err
			}
			v.RemoveKey(id)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"PUB_KEY_ID_A"}, v.KeyIDs())
}

func TestResponseSignerRejectsBadInput(t *testing.T) {
	key := wechatKey(t)
	_, err := NewResponseSigner("", key)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = NewResponseSigner("id", nil)
	assert.ErrorIs(t, err, ErrInvalidKey)
	_, err = NewResponseSigner("id", weakKey(t))
	assert.ErrorIs(t, err, ErrInvalidKey)
	rs, err := NewResponseSigner("id", key)
	require.NoError(t, err)
	assert.Equal(t, "id", rs.KeyID())
	_, err = rs.Sign(1, "bad nonce", nil)
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Error(t, rs.SignHeaders(http.Header{}, 1, "", nil))
}

func TestResourceCipher(t *testing.T) {
	key := []byte("a7cde1ZJB1kG2e0YkI5T4Q8d9Xr3Vb6N")
	nonce := NewResourceNonce()
	plain := []byte(`{"trade_state":"SUCCESS"}`)
	ct, err := EncryptResource(key, AlgorithmAES256GCM, nonce, "transaction", plain)
	require.NoError(t, err)
	got, err := DecryptResource(key, AlgorithmAES256GCM, nonce, "transaction", ct)
	require.NoError(t, err)
	assert.Equal(t, plain, got)

	empty, err := EncryptResource(key, AlgorithmAES256GCM, nonce, "", nil)
	require.NoError(t, err)
	got, err = DecryptResource(key, AlgorithmAES256GCM, nonce, "", empty)
	require.NoError(t, err)
	assert.Empty(t, got)

	otherKey := []byte("b7cde1ZJB1kG2e0YkI5T4Q8d9Xr3Vb6N")
	cases := []struct {
		name                      string
		key                       []byte
		alg, nonce, ad, ciphertxt string
		want                      error
		says                      string
	}{
		{"short key", key[:31], AlgorithmAES256GCM, nonce, "transaction", ct, ErrInvalidKey, "31 bytes"},
		{"long key", append(key, 'x'), AlgorithmAES256GCM, nonce, "transaction", ct, ErrInvalidKey, "33 bytes"},
		{"wrong key", otherKey, AlgorithmAES256GCM, nonce, "transaction", ct, ErrDecrypt, "tag"},
		{"algorithm", key, "AEAD_SM4_GCM", nonce, "transaction", ct, ErrUnsupported, "AEAD_SM4_GCM"},
		{"short nonce", key, AlgorithmAES256GCM, nonce[:11], "transaction", ct, ErrMalformed, "nonce is 11 bytes"},
		{"long nonce", key, AlgorithmAES256GCM, nonce + "x", "transaction", ct, ErrMalformed, "nonce is 13 bytes"},
		{"bad base64", key, AlgorithmAES256GCM, nonce, "transaction", "!!" + ct, ErrMalformed, "base64"},
		{"truncated", key, AlgorithmAES256GCM, nonce, "transaction", ct[:8], ErrMalformed, "shorter than"},
		{"other associated data", key, AlgorithmAES256GCM, nonce, "parking", ct, ErrDecrypt, "tag"},
		{"other nonce", key, AlgorithmAES256GCM, "000000000000", "transaction", ct, ErrDecrypt, "tag"},
		{"empty ciphertext", key, AlgorithmAES256GCM, nonce, "transaction", "", ErrMalformed, "shorter than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecryptResource(c.key, c.alg, c.nonce, c.ad, c.ciphertxt)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), c.says)
			assert.NotContains(t, err.Error(), string(key))
		})
	}
	_, err = EncryptResource(key, AlgorithmAES256GCM, "short", "", plain)
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = EncryptResource(key[:5], AlgorithmAES256GCM, nonce, "", plain)
	assert.ErrorIs(t, err, ErrInvalidKey)
}

func TestOAEP(t *testing.T) {
	key := wechatKey(t)
	ct, err := EncryptOAEP(&key.PublicKey, "张三")
	require.NoError(t, err)
	pt, err := DecryptOAEP(key, ct)
	require.NoError(t, err)
	assert.Equal(t, "张三", pt)

	ct2, err := EncryptOAEP(&key.PublicKey, "张三")
	require.NoError(t, err)
	assert.NotEqual(t, ct, ct2, "OAEP is randomised")

	_, err = EncryptOAEP(&key.PublicKey, strings.Repeat("x", 215))
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = EncryptOAEP(&key.PublicKey, strings.Repeat("x", 214))
	assert.NoError(t, err)
	_, err = EncryptOAEP(nil, "x")
	assert.ErrorIs(t, err, ErrInvalidKey)
	_, err = DecryptOAEP(key, "***")
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = DecryptOAEP(key, base64.StdEncoding.EncodeToString([]byte("not a ciphertext")))
	assert.ErrorIs(t, err, ErrDecrypt)
	_, err = DecryptOAEP(nil, ct)
	assert.ErrorIs(t, err, ErrInvalidKey)
	other, err := LoadPrivateKey(readPEM(t, "merchant_private_key.pem"))
	require.NoError(t, err)
	_, err = DecryptOAEP(other, ct)
	assert.ErrorIs(t, err, ErrDecrypt)
}

func TestV2Errors(t *testing.T) {
	p := map[string]string{"appid": "wx1", "mch_id": "10000098", "nonce_str": "abc", "sign_type": SignTypeHMACSHA256}
	const key = "192006250b4c09247ec02edce69f6a2d"
	sign, err := SignV2(p, key, SignTypeHMACSHA256)
	require.NoError(t, err)

	signed := func(extra map[string]string) map[string]string {
		out := map[string]string{"sign": sign}
		for k, v := range p {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	require.NoError(t, VerifyV2(signed(nil), key))
	require.NoError(t, VerifyV2(signed(map[string]string{"sign": strings.ToLower(sign)}), key), "case-insensitive compare")
	require.NoError(t, VerifyV2(signed(map[string]string{"attach": ""}), key), "empty values are not signed")

	assert.ErrorIs(t, VerifyV2(signed(map[string]string{"new_field": "x"}), key), ErrBadSignature, "unknown fields take part")
	assert.ErrorIs(t, VerifyV2(signed(map[string]string{"appid": "wx2"}), key), ErrBadSignature)
	assert.ErrorIs(t, VerifyV2(signed(nil), "0"+key[1:]), ErrBadSignature)
	assert.ErrorIs(t, VerifyV2(signed(map[string]string{"sign": sign[:10]}), key), ErrBadSignature)
	assert.ErrorIs(t, VerifyV2(signed(map[string]string{"sign": ""}), key), ErrMalformed)
	assert.ErrorIs(t, VerifyV2(p, key), ErrMalformed)
	assert.ErrorIs(t, VerifyV2(signed(map[string]string{"sign_type": "SHA1"}), key), ErrUnsupported)
	assert.ErrorIs(t, VerifyV2(signed(map[string]string{"sign_type": SignTypeMD5}), key), ErrBadSignature, "sign_type is part of the string")
	_, err = SignV2(p, "", SignTypeMD5)
	assert.ErrorIs(t, err, ErrInvalidKey)

	// Without sign_type, VerifyV2 uses MD5.
	md := map[string]string{"a": "1"}
	s, err := SignV2(md, key, "")
	require.NoError(t, err)
	s2, err := SignV2(md, key, SignTypeMD5)
	require.NoError(t, err)
	assert.Equal(t, s2, s)
	md["sign"] = s
	assert.NoError(t, VerifyV2(md, key))
	// No parameters at all still signs "key=…".
	assert.Equal(t, "key="+key, V2SignString(nil, key))
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{ErrMalformed, ErrBadSignature, ErrUnknownSerial, ErrCertificateExpired, ErrTimestampSkew, ErrInvalidKey, ErrUnsupported, ErrDecrypt}
	for i, a := range all {
		for j, b := range all {
			assert.Equal(t, i == j, errors.Is(a, b), fmt.Sprintf("%v vs %v", a, b))
		}
	}
}
