package threshold

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"go.uber.org/zap"
)

// DefaultTimeout bounds one protocol run when Node.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// Bounds on what peers can make a node hold before it starts a session.
const (
	maxPendingSessions = 64
	maxInbox           = 1024
)

// ApproveFunc is a co-signer's policy: it decides, on its own, whether
// this node signs st, which node from asks it to sign. It must check what
// makes the statement true (for an app, the requester's evidence and the
// chain) and return an error saying why not. It is never asked about the
// root CA certificate, whose content this package checks itself.
type ApproveFunc func(ctx context.Context, from string, st *Statement) error

// Node is one KMS node of a threshold committee: it runs the DKG, threshold
// signing and resharing with the other nodes over Transport, and holds its
// shares (Shares) in memory; saving them sealed is the caller's (Store).
//
// A Node takes part only in sessions among the members of its committee;
// the transport authenticates every peer, and each message's sender must
// be the node that holds the party it claims to come from.
type Node struct {
	// Name is this node's member name in its committees.
	Name string
	// Transport reaches the other nodes. MemoryNetwork.Join sets it.
	Transport Transport
	// PreParams are this node's tss-lib pre-parameters (Paillier key and
	// safe primes): generated once (GeneratePreParams), sealed, reused by
	// every DKG and resharing of this node. Required for those.
	PreParams *keygen.LocalPreParams
	// Approve is asked before this node co-signs a statement for another
	// node. Nil refuses every such request.
	Approve ApproveFunc
	// Logger receives protocol failures; nil means none.
	Logger *zap.Logger
	// Timeout bounds one protocol run; zero means DefaultTimeout.
	Timeout time.Duration
	// EnvSignatureReuse is how long a timestamped env-encrypt-pubkey
	// signature is handed out again instead of signing a fresh timestamp;
	// zero means DefaultEnvSignatureReuse.
	EnvSignatureReuse time.Duration

	mu       sync.Mutex
	shares   *Shares
	sessions map[string]*session
	closed   map[string]time.Time
	cache    map[string]*Signature
}

func (n *Node) log() *zap.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return zap.NewNop()
}

func (n *Node) timeout() time.Duration {
	if n.Timeout > 0 {
		return n.Timeout
	}
	return DefaultTimeout
}

// Shares returns the node's current shares, nil before a DKG or Load.
func (n *Node) Shares() *Shares {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.shares
}

