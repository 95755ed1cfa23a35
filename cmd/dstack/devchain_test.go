package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/devstack"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
)

// TestDevChainState: with --state the contracts and balances survive a
// restart; without it the chain starts fresh.
func TestDevChainState(t *testing.T) {
	dir := t.TempDir()
	start := func(state string) *devstack.Chain {
		t.Helper()
		d, err := devstack.StartChain(devstack.ChainOptions{Listen: "127.0.0.1:0", Accounts: 2, Period: time.Hour, StateDir: state})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0))))
	d := start(dir)
	kms := field(t, dstackCmd(t, "chain", "deploy", "--rpc", d.URL), "kms_contract")
	dstackCmd(t, "chain", "set-gateway-app-id", "gw-kept", "--rpc", d.URL, "--kms", kms)
	app := field(t, dstackCmd(t, "chain", "deploy-app", "c1", "--rpc", d.URL, "--kms", kms), "app_id")
	head, _ := d.Client.BlockNumber(context.Background())
	spent, _ := d.Client.BalanceAt(context.Background(), crypto.PubkeyToAddress(devAccountKey(0).PublicKey), nil)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	gateway := func(d *devstack.Chain) (string, error) {
		client, err := ethclient.Dial(d.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		K := dstackkms.NewDstackKms()
		return bind.Call(K.Instance(client, common.HexToAddress(kms)), nil, K.PackGatewayAppId(), K.UnpackGatewayAppId)
	}
	d = start(dir)
	if gw, err := gateway(d); err != nil || gw != "gw-kept" {
		t.Fatalf("after a restart with the same state: %q %v", gw, err)
	}
	if n, _ := d.Client.BlockNumber(context.Background()); n < head {
		t.Fatalf("head %d after the restart, was %d", n, head)
	}
	if b, _ := d.Client.BalanceAt(context.Background(), crypto.PubkeyToAddress(devAccountKey(0).PublicKey), nil); b.Cmp(spent) != 0 {
		t.Fatalf("balance %v after the restart, was %v", b, spent)
	}
	// Logs survive too: the app is found from its registration event.
	lines(t, dstackCmd(t, "chain", "apps", "--rpc", d.URL, "--kms", kms), "app "+app)
	// The restarted chain takes new transactions.
	dstackCmd(t, "chain", "set-gateway-app-id", "gw-2", "--rpc", d.URL, "--kms", kms)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	fresh := start("")
	defer fresh.Close()
	if code, err := fresh.Client.CodeAt(context.Background(), common.HexToAddress(kms), nil); err != nil || len(code) != 0 {
		t.Fatalf("a chain without --state has the contract: %d bytes, %v", len(code), err)
	}
}
