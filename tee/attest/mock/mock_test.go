package mock

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"testing"

	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/collateral"
)

func newPKI(t testing.TB) *PKI {
	t.Helper()
	p, err := NewPKI([]byte("mock test"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestQuoteVerifiesWithMockRootsOnly(t *testing.T) {
	p := newPKI(t)
	body := QuoteBody{MRTD: [48]byte{1}, RTMR: [4][48]byte{{2}, {3}, {4}, {5}}, ReportData: [64]byte{6}, MrConfigID: [48]byte{7}}
	q, err := p.Quote(body)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: p.Roots()})
	if err != nil {
		t.Fatal(err)
	}
	if r.MRTD != body.MRTD || r.RTMR != body.RTMR || r.ReportData != body.ReportData || r.MrConfigID != body.MrConfigID {
		t.Fatalf("report %+v", r)
	}
	if !bytes.Equal(r.PPID, p.PPID()) || !bytes.Equal(r.FMSPC, FMSPC) {
		t.Fatalf("PCK extensions: ppid %x fmspc %x", r.PPID, r.FMSPC)
	}
	if _, err := tdx.Verify(context.Background(), q, tdx.Options{}); !errors.Is(err, tdx.ErrVerification) {
		t.Fatalf("mock quote against Intel's root: %v", err)
	}
	other, _ := NewPKI([]byte("another seed"))
	if _, err := tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: other.Roots()}); !errors.Is(err, tdx.ErrVerification) {
		t.Fatalf("mock quote against another mock root: %v", err)
	}
	// The same seed gives the same keys: a second PKI's roots verify.
	again, _ := NewPKI([]byte("mock test"))
	if _, err := tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: again.Roots()}); err != nil {
		t.Fatalf("same seed, new PKI: %v", err)
	}
}

func TestPolicyRejections(t *testing.T) {
	p := newPKI(t)
	debug, _ := p.Quote(QuoteBody{TdAttributes: [8]byte{1}})
	if _, err := tdx.Verify(context.Background(), debug, tdx.Options{TrustedRoots: p.Roots()}); !errors.Is(err, tdx.ErrDebugTD) {
		t.Fatalf("debug TD: %v", err)
	}
	signer, _ := p.Quote(QuoteBody{MrSignerSeam: [48]byte{1}})
	if _, err := tdx.Verify(context.Background(), signer, tdx.Options{TrustedRoots: p.Roots()}); !errors.Is(err, tdx.ErrMrSignerSeam) {
		t.Fatalf("MRSIGNERSEAM: %v", err)
	}
}

func TestMockQuoteByteFlips(t *testing.T) {
	p := newPKI(t)
	q, _ := p.Quote(QuoteBody{ReportData: [64]byte{9}})
	end := 48 + 584 + 4 + 64 + 64 + 6 + 384 + 64 + 2 + 32
	for i := 0; i < end; i++ {
		b := bytes.Clone(q)
		b[i] ^= 0x80
		if _, err := tdx.Verify(context.Background(), b, tdx.Options{TrustedRoots: p.Roots()}); err == nil {
			t.Fatalf("flip at %d verified", i)
		}
	}
}

func TestTEE(t *testing.T) {
	p := newPKI(t)
	tee := p.NewTEE([48]byte{1}, [48]byte{2}, [48]byte{3}, [48]byte{4})
	d := sha512.Sum384([]byte("event"))
	if err := tee.Extend(3, d); err != nil {
		t.Fatal(err)
	}
	want := sha512.Sum384(append(make([]byte, 48), d[:]...))
	if tee.RTMRs()[3] != want {
		t.Fatal("RTMR3 is not SHA-384(0 ‖ digest)")
	}
	if err := tee.Extend(4, d); !errors.Is(err, ErrRTMRIndex) {
		t.Fatal(err)
	}
	q, err := tee.Quote([64]byte{5})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: p.Roots()})
	if err != nil {
		t.Fatal(err)
	}
	if r.RTMR[3] != want || r.MRTD != [48]byte{1} || r.ReportData != [64]byte{5} {
		t.Fatalf("quote %+v", r)
	}
}

// Offsets of a TDX quote v4 with certification data type 6.
const (
	quoteSignedEnd = 48 + 584                // header and TD report: signed by the attestation key
	attestKeyStart = quoteSignedEnd + 4 + 64 // after the signature data size and the signature
	qeReportStart  = attestKeyStart + 64 + 6 // after the key, the certification data type and size
	qeReportEnd    = qeReportStart + 384     // the QE report: signed by the PCK key
)

// signedRegions are the parts of a quote that signatures cover: the header
// and TD report, the attestation key (its hash is in the QE report's
// report data) and the QE report.
func signedRegions(q []byte) [][]byte {
	if len(q) < qeReportEnd {
		return nil
	}
	return [][]byte{q[:quoteSignedEnd], q[attestKeyStart : attestKeyStart+64], q[qeReportStart:qeReportEnd]}
}

