package signing

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// MinRSABits is the smallest RSA modulus this package accepts. WeChat Pay
// issues 2048-bit keys; anything shorter is refused at load time.
const MinRSABits = 2048

// LoadPrivateKey parses a PEM-encoded RSA private key, in PKCS#8
// ("PRIVATE KEY", the form of WeChat's apiclient_key.pem) or PKCS#1
// ("RSA PRIVATE KEY") form. Encrypted PEM, other key types and keys shorter
// than MinRSABits are refused with an error wrapping ErrInvalidKey; input
// that holds no PEM block gives ErrMalformed.
func LoadPrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, err := decodePEM(pemBytes, "private key")
	if err != nil {
		return nil, err
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signing: private key: %w: PKCS#8: %v", ErrInvalidKey, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("signing: private key: %w: %T is not RSA", ErrInvalidKey, k)
		}
		key = rk
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signing: private key: %w: PKCS#1: %v", ErrInvalidKey, err)
		}
		key = k
	default:
		return nil, fmt.Errorf("signing: private key: %w: PEM type %q, want \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"", ErrInvalidKey, block.Type)
	}
	if err := checkRSASize("private key", key.N.BitLen()); err != nil {
		return nil, err
	}
	key.Precompute()
	return key, nil
}

// LoadPublicKey parses a PEM-encoded RSA public key in PKIX ("PUBLIC KEY",
// the form of WeChat Pay's pub_key.pem) or PKCS#1 ("RSA PUBLIC KEY") form.
// Errors are as for LoadPrivateKey.
func LoadPublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, err := decodePEM(pemBytes, "public key")
	if err != nil {
		return nil, err
	}
	var key *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signing: public key: %w: PKIX: %v", ErrInvalidKey, err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("signing: public key: %w: %T is not RSA", ErrInvalidKey, k)
		}
		key = rk
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signing: public key: %w: PKCS#1: %v", ErrInvalidKey, err)
		}
		key = k
	default:
		return nil, fmt.Errorf("signing: public key: %w: PEM type %q, want \"PUBLIC KEY\" or \"RSA PUBLIC KEY\"", ErrInvalidKey, block.Type)
	}
	if err := checkRSASize("public key", key.N.BitLen()); err != nil {
		return nil, err
	}
	return key, nil
}

// LoadCertificate parses a PEM-encoded X.509 certificate ("CERTIFICATE")
// whose subject key is RSA of at least MinRSABits, such as a WeChat Pay
// platform certificate or a merchant API certificate (apiclient_cert.pem).
func LoadCertificate(pemBytes []byte) (*x509.Certificate, error) {
	block, err := decodePEM(pemBytes, "certificate")
	if err != nil {
		return nil, err
	}
	if block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("signing: certificate: %w: PEM type %q, want \"CERTIFICATE\"", ErrInvalidKey, block.Type)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing: certificate: %w: %v", ErrInvalidKey, err)
	}
	if _, err := certificateKey(cert); err != nil {
		return nil, err
	}
	return cert, nil
}

// CertificateSerial returns the certificate's serial number as WeChat Pay
// prints it: upper-case hexadecimal with no separators. This is the value
// that appears in Wechatpay-Serial and, for a merchant API certificate, the
// serialNo given to NewSigner. A nil certificate gives "".
func CertificateSerial(cert *x509.Certificate) string {
	if cert == nil || cert.SerialNumber == nil {
		return ""
	}
	return fmt.Sprintf("%X", cert.SerialNumber.Bytes())
}

// certificateKey returns the certificate's RSA public key after the same
// checks LoadPublicKey makes.
func certificateKey(cert *x509.Certificate) (*rsa.PublicKey, error) {
	if cert == nil {
		return nil, fmt.Errorf("signing: certificate: %w: nil certificate", ErrInvalidKey)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("signing: certificate %s: %w: %T is not RSA", CertificateSerial(cert), ErrInvalidKey, cert.PublicKey)
	}
	if err := checkRSASize("certificate "+CertificateSerial(cert), pub.N.BitLen()); err != nil {
		return nil, err
	}
	return pub, nil
}

func decodePEM(data []byte, what string) (*pem.Block, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("signing: %s: %w: no PEM block found", what, ErrMalformed)
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, fmt.Errorf("signing: %s: %w: PEM is encrypted; decrypt it first (openssl pkey -in key.pem -out plain.pem)", what, ErrInvalidKey)
	}
	return block, nil
}

func checkRSASize(what string, bits int) error {
	if bits < MinRSABits {
		return fmt.Errorf("signing: %s: %w: RSA key is %d bits, want at least %d", what, ErrInvalidKey, bits, MinRSABits)
	}
	return nil
}

func checkPublicKey(what string, key *rsa.PublicKey) error {
	if key == nil || key.N == nil {
		return fmt.Errorf("signing: %s: %w: nil key", what, ErrInvalidKey)
	}
	return checkRSASize(what, key.N.BitLen())
}
