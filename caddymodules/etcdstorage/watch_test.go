package etcdstorage

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
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

// TestWatchResync: a watch that etcd ends (here: it resumes at a revision
// the store compacted past, as after a partition) lists the directory
// again and sends the difference from what it had sent: the keys gone as
// deletions, the others as values; then it follows from the new revision.
func TestWatchResync(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, _ := startEtcd(t)
	es := newStorage(t, addr, time.Second)
	es.Store(ctx, "dir/a", []byte("a1"))
	es.Store(ctx, "dir/b", []byte("b1"))
	_, rev, err := es.list(ctx, "dir", es.dirKey("dir"))
	if err != nil {
		t.Fatal(err)
	}
	// What happened while the watch was away, then compacted.
	es.Delete(ctx, "dir/a")
	es.Store(ctx, "dir/b", []byte("b2"))
	es.Store(ctx, "dir/c", []byte("c1"))
	resp, err := es.Client.Get(ctx, "any")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es.Client.Compact(ctx, resp.Header.Revision); err != nil {
		t.Fatal(err)
	}
	ch := make(chan storewatch.Event, 64)
	go es.follow(ctx, "dir", es.dirKey("dir"), rev, map[string]bool{"dir/a": true, "dir/b": true}, ch)
	got := map[string]string{}
	for len(got) < 3 {
		ev := next(t, ch)
		switch {
		case ev.Deleted:
			got[ev.Key] = "deleted"
		default:
			got[ev.Key] = string(ev.Value)
		}
	}
	if got["dir/a"] != "deleted" || got["dir/b"] != "b2" || got["dir/c"] != "c1" {
		t.Fatalf("after the resync: %v", got)
	}
	es.Store(ctx, "dir/d", []byte("d1"))
	if ev := next(t, ch); ev.Key != "dir/d" || string(ev.Value) != "d1" {
		t.Fatalf("after the resync the watch sent %+v", ev)
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

// TestDeleteIfVersion: a value is removed at the version read, and not once
// stored again since; a missing key is fs.ErrNotExist.
func TestDeleteIfVersion(t *testing.T) {
	addr, stop := startEtcd(t)
	defer stop()
	s := newStorage(t, addr, 2*time.Second)
	ctx := context.Background()
	if err := s.Store(ctx, "r/a", []byte("first")); err != nil {
		t.Fatal(err)
	}
	v, read, err := s.LoadVersion(ctx, "r/a")
	if err != nil || string(v) != "first" {
		t.Fatalf("LoadVersion: %q, %v", v, err)
	}
	if err := s.Store(ctx, "r/a", []byte("renewed")); err != nil {
		t.Fatal(err)
	}
	if deleted, err := s.DeleteIfVersion(ctx, "r/a", read); err != nil || deleted {
		t.Fatalf("DeleteIfVersion at a version stored over since: deleted %v, %v", deleted, err)
	}
	if v, err := s.Load(ctx, "r/a"); err != nil || string(v) != "renewed" {
		t.Fatalf("after a refused DeleteIfVersion: %q, %v", v, err)
	}
	_, now, err := s.LoadVersion(ctx, "r/a")
	if err != nil || now == read {
		t.Fatalf("the version did not change with a store: %d, %d, %v", read, now, err)
	}
	if deleted, err := s.DeleteIfVersion(ctx, "r/a", now); err != nil || !deleted {
		t.Fatalf("DeleteIfVersion at the current version: deleted %v, %v", deleted, err)
	}
	if _, _, err := s.LoadVersion(ctx, "r/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadVersion of a deleted key: %v, want fs.ErrNotExist", err)
	}
}
