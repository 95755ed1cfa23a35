package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dstack-go/dstack/internal/devstack"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"
)

// devAccountKey is the private key of development account i.
var devAccountKey = devstack.AccountKey

func startDevChain(listen string, accounts int, period time.Duration) (*devstack.Chain, error) {
	return devstack.StartChain(devstack.ChainOptions{Listen: listen, Accounts: accounts, Period: period})
}

func init() {
	var o devstack.ChainOptions
	cmd := &cobra.Command{
		Use:   "devchain",
		Short: "Run a local development chain (go-ethereum, JSON-RPC on loopback)",
		Long: `Run a local development chain: a go-ethereum node in process with JSON-RPC over HTTP
on loopback, pre-funded development accounts (their keys are printed: they are
public, for this chain only), a block sealed whenever transactions are pending and
at least every --period. Without --state the chain is kept in memory and a restart
starts a new chain; with --state DIR its database is in DIR and a restart with the
same DIR (and the same --accounts) continues it, contracts and balances included.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.StateDir != "" {
				if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
					return usageErr(fmt.Errorf("--state: %w", err))
				}
			}
			d, err := devstack.StartChain(o)
			if err != nil {
				return err
			}
			defer d.Close()
			out := cmd.OutOrStdout()
			id, _ := d.Client.ChainID(context.Background())
			head, _ := d.Client.BlockNumber(context.Background())
			state := "in memory"
			if o.StateDir != "" {
				state = "state in " + o.StateDir
			}
			fmt.Fprintf(out, "dev chain %v at %s (block %d, %s)\n", id, d.URL, head, state)
			for i := 0; i < o.Accounts; i++ {
				k := devAccountKey(i)
				fmt.Fprintf(out, "  account %d  %s  key %x\n", i, crypto.PubkeyToAddress(k.PublicKey), crypto.FromECDSA(k))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Listen, "listen", "127.0.0.1:8545", "JSON-RPC address (loopback)")
	cmd.Flags().IntVar(&o.Accounts, "accounts", 4, "number of funded development accounts")
	cmd.Flags().DurationVar(&o.Period, "period", 2*time.Second, "longest time between blocks")
	cmd.Flags().StringVar(&o.StateDir, "state", "", "directory that keeps the chain across restarts (default: in memory)")
	rootCmd.AddCommand(cmd)
	rootCmd.AddCommand(chainCommand())
}
