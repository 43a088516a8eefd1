package signing_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gatepay/gatepay/signing"
)

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// A merchant signs an APIv3 request: load apiclient_key.pem once, then
// build the Authorization header for each request.
func ExampleSigner_Authorization() {
	key, err := signing.LoadPrivateKey(mustRead("testdata/vectors/keys/merchant_private_key.pem"))
	if err != nil {
		log.Fatal(err)
	}
	signer, err := signing.NewSigner("1900009191", "3775B6A45ACD588826D15E583A95F5DD********", key)
	if err != nil {
		log.Fatal(err)
	}
	// In production: time.Now().Unix() and signing.NewNonce().
	auth, err := signer.Authorization("GET", "/v3/vehicle/transactions/out-trade-no/T20251203000001?sub_mchid=1900000109",
		nil, 1764729600, "593BEC0C930BF1AFEB40B4A08C8FB242")
	if err != nil {
		log.Fatal(err)
	}
	a, err := signing.ParseAuthorization(auth)
	fmt.Println(a.MchID, a.SerialNo, a.Timestamp, a.NonceStr, len(a.Signature), err)
	// Output:
	// 1900009191 3775B6A45ACD588826D15E583A95F5DD******** 1764729600 593BEC0C930BF1AFEB40B4A08C8FB242 344 <nil>
}

// A client checks a response (or notification) against the WeChat Pay
// public key. The clock is fixed here because the recorded response is old.
func ExampleVerifier_VerifyHeaders() {
	pub, err := signing.LoadPublicKey(mustRead("testdata/vectors/keys/wechatpay_public_key.pem"))
	if err != nil {
		log.Fatal(err)
	}
	v, err := signing.NewVerifier(
		signing.WithPublicKey("PUB_KEY_ID_0119000091912025120300000000000001", pub),
		signing.WithClock(func() time.Time { return time.Unix(1764729700, 0) }),
	)
	if err != nil {
		log.Fatal(err)
	}
	h := http.Header{}
	h.Set("Wechatpay-Serial", "PUB_KEY_ID_0119000091912025120300000000000001")
	h.Set("Wechatpay-Timestamp", "1764729700")
	h.Set("Wechatpay-Nonce", "9A8B7C6D5E4F30211203F4E5D6C7B8A9")
	h.Set("Wechatpay-Signature", "C2q47WoPz50ECPA503sf7/oIdy1Z6u9AByr9uRJuOiNmzCUP9HnHcHOgOlWnHDB4j2kGECArgiRZuJDP50tLGIv8oGSDCnDQz/H76HZ+FjwaSFRVEFj+MzxJ0bIuihJ/1MMS3SHm5sEBLhlkUBhGZJhHiFmKjmeT226yhmcAW4we63/3l/4J5Sp2eHdonR5jP+UQ66RRBh+UMRSwlhA8YDXhNmtZordbOXRnhEWGu1rpf2X4GY3dArcqqnedYMe3i7Rgj98kRAMOgHDPzI7F3Bk8k6ifnNiOJm1K1xilknXW3KGZDyt3NJCMIIJAg8P5uayqvHNnz318OKviaGZPGQ==")

	fmt.Println("empty 204 body:", v.VerifyHeaders(h, nil))
	err = v.VerifyHeaders(h, []byte(`{"forged":true}`))
	fmt.Println("forged body rejected:", errors.Is(err, signing.ErrBadSignature))
	// Output:
	// empty 204 body: <nil>
	// forged body rejected: true
}

// Notification resources are AES-256-GCM sealed with the APIv3 key.
func ExampleDecryptResource() {
	apiV3Key := []byte("a7cde1ZJB1kG2e0YkI5T4Q8d9Xr3Vb6N")
	nonce := signing.NewResourceNonce()
	ct, err := signing.EncryptResource(apiV3Key, signing.AlgorithmAES256GCM, nonce, "transaction", []byte(`{"trade_state":"SUCCESS"}`))
	if err != nil {
		log.Fatal(err)
	}
	plain, err := signing.DecryptResource(apiV3Key, signing.AlgorithmAES256GCM, nonce, "transaction", ct)
	fmt.Println(string(plain), err)

	_, err = signing.DecryptResource(apiV3Key, signing.AlgorithmAES256GCM, nonce, "parking", ct)
	fmt.Println(errors.Is(err, signing.ErrDecrypt))
	// Output:
	// {"trade_state":"SUCCESS"} <nil>
	// true
}

// APIv2 (车主平台) requests and callbacks carry an MD5 or HMAC-SHA256 sign.
func ExampleSignV2() {
	params := map[string]string{
		"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "device_info": "1000",
		"body": "test", "nonce_str": "ibuaiVcKdpRxkhJA", "attach": "", // empty: not signed
	}
	sign, err := signing.SignV2(params, "192006250b4c09247ec02edce69f6a2d", signing.SignTypeMD5)
	fmt.Println(sign, err)

	params["sign"] = sign
	fmt.Println(signing.VerifyV2(params, "192006250b4c09247ec02edce69f6a2d"))
	// Output:
	// 9A0A8659F005D6984697E2CA0A9CF3B7 <nil>
	// <nil>
}
