// Package chain reads the governance contracts for the KMS and the gateway:
// whether an app instance or a KMS instance may boot, the gateway's app id
// and the KMS's published info. Every answer says at which block it holds.
//
// Reads are pinned to the head minus a number of confirmations. The reader
// follows the head itself: it reads the head at most once per
// Config.HeadInterval, on behalf of whichever caller comes first after the
// interval (concurrent callers wait for that one read), and answers between
// two reads at the block the last one pinned. Every user of a reader shares
// that one look at the head, so an answer that is cached costs no request
// at all within the interval.
//
// An answer stays cached across blocks until the reader sees, in the logs of
// a newly pinned block, an event of a contract the answer depends on:
// DstackKms (every one of its state changes emits an event) and the app
// contracts the reader has been asked about. HTTP RPC has no subscriptions,
// so the reader polls eth_getLogs from the last block it scanned to the newly
// pinned one, once per new block, before it answers at that block; a revoked
// compose hash is refused in the first answer at a block at or past the one
// that revoked it — at most one HeadInterval after that block was mined.
//
// Only apps deployed by the KMS's factory, whose proxy still points at the
// KMS's DstackApp implementation, are cached across blocks: their state
// changes are all events. Any other app contract may change its answers
// without an event, so its answers are cached for one block only. The KMS
// contract is taken to be DstackKms — its owner is the policy authority —
// and any event of it, an upgrade included, drops every cached answer. A
// reorg below the last scanned block drops every cached answer too.
//
// When the chain cannot be read, cached answers for the last pinned block
// are served for at most MaxStaleness after the last head read that
// succeeded; after that every answer is an error — the reader fails
// closed. It must never answer from a chain or contract other than the
// configured ones: both are checked when it starts.
package chain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"golang.org/x/sync/singleflight"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
)

// BootInfo is the Solidity AppBootInfo tuple.
type BootInfo = dstackkms.IAppAuthAppBootInfo

// Backend is what the reader needs of an Ethereum client (ethclient.Client
// and the simulated backend's client both qualify).
type Backend interface {
	bind.ContractBackend
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	ChainID(ctx context.Context) (*big.Int, error)
	StorageAt(ctx context.Context, account common.Address, key common.Hash, blockNumber *big.Int) ([]byte, error)
}

