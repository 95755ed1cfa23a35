// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// An OS image directory holds the firmware, kernel and initrd a CVM boots, metadata.json naming them, and the
// files that give the image its identity: measurement.tdx.cbor, and sha256sum.txt whose SHA-256 is the
// os_image_hash. The layout is upstream's
// (https://github.com/Dstack-TEE/dstack/blob/master/os/image/assemble.sh).

// MetadataFile is the name of the image description in an OS image directory.
const MetadataFile = "metadata.json"

// DigestFile holds the os_image_hash as hex and a newline, for people and scripts; nothing reads it back.
const DigestFile = "digest.txt"

// ImageMetadata is metadata.json. The field order is upstream's, which WriteImageFiles keeps.
type ImageMetadata struct {
	// BIOS is the file name of the OVMF firmware with TDVF metadata ("ovmf.fd" upstream). Required.
	BIOS string `json:"bios"`
	// BIOSSEV is the file name of an AMD SEV firmware, if the image carries one. Empty by default (omitted).
	BIOSSEV string `json:"bios-sev,omitempty"`
	// Kernel is the file name of the bzImage ("bzImage" upstream). Required.
	Kernel string `json:"kernel"`
	// Cmdline is the kernel command line, without the " initrd=initrd" that OVMF appends. When Rootfs names
	// a root file system it must carry dstack.rootfs_hash=<64 hex digits>, which pins it. Required.
	Cmdline string `json:"cmdline"`
	// Initrd is the file name of the initramfs ("initramfs.cpio.gz" upstream). Required.
	Initrd string `json:"initrd"`
	// Rootfs is the file name of the dm-verity root file system ("rootfs.img.parted.verity" upstream). It is not
	// measured: the command line's rootfs hash commits to it. Empty by default.
	Rootfs string `json:"rootfs"`
	// Version is the dstack OS version, MAJOR.MINOR.PATCH with an optional .SUFFIX. Empty by default.
	Version string `json:"version"`
	// GitRevision is the source revision the image was built from. Empty by default.
	GitRevision string `json:"git_revision"`
	// SharedRO says the host-shared directory is mounted read-only; upstream images always set it. False by
	// default.
	SharedRO bool `json:"shared_ro"`
	// IsDev marks a development image. False by default.
	IsDev bool `json:"is_dev"`
	// OVMFVariant is the firmware's RTMR0 event layout. Empty means OVMFPre202505, the only one defined.
	OVMFVariant string `json:"ovmf_variant"`
}

// check validates what measuring the image relies on.
func (m *ImageMetadata) check() error {
	for _, f := range []struct{ field, name string }{{"bios", m.BIOS}, {"kernel", m.Kernel}, {"initrd", m.Initrd}} {
		if err := checkImageFileName(f.name); err != nil {
			return fmt.Errorf("%s %s: %w", MetadataFile, f.field, err)
		}
	}
	if m.BIOSSEV != "" {
		if err := checkImageFileName(m.BIOSSEV); err != nil {
			return fmt.Errorf("%s bios-sev: %w", MetadataFile, err)
		}
	}
	if strings.TrimSpace(m.Cmdline) == "" {
		return fmt.Errorf("%s has no cmdline; a TDX image measures its kernel command line", MetadataFile)
	}
	if !utf8.ValidString(m.Cmdline) {
		return fmt.Errorf("%s cmdline is not valid UTF-8", MetadataFile)
	}
	// An image with a root file system pins it on the command line; an
	// image without one (the initramfs is the whole guest, measured itself)
	// has nothing to pin.
	if _, err := RootfsHashFromCmdline(m.Cmdline); err != nil && m.Rootfs != "" {
		return fmt.Errorf("%s: %w", MetadataFile, err)
	}
	if m.OVMFVariant != "" && m.OVMFVariant != OVMFPre202505 {
		return fmt.Errorf("%s ovmf_variant %q is unknown (only %q is defined)", MetadataFile, m.OVMFVariant, OVMFPre202505)
	}
	if m.OVMFVariant == "" && m.Version != "" {
		if err := checkOSVersion(m.Version); err != nil {
			return fmt.Errorf("%s version: %w", MetadataFile, err)
		}
	}
	return nil
}

