// Package testchain deploys the governance contracts on go-ethereum's
// simulated backend — a real EVM in process — for tests of the contracts
// and of everything that reads them. It is for tests only.
package testchain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/bindings/erc1967proxy"
)

// Chain is a simulated chain with DstackKms (behind an ERC1967 proxy) and
// the DstackApp implementation deployed.
type Chain struct {
	Sim      *simulated.Backend
	Client   simulated.Client
	Owner    *ecdsa.PrivateKey   // owns DstackKms and the apps deployed with DeployApp
	Stranger *ecdsa.PrivateKey   // a funded account that owns nothing
	Accounts []*ecdsa.PrivateKey // three more funded accounts
	ChainID  *big.Int
	Kms      common.Address
	KmsInst  *bind.BoundContract
	AppImpl  common.Address
	K        *dstackkms.DstackKms
	A        *dstackapp.DstackApp
}

// New deploys the contracts; the backend is closed when the test ends.
func New(tb testing.TB) *Chain {
	tb.Helper()
	owner, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	funds := new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))
	alloc := types.GenesisAlloc{
		crypto.PubkeyToAddress(owner.PublicKey):    {Balance: funds},
		crypto.PubkeyToAddress(stranger.PublicKey): {Balance: funds},
	}
	var accounts []*ecdsa.PrivateKey
	for i := 0; i < 3; i++ {
		k, _ := crypto.GenerateKey()
		accounts = append(accounts, k)
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: funds}
	}
	sim := simulated.NewBackend(alloc, simulated.WithBlockGasLimit(60_000_000))
	tb.Cleanup(func() { sim.Close() })
	c := &Chain{Sim: sim, Client: sim.Client(), Owner: owner, Stranger: stranger, Accounts: accounts, K: dstackkms.NewDstackKms(), A: dstackapp.NewDstackApp()}
	id, err := c.Client.ChainID(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	c.ChainID = id
	if c.AppImpl, err = c.Deploy(dstackapp.DstackAppMetaData.Bin, nil); err != nil {
		tb.Fatal(err)
	}
	kmsImpl, err := c.Deploy(dstackkms.DstackKmsMetaData.Bin, nil)
	if err != nil {
		tb.Fatal(err)
	}
	init := c.K.PackInitialize(crypto.PubkeyToAddress(owner.PublicKey), c.AppImpl)
	if c.Kms, err = c.Deploy(erc1967proxy.ERC1967ProxyMetaData.Bin, erc1967proxy.NewERC1967Proxy().PackConstructor(kmsImpl, init)); err != nil {
		tb.Fatal(err)
	}
	c.KmsInst = c.K.Instance(c.Client, c.Kms)
	return c
}

// Opts returns transaction options for key.
func (c *Chain) Opts(key *ecdsa.PrivateKey) *bind.TransactOpts {
	return bind.NewKeyedTransactor(key, c.ChainID)
}

// Deploy deploys bytecode (hex) with constructor arguments and mines it.
func (c *Chain) Deploy(bin string, ctorArgs []byte) (common.Address, error) {
	addr, tx, err := bind.DeployContract(c.Opts(c.Owner), common.FromHex(bin), c.Client, ctorArgs)
	if err != nil {
		return common.Address{}, err
	}
	c.Sim.Commit()
	if _, err := bind.WaitDeployed(context.Background(), c.Client, tx.Hash()); err != nil {
		return common.Address{}, err
	}
	return addr, nil
}

// Send transacts with key, mines a block and returns the receipt; a
// transaction that reverts is an error.
func (c *Chain) Send(inst *bind.BoundContract, key *ecdsa.PrivateKey, data []byte) (*types.Receipt, error) {
	tx, err := bind.Transact(inst, c.Opts(key), data)
	if err != nil {
		return nil, err
	}
	c.Sim.Commit()
	r, err := bind.WaitMined(context.Background(), c.Client, tx.Hash())
	if err != nil {
		return nil, err
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return r, fmt.Errorf("transaction %s reverted", tx.Hash())
	}
	return r, nil
}

// App returns the bound contract of an app.
func (c *Chain) App(app common.Address) *bind.BoundContract { return c.A.Instance(c.Client, app) }

// DeployApp deploys and registers an app through the factory, owned by
// Owner, and returns its address (the app id) and the receipt.
func (c *Chain) DeployApp(requireTcb, allowAnyDevice bool, device, compose [32]byte) (common.Address, *types.Receipt, error) {
	r, err := c.Send(c.KmsInst, c.Stranger, c.K.PackDeployAndRegisterApp0(crypto.PubkeyToAddress(c.Owner.PublicKey), false, requireTcb, allowAnyDevice, device, compose))
	if err != nil {
		return common.Address{}, nil, err
	}
	for _, l := range r.Logs {
		if ev, err := c.K.UnpackAppDeployedViaFactoryEvent(l); err == nil {
			return ev.AppId, r, nil
		}
	}
	return common.Address{}, r, fmt.Errorf("no AppDeployedViaFactory event")
}

// AdjustTime moves the chain's clock on by d and mines a block. The
// transaction pool drops mined transactions when it processes the new head,
// a moment after the block: until then the simulated beacon refuses to
// adjust the time, so it is tried again for up to five seconds.
func (c *Chain) AdjustTime(d time.Duration) error {
	var err error
	for i := 0; i < 200; i++ {
		if err = c.Sim.AdjustTime(d); err == nil {
			c.Sim.Commit()
			return nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("adjusting the simulated chain's time: %w", err)
}
