package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gatepay/gatepay/signing"
)

// faultsJSON is Faults on the control API, with durations in milliseconds.
type faultsJSON struct {
	LatencyMS     int64   `json:"latency_ms"`
	ErrorRate     float64 `json:"error_rate"`
	DropRate      float64 `json:"drop_rate"`
	DuplicateRate float64 `json:"duplicate_rate"`
	ReorderRate   float64 `json:"reorder_rate"`
	ProbeRate     float64 `json:"probe_rate"`
	ClockSkewMS   int64   `json:"clock_skew_ms"`
}

func toFaultsJSON(f Faults) faultsJSON {
	return faultsJSON{f.Latency.Milliseconds(), f.ErrorRate, f.DropRate, f.DuplicateRate, f.ReorderRate, f.ProbeRate, f.ClockSkew.Milliseconds()}
}

func (f faultsJSON) faults() Faults {
	return Faults{Latency: time.Duration(f.LatencyMS) * time.Millisecond, ErrorRate: f.ErrorRate, DropRate: f.DropRate,
		DuplicateRate: f.DuplicateRate, ReorderRate: f.ReorderRate, ProbeRate: f.ProbeRate, ClockSkew: time.Duration(f.ClockSkewMS) * time.Millisecond}
}

// serveControl is the JSON control API under /mock/ (see the package doc).
// It is unauthenticated: bind the mock to loopback.
func (h *Handler) serveControl(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	bad := func(err error) { reply(http.StatusBadRequest, map[string]string{"error": err.Error()}) }
	read := func(v any) bool {
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(v); err != nil {
			bad(errf("request body: %v", err))
			return false
		}
		return true
	}
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET /mock/keys":
		reply(http.StatusOK, map[string]string{
			"public_key_id": h.PublicKeyID(), "public_key_pem": string(h.PublicKeyPEM()),
			"certificate_serial": signing.CertificateSerial(h.cert), "certificate_pem": string(h.certPEM),
			"apiv3_key": h.APIv3Key(), "apiv2_key": h.APIv2Key(),
		})
	case "POST /mock/merchants":
		var in struct {
			MchID        string `json:"mchid"`
			SerialNo     string `json:"serial_no"`
			PublicKeyPEM string `json:"public_key_pem"`
			Partner      bool   `json:"partner"`
			APIv3Key     string `json:"apiv3_key"`
			APIv2Key     string `json:"apiv2_key"`
			CertMode     bool   `json:"certificate_mode"`
		}
		if !read(&in) {
			return
		}
		if in.PublicKeyPEM == "" {
			creds, err := h.NewMerchant(in.MchID, in.Partner)
			if err != nil {
				bad(err)
				return
			}
			reply(http.StatusOK, map[string]any{"mchid": creds.MchID, "serial_no": creds.SerialNo, "private_key_pem": string(creds.PrivateKeyPEM),
				"apiv3_key": creds.APIv3Key, "apiv2_key": creds.APIv2Key, "partner": creds.Partner})
			return
		}
		pub, err := signing.LoadPublicKey([]byte(in.PublicKeyPEM))
		if err != nil {
			bad(err)
			return
		}
		if err := h.AddMerchant(Merchant{MchID: in.MchID, SerialNo: in.SerialNo, PublicKey: pub, Partner: in.Partner, APIv3Key: in.APIv3Key, APIv2Key: in.APIv2Key, CertificateMode: in.CertMode}); err != nil {
			bad(err)
			return
		}
		reply(http.StatusOK, map[string]string{"mchid": in.MchID})
	case "GET /mock/plates":
		reply(http.StatusOK, h.Plates())
	case "POST /mock/plates":
		var p Plate
		if !read(&p) {
			return
		}
		if err := h.EnrolPlate(p); err != nil {
			bad(err)
			return
		}
		reply(http.StatusOK, map[string]string{"plate_number": p.PlateNumber})
	case "POST /mock/plates/state":
		var in struct {
			PlateNumber  string `json:"plate_number"`
			PlateColor   string `json:"plate_color"`
			ServiceState string `json:"service_state"`
		}
		if !read(&in) {
			return
		}
		if err := h.SetPlateState(in.PlateNumber, in.PlateColor, in.ServiceState); err != nil {
			bad(err)
			return
		}
		reply(http.StatusOK, map[string]string{"service_state": in.ServiceState})
	case "GET /mock/orders":
		reply(http.StatusOK, h.Orders())
	case "GET /mock/requests":
		reply(http.StatusOK, h.Requests())
	case "GET /mock/callbacks":
		reply(http.StatusOK, h.Callbacks())
	case "POST /mock/callbacks/advance":
		var in struct {
			Seconds float64 `json:"seconds"`
		}
		if !read(&in) {
			return
		}
		if in.Seconds < 0 {
			bad(errf("seconds must not be negative"))
			return
		}
		h.AdvanceCallbacks(time.Duration(in.Seconds * float64(time.Second)))
		reply(http.StatusOK, map[string]any{"callback_clock_seconds": h.CallbackClock().Seconds(), "pending": h.PendingJobs()})
	case "GET /mock/faults":
		reply(http.StatusOK, toFaultsJSON(h.CurrentFaults()))
	case "POST /mock/faults":
		var in faultsJSON
		if !read(&in) {
			return
		}
		h.SetFaults(in.faults())
		reply(http.StatusOK, toFaultsJSON(h.CurrentFaults()))
	case "POST /mock/fail-next", "POST /mock/drop-next":
		var in struct {
			Path   string `json:"path"`
			Status int    `json:"status"`
		}
		if !read(&in) {
			return
		}
		if route == "POST /mock/drop-next" {
			h.DropNext(in.Path)
		} else {
			if in.Status < 400 || in.Status > 599 {
				bad(errf("status %d is not an error status", in.Status))
				return
			}
			h.FailNext(in.Path, in.Status)
		}
		reply(http.StatusOK, map[string]string{"path": in.Path})
	default:
		reply(http.StatusNotFound, map[string]string{"error": "no control endpoint " + route})
	}
}
