package snp

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/wire"
)

var fixtureTime = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

func fixture(t testing.TB) (*wire.Attestation, [][]byte) {
	t.Helper()
	a, _, err := wire.Decode(fixtures.Upstream(t, "sev_snp_attestation.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return a, [][]byte{fixtures.Upstream(t, "sev_snp_ask.pem"), fixtures.Upstream(t, "sev_snp_vcek.pem")}
}

func TestVerifyUpstream(t *testing.T) {
	a, certs := fixture(t)
	r, err := Verify(context.Background(), a.SNP.Report, nil, Options{Now: fixtureTime, ExtraCerts: certs})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(r.ReportData[:], []byte("attest-test-fixture-2026")) || r.ReportData != a.ReportData {
		t.Fatalf("report data %q", r.ReportData)
	}
	if err := CheckHostData(r, []byte(a.SNP.MrConfig)); err != nil {
		t.Fatal(err)
	}
	if err := CheckHostData(r, []byte(a.SNP.MrConfig+" ")); !errors.Is(err, ErrHostData) {
		t.Fatal("host data accepted another document")
	}
}

func TestVerifyRejects(t *testing.T) {
	a, certs := fixture(t)
	if _, err := Verify(context.Background(), a.SNP.Report, nil, Options{Now: fixtureTime}); !errors.Is(err, ErrNoVCEK) {
		t.Fatalf("no VCEK: %v", err)
	}
	if _, err := Verify(context.Background(), a.SNP.Report[:100], nil, Options{Now: fixtureTime, ExtraCerts: certs}); !errors.Is(err, ErrReportFormat) {
		t.Fatal("short report")
	}
	if _, err := Verify(context.Background(), a.SNP.Report, [][]byte{{1, 2}}, Options{Now: fixtureTime}); !errors.Is(err, ErrCertificate) {
		t.Fatal("garbage certificate")
	}
	// Only the VCEK, without the ASK: AMD's embedded ASK is used.
	if _, err := Verify(context.Background(), a.SNP.Report, certs[1:], Options{Now: fixtureTime}); err != nil {
		t.Fatalf("VCEK with embedded ASK: %v", err)
	}
}

// TestByteFlips flips each byte of the signed part of the report and of the
// signature; every flipped report must be refused.
func TestByteFlips(t *testing.T) {
	a, certs := fixture(t)
	opts := Options{Now: fixtureTime, ExtraCerts: certs}
	var accepted []int
	for i := 0; i < 0x2a0+144; i++ {
		b := bytes.Clone(a.SNP.Report)
		b[i] ^= 0x01
		if _, err := Verify(context.Background(), b, nil, opts); err == nil {
			accepted = append(accepted, i)
		}
	}
	if len(accepted) > 0 {
		t.Fatalf("%d flipped reports verified, at %v", len(accepted), accepted)
	}
}

func FuzzVerify(f *testing.F) {
	a, certs := fixture(f)
	f.Add(a.SNP.Report)
	opts := Options{Now: fixtureTime, ExtraCerts: certs}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := Verify(context.Background(), b, nil, opts); err == nil && !bytes.Equal(b[:0x2a0], a.SNP.Report[:0x2a0]) {
			t.Fatalf("verified a report with a different signed part: %+v", r)
		}
	})
}
