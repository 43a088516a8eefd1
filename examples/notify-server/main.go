// Command notify-server receives WeChat Pay's callbacks, verifies and
// decrypts each one and prints it.
//
// With no flags it demonstrates itself: it starts an in-process mock,
// charges one car so that a TRANSACTION.SUCCESS arrives, prints it and
// exits. Against the mock binary:
//
//	go run ./mock/cmd/gatepay-mock -keys ./mock-keys &
//	go run ./examples/notify-server -keys ./mock-keys -addr 127.0.0.1:8091
//
// then use http://127.0.0.1:8091/wx/ (APIv3) or /wx2/ (APIv2) as notify
// URLs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/mock"
)

func main() {
	keys := flag.String("keys", "", "folder the mock binary wrote its keys to (apiclient_key.pem, pub_key.pem, pub_key_id.txt, apiv3_key.txt, apiv2_key.txt, merchant.txt); empty runs the self-demonstration")
	addr := flag.String("addr", "127.0.0.1:8091", "address to receive callbacks on")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "notify-server: receive, verify, decrypt and print WeChat Pay callbacks (APIv3 at /wx/, APIv2 at /wx2/).")
		flag.PrintDefaults()
	}
	flag.Parse()
	var err error
	if *keys == "" {
		err = demo(os.Stdout)
	} else {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		err = serve(ctx, os.Stdout, *keys, *addr, nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "notify-server:", err)
		os.Exit(1)
	}
}

// handler prints every verified event; it answers WeChat as the client's
// handlers do (and so asks for a resend of anything forged).
func handler(out io.Writer, c *client.Client, got chan<- string) http.Handler {
	note := func(s string) {
		fmt.Fprintln(out, time.Now().Format("15:04:05"), s)
		if got != nil {
			got <- s
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/wx/", c.NotifyHandler(client.Handlers{
		OnTransaction: func(_ context.Context, e *client.TransactionEvent) error {
			note(fmt.Sprintf("%s  order %s  state %s  ¥%d.%02d  plate %s  transaction %s",
				e.EventType, e.OutTradeNo, e.TradeState, e.Amount.Total/100, e.Amount.Total%100, e.Parking.PlateNumber, e.TransactionID))
			return nil
		},
		OnParkingState: func(_ context.Context, e *client.ParkingStateEvent) error {
			note(fmt.Sprintf("VEHICLE.ENTRANCE_STATE_CHANGE  stay %s  plate %s  %s %s", e.OutParkingNo, e.PlateNumber, e.ParkingState, e.BlockedStateDescription))
			return nil
		},
		OnOther: func(_ context.Context, n *client.Notification) error {
			note(fmt.Sprintf("%s  %s", n.EventType, n.Plaintext))
			return nil
		},
	}))
	mux.Handle("/wx2/", c.NotifyHandlerV2(client.HandlersV2{
		OnPayment: func(_ context.Context, e *client.V2PaymentEvent) error {
			note(fmt.Sprintf("APIv2 payment  order %s  state %s  %d fen", e.OutTradeNo, e.TradeState, e.TotalFen))
			return nil
		},
		OnPlateState: func(_ context.Context, e *client.V2PlateEvent) error {
			note(fmt.Sprintf("APIv2 plate %s  %s %s", e.PlateNumber, e.EventType, e.Description))
			return nil
		},
	}))
	return mux
}

func readKey(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	return strings.TrimSpace(string(b)), err
}

// serve runs the receiver with the keys the mock binary wrote.
func serve(ctx context.Context, out io.Writer, dir, addr string, ready chan<- string) error {
	var vals [5]string
	for i, f := range []string{"pub_key_id.txt", "apiv3_key.txt", "apiv2_key.txt", "merchant.txt", "apiclient_key.pem"} {
		v, err := readKey(dir, f)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	pub, err := os.ReadFile(filepath.Join(dir, "pub_key.pem"))
	if err != nil {
		return err
	}
	var mch, serial string
	for _, line := range strings.Split(vals[3], "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "mchid":
			mch = v
		case "serial_no":
			serial = v
		}
	}
	c, err := client.New(client.WithMerchant(mch, serial, []byte(vals[4])), client.WithWeChatPayPublicKey(vals[0], pub),
		client.WithAPIv3Key(vals[1]), client.WithAPIv2Key(vals[2]))
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "receiving callbacks on http://%s/wx/ (APIv3) and /wx2/ (APIv2)\n", ln.Addr())
	srv := &http.Server{Handler: handler(out, c, nil), ReadHeaderTimeout: 5 * time.Second}
	if ready != nil {
		ready <- "http://" + ln.Addr().String()
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// demo charges one car on an in-process mock and prints the callback.
func demo(out io.Writer) error {
	ctx := context.Background()
	srv := mock.NewServer(mock.WithCallbackMode(mock.CallbackManual))
	defer srv.Close()
	creds, err := srv.NewMerchant("1900009191", false)
	if err != nil {
		return err
	}
	_ = srv.EnrolPlate(mock.Plate{PlateNumber: "粤B12345", PlateColor: "BLUE", OpenID: "o-demo"})
	c, err := client.New(client.WithMerchant(creds.MchID, creds.SerialNo, creds.PrivateKeyPEM),
		client.WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()), client.WithAPIv3Key(creds.APIv3Key), client.WithBaseURL(srv.URL()))
	if err != nil {
		return err
	}
	defer c.Close()
	got := make(chan string, 4)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	recv := &http.Server{Handler: handler(out, c, got), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = recv.Serve(ln) }()
	defer recv.Close()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "demo: receiving on %s/wx/; charging one car on an in-process mock…\n", base)

	entry := time.Now().Add(-2 * time.Hour)
	pk, err := c.CreateParking(ctx, client.CreateParkingRequest{OutParkingNo: "P-DEMO-1", PlateNumber: "粤B12345", PlateColor: client.Blue,
		NotifyURL: base + "/wx/parking", StartTime: entry, ParkingName: "Demo lot"})
	if err != nil {
		return err
	}
	if _, err := c.Deduct(ctx, client.DeductRequest{AppID: "wx-demo", Description: "停车费", OutTradeNo: "T-DEMO-1", NotifyURL: base + "/wx/pay", TotalFen: 900,
		Parking: client.ParkingInfo{ParkingID: pk.ID, PlateNumber: "粤B12345", PlateColor: client.Blue, StartTime: entry, EndTime: time.Now().Add(-time.Second),
			ParkingName: "Demo lot", ChargingDuration: 2 * time.Hour, DeviceID: "exit-1"}}); err != nil {
		return err
	}
	srv.AdvanceCallbacks(5 * time.Second)
	select {
	case s := <-got:
		if !strings.Contains(s, "TRANSACTION.SUCCESS") {
			return fmt.Errorf("unexpected event %q", s)
		}
	case <-time.After(10 * time.Second):
		return errors.New("no callback arrived")
	}
	fmt.Fprintln(out, "demo: the callback was verified, decrypted and acknowledged.")
	return nil
}
