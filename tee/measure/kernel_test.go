// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"os"
	"testing"
	"time"
	"unicode/utf16"
)

func initrdAddr(k []byte) uint32 { return binary.LittleEndian.Uint32(k[0x218:]) }

// Upstream's placement rule (kernel.rs, tdx_kernel_patch_uses_precomputed_digest_at_2g_and_high_memory).
func TestPatchKernelInitrdPlacement(t *testing.T) {
	k := make([]byte, 0x1000)
	binary.LittleEndian.PutUint16(k[0x206:], 0x020c)
	binary.LittleEndian.PutUint16(k[0x236:], 0x0040)
	patch := func(mem uint64) []byte {
		t.Helper()
		p, err := patchKernel(k, 0x100000, mem)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	below2g, at2g := patch(0x80000000-0x1000), patch(0x80000000)
	between, at, above := patch(KernelHashStableMinMemory-0x1000), patch(KernelHashStableMinMemory), patch(KernelHashStableMinMemory+0x40000000)
	if initrdAddr(below2g) == initrdAddr(at2g) || initrdAddr(between) == initrdAddr(at) {
		t.Error("the initrd address does not depend on memory below the threshold")
	}
	if initrdAddr(at2g) != initrdAddr(at) || initrdAddr(at) != initrdAddr(above) {
		t.Error("the initrd address depends on memory at 2 GiB or above the threshold")
	}
	// From 0xB0000000 up, q35 keeps 2 GiB below 4 GiB: the initrd ends below 2 GiB less ACPI data, 4 KiB
	// aligned.
	if got, want := initrdAddr(at), uint32((0x80000000-0x28000-1-0x100000)&^4095); got != want {
		t.Errorf("initrd at %#x, want %#x", got, want)
	}
	if !bytes.Equal(at[:0x210], k[:0x210]) || at[0x210] != 0xb0 || binary.LittleEndian.Uint32(at[0x21c:]) != 0x100000 {
		t.Error("the patch wrote the wrong fields")
	}
	if _, err := patchKernel(k, 0x100000, 0x10000); err == nil {
		t.Error("memory smaller than QEMU's ACPI data was accepted")
	}
	if _, err := patchKernel(k, 0x7fffffff, 0x80000000); err == nil {
		t.Error("an initrd larger than low memory was accepted")
	}
	if _, err := patchKernel(k[:0xfff], 1, 0x80000000); err == nil {
		t.Error("a kernel shorter than 4 KiB was accepted")
	}
	old := append([]byte(nil), k...)
	binary.LittleEndian.PutUint16(old[0x206:], 0x01ff)
	if _, err := patchKernel(old, 1, 0x80000000); err == nil {
		t.Error("an initrd with boot protocol 1.x was accepted")
	}
}

func TestKernelAuthenticode(t *testing.T) {
	k := synthKernel(t, 0x5000, 0)
	ref, err := KernelAuthenticode(k, 10000, KernelHashStableMinMemory)
	if err != nil {
		t.Fatal(err)
	}
	for _, mem := range []uint64{KernelHashCompat2GMemory, KernelHashStableMinMemory + 0x1000, 64 << 30} {
		if d, err := KernelAuthenticode(k, 10000, mem); err != nil || d != ref {
			t.Errorf("memory %#x: %x, %v; want the stable digest %x", mem, d, err, ref)
		}
	}
	if d, _ := KernelAuthenticode(k, 10000, 1<<30); d == ref {
		t.Error("1 GiB gives the stable digest, but QEMU places the initrd elsewhere")
	}
	if d, _ := KernelAuthenticode(k, 10001, KernelHashStableMinMemory); d == ref {
		t.Error("the initrd's size does not change the digest")
	}

	// The hash by hand: headers less CheckSum and the security directory, then the sections (already in file
	// order), and nothing else: the file is a multiple of 8 and has no certificate table.
	p, _ := patchKernel(k, 10000, KernelHashStableMinMemory)
	checksum, certEntry := 0x40+4+20+64, 0x40+4+20+112+4*8
	want := sha512.Sum384(bytes.Join([][]byte{p[:checksum], p[checksum+4 : certEntry], p[certEntry+8 : 0x200], p[0x200:]}, nil))
	if want != ref {
		t.Errorf("Authenticode %x, by hand %x", ref, want)
	}

	for name, c := range map[string]struct {
		off  int
		same bool
	}{
		"checksum":       {checksum, true},
		"security entry": {certEntry + 2, true},
		"section data":   {0x3000, false},
		"header":         {0x40 + 4 + 20 + 8, false},
	} {
		m := append([]byte(nil), k...)
		m[c.off] ^= 0x10
		d, err := KernelAuthenticode(m, 10000, KernelHashStableMinMemory)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (d == ref) != c.same {
			t.Errorf("flipping the %s: digest unchanged = %v, want %v", name, d == ref, c.same)
		}
	}
}

func TestAuthenticodeTrailingData(t *testing.T) {
	// With a certificate table, what follows the sections is hashed except the table's size.
	k := synthKernel(t, 0x5000, 0x100)
	p, _ := patchKernel(k, 0, KernelHashStableMinMemory)
	checksum, certEntry := 0x40+4+20+64, 0x40+4+20+112+4*8
	h := sha512.New384()
	if err := authenticodeHash(h, p); err != nil {
		t.Fatal(err)
	}
	want := sha512.Sum384(bytes.Join([][]byte{p[:checksum], p[checksum+4 : certEntry], p[certEntry+8 : 0x200], p[0x200 : 0x5000-0x100]}, nil))
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Error("the certificate table was hashed")
	}
	// Bytes past the sections and the table, in an odd-sized file: hashed with the table's size left out, then
	// zero padding to 8 bytes.
	k2 := append(append([]byte(nil), k...), 1, 2, 3)
	h.Reset()
	if err := authenticodeHash(h, k2); err != nil {
		t.Fatal(err)
	}
	want = sha512.Sum384(bytes.Join([][]byte{k2[:checksum], k2[checksum+4 : certEntry], k2[certEntry+8 : 0x200], k2[0x200 : 0x5000-0x100], k2[0x4f00:0x4f03], make([]byte, 5)}, nil))
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Error("trailing data or padding hashed differently from upstream")
	}
}

