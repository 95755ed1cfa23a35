package kms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms/seal"
	"github.com/dstack-go/dstack/kms/threshold"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/wire"
)

// ThresholdConfig makes the KMS one node of a threshold KMS: its root
// secrets exist only as shares among the nodes (package kms/threshold),
// made by a DKG among them on their first start, sealed in the state
// directory and reused at every later start. Such a node serves
// GetAppKeyShares (and GetMeta), not the replicated KMS's methods that
// need the root keys.
type ThresholdConfig struct {
	// Name is this node's name in the committee: one of Nodes' names.
	// Required.
	Name string `json:"name"`
	// Threshold is t, how many nodes must cooperate to release an app's
	// keys or sign; t−1 learn nothing. Required: at least 2 and at most
	// the number of nodes.
	Threshold int `json:"threshold,omitempty"`
	// Nodes are the committee's n nodes in committee order, this one
	// included: each node's name and the https:// URL of its peer
	// listener. Every node must list the same nodes in the same order.
	// Required.
	Nodes []ThresholdNode `json:"nodes,omitempty"`
	// PeerListen is the address of this node's peer listener, where the
	// other nodes reach it over mutual RA-TLS (its URL in Nodes). Required
	// unless the embedding program hands the server a listener
	// (Server.PeerListener).
	PeerListen string `json:"peer_listen"`
	// DKGTimeout bounds the first start's wait for every peer and its DKG
	// (preparation of this node's pre-parameters excluded), and a
	// resharing's. Default 30m.
	DKGTimeout settings.Duration `json:"dkg_timeout,omitempty"`
	// Reshare, when set, moves the roots from the committee of Nodes and
	// Threshold to the committee it names (other nodes, another
	// threshold) at this start, keeping every public key and every app
	// key; the old shares are destroyed. Every node of both committees is
	// started with the same block (a node that joins lists the old
	// committee in Nodes too). A node already at the new epoch ignores it;
	// a node of the old committee only, once the resharing is done,
	// removes its sealed shares and stops serving. After it, configure the
	// new committee as Nodes and Threshold and remove the block. Default
	// none.
	Reshare *ThresholdReshare `json:"reshare,omitempty"`
	// CommitteeFromChain takes the committee from the chain instead of
	// Nodes, Threshold and Reshare (leave them out): the committees
	// governance decides with DstackKms.setThresholdCommittee (`dstack
	// chain set-threshold-committee`), one per epoch. At start the node
	// takes part in the latest one: the DKG of the first, or the resharing
	// to it from the committee of the key set on chain (or of its own
	// shares). While it serves it reads the chain every CommitteePoll, and
	// a committee decided at a higher epoch is reshared to by every node
	// of both without a restart; a node the new committee leaves out
	// destroys its sealed shares. The key set the new committee writes
	// (threshold-public.json) is then published by governance
	// (setThresholdKeySet), which the contract checks is of the committee
	// it decided; until it is on chain the nodes answer key requests with
	// their old shares (CVMs check partials against the key set on chain),
	// and once it is, with their new ones, a node left out answering no
	// more. Requires auth.chain (the node does not come up without
	// it). Default false.
	CommitteeFromChain bool `json:"committee_from_chain,omitempty"`
	// CommitteePoll is how often a node with CommitteeFromChain reads the
	// chain for a new committee. Default 10s.
	CommitteePoll settings.Duration `json:"committee_poll,omitempty"`

	// dkgEpoch is the epoch of the committee a DKG makes (the first
	// committee on chain's, or a root rotation's); 0 means 1.
	dkgEpoch uint64
	// rotation is set when the committee on chain is a root rotation
	// (DstackKms.setThresholdRootRotation) this node has not carried out:
	// a DKG of new roots at dkgEpoch among Nodes, while the node's shares
	// of the old roots answer until the handover the chain records ends.
	// A node of the old committee only (leaving) keeps Nodes and
	// Threshold of its own committee.
	rotation bool
	leaving  bool
}

// DefaultCommitteePoll is ThresholdConfig.CommitteePoll's default.
const DefaultCommitteePoll = 10 * time.Second

// ThresholdReshare names the committee a resharing moves the roots to,
// and the one they move from.
type ThresholdReshare struct {
	// Epoch is the new committee's epoch, above FromEpoch; it is never
	// reused, and members' Shamir IDs are made from it. Required.
	Epoch uint64 `json:"epoch"`
	// Threshold is the new committee's t: at least 2, at most its number
	// of nodes. Required.
	Threshold int `json:"threshold"`
	// Nodes are the new committee's nodes in committee order, as in
	// ThresholdConfig.Nodes; a node in both committees has the same URL
	// in both. Required.
	Nodes []ThresholdNode `json:"nodes"`
	// FromEpoch is the epoch of the committee of Nodes, whose shares the
	// old members hold (they check it). Default 1, the first DKG's.
	FromEpoch uint64 `json:"from_epoch,omitempty"`
	// RootEpoch is the epoch of the DKG that made the roots. Default 1.
	RootEpoch uint32 `json:"root_epoch,omitempty"`
	// FromNodes, when set, are the members of the old committee that take
	// part, at least its threshold: the others (down, or not to be trusted
	// any more) are left out, and their shares die with the old committee;
	// a node left out removes its sealed shares when it starts with this
	// block. Default every node of Nodes.
	FromNodes []string `json:"from_nodes,omitempty"`
}

// takingPart is the part of the old committee full that takes part in the
// resharing (FromNodes).
func (r *ThresholdReshare) takingPart(full *threshold.Committee) (*threshold.Committee, error) {
	if len(r.FromNodes) == 0 {
		return full, nil
	}
	sub, err := full.Subset(r.FromNodes...)
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: reshare: from_nodes: %w", err)
	}
	if len(sub.Members) < full.Threshold {
		return nil, fmt.Errorf("kms: threshold: reshare: from_nodes names %d nodes of the old committee, and its threshold is %d: a resharing needs that many of them", len(sub.Members), full.Threshold)
	}
	return sub, nil
}

