// Package wire encodes and decodes dstack's attestation wire formats, byte
// for byte as upstream does: VersionedAttestation V0 (SCALE) and V1
// (msgpack), the AppInfo of RA-TLS certificates (msgpack array), and the
// SCALE certificate-signing requests of the KMS's SignCert.
//
// Decoding checks structure only: nothing here verifies a signature or
// believes a claim. Decoders never allocate more than their input justifies,
// cap input at MaxSize, and reject trailing bytes.
package wire

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dstack-go/dstack/tee/eventlog"
)

// MaxSize caps an encoded attestation, as upstream does.
const MaxSize = 10 << 20

// Variant is the TEE platform of an attestation (upstream's TeeVariant and
// AttestationQuote indices).
type Variant uint8

// The variants, with their SCALE indices.
const (
	VariantTDX          Variant = 0
	VariantGCPTDX       Variant = 1
	VariantNitroEnclave Variant = 2
	VariantSEVSNP       Variant = 3
	VariantNitroTPM     Variant = 4
)

// String returns upstream's name of the variant ("dstack-tdx", …), as used
// in BootInfo.teeVariant.
func (v Variant) String() string {
	switch v {
	case VariantTDX:
		return "dstack-tdx"
	case VariantGCPTDX:
		return "dstack-gcp-tdx"
	case VariantNitroEnclave:
		return "dstack-nitro-enclave"
	case VariantSEVSNP:
		return "dstack-amd-sev-snp"
	case VariantNitroTPM:
		return "dstack-aws-nitro-tpm"
	}
	return fmt.Sprintf("unknown-variant-%d", uint8(v))
}

// ErrUnsupported is returned for well-formed evidence of a kind this
// implementation does not decode (GCP TDX with a vTPM quote).
var ErrUnsupported = errors.New("unsupported attestation kind")

// TDXEvidence is a TDX quote with its event log.
type TDXEvidence struct {
	Quote    []byte
	EventLog []eventlog.Event
}

// SNPEvidence is an SEV-SNP report, its certificate chain (DER) and the
// MrConfigV3 document whose hash is the report's HOST_DATA.
type SNPEvidence struct {
	Report    []byte
	CertChain [][]byte
	MrConfig  string
}

// NitroEnclaveEvidence is an AWS Nitro Enclave NSM attestation document.
type NitroEnclaveEvidence struct {
	NSMQuote []byte
}

// NitroTPMEvidence is an AWS EC2 NitroTPM attestation document.
type NitroTPMEvidence struct {
	AttestationDoc []byte
}

// Stack names of V1 StackEvidence.
const (
	StackDstack    = "dstack"
	StackDstackPod = "dstack-pod"
)

// Attestation is one piece of dstack evidence: the platform's quote or
// report and the software stack's runtime events, report_data and config.
type Attestation struct {
	Variant Variant
	// Exactly one of the following is set, matching Variant.
	TDX      *TDXEvidence
	SNP      *SNPEvidence
	Nitro    *NitroEnclaveEvidence
	NitroTPM *NitroTPMEvidence

	// RuntimeEvents are the dstack runtime events (RTMR3 on TDX).
	RuntimeEvents []eventlog.RuntimeEvent
	// ReportData is the report_data the platform evidence binds.
	ReportData [64]byte
	// Config is the vm_config JSON string.
	Config string
	// Stack is StackDstack (also for "") or StackDstackPod (V1 only).
	Stack string
	// ReportDataPayload is the dstack-pod payload whose AppData hash is
	// ReportData.
	ReportDataPayload string
}

// Version is the wire version of an encoded attestation.
type Version uint8

// Wire versions.
const (
	V0 Version = 0 // SCALE
	V1 Version = 1 // msgpack
)

// Decode decodes a VersionedAttestation, V0 or V1 by its first byte.
func Decode(b []byte) (*Attestation, Version, error) {
	if len(b) == 0 {
		return nil, 0, fmt.Errorf("%w: empty input", ErrMalformed)
	}
	if len(b) > MaxSize {
		return nil, 0, fmt.Errorf("%w: %d bytes exceed the %d-byte limit", ErrMalformed, len(b), MaxSize)
	}
	switch c := b[0]; {
	case c == 0x00:
		a, err := decodeV0(b)
		return a, V0, err
	case c >= 0x80 && c <= 0x8f, c == 0xde, c == 0xdf:
		a, err := decodeV1(b)
		return a, V1, err
	default:
		return nil, 0, fmt.Errorf("%w: unknown attestation version byte %#x", ErrMalformed, c)
	}
}

