// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

const pageSize = 0x1000

// Guest-physical layout constants of QEMU's TDX machine, as upstream's dstack-mr uses them
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/kernel.rs).
const (
	// KernelHashStableMinMemory is the RAM size from which QEMU places the initrd at the same address
	// whatever the size, so one precomputed kernel Authenticode hash holds (0xB0000000).
	KernelHashStableMinMemory uint64 = 0xB0000000
	// KernelHashCompat2GMemory is the one smaller RAM size (2 GiB) that QEMU patches the kernel the same way.
	KernelHashCompat2GMemory uint64 = 0x80000000
	lowMemTop                uint64 = 0x80000000
	highMemBase              uint64 = 0x100000000
)

// ErrWitness is returned for a malformed TD HOB witness.
var ErrWitness = errors.New("malformed TD HOB witness")

// TDHobWitness is upstream's TdHobWitnessV1: the TDVF's TD_HOB and TEMP_MEM sections in pages, from
// which the TD HOB that TDVF measures first into RTMR0 is rebuilt for any RAM size
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/tdvf.rs, td_hob_witness_v1).
type TDHobWitness struct {
	// BasePage is the lowest accepted page; the other pages are relative to it.
	BasePage uint64
	// TDHobPageDelta is the TD_HOB section's page, relative to BasePage.
	TDHobPageDelta uint64
	// Ranges are the accepted ranges, sorted by start, in the order they are encoded.
	Ranges []WitnessRange
}

// WitnessRange is one accepted range of a TD HOB witness, in pages.
type WitnessRange struct {
	StartPageDelta uint64
	Pages          uint64
}

// DecodeTDHobWitness decodes the LEB128 witness: base_page, td_hob_page_delta, count, then count
// (start_page_delta, pages) pairs. Truncation, a varint over 64 bits, trailing bytes or an address
// past 2^64 are errors.
func DecodeTDHobWitness(b []byte) (*TDHobWitness, error) {
	r := witnessReader{b: b}
	w := &TDHobWitness{BasePage: r.next(), TDHobPageDelta: r.next()}
	n := r.next()
	if r.err == nil && n > uint64(len(r.b))/2 {
		return nil, fmt.Errorf("%w: %d ranges in %d bytes", ErrWitness, n, len(r.b))
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		w.Ranges = append(w.Ranges, WitnessRange{StartPageDelta: r.next(), Pages: r.next()})
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrWitness, len(r.b))
	}
	if _, ok := pagesToBytes(w.BasePage, w.TDHobPageDelta, 0); !ok {
		return nil, fmt.Errorf("%w: the TD HOB address overflows", ErrWitness)
	}
	for i, rg := range w.Ranges {
		if _, ok := pagesToBytes(w.BasePage, rg.StartPageDelta, rg.Pages); !ok {
			return nil, fmt.Errorf("%w: range %d overflows", ErrWitness, i)
		}
	}
	return w, nil
}

// Encode is the inverse of DecodeTDHobWitness.
func (w *TDHobWitness) Encode() []byte {
	out := binary.AppendUvarint(nil, w.BasePage)
	out = binary.AppendUvarint(out, w.TDHobPageDelta)
	out = binary.AppendUvarint(out, uint64(len(w.Ranges)))
	for _, r := range w.Ranges {
		out = binary.AppendUvarint(out, r.StartPageDelta)
		out = binary.AppendUvarint(out, r.Pages)
	}
	return out
}

// pagesToBytes returns (base+delta)*4096 and that plus pages*4096, or false on overflow.
func pagesToBytes(base, delta, pages uint64) (start uint64, ok bool) {
	p := base + delta
	if p < base || p > math.MaxUint64/pageSize || pages > math.MaxUint64/pageSize {
		return 0, false
	}
	start = p * pageSize
	if start+pages*pageSize < start {
		return 0, false
	}
	return start, true
}

type witnessReader struct {
	b   []byte
	err error
}

func (r *witnessReader) next() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	switch {
	case n == 0:
		r.err = fmt.Errorf("%w: truncated varint", ErrWitness)
	case n < 0:
		r.err = fmt.Errorf("%w: varint over 64 bits", ErrWitness)
	default:
		r.b = r.b[n:]
	}
	return v
}

