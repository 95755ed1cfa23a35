package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/caddymodules/internal/storewatch"
	"github.com/dstack-go/dstack/internal/tunnel"
)

// DefaultPeerTTL is the lease of a node's peer key.
const DefaultPeerTTL = 5 * time.Second

// peersPrefix is where the live nodes announce themselves in Caddy's
// storage, one lease-held document per node.
const peersPrefix = "dstack/gateway/peers"

// Cluster makes the node one of several that share one registry through
// Caddy's storage, which must be one that can be watched and hold leased
// keys: caddy.storage.etcd, directly or wrapped in caddy.storage.dstack_sealed
// (which seals the registry like anything else it stores).
//
// A registration through any node is stored before it is answered (and
// refused, with nothing stored, when the storage cannot be written), and
// every node learns it from the storage's watch, so each routes it; each
// node applies expiry and the chain's decisions to every registration. An
// expiry removes a registration from the storage only if no node stored it
// since this node read it (a compare-and-delete on its version), so a
// renewal through another node is never lost to a node whose copy lags. A
// node that cannot reach the storage goes on routing what it knows. Each
// node announces its URL under a lease: GetPeers, RegisterCvm's answer and
// the admin API list the live ones.
type Cluster struct {
	// URL is this node's registration endpoint as CVMs and the other nodes
	// reach it ("https://gw1.example.com:8010"). Default: https:// and the
	// address the registration RPC listens at.
	URL string `json:"url,omitempty"`
	// NodeID is this node's id in GetPeers. Default: the first four bytes
	// of the SHA-256 of URL (never 0).
	NodeID uint32 `json:"node_id,omitempty"`
	// PeerTTL is the lease of this node's peer key: a node that dies or
	// loses the storage leaves the peer list this long after its last
	// renewal. Whole seconds, at least 1s. Default 5s.
	PeerTTL caddy.Duration `json:"peer_ttl,omitempty"`
}

// peer is a node's announcement.
type peer struct {
	ID  uint32 `json:"id"`
	URL string `json:"url"`
	// Since is when the node announced itself.
	Since time.Time `json:"since"`
}

// cluster is the running state of the cluster mode.
type cluster struct {
	cfg     *Cluster
	watcher storewatch.Watcher
	ann     storewatch.Announcer
	ctx     context.Context
	cancel  context.CancelFunc
	changes <-chan storewatch.Event
	done    chan struct{}

	mu    sync.RWMutex
	peers map[string]peer // by storage key
	self  peer
}

// provisionCluster checks the cluster options and the storage, and loads
// the registry from the storage's watch.
func (a *App) provisionCluster(ctx caddy.Context) error {
	c := a.Cluster
	if c.PeerTTL == 0 {
		c.PeerTTL = caddy.Duration(DefaultPeerTTL)
	}
	if ttl := time.Duration(c.PeerTTL); ttl < time.Second || ttl%time.Second != 0 {
		return fmt.Errorf("dstack: cluster peer_ttl %v: want whole seconds, at least 1s", ttl)
	}
	if c.URL != "" {
		if u, err := url.Parse(c.URL); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("dstack: cluster url %q: want https://host:port, where CVMs and the other nodes reach this node's registration RPC", c.URL)
		}
	}
	st := ctx.Storage()
	w, okW := st.(storewatch.Watcher)
	an, okA := st.(storewatch.Announcer)
	vs, okV := st.(storewatch.Versioned)
	if !okW || !okA || !okV {
		return fmt.Errorf("dstack: cluster needs a storage the nodes share and can watch (caddy.storage.etcd, or dstack_sealed over it); the configured storage is %T", st)
	}
	cctx, cancel := context.WithCancel(ctx)
	a.cluster = &cluster{cfg: c, watcher: w, ann: an, ctx: cctx, cancel: cancel, peers: map[string]peer{}}
	a.reg.versioned = vs
	now, changes, err := w.Watch(cctx, storagePrefix)
	if err != nil {
		cancel()
		return fmt.Errorf("dstack: loading the registry from the cluster's storage: %w", err)
	}
	a.cluster.changes = changes
	for _, ev := range now {
		a.applyRegistration(ev)
	}
	return nil
}

// startCluster announces this node, follows the other nodes and the
// registry's changes.
func (a *App) startCluster() error {
	c := a.cluster
	if c.cfg.URL == "" {
		c.cfg.URL = "https://" + a.ln.Addr().String()
	}
	if c.cfg.NodeID == 0 {
		c.cfg.NodeID = nodeID(c.cfg.URL)
	}
	self := peer{ID: c.cfg.NodeID, URL: c.cfg.URL, Since: time.Now().UTC()}
	c.mu.Lock()
	c.self = self
	c.mu.Unlock()
	raw, err := json.Marshal(self)
	if err != nil {
		return err
	}
	key := path.Join(peersPrefix, strconv.FormatUint(uint64(self.ID), 10)+".json")
	if err := c.ann.Announce(c.ctx, key, raw, time.Duration(c.cfg.PeerTTL)); err != nil {
		return fmt.Errorf("dstack: announcing this node to the cluster: %w", err)
	}
	now, peers, err := c.watcher.Watch(c.ctx, peersPrefix)
	if err != nil {
		return fmt.Errorf("dstack: listing the cluster's nodes: %w", err)
	}
	for _, ev := range now {
		a.applyPeer(ev)
	}
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		for {
			select {
			case ev, ok := <-c.changes:
				if !ok {
					return
				}
				a.applyRegistration(ev)
			case ev, ok := <-peers:
				if !ok {
					return
				}
				a.applyPeer(ev)
			}
		}
	}()
	a.log.Info("joined the gateway cluster", zap.Uint32("node_id", self.ID), zap.String("url", self.URL), zap.Int("peers", len(a.Peers())))
	return nil
}

