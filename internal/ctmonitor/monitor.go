// Package ctmonitor watches RFC 6962 Certificate Transparency logs for
// certificates issued to a domain with a key its owner never attested.
//
// It follows each log's signed tree head (get-sth, signature checked with
// the log's key), proves each new head consistent with the last one it
// accepted (get-sth-consistency), reads every entry added since
// (get-entries), and for each certificate or precertificate that names the
// base domain or a name under it, checks that its SubjectPublicKeyInfo is
// one of the keys the gateway attested (tee/acmeinfo). A certificate with
// another key, a tree head that contradicts an earlier one, and an entry
// that cannot be parsed but mentions the domain each raise one alert; where
// it got to is kept in a state store, so an alert is not raised again at
// the next poll or after a restart.
//
// It must never pass silently: a log that cannot be read, a tree head whose
// signature does not verify, or attested keys that cannot be read are
// errors of the poll (logged at error and counted), never an empty round.
// With FromStart it also checks that the entries it read hash to each tree
// head (a compact Merkle range kept in its state), so that a log serving
// entries other than those it signed is an alert; started at a tree head
// instead, it has no range of the earlier entries and does not check this.
package ctmonitor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	ct "github.com/google/certificate-transparency-go"
	"github.com/google/certificate-transparency-go/client"
	"github.com/google/certificate-transparency-go/jsonclient"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"go.uber.org/zap"
)

// Defaults.
const (
	DefaultBatchSize = 256
	DefaultInterval  = time.Minute
)

// Kinds of alert.
const (
	// KindForeignKey is a certificate or precertificate for the domain
	// whose key is not an attested one.
	KindForeignKey = "foreign_key"
	// KindInconsistentHead is a tree head that is not consistent with the
	// last one accepted from the same log.
	KindInconsistentHead = "inconsistent_tree_head"
	// KindUnparseable is an entry that cannot be parsed and whose bytes
	// mention the domain.
	KindUnparseable = "unparseable_entry"
	// KindEntriesNotInTree is a log whose entries, read from its first,
	// do not hash to the tree head it signed: it served entries other than
	// those it logged.
	KindEntriesNotInTree = "entries_not_in_tree"
)

// Alert is one finding, as the webhook receives it.
type Alert struct {
	Kind string `json:"kind"`
	// Log is the log's URL.
	Log string `json:"log"`
	// Index is the entry's index in the log (foreign_key, unparseable_entry).
	Index int64 `json:"index,omitempty"`
	// Precertificate is whether the entry is a precertificate.
	Precertificate bool `json:"precertificate,omitempty"`
	// Names are the certificate's DNS names and common name.
	Names []string `json:"names,omitempty"`
	// PublicKeySHA256 is the hex SHA-256 of the certificate's
	// SubjectPublicKeyInfo.
	PublicKeySHA256 string `json:"public_key_sha256,omitempty"`
	// Message says what was found.
	Message string `json:"message"`
}

// LogConfig is one log to follow.
type LogConfig struct {
	// URL is the log's base URL (the part before /ct/v1/).
	URL string `json:"url"`
	// PublicKey is the log's public key, DER SubjectPublicKeyInfo (base64
	// in JSON, as log lists publish it). Required: tree heads are checked
	// against it.
	PublicKey []byte `json:"public_key"`
}

// StateStore keeps the monitor's position in each log.
type StateStore interface {
	// Load returns what Store stored under name, or nil and no error when
	// nothing was.
	Load(ctx context.Context, name string) ([]byte, error)
	Store(ctx context.Context, name string, value []byte) error
}

// Config configures a Monitor.
type Config struct {
	// BaseDomain is the domain watched, with every name under it.
	BaseDomain string
	// Logs are the logs followed.
	Logs []LogConfig
	// Known returns the attested keys (SubjectPublicKeyInfo DER); an error
	// fails the poll.
	Known func(ctx context.Context) ([][]byte, error)
	// State keeps the position in each log.
	State StateStore
	// Alert receives each alert once, after it was logged and counted.
	// Nil means logging and counting only.
	Alert func(ctx context.Context, a Alert)
	// BatchSize is the most entries asked for at once. Default 256.
	BatchSize int
	// FromStart scans a log from its first entry when no state exists for
	// it. Default: from the tree head at the first poll (earlier entries
	// are not checked).
	FromStart bool
	// HTTPClient reaches the logs. Default: a client with a 30s timeout.
	HTTPClient *http.Client
	// Logger logs alerts at error. Default: none.
	Logger *zap.Logger
	// Registerer takes the metrics. Nil means unregistered.
	Registerer prometheus.Registerer
	// Grace is how long after a log timestamped a certificate or
	// precertificate whose key is not attested the monitor waits for the
	// key to be attested before it alerts: a CA logs what it issues before
	// the gateway holds it, and the gateway attests a key once it holds
	// it. The monitor reads no further in that log until the key is
	// attested or the grace has passed, so an alert comes at most Grace
	// plus a poll after the entry. Default 0: alert at once.
	Grace time.Duration
	// Now is the clock Grace is judged by. Default time.Now.
	Now func() time.Time
}

