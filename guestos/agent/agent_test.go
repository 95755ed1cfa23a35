package agent

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/internal/prpc/prpctest"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

type fixture struct {
	stack  *guesttest.Stack
	cvm    *boot.CVM
	tee    *mock.TD
	agent  *Agent
	srv    *Server
	client *http.Client
}

func setup(t testing.TB) *fixture {
	t.Helper()
	s := guesttest.New(t, guesttest.ComposeHash())
	cvm, _, tee, err := s.Boot(t, s.HostShared(t, guesttest.Compose, nil))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	a := New(cvm, nil)
	srv, err := a.Serve(Config{Socket: filepath.Join(dir, "dstack.sock"), TappdSocket: filepath.Join(dir, "tappd.sock"), External: "127.0.0.1:0", InsecureTCP: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", srv.Socket())
	}}}
	return &fixture{stack: s, cvm: cvm, tee: tee, agent: a, srv: srv, client: client}
}

// call POSTs body to /method as the SDKs do and returns the status and
// the decoded JSON body.
func (f *fixture) call(t *testing.T, method, body string, out any) int {
	t.Helper()
	res, err := f.client.Post("http://dstack/"+method, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v: %s", method, err, b)
		}
	}
	return res.StatusCode
}

type apiError struct {
	Error string `json:"error"`
}

// bad asserts a 400 whose message contains want.
func (f *fixture) bad(t *testing.T, method, body, want string) {
	t.Helper()
	var e apiError
	if st := f.call(t, method, body, &e); st != http.StatusBadRequest || !strings.Contains(e.Error, want) {
		t.Errorf("%s %s: status %d, error %q, want 400 with %q", method, body, st, e.Error, want)
	}
}

