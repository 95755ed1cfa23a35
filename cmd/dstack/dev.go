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
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
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

It boots a confidential VM in process mode on a simulated TDX module whose quotes
are signed by a mock Intel PKI: the app's identity (app id, compose hash, instance
id, key provider) is measured into RTMR3 exactly as the guest does it, the app is
served over RA-TLS with a certificate that carries that evidence, and the evidence
is offered at /evidence for "dstack verify".

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
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		return err
	}
	pki, err := mock.NewPKI(seed)
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

	step("booting the CVM (process mode) and measuring the app into RTMR3")
	cvm, err := bootSimulatedCVM(pki, compose, filepath.Join(o.dir, "runtime_events.log"))
	if err != nil {
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
		PID: os.Getpid(), AppID: hex.EncodeToString(cvm.appID[:]), InstanceID: hex.EncodeToString(cvm.instanceID[:]),
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
  app id        %s
  compose hash  %s
  instance id   %s
  app           curl -k %s
  evidence      curl -sk %s > evidence.json
  verify        dstack verify --insecure-trust-roots %s --collateral %s evidence.json
  state         %s
Stop with Ctrl-C or "dstack dev down".
`, st.AppID, st.ComposeHash, st.InstanceID, st.AppURL, st.EvidenceURL, rootsPath, collateralDir, statePath)
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
	tee         *mock.TEE
	mu          sync.Mutex
	events      []eventlog.RuntimeEvent
	appID       [20]byte
	instanceID  [20]byte
	composeHash [32]byte
	config      string
	logPath     string
}

func bootSimulatedCVM(pki *mock.PKI, compose []byte, logPath string) (*simCVM, error) {
	// Fixed boot measurements of the development OS image.
	var mrtd, r0, r1, r2 [48]byte
	for i, dst := range []*[48]byte{&mrtd, &r0, &r1, &r2} {
		*dst = sha512.Sum384([]byte("dstack dev image register " + strconv.Itoa(i)))
	}
	c := &simCVM{tee: pki.NewTEE(mrtd, r0, r1, r2), logPath: logPath, composeHash: identity.ComposeHash(compose)}
	var err error
	if c.appID, err = identity.AppID(nil, c.composeHash); err != nil {
		return nil, err
	}
	seed := make([]byte, 20)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	c.instanceID = identity.InstanceID(seed, c.appID, nil)
	osImage := sha512.Sum512_256([]byte("dstack dev image"))
	c.config = fmt.Sprintf(`{"os_image_hash":"%x","cpu_count":1,"memory_size":0}`, osImage)
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	kp := identity.KeyProviderInfo{Name: string(identity.KeyProviderNone)}.Marshal()
	for _, e := range []eventlog.RuntimeEvent{
		{Name: attest.EventSystemPreparing},
		{Name: attest.EventAppID, Payload: c.appID[:]},
		{Name: attest.EventComposeHash, Payload: c.composeHash[:]},
		{Name: attest.EventInstanceID, Payload: c.instanceID[:]},
		{Name: attest.EventBootMRDone},
		{Name: attest.EventKeyProvider, Payload: kp},
		{Name: attest.EventSystemReady},
	} {
		if err := c.tee.Extend(eventlog.RuntimeIMR, e.Digest()); err != nil {
			return nil, err
		}
		if err := eventlog.AppendRuntimeLog(log, e); err != nil {
			return nil, err
		}
		c.events = append(c.events, e)
	}
	return c, nil
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
		fmt.Fprintf(w, "hello from a confidential app\napp_id %x\ninstance_id %x\n", c.appID, c.instanceID)
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
