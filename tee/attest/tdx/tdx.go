// Package tdx verifies Intel TDX quotes with go-tdx-guest: the PCK
// certificate chain to Intel's SGX root CA, the QE report and its signature
// by the PCK key, the binding of the attestation key to the QE report, and
// the quote's signature over header and TD report. With collateral (TCB
// info, QE identity, CRLs) it also checks revocation and the TCB level.
//
// It applies the policy that is never optional for dstack: a debug TD or a
// non-zero MRSIGNERSEAM is rejected. Everything else (measurements, TCB
// status) is reported to the caller to judge. It never accepts a quote
// whose signature chain it did not verify, and it never reports a TCB status
// it did not derive from verified collateral: without collateral the status
// is "Unknown".
package tdx

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/verify"
	"github.com/google/go-tdx-guest/verify/trust"
)

// MaxQuoteSize caps the quotes this package reads.
const MaxQuoteSize = 64 << 10

// TCB status values.
const (
	TCBUnknown  = "Unknown"
	TCBUpToDate = "UpToDate"
)

// Errors of quote parsing and verification.
var (
	ErrQuoteFormat             = errors.New("malformed TDX quote")
	ErrUnsupportedQuoteVersion = errors.New("unsupported TDX quote version")
	ErrVerification            = errors.New("TDX quote verification failed")
	ErrDebugTD                 = errors.New("TDX quote is from a debug TD")
	ErrMrSignerSeam            = errors.New("TDX quote has a non-zero MRSIGNERSEAM")
)

//go:embed intel_sgx_root_ca.pem
var intelRootPEM []byte

var intelRoots = sync.OnceValue(func() *x509.CertPool {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(intelRootPEM) {
		panic("tdx: embedded Intel SGX root CA does not parse")
	}
	return pool
})

var ellipticP256 = elliptic.P256()

// IntelRoots returns a pool holding Intel's SGX root CA, the production
// root of every TDX quote.
func IntelRoots() *x509.CertPool { return intelRoots() }

// Getter fetches collateral by Intel PCS URL; *collateral.Cache is one.
type Getter = trust.HTTPSGetter

// Options configure verification.
type Options struct {
	// Now is the verification time; zero means time.Now().
	Now time.Time
	// TrustedRoots replaces Intel's SGX root CA. Nil means Intel's.
	TrustedRoots *x509.CertPool
	// Collateral is where TCB info, QE identity and CRLs come from. Nil
	// means no collateral: TCBStatus is then "Unknown" and revocation is
	// not checked.
	Collateral Getter
}

// Report is the content of a verified (or, from Parse, merely parsed)
// quote.
type Report struct {
	Version        uint16
	TeeType        uint32
	TeeTcbSvn      [16]byte
	MrSeam         [48]byte
	MrSignerSeam   [48]byte
	SeamAttributes [8]byte
	TdAttributes   [8]byte
	Xfam           [8]byte
	MRTD           [48]byte
	MrConfigID     [48]byte
	MrOwner        [48]byte
	MrOwnerConfig  [48]byte
	RTMR           [4][48]byte
	ReportData     [64]byte

	// TCBStatus is "UpToDate" when verified collateral says so, "Unknown"
	// without collateral.
	TCBStatus   string
	AdvisoryIDs []string
	// FMSPC and PPID come from the PCK certificate's SGX extensions.
	FMSPC []byte
	PPID  []byte
	// CollateralNextUpdate is when the collateral used expires; zero
	// without collateral.
	CollateralNextUpdate time.Time

	quote *pb.QuoteV4
}

// Parse decodes a quote without verifying anything.
func Parse(raw []byte) (*Report, error) {
	q, err := parse(raw)
	if err != nil {
		return nil, err
	}
	return reportOf(q)
}