func (f *fixture) appK256(t *testing.T) *ecdsa.PrivateKey {
	k, err := kdf.AppK256Key(crypto.FromECDSA(f.stack.KMS.Service.Keys.K256), f.stack.AppID.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	key, _ := kdf.K256FromScalar(k)
	return key
}

// TestGetQuote: the quote and stripped event log verify with the mock
// roots and replay to the app's identity and key provider.
func TestGetQuote(t *testing.T) {
	f := setup(t)
	var q GetQuoteResponse
	if st := f.call(t, "GetQuote", `{"report_data":"0102"}`, &q); st != 200 {
		t.Fatalf("status %d", st)
	}
	events, err := eventlog.ParseJSON([]byte(q.EventLog))
	if err != nil {
		t.Fatal(err)
	}
	// Runtime events keep their digests, which replay to the quote's RTMR3.
	rtmr3, err := eventlog.ReplayIMR(events, 3)
	if err != nil || rtmr3 != f.tee.RTMR3() {
		t.Fatalf("the event log's digests replay to RTMR3 %x (%v), want %x", rtmr3, err, f.tee.RTMR3())
	}
	var rd [64]byte
	copy(rd[:], q.ReportData)
	v, err := attest.Verify(context.Background(), &wire.Attestation{
		Variant: wire.VariantTDX, TDX: &wire.TDXEvidence{Quote: q.Quote, EventLog: events}, ReportData: rd, Config: q.VMConfig,
	}, f.stack.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	rootCA, _ := x509.MarshalPKIXPublicKey(&f.stack.KMS.Service.Keys.CAKey.PublicKey)
	ch := guesttest.ComposeHash()
	if rd[0] != 1 || rd[1] != 2 || rd[2] != 0 || !bytes.Equal(v.AppID, f.stack.AppID.Bytes()) || !bytes.Equal(v.ComposeHash, ch[:]) ||
		!bytes.Equal(v.InstanceID, f.cvm.InstanceID) || !bytes.Equal(v.KeyProviderInfo, identity.KMSKeyProviderInfo(rootCA).Marshal()) {
		t.Fatalf("verified %+v", v)
	}
	if len(q.Attestation) != 0 || q.VMConfig != f.stack.VMConfig {
		t.Fatalf("attestation %x, vm_config %q", q.Attestation, q.VMConfig)
	}
	// GET with query parameters, and the /prpc/DstackGuest. path.
	for _, u := range []string{"http://dstack/GetQuote?report_data=ff", "http://dstack/prpc/DstackGuest.GetQuote?report_data=ff"} {
		res, err := f.client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		var g GetQuoteResponse
		json.NewDecoder(res.Body).Decode(&g)
		res.Body.Close()
		if res.StatusCode != 200 || g.ReportData[0] != 0xff {
			t.Fatalf("%s: %d", u, res.StatusCode)
		}
	}
	f.bad(t, "GetQuote", `{"report_data":"zz"}`, "invalid byte")
	f.bad(t, "GetQuote", `{"report_data":"`+strings.Repeat("00", 65)+`"}`, "at most 64")
	f.bad(t, "GetQuote", `{"report_data":1}`, "hex string")
	f.bad(t, "Attest", `{"report_data":"`+strings.Repeat("00", 65)+`"}`, "at most 64")
}

func TestAttest(t *testing.T) {
	f := setup(t)
	var a AttestResponse
	if st := f.call(t, "Attest", `{"report_data":"aa"}`, &a); st != 200 {
		t.Fatalf("status %d", st)
	}
	att, _, err := wire.Decode(a.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	v, err := attest.Verify(context.Background(), att, f.stack.Attestation)
	if err != nil || v.ReportData[0] != 0xaa || !bytes.Equal(v.AppID, f.stack.AppID.Bytes()) {
		t.Fatalf("%+v %v", v, err)
	}
}

// TestGetKey: the key is HKDF(app k256, path) as tee/kdf predicts from the
// KMS root, and the chain is [app signature, KMS signature].
func TestGetKey(t *testing.T) {
	f := setup(t)
	app := f.appK256(t)
	for _, alg := range []string{"", "secp256k1", "k256", "ed25519"} {
		var r GetKeyResponse
		if st := f.call(t, "GetKey", `{"path":"my/key","purpose":"signing","algorithm":"`+alg+`"}`, &r); st != 200 {
			t.Fatalf("%q: status %d", alg, st)
		}
		want, _ := kdf.GuestKey(crypto.FromECDSA(app), "my/key")
		if !bytes.Equal(r.Key, want) || len(r.SignatureChain) != 2 {
			t.Fatalf("%q: key %x, want %x", alg, r.Key, want)
		}
		var pub []byte
		if alg == "ed25519" {
			pub = ed25519.NewKeyFromSeed(want).Public().(ed25519.PublicKey)
		} else {
			k, _ := kdf.K256FromScalar(want)
			pub = crypto.CompressPubkey(&k.PublicKey)
		}
		signer, err := kdf.Recover(kdf.GetKeyMessage("signing", pub), r.SignatureChain[0])
		if err != nil || !signer.Equal(&app.PublicKey) {
			t.Fatalf("%q: app signature: %v", alg, err)
		}
		kmsSigner, err := kdf.Recover(kdf.KmsIssuedMessage(f.stack.AppID.Bytes(), &app.PublicKey), r.SignatureChain[1])
		if err != nil || !kmsSigner.Equal(&f.stack.KMS.Service.Keys.K256.PublicKey) {
			t.Fatalf("%q: KMS signature: %v", alg, err)
		}
	}
	// Both algorithms use the same key bytes (upstream issue #605).
	f.bad(t, "GetKey", `{"path":"p","algorithm":"rsa"}`, "unsupported algorithm")
	f.bad(t, "GetKey", `{"path":1}`, "invalid request")
	f.bad(t, "GetKey", `{"path":"p"} {}`, "trailing data")
}

// TestGetTlsKey: the KMS signs a certificate for the returned key; with
// usage_ra_tls it carries the CVM's attestation.
func TestGetTlsKey(t *testing.T) {
	f := setup(t)
	var r GetTlsKeyResponse
	body := `{"subject":"app.example","alt_names":["app.example","127.0.0.1"],"usage_ra_tls":true,"usage_server_auth":true,"with_app_info":true}`
	if st := f.call(t, "GetTlsKey", body, &r); st != 200 || len(r.CertificateChain) != 3 {
		t.Fatalf("status %d, chain %d", st, len(r.CertificateChain))
	}
	kb, _ := pem.Decode([]byte(r.Key))
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil || kb.Type != "PRIVATE KEY" {
		t.Fatal(err)
	}
	var certs []*x509.Certificate
	for _, c := range r.CertificateChain {
		b, _ := pem.Decode([]byte(c))
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, cert)
	}
	leaf := certs[0]
	if !leaf.PublicKey.(*ecdsa.PublicKey).Equal(key.(*ecdsa.PrivateKey).Public()) || leaf.Subject.CommonName != "app.example" {
		t.Fatalf("leaf %v", leaf.Subject)
	}
	roots := x509.NewCertPool()
	roots.AddCert(f.stack.KMS.Service.Keys.CACert)
	inter := x509.NewCertPool()
	inter.AddCert(certs[1])
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Fatal(err)
	}
	ext, err := ratls.ReadExtensions(leaf)
	if err != nil || ext.Attestation == nil || !bytes.Equal(ext.AppID, f.stack.AppID.Bytes()) || ext.AppInfo == nil {
		t.Fatalf("extensions %+v %v", ext, err)
	}
	if _, err := attest.Verify(context.Background(), ext.Attestation, f.stack.Attestation); err != nil {
		t.Fatal(err)
	}
	// Without usage_ra_tls, no attestation.
	if st := f.call(t, "GetTlsKey", `{"subject":"plain","usage_client_auth":true}`, &r); st != 200 {
		t.Fatalf("status %d", st)
	}
	plain := leafOf(t, &r)
	if ext, err := ratls.ReadExtensions(plain); err != nil || ext.Attestation != nil {
		t.Fatalf("attestation without usage_ra_tls: %+v %v", ext, err)
	}
	f.bad(t, "GetTlsKey", `{"subject":"x","not_before":10,"not_after":5}`, "not_before must be before not_after")
	f.bad(t, "GetTlsKey", `{"subject":"x","alt_names":"one"}`, "invalid request")
}

func TestInfo(t *testing.T) {
	f := setup(t)
	var info AppInfo
	if st := f.call(t, "Info", `{}`, &info); st != 200 {
		t.Fatalf("status %d", st)
	}
	var tcb struct {
		RTMR3      string            `json:"rtmr3"`
		AppCompose string            `json:"app_compose"`
		EventLog   []json.RawMessage `json:"event_log"`
	}
	if err := json.Unmarshal([]byte(info.TcbInfo), &tcb); err != nil {
		t.Fatal(err)
	}
	rtmr3 := f.tee.RTMR3()
	if tcb.RTMR3 != hex.EncodeToString(rtmr3[:]) || tcb.AppCompose != guesttest.Compose || len(tcb.EventLog) != len(mock.DevImageBootEvents())+10 {
		t.Fatalf("tcb_info %s", info.TcbInfo)
	}
	if !bytes.Equal(info.AppID, f.stack.AppID.Bytes()) || info.AppName != "guest-test" || !strings.Contains(info.KeyProviderInfo, `"name":"kms"`) ||
		len(info.MrAggregated) != 32 || info.VMConfig != f.stack.VMConfig {
		t.Fatalf("info %+v", info)
	}
	// Info and Version accept GET without a body, as upstream's curl examples do.
	res, err := f.client.Get("http://dstack/Info")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET Info: %v", err)
	}
	res.Body.Close()
}

