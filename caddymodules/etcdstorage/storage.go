// Package etcdstorage is the Caddy storage module caddy.storage.etcd: it keeps
// what Caddy stores (ACME accounts, certificates, keys, the gateway's
// registry) in an etcd cluster under a key prefix, so several Caddy nodes
// share one storage, and its locks are etcd mutexes held by a lease, so
// certmagic obtains a certificate once per cluster and a lock held by a node
// that died is released when its lease expires.
//
// It stores values as given: wrap it in caddy.storage.dstack_sealed for
// anything secret. An etcd that cannot be reached is an error naming the
// operation and the endpoints; the package must never report a value as
// missing (fs.ErrNotExist) unless etcd answered that it is absent.
package etcdstorage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"
)

// valueFormat is the first byte of every stored value; the next 8 bytes are
// the time it was stored (Unix nanoseconds, big-endian), since etcd keeps no
// modification time and certmagic's Stat reports one.
const (
	valueFormat = 1
	headerLen   = 9
)

// ErrCorrupt is returned for a value under the prefix that this package did
// not write (too short or of an unknown format).
var ErrCorrupt = errors.New("value is not in the etcd storage format")

// Storage is a certmagic.Storage on an etcd client. Values live at
// Prefix+"/data/"+key and locks at Prefix+"/locks/"+name.
type Storage struct {
	Client *clientv3.Client
	// Prefix is the etcd key prefix, without a trailing slash.
	Prefix string
	// Timeout bounds each request to etcd.
	Timeout time.Duration
	// LockTTL is the lease of a lock: a holder that stops renewing it (a
	// dead node) loses the lock this long after its last renewal. Whole
	// seconds, at least one.
	LockTTL time.Duration
	Logger  *zap.Logger

	mu    sync.Mutex
	locks map[string]*heldLock
}

type heldLock struct {
	session *concurrency.Session
	mutex   *concurrency.Mutex
}

var (
	_ certmagic.Storage = (*Storage)(nil)
	_ fmt.Stringer      = (*Storage)(nil)
)

func (s *Storage) dataKey(key string) string {
	return s.Prefix + "/data/" + cleanKey(key)
}

// dirKey is the etcd prefix of everything below key as a directory ("" is
// the root).
func (s *Storage) dirKey(key string) string {
	if k := cleanKey(key); k != "" {
		return s.Prefix + "/data/" + k + "/"
	}
	return s.Prefix + "/data/"
}

func cleanKey(key string) string {
	k := strings.Trim(path.Clean("/"+key), "/")
	if k == "." {
		return ""
	}
	return k
}

func (s *Storage) reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.Timeout)
}

func (s *Storage) fail(what, key string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("etcd storage: %s %q at %v: no answer within %v (etcd down or unreachable, or refusing this client's TLS): %w",
			what, key, s.Client.Endpoints(), s.Timeout, err)
	}
	return fmt.Errorf("etcd storage: %s %q at %v: %w", what, key, s.Client.Endpoints(), err)
}

// Store puts value at key with the current time.
func (s *Storage) Store(ctx context.Context, key string, value []byte) error {
	if cleanKey(key) == "" {
		return errors.New("etcd storage: storing: empty key")
	}
	ctx, cancel := s.reqCtx(ctx)
	defer cancel()
	if _, err := s.Client.Put(ctx, s.dataKey(key), encode(value)); err != nil {
		return s.fail("storing", key, err)
	}
	return nil
}

func decode(raw []byte) (modified time.Time, value []byte, err error) {
	if len(raw) < headerLen || raw[0] != valueFormat {
		return time.Time{}, nil, ErrCorrupt
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw[1:headerLen]))), raw[headerLen:], nil
}

// Load returns the value at key; fs.ErrNotExist only when etcd answered that
// there is none.
func (s *Storage) Load(ctx context.Context, key string) ([]byte, error) {
	v, _, err := s.LoadVersion(ctx, key)
	return v, err
}

// Delete deletes key and everything below it, in one transaction.
func (s *Storage) Delete(ctx context.Context, key string) error {
	ctx, cancel := s.reqCtx(ctx)
	defer cancel()
	_, err := s.Client.Txn(ctx).Then(
		clientv3.OpDelete(s.dataKey(key)),
		clientv3.OpDelete(s.dirKey(key), clientv3.WithPrefix()),
	).Commit()
	if err != nil {
		return s.fail("deleting", key, err)
	}
	return nil
}

// Exists reports whether key is a value or a directory (a prefix of values).
// An etcd error reads as false (the interface has no error) and is logged.
func (s *Storage) Exists(ctx context.Context, key string) bool {
	_, err := s.Stat(ctx, key)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && s.Logger != nil {
		s.Logger.Error("etcd storage: checking whether a key exists", zap.String("key", key), zap.Error(err))
	}
	return err == nil
}

