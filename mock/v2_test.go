package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v2 sends a signed APIv2 request and returns the parsed answer after
// checking its sign.
func (f *fixture) v2(path string, params map[string]string) map[string]string {
	f.t.Helper()
	p := map[string]string{"appid": testAppID, "mch_id": testMchID, "nonce_str": signing.NewNonce(), "sign_type": signing.SignTypeHMACSHA256, "version": "3.0"}
	for k, v := range params {
		p[k] = v
	}
	if p["mch_id"] == partnerMch {
		p["sub_mch_id"] = testSubMch
	}
	sign, err := signing.SignV2(p, testAPIv2, p["sign_type"])
	require.NoError(f.t, err)
	p["sign"] = sign
	resp, err := http.Post(f.srv.URL()+path, "text/xml", bytes.NewReader(EncodeXML(p)))
	require.NoError(f.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out, err := ParseXML(body)
	require.NoError(f.t, err, "%s", body)
	if out["return_code"] == "SUCCESS" {
		require.NoError(f.t, signing.VerifyV2(out, testAPIv2), "answer must be signed: %s", body)
	}
	return out
}

func parkingScene(plate, notifyURL string, start time.Time) string {
	si := map[string]any{"scene_info": map[string]string{"start_time": start.In(shanghai).Format("20060102150405"),
		"plate_number": plate, "notify_url": notifyURL, "free_time": "900", "car_type": "小型车", "parking_name": "欢乐海岸"}}
	b, _ := json.Marshal(si)
	return string(b)
}

func TestV2ParkingFlow(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t)
	f.enrol(testPlate, "BLUE")
	start := f.clock.Now()

	out := f.v2(PathV2QueryState, map[string]string{"trade_scene": "PARKING", "plate_number": testPlate})
	assert.Equal(t, "SUCCESS", out["result_code"])
	assert.Equal(t, "NORMAL", out["user_state"])
	assert.Equal(t, testOpenID, out["openid"])
	assert.Contains(t, out["plate_number_info"], testPlate)
	_, hasPath := out["path"]
	assert.False(t, hasPath)

	out = f.v2(PathV2QueryState, map[string]string{"trade_scene": "PARKING", "openid": "nobody"})
	assert.Equal(t, "UNAUTHORIZED", out["user_state"])
	assert.NotEmpty(t, out["path"], "abnormal users are sent to the mini-program")

	out = f.v2(PathV2Notification, map[string]string{"trade_scene": "PARKING", "scene_info": parkingScene(testPlate, rc.URL+"/state", start)})
	require.Equal(t, "SUCCESS", out["result_code"], "%v", out)
	assert.Equal(t, "NORMAL", out["user_state"])

	f.clock.Add(time.Hour)
	pay := map[string]string{"trade_scene": "PARKING", "body": "停车费", "out_trade_no": "V2T1", "total_fee": "500",
		"spbill_create_ip": "127.0.0.1", "notify_url": rc.URL + "/pay", "trade_type": "PAP",
		"scene_info": `{"scene_info":{"start_time":"` + start.In(shanghai).Format("20060102150405") + `","end_time":"` + f.clock.Now().In(shanghai).Format("20060102150405") +
			`","charging_time":"3600","plate_number":"` + testPlate + `","parking_name":"欢乐海岸","deduct_mode":"AUTOPAY","support_deduct_mode":"DEDUCT_ALL"}}`}
	out = f.v2(PathV2PayApply, pay)
	require.Equal(t, "SUCCESS", out["result_code"], "%v", out)

	out = f.v2(PathV2QueryOrder, map[string]string{"out_trade_no": "V2T1"})
	assert.Equal(t, "ACCEPT", out["trade_state"])
	// Replay: accepted again, no second order; a changed body is refused.
	out = f.v2(PathV2PayApply, pay)
	assert.Equal(t, "SUCCESS", out["result_code"])
	pay["total_fee"] = "600"
	out = f.v2(PathV2PayApply, pay)
	assert.Equal(t, "OUT_TRADE_NO_USED", out["err_code"])

	f.srv.AdvanceCallbacks(3 * time.Second)
	d := rc.deliveries()
	require.Len(t, d, 1)
	note, err := ParseXML(d[0].body)
	require.NoError(t, err)
	require.NoError(t, signing.VerifyV2(note, testAPIv2))
	assert.Equal(t, "SUCCESS", note["trade_state"])
	assert.Equal(t, "500", note["total_fee"])
	assert.True(t, f.srv.Callbacks()[0].Acked)

	out = f.v2(PathV2QueryOrder, map[string]string{"transaction_id": note["transaction_id"]})
	assert.Equal(t, "SUCCESS", out["trade_state"])
	out = f.v2(PathV2QueryOrder, map[string]string{"out_trade_no": "NOPE"})
	assert.Equal(t, "ORDERNOTEXIST", out["err_code"])

	// Pausing the plate reaches the APIv2 state URL.
	require.NoError(t, f.srv.SetPlateState(testPlate, "BLUE", StatePause))
	f.srv.AdvanceCallbacks(0)
	d = rc.deliveries()
	require.Len(t, d, 2)
	ev, err := ParseXML(d[1].body)
	require.NoError(t, err)
	require.NoError(t, signing.VerifyV2(ev, testAPIv2))
	assert.Equal(t, "BLOCKED", ev["vehicle_event_type"])
	assert.Len(t, ev["vehicle_event_createtime"], 14)
}

