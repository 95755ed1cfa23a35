package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/erc1967proxy"
	"github.com/dstack-go/dstack/contracts/testchain"
)

// counting counts the reader's eth_call requests, and fails every request
// while down is set.
type counting struct {
	Backend
	calls, other atomic.Int64 // eth_call; every other request
	down         atomic.Bool
	// heads counts the reads of the latest header, failed ones included.
	heads atomic.Int64
	// hold, when set, holds every read of the latest header until it is
	// closed; held counts the reads it holds or held.
	hold atomic.Pointer[chan struct{}]
	held atomic.Int64
}

var errDown = errors.New("connection refused")

func (c *counting) CallContract(ctx context.Context, m ethereum.CallMsg, n *big.Int) ([]byte, error) {
	if c.down.Load() {
		return nil, errDown
	}
	c.calls.Add(1)
	return c.Backend.CallContract(ctx, m, n)
}

func (c *counting) HeaderByNumber(ctx context.Context, n *big.Int) (*types.Header, error) {
	if n == nil {
		c.heads.Add(1)
		if h := c.hold.Load(); h != nil {
			c.held.Add(1)
			select {
			case <-*h:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	if c.down.Load() {
		return nil, errDown
	}
	c.other.Add(1)
	return c.Backend.HeaderByNumber(ctx, n)
}

func (c *counting) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if c.down.Load() {
		return nil, errDown
	}
	c.other.Add(1)
	return c.Backend.FilterLogs(ctx, q)
}

func (c *counting) StorageAt(ctx context.Context, a common.Address, k common.Hash, n *big.Int) ([]byte, error) {
	if c.down.Load() {
		return nil, errDown
	}
	c.other.Add(1)
	return c.Backend.StorageAt(ctx, a, k, n)
}

type cacheFixture struct {
	t    *testing.T
	c    *testchain.Chain
	rpc  *counting
	a, b common.Address
}

func newCacheFixture(t *testing.T) *cacheFixture {
	c := testchain.New(t)
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackAddOsImageHash(h(5))); err != nil {
		t.Fatal(err)
	}
	a, _, err := c.DeployApp(false, true, h(0), h(0xc1))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := c.DeployApp(false, true, h(0), h(0xc2))
	if err != nil {
		t.Fatal(err)
	}
	return &cacheFixture{t: t, c: c, rpc: &counting{Backend: c.Client}, a: a, b: b}
}

// reader returns a reader of the fixture's chain. Unless cfg sets a head
// interval it reads the head on every answer: the tests commit a block and
// ask at once, and assert what is seen at exactly that block.
func (f *cacheFixture) reader(cfg Config) *Reader {
	f.t.Helper()
	cfg.ChainID, cfg.KmsContract = f.c.ChainID, f.c.Kms
	if cfg.HeadInterval == 0 {
		cfg.HeadInterval = HeadEveryCall
	}
	r, err := New(context.Background(), f.rpc, cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func boot(app common.Address, compose byte) BootInfo {
	return BootInfo{AppId: app, ComposeHash: h(compose), OsImageHash: h(5), TcbStatus: "UpToDate", AdvisoryIds: []string{}}
}

// ask asks whether app may boot with compose and returns the answer and
// the eth_calls it cost.
func (f *cacheFixture) ask(r *Reader, app common.Address, compose byte) (Answer, int64) {
	f.t.Helper()
	before := f.rpc.calls.Load()
	a, err := r.IsAppAllowed(context.Background(), boot(app, compose))
	if err != nil {
		f.t.Fatal(err)
	}
	return a, f.rpc.calls.Load() - before
}

func (f *cacheFixture) head() uint64 {
	f.t.Helper()
	n, err := f.c.Client.BlockNumber(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *cacheFixture) send(to common.Address, data []byte) uint64 {
	f.t.Helper()
	inst := f.c.KmsInst
	if to != f.c.Kms {
		inst = f.c.App(to)
	}
	rec, err := f.c.Send(inst, f.c.Owner, data)
	if err != nil {
		f.t.Fatal(err)
	}
	return rec.BlockNumber.Uint64()
}

// TestCacheHoldsUntilEvent: an answer is served without an eth_call across
// blocks that carry no event of the contracts it depends on, and is read
// again from the block of such an event on.
func TestCacheHoldsUntilEvent(t *testing.T) {
	f := newCacheFixture(t)
	r := f.reader(Config{})
	a, first := f.ask(r, f.a, 0xc1)
	if !a.Allowed || first == 0 {
		t.Fatalf("first answer %+v after %d calls", a, first)
	}
	f.ask(r, f.b, 0xc2)
	for i := 0; i < 3; i++ {
		f.c.Sim.Commit()
		other := f.rpc.other.Load()
		a, n := f.ask(r, f.a, 0xc1)
		if i == 0 {
			t.Logf("first answer: %d eth_calls; at a new block without an event: %d eth_calls, %d other requests", first, n, f.rpc.other.Load()-other)
		}
		if !a.Allowed || n != 0 || a.Block != f.head() {
			t.Fatalf("empty block %d: %+v after %d calls (head %d)", i, a, n, f.head())
		}
	}
	// An event of another app leaves this app's answer alone and drops that
	// app's.
	f.send(f.b, f.c.A.PackAddComposeHash(h(0xc3)))
	if a, n := f.ask(r, f.a, 0xc1); !a.Allowed || n != 0 {
		t.Fatalf("after another app's event: %+v after %d calls", a, n)
	}
	if a, n := f.ask(r, f.b, 0xc2); !a.Allowed || n == 0 {
		t.Fatalf("the changed app's answer was not read again: %+v after %d calls", a, n)
	}
	// The revocation is seen at its own block.
	rev := f.send(f.a, f.c.A.PackRemoveComposeHash(h(0xc1)))
	if a, n := f.ask(r, f.a, 0xc1); a.Allowed || a.Block != rev || n == 0 {
		t.Fatalf("after the revocation in block %d: %+v after %d calls", rev, a, n)
	}
	// A DstackKms event drops everything.
	f.ask(r, f.b, 0xc2)
	osRev := f.send(f.c.Kms, f.c.K.PackRemoveOsImageHash(h(5)))
	if a, _ := f.ask(r, f.b, 0xc2); a.Allowed || a.Block != osRev {
		t.Fatalf("after the OS image's removal in block %d: %+v", osRev, a)
	}
}

// TestCacheWithConfirmations: with one confirmation the revocation is seen
// one block later, and then at exactly its block.
func TestCacheWithConfirmations(t *testing.T) {
	f := newCacheFixture(t)
	r := f.reader(Config{Confirmations: 1})
	f.c.Sim.Commit()
	if a, _ := f.ask(r, f.a, 0xc1); !a.Allowed || a.Block != f.head()-1 {
		t.Fatalf("first answer %+v (head %d)", a, f.head())
	}
	f.c.Sim.Commit()
	if a, n := f.ask(r, f.a, 0xc1); !a.Allowed || n != 0 {
		t.Fatalf("empty block: %+v after %d calls", a, n)
	}
	rev := f.send(f.a, f.c.A.PackRemoveComposeHash(h(0xc1)))
	if a, n := f.ask(r, f.a, 0xc1); !a.Allowed || a.Block != rev-1 || n != 0 {
		t.Fatalf("unconfirmed revocation: %+v after %d calls", a, n)
	}
	f.c.Sim.Commit()
	if a, _ := f.ask(r, f.a, 0xc1); a.Allowed || a.Block != rev {
		t.Fatalf("confirmed revocation in block %d: %+v", rev, a)
	}
}

// TestCacheOneBlockForOtherApps: an app the factory did not deploy may
// change without an event, so its answer is read again at every block.
func TestCacheOneBlockForOtherApps(t *testing.T) {
	f := newCacheFixture(t)
	init := f.c.A.PackInitialize0(crypto.PubkeyToAddress(f.c.Owner.PublicKey), false, false, true, h(0), h(0xc4))
	app, err := f.c.Deploy(erc1967proxy.ERC1967ProxyMetaData.Bin, erc1967proxy.NewERC1967Proxy().PackConstructor(f.c.AppImpl, init))
	if err != nil {
		t.Fatal(err)
	}
	f.send(f.c.Kms, f.c.K.PackRegisterApp(app))
	r := f.reader(Config{})
	f.ask(r, app, 0xc4)
	if a, n := f.ask(r, app, 0xc4); !a.Allowed || n != 0 {
		t.Fatalf("same block: %+v after %d calls", a, n)
	}
	f.c.Sim.Commit()
	if a, n := f.ask(r, app, 0xc4); !a.Allowed || n == 0 {
		t.Fatalf("next block served from the cache: %+v after %d calls", a, n)
	}
	// A factory app upgraded away from the KMS's implementation is read
	// again at every block too.
	f.ask(r, f.a, 0xc1)
	impl, err := f.c.Deploy(dstackapp.DstackAppMetaData.Bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.send(f.a, f.c.A.PackUpgradeToAndCall(impl, nil))
	f.ask(r, f.a, 0xc1)
	f.c.Sim.Commit()
	if a, n := f.ask(r, f.a, 0xc1); !a.Allowed || n == 0 {
		t.Fatalf("upgraded app served from the cache: %+v after %d calls", a, n)
	}
}

// TestCacheFailsClosed: with the RPC gone, cached answers are served at
// the last pinned block within the staleness bound, and past it nothing is.
func TestCacheFailsClosed(t *testing.T) {
	f := newCacheFixture(t)
	now := time.Now()
	r := f.reader(Config{MaxStaleness: time.Minute, Now: func() time.Time { return now }})
	first, _ := f.ask(r, f.a, 0xc1)
	f.rpc.down.Store(true)
	now = now.Add(30 * time.Second)
	if a, err := r.IsAppAllowed(context.Background(), boot(f.a, 0xc1)); err != nil || !a.Allowed || a.Block != first.Block {
		t.Fatalf("within the bound: %+v %v", a, err)
	}
	if _, err := r.IsAppAllowed(context.Background(), boot(f.b, 0xc2)); err == nil {
		t.Fatal("an answer never read was served with the RPC down")
	}
	now = now.Add(time.Minute)
	if _, err := r.IsAppAllowed(context.Background(), boot(f.a, 0xc1)); !errors.Is(err, ErrStale) {
		t.Fatalf("past the bound: %v", err)
	}
	f.rpc.down.Store(false)
	if a, err := r.IsAppAllowed(context.Background(), boot(f.a, 0xc1)); err != nil || !a.Allowed {
		t.Fatalf("recovered: %+v %v", a, err)
	}
}

// TestCacheDroppedByReorg: a revocation that arrives by a reorg, in a block
// replacing one the reader already scanned, is seen.
func TestCacheDroppedByReorg(t *testing.T) {
	f := newCacheFixture(t)
	r := f.reader(Config{})
	f.c.Sim.Commit()
	if a, _ := f.ask(r, f.a, 0xc1); !a.Allowed {
		t.Fatalf("before the reorg: %+v", a)
	}
	head, err := f.c.Client.HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.c.Sim.Fork(head.ParentHash); err != nil {
		t.Fatal(err)
	}
	// The side chain replaces the scanned block with one that revokes, and
	// grows past it.
	f.send(f.a, f.c.A.PackRemoveComposeHash(h(0xc1)))
	f.c.Sim.Commit()
	if now, _ := f.c.Client.HeaderByNumber(context.Background(), head.Number); now == nil || now.Hash() == head.Hash() {
		t.Fatal("the fork did not become canonical")
	}
	if a, _ := f.ask(r, f.a, 0xc1); a.Allowed {
		t.Fatalf("after a reorg that revoked: %+v", a)
	}
}

// TestCacheConcurrent: readers asking while blocks come and the compose
// hash is revoked never get "allowed" at or after the revoking block.
func TestCacheConcurrent(t *testing.T) {
	f := newCacheFixture(t)
	r := f.reader(Config{})
	var revokedAt atomic.Uint64
	revokedAt.Store(^uint64(0))
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				a, err := r.IsAppAllowed(context.Background(), boot(f.a, 0xc1))
				if err != nil {
					errs <- err
					return
				}
				if a.Allowed && a.Block >= revokedAt.Load() {
					errs <- fmt.Errorf("allowed at block %d, revoked at %d", a.Block, revokedAt.Load())
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		f.c.Sim.Commit()
	}
	revokedAt.Store(f.send(f.a, f.c.A.PackRemoveComposeHash(h(0xc1))))
	for i := 0; i < 5; i++ {
		f.c.Sim.Commit()
	}
	close(stop)
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
