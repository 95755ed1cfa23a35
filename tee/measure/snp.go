// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dstack-go/dstack/tee/identity"
)

// SEV-SNP launch inputs, as upstream's dstack-mr bounds them
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/sev.rs).
const (
	SNPMaxVCPUs            = 512
	SNPMaxOVMFSections     = 64
	snpMaxOVMFMetadataPage = 16_777_216
	snpVMSAGPA             = 0x0000_FFFF_FFFF_F000
)

// ErrSNPLaunch wraps every refusal of SEV-SNP launch inputs.
var ErrSNPLaunch = errors.New("invalid SEV-SNP launch inputs")

// SNPLaunchInput is vm_config.sev_snp_measurement in the form that carries the launch inputs themselves
// (upstream's MeasurementInput): the firmware's launch digest and SEV metadata sections, the kernel,
// initrd and command-line hashes that QEMU puts in the SEV hashes table, and the vCPUs.
type SNPLaunchInput struct {
	OVMFSections      []SNPOVMFSection `json:"ovmf_sections"`
	BaseCmdline       string           `json:"base_cmdline"`
	OVMFHash          string           `json:"ovmf_hash"`
	KernelHash        string           `json:"kernel_hash"`
	InitrdHash        string           `json:"initrd_hash"`
	SEVHashesTableGPA uint64           `json:"sev_hashes_table_gpa"`
	SEVESResetEIP     uint32           `json:"sev_es_reset_eip"`
	VCPUs             uint32           `json:"vcpus"`
	VCPUType          *string          `json:"vcpu_type"`
	GuestFeatures     uint64           `json:"guest_features"`
}

// SNPOVMFSection is one OVMF SEV metadata section: 1 SNP_SEC_MEMORY, 2 SNP_SECRETS, 3 CPUID, 4 SVSM_CAA,
// 0x10 SNP_KERNEL_HASHES.
type SNPOVMFSection struct {
	GPA         uint64 `json:"gpa"`
	Size        uint64 `json:"size"`
	SectionType uint32 `json:"section_type"`
}

// ParseSNPLaunchInput decodes and validates the launch inputs strictly (unknown fields are errors), with
// upstream's bounds: 1–512 vCPUs of a known type, 1–64 sections of known types, one of them the kernel
// hashes, digests of the right length, a rootfs hash on the command line, non-zero features, hashes-table
// GPA and reset EIP.
func ParseSNPLaunchInput(s string) (*SNPLaunchInput, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var in SNPLaunchInput
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSNPLaunch, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrSNPLaunch)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrSNPLaunch, fmt.Sprintf(format, a...))
	}
	switch {
	case in.GuestFeatures == 0:
		return nil, bad("guest_features must be non-zero")
	case in.VCPUs == 0 || in.VCPUs > SNPMaxVCPUs:
		return nil, bad("vcpus is %d, want 1 to %d", in.VCPUs, SNPMaxVCPUs)
	case in.VCPUType == nil:
		return nil, bad("vcpu_type is required")
	case len(in.OVMFSections) == 0 || len(in.OVMFSections) > SNPMaxOVMFSections:
		return nil, bad("%d ovmf_sections, want 1 to %d", len(in.OVMFSections), SNPMaxOVMFSections)
	case in.SEVHashesTableGPA == 0 || in.SEVESResetEIP == 0:
		return nil, bad("sev_hashes_table_gpa and sev_es_reset_eip must be non-zero")
	}
	if _, err := vcpuSignature(*in.VCPUType); err != nil {
		return nil, err
	}
	if !hasRootfsHash(in.BaseCmdline) {
		return nil, bad("base_cmdline has no dstack.rootfs_hash of 32 bytes")
	}
	for _, f := range []struct {
		name, v  string
		n        int
		optional bool
	}{{"ovmf_hash", in.OVMFHash, 48, false}, {"kernel_hash", in.KernelHash, 32, false}, {"initrd_hash", in.InitrdHash, 32, true}} {
		if f.optional && f.v == "" {
			continue
		}
		if b, err := hex.DecodeString(f.v); err != nil || len(b) != f.n {
			return nil, bad("%s must be %d bytes of hex", f.name, f.n)
		}
	}
	pages, kernelHashes := uint64(0), false
	for _, sec := range in.OVMFSections {
		if sec.Size == 0 {
			return nil, bad("an ovmf section is empty")
		}
		if pages += (sec.Size + 4095) / 4096; pages > snpMaxOVMFMetadataPage || sec.Size > snpMaxOVMFMetadataPage*4096 {
			return nil, bad("the ovmf sections exceed %d pages", snpMaxOVMFMetadataPage)
		}
		switch sec.SectionType {
		case 1, 2, 3, 4:
		case 0x10:
			kernelHashes = true
		default:
			return nil, bad("unknown ovmf section_type %#x", sec.SectionType)
		}
	}
	if !kernelHashes {
		return nil, bad("the ovmf sections include no kernel hashes section")
	}
	return &in, nil
}

