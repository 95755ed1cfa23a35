package mock

import (
	"context"
	"crypto/sha512"
	"fmt"
	"sync"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// The simulated development OS image. Every simulated TD — the dev stack's
// KMS, gateway and CVMs, and the tests' — boots this one image, so that a
// measurement allowed on chain for one is the measurement of all.
var (
	// OSImageHash is the os_image_hash of the default vm_config of a TD
	// booted with BootTD.
	OSImageHash = sha512.Sum512_256([]byte("dstack simulated image"))
	// devImageMRTD is the simulated image's build-time measurement.
	devImageMRTD = sha512.Sum384([]byte("dstack simulated image MRTD"))
)

// TCG event types of the boot event log (TCG PC Client Platform Firmware
// Profile; 0x8000000x are UEFI's EV_EFI_* events).
const (
	evSeparator                   = 0x00000004
	evEventTag                    = 0x00000006
	evPlatformConfigFlags         = 0x0000000a
	evEFIVariableDriverConfig     = 0x80000001
	evEFIVariableBoot             = 0x80000002
	evEFIBootServicesApplication  = 0x80000003
	evEFIAction                   = 0x80000007
	evEFIPlatformFirmwareBlob2    = 0x8000000a
	evEFIHandoffTables2           = 0x8000000b
	acpiDataPayload               = "ACPI DATA"
	simulatedMeasurementPrefix    = "dstack simulated image: "
	simulatedACPIMeasurementLabel = "ACPI table "
)

// devImageBootLog is the boot log of the simulated image: the events a TD's
// firmware (TDVF) and the kernel's EFI loader measure into RTMR0–2, of the
// types and in the order of a real TD's CCEL (the firmware's handoff
// tables and volume, the Secure Boot variables, a separator, the three
// ACPI blobs from fw_cfg, the boot application, the boot variables, the
// EFI actions around ExitBootServices, and the kernel command line and
// initrd as tagged events). The payloads name what a real TD would have
// measured there.
var devImageBootLog = []struct {
	imr       uint32
	eventType uint32
	event     string
	payload   string
}{
	{0, evEFIHandoffTables2, "", "TdxTable"},
	{0, evEFIPlatformFirmwareBlob2, "", "Fv(simulated TDVF)"},
	{0, evEFIVariableDriverConfig, "", "SecureBoot"},
	{0, evEFIVariableDriverConfig, "", "PK"},
	{0, evEFIVariableDriverConfig, "", "KEK"},
	{0, evEFIVariableDriverConfig, "", "db"},
	{0, evEFIVariableDriverConfig, "", "dbx"},
	{0, evSeparator, "", "\x00\x00\x00\x00"},
	{0, evPlatformConfigFlags, "acpi-loader", acpiDataPayload},
	{0, evPlatformConfigFlags, "acpi-rsdp", acpiDataPayload},
	{0, evPlatformConfigFlags, "acpi-tables", acpiDataPayload},
	{1, evEFIBootServicesApplication, "", "simulated kernel"},
	{0, evEFIVariableBoot, "", "BootOrder"},
	{0, evEFIVariableBoot, "", "Boot0000"},
	{1, evEFIAction, "", "Calling EFI Application from Boot Option"},
	{1, evSeparator, "", "\x00\x00\x00\x00"},
	{2, evEventTag, "", "simulated kernel command line"},
	{2, evEventTag, "", "simulated initrd"},
	{1, evEFIAction, "", "Exit Boot Services Invocation"},
	{1, evEFIAction, "", "Exit Boot Services Returned with Success"},
}

// DevImageBootEvents returns the boot event log (RTMR0–2) of the simulated
// image, in upstream's event log form: each event's digest is the SHA-384 of
// what it measures, which for the simulated image is its payload, except
// the ACPI events, whose payload is the "ACPI DATA" marker a real log
// carries and whose digest is that of a named simulated table.
func DevImageBootEvents() []eventlog.Event {
	out := make([]eventlog.Event, len(devImageBootLog))
	for i, e := range devImageBootLog {
		measured := []byte(e.payload)
		if e.payload == acpiDataPayload {
			measured = []byte(simulatedMeasurementPrefix + simulatedACPIMeasurementLabel + e.event)
		}
		d := sha512.Sum384(measured)
		out[i] = eventlog.Event{IMR: e.imr, EventType: e.eventType, Digest: d[:], Event: e.event, Payload: []byte(e.payload)}
	}
	return out
}

// Identity is the dstack identity BootTD measures into RTMR3.
type Identity struct {
	AppID       []byte
	ComposeHash []byte
	InstanceID  []byte
	// Config is the vm_config JSON carried with the evidence; empty means
	// one whose os_image_hash is OSImageHash.
	Config string
}

// TD is a booted simulated TD of the development image: MRTD fixed, RTMR0–2
// the replay of its boot event log (DevImageBootEvents), RTMR3 extended by
// what runs in it, and quotes signed through the mock PKI. Replaying its
// whole event log — boot events and runtime events — reproduces all four
// RTMRs of its quotes, as on a real TD. It is safe for concurrent use.
// INSECURE: anyone holding the PKI's seed can forge its evidence.
type TD struct {
	// Identity is what BootTD measured (zero for NewTD).
	Identity Identity

	tee    *TEE
	boot   []eventlog.Event
	mu     sync.Mutex
	events []eventlog.RuntimeEvent
}

// NewTD boots a simulated TD of the development image on p, with an empty
// RTMR3 and no runtime event yet.
func (p *PKI) NewTD() *TD {
	boot := DevImageBootEvents()
	var rtmr [3][48]byte
	for i := range rtmr {
		// The digests are 48 bytes by construction.
		rtmr[i], _ = eventlog.ReplayIMR(boot, uint32(i))
	}
	return &TD{tee: p.NewTEE(devImageMRTD, rtmr[0], rtmr[1], rtmr[2]), boot: boot}
}

// BootTD boots a simulated TD and emits the runtime events a dstack guest
// emits for id before it is ready: system-preparing, app-id, compose-hash,
// instance-id, boot-mr-done and system-ready.
func (p *PKI) BootTD(id Identity) (*TD, error) {
	if id.Config == "" {
		id.Config = fmt.Sprintf(`{"os_image_hash":"%x"}`, OSImageHash)
	}
	td := p.NewTD()
	td.Identity = id
	if err := td.Emit(
		eventlog.RuntimeEvent{Name: eventlog.EventSystemPreparing},
		eventlog.RuntimeEvent{Name: eventlog.EventAppID, Payload: id.AppID},
		eventlog.RuntimeEvent{Name: eventlog.EventComposeHash, Payload: id.ComposeHash},
		eventlog.RuntimeEvent{Name: eventlog.EventInstanceID, Payload: id.InstanceID},
		eventlog.RuntimeEvent{Name: eventlog.EventBootMRDone},
		eventlog.RuntimeEvent{Name: eventlog.EventSystemReady},
	); err != nil {
		return nil, err
	}
	return td, nil
}

// BootEvents returns the TD's boot event log (RTMR0–2).
func (td *TD) BootEvents() ([]eventlog.Event, error) {
	return append([]eventlog.Event(nil), td.boot...), nil
}

// ExtendRTMR3 extends RTMR3 with a digest and records no event: for a
// guest that keeps its own runtime event log.
func (td *TD) ExtendRTMR3(digest [48]byte) error {
	return td.tee.Extend(eventlog.RuntimeIMR, digest)
}

// Emit extends RTMR3 with each event's digest and records the event for
// the TD's Attester.
func (td *TD) Emit(events ...eventlog.RuntimeEvent) error {
	td.mu.Lock()
	defer td.mu.Unlock()
	for _, e := range events {
		if err := td.tee.Extend(eventlog.RuntimeIMR, e.Digest()); err != nil {
			return fmt.Errorf("emitting runtime event %s: %w", e.Name, err)
		}
		td.events = append(td.events, e)
	}
	return nil
}

// RuntimeEvents returns the events emitted so far, in order.
func (td *TD) RuntimeEvents() []eventlog.RuntimeEvent {
	td.mu.Lock()
	defer td.mu.Unlock()
	return append([]eventlog.RuntimeEvent(nil), td.events...)
}

// Quote returns a quote of the current registers with reportData.
func (td *TD) Quote(_ context.Context, reportData [64]byte) ([]byte, error) {
	return td.tee.Quote(reportData)
}

// SetMrConfigID sets the MR_CONFIG_ID the host launched the TD with.
func (td *TD) SetMrConfigID(id [48]byte) { td.tee.SetMrConfigID(id) }

// RTMRs returns the current registers.
func (td *TD) RTMRs() [4][48]byte { return td.tee.RTMRs() }

// RTMR3 returns the current runtime register.
func (td *TD) RTMR3() [48]byte { return td.tee.RTMRs()[eventlog.RuntimeIMR] }

// MRTD returns the TD's build-time measurement.
func (td *TD) MRTD() [48]byte { return td.tee.MRTD() }

// Attester returns the TD's attester: a quote, the boot event log and the
// runtime events emitted, taken together so that no event slips in between
// the quote and the log, and the Identity's vm_config.
func (td *TD) Attester() attest.Attester { return tdAttester{td} }

type tdAttester struct{ td *TD }

func (a tdAttester) Attest(ctx context.Context, reportData [64]byte) (*wire.Attestation, error) {
	td := a.td
	td.mu.Lock()
	defer td.mu.Unlock()
	events := append([]eventlog.RuntimeEvent(nil), td.events...)
	return (&attest.TDXAttester{
		Quote:         td.Quote,
		BootEvents:    td.boot,
		RuntimeEvents: func() []eventlog.RuntimeEvent { return events },
		Config:        td.Identity.Config,
	}).Attest(ctx, reportData)
}

// VerifyOptions returns verification options that accept the PKI's
// evidence: its roots in place of the vendors' and the collateral it signs.
// Development and tests only.
func (p *PKI) VerifyOptions() attest.Options {
	return attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: p.Roots()},
		Collateral:         collateral.NewCache(p.Source(), collateral.CacheOptions{}),
	}
}