func TestV2Scenes(t *testing.T) {
	f := newFixture(t)
	f.enrol(testPlate, "BLUE", func(p *Plate) { p.Outcome = OutcomeFail })
	rc := newReceiver(t)
	base := func(scene, si string) map[string]string {
		return map[string]string{"trade_scene": scene, "body": "通行费", "out_trade_no": "H" + strings.ReplaceAll(scene, " ", ""), "total_fee": "888",
			"spbill_create_ip": "8.8.8.8", "notify_url": rc.URL, "trade_type": "PAP", "version": "2.0", "scene_info": `{"scene_info":` + si + `}`}
	}
	hw := `{"start_time":"20251203104339","end_time":"20251203114339","plate_number":"` + testPlate + `","car_type":"小型车","entrance_name":"沿江深圳-大铲湾","exit_name":"虎门大桥","channel_type":"MTC"}`
	out := f.v2(PathV2PayApply, base("HIGHWAY", hw))
	assert.Equal(t, "SUCCESS", out["result_code"], "%v", out)
	out = f.v2(PathV2PayApply, base("HIGHWAY", strings.Replace(hw, `"MTC"`, `"CASH"`, 1)))
	assert.Equal(t, "PARAM_ERROR", out["err_code"])
	out = f.v2(PathV2PayApply, base("GAS", `{"start_time":"20251203104339","plate_number":"`+testPlate+`"}`))
	assert.Equal(t, "PARAM_ERROR", out["err_code"])
	assert.Contains(t, out["err_code_des"], "gas_station")
	out = f.v2(PathV2PayApply, base("BRIDGE", `{"start_time":"20251203104339","plate_number":"`+testPlate+`","exit_name":"虎门大桥"}`))
	assert.Equal(t, "SUCCESS", out["result_code"], "%v", out)
	out = f.v2(PathV2PayApply, base("BRIDGE", `{"start_time":"2025-12-03","plate_number":"`+testPlate+`","exit_name":"x"}`))
	assert.Contains(t, out["err_code_des"], "yyyyMMddHHmmss")

	f.srv.AdvanceCallbacks(3 * time.Second)
	d := rc.deliveries()
	require.Len(t, d, 2)
	note, err := ParseXML(d[0].body)
	require.NoError(t, err)
	assert.Equal(t, "FAIL", note["result_code"])
	assert.Equal(t, "PAY_FAIL", note["trade_state"])

	// An abnormal user is refused.
	f.enrol("粤B00009", "BLUE", func(p *Plate) { p.ServiceState = StatePause })
	paused := base("BRIDGE", `{"start_time":"20251203104339","plate_number":"粤B00009","exit_name":"虎门大桥"}`)
	paused["out_trade_no"] = "PAUSED1"
	out = f.v2(PathV2PayApply, paused)
	assert.Equal(t, "USER_STATE_ABNORMAL", out["err_code"])
}