// SetShares installs shares (loaded from the sealed store) and forgets
// cached signatures.
func (n *Node) SetShares(s *Shares) error {
	if s != nil && s.Self != n.Name {
		return fmt.Errorf("the shares are %s's, not %s's", s.Self, n.Name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shares = s
	n.cache = nil
	return nil
}

// peer is one party of a session.
type peer struct {
	node string
	pid  *tss.PartyID
}

// session is one protocol run on this node.
type session struct {
	id    string
	node  *Node
	inbox chan *Message

	mu      sync.Mutex
	started bool
	peers   map[string]*peer // by party ID (decimal)
	group   []*tss.PartyID   // recipients of a broadcast (one-committee protocols)
	local   map[string]tss.Party
	created time.Time

	routes   sync.WaitGroup // the route goroutines
	closing  chan struct{}  // closed when the session succeeded
	done     chan struct{}  // closed when the session ends
	failOnce sync.Once
	err      error
}

func idKey(id *big.Int) string { return id.String() }

// claim returns the session id for this node to run, adopting the
// messages that arrived before it began.
func (n *Node) claim(id string) (*session, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.closed[id]; ok {
		return nil, fmt.Errorf("session %s already ran on this node", id)
	}
	s := n.sessions[id]
	if s != nil && s.started {
		return nil, fmt.Errorf("session %s is already running on this node", id)
	}
	if s == nil {
		s = n.newSessionLocked(id)
	}
	s.started = true
	return s, nil
}

func (n *Node) newSessionLocked(id string) *session {
	if n.sessions == nil {
		n.sessions = map[string]*session{}
	}
	s := &session{id: id, node: n, inbox: make(chan *Message, maxInbox), created: time.Now(), done: make(chan struct{}), closing: make(chan struct{}),
		peers: map[string]*peer{}, local: map[string]tss.Party{}}
	n.sessions[id] = s
	return s
}

// pending returns the session a message is for, making a waiting one when
// this node has not begun it yet (within bounds).
func (n *Node) pending(id string) (*session, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.closed[id]; ok {
		return nil, nil // a late message of a finished run
	}
	if s := n.sessions[id]; s != nil {
		return s, nil
	}
	waiting := 0
	now := time.Now()
	for k, s := range n.sessions {
		if !s.started {
			if now.Sub(s.created) > n.timeout() {
				delete(n.sessions, k)
				continue
			}
			waiting++
		}
	}
	if waiting >= maxPendingSessions {
		return nil, errors.New("too many sessions waiting to begin")
	}
	return n.newSessionLocked(id), nil
}

// finish sends what the local parties have left to send, removes the
// session and remembers that it ran.
func (n *Node) finish(s *session) {
	close(s.closing)
	s.routes.Wait()
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.sessions, s.id)
	if n.closed == nil {
		n.closed = map[string]time.Time{}
	}
	now := time.Now()
	for k, t := range n.closed {
		if now.Sub(t) > 2*n.timeout() {
			delete(n.closed, k)
		}
	}
	n.closed[s.id] = now
	s.end(errSessionEnded)
}

var errSessionEnded = errors.New("session ended")

// Deliver hands the node a message that the transport received from the
// authenticated node from. An opening of a signing session is judged
// before Deliver returns (its error is the refusal); other messages are
// queued for their session.
func (n *Node) Deliver(ctx context.Context, from string, m *Message) error {
	m.From = from
	if m.Open != nil {
		return n.cosign(ctx, m)
	}
	if m.Abort {
		n.abort(m)
		return nil
	}
	if m.RootCert != nil {
		return n.adoptShared(m.RootCert)
	}
	if m.FromID == nil || m.ToID == nil || len(m.Wire) == 0 {
		return errors.New("threshold message without parties or content")
	}
	s, err := n.pending(m.Session)
	if err != nil || s == nil {
		return err
	}
	select {
	case s.inbox <- m:
		return nil
	default:
		return fmt.Errorf("session %s: inbox full", m.Session)
	}
}

// abort ends a running session at the request of one of its parties.
func (n *Node) abort(m *Message) {
	n.mu.Lock()
	s := n.sessions[m.Session]
	n.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	party := false
	for _, p := range s.peers {
		party = party || p.node == m.From
	}
	s.mu.Unlock()
	if party {
		s.end(fmt.Errorf("session %s: aborted by %s", s.id, m.From))
	}
}

// fail ends the session with err and tells the other nodes of the session
// to give it up, rather than wait for messages that will not come.
func (s *session) fail(err error) {
	if s.end(err) {
		s.mu.Lock()
		nodes := map[string]bool{}
		for _, p := range s.peers {
			if p.node != s.node.Name {
				nodes[p.node] = true
			}
		}
		s.mu.Unlock()
		for node := range nodes {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = s.node.Transport.Send(ctx, node, &Message{Session: s.id, Abort: true})
			}()
		}
	}
}

// end ends the session with err; false when it had ended already.
func (s *session) end(err error) bool {
	ended := false
	s.failOnce.Do(func() {
		s.err = err
		close(s.done)
		ended = true
	})
	return ended
}

// addParties registers the parties of a committee in the session; group
// says whether they are the recipients of broadcasts.
func (s *session) addParties(c *Committee, ids tss.SortedPartyIDs, group bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, pid := range ids {
		s.peers[idKey(pid.KeyInt())] = &peer{node: c.Members[i].Node, pid: pid}
	}
	if group {
		s.group = ids
	}
}

