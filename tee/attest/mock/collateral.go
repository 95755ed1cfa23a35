package mock

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-tdx-guest/pcs"

	"github.com/dstack-go/dstack/tee/collateral"
)

// rootCRLURL is where a root CA certificate says its CRL is; the mock root
// names Intel's location so that collateral sources treat it alike.
const rootCRLURL = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"

// collateralState is what tests can change about the mock collateral.
type collateralState struct {
	mu         sync.Mutex
	tcbStatus  string
	pckRevoked bool
	signer     *x509.Certificate
	signerKey  *ecdsa.PrivateKey
}

// SetTCBStatus makes the mock TCB info rate the mock platform's TCB level
// with status ("UpToDate", "OutOfDate", …; "Revoked" too).
func (p *PKI) SetTCBStatus(status string) {
	p.col.mu.Lock()
	defer p.col.mu.Unlock()
	p.col.tcbStatus = status
}

// RevokePCK puts the mock PCK certificate on the PCK CRL.
func (p *PKI) RevokePCK() {
	p.col.mu.Lock()
	defer p.col.mu.Unlock()
	p.col.pckRevoked = true
}

// Source returns a collateral source that serves, signed by this PKI, TCB
// info for the mock FMSPC, the QE identity, the PCK CRL and the root CRL —
// at the Intel PCS URLs a verifier asks for. Each answer is issued an hour
// ago and valid for 30 days from now.
func (p *PKI) Source() collateral.Source { return mockSource{p} }

type mockSource struct{ p *PKI }

func (s mockSource) Get(_ context.Context, u string) (map[string][]string, []byte, error) {
	p := s.p
	now := time.Now().UTC().Truncate(time.Second)
	p.col.mu.Lock()
	status, revoked := p.col.tcbStatus, p.col.pckRevoked
	p.col.mu.Unlock()
	if status == "" {
		status = string(pcs.TcbComponentStatusUpToDate)
	}
	signerChain := url.QueryEscape(string(pemOf(p.col.signer)) + string(pemOf(p.root)))
	switch {
	case u == pcs.TcbInfoURL(hex.EncodeToString(FMSPC)):
		body, err := p.signedJSON("tcbInfo", p.tcbInfo(now, status))
		return map[string][]string{"Tcb-Info-Issuer-Chain": {signerChain}}, body, err
	case u == pcs.QeIdentityURL():
		body, err := p.signedJSON("enclaveIdentity", p.qeIdentity(now))
		return map[string][]string{"Sgx-Enclave-Identity-Issuer-Chain": {signerChain}}, body, err
	case strings.HasPrefix(u, strings.TrimSuffix(pcs.PckCrlURL("platform"), "platform&encoding=der")):
		var serials []*big.Int
		if revoked {
			serials = append(serials, p.pck.SerialNumber)
		}
		body, err := crl(p.ca, p.caKey, now, serials)
		chain := url.QueryEscape(string(pemOf(p.ca)) + string(pemOf(p.root)))
		return map[string][]string{"Sgx-Pck-Crl-Issuer-Chain": {chain}}, body, err
	case u == rootCRLURL:
		body, err := crl(p.root, p.rootKey, now, nil)
		return nil, body, err
	}
	return nil, nil, fmt.Errorf("mock collateral: no such document %s", u)
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func crl(issuer *x509.Certificate, key *ecdsa.PrivateKey, now time.Time, revoked []*big.Int) ([]byte, error) {
	tmpl := &x509.RevocationList{Number: big.NewInt(now.Unix()), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(30 * 24 * time.Hour)}
	for _, s := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: now.Add(-time.Hour)})
	}
	return x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
}

// signedJSON returns {"<field>": doc, "signature": hex(r ‖ s)} with the
// signature over the exact bytes of doc.
func (p *PKI) signedJSON(field string, doc any) ([]byte, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	sig, err := signRaw(p.col.signerKey, raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{field: json.RawMessage(raw), "signature": hex.EncodeToString(sig)})
}

type svn struct {
	Svn byte `json:"svn"`
}

type level struct {
	Tcb struct {
		SGX    []svn  `json:"sgxtcbcomponents,omitempty"`
		PCESvn uint16 `json:"pcesvn,omitempty"`
		TDX    []svn  `json:"tdxtcbcomponents,omitempty"`
		ISVSvn uint32 `json:"isvsvn,omitempty"`
	} `json:"tcb"`
	Date        string   `json:"tcbDate"`
	Status      string   `json:"tcbStatus"`
	AdvisoryIDs []string `json:"advisoryIDs,omitempty"`
}

