package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/transact"
	kmspkg "github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
)

// chainCtl sends transactions to the governance contracts.
type chainCtl = transact.Sender

// chainKeySource says where the signing key comes from: DSTACK_CHAIN_KEY,
// or a go-ethereum keystore file whose passphrase is in an environment
// variable. Keys are never taken from flags.
type chainKeySource struct {
	Keystore      string
	PassphraseEnv string
}

// load reads the signing key.
func (s chainKeySource) load() (*ecdsa.PrivateKey, error) {
	keyHex := strings.TrimPrefix(os.Getenv("DSTACK_CHAIN_KEY"), "0x")
	if s.Keystore != "" {
		if keyHex != "" {
			return nil, usageErr(fmt.Errorf("both DSTACK_CHAIN_KEY and --keystore are set: unset one"))
		}
		raw, err := os.ReadFile(s.Keystore)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--keystore: %w", err))
		}
		pass, ok := os.LookupEnv(s.PassphraseEnv)
		if !ok {
			return nil, usageErr(fmt.Errorf("--keystore %s: set %s to its passphrase (or name another variable with --passphrase-env)", s.Keystore, s.PassphraseEnv))
		}
		k, err := keystore.DecryptKey(raw, pass)
		if err != nil {
			return nil, usageErr(fmt.Errorf("decrypting the keystore %s: %w", s.Keystore, err))
		}
		return k.PrivateKey, nil
	}
	if keyHex == "" {
		return nil, usageErr(fmt.Errorf("set DSTACK_CHAIN_KEY to the hex private key that signs, or pass --keystore FILE with its passphrase in $%s (keys are never taken from flags)", s.PassphraseEnv))
	}
	key, err := crypto.HexToECDSA(keyHex)
	if err != nil {
		return nil, usageErr(fmt.Errorf("DSTACK_CHAIN_KEY: %w", err))
	}
	return key, nil
}

// dialChainWithKey connects; key is nil for read-only use.
var dialChainWithKey = transact.Dial

func parseHash(s string) ([32]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) > 32 {
		return [32]byte{}, usageErr(fmt.Errorf("%q is not a hex value of at most 32 bytes", s))
	}
	return common.BytesToHash(b), nil
}

