// Package collateral fetches and caches Intel PCS/PCCS collateral for TDX
// quote verification: TCB info, QE identity, PCK CRLs and the root CA CRL.
//
// The source of collateral is untrusted — a PCS, a PCCS, a directory of
// saved responses — and this package never vouches for what it serves: each
// piece carries Intel's signature, which the verifier (go-tdx-guest, through
// package tdx) checks against the pinned roots every time it is used. What
// the cache adds is availability and speed: pieces are kept until their own
// nextUpdate (or MaxAge), can be fetched ahead of time, and report their
// age. A piece past its nextUpdate is never served; a failed refresh is an
// error, not a stale answer.
package collateral

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Intel PCS URL prefixes, as go-tdx-guest requests them.
const (
	pcsHost       = "https://api.trustedservices.intel.com"
	sgxBase       = pcsHost + "/sgx/certification/v4"
	tdxBase       = pcsHost + "/tdx/certification/v4"
	rootCRLURL    = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"
	maxBody       = 1 << 20
	defaultMaxAge = 24 * time.Hour
)

// Source fetches one collateral URL. It is untrusted.
type Source interface {
	Get(ctx context.Context, url string) (header map[string][]string, body []byte, err error)
}

// HTTPSource fetches from an Intel PCS or a PCCS at baseURL (such as
// "https://pccs.example:8081"): Intel's URLs are rewritten onto it, and the
// root CA CRL is asked for at its /sgx/certification/v4/rootcacrl.
func HTTPSource(baseURL string, client *http.Client) Source {
	if client == nil {
		client = http.DefaultClient
	}
	return &httpSource{base: strings.TrimSuffix(baseURL, "/"), client: client}
}

type httpSource struct {
	base   string
	client *http.Client
}

func (s *httpSource) Get(ctx context.Context, u string) (map[string][]string, []byte, error) {
	target := u
	switch {
	case u == rootCRLURL:
		target = s.base + "/sgx/certification/v4/rootcacrl"
	case strings.HasPrefix(u, pcsHost):
		target = s.base + strings.TrimPrefix(u, pcsHost)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching collateral %s: %w", target, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("fetching collateral %s: HTTP %d", target, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("fetching collateral %s: %w", target, err)
	}
	if len(body) > maxBody {
		return nil, nil, fmt.Errorf("fetching collateral %s: larger than %d bytes", target, maxBody)
	}
	return res.Header, body, nil
}

// DirSource serves collateral saved in a directory. Each URL is a file
// named by FileName(url) holding the response body, beside an optional
// FileName(url)+".headers" holding the response headers as a JSON object of
// string arrays (the issuer-chain headers are needed).
func DirSource(dir string) Source { return dirSource(dir) }

type dirSource string

// FileName is the file DirSource reads for url: the URL without its scheme,
// with every character outside [A-Za-z0-9.=-] replaced by '_'.
func FileName(u string) string {
	if p, err := url.Parse(u); err == nil {
		u = p.Host + p.Path
		if p.RawQuery != "" {
			u += "?" + p.RawQuery
		}
	}
	b := []byte(u)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '=' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

func (d dirSource) Get(_ context.Context, u string) (map[string][]string, []byte, error) {
	p := filepath.Join(string(d), FileName(u))
	body, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, fmt.Errorf("reading collateral for %s: %w", u, err)
	}
	var header map[string][]string
	if h, err := os.ReadFile(p + ".headers"); err == nil {
		if err := json.Unmarshal(h, &header); err != nil {
			return nil, nil, fmt.Errorf("reading collateral headers %s.headers: %w", p, err)
		}
	}
	return header, body, nil
}

// CacheOptions configure a Cache.
type CacheOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxAge bounds how long a piece is served when it states no
	// nextUpdate of its own; 0 means 24 hours.
	MaxAge time.Duration
	// Timeout bounds one fetch; 0 means 30 seconds.
	Timeout time.Duration
}

