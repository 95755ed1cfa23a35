// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
)

// VMShape is what of vm_config decides how a TD is laid out: the inputs, besides the image, of the
// expected registers. Field meanings and defaults are upstream's VmConfig
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-types/src/lib.rs); ShapeOf takes them
// from a parsed vm_config.
//
// In the lite computation only MemorySize (the TD HOB in RTMR0, and the kernel placement rule),
// QEMUVersion and QEMUSinglePassAddPages (which MRTD) and OVMFVariant (the RTMR0 layout) reach a
// register. The others shape QEMU's ACPI tables, whose digests the lite path takes from the event log
// as measured: a register binds the tables that were loaded, not the vm_config fields they came from.
// LiteUnbound names those fields.
type VMShape struct {
	// CPUCount is the number of vCPUs.
	CPUCount uint32
	// MemorySize is the guest RAM in bytes. The lite computation refuses sizes below
	// KernelHashStableMinMemory other than exactly KernelHashCompat2GMemory, as upstream.
	MemorySize uint64
	// QEMUVersion is "major.minor.patch"; empty means 9.1.0. Versions below 8.0.0 are refused.
	QEMUVersion string
	// QEMUSinglePassAddPages overrides the version's page-add order; nil means the version's default
	// (two-pass for QEMU 8.x). As upstream, true selects the two-pass MRTD.
	QEMUSinglePassAddPages *bool
	// PIC overrides the version's legacy-PIC default (on for QEMU 8.x); nil means the default.
	PIC *bool
	// PCIHole64Size is the 64-bit PCI hole in bytes; 0 means QEMU's default.
	PCIHole64Size uint64
	// Hugepages tells whether RAM is backed by huge pages.
	Hugepages bool
	// NumGPUs is the number of passed-through GPUs.
	NumGPUs uint32
	// NumNVSwitches is the number of passed-through NVSwitches.
	NumNVSwitches uint32
	// NumNICs is the number of virtio-net NICs; vm_config's default is 1.
	NumNICs uint32
	// NumVerityVolumes is the number of virtio-blk verity volumes.
	NumVerityVolumes uint32
	// Swtpm tells whether a software TPM is attached.
	Swtpm bool
	// HotplugOff tells whether PCI hotplug is off.
	HotplugOff bool
	// HostShareMode is how host files are shared ("9p" or a disk).
	HostShareMode string
	// OVMFVariant is the firmware's RTMR0 layout as vm_config declares it; empty means the document's.
	// A value that differs from the measurement document's is refused.
	OVMFVariant string
}

// LiteUnbound lists the vm_config fields that no register binds in the lite computation (they shape the
// ACPI tables, which the lite path takes as measured).
var LiteUnbound = []string{"cpu_count", "pic", "pci_hole64_size", "hugepages", "num_gpus", "num_nvswitches", "num_nics", "num_verity_volumes", "swtpm", "hotplug_off", "host_share_mode"}

// ShapeOf returns the VM shape of a parsed vm_config.
func ShapeOf(c *identity.VMConfig) VMShape {
	return VMShape{
		CPUCount: c.CPUCount, MemorySize: c.MemorySize, QEMUVersion: c.QEMUVersion,
		QEMUSinglePassAddPages: c.QEMUSinglePassAddPages, PIC: c.PIC, PCIHole64Size: c.PCIHole64Size,
		Hugepages: c.Hugepages, NumGPUs: c.NumGPUs, NumNVSwitches: c.NumNVSwitches, NumNICs: c.NumNICs,
		NumVerityVolumes: c.NumVerityVolumes, Swtpm: c.Swtpm, HotplugOff: c.HotplugOff,
		HostShareMode: c.HostShareMode, OVMFVariant: c.OVMFVariant,
	}
}

// QEMUOptions are the machine options that a QEMU version implies, after vm_config's overrides
// (upstream's VersionedOptions, https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/machine.rs).
type QEMUOptions struct {
	Version     [3]uint32
	PIC         bool
	TwoPassAdd  bool
	VersionText string
}

