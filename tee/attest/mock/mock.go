// Package mock is a mock Intel TDX attestation PKI and a simulated TDX
// module, for development and tests only.
//
// A PKI built from a seed has its own "Intel SGX Root CA", PCK platform CA
// and PCK certificate (with the SGX extensions Intel's carry), a quoting
// enclave attestation key, and signs TDX quotes in the real version-4
// layout. The production verifier (package tdx) checks these quotes exactly
// as it checks real ones — and accepts them only when it is handed this
// PKI's roots, which must only ever happen through an explicit insecure
// option. Nothing here may be used to attest real workloads.
//
// Its simulated TD boots a development OS image described in upstream's real
// lite format (DevImageMeasurement, DevImageDocument, OSImageHash, derived
// from a fixed label so they are the same everywhere): its MRTD, RTMR0–2 and
// boot event log are what that measurement document gives for the TD's VM
// shape, and its vm_config (DevVMConfig) carries the document, so verifiers
// bind its os_image_hash. Identity.Booted boots another image under the same
// claim, for tests of the refusal.
//
// It also boots a full OS image directory (measure.ReadImage) as a real TDX
// module, OVMF and QEMU measure it (MeasureImageBoot; Identity.BootedImage
// with BootTD): MRTD from the firmware's TDVF sections, RTMR0 the TD HOB and
// the simulated ACPI tables of the VM shape, RTMR1 the kernel's Authenticode
// hash, RTMR2 the command line and the initrd, all computed by
// measure.Image.Expected, with a boot event log that replays to them.
// ImageVMConfig gives such a TD the vm_config that claims the image, so a
// VM that really runs an image under the simulated TEE reports registers
// bound to what it booted, and `dstack verify --image DIR` (or, for the
// memory sizes it serves, the lite document the vm_config carries) binds
// its os_image_hash.
package mock

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/google/go-tdx-guest/abi"
	pb "github.com/google/go-tdx-guest/proto/tdx"
)

// Validity window of the mock certificates.
var (
	notBefore = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Identity of the mock platform, as its PCK certificate states it.
var (
	// FMSPC of the mock platform.
	FMSPC = []byte{0x00, 0x80, 0x6f, 0x05, 0x00, 0x00}
	// PCEID of the mock platform.
	PCEID = []byte{0x00, 0x00}
	// qeVendorID is Intel's QE vendor id.
	qeVendorID = []byte{0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07}
)

// PKI is a mock Intel attestation PKI.
type PKI struct {
	rootKey, caKey, pckKey, attestKey *ecdsa.PrivateKey
	root, ca, pck                     *x509.Certificate
	chainPEM                          []byte
	ppid                              []byte
	roots                             *x509.CertPool
	col                               collateralState
}

// The mock platform's quoting enclave and TDX module, as its quotes and its
// collateral describe them.
var (
	defaultTeeTcbSvn = [16]byte{3, 1, 2}
	qeMrSigner       = bytes.Repeat([]byte{0x52}, 32)
)

const (
	qeISVProdID = 2
	qeISVSvn    = 8
)

// NewPKI builds a PKI whose keys are derived from seed: the same seed gives
// the same keys (certificates carry fresh signatures, over the same keys and
// names).
func NewPKI(seed []byte) (*PKI, error) {
	if len(seed) == 0 {
		return nil, errors.New("mock PKI: empty seed")
	}
	p := &PKI{}
	var err error
	for label, dst := range map[string]**ecdsa.PrivateKey{
		"root": &p.rootKey, "pck-platform-ca": &p.caKey, "pck": &p.pckKey, "qe-attestation-key": &p.attestKey,
	} {
		if *dst, err = deriveKey(seed, label); err != nil {
			return nil, err
		}
	}
	ppid := sha512.Sum512(append([]byte("mock ppid:"), seed...))
	p.ppid = ppid[:16]
	rootName := pkix.Name{CommonName: "Intel SGX Root CA", Organization: []string{"Mock Intel Corporation"}, Country: []string{"US"}}
	caName := pkix.Name{CommonName: "Intel SGX PCK Platform CA", Organization: []string{"Mock Intel Corporation"}, Country: []string{"US"}}
	if p.root, err = p.cert(&x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: rootName, IsCA: true, BasicConstraintsValid: true, MaxPathLen: 1,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: skid(p.rootKey),
		CRLDistributionPoints: []string{rootCRLURL},
	}, nil, p.rootKey, p.rootKey); err != nil {
		return nil, err
	}
	if p.ca, err = p.cert(&x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: caName, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: skid(p.caKey),
	}, p.root, p.caKey, p.rootKey); err != nil {
		return nil, err
	}
	sgx, err := sgxExtension(p.ppid)
	if err != nil {
		return nil, err
	}
	if p.pck, err = p.cert(&x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Intel SGX PCK Certificate", Organization: []string{"Mock Intel Corporation"}, Country: []string{"US"}},
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		SubjectKeyId: skid(p.pckKey), CRLDistributionPoints: []string{"https://mock.invalid/sgx/certification/v4/pckcrl?ca=platform&encoding=der"},
		ExtraExtensions: []pkix.Extension{sgx},
	}, p.ca, p.pckKey, p.caKey); err != nil {
		return nil, err
	}
	if err := p.newTCBSigner(seed); err != nil {
		return nil, err
	}
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	for _, c := range []*x509.Certificate{p.pck, p.ca, p.root} {
		p.chainPEM = append(p.chainPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return p, nil
}

func deriveKey(seed []byte, label string) (*ecdsa.PrivateKey, error) {
	d, err := hkdf.Key(sha256.New, seed, []byte("dstack mock PKI"), label, 32)
	if err != nil {
		return nil, err
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("mock PKI: deriving %s key: %w", label, err)
	}
	return k, nil
}

func skid(k *ecdsa.PrivateKey) []byte {
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	h := sha256.Sum256(pub)
	return h[:20]
}

func (p *PKI) cert(tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) (*x509.Certificate, error) {
	tmpl.NotBefore, tmpl.NotAfter = notBefore, notAfter
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("mock PKI: creating %q: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// attr is one SGX extension entry.
type attr struct {
	Type  asn1.ObjectIdentifier
	Value any
}

// sgxExtension builds the PCK certificate's SGX extension (OID
// 1.2.840.113741.1.13.1): PPID, TCB (16 SGX components, PCESVN, CPUSVN),
// PCE-ID, FMSPC and SGX type.
func sgxExtension(ppid []byte) (pkix.Extension, error) {
	base := asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1}
	oid := func(arcs ...int) asn1.ObjectIdentifier {
		return append(append(asn1.ObjectIdentifier{}, base...), arcs...)
	}
	var tcb []attr
	cpusvn := make([]byte, 16)
	for i := 1; i <= 16; i++ {
		tcb = append(tcb, attr{oid(2, i), 2})
		cpusvn[i-1] = 2
	}
	tcb = append(tcb, attr{oid(2, 17), 13}, attr{oid(2, 18), cpusvn})
	v, err := asn1.Marshal([]attr{
		{oid(1), ppid},
		{oid(2), tcb},
		{oid(3), PCEID},
		{oid(4), FMSPC},
		{oid(5), asn1.Enumerated(0)},
	})
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("mock PKI: SGX extension: %w", err)
	}
	return pkix.Extension{Id: base, Value: v}, nil
}

// Roots returns the pool with the mock root CA (the same pool on every
// call, so that verifiers can cache what they verified against it).
func (p *PKI) Roots() *x509.CertPool { return p.roots }

// RootsPEM returns the mock root CA in PEM.
func (p *PKI) RootsPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw})
}

