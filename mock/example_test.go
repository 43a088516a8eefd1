package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gatepay/gatepay/mock"
)

// Start a mock, enrol a plate and look at the keys a client needs. Real
// clients sign their requests with the merchant key NewMerchant returns.
func ExampleNewServer() {
	srv := mock.NewServer(mock.WithCallbackMode(mock.CallbackManual), mock.WithSeed(1))
	defer srv.Close()

	creds, err := srv.NewMerchant("1900009191", false)
	if err != nil {
		panic(err)
	}
	if err := srv.EnrolPlate(mock.Plate{PlateNumber: "粤B12345", PlateColor: "BLUE", OpenID: "o-demo"}); err != nil {
		panic(err)
	}
	fmt.Println(creds.MchID, len(creds.APIv3Key), srv.PublicKeyID())
	fmt.Println(strings.HasPrefix(string(creds.PrivateKeyPEM), "-----BEGIN PRIVATE KEY-----"))

	// The control API serves the same facts as JSON.
	resp, err := http.Get(srv.URL() + "/mock/plates")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(strings.Contains(string(body), `"service_state":"NORMAL"`))
	// Output:
	// 1900009191 32 PUB_KEY_ID_0119000091912025120300000000000001
	// true
	// true
}
