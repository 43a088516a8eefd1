package gate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/billing"
	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/mock"
	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	tMch   = "1900009191"
	tSer   = "3775B6A45ACD588826D15E583A95F5DD"
	tAPIv3 = "a7cde1ZJB1kG2e0YkI5T4Q8d9Xr3Vb6N"
	tAPIv2 = "192006250b4c09247ec02edce69f6a2d"
	tAppID = "wxcbda96de0b165486"
)

// A simple tariff: 15 minutes free, the first hour 5 yuan, then 2 yuan per
// half hour.
const tariff = `{"model":"parking-tariff/v1","free":{"minutes":15},
 "bands":{"all":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":30,"unit_fen":200}]}}}`

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     testing.TB
	srv   *mock.Server
	cl    *client.Client
	clk   *clock
	gate  *Controller
	store Store
	ntf   *httptest.Server
	cfg   Config
}

func keyPEM(t testing.TB, name string) []byte {
	b, err := os.ReadFile("../signing/testdata/vectors/keys/" + name)
	require.NoError(t, err)
	return b
}

// newEnv wires a mock WeChat Pay, a client, the controller's notification
// endpoint and a controller; edit adjusts the controller's config.
func newEnv(t *testing.T, store Store, mockOpts []mock.Option, edit func(*Config)) *env {
	return newEnvWith(t, store, mockOpts, edit)
}

func newEnvTB(tb testing.TB) *env { return newEnvWith(tb, NewMemoryStore(), nil, nil) }

func newEnvWith(t testing.TB, store Store, mockOpts []mock.Option, edit func(*Config)) *env {
	t.Helper()
	clk := &clock{t: time.Date(2025, 12, 3, 8, 0, 0, 0, shanghai)}
	mkey, err := signing.LoadPrivateKey(keyPEM(t, "merchant_private_key.pem"))
	require.NoError(t, err)
	srv := mock.NewServer(append([]mock.Option{
		mock.WithKeyPEM(mock.DefaultPublicKeyID, keyPEM(t, "wechatpay_private_key.pem")),
		mock.WithAPIKeys(tAPIv3, tAPIv2), mock.WithClock(clk.now), mock.WithSeed(5),
		mock.WithCallbackMode(mock.CallbackManual),
		mock.WithMerchant(mock.Merchant{MchID: tMch, SerialNo: tSer, PublicKey: &mkey.PublicKey}),
	}, mockOpts...)...)
	t.Cleanup(srv.Close)
	cl, err := client.New(client.WithMerchant(tMch, tSer, keyPEM(t, "merchant_private_key.pem")),
		client.WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()), client.WithAPIv3Key(tAPIv3), client.WithAPIv2Key(tAPIv2),
		client.WithBaseURL(srv.URL()), client.WithClock(clk.now),
		client.WithRetry(client.RetryPolicy{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = cl.Close() })
	rule, err := billing.ParseRule([]byte(tariff))
	require.NoError(t, err)
	e := &env{t: t, srv: srv, cl: cl, clk: clk, store: store}
	mux := http.NewServeMux()
	e.ntf = httptest.NewServer(mux)
	t.Cleanup(e.ntf.Close)
	e.cfg = Config{Client: cl, Store: store, Rule: rule, AppID: tAppID, ParkingName: "欢乐海岸停车场", FreeDuration: 15 * time.Minute,
		ParkingNotifyURL: e.ntf.URL + "/wx/parking", PayNotifyURL: e.ntf.URL + "/wx/pay", Clock: clk.now, Budget: 2 * time.Second, Owner: "lane-box-1"}
	if edit != nil {
		edit(&e.cfg)
	}
	e.gate, err = New(e.cfg)
	require.NoError(t, err)
	mux.Handle("/wx/", e.gate.NotifyHandler(nil))
	mux.Handle("/wx2/", e.gate.NotifyHandlerV2(nil))
	return e
}

func (e *env) enrol(number string, mods ...func(*mock.Plate)) {
	p := mock.Plate{PlateNumber: number, PlateColor: "BLUE", OpenID: "o-" + number}
	for _, m := range mods {
		m(&p)
	}
	require.NoError(e.t, e.srv.EnrolPlate(p))
}

