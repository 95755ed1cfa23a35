package threshold

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// benchKeygen runs DKGs of the four roots among n nodes, t needed, in one
// process over the memory network (all parties share the machine's cores).
func benchKeygen(b *testing.B, t, n int) {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("kms-%d", i)
	}
	for i := 0; b.Loop(); i++ {
		c := newCluster(b, names...)
		com, err := NewCommittee(uint64(i+1), t, names...)
		if err != nil {
			b.Fatal(err)
		}
		if err := all(names, func(name string) error {
			_, err := c.nodes[name].Keygen(context.Background(), com)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeygen2of3(b *testing.B) { benchKeygen(b, 2, 3) }
func BenchmarkKeygen3of5(b *testing.B) { benchKeygen(b, 3, 5) }

// BenchmarkSign2of3 is one uncached threshold signature (k256) by two of
// three nodes.
func BenchmarkSign2of3(b *testing.B) {
	c := loaded(b)
	for b.Loop() {
		appKey, _ := ethcrypto.GenerateKey()
		if _, err := c.nodes["kms-a"].SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchReshare moves the fixture 2-of-3 DKG's roots to a committee of to's
// nodes, threshold t, in one process over the memory network. Every node
// of the old committee takes part. The nodes that join load pre-parameters
// from the fixtures, as a deployment loads the ones it generated and
// sealed before joining: what is timed is the resharing of the three
// roots, not pre-parameter generation. Each iteration starts from freshly
// unsealed shares (untimed), since resharing retires the old ones.
func benchReshare(b *testing.B, t int, to ...string) {
	pre, err := testPreParams()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		c := loaded(b)
		for _, name := range to {
			if c.nodes[name] == nil {
				p := pre[len(c.nodes)%len(pre)]
				n := &Node{Name: name, PreParams: &p, Timeout: 10 * time.Minute, Approve: approveAll}
				c.net.Join(n)
				c.nodes[name] = n
			}
		}
		from := c.nodes["kms-a"].Shares().Committee
		com, err := from.Reshared(from.Epoch+1, t, to...)
		if err != nil {
			b.Fatal(err)
		}
		names := slices.Sorted(maps.Keys(c.nodes))
		b.StartTimer()
		if err := all(names, func(name string) error {
			_, err := c.nodes[name].Reshare(context.Background(), from, com)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReshare2of3 replaces one node of a 2-of-3 committee: kms-a
// leaves, kms-d joins, the threshold stays 2.
func BenchmarkReshare2of3(b *testing.B) { benchReshare(b, 2, "kms-b", "kms-c", "kms-d") }

// BenchmarkReshare3of5 grows a 2-of-3 committee to 3-of-5: kms-d and kms-e
// join, every old node stays. The work of a resharing falls mostly on the
// new committee's members (each proves its Paillier key to every other),
// so this is also about what a 3-of-5 → 3-of-5 resharing costs.
func BenchmarkReshare3of5(b *testing.B) {
	benchReshare(b, 3, "kms-a", "kms-b", "kms-c", "kms-d", "kms-e")
}
