// Command dstack-kms runs the dstack key management service on its own:
//
//	dstack-kms run --config kms.json
//
// The configuration is the JSON of kms.Config (the same as the dstack_kms
// Caddy app's). On first start the KMS bootstraps root keys inside its TEE
// (or replicates them from onboard_from), seals them into state_dir, and
// writes bootstrap-info.json for publication on chain; later starts unseal
// them. It serves the KMS RPC over RA-TLS until interrupted.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/kms"
)

func main() {
	var configPath string
	root := &cobra.Command{Use: "dstack-kms", Short: "The dstack key management service", SilenceUsage: true}
	run := &cobra.Command{
		Use:   "run",
		Short: "Run the KMS from a JSON configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(configPath)
			if err != nil {
				return err
			}
			var cfg kms.Config
			if err := json.Unmarshal(b, &cfg); err != nil {
				return fmt.Errorf("reading %s: %w", configPath, err)
			}
			log, _ := zap.NewProduction()
			defer log.Sync()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv, err := kms.NewServer(ctx, cfg, log)
			if err != nil {
				return err
			}
			if err := srv.Start(ctx); err != nil {
				return err
			}
			log.Info("KMS serving", zap.String("url", srv.URL))
			<-ctx.Done()
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Stop(shutdown)
		},
	}
	run.Flags().StringVar(&configPath, "config", "kms.json", "configuration file (JSON)")
	root.AddCommand(run)
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
