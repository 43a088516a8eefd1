package client

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// APIv2 (车主平台) paths: 直连 and 服务商 forms.
const (
	pathV2QueryState        = "/vehicle/pay/querystate"
	pathV2PartnerQueryState = "/vehicle/partnerpay/querystate"
	pathV2Notification      = "/vehicle/pay/notification"
	pathV2PartnerNotify     = "/vehicle/partnerpay/notification"
	pathV2PayApply          = "/vehicle/pay/payapply"
	pathV2PartnerPayApply   = "/vehicle/partnerpay/payapply"
	pathV2QueryOrder        = "/transit/queryorder"
	pathV2PartnerQueryOrder = "/transit/partnerpay/queryorder"
)

// V2 trade scenes.
const (
	ScenePARKING      = "PARKING"
	ScenePARKINGSPACE = "PARKING SPACE"
	SceneGAS          = "GAS"
	SceneHIGHWAY      = "HIGHWAY"
	SceneBRIDGE       = "BRIDGE"
)

// time14 writes t as yyyyMMddHHmmss in Asia/Shanghai.
func time14(t time.Time) string { return t.In(shanghai).Format("20060102150405") }

func parseTime14(s string) time.Time {
	t, _ := time.ParseInLocation("20060102150405", s, shanghai)
	return t
}

// encodeXML writes an APIv2 document, values in CDATA.
func encodeXML(p map[string]string) []byte {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("<xml>")
	for _, k := range keys {
		fmt.Fprintf(&b, "<%s><![CDATA[%s]]></%s>", k, strings.ReplaceAll(p[k], "]]>", "]]]]><![CDATA[>"), k)
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// decodeXML reads a flat <xml> document; anything else is an error.
func decodeXML(data []byte) (map[string]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	out := map[string]string{}
	depth, key := 0, ""
	var text strings.Builder
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Local != "xml" {
					return nil, fmt.Errorf("root <%s>, want <xml>", t.Name.Local)
				}
				sawRoot = true
			} else if depth == 2 {
				key = t.Name.Local
				text.Reset()
			} else {
				return nil, fmt.Errorf("nested <%s>", t.Name.Local)
			}
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				out[key] = text.String()
			}
			depth--
		}
	}
	if !sawRoot || depth != 0 {
		return nil, errors.New("not a complete <xml> document")
	}
	return out, nil
}

