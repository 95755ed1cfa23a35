package tdx

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/go-tdx-guest/pcs"
	pb "github.com/google/go-tdx-guest/proto/tdx"
)

// Collateral is evaluated here rather than by go-tdx-guest because its
// collateral path accepts only an UpToDate TCB and stops at the first other
// status, while dstack surfaces the status and leaves the decision to
// policy. The signatures and certificate chains of every piece are checked
// against the same pinned roots as the quote; the parsing uses go-tdx-guest's
// pcs types.

// ErrCollateral wraps every collateral failure.
var ErrCollateral = errors.New("TDX collateral verification failed")

// ErrRevoked is returned for a revoked certificate or TCB level.
var ErrRevoked = errors.New("revoked")

// statusRank orders TCB statuses from best to worst.
var statusRank = []pcs.TcbComponentStatus{
	pcs.TcbComponentStatusUpToDate,
	pcs.TcbComponentStatusSwHardeningNeeded,
	pcs.TcbComponentStatusConfigurationNeeded,
	pcs.TcbComponentStatusConfigurationAndSWHardeningNeeded,
	pcs.TcbComponentStatusOutOfDate,
	pcs.TcbComponentStatusOutOfDateConfigurationNeeded,
	pcs.TcbComponentStatusRevoked,
}

func worse(a, b pcs.TcbComponentStatus) pcs.TcbComponentStatus {
	if slices.Index(statusRank, b) > slices.Index(statusRank, a) {
		return b
	}
	return a
}

type tcbVerdict struct {
	status     pcs.TcbComponentStatus
	advisories []string
	nextUpdate time.Time
}

