package kms

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms/kmsapi"
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

// NewChainAuthorizer connects to the chain and checks it.
func NewChainAuthorizer(ctx context.Context, cfg settings.Chain) (*ChainAuthorizer, error) {
	r, err := cfg.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("kms: auth.chain: %w", err)
	}
	return &ChainAuthorizer{Reader: r, RPCURL: cfg.RPCURL}, nil
}

func decision(ans chain.Answer, err error) (Decision, error) {
	if err != nil {
		return Decision{}, err
	}
	return Decision{Allowed: ans.Allowed, Reason: ans.Reason, GatewayAppID: ans.GatewayAppID, Block: ans.Block}, nil
}

// AppRegistered implements AppRegistry: DstackKms.registeredApps.
func (a *ChainAuthorizer) AppRegistered(ctx context.Context, appID []byte) (bool, error) {
	if len(appID) != common.AddressLength {
		return false, fmt.Errorf("an app id is %d bytes, not %d", common.AddressLength, len(appID))
	}
	ok, _, err := a.Reader.AppRegistered(ctx, common.BytesToAddress(appID))
	return ok, err
}

// FollowsChain implements ChainFollowing: the reader keeps decisions until
// an event of the contracts they depend on.
func (a *ChainAuthorizer) FollowsChain() bool { return true }

// AuthorizeApp implements Authorizer. A refusal carries the `dstack chain`
// commands that would allow the app.
func (a *ChainAuthorizer) AuthorizeApp(ctx context.Context, b kmsapi.BootInfo) (Decision, error) {
	d, err := decision(a.Reader.IsAppAllowed(ctx, b.Solidity()))
	if err == nil && !d.Allowed {
		d.Fix = a.fix(d.Reason, b, false)
	}
	return d, err
}

// AuthorizeKMS implements Authorizer. A refusal carries the `dstack chain`
// commands that would allow the KMS.
func (a *ChainAuthorizer) AuthorizeKMS(ctx context.Context, b kmsapi.BootInfo) (Decision, error) {
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
