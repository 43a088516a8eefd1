package mock

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// DefaultPublicKeyID is the WeChat Pay public key id the mock signs with
// unless told otherwise.
const DefaultPublicKeyID = "PUB_KEY_ID_0119000091912025120300000000000001"

// Merchant is a merchant (直连) or partner (服务商) whose requests the mock
// accepts.
type Merchant struct {
	// MchID is the merchant id in the Authorization header (the partner's
	// own id in partner mode) and mch_id of APIv2 requests.
	MchID string
	// SerialNo is the serial of the merchant API certificate named in
	// serial_no.
	SerialNo string
	// PublicKey verifies the merchant's request signatures.
	PublicKey *rsa.PublicKey
	// Partner makes the merchant a 服务商: its requests must carry
	// sub_mchid (v3) or sub_mch_id (v2).
	Partner bool
	// APIv3Key encrypts callbacks and certificates (32 bytes); the server's
	// default when empty.
	APIv3Key string
	// APIv2Key signs APIv2 requests and responses; the server's default
	// when empty.
	APIv2Key string
	// CertificateMode marks a merchant not migrated to the WeChat Pay public
	// key: answers to its requests that name no Wechatpay-Serial are signed
	// with the platform certificate.
	CertificateMode bool
}

// CallbackMode says how the callback clock runs.
type CallbackMode int

const (
	// CallbackAuto delivers callbacks on real time, scaled by TimeScale:
	// with WithTimeScale(0.001) the 15 s first retry comes after 15 ms.
	CallbackAuto CallbackMode = iota
	// CallbackManual delivers nothing until the callback clock is advanced
	// (Handler.AdvanceCallbacks, or POST /mock/callbacks/advance), so tests
	// see every step of the retry schedule deterministically.
	CallbackManual
)

// Option configures a Handler or Server.
type Option func(*config) error

type config struct {
	key          *rsa.PrivateKey
	publicKeyID  string
	apiV3Key     string
	apiV2Key     string
	merchants    []Merchant
	now          func() time.Time
	seed         uint64
	faults       Faults
	mode         CallbackMode
	timeScale    float64
	client       *http.Client
	logger       *slog.Logger
	strictHTTPS  bool
	processDelay time.Duration
	callbackCert bool
}

// WithKey makes the mock sign with key under the public key id id (and a
// platform certificate it makes for the same key). Without it the mock
// generates a 2048-bit key, which takes a moment.
func WithKey(id string, key *rsa.PrivateKey) Option {
	return func(c *config) error {
		if key == nil {
			return errors.New("mock: WithKey: nil key")
		}
		c.publicKeyID, c.key = id, key
		return nil
	}
}

// WithKeyPEM is WithKey from a PEM private key.
func WithKeyPEM(id string, pemBytes []byte) Option {
	return func(c *config) error {
		k, err := signing.LoadPrivateKey(pemBytes)
		if err != nil {
			return fmt.Errorf("mock: WithKeyPEM: %w", err)
		}
		c.publicKeyID, c.key = id, k
		return nil
	}
}

// WithAPIKeys sets the default APIv3 key (exactly 32 bytes) and APIv2 key
// for merchants registered without their own. Both are random otherwise.
func WithAPIKeys(apiV3Key, apiV2Key string) Option {
	return func(c *config) error {
		if len(apiV3Key) != signing.APIv3KeySize {
			return fmt.Errorf("mock: APIv3 key is %d bytes, want %d", len(apiV3Key), signing.APIv3KeySize)
		}
		if apiV2Key == "" {
			return errors.New("mock: empty APIv2 key")
		}
		c.apiV3Key, c.apiV2Key = apiV3Key, apiV2Key
		return nil
	}
}

// WithMerchant registers a merchant at start.
func WithMerchant(m Merchant) Option {
	return func(c *config) error { c.merchants = append(c.merchants, m); return nil }
}

// WithClock sets the mock's clock: request timestamps are checked against
// it, response and callback timestamps come from it, and "now" in field
// rules (end_time not in the future) is it.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("mock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithSeed makes every random choice (ids, fault rolls) repeatable.
func WithSeed(seed uint64) Option {
	return func(c *config) error { c.seed = seed; return nil }
}

// WithFaults sets the faults injected from the start.
func WithFaults(f Faults) Option {
	return func(c *config) error { c.faults = f; return nil }
}

// WithCallbackMode chooses automatic or manual callback delivery.
func WithCallbackMode(m CallbackMode) Option {
	return func(c *config) error { c.mode = m; return nil }
}

