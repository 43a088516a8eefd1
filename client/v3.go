package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

// APIv3 paths.
const (
	pathFind         = "/v3/vehicle/parking/services/find"
	pathParkings     = "/v3/vehicle/parking/parkings"
	pathTransactions = "/v3/vehicle/transactions/parking"
	pathQueryTxn     = "/v3/vehicle/transactions/out-trade-no/"
)

// PlateColor is WeChat's plate_color enum.
type PlateColor string

// Plate colours.
const (
	Blue      PlateColor = "BLUE"
	Green     PlateColor = "GREEN"
	Yellow    PlateColor = "YELLOW"
	Black     PlateColor = "BLACK"
	White     PlateColor = "WHITE"
	LimeGreen PlateColor = "LIMEGREEN"
)

func (c PlateColor) valid() bool {
	switch c {
	case Blue, Green, Yellow, Black, White, LimeGreen:
		return true
	}
	return false
}

// ServiceState is a plate's vehicle-service state (services/find). Unknown
// values are kept as they came.
type ServiceState string

// Service states.
const (
	ServiceNormal     ServiceState = "NORMAL"      // in service: deductions may be made
	ServicePause      ServiceState = "PAUSE"       // paused by the user
	ServiceOutService ServiceState = "OUT_SERVICE" // not enabled
)

// TradeState is a deduction's state. WeChat spells some values two ways
// (spec §9): use the methods rather than comparing strings.
type TradeState string

// Trade states as WeChat sends them.
const (
	TradeAccepted TradeState = "ACCEPTED" // accepted, debit pending (also "ACCEPT")
	TradeSuccess  TradeState = "SUCCESS"
	TradePayFail  TradeState = "PAY_FAIL" // also "FAIL"
	TradeRefund   TradeState = "REFUND"
)

// Accepted reports ACCEPTED or ACCEPT: the barrier may open.
func (s TradeState) Accepted() bool { return s == TradeAccepted || s == "ACCEPT" }

// Succeeded reports SUCCESS: the money was debited (or advanced by WeChat).
func (s TradeState) Succeeded() bool { return s == TradeSuccess }

// Failed reports PAY_FAIL or FAIL.
func (s TradeState) Failed() bool { return s == TradePayFail || s == "FAIL" }

// Final reports a state that will not change by itself (anything but
// accepted).
func (s TradeState) Final() bool { return !s.Accepted() && s != "" }

// rfc3339 writes t as WeChat wants it: RFC 3339 in +08:00.
func rfc3339(t time.Time) string { return t.In(shanghai).Format(time.RFC3339) }

var shanghai = time.FixedZone("CST", 8*3600)

// Time is a WeChat RFC 3339 time that also accepts fractional seconds and
// the empty string (zero).
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON implements json.Marshaler (RFC 3339, +08:00).
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(rfc3339(t.Time))
}

func checkLen(field, v string, max int, required bool) error {
	if required && v == "" {
		return invalid(field, "is required")
	}
	if len(v) > max {
		return invalid(field, "is %d bytes, at most %d", len(v), max)
	}
	if !utf8.ValidString(v) {
		return invalid(field, "is not UTF-8")
	}
	return nil
}

func (c *Client) checkSub(field, sub string) error {
	if c.s.partner && sub == "" {
		return invalid(field, "is required in partner (服务商) mode")
	}
	if !c.s.partner && sub != "" {
		return invalid(field, "is only for partner (服务商) mode")
	}
	return checkLen(field, sub, 32, false)
}

func validOutTradeNo(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch == '_' || ch == '-' || ch == '*') {
			return false
		}
	}
	return true
}

// FindPlateServiceRequest asks whether a user has enabled the service for a
// plate.
type FindPlateServiceRequest struct {
	AppID       string
	SubMchID    string // partner mode only
	PlateNumber string
	PlateColor  PlateColor
	OpenID      string
}

// Validate checks the request before it is signed.
func (r *FindPlateServiceRequest) Validate() error {
	if err := checkLen("AppID", r.AppID, 32, true); err != nil {
		return err
	}
	if err := checkLen("PlateNumber", r.PlateNumber, 32, true); err != nil {
		return err
	}
	if !r.PlateColor.valid() {
		return invalid("PlateColor", "%q is not a WeChat plate colour", r.PlateColor)
	}
	return checkLen("OpenID", r.OpenID, 32, true)
}

