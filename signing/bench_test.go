package signing

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Each benchmark stands beside its baseline — the bare standard-library
// operation it wraps, over the same input — so one run gives the ratio:
//
//	go test ./signing -run '^$' -bench . -benchmem -count 6 | tee bench.txt
//
// (benchstat bench.txt summarises it).

const benchBody = `{"sub_mchid":"1900000109","out_parking_no":"P20251203000001","plate_number":"粤B888888","plate_color":"BLUE","notify_url":"https://example.com/wxpay/parking","start_time":"2025-12-03T10:00:00+08:00","parking_name":"欢乐海岸停车场","free_duration":900}`

const (
	benchURL   = "/v3/vehicle/parking/parkings"
	benchNonce = "C1F23D8A7E1B4E0F9A6B5C4D3E2F1A0B"
	benchTS    = int64(1764729661)
)

func BenchmarkAuthorization(b *testing.B) {
	s := vectorSigner(b)
	body := []byte(benchBody)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Authorization("POST", benchURL, body, benchTS, benchNonce); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthorizationBaselineRSA(b *testing.B) {
	key, err := LoadPrivateKey(readPEM(b, "merchant_private_key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	msg := RequestMessage("POST", benchURL, benchTS, benchNonce, []byte(benchBody))
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchResponse(b *testing.B) (*Verifier, *rsa.PublicKey, string, string, []byte, string) {
	const id = "PUB_KEY_ID_0119000091912025120300000000000001"
	priv, err := LoadPrivateKey(readPEM(b, "wechatpay_private_key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	rs, err := NewResponseSigner(id, priv)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(benchBody)
	sig, err := rs.Sign(benchTS, benchNonce, body)
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(WithPublicKey(id, &priv.PublicKey), WithClock(func() time.Time { return time.Unix(benchTS, 0) }))
	if err != nil {
		b.Fatal(err)
	}
	return v, &priv.PublicKey, id, strconv.FormatInt(benchTS, 10), body, sig
}

func BenchmarkVerify(b *testing.B) {
	v, _, id, ts, body, sig := benchResponse(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(id, ts, benchNonce, body, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyBaselineRSA(b *testing.B) {
	_, pub, _, ts, body, sig := benchResponse(b)
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		b.Fatal(err)
	}
	msg := ResponseMessage(ts, benchNonce, body)
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], raw); err != nil {
			b.Fatal(err)
		}
	}
}

// benchResource is a 1 KiB resource encrypted under the vectors' APIv3 key.
func benchResource(b *testing.B) (key []byte, nonce, ad, ciphertext string) {
	key = []byte(loadMeta(b).APIv3Key)
	nonce, ad = "fdasflkja484", "transaction"
	plain := []byte(strings.Repeat("x", 1024))
	ct, err := EncryptResource(key, AlgorithmAES256GCM, nonce, ad, plain)
	if err != nil {
		b.Fatal(err)
	}
	return key, nonce, ad, ct
}

func BenchmarkDecryptResource(b *testing.B) {
	key, nonce, ad, ct := benchResource(b)
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecryptResource(key, AlgorithmAES256GCM, nonce, ad, ct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResourceCipherDecrypt reuses one cipher, as the client does.
func BenchmarkResourceCipherDecrypt(b *testing.B) {
	key, nonce, ad, ct := benchResource(b)
	c, err := NewResourceCipher(key)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decrypt(AlgorithmAES256GCM, nonce, ad, ct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecryptResourceBaselineGCM does the same job with the standard
// library directly: base64-decode, key schedule, GCM open.
func BenchmarkDecryptResourceBaselineGCM(b *testing.B) {
	key, nonce, ad, ct := benchResource(b)
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		raw, err := base64.StdEncoding.DecodeString(ct)
		if err != nil {
			b.Fatal(err)
		}
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		if _, err := aead.Open(nil, []byte(nonce), raw, []byte(ad)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecryptResourceBaselineOpen is the GCM open alone on raw bytes
// with a prepared AEAD: the floor no resource decryption can beat.
func BenchmarkDecryptResourceBaselineOpen(b *testing.B) {
	key, nonce, ad, ct := benchResource(b)
	raw, err := base64.StdEncoding.DecodeString(ct)
	if err != nil {
		b.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	dst := make([]byte, 0, len(raw))
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := aead.Open(dst[:0], []byte(nonce), raw, []byte(ad)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignV2(b *testing.B) {
	var vs []v2Vector
	readVector(b, "v2-signing.json", &vs)
	p := vs[1].Params
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignV2(p, vs[1].APIKey, SignTypeHMACSHA256); err != nil {
			b.Fatal(err)
		}
	}
}
