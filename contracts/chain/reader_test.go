package chain

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dstack-go/dstack/contracts/testchain"
)

func h(b byte) [32]byte { return [32]byte{b} }

func TestRevocationSeenAtTheNextBlock(t *testing.T) {
	c := testchain.New(t)
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackAddOsImageHash(h(5))); err != nil {
		t.Fatal(err)
	}
	app, _, err := c.DeployApp(false, true, h(0), h(0xc1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(context.Background(), c.Client, Config{ChainID: c.ChainID, KmsContract: c.Kms, HeadInterval: HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	b := BootInfo{AppId: app, ComposeHash: h(0xc1), OsImageHash: h(5), TcbStatus: "UpToDate", AdvisoryIds: []string{}}
	a, err := r.IsAppAllowed(context.Background(), b)
	if err != nil || !a.Allowed || a.Block == 0 {
		t.Fatalf("answer %+v %v", a, err)
	}
	rec, err := c.Send(c.App(app), c.Owner, c.A.PackRemoveComposeHash(h(0xc1)))
	if err != nil {
		t.Fatal(err)
	}
	a2, err := r.IsAppAllowed(context.Background(), b)
	if err != nil || a2.Allowed || a2.Block != rec.BlockNumber.Uint64() {
		t.Fatalf("after revocation in block %d: %+v %v", rec.BlockNumber, a2, err)
	}
	// With one confirmation the revocation shows one block later.
	r1, _ := New(context.Background(), c.Client, Config{ChainID: c.ChainID, KmsContract: c.Kms, Confirmations: 1, HeadInterval: HeadEveryCall})
	if _, err := c.Send(c.App(app), c.Owner, c.A.PackAddComposeHash(h(0xc1))); err != nil {
		t.Fatal(err)
	}
	if a, _ := r1.IsAppAllowed(context.Background(), b); a.Allowed {
		t.Fatal("unconfirmed change seen")
	}
	c.Sim.Commit()
	if a, _ := r1.IsAppAllowed(context.Background(), b); !a.Allowed {
		t.Fatal("confirmed change not seen")
	}
}

func TestFailClosed(t *testing.T) {
	c := testchain.New(t)
	now := time.Now()
	f := &counting{Backend: c.Client}
	r, err := New(context.Background(), f, Config{ChainID: c.ChainID, KmsContract: c.Kms, MaxStaleness: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	b := BootInfo{TcbStatus: "UpToDate", AdvisoryIds: []string{}}
	first, err := r.IsKmsAllowed(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	f.down.Store(true)
	now = now.Add(30 * time.Second)
	if a, err := r.IsKmsAllowed(context.Background(), b); err != nil || a.Block != first.Block {
		t.Fatalf("within the staleness bound: %+v %v", a, err)
	}
	now = now.Add(time.Minute)
	if _, err := r.IsKmsAllowed(context.Background(), b); !errors.Is(err, ErrStale) {
		t.Fatalf("past the staleness bound: %v", err)
	}
	if _, _, err := r.GatewayAppID(context.Background()); !errors.Is(err, ErrStale) {
		t.Fatalf("gateway app id past the bound: %v", err)
	}
	// The failed read holds for one head interval; the next read after it
	// recovers.
	f.down.Store(false)
	if _, err := r.IsKmsAllowed(context.Background(), b); !errors.Is(err, ErrStale) {
		t.Fatalf("recovered chain within the head interval of the failed read: %v", err)
	}
	now = now.Add(DefaultHeadInterval)
	if _, err := r.IsKmsAllowed(context.Background(), b); err != nil {
		t.Fatalf("recovered chain: %v", err)
	}
}

func TestRefusesWrongChainOrContract(t *testing.T) {
	c := testchain.New(t)
	if _, err := New(context.Background(), c.Client, Config{ChainID: big.NewInt(1), KmsContract: c.Kms}); !errors.Is(err, ErrWrongChain) {
		t.Fatalf("wrong chain id: %v", err)
	}
	if _, err := New(context.Background(), c.Client, Config{ChainID: c.ChainID, KmsContract: common.HexToAddress("0xdead")}); !errors.Is(err, ErrNoContract) {
		t.Fatalf("no contract: %v", err)
	}
}

func TestGatewayAppIDAndKmsInfo(t *testing.T) {
	c := testchain.New(t)
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetGatewayAppId("gw-app")); err != nil {
		t.Fatal(err)
	}
	r, err := New(context.Background(), c.Client, Config{ChainID: c.ChainID, KmsContract: c.Kms})
	if err != nil {
		t.Fatal(err)
	}
	id, block, err := r.GatewayAppID(context.Background())
	if err != nil || id != "gw-app" || block == 0 {
		t.Fatalf("%q %d %v", id, block, err)
	}
	impl, _, err := r.AppImplementation(context.Background())
	if err != nil || impl != c.AppImpl {
		t.Fatalf("app implementation %s %v", impl, err)
	}
	info, _, err := r.KmsInfo(context.Background())
	if err != nil || len(info.K256Pubkey) != 0 {
		t.Fatalf("kms info %+v %v", info, err)
	}
}
