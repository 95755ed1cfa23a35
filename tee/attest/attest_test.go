package attest_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/attest/snp"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/wire"
)

// getQuoteAttestation turns upstream's GetQuote fixture into an attestation
// the way `dstack verify` does.
func getQuoteAttestation(t testing.TB) *wire.Attestation {
	t.Helper()
	var in struct {
		Quote, EventLog, ReportData, VMConfig string
	}
	raw := fixtures.Upstream(t, "tdx-lite-getquote.json")
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	in.Quote, in.EventLog, in.ReportData, in.VMConfig = m["quote"], m["event_log"], m["report_data"], m["vm_config"]
	events, err := eventlog.ParseJSON([]byte(in.EventLog))
	if err != nil {
		t.Fatal(err)
	}
	runtime, err := eventlog.RuntimeEvents(events)
	if err != nil {
		t.Fatal(err)
	}
	a := &wire.Attestation{
		Variant:       wire.VariantTDX,
		TDX:           &wire.TDXEvidence{Quote: unhex(t, in.Quote), EventLog: events},
		RuntimeEvents: runtime,
		Config:        in.VMConfig,
	}
	copy(a.ReportData[:], unhex(t, in.ReportData))
	return a
}

// fixtureNow lies inside the validity of the upstream quote's PCK chain.
var fixtureNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestVerifyUpstreamTDX(t *testing.T) {
	a := getQuoteAttestation(t)
	v, err := attest.Verify(context.Background(), a, attest.Options{Now: fixtureNow})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"app_id":       {hex.EncodeToString(v.AppID), "86b0e55f2fa8e4fb69d890f14f54d5612707646e"},
		"compose_hash": {hex.EncodeToString(v.ComposeHash), "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9"},
		"instance_id":  {hex.EncodeToString(v.InstanceID), "050bf89570575fe8fab4cb8f0a62a9e64efe8ead"},
		"os_image":     {hex.EncodeToString(v.OSImageHash), "e6f5cfec20c02e7b97baa213d0f718020b55e040172d90ccbcb946d56c8b09db"},
		"tcb_status":   {v.TCBStatus, "Unknown"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %s, want %s", name, c[0], c[1])
		}
	}
	if !strings.HasPrefix(string(v.KeyProviderInfo), `{"name":"kms","id":"3059301306`) {
		t.Errorf("key provider %s", v.KeyProviderInfo)
	}
	// Lite evidence: MRTD and RTMR0–2 recomputed from its measurement document bind os_image_hash.
	if !v.OSImageVerified || v.OSImageReason != "" {
		t.Errorf("os image verified %v (%s)", v.OSImageVerified, v.OSImageReason)
	}
	// So does the stripped form RA-TLS certificates carry (RTMR3 and the ACPI events only).
	if s, err := attest.Verify(context.Background(), a.Stripped(), attest.Options{Now: fixtureNow}); err != nil || !s.OSImageVerified {
		t.Errorf("stripped evidence: %v", err)
	}
	// mr_system depends on key-provider; the boot-time form leaves it out,
	// and mr_aggregated then stops at boot-mr-done.
	full, boot := v.AppInfo(false), v.AppInfo(true)
	if full.MrSystem == boot.MrSystem || full.MrAggregated == boot.MrAggregated {
		t.Error("boot-time AppInfo equals the full one")
	}
}

