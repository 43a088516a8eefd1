// Command gatepay-mock runs the mock WeChat Pay as a server, for developing
// and testing against it from any language.
//
//	go run ./mock/cmd/gatepay-mock -addr 127.0.0.1:8090 -keys ./mock-keys
//
// It writes the keys a client needs into the -keys folder, registers a
// merchant (or the one you name), prints how to point a client at it, and
// serves until interrupted. Every fault of the mock has a flag; the JSON
// control API under /mock/ changes them at run time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gatepay/gatepay/mock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "gatepay-mock:", err)
		os.Exit(1)
	}
}

// run parses args, starts the mock and serves until ctx is done. ready,
// when set, receives the base URL once the mock listens.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("gatepay-mock", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on (keep it on loopback: the control API has no authentication)")
	keysDir := fs.String("keys", "mock-keys", "folder to write the keys a client needs")
	mchID := fs.String("mchid", "1900009191", "merchant id to register")
	partner := fs.Bool("partner", false, "register the merchant as a partner (服务商)")
	seed := fs.Uint64("seed", 1, "seed for ids and fault rolls (same seed, same run)")
	scale := fs.Float64("time-scale", 1, "callback clock speed: 0.01 runs the 24-hour retry schedule in 15 minutes")
	manual := fs.Bool("manual-callbacks", false, "hold callbacks until POST /mock/callbacks/advance")
	processing := fs.Duration("processing-delay", 3*time.Second, "time from acceptance to a deduction's outcome, on the callback clock")
	latency := fs.Duration("latency", 0, "added before every API answer")
	errorRate := fs.Float64("error-rate", 0, "share of requests answered 500/502/503/429 unprocessed")
	dropRate := fs.Float64("drop-rate", 0, "share of charging requests processed and then left unanswered")
	dupRate := fs.Float64("duplicate-rate", 0, "share of acknowledged callbacks delivered again")
	reorderRate := fs.Float64("reorder-rate", 0, "share of callbacks held back 30 s so later ones overtake them")
	probeRate := fs.Float64("probe-rate", 0, "share of callbacks first sent with a WECHATPAY/SIGNTEST/ signature")
	skew := fs.Duration("clock-skew", 0, "shift of the timestamps the mock signs with")
	verbose := fs.Bool("v", false, "log every request and callback")
	fs.Usage = func() {
		fmt.Fprintln(out, "gatepay-mock: a stateful fake WeChat Pay (APIv3 parking, APIv2 车主平台) for development and tests.")
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Usage: go run ./mock/cmd/gatepay-mock [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	opts := []mock.Option{
		mock.WithSeed(*seed), mock.WithTimeScale(*scale), mock.WithProcessingDelay(*processing),
		mock.WithFaults(mock.Faults{Latency: *latency, ErrorRate: *errorRate, DropRate: *dropRate, DuplicateRate: *dupRate,
			ReorderRate: *reorderRate, ProbeRate: *probeRate, ClockSkew: *skew}),
	}
	if *manual {
		opts = append(opts, mock.WithCallbackMode(mock.CallbackManual))
	}
	if *verbose {
		opts = append(opts, mock.WithLogger(slog.New(slog.NewTextHandler(out, nil))))
	}
	h, err := mock.NewHandler(opts...)
	if err != nil {
		return err
	}
	defer h.Close()
	creds, err := h.NewMerchant(*mchID, *partner)
	if err != nil {
		return err
	}
	if err := writeKeys(*keysDir, h, creds); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, `gatepay-mock listening on %s

Point a client at it:
  base URL            %s
  merchant id         %s (partner: %v)
  merchant serial     %s
  merchant key        %s
  WeChat Pay key id   %s
  WeChat Pay key      %s
  platform cert       %s
  APIv3 key           %s   (also in %s)
  APIv2 key           %s   (also in %s)

Control API (JSON):
  POST %s/mock/plates            {"plate_number":"粤B12345","plate_color":"BLUE","openid":"o1"}
  POST %s/mock/plates/state      {"plate_number":"粤B12345","plate_color":"BLUE","service_state":"PAUSE"}
  GET  %s/mock/requests | /mock/callbacks | /mock/keys | /mock/faults
  POST %s/mock/faults            {"error_rate":0.1,"drop_rate":0.05,"latency_ms":200}
  POST %s/mock/callbacks/advance {"seconds":15}   (with -manual-callbacks)
`, base, base, creds.MchID, creds.Partner, creds.SerialNo, filepath.Join(*keysDir, "apiclient_key.pem"), h.PublicKeyID(),
		filepath.Join(*keysDir, "pub_key.pem"), filepath.Join(*keysDir, "platform_cert.pem"),
		creds.APIv3Key, filepath.Join(*keysDir, "apiv3_key.txt"), creds.APIv2Key, filepath.Join(*keysDir, "apiv2_key.txt"),
		base, base, base, base, base)

	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready <- base
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func writeKeys(dir string, h *mock.Handler, c *mock.Credentials) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	files := map[string][]byte{
		"apiclient_key.pem": c.PrivateKeyPEM,
		"pub_key.pem":       h.PublicKeyPEM(),
		"pub_key_id.txt":    []byte(h.PublicKeyID() + "\n"),
		"platform_cert.pem": h.CertificatePEM(),
		"apiv3_key.txt":     []byte(c.APIv3Key + "\n"),
		"apiv2_key.txt":     []byte(c.APIv2Key + "\n"),
		"merchant.txt":      []byte("mchid=" + c.MchID + "\nserial_no=" + c.SerialNo + "\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