func TestAuthenticodeRefusals(t *testing.T) {
	good := synthKernel(t, 0x5000, 0)
	le := binary.LittleEndian
	for _, c := range []struct {
		name string
		mod  func(k []byte) []byte
	}{
		{"empty", func([]byte) []byte { return nil }},
		{"no PE signature", func(k []byte) []byte { k[0x40] = 'X'; return k }},
		{"e_lfanew outside", func(k []byte) []byte { le.PutUint32(k[0x3c:], 0xffffff); return k }},
		{"bad magic", func(k []byte) []byte { le.PutUint16(k[0x40+24:], 0x999); return k }},
		{"SizeOfHeaders short", func(k []byte) []byte { le.PutUint32(k[0x40+24+60:], 0x80); return k }},
		{"SizeOfHeaders outside", func(k []byte) []byte { le.PutUint32(k[0x40+24+60:], 0x100000); return k }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := authenticodeHash(sha512.New384(), c.mod(append([]byte(nil), good...))); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// A section running past the end of the file is hashed as far as the file goes, as upstream does.
	trunc := append([]byte(nil), good[:0x4800]...)
	if err := authenticodeHash(sha512.New384(), trunc); err != nil {
		t.Errorf("a truncated last section: %v", err)
	}
}

func FuzzKernelAuthenticode(f *testing.F) {
	f.Add(synthKernel(f, 0x3000, 0), uint32(100), uint64(KernelHashStableMinMemory))
	f.Add(synthKernel(f, 0x3100, 0x100), uint32(0), uint64(1<<30))
	f.Fuzz(func(t *testing.T, k []byte, initrd uint32, mem uint64) {
		_, _ = KernelAuthenticode(k, int(initrd), mem)
		_ = authenticodeHash(sha256.New(), k)
	})
}

func TestCmdlineDigest(t *testing.T) {
	got := CmdlineDigest(MeasuredCmdline("console=ttyS0 é"))
	var b []byte
	for _, c := range utf16.Encode([]rune("console=ttyS0 é initrd=initrd")) {
		b = append(b, byte(c), byte(c>>8))
	}
	if want := sha512.Sum384(append(b, 0, 0)); got != want {
		t.Errorf("cmdline digest %x, want %x", got, want)
	}
}

// TestKernelAuthenticodeSigned checks the Authenticode hash against a signed kernel's own signature: the
// SHA-256 image digest in its PKCS#7 signature. Set DSTACK_TEST_SIGNED_KERNEL to a signed bzImage (for
// example /boot/vmlinuz-* of Debian's linux-image-*-amd64, from apt-get download and dpkg-deb -x).
func TestKernelAuthenticodeSigned(t *testing.T) {
	path := os.Getenv("DSTACK_TEST_SIGNED_KERNEL")
	if path == "" {
		t.Skip("DSTACK_TEST_SIGNED_KERNEL is not set")
	}
	k, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if err := authenticodeHash(h, k); err != nil {
		t.Fatal(err)
	}
	d := h.Sum(nil)
	opt := int(binary.LittleEndian.Uint32(k[0x3c:])) + 24
	cert := binary.LittleEndian.Uint32(k[opt+112+32:])
	if cert == 0 || !bytes.Contains(k[cert:], d) {
		t.Fatalf("the signature of %s does not carry our Authenticode SHA-256 %s", path, hex.EncodeToString(d))
	}
	start := time.Now()
	kd, err := KernelAuthenticode(k, 50<<20, KernelHashStableMinMemory)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: Authenticode SHA-256 %x is the signed digest; patched SHA-384 for a 50 MiB initrd %x in %v", path, d, kd, time.Since(start))
}
