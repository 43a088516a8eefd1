// Command lane-sim drives N cars through M lanes — entry, a stay, exit,
// payment — against the in-process mock (or the mock binary), with the
// mock's faults switched on, and reports what a vendor checks before going
// live: every exit charged exactly once, arrears, what is left in the
// outbox, decision latency percentiles and RSA operations per car.
//
//	go run ./examples/lane-sim
//	go run ./examples/lane-sim -cars 2000 -lanes 8 -drop-rate 0.1 -error-rate 0.1 -dup-rate 0.3
//	go run ./examples/lane-sim -base-url http://127.0.0.1:8090 -keys ./mock-keys   # the mock binary
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatepay/gatepay/billing"
	"github.com/gatepay/gatepay/client"
	"github.com/gatepay/gatepay/gate"
	"github.com/gatepay/gatepay/mock"
)

type options struct {
	cars, lanes                  int
	errorRate, dropRate, dupRate float64
	latency, budget              time.Duration
	hold                         bool
	baseURL, keys, db            string
	progress                     io.Writer
}

func main() {
	var o options
	flag.IntVar(&o.cars, "cars", 200, "cars to drive through")
	flag.IntVar(&o.lanes, "lanes", 4, "entry and exit lanes working at once")
	flag.Float64Var(&o.errorRate, "error-rate", 0.05, "share of requests the mock answers 5xx/429 (in-process mock)")
	flag.Float64Var(&o.dropRate, "drop-rate", 0.05, "share of charging requests processed and left unanswered (in-process mock)")
	flag.Float64Var(&o.dupRate, "dup-rate", 0.2, "share of callbacks delivered twice (in-process mock)")
	flag.DurationVar(&o.latency, "latency", 0, "latency the mock adds to each answer (in-process mock)")
	flag.DurationVar(&o.budget, "budget", 1500*time.Millisecond, "lane budget for each decision")
	flag.BoolVar(&o.hold, "hold", false, "hold the barrier when WeChat does not answer in time (default: open and collect later)")
	flag.StringVar(&o.baseURL, "base-url", "", "a running mock binary (or WeChat Pay) instead of the in-process mock")
	flag.StringVar(&o.keys, "keys", "", "with -base-url: the folder of keys the mock binary wrote")
	flag.StringVar(&o.db, "db", "", "SQLite file for the stays and outbox (in memory when empty)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "lane-sim: drive cars through lanes against the mock with faults on, and check every exit was charged exactly once.")
		flag.PrintDefaults()
	}
	flag.Parse()
	o.progress = os.Stderr
	sum, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lane-sim:", err)
		os.Exit(1)
	}
	sum.print(os.Stdout)
	if !sum.ok() {
		os.Exit(2)
	}
}

const tariff = `{"model":"parking-tariff/v1","free":{"minutes":15},
 "bands":{"all":{"tiers":[{"up_to_minutes":60,"unit_minutes":60,"unit_fen":500},{"unit_minutes":30,"unit_fen":200}]}},
 "day_window":{"kind":"calendar_day","cap_fen_per_window":[5000]}}`

// counter counts the client's attempts, for the RSA tally.
type counter struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

type summary struct {
	cars, in, out, charged, once, twice, other, arrears, outboxLeft int
	latencies                                                       []time.Duration
	rsaPerCar                                                       float64
	elapsed                                                         time.Duration
	ordersKnown                                                     bool
}

func (s summary) ok() bool {
	return s.twice == 0 && s.outboxLeft == 0 && (!s.ordersKnown || s.once == s.charged)
}

func (s summary) pct(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[min(len(s.latencies)-1, int(p*float64(len(s.latencies))))]
}

func (s summary) print(w io.Writer) {
	fmt.Fprintf(w, "cars             %d in, %d out in %s (%.0f cars/s)\n", s.in, s.out, s.elapsed.Round(time.Millisecond), float64(s.cars)/s.elapsed.Seconds())
	fmt.Fprintf(w, "charged          %d exits", s.charged)
	if s.ordersKnown {
		fmt.Fprintf(w, ", %d charged exactly once, %d more than once", s.once, s.twice)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "pay another way  %d (entry not reported in time, or refused)\n", s.other)
	fmt.Fprintf(w, "arrears          %d\n", s.arrears)
	fmt.Fprintf(w, "outbox left      %d\n", s.outboxLeft)
	fmt.Fprintf(w, "decision latency p50 %s  p95 %s  p99 %s\n", s.pct(0.50).Round(time.Microsecond), s.pct(0.95).Round(time.Microsecond), s.pct(0.99).Round(time.Microsecond))
	fmt.Fprintf(w, "RSA operations   %.1f per car (signatures and verifications, client and WeChat side)\n", s.rsaPerCar)
	if s.ok() {
		fmt.Fprintln(w, "OK: every charged exit reached WeChat exactly once and nothing is left behind.")
	} else {
		fmt.Fprintln(w, "NOT OK")
	}
}

