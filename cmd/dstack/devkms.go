package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/kms"
)

// devKMSState is written to <dir>/extra-kms/<name>/state.json while the
// replica runs.
type devKMSState struct {
	PID int    `json:"pid"`
	URL string `json:"kms_url"`
}

func init() {
	var dir, name string
	cmd := &cobra.Command{
		Use:   "kms",
		Short: "Start a KMS replica of the running stack, onboarded from its KMS",
		Long: `Start one more KMS (simulated TEE, same OS image and measurement) that replicates
the root keys of the running stack's KMS through onboarding (GetKmsKey over mutual
RA-TLS: each side checks the other on chain), and serve until interrupted. Its
state is in <dir>/extra-kms/<name>; its URL in that directory's state.json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDevKMS(ctx, cmd.OutOrStdout(), dir, name)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".dstack-dev", "state directory of the running stack")
	cmd.Flags().StringVar(&name, "name", "replica", "name of the replica (its directory under <dir>/extra-kms)")
	for _, c := range rootCmd.Commands() {
		if c.Name() == "dev" {
			c.AddCommand(cmd)
		}
	}
}

func runDevKMS(ctx context.Context, out io.Writer, dir, name string) error {
	if !cvmNameRE.MatchString(name) {
		return usageErr(fmt.Errorf("--name %q: lowercase letters, digits and '-', at most 32", name))
	}
	dir, _ = filepath.Abs(dir)
	st, err := readDevState(dir)
	if err != nil {
		return err
	}
	kmsDir := filepath.Join(dir, "extra-kms", name)
	_ = os.RemoveAll(kmsDir)
	fmt.Fprintln(out, "WARNING: simulated TEE with a mock Intel PKI (insecure, development only)")
	fmt.Fprintf(out, "==> onboarding from %s\n", st.KMSURL)
	srv, err := kms.NewServer(ctx, kms.Config{
		Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: kmsDir, VMConfig: devVMConfig(),
		InsecureSimulatedTEE: st.InsecureSimulatedTEESeed, OnboardFrom: st.KMSURL,
		Auth: kms.AuthConfig{Chain: &kms.ChainConfig{RPCURL: st.ChainRPC, ChainID: st.ChainID, KmsContract: st.KmsContract}},
	}, nil)
	if err != nil {
		return fmt.Errorf("starting the KMS replica: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Stop(context.Background())
	statePath := filepath.Join(kmsDir, "state.json")
	b, _ := json.MarshalIndent(devKMSState{PID: os.Getpid(), URL: srv.URL}, "", "  ")
	if err := os.WriteFile(statePath, b, 0o600); err != nil {
		return err
	}
	defer os.Remove(statePath)
	fmt.Fprintf(out, "==> KMS replica %s serves at %s\n", name, srv.URL)
	<-ctx.Done()
	fmt.Fprintln(out, "==> stopping")
	return nil
}
