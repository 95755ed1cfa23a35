package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/caddynode"
)

// GatewayNodeArg, as the first argument of an executable that calls
// RunGatewayNode, makes it one more gateway node of a stack started with
// --gateways: Caddy holds one config per process, so each node beyond the
// first runs in a process of its own.
const GatewayNodeArg = "__dstack-dev-gateway-node"

// maxGateways bounds --gateways.
const maxGateways = 5

// RunGatewayNode, when args (os.Args) are [exe GatewayNodeArg CONFIG],
// runs Caddy with the JSON config in the file CONFIG, writes the addresses
// it serves on to stdout as one JSON line, and runs until stdin closes (the
// stack stopped, or died), then exits the process. Otherwise it returns at
// once. The dstack command calls it first thing.
func RunGatewayNode(args []string) {
	if len(args) != 3 || args[1] != GatewayNodeArg {
		return
	}
	os.Exit(caddynode.Run(args[2], "gateway", os.Stdin, os.Stdout, os.Stderr))
}

// checkGateways checks --gateways and fills its defaults.
func checkGateways(o *Options) error {
	if o.Gateways == 0 {
		o.Gateways = 1
	}
	if o.Gateways < 1 || o.Gateways > maxGateways {
		return Usage(fmt.Errorf("--gateways %d: between 1 and %d gateway nodes", o.Gateways, maxGateways))
	}
	if o.Gateways > 1 && o.GatewayNode == nil {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding this executable, which runs the gateway nodes beyond the first: %w", err)
		}
		o.GatewayNode = []string{exe, GatewayNodeArg}
	}
	return nil
}

// gatewayCluster is the gateway nodes of a stack with --gateways N > 1: an
// etcd in this process, the first node in this process (Caddy, as with one
// node) and the others in processes of their own, all on Caddy storage in
// etcd sealed with one key.
type gatewayCluster struct {
	dir      string // <dir>/gateway-etcd
	etcd     *embed.Etcd
	endpoint string
	key      string // the sealing key, hex
	nodes    []*caddynode.Node
}

// startGatewayCluster starts etcd for the gateway nodes, afresh: the
// registry of a previous stack names CVMs of another chain.
func startGatewayCluster(dir string) (*gatewayCluster, error) {
	c := &gatewayCluster{dir: filepath.Join(dir, "gateway-etcd")}
	_ = os.RemoveAll(c.dir)
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	c.key = hex.EncodeToString(key)
	cfg := embed.NewConfig()
	cfg.Dir = filepath.Join(c.dir, "data")
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	local := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{local}, []url.URL{local}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{local}, []url.URL{local}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting etcd for the gateway nodes: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(time.Minute):
		e.Close()
		return nil, errors.New("starting etcd for the gateway nodes: not ready within a minute")
	}
	c.etcd, c.endpoint = e, "http://"+e.Clients[0].Addr().String()
	return c, nil
}

// editFirst makes the first gateway's config that of a cluster node: its
// storage is etcd, sealed (under the sealing it has, as with --acme, or
// else with the stack's key), and its dstack app joins the cluster.
func (c *gatewayCluster) editFirst(cfg map[string]any) {
	backend := map[string]any{"module": "etcd", "endpoints": []string{c.endpoint}, "insecure_plaintext": true, "prefix": "/dstack-dev"}
	if st, ok := cfg["storage"].(map[string]any); ok && st["module"] == "dstack_sealed" {
		st["backend"] = backend
	} else {
		cfg["storage"] = map[string]any{"module": "dstack_sealed", "insecure_key_hex": c.key, "backend": backend}
	}
	if apps, ok := cfg["apps"].(map[string]any); ok {
		if dstack, ok := apps["dstack"].(map[string]any); ok {
			dstack["cluster"] = map[string]any{}
		}
	}
}

// nodeConfig is the config of another node made from the first's (raw):
// its HTTPS server and registration RPC listen on ports of their own, and
// it logs to logPath.
func (c *gatewayCluster) nodeConfig(raw []byte, logPath string) ([]byte, error) {
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	cfg["logging"] = map[string]any{"logs": map[string]any{"default": map[string]any{
		"writer": map[string]any{"output": "file", "filename": logPath}, "level": "INFO",
	}}}
	apps, _ := cfg["apps"].(map[string]any)
	dstack, _ := apps["dstack"].(map[string]any)
	httpApp, _ := apps["http"].(map[string]any)
	servers, _ := httpApp["servers"].(map[string]any)
	gw, _ := servers["gateway"].(map[string]any)
	if dstack == nil || gw == nil || dstack["cluster"] == nil {
		return nil, errors.New("the first gateway's config has no dstack app in a cluster or no gateway server")
	}
	dstack["listen"] = "127.0.0.1:0"
	gw["listen"] = []string{"127.0.0.1:0"}
	return json.Marshal(cfg)
}

