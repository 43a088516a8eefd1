package mock

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/url"
	"testing"

	"github.com/gatepay/gatepay/signing"
)

// Requests per second through the in-process mock, beside the bare RSA
// signing throughput that bounds it (every answer costs one signature, and
// every request one verification):
//
//	go test ./mock -run '^$' -bench . -benchmem
func BenchmarkMockFind(b *testing.B) {
	f := newFixture(b)
	q := PathFind + "?" + url.Values{"appid": {testAppID}, "plate_number": {testPlate}, "plate_color": {"BLUE"}, "openid": {testOpenID}}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		if r := f.do(f.signer, "GET", q, nil); r.status != 200 {
			b.Fatalf("status %d", r.status)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkBaselineRSASign(b *testing.B) {
	key, err := signing.LoadPrivateKey(readFile(b, "wechatpay_private_key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	d := sha256.Sum256([]byte("1764729600\nnonce\n{}\n"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign/s")
}