func TestVerifyUpstreamSNP(t *testing.T) {
	a, _, err := wire.Decode(fixtures.Upstream(t, "sev_snp_attestation.bin"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	// The fixture carries no VCEK: without one there is nothing to verify.
	if _, err := attest.Verify(context.Background(), a, attest.Options{Now: now}); !errors.Is(err, snp.ErrNoVCEK) {
		t.Fatalf("verified without a VCEK: %v", err)
	}
	certs := [][]byte{fixtures.Upstream(t, "sev_snp_ask.pem"), fixtures.Upstream(t, "sev_snp_vcek.pem")}
	v, err := attest.Verify(context.Background(), a, attest.Options{Now: now, SNPCerts: certs})
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(v.AppID) != "86e59625be93207bc2351c4d1bba20037cec8e16" || hex.EncodeToString(v.InstanceID) != "d378c00e65112c4235bfeb46c6a0f98fd02145a3" {
		t.Fatalf("claims app %x instance %x", v.AppID, v.InstanceID)
	}
	if !strings.HasPrefix(string(v.KeyProviderInfo), `{"name":"kms","id":"3059301306`) || hex.EncodeToString(v.OSImageHash[:4]) != "32b47673" {
		t.Fatalf("key provider %s os image %x", v.KeyProviderInfo, v.OSImageHash)
	}
	if v.OSImageVerified || !strings.Contains(v.OSImageReason, "SEV-SNP") {
		t.Fatalf("SEV-SNP os image verified %v (%s)", v.OSImageVerified, v.OSImageReason)
	}
	info := v.AppInfo(false)
	if info.MrAggregated == info.MrSystem {
		t.Fatal("mr_aggregated equals mr_system")
	}
	// Evidence whose mr_config differs from what HOST_DATA binds.
	a.SNP.MrConfig = strings.Replace(a.SNP.MrConfig, "86e59625", "00e59625", 1)
	if _, err := attest.Verify(context.Background(), a, attest.Options{Now: now, SNPCerts: certs}); !errors.Is(err, snp.ErrHostData) {
		t.Fatalf("changed mr_config: %v", err)
	}
}

func TestVerifyRejectsTDX(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *wire.Attestation)
		want   error
	}{
		{"report_data differs", func(a *wire.Attestation) { a.ReportData[0] ^= 1 }, attest.ErrReportDataMismatch},
		{"event payload changed", func(a *wire.Attestation) { a.RuntimeEvents[1].Payload[0] ^= 1 }, attest.ErrRTMR3Mismatch},
		{"event renamed", func(a *wire.Attestation) { a.RuntimeEvents[2].Name = "compose-hash2" }, attest.ErrRTMR3Mismatch},
		{"event dropped", func(a *wire.Attestation) { a.RuntimeEvents = a.RuntimeEvents[1:] }, attest.ErrRTMR3Mismatch},
		{"event appended", func(a *wire.Attestation) {
			a.RuntimeEvents = append(a.RuntimeEvents, eventlog.RuntimeEvent{Name: "app-id", Payload: make([]byte, 20)})
		}, attest.ErrRTMR3Mismatch},
		{"event reordered", func(a *wire.Attestation) {
			a.RuntimeEvents[1], a.RuntimeEvents[2] = a.RuntimeEvents[2], a.RuntimeEvents[1]
		}, attest.ErrRTMR3Mismatch},
		{"V2 digest claimed for a V1 event", func(a *wire.Attestation) { a.RuntimeEvents[1].Version = 2 }, attest.ErrRTMR3Mismatch},
		{"quote missing", func(a *wire.Attestation) { a.TDX = nil }, attest.ErrMalformedEvidence},
		{"vm_config not JSON", func(a *wire.Attestation) { a.Config = "{" }, attest.ErrMalformedEvidence},
		{"os_image_hash not the document's", func(a *wire.Attestation) {
			a.Config = strings.Replace(a.Config, `"os_image_hash":"e6f5`, `"os_image_hash":"e6f4`, 1)
		}, measure.ErrNotBindable},
		{"lite evidence without its document", func(a *wire.Attestation) {
			a.Config = strings.Replace(a.Config, `"tdx_measurement"`, `"tdx_measurement_"`, 1)
		}, measure.ErrNotBindable},
		{"memory size not the booted one", func(a *wire.Attestation) {
			a.Config = strings.Replace(a.Config, `"memory_size":2147483648`, `"memory_size":4294967296`, 1)
		}, &measure.MismatchError{Register: "RTMR0"}},
		{"qemu version not the booted one", func(a *wire.Attestation) {
			a.Config = strings.Replace(a.Config, `"qemu_version":"8.2.2"`, `"qemu_version":"9.2.0"`, 1)
		}, &measure.MismatchError{Register: "MRTD"}},
		{"ACPI digest not the measured one", func(a *wire.Attestation) { a.TDX.EventLog[8].Digest[0] ^= 1 }, &measure.MismatchError{Register: "RTMR0"}},
		{"unsupported platform", func(a *wire.Attestation) {
			a.Variant, a.TDX, a.Nitro = wire.VariantNitroEnclave, nil, &wire.NitroEnclaveEvidence{NSMQuote: []byte{1}}
		}, attest.ErrUnsupportedPlatform},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := getQuoteAttestation(t)
			tc.mutate(a)
			_, err := attest.Verify(context.Background(), a, attest.Options{Now: fixtureNow})
			if want, ok := tc.want.(*measure.MismatchError); ok {
				var me *measure.MismatchError
				if !errors.As(err, &me) || me.Register != want.Register {
					t.Fatalf("error %v, want a %s mismatch", err, want.Register)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := attest.Verify(context.Background(), nil, attest.Options{}); !errors.Is(err, attest.ErrMalformedEvidence) {
		t.Fatalf("nil attestation: %v", err)
	}
}

func TestMockEvidence(t *testing.T) {
	pki, err := mock.NewPKI([]byte("attest test"))
	if err != nil {
		t.Fatal(err)
	}
	var mrtd [48]byte
	tee := pki.NewTEE(mrtd, mrtd, mrtd, mrtd)
	events := []eventlog.RuntimeEvent{{Name: "app-id", Payload: bytes.Repeat([]byte{7}, 20)}, {Name: "system-ready"}}
	for _, e := range events {
		if err := tee.Extend(3, e.Digest()); err != nil {
			t.Fatal(err)
		}
	}
	att := &attest.TDXAttester{
		Quote:         func(_ context.Context, rd [64]byte) ([]byte, error) { return tee.Quote(rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent { return events },
	}
	a, err := att.Attest(context.Background(), [64]byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	roots, err := attest.ParseTrustRootsPEM(pki.RootsPEM())
	if err != nil {
		t.Fatal(err)
	}
	opts := attest.Options{InsecureTrustRoots: roots}
	v, err := attest.Verify(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.AppID, events[0].Payload) || v.TCBStatus != "Unknown" {
		t.Fatalf("claims %+v", v)
	}
	// No vm_config: nothing binds the OS image, and the evidence says so without failing.
	if v.OSImageVerified || v.OSImageReason == "" {
		t.Fatalf("os image verified %v (%s)", v.OSImageVerified, v.OSImageReason)
	}
	// The same evidence against Intel's real root: refused.
	if _, err := attest.Verify(context.Background(), a, attest.Options{}); err == nil {
		t.Fatal("mock evidence verified against the vendor's roots")
	}
	// Events after system-ready never feed identity.
	late := append(append([]eventlog.RuntimeEvent{}, events...), eventlog.RuntimeEvent{Name: "app-id", Payload: make([]byte, 20)})
	if err := tee.Extend(3, late[2].Digest()); err != nil {
		t.Fatal(err)
	}
	att.RuntimeEvents = func() []eventlog.RuntimeEvent { return late }
	a, _ = att.Attest(context.Background(), [64]byte{})
	v, err = attest.Verify(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.AppID, events[0].Payload) {
		t.Fatalf("app id %x taken from an event after system-ready", v.AppID)
	}
}

func TestParseTrustRootsPEM(t *testing.T) {
	if _, err := attest.ParseTrustRootsPEM([]byte("no pem here")); err == nil {
		t.Fatal("accepted input without certificates")
	}
	if _, err := attest.ParseTrustRootsPEM([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); err == nil {
		t.Fatal("accepted a malformed certificate")
	}
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Legacy TDX evidence (the default variant) carries no proof of its image that can be checked without
// the image: it verifies, with the OS image hash marked as a claim and the reason given, even when a
// measurement document is attached.
func TestVerifyLegacyTDXLeavesOSImageUnverified(t *testing.T) {
	a := getQuoteAttestation(t)
	a.Config = strings.Replace(a.Config, `"tdx_attestation_variant":"lite"`, `"tdx_attestation_variant":"legacy"`, 1)
	v, err := attest.Verify(context.Background(), a, attest.Options{Now: fixtureNow})
	if err != nil {
		t.Fatal(err)
	}
	if v.OSImageVerified || !strings.Contains(v.OSImageReason, "legacy") || hex.EncodeToString(v.OSImageHash[:4]) != "e6f5cfec" {
		t.Fatalf("os image %x verified %v (%s)", v.OSImageHash, v.OSImageVerified, v.OSImageReason)
	}
}

// BenchmarkVerifyLiteFixture verifies upstream's TDX lite evidence as it is (os_binding: MRTD and
// RTMR0–2 recomputed from its measurement document) and declared legacy (no_os_binding: the same
// verification without the recomputation), in the same run; the difference is what binding costs.
func BenchmarkVerifyLiteFixture(b *testing.B) {
	lite := getQuoteAttestation(b)
	legacy := getQuoteAttestation(b)
	legacy.Config = strings.Replace(legacy.Config, `"tdx_attestation_variant":"lite"`, `"tdx_attestation_variant":"legacy"`, 1)
	for _, c := range []struct {
		name  string
		a     *wire.Attestation
		bound bool
	}{{"os_binding", lite, true}, {"no_os_binding", legacy, false}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				v, err := attest.Verify(context.Background(), c.a, attest.Options{Now: fixtureNow})
				if err != nil || v.OSImageVerified != c.bound {
					b.Fatalf("%v %v", err, v)
				}
			}
		})
	}
}
