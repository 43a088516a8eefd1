package mock

import (
	"sort"
	"time"
)

// Service states of a plate (v3 services/find).
const (
	StateNormal     = "NORMAL"
	StatePause      = "PAUSE"
	StateOutService = "OUT_SERVICE"
)

// Outcome is what happens to a deduction for a plate after WeChat accepts
// it.
type Outcome string

// Outcomes.
const (
	// OutcomeSuccess: the debit succeeds (TRANSACTION.SUCCESS).
	OutcomeSuccess Outcome = "SUCCESS"
	// OutcomeFail: the debit fails, e.g. arrears (TRANSACTION.FAIL,
	// trade_state PAY_FAIL).
	OutcomeFail Outcome = "PAY_FAIL"
	// OutcomeAdvance: WeChat advances the money (垫资, bank_type BPA,
	// TRANSACTION.SUCCESS) and the user repays an hour later
	// (TRANSACTION.PAY_BACK).
	OutcomeAdvance Outcome = "ADVANCE"
)

// Plate is an enrolment: a plate a WeChat user has bound to the vehicle
// service, with its state and the fate of its deductions.
type Plate struct {
	PlateNumber  string  `json:"plate_number"`
	PlateColor   string  `json:"plate_color"`
	OpenID       string  `json:"openid"`
	ServiceState string  `json:"service_state"`     // NORMAL, PAUSE, OUT_SERVICE
	Outcome      Outcome `json:"outcome,omitempty"` // SUCCESS when empty
	// V2UserState overrides the APIv2 user_state derived from
	// ServiceState (NORMAL→NORMAL, PAUSE→PAUSED, OUT_SERVICE→UNAUTHORIZED),
	// e.g. "OVERDUE".
	V2UserState string    `json:"v2_user_state,omitempty"`
	OpenTime    time.Time `json:"service_open_time"`
}

func (p *Plate) v2State() string {
	if p.V2UserState != "" {
		return p.V2UserState
	}
	switch p.ServiceState {
	case StateNormal:
		return "NORMAL"
	case StatePause:
		return "PAUSED"
	}
	return "UNAUTHORIZED"
}

type parking struct {
	ID           string `json:"id"`
	MchID        string `json:"-"`
	SubMchID     string `json:"sub_mchid,omitempty"`
	OutParkingNo string `json:"out_parking_no"`
	PlateNumber  string `json:"plate_number"`
	PlateColor   string `json:"plate_color"`
	StartTime    string `json:"start_time"`
	ParkingName  string `json:"parking_name"`
	FreeDuration int64  `json:"free_duration"`
	State        string `json:"state"`
	BlockReason  string `json:"block_reason,omitempty"`

	notifyURL string
	canonical string // the request, for idempotent replays
	charged   bool
}

type parkingInfo struct {
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
	Total         int64  `json:"total"`
	Currency      string `json:"currency"`
	PayerTotal    *int64 `json:"payer_total,omitempty"`
	DiscountTotal *int64 `json:"discount_total,omitempty"`
}

type payer struct {
	OpenID    string `json:"openid"`
	SubOpenID string `json:"sub_openid,omitempty"`
}

// transaction is the Transaction object of spec §2.4.
type transaction struct {
	AppID                 string       `json:"appid"`
	SubAppID              string       `json:"sub_appid,omitempty"`
	SpMchID               string       `json:"sp_mchid"`
	SubMchID              string       `json:"sub_mchid,omitempty"`
	Description           string       `json:"description"`
	CreateTime            string       `json:"create_time"`
	OutTradeNo            string       `json:"out_trade_no"`
	TransactionID         string       `json:"transaction_id,omitempty"`
	TradeState            string       `json:"trade_state"`
	TradeStateDescription string       `json:"trade_state_description,omitempty"`
	SuccessTime           string       `json:"success_time,omitempty"`
	BankType              string       `json:"bank_type,omitempty"`
	UserRepaid            string       `json:"user_repaid,omitempty"`
	Attach                string       `json:"attach,omitempty"`
	TradeScene            string       `json:"trade_scene"`
	ParkingInfo           *parkingInfo `json:"parking_info,omitempty"`
	Payer                 payer        `json:"payer"`
	Amount                amount       `json:"amount"`

	mchID     string
	notifyURL string
	canonical string
	outcome   Outcome
}

