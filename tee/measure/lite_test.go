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
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
)

const fixtureOSImageHash = "e6f5cfec20c02e7b97baa213d0f718020b55e040172d90ccbcb946d56c8b09db"

// liteFixture is upstream's TDX lite evidence: the quote's registers (parsed, not verified: the
// signature is tee/attest's business), its vm_config and its event log.
type liteFixture struct {
	regs     Registers
	vmConfig string
	events   []eventlog.Event
}

func loadLiteFixture(t testing.TB) liteFixture {
	t.Helper()
	gq := fixtures.TDXGetQuote(t)
	q, err := tdx.Parse(gq.Quote)
	if err != nil {
		t.Fatal(err)
	}
	events, err := eventlog.ParseJSON([]byte(gq.EventLog))
	if err != nil {
		t.Fatal(err)
	}
	return liteFixture{
		regs:     Registers{MRTD: q.MRTD, RTMR0: q.RTMR[0], RTMR1: q.RTMR[1], RTMR2: q.RTMR[2]},
		vmConfig: gq.VMConfig,
		events:   events,
	}
}

func TestUpstreamLiteFixtureBinds(t *testing.T) {
	f := loadLiteFixture(t)
	b, err := BindTDX(f.regs, f.vmConfig, f.events)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Bound || hex.EncodeToString(b.OSImageHash) != fixtureOSImageHash {
		t.Fatalf("binding %+v", b)
	}
	if b.Expected.Registers != f.regs {
		t.Fatalf("expected %x, quote %x", b.Expected.Registers, f.regs)
	}
	// Every expected event digest is the log's, register by register.
	for r, diffs := range CompareEvents(b.Expected, f.regs, f.events) {
		if len(diffs) != len(b.Expected.Events[r]) {
			t.Fatalf("RTMR%d: %d log events, %d expected", r, len(diffs), len(b.Expected.Events[r]))
		}
		for _, d := range diffs {
			if d.Status() != "match" || !d.LogReplays {
				t.Fatalf("%s", d.String())
			}
		}
	}
}

// setConfig returns vmConfig with the JSON field name set to v (deleted when v is nil).
func setConfig(t testing.TB, vmConfig, name string, v any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(vmConfig), &m); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		delete(m, name)
	} else {
		m[name] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fixtureDocument returns the fixture's tdx_measurement.
func fixtureDocument(t testing.TB, vmConfig string) TDXDocument {
	t.Helper()
	var vc struct {
		TDXMeasurement TDXDocument `json:"tdx_measurement"`
	}
	if err := json.Unmarshal([]byte(vmConfig), &vc); err != nil {
		t.Fatal(err)
	}
	return vc.TDXMeasurement
}

// wantMismatch fails unless err is a MismatchError naming register.
func wantMismatch(t *testing.T, err error, register, what string) *MismatchError {
	t.Helper()
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("%s: want a %s mismatch, got %v", what, register, err)
	}
	if me.Register != register || !strings.Contains(err.Error(), register+" is ") {
		t.Fatalf("%s: want a %s mismatch, got %v", what, register, err)
	}
	return me
}

func TestEveryQuotedRegisterBitIsRefusedByName(t *testing.T) {
	f := loadLiteFixture(t)
	for r := range RegisterNames {
		for bit := 0; bit < 48*8; bit++ {
			regs := f.regs
			p := [4]*[48]byte{&regs.MRTD, &regs.RTMR0, &regs.RTMR1, &regs.RTMR2}[r]
			p[bit/8] ^= 1 << (bit % 8)
			_, err := BindTDX(regs, f.vmConfig, f.events)
			me := wantMismatch(t, err, RegisterNames[r], fmt.Sprintf("%s bit %d", RegisterNames[r], bit))
			if me.Actual != *p || me.Event != nil {
				t.Fatalf("%s bit %d: %v", RegisterNames[r], bit, err)
			}
		}
	}
}

