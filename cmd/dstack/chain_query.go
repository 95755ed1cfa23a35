package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
)

// chainQuery reads the contracts at one block, the head when it was
// made, and prints "name value" lines.
type chainQuery struct {
	*chainCtl
	block *big.Int
}

func newChainQuery(ctx context.Context, c *chainCtl) (*chainQuery, error) {
	n, err := c.Client.BlockNumber(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the head block: %w", err)
	}
	q := &chainQuery{chainCtl: c, block: new(big.Int).SetUint64(n)}
	q.line("block", strconv.FormatUint(n, 10))
	return q, nil
}

func (q *chainQuery) line(name, value string) { fmt.Fprintf(q.Out, "%s %s\n", name, value) }

// callAt calls a contract at the query's block.
func callAt[T any](ctx context.Context, q *chainQuery, to common.Address, data []byte, unpack func([]byte) (T, error)) (T, error) {
	inst := bind.NewBoundContract(to, dstackkms.NewDstackKms().GetABI(), q.Client, q.Client, q.Client)
	v, err := bind.Call(inst, &bind.CallOpts{Context: ctx, BlockNumber: q.block}, data, unpack)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("calling %s at block %s: %w", to, q.block, err)
	}
	return v, nil
}

// owners prints an Ownable2Step contract's owner and pending owner.
func (q *chainQuery) owners(ctx context.Context, to common.Address) error {
	A := dstackapp.NewDstackApp()
	owner, err := callAt(ctx, q, to, A.PackOwner(), A.UnpackOwner)
	if err != nil {
		return err
	}
	pending, err := callAt(ctx, q, to, A.PackPendingOwner(), A.UnpackPendingOwner)
	if err != nil {
		return err
	}
	q.line("owner", owner.Hex())
	q.line("pending_owner", pending.Hex())
	return nil
}

// implementationSlot is the ERC-1967 implementation slot.
var implementationSlot = common.HexToHash("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc")

func (q *chainQuery) implementation(ctx context.Context, proxy common.Address) (common.Address, error) {
	slot, err := q.Client.StorageAt(ctx, proxy, implementationSlot, q.block)
	if err != nil {
		return common.Address{}, fmt.Errorf("reading the implementation of %s: %w", proxy, err)
	}
	return common.BytesToAddress(slot), nil
}

// listed returns the bytes32 values that events of one contract added
// (each event's first word), in order of first appearance, that still holds
// at the query's block — still tells.
func (q *chainQuery) listed(ctx context.Context, contract common.Address, added common.Hash, still func([32]byte) (bool, error)) ([][32]byte, error) {
	logs, err := q.Client.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: big.NewInt(0), ToBlock: q.block, Addresses: []common.Address{contract}, Topics: [][]common.Hash{{added}},
	})
	if err != nil {
		return nil, fmt.Errorf("reading the events of %s: %w", contract, err)
	}
	seen := map[[32]byte]bool{}
	var out [][32]byte
	for _, l := range logs {
		if len(l.Data) < 32 {
			continue
		}
		v := [32]byte(l.Data[:32])
		if seen[v] {
			continue
		}
		seen[v] = true
		ok, err := still(v)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// thresholdHandover prints the previous key set a root rotation left on
// chain, if any: its key-set id, root epoch and committee epoch, the
// handover's end, and whether the handover is under way at the query's
// block (by the block's time; once it is not, anyone may end it).
func (q *chainQuery) thresholdHandover(ctx context.Context, to common.Address) error {
	K := dstackkms.NewDstackKms()
	prev, err := callAt(ctx, q, to, K.PackPreviousThresholdKeySet(), K.UnpackPreviousThresholdKeySet)
	if err != nil {
		return err
	}
	if prev.Epoch == 0 {
		return nil
	}
	end, err := callAt(ctx, q, to, K.PackThresholdHandoverEnd(), K.UnpackThresholdHandoverEnd)
	if err != nil {
		return err
	}
	h, err := q.Client.HeaderByNumber(ctx, q.block)
	if err != nil {
		return fmt.Errorf("reading the time of block %s: %w", q.block, err)
	}
	q.line("handover_key_set_id", hexHash(prev.KeySetId))
	q.line("handover_root_epoch", strconv.FormatUint(uint64(prev.RootEpoch), 10))
	q.line("handover_epoch", strconv.FormatUint(prev.Epoch, 10))
	q.line("handover_end", time.Unix(int64(min(end, math.MaxInt64)), 0).UTC().Format(time.RFC3339))
	q.line("handover_under_way", strconv.FormatBool(h.Time < end))
	return nil
}

// bootInfoFlags are the boot info fields of an isAppAllowed or
// isKmsAllowed question; --boot-info reads upstream's BootInfo JSON (the
// authorization webhook's body) and the other flags override its fields.
type bootInfoFlags struct {
	file                                             string
	appID, instanceID                                string
	compose, device, mrAggregated, mrSystem, osImage string
	tcbStatus                                        string
	advisories                                       []string
}

func (f *bootInfoFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.file, "boot-info", "", "upstream BootInfo JSON file (camelCase, hex without 0x)")
	fl.StringVar(&f.appID, "app-id", "", "app id (20 bytes hex)")
	fl.StringVar(&f.instanceID, "instance-id", "", "instance id (20 bytes hex)")
	fl.StringVar(&f.compose, "compose-hash", "", "compose hash (32 bytes hex)")
	fl.StringVar(&f.device, "device-id", "", "device id (32 bytes hex)")
	fl.StringVar(&f.mrAggregated, "mr-aggregated", "", "aggregated measurement (32 bytes hex)")
	fl.StringVar(&f.mrSystem, "mr-system", "", "system measurement (32 bytes hex)")
	fl.StringVar(&f.osImage, "os-image", "", "OS image hash (32 bytes hex)")
	fl.StringVar(&f.tcbStatus, "tcb-status", "", `TCB status (default "UpToDate")`)
	fl.StringSliceVar(&f.advisories, "advisory", nil, "advisory id (repeat)")
}