// evaluateCollateral fetches and verifies TCB info, QE identity and the
// CRLs for a quote whose signatures and PCK chain are already verified, and
// returns the TCB status they give.
func evaluateCollateral(q *pb.QuoteV4, get Getter, roots *x509.CertPool, now time.Time) (*tcbVerdict, error) {
	raw := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	certs, err := parseChain(raw)
	if err != nil {
		return nil, err
	}
	pck, inter, root := certs[0], certs[1], certs[2]
	ext, err := pcs.PckCertificateExtensions(pck)
	if err != nil {
		return nil, fmt.Errorf("%w: PCK extensions: %v", ErrCollateral, err)
	}
	v := &tcbVerdict{status: pcs.TcbComponentStatusUpToDate, nextUpdate: now.Add(100 * 365 * 24 * time.Hour)}
	expire := func(t time.Time) {
		if t.Before(v.nextUpdate) {
			v.nextUpdate = t
		}
	}

	// Revocation: the PCK certificate by its CA's CRL, the CA by the root's.
	ca := "platform"
	if strings.Contains(pck.Issuer.CommonName, "Processor") {
		ca = "processor"
	}
	pckCRL, err := fetchCRL(get, pcs.PckCrlURL(ca), inter, now)
	if err != nil {
		return nil, err
	}
	expire(pckCRL.NextUpdate)
	if revoked(pckCRL, pck.SerialNumber) {
		return nil, fmt.Errorf("%w: PCK certificate %w", ErrCollateral, ErrRevoked)
	}
	if len(root.CRLDistributionPoints) == 0 {
		return nil, fmt.Errorf("%w: root CA certificate names no CRL", ErrCollateral)
	}
	rootCRL, err := fetchCRL(get, root.CRLDistributionPoints[0], root, now)
	if err != nil {
		return nil, err
	}
	expire(rootCRL.NextUpdate)
	if revoked(rootCRL, inter.SerialNumber) {
		return nil, fmt.Errorf("%w: PCK CA certificate %w", ErrCollateral, ErrRevoked)
	}

	// TCB info.
	info, signer, err := fetchSigned[pcs.TdxTcbInfo](get, pcs.TcbInfoURL(ext.FMSPC), "Tcb-Info-Issuer-Chain", "tcbInfo", roots, now)
	if err != nil {
		return nil, err
	}
	if revoked(rootCRL, signer.SerialNumber) {
		return nil, fmt.Errorf("%w: TCB signing certificate %w", ErrCollateral, ErrRevoked)
	}
	ti := info.TcbInfo
	if err := fresh("TCB info", ti.IssueDate, ti.NextUpdate, now); err != nil {
		return nil, err
	}
	expire(ti.NextUpdate)
	// QE identity.
	qe, _, err := fetchSigned[pcs.QeIdentity](get, pcs.QeIdentityURL(), "Sgx-Enclave-Identity-Issuer-Chain", "enclaveIdentity", roots, now)
	if err != nil {
		return nil, err
	}
	ei := qe.EnclaveIdentity
	if err := fresh("QE identity", ei.IssueDate, ei.NextUpdate, now); err != nil {
		return nil, err
	}
	expire(ei.NextUpdate)
	body := q.GetTdQuoteBody()
	switch {
	case !strings.EqualFold(ti.Fmspc, ext.FMSPC):
		return nil, fmt.Errorf("%w: TCB info is for FMSPC %s, the PCK certificate says %s", ErrCollateral, ti.Fmspc, ext.FMSPC)
	case !strings.EqualFold(ti.PceID, ext.PCEID):
		return nil, fmt.Errorf("%w: TCB info is for PCE %s, the PCK certificate says %s", ErrCollateral, ti.PceID, ext.PCEID)
	case !bytes.Equal(ti.TdxModule.Mrsigner.Bytes, body.GetMrSignerSeam()):
		return nil, fmt.Errorf("%w: MRSIGNERSEAM is not the TDX module signer of the TCB info", ErrCollateral)
	case !maskedEqual(body.GetSeamAttributes(), ti.TdxModule.AttributesMask.Bytes, ti.TdxModule.Attributes.Bytes):
		return nil, fmt.Errorf("%w: SEAM attributes do not match the TCB info", ErrCollateral)
	}
	level, err := platformLevel(ti.TcbLevels, ext.TCB, body.GetTeeTcbSvn())
	if err != nil {
		return nil, err
	}
	v.status, v.advisories = level.TcbStatus, append(v.advisories, level.AdvisoryIDs...)
	if svn := body.GetTeeTcbSvn(); len(svn) == 16 && svn[1] > 0 {
		m, err := moduleLevel(ti.TdxModuleIdentities, svn)
		if err != nil {
			return nil, err
		}
		v.status = worse(v.status, m.TcbStatus)
		v.advisories = append(v.advisories, m.AdvisoryIDs...)
	}

	rep := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetQeReport()
	misc := []byte{byte(rep.GetMiscSelect()), byte(rep.GetMiscSelect() >> 8), byte(rep.GetMiscSelect() >> 16), byte(rep.GetMiscSelect() >> 24)}
	switch {
	case !maskedEqual(misc, reverse(ei.MiscselectMask.Bytes), reverse(ei.Miscselect.Bytes)):
		return nil, fmt.Errorf("%w: QE MISCSELECT does not match the QE identity", ErrCollateral)
	case !maskedEqual(rep.GetAttributes(), ei.AttributesMask.Bytes, ei.Attributes.Bytes):
		return nil, fmt.Errorf("%w: QE attributes do not match the QE identity", ErrCollateral)
	case !bytes.Equal(rep.GetMrSigner(), ei.Mrsigner.Bytes):
		return nil, fmt.Errorf("%w: QE MRSIGNER does not match the QE identity", ErrCollateral)
	case uint32(ei.IsvProdID) != rep.GetIsvProdId():
		return nil, fmt.Errorf("%w: QE ISVPRODID does not match the QE identity", ErrCollateral)
	}
	qeLevel, err := qeTCBLevel(ei.TcbLevels, rep.GetIsvSvn())
	if err != nil {
		return nil, err
	}
	v.status = worse(v.status, qeLevel.TcbStatus)
	v.advisories = append(v.advisories, qeLevel.AdvisoryIDs...)
	slices.Sort(v.advisories)
	v.advisories = slices.Compact(v.advisories)
	if v.status == pcs.TcbComponentStatusRevoked {
		return nil, fmt.Errorf("%w: TCB level %w", ErrCollateral, ErrRevoked)
	}
	return v, nil
}