func (p *PKI) tcbInfo(now time.Time, status string) any {
	var top level
	for i := 0; i < 16; i++ {
		top.Tcb.SGX = append(top.Tcb.SGX, svn{2})
	}
	top.Tcb.PCESvn = 13
	tee := defaultTeeTcbSvn
	for _, v := range tee {
		top.Tcb.TDX = append(top.Tcb.TDX, svn{v})
	}
	top.Date, top.Status = "2024-01-01T00:00:00Z", status
	if status != string(pcs.TcbComponentStatusUpToDate) {
		top.AdvisoryIDs = []string{"INTEL-SA-00000"}
	}
	module := level{Date: "2024-01-01T00:00:00Z", Status: "UpToDate"}
	module.Tcb.ISVSvn = uint32(tee[0])
	zero48 := strings.Repeat("00", 48)
	return map[string]any{
		"id": "TDX", "version": 3,
		"issueDate": now.Add(-time.Hour).Format(time.RFC3339), "nextUpdate": now.Add(30 * 24 * time.Hour).Format(time.RFC3339),
		"fmspc": hex.EncodeToString(FMSPC), "pceId": hex.EncodeToString(PCEID), "tcbType": 0, "tcbEvaluationDataNumber": 17,
		"tdxModule": map[string]string{"mrsigner": zero48, "attributes": "0000000000000000", "attributesMask": "FFFFFFFFFFFFFFFF"},
		"tdxModuleIdentities": []any{map[string]any{
			"id": fmt.Sprintf("TDX_%02X", tee[1]), "mrsigner": zero48, "attributes": "0000000000000000",
			"attributesMask": "FFFFFFFFFFFFFFFF", "tcbLevels": []level{module},
		}},
		"tcbLevels": []level{top},
	}
}

func (p *PKI) qeIdentity(now time.Time) any {
	l := level{Date: "2024-01-01T00:00:00Z", Status: "UpToDate"}
	l.Tcb.ISVSvn = qeISVSvn
	return map[string]any{
		"id": "TD_QE", "version": 2,
		"issueDate": now.Add(-time.Hour).Format(time.RFC3339), "nextUpdate": now.Add(30 * 24 * time.Hour).Format(time.RFC3339),
		"tcbEvaluationDataNumber": 17, "miscselect": "00000000", "miscselectMask": "FFFFFFFF",
		"attributes": strings.Repeat("00", 16), "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
		"mrsigner": hex.EncodeToString(qeMrSigner), "isvprodid": qeISVProdID, "tcbLevels": []level{l},
	}
}

// newTCBSigner creates the mock "Intel SGX TCB Signing" certificate.
func (p *PKI) newTCBSigner(seed []byte) error {
	key, err := deriveKey(seed, "tcb-signing")
	if err != nil {
		return err
	}
	cert, err := p.cert(&x509.Certificate{
		SerialNumber: big.NewInt(4), Subject: pkix.Name{CommonName: "Intel SGX TCB Signing", Organization: []string{"Mock Intel Corporation"}, Country: []string{"US"}},
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, SubjectKeyId: skid(key),
	}, p.root, key, p.rootKey)
	if err != nil {
		return err
	}
	p.col.signer, p.col.signerKey = cert, key
	return nil
}

// WriteCollateralDir saves the current mock collateral in the layout of
// collateral.DirSource, so that tools without the PKI's keys (such as
// `dstack verify --collateral DIR`) can use it.
func (p *PKI) WriteCollateralDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	src := p.Source()
	for _, u := range []string{pcs.TcbInfoURL(hex.EncodeToString(FMSPC)), pcs.QeIdentityURL(), pcs.PckCrlURL("platform"), rootCRLURL} {
		header, body, err := src.Get(context.Background(), u)
		if err != nil {
			return err
		}
		name := filepath.Join(dir, collateral.FileName(u))
		if err := os.WriteFile(name, body, 0o644); err != nil {
			return err
		}
		if header != nil {
			hb, _ := json.Marshal(header)
			if err := os.WriteFile(name+".headers", hb, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