// Monitor follows the logs of a Config.
type Monitor struct {
	cfg    Config
	base   string
	logs   []*logFollower
	alerts *prometheus.CounterVec
	errs   *prometheus.CounterVec
	mu     sync.Mutex // one poll at a time
}

type logFollower struct {
	cfg LogConfig
	lc  *client.LogClient
	key string // the state's name
}

// logState is what is kept per log.
type logState struct {
	TreeSize  uint64 `json:"tree_size"`
	RootHash  []byte `json:"root_hash"`
	Timestamp uint64 `json:"timestamp"`
	// NextIndex is the first entry not yet checked.
	NextIndex uint64 `json:"next_index"`
	// Range is the compact Merkle range of entries [0, NextIndex) when
	// they were all read (FromStart), so that the entries are checked
	// against each tree head; RangeValid says whether it is kept.
	Range      [][]byte `json:"range,omitempty"`
	RangeValid bool     `json:"range_valid,omitempty"`
	// RefusedHeads are the tree heads alerted as inconsistent
	// ("<size>:<hex root>"), so that each raises one alert.
	RefusedHeads []string `json:"refused_heads,omitempty"`
}

// New checks cfg and makes a Monitor.
func New(cfg Config) (*Monitor, error) {
	base := normName(cfg.BaseDomain)
	if base == "" || !strings.Contains(base, ".") && base != "localhost" {
		return nil, fmt.Errorf("ct monitor: base_domain %q is not a domain name", cfg.BaseDomain)
	}
	if len(cfg.Logs) == 0 {
		return nil, errors.New("ct monitor: no logs to follow: give at least one log's URL and public key")
	}
	if cfg.Known == nil || cfg.State == nil {
		return nil, errors.New("ct monitor: the attested keys' source and a state store are required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Grace < 0 {
		return nil, fmt.Errorf("ct monitor: grace %s is negative", cfg.Grace)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Monitor{cfg: cfg, base: base,
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dstack_ct_alerts_total",
			Help: "Alerts raised by the CT monitor: certificates with keys the gateway did not attest, inconsistent tree heads, unparseable entries naming the domain."}, []string{"kind", "log"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dstack_ct_poll_errors_total",
			Help: "Polls of a CT log that failed (log unreachable, bad signature, attested keys unreadable)."}, []string{"log"}),
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{m.alerts, m.errs} {
			if err := cfg.Registerer.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					return nil, fmt.Errorf("ct monitor: registering metrics: %w", err)
				}
				// A reloaded config: keep counting in the existing counters.
				switch c {
				case m.alerts:
					m.alerts = are.ExistingCollector.(*prometheus.CounterVec)
				case m.errs:
					m.errs = are.ExistingCollector.(*prometheus.CounterVec)
				}
			}
		}
	}
	for _, l := range cfg.Logs {
		if len(l.PublicKey) == 0 {
			return nil, fmt.Errorf("ct monitor: log %s has no public_key: tree heads could not be checked", l.URL)
		}
		lc, err := client.New(strings.TrimSuffix(l.URL, "/"), cfg.HTTPClient, jsonclient.Options{PublicKeyDER: l.PublicKey, UserAgent: "dstack-ct-monitor"})
		if err != nil {
			return nil, fmt.Errorf("ct monitor: log %s: %w", l.URL, err)
		}
		sum := sha256.Sum256([]byte(l.URL))
		m.logs = append(m.logs, &logFollower{cfg: l, lc: lc, key: hex.EncodeToString(sum[:8])})
	}
	return m, nil
}

