// Package mock is a stateful fake WeChat Pay for the vehicle APIs: it lets
// a vendor develop and test a whole contactless parking flow with no
// merchant account, in-process (NewServer, or Handler in their own mux)
// or as a binary (go run ./mock/cmd/gatepay-mock).
//
// It is a second, independent reading of the WeChat Pay specification —
// it imports signing, never client — and it speaks the real protocol:
//
//   - APIv3 (支付分停车服务): services/find, parkings, transactions/parking,
//     query by out_trade_no and certificates. Each request's Authorization
//     is verified (known merchant, matching serial, a timestamp within five
//     minutes, a signature over the method, the URI as sent, the body);
//     requests without Accept or User-Agent are refused; every field rule
//     is enforced with a PARAM_ERROR whose detail.field is a JSON pointer;
//     every answer, errors included, is signed with the key the request
//     names in Wechatpay-Serial (public key or platform certificate) and
//     carries a Request-ID.
//   - APIv2 (车主平台): querystate, notification, payapply (PARKING, PARKING
//     SPACE, GAS, HIGHWAY, BRIDGE scenes) and queryorder, in the
//     /vehicle/pay and /vehicle/partnerpay forms (orders under /transit),
//     XML with HMAC-SHA256 or MD5 signs both ways.
//   - State: plates enrolled per openid (EnrolPlate) with a service state
//     and the fate of their deductions (Outcome); one valid stay per plate
//     (a new entry supersedes the old); a stay is charged once; a repeated
//     out_parking_no or out_trade_no with the same body gets the original
//     answer, with another body INVALID_REQUEST.
//   - Callbacks: deductions are accepted (ACCEPTED), then settled on the
//     callback clock into SUCCESS, PAY_FAIL, or an advanced payment later
//     repaid (PAY_BACK), each delivered as a signed, AES-GCM-encrypted
//     TRANSACTION.* notification and redelivered on WeChat's schedule
//     (RetryScheduleV3) until acknowledged. Pausing a plate mid-stay sends
//     VEHICLE.ENTRANCE_STATE_CHANGE; APIv2 entries and orders get XML
//     callbacks. The callback clock runs on scaled real time
//     (CallbackAuto, WithTimeScale) or only when advanced
//     (CallbackManual, AdvanceCallbacks), which is what tests want.
//   - Faults, repeatable with WithSeed: latency, error answers, dropped
//     connections after processing, duplicate, reordered and probe-signed
//     callbacks, clock skew (Faults), and one-shot FailNext / DropNext.
//
// The JSON control API under /mock/ drives all of this from any language:
//
//	GET  /mock/keys                  keys and ids a client needs
//	POST /mock/merchants             {"mchid":…} generates a merchant key; or register {"mchid","serial_no","public_key_pem"}
//	GET  /mock/plates                enrolled plates
//	POST /mock/plates                {"plate_number","plate_color","openid","service_state","outcome"}
//	POST /mock/plates/state          {"plate_number","plate_color","service_state"}
//	GET  /mock/requests              every request answered
//	GET  /mock/orders                every deduction accepted, one per charge
//	GET  /mock/callbacks             every callback with its attempts
//	POST /mock/callbacks/advance     {"seconds":15}
//	GET  /mock/faults, POST /mock/faults   {"latency_ms","error_rate","drop_rate","duplicate_rate","reorder_rate","probe_rate","clock_skew_ms"}
//	POST /mock/fail-next             {"path","status"}
//	POST /mock/drop-next             {"path"}
//
// The control API has no authentication: keep the mock on loopback.
//
// Choices the specification leaves open, made here: notify URLs may be
// http:// on loopback (WithStrictHTTPS refuses that); deducting a stay
// whose plate is not in service answers 403 NO_AUTH; an APIv2 payapply for
// an abnormal user fails with err_code USER_STATE_ABNORMAL and a reused
// out_trade_no with OUT_TRADE_NO_USED; APIv2 payment results follow the
// APIv3 retry schedule, plate-state events RetryScheduleV2State; string
// lengths are counted in bytes.
package mock