// callV2 signs params, posts them, and checks the answer: return_code,
// sign, result_code. It returns the answer's fields on business success.
func (c *Client) callV2(ctx context.Context, path string, params map[string]string, money bool) (map[string]string, Meta, error) {
	if c.s.apiV2Key == "" {
		return nil, Meta{}, errors.New("wechatpay: APIv2 calls need the APIv2 key (WithAPIv2Key)")
	}
	p := map[string]string{"mch_id": c.s.mchID, "nonce_str": signing.NewNonce(), "sign_type": signing.SignTypeHMACSHA256}
	for k, v := range params {
		if v != "" {
			p[k] = v
		}
	}
	sign, err := signing.SignV2(p, c.s.apiV2Key, signing.SignTypeHMACSHA256)
	if err != nil {
		return nil, Meta{}, err
	}
	p["sign"] = sign
	raw, err := c.roundTrip(ctx, false, http.MethodPost, path, "", encodeXML(p), "text/xml; charset=utf-8")
	if err != nil {
		var te *transportError
		attempts := 0
		if errors.As(err, &te) {
			attempts = te.attempts
		}
		if money {
			return nil, Meta{Attempts: attempts}, &outcomeError{http.MethodPost, path, attempts, err}
		}
		return nil, Meta{Attempts: attempts}, fmt.Errorf("wechatpay: POST %s: %w", path, err)
	}
	meta := raw.meta
	fail := func(e *APIError) (map[string]string, Meta, error) {
		e.V2, e.Method, e.Path, e.Attempts = true, http.MethodPost, path, meta.Attempts
		if e.StatusCode == 0 {
			e.StatusCode = raw.status
		}
		c.log.Warn("wechatpay call refused", "method", "POST", "path", path, "code", e.Code, "attempts", e.Attempts)
		if money && (errors.Is(e, ErrServer) || errors.Is(e, ErrRateLimited) || raw.status != http.StatusOK) {
			return nil, meta, &outcomeError{http.MethodPost, path, meta.Attempts, e}
		}
		return nil, meta, e
	}
	ans, perr := decodeXML(raw.body)
	if raw.status != http.StatusOK || perr != nil {
		return fail(&APIError{StatusCode: raw.status, Code: "SYSTEMERROR", Message: fmt.Sprintf("HTTP %d with no APIv2 answer", raw.status)})
	}
	if ans["return_code"] != "SUCCESS" {
		code := "FAIL"
		if strings.Contains(ans["return_msg"], "签名") {
			code = "SIGN_ERROR"
		}
		return fail(&APIError{Code: code, Message: ans["return_msg"]})
	}
	verified := false
	if ans["sign"] != "" {
		if err := signing.VerifyV2(ans, c.s.apiV2Key); err != nil {
			return fail(&APIError{Code: "SIGNATURE_INVALID", Message: "answer failed verification: " + err.Error()})
		}
		verified = true
	}
	if ans["result_code"] != "SUCCESS" {
		return fail(&APIError{Code: orDefault(ans["err_code"], "FAIL"), Message: ans["err_code_des"], Verified: verified})
	}
	if !verified {
		return fail(&APIError{Code: "UNSIGNED_SUCCESS", Message: "a success without sign is not trusted"})
	}
	return ans, meta, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (c *Client) v2Path(direct, partner string) string {
	if c.s.partner {
		return partner
	}
	return direct
}

// v2Identity adds the app and sub-merchant fields and checks the mode.
func (c *Client) v2Identity(p map[string]string, appID, subAppID, subMchID string) error {
	if err := checkLen("AppID", appID, 32, true); err != nil {
		return err
	}
	if err := c.checkSub("SubMchID", subMchID); err != nil {
		return err
	}
	p["appid"], p["sub_appid"], p["sub_mch_id"] = appID, subAppID, subMchID
	return nil
}

// QueryUserStateRequest asks for a user's (or plate's) 车主 state: exactly
// one of OpenID, SubOpenID (partner) and PlateNumber.
type QueryUserStateRequest struct {
	AppID, SubAppID, SubMchID string
	TradeScene                string // PARKING, PARKING SPACE, GAS, HIGHWAY, BRIDGE
	JumpScene                 string // "", "APP" or "H5"
	OpenID, SubOpenID         string
	PlateNumber               string
	Version                   string // "3.0" for PARKING, else "2.0" when empty
}

// UserState is the answer of QueryUserState.
type UserState struct {
	// State is NORMAL, PAUSED, OVERDUE, UNAUTHORIZED, VEHICLE_AUTH_ERROR
	// or a value added later; anything but NORMAL is abnormal.
	State      string
	OpenID     string
	SubOpenID  string
	DeductMode string // PROACTIVE or AUTOPAY
	// Path is where to send an abnormal user in the 车主 mini-program.
	Path   string
	Plates []string
	Meta   Meta
}

// Normal reports whether deductions may be requested.
func (u *UserState) Normal() bool { return u.State == "NORMAL" }

func version(v, scene string) string {
	if v != "" {
		return v
	}
	if scene == ScenePARKING {
		return "3.0"
	}
	return "2.0"
}

// QueryUserState is the APIv2 querystate (用户状态查询).
func (c *Client) QueryUserState(ctx context.Context, r QueryUserStateRequest) (*UserState, error) {
	p := map[string]string{}
	if err := c.v2Identity(p, r.AppID, r.SubAppID, r.SubMchID); err != nil {
		return nil, err
	}
	n := 0
	for _, v := range []string{r.OpenID, r.SubOpenID, r.PlateNumber} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, invalid("OpenID/SubOpenID/PlateNumber", "exactly one is needed")
	}
	if r.TradeScene == "" {
		return nil, invalid("TradeScene", "is required")
	}
	p["trade_scene"], p["jump_scene"], p["openid"], p["sub_openid"], p["plate_number"] = r.TradeScene, r.JumpScene, r.OpenID, r.SubOpenID, r.PlateNumber
	p["version"] = version(r.Version, r.TradeScene)
	ans, meta, err := c.callV2(ctx, c.v2Path(pathV2QueryState, pathV2PartnerQueryState), p, false)
	if err != nil {
		return nil, err
	}
	u := &UserState{State: ans["user_state"], OpenID: ans["openid"], SubOpenID: ans["sub_openid"], DeductMode: ans["deduct_mode"], Path: ans["path"], Meta: meta}
	if info := ans["plate_number_info"]; info != "" {
		var pi struct {
			List []struct {
				PlateNumber string `json:"plate_number"`
			} `json:"plate_number_info"`
		}
		if json.Unmarshal([]byte(info), &pi) == nil {
			for _, x := range pi.List {
				u.Plates = append(u.Plates, x.PlateNumber)
			}
		}
	}
	return u, nil
}

