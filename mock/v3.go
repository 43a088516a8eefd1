package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// API paths.
const (
	PathFind         = "/v3/vehicle/parking/services/find"
	PathParkings     = "/v3/vehicle/parking/parkings"
	PathTransactions = "/v3/vehicle/transactions/parking"
	PathQueryPrefix  = "/v3/vehicle/transactions/out-trade-no/"
	PathCertificates = "/v3/certificates"
)

// maxBody bounds request bodies; WeChat's are small.
const maxBody = 1 << 20

// ServeHTTP serves the APIv3 and APIv2 endpoints and the /mock/ control API.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/mock/"):
		h.serveControl(w, r)
	case strings.HasPrefix(p, "/v3/"):
		h.serveV3(w, r)
	case isV2Path(p):
		h.serveV2(w, r)
	default:
		http.NotFound(w, r)
	}
}

// v3Route is one APIv3 endpoint: it returns a value to encode as the
// answer or an error answer.
type v3Route func(m *Merchant, r *http.Request, body []byte) (any, *apiError)

func (h *Handler) route(method, path string) (v3Route, bool, bool) {
	type ep struct {
		method string
		fn     v3Route
		money  bool
	}
	var e ep
	switch {
	case path == PathFind:
		e = ep{http.MethodGet, h.find, false}
	case path == PathParkings:
		e = ep{http.MethodPost, h.createParking, true}
	case path == PathTransactions:
		e = ep{http.MethodPost, h.deduct, true}
	case strings.HasPrefix(path, PathQueryPrefix) && len(path) > len(PathQueryPrefix):
		e = ep{http.MethodGet, h.queryTransaction, false}
	case path == PathCertificates:
		e = ep{http.MethodGet, h.certificates, false}
	default:
		return nil, false, false
	}
	if method != e.method {
		return func(*Merchant, *http.Request, []byte) (any, *apiError) {
			return nil, &apiError{Status: http.StatusMethodNotAllowed, Code: "METHOD_NOT_ALLOWED", Message: "请求方法错误，应为 " + e.method}
		}, false, true
	}
	return e.fn, e.money, true
}

func (h *Handler) serveV3(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	rec := RequestRecord{Time: h.now(), Method: r.Method, URI: r.RequestURI}
	h.mu.Lock()
	rec.RequestID = "MOCK-" + randomUpper(h.rng, 24)
	latency := h.faults.Latency
	h.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
		}
	}

	// Sign answers with the key the request names, as WeChat does during a
	// key-mode migration (spec §5.4).
	signer := h.signer
	serial := strings.TrimSpace(r.Header.Get(signing.HeaderSerial))
	if serial != "" && serial == h.certSigner.KeyID() {
		signer = h.certSigner
	}
	answer := func(v any, e *apiError) {
		status := http.StatusOK
		if e != nil {
			status, v = e.Status, e
			rec.Code = e.Code
		}
		rec.Status = status
		h.record(rec)
		h.writeV3(w, signer, rec.RequestID, status, v)
	}

	if r.Header.Get("Accept") == "" || r.Header.Get("User-Agent") == "" {
		answer(nil, invalidRequest("Http头缺少Accept或User-Agent"))
		return
	}
	if serial != "" && serial != h.signer.KeyID() && serial != h.certSigner.KeyID() {
		answer(nil, invalidRequest("Wechatpay-Serial 无效: "+serial))
		return
	}
	m, aerr := h.authenticate(r, body)
	if aerr != nil {
		answer(nil, aerr)
		return
	}
	rec.MchID = m.MchID
	if serial == "" && m.CertificateMode {
		signer = h.certSigner
	}
	fn, money, ok := h.route(r.Method, r.URL.Path)
	if !ok {
		answer(nil, &apiError{Status: http.StatusNotFound, Code: "NOT_FOUND", Message: "接口不存在: " + r.URL.Path})
		return
	}
	h.mu.Lock()
	status, drop := h.rollFaults(r.URL.Path, money)
	h.mu.Unlock()
	if status != 0 {
		rec.Fault = "status"
		answer(nil, statusError(status))
		return
	}
	v, e := fn(m, r, body)
	if drop {
		rec.Fault, rec.Status = "drop", 0
		if e != nil {
			rec.Code = e.Code
		}
		h.record(rec)
		dropConnection(w)
		return
	}
	answer(v, e)
}

