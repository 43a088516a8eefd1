package client

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/gatepay/gatepay/signing"
)

// Version is gatepay's version, sent in the User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is WeChat Pay's primary API host. The backup host is
// BackupBaseURL (异地接入点).
const (
	DefaultBaseURL = "https://api.mch.weixin.qq.com"
	BackupBaseURL  = "https://api2.mch.weixin.qq.com"
)

// RetryPolicy says how a call is retried: transport errors, 202, 429 and
// 5xx are retried with the same body (re-signed each time) after a jittered
// exponential wait that honours Retry-After, until MaxAttempts or the
// context's deadline.
type RetryPolicy struct {
	MaxAttempts int           // including the first; 1 disables retries
	MinWait     time.Duration // the first wait, doubled each retry
	MaxWait     time.Duration // the longest wait, Retry-After included
}

// DefaultRetryPolicy suits a lane controller: three attempts within about a
// second, so a lane budget of 1.5 s can still decide.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, MinWait: 100 * time.Millisecond, MaxWait: 2 * time.Second}

// Option configures New. Options that can fail (bad PEM, a wrong key
// length) make New fail, never the first call.
type Option func(*settings) error

type settings struct {
	mchID, serialNo  string
	key              *rsa.PrivateKey
	partner          bool
	apiV3Key         string
	apiV2Key         string
	pubKeyID         string
	pubKey           *rsa.PublicKey
	certs            [][]byte
	download         bool
	refresh          time.Duration
	baseURL          string
	hc               *http.Client
	logger           *slog.Logger
	logPlates        bool
	now              func() time.Time
	retry            RetryPolicy
	limit            rate.Limit
	burst            int
	endpointLimits   map[string]rate.Limit
	endpointBursts   map[string]int
	userAgent        string
	maxResponseBytes int64
}

// WithMerchant sets the merchant id (the partner's own id in 服务商 mode),
// the serial of its API certificate and its private key (apiclient_key.pem).
func WithMerchant(mchID, serialNo string, privateKeyPEM []byte) Option {
	return func(s *settings) error {
		k, err := signing.LoadPrivateKey(privateKeyPEM)
		if err != nil {
			return fmt.Errorf("wechatpay: merchant private key: %w", err)
		}
		s.mchID, s.serialNo, s.key = mchID, serialNo, k
		return nil
	}
}

// WithMerchantKey is WithMerchant with a parsed key.
func WithMerchantKey(mchID, serialNo string, key *rsa.PrivateKey) Option {
	return func(s *settings) error {
		if key == nil {
			return errors.New("wechatpay: nil merchant key")
		}
		s.mchID, s.serialNo, s.key = mchID, serialNo, key
		return nil
	}
}

// WithPartner makes the client a 服务商 (partner): every request names a
// sub-merchant (SubMchID), as the partner APIs require.
func WithPartner() Option {
	return func(s *settings) error { s.partner = true; return nil }
}

// WithAPIv3Key sets the APIv3 key (exactly 32 bytes) that decrypts
// notifications and downloaded certificates.
func WithAPIv3Key(key string) Option {
	return func(s *settings) error {
		if len(key) != signing.APIv3KeySize {
			return fmt.Errorf("wechatpay: APIv3 key is %d bytes, want %d", len(key), signing.APIv3KeySize)
		}
		s.apiV3Key = key
		return nil
	}
}

// WithAPIv2Key sets the APIv2 key that signs 车主平台 requests and checks
// their answers and callbacks.
func WithAPIv2Key(key string) Option {
	return func(s *settings) error {
		if key == "" {
			return errors.New("wechatpay: empty APIv2 key")
		}
		s.apiV2Key = key
		return nil
	}
}

// WithWeChatPayPublicKey trusts the WeChat Pay public key (微信支付公钥,
// pub_key.pem) under its id (PUB_KEY_ID_…). The id is sent as
// Wechatpay-Serial on every request, so answers are signed with it.
func WithWeChatPayPublicKey(id string, publicKeyPEM []byte) Option {
	return func(s *settings) error {
		k, err := signing.LoadPublicKey(publicKeyPEM)
		if err != nil {
			return fmt.Errorf("wechatpay: WeChat Pay public key: %w", err)
		}
		if id == "" {
			return errors.New("wechatpay: empty WeChat Pay public key id")
		}
		s.pubKeyID, s.pubKey = id, k
		return nil
	}
}

