package signing

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The files under testdata/vectors were produced by the official WeChat Pay
// SDKs (see testdata/vectors/README.md). A mismatch here is our bug.

type vectorMeta struct {
	APIv2Key       string `json:"apiv2_key"`
	APIv3Key       string `json:"apiv3_key"`
	MchID          string `json:"mchid"`
	MerchantSerial string `json:"merchant_serial_no"`
	PublicKeyID    string `json:"wechatpay_public_key_id"`
}

type requestVector struct {
	Name          string `json:"name"`
	Method        string `json:"method"`
	CanonicalURL  string `json:"canonical_url"`
	Timestamp     int64  `json:"timestamp"`
	Nonce         string `json:"nonce"`
	Body          string `json:"body"`
	Message       string `json:"message"`
	Signature     string `json:"signature"`
	Authorization string `json:"authorization"`
}

type responseVector struct {
	Name      string `json:"name"`
	Serial    string `json:"wechatpay_serial"`
	Timestamp string `json:"wechatpay_timestamp"`
	Nonce     string `json:"wechatpay_nonce"`
	Signature string `json:"wechatpay_signature"`
	Body      string `json:"body"`
	Valid     bool   `json:"valid"`
	Why       string `json:"why"`
}

type notificationVector struct {
	Name      string            `json:"name"`
	Headers   map[string]string `json:"headers"`
	Body      string            `json:"body"`
	Plaintext string            `json:"plaintext"`
	Valid     bool              `json:"valid"`
	Why       string            `json:"why"`
}

type v2Vector struct {
	Name     string            `json:"name"`
	Params   map[string]string `json:"params"`
	APIKey   string            `json:"api_key"`
	SignType string            `json:"sign_type"`
	Sign     string            `json:"sign"`
}

func readVector(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vectors", name))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v), name)
}

func readPEM(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vectors", "keys", name))
	require.NoError(t, err)
	return data
}

func loadMeta(t testing.TB) vectorMeta {
	var m vectorMeta
	readVector(t, "meta.json", &m)
	return m
}

func vectorSigner(t testing.TB) *Signer {
	t.Helper()
	m := loadMeta(t)
	key, err := LoadPrivateKey(readPEM(t, "merchant_private_key.pem"))
	require.NoError(t, err)
	s, err := NewSigner(m.MchID, m.MerchantSerial, key)
	require.NoError(t, err)
	return s
}

// vectorVerifier trusts the vectors' WeChat Pay public key with a clock
// fixed at unix.
func vectorVerifier(t testing.TB, unix int64) *Verifier {
	t.Helper()
	m := loadMeta(t)
	pub, err := LoadPublicKey(readPEM(t, "wechatpay_public_key.pem"))
	require.NoError(t, err)
	v, err := NewVerifier(WithPublicKey(m.PublicKeyID, pub), WithClock(func() time.Time { return time.Unix(unix, 0) }))
	require.NoError(t, err)
	return v
}

func TestVectorsRequestSigning(t *testing.T) {
	var vs []requestVector
	readVector(t, "v3-request-signing.json", &vs)
	require.NotEmpty(t, vs)
	s := vectorSigner(t)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			msg := RequestMessage(v.Method, v.CanonicalURL, v.Timestamp, v.Nonce, []byte(v.Body))
			assert.Equal(t, v.Message, string(msg), "message")

			sig, err := s.Sign(msg)
			require.NoError(t, err)
			assert.Equal(t, v.Signature, sig, "signature")

			auth, err := s.Authorization(v.Method, v.CanonicalURL, []byte(v.Body), v.Timestamp, v.Nonce)
			require.NoError(t, err)
			assert.Equal(t, v.Authorization, auth, "authorization")

			// The server side reads back what the client wrote.
			a, err := ParseAuthorization(auth)
			require.NoError(t, err)
			assert.Equal(t, Authorization{MchID: s.MchID(), NonceStr: v.Nonce, Timestamp: v.Timestamp, SerialNo: s.SerialNo(), Signature: v.Signature}, a)
			pub, err := LoadPublicKey(readPEM(t, "merchant_public_key.pem"))
			require.NoError(t, err)
			require.NoError(t, VerifyRequest(pub, a, v.Method, v.CanonicalURL, []byte(v.Body)))
			err = VerifyRequest(pub, a, v.Method, v.CanonicalURL, []byte(v.Body+" "))
			assert.ErrorIs(t, err, ErrBadSignature)
		})
	}
}

