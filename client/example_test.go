package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/mock"
)

// A whole APIv3 cycle against the in-process mock: enrolment check, entry,
// deduction, and the payment notification.
func Example() {
	srv := mock.NewServer(mock.WithCallbackMode(mock.CallbackManual), mock.WithSeed(7))
	defer srv.Close()
	creds, err := srv.NewMerchant("1900009191", false)
	if err != nil {
		log.Fatal(err)
	}
	_ = srv.EnrolPlate(mock.Plate{PlateNumber: "粤B12345", PlateColor: "BLUE", OpenID: "o-demo"})

	c, err := client.New(
		client.WithMerchant(creds.MchID, creds.SerialNo, creds.PrivateKeyPEM),
		client.WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()),
		client.WithAPIv3Key(creds.APIv3Key),
		client.WithBaseURL(srv.URL()),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	svc, err := c.FindPlateService(ctx, client.FindPlateServiceRequest{AppID: "wx-demo", PlateNumber: "粤B12345", PlateColor: client.Blue, OpenID: "o-demo"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("service:", svc.ServiceState)

	entry := time.Now().Add(-2 * time.Hour)
	pk, err := c.CreateParking(ctx, client.CreateParkingRequest{OutParkingNo: "P0001", PlateNumber: "粤B12345", PlateColor: client.Blue,
		NotifyURL: "https://lot.example/wx/parking", StartTime: entry, ParkingName: "Demo lot", FreeDuration: 15 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stay usable:", pk.Usable())

	txn, err := c.Deduct(ctx, client.DeductRequest{AppID: "wx-demo", Description: "停车费", OutTradeNo: "T0001",
		NotifyURL: "https://lot.example/wx/pay", TotalFen: 1200,
		Parking: client.ParkingInfo{ParkingID: pk.ID, PlateNumber: "粤B12345", PlateColor: client.Blue, StartTime: entry,
			EndTime: time.Now().Add(-time.Minute), ParkingName: "Demo lot", ChargingDuration: 2 * time.Hour, DeviceID: "exit-1"}})
	switch {
	case errors.Is(err, client.ErrOutcomeUnknown):
		fmt.Println("query T0001 before anything else")
	case err != nil:
		fmt.Println("pay another way:", err)
	default:
		fmt.Println("open the barrier:", txn.TradeState.Accepted())
	}
	// Output:
	// service: NORMAL
	// stay usable: true
	// open the barrier: true
}
