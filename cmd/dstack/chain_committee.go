package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
)

// setThresholdCommittee is `dstack chain set-threshold-committee`: the
// owner of DstackKms (a person, a multisig, a timelock) decides the
// threshold KMS committee of a new epoch, which the nodes configured with
// committee_from_chain carry out.
func setThresholdCommittee(run chainRunner, kms func() (common.Address, error)) *cobra.Command {
	var from []string
	cmd := &cobra.Command{Use: "set-threshold-committee EPOCH THRESHOLD NAME=URL...",
		Short: "Decide the threshold KMS committee of a new epoch: its members in committee order (name=https://peer-host:port), its threshold, and for a resharing the old members taking part (--from-node)",
		Long: `Decide the threshold KMS committee of a new epoch (DstackKms.setThresholdCommittee).

The nodes configured with committee_from_chain follow it: the first committee
runs its DKG; a later one is reshared to from the committee of the key set on
chain, by every node of both, keeping every app key; a node it leaves out
destroys its shares. Once the new committee's nodes are up, publish the key
set one of them wrote (dstack chain set-threshold-kms threshold-public.json);
DstackKms accepts only a key set of the latest committee decided.

EPOCH must be above every committee and key set before it. --from-node names
the old members that take part in the resharing (at least the old threshold),
leaving out those that are down or no longer trusted; default all of them.`,
		Args: cobra.MinimumNArgs(4),
		RunE: committeeTx(run, kms, "set-threshold-committee", func(epoch uint64, t uint16, members []dstackkms.DstackKmsThresholdMember) ([]byte, error) {
			return dstackkms.NewDstackKms().PackSetThresholdCommittee(epoch, t, members, from), nil
		}),
	}
	cmd.Flags().StringSliceVar(&from, "from-node", nil, "an old member taking part in the resharing (repeat, or comma-separated; default all)")
	return cmd
}

// maxHandover is DstackKms's bound on a root rotation's handover.
const maxHandover = 365 * 24 * time.Hour

// rotateThresholdRoots is `dstack chain rotate-threshold-roots`: the owner
// of DstackKms decides a committee that makes new roots by a new DKG, and
// how long the nodes answer for the old roots beside the new ones once the
// new key set is on chain.
func rotateThresholdRoots(run chainRunner, kms func() (common.Address, error)) *cobra.Command {
	var handover time.Duration
	cmd := &cobra.Command{Use: "rotate-threshold-roots EPOCH THRESHOLD NAME=URL... --handover DURATION",
		Short: "Decide a threshold KMS committee of a new epoch that makes new roots (a new DKG, root epoch EPOCH), and how long the old roots are still answered for once its key set is published (--handover)",
		Long: `Decide a root rotation (DstackKms.setThresholdRootRotation): the threshold KMS
committee of a new epoch, as set-threshold-committee decides one (members in
committee order, name=https://peer-host:port, and the threshold), that makes new
roots by a new DKG instead of resharing the roots on chain. Their root epoch is
EPOCH, which must fit 32 bits.

Once the new key set is published (dstack chain set-threshold-kms, which sends
the new roots' kmsInfo first), the key set it replaces stays on chain as the
previous one, with its shares and root keys, for the handover (--handover, 1s
to 8760h): the nodes answer for both root epochs meanwhile, so that CVMs move
their disks and envs from the old app keys to the new ones. Then anyone ends
the handover (dstack chain end-threshold-handover), or the owner cuts it short.

DstackKms refuses a rotation while a handover is under way, and before any key
set is on chain.`,
		Args: cobra.MinimumNArgs(4),
		RunE: committeeTx(run, kms, "rotate-threshold-roots", func(epoch uint64, t uint16, members []dstackkms.DstackKmsThresholdMember) ([]byte, error) {
			if epoch > math.MaxUint32 {
				return nil, usageErr(fmt.Errorf("EPOCH %d is the new roots' root epoch: it must fit 32 bits", epoch))
			}
			if handover < time.Second || handover > maxHandover || handover%time.Second != 0 {
				return nil, usageErr(fmt.Errorf("--handover %v must be whole seconds from 1s to %v (e.g. 168h for a week)", handover, maxHandover))
			}
			return dstackkms.NewDstackKms().PackSetThresholdRootRotation(epoch, t, members, uint64(handover/time.Second)), nil
		}),
	}
	cmd.Flags().DurationVar(&handover, "handover", 0, "how long the nodes answer for the old roots once the new key set is published, 1s to 8760h (required)")
	_ = cmd.MarkFlagRequired("handover")
	return cmd
}

