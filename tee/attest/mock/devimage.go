package mock

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"unicode/utf16"

	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
)

// devImageLabel is what every digest of the simulated image is derived
// from, so that the image, its os_image_hash and the registers of a TD that
// boots it are the same at every run and on every machine.
const devImageLabel = "dstack simulated image"

// DevImageCmdline is the kernel command line of the simulated image.
const DevImageCmdline = "console=ttyS0 init=/init panic=1 dstack.simulated=1"

// The files of the simulated image besides its measurement document, as
// sha256sum.txt lists them.
var devImageFiles = []string{"OVMF.fd", "bzImage", "initramfs.cpio.gz", "metadata.json"}

// devTDHobWitness is the TD HOB witness of the simulated firmware: the
// layout of QEMU's OVMF for TDX (TEMP_MEM from 0x800000, the TD HOB at
// 0x809000), as upstream's dstack 0.6 images record it.
var devTDHobWitness = (&measure.TDHobWitness{BasePage: 0x800, TDHobPageDelta: 9, Ranges: []measure.WitnessRange{
	{StartPageDelta: 0, Pages: 6}, {StartPageDelta: 9, Pages: 2}, {StartPageDelta: 11, Pages: 2}, {StartPageDelta: 16, Pages: 16},
}}).Encode()

// DevImageVMShape is the VM a simulated TD is, unless its vm_config says
// otherwise: one vCPU, 2 GiB of RAM, QEMU 9.1.0, pre-202505 OVMF.
var DevImageVMShape = identity.VMConfig{
	CPUCount: 1, MemorySize: measure.KernelHashCompat2GMemory, QEMUVersion: "9.1.0", NumNICs: 1,
	HostShareMode: "9p", Image: "dstack-dev-simulated", OVMFVariant: measure.OVMFPre202505, SpecVersion: 1,
}

// acpiDigests are the digests of the simulated QEMU's three ACPI blobs for
// a VM shape. QEMU builds its tables from the VM's devices, so the digests
// depend on the shape's fields that shape them (measure.LiteUnbound), and
// on nothing else: the memory size and the QEMU options reach other events.
// The development shape's are the label's digests alone.
func acpiDigests(shape measure.VMShape) measure.ACPIDigests {
	var tag string
	if dev := measure.ShapeOf(&DevImageVMShape); acpiShape(shape) != acpiShape(dev) {
		tag = " for " + acpiShape(shape)
	}
	d := func(name string) [48]byte { return sha512.Sum384([]byte(devImageLabel + ": ACPI table " + name + tag)) }
	return measure.ACPIDigests{Loader: d(measure.ACPILoaderEvent), RSDP: d(measure.ACPIRSDPEvent), Tables: d(measure.ACPITablesEvent)}
}

// acpiShape is the text of the shape's fields that QEMU's ACPI tables
// depend on.
func acpiShape(s measure.VMShape) string {
	pic := "default"
	if s.PIC != nil {
		pic = fmt.Sprint(*s.PIC)
	}
	return fmt.Sprintf("cpus=%d pic=%s pci_hole64=%d hugepages=%t gpus=%d nvswitches=%d nics=%d verity=%d swtpm=%t hotplug_off=%t share=%s",
		s.CPUCount, pic, s.PCIHole64Size, s.Hugepages, s.NumGPUs, s.NumNVSwitches, s.NumNICs, s.NumVerityVolumes, s.Swtpm, s.HotplugOff, s.HostShareMode)
}

func labelDigest(what string) []byte {
	d := sha512.Sum384([]byte(devImageLabel + ": " + what))
	return d[:]
}

// cmdlineDigest is what OVMF measures for a kernel command line: SHA-384 of
// UTF-16LE(cmdline + " initrd=initrd") and a UTF-16 NUL.
func cmdlineDigest(cmdline string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(cmdline + " initrd=initrd\x00")) {
		b = append(b, byte(u), byte(u>>8))
	}
	d := sha512.Sum384(b)
	return d[:]
}

// DevImageMeasurement returns the lite measurement document
// (measurement.tdx.cbor) of the simulated development image, a fresh copy:
// MRTD for both page-add orders, the firmware's TD HOB witness, the kernel's
// Authenticode digest and the digests of the command line and the initrd.
// A test that boots a TD of another image changes a field of the copy
// (Identity.Booted).
func DevImageMeasurement() *measure.TDXImageMeasurement {
	return &measure.TDXImageMeasurement{
		Version: measure.TDXMeasurementVersion,
		Image: measure.TDXImage{
			CmdlineSHA384:      cmdlineDigest(DevImageCmdline),
			KernelAuthenticode: labelDigest("kernel"),
			InitrdSHA384:       labelDigest("initrd"),
		},
		TDVF: measure.TDXTDVF{
			OVMFVariant:  measure.OVMFPre202505,
			MRTD:         measure.TDXMRTDCandidates{SinglePass: labelDigest("MRTD single-pass"), TwoPass: labelDigest("MRTD two-pass")},
			TDHobWitness: bytes.Clone(devTDHobWitness),
		},
	}
}

