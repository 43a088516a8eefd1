// Command highway runs the APIv2 (车主平台) motorway scene against an
// in-process mock: a car is seen at an entrance station, driven to an exit
// station on a manual (MTC) lane, and the toll is deducted contactlessly.
//
//	go run ./examples/highway
//	go run ./examples/highway -toll 4250 -channel ETC
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/gate"
	"github.com/gatepay/gatepay/mock"
)

func main() {
	toll := flag.Int64("toll", 3500, "the toll in fen, as the exit station computes it")
	channel := flag.String("channel", "MTC", "the exit lane's channel: MTC (manual) or ETC")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "highway: the APIv2 HIGHWAY scene — entrance station, exit station, contactless toll — against an in-process mock.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(os.Stdout, *toll, *channel); err != nil {
		fmt.Fprintln(os.Stderr, "highway FAILED:", err)
		os.Exit(1)
	}
}

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

func run(out io.Writer, toll int64, channel string) error {
	ctx := context.Background()
	clk := &simClock{t: time.Date(2025, 12, 3, 10, 43, 39, 0, time.FixedZone("CST", 8*3600))}
	srv := mock.NewServer(mock.WithClock(clk.Now), mock.WithCallbackMode(mock.CallbackManual), mock.WithSeed(36))
	defer srv.Close()
	creds, err := srv.NewMerchant("1900009191", false)
	if err != nil {
		return err
	}
	if err := srv.EnrolPlate(mock.Plate{PlateNumber: "粤B88888", PlateColor: "BLUE", OpenID: "o-trucker"}); err != nil {
		return err
	}
	cl, err := client.New(client.WithMerchant(creds.MchID, creds.SerialNo, creds.PrivateKeyPEM),
		client.WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()), client.WithAPIv2Key(creds.APIv2Key),
		client.WithBaseURL(srv.URL()), client.WithClock(clk.Now))
	if err != nil {
		return err
	}
	defer cl.Close()
	mux := http.NewServeMux()
	notify := httptest.NewServer(mux)
	defer notify.Close()
	ctrl, err := gate.New(gate.Config{Client: cl, Store: gate.NewMemoryStore(), Scene: gate.SceneHighway, AppID: "wx-highway",
		ChannelType: channel, PayNotifyURL: notify.URL + "/v2/pay", Description: "通行费", Clock: clk.Now})
	if err != nil {
		return err
	}
	mux.Handle("/v2/", ctrl.NotifyHandlerV2(nil))

	fmt.Fprintln(out, "gatepay highway — APIv2 车主平台, HIGHWAY scene, against an in-process mock")
	in, err := ctrl.Handle(ctx, gate.Event{Lane: "沿江深圳-大铲湾", Direction: gate.Entry, PlateText: "粤B88888", CameraColor: "BLUE", Time: clk.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  entrance station 沿江深圳-大铲湾: %s (%s) — the trip is recorded, nothing is sent yet\n", clk.Now().Format("15:04:05"), in.Action, in.Reason)
	clk.Advance(time.Hour)
	exit, err := ctrl.Handle(ctx, gate.Event{Lane: "虎门大桥", Direction: gate.Exit, PlateText: "粤B88888", CameraColor: "BLUE", Time: clk.Now(), AmountFen: toll})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  exit station 虎门大桥 (%s): user state checked (querystate), toll ¥%d.%02d requested (payapply) → %s (%s), order %s\n",
		clk.Now().Format("15:04:05"), channel, toll/100, toll%100, exit.Action, exit.Reason, exit.OutTradeNo)
	if exit.Action != gate.Open {
		return fmt.Errorf("the exit should open, got %s %s", exit.Action, exit.Message)
	}
	srv.AdvanceCallbacks(5 * time.Second)
	for _, cb := range srv.Callbacks() {
		fmt.Fprintf(out, "          payment result %s → XML, HMAC-SHA256 signed, acknowledged: %v\n", cb.EventType, cb.Acked)
	}
	st, err := ctrl.Store().GetStay(ctx, in.StayID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "trip %s: %s → %s, status %s\n", st.ID, st.LaneIn, st.LaneOut, st.Status)
	if st.Status != gate.StatusPaid {
		return fmt.Errorf("the trip should end paid, got %s", st.Status)
	}
	return nil
}
