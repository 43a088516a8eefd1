package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatepay/gatepay/client/notifytest"
	"github.com/gatepay/gatepay/mock"
	"github.com/gatepay/gatepay/signing"
)

func TestDemo(t *testing.T) {
	var out strings.Builder
	if err := demo(&out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "TRANSACTION.SUCCESS  order T-DEMO-1  state SUCCESS  ¥9.00") {
		t.Errorf("output:\n%s", out.String())
	}
}

// The receiver configured from a keys folder like the mock binary writes.
func TestServeFromKeys(t *testing.T) {
	key, err := signing.LoadPrivateKey(mustRead(t, "../../signing/testdata/vectors/keys/wechatpay_private_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := mock.NewHandler(mock.WithKey("PUB_KEY_ID_1", key), mock.WithAPIKeys("a7cde1ZJB1kG2e0YkI5T4Q8d9Xr3Vb6N", "k2"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	creds, err := h.RegisterKey("1900009191", false, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string]string{"pub_key_id.txt": "PUB_KEY_ID_1\n", "apiv3_key.txt": creds.APIv3Key, "apiv2_key.txt": creds.APIv2Key,
		"merchant.txt": "mchid=1900009191\nserial_no=" + creds.SerialNo + "\n", "apiclient_key.pem": string(creds.PrivateKeyPEM), "pub_key.pem": string(h.PublicKeyPEM())} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out syncBuilder
	go func() { done <- serve(ctx, &out, dir, "127.0.0.1:0", ready) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("did not start")
	}
	s, err := notifytest.New("PUB_KEY_ID_1", key, creds.APIv3Key)
	if err != nil {
		t.Fatal(err)
	}
	req, err := s.Request(base+"/wx/pay", "TRANSACTION.SUCCESS", "transaction", map[string]any{"out_trade_no": "T9", "trade_state": "SUCCESS", "amount": map[string]any{"total": 100}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpDo(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp != 204 {
		t.Errorf("status %d", resp)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "order T9") {
		t.Errorf("output:\n%s", out.String())
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
