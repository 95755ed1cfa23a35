package kms

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/chain"
)

// ChainAuthorizer decides from the governance contracts, read in process:
// DstackKms.isAppAllowed (delegating to the app's DstackApp) and
// isKmsAllowed. Each decision carries the block it holds at. The reader
// keeps a decision until it sees an event that could change it, and reads
// the head at most once per chain.Config.HeadInterval (default
// chain.DefaultHeadInterval) for all its callers, so asking at every request
// costs no request within the interval (and, once per new block, one head
// read and one eth_getLogs); a revocation is seen at the first head read
// after the block that contains it, at most one interval later.
type ChainAuthorizer struct {
	Reader *chain.Reader
	// RPCURL is the reader's endpoint, printed in the `dstack chain`
	// commands a refusal suggests (unless it may carry a credential).
	RPCURL string
}

// ChainConfig configures a ChainAuthorizer.
type ChainConfig struct {
	// RPCURL is the Ethereum JSON-RPC endpoint.
	RPCURL string `json:"rpc_url"`
	// ChainID is the chain the contracts are on; another is refused.
	ChainID uint64 `json:"chain_id"`
	// KmsContract is the DstackKms proxy address (0x…).
	KmsContract string `json:"kms_contract"`
	// Confirmations is how many blocks below the head are read. Default 0.
	Confirmations uint64 `json:"confirmations,omitempty"`
	// MaxStalenessSeconds bounds how long the chain may be unreadable
	// before every decision fails. Default 30.
	MaxStalenessSeconds int `json:"max_staleness_seconds,omitempty"`
}

// NewChainAuthorizer connects to the chain and checks it.
func NewChainAuthorizer(ctx context.Context, cfg ChainConfig) (*ChainAuthorizer, error) {
	if !common.IsHexAddress(cfg.KmsContract) {
		return nil, fmt.Errorf("kms: auth.chain.kms_contract %q is not an address", cfg.KmsContract)
	}
	client, err := ethclient.DialContext(ctx, cfg.RPCURL)
	if err != nil {
		return nil, fmt.Errorf("kms: connecting to %s: %w", cfg.RPCURL, err)
	}
	r, err := chain.New(ctx, client, chain.Config{
		ChainID: new(big.Int).SetUint64(cfg.ChainID), KmsContract: common.HexToAddress(cfg.KmsContract),
		Confirmations: cfg.Confirmations, MaxStaleness: time.Duration(cfg.MaxStalenessSeconds) * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("kms: %w", err)
	}
	return &ChainAuthorizer{Reader: r, RPCURL: cfg.RPCURL}, nil
}

func decision(ans chain.Answer, err error) (Decision, error) {
	if err != nil {
		return Decision{}, err
	}
	return Decision{Allowed: ans.Allowed, Reason: ans.Reason, GatewayAppID: ans.GatewayAppID, Block: ans.Block}, nil
}

// FollowsChain implements ChainFollowing: the reader keeps decisions until
// an event of the contracts they depend on.
func (a *ChainAuthorizer) FollowsChain() bool { return true }

// AuthorizeApp implements Authorizer. A refusal carries the `dstack chain`
// commands that would allow the app.
func (a *ChainAuthorizer) AuthorizeApp(ctx context.Context, b BootInfo) (Decision, error) {
	d, err := decision(a.Reader.IsAppAllowed(ctx, b.Solidity()))
	if err == nil && !d.Allowed {
		d.Fix = a.fix(d.Reason, b, false)
	}
	return d, err
}

// AuthorizeKMS implements Authorizer. A refusal carries the `dstack chain`
// commands that would allow the KMS.
func (a *ChainAuthorizer) AuthorizeKMS(ctx context.Context, b BootInfo) (Decision, error) {
	d, err := decision(a.Reader.IsKmsAllowed(ctx, b.Solidity()))
	if err == nil && !d.Allowed {
		d.Fix = a.fix(d.Reason, b, true)
	}
	return d, err
}

// Info implements Authorizer.
func (a *ChainAuthorizer) Info(ctx context.Context) (AuthInfo, error) {
	gw, _, err := a.Reader.GatewayAppID(ctx)
	if err != nil {
		return AuthInfo{}, err
	}
	impl, _, err := a.Reader.AppImplementation(ctx)
	if err != nil {
		return AuthInfo{}, err
	}
	cfg := a.Reader.Config()
	return AuthInfo{GatewayAppID: gw, KmsContractAddress: cfg.KmsContract.Hex(), ChainID: cfg.ChainID.Uint64(), AppAuthImplementation: impl.Hex()}, nil
}
