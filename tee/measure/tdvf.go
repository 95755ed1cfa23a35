// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// The TDVF metadata layout and the MRTD algorithm are upstream's
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/tdvf.rs), which follows the TDX
// module's MEM.PAGE.ADD and MR.EXTEND operations as QEMU issues them for the firmware.

const (
	tdvfExtendChunk      = 0x100
	tdvfAttrMRExtend     = 0x1
	tdvfAttrPageAug      = 0x2
	tdvfSectionTDHob     = 0x02
	tdvfSectionTempMem   = 0x03
	tdvfFooterTrailer    = 0x20 // bytes after the GUID table's footer GUID
	tdvfDescriptorSize   = 16
	tdvfSectionEntrySize = 32
	// tdvfMaxSections bounds the section count a descriptor may claim; real firmware has fewer than ten.
	tdvfMaxSections = 256
	// tdvfMaxMemory bounds the guest memory all sections together may cover, so that a hostile descriptor
	// cannot make MRTD hash for hours; OVMF's sections cover a few MiB.
	tdvfMaxMemory = 1 << 30
)

// EFI GUIDs as they are laid out in memory (the first three fields little-endian).
var (
	tdvfTableFooterGUID    = efiGUID(0x96b582de, 0x1fb2, 0x45f7, [8]byte{0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d})
	tdvfMetadataOffsetGUID = efiGUID(0xe47a6535, 0x984a, 0x4798, [8]byte{0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2})
)

func efiGUID(a uint32, b, c uint16, d [8]byte) []byte {
	g := make([]byte, 16)
	binary.LittleEndian.PutUint32(g, a)
	binary.LittleEndian.PutUint16(g[4:], b)
	binary.LittleEndian.PutUint16(g[6:], c)
	copy(g[8:], d[:])
	return g
}

// ErrNoTDVF is returned by ParseTDVF for firmware that carries no TDX metadata at all (no OVMF GUID table, or
// no TDX metadata entry in it), as opposed to metadata that is present but malformed.
var ErrNoTDVF = errors.New("the firmware has no TDX (TDVF) metadata; build OVMF with TDX support (OvmfPkg/IntelTdx or OvmfPkgX64 with TDX)")

// TDVFSection is one entry of the TDVF metadata: a range of guest memory, and where in the firmware file its
// initial content comes from.
type TDVFSection struct {
	DataOffset     uint32
	RawDataSize    uint32
	MemoryAddress  uint64
	MemoryDataSize uint64
	Type           uint32
	Attributes     uint32
}

// TDVF is the TDX metadata of an OVMF firmware file (TDVF), with the file it was parsed from.
type TDVF struct {
	fw       []byte
	Sections []TDVFSection
}

