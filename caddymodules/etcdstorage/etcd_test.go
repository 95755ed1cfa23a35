package etcdstorage

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/caddymodules/sealed"
)

// startEtcd runs a one-member etcd in process on loopback ports the kernel
// picks, in a temp dir, and returns its client address and a function that
// stops it (and may be called again).
func startEtcd(t *testing.T) (addr string, stop func()) {
	return startEtcdWith(t, nil)
}

// startEtcdWith is startEtcd with a TLS client listener when tlsInfo is
// given.
func startEtcdWith(t *testing.T, tlsInfo *transport.TLSInfo) (addr string, stop func()) {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Dir = t.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	local := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	client := local
	if tlsInfo != nil {
		client.Scheme = "https"
		cfg.ClientTLSInfo = *tlsInfo
	}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{local}, []url.URL{local}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("starting etcd: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			e.Close()
			<-e.Server.StopNotify()
		})
	}
	t.Cleanup(stop)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		t.Fatal("etcd did not become ready")
	}
	return e.Clients[0].Addr().String(), stop
}

func newStorage(t *testing.T, addr string, ttl time.Duration) *Storage {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{addr}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return &Storage{Client: cli, Prefix: "/test", Timeout: 5 * time.Second, LockTTL: ttl, Logger: zap.NewNop()}
}

// TestContract runs the same operations on the etcd storage and on
// certmagic's FileStorage and wants the same answers.
func TestContract(t *testing.T) {
	ctx := context.Background()
	addr, _ := startEtcd(t)
	es := newStorage(t, addr, time.Second)
	fsys := &certmagic.FileStorage{Path: t.TempDir()}
	before := time.Now()
	for _, s := range []certmagic.Storage{es, fsys} {
		for _, k := range []string{"a/b/c", "a/b/d", "a/e", "ab", "x"} {
			if err := s.Store(ctx, k, []byte("value of "+k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		dir       string
		recursive bool
	}{{"a", false}, {"a", true}, {"a/b", false}, {"", false}, {"", true}} {
		want, err := fsys.List(ctx, c.dir, c.recursive)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		got, err := es.List(ctx, c.dir, c.recursive)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("List(%q, %v) = %q, %v; file storage says %q", c.dir, c.recursive, got, err, want)
		}
	}
	for _, s := range []certmagic.Storage{es, fsys} {
		name := fmt.Sprintf("%T", s)
		if _, err := s.List(ctx, "none", true); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: List of a missing directory: %v", name, err)
		}
		if _, err := s.Load(ctx, "a/none"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: Load of a missing key: %v", name, err)
		}
		if _, err := s.Stat(ctx, "a/none"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: Stat of a missing key: %v", name, err)
		}
		if v, err := s.Load(ctx, "a/e"); err != nil || string(v) != "value of a/e" {
			t.Errorf("%s: Load = %q, %v", name, v, err)
		}
		fi, err := s.Stat(ctx, "a/b/c")
		if err != nil || !fi.IsTerminal || fi.Size != int64(len("value of a/b/c")) || fi.Modified.Before(before.Add(-time.Second)) || fi.Modified.After(time.Now()) {
			t.Errorf("%s: Stat of a value = %+v, %v", name, fi, err)
		}
		if fi, err := s.Stat(ctx, "a/b"); err != nil || fi.IsTerminal {
			t.Errorf("%s: Stat of a directory = %+v, %v", name, fi, err)
		}
		if !s.Exists(ctx, "a/b") || !s.Exists(ctx, "a/b/c") || s.Exists(ctx, "a/b/none") || s.Exists(ctx, "a/") && s.Exists(ctx, "none") {
			t.Errorf("%s: Exists wrong", name)
		}
		if err := s.Delete(ctx, "a/b"); err != nil {
			t.Fatal(err)
		}
		if s.Exists(ctx, "a/b/c") || s.Exists(ctx, "a/b") || !s.Exists(ctx, "a/e") || !s.Exists(ctx, "ab") {
			t.Errorf("%s: Delete of a directory removed the wrong keys", name)
		}
		if err := s.Delete(ctx, "a/none"); err != nil {
			t.Errorf("%s: Delete of a missing key: %v", name, err)
		}
	}
	// A value this package did not write is an error, not a missing key.
	if _, err := es.Client.Put(ctx, "/test/data/foreign", "xy"); err != nil {
		t.Fatal(err)
	}
	if _, err := es.Load(ctx, "foreign"); !errors.Is(err, ErrCorrupt) || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("foreign value: %v", err)
	}
}

