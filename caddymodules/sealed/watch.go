package sealed

import (
	"context"
	"fmt"
	"time"

	"github.com/dstack-go/dstack/caddymodules/internal/storewatch"
)

// Watch passes through to a backend that can be watched, opening each
// value: one that does not open (sealed under another key, altered) is an
// event with Err set and no value, never a value in clear.
func (s *Storage) Watch(ctx context.Context, dir string) ([]storewatch.Event, <-chan storewatch.Event, error) {
	w, ok := s.Backend.(storewatch.Watcher)
	if !ok {
		return nil, nil, fmt.Errorf("dstack_sealed storage: the backend %v cannot be watched", s.Backend)
	}
	now, changes, err := w.Watch(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	for i := range now {
		now[i] = s.open(now[i])
	}
	out := make(chan storewatch.Event)
	go func() {
		defer close(out)
		for ev := range changes {
			select {
			case out <- s.open(ev):
			case <-ctx.Done():
				return
			}
		}
	}()
	return now, out, nil
}

func (s *Storage) open(ev storewatch.Event) storewatch.Event {
	if ev.Deleted || ev.Err != nil {
		return ev
	}
	v, err := s.Sealer.Open(ev.Key, ev.Value)
	if err != nil {
		return storewatch.Event{Key: ev.Key, Err: fmt.Errorf("dstack_sealed storage: %q: %w", ev.Key, err)}
	}
	ev.Value = v
	return ev
}

// Announce seals value and passes it to a backend that can announce.
func (s *Storage) Announce(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	a, ok := s.Backend.(storewatch.Announcer)
	if !ok {
		return fmt.Errorf("dstack_sealed storage: the backend %v cannot announce keys", s.Backend)
	}
	env, err := s.Sealer.Seal(key, value)
	if err != nil {
		return err
	}
	return a.Announce(ctx, key, env, ttl)
}

// LoadVersion loads key's envelope and its version from a backend that
// keeps versions, and opens it.
func (s *Storage) LoadVersion(ctx context.Context, key string) ([]byte, int64, error) {
	v, ok := s.Backend.(storewatch.Versioned)
	if !ok {
		return nil, 0, fmt.Errorf("dstack_sealed storage: the backend %v keeps no versions", s.Backend)
	}
	env, version, err := v.LoadVersion(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	value, err := s.Sealer.Open(key, env)
	if err != nil {
		return nil, 0, fmt.Errorf("dstack_sealed storage: %w", err)
	}
	return value, version, nil
}

// DeleteIfVersion passes through to a backend that keeps versions.
func (s *Storage) DeleteIfVersion(ctx context.Context, key string, version int64) (bool, error) {
	v, ok := s.Backend.(storewatch.Versioned)
	if !ok {
		return false, fmt.Errorf("dstack_sealed storage: the backend %v keeps no versions", s.Backend)
	}
	return v.DeleteIfVersion(ctx, key, version)
}

var (
	_ storewatch.Watcher   = (*Storage)(nil)
	_ storewatch.Announcer = (*Storage)(nil)
	_ storewatch.Versioned = (*Storage)(nil)
)
