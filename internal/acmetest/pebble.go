// Package acmetest runs Pebble, Let's Encrypt's ACME test server, in process
// on loopback, for tests, with a CAA check Pebble lacks
// (https://github.com/letsencrypt/pebble/issues/476): before it lets an
// order finalize it looks up the CAA records of every name in the order, as
// RFC 8659 says a CA must, honouring accounturi (RFC 8657), and refuses the
// order when they do not authorize this CA and the ordering account. It
// counts accounts, orders and refusals. It is for tests and the development
// stack (dstack dev up --acme) only: nothing it issues must ever be trusted
// outside them.
package acmetest

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"

	"github.com/dstack-go/dstack/internal/dnstest"
)

// Identity is the CA's domain in CAA records: Pebble's default.
const Identity = "pebble.letsencrypt.org"

// Pebble is a running Pebble.
type Pebble struct {
	// URL is the ACME directory.
	URL string
	// RootsFile is a PEM file with the certificate the directory is served
	// with (for trusted_roots_pem_files). Start writes it; New leaves it
	// empty (APICertPEM has the certificate).
	RootsFile string
	// APICertPEM is the certificate the directory (and Management) is
	// served with, PEM.
	APICertPEM []byte

	db       *db.MemoryStore
	ca       *ca.CAImpl
	wfe      wfe.WebFrontEndImpl
	srv      *httptest.Server
	dnsAddr  string
	issued   func(der []byte)
	mu       sync.Mutex
	reported map[string]bool // serials given to issued
	accounts atomic.Int64
	orders   atomic.Int64
	finals   atomic.Int64
	refused  atomic.Int64
}

// Options configure New.
type Options struct {
	// DNS is the server (host:port) DNS-01 challenges and CAA records are
	// looked up at. Required.
	DNS string
	// Logger receives Pebble's log. Default: discarded.
	Logger *log.Logger
	// Issued, when set, is called with each certificate Pebble issues
	// (DER), once it holds it and before the client can download it, as a
	// CA submits what it issues to CT logs. Default none.
	Issued func(der []byte)
}

// envMu serialises the Pebble environment switches New sets while it
// builds a Pebble (Pebble reads them only then).
var envMu sync.Mutex