func (h *Handler) record(rec RequestRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, rec)
	path, _, _ := strings.Cut(rec.URI, "?") // queries carry openids and plates
	h.logf("mock request", "method", rec.Method, "path", path, "status", rec.Status, "code", rec.Code, "fault", rec.Fault)
}

// writeV3 encodes v and signs the answer, errors included.
func (h *Handler) writeV3(w http.ResponseWriter, signer *signing.ResponseSigner, requestID string, status int, v any) {
	var body []byte
	if v != nil {
		body, _ = json.Marshal(v)
	}
	h.mu.Lock()
	nonce := randomAlnum(h.rng, 32)
	skew := h.faults.ClockSkew
	h.mu.Unlock()
	hdr := w.Header()
	if err := signer.SignHeaders(hdr, h.now().Add(skew).Unix(), nonce, body); err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":"SYSTEM_ERROR","message":"mock could not sign"}`)
	}
	hdr.Set("Request-ID", requestID)
	if len(body) > 0 {
		hdr.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// authenticate checks the Authorization header: known merchant, matching
// serial, fresh timestamp, and a signature over the request exactly as it
// was sent.
func (h *Handler) authenticate(r *http.Request, body []byte) (*Merchant, *apiError) {
	signErr := func(msg string) *apiError {
		return &apiError{Status: http.StatusUnauthorized, Code: "SIGN_ERROR", Message: msg}
	}
	a, err := signing.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, signErr("Authorization 格式错误: " + err.Error())
	}
	h.mu.Lock()
	m, ok := h.merchants[a.MchID]
	h.mu.Unlock()
	if !ok {
		return nil, signErr("商户号不存在或未注册: " + a.MchID)
	}
	if a.SerialNo != m.SerialNo {
		return nil, signErr("商户证书序列号不匹配: " + a.SerialNo)
	}
	d := h.now().Unix() - a.Timestamp
	if d < 0 {
		d = -d
	}
	if d >= 300 {
		return nil, signErr("请求时间戳与当前时间相差超过5分钟")
	}
	if err := signing.VerifyRequest(m.PublicKey, a, r.Method, r.RequestURI, body); err != nil {
		return nil, signErr("签名验证失败")
	}
	return m, nil
}