// QEMUOptions resolves the version-dependent options: QEMU 8.x defaults to a legacy PIC and two-pass
// page adding, 9.x and later to neither; an empty version is 9.1.0; below 8.0.0 is refused.
func (s VMShape) QEMUOptions() (QEMUOptions, error) {
	o := QEMUOptions{Version: [3]uint32{9, 1, 0}, VersionText: s.QEMUVersion}
	if s.QEMUVersion != "" {
		parts := strings.Split(s.QEMUVersion, ".")
		if len(parts) != 3 {
			return o, fmt.Errorf("resolving QEMU options: qemu_version %q is not major.minor.patch", s.QEMUVersion)
		}
		for i, p := range parts {
			n, err := strconv.ParseUint(p, 10, 32)
			if err != nil {
				return o, fmt.Errorf("resolving QEMU options: qemu_version %q: %w", s.QEMUVersion, err)
			}
			o.Version[i] = uint32(n)
		}
	} else {
		o.VersionText = "9.1.0"
	}
	if o.Version[0] < 8 {
		return o, fmt.Errorf("resolving QEMU options: QEMU %s is not supported (8.0.0 or later)", o.VersionText)
	}
	def := o.Version[0] == 8
	o.PIC, o.TwoPassAdd = def, def
	if s.PIC != nil {
		o.PIC = *s.PIC
	}
	if s.QEMUSinglePassAddPages != nil {
		o.TwoPassAdd = *s.QEMUSinglePassAddPages
	}
	return o, nil
}

// ACPIDigests are the SHA-384 digests of QEMU's three ACPI blobs as TDVF measured them into RTMR0 (the
// event log's "acpi-loader", "acpi-rsdp" and "acpi-tables" events).
type ACPIDigests struct {
	Loader, RSDP, Tables [48]byte
}

// ACPI event names and the payload of their events, as upstream's guest labels them
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/cc-eventlog/src/tdx.rs).
const (
	ACPILoaderEvent  = "acpi-loader"
	ACPIRSDPEvent    = "acpi-rsdp"
	ACPITablesEvent  = "acpi-tables"
	acpiDataType     = 10
	acpiDataPayload  = "ACPI DATA"
	registerCount    = 3
	digestLen        = 48
	rtmr0EventsCount = 13
)

// ACPIDigestsFromLog takes the three ACPI digests from a boot event log as upstream's verifier does:
// exactly three RTMR0 events of type 10 with the payload "ACPI DATA", one named for each blob.
func ACPIDigestsFromLog(events []eventlog.Event) (ACPIDigests, error) {
	var d ACPIDigests
	var acpi []eventlog.Event
	rtmr0 := 0
	for _, e := range events {
		if e.IMR != 0 {
			continue
		}
		rtmr0++
		if e.EventType == acpiDataType && string(e.Payload) == acpiDataPayload {
			acpi = append(acpi, e)
		}
	}
	if len(acpi) != 3 {
		return d, fmt.Errorf("reading the ACPI digests: the event log has %d RTMR0 ACPI DATA events among %d RTMR0 events, want 3", len(acpi), rtmr0)
	}
	for _, want := range []struct {
		name string
		dst  *[48]byte
	}{{ACPILoaderEvent, &d.Loader}, {ACPIRSDPEvent, &d.RSDP}, {ACPITablesEvent, &d.Tables}} {
		n := 0
		for _, e := range acpi {
			if e.Event != want.name {
				continue
			}
			n++
			if len(e.Digest) != digestLen {
				return d, fmt.Errorf("reading the ACPI digests: event %s has a %d-byte digest, want 48", want.name, len(e.Digest))
			}
			copy(want.dst[:], e.Digest)
		}
		if n != 1 {
			return d, fmt.Errorf("reading the ACPI digests: %d RTMR0 ACPI DATA events are named %s, want 1", n, want.name)
		}
	}
	return d, nil
}

// Registers are a TD's boot measurement registers.
type Registers struct {
	MRTD, RTMR0, RTMR1, RTMR2 [48]byte
}

// RegisterNames are the names Registers' fields go by in reports, in comparison order.
var RegisterNames = [4]string{"MRTD", "RTMR0", "RTMR1", "RTMR2"}

