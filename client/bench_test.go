package client

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// The notification handler end to end (read, verify, decrypt, decode,
// de-duplicate, dispatch, answer) beside the bare RSA verification it
// cannot beat:
//
//	go test ./client -run '^$' -bench Notify -benchmem
func BenchmarkNotifyHandler(b *testing.B) {
	now := time.Now()
	c, err := New(WithMerchant(itMch, itSerial, readTestdata(b, "merchant_private_key.pem")),
		WithWeChatPayPublicKey(vecKeyID, readTestdata(b, "wechatpay_public_key.pem")),
		WithAPIv3Key(itAPIv3), WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	s := testSenderB(b, now)
	txn := map[string]any{"out_trade_no": "T1", "trade_state": "SUCCESS", "amount": map[string]any{"total": 1200},
		"parking_info": map[string]any{"parking_id": "5K8264ILTKCH16CQ250", "plate_number": "粤B888888"}}
	body, err := s.Body("EV-BENCH", "TRANSACTION.SUCCESS", "transaction", txn)
	if err != nil {
		b.Fatal(err)
	}
	req, err := s.SignedRequest("http://x/notify", body)
	if err != nil {
		b.Fatal(err)
	}
	h := c.NotifyHandler(Handlers{
		OnTransaction: func(context.Context, *TransactionEvent) error { return nil },
		Dedup:         nopDedup{},
	})
	r := httptest.NewRequest(http.MethodPost, "/notify", nil)
	r.Header = req.Header
	r.ContentLength = int64(len(body))
	rd := bytes.NewReader(body)
	w := &statusWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		h.ServeHTTP(w, r)
		if w.code != http.StatusNoContent {
			b.Fatalf("status %d", w.code)
		}
	}
}

func BenchmarkNotifyBaselineRSAVerify(b *testing.B) {
	key, err := signing.LoadPrivateKey(readTestdata(b, "wechatpay_private_key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte("1764729600\nnonce\n" + strings.Repeat("x", 1200) + "\n")
	d := sha256.Sum256(msg)
	sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	_ = base64.StdEncoding.EncodeToString(sig)
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// statusWriter is the least a handler needs to answer into.
type statusWriter struct {
	h    http.Header
	code int
}

func (w *statusWriter) Header() http.Header         { return w.h }
func (w *statusWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *statusWriter) WriteHeader(code int)        { w.code = code }

// nopDedup lets every delivery through, so the benchmark measures the
// handler rather than a growing map.
type nopDedup struct{}

func (nopDedup) Begin(context.Context, string) (DedupState, error) { return DedupNew, nil }
func (nopDedup) Finish(context.Context, string, bool) error        { return nil }
