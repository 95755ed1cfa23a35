package main

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/agent"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/identity"
)

// demoCompose is the app-compose.json of the development app.
const demoCompose = `{"manifest_version":2,"name":"hello","runner":"docker-compose","docker_compose_file":"services:\n  hello:\n    image: dstack/hello\n","kms_enabled":true,"gateway_enabled":false,"public_logs":false,"public_sysinfo":false,"no_instance_id":false}`

// devOptions configure the development stack.
type devOptions struct {
	dir     string
	listen  string
	compose string
}

// devState is written to <dir>/state.json for scripts and tests.
type devState struct {
	PID                int    `json:"pid"`
	KMSURL             string `json:"kms_url"`
	ChainRPC           string `json:"chain_rpc"`
	KmsContract        string `json:"kms_contract"`
	AppID              string `json:"app_id"`
	InstanceID         string `json:"instance_id"`
	ComposeHash        string `json:"compose_hash"`
	AppURL             string `json:"app_url"`
	EvidenceURL        string `json:"evidence_url"`
	InsecureTrustRoots string `json:"insecure_trust_roots"`
	Collateral         string `json:"collateral"`
	RuntimeEventLog    string `json:"runtime_event_log"`
	GuestSocket        string `json:"guest_socket"`
}

func init() {
	var o devOptions
	dev := &cobra.Command{Use: "dev", Short: "Run the local development stack with a simulated TEE"}
	up := &cobra.Command{
		Use:   "up",
		Short: "Start the development stack and run until interrupted",
		Long: `Start the development stack on loopback and run until Ctrl-C (or "dstack dev down").

It starts a dev chain (go-ethereum in process) with the governance contracts, a
KMS whose authorizer is that chain, and a confidential VM in process mode; the KMS
and the CVM run on simulated TDX modules whose quotes a mock Intel PKI signs. The
demo app is registered on chain (its app id is its DstackApp address) with its
compose hash allowed; the KMS's measurement, device and the OS image are allowed
too. The CVM runs the guest's own boot sequence (guestos) from a host-shared
directory in <dir>/cvm: it measures the app's identity into RTMR3, verifies the
KMS's RA-TLS attestation and checks it on chain, gets its app keys with GetAppKey
over mutual RA-TLS, measures the KMS it used (key-provider) and reaches
system-ready. The guest agent (upstream's DstackGuest API) answers on
<dir>/cvm/dstack.sock. The demo app, a built-in handler instead of containers,
is served over TLS with a KMS-signed certificate from the agent that carries
its evidence, and the evidence is offered at /evidence for "dstack verify".
The data directory <dir>/cvm/data is a plain, unencrypted directory.

INSECURE: the mock PKI's roots (written to <dir>/insecure-trust-roots.pem) let
anyone holding its keys forge evidence. Nothing here proves anything about real
TEE hardware.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return devUp(ctx, cmd.OutOrStdout(), o, nil)
		},
	}
	up.Flags().StringVar(&o.dir, "dir", ".dstack-dev", "state directory")
	up.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8443", "loopback address of the app's RA-TLS endpoint")
	up.Flags().StringVar(&o.compose, "compose", "", "app-compose.json to run instead of the demo app")
	down := &cobra.Command{
		Use:   "down",
		Short: "Stop a running development stack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return devDown(cmd.OutOrStdout(), o.dir)
		},
	}
	down.Flags().StringVar(&o.dir, "dir", ".dstack-dev", "state directory")
	dev.AddCommand(up, down)
	rootCmd.AddCommand(dev)
}

// devUp runs the stack until ctx ends. ready, if not nil, receives the state
// once the app answers.
func devUp(ctx context.Context, out io.Writer, o devOptions, ready chan<- devState) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if host, _, err := net.SplitHostPort(o.listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return usageErr(fmt.Errorf("--listen %s: the development stack listens on loopback only (127.0.0.1:PORT)", o.listen))
	}
	compose := []byte(demoCompose)
	if o.compose != "" {
		b, err := os.ReadFile(o.compose)
		if err != nil {
			return usageErr(fmt.Errorf("--compose: %w", err))
		}
		compose = b
	}
	if _, err := identity.ParseAppCompose(compose); err != nil {
		return usageErr(fmt.Errorf("--compose: %w", err))
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	fmt.Fprintln(out, "WARNING: simulated TEE with a mock Intel PKI (insecure, development only)")

	step := func(msg string) { fmt.Fprintf(out, "==> %s\n", msg) }
	step("creating the mock vendor PKI")
	seedBytes := make([]byte, 16)
	if _, err := rand.Read(seedBytes); err != nil {
		return err
	}
	seed := "dstack-dev-" + hex.EncodeToString(seedBytes)
	pki, err := mock.NewPKI([]byte(seed))
	if err != nil {
		return err
	}
	rootsPath, _ := filepath.Abs(filepath.Join(o.dir, "insecure-trust-roots.pem"))
	if err := os.WriteFile(rootsPath, pki.RootsPEM(), 0o600); err != nil {
		return err
	}
	collateralDir, _ := filepath.Abs(filepath.Join(o.dir, "collateral"))
	if err := pki.WriteCollateralDir(collateralDir); err != nil {
		return err
	}

	step("starting the dev chain and deploying the governance contracts")
	gov, err := startDevGovernance(ctx, identity.ComposeHash(compose))
	if err != nil {
		return err
	}
	defer gov.chain.Close()
	vmConfig := devVMConfig()
	step("starting the KMS (simulated TEE) and allowing it and the OS image on chain")
	kmsSrv, err := startDevKMS(ctx, o.dir, seed, vmConfig, gov)
	if err != nil {
		return err
	}
	defer kmsSrv.Stop(context.Background())
	step("publishing the KMS root public keys on chain (setKmsInfo)")
	bi := kmsSrv.Service.Bootstrap
	// The bootstrap attestation stays in .dstack-dev/kms/bootstrap-info.json:
	// storing several kilobytes costs more gas than one transaction may use
	// on current forks.
	if _, err := gov.ctl.send(ctx, gov.kms, dstackkms.NewDstackKms().PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{
		K256Pubkey: bi.K256Pubkey, CaPubkey: bi.CAPubkey,
	}), "set-kms-info"); err != nil {
		return err
	}
	reader, err := chain.New(ctx, gov.ctl.client, chain.Config{ChainID: gov.ctl.chainID, KmsContract: gov.kms})
	if err != nil {
		return err
	}
	cvmDir, _ := filepath.Abs(filepath.Join(o.dir, "cvm"))
	hostShared, err := writeDevHostShared(filepath.Join(cvmDir, "host-shared"), compose, gov.app.Bytes(), kmsSrv.URL, vmConfig)
	if err != nil {
		return err
	}
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.Lock(zapcore.AddSync(out)), zap.WarnLevel))
	step("booting the CVM (process mode) and measuring the app into RTMR3")
	step("fetching the app's keys from the KMS over mutual RA-TLS")
	in, err := hostinput.Read(hostShared)
	if err != nil {
		return err
	}
	platform, err := guestos.NewPlatform(guestos.NewSimulatedTEE(pki), filepath.Join(cvmDir, "run"), in.SysConfig.VMConfig)
	if err != nil {
		return err
	}
	cvm, err := boot.Boot(ctx, boot.Config{
		Inputs: in, Platform: platform, Chain: reader, Logger: log,
		Attestation: attest.Options{
			InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()},
			Collateral:         collateral.NewCache(pki.Source(), collateral.CacheOptions{}),
		},
		Storage: boot.InsecurePlainDir{Dir: filepath.Join(cvmDir, "data")},
	})
	if err != nil {
		return err
	}
	sock := filepath.Join(cvmDir, "dstack.sock")
	if len(sock) > 100 {
		return usageErr(fmt.Errorf("--dir %s: the path of the CVM's agent socket (%s) is too long for a unix socket; use a shorter --dir", o.dir, sock))
	}
	agentSrv, err := agent.New(cvm, log).Serve(agent.Config{Socket: sock, TappdSocket: filepath.Join(cvmDir, "tappd.sock")})
	if err != nil {
		return err
	}
	defer agentSrv.Close(context.Background())
	running, err := cvm.StartApp(ctx, &boot.BuiltinDemoApp{Listen: o.listen}, sock, nil)
	if err != nil {
		return fmt.Errorf("%w (is another stack running? try \"dstack dev down\" or --listen 127.0.0.1:OTHERPORT)", err)
	}
	app := running.(*boot.DemoApp)
	errc := make(chan error, 1)
	go func() { errc <- app.Wait() }()

	base := "https://" + app.Addr()
	st := devState{
		PID: os.Getpid(), KMSURL: kmsSrv.URL, ChainRPC: gov.rpc, KmsContract: gov.kms.Hex(), AppID: hex.EncodeToString(cvm.AppID[:]), InstanceID: hex.EncodeToString(cvm.InstanceID),
		ComposeHash: hex.EncodeToString(cvm.ComposeHash[:]), AppURL: base + "/", EvidenceURL: base + "/evidence",
		InsecureTrustRoots: rootsPath, Collateral: collateralDir, RuntimeEventLog: platform.LogPath(), GuestSocket: sock,
	}
	statePath := filepath.Join(o.dir, "state.json")
	sb, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(statePath, sb, 0o600); err != nil {
		return err
	}
	defer os.Remove(statePath)
	fmt.Fprintf(out, `
The app is up.
  chain         %s (DstackKms %s)
  KMS           %s
  app id        %s
  compose hash  %s
  instance id   %s
  app           curl -k %s
  evidence      curl -sk %s > evidence.json
  verify        dstack verify --insecure-trust-roots %s --collateral %s evidence.json
  guest agent   curl --unix-socket %s http://dstack/Info
  state         %s
Stop with Ctrl-C or "dstack dev down".
`, st.ChainRPC, st.KmsContract, st.KMSURL, st.AppID, st.ComposeHash, st.InstanceID, st.AppURL, st.EvidenceURL, rootsPath, collateralDir, sock, statePath)
	if ready != nil {
		ready <- st
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Fprintln(out, "==> stopping")
	return app.Stop(shutdown)
}

// devVMConfig is the vm_config of the development OS image, shared by the
// KMS and the CVM.
func devVMConfig() string {
	osImage := sha512.Sum512_256([]byte("dstack dev image"))
	return fmt.Sprintf(`{"os_image_hash":"%x","cpu_count":1,"memory_size":0}`, osImage)
}

// writeDevHostShared writes what a VMM would share with the CVM: the
// app-compose, the sys-config naming the KMS, and the pinned app id.
func writeDevHostShared(dir string, compose, appID []byte, kmsURL, vmConfig string) (string, error) {
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	sys, _ := json.Marshal(map[string]any{"kms_urls": []string{kmsURL}, "gateway_urls": []string{}, "vm_config": vmConfig})
	info, _ := json.Marshal(map[string]string{"app_id": hex.EncodeToString(appID)})
	for name, b := range map[string][]byte{hostinput.AppComposeFile: compose, hostinput.SysConfigFile: sys, hostinput.InstanceInfoFile: info} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// devGovernance is the dev chain with the contracts deployed and the demo
// app registered.
type devGovernance struct {
	chain *devChain
	ctl   *chainCtl
	rpc   string
	kms   common.Address
	app   common.Address
	id    uint64
}

// startDevGovernance starts the dev chain, deploys DstackKms and registers
// an app that allows composeHash.
func startDevGovernance(ctx context.Context, composeHash [32]byte) (*devGovernance, error) {
	d, err := startDevChain("127.0.0.1:0", 2, 2*time.Second)
	if err != nil {
		return nil, err
	}
	g := &devGovernance{chain: d, rpc: d.URL}
	fail := func(err error) (*devGovernance, error) { d.Close(); return nil, err }
	if g.ctl, err = dialChainWithKey(ctx, d.URL, devAccountKey(0), io.Discard); err != nil {
		return fail(err)
	}
	g.id = g.ctl.chainID.Uint64()
	if g.kms, err = g.ctl.deployGovernance(ctx); err != nil {
		return fail(err)
	}
	K := dstackkms.NewDstackKms()
	r, err := g.ctl.send(ctx, g.kms, K.PackDeployAndRegisterApp0(crypto.PubkeyToAddress(devAccountKey(0).PublicKey), false, true, true, [32]byte{}, composeHash), "deploy-app")
	if err != nil {
		return fail(err)
	}
	if g.app, err = deployedApp(r); err != nil {
		return fail(err)
	}
	return g, nil
}

// startDevKMS allows the KMS's measurement and device and the dev OS image
// on chain, then starts a KMS on the simulated TEE whose authorizer is the
// chain.
func startDevKMS(ctx context.Context, dir, seed, kmsConfig string, gov *devGovernance) (*kms.Server, error) {
	attester, opts, err := kms.SimulatedTEE(seed, kmsConfig)
	if err != nil {
		return nil, err
	}
	self := &kms.Self{Attester: attester, Attestation: opts, Config: kmsConfig}
	ev, err := self.Evidence(ctx)
	if err != nil {
		return nil, err
	}
	kb := kms.BootInfoOf(ev, false)
	K := dstackkms.NewDstackKms()
	for _, tx := range []struct {
		what string
		data []byte
	}{
		{"add-os-image", K.PackAddOsImageHash(common.BytesToHash(kb.OSImageHash))},
		{"add-kms-mr", K.PackAddKmsAggregatedMr(common.BytesToHash(kb.MrAggregated))},
		{"add-kms-device", K.PackAddKmsDevice(common.BytesToHash(kb.DeviceID))},
	} {
		if _, err := gov.ctl.send(ctx, gov.kms, tx.data, tx.what); err != nil {
			return nil, err
		}
	}
	kmsDir := filepath.Join(dir, "kms")
	_ = os.RemoveAll(kmsDir)
	srv, err := kms.NewServer(ctx, kms.Config{
		Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: kmsDir, VMConfig: kmsConfig, InsecureSimulatedTEE: seed,
		Auth: kms.AuthConfig{Chain: &kms.ChainConfig{RPCURL: gov.rpc, ChainID: gov.id, KmsContract: gov.kms.Hex()}},
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("starting the KMS: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	return srv, nil
}

// devDown stops the stack whose state is in dir.
func devDown(out io.Writer, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(out, "no development stack is running")
		return nil
	}
	if err != nil {
		return err
	}
	var st devState
	if err := json.Unmarshal(b, &st); err != nil || st.PID <= 0 {
		return fmt.Errorf("reading %s: not a development stack state file", filepath.Join(dir, "state.json"))
	}
	p, err := os.FindProcess(st.PID)
	if err == nil {
		err = p.Signal(syscall.SIGTERM)
	}
	if err != nil {
		os.Remove(filepath.Join(dir, "state.json"))
		fmt.Fprintf(out, "process %d is gone; removed its state\n", st.PID)
		return nil
	}
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(filepath.Join(dir, "state.json")); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(out, "stopped process %d\n", st.PID)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("process %d did not stop within 5 s", st.PID)
}
