package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkCluster measures a cluster of two gateway nodes (processes of
// their own) on one etcd member, in one run: the time from node a's answer
// to a registration until node b routes it (the etcd watch; goal ≤ 1 s),
// over several registrations; and requests through the two nodes at once,
// each loaded as one node is alone, against that one node (goal: the sum
// scales, each node within 5% of the node alone). On a machine with few
// cores the nodes, the CVM and the load generator share them, so the sum
// shows that limit rather than the gateway's.
func BenchmarkCluster(b *testing.B) {
	e, _, st, compose, app := newCluster(b, 1, 0xb7)
	na, nb := e.startNode("a", st, nil), e.startNode("b", st, nil)
	const registrations = 5
	var took []time.Duration
	for i := range registrations {
		c := e.bootCVM(app, compose, i+1)
		eventually(b, "the registration through a", func() bool { _, err := c.registerAt(na.Addrs.Registration); return err == nil })
		answered := time.Now()
		host, want := hostOf(c.id.InstanceID, ""), fmt.Sprintf("instance=%x", c.id.InstanceID)
		for !nb.routes(b, host, want) {
			if time.Since(answered) > time.Minute {
				b.Fatal("node b did not route the registration within a minute")
			}
			time.Sleep(2 * time.Millisecond)
		}
		took = append(took, time.Since(answered))
	}
	slices.Sort(took)
	host := hostOf(app, "")
	var one, twoA, twoB float64
	for range b.N {
		one += rate(b, na.Addrs.HTTP, host, false)
		var wg sync.WaitGroup
		var ra, rb float64
		wg.Go(func() { ra = rate(b, na.Addrs.HTTP, host, false) })
		wg.Go(func() { rb = rate(b, nb.Addrs.HTTP, host, false) })
		wg.Wait()
		twoA, twoB = twoA+ra, twoB+rb
	}
	n := float64(b.N)
	one, twoA, twoB = one/n, twoA/n, twoB/n
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "routable-p50-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "routable-max-ms")
	b.ReportMetric(one, "one-node-req/s")
	b.ReportMetric(twoA+twoB, "two-nodes-req/s")
	b.ReportMetric((twoA+twoB)/one, "two/one")
	b.ReportMetric(min(twoA, twoB)/one, "slowest-node/alone")
	b.Logf("registration through a routable by b after %v (p50) %v (max) over %d; one node %.0f req/s, two nodes %.0f + %.0f req/s",
		took[len(took)/2], took[len(took)-1], registrations, one, twoA, twoB)
}

// BenchmarkClusterFailover measures what a client sees when a gateway node
// dies, beside a run where none does, in one run: three nodes on one etcd
// member route one CVM, and benchConcurrency workers send requests through
// an L4-style client that takes the nodes in order (l4Client: a new
// connection goes to the first node that accepts it, so all load is on
// node a). In the second phase node a is killed (SIGKILL) a third into the
// phase. Reported for both phases: the requests that failed, those of them
// sent after the kill (the client then only reaches live nodes: goal 0),
// and the gap: the time from the kill (in the baseline, the same moment
// of the phase) until every worker has had a request sent after it
// succeed. Nodes b and c have routed the CVM before, as nodes of a
// cluster in service have.
func BenchmarkClusterFailover(b *testing.B) {
	na, client := routedByThree(b, 0xb8)
	const phase = 3 * time.Second
	var base, kill failoverPhase
	for i := range b.N {
		base = base.add(client.run(b, phase, phase/3, nil))
		if i == b.N-1 {
			kill = kill.add(client.run(b, phase, phase/3, na.Kill))
		}
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(base.requests)/float64(b.N), "baseline-requests")
	b.ReportMetric(float64(base.failed)/float64(b.N), "baseline-failed")
	b.ReportMetric(float64(base.gap.Microseconds())/1000/float64(b.N), "baseline-gap-ms")
	b.ReportMetric(float64(kill.requests), "kill-requests")
	b.ReportMetric(float64(kill.failed), "kill-failed")
	b.ReportMetric(float64(kill.failedAfter), "kill-failed-sent-after")
	b.ReportMetric(float64(kill.gap.Microseconds())/1000, "failover-gap-ms")
	b.Logf("no kill: %d requests, %d failed, gap %v; node a killed: %d requests, %d failed (%d in flight at the kill, %d sent after it), gap %v",
		base.requests/b.N, base.failed/b.N, base.gap/time.Duration(b.N), kill.requests, kill.failed, kill.inFlight, kill.failedAfter, kill.gap)
}

// routedByThree starts three gateway nodes on one etcd member and a CVM
// (its app's compose told apart by tag) registered through the first,
// which each node routes; it returns the first node and an l4Client of
// the three in order.
func routedByThree(t testing.TB, tag byte) (*node, l4Client) {
	t.Helper()
	e, _, st, compose, app := newCluster(t, 1, tag)
	nodes := []*node{e.startNode("a", st, nil), e.startNode("b", st, nil), e.startNode("c", st, nil)}
	cv := e.bootCVM(app, compose, 1)
	eventually(t, "the registration through a", func() bool { _, err := cv.registerAt(nodes[0].Addrs.Registration); return err == nil })
	client := l4Client{host: hostOf(app, "")}
	want := fmt.Sprintf("instance=%x", cv.id.InstanceID)
	for _, n := range nodes {
		eventually(t, "node "+n.name+" to route the CVM", func() bool { return n.routes(t, client.host, want) })
		client.nodes = append(client.nodes, n.Addrs.HTTP)
	}
	return nodes[0], client
}

// l4Client sends requests for host to the first of nodes (HTTP addresses)
// that accepts a connection, as an L4 balancer that skips a node refusing
// connections does, or a client given the nodes' addresses in order. Each
// worker keeps one connection; a request on a connection whose node dies
// fails and is not sent again (a POST, which neither Go's client nor an
// L4 balancer replays), and the worker's next request opens a connection
// to the first node that accepts it.
type l4Client struct {
	nodes []string
	host  string
}

// failoverPhase sums what l4Client.run saw.
type failoverPhase struct {
	requests, failed, inFlight, failedAfter int
	gap                                     time.Duration
}

func (p failoverPhase) add(q failoverPhase) failoverPhase {
	return failoverPhase{p.requests + q.requests, p.failed + q.failed, p.inFlight + q.inFlight, p.failedAfter + q.failedAfter, p.gap + q.gap}
}

// run sends requests from benchConcurrency workers for d; at mark into it
// it calls event (when not nil), which kills the first node and returns
// once it is gone. In flight are the requests sent before event returned
// and not answered before it was called; failed after are those sent after
// it returned; the gap runs from the call until each worker has had a
// request answered by another node than the first (in the baseline, by
// any node).
func (l l4Client) run(b testing.TB, d, mark time.Duration, event func()) failoverPhase {
	b.Helper()
	type outcome struct {
		start, end time.Time
		ok         bool
		node       string // the address that answered
	}
	outs := make([][]outcome, benchConcurrency)
	start := time.Now()
	stop, at := start.Add(d), start.Add(mark)
	var wg sync.WaitGroup
	for w := range benchConcurrency {
		tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var errs []error
			for _, n := range l.nodes {
				c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, network, n)
				if err == nil {
					return c, nil
				}
				errs = append(errs, err)
			}
			return nil, errors.Join(errs...)
		}}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		wg.Go(func() {
			for time.Now().Before(stop) {
				req, _ := http.NewRequest(http.MethodPost, "http://gateway/", strings.NewReader("x"))
				req.Host = l.host
				o := outcome{start: time.Now()}
				req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
					GotConn: func(c httptrace.GotConnInfo) { o.node = c.Conn.RemoteAddr().String() },
				}))
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					o.ok = err == nil && res.StatusCode == http.StatusOK
				}
				o.end = time.Now()
				outs[w] = append(outs[w], o)
			}
		})
	}
	time.Sleep(time.Until(at))
	called := time.Now()
	if event != nil {
		event()
	}
	gone := time.Now()
	wg.Wait()
	var p failoverPhase
	for w, got := range outs {
		var back time.Duration
		for _, o := range got {
			p.requests++
			if o.start.Before(gone) && o.end.After(called) {
				p.inFlight++
			}
			if !o.ok {
				p.failed++
				if !o.start.Before(gone) {
					p.failedAfter++
				}
			}
			if back == 0 && o.ok && !o.start.Before(called) && (event == nil || o.node != l.nodes[0]) {
				back = o.end.Sub(called)
			}
		}
		if back == 0 {
			b.Fatalf("worker %d: no request sent after the mark was answered by a live node", w)
		}
		p.gap = max(p.gap, back)
	}
	return p
}
