package signing

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"hash"
	"io"
	"sort"
)

// APIv2 sign types (spec §5.7).
const (
	SignTypeMD5        = "MD5"
	SignTypeHMACSHA256 = "HMAC-SHA256"
)

// SignV2 returns the APIv2 sign of params: every parameter but "sign" and
// those with an empty value, sorted by name byte-wise, joined as
// k1=v1&k2=v2, with "&key=<apiKey>" appended, hashed by signType (MD5, or
// HMAC-SHA256 keyed with apiKey) and written as upper-case hex. An empty
// signType means MD5, WeChat's default. "sign_type" is signed when present
// in params, as it is sent.
func SignV2(params map[string]string, apiKey, signType string) (string, error) {
	if apiKey == "" {
		return "", fmt.Errorf("signing: v2: %w: empty APIv2 key", ErrInvalidKey)
	}
	var h hash.Hash
	switch signType {
	case SignTypeMD5, "":
		h = md5.New()
	case SignTypeHMACSHA256:
		h = hmac.New(sha256.New, []byte(apiKey))
	default:
		return "", fmt.Errorf("signing: v2: %w: sign_type %q, want %q or %q", ErrUnsupported, truncate(signType), SignTypeMD5, SignTypeHMACSHA256)
	}
	writeV2String(h, params, apiKey)
	var sum [sha256.Size]byte
	return upperHex(h.Sum(sum[:0])), nil
}

// V2SignString returns the string SignV2 hashes (stringSignTemp), for
// debugging a sign mismatch. It contains the APIv2 key: never log it.
func V2SignString(params map[string]string, apiKey string) string {
	var b bytesWriter
	writeV2String(&b, params, apiKey)
	return string(b)
}

// VerifyV2 checks params["sign"] against the sign of every other non-empty
// parameter, with the algorithm named by params["sign_type"] (MD5 when
// absent), comparing case-insensitively in constant time. Unknown
// parameters take part, as WeChat requires of receivers. Errors wrap
// ErrMalformed (no sign), ErrUnsupported (unknown sign_type) or
// ErrBadSignature.
func VerifyV2(params map[string]string, apiKey string) error {
	got, ok := params["sign"]
	if !ok || got == "" {
		return fmt.Errorf("signing: v2: %w: no sign parameter", ErrMalformed)
	}
	want, err := SignV2(params, apiKey, params["sign_type"])
	if err != nil {
		return err
	}
	if len(got) != len(want) || subtle.ConstantTimeCompare(upperASCII(got), []byte(want)) != 1 {
		return fmt.Errorf("signing: v2: %w (sign_type %s)", ErrBadSignature, orDefault(params["sign_type"], SignTypeMD5))
	}
	return nil
}

func writeV2String(w io.Writer, params map[string]string, apiKey string) {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k == "sign" || v == "" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf := make([]byte, 0, 512)
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = append(buf, k...)
		buf = append(buf, '=')
		buf = append(buf, params[k]...)
	}
	if len(keys) > 0 {
		buf = append(buf, '&')
	}
	buf = append(buf, "key="...)
	buf = append(buf, apiKey...)
	_, _ = w.Write(buf)
}

type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

func upperHex(sum []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, len(sum)*2)
	for i, c := range sum {
		out[2*i] = digits[c>>4]
		out[2*i+1] = digits[c&0x0f]
	}
	return string(out)
}

func upperASCII(s string) []byte {
	out := []byte(s)
	for i, c := range out {
		if 'a' <= c && c <= 'z' {
			out[i] = c - 'a' + 'A'
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