// Config configures a Reader.
type Config struct {
	// ChainID is the chain the contracts live on; a backend on another
	// chain is refused.
	ChainID *big.Int
	// KmsContract is the DstackKms proxy address.
	KmsContract common.Address
	// Confirmations is how many blocks below the head answers are read at.
	// Zero means the head.
	Confirmations uint64
	// MaxStaleness bounds how long answers are served while the chain
	// cannot be read: past it since the last head read that succeeded,
	// every answer is ErrStale. Zero means 30 seconds. It must not be
	// shorter than HeadInterval.
	MaxStaleness time.Duration
	// HeadInterval is the least time between two reads of the chain head.
	// Between reads, answers hold at the block the last read pinned (and
	// cost no request when cached); the first answer asked for after the
	// interval reads the head again, once for every caller waiting at that
	// moment. A change mined in block N is therefore first seen by the first
	// head read after N (plus the confirmations), at most HeadInterval
	// after block N was mined. Zero means DefaultHeadInterval (one second,
	// about a block of most chains); HeadEveryCall (any negative value)
	// reads the head on every answer, so that a change is seen by the first
	// answer asked for after its block, at the cost of one request per
	// answer.
	HeadInterval time.Duration
	// MaxLogRange is the most blocks one eth_getLogs scan covers; when more
	// blocks have passed since the last scan (a reader idle for long, or an
	// RPC provider's range cap), every cached answer is dropped instead.
	// Zero means 2000.
	MaxLogRange uint64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Answer is a policy decision and the block it holds at.
type Answer struct {
	Allowed bool
	Reason  string
	// GatewayAppID is the gateway's app id at the same block.
	GatewayAppID string
	Block        uint64
}

// Head intervals (Config.HeadInterval).
const (
	// DefaultHeadInterval is the head interval when none is configured.
	DefaultHeadInterval = time.Second
	// HeadEveryCall reads the head on every answer.
	HeadEveryCall time.Duration = -1
)

// headReadTimeout bounds one shared read of the head and the log scan that
// follows it. The read runs on behalf of every waiting caller, so no one
// caller's context may cancel it.
const headReadTimeout = 30 * time.Second

// Errors of the reader.
var (
	ErrWrongChain = errors.New("the RPC endpoint serves another chain")
	ErrNoContract = errors.New("no contract at the configured address")
	ErrStale      = errors.New("the chain has not been readable for longer than the staleness bound")
)

// implementationSlot is the ERC-1967 implementation slot,
// keccak256("eip1967.proxy.implementation") - 1.
var implementationSlot = common.HexToHash("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc")

// entry is a cached answer. An entry of a watched contract holds until an
// event of that contract (app) or of DstackKms; any other holds only at
// block.
type entry struct {
	v       any
	app     common.Address
	watched bool
	block   uint64
}

// appState is what the reader knows of an app contract it was asked about.
type appState struct {
	factory bool // deployed by DstackKms's factory: permanent
	known   bool // watched is known for the app's current state
	watched bool // its answers may be cached across blocks
}

// Reader answers policy questions from the chain.
type Reader struct {
	cfg     Config
	backend Backend
	kms     *bind.BoundContract
	abi     *dstackkms.DstackKms

	scanMu sync.Mutex         // one log scan at a time
	heads  singleflight.Group // one head read at a time, shared by its waiters

	mu          sync.Mutex
	pinned      uint64
	readAt      time.Time   // the last head read that succeeded
	triedAt     time.Time   // the last head read, whatever its outcome
	headErr     error       // that read's error, nil if it succeeded
	scanned     uint64      // answers are valid at this block
	scannedHash common.Hash // its hash, to detect a reorg under it
	gen         uint64      // bumped at every invalidation
	cache       map[[32]byte]entry
	apps        map[common.Address]*appState
	// timed is the timestamp of the last block whose time was read; it is
	// dropped with the cache.
	timed struct {
		block, time uint64
		ok          bool
	}
}

// New checks the backend's chain id and the contract's presence, and
// returns a reader.
func New(ctx context.Context, backend Backend, cfg Config) (*Reader, error) {
	if cfg.MaxStaleness <= 0 {
		cfg.MaxStaleness = 30 * time.Second
	}
	if cfg.HeadInterval == 0 {
		cfg.HeadInterval = DefaultHeadInterval
	}
	if cfg.HeadInterval > cfg.MaxStaleness {
		return nil, fmt.Errorf("configuring the chain reader: the head interval %v is longer than the staleness bound %v, so every answer between two head reads would be stale; shorten the head interval or raise the staleness bound", cfg.HeadInterval, cfg.MaxStaleness)
	}
	if cfg.MaxLogRange == 0 {
		cfg.MaxLogRange = 2000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	id, err := backend.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the chain id: %w", err)
	}
	if cfg.ChainID == nil || id.Cmp(cfg.ChainID) != 0 {
		return nil, fmt.Errorf("%w: configured chain %v, endpoint serves %v", ErrWrongChain, cfg.ChainID, id)
	}
	code, err := backend.CodeAt(ctx, cfg.KmsContract, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the KMS contract: %w", err)
	}
	if len(code) == 0 {
		return nil, fmt.Errorf("%w: %s on chain %v (check the KMS contract address)", ErrNoContract, cfg.KmsContract, id)
	}
	k := dstackkms.NewDstackKms()
	return &Reader{cfg: cfg, backend: backend, kms: k.Instance(backend, cfg.KmsContract), abi: k,
		cache: map[[32]byte]entry{}, apps: map[common.Address]*appState{}}, nil
}

// pin returns the block answers are read at now: the head minus the
// confirmations, or — between two head reads, and while the chain cannot be
// read and the staleness bound is not passed — the last pinned block.
// Before it returns a new block, the logs up to it have been scanned and the
// answers they affect dropped.
func (r *Reader) pin(ctx context.Context) (uint64, error) {
	if r.cfg.HeadInterval < 0 {
		return r.readHead(ctx)
	}
	if n, ok, err := r.fresh(); ok {
		return n, err
	}
	ch := r.heads.DoChan("head", func() (any, error) {
		// A caller that found the interval expired may arrive just after
		// the read that renewed it.
		if n, ok, err := r.fresh(); ok {
			return n, err
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), headReadTimeout)
		defer cancel()
		return r.readHead(ctx)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return 0, res.Err
		}
		return res.Val.(uint64), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("waiting for the chain head: %w", ctx.Err())
	}
}

// fresh answers for the last head read if it was less than a head interval
// ago: ok is false when the head must be read again.
func (r *Reader) fresh() (n uint64, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Now()
	// A clock that went back also expires the interval.
	if d := now.Sub(r.triedAt); r.triedAt.IsZero() || d < 0 || d >= r.cfg.HeadInterval {
		return 0, false, nil
	}
	n, err = r.servedLocked(now)
	return n, true, err
}

