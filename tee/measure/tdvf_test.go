// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTDVFSynthetic(t *testing.T) {
	fw := synthFirmware(t, synthFirmwareSections)
	tdvf, err := ParseTDVF(fw)
	if err != nil {
		t.Fatal(err)
	}
	if len(tdvf.Sections) != len(synthFirmwareSections) {
		t.Fatalf("parsed %d sections, want %d", len(tdvf.Sections), len(synthFirmwareSections))
	}
	for i, s := range tdvf.Sections {
		if s != synthFirmwareSections[i] {
			t.Errorf("section %d = %+v, want %+v", i, s, synthFirmwareSections[i])
		}
	}
	// Upstream's own vector for these ranges (tdvf.rs, td_hob_witness_v1_encodes_current_dstack_ranges_compactly).
	w, err := tdvf.TDHobWitness()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(w); got != "80100904000609020b021010" {
		t.Errorf("TD HOB witness %s, want upstream's 80100904000609020b021010", got)
	}
	single, two := tdvf.MRTD(false), tdvf.MRTD(true)
	if single == two {
		t.Error("single-pass and two-pass MRTD agree for a multi-page measured section")
	}
	if want := handMRTD(fw, synthFirmwareSections, false); single != want {
		t.Errorf("single-pass MRTD %x, want %x", single, want)
	}
	if want := handMRTD(fw, synthFirmwareSections, true); two != want {
		t.Errorf("two-pass MRTD %x, want %x", two, want)
	}

	// With a single page in the only measured section, the two orders are the same sequence.
	one := append([]synthSection(nil), synthFirmwareSections...)
	one[0].MemoryDataSize, one[0].RawDataSize = 0x1000, 0x1000
	t1, err := ParseTDVF(synthFirmware(t, one))
	if err != nil {
		t.Fatal(err)
	}
	if t1.MRTD(false) != t1.MRTD(true) {
		t.Error("single-pass and two-pass MRTD differ for one measured page")
	}

	// The measured section's bytes count; the unmeasured CFV's do not.
	bfv := append([]byte(nil), fw...)
	bfv[0x8000+0x1234] ^= 1
	if tb, _ := ParseTDVF(bfv); tb.MRTD(false) == single || tb.MRTD(true) == two {
		t.Error("a flipped byte of the measured BFV left MRTD unchanged")
	}
	cfv := append([]byte(nil), fw...)
	cfv[0x1000+0x10] ^= 1
	if tc, _ := ParseTDVF(cfv); tc.MRTD(false) != single {
		t.Error("a flipped byte of the unmeasured CFV changed MRTD")
	}

	// A PAGE_AUG section is not added by QEMU.
	aug := append([]synthSection(nil), synthFirmwareSections...)
	aug[2].Attributes = tdvfAttrPageAug
	ta, err := ParseTDVF(synthFirmware(t, aug))
	if err != nil {
		t.Fatal(err)
	}
	if want := handMRTD(fw, aug, false); ta.MRTD(false) != want || want == single {
		t.Error("a PAGE_AUG section was added")
	}
}

// handMRTD spells out the TDX module's operations one by one, as a reference for the test.
func handMRTD(fw []byte, sections []synthSection, twoPass bool) [48]byte {
	var ops [][]byte
	op := func(name string, gpa uint64) []byte {
		b := make([]byte, 128)
		copy(b, name)
		binary.LittleEndian.PutUint64(b[16:], gpa)
		return b
	}
	for _, s := range sections {
		var adds, extends [][]byte
		for p := uint64(0); p < s.MemoryDataSize/0x1000; p++ {
			gpa := s.MemoryAddress + p*0x1000
			var a, e [][]byte
			if s.Attributes&2 == 0 {
				a = append(a, op("MEM.PAGE.ADD", gpa))
			}
			if s.Attributes&1 != 0 {
				for c := uint64(0); c < 16; c++ {
					off := uint64(s.DataOffset) + p*0x1000 + c*256
					e = append(e, op("MR.EXTEND", gpa+c*256), fw[off:off+256])
				}
			}
			if twoPass {
				adds, extends = append(adds, a...), append(extends, e...)
			} else {
				ops = append(append(ops, a...), e...)
			}
		}
		ops = append(append(ops, adds...), extends...)
	}
	return sha512.Sum384(bytes.Join(ops, nil))
}

