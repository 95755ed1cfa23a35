package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
		RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
			to, err := kms()
			if err != nil {
				return err
			}
			epoch, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || epoch == 0 {
				return usageErr(fmt.Errorf("EPOCH %q must be a positive number", args[0]))
			}
			t, err := strconv.ParseUint(args[1], 10, 16)
			if err != nil || t < 2 {
				return usageErr(fmt.Errorf("THRESHOLD %q must be a number of at least 2", args[1]))
			}
			members, err := parseMembers(args[2:])
			if err != nil {
				return usageErr(err)
			}
			if int(t) > len(members) {
				return usageErr(fmt.Errorf("THRESHOLD %d is above the %d members", t, len(members)))
			}
			_, err = c.Send(ctx, to, dstackkms.NewDstackKms().PackSetThresholdCommittee(epoch, uint16(t), members, from), "set-threshold-committee")
			return err
		}),
	}
	cmd.Flags().StringSliceVar(&from, "from-node", nil, "an old member taking part in the resharing (repeat, or comma-separated; default all)")
	return cmd
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
