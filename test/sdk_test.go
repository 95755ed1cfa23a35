package test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
)

// sdkResult is one SDK call: its answer, or the message it threw.
type sdkResult struct {
	OK    json.RawMessage `json:"ok"`
	Error *string         `json:"error"`
}

// installSDK installs test/sdkjs (the published @phala/dstack-sdk, pinned
// by its package-lock.json) into a temporary directory with npm ci and
// returns that directory.
func installSDK(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the JS SDK test needs %s on the PATH (.ci/run installs it)", tool)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "sdk.mjs"} {
		b, err := os.ReadFile(filepath.Join("sdkjs", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	return dir
}

// TestJSSDK: the published JS SDK, unchanged, calls every method of
// DstackClient and TappdClient against the dev stack's guest agent sockets,
// and every answer checks out: key lengths, GetKey's signature chain
// recovering the KMS key on chain, quotes over the report data with the
// event log replaying to the quote's registers, certificates with the
// asked SANs and validity chaining to the KMS root published on chain,
// signatures that verify, and getComposeHash equal to the hash on chain.
func TestJSSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries, and installs the SDK from npm")
	}
	sdk := installSDK(t)
	s := up(t, filepath.Join(t.TempDir(), "dev"))

	var rd [64]byte
	rand.Read(rd[:])
	nb, na := time.Now().Add(-time.Hour).Truncate(time.Second), time.Now().Add(48*time.Hour).Truncate(time.Second)
	cmd := exec.Command("node", "sdk.mjs")
	cmd.Dir = sdk
	cmd.Env = append(os.Environ(), "DSTACK_SOCKET="+s.st.GuestSocket, "TAPPD_SOCKET="+filepath.Join(filepath.Dir(s.st.GuestSocket), "tappd.sock"),
		"REPORT_DATA="+hex.EncodeToString(rd[:]), fmt.Sprintf("NOT_BEFORE=%d", nb.Unix()), fmt.Sprintf("NOT_AFTER=%d", na.Unix()))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node sdk.mjs: %v\n%s", err, stderr.String())
	}
	var res map[string]map[string]sdkResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("SDK output: %v\n%s", err, out)
	}
	kmsInfo := map[string]string{}
	for _, l := range strings.Split(s.chain("kms-info"), "\n") {
		if k, v, ok := strings.Cut(l, " "); ok {
			kmsInfo[k] = v
		}
	}
	c := &sdkCheck{t: t, s: s, rd: rd, kmsK256: kmsInfo["k256_pubkey"], kmsCA: kmsInfo["ca_pubkey"], nb: nb, na: na}
	for _, client := range []string{"dstack", "tappd"} {
		t.Run(client, func(t *testing.T) {
			c := *c
			c.t, c.r = t, res[client]
			c.common()
			if client == "dstack" {
				c.dstackOnly()
			} else {
				c.tappdOnly()
			}
		})
	}
}

type sdkCheck struct {
	t              *testing.T
	s              *stack
	r              map[string]sdkResult
	rd             [64]byte
	kmsK256, kmsCA string
	nb, na         time.Time
}

// ok decodes the answer of call, which must not have thrown.
func (c *sdkCheck) ok(call string, v any) bool {
	c.t.Helper()
	r, found := c.r[call]
	switch {
	case !found:
		c.t.Errorf("%s: not called", call)
	case r.Error != nil:
		c.t.Errorf("%s threw: %s", call, *r.Error)
	case v != nil:
		if err := json.Unmarshal(r.OK, v); err != nil {
			c.t.Errorf("%s: %v: %s", call, err, r.OK)
			return false
		}
		return true
	default:
		return true
	}
	return false
}

// threw checks that call threw an error containing want.
func (c *sdkCheck) threw(call, want string) {
	c.t.Helper()
	if r := c.r[call]; r.Error == nil || !strings.Contains(*r.Error, want) {
		c.t.Errorf("%s: %s / %v, want an error with %q", call, r.OK, r.Error, want)
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Errorf("hex %q: %v", s, err)
	}
	return b
}

type quoteAnswer struct {
	Quote      string   `json:"quote"`
	EventLog   string   `json:"event_log"`
	ReportData string   `json:"report_data"`
	VMConfig   string   `json:"vm_config"`
	RTMRs      []string `json:"rtmrs"`
}