func FuzzVerifyMock(f *testing.F) {
	p := newPKI(f)
	q, _ := p.Quote(QuoteBody{ReportData: [64]byte{9}})
	f.Add(q)
	// Forgeries a verifier must refuse, one in each signed region: run as
	// seeds, they make the target fail against a verifier that skips a
	// signature.
	for _, at := range []int{100, quoteSignedEnd - 1, attestKeyStart + 1, qeReportStart + 1, qeReportEnd - 1} {
		b := bytes.Clone(q)
		b[at] ^= 1
		f.Add(b)
	}
	want := signedRegions(q)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := tdx.Verify(context.Background(), b, tdx.Options{TrustedRoots: p.Roots()}); err != nil {
			return
		}
		got := signedRegions(b)
		if got == nil {
			t.Fatal("verified a quote shorter than its signed parts")
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("verified a quote whose signed region %d differs from the signed original", i)
			}
		}
	})
}

func BenchmarkVerifyMockNoCollateral(b *testing.B) {
	p := newPKI(b)
	q, _ := p.Quote(QuoteBody{})
	opts := tdx.Options{TrustedRoots: p.Roots()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tdx.Verify(context.Background(), q, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCollateral(t *testing.T) {
	p, err := NewPKI([]byte("mock collateral test"))
	if err != nil {
		t.Fatal(err)
	}
	tee := p.NewTEE([48]byte{1}, [48]byte{2}, [48]byte{3}, [48]byte{4})
	q, err := tee.Quote([64]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	cache := collateral.NewCache(p.Source(), collateral.CacheOptions{})
	opts := tdx.Options{TrustedRoots: p.Roots(), Collateral: cache}
	r, err := tdx.Verify(context.Background(), q, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.TCBStatus != "UpToDate" || len(r.AdvisoryIDs) != 0 || r.CollateralNextUpdate.IsZero() {
		t.Fatalf("status %q advisories %v next %v", r.TCBStatus, r.AdvisoryIDs, r.CollateralNextUpdate)
	}
	if n := len(cache.Status()); n != 4 {
		t.Fatalf("%d collateral pieces cached, want 4", n)
	}
	// An out-of-date TCB is surfaced, not refused.
	p.SetTCBStatus("OutOfDate")
	r, err = tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: p.Roots(), Collateral: collateral.NewCache(p.Source(), collateral.CacheOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	if r.TCBStatus != "OutOfDate" || len(r.AdvisoryIDs) != 1 {
		t.Fatalf("status %q advisories %v", r.TCBStatus, r.AdvisoryIDs)
	}
	// A revoked TCB level is refused.
	p.SetTCBStatus("Revoked")
	if _, err := tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: p.Roots(), Collateral: collateral.NewCache(p.Source(), collateral.CacheOptions{})}); !errors.Is(err, tdx.ErrRevoked) {
		t.Fatalf("revoked TCB: %v", err)
	}
	p.SetTCBStatus("UpToDate")
	// Mock collateral is refused against Intel's roots, for a real quote too.
	if _, err := tdx.Verify(context.Background(), q, tdx.Options{Collateral: cache}); err == nil {
		t.Fatal("mock quote and collateral verified with Intel's root")
	}
	// A revoked PCK certificate is refused.
	p.RevokePCK()
	if _, err := tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: p.Roots(), Collateral: collateral.NewCache(p.Source(), collateral.CacheOptions{})}); !errors.Is(err, tdx.ErrRevoked) {
		t.Fatalf("revoked PCK: %v", err)
	}
}

// TestCollateralFromAnotherPKI: collateral signed by another PKI's TCB
// signing key does not vouch for this one's quotes.
func TestCollateralFromAnotherPKI(t *testing.T) {
	p := newPKI(t)
	other, _ := NewPKI([]byte("other"))
	q, _ := p.NewTEE([48]byte{}, [48]byte{}, [48]byte{}, [48]byte{}).Quote([64]byte{})
	_, err := tdx.Verify(context.Background(), q, tdx.Options{TrustedRoots: p.Roots(), Collateral: collateral.NewCache(other.Source(), collateral.CacheOptions{})})
	if !errors.Is(err, tdx.ErrCollateral) {
		t.Fatalf("foreign collateral: %v", err)
	}
}

func BenchmarkVerifyMockCollateralCached(b *testing.B) {
	p := newPKI(b)
	q, _ := p.NewTEE([48]byte{}, [48]byte{}, [48]byte{}, [48]byte{}).Quote([64]byte{})
	opts := tdx.Options{TrustedRoots: p.Roots(), Collateral: collateral.NewCache(p.Source(), collateral.CacheOptions{})}
	if _, err := tdx.Verify(context.Background(), q, opts); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tdx.Verify(context.Background(), q, opts); err != nil {
			b.Fatal(err)
		}
	}
}