func hasRootfsHash(cmdline string) bool {
	for _, p := range strings.Fields(cmdline) {
		if h, ok := strings.CutPrefix(p, "dstack.rootfs_hash="); ok {
			b, err := hex.DecodeString(h)
			return err == nil && len(b) == 32
		}
	}
	return false
}

// vcpuSignature is the CPUID signature QEMU puts in a VMSA for a vCPU model.
func vcpuSignature(model string) (uint32, error) {
	sig := func(family, m, stepping uint32) uint32 {
		famLow, famHigh := family, uint32(0)
		if family > 0xf {
			famLow, famHigh = 0xf, (family-0xf)&0xff
		}
		return famHigh<<20 | (m>>4&0xf)<<16 | famLow<<8 | (m&0xf)<<4 | stepping&0xf
	}
	switch strings.ToLower(strings.TrimSpace(model)) {
	case "epyc", "epyc-v1", "epyc-v2", "epyc-ibpb", "epyc-v3", "epyc-v4":
		return sig(23, 1, 2), nil
	case "epyc-rome", "epyc-rome-v1", "epyc-rome-v2", "epyc-rome-v3":
		return sig(23, 49, 0), nil
	case "epyc-milan", "epyc-milan-v1", "epyc-milan-v2":
		return sig(25, 1, 1), nil
	case "epyc-genoa", "epyc-genoa-v1":
		return sig(25, 17, 0), nil
	}
	return 0, fmt.Errorf("%w: unknown vcpu_type %q", ErrSNPLaunch, model)
}

// snpLaunchDigest is the SNP launch digest: each PAGE_INFO (current digest, contents digest, length 0x70,
// page type, GPA) hashed in turn.
type snpLaunchDigest [48]byte

func (d *snpLaunchDigest) update(pageType byte, gpa uint64, contents [48]byte) {
	var buf [0x70]byte
	copy(buf[:48], d[:])
	copy(buf[48:96], contents[:])
	binary.LittleEndian.PutUint16(buf[96:], 0x70)
	buf[98] = pageType
	binary.LittleEndian.PutUint64(buf[104:], gpa)
	*d = sha512.Sum384(buf[:])
}

// SEV hashes table GUIDs, as stored (little-endian fields).
var (
	guidHashTable = []byte{0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c, 0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21}
	guidCmdline   = []byte{0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c, 0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a}
	guidInitrd    = []byte{0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b, 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d}
	guidKernel    = []byte{0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42, 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b}
)

// hashesPage is the page QEMU fills with the SEV hashes table (command line with its NUL, initrd,
// kernel) at the table's offset in the page.
func (in *SNPLaunchInput) hashesPage() ([4096]byte, error) {
	var page [4096]byte
	kernel, _ := hex.DecodeString(in.KernelHash)
	initrd, _ := hex.DecodeString(in.InitrdHash)
	if in.InitrdHash == "" {
		e := sha256.Sum256(nil)
		initrd = e[:]
	}
	cmdline := sha256.Sum256(append([]byte(strings.TrimSpace(in.BaseCmdline)), 0))
	const size = 16 + 2 + 3*50
	table := binary.LittleEndian.AppendUint16(bytes.Clone(guidHashTable), size)
	for _, e := range []struct{ guid, hash []byte }{{guidCmdline, cmdline[:]}, {guidInitrd, initrd}, {guidKernel, kernel}} {
		table = binary.LittleEndian.AppendUint16(append(table, e.guid...), 50)
		table = append(table, e.hash...)
	}
	off := int(in.SEVHashesTableGPA & 0xfff)
	if off+(size+15)&^15 > len(page) {
		return page, fmt.Errorf("%w: the SEV hashes table overflows its page", ErrSNPLaunch)
	}
	copy(page[off:], table)
	return page, nil
}

// vmsaPage is the initial VMSA of a vCPU starting at eip, as QEMU builds it.
func vmsaPage(eip, vcpuSig uint32, features uint64) [4096]byte {
	var p [4096]byte
	seg := func(off int, selector, attrib uint16, limit uint32, base uint64) {
		binary.LittleEndian.PutUint16(p[off:], selector)
		binary.LittleEndian.PutUint16(p[off+2:], attrib)
		binary.LittleEndian.PutUint32(p[off+4:], limit)
		binary.LittleEndian.PutUint64(p[off+8:], base)
	}
	seg(0x000, 0, 0x93, 0xffff, 0) // es
	seg(0x010, 0xf000, 0x9b, 0xffff, uint64(eip)&0xffff_0000)
	for _, off := range []int{0x020, 0x030, 0x040, 0x050} { // ss, ds, fs, gs
		seg(off, 0, 0x93, 0xffff, 0)
	}
	seg(0x060, 0, 0, 0xffff, 0)    // gdtr
	seg(0x070, 0, 0x82, 0xffff, 0) // ldtr
	seg(0x080, 0, 0, 0xffff, 0)    // idtr
	seg(0x090, 0, 0x8b, 0xffff, 0) // tr
	for _, kv := range [][2]uint64{
		{0x0d0, 0x1000}, {0x148, 0x40}, {0x158, 0x10}, {0x160, 0x400}, {0x168, 0xffff_0ff0}, {0x170, 0x2},
		{0x178, uint64(eip) & 0xffff}, {0x268, 0x0007_0406_0007_0406}, {0x310, uint64(vcpuSig)}, {0x3b0, features}, {0x3e8, 0x1},
	} {
		binary.LittleEndian.PutUint64(p[kv[0]:], kv[1])
	}
	binary.LittleEndian.PutUint32(p[0x408:], 0x1f80)
	binary.LittleEndian.PutUint16(p[0x410:], 0x037f)
	return p
}

