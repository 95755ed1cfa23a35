package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
)

// devCVMOptions configure `dstack dev cvm`.
type devCVMOptions struct {
	dir, name, compose, version string
	printHash                   bool
}

// devCVMState is written to <dir>/extra/<name>/state.json while the CVM runs.
type devCVMState struct {
	PID         int    `json:"pid"`
	AppID       string `json:"app_id"`
	InstanceID  string `json:"instance_id"`
	ComposeHash string `json:"compose_hash"`
	GuestSocket string `json:"guest_socket"`
}

var cvmNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func init() {
	var o devCVMOptions
	cmd := &cobra.Command{
		Use:   "cvm",
		Short: "Boot one more CVM of the running stack's app",
		Long: `Boot one more CVM (process mode, simulated TEE) of the app of the stack that
"dstack dev up" runs in --dir, and run it until interrupted. It gets its keys from
the stack's KMS only if the chain allows its compose hash, registers with the
stack's gateway, and keeps its data directory and instance info in
<dir>/extra/<name>: booting the same name again is a restart of that instance
(same instance id, same data). --version runs the demo app's image with another
version string, which is another compose hash: allow it first with
"dstack chain add-compose-hash" (--print-compose-hash prints it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDevCVM(ctx, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", ".dstack-dev", "state directory of the running stack")
	cmd.Flags().StringVar(&o.name, "name", "", "name of the instance (its directory under <dir>/extra)")
	cmd.Flags().StringVar(&o.compose, "compose", "", "app-compose.json or docker-compose file to run instead of the demo app")
	cmd.Flags().StringVar(&o.version, "version", "v1", "version string of the demo app")
	cmd.Flags().BoolVar(&o.printHash, "print-compose-hash", false, "print the compose hash this CVM would boot with, and exit")
	for _, c := range rootCmd.Commands() {
		if c.Name() == "dev" {
			c.AddCommand(cmd)
		}
	}
}

// readDevState reads the running stack's state.json.
func readDevState(dir string) (*devState, error) {
	p := filepath.Join(dir, "state.json")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no development stack is running in %s: start one with \"dstack dev up --dir %s\"", dir, dir)
	}
	if err != nil {
		return nil, err
	}
	var st devState
	if err := json.Unmarshal(b, &st); err != nil || st.PID <= 0 {
		return nil, fmt.Errorf("reading %s: not a development stack state file", p)
	}
	return &st, nil
}

func runDevCVM(ctx context.Context, out io.Writer, o devCVMOptions) error {
	if !cvmNameRE.MatchString(o.name) {
		return usageErr(fmt.Errorf("--name %q: lowercase letters, digits and '-', at most 32", o.name))
	}
	dir, _ := filepath.Abs(o.dir)
	st, err := readDevState(dir)
	if err != nil {
		return err
	}
	var compose []byte
	switch {
	case o.compose != "":
		if compose, err = readUserCompose(o.compose); err != nil {
			return usageErr(fmt.Errorf("--compose: %w", err))
		}
	case st.DemoImage != "":
		compose = demoAppCompose(st.DemoImage, o.version)
	default:
		return usageErr(errors.New("the stack runs no demo image (it was started with --compose or --insecure-builtin-app): pass --compose FILE"))
	}
	if _, err := identity.ParseAppCompose(compose); err != nil {
		return usageErr(fmt.Errorf("--compose: %w", err))
	}
	hash := identity.ComposeHash(compose)
	if o.printHash {
		fmt.Fprintln(out, hex.EncodeToString(hash[:]))
		return nil
	}
	if os.Geteuid() != 0 {
		return usageErr(errors.New("the app runs as a container (namespaces, cgroups, mounts), which needs root: run it as root"))
	}
	envPub, err := hex.DecodeString(st.AppEnvPubKey)
	if err != nil {
		return fmt.Errorf("reading the stack's state: app_env_pubkey: %w", err)
	}
	cvmDir := filepath.Join(dir, "extra", o.name)
	if err := os.MkdirAll(cvmDir, 0o700); err != nil {
		return err
	}
	if sock := filepath.Join(cvmDir, "dstack.sock"); len(sock) > 100 {
		return usageErr(fmt.Errorf("--dir %s: the path of the CVM's agent socket (%s) is too long for a unix socket; use a shorter --dir", o.dir, sock))
	}
	pki, err := mock.NewPKI([]byte(st.InsecureSimulatedTEESeed))
	if err != nil {
		return err
	}
	client, err := ethclient.DialContext(ctx, st.ChainRPC)
	if err != nil {
		return fmt.Errorf("dialing the dev chain at %s: %w", st.ChainRPC, err)
	}
	defer client.Close()
	reader, err := chain.New(ctx, client, chain.Config{ChainID: new(big.Int).SetUint64(st.ChainID), KmsContract: common.HexToAddress(st.KmsContract)})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "WARNING: simulated TEE with a mock Intel PKI (insecure, development only)")
	fmt.Fprintf(out, "==> booting %s with compose hash %x\n", o.name, hash)
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.Lock(zapcore.AddSync(out)), zap.WarnLevel))
	c, err := bootDevCVM(ctx, devCVMConfig{
		dir: cvmDir, compose: compose, appID: common.HexToAddress(st.AppApp).Bytes(), kmsURL: st.KMSURL, vmConfig: devVMConfig(),
		gatewayURL: st.GatewayRegistration, pki: pki, chain: reader, log: log, envPubKey: envPub, keepInstance: true,
		demo: o.compose == "", insecureHTTPRegistry: st.DemoImage != "",
	})
	if err != nil {
		return err
	}
	statePath := filepath.Join(cvmDir, "state.json")
	defer func() { c.stop(); os.Remove(statePath) }()
	cs := devCVMState{PID: os.Getpid(), AppID: hex.EncodeToString(c.cvm.AppID[:]), InstanceID: hex.EncodeToString(c.cvm.InstanceID),
		ComposeHash: hex.EncodeToString(c.cvm.ComposeHash[:]), GuestSocket: c.socket}
	b, _ := json.MarshalIndent(cs, "", "  ")
	if err := os.WriteFile(statePath, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "==> %s is up: instance %s of app %s; reach it at https://%s.%s%s/\n", o.name, cs.InstanceID, cs.AppID, cs.InstanceID, devBaseDomain, ":"+portOf(strings.TrimPrefix(st.GatewayHTTPS, "https://")))
	done := make(chan error, 1)
	go func() { done <- c.app.Wait() }()
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "==> stopping")
		return nil
	case err := <-done:
		return err
	}
}
