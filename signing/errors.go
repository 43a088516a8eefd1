package signing

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can branch with errors.Is while the message still names
// the offending header, field or parameter.
var (
	// ErrMalformed: an input is not in the expected form — a missing or
	// empty header, a non-numeric timestamp, a signature or ciphertext that
	// is not base64, a nonce of the wrong length, a canonical URL that does
	// not start with "/", a PEM block that is not PEM.
	ErrMalformed = errors.New("malformed input")

	// ErrBadSignature: the signature is well-formed but does not match the
	// message under the selected key (tampered body, headers or signature,
	// the wrong key, or a WECHATPAY/SIGNTEST/ probe).
	ErrBadSignature = errors.New("signature does not verify")

	// ErrUnknownSerial: the Wechatpay-Serial names neither a configured
	// WeChat Pay public key id nor a known platform certificate serial.
	// A client in certificate mode may refresh its certificates once and
	// retry; a public-key-mode client must not.
	ErrUnknownSerial = errors.New("unknown Wechatpay-Serial")

	// ErrCertificateExpired: the platform certificate named by the serial is
	// outside its validity period at the verifier's clock.
	ErrCertificateExpired = errors.New("platform certificate not valid now")

	// ErrTimestampSkew: the Wechatpay-Timestamp is too far from the
	// verifier's clock (a replay, or a badly synchronised clock).
	ErrTimestampSkew = errors.New("timestamp outside the allowed window")

	// ErrInvalidKey: key material is unusable — wrong PEM type, encrypted
	// PEM, not RSA, shorter than 2048 bits, or an APIv3 key that is not 32
	// bytes.
	ErrInvalidKey = errors.New("invalid key")

	// ErrUnsupported: an algorithm or sign type this package does not
	// implement (anything but AEAD_AES_256_GCM, WECHATPAY2-SHA256-RSA2048,
	// MD5 and HMAC-SHA256).
	ErrUnsupported = errors.New("unsupported algorithm")

	// ErrDecrypt: authenticated decryption failed — the ciphertext, nonce,
	// associated data or key does not match what was encrypted.
	ErrDecrypt = errors.New("decryption failed")
)
