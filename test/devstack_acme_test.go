package test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dstack-go/dstack/caddymodules/sealed"
)

// acmeState is the part of state.json dev up --acme adds.
type acmeState struct {
	AcmeInfoURL    string `json:"acme_info_url"`
	ACMEDirectory  string `json:"acme_directory"`
	ACMEManagement string `json:"acme_management"`
	ACMEAPICert    string `json:"acme_api_cert"`
	ACMEDNS        string `json:"acme_dns"`
	GatewayAppID   string `json:"gateway_app_id"`
	ChainID        uint64 `json:"chain_id"`
	CTLogURL       string `json:"ct_log_url"`
	// GatewayGuestSocket is the guest agent of the gateway's TD, whose
	// key seals the gateway's storage.
	GatewayGuestSocket string `json:"gateway_guest_socket"`
	// CustomDomain is the app serving its own domain (--custom-domain).
	CustomDomain *struct {
		Name        string `json:"name"`
		URL         string `json:"url"`
		AcmeInfoURL string `json:"acme_info_url"`
		AppID       string `json:"app_id"`
		GuestSocket string `json:"guest_socket"`
		Storage     string `json:"storage"`
	} `json:"custom_domain"`
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
// a new account or order. With --custom-domain, an app serving its own
// domain from its CVM does the same for itself (checkCustomDomain).
func TestDevStackACME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, filepath.Join(t.TempDir(), "stack"), "--acme", "--custom-domain", "app.custom.example")
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

	// One account, one order each for the gateway and the custom-domain
	// app, finalized after the CAA check let them.
	if c := a.counts(t); c.Accounts != 2 || c.Orders != 2 || c.Finalized != 2 || c.Refused != 0 {
		t.Fatalf("Pebble counted %+v, want one account, order and finalization for the gateway and one for the custom-domain app, no refusal", c)
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
	// The gateway app id comes from the chain (gatewayAppId() of the KMS
	// contract), which must agree with the one given.
	gw := a.verifyAcmeInfo(t, s, a.AcmeInfoURL, "gateway.dstack.localhost", leaf, "--gateway-app-id", a.GatewayAppID,
		"--kms-contract", s.st.KmsContract, "--rpc", s.st.ChainRPC, "--chain-id", fmt.Sprint(a.ChainID))
	gatewayAccount := gw.AccountURI
	// One TD attests the gateway and seals its storage, as one CVM does:
	// the keys' evidence is of the TD whose agent gives the sealing key.
	code, body, err = agent(a.GatewayGuestSocket, "Info", map[string]any{})
	var td struct {
		InstanceID string `json:"instance_id"`
	}
	if err != nil || code != http.StatusOK || json.Unmarshal([]byte(body), &td) != nil || td.InstanceID == "" {
		t.Fatalf("Info of the gateway's TD: %d %v %s", code, err, body)
	}
	for _, k := range gw.Keys {
		if k.InstanceID != td.InstanceID {
			t.Fatalf("the gateway's acme-info is attested by instance %s, not by the gateway's TD %s, whose key seals its storage", k.InstanceID, td.InstanceID)
		}
	}
	a.checkCAA(t, "dstack.localhost", gatewayAccount, "issue", "issuewild")

	a.checkCustomDomain(t, s, roots, port, gatewayAccount)

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
	if c := a.counts(t); c.Accounts != 2 || c.Orders != 2 {
		t.Fatalf("after the restart Pebble counted %+v: the gateway registered or ordered again", c)
	}
	if b, _ := os.ReadFile(caddyLog); bytes.Contains(b, []byte("ct monitor: ALERT")) {
		t.Fatalf("the CT monitor alerted after the restart:\n%s", b)
	}
}

// acmeVerdict is what `dstack verify --acme-info` prints.
type acmeVerdict struct {
	Valid      bool   `json:"valid"`
	AccountURI string `json:"account_uri"`
	Keys       []struct {
		PublicKey  string `json:"public_key"`
		Valid      bool   `json:"valid"`
		InstanceID string `json:"instance_id"`
	} `json:"keys"`
}

// runVerifyAcmeInfo runs `dstack verify --acme-info url` reaching host at
// the gateway's port on loopback, trusting Pebble's root, with idFlags
// (--gateway-app-id ID or --app-id ID), and returns its verdict and
// whether it exited 0.
func (a acmeState) runVerifyAcmeInfo(t *testing.T, s *stack, url, host string, idFlags ...string) (acmeVerdict, []byte, error) {
	t.Helper()
	args := append([]string{"verify", "--acme-info", url, "--resolve", host + ":" + portOf(s.st.GatewayHTTPS) + ":127.0.0.1",
		"--cacert", s.st.GatewayCA, "--insecure-trust-roots", s.st.InsecureTrustRoots, "--collateral", s.st.Collateral}, idFlags...)
	out, err := exec.Command(s.bin, args...).Output()
	var v acmeVerdict
	if jerr := json.Unmarshal(out, &v); jerr != nil && err == nil {
		t.Fatalf("verdict %s: %v", out, jerr)
	}
	return v, out, err
}