// NotifyEntryRequest is the APIv2 用户入场通知 made when a car enters a
// parking lot (required for the PARKING scene) or takes a roadside bay.
type NotifyEntryRequest struct {
	AppID, SubAppID, SubMchID string
	TradeScene                string // PARKING (default) or PARKING SPACE
	StartTime                 time.Time
	// NotifyURL receives the plate-state callbacks while the car is inside.
	NotifyURL   string
	PlateNumber string // PARKING
	SpaceNumber string // PARKING SPACE
	OpenID      string // PARKING SPACE
	SubOpenID   string
	CarType     string // 大型车 or 小型车
	ParkingName string
	FreeTime    time.Duration
}

// EntryNotice is the answer of NotifyEntry.
type EntryNotice struct {
	UserState  string // NORMAL or BLOCK
	DeductMode string
	Meta       Meta
}

// NotifyEntry is the APIv2 notification call.
func (c *Client) NotifyEntry(ctx context.Context, r NotifyEntryRequest) (*EntryNotice, error) {
	p := map[string]string{}
	if err := c.v2Identity(p, r.AppID, r.SubAppID, r.SubMchID); err != nil {
		return nil, err
	}
	scene := orDefault(r.TradeScene, ScenePARKING)
	if scene != ScenePARKING && scene != ScenePARKINGSPACE {
		return nil, invalid("TradeScene", "must be PARKING or PARKING SPACE")
	}
	if r.StartTime.IsZero() {
		return nil, invalid("StartTime", "is required")
	}
	if scene == ScenePARKING && r.PlateNumber == "" {
		return nil, invalid("PlateNumber", "is required for PARKING")
	}
	if scene == ScenePARKINGSPACE && r.SpaceNumber == "" {
		return nil, invalid("SpaceNumber", "is required for PARKING SPACE")
	}
	si := map[string]string{"start_time": time14(r.StartTime), "notify_url": r.NotifyURL, "plate_number": r.PlateNumber,
		"space_number": r.SpaceNumber, "openid": r.OpenID, "sub_openid": r.SubOpenID, "car_type": r.CarType,
		"parking_name": r.ParkingName, "free_time": strconv.FormatInt(int64(r.FreeTime/time.Second), 10)}
	p["trade_scene"], p["version"], p["scene_info"] = scene, "3.0", sceneJSON(si)
	ans, meta, err := c.callV2(ctx, c.v2Path(pathV2Notification, pathV2PartnerNotify), p, false)
	if err != nil {
		return nil, err
	}
	return &EntryNotice{UserState: ans["user_state"], DeductMode: ans["deduct_mode"], Meta: meta}, nil
}

