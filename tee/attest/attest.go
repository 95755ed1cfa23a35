// Package attest verifies dstack attestation evidence end to end: the
// platform's signed report (a TDX quote or an SEV-SNP report), the binding of
// report_data, the replay of the runtime event log to the attested register,
// and the application identity (AppInfo) that follows from them.
//
// It is the one place where evidence becomes claims. It never returns claims
// it could not verify: an unsupported platform, a log that does not replay to
// the attested register, a report_data that does not match, or a missing
// trust root are errors, never partial successes. The OS image is the one
// claim that may stay unproven without failing verification: Verified says
// whether it was bound (OSImageVerified) and why not (OSImageReason), and
// evidence whose registers contradict its own measurement document is an
// error. Trust roots other than the vendors' (a mock PKI in development)
// must be passed explicitly through Options.InsecureTrustRoots.
package attest

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-sev-guest/verify/trust"

	"github.com/dstack-go/dstack/tee/attest/snp"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/wire"
)

// Errors of evidence verification. Platform packages add their own, wrapped.
var (
	ErrUnsupportedPlatform = errors.New("unsupported TEE platform")
	ErrReportDataMismatch  = errors.New("attested report_data does not match the evidence")
	ErrRTMR3Mismatch       = errors.New("runtime event log does not replay to the attested RTMR3")
	ErrMalformedEvidence   = errors.New("malformed evidence")
)

// TrustRoots replaces the vendors' built-in roots of trust.
type TrustRoots struct {
	// TDX is the pool of Intel SGX root CAs that PCK chains must lead to.
	TDX *x509.CertPool
	// SNP maps an AMD product line ("Milan", "Genoa", …) to its ARK/ASK pairs.
	SNP map[string][]*trust.AMDRootCerts
}

// Options configure verification. The zero value verifies against the
// vendors' roots at the current time with no TDX collateral (TCB status
// "Unknown") and no network access.
type Options struct {
	// Now is the verification time. Zero means time.Now().
	Now time.Time
	// Collateral is where TDX collateral (TCB info, QE identity, CRLs) comes
	// from, normally a *collateral.Cache. Nil means none: the TCB status of a
	// TDX quote is then reported as "Unknown".
	Collateral tdx.Getter
	// SNPGetter fetches VCEK certificates from AMD's KDS when the evidence
	// does not carry them. Nil means no fetching.
	SNPGetter trust.HTTPSGetter
	// SNPCerts are AMD certificates (a VCEK, its ASK) to use for SEV-SNP
	// evidence that carries none, when they were obtained out of band.
	SNPCerts [][]byte
	// InsecureTrustRoots replaces the vendors' roots with these, for evidence
	// from a mock PKI. Never set it for production evidence: anyone holding
	// the matching keys can forge evidence that then verifies.
	InsecureTrustRoots *TrustRoots
	// OSImage is the full OS image TDX evidence must have booted: its os_image_hash must be the one
	// vm_config claims, and the registers it gives for vm_config's VM shape the quoted ones
	// (measure.BindTDXImage), whatever measurement document the evidence carries. Nil (the default) means
	// the evidence's own document: lite evidence is bound by it, legacy evidence is left unbound. SEV-SNP
	// evidence is refused when it is set.
	OSImage *measure.Image
}

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Verified is the verified content of one piece of evidence.
type Verified struct {
	// Platform is the TEE variant the evidence came from.
	Platform wire.Variant
	// TCBStatus is the platform's TCB status as the collateral judges it
	// ("UpToDate", "OutOfDate", …), or "Unknown" without collateral. It is
	// surfaced, not gated: policy decides what to accept.
	TCBStatus string
	// AdvisoryIDs are the security advisories that apply to the TCB level.
	AdvisoryIDs []string
	// ReportData is the attested report_data.
	ReportData [64]byte
	// TDX is the verified quote when Platform is TDX.
	TDX *tdx.Report
	// SNP is the verified report when Platform is SEV-SNP.
	SNP *snp.Report
	// RuntimeEvents are the runtime events, verified by replay (TDX).
	RuntimeEvents []eventlog.RuntimeEvent
	// Config is the vm_config JSON string carried by the evidence. It is not
	// covered by the platform's signature; OSImageHash inherits that caveat.
	Config string

	// Identity, from the events before system-ready (TDX) or the MrConfigV3
	// document (SEV-SNP).
	AppID            []byte
	ComposeHash      []byte
	InstanceID       []byte
	KeyProviderInfo  []byte
	InitScriptHashes [][32]byte
	// OSImageHash is vm_config's os_image_hash. It is a claim of the host unless OSImageVerified.
	OSImageHash []byte
	// OSImageVerified is true when the registers that the image implies were recomputed and equal the
	// attested ones (TDX lite evidence, or TDX evidence checked against Options.OSImage; package measure):
	// only then does OSImageHash name what booted.
	OSImageVerified bool
	// OSImageReason says why OSImageHash is not verified (no vm_config, legacy TDX evidence, SEV-SNP);
	// empty when OSImageVerified. Evidence whose registers contradict its own measurement document does
	// not verify at all.
	OSImageReason string
	// DeviceID is SHA256 of the platform device id (TDX PPID, SNP CHIP_ID).
	DeviceID [32]byte
}

