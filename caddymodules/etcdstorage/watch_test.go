package etcdstorage

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/caddymodules/internal/storewatch"
	"github.com/dstack-go/dstack/caddymodules/sealed"
)

// next is the watch's next event, or a failure after ten seconds.
func next(t *testing.T, ch <-chan storewatch.Event) storewatch.Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event from the watch")
		return storewatch.Event{}
	}
}

// TestWatch: a watch lists what is below its directory, then sends each
// change below it (and nothing else) in order; through dstack_sealed the
// values arrive opened, and under another key as an error without a value.
func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := startEtcd(t)
	es := newStorage(t, addr, time.Second)
	if err := es.Store(ctx, "dir/a", []byte("a1")); err != nil {
		t.Fatal(err)
	}
	now, ch, err := es.Watch(ctx, "dir")
	if err != nil || len(now) != 1 || now[0].Key != "dir/a" || string(now[0].Value) != "a1" {
		t.Fatalf("Watch listed %+v, %v", now, err)
	}
	es.Store(ctx, "dirx/outside", []byte("no"))
	es.Store(ctx, "dir/b/c", []byte("c1"))
	es.Delete(ctx, "dir/a")
	if ev := next(t, ch); ev.Key != "dir/b/c" || string(ev.Value) != "c1" || ev.Deleted {
		t.Fatalf("first change %+v", ev)
	}
	if ev := next(t, ch); ev.Key != "dir/a" || !ev.Deleted || ev.Value != nil {
		t.Fatalf("second change %+v", ev)
	}

	key := bytes.Repeat([]byte{7}, 32)
	s1, _ := sealed.NewSealer(key)
	s2, _ := sealed.NewSealer(bytes.Repeat([]byte{8}, 32))
	mine, theirs := &sealed.Storage{Backend: es, Sealer: s1}, &sealed.Storage{Backend: es, Sealer: s2}
	_, sch, err := mine.Watch(ctx, "sealed")
	if err != nil {
		t.Fatal(err)
	}
	mine.Store(ctx, "sealed/x", []byte("secret"))
	theirs.Store(ctx, "sealed/y", []byte("other"))
	if ev := next(t, sch); ev.Key != "sealed/x" || string(ev.Value) != "secret" || ev.Err != nil {
		t.Fatalf("sealed change %+v", ev)
	}
	if ev := next(t, sch); ev.Key != "sealed/y" || ev.Value != nil || ev.Err == nil || !strings.Contains(ev.Err.Error(), "another key") {
		t.Fatalf("a value sealed under another key came as %+v", ev)
	}
	cancel()
	for range ch {
	}
}

// TestAnnounce: an announced key lives while its announcer does: it goes
// when the context ends, and when the process holding it dies (its client
// closes) one lease later.
func TestAnnounce(t *testing.T) {
	addr, _ := startEtcd(t)
	es := newStorage(t, addr, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	if err := es.Announce(ctx, "peers/1", []byte("one"), time.Second); err != nil {
		t.Fatal(err)
	}
	dying := newStorage(t, addr, time.Second)
	if err := dying.Announce(context.Background(), "peers/2", []byte("two"), time.Second); err != nil {
		t.Fatal(err)
	}
	if v, err := es.Load(context.Background(), "peers/1"); err != nil || string(v) != "one" {
		t.Fatalf("announced key: %q, %v", v, err)
	}
	// Longer than the lease: the key stays while it is renewed.
	deadline := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if !es.Exists(context.Background(), "peers/1") {
			t.Fatal("an announced key went while its announcer lives")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	dying.Client.Close()
	for _, k := range []string{"peers/1", "peers/2"} {
		deadline := time.Now().Add(10 * time.Second)
		for es.Exists(context.Background(), k) {
			if time.Now().After(deadline) {
				t.Fatalf("%s stayed after its announcer ended", k)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := es.Announce(context.Background(), "peers/3", nil, 500*time.Millisecond); err == nil {
		t.Fatal("a lease shorter than a second was taken")
	}
}