// from returns the committee a resharing moves from, as its old members
// hold it (the config's Nodes and Threshold, FromEpoch, RootEpoch).
func (r *ThresholdReshare) from(c *ThresholdConfig) (*threshold.Committee, error) {
	fromEpoch, rootEpoch := max(r.FromEpoch, 1), max(r.RootEpoch, 1)
	return (&threshold.Committee{RootEpoch: rootEpoch}).Reshared(fromEpoch, c.Threshold, nodeNames(c.Nodes)...)
}

// nodeNames are the nodes' names, in order.
func nodeNames(nodes []ThresholdNode) []string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return names
}

// ThresholdNode is one node of a threshold committee.
type ThresholdNode struct {
	// Name is the node's name in the committee, unique. Required.
	Name string `json:"name"`
	// URL is its peer listener's base URL, https://host:port. Required.
	URL string `json:"url"`
}

// DefaultDKGTimeout is ThresholdConfig.DKGTimeout's default.
const DefaultDKGTimeout = 30 * time.Minute

// validate checks the threshold configuration.
func (c *ThresholdConfig) validate(cfg *Config) error {
	if c.CommitteeFromChain {
		switch {
		case c.Name == "":
			return errors.New("kms: threshold: committee_from_chain: name is required: this node's name in the committees governance decides")
		case len(c.Nodes) > 0 || c.Threshold != 0 || c.Reshare != nil:
			return errors.New("kms: threshold: committee_from_chain takes the committee from the chain: remove nodes, threshold and reshare")
		case cfg.OnboardFrom != "":
			return errors.New("kms: threshold: onboard_from does not apply to a threshold node, whose shares come from the DKG among its committee: remove it")
		case c.DKGTimeout < 0 || c.CommitteePoll < 0:
			return errors.New("kms: threshold: dkg_timeout and committee_poll must be positive")
		}
		return nil
	}
	if c.CommitteePoll != 0 {
		return errors.New("kms: threshold: committee_poll applies with committee_from_chain only")
	}
	n := len(c.Nodes)
	switch {
	case cfg.OnboardFrom != "":
		return errors.New("kms: threshold: onboard_from does not apply to a threshold node, whose shares come from the DKG among its committee: remove it")
	case n < 2:
		return fmt.Errorf("kms: threshold: nodes lists %d nodes; a committee needs at least 2 (every node, this one included, in the same order on every node)", n)
	case c.Threshold < 2 || c.Threshold > n:
		return fmt.Errorf("kms: threshold: threshold %d of %d nodes; it must be at least 2 and at most the number of nodes", c.Threshold, n)
	case c.DKGTimeout < 0:
		return errors.New("kms: threshold: dkg_timeout must be positive")
	}
	names, err := validateNodes("nodes", c.Nodes)
	if err != nil {
		return err
	}
	if r := c.Reshare; r != nil {
		newNames, err := validateNodes("reshare: nodes", r.Nodes)
		if err != nil {
			return err
		}
		for _, o := range c.Nodes {
			for _, n := range r.Nodes {
				if o.Name == n.Name && o.URL != n.URL {
					return fmt.Errorf("kms: threshold: reshare: node %s has url %s there and %s in nodes: one node, one URL", n.Name, n.URL, o.URL)
				}
			}
		}
		if !names[c.Name] && !newNames[c.Name] {
			return fmt.Errorf("kms: threshold: name %q is in neither the old committee (nodes) nor the new one (reshare: nodes)", c.Name)
		}
		from, err := r.from(c)
		if err != nil {
			return fmt.Errorf("kms: threshold: reshare: the committee of nodes: %w", err)
		}
		if r.Epoch <= from.Epoch {
			return fmt.Errorf("kms: threshold: reshare: epoch %d must be above the old committee's (from_epoch %d)", r.Epoch, from.Epoch)
		}
		if _, err := from.Reshared(r.Epoch, r.Threshold, nodeNames(r.Nodes)...); err != nil {
			return fmt.Errorf("kms: threshold: reshare: %w", err)
		}
		_, err = r.takingPart(from)
		return err
	}
	if !names[c.Name] {
		return fmt.Errorf("kms: threshold: name %q is not one of the nodes' names: list this node in nodes too", c.Name)
	}
	return nil
}

// validateNodes checks a committee's node list and returns its names.
func validateNodes(what string, nodes []ThresholdNode) (map[string]bool, error) {
	names := map[string]bool{}
	for i, node := range nodes {
		if node.Name == "" || names[node.Name] {
			return nil, fmt.Errorf("kms: threshold: %s: node %d has an empty or repeated name %q", what, i+1, node.Name)
		}
		names[node.Name] = true
		u, err := url.Parse(node.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("kms: threshold: %s: node %s: url %q must be https://host:port (peers talk mutual RA-TLS)", what, node.Name, node.URL)
		}
	}
	return names, nil
}

// The threshold node's files in the state directory.
const (
	// identityFile holds the node's identity key, sealed: the key of its
	// peer and RPC certificates, which its peers know it by.
	identityFile = "threshold-identity.sealed"
	// preParamsFile holds its tss-lib pre-parameters, sealed.
	preParamsFile = "threshold-preparams.sealed"
	// sharesFile holds its shares of the four roots, sealed.
	sharesFile = "threshold-shares.sealed"
	// previousSharesFile holds, during a root rotation, its shares of the
	// previous roots, sealed: answered with until the handover recorded on
	// chain ends, then removed.
	previousSharesFile = "threshold-shares-previous.sealed"
	// publicFile is the committee's public keys (ThresholdPublic), to be
	// published and given to the CVMs.
	publicFile    = "threshold-public.json"
	identityMagic = "dstack-kms-threshold-identity-v1"
)