func TestTDVFWitnessRefusals(t *testing.T) {
	for name, mod := range map[string]func(s []synthSection){
		"no TD_HOB":     func(s []synthSection) { s[4].Type = tdvfSectionTempMem },
		"two TD_HOBs":   func(s []synthSection) { s[3].Type = tdvfSectionTDHob },
		"empty range":   func(s []synthSection) { s[3].MemoryDataSize = 0 },
		"overlap":       func(s []synthSection) { s[3].MemoryAddress = 0x80a000 },
		"overlap order": func(s []synthSection) { s[5].MemoryDataSize = 0x20000 },
	} {
		t.Run(name, func(t *testing.T) {
			s := append([]synthSection(nil), synthFirmwareSections...)
			mod(s)
			tdvf, err := ParseTDVF(synthFirmware(t, s))
			if err != nil {
				t.Fatal(err)
			}
			if w, err := tdvf.TDHobWitness(); err == nil {
				t.Fatalf("witness %x built", w)
			}
		})
	}
}

func TestParseTDVFRefusals(t *testing.T) {
	good := synthFirmware(t, synthFirmwareSections)
	le := binary.LittleEndian
	end := len(good) - tdvfFooterTrailer
	for _, c := range []struct {
		name string
		mod  func(fw []byte) []byte
		want string
	}{
		{"empty", func([]byte) []byte { return nil }, "no TDX (TDVF) metadata"},
		{"no footer", func(fw []byte) []byte { fw[end-1] ^= 1; return fw }, "no OVMF GUID table footer"},
		{"table too long", func(fw []byte) []byte { le.PutUint16(fw[end-18:], 0xffff); return fw }, "GUID table claims"},
		{"table too short", func(fw []byte) []byte { le.PutUint16(fw[end-18:], 17); return fw }, "GUID table claims"},
		{"no metadata entry", func(fw []byte) []byte { fw[end-19] ^= 1; return fw }, "no TDX metadata offset entry"},
		{"entry too long", func(fw []byte) []byte { le.PutUint16(fw[end-18-18:], 0x100); return fw }, "entry claims"},
		{"entry zero length", func(fw []byte) []byte { le.PutUint16(fw[end-18-18:], 0); return fw }, "entry claims"},
		{"offset outside", func(fw []byte) []byte { le.PutUint32(fw[end-18-22:], uint32(len(fw)+1)); return fw }, "outside the"},
		{"offset too small", func(fw []byte) []byte { le.PutUint32(fw[end-18-22:], 8); return fw }, "outside the"},
		{"signature", func(fw []byte) []byte { fw[synthDescOffset] = 'X'; return fw }, `want "TDVF"`},
		{"version", func(fw []byte) []byte { le.PutUint32(fw[synthDescOffset+8:], 2); return fw }, "version 2"},
		{"no sections", func(fw []byte) []byte { le.PutUint32(fw[synthDescOffset+12:], 0); return fw }, "lists 0 sections"},
		{"sections past end", func(fw []byte) []byte {
			copy(fw[len(fw)-0x200:], fw[synthDescOffset:synthDescOffset+16])
			le.PutUint32(fw[len(fw)-0x200+12:], 200)
			le.PutUint32(fw[end-18-22:], 0x200)
			return fw
		}, "past the end"},
		{"too many sections", func(fw []byte) []byte { le.PutUint32(fw[synthDescOffset+12:], 0x1000); return fw }, "lists 4096 sections"},
		{"too much memory", func(fw []byte) []byte {
			le.PutUint64(fw[synthDescOffset+16+64+16:], 1<<31)
			return fw
		}, "more than the 1024 MiB"},
		{"unaligned address", func(fw []byte) []byte { fw[synthDescOffset+16+8] |= 1; return fw }, "not 4 KiB aligned"},
		{"unaligned size", func(fw []byte) []byte { fw[synthDescOffset+16+16] |= 1; return fw }, "not a multiple of 4 KiB"},
		{"raw larger", func(fw []byte) []byte { le.PutUint32(fw[synthDescOffset+16+4:], 0x7000); return fw }, "less than its raw data size"},
		{"measured data outside", func(fw []byte) []byte { le.PutUint32(fw[synthDescOffset+16:], 0xc000); return fw }, "outside the"},
		{"reserved attribute", func(fw []byte) []byte { fw[synthDescOffset+16+28+3] = 0x80; return fw }, "reserved attribute bits"},
		{"address overflow", func(fw []byte) []byte {
			le.PutUint64(fw[synthDescOffset+16+32+8:], 0xfffffffffffff000)
			return fw
		}, "overflows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTDVF(c.mod(append([]byte(nil), good...)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := ParseTDVF(make([]byte, 4096)); !errors.Is(err, ErrNoTDVF) {
		t.Errorf("firmware without a GUID table: %v, want ErrNoTDVF", err)
	}
}

// TestTDVFByteFlips flips each bit of the metadata (the descriptor, its sections and the GUID table): no flip
// may panic, and each either is refused or changes what is measured, except in fields the measurement does
// not read (a section's type outside TD_HOB/TEMP_MEM, raw sizes, the descriptor's length, the GUID table's
// length as long as it still covers the TDX entry).
func TestTDVFByteFlips(t *testing.T) {
	good := synthFirmware(t, synthFirmwareSections)
	ref, err := ParseTDVF(good)
	if err != nil {
		t.Fatal(err)
	}
	refW, _ := ref.TDHobWitness()
	refS, refT := ref.MRTD(false), ref.MRTD(true)
	unread := func(off int) bool {
		if off >= synthDescOffset+4 && off < synthDescOffset+8 { // descriptor length
			return true
		}
		if tl := len(good) - tdvfFooterTrailer - 18; off == tl || off == tl+1 { // GUID table length
			return true
		}
		if rel := off - synthDescOffset - 16; rel >= 0 && rel < 32*len(synthFirmwareSections) {
			field := rel % 32
			sec := synthFirmwareSections[rel/32]
			measured := sec.Attributes&tdvfAttrMRExtend != 0
			switch {
			case field >= 4 && field < 8: // raw data size
				return true
			case field < 4: // data offset: read only for measured sections
				return !measured
			case field >= 24 && field < 28: // type: read only for TD_HOB and TEMP_MEM
				return sec.Type != tdvfSectionTDHob && sec.Type != tdvfSectionTempMem
			}
		}
		return false
	}
	regions := [][2]int{
		{synthDescOffset, synthDescOffset + 16 + 32*len(synthFirmwareSections)},
		{len(good) - tdvfFooterTrailer - 40, len(good) - tdvfFooterTrailer},
	}
	for _, r := range regions {
		for off := r[0]; off < r[1]; off++ {
			for bit := 0; bit < 8; bit++ {
				fw := append([]byte(nil), good...)
				fw[off] ^= 1 << bit
				tdvf, err := ParseTDVF(fw)
				if err != nil {
					continue
				}
				w, werr := tdvf.TDHobWitness()
				changed := werr != nil || !bytes.Equal(w, refW) || tdvf.MRTD(false) != refS || tdvf.MRTD(true) != refT
				if !changed && !unread(off) {
					t.Errorf("flipping bit %d of byte %#x was accepted and changed nothing measured", bit, off)
				}
			}
		}
	}
}

func FuzzParseTDVF(f *testing.F) {
	f.Add(synthFirmware(f, synthFirmwareSections))
	f.Add(synthFirmware(f, synthFirmwareSections[2:]))
	f.Fuzz(func(t *testing.T, fw []byte) {
		tdvf, err := ParseTDVF(fw)
		if err != nil {
			return
		}
		_ = tdvf.MRTD(false)
		_ = tdvf.MRTD(true)
		_, _ = tdvf.TDHobWitness()
	})
}

// TestTDVFDebianOVMF measures Debian's OVMF build, which carries TDVF metadata, when it is installed
// (apt-get install ovmf).
func TestTDVFDebianOVMF(t *testing.T) {
	const path = "/usr/share/ovmf/OVMF.fd"
	fw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s (apt-get install ovmf): %v", path, err)
	}
	start := time.Now()
	tdvf, err := ParseTDVF(fw)
	if err != nil {
		t.Fatal(err)
	}
	single, two := tdvf.MRTD(false), tdvf.MRTD(true)
	w, err := tdvf.TDHobWitness()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d sections, MRTD single-pass %x, two-pass %x, TD HOB witness %x, in %v", path, len(tdvf.Sections), single, two, w, time.Since(start))
	for i, s := range tdvf.Sections {
		t.Logf("section %d: %+v", i, s)
	}
	if single == two {
		t.Error("single-pass and two-pass MRTD agree")
	}
}
