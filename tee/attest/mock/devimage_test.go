package mock_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
)

// TestDevImageIsAnImage: the simulated image is described in the real
// format — a measurement.tdx.cbor that decodes strictly, a sha256sum.txt
// that lists it with the image's other files, an os_image_hash that is the
// SHA-256 of that list — and is the same at every call.
func TestDevImageIsAnImage(t *testing.T) {
	doc := mock.DevImageDocument()
	m, err := doc.Bind(mock.OSImageHash[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := measure.ParseTDXMeasurement(doc.Measurement); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{measure.TDXMeasurementFile, "OVMF.fd", "bzImage", "initramfs.cpio.gz", "metadata.json"} {
		if _, err := measure.ChecksumEntry(doc.ChecksumFile, name); err != nil {
			t.Errorf("sha256sum.txt: %v", err)
		}
	}
	if h := sha256.Sum256(doc.ChecksumFile); h != mock.OSImageHash {
		t.Fatal("os_image_hash is not SHA-256 of sha256sum.txt")
	}
	again, _ := mock.DevImageMeasurement().Marshal()
	if !bytes.Equal(again, doc.Measurement) || !bytes.Equal(m.Image.KernelAuthenticode, mock.DevImageMeasurement().Image.KernelAuthenticode) {
		t.Fatal("the simulated image is not the same at every call")
	}
	c, err := identity.ParseVMConfig(mock.DevVMConfig())
	if err != nil || c.TDXAttestationVariant != "lite" || !bytes.Equal(c.OSImageHash, mock.OSImageHash[:]) || len(c.TDXMeasurement) == 0 {
		t.Fatalf("vm_config %s: %v", mock.DevVMConfig(), err)
	}
}

// TestSimulatedTDBindsItsImage: a simulated TD's evidence binds the dev
// image's os_image_hash (its MRTD and RTMR0–2 are what the measurement
// document gives for its VM), in the default VM and in another one its
// vm_config describes; a TD that booted another kernel, another initrd or
// another firmware while claiming the dev image does not verify, with the
// register named; a vm_config without the document leaves the hash a claim.
func TestSimulatedTDBindsItsImage(t *testing.T) {
	pki, err := mock.NewPKI([]byte("dev image binding"))
	if err != nil {
		t.Fatal(err)
	}
	id := mock.Identity{AppID: bytes.Repeat([]byte{1}, 20), ComposeHash: bytes.Repeat([]byte{2}, 32), InstanceID: bytes.Repeat([]byte{3}, 20)}
	verify := func(id mock.Identity) (*attest.Verified, error) {
		t.Helper()
		td, err := pki.BootTD(id)
		if err != nil {
			t.Fatal(err)
		}
		a, err := td.Attester().Attest(context.Background(), [64]byte{9})
		if err != nil {
			t.Fatal(err)
		}
		return attest.Verify(context.Background(), a, pki.VerifyOptions())
	}
	v, err := verify(id)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OSImageVerified || !bytes.Equal(v.OSImageHash, mock.OSImageHash[:]) {
		t.Fatalf("the dev image is not bound: %v %q", v.OSImageVerified, v.OSImageReason)
	}
	bigger := strings.Replace(mock.DevVMConfig(), `"memory_size":2147483648`, `"memory_size":8589934592`, 1)
	if bigger == mock.DevVMConfig() {
		t.Fatal("the dev vm_config has no memory_size to change")
	}
	if v, err := verify(mock.Identity{AppID: id.AppID, Config: bigger}); err != nil || !v.OSImageVerified {
		t.Fatalf("an 8 GiB TD of the dev image: %v", err)
	}
	for _, c := range []struct {
		register string
		change   func(*measure.TDXImageMeasurement)
	}{
		{"RTMR1", func(m *measure.TDXImageMeasurement) { m.Image.KernelAuthenticode[0] ^= 1 }},
		{"RTMR2", func(m *measure.TDXImageMeasurement) { m.Image.InitrdSHA384[47] ^= 1 }},
		{"MRTD", func(m *measure.TDXImageMeasurement) { m.TDVF.MRTD.SinglePass[5] ^= 1 }},
	} {
		other := mock.DevImageMeasurement()
		c.change(other)
		booted := id
		booted.Booted = other
		_, err := verify(booted)
		var me *measure.MismatchError
		if !errors.As(err, &me) || me.Register != c.register {
			t.Errorf("a TD that booted another image (%s differs) while claiming the dev image: %v", c.register, err)
		}
	}
	legacy := id
	legacy.Config = fmt.Sprintf(`{"os_image_hash":"%s"}`, hex.EncodeToString(mock.OSImageHash[:]))
	if v, err := verify(legacy); err != nil || v.OSImageVerified || v.OSImageReason == "" {
		t.Fatalf("a vm_config without its measurement document: %v, verified %v", err, v != nil && v.OSImageVerified)
	}
}
