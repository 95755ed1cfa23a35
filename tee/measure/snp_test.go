// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/wire"
)

// snpFixture is upstream's SEV-SNP evidence: the report's MEASUREMENT (offset 0x90; the signature is
// tee/attest's business) and its vm_config.
func snpFixture(t testing.TB) ([48]byte, string) {
	t.Helper()
	a, _, err := wire.Decode(fixtures.Upstream(t, "sev_snp_attestation.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return [48]byte(a.SNP.Report[0x90:0xc0]), a.Config
}

func TestSNPLaunchMeasurementOfUpstreamFixture(t *testing.T) {
	m, vc := snpFixture(t)
	b, err := BindSNP(m, vc)
	if err != nil {
		t.Fatal(err)
	}
	if b.Bound || !strings.Contains(b.Reason, "launch measurement equals") {
		t.Fatalf("%+v", b)
	}
	for bit := 0; bit < 48*8; bit++ {
		m2 := m
		m2[bit/8] ^= 1 << (bit % 8)
		if _, err := BindSNP(m2, vc); !errors.Is(err, ErrSNPLaunch) || !strings.Contains(err.Error(), "MEASUREMENT is") {
			t.Fatalf("bit %d: %v", bit, err)
		}
	}
}

// Every launch input feeds the measurement: changing one is refused, as a mismatch or as invalid.
func TestSNPLaunchInputsAreBound(t *testing.T) {
	m, vc := snpFixture(t)
	var cfg map[string]any
	if err := json.Unmarshal([]byte(vc), &cfg); err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	if err := json.Unmarshal([]byte(cfg["sev_snp_measurement"].(string)), &in); err != nil {
		t.Fatal(err)
	}
	sections := in["ovmf_sections"].([]any)
	for name, edit := range map[string]func(map[string]any){
		"ovmf_hash":            func(x map[string]any) { x["ovmf_hash"] = "00" + x["ovmf_hash"].(string)[2:] },
		"kernel_hash":          func(x map[string]any) { x["kernel_hash"] = "00" + x["kernel_hash"].(string)[2:] },
		"initrd_hash":          func(x map[string]any) { x["initrd_hash"] = "00" + x["initrd_hash"].(string)[2:] },
		"initrd_hash empty":    func(x map[string]any) { x["initrd_hash"] = "" },
		"base_cmdline":         func(x map[string]any) { x["base_cmdline"] = x["base_cmdline"].(string) + " x" },
		"vcpus":                func(x map[string]any) { x["vcpus"] = 3 },
		"vcpu_type":            func(x map[string]any) { x["vcpu_type"] = "EPYC-Milan" },
		"guest_features":       func(x map[string]any) { x["guest_features"] = 3 },
		"sev_es_reset_eip":     func(x map[string]any) { x["sev_es_reset_eip"] = 8433668 + 0x10000 },
		"sev_hashes_table_gpa": func(x map[string]any) { x["sev_hashes_table_gpa"] = 8457216 + 16 },
		"section gpa":          func(x map[string]any) { sections[0].(map[string]any)["gpa"] = 8388608 + 4096 },
		"section size":         func(x map[string]any) { sections[0].(map[string]any)["size"] = 36864 + 4096 },
		"section order":        func(x map[string]any) { sections[0], sections[1] = sections[1], sections[0] },
		"unknown section type": func(x map[string]any) { sections[0].(map[string]any)["section_type"] = 5 },
		"no rootfs hash":       func(x map[string]any) { x["base_cmdline"] = "console=ttyS0" },
		"no vcpu_type":         func(x map[string]any) { delete(x, "vcpu_type") },
		"unknown field":        func(x map[string]any) { x["extra"] = 1 },
		"too many vcpus":       func(x map[string]any) { x["vcpus"] = 513 },
	} {
		var x map[string]any
		raw, _ := json.Marshal(in)
		_ = json.Unmarshal(raw, &x)
		sections = x["ovmf_sections"].([]any)
		edit(x)
		doc, _ := json.Marshal(x)
		cfg["sev_snp_measurement"] = string(doc)
		edited, _ := json.Marshal(cfg)
		if _, err := BindSNP(m, string(edited)); !errors.Is(err, ErrSNPLaunch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Without launch inputs nothing is checked, and the reason says so.
	delete(cfg, "sev_snp_measurement")
	edited, _ := json.Marshal(cfg)
	if b, err := BindSNP(m, string(edited)); err != nil || b.Bound || !strings.Contains(b.Reason, "no sev_snp_measurement") {
		t.Fatalf("%+v %v", b, err)
	}
}

func FuzzParseSNPLaunchInput(f *testing.F) {
	_, vc := snpFixture(f)
	var cfg struct {
		M string `json:"sev_snp_measurement"`
	}
	_ = json.Unmarshal([]byte(vc), &cfg)
	f.Add(cfg.M)
	f.Fuzz(func(t *testing.T, s string) {
		in, err := ParseSNPLaunchInput(s)
		if err != nil {
			return
		}
		if _, err := in.LaunchMeasurement(); err != nil && !errors.Is(err, ErrSNPLaunch) {
			t.Fatal(err)
		}
	})
}