func (e *env) handle(lane string, dir Direction, read string) Decision {
	e.t.Helper()
	d, err := e.gate.Handle(context.Background(), Event{Lane: lane, Direction: dir, PlateText: read, CameraColor: "BLUE", Time: e.clk.now(),
		Evidence: Evidence{PhotoRef: "cam/" + lane + ".jpg", PhotoSHA256: "00ff"}})
	require.NoError(e.t, err)
	return d
}

// charges counts deductions the mock accepted: one per charge.
func (e *env) charges() int { return len(e.srv.Orders()) }

func (e *env) stay(id string) Stay {
	s, err := e.store.GetStay(context.Background(), id)
	require.NoError(e.t, err)
	return s
}

func TestEnrolledCarInAndOut(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, nil)
	e.enrol("粤B12345")
	in := e.handle("in-1", Entry, "粤b·12345")
	require.Equal(t, Open, in.Action)
	assert.Equal(t, ReasonEntered, in.Reason)
	s := e.stay(in.StayID)
	assert.NotEmpty(t, s.ParkingID, "entry reported within the budget")
	assert.Equal(t, "NORMAL", s.ServiceState)
	assert.Equal(t, "cam/in-1.jpg", s.EntryPhoto)

	e.clk.add(2*time.Hour + 10*time.Minute)
	out := e.handle("out-1", Exit, "粤B12345")
	require.Equal(t, Open, out.Action, out.Message)
	assert.Equal(t, ReasonCharged, out.Reason)
	require.NotNil(t, out.Quote)
	assert.Equal(t, int64(500+3*200), out.FeeFen, "first hour + three half hours")
	assert.Equal(t, out.FeeFen, out.Quote.TotalFen)
	assert.Equal(t, "T"+in.StayID[1:], out.OutTradeNo)
	assert.Equal(t, StatusAccepted, e.stay(in.StayID).Status)

	e.srv.AdvanceCallbacks(3 * time.Second)
	assert.Equal(t, StatusPaid, e.stay(in.StayID).Status, "the callback settled it")
	assert.NotEmpty(t, e.stay(in.StayID).TransactionID)
	assert.Equal(t, 1, e.charges(), "charged exactly once")

	// The camera fires again a few seconds later: the same decision.
	e.clk.add(3 * time.Second)
	again := e.handle("out-1", Exit, "粤B12345")
	assert.True(t, again.Duplicate)
	assert.Equal(t, Open, again.Action)
	assert.Equal(t, 1, e.charges())
	ev, err := e.store.Events(context.Background(), in.StayID)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(ev), 4, "entry, decisions and the callback are on the audit trail")
}

func TestNotEnrolledPaysAnotherWay(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, nil)
	in := e.handle("in-1", Entry, "沪A98765")
	require.Equal(t, Open, in.Action, "entry is never blocked")
	assert.Equal(t, "BLOCKED", e.stay(in.StayID).ServiceState)
	e.clk.add(time.Hour)
	out := e.handle("out-1", Exit, "沪A98765")
	assert.Equal(t, PayOtherWay, out.Action)
	assert.Equal(t, ReasonNotUsable, out.Reason)
	assert.Equal(t, int64(500), out.FeeFen, "the fee to collect is still quoted")
	assert.Equal(t, 0, e.charges())
	require.NoError(t, e.gate.CloseOther(context.Background(), in.StayID))
	assert.Equal(t, StatusOther, e.stay(in.StayID).Status)
	assert.ErrorIs(t, e.gate.CloseOther(context.Background(), in.StayID), ErrAlreadySettled)
}

func TestPausedMidStay(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, nil)
	e.enrol("粤B12345")
	in := e.handle("in-1", Entry, "粤B12345")
	require.NoError(t, e.srv.SetPlateState("粤B12345", "BLUE", mock.StatePause))
	e.srv.AdvanceCallbacks(0)
	s := e.stay(in.StayID)
	assert.Equal(t, "BLOCKED", s.ServiceState)
	assert.Equal(t, "PAUSE", s.BlockReason)
	e.clk.add(time.Hour)
	out := e.handle("out-1", Exit, "粤B12345")
	assert.Equal(t, PayOtherWay, out.Action)
	assert.Contains(t, out.Message, "PAUSE")
	assert.Equal(t, 0, e.charges())
}