// sceneJSON writes {"scene_info":{…}} leaving out empty values.
func sceneJSON(si map[string]string) string {
	clean := map[string]string{}
	for k, v := range si {
		if v != "" {
			clean[k] = v
		}
	}
	b, _ := json.Marshal(map[string]map[string]string{"scene_info": clean})
	return string(b)
}

// Scene is the scene of an APIv2 deduction: ParkingScene,
// ParkingSpaceScene, GasScene, HighwayScene or BridgeScene.
type Scene interface {
	tradeScene() string
	info() (map[string]string, error)
}

// ParkingScene is a parking-lot stay (PARKING).
type ParkingScene struct {
	StartTime, EndTime time.Time
	ChargingDuration   time.Duration
	PlateNumber        string
	ParkingName        string
	CarType            string
	FreeTime           time.Duration
	DeductMode         string // AUTOPAY (default) or PROACTIVE
	SupportDeductMode  string // DEDUCT_ALL (default), DEDUCT_PROACTIVE_ONLY, DEDUCT_AUTOPAY_ONLY
}

func (ParkingScene) tradeScene() string { return ScenePARKING }
func (s ParkingScene) info() (map[string]string, error) {
	if s.StartTime.IsZero() || s.PlateNumber == "" || s.ParkingName == "" {
		return nil, invalid("Scene", "PARKING needs StartTime, PlateNumber and ParkingName")
	}
	m := map[string]string{"start_time": time14(s.StartTime), "charging_time": secs(s.ChargingDuration), "plate_number": s.PlateNumber,
		"parking_name": s.ParkingName, "car_type": s.CarType, "deduct_mode": orDefault(s.DeductMode, "AUTOPAY"),
		"support_deduct_mode": orDefault(s.SupportDeductMode, "DEDUCT_ALL")}
	if !s.EndTime.IsZero() {
		m["end_time"] = time14(s.EndTime)
	}
	if s.FreeTime > 0 {
		m["free_time"] = secs(s.FreeTime)
	}
	return m, nil
}

// ParkingSpaceScene is a roadside bay (PARKING SPACE).
type ParkingSpaceScene struct {
	StartTime, EndTime time.Time
	ChargingDuration   time.Duration
	SpaceNumber        string
	CarType            string
	ParkingName        string
}

func (ParkingSpaceScene) tradeScene() string { return ScenePARKINGSPACE }
func (s ParkingSpaceScene) info() (map[string]string, error) {
	if s.StartTime.IsZero() || s.SpaceNumber == "" {
		return nil, invalid("Scene", "PARKING SPACE needs StartTime and SpaceNumber")
	}
	m := map[string]string{"start_time": time14(s.StartTime), "charging_time": secs(s.ChargingDuration), "space_number": s.SpaceNumber,
		"car_type": s.CarType, "parking_name": s.ParkingName}
	if !s.EndTime.IsZero() {
		m["end_time"] = time14(s.EndTime)
	}
	return m, nil
}

// GasScene is a fuel purchase at the pump (GAS).
type GasScene struct {
	StartTime                                      time.Time
	PlateNumber                                    string
	GasStation, GasLabelName, GasType, GasStandard string
	GasAmount                                      string // e.g. "40.00"
	GasGunNo                                       string
	CarType                                        string
}

