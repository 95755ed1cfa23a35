package main

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"regexp"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dstack-go/dstack/contracts/chain"
)

func dstackCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dstackRun(args...)
	if err != nil {
		t.Fatalf("dstack %v: %v\n%s", args, err, out)
	}
	return out
}

// dstackRun runs the CLI in process with every flag back at its default
// (cobra keeps flag values between executions of the same tree).
func dstackRun(args ...string) (string, error) {
	var reset func(*cobra.Command)
	reset = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if sv, ok := f.Value.(pflag.SliceValue); ok {
					_ = sv.Replace(nil)
				} else {
					_ = f.Value.Set(f.DefValue)
				}
				f.Changed = false
			})
		}
		for _, sub := range c.Commands() {
			reset(sub)
		}
	}
	reset(rootCmd)
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(args)
	err := rootCmd.ExecuteContext(context.Background())
	return out.String(), err
}

func field(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(name + ` (0x[0-9a-fA-F]{40})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in %q", name, out)
	}
	return m[1]
}

// TestDevChainAndChainCommands deploys the contracts with `dstack chain`
// against `dstack devchain` over JSON-RPC, and shows the chain reader's
// answer flip at the block of a revocation.
func TestDevChainAndChainCommands(t *testing.T) {
	d, err := startDevChain("127.0.0.1:0", 2, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0))))
	out := dstackCmd(t, "chain", "deploy", "--rpc", d.URL)
	kms := field(t, out, "kms_contract")
	dstackCmd(t, "chain", "add-os-image", "05", "--rpc", d.URL, "--kms", kms)
	app := field(t, dstackCmd(t, "chain", "deploy-app", "c1", "--rpc", d.URL, "--kms", kms), "app_id")

	client, err := ethclient.Dial(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := client.ChainID(context.Background())
	// The revocation is asked about right after the command that mines it.
	r, err := chain.New(context.Background(), client, chain.Config{ChainID: id, KmsContract: common.HexToAddress(kms), HeadInterval: chain.HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	b := chain.BootInfo{AppId: common.HexToAddress(app), ComposeHash: common.BytesToHash([]byte{0xc1}), OsImageHash: common.BytesToHash([]byte{5}), TcbStatus: "UpToDate", AdvisoryIds: []string{}}
	a, err := r.IsAppAllowed(context.Background(), b)
	if err != nil || !a.Allowed {
		t.Fatalf("before revocation: %+v %v", a, err)
	}
	rev := dstackCmd(t, "chain", "remove-compose-hash", app, "c1", "--rpc", d.URL)
	m := regexp.MustCompile(`block (\d+)`).FindStringSubmatch(rev)
	if m == nil {
		t.Fatalf("no block in %q", rev)
	}
	revBlock, _ := new(big.Int).SetString(m[1], 10)
	a, err = r.IsAppAllowed(context.Background(), b)
	if err != nil || a.Allowed || a.Block < revBlock.Uint64() {
		t.Fatalf("after revocation in block %v: %+v %v", revBlock, a, err)
	}
}
