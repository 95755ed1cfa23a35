package threshold

import (
	"context"
	"fmt"
	"testing"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// benchKeygen runs DKGs of the three roots among n nodes, t needed, in one
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