// memRange is one range of guest RAM, accepted (by TDVF before the TD HOB is written) or not.
type memRange struct {
	accepted   bool
	start, end uint64
}

// acceptRanges splits [0, memorySize) by the accepted ranges, as upstream's MemoryAcceptor does: each
// accepted range replaces the unaccepted parts it covers, and the list stays sorted by start.
func acceptRanges(memorySize uint64, accepted [][2]uint64) []memRange {
	ranges := []memRange{{false, 0, memorySize}}
	for _, a := range accepted {
		start, end := a[0], a[1]
		if start >= end {
			continue
		}
		next := make([]memRange, 0, len(ranges)+2)
		for _, r := range ranges {
			if r.accepted || r.end <= start || r.start >= end {
				next = append(next, r)
				continue
			}
			if r.start < start {
				next = append(next, memRange{false, r.start, start})
			}
			if r.end > end {
				next = append(next, memRange{false, end, r.end})
			}
		}
		next = append(next, memRange{true, start, end})
		sort.SliceStable(next, func(i, j int) bool { return next[i].start < next[j].start })
		ranges = next
	}
	return ranges
}

// MeasureTDHob returns the SHA-384 of the TD HOB that TDVF builds for a guest of memorySize bytes: a
// PHIT HOB, then one resource-descriptor HOB per range (accepted RAM as type 0, the rest as type 7), the
// last range split around the 32-bit PCI hole when memorySize is at least KernelHashStableMinMemory.
func (w *TDHobWitness) MeasureTDHob(memorySize uint64) ([48]byte, error) {
	var accepted [][2]uint64
	for _, r := range w.Ranges {
		start, _ := pagesToBytes(w.BasePage, r.StartPageDelta, r.Pages)
		accepted = append(accepted, [2]uint64{start, start + r.Pages*pageSize})
	}
	hobBase, _ := pagesToBytes(w.BasePage, w.TDHobPageDelta, 0)
	return measureTDHob(memorySize, hobBase, accepted)
}

func measureTDHob(memorySize, hobBase uint64, accepted [][2]uint64) ([48]byte, error) {
	ranges := acceptRanges(memorySize, accepted)
	hob := make([]byte, 0, 56+48*(len(ranges)+1))
	hob = append(hob, 0x01, 0x00)                   // HobType: PHIT
	hob = binary.LittleEndian.AppendUint16(hob, 56) // HobLength
	hob = append(hob, 0, 0, 0, 0)                   // Reserved
	hob = binary.LittleEndian.AppendUint32(hob, 9)  // Version
	hob = append(hob, make([]byte, 4+5*8)...)       // BootMode, EfiMemoryTop/Bottom, EfiFreeMemoryTop/Bottom, EfiEndOfHobList
	resource := func(typ byte, start, length uint64) {
		hob = append(hob, 0x03, 0x00)                   // HobType: resource descriptor
		hob = binary.LittleEndian.AppendUint16(hob, 48) // HobLength
		hob = append(hob, make([]byte, 4+16)...)        // Reserved, Owner
		hob = append(hob, typ, 0, 0, 0)
		hob = binary.LittleEndian.AppendUint32(hob, 7) // ResourceAttribute
		hob = binary.LittleEndian.AppendUint64(hob, start)
		hob = binary.LittleEndian.AppendUint64(hob, length)
	}
	last := ranges[len(ranges)-1]
	for _, r := range ranges[:len(ranges)-1] {
		if r.end < r.start {
			return [48]byte{}, fmt.Errorf("building the TD HOB: %w: range ends before it starts", ErrWitness)
		}
		typ := byte(0x07)
		if r.accepted {
			typ = 0x00
		}
		resource(typ, r.start, r.end-r.start)
	}
	if last.end < last.start {
		return [48]byte{}, fmt.Errorf("building the TD HOB: %w: the last range ends before it starts", ErrWitness)
	}
	if memorySize >= KernelHashStableMinMemory {
		if last.start < lowMemTop {
			resource(0x07, last.start, lowMemTop-last.start)
		}
		if last.end > lowMemTop {
			resource(0x07, highMemBase, last.end-lowMemTop)
		}
	} else {
		resource(0x07, last.start, last.end-last.start)
	}
	binary.LittleEndian.PutUint64(hob[48:56], hobBase+uint64(len(hob))+8)
	return sha512.Sum384(hob), nil
}
