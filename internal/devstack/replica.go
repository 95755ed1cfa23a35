package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms"
)

// kmsState is written to <dir>/extra-kms/<name>/state.json while the
// replica runs.
type kmsState struct {
	Process
	URL string `json:"kms_url"`
}

// RunKMSReplica starts one more KMS that replicates the root keys of the
// running stack's KMS through onboarding, and serves until ctx ends.
func RunKMSReplica(ctx context.Context, out io.Writer, dir, name string) error {
	if !cvmNameRE.MatchString(name) {
		return Usage(fmt.Errorf("--name %q: lowercase letters, digits and '-', at most 32", name))
	}
	dir, _ = filepath.Abs(dir)
	st, err := ReadState(dir)
	if err != nil {
		return err
	}
	kmsDir := filepath.Join(dir, "extra-kms", name)
	_ = os.RemoveAll(kmsDir)
	fmt.Fprintln(out, "WARNING: simulated TEE with a mock Intel PKI (insecure, development only)")
	fmt.Fprintf(out, "==> onboarding from %s\n", st.KMSURL)
	srv, err := kms.NewServer(ctx, kms.Config{
		Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: kmsDir, VMConfig: vmConfig(),
		InsecureSimulatedTEE: st.InsecureSimulatedTEESeed, OnboardFrom: st.KMSURL,
		Auth: kms.AuthConfig{Chain: &settings.Chain{RPCURL: st.ChainRPC, ChainID: st.ChainID, KmsContract: st.KmsContract}},
	}, nil)
	if err != nil {
		return fmt.Errorf("starting the KMS replica: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Stop(context.Background())
	statePath := filepath.Join(kmsDir, "state.json")
	self, err := Self()
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(kmsState{Process: self, URL: srv.URL}, "", "  ")
	if err := os.WriteFile(statePath, b, 0o600); err != nil {
		return err
	}
	defer os.Remove(statePath)
	fmt.Fprintf(out, "==> KMS replica %s serves at %s\n", name, srv.URL)
	<-ctx.Done()
	fmt.Fprintln(out, "==> stopping")
	return nil
}