// TestSignVerify: every algorithm signs and verifies; a flipped byte does
// not verify; malformed input is a 400.
func TestSignVerify(t *testing.T) {
	f := setup(t)
	data := hex.EncodeToString([]byte("hello"))
	digest := sha256.Sum256([]byte("hello"))
	for alg, d := range map[string]string{"ed25519": data, "secp256k1": data, "k256": data, "secp256k1_prehashed": hex.EncodeToString(digest[:])} {
		var s SignResponse
		if st := f.call(t, "Sign", `{"algorithm":"`+alg+`","data":"`+d+`"}`, &s); st != 200 || len(s.SignatureChain) != 3 || !bytes.Equal(s.SignatureChain[0], s.Signature) {
			t.Fatalf("%s: status %d", alg, st)
		}
		verify := func(sig []byte) bool {
			var v VerifyResponse
			body, _ := json.Marshal(map[string]string{"algorithm": alg, "data": d, "signature": hex.EncodeToString(sig), "public_key": hex.EncodeToString(s.PublicKey)})
			if st := f.call(t, "Verify", string(body), &v); st != 200 {
				t.Fatalf("%s verify: status %d", alg, st)
			}
			return v.Valid
		}
		if !verify(s.Signature) {
			t.Fatalf("%s: own signature does not verify", alg)
		}
		bad := bytes.Clone(s.Signature)
		bad[10] ^= 1
		if verify(bad) {
			t.Fatalf("%s: flipped signature verifies", alg)
		}
		// The signing key is GetKey("vms", "signing").
		var k GetKeyResponse
		keyAlg := alg
		if alg == "secp256k1_prehashed" {
			keyAlg = "secp256k1"
		}
		f.call(t, "GetKey", `{"path":"vms","purpose":"signing","algorithm":"`+keyAlg+`"}`, &k)
		if !bytes.Equal(s.SignatureChain[1], k.SignatureChain[0]) || !bytes.Equal(s.SignatureChain[2], k.SignatureChain[1]) {
			t.Fatalf("%s: chain does not continue with GetKey's", alg)
		}
	}
	f.bad(t, "Sign", `{"algorithm":"rsa","data":"00"}`, "unsupported algorithm")
	f.bad(t, "Sign", `{"algorithm":"secp256k1_prehashed","data":"00"}`, "32-byte digest")
	f.bad(t, "Sign", `{"algorithm":"ed25519","data":"0g"}`, "invalid byte")
	f.bad(t, "Verify", `{"algorithm":"ed25519","data":"00","signature":"00","public_key":"00"}`, "public key of 1 bytes")
	f.bad(t, "Verify", `{"algorithm":"ed25519","data":"00","signature":"00","public_key":"`+strings.Repeat("00", 32)+`"}`, "signature of 1 bytes")
	f.bad(t, "Verify", `{"algorithm":"secp256k1","data":"00","signature":"00","public_key":"0203"}`, "SEC1")
	f.bad(t, "Verify", `{"algorithm":"dsa","data":"00"}`, "unsupported algorithm")
}

