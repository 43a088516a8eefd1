package gate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatepay/gatepay/billing"
	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/plate"
)

// Direction says whether a car is coming in or going out.
type Direction string

// Directions.
const (
	Entry Direction = "entry"
	Exit  Direction = "exit"
)

// Evidence ties an event to the picture that shows it (留存出入记录及照片),
// so a disputed charge can be traced.
type Evidence struct {
	PhotoRef    string // where the vendor keeps the picture
	PhotoSHA256 string // its hash, hex
}

// Event is one camera read at a lane.
type Event struct {
	Lane      string
	Direction Direction
	// PlateText is the plate as the camera read it (any spelling Parse
	// cleans: dots, full width, lower case …).
	PlateText string
	// CameraColor is the plate colour the camera reported (BLUE, 蓝 …),
	// needed for ordinary plates; empty when unknown.
	CameraColor string
	// Confidence is the camera's confidence in [0, 1], 0 when unknown.
	Confidence float64
	// Time is when the car was seen; the controller's clock when zero.
	Time     time.Time
	Evidence Evidence
	// AmountFen, when > 0, is the amount to charge instead of a tariff
	// quote (a pump's total, a motorway toll).
	AmountFen int64
	// Fuel describes the sale for SceneGas.
	Fuel *Fuel
}

// Fuel is a fuel sale at a pump (SceneGas).
type Fuel struct {
	Label    string // e.g. "95"
	Type     string // e.g. "汽油"
	Standard string // e.g. "国VI"
	Amount   string // litres, e.g. "40.00"
	GunNo    string
}

// Action is what the barrier should do.
type Action string

// Actions.
const (
	// Open the barrier.
	Open Action = "open"
	// Hold the barrier closed: WeChat did not answer within the budget and
	// the policy is HoldOnTimeout. A new read of the car decides again.
	Hold Action = "hold"
	// PayOtherWay: contactless payment is not possible for this car; take
	// the fee by QR code or cashier, then call CloseOther.
	PayOtherWay Action = "pay_other_way"
)

// Reason says why a decision was taken.
type Reason string

// Reasons.
const (
	ReasonEntered        Reason = "entered"
	ReasonCharged        Reason = "charged"          // deduction accepted
	ReasonAlreadyCharged Reason = "already_charged"  // a repeat exit after acceptance
	ReasonFree           Reason = "free"             // nothing to pay
	ReasonUnreadable     Reason = "plate_unreadable" // no plate in the read
	ReasonColorUnknown   Reason = "color_unknown"    // an ordinary plate without camera colour
	ReasonNoStay         Reason = "no_entry_record"
	ReasonAmbiguous      Reason = "ambiguous_read" // the read could be two cars inside
	ReasonNotUsable      Reason = "contactless_not_available"
	ReasonRefused        Reason = "deduction_refused"
	ReasonDeferred       Reason = "no_answer_opened" // OpenAndCollectLater applied
	ReasonTimeout        Reason = "no_answer_held"   // HoldOnTimeout applied
	ReasonUnpaid         Reason = "unpaid"           // arrears or refused earlier
)

// Decision is what the controller tells the lane.
type Decision struct {
	Action  Action
	Reason  Reason
	Message string
	// Plate is the canonical plate (the matched stay's plate on exit).
	Plate  string
	StayID string
	// Quote is the fee and its breakdown, on exit.
	Quote      *billing.Quote
	FeeFen     int64
	OutTradeNo string
	// Deferred is true when the barrier opened before WeChat answered
	// (OpenAndCollectLater): the deduction stays in the outbox.
	Deferred bool
	// Duplicate is true when this read repeats one already decided.
	Duplicate bool
	// MatchedRead is the raw read when it matched a stay through camera
	// confusions (8/B, 0/D …) rather than exactly.
	MatchedRead string
}

// TimeoutPolicy decides what happens when WeChat has not answered a
// deduction within the lane budget.
type TimeoutPolicy int

