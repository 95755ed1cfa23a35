package etcdstorage

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/caddymodules/internal/storewatch"
)

var (
	_ storewatch.Watcher   = (*Storage)(nil)
	_ storewatch.Announcer = (*Storage)(nil)
	_ storewatch.Versioned = (*Storage)(nil)
)

// encode is a value as Store writes it: the format byte, the time, the
// value.
func encode(value []byte) string {
	v := make([]byte, headerLen+len(value))
	v[0] = valueFormat
	binary.BigEndian.PutUint64(v[1:headerLen], uint64(time.Now().UnixNano()))
	copy(v[headerLen:], value)
	return string(v)
}

// event is the storewatch event of one etcd key of the storage.
func (s *Storage) event(key []byte, value []byte, deleted bool) storewatch.Event {
	ev := storewatch.Event{Key: strings.TrimPrefix(string(key), s.Prefix+"/data/"), Deleted: deleted}
	if deleted {
		return ev
	}
	if _, v, err := decode(value); err != nil {
		ev.Err = fmt.Errorf("etcd storage: reading %q: %w", ev.Key, err)
	} else {
		ev.Value = v
	}
	return ev
}

// list reads every value below p and the revision it was read at.
func (s *Storage) list(ctx context.Context, dir, p string) (map[string]storewatch.Event, int64, error) {
	rctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.Client.Get(rctx, p, clientv3.WithPrefix())
	if err != nil {
		return nil, 0, s.fail("listing for a watch", dir, err)
	}
	out := make(map[string]storewatch.Event, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		ev := s.event(kv.Key, kv.Value, false)
		out[ev.Key] = ev
	}
	return out, resp.Header.Revision, nil
}

// Watch lists dir, then follows it with an etcd watch from the revision
// after the list. A watch that the store compacted past, or that etcd
// cancelled, lists dir again and sends the difference.
func (s *Storage) Watch(ctx context.Context, dir string) ([]storewatch.Event, <-chan storewatch.Event, error) {
	p := s.dirKey(dir)
	now, rev, err := s.list(ctx, dir, p)
	if err != nil {
		return nil, nil, err
	}
	first := make([]storewatch.Event, 0, len(now))
	known := map[string]bool{}
	for k, ev := range now {
		first = append(first, ev)
		known[k] = true
	}
	ch := make(chan storewatch.Event, 64)
	go s.follow(ctx, dir, p, rev, known, ch)
	return first, ch, nil
}

func (s *Storage) follow(ctx context.Context, dir, p string, rev int64, known map[string]bool, ch chan<- storewatch.Event) {
	defer close(ch)
	send := func(ev storewatch.Event) bool {
		select {
		case ch <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for ctx.Err() == nil {
		wctx, cancel := context.WithCancel(ctx)
		wch := s.Client.Watch(clientv3.WithRequireLeader(wctx), p, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
		var werr error
		for resp := range wch {
			if werr = resp.Err(); werr != nil {
				break
			}
			for _, e := range resp.Events {
				ev := s.event(e.Kv.Key, e.Kv.Value, e.Type == clientv3.EventTypeDelete)
				if ev.Deleted {
					delete(known, ev.Key)
				} else {
					known[ev.Key] = true
				}
				if !send(ev) {
					cancel()
					return
				}
			}
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		if s.Logger != nil {
			s.Logger.Warn("etcd storage: a watch ended; listing again", zap.String("dir", dir), zap.Error(werr))
		}
		// Resynchronise: list again (retrying until etcd answers) and send
		// what differs from what was sent.
		for {
			now, r, err := s.list(ctx, dir, p)
			if err == nil {
				for k := range known {
					if _, ok := now[k]; !ok {
						delete(known, k)
						if !send(storewatch.Event{Key: k, Deleted: true}) {
							return
						}
					}
				}
				for k, ev := range now {
					known[k] = true
					if !send(ev) {
						return
					}
				}
				rev = r
				break
			}
			if s.Logger != nil {
				s.Logger.Warn("etcd storage: listing for a watch", zap.String("dir", dir), zap.Error(err))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// Announce stores value at key under a lease of ttl (whole seconds, at
// least one) that it keeps alive until ctx ends, then revokes it.
func (s *Storage) Announce(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl < time.Second {
		return fmt.Errorf("etcd storage: announcing %q: the lease %v is shorter than a second", key, ttl)
	}
	lease, err := s.hold(ctx, key, value, ttl)
	if err != nil {
		return err
	}
	go func() {
		for {
			s.keepAlive(ctx, lease)
			if ctx.Err() != nil {
				rctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
				_, _ = s.Client.Revoke(rctx, lease)
				cancel()
				return
			}
			if s.Logger != nil {
				s.Logger.Warn("etcd storage: the lease of an announced key ended; taking a new one", zap.String("key", key))
			}
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(ttl / 3):
				}
				if lease, err = s.hold(ctx, key, value, ttl); err == nil {
					break
				}
			}
		}
	}()
	return nil
}

// hold grants a lease and stores value at key under it.
func (s *Storage) hold(ctx context.Context, key string, value []byte, ttl time.Duration) (clientv3.LeaseID, error) {
	rctx, cancel := s.reqCtx(ctx)
	defer cancel()
	g, err := s.Client.Grant(rctx, int64((ttl+time.Second-1)/time.Second))
	if err != nil {
		return 0, s.fail("granting the lease of", key, err)
	}
	if _, err := s.Client.Put(rctx, s.dataKey(key), encode(value), clientv3.WithLease(g.ID)); err != nil {
		return 0, s.fail("announcing", key, err)
	}
	return g.ID, nil
}

// keepAlive renews lease until ctx ends or the lease is lost.
func (s *Storage) keepAlive(ctx context.Context, lease clientv3.LeaseID) {
	ka, err := s.Client.KeepAlive(ctx, lease)
	if err != nil {
		return
	}
	for range ka {
	}
}
