// Command quickstart drives three cars through a parking lot against an
// in-process mock WeChat Pay, printing every step a vendor's engineer
// wants to see: what was sent, what WeChat answered, the barrier decision,
// the fee breakdown, the payment callback and the final state.
//
//	go run ./examples/quickstart
//
// Car 1 is enrolled and pays contactlessly; car 2 is not enrolled and is
// sent to pay another way; car 3 is enrolled but its debit fails and it
// lands on the arrears list. The clock is simulated: two hours pass in an
// instant. The exit status is 0 only if every step came out as expected.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gatepay/gatepay/billing"
	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/gate"
	"github.com/gatepay/gatepay/mock"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "quickstart: a full contactless parking cycle (entry → exit → fee → debit → signed callback → settled)")
		fmt.Fprintln(flag.CommandLine.Output(), "against an in-process mock WeChat Pay. No flags, no account: go run ./examples/quickstart")
	}
	flag.Parse()
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart FAILED:", err)
		os.Exit(1)
	}
}

// tariff: 15 minutes free, the first hour ¥5, then ¥2 a half hour, at most
// ¥50 a calendar day.
const tariff = `{
  "model": "parking-tariff/v1",
  "free": {"minutes": 15},
  "bands": {"all": {"tiers": [{"up_to_minutes": 60, "unit_minutes": 60, "unit_fen": 500},
                              {"unit_minutes": 30, "unit_fen": 200}]}},
  "day_window": {"kind": "calendar_day", "cap_fen_per_window": [5000]}
}`

// simClock is the simulated time every part shares.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// wire prints each attempt the client makes and WeChat's answer.
type wire struct {
	out  io.Writer
	next http.RoundTripper
}

func (w wire) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	line := fmt.Sprintf("    → %s %s", r.Method, r.URL.Path)
	if len(body) > 0 {
		line += "  " + abbreviate(string(body), 110)
	}
	fmt.Fprintln(w.out, line)
	resp, err := w.next.RoundTrip(r)
	if err != nil {
		fmt.Fprintf(w.out, "    ← no answer: %v\n", err)
		return nil, err
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	fmt.Fprintf(w.out, "    ← %d  Request-ID %s  %s  (signed with %s)\n", resp.StatusCode, resp.Header.Get("Request-ID"),
		keyFields(rb), resp.Header.Get("Wechatpay-Serial"))
	return resp, nil
}

// keyFields picks out what a reader looks for in an answer.
func keyFields(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return abbreviate(string(body), 80)
	}
	var parts []string
	for _, k := range []string{"id", "state", "block_reason", "out_trade_no", "trade_state", "service_state", "code", "message"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}

func abbreviate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func yuan(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) }

