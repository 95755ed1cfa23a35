// Package sealed is the Caddy storage module caddy.storage.dstack_sealed: it
// wraps another Caddy storage (the file system by default) and seals every
// value it stores with AES-256-GCM under a key the CVM gets from the KMS, so
// the ACME account key, certificate keys and certificates exist in clear only
// in Caddy's memory.
//
// The sealing key is the guest agent's GetKey for a path of its own (a key
// derived from the app key the KMS released to this CVM), read over the agent's
// socket at provisioning; for development and tests an explicit
// insecure_key_hex or insecure_key_file stands in, with a warning at start.
// The storage key's name is the AEAD's associated data, so values cannot be
// swapped between names. A value that fails to open (a flipped byte, another
// key, a value in clear) is an error that never wraps fs.ErrNotExist:
// certmagic reports it instead of taking the value for missing and ordering a
// new certificate or account.
//
// Locks, List, Stat, Exists, Delete and DeleteIfVersion pass through to
// the wrapped storage unchanged (Stat's size is that of the envelope,
// Overhead bytes more than the value). The package must never write a value in clear, nor fall back
// to another key.
//
// Names other parts of the project store through this module (each sealed
// like any other value): certmagic's own ACME account and certificate keys
// (acme/…, certificates/…), and under dstack/acme/<issuer key>/ the
// dstack_acme issuer's account (account.json).
package sealed

import (
	"context"
	"fmt"

	"github.com/caddyserver/certmagic"
)

// Storage is a certmagic.Storage that seals what it stores in Backend.
type Storage struct {
	Backend certmagic.Storage
	Sealer  *Sealer
}

var _ certmagic.Storage = (*Storage)(nil)

// Lock passes through.
func (s *Storage) Lock(ctx context.Context, name string) error { return s.Backend.Lock(ctx, name) }

// Unlock passes through.
func (s *Storage) Unlock(ctx context.Context, name string) error { return s.Backend.Unlock(ctx, name) }

// Store seals value under key and stores the envelope.
func (s *Storage) Store(ctx context.Context, key string, value []byte) error {
	env, err := s.Sealer.Seal(key, value)
	if err != nil {
		return err
	}
	return s.Backend.Store(ctx, key, env)
}

// Load loads key's envelope and opens it. A missing key is the backend's
// error (fs.ErrNotExist); one that does not open is an error of its own.
func (s *Storage) Load(ctx context.Context, key string) ([]byte, error) {
	env, err := s.Backend.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	v, err := s.Sealer.Open(key, env)
	if err != nil {
		return nil, fmt.Errorf("dstack_sealed storage: %w", err)
	}
	return v, nil
}

// Delete passes through.
func (s *Storage) Delete(ctx context.Context, key string) error { return s.Backend.Delete(ctx, key) }

// Exists passes through.
func (s *Storage) Exists(ctx context.Context, key string) bool { return s.Backend.Exists(ctx, key) }

// List passes through.
func (s *Storage) List(ctx context.Context, path string, recursive bool) ([]string, error) {
	return s.Backend.List(ctx, path, recursive)
}

// Stat passes through: the size is the envelope's.
func (s *Storage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	return s.Backend.Stat(ctx, key)
}

// String names the storage and its key id for Caddy's logs.
func (s *Storage) String() string {
	return fmt.Sprintf("dstack_sealed(key id %s) over %v", s.Sealer.KeyID(), s.Backend)
}