const (
	// OpenAndCollectLater opens the barrier; the outbox keeps the
	// deduction until WeChat answers.
	OpenAndCollectLater TimeoutPolicy = iota
	// HoldOnTimeout keeps the barrier closed; the outbox goes on, and the
	// next read of the car decides again.
	HoldOnTimeout
)

// Scene is the kind of site the controller runs.
type Scene string

// Scenes.
const (
	SceneParking   Scene = "PARKING"       // parking lot, APIv3 支付分停车
	SceneParkingV2 Scene = "PARKING_V2"    // parking lot, APIv2 车主平台
	SceneRoadside  Scene = "PARKING SPACE" // roadside bays, APIv2
	SceneHighway   Scene = "HIGHWAY"       // entrance and exit stations, APIv2
	SceneGas       Scene = "GAS"           // one event at the pump, APIv2
	SceneBridge    Scene = "BRIDGE"        // one event at the toll, APIv2
)

func (s Scene) v3() bool { return s == SceneParking }

// entryless scenes charge at a single event.
func (s Scene) entryless() bool { return s == SceneGas || s == SceneBridge }

// ClonedPlateAlert reports a plate seen entering while already inside (套牌,
// or a missed exit).
type ClonedPlateAlert struct {
	Plate         string
	PreviousStay  string
	PreviousLane  string
	PreviousEntry time.Time
	Lane          string
	Time          time.Time
}

// Config configures a Controller.
type Config struct {
	Client *client.Client // required
	Store  Store          // required
	// Rule prices stays; required unless every event carries AmountFen.
	Rule  *billing.Rule
	Scene Scene // SceneParking when empty

	AppID, SubAppID, SubMchID string // WeChat ids; SubMchID in partner mode
	ParkingName               string // the lot's name as WeChat shows it
	// FreeDuration is the free period reported to WeChat at entry.
	FreeDuration time.Duration
	// ParkingNotifyURL receives entrance-state callbacks; PayNotifyURL
	// payment results. Serve them with NotifyHandler / NotifyHandlerV2.
	ParkingNotifyURL, PayNotifyURL string
	Description                    string // on the user's bill; "停车费" when empty
	// ChannelType is ETC or MTC for SceneHighway (MTC when empty).
	ChannelType string
	// SpbillCreateIP is this server's IP for APIv2 (127.0.0.1 when empty).
	SpbillCreateIP string

	// Budget bounds Handle (1.5 s when zero).
	Budget    time.Duration
	OnTimeout TimeoutPolicy
	// RepeatWindow merges reads of one plate at one lane (10 s when zero).
	RepeatWindow time.Duration
	// VehicleClass maps a plate to a tariff vehicle class; by default
	// new-energy kinds are "new_energy", yellow plates "large", else
	// "small".
	VehicleClass  func(plate.Plate) string
	OnClonedPlate func(ClonedPlateAlert)
	Clock         func() time.Time
	Logger        *slog.Logger
	// Owner names this controller in outbox leases (random when empty).
	Owner string
}

// Controller turns lane events into barrier decisions. It is safe for
// concurrent use by every lane of a site.
type Controller struct {
	cfg   Config
	now   func() time.Time
	log   *slog.Logger
	owner string

	mu      sync.Mutex
	repeats map[string]repeat

	// crash, when set (tests), stops an outbox attempt at a point
	// ("before", "after") as if the process died there: nothing after it
	// runs, the item keeps its lease until it expires.
	crash func(point string, it OutboxItem) bool
}

type repeat struct {
	at time.Time
	d  Decision
}

// lease is how long an outbox attempt may hold its item.
const lease = 30 * time.Second

