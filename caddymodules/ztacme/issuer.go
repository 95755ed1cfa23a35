// Package ztacme is the Caddy issuer tls.issuance.dstack_acme: Caddy's own
// ACME issuer (any CA, any challenge, any libdns provider) with the account
// it uses pinned in DNS by CAA records carrying accounturi (RFC 8657), so a
// CA that checks CAA issues for the base domain only to this account, whose
// key lives in the gateway's storage (the dstack_sealed storage seals it).
//
// Before each order the issuer makes sure that the account exists (it
// registers it itself, so it knows its URI) and that the base domain's CAA
// records are exactly
//
//	<base_domain> CAA 0 issue     "<caa_identity>; accounturi=<account uri>"
//	<base_domain> CAA 0 issuewild "<caa_identity>; accounturi=<account uri>"
//
// written through the DNS challenge's own libdns provider. While Caddy runs
// it re-reads them every check_interval and reports a record set that
// differs (an error in the log and the dstack_acme_caa_drift_total metric);
// it puts them back only before its next order, never in the background.
// Rotate makes a new account, pins it, and deactivates the old one.
//
// The account lives under dstack/acme/<issuer key>/account.json in Caddy's
// storage, key included. The package must never order a certificate before
// the CAA records name the account it orders with.
package ztacme

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyevents"
	"github.com/caddyserver/caddy/v2/modules/caddytls"
	"github.com/caddyserver/certmagic"
	"github.com/libdns/libdns"
	"github.com/mholt/acmez/v3/acme"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(new(Issuer))
}

// Issuer is tls.issuance.dstack_acme.
type Issuer struct {
	// ACME is Caddy's ACME issuer configuration (the `acme` issuer's JSON:
	// ca, email, trusted_roots_pem_files, challenges, …). Its DNS challenge
	// provider also writes the CAA records, so challenges.dns is required.
	// The account_key option is not allowed: this issuer owns the account.
	ACME json.RawMessage `json:"acme"`

	// BaseDomain is the name the CAA records are set at (the gateway's base
	// domain, whose wildcard the certificates cover). Required.
	BaseDomain string `json:"base_domain"`

	// Zone is the DNS zone holding BaseDomain. Default: BaseDomain.
	Zone string `json:"zone,omitempty"`

	// CAAIdentity is the CA's domain in CAA records (letsencrypt.org for
	// Let's Encrypt). Default: looked up from the CA's directory URL for
	// Let's Encrypt, ZeroSSL and Google; required for another CA.
	CAAIdentity string `json:"caa_identity,omitempty"`

	// CheckInterval is how often the CAA records are re-read while Caddy
	// runs. Default: 1h; a negative value turns the check off.
	CheckInterval caddy.Duration `json:"check_interval,omitempty"`

	ctx     caddy.Context
	log     *zap.Logger
	dns     libdns.RecordSetter
	roots   *x509.CertPool
	ca      string
	email   string
	cfg     *certmagic.Config
	mu      sync.Mutex // guards inner, account, and each pin and rotation
	inner   *caddytls.ACMEIssuer
	account *Account
	drift   *prometheus.CounterVec
	// accountKeyFn replaces accountKey in tests that run no ACME issuer.
	accountKeyFn func() string
	stop         chan struct{}
	stopOnce     sync.Once
	watchOnce    sync.Once
}