// WithPlatformCertificates trusts platform certificates (PEM), the older
// key mode. Combine with WithCertificateDownload to keep them fresh, and
// with WithWeChatPayPublicKey during a migration: answers and callbacks are
// accepted from either.
func WithPlatformCertificates(pems ...[]byte) Option {
	return func(s *settings) error {
		for i, p := range pems {
			if _, err := signing.LoadCertificate(p); err != nil {
				return fmt.Errorf("wechatpay: platform certificate %d: %w", i, err)
			}
		}
		s.certs = append(s.certs, pems...)
		return nil
	}
}

// WithCertificateDownload downloads platform certificates from
// /v3/certificates now and every interval (12 h when zero) in the
// background, and again when an answer names an unknown serial. It needs
// the APIv3 key. Close stops it.
func WithCertificateDownload(interval time.Duration) Option {
	return func(s *settings) error {
		if interval <= 0 {
			interval = 12 * time.Hour
		}
		s.download, s.refresh = true, interval
		return nil
	}
}

// WithBaseURL points the client at another host: BackupBaseURL, or a mock.
func WithBaseURL(u string) Option {
	return func(s *settings) error {
		u = strings.TrimRight(u, "/")
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("wechatpay: base URL %q must start with http:// or https://", u)
		}
		s.baseURL = u
		return nil
	}
}

// WithHTTPClient sets the HTTP client whose Transport carries each attempt
// and whose Timeout bounds each attempt (not the whole call: use the
// context for that).
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("wechatpay: nil HTTP client")
		}
		s.hc = hc
		return nil
	}
}

// WithLogger logs each call (method, path without query, status, attempts,
// request id) at Debug and failures at Warn. Keys, signatures,
// Authorization headers, openids and bodies are never logged; plates only
// with WithPlateLogging. Silent by default.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { s.logger = l; return nil }
}

// WithPlateLogging lets plate numbers into the log (they are personal data
// in many deployments, so they are left out by default).
func WithPlateLogging() Option {
	return func(s *settings) error { s.logPlates = true; return nil }
}