func chainCommand() *cobra.Command {
	var rpc, kmsAddr string
	var keys chainKeySource
	root := &cobra.Command{Use: "chain", Short: "Administer and query the governance contracts",
		Long: `Administer and query the governance contracts (DstackKms, DstackApp, DstackGovernance).
Writes are signed with the key in DSTACK_CHAIN_KEY (hex), or with a go-ethereum
keystore file (--keystore) whose passphrase is in the environment variable named by
--passphrase-env; keys are never taken from flags. Every write prints its
transaction hash, block and gas. Queries need no key and print "name value" lines
read at one block, which they print first.`}
	root.PersistentFlags().StringVar(&rpc, "rpc", "http://127.0.0.1:8545", "Ethereum JSON-RPC URL")
	root.PersistentFlags().StringVar(&kmsAddr, "kms", "", "DstackKms (proxy) address")
	root.PersistentFlags().StringVar(&keys.Keystore, "keystore", "", "go-ethereum keystore file of the signing key (instead of DSTACK_CHAIN_KEY)")
	root.PersistentFlags().StringVar(&keys.PassphraseEnv, "passphrase-env", "DSTACK_KEYSTORE_PASSPHRASE", "environment variable that holds the keystore's passphrase")
	K, A := dstackkms.NewDstackKms(), dstackapp.NewDstackApp()
	run := func(fn func(ctx context.Context, c *chainCtl, args []string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			key, err := keys.load()
			if err != nil {
				return err
			}
			c, err := dialChainWithKey(ctx, rpc, key, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer c.Client.Close()
			return fn(ctx, c, args)
		}
	}
	query := func(fn func(ctx context.Context, q *chainQuery, args []string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			c, err := dialChainWithKey(ctx, rpc, nil, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer c.Client.Close()
			q, err := newChainQuery(ctx, c)
			if err != nil {
				return err
			}
			return fn(ctx, q, args)
		}
	}
	kms := func() (common.Address, error) {
		if !common.IsHexAddress(kmsAddr) {
			return common.Address{}, usageErr(fmt.Errorf("--kms must be the DstackKms address"))
		}
		return common.HexToAddress(kmsAddr), nil
	}
	// kmsTx makes a command that sends one DstackKms transaction built from
	// a single hex argument.
	// kmsFileTx sends DstackKms what send makes of the file named by the
	// command's one argument.
	kmsFileTx := func(use, short string, send func(ctx context.Context, c *chainCtl, to common.Address, raw []byte) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1), RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return usageErr(err)
			}
			if err := send(ctx, c, to, raw); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return nil
		})}
	}
	kmsTx := func(use, short string, pack func([32]byte) []byte) *cobra.Command {
		return &cobra.Command{Use: use + " HEX", Short: short, Args: cobra.ExactArgs(1), RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			v, err := parseHash(args[0])
			if err != nil {
				return err
			}
			_, err = c.Send(ctx, to, pack(v), use)
			return err
		})}
	}
	appTx := func(use, short string, pack func([32]byte) []byte) *cobra.Command {
		return &cobra.Command{Use: use + " APP HEX", Short: short, Args: cobra.ExactArgs(2), RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
			app, err := parseAddress("APP", args[0])
			if err != nil {
				return err
			}
			v, err := parseHash(args[1])
			if err != nil {
				return err
			}
			_, err = c.Send(ctx, app, pack(v), use)
			return err
		})}
	}
	root.AddCommand(
		&cobra.Command{Use: "deploy", Short: "Deploy DstackApp and DstackKms (UUPS proxy) owned by the signer", Args: cobra.NoArgs,
			RunE: run(func(ctx context.Context, c *chainCtl, _ []string) error {
				addr, err := c.DeployGovernance(ctx)
				if err == nil {
					fmt.Fprintf(c.Out, "kms_contract %s\n", addr)
				}
				return err
			})},
		&cobra.Command{Use: "deploy-app COMPOSE_HASH", Short: "Deploy and register an app allowing one compose hash, owned by the signer", Args: cobra.ExactArgs(1),
			RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
				to, err := kms()
				if err != nil {
					return err
				}
				h, err := parseHash(args[0])
				if err != nil {
					return err
				}
				r, err := c.Send(ctx, to, K.PackDeployAndRegisterApp0(crypto.PubkeyToAddress(c.Key.PublicKey), false, false, true, [32]byte{}, h), "deploy-app")
				if err != nil {
					return err
				}
				app, err := transact.DeployedApp(r)
				if err == nil {
					fmt.Fprintf(c.Out, "app_id %s\n", app)
				}
				return err
			})},
		&cobra.Command{Use: "set-gateway-app-id ID", Short: "Set the gateway's app id", Args: cobra.ExactArgs(1),
			RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
				to, err := kms()
				if err != nil {
					return err
				}
				_, err = c.Send(ctx, to, K.PackSetGatewayAppId(args[0]), "set-gateway-app-id")
				return err
			})},
		kmsFileTx("set-kms-info BOOTSTRAP_INFO_JSON", "Publish a KMS's root public keys from its bootstrap-info.json",
			func(ctx context.Context, c *chainCtl, to common.Address, raw []byte) error {
				var info kmsapi.BootstrapInfo
				if err := json.Unmarshal(raw, &info); err != nil {
					return usageErr(err)
				}
				// The attestation is not stored: kilobytes of storage exceed a
				// transaction's gas cap on current forks. It stays verifiable
				// from bootstrap-info.json (kms.VerifyBootstrapInfo).
				_, err := c.Send(ctx, to, K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{K256Pubkey: info.K256Pubkey, CaPubkey: info.CAPubkey}), "set-kms-info")
				return err
			}),
		kmsFileTx("set-threshold-kms THRESHOLD_PUBLIC_JSON", "Publish a threshold KMS committee's root keys (setKmsInfo), key set and public shares (setThresholdKeySet) from a node's threshold-public.json, after its DKG or a resharing",
			func(ctx context.Context, c *chainCtl, to common.Address, raw []byte) error {
				pub, err := kmspkg.ParseThresholdPublic(raw)
				if err != nil {
					return usageErr(err)
				}
				rec, shares, err := pub.ChainRecord()
				if err != nil {
					return usageErr(err)
				}
				// kmsInfo first: the key-set id covers its root keys.
				if _, err := c.Send(ctx, to, K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{K256Pubkey: pub.KeySet.K256Pubkey, CaPubkey: pub.KeySet.CAPubkey}), "set-kms-info"); err != nil {
					return err
				}
				_, err = c.Send(ctx, to, K.PackSetThresholdKeySet(rec, shares), "set-threshold-key-set")
				return err
			}),
		setThresholdCommittee(run, kms),
		rotateThresholdRoots(run, kms),
		endThresholdHandover(run, kms),
		kmsTx("add-os-image", "Allow an OS image hash", K.PackAddOsImageHash),
		kmsTx("remove-os-image", "Disallow an OS image hash", K.PackRemoveOsImageHash),
		kmsTx("add-kms-mr", "Allow a KMS aggregated measurement", K.PackAddKmsAggregatedMr),
		kmsTx("remove-kms-mr", "Disallow a KMS aggregated measurement", K.PackRemoveKmsAggregatedMr),
		kmsTx("add-kms-device", "Allow a KMS device id", K.PackAddKmsDevice),
		kmsTx("remove-kms-device", "Disallow a KMS device id", K.PackRemoveKmsDevice),
		appTx("add-compose-hash", "Allow a compose hash for an app", A.PackAddComposeHash),
		appTx("remove-compose-hash", "Disallow a compose hash for an app", A.PackRemoveComposeHash),
		appTx("add-device", "Allow a device for an app", A.PackAddDevice),
		appTx("remove-device", "Disallow a device for an app", A.PackRemoveDevice),
		appFlagTx(run, "set-allow-any-device", "Let an app boot on any device (true) or only on its allowed devices (false)", A.PackSetAllowAnyDevice),
		appFlagTx(run, "set-require-tcb-up-to-date", "Require (true) or not (false) an up-to-date TCB for an app", A.PackSetRequireTcbUpToDate),
		&cobra.Command{Use: "disable-upgrades APP", Short: "Disable an app contract's upgrades, for good", Args: cobra.ExactArgs(1),
			RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
				a, err := parseAddresses(args, "APP")
				if err != nil {
					return err
				}
				_, err = c.Send(ctx, a[0], A.PackDisableUpgrades(), "disable-upgrades")
				return err
			})},
		&cobra.Command{Use: "register-app APP", Short: "Register an app contract deployed outside the factory", Args: cobra.ExactArgs(1),
			RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
				to, err := kms()
				if err != nil {
					return err
				}
				a, err := parseAddresses(args, "APP")
				if err != nil {
					return err
				}
				_, err = c.Send(ctx, to, K.PackRegisterApp(a[0]), "register-app")
				return err
			})},
	)
	root.AddCommand(ownershipCommands(run, query)...)
	root.AddCommand(governanceCommand(run, query))
	root.AddCommand(queryCommands(query, kms)...)
	return root
}

