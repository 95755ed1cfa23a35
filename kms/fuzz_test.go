package kms

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// FuzzSignCert feeds SignCert's CSRs (V1: quote and JSON event log; V2:
// versioned attestation), signatures and vm_config straight to the
// service. The seeds are CSRs that the setup shows to be signed with their
// key's signature; the fuzzer gets them with a signature of another key, so
// every run decodes the CSR and its evidence (which happens before the
// signature check) without the cost of a full verification. Nothing may
// panic, and nothing is signed without the CSR key's signature.
func FuzzSignCert(f *testing.F) {
	h := newHarness(f)
	app := bootCVM(f, h.pki, 0x40)
	h.allow(app)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	att, err := app.attester().Attest(context.Background(), ratls.ReportData(spki))
	if err != nil {
		f.Fatal(err)
	}
	attBytes, _ := wire.Encode(att)
	v2 := (&wire.CertSigningRequestV2{Confirm: wire.CSRConfirm, PubKey: spki, Attestation: attBytes,
		Config: wire.CertConfigV2{Subject: "app.example", SubjectAltNames: []string{"app.example"}, UsageServerAuth: true, ExtQuote: true, ExtAppInfo: true}}).Encode()
	logJSON, _ := json.Marshal(att.TDX.EventLog)
	v1 := (&wire.CertSigningRequestV1{Confirm: wire.CSRConfirm, PubKey: spki, Subject: "v1.example", UsageClientAuth: true, Quote: att.TDX.Quote, EventLog: logJSON}).Encode()
	config := app.attester().(*attest.TDXAttester).Config
	for _, c := range []struct {
		version uint32
		csr     []byte
	}{{2, v2}, {1, v1}} {
		d := sha256.Sum256(c.csr)
		sig, _ := ecdsa.SignASN1(rand.Reader, key, d[:])
		if _, err := h.svc.SignCert(context.Background(), &kmsapi.SignCertRequest{APIVersion: c.version, CSR: c.csr, Signature: sig, VMConfig: config}); err != nil {
			f.Fatalf("seed V%d: %v", c.version, err)
		}
		badSig, _ := ecdsa.SignASN1(rand.Reader, other, d[:])
		f.Add(c.version, c.csr, badSig, config)
	}
	f.Add(uint32(3), v2, []byte{}, "")
	f.Fuzz(func(t *testing.T, version uint32, csr, sig []byte, vmConfig string) {
		if _, err := h.svc.SignCert(context.Background(), &kmsapi.SignCertRequest{APIVersion: version, CSR: csr, Signature: sig, VMConfig: vmConfig}); err == nil {
			t.Fatalf("signed a CSR without its key's signature: %x", csr)
		}
	})
}

// refusingAttester cannot attest: the onboarding fuzz target must not
// bootstrap keys or dial the URLs it is fed.
type refusingAttester struct{}

func (refusingAttester) Attest(context.Context, [64]byte) (*wire.Attestation, error) {
	return nil, errors.New("no TEE here")
}

// FuzzOnboardRPC feeds the onboarding service's methods (GetAttestationInfo,
// Bootstrap, Onboard, Finish) arbitrary bodies and operator tokens.
func FuzzOnboardRPC(f *testing.F) {
	svc := &OnboardService{Self: &Self{Attester: refusingAttester{}}, Auth: InsecureAllowAll{}, Token: "s3cret",
		Store: func(*RootKeys, *kmsapi.BootstrapInfo) error { return errors.New("not stored") }}
	h := svc.Handler()
	for _, m := range []string{"GetAttestationInfo", "Bootstrap", "Onboard", "Finish", "Onboard.Onboard"} {
		f.Add(m, "s3cret", `{}`)
	}
	f.Add("Bootstrap", "s3cret", `{"domain":"kms.example"}`)
	f.Add("Onboard", "s3cret", `{"source_url":"https://kms.example:8000","domain":"kms.example"}`)
	f.Add("Onboard", "wrong", `{"source_url":"https://kms.example:8000"}`)
	f.Fuzz(func(t *testing.T, method, token, body string) {
		r, err := http.NewRequest("POST", "http://kms.test/prpc/"+url.PathEscape(method)+"?json", strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == 200 {
			t.Fatalf("%s answered without keys or a TEE: %s", method, w.Body.String())
		}
		if token != "s3cret" && w.Code != http.StatusUnauthorized {
			t.Fatalf("%s with a wrong token: %d", method, w.Code)
		}
	})
}

// FuzzKmsKeyResponse feeds the replica's reader of a source KMS's
// GetKmsKey answer (root CA key and temp CA key in PEM, k256 scalar).
func FuzzKmsKeyResponse(f *testing.F) {
	keys, _ := GenerateRootKeys(time.Now())
	ca, _ := pemKey(keys.CAKey)
	tmp, _ := pemKey(keys.TempCAKey)
	good, _ := json.Marshal(&kmsapi.KmsKeyResponse{TempCAKey: tmp, Keys: []kmsapi.KmsKeys{{CAKey: ca, K256Key: crypto.FromECDSA(keys.K256)}}})
	f.Add(good)
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"temp_ca_key":"-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n","keys":[{"ca_key":"","k256_key":"00"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var res kmsapi.KmsKeyResponse
		if json.Unmarshal(body, &res) != nil {
			return
		}
		k, err := rootKeysFromResponse(&res)
		if err == nil && (k.CACert == nil || k.TempCACert == nil || k.K256 == nil) {
			t.Fatal("keys without certificates")
		}
	})
}

// FuzzAuthorizeAppKey feeds SignAppCACert's (and SignKmsIssued's) key and
// evidence, which every co-signer also judges, to their check: nothing
// may panic, and no key is authorized that the evidence does not bind.
func FuzzAuthorizeAppKey(f *testing.F) {
	h := newHarness(f)
	app := bootCVM(f, h.pki, 0x41)
	h.allow(app)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	att, err := app.attester().Attest(context.Background(), ratls.ReportData(spki))
	if err != nil {
		f.Fatal(err)
	}
	enc, _ := wire.Encode(att)
	if _, err := h.svc.AuthorizeAppKey(context.Background(), "fuzz", spki, enc); err != nil {
		f.Fatalf("seed: %v", err)
	}
	f.Add(spki, enc)
	f.Add([]byte{}, enc[:len(enc)/2])
	f.Fuzz(func(t *testing.T, spki, evidence []byte) {
		if _, err := h.svc.AuthorizeAppKey(context.Background(), "fuzz", spki, evidence); err == nil {
			if a, _, err := wire.Decode(evidence); err != nil || a.ReportData != ratls.ReportData(spki) {
				t.Fatalf("authorized a key its evidence does not bind: %x", spki)
			}
		}
		// SignKmsIssued's check of an app's k256 key (and its co-signers').
		if _, err := h.svc.AuthorizeKmsIssuedKey(context.Background(), "fuzz", spki, evidence); err == nil {
			if a, _, err := wire.Decode(evidence); err != nil || a.ReportData != kmsapi.KmsIssuedReportData(spki) {
				t.Fatalf("authorized a k256 key its evidence does not bind: %x", spki)
			}
		}
	})
}