// New checks cfg and returns a Controller. Start its outbox worker with
// Run.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Store == nil {
		return nil, errors.New("gate: Config needs Client and Store")
	}
	if cfg.Scene == "" {
		cfg.Scene = SceneParking
	}
	switch cfg.Scene {
	case SceneParking, SceneParkingV2, SceneRoadside, SceneHighway, SceneGas, SceneBridge:
	default:
		return nil, fmt.Errorf("gate: unknown scene %q", cfg.Scene)
	}
	if cfg.AppID == "" {
		return nil, errors.New("gate: Config needs AppID")
	}
	if cfg.PayNotifyURL == "" || cfg.Scene == SceneParking && cfg.ParkingNotifyURL == "" {
		return nil, errors.New("gate: Config needs PayNotifyURL (and ParkingNotifyURL for SceneParking)")
	}
	if (cfg.Scene == SceneParking || cfg.Scene == SceneParkingV2) && cfg.ParkingName == "" {
		return nil, errors.New("gate: Config needs ParkingName")
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 1500 * time.Millisecond
	}
	if cfg.RepeatWindow <= 0 {
		cfg.RepeatWindow = 10 * time.Second
	}
	if cfg.Description == "" {
		cfg.Description = "停车费"
	}
	if cfg.ChannelType == "" {
		cfg.ChannelType = "MTC"
	}
	if cfg.SpbillCreateIP == "" {
		cfg.SpbillCreateIP = "127.0.0.1"
	}
	if cfg.VehicleClass == nil {
		cfg.VehicleClass = DefaultVehicleClass
	}
	c := &Controller{cfg: cfg, now: cfg.Clock, log: cfg.Logger, owner: cfg.Owner, repeats: map[string]repeat{}}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.owner == "" {
		c.owner = "gate-" + randomID(8)
	}
	return c, nil
}

// DefaultVehicleClass: new-energy plates are "new_energy", yellow plates
// "large", everything else "small".
func DefaultVehicleClass(p plate.Plate) string {
	switch {
	case p.Kind == plate.KindNewEnergySmall || p.Kind == plate.KindNewEnergyLarge:
		return "new_energy"
	case p.Color == plate.ColorYellow:
		return "large"
	}
	return "small"
}

const idAlphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// newStayID is the stay id, sent as out_parking_no: "P", the entry time
// and 8 random characters (23 bytes; the order number "T…" derived from it
// fits WeChat's 32).
func newStayID(t time.Time) string {
	return "P" + t.In(shanghai).Format("20060102150405") + randomID(8)
}

var shanghai = time.FixedZone("CST", 8*3600)

// outTradeNo derives the order number from the stay id, once per stay.
func outTradeNo(stayID string) string { return "T" + stayID[1:] }

// Handle decides what a lane does with one camera read, within the budget.
// Everything it decides is on the Store before it returns. It returns an
// error only when the Store fails; the decision is then PayOtherWay.
func (c *Controller) Handle(ctx context.Context, ev Event) (Decision, error) {
	if ev.Time.IsZero() {
		ev.Time = c.now()
	}
	if ev.Lane == "" {
		return Decision{Action: PayOtherWay, Reason: ReasonUnreadable, Message: "event without a lane"}, errors.New("gate: event without a lane")
	}
	key := ev.Lane + "|" + string(ev.Direction) + "|" + normalizedOrRaw(ev.PlateText)
	if d, ok := c.repeated(key, ev.Time); ok {
		return d, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Budget)
	defer cancel()
	var d Decision
	var err error
	switch {
	case ev.Direction == Entry && !c.cfg.Scene.entryless():
		d, err = c.entry(ctx, ev)
	case ev.Direction == Exit || ev.Direction == Entry && c.cfg.Scene.entryless():
		d, err = c.exit(ctx, ev)
	default:
		return Decision{Action: PayOtherWay, Message: "unknown direction"}, fmt.Errorf("gate: unknown direction %q", ev.Direction)
	}
	if err != nil {
		return Decision{Action: PayOtherWay, Reason: d.Reason, Message: "not recorded: " + err.Error(), Plate: d.Plate}, err
	}
	if d.Action != Hold {
		c.remember(key, ev.Time, d)
	}
	c.record(ev, d)
	return d, nil
}

func normalizedOrRaw(s string) string {
	if p, err := plate.Parse(s); err == nil {
		return p.Number
	}
	return s
}

