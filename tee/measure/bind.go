// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
)

// TDX attestation variants of vm_config.tdx_attestation_variant. Empty means legacy.
const (
	VariantLite   = "lite"
	VariantLegacy = "legacy"
)

// Binding is the outcome of BindTDX for evidence that is consistent: either the os_image_hash is bound
// to the quote's registers, or there was nothing to bind it with (and Reason says why).
type Binding struct {
	// Bound is true when the registers were recomputed from a measurement document that belongs to
	// OSImageHash and equal the quote's.
	Bound bool
	// OSImageHash is vm_config's os_image_hash: proven when Bound, a claim otherwise.
	OSImageHash []byte
	// Reason says why the hash is not bound; empty when Bound.
	Reason string
	// Expected is what was recomputed (nil when not Bound).
	Expected *Expected
	// Unbound names the vm_config fields that no register binds in this computation (see LiteUnbound).
	Unbound []string
}

// ErrNotBindable is wrapped by the errors of evidence that declares the lite variant, or is checked against an
// OS image directory, but cannot be bound (no document, a document or an image of another os_image_hash, an
// unsupported shape, no ACPI events).
var ErrNotBindable = errors.New("the OS image of TDX evidence cannot be bound")

// MismatchError is BindTDX's error when the registers recomputed from a measurement document that
// belongs to the claimed os_image_hash differ from the quote's: the TD did not boot that image (or that
// shape). It names the first differing register and, when the event log shows it, the first event of
// that register that diverges from the expected one.
type MismatchError struct {
	// OSImageHash is the claimed os_image_hash.
	OSImageHash []byte
	// Register is the first differing register ("MRTD", "RTMR0", "RTMR1" or "RTMR2").
	Register string
	// Expected and Actual are that register, recomputed and quoted.
	Expected, Actual [48]byte
	// Event is the first diverging event of the register in the event log; nil for MRTD, or when the
	// log's events of the register all match the expected ones.
	Event *EventDiff
	// LogReplays tells whether the event log's events of Register replay to the quoted value (always
	// true for MRTD, which has no events).
	LogReplays bool
	// Computed is the whole recomputation.
	Computed *Expected
}

func (e *MismatchError) Error() string {
	s := fmt.Sprintf("the TD did not boot OS image %x: %s is %x, the image gives %x", e.OSImageHash, e.Register, e.Actual, e.Expected)
	switch {
	case e.Event != nil:
		s += "; first diverging event: " + e.Event.String()
	case !e.LogReplays:
		s += "; the event log's " + e.Register + " events are the image's but do not replay to the quote: the log is not what was measured"
	}
	return s
}

// EventDiff is one event of a register's log set against the expected one.
type EventDiff struct {
	// Register is "RTMR0", "RTMR1" or "RTMR2".
	Register string
	// Position is the event's place among the register's events (0-based).
	Position int
	// Index is the event's place in the whole event log (0-based), or -1 when the log lacks it.
	Index int
	// EventType and Name are the log's (zero when the log lacks the event).
	EventType uint32
	Name      string
	// Expected is the expected digest (nil for an event the log has beyond the expected ones).
	Expected []byte
	// Actual is the log's digest (nil when the log lacks the event).
	Actual []byte
	// LogReplays tells whether the log's events of this register replay to the quoted register; when
	// false the log itself is not what was measured, and the diff is a hint, not evidence.
	LogReplays bool
}

// Status is "match", "mismatch", "missing" (the log lacks an expected event) or "extra" (the log has
// more events than expected).
func (d *EventDiff) Status() string {
	switch {
	case d.Actual == nil:
		return "missing"
	case d.Expected == nil:
		return "extra"
	case bytes.Equal(d.Expected, d.Actual):
		return "match"
	}
	return "mismatch"
}