func TestPayFailBecomesArrears(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, nil)
	e.enrol("粤B00001", func(p *mock.Plate) { p.Outcome = mock.OutcomeFail })
	in := e.handle("in-1", Entry, "粤B00001")
	e.clk.add(time.Hour)
	out := e.handle("out-1", Exit, "粤B00001")
	assert.Equal(t, Open, out.Action, "accepted: the barrier opens; the debit fails later")
	e.srv.AdvanceCallbacks(3 * time.Second)
	assert.Equal(t, StatusArrears, e.stay(in.StayID).Status)
	unpaid, err := e.gate.Unpaid(context.Background())
	require.NoError(t, err)
	require.Len(t, unpaid, 1)
	assert.Equal(t, in.StayID, unpaid[0].ID)
}

func TestDuplicateAndOutOfOrderCallbacks(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), []mock.Option{mock.WithFaults(mock.Faults{DuplicateRate: 1})}, nil)
	e.enrol("粤B00002", func(p *mock.Plate) { p.Outcome = mock.OutcomeAdvance })
	in := e.handle("in-1", Entry, "粤B00002")
	e.clk.add(time.Hour)
	e.handle("out-1", Exit, "粤B00002")
	// PAY_BACK comes first, the SUCCESS it follows later.
	e.srv.SetFaults(mock.Faults{DuplicateRate: 1, ReorderRate: 1})
	e.srv.AdvanceCallbacks(3 * time.Second) // SUCCESS held back 30 s
	e.srv.SetFaults(mock.Faults{DuplicateRate: 1})
	e.srv.AdvanceCallbacks(time.Hour) // PAY_BACK, then (at 33 s) SUCCESS already delivered
	assert.Equal(t, StatusSettled, e.stay(in.StayID).Status, "a late SUCCESS never undoes PAY_BACK")
	cbs := e.srv.Callbacks()
	require.Len(t, cbs, 2)
	for _, cb := range cbs {
		assert.True(t, cb.Acked)
		assert.Len(t, cb.Attempts, 2, "delivered twice, both acknowledged")
	}
	assert.Equal(t, 1, e.charges())
}

func TestCameraDoubleReadsAndMisreads(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, nil)
	e.enrol("粤B8D345")
	a := e.handle("in-1", Entry, "粤B8D345")
	e.clk.add(2 * time.Second)
	b := e.handle("in-1", Entry, "粤B 8D345")
	assert.True(t, b.Duplicate)
	assert.Equal(t, a.StayID, b.StayID)
	stays, _ := e.store.Stays(context.Background())
	assert.Len(t, stays, 1, "one car, one stay")

	e.clk.add(time.Hour)
	out := e.handle("out-1", Exit, "粤BBD345") // 8 read as B
	require.Equal(t, Open, out.Action, out.Message)
	assert.Equal(t, "粤BBD345", out.MatchedRead)
	assert.Equal(t, "粤B8D345", out.Plate)
	assert.Equal(t, 1, e.charges())

	// A read two cars inside could both be is not guessed.
	e.enrol("粤BD2345")
	e.enrol("粤BQ2345")
	e.handle("in-2", Entry, "粤BD2345")
	e.handle("in-2", Entry, "粤BQ2345")
	e.clk.add(time.Hour)
	amb := e.handle("out-1", Exit, "粤B02345")
	assert.Equal(t, PayOtherWay, amb.Action)
	assert.Equal(t, ReasonAmbiguous, amb.Reason)
	garbage := e.handle("out-1", Exit, "####")
	assert.Equal(t, PayOtherWay, garbage.Action)
	none := e.handle("out-2", Exit, "京A99999")
	assert.Equal(t, ReasonNoStay, none.Reason)
}

