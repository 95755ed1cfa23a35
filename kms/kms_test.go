package kms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// osImage is the os_image_hash the simulated CVMs' evidence binds: the
// development image's.
var osImage = hex.EncodeToString(mock.OSImageHash[:])

// cvm is a simulated CVM that booted an app.
type cvm struct {
	tee               *mock.TEE
	boot              []eventlog.Event
	config            string
	mu                sync.Mutex
	events            []eventlog.RuntimeEvent
	appID, instanceID []byte
	composeHash       []byte
}

func bootCVM(t testing.TB, pki *mock.PKI, appByte byte) *cvm {
	t.Helper()
	c := &cvm{
		tee:         devTEE(pki),
		boot:        mock.DevImageBootEvents(),
		config:      mock.DevVMConfig(),
		appID:       bytes.Repeat([]byte{appByte}, 20),
		instanceID:  bytes.Repeat([]byte{appByte + 1}, 20),
		composeHash: bytes.Repeat([]byte{appByte + 2}, 32),
	}
	for _, e := range []eventlog.RuntimeEvent{
		{Name: "system-preparing"}, {Name: "app-id", Payload: c.appID}, {Name: "compose-hash", Payload: c.composeHash},
		{Name: "instance-id", Payload: c.instanceID}, {Name: "boot-mr-done"},
	} {
		c.tee.Extend(3, e.Digest())
		c.events = append(c.events, e)
	}
	return c
}

// devTEE is a simulated TD that booted the development image.
func devTEE(pki *mock.PKI) *mock.TEE {
	b := mock.DevBoot()
	return pki.NewTEE(b.MRTD, b.RTMR[0], b.RTMR[1], b.RTMR[2])
}