func (d *EventDiff) String() string {
	name := d.Name
	if name == "" {
		name = "unnamed"
	}
	s := fmt.Sprintf("%s event %d (log index %d, type 0x%x, %s) %s: expected %x, log %x", d.Register, d.Position, d.Index, d.EventType, name, d.Status(), d.Expected, d.Actual)
	if !d.LogReplays {
		s += " (the log's events of " + d.Register + " do not replay to the quote)"
	}
	return s
}

// CompareEvents sets the event log's RTMR0–2 events against the expected ones, register by register,
// in order; quoted is used to tell whether each register's log replays to the quote.
func CompareEvents(exp *Expected, quoted Registers, events []eventlog.Event) [3][]EventDiff {
	var out [3][]EventDiff
	q := quoted.list()
	for r := 0; r < registerCount; r++ {
		var idx []int
		var logDigests [][48]byte
		replays := true
		for i, e := range events {
			if e.IMR != uint32(r) {
				continue
			}
			idx = append(idx, i)
			if len(e.Digest) == digestLen {
				logDigests = append(logDigests, [48]byte(e.Digest))
			} else {
				replays = false
			}
		}
		replays = replays && replay(logDigests) == q[r+1]
		want := exp.Events[r]
		n := max(len(idx), len(want))
		for p := 0; p < n; p++ {
			d := EventDiff{Register: RegisterNames[r+1], Position: p, Index: -1, LogReplays: replays}
			if p < len(want) {
				d.Expected = bytes.Clone(want[p][:])
			}
			if p < len(idx) {
				e := events[idx[p]]
				d.Index, d.EventType, d.Name = idx[p], e.EventType, e.Event
				d.Actual = append([]byte{}, e.Digest...)
			}
			out[r] = append(out[r], d)
		}
	}
	return out
}

// BindTDX binds a TDX CVM's os_image_hash to its verified quote registers, as upstream's verifier does
// for TDX lite evidence (https://github.com/Dstack-TEE/dstack/blob/master/dstack/verifier/src/verification.rs):
// vm_config's tdx_measurement must belong to os_image_hash, and MRTD and RTMR0–2 recomputed from it, the
// VM shape and the ACPI digests of the boot event log must equal the quoted ones.
//
// The result depends on what the evidence declares:
//   - no vm_config, or tdx_attestation_variant legacy (the default): nothing is bound without the image
//     itself, and the Binding says so (Bound false, Reason); no error.
//   - lite: every failure is an error, because the evidence contradicts itself — a document missing or
//     of another image, a shape the lite computation refuses, or ACPI events missing wrap ErrNotBindable;
//     registers that differ give a *MismatchError.
func BindTDX(quoted Registers, vmConfig string, events []eventlog.Event) (*Binding, error) {
	if vmConfig == "" {
		return &Binding{Reason: "the evidence carries no vm_config"}, nil
	}
	cfg, err := identity.ParseVMConfig(vmConfig)
	if err != nil {
		return nil, fmt.Errorf("binding the OS image: %w", err)
	}
	b := &Binding{OSImageHash: cfg.OSImageHash}
	switch cfg.TDXAttestationVariant {
	case "", VariantLegacy:
		b.Reason = "legacy TDX evidence: the registers can only be recomputed from the OS image itself"
		return b, nil
	case VariantLite:
	default:
		return nil, fmt.Errorf("binding the OS image: %w: unknown tdx_attestation_variant %q", ErrNotBindable, cfg.TDXAttestationVariant)
	}
	exp, err := LiteExpected(cfg, events)
	if err != nil {
		return nil, fmt.Errorf("binding the OS image: %w", err)
	}
	return bindExpected(quoted, cfg.OSImageHash, exp, events)
}