// Stat describes key: a value (IsTerminal, with the time it was stored and
// its size) or a directory (a prefix of values, with no time).
func (s *Storage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	ctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.Client.Txn(ctx).Then(
		clientv3.OpGet(s.dataKey(key)),
		clientv3.OpGet(s.dirKey(key), clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(1)),
	).Commit()
	if err != nil {
		return certmagic.KeyInfo{}, s.fail("stat of", key, err)
	}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
		mod, v, err := decode(kvs[0].Value)
		if err != nil {
			return certmagic.KeyInfo{}, fmt.Errorf("etcd storage: stat of %q: %w", key, err)
		}
		return certmagic.KeyInfo{Key: key, Modified: mod, Size: int64(len(v)), IsTerminal: true}, nil
	}
	if len(resp.Responses[1].GetResponseRange().Kvs) > 0 {
		return certmagic.KeyInfo{Key: key, IsTerminal: false}, nil
	}
	return certmagic.KeyInfo{}, fmt.Errorf("etcd storage: stat of %q: %w", key, fs.ErrNotExist)
}

// List lists what lies below the directory dir, as certmagic's FileStorage
// does: the values and directories directly in it, or with recursive every
// value and directory below it, each as dir joined with its name. A
// directory with nothing below it does not exist (fs.ErrNotExist).
func (s *Storage) List(ctx context.Context, dir string, recursive bool) ([]string, error) {
	ctx, cancel := s.reqCtx(ctx)
	defer cancel()
	p := s.dirKey(dir)
	resp, err := s.Client.Get(ctx, p, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, s.fail("listing", dir, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("etcd storage: listing %q: %w", dir, fs.ErrNotExist)
	}
	seen := map[string]bool{}
	var out []string
	for _, kv := range resp.Kvs {
		parts := strings.Split(strings.TrimPrefix(string(kv.Key), p), "/")
		n := 1
		if recursive {
			n = len(parts)
		}
		for i := 1; i <= n; i++ {
			k := path.Join(dir, path.Join(parts[:i]...))
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Lock takes the cluster-wide lock name, waiting until it is free or ctx
// ends. The lock is an etcd mutex held by a lease of LockTTL that this
// process keeps alive until Unlock: if the process dies, the lock is free
// LockTTL later.
func (s *Storage) Lock(ctx context.Context, name string) error {
	gctx, cancel := s.reqCtx(ctx)
	lease, err := s.Client.Grant(gctx, int64(s.LockTTL/time.Second))
	cancel()
	if err != nil {
		return s.fail("granting the lease of lock", name, err)
	}
	sess, err := concurrency.NewSession(s.Client, concurrency.WithLease(lease.ID), concurrency.WithTTL(int(s.LockTTL/time.Second)))
	if err != nil {
		return s.fail("opening the session of lock", name, err)
	}
	m := concurrency.NewMutex(sess, s.Prefix+"/locks/"+name)
	if err := m.Lock(ctx); err != nil {
		sess.Close()
		return s.fail("taking lock", name, err)
	}
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]*heldLock{}
	}
	h := &heldLock{session: sess, mutex: m}
	s.locks[name] = h
	s.mu.Unlock()
	go s.watchLease(name, h)
	return nil
}

// watchLease logs a lock lost while held: its lease expired because etcd
// could not be reached for LockTTL.
func (s *Storage) watchLease(name string, h *heldLock) {
	<-h.session.Done()
	s.mu.Lock()
	held := s.locks[name] == h
	s.mu.Unlock()
	if held && s.Logger != nil {
		s.Logger.Error("etcd storage: a held lock's lease ended (etcd unreachable for longer than lock_ttl); another node may take it", zap.String("lock", name))
	}
}

// Unlock releases the lock name this storage holds.
func (s *Storage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	h := s.locks[name]
	delete(s.locks, name)
	s.mu.Unlock()
	if h == nil {
		return fmt.Errorf("etcd storage: unlocking %q: not held by this node", name)
	}
	ctx, cancel := s.reqCtx(ctx)
	defer cancel()
	err := h.mutex.Unlock(ctx)
	// Revoking the lease frees the lock even when deleting its key failed.
	if cerr := h.session.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return s.fail("unlocking", name, err)
	}
	return nil
}

// String names the storage for Caddy's logs.
func (s *Storage) String() string {
	return fmt.Sprintf("etcd(%s at %v)", s.Prefix, s.Client.Endpoints())
}

// LoadVersion returns the value at key and its etcd mod revision.
func (s *Storage) LoadVersion(ctx context.Context, key string) ([]byte, int64, error) {
	ctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.Client.Get(ctx, s.dataKey(key))
	if err != nil {
		return nil, 0, s.fail("loading", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, 0, fmt.Errorf("etcd storage: loading %q: %w", key, fs.ErrNotExist)
	}
	_, v, err := decode(resp.Kvs[0].Value)
	if err != nil {
		return nil, 0, fmt.Errorf("etcd storage: loading %q: %w", key, err)
	}
	return v, resp.Kvs[0].ModRevision, nil
}

// DeleteIfVersion deletes key, in one transaction, if its mod revision is
// still version.
func (s *Storage) DeleteIfVersion(ctx context.Context, key string, version int64) (bool, error) {
	ctx, cancel := s.reqCtx(ctx)
	defer cancel()
	k := s.dataKey(key)
	resp, err := s.Client.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(k), "=", version)).Then(clientv3.OpDelete(k)).Commit()
	if err != nil {
		return false, s.fail("deleting", key, err)
	}
	return resp.Succeeded, nil
}
