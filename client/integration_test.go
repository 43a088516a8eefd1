package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gatepay/gatepay/mock"
	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	itMch    = "1900009191"
	itSerial = "3775B6A45ACD588826D15E583A95F5DD"
	itAPIv3  = "a7cde1ZJB1kG2e0YkI5T4Q8d9Xr3Vb6N"
	itAPIv2  = "192006250b4c09247ec02edce69f6a2d"
	itAppID  = "wxcbda96de0b165486"
	itOpenID = "oUpF8uMuAJOM2pxb1Q"
	itPlate  = "粤B12345"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

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

// newMockEnv starts the mock (manual callbacks, the vectors' keys) and a
// client configured against it.
func newMockEnv(t testing.TB, opts ...Option) (*mock.Server, *Client, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2025, 12, 3, 12, 0, 0, 0, shanghai)}
	mkey, err := signing.LoadPrivateKey(readTestdata(t, "merchant_private_key.pem"))
	require.NoError(t, err)
	srv := mock.NewServer(
		mock.WithKeyPEM(mock.DefaultPublicKeyID, readTestdata(t, "wechatpay_private_key.pem")),
		mock.WithAPIKeys(itAPIv3, itAPIv2), mock.WithClock(clk.now), mock.WithSeed(3),
		mock.WithCallbackMode(mock.CallbackManual),
		mock.WithMerchant(mock.Merchant{MchID: itMch, SerialNo: itSerial, PublicKey: &mkey.PublicKey}),
	)
	t.Cleanup(srv.Close)
	base := []Option{
		WithMerchant(itMch, itSerial, readTestdata(t, "merchant_private_key.pem")),
		WithWeChatPayPublicKey(srv.PublicKeyID(), srv.PublicKeyPEM()),
		WithAPIv3Key(itAPIv3), WithAPIv2Key(itAPIv2),
		WithBaseURL(srv.URL()), WithClock(clk.now),
		WithRetry(RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return srv, c, clk
}

// Every call against the mock: the two readings of the spec agree.
func TestAgainstMockV3(t *testing.T) {
	srv, c, clk := newMockEnv(t)
	ctx := context.Background()
	events := make(chan *TransactionEvent, 4)
	states := make(chan *ParkingStateEvent, 4)
	notify := httptest.NewServer(c.NotifyHandler(Handlers{
		OnTransaction:  func(_ context.Context, e *TransactionEvent) error { events <- e; return nil },
		OnParkingState: func(_ context.Context, e *ParkingStateEvent) error { states <- e; return nil },
	}))
	defer notify.Close()
	require.NoError(t, srv.EnrolPlate(mock.Plate{PlateNumber: itPlate, PlateColor: "BLUE", OpenID: itOpenID}))

	ps, err := c.FindPlateService(ctx, FindPlateServiceRequest{AppID: itAppID, PlateNumber: itPlate, PlateColor: Blue, OpenID: itOpenID})
	require.NoError(t, err)
	assert.Equal(t, ServiceNormal, ps.ServiceState)
	assert.False(t, ps.ServiceOpenTime.IsZero())
	assert.NotEmpty(t, ps.Meta.RequestID)
	assert.Equal(t, 1, ps.Meta.Attempts)

	entry := clk.now()
	pk, err := c.CreateParking(ctx, CreateParkingRequest{OutParkingNo: "P1", PlateNumber: itPlate, PlateColor: Blue,
		NotifyURL: notify.URL + "/parking", StartTime: entry, ParkingName: "欢乐海岸停车场", FreeDuration: 15 * time.Minute})
	require.NoError(t, err)
	assert.True(t, pk.Usable())
	assert.Equal(t, int64(900), pk.FreeDuration)
	assert.True(t, pk.StartTime.Equal(entry))

	clk.add(2 * time.Hour)
	req := DeductRequest{AppID: itAppID, Description: "停车费", OutTradeNo: "T1", NotifyURL: notify.URL + "/pay", TotalFen: 1200,
		Parking: ParkingInfo{ParkingID: pk.ID, PlateNumber: itPlate, PlateColor: Blue, StartTime: entry, EndTime: clk.now(),
			ParkingName: "欢乐海岸停车场", ChargingDuration: 2 * time.Hour, DeviceID: "lane-07"}}
	txn, err := c.Deduct(ctx, req)
	require.NoError(t, err)
	assert.True(t, txn.TradeState.Accepted())
	assert.Equal(t, int64(1200), txn.Amount.Total)

	// A replay of the same request gets the same order, not a second one.
	again, err := c.Deduct(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, txn.CreateTime, again.CreateTime)

	srv.AdvanceCallbacks(3 * time.Second)
	select {
	case e := <-events:
		assert.Equal(t, "TRANSACTION.SUCCESS", e.EventType)
		assert.True(t, e.TradeState.Succeeded())
		assert.Equal(t, "T1", e.OutTradeNo)
		assert.Equal(t, pk.ID, e.Parking.ParkingID)
	default:
		t.Fatal("no TRANSACTION.SUCCESS reached the handler")
	}
	assert.True(t, srv.Callbacks()[0].Acked)

	q, err := c.QueryTransaction(ctx, "T1", "")
	require.NoError(t, err)
	assert.True(t, q.TradeState.Succeeded())
	assert.NotEmpty(t, q.TransactionID)

	_, err = c.QueryTransaction(ctx, "NEVER", "")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.True(t, IsCode(err, "ORDER_NOT_EXIST"))

	// The stay cannot be charged twice.
	req.OutTradeNo = "T2"
	_, err = c.Deduct(ctx, req)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)

	// A pause mid-stay reaches OnParkingState.
	pk2, err := c.CreateParking(ctx, CreateParkingRequest{OutParkingNo: "P2", PlateNumber: itPlate, PlateColor: Blue,
		NotifyURL: notify.URL + "/parking", StartTime: clk.now(), ParkingName: "欢乐海岸停车场"})
	require.NoError(t, err)
	require.NoError(t, srv.SetPlateState(itPlate, "BLUE", mock.StatePause))
	srv.AdvanceCallbacks(0)
	select {
	case e := <-states:
		assert.Equal(t, "BLOCKED", e.ParkingState)
		assert.Equal(t, pk2.ID, e.ParkingID)
		assert.False(t, e.StateUpdateTime.IsZero())
	default:
		t.Fatal("no VEHICLE.ENTRANCE_STATE_CHANGE reached the handler")
	}

	// The escape hatch.
	var raw map[string]any
	meta, err := c.Do(ctx, http.MethodGet, "/v3/vehicle/transactions/out-trade-no/T1", nil, &raw)
	require.NoError(t, err)
	assert.Equal(t, 200, meta.StatusCode)
	assert.Equal(t, "SUCCESS", raw["trade_state"])
}