func TestClonedPlate(t *testing.T) {
	var alerts []ClonedPlateAlert
	e := newEnv(t, NewMemoryStore(), nil, func(c *Config) { c.OnClonedPlate = func(a ClonedPlateAlert) { alerts = append(alerts, a) } })
	e.enrol("粤B12345")
	first := e.handle("north", Entry, "粤B12345")
	e.clk.add(10 * time.Minute)
	second := e.handle("south", Entry, "粤B12345")
	require.Len(t, alerts, 1)
	assert.Equal(t, first.StayID, alerts[0].PreviousStay)
	assert.Equal(t, "north", alerts[0].PreviousLane)
	assert.Equal(t, "south", alerts[0].Lane)
	assert.NotEqual(t, first.StayID, second.StayID)
	assert.Equal(t, StatusSuperseded, e.stay(first.StayID).Status)
	unpaid, _ := e.gate.Unpaid(context.Background())
	assert.Len(t, unpaid, 1)
}

func TestNoAnswerWithinBudget(t *testing.T) {
	for _, policy := range []TimeoutPolicy{OpenAndCollectLater, HoldOnTimeout} {
		t.Run(map[TimeoutPolicy]string{OpenAndCollectLater: "open and collect later", HoldOnTimeout: "hold"}[policy], func(t *testing.T) {
			e := newEnv(t, NewMemoryStore(), nil, func(c *Config) { c.OnTimeout = policy })
			e.enrol("粤B12345")
			in := e.handle("in-1", Entry, "粤B12345")
			e.clk.add(time.Hour)
			for range 2 { // every attempt: processed, never answered
				e.srv.DropNext("/v3/vehicle/transactions/parking")
			}
			out := e.handle("out-1", Exit, "粤B12345")
			if policy == OpenAndCollectLater {
				assert.Equal(t, Open, out.Action)
				assert.True(t, out.Deferred)
			} else {
				assert.Equal(t, Hold, out.Action)
			}
			assert.Equal(t, StatusCharging, e.stay(in.StayID).Status)
			assert.ErrorIs(t, e.gate.CloseOther(context.Background(), in.StayID), ErrDeductionPending, "no cash while a deduction may have gone through")
			items, _ := e.store.Outbox(context.Background())
			require.Len(t, items, 1, "the deduction waits in the outbox")
			assert.True(t, items[0].Unknown)

			e.clk.add(time.Minute)
			if policy == HoldOnTimeout {
				// The driver is still there: a new read resolves it.
				again := e.handle("out-1", Exit, "粤B12345")
				assert.Equal(t, Open, again.Action, again.Message)
			} else {
				n, err := e.gate.Drain(context.Background())
				require.NoError(t, err)
				assert.Equal(t, 1, n)
			}
			assert.Equal(t, StatusAccepted, e.stay(in.StayID).Status, "resolved by a query with the same order number")
			items, _ = e.store.Outbox(context.Background())
			assert.Empty(t, items)
			assert.Equal(t, 1, e.charges(), "exactly one deduction reached WeChat")
		})
	}
}

func TestOutageAtEntryAndExit(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, nil)
	e.enrol("粤B12345")
	for range 2 {
		e.srv.FailNext("/v3/vehicle/parking/parkings", 503)
	}
	in := e.handle("in-1", Entry, "粤B12345")
	assert.Equal(t, Open, in.Action)
	assert.Empty(t, e.stay(in.StayID).ParkingID, "not reported yet")
	e.clk.add(time.Minute)
	_, err := e.gate.Drain(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, e.stay(in.StayID).ParkingID, "the outbox reported it")

	e.clk.add(time.Hour)
	for range 2 {
		e.srv.FailNext("/v3/vehicle/transactions/parking", 500)
	}
	out := e.handle("out-1", Exit, "粤B12345")
	assert.True(t, out.Deferred)
	e.clk.add(time.Minute)
	_, err = e.gate.Drain(context.Background())
	require.NoError(t, err)
	assert.Equal(t, StatusAccepted, e.stay(in.StayID).Status)
	assert.Equal(t, 1, e.charges())
}

