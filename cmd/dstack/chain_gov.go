package main

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/dstackgovernance"
)

// ownershipCommands are the two steps of an Ownable2Step transfer, for
// DstackKms and DstackApp alike, and the query of an owner.
func ownershipCommands(run chainRunner, query queryRunner) []*cobra.Command {
	A := dstackapp.NewDstackApp()
	return []*cobra.Command{
		{Use: "transfer-ownership CONTRACT NEW_OWNER", Short: "Offer the ownership of DstackKms or a DstackApp (the new owner must accept it)", Args: cobra.ExactArgs(2),
			RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
				a, err := parseAddresses(args, "CONTRACT", "NEW_OWNER")
				if err != nil {
					return err
				}
				_, err = c.Send(ctx, a[0], A.PackTransferOwnership(a[1]), "transfer-ownership")
				return err
			})},
		{Use: "accept-ownership CONTRACT", Short: "Accept the ownership of DstackKms or a DstackApp offered to the signer", Args: cobra.ExactArgs(1),
			RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
				a, err := parseAddresses(args, "CONTRACT")
				if err != nil {
					return err
				}
				_, err = c.Send(ctx, a[0], A.PackAcceptOwnership(), "accept-ownership")
				return err
			})},
		{Use: "owner CONTRACT", Short: "Show the owner and the pending owner of DstackKms or a DstackApp", Args: cobra.ExactArgs(1),
			RunE: query(func(ctx context.Context, q *chainQuery, args []string) error {
				to, err := parseAddress("CONTRACT", args[0])
				if err != nil {
					return err
				}
				return q.owners(ctx, to)
			})},
	}
}

// governanceCommand groups the DstackGovernance commands.
func governanceCommand(run chainRunner, query queryRunner) *cobra.Command {
	G := dstackgovernance.NewDstackGovernance()
	gov := &cobra.Command{Use: "gov", Short: "k-of-n approval with a timelock of an app's compose hashes (DstackGovernance)",
		Long: `DstackGovernance owns an app contract and changes its compose hashes only when
threshold approvers approved a proposal and the timelock has passed since. To put an
app under governance: deploy one, transfer-ownership APP GOV from the app's owner,
then gov accept-app GOV APP from an approver.`}
	proposal := func(s string) (*big.Int, error) {
		n, ok := new(big.Int).SetString(s, 10)
		if !ok || n.Sign() < 0 {
			return nil, usageErr(fmt.Errorf("proposal id %q is not a decimal number", s))
		}
		return n, nil
	}
	// byID makes a command that sends one transaction about a proposal.
	byID := func(use, short string, pack func(*big.Int) []byte) *cobra.Command {
		return &cobra.Command{Use: use + " GOV ID", Short: short, Args: cobra.ExactArgs(2), RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
			to, err := parseAddress("GOV", args[0])
			if err != nil {
				return err
			}
			id, err := proposal(args[1])
			if err != nil {
				return err
			}
			_, err = c.Send(ctx, to, pack(id), "gov "+use)
			return err
		})}
	}
	var approvers []string
	var threshold int64
	var timelock time.Duration
	deploy := &cobra.Command{Use: "deploy", Short: "Deploy a DstackGovernance", Args: cobra.NoArgs,
		RunE: run(func(ctx context.Context, c *chainCtl, _ []string) error {
			var addrs []common.Address
			for _, a := range approvers {
				addr, err := parseAddress("--approver", a)
				if err != nil {
					return err
				}
				addrs = append(addrs, addr)
			}
			if threshold < 1 || int(threshold) > len(addrs) {
				return usageErr(fmt.Errorf("--threshold %d: it must be between 1 and the number of --approver (%d)", threshold, len(addrs)))
			}
			if timelock < 0 || timelock%time.Second != 0 {
				return usageErr(fmt.Errorf("--timelock %v: it must be a whole number of seconds, not negative", timelock))
			}
			addr, err := c.Deploy(ctx, "DstackGovernance", dstackgovernance.DstackGovernanceMetaData.Bin,
				G.PackConstructor(addrs, big.NewInt(threshold), big.NewInt(int64(timelock/time.Second))))
			if err == nil {
				fmt.Fprintf(c.Out, "governance %s\n", addr)
			}
			return err
		})}
	deploy.Flags().StringSliceVar(&approvers, "approver", nil, "an approver's address (repeat, or separate with commas)")
	deploy.Flags().Int64Var(&threshold, "threshold", 1, "approvals a proposal needs")
	deploy.Flags().DurationVar(&timelock, "timelock", 0, "time between the last needed approval and execution")

	var remove bool
	propose := &cobra.Command{Use: "propose GOV APP COMPOSE_HASH", Short: "Propose to add (or with --remove, remove) a compose hash of an app", Args: cobra.ExactArgs(3),
		RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
			a, err := parseAddresses(args, "GOV", "APP")
			if err != nil {
				return err
			}
			hash, err := parseHash(args[2])
			if err != nil {
				return err
			}
			r, err := c.Send(ctx, a[0], G.PackPropose(a[1], hash, !remove), "gov propose")
			if err != nil {
				return err
			}
			for _, l := range r.Logs {
				if ev, err := G.UnpackProposalCreatedEvent(l); err == nil {
					fmt.Fprintf(c.Out, "proposal %s\n", ev.Id)
					return nil
				}
			}
			return fmt.Errorf("gov propose: no ProposalCreated event in %s", r.TxHash)
		})}
	propose.Flags().BoolVar(&remove, "remove", false, "propose the removal of the compose hash")

	gov.AddCommand(deploy, propose,
		&cobra.Command{Use: "accept-app GOV APP", Short: "Accept the ownership of an app offered to the governance (an approver signs)", Args: cobra.ExactArgs(2),
			RunE: run(func(ctx context.Context, c *chainCtl, args []string) error {
				a, err := parseAddresses(args, "GOV", "APP")
				if err != nil {
					return err
				}
				_, err = c.Send(ctx, a[0], G.PackAcceptAppOwnership(a[1]), "gov accept-app")
				return err
			})},
		byID("approve", "Approve a proposal", G.PackApprove),
		byID("execute", "Execute a proposal that has its approvals and whose timelock has passed", G.PackExecute),
		byID("cancel", "Cancel a proposal", G.PackCancel),
		&cobra.Command{Use: "show GOV [ID]", Short: "Show a governance (approvers, threshold, timelock) or one of its proposals", Args: cobra.RangeArgs(1, 2),
			RunE: query(func(ctx context.Context, q *chainQuery, args []string) error {
				to, err := parseAddress("GOV", args[0])
				if err != nil {
					return err
				}
				if len(args) == 1 {
					return q.governance(ctx, to)
				}
				id, err := proposal(args[1])
				if err != nil {
					return err
				}
				return q.proposal(ctx, to, id)
			})},
	)
	return gov
}