// chainRunner makes a command's RunE from a write: it loads the signing
// key and dials.
type chainRunner func(fn func(ctx context.Context, c *chainCtl, args []string) error) func(*cobra.Command, []string) error

// queryRunner makes a command's RunE from a read: it dials without a key
// and pins a block.
type queryRunner func(fn func(ctx context.Context, q *chainQuery, args []string) error) func(*cobra.Command, []string) error

// appFlagTx makes a command that sets one boolean of an app contract.
func appFlagTx(run chainRunner, use, short string, pack func(bool) []byte) *cobra.Command {
	return &cobra.Command{Use: use + " APP true|false", Short: short, Args: cobra.ExactArgs(2), RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
		app, err := parseAddress("APP", args[0])
		if err != nil {
			return err
		}
		v, err := strconv.ParseBool(args[1])
		if err != nil {
			return usageErr(fmt.Errorf("%s: %q is not true or false", use, args[1]))
		}
		_, err = c.Send(ctx, app, pack(v), use)
		return err
	})}
}

// parseAddresses reads the arguments as addresses, each named for errors.
func parseAddresses(args []string, names ...string) ([]common.Address, error) {
	out := make([]common.Address, len(names))
	for i, n := range names {
		a, err := parseAddress(n, args[i])
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// parseAddress reads an address given as hex (with or without 0x).
func parseAddress(what, s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, usageErr(fmt.Errorf("%s %q is not a 20-byte hex address", what, s))
	}
	return common.HexToAddress(s), nil
}