// devImageDocument is the simulated image's vm_config.tdx_measurement: its
// measurement.tdx.cbor and the sha256sum.txt that lists it with the image's
// other files.
var devImageDocument = func() measure.TDXDocument {
	cbor, err := DevImageMeasurement().Marshal()
	if err != nil {
		panic(fmt.Sprintf("mock: encoding the simulated image's measurement: %v", err))
	}
	var sums bytes.Buffer
	for _, name := range devImageFiles {
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256([]byte(devImageLabel+": "+name)), name)
	}
	fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(cbor), measure.TDXMeasurementFile)
	return measure.TDXDocument{ChecksumFile: sums.Bytes(), Measurement: cbor}
}()

// OSImageHash is the os_image_hash of the simulated development image:
// SHA-256 of its sha256sum.txt. A TD booted with BootTD (default vm_config)
// or NewTD proves it: its registers are those the image's measurement
// document gives.
var OSImageHash = measure.OSImageHash(devImageDocument.ChecksumFile)

// DevImageDocument returns the simulated image's sha256sum.txt and
// measurement.tdx.cbor, as vm_config.tdx_measurement carries them.
func DevImageDocument() measure.TDXDocument {
	return measure.TDXDocument{ChecksumFile: bytes.Clone(devImageDocument.ChecksumFile), Measurement: bytes.Clone(devImageDocument.Measurement)}
}

// DevVMConfig is the vm_config of a simulated TD of the development image
// in DevImageVMShape: upstream's lite form, with the measurement document
// and the os_image_hash it belongs to, so that a verifier recomputes the
// TD's MRTD and RTMR0–2 and binds the hash.
func DevVMConfig() string { return devVMConfig }

var devVMConfig = func() string {
	c := DevImageVMShape
	c.OSImageHash = OSImageHash[:]
	c.TDXAttestationVariant = measure.VariantLite
	doc, err := json.Marshal(devImageDocument)
	if err != nil {
		panic(fmt.Sprintf("mock: encoding the simulated image's document: %v", err))
	}
	c.TDXMeasurement = doc
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("mock: encoding the simulated vm_config: %v", err))
	}
	return string(b)
}()

// Boot is what a TD's firmware measured before its OS ran: MRTD, RTMR0–2
// and the boot event log that replays to them.
type Boot struct {
	MRTD   [48]byte
	RTMR   [3][48]byte
	Events []eventlog.Event
}

// TCG event types of the boot event log (TCG PC Client Platform Firmware
// Profile; 0x8000000x are UEFI's EV_EFI_* events).
const (
	evSeparator                  = 0x00000004
	evEventTag                   = 0x00000006
	evPlatformConfigFlags        = 0x0000000a
	evEFIVariableDriverConfig    = 0x80000001
	evEFIVariableBoot            = 0x80000002
	evEFIBootServicesApplication = 0x80000003
	evEFIAction                  = 0x80000007
	evEFIPlatformFirmwareBlob2   = 0x8000000a
	evEFIHandoffTables2          = 0x8000000b
	acpiDataPayload              = "ACPI DATA"
)