// PPID is the mock platform's PPID.
func (p *PKI) PPID() []byte { return bytes.Clone(p.ppid) }

// QuoteBody is the TD report content of a quote.
type QuoteBody struct {
	TeeTcbSvn     [16]byte
	MrSeam        [48]byte
	TdAttributes  [8]byte
	Xfam          [8]byte
	MRTD          [48]byte
	MrConfigID    [48]byte
	MrOwner       [48]byte
	MrOwnerConfig [48]byte
	RTMR          [4][48]byte
	ReportData    [64]byte
	// MrSignerSeam is zero for Intel's TDX module; set it only to test
	// that verifiers refuse other values.
	MrSignerSeam [48]byte
}

// Quote signs a TDX quote, version 4, with body as its TD report.
func (p *PKI) Quote(body QuoteBody) ([]byte, error) {
	header := &pb.Header{
		Version: 4, AttestationKeyType: 2, TeeType: abi.TeeTDX,
		QeSvn: []byte{8, 0}, PceSvn: []byte{13, 0}, QeVendorId: qeVendorID, UserData: make([]byte, 20),
	}
	rtmrs := make([][]byte, 4)
	for i := range rtmrs {
		rtmrs[i] = bytes.Clone(body.RTMR[i][:])
	}
	td := &pb.TDQuoteBody{
		TeeTcbSvn: body.TeeTcbSvn[:], MrSeam: body.MrSeam[:], MrSignerSeam: body.MrSignerSeam[:],
		SeamAttributes: make([]byte, 8), TdAttributes: body.TdAttributes[:], Xfam: body.Xfam[:],
		MrTd: body.MRTD[:], MrConfigId: body.MrConfigID[:], MrOwner: body.MrOwner[:], MrOwnerConfig: body.MrOwnerConfig[:],
		Rtmrs: rtmrs, ReportData: body.ReportData[:],
	}
	hb, err := abi.HeaderToAbiBytes(header)
	if err != nil {
		return nil, fmt.Errorf("mock quote: %w", err)
	}
	bb, err := abi.TdQuoteBodyToAbiBytes(td)
	if err != nil {
		return nil, fmt.Errorf("mock quote: %w", err)
	}
	quoteSig, err := signRaw(p.attestKey, append(hb, bb...))
	if err != nil {
		return nil, err
	}
	uncompressed, err := p.attestKey.PublicKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("mock quote: %w", err)
	}
	attestPub := uncompressed[1:] // X ‖ Y, without the 0x04 prefix
	authData := make([]byte, 32)
	copy(authData, "dstack mock QE authentication")
	qeRD := sha256.Sum256(append(bytes.Clone(attestPub), authData...))
	qeReport := &pb.EnclaveReport{
		CpuSvn: bytes.Repeat([]byte{2}, 16), Reserved1: make([]byte, 28), Attributes: make([]byte, 16),
		MrEnclave: bytes.Repeat([]byte{0x51}, 32), Reserved2: make([]byte, 32), MrSigner: qeMrSigner,
		Reserved3: make([]byte, 96), IsvProdId: qeISVProdID, IsvSvn: qeISVSvn, Reserved4: make([]byte, 60),
		ReportData: append(qeRD[:], make([]byte, 32)...),
	}
	qb, err := abi.EnclaveReportToAbiBytes(qeReport)
	if err != nil {
		return nil, fmt.Errorf("mock quote: %w", err)
	}
	qeSig, err := signRaw(p.pckKey, qb)
	if err != nil {
		return nil, err
	}
	chain := &pb.PCKCertificateChainData{CertificateDataType: 5, Size: uint32(len(p.chainPEM)), PckCertChain: bytes.Clone(p.chainPEM)}
	qeCert := &pb.QEReportCertificationData{
		QeReport: qeReport, QeReportSignature: qeSig,
		QeAuthData:              &pb.QeAuthData{ParsedDataSize: uint32(len(authData)), Data: authData},
		PckCertificateChainData: chain,
	}
	certSize := uint32(len(qb) + 64 + 2 + len(authData) + 2 + 4 + len(p.chainPEM))
	q := &pb.QuoteV4{
		Header: header, TdQuoteBody: td,
		SignedDataSize: 64 + 64 + 2 + 4 + certSize,
		SignedData: &pb.Ecdsa256BitQuoteV4AuthData{
			Signature: quoteSig, EcdsaAttestationKey: attestPub,
			CertificationData: &pb.CertificationData{CertificateDataType: 6, Size: certSize, QeReportCertificationData: qeCert},
		},
	}
	raw, err := abi.QuoteToAbiBytes(q)
	if err != nil {
		return nil, fmt.Errorf("mock quote: %w", err)
	}
	return raw, nil
}

