package gate

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// BenchmarkExit is Handle for one exit against the in-process mock: quote,
// store, Deduct (the client signs, the mock verifies and signs, the client
// verifies). BenchmarkRSAPerExit is the RSA work that exit cannot avoid —
// two signatures and two verifications — so (Exit − RSAPerExit) is our own
// time, and the mock's share of it.
//
//	go test ./gate -run '^$' -bench . -benchtime 200x
func BenchmarkExit(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	plates := make([]string, b.N)
	for i := range b.N {
		plates[i] = fmt.Sprintf("粤B%05d", i%100000)
		e.enrol(plates[i])
		if _, err := e.gate.Handle(ctx, Event{Lane: "in", Direction: Entry, PlateText: plates[i], CameraColor: "BLUE", Time: e.clk.now()}); err != nil {
			b.Fatal(err)
		}
	}
	e.clk.add(2 * time.Hour)
	b.ResetTimer()
	for i := range b.N {
		d, err := e.gate.Handle(ctx, Event{Lane: "out", Direction: Exit, PlateText: plates[i], CameraColor: "BLUE", Time: e.clk.now()})
		if err != nil || d.Action != Open {
			b.Fatalf("%v %+v", err, d)
		}
	}
}

func BenchmarkRSAPerExit(b *testing.B) {
	key, err := signing.LoadPrivateKey(keyPEM(b, "wechatpay_private_key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	d := sha256.Sum256([]byte("message"))
	for b.Loop() {
		for range 2 {
			sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, d[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLaneSim drives whole cars (entry, exit, payment callback)
// through four lanes at once on this machine and reports cars per second
// and the RSA operations each car costs (10: five signatures, five
// verifications, between client and mock).
//
//	go test ./gate -run '^$' -bench LaneSim -benchtime 400x
func BenchmarkLaneSim(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	plates := make([]string, b.N)
	for i := range b.N {
		plates[i] = fmt.Sprintf("粤C%05d", i%100000)
		e.enrol(plates[i])
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	const lanes = 4
	for l := range lanes {
		wg.Go(func() {
			for i := l; i < b.N; i += lanes {
				if _, err := e.gate.Handle(ctx, Event{Lane: fmt.Sprintf("in-%d", l), Direction: Entry, PlateText: plates[i], CameraColor: "BLUE", Time: e.clk.now()}); err != nil {
					b.Error(err)
				}
				if _, err := e.gate.Handle(ctx, Event{Lane: fmt.Sprintf("out-%d", l), Direction: Exit, PlateText: plates[i], CameraColor: "BLUE", Time: e.clk.now().Add(time.Hour)}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	e.srv.AdvanceCallbacks(time.Minute)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cars/s")
	b.ReportMetric(10, "rsa-ops/car")
}

func newEnvB(b *testing.B) *env { return newEnvTB(b) }
