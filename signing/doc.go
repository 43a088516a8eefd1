// Package signing is gatepay's WeChat Pay cryptography, built on the
// standard library alone and reproducing the official SDKs byte for byte
// (the known-answer vectors in testdata/vectors prove it).
//
// What it covers:
//
//   - Key material: LoadPrivateKey, LoadPublicKey, LoadCertificate and
//     CertificateSerial. Only unencrypted RSA keys of 2048 bits or more are
//     accepted.
//   - APIv3 request signatures: a Signer builds the whole Authorization
//     header (SHA256-with-RSA over the five-line message of method,
//     canonical URL, timestamp, nonce and body). ParseAuthorization and
//     VerifyRequest are the server side of the same.
//   - Response and notification verification: a Verifier checks
//     Wechatpay-Signature against WeChat Pay public keys (PUB_KEY_ID_…)
//     and platform certificates, with a timestamp window and an injectable
//     clock. ResponseSigner is its counterpart for mock servers.
//   - Resource encryption: DecryptResource / EncryptResource and the
//     reusable ResourceCipher for AEAD_AES_256_GCM with the APIv3 key.
//   - RSA-OAEP (SHA-1) sensitive-field encryption: EncryptOAEP, DecryptOAEP.
//   - APIv2 (车主平台) parameter signatures: SignV2 and VerifyV2, MD5 and
//     HMAC-SHA256.
//
// Every error wraps one of the sentinel errors (ErrMalformed,
// ErrBadSignature, ErrUnknownSerial, ErrCertificateExpired,
// ErrTimestampSkew, ErrInvalidKey, ErrUnsupported, ErrDecrypt), so callers
// branch with errors.Is. Error texts never contain keys or whole
// signatures. No function panics on malformed input.
//
// All types are safe for concurrent use. A Verifier's keys can be added and
// removed while it verifies, which is how certificate rotation is done.
// The package makes no network calls and holds no package-level state other
// than a pool of scratch buffers.
package signing
