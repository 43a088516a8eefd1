package signing

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
)

// AlgorithmAES256GCM is the only resource encryption algorithm WeChat Pay
// uses for notifications and downloaded certificates.
const AlgorithmAES256GCM = "AEAD_AES_256_GCM"

// APIv3KeySize is the length in bytes of a merchant's APIv3 key.
const APIv3KeySize = 32

// ResourceNonceSize is the length in bytes of a resource nonce.
const ResourceNonceSize = 12

// ResourceCipher decrypts (and, for servers and tests, encrypts) the
// resource objects of notifications and of the certificate download with
// one APIv3 key. Building it once saves the key schedule on every call.
//
// A ResourceCipher is safe for concurrent use.
type ResourceCipher struct {
	aead cipher.AEAD
}

// NewResourceCipher returns a ResourceCipher for apiV3Key, which must be
// exactly 32 bytes (the key is the ASCII string set in 商户平台, used as is).
func NewResourceCipher(apiV3Key []byte) (*ResourceCipher, error) {
	if len(apiV3Key) != APIv3KeySize {
		return nil, fmt.Errorf("signing: resource: %w: APIv3 key is %d bytes, want %d", ErrInvalidKey, len(apiV3Key), APIv3KeySize)
	}
	block, err := aes.NewCipher(apiV3Key)
	if err != nil {
		return nil, fmt.Errorf("signing: resource: %w: %v", ErrInvalidKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("signing: resource: %w: %v", ErrInvalidKey, err)
	}
	return &ResourceCipher{aead: aead}, nil
}

// Decrypt opens a resource: algorithm must be AEAD_AES_256_GCM, nonce the
// 12-byte resource.nonce, associatedData the resource.associated_data
// (possibly empty), and ciphertext the base64 resource.ciphertext (sealed
// data followed by the 16-byte tag). Errors wrap ErrUnsupported,
// ErrMalformed or ErrDecrypt; nothing here panics on bad input.
func (c *ResourceCipher) Decrypt(algorithm, nonce, associatedData, ciphertext string) ([]byte, error) {
	if err := checkResource(algorithm, nonce); err != nil {
		return nil, err
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(ciphertext)))
	n, err := base64.StdEncoding.Decode(buf, []byte(ciphertext))
	if err != nil {
		return nil, fmt.Errorf("signing: resource: %w: ciphertext is not standard base64: %v", ErrMalformed, err)
	}
	if n < c.aead.Overhead() {
		return nil, fmt.Errorf("signing: resource: %w: ciphertext is %d bytes, shorter than the %d-byte tag", ErrMalformed, n, c.aead.Overhead())
	}
	plain, err := c.aead.Open(buf[:0], []byte(nonce), buf[:n], []byte(associatedData))
	if err != nil {
		return nil, fmt.Errorf("signing: resource: %w: authentication tag does not match (wrong APIv3 key, nonce or associated_data, or altered ciphertext)", ErrDecrypt)
	}
	return plain, nil
}

// Encrypt seals plaintext into the base64 ciphertext of a resource, the
// inverse of Decrypt. nonce must be 12 bytes and must never repeat under one
// key; NewResourceNonce makes one.
func (c *ResourceCipher) Encrypt(algorithm, nonce, associatedData string, plaintext []byte) (string, error) {
	if err := checkResource(algorithm, nonce); err != nil {
		return "", err
	}
	sealed := c.aead.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))
	return base64.StdEncoding.EncodeToString(sealed), nil
}

func checkResource(algorithm, nonce string) error {
	if algorithm != AlgorithmAES256GCM {
		return fmt.Errorf("signing: resource: %w: algorithm %q, want %q", ErrUnsupported, truncate(algorithm), AlgorithmAES256GCM)
	}
	if len(nonce) != ResourceNonceSize {
		return fmt.Errorf("signing: resource: %w: nonce is %d bytes, want %d", ErrMalformed, len(nonce), ResourceNonceSize)
	}
	return nil
}

// DecryptResource is NewResourceCipher(apiV3Key) followed by Decrypt. A
// caller decrypting many resources with one key should keep a
// ResourceCipher instead.
func DecryptResource(apiV3Key []byte, algorithm, nonce, associatedData, ciphertext string) ([]byte, error) {
	c, err := NewResourceCipher(apiV3Key)
	if err != nil {
		return nil, err
	}
	return c.Decrypt(algorithm, nonce, associatedData, ciphertext)
}

// EncryptResource is NewResourceCipher(apiV3Key) followed by Encrypt: the
// inverse of DecryptResource, for servers and tests that produce
// notifications.
func EncryptResource(apiV3Key []byte, algorithm, nonce, associatedData string, plaintext []byte) (string, error) {
	c, err := NewResourceCipher(apiV3Key)
	if err != nil {
		return "", err
	}
	return c.Encrypt(algorithm, nonce, associatedData, plaintext)
}
