package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/dstack-go/dstack/internal/devstack"
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
	d, kmsAddr := deployedDevChain(t)
	dstackCmd(t, "chain", "set-threshold-kms", file, "--rpc", d.URL, "--kms", kmsAddr)
	r := chainReader(t, d.URL, kmsAddr)
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

// TestChainSetThresholdCommittee: `dstack chain set-threshold-committee`
// decides a committee, which `threshold-committee` and the chain reader
// (what a node with committee_from_chain reads) give back; the same epoch
// again and malformed members are refused.
func TestChainSetThresholdCommittee(t *testing.T) {
	d, kmsAddr := deployedDevChain(t)
	dstackCmd(t, "chain", "set-threshold-committee", "1", "2", "a=https://10.0.0.1:9100", "b=https://10.0.0.2:9100", "c=https://10.0.0.3:9100", "--rpc", d.URL, "--kms", kmsAddr)
	dstackCmd(t, "chain", "set-threshold-committee", "2", "2", "b=https://10.0.0.2:9100", "c=https://10.0.0.3:9100", "d=https://10.0.0.4:9100",
		"--from-node", "b,c", "--rpc", d.URL, "--kms", kmsAddr)
	out := dstackCmd(t, "chain", "threshold-committee", "--rpc", d.URL, "--kms", kmsAddr)
	for _, want := range []string{"epoch", "threshold", "member", "from_node"} {
		if !strings.Contains(out, want) {
			t.Fatalf("threshold-committee prints no %s:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "\nepoch 2\n") || !strings.Contains(out, "\nthreshold 2\n") || !strings.Contains(out, "member d https://10.0.0.4:9100") || strings.Contains(out, "a https://") {
		t.Fatalf("threshold-committee:\n%s", out)
	}
	if out := dstackCmd(t, "chain", "threshold-committee", "1", "--rpc", d.URL, "--kms", kmsAddr); !strings.Contains(out, "a https://10.0.0.1:9100") {
		t.Fatalf("threshold-committee 1:\n%s", out)
	}
	r := chainReader(t, d.URL, kmsAddr)
	c, keySetEpoch, err := r.LatestThresholdCommittee(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Epoch != 2 || c.Threshold != 2 || len(c.Members) != 3 || c.Members[2] != (chain.ThresholdMember{Name: "d", URL: "https://10.0.0.4:9100"}) ||
		strings.Join(c.FromNodes, ",") != "b,c" || keySetEpoch != 0 {
		t.Fatalf("the chain reader gives %+v (key set epoch %d)", c, keySetEpoch)
	}
	if _, err := r.ThresholdCommittee(context.Background(), 3); !errors.Is(err, chain.ErrNoThresholdCommittee) {
		t.Fatalf("an undecided epoch: %v", err)
	}
	for name, args := range map[string][]string{
		"the same epoch again":   {"2", "2", "a=https://h:1", "b=https://h:2"},
		"a member without a URL": {"3", "2", "a", "b=https://h:2"},
		"an http URL":            {"3", "2", "a=http://h:1", "b=https://h:2"},
		"a repeated name":        {"3", "2", "a=https://h:1", "a=https://h:2"},
		"threshold one":          {"3", "1", "a=https://h:1", "b=https://h:2"},
		"threshold above":        {"3", "3", "a=https://h:1", "b=https://h:2"},
	} {
		if out, err := dstackRun(append([]string{"chain", "set-threshold-committee"}, append(args, "--rpc", d.URL, "--kms", kmsAddr)...)...); err == nil {
			t.Errorf("%s: accepted\n%s", name, out)
		}
	}
}

// deployedDevChain starts `dstack devchain` in process and deploys the
// contracts on it with `dstack chain deploy`, signing as the dev account;
// it returns the chain and DstackKms's address.
func deployedDevChain(t *testing.T) (*devstack.Chain, string) {
	t.Helper()
	d, err := startDevChain("127.0.0.1:0", 2, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0))))
	return d, field(t, dstackCmd(t, "chain", "deploy", "--rpc", d.URL), "kms_contract")
}

// chainReader reads DstackKms at kmsAddr over url, at every call's head.
func chainReader(t *testing.T, url, kmsAddr string) *chain.Reader {
	t.Helper()
	client, err := ethclient.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := client.ChainID(context.Background())
	r, err := chain.New(context.Background(), client, chain.Config{ChainID: id, KmsContract: common.HexToAddress(kmsAddr), HeadInterval: chain.HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
