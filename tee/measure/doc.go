// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// TDXMeasurementFile is the name of the lite TDX measurement document in an OS image directory and in its
// sha256sum.txt. Upstream: dstack/dstack-types/src/lib.rs (TDX_MEASUREMENT_FILENAME).
const TDXMeasurementFile = "measurement.tdx.cbor"

// ChecksumFile is the name of the checksum list whose SHA-256 is the os_image_hash.
const ChecksumFile = "sha256sum.txt"

// TDXMeasurementVersion is the only version of measurement.tdx.cbor this package reads and writes.
const TDXMeasurementVersion = 3

// OVMFPre202505 is the only OVMF RTMR0 event layout upstream supports (13 RTMR0 events), as it is spelled in
// measurement.tdx.cbor and in vm_config.ovmf_variant.
const OVMFPre202505 = "pre202505"

// TDXImageMeasurement is the decoded measurement.tdx.cbor: the image-invariant material from which MRTD and
// RTMR0–2 are recomputed once the VM shape (vm_config) and the ACPI digests (event log) are known. The CBOR
// keys and the integer OVMF variant are upstream's (dstack/dstack-types/src/lib.rs, CborTdxOsImageMeasurement).
type TDXImageMeasurement struct {
	Version uint32   `cbor:"version"`
	Image   TDXImage `cbor:"image"`
	TDVF    TDXTDVF  `cbor:"tdvf"`
}

// TDXImage holds the digests of what RTMR1 and RTMR2 measure.
type TDXImage struct {
	// CmdlineSHA384 is SHA-384 of UTF-16LE(cmdline + " initrd=initrd") followed by a UTF-16 NUL (RTMR2 event 1).
	CmdlineSHA384 []byte `cbor:"cmdline_sha384"`
	// KernelAuthenticode is the Authenticode SHA-384 of the QEMU-patched bzImage for memory ≥ 0xB0000000 or
	// exactly 2 GiB (RTMR1 event 1).
	KernelAuthenticode []byte `cbor:"kernel_authenticode"`
	// InitrdSHA384 is SHA-384 of the initrd file (RTMR2 event 2).
	InitrdSHA384 []byte `cbor:"initrd_sha384"`
}

// TDXTDVF holds what the firmware contributes: MRTD for both page-add orders and the TD HOB witness.
type TDXTDVF struct {
	// OVMFVariant is the RTMR0 event layout (OVMFPre202505).
	OVMFVariant string `cbor:"ovmf"`
	// MRTD holds MRTD for QEMU's single-pass and two-pass page-add orders.
	MRTD TDXMRTDCandidates `cbor:"mrtd"`
	// TDHobWitness is the compact TdHobWitnessV1 (LEB128 base_page, td_hob_page_delta, count, then
	// (start_page_delta, pages) pairs) from which the TD HOB for any memory size is rebuilt.
	TDHobWitness []byte `cbor:"td_hob"`
}

// TDXMRTDCandidates is MRTD for both orders QEMU uses to add and extend the TDVF pages.
type TDXMRTDCandidates struct {
	SinglePass []byte `cbor:"single_pass"`
	TwoPass    []byte `cbor:"two_pass"`
}

var cborDec, cborEnc = func() (cbor.DecMode, cbor.EncMode) {
	dm, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   8,
		MaxArrayElements:  64,
		MaxMapPairs:       64,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	em, err := cbor.EncOptions{}.EncMode()
	if err != nil {
		panic(err)
	}
	return dm, em
}()

