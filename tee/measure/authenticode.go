// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sort"
)

// authenticodeHash writes to h the bytes the Authenticode image hash of the PE/COFF file img covers, the way
// upstream dstack-mr measures a kernel
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/kernel.rs,
// authenticode_sha384_hash), which is what OVMF extends into RTMR1 for the kernel it boots:
//
//   - the headers up to SizeOfHeaders, without the CheckSum field and the Certificate Table directory entry;
//   - each section with raw data, in file order, clipped to the end of the file;
//   - the data after the last section, less the certificate table's size, but only when the image has a
//     certificate table;
//   - zero padding to a multiple of 8 bytes of the file size.
//
// The layout comes from debug/pe. The digest itself is written here rather than taken from a library: the
// Go Authenticode implementations (github.com/foxboron/go-uefi/authenticode, the PKCS#7 signers) hash the
// trailing data of an unsigned image and refuse truncated sections, where upstream's measurement does
// neither, and the registers must match upstream's bit for bit.
func authenticodeHash(h hash.Hash, img []byte) error {
	f, err := pe.NewFile(bytes.NewReader(img))
	if err != nil {
		return fmt.Errorf("reading the PE image: %w", err)
	}
	if len(img) < 0x40 {
		return errors.New("reading the PE image: no DOS header")
	}
	// debug/pe has checked the PE signature at e_lfanew, the file header and the optional header.
	optOff := uint64(binary.LittleEndian.Uint32(img[0x3c:])) + 4 + 20
	var sizeOfHeaders uint32
	var dirOff uint64
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		sizeOfHeaders, dirOff = oh.SizeOfHeaders, optOff+96
	case *pe.OptionalHeader64:
		sizeOfHeaders, dirOff = oh.SizeOfHeaders, optOff+112
	default:
		return errors.New("reading the PE image: no optional header")
	}
	checksumOff := optOff + 64
	certEntryOff := dirOff + pe.IMAGE_DIRECTORY_ENTRY_SECURITY*8
	if end := uint64(sizeOfHeaders); end > uint64(len(img)) || end < certEntryOff+8 {
		return fmt.Errorf("reading the PE image: SizeOfHeaders %#x does not cover the optional header's data directories (%#x) within the %d-byte file", sizeOfHeaders, certEntryOff+8, len(img))
	}
	// The Certificate Table entry is read where it would be even when NumberOfRvaAndSizes says the
	// directory is shorter, as upstream does; those bytes are left out of the hash either way.
	certAddr := binary.LittleEndian.Uint32(img[certEntryOff:])
	certSize := uint64(binary.LittleEndian.Uint32(img[certEntryOff+4:]))
	h.Write(img[:checksumOff])
	h.Write(img[checksumOff+4 : certEntryOff])
	h.Write(img[certEntryOff+8 : sizeOfHeaders])

	type raw struct{ off, size uint64 }
	var secs []raw
	for _, s := range f.Sections {
		if s.Size > 0 {
			secs = append(secs, raw{uint64(s.Offset), uint64(s.Size)})
		}
	}
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].off < secs[j].off })
	hashed := uint64(sizeOfHeaders)
	size := uint64(len(img))
	for _, s := range secs {
		if s.off < size {
			h.Write(img[s.off:min(s.off+s.size, size)])
		}
		hashed += s.size
	}
	if certAddr > 0 && certSize > 0 && size > hashed {
		if trailing := size - hashed; trailing > certSize {
			h.Write(img[hashed : hashed+trailing-certSize])
		}
	}
	if r := size % 8; r != 0 {
		h.Write(make([]byte, 8-r))
	}
	return nil
}
