package threshold

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
)

// Message is one protocol message between two nodes of a session.
type Message struct {
	// Session names the protocol run.
	Session string `json:"session"`
	// From is the sending node. A transport must set or check it from the
	// authenticated peer, never take it from the peer's word.
	From string `json:"from"`
	// FromID and ToID are the sending and receiving parties' IDs (a node
	// holds two parties during a resharing).
	FromID *big.Int `json:"from_id"`
	ToID   *big.Int `json:"to_id"`
	// Broadcast is tss-lib's broadcast flag of the message.
	Broadcast bool `json:"broadcast"`
	// Wire is tss-lib's wire encoding of the message.
	Wire []byte `json:"wire,omitempty"`
	// Abort ends the session on the receiver (the initiator gave it up).
	Abort bool `json:"abort,omitempty"`
	// Open, in the first message of a signing session, is what the
	// initiator asks the receiver to sign.
	Open *SignOpen `json:"open,omitempty"`
	// RootCert is the root CA certificate the sender issued after the
	// DKG (Node.ShareRootCert); the receiver adopts it once it has checked
	// it (AdoptRootCert).
	RootCert []byte `json:"root_cert,omitempty"`
}

// Transport carries messages between the nodes of a committee.
//
// Send delivers m to node to, whose Node.Deliver it reaches with the
// sender's authenticated name. An error from Send means the message may not
// have arrived; for a SignOpen it carries the receiver's refusal.
// Implementations must authenticate both ends (the RA-TLS transport checks
// each peer's attestation and that its authorizer allows it as a KMS before
// any message moves).
type Transport interface {
	Send(ctx context.Context, to string, m *Message) error
}

// MemoryNetwork connects nodes in one process: for tests and benchmarks.
// Messages are delivered asynchronously, as over a network.
type MemoryNetwork struct {
	mu    sync.Mutex
	nodes map[string]*Node
	// Drop, when set, is asked about every message; true drops it (a node
	// that is down or cut off).
	Drop func(from, to string) bool
}

// Join attaches n to the network under n.Name and sets its transport.
func (m *MemoryNetwork) Join(n *Node) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nodes == nil {
		m.nodes = map[string]*Node{}
	}
	m.nodes[n.Name] = n
	n.Transport = memoryTransport{net: m, from: n.Name}
}

// Leave detaches the node named name: messages to it fail.
func (m *MemoryNetwork) Leave(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.nodes, name)
}

type memoryTransport struct {
	net  *MemoryNetwork
	from string
}

// errUnreachable means the memory network has no such node.
var errUnreachable = errors.New("node unreachable")

func (t memoryTransport) Send(ctx context.Context, to string, m *Message) error {
	t.net.mu.Lock()
	n := t.net.nodes[to]
	drop := t.net.Drop
	t.net.mu.Unlock()
	if n == nil || (drop != nil && drop(t.from, to)) {
		return fmt.Errorf("sending to %s: %w", to, errUnreachable)
	}
	c := *m
	c.From = t.from
	if c.Open != nil || c.Abort || c.RootCert != nil {
		// The receiver answers an opening synchronously: it approves or
		// refuses before the initiator goes on.
		return n.Deliver(ctx, t.from, &c)
	}
	go func() { _ = n.Deliver(context.Background(), t.from, &c) }()
	return nil
}