func TestV2Errors(t *testing.T) {
	f := newFixture(t)
	post := func(path string, body []byte) (int, map[string]string, []byte) {
		resp, err := http.Post(f.srv.URL()+path, "text/xml", bytes.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out, _ := ParseXML(b)
		return resp.StatusCode, out, b
	}
	_, out, _ := post(PathV2QueryState, []byte("not xml"))
	assert.Equal(t, "FAIL", out["return_code"])
	_, out, _ = post(PathV2QueryState, EncodeXML(map[string]string{"mch_id": "nobody"}))
	assert.Equal(t, "mch_id参数错误", out["return_msg"])
	_, out, _ = post(PathV2QueryState, EncodeXML(map[string]string{"mch_id": testMchID, "sign": "00"}))
	assert.Equal(t, "签名错误", out["return_msg"])
	_, hasSign := out["sign"]
	assert.False(t, hasSign, "a communication failure carries no sign")

	out = f.v2(PathV2QueryState, map[string]string{"trade_scene": "PARKING", "plate_number": testPlate, "openid": "x"})
	assert.Equal(t, "PARAM_ERROR", out["err_code"], "exactly one identity")
	out = f.v2(PathV2QueryState, map[string]string{"trade_scene": "SUBWAY", "plate_number": testPlate})
	assert.Equal(t, "PARAM_ERROR", out["err_code"])
	out = f.v2(PathV2QueryState, map[string]string{"trade_scene": "PARKING", "plate_number": testPlate, "mch_id": partnerMch})
	assert.Equal(t, "FAIL", out["return_code"], "partner on the merchant path")
	out = f.v2(PathV2PartnerQueryState, map[string]string{"trade_scene": "PARKING", "plate_number": testPlate, "mch_id": partnerMch})
	assert.Equal(t, "SUCCESS", out["result_code"], "%v", out)
	out = f.v2(PathV2PartnerQueryState, map[string]string{"trade_scene": "BRIDGE", "plate_number": testPlate, "mch_id": partnerMch})
	assert.Equal(t, "PARAM_ERROR", out["err_code"], "no BRIDGE for partners")
	out = f.v2(PathV2QueryState, map[string]string{"trade_scene": "PARKING", "plate_number": testPlate, "sign_type": signing.SignTypeMD5})
	assert.Equal(t, "SUCCESS", out["result_code"])
	assert.Equal(t, signing.SignTypeMD5, out["sign_type"])

	f.srv.FailNext(PathV2PayApply, 502)
	status, out, _ := post(PathV2PayApply, []byte("<xml></xml>"))
	assert.Equal(t, 200, status, "the merchant is checked before faults")
	assert.Equal(t, "FAIL", out["return_code"])
	p := map[string]string{"appid": testAppID, "mch_id": testMchID, "nonce_str": "n", "sign_type": signing.SignTypeHMACSHA256, "version": "3.0", "trade_scene": "PARKING", "plate_number": testPlate}
	p["sign"], _ = signing.SignV2(p, testAPIv2, signing.SignTypeHMACSHA256)
	f.srv.FailNext(PathV2QueryState, 503)
	status, _, body := post(PathV2QueryState, EncodeXML(p))
	assert.Equal(t, 503, status)
	assert.Contains(t, string(body), "<html>", "infrastructure errors are not XML")
	f.srv.FailNext(PathV2QueryState, 500)
	out = f.v2(PathV2QueryState, map[string]string{"trade_scene": "PARKING", "plate_number": testPlate})
	assert.Equal(t, "SYSTEMERROR", out["err_code"])
	f.srv.FailNext(PathV2QueryState, 429)
	out = f.v2(PathV2QueryState, map[string]string{"trade_scene": "PARKING", "plate_number": testPlate})
	assert.Equal(t, "FREQUENCY_LIMITED", out["err_code"])

	resp, err := http.Get(f.srv.URL() + PathV2QueryState)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 405, resp.StatusCode)
}

func TestXML(t *testing.T) {
	in := map[string]string{"a": "1", "scene_info": `{"x":"]]>"}`, "b": "<&>"}
	out, err := ParseXML(EncodeXML(in))
	require.NoError(t, err)
	assert.Equal(t, in, out)
	_, err = ParseXML([]byte("<root><a>1</a></root>"))
	assert.Error(t, err)
	_, err = ParseXML([]byte("<xml><a><b>1</b></a></xml>"))
	assert.Error(t, err)
	_, err = ParseXML([]byte("<xml><a>1</a>"))
	assert.Error(t, err)
}