// signRaw returns an ECDSA P-256 SHA-256 signature as r ‖ s (32 bytes each).
func signRaw(k *ecdsa.PrivateKey, msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		return nil, fmt.Errorf("mock quote: signing: %w", err)
	}
	return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...), nil
}

// TEE is a simulated TDX module: it keeps MRTD and RTMR0–3, extends RTMRs as
// the hardware does, and quotes through the mock PKI.
type TEE struct {
	pki  *PKI
	mu   sync.Mutex
	mrtd [48]byte
	rtmr [4][48]byte
	// Body fields other than the registers.
	body QuoteBody
}

// NewTEE returns a simulated TD with the given boot measurements and an
// empty RTMR3.
func (p *PKI) NewTEE(mrtd, rtmr0, rtmr1, rtmr2 [48]byte) *TEE {
	t := &TEE{pki: p, mrtd: mrtd, rtmr: [4][48]byte{rtmr0, rtmr1, rtmr2}}
	t.body.TeeTcbSvn = defaultTeeTcbSvn
	t.body.Xfam = [8]byte{0xe7, 0x18, 0x06}
	t.body.TdAttributes = [8]byte{0, 0, 0, 0x10}
	return t
}

// ErrRTMRIndex is returned for a register other than RTMR0–3.
var ErrRTMRIndex = errors.New("simulated TEE: RTMR index out of range")

// Extend extends RTMR index with digest: RTMR = SHA-384(RTMR ‖ digest).
func (t *TEE) Extend(index int, digest [48]byte) error {
	if index < 0 || index > 3 {
		return ErrRTMRIndex
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rtmr[index] = sha512.Sum384(append(bytes.Clone(t.rtmr[index][:]), digest[:]...))
	return nil
}

// RTMRs returns the current registers.
func (t *TEE) RTMRs() [4][48]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rtmr
}

// MRTD returns the TD's build-time measurement.
func (t *TEE) MRTD() [48]byte { return t.mrtd }

// SetMrConfigID sets the MR_CONFIG_ID the host gave the TD at launch.
func (t *TEE) SetMrConfigID(id [48]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.body.MrConfigID = id
}

// Quote returns a quote of the current registers with reportData.
func (t *TEE) Quote(reportData [64]byte) ([]byte, error) {
	t.mu.Lock()
	body := t.body
	body.MRTD, body.RTMR, body.ReportData = t.mrtd, t.rtmr, reportData
	t.mu.Unlock()
	return t.pki.Quote(body)
}
