package signing

import (
	"crypto/rsa"
	"fmt"
	"strconv"
	"strings"
)

// Authorization is a parsed APIv3 Authorization header: what a server (the
// mock, or a vendor's own test double) needs to check a merchant's request.
type Authorization struct {
	MchID     string // mchid: the caller's merchant (or partner) id
	NonceStr  string // nonce_str
	Timestamp int64  // timestamp, Unix seconds
	SerialNo  string // serial_no: the merchant API certificate serial
	Signature string // signature, base64
}

// ParseAuthorization parses an Authorization header value of scheme
// WECHATPAY2-SHA256-RSA2048. The five items may come in any order; each must
// appear exactly once with a quoted value. Unknown items are ignored. Errors
// wrap ErrMalformed, or ErrUnsupported for another scheme.
func ParseAuthorization(header string) (Authorization, error) {
	var a Authorization
	scheme, rest, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || scheme == "" {
		return a, fmt.Errorf("signing: authorization: %w: want %q followed by its items", ErrMalformed, AuthScheme)
	}
	if scheme != AuthScheme {
		return a, fmt.Errorf("signing: authorization: %w: scheme %q, want %q", ErrUnsupported, truncate(scheme), AuthScheme)
	}
	var seen [5]bool
	var ts string
	rest = strings.TrimSpace(rest)
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return a, fmt.Errorf("signing: authorization: %w: expected key=\"value\" at %q", ErrMalformed, truncate(rest))
		}
		key := strings.TrimSpace(rest[:eq])
		rest = rest[eq+1:]
		if rest == "" || rest[0] != '"' {
			return a, fmt.Errorf("signing: authorization: %w: value of %q is not quoted", ErrMalformed, key)
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return a, fmt.Errorf("signing: authorization: %w: value of %q has no closing quote", ErrMalformed, key)
		}
		val := rest[1 : 1+end]
		rest = strings.TrimSpace(rest[end+2:])
		if rest != "" {
			if rest[0] != ',' {
				return a, fmt.Errorf("signing: authorization: %w: expected \",\" after %q", ErrMalformed, key)
			}
			rest = strings.TrimSpace(rest[1:])
		}
		var slot *string
		idx := -1
		switch key {
		case "mchid":
			slot, idx = &a.MchID, 0
		case "nonce_str":
			slot, idx = &a.NonceStr, 1
		case "timestamp":
			slot, idx = &ts, 2
		case "serial_no":
			slot, idx = &a.SerialNo, 3
		case "signature":
			slot, idx = &a.Signature, 4
		default:
			continue
		}
		if seen[idx] {
			return a, fmt.Errorf("signing: authorization: %w: %q appears twice", ErrMalformed, key)
		}
		seen[idx] = true
		*slot = val
	}
	for i, name := range [...]string{"mchid", "nonce_str", "timestamp", "serial_no", "signature"} {
		if !seen[i] {
			return a, fmt.Errorf("signing: authorization: %w: %q is missing", ErrMalformed, name)
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || t <= 0 {
		return a, fmt.Errorf("signing: authorization: %w: timestamp %q is not a Unix time in seconds", ErrMalformed, truncate(ts))
	}
	a.Timestamp = t
	return a, nil
}

// VerifyRequest checks that a.Signature is the merchant's signature, under
// key (the public key of the merchant API certificate), over the request
// message of method, canonicalURL, a.Timestamp, a.NonceStr and body. It
// does not judge the timestamp's age or the serial: the caller knows its
// clock and which serial it registered.
func VerifyRequest(key *rsa.PublicKey, a Authorization, method, canonicalURL string, body []byte) error {
	if err := checkPublicKey("merchant public key", key); err != nil {
		return err
	}
	var sigBuf [512]byte
	sig, err := decodeSignature(sigBuf[:], a.Signature)
	if err != nil {
		return err
	}
	bp := msgPool.Get().(*[]byte)
	msg := appendRequestMessage((*bp)[:0], strings.ToUpper(method), canonicalURL, a.Timestamp, a.NonceStr, body)
	err = verifyPKCS1(key, msg, sig)
	putMessage(bp, msg)
	if err != nil {
		return fmt.Errorf("signing: request: %w (merchant %s, serial %s)", ErrBadSignature, a.MchID, a.SerialNo)
	}
	return nil
}
