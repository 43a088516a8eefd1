package signing

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The fuzz targets below run their checked-in seeds (testdata/fuzz/…) under
// plain `go test`. To fuzz for longer:
//
//	go test ./signing -run '^$' -fuzz FuzzVerifyHeaders -fuzztime 5m

// fuzzVerifier trusts the vectors' WeChat Pay key, with a clock fixed near
// the vectors' timestamps so that seeds from them reach the RSA check.
func fuzzVerifier(f *testing.F) (*Verifier, *rsa.PublicKey) {
	m := loadMeta(f)
	pub, err := LoadPublicKey(readPEM(f, "wechatpay_public_key.pem"))
	if err != nil {
		f.Fatal(err)
	}
	v, err := NewVerifier(WithPublicKey(m.PublicKeyID, pub), WithClock(func() time.Time { return time.Unix(1764729601, 0) }))
	if err != nil {
		f.Fatal(err)
	}
	return v, pub
}

func knownKind(err error) bool {
	for _, k := range []error{ErrMalformed, ErrBadSignature, ErrUnknownSerial, ErrCertificateExpired, ErrTimestampSkew, ErrUnsupported, ErrDecrypt, ErrInvalidKey} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// checkAccepted confirms independently, with bare crypto/rsa, that an
// accepted signature really is valid.
func checkAccepted(t *testing.T, pub *rsa.PublicKey, ts, nonce string, body []byte, sig string) {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		t.Fatalf("accepted a signature that is not base64: %v", err)
	}
	d := sha256.Sum256(ResponseMessage(ts, nonce, body))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], raw); err != nil {
		t.Fatalf("accepted a signature that bare RSA refuses")
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n < 1764729601-299 || n > 1764729601+299 {
		t.Fatalf("accepted timestamp %q outside the window", ts)
	}
}

func FuzzVerify(f *testing.F) {
	v, pub := fuzzVerifier(f)
	var vs []responseVector
	readVector(f, "v3-response-verification.json", &vs)
	for _, x := range vs {
		f.Add(x.Serial, x.Timestamp, x.Nonce, []byte(x.Body), x.Signature)
	}
	f.Fuzz(func(t *testing.T, serial, ts, nonce string, body []byte, sig string) {
		err := v.Verify(serial, ts, nonce, body, sig)
		if err == nil {
			checkAccepted(t, pub, ts, nonce, body, sig)
		} else if !knownKind(err) {
			t.Fatalf("error of no known kind: %v", err)
		}
	})
}

func FuzzVerifyHeaders(f *testing.F) {
	v, pub := fuzzVerifier(f)
	var vs []responseVector
	readVector(f, "v3-response-verification.json", &vs)
	for _, x := range vs {
		f.Add(x.Serial, x.Timestamp, x.Nonce, x.Signature, AuthScheme, []byte(x.Body))
	}
	f.Fuzz(func(t *testing.T, serial, ts, nonce, sig, sigType string, body []byte) {
		h := http.Header{}
		h.Set(HeaderSerial, serial)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderNonce, nonce)
		h.Set(HeaderSignature, sig)
		h.Set(HeaderSignatureType, sigType)
		err := v.VerifyHeaders(h, body)
		if err == nil {
			checkAccepted(t, pub, h.Get(HeaderTimestamp), h.Get(HeaderNonce), body, h.Get(HeaderSignature))
		} else if !knownKind(err) {
			t.Fatalf("error of no known kind: %v", err)
		}
	})
}

func FuzzDecryptResource(f *testing.F) {
	key := []byte(loadMeta(f).APIv3Key)
	c, err := NewResourceCipher(key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(AlgorithmAES256GCM, "fdasflkja484", "transaction", "PgZMqeVAVU+syiMfV6SViPxhir7FDo92cKdc5/gRSIRlJQkS")
	ct, err := c.Encrypt(AlgorithmAES256GCM, "fdasflkja484", "parking", []byte(`{"parking_state":"NORMAL"}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(AlgorithmAES256GCM, "fdasflkja484", "parking", ct)
	f.Fuzz(func(t *testing.T, alg, nonce, ad, ciphertext string) {
		plain, err := c.Decrypt(alg, nonce, ad, ciphertext)
		if err != nil {
			if !knownKind(err) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		// Whatever opened must seal back to the same bytes.
		again, err := c.Encrypt(alg, nonce, ad, plain)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := base64.StdEncoding.DecodeString(again)
		got, _ := base64.StdEncoding.DecodeString(ciphertext)
		if !bytes.Equal(want, got) {
			t.Fatalf("decrypt/encrypt do not round-trip")
		}
	})
}

func FuzzVerifyV2(f *testing.F) {
	const key = "192006250b4c09247ec02edce69f6a2d"
	f.Add("appid", "wxd930ea5d5a258f4f", "sign_type", "MD5", "9A0A8659F005D6984697E2CA0A9CF3B7")
	f.Add("plate_number", "粤B888888", "sign_type", "HMAC-SHA256", "069BBFADEC9C267E170879926B984052CE24611C253513BCD80E0B51A85DD2F0")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, sign string) {
		p := map[string]string{k1: v1, k2: v2, "sign": sign}
		err := VerifyV2(p, key)
		if err != nil {
			if !knownKind(err) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		// Accepted: the sign must be exactly what SignV2 gives.
		want, serr := SignV2(p, key, p["sign_type"])
		if serr != nil || !bytes.EqualFold([]byte(want), []byte(p["sign"])) {
			t.Fatalf("accepted sign %q, want %q (%v)", p["sign"], want, serr)
		}
	})
}