// bootLogLayout is the order in which a TD's firmware (TDVF) and the
// kernel's EFI loader measure into RTMR0–2, as in a real TD's CCEL: the
// TD HOB, the configuration firmware volume, the Secure Boot variables, a
// separator, the three ACPI blobs from fw_cfg, the boot application (the
// kernel), the boot variables, the EFI actions around ExitBootServices, and
// the kernel command line and initrd as tagged events. Each entry's
// position among its register's entries is its place in
// measure.RTMR0Log, RTMR1Log or RTMR2Log, whose digests it carries. The
// payloads name what was measured, except the ACPI events', which carry
// the "ACPI DATA" marker and the blob's name, as upstream's guest labels
// them.
var bootLogLayout = []struct {
	imr       uint32
	eventType uint32
	event     string
	payload   string
}{
	{0, evEFIHandoffTables2, "", "TdxTable"},
	{0, evEFIPlatformFirmwareBlob2, "", "Fv(CFV)"},
	{0, evEFIVariableDriverConfig, "", "SecureBoot"},
	{0, evEFIVariableDriverConfig, "", "PK"},
	{0, evEFIVariableDriverConfig, "", "KEK"},
	{0, evEFIVariableDriverConfig, "", "db"},
	{0, evEFIVariableDriverConfig, "", "dbx"},
	{0, evSeparator, "", "\x00\x00\x00\x00"},
	{0, evPlatformConfigFlags, measure.ACPILoaderEvent, acpiDataPayload},
	{0, evPlatformConfigFlags, measure.ACPIRSDPEvent, acpiDataPayload},
	{0, evPlatformConfigFlags, measure.ACPITablesEvent, acpiDataPayload},
	{1, evEFIBootServicesApplication, "", "bzImage"},
	{0, evEFIVariableBoot, "", "BootOrder"},
	{0, evEFIVariableBoot, "", "Boot0000"},
	{1, evEFIAction, "", "Calling EFI Application from Boot Option"},
	{1, evSeparator, "", "\x00\x00\x00\x00"},
	{2, evEventTag, "", "kernel command line"},
	{2, evEventTag, "", "initrd"},
	{1, evEFIAction, "", "Exit Boot Services Invocation"},
	{1, evEFIAction, "", "Exit Boot Services Returned with Success"},
}

// MeasureBoot returns what a TD measures when it boots image in the VM
// that vmConfig describes: the registers measure.Expected computes and the
// boot event log of their events, in upstream's event types and order. A
// vm_config the lite computation cannot take (none, or one without a
// usable memory size or QEMU version, as tests write them) stands for no
// VM: the TD is then of DevImageVMShape, and its vm_config a claim.
func MeasureBoot(image *measure.TDXImageMeasurement, vmConfig string) (*Boot, error) {
	shape := measure.ShapeOf(&DevImageVMShape)
	if c, err := identity.ParseVMConfig(vmConfig); err == nil {
		s := measure.ShapeOf(c)
		if s.OVMFVariant == "" {
			s.OVMFVariant = image.TDVF.OVMFVariant
		}
		if _, err := image.Expected(s, acpiDigests(s)); err == nil {
			shape = s
		}
	}
	exp, err := image.Expected(shape, acpiDigests(shape))
	if err != nil {
		return nil, fmt.Errorf("mock: measuring the boot of a simulated TD: %w", err)
	}
	return bootOf(exp)
}

// MeasureImageBoot returns what a TD measures when it boots the full OS
// image im (measure.ReadImage of its directory) in a VM of the given
// shape, as a real TDX module, OVMF and QEMU would: MRTD from the
// firmware's TDVF sections, RTMR0 the TD HOB for the shape's memory, the
// firmware's fixed events and the simulated QEMU's ACPI tables for the
// shape, RTMR1 the kernel's Authenticode hash as QEMU patches it for that
// memory and the EFI boot events, RTMR2 the command line and the initrd;
// and the boot event log, in upstream's event types and order, that
// replays to them. The registers are measure.Image.Expected's for the
// shape and the log's ACPI digests, so a verifier given the image
// directory (dstack verify --image) binds the TD's os_image_hash.
func MeasureImageBoot(im *measure.Image, shape measure.VMShape) (*Boot, error) {
	exp, err := im.Expected(shape, acpiDigests(shape))
	if err != nil {
		return nil, fmt.Errorf("mock: measuring the boot of a simulated TD: %w", err)
	}
	return bootOf(exp)
}

// bootOf lays the expected registers' events out as a TD's boot event log.
func bootOf(exp *measure.Expected) (*Boot, error) {
	b := &Boot{MRTD: exp.MRTD, RTMR: [3][48]byte{exp.RTMR0, exp.RTMR1, exp.RTMR2}}
	var next [3]int
	for _, e := range bootLogLayout {
		if next[e.imr] >= len(exp.Events[e.imr]) {
			return nil, fmt.Errorf("mock: the boot log layout has more events for RTMR%d than the image's %d", e.imr, len(exp.Events[e.imr]))
		}
		d := exp.Events[e.imr][next[e.imr]]
		next[e.imr]++
		b.Events = append(b.Events, eventlog.Event{IMR: e.imr, EventType: e.eventType, Digest: bytes.Clone(d[:]), Event: e.event, Payload: []byte(e.payload)})
	}
	for i, n := range next {
		if n != len(exp.Events[i]) {
			return nil, fmt.Errorf("mock: the boot log layout has %d events for RTMR%d, the image %d", n, i, len(exp.Events[i]))
		}
	}
	return b, nil
}