func (c *cvm) attester() attest.Attester {
	return &attest.TDXAttester{
		Quote: func(_ context.Context, rd [64]byte) ([]byte, error) { return c.tee.Quote(rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent {
			c.mu.Lock()
			defer c.mu.Unlock()
			return append([]eventlog.RuntimeEvent(nil), c.events...)
		},
		BootEvents: c.boot,
		Config:     c.config,
	}
}

func (c *cvm) clientCert(t testing.TB) *tls.Certificate {
	t.Helper()
	cert, err := ratls.Issue(context.Background(), c.attester(), ratls.CertOptions{Subject: "RA-TLS TEMP Cert", ClientAuth: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

type harness struct {
	pki    *mock.PKI
	svc    *Service
	srv    *httptest.Server
	policy *StaticPolicy
	kmsCVM *cvm
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	pki, err := mock.NewPKI([]byte("kms test " + t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := GenerateRootKeys(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{pki: pki, kmsCVM: bootCVM(t, pki, 0xee)}
	h.policy = &StaticPolicy{OSImages: []string{"0x" + osImage}, GatewayAppID: "gw", Apps: map[string]AppPolicy{}}
	opts := attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()},
		Collateral:         collateral.NewCache(pki.Source(), collateral.CacheOptions{}),
	}
	h.svc = &Service{Keys: keys, Auth: h.policy, Attestation: opts}
	kmsCert, err := ratls.Issue(context.Background(), h.kmsCVM.attester(), ratls.CertOptions{
		Subject: "kms.test", SubjectAltNames: []string{"127.0.0.1"}, ServerAuth: true, SpecialUsage: ratls.UsageKMSRPC,
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewUnstartedServer(h.svc.Handler())
	h.srv.TLS = h.svc.TLSConfig(kmsCert)
	h.srv.StartTLS()
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) allow(c *cvm) {
	h.policy.Apps[hex.EncodeToString(c.appID)] = AppPolicy{ComposeHashes: []string{hex.EncodeToString(c.composeHash)}, AllowAnyDevice: true}
}

// client returns an RPC client that verifies the KMS's RA-TLS certificate and
// presents cert.
func (h *harness) client(cert *tls.Certificate) *prpc.Client {
	v := &ratls.Verifier{Attestation: h.svc.Attestation}
	cfg := v.ClientConfig(cert)
	return &prpc.Client{BaseURL: h.srv.URL + "/prpc", HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}}
}

func TestGetAppKey(t *testing.T) {
	h := newHarness(t)
	app := bootCVM(t, h.pki, 0x10)
	h.allow(app)
	var keys kmsapi.AppKeyResponse
	if err := h.client(app.clientCert(t)).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{APIVersion: 1}, &keys); err != nil {
		t.Fatal(err)
	}
	disk, _ := kdf.DiskCryptKey(h.svc.Keys.CAKey, app.appID, app.instanceID)
	env, _ := kdf.EnvCryptKey(h.svc.Keys.CAKey, app.appID)
	k256, _ := kdf.AppK256Key(crypto.FromECDSA(h.svc.Keys.K256), app.appID)
	if !bytes.Equal(keys.DiskCryptKey, disk[:]) || !bytes.Equal(keys.EnvCryptKey, env[:]) || !bytes.Equal(keys.K256Key, k256) {
		t.Fatal("released keys differ from the derivation")
	}
	if keys.GatewayAppID != "gw" || keys.TproxyAppID != "gw" || hex.EncodeToString(keys.OSImageHash) != osImage || !strings.Contains(keys.CACert, "BEGIN CERTIFICATE") {
		t.Fatalf("response %+v", keys)
	}
	appKey, _ := kdf.K256FromScalar(keys.K256Key)
	signer, err := kdf.Recover(kdf.KmsIssuedMessage(app.appID, &appKey.PublicKey), keys.K256Signature)
	if err != nil || !signer.Equal(&h.svc.Keys.K256.PublicKey) {
		t.Fatalf("k256 signature does not recover to the root key: %v", err)
	}
	// A second instance of the same app: same env and k256 keys, another disk key.
	other := bootCVM(t, h.pki, 0x10)
	other.instanceID = bytes.Repeat([]byte{0x77}, 20)
	other.events[3] = eventlog.RuntimeEvent{Name: "instance-id", Payload: other.instanceID}
	other.tee = devTEE(h.pki)
	for _, e := range other.events {
		other.tee.Extend(3, e.Digest())
	}
	var keys2 kmsapi.AppKeyResponse
	if err := h.client(other.clientCert(t)).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &keys2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(keys2.EnvCryptKey, keys.EnvCryptKey) || bytes.Equal(keys2.DiskCryptKey, keys.DiskCryptKey) {
		t.Fatal("second instance: env key must match and disk key differ")
	}
	res, err := h.client(nil).HTTP.Get(h.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`dstack_kms_key_releases_total{method="GetAppKey"} 2`, "dstack_kms_attestation_requests_total 2", "dstack_kms_attestation_failures_total 0"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
}

func TestGetAppKeyRefusals(t *testing.T) {
	h := newHarness(t)
	app := bootCVM(t, h.pki, 0x20)
	unregistered := bootCVM(t, h.pki, 0x30)
	h.allow(app)

	plainKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	plainDER, _ := ratls.CreateCertificate(ratls.CertOptions{Subject: "plain", ClientAuth: true}, &plainKey.PublicKey, nil, plainKey)
	plain := &tls.Certificate{Certificate: [][]byte{plainDER}, PrivateKey: plainKey}

	// Evidence for one key presented with another (a replayed attestation).
	good := app.clientCert(t)
	ext, _ := ratls.ReadExtensions(good.Leaf)
	replayKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	replayDER, _ := ratls.CreateCertificate(ratls.CertOptions{Subject: "replay", ClientAuth: true, Attestation: ext.Attestation}, &replayKey.PublicKey, nil, replayKey)
	replayed := &tls.Certificate{Certificate: [][]byte{replayDER}, PrivateKey: replayKey}

	// Evidence from another (untrusted) PKI.
	otherPKI, _ := mock.NewPKI([]byte("someone else's PKI"))
	forged := bootCVM(t, otherPKI, 0x20).clientCert(t)

	cases := []struct {
		name string
		cert *tls.Certificate
		prep func()
		want string
	}{
		{"no client certificate", nil, nil, "client RA-TLS certificate is required"},
		{"certificate without attestation", plain, nil, "attestation verification failed"},
		{"attestation bound to another key", replayed, nil, "attestation verification failed"},
		{"quote from an untrusted PKI", forged, nil, "attestation verification failed"},
		{"unregistered app", unregistered.clientCert(t), nil, "boot denied: app is not registered"},
		{"compose hash not allowed", good, func() {
			h.policy.Apps[hex.EncodeToString(app.appID)] = AppPolicy{ComposeHashes: []string{"00"}, AllowAnyDevice: true}
		}, "boot denied: compose hash is not allowed"},
		{"device not allowed", good, func() {
			h.policy.Apps[hex.EncodeToString(app.appID)] = AppPolicy{ComposeHashes: []string{hex.EncodeToString(app.composeHash)}}
		}, "boot denied: device is not allowed"},
		{"OS image not allowed", good, func() { h.allow(app); h.policy.OSImages = []string{"ff"} }, "boot denied: OS image is not allowed"},
		{"TCB out of date", good, func() {
			h.policy.OSImages = []string{osImage}
			h.pki.SetTCBStatus("OutOfDate")
			h.svc.Attestation.Collateral = collateral.NewCache(h.pki.Source(), collateral.CacheOptions{})
		}, `boot denied: TCB status "OutOfDate" is not allowed`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep()
				// The verifier caches results; rebuild it with the new options.
				h.svc.verifier = &ratls.Verifier{Attestation: h.svc.Attestation}
			}
			err := h.client(tc.cert).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &kmsapi.AppKeyResponse{})
			if !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEnvPubKeyMetaTempCA(t *testing.T) {
	h := newHarness(t)
	c := h.client(nil)
	appID := bytes.Repeat([]byte{5}, 20)
	var pk kmsapi.PublicKeyResponse
	if err := c.Call(context.Background(), "GetAppEnvEncryptPubKey", &kmsapi.AppID{AppID: appID}, &pk); err != nil {
		t.Fatal(err)
	}
	env, _ := kdf.EnvCryptKey(h.svc.Keys.CAKey, appID)
	want, _ := kdf.EnvPublicKey(env)
	if !bytes.Equal(pk.PublicKey, want) {
		t.Fatal("env public key")
	}
	for _, m := range [][]byte{kdf.EnvPubKeyMessage(appID, nil, pk.PublicKey), kdf.EnvPubKeyMessage(appID, &pk.Timestamp, pk.PublicKey)} {
		sig := pk.Signature
		if len(m) > 26+20+32 {
			sig = pk.SignatureV1
		}
		signer, err := kdf.Recover(m, sig)
		if err != nil || !signer.Equal(&h.svc.Keys.K256.PublicKey) {
			t.Fatalf("env key signature: %v", err)
		}
	}
	if err := c.Call(context.Background(), "GetAppEnvEncryptPubKey", &kmsapi.AppID{AppID: []byte{1}}, &pk); err == nil {
		t.Fatal("short app id accepted")
	}
	var meta kmsapi.GetMetaResponse
	if err := c.Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(meta.K256Pubkey, h.svc.Keys.K256PublicKey()) || meta.GatewayAppID == nil || *meta.GatewayAppID != "gw" || meta.IsDev {
		t.Fatalf("meta %+v", meta)
	}
	var tmp kmsapi.GetTempCaCertResponse
	if err := c.Call(context.Background(), "KMS.GetTempCaCert", &kmsapi.Empty{}, &tmp); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tmp.TempCAKey, "PRIVATE KEY") || !strings.Contains(tmp.TempCACert, "CERTIFICATE") {
		t.Fatal("temp CA")
	}
}

// signCertRequest is a version 2 CSR of a fresh key, with app's evidence
// binding it, signed by that key.
func signCertRequest(t *testing.T, app *cvm) (*kmsapi.SignCertRequest, *wire.CertSigningRequestV2) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	att, err := app.attester().Attest(context.Background(), ratls.ReportData(spki))
	if err != nil {
		t.Fatal(err)
	}
	attBytes, _ := wire.Encode(att)
	csr := &wire.CertSigningRequestV2{
		Confirm: wire.CSRConfirm, PubKey: spki,
		Config:      wire.CertConfigV2{Subject: "app.example", SubjectAltNames: []string{"app.example"}, UsageServerAuth: true, ExtQuote: true, ExtAppInfo: true},
		Attestation: attBytes,
	}
	raw := csr.Encode()
	digest := sha256.Sum256(raw)
	sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	return &kmsapi.SignCertRequest{APIVersion: 2, CSR: raw, Signature: sig}, csr
}

func TestSignCert(t *testing.T) {
	h := newHarness(t)
	app := bootCVM(t, h.pki, 0x40)
	h.allow(app)
	req, csr := signCertRequest(t, app)
	raw := req.CSR
	digest := sha256.Sum256(raw)
	var res kmsapi.SignCertResponse
	if err := h.client(nil).Call(context.Background(), "SignCert", req, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.CertificateChain) != 3 {
		t.Fatalf("chain of %d", len(res.CertificateChain))
	}
	var certs []*x509.Certificate
	for _, p := range res.CertificateChain {
		b, _ := pem.Decode([]byte(p))
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(certs[2])
	inter.AddCert(certs[1])
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "app.example"}); err != nil {
		t.Fatal(err)
	}
	ext, err := ratls.ReadExtensions(certs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ext.AppID, app.appID) || ext.SpecialUsage != ratls.UsageAppCustom || ext.Attestation == nil || ext.AppInfo == nil {
		t.Fatalf("leaf extensions %+v", ext)
	}
	if bytes.Equal(ext.AppInfo.DeviceID, make([]byte, 32)) || hex.EncodeToString(ext.AppInfo.DeviceID) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatal("app info carries a dummy device id")
	}
	caExt, _ := ratls.ReadExtensions(certs[1])
	if caExt.SpecialUsage != ratls.UsageAppCA || !certs[1].IsCA {
		t.Fatal("app CA extensions")
	}
	// The app CA key is the derived one.
	caKey, _ := kdf.AppCAKey(h.svc.Keys.CAKey, app.appID)
	if !caKey.PublicKey.Equal(certs[1].PublicKey) {
		t.Fatal("app CA key is not derived from the root")
	}
	// A CSR signed by another key, and one whose evidence binds another key.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	badSig, _ := ecdsa.SignASN1(rand.Reader, other, digest[:])
	if err := h.client(nil).Call(context.Background(), "SignCert", &kmsapi.SignCertRequest{APIVersion: 2, CSR: raw, Signature: badSig}, &res); err == nil || !strings.Contains(err.Error(), "CSR signature") {
		t.Fatalf("bad signature: %v", err)
	}
	ospki, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	csr.PubKey = ospki
	raw2 := csr.Encode()
	d2 := sha256.Sum256(raw2)
	sig2, _ := ecdsa.SignASN1(rand.Reader, other, d2[:])
	if err := h.client(nil).Call(context.Background(), "SignCert", &kmsapi.SignCertRequest{APIVersion: 2, CSR: raw2, Signature: sig2}, &res); err == nil || !strings.Contains(err.Error(), "does not bind") {
		t.Fatalf("unbound attestation: %v", err)
	}
	if err := h.client(nil).Call(context.Background(), "SignCert", &kmsapi.SignCertRequest{APIVersion: 1, CSR: raw}, &res); err == nil {
		t.Fatal("api_version 1 accepted")
	}
}

// TestSignCertRefusals: SignCert asks the authorizer as GetAppKey does, on
// the evidence in the CSR: an app the policy does not know, or whose
// compose hash it no longer allows, gets no certificate.
func TestSignCertRefusals(t *testing.T) {
	h := newHarness(t)
	app := bootCVM(t, h.pki, 0x60)
	unregistered := bootCVM(t, h.pki, 0x70)
	h.allow(app)
	cases := []struct {
		name string
		app  *cvm
		prep func()
		want string
	}{
		{"allowed app", app, nil, ""},
		{"unregistered app", unregistered, nil, "boot denied: app is not registered"},
		{"compose hash removed", app, func() {
			h.policy.Apps[hex.EncodeToString(app.appID)] = AppPolicy{ComposeHashes: []string{"00"}, AllowAnyDevice: true}
		}, "boot denied: compose hash is not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep()
			}
			req, _ := signCertRequest(t, tc.app)
			var res kmsapi.SignCertResponse
			err := h.client(nil).Call(context.Background(), "SignCert", req, &res)
			if tc.want == "" {
				if err != nil || len(res.CertificateChain) != 3 {
					t.Fatalf("allowed app: %v, chain of %d", err, len(res.CertificateChain))
				}
				return
			}
			if !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), tc.want) || len(res.CertificateChain) != 0 {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSignCertV1(t *testing.T) {
	h := newHarness(t)
	app := bootCVM(t, h.pki, 0x50)
	h.allow(app)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	att, err := app.attester().Attest(context.Background(), ratls.ReportData(spki))
	if err != nil {
		t.Fatal(err)
	}
	logJSON, _ := json.Marshal(att.TDX.EventLog)
	csr := &wire.CertSigningRequestV1{Confirm: wire.CSRConfirm, PubKey: spki, Subject: "v1.example", UsageClientAuth: true, Quote: att.TDX.Quote, EventLog: logJSON}
	raw := csr.Encode()
	digest := sha256.Sum256(raw)
	sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	var res kmsapi.SignCertResponse
	if err := h.client(nil).Call(context.Background(), "SignCert", &kmsapi.SignCertRequest{APIVersion: 1, CSR: raw, Signature: sig, VMConfig: app.attester().(*attest.TDXAttester).Config}, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.CertificateChain) != 3 {
		t.Fatalf("chain of %d", len(res.CertificateChain))
	}
}

func TestSealRootKeys(t *testing.T) {
	keys, err := GenerateRootKeys(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sealKey := bytes.Repeat([]byte{9}, 32)
	sealed, err := keys.Seal(sealKey)
	if err != nil {
		t.Fatal(err)
	}
	// The file is the envelope and nothing else: a magic, a 12-byte nonce
	// and the ciphertext, in which no form of any key appears.
	var env struct {
		Magic      string `json:"magic"`
		Nonce      []byte `json:"nonce"`
		Ciphertext []byte `json:"ciphertext"`
	}
	dec := json.NewDecoder(bytes.NewReader(sealed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil || dec.More() {
		t.Fatalf("the sealed file is not just the envelope: %v", err)
	}
	if env.Magic != sealedKeysMagic || len(env.Nonce) != 12 || len(env.Ciphertext) == 0 {
		t.Fatalf("envelope %q, nonce of %d bytes, ciphertext of %d", env.Magic, len(env.Nonce), len(env.Ciphertext))
	}
	assertNoKeyInClear(t, "the sealed file", sealed, keys)
	back, err := UnsealRootKeys(sealed, sealKey)
	if err != nil {
		t.Fatal(err)
	}
	if !back.CAKey.Equal(keys.CAKey) || !back.K256.Equal(keys.K256) || !back.TempCAKey.Equal(keys.TempCAKey) || !back.CACert.Equal(keys.CACert) {
		t.Fatal("unsealed keys differ")
	}
	if _, err := UnsealRootKeys(sealed, bytes.Repeat([]byte{8}, 32)); !errors.Is(err, ErrUnseal) {
		t.Fatalf("wrong sealing key: %v", err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	if _, err := UnsealRootKeys(flipped, sealKey); !errors.Is(err, ErrUnseal) {
		t.Fatalf("damaged file: %v", err)
	}
	if _, err := keys.Seal([]byte("short")); err == nil {
		t.Fatal("short sealing key accepted")
	}
	if keys.CACert.Subject.CommonName != "Dstack KMS CA" || keys.TempCACert.Subject.CommonName != "Dstack Client Temp CA" {
		t.Fatal("CA subjects")
	}
}

// TestNoRootKeyInClearAtRest starts a KMS, which bootstraps and seals its
// root keys, and searches every file of its state directory for every root
// key in every form it could be written in.
func TestNoRootKeyInClearAtRest(t *testing.T) {
	cfg := Config{StateDir: t.TempDir(), InsecureSimulatedTEE: "at rest test", Auth: AuthConfig{InsecureAllowAll: true}}
	srv, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(cfg.StateDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		assertNoKeyInClear(t, path, b, srv.Service.Keys)
		return nil
	})
	if err != nil || n < 2 {
		t.Fatalf("scanned %d files: %v", n, err)
	}
}

// assertNoKeyInClear fails when b holds any private root key — its PKCS#8
// DER or its scalar — raw, in hex (either case) or in base64 (standard or
// URL alphabet, at any alignment within a longer encoded text).
func assertNoKeyInClear(t *testing.T, what string, b []byte, k *RootKeys) {
	t.Helper()
	secrets := map[string][]byte{"k256": crypto.FromECDSA(k.K256)}
	for name, key := range map[string]*ecdsa.PrivateKey{"root CA key": k.CAKey, "temp CA key": k.TempCAKey} {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		secrets[name+" (PKCS#8)"] = der
		scalar, err := key.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		secrets[name] = scalar
	}
	for name, secret := range secrets {
		forms := [][]byte{secret, []byte(hex.EncodeToString(secret)), []byte(strings.ToUpper(hex.EncodeToString(secret)))}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			// Shifted by 0, 1 or 2 bytes; the characters that depend on
			// the neighbouring bytes (the first and last four) are cut.
			for shift := range 3 {
				e := enc.EncodeToString(append(make([]byte, shift), secret...))
				forms = append(forms, []byte(e[4:len(e)-4]))
			}
		}
		for _, layer := range decodedLayers(b, 3) {
			for _, f := range forms {
				if bytes.Contains(layer, f) {
					t.Fatalf("%s holds the %s in clear (%q)", what, name, f)
				}
			}
		}
	}
}

// decodedLayers is b, b without whitespace (PEM breaks its base64 into
// lines) and, when b is JSON, what each of its strings decodes to from
// base64 or hex, recursively to depth: a key encoded twice is still in
// clear.
func decodedLayers(b []byte, depth int) [][]byte {
	out := [][]byte{b, bytes.Join(bytes.Fields(b), nil)}
	var v any
	if depth == 0 || json.Unmarshal(b, &v) != nil {
		return out
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			for _, dec := range []func(string) ([]byte, error){base64.StdEncoding.DecodeString, base64.URLEncoding.DecodeString, hex.DecodeString} {
				if d, err := dec(v); err == nil {
					out = append(out, decodedLayers(d, depth-1)...)
				}
			}
		}
	}
	walk(v)
	return out
}

func TestStaticPolicyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "auth.json")
	os.WriteFile(p, []byte(`{"osImages":["0xAB"],"gatewayAppId":"g","kms":{"mrAggregated":["01"],"allowAnyDevice":true},"apps":{"0x0101010101010101010101010101010101010101":{"composeHashes":["02"],"allowAnyDevice":true}}}`), 0o600)
	pol, err := LoadStaticPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	b := kmsapi.BootInfo{TCBStatus: "UpToDate", OSImageHash: []byte{0xab}, AppID: bytes.Repeat([]byte{1}, 20), ComposeHash: []byte{2}, MrAggregated: []byte{1}}
	if d, _ := pol.AuthorizeApp(context.Background(), b); !d.Allowed {
		t.Fatalf("app: %+v", d)
	}
	if d, _ := pol.AuthorizeKMS(context.Background(), b); !d.Allowed {
		t.Fatalf("kms: %+v", d)
	}
	b.AdvisoryIDs = []string{"INTEL-SA-1"}
	if d, _ := pol.AuthorizeApp(context.Background(), b); d.Allowed {
		t.Fatal("unlisted advisory allowed")
	}
	// The apps it lists are the registered ones (a threshold node signs
	// env keys of those only).
	if yes, err := pol.AppRegistered(context.Background(), b.AppID); !yes || err != nil {
		t.Fatalf("a listed app is not registered: %v", err)
	}
	if yes, _ := pol.AppRegistered(context.Background(), bytes.Repeat([]byte{2}, 20)); yes {
		t.Fatal("an app the policy does not list is registered")
	}
	os.WriteFile(p, []byte(`{"osImage":[]}`), 0o600)
	if _, err := LoadStaticPolicy(p); err == nil {
		t.Fatal("unknown field accepted")
	}
}

func TestWebhook(t *testing.T) {
	var got kmsapi.BootInfo
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bootAuth/app":
			jsonDecode(r, &got)
			w.Write([]byte(`{"isAllowed":true,"gatewayAppId":"gw","reason":""}`))
		case "/bootAuth/kms":
			w.WriteHeader(500)
		case "/":
			w.Write([]byte(`{"status":"ok","kmsContractAddr":"0xabc","gatewayAppId":"gw","chainId":1337}`))
		}
	}))
	defer hook.Close()
	wh := &Webhook{URL: hook.URL}
	b := kmsapi.BootInfo{TeeVariant: "dstack-tdx", AppID: []byte{1, 2}, AdvisoryIDs: []string{}}
	d, err := wh.AuthorizeApp(context.Background(), b)
	if err != nil || !d.Allowed || d.GatewayAppID != "gw" || got.TeeVariant != "dstack-tdx" || !bytes.Equal(got.AppID, []byte{1, 2}) {
		t.Fatalf("%+v %v %+v", d, err, got)
	}
	if _, err := wh.AuthorizeKMS(context.Background(), b); !errors.Is(err, ErrWebhook) {
		t.Fatalf("HTTP 500 must fail closed: %v", err)
	}
	info, err := wh.Info(context.Background())
	if err != nil || info.ChainID != 1337 || info.KmsContractAddress != "0xabc" {
		t.Fatalf("%+v %v", info, err)
	}
}

func FuzzRPC(f *testing.F) {
	keys, _ := GenerateRootKeys(time.Now())
	svc := &Service{Keys: keys, Auth: InsecureAllowAll{}}
	h := svc.Handler()
	for _, m := range []string{"GetAppKey", "GetAppEnvEncryptPubKey", "GetMeta", "GetTempCaCert", "SignCert", "GetKmsKey", "KMS.GetAppKey"} {
		f.Add(m, `{}`)
	}
	f.Add("SignCert", `{"api_version":2,"csr":"00","signature":"00"}`)
	f.Add("SignCert", `{"api_version":1,"csr":"00","signature":"00","vm_config":"{}"}`)
	f.Add("GetAppKey", `{"api_version":1,"vm_config":"{\"os_image_hash\":\"00\"}"}`)
	f.Add("GetAppEnvEncryptPubKey", `{"app_id":"0102030405060708090a0b0c0d0e0f1011121314"}`)
	f.Add("GetKmsKey", `{"vm_config":"{}"}`)
	f.Fuzz(func(t *testing.T, method, body string) {
		r, err := http.NewRequest("POST", "https://kms.test/prpc/"+url.PathEscape(method)+"?json", strings.NewReader(body))
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		m := strings.TrimPrefix(method, "KMS.")
		if w.Code == 200 && (m == "GetAppKey" || m == "SignCert" || m == "GetKmsKey") {
			t.Fatalf("%s succeeded without attestation: %s", method, w.Body.String())
		}
	})
}

func jsonDecode(r *http.Request, v any) { _ = json.NewDecoder(r.Body).Decode(v) }

func TestSNPReleaseGate(t *testing.T) {
	svc := &Service{}
	snp := &attest.Verified{Platform: wire.VariantSEVSNP}
	if err := svc.releaseAllowed(snp); err == nil || !strings.Contains(err.Error(), "SEV-SNP") {
		t.Fatalf("SNP release without opt-in: %v", err)
	}
	if err := svc.releaseAllowed(&attest.Verified{Platform: wire.VariantTDX}); err != nil {
		t.Fatal(err)
	}
	svc.AllowSNPKeyRelease = true
	if err := svc.releaseAllowed(snp); err != nil {
		t.Fatal(err)
	}
}
