package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
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
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
)

// demoCompose is the app-compose.json of the development app.
const demoCompose = `{"manifest_version":2,"name":"hello","runner":"docker-compose","docker_compose_file":"services:\n  hello:\n    image: dstack/hello\n","kms_enabled":true,"gateway_enabled":false,"public_logs":false,"public_sysinfo":false,"no_instance_id":false}`

// devOptions configure the development stack.
type devOptions struct {
	dir                string
	listen             string
	compose            string
	apps               int
	insecureBuiltinApp bool
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
	// The gateway: its HTTPS address, registration endpoint, internal CA
	// root and app id; the app's host name under it.
	GatewayHTTPS        string `json:"gateway_https"`
	GatewayRegistration string `json:"gateway_registration"`
	GatewayCA           string `json:"gateway_ca"`
	GatewayAppID        string `json:"gateway_app_id"`
	AppHost             string `json:"app_host"`
	// AppApp and GatewayContract are the DstackApp contracts of the app and
	// of the gateway (0x addresses).
	AppApp          string `json:"app_contract"`
	GatewayContract string `json:"gateway_contract"`
	// ChainID is the dev chain's id; DemoImage the demo app's pinned image
	// (empty with --compose); AppEnvPubKey the app's env encryption key.
	ChainID      uint64 `json:"chain_id"`
	VMConfig     string `json:"vm_config"`
	DemoImage    string `json:"demo_image,omitempty"`
	AppEnvPubKey string `json:"app_env_pubkey"`
	// InsecureSimulatedTEESeed is the mock PKI's seed: whoever has it can
	// forge evidence this stack accepts. Development only.
	InsecureSimulatedTEESeed string `json:"insecure_simulated_tee_seed"`
	// Instances are the app's CVMs (--apps).
	Instances []devInstance `json:"instances"`
}

