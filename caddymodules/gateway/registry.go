package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/dstack-go/dstack/caddymodules/internal/storewatch"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
)

// storagePrefix is where registrations live in Caddy's storage, one JSON
// document per instance.
const storagePrefix = "dstack/gateway/instances"

// Instance is one registered CVM.
type Instance struct {
	// AppID, InstanceID and ComposeHash are the verified identity.
	AppID       prpc.Bytes `json:"app_id"`
	InstanceID  prpc.Bytes `json:"instance_id"`
	ComposeHash prpc.Bytes `json:"compose_hash"`
	// TunnelAddress is where its tunnel endpoint listens.
	TunnelAddress string `json:"tunnel_address"`
	// Ports are the ports routed to it: the ones its attested app-compose
	// publishes (tunnel.ComposeRoutes). Any other is refused, and so is
	// every port of a registration stored without them.
	Ports []uint16 `json:"ports,omitempty"`
	// ProxyProtocolPorts are the ports whose layer4 streams start with a
	// PROXY protocol v2 header (its port_policy's pp).
	ProxyProtocolPorts []uint16 `json:"proxy_protocol_ports,omitempty"`
	// TCBStatus is the platform's TCB status when it registered.
	TCBStatus string `json:"tcb_status"`
	// BootInfo is what isAppAllowed is asked about it.
	BootInfo kmsapi.BootInfo `json:"boot_info"`
	// RegisteredAt is the first registration; LastSeen the latest renewal.
	RegisteredAt time.Time `json:"registered_at"`
	LastSeen     time.Time `json:"last_seen"`
	// Allowed, Reason and Block are the chain's latest decision.
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	Block   uint64 `json:"block"`

	// claims caches claimValues: an Instance is not changed once in the
	// registry (a new decision is a new copy), so it is computed once.
	claims []string
}

// key is the instance id in hex, the registry's key: the cached claim once
// the instance is in the registry.
func (i *Instance) key() string {
	if i.claims != nil {
		return i.claims[1]
	}
	return hexKey(i.InstanceID)
}

// appKey is the instance's app id in hex, as routes name it: the cached
// claim, so that a lookup by app encodes nothing.
func (i *Instance) appKey() string { return i.claimValues()[0] }

// allowsPort reports whether port may be routed to: deny by default.
func (i *Instance) allowsPort(port uint16) bool { return slices.Contains(i.Ports, port) }

func (i *Instance) validate() error {
	if len(i.AppID) != 20 || len(i.InstanceID) == 0 {
		return errors.New("registration without a 20-byte app id and an instance id")
	}
	if _, _, err := net.SplitHostPort(i.TunnelAddress); err != nil {
		return fmt.Errorf("tunnel address %q: %w", i.TunnelAddress, err)
	}
	return nil
}

// registry is the set of registered instances, mirrored in storage.
type registry struct {
	storage certmagic.Storage
	// versioned is the storage, when the nodes of a cluster share it: an
	// expiry removes a registration only if no node renewed it since.
	versioned storewatch.Versioned
	mu        sync.RWMutex
	byID      map[string]*Instance
}

func storageKey(id string) string { return storagePrefix + "/" + id + ".json" }

// load reads the registrations kept in storage; a document that does not
// parse is skipped and left where it is.
func (r *registry) load(ctx context.Context) error {
	keys, err := r.storage.List(ctx, storagePrefix, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing registrations in storage: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		raw, err := r.storage.Load(ctx, k)
		if err != nil {
			return fmt.Errorf("loading registration %s: %w", k, err)
		}
		if inst, err := parseStored(k, raw); err == nil {
			r.byID[inst.key()] = inst
		}
	}
	return nil
}

// parseStored reads the registration stored at key k.
func parseStored(k string, raw []byte) (*Instance, error) {
	inst := new(Instance)
	if err := json.Unmarshal(raw, inst); err != nil {
		return nil, fmt.Errorf("parsing the registration: %w", err)
	}
	if err := inst.validate(); err != nil {
		return nil, err
	}
	if storageKey(inst.key()) != k {
		return nil, fmt.Errorf("the registration of instance %s is stored under another instance's key", inst.key())
	}
	inst.claims = claimValues(inst)
	return inst, nil
}

// upsert stores a registration, then routes it: a registration the
// storage refuses is not routed (nor half-written). An instance id already
// registered under another app id is refused.
func (r *registry) upsert(ctx context.Context, inst *Instance) (*Instance, error) {
	r.mu.RLock()
	old := r.byID[inst.key()]
	r.mu.RUnlock()
	if old != nil {
		if hexKey(old.AppID) != hexKey(inst.AppID) {
			return nil, fmt.Errorf("instance %x is registered under app %x", inst.InstanceID, old.AppID)
		}
		inst.RegisteredAt = old.RegisteredAt
	}
	inst.claims = claimValues(inst)
	raw, err := json.Marshal(inst)
	if err != nil {
		return nil, err
	}
	if err := r.storage.Store(ctx, storageKey(inst.key()), raw); err != nil {
		return nil, fmt.Errorf("storing the registration (nothing was stored; register again once the storage answers): %w", err)
	}
	r.take(inst)
	return old, nil
}

// take routes a registration, stored by this node or another, unless the
// registry holds a later renewal of it; it returns the registration it
// replaced and whether it took inst. A registration the chain no longer
// allowed at a block at least as recent stays refused.
func (r *registry) take(inst *Instance) (*Instance, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.byID[inst.key()]
	if old != nil {
		if hexKey(old.AppID) != hexKey(inst.AppID) || old.LastSeen.After(inst.LastSeen) {
			return old, false
		}
		if !old.Allowed && old.Block >= inst.Block {
			c := *inst
			c.Allowed, c.Reason, c.Block = old.Allowed, old.Reason, old.Block
			c.claims = claimValues(&c)
			inst = &c
		}
	}
	r.byID[inst.key()] = inst
	return old, true
}

