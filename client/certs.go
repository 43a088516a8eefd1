package client

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gatepay/gatepay/signing"
)

const pathCertificates = "/v3/certificates"

// newestCertificate is the serial of the trusted certificate with the
// latest NotBefore, the one to name in Wechatpay-Serial (as the official
// SDK does), or "".
func (c *Client) newestCertificate() string {
	var best *x509.Certificate
	for _, id := range c.verifier.KeyIDs() {
		if cert := c.verifier.Certificate(id); cert != nil && (best == nil || cert.NotBefore.After(best.NotBefore)) {
			best = cert
		}
	}
	return signing.CertificateSerial(best)
}

// DownloadCertificates fetches the platform certificates from
// /v3/certificates, decrypts them with the APIv3 key, checks that the
// answer is signed by one of them (the first download has nothing else to
// check it with; the AEAD decryption authenticates the certificates), and
// trusts them from then on. It returns the certificates.
func (c *Client) DownloadCertificates(ctx context.Context) ([]*x509.Certificate, error) {
	if c.cipher == nil {
		return nil, fmt.Errorf("wechatpay: downloading certificates needs the APIv3 key (WithAPIv3Key)")
	}
	raw, err := c.roundTrip(ctx, true, http.MethodGet, pathCertificates, "", nil, "")
	if err != nil {
		return nil, fmt.Errorf("wechatpay: GET %s: %w", pathCertificates, err)
	}
	if raw.status != http.StatusOK {
		apiErr := &APIError{StatusCode: raw.status, RequestID: raw.meta.RequestID, Method: http.MethodGet, Path: pathCertificates, Attempts: raw.meta.Attempts}
		var eb struct{ Code, Message string }
		if json.Unmarshal(raw.body, &eb) == nil {
			apiErr.Code, apiErr.Message = eb.Code, eb.Message
		}
		return nil, apiErr
	}
	var out struct {
		Data []struct {
			SerialNo           string `json:"serial_no"`
			EncryptCertificate struct {
				Algorithm      string `json:"algorithm"`
				Nonce          string `json:"nonce"`
				AssociatedData string `json:"associated_data"`
				Ciphertext     string `json:"ciphertext"`
			} `json:"encrypt_certificate"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw.body, &out); err != nil {
		return nil, fmt.Errorf("wechatpay: GET %s: decoding the answer: %w", pathCertificates, err)
	}
	check, err := signing.NewVerifier(signing.WithClock(c.s.now))
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for i, d := range out.Data {
		e := d.EncryptCertificate
		pemBytes, err := c.cipher.Decrypt(e.Algorithm, e.Nonce, e.AssociatedData, e.Ciphertext)
		if err != nil {
			return nil, fmt.Errorf("wechatpay: certificate %d (%s): %w", i, d.SerialNo, err)
		}
		cert, err := signing.LoadCertificate(pemBytes)
		if err != nil {
			return nil, fmt.Errorf("wechatpay: certificate %d (%s): %w", i, d.SerialNo, err)
		}
		if got := signing.CertificateSerial(cert); got != d.SerialNo {
			return nil, fmt.Errorf("wechatpay: certificate %d: serial %s inside, %s outside", i, got, d.SerialNo)
		}
		if err := check.AddCertificate(cert); err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	if err := check.VerifyHeaders(raw.header, raw.body); err != nil {
		// An answer signed with the public key during a migration.
		if err2 := c.verifier.VerifyHeaders(raw.header, raw.body); err2 != nil {
			return nil, fmt.Errorf("wechatpay: GET %s: %w: %v", pathCertificates, ErrSignature, err)
		}
	}
	for _, cert := range certs {
		if err := c.verifier.AddCertificate(cert); err != nil {
			return nil, err
		}
	}
	if c.s.pubKeyID == "" {
		c.serial.Store(c.newestCertificate())
	}
	return certs, nil
}

// refreshCertificates downloads once, serialised with other downloads.
func (c *Client) refreshCertificates(ctx context.Context) error {
	c.certMu.Lock()
	defer c.certMu.Unlock()
	_, err := c.DownloadCertificates(ctx)
	return err
}

func (c *Client) refreshLoop() {
	defer c.wg.Done()
	wait := time.Duration(0)
	for {
		select {
		case <-c.done:
			return
		case <-time.After(wait):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := c.refreshCertificates(ctx)
		cancel()
		wait = c.s.refresh
		if err != nil {
			c.log.Warn("wechatpay certificate download failed", "error", err)
			wait = time.Minute
		}
	}
}