// runParties starts the local parties (whose outgoing messages come on
// outs), then processes the inbox until the session ends.
func (s *session) runParties(ctx context.Context, parties []tss.Party, outs []chan tss.Message) error {
	for i, p := range parties {
		s.mu.Lock()
		s.local[idKey(p.PartyID().KeyInt())] = p
		s.mu.Unlock()
		s.routes.Add(1)
		go s.route(ctx, p.PartyID(), outs[i])
	}
	for _, p := range parties {
		if err := safeStart(p); err != nil {
			return fmt.Errorf("session %s: starting: %w", s.id, err)
		}
	}
	go s.process()
	return nil
}

func safeStart(p tss.Party) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("protocol panic: %v", r)
		}
	}()
	if e := p.Start(); e != nil {
		return e
	}
	return nil
}

// route sends a local party's outgoing messages until the session fails,
// or, once it succeeded (closing), until none is left: a party's last
// message is often still on its way when its own result is ready, and the
// other parties need it for theirs.
func (s *session) route(ctx context.Context, from *tss.PartyID, out <-chan tss.Message) {
	defer s.routes.Done()
	for {
		select {
		case <-s.done:
			return
		case <-s.closing:
			for {
				select {
				case msg := <-out:
					if !s.send(ctx, from, msg) {
						return
					}
				default:
					return
				}
			}
		case msg := <-out:
			if !s.send(ctx, from, msg) {
				return
			}
		}
	}
}

// send routes one outgoing message; false means the session failed.
func (s *session) send(ctx context.Context, from *tss.PartyID, msg tss.Message) bool {
	wire, routing, err := msg.WireBytes()
	if err != nil {
		s.fail(fmt.Errorf("session %s: encoding a message: %w", s.id, err))
		return false
	}
	dests := routing.To
	if dests == nil {
		s.mu.Lock()
		for _, p := range s.group {
			if p.KeyInt().Cmp(from.KeyInt()) != 0 {
				dests = append(dests, p)
			}
		}
		s.mu.Unlock()
	}
	for _, d := range dests {
		s.mu.Lock()
		to := s.peers[idKey(d.KeyInt())]
		s.mu.Unlock()
		if to == nil {
			s.fail(fmt.Errorf("session %s: a message for an unknown party", s.id))
			return false
		}
		m := &Message{Session: s.id, From: s.node.Name, FromID: from.KeyInt(), ToID: d.KeyInt(), Broadcast: routing.IsBroadcast, Wire: wire}
		if to.node == s.node.Name {
			s.inbox <- m
			continue
		}
		if err := s.node.Transport.Send(ctx, to.node, m); err != nil {
			s.fail(fmt.Errorf("session %s: %w", s.id, err))
			return false
		}
	}
	return true
}

// process hands queued messages to the local parties, one at a time.
func (s *session) process() {
	for {
		select {
		case <-s.done:
			return
		case m := <-s.inbox:
			if err := s.update(m); err != nil {
				s.fail(fmt.Errorf("session %s: message from %s: %w", s.id, m.From, err))
				return
			}
		}
	}
}

func (s *session) update(m *Message) (err error) {
	s.mu.Lock()
	from := s.peers[idKey(m.FromID)]
	to := s.local[idKey(m.ToID)]
	s.mu.Unlock()
	switch {
	case from == nil || to == nil:
		return errors.New("not a party of this session")
	case from.node != m.From:
		return fmt.Errorf("%s sent a message as %s's party", m.From, from.node)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("protocol panic: %v", r)
		}
	}()
	if _, e := to.UpdateFromBytes(m.Wire, from.pid, m.Broadcast); e != nil {
		return e
	}
	return nil
}

// wait waits for the session's result on end, or its failure.
func wait[T any](ctx context.Context, s *session, end <-chan T) (T, error) {
	var zero T
	select {
	case v := <-end:
		return v, nil
	case <-s.done:
		return zero, s.err
	case <-ctx.Done():
		return zero, fmt.Errorf("session %s: %w", s.id, ctx.Err())
	}
}
