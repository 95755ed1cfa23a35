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

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/devstack"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/threshold"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
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

// TestChainRotateThresholdRoots: `dstack chain rotate-threshold-roots`
// decides a root rotation with its handover, which `threshold-committee`
// and the chain reader give back; once the new roots' key set is on chain,
// `threshold-committee` shows the handover under way (the previous key set
// and the end); `end-threshold-handover` is refused to anyone but the owner
// before the end, and taken from anyone after it. Malformed decisions are
// refused before anything is sent.
func TestChainRotateThresholdRoots(t *testing.T) {
	d, kmsAddr := deployedDevChain(t)
	ctx := context.Background()
	net := []string{"--rpc", d.URL, "--kms", kmsAddr}
	abc := []string{"a=https://10.0.0.1:9100", "b=https://10.0.0.2:9100", "c=https://10.0.0.3:9100"}
	rotate := func(epoch, handover string) (string, error) {
		return dstackRun(append(append([]string{"chain", "rotate-threshold-roots", epoch, "2"}, abc...), append([]string{"--handover", handover}, net...)...)...)
	}
	owner, err := dialChainWithKey(ctx, d.URL, devAccountKey(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Client.Close()
	publish := func(rootEpoch uint32, epoch uint64) *tkey.KeySet {
		t.Helper()
		dl, err := tkeytest.Deal(2, 3, rootEpoch, nil)
		if err != nil {
			t.Fatal(err)
		}
		ks := dl.KeySet
		ks.CAPubkey, ks.K256Pubkey = []byte(fmt.Sprintf("ca %d", rootEpoch)), []byte(fmt.Sprintf("k256 %d", rootEpoch))
		K := dstackkms.NewDstackKms()
		if _, err := owner.Send(ctx, common.HexToAddress(kmsAddr), K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{CaPubkey: ks.CAPubkey, K256Pubkey: ks.K256Pubkey}), "set-kms-info"); err != nil {
			t.Fatal(err)
		}
		rec, shares := chain.ThresholdRecord(ks, epoch)
		for i := range shares {
			shares[i].Node = string(rune('a' + i))
			shares[i].Ca, shares[i].K256 = append([]byte{2}, make([]byte, 32)...), append([]byte{3}, make([]byte, 32)...)
		}
		if _, err := owner.Send(ctx, common.HexToAddress(kmsAddr), K.PackSetThresholdKeySet(rec, shares), "set-threshold-key-set"); err != nil {
			t.Fatal(err)
		}
		return ks
	}

	if out, err := rotate("2", "1h"); err == nil || !strings.Contains(out+err.Error(), "no threshold key set on chain to rotate from") {
		t.Fatalf("a rotation before any key set: %v\n%s", err, out)
	}
	dstackCmd(t, append(append([]string{"chain", "set-threshold-committee", "1", "2"}, abc...), net...)...)
	old := publish(1, 1)
	for name, args := range map[string][]string{
		"no --handover":          {"2", "2", "a=https://h:1", "b=https://h:2"},
		"a zero handover":        {"2", "2", "a=https://h:1", "b=https://h:2", "--handover", "0s"},
		"a handover over a year": {"2", "2", "a=https://h:1", "b=https://h:2", "--handover", "8761h"},
		"a fractional handover":  {"2", "2", "a=https://h:1", "b=https://h:2", "--handover", "1500ms"},
		"an epoch over 32 bits":  {"4294967296", "2", "a=https://h:1", "b=https://h:2", "--handover", "1h"},
		"threshold one":          {"2", "1", "a=https://h:1", "b=https://h:2", "--handover", "1h"},
		"a repeated name":        {"2", "2", "a=https://h:1", "a=https://h:2", "--handover", "1h"},
	} {
		if out, err := dstackRun(append(append([]string{"chain", "rotate-threshold-roots"}, args...), net...)...); err == nil {
			t.Errorf("%s: accepted\n%s", name, out)
		}
	}
	if _, err := rotate("2", "1h"); err != nil {
		t.Fatal(err)
	}
	out := dstackCmd(t, append([]string{"chain", "threshold-committee"}, net...)...)
	for _, want := range []string{"\nepoch 2\n", "\nroot_rotation true\n", "\nhandover 1h0m0s\n", "\nkey_set_root_epoch 1\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("threshold-committee prints no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "handover_") {
		t.Fatalf("threshold-committee prints a handover before the rotation's key set:\n%s", out)
	}
	r := chainReader(t, d.URL, kmsAddr)
	if c, _, err := r.LatestThresholdCommittee(ctx); err != nil || !c.RootRotation || c.Handover != time.Hour {
		t.Fatalf("the chain reader gives %+v, %v", c, err)
	}

	publish(2, 2)
	out = dstackCmd(t, append([]string{"chain", "threshold-committee"}, net...)...)
	for _, want := range []string{"\nhandover_key_set_id " + common.Hash(old.ID()).Hex() + "\n", "\nhandover_root_epoch 1\n", "\nhandover_epoch 1\n", "\nhandover_under_way true\n", "\nkey_set_root_epoch 2\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("threshold-committee prints no %q:\n%s", want, out)
		}
	}
	if out := dstackCmd(t, append([]string{"chain", "threshold-committee", "1"}, net...)...); !strings.Contains(out, "\nroot_rotation false\n") || strings.Contains(out, "\nhandover 1") {
		t.Fatalf("threshold-committee 1:\n%s", out)
	}
	if h, _, err := r.ThresholdHandover(ctx); err != nil || h == nil || h.KeySet.ID() != old.ID() {
		t.Fatalf("the chain reader's handover: %+v, %v", h, err)
	}

	// Before the end, only the owner ends the handover.
	stranger := fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(1)))
	t.Setenv("DSTACK_CHAIN_KEY", stranger)
	if out, err := dstackRun(append([]string{"chain", "end-threshold-handover"}, net...)...); err == nil || !strings.Contains(out+err.Error(), "only the owner may end it before thresholdHandoverEnd") {
		t.Fatalf("a stranger cutting the handover short: %v\n%s", err, out)
	}
	t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0))))
	dstackCmd(t, append([]string{"chain", "end-threshold-handover"}, net...)...)
	if out := dstackCmd(t, append([]string{"chain", "threshold-committee"}, net...)...); strings.Contains(out, "handover_") {
		t.Fatalf("threshold-committee prints a handover the owner ended:\n%s", out)
	}

	// After the end, anyone ends it.
	if _, err := rotate("3", "1s"); err != nil {
		t.Fatal(err)
	}
	publish(3, 3)
	t.Setenv("DSTACK_CHAIN_KEY", stranger)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := dstackCmd(t, append([]string{"chain", "threshold-committee"}, net...)...)
		if !strings.Contains(out, "\nhandover_root_epoch 2\n") {
			t.Fatalf("threshold-committee shows no handover of root epoch 2:\n%s", out)
		}
		if strings.Contains(out, "\nhandover_under_way false\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the handover of one second is still under way:\n%s", out)
		}
		time.Sleep(250 * time.Millisecond)
	}
	dstackCmd(t, append([]string{"chain", "end-threshold-handover"}, net...)...)
	if out, err := dstackRun(append([]string{"chain", "end-threshold-handover"}, net...)...); err == nil || !strings.Contains(out+err.Error(), "no threshold handover to end") {
		t.Fatalf("ending a handover twice: %v\n%s", err, out)
	}
}