// servedLocked is the last pinned block, unless the last head read failed
// and the last one that succeeded is older than the staleness bound.
func (r *Reader) servedLocked(now time.Time) (uint64, error) {
	if r.headErr == nil {
		return r.pinned, nil
	}
	if r.readAt.IsZero() {
		return 0, fmt.Errorf("reading the chain head: %w: it was never read (bound %v): %w; make the chain's RPC endpoint reachable", ErrStale, r.cfg.MaxStaleness, r.headErr)
	}
	if age := now.Sub(r.readAt); age > r.cfg.MaxStaleness {
		return 0, fmt.Errorf("reading the chain head: %w: last read %v ago at block %d (bound %v): %w; make the chain's RPC endpoint reachable, or raise the staleness bound", ErrStale, age.Round(time.Millisecond), r.pinned, r.cfg.MaxStaleness, r.headErr)
	}
	return r.pinned, nil
}

// readHead reads the head, pins the block answers are read at and scans the
// logs up to it.
func (r *Reader) readHead(ctx context.Context) (uint64, error) {
	now := r.cfg.Now()
	h, err := r.backend.HeaderByNumber(ctx, nil)
	r.mu.Lock()
	r.triedAt, r.headErr = now, err
	if err != nil {
		defer r.mu.Unlock()
		return r.servedLocked(now)
	}
	n := h.Number.Uint64()
	if n < r.cfg.Confirmations {
		n = 0
	} else {
		n -= r.cfg.Confirmations
	}
	if n > r.pinned || r.readAt.IsZero() {
		r.pinned = n
	}
	r.readAt = now
	pinned := r.pinned
	r.mu.Unlock()
	if r.cfg.Confirmations == 0 && n == pinned {
		r.scan(ctx, pinned, h)
	} else {
		r.scan(ctx, pinned, nil)
	}
	return pinned, nil
}

// scan brings the cache to block n: it reads the logs of the watched
// contracts from the last scanned block on and drops what they affect. When
// the logs cannot be read, or a reorg replaced the last scanned block,
// everything is dropped; answers are then read afresh at n, which is always
// correct.
func (r *Reader) scan(ctx context.Context, n uint64, head *types.Header) {
	r.scanMu.Lock()
	defer r.scanMu.Unlock()
	r.mu.Lock()
	from, fromHash := r.scanned, r.scannedHash
	if n <= from && fromHash != (common.Hash{}) {
		// The usual case on the answer path: nothing new to scan.
		r.mu.Unlock()
		return
	}
	addrs := []common.Address{r.cfg.KmsContract}
	scannedApps := make(map[common.Address]bool, len(r.apps))
	for a := range r.apps {
		addrs = append(addrs, a)
		scannedApps[a] = true
	}
	r.mu.Unlock()
	hn := head
	if hn == nil {
		var err error
		if hn, err = r.backend.HeaderByNumber(ctx, new(big.Int).SetUint64(n)); err != nil {
			r.reset(n, common.Hash{})
			return
		}
	}
	if fromHash == (common.Hash{}) || n-from > r.cfg.MaxLogRange {
		r.reset(n, hn.Hash())
		return
	}
	// The block scanned last must still be on the chain.
	if n == from+1 {
		if hn.ParentHash != fromHash {
			r.reset(n, hn.Hash())
			return
		}
	} else if hf, err := r.backend.HeaderByNumber(ctx, new(big.Int).SetUint64(from)); err != nil || hf.Hash() != fromHash {
		r.reset(n, hn.Hash())
		return
	}
	logs, err := r.backend.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(from + 1), ToBlock: new(big.Int).SetUint64(n), Addresses: addrs,
	})
	if err != nil {
		r.reset(n, hn.Hash())
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range logs {
		r.gen++
		if l.Address == r.cfg.KmsContract {
			r.dropAllLocked()
			continue
		}
		if st := r.apps[l.Address]; st != nil {
			st.known = false
		}
		for k, e := range r.cache {
			if e.app == l.Address {
				delete(r.cache, k)
			}
		}
	}
	// Answers of apps first asked about while the logs were read were not
	// scanned for.
	for k, e := range r.cache {
		if e.app != (common.Address{}) && !scannedApps[e.app] {
			delete(r.cache, k)
		}
	}
	r.scanned, r.scannedHash = n, hn.Hash()
}

// reset drops every cached answer and marks the cache valid at block n.
func (r *Reader) reset(n uint64, hash common.Hash) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen++
	r.dropAllLocked()
	r.scanned, r.scannedHash = n, hash
}

// dropAllLocked drops every answer and what is known of apps, except that
// an app came from the factory.
func (r *Reader) dropAllLocked() {
	clear(r.cache)
	r.timed.ok = false
	for a, st := range r.apps {
		if !st.factory {
			delete(r.apps, a)
			continue
		}
		st.known = false
	}
}

