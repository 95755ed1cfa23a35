package ratls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/dstack-go/dstack/tee/attest"
)

// Errors of certificate verification.
var (
	ErrNoPeerCertificate = errors.New("peer presented no certificate")
	ErrKeyBinding        = errors.New("attestation does not bind the certificate key")
	ErrCertificateTime   = errors.New("certificate is not valid at this time")
	ErrChain             = errors.New("certificate chain does not verify to the configured roots")
)

// Claims are the verified facts about one RA-TLS certificate.
type Claims struct {
	// Certificate is the leaf.
	Certificate *x509.Certificate
	// Extensions are the certificate's RA-TLS extensions. Their AppID,
	// SpecialUsage and AppInfo are issuer claims: trustworthy only when the
	// chain was verified (Verifier.Roots).
	Extensions *Extensions
	// Evidence is what the embedded attestation proves about the key's
	// holder.
	Evidence *attest.Verified
	// ChainVerified reports that the certificate chained to Verifier.Roots.
	ChainVerified bool
}

// DefaultCacheSize bounds the number of verified certificates a Verifier
// remembers.
const DefaultCacheSize = 4096

// DefaultCacheTTL bounds how long a verification result is reused.
const DefaultCacheTTL = 10 * time.Minute

// Verifier verifies RA-TLS certificates and remembers the results, keyed by
// the certificate's exact bytes, so a certificate seen again costs a map
// lookup instead of a quote verification. A result is reused until the
// certificate expires, the TTL passes, or the cache is full and it is the
// oldest entry. The zero value is not usable: set Attestation at least.
type Verifier struct {
	// Attestation configures evidence verification.
	Attestation attest.Options
	// Roots, when set, is the pool the peer's chain must verify to (for
	// certificates issued by a KMS). Nil accepts self-signed certificates,
	// whose only trust is their attestation.
	Roots *x509.CertPool
	// Policy, when set, judges the claims of every handshake, cached or not.
	Policy func(*Claims) error
	// CacheSize is the maximum number of cached results; 0 means
	// DefaultCacheSize.
	CacheSize int
	// CacheTTL is the maximum reuse time of a result; 0 means
	// DefaultCacheTTL.
	CacheTTL time.Duration
	// Now is the clock that certificates and evidence are judged by, and
	// the TLS configurations ServerConfig and ClientConfig return judge
	// session resumption by; nil means time.Now.
	Now func() time.Time

	mu     sync.RWMutex
	cache  map[string]*entry
	order  []string // insertion order, for eviction
	flight singleflight.Group
}

