package tdx

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/fixtures"
)

// fixtureTime lies inside the validity of the upstream quotes' PCK chains.
var fixtureTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func upstreamQuotes(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"tdx_quote":              fixtures.Upstream(t, "tdx_quote"),
		"tdx-lite-getquote.json": fixtures.TDXGetQuote(t).Quote,
	}
}

func TestVerifyUpstream(t *testing.T) {
	for name, q := range upstreamQuotes(t) {
		t.Run(name, func(t *testing.T) {
			r, err := Verify(context.Background(), q, Options{Now: fixtureTime})
			if err != nil {
				t.Fatal(err)
			}
			if r.TCBStatus != TCBUnknown {
				t.Errorf("tcb status %q without collateral", r.TCBStatus)
			}
			if r.Version != 4 || r.TeeType != 0x81 || len(r.PPID) != 16 || len(r.FMSPC) != 6 {
				t.Errorf("report %+v", r)
			}
			p, err := Parse(q)
			if err != nil || p.RTMR != r.RTMR || p.ReportData != r.ReportData {
				t.Fatalf("parse differs from verify: %v", err)
			}
		})
	}
}

func TestVerifyRejectsWrongRoot(t *testing.T) {
	q := fixtures.Upstream(t, "tdx_quote")
	// A pool with another root of the same name: the chain leads nowhere
	// trusted.
	other := mustPool(t)
	if _, err := Verify(context.Background(), q, Options{Now: fixtureTime, TrustedRoots: other}); !errors.Is(err, ErrVerification) {
		t.Fatalf("error %v", err)
	}
	if _, err := Verify(context.Background(), q, Options{Now: time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)}); !errors.Is(err, ErrVerification) {
		t.Fatalf("expired chain: %v", err)
	}
}

// TestByteFlips flips every byte of the signed region (header and TD
// report), of the signature data, and of the QE report, and expects each
// flipped quote to be refused.
func TestByteFlips(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of verifications")
	}
	for name, q := range upstreamQuotes(t) {
		// Once with go-tdx-guest verifying everything, once with the PCK
		// chain already verified and cached.
		for _, warm := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/chain cached %v", name, warm), func(t *testing.T) {
				// Header 48 + body 584 + size 4 + signature 64 + key 64 +
				// certification header 6 + QE report 384 + QE signature 64
				// + QE authentication data size 2.
				end := 48 + 584 + 4 + 64 + 64 + 6 + 384 + 64 + 2
				var accepted []int
				for i := 0; i < end; i++ {
					resetChainCache()
					if warm {
						if _, err := Verify(context.Background(), q, Options{Now: fixtureTime}); err != nil {
							t.Fatal(err)
						}
					}
					b := bytes.Clone(q)
					b[i] ^= 0x01
					if _, err := Verify(context.Background(), b, Options{Now: fixtureTime}); err == nil {
						accepted = append(accepted, i)
					}
				}
				if len(accepted) > 0 {
					t.Fatalf("%d flipped quotes verified, at offsets %v", len(accepted), accepted)
				}
			})
		}
	}
}

func TestSpecificErrors(t *testing.T) {
	q := fixtures.Upstream(t, "tdx_quote")
	flip := func(off int) []byte { b := bytes.Clone(q); b[off] ^= 1; return b }
	cases := []struct {
		name string
		raw  []byte
		want error
		sub  string
	}{
		{"report_data", flip(48 + 520), ErrVerification, "message digest"},
		{"mrtd", flip(48 + 136), ErrVerification, "message digest"},
		{"quote signature", flip(48 + 584 + 4), ErrVerification, "message digest"},
		{"attestation key", flip(48 + 584 + 4 + 64 + 5), ErrVerification, ""},
		{"QE report", flip(48 + 584 + 4 + 128 + 6 + 100), ErrVerification, "QE report"},
		{"QE report signature", flip(48 + 584 + 4 + 128 + 6 + 384 + 1), ErrVerification, "QE report"},
		{"version 5", append([]byte{5, 0}, q[2:]...), ErrUnsupportedQuoteVersion, ""},
		{"version 3", append([]byte{3, 0}, q[2:]...), ErrUnsupportedQuoteVersion, ""},
		{"truncated", q[:600], ErrQuoteFormat, ""},
		{"empty", nil, ErrQuoteFormat, ""},
		{"oversized", make([]byte, MaxQuoteSize+1), ErrQuoteFormat, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(context.Background(), tc.raw, Options{Now: fixtureTime})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.sub != "" && !bytes.Contains([]byte(err.Error()), []byte(tc.sub)) {
				t.Fatalf("error %v does not mention %q", err, tc.sub)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, q, Options{Now: fixtureTime}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func resetChainCache() { chains.reset() }

// TestChainCacheExpiry: a cached chain is not used past its validity.
func TestChainCacheExpiry(t *testing.T) {
	resetChainCache()
	q := fixtures.Upstream(t, "tdx_quote")
	if _, err := Verify(context.Background(), q, Options{Now: fixtureTime}); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(context.Background(), q, Options{Now: time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC)}); !errors.Is(err, ErrVerification) {
		t.Fatalf("expired chain served from the cache: %v", err)
	}
	// Another root pool is another key: the chain is verified again, and
	// fails.
	if _, err := Verify(context.Background(), q, Options{Now: fixtureTime, TrustedRoots: mustPool(t)}); !errors.Is(err, ErrVerification) {
		t.Fatalf("cached chain used for another root pool: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(fixtures.Upstream(f, "tdx_quote"))
	f.Add([]byte{4, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err == nil && r.Version != 4 {
			t.Fatalf("parsed version %d", r.Version)
		}
	})
}

func BenchmarkVerifyUpstreamFixture(b *testing.B) {
	q := fixtures.Upstream(b, "tdx_quote")
	opts := Options{Now: fixtureTime}
	for i := 0; i < b.N; i++ {
		if _, err := Verify(context.Background(), q, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func mustPool(t testing.TB) *x509.CertPool {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Intel SGX Root CA"}, NotBefore: time.Unix(0, 0), NotAfter: time.Date(2049, 1, 1, 0, 0, 0, 0, time.UTC), IsCA: true, BasicConstraintsValid: true}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	c, _ := x509.ParseCertificate(der)
	p := x509.NewCertPool()
	p.AddCert(c)
	return p
}

// BenchmarkVerifyUpstreamFixtureColdChain is the same verification with the
// PCK chain cache emptied before each quote: the cost of a platform seen for
// the first time, which go-tdx-guest's chain verification dominates.
func BenchmarkVerifyUpstreamFixtureColdChain(b *testing.B) {
	q := fixtures.Upstream(b, "tdx_quote")
	opts := Options{Now: fixtureTime}
	for i := 0; i < b.N; i++ {
		resetChainCache()
		if _, err := Verify(context.Background(), q, opts); err != nil {
			b.Fatal(err)
		}
	}
}