// queryFields reads URL query parameters for validation.
func queryFields(q url.Values) fields {
	m := make(map[string]any, len(q))
	for k, v := range q {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return fields{m: m, loc: "query"}
}

func (h *Handler) find(m *Merchant, r *http.Request, _ []byte) (any, *apiError) {
	q := queryFields(r.URL.Query())
	appid, e := q.str("appid", true, 32)
	if e != nil {
		return nil, e
	}
	_ = appid
	if _, e := q.subMchID(m); e != nil {
		return nil, e
	}
	number, e := q.plate("plate_number")
	if e != nil {
		return nil, e
	}
	color, e := q.color("plate_color")
	if e != nil {
		return nil, e
	}
	openid, e := q.str("openid", true, 32)
	if e != nil {
		return nil, e
	}
	type answer struct {
		PlateNumber     string `json:"plate_number"`
		PlateColor      string `json:"plate_color"`
		ServiceOpenTime string `json:"service_open_time,omitempty"`
		OpenID          string `json:"openid"`
		ServiceState    string `json:"service_state"`
	}
	out := answer{PlateNumber: number, PlateColor: color, OpenID: openid, ServiceState: StateOutService}
	h.mu.Lock()
	defer h.mu.Unlock()
	if p, ok := h.st.plates[plateKey(number, color)]; ok && p.OpenID == openid {
		out.ServiceState = p.ServiceState
		if p.ServiceState != StateOutService {
			out.ServiceOpenTime = p.OpenTime.In(shanghai).Format(time.RFC3339)
		}
	}
	return out, nil
}

var shanghai = time.FixedZone("CST", 8*3600)

func (h *Handler) createParking(m *Merchant, _ *http.Request, body []byte) (any, *apiError) {
	f, e := decodeBody(body)
	if e != nil {
		return nil, e
	}
	var pk parking
	if pk.SubMchID, e = f.subMchID(m); e != nil {
		return nil, e
	}
	if pk.OutParkingNo, e = f.str("out_parking_no", true, 64); e != nil {
		return nil, e
	}
	if pk.PlateNumber, e = f.plate("plate_number"); e != nil {
		return nil, e
	}
	if pk.PlateColor, e = f.color("plate_color"); e != nil {
		return nil, e
	}
	if pk.notifyURL, e = f.str("notify_url", true, 256); e != nil {
		return nil, e
	}
	if issue := h.checkNotifyURL(pk.notifyURL); issue != "" {
		return nil, paramError("body", "/notify_url", pk.notifyURL, issue)
	}
	var start time.Time
	if pk.StartTime, start, e = f.rfc3339("start_time"); e != nil {
		return nil, e
	}
	if start.After(h.now().Add(5 * time.Minute)) {
		return nil, paramError("body", "/start_time", pk.StartTime, "is in the future")
	}
	if pk.ParkingName, e = f.str("parking_name", true, 128); e != nil {
		return nil, e
	}
	var ok bool
	if pk.FreeDuration, ok, e = f.integer("free_duration", true); e != nil {
		return nil, e
	} else if ok && pk.FreeDuration < 0 {
		return nil, paramError("body", "/free_duration", pk.FreeDuration, "must not be negative")
	}
	pk.MchID = m.MchID
	pk.canonical = canonical(pk, pk.notifyURL)

	h.mu.Lock()
	defer h.mu.Unlock()
	key := m.MchID + "|" + pk.OutParkingNo
	if old, ok := h.st.byOutParking[key]; ok {
		if old.canonical != pk.canonical {
			return nil, invalidRequest("商户入场单号 out_parking_no 已存在且请求参数不一致")
		}
		return *old, nil
	}
	pk.ID = randomUpper(h.rng, 19)
	pk.State, pk.BlockReason = parkingState(h.st.plates[plateKey(pk.PlateNumber, pk.PlateColor)])
	stored := pk
	h.st.parkings[pk.ID] = &stored
	h.st.byOutParking[key] = &stored
	h.st.validParking[plateKey(pk.PlateNumber, pk.PlateColor)] = pk.ID // a new entry supersedes the old
	return stored, nil
}

// canonical is a request's identity for idempotent replays: its fields
// re-encoded, so key order and spacing do not matter.
func canonical(v ...any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (h *Handler) deduct(m *Merchant, _ *http.Request, body []byte) (any, *apiError) {
	f, e := decodeBody(body)
	if e != nil {
		return nil, e
	}
	var t transaction
	if t.AppID, e = f.str("appid", true, 32); e != nil {
		return nil, e
	}
	if t.SubAppID, e = f.str("sub_appid", false, 32); e != nil {
		return nil, e
	}
	if t.SubMchID, e = f.subMchID(m); e != nil {
		return nil, e
	}
	if t.Description, e = f.str("description", true, 128); e != nil {
		return nil, e
	}
	if t.Attach, e = f.str("attach", false, 128); e != nil {
		return nil, e
	}
	if t.OutTradeNo, e = f.str("out_trade_no", true, 32); e != nil {
		return nil, e
	}
	if !validOutTradeNo(t.OutTradeNo) {
		return nil, paramError("body", "/out_trade_no", t.OutTradeNo, "may hold only digits, letters, _ - and *")
	}
	if t.TradeScene, e = f.enum("trade_scene", true, "PARKING"); e != nil {
		return nil, e
	}
	goodsTag, e := f.str("goods_tag", false, 32)
	if e != nil {
		return nil, e
	}
	if t.notifyURL, e = f.str("notify_url", true, 256); e != nil {
		return nil, e
	}
	if issue := h.checkNotifyURL(t.notifyURL); issue != "" {
		return nil, paramError("body", "/notify_url", t.notifyURL, issue)
	}
	profitSharing, e := f.enum("profit_sharing", false, "Y", "N")
	if e != nil {
		return nil, e
	}
	am, _, e := f.object("amount", true)
	if e != nil {
		return nil, e
	}
	if t.Amount.Total, _, e = am.integer("total", true); e != nil {
		return nil, e
	}
	if t.Amount.Total <= 0 {
		return nil, paramError("body", "/amount/total", t.Amount.Total, "must be greater than 0 (fen)")
	}
	if t.Amount.Currency, e = am.enum("currency", false, "CNY"); e != nil {
		return nil, e
	}
	t.Amount.Currency = "CNY"
	pf, _, e := f.object("parking_info", true)
	if e != nil {
		return nil, e
	}
	var pi parkingInfo
	if pi.ParkingID, e = pf.str("parking_id", true, 32); e != nil {
		return nil, e
	}
	if pi.PlateNumber, e = pf.plate("plate_number"); e != nil {
		return nil, e
	}
	if pi.PlateColor, e = pf.color("plate_color"); e != nil {
		return nil, e
	}
	var start, end time.Time
	if pi.StartTime, start, e = pf.rfc3339("start_time"); e != nil {
		return nil, e
	}
	if pi.EndTime, end, e = pf.rfc3339("end_time"); e != nil {
		return nil, e
	}
	if !end.After(start) {
		return nil, paramError("body", "/parking_info/end_time", pi.EndTime, "must be later than start_time")
	}
	if end.After(h.now()) {
		return nil, paramError("body", "/parking_info/end_time", pi.EndTime, "must not be later than now")
	}
	if pi.ParkingName, e = pf.str("parking_name", true, 128); e != nil {
		return nil, e
	}
	var ok bool
	if pi.ChargingDuration, ok, e = pf.integer("charging_duration", true); e != nil {
		return nil, e
	} else if ok && pi.ChargingDuration < 0 {
		return nil, paramError("body", "/parking_info/charging_duration", pi.ChargingDuration, "must not be negative")
	}
	if pi.DeviceID, e = pf.str("device_id", true, 32); e != nil {
		return nil, e
	}
	t.ParkingInfo = &pi
	t.mchID, t.SpMchID = m.MchID, m.MchID
	t.canonical = canonical(t, t.notifyURL, goodsTag, profitSharing)

	h.mu.Lock()
	defer h.mu.Unlock()
	key := m.MchID + "|" + t.OutTradeNo
	if old, ok := h.st.txns[key]; ok {
		if old.canonical != t.canonical {
			return nil, invalidRequest("商户订单号 out_trade_no 已存在且请求参数不一致")
		}
		return *old, nil
	}
	pk, ok := h.st.parkings[pi.ParkingID]
	if !ok || pk.MchID != m.MchID || h.st.validParking[plateKey(pk.PlateNumber, pk.PlateColor)] != pk.ID {
		return nil, invalidRequest("停车入场id不存在")
	}
	if pk.charged || pk.SubMchID != t.SubMchID || pk.PlateNumber != pi.PlateNumber || pk.PlateColor != pi.PlateColor ||
		!sameInstant(pk.StartTime, pi.StartTime) || pk.ParkingName != pi.ParkingName {
		return nil, invalidRequest("场景信息和停车入场id不匹配")
	}
	p := h.st.plates[plateKey(pk.PlateNumber, pk.PlateColor)]
	if p == nil || p.ServiceState != StateNormal {
		return nil, &apiError{Status: http.StatusForbidden, Code: "NO_AUTH", Message: "用户车牌服务不可用，无法扣款"}
	}
	pk.charged = true
	t.TradeState = "ACCEPTED"
	t.TradeStateDescription = "扣费受理成功"
	t.CreateTime = h.now().In(shanghai).Format(time.RFC3339)
	t.Payer = payer{OpenID: p.OpenID}
	t.outcome = p.Outcome
	stored := t
	h.st.txns[key] = &stored
	h.schedule(h.cfg.processDelay, func() { h.settle(key) })
	return stored, nil
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339, a)
	tb, err2 := time.Parse(time.RFC3339, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

// settle decides an accepted deduction's outcome and queues its callback.
func (h *Handler) settle(key string) {
	h.mu.Lock()
	t, ok := h.st.txns[key]
	if !ok || t.TradeState != "ACCEPTED" {
		h.mu.Unlock()
		return
	}
	now := h.now().In(shanghai).Format(time.RFC3339)
	event, summary := "TRANSACTION.SUCCESS", "支付成功"
	switch t.outcome {
	case OutcomeFail:
		t.TradeState, t.TradeStateDescription = "PAY_FAIL", "扣款失败：用户账户余额不足"
		event, summary = "TRANSACTION.FAIL", "支付失败"
	default:
		t.TradeState, t.TradeStateDescription = "SUCCESS", "支付成功"
		t.TransactionID = "42" + randomDigits(h.rng, 26)
		t.SuccessTime = now
		t.BankType = "OTHERS"
		payerTotal, discount := t.Amount.Total, int64(0)
		t.Amount.PayerTotal, t.Amount.DiscountTotal = &payerTotal, &discount
		if t.outcome == OutcomeAdvance {
			t.BankType, t.UserRepaid = "BPA", "N"
			h.schedule(time.Hour, func() { h.repay(key) })
		}
	}
	snapshot := *t
	h.mu.Unlock()
	h.queueV3(t.mchID, snapshot.notifyURL, event, summary, "transaction", "transaction", snapshot)
}

// repay turns an advanced (垫资) order into a repaid one.
func (h *Handler) repay(key string) {
	h.mu.Lock()
	t := h.st.txns[key]
	t.UserRepaid = "Y"
	snapshot := *t
	h.mu.Unlock()
	h.queueV3(t.mchID, snapshot.notifyURL, "TRANSACTION.PAY_BACK", "用户还款成功", "transaction", "transaction", snapshot)
}

func randomDigits(rng interface{ IntN(int) int }, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

func (h *Handler) queryTransaction(m *Merchant, r *http.Request, _ []byte) (any, *apiError) {
	otn, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), PathQueryPrefix))
	if err != nil || !validOutTradeNo(otn) {
		return nil, paramError("path", "out_trade_no", otn, "may hold only digits, letters, _ - and *, at most 32")
	}
	q := queryFields(r.URL.Query())
	sub, e := q.subMchID(m)
	if e != nil {
		return nil, e
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.st.txns[m.MchID+"|"+otn]
	if !ok || t.SubMchID != sub {
		return nil, &apiError{Status: http.StatusNotFound, Code: "ORDER_NOT_EXIST", Message: "订单不存在"}
	}
	return *t, nil
}

func (h *Handler) certificates(m *Merchant, r *http.Request, _ []byte) (any, *apiError) {
	q := queryFields(r.URL.Query())
	if _, e := q.enum("algorithm_type", false, "RSA", "SM2", "ALL"); e != nil {
		return nil, e
	}
	h.mu.Lock()
	nonce := randomAlnum(h.rng, 12)
	h.mu.Unlock()
	ct, err := signing.EncryptResource([]byte(m.APIv3Key), signing.AlgorithmAES256GCM, nonce, "certificate", h.certPEM)
	if err != nil {
		return nil, &apiError{Status: 500, Code: "SYSTEM_ERROR", Message: err.Error()}
	}
	type enc struct {
		Algorithm      string `json:"algorithm"`
		Nonce          string `json:"nonce"`
		AssociatedData string `json:"associated_data"`
		Ciphertext     string `json:"ciphertext"`
	}
	type item struct {
		SerialNo           string `json:"serial_no"`
		EffectiveTime      string `json:"effective_time"`
		ExpireTime         string `json:"expire_time"`
		EncryptCertificate enc    `json:"encrypt_certificate"`
	}
	return map[string][]item{"data": {{
		SerialNo:           signing.CertificateSerial(h.cert),
		EffectiveTime:      h.cert.NotBefore.In(shanghai).Format(time.RFC3339),
		ExpireTime:         h.cert.NotAfter.In(shanghai).Format(time.RFC3339),
		EncryptCertificate: enc{signing.AlgorithmAES256GCM, nonce, "certificate", ct},
	}}}, nil
}