// PlateService is a plate's service state for one user.
type PlateService struct {
	PlateNumber     string       `json:"plate_number"`
	PlateColor      PlateColor   `json:"plate_color"`
	ServiceOpenTime Time         `json:"service_open_time"`
	OpenID          string       `json:"openid"`
	ServiceState    ServiceState `json:"service_state"`
	Meta            Meta         `json:"-"`
}

// FindPlateService is GET /v3/vehicle/parking/services/find (查询车牌服务开通信息).
func (c *Client) FindPlateService(ctx context.Context, r FindPlateServiceRequest) (*PlateService, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := c.checkSub("SubMchID", r.SubMchID); err != nil {
		return nil, err
	}
	q := url.Values{"appid": {r.AppID}, "plate_number": {r.PlateNumber}, "plate_color": {string(r.PlateColor)}, "openid": {r.OpenID}}
	if r.SubMchID != "" {
		q.Set("sub_mchid", r.SubMchID)
	}
	var out PlateService
	meta, err := c.callV3(ctx, http.MethodGet, pathFind, q, nil, &out, false)
	out.Meta = meta
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateParkingRequest reports a car's entry (创建停车入场).
type CreateParkingRequest struct {
	SubMchID string // partner mode only
	// OutParkingNo is the merchant's id of the stay, at most 64 bytes. WeChat
	// keys the stay by it alone: derive it once per stay and re-send the same
	// one on retry.
	OutParkingNo string
	PlateNumber  string
	PlateColor   PlateColor
	NotifyURL    string // receives VEHICLE.ENTRANCE_STATE_CHANGE
	StartTime    time.Time
	ParkingName  string
	FreeDuration time.Duration // whole seconds
}

// Validate checks the request before it is signed.
func (r *CreateParkingRequest) Validate() error {
	switch {
	case r.OutParkingNo == "" || len(r.OutParkingNo) > 64:
		return invalid("OutParkingNo", "must be 1–64 bytes")
	case r.PlateNumber == "" || len(r.PlateNumber) > 32:
		return invalid("PlateNumber", "must be 1–32 bytes")
	case !r.PlateColor.valid():
		return invalid("PlateColor", "%q is not a WeChat plate colour", r.PlateColor)
	case r.StartTime.IsZero():
		return invalid("StartTime", "is required")
	case r.FreeDuration < 0 || r.FreeDuration%time.Second != 0:
		return invalid("FreeDuration", "must be whole seconds ≥ 0")
	}
	if err := checkLen("NotifyURL", r.NotifyURL, 256, true); err != nil {
		return err
	}
	return checkLen("ParkingName", r.ParkingName, 128, true)
}

// Parking is WeChat's record of a stay.
type Parking struct {
	ID           string     `json:"id"` // parking_id for Deduct
	OutParkingNo string     `json:"out_parking_no"`
	PlateNumber  string     `json:"plate_number"`
	PlateColor   PlateColor `json:"plate_color"`
	StartTime    Time       `json:"start_time"`
	ParkingName  string     `json:"parking_name"`
	FreeDuration int64      `json:"free_duration"` // seconds
	// State is NORMAL (the service can pay for this stay) or BLOCKED.
	State string `json:"state"`
	// BlockReason says why when BLOCKED: PAUSE, OVERDUE, OUT_SERVICE,
	// EVALUATION_FAILED (or a value added later).
	BlockReason string `json:"block_reason"`
	Meta        Meta   `json:"-"`
}

// Usable reports whether the stay can be paid contactlessly.
func (p *Parking) Usable() bool { return p.State == "NORMAL" }

// CreateParking is POST /v3/vehicle/parking/parkings. A retry re-sends the
// same body and out_parking_no, and a repeat of a stay already created
// returns it. When the outcome stays unknown the error matches
// ErrOutcomeUnknown: call again with the same request.
func (c *Client) CreateParking(ctx context.Context, r CreateParkingRequest) (*Parking, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := c.checkSub("SubMchID", r.SubMchID); err != nil {
		return nil, err
	}
	body := struct {
		SubMchID     string `json:"sub_mchid,omitempty"`
		OutParkingNo string `json:"out_parking_no"`
		PlateNumber  string `json:"plate_number"`
		PlateColor   string `json:"plate_color"`
		NotifyURL    string `json:"notify_url"`
		StartTime    string `json:"start_time"`
		ParkingName  string `json:"parking_name"`
		FreeDuration int64  `json:"free_duration"`
	}{r.SubMchID, r.OutParkingNo, r.PlateNumber, string(r.PlateColor), r.NotifyURL, rfc3339(r.StartTime), r.ParkingName, int64(r.FreeDuration / time.Second)}
	var out Parking
	meta, err := c.callV3(ctx, http.MethodPost, pathParkings, nil, body, &out, true)
	out.Meta = meta
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ParkingInfo describes the stay being charged; it must match the entry.
type ParkingInfo struct {
	ParkingID        string        // the ID CreateParking returned
	PlateNumber      string        // as at entry
	PlateColor       PlateColor    // as at entry
	StartTime        time.Time     // as at entry
	EndTime          time.Time     // exit; after StartTime, not in the future
	ParkingName      string        // as at entry
	ChargingDuration time.Duration // billed time, whole seconds
	DeviceID         string        // the exit lane's device
}

// DeductRequest asks WeChat to accept a deduction (扣费受理).
type DeductRequest struct {
	AppID       string
	SubAppID    string // partner mode, optional
	SubMchID    string // partner mode only; as at entry
	Description string // shown on the user's bill, ≤128 bytes
	Attach      string // echoed back, ≤128 bytes
	// OutTradeNo is the merchant's order number: digits, letters, _ - *,
	// at most 32. Mint it once per stay, store it, and re-send it on every
	// retry: a new number for the same stay is how cars get charged twice.
	OutTradeNo    string
	GoodsTag      string
	NotifyURL     string // receives TRANSACTION.*
	ProfitSharing bool
	TotalFen      int64 // > 0
	Parking       ParkingInfo
}

// Validate checks the request before it is signed.
func (r *DeductRequest) Validate() error {
	if err := checkLen("AppID", r.AppID, 32, true); err != nil {
		return err
	}
	if err := checkLen("Description", r.Description, 128, true); err != nil {
		return err
	}
	if err := checkLen("Attach", r.Attach, 128, false); err != nil {
		return err
	}
	if !validOutTradeNo(r.OutTradeNo) {
		return invalid("OutTradeNo", "must be 1–32 of digits, letters, _ - *")
	}
	if err := checkLen("NotifyURL", r.NotifyURL, 256, true); err != nil {
		return err
	}
	if r.TotalFen <= 0 {
		return invalid("TotalFen", "must be > 0, got %d", r.TotalFen)
	}
	p := r.Parking
	switch {
	case p.ParkingID == "" || len(p.ParkingID) > 32:
		return invalid("Parking.ParkingID", "must be 1–32 bytes")
	case p.PlateNumber == "":
		return invalid("Parking.PlateNumber", "is required")
	case !p.PlateColor.valid():
		return invalid("Parking.PlateColor", "%q is not a WeChat plate colour", p.PlateColor)
	case p.StartTime.IsZero() || p.EndTime.IsZero():
		return invalid("Parking.EndTime", "start and end times are required")
	case !p.EndTime.After(p.StartTime):
		return invalid("Parking.EndTime", "must be after StartTime")
	case p.ChargingDuration < 0 || p.ChargingDuration%time.Second != 0:
		return invalid("Parking.ChargingDuration", "must be whole seconds ≥ 0")
	case p.DeviceID == "":
		return invalid("Parking.DeviceID", "is required")
	}
	return checkLen("Parking.ParkingName", p.ParkingName, 128, true)
}

// Transaction is a deduction as WeChat reports it (answer, query and
// TRANSACTION.* notifications).
type Transaction struct {
	AppID                 string     `json:"appid"`
	SubAppID              string     `json:"sub_appid"`
	SpMchID               string     `json:"sp_mchid"`
	MchID                 string     `json:"mchid"` // some documents name the merchant field so
	SubMchID              string     `json:"sub_mchid"`
	Description           string     `json:"description"`
	CreateTime            Time       `json:"create_time"`
	OutTradeNo            string     `json:"out_trade_no"`
	TransactionID         string     `json:"transaction_id"`
	TradeState            TradeState `json:"trade_state"`
	TradeStateDescription string     `json:"trade_state_description"`
	SuccessTime           Time       `json:"success_time"`
	// BankType BPA means WeChat advanced the money (垫资).
	BankType   string `json:"bank_type"`
	UserRepaid string `json:"user_repaid"`
	Attach     string `json:"attach"`
	TradeScene string `json:"trade_scene"`
	Parking    struct {
		ParkingID        string     `json:"parking_id"`
		PlateNumber      string     `json:"plate_number"`
		PlateColor       PlateColor `json:"plate_color"`
		StartTime        Time       `json:"start_time"`
		EndTime          Time       `json:"end_time"`
		ParkingName      string     `json:"parking_name"`
		ChargingDuration int64      `json:"charging_duration"`
		DeviceID         string     `json:"device_id"`
	} `json:"parking_info"`
	Payer struct {
		OpenID    string `json:"openid"`
		SubOpenID string `json:"sub_openid"`
	} `json:"payer"`
	Amount struct {
		Total         int64  `json:"total"`
		Currency      string `json:"currency"`
		PayerTotal    int64  `json:"payer_total"`
		DiscountTotal int64  `json:"discount_total"`
	} `json:"amount"`
	Meta Meta `json:"-"`
}

// Deduct is POST /v3/vehicle/transactions/parking. Open the barrier only
// when the answer's TradeState.Accepted() (or Succeeded()). Retries re-send
// the identical body; when no definite answer comes the error matches
// ErrOutcomeUnknown and the caller resolves it with QueryTransaction and the
// same OutTradeNo.
func (c *Client) Deduct(ctx context.Context, r DeductRequest) (*Transaction, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := c.checkSub("SubMchID", r.SubMchID); err != nil {
		return nil, err
	}
	if !c.s.partner && r.SubAppID != "" {
		return nil, invalid("SubAppID", "is only for partner (服务商) mode")
	}
	type info struct {
		ParkingID        string `json:"parking_id"`
		PlateNumber      string `json:"plate_number"`
		PlateColor       string `json:"plate_color"`
		StartTime        string `json:"start_time"`
		EndTime          string `json:"end_time"`
		ParkingName      string `json:"parking_name"`
		ChargingDuration int64  `json:"charging_duration"`
		DeviceID         string `json:"device_id"`
	}
	type amount struct {
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	}
	p := r.Parking
	body := struct {
		AppID         string `json:"appid"`
		SubAppID      string `json:"sub_appid,omitempty"`
		SubMchID      string `json:"sub_mchid,omitempty"`
		Description   string `json:"description"`
		Attach        string `json:"attach,omitempty"`
		OutTradeNo    string `json:"out_trade_no"`
		TradeScene    string `json:"trade_scene"`
		GoodsTag      string `json:"goods_tag,omitempty"`
		NotifyURL     string `json:"notify_url"`
		ProfitSharing string `json:"profit_sharing,omitempty"`
		Amount        amount `json:"amount"`
		ParkingInfo   info   `json:"parking_info"`
	}{
		AppID: r.AppID, SubAppID: r.SubAppID, SubMchID: r.SubMchID, Description: r.Description, Attach: r.Attach,
		OutTradeNo: r.OutTradeNo, TradeScene: "PARKING", GoodsTag: r.GoodsTag, NotifyURL: r.NotifyURL,
		Amount: amount{r.TotalFen, "CNY"},
		ParkingInfo: info{p.ParkingID, p.PlateNumber, string(p.PlateColor), rfc3339(p.StartTime), rfc3339(p.EndTime),
			p.ParkingName, int64(p.ChargingDuration / time.Second), p.DeviceID},
	}
	if r.ProfitSharing {
		body.ProfitSharing = "Y"
	}
	var out Transaction
	meta, err := c.callV3(ctx, http.MethodPost, pathTransactions, nil, body, &out, true)
	out.Meta = meta
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// QueryTransaction is GET /v3/vehicle/transactions/out-trade-no/{out_trade_no}:
// the state of a deduction, and the way to resolve ErrOutcomeUnknown (an
// ErrNotFound answer means it was never created). subMchID is for partner
// mode only.
func (c *Client) QueryTransaction(ctx context.Context, outTradeNo, subMchID string) (*Transaction, error) {
	if !validOutTradeNo(outTradeNo) {
		return nil, invalid("outTradeNo", "must be 1–32 of digits, letters, _ - *")
	}
	if err := c.checkSub("subMchID", subMchID); err != nil {
		return nil, err
	}
	q := url.Values{}
	if subMchID != "" {
		q.Set("sub_mchid", subMchID)
	}
	var out Transaction
	meta, err := c.callV3(ctx, http.MethodGet, pathQueryTxn+url.PathEscape(outTradeNo), q, nil, &out, false)
	out.Meta = meta
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Do is the signed escape hatch for APIv3 endpoints not wrapped yet: it
// encodes in as the JSON body (nil for none), sends it signed, verifies the
// answer and decodes it into out. path may carry a query. Calls through Do
// are treated as non-idempotent only for POST.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) (Meta, error) {
	u, err := url.Parse(path)
	if err != nil || u.Path == "" || u.Path[0] != '/' {
		return Meta{}, invalid("path", "%q must be an absolute path", path)
	}
	return c.callV3(ctx, method, u.Path, u.Query(), in, out, method == http.MethodPost)
}
