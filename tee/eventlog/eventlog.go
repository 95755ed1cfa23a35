// Package eventlog reads and replays the event logs of a TDX confidential VM:
// the boot log the firmware leaves in the CCEL ACPI table, and dstack's
// runtime events, which the guest extends into RTMR3 to measure the app.
//
// Everything here is arithmetic over the log; nothing here trusts it. A log
// is only evidence once its replay equals a register that a verified quote
// attests, and that comparison is the caller's (package attest).
package eventlog

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gowebpki/jcs"
)

// RuntimeEventType is the TCG event type of dstack runtime events, the same
// for digest formats V1 and V2.
const RuntimeEventType uint32 = 0x08000001

// RuntimeIMR is the index (0-based, RTMR numbering) that runtime events are
// extended into.
const RuntimeIMR = 3

// Names of the runtime events a dstack guest emits while it boots, in the
// order it emits them (init-script-hash, gpu-policy-hash and
// gpu-attestation, which this implementation does not emit, come after
// compose-hash): those up to boot-mr-done form the boot-time measurement,
// and those before system-ready carry the app's identity; events after
// system-ready are the app's own and never identify it. Upstream defines
// them in
// https://github.com/Dstack-TEE/dstack/blob/master/dstack-util/src/system_setup.rs.
const (
	EventSystemPreparing = "system-preparing"
	EventAppID           = "app-id"
	EventComposeHash     = "compose-hash"
	EventInstanceID      = "instance-id"
	EventBootMRDone      = "boot-mr-done"
	EventOSImageHash     = "os-image-hash"
	EventKeyProvider     = "key-provider"
	EventInitScriptHash  = "init-script-hash"
	EventSystemReady     = "system-ready"
)

// Errors of event-log parsing and checking.
var (
	ErrMalformed      = errors.New("malformed event log")
	ErrDigestMismatch = errors.New("event digest does not match its content")
)

// HexBytes is a byte string that is lowercase hex (without 0x) in JSON.
type HexBytes []byte

// MarshalJSON implements json.Marshaler.
func (h HexBytes) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 2+2*len(h))
	out = append(out, '"')
	out = hex.AppendEncode(out, h)
	return append(out, '"'), nil
}

// UnmarshalJSON implements json.Unmarshaler; upper-case hex is accepted.
func (h *HexBytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("hex field: %w", err)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("hex field: %w", err)
	}
	*h = b
	return nil
}

// Event is one entry of a TDX event log in upstream's TdxEvent form.
type Event struct {
	// IMR is the measurement register, 0-based: 0–3 are RTMR0–RTMR3.
	IMR uint32 `json:"imr"`
	// EventType is the TCG event type.
	EventType uint32 `json:"event_type"`
	// Digest is the SHA-384 digest extended into the register; empty in
	// stripped logs for runtime events, which verifiers recompute.
	Digest HexBytes `json:"digest"`
	// Event is the event's name: a runtime event's name, an ACPI label
	// ("acpi-loader", "acpi-rsdp", "acpi-tables"), or empty.
	Event string `json:"event"`
	// Payload is the event data; empty for stripped boot events.
	Payload HexBytes `json:"event_payload"`
	// Version is 2 for runtime events with V2 (JCS) digests, else 0.
	Version uint8 `json:"version,omitempty"`
	// Preimage is the bytes whose SHA-384 is Digest, for V2 runtime events.
	Preimage HexBytes `json:"preimage,omitempty"`
}

// RuntimeEvent is one dstack runtime event.
type RuntimeEvent struct {
	Name    string
	Payload []byte
	// Version selects the digest format: 2 for V2 (JCS), anything else V1.
	Version uint8
}

// Preimage returns the bytes that Digest hashes:
// V1: LE32(0x08000001) ‖ ":" ‖ name ‖ ":" ‖ payload;
// V2: the JCS form of {"name","payload"(hex),"type":134217729}.
func (e RuntimeEvent) Preimage() []byte {
	if e.Version == 2 {
		return v2Preimage(e.Name, e.Payload)
	}
	b := make([]byte, 0, 6+len(e.Name)+len(e.Payload))
	b = binary.LittleEndian.AppendUint32(b, RuntimeEventType)
	b = append(b, ':')
	b = append(b, e.Name...)
	b = append(b, ':')
	return append(b, e.Payload...)
}

// v2Preimage builds the JCS (RFC 8785) serialisation of the V2 event object.
// With three fixed keys in code-point order, JCS reduces to the canonical
// string escaping of name and the lowercase hex payload, which
// encoding/json's escaping rules would get wrong for some characters; jcs
// does it by the RFC.
func v2Preimage(name string, payload []byte) []byte {
	obj, err := json.Marshal(struct {
		Name    string `json:"name"`
		Payload string `json:"payload"`
		Type    uint32 `json:"type"`
	}{name, hex.EncodeToString(payload), RuntimeEventType})
	if err == nil {
		if canon, err := jcs.Transform(obj); err == nil {
			return canon
		}
	}
	// json.Marshal of strings and a number cannot fail, and jcs accepts
	// what it produced; keep a deterministic value regardless.
	return obj
}

