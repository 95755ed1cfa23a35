package devstack

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	// Caddy's standard modules and ours, for the gateway run in process.
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/dstack-go/dstack/caddymodules"

	gatewaymod "github.com/dstack-go/dstack/caddymodules/gateway"
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/agent"
	"github.com/dstack-go/dstack/guestos/appenv"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/containerapp"
	"github.com/dstack-go/dstack/guestos/gatewaylink"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
)

// baseDomain is the gateway's base domain: apps are served at
// https://<app_id>.dstack.localhost:PORT/.
const baseDomain = "dstack.localhost"

// hostInstanceInfo is where, in a CVM's directory, the host keeps the
// instance info the guest reported.
const hostInstanceInfo = "host-instance-info.json"

// Instance is one CVM of the app in state.json.
type Instance struct {
	InstanceID  string `json:"instance_id"`
	GuestSocket string `json:"guest_socket"`
	Dir         string `json:"dir"`
	// TunnelAddress is where the CVM's tunnel server listens.
	TunnelAddress string `json:"tunnel_address,omitempty"`
	// BootSeconds is how long the CVM took to reach system-ready: from
	// the boot sequence's start in process mode, from qemu's start in VM
	// mode.
	BootSeconds float64 `json:"boot_seconds"`
	// QEMUPID is the pid of the VM's qemu, the leader of its process
	// group, and Console the file its serial console is copied to (VM
	// mode only).
	QEMUPID int    `json:"qemu_pid,omitempty"`
	Console string `json:"console,omitempty"`
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// freeLoopbackPort returns a port free on 127.0.0.1 a moment ago.
func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// gateway is the gateway: Caddy, in this process, with the dstack app.
type gateway struct {
	registrationURL string
	caPath          string
	appID           []byte
	stop            func()
	restart         func() error
	// cluster is the gateway nodes' etcd and the nodes beyond this one
	// (--gateways), nil for one node; config is this node's Caddy config,
	// on which the other nodes' are made.
	cluster *gatewayCluster
	config  []byte
}

// startGateway sets the gateway app id on chain (the DstackApp
// registered for the gateway) and loads Caddy with the dstack app, the
// dstack reverse-proxy transport and upstreams, for *.dstack.localhost on
// listen with a certificate from Caddy's internal CA; edits change its
// config before it loads.
func startGateway(ctx context.Context, dir, listen, seed, rootsPath, collateralDir string, gov *governance, edits ...func(cfg map[string]any)) (*gateway, error) {
	g := &gateway{appID: gov.gatewayApp.Bytes()}
	if _, err := gov.ctl.Send(ctx, gov.kms, dstackkms.NewDstackKms().PackSetGatewayAppId(hex.EncodeToString(g.appID)), "set-gateway-app-id"); err != nil {
		return nil, err
	}
	gwDir := filepath.Join(dir, "gateway")
	// The registry of a previous stack names CVMs of another chain.
	_ = os.RemoveAll(gwDir)
	if err := os.MkdirAll(gwDir, 0o700); err != nil {
		return nil, err
	}
	// The registration port is chosen here so that it stays the same when
	// the gateway restarts.
	regPort, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	regListen := "127.0.0.1:" + strconv.Itoa(regPort)
	cfg, err := gatewayConfig(gwDir, listen, regListen, seed, rootsPath, collateralDir, gov, edits...)
	if err != nil {
		return nil, err
	}
	g.config = cfg
	if err := os.WriteFile(filepath.Join(gwDir, "caddy.json"), cfg, 0o600); err != nil {
		return nil, err
	}
	if err := caddy.Load(cfg, true); err != nil {
		return nil, fmt.Errorf("starting the gateway (Caddy; its log is %s): %w", filepath.Join(gwDir, "caddy.log"), err)
	}
	g.stop = func() { _ = caddy.Stop() }
	g.restart = func() error {
		// A stop and a fresh load of the same config and storage, as a
		// restarted gateway process does: the registry comes back from
		// storage, not from the CVMs.
		if err := caddy.Stop(); err != nil {
			return err
		}
		return caddy.Load(cfg, true)
	}
	app, err := caddy.ActiveContext().App("dstack")
	if err != nil {
		g.stop()
		return nil, err
	}
	g.registrationURL = "https://" + app.(*gatewaymod.App).RegistrationAddr()
	g.caPath = filepath.Join(gwDir, "pki", "authorities", "local", "root.crt")
	return g, nil
}

// gatewayConfig is the gateway's Caddy JSON config, changed by edits.
func gatewayConfig(gwDir, listen, regListen, seed, rootsPath, collateralDir string, gov *governance, edits ...func(cfg map[string]any)) ([]byte, error) {
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"storage": map[string]any{"module": "file_system", "root": gwDir},
		// Not rolled: a rolling writer reopens (and recreates) its file
		// at the next write, and Caddy's global logger keeps the stopped
		// gateway's writer, so a late log line of a background task
		// (certmagic's maintenance says it stopped) would write below a
		// stack directory being removed.
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{
			"writer": map[string]any{"output": "file", "filename": filepath.Join(gwDir, "caddy.log"), "roll": false}, "level": "INFO",
		}}},
		"apps": map[string]any{
			"dstack": map[string]any{
				"base_domain": baseDomain,
				"listen":      regListen,
				"chain": map[string]any{
					"rpc_url": gov.rpc, "chain_id": gov.id, "kms_contract": gov.kms.Hex(), "poll_interval": "500ms",
				},
				"attestation":                 map[string]any{"insecure_trust_roots": rootsPath, "collateral_dir": collateralDir},
				"insecure_simulated_tee_seed": seed,
			},
			"pki": map[string]any{"certificate_authorities": map[string]any{"local": map[string]any{"install_trust": false}}},
			"tls": map[string]any{"automation": map[string]any{"policies": []any{map[string]any{
				"subjects": []string{"*." + baseDomain}, "issuers": []any{map[string]any{"module": "internal"}},
			}}}},
			"http": map[string]any{"servers": map[string]any{"gateway": map[string]any{
				"listen": []string{listen},
				// As Caddyfile.example: headers within 10s, idle for 2m at
				// most; no body or answer deadline, which apps may need.
				"read_header_timeout": "10s", "idle_timeout": "2m",
				"routes": []any{map[string]any{
					"match": []any{map[string]any{"host": []string{"*." + baseDomain}}},
					"handle": []any{map[string]any{
						"handler": "reverse_proxy", "dynamic_upstreams": map[string]any{"source": "dstack"},
						"transport": map[string]any{"protocol": "dstack"},
					}},
					"terminal": true,
				}},
				"automatic_https": map[string]any{"disable_redirects": true},
			}}},
		},
	}
	for _, edit := range edits {
		edit(cfg)
	}
	return json.Marshal(cfg)
}