func (r *Registers) list() [4][48]byte { return [4][48]byte{r.MRTD, r.RTMR0, r.RTMR1, r.RTMR2} }

// FirstDifference returns the index in RegisterNames of the first register where r and o differ, or -1.
func (r *Registers) FirstDifference(o *Registers) int {
	a, b := r.list(), o.list()
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// Expected is what a TD booted from an image must show: the registers, and the digests of the events
// that RTMR0, RTMR1 and RTMR2 extend, in order (their replay gives the registers).
type Expected struct {
	Registers
	// Events are the event digests of RTMR0, RTMR1 and RTMR2 in extension order.
	Events [3][][48]byte
}

func sha384(b []byte) [48]byte { return sha512.Sum384(b) }

// replay extends digests into a zero register.
func replay(digests [][48]byte) [48]byte {
	var mr [48]byte
	for _, d := range digests {
		mr = eventlog.Extend(mr, d)
	}
	return mr
}

func mustHex48(s string) [48]byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 48 {
		panic("measure: bad constant " + s)
	}
	return [48]byte(b)
}

// Fixed RTMR0 digests of pre-202505 OVMF: its configuration firmware volume and its Boot0000 (UiApp).
var (
	cfvImageDigest = mustHex48("344bc51c980ba621aaa00da3ed7436f7d6e549197dfe699515dfa2c6583d95e6412af21c097d473155875ffd561d6790")
	boot0000Digest = mustHex48("23ada07f5261f12f34a0bd8e46760962d6b4d576a416f1fea1c64bc656b1d28eacf7047ae6e967c58fd2a98bfa74c298")
	separator      = sha384([]byte{0, 0, 0, 0})
)

// efiVariableDigest is the digest of an EFI variable event with empty data: GUID (mixed endian),
// LE64 name length, LE64 data length 0, UTF-16LE name.
func efiVariableDigest(guid [16]byte, name string) [48]byte {
	b := append([]byte{}, guid[:]...)
	b = appendLE64(b, uint64(len(name)))
	b = appendLE64(b, 0)
	b = append(b, utf16LE(name)...)
	return sha384(b)
}

func appendLE64(b []byte, v uint64) []byte {
	for i := 0; i < 8; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

func utf16LE(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// EFI_GLOBAL_VARIABLE (8BE4DF61-93CA-11D2-AA0D-00E098032B8C) and EFI_IMAGE_SECURITY_DATABASE
// (D719B2CB-3D3A-4596-A3BC-DAD00E67656F), as stored.
var (
	efiGlobalVariable  = [16]byte{0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c}
	efiImageSecurityDB = [16]byte{0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f}
)

// secureBootDigests are the events of the empty SecureBoot, PK, KEK, db and dbx variables.
var secureBootDigests = [5][48]byte{
	efiVariableDigest(efiGlobalVariable, "SecureBoot"),
	efiVariableDigest(efiGlobalVariable, "PK"),
	efiVariableDigest(efiGlobalVariable, "KEK"),
	efiVariableDigest(efiImageSecurityDB, "db"),
	efiVariableDigest(efiImageSecurityDB, "dbx"),
}

// RTMR0Log returns the 13 RTMR0 event digests of pre-202505 OVMF: the TD HOB, the configuration FV,
// SecureBoot, PK, KEK, db, dbx, a separator, the three ACPI blobs, BootOrder and Boot0000
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/tdvf.rs).
func RTMR0Log(tdHob [48]byte, ovmfVariant string, acpi ACPIDigests) ([][48]byte, error) {
	if ovmfVariant != OVMFPre202505 {
		return nil, fmt.Errorf("building the RTMR0 log: unknown OVMF variant %q (only %q is defined)", ovmfVariant, OVMFPre202505)
	}
	return [][48]byte{
		tdHob,
		cfvImageDigest,
		secureBootDigests[0], secureBootDigests[1], secureBootDigests[2], secureBootDigests[3], secureBootDigests[4],
		separator,
		acpi.Loader, acpi.RSDP, acpi.Tables,
		sha384([]byte{0, 0}), // BootOrder
		boot0000Digest,
	}, nil
}

// RTMR1Log returns the RTMR1 event digests: the kernel's Authenticode hash, "Calling EFI Application
// from Boot Option", a separator, and the two ExitBootServices events.
func RTMR1Log(kernelAuthenticode [48]byte) [][48]byte {
	return [][48]byte{
		kernelAuthenticode,
		sha384([]byte("Calling EFI Application from Boot Option")),
		separator,
		sha384([]byte("Exit Boot Services Invocation")),
		sha384([]byte("Exit Boot Services Returned with Success")),
	}
}

// RTMR2Log returns the RTMR2 event digests: the kernel command line, then the initrd.
func RTMR2Log(cmdline, initrd [48]byte) [][48]byte { return [][48]byte{cmdline, initrd} }

// Expected computes the registers a TD of this shape must show when booted from the image m describes,
// with the given ACPI digests (from the event log), as upstream's
// tdx_measurements_from_measurement_document does
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/tdx.rs). It refuses what
// upstream refuses: a RAM size whose kernel placement the document cannot stand for (below
// KernelHashStableMinMemory, other than exactly 2 GiB), QEMU before 8.0.0 or a malformed version, an
// OVMF variant that differs from the document's, and a malformed TD HOB witness.
func (m *TDXImageMeasurement) Expected(shape VMShape, acpi ACPIDigests) (*Expected, error) {
	if shape.MemorySize != KernelHashCompat2GMemory && shape.MemorySize < KernelHashStableMinMemory {
		return nil, fmt.Errorf("computing the expected registers: memory_size %d is not supported by the lite measurement: it must be exactly %d (2 GiB) or at least %d (%d MiB)",
			shape.MemorySize, KernelHashCompat2GMemory, KernelHashStableMinMemory, KernelHashStableMinMemory>>20)
	}
	return m.expected(shape, acpi)
}