// startNode starts gateway node i (2, 3, …) in a process of its own, on
// the config of the first node (cfg) with addresses of its own.
func (c *gatewayCluster) startNode(command []string, cfg []byte, gwDir string, i int) (*caddynode.Node, error) {
	raw, err := c.nodeConfig(cfg, filepath.Join(gwDir, "caddy-"+strconv.Itoa(i)+".log"))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(gwDir, "caddy-"+strconv.Itoa(i)+".json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, err
	}
	errLog, err := os.Create(filepath.Join(gwDir, "caddy-"+strconv.Itoa(i)+".stderr"))
	if err != nil {
		return nil, err
	}
	defer errLog.Close()
	cmd := exec.Command(command[0], append(command[1:], path)...)
	cmd.Stderr = errLog
	n, err := caddynode.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("gateway node %d (see %s and %s): %w", i, errLog.Name(), filepath.Join(gwDir, "caddy-"+strconv.Itoa(i)+".log"), err)
	}
	return n, nil
}

// stop ends the nodes in processes, then etcd.
func (c *gatewayCluster) stop() {
	for _, n := range c.nodes {
		n.Stop()
	}
	c.etcd.Close()
	<-c.etcd.Server.StopNotify()
}

// startGatewayCluster starts etcd when the stack has more than one
// gateway node (nil otherwise); stopping the stack stops it and the nodes.
func (s *stack) startGatewayCluster() (*gatewayCluster, error) {
	if s.o.Gateways <= 1 {
		return nil, nil
	}
	c, err := startGatewayCluster(s.dir)
	if err != nil {
		return nil, err
	}
	s.onStop(c.stop)
	return c, nil
}

// joinGatewayCluster records the first gateway's cluster, and writes the
// internal CA's root the nodes share (in etcd) where the stack's clients
// read it; with --acme they read Pebble's.
func (s *stack) joinGatewayCluster(c *gatewayCluster) error {
	if c == nil {
		return nil
	}
	s.gw.cluster = c
	if s.acme != nil {
		return nil
	}
	return exportCA(s.gw.caPath)
}

// startGatewayNodes starts the gateway nodes beyond the first.
func (s *stack) startGatewayNodes(context.Context) error {
	c := s.gw.cluster
	for i := 2; i <= s.o.Gateways; i++ {
		n, err := c.startNode(s.o.GatewayNode, s.gw.config, filepath.Join(s.dir, "gateway"), i)
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, n)
		fmt.Fprintf(s.out, "    node %d: https://%s (registration https://%s)\n", i, n.Addrs.HTTP, n.Addrs.Registration)
	}
	return nil
}

// gatewayURLs are the HTTPS URLs of every gateway node, the first's first.
func (s *stack) gatewayURLs() []string {
	if s.gw == nil || s.gw.cluster == nil {
		return nil
	}
	out := []string{"https://" + s.o.Listen}
	for _, n := range s.gw.cluster.nodes {
		out = append(out, "https://"+n.Addrs.HTTP)
	}
	return out
}

// waitThroughEachGateway waits until the app answers through every gateway
// node.
func (s *stack) waitThroughEachGateway(ctx context.Context) error {
	if s.app != nil && len(s.app.ports) == 0 {
		return nil
	}
	for _, n := range s.gw.cluster.nodes {
		u, err := url.Parse(s.st.AppURL)
		if err != nil {
			return err
		}
		u.Host = u.Hostname() + ":" + portOf(n.Addrs.HTTP)
		if err := waitThroughGateway(ctx, s.st, u.String(), n.Addrs.HTTP, s.app == nil); err != nil {
			return fmt.Errorf("gateway node at %s: %w", n.Addrs.HTTP, err)
		}
	}
	return nil
}

// exportCA writes the internal CA's root, which the nodes keep in their
// shared storage, to caPath, where the stack's clients read it.
func exportCA(caPath string) error {
	ctx := caddy.ActiveContext()
	raw, err := ctx.Storage().Load(ctx, "pki/authorities/local/root.crt")
	if err != nil {
		return fmt.Errorf("reading the gateway's CA root from its storage: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(caPath), 0o700); err != nil {
		return err
	}
	return os.WriteFile(caPath, raw, 0o600)
}
