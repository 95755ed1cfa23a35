// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteImageFiles(t *testing.T) {
	dir, meta := synthImageDir(t)
	hash, err := WriteImageFiles(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// metadata.json as upstream's os/image/assemble.sh writes it.
	wantMeta := `{
    "bios": "ovmf.fd",
    "kernel": "bzImage",
    "cmdline": "` + synthCmdline + `",
    "initrd": "initramfs.cpio.gz",
    "rootfs": "rootfs.img.parted.verity",
    "version": "0.6.0",
    "git_revision": "0123456789abcdef0123456789abcdef01234567",
    "shared_ro": true,
    "is_dev": false,
    "ovmf_variant": "pre202505"
}
`
	if got := string(read(MetadataFile)); got != wantMeta {
		t.Errorf("metadata.json:\n%s\nwant:\n%s", got, wantMeta)
	}

	// sha256sum.txt lists the five files in upstream's order, as sha256sum prints them.
	var want strings.Builder
	for _, name := range []string{"ovmf.fd", "bzImage", "initramfs.cpio.gz", MetadataFile, TDXMeasurementFile} {
		fmt.Fprintf(&want, "%x  %s\n", sha256.Sum256(read(name)), name)
	}
	sums := read(ChecksumFile)
	if string(sums) != want.String() {
		t.Errorf("sha256sum.txt:\n%s\nwant:\n%s", sums, want.String())
	}
	if hash != sha256.Sum256(sums) {
		t.Error("os_image_hash is not SHA-256 of sha256sum.txt")
	}
	if got := string(read(DigestFile)); got != hex.EncodeToString(hash[:])+"\n" {
		t.Errorf("digest.txt = %q", got)
	}

	// The document binds to the hash and holds what the image measures.
	doc := TDXDocument{ChecksumFile: sums, Measurement: read(TDXMeasurementFile)}
	m, err := doc.Bind(hash[:])
	if err != nil {
		t.Fatal(err)
	}
	tdvf, _ := ParseTDVF(read("ovmf.fd"))
	single, two := tdvf.MRTD(false), tdvf.MRTD(true)
	kernel, _ := KernelAuthenticode(read("bzImage"), len(read("initramfs.cpio.gz")), KernelHashStableMinMemory)
	initrd := sha512.Sum384(read("initramfs.cpio.gz"))
	cmdline := CmdlineDigest(synthCmdline + " initrd=initrd")
	for name, c := range map[string][2][]byte{
		"mrtd single pass":    {m.TDVF.MRTD.SinglePass, single[:]},
		"mrtd two pass":       {m.TDVF.MRTD.TwoPass, two[:]},
		"kernel authenticode": {m.Image.KernelAuthenticode, kernel[:]},
		"initrd":              {m.Image.InitrdSHA384, initrd[:]},
		"cmdline":             {m.Image.CmdlineSHA384, cmdline[:]},
		"td hob witness":      {m.TDVF.TDHobWitness, []byte{0x80, 0x10, 0x09, 0x04, 0x00, 0x06, 0x09, 0x02, 0x0b, 0x02, 0x10, 0x10}},
	} {
		if !bytes.Equal(c[0], c[1]) {
			t.Errorf("%s = %x, want %x", name, c[0], c[1])
		}
	}

	// Writing again gives the same bytes: an image's identity is reproducible.
	again, err := WriteImageFiles(dir, meta)
	if err != nil || again != hash {
		t.Errorf("a second write gave %x, %v; want %x", again, err, hash)
	}

	// Every file the checksum list names is bound: changing one changes the os_image_hash.
	for _, name := range []string{"ovmf.fd", "bzImage", "initramfs.cpio.gz"} {
		b := read(name)
		b[len(b)-1] ^= 1
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		h, err := WriteImageFiles(dir, meta)
		if err != nil {
			t.Fatal(err)
		}
		if h == hash {
			t.Errorf("changing %s left the os_image_hash unchanged", name)
		}
	}
}

func TestMeasureImageDirRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(m *ImageMetadata)
		want string
	}{
		{"bios outside", func(m *ImageMetadata) { m.BIOS = "../ovmf.fd" }, "not a plain file name"},
		{"kernel absolute", func(m *ImageMetadata) { m.Kernel = "/boot/vmlinuz" }, "not a plain file name"},
		{"no initrd", func(m *ImageMetadata) { m.Initrd = "" }, "initrd: no file named"},
		{"no cmdline", func(m *ImageMetadata) { m.Cmdline = " " }, "no cmdline"},
		{"no rootfs hash", func(m *ImageMetadata) { m.Cmdline = "console=ttyS0" }, "does not pin the root file system"},
		{"short rootfs hash", func(m *ImageMetadata) { m.Cmdline = "dstack.rootfs_hash=abcd" }, "not 64 hex digits"},
		{"unknown variant", func(m *ImageMetadata) { m.OVMFVariant = "post202505" }, "ovmf_variant"},
		{"missing file", func(m *ImageMetadata) { m.Kernel = "vmlinuz" }, "no such file"},
		{"firmware without TDVF", func(m *ImageMetadata) { m.BIOS = "bzImage" }, "no TDX (TDVF) metadata"},
		{"kernel not PE", func(m *ImageMetadata) { m.Kernel = "ovmf.fd" }, "reading the PE image"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, meta := synthImageDir(t)
			c.mod(&meta)
			_, err := WriteImageFiles(dir, meta)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	t.Run("bad version without variant", func(t *testing.T) {
		dir, meta := synthImageDir(t)
		meta.OVMFVariant, meta.Version = "", "0.6"
		if err := os.WriteFile(filepath.Join(dir, MetadataFile), must(marshalMetadata(&meta)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := MeasureImageDir(dir); err == nil || !strings.Contains(err.Error(), "MAJOR.MINOR.PATCH") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("key in another case", func(t *testing.T) {
		dir, meta := synthImageDir(t)
		b := bytes.Replace(must(marshalMetadata(&meta)), []byte(`"kernel"`), []byte(`"Kernel"`), 1)
		if err := os.WriteFile(filepath.Join(dir, MetadataFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := MeasureImageDir(dir); err == nil || !strings.Contains(err.Error(), "case-sensitive") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("metadata not JSON", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, MetadataFile), []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := MeasureImageDir(dir); err == nil || !strings.Contains(err.Error(), "decoding metadata.json") {
			t.Fatalf("error %v", err)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The full image gives the lite computation's registers wherever the document serves, and serves the
// memory sizes the document cannot.
func TestImageExpectedAgreesWithLite(t *testing.T) {
	dir, meta := synthImageDir(t)
	hash, err := WriteImageFiles(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	sums, _ := os.ReadFile(filepath.Join(dir, ChecksumFile))
	cb, _ := os.ReadFile(filepath.Join(dir, TDXMeasurementFile))
	m, err := (&TDXDocument{ChecksumFile: sums, Measurement: cb}).Bind(hash[:])
	if err != nil {
		t.Fatal(err)
	}
	im, err := ReadImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	acpi := ACPIDigests{Loader: sha384([]byte("loader")), RSDP: sha384([]byte("rsdp")), Tables: sha384([]byte("tables"))}
	yes := true
	for _, shape := range []VMShape{
		{CPUCount: 2, MemorySize: 4 << 30},
		{CPUCount: 1, MemorySize: KernelHashCompat2GMemory, QEMUVersion: "8.2.2"},
		{CPUCount: 8, MemorySize: KernelHashStableMinMemory, QEMUSinglePassAddPages: &yes},
	} {
		lite, err := m.Expected(shape, acpi)
		if err != nil {
			t.Fatal(err)
		}
		full, err := im.Expected(shape, acpi)
		if err != nil {
			t.Fatal(err)
		}
		if full.Registers != lite.Registers {
			t.Errorf("memory %#x, QEMU %q: the full image gives %+v, the lite document %+v", shape.MemorySize, shape.QEMUVersion, full.Registers, lite.Registers)
		}
	}

	small := VMShape{CPUCount: 1, MemorySize: 1 << 30}
	if _, err := m.Expected(small, acpi); err == nil {
		t.Fatal("the lite document served 1 GiB")
	}
	full, err := im.Expected(small, acpi)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := KernelAuthenticode(im.Kernel, len(im.Initrd), 1<<30)
	if full.RTMR1 != replay(RTMR1Log(k)) || bytes.Equal(k[:], m.Image.KernelAuthenticode) {
		t.Error("at 1 GiB RTMR1 is not that of the kernel patched for 1 GiB")
	}
	big, _ := im.Expected(VMShape{CPUCount: 1, MemorySize: 4 << 30}, acpi)
	if full.RTMR0 == big.RTMR0 || full.MRTD != big.MRTD || full.RTMR2 != big.RTMR2 {
		t.Error("memory size should change RTMR0 (the TD HOB) and RTMR1 only")
	}
}

// The witness stands for the firmware's sections: the TD HOB rebuilt from it is the one built from the
// sections directly, for memory sizes on both sides of the thresholds.
func TestTDHobWitnessRoundTrip(t *testing.T) {
	fws := map[string][]byte{"synthetic": synthFirmware(t, synthFirmwareSections)}
	if b, err := os.ReadFile("/usr/share/ovmf/OVMF.fd"); err == nil {
		fws["debian"] = b
	}
	for name, fw := range fws {
		tdvf, err := ParseTDVF(fw)
		if err != nil {
			t.Fatal(err)
		}
		wb, err := tdvf.TDHobWitness()
		if err != nil {
			t.Fatal(err)
		}
		w, err := DecodeTDHobWitness(wb)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w.Encode(), wb) {
			t.Errorf("%s: the witness does not re-encode", name)
		}
		var accepted [][2]uint64
		var hobBase uint64
		for _, s := range tdvf.Sections {
			if s.Type == tdvfSectionTDHob || s.Type == tdvfSectionTempMem {
				accepted = append(accepted, [2]uint64{s.MemoryAddress, s.MemoryAddress + s.MemoryDataSize})
			}
			if s.Type == tdvfSectionTDHob {
				hobBase = s.MemoryAddress
			}
		}
		for _, mem := range []uint64{1 << 30, KernelHashCompat2GMemory, KernelHashStableMinMemory - 0x1000, KernelHashStableMinMemory, 64 << 30} {
			direct, err := measureTDHob(mem, hobBase, accepted)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := w.MeasureTDHob(mem); err != nil || got != direct {
				t.Errorf("%s, memory %#x: TD HOB from the witness %x (%v), from the sections %x", name, mem, got, err, direct)
			}
		}
	}
}

func FuzzImageMetadata(f *testing.F) {
	_, meta := synthImageDir(f)
	f.Add(must(marshalMetadata(&meta)))
	f.Add([]byte(`{"bios":"../x","Kernel":"k"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m ImageMetadata
		if decodeMetadata(b, &m) != nil || m.check() != nil {
			return
		}
		for _, name := range []string{m.BIOS, m.Kernel, m.Initrd} {
			if filepath.Base(name) != name || name == ".." {
				t.Fatalf("accepted the file name %q", name)
			}
		}
	})
}

// An image without a root file system (the initramfs is the whole guest)
// has nothing for its command line to pin; naming a rootfs still demands
// the pin (TestMeasureImageDirRefusals).
func TestMeasureImageWithoutRootfs(t *testing.T) {
	dir, meta := synthImageDir(t)
	meta.Rootfs, meta.Cmdline = "", "console=ttyS0 panic=1"
	if _, err := WriteImageFiles(dir, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := MeasureImageDir(dir); err != nil {
		t.Fatal(err)
	}
}

// TestOSImageHashRefusesEveryFlip: a bit flipped in any byte of metadata.json, measurement.tdx.cbor or
// sha256sum.txt, and in every 61st byte of the firmware, the kernel and the initrd (every byte takes 20 s of
// hashing), makes the image's identity fail, naming the file; a flip in sha256sum.txt that still lists every
// file right gives another os_image_hash.
func TestOSImageHashRefusesEveryFlip(t *testing.T) {
	dir, meta := synthImageDir(t)
	hash, err := WriteImageFiles(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	im, err := ReadImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := im.OSImageHash(); err != nil || got != hash {
		t.Fatalf("OSImageHash %x, %v; want %x", got, err, hash)
	}
	for _, f := range []struct {
		name   string
		data   *[]byte
		stride int
	}{
		{meta.BIOS, &im.Firmware, 61}, {meta.Kernel, &im.Kernel, 61}, {meta.Initrd, &im.Initrd, 61},
		{MetadataFile, &im.metadataJSON, 1}, {TDXMeasurementFile, &im.Document, 1}, {ChecksumFile, &im.Checksums, 1},
	} {
		b := *f.data
		for i := 0; i < len(b); i += f.stride {
			b[i] ^= 1 << (i % 8)
			got, err := im.OSImageHash()
			b[i] ^= 1 << (i % 8)
			switch {
			case err == nil && f.name == ChecksumFile && got != hash:
			case err == nil:
				t.Fatalf("%s, byte %d flipped: the image keeps os_image_hash %x", f.name, i, got)
			case !strings.Contains(err.Error(), f.name):
				t.Fatalf("%s, byte %d flipped: %v", f.name, i, err)
			}
		}
	}
	if _, err := im.OSImageHash(); err != nil {
		t.Fatal(err)
	}
	// A measurement.tdx.cbor of other registers that sha256sum.txt lists: not this image's.
	m, err := im.Measurement()
	if err != nil {
		t.Fatal(err)
	}
	m.Image.InitrdSHA384[0] ^= 1
	doc, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	oldSum, newSum := sha256.Sum256(im.Document), sha256.Sum256(doc)
	sums, document := im.Checksums, im.Document
	im.Checksums = bytes.Replace(sums, []byte(hex.EncodeToString(oldSum[:])), []byte(hex.EncodeToString(newSum[:])), 1)
	im.Document = doc
	if _, err := im.OSImageHash(); err == nil || !strings.Contains(err.Error(), "is not the measurement of this image") {
		t.Fatalf("a document of other registers: %v", err)
	}
	im.Checksums, im.Document = sums, document
	im.Checksums = nil
	if _, err := im.OSImageHash(); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("no sha256sum.txt: %v", err)
	}
}