// LaunchMeasurement recomputes the SEV-SNP launch MEASUREMENT: from the firmware's launch digest, the
// metadata sections in order (zero pages, the secrets and CPUID pages, the SEV hashes table page), then
// one VMSA per vCPU (the BSP at the reset vector, the APs at the SEV-ES reset EIP).
func (in *SNPLaunchInput) LaunchMeasurement() ([48]byte, error) {
	var d snpLaunchDigest
	ovmf, err := hex.DecodeString(in.OVMFHash)
	if err != nil || len(ovmf) != 48 {
		return d, fmt.Errorf("%w: ovmf_hash must be 48 bytes of hex", ErrSNPLaunch)
	}
	copy(d[:], ovmf)
	for _, sec := range in.OVMFSections {
		switch sec.SectionType {
		case 1, 4: // SNP_SEC_MEMORY, SVSM_CAA
			for off := uint64(0); off < sec.Size; off += 4096 {
				d.update(0x03, sec.GPA+off, [48]byte{})
			}
		case 2:
			d.update(0x05, sec.GPA, [48]byte{})
		case 3:
			d.update(0x06, sec.GPA, [48]byte{})
		case 0x10:
			page, err := in.hashesPage()
			if err != nil {
				return d, err
			}
			d.update(0x01, sec.GPA, sha512.Sum384(page[:]))
		default:
			return d, fmt.Errorf("%w: unknown ovmf section_type %#x", ErrSNPLaunch, sec.SectionType)
		}
	}
	if in.VCPUType == nil {
		return d, fmt.Errorf("%w: vcpu_type is required", ErrSNPLaunch)
	}
	sig, err := vcpuSignature(*in.VCPUType)
	if err != nil {
		return d, err
	}
	bsp, ap := vmsaPage(0xffff_fff0, sig, in.GuestFeatures), vmsaPage(in.SEVESResetEIP, sig, in.GuestFeatures)
	bspDigest, apDigest := sha512.Sum384(bsp[:]), sha512.Sum384(ap[:])
	for i := uint32(0); i < in.VCPUs; i++ {
		if i == 0 {
			d.update(0x02, snpVMSAGPA, bspDigest)
		} else {
			d.update(0x02, snpVMSAGPA, apDigest)
		}
	}
	return d, nil
}

// BindSNP checks an SEV-SNP CVM's launch inputs (vm_config.sev_snp_measurement) against the MEASUREMENT
// of its verified report, as upstream's verify_sev_launch does. Launch inputs that give another
// measurement are an error: the evidence contradicts itself. Matching inputs prove the firmware, kernel,
// initrd and command line; os_image_hash is bound to them only by the measurement.snp.cbor form of the
// document (with its sha256sum.txt), which this package does not read yet, so the Binding is never Bound
// and its Reason says what was and was not checked.
func BindSNP(measurement [48]byte, vmConfig string) (*Binding, error) {
	if vmConfig == "" {
		return &Binding{Reason: "SEV-SNP: the evidence carries no vm_config"}, nil
	}
	cfg, err := identity.ParseVMConfig(vmConfig)
	if err != nil {
		return nil, fmt.Errorf("binding the SEV-SNP launch: %w", err)
	}
	b := &Binding{OSImageHash: cfg.OSImageHash}
	if cfg.SEVSNPMeasurement == "" {
		b.Reason = "SEV-SNP: vm_config has no sev_snp_measurement, so nothing ties os_image_hash to the launch measurement"
		return b, nil
	}
	var form map[string]json.RawMessage
	if json.Unmarshal([]byte(cfg.SEVSNPMeasurement), &form) == nil && form["checksum_file"] != nil {
		b.Reason = "SEV-SNP: sev_snp_measurement is a measurement.snp.cbor document, which this verifier does not read yet, so os_image_hash is not bound"
		return b, nil
	}
	in, err := ParseSNPLaunchInput(cfg.SEVSNPMeasurement)
	if err != nil {
		return nil, fmt.Errorf("binding the SEV-SNP launch: %w", err)
	}
	want, err := in.LaunchMeasurement()
	if err != nil {
		return nil, fmt.Errorf("binding the SEV-SNP launch: %w", err)
	}
	if want != measurement {
		return nil, fmt.Errorf("binding the SEV-SNP launch: %w: MEASUREMENT is %x, the launch inputs give %x", ErrSNPLaunch, measurement, want)
	}
	b.Reason = "SEV-SNP: the launch measurement equals the one its inputs give (firmware, kernel, initrd and command line are bound), but these inputs carry no sha256sum.txt, so os_image_hash is not bound to them"
	return b, nil
}