// quote checks a quote answer over want and that the SDK's replay of its
// event log gives all four of the quote's RTMRs.
func (c *sdkCheck) quote(call string, q *quoteAnswer, want [64]byte) {
	c.t.Helper()
	rep, err := tdx.Parse(unhex(c.t, q.Quote))
	if err != nil {
		c.t.Errorf("%s: quote: %v", call, err)
		return
	}
	if rep.ReportData != want {
		c.t.Errorf("%s: quote report_data %x, want %x", call, rep.ReportData, want)
	}
	if len(q.RTMRs) != 4 {
		c.t.Errorf("%s: replayRtmrs gave %d registers", call, len(q.RTMRs))
		return
	}
	var events []struct {
		IMR int `json:"imr"`
	}
	if err := json.Unmarshal([]byte(q.EventLog), &events); err != nil {
		c.t.Errorf("%s: event_log: %v", call, err)
	}
	if len(events) == 0 {
		c.t.Errorf("%s: empty event log", call)
	}
	// The simulated TD logs boot events for RTMR0–2 as a real TD's CCEL
	// does, so the SDK's replay must give all four registers.
	for i, got := range q.RTMRs {
		if got != hex.EncodeToString(rep.RTMR[i][:]) {
			c.t.Errorf("%s: replayRtmrs()[%d] %s, the quote's RTMR%d %x", call, i, got, i, rep.RTMR[i])
		}
	}
}

type tlsAnswer struct {
	Key              string   `json:"key"`
	CertificateChain []string `json:"certificate_chain"`
	KeyBytes         string   `json:"keyBytes"`
}

// certs checks a key and certificate chain: the key is the leaf's, the
// chain leads to the KMS root CA whose key is on chain.
func (c *sdkCheck) certs(call string, a *tlsAnswer) *x509.Certificate {
	c.t.Helper()
	kb, _ := pem.Decode([]byte(a.Key))
	if kb == nil || kb.Type != "PRIVATE KEY" {
		c.t.Errorf("%s: key is not a PKCS#8 PEM", call)
		return nil
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		c.t.Errorf("%s: %v", call, err)
		return nil
	}
	if len(a.CertificateChain) != 3 {
		c.t.Errorf("%s: chain of %d certificates, want 3", call, len(a.CertificateChain))
		return nil
	}
	var certs []*x509.Certificate
	for _, p := range a.CertificateChain {
		b, _ := pem.Decode([]byte(p))
		if b == nil {
			c.t.Errorf("%s: certificate is not PEM", call)
			return nil
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			c.t.Errorf("%s: %v", call, err)
			return nil
		}
		certs = append(certs, cert)
	}
	leaf, root := certs[0], certs[2]
	if !leaf.PublicKey.(*ecdsa.PublicKey).Equal(key.(*ecdsa.PrivateKey).Public()) {
		c.t.Errorf("%s: the key is not the leaf's", call)
	}
	rootPub, _ := x509.MarshalPKIXPublicKey(root.PublicKey)
	caPub := unhex(c.t, c.kmsCA)
	if ecPub, ok := root.PublicKey.(*ecdsa.PublicKey); !ok || (!bytes.Equal(rootPub, caPub) && !bytes.Equal(compressP256(ecPub), caPub)) {
		c.t.Errorf("%s: root CA key %x is not the KMS's on chain %s", call, rootPub, c.kmsCA)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	inter.AddCert(certs[1])
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		c.t.Errorf("%s: chain: %v", call, err)
	}
	return leaf
}

func compressP256(k *ecdsa.PublicKey) []byte {
	b, _ := k.Bytes()
	x, y := b[1:33], b[33:]
	return append([]byte{2 + y[31]&1}, x...)
}

