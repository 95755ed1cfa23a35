package ctmonitor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dstack-go/dstack/internal/ctmonitor/cttest"
)

// cert makes a certificate for names on a fresh key, and returns it with
// the key's SubjectPublicKeyInfo.
func cert(t testing.TB, names ...string) (der, spki []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	spki, _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
	return der, spki
}

type harness struct {
	m      *Monitor
	log    *cttest.Log
	reg    *prometheus.Registry
	mu     sync.Mutex
	alerts []Alert
	known  [][]byte
	knownE error
	state  DirStore
	// grace and now are the monitor's Grace and clock (zero: none, the
	// real one).
	grace time.Duration
	now   func() time.Time
}

func newHarness(t *testing.T, logs ...*cttest.Log) *harness {
	t.Helper()
	h := &harness{reg: prometheus.NewRegistry(), state: DirStore(t.TempDir())}
	if len(logs) == 0 {
		logs = append(logs, cttest.New(t))
	}
	h.log = logs[0]
	h.m = h.monitor(t, logs...)
	return h
}

func (h *harness) monitor(t *testing.T, logs ...*cttest.Log) *Monitor {
	t.Helper()
	cfg := Config{BaseDomain: "gw.example.com", FromStart: true, State: h.state, BatchSize: 2,
		Known: func(context.Context) ([][]byte, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.known, h.knownE
		},
		Alert: func(_ context.Context, a Alert) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.alerts = append(h.alerts, a)
		},
		Registerer: h.reg, Grace: h.grace, Now: h.now,
	}
	for _, l := range logs {
		cfg.Logs = append(cfg.Logs, LogConfig{URL: l.URL(), PublicKey: l.PublicKey()})
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (h *harness) know(k []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.known = append(h.known, k)
}

func (h *harness) taken() []Alert {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := h.alerts
	h.alerts = nil
	return a
}

func (h *harness) poll(t *testing.T) {
	t.Helper()
	if err := h.m.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// pollQuiet polls and fails on any alert (raised for what).
func (h *harness) pollQuiet(t *testing.T, what string) {
	t.Helper()
	h.poll(t)
	if a := h.taken(); len(a) != 0 {
		t.Fatalf("alerted %s: %+v", what, a)
	}
}

func TestKnownKeyRaisesNothing(t *testing.T) {
	h := newHarness(t)
	for range 5 { // more entries than a batch and than the log serves at once
		der, spki := cert(t, "*.gw.example.com")
		h.know(spki)
		h.log.AddCert(t, der)
	}
	other, _ := cert(t, "other.example.org") // another domain: not ours to judge
	h.log.AddCert(t, other)
	h.poll(t)
	if a := h.taken(); len(a) != 0 {
		t.Fatalf("alerts: %+v", a)
	}
	if h.log.Requests("/ct/v1/get-entries") < 3 {
		t.Fatal("the entries were not all read")
	}
}

func TestForeignKeyAlertsOnce(t *testing.T) {
	h := newHarness(t)
	good, spki := cert(t, "*.gw.example.com")
	h.know(spki)
	h.log.AddCert(t, good)
	bad, _ := cert(t, "app.gw.example.com")
	h.log.AddCert(t, bad)
	h.poll(t)
	a := h.taken()
	if len(a) != 1 || a[0].Kind != KindForeignKey || a[0].Index != 1 || a[0].Precertificate {
		t.Fatalf("alerts: %+v", a)
	}
	if v := testutil.ToFloat64(h.m.alerts.WithLabelValues(KindForeignKey, h.log.URL())); v != 1 {
		t.Fatalf("counter %v", v)
	}
	// Not again at the next poll, nor from a monitor restarted on the same
	// state.
	h.poll(t)
	h.m = h.monitor(t, h.log)
	h.poll(t)
	if a := h.taken(); len(a) != 0 {
		t.Fatalf("alerted again: %+v", a)
	}
	// A later foreign certificate is a new alert.
	bad2, _ := cert(t, "GW.example.com.")
	h.log.AddCert(t, bad2)
	h.poll(t)
	if a := h.taken(); len(a) != 1 || a[0].Index != 2 {
		t.Fatalf("alerts: %+v", a)
	}
}

// TestGraceWaitsForAttestation: with a grace, a certificate logged before
// its key is attested raises nothing once the key is attested in time, and
// one whose key is still not attested when the grace has passed raises one
// alert.
func TestGraceWaitsForAttestation(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	now := time.Now()
	h.grace, h.now = time.Minute, func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h.m = h.monitor(t, h.log)
	fresh, spki := cert(t, "*.gw.example.com")
	h.log.AddCert(t, fresh)
	later, laterKey := cert(t, "*.gw.example.com")
	h.know(laterKey)
	h.log.AddCert(t, later)
	h.pollQuiet(t, "within the grace")
	h.know(spki)
	h.pollQuiet(t, "a key attested within the grace")
	foreign, _ := cert(t, "app.gw.example.com")
	h.log.AddCert(t, foreign)
	h.pollQuiet(t, "within the grace")
	mu.Lock()
	now = now.Add(time.Minute + time.Second)
	mu.Unlock()
	h.poll(t)
	h.poll(t)
	if a := h.taken(); len(a) != 1 || a[0].Kind != KindForeignKey || a[0].Index != 2 {
		t.Fatalf("after the grace: alerts %+v, want one for entry 2", a)
	}
}

func TestPrecertCounts(t *testing.T) {
	h := newHarness(t)
	pre, _ := cert(t, "x.gw.example.com")
	h.log.AddPrecert(t, pre)
	known, spki := cert(t, "y.gw.example.com")
	h.know(spki)
	h.log.AddPrecert(t, known)
	h.poll(t)
	a := h.taken()
	if len(a) != 1 || !a[0].Precertificate || a[0].Index != 0 {
		t.Fatalf("alerts: %+v", a)
	}
}

func TestUnparseableEntryNamingTheDomain(t *testing.T) {
	h := newHarness(t)
	h.log.AddRaw(t, []byte("garbage that names gw.example.com"))
	h.log.AddRaw(t, []byte("garbage about nobody"))
	h.poll(t)
	if a := h.taken(); len(a) != 1 || a[0].Kind != KindUnparseable || a[0].Index != 0 {
		t.Fatalf("alerts: %+v", a)
	}
}

func TestInconsistentHeadAlertsOnce(t *testing.T) {
	h := newHarness(t)
	for range 3 {
		der, spki := cert(t, "a.gw.example.com")
		h.know(spki)
		h.log.AddCert(t, der)
	}
	h.poll(t)
	der, spki := cert(t, "a.gw.example.com")
	h.know(spki)
	h.log.AddCert(t, der)
	h.log.Rewrite(t, 1)
	h.poll(t)
	a := h.taken()
	if len(a) != 1 || a[0].Kind != KindInconsistentHead {
		t.Fatalf("alerts: %+v", a)
	}
	h.poll(t)
	if a := h.taken(); len(a) != 0 {
		t.Fatalf("alerted again: %+v", a)
	}
	// A head of the same size with another root is inconsistent too.
	h2 := newHarness(t)
	d, s := cert(t, "a.gw.example.com")
	h2.know(s)
	h2.log.AddCert(t, d)
	h2.poll(t)
	h2.log.Rewrite(t, 0)
	h2.poll(t)
	if a := h2.taken(); len(a) != 1 || a[0].Kind != KindInconsistentHead {
		t.Fatalf("alerts: %+v", a)
	}
}

// TestEntriesCheckedAgainstTheHead: a log that serves, in place of a
// logged certificate, one on an attested key is caught: the entries do not
// hash to its signed head. An empty log raises nothing.
func TestEntriesCheckedAgainstTheHead(t *testing.T) {
	h := newHarness(t)
	h.poll(t)
	if a := h.taken(); len(a) != 0 {
		t.Fatalf("empty log: %+v", a)
	}
	logged, _ := cert(t, "evil.gw.example.com")
	h.log.AddCert(t, logged)
	shown, spki := cert(t, "evil.gw.example.com")
	h.know(spki)
	h.log.ServeInstead(t, 0, shown)
	h.poll(t)
	a := h.taken()
	if len(a) != 1 || a[0].Kind != KindEntriesNotInTree {
		t.Fatalf("alerts: %+v", a)
	}
	h.poll(t)
	if a := h.taken(); len(a) != 0 {
		t.Fatalf("alerted again: %+v", a)
	}
}

func TestFailuresAreErrors(t *testing.T) {
	h := newHarness(t)
	der, _ := cert(t, "a.gw.example.com")
	h.log.AddCert(t, der)
	h.log.SetDown(true)
	if err := h.m.Poll(context.Background()); err == nil {
		t.Fatal("a log that is down passed")
	}
	if v := testutil.ToFloat64(h.m.errs.WithLabelValues(h.log.URL())); v != 1 {
		t.Fatalf("error counter %v", v)
	}
	h.log.SetDown(false)
	h.mu.Lock()
	h.knownE = errors.New("acme-info unreachable")
	h.mu.Unlock()
	if err := h.m.Poll(context.Background()); err == nil {
		t.Fatal("unreadable attested keys passed")
	}
	if a := h.taken(); len(a) != 0 {
		t.Fatalf("alerts without keys to judge by: %+v", a)
	}
	// A head signed by another key is refused.
	other := cttest.New(t)
	m2, err := New(Config{BaseDomain: "gw.example.com", State: DirStore(t.TempDir()),
		Known: func(context.Context) ([][]byte, error) { return nil, nil },
		Logs:  []LogConfig{{URL: h.log.URL(), PublicKey: other.PublicKey()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Poll(context.Background()); err == nil {
		t.Fatal("a tree head signed by another key passed")
	}
}

func TestConfigRefused(t *testing.T) {
	known := func(context.Context) ([][]byte, error) { return nil, nil }
	for name, c := range map[string]Config{
		"no logs":   {BaseDomain: "a.b", Known: known, State: DirStore("x")},
		"no key":    {BaseDomain: "a.b", Known: known, State: DirStore("x"), Logs: []LogConfig{{URL: "http://x"}}},
		"no domain": {Known: known, State: DirStore("x"), Logs: []LogConfig{{URL: "http://x", PublicKey: []byte{1}}}},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if CheckWebhook("http://h/x", false) == nil || CheckWebhook("http://h/x", true) != nil || CheckWebhook("https://h/x", false) != nil || CheckWebhook("ftp://h", true) == nil {
		t.Fatal("webhook URL checks")
	}
}