func (f *bootInfoFlags) bootInfo() (chain.BootInfo, error) {
	var p chain.PolicyBootInfo
	if f.file != "" {
		raw, err := os.ReadFile(f.file)
		if err != nil {
			return chain.BootInfo{}, usageErr(fmt.Errorf("--boot-info: %w", err))
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return chain.BootInfo{}, usageErr(fmt.Errorf("--boot-info %s: %w", f.file, err))
		}
	}
	b := p.Solidity()
	for _, a := range []struct {
		flag, v string
		dst     *common.Address
	}{{"--app-id", f.appID, &b.AppId}, {"--instance-id", f.instanceID, &b.InstanceId}} {
		if a.v == "" {
			continue
		}
		addr, err := parseAddress(a.flag, a.v)
		if err != nil {
			return b, err
		}
		*a.dst = addr
	}
	for _, h := range []struct {
		v   string
		dst *[32]byte
	}{{f.compose, &b.ComposeHash}, {f.device, &b.DeviceId}, {f.mrAggregated, &b.MrAggregated}, {f.mrSystem, &b.MrSystem}, {f.osImage, &b.OsImageHash}} {
		if h.v == "" {
			continue
		}
		v, err := parseHash(h.v)
		if err != nil {
			return b, err
		}
		*h.dst = v
	}
	if f.tcbStatus != "" {
		b.TcbStatus = f.tcbStatus
	} else if b.TcbStatus == "" {
		b.TcbStatus = "UpToDate"
	}
	if len(f.advisories) > 0 {
		b.AdvisoryIds = f.advisories
	}
	return b, nil
}