// ParseTDXMeasurement decodes measurement.tdx.cbor strictly: unknown, duplicate or differently cased keys, trailing bytes, another
// version, an unknown OVMF variant or a digest of the wrong length are errors.
func ParseTDXMeasurement(b []byte) (*TDXImageMeasurement, error) {
	var m TDXImageMeasurement
	rest, err := cborDec.UnmarshalFirst(b, &m)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", TDXMeasurementFile, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("decoding %s: %d trailing bytes", TDXMeasurementFile, len(rest))
	}
	if m.Version != TDXMeasurementVersion {
		return nil, fmt.Errorf("decoding %s: version %d, want %d", TDXMeasurementFile, m.Version, TDXMeasurementVersion)
	}
	if m.TDVF.OVMFVariant != OVMFPre202505 {
		return nil, fmt.Errorf("decoding %s: unknown OVMF variant %q (only %q is defined)", TDXMeasurementFile, m.TDVF.OVMFVariant, OVMFPre202505)
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"image.cmdline_sha384", m.Image.CmdlineSHA384},
		{"image.kernel_authenticode", m.Image.KernelAuthenticode},
		{"image.initrd_sha384", m.Image.InitrdSHA384},
		{"tdvf.mrtd.single_pass", m.TDVF.MRTD.SinglePass},
		{"tdvf.mrtd.two_pass", m.TDVF.MRTD.TwoPass},
	} {
		if len(f.b) != 48 {
			return nil, fmt.Errorf("decoding %s: %s is %d bytes, want 48", TDXMeasurementFile, f.name, len(f.b))
		}
	}
	if len(m.TDVF.TDHobWitness) == 0 {
		return nil, fmt.Errorf("decoding %s: tdvf.td_hob is empty", TDXMeasurementFile)
	}
	return &m, nil
}

// Marshal encodes m as measurement.tdx.cbor, in upstream's key order.
func (m *TDXImageMeasurement) Marshal() ([]byte, error) {
	return cborEnc.Marshal(m)
}

// OSImageHash is the os_image_hash of an image: SHA-256 of its sha256sum.txt bytes.
func OSImageHash(checksumFile []byte) [32]byte { return sha256.Sum256(checksumFile) }

// ChecksumEntry returns the SHA-256 that checksumFile (sha256sum.txt: "<hex>  <name>" lines) lists for name.
// A missing or duplicate entry, a malformed line or a digest that is not 32 bytes of hex is an error.
func ChecksumEntry(checksumFile []byte, name string) ([32]byte, error) {
	var out [32]byte
	found := false
	for i, line := range strings.Split(string(checksumFile), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return out, fmt.Errorf("%s line %d has no file name", ChecksumFile, i+1)
		}
		if f[1] != name {
			continue
		}
		if found {
			return out, fmt.Errorf("%s lists %s twice", ChecksumFile, name)
		}
		d, err := hex.DecodeString(f[0])
		if err != nil || len(d) != 32 {
			return out, fmt.Errorf("%s: the digest of %s is not 64 hex digits", ChecksumFile, name)
		}
		copy(out[:], d)
		found = true
	}
	if !found {
		return out, fmt.Errorf("%s does not list %s", ChecksumFile, name)
	}
	return out, nil
}

// TDXDocument is vm_config.tdx_measurement: the raw sha256sum.txt and measurement.tdx.cbor of the image the
// host says it booted. In JSON both are standard base64 (upstream's serde_human_bytes::base64).
type TDXDocument struct {
	ChecksumFile []byte `json:"checksum_file"`
	Measurement  []byte `json:"measurement"`
}

// Bind checks that the document belongs to osImageHash — SHA-256(sha256sum.txt) equals it and sha256sum.txt
// lists the measurement file's SHA-256 — and returns the decoded measurement.
func (d *TDXDocument) Bind(osImageHash []byte) (*TDXImageMeasurement, error) {
	got := OSImageHash(d.ChecksumFile)
	if !bytes.Equal(got[:], osImageHash) {
		return nil, fmt.Errorf("binding the measurement document: os_image_hash is %x but SHA-256 of its %s is %x", osImageHash, ChecksumFile, got)
	}
	want, err := ChecksumEntry(d.ChecksumFile, TDXMeasurementFile)
	if err != nil {
		return nil, fmt.Errorf("binding the measurement document: %w", err)
	}
	if sum := sha256.Sum256(d.Measurement); sum != want {
		return nil, fmt.Errorf("binding the measurement document: %s lists %s as %x but its SHA-256 is %x", ChecksumFile, TDXMeasurementFile, want, sum)
	}
	return ParseTDXMeasurement(d.Measurement)
}