// The controller dies between storing a deduction and sending it, and
// between sending it and storing the answer; a new process on the same
// SQLite file finishes each exactly once.
func TestCrashSafety(t *testing.T) {
	for _, point := range []string{"before", "after"} {
		t.Run("crash "+point+" the call", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lane.db")
			store, err := OpenSQLite(path)
			require.NoError(t, err)
			e := newEnv(t, store, nil, nil)
			e.enrol("粤B12345")
			in := e.handle("in-1", Entry, "粤B12345")
			e.clk.add(time.Hour)
			e.gate.crash = func(p string, it OutboxItem) bool { return p == point && it.Kind == OutboxDeductV3 }
			out := e.handle("out-1", Exit, "粤B12345")
			assert.True(t, out.Deferred, "no answer reached the lane")
			require.NoError(t, store.Close())
			wantCharges := map[string]int{"before": 0, "after": 1}[point]
			assert.Equal(t, wantCharges, e.charges())

			// A new process, the same file, after the dead one's lease ran out.
			store2, err := OpenSQLite(path)
			require.NoError(t, err)
			defer store2.Close()
			cfg := e.cfg
			cfg.Store, cfg.Owner = store2, "lane-box-restarted"
			g2, err := New(cfg)
			require.NoError(t, err)
			e.clk.add(lease + time.Second)
			n, err := g2.Drain(context.Background())
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			s, err := store2.GetStay(context.Background(), in.StayID)
			require.NoError(t, err)
			assert.Equal(t, StatusAccepted, s.Status)
			assert.Equal(t, 1, e.charges(), "the deduction reached WeChat exactly once")
			posts := 0
			for _, r := range e.srv.Requests() {
				if r.Method == "POST" && r.URI == "/v3/vehicle/transactions/parking" {
					posts++
				}
			}
			assert.Equal(t, 1, posts, "the restarted process asked first instead of sending again")
			items, _ := store2.Outbox(context.Background())
			assert.Empty(t, items)
			e.srv.AdvanceCallbacks(3 * time.Second)
		})
	}
}

func TestHighwayAndGas(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, func(c *Config) {
		c.Scene, c.PayNotifyURL, c.ParkingName = SceneHighway, c.PayNotifyURL[:len(c.PayNotifyURL)-len("/wx/pay")]+"/wx2/pay", "虎门大桥"
	})
	e.enrol("粤B12345")
	in := e.handle("大铲湾", Entry, "粤B12345")
	assert.Equal(t, Open, in.Action)
	e.clk.add(time.Hour)
	d, err := e.gate.Handle(context.Background(), Event{Lane: "虎门大桥", Direction: Exit, PlateText: "粤B12345", CameraColor: "BLUE", Time: e.clk.now(), AmountFen: 3500})
	require.NoError(t, err)
	require.Equal(t, Open, d.Action, d.Message)
	assert.Equal(t, int64(3500), d.FeeFen)
	e.srv.AdvanceCallbacks(3 * time.Second)
	assert.Equal(t, StatusPaid, e.stay(in.StayID).Status, "the APIv2 payment notification settled it")

	g := newEnv(t, NewMemoryStore(), nil, func(c *Config) {
		c.Scene, c.PayNotifyURL, c.ParkingName, c.Rule = SceneGas, c.PayNotifyURL[:len(c.PayNotifyURL)-len("/wx/pay")]+"/wx2/pay", "中石化大铲湾站", nil
	})
	g.enrol("粤B12345")
	d, err = g.gate.Handle(context.Background(), Event{Lane: "pump-3", Direction: Exit, PlateText: "粤B12345", CameraColor: "BLUE", Time: g.clk.now(),
		AmountFen: 30000, Fuel: &Fuel{Label: "95", Type: "汽油", Standard: "国VI", Amount: "38.20", GunNo: "3"}})
	require.NoError(t, err)
	assert.Equal(t, Open, d.Action, d.Message)
	g.enrol("粤B55555", func(p *mock.Plate) { p.ServiceState = mock.StatePause })
	d, err = g.gate.Handle(context.Background(), Event{Lane: "pump-4", Direction: Exit, PlateText: "粤B55555", CameraColor: "BLUE", Time: g.clk.now(),
		AmountFen: 100, Fuel: &Fuel{Label: "92", Type: "汽油", Standard: "国VI", Amount: "1.00", GunNo: "4"}})
	require.NoError(t, err)
	assert.Equal(t, PayOtherWay, d.Action)
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{})
	assert.Error(t, err)
	e := newEnv(t, NewMemoryStore(), nil, nil)
	bad := e.cfg
	bad.Scene = "SPACESHIP"
	_, err = New(bad)
	assert.Error(t, err)
	bad = e.cfg
	bad.PayNotifyURL = ""
	_, err = New(bad)
	assert.Error(t, err)
	_, err = e.gate.Handle(context.Background(), Event{Direction: Entry, PlateText: "粤B12345"})
	assert.Error(t, err)
	d, err := e.gate.Handle(context.Background(), Event{Lane: "x", Direction: "sideways", PlateText: "粤B12345"})
	assert.Error(t, err)
	assert.Equal(t, PayOtherWay, d.Action)
}