// WithClock sets the clock for request timestamps and answer checks.
func WithClock(now func() time.Time) Option {
	return func(s *settings) error {
		if now == nil {
			return errors.New("wechatpay: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithRetry replaces DefaultRetryPolicy.
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) error {
		if p.MaxAttempts < 1 || p.MinWait < 0 || p.MaxWait < p.MinWait {
			return fmt.Errorf("wechatpay: retry policy %+v: want MaxAttempts ≥ 1 and 0 ≤ MinWait ≤ MaxWait", p)
		}
		s.retry = p
		return nil
	}
}

// WithRateLimit limits the client to r requests per second with the given
// burst, per endpoint. Calls wait for their turn (bounded by the context);
// they do not fail.
func WithRateLimit(r rate.Limit, burst int) Option {
	return func(s *settings) error {
		if r <= 0 || burst < 1 {
			return errors.New("wechatpay: rate limit needs a positive rate and burst")
		}
		s.limit, s.burst = r, burst
		return nil
	}
}

// WithEndpointRateLimit limits one endpoint (its path, e.g.
// "/v3/vehicle/transactions/parking") separately.
func WithEndpointRateLimit(path string, r rate.Limit, burst int) Option {
	return func(s *settings) error {
		if r <= 0 || burst < 1 {
			return errors.New("wechatpay: rate limit needs a positive rate and burst")
		}
		s.endpointLimits[path], s.endpointBursts[path] = r, burst
		return nil
	}
}

// WithUserAgent appends product/version to the User-Agent.
func WithUserAgent(product string) Option {
	return func(s *settings) error { s.userAgent = product; return nil }
}

// Client calls the WeChat Pay vehicle APIs. It is safe for concurrent use;
// make one per merchant and share it.
type Client struct {
	s         settings
	signer    *signing.Signer
	verifier  *signing.Verifier
	cipher    *signing.ResourceCipher
	rest      *resty.Client
	log       *slog.Logger
	userAgent string
	serial    atomic.Value // string: Wechatpay-Serial to send, the public key id or the newest certificate

	limMu    sync.Mutex
	limiters map[string]*rate.Limiter

	certMu   sync.Mutex // serialises downloads
	done     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// New builds a client. It needs the merchant key (WithMerchant) and a way
// to trust WeChat's answers (WithWeChatPayPublicKey, and/or platform
// certificates given or downloaded).
func New(opts ...Option) (*Client, error) {
	s := settings{baseURL: DefaultBaseURL, now: time.Now, retry: DefaultRetryPolicy, limit: rate.Inf, burst: 1,
		endpointLimits: map[string]rate.Limit{}, endpointBursts: map[string]int{}, maxResponseBytes: 1 << 20}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	if s.key == nil {
		return nil, errors.New("wechatpay: no merchant key: use WithMerchant")
	}
	if s.pubKey == nil && len(s.certs) == 0 && !s.download {
		return nil, errors.New("wechatpay: nothing to verify WeChat Pay's answers with: use WithWeChatPayPublicKey, WithPlatformCertificates or WithCertificateDownload")
	}
	if s.download && s.apiV3Key == "" {
		return nil, errors.New("wechatpay: WithCertificateDownload needs WithAPIv3Key to decrypt the certificates")
	}
	c := &Client{s: s, limiters: map[string]*rate.Limiter{}, done: make(chan struct{})}
	var err error
	if c.signer, err = signing.NewSigner(s.mchID, s.serialNo, s.key); err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	vopts := []signing.VerifierOption{signing.WithClock(s.now)}
	if s.pubKey != nil {
		vopts = append(vopts, signing.WithPublicKey(s.pubKeyID, s.pubKey))
	}
	if c.verifier, err = signing.NewVerifier(vopts...); err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	for _, p := range s.certs {
		cert, _ := signing.LoadCertificate(p)
		if err := c.verifier.AddCertificate(cert); err != nil {
			return nil, fmt.Errorf("wechatpay: %w", err)
		}
	}
	c.serial.Store(s.pubKeyID)
	if s.pubKeyID == "" {
		c.serial.Store(c.newestCertificate())
	}
	if s.apiV3Key != "" {
		if c.cipher, err = signing.NewResourceCipher([]byte(s.apiV3Key)); err != nil {
			return nil, fmt.Errorf("wechatpay: %w", err)
		}
	}
	c.log = s.logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.userAgent = "gatepay/" + Version + " (+https://github.com/gatepay/gatepay)"
	if s.userAgent != "" {
		c.userAgent += " " + s.userAgent
	}
	c.rest = c.newRest()
	if s.download {
		c.wg.Add(1)
		go c.refreshLoop()
	}
	return c, nil
}

// Close stops background certificate refreshes. The client must not be
// used afterwards.
func (c *Client) Close() error {
	c.stopOnce.Do(func() { close(c.done) })
	c.wg.Wait()
	return nil
}

// MchID returns the merchant (or partner) id the client signs as.
func (c *Client) MchID() string { return c.s.mchID }

// Verifier returns the verifier of WeChat's signatures, shared with the
// notification handlers.
func (c *Client) Verifier() *signing.Verifier { return c.verifier }

// newRest builds the transport: resty (its own retries off) over a
// go-retryablehttp round tripper, over a transport that rate-limits and
// signs every attempt afresh.
func (c *Client) newRest() *resty.Client {
	base := http.DefaultTransport
	var attemptTimeout time.Duration
	if c.s.hc != nil {
		if c.s.hc.Transport != nil {
			base = c.s.hc.Transport
		}
		attemptTimeout = c.s.hc.Timeout
	}
	rc := retryablehttp.NewClient()
	rc.Logger = nil
	rc.HTTPClient = &http.Client{Transport: &signTransport{c: c, base: base}, Timeout: attemptTimeout}
	rc.RetryMax = c.s.retry.MaxAttempts - 1
	rc.RetryWaitMin, rc.RetryWaitMax = c.s.retry.MinWait, c.s.retry.MaxWait
	rc.CheckRetry = checkRetry
	rc.Backoff = backoff
	rc.ErrorHandler = func(resp *http.Response, err error, _ int) (*http.Response, error) { return resp, err }
	r := resty.NewWithClient(&http.Client{Transport: &retryablehttp.RoundTripper{Client: rc}})
	r.SetRetryCount(0)
	r.SetDisableWarn(true)
	return r
}

var _ io.Closer = (*Client)(nil)
