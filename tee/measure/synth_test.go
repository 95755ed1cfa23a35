// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// synthSection is a TDVF section of a synthetic firmware.
type synthSection = TDVFSection

// synthFirmwareSections mirror an OVMF build: the BFV and CFV measured or not, the TD HOB and temporary
// memory ranges of upstream's own witness test.
var synthFirmwareSections = []synthSection{
	{DataOffset: 0x8000, RawDataSize: 0x6000, MemoryAddress: 0xfffa0000, MemoryDataSize: 0x6000, Type: 0, Attributes: tdvfAttrMRExtend},
	{DataOffset: 0x1000, RawDataSize: 0x1000, MemoryAddress: 0xffc00000, MemoryDataSize: 0x1000, Type: 1},
	{MemoryAddress: 0x810000, MemoryDataSize: 0x10000, Type: tdvfSectionTempMem},
	{MemoryAddress: 0x80b000, MemoryDataSize: 0x2000, Type: tdvfSectionTempMem},
	{MemoryAddress: 0x809000, MemoryDataSize: 0x2000, Type: tdvfSectionTDHob},
	{MemoryAddress: 0x800000, MemoryDataSize: 0x6000, Type: tdvfSectionTempMem},
}

const (
	synthFirmwareSize = 0x10000
	synthDescOffset   = 0x3000
)

// synthFirmware builds a firmware file with valid TDVF metadata for sections: the descriptor at
// synthDescOffset, and OVMF's GUID table (a TDX metadata offset entry and the footer) ending 32 bytes before
// the end of the file. The other bytes are a pattern, so that measured data is not all zeros.
func synthFirmware(t testing.TB, sections []synthSection) []byte {
	t.Helper()
	fw := make([]byte, synthFirmwareSize)
	for i := range fw {
		fw[i] = byte(i*7 + i>>8)
	}
	le := binary.LittleEndian
	d := fw[synthDescOffset:]
	copy(d, "TDVF")
	le.PutUint32(d[4:], uint32(16+32*len(sections)))
	le.PutUint32(d[8:], 1)
	le.PutUint32(d[12:], uint32(len(sections)))
	for i, s := range sections {
		e := d[16+32*i:]
		le.PutUint32(e, s.DataOffset)
		le.PutUint32(e[4:], s.RawDataSize)
		le.PutUint64(e[8:], s.MemoryAddress)
		le.PutUint64(e[16:], s.MemoryDataSize)
		le.PutUint32(e[24:], s.Type)
		le.PutUint32(e[28:], s.Attributes)
	}
	// The GUID table: [offset entry: u32 offset, u16 22, GUID][u16 table length, footer GUID], 32 bytes before
	// the end.
	end := len(fw) - tdvfFooterTrailer
	footer := fw[end-18 : end]
	le.PutUint16(footer, 22+18)
	copy(footer[2:], tdvfTableFooterGUID)
	entry := fw[end-18-22 : end-18]
	le.PutUint32(entry, uint32(len(fw)-synthDescOffset))
	le.PutUint16(entry[4:], 22)
	copy(entry[6:], tdvfMetadataOffsetGUID)
	return fw
}