// Encode encodes like upstream's into_versioned: V0 unless a runtime event
// uses the V2 digest format or the stack is dstack-pod, which only V1 can
// carry.
func Encode(a *Attestation) ([]byte, error) {
	if needsV1(a) {
		return EncodeV1(a)
	}
	return EncodeV0(a)
}

func needsV1(a *Attestation) bool {
	if a.Stack == StackDstackPod {
		return true
	}
	for _, e := range a.RuntimeEvents {
		if e.Version == 2 {
			return true
		}
	}
	return false
}

func (a *Attestation) check() error {
	set := 0
	for _, p := range []bool{a.TDX != nil, a.SNP != nil, a.Nitro != nil, a.NitroTPM != nil} {
		if p {
			set++
		}
	}
	ok := set == 1 && map[Variant]bool{
		VariantTDX: a.TDX != nil, VariantSEVSNP: a.SNP != nil,
		VariantNitroEnclave: a.Nitro != nil, VariantNitroTPM: a.NitroTPM != nil,
	}[a.Variant]
	if !ok {
		return fmt.Errorf("encoding attestation: platform evidence does not match variant %v", a.Variant)
	}
	switch a.Stack {
	case "", StackDstack, StackDstackPod:
	default:
		return fmt.Errorf("encoding attestation: unknown stack %q", a.Stack)
	}
	return nil
}

// EncodeV0 encodes a as SCALE V0. V0 cannot carry V2 runtime events or a
// dstack-pod stack.
func EncodeV0(a *Attestation) ([]byte, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if needsV1(a) {
		return nil, errors.New("encoding attestation V0: V2 runtime events and dstack-pod need V1")
	}
	b := []byte{0x00, byte(a.Variant)}
	switch a.Variant {
	case VariantTDX:
		b = appendBytes(b, a.TDX.Quote)
		b = appendCompact(b, uint64(len(a.TDX.EventLog)))
		for _, e := range a.TDX.EventLog {
			b = appendU32(b, e.IMR)
			b = appendU32(b, e.EventType)
			b = appendBytes(b, e.Digest)
			b = appendStr(b, e.Event)
			b = appendBytes(b, e.Payload)
		}
	case VariantSEVSNP:
		b = appendBytes(b, a.SNP.Report)
		b = appendCompact(b, uint64(len(a.SNP.CertChain)))
		for _, c := range a.SNP.CertChain {
			b = appendBytes(b, c)
		}
		b = appendStr(b, a.SNP.MrConfig)
	case VariantNitroEnclave:
		b = appendBytes(b, a.Nitro.NSMQuote)
	case VariantNitroTPM:
		b = appendBytes(b, a.NitroTPM.AttestationDoc)
	}
	b = appendCompact(b, uint64(len(a.RuntimeEvents)))
	for _, e := range a.RuntimeEvents {
		b = appendStr(b, e.Name)
		b = appendBytes(b, e.Payload)
	}
	b = append(b, a.ReportData[:]...)
	b = appendStr(b, a.Config)
	if len(b) > MaxSize {
		return nil, fmt.Errorf("encoding attestation V0: %d bytes exceed the %d-byte limit", len(b), MaxSize)
	}
	return b, nil
}