// ThresholdPublic is what a threshold committee publishes after its DKG
// (threshold-public.json in each node's state directory): the key set CVMs
// trust, and the root public keys for setKmsInfo.
type ThresholdPublic struct {
	// KeySet is the threshold key set (tkey.KeySet), CAPubkey and
	// K256Pubkey included in its ID.
	KeySet *tkey.KeySet `json:"key_set"`
	// KeySetID is KeySet.ID(), the key-provider id a CVM measures.
	KeySetID string `json:"key_set_id"`
	// CAPubkey is the root CA's SubjectPublicKeyInfo DER, hex.
	CAPubkey string `json:"ca_pubkey"`
	// K256Pubkey is the compressed secp256k1 root public key, hex.
	K256Pubkey string `json:"k256_pubkey"`
	// RootCACert is the root CA certificate, PEM.
	RootCACert string `json:"root_ca_cert"`
	// Epoch is the committee's epoch (a resharing moves the roots to a
	// committee of a higher one; KeySet.Epoch is the roots' epoch).
	Epoch uint64 `json:"epoch"`
	// Shares are every member's public shares of the four roots, in
	// committee order.
	Shares []threshold.MemberShares `json:"shares"`
}

// ChainRecord is what DstackKms.setThresholdKeySet takes to publish the
// committee: its key set and every member's public shares. The key set's
// CAPubkey and K256Pubkey go on chain with setKmsInfo, which must come
// first or in the same block: the record's key-set id covers them.
func (p *ThresholdPublic) ChainRecord() (dstackkms.DstackKmsThresholdKeySet, []dstackkms.DstackKmsThresholdShare, error) {
	rec, shares := chain.ThresholdRecord(p.KeySet, p.Epoch)
	if p.Epoch == 0 || len(p.Shares) != len(shares) {
		return rec, nil, fmt.Errorf("the threshold public record of epoch %d lists %d members' shares, and its key set %d: "+
			"it was written before the shares were recorded; restart the node to rewrite it", p.Epoch, len(p.Shares), len(shares))
	}
	for i, m := range p.Shares {
		if m.ID == nil || m.ID.BitLen() > 256 || [32]byte(m.ID.FillBytes(make([]byte, 32))) != shares[i].Id ||
			!bytes.Equal(m.Points[threshold.RootDerivation], shares[i].Derivation) {
			return rec, nil, fmt.Errorf("the threshold public record: member %s's derivation share is not the key set's", m.Node)
		}
		if !bytes.Equal(m.Points[threshold.RootEnv], shares[i].Env[:]) {
			return rec, nil, fmt.Errorf("the threshold public record: member %s's env share is not the key set's", m.Node)
		}
		shares[i].Node, shares[i].Ca, shares[i].K256 = m.Node, m.Points[threshold.RootCA], m.Points[threshold.RootK256]
	}
	return rec, shares, nil
}

// ReadThresholdPublic reads a node's threshold-public.json.
func ReadThresholdPublic(stateDir string) (*ThresholdPublic, error) {
	b, err := os.ReadFile(stateDir + "/" + publicFile)
	if err != nil {
		return nil, fmt.Errorf("reading the threshold KMS's public keys: %w", err)
	}
	return ParseThresholdPublic(b)
}

// ParseThresholdPublic reads the contents of a threshold-public.json.
func ParseThresholdPublic(b []byte) (*ThresholdPublic, error) {
	p := new(ThresholdPublic)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("reading %s: %w", publicFile, err)
	}
	if p.KeySet == nil {
		return nil, fmt.Errorf("reading %s: no key set", publicFile)
	}
	ca, _ := hex.DecodeString(p.CAPubkey)
	k, _ := hex.DecodeString(p.K256Pubkey)
	p.KeySet.CAPubkey, p.KeySet.K256Pubkey = ca, k
	if id := p.KeySet.ID(); hex.EncodeToString(id[:]) != p.KeySetID {
		return nil, fmt.Errorf("reading %s: the key set's ID is not key_set_id", publicFile)
	}
	return p, nil
}