// v2Order is an APIv2 payapply order.
type v2Order struct {
	MchID         string
	SubMchID      string
	AppID         string
	SubAppID      string
	OutTradeNo    string
	TransactionID string
	TotalFee      int64
	TradeState    string // ACCEPT, SUCCESS, PAYERROR
	TradeScene    string
	OpenID        string
	Attach        string
	TimeEnd       string
	BankType      string
	NotifyURL     string
	Canonical     string
	Outcome       Outcome
}

// v2Entry is a 用户入场通知: where plate-state changes are sent.
type v2Entry struct {
	MchID, SubMchID, AppID, SubAppID string
	PlateNumber                      string
	NotifyURL                        string
}

type state struct {
	plates       map[string]*Plate       // plate number + "|" + colour
	parkings     map[string]*parking     // by id
	byOutParking map[string]*parking     // mchid + "|" + out_parking_no
	validParking map[string]string       // plate key → newest parking id
	txns         map[string]*transaction // mchid + "|" + out_trade_no
	v2Orders     map[string]*v2Order     // mchid + "|" + out_trade_no
	v2Entries    map[string]*v2Entry     // plate number → latest entry notification
	v2ByTxnID    map[string]*v2Order     // transaction_id → order
}

func (s *state) init() {
	s.plates = map[string]*Plate{}
	s.parkings = map[string]*parking{}
	s.byOutParking = map[string]*parking{}
	s.validParking = map[string]string{}
	s.txns = map[string]*transaction{}
	s.v2Orders = map[string]*v2Order{}
	s.v2Entries = map[string]*v2Entry{}
	s.v2ByTxnID = map[string]*v2Order{}
}

func plateKey(number, color string) string { return number + "|" + color }

// plateByNumber finds an enrolment by number alone (APIv2 has no colour).
func (s *state) plateByNumber(number string) *Plate {
	for _, c := range []string{"BLUE", "GREEN", "YELLOW", "LIMEGREEN", "WHITE", "BLACK"} {
		if p, ok := s.plates[plateKey(number, c)]; ok {
			return p
		}
	}
	return nil
}

// RequestRecord is one request the mock answered, for tests and the
// control API.
type RequestRecord struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	URI       string    `json:"uri"`
	MchID     string    `json:"mchid,omitempty"`
	Status    int       `json:"status"`
	Code      string    `json:"code,omitempty"`
	RequestID string    `json:"request_id"`
	Fault     string    `json:"fault,omitempty"`
}

// EnrolPlate enrols (or updates) a plate. An empty ServiceState means
// NORMAL and an empty Outcome means SUCCESS.
func (h *Handler) EnrolPlate(p Plate) error {
	if !validPlate(p.PlateNumber) {
		return errf("plate_number %q is not a plate (province + letters and digits, no separators)", p.PlateNumber)
	}
	if !validColor(p.PlateColor) {
		return errf("plate_color %q is not one of BLUE GREEN YELLOW BLACK WHITE LIMEGREEN", p.PlateColor)
	}
	if p.OpenID == "" || len(p.OpenID) > 32 {
		return errf("openid must be 1–32 characters")
	}
	switch p.ServiceState {
	case "":
		p.ServiceState = StateNormal
	case StateNormal, StatePause, StateOutService:
	default:
		return errf("service_state %q is not one of NORMAL PAUSE OUT_SERVICE", p.ServiceState)
	}
	switch p.Outcome {
	case "":
		p.Outcome = OutcomeSuccess
	case OutcomeSuccess, OutcomeFail, OutcomeAdvance:
	default:
		return errf("outcome %q is not one of SUCCESS PAY_FAIL ADVANCE", p.Outcome)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.OpenTime.IsZero() {
		p.OpenTime = h.now()
	}
	h.st.plates[plateKey(p.PlateNumber, p.PlateColor)] = &p
	return nil
}

// Plates returns the enrolled plates.
func (h *Handler) Plates() []Plate {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Plate, 0, len(h.st.plates))
	for _, p := range h.st.plates {
		out = append(out, *p)
	}
	return out
}