// BindTDXImage binds a TDX CVM's os_image_hash to its verified quote registers through the full OS image
// im, as upstream's dstack-mr does for evidence that carries no measurement document (legacy evidence, or
// lite evidence checked against the image itself): the image's os_image_hash (Image.OSImageHash) must be
// the one vm_config claims, and MRTD and RTMR0–2 that Image.Expected computes for vm_config's VM shape and
// the ACPI digests of the boot event log must equal the quoted ones. Every failure is an error: a
// vm_config missing, an image of another hash or whose identity files contradict it, or no ACPI events
// wrap ErrNotBindable; registers that differ give a *MismatchError.
func BindTDXImage(quoted Registers, vmConfig string, events []eventlog.Event, im *Image) (*Binding, error) {
	if vmConfig == "" {
		return nil, fmt.Errorf("binding the OS image: %w: the evidence carries no vm_config, so neither the os_image_hash it claims nor its VM shape", ErrNotBindable)
	}
	cfg, err := identity.ParseVMConfig(vmConfig)
	if err != nil {
		return nil, fmt.Errorf("binding the OS image: %w", err)
	}
	exp, err := ImageExpected(cfg, events, im)
	if err != nil {
		return nil, fmt.Errorf("binding the OS image: %w", err)
	}
	return bindExpected(quoted, cfg.OSImageHash, exp, events)
}

// bindExpected compares the recomputed registers with the quoted ones: a Binding when they are equal, a
// *MismatchError naming the first differing register and event otherwise.
func bindExpected(quoted Registers, osImageHash []byte, exp *Expected, events []eventlog.Event) (*Binding, error) {
	if i := exp.FirstDifference(&quoted); i >= 0 {
		q, x := quoted.list(), exp.list()
		me := &MismatchError{OSImageHash: osImageHash, Register: RegisterNames[i], Expected: x[i], Actual: q[i], Computed: exp, LogReplays: true}
		if i > 0 {
			diffs := CompareEvents(exp, quoted, events)[i-1]
			// A log without this register's events (the stripped form of certificates) has nothing to show.
			logged := slices.ContainsFunc(diffs, func(d EventDiff) bool { return d.Actual != nil })
			for _, d := range diffs {
				me.LogReplays = d.LogReplays
				if logged && d.Status() != "match" {
					me.Event = &d
					break
				}
			}
		}
		return nil, me
	}
	return &Binding{Bound: true, OSImageHash: osImageHash, Expected: exp, Unbound: LiteUnbound}, nil
}

// LiteExpected recomputes the registers of lite evidence from its parsed vm_config (whose
// tdx_measurement must belong to its os_image_hash) and the ACPI digests of its boot event log.
// Errors wrap ErrNotBindable.
func LiteExpected(cfg *identity.VMConfig, events []eventlog.Event) (*Expected, error) {
	if len(cfg.TDXMeasurement) == 0 || string(cfg.TDXMeasurement) == "null" {
		return nil, fmt.Errorf("%w: vm_config has no tdx_measurement", ErrNotBindable)
	}
	var doc TDXDocument
	dec := json.NewDecoder(bytes.NewReader(cfg.TDXMeasurement))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: vm_config.tdx_measurement: %v", ErrNotBindable, err)
	}
	m, err := doc.Bind(cfg.OSImageHash)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotBindable, err)
	}
	acpi, err := ACPIDigestsFromLog(events)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotBindable, err)
	}
	exp, err := m.Expected(ShapeOf(cfg), acpi)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotBindable, err)
	}
	return exp, nil
}

// ImageExpected recomputes the registers of TDX evidence from the full OS image im, whose os_image_hash
// must be the one the parsed vm_config claims, for vm_config's VM shape and the ACPI digests of the boot
// event log. Errors wrap ErrNotBindable.
func ImageExpected(cfg *identity.VMConfig, events []eventlog.Event, im *Image) (*Expected, error) {
	hash, err := im.OSImageHash()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotBindable, err)
	}
	if !bytes.Equal(cfg.OSImageHash, hash[:]) {
		return nil, fmt.Errorf("%w: the evidence claims os_image_hash %x, the image directory is %x", ErrNotBindable, cfg.OSImageHash, hash)
	}
	acpi, err := ACPIDigestsFromLog(events)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotBindable, err)
	}
	exp, err := im.Expected(ShapeOf(cfg), acpi)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotBindable, err)
	}
	return exp, nil
}