// ParseTDVF reads the TDVF metadata from an OVMF firmware file: the OVMF GUID table that ends 32 bytes before
// the end of the file, its TDX metadata offset entry, the "TDVF" descriptor and its sections. Anything
// malformed is an error: a truncated table, a descriptor or section outside the file, an unaligned section, or
// an MR.EXTEND section whose data lies outside the file.
func ParseTDVF(fw []byte) (*TDVF, error) {
	fail := func(format string, a ...any) (*TDVF, error) {
		return nil, fmt.Errorf("parsing the TDVF metadata: "+format, a...)
	}
	if len(fw) < tdvfFooterTrailer+18 {
		return nil, fmt.Errorf("parsing the TDVF metadata: %w (the file is only %d bytes)", ErrNoTDVF, len(fw))
	}
	end := len(fw) - tdvfFooterTrailer
	if !bytes.Equal(fw[end-16:end], tdvfTableFooterGUID) {
		return nil, fmt.Errorf("parsing the TDVF metadata: %w (no OVMF GUID table footer)", ErrNoTDVF)
	}
	tablesLen := int(binary.LittleEndian.Uint16(fw[end-18:]))
	if tablesLen < 18 || tablesLen > end {
		return fail("the GUID table claims %d bytes", tablesLen)
	}
	// The table's length includes its footer entry (GUID and length); the entries before it are walked
	// backwards, each ending in its 16-byte GUID and the 2-byte length of the whole entry.
	tables := fw[end-tablesLen : end-18]
	var entry []byte
	for off := len(tables); off >= 18; {
		n := int(binary.LittleEndian.Uint16(tables[off-18:]))
		if n < 18 || n > off {
			return fail("a GUID table entry claims %d bytes with %d left", n, off)
		}
		if bytes.Equal(tables[off-16:off], tdvfMetadataOffsetGUID) {
			entry = tables[off-n : off-18]
			break
		}
		off -= n
	}
	if entry == nil {
		return nil, fmt.Errorf("parsing the TDVF metadata: %w (the GUID table has no TDX metadata offset entry)", ErrNoTDVF)
	}
	if len(entry) < 4 {
		return fail("the TDX metadata offset entry is %d bytes, want at least 4", len(entry))
	}
	back := uint64(binary.LittleEndian.Uint32(entry[len(entry)-4:]))
	if back > uint64(len(fw)) || back < tdvfDescriptorSize {
		return fail("the TDX metadata offset %#x is outside the %d-byte file", back, len(fw))
	}
	desc := fw[uint64(len(fw))-back:]
	if string(desc[:4]) != "TDVF" {
		return fail("the TDX metadata descriptor signature is %q, want \"TDVF\"", desc[:4])
	}
	if v := binary.LittleEndian.Uint32(desc[8:]); v != 1 {
		return fail("TDVF descriptor version %d is not supported (only 1)", v)
	}
	n := binary.LittleEndian.Uint32(desc[12:])
	if n == 0 || n > tdvfMaxSections {
		return fail("the TDVF descriptor lists %d sections", n)
	}
	if need := uint64(tdvfDescriptorSize) + uint64(n)*tdvfSectionEntrySize; need > uint64(len(desc)) {
		return fail("the TDVF descriptor's %d sections run past the end of the file", n)
	}
	t := &TDVF{fw: fw, Sections: make([]TDVFSection, n)}
	var total uint64
	for i := range t.Sections {
		e := desc[tdvfDescriptorSize+i*tdvfSectionEntrySize:]
		s := TDVFSection{
			DataOffset:     binary.LittleEndian.Uint32(e),
			RawDataSize:    binary.LittleEndian.Uint32(e[4:]),
			MemoryAddress:  binary.LittleEndian.Uint64(e[8:]),
			MemoryDataSize: binary.LittleEndian.Uint64(e[16:]),
			Type:           binary.LittleEndian.Uint32(e[24:]),
			Attributes:     binary.LittleEndian.Uint32(e[28:]),
		}
		switch {
		case s.MemoryAddress%pageSize != 0:
			return fail("section %d: memory address %#x is not 4 KiB aligned", i, s.MemoryAddress)
		case s.MemoryDataSize%pageSize != 0:
			return fail("section %d: memory size %#x is not a multiple of 4 KiB", i, s.MemoryDataSize)
		case s.MemoryDataSize < uint64(s.RawDataSize):
			return fail("section %d: memory size %#x is less than its raw data size %#x", i, s.MemoryDataSize, s.RawDataSize)
		case s.Attributes&^(tdvfAttrMRExtend|tdvfAttrPageAug) != 0:
			return fail("section %d: reserved attribute bits %#x are set", i, s.Attributes)
		case s.MemoryAddress+s.MemoryDataSize < s.MemoryAddress:
			return fail("section %d: memory range %#x+%#x overflows", i, s.MemoryAddress, s.MemoryDataSize)
		}
		if total += s.MemoryDataSize; s.MemoryDataSize > tdvfMaxMemory || total > tdvfMaxMemory {
			return fail("the sections cover more than the %d MiB of memory a firmware may claim", tdvfMaxMemory>>20)
		}
		// MR.EXTEND measures every page of the section from the file, so all of it must be there.
		if s.Attributes&tdvfAttrMRExtend != 0 && uint64(s.DataOffset)+s.MemoryDataSize > uint64(len(fw)) {
			return fail("section %d: measured data %#x+%#x lies outside the %d-byte file", i, s.DataOffset, s.MemoryDataSize, len(fw))
		}
		t.Sections[i] = s
	}
	return t, nil
}

