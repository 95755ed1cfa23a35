package gateway

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyevents"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/caddymodules/ztacme"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/eventlog"
)

// Storage keys of the attested key history, in Caddy's storage (the
// sealed one when it is configured).
const (
	// KeyHistoryKey holds every certificate key the gateway used, each with
	// evidence binding it: a JSON array that only grows.
	KeyHistoryKey = "dstack/acme/key-history.json"
	// AccountAttestationKey holds the ACME account URI and its evidence.
	AccountAttestationKey = "dstack/acme/account-attestation.json"
	// historyLock serialises writers of both, across gateway nodes that
	// share the storage.
	historyLock = "dstack/acme/history"
)

// maxHistory bounds the stored history a gateway reads.
const maxHistory = acmeinfo.MaxSize

// HistoryEntry is one attested certificate key, as stored.
type HistoryEntry struct {
	// PublicKey is the key's SubjectPublicKeyInfo DER (hex in JSON).
	PublicKey eventlog.HexBytes `json:"public_key"`
	// Quote and Attestation are the GetQuote and Attest answers (JSON)
	// whose report_data binds the key (acmeinfo.KeyReportData).
	Quote       string `json:"quote"`
	Attestation string `json:"attestation"`
	// Names are the names of the first certificate seen with the key.
	Names []string `json:"names,omitempty"`
	// GeneratedAt is when the evidence was made (Unix seconds).
	GeneratedAt int64 `json:"generated_at"`
}

// AccountAttestation is the ACME account URI and its evidence, as stored.
type AccountAttestation struct {
	AccountURI  string `json:"account_uri"`
	Quote       string `json:"quote"`
	Attestation string `json:"attestation"`
	GeneratedAt int64  `json:"generated_at"`
}

// keyHistory records the keys of the certificates the gateway holds and
// the ACME account that obtained them, each attested by the gateway's TD.
type keyHistory struct {
	storage  certmagic.Storage
	attester attest.Attester
	log      *zap.Logger
	// bases are the domains whose certificates are recorded: a
	// certificate naming one of them or a name under one.
	bases []string
	now   func() time.Time

	// scanned is closed once the certificates in storage at start were
	// recorded; nil when there is no scan to wait for.
	scanned chan struct{}

	mu sync.Mutex
	// seen are the entries this process read or wrote: written back if the
	// stored history ever lacks them, so the history never loses a key.
	seen []HistoryEntry
}

// subscribe records the key of every certificate Caddy obtains, as it
// obtains it (certmagic's cert_obtained event).
func (h *keyHistory) subscribe(ctx caddy.Context) error {
	a, err := ctx.App("events")
	if err != nil {
		return fmt.Errorf("subscribing to certificate events: %w", err)
	}
	if err := a.(*caddyevents.App).On("cert_obtained", certObtained{h}); err != nil {
		return fmt.Errorf("subscribing to certificate events: %w", err)
	}
	return a.(*caddyevents.App).On(ztacme.AccountRotatedEvent, accountRotated{h})
}

// accountRotated attests the account dstack_acme rotated to as soon as it
// is in use, so acme-info names it before its first certificate.
type accountRotated struct{ h *keyHistory }

// Handle attests the new account when the rotation is for the base domain
// or a name under it.
func (r accountRotated) Handle(ctx context.Context, e caddy.Event) error {
	domain, _ := e.Data["base_domain"].(string)
	uri, _ := e.Data["account_uri"].(string)
	if uri == "" || !r.h.covers(domain) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := r.h.setAccount(ctx, uri); err != nil {
		r.h.log.Error("attesting the rotated ACME account", zap.String("account_uri", uri), zap.Error(err))
	}
	return nil
}

type certObtained struct{ h *keyHistory }

// Handle records the certificate an event names.
func (c certObtained) Handle(ctx context.Context, e caddy.Event) error {
	certPath, _ := e.Data["certificate_path"].(string)
	metaPath, _ := e.Data["metadata_path"].(string)
	if certPath == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.h.recordCert(ctx, certPath, metaPath); err != nil {
		c.h.log.Error("recording an obtained certificate's key in the attested history", zap.String("certificate", certPath), zap.Error(err))
	}
	return nil
}