// synthKernel builds a PE32+ bzImage-like file of size bytes: a DOS stub whose e_lfanew points at a PE header
// at 0x40, three sections (.setup from 0x200, .text, .data), and a Linux setup header (boot protocol 2.15,
// LOADED_HIGH, XLF_CAN_BE_LOADED_ABOVE_4G) inside .setup, where QEMU patches it. With certSize > 0 the last
// certSize bytes are a certificate table named by the security directory.
func synthKernel(t testing.TB, size int, certSize uint32) []byte {
	t.Helper()
	if size < 0x3000+int(certSize) {
		t.Fatalf("synthetic kernel of %d bytes is too small", size)
	}
	k := make([]byte, size)
	for i := range k {
		k[i] = byte(i*13 + i>>9)
	}
	le := binary.LittleEndian
	copy(k, "MZ")
	le.PutUint32(k[0x3c:], 0x40)
	var b bytes.Buffer
	b.WriteString("PE\x00\x00")
	textEnd := uint32(size) - certSize
	secs := []pe.SectionHeader32{
		{Name: [8]uint8{'.', 's', 'e', 't', 'u', 'p'}, VirtualSize: 0xe00, VirtualAddress: 0x200, SizeOfRawData: 0xe00, PointerToRawData: 0x200},
		{Name: [8]uint8{'.', 't', 'e', 'x', 't'}, VirtualSize: 0x1000, VirtualAddress: 0x1000, SizeOfRawData: 0x1000, PointerToRawData: 0x1000},
		{Name: [8]uint8{'.', 'd', 'a', 't', 'a'}, VirtualSize: textEnd - 0x2000, VirtualAddress: 0x2000, SizeOfRawData: textEnd - 0x2000, PointerToRawData: 0x2000},
	}
	fh := pe.FileHeader{Machine: pe.IMAGE_FILE_MACHINE_AMD64, NumberOfSections: uint16(len(secs)), SizeOfOptionalHeader: 240, Characteristics: 0x206}
	oh := pe.OptionalHeader64{Magic: 0x20b, SizeOfCode: 0x1000, AddressOfEntryPoint: 0x1000, ImageBase: 0, SectionAlignment: 0x200, FileAlignment: 0x200, SizeOfImage: textEnd, SizeOfHeaders: 0x200, CheckSum: 0x12345678, Subsystem: 10, NumberOfRvaAndSizes: 16}
	if certSize > 0 {
		oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY] = pe.DataDirectory{VirtualAddress: textEnd, Size: certSize}
	}
	for _, v := range []any{fh, oh, secs} {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	if b.Len() > 0x1f1-0x40 {
		t.Fatalf("PE headers of %d bytes overlap the setup header", b.Len())
	}
	copy(k[0x40:], b.Bytes())
	clear(k[0x40+b.Len() : 0x200])
	// The setup header.
	k[0x1f1] = 0x07 // setup_sects
	copy(k[0x202:], "HdrS")
	le.PutUint16(k[0x206:], 0x020f) // boot protocol 2.15
	k[0x210] = 0                    // type_of_loader
	k[0x211] = 0x01                 // loadflags: LOADED_HIGH
	le.PutUint32(k[0x218:], 0)      // ramdisk_image
	le.PutUint32(k[0x21c:], 0)      // ramdisk_size
	le.PutUint32(k[0x224:], 0)      // heap_end_ptr
	le.PutUint32(k[0x228:], 0)      // cmd_line_ptr
	le.PutUint32(k[0x22c:], 0x7fffffff)
	le.PutUint16(k[0x236:], 0x0040|0x0001) // xloadflags: XLF_KERNEL_64, XLF_CAN_BE_LOADED_ABOVE_4G
	return k
}

const synthCmdline = "console=ttyS0 init=/init panic=1 dstack.rootfs_hash=" +
	"8a1e4f0b2f3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6 dstack.rootfs_size=1048576"

// synthImageDir writes a synthetic OS image directory (upstream's file names) and returns it with its
// metadata, not yet given its identity files.
func synthImageDir(t testing.TB) (string, ImageMetadata) {
	t.Helper()
	dir := t.TempDir()
	initrd := bytes.Repeat([]byte("initramfs "), 1000)
	for name, b := range map[string][]byte{
		"ovmf.fd":           synthFirmware(t, synthFirmwareSections),
		"bzImage":           synthKernel(t, 0x5000, 0),
		"initramfs.cpio.gz": initrd,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, ImageMetadata{
		BIOS:        "ovmf.fd",
		Kernel:      "bzImage",
		Cmdline:     synthCmdline,
		Initrd:      "initramfs.cpio.gz",
		Rootfs:      "rootfs.img.parted.verity",
		Version:     "0.6.0",
		GitRevision: "0123456789abcdef0123456789abcdef01234567",
		SharedRO:    true,
	}
}