// tnode is a running threshold node: its threshold.Node, the peer
// transport and listener, and its bring-up.
type tnode struct {
	cfg   *ThresholdConfig
	st    stateDir
	p     *prepared
	svc   *Service
	log   *zap.Logger
	dom   string
	node  *threshold.Node
	tr    *threshold.PeerTransport
	key   *ecdsa.PrivateKey
	spki  []byte
	peer  *http.Server
	rpc   atomic.Pointer[tls.Certificate]
	ready chan struct{}
	err   error
	// reader reads the committees governance decides
	// (CommitteeFromChain); nil otherwise.
	reader *chain.Reader
	// prev are the node's shares of the previous roots during a root
	// rotation's handover; nil otherwise. Only the bring-up and then the
	// follow loop touch it.
	prev *threshold.Shares
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// newTNode prepares a threshold node: its identity key (made once, then
// unsealed) and its peer transport. Nothing is served yet.
func newTNode(ctx context.Context, cfg Config, p *prepared, svc *Service, log *zap.Logger) (*tnode, error) {
	t := &tnode{cfg: cfg.Threshold, st: stateDir{dir: cfg.StateDir}, p: p, svc: svc, log: log, dom: cfg.Domain, ready: make(chan struct{})}
	if err := os.MkdirAll(t.st.dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	key, err := t.identity()
	if err != nil {
		return nil, err
	}
	t.key = key
	if t.spki, err = x509.MarshalPKIXPublicKey(&key.PublicKey); err != nil {
		return nil, err
	}
	cert, err := ratls.IssueFor(ctx, p.self.Attester, key, ratls.CertOptions{Subject: t.cfg.Name, ServerAuth: true, ClientAuth: true}, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: issuing the peer certificate: %w", err)
	}
	t.node = &threshold.Node{Name: t.cfg.Name, Logger: log, Timeout: 10 * time.Minute, Approve: t.approve}
	t.tr = &threshold.PeerTransport{Node: t.node, Peers: t.cfg.peers(), Certificate: cert, Attestation: p.self.Attestation,
		Policy: p.self.PeerCheck(p.auth), Logger: log}
	t.node.Transport = t.tr
	return t, nil
}

// peers are the nodes this one talks to: the committee's, and a
// resharing's new committee's and the old members taking part.
func (c *ThresholdConfig) peers() map[string]threshold.Peer {
	peers := map[string]threshold.Peer{}
	all := c.Nodes
	if r := c.Reshare; r != nil {
		all = append(slices.Clone(all), r.Nodes...)
		if len(r.FromNodes) > 0 {
			// Only the nodes that take part are waited for and talked to.
			all = slices.DeleteFunc(all, func(n ThresholdNode) bool {
				return !slices.Contains(r.FromNodes, n.Name) && !slices.ContainsFunc(r.Nodes, func(m ThresholdNode) bool { return m.Name == n.Name })
			})
		}
	}
	for _, n := range all {
		if n.Name != c.Name {
			peers[n.Name] = threshold.Peer{URL: n.URL}
		}
	}
	return peers
}

// identity unseals the node's identity key, or makes and seals one on
// first start.
func (t *tnode) identity() (*ecdsa.PrivateKey, error) {
	path := t.st.path(identityFile)
	sealed, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		defer clear(der)
		b, err := seal.Seal(identityMagic, t.p.sealingKey, der)
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(t.st, identityFile, b); err != nil {
			return nil, fmt.Errorf("kms: threshold: storing the identity key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: reading the identity key: %w", err)
	}
	der, err := seal.Open(identityMagic, t.p.sealingKey, sealed)
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: unsealing %s: %w: %s", path, err, otherSealingKey)
	}
	defer clear(der)
	return x509.ParseECPrivateKey(der)
}

// otherSealingKey says what a sealed file that does not open means.
const otherSealingKey = "this node's sealing key is not the one that sealed it (another machine, another KMS measurement, " +
	"or another sealing_key_hex); a node cannot read another's share. Start it with the sealing key it had, or, to replace " +
	"the node, reshare the committee to a new node"

// writeAtomic writes name in the state directory through a synced
// temporary file.
func writeAtomic(st stateDir, name string, b []byte) error {
	if err := writeSynced(st.path(name+tmpSuffix), b); err != nil {
		return err
	}
	if err := os.Rename(st.path(name+tmpSuffix), st.path(name)); err != nil {
		return err
	}
	return syncDir(st.dir)
}

// serve starts the peer listener on ln and the bring-up: pre-parameters,
// shares (unsealed, or the DKG on first start), the RPC certificate.
func (t *tnode) serve(ln net.Listener) {
	t.peer = &http.Server{Handler: t.tr.Handler(), TLSConfig: t.tr.ServerTLS(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: zap.NewStdLog(t.log)}
	go func() { _ = t.peer.Serve(tls.NewListener(ln, t.peer.TLSConfig)) }()
	ctx, cancel := context.WithCancel(context.Background())
	t.stop = cancel
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		err := t.bringUp(ctx)
		if err != nil {
			t.log.Error("threshold KMS node failed to come up", zap.Error(err))
		} else {
			t.log.Info("threshold KMS node serving", zap.String("name", t.cfg.Name))
		}
		t.err = err
		close(t.ready)
		if err == nil && t.reader != nil {
			t.follow(ctx)
		}
	}()
}

// close stops the bring-up and the peer listener.
func (t *tnode) close(ctx context.Context) error {
	if t.stop != nil {
		t.stop()
	}
	t.wg.Wait()
	if t.peer != nil {
		return t.peer.Shutdown(ctx)
	}
	return nil
}

// bringUp makes the node ready to serve.
func (t *tnode) bringUp(ctx context.Context) error {
	sh, err := t.loadShares()
	if err != nil {
		return err
	}
	if t.cfg.CommitteeFromChain {
		a, ok := t.svc.Auth.(*ChainAuthorizer)
		if !ok {
			return errors.New("kms: threshold: committee_from_chain reads the committee from DstackKms: configure auth.chain")
		}
		t.reader = a.Reader
		if err := t.takeCommittee(ctx, sh); err != nil {
			return err
		}
	}
	if t.prev, err = t.loadPrevious(sh); err != nil {
		return err
	}
	switch r := t.cfg.Reshare; {
	case r != nil && (sh == nil || sh.Committee.Epoch < r.Epoch):
		if sh, err = t.reshare(ctx, sh); err != nil {
			return err
		}
	case t.cfg.rotation && !t.cfg.leaving:
		old := sh
		if sh, err = t.rotate(ctx, sh); err != nil {
			return err
		}
		t.prev = old
	case sh == nil:
		if sh, err = t.dkg(ctx); err != nil {
			return err
		}
	default:
		if err := t.node.SetShares(sh); err != nil {
			return err
		}
		// Rewritten at every start: it is derived from the shares.
		if err := t.writePublic(sh); err != nil {
			return err
		}
	}
	if err := t.matches(sh.Committee); err != nil {
		return err
	}
	cert, err := t.rpcCert(ctx)
	if err != nil {
		return err
	}
	if err := t.publish(sh); err != nil {
		return err
	}
	t.svc.ThresholdNode = t.node
	t.rpc.Store(cert) // publishes the field above to the RPC handlers
	return nil
}

// publish gives the RPC handlers the shares' derivation and env shares,
// with, during a root rotation, those of the previous roots (t.prev): each
// root epoch is then answered for only while the chain honours it. A
// node leaving at a rotation's end answers only while the chain honours
// its root epoch too.
func (t *tnode) publish(sh *threshold.Shares) error {
	derivation, env := map[uint32]*tkey.Share{}, map[uint32]*tecdh.Share{}
	for _, s := range []*threshold.Shares{t.prev, sh} {
		if s == nil {
			continue
		}
		d, err := s.Derivation()
		if err != nil {
			return err
		}
		share, err := d.TKeyShare()
		if err != nil {
			return err
		}
		envShare, _, err := s.EnvShare()
		if err != nil {
			return err
		}
		derivation[d.RootEpoch], env[d.RootEpoch] = &share, envShare
	}
	if t.prev == nil && !t.cfg.leaving {
		t.svc.setThresholdShares(derivation, env)
		return nil
	}
	if t.reader == nil {
		return errors.New("kms: threshold: shares of a root rotation are answered for only as the chain says: configure committee_from_chain")
	}
	t.svc.setRotatingShares(derivation, env, t.honoured)
	return nil
}

// honoured checks that the chain honours root epoch: the key set on chain
// is of it, or a root rotation's handover under way is from it.
func (t *tnode) honoured(ctx context.Context, epoch uint32) error {
	ks, _, block, err := t.reader.ThresholdKeySet(ctx)
	if err != nil {
		return fmt.Errorf("reading the key set on chain: %w", err)
	}
	if ks.Epoch == epoch {
		return nil
	}
	h, _, err := t.reader.ThresholdHandover(ctx)
	if err != nil {
		return fmt.Errorf("reading the root rotation's handover on chain: %w", err)
	}
	if h != nil && h.KeySet.Epoch == epoch {
		return nil
	}
	return fmt.Errorf("the chain honours root epoch %d (block %d), and no handover from root epoch %d is under way", ks.Epoch, block, epoch)
}

// rotate makes new roots by a DKG among the rotation's committee (the
// configuration's Nodes at dkgEpoch), first sealing the node's shares of
// the old roots apart (previousSharesFile), where they stay until the
// handover the chain records ends. A node without shares joins the DKG
// only.
func (t *tnode) rotate(ctx context.Context, old *threshold.Shares) (*threshold.Shares, error) {
	if old != nil {
		sealed, err := old.Seal(t.p.sealingKey)
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(t.st, previousSharesFile, sealed); err != nil {
			return nil, fmt.Errorf("kms: threshold: storing the previous roots' shares: %w", err)
		}
	}
	t.log.Info("root rotation: a DKG of new roots", zap.Uint64("epoch", t.cfg.dkgEpoch), zap.Strings("committee", nodeNames(t.cfg.Nodes)))
	return t.dkg(ctx)
}

// loadPrevious unseals the node's shares of the previous roots, kept
// during a root rotation's handover; nil when it has none. Shares of the
// roots of sh (or later) are what a rotation interrupted before its DKG
// left: removed.
func (t *tnode) loadPrevious(sh *threshold.Shares) (*threshold.Shares, error) {
	prev, err := t.loadSharesFile(previousSharesFile)
	if err != nil || prev == nil {
		return nil, err
	}
	if sh == nil || prev.Committee.RootEpoch >= sh.Committee.RootEpoch {
		return nil, t.dropPrevious()
	}
	return prev, nil
}

// matches checks that the committee of the sealed shares is the
// configured one (the reshare block's, when there is one).
func (t *tnode) matches(c *threshold.Committee) error {
	names, thr := nodeNames(t.cfg.Nodes), t.cfg.Threshold
	if r := t.cfg.Reshare; r != nil {
		names, thr = nodeNames(r.Nodes), r.Threshold
		if c.Epoch != r.Epoch {
			return fmt.Errorf("kms: threshold: the sealed shares are of the committee of epoch %d, and the reshare block names epoch %d: "+
				"an epoch is never reused; name a new one to reshare again", c.Epoch, r.Epoch)
		}
	}
	if !slices.Equal(c.Nodes(), names) || c.Threshold != thr {
		return fmt.Errorf("kms: threshold: the sealed shares are of a %d-of-%v committee, and the configuration names a %d-of-%v one: "+
			"configure the committee the shares belong to (changing it takes a resharing: the reshare block)", c.Threshold, c.Nodes(), thr, names)
	}
	return nil
}

// ErrRetired is a node's bring-up error once a resharing moved the roots
// to a committee it is not a member of.
var ErrRetired = errors.New("this node is not a member of the threshold committee any more")

// reshare moves the roots from the committee of the configuration's nodes
// to the reshare block's, with every node of both, this one holding cur
// (nil for a node that joins). A node of the new committee seals its new
// shares in place of its old ones; a node of the old one only hands the
// root CA certificate over to the joining nodes, removes its sealed shares
// and returns ErrRetired.
func (t *tnode) reshare(ctx context.Context, cur *threshold.Shares) (*threshold.Shares, error) {
	r := t.cfg.Reshare
	full, err := r.from(t.cfg)
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: reshare: %w", err)
	}
	to, err := full.Reshared(r.Epoch, r.Threshold, nodeNames(r.Nodes)...)
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: reshare: %w", err)
	}
	from, err := r.takingPart(full)
	if err != nil {
		return nil, err
	}
	inOld, inFrom, inTo := full.Index(t.cfg.Name) >= 0, from.Index(t.cfg.Name) >= 0, to.Index(t.cfg.Name) >= 0
	switch {
	case inOld && cur == nil:
		return nil, fmt.Errorf("kms: threshold: reshare: %w: this node of the committee of epoch %d holds no shares (retired by an earlier run of this resharing, or lost): "+
			"remove it from the configuration, or reshare without it (from_nodes)", ErrRetired, full.Epoch)
	case inOld && cur.Committee.Digest() != full.Digest():
		return nil, fmt.Errorf("kms: threshold: reshare: the sealed shares are of the %d-of-%v committee of epoch %d (root epoch %d), and the configuration names the %d-of-%v one of epoch %d (root epoch %d): "+
			"set nodes, threshold, from_epoch and root_epoch to the committee the shares belong to", cur.Committee.Threshold, cur.Committee.Nodes(), cur.Committee.Epoch,
			cur.Committee.RootEpoch, full.Threshold, full.Nodes(), full.Epoch, full.RootEpoch)
	case inOld && !inFrom && !inTo:
		if err := t.retire(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("kms: threshold: %w: the resharing to the committee of epoch %d (%v) leaves this node out (from_nodes), and its shares are destroyed: remove it", ErrRetired, to.Epoch, to.Nodes())
	}
	if cur != nil {
		if err := t.node.SetShares(cur); err != nil {
			return nil, err
		}
	}
	if inTo {
		if err := t.reusePreParams(ctx, cur); err != nil {
			return nil, err
		}
	}
	ctx, cancel, err := t.awaitPeers(ctx, t.behind(cur, to))
	defer cancel()
	if err != nil {
		return nil, err
	}
	var rootCert []byte
	if cur != nil {
		rootCert = cur.RootCert
	}
	start := time.Now()
	t.log.Info("threshold resharing starting", zap.Uint64("from_epoch", from.Epoch), zap.Strings("from", from.Nodes()), zap.Int("from_threshold", from.Threshold),
		zap.Uint64("epoch", to.Epoch), zap.Strings("to", to.Nodes()), zap.Int("threshold", to.Threshold))
	sh, err := t.node.Reshare(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: %w", err)
	}
	if inFrom {
		// The joining nodes hold the roots' shares now, not the root CA
		// certificate: every old member offers it (they adopt the same
		// one once).
		if err := retry(ctx, t.log, "handing the root CA certificate over to the joining nodes", func(ctx context.Context) error {
			return t.node.HandOverRootCert(ctx, rootCert, from, to)
		}); err != nil {
			return nil, err
		}
	}
	if !inTo {
		if err := t.retire(); err != nil {
			return nil, err
		}
		t.log.Warn("threshold resharing done: this node is retired, its shares removed", zap.Uint64("epoch", to.Epoch), zap.Duration("took", time.Since(start)))
		return nil, fmt.Errorf("kms: threshold: %w: the resharing to the committee of epoch %d (%v) is done and this node's shares are destroyed: remove it", ErrRetired, to.Epoch, to.Nodes())
	}
	if len(sh.RootCert) == 0 {
		if _, err := t.node.WaitRootCert(ctx); err != nil {
			return nil, fmt.Errorf("kms: threshold: %w", err)
		}
		sh = t.node.Shares()
	}
	if err := t.store(sh); err != nil {
		return nil, err
	}
	t.log.Warn("threshold resharing done: publish the new committee's key set and public shares (setThresholdKeySet)", zap.Duration("took", time.Since(start)),
		zap.String("public_keys", t.st.path(publicFile)))
	return sh, nil
}

