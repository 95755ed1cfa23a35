// Package settings holds the configuration that the KMS and the gateway
// share: where the governance contracts are and how fresh their answers
// must be (Chain), and how evidence is verified (Attestation). Each idea has
// one Go type and one JSON spelling, durations as Caddy writes them ("30s",
// "500ms", "1d"), whether it is read by Caddy (the dstack and dstack_kms
// apps) or by dstack-kms from its --config file.
//
// It only describes and builds: it must never hold a key or decide on
// evidence. No guest package imports it.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/collateral"
)

// Duration is a time.Duration spelled in JSON as Caddy spells durations:
// read from a string such as "30s", "500ms" or "1d" (caddy.ParseDuration) or
// from an integer of nanoseconds, written as a string.
type Duration time.Duration

// MarshalJSON writes the duration as a string ("1m0s").
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or an integer of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var c caddy.Duration
	if err := c.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("reading a duration: %w", err)
	}
	*d = Duration(c)
	return nil
}

// DefaultMaxStaleness is Chain.MaxStaleness when unset.
const DefaultMaxStaleness = 30 * time.Second

// Chain says where the governance contracts are and how stale the answers
// read from them may become.
type Chain struct {
	// RPCURL is the Ethereum JSON-RPC endpoint. Required.
	RPCURL string `json:"rpc_url"`
	// ChainID is the chain the contracts are on; an endpoint serving
	// another chain is refused. Required.
	ChainID uint64 `json:"chain_id"`
	// KmsContract is the DstackKms proxy address (0x…). Required.
	KmsContract string `json:"kms_contract"`
	// Confirmations is how many blocks below the head policy is read at.
	// Default 0.
	Confirmations uint64 `json:"confirmations,omitempty"`
	// MaxStaleness bounds how long the chain may be unreadable before every
	// decision fails (and, in the gateway, nothing is routed). Default 30s.
	MaxStaleness Duration `json:"max_staleness,omitempty"`
	// PollInterval is how often the head is read, for every decision
	// together (the chain reader's head interval): a policy change takes
	// effect at the first read of the head after its block, at most
	// PollInterval after it. It must not be longer than MaxStaleness.
	// Default 1s (chain.DefaultHeadInterval); the gateway's is 2s.
	PollInterval Duration `json:"poll_interval,omitempty"`
}

// Staleness is MaxStaleness, or its default when unset.
func (c Chain) Staleness() time.Duration {
	if c.MaxStaleness <= 0 {
		return DefaultMaxStaleness
	}
	return time.Duration(c.MaxStaleness)
}

// Connect checks the settings, dials the endpoint and returns a reader of
// the contracts that checks the chain id.
func (c Chain) Connect(ctx context.Context) (*chain.Reader, error) {
	if c.RPCURL == "" || c.ChainID == 0 || !common.IsHexAddress(c.KmsContract) {
		return nil, errors.New("connecting to the chain: chain needs rpc_url, chain_id and kms_contract (a 0x address)")
	}
	if time.Duration(c.PollInterval) > c.Staleness() {
		return nil, fmt.Errorf("connecting to the chain: poll_interval %v is longer than max_staleness %v: every decision between two reads of the head would be stale; shorten poll_interval or raise max_staleness", time.Duration(c.PollInterval), c.Staleness())
	}
	client, err := ethclient.DialContext(ctx, c.RPCURL)
	if err != nil {
		return nil, fmt.Errorf("connecting to the chain at %s: %w", c.RPCURL, err)
	}
	r, err := chain.New(ctx, client, chain.Config{
		ChainID: new(big.Int).SetUint64(c.ChainID), KmsContract: common.HexToAddress(c.KmsContract),
		Confirmations: c.Confirmations, MaxStaleness: c.Staleness(), HeadInterval: time.Duration(c.PollInterval),
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to the chain at %s: %w", c.RPCURL, err)
	}
	return r, nil
}

// Attestation says how evidence is verified.
type Attestation struct {
	// PCCSURL fetches TDX collateral from a PCS or PCCS. Default none (TCB
	// status "Unknown", which the default TCB policy refuses).
	PCCSURL string `json:"pccs_url,omitempty"`
	// CollateralDir reads TDX collateral from a directory instead. Default
	// none.
	CollateralDir string `json:"collateral_dir,omitempty"`
	// InsecureTrustRoots is a PEM file of roots that replace the vendors'
	// (a mock PKI). Default: the vendors' production roots.
	InsecureTrustRoots string `json:"insecure_trust_roots,omitempty"`
}

// Options builds the verification options.
func (a Attestation) Options() (attest.Options, error) {
	var opts attest.Options
	if a.InsecureTrustRoots != "" {
		b, err := os.ReadFile(a.InsecureTrustRoots)
		if err != nil {
			return opts, fmt.Errorf("reading insecure_trust_roots: %w", err)
		}
		if opts.InsecureTrustRoots, err = attest.ParseTrustRootsPEM(b); err != nil {
			return opts, fmt.Errorf("reading insecure_trust_roots %s: %w", a.InsecureTrustRoots, err)
		}
	}
	switch {
	case a.PCCSURL != "" && a.CollateralDir != "":
		return opts, errors.New("configuring attestation: set pccs_url or collateral_dir, not both")
	case a.PCCSURL != "":
		opts.Collateral = collateral.NewCache(collateral.HTTPSource(a.PCCSURL, &http.Client{Timeout: 30 * time.Second}), collateral.CacheOptions{})
	case a.CollateralDir != "":
		opts.Collateral = collateral.NewCache(collateral.DirSource(a.CollateralDir), collateral.CacheOptions{})
	}
	return opts, nil
}