// verifyAcmeInfo checks with `dstack verify --acme-info` that the record
// at url verifies and lists the key of leaf as valid, and that its account
// is one of Pebble's; it returns the verdict.
func (a acmeState) verifyAcmeInfo(t *testing.T, s *stack, url, host string, leaf *x509.Certificate, idFlags ...string) acmeVerdict {
	t.Helper()
	v, out, err := a.runVerifyAcmeInfo(t, s, url, host, idFlags...)
	if err != nil {
		t.Fatalf("dstack verify --acme-info %s %v: %v\n%s", url, idFlags, err, out)
	}
	inUse := hex.EncodeToString(leaf.RawSubjectPublicKeyInfo)
	listed := false
	for _, k := range v.Keys {
		listed = listed || (k.Valid && k.PublicKey == inUse)
	}
	if !v.Valid || !listed {
		t.Fatalf("dstack verify --acme-info %s does not list the key in use as valid:\n%s", url, out)
	}
	if !strings.HasPrefix(v.AccountURI, strings.TrimSuffix(a.ACMEDirectory, "/dir")+"/my-account/") {
		t.Fatalf("the attested account %q is not one of Pebble's (%s)", v.AccountURI, a.ACMEDirectory)
	}
	return v
}

// checkCAA checks that the CAA records of name at the stack's DNS server
// pin account for Pebble under each of tags.
func (a acmeState) checkCAA(t *testing.T, name, account string, tags ...string) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeCAA)
	in, err := dns.Exchange(q, a.ACMEDNS)
	if err != nil {
		t.Fatal(err)
	}
	pinned := map[string]bool{}
	for _, rr := range in.Answer {
		if c, ok := rr.(*dns.CAA); ok && c.Value == "pebble.letsencrypt.org; accounturi="+account {
			pinned[c.Tag] = true
		}
	}
	for _, tag := range tags {
		if !pinned[tag] {
			t.Fatalf("the CAA records of %s do not pin the attested account %s under %s: %v", name, account, tag, in.Answer)
		}
	}
}

// checkCustomDomain checks the app dev up --custom-domain runs: through
// the gateway's HTTPS port (layer4 passthrough by the domain's
// _dstack-app-address record), trusting Pebble's root only, the app's own
// Caddy answers with its own certificate for the domain (the gateway holds
// none for it: it did not terminate the connection); `dstack verify
// --acme-info … --app-id` accepts the app's own acme-info, whose key is
// the one in use and whose account is the app's own (not the gateway's),
// and refuses it as the gateway's; CAA pins that account at the domain;
// and the app's storage holds the certificate sealed under the key the
// app's guest agent derives from the app's own KMS keys, which the
// gateway's key does not open.
func (a acmeState) checkCustomDomain(t *testing.T, s *stack, roots *x509.CertPool, port, gatewayAccount string) {
	t.Helper()
	cd := a.CustomDomain
	if cd == nil || cd.Name != "app.custom.example" || cd.AppID == "" || cd.AppID == s.st.AppID || cd.AppID == a.GatewayAppID {
		t.Fatalf("state.json's custom_domain: %+v", cd)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: cd.Name},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		},
	}}
	res, err := c.Get(cd.URL)
	if err != nil {
		t.Fatalf("%s through the gateway, trusting Pebble's root: %v", cd.URL, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != cd.Name+": served by Caddy in the app's CVM" {
		t.Fatalf("%s: %d %q", cd.URL, res.StatusCode, body)
	}
	leaf := res.TLS.PeerCertificates[0]
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != cd.Name {
		t.Fatalf("%s serves a certificate for %v", cd.URL, leaf.DNSNames)
	}

	account := a.verifyAcmeInfo(t, s, cd.AcmeInfoURL, cd.Name, leaf, "--app-id", cd.AppID).AccountURI
	if account == gatewayAccount {
		t.Fatalf("the custom-domain app attests the gateway's account %s", account)
	}
	if v, out, err := a.runVerifyAcmeInfo(t, s, cd.AcmeInfoURL, cd.Name, "--gateway-app-id", a.GatewayAppID); err == nil || v.Valid {
		t.Fatalf("dstack verify accepts the app's acme-info as the gateway's:\n%s", out)
	}
	a.checkCAA(t, cd.Name, account, "issue")

	// The certificate on disk opens with the app's own sealing key, from
	// its guest agent, and with nothing else; nothing is in clear.
	appKey, err := sealed.AgentKey(context.Background(), cd.GuestSocket, sealed.DefaultKeyPath, sealed.DefaultPurpose)
	if err != nil {
		t.Fatal(err)
	}
	gwKey, err := sealed.AgentKey(context.Background(), a.GatewayGuestSocket, sealed.DefaultKeyPath, sealed.DefaultPurpose)
	if err != nil {
		t.Fatal(err)
	}
	appSealer, _ := sealed.NewSealer(appKey)
	gwSealer, _ := sealed.NewSealer(gwKey)
	opened := false
	if err := filepath.WalkDir(cd.Storage, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("-----BEGIN")) || bytes.Contains(b, []byte(account)) {
			t.Errorf("%s is stored in clear", p)
		}
		if !strings.HasSuffix(p, cd.Name+".crt") {
			return nil
		}
		name, _ := filepath.Rel(cd.Storage, p)
		clear, err := appSealer.Open(filepath.ToSlash(name), b)
		if err != nil {
			t.Fatalf("the app's own key does not open %s: %v", name, err)
		}
		block, _ := pem.Decode(clear)
		if block == nil || !bytes.Equal(block.Bytes, leaf.Raw) {
			t.Fatalf("%s, opened, is not the certificate the app serves", name)
		}
		if _, err := gwSealer.Open(filepath.ToSlash(name), b); err == nil {
			t.Fatalf("the gateway's key opens the app's %s", name)
		}
		opened = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !opened {
		t.Fatalf("no certificate for %s in the app's storage %s", cd.Name, cd.Storage)
	}
}