// retire removes the node's sealed shares.
func (t *tnode) retire() error { return t.removeSealed(sharesFile, "the retired shares") }

// dropPrevious destroys the node's shares of the previous roots.
func (t *tnode) dropPrevious() error {
	return t.removeSealed(previousSharesFile, "the previous roots' shares")
}

// removeSealed removes the sealed file name (what it holds, for the
// error), durably.
func (t *tnode) removeSealed(name, what string) error {
	if err := os.Remove(t.st.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("kms: threshold: removing %s: %w", what, err)
	}
	return syncDir(t.st.dir)
}

// reusePreParams loads the node's pre-parameters for a resharing: the
// sealed ones, else those its shares were made with (tss-lib keeps them in
// the save data), else new ones.
func (t *tnode) reusePreParams(ctx context.Context, cur *threshold.Shares) error {
	if cur != nil && !exists(t.st.path(preParamsFile)) {
		if k := cur.Keys[threshold.RootDerivation]; k != nil && k.LocalPreParams.ValidateWithProof() {
			pre := k.LocalPreParams
			t.node.PreParams = &pre
			return nil
		}
	}
	return t.preParams(ctx)
}

// loadShares unseals the node's shares; nil when it has none yet.
func (t *tnode) loadShares() (*threshold.Shares, error) {
	return t.loadSharesFile(sharesFile)
}