// cached runs read at the pinned block unless the answer for key is known
// to hold there. app is the app contract the answer depends on beside
// DstackKms, if any.
func cached[T any](ctx context.Context, r *Reader, key []byte, app *common.Address, read func(*bind.CallOpts) (T, error)) (T, uint64, error) {
	var zero T
	block, err := r.pin(ctx)
	if err != nil {
		return zero, 0, err
	}
	v, err := lookup(ctx, r, block, key, app, read)
	return v, block, err
}

// lookup is cached at a block already pinned.
func lookup[T any](ctx context.Context, r *Reader, block uint64, key []byte, app *common.Address, read func(*bind.CallOpts) (T, error)) (T, error) {
	var zero T
	k := sha256.Sum256(key)
	r.mu.Lock()
	if e, ok := r.cache[k]; ok && (e.watched || e.block == block) && r.scanned == block {
		r.mu.Unlock()
		return e.v.(T), nil
	}
	gen := r.gen
	r.mu.Unlock()
	e := entry{watched: true, block: block}
	if app != nil {
		var err error
		e.app = *app
		if e.watched, err = r.appWatched(ctx, *app, block); err != nil {
			return zero, err
		}
	}
	v, err := read(&bind.CallOpts{Context: ctx, BlockNumber: new(big.Int).SetUint64(block)})
	if err != nil {
		return zero, fmt.Errorf("reading the chain at block %d: %w", block, err)
	}
	e.v = v
	r.mu.Lock()
	if r.gen == gen && r.scanned == block {
		r.cache[k] = e
	}
	r.mu.Unlock()
	return v, nil
}

// appWatched tells whether an app's answers may be cached across blocks:
// the factory deployed it and its proxy points at the KMS's DstackApp
// implementation. It also puts the app on the list of contracts whose logs
// are scanned.
func (r *Reader) appWatched(ctx context.Context, app common.Address, block uint64) (bool, error) {
	r.mu.Lock()
	st := r.apps[app]
	if st == nil {
		st = &appState{}
		r.apps[app] = st
	}
	if st.known {
		w := st.watched
		r.mu.Unlock()
		return w, nil
	}
	factory, gen := st.factory, r.gen
	r.mu.Unlock()
	at := new(big.Int).SetUint64(block)
	if !factory {
		logs, err := r.backend.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: big.NewInt(0), ToBlock: at, Addresses: []common.Address{r.cfg.KmsContract},
			Topics: [][]common.Hash{{r.abi.GetABI().Events["AppDeployedViaFactory"].ID}, {common.BytesToHash(app.Bytes())}},
		})
		if err != nil {
			return false, fmt.Errorf("reading the deployment of app %s: %w", app, err)
		}
		factory = len(logs) > 0
	}
	watched := false
	if factory {
		slot, err := r.backend.StorageAt(ctx, app, implementationSlot, at)
		if err != nil {
			return false, fmt.Errorf("reading the implementation of app %s: %w", app, err)
		}
		impl, err := bind.Call(r.kms, &bind.CallOpts{Context: ctx, BlockNumber: at}, r.abi.PackAppImplementation(), r.abi.UnpackAppImplementation)
		if err != nil {
			return false, fmt.Errorf("reading the KMS's app implementation: %w", err)
		}
		watched = common.BytesToAddress(slot) == impl && impl != (common.Address{})
	}
	r.mu.Lock()
	if r.gen == gen {
		if cur := r.apps[app]; cur != nil {
			cur.factory, cur.known, cur.watched = factory, true, watched
		}
	}
	r.mu.Unlock()
	return watched, nil
}

// IsAppAllowed asks DstackKms.isAppAllowed (which delegates to the app's
// contract); the answer carries the gateway's app id at the same block.
func (r *Reader) IsAppAllowed(ctx context.Context, b BootInfo) (Answer, error) {
	data := r.abi.PackIsAppAllowed(b)
	return decide(ctx, r, data, &b.AppId, func(o *bind.CallOpts) (dstackkms.IsAppAllowedOutput, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackIsAppAllowed)
	})
}

// IsKmsAllowed asks DstackKms.isKmsAllowed; the answer carries the
// gateway's app id at the same block.
func (r *Reader) IsKmsAllowed(ctx context.Context, b BootInfo) (Answer, error) {
	data := r.abi.PackIsKmsAllowed(b)
	return decide(ctx, r, data, nil, func(o *bind.CallOpts) (dstackkms.IsAppAllowedOutput, error) {
		out, err := bind.Call(r.kms, o, data, r.abi.UnpackIsKmsAllowed)
		return dstackkms.IsAppAllowedOutput(out), err
	})
}