// endThresholdHandover is `dstack chain end-threshold-handover`.
func endThresholdHandover(run chainRunner, kms func() (common.Address, error)) *cobra.Command {
	return &cobra.Command{Use: "end-threshold-handover",
		Short: "End a threshold KMS root rotation's handover: delete the previous key set, whose roots the nodes then no longer answer for (anyone after its end, the owner at any time)",
		Args:  cobra.NoArgs,
		RunE: run(func(ctx context.Context, c *chainCtl, _ []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			_, err = c.Send(ctx, to, dstackkms.NewDstackKms().PackEndThresholdHandover(), "end-threshold-handover")
			return err
		}),
	}
}

// committeeTx makes the RunE of a committee decision: it reads the EPOCH
// THRESHOLD NAME=URL... arguments and sends DstackKms what pack makes of
// them.
func committeeTx(run chainRunner, kms func() (common.Address, error), what string,
	pack func(epoch uint64, t uint16, members []dstackkms.DstackKmsThresholdMember) ([]byte, error)) func(*cobra.Command, []string) error {
	return run(func(ctx context.Context, c *chainCtl, args []string) error {
		to, err := kms()
		if err != nil {
			return err
		}
		epoch, t, members, err := parseCommittee(args)
		if err != nil {
			return err
		}
		data, err := pack(epoch, t, members)
		if err != nil {
			return err
		}
		_, err = c.Send(ctx, to, data, what)
		return err
	})
}

// parseCommittee reads the EPOCH THRESHOLD NAME=URL... arguments of a
// committee decision.
func parseCommittee(args []string) (epoch uint64, threshold uint16, members []dstackkms.DstackKmsThresholdMember, err error) {
	epoch, err = strconv.ParseUint(args[0], 10, 64)
	if err != nil || epoch == 0 {
		return 0, 0, nil, usageErr(fmt.Errorf("EPOCH %q must be a positive number", args[0]))
	}
	t, err := strconv.ParseUint(args[1], 10, 16)
	if err != nil || t < 2 {
		return 0, 0, nil, usageErr(fmt.Errorf("THRESHOLD %q must be a number of at least 2", args[1]))
	}
	if members, err = parseMembers(args[2:]); err != nil {
		return 0, 0, nil, usageErr(err)
	}
	if int(t) > len(members) {
		return 0, 0, nil, usageErr(fmt.Errorf("THRESHOLD %d is above the %d members", t, len(members)))
	}
	return epoch, uint16(t), members, nil
}

// parseMembers reads NAME=URL arguments, each URL https://host:port.
func parseMembers(args []string) ([]dstackkms.DstackKmsThresholdMember, error) {
	var out []dstackkms.DstackKmsThresholdMember
	seen := map[string]bool{}
	for _, a := range args {
		name, u, ok := strings.Cut(a, "=")
		host, isHTTPS := strings.CutPrefix(u, "https://")
		if !ok || name == "" || !isHTTPS || host == "" || strings.ContainsAny(host, "/?#") {
			return nil, fmt.Errorf("member %q must be NAME=https://peer-host:port", a)
		}
		if seen[name] {
			return nil, fmt.Errorf("member %s is named twice", name)
		}
		seen[name] = true
		out = append(out, dstackkms.DstackKmsThresholdMember{Name: name, Url: u})
	}
	return out, nil
}