// cvmConfig says how to boot one CVM of the dev stack.
type cvmConfig struct {
	dir          string
	compose      []byte
	appID        []byte
	kmsURL       string
	vmConfig     string
	gatewayURL   string
	pki          *mock.PKI
	chain        *chain.Reader
	envPubKey    []byte // the app's env encryption key (GetAppEnvEncryptPubKey)
	keepInstance bool   // reuse the instance info of an earlier boot in dir, as a VMM keeps it
	log          *zap.Logger
	builtin      bool           // the built-in demo handler instead of containers
	demo         bool           // the demo app: its port comes from the encrypted env
	registry     registryChoice // where the app's images come from
	// env is the app's env, encrypted to envPubKey as a deployer does, and
	// ports map the app's published ports to where its services listen on
	// this machine, for the tunnel; the demo sets its own.
	env   map[string]string
	ports map[uint16]string
	// dockerRegistry is the registry mirror the sys-config names (VM
	// mode: the stack's registry as the guest reaches it).
	dockerRegistry string
	// threshold, when set, is the sys-config's kms_threshold: the keys
	// come from a threshold KMS.
	threshold *hostinput.ThresholdKMS
	// guestSettings are the guest's settings the sys-config carries (VM
	// mode), nil for none.
	guestSettings *hostinput.GuestSettings
}

// cvm is a booted CVM running its app: in this process (process mode),
// or as a qemu VM.
type cvm struct {
	dir         string
	socket      string
	appID       [20]byte
	instanceID  []byte
	composeHash [32]byte
	eventLog    string // the runtime event log, on the host in process mode
	builtinAddr string
	tunnelAddr  string
	// wait returns when the app exits (process mode) or the VM stops.
	wait func() error
	stop func()
	// vm is the VM's qemu (VM mode only).
	vm *qemuVM
	// bootTime is how long the CVM took to reach system-ready: from the
	// boot sequence's start in process mode, from qemu's start in VM mode.
	bootTime time.Duration
}

