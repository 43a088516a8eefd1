package gate_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/gatepay/gatepay/billing"
	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/gate"
	"github.com/gatepay/gatepay/mock"
)

// A lane controller against the mock: one car in, two hours later out.
func Example() {
	srv := mock.NewServer(mock.WithCallbackMode(mock.CallbackManual))
	defer srv.Close()
	creds, _ := srv.NewMerchant("1900009191", false)
	_ = srv.EnrolPlate(mock.Plate{PlateNumber: "粤B12345", PlateColor: "BLUE", OpenID: "o-demo"})

	cl, err := client.New(client.WithMerchant(creds.MchID, creds.SerialNo, creds.PrivateKeyPEM),
		client.WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()), client.WithAPIv3Key(creds.APIv3Key), client.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	rule, _ := billing.ParseRule([]byte(`{"model":"parking-tariff/v1","free":{"minutes":15},
	  "bands":{"all":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":30,"unit_fen":200}]}}}`))

	var ctrl *gate.Controller
	notify := httptest.NewServer(nil) // replaced below by the controller's handler
	defer notify.Close()
	ctrl, err = gate.New(gate.Config{Client: cl, Store: gate.NewMemoryStore(), Rule: rule, AppID: "wx-demo", ParkingName: "Demo lot",
		ParkingNotifyURL: notify.URL + "/wx", PayNotifyURL: notify.URL + "/wx"})
	if err != nil {
		log.Fatal(err)
	}
	notify.Config.Handler = ctrl.NotifyHandler(nil)

	ctx := context.Background()
	entry := time.Now().Add(-3 * time.Hour)
	in, _ := ctrl.Handle(ctx, gate.Event{Lane: "north-in", Direction: gate.Entry, PlateText: "粤B·12345", CameraColor: "蓝", Time: entry})
	fmt.Println("entry:", in.Action, in.Reason)

	out, _ := ctrl.Handle(ctx, gate.Event{Lane: "north-out", Direction: gate.Exit, PlateText: "粤B12345", CameraColor: "BLUE", Time: entry.Add(2*time.Hour + 5*time.Minute)})
	fmt.Println("exit:", out.Action, out.Reason, out.FeeFen, "fen")

	srv.AdvanceCallbacks(3 * time.Second) // WeChat's payment result arrives
	stay, _ := ctrl.Store().GetStay(ctx, in.StayID)
	fmt.Println("stay:", stay.Status)
	// Output:
	// entry: open entered
	// exit: open charged 1100 fen
	// stay: paid
}
