// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
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
	kernel, _ := KernelAuthenticode(read("bzImage"), len(read("initramfs.cpio.gz")), StableKernelMemory)
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
