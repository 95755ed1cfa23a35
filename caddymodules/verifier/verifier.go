// Package verifier is the Caddy module http.handlers.dstack_verify: upstream
// dstack-verifier's HTTP API (POST /verify, GET /health,
// https://github.com/Dstack-TEE/dstack/blob/master/dstack/verifier/src/main.rs)
// served by any Caddy, so a relying party can run the verifier behind its
// own TLS, authentication and rate limits. Requests and responses are
// upstream's JSON; the verdict is tee/verification's, the one `dstack
// verify` prints.
//
// It only verifies what it is sent: it must never fetch evidence, keep
// state between requests, or report evidence valid that tee/attest refused.
package verifier

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/tee/verification"
)

func init() {
	caddy.RegisterModule(new(Handler))
	httpcaddyfile.RegisterHandlerDirective("dstack_verify", parseCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("dstack_verify", httpcaddyfile.Before, "respond")
}

// DefaultMaxBodyBytes is Handler.MaxBodyBytes when unset: 1 MiB, the JSON
// limit upstream's server (Rocket) applies by default, some fifty times the
// size of a TDX request with its event log.
const DefaultMaxBodyBytes = 1 << 20

// MaxBodyBytesLimit is the most MaxBodyBytes may be: the largest evidence
// tee/verification reads (three times the 10 MiB wire limit, for hex and
// JSON framing).
const MaxBodyBytesLimit = verification.MaxEvidenceSize

// Handler is http.handlers.dstack_verify. It answers two paths and passes
// every other request to the next handler:
//
//   - POST /verify: the body is upstream's VerificationRequest
//     ({"attestation": hex} or {"quote": hex, "event_log": string,
//     "vm_config": string}, and "debug"); the answer is 200 with upstream's
//     VerificationResponse ({"is_valid", "details", "reason"}) whether the
//     evidence is valid or not. A body that is not such a request, or whose
//     evidence does not decode, is answered 400, a body over MaxBodyBytes
//     413, both with a VerificationResponse whose reason says what is wrong;
//     another method 405.
//   - GET /health: {"service":"dstack-verifier","status":"ok"}.
//
// Mount it under a path with handle_path to serve it elsewhere.
type Handler struct {
	// Attestation configures evidence verification: where TDX collateral
	// comes from (pccs_url or collateral_dir; default none, so tcb_status is
	// "Unknown") and, for a mock PKI only, insecure_trust_roots (default:
	// the vendors' roots).
	Attestation settings.Attestation `json:"attestation,omitzero"`
	// MaxBodyBytes caps a request body; a larger one is answered 413
	// without being read. Default 1 MiB (DefaultMaxBodyBytes); at most
	// 30 MiB (MaxBodyBytesLimit).
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	// InsecureAllowUnverifiedOSImage reports evidence valid whose
	// os_image_hash is not bound to its boot registers (its reason says
	// so). Default false: such evidence is not valid, as upstream's
	// verifier judges it, because the host chose its OS image claim. It
	// never waives evidence whose registers contradict the image it claims.
	InsecureAllowUnverifiedOSImage bool `json:"insecure_allow_unverified_os_image,omitempty"`

	opts verification.Options
	log  *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.dstack_verify", New: func() caddy.Module { return new(Handler) }}
}

// Provision builds the verification options and warns about every
// insecure one.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.log = ctx.Logger()
	opts, err := h.Attestation.Options()
	if err != nil {
		return fmt.Errorf("dstack_verify: %w", err)
	}
	h.opts = verification.Options{Attestation: opts, InsecureAllowUnverifiedOSImage: h.InsecureAllowUnverifiedOSImage}
	if opts.InsecureTrustRoots != nil {
		h.log.Warn("INSECURE: the vendors' roots of trust are replaced; evidence from a mock PKI is reported valid")
	}
	if h.InsecureAllowUnverifiedOSImage {
		h.log.Warn("INSECURE: insecure_allow_unverified_os_image reports evidence valid whose OS image the host could have chosen")
	}
	return nil
}

// Validate checks the limits.
func (h *Handler) Validate() error {
	if h.MaxBodyBytes < 0 || h.MaxBodyBytes > MaxBodyBytesLimit {
		return fmt.Errorf("dstack_verify: max_body_bytes %d: want 1 to %d (0 for the default, %d)", h.MaxBodyBytes, MaxBodyBytesLimit, DefaultMaxBodyBytes)
	}
	return nil
}

func (h *Handler) maxBody() int64 {
	if h.MaxBodyBytes > 0 {
		return h.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// health is GET /health's body, as upstream's serde_json writes it (keys
// sorted).
var health = []byte(`{"service":"dstack-verifier","status":"ok"}`)

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	switch r.URL.Path {
	case "/health":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return nil
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(health)
		return nil
	case "/verify":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return nil
		}
		h.verify(w, r)
		return nil
	}
	return next.ServeHTTP(w, r)
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	limit := h.maxBody()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.refuse(w, http.StatusRequestEntityTooLarge, "request body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
		return
	case err != nil:
		h.refuse(w, http.StatusBadRequest, "reading the request body: "+err.Error())
		return
	}
	req, err := verification.DecodeRequest(body)
	if err != nil {
		h.refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := verification.Verify(r.Context(), req, h.opts)
	if err != nil {
		h.refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	h.log.Debug("verified", zap.Bool("is_valid", res.IsValid), zap.Stringp("reason", res.Reason))
	writeJSON(w, http.StatusOK, res)
}

// refuse answers a request that cannot be verified, in the response's
// shape so that a client reading is_valid and reason understands it.
func (h *Handler) refuse(w http.ResponseWriter, status int, reason string) {
	h.log.Debug("verification request refused", zap.Int("status", status), zap.String("reason", reason))
	writeJSON(w, status, &verification.Response{Reason: &reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // the response types always marshal
		status, b = http.StatusInternalServerError, []byte(`{"is_valid":false,"details":{},"reason":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// parseCaddyfile sets up the handler from the Caddyfile:
//
//	dstack_verify {
//		pccs                               <url>
//		collateral                         <dir>
//		insecure_trust_roots               <pem file>
//		max_body_bytes                     <n>
//		insecure_allow_unverified_os_image
//	}
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	v := new(Handler)
	return v, v.UnmarshalCaddyfile(h.Dispenser)
}

// UnmarshalCaddyfile reads the dstack_verify directive (see parseCaddyfile
// for its syntax).
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		key := d.Val()
		if key == "insecure_allow_unverified_os_image" {
			if d.NextArg() {
				return d.ArgErr()
			}
			h.InsecureAllowUnverifiedOSImage = true
			continue
		}
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		switch key {
		case "pccs":
			h.Attestation.PCCSURL = val
		case "collateral":
			h.Attestation.CollateralDir = val
		case "insecure_trust_roots":
			h.Attestation.InsecureTrustRoots = val
		case "max_body_bytes":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n <= 0 {
				return d.Errf("max_body_bytes: %q is not a positive number of bytes", val)
			}
			h.MaxBodyBytes = n
		default:
			return d.Errf("unknown dstack_verify option %q (pccs, collateral, insecure_trust_roots, max_body_bytes, insecure_allow_unverified_os_image)", key)
		}
	}
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddyfile.Unmarshaler       = (*Handler)(nil)
)
