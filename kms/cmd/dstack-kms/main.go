// Command dstack-kms runs the dstack key management service on its own:
//
//	dstack-kms run --config kms.json
//	dstack-kms onboard --config kms.json [--listen ADDR]
//	dstack-kms rebootstrap --config kms.json
//	dstack-kms version
//
// The configuration is the JSON of kms.Config (the same as the dstack_kms
// Caddy app's; kms.example.json at the repository's root is one); an unknown
// option is an error. On first start the KMS bootstraps root keys inside
// its TEE (or replicates them from onboard_from), seals them into
// state_dir, and writes bootstrap-info.json for publication on chain; later
// starts unseal them. It serves the KMS RPC over RA-TLS until interrupted.
//
// A state directory that holds bootstrap-info.json but not root-keys.sealed
// has lost the keys it published: run refuses to start rather than make new
// ones, since every app key would change. rebootstrap makes new keys there
// on purpose, once, and says so loudly.
//
// With the threshold option the KMS is one node of a threshold KMS: on
// first start it generates and seals its pre-parameters, waits for every
// peer (each checked by its attestation and the KMS policy), runs the DKG
// with them and seals its shares and the committee's public keys
// (threshold-public.json, for setKmsInfo and the CVMs' key set) into
// state_dir; later starts unseal them. run returns an error when the node
// cannot come up (a share sealed under another sealing key, a committee
// that is not the configured one).
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

	"github.com/dstack-go/dstack/internal/buildinfo"
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
			cfg, log, ctx, stop, err := setup(cmd.Context(), configPath)
			if err != nil {
				return err
			}
			defer stop()
			srv, err := kms.NewServer(ctx, cfg, log)
			if err != nil {
				return err
			}
			if err := srv.Start(ctx); err != nil {
				return err
			}
			if cfg.Threshold != nil {
				log.Info("threshold KMS node starting: unsealing its shares, or, on first start, waiting for every peer and running the DKG",
					zap.String("url", srv.URL), zap.String("node", cfg.Threshold.Name))
				if err := srv.Ready(ctx); err != nil {
					stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					_ = srv.Stop(stopCtx)
					return err
				}
			}
			log.Info("KMS serving", zap.String("url", srv.URL))
			<-ctx.Done()
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Stop(shutdown)
		},
	}
	run.Flags().StringVar(&configPath, "config", "kms.json", "configuration file (JSON)")
	var listen string
	onboard := &cobra.Command{
		Use:   "onboard",
		Short: "Serve the onboarding RPC (GetAttestationInfo, Bootstrap, Onboard, Finish) until Finish",
		Long: `Serve upstream's Onboard service over plain HTTP for a KMS that has no keys yet.
Every call needs "Authorization: Bearer <token>", the token taken from the
environment variable DSTACK_KMS_ONBOARD_TOKEN (never from a flag). After Finish,
start the KMS with "dstack-kms run".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, ctx, stop, err := setup(cmd.Context(), configPath)
			if err != nil {
				return err
			}
			defer stop()
			token := os.Getenv("DSTACK_KMS_ONBOARD_TOKEN")
			if token == "" {
				return fmt.Errorf("set DSTACK_KMS_ONBOARD_TOKEN to the operator token the onboarding calls must carry")
			}
			return kms.RunOnboarding(ctx, cfg, listen, token, log)
		},
	}
	onboard.Flags().StringVar(&configPath, "config", "kms.json", "configuration file (JSON)")
	onboard.Flags().StringVar(&listen, "listen", "127.0.0.1:8001", "address of the onboarding listener")
	rebootstrap := &cobra.Command{
		Use:   "rebootstrap",
		Short: "Replace lost root keys with new ones: every app key changes",
		Long: `Bootstrap new root keys in a state directory whose sealed keys are lost
(bootstrap-info.json present, root-keys.sealed missing), which "run" refuses
to start from. Every app key changes, and disks encrypted under the old keys
cannot be opened again. The old bootstrap-info.json is kept aside as
bootstrap-info.json.replaced-<unix time>; publish the new one with
"dstack chain set-kms-info". Refused while root-keys.sealed exists.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, ctx, stop, err := setup(cmd.Context(), configPath)
			if err != nil {
				return err
			}
			defer stop()
			_, err = kms.Rebootstrap(ctx, cfg, log)
			return err
		},
	}
	rebootstrap.Flags().StringVar(&configPath, "config", "kms.json", "configuration file (JSON)")
	root.AddCommand(run, onboard, rebootstrap, buildinfo.Command("dstack-kms"))
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}

// setup reads the configuration and returns it with a logger and a context
// that ends on SIGINT or SIGTERM (stop releases it and flushes the log).
func setup(parent context.Context, path string) (kms.Config, *zap.Logger, context.Context, func(), error) {
	var cfg kms.Config
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, nil, nil, nil, err
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, nil, nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	log, err := zap.NewProduction()
	if err != nil {
		return cfg, nil, nil, nil, err
	}
	ctx, cancel := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	return cfg, log, ctx, func() { cancel(); _ = log.Sync() }, nil
}
