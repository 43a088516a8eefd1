// Package client calls WeChat Pay's vehicle APIs — APIv3 支付分停车服务 and
// APIv2 车主平台 — as typed Go calls, and receives their notifications.
//
// A Client is built once per merchant with New: the merchant key, and a
// way to trust WeChat's answers (the WeChat Pay public key, platform
// certificates, or both during a migration). Then:
//
//   - APIv3: FindPlateService, CreateParking, Deduct, QueryTransaction,
//     DownloadCertificates, and Do for endpoints not wrapped yet.
//   - APIv2: QueryUserState, NotifyEntry, PayApply (ParkingScene,
//     ParkingSpaceScene, GasScene, HighwayScene, BridgeScene), QueryOrder.
//   - Notifications: NotifyHandler (APIv3, JSON, encrypted) and
//     NotifyHandlerV2 (APIv2, XML) verify, decrypt, de-duplicate and hand
//     typed events to the vendor; ParseNotification for other routers.
//     Package notifytest builds signed notifications for vendors' tests.
//
// Money is int64 fen; times are time.Time, written as RFC 3339 in +08:00
// (APIv3) or yyyyMMddHHmmss in Asia/Shanghai (APIv2). Requests are checked
// by Validate before anything is signed.
//
// Charging twice is made hard: every attempt of a call is re-signed but
// carries the identical body, so the merchant's order number
// (out_trade_no, out_parking_no) is the idempotency key. Transport errors,
// 202, 429 and 5xx are retried with jittered exponential backoff (honouring
// Retry-After) within the context's deadline; 4xx never are. When a call
// that creates or charges ends without a definite answer, its error
// matches ErrOutcomeUnknown: resolve it with QueryTransaction (or
// QueryOrder) and the same order number — never by minting a new one.
//
// Every APIv3 answer is verified; an unsigned or badly signed 2xx is an
// error, never a result. APIv2 answers have their sign checked; a failure
// without a sign is reported as unverified, and a success without a sign
// is refused. Errors are *APIError values (status, code, message, detail,
// Request-ID, attempts) matching ErrRateLimited, ErrInvalidRequest,
// ErrSignature, ErrNotFound, ErrServer, ErrUnverified; IsCode checks a
// WeChat code.
//
// The transport is resty over go-retryablehttp (one retry layer: resty's
// own retries are off) over a transport that applies the client-side rate
// limits (x/time/rate, per endpoint; calls wait, they do not fail) and
// signs each attempt. Logging goes to a slog.Logger, silent by default;
// keys, signatures, Authorization headers, openids and plates never reach
// it (plates only with WithPlateLogging).
package client