// governance prints a DstackGovernance's approvers, threshold, timelock
// and proposal count.
func (q *chainQuery) governance(ctx context.Context, gov common.Address) error {
	G := dstackgovernance.NewDstackGovernance()
	approvers, err := q.approvers(ctx, gov)
	if err != nil {
		return err
	}
	threshold, err := callAt(ctx, q, gov, G.PackThreshold(), G.UnpackThreshold)
	if err != nil {
		return err
	}
	timelock, err := callAt(ctx, q, gov, G.PackTimelock(), G.UnpackTimelock)
	if err != nil {
		return err
	}
	count, err := callAt(ctx, q, gov, G.PackProposalCount(), G.UnpackProposalCount)
	if err != nil {
		return err
	}
	for _, a := range approvers {
		q.line("approver", a.Hex())
	}
	q.line("threshold", threshold.String())
	q.line("timelock_seconds", timelock.String())
	q.line("proposals", count.String())
	return nil
}

// approvers reads a governance's approvers (the public array has no
// length getter: read until the index is out of range).
func (q *chainQuery) approvers(ctx context.Context, gov common.Address) ([]common.Address, error) {
	G := dstackgovernance.NewDstackGovernance()
	ok, err := callAt(ctx, q, gov, G.PackThreshold(), G.UnpackThreshold)
	if err != nil || ok == nil {
		return nil, fmt.Errorf("reading the governance at %s (is it a DstackGovernance?): %w", gov, err)
	}
	var out []common.Address
	for i := int64(0); i < 1024; i++ {
		a, err := callAt(ctx, q, gov, G.PackApprovers(big.NewInt(i)), G.UnpackApprovers)
		if err != nil {
			break
		}
		out = append(out, a)
	}
	return out, nil
}

// proposal prints one proposal, its state and who approved it.
func (q *chainQuery) proposal(ctx context.Context, gov common.Address, id *big.Int) error {
	G := dstackgovernance.NewDstackGovernance()
	count, err := callAt(ctx, q, gov, G.PackProposalCount(), G.UnpackProposalCount)
	if err != nil {
		return fmt.Errorf("reading the governance at %s (is it a DstackGovernance?): %w", gov, err)
	}
	if id.Cmp(count) >= 0 {
		return usageErr(fmt.Errorf("governance %s has no proposal %s (it has %s)", gov, id, count))
	}
	p, err := callAt(ctx, q, gov, G.PackProposals(id), G.UnpackProposals)
	if err != nil {
		return err
	}
	threshold, err := callAt(ctx, q, gov, G.PackThreshold(), G.UnpackThreshold)
	if err != nil {
		return err
	}
	header, err := q.Client.HeaderByNumber(ctx, q.block)
	if err != nil {
		return err
	}
	state := "open"
	switch {
	case p.Executed:
		state = "executed"
	case p.Cancelled:
		state = "cancelled"
	case p.Approvals.Cmp(threshold) >= 0 && p.ReadyAt.Uint64() <= header.Time:
		state = "ready"
	case p.Approvals.Cmp(threshold) >= 0:
		state = "timelocked"
	}
	action := "add"
	if !p.Add {
		action = "remove"
	}
	q.line("proposal", id.String())
	q.line("state", state)
	q.line("app", p.App.Hex())
	q.line("action", action)
	q.line("compose_hash", hexHash(p.ComposeHash))
	q.line("proposer", p.Proposer.Hex())
	q.line("approvals", p.Approvals.String()+" of "+threshold.String())
	if p.ReadyAt.Sign() > 0 {
		q.line("ready_at", time.Unix(p.ReadyAt.Int64(), 0).UTC().Format(time.RFC3339))
	}
	approvers, err := q.approvers(ctx, gov)
	if err != nil {
		return err
	}
	for _, a := range approvers {
		ok, err := callAt(ctx, q, gov, G.PackApprovedBy(id, a), G.UnpackApprovedBy)
		if err != nil {
			return err
		}
		if ok {
			q.line("approved_by", a.Hex())
		}
	}
	return nil
}

func hexHash(h [32]byte) string { return common.Hash(h).Hex() }