// The MISCSELECT fields of QE identity are big-endian hex; the report's is
// a little-endian integer.
func reverse(b []byte) []byte {
	out := bytes.Clone(b)
	slices.Reverse(out)
	return out
}

func maskedEqual(value, mask, want []byte) bool {
	if len(value) != len(mask) || len(mask) != len(want) {
		return false
	}
	for i := range value {
		if value[i]&mask[i] != want[i] {
			return false
		}
	}
	return true
}

func fresh(what string, issued, next, now time.Time) error {
	if now.Before(issued) {
		return fmt.Errorf("%w: %s issued in the future (%s)", ErrCollateral, what, issued.Format(time.RFC3339))
	}
	if !now.Before(next) {
		return fmt.Errorf("%w: %s expired at %s", ErrCollateral, what, next.Format(time.RFC3339))
	}
	return nil
}

func revoked(crl *x509.RevocationList, serial *big.Int) bool {
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(serial) == 0 {
			return true
		}
	}
	return false
}

func fetchCRL(get Getter, u string, issuer *x509.Certificate, now time.Time) (*x509.RevocationList, error) {
	_, body, err := get.Get(u)
	if err != nil {
		return nil, fmt.Errorf("%w: fetching CRL %s: %v", ErrCollateral, u, err)
	}
	der := body
	if b, err := hex.DecodeString(strings.TrimSpace(string(body))); err == nil {
		der = b // PCCS serves some CRLs hex-encoded
	}
	h := sha256.New()
	h.Write(issuer.Raw)
	h.Write(der)
	key := memoKey{h: [32]byte(h.Sum(nil))}
	var crl *x509.RevocationList
	if e, ok := memoGet(key, now); ok {
		crl = e.val.(*x509.RevocationList)
	} else {
		if crl, err = x509.ParseRevocationList(der); err != nil {
			return nil, fmt.Errorf("%w: CRL %s: %v", ErrCollateral, u, err)
		}
		if err := crl.CheckSignatureFrom(issuer); err != nil {
			return nil, fmt.Errorf("%w: CRL %s is not signed by %q: %v", ErrCollateral, u, issuer.Subject.CommonName, err)
		}
		memoPut(key, memoEntry{val: crl})
	}
	if err := fresh("CRL "+u, crl.ThisUpdate, crl.NextUpdate, now); err != nil {
		return nil, err
	}
	return crl, nil
}

// Verified collateral is remembered by the hash of its exact bytes (and the
// root pool), so that a cache serving the same pieces costs a hash per
// verification rather than a chain and a signature check. An entry is used
// only while its signer is valid; freshness is checked by the caller on
// every use.
type memoKey struct {
	h     [32]byte
	roots *x509.CertPool
}

type memoEntry struct {
	val    any
	signer *x509.Certificate
}

var memo = newBounded[memoKey, memoEntry](256)

func memoGet(k memoKey, now time.Time) (memoEntry, bool) {
	e, ok := memo.get(k)
	if ok && e.signer != nil && (now.After(e.signer.NotAfter) || now.Before(e.signer.NotBefore)) {
		return e, false
	}
	return e, ok
}

func memoPut(k memoKey, e memoEntry) { memo.put(k, e) }

// fetchSigned fetches a signed JSON collateral document, checks its issuer
// chain to roots and its signature over the exact bytes of field, and
// decodes it. It returns the signing certificate too.
func fetchSigned[T any](get Getter, u, chainHeader, field string, roots *x509.CertPool, now time.Time) (*T, *x509.Certificate, error) {
	header, body, err := get.Get(u)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: fetching %s: %v", ErrCollateral, u, err)
	}
	var chainPEM string
	for k, vs := range header {
		if strings.EqualFold(k, chainHeader) && len(vs) > 0 {
			chainPEM, err = url.QueryUnescape(vs[0])
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %s header: %v", ErrCollateral, chainHeader, err)
			}
		}
	}
	h := sha256.New()
	for _, part := range []string{u, "\x00", chainPEM, "\x00", field, "\x00"} {
		h.Write([]byte(part))
	}
	h.Write(body)
	key := memoKey{h: [32]byte(h.Sum(nil)), roots: roots}
	if e, ok := memoGet(key, now); ok {
		return e.val.(*T), e.signer, nil
	}
	out := new(T)
	signer, err := verifySigned(u, chainPEM, body, field, roots, now, out)
	if err != nil {
		return nil, nil, err
	}
	memoPut(key, memoEntry{val: out, signer: signer})
	return out, signer, nil
}