// loadSharesFile unseals the node's shares in name; nil when there is no
// such file.
func (t *tnode) loadSharesFile(name string) (*threshold.Shares, error) {
	path := t.st.path(name)
	sealed, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: reading the shares: %w", err)
	}
	sh, err := threshold.UnsealShares(sealed, t.p.sealingKey)
	if errors.Is(err, threshold.ErrUnseal) {
		return nil, fmt.Errorf("kms: threshold: unsealing %s: %w: %s", path, err, otherSealingKey)
	}
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: unsealing %s: %w", path, err)
	}
	if sh.Self != t.cfg.Name {
		return nil, fmt.Errorf("kms: threshold: %s holds %s's shares, and this node is named %s", path, sh.Self, t.cfg.Name)
	}
	if len(sh.RootCert) == 0 {
		return nil, fmt.Errorf("kms: threshold: %s holds no root CA certificate", path)
	}
	return sh, nil
}

// preParams unseals the node's pre-parameters, or generates and seals
// them (tens of seconds of CPU) when it has none.
func (t *tnode) preParams(ctx context.Context) error {
	path := t.st.path(preParamsFile)
	sealed, err := os.ReadFile(path)
	if err == nil {
		pre, err := threshold.UnsealPreParams(sealed, t.p.sealingKey)
		if err != nil {
			return fmt.Errorf("kms: threshold: unsealing %s: %w: %s", path, err, otherSealingKey)
		}
		t.node.PreParams = pre
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("kms: threshold: reading the pre-parameters: %w", err)
	}
	start := time.Now()
	t.log.Info("generating this node's threshold pre-parameters (safe primes, once: tens of seconds)")
	pre, err := threshold.GeneratePreParams(ctx)
	if err != nil {
		return err
	}
	b, err := threshold.SealPreParams(pre, t.p.sealingKey)
	if err != nil {
		return err
	}
	if err := writeAtomic(t.st, preParamsFile, b); err != nil {
		return fmt.Errorf("kms: threshold: storing the pre-parameters: %w", err)
	}
	t.log.Info("threshold pre-parameters generated and sealed", zap.Duration("took", time.Since(start)))
	t.node.PreParams = pre
	return nil
}

