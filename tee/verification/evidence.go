// Package verification turns evidence, as relying parties hold it, into a
// verdict: the evidence forms that `dstack verify` reads, and the request and
// response of upstream's verification service, dstack-verifier
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/verifier/src/types.rs),
// in its JSON spelling. Every form is decoded into one wire.Attestation and
// judged by attest.Verify, so the command line and the HTTP service reach the
// same verdict on the same evidence.
//
// It decodes and reports; it must never judge evidence itself (that is
// attest.Verify's work), never report is_valid for evidence attest.Verify
// refused, and never let a request's top-level quote, event_log or vm_config
// mix into an attestation that carries its own.
package verification

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// MaxEvidenceSize caps a piece of evidence in any of its forms: the wire
// format's own cap (wire.MaxSize) with room for hex and JSON framing.
const MaxEvidenceSize = 3 * wire.MaxSize

// Evidence is one piece of evidence in whichever form it came.
type Evidence struct {
	// Attestation is the evidence, ready for attest.Verify.
	Attestation *wire.Attestation
	// QuoteOnly marks a bare TDX quote: no event log and no claims beyond
	// the quote, to be checked with tdx.Verify alone.
	QuoteOnly bool
}

// ParseEvidence recognises the forms `dstack verify` accepts:
//   - a guest-agent GetQuote response: {"quote", "event_log", "report_data", "vm_config"}
//   - a verifier request: {"attestation": "<hex VersionedAttestation>"}
//   - a raw TDX quote (binary or hex)
//   - raw VersionedAttestation bytes, V0 (SCALE) or V1 (msgpack), binary or hex
//
// It is lenient where a person feeds it files: hex may carry 0x, event_log
// may be the array itself rather than a string holding it. The service's
// requests go through DecodeRequest, which is strict.
func ParseEvidence(raw []byte) (*Evidence, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return parseEvidenceJSON(trimmed)
	}
	if b, err := hex.DecodeString(strings.TrimPrefix(string(trimmed), "0x")); err == nil && len(b) > 0 {
		raw = b
	}
	if len(raw) >= 2 && (raw[0] == 4 || raw[0] == 5) && raw[1] == 0 {
		if _, err := tdx.Parse(raw); err != nil {
			return nil, fmt.Errorf("reading TDX quote: %w", err)
		}
		return &Evidence{QuoteOnly: true, Attestation: &wire.Attestation{Variant: wire.VariantTDX, TDX: &wire.TDXEvidence{Quote: raw}}}, nil
	}
	a, err := decodeAttestation(raw)
	if err != nil {
		return nil, fmt.Errorf("not a TDX quote, and not a VersionedAttestation: %w", err)
	}
	return &Evidence{Attestation: a}, nil
}

// parseEvidenceJSON reads the JSON forms, as attest.ParseEvidenceJSON does.
func parseEvidenceJSON(raw []byte) (*Evidence, error) {
	a, err := attest.ParseEvidenceJSON(raw)
	if err != nil {
		return nil, err
	}
	return &Evidence{Attestation: a}, nil
}

// decodeAttestation decodes VersionedAttestation bytes, refusing bytes after
// the attestation.
func decodeAttestation(b []byte) (*wire.Attestation, error) {
	a, _, err := wire.Decode(b)
	return a, err
}

// quoteAttestation assembles TDX evidence from a quote, the JSON event log
// (a TdxEvent array; nil for none) and the vm_config that came beside it,
// as upstream's Attestation::from_tdx_quote does: report_data is the
// quote's. The runtime events are left for attest.Verify to read from the
// log, so that a log whose digests do not match its events is invalid
// evidence, not unusable input.
func quoteAttestation(quote, eventLogJSON []byte, vmConfig string) (*wire.Attestation, error) {
	var events []eventlog.Event
	if eventLogJSON != nil {
		var err error
		if events, err = eventlog.ParseJSON(eventLogJSON); err != nil {
			return nil, fmt.Errorf("event_log: %w", err)
		}
	}
	q, err := tdx.Parse(quote)
	if err != nil {
		return nil, fmt.Errorf("quote: %w", err)
	}
	return &wire.Attestation{
		Variant:    wire.VariantTDX,
		TDX:        &wire.TDXEvidence{Quote: quote, EventLog: events},
		ReportData: q.ReportData,
		Config:     vmConfig,
	}, nil
}
