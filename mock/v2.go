package mock

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// APIv2 paths (spec §3): 直连 under /vehicle/pay, 服务商 under
// /vehicle/partnerpay; order queries under /transit.
const (
	PathV2QueryState        = "/vehicle/pay/querystate"
	PathV2PartnerQueryState = "/vehicle/partnerpay/querystate"
	PathV2Notification      = "/vehicle/pay/notification"
	PathV2PartnerNotify     = "/vehicle/partnerpay/notification"
	PathV2PayApply          = "/vehicle/pay/payapply"
	PathV2PartnerPayApply   = "/vehicle/partnerpay/payapply"
	PathV2QueryOrder        = "/transit/queryorder"
	PathV2PartnerQueryOrder = "/transit/partnerpay/queryorder"
)

func isV2Path(p string) bool {
	switch p {
	case PathV2QueryState, PathV2PartnerQueryState, PathV2Notification, PathV2PartnerNotify,
		PathV2PayApply, PathV2PartnerPayApply, PathV2QueryOrder, PathV2PartnerQueryOrder:
		return true
	}
	return false
}

// ParseXML reads a flat APIv2 <xml>…</xml> document into a map. Nested
// elements are refused.
func ParseXML(data []byte) (map[string]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	out := map[string]string{}
	depth := 0
	var key string
	var text strings.Builder
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
			switch depth {
			case 1:
				if t.Name.Local != "xml" {
					return nil, errf("root element is <%s>, want <xml>", t.Name.Local)
				}
			case 2:
				key = t.Name.Local
				text.Reset()
			default:
				return nil, errf("nested element <%s> inside <%s>", t.Name.Local, key)
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
	if depth != 0 {
		return nil, errf("unterminated XML")
	}
	return out, nil
}

// EncodeXML writes params as an APIv2 document, values in CDATA, keys
// sorted.
func EncodeXML(params map[string]string) []byte {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("<xml>")
	for _, k := range keys {
		b.WriteString("<" + k + "><![CDATA[")
		b.WriteString(strings.ReplaceAll(params[k], "]]>", "]]]]><![CDATA[>"))
		b.WriteString("]]></" + k + ">")
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// v2Fail is a business failure: result_code FAIL with err_code.
type v2Fail struct{ code, des string }

func (h *Handler) serveV2(w http.ResponseWriter, r *http.Request) {
	rec := RequestRecord{Time: h.now(), Method: r.Method, URI: r.RequestURI}
	h.mu.Lock()
	rec.RequestID = "MOCK-" + randomUpper(h.rng, 24)
	latency := h.faults.Latency
	h.mu.Unlock()
	if r.Method != http.MethodPost {
		rec.Status = http.StatusMethodNotAllowed
		h.record(rec)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
		}
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	commFail := func(msg string) {
		rec.Status, rec.Code = http.StatusOK, "FAIL"
		h.record(rec)
		writeXML(w, http.StatusOK, EncodeXML(map[string]string{"return_code": "FAIL", "return_msg": msg}))
	}
	params, err := ParseXML(body)
	if err != nil {
		commFail("XML格式错误")
		return
	}
	h.mu.Lock()
	m, ok := h.merchants[params["mch_id"]]
	h.mu.Unlock()
	if !ok {
		commFail("mch_id参数错误")
		return
	}
	rec.MchID = m.MchID
	if st := params["sign_type"]; st != "" && st != signing.SignTypeHMACSHA256 && st != signing.SignTypeMD5 {
		commFail("sign_type参数错误")
		return
	}
	if err := signing.VerifyV2(params, m.APIv2Key); err != nil {
		commFail("签名错误")
		return
	}
	partnerPath := strings.Contains(r.URL.Path, "/partnerpay/")
	if partnerPath != m.Partner {
		commFail("商户类型与接口不匹配")
		return
	}
	money := r.URL.Path == PathV2PayApply || r.URL.Path == PathV2PartnerPayApply
	h.mu.Lock()
	status, drop := h.rollFaults(r.URL.Path, money)
	h.mu.Unlock()
	reply := map[string]string{"return_code": "SUCCESS", "return_msg": "OK", "appid": params["appid"], "mch_id": m.MchID}
	if m.Partner {
		reply["sub_mch_id"], reply["sub_appid"] = params["sub_mch_id"], params["sub_appid"]
	}
	var fail *v2Fail
	switch {
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable:
		rec.Status, rec.Fault = status, "status"
		h.record(rec)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body><h1>"+strconv.Itoa(status)+" Service Unavailable</h1></body></html>")
		return
	case status == http.StatusTooManyRequests:
		rec.Fault = "status"
		fail = &v2Fail{"FREQUENCY_LIMITED", "请求过于频繁"}
	case status != 0:
		rec.Fault = "status"
		fail = &v2Fail{"SYSTEMERROR", "系统错误，请使用相同参数重试"}
	default:
		switch r.URL.Path {
		case PathV2QueryState, PathV2PartnerQueryState:
			fail = h.v2QueryState(m, params, reply)
		case PathV2Notification, PathV2PartnerNotify:
			fail = h.v2Notification(m, params, reply)
		case PathV2PayApply, PathV2PartnerPayApply:
			fail = h.v2PayApply(m, params, reply)
		default:
			fail = h.v2QueryOrder(m, params, reply)
		}
	}
	if drop {
		rec.Fault = "drop"
		h.record(rec)
		dropConnection(w)
		return
	}
	reply["result_code"] = "SUCCESS"
	if fail != nil {
		reply["result_code"], reply["err_code"], reply["err_code_des"] = "FAIL", fail.code, fail.des
		rec.Code = fail.code
	}
	h.mu.Lock()
	reply["nonce_str"] = randomAlnum(h.rng, 32)
	h.mu.Unlock()
	st := params["sign_type"]
	if st == "" {
		st = signing.SignTypeMD5
	}
	reply["sign_type"] = st
	reply["sign"], _ = signing.SignV2(reply, m.APIv2Key, st)
	rec.Status = http.StatusOK
	h.record(rec)
	writeXML(w, http.StatusOK, EncodeXML(reply))
}

func writeXML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// v2 field checks; each returns a PARAM_ERROR failure naming the field.
func need(p map[string]string, name string, max int) (string, *v2Fail) {
	v := p[name]
	if v == "" {
		return "", &v2Fail{"PARAM_ERROR", name + "为必填参数"}
	}
	if len(v) > max {
		return "", &v2Fail{"PARAM_ERROR", name + "超过最大长度" + strconv.Itoa(max)}
	}
	return v, nil
}

func optional(p map[string]string, name string, max int) *v2Fail {
	if len(p[name]) > max {
		return &v2Fail{"PARAM_ERROR", name + "超过最大长度" + strconv.Itoa(max)}
	}
	return nil
}

func oneOf(p map[string]string, name string, values ...string) *v2Fail {
	for _, v := range values {
		if p[name] == v {
			return nil
		}
	}
	return &v2Fail{"PARAM_ERROR", name + "取值错误，应为 " + strings.Join(values, "/")}
}

func v2Common(m *Merchant, p map[string]string) *v2Fail {
	for _, f := range []struct {
		name string
		max  int
	}{{"appid", 32}, {"nonce_str", 32}} {
		if _, e := need(p, f.name, f.max); e != nil {
			return e
		}
	}
	if m.Partner {
		if _, e := need(p, "sub_mch_id", 32); e != nil {
			return e
		}
		if e := optional(p, "sub_appid", 32); e != nil {
			return e
		}
	}
	if p["version"] != "" {
		return oneOf(p, "version", "3.0", "2.0")
	}
	return &v2Fail{"PARAM_ERROR", "version为必填参数"}
}

func digits14(s string) bool {
	if len(s) != 14 {
		return false
	}
	_, err := time.ParseInLocation("20060102150405", s, shanghai)
	return err == nil
}

func (h *Handler) v2QueryState(m *Merchant, p map[string]string, reply map[string]string) *v2Fail {
	if e := v2Common(m, p); e != nil {
		return e
	}
	scenes := []string{"PARKING", "PARKING SPACE", "GAS", "HIGHWAY", "BRIDGE"}
	if m.Partner {
		scenes = scenes[:4]
	}
	if e := oneOf(p, "trade_scene", scenes...); e != nil {
		return e
	}
	if p["jump_scene"] != "" {
		if e := oneOf(p, "jump_scene", "APP", "H5"); e != nil {
			return e
		}
	}
	ids := 0
	for _, k := range []string{"openid", "sub_openid", "plate_number"} {
		if p[k] != "" {
			ids++
		}
	}
	if ids != 1 || (!m.Partner && p["sub_openid"] != "") {
		return &v2Fail{"PARAM_ERROR", "openid、sub_openid、plate_number 必须且只能传一个"}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var plates []*Plate
	if n := p["plate_number"]; n != "" {
		if !validPlate(n) {
			return &v2Fail{"PARAM_ERROR", "plate_number格式错误"}
		}
		if pl := h.st.plateByNumber(n); pl != nil {
			plates = append(plates, pl)
		}
	} else {
		id := p["openid"] + p["sub_openid"]
		for _, pl := range h.st.plates {
			if pl.OpenID == id {
				plates = append(plates, pl)
			}
		}
		sort.Slice(plates, func(i, j int) bool { return plates[i].PlateNumber < plates[j].PlateNumber })
	}
	state := "UNAUTHORIZED"
	if len(plates) > 0 {
		state = plates[0].v2State()
		reply["openid"] = plates[0].OpenID
		reply["deduct_mode"] = "AUTOPAY"
		type info struct {
			PlateNumber   string `json:"plate_number"`
			ChannelType   string `json:"channel_type"`
			CommonUseFlag string `json:"common_use_flag"`
		}
		var list []info
		for _, pl := range plates {
			list = append(list, info{pl.PlateNumber, "ETC", "COMMON_USE"})
		}
		b, _ := json.Marshal(map[string][]info{"plate_number_info": list})
		reply["plate_number_info"] = string(b)
	}
	reply["user_state"] = state
	if state != "NORMAL" {
		reply["path"] = "pages/route/index?src=gatepay-mock&state=" + state
	}
	return nil
}

// sceneInfo reads the JSON scene_info field ({"scene_info":{…}}).
func sceneInfo(p map[string]string) (map[string]string, *v2Fail) {
	raw, e := need(p, "scene_info", 1024)
	if e != nil {
		return nil, e
	}
	var outer struct {
		SceneInfo map[string]any `json:"scene_info"`
	}
	if err := json.Unmarshal([]byte(raw), &outer); err != nil || outer.SceneInfo == nil {
		return nil, &v2Fail{"PARAM_ERROR", "scene_info不是合法的JSON {\"scene_info\":{...}}"}
	}
	out := map[string]string{}
	for k, v := range outer.SceneInfo {
		s, ok := v.(string)
		if !ok {
			return nil, &v2Fail{"PARAM_ERROR", "scene_info." + k + "必须为字符串"}
		}
		out[k] = s
	}
	return out, nil
}

func sceneNeed(si map[string]string, names ...string) *v2Fail {
	for _, n := range names {
		if si[n] == "" {
			return &v2Fail{"PARAM_ERROR", "scene_info." + n + "为必填参数"}
		}
		if strings.HasSuffix(n, "_time") && n != "free_time" && n != "charging_time" && !digits14(si[n]) {
			return &v2Fail{"PARAM_ERROR", "scene_info." + n + "格式应为yyyyMMddHHmmss"}
		}
		if (n == "free_time" || n == "charging_time") && !allDigits(si[n]) {
			return &v2Fail{"PARAM_ERROR", "scene_info." + n + "应为秒数"}
		}
		if n == "plate_number" && !validPlate(si[n]) {
			return &v2Fail{"PARAM_ERROR", "scene_info.plate_number格式错误"}
		}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (h *Handler) v2Notification(m *Merchant, p map[string]string, reply map[string]string) *v2Fail {
	if e := v2Common(m, p); e != nil {
		return e
	}
	if e := oneOf(p, "trade_scene", "PARKING", "PARKING SPACE"); e != nil {
		return e
	}
	si, e := sceneInfo(p)
	if e != nil {
		return e
	}
	if p["trade_scene"] == "PARKING" {
		e = sceneNeed(si, "start_time", "plate_number", "free_time")
	} else {
		e = sceneNeed(si, "start_time", "free_time", "space_number")
	}
	if e != nil {
		return e
	}
	if u := si["notify_url"]; u != "" {
		if issue := h.checkNotifyURL(u); issue != "" {
			return &v2Fail{"PARAM_ERROR", "scene_info.notify_url " + issue}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	state := "BLOCK"
	if n := si["plate_number"]; n != "" {
		if pl := h.st.plateByNumber(n); pl != nil && pl.v2State() == "NORMAL" {
			state = "NORMAL"
		}
		if si["notify_url"] != "" {
			h.st.v2Entries[n] = &v2Entry{MchID: m.MchID, SubMchID: p["sub_mch_id"], AppID: p["appid"], SubAppID: p["sub_appid"], PlateNumber: n, NotifyURL: si["notify_url"]}
		}
	}
	reply["user_state"] = state
	reply["deduct_mode"] = "AUTOPAY"
	return nil
}

func (h *Handler) v2PayApply(m *Merchant, p map[string]string, reply map[string]string) *v2Fail {
	if e := v2Common(m, p); e != nil {
		return e
	}
	for _, f := range []struct {
		name string
		max  int
	}{{"body", 128}, {"out_trade_no", 32}, {"total_fee", 16}, {"spbill_create_ip", 16}, {"notify_url", 256}} {
		if _, e := need(p, f.name, f.max); e != nil {
			return e
		}
	}
	for _, f := range []struct {
		name string
		max  int
	}{{"detail", 6000}, {"attach", 127}, {"goods_tag", 32}, {"openid", 32}} {
		if e := optional(p, f.name, f.max); e != nil {
			return e
		}
	}
	if !validOutTradeNo(p["out_trade_no"]) {
		return &v2Fail{"PARAM_ERROR", "out_trade_no只能包含数字、字母和_-*"}
	}
	fee, err := strconv.ParseInt(p["total_fee"], 10, 64)
	if err != nil || fee <= 0 {
		return &v2Fail{"PARAM_ERROR", "total_fee必须为大于0的整数（分）"}
	}
	if p["fee_type"] != "" {
		if e := oneOf(p, "fee_type", "CNY"); e != nil {
			return e
		}
	}
	if e := oneOf(p, "trade_type", "PAP"); e != nil {
		return e
	}
	if p["profit_sharing"] != "" {
		if e := oneOf(p, "profit_sharing", "Y", "N"); e != nil {
			return e
		}
	}
	if issue := h.checkNotifyURL(p["notify_url"]); issue != "" {
		return &v2Fail{"PARAM_ERROR", "notify_url " + issue}
	}
	scenes := []string{"PARKING", "PARKING SPACE", "GAS", "HIGHWAY", "BRIDGE"}
	if e := oneOf(p, "trade_scene", scenes...); e != nil {
		return e
	}
	si, e := sceneInfo(p)
	if e != nil {
		return e
	}
	switch p["trade_scene"] {
	case "PARKING":
		e = sceneNeed(si, "start_time", "charging_time", "plate_number", "parking_name", "deduct_mode", "support_deduct_mode")
		if e == nil && si["deduct_mode"] != "PROACTIVE" && si["deduct_mode"] != "AUTOPAY" {
			e = &v2Fail{"PARAM_ERROR", "scene_info.deduct_mode应为PROACTIVE/AUTOPAY"}
		}
	case "PARKING SPACE":
		e = sceneNeed(si, "start_time", "charging_time", "space_number")
	case "GAS":
		e = sceneNeed(si, "start_time", "plate_number", "gas_station", "gas_label_name", "gas_type", "gas_standard", "gas_amount", "gas_gun_no")
	case "HIGHWAY":
		e = sceneNeed(si, "start_time", "end_time", "plate_number", "car_type", "entrance_name", "exit_name", "channel_type")
		if e == nil && si["channel_type"] != "ETC" && si["channel_type"] != "MTC" {
			e = &v2Fail{"PARAM_ERROR", "scene_info.channel_type应为ETC/MTC"}
		}
	case "BRIDGE":
		e = sceneNeed(si, "start_time", "plate_number", "exit_name")
	}
	if e != nil {
		return e
	}
	canon := canonicalParams(p)
	h.mu.Lock()
	defer h.mu.Unlock()
	key := m.MchID + "|" + p["out_trade_no"]
	if old, ok := h.st.v2Orders[key]; ok {
		if old.Canonical != canon {
			return &v2Fail{"OUT_TRADE_NO_USED", "商户订单号重复且参数不一致"}
		}
		return nil
	}
	var pl *Plate
	if n := si["plate_number"]; n != "" {
		pl = h.st.plateByNumber(n)
	} else {
		for _, x := range h.st.plates {
			if x.OpenID == p["openid"] {
				pl = x
			}
		}
	}
	if pl == nil || pl.v2State() != "NORMAL" {
		return &v2Fail{"USER_STATE_ABNORMAL", "用户车主服务状态异常，请引导用户至车主小程序"}
	}
	o := &v2Order{MchID: m.MchID, SubMchID: p["sub_mch_id"], AppID: p["appid"], SubAppID: p["sub_appid"], OutTradeNo: p["out_trade_no"],
		TransactionID: "42" + randomDigits(h.rng, 26), TotalFee: fee, TradeState: "ACCEPT", TradeScene: p["trade_scene"],
		OpenID: pl.OpenID, Attach: p["attach"], NotifyURL: p["notify_url"], Canonical: canon, Outcome: pl.Outcome}
	h.st.v2Orders[key] = o
	h.st.v2ByTxnID[o.TransactionID] = o
	h.schedule(h.cfg.processDelay, func() { h.settleV2(key) })
	return nil
}

// canonicalParams identifies an APIv2 request apart from its nonce and sign.
func canonicalParams(p map[string]string) string {
	c := map[string]string{}
	for k, v := range p {
		if k != "nonce_str" && k != "sign" && k != "sign_type" {
			c[k] = v
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func (h *Handler) settleV2(key string) {
	h.mu.Lock()
	o := h.st.v2Orders[key]
	if o == nil || o.TradeState != "ACCEPT" {
		h.mu.Unlock()
		return
	}
	o.TimeEnd = h.now().In(shanghai).Format("20060102150405")
	o.BankType = "OTHERS"
	params := map[string]string{"return_code": "SUCCESS", "appid": o.AppID, "mch_id": o.MchID, "openid": o.OpenID,
		"trade_type": "PAP", "total_fee": strconv.FormatInt(o.TotalFee, 10), "fee_type": "CNY",
		"transaction_id": o.TransactionID, "out_trade_no": o.OutTradeNo, "time_end": o.TimeEnd, "attach": o.Attach}
	if o.SubMchID != "" {
		params["sub_mch_id"], params["sub_appid"] = o.SubMchID, o.SubAppID
	}
	if o.Outcome == OutcomeFail {
		o.TradeState = "PAYERROR"
		params["result_code"], params["trade_state"], params["err_code"], params["err_code_des"] = "FAIL", "PAY_FAIL", "NOTENOUGH", "用户余额不足"
	} else {
		o.TradeState = "SUCCESS"
		params["result_code"], params["trade_state"], params["cash_fee"], params["bank_type"] = "SUCCESS", "SUCCESS", params["total_fee"], o.BankType
		if o.Outcome == OutcomeAdvance {
			params["bank_type"], params["user_repaid"] = "BPA", "N"
		}
	}
	mch := o.MchID
	url := o.NotifyURL
	h.mu.Unlock()
	h.queueV2(mch, url, "PAYMENT."+params["trade_state"], RetryScheduleV3, params)
}

// v2PlateEvent returns the queueing of an APIv2 plate-state callback.
func (h *Handler) v2PlateEvent(e *v2Entry, p *Plate) func() {
	params := map[string]string{"mch_id": e.MchID, "appid": e.AppID, "plate_number": e.PlateNumber,
		"vehicle_event_createtime": h.now().In(shanghai).Format("20060102150405")}
	if e.SubMchID != "" {
		params["sub_mch_id"], params["sub_appid"] = e.SubMchID, e.SubAppID
	}
	if p.v2State() == "NORMAL" {
		params["vehicle_event_type"], params["deduct_mode"] = "NORMAL", "AUTOPAY"
	} else {
		params["vehicle_event_type"], params["vehicle_event_des"] = "BLOCKED", strings.TrimSuffix(p.v2State(), "D")
	}
	return func() {
		h.queueV2(e.MchID, e.NotifyURL, "VEHICLE_EVENT."+params["vehicle_event_type"], RetryScheduleV2State, params)
	}
}

func (h *Handler) queueV2(mchID, url, event string, schedule []time.Duration, params map[string]string) {
	h.mu.Lock()
	id := "V2-" + randomDigits(h.rng, 20)
	h.mu.Unlock()
	c := &Callback{ID: id, Version: "v2", EventType: event, URL: url, MchID: mchID, created: h.now(), schedule: schedule, v2params: params}
	c.Plaintext = string(EncodeXML(params))
	h.queue(c)
}

func (h *Handler) v2Request(c *Callback) (*http.Request, error) {
	h.mu.Lock()
	m, ok := h.merchants[c.MchID]
	nonce := randomAlnum(h.rng, 32)
	h.mu.Unlock()
	if !ok {
		return nil, errf("merchant %s is gone", c.MchID)
	}
	p := map[string]string{}
	for k, v := range c.v2params {
		p[k] = v
	}
	p["nonce_str"], p["sign_type"] = nonce, signing.SignTypeHMACSHA256
	sign, err := signing.SignV2(p, m.APIv2Key, signing.SignTypeHMACSHA256)
	if err != nil {
		return nil, err
	}
	p["sign"] = sign
	req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(EncodeXML(p)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "gatepay-mock")
	return req, nil
}

func (h *Handler) v2QueryOrder(m *Merchant, p map[string]string, reply map[string]string) *v2Fail {
	for _, f := range []string{"appid", "nonce_str"} {
		if _, e := need(p, f, 32); e != nil {
			return e
		}
	}
	if m.Partner {
		if _, e := need(p, "sub_mch_id", 32); e != nil {
			return e
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var o *v2Order
	switch {
	case p["transaction_id"] != "":
		o = h.st.v2ByTxnID[p["transaction_id"]]
		if o != nil && o.MchID != m.MchID {
			o = nil
		}
	case p["out_trade_no"] != "":
		o = h.st.v2Orders[m.MchID+"|"+p["out_trade_no"]]
	default:
		return &v2Fail{"PARAM_ERROR", "transaction_id和out_trade_no至少填一个"}
	}
	if o == nil {
		return &v2Fail{"ORDERNOTEXIST", "此交易订单号不存在"}
	}
	reply["openid"], reply["trade_type"], reply["trade_state"] = o.OpenID, "PAP", o.TradeState
	reply["total_fee"], reply["fee_type"] = strconv.FormatInt(o.TotalFee, 10), "CNY"
	reply["transaction_id"], reply["out_trade_no"], reply["attach"] = o.TransactionID, o.OutTradeNo, o.Attach
	reply["is_subscribe"] = "N"
	if o.TradeState == "SUCCESS" {
		reply["cash_fee"], reply["bank_type"], reply["time_end"] = reply["total_fee"], o.BankType, o.TimeEnd
		reply["trade_state_desc"] = "支付成功"
	}
	if o.TradeState == "PAYERROR" {
		reply["time_end"], reply["trade_state_desc"] = o.TimeEnd, "扣款失败"
	}
	if o.TradeState == "ACCEPT" {
		reply["trade_state_desc"] = "已受理，扣款中"
	}
	return nil
}