// dkg runs the committee's DKG once every peer is reachable and accepted,
// has the root CA certificate issued (by the committee's first node) and
// shared, and seals the shares and writes the public record.
func (t *tnode) dkg(ctx context.Context) (*threshold.Shares, error) {
	if err := t.preParams(ctx); err != nil {
		return nil, err
	}
	ctx, cancel, err := t.awaitPeers(ctx, nil)
	defer cancel()
	if err != nil {
		return nil, err
	}
	names := nodeNames(t.cfg.Nodes)
	com, err := threshold.NewCommittee(max(t.cfg.dkgEpoch, 1), t.cfg.Threshold, names...)
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: %w", err)
	}
	start := time.Now()
	t.log.Info("threshold DKG starting", zap.Strings("committee", names), zap.Int("threshold", t.cfg.Threshold))
	if _, err := t.node.Keygen(ctx, com); err != nil {
		return nil, fmt.Errorf("kms: threshold: %w", err)
	}
	if names[0] == t.cfg.Name {
		// The co-signers may still be finishing their DKG: retried
		// until they hold their shares.
		notBefore := time.Now().Add(-time.Hour)
		if err := retry(ctx, t.log, "issuing the root CA certificate", func(ctx context.Context) error {
			_, err := t.node.IssueRootCert(ctx, notBefore)
			return err
		}); err != nil {
			return nil, err
		}
		if err := retry(ctx, t.log, "sharing the root CA certificate", t.node.ShareRootCert); err != nil {
			return nil, err
		}
	} else if _, err := t.node.WaitRootCert(ctx); err != nil {
		return nil, fmt.Errorf("kms: threshold: %w", err)
	}
	sh := t.node.Shares()
	if err := t.store(sh); err != nil {
		return nil, err
	}
	t.log.Warn("threshold DKG done: publish the committee's keys with setKmsInfo", zap.Duration("took", time.Since(start)),
		zap.String("public_keys", t.st.path(publicFile)))
	return sh, nil
}