// Start runs Pebble on loopback; DNS-01 and CAA are looked up at dnsAddr.
// It stops when the test ends.
func Start(t testing.TB, dnsAddr string) *Pebble {
	t.Helper()
	var logger *log.Logger
	if testing.Verbose() {
		logger = log.New(os.Stderr, "pebble ", log.Lmicroseconds)
	}
	p, err := New(Options{DNS: dnsAddr, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	p.RootsFile = filepath.Join(t.TempDir(), "pebble-api.pem")
	if err := os.WriteFile(p.RootsFile, p.APICertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// New runs Pebble on loopback with Pebble's switches for tests (no VA
// sleeps, no rejected nonces, no authorization reuse), until Close.
func New(o Options) (*Pebble, error) {
	if o.DNS == "" {
		return nil, errors.New("acmetest: a DNS server to look challenges and CAA up at is required")
	}
	logger := o.Logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	p := &Pebble{dnsAddr: o.DNS, db: db.NewMemoryStore(), issued: o.Issued, reported: map[string]bool{}}
	envMu.Lock()
	restore := setEnv(map[string]string{"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"})
	p.ca = ca.New(logger, p.db, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default", ValidityPeriod: 0}})
	v := va.New(logger, 0, 0, false, o.DNS, p.db)
	p.wfe = wfe.New(logger, p.db, v, p.ca, []string{Identity}, false, false, 0, 0)
	restore()
	envMu.Unlock()
	api := p.wfe.Handler()
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/sign-me-up":
			if !lookupOnly(r) {
				p.accounts.Add(1)
			}
		case r.Method == http.MethodPost && r.URL.Path == "/order-plz":
			p.orders.Add(1)
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/finalize-order/"):
			if err := p.checkCAA(r); err != nil {
				p.refused.Add(1)
				rw.Header().Set("Content-Type", "application/problem+json")
				rw.WriteHeader(http.StatusForbidden)
				json.NewEncoder(rw).Encode(map[string]any{"type": "urn:ietf:params:acme:error:caa", "detail": err.Error(), "status": 403})
				return
			}
			p.finals.Add(1)
		case p.issued != nil && r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/certZ/"):
			serial, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/certZ/"), "/")
			p.report(serial)
		}
		api.ServeHTTP(rw, r)
	}))
	p.srv.StartTLS()
	p.URL = p.srv.URL + wfe.DirectoryPath
	p.APICertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	return p, nil
}

// setEnv sets the variables and returns what puts them back.
func setEnv(vars map[string]string) (restore func()) {
	var undo []func()
	for k, v := range vars {
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		undo = append(undo, func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		})
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

// Close stops Pebble.
func (p *Pebble) Close() { p.srv.Close() }

// report calls Issued with the certificate of the serial, the first time
// it is asked for.
func (p *Pebble) report(serial string) {
	cert := p.db.GetCertificateByID(serial)
	if cert == nil {
		return
	}
	p.mu.Lock()
	first := !p.reported[serial]
	p.reported[serial] = true
	p.mu.Unlock()
	if first {
		p.issued(cert.Cert.Raw)
	}
}

// Accounts counts new-account requests.
func (p *Pebble) Accounts() int { return int(p.accounts.Load()) }

// Orders counts new-order requests.
func (p *Pebble) Orders() int { return int(p.orders.Load()) }

// Finalized counts finalizations the CAA check let through.
func (p *Pebble) Finalized() int { return int(p.finals.Load()) }

// Refused counts finalizations the CAA check refused.
func (p *Pebble) Refused() int { return int(p.refused.Load()) }

// IssuerConfig is the JSON config of a tls.issuance.dstack_acme issuer
// that gets certificates for base (in the DNS zone zone) from p, solving
// DNS-01 and pinning CAA over RFC 2136 at the DNS server d, which Pebble
// also asks; apiCertFile holds APICertPEM. Its "acme" member alone is the
// config of Caddy's plain acme issuer.
func (p *Pebble) IssuerConfig(d *dnstest.Server, apiCertFile, base, zone, email string) map[string]any {
	provider := map[string]any{"name": "rfc2136", "server": d.Addr, "key_name": d.KeyName, "key": d.Secret}
	return map[string]any{
		"module": "dstack_acme", "base_domain": base, "zone": zone, "caa_identity": Identity,
		"acme": map[string]any{
			"ca": p.URL, "email": email, "trusted_roots_pem_files": []string{apiCertFile},
			"challenges": map[string]any{
				"http":     map[string]any{"disabled": true},
				"tls-alpn": map[string]any{"disabled": true},
				// The records are written to the server Pebble asks: no
				// propagation to wait for.
				"dns": map[string]any{"provider": provider, "resolvers": []string{d.Addr}, "propagation_timeout": -1},
			},
		},
	}
}

// Counts are what the harness counted.
type Counts struct {
	Accounts  int `json:"accounts"`
	Orders    int `json:"orders"`
	Finalized int `json:"finalized"`
	Refused   int `json:"refused"`
}

// Counts returns the counts so far.
func (p *Pebble) Counts() Counts {
	return Counts{Accounts: p.Accounts(), Orders: p.Orders(), Finalized: p.Finalized(), Refused: p.Refused()}
}

// CountsPath is where Management serves Counts as JSON.
const CountsPath = "/counts"

// Management is Pebble's management interface (/roots/0,
// /intermediates/0, /cert-status-by-serial/…, as the pebble command serves
// it on its management port), and Counts as JSON at CountsPath.
func (p *Pebble) Management() http.Handler {
	m := http.NewServeMux()
	m.Handle("/", p.wfe.ManagementHandler())
	m.HandleFunc("GET "+CountsPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p.Counts())
	})
	return m
}