func parse(raw []byte) (*pb.QuoteV4, error) {
	if len(raw) > MaxQuoteSize {
		return nil, fmt.Errorf("%w: %d bytes exceed %d", ErrQuoteFormat, len(raw), MaxQuoteSize)
	}
	if len(raw) < 2 {
		return nil, fmt.Errorf("%w: %d bytes", ErrQuoteFormat, len(raw))
	}
	if v := uint16(raw[0]) | uint16(raw[1])<<8; v != 4 {
		return nil, fmt.Errorf("%w: version %d (version 4 is supported)", ErrUnsupportedQuoteVersion, v)
	}
	q, err := quoteToProto(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrQuoteFormat, err)
	}
	q4, ok := q.(*pb.QuoteV4)
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedQuoteVersion, q)
	}
	if err := abi.CheckQuoteV4(q4); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrQuoteFormat, err)
	}
	return q4, nil
}

func reportOf(q *pb.QuoteV4) (*Report, error) {
	h, b := q.GetHeader(), q.GetTdQuoteBody()
	r := &Report{Version: uint16(h.GetVersion()), TeeType: h.GetTeeType(), TCBStatus: TCBUnknown, quote: q}
	copy(r.TeeTcbSvn[:], b.GetTeeTcbSvn())
	copy(r.MrSeam[:], b.GetMrSeam())
	copy(r.MrSignerSeam[:], b.GetMrSignerSeam())
	copy(r.SeamAttributes[:], b.GetSeamAttributes())
	copy(r.TdAttributes[:], b.GetTdAttributes())
	copy(r.Xfam[:], b.GetXfam())
	copy(r.MRTD[:], b.GetMrTd())
	copy(r.MrConfigID[:], b.GetMrConfigId())
	copy(r.MrOwner[:], b.GetMrOwner())
	copy(r.MrOwnerConfig[:], b.GetMrOwnerConfig())
	rtmrs := b.GetRtmrs()
	if len(rtmrs) != 4 {
		return nil, fmt.Errorf("%w: %d RTMRs", ErrQuoteFormat, len(rtmrs))
	}
	for i := range r.RTMR {
		copy(r.RTMR[i][:], rtmrs[i])
	}
	copy(r.ReportData[:], b.GetReportData())
	return r, nil
}

// Verify verifies a quote and returns its content.
func Verify(ctx context.Context, raw []byte, opts Options) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q, err := parse(raw)
	if err != nil {
		return nil, err
	}
	r, err := reportOf(q)
	if err != nil {
		return nil, err
	}
	roots := opts.TrustedRoots
	if roots == nil {
		roots = IntelRoots()
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	key := chainKeyOf(q, roots)
	if c := lookupChain(key, now); c != nil {
		if err := verifyWithVerifiedChain(q, c); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrVerification, err)
		}
	} else {
		if err := verify.TdxQuote(q, &verify.Options{Now: now, TrustedRoots: roots}); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrVerification, err)
		}
		rememberChain(key, q)
	}
	if opts.Collateral != nil {
		v, err := evaluateCollateral(q, opts.Collateral, roots, now)
		if err != nil {
			return nil, err
		}
		r.TCBStatus, r.AdvisoryIDs, r.CollateralNextUpdate = string(v.status), v.advisories, v.nextUpdate
	}
	if r.TdAttributes[0]&1 != 0 {
		return nil, ErrDebugTD
	}
	if r.MrSignerSeam != [48]byte{} {
		return nil, ErrMrSignerSeam
	}
	if leaf, err := pckLeaf(q); err == nil {
		if ext, err := pcs.PckCertificateExtensions(leaf); err == nil {
			r.PPID, _ = hex.DecodeString(ext.PPID)
			r.FMSPC, _ = hex.DecodeString(ext.FMSPC)
		}
	}
	return r, nil
}

// pckLeaf returns the first certificate of the quote's PCK chain.
func pckLeaf(q *pb.QuoteV4) (*x509.Certificate, error) {
	chain := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	block, _ := pem.Decode(bytes.TrimRight(chain, "\x00"))
	if block == nil {
		return nil, fmt.Errorf("%w: no PCK certificate", ErrQuoteFormat)
	}
	return x509.ParseCertificate(block.Bytes)
}

// quoteToProto runs go-tdx-guest's parser, turning a panic into an error:
// v0.3.1 slices out of range on some malformed QE authentication data
// lengths (found by FuzzParse), and no input may crash a verifier.
func quoteToProto(raw []byte) (q any, err error) {
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, fmt.Errorf("parser panic: %v", r)
		}
	}()
	return abi.QuoteToProto(raw)
}
