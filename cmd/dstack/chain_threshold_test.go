package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/threshold"
)

// TestChainSetThresholdKMS: `dstack chain set-threshold-kms` publishes a
// committee's threshold-public.json, which the chain reader then gives as
// the key set CVMs trust; the same committee again is refused.
func TestChainSetThresholdKMS(t *testing.T) {
	sealed, err := os.ReadFile("../../kms/threshold/testdata/dkg-2of3/kms-a.sealed")
	if err != nil {
		t.Fatal(err)
	}
	sh, err := threshold.UnsealShares(sealed, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kms.NewThresholdPublic(sh)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(pub)
	file := filepath.Join(t.TempDir(), "threshold-public.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := startDevChain("127.0.0.1:0", 2, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0))))
	kmsAddr := field(t, dstackCmd(t, "chain", "deploy", "--rpc", d.URL), "kms_contract")
	dstackCmd(t, "chain", "set-threshold-kms", file, "--rpc", d.URL, "--kms", kmsAddr)
	client, err := ethclient.Dial(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := client.ChainID(context.Background())
	r, err := chain.New(context.Background(), client, chain.Config{ChainID: id, KmsContract: common.HexToAddress(kmsAddr), HeadInterval: chain.HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	ks, epoch, _, err := r.ThresholdKeySet(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ks.ID() != pub.KeySet.ID() || epoch != 1 {
		t.Fatalf("the chain names key set %x of epoch %d, the file %s", ks.ID(), epoch, pub.KeySetID)
	}
	if out, err := dstackRun("chain", "set-threshold-kms", file, "--rpc", d.URL, "--kms", kmsAddr); err == nil || !strings.Contains(out+err.Error(), "committee epoch must increase") {
		t.Fatalf("the same committee again: %v\n%s", err, out)
	}
}