func run(o options) (summary, error) {
	ctx := context.Background()
	sum := summary{cars: o.cars}
	var srv *mock.Server
	var cl *client.Client
	cnt := &counter{next: http.DefaultTransport}
	opts := []client.Option{client.WithHTTPClient(&http.Client{Transport: cnt})}
	if o.baseURL == "" {
		srv = mock.NewServer(mock.WithCallbackMode(mock.CallbackManual), mock.WithFaults(mock.Faults{Latency: o.latency, ErrorRate: o.errorRate,
			DropRate: o.dropRate, DuplicateRate: o.dupRate}))
		defer srv.Close()
		creds, err := srv.NewMerchant("1900009191", false)
		if err != nil {
			return sum, err
		}
		opts = append(opts, client.WithMerchant(creds.MchID, creds.SerialNo, creds.PrivateKeyPEM), client.WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()),
			client.WithAPIv3Key(creds.APIv3Key), client.WithBaseURL(srv.URL()))
	} else {
		ko, err := keyOptions(o.keys)
		if err != nil {
			return sum, err
		}
		opts = append(opts, client.WithBaseURL(o.baseURL))
		opts = append(opts, ko...)
	}
	cl, err := client.New(opts...)
	if err != nil {
		return sum, err
	}
	defer cl.Close()
	rule, err := billing.ParseRule([]byte(tariff))
	if err != nil {
		return sum, err
	}
	var store gate.Store = gate.NewMemoryStore()
	if o.db != "" {
		if store, err = gate.OpenSQLite(o.db); err != nil {
			return sum, err
		}
	}
	defer store.Close()
	// The controller's clock runs ahead when the outbox is drained at the
	// end, so retry waits pass without waiting.
	var ahead atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	mux := http.NewServeMux()
	notify := httptest.NewServer(mux)
	defer notify.Close()
	policy := gate.OpenAndCollectLater
	if o.hold {
		policy = gate.HoldOnTimeout
	}
	ctrl, err := gate.New(gate.Config{Client: cl, Store: store, Rule: rule, AppID: "wx-lane-sim", ParkingName: "lane-sim lot",
		ParkingNotifyURL: notify.URL + "/wx/parking", PayNotifyURL: notify.URL + "/wx/pay", Budget: o.budget, OnTimeout: policy, Clock: now})
	if err != nil {
		return sum, err
	}
	mux.Handle("/wx/", ctrl.NotifyHandler(nil))

	plates := make([]string, o.cars)
	for i := range plates {
		plates[i] = fmt.Sprintf("粤B%05d", i%100000)
		p := mock.Plate{PlateNumber: plates[i], PlateColor: "BLUE", OpenID: fmt.Sprintf("o-%d", i)}
		if i%17 == 0 {
			p.Outcome = mock.OutcomeFail
		}
		if srv != nil {
			if err := srv.EnrolPlate(p); err != nil {
				return sum, err
			}
		} else {
			b, _ := json.Marshal(p)
			resp, err := http.Post(o.baseURL+"/mock/plates", "application/json", bytes.NewReader(b))
			if err == nil {
				resp.Body.Close()
			}
		}
	}
	var mu sync.Mutex
	var done atomic.Int64
	total := int64(2 * o.cars)
	bar := func() {
		if o.progress == nil {
			return
		}
		n := done.Load()
		width := 40
		filled := int(int64(width) * n / total)
		fmt.Fprintf(o.progress, "\r[%s%s] %d/%d decisions", strings.Repeat("#", filled), strings.Repeat(".", width-filled), n, total)
	}
	decide := func(ev gate.Event) gate.Decision {
		for {
			start := time.Now()
			d, err := ctrl.Handle(ctx, ev)
			el := time.Since(start)
			mu.Lock()
			sum.latencies = append(sum.latencies, el)
			mu.Unlock()
			if err != nil || d.Action != gate.Hold {
				done.Add(1)
				bar()
				return d
			}
		}
	}
	begin := time.Now()
	exits := make([]gate.Decision, o.cars)
	entries := make([]gate.Decision, o.cars)
	var wg sync.WaitGroup
	for l := range o.lanes {
		wg.Go(func() {
			for i := l; i < o.cars; i += o.lanes {
				entries[i] = decide(gate.Event{Lane: fmt.Sprintf("in-%d", l), Direction: gate.Entry, PlateText: plates[i], CameraColor: "BLUE",
					Time: time.Now().Add(-2 * time.Hour)})
			}
		})
	}
	wg.Wait()
	for l := range o.lanes {
		wg.Go(func() {
			for i := l; i < o.cars; i += o.lanes {
				exits[i] = decide(gate.Event{Lane: fmt.Sprintf("out-%d", l), Direction: gate.Exit, PlateText: plates[i], CameraColor: "BLUE", Time: time.Now()})
			}
		})
	}
	wg.Wait()
	sum.elapsed = time.Since(begin)
	if o.progress != nil {
		fmt.Fprintln(o.progress)
	}
	// The outbox finishes what the lanes could not.
	for range 40 {
		items, err := store.Outbox(ctx)
		if err != nil {
			return sum, err
		}
		if len(items) == 0 {
			break
		}
		ahead.Add(int64(10 * time.Minute))
		if _, err := ctrl.Drain(ctx); err != nil {
			return sum, err
		}
	}
	if srv != nil {
		srv.SetFaults(mock.Faults{DuplicateRate: o.dupRate})
		srv.AdvanceCallbacks(48 * time.Hour)
	}
	sort.Slice(sum.latencies, func(i, j int) bool { return sum.latencies[i] < sum.latencies[j] })
	items, _ := store.Outbox(ctx)
	sum.outboxLeft = len(items)
	var orders map[string]int
	if srv != nil {
		orders = map[string]int{}
		for _, od := range srv.Orders() {
			orders[od.OutTradeNo]++
		}
		sum.ordersKnown = true
		var ops int
		for range srv.Requests() {
			ops += 4 // client signs, mock verifies, mock signs, client verifies
		}
		for _, cb := range srv.Callbacks() {
			ops += 2 * len(cb.Attempts) // mock signs, client verifies
		}
		sum.rsaPerCar = float64(ops) / float64(o.cars)
	} else {
		sum.rsaPerCar = float64(4*cnt.n.Load()) / float64(o.cars)
	}
	for i := range o.cars {
		if entries[i].Action == gate.Open {
			sum.in++
		}
		if exits[i].Action != gate.Hold {
			sum.out++
		}
		if exits[i].Action == gate.PayOtherWay {
			sum.other++
			continue
		}
		if exits[i].FeeFen > 0 {
			sum.charged++
		}
		if orders != nil {
			st, err := store.GetStay(ctx, entries[i].StayID)
			if err == nil {
				switch orders[st.OutTradeNo] {
				case 1:
					sum.once++
				case 0:
				default:
					sum.twice++
				}
			}
		}
	}
	unpaid, _ := ctrl.Unpaid(ctx)
	for _, s := range unpaid {
		if s.Status == gate.StatusArrears {
			sum.arrears++
		}
	}
	return sum, nil
}

// keyOptions configures the client from the folder the mock binary wrote.
func keyOptions(dir string) ([]client.Option, error) {
	if dir == "" {
		return nil, fmt.Errorf("-base-url needs -keys")
	}
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		return strings.TrimSpace(string(b)), err
	}
	var mch, serial string
	m, err := read("merchant.txt")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(m, "\n") {
		k, v, _ := strings.Cut(line, "=")
		if k == "mchid" {
			mch = v
		} else if k == "serial_no" {
			serial = v
		}
	}
	key, err := read("apiclient_key.pem")
	if err != nil {
		return nil, err
	}
	id, err := read("pub_key_id.txt")
	if err != nil {
		return nil, err
	}
	pub, err := read("pub_key.pem")
	if err != nil {
		return nil, err
	}
	v3, err := read("apiv3_key.txt")
	if err != nil {
		return nil, err
	}
	return []client.Option{client.WithMerchant(mch, serial, []byte(key)), client.WithWeChatPayPublicKey(id, []byte(pub)), client.WithAPIv3Key(v3)}, nil
}
