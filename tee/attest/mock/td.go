package mock

import (
	"context"
	"fmt"
	"sync"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/wire"
)

// Identity is the dstack identity BootTD measures into RTMR3.
type Identity struct {
	AppID       []byte
	ComposeHash []byte
	InstanceID  []byte
	// Config is the vm_config JSON carried with the evidence; empty means
	// DevVMConfig (the development image, whose os_image_hash the TD's
	// registers prove). Its VM shape is the TD's (MeasureBoot).
	Config string
	// Booted is the image the TD actually boots; nil means the development
	// image. A TD that boots another image than the one Config claims has
	// registers that contradict its claim: for tests of the refusal.
	Booted *measure.TDXImageMeasurement
	// BootedImage is a full OS image directory (measure.ReadImage) the TD
	// boots instead, in the VM shape of Config (MeasureImageBoot): for a VM
	// that really runs that image under the simulated TEE, whose registers
	// then bind what it booted. Config empty means ImageVMConfig of the
	// image in DevImageVMShape, which claims the image's os_image_hash. It
	// excludes Booted.
	BootedImage *measure.Image
}

// TD is a booted simulated TD of the development image: MRTD and RTMR0–2
// what the image's measurement document gives for its VM (MeasureBoot), its
// boot event log their events, RTMR3 extended by
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

// NewTD boots a simulated TD of the development image in DevImageVMShape
// on p, with an empty RTMR3 and no runtime event yet.
func (p *PKI) NewTD() *TD { return p.newTD(DevBoot()) }

// BootedTD boots a simulated TD whose build-time registers and boot event
// log are b's, with an empty RTMR3: for a VM whose host measured the image
// it booted (MeasureImageBoot) and handed the measurement to the guest, as
// the simulated TEE trusts its host.
func (p *PKI) BootedTD(b *Boot) *TD { return p.newTD(b) }

func (p *PKI) newTD(b *Boot) *TD {
	return &TD{tee: p.NewTEE(b.MRTD, b.RTMR[0], b.RTMR[1], b.RTMR[2]), boot: b.Events}
}

// BootTD boots a simulated TD and emits the runtime events a dstack guest
// emits for id before it is ready: system-preparing, app-id, compose-hash,
// instance-id, boot-mr-done and system-ready.
func (p *PKI) BootTD(id Identity) (*TD, error) {
	td, err := p.bootImage(&id)
	if err != nil {
		return nil, err
	}
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

// bootImage boots the TD of the image id names, in the VM its Config
// describes, filling in the default Config.
func (p *PKI) bootImage(id *Identity) (*TD, error) {
	if im := id.BootedImage; im != nil {
		if id.Booted != nil {
			return nil, fmt.Errorf("mock: booting a simulated TD: Booted and BootedImage are exclusive")
		}
		if id.Config == "" {
			c, err := ImageVMConfig(im, DevImageVMShape)
			if err != nil {
				return nil, err
			}
			id.Config = c
		}
		cfg, err := identity.ParseVMConfig(id.Config)
		if err != nil {
			return nil, fmt.Errorf("mock: booting a simulated TD: %w", err)
		}
		b, err := MeasureImageBoot(im, measure.ShapeOf(cfg))
		if err != nil {
			return nil, err
		}
		return p.newTD(b), nil
	}
	if id.Config == "" {
		id.Config = DevVMConfig()
	}
	td := p.NewTD()
	if id.Config != DevVMConfig() || id.Booted != nil {
		image := id.Booted
		if image == nil {
			image = DevImageMeasurement()
		}
		b, err := MeasureBoot(image, id.Config)
		if err != nil {
			return nil, err
		}
		td = p.newTD(b)
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