func TestAgainstMockCertificateMode(t *testing.T) {
	srv, _, clk := newMockEnv(t)
	mkey, err := signing.LoadPublicKey(readTestdata(t, "merchant_public_key.pem"))
	require.NoError(t, err)
	require.NoError(t, srv.AddMerchant(mock.Merchant{MchID: itMch, SerialNo: itSerial, PublicKey: mkey, CertificateMode: true}))
	c, err := New(WithMerchant(itMch, itSerial, readTestdata(t, "merchant_private_key.pem")), WithAPIv3Key(itAPIv3),
		WithCertificateDownload(time.Hour), WithBaseURL(srv.URL()), WithClock(clk.now))
	require.NoError(t, err)
	defer c.Close()
	certs, err := c.DownloadCertificates(context.Background())
	require.NoError(t, err)
	require.Len(t, certs, 1)
	serial := signing.CertificateSerial(certs[0])
	assert.Contains(t, c.Verifier().KeyIDs(), serial)
	_, err = c.QueryTransaction(context.Background(), "NONE", "")
	assert.ErrorIs(t, err, ErrNotFound, "answers in certificate mode verify")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.True(t, apiErr.Verified)
}

func TestAgainstMockV2(t *testing.T) {
	srv, c, clk := newMockEnv(t)
	ctx := context.Background()
	payments := make(chan *V2PaymentEvent, 2)
	plates := make(chan *V2PlateEvent, 2)
	notify := httptest.NewServer(c.NotifyHandlerV2(HandlersV2{
		OnPayment:    func(_ context.Context, e *V2PaymentEvent) error { payments <- e; return nil },
		OnPlateState: func(_ context.Context, e *V2PlateEvent) error { plates <- e; return nil },
	}))
	defer notify.Close()
	require.NoError(t, srv.EnrolPlate(mock.Plate{PlateNumber: itPlate, PlateColor: "BLUE", OpenID: itOpenID}))

	us, err := c.QueryUserState(ctx, QueryUserStateRequest{AppID: itAppID, TradeScene: ScenePARKING, PlateNumber: itPlate})
	require.NoError(t, err)
	assert.True(t, us.Normal())
	assert.Equal(t, []string{itPlate}, us.Plates)

	entry := clk.now()
	en, err := c.NotifyEntry(ctx, NotifyEntryRequest{AppID: itAppID, StartTime: entry, NotifyURL: notify.URL + "/state",
		PlateNumber: itPlate, ParkingName: "欢乐海岸", FreeTime: 15 * time.Minute})
	require.NoError(t, err)
	assert.Equal(t, "NORMAL", en.UserState)

	clk.add(time.Hour)
	_, err = c.PayApply(ctx, PayApplyRequest{AppID: itAppID, Body: "停车费", OutTradeNo: "V2T1", TotalFen: 500, SpbillCreateIP: "127.0.0.1",
		NotifyURL: notify.URL + "/pay", Scene: ParkingScene{StartTime: entry, EndTime: clk.now(), ChargingDuration: time.Hour, PlateNumber: itPlate, ParkingName: "欢乐海岸"}})
	require.NoError(t, err)
	o, err := c.QueryOrder(ctx, QueryOrderRequest{AppID: itAppID, OutTradeNo: "V2T1"})
	require.NoError(t, err)
	assert.Equal(t, "ACCEPT", o.TradeState)
	assert.Equal(t, int64(500), o.TotalFen)

	srv.AdvanceCallbacks(3 * time.Second)
	select {
	case e := <-payments:
		assert.Equal(t, "SUCCESS", e.TradeState)
		assert.Equal(t, "V2T1", e.OutTradeNo)
	default:
		t.Fatal("no payment notification")
	}
	for _, scene := range []Scene{
		HighwayScene{StartTime: entry, EndTime: clk.now(), PlateNumber: itPlate, CarType: "小型车", EntranceName: "大铲湾", ExitName: "虎门大桥", ChannelType: "MTC"},
		BridgeScene{StartTime: entry, PlateNumber: itPlate, ExitName: "虎门大桥"},
		GasScene{StartTime: entry, PlateNumber: itPlate, GasStation: "S1", GasLabelName: "95", GasType: "汽油", GasStandard: "国VI", GasAmount: "40.00", GasGunNo: "3"},
	} {
		_, err = c.PayApply(ctx, PayApplyRequest{AppID: itAppID, Body: "通行费", OutTradeNo: "S" + scene.tradeScene()[:3], TotalFen: 100,
			SpbillCreateIP: "127.0.0.1", NotifyURL: notify.URL + "/pay", Scene: scene})
		assert.NoError(t, err, scene.tradeScene())
	}

	require.NoError(t, srv.SetPlateState(itPlate, "BLUE", mock.StatePause))
	srv.AdvanceCallbacks(0)
	select {
	case e := <-plates:
		assert.Equal(t, "BLOCKED", e.EventType)
	default:
		t.Fatal("no plate notification")
	}

	_, err = c.QueryOrder(ctx, QueryOrderRequest{AppID: itAppID, OutTradeNo: "NOPE"})
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = c.PayApply(ctx, PayApplyRequest{AppID: itAppID, Body: "x", OutTradeNo: "V2T1", TotalFen: 999, SpbillCreateIP: "127.0.0.1",
		NotifyURL: notify.URL, Scene: ParkingScene{StartTime: entry, PlateNumber: itPlate, ParkingName: "x"}})
	assert.True(t, IsCode(err, "OUT_TRADE_NO_USED"), "%v", err)
}