// Verify checks a decoded attestation and returns what it proves.
func Verify(ctx context.Context, a *wire.Attestation, opts Options) (*Verified, error) {
	if a == nil {
		return nil, fmt.Errorf("verifying attestation: %w: nil", ErrMalformedEvidence)
	}
	switch a.Variant {
	case wire.VariantTDX:
		if a.TDX == nil {
			return nil, fmt.Errorf("verifying attestation: %w: TDX variant without a quote", ErrMalformedEvidence)
		}
		return verifyTDX(ctx, a, opts)
	case wire.VariantSEVSNP:
		if a.SNP == nil {
			return nil, fmt.Errorf("verifying attestation: %w: SEV-SNP variant without a report", ErrMalformedEvidence)
		}
		return verifySNP(ctx, a, opts)
	default:
		return nil, fmt.Errorf("verifying attestation: %w: %v", ErrUnsupportedPlatform, a.Variant)
	}
}

func verifyTDX(ctx context.Context, a *wire.Attestation, opts Options) (*Verified, error) {
	topts := tdx.Options{Now: opts.now(), Collateral: opts.Collateral}
	if r := opts.InsecureTrustRoots; r != nil {
		if r.TDX == nil {
			return nil, fmt.Errorf("verifying TDX attestation: insecure trust roots given without a TDX root")
		}
		topts.TrustedRoots = r.TDX
	}
	q, err := tdx.Verify(ctx, a.TDX.Quote, topts)
	if err != nil {
		return nil, fmt.Errorf("verifying TDX attestation: %w", err)
	}
	if q.ReportData != a.ReportData {
		return nil, fmt.Errorf("verifying TDX attestation: %w", ErrReportDataMismatch)
	}
	events := a.RuntimeEvents
	if len(events) == 0 && len(a.TDX.EventLog) > 0 {
		if events, err = eventlog.RuntimeEvents(a.TDX.EventLog); err != nil {
			return nil, fmt.Errorf("verifying TDX attestation: reading event log: %w", err)
		}
	}
	if got := eventlog.Replay(events); got != q.RTMR[3] {
		return nil, fmt.Errorf("verifying TDX attestation: %w: replay %x, quote %x", ErrRTMR3Mismatch, got[:8], q.RTMR[3][:8])
	}
	v := &Verified{
		Platform:      wire.VariantTDX,
		TCBStatus:     q.TCBStatus,
		AdvisoryIDs:   q.AdvisoryIDs,
		ReportData:    q.ReportData,
		TDX:           q,
		RuntimeEvents: events,
		Config:        a.Config,
		DeviceID:      sha256.Sum256(q.PPID),
	}
	for _, e := range beforeSystemReady(events) {
		switch e.Name {
		case eventlog.EventAppID:
			setOnce(&v.AppID, e.Payload)
		case eventlog.EventComposeHash:
			setOnce(&v.ComposeHash, e.Payload)
		case eventlog.EventInstanceID:
			setOnce(&v.InstanceID, e.Payload)
		case eventlog.EventKeyProvider:
			setOnce(&v.KeyProviderInfo, e.Payload)
		case eventlog.EventInitScriptHash:
			if len(e.Payload) != 32 {
				return nil, fmt.Errorf("verifying TDX attestation: %w: init-script-hash of %d bytes", ErrMalformedEvidence, len(e.Payload))
			}
			v.InitScriptHashes = append(v.InitScriptHashes, [32]byte(e.Payload))
		}
	}
	if err := v.readConfig(); err != nil {
		return nil, fmt.Errorf("verifying TDX attestation: %w", err)
	}
	quoted := measure.Registers{MRTD: q.MRTD, RTMR0: q.RTMR[0], RTMR1: q.RTMR[1], RTMR2: q.RTMR[2]}
	var b *measure.Binding
	if opts.OSImage != nil {
		b, err = measure.BindTDXImage(quoted, a.Config, a.TDX.EventLog, opts.OSImage)
	} else {
		b, err = measure.BindTDX(quoted, a.Config, a.TDX.EventLog)
	}
	if err != nil {
		return nil, fmt.Errorf("verifying TDX attestation: %w", err)
	}
	v.OSImageVerified, v.OSImageReason = b.Bound, b.Reason
	return v, nil
}

