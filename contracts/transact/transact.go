// Package transact signs transactions to the governance contracts and waits
// for their receipts: deploying DstackKms behind its proxy, calling it, and
// reading what a deployment created. It is what `dstack chain` and the
// development stack write to the chain with; it never holds a key it was
// not given, and never reads one from anywhere.
package transact

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/bindings/erc1967proxy"
)

// Sender sends transactions signed by Key over Client.
type Sender struct {
	Client *ethclient.Client
	// Key signs; nil for a read-only Sender.
	Key     *ecdsa.PrivateKey
	ChainID *big.Int
	// Out receives one line per mined transaction (hash, block, gas).
	Out io.Writer
}

// Dial connects to rpc and reads its chain id; key is nil for read-only use.
func Dial(ctx context.Context, rpc string, key *ecdsa.PrivateKey, out io.Writer) (*Sender, error) {
	client, err := ethclient.DialContext(ctx, rpc)
	if err != nil {
		return nil, err
	}
	id, err := client.ChainID(ctx)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("reading the chain id from %s: %w", rpc, err)
	}
	if out == nil {
		out = io.Discard
	}
	return &Sender{Client: client, Key: key, ChainID: id, Out: out}, nil
}

// Wait waits for tx's receipt and fails when it reverted.
func (c *Sender) Wait(ctx context.Context, tx *types.Transaction, what string) (*types.Receipt, error) {
	var r *types.Receipt
	for {
		var err error
		if r, err = c.Client.TransactionReceipt(ctx, tx.Hash()); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: waiting for %s: %w", what, tx.Hash(), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return r, fmt.Errorf("%s: transaction %s reverted", what, tx.Hash())
	}
	fmt.Fprintf(c.Out, "%s: tx %s block %d gas %d\n", what, tx.Hash(), r.BlockNumber, r.GasUsed)
	return r, nil
}

// Deploy deploys a contract's bytecode (hex) with constructor args.
func (c *Sender) Deploy(ctx context.Context, what, bin string, args []byte) (common.Address, error) {
	if c.Key == nil {
		return common.Address{}, errors.New("deploying " + what + ": no signing key")
	}
	addr, tx, err := bind.DeployContract(bind.NewKeyedTransactor(c.Key, c.ChainID), common.FromHex(bin), c.Client, args)
	if err != nil {
		return common.Address{}, fmt.Errorf("deploying %s: %w", what, err)
	}
	if _, err := c.Wait(ctx, tx, "deploy "+what+" at "+addr.Hex()); err != nil {
		return common.Address{}, err
	}
	return addr, nil
}

// Send calls to with data (ABI-packed) and waits for the receipt.
func (c *Sender) Send(ctx context.Context, to common.Address, data []byte, what string) (*types.Receipt, error) {
	if c.Key == nil {
		return nil, errors.New(what + ": no signing key")
	}
	inst := bind.NewBoundContract(to, dstackkms.NewDstackKms().GetABI(), c.Client, c.Client, c.Client)
	tx, err := bind.Transact(inst, bind.NewKeyedTransactor(c.Key, c.ChainID), data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return c.Wait(ctx, tx, what)
}

// DeployGovernance deploys the DstackApp implementation and DstackKms
// behind an ERC1967 proxy owned by the signer, and returns the proxy.
func (c *Sender) DeployGovernance(ctx context.Context) (common.Address, error) {
	appImpl, err := c.Deploy(ctx, "DstackApp implementation", dstackapp.DstackAppMetaData.Bin, nil)
	if err != nil {
		return common.Address{}, err
	}
	kmsImpl, err := c.Deploy(ctx, "DstackKms implementation", dstackkms.DstackKmsMetaData.Bin, nil)
	if err != nil {
		return common.Address{}, err
	}
	init := dstackkms.NewDstackKms().PackInitialize(crypto.PubkeyToAddress(c.Key.PublicKey), appImpl)
	return c.Deploy(ctx, "DstackKms proxy", erc1967proxy.ERC1967ProxyMetaData.Bin, erc1967proxy.NewERC1967Proxy().PackConstructor(kmsImpl, init))
}

// DeployedApp finds the app a deployAndRegisterApp receipt created.
func DeployedApp(r *types.Receipt) (common.Address, error) {
	K := dstackkms.NewDstackKms()
	for _, l := range r.Logs {
		if ev, err := K.UnpackAppDeployedViaFactoryEvent(l); err == nil {
			return ev.AppId, nil
		}
	}
	return common.Address{}, errors.New("deploy-app: no AppDeployedViaFactory event")
}