// drop takes out of the registry the registration stored at key k, which
// the storage no longer holds, and returns it.
func (r *registry) drop(k string) *Instance {
	id, inDir := strings.CutPrefix(k, storagePrefix+"/")
	id, isJSON := strings.CutSuffix(id, ".json")
	if !inDir || !isJSON {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	inst := r.byID[id]
	delete(r.byID, id)
	return inst
}

// remove takes an instance out of the registry and storage, when it is
// registered under app; it reports whether it was registered.
func (r *registry) remove(ctx context.Context, id, app string) (bool, error) {
	r.mu.Lock()
	inst, ok := r.byID[id]
	if ok && inst.appKey() != app {
		r.mu.Unlock()
		return false, fmt.Errorf("instance %s is registered under app %s", id, inst.appKey())
	}
	delete(r.byID, id)
	r.mu.Unlock()
	if !ok {
		return false, nil
	}
	if err := r.delete(ctx, inst); err != nil {
		return true, fmt.Errorf("removing the registration from storage: %w", err)
	}
	return true, nil
}

func (r *registry) delete(ctx context.Context, inst *Instance) error {
	err := r.storage.Delete(ctx, storageKey(inst.key()))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// maxExpiryTries bounds the compare-and-delete of an expired registration
// that renewals keep changing.
const maxExpiryTries = 3

// deleteExpired removes from storage the registration of inst, which
// expired here at now. On a storage the nodes of a cluster share, a node's
// copy may be older than what another node stored (its watch event not yet
// here), or a renewal may land between the read and the removal: the
// removal is a compare-and-delete of the version read, and a stored
// registration not expired at now is routed again and returned instead of
// removed, so an expiry never removes a renewal.
func (r *registry) deleteExpired(ctx context.Context, inst *Instance, now time.Time, ttl time.Duration) (*Instance, error) {
	if r.versioned == nil {
		return nil, r.delete(ctx, inst)
	}
	k := storageKey(inst.key())
	for range maxExpiryTries {
		raw, version, err := r.versioned.LoadVersion(ctx, k)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if stored, err := parseStored(k, raw); err == nil && now.Sub(stored.LastSeen) <= ttl {
			r.take(stored)
			return stored, nil
		}
		deleted, err := r.versioned.DeleteIfVersion(ctx, k, version)
		if err != nil || deleted {
			return nil, err
		}
	}
	return nil, fmt.Errorf("registration %s changed at each of %d reads; left for the next expiry", inst.key(), maxExpiryTries)
}

// expire removes and returns the registrations last seen before now-ttl.
func (r *registry) expire(now time.Time, ttl time.Duration) []*Instance {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Instance
	for k, i := range r.byID {
		if now.Sub(i.LastSeen) > ttl {
			out = append(out, i)
			delete(r.byID, k)
		}
	}
	return out
}

// setDecision records the chain's answer for an instance and reports
// whether it was allowed before.
func (r *registry) setDecision(id string, ans chain.Answer) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.byID[id]
	if !ok {
		return false
	}
	was := i.Allowed
	c := *i
	c.Allowed, c.Reason, c.Block = ans.Allowed, ans.Reason, ans.Block
	c.claims = claimValues(&c)
	r.byID[id] = &c
	return was
}

func (r *registry) get(id string) (*Instance, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	i, ok := r.byID[id]
	return i, ok
}

// ofApp returns the instances of an app, most recently seen first.
func (r *registry) ofApp(app string) []*Instance {
	r.mu.RLock()
	var out []*Instance
	for _, i := range r.byID {
		if i.appKey() == app {
			out = append(out, i)
		}
	}
	r.mu.RUnlock()
	sort.Slice(out, func(a, b int) bool { return out[a].LastSeen.After(out[b].LastSeen) })
	return out
}

func (r *registry) all() []*Instance {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Instance, 0, len(r.byID))
	for _, i := range r.byID {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return hexKey(out[a].InstanceID) < hexKey(out[b].InstanceID) })
	return out
}

// connSet tracks open tunnel connections per instance, so that a revoked
// or expired instance loses its keep-alive connections at once.
type connSet struct {
	mu sync.Mutex
	m  map[string]map[*trackedConn]struct{}
}

func newConnSet() *connSet { return &connSet{m: map[string]map[*trackedConn]struct{}{}} }

type trackedConn struct {
	net.Conn
	set  *connSet
	key  string
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.mu.Lock()
		delete(c.set.m[c.key], c)
		if len(c.set.m[c.key]) == 0 {
			delete(c.set.m, c.key)
		}
		c.set.mu.Unlock()
	})
	return c.Conn.Close()
}

// CloseWrite half-closes when the underlying connection can.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

func (s *connSet) track(key string, c net.Conn) net.Conn {
	t := &trackedConn{Conn: c, set: s, key: key}
	s.mu.Lock()
	if s.m[key] == nil {
		s.m[key] = map[*trackedConn]struct{}{}
	}
	s.m[key][t] = struct{}{}
	s.mu.Unlock()
	return t
}

func (s *connSet) close(key string) {
	s.mu.Lock()
	conns := s.m[key]
	delete(s.m, key)
	s.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	all := s.m
	s.m = map[string]map[*trackedConn]struct{}{}
	s.mu.Unlock()
	for _, conns := range all {
		for c := range conns {
			c.Conn.Close()
		}
	}
}

// count is the number of open connections to an instance.
func (s *connSet) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m[key])
}