func (GasScene) tradeScene() string { return SceneGAS }
func (s GasScene) info() (map[string]string, error) {
	if s.StartTime.IsZero() || s.PlateNumber == "" || s.GasStation == "" || s.GasLabelName == "" || s.GasType == "" ||
		s.GasStandard == "" || s.GasAmount == "" || s.GasGunNo == "" {
		return nil, invalid("Scene", "GAS needs StartTime, PlateNumber, GasStation, GasLabelName, GasType, GasStandard, GasAmount and GasGunNo")
	}
	return map[string]string{"start_time": time14(s.StartTime), "plate_number": s.PlateNumber, "gas_station": s.GasStation,
		"gas_label_name": s.GasLabelName, "gas_type": s.GasType, "gas_standard": s.GasStandard, "gas_amount": s.GasAmount,
		"gas_gun_no": s.GasGunNo, "car_type": s.CarType}, nil
}

// HighwayScene is a toll road trip (HIGHWAY), charged at the exit station.
type HighwayScene struct {
	StartTime, EndTime time.Time // entrance and exit
	PlateNumber        string
	CarType            string
	EntranceName       string
	ExitName           string
	ChannelType        string // ETC or MTC
	CarryingCapacity   string
	CarryingRange      string
}

func (HighwayScene) tradeScene() string { return SceneHIGHWAY }
func (s HighwayScene) info() (map[string]string, error) {
	if s.StartTime.IsZero() || s.EndTime.IsZero() || s.PlateNumber == "" || s.CarType == "" || s.EntranceName == "" || s.ExitName == "" {
		return nil, invalid("Scene", "HIGHWAY needs StartTime, EndTime, PlateNumber, CarType, EntranceName and ExitName")
	}
	if s.ChannelType != "ETC" && s.ChannelType != "MTC" {
		return nil, invalid("Scene.ChannelType", "must be ETC or MTC")
	}
	return map[string]string{"start_time": time14(s.StartTime), "end_time": time14(s.EndTime), "plate_number": s.PlateNumber,
		"car_type": s.CarType, "entrance_name": s.EntranceName, "exit_name": s.ExitName, "channel_type": s.ChannelType,
		"carrying_capacity": s.CarryingCapacity, "carrying_range": s.CarryingRange}, nil
}

// BridgeScene is a bridge toll (BRIDGE).
type BridgeScene struct {
	StartTime   time.Time
	PlateNumber string
	ExitName    string
	CarType     string
}

func (BridgeScene) tradeScene() string { return SceneBRIDGE }
func (s BridgeScene) info() (map[string]string, error) {
	if s.StartTime.IsZero() || s.PlateNumber == "" || s.ExitName == "" {
		return nil, invalid("Scene", "BRIDGE needs StartTime, PlateNumber and ExitName")
	}
	return map[string]string{"start_time": time14(s.StartTime), "plate_number": s.PlateNumber, "exit_name": s.ExitName, "car_type": s.CarType}, nil
}

