// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

// Package measuretest builds synthetic OS image files in the real formats, for tests and the development
// stack: an OVMF firmware file whose TDVF metadata is valid, a PE/COFF bzImage with a Linux setup header,
// and an initrd. They boot nothing; they measure like the real thing. It must never be used to measure or
// accept a production image.
package measuretest

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// Section is one TDVF metadata section (the layout of tee/measure's TDVFSection).
type Section struct {
	DataOffset     uint32
	RawDataSize    uint32
	MemoryAddress  uint64
	MemoryDataSize uint64
	Type           uint32
	Attributes     uint32
}

// Section types and attributes of the TDVF metadata.
const (
	SectionBFV      = 0
	SectionCFV      = 1
	SectionTDHob    = 2
	SectionTempMem  = 3
	AttrMRExtend    = 1
	AttrPageAug     = 2
	FirmwareSize    = 0x10000
	DescriptorStart = 0x3000
	footerTrailer   = 0x20
)

// OVMFSections mirror an OVMF build: a measured boot firmware volume, an unmeasured configuration volume,
// and the TD HOB and temporary memory ranges of upstream's TD HOB witness test (and of Debian's OVMF).
var OVMFSections = []Section{
	{DataOffset: 0x8000, RawDataSize: 0x6000, MemoryAddress: 0xfffa0000, MemoryDataSize: 0x6000, Type: SectionBFV, Attributes: AttrMRExtend},
	{DataOffset: 0x1000, RawDataSize: 0x1000, MemoryAddress: 0xffc00000, MemoryDataSize: 0x1000, Type: SectionCFV},
	{MemoryAddress: 0x810000, MemoryDataSize: 0x10000, Type: SectionTempMem},
	{MemoryAddress: 0x80b000, MemoryDataSize: 0x2000, Type: SectionTempMem},
	{MemoryAddress: 0x809000, MemoryDataSize: 0x2000, Type: SectionTDHob},
	{MemoryAddress: 0x800000, MemoryDataSize: 0x6000, Type: SectionTempMem},
}

// EFI GUIDs of OVMF's GUID table, as laid out in memory: the table footer
// (96b582de-1fb2-45f7-baea-a366c55a082d) and the TDX metadata offset (e47a6535-984a-4798-865e-4685a7bf8ec2).
var (
	TableFooterGUID    = []byte{0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d}
	MetadataOffsetGUID = []byte{0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47, 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2}
)

// Firmware builds a FirmwareSize-byte firmware file with valid TDVF metadata for sections: the descriptor at
// DescriptorStart, and OVMF's GUID table (a TDX metadata offset entry, then the footer) ending 32 bytes before
// the end of the file. The other bytes are a pattern, so that measured data is not all zeros.
func Firmware(sections []Section) []byte {
	fw := make([]byte, FirmwareSize)
	for i := range fw {
		fw[i] = byte(i*7 + i>>8)
	}
	le := binary.LittleEndian
	d := fw[DescriptorStart:]
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
	end := len(fw) - footerTrailer
	footer := fw[end-18 : end]
	le.PutUint16(footer, 22+18)
	copy(footer[2:], TableFooterGUID)
	entry := fw[end-18-22 : end-18]
	le.PutUint32(entry, uint32(len(fw)-DescriptorStart))
	le.PutUint16(entry[4:], 22)
	copy(entry[6:], MetadataOffsetGUID)
	return fw
}

// Kernel builds the image layout of a PE32+ bzImage, with no kernel code in it, of size bytes (at least 0x3000 + certSize): a DOS stub whose
// e_lfanew points at a PE header at 0x40, three sections (.setup from 0x200, .text, .data), and a Linux setup
// header (boot protocol 2.15, LOADED_HIGH, XLF_CAN_BE_LOADED_ABOVE_4G) inside .setup, where QEMU patches it.
// With certSize > 0 the last certSize bytes are a certificate table named by the security directory.
func Kernel(size int, certSize uint32) ([]byte, error) {
	if size < 0x3000+int(certSize) {
		return nil, fmt.Errorf("a synthetic kernel of %d bytes is too small", size)
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
	dataEnd := uint32(size) - certSize
	secs := []pe.SectionHeader32{
		{Name: [8]uint8{'.', 's', 'e', 't', 'u', 'p'}, VirtualSize: 0xe00, VirtualAddress: 0x200, SizeOfRawData: 0xe00, PointerToRawData: 0x200},
		{Name: [8]uint8{'.', 't', 'e', 'x', 't'}, VirtualSize: 0x1000, VirtualAddress: 0x1000, SizeOfRawData: 0x1000, PointerToRawData: 0x1000},
		{Name: [8]uint8{'.', 'd', 'a', 't', 'a'}, VirtualSize: dataEnd - 0x2000, VirtualAddress: 0x2000, SizeOfRawData: dataEnd - 0x2000, PointerToRawData: 0x2000},
	}
	fh := pe.FileHeader{Machine: pe.IMAGE_FILE_MACHINE_AMD64, NumberOfSections: uint16(len(secs)), SizeOfOptionalHeader: 240, Characteristics: 0x206}
	oh := pe.OptionalHeader64{Magic: 0x20b, SizeOfCode: 0x1000, AddressOfEntryPoint: 0x1000, SectionAlignment: 0x200, FileAlignment: 0x200, SizeOfImage: dataEnd, SizeOfHeaders: 0x200, CheckSum: 0x12345678, Subsystem: 10, NumberOfRvaAndSizes: 16}
	if certSize > 0 {
		oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY] = pe.DataDirectory{VirtualAddress: dataEnd, Size: certSize}
	}
	for _, v := range []any{fh, oh, secs} {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			return nil, err
		}
	}
	copy(k[0x40:], b.Bytes())
	clear(k[0x40+b.Len() : 0x200])
	k[0x1f1] = 0x07 // setup_sects
	copy(k[0x202:], "HdrS")
	le.PutUint16(k[0x206:], 0x020f) // boot protocol 2.15
	k[0x210] = 0                    // type_of_loader
	k[0x211] = 0x01                 // loadflags: LOADED_HIGH
	clear(k[0x218:0x22c])           // ramdisk_image, ramdisk_size, bootsect_kludge, heap_end_ptr, cmd_line_ptr
	le.PutUint32(k[0x22c:], 0x7fffffff)
	le.PutUint16(k[0x236:], 0x0041) // xloadflags: XLF_KERNEL_64, XLF_CAN_BE_LOADED_ABOVE_4G
	return k, nil
}

// Cmdline is a kernel command line of the form dstack images use, pinning a made-up root file system.
const Cmdline = "console=ttyS0 init=/init panic=1 dstack.rootfs_hash=" +
	"8a1e4f0b2f3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6 dstack.rootfs_size=1048576"

// Boot file names, as upstream's image directories name them.
const (
	FirmwareFile = "ovmf.fd"
	KernelFile   = "bzImage"
	InitrdFile   = "initramfs.cpio.gz"
)

// WriteBootFiles writes a synthetic firmware (OVMFSections), a 20 KiB kernel and a 10 kB initrd into dir
// under FirmwareFile, KernelFile and InitrdFile.
func WriteBootFiles(dir string) error {
	k, err := Kernel(0x5000, 0)
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{
		FirmwareFile: Firmware(OVMFSections),
		KernelFile:   k,
		InitrdFile:   bytes.Repeat([]byte("initramfs "), 1000),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("writing a synthetic image: %w", err)
		}
	}
	return nil
}