func TestVectorsResponseVerification(t *testing.T) {
	var vs []responseVector
	readVector(t, "v3-response-verification.json", &vs)
	require.NotEmpty(t, vs)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
			require.NoError(t, err)
			ver := vectorVerifier(t, ts)
			err = ver.Verify(v.Serial, v.Timestamp, v.Nonce, []byte(v.Body), v.Signature)
			if v.Valid {
				assert.NoError(t, err, v.Why)
			} else {
				assert.Error(t, err, v.Why)
				assert.True(t, errors.Is(err, ErrBadSignature) || errors.Is(err, ErrUnknownSerial), "unexpected kind of error: %v", err)
			}

			h := http.Header{}
			h.Set(HeaderSerial, v.Serial)
			h.Set(HeaderTimestamp, " "+v.Timestamp+" ")
			h.Set(HeaderNonce, v.Nonce)
			h.Set(HeaderSignature, v.Signature)
			assert.Equal(t, err == nil, ver.VerifyHeaders(h, []byte(v.Body)) == nil, "VerifyHeaders agrees with Verify")
		})
	}
}

func TestVectorsNotifications(t *testing.T) {
	var vs []notificationVector
	readVector(t, "v3-notifications.json", &vs)
	require.NotEmpty(t, vs)
	m := loadMeta(t)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			h := http.Header{}
			for k, val := range v.Headers {
				h.Set(k, val)
			}
			ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
			require.NoError(t, err)
			ver := vectorVerifier(t, ts+60)
			verr := ver.VerifyHeaders(h, []byte(v.Body))

			var env struct {
				Resource struct {
					Algorithm      string `json:"algorithm"`
					Ciphertext     string `json:"ciphertext"`
					AssociatedData string `json:"associated_data"`
					Nonce          string `json:"nonce"`
				} `json:"resource"`
			}
			require.NoError(t, json.Unmarshal([]byte(v.Body), &env))
			r := env.Resource
			plain, derr := DecryptResource([]byte(m.APIv3Key), r.Algorithm, r.Nonce, r.AssociatedData, r.Ciphertext)

			if v.Valid {
				require.NoError(t, verr)
				require.NoError(t, derr)
				assert.Equal(t, v.Plaintext, string(plain))
				// And our encryption is the exact inverse.
				ct, err := EncryptResource([]byte(m.APIv3Key), r.Algorithm, r.Nonce, r.AssociatedData, plain)
				require.NoError(t, err)
				assert.Equal(t, r.Ciphertext, ct)
				return
			}
			// An invalid notification must be refused at one of the two steps.
			assert.True(t, verr != nil || derr != nil, "%s: accepted", v.Why)
			if verr != nil {
				assert.ErrorIs(t, verr, ErrBadSignature)
			} else {
				assert.ErrorIs(t, derr, ErrDecrypt)
			}
		})
	}
}

func TestVectorsV2(t *testing.T) {
	var vs []v2Vector
	readVector(t, "v2-signing.json", &vs)
	require.NotEmpty(t, vs)
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			sign, err := SignV2(v.Params, v.APIKey, v.SignType)
			require.NoError(t, err)
			assert.Equal(t, v.Sign, sign)

			signed := map[string]string{"sign": v.Sign}
			for k, val := range v.Params {
				signed[k] = val
			}
			if v.SignType != SignTypeMD5 {
				require.Equal(t, v.SignType, signed["sign_type"], "vector carries its sign_type")
			}
			assert.NoError(t, VerifyV2(signed, v.APIKey))
		})
	}
}

// The APIv2 example of spec §5.7, including the common mistake it warns of.
func TestV2SpecExample(t *testing.T) {
	p := map[string]string{"appid": "wxd930ea5d5a258f4f", "body": "test", "device_info": "1000", "mch_id": "10000100", "nonce_str": "ibuaiVcKdpRxkhJA"}
	key := "192006250b4c09247ec02edce69f6a2d"
	md, err := SignV2(p, key, SignTypeMD5)
	require.NoError(t, err)
	assert.Equal(t, "9A0A8659F005D6984697E2CA0A9CF3B7", md)
	hs, err := SignV2(p, key, SignTypeHMACSHA256)
	require.NoError(t, err)
	assert.Equal(t, "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6", hs)
	assert.Equal(t, "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key="+key, V2SignString(p, key))
}