func init() {
	var o devOptions
	dev := &cobra.Command{Use: "dev", Short: "Run the local development stack with a simulated TEE"}
	up := &cobra.Command{
		Use:   "up",
		Short: "Start the development stack and run until interrupted",
		Long: `Start the development stack on loopback and run until Ctrl-C (or "dstack dev down").

It builds the demo app (a static Go program in cmd/dstack/internal/demoapp) into
an OCI image with go-containerregistry and serves it from a registry in process;
starts a dev chain (go-ethereum in process) with the governance contracts, the
demo app registered with its compose hash (which pins the image by digest)
allowed, and a gateway app id set; a KMS whose authorizer is that chain; the
gateway, Caddy with the dstack modules in process, for *.dstack.localhost with
Caddy's internal CA; and --apps confidential VMs in process mode. The KMS, the
gateway and the CVMs run on simulated TDX modules whose quotes a mock Intel PKI
signs. Each CVM runs the guest's own boot sequence (guestos) from a host-shared
directory in <dir>/cvm: it measures the app's identity into RTMR3, gets its app
keys from the KMS over mutual RA-TLS after checking the KMS on chain, serves the
guest agent on <dir>/cvm/dstack.sock, runs the compose app as containers (runc
libcontainer; root needed), and registers with the gateway behind its attested
tunnel. The app answers at https://<app_id>.dstack.localhost:PORT/ through the
gateway; its /evidence is the agent's GetQuote, for "dstack verify". The data
directory <dir>/cvm/data is a plain, unencrypted directory.

INSECURE: the mock PKI's roots (written to <dir>/insecure-trust-roots.pem) let
anyone holding its keys (its seed is in <dir>/state.json) forge evidence.
Nothing here proves anything about real TEE hardware.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return devUp(ctx, cmd.OutOrStdout(), o, nil)
		},
	}
	up.Flags().StringVar(&o.dir, "dir", ".dstack-dev", "state directory")
	up.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8443", "loopback address of the gateway's HTTPS server")
	up.Flags().StringVar(&o.compose, "compose", "", "app-compose.json or docker-compose file to run instead of the demo app (images pinned by digest)")
	up.Flags().IntVar(&o.apps, "apps", 1, "number of instances (CVMs) of the app")
	up.Flags().BoolVar(&o.insecureBuiltinApp, "insecure-builtin-app", false, "serve a built-in handler instead of running the app's containers (no root needed; not through the gateway)")
	down := &cobra.Command{
		Use:   "down",
		Short: "Stop a running development stack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return devDown(cmd.OutOrStdout(), o.dir)
		},
	}
	down.Flags().StringVar(&o.dir, "dir", ".dstack-dev", "state directory")
	restart := &cobra.Command{
		Use:   "restart-gateway",
		Short: "Restart the running stack's gateway (Caddy stops and loads again from its storage)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := readDevState(o.dir)
			if err != nil {
				return err
			}
			if err := syscall.Kill(st.PID, syscall.SIGHUP); err != nil {
				return fmt.Errorf("signalling dev up (process %d): %w", st.PID, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "asked process %d to restart its gateway\n", st.PID)
			return nil
		},
	}
	restart.Flags().StringVar(&o.dir, "dir", ".dstack-dev", "state directory")
	dev.AddCommand(up, down, restart)
	rootCmd.AddCommand(dev)
}

// devUp runs the stack until ctx ends. ready, if not nil, receives the state
// once the app answers.
func devUp(ctx context.Context, out io.Writer, o devOptions, ready chan<- devState) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if host, _, err := net.SplitHostPort(o.listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return usageErr(fmt.Errorf("--listen %s: the development stack listens on loopback only (127.0.0.1:PORT)", o.listen))
	}
	if o.apps == 0 {
		o.apps = 1
	}
	if o.apps < 1 || o.apps > 16 {
		return usageErr(fmt.Errorf("--apps %d: between 1 and 16 instances", o.apps))
	}
	if !o.insecureBuiltinApp && os.Geteuid() != 0 {
		return usageErr(errors.New("the app runs as a container (namespaces, cgroups, mounts), which needs root: run it as root (sudo dstack dev up), or pass --insecure-builtin-app to serve a built-in handler instead of a container"))
	}
	if o.insecureBuiltinApp && o.compose != "" {
		return usageErr(errors.New("--insecure-builtin-app runs the built-in demo handler and cannot run --compose; drop one of them"))
	}
	var userCompose []byte
	if o.compose != "" {
		if userCompose, err = readUserCompose(o.compose); err != nil {
			return usageErr(fmt.Errorf("--compose: %w", err))
		}
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	dir, _ := filepath.Abs(o.dir)
	// A new stack has a new chain and a new app: nothing of an earlier
	// stack's CVMs is theirs. The container state (image cache, runtime
	// state of a stack that was killed) stays for the runner to clean.
	old, _ := filepath.Glob(filepath.Join(dir, "cvm*"))
	extra, _ := filepath.Glob(filepath.Join(dir, "extra", "*"))
	for _, d := range append(old, extra...) {
		for _, name := range []string{"data", "host-shared", "run", hostInstanceInfo} {
			_ = os.RemoveAll(filepath.Join(d, name))
		}
	}
	if sock := filepath.Join(dir, "cvm", "dstack.sock"); len(sock) > 100 {
		return usageErr(fmt.Errorf("--dir %s: the path of the CVM's agent socket (%s) is too long for a unix socket; use a shorter --dir", o.dir, sock))
	}
	gwLn, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("the gateway's HTTPS address %s is taken (%w): is another stack running? try \"dstack dev down\" or --listen 127.0.0.1:OTHERPORT", o.listen, err)
	}
	// Caddy is given the port it listens on, so that the URLs printed are
	// the ones served.
	o.listen = gwLn.Addr().String()
	gwLn.Close()
	started := time.Now()
	fmt.Fprintln(out, "WARNING: simulated TEE with a mock Intel PKI (insecure, development only)")
	if o.insecureBuiltinApp {
		fmt.Fprintln(out, "WARNING: --insecure-builtin-app: a built-in handler runs instead of the app's containers, and it is served directly, not through the gateway")
	}
	step := func(msg string) { fmt.Fprintf(out, "==> %s (%.1fs)\n", msg, time.Since(started).Seconds()) }
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()
	onStop := func(f func()) { cleanups = append(cleanups, f) }
	// The state file goes last, once everything stopped: "dev down" waits
	// for it.
	statePath := filepath.Join(dir, "state.json")
	onStop(func() { os.Remove(statePath) })

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
	rootsPath := filepath.Join(dir, "insecure-trust-roots.pem")
	if err := os.WriteFile(rootsPath, pki.RootsPEM(), 0o600); err != nil {
		return err
	}
	collateralDir := filepath.Join(dir, "collateral")
	if err := pki.WriteCollateralDir(collateralDir); err != nil {
		return err
	}

	compose, version := userCompose, ""
	var registryHost, image string
	switch {
	case o.insecureBuiltinApp:
		compose = []byte(demoCompose)
	case userCompose == nil:
		step("building the demo app into an OCI image and serving it from a loopback registry")
		reg, err := startDevRegistry()
		if err != nil {
			return err
		}
		onStop(func() { reg.Close() })
		work := filepath.Join(dir, "build")
		if err := os.MkdirAll(work, 0o700); err != nil {
			return err
		}
		img, err := buildDemoImage(ctx, work)
		if err != nil {
			return err
		}
		if image, err = reg.push(ctx, "dstack/demo", "v1", img); err != nil {
			return err
		}
		registryHost, version = reg.Host, "v1"
		compose = demoAppCompose(image, version)
	}
	if _, err := identity.ParseAppCompose(compose); err != nil {
		return usageErr(fmt.Errorf("--compose: %w", err))
	}
	composeHash := identity.ComposeHash(compose)

	step("starting the dev chain and deploying the governance contracts")
	gov, err := startDevGovernance(ctx, composeHash)
	if err != nil {
		return err
	}
	onStop(func() { gov.chain.Close() })
	vmConfig := devVMConfig()
	step("starting the KMS (simulated TEE) and allowing it and the OS image on chain")
	kmsSrv, err := startDevKMS(ctx, dir, seed, vmConfig, gov)
	if err != nil {
		return err
	}
	onStop(func() { kmsSrv.Stop(context.Background()) })
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
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.Lock(zapcore.AddSync(out)), zap.WarnLevel))

	step("registering the gateway's app on chain (setGatewayAppId) and starting the gateway (Caddy with the dstack modules)")
	gw, err := startDevGateway(ctx, dir, o.listen, seed, rootsPath, collateralDir, gov)
	if err != nil {
		return err
	}
	onStop(func() { gw.stop() })

	envPub, err := kmsSrv.Service.GetAppEnvEncryptPubKey(ctx, &kmsapi.AppID{AppID: gov.app.Bytes()})
	if err != nil {
		return fmt.Errorf("getting the app's env encryption key: %w", err)
	}
	var st devState
	errc := make(chan error, o.apps)
	for i := 1; i <= o.apps; i++ {
		name := "cvm"
		if i > 1 {
			name = fmt.Sprintf("cvm%d", i)
		}
		step(fmt.Sprintf("booting %s (process mode): measuring the app into RTMR3, fetching its keys from the KMS over mutual RA-TLS", name))
		c, err := bootDevCVM(ctx, devCVMConfig{
			dir: filepath.Join(dir, name), compose: compose, appID: gov.app.Bytes(), kmsURL: kmsSrv.URL, vmConfig: vmConfig,
			gatewayURL: gw.registrationURL, pki: pki, chain: reader, log: log, envPubKey: envPub.PublicKey,
			builtin: o.insecureBuiltinApp, demo: userCompose == nil && !o.insecureBuiltinApp, insecureHTTPRegistry: registryHost != "",
		})
		if err != nil {
			return err
		}
		onStop(func() { c.stop() })
		go func() { errc <- c.app.Wait() }()
		if i == 1 {
			st = devState{
				KMSURL: kmsSrv.URL, ChainRPC: gov.rpc, KmsContract: gov.kms.Hex(), AppID: hex.EncodeToString(c.cvm.AppID[:]),
				InstanceID: hex.EncodeToString(c.cvm.InstanceID), ComposeHash: hex.EncodeToString(c.cvm.ComposeHash[:]),
				InsecureTrustRoots: rootsPath, Collateral: collateralDir, RuntimeEventLog: c.cvm.Platform.LogPath(), GuestSocket: c.socket,
			}
		}
		st.Instances = append(st.Instances, devInstance{InstanceID: hex.EncodeToString(c.cvm.InstanceID), GuestSocket: c.socket, Dir: c.dir, TunnelAddress: c.tunnelAddr})
		if o.insecureBuiltinApp {
			st.AppURL = "https://" + c.builtinAddr + "/"
		}
	}
	st.PID, st.GatewayHTTPS, st.GatewayRegistration, st.GatewayCA, st.GatewayAppID = os.Getpid(), "https://"+o.listen, gw.registrationURL, gw.caPath, hex.EncodeToString(gw.appID)
	st.AppHost = st.AppID + "." + devBaseDomain
	st.AppApp, st.GatewayContract = gov.app.Hex(), gov.gatewayApp.Hex()
	st.ChainID, st.InsecureSimulatedTEESeed, st.DemoImage, st.AppEnvPubKey, st.VMConfig = gov.id, seed, image, hex.EncodeToString(envPub.PublicKey), vmConfig
	if !o.insecureBuiltinApp {
		_, port, _ := net.SplitHostPort(o.listen)
		st.AppURL = "https://" + st.AppHost + ":" + port + "/"
		step("waiting for the app to answer through the gateway")
		if err := waitThroughGateway(ctx, st, o.listen, userCompose == nil); err != nil {
			if userCompose == nil || ctx.Err() != nil {
				return err
			}
			// Your app may serve another port than 80 (reach port P at
			// <app_id>-P.dstack.localhost) or take longer to start.
			fmt.Fprintf(out, "WARNING: %v\n", err)
		}
	}
	st.EvidenceURL = st.AppURL + "evidence"
	sb, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(statePath, sb, 0o600); err != nil {
		return err
	}
	curl := fmt.Sprintf("curl --cacert %s --resolve %s:%s:127.0.0.1 %s", gw.caPath, st.AppHost, portOf(o.listen), st.AppURL)
	if o.insecureBuiltinApp {
		curl = "curl -k " + st.AppURL
	}
	fmt.Fprintf(out, `
The app is up (%.1fs).
  app           %s
  curl          %s
                (or curl -k; *.localhost resolves to loopback in most resolvers)
  evidence      %s > evidence.json   (the guest agent's GetQuote, through the gateway)
  verify        dstack verify --insecure-trust-roots %s --collateral %s evidence.json
  chain         %s (DstackKms %s; app %s)
  queries       dstack chain --rpc %s --kms %s app-info %s
  KMS           %s
  gateway       %s (registration %s, CA %s)
  app id        %s
  compose hash  %s
  instance id   %s
  guest agent   curl --unix-socket %s http://dstack/Info
  state         %s
Stop with Ctrl-C or "dstack dev down --dir %s".
`, time.Since(started).Seconds(), st.AppURL, curl, strings.Replace(curl, st.AppURL, st.EvidenceURL, 1), rootsPath, collateralDir,
		st.ChainRPC, st.KmsContract, st.AppApp, st.ChainRPC, st.KmsContract, st.AppApp, st.KMSURL, st.GatewayHTTPS, st.GatewayRegistration, gw.caPath,
		st.AppID, st.ComposeHash, st.InstanceID, st.GuestSocket, statePath, o.dir)
	if ready != nil {
		ready <- st
	}
	// SIGHUP restarts the gateway ("dstack dev restart-gateway").
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(out, "==> stopping")
			return nil
		case err := <-errc:
			fmt.Fprintln(out, "==> an app exited; stopping")
			return err
		case <-hup:
			step("restarting the gateway")
			if err := gw.restart(); err != nil {
				return fmt.Errorf("restarting the gateway: %w", err)
			}
			step("the gateway is back")
		}
	}
}

// devVMConfig is the vm_config of the development OS image, shared by the
// KMS and the CVM.
func devVMConfig() string {
	osImage := sha512.Sum512_256([]byte("dstack dev image"))
	return fmt.Sprintf(`{"os_image_hash":"%x","cpu_count":1,"memory_size":0}`, osImage)
}

// devGovernance is the dev chain with the contracts deployed and the demo
// app registered.
type devGovernance struct {
	chain *devChain
	ctl   *chainCtl
	rpc   string
	kms   common.Address
	app   common.Address
	// gatewayApp is the DstackApp registered for the gateway; its address
	// is the gateway app id.
	gatewayApp common.Address
	id         uint64
}

// startDevGovernance starts the dev chain, deploys DstackKms and registers
// an app that allows composeHash.
func startDevGovernance(ctx context.Context, composeHash [32]byte) (*devGovernance, error) {
	d, err := startDevChain("127.0.0.1:0", 2, time.Second)
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
	gwCompose := sha256.Sum256([]byte("dstack dev gateway"))
	if r, err = g.ctl.send(ctx, g.kms, K.PackDeployAndRegisterApp0(crypto.PubkeyToAddress(devAccountKey(0).PublicKey), false, true, true, [32]byte{}, gwCompose), "deploy-gateway-app"); err != nil {
		return fail(err)
	}
	if g.gatewayApp, err = deployedApp(r); err != nil {
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
	kb := kmsapi.BootInfoOf(ev, false)
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
	// Containers get their stop grace period; the state file goes once
	// everything stopped.
	for i := 0; i < 900; i++ {
		if _, err := os.Stat(filepath.Join(dir, "state.json")); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(out, "stopped process %d\n", st.PID)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("process %d did not stop within 90 s; see its output, or kill it", st.PID)
}
