package mock

import (
	"encoding/json"

	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

func errf(format string, args ...any) error { return fmt.Errorf("mock: "+format, args...) }

// apiError is an APIv3 error answer (spec §6.2).
type apiError struct {
	Status  int          `json:"-"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Detail  *errorDetail `json:"detail,omitempty"`
}

type errorDetail struct {
	Field    string `json:"field"`
	Value    any    `json:"value"`
	Issue    string `json:"issue"`
	Location string `json:"location"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func paramError(loc, field string, value any, issue string) *apiError {
	return &apiError{Status: 400, Code: "PARAM_ERROR", Message: "参数错误: " + field + " " + issue,
		Detail: &errorDetail{Field: field, Value: value, Issue: issue, Location: loc}}
}

func invalidRequest(msg string) *apiError {
	return &apiError{Status: 400, Code: "INVALID_REQUEST", Message: msg}
}

// provinces are the 31 plate province characters.
const provinces = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"

// validPlate is the mock's own reading of the plate rule: a province (or a
// special series prefix) followed by letters, digits and plate markers, 7
// or 8 characters, no separators, no lower case.
func validPlate(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	n := utf8.RuneCountInString(s)
	if n < 7 || n > 8 {
		return false
	}
	for i, r := range []rune(s) {
		switch {
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
		case strings.ContainsRune(provinces, r):
		case strings.ContainsRune("挂学警港澳领使应急民航", r):
		default:
			return false
		}
		if i == 0 && !(strings.ContainsRune(provinces, r) || strings.ContainsRune("使应民W", r) || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func validColor(c string) bool {
	switch c {
	case "BLUE", "GREEN", "YELLOW", "BLACK", "WHITE", "LIMEGREEN":
		return true
	}
	return false
}

func validOutTradeNo(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-' || c == '*') {
			return false
		}
	}
	return true
}

// checkNotifyURL applies the callback URL rules: at most 256 bytes, no
// query string, https (or http on loopback unless strict).
func (h *Handler) checkNotifyURL(raw string) string {
	if len(raw) > 256 {
		return "longer than 256"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "not an absolute URL"
	}
	if u.RawQuery != "" {
		return "must not have a query string"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		host := u.Hostname()
		if !h.cfg.strictHTTPS && (host == "127.0.0.1" || host == "::1" || host == "localhost") {
			return ""
		}
	}
	return "must be https"
}

// fields reads a JSON object for validation, with JSON pointers in errors.
type fields struct {
	m   map[string]any
	ptr string
	loc string
}

func decodeBody(body []byte) (fields, *apiError) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fields{}, &apiError{Status: 400, Code: "PARAM_ERROR", Message: "请求体不是合法的JSON: " + err.Error()}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fields{}, &apiError{Status: 400, Code: "PARAM_ERROR", Message: "请求体应为JSON对象"}
	}
	return fields{m: m, loc: "body"}, nil
}

func (f fields) name(n string) string {
	if f.loc == "query" {
		return n
	}
	return f.ptr + "/" + n
}

// str reads a string field: required, at most max bytes, only 1–3 byte
// UTF-8 characters.
func (f fields) str(n string, required bool, max int) (string, *apiError) {
	v, ok := f.m[n]
	if !ok || v == nil {
		if required {
			return "", paramError(f.loc, f.name(n), nil, "is required")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", paramError(f.loc, f.name(n), v, "must be a string")
	}
	if required && s == "" {
		return "", paramError(f.loc, f.name(n), s, "must not be empty")
	}
	if len(s) > max {
		return "", paramError(f.loc, f.name(n), s, fmt.Sprintf("is longer than %d bytes", max))
	}
	if !utf8.ValidString(s) {
		return "", paramError(f.loc, f.name(n), s, "is not UTF-8")
	}
	for _, r := range s {
		if r > 0xFFFF {
			return "", paramError(f.loc, f.name(n), s, "has a character outside the 1–3 byte UTF-8 range")
		}
	}
	return s, nil
}

func (f fields) integer(n string, required bool) (int64, bool, *apiError) {
	v, ok := f.m[n]
	if !ok || v == nil {
		if required {
			return 0, false, paramError(f.loc, f.name(n), nil, "is required")
		}
		return 0, false, nil
	}
	num, ok := v.(json.Number)
	if !ok {
		return 0, false, paramError(f.loc, f.name(n), v, "must be an integer")
	}
	i, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, false, paramError(f.loc, f.name(n), v, "must be an integer")
	}
	return i, true, nil
}

func (f fields) object(n string, required bool) (fields, bool, *apiError) {
	v, ok := f.m[n]
	if !ok || v == nil {
		if required {
			return fields{}, false, paramError(f.loc, f.name(n), nil, "is required")
		}
		return fields{}, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fields{}, false, paramError(f.loc, f.name(n), v, "must be an object")
	}
	return fields{m: m, ptr: f.name(n), loc: f.loc}, true, nil
}

func (f fields) enum(n string, required bool, values ...string) (string, *apiError) {
	s, err := f.str(n, required, 64)
	if err != nil || s == "" {
		return s, err
	}
	for _, v := range values {
		if s == v {
			return s, nil
		}
	}
	return "", paramError(f.loc, f.name(n), s, "must be one of "+strings.Join(values, ", "))
}

// rfc3339 reads a required RFC 3339 time field.
func (f fields) rfc3339(n string) (string, time.Time, *apiError) {
	s, err := f.str(n, true, 32)
	if err != nil {
		return "", time.Time{}, err
	}
	t, perr := time.Parse(time.RFC3339, s)
	if perr != nil {
		return "", time.Time{}, paramError(f.loc, f.name(n), s, "is not an RFC 3339 time such as 2025-12-03T10:00:00+08:00")
	}
	return s, t, nil
}

func (f fields) plate(n string) (string, *apiError) {
	s, err := f.str(n, true, 32)
	if err != nil {
		return "", err
	}
	if !validPlate(s) {
		return "", paramError(f.loc, f.name(n), s, "is not a plate number (province + plate, no separators)")
	}
	return s, nil
}

func (f fields) color(n string) (string, *apiError) {
	return f.enum(n, true, "BLUE", "GREEN", "YELLOW", "BLACK", "WHITE", "LIMEGREEN")
}

// subMchID applies the partner rule: required for partners, absent for
// direct merchants.
func (f fields) subMchID(m *Merchant) (string, *apiError) {
	s, err := f.str("sub_mchid", m.Partner, 32)
	if err != nil {
		return "", err
	}
	if !m.Partner && s != "" {
		return "", paramError(f.loc, f.name("sub_mchid"), s, "is only for partner (服务商) merchants")
	}
	return s, nil
}
