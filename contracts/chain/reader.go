// Package chain reads the governance contracts for the KMS and the gateway:
// whether an app instance or a KMS instance may boot, the gateway's app id
// and the KMS's published info. Every answer says at which block it was
// read.
//
// Reads are pinned to the head minus a number of confirmations and cached
// per pinned block, so a policy change (a revoked compose hash, say) takes
// effect in the first answer read at a block that contains it. When the
// chain cannot be read, cached answers for the last pinned block are served
// for at most MaxStaleness; after that every answer is an error — the
// reader fails closed. It must never answer from a chain or contract other
// than the configured ones: both are checked when it starts.
package chain

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

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
}

// Config configures a Reader.
type Config struct {
	// ChainID is the chain the contracts live on; a backend on another
	// chain is refused.
	ChainID *big.Int
	// KmsContract is the DstackKms proxy address.
	KmsContract common.Address
	// Confirmations is how many blocks below the head answers are read at.
	Confirmations uint64
	// MaxStaleness bounds how long answers are served while the chain
	// cannot be read. Zero means 30 seconds.
	MaxStaleness time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Answer is a policy decision and the block it was read at.
type Answer struct {
	Allowed bool
	Reason  string
	Block   uint64
}

// Errors of the reader.
var (
	ErrWrongChain = errors.New("the RPC endpoint serves another chain")
	ErrNoContract = errors.New("no contract at the configured address")
	ErrStale      = errors.New("the chain has not been readable for longer than the staleness bound")
)

// Reader answers policy questions from the chain.
type Reader struct {
	cfg     Config
	backend Backend
	kms     *bind.BoundContract
	abi     *dstackkms.DstackKms

	mu       sync.Mutex
	pinned   uint64
	readAt   time.Time
	cache    map[[32]byte]any
	cacheFor uint64
}

// New checks the backend's chain id and the contract's presence, and
// returns a reader.
func New(ctx context.Context, backend Backend, cfg Config) (*Reader, error) {
	if cfg.MaxStaleness <= 0 {
		cfg.MaxStaleness = 30 * time.Second
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
	return &Reader{cfg: cfg, backend: backend, kms: k.Instance(backend, cfg.KmsContract), abi: k, cache: map[[32]byte]any{}}, nil
}

// pin returns the block answers are read at now: the head minus the
// confirmations, or — while the chain cannot be read and the staleness bound
// is not passed — the last pinned block.
func (r *Reader) pin(ctx context.Context) (uint64, error) {
	now := r.cfg.Now()
	h, err := r.backend.HeaderByNumber(ctx, nil)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if r.readAt.IsZero() || now.Sub(r.readAt) > r.cfg.MaxStaleness {
			return 0, fmt.Errorf("%w: %v", ErrStale, err)
		}
		return r.pinned, nil
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
	return r.pinned, nil
}

// cached runs read at the pinned block unless the answer for key at that
// block is known.
func cached[T any](ctx context.Context, r *Reader, key []byte, read func(*bind.CallOpts) (T, error)) (T, uint64, error) {
	var zero T
	block, err := r.pin(ctx)
	if err != nil {
		return zero, 0, err
	}
	k := sha256.Sum256(key)
	r.mu.Lock()
	if r.cacheFor != block {
		r.cache, r.cacheFor = map[[32]byte]any{}, block
	}
	if v, ok := r.cache[k]; ok {
		r.mu.Unlock()
		return v.(T), block, nil
	}
	r.mu.Unlock()
	v, err := read(&bind.CallOpts{Context: ctx, BlockNumber: new(big.Int).SetUint64(block)})
	if err != nil {
		return zero, 0, fmt.Errorf("reading the chain at block %d: %w", block, err)
	}
	r.mu.Lock()
	if r.cacheFor == block {
		r.cache[k] = v
	}
	r.mu.Unlock()
	return v, block, nil
}

// IsAppAllowed asks DstackKms.isAppAllowed (which delegates to the app's
// contract).
func (r *Reader) IsAppAllowed(ctx context.Context, b BootInfo) (Answer, error) {
	data := r.abi.PackIsAppAllowed(b)
	out, block, err := cached(ctx, r, data, func(o *bind.CallOpts) (dstackkms.IsAppAllowedOutput, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackIsAppAllowed)
	})
	return Answer{Allowed: out.IsAllowed, Reason: out.Reason, Block: block}, err
}

// IsKmsAllowed asks DstackKms.isKmsAllowed.
func (r *Reader) IsKmsAllowed(ctx context.Context, b BootInfo) (Answer, error) {
	data := r.abi.PackIsKmsAllowed(b)
	out, block, err := cached(ctx, r, data, func(o *bind.CallOpts) (dstackkms.IsKmsAllowedOutput, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackIsKmsAllowed)
	})
	return Answer{Allowed: out.IsAllowed, Reason: out.Reason, Block: block}, err
}

// GatewayAppID reads the gateway's app id.
func (r *Reader) GatewayAppID(ctx context.Context) (string, uint64, error) {
	data := r.abi.PackGatewayAppId()
	return cached(ctx, r, data, func(o *bind.CallOpts) (string, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackGatewayAppId)
	})
}

// KmsInfo reads the KMS's published root keys and attestation.
func (r *Reader) KmsInfo(ctx context.Context) (dstackkms.KmsInfoOutput, uint64, error) {
	data := r.abi.PackKmsInfo()
	return cached(ctx, r, data, func(o *bind.CallOpts) (dstackkms.KmsInfoOutput, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackKmsInfo)
	})
}

// AppImplementation reads the DstackApp implementation the factory deploys.
func (r *Reader) AppImplementation(ctx context.Context) (common.Address, uint64, error) {
	data := r.abi.PackAppImplementation()
	return cached(ctx, r, data, func(o *bind.CallOpts) (common.Address, error) {
		return bind.Call(r.kms, o, data, r.abi.UnpackAppImplementation)
	})
}

// Config returns the reader's configuration.
func (r *Reader) Config() Config { return r.cfg }
