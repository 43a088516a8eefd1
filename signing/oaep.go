package signing

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
)

// EncryptOAEP encrypts a sensitive field for WeChat Pay: RSAES-OAEP with
// SHA-1 and MGF1-SHA-1, no label, base64 output (spec §5.6). key is the
// WeChat Pay public key or the platform certificate's key; the request must
// then name that key in Wechatpay-Serial. A 2048-bit key takes at most 214
// bytes of plaintext.
func EncryptOAEP(key *rsa.PublicKey, plaintext string) (string, error) {
	if err := checkPublicKey("OAEP key", key); err != nil {
		return "", err
	}
	ct, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, key, []byte(plaintext), nil)
	if err != nil {
		if errors.Is(err, rsa.ErrMessageTooLong) {
			return "", fmt.Errorf("signing: OAEP: %w: plaintext is %d bytes, too long for a %d-bit key", ErrMalformed, len(plaintext), key.N.BitLen())
		}
		return "", fmt.Errorf("signing: OAEP: %w", err)
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// DecryptOAEP reverses EncryptOAEP with the matching private key.
func DecryptOAEP(key *rsa.PrivateKey, ciphertext string) (string, error) {
	if key == nil {
		return "", fmt.Errorf("signing: OAEP: %w: nil private key", ErrInvalidKey)
	}
	ct, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return "", fmt.Errorf("signing: OAEP: %w: ciphertext is not standard base64: %v", ErrMalformed, err)
	}
	pt, err := rsa.DecryptOAEP(sha1.New(), nil, key, ct, nil)
	if err != nil {
		return "", fmt.Errorf("signing: OAEP: %w", ErrDecrypt)
	}
	return string(pt), nil
}