// stopCluster ends the watches and the announcement (its lease is revoked).
func (a *App) stopCluster() {
	if a.cluster == nil {
		return
	}
	a.cluster.cancel()
	if a.cluster.done != nil {
		<-a.cluster.done
	}
}

// nodeID is the default id of the node at u.
func nodeID(u string) uint32 {
	h := sha256.Sum256([]byte(u))
	if id := binary.BigEndian.Uint32(h[:4]); id != 0 {
		return id
	}
	return 1
}

// applyRegistration takes a change of the registry's storage: a
// registration stored or renewed by any node, or removed.
func (a *App) applyRegistration(ev storewatch.Event) {
	if ev.Err != nil {
		a.log.Error("a stored registration cannot be read; it is not routed", zap.String("key", ev.Key), zap.Error(ev.Err))
		return
	}
	if ev.Deleted {
		if inst := a.reg.drop(ev.Key); inst != nil {
			a.conns.close(inst.key())
			a.passive.forget(inst.key())
			a.log.Info("registration removed by the cluster", zap.String("app_id", hexKey(inst.AppID)), zap.String("instance_id", hexKey(inst.InstanceID)))
		}
		return
	}
	inst, err := parseStored(ev.Key, ev.Value)
	if err != nil {
		a.log.Error("a stored registration is not valid; it is not routed", zap.String("key", ev.Key), zap.Error(err))
		return
	}
	old, taken := a.reg.take(inst)
	if taken && old != nil && old.TunnelAddress != inst.TunnelAddress {
		a.conns.close(inst.key())
	}
}

func (a *App) applyPeer(ev storewatch.Event) {
	c := a.cluster
	if ev.Err != nil {
		a.log.Error("a node's announcement cannot be read", zap.String("key", ev.Key), zap.Error(ev.Err))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ev.Deleted {
		delete(c.peers, ev.Key)
		return
	}
	var p peer
	if err := json.Unmarshal(ev.Value, &p); err != nil || p.URL == "" {
		a.log.Error("a node's announcement is not valid", zap.String("key", ev.Key), zap.Error(err))
		return
	}
	c.peers[ev.Key] = p
}

// Peers are the cluster's live nodes, this one included, by id; nil when
// the node is not in a cluster.
func (a *App) Peers() []tunnel.PeerInfo {
	if a.cluster == nil {
		return nil
	}
	c := a.cluster
	c.mu.RLock()
	out := make([]tunnel.PeerInfo, 0, len(c.peers)+1)
	me, listed := c.self, false
	for _, p := range c.peers {
		out = append(out, tunnel.PeerInfo{ID: p.ID, URL: p.URL})
		listed = listed || p.URL == me.URL
	}
	c.mu.RUnlock()
	if !listed && me.URL != "" {
		out = append(out, tunnel.PeerInfo{ID: me.ID, URL: me.URL})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// self is this node's id and URL: in a cluster, its announced ones;
// otherwise id 0 and its registration address.
func (a *App) self() tunnel.PeerInfo {
	if c := a.cluster; c != nil {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return tunnel.PeerInfo{ID: c.self.ID, URL: c.self.URL}
	}
	return tunnel.PeerInfo{URL: "https://" + a.RegistrationAddr()}
}

// getPeers is upstream's GetPeers: this node and the live nodes of its
// cluster (this node alone when it is not in one).
func (a *App) getPeers(context.Context, *struct{}) (*tunnel.GetPeersResponse, error) {
	me := a.self()
	peers := a.Peers()
	if peers == nil {
		peers = []tunnel.PeerInfo{me}
	}
	return &tunnel.GetPeersResponse{MyID: me.ID, MyURL: me.URL, Peers: peers}, nil
}

// gatewayNodes are the cluster's nodes as RegisterCvm's answer lists them:
// each holds a live lease, so each was seen now.
func (a *App) gatewayNodes() []tunnel.GatewayNodeInfo {
	if a.cluster == nil {
		return nil
	}
	now := uint64(a.clock.Now().Unix())
	var out []tunnel.GatewayNodeInfo
	for _, p := range a.Peers() {
		out = append(out, tunnel.GatewayNodeInfo{ID: p.ID, URL: p.URL, LastSeen: now})
	}
	return out
}

// errNotCluster is the admin view's answer on a node outside a cluster.
var errNotCluster = errors.New("this gateway is not in a cluster (the dstack app has no cluster option)")
