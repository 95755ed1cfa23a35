package attest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// QuoteResponse is the guest agent's GetQuote answer (upstream's
// GetQuoteResponse in
// https://github.com/Dstack-TEE/dstack/blob/master/dstack/guest-agent/rpc/proto/agent_rpc.proto),
// with its fields in upstream's order: bytes fields are lowercase hex, the
// event log is a JSON string holding the array of events.
type QuoteResponse struct {
	Quote       eventlog.HexBytes `json:"quote"`
	EventLog    string            `json:"event_log"`
	ReportData  eventlog.HexBytes `json:"report_data"`
	VMConfig    string            `json:"vm_config"`
	Attestation eventlog.HexBytes `json:"attestation"`
}

// NewQuoteResponse is the GetQuote answer for TDX evidence: the quote, the
// event log as QuoteEventLog strips it, report_data and vm_config.
func NewQuoteResponse(a *wire.Attestation) (*QuoteResponse, error) {
	if a == nil || a.Variant != wire.VariantTDX || a.TDX == nil {
		return nil, fmt.Errorf("building a GetQuote answer: %w: only TDX evidence has a quote", ErrUnsupportedPlatform)
	}
	log, err := json.Marshal(QuoteEventLog(a.TDX.EventLog))
	if err != nil {
		return nil, fmt.Errorf("building a GetQuote answer: %w", err)
	}
	return &QuoteResponse{Quote: a.TDX.Quote, EventLog: string(log), ReportData: a.ReportData[:], VMConfig: a.Config,
		Attestation: eventlog.HexBytes{}}, nil
}

// QuoteEventLog is GetQuote's event log: every event, as upstream sends it
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-attest/src/attestation.rs,
// get_tdx_event_log_string), boot events without their payloads but for
// the "ACPI DATA" markers, runtime events whole. Upstream also empties the
// runtime events' digests; they are kept here, so that a client that
// replays the log from the digests alone (the SDKs' replayRtmrs) finds the
// quote's RTMR3, and a verifier, which recomputes them from the payloads,
// finds the same.
func QuoteEventLog(events []eventlog.Event) []eventlog.Event {
	out := make([]eventlog.Event, len(events))
	for i, e := range events {
		out[i] = e
		acpi := e.IMR == 0 && e.EventType == 10 && string(e.Payload) == "ACPI DATA"
		if e.EventType != eventlog.RuntimeEventType && !acpi {
			out[i].Payload = nil
		}
	}
	return out
}

// evidenceJSON is the union of the JSON evidence forms.
type evidenceJSON struct {
	Attestation *string         `json:"attestation"`
	Quote       *string         `json:"quote"`
	EventLog    json.RawMessage `json:"event_log"`
	ReportData  string          `json:"report_data"`
	VMConfig    string          `json:"vm_config"`
}

// ParseEvidenceJSON reads evidence in one of its JSON forms: a verifier
// request or an Attest answer ({"attestation": "<hex VersionedAttestation>"},
// every other field then ignored, so that unsigned config cannot be mixed
// in), or a GetQuote answer ({"quote", "event_log", "report_data",
// "vm_config"}; event_log a JSON string holding the array, or the bare
// array). It checks the form, not the evidence: Verify does.
func ParseEvidenceJSON(raw []byte) (*wire.Attestation, error) {
	var in evidenceJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("parsing JSON evidence: %w", err)
	}
	switch {
	case in.Attestation != nil && *in.Attestation != "":
		b, err := hex.DecodeString(strings.TrimPrefix(*in.Attestation, "0x"))
		if err != nil {
			return nil, fmt.Errorf("attestation: %w", err)
		}
		a, _, err := wire.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("attestation: %w", err)
		}
		return a, nil
	case in.Quote != nil:
		quote, err := hex.DecodeString(strings.TrimPrefix(*in.Quote, "0x"))
		if err != nil {
			return nil, fmt.Errorf("quote: %w", err)
		}
		logJSON := []byte(in.EventLog)
		var s string
		if err := json.Unmarshal(in.EventLog, &s); err == nil {
			logJSON = []byte(s)
		}
		var events []eventlog.Event
		if t := bytes.TrimSpace(logJSON); len(t) > 0 && string(t) != "null" {
			if events, err = eventlog.ParseJSON(logJSON); err != nil {
				return nil, fmt.Errorf("event_log: %w", err)
			}
		}
		// The runtime events are read from the log by Verify itself, so
		// that a log whose digests do not match its events is invalid
		// evidence, not unusable input.
		q, err := tdx.Parse(quote)
		if err != nil {
			return nil, fmt.Errorf("quote: %w", err)
		}
		rd := q.ReportData
		if in.ReportData != "" {
			b, err := hex.DecodeString(strings.TrimPrefix(in.ReportData, "0x"))
			if err != nil || len(b) > 64 {
				return nil, errors.New("report_data: want at most 64 hex-encoded bytes")
			}
			rd = [64]byte{}
			copy(rd[:], b)
		}
		return &wire.Attestation{
			Variant:    wire.VariantTDX,
			TDX:        &wire.TDXEvidence{Quote: quote, EventLog: events},
			ReportData: rd,
			Config:     in.VMConfig,
		}, nil
	default:
		return nil, errors.New(`JSON evidence needs an "attestation" or a "quote" field`)
	}
}