// WithTimeScale scales the callback schedule in CallbackAuto mode (1 is
// real time; 0.001 runs WeChat's 24-hour retry schedule in 87 s).
func WithTimeScale(scale float64) Option {
	return func(c *config) error {
		if scale <= 0 {
			return errors.New("mock: time scale must be positive")
		}
		c.timeScale = scale
		return nil
	}
}

// WithProcessingDelay sets how long after acceptance a deduction's outcome
// is decided (on the callback clock). Default 3 s.
func WithProcessingDelay(d time.Duration) Option {
	return func(c *config) error { c.processDelay = d; return nil }
}

// WithCallbackClient sets the HTTP client callbacks are sent with
// (default: 5-second timeout, as WeChat allows).
func WithCallbackClient(hc *http.Client) Option {
	return func(c *config) error { c.client = hc; return nil }
}

// WithLogger logs each request and callback delivery (off by default).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithStrictHTTPS refuses http:// notify URLs even on loopback. By default
// the mock accepts https:// anywhere and http:// for 127.0.0.1, ::1 and
// localhost, so local receivers work.
func WithStrictHTTPS() Option {
	return func(c *config) error { c.strictHTTPS = true; return nil }
}

// WithCertificateCallbacks signs callbacks with the platform certificate's
// serial instead of the public key id (a merchant not yet migrated).
func WithCertificateCallbacks() Option {
	return func(c *config) error { c.callbackCert = true; return nil }
}

// Handler is the mock WeChat Pay as an http.Handler, for mounting in a
// vendor's own mux or server. It serves the APIv3 and APIv2 vehicle
// endpoints and the /mock/ control API. It is safe for concurrent use.
type Handler struct {
	cfg        config
	now        func() time.Time
	signer     *signing.ResponseSigner // public-key mode
	certSigner *signing.ResponseSigner // certificate mode
	cert       *x509.Certificate
	certPEM    []byte

	mu        sync.Mutex
	rng       *mrand.Rand
	merchants map[string]*Merchant
	faults    Faults
	once      map[string][]oneShot
	st        state
	log       []RequestRecord
	cb        *dispatcher
}

// NewHandler builds a mock. It fails only on bad options.
func NewHandler(opts ...Option) (*Handler, error) {
	c := config{timeScale: 1, processDelay: 3 * time.Second, now: time.Now}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		for _, x := range b {
			c.seed = c.seed<<8 | uint64(x)
		}
	}
	if c.key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("mock: generate key: %w", err)
		}
		c.key = k
	}
	if c.publicKeyID == "" {
		c.publicKeyID = DefaultPublicKeyID
	}
	rng := mrand.New(mrand.NewPCG(c.seed, c.seed^0x9E3779B97F4A7C15))
	if c.apiV3Key == "" {
		c.apiV3Key = randomAlnum(rng, 32)
	}
	if c.apiV2Key == "" {
		c.apiV2Key = randomAlnum(rng, 32)
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 5 * time.Second}
	}
	h := &Handler{cfg: c, now: c.now, rng: rng, merchants: map[string]*Merchant{}, faults: c.faults, once: map[string][]oneShot{}}
	var err error
	if h.signer, err = signing.NewResponseSigner(c.publicKeyID, c.key); err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	if err := h.makeCertificate(); err != nil {
		return nil, err
	}
	h.st.init()
	for _, m := range c.merchants {
		if err := h.AddMerchant(m); err != nil {
			return nil, err
		}
	}
	h.cb = newDispatcher(h)
	return h, nil
}

// makeCertificate issues a self-signed platform certificate for the mock's
// key, valid for five years around now, with a WeChat-style serial.
func (h *Handler) makeCertificate() error {
	serial := new(big.Int).SetBytes([]byte(randomAlnum(h.rng, 20)))
	now := h.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Tenpay.com Root CA (gatepay mock)", Organization: []string{"gatepay mock"}},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &h.cfg.key.PublicKey, h.cfg.key)
	if err != nil {
		return fmt.Errorf("mock: platform certificate: %w", err)
	}
	h.cert, _ = x509.ParseCertificate(der)
	h.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	h.certSigner, err = signing.NewResponseSigner(signing.CertificateSerial(h.cert), h.cfg.key)
	return err
}