// queryCommands are the read-only commands.
func queryCommands(query queryRunner, kms func() (common.Address, error)) []*cobra.Command {
	K, A := dstackkms.NewDstackKms(), dstackapp.NewDstackApp()
	ask := func(use, short string, pack func(chain.BootInfo) []byte, unpack func([]byte) (dstackkms.IsAppAllowedOutput, error)) *cobra.Command {
		var f bootInfoFlags
		cmd := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs, RunE: query(func(ctx context.Context, q *chainQuery, _ []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			b, err := f.bootInfo()
			if err != nil {
				return err
			}
			out, err := callAt(ctx, q, to, pack(b), unpack)
			if err != nil {
				return err
			}
			q.line("allowed", strconv.FormatBool(out.IsAllowed))
			q.line("reason", out.Reason)
			return nil
		})}
		f.register(cmd)
		return cmd
	}
	unpackKms := func(b []byte) (dstackkms.IsAppAllowedOutput, error) {
		o, err := K.UnpackIsKmsAllowed(b)
		return dstackkms.IsAppAllowedOutput(o), err
	}
	// kmsList makes a command listing what DstackKms allows of one kind.
	kmsList := func(use, short, name string, added common.Hash, get func([32]byte) []byte, unpack func([]byte) (bool, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs, RunE: query(func(ctx context.Context, q *chainQuery, _ []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			vs, err := q.listed(ctx, to, added, func(v [32]byte) (bool, error) {
				return callAt(ctx, q, to, get(v), unpack)
			})
			if err != nil {
				return err
			}
			for _, v := range vs {
				if name == "app" {
					q.line(name, common.BytesToAddress(v[:]).Hex())
				} else {
					q.line(name, hexHash(v))
				}
			}
			return nil
		})}
	}
	kmsEvent := func(name string) common.Hash { return K.GetABI().Events[name].ID }
	appEvent := func(name string) common.Hash { return A.GetABI().Events[name].ID }
	return []*cobra.Command{
		ask("is-app-allowed", "Ask DstackKms.isAppAllowed about boot info", K.PackIsAppAllowed, K.UnpackIsAppAllowed),
		ask("is-kms-allowed", "Ask DstackKms.isKmsAllowed about boot info", K.PackIsKmsAllowed, unpackKms),
		{Use: "gateway-app-id", Short: "Show the gateway's app id", Args: cobra.NoArgs, RunE: query(func(ctx context.Context, q *chainQuery, _ []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			id, err := callAt(ctx, q, to, K.PackGatewayAppId(), K.UnpackGatewayAppId)
			if err == nil {
				q.line("gateway_app_id", id)
			}
			return err
		})},
		{Use: "kms-info", Short: "Show DstackKms: owner, implementations, gateway app id, published KMS keys", Args: cobra.NoArgs, RunE: query(func(ctx context.Context, q *chainQuery, _ []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			if err := q.owners(ctx, to); err != nil {
				return err
			}
			impl, err := q.implementation(ctx, to)
			if err != nil {
				return err
			}
			appImpl, err := callAt(ctx, q, to, K.PackAppImplementation(), K.UnpackAppImplementation)
			if err != nil {
				return err
			}
			gw, err := callAt(ctx, q, to, K.PackGatewayAppId(), K.UnpackGatewayAppId)
			if err != nil {
				return err
			}
			info, err := callAt(ctx, q, to, K.PackKmsInfo(), K.UnpackKmsInfo)
			if err != nil {
				return err
			}
			q.line("implementation", impl.Hex())
			q.line("app_implementation", appImpl.Hex())
			q.line("gateway_app_id", gw)
			q.line("k256_pubkey", fmt.Sprintf("%x", info.K256Pubkey))
			q.line("ca_pubkey", fmt.Sprintf("%x", info.CaPubkey))
			q.line("quote_bytes", strconv.Itoa(len(info.Quote)))
			q.line("eventlog_bytes", strconv.Itoa(len(info.Eventlog)))
			return nil
		})},
		{Use: "threshold-committee [EPOCH]", Short: "Show the threshold KMS committee governance decided for EPOCH (default the latest) and whether it is a root rotation, the epochs of the key set on chain, and the previous key set of a root rotation's handover",
			Args: cobra.MaximumNArgs(1), RunE: query(func(ctx context.Context, q *chainQuery, args []string) error {
				to, err := kms()
				if err != nil {
					return err
				}
				epoch, err := callAt(ctx, q, to, K.PackThresholdCommitteeEpoch(), K.UnpackThresholdCommitteeEpoch)
				if err != nil {
					return err
				}
				if len(args) == 1 {
					if epoch, err = strconv.ParseUint(args[0], 10, 64); err != nil || epoch == 0 {
						return usageErr(fmt.Errorf("EPOCH %q must be a positive number", args[0]))
					}
				}
				c, err := callAt(ctx, q, to, K.PackThresholdCommittee(epoch), K.UnpackThresholdCommittee)
				if err != nil {
					return err
				}
				ks, err := callAt(ctx, q, to, K.PackThresholdKeySet(), K.UnpackThresholdKeySet)
				if err != nil {
					return err
				}
				q.line("key_set_epoch", strconv.FormatUint(ks.Epoch, 10))
				q.line("key_set_root_epoch", strconv.FormatUint(uint64(ks.RootEpoch), 10))
				if err := q.thresholdHandover(ctx, to); err != nil {
					return err
				}
				if len(c.Members) == 0 {
					return fmt.Errorf("no threshold committee is decided for epoch %d", epoch)
				}
				handover, err := callAt(ctx, q, to, K.PackThresholdRootRotation(epoch), K.UnpackThresholdRootRotation)
				if err != nil {
					return err
				}
				q.line("epoch", strconv.FormatUint(epoch, 10))
				q.line("threshold", strconv.Itoa(int(c.Threshold)))
				q.line("root_rotation", strconv.FormatBool(handover != 0))
				if handover != 0 {
					q.line("handover", (time.Duration(handover) * time.Second).String())
				}
				for _, m := range c.Members {
					q.line("member", m.Name+" "+m.Url)
				}
				for _, n := range c.FromNodes {
					q.line("from_node", n)
				}
				return nil
			})},
		kmsList("os-images", "List the allowed OS image hashes", "os_image", kmsEvent("OsImageHashAdded"), K.PackAllowedOsImages, K.UnpackAllowedOsImages),
		kmsList("kms-mrs", "List the allowed KMS aggregated measurements", "kms_mr", kmsEvent("KmsAggregatedMrAdded"), K.PackKmsAllowedAggregatedMrs, K.UnpackKmsAllowedAggregatedMrs),
		kmsList("kms-devices", "List the allowed KMS device ids", "kms_device", kmsEvent("KmsDeviceAdded"), K.PackKmsAllowedDeviceIds, K.UnpackKmsAllowedDeviceIds),
		kmsList("apps", "List the registered apps", "app", kmsEvent("AppRegistered"), func(v [32]byte) []byte { return K.PackRegisteredApps(common.BytesToAddress(v[:])) }, K.UnpackRegisteredApps),
		{Use: "app-info APP", Short: "Show a DstackApp: owner, flags, allowed compose hashes and devices", Args: cobra.ExactArgs(1), RunE: query(func(ctx context.Context, q *chainQuery, args []string) error {
			app, err := parseAddress("APP", args[0])
			if err != nil {
				return err
			}
			if err := q.owners(ctx, app); err != nil {
				return err
			}
			impl, err := q.implementation(ctx, app)
			if err != nil {
				return err
			}
			version, err := callAt(ctx, q, app, A.PackVersion(), A.UnpackVersion)
			if err != nil {
				return err
			}
			anyDevice, err := callAt(ctx, q, app, A.PackAllowAnyDevice(), A.UnpackAllowAnyDevice)
			if err != nil {
				return err
			}
			tcb, err := callAt(ctx, q, app, A.PackRequireTcbUpToDate(), A.UnpackRequireTcbUpToDate)
			if err != nil {
				return err
			}
			// _upgradesDisabled has no getter: it is the low byte of storage
			// slot 1 in DstackApp's layout (after allowedComposeHashes).
			slot1, err := q.Client.StorageAt(ctx, app, common.BigToHash(big.NewInt(1)), q.block)
			if err != nil {
				return err
			}
			q.line("implementation", impl.Hex())
			q.line("version", version.String())
			if to, err := kms(); err == nil {
				registered, err := callAt(ctx, q, to, K.PackRegisteredApps(app), K.UnpackRegisteredApps)
				if err != nil {
					return err
				}
				q.line("registered", strconv.FormatBool(registered))
			}
			q.line("upgrades_disabled", strconv.FormatBool(len(slot1) == 32 && slot1[31]&1 == 1))
			q.line("allow_any_device", strconv.FormatBool(anyDevice))
			q.line("require_tcb_up_to_date", strconv.FormatBool(tcb))
			hashes, err := q.listed(ctx, app, appEvent("ComposeHashAdded"), func(v [32]byte) (bool, error) {
				return callAt(ctx, q, app, A.PackAllowedComposeHashes(v), A.UnpackAllowedComposeHashes)
			})
			if err != nil {
				return err
			}
			for _, h := range hashes {
				q.line("compose_hash", hexHash(h))
			}
			devices, err := q.listed(ctx, app, appEvent("DeviceAdded"), func(v [32]byte) (bool, error) {
				return callAt(ctx, q, app, A.PackAllowedDeviceIds(v), A.UnpackAllowedDeviceIds)
			})
			if err != nil {
				return err
			}
			for _, d := range devices {
				q.line("device", hexHash(d))
			}
			return nil
		})},
	}
}