// TestLockExcludes: lockers on two clients never hold the same lock at once.
func TestLockExcludes(t *testing.T) {
	addr, _ := startEtcd(t)
	nodes := []*Storage{newStorage(t, addr, 5*time.Second), newStorage(t, addr, 5*time.Second)}
	var inside, overlaps, entered atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			ctx := context.Background()
			s := nodes[i%2]
			const name = "issue_cert_example.com"
			if err := s.Lock(ctx, name); err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			entered.Add(1)
			// Work that takes real time in the critical section.
			for j := range 5 {
				if err := s.Store(ctx, fmt.Sprintf("w/%d/%d", i, j), []byte("x")); err != nil {
					t.Error(err)
				}
			}
			inside.Add(-1)
			if err := s.Unlock(ctx, name); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if entered.Load() != 6 || overlaps.Load() != 0 {
		t.Fatalf("%d lockers entered, %d overlapped", entered.Load(), overlaps.Load())
	}
	if err := nodes[0].Unlock(context.Background(), "issue_cert_example.com"); err == nil {
		t.Fatal("Unlock of a lock not held succeeded")
	}
}

// TestLockOfDeadHolderExpires: a holder whose client dies without unlocking
// keeps the lock until its lease runs out, then another node gets it.
func TestLockOfDeadHolderExpires(t *testing.T) {
	addr, _ := startEtcd(t)
	const ttl = 3 * time.Second
	holder, waiter := newStorage(t, addr, ttl), newStorage(t, addr, ttl)
	ctx := context.Background()
	if err := holder.Lock(ctx, "renew"); err != nil {
		t.Fatal(err)
	}
	holder.Client.Close() // the node dies: no Unlock, no more lease renewals
	died := time.Now()

	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	err := waiter.Lock(short, "renew")
	cancel()
	if err == nil {
		t.Fatal("the lock was free right after its holder died")
	}
	long, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waiter.Lock(long, "renew"); err != nil {
		t.Fatalf("the dead holder's lock was not released: %v", err)
	}
	t.Logf("lock free %v after its holder died (lock_ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
	if err := waiter.Unlock(ctx, "renew"); err != nil {
		t.Fatal(err)
	}
}

// TestEtcdDown: with etcd stopped, every operation fails with an error, and
// none reads as a missing key.
func TestEtcdDown(t *testing.T) {
	addr, stopEtcd := startEtcd(t)
	s := newStorage(t, addr, time.Second)
	s.Timeout = time.Second
	ctx := context.Background()
	if err := s.Store(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	stopEtcd()
	_, err := s.Load(ctx, "k")
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load with etcd down: %v", err)
	}
	t.Logf("Load: %v", err)
	if _, err := s.Stat(ctx, "k"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat with etcd down: %v", err)
	}
	if _, err := s.List(ctx, "", true); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("List with etcd down: %v", err)
	}
	if err := s.Store(ctx, "k2", []byte("v")); err == nil {
		t.Fatal("Store with etcd down succeeded")
	}
	if err := s.Lock(ctx, "l"); err == nil {
		t.Fatal("Lock with etcd down succeeded")
	}
}

// TestSealedOverEtcd provisions dstack_sealed with an etcd backend through
// Caddy's module loading and round-trips a value that etcd holds only sealed.
func TestSealedOverEtcd(t *testing.T) {
	addr, _ := startEtcd(t)
	key := hex.EncodeToString(bytes.Repeat([]byte{5}, 32))
	m := &sealed.Module{
		BackendRaw:     json.RawMessage(`{"module":"etcd","endpoints":["` + addr + `"],"prefix":"/gw","insecure_plaintext":true}`),
		InsecureKeyHex: key,
	}
	cctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if err := m.Provision(cctx); err != nil {
		t.Fatal(err)
	}
	s, err := m.CertMagicStorage()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	secret := []byte("-----BEGIN EC PRIVATE KEY-----\nsecret\n")
	if err := s.Store(ctx, "certificates/x/x.key", secret); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "certificates/x/x.key"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Load = %q, %v", got, err)
	}
	if ks, err := s.List(ctx, "certificates", true); err != nil || !slices.Equal(ks, []string{"certificates/x", "certificates/x/x.key"}) {
		t.Fatalf("List = %q, %v", ks, err)
	}
	raw := newStorage(t, addr, time.Second)
	resp, err := raw.Client.Get(ctx, "/gw/data/certificates/x/x.key")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("raw get: %v", err)
	}
	if bytes.Contains(resp.Kvs[0].Value, []byte("secret")) {
		t.Fatal("etcd holds the value in clear")
	}
	if err := s.Lock(ctx, "l"); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, "l"); err != nil {
		t.Fatal(err)
	}
}