// bootCVM writes what a VMM would share with the CVM, boots it through
// guestos/boot, serves its agent, and starts its app with the container
// runner (or the built-in demo handler) and the gateway link.
func bootCVM(ctx context.Context, c cvmConfig) (_ *cvm, err error) {
	d := &cvm{dir: c.dir, socket: filepath.Join(c.dir, "dstack.sock")}
	var stops stopList
	d.stop = stops.run
	defer func() {
		if err != nil {
			d.stop()
		}
	}()
	var booted *boot.CVM
	var app boot.RunningApp
	defer func() {
		if err == nil {
			d.appID, d.instanceID, d.composeHash = booted.AppID, booted.InstanceID, booted.ComposeHash
			d.eventLog, d.wait = booted.Platform.LogPath(), app.Wait
		}
	}()
	env, ports := c.env, c.ports
	if c.demo {
		// Every container of the dev stack shares this machine's network
		// (the guest's, in process mode), so each instance's demo listens
		// on its own loopback port, given in its encrypted env; the tunnel
		// relays the app's port 80 there.
		port, err := freeLoopbackPort()
		if err != nil {
			return nil, err
		}
		env = map[string]string{"PORT": strconv.Itoa(port)}
		ports = map[uint16]string{80: "127.0.0.1:" + strconv.Itoa(port)}
	}
	bootStart := time.Now()
	if booted, err = bootGuest(ctx, c, env, d.socket, &stops); err != nil {
		return nil, err
	}
	d.bootTime = time.Since(bootStart)
	if c.builtin {
		running, err := booted.StartApp(ctx, &boot.BuiltinDemoApp{Listen: "127.0.0.1:0"}, d.socket, nil)
		if err != nil {
			return nil, err
		}
		app, d.builtinAddr = running, running.(*boot.DemoApp).Addr()
		stops = append(stops, func() { stopApp(running) })
		return d, nil
	}
	link := &gatewaylink.Registrar{Listen: "127.0.0.1:0", Ports: ports, Gateway: c.chain, Retry: 2 * time.Second, Logger: c.log}
	stops = append(stops, func() { link.Close() })
	runner := &containerapp.Runner{
		StateDir: filepath.Join(c.dir, "containers"), Logger: c.log,
		// The CVMs of the dev stack share this kernel: each instance's
		// containers get their own cgroups.
		Project:  containerapp.ProjectName(booted.Compose.Name) + "-" + instanceTag(booted.InstanceID, c.dir),
		Registry: c.registry.options(),
	}
	if app, err = booted.StartApp(ctx, runner, d.socket, link); err != nil {
		return nil, err
	}
	running := app
	stops = append(stops, func() { stopApp(running) })
	d.tunnelAddr = link.TunnelAddr()
	return d, nil
}

// bootGuest writes what a VMM would share with the TD of c (env in its
// encrypted env), boots it through guestos/boot, keeps the instance info
// it reports, and serves its guest agent on socket; stops gets what to
// stop.
func bootGuest(ctx context.Context, c cvmConfig, env map[string]string, socket string, stops *stopList) (*boot.CVM, error) {
	hostShared, err := writeHostShared(filepath.Join(c.dir, "host-shared"), c, env)
	if err != nil {
		return nil, err
	}
	in, err := hostinput.Read(hostShared)
	if err != nil {
		return nil, err
	}
	platform, err := guestos.NewPlatform(c.pki.NewTD(), filepath.Join(c.dir, "run"), in.SysConfig.VMConfig)
	if err != nil {
		return nil, err
	}
	opts := attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: c.pki.Roots()},
		Collateral:         collateral.NewCache(c.pki.Source(), collateral.CacheOptions{}),
	}
	booted, err := boot.Boot(ctx, boot.Config{
		Inputs: in, Platform: platform, Chain: c.chain, Logger: c.log, Attestation: opts,
		Storage: boot.InsecurePlainDir{Dir: filepath.Join(c.dir, "data")},
	})
	if err != nil {
		return nil, err
	}
	// The host keeps the instance info the guest reports, so that a
	// restarted instance has the same instance id (and disk key).
	if err := os.WriteFile(filepath.Join(c.dir, hostInstanceInfo), booted.InstanceInfo.Marshal(), 0o600); err != nil {
		return nil, err
	}
	agentSrv, err := agent.New(booted, c.log).Serve(agent.Config{Socket: socket, TappdSocket: filepath.Join(c.dir, "tappd.sock")})
	if err != nil {
		return nil, err
	}
	*stops = append(*stops, func() { agentSrv.Close(context.Background()) })
	return booted, nil
}