func TestAPIv2ParkingScenes(t *testing.T) {
	for _, scene := range []Scene{SceneParkingV2, SceneRoadside} {
		t.Run(string(scene), func(t *testing.T) {
			e := newEnv(t, NewMemoryStore(), nil, func(c *Config) {
				c.Scene = scene
				base := c.PayNotifyURL[:len(c.PayNotifyURL)-len("/wx/pay")]
				c.PayNotifyURL, c.ParkingNotifyURL = base+"/wx2/pay", base+"/wx2/state"
			})
			e.enrol("粤B12345")
			in := e.handle("bay-17", Entry, "粤B12345")
			require.Equal(t, Open, in.Action)
			if scene == SceneParkingV2 {
				assert.Equal(t, "NORMAL", e.stay(in.StayID).ServiceState, "the APIv2 entry notice answered NORMAL")
			}
			e.clk.add(90 * time.Minute)
			out := e.handle("bay-17-out", Exit, "粤B12345")
			require.Equal(t, Open, out.Action, out.Message)
			assert.Equal(t, int64(700), out.FeeFen)
			e.srv.AdvanceCallbacks(3 * time.Second)
			assert.Equal(t, StatusPaid, e.stay(in.StayID).Status)
			orders := e.srv.Orders()
			require.Len(t, orders, 1)
			assert.Equal(t, "v2", orders[0].Version)
		})
	}
}

func TestBridgeOneEvent(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, func(c *Config) {
		c.Scene, c.Rule = SceneBridge, nil
		c.PayNotifyURL = c.PayNotifyURL[:len(c.PayNotifyURL)-len("/wx/pay")] + "/wx2/pay"
	})
	e.enrol("粤B12345")
	d, err := e.gate.Handle(context.Background(), Event{Lane: "虎门大桥", Direction: Exit, PlateText: "粤B12345", CameraColor: "BLUE", Time: e.clk.now(), AmountFen: 3000})
	require.NoError(t, err)
	require.Equal(t, Open, d.Action, d.Message)
	e.srv.AdvanceCallbacks(3 * time.Second)
	assert.Equal(t, StatusPaid, e.stay(d.StayID).Status)
	// Without an amount and a rule, nothing can be charged.
	d, err = e.gate.Handle(context.Background(), Event{Lane: "虎门大桥", Direction: Exit, PlateText: "粤B54321", CameraColor: "BLUE", Time: e.clk.now()})
	require.NoError(t, err)
	assert.Equal(t, PayOtherWay, d.Action)
}

// A car that left paying another way before its entry was reported is not
// reported afterwards.
func TestUnreportedEntryIsDroppedAfterExit(t *testing.T) {
	e := newEnv(t, NewMemoryStore(), nil, nil)
	e.enrol("粤B12345")
	for range 2 {
		e.srv.FailNext("/v3/vehicle/parking/parkings", 503)
	}
	in := e.handle("in-1", Entry, "粤B12345")
	e.clk.add(time.Hour)
	out := e.handle("out-1", Exit, "粤B12345")
	require.Equal(t, PayOtherWay, out.Action)
	require.NoError(t, e.gate.CloseOther(context.Background(), in.StayID))
	e.clk.add(time.Minute)
	before := len(e.srv.Requests())
	_, err := e.gate.Drain(context.Background())
	require.NoError(t, err)
	assert.Equal(t, before, len(e.srv.Requests()), "nothing sent")
	items, _ := e.store.Outbox(context.Background())
	assert.Empty(t, items)
}