// AddMerchant registers (or replaces) a merchant whose requests the mock
// accepts.
func (h *Handler) AddMerchant(m Merchant) error {
	if m.MchID == "" || len(m.MchID) > 32 {
		return fmt.Errorf("mock: merchant id %q must be 1–32 characters", m.MchID)
	}
	if m.SerialNo == "" || m.PublicKey == nil {
		return fmt.Errorf("mock: merchant %s needs a serial number and a public key", m.MchID)
	}
	if m.APIv3Key == "" {
		m.APIv3Key = h.cfg.apiV3Key
	}
	if len(m.APIv3Key) != signing.APIv3KeySize {
		return fmt.Errorf("mock: merchant %s: APIv3 key is %d bytes, want 32", m.MchID, len(m.APIv3Key))
	}
	if m.APIv2Key == "" {
		m.APIv2Key = h.cfg.apiV2Key
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.merchants[m.MchID] = &m
	return nil
}

// Credentials is everything a client needs to talk to the mock as one
// merchant.
type Credentials struct {
	MchID         string
	SerialNo      string
	PrivateKeyPEM []byte // PKCS#8, as apiclient_key.pem
	APIv3Key      string
	APIv2Key      string
	Partner       bool
}

// NewMerchant generates a merchant key pair, registers the merchant and
// returns its credentials: the quickest way to a working client.
func (h *Handler) NewMerchant(mchID string, partner bool) (*Credentials, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("mock: generate merchant key: %w", err)
	}
	return h.RegisterKey(mchID, partner, key)
}

// RegisterKey registers a merchant for an existing private key, with a
// generated serial, and returns its credentials.
func (h *Handler) RegisterKey(mchID string, partner bool, key *rsa.PrivateKey) (*Credentials, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	h.mu.Lock()
	serial := strings.ToUpper(randomHex(h.rng, 40))
	h.mu.Unlock()
	m := Merchant{MchID: mchID, SerialNo: serial, PublicKey: &key.PublicKey, Partner: partner}
	if err := h.AddMerchant(m); err != nil {
		return nil, err
	}
	return &Credentials{MchID: mchID, SerialNo: serial, PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		APIv3Key: h.cfg.apiV3Key, APIv2Key: h.cfg.apiV2Key, Partner: partner}, nil
}

// PublicKeyID is the id (PUB_KEY_ID_…) the mock's responses name in
// Wechatpay-Serial in public-key mode.
func (h *Handler) PublicKeyID() string { return h.cfg.publicKeyID }

// PublicKey is the WeChat Pay public key a client trusts.
func (h *Handler) PublicKey() *rsa.PublicKey { return &h.cfg.key.PublicKey }

// PublicKeyPEM is PublicKey as a PKIX PEM block, as WeChat hands it out.
func (h *Handler) PublicKeyPEM() []byte {
	der, _ := x509.MarshalPKIXPublicKey(&h.cfg.key.PublicKey)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Certificate is the mock's platform certificate (certificate mode).
func (h *Handler) Certificate() *x509.Certificate { return h.cert }

// CertificatePEM is Certificate in PEM form.
func (h *Handler) CertificatePEM() []byte { return append([]byte(nil), h.certPEM...) }

// APIv3Key is the default APIv3 key (32 bytes).
func (h *Handler) APIv3Key() string { return h.cfg.apiV3Key }

// APIv2Key is the default APIv2 key.
func (h *Handler) APIv2Key() string { return h.cfg.apiV2Key }

// Close stops callback delivery. Pending deliveries are dropped.
func (h *Handler) Close() { h.cb.close() }

// Server is a Handler behind an httptest.Server on a loopback port.
type Server struct {
	*Handler
	ts *httptest.Server
}

// NewServer starts a mock on 127.0.0.1. It panics only when an option is
// invalid, like httptest.NewServer panics when it cannot listen; use
// NewHandler to get the error instead.
func NewServer(opts ...Option) *Server {
	h, err := NewHandler(opts...)
	if err != nil {
		panic(err)
	}
	return &Server{Handler: h, ts: httptest.NewServer(h)}
}

// URL is the base URL to point a client at, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.ts.URL }

// Close stops the server and callback delivery.
func (s *Server) Close() {
	s.Handler.Close()
	s.ts.Close()
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randomAlnum(rng *mrand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rng.IntN(len(alnum))]
	}
	return string(b)
}

func randomHex(rng *mrand.Rand, n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[rng.IntN(16)]
	}
	return string(b)
}

func randomUpper(rng *mrand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rng.IntN(36)]
	}
	return string(b)
}

func (h *Handler) logf(msg string, args ...any) {
	if h.cfg.logger != nil {
		h.cfg.logger.Info(msg, args...)
	}
}