// expected is Expected for any memory size, for a document whose kernel digest is the one for
// shape.MemorySize.
func (m *TDXImageMeasurement) expected(shape VMShape, acpi ACPIDigests) (*Expected, error) {
	if shape.OVMFVariant != "" && shape.OVMFVariant != m.TDVF.OVMFVariant {
		return nil, fmt.Errorf("computing the expected registers: vm_config's ovmf_variant %q is not the measurement document's %q", shape.OVMFVariant, m.TDVF.OVMFVariant)
	}
	opts, err := shape.QEMUOptions()
	if err != nil {
		return nil, fmt.Errorf("computing the expected registers: %w", err)
	}
	for _, f := range [][]byte{m.TDVF.MRTD.SinglePass, m.TDVF.MRTD.TwoPass, m.Image.KernelAuthenticode, m.Image.CmdlineSHA384, m.Image.InitrdSHA384} {
		if len(f) != digestLen {
			return nil, fmt.Errorf("computing the expected registers: a digest of the measurement document is %d bytes, want 48", len(f))
		}
	}
	w, err := DecodeTDHobWitness(m.TDVF.TDHobWitness)
	if err != nil {
		return nil, fmt.Errorf("computing the expected registers: %w", err)
	}
	tdHob, err := w.MeasureTDHob(shape.MemorySize)
	if err != nil {
		return nil, fmt.Errorf("computing the expected registers: %w", err)
	}
	rtmr0, err := RTMR0Log(tdHob, m.TDVF.OVMFVariant, acpi)
	if err != nil {
		return nil, fmt.Errorf("computing the expected registers: %w", err)
	}
	e := &Expected{Events: [3][][48]byte{
		rtmr0,
		RTMR1Log([48]byte(m.Image.KernelAuthenticode)),
		RTMR2Log([48]byte(m.Image.CmdlineSHA384), [48]byte(m.Image.InitrdSHA384)),
	}}
	if opts.TwoPassAdd {
		e.MRTD = [48]byte(m.TDVF.MRTD.TwoPass)
	} else {
		e.MRTD = [48]byte(m.TDVF.MRTD.SinglePass)
	}
	e.RTMR0, e.RTMR1, e.RTMR2 = replay(e.Events[0]), replay(e.Events[1]), replay(e.Events[2])
	return e, nil
}