func TestEveryOSImageHashBitIsRefused(t *testing.T) {
	f := loadLiteFixture(t)
	h, _ := hex.DecodeString(fixtureOSImageHash)
	for bit := 0; bit < len(h)*8; bit++ {
		h2 := bytes.Clone(h)
		h2[bit/8] ^= 1 << (bit % 8)
		_, err := BindTDX(f.regs, setConfig(t, f.vmConfig, "os_image_hash", hex.EncodeToString(h2)), f.events)
		if !errors.Is(err, ErrNotBindable) || !strings.Contains(err.Error(), "os_image_hash is") {
			t.Fatalf("bit %d: %v", bit, err)
		}
	}
}

func TestEveryDocumentBitIsRefused(t *testing.T) {
	f := loadLiteFixture(t)
	doc := fixtureDocument(t, f.vmConfig)
	for _, part := range []struct {
		name string
		b    []byte
		want string
	}{
		{"measurement", doc.Measurement, "lists measurement.tdx.cbor as"},
		{"checksum_file", doc.ChecksumFile, "os_image_hash is"},
	} {
		for bit := 0; bit < len(part.b)*8; bit++ {
			flipped := map[string][]byte{"measurement": doc.Measurement, "checksum_file": doc.ChecksumFile}
			b := bytes.Clone(part.b)
			b[bit/8] ^= 1 << (bit % 8)
			flipped[part.name] = b
			_, err := BindTDX(f.regs, setConfig(t, f.vmConfig, "tdx_measurement", flipped), f.events)
			if !errors.Is(err, ErrNotBindable) || !strings.Contains(err.Error(), part.want) {
				t.Fatalf("%s bit %d: %v", part.name, bit, err)
			}
		}
	}
}

// TestEveryRehashedDocumentBitIsRefusedByRegister flips each bit of measurement.tdx.cbor and then makes
// the document belong to a new os_image_hash (a sha256sum.txt listing the flipped file): the document
// binds, so what refuses it must be the registers. The one part no register covers is the MRTD
// candidate QEMU's page-add order did not select.
func TestEveryRehashedDocumentBitIsRefusedByRegister(t *testing.T) {
	f := loadLiteFixture(t)
	doc := fixtureDocument(t, f.vmConfig)
	orig, err := ParseTDXMeasurement(doc.Measurement)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]int{}
	for bit := 0; bit < len(doc.Measurement)*8; bit++ {
		m := bytes.Clone(doc.Measurement)
		m[bit/8] ^= 1 << (bit % 8)
		sum := sha256.Sum256(m)
		checksum := []byte(hex.EncodeToString(sum[:]) + "  " + TDXMeasurementFile + "\n")
		h := OSImageHash(checksum)
		vc := setConfig(t, f.vmConfig, "tdx_measurement", map[string][]byte{"measurement": m, "checksum_file": checksum})
		vc = setConfig(t, vc, "os_image_hash", hex.EncodeToString(h[:]))
		_, err := BindTDX(f.regs, vc, f.events)
		var me *MismatchError
		switch {
		case errors.As(err, &me):
			named[me.Register]++
		case errors.Is(err, ErrNotBindable):
			named["undecodable"]++
		case err == nil:
			// Only a change confined to the unselected (single-pass) MRTD candidate binds.
			got, perr := ParseTDXMeasurement(m)
			if perr != nil {
				t.Fatalf("bit %d bound an undecodable document", bit)
			}
			got.TDVF.MRTD.SinglePass = orig.TDVF.MRTD.SinglePass
			again, _ := got.Marshal()
			if !bytes.Equal(again, doc.Measurement) {
				t.Fatalf("bit %d changed the document beyond the unselected MRTD candidate and still bound", bit)
			}
			named["unselected MRTD candidate"]++
		default:
			t.Fatalf("bit %d: %v", bit, err)
		}
	}
	for _, r := range RegisterNames {
		if named[r] == 0 {
			t.Errorf("no flip was refused by %s: %v", r, named)
		}
	}
	if named["unselected MRTD candidate"] != 48*8 {
		t.Errorf("%d flips bound, want exactly the 384 bits of the unselected candidate: %v", named["unselected MRTD candidate"], named)
	}
	t.Logf("refusals: %v", named)
}