// stopList is what a CVM's boot started, to stop last first.
type stopList []func()

func (l *stopList) run() {
	for i := len(*l) - 1; i >= 0; i-- {
		(*l)[i]()
	}
}

// instanceTag names an instance in 8 hex digits: its instance id's first,
// or its directory's hash with no_instance_id.
func instanceTag(instanceID []byte, dir string) string {
	if len(instanceID) >= 4 {
		return hex.EncodeToString(instanceID[:4])
	}
	h := sha256.Sum256([]byte(dir))
	return hex.EncodeToString(h[:4])
}

func stopApp(app boot.RunningApp) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = app.Stop(ctx)
}

// writeHostShared writes what a VMM would share with the CVM: the
// app-compose, the sys-config naming the KMS (none when kmsURL is empty)
// or the threshold KMS, and the gateway, the pinned
// app id, and env encrypted to the app's env key (from the KMS, as a
// deployer's tooling gets it).
func writeHostShared(dir string, c cvmConfig, env map[string]string) (string, error) {
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	gateways := []string{}
	if c.gatewayURL != "" {
		gateways = append(gateways, c.gatewayURL)
	}
	kmsURLs := []string{}
	if c.kmsURL != "" {
		kmsURLs = append(kmsURLs, c.kmsURL)
	}
	sysConfig := map[string]any{"kms_urls": kmsURLs, "gateway_urls": gateways, "vm_config": c.vmConfig}
	if c.dockerRegistry != "" {
		sysConfig["docker_registry"] = c.dockerRegistry
	}
	if c.threshold != nil {
		sysConfig["kms_threshold"] = c.threshold
	}
	if c.guestSettings != nil {
		sysConfig["dstack_go_guest"] = c.guestSettings
	}
	sys, _ := json.Marshal(sysConfig)
	info, _ := json.Marshal(map[string]string{"app_id": hex.EncodeToString(c.appID)})
	files := map[string][]byte{hostinput.AppComposeFile: c.compose, hostinput.SysConfigFile: sys, hostinput.InstanceInfoFile: info}
	if c.keepInstance {
		if b, err := os.ReadFile(filepath.Join(c.dir, hostInstanceInfo)); err == nil {
			files[hostinput.InstanceInfoFile] = b
		}
	}
	if len(env) > 0 {
		var vars []appenv.Var
		for k, v := range env {
			vars = append(vars, appenv.Var{Key: k, Value: v})
		}
		var err error
		if files[hostinput.EncryptedEnvFile], err = appenv.Encrypt(vars, c.envPubKey); err != nil {
			return "", err
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// gatewayClient is an HTTPS client that reaches the gateway at addr for any
// name and trusts Caddy's internal CA.
func gatewayClient(addr, caPath string) (*http.Client, error) {
	pem, err := os.ReadFile(caPath)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no certificate", caPath)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}, nil
}

// waitThroughGateway waits until the app answers through the gateway: the
// demo app with its own app id, another app with any answer that is not a
// server error (a 5xx from the gateway means that it could not reach the
// app). It fails with the last answer when the app does not answer in
// time.
func waitThroughGateway(ctx context.Context, st State, url, addr string, demo bool) error {
	limit := 2 * time.Minute
	client, err := gatewayClient(addr, st.GatewayCA)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var res *http.Response
		if res, err = client.Get(url); err == nil {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
			switch {
			case demo && res.StatusCode == http.StatusOK && strings.Contains(string(body), st.AppID):
				return nil
			case !demo && res.StatusCode < 500:
				return nil
			}
			err = fmt.Errorf("HTTP %d: %s", res.StatusCode, strings.TrimSpace(string(body)))
		}
		last = err
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
	hint := ""
	if !demo {
		hint = "; the gateway relays port 80 of the app at " + st.AppHost + " (port P at <app_id>-P." + baseDomain + "): does a service publish port 80?"
	}
	return fmt.Errorf("the app did not answer through the gateway at %s within %s: %w (see the container logs under %s/containers/logs and the gateway's log%s)", url, limit, last, st.Instances[0].Dir, hint)
}