// Account is the stored ACME account.
type Account struct {
	// URI is the account's URL at the CA (its "kid").
	URI string `json:"account_uri"`
	// CA is the directory URL it was registered at.
	CA string `json:"ca"`
	// KeyPEM is its private key.
	KeyPEM string `json:"key_pem"`
	// Created is when it was registered.
	Created time.Time `json:"created"`
	// Previous lists the URIs of the accounts it replaced, oldest first.
	Previous []string `json:"previous,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (*Issuer) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "tls.issuance.dstack_acme", New: func() caddy.Module { return new(Issuer) }}
}

var knownCAA = []struct{ url, identity string }{
	{"api.letsencrypt.org", "letsencrypt.org"},
	{"acme.zerossl.com", "sectigo.com"},
	{"dv.acme-v02.api.pki.goog", "pki.goog"},
}

// acmeConfig is the part of the ACME issuer's JSON this module reads.
type acmeConfig struct {
	CA         string   `json:"ca"`
	Email      string   `json:"email"`
	AccountKey string   `json:"account_key"`
	RootFiles  []string `json:"trusted_roots_pem_files"`
	Challenges *struct {
		DNS *struct {
			Provider json.RawMessage `json:"provider"`
		} `json:"dns"`
	} `json:"challenges"`
}

// Provision checks the configuration and loads the DNS provider.
func (iss *Issuer) Provision(ctx caddy.Context) error {
	iss.ctx, iss.log = ctx, ctx.Logger()
	if iss.BaseDomain == "" {
		return errors.New("dstack_acme: base_domain is required (the name the CAA records pin)")
	}
	iss.BaseDomain = strings.TrimSuffix(strings.ToLower(iss.BaseDomain), ".")
	if iss.Zone == "" {
		iss.Zone = iss.BaseDomain
	}
	var ac acmeConfig
	if len(iss.ACME) > 0 {
		if err := json.Unmarshal(iss.ACME, &ac); err != nil {
			return fmt.Errorf("dstack_acme: reading acme: %w", err)
		}
	}
	if ac.AccountKey != "" {
		return errors.New("dstack_acme: acme.account_key is not allowed: this issuer registers and keeps its own account")
	}
	if ac.Challenges == nil || ac.Challenges.DNS == nil || len(ac.Challenges.DNS.Provider) == 0 {
		return errors.New("dstack_acme: acme.challenges.dns.provider is required: it also writes the CAA records")
	}
	iss.ca, iss.email = ac.CA, ac.Email
	if iss.ca == "" {
		iss.ca = certmagic.LetsEncryptProductionCA
	}
	if iss.CAAIdentity == "" {
		for _, k := range knownCAA {
			if strings.Contains(iss.ca, k.url) {
				iss.CAAIdentity = k.identity
				break
			}
		}
		if iss.CAAIdentity == "" {
			return fmt.Errorf("dstack_acme: caa_identity is required for the CA %s (the domain it checks in CAA records)", iss.ca)
		}
	}
	var prov map[string]json.RawMessage
	var name string
	if err := json.Unmarshal(ac.Challenges.DNS.Provider, &prov); err != nil || json.Unmarshal(prov["name"], &name) != nil || name == "" {
		return errors.New("dstack_acme: acme.challenges.dns.provider has no name")
	}
	delete(prov, "name")
	raw, err := json.Marshal(prov)
	if err != nil {
		return err
	}
	mod, err := ctx.LoadModuleByID("dns.providers."+name, raw)
	if err != nil {
		return fmt.Errorf("dstack_acme: loading the DNS provider for CAA: %w", err)
	}
	setter, ok := mod.(libdns.RecordSetter)
	if !ok {
		return fmt.Errorf("dstack_acme: DNS provider %s cannot set records, so it cannot pin CAA", name)
	}
	iss.dns = setter
	if len(ac.RootFiles) > 0 {
		iss.roots = x509.NewCertPool()
		for _, f := range ac.RootFiles {
			pem, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("dstack_acme: reading trusted root %s: %w", f, err)
			}
			if !iss.roots.AppendCertsFromPEM(pem) {
				return fmt.Errorf("dstack_acme: no certificate in trusted root file %s", f)
			}
		}
	}
	inner, err := iss.newInner("")
	if err != nil {
		return err
	}
	iss.inner = inner
	iss.stop = make(chan struct{})
	iss.drift = driftCounter(ctx.GetMetricsRegistry())
	return nil
}

// newInner provisions Caddy's ACME issuer from the configuration, with the
// given account key.
func (iss *Issuer) newInner(keyPEM string) (*caddytls.ACMEIssuer, error) {
	inner := new(caddytls.ACMEIssuer)
	if len(iss.ACME) > 0 {
		if err := json.Unmarshal(iss.ACME, inner); err != nil {
			return nil, fmt.Errorf("dstack_acme: reading acme: %w", err)
		}
	}
	inner.AccountKey = keyPEM
	if err := inner.Provision(iss.ctx); err != nil {
		return nil, fmt.Errorf("dstack_acme: provisioning the ACME issuer: %w", err)
	}
	if iss.cfg != nil {
		inner.SetConfig(iss.cfg)
	}
	return inner, nil
}

// SetConfig implements caddytls.ConfigSetter.
func (iss *Issuer) SetConfig(cfg *certmagic.Config) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.cfg = cfg
	iss.inner.SetConfig(cfg)
	iss.watchOnce.Do(func() {
		if d := time.Duration(iss.CheckInterval); d >= 0 {
			if d == 0 {
				d = time.Hour
			}
			go iss.watch(d)
		}
	})
}

// Cleanup stops the CAA check.
func (iss *Issuer) Cleanup() error {
	iss.stopOnce.Do(func() {
		if iss.stop != nil {
			close(iss.stop)
		}
	})
	return nil
}

// IssuerKey is the ACME issuer's (certificates are stored where Caddy's
// own ACME issuer keeps them).
func (iss *Issuer) IssuerKey() string { return iss.inner.IssuerKey() }

func (iss *Issuer) accountKey() string {
	if iss.accountKeyFn != nil {
		return iss.accountKeyFn()
	}
	return AccountStorageKey(iss.IssuerKey())
}

// AccountStorageKey is where the issuer keeps its account, for the issuer
// key of its CA.
func AccountStorageKey(issuerKey string) string {
	return "dstack/acme/" + issuerKey + "/account.json"
}

// PreCheck delegates to the ACME issuer.
func (iss *Issuer) PreCheck(ctx context.Context, names []string, interactive bool) error {
	iss.mu.Lock()
	inner := iss.inner
	iss.mu.Unlock()
	return inner.PreCheck(ctx, names, interactive)
}

// Issue makes sure the account exists and CAA names it, then orders.
func (iss *Issuer) Issue(ctx context.Context, csr *x509.CertificateRequest) (*certmagic.IssuedCertificate, error) {
	iss.mu.Lock()
	inner, err := iss.prepare(ctx)
	iss.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return inner.Issue(ctx, csr)
}

// Revoke delegates to the ACME issuer.
func (iss *Issuer) Revoke(ctx context.Context, cert certmagic.CertificateResource, reason int) error {
	iss.mu.Lock()
	inner := iss.inner
	iss.mu.Unlock()
	return inner.Revoke(ctx, cert, reason)
}

// prepare loads or registers the account, pins it in CAA and returns the
// ACME issuer that uses it. iss.mu is held.
func (iss *Issuer) prepare(ctx context.Context) (*caddytls.ACMEIssuer, error) {
	acct, err := iss.loadAccount(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		acct, err = iss.register(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	if err := iss.pin(ctx, acct.URI); err != nil {
		return nil, err
	}
	return iss.use(acct)
}

// use makes the ACME issuer run with acct. iss.mu is held.
func (iss *Issuer) use(acct *Account) (*caddytls.ACMEIssuer, error) {
	if iss.account == nil || iss.account.KeyPEM != acct.KeyPEM {
		inner, err := iss.newInner(acct.KeyPEM)
		if err != nil {
			return nil, err
		}
		iss.inner, iss.account = inner, acct
	}
	return iss.inner, nil
}

func (iss *Issuer) storage() (certmagic.Storage, error) {
	if iss.cfg == nil || iss.cfg.Storage == nil {
		return nil, errors.New("dstack_acme: no storage (the issuer was not given its certmagic config)")
	}
	return iss.cfg.Storage, nil
}

// loadAccount reads the stored account: fs.ErrNotExist when there is none,
// any other error (a value that does not unseal) as it is.
func (iss *Issuer) loadAccount(ctx context.Context) (*Account, error) {
	st, err := iss.storage()
	if err != nil {
		return nil, err
	}
	b, err := st.Load(ctx, iss.accountKey())
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("dstack_acme: loading the ACME account from storage: %w", err)
	}
	var a Account
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("dstack_acme: the stored ACME account at %s is unreadable: %w", iss.accountKey(), err)
	}
	if a.URI == "" || a.KeyPEM == "" {
		return nil, fmt.Errorf("dstack_acme: the stored ACME account at %s has no URI or key", iss.accountKey())
	}
	return &a, nil
}

func (iss *Issuer) client() *acme.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if iss.roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: iss.roots, MinVersion: tls.VersionTLS12}
	}
	return &acme.Client{Directory: iss.ca, HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// register makes and stores a new account; prev, when set, is the account
// it replaces. iss.mu is held.
func (iss *Issuer) register(ctx context.Context, prev *Account) (*Account, error) {
	st, err := iss.storage()
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("dstack_acme: making an account key: %w", err)
	}
	pem, err := certmagic.PEMEncodePrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dstack_acme: encoding the account key: %w", err)
	}
	a := acme.Account{TermsOfServiceAgreed: true, PrivateKey: key}
	if iss.email != "" {
		a.Contact = []string{"mailto:" + iss.email}
	}
	a, err = iss.client().NewAccount(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("dstack_acme: registering an ACME account at %s: %w", iss.ca, err)
	}
	acct := &Account{URI: a.Location, CA: iss.ca, KeyPEM: string(pem), Created: time.Now().UTC()}
	if prev != nil {
		acct.Previous = append(slices.Clone(prev.Previous), prev.URI)
	}
	b, err := json.Marshal(acct)
	if err != nil {
		return nil, err
	}
	if err := st.Store(ctx, iss.accountKey(), b); err != nil {
		return nil, fmt.Errorf("dstack_acme: storing the ACME account: %w", err)
	}
	iss.log.Info("registered an ACME account", zap.String("account_uri", acct.URI), zap.String("ca", iss.ca))
	return acct, nil
}

// CAAValue is the issue/issuewild value that pins uri.
func (iss *Issuer) CAAValue(uri string) string {
	return iss.CAAIdentity + "; accounturi=" + uri
}

func (iss *Issuer) caaName() string { return libdns.RelativeName(iss.BaseDomain+".", iss.Zone+".") }

func (iss *Issuer) wantCAA(uri string) []libdns.Record {
	v := iss.CAAValue(uri)
	return []libdns.Record{
		libdns.CAA{Name: iss.caaName(), TTL: 5 * time.Minute, Tag: "issue", Value: v},
		libdns.CAA{Name: iss.caaName(), TTL: 5 * time.Minute, Tag: "issuewild", Value: v},
	}
}

// pin sets the base domain's CAA records to name uri, unless they already
// do.
func (iss *Issuer) pin(ctx context.Context, uri string) error {
	if drift, err := iss.Check(ctx, uri); err == nil && drift == "" {
		return nil
	}
	if _, err := iss.dns.SetRecords(ctx, iss.Zone+".", iss.wantCAA(uri)); err != nil {
		return fmt.Errorf("dstack_acme: pinning the account in CAA at %s: %w", iss.BaseDomain, err)
	}
	iss.log.Info("CAA records pin the ACME account", zap.String("name", iss.BaseDomain), zap.String("value", iss.CAAValue(uri)))
	return nil
}

// Check reads the base domain's CAA records and describes how they differ
// from those pinning uri ("" when they do not). It needs a provider that
// can read records.
func (iss *Issuer) Check(ctx context.Context, uri string) (string, error) {
	getter, ok := iss.dns.(libdns.RecordGetter)
	if !ok {
		return "", errors.New("dstack_acme: the DNS provider cannot read records")
	}
	recs, err := getter.GetRecords(ctx, iss.Zone+".")
	if err != nil {
		return "", fmt.Errorf("dstack_acme: reading CAA records of %s: %w", iss.BaseDomain, err)
	}
	var have []string
	for _, r := range recs {
		rr := r.RR()
		if rr.Type == "CAA" && strings.EqualFold(libdns.AbsoluteName(rr.Name, iss.Zone), libdns.AbsoluteName(iss.caaName(), iss.Zone)) {
			have = append(have, rr.Data)
		}
	}
	var want []string
	for _, r := range iss.wantCAA(uri) {
		want = append(want, r.RR().Data)
	}
	slices.Sort(have)
	slices.Sort(want)
	if slices.Equal(have, want) {
		return "", nil
	}
	return fmt.Sprintf("CAA at %s is %q, want %q", iss.BaseDomain, have, want), nil
}

// driftCounter is dstack_acme_caa_drift_total in the registry of Caddy's
// metrics (the admin endpoint's /metrics).
func driftCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "dstack", Subsystem: "acme", Name: "caa_drift_total",
		Help: "Periodic checks that found the base domain's CAA records not pinning the ACME account.",
	}, []string{"base_domain"})
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return c
}

// watch re-reads the CAA records every d while the account exists.
func (iss *Issuer) watch(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-iss.stop:
			return
		case <-t.C:
		}
		iss.checkOnce()
	}
}

func (iss *Issuer) checkOnce() {
	ctx, cancel := context.WithTimeout(iss.ctx, time.Minute)
	defer cancel()
	iss.mu.Lock()
	acct, err := iss.loadAccount(ctx)
	iss.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		iss.log.Error("CAA check: cannot read the ACME account", zap.Error(err))
		return
	}
	drift, err := iss.Check(ctx, acct.URI)
	switch {
	case err != nil:
		iss.log.Error("CAA check failed", zap.Error(err))
	case drift != "":
		iss.drift.WithLabelValues(iss.BaseDomain).Inc()
		iss.log.Error("CAA records do not pin the ACME account: a CA may issue for this domain to another account",
			zap.String("account_uri", acct.URI), zap.String("drift", drift))
	}
}

// Rotate registers a new account, pins it in CAA, makes the issuer use it
// and deactivates the old one at the CA. It returns the new account's URI.
func (iss *Issuer) Rotate(ctx context.Context) (string, error) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	old, err := iss.loadAccount(ctx)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	acct, err := iss.register(ctx, old)
	if err != nil {
		return "", err
	}
	if err := iss.pin(ctx, acct.URI); err != nil {
		return "", err
	}
	if _, err := iss.use(acct); err != nil {
		return "", err
	}
	if old != nil {
		key, err := certmagic.PEMDecodePrivateKey([]byte(old.KeyPEM))
		if err != nil {
			return acct.URI, fmt.Errorf("dstack_acme: decoding the old account key: %w", err)
		}
		_, err = iss.client().UpdateAccount(ctx, acme.Account{Location: old.URI, Status: acme.StatusDeactivated, PrivateKey: key})
		if err != nil {
			return acct.URI, fmt.Errorf("dstack_acme: the new account %s is pinned and in use, but deactivating the old one %s failed: %w", acct.URI, old.URI, err)
		}
		iss.log.Info("deactivated the previous ACME account", zap.String("account_uri", old.URI))
	}
	iss.emitRotated(acct.URI, old)
	return acct.URI, nil
}

// AccountRotatedEvent is the Caddy event Rotate emits once the new account
// is pinned and in use, with data base_domain, account_uri and
// previous_account_uri: what attests the account (the gateway's acme-info)
// attests the new one at once rather than at the next certificate.
const AccountRotatedEvent = "dstack_acme_account_rotated"

func (iss *Issuer) emitRotated(uri string, old *Account) {
	prev := ""
	if old != nil {
		prev = old.URI
	}
	a, err := iss.ctx.App("events")
	if err != nil {
		iss.log.Warn("cannot announce the account rotation: the events app is not available", zap.Error(err))
		return
	}
	a.(*caddyevents.App).Emit(iss.ctx, AccountRotatedEvent, map[string]any{
		"base_domain": iss.BaseDomain, "account_uri": uri, "previous_account_uri": prev,
	})
}

// AccountURI is the URI of the account in use, or "" before the first
// order.
func (iss *Issuer) AccountURI(ctx context.Context) (string, error) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	a, err := iss.loadAccount(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return a.URI, nil
}

var (
	_ certmagic.Issuer      = (*Issuer)(nil)
	_ certmagic.PreChecker  = (*Issuer)(nil)
	_ certmagic.Revoker     = (*Issuer)(nil)
	_ caddytls.ConfigSetter = (*Issuer)(nil)
	_ caddy.Provisioner     = (*Issuer)(nil)
	_ caddy.CleanerUpper    = (*Issuer)(nil)
)
