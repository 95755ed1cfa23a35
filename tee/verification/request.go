package verification

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// ErrBadRequest marks a request that cannot be verified because of its
// form: not the JSON of a Request, or evidence that does not decode. The
// HTTP service answers it with 400; evidence that decodes but does not
// verify is a Response with is_valid false instead.
var ErrBadRequest = errors.New("bad verification request")

// Request is upstream dstack-verifier's VerificationRequest
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/verifier/src/types.rs):
// either an attestation, or a TDX quote with its event log and vm_config.
// When Attestation is set, the other evidence fields are ignored: the
// attestation's own config is the only one used.
type Request struct {
	// Quote is a TDX quote ("quote", hex).
	Quote []byte
	// EventLog is the TdxEvent JSON array, as a string ("event_log"), as the
	// guest agent's GetQuote returns it. Required with Quote.
	EventLog *string
	// VMConfig is the vm_config JSON string ("vm_config"). Without it the
	// evidence has no os_image_hash.
	VMConfig *string
	// Attestation is a VersionedAttestation, V0 or V1 ("attestation", hex).
	Attestation []byte
	// Debug asks for diagnostics ("debug"). Upstream adds per-register
	// detail on the full-image path only; it changes nothing here.
	Debug *bool

	hasQuote, hasAttestation bool
}

// DecodeRequest reads a Request as upstream's serde reads it: a JSON object
// whose hex fields are plain hex (no 0x), whose event_log and vm_config are
// strings, and where null is the same as an absent field. Unknown fields are
// ignored, as upstream ignores them (a GetQuote or Attest response can be
// posted as it is). Unlike encoding/json it is exact about the rest: field
// names are case-sensitive, a field given twice, invalid UTF-8 or anything
// after the object is refused. Errors wrap ErrBadRequest.
func DecodeRequest(body []byte) (*Request, error) {
	r, err := decodeRequest(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return r, nil
}

func decodeRequest(body []byte) (*Request, error) {
	if len(body) > MaxEvidenceSize {
		return nil, fmt.Errorf("request of %d bytes exceeds %d", len(body), MaxEvidenceSize)
	}
	if !utf8.Valid(body) {
		return nil, errors.New("request body is not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("request body is not a JSON object")
	}
	r := &Request{}
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("reading the request object: %w", err)
		}
		key := tok.(string) // an object's tokens alternate key, value
		if seen[key] {
			return nil, fmt.Errorf("field %q given twice", key)
		}
		seen[key] = true
		switch key {
		case "quote", "attestation":
			var h *eventlog.HexBytes
			if err := d.Decode(&h); err != nil {
				return nil, fmt.Errorf("%s: want a string of hex (no 0x): %w", key, err)
			}
			if h == nil {
				continue
			}
			if key == "quote" {
				r.Quote, r.hasQuote = *h, true
			} else {
				r.Attestation, r.hasAttestation = *h, true
			}
		case "event_log", "vm_config":
			var s *string
			if err := d.Decode(&s); err != nil {
				return nil, fmt.Errorf("%s: want a JSON string: %w", key, err)
			}
			if key == "event_log" {
				r.EventLog = s
			} else {
				r.VMConfig = s
			}
		case "debug":
			if err := d.Decode(&r.Debug); err != nil {
				return nil, fmt.Errorf("debug: want true or false: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if _, err := d.Token(); err != nil { // '}'
		return nil, fmt.Errorf("reading the request object: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the request object")
	}
	return r, nil
}

// Evidence returns the attestation the request carries: its attestation, or
// one assembled from quote, event_log and vm_config. Errors wrap
// ErrBadRequest.
func (r *Request) Evidence() (*wire.Attestation, error) {
	switch {
	case r.hasAttestation || r.Attestation != nil:
		a, err := decodeAttestation(r.Attestation)
		if err != nil {
			return nil, fmt.Errorf("%w: attestation: %w", ErrBadRequest, err)
		}
		return a, nil
	case r.hasQuote || r.Quote != nil:
		if r.EventLog == nil {
			return nil, fmt.Errorf("%w: event_log is required with quote (the JSON array as a string, as GetQuote returns it)", ErrBadRequest)
		}
		vmConfig := ""
		if r.VMConfig != nil {
			vmConfig = *r.VMConfig
		}
		a, err := quoteAttestation(r.Quote, []byte(*r.EventLog), vmConfig)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		return a, nil
	default:
		return nil, fmt.Errorf("%w: give attestation, or quote with event_log and vm_config", ErrBadRequest)
	}
}