// MRTD returns the MRTD the TDX module computes while QEMU loads the firmware: for each section and page a
// MEM.PAGE.ADD (unless the section is PAGE_AUG) and, for MR_EXTEND sections, sixteen MR.EXTEND of 256 bytes.
// With twoPass, all pages of a section are added before any is extended (QEMU 8.x); otherwise each page is
// added and extended in turn (QEMU 9 and later).
func (t *TDVF) MRTD(twoPass bool) [48]byte {
	h := sha512.New384()
	var blk [128]byte
	add := func(s *TDVFSection, page uint64) {
		if s.Attributes&tdvfAttrPageAug != 0 {
			return
		}
		clear(blk[:])
		copy(blk[:], "MEM.PAGE.ADD")
		binary.LittleEndian.PutUint64(blk[16:], s.MemoryAddress+page*pageSize)
		h.Write(blk[:])
	}
	extend := func(s *TDVFSection, page uint64) {
		if s.Attributes&tdvfAttrMRExtend == 0 {
			return
		}
		for i := uint64(0); i < pageSize/tdvfExtendChunk; i++ {
			off := page*pageSize + i*tdvfExtendChunk
			clear(blk[:])
			copy(blk[:], "MR.EXTEND")
			binary.LittleEndian.PutUint64(blk[16:], s.MemoryAddress+off)
			h.Write(blk[:])
			start := uint64(s.DataOffset) + off
			h.Write(t.fw[start : start+tdvfExtendChunk])
		}
	}
	for i := range t.Sections {
		s := &t.Sections[i]
		pages := s.MemoryDataSize / pageSize
		if twoPass {
			for p := uint64(0); p < pages; p++ {
				add(s, p)
			}
			for p := uint64(0); p < pages; p++ {
				extend(s, p)
			}
			continue
		}
		for p := uint64(0); p < pages; p++ {
			add(s, p)
			extend(s, p)
		}
	}
	var out [48]byte
	h.Sum(out[:0])
	return out
}

// TDHobWitness returns the compact TdHobWitnessV1 that measurement.tdx.cbor carries (tdvf.td_hob): the
// TD_HOB and TEMP_MEM ranges the firmware accepts, from which the TD HOB is rebuilt for any memory size. All
// values are 4 KiB page numbers as unsigned LEB128: base_page (the lowest range start), td_hob_page − base_page,
// the range count, then (start_page − base_page, page_count) for each range in ascending order, unmerged.
func (t *TDVF) TDHobWitness() ([]byte, error) {
	type pageRange struct{ start, pages uint64 }
	var ranges []pageRange
	var hob *uint64
	for i := range t.Sections {
		s := &t.Sections[i]
		if s.Type != tdvfSectionTDHob && s.Type != tdvfSectionTempMem {
			continue
		}
		r := pageRange{s.MemoryAddress / pageSize, s.MemoryDataSize / pageSize}
		if r.pages == 0 {
			return nil, fmt.Errorf("building the TD HOB witness: section %d (type %d) is empty", i, s.Type)
		}
		ranges = append(ranges, r)
		if s.Type == tdvfSectionTDHob {
			if hob != nil {
				return nil, errors.New("building the TD HOB witness: the TDVF metadata has more than one TD_HOB section")
			}
			hob = &r.start
		}
	}
	if hob == nil {
		return nil, errors.New("building the TD HOB witness: the TDVF metadata has no TD_HOB section")
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].start < ranges[j].start })
	for i := 1; i < len(ranges); i++ {
		if ranges[i].start < ranges[i-1].start+ranges[i-1].pages {
			return nil, errors.New("building the TD HOB witness: TD_HOB/TEMP_MEM sections overlap")
		}
	}
	base := ranges[0].start
	w := TDHobWitness{BasePage: base, TDHobPageDelta: *hob - base}
	for _, r := range ranges {
		w.Ranges = append(w.Ranges, WitnessRange{StartPageDelta: r.start - base, Pages: r.pages})
	}
	return w.Encode(), nil
}
