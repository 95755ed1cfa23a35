package gateway

import (
	"fmt"
	"slices"
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