// Entry describes one cached piece.
type Entry struct {
	URL        string
	FetchedAt  time.Time
	NextUpdate time.Time
	Age        time.Duration
}

// Cache serves collateral from a Source, keeping each piece until its
// nextUpdate. It implements go-tdx-guest's HTTPSGetter.
type Cache struct {
	src  Source
	opts CacheOptions
	mu   sync.Mutex
	m    map[string]*piece
}

type piece struct {
	header     map[string][]string
	body       []byte
	fetchedAt  time.Time
	nextUpdate time.Time
}

// NewCache returns a cache in front of src.
func NewCache(src Source, opts CacheOptions) *Cache {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = defaultMaxAge
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	return &Cache{src: src, opts: opts, m: map[string]*piece{}}
}

// Get implements go-tdx-guest's trust.HTTPSGetter.
func (c *Cache) Get(u string) (map[string][]string, []byte, error) {
	now := c.opts.Now()
	c.mu.Lock()
	p, ok := c.m[u]
	c.mu.Unlock()
	if ok && now.Before(p.nextUpdate) {
		return p.header, p.body, nil
	}
	return c.fetch(context.Background(), u, now)
}

func (c *Cache) fetch(ctx context.Context, u string, now time.Time) (map[string][]string, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	header, body, err := c.src.Get(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	next := nextUpdate(body)
	if next.IsZero() || next.After(now.Add(c.opts.MaxAge)) {
		next = now.Add(c.opts.MaxAge)
	}
	if !next.After(now) {
		return nil, nil, fmt.Errorf("collateral %s: %w (nextUpdate %s)", u, ErrExpired, next.Format(time.RFC3339))
	}
	c.mu.Lock()
	c.m[u] = &piece{header: header, body: body, fetchedAt: now, nextUpdate: next}
	c.mu.Unlock()
	return header, body, nil
}

// ErrExpired means a source served collateral that is already out of date.
var ErrExpired = errors.New("collateral is past its nextUpdate")

// Prewarm fetches the collateral for the given FMSPCs (6 bytes each): TCB
// info, QE identity, the platform and processor PCK CRLs and the root CRL.
func (c *Cache) Prewarm(ctx context.Context, fmspcs ...[]byte) error {
	urls := []string{tdxBase + "/qe/identity", sgxBase + "/pckcrl?ca=platform&encoding=der", sgxBase + "/pckcrl?ca=processor&encoding=der", rootCRLURL}
	for _, f := range fmspcs {
		urls = append(urls, fmt.Sprintf("%s/tcb?fmspc=%x", tdxBase, f))
	}
	var errs []error
	for _, u := range urls {
		if _, _, err := c.fetch(ctx, u, c.opts.Now()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Status lists the cached pieces with their age.
func (c *Cache) Status() []Entry {
	now := c.opts.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Entry, 0, len(c.m))
	for u, p := range c.m {
		out = append(out, Entry{URL: u, FetchedAt: p.fetchedAt, NextUpdate: p.nextUpdate, Age: now.Sub(p.fetchedAt)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// nextUpdate reads the expiry a piece states: the nextUpdate of TCB info or
// QE identity JSON, or of a DER CRL. Zero when it states none.
func nextUpdate(body []byte) time.Time {
	var doc struct {
		TCBInfo struct {
			NextUpdate time.Time `json:"nextUpdate"`
		} `json:"tcbInfo"`
		EnclaveIdentity struct {
			NextUpdate time.Time `json:"nextUpdate"`
		} `json:"enclaveIdentity"`
	}
	if json.Unmarshal(body, &doc) == nil {
		if !doc.TCBInfo.NextUpdate.IsZero() {
			return doc.TCBInfo.NextUpdate
		}
		return doc.EnclaveIdentity.NextUpdate
	}
	if crl, err := x509.ParseRevocationList(body); err == nil {
		return crl.NextUpdate
	}
	return time.Time{}
}