// A deduction whose answer is lost is reported as outcome-unknown, and
// resolved by querying the same order number.
func TestDroppedDeductionIsResolvedByQuery(t *testing.T) {
	srv, c, clk := newMockEnv(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
	ctx := context.Background()
	require.NoError(t, srv.EnrolPlate(mock.Plate{PlateNumber: itPlate, PlateColor: "BLUE", OpenID: itOpenID}))
	entry := clk.now()
	pk, err := c.CreateParking(ctx, CreateParkingRequest{OutParkingNo: "P1", PlateNumber: itPlate, PlateColor: Blue,
		NotifyURL: "https://example.com/n", StartTime: entry, ParkingName: "lot"})
	require.NoError(t, err)
	clk.add(time.Hour)
	srv.DropNext("/v3/vehicle/transactions/parking")
	req := DeductRequest{AppID: itAppID, Description: "停车费", OutTradeNo: "T1", NotifyURL: "https://example.com/p", TotalFen: 600,
		Parking: ParkingInfo{ParkingID: pk.ID, PlateNumber: itPlate, PlateColor: Blue, StartTime: entry, EndTime: clk.now(),
			ParkingName: "lot", ChargingDuration: time.Hour, DeviceID: "lane-1"}}
	_, err = c.Deduct(ctx, req)
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "same order number")

	q, err := c.QueryTransaction(ctx, "T1", "")
	require.NoError(t, err)
	assert.True(t, q.TradeState.Accepted(), "it was accepted after all")
	again, err := c.Deduct(ctx, req)
	require.NoError(t, err, "re-sending the same order is safe")
	assert.True(t, again.TradeState.Accepted())
	assert.False(t, errors.Is(err, ErrOutcomeUnknown))
}

func mockPlate() mock.Plate {
	return mock.Plate{PlateNumber: itPlate, PlateColor: "BLUE", OpenID: itOpenID}
}