func (c *sdkCheck) common() {
	t, st := c.t, c.s.st
	var reachable bool
	if c.ok("isReachable", &reachable) && !reachable {
		t.Error("isReachable: false")
	}
	var version struct{ Version string }
	if c.ok("version", &version) && version.Version == "" {
		t.Error("version: empty")
	}
	var info struct {
		AppID       string `json:"app_id"`
		InstanceID  string `json:"instance_id"`
		ComposeHash string `json:"compose_hash"`
		TcbInfo     struct {
			RTMR3      string `json:"rtmr3"`
			AppCompose string `json:"app_compose"`
		} `json:"tcb_info"`
	}
	if c.ok("info", &info) {
		if info.AppID != strings.TrimPrefix(st.AppID, "0x") || info.InstanceID != st.InstanceID || info.ComposeHash != st.ComposeHash || len(info.TcbInfo.RTMR3) != 96 || info.TcbInfo.AppCompose == "" {
			t.Errorf("info: %+v, want app %s instance %s compose hash %s", info, st.AppID, st.InstanceID, st.ComposeHash)
		}
	}
	var composeHash string
	if c.ok("composeHash", &composeHash) && composeHash != st.ComposeHash {
		t.Errorf("getComposeHash(app_compose) %s, the compose hash on chain %s: app-compose is not canonical JSON (sorted keys, no whitespace)", composeHash, st.ComposeHash)
	}

	// GetKey: the key, the app key's signature of it and the KMS's of the
	// app key, which recovers the k256 key published on chain.
	appID := unhex(t, st.AppID)
	for _, alg := range []string{"secp256k1", "ed25519"} {
		call := map[string]string{"secp256k1": "getKey", "ed25519": "getKeyEd25519"}[alg]
		var k struct {
			Key            string   `json:"key"`
			SignatureChain []string `json:"signature_chain"`
		}
		if !c.ok(call, &k) {
			continue
		}
		key := unhex(t, k.Key)
		if len(key) != 32 || len(k.SignatureChain) != 2 {
			t.Errorf("%s: key of %d bytes, %d signatures", call, len(key), len(k.SignatureChain))
			continue
		}
		var pub []byte
		if alg == "ed25519" {
			pub = ed25519.NewKeyFromSeed(key).Public().(ed25519.PublicKey)
		} else {
			priv, err := kdf.K256FromScalar(key)
			if err != nil {
				t.Errorf("%s: %v", call, err)
				continue
			}
			pub = crypto.CompressPubkey(&priv.PublicKey)
		}
		appPub, err := kdf.Recover(kdf.GetKeyMessage("signing", pub), unhex(t, k.SignatureChain[0]))
		if err != nil {
			t.Errorf("%s: app signature: %v", call, err)
			continue
		}
		kmsPub, err := kdf.Recover(kdf.KmsIssuedMessage(appID, appPub), unhex(t, k.SignatureChain[1]))
		if err != nil {
			t.Errorf("%s: KMS signature: %v", call, err)
			continue
		}
		if got := hex.EncodeToString(crypto.CompressPubkey(kmsPub)); got != c.kmsK256 {
			t.Errorf("%s: the signature chain recovers KMS key %s, the chain publishes %s", call, got, c.kmsK256)
		}
	}

	// GetTlsKey: SANs, usages, RA-TLS evidence of the key, validity.
	var tk tlsAnswer
	if c.ok("getTlsKey", &tk) {
		if leaf := c.certs("getTlsKey", &tk); leaf != nil {
			ips := make([]string, len(leaf.IPAddresses))
			for i, ip := range leaf.IPAddresses {
				ips[i] = ip.String()
			}
			if leaf.Subject.CommonName != "sdk.example" || !slices.Equal(leaf.DNSNames, []string{"sdk.example"}) || !slices.Equal(ips, []string{"127.0.0.1"}) ||
				!slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
				t.Errorf("getTlsKey: subject %q, DNS %v, IP %v, usages %v", leaf.Subject.CommonName, leaf.DNSNames, ips, leaf.ExtKeyUsage)
			}
			if leaf.NotAfter.Before(time.Now().Add(9 * 365 * 24 * time.Hour)) {
				t.Errorf("getTlsKey: valid until %v, want upstream's ten years", leaf.NotAfter)
			}
			ext, err := ratls.ReadExtensions(leaf)
			if err != nil || ext.Attestation == nil || ext.AppInfo == nil || !bytes.Equal(ext.AppID, appID) {
				t.Errorf("getTlsKey: RA-TLS extensions %+v %v", ext, err)
			} else if ext.Attestation.ReportData != ratls.ReportData(leaf.RawSubjectPublicKeyInfo) {
				t.Error("getTlsKey: the certificate's attestation does not bind its key")
			}
			if len(unhex(t, tk.KeyBytes)) != 32 {
				t.Errorf("getTlsKey: asUint8Array(32) gave %s", tk.KeyBytes)
			}
		}
	}
	var tw tlsAnswer
	if c.ok("getTlsKeyWindow", &tw) {
		if leaf := c.certs("getTlsKeyWindow", &tw); leaf != nil && (!leaf.NotBefore.Equal(c.nb) || !leaf.NotAfter.Equal(c.na)) {
			t.Errorf("getTlsKey with notBefore/notAfter: valid %v – %v, asked %v – %v", leaf.NotBefore, leaf.NotAfter, c.nb, c.na)
		}
	}

	// GetQuote and Attest over the report data, as dstack verify sees them.
	var q quoteAnswer
	if c.ok("getQuote", &q) {
		c.quote("getQuote", &q, c.rd)
		if q.ReportData != hex.EncodeToString(c.rd[:]) {
			t.Errorf("getQuote: report_data %s", q.ReportData)
		}
		ev, _ := json.Marshal(map[string]string{"quote": q.Quote, "event_log": q.EventLog, "report_data": q.ReportData, "vm_config": q.VMConfig})
		if v := c.s.verify(ev); v["valid"] != true || v["report_data"] != hex.EncodeToString(c.rd[:]) || v["app_id"] != strings.TrimPrefix(st.AppID, "0x") {
			t.Errorf("getQuote: dstack verify: %v", v)
		}
	}
	var a struct{ Attestation string }
	if c.ok("attest", &a) {
		ev, _ := json.Marshal(map[string]string{"attestation": a.Attestation})
		if v := c.s.verify(ev); v["valid"] != true || v["report_data"] != hex.EncodeToString(c.rd[:]) || v["compose_hash"] != st.ComposeHash {
			t.Errorf("attest: dstack verify: %v", v)
		}
	}

	// Sign and Verify, each algorithm; the signature checks here too.
	for alg, pubLen := range map[string]int{"ed25519": 32, "secp256k1": 33, "secp256k1_prehashed": 33} {
		var sig struct {
			Signature      string   `json:"signature"`
			SignatureChain []string `json:"signature_chain"`
			PublicKey      string   `json:"public_key"`
		}
		if !c.ok("sign_"+alg, &sig) {
			continue
		}
		pub, s := unhex(t, sig.PublicKey), unhex(t, sig.Signature)
		if len(pub) != pubLen || len(s) != 64 || len(sig.SignatureChain) != 3 {
			t.Errorf("sign %s: public key %d bytes, signature %d, chain %d", alg, len(pub), len(s), len(sig.SignatureChain))
			continue
		}
		var valid bool
		switch alg {
		case "ed25519":
			valid = ed25519.Verify(pub, []byte("sdk data"), s)
		case "secp256k1":
			h := sha256.Sum256([]byte("sdk data"))
			valid = crypto.VerifySignature(pub, h[:], s)
		default:
			valid = crypto.VerifySignature(pub, bytes.Repeat([]byte{7}, 32), s)
		}
		if !valid {
			t.Errorf("sign %s: the signature does not verify", alg)
		}
		var v, vt struct{ Valid bool }
		if c.ok("verify_"+alg, &v) && !v.Valid {
			t.Errorf("verify %s: not valid", alg)
		}
		if c.ok("verifyTampered_"+alg, &vt) && vt.Valid {
			t.Errorf("verify %s: tampered data valid", alg)
		}
	}
	// EmitEvent was removed upstream and is not served; the SDK does not
	// look at the status and resolves.
	c.ok("emitEvent", nil)
}

func (c *sdkCheck) dstackOnly() {
	c.threw("deriveKey", "deprecated")
	var q quoteAnswer
	if c.ok("tdxQuoteRaw", &q) {
		c.quote("tdxQuoteRaw", &q, c.rd)
	}
	c.threw("tdxQuoteSha512", "only supports raw")
}

func (c *sdkCheck) tappdOnly() {
	t := c.t
	var k tlsAnswer
	if c.ok("deriveKey", &k) {
		if leaf := c.certs("deriveKey", &k); leaf != nil && (leaf.Subject.CommonName != "tappd.example" || !slices.Equal(leaf.DNSNames, []string{"tappd.example"})) {
			t.Errorf("deriveKey: subject %q, DNS %v", leaf.Subject.CommonName, leaf.DNSNames)
		}
	}
	var q quoteAnswer
	if c.ok("tdxQuoteSha512", &q) {
		var want [64]byte
		h := sha512.Sum512(append([]byte("app-data:"), c.rd[:]...))
		copy(want[:], h[:])
		c.quote("tdxQuoteSha512", &q, want)
	}
	if c.ok("tdxQuoteRaw", &q) {
		c.quote("tdxQuoteRaw", &q, c.rd)
	}
}
