package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// A SCALE codec for the types dstack's wire formats use: compact integers,
// Vec, String, bool, Option, little-endian u32/u64 and fixed arrays. It is
// written here because no maintained Go SCALE library is available; it is
// small, and every length is checked against the remaining input before
// anything is allocated. Non-canonical compact encodings are rejected, as
// parity-scale-codec rejects them.

// ErrMalformed wraps every decoding failure.
var ErrMalformed = errors.New("malformed attestation encoding")

// scaleDecoder reads SCALE values from a byte slice.
type scaleDecoder struct {
	b   []byte
	off int
}

func (d *scaleDecoder) fail(what string, format string, args ...any) error {
	return fmt.Errorf("%w: %s at offset %d: %s", ErrMalformed, what, d.off, fmt.Sprintf(format, args...))
}

func (d *scaleDecoder) remaining() int { return len(d.b) - d.off }

func (d *scaleDecoder) take(what string, n uint64) ([]byte, error) {
	if n > uint64(d.remaining()) {
		return nil, d.fail(what, "need %d bytes, %d left", n, d.remaining())
	}
	out := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return out, nil
}

func (d *scaleDecoder) u8(what string) (byte, error) {
	b, err := d.take(what, 1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (d *scaleDecoder) u32(what string) (uint32, error) {
	b, err := d.take(what, 4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (d *scaleDecoder) u64(what string) (uint64, error) {
	b, err := d.take(what, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (d *scaleDecoder) boolean(what string) (bool, error) { return d.flag(what, "bool") }

// flag reads a byte that must be 0 or 1 (a bool, or an Option's tag).
func (d *scaleDecoder) flag(what, kind string) (bool, error) {
	b, err := d.u8(what)
	if err != nil {
		return false, err
	}
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, d.fail(what, "%s byte %#x", kind, b)
}

// compact reads a compact-encoded unsigned integer.
func (d *scaleDecoder) compact(what string) (uint64, error) {
	b0, err := d.u8(what)
	if err != nil {
		return 0, err
	}
	switch b0 & 3 {
	case 0:
		return uint64(b0 >> 2), nil
	case 1:
		b1, err := d.u8(what)
		if err != nil {
			return 0, err
		}
		v := uint64(binary.LittleEndian.Uint16([]byte{b0, b1}) >> 2)
		if v < 1<<6 {
			return 0, d.fail(what, "non-canonical compact %d", v)
		}
		return v, nil
	case 2:
		d.off--
		b, err := d.take(what, 4)
		if err != nil {
			return 0, err
		}
		v := uint64(binary.LittleEndian.Uint32(b) >> 2)
		if v < 1<<14 {
			return 0, d.fail(what, "non-canonical compact %d", v)
		}
		return v, nil
	default:
		n := int(b0>>2) + 4
		if n > 8 {
			return 0, d.fail(what, "compact integer of %d bytes does not fit 64 bits", n)
		}
		b, err := d.take(what, uint64(n))
		if err != nil {
			return 0, err
		}
		var buf [8]byte
		copy(buf[:], b)
		v := binary.LittleEndian.Uint64(buf[:])
		if v < 1<<30 || b[n-1] == 0 {
			return 0, d.fail(what, "non-canonical compact %d", v)
		}
		return v, nil
	}
}

// length reads a compact length and checks that at least min bytes per
// item remain.
func (d *scaleDecoder) length(what string, minItem int) (int, error) {
	n, err := d.compact(what)
	if err != nil {
		return 0, err
	}
	if minItem < 1 {
		minItem = 1
	}
	if n > uint64(d.remaining()/minItem) {
		return 0, d.fail(what, "length %d exceeds the %d bytes left", n, d.remaining())
	}
	return int(n), nil
}

func (d *scaleDecoder) bytes(what string) ([]byte, error) {
	n, err := d.length(what, 1)
	if err != nil {
		return nil, err
	}
	b, err := d.take(what, uint64(n))
	if err != nil {
		return nil, err
	}
	return append([]byte{}, b...), nil
}

func (d *scaleDecoder) str(what string) (string, error) {
	b, err := d.bytes(what)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", d.fail(what, "string is not UTF-8")
	}
	return string(b), nil
}

func (d *scaleDecoder) option(what string) (bool, error) { return d.flag(what, "option") }

// SCALE encoding, appending to a slice.

func appendCompact(b []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(b, byte(v<<2))
	case v < 1<<14:
		return binary.LittleEndian.AppendUint16(b, uint16(v<<2|1))
	case v < 1<<30:
		return binary.LittleEndian.AppendUint32(b, uint32(v<<2|2))
	}
	n := (bits.Len64(v) + 7) / 8
	b = append(b, byte((n-4)<<2|3))
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], v)
	return append(b, buf[:n]...)
}

func appendBytes(b, v []byte) []byte {
	return append(appendCompact(b, uint64(len(v))), v...)
}

func appendStr(b []byte, s string) []byte {
	return append(appendCompact(b, uint64(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
