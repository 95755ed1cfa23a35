package devstack

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// AccountKey is the private key of development account i: public
// knowledge, for a local chain only.
func AccountKey(i int) *ecdsa.PrivateKey {
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte("dstack devchain account " + strconv.Itoa(i))))
	if err != nil {
		panic(err)
	}
	return k
}

// ChainOptions configures a dev chain.
type ChainOptions struct {
	// Listen is the JSON-RPC address; loopback only.
	Listen string
	// Accounts is how many development accounts genesis funds.
	Accounts int
	// Period is the longest time between blocks.
	Period time.Duration
	// StateDir keeps the chain's database; empty means memory (a fresh
	// chain at every start).
	StateDir string
}

// Chain is a go-ethereum node in process (an Ethereum service with the
// simulated beacon that go-ethereum's simulated backend uses, a real EVM)
// with JSON-RPC over HTTP on loopback; it seals a block when transactions
// are pending and at least every period. With a state directory its
// database is on disk and a restart continues the same chain.
type Chain struct {
	// URL is the JSON-RPC endpoint, http://127.0.0.1:PORT.
	URL string
	// Client is connected to the node in process.
	Client *ethclient.Client
	stack  *node.Node
	beacon *catalyst.SimulatedBeacon
	stop   chan struct{}
	done   chan struct{}
}

// StartChain starts a dev chain; Close stops it.
func StartChain(o ChainOptions) (*Chain, error) {
	host, portStr, err := net.SplitHostPort(o.Listen)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		return nil, Usage(fmt.Errorf("--listen %s: the dev chain listens on loopback only", o.Listen))
	}
	port, _ := strconv.Atoi(portStr)
	if port == 0 {
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return nil, err
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	// Genesis as the simulated backend builds it: every fork from block 0,
	// with the system contracts those forks call; the dev accounts funded.
	alloc := core.SystemContractAllocs()
	funds := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))
	dev := types.GenesisAlloc{}
	for i := 0; i < o.Accounts; i++ {
		dev[crypto.PubkeyToAddress(AccountKey(i).PublicKey)] = types.Account{Balance: funds}
	}
	maps.Copy(alloc, dev)

	nodeConf := node.DefaultConfig
	nodeConf.Name = "dstack-devchain"
	nodeConf.DataDir = o.StateDir
	nodeConf.IPCPath = ""
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0}
	nodeConf.HTTPHost, nodeConf.HTTPPort = host, port
	nodeConf.HTTPModules = []string{"eth", "net", "web3"}
	nodeConf.HTTPVirtualHosts = []string{"localhost", host}
	ethConf := ethconfig.Defaults
	ethConf.Genesis = &core.Genesis{Config: params.AllDevChainProtocolChanges, GasLimit: ethconfig.Defaults.Miner.GasCeil, Alloc: alloc}
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true
	ethConf.Miner.GasCeil = 60_000_000
	if o.StateDir != "" {
		// Every block's state is committed to the database as it is
		// sealed (an archive node), rather than held in memory until a
		// clean shutdown.
		ethConf.NoPruning = true
		ethConf.StateScheme = rawdb.HashScheme
	} else {
		ethConf.LogNoHistory = true
	}

	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("starting the dev chain in %q: %w", o.StateDir, err)
	}
	fail := func(err error) (*Chain, error) {
		stack.Close()
		if o.StateDir != "" {
			return nil, fmt.Errorf("starting the dev chain in %s: %w (a state directory from another --accounts count or go-ethereum version cannot be reused: remove it)", o.StateDir, err)
		}
		return nil, fmt.Errorf("starting the dev chain: %w", err)
	}
	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		return fail(err)
	}
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(filters.NewFilterSystem(backend.APIBackend, filters.Config{}))}})
	if err := stack.Start(); err != nil {
		return fail(err)
	}
	beacon, err := catalyst.NewSimulatedBeacon(0, crypto.PubkeyToAddress(AccountKey(0).PublicKey), backend)
	if err != nil {
		return fail(err)
	}
	d := &Chain{
		URL: fmt.Sprintf("http://%s", net.JoinHostPort(host, strconv.Itoa(port))), Client: ethclient.NewClient(stack.Attach()),
		stack: stack, beacon: beacon, stop: make(chan struct{}), done: make(chan struct{}),
	}
	go d.seal(o.Period)
	return d, nil
}

// seal seals a block whenever transactions are pending, and at least every
// period.
func (d *Chain) seal(period time.Duration) {
	defer close(d.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-d.stop:
			return
		case <-tick.C:
			n, err := d.Client.PendingTransactionCount(context.Background())
			if (err == nil && n > 0) || time.Since(last) >= period {
				d.beacon.Commit()
				last = time.Now()
			}
		}
	}
}

// Close stops sealing and closes the node (and its database).
func (d *Chain) Close() error {
	close(d.stop)
	<-d.done
	d.Client.Close()
	return errors.Join(d.beacon.Stop(), d.stack.Close())
}