func verifySNP(ctx context.Context, a *wire.Attestation, opts Options) (*Verified, error) {
	if opts.OSImage != nil {
		return nil, fmt.Errorf("verifying SEV-SNP attestation: an OS image directory binds TDX evidence only")
	}
	sopts := snp.Options{Now: opts.now(), Getter: opts.SNPGetter, ExtraCerts: opts.SNPCerts}
	if r := opts.InsecureTrustRoots; r != nil {
		if r.SNP == nil {
			return nil, fmt.Errorf("verifying SEV-SNP attestation: insecure trust roots given without an AMD root")
		}
		sopts.TrustedRoots = r.SNP
	}
	rep, err := snp.Verify(ctx, a.SNP.Report, a.SNP.CertChain, sopts)
	if err != nil {
		return nil, fmt.Errorf("verifying SEV-SNP attestation: %w", err)
	}
	if rep.ReportData != a.ReportData {
		return nil, fmt.Errorf("verifying SEV-SNP attestation: %w", ErrReportDataMismatch)
	}
	doc := []byte(a.SNP.MrConfig)
	if err := snp.CheckHostData(rep, doc); err != nil {
		return nil, fmt.Errorf("verifying SEV-SNP attestation: %w", err)
	}
	cfg, err := identity.ParseMrConfigV3(doc)
	if err != nil {
		return nil, fmt.Errorf("verifying SEV-SNP attestation: %w", err)
	}
	v := &Verified{
		Platform:         wire.VariantSEVSNP,
		TCBStatus:        rep.TCBStatus,
		ReportData:       rep.ReportData,
		SNP:              rep,
		Config:           a.Config,
		AppID:            []byte(cfg.AppID),
		ComposeHash:      []byte(cfg.ComposeHash),
		InstanceID:       []byte(cfg.InstanceID),
		KeyProviderInfo:  cfg.KeyProviderInfo(),
		InitScriptHashes: cfg.InitScriptHashList(),
		DeviceID:         sha256.Sum256(rep.ChipID[:]),
	}
	if err := v.readConfig(); err != nil {
		return nil, fmt.Errorf("verifying SEV-SNP attestation: %w", err)
	}
	b, err := measure.BindSNP(rep.Measurement, a.Config)
	if err != nil {
		return nil, fmt.Errorf("verifying SEV-SNP attestation: %w", err)
	}
	v.OSImageReason = b.Reason
	return v, nil
}

// readConfig takes os_image_hash from vm_config, when there is one.
func (v *Verified) readConfig() error {
	if v.Config == "" {
		return nil
	}
	cfg, err := identity.ParseVMConfig(v.Config)
	if err != nil {
		return fmt.Errorf("%w: vm_config: %v", ErrMalformedEvidence, err)
	}
	v.OSImageHash = cfg.OSImageHash
	return nil
}

// beforeSystemReady returns the events up to, not including, system-ready:
// later events are app-controlled and never feed identity.
func beforeSystemReady(events []eventlog.RuntimeEvent) []eventlog.RuntimeEvent {
	for i, e := range events {
		if e.Name == eventlog.EventSystemReady {
			return events[:i]
		}
	}
	return events
}

// setOnce keeps the first occurrence of an event, as upstream's find_event.
func setOnce(dst *[]byte, payload []byte) {
	if *dst == nil {
		*dst = append([]byte{}, payload...)
	}
}

// AppInfo derives upstream's AppInfo from the verified claims. With
// bootTimeMR the key-provider info is left out of mr_system and RTMR3 is
// replayed only up to boot-mr-done, which is how SignCert authorizes
// certificates for an app that has finished booting.
func (v *Verified) AppInfo(bootTimeMR bool) wire.AppInfo {
	kpi := v.KeyProviderInfo
	if bootTimeMR {
		kpi = nil
	}
	mrkp := identity.MrKeyProvider(kpi)
	info := wire.AppInfo{
		AppID:            v.AppID,
		ComposeHash:      v.ComposeHash,
		InstanceID:       v.InstanceID,
		DeviceID:         v.DeviceID[:],
		OSImageHash:      v.OSImageHash,
		KeyProviderInfo:  v.KeyProviderInfo,
		InitScriptHashes: v.InitScriptHashes,
	}
	switch {
	case v.TDX != nil:
		regs := identity.TDXRegisters{
			MRTD: v.TDX.MRTD, RTMR0: v.TDX.RTMR[0], RTMR1: v.TDX.RTMR[1], RTMR2: v.TDX.RTMR[2], RTMR3: v.TDX.RTMR[3],
			MrConfigID: v.TDX.MrConfigID, MrOwner: v.TDX.MrOwner, MrOwnerConfig: v.TDX.MrOwnerConfig,
		}
		rtmr3 := v.TDX.RTMR[3]
		if bootTimeMR {
			if r, ok := eventlog.ReplayUntil(v.RuntimeEvents, eventlog.EventBootMRDone); ok {
				rtmr3 = r
			}
		}
		info.MrSystem = identity.MrSystemTDX(regs, mrkp)
		info.MrAggregated = identity.MrAggregatedTDX(regs, rtmr3)
	case v.SNP != nil:
		info.MrSystem = identity.MrSystemSNP(v.SNP.Measurement)
		info.MrAggregated = identity.MrAggregatedSNP(v.SNP.Measurement, v.SNP.HostData)
	}
	return info
}