func TestVMShapeFieldsThatFeedRegisters(t *testing.T) {
	f := loadLiteFixture(t)
	for _, c := range []struct {
		field    string
		value    any
		register string // empty: refused before any register is computed
		reason   string
	}{
		{"memory_size", float64(3 << 30), "RTMR0", ""},
		{"memory_size", float64(KernelHashStableMinMemory), "RTMR0", ""},
		{"memory_size", float64(64 << 30), "RTMR0", ""},
		{"memory_size", float64(2<<30 + 4096), "", "memory_size"},
		{"memory_size", float64(1 << 30), "", "memory_size"},
		{"qemu_version", "9.0.0", "MRTD", ""},
		{"qemu_version", "10.1.2", "MRTD", ""},
		{"qemu_version", "7.2.0", "", "not supported"},
		{"qemu_version", "8.2", "", "major.minor.patch"},
		{"qemu_version", nil, "MRTD", ""},
		{"qemu_single_pass_add_pages", false, "MRTD", ""},
		{"ovmf_variant", "post202505", "", "ovmf_variant"},
		{"tdx_measurement", nil, "", "no tdx_measurement"},
	} {
		what := fmt.Sprintf("%s=%v", c.field, c.value)
		_, err := BindTDX(f.regs, setConfig(t, f.vmConfig, c.field, c.value), f.events)
		if c.register != "" {
			wantMismatch(t, err, c.register, what)
			continue
		}
		if !errors.Is(err, ErrNotBindable) || !strings.Contains(err.Error(), c.reason) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// What agrees with the quote still binds.
	for field, v := range map[string]any{"qemu_single_pass_add_pages": true, "qemu_version": "8.0.0", "ovmf_variant": OVMFPre202505} {
		if b, err := BindTDX(f.regs, setConfig(t, f.vmConfig, field, v), f.events); err != nil || !b.Bound {
			t.Fatalf("%s=%v: %v", field, v, err)
		}
	}
}

// TestLiteUnboundFields pins which vm_config fields the lite computation cannot check: changing one
// leaves the registers as they were (the ACPI tables they shape are taken from the log as measured),
// and the binding says they are unbound. Every VMShape field is either refused above or listed here.
func TestLiteUnboundFields(t *testing.T) {
	f := loadLiteFixture(t)
	changed := map[string]any{
		"cpu_count": float64(64), "pic": true, "pci_hole64_size": float64(1 << 40), "hugepages": true,
		"num_gpus": float64(8), "num_nvswitches": float64(4), "num_nics": float64(3), "num_verity_volumes": float64(2),
		"swtpm": true, "hotplug_off": true, "host_share_mode": "disk",
	}
	if len(changed) != len(LiteUnbound) {
		t.Fatalf("LiteUnbound %v, tested %v", LiteUnbound, changed)
	}
	for _, field := range LiteUnbound {
		b, err := BindTDX(f.regs, setConfig(t, f.vmConfig, field, changed[field]), f.events)
		if err != nil || !b.Bound || !slices.Contains(b.Unbound, field) {
			t.Fatalf("%s: %v %+v", field, err, b)
		}
	}
	bound := []string{"MemorySize", "QEMUVersion", "QEMUSinglePassAddPages", "OVMFVariant"}
	jsonName := map[string]string{"CPUCount": "cpu_count", "PIC": "pic", "PCIHole64Size": "pci_hole64_size", "Hugepages": "hugepages",
		"NumGPUs": "num_gpus", "NumNVSwitches": "num_nvswitches", "NumNICs": "num_nics", "NumVerityVolumes": "num_verity_volumes",
		"Swtpm": "swtpm", "HotplugOff": "hotplug_off", "HostShareMode": "host_share_mode"}
	for _, sf := range reflect.VisibleFields(reflect.TypeFor[VMShape]()) {
		if !slices.Contains(bound, sf.Name) && !slices.Contains(LiteUnbound, jsonName[sf.Name]) {
			t.Errorf("VMShape.%s is neither checked by a register nor listed in LiteUnbound", sf.Name)
		}
	}
}

func TestTamperedACPIEventIsNamed(t *testing.T) {
	f := loadLiteFixture(t)
	for i, e := range f.events {
		if !e.IsACPIData() {
			continue
		}
		events := slices.Clone(f.events)
		d := bytes.Clone(e.Digest)
		d[0] ^= 1
		events[i].Digest = d
		_, err := BindTDX(f.regs, f.vmConfig, events)
		me := wantMismatch(t, err, "RTMR0", e.Event)
		// The lite computation takes the ACPI digests from the log, so the log agrees with the expected
		// events; what shows is that it does not replay to the quote.
		if me.Event != nil || me.LogReplays || !strings.Contains(err.Error(), "do not replay to the quote") {
			t.Fatalf("%s: %v", e.Event, err)
		}
	}
	// An ACPI event missing, duplicated or unnamed leaves nothing to compute RTMR0 from.
	for name, edit := range map[string]func([]eventlog.Event) []eventlog.Event{
		"missing":    func(ev []eventlog.Event) []eventlog.Event { return slices.Delete(ev, 8, 9) },
		"unnamed":    func(ev []eventlog.Event) []eventlog.Event { ev[9].Event = ""; return ev },
		"duplicated": func(ev []eventlog.Event) []eventlog.Event { ev[9].Event = ev[8].Event; return ev },
	} {
		_, err := BindTDX(f.regs, f.vmConfig, edit(slices.Clone(f.events)))
		if !errors.Is(err, ErrNotBindable) || !strings.Contains(err.Error(), "ACPI") {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// A boot that really differed shows in the log and in the register at once: the first diverging event
// is the one that changed.
func TestDivergingBootEventIsNamed(t *testing.T) {
	f := loadLiteFixture(t)
	for _, pos := range []struct{ imr, index, position int }{{1, 11, 0}, {2, 17, 1}} {
		events := slices.Clone(f.events)
		d := bytes.Clone(events[pos.index].Digest)
		d[47] ^= 0x80
		events[pos.index].Digest = d
		regs := f.regs
		r, err := eventlog.ReplayIMR(events, uint32(pos.imr))
		if err != nil {
			t.Fatal(err)
		}
		*[]*[48]byte{&regs.RTMR1, &regs.RTMR2}[pos.imr-1] = r
		_, err = BindTDX(regs, f.vmConfig, events)
		me := wantMismatch(t, err, RegisterNames[pos.imr+1], "boot event")
		if me.Event == nil || me.Event.Index != pos.index || me.Event.Position != pos.position || !me.Event.LogReplays {
			t.Fatalf("diverging event %+v", me.Event)
		}
		if !strings.Contains(err.Error(), "first diverging event") {
			t.Fatal(err)
		}
	}
}

func TestLegacyAndMissingConfigAreNotBound(t *testing.T) {
	f := loadLiteFixture(t)
	for name, vc := range map[string]string{
		"no vm_config": "",
		"legacy":       setConfig(t, f.vmConfig, "tdx_attestation_variant", "legacy"),
		"default":      setConfig(t, f.vmConfig, "tdx_attestation_variant", nil),
	} {
		b, err := BindTDX(f.regs, vc, f.events)
		if err != nil || b.Bound || b.Reason == "" {
			t.Fatalf("%s: %+v %v", name, b, err)
		}
	}
	if _, err := BindTDX(f.regs, setConfig(t, f.vmConfig, "tdx_attestation_variant", "lyte"), f.events); !errors.Is(err, ErrNotBindable) {
		t.Fatalf("unknown variant: %v", err)
	}
}

func TestTDHobWitnessEncoding(t *testing.T) {
	// Upstream's own vector: TDVF sections TEMP_MEM 0x800000+0x6000, TD_HOB 0x809000+0x2000,
	// TEMP_MEM 0x80b000+0x2000 and 0x810000+0x10000.
	w := &TDHobWitness{BasePage: 0x800, TDHobPageDelta: 9, Ranges: []WitnessRange{{0, 6}, {9, 2}, {0xb, 2}, {0x10, 0x10}}}
	if got := hex.EncodeToString(w.Encode()); got != "80100904000609020b021010" {
		t.Fatalf("encoded %s", got)
	}
	again, err := DecodeTDHobWitness(w.Encode())
	if err != nil || !reflect.DeepEqual(again, w) {
		t.Fatalf("%+v %v", again, err)
	}
	for name, b := range map[string]string{
		"truncated":       "801009040006",
		"trailing":        "80100904000609020b02101000",
		"too many ranges": "801009ff7f",
		"overflow":        "ffffffffffffffffff01000100",
		"long varint":     "ffffffffffffffffffff01",
		"empty":           "",
	} {
		raw, _ := hex.DecodeString(b)
		if _, err := DecodeTDHobWitness(raw); !errors.Is(err, ErrWitness) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzDecodeTDHobWitness(f *testing.F) {
	f.Add([]byte{0x80, 0x10, 0x09, 0x04, 0x00, 0x06, 0x09, 0x02, 0x0b, 0x02, 0x10, 0x10})
	f.Add(fixtureDocumentFromConfig(f).TDVF.TDHobWitness)
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := DecodeTDHobWitness(b)
		if err != nil {
			return
		}
		again, err := DecodeTDHobWitness(w.Encode())
		if err != nil || !reflect.DeepEqual(again, w) {
			t.Fatalf("re-decoding %x: %+v %v", w.Encode(), again, err)
		}
		for _, mem := range []uint64{KernelHashCompat2GMemory, KernelHashStableMinMemory, 1 << 40} {
			if _, err := w.MeasureTDHob(mem); err != nil && !errors.Is(err, ErrWitness) {
				t.Fatal(err)
			}
		}
	})
}

func FuzzParseTDXMeasurement(f *testing.F) {
	doc := fixtureDocument(f, fixtures.TDXGetQuote(f).VMConfig)
	f.Add(doc.Measurement)
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseTDXMeasurement(b)
		if err != nil {
			return
		}
		again, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseTDXMeasurement(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoding changed the document: %v", err)
		}
		_, _ = m.Expected(VMShape{MemorySize: KernelHashCompat2GMemory}, ACPIDigests{})
	})
}

func fixtureDocumentFromConfig(t testing.TB) *TDXImageMeasurement {
	m, err := ParseTDXMeasurement(fixtureDocument(t, fixtures.TDXGetQuote(t).VMConfig).Measurement)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// BenchmarkBindTDX is the OS image binding of upstream's lite evidence alone: vm_config parsing, the
// document's checksum binding and CBOR decoding, the TD HOB and the four registers.
func BenchmarkBindTDX(b *testing.B) {
	f := loadLiteFixture(b)
	for b.Loop() {
		if r, err := BindTDX(f.regs, f.vmConfig, f.events); err != nil || !r.Bound {
			b.Fatal(err)
		}
	}
}

// FuzzBindTDX feeds BindTDX arbitrary vm_config strings against the fixture's registers and log: it
// must never panic, and may bind only the fixture's own image.
func FuzzBindTDX(f *testing.F) {
	fx := loadLiteFixture(f)
	f.Add(fx.vmConfig)
	f.Add(setConfig(f, fx.vmConfig, "memory_size", float64(KernelHashStableMinMemory)))
	f.Add(`{"tdx_attestation_variant":"lite","tdx_measurement":{"checksum_file":"","measurement":""}}`)
	f.Fuzz(func(t *testing.T, vmConfig string) {
		b, err := BindTDX(fx.regs, vmConfig, fx.events)
		if err == nil && b.Bound && hex.EncodeToString(b.OSImageHash) != fixtureOSImageHash {
			t.Fatalf("bound os_image_hash %x", b.OSImageHash)
		}
	})
}
