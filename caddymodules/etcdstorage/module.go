package etcdstorage

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(Module{})
}

// Defaults of the module.
const (
	DefaultPrefix      = "/dstack/caddy"
	DefaultDialTimeout = 5 * time.Second
	DefaultTimeout     = 10 * time.Second
	DefaultLockTTL     = 30 * time.Second
)

// Module is caddy.storage.etcd. It talks TLS to etcd (ca, with cert and key
// for a client certificate) unless insecure_plaintext is set.
type Module struct {
	// Endpoints are the etcd members' client URLs (https://host:port) or
	// host:port; the client fails over between them. Required.
	Endpoints []string `json:"endpoints,omitempty"`

	// Prefix is the etcd key prefix this storage owns: values under
	// Prefix/data/, locks under Prefix/locks/. Default: "/dstack/caddy".
	Prefix string `json:"prefix,omitempty"`

	// CA is a PEM file of the certificate authorities etcd's server
	// certificate is checked against. Required unless insecure_plaintext.
	CA string `json:"ca,omitempty"`

	// Cert is a PEM file of the client certificate shown to etcd; with Key.
	// Default: empty (no client certificate).
	Cert string `json:"cert,omitempty"`

	// Key is the PEM file of Cert's private key. Default: empty.
	Key string `json:"key,omitempty"`

	// ServerName is the name etcd's server certificate must hold. Default:
	// the endpoint's host.
	ServerName string `json:"server_name,omitempty"`

	// DialTimeout bounds connecting to an endpoint. Default: 5s.
	DialTimeout caddy.Duration `json:"dial_timeout,omitempty"`

	// Timeout bounds each request to etcd; a request that etcd does not
	// answer in time is an error. Default: 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`

	// LockTTL is the lease of a lock: a node that dies holding a lock loses
	// it this long after its last renewal. Whole seconds. Default: 30s.
	LockTTL caddy.Duration `json:"lock_ttl,omitempty"`

	// InsecurePlaintext talks to etcd without TLS: anyone on the path reads
	// and writes the storage. For development and tests only (a warning is
	// logged at start). Default: false.
	InsecurePlaintext bool `json:"insecure_plaintext,omitempty"`

	storage *Storage
}

// CaddyModule returns the Caddy module information.
func (Module) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.storage.etcd",
		New: func() caddy.Module { return new(Module) },
	}
}

// Provision checks the configuration and opens the etcd client (which
// connects in the background: an etcd that is down shows as errors of the
// storage's operations).
func (m *Module) Provision(ctx caddy.Context) error {
	log := ctx.Logger()
	cfg, err := m.clientConfig(log)
	if err != nil {
		return fmt.Errorf("etcd storage: %w", err)
	}
	cfg.Context = ctx
	cfg.Logger = log.Named("client").WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	cli, err := clientv3.New(cfg)
	if err != nil {
		return fmt.Errorf("etcd storage: opening the client for %v: %w", m.Endpoints, err)
	}
	m.storage = &Storage{
		Client:  cli,
		Prefix:  strings.TrimRight(orDefault(m.Prefix, DefaultPrefix), "/"),
		Timeout: durOr(m.Timeout, DefaultTimeout),
		LockTTL: durOr(m.LockTTL, DefaultLockTTL),
		Logger:  log,
	}
	return nil
}

func (m *Module) clientConfig(log *zap.Logger) (clientv3.Config, error) {
	var cfg clientv3.Config
	if len(m.Endpoints) == 0 {
		return cfg, errors.New("no endpoints: give the etcd members' client URLs")
	}
	if m.Prefix != "" && (!strings.HasPrefix(m.Prefix, "/") || strings.TrimRight(m.Prefix, "/") == "") {
		return cfg, fmt.Errorf("prefix %q: want an absolute path other than /, such as %s", m.Prefix, DefaultPrefix)
	}
	for name, d := range map[string]caddy.Duration{"dial_timeout": m.DialTimeout, "timeout": m.Timeout, "lock_ttl": m.LockTTL} {
		if d < 0 {
			return cfg, fmt.Errorf("%s %v is negative", name, time.Duration(d))
		}
	}
	if ttl := time.Duration(m.LockTTL); ttl != 0 && (ttl < time.Second || ttl%time.Second != 0) {
		return cfg, fmt.Errorf("lock_ttl %v: want whole seconds, at least 1s", ttl)
	}
	if (m.Cert == "") != (m.Key == "") {
		return cfg, errors.New("cert and key go together: give both or neither")
	}
	cfg.Endpoints = m.Endpoints
	cfg.DialTimeout = durOr(m.DialTimeout, DefaultDialTimeout)
	tlsSet := m.CA != "" || m.Cert != "" || m.ServerName != ""
	switch {
	case m.InsecurePlaintext && tlsSet:
		return cfg, errors.New("insecure_plaintext is set along with TLS options (ca, cert, key, server_name); keep one")
	case m.InsecurePlaintext:
		for _, e := range m.Endpoints {
			if strings.HasPrefix(e, "https://") {
				return cfg, fmt.Errorf("endpoint %s is https but insecure_plaintext is set", e)
			}
		}
		log.Warn("etcd storage: insecure_plaintext is set: the storage is read and written over plaintext; for development only",
			zap.Strings("endpoints", m.Endpoints))
		return cfg, nil
	case m.CA == "":
		return cfg, errors.New("no ca: give the PEM file of etcd's certificate authority (and cert and key for a client certificate), or insecure_plaintext for development")
	}
	for _, e := range m.Endpoints {
		if strings.HasPrefix(e, "http://") {
			return cfg, fmt.Errorf("endpoint %s is plain http but TLS is configured: use https://", e)
		}
	}
	info := transport.TLSInfo{TrustedCAFile: m.CA, CertFile: m.Cert, KeyFile: m.Key, ServerName: m.ServerName}
	tc, err := info.ClientConfig()
	if err != nil {
		return cfg, fmt.Errorf("loading the TLS files (ca %s, cert %s, key %s): %w", m.CA, m.Cert, m.Key, err)
	}
	// TLSInfo does not fail on a CA file that holds no certificate: refuse
	// it here.
	pem, err := os.ReadFile(m.CA)
	if err != nil {
		return cfg, fmt.Errorf("reading ca: %w", err)
	}
	if tc.RootCAs = x509.NewCertPool(); !tc.RootCAs.AppendCertsFromPEM(pem) {
		return cfg, fmt.Errorf("ca %s holds no PEM certificate", m.CA)
	}
	tc.MinVersion = tls.VersionTLS12
	cfg.TLS = tc
	return cfg, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func durOr(d caddy.Duration, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// CertMagicStorage returns the storage.
func (m *Module) CertMagicStorage() (certmagic.Storage, error) {
	if m.storage == nil {
		return nil, errors.New("etcd storage: not provisioned")
	}
	return m.storage, nil
}

// Cleanup closes the etcd client.
func (m *Module) Cleanup() error {
	if m.storage == nil {
		return nil
	}
	return m.storage.Client.Close()
}

var (
	_ caddy.Provisioner      = (*Module)(nil)
	_ caddy.StorageConverter = (*Module)(nil)
	_ caddy.CleanerUpper     = (*Module)(nil)
)
