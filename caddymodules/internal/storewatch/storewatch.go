// Package storewatch is what a Caddy storage shared by several nodes offers
// beyond certmagic.Storage, so that the nodes learn each other's writes as
// they happen: a watch of a directory, keys that live only as long as the
// process that announced them, and a removal that loses to a newer store.
// caddy.storage.etcd implements it, and caddy.storage.dstack_sealed passes
// it through, sealing and opening the values. It only defines the
// interfaces: it must never talk to a store.
package storewatch

import (
	"context"
	"time"
)

// Event is one change below a watched directory.
type Event struct {
	// Key is the storage key (as certmagic names it) that changed.
	Key string
	// Value is its new value; nil when Deleted or when Err is set.
	Value []byte
	// Deleted is set when the key was removed (or its lease ended).
	Deleted bool
	// Err is set when the key's new value cannot be read (not in the
	// storage's format, sealed under another key, altered): the key is to
	// be ignored, not taken for deleted.
	Err error
}

// Watcher is a storage whose changes below a directory can be followed.
type Watcher interface {
	// Watch returns every value below dir now, then sends each later change
	// on the channel, in the order the store made them, until ctx ends (the
	// channel is then closed). A watch that falls behind the store's
	// history lists dir again and sends what changed meanwhile (deletions
	// included). An error means the current values could not be read.
	Watch(ctx context.Context, dir string) ([]Event, <-chan Event, error)
}

// Announcer is a storage that holds a key only while this process lives.
type Announcer interface {
	// Announce stores value at key, held by a lease of ttl that the
	// process renews until ctx ends; the key is then removed. If the
	// process dies or cannot reach the store for ttl, the key goes. A
	// lease that ended while ctx lives is taken again, and the key stored
	// again, once the store answers. The error is that of the first store.
	Announce(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// Versioned is a storage that removes a value only if nobody stored it
// again since it was read, so that of the nodes sharing it, one that
// removes a value it judged stale never removes a newer one another node
// has just stored.
type Versioned interface {
	// LoadVersion returns key's value and its version, which changes at
	// every store of key; fs.ErrNotExist only when the store answered that
	// there is none.
	LoadVersion(ctx context.Context, key string) ([]byte, int64, error)
	// DeleteIfVersion deletes key if its version is still version (and
	// nothing below it), and reports whether it did.
	DeleteIfVersion(ctx context.Context, key string, version int64) (bool, error)
}
