package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatepay/gatepay/billing"
	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/plate"
)

// readPlate parses a read and combines the camera colour. It returns the
// plate and "" (colour unknown: no contactless payment for this car).
func (c *Controller) readPlate(ev Event) (plate.Plate, error) {
	p, err := plate.Parse(ev.PlateText)
	if err != nil {
		return plate.Plate{}, err
	}
	cam, err := plate.ParseColor(ev.CameraColor)
	if err != nil {
		cam = ""
	}
	withColor, err := p.WithColor(cam)
	if err != nil && withColor.Color == "" {
		c.log.Info("gate: plate colour unknown", "lane", ev.Lane, "kind", p.Kind)
	}
	return withColor, nil
}

func (c *Controller) entry(ctx context.Context, ev Event) (Decision, error) {
	p, err := c.readPlate(ev)
	if err != nil {
		return Decision{Action: PayOtherWay, Reason: ReasonUnreadable, Message: err.Error()}, nil
	}
	sctx, cancel := storeCtx()
	defer cancel()
	// One open stay per plate: a second entry is a cloned plate or a missed
	// exit. The old stay is kept for review; the car still gets in.
	if old, err := c.cfg.Store.OpenStay(sctx, p.Number); err == nil {
		if _, err := c.update(sctx, old.ID, func(s *Stay) bool {
			if !s.Status.Open() {
				return false
			}
			s.Status = StatusSuperseded
			return true
		}); err != nil {
			return Decision{Plate: p.Number}, err
		}
		alert := ClonedPlateAlert{Plate: p.Number, PreviousStay: old.ID, PreviousLane: old.LaneIn, PreviousEntry: old.EntryTime, Lane: ev.Lane, Time: ev.Time}
		_ = c.cfg.Store.AddEvent(sctx, EventRecord{Time: ev.Time, StayID: old.ID, Lane: ev.Lane, Kind: "alert",
			Plate: p.Number, Detail: "entered again while inside (cloned plate or missed exit)"})
		c.log.Warn("gate: plate entered while inside", "stay", old.ID, "lane", ev.Lane)
		if c.cfg.OnClonedPlate != nil {
			c.cfg.OnClonedPlate(alert)
		}
	} else if !errors.Is(err, ErrNotFound) {
		return Decision{Plate: p.Number}, err
	}

	now := c.now()
	st := Stay{ID: newStayID(ev.Time), Plate: p.Number, PlateColor: string(p.Color), PlateKind: string(p.Kind), Vehicle: c.cfg.VehicleClass(p),
		Status: StatusInside, LaneIn: ev.Lane, EntryTime: ev.Time, EntryPhoto: ev.Evidence.PhotoRef, EntrySHA256: ev.Evidence.PhotoSHA256, UpdatedAt: now}
	d := Decision{Action: Open, Reason: ReasonEntered, Plate: p.Number, StayID: st.ID}
	var items []OutboxItem
	if p.Color != "" {
		it, err := c.entryItem(st, now)
		if err != nil {
			return d, err
		}
		if it != nil {
			items = append(items, *it)
		}
	} else {
		d.Message = "plate colour unknown: the car will pay another way"
	}
	if err := c.cfg.Store.CreateStay(sctx, st, items...); err != nil {
		return d, fmt.Errorf("gate: storing the stay: %w", err)
	}
	_ = c.cfg.Store.AddEvent(sctx, EventRecord{Time: ev.Time, StayID: st.ID, Lane: ev.Lane, Kind: "entry", Plate: p.Number,
		Detail: fmt.Sprintf("colour %q, confidence %.2f, photo %s %s", p.Color, ev.Confidence, ev.Evidence.PhotoRef, ev.Evidence.PhotoSHA256)})
	// Report the entry now if the budget allows; the outbox finishes it
	// otherwise. The barrier opens either way.
	for _, it := range items {
		c.attempt(ctx, it, true)
	}
	return d, nil
}

