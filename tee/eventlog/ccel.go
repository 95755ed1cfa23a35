package eventlog

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// TCG event types that the parser treats specially.
const (
	evNoAction            = 0x00000003
	evPlatformConfigFlags = 0x0000000a
	algSHA384             = 0x000c
	maxCCELEventSize      = 1 << 20
	maxCCELDigests        = 8
)

// ParseCCEL parses a CCEL table: a TCG2 crypto-agile event log whose first
// entry is the SHA-1-format Spec ID event listing the digest algorithms. It
// keeps each event's SHA-384 digest, maps the CCEL register index 1–4 to
// IMR 0–3 (RTMR0–3), and stops at the table's padding (0xff or 0x00 bytes).
// The Spec ID event itself is not returned.
func ParseCCEL(b []byte) ([]Event, error) {
	r := reader{b: b}
	// The Spec ID event: PCR index, type, SHA-1 digest, size, data.
	if _, err := r.u32(); err != nil {
		return nil, ccelErr(0, err)
	}
	typ, err := r.u32()
	if err != nil {
		return nil, ccelErr(0, err)
	}
	if typ != evNoAction {
		return nil, ccelErr(0, fmt.Errorf("first event has type %#x, want the Spec ID event", typ))
	}
	if _, err := r.take(20); err != nil {
		return nil, ccelErr(0, err)
	}
	spec, err := r.sized()
	if err != nil {
		return nil, ccelErr(0, err)
	}
	sizes, err := parseSpecID(spec)
	if err != nil {
		return nil, ccelErr(0, err)
	}
	var events []Event
	for i := 1; r.remaining() > 0; i++ {
		if r.padding() {
			break
		}
		pcr, err := r.u32()
		if err != nil {
			return nil, ccelErr(i, err)
		}
		typ, err := r.u32()
		if err != nil {
			return nil, ccelErr(i, err)
		}
		count, err := r.u32()
		if err != nil {
			return nil, ccelErr(i, err)
		}
		if count == 0 || count > maxCCELDigests {
			return nil, ccelErr(i, fmt.Errorf("%d digests", count))
		}
		var digest []byte
		for j := uint32(0); j < count; j++ {
			alg, err := r.u16()
			if err != nil {
				return nil, ccelErr(i, err)
			}
			size, ok := sizes[alg]
			if !ok {
				return nil, ccelErr(i, fmt.Errorf("digest algorithm %#x not declared in the Spec ID event", alg))
			}
			d, err := r.take(int(size))
			if err != nil {
				return nil, ccelErr(i, err)
			}
			if alg == algSHA384 {
				digest = append([]byte{}, d...)
			}
		}
		data, err := r.sized()
		if err != nil {
			return nil, ccelErr(i, err)
		}
		if typ == evNoAction {
			continue // not extended into any register
		}
		if pcr < 1 || pcr > 4 {
			return nil, ccelErr(i, fmt.Errorf("register index %d outside RTMR0–3", pcr))
		}
		if digest == nil {
			return nil, ccelErr(i, fmt.Errorf("no SHA-384 digest"))
		}
		events = append(events, Event{
			IMR:       pcr - 1,
			EventType: typ,
			Digest:    digest,
			Event:     acpiLabel(typ, data),
			Payload:   append(HexBytes{}, data...),
		})
	}
	return events, nil
}

func ccelErr(i int, err error) error {
	return fmt.Errorf("parsing CCEL event %d: %w: %v", i, ErrMalformed, err)
}

// parseSpecID reads the algorithm list of a TCG_EfiSpecIDEvent.
func parseSpecID(b []byte) (map[uint16]uint16, error) {
	r := reader{b: b}
	sig, err := r.take(16)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(sig, []byte("Spec ID Event03")) {
		return nil, fmt.Errorf("bad Spec ID signature %q", sig)
	}
	// platformClass u32, spec version minor/major/errata u8 ×3, uintnSize u8.
	if _, err := r.take(8); err != nil {
		return nil, err
	}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if n == 0 || n > maxCCELDigests {
		return nil, fmt.Errorf("%d digest algorithms", n)
	}
	sizes := make(map[uint16]uint16, n)
	for i := uint32(0); i < n; i++ {
		alg, err := r.u16()
		if err != nil {
			return nil, err
		}
		size, err := r.u16()
		if err != nil {
			return nil, err
		}
		if size == 0 || size > 64 {
			return nil, fmt.Errorf("digest size %d for algorithm %#x", size, alg)
		}
		sizes[alg] = size
	}
	if sizes[algSHA384] != 48 {
		return nil, fmt.Errorf("no 48-byte SHA-384 digests in the log")
	}
	return sizes, nil
}

// reader consumes little-endian fields with bounds checks.
type reader struct {
	b   []byte
	off int
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, fmt.Errorf("truncated at offset %d: need %d bytes, have %d", r.off, n, r.remaining())
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out, nil
}

func (r *reader) u16() (uint16, error) {
	b, err := r.take(2)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

// sized reads a u32 length and that many bytes.
func (r *reader) sized() ([]byte, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if n > maxCCELEventSize {
		return nil, fmt.Errorf("event of %d bytes", n)
	}
	return r.take(int(n))
}

// padding reports whether the rest of the table is unused: it starts with an
// all-0xff or all-zero event header.
func (r *reader) padding() bool {
	rest := r.b[r.off:]
	if len(rest) < 8 {
		return true
	}
	head := rest[:8]
	return bytes.Equal(head, bytes.Repeat([]byte{0xff}, 8)) || bytes.Equal(head, make([]byte, 8))
}
