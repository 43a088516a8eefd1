package billing

import (
	"encoding/json"
	"time"
)

type stayJSON struct {
	Entry   string   `json:"entry"`
	Exit    string   `json:"exit"`
	Vehicle string   `json:"vehicle"`
	Coupons []Coupon `json:"coupons"`
	Prepaid *struct {
		PaidAt  string `json:"paid_at"`
		PaidFen int64  `json:"paid_fen"`
	} `json:"prepaid"`
	PassValidUntil string `json:"pass_valid_until"`
}

// ParseStay reads the stay part of a case in the examples' JSON format:
// entry and exit (RFC 3339 with an offset), vehicle, coupons, prepaid
// ({"paid_at", "paid_fen"}) and pass_valid_until. Other fields of a case
// (name, rule, expected_fen …) are ignored. It checks the form of each
// field; Quote checks how they relate (exit before entry and so on).
func ParseStay(data []byte) (Stay, error) {
	var sj stayJSON
	if err := json.Unmarshal(data, &sj); err != nil {
		return Stay{}, stayErr("", ErrInvalidStay, "not a stay object: %v", err)
	}
	var s Stay
	var err error
	if s.Entry, err = parseTime("entry", sj.Entry, true); err != nil {
		return Stay{}, err
	}
	if s.Exit, err = parseTime("exit", sj.Exit, true); err != nil {
		return Stay{}, err
	}
	if s.PassValidUntil, err = parseTime("pass_valid_until", sj.PassValidUntil, false); err != nil {
		return Stay{}, err
	}
	s.Vehicle = sj.Vehicle
	s.Coupons = sj.Coupons
	if sj.Prepaid != nil {
		at, err := parseTime("prepaid.paid_at", sj.Prepaid.PaidAt, true)
		if err != nil {
			return Stay{}, err
		}
		s.Prepaid = &Prepayment{PaidAt: at, PaidFen: sj.Prepaid.PaidFen}
	}
	return s, nil
}

func parseTime(field, v string, required bool) (time.Time, error) {
	if v == "" {
		if required {
			return time.Time{}, stayErr(field, ErrInvalidStay, "missing")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, stayErr(field, ErrInvalidStay, "%q is not an RFC 3339 time with an offset", v)
	}
	return t, nil
}