func secs(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// PayApplyRequest is an APIv2 deduction (申请扣款).
type PayApplyRequest struct {
	AppID, SubAppID, SubMchID string
	Body                      string // ≤128 bytes
	Detail                    string
	Attach                    string
	// OutTradeNo: mint once, store, re-send on retry; never reuse it for
	// another payment channel.
	OutTradeNo     string
	TotalFen       int64
	SpbillCreateIP string // the calling server's IP
	GoodsTag       string
	NotifyURL      string
	OpenID         string
	ProfitSharing  bool
	Scene          Scene
	Version        string // 3.0 for PARKING, else 2.0 when empty
}

// PayApplyResult is an accepted APIv2 deduction; the outcome comes by
// notification or QueryOrder.
type PayApplyResult struct {
	Meta Meta
}

// PayApply is the APIv2 payapply. Success means accepted, not paid.
// Outcome-unknown failures match ErrOutcomeUnknown: resolve them with
// QueryOrder and the same OutTradeNo.
func (c *Client) PayApply(ctx context.Context, r PayApplyRequest) (*PayApplyResult, error) {
	p := map[string]string{}
	if err := c.v2Identity(p, r.AppID, r.SubAppID, r.SubMchID); err != nil {
		return nil, err
	}
	if err := checkLen("Body", r.Body, 128, true); err != nil {
		return nil, err
	}
	if !validOutTradeNo(r.OutTradeNo) {
		return nil, invalid("OutTradeNo", "must be 1–32 of digits, letters, _ - *")
	}
	if r.TotalFen <= 0 {
		return nil, invalid("TotalFen", "must be > 0, got %d", r.TotalFen)
	}
	if err := checkLen("SpbillCreateIP", r.SpbillCreateIP, 16, true); err != nil {
		return nil, err
	}
	if err := checkLen("NotifyURL", r.NotifyURL, 256, true); err != nil {
		return nil, err
	}
	if r.Scene == nil {
		return nil, invalid("Scene", "is required")
	}
	si, err := r.Scene.info()
	if err != nil {
		return nil, err
	}
	scene := r.Scene.tradeScene()
	p["body"], p["detail"], p["attach"], p["out_trade_no"] = r.Body, r.Detail, r.Attach, r.OutTradeNo
	p["total_fee"], p["fee_type"], p["spbill_create_ip"], p["goods_tag"] = strconv.FormatInt(r.TotalFen, 10), "CNY", r.SpbillCreateIP, r.GoodsTag
	p["notify_url"], p["trade_type"], p["trade_scene"], p["openid"] = r.NotifyURL, "PAP", scene, r.OpenID
	p["version"], p["scene_info"] = version(r.Version, scene), sceneJSON(si)
	if r.ProfitSharing {
		p["profit_sharing"] = "Y"
	}
	_, meta, err := c.callV2(ctx, c.v2Path(pathV2PayApply, pathV2PartnerPayApply), p, true)
	if err != nil {
		return nil, err
	}
	return &PayApplyResult{Meta: meta}, nil
}

// QueryOrderRequest names an APIv2 order by TransactionID or OutTradeNo.
type QueryOrderRequest struct {
	AppID, SubAppID, SubMchID string
	TransactionID             string
	OutTradeNo                string
}

// V2Order is an APIv2 order's state.
type V2Order struct {
	// TradeState: SUCCESS, ACCEPT, PAYERROR, REFUND, NOTPAY, CLOSED,
	// REVOKED, USERPAYING, or a value added later.
	TradeState     string
	TradeStateDesc string
	OpenID         string
	TotalFen       int64
	CashFen        int64
	TransactionID  string
	OutTradeNo     string
	Attach         string
	BankType       string
	TimeEnd        time.Time
	// Fields holds every field of the answer, for what is not typed here.
	Fields map[string]string
	Meta   Meta
}

// QueryOrder is the APIv2 order query (/transit/queryorder).
func (c *Client) QueryOrder(ctx context.Context, r QueryOrderRequest) (*V2Order, error) {
	p := map[string]string{}
	if err := c.v2Identity(p, r.AppID, r.SubAppID, r.SubMchID); err != nil {
		return nil, err
	}
	if r.TransactionID == "" && r.OutTradeNo == "" {
		return nil, invalid("TransactionID/OutTradeNo", "one is required")
	}
	p["transaction_id"], p["out_trade_no"] = r.TransactionID, r.OutTradeNo
	ans, meta, err := c.callV2(ctx, c.v2Path(pathV2QueryOrder, pathV2PartnerQueryOrder), p, false)
	if err != nil {
		return nil, err
	}
	total, _ := strconv.ParseInt(ans["total_fee"], 10, 64)
	cash, _ := strconv.ParseInt(ans["cash_fee"], 10, 64)
	delete(ans, "sign")
	return &V2Order{TradeState: ans["trade_state"], TradeStateDesc: ans["trade_state_desc"], OpenID: ans["openid"], TotalFen: total, CashFen: cash,
		TransactionID: ans["transaction_id"], OutTradeNo: ans["out_trade_no"], Attach: ans["attach"], BankType: ans["bank_type"],
		TimeEnd: parseTime14(ans["time_end"]), Fields: ans, Meta: meta}, nil
}
