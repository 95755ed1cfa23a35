package test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// acmeState is the part of state.json dev up --acme adds.
type acmeState struct {
	AcmeInfoURL    string `json:"acme_info_url"`
	ACMEDirectory  string `json:"acme_directory"`
	ACMEManagement string `json:"acme_management"`
	ACMEAPICert    string `json:"acme_api_cert"`
	ACMEDNS        string `json:"acme_dns"`
	GatewayAppID   string `json:"gateway_app_id"`
	CTLogURL       string `json:"ct_log_url"`
}

// pebbleCounts are the counts of Pebble's management interface.
type pebbleCounts struct {
	Accounts  int `json:"accounts"`
	Orders    int `json:"orders"`
	Finalized int `json:"finalized"`
	Refused   int `json:"refused"`
}

// mgmt GETs path from Pebble's management interface, trusting the
// certificate it is served with.
func (a acmeState) mgmt(t *testing.T, path string) []byte {
	t.Helper()
	pemBytes, err := os.ReadFile(a.ACMEAPICert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate", a.ACMEAPICert)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := c.Get(a.ACMEManagement + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("Pebble's management %s: %d %s", path, res.StatusCode, b)
	}
	return b
}

func (a acmeState) counts(t *testing.T) pebbleCounts {
	t.Helper()
	var c pebbleCounts
	if err := json.Unmarshal(a.mgmt(t, "/counts"), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// roots is a pool of Pebble's root alone, read from its management
// interface (/roots/0).
func (a acmeState) roots(t *testing.T) *x509.CertPool {
	t.Helper()
	block, _ := pem.Decode(a.mgmt(t, "/roots/0"))
	if block == nil {
		t.Fatal("Pebble's /roots/0 is not PEM")
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	return roots
}

// servedLeaf GETs the app through the gateway trusting roots only, and
// returns the leaf certificate the gateway served and the answer.
func (s *stack) servedLeaf(roots *x509.CertPool) (*x509.Certificate, int, string, error) {
	c := s.clientTrusting(roots)
	res, err := c.Get("https://" + s.st.AppHost + ":" + portOf(s.st.GatewayHTTPS) + "/")
	if err != nil {
		return nil, 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.TLS.PeerCertificates[0], res.StatusCode, string(b), nil
}

// TestDevStackACME runs dev up --acme: the app answers through the gateway
// with a certificate that verifies with Pebble's root (fetched from its
// management interface), issued after one order whose finalization the
// CAA records allowed (accounturi pinned to the gateway's account); the
// certificate and its key are sealed on disk; `dstack verify --acme-info`
// accepts the gateway's record and lists the key in use; the certificate
// is in the CT log Pebble submits to, and the gateway's CT monitor reads it
// without an alert; and a restart of
// the gateway serves the same certificate from the sealed storage without
// a new account or order.
func TestDevStackACME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, filepath.Join(t.TempDir(), "stack"), "--acme")
	var a acmeState
	readJSON(t, filepath.Join(s.dir, "state.json"), &a)
	if a.AcmeInfoURL == "" || a.ACMEManagement == "" || a.ACMEDNS == "" || a.CTLogURL == "" {
		t.Fatalf("state.json lacks the ACME side: %+v", a)
	}

	// Pebble's root, from its management interface, is all the client
	// trusts.
	roots := a.roots(t)
	leaf, code, body, err := s.servedLeaf(roots)
	if err != nil {
		t.Fatalf("the app through the gateway, trusting Pebble's root: %v", err)
	}
	if code != http.StatusOK || field(body, "app_id") != s.st.AppID {
		t.Fatalf("the app through the gateway: %d %s", code, body)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "*.dstack.localhost" {
		t.Fatalf("the gateway serves a certificate for %v, want *.dstack.localhost", leaf.DNSNames)
	}

	// One account, one order, finalized after the CAA check let it.
	if c := a.counts(t); c.Accounts != 1 || c.Orders != 1 || c.Finalized != 1 || c.Refused != 0 {
		t.Fatalf("Pebble counted %+v, want one account, order and finalization, no refusal", c)
	}

	// The account and the certificate key exist on disk only sealed.
	var stored int
	filepath.WalkDir(filepath.Join(s.dir, "gateway"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(p, ".key") && !strings.HasSuffix(p, ".crt") && !strings.HasSuffix(p, "account.json")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		stored++
		if bytes.Contains(b, []byte("-----BEGIN")) || bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Errorf("%s is stored in clear", p)
		}
		return nil
	})
	if stored < 3 {
		t.Fatalf("%d certificate, key and account files in the gateway's storage, want at least 3", stored)
	}

	// The gateway's attested record verifies and lists the key in use;
	// the CAA records pin its account.
	port := portOf(s.st.GatewayHTTPS)
	out, err := exec.Command(s.bin, "verify", "--acme-info", a.AcmeInfoURL, "--resolve", "gateway.dstack.localhost:"+port+":127.0.0.1",
		"--cacert", s.st.GatewayCA, "--gateway-app-id", a.GatewayAppID,
		"--insecure-trust-roots", s.st.InsecureTrustRoots, "--collateral", s.st.Collateral).Output()
	if err != nil {
		t.Fatalf("dstack verify --acme-info: %v\n%s", err, out)
	}
	var verdict struct {
		Valid      bool   `json:"valid"`
		AccountURI string `json:"account_uri"`
		Keys       []struct {
			PublicKey string `json:"public_key"`
			Valid     bool   `json:"valid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(out, &verdict); err != nil {
		t.Fatalf("verdict %s: %v", out, err)
	}
	inUse := hex.EncodeToString(leaf.RawSubjectPublicKeyInfo)
	listed := false
	for _, k := range verdict.Keys {
		listed = listed || (k.Valid && k.PublicKey == inUse)
	}
	if !verdict.Valid || !listed {
		t.Fatalf("dstack verify --acme-info does not list the key in use as valid:\n%s", out)
	}
	if !strings.HasPrefix(verdict.AccountURI, strings.TrimSuffix(a.ACMEDirectory, "/dir")+"/my-account/") {
		t.Fatalf("the attested account %q is not one of Pebble's (%s)", verdict.AccountURI, a.ACMEDirectory)
	}
	q := new(dns.Msg)
	q.SetQuestion("dstack.localhost.", dns.TypeCAA)
	in, err := dns.Exchange(q, a.ACMEDNS)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]bool{}
	for _, rr := range in.Answer {
		if c, ok := rr.(*dns.CAA); ok && c.Value == "pebble.letsencrypt.org; accounturi="+verdict.AccountURI {
			tags[c.Tag] = true
		}
	}
	if !tags["issue"] || !tags["issuewild"] {
		t.Fatalf("the CAA records of dstack.localhost do not pin the attested account %s: %v", verdict.AccountURI, in.Answer)
	}

	// The CT log holds the certificate (Pebble submitted it), and the
	// gateway's CT monitor read it and raised nothing: its key is attested.
	res, err := http.Get(a.CTLogURL + "/ct/v1/get-entries?start=0&end=0")
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(entries, []byte(`"leaf_input"`)) {
		t.Fatalf("the CT log holds no entry: %d %s", res.StatusCode, entries)
	}
	caddyLog := filepath.Join(s.dir, "gateway", "caddy.log")
	eventually(t, "the gateway's CT monitor to read the certificate", time.Minute, func() bool {
		b, _ := os.ReadFile(caddyLog)
		return bytes.Contains(b, []byte(`"msg":"ct monitor: checked new entries"`)) && bytes.Contains(b, []byte(`"next_index":1`))
	})
	if b, _ := os.ReadFile(caddyLog); bytes.Contains(b, []byte("ct monitor: ALERT")) || bytes.Contains(b, []byte("ct monitor: poll failed")) {
		t.Fatalf("the CT monitor alerted or failed on the gateway's own certificate:\n%s", b)
	}

	// A restarted gateway reads the account and certificate back from the
	// sealed storage: same certificate, no new account or order.
	if out, err := s.run(nil, "dev", "restart-gateway", "--dir", s.dir); err != nil {
		t.Fatalf("restart-gateway: %v\n%s", err, out)
	}
	eventually(t, "the gateway to restart", time.Minute, func() bool { return strings.Contains(s.log(), "the gateway is back") })
	var again *x509.Certificate
	eventually(t, "the app to answer through the restarted gateway", time.Minute, func() bool {
		var code int
		again, code, _, err = s.servedLeaf(roots)
		return err == nil && code == http.StatusOK
	})
	if !bytes.Equal(again.Raw, leaf.Raw) {
		t.Fatal("the restarted gateway serves another certificate")
	}
	if c := a.counts(t); c.Accounts != 1 || c.Orders != 1 {
		t.Fatalf("after the restart Pebble counted %+v: the gateway registered or ordered again", c)
	}
	if b, _ := os.ReadFile(caddyLog); bytes.Contains(b, []byte("ct monitor: ALERT")) {
		t.Fatalf("the CT monitor alerted after the restart:\n%s", b)
	}
}