type entry struct {
	claims  *Claims
	expires time.Time
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// VerifyChain verifies a peer's certificate chain (leaf first, DER): the
// leaf's embedded attestation must verify and bind the leaf's key, and, when
// Roots is set, the chain must verify to Roots.
func (v *Verifier) VerifyChain(ctx context.Context, rawCerts [][]byte) (*Claims, error) {
	if len(rawCerts) == 0 {
		return nil, ErrNoPeerCertificate
	}
	now := v.now()
	leaf := rawCerts[0]
	v.mu.RLock()
	e, ok := v.cache[string(leaf)]
	v.mu.RUnlock()
	if !ok || now.After(e.expires) {
		res, err, _ := v.flight.Do(string(leaf), func() (any, error) {
			return v.verifyUncached(ctx, rawCerts, now)
		})
		if err != nil {
			return nil, err
		}
		e = res.(*entry)
	}
	c := e.claims
	if now.Before(c.Certificate.NotBefore) || now.After(c.Certificate.NotAfter) {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", ErrCertificateTime)
	}
	if v.Policy != nil {
		if err := v.Policy(c); err != nil {
			return nil, fmt.Errorf("verifying RA-TLS certificate: policy: %w", err)
		}
	}
	return c, nil
}

func (v *Verifier) verifyUncached(ctx context.Context, rawCerts [][]byte, now time.Time) (*entry, error) {
	cert, err := x509.ParseCertificate(rawCerts[0])
	if err != nil {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", err)
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", ErrCertificateTime)
	}
	claims := &Claims{Certificate: cert}
	if v.Roots != nil {
		inter := x509.NewCertPool()
		for _, raw := range rawCerts[1:] {
			c, err := x509.ParseCertificate(raw)
			if err != nil {
				return nil, fmt.Errorf("verifying RA-TLS certificate: intermediate: %w", err)
			}
			inter.AddCert(c)
		}
		_, err := cert.Verify(x509.VerifyOptions{
			Roots: v.Roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			return nil, fmt.Errorf("verifying RA-TLS certificate: %w: %v", ErrChain, err)
		}
		claims.ChainVerified = true
	}
	ext, err := ReadExtensions(cert)
	if err != nil {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", err)
	}
	if ext.Attestation == nil {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", ErrNoAttestation)
	}
	claims.Extensions = ext
	if want := ReportData(cert.RawSubjectPublicKeyInfo); ext.Attestation.ReportData != want {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", ErrKeyBinding)
	}
	opts := v.Attestation
	opts.Now = now
	evidence, err := attest.Verify(ctx, ext.Attestation, opts)
	if err != nil {
		return nil, fmt.Errorf("verifying RA-TLS certificate: %w", err)
	}
	claims.Evidence = evidence
	ttl := v.CacheTTL
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	e := &entry{claims: claims, expires: now.Add(ttl)}
	if cert.NotAfter.Before(e.expires) {
		e.expires = cert.NotAfter
	}
	if tdx := evidence.TDX; tdx != nil && !tdx.CollateralNextUpdate.IsZero() && tdx.CollateralNextUpdate.Before(e.expires) {
		e.expires = tdx.CollateralNextUpdate
	}
	v.store(string(rawCerts[0]), e)
	return e, nil
}

func (v *Verifier) store(key string, e *entry) {
	size := v.CacheSize
	if size <= 0 {
		size = DefaultCacheSize
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache == nil {
		v.cache = make(map[string]*entry)
	}
	if _, ok := v.cache[key]; !ok {
		for len(v.order) >= size {
			delete(v.cache, v.order[0])
			v.order = v.order[1:]
		}
		v.order = append(v.order, key)
	}
	v.cache[key] = e
}

// Claims returns the verified claims of a completed handshake whose peer
// was verified by this Verifier. It is a cache lookup.
func (v *Verifier) Claims(cs tls.ConnectionState) (*Claims, error) {
	raw := make([][]byte, len(cs.PeerCertificates))
	for i, c := range cs.PeerCertificates {
		raw[i] = c.Raw
	}
	return v.VerifyChain(context.Background(), raw)
}

// verifyConnection is the tls.Config.VerifyConnection hook.
func (v *Verifier) verifyConnection(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return ErrNoPeerCertificate
	}
	_, err := v.Claims(cs)
	return err
}

// ServerConfig returns a TLS server configuration presenting cert. With
// requireClient, clients must present an RA-TLS certificate that verifies
// (mutual RA-TLS); otherwise no client certificate is asked for. A nil
// cert leaves the certificate to the caller's GetCertificate (for one that
// is renewed).
func (v *Verifier) ServerConfig(cert *tls.Certificate, requireClient bool) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Time: v.Now}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	if requireClient {
		// Client chains are checked by VerifyConnection: the attestation is
		// the trust, and Roots, when set, is checked there too.
		cfg.ClientAuth = tls.RequireAnyClientCert
		cfg.VerifyConnection = v.verifyConnection
	}
	return cfg
}

// ClientConfig returns a TLS client configuration that accepts a server only
// if its RA-TLS certificate verifies, presenting cert when it is not nil.
func (v *Verifier) ClientConfig(cert *tls.Certificate) *tls.Config {
	cfg := &tls.Config{
		// The server certificate is judged by its attestation (and Roots
		// when set) in VerifyConnection, which runs on every handshake.
		InsecureSkipVerify: true,
		VerifyConnection:   v.verifyConnection,
		MinVersion:         tls.VersionTLS12,
		// Session resumption judges the peer's certificate by this clock.
		Time: v.Now,
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return cfg
}