// entryItem builds the outbox item that reports an entry to WeChat, leased
// to this controller so it can attempt it at once.
func (c *Controller) entryItem(st Stay, now time.Time) (*OutboxItem, error) {
	var kind OutboxKind
	var payload any
	switch c.cfg.Scene {
	case SceneParking:
		kind = OutboxEntryV3
		payload = client.CreateParkingRequest{SubMchID: c.cfg.SubMchID, OutParkingNo: st.ID, PlateNumber: st.Plate,
			PlateColor: client.PlateColor(st.PlateColor), NotifyURL: c.cfg.ParkingNotifyURL, StartTime: st.EntryTime,
			ParkingName: c.cfg.ParkingName, FreeDuration: c.cfg.FreeDuration}
	case SceneParkingV2, SceneRoadside:
		kind = OutboxEntryV2
		req := client.NotifyEntryRequest{AppID: c.cfg.AppID, SubAppID: c.cfg.SubAppID, SubMchID: c.cfg.SubMchID, StartTime: st.EntryTime,
			NotifyURL: c.cfg.ParkingNotifyURL, ParkingName: c.cfg.ParkingName, FreeTime: c.cfg.FreeDuration, CarType: carType(st.Vehicle)}
		if c.cfg.Scene == SceneRoadside {
			req.TradeScene, req.SpaceNumber = client.ScenePARKINGSPACE, st.LaneIn
		} else {
			req.TradeScene, req.PlateNumber = client.ScenePARKING, st.Plate
		}
		payload = req
	default:
		return nil, nil // highway entrances are only recorded
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return &OutboxItem{ID: st.ID + "/entry", StayID: st.ID, Kind: kind, Payload: b, NextAt: now, Owner: c.owner,
		LeaseUntil: now.Add(lease), CreatedAt: now}, nil
}

func carType(vehicle string) string {
	if vehicle == "large" {
		return "大型车"
	}
	return "小型车"
}

// findStay matches an exit read to a stay: exactly, or through the camera
// confusions plate.Match knows, never guessing between two cars.
func (c *Controller) findStay(ctx context.Context, ev Event) (Stay, string, *Decision, error) {
	// The common case is an exact read: one indexed lookup, then the few
	// cars held at an exit while their deduction is pending.
	p, perr := plate.Parse(ev.PlateText)
	if perr == nil {
		s, err := c.cfg.Store.OpenStay(ctx, p.Number)
		if err == nil {
			return s, "", nil, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Stay{}, "", nil, err
		}
		charging, err := c.cfg.Store.Stays(ctx, StatusCharging)
		if err != nil {
			return Stay{}, "", nil, err
		}
		for _, s := range charging {
			if s.Plate == p.Number {
				return s, "", nil, nil
			}
		}
	}
	// Otherwise match against every car inside, and every car held at an
	// exit while its deduction is pending.
	candidates, err := c.cfg.Store.Stays(ctx, StatusInside, StatusCharging)
	if err != nil {
		return Stay{}, "", nil, err
	}
	byPlate := map[string]Stay{}
	plates := make([]string, 0, len(candidates))
	for _, s := range candidates {
		byPlate[s.Plate] = s
		plates = append(plates, s.Plate)
	}
	if perr == nil {
		if s, ok := byPlate[p.Number]; ok {
			return s, "", nil, nil
		}
	}
	m := plate.Match(ev.PlateText, plates)
	best, ok := m.Best()
	switch {
	case ok:
		return byPlate[best.Number], ev.PlateText, nil, nil
	case m.Ambiguous:
		return Stay{}, "", &Decision{Action: PayOtherWay, Reason: ReasonAmbiguous, Message: fmt.Sprintf("the read could be any of %d cars inside", len(m.Candidates))}, nil
	}
	if perr != nil && len(m.Read) == 0 {
		return Stay{}, "", &Decision{Action: PayOtherWay, Reason: ReasonUnreadable, Message: perr.Error()}, nil
	}
	if !c.cfg.Scene.entryless() {
		return Stay{}, "", &Decision{Action: PayOtherWay, Reason: ReasonNoStay, Message: "no open stay matches the read"}, nil
	}
	return Stay{}, "", nil, ErrNotFound
}

func (c *Controller) exit(ctx context.Context, ev Event) (Decision, error) {
	sctx, cancel := storeCtx()
	defer cancel()
	st, matched, d, err := c.findStay(sctx, ev)
	if d != nil {
		return *d, nil
	}
	if errors.Is(err, ErrNotFound) && c.cfg.Scene.entryless() {
		// Gas and bridge: the stay begins and ends with this event.
		p, perr := c.readPlate(ev)
		if perr != nil {
			return Decision{Action: PayOtherWay, Reason: ReasonUnreadable, Message: perr.Error()}, nil
		}
		st = Stay{ID: newStayID(ev.Time), Plate: p.Number, PlateColor: string(p.Color), PlateKind: string(p.Kind), Vehicle: c.cfg.VehicleClass(p),
			Status: StatusInside, LaneIn: ev.Lane, EntryTime: ev.Time, UpdatedAt: c.now()}
		if err := c.cfg.Store.CreateStay(sctx, st); err != nil {
			return Decision{Plate: p.Number}, err
		}
		st.Version = 1
	} else if err != nil {
		return Decision{}, err
	}
	d0 := Decision{Plate: st.Plate, StayID: st.ID, MatchedRead: matched, OutTradeNo: st.OutTradeNo, FeeFen: st.FeeFen}

	switch st.Status {
	case StatusCharging:
		// A deduction is pending from an earlier read: finish it now.
		return c.settleAtLane(ctx, sctx, d0, st, "")
	case StatusInside:
	default:
		return d0, nil // unreachable: findStay returns inside or charging stays
	}

	// Price the stay.
	var q *billing.Quote
	fee := ev.AmountFen
	if fee <= 0 {
		if c.cfg.Rule == nil {
			return Decision{Action: PayOtherWay, Reason: ReasonNotUsable, Message: "no tariff rule and no amount", Plate: st.Plate, StayID: st.ID}, nil
		}
		quote, err := c.cfg.Rule.Quote(billing.Stay{Entry: st.EntryTime, Exit: ev.Time, Vehicle: st.Vehicle})
		if err != nil {
			return Decision{Action: PayOtherWay, Reason: ReasonNotUsable, Message: "cannot price the stay: " + err.Error(), Plate: st.Plate, StayID: st.ID}, nil
		}
		q, fee = &quote, quote.TotalFen
	}
	d0.Quote, d0.FeeFen = q, fee
	setExit := func(s *Stay) {
		s.LaneOut, s.ExitTime, s.ExitPhoto, s.ExitSHA256, s.FeeFen = ev.Lane, ev.Time, ev.Evidence.PhotoRef, ev.Evidence.PhotoSHA256, fee
	}
	if fee == 0 {
		if _, err := c.update(sctx, st.ID, func(s *Stay) bool {
			if s.Status != StatusInside {
				return false
			}
			setExit(s)
			s.Status = StatusFree
			return true
		}); err != nil {
			return d0, err
		}
		d0.Action, d0.Reason = Open, ReasonFree
		return d0, nil
	}

	// Can this car pay contactlessly?
	item, why, err := c.deductItem(ctx, st, ev, fee)
	if err != nil {
		return d0, err
	}
	if item == nil {
		d0.Action, d0.Reason, d0.Message = PayOtherWay, ReasonNotUsable, why
		if st.PlateColor == "" {
			d0.Reason = ReasonColorUnknown
		}
		return d0, nil
	}
	// The order number and the request are on disk before the first try.
	st, err = c.update(sctx, st.ID, func(s *Stay) bool {
		if s.Status != StatusInside {
			return false
		}
		setExit(s)
		s.Status, s.OutTradeNo = StatusCharging, outTradeNo(s.ID)
		return true
	}, *item)
	if err != nil {
		return d0, err
	}
	d0.OutTradeNo = st.OutTradeNo
	return c.settleAtLane(ctx, sctx, d0, st, item.ID)
}

// settleAtLane attempts (or resumes) the stay's deduction within the lane
// budget and turns the result into a decision. freshID names the item
// stored just now, whose first attempt need not query first.
func (c *Controller) settleAtLane(ctx, sctx context.Context, d Decision, st Stay, freshID string) (Decision, error) {
	items, err := c.cfg.Store.Outbox(sctx)
	if err != nil {
		return d, err
	}
	for _, it := range items {
		if it.StayID == st.ID && (it.Kind == OutboxDeductV3 || it.Kind == OutboxPayV2) {
			// Take it over for this attempt, unless another process is on it.
			claimed, ok, err := c.cfg.Store.ClaimItem(sctx, it.ID, c.owner, c.now(), lease)
			if err != nil {
				return d, err
			}
			if ok {
				c.attempt(ctx, claimed, claimed.ID == freshID && claimed.Attempts == 0)
			}
			break
		}
	}
	cur, err := c.cfg.Store.GetStay(sctx, st.ID)
	if err != nil {
		return d, err
	}
	d.OutTradeNo, d.FeeFen = cur.OutTradeNo, cur.FeeFen
	switch cur.Status {
	case StatusAccepted, StatusPaid, StatusSettled:
		d.Action, d.Reason = Open, ReasonCharged
		if st.Status != StatusInside && st.Status != StatusCharging {
			d.Reason = ReasonAlreadyCharged
		}
	case StatusRefused, StatusArrears:
		d.Action, d.Reason, d.Message = PayOtherWay, ReasonRefused, "WeChat refused the deduction"
	default: // still charging: no answer within the budget
		if c.cfg.OnTimeout == HoldOnTimeout {
			d.Action, d.Reason = Hold, ReasonTimeout
		} else {
			d.Action, d.Reason, d.Deferred = Open, ReasonDeferred, true
		}
	}
	return d, nil
}

// deductItem builds the deduction for a stay, or says why there can be
// none (not enrolled, paused, colour unknown …).
func (c *Controller) deductItem(ctx context.Context, st Stay, ev Event, fee int64) (*OutboxItem, string, error) {
	if st.PlateColor == "" && c.cfg.Scene.v3() {
		return nil, "plate colour unknown", nil
	}
	now := c.now()
	var kind OutboxKind
	var payload any
	otn := outTradeNo(st.ID)
	switch c.cfg.Scene {
	case SceneParking:
		if st.ParkingID == "" {
			return nil, "the entry was not reported to WeChat", nil
		}
		if st.ServiceState != "NORMAL" {
			return nil, "contactless payment is " + orText(st.BlockReason, st.ServiceState) + " for this plate", nil
		}
		kind = OutboxDeductV3
		payload = client.DeductRequest{AppID: c.cfg.AppID, SubAppID: c.cfg.SubAppID, SubMchID: c.cfg.SubMchID, Description: c.cfg.Description,
			OutTradeNo: otn, NotifyURL: c.cfg.PayNotifyURL, TotalFen: fee,
			Parking: client.ParkingInfo{ParkingID: st.ParkingID, PlateNumber: st.Plate, PlateColor: client.PlateColor(st.PlateColor),
				StartTime: st.EntryTime, EndTime: ev.Time, ParkingName: c.cfg.ParkingName,
				ChargingDuration: ev.Time.Sub(st.EntryTime).Truncate(time.Second), DeviceID: ev.Lane}}
	default:
		// APIv2: the user must be in service now.
		us, err := c.cfg.Client.QueryUserState(ctx, client.QueryUserStateRequest{AppID: c.cfg.AppID, SubAppID: c.cfg.SubAppID, SubMchID: c.cfg.SubMchID,
			TradeScene: v2Scene(c.cfg.Scene), PlateNumber: st.Plate})
		if err != nil {
			return nil, "user state unknown: " + err.Error(), nil
		}
		if !us.Normal() {
			return nil, "车主 service state is " + us.State, nil
		}
		kind = OutboxPayV2
		req := client.PayApplyRequest{AppID: c.cfg.AppID, SubAppID: c.cfg.SubAppID, SubMchID: c.cfg.SubMchID, Body: c.cfg.Description,
			OutTradeNo: otn, TotalFen: fee, SpbillCreateIP: c.cfg.SpbillCreateIP, NotifyURL: c.cfg.PayNotifyURL, OpenID: us.OpenID}
		payload, err = c.v2Payload(req, st, ev)
		if err != nil {
			return nil, err.Error(), nil
		}
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, "", err
	}
	return &OutboxItem{ID: st.ID + "/pay", StayID: st.ID, Kind: kind, Payload: b, NextAt: now, Owner: c.owner, LeaseUntil: now.Add(lease), CreatedAt: now}, "", nil
}

func orText(a, b string) string {
	if a != "" {
		return a
	}
	if b == "" {
		return "not available"
	}
	return b
}

func v2Scene(s Scene) string {
	switch s {
	case SceneParkingV2:
		return client.ScenePARKING
	case SceneRoadside:
		return client.ScenePARKINGSPACE
	}
	return string(s)
}

// v2Payload is a payapply with its scene, stored as JSON.
type v2Payload struct {
	Request client.PayApplyRequest
	Scene   string
	Parking *client.ParkingScene      `json:",omitempty"`
	Space   *client.ParkingSpaceScene `json:",omitempty"`
	Highway *client.HighwayScene      `json:",omitempty"`
	Gas     *client.GasScene          `json:",omitempty"`
	Bridge  *client.BridgeScene       `json:",omitempty"`
}

func (p v2Payload) request() client.PayApplyRequest {
	r := p.Request
	switch {
	case p.Parking != nil:
		r.Scene = *p.Parking
	case p.Space != nil:
		r.Scene = *p.Space
	case p.Highway != nil:
		r.Scene = *p.Highway
	case p.Gas != nil:
		r.Scene = *p.Gas
	case p.Bridge != nil:
		r.Scene = *p.Bridge
	}
	return r
}

func (c *Controller) v2Payload(req client.PayApplyRequest, st Stay, ev Event) (v2Payload, error) {
	p := v2Payload{Request: req, Scene: string(c.cfg.Scene)}
	dur := ev.Time.Sub(st.EntryTime).Truncate(time.Second)
	switch c.cfg.Scene {
	case SceneParkingV2:
		p.Parking = &client.ParkingScene{StartTime: st.EntryTime, EndTime: ev.Time, ChargingDuration: dur, PlateNumber: st.Plate,
			ParkingName: c.cfg.ParkingName, CarType: carType(st.Vehicle), FreeTime: c.cfg.FreeDuration}
	case SceneRoadside:
		p.Space = &client.ParkingSpaceScene{StartTime: st.EntryTime, EndTime: ev.Time, ChargingDuration: dur, SpaceNumber: st.LaneIn,
			CarType: carType(st.Vehicle), ParkingName: c.cfg.ParkingName}
	case SceneHighway:
		p.Highway = &client.HighwayScene{StartTime: st.EntryTime, EndTime: ev.Time, PlateNumber: st.Plate, CarType: carType(st.Vehicle),
			EntranceName: st.LaneIn, ExitName: ev.Lane, ChannelType: c.cfg.ChannelType}
	case SceneGas:
		if ev.Fuel == nil {
			return p, errors.New("a fuel sale needs Event.Fuel")
		}
		f := ev.Fuel
		p.Gas = &client.GasScene{StartTime: ev.Time, PlateNumber: st.Plate, GasStation: c.cfg.ParkingName, GasLabelName: f.Label,
			GasType: f.Type, GasStandard: f.Standard, GasAmount: f.Amount, GasGunNo: f.GunNo, CarType: carType(st.Vehicle)}
	case SceneBridge:
		p.Bridge = &client.BridgeScene{StartTime: ev.Time, PlateNumber: st.Plate, ExitName: ev.Lane, CarType: carType(st.Vehicle)}
	}
	return p, nil
}