func decodeV0(b []byte) (*Attestation, error) {
	d := &scaleDecoder{b: b, off: 1}
	v, err := d.u8("quote variant")
	if err != nil {
		return nil, err
	}
	a := &Attestation{Variant: Variant(v)}
	switch a.Variant {
	case VariantTDX:
		t := &TDXEvidence{}
		if t.Quote, err = d.bytes("TDX quote"); err != nil {
			return nil, err
		}
		if t.EventLog, err = decodeTdxEvents(d); err != nil {
			return nil, err
		}
		a.TDX = t
	case VariantSEVSNP:
		s := &SNPEvidence{}
		if s.Report, err = d.bytes("SNP report"); err != nil {
			return nil, err
		}
		n, err := d.length("SNP cert chain", 1)
		if err != nil {
			return nil, err
		}
		for i := 0; i < n; i++ {
			c, err := d.bytes("SNP certificate")
			if err != nil {
				return nil, err
			}
			s.CertChain = append(s.CertChain, c)
		}
		if s.MrConfig, err = d.str("SNP mr_config"); err != nil {
			return nil, err
		}
		a.SNP = s
	case VariantNitroEnclave:
		q, err := d.bytes("NSM quote")
		if err != nil {
			return nil, err
		}
		a.Nitro = &NitroEnclaveEvidence{NSMQuote: q}
	case VariantNitroTPM:
		q, err := d.bytes("NitroTPM attestation document")
		if err != nil {
			return nil, err
		}
		a.NitroTPM = &NitroTPMEvidence{AttestationDoc: q}
	case VariantGCPTDX:
		return nil, fmt.Errorf("decoding attestation: %w: GCP TDX evidence with a vTPM quote", ErrUnsupported)
	default:
		return nil, d.fail("quote variant", "unknown variant %d", v)
	}
	n, err := d.length("runtime events", 2)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		var e eventlog.RuntimeEvent
		if e.Name, err = d.str("runtime event name"); err != nil {
			return nil, err
		}
		if e.Payload, err = d.bytes("runtime event payload"); err != nil {
			return nil, err
		}
		e.Version = 1
		a.RuntimeEvents = append(a.RuntimeEvents, e)
	}
	rd, err := d.take("report_data", 64)
	if err != nil {
		return nil, err
	}
	copy(a.ReportData[:], rd)
	if a.Config, err = d.str("config"); err != nil {
		return nil, err
	}
	if d.remaining() != 0 {
		return nil, d.fail("attestation", "%d trailing bytes", d.remaining())
	}
	a.Stack = StackDstack
	return a, nil
}

// decodeTdxEvents reads Vec<TdxEvent> (imr, event_type, digest, event,
// event_payload; version and preimage are not in SCALE).
func decodeTdxEvents(d *scaleDecoder) ([]eventlog.Event, error) {
	n, err := d.length("TDX event log", 11)
	if err != nil {
		return nil, err
	}
	var out []eventlog.Event
	for i := 0; i < n; i++ {
		var e eventlog.Event
		if e.IMR, err = d.u32("event imr"); err != nil {
			return nil, err
		}
		if e.EventType, err = d.u32("event type"); err != nil {
			return nil, err
		}
		if e.Digest, err = d.bytes("event digest"); err != nil {
			return nil, err
		}
		if e.Event, err = d.str("event name"); err != nil {
			return nil, err
		}
		if e.Payload, err = d.bytes("event payload"); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Stripped returns the form upstream embeds in certificates
// (into_stripped): TDX keeps only RTMR3 events — and, when the config
// selects a measurement ("lite") attestation, the RTMR0 ACPI DATA events —
// with runtime events keeping their payload but not their digest, and the
// ACPI events their digest and their "ACPI DATA" marker payload.
func (a *Attestation) Stripped() *Attestation {
	out := *a
	if a.TDX == nil {
		return &out
	}
	keepACPI := measurementConfig(a.Config)
	t := &TDXEvidence{Quote: a.TDX.Quote}
	for _, e := range a.TDX.EventLog {
		switch {
		case e.IMR == 3:
			s := e
			if e.EventType == eventlog.RuntimeEventType {
				s.Digest = nil
			} else {
				s.Payload = nil
			}
			t.EventLog = append(t.EventLog, s)
		case keepACPI && isACPIData(e):
			t.EventLog = append(t.EventLog, e)
		}
	}
	out.TDX = t
	return &out
}

// acpiDataPayload marks the three ACPI events of RTMR0 in dstack logs.
const acpiDataPayload = "ACPI DATA"

func isACPIData(e eventlog.Event) bool {
	return e.IMR == 0 && e.EventType == 10 && string(e.Payload) == acpiDataPayload
}

// measurementConfig reports whether a vm_config selects TDX "lite"
// (measurement-based) attestation, whose certificates keep the ACPI events.
func measurementConfig(config string) bool {
	if config == "" {
		return false
	}
	var c struct {
		Variant string `json:"tdx_attestation_variant"`
	}
	return json.Unmarshal([]byte(config), &c) == nil && c.Variant == "lite"
}