// scan records the keys of the certificates already in storage, and the
// account of the newest of them.
func (h *keyHistory) scan(ctx context.Context) error {
	if h.scanned != nil {
		defer close(h.scanned)
	}
	keys, err := h.storage.List(ctx, "certificates", true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing the stored certificates: %w", err)
	}
	slices.Sort(keys)
	var errs []error
	for _, k := range keys {
		if strings.HasSuffix(k, ".crt") {
			if err := h.recordCert(ctx, k, strings.TrimSuffix(k, ".crt")+".json"); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// recordCert records the leaf key of the certificate stored at certPath
// when it names one of the bases or a name under one, and the ACME account
// its metadata names.
func (h *keyHistory) recordCert(ctx context.Context, certPath, metaPath string) error {
	raw, err := h.storage.Load(ctx, certPath)
	if err != nil {
		return fmt.Errorf("reading %s: %w", certPath, err)
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return fmt.Errorf("reading %s: no PEM certificate", certPath)
	}
	leaf, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return fmt.Errorf("reading %s: %w", certPath, err)
	}
	if !slices.ContainsFunc(leaf.DNSNames, h.covers) {
		return nil
	}
	if err := h.addKey(ctx, leaf.RawSubjectPublicKeyInfo, leaf.DNSNames); err != nil {
		return err
	}
	if metaPath == "" {
		return nil
	}
	meta, err := h.storage.Load(ctx, metaPath)
	if err != nil {
		return nil // a certificate from an issuer that keeps no metadata
	}
	var m struct {
		IssuerData struct {
			Account string `json:"account"`
		} `json:"issuer_data"`
	}
	if json.Unmarshal(meta, &m) != nil || m.IssuerData.Account == "" {
		return nil
	}
	return h.setAccount(ctx, m.IssuerData.Account)
}

func (h *keyHistory) covers(name string) bool {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	return slices.ContainsFunc(h.bases, func(b string) bool { return n == b || strings.HasSuffix(n, "."+b) })
}

// locked runs f holding the history's storage lock.
func (h *keyHistory) locked(ctx context.Context, f func() error) error {
	if err := h.storage.Lock(ctx, historyLock); err != nil {
		return fmt.Errorf("locking the attested key history: %w", err)
	}
	defer func() {
		if err := h.storage.Unlock(context.WithoutCancel(ctx), historyLock); err != nil {
			h.log.Error("unlocking the attested key history", zap.Error(err))
		}
	}()
	return f()
}

// addKey appends spki with fresh evidence unless the history holds it.
func (h *keyHistory) addKey(ctx context.Context, spki []byte, names []string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.locked(ctx, func() error {
		stored, err := h.readLocked(ctx)
		if err != nil {
			return err
		}
		merged, changed := h.merge(stored)
		if !slices.ContainsFunc(merged, func(e HistoryEntry) bool { return bytes.Equal(e.PublicKey, spki) }) {
			ev, err := acmeinfo.Attest(ctx, h.attester, acmeinfo.KeyReportData(spki))
			if err != nil {
				return fmt.Errorf("attesting a certificate key: %w", err)
			}
			merged = append(merged, HistoryEntry{PublicKey: bytes.Clone(spki), Quote: ev.Quote, Attestation: ev.Attestation,
				Names: names, GeneratedAt: h.now().Unix()})
			changed = true
			h.log.Info("attested a certificate key", zap.Strings("names", names), zap.Int("history", len(merged)))
		}
		if changed {
			raw, err := json.Marshal(merged)
			if err != nil {
				return err
			}
			if err := h.storage.Store(ctx, KeyHistoryKey, raw); err != nil {
				return fmt.Errorf("storing the attested key history: %w", err)
			}
		}
		h.seen = merged
		return nil
	})
}

// merge is stored with every entry this process saw and stored lacks put
// back (changed says so): the history never loses a key, whatever
// happened to the storage.
func (h *keyHistory) merge(stored []HistoryEntry) ([]HistoryEntry, bool) {
	out := slices.Clone(stored)
	changed := false
	for _, s := range h.seen {
		if !slices.ContainsFunc(out, func(e HistoryEntry) bool { return bytes.Equal(e.PublicKey, s.PublicKey) }) {
			h.log.Error("the stored attested key history lacks a key this gateway recorded: writing it back", zap.Strings("names", s.Names))
			out = append(out, s)
			changed = true
		}
	}
	return out, changed
}

func (h *keyHistory) readLocked(ctx context.Context) ([]HistoryEntry, error) {
	raw, err := h.storage.Load(ctx, KeyHistoryKey)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the attested key history: %w", err)
	}
	if len(raw) > maxHistory {
		return nil, fmt.Errorf("reading the attested key history: %d bytes, more than %d", len(raw), maxHistory)
	}
	var out []HistoryEntry
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("reading the attested key history %s: %w", KeyHistoryKey, err)
	}
	return out, nil
}