func (c *Controller) repeated(key string, at time.Time) (Decision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.repeats[key]
	if !ok || at.Sub(r.at) > c.cfg.RepeatWindow || at.Before(r.at) {
		return Decision{}, false
	}
	d := r.d
	d.Duplicate = true
	return d, true
}

func (c *Controller) remember(key string, at time.Time, d Decision) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.repeats) > 4096 {
		for k, r := range c.repeats {
			if at.Sub(r.at) > c.cfg.RepeatWindow {
				delete(c.repeats, k)
			}
		}
	}
	c.repeats[key] = repeat{at, d}
}

func (c *Controller) record(ev Event, d Decision) {
	detail := fmt.Sprintf("%s %s: %s %s", ev.Direction, ev.Lane, d.Action, d.Reason)
	if d.FeeFen > 0 {
		detail += fmt.Sprintf(" fee %d", d.FeeFen)
	}
	if d.Deferred {
		detail += " deferred"
	}
	if ev.Evidence.PhotoRef != "" {
		detail += " photo " + ev.Evidence.PhotoRef
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.cfg.Store.AddEvent(ctx, EventRecord{Time: ev.Time, StayID: d.StayID, Lane: ev.Lane, Kind: "decision", Plate: d.Plate, Detail: detail}); err != nil {
		c.log.Warn("gate: audit trail", "error", err)
	}
	c.log.Info("gate decision", "lane", ev.Lane, "direction", ev.Direction, "action", d.Action, "reason", d.Reason, "stay", d.StayID)
}

// storeCtx is for writes that must not be cut short by the lane budget.
func storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// update re-reads the stay and applies change until the conditional update
// goes through (or change says there is nothing to do).
func (c *Controller) update(ctx context.Context, id string, change func(*Stay) bool, items ...OutboxItem) (Stay, error) {
	for range 10 {
		s, err := c.cfg.Store.GetStay(ctx, id)
		if err != nil {
			return Stay{}, err
		}
		if !change(&s) {
			return s, nil
		}
		s.UpdatedAt = c.now()
		err = c.cfg.Store.UpdateStay(ctx, s, items...)
		if err == nil {
			s.Version++
			return s, nil
		}
		if !errors.Is(err, ErrConflict) {
			return Stay{}, err
		}
	}
	return Stay{}, fmt.Errorf("gate: stay %s: too many concurrent updates", id)
}

// Errors of CloseOther.
var (
	// ErrDeductionPending: a contactless deduction for the stay is still
	// unresolved; collecting another way now could charge the driver twice.
	// Let the outbox resolve it (Drain/Run) and look again.
	ErrDeductionPending = errors.New("gate: a deduction for this stay is pending")
	// ErrAlreadySettled: the stay was already paid, accepted, free or
	// closed.
	ErrAlreadySettled = errors.New("gate: the stay is already settled")
)

// CloseOther records that a stay was paid another way (QR, cashier) after
// a PayOtherWay decision, freeing its plate. It refuses stays whose
// contactless deduction is pending or done.
func (c *Controller) CloseOther(ctx context.Context, stayID string) error {
	var refusal error
	_, err := c.update(ctx, stayID, func(s *Stay) bool {
		switch {
		case s.Status == StatusCharging:
			refusal = ErrDeductionPending
			return false
		case s.Status != StatusInside && !s.Status.Unpaid():
			refusal = ErrAlreadySettled
			return false
		}
		refusal = nil
		s.Status = StatusOther
		if s.ExitTime.IsZero() {
			s.ExitTime = c.now()
		}
		return true
	})
	if err != nil {
		return err
	}
	return refusal
}

// Unpaid lists stays whose money is still to be collected: arrears (the
// debit failed), refused deductions, and superseded stays.
func (c *Controller) Unpaid(ctx context.Context) ([]Stay, error) {
	return c.cfg.Store.Stays(ctx, StatusArrears, StatusRefused, StatusSuperseded)
}

// Store returns the controller's store.
func (c *Controller) Store() Store { return c.cfg.Store }