// awaitPeers bounds ctx by the DKG timeout (a DKG's or a resharing's)
// and waits until every peer is up and accepted (its attestation and the
// KMS policy), and its identity key learned.
// check, when set, runs at every try with the peers learned so far; a
// permanent error from it ends the wait.
func (t *tnode) awaitPeers(ctx context.Context, check func(context.Context) error) (context.Context, context.CancelFunc, error) {
	timeout := time.Duration(t.cfg.DKGTimeout)
	if timeout == 0 {
		timeout = DefaultDKGTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, cancel, retry(ctx, t.log, "waiting for every peer of the committee", func(ctx context.Context) error {
		err := t.tr.Learn(ctx)
		if check != nil {
			if cerr := check(ctx); cerr != nil {
				return cerr
			}
		}
		return err
	})
}

// permanent is an error retry does not try again after.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// ErrBehind is a node's resharing error when the committee it reshares to
// holds its new shares already: the resharing completed without this
// node, which was down (or failed) before it sealed its own new shares.
var ErrBehind = errors.New("the committee this node reshares to completed the resharing without it")

// behind reports, for a node holding the shares cur of an older committee
// (nil for a node that joins), whether at least to's threshold of to's other members say their shares
// are of to (or later) already: then the resharing completed without this
// node, whose new shares are lost and whose old ones must not outlive their
// committee (with t others they would still give the root). It destroys
// them and returns a permanent ErrBehind. Fewer members ahead than the
// threshold is no proof (t colluding new members hold the root anyway,
// fewer might lie), and the wait goes on.
func (t *tnode) behind(cur *threshold.Shares, to *threshold.Committee) func(context.Context) error {
	return func(ctx context.Context) error {
		var ahead []string
		for _, name := range to.Nodes() {
			if name == t.cfg.Name || len(t.tr.PeerKey(name)) == 0 {
				continue
			}
			if st, err := t.tr.Status(ctx, name); err == nil && st.Epoch >= to.Epoch && st.RootEpoch == to.RootEpoch {
				ahead = append(ahead, name)
			}
		}
		if len(ahead) < to.Threshold {
			return nil
		}
		if cur == nil {
			return permanent{fmt.Errorf("kms: threshold: %w: %v hold the shares of the committee of epoch %d, and this joining node's were never sealed (it stopped or failed before): "+
				"have it join by a resharing to a new epoch (a reshare block, or dstack chain set-threshold-committee)", ErrBehind, ahead, to.Epoch)}
		}
		if err := t.retire(); err != nil {
			return permanent{err}
		}
		_ = t.node.SetShares(nil)
		return permanent{fmt.Errorf("kms: threshold: %w: %v hold the shares of the committee of epoch %d, and this node's new shares were never sealed (it stopped or failed before); "+
			"its shares of epoch %d are destroyed, since they would still combine with the old committee's. Have it join again by a resharing to a new epoch that takes it in (a reshare block, or dstack chain set-threshold-committee)",
			ErrBehind, ahead, to.Epoch, cur.Committee.Epoch)}
	}
}

// retry calls f until it succeeds or ctx ends, logging failures.
func retry(ctx context.Context, log *zap.Logger, what string, f func(context.Context) error) error {
	wait := 200 * time.Millisecond
	logged := time.Time{}
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		var p permanent
		if errors.As(err, &p) {
			return p.error
		}
		if time.Since(logged) > 10*time.Second {
			log.Info(what, zap.Error(err))
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kms: threshold: %s: %w (last: %w)", what, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// store seals the shares and writes the public record.
func (t *tnode) store(sh *threshold.Shares) error {
	sealed, err := sh.Seal(t.p.sealingKey)
	if err != nil {
		return err
	}
	if err := t.writePublic(sh); err != nil {
		return err
	}
	if err := writeAtomic(t.st, sharesFile, sealed); err != nil {
		return fmt.Errorf("kms: threshold: storing the shares: %w", err)
	}
	return nil
}

// writePublic writes the committee's public record.
func (t *tnode) writePublic(sh *threshold.Shares) error {
	pub, err := NewThresholdPublic(sh)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(pub, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(t.st, publicFile, b); err != nil {
		return fmt.Errorf("kms: threshold: writing the public keys: %w", err)
	}
	return nil
}

// NewThresholdPublic is the public record of a committee member's shares
// (the same for every member).
func NewThresholdPublic(sh *threshold.Shares) (*ThresholdPublic, error) {
	ks, err := sh.KeySet()
	if err != nil {
		return nil, err
	}
	members, err := sh.PublicShares()
	if err != nil {
		return nil, err
	}
	id := ks.ID()
	return &ThresholdPublic{KeySet: ks, KeySetID: hex.EncodeToString(id[:]), CAPubkey: hex.EncodeToString(ks.CAPubkey),
		K256Pubkey: hex.EncodeToString(ks.K256Pubkey), RootCACert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sh.RootCert})),
		Epoch: sh.Committee.Epoch, Shares: members}, nil
}

// rpcCert has the committee sign this node's RPC certificate, retrying
// while too few peers are up to co-sign.
func (t *tnode) rpcCert(ctx context.Context) (*tls.Certificate, error) {
	att, err := t.p.self.Attester.Attest(ctx, ratls.ReportData(t.spki))
	if err != nil {
		return nil, fmt.Errorf("kms: threshold: attesting the RPC key: %w", err)
	}
	var cert *tls.Certificate
	err = retry(ctx, t.log, "having the RPC certificate signed by the committee", func(ctx context.Context) error {
		_ = t.tr.Learn(ctx) // co-signers that came up since
		c, err := t.node.SignRPCCert(ctx, t.spki, t.dom, att)
		cert = c
		return err
	})
	if err != nil {
		return nil, err
	}
	cert.PrivateKey = t.key
	return cert, nil
}

// approve is the node's co-signing policy: an RPC certificate only for
// the requesting node's own identity key and an attestation this node
// verifies and its KMS policy accepts; an app CA certificate, or a
// dstack-kms-issued signature of an app's k256 key, only for a key that
// evidence this node verifies binds, of an app its authorizer allows; an
// app's env-encrypt public key, which the statement's preparation checked
// is the app's key under the env root.
// Other statements are not co-signed by a node started from configuration
// yet.
func (t *tnode) approve(ctx context.Context, from string, st *threshold.Statement) error {
	switch st.Kind {
	case threshold.KindKmsRPCCert:
	case threshold.KindAppCACert:
		b, err := t.svc.AuthorizeAppKey(ctx, "co-sign app CA", st.PublicKey, st.Evidence)
		if err != nil {
			return err
		}
		if !bytes.Equal(b.AppID, st.AppID) {
			return errors.New("the app CA key's evidence is another app's")
		}
		return nil
	case threshold.KindKmsIssued:
		b, err := t.svc.AuthorizeKmsIssuedKey(ctx, "co-sign kms-issued", st.PublicKey, st.Evidence)
		if err != nil {
			return err
		}
		if !bytes.Equal(b.AppID, st.AppID) {
			return errors.New("the app key's evidence is another app's")
		}
		return nil
	case threshold.KindEnvPubKey:
		// The statement's preparation recomputed the app's env key from
		// the committee's env key set, as anyone can; this node's own
		// view of the chain must know the app.
		return t.svc.registered(ctx, st.AppID)
	default:
		return fmt.Errorf("this node does not co-sign %s statements", st.Kind)
	}
	key := t.tr.PeerKey(from)
	if len(key) == 0 || !bytes.Equal(key, st.PublicKey) {
		return fmt.Errorf("an RPC certificate is co-signed only for the requesting node's own identity key, and this is not %s's", from)
	}
	att, _, err := wire.Decode(st.Attestation)
	if err != nil {
		return fmt.Errorf("the RPC certificate's attestation: %w", err)
	}
	// That it binds the key, prepare checked (threshold.Statement).
	opts := t.p.self.Attestation
	opts.Now = time.Now()
	ev, err := attest.Verify(ctx, att, opts)
	if err != nil {
		return fmt.Errorf("the RPC certificate's attestation: %w", err)
	}
	if err := t.p.self.PeerCheck(t.p.auth)(ctx, ev); err != nil {
		return fmt.Errorf("the RPC certificate's attestation: %w", err)
	}
	return nil
}

// tlsConfig serves the RPC with the committee-signed certificate once the
// node is up; before, handshakes fail saying so.
func (t *tnode) tlsConfig() *tls.Config {
	cfg := t.svc.TLSConfig(&tls.Certificate{})
	cfg.Certificates = nil
	cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		if c := t.rpc.Load(); c != nil {
			return c, nil
		}
		return nil, errors.New("this threshold KMS node is not up yet (waiting for its committee)")
	}
	return cfg
}