// setAccount attests uri as the ACME account unless it is the one stored.
func (h *keyHistory) setAccount(ctx context.Context, uri string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.locked(ctx, func() error {
		if cur, err := h.account(ctx); err != nil || cur != nil && cur.AccountURI == uri {
			return err
		}
		ev, err := acmeinfo.Attest(ctx, h.attester, acmeinfo.AccountReportData(uri))
		if err != nil {
			return fmt.Errorf("attesting the ACME account: %w", err)
		}
		raw, err := json.Marshal(AccountAttestation{AccountURI: uri, Quote: ev.Quote, Attestation: ev.Attestation, GeneratedAt: h.now().Unix()})
		if err != nil {
			return err
		}
		if err := h.storage.Store(ctx, AccountAttestationKey, raw); err != nil {
			return fmt.Errorf("storing the ACME account's attestation: %w", err)
		}
		h.log.Info("attested the ACME account", zap.String("account_uri", uri))
		return nil
	})
}

func (h *keyHistory) account(ctx context.Context) (*AccountAttestation, error) {
	raw, err := h.storage.Load(ctx, AccountAttestationKey)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the ACME account's attestation: %w", err)
	}
	var a AccountAttestation
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("reading the ACME account's attestation %s: %w", AccountAttestationKey, err)
	}
	return &a, nil
}

// info is the record /.dstack/acme-info and AcmeInfo answer: the account
// and every key, newest first, as upstream lists them.
func (h *keyHistory) info(ctx context.Context) (*acmeinfo.Info, error) {
	if h.scanned != nil {
		select {
		case <-h.scanned:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the stored certificates to be recorded: %w", ctx.Err())
		}
	}
	h.mu.Lock()
	stored, err := h.readLocked(ctx)
	if err == nil {
		stored, _ = h.merge(stored)
	}
	h.mu.Unlock()
	if err != nil {
		return nil, err
	}
	acct, err := h.account(ctx)
	if err != nil {
		return nil, err
	}
	info := &acmeinfo.Info{QuotedHistKeys: []acmeinfo.QuotedKey{}}
	if acct != nil {
		info.AccountURI, info.AccountQuote, info.AccountAttestation = acct.AccountURI, acct.Quote, acct.Attestation
	}
	// Appended oldest first; newest first by generation time, the later
	// appended first among equals.
	slices.Reverse(stored)
	slices.SortStableFunc(stored, func(a, b HistoryEntry) int { return cmp.Compare(b.GeneratedAt, a.GeneratedAt) })
	for _, e := range stored {
		info.QuotedHistKeys = append(info.QuotedHistKeys, acmeinfo.QuotedKey{PublicKey: e.PublicKey, Quote: e.Quote, Attestation: e.Attestation})
	}
	return info, nil
}

// serve answers the record as upstream's AcmeInfoResponse.
func (h *keyHistory) serve(w http.ResponseWriter, r *http.Request, log *zap.Logger) {
	info, err := h.info(r.Context())
	var body []byte
	if err == nil {
		body, err = acmeinfo.Marshal(info)
	}
	if err != nil {
		log.Error("acme-info: reading the attested key history", zap.Error(err))
		writeJSONError(w, http.StatusInternalServerError, "acme-info: the attested key history cannot be read")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// AcmeInfo is the attested record of the gateway's ACME account and
// certificate keys.
func (a *App) AcmeInfo(ctx context.Context) (*acmeinfo.Info, error) {
	return a.history.info(ctx)
}