func TestVersionAndTransport(t *testing.T) {
	f := setup(t)
	var v WorkerVersion
	if st := f.call(t, "Version", ``, &v); st != 200 || v.Version != Version {
		t.Fatalf("status %d %+v", st, v)
	}
	var e apiError
	if st := f.call(t, "EmitEvent", `{"event":"x","payload":"00"}`, &e); st != http.StatusNotFound || !strings.Contains(e.Error, "unknown method") {
		t.Fatalf("EmitEvent: %d %q", st, e.Error)
	}
	req, _ := http.NewRequest(http.MethodDelete, "http://dstack/GetQuote", nil)
	res, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&e)
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(e.Error, "use POST or GET") {
		t.Fatalf("DELETE: %d %q", res.StatusCode, e.Error)
	}
	res, err = f.client.Post("http://dstack/GetQuote", "text/plain", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&e)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(e.Error, "must be JSON") {
		t.Fatalf("text/plain: %d %q", res.StatusCode, e.Error)
	}
	fi, err := os.Stat(f.srv.Socket())
	if err != nil || fi.Mode().Perm() != 0o660 || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("socket mode %v %v", fi.Mode(), err)
	}
	// The TCP listener serves the same API.
	res, err = http.Post("http://"+f.srv.TCPAddr()+"/Version", "application/json", strings.NewReader(`{}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("TCP: %v", err)
	}
	res.Body.Close()
}

func TestServeRefusesNonSocket(t *testing.T) {
	f := setup(t)
	p := filepath.Join(t.TempDir(), "file")
	os.WriteFile(p, nil, 0o600)
	if _, err := f.agent.Serve(Config{Socket: p}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("serve over a file: %v", err)
	}
	if _, err := f.agent.Serve(Config{Socket: filepath.Join(t.TempDir(), "s"), SocketGroup: "no-such-group-xyz"}); err == nil {
		t.Fatal("unknown group accepted")
	}
}

// fuzzMethod feeds arbitrary bodies to one method: the answer is 200 or a
// 4xx with a JSON error, never a panic or a 5xx.
func fuzzMethod(f *testing.F, method string, seeds ...string) {
	fx := setup(f)
	h := fx.agent.Handler()
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/"+method, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && (rec.Code < 400 || rec.Code >= 500) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Code != 200 {
			var e apiError
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
				t.Fatalf("error body %s", rec.Body)
			}
		}
	})
}

func FuzzGetTlsKey(f *testing.F) {
	fuzzMethod(f, "GetTlsKey", `{"subject":"x","usage_ra_tls":true}`, `{"not_before":1,"not_after":0}`)
}
func FuzzGetKey(f *testing.F) {
	fuzzMethod(f, "GetKey", `{"path":"a","purpose":"b","algorithm":"ed25519"}`, `{"algorithm":"x"}`)
}
func FuzzGetQuote(f *testing.F) {
	fuzzMethod(f, "GetQuote", `{"report_data":"00"}`, `{"report_data":"zz"}`)
}
func FuzzAttest(f *testing.F) { fuzzMethod(f, "Attest", `{"report_data":"0x01"}`) }
func FuzzInfo(f *testing.F)   { fuzzMethod(f, "Info", `{}`, ``) }
func FuzzSign(f *testing.F) {
	fuzzMethod(f, "Sign", `{"algorithm":"secp256k1","data":"00"}`, `{"algorithm":"secp256k1_prehashed","data":"00"}`)
}
func FuzzVerify(f *testing.F) {
	fuzzMethod(f, "Verify", `{"algorithm":"ed25519","data":"00","signature":"00","public_key":"00"}`, `{"algorithm":"secp256k1","public_key":"02"}`)
}
func FuzzVersion(f *testing.F) { fuzzMethod(f, "Version", `{}`) }

// tappd POSTs to the legacy Tappd socket.
func (f *fixture) tappd(t *testing.T, method, body string, out any) int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", filepath.Join(filepath.Dir(f.srv.Socket()), "tappd.sock"))
	}}}
	res, err := c.Post("http://tappd/prpc/Tappd."+method+"?json", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode
}

// TestTappd: the legacy API the deprecated TappdClient calls.
func TestTappd(t *testing.T) {
	f := setup(t)
	// Upstream's vector: AppData of "test content" with the default sha512.
	var q TdxQuoteResponse
	if st := f.tappd(t, "TdxQuote", `{"report_data":"`+hex.EncodeToString([]byte("test content"))+`"}`, &q); st != 200 {
		t.Fatalf("status %d", st)
	}
	rep, err := tdx.Parse(q.Quote)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(rep.ReportData[:]) != "7ea0b744ed5e9c0c83ff9f575668e1697652cd349f2027cdf26f918d4c53e8cd50b5ea9b449b4c3d50e20ae00ec29688d5a214e8daff8a10041f5d624dae8a01" ||
		q.HashAlgorithm != "sha512" || q.Prefix != "app-data" || q.EventLog == "" {
		t.Fatalf("report_data %x, %+v", rep.ReportData, q)
	}
	if st := f.tappd(t, "TdxQuote", `{"report_data":"00","hash_algorithm":"sha256","prefix":"custom"}`, &q); st != 200 {
		t.Fatalf("status %d", st)
	}
	rep, _ = tdx.Parse(q.Quote)
	want := sha256.Sum256([]byte("custom:\x00"))
	if !bytes.Equal(rep.ReportData[:32], want[:]) || rep.ReportData[32] != 0 || q.Prefix != "app-data" {
		t.Fatalf("sha256 report_data %x", rep.ReportData)
	}
	raw := strings.Repeat("ab", 64)
	if st := f.tappd(t, "RawQuote", `{"report_data":"`+raw+`"}`, &q); st != 200 || q.Prefix != "" || q.HashAlgorithm != "raw" {
		t.Fatalf("raw: %d %+v", st, q)
	}
	rep, _ = tdx.Parse(q.Quote)
	if hex.EncodeToString(rep.ReportData[:]) != raw {
		t.Fatal("raw report_data changed")
	}
	var e apiError
	for body, msg := range map[string]string{
		`{"report_data":"ab","hash_algorithm":"raw"}`:       "exactly 64 bytes",
		`{"report_data":"ab","hash_algorithm":"keccak384"}`: "unsupported hash_algorithm",
		`{"report_data":"ab","hash_algorithm":"md5"}`:       "unsupported hash_algorithm",
		`{"report_data":"a"}`:                               "odd length",
	} {
		if st := f.tappd(t, "TdxQuote", body, &e); st != 400 || !strings.Contains(e.Error, msg) {
			t.Errorf("%s: %d %q", body, st, e.Error)
		}
	}
	// DeriveKey is deterministic per path and KMS-signed.
	var k1, k2 GetTlsKeyResponse
	f.tappd(t, "DeriveKey", `{"path":"p","subject":"s","usage_server_auth":true}`, &k1)
	f.tappd(t, "DeriveKey", `{"path":"p","subject":"s"}`, &k2)
	if k1.Key == "" || k1.Key != k2.Key || len(k1.CertificateChain) != 3 {
		t.Fatalf("DeriveKey %+v", k1)
	}
	d, _ := kdf.DeriveKey(crypto.FromECDSA(f.appK256(t)), 32, []byte("p"))
	b, _ := pem.Decode([]byte(k1.Key))
	key, _ := x509.ParsePKCS8PrivateKey(b.Bytes)
	if got, _ := key.(*ecdsa.PrivateKey).Bytes(); !bytes.Equal(got, d) {
		t.Fatal("DeriveKey is not HKDF(app k256, path)")
	}
	var r1 GetTlsKeyResponse
	f.tappd(t, "DeriveKey", `{"path":"p","random_seed":true}`, &r1)
	if r1.Key == k1.Key {
		t.Fatal("random_seed ignored")
	}
	var kk DeriveK256KeyResponse
	var gk GetKeyResponse
	f.tappd(t, "DeriveK256Key", `{"path":"x","purpose":"y"}`, &kk)
	f.call(t, "GetKey", `{"path":"x","purpose":"y"}`, &gk)
	if !bytes.Equal(kk.K256Key, gk.Key) || len(kk.K256SignatureChain) != 2 {
		t.Fatal("DeriveK256Key differs from GetKey")
	}
}

// fuzzPRPC feeds arbitrary bodies to one method of a pRPC handler (the
// Tappd or Worker API): the answer is 200, 400 or 413, never a panic or a
// 5xx.
func fuzzPRPC(f *testing.F, handler func(*Agent) http.Handler, path string, seeds ...string) {
	fx := setup(f)
	h := handler(fx.agent)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 400 && rec.Code != 413 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

func FuzzTdxQuote(f *testing.F) {
	fuzzPRPC(f, (*Agent).TappdHandler, "/prpc/Tappd.TdxQuote?json",
		`{"report_data":"00","hash_algorithm":"keccak256","prefix":"x"}`, `{"report_data":"00","hash_algorithm":"raw"}`)
}

func FuzzDeriveKey(f *testing.F) {
	fuzzPRPC(f, (*Agent).TappdHandler, "/prpc/Tappd.DeriveKey?json", `{"path":"p","subject":"s","random_seed":true}`)
}

func TestGpuInfo(t *testing.T) {
	f := setup(t)
	f.agent.GPUAttestation = filepath.Join(t.TempDir(), "attestation.out")
	// Without a GPU: 200 and an empty attestation, as upstream.
	var g GpuInfoResponse
	if st := f.call(t, "GpuInfo", `{}`, &g); st != 200 || g.Attestation != "" {
		t.Fatalf("without a GPU: %d %+v", st, g)
	}
	os.WriteFile(f.agent.GPUAttestation, []byte(`{"gpu":1}`), 0o600)
	if st := f.call(t, "GpuInfo", `{}`, &g); st != 200 || g.Attestation != `{"gpu":1}` {
		t.Fatalf("%d %+v", st, g)
	}
}

// TestWorker: the external API attests the signing key and serves no key.
func TestWorker(t *testing.T) {
	f := setup(t)
	post := func(method, body string, out any) int {
		res, err := http.Post("http://"+f.srv.ExternalAddr()+"/prpc/Worker."+method+"?json", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		json.NewDecoder(res.Body).Decode(out)
		return res.StatusCode
	}
	for _, alg := range []string{"ed25519", "secp256k1"} {
		var q GetQuoteResponse
		if st := post("GetAttestationForAppKey", `{"algorithm":"`+alg+`"}`, &q); st != 200 {
			t.Fatalf("%s: %d", alg, st)
		}
		var s SignResponse
		f.call(t, "Sign", `{"algorithm":"`+alg+`","data":"00"}`, &s)
		tag := map[string]string{"ed25519": "dip1::ed25519-pk:", "secp256k1": "dip1::secp256k1c-pk:"}[alg]
		want := make([]byte, 64)
		copy(want, tag+base64.RawURLEncoding.EncodeToString(s.PublicKey))
		rep, _ := tdx.Parse(q.Quote)
		if !bytes.Equal(rep.ReportData[:], want) {
			t.Fatalf("%s: report_data %q", alg, rep.ReportData)
		}
	}
	var e apiError
	if st := post("GetAttestationForAppKey", `{"algorithm":"rsa"}`, &e); st != 400 || !strings.Contains(e.Error, "unsupported algorithm") {
		t.Fatalf("rsa: %d %q", st, e.Error)
	}
	if st := post("GetKey", `{"path":"x"}`, &e); st != 404 {
		t.Fatalf("GetKey on the external API: %d", st)
	}
	var info AppInfo
	if st := post("Info", `{}`, &info); st != 200 || info.TcbInfo == "" {
		t.Fatalf("Info: %d", st)
	}
	hide := false
	f.cvm.Compose.PublicTcbinfo = &hide
	info = AppInfo{}
	if st := post("Info", `{}`, &info); st != 200 || info.TcbInfo != "" || info.VMConfig != "" || len(info.AppID) != 20 {
		t.Fatalf("Info with public_tcbinfo false: %d %+v", st, info)
	}
}

func FuzzGetAttestationForAppKey(f *testing.F) {
	fuzzPRPC(f, (*Agent).WorkerHandler, "/prpc/Worker.GetAttestationForAppKey?json", `{"algorithm":"ed25519"}`)
}

// leafOf parses the leaf certificate of a GetTlsKey answer.
func leafOf(t *testing.T, r *GetTlsKeyResponse) *x509.Certificate {
	t.Helper()
	if len(r.CertificateChain) == 0 {
		t.Fatal("no certificate")
	}
	b, _ := pem.Decode([]byte(r.CertificateChain[0]))
	if b == nil {
		t.Fatal("certificate is not PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGetTlsKeyValidity: without not_after a certificate is valid for
// upstream's ten years (ending with the app CA); not_before and not_after
// are honoured; TLSKeyMaxValidity caps both.
func TestGetTlsKeyValidity(t *testing.T) {
	f := setup(t)
	var r GetTlsKeyResponse
	if st := f.call(t, "GetTlsKey", `{"subject":"default"}`, &r); st != 200 {
		t.Fatalf("status %d", st)
	}
	caEnd := f.stack.KMS.Service.Keys.CACert.NotAfter
	if leaf := leafOf(t, &r); leaf.NotAfter.Before(time.Now().Add(9*365*24*time.Hour)) || leaf.NotAfter.After(caEnd) {
		t.Fatalf("default validity ends %v, want about ten years from now and not after the CA's %v", leaf.NotAfter, caEnd)
	}
	nb, na := time.Now().Add(-time.Hour).Truncate(time.Second), time.Now().Add(3*time.Hour).Truncate(time.Second)
	body := fmt.Sprintf(`{"subject":"window","not_before":%d,"not_after":%d}`, nb.Unix(), na.Unix())
	if st := f.call(t, "GetTlsKey", body, &r); st != 200 {
		t.Fatalf("status %d", st)
	}
	if leaf := leafOf(t, &r); !leaf.NotBefore.Equal(nb) || !leaf.NotAfter.Equal(na) {
		t.Fatalf("validity %v – %v, want %v – %v", leaf.NotBefore, leaf.NotAfter, nb, na)
	}
	f.agent.TLSKeyMaxValidity = 24 * time.Hour
	if st := f.call(t, "GetTlsKey", `{"subject":"capped"}`, &r); st != 200 {
		t.Fatalf("status %d", st)
	}
	if end := leafOf(t, &r).NotAfter; end.Before(time.Now().Add(23*time.Hour)) || end.After(time.Now().Add(24*time.Hour)) {
		t.Fatalf("capped validity ends %v, want a day from now", end)
	}
	f.bad(t, "GetTlsKey", fmt.Sprintf(`{"subject":"x","not_after":%d}`, time.Now().Add(48*time.Hour).Unix()), "maximum certificate validity")
	var k GetTlsKeyResponse
	if st := f.tappd(t, "DeriveKey", `{"path":"p","subject":"s"}`, &k); st != 200 {
		t.Fatalf("DeriveKey: %d", st)
	}
	if end := leafOf(t, &k).NotAfter; end.After(time.Now().Add(24 * time.Hour)) {
		t.Fatalf("DeriveKey validity ends %v, past the cap", end)
	}
}

// rawCall sends one request over a unix socket as the JS SDK does (its
// own HTTP/1.1 writer, no Connection header), half-closing the write side
// after it when halfClose, and returns the answer, which must carry
// Content-Length and no Transfer-Encoding.
func rawCall(t *testing.T, socket, path, body string, halfClose bool) (int, []byte) {
	t.Helper()
	conn, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
	if halfClose {
		if err := conn.(*net.UnixConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.ContentLength != int64(len(b)) || len(res.TransferEncoding) != 0 {
		t.Fatalf("%s: %d bytes with Content-Length %d, Transfer-Encoding %v", path, len(b), res.ContentLength, res.TransferEncoding)
	}
	return res.StatusCode, b
}

// TestHalfClose: every method answers a client that half-closes its write
// side after the request as it answers one that does not, with
// Content-Length.
func TestHalfClose(t *testing.T) {
	f := setup(t)
	tappd := filepath.Join(filepath.Dir(f.srv.Socket()), "tappd.sock")
	calls := []struct{ socket, path, body string }{
		{f.srv.Socket(), "/GetTlsKey", `{"subject":"half","usage_ra_tls":true}`},
		{f.srv.Socket(), "/GetKey", `{"path":"p"}`},
		{f.srv.Socket(), "/GetQuote", `{"report_data":"01"}`},
		{f.srv.Socket(), "/Attest", `{"report_data":"01"}`},
		{f.srv.Socket(), "/Info", `{}`},
		{f.srv.Socket(), "/GpuInfo", `{}`},
		{f.srv.Socket(), "/Sign", `{"algorithm":"ed25519","data":"00"}`},
		{f.srv.Socket(), "/Verify", `{"algorithm":"ed25519","data":"00","signature":"00","public_key":"00"}`},
		{f.srv.Socket(), "/Version", `{}`},
		{tappd, "/prpc/Tappd.DeriveKey", `{"path":"p","subject":"s"}`},
		{tappd, "/prpc/Tappd.TdxQuote", `{"report_data":"01"}`},
		{tappd, "/prpc/Tappd.Info", `{}`},
	}
	for _, c := range calls {
		st, b := rawCall(t, c.socket, c.path, c.body, false)
		hst, hb := rawCall(t, c.socket, c.path, c.body, true)
		var keys1, keys2 map[string]any
		json.Unmarshal(b, &keys1)
		json.Unmarshal(hb, &keys2)
		if hst != st || len(keys1) == 0 || len(keys2) != len(keys1) {
			t.Errorf("%s: %d %.200s; after half-close: %d %.200s", c.path, st, b, hst, hb)
		}
	}
}

// TestLargeAnswers: answers of over 64 KB carry Content-Length on every
// listener of the agent.
func TestLargeAnswers(t *testing.T) {
	f := setup(t)
	tappd := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", filepath.Join(filepath.Dir(f.srv.Socket()), "tappd.sock"))
	}}}
	for _, tc := range []struct {
		c    *http.Client
		base string
	}{
		{f.client, "http://dstack/"}, {f.client, "http://dstack/prpc/DstackGuest."},
		{tappd, "http://tappd/prpc/Tappd."}, {tappd, "http://tappd/"},
		{http.DefaultClient, "http://" + f.srv.ExternalAddr() + "/prpc/Worker."},
		{http.DefaultClient, "http://" + f.srv.TCPAddr() + "/"},
	} {
		prpctest.LargeAnswer(t, tc.c, tc.base)
	}
	// The largest real answer, Info, too.
	if st, b := rawCall(t, f.srv.Socket(), "/Info", `{}`, false); st != 200 || len(b) < 2048 {
		t.Fatalf("Info: %d, %d bytes", st, len(b))
	}
}

// TestTappdSocketServesDstackGuest: the deprecated TappdClient sends the
// methods it inherits from DstackClient to /<Method> on the Tappd socket.
func TestTappdSocketServesDstackGuest(t *testing.T) {
	f := setup(t)
	tappd := filepath.Join(filepath.Dir(f.srv.Socket()), "tappd.sock")
	st, b := rawCall(t, tappd, "/GetKey", `{"path":"x","purpose":"y"}`, false)
	var k GetKeyResponse
	if err := json.Unmarshal(b, &k); st != 200 || err != nil || len(k.Key) != 32 || len(k.SignatureChain) != 2 {
		t.Fatalf("GetKey on the Tappd socket: %d %s", st, b)
	}
}
