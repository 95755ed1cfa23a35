package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
)

// demoCompose is the app-compose.json of the development app.
const demoCompose = `{"manifest_version":2,"name":"hello","runner":"docker-compose","docker_compose_file":"services:\n  hello:\n    image: dstack/hello\n","kms_enabled":false,"gateway_enabled":false,"public_logs":false,"public_sysinfo":false,"no_instance_id":false}`

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
too. The app's identity is measured into RTMR3 exactly as the guest does it; the
CVM verifies the KMS's RA-TLS attestation, gets its app keys with GetAppKey over
mutual RA-TLS, measures the KMS it used (key-provider) and reaches system-ready. The app is served over RA-TLS with a
certificate that carries its evidence, and the evidence is offered at /evidence for
"dstack verify".

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
	step("booting the CVM (process mode) and measuring the app into RTMR3")
	cvm, err := bootSimulatedCVM(pki, compose, gov.app.Bytes(), filepath.Join(o.dir, "runtime_events.log"))
	if err != nil {
		return err
	}
	defer cvm.log.Close()
	step("starting the KMS (simulated TEE) and allowing it and the OS image on chain")
	kmsSrv, err := startDevKMS(ctx, o.dir, seed, cvm, gov)
	if err != nil {
		return err
	}
	defer kmsSrv.Stop(context.Background())
	step("publishing the KMS root public keys on chain (setKmsInfo)")
	boot := kmsSrv.Service.Bootstrap
	// The bootstrap attestation stays in .dstack-dev/kms/bootstrap-info.json:
	// storing several kilobytes costs more gas than one transaction may use
	// on current forks.
	if _, err := gov.ctl.send(ctx, gov.kms, dstackkms.NewDstackKms().PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{
		K256Pubkey: boot.K256Pubkey, CaPubkey: boot.CAPubkey,
	}), "set-kms-info"); err != nil {
		return err
	}
	reader, err := chain.New(ctx, gov.ctl.client, chain.Config{ChainID: gov.ctl.chainID, KmsContract: gov.kms})
	if err != nil {
		return err
	}
	step("fetching the app's keys from the KMS over mutual RA-TLS")
	if err := cvm.getKeys(ctx, kmsSrv.URL, reader); err != nil {
		return err
	}
	cert, err := ratls.Issue(ctx, cvm.attester(), ratls.CertOptions{
		Subject: "dstack dev app", SubjectAltNames: []string{"localhost", "127.0.0.1"}, ServerAuth: true,
		AppID: cvm.appID[:], SpecialUsage: ratls.UsageAppCustom,
	}, nil, nil)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another stack running? try \"dstack dev down\" or --listen 127.0.0.1:OTHERPORT)", o.listen, err)
	}
	srv := &http.Server{Handler: cvm.handler(), ReadHeaderTimeout: 10 * time.Second}
	srv.TLSConfig = (&ratls.Verifier{}).ServerConfig(cert, false)
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()

	base := "https://" + ln.Addr().String()
	st := devState{
		PID: os.Getpid(), KMSURL: kmsSrv.URL, ChainRPC: gov.rpc, KmsContract: gov.kms.Hex(), AppID: hex.EncodeToString(cvm.appID[:]), InstanceID: hex.EncodeToString(cvm.instanceID[:]),
		ComposeHash: hex.EncodeToString(cvm.composeHash[:]), AppURL: base + "/", EvidenceURL: base + "/evidence",
		InsecureTrustRoots: rootsPath, Collateral: collateralDir, RuntimeEventLog: cvm.logPath,
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
  state         %s
Stop with Ctrl-C or "dstack dev down".
`, st.ChainRPC, st.KmsContract, st.KMSURL, st.AppID, st.ComposeHash, st.InstanceID, st.AppURL, st.EvidenceURL, rootsPath, collateralDir, statePath)
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
	return srv.Shutdown(shutdown)
}

// simCVM is a CVM booted in process mode on the simulated TDX module.
type simCVM struct {
	opts        attest.Options
	keys        *kms.AppKeyResponse
	log         *os.File
	tee         *mock.TEE
	mu          sync.Mutex
	events      []eventlog.RuntimeEvent
	appID       [20]byte
	instanceID  [20]byte
	composeHash [32]byte
	config      string
	logPath     string
}

func bootSimulatedCVM(pki *mock.PKI, compose, pinnedAppID []byte, logPath string) (*simCVM, error) {
	// Fixed boot measurements of the development OS image.
	var mrtd, r0, r1, r2 [48]byte
	for i, dst := range []*[48]byte{&mrtd, &r0, &r1, &r2} {
		*dst = sha512.Sum384([]byte("dstack dev image register " + strconv.Itoa(i)))
	}
	c := &simCVM{tee: pki.NewTEE(mrtd, r0, r1, r2), logPath: logPath, composeHash: identity.ComposeHash(compose)}
	var err error
	if c.appID, err = identity.AppID(pinnedAppID, c.composeHash); err != nil {
		return nil, err
	}
	seed := make([]byte, 20)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	c.instanceID = identity.InstanceID(seed, c.appID, nil)
	osImage := sha512.Sum512_256([]byte("dstack dev image"))
	c.config = fmt.Sprintf(`{"os_image_hash":"%x","cpu_count":1,"memory_size":0}`, osImage)
	if c.log, err = os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600); err != nil {
		return nil, err
	}
	c.opts = attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()},
		Collateral:         collateral.NewCache(pki.Source(), collateral.CacheOptions{}),
	}
	err = c.measure(
		eventlog.RuntimeEvent{Name: attest.EventSystemPreparing},
		eventlog.RuntimeEvent{Name: attest.EventAppID, Payload: c.appID[:]},
		eventlog.RuntimeEvent{Name: attest.EventComposeHash, Payload: c.composeHash[:]},
		eventlog.RuntimeEvent{Name: attest.EventInstanceID, Payload: c.instanceID[:]},
		eventlog.RuntimeEvent{Name: attest.EventBootMRDone},
	)
	return c, err
}

// measure extends RTMR3 with events and appends them to the runtime log.
func (c *simCVM) measure(events ...eventlog.RuntimeEvent) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range events {
		if err := c.tee.Extend(eventlog.RuntimeIMR, e.Digest()); err != nil {
			return err
		}
		if err := eventlog.AppendRuntimeLog(c.log, e); err != nil {
			return err
		}
		c.events = append(c.events, e)
	}
	return nil
}

// getKeys does what the guest does with a KMS key provider: verify the
// KMS's own RA-TLS attestation, ask for the app keys over mutual RA-TLS, and
// measure the KMS it used (os-image-hash, key-provider) before system-ready.
//
// Unlike upstream, the KMS must be allowed by the chain (isKmsAllowed on its
// verified evidence) before the CVM asks it anything, and the root CA it
// answers with must be the one published on chain with setKmsInfo and must
// have issued its RPC certificate.
func (c *simCVM) getKeys(ctx context.Context, kmsURL string, reader *chain.Reader) error {
	client, err := ratls.Issue(ctx, c.attester(), ratls.CertOptions{Subject: "RA-TLS TEMP Cert", ClientAuth: true}, nil, nil)
	if err != nil {
		return err
	}
	var kmsClaims *ratls.Claims
	v := &ratls.Verifier{Attestation: c.opts, Policy: func(cl *ratls.Claims) error {
		if cl.Extensions.SpecialUsage != ratls.UsageKMSRPC {
			return fmt.Errorf("the KMS certificate is not for kms:rpc")
		}
		ans, err := reader.IsKmsAllowed(ctx, kms.BootInfoOf(cl.Evidence, false).Solidity())
		if err != nil {
			return fmt.Errorf("asking the chain about the KMS: %w", err)
		}
		if !ans.Allowed {
			return fmt.Errorf("the KMS is not allowed on chain (block %d): %s", ans.Block, ans.Reason)
		}
		kmsClaims = cl
		return nil
	}}
	rpc := &prpc.Client{BaseURL: kmsURL + "/prpc", HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: v.ClientConfig(client)}}}
	var keys kms.AppKeyResponse
	if err := rpc.Call(ctx, "GetAppKey", &kms.GetAppKeyRequest{APIVersion: 1, VMConfig: c.config}, &keys); err != nil {
		return fmt.Errorf("getting app keys: %w", err)
	}
	if kmsClaims == nil {
		return fmt.Errorf("getting app keys: the KMS was not attested")
	}
	ca, _ := pem.Decode([]byte(keys.CACert))
	if ca == nil {
		return fmt.Errorf("getting app keys: no KMS root CA in the answer")
	}
	root, err := x509.ParseCertificate(ca.Bytes)
	if err != nil {
		return fmt.Errorf("getting app keys: KMS root CA: %w", err)
	}
	info, block, err := reader.KmsInfo(ctx)
	if err != nil {
		return fmt.Errorf("getting app keys: reading the published KMS info: %w", err)
	}
	if !bytes.Equal(info.CaPubkey, root.RawSubjectPublicKeyInfo) {
		return fmt.Errorf("getting app keys: the KMS root CA is not the one published on chain (block %d)", block)
	}
	if err := kmsClaims.Certificate.CheckSignatureFrom(root); err != nil {
		return fmt.Errorf("getting app keys: the KMS RPC certificate is not issued by its root CA: %w", err)
	}
	c.keys = &keys
	return c.measure(
		eventlog.RuntimeEvent{Name: attest.EventOSImageHash, Payload: keys.OSImageHash},
		eventlog.RuntimeEvent{Name: attest.EventKeyProvider, Payload: identity.KMSKeyProviderInfo(root.RawSubjectPublicKeyInfo).Marshal()},
		eventlog.RuntimeEvent{Name: attest.EventSystemReady},
	)
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
func startDevKMS(ctx context.Context, dir, seed string, app *simCVM, gov *devGovernance) (*kms.Server, error) {
	kmsConfig := app.config
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

func (c *simCVM) attester() attest.Attester {
	return &attest.TDXAttester{
		Quote: func(_ context.Context, rd [64]byte) ([]byte, error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.tee.Quote(rd)
		},
		RuntimeEvents: func() []eventlog.RuntimeEvent {
			c.mu.Lock()
			defer c.mu.Unlock()
			return append([]eventlog.RuntimeEvent(nil), c.events...)
		},
		Config: c.config,
	}
}

// handler serves the demo app and its evidence in the guest agent's
// GetQuote format.
func (c *simCVM) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		env, _ := kdf.EnvPublicKey([32]byte(c.keys.EnvCryptKey))
		fmt.Fprintf(w, "hello from a confidential app\napp_id %x\ninstance_id %x\nkeys from the KMS: env public key %x\n", c.appID, c.instanceID, env)
	})
	mux.HandleFunc("GET /evidence", func(w http.ResponseWriter, r *http.Request) {
		var rd [64]byte
		if s := r.URL.Query().Get("report_data"); s != "" {
			b, err := hex.DecodeString(s)
			if err != nil || len(b) > 64 {
				http.Error(w, `{"error":"report_data: at most 64 hex-encoded bytes"}`, http.StatusBadRequest)
				return
			}
			copy(rd[:], b)
		}
		a, err := c.attester().Attest(r.Context(), rd)
		if err != nil {
			http.Error(w, `{"error":"attestation failed"}`, http.StatusInternalServerError)
			return
		}
		logJSON, _ := json.Marshal(a.TDX.EventLog)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"quote":       hex.EncodeToString(a.TDX.Quote),
			"event_log":   string(logJSON),
			"report_data": hex.EncodeToString(rd[:]),
			"vm_config":   a.Config,
		})
	})
	return mux
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