// RootPEM is Pebble's issuing root, PEM: what verifies the certificates
// it issues.
func (p *Pebble) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.GetRootCert(0).Cert.Raw})
}

// Roots is the pool of Pebble's issuing root, to verify issued certificates.
func (p *Pebble) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca.GetRootCert(0).Cert)
	return pool
}

// lookupOnly reports whether a new-account request only looks an account
// up (onlyReturnExisting), leaving the body for Pebble.
func lookupOnly(r *http.Request) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	var jws struct {
		Payload string `json:"payload"`
	}
	if json.Unmarshal(body, &jws) != nil {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(jws.Payload)
	if err != nil {
		return false
	}
	var req struct {
		OnlyReturnExisting bool `json:"onlyReturnExisting"`
	}
	return json.Unmarshal(payload, &req) == nil && req.OnlyReturnExisting
}

// checkCAA authorizes a finalization by the CAA records of the order's
// names.
func (p *Pebble) checkCAA(r *http.Request) error {
	id := strings.TrimPrefix(r.URL.Path, "/finalize-order/")
	order := p.db.GetOrderByID(id)
	if order == nil {
		return nil // Pebble answers for an unknown order itself
	}
	order.RLock()
	var names []string
	for _, id := range order.Identifiers {
		names = append(names, id.Value)
	}
	acctID := order.AccountID
	order.RUnlock()
	accountURI := "https://" + r.Host + "/my-account/" + acctID
	for _, name := range names {
		if err := p.caaAllows(name, accountURI); err != nil {
			return err
		}
	}
	return nil
}

// caaAllows applies RFC 8659 (the relevant record set is the closest one up
// the tree; issuewild governs a wildcard when present) and RFC 8657
// (accounturi must match when given). No record set at all is a refusal
// here, stricter than RFC 8659, so a test cannot pass without CAA.
func (p *Pebble) caaAllows(name, accountURI string) error {
	wild := strings.HasPrefix(name, "*.")
	domain := strings.TrimPrefix(name, "*.")
	var set []*dns.CAA
	for labels := dns.SplitDomainName(domain); len(labels) > 0 && set == nil; labels = labels[1:] {
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(strings.Join(labels, ".")), dns.TypeCAA)
		in, err := dns.Exchange(q, p.dnsAddr)
		if err != nil {
			return fmt.Errorf("CAA lookup for %s failed: %w", name, err)
		}
		for _, rr := range in.Answer {
			if c, ok := rr.(*dns.CAA); ok {
				set = append(set, c)
			}
		}
	}
	if set == nil {
		return fmt.Errorf("no CAA record for %s", name)
	}
	tag := "issue"
	if wild {
		for _, c := range set {
			if c.Tag == "issuewild" {
				tag = "issuewild"
			}
		}
	}
	for _, c := range set {
		if c.Tag != tag {
			continue
		}
		issuer, params, _ := strings.Cut(c.Value, ";")
		if strings.TrimSpace(issuer) != Identity {
			continue
		}
		uri, pinned := "", false
		for _, kv := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if k == "accounturi" {
				uri, pinned = v, true
			}
		}
		if !pinned || uri == accountURI {
			return nil
		}
	}
	return fmt.Errorf("CAA records for %s (%s) do not authorize account %s of %s", name, tag, accountURI, Identity)
}

// AccountStatus is the status Pebble holds for the account at uri ("" when
// it knows none).
func (p *Pebble) AccountStatus(uri string) string {
	i := strings.LastIndex(uri, "/my-account/")
	if i < 0 {
		return ""
	}
	a := p.db.GetAccountByID(uri[i+len("/my-account/"):])
	if a == nil {
		return ""
	}
	return a.Status
}

// CAAAllows reports whether the CAA records let account uri have a
// certificate for name, by the check that gates finalization.
func (p *Pebble) CAAAllows(name, uri string) error { return p.caaAllows(name, uri) }
