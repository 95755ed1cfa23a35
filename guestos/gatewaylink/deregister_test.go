package gatewaylink

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/tunnel"
)

// deregister is the fake gateway's DeregisterCvm: it records the request
// and, while hang is set, answers only when the caller gives up.
func (g *fakeGateway) deregister(ctx context.Context, req *tunnel.DeregisterRequest) (*tunnel.DeregisterResponse, error) {
	g.mu.Lock()
	g.dereg = append(g.dereg, *req)
	hang := g.hang
	g.mu.Unlock()
	if hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &tunnel.DeregisterResponse{Removed: true}, nil
}

func (g *fakeGateway) deregistrations() []tunnel.DeregisterRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]tunnel.DeregisterRequest(nil), g.dereg...)
}

// TestCloseDeregisters: Close removes the CVM's registration from the
// gateway, naming the CVM's own app id and instance id, once, and a second
// Close sends nothing more.
func TestCloseDeregisters(t *testing.T) {
	l := startLink(t, 0, 0)
	if got := l.gw.deregistrations(); len(got) != 0 {
		t.Fatalf("deregistered before Close: %+v", got)
	}
	if err := l.reg.Close(); err != nil {
		t.Fatal(err)
	}
	got := l.gw.deregistrations()
	if len(got) != 1 || !bytes.Equal(got[0].AppID, l.cvm.AppID[:]) || !bytes.Equal(got[0].InstanceID, l.cvm.InstanceID) {
		t.Fatalf("deregistrations %+v, want one for app %x instance %x", got, l.cvm.AppID, l.cvm.InstanceID)
	}
	if len(l.logs.FilterMessage("deregistered from the gateway").All()) != 1 {
		t.Error("the deregistration was not logged")
	}
	if err := l.reg.Close(); err != nil || len(l.gw.deregistrations()) != 1 {
		t.Fatalf("a second Close: %v, %d deregistrations", err, len(l.gw.deregistrations()))
	}
	if _, err := l.dial().Dial(context.Background(), l.reg.ln.Addr().String(), 80, nil); err == nil {
		t.Fatal("the tunnel still serves after Close")
	}
}

// TestCloseDeregistrationBounded: a gateway that does not answer the
// deregistration holds Close no longer than DeregisterTimeout; the failure
// is returned and logged, and the tunnel is closed all the same.
func TestCloseDeregistrationBounded(t *testing.T) {
	l := startLink(t, 0, 0)
	l.reg.DeregisterTimeout = 100 * time.Millisecond
	l.gw.mu.Lock()
	l.gw.hang = true
	l.gw.mu.Unlock()
	err := l.reg.Close()
	if err == nil || !strings.Contains(err.Error(), "deregistering from the gateway") {
		t.Fatalf("Close: %v, want the deregistration's failure", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "deadline") && !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("Close: %v, want the deadline", err)
	}
	if len(l.logs.FilterMessage("deregistering from the gateway").All()) != 1 {
		t.Error("the failed deregistration was not logged")
	}
	if _, derr := l.dial().Dial(context.Background(), l.reg.ln.Addr().String(), 80, nil); derr == nil {
		t.Fatal("the tunnel still serves after Close")
	}
}

func (g *fakeGateway) registered() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.regs
}

// TestFailsOverToAnotherNode: a gateway whose answers list the nodes of its
// cluster is left for another of them when it stops answering: the
// renewal goes there, and so does the deregistration at Close.
func TestFailsOverToAnotherNode(t *testing.T) {
	l := startLink(t, 0, 0)
	other := l.newGateway()
	nodes := []tunnel.GatewayNodeInfo{{ID: 1, URL: l.gw.url}, {ID: 2, URL: other.url}}
	for _, g := range []*fakeGateway{l.gw, other} {
		g.mu.Lock()
		g.nodes = nodes
		g.mu.Unlock()
	}
	eventually(t, "the registrar to learn the two nodes", func() bool { return len(l.reg.Nodes()) == 2 })
	if other.registered() != 0 {
		t.Fatal("registered with the other node while the first answers")
	}
	l.gw.close()
	// The registrar's log says when it has the other node's answer (the
	// node counts the registration before it answers).
	eventually(t, "a registration with the other node", func() bool {
		return len(l.logs.FilterMessage("registered with another node of the gateway's cluster").All()) > 0
	})
	if other.registered() == 0 {
		t.Fatal("the registrar says it moved, but the other node took no registration")
	}
	if err := l.reg.Close(); err != nil {
		t.Fatal(err)
	}
	if len(other.deregistrations()) != 1 {
		t.Fatalf("deregistrations at the node the CVM moved to: %d", len(other.deregistrations()))
	}
}