// checkImageFileName accepts a plain file name in the image directory, never a path out of it.
func checkImageFileName(name string) error {
	switch {
	case name == "":
		return errors.New("no file named")
	case name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0):
		return fmt.Errorf("%q is not a plain file name in the image directory", name)
	case strings.ContainsAny(name, "\n\r"):
		return fmt.Errorf("%q cannot be listed in %s", name, ChecksumFile)
	}
	return nil
}

// checkOSVersion accepts MAJOR.MINOR.PATCH[.SUFFIX], as upstream's ovmf_variant_for_version does.
func checkOSVersion(v string) error {
	parts := strings.Split(v, ".")
	if len(parts) < 3 || len(parts) > 4 || (len(parts) == 4 && parts[3] == "") {
		return fmt.Errorf("%q is not MAJOR.MINOR.PATCH[.SUFFIX]", v)
	}
	for _, p := range parts[:3] {
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return fmt.Errorf("%q is not MAJOR.MINOR.PATCH[.SUFFIX]", v)
		}
	}
	return nil
}

// RootfsHashFromCmdline returns the dm-verity root hash a kernel command line pins
// (dstack.rootfs_hash=<64 hex digits>).
func RootfsHashFromCmdline(cmdline string) ([32]byte, error) {
	var out [32]byte
	for _, p := range strings.Fields(cmdline) {
		v, ok := strings.CutPrefix(p, "dstack.rootfs_hash=")
		if !ok {
			continue
		}
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != 32 {
			return out, fmt.Errorf("the cmdline's dstack.rootfs_hash %q is not 64 hex digits", v)
		}
		copy(out[:], b)
		return out, nil
	}
	return out, errors.New("the cmdline has no dstack.rootfs_hash=<64 hex digits>, so it does not pin the root file system")
}

// Image is an OS image directory read into memory: its metadata, the three files TDX measures, and the files
// that give it its identity, when it has them.
type Image struct {
	Metadata ImageMetadata
	Firmware []byte
	Kernel   []byte
	Initrd   []byte
	// Checksums is sha256sum.txt, whose SHA-256 is the os_image_hash; nil when the directory has none (an image
	// not yet given its identity, see WriteImageFiles).
	Checksums []byte
	// Document is measurement.tdx.cbor; nil when the directory has none.
	Document []byte

	metadataJSON []byte
}

// ErrNoIdentity is Image.OSImageHash's error for a directory without sha256sum.txt.
var ErrNoIdentity = errors.New("the OS image directory has no " + ChecksumFile + ", so no os_image_hash")

