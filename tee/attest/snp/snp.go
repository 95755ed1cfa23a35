// Package snp verifies AMD SEV-SNP attestation reports with go-sev-guest:
// the ARK → ASK → VCEK chain to AMD's roots and the report's signature by
// the VCEK. dstack binds the app identity through HOST_DATA, which must be
// the MrConfigV3 hash of the launch document (CheckHostData).
//
// It rejects debug guests. It never accepts a report whose chain it did not
// verify, and it reports the TCB status as "Unknown": deriving a status needs
// AMD's TCB data, which this package does not claim to judge.
package snp

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-sev-guest/abi"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/dstack-go/dstack/tee/identity"
)

// Errors of report verification.
var (
	ErrReportFormat   = errors.New("malformed SEV-SNP report")
	ErrVerification   = errors.New("SEV-SNP report verification failed")
	ErrDebugGuest     = errors.New("SEV-SNP report is from a debug guest")
	ErrHostData       = errors.New("SEV-SNP HOST_DATA does not match the mr_config document")
	ErrCertificate    = errors.New("unusable SEV-SNP certificate")
	ErrNoVCEK         = errors.New("no VCEK certificate for the SEV-SNP report")
	errUnknownCertKey = errors.New("certificate is neither an ARK, an ASK nor a VCEK")
)

// Options configure verification.
type Options struct {
	// Now is the verification time; zero means time.Now().
	Now time.Time
	// TrustedRoots replaces AMD's embedded ARK/ASK roots, by product line.
	TrustedRoots map[string][]*trust.AMDRootCerts
	// Getter fetches missing certificates from AMD's KDS. Nil means no
	// fetching: the VCEK must come with the evidence or ExtraCerts.
	Getter trust.HTTPSGetter
	// ExtraCerts are certificates (DER or PEM) to use when the evidence
	// carries none, such as a VCEK obtained out of band.
	ExtraCerts [][]byte
}

// Report is the content of a verified report.
type Report struct {
	Version      uint32
	Policy       uint64
	Measurement  [48]byte
	HostData     [32]byte
	ReportData   [64]byte
	ChipID       [64]byte
	ReportedTCB  uint64
	CommittedTCB uint64
	LaunchTCB    uint64
	VMPL         uint32
	TCBStatus    string
}

// Verify verifies a report with its certificate chain (DER or PEM items,
// upstream's cert_chain).
func Verify(ctx context.Context, report []byte, certChain [][]byte, opts Options) (*Report, error) {
	if len(report) != abi.ReportSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrReportFormat, len(report), abi.ReportSize)
	}
	rep, err := abi.ReportToProto(report)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrReportFormat, err)
	}
	chain := &spb.CertificateChain{}
	certs := certChain
	if len(certs) == 0 {
		certs = opts.ExtraCerts
	}
	for _, raw := range certs {
		if err := addCert(chain, raw); err != nil {
			return nil, err
		}
	}
	if chain.VcekCert == nil && opts.Getter == nil {
		return nil, ErrNoVCEK
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	vopts := &verify.Options{
		Now: now, TrustedRoots: opts.TrustedRoots, Getter: opts.Getter,
		DisableCertFetching: opts.Getter == nil,
	}
	att := &spb.Attestation{Report: rep, CertificateChain: chain}
	if err := verify.SnpAttestationContext(ctx, att, vopts); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVerification, err)
	}
	policy, err := abi.ParseSnpPolicy(rep.GetPolicy())
	if err != nil {
		return nil, fmt.Errorf("%w: policy: %v", ErrReportFormat, err)
	}
	if policy.Debug {
		return nil, ErrDebugGuest
	}
	r := &Report{
		Version: rep.GetVersion(), Policy: rep.GetPolicy(), VMPL: rep.GetVmpl(),
		ReportedTCB: rep.GetReportedTcb(), CommittedTCB: rep.GetCommittedTcb(), LaunchTCB: rep.GetLaunchTcb(),
		TCBStatus: "Unknown",
	}
	copy(r.Measurement[:], rep.GetMeasurement())
	copy(r.HostData[:], rep.GetHostData())
	copy(r.ReportData[:], rep.GetReportData())
	copy(r.ChipID[:], rep.GetChipId())
	return r, nil
}

// addCert places one certificate in the chain by its role.
func addCert(chain *spb.CertificateChain, raw []byte) error {
	der := raw
	if block, _ := pem.Decode(raw); block != nil {
		der = block.Bytes
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	switch cn := c.Subject.CommonName; {
	case strings.HasPrefix(cn, "ARK-"):
		chain.ArkCert = der
	case strings.HasPrefix(cn, "SEV-") && cn != "SEV-VCEK" && cn != "SEV-VLEK":
		chain.AskCert = der
	case cn == "SEV-VCEK" || cn == "SEV-VLEK":
		chain.VcekCert = der
	default:
		return fmt.Errorf("%w: %q: %v", ErrCertificate, cn, errUnknownCertKey)
	}
	return nil
}

// CheckHostData checks that the report binds the launch document: HOST_DATA
// equals SHA-256("dstack-mr-config-v3:" ‖ 0x00 ‖ doc).
func CheckHostData(r *Report, mrConfigDoc []byte) error {
	want := identity.MrConfigV3Hash(mrConfigDoc)
	if !bytes.Equal(r.HostData[:], want[:]) {
		return ErrHostData
	}
	return nil
}