// run is the whole demonstration; it returns an error when a step does not
// come out as expected.
func run(out io.Writer) error {
	ctx := context.Background()
	clk := &simClock{t: time.Date(2025, 12, 3, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))}

	fmt.Fprintln(out, "gatepay quickstart — contactless parking against an in-process mock WeChat Pay")
	fmt.Fprintln(out)
	srv := mock.NewServer(mock.WithClock(clk.Now), mock.WithCallbackMode(mock.CallbackManual), mock.WithSeed(2025))
	defer srv.Close()
	creds, err := srv.NewMerchant("1900009191", false)
	if err != nil {
		return err
	}
	for _, p := range []mock.Plate{
		{PlateNumber: "粤B12345", PlateColor: "BLUE", OpenID: "o-driver-1"},
		{PlateNumber: "粤B00001", PlateColor: "BLUE", OpenID: "o-driver-3", Outcome: mock.OutcomeFail},
	} {
		if err := srv.EnrolPlate(p); err != nil {
			return err
		}
	}
	cl, err := client.New(
		client.WithMerchant(creds.MchID, creds.SerialNo, creds.PrivateKeyPEM),
		client.WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()),
		client.WithAPIv3Key(creds.APIv3Key),
		client.WithBaseURL(srv.URL()),
		client.WithClock(clk.Now),
		client.WithHTTPClient(&http.Client{Transport: wire{out: out, next: http.DefaultTransport}}),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	rule, err := billing.ParseRule([]byte(tariff))
	if err != nil {
		return err
	}
	// The lot's callback endpoint, as WeChat will call it.
	mux := http.NewServeMux()
	notify := httptest.NewServer(mux)
	defer notify.Close()
	ctrl, err := gate.New(gate.Config{Client: cl, Store: gate.NewMemoryStore(), Rule: rule, AppID: "wxd678efh567hg6787",
		ParkingName: "欢乐海岸停车场", FreeDuration: 15 * time.Minute, Clock: clk.Now,
		ParkingNotifyURL: notify.URL + "/wx/parking", PayNotifyURL: notify.URL + "/wx/pay"})
	if err != nil {
		return err
	}
	mux.Handle("/wx/", ctrl.NotifyHandler(nil))

	fmt.Fprintf(out, "mock WeChat Pay  %s  (answers signed with %s)\n", srv.URL(), srv.PublicKeyID())
	fmt.Fprintf(out, "merchant         %s, key serial %s…\n", creds.MchID, creds.SerialNo[:12])
	fmt.Fprintln(out, "enrolled         粤B12345 (pays), 粤B00001 (enrolled, but its debits fail)")
	fmt.Fprintln(out, "tariff           15 min free, first hour ¥5.00, then ¥2.00 per 30 min, at most ¥50.00 a day")

	check := func(what string, ok bool, got any) error {
		if !ok {
			return fmt.Errorf("%s: got %v", what, got)
		}
		return nil
	}
	seenCallbacks := 0
	deliver := func() {
		srv.AdvanceCallbacks(5 * time.Second)
		cbs := srv.Callbacks()
		for _, cb := range cbs[seenCallbacks:] {
			last := cb.Attempts[len(cb.Attempts)-1]
			fmt.Fprintf(out, "  callback  WeChat → POST %s  %s  id %s  (RSA-signed, AES-256-GCM encrypted)  → answered %d\n",
				strings.TrimPrefix(cb.URL, notify.URL), cb.EventType, cb.ID, last.Status)
		}
		seenCallbacks = len(cbs)
	}
	lane := func(dir gate.Direction, laneID, read, color string) (gate.Decision, error) {
		fmt.Fprintf(out, "  %s  %-5s camera read %q (%s) at lane %s\n", clk.Now().Format("15:04:05"), dir, read, color, laneID)
		d, err := ctrl.Handle(ctx, gate.Event{Lane: laneID, Direction: dir, PlateText: read, CameraColor: color, Time: clk.Now(),
			Evidence: gate.Evidence{PhotoRef: "cam/" + laneID + "/" + clk.Now().Format("150405") + ".jpg"}})
		if err != nil {
			return d, err
		}
		if d.Quote != nil {
			fmt.Fprintf(out, "    fee %s for %s:\n", yuan(d.FeeFen), d.Quote.Exit.Sub(d.Quote.Entry).Round(time.Minute))
			for _, it := range d.Quote.Items {
				fmt.Fprintf(out, "      %s–%s  %d × %d min @ %s = %s\n", it.Start.Format("15:04"), it.End.Format("15:04"), it.Units, it.UnitMinutes, yuan(it.UnitFen), yuan(it.Fen))
			}
			for _, a := range d.Quote.Adjustments {
				fmt.Fprintf(out, "      %s −%s\n", a.Kind, yuan(a.Fen))
			}
		}
		fmt.Fprintf(out, "    barrier: %s (%s)", strings.ToUpper(string(d.Action)), d.Reason)
		if d.Message != "" {
			fmt.Fprintf(out, " — %s", d.Message)
		}
		if d.OutTradeNo != "" {
			fmt.Fprintf(out, "  order %s", d.OutTradeNo)
		}
		fmt.Fprintln(out)
		return d, nil
	}
	final := func(stayID string) (gate.Stay, error) {
		s, err := ctrl.Store().GetStay(ctx, stayID)
		if err != nil {
			return s, err
		}
		fmt.Fprintf(out, "  final     stay %s  status %s", s.ID, s.Status)
		if s.TransactionID != "" {
			fmt.Fprintf(out, "  transaction %s", s.TransactionID)
		}
		fmt.Fprintln(out)
		return s, nil
	}

	// Car 1: enrolled, pays.
	fmt.Fprintln(out, "\nCar 1 — 粤B12345, enrolled")
	in1, err := lane(gate.Entry, "north-in", "粤b·12345", "蓝")
	if err != nil {
		return err
	}
	if err := check("car 1 entry opens", in1.Action == gate.Open, in1.Action); err != nil {
		return err
	}
	clk.Advance(2*time.Hour + 10*time.Minute)
	fmt.Fprintln(out, "  … 2 h 10 min later (simulated clock)")
	out1, err := lane(gate.Exit, "north-out", "粤B12345", "BLUE")
	if err != nil {
		return err
	}
	if err := check("car 1 is charged and let out", out1.Action == gate.Open && out1.Reason == gate.ReasonCharged && out1.FeeFen == 1100, out1); err != nil {
		return err
	}
	deliver()
	s1, err := final(in1.StayID)
	if err != nil {
		return err
	}
	if err := check("car 1 ends paid", s1.Status == gate.StatusPaid, s1.Status); err != nil {
		return err
	}

	// Car 2: not enrolled.
	fmt.Fprintln(out, "\nCar 2 — 沪A98765, not enrolled")
	in2, err := lane(gate.Entry, "north-in", "沪A98765", "BLUE")
	if err != nil {
		return err
	}
	clk.Advance(50 * time.Minute)
	fmt.Fprintln(out, "  … 50 min later")
	out2, err := lane(gate.Exit, "north-out", "沪A98765", "BLUE")
	if err != nil {
		return err
	}
	if err := check("car 2 pays another way", out2.Action == gate.PayOtherWay && out2.FeeFen == 500, out2); err != nil {
		return err
	}
	fmt.Fprintln(out, "    (the cashier collects ¥5.00 by QR code; the lane software records it)")
	if err := ctrl.CloseOther(ctx, in2.StayID); err != nil {
		return err
	}
	if _, err := final(in2.StayID); err != nil {
		return err
	}

	// Car 3: enrolled, the debit fails.
	fmt.Fprintln(out, "\nCar 3 — 粤B00001, enrolled, wallet empty")
	in3, err := lane(gate.Entry, "south-in", "粤B00001", "BLUE")
	if err != nil {
		return err
	}
	clk.Advance(95 * time.Minute)
	fmt.Fprintln(out, "  … 1 h 35 min later")
	out3, err := lane(gate.Exit, "south-out", "粤B 00001", "BLUE")
	if err != nil {
		return err
	}
	if err := check("car 3 is accepted and let out", out3.Action == gate.Open, out3); err != nil {
		return err
	}
	deliver()
	s3, err := final(in3.StayID)
	if err != nil {
		return err
	}
	if err := check("car 3 ends in arrears", s3.Status == gate.StatusArrears, s3.Status); err != nil {
		return err
	}
	unpaid, err := ctrl.Unpaid(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  arrears   %d stay to collect (追缴): %s %s %s\n", len(unpaid), unpaid[0].Plate, unpaid[0].ID, yuan(unpaid[0].FeeFen))

	orders := srv.Orders()
	if err := check("two deductions reached WeChat, once each", len(orders) == 2, len(orders)); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nEvery step came out as expected: 2 deductions, each sent once; 1 car sent to pay another way; 1 stay in arrears.")
	return nil
}