// ReadImage reads metadata.json in dir and the firmware, kernel and initrd it names, and sha256sum.txt and
// measurement.tdx.cbor when they exist. Fields of metadata.json this package does not know are ignored, as
// upstream does.
func ReadImage(dir string) (*Image, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetadataFile))
	if err != nil {
		return nil, fmt.Errorf("reading the OS image: %w", err)
	}
	im := Image{metadataJSON: b}
	if err := decodeMetadata(b, &im.Metadata); err != nil {
		return nil, fmt.Errorf("reading the OS image: %w", err)
	}
	if err := im.Metadata.check(); err != nil {
		return nil, fmt.Errorf("reading the OS image: %w", err)
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{im.Metadata.BIOS, &im.Firmware}, {im.Metadata.Kernel, &im.Kernel}, {im.Metadata.Initrd, &im.Initrd}} {
		if *f.dst, err = os.ReadFile(filepath.Join(dir, f.name)); err != nil {
			return nil, fmt.Errorf("reading the OS image: %w", err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{ChecksumFile, &im.Checksums}, {TDXMeasurementFile, &im.Document}} {
		if *f.dst, err = os.ReadFile(filepath.Join(dir, f.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("reading the OS image: %w", err)
		}
	}
	return &im, nil
}

// OSImageHash returns the image's os_image_hash, SHA-256 of its sha256sum.txt, after checking that the
// checksum file lists the firmware, kernel, initrd, metadata.json and measurement.tdx.cbor as they were read,
// and that measurement.tdx.cbor is this image's measurement: otherwise the hash would name something else than
// what boots. ErrNoIdentity when the directory has no sha256sum.txt.
func (im *Image) OSImageHash() ([32]byte, error) {
	var hash [32]byte
	if im.Checksums == nil {
		return hash, ErrNoIdentity
	}
	if im.Document == nil {
		return hash, fmt.Errorf("checking the OS image's identity: the directory has %s but no %s", ChecksumFile, TDXMeasurementFile)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{im.Metadata.BIOS, im.Firmware}, {im.Metadata.Kernel, im.Kernel}, {im.Metadata.Initrd, im.Initrd}, {MetadataFile, im.metadataJSON}, {TDXMeasurementFile, im.Document}} {
		listed, err := ChecksumEntry(im.Checksums, f.name)
		if err != nil {
			return hash, fmt.Errorf("checking the OS image's identity: %w", err)
		}
		if sha256.Sum256(f.data) != listed {
			return hash, fmt.Errorf("checking the OS image's identity: %s lists another SHA-256 for %s than the file has", ChecksumFile, f.name)
		}
	}
	m, err := im.Measurement()
	if err != nil {
		return hash, err
	}
	want, err := m.Marshal()
	if err != nil {
		return hash, fmt.Errorf("checking the OS image's identity: %w", err)
	}
	if !bytes.Equal(im.Document, want) {
		return hash, fmt.Errorf("checking the OS image's identity: %s is not the measurement of this image (regenerate it with dstack image build)", TDXMeasurementFile)
	}
	return OSImageHash(im.Checksums), nil
}

// Measurement computes the image's measurement.tdx.cbor document: both MRTD candidates and the TD HOB witness
// from the firmware, the patched kernel's Authenticode hash for KernelHashStableMinMemory, and the digests of the
// measured command line and the initrd. It is what upstream's dstack-mr tdx-measurement-cbor writes.
func (im *Image) Measurement() (*TDXImageMeasurement, error) {
	if err := im.Metadata.check(); err != nil {
		return nil, fmt.Errorf("measuring the OS image: %w", err)
	}
	tdvf, err := ParseTDVF(im.Firmware)
	if err != nil {
		return nil, fmt.Errorf("measuring the OS image: %s: %w", im.Metadata.BIOS, err)
	}
	witness, err := tdvf.TDHobWitness()
	if err != nil {
		return nil, fmt.Errorf("measuring the OS image: %s: %w", im.Metadata.BIOS, err)
	}
	kernel, err := im.KernelAuthenticode(KernelHashStableMinMemory)
	if err != nil {
		return nil, err
	}
	single, two := tdvf.MRTD(false), tdvf.MRTD(true)
	cmdline := CmdlineDigest(MeasuredCmdline(im.Metadata.Cmdline))
	initrd := sha384(im.Initrd)
	return &TDXImageMeasurement{
		Version: TDXMeasurementVersion,
		Image: TDXImage{
			CmdlineSHA384:      cmdline[:],
			KernelAuthenticode: kernel[:],
			InitrdSHA384:       initrd[:],
		},
		TDVF: TDXTDVF{
			OVMFVariant:  OVMFPre202505,
			MRTD:         TDXMRTDCandidates{SinglePass: single[:], TwoPass: two[:]},
			TDHobWitness: witness,
		},
	}, nil
}

// KernelAuthenticode is RTMR1's kernel digest for a VM of memory bytes. For memory where KernelHashIsStable
// it equals the measurement document's kernel_authenticode; below, the initrd's placement (and so the
// digest) depends on the exact memory size, which only the full image can answer.
func (im *Image) KernelAuthenticode(memory uint64) ([48]byte, error) {
	d, err := KernelAuthenticode(im.Kernel, len(im.Initrd), memory)
	if err != nil {
		return d, fmt.Errorf("measuring the OS image: %s: %w", im.Metadata.Kernel, err)
	}
	return d, nil
}

// Expected computes the registers a TD of this shape booted from the image must show, with the ACPI digests
// of its event log. Unlike the measurement document, the full image serves every memory size: below
// KernelHashStableMinMemory the kernel digest is recomputed for the exact size.
func (im *Image) Expected(shape VMShape, acpi ACPIDigests) (*Expected, error) {
	m, err := im.Measurement()
	if err != nil {
		return nil, err
	}
	if !KernelHashIsStable(shape.MemorySize) {
		k, err := im.KernelAuthenticode(shape.MemorySize)
		if err != nil {
			return nil, err
		}
		m.Image.KernelAuthenticode = k[:]
	}
	return m.expected(shape, acpi)
}

// MeasureImageDir reads the OS image directory dir and computes its measurement.tdx.cbor document.
func MeasureImageDir(dir string) (*TDXImageMeasurement, error) {
	im, err := ReadImage(dir)
	if err != nil {
		return nil, err
	}
	return im.Measurement()
}

// WriteImageFiles gives the OS image directory dir, which holds the firmware, kernel and initrd meta names, its
// identity, as upstream's image assembly does: it writes metadata.json, measurement.tdx.cbor, sha256sum.txt
// (sha256sum's "<hex>  <name>" lines for the firmware, kernel, initrd, metadata.json and measurement.tdx.cbor,
// in that order) and digest.txt, and returns the os_image_hash, SHA-256 of sha256sum.txt. An empty
// meta.OVMFVariant is written as OVMFPre202505. Existing files of those names are replaced.
func WriteImageFiles(dir string, meta ImageMetadata) ([32]byte, error) {
	var hash [32]byte
	if meta.OVMFVariant == "" {
		meta.OVMFVariant = OVMFPre202505
	}
	if err := meta.check(); err != nil {
		return hash, fmt.Errorf("writing the OS image files: %w", err)
	}
	metaJSON, err := marshalMetadata(&meta)
	if err != nil {
		return hash, fmt.Errorf("writing the OS image files: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, MetadataFile), metaJSON, 0o644); err != nil {
		return hash, fmt.Errorf("writing the OS image files: %w", err)
	}
	m, err := MeasureImageDir(dir)
	if err != nil {
		return hash, fmt.Errorf("writing the OS image files: %w", err)
	}
	cb, err := m.Marshal()
	if err != nil {
		return hash, fmt.Errorf("writing the OS image files: encoding %s: %w", TDXMeasurementFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, TDXMeasurementFile), cb, 0o644); err != nil {
		return hash, fmt.Errorf("writing the OS image files: %w", err)
	}
	var sums bytes.Buffer
	for _, name := range []string{meta.BIOS, meta.Kernel, meta.Initrd, MetadataFile, TDXMeasurementFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return hash, fmt.Errorf("writing the OS image files: %w", err)
		}
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(b), name)
	}
	if err := os.WriteFile(filepath.Join(dir, ChecksumFile), sums.Bytes(), 0o644); err != nil {
		return hash, fmt.Errorf("writing the OS image files: %w", err)
	}
	hash = OSImageHash(sums.Bytes())
	if err := os.WriteFile(filepath.Join(dir, DigestFile), []byte(hex.EncodeToString(hash[:])+"\n"), 0o644); err != nil {
		return hash, fmt.Errorf("writing the OS image files: %w", err)
	}
	return hash, nil
}

// metadataKeys are metadata.json's keys as spelled.
var metadataKeys = []string{"bios", "bios-sev", "kernel", "cmdline", "initrd", "rootfs", "version", "git_revision", "shared_ro", "is_dev", "ovmf_variant"}

// decodeMetadata decodes metadata.json with upstream's key matching: encoding/json would also take "BIOS" for
// "bios", which upstream ignores, so a key that differs from a known one only in case is an error.
func decodeMetadata(b []byte, m *ImageMetadata) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("decoding %s: %w", MetadataFile, err)
	}
	for k := range keys {
		for _, known := range metadataKeys {
			if k != known && strings.EqualFold(k, known) {
				return fmt.Errorf("decoding %s: key %q is not %q (keys are case-sensitive)", MetadataFile, k, known)
			}
		}
	}
	if err := json.Unmarshal(b, m); err != nil {
		return fmt.Errorf("decoding %s: %w", MetadataFile, err)
	}
	return nil
}

// marshalMetadata writes metadata.json as upstream's assembly script does: four-space indentation, fields in
// upstream's order, a final newline.
func marshalMetadata(m *ImageMetadata) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", MetadataFile, err)
	}
	return b.Bytes(), nil
}