// decide reads a decision and the gateway's app id at one pinned block.
func decide(ctx context.Context, r *Reader, data []byte, app *common.Address, read func(*bind.CallOpts) (dstackkms.IsAppAllowedOutput, error)) (Answer, error) {
	block, err := r.pin(ctx)
	if err != nil {
		return Answer{}, err
	}
	out, err := lookup(ctx, r, block, data, app, read)
	if err != nil {
		return Answer{}, err
	}
	gwData := r.abi.PackGatewayAppId()
	gw, err := lookup(ctx, r, block, gwData, nil, func(o *bind.CallOpts) (string, error) {
		return bind.Call(r.kms, o, gwData, r.abi.UnpackGatewayAppId)
	})
	if err != nil {
		return Answer{}, err
	}
	return Answer{Allowed: out.IsAllowed, Reason: out.Reason, GatewayAppID: gw, Block: block}, nil
}

// AppRegistered reads DstackKms.registeredApps(app): whether the app is
// registered with the KMS (registerApp, or deployed through its factory),
// with the block it was read at.
func (r *Reader) AppRegistered(ctx context.Context, app common.Address) (bool, uint64, error) {
	data := r.abi.PackRegisteredApps(app)
	return cached(ctx, r, data, nil, func(o *bind.CallOpts) (bool, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackRegisteredApps)
	})
}

// GatewayAppID reads the gateway's app id.
func (r *Reader) GatewayAppID(ctx context.Context) (string, uint64, error) {
	data := r.abi.PackGatewayAppId()
	return cached(ctx, r, data, nil, func(o *bind.CallOpts) (string, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackGatewayAppId)
	})
}

// GatewayApp reads the gateway's app id (gatewayAppId(), which
// setGatewayAppId sets) as the 20 bytes of an app id, with the block it was
// read at. A value that is not an app id (unset, say) is an error: nothing
// may be judged against it. When given is not empty, a chain value that
// differs is an error too: the caller was told another gateway.
func (r *Reader) GatewayApp(ctx context.Context, given []byte) ([]byte, uint64, error) {
	s, block, err := r.GatewayAppID(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the gateway app id on chain: %w", err)
	}
	id, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil || len(id) != 20 {
		return nil, block, fmt.Errorf("the KMS contract %s names no gateway app id at block %d (gatewayAppId() is %q): set it with `dstack chain set-gateway-app-id`", r.cfg.KmsContract.Hex(), block, s)
	}
	if len(given) > 0 && !bytes.Equal(given, id) {
		return nil, block, fmt.Errorf("the gateway app id given, %x, is not the one the KMS contract %s names at block %d, %x: drop it or correct it", given, r.cfg.KmsContract.Hex(), block, id)
	}
	return id, block, nil
}

// KmsInfo reads the KMS's published root keys and attestation.
func (r *Reader) KmsInfo(ctx context.Context) (dstackkms.KmsInfoOutput, uint64, error) {
	data := r.abi.PackKmsInfo()
	return cached(ctx, r, data, nil, func(o *bind.CallOpts) (dstackkms.KmsInfoOutput, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackKmsInfo)
	})
}

// AppImplementation reads the DstackApp implementation the factory deploys.
func (r *Reader) AppImplementation(ctx context.Context) (common.Address, uint64, error) {
	data := r.abi.PackAppImplementation()
	return cached(ctx, r, data, nil, func(o *bind.CallOpts) (common.Address, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackAppImplementation)
	})
}

// Head is what a reader knows of the chain head.
type Head struct {
	// Block is the block answers are read at now.
	Block uint64
	// ReadAt is when the head was last read successfully (zero if never).
	ReadAt time.Time
	// Err is the error of the last head read, nil if it succeeded. While it
	// is set and the staleness bound is not passed, answers hold at Block.
	Err error
}

// Head returns the block answers are read at now, reading the head first
// if the head interval has passed, as every answer does. Its error is the
// answers' error: ErrStale once the head has not been read for longer than
// the staleness bound.
func (r *Reader) Head(ctx context.Context) (Head, error) {
	block, err := r.pin(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	return Head{Block: block, ReadAt: r.readAt, Err: r.headErr}, err
}

// Stale reports, without reading the chain, whether answers are refused
// now: an error wrapping ErrStale once the last head read failed and the
// last one that succeeded is older than the staleness bound, else nil.
func (r *Reader) Stale() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.servedLocked(r.cfg.Now())
	return err
}

// Config returns the reader's configuration.
func (r *Reader) Config() Config { return r.cfg }