// ImageVMConfig returns the vm_config of a simulated TD that boots the full
// OS image im in the VM shape of vm (whose os_image_hash and measurement
// fields are ignored): os_image_hash is the image's (im.OSImageHash, so the
// directory must carry its identity files). When the image's
// measurement.tdx.cbor serves the shape's memory size (2 GiB, or 0xB0000000
// bytes and more), the vm_config is upstream's lite form and carries the
// document, so a verifier binds the hash offline; otherwise it is the
// legacy form, and a verifier needs the image directory.
func ImageVMConfig(im *measure.Image, vm identity.VMConfig) (string, error) {
	hash, err := im.OSImageHash()
	if err != nil {
		return "", fmt.Errorf("mock: the vm_config of a simulated TD: %w", err)
	}
	vm.OSImageHash = hash[:]
	vm.TDXAttestationVariant, vm.TDXMeasurement = measure.VariantLegacy, nil
	doc := measure.TDXDocument{ChecksumFile: im.Checksums, Measurement: im.Document}
	if m, err := doc.Bind(hash[:]); err == nil {
		shape := measure.ShapeOf(&vm)
		if _, err := m.Expected(shape, acpiDigests(shape)); err == nil {
			if vm.TDXMeasurement, err = json.Marshal(doc); err != nil {
				return "", fmt.Errorf("mock: encoding the image's measurement document: %w", err)
			}
			vm.TDXAttestationVariant = measure.VariantLite
		}
	}
	b, err := json.Marshal(vm)
	if err != nil {
		return "", fmt.Errorf("mock: encoding the vm_config of a simulated TD: %w", err)
	}
	return string(b), nil
}

// devBoot is the boot of the development image in DevImageVMShape.
var devBoot = func() *Boot {
	b, err := MeasureBoot(DevImageMeasurement(), "")
	if err != nil {
		panic(err)
	}
	return b
}()

// DevBoot returns the boot measurements of the development image in
// DevImageVMShape: those of NewTD and of BootTD with the default vm_config.
func DevBoot() *Boot {
	b := *devBoot
	b.Events = DevImageBootEvents()
	return &b
}

// DevImageBootEvents returns the boot event log (RTMR0–2) of the simulated
// image in DevImageVMShape, in upstream's event log form.
func DevImageBootEvents() []eventlog.Event {
	out := make([]eventlog.Event, len(devBoot.Events))
	for i, e := range devBoot.Events {
		e.Digest, e.Payload = bytes.Clone(e.Digest), bytes.Clone(e.Payload)
		out[i] = e
	}
	return out
}

// maxBootEvents bounds the boot event log a Boot's JSON form may carry.
const maxBootEvents = 256

// bootJSON is a Boot's JSON form: MRTD and the boot event log, in
// upstream's event log form, whose replay gives RTMR0–2.
type bootJSON struct {
	MRTD   eventlog.HexBytes `json:"mrtd"`
	Events []eventlog.Event  `json:"event_log"`
}

// MarshalJSON encodes the boot as its MRTD and boot event log: how a host
// that measured an image's boot (MeasureImageBoot) tells a simulated TD in
// a VM what it booted.
func (b *Boot) MarshalJSON() ([]byte, error) {
	return json.Marshal(bootJSON{MRTD: b.MRTD[:], Events: b.Events})
}

// UnmarshalJSON decodes MarshalJSON's form. RTMR0–2 are the replay of the
// event log, so that the log and the registers agree; an MRTD that is not
// 48 bytes, an event of another register than RTMR0–2, a digest that is
// not 48 bytes, or more than 256 events are refused.
func (b *Boot) UnmarshalJSON(data []byte) error {
	var j bootJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("mock: decoding a boot measurement: %w", err)
	}
	if len(j.MRTD) != 48 {
		return fmt.Errorf("mock: decoding a boot measurement: mrtd of %d bytes, want 48", len(j.MRTD))
	}
	if len(j.Events) == 0 || len(j.Events) > maxBootEvents {
		return fmt.Errorf("mock: decoding a boot measurement: %d boot events, want 1 to %d", len(j.Events), maxBootEvents)
	}
	out := Boot{MRTD: [48]byte(j.MRTD), Events: j.Events}
	for i, e := range j.Events {
		if e.IMR > 2 || len(e.Digest) != 48 {
			return fmt.Errorf("mock: decoding a boot measurement: boot event %d: register %d, digest of %d bytes (want RTMR0–2, 48 bytes)", i, e.IMR, len(e.Digest))
		}
		out.RTMR[e.IMR] = eventlog.Extend(out.RTMR[e.IMR], [48]byte(e.Digest))
	}
	*b = out
	return nil
}