// Run polls every interval until ctx ends; errors are logged and counted.
func (m *Monitor) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_ = m.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll reads the attested keys, then every log once; it returns the
// errors of each log that could not be followed (each also logged at
// error and counted).
func (m *Monitor) Poll(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, err := m.cfg.Known(ctx)
	if err != nil {
		err = fmt.Errorf("reading the attested keys: %w", err)
		m.cfg.Logger.Error("ct monitor: no poll: the attested keys cannot be read", zap.Error(err))
		m.errs.WithLabelValues("").Inc()
		return err
	}
	known := make(map[string]bool, len(keys))
	for _, k := range keys {
		known[string(k)] = true
	}
	var errs []error
	for _, l := range m.logs {
		if err := m.follow(ctx, l, known); err != nil {
			err = fmt.Errorf("following CT log %s: %w", l.cfg.URL, err)
			m.cfg.Logger.Error("ct monitor: poll failed", zap.String("log", l.cfg.URL), zap.Error(err))
			m.errs.WithLabelValues(l.cfg.URL).Inc()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *Monitor) raise(ctx context.Context, a Alert) {
	m.alerts.WithLabelValues(a.Kind, a.Log).Inc()
	m.cfg.Logger.Error("ct monitor: ALERT "+a.Message, zap.String("kind", a.Kind), zap.String("log", a.Log),
		zap.Int64("index", a.Index), zap.Bool("precertificate", a.Precertificate), zap.Strings("names", a.Names),
		zap.String("public_key_sha256", a.PublicKeySHA256))
	if m.cfg.Alert != nil {
		m.cfg.Alert(ctx, a)
	}
}

func (m *Monitor) load(ctx context.Context, l *logFollower) (*logState, error) {
	raw, err := m.cfg.State.Load(ctx, l.key)
	if err != nil {
		return nil, fmt.Errorf("reading the monitor's state: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	var st logState
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("reading the monitor's state: %w (remove it to start over from the tree head)", err)
	}
	return &st, nil
}

func (m *Monitor) save(ctx context.Context, l *logFollower, st *logState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := m.cfg.State.Store(ctx, l.key, raw); err != nil {
		return fmt.Errorf("storing the monitor's state: %w", err)
	}
	return nil
}

// follow reads one log's new head, checks it against the last accepted
// one, and checks the entries added since.
func (m *Monitor) follow(ctx context.Context, l *logFollower, known map[string]bool) error {
	st, err := m.load(ctx, l)
	if err != nil {
		return err
	}
	sth, err := l.lc.GetSTH(ctx)
	if err != nil {
		return fmt.Errorf("get-sth: %w", err)
	}
	if st == nil {
		st = &logState{RangeValid: m.cfg.FromStart}
		if !m.cfg.FromStart {
			st.NextIndex = sth.TreeSize
		}
	} else if ok, err := m.consistent(ctx, l, st, sth); err != nil {
		return err
	} else if !ok {
		return m.save(ctx, l, st)
	}
	st.TreeSize, st.RootHash, st.Timestamp = sth.TreeSize, sth.SHA256RootHash[:], sth.Timestamp
	from := st.NextIndex
	defer func() {
		if st.NextIndex > from {
			m.cfg.Logger.Info("ct monitor: checked new entries", zap.String("log", l.cfg.URL), zap.Uint64("from", from),
				zap.Uint64("next_index", st.NextIndex), zap.Uint64("tree_size", st.TreeSize))
		}
	}()
	var rng *compact.Range
	if st.RangeValid {
		if rng, err = rangeFactory.NewRange(0, st.NextIndex, st.Range); err != nil {
			return fmt.Errorf("the monitor's state: %w (remove it to start over)", err)
		}
	}
	for st.NextIndex < sth.TreeSize {
		end := min(st.NextIndex+uint64(m.cfg.BatchSize), sth.TreeSize) - 1
		resp, err := l.lc.GetRawEntries(ctx, int64(st.NextIndex), int64(end))
		if err != nil {
			_ = m.save(ctx, l, st)
			return fmt.Errorf("get-entries %d-%d: %w", st.NextIndex, end, err)
		}
		if len(resp.Entries) == 0 {
			_ = m.save(ctx, l, st)
			return fmt.Errorf("get-entries %d-%d: the log returned no entry below its tree size %d", st.NextIndex, end, sth.TreeSize)
		}
		if uint64(len(resp.Entries)) > end-st.NextIndex+1 {
			_ = m.save(ctx, l, st)
			return fmt.Errorf("get-entries %d-%d: the log returned %d entries", st.NextIndex, end, len(resp.Entries))
		}
		for i := range resp.Entries {
			if m.check(ctx, l, int64(st.NextIndex)+int64(i), &resp.Entries[i], known) {
				// Read again from this entry at the next poll.
				st.NextIndex += uint64(i)
				if rng != nil {
					st.Range = rng.Hashes()
				}
				m.cfg.Logger.Info("ct monitor: waiting for a new certificate's key to be attested", zap.String("log", l.cfg.URL),
					zap.Uint64("index", st.NextIndex), zap.Duration("grace", m.cfg.Grace))
				return m.save(ctx, l, st)
			}
			if rng != nil {
				if err := rng.Append(rfc6962.DefaultHasher.HashLeaf(resp.Entries[i].LeafInput), nil); err != nil {
					return err
				}
			}
		}
		st.NextIndex += uint64(len(resp.Entries))
		if rng != nil {
			st.Range = rng.Hashes()
		}
		if err := m.save(ctx, l, st); err != nil {
			return err
		}
	}
	if rng != nil && st.NextIndex > 0 {
		if root, err := rng.GetRootHash(nil); err != nil || !bytes.Equal(root, st.RootHash) {
			// Alerted once: the range is not kept from here on.
			st.RangeValid, st.Range = false, nil
			m.raise(ctx, Alert{Kind: KindEntriesNotInTree, Log: l.cfg.URL,
				Message: fmt.Sprintf("the %d entries the log served hash to %x, not to the root %x of the tree head it signed: it serves entries other than those it logged", st.NextIndex, root, st.RootHash)})
		}
	}
	return m.save(ctx, l, st)
}

// rangeFactory makes RFC 6962 compact ranges.
var rangeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// consistent checks a new head against the last accepted one; an
// inconsistent head is alerted once and not accepted.
func (m *Monitor) consistent(ctx context.Context, l *logFollower, st *logState, sth *ct.SignedTreeHead) (bool, error) {
	root := sth.SHA256RootHash[:]
	var why string
	switch {
	case sth.TreeSize < st.TreeSize:
		why = fmt.Sprintf("the tree shrank from %d to %d entries", st.TreeSize, sth.TreeSize)
	case sth.TreeSize == st.TreeSize:
		if !bytes.Equal(root, st.RootHash) {
			why = fmt.Sprintf("two roots for a tree of %d entries: %x, then %x", st.TreeSize, st.RootHash, root)
		}
	case st.TreeSize == 0:
	default:
		p, err := l.lc.GetSTHConsistency(ctx, st.TreeSize, sth.TreeSize)
		if err != nil {
			return false, fmt.Errorf("get-sth-consistency %d→%d: %w", st.TreeSize, sth.TreeSize, err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, st.TreeSize, sth.TreeSize, p, st.RootHash, root); err != nil {
			why = fmt.Sprintf("the tree head of %d entries (root %x) is not consistent with the accepted one of %d (root %x): %v",
				sth.TreeSize, root, st.TreeSize, st.RootHash, err)
		}
	}
	if why == "" {
		return true, nil
	}
	id := fmt.Sprintf("%d:%x", sth.TreeSize, root)
	if !slices.Contains(st.RefusedHeads, id) {
		st.RefusedHeads = append(st.RefusedHeads, id)
		m.raise(ctx, Alert{Kind: KindInconsistentHead, Log: l.cfg.URL, Message: "inconsistent tree head: " + why})
	}
	return false, nil
}

// check judges one entry; it reports whether the entry is a certificate
// with a key not attested yet, within its grace (and so not alerted).
func (m *Monitor) check(ctx context.Context, l *logFollower, index int64, leaf *ct.LeafEntry, known map[string]bool) (pending bool) {
	e, err := ct.LogEntryFromLeaf(index, leaf)
	var cert *ctx509.Certificate
	precert := false
	if e != nil {
		switch {
		case e.X509Cert != nil:
			cert = e.X509Cert
		case e.Precert != nil && e.Precert.TBSCertificate != nil:
			cert, precert = e.Precert.TBSCertificate, true
		}
	}
	if cert == nil {
		if bytes.Contains(bytes.ToLower(leaf.LeafInput), []byte(m.base)) {
			m.raise(ctx, Alert{Kind: KindUnparseable, Log: l.cfg.URL, Index: index,
				Message: fmt.Sprintf("an entry that mentions %s cannot be parsed (%v): its key cannot be checked", m.base, err)})
		}
		return false
	}
	names := certNames(cert)
	if !slices.ContainsFunc(names, m.covers) {
		return false
	}
	if known[string(cert.RawSubjectPublicKeyInfo)] {
		return false
	}
	if m.cfg.Grace > 0 {
		logged := time.UnixMilli(int64(e.Leaf.TimestampedEntry.Timestamp))
		if m.cfg.Now().Before(logged.Add(m.cfg.Grace)) {
			return true
		}
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	what := "certificate"
	if precert {
		what = "precertificate"
	}
	m.raise(ctx, Alert{Kind: KindForeignKey, Log: l.cfg.URL, Index: index, Precertificate: precert, Names: names,
		PublicKeySHA256: hex.EncodeToString(sum[:]),
		Message:         fmt.Sprintf("a %s for %s has a key the gateway never attested", what, strings.Join(names, ", "))})
	return false
}

func certNames(c *ctx509.Certificate) []string {
	names := slices.Clone(c.DNSNames)
	if cn := c.Subject.CommonName; cn != "" && !slices.Contains(names, cn) {
		names = append(names, cn)
	}
	return names
}

// covers reports whether name is the base domain or a name under it.
func (m *Monitor) covers(name string) bool {
	n := normName(name)
	return n == m.base || strings.HasSuffix(n, "."+m.base)
}

func normName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}