// Requests returns every request answered so far, oldest first.
func (h *Handler) Requests() []RequestRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]RequestRecord(nil), h.log...)
}

// SetPlateState changes an enrolled plate's service state, as a user
// pausing or resuming the service would. Every open stay of the plate
// changes with it, and its VEHICLE.ENTRANCE_STATE_CHANGE callback (and the
// APIv2 plate-state callback, for APIv2 entries) is queued.
func (h *Handler) SetPlateState(number, color, serviceState string) error {
	switch serviceState {
	case StateNormal, StatePause, StateOutService:
	default:
		return errf("service_state %q is not one of NORMAL PAUSE OUT_SERVICE", serviceState)
	}
	h.mu.Lock()
	p, ok := h.st.plates[plateKey(number, color)]
	if !ok {
		h.mu.Unlock()
		return errf("plate %s %s is not enrolled", number, color)
	}
	p.ServiceState = serviceState
	var events []func()
	if id, ok := h.st.validParking[plateKey(number, color)]; ok {
		pk := h.st.parkings[id]
		if !pk.charged {
			pk.State, pk.BlockReason = parkingState(p)
			events = append(events, h.entranceEvent(pk))
		}
	}
	if e, ok := h.st.v2Entries[number]; ok {
		events = append(events, h.v2PlateEvent(e, p))
	}
	h.mu.Unlock()
	for _, ev := range events {
		ev()
	}
	return nil
}

// parkingState is the stay state a plate's enrolment gives.
func parkingState(p *Plate) (string, string) {
	switch {
	case p == nil:
		return "BLOCKED", "OUT_SERVICE"
	case p.ServiceState == StatePause:
		return "BLOCKED", "PAUSE"
	case p.ServiceState == StateOutService:
		return "BLOCKED", "OUT_SERVICE"
	case p.V2UserState == "OVERDUE":
		return "BLOCKED", "OVERDUE"
	}
	return "NORMAL", ""
}

// Order is a deduction the mock accepted (APIv3 transactions/parking or
// APIv2 payapply): exactly one per charge, however often it was requested.
type Order struct {
	Version     string `json:"version"` // "v3" or "v2"
	MchID       string `json:"mchid"`
	OutTradeNo  string `json:"out_trade_no"`
	ParkingID   string `json:"parking_id,omitempty"`
	PlateNumber string `json:"plate_number,omitempty"`
	TotalFen    int64  `json:"total_fen"`
	TradeState  string `json:"trade_state"`
}

// Orders lists every deduction accepted so far, sorted by order number:
// the ground truth for "charged exactly once".
func (h *Handler) Orders() []Order {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Order
	for _, t := range h.st.txns {
		o := Order{Version: "v3", MchID: t.mchID, OutTradeNo: t.OutTradeNo, TotalFen: t.Amount.Total, TradeState: t.TradeState}
		if t.ParkingInfo != nil {
			o.ParkingID, o.PlateNumber = t.ParkingInfo.ParkingID, t.ParkingInfo.PlateNumber
		}
		out = append(out, o)
	}
	for _, v := range h.st.v2Orders {
		out = append(out, Order{Version: "v2", MchID: v.MchID, OutTradeNo: v.OutTradeNo, TotalFen: v.TotalFee, TradeState: v.TradeState})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OutTradeNo < out[j].OutTradeNo })
	return out
}