// Digest is the SHA-384 of Preimage.
func (e RuntimeEvent) Digest() [48]byte {
	return sha512.Sum384(e.Preimage())
}

// TdxEvent returns the event in TdxEvent form. Stripped events carry no
// digest (verifiers recompute it), as upstream strips them for certificates;
// V2 events keep their preimage either way.
func (e RuntimeEvent) TdxEvent(stripped bool) Event {
	ev := Event{IMR: RuntimeIMR, EventType: RuntimeEventType, Event: e.Name, Payload: append(HexBytes{}, e.Payload...)}
	if !stripped {
		d := e.Digest()
		ev.Digest = d[:]
	}
	if e.Version == 2 {
		ev.Version = 2
		ev.Preimage = e.Preimage()
	}
	return ev
}

// Extend returns SHA384(mr ‖ digest), a register extension.
func Extend(mr, digest [48]byte) [48]byte {
	var buf [96]byte
	copy(buf[:48], mr[:])
	copy(buf[48:], digest[:])
	return sha512.Sum384(buf[:])
}

// Replay extends the events' digests into a zero register.
func Replay(events []RuntimeEvent) [48]byte {
	var mr [48]byte
	for _, e := range events {
		mr = Extend(mr, e.Digest())
	}
	return mr
}

// ReplayUntil replays up to and including the first event named name (the
// boot-time boundary "boot-mr-done"). ok is false when there is no such
// event; the full replay is returned then.
func ReplayUntil(events []RuntimeEvent, name string) (mr [48]byte, ok bool) {
	for _, e := range events {
		mr = Extend(mr, e.Digest())
		if e.Name == name {
			return mr, true
		}
	}
	return mr, false
}

// ReplayIMR replays the digests of every event of one register, as a check
// of a boot log against RTMR0–2.
func ReplayIMR(events []Event, imr uint32) ([48]byte, error) {
	var mr [48]byte
	for i, e := range events {
		if e.IMR != imr {
			continue
		}
		if len(e.Digest) != 48 {
			return mr, fmt.Errorf("replaying IMR %d: %w: event %d has a %d-byte digest", imr, ErrMalformed, i, len(e.Digest))
		}
		mr = Extend(mr, [48]byte(e.Digest))
	}
	return mr, nil
}

// ParseJSON parses a TdxEvent JSON array.
func ParseJSON(b []byte) ([]Event, error) {
	var events []Event
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&events); err != nil {
		return nil, fmt.Errorf("parsing event log JSON: %w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("parsing event log JSON: %w: trailing data", ErrMalformed)
	}
	for i, e := range events {
		if e.IMR > 3 {
			return nil, fmt.Errorf("parsing event log JSON: %w: event %d has IMR %d", ErrMalformed, i, e.IMR)
		}
	}
	return events, nil
}

// RuntimeEvents extracts the runtime events (RTMR3, type 0x08000001) of a
// log and checks each digest: a digest that is present must equal the one
// recomputed from the name and payload (for V2, a preimage that is present
// must be the canonical one); an empty digest, as in stripped logs, is
// recomputed.
func RuntimeEvents(events []Event) ([]RuntimeEvent, error) {
	var out []RuntimeEvent
	for i, e := range events {
		if e.IMR != RuntimeIMR || e.EventType != RuntimeEventType {
			continue
		}
		re := RuntimeEvent{Name: e.Event, Payload: []byte(e.Payload), Version: 1}
		switch e.Version {
		case 0, 1:
		case 2:
			re.Version = 2
		default:
			return nil, fmt.Errorf("reading runtime event %d (%q): %w: version %d", i, e.Event, ErrMalformed, e.Version)
		}
		if re.Version == 2 && len(e.Preimage) > 0 && !bytes.Equal(e.Preimage, re.Preimage()) {
			return nil, fmt.Errorf("reading runtime event %d (%q): %w: preimage is not the canonical JCS form", i, e.Event, ErrDigestMismatch)
		}
		if len(e.Digest) > 0 {
			d := re.Digest()
			if !bytes.Equal(e.Digest, d[:]) {
				return nil, fmt.Errorf("reading runtime event %d (%q): %w", i, e.Event, ErrDigestMismatch)
			}
		}
		out = append(out, re)
	}
	return out, nil
}

// acpiLabel names the three ACPI events of RTMR0 the way upstream's log
// does, from the fw_cfg file name that starts their payload.
func acpiLabel(eventType uint32, payload []byte) string {
	if eventType != evPlatformConfigFlags {
		return ""
	}
	switch {
	case bytes.HasPrefix(payload, []byte("etc/table-loader")):
		return "acpi-loader"
	case bytes.HasPrefix(payload, []byte("etc/acpi/rsdp")):
		return "acpi-rsdp"
	case bytes.HasPrefix(payload, []byte("etc/acpi/tables")):
		return "acpi-tables"
	}
	return ""
}

// IsACPIData reports whether e is one of the labelled ACPI events.
func (e Event) IsACPIData() bool {
	return e.IMR == 0 && strings.HasPrefix(e.Event, "acpi-")
}