func verifySigned(u, chainPEM string, body []byte, field string, roots *x509.CertPool, now time.Time, out any) (*x509.Certificate, error) {
	chainHeader := "issuer chain"
	var certs []*x509.Certificate
	for rest := []byte(chainPEM); ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %s header: %v", ErrCollateral, chainHeader, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: %s: no %s header", ErrCollateral, u, chainHeader)
	}
	signer := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("%w: %s signer: %v", ErrCollateral, u, err)
	}
	if signer.Subject.CommonName != "Intel SGX TCB Signing" {
		return nil, fmt.Errorf("%w: %s is signed by %q, not the TCB signing key", ErrCollateral, u, signer.Subject.CommonName)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCollateral, u, err)
	}
	var sigHex string
	if err := json.Unmarshal(doc["signature"], &sigHex); err != nil {
		return nil, fmt.Errorf("%w: %s: signature: %v", ErrCollateral, u, err)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != 64 {
		return nil, fmt.Errorf("%w: %s: signature is not 64 hex-encoded bytes", ErrCollateral, u)
	}
	pub, ok := signer.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s: signer key is not ECDSA", ErrCollateral, u)
	}
	digest := sha256.Sum256(doc[field])
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, fmt.Errorf("%w: %s: signature does not verify", ErrCollateral, u)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCollateral, u, err)
	}
	return signer, nil
}

// platformLevel finds the first (highest) TCB level that the platform's
// SGX components, PCE SVN and TEE TCB SVN all reach.
func platformLevel(levels []pcs.TcbLevel, tcb pcs.PckCertTCB, teeTcbSvn []byte) (*pcs.TcbLevel, error) {
	for i := range levels {
		l := &levels[i]
		if len(l.Tcb.SgxTcbcomponents) != 16 || len(l.Tcb.TdxTcbcomponents) != 16 || len(tcb.CPUSvnComponents) != 16 || len(teeTcbSvn) != 16 {
			continue
		}
		ok := tcb.PCESvn >= l.Tcb.Pcesvn
		for j := 0; ok && j < 16; j++ {
			ok = tcb.CPUSvnComponents[j] >= l.Tcb.SgxTcbcomponents[j].Svn
		}
		start := 0
		if teeTcbSvn[1] > 0 {
			start = 2 // the TDX module's own SVNs are judged by its identity
		}
		for j := start; ok && j < 16; j++ {
			ok = teeTcbSvn[j] >= l.Tcb.TdxTcbcomponents[j].Svn
		}
		if ok {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%w: no TCB level matches the platform", ErrCollateral)
}

func moduleLevel(ids []pcs.TdxModuleIdentity, teeTcbSvn []byte) (*pcs.TcbLevel, error) {
	want := fmt.Sprintf("TDX_%02X", teeTcbSvn[1])
	for _, id := range ids {
		if id.ID != want {
			continue
		}
		for i := range id.TcbLevels {
			if uint32(teeTcbSvn[0]) >= id.TcbLevels[i].Tcb.Isvsvn {
				return &id.TcbLevels[i], nil
			}
		}
	}
	return nil, fmt.Errorf("%w: no TCB level for TDX module %s", ErrCollateral, want)
}

func qeTCBLevel(levels []pcs.TcbLevel, isvsvn uint32) (*pcs.TcbLevel, error) {
	for i := range levels {
		if isvsvn >= levels[i].Tcb.Isvsvn {
			return &levels[i], nil
		}
	}
	return nil, fmt.Errorf("%w: no QE TCB level matches ISVSVN %d", ErrCollateral, isvsvn)
}
