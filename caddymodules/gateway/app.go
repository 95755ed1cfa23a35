// Package gateway is the dstack gateway as Caddy modules: the "dstack" app
// (the registry of CVM instances, the RegisterCvm and DeregisterCvm RPCs,
// the chain watcher, passive health: an instance whose dial fails is left
// out at once, see PassiveHealth),
// the attested reverse-proxy transport (http.reverse_proxy.transport.dstack)
// and dynamic upstreams (http.reverse_proxy.upstreams.dstack, with the
// active health checks Caddy does not run for dynamic upstreams, probing
// each instance over the same attested tunnel), the
// chain-policy matcher (http.matchers.dstack_app), upstream's special names
// gateway.<base> and health.<base> (http.handlers.dstack_node), the admin
// view of the registry (admin.api.dstack), and the layer4 routes for
// terminated and passthrough TCP (layer4.matchers.dstack,
// layer4.handlers.dstack, layer4.handlers.dstack_detach, on caddy-l4, with
// tls.handshake_match.dstack_h2 to advertise h2 for "g" names).
//
// Several gateway nodes make one cluster with the app's cluster option:
// they share the registry through Caddy's storage on etcd
// (caddy.storage.etcd, sealed by caddy.storage.dstack_sealed), each learns
// every registration from the storage's watch and applies expiry and the
// chain's decisions to it, and each announces itself under a lease, which
// GetPeers lists. A registration the storage cannot take is refused, never
// routed half-written; a node that cannot reach the storage goes on
// routing what it knows.
//
// Ports are denied by default. A CVM registers with its app-compose.json,
// whose SHA-256 must be the compose hash its attestation proves, and only
// the ports that document publishes are routed (tunnel.ComposeRoutes: the
// docker_compose_file's published TCP ports and port_policy's ports, or
// with port_policy.restrict_mode only the latter); a request for another
// is answered 403 (X-Dstack-Refused: port) and logged, and the layer4
// routes refuse to dial it. The guest's tunnel relays no other port either.
// port_policy's pp ports get a PROXY protocol v2 header on their layer4
// streams.
//
// Requests reach a CVM only through the attested tunnel (internal/tunnel):
// mutual RA-TLS, the CVM's attestation checked on every new connection
// against the app being routed to, its compose hash against the chain at
// the current block, the configured TCB policy, and an os_image_hash the
// evidence binds (package measure: the registers the image implies were
// recomputed and matched), unless insecure_allow_unbound_os_image. It must
// never route to a CVM whose evidence it could not verify, never accept a
// registration the chain does not allow, and never pass a client's copy of
// the claims headers to a backend.
package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/jonboulle/clockwork"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

func init() {
	caddy.RegisterModule(new(App))
}

// Defaults of the app.
const (
	DefaultListen       = "127.0.0.1:8010"
	DefaultPollInterval = 2 * time.Second
	DefaultInstanceTTL  = 10 * time.Minute
	// DefaultExternalPort is the port clients reach apps on.
	DefaultExternalPort = 443
)

// Version is the gateway's version, as the Info RPC reports it.
const Version = "0.1.0"

// App is the "dstack" Caddy app: the gateway's registry of CVM instances.
//
//	{"apps": {"dstack": {"base_domain": "gw.example.com", "listen": "0.0.0.0:8010",
//	    "chain": {"rpc_url": "http://127.0.0.1:8545", "chain_id": 1337, "kms_contract": "0x…"}}}}
type App struct {
	// BaseDomain is the zone apps are served under: <app_id>.<base_domain>.
	// Required.
	BaseDomain string `json:"base_domain"`
	// Listen is where the RegisterCvm RPC is served over mutual RA-TLS.
	// Default 127.0.0.1:8010.
	Listen string `json:"listen,omitempty"`
	// Chain locates the governance contracts. Required: the chain decides
	// which apps may register, and the gateway's own app id. Its
	// poll_interval defaults to 2s here.
	Chain settings.Chain `json:"chain"`
	// Attestation configures evidence verification.
	Attestation settings.Attestation `json:"attestation,omitzero"`
	// TCBStatus lists the TCB statuses accepted from CVMs. Default
	// ["UpToDate"].
	TCBStatus []string `json:"tcb_status,omitempty"`
	// TunnelAddressAllow lists networks (CIDR, "10.0.0.0/8") whose
	// addresses a registration may name as its tunnel_address host besides
	// the address the registration came from. Default none: a CVM's tunnel
	// is dialed only at the address its registration came from, so a
	// registration cannot make the gateway connect to another host.
	TunnelAddressAllow []string `json:"tunnel_address_allow,omitempty"`
	// InstanceTTL is how long a registration lasts unless renewed. Default
	// 10m.
	InstanceTTL caddy.Duration `json:"instance_ttl,omitempty"`
	// ExternalPort is the port clients reach apps on (<app_id>.<base_domain>
	// at this port), as the Info RPC reports it (upstream's
	// proxy.external_port). Default 443.
	ExternalPort int `json:"external_port,omitempty"`
	// VMConfig is the vm_config JSON carried in the gateway's own evidence
	// on TDX. Default empty.
	VMConfig string `json:"vm_config,omitempty"`
	// InsecureSimulatedTEESeed runs the gateway on a simulated TD on the
	// mock PKI derived from this seed, measuring the gateway app id the chain
	// names, and trusts that PKI's evidence. Development only: nothing it
	// attests proves anything. Default: the TDX guest (configfs-tsm).
	InsecureSimulatedTEESeed string `json:"insecure_simulated_tee_seed,omitempty"`
	// AgentSocket is the guest agent of the CVM the gateway runs in: its
	// Attest gives the gateway's own evidence (its RA-TLS certificate, the
	// quotes of its acme-info), so that the TD whose keys seal its storage
	// (dstack_sealed reads the same agent) is the TD that attests. The
	// evidence must still prove the gateway app id the chain names, or the
	// gateway does not start. Default empty: the TDX guest device, or the
	// simulated TD of InsecureSimulatedTEESeed.
	AgentSocket string `json:"agent_socket,omitempty"`
	// PassiveHealth marks an instance down at its first failed dial, sends
	// the request to another live instance of the app, and routes the
	// instance again after a cool-down (PassiveHealth has the details).
	// It applies to the dstack transport, upstreams and layer4 handler
	// alike. Default on, with a cool-down of 30s.
	PassiveHealth PassiveHealth `json:"passive_health,omitzero"`
	// InsecureAllowUnboundOSImage lets CVMs whose evidence does not bind
	// their os_image_hash (legacy TDX evidence without a measurement
	// document, SEV-SNP) register and be routed to, judged by the hash the
	// host claims; the gateway then warns at start. Default off: such a CVM
	// is refused at registration and at every connection.
	InsecureAllowUnboundOSImage bool `json:"insecure_allow_unbound_os_image,omitempty"`
	// Limits bounds what callers can make the registration RPC hold (its
	// callers must present an RA-TLS certificate that verifies, but the
	// handshake and what precedes it are open to anyone who reaches
	// Listen): connections (default 1024), requests handled at once (64,
	// each further one waiting up to 1s, then answered 503), and the time a
	// connection has to finish its handshake and send its headers (10s)
	// and its request (30s), to be answered (2m) and to stay idle (30s).
	// Fields left out keep their defaults.
	Limits prpc.Limits `json:"limits,omitzero"`
	// Cluster makes this node one of several gateway nodes that share one
	// registry through Caddy's storage (caddy.storage.etcd, sealed with
	// caddy.storage.dstack_sealed), learn each other's registrations by
	// watching it, and list each other as peers (Cluster has the details).
	// Default none: the registry is this node's own, kept in storage for
	// its restarts.
	Cluster *Cluster `json:"cluster,omitempty"`

	ctx       caddy.Context
	log       *zap.Logger
	clock     clockwork.Clock // what registrations, their expiry and certificates are judged by
	reader    *chain.Reader
	opts      attest.Options
	attester  attest.Attester
	gatewayID []byte
	tunnelNet []netip.Prefix
	cert      atomic.Pointer[tls.Certificate]
	verifier  *ratls.Verifier // CVM certificates (tunnel and registration)
	dialer    *tunnel.Dialer
	reg       *registry
	conns     *connSet
	passive   *ejector
	block     atomic.Uint64
	// staleClosed is whether the tunnels were closed for staleness since
	// the chain was last read.
	staleClosed atomic.Bool

	// checkers are the active health checkers of the dstack upstreams
	// provisioned with this app, for the admin view.
	checkMu  sync.Mutex
	checkers []*healthChecker

	// history is the attested record of the ACME account and of every
	// certificate key (/.dstack/acme-info, AcmeInfo).
	history *keyHistory

	// cluster is the cluster mode's state; nil without Cluster.
	cluster *cluster

	srv  *http.Server
	ln   net.Listener
	stop chan struct{}
	done chan struct{}
}

// newClock gives each App its clock: the real one. Tests replace it with
// a fake clock to move registrations and certificates through time.
var newClock = clockwork.NewRealClock

// decision is an on-chain answer for one boot info.
type decision struct {
	chain.Answer
}

// CaddyModule returns the Caddy module information.
func (*App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "dstack", New: func() caddy.Module { return new(App) }}
}

// Provision connects to the chain, builds the gateway's identity and loads
// the registry from storage.
func (a *App) Provision(ctx caddy.Context) error {
	a.ctx, a.log, a.clock = ctx, ctx.Logger(), newClock()
	if a.Listen == "" {
		a.Listen = DefaultListen
	}
	if len(a.TCBStatus) == 0 {
		a.TCBStatus = []string{"UpToDate"}
	}
	if a.InstanceTTL <= 0 {
		a.InstanceTTL = caddy.Duration(DefaultInstanceTTL)
	}
	if a.Chain.PollInterval <= 0 {
		a.Chain.PollInterval = settings.Duration(DefaultPollInterval)
	}
	if a.ExternalPort == 0 {
		a.ExternalPort = DefaultExternalPort
	}
	if a.ExternalPort < 0 || a.ExternalPort > 65535 {
		return fmt.Errorf("external_port %d is not a TCP port (1-65535)", a.ExternalPort)
	}
	if a.BaseDomain == "" {
		return errors.New("base_domain is required")
	}
	for _, n := range a.TunnelAddressAllow {
		p, err := netip.ParsePrefix(n)
		if err != nil {
			return fmt.Errorf("dstack: tunnel_address_allow %q is not a network in CIDR notation (10.0.0.0/8, fd00::/8): %w", n, err)
		}
		a.tunnelNet = append(a.tunnelNet, p.Masked())
	}
	if err := a.connectChain(ctx); err != nil {
		return err
	}
	opts, err := a.Attestation.Options()
	if err != nil {
		return err
	}
	a.opts = opts
	if err := a.identity(ctx); err != nil {
		return err
	}
	if a.opts.InsecureTrustRoots != nil {
		a.log.Warn("INSECURE: the vendors' roots of trust are replaced; evidence from a mock PKI is accepted")
	}
	if a.InsecureAllowUnboundOSImage {
		a.log.Warn(attest.UnboundOSImageWarning)
	}
	warnTCB(a.log, "dstack", a.TCBStatus)
	warnAdminTCP(ctx, a.log)
	a.verifier = &ratls.Verifier{Attestation: a.opts, Now: a.clock.Now}
	a.dialer = &tunnel.Dialer{GetCertificate: a.cert.Load, Verifier: a.verifier, Now: a.clock.Now}
	a.conns = newConnSet()
	a.passive = newEjector(a.PassiveHealth, a.log.Named("passive_health"), a.clock)
	if a.PassiveHealth.Off {
		a.log.Info("passive health is off: an instance whose dial fails stays routed until its registration expires or it deregisters")
	}
	a.history = &keyHistory{storage: ctx.Storage(), attester: a.attester, log: a.log.Named("acme_info"),
		bases: []string{strings.ToLower(strings.TrimSuffix(a.BaseDomain, "."))}, now: a.clock.Now, scanned: make(chan struct{})}
	if err := a.history.subscribe(ctx); err != nil {
		return err
	}
	a.reg = &registry{storage: ctx.Storage(), byID: map[string]*Instance{}}
	if a.Cluster != nil {
		return a.provisionCluster(ctx)
	}
	return a.reg.load(ctx)
}

// connectChain connects the reader, which follows the head once per poll
// interval for the watcher and every decision alike.
func (a *App) connectChain(ctx context.Context) error {
	r, err := a.Chain.Connect(ctx)
	if err != nil {
		return err
	}
	a.reader = r
	return nil
}

// identity issues the gateway's RA-TLS certificate (server and client) from
// its attester; its attested app id must be the gateway app id on chain.
func (a *App) identity(ctx context.Context) error {
	gw, block, err := a.reader.GatewayAppID(ctx)
	if err != nil {
		return fmt.Errorf("reading the gateway app id: %w", err)
	}
	gwID, err := tunnel.ParseAppID(gw)
	if err != nil {
		return fmt.Errorf("the chain names no usable gateway app id at block %d (%v): set it with `dstack chain set-gateway-app-id`", block, err)
	}
	var attester attest.Attester
	if seed := a.InsecureSimulatedTEESeed; seed != "" {
		a.log.Warn("INSECURE: simulated TEE with a mock PKI; nothing this gateway attests proves anything about hardware")
		pki, err := mock.NewPKI([]byte(seed))
		if err != nil {
			return fmt.Errorf("insecure_simulated_tee_seed: %w", err)
		}
		if a.AgentSocket == "" {
			instance := sha256.Sum256([]byte("dstack simulated gateway instance:" + seed))
			td, err := pki.BootTD(mock.Identity{AppID: gwID, ComposeHash: make([]byte, 32), InstanceID: instance[:20], Config: a.VMConfig})
			if err != nil {
				return err
			}
			attester = td.Attester()
		}
		if a.opts.InsecureTrustRoots == nil {
			sim := pki.VerifyOptions()
			a.opts.InsecureTrustRoots, a.opts.Collateral = sim.InsecureTrustRoots, sim.Collateral
		}
	}
	switch {
	case a.AgentSocket != "":
		attester = agentAttester(a.AgentSocket)
	case attester == nil:
		if attester, err = attest.NewTDXGuestAttester(a.VMConfig); err != nil {
			return fmt.Errorf("%w (set agent_socket to attest through the CVM's guest agent, or insecure_simulated_tee_seed on a development host)", err)
		}
	}
	a.attester, a.gatewayID = attester, gwID
	return a.issue(ctx)
}

// issue makes a fresh RA-TLS certificate (server and client) for the
// gateway and checks that its evidence proves the gateway app id on chain.
func (a *App) issue(ctx context.Context) error {
	cert, err := ratls.Issue(ctx, a.attester, ratls.CertOptions{
		Subject: "dstack-gateway", ServerAuth: true, ClientAuth: true, AppID: a.gatewayID,
		SubjectAltNames: []string{"gateway." + a.BaseDomain},
	}, nil, nil)
	if err != nil {
		return fmt.Errorf("issuing the gateway's RA-TLS certificate: %w", err)
	}
	// The gateway's own evidence must prove the app id the CVMs will ask
	// for; a gateway that cannot would only be refused by every CVM.
	v := &ratls.Verifier{Attestation: a.opts, Policy: tunnel.GatewayPolicy(a.reader)}
	if _, err := v.VerifyChain(ctx, cert.Certificate); err != nil {
		return fmt.Errorf("the gateway's own evidence does not prove the gateway app id on chain: %w", err)
	}
	a.cert.Store(cert)
	return nil
}

// renewIfDue reissues the gateway's certificate once half its lifetime
// has passed.
func (a *App) renewIfDue(ctx context.Context, now time.Time) {
	leaf := a.cert.Load().Leaf
	if now.Before(leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)) {
		return
	}
	if err := a.issue(ctx); err != nil {
		a.log.Error("renewing the gateway's RA-TLS certificate", zap.Time("not_after", leaf.NotAfter), zap.Error(err))
		return
	}
	a.log.Info("renewed the gateway's RA-TLS certificate", zap.Time("not_after", a.cert.Load().Leaf.NotAfter))
}

// Start serves the registration RPC and watches the chain.
func (a *App) Start() error {
	// Caddy's listeners survive a config reload: the new app starts while
	// the old one still serves on the same address.
	na, err := caddy.ParseNetworkAddress(a.Listen)
	if err != nil || na.PortRangeSize() != 1 {
		return fmt.Errorf("listen %q is not one host:port: %v", a.Listen, err)
	}
	l, err := na.Listen(a.ctx, 0, net.ListenConfig{})
	if err != nil {
		return fmt.Errorf("listening for registrations: %w", err)
	}
	ln, ok := l.(net.Listener)
	if !ok {
		return fmt.Errorf("listen %q is not a stream address", a.Listen)
	}
	a.ln = ln
	a.srv = a.Limits.HTTPServer(a.registrationHandler())
	a.srv.TLSConfig = a.registrationTLS()
	a.srv.ErrorLog = zap.NewStdLog(a.log)
	go func() {
		if err := a.srv.ServeTLS(a.Limits.Listener(ln), "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("registration server stopped", zap.Error(err))
		}
	}()
	scanCtx, cancel := context.WithTimeout(a.ctx, time.Minute)
	defer cancel()
	if err := a.history.scan(scanCtx); err != nil {
		a.log.Error("recording the stored certificates' keys in the attested history", zap.Error(err))
	}
	if a.cluster != nil {
		if err := a.startCluster(); err != nil {
			_ = a.srv.Close()
			return err
		}
	}
	a.stop, a.done = make(chan struct{}), make(chan struct{})
	go a.watch()
	a.log.Info("dstack gateway started", zap.String("registration", "https://"+ln.Addr().String()), zap.String("base_domain", a.BaseDomain))
	return nil
}

// Stop stops the registration RPC and the watcher and ends every tunnel.
func (a *App) Stop() error {
	if a.stop != nil {
		close(a.stop)
		<-a.done
	}
	if a.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.srv.Shutdown(ctx)
	}
	a.stopCluster()
	a.conns.closeAll()
	if a.dialer != nil {
		a.dialer.Close()
	}
	return nil
}

// RegistrationAddr is the address the registration RPC listens at, once
// started.
func (a *App) RegistrationAddr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// watch reads the head every poll interval; at each new block it re-reads
// the decision of every registered instance, refuses (and disconnects)
// those the chain no longer allows, and drops registrations that expired.
func (a *App) watch() {
	defer close(a.done)
	t := time.NewTicker(time.Duration(a.Chain.PollInterval))
	defer t.Stop()
	for {
		a.poll()
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
	}
}

func (a *App) poll() {
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	now := a.clock.Now()
	a.renewIfDue(ctx, now)
	for _, inst := range a.reg.expire(now, time.Duration(a.InstanceTTL)) {
		ids := []zap.Field{zap.String("app_id", hexKey(inst.AppID)), zap.String("instance_id", hexKey(inst.InstanceID))}
		renewed, err := a.reg.deleteExpired(ctx, inst, now, time.Duration(a.InstanceTTL))
		if renewed != nil {
			a.log.Info("registration renewed through another node; kept", ids...)
			continue
		}
		a.conns.close(inst.key())
		a.passive.forget(inst.key())
		a.log.Info("registration expired", ids...)
		if err != nil {
			a.log.Error("removing an expired registration from storage", append(ids, zap.Error(err))...)
		}
	}
	// The block policy is read at (the head less the confirmations), as
	// the reader pins it for every decision.
	h, err := a.reader.Head(ctx)
	if err == nil {
		err = h.Err
	}
	if err != nil {
		a.log.Warn("reading the chain head", zap.Error(err))
		// Decisions keep their block until the staleness bound; past it,
		// nothing is routed and open connections are closed.
		if a.stale() != nil && a.staleClosed.CompareAndSwap(false, true) {
			a.log.Error("the chain is unreadable past max_staleness: refusing every app and closing every tunnel", zap.Error(err))
			a.conns.closeAll()
		}
		return
	}
	a.staleClosed.Store(false)
	head := h.Block
	if head <= a.block.Load() && a.block.Load() != 0 {
		return
	}
	a.block.Store(head)
	for _, inst := range a.reg.all() {
		d, err := a.decide(ctx, inst.BootInfo)
		if err != nil {
			a.log.Warn("re-reading an instance's policy", zap.String("instance_id", hexKey(inst.InstanceID)), zap.Error(err))
			continue
		}
		was := a.reg.setDecision(inst.key(), d.Answer)
		if was && !d.Allowed {
			a.conns.close(inst.key())
			a.log.Warn("the chain no longer allows an instance: refusing it and closing its connections",
				zap.String("app_id", hexKey(inst.AppID)), zap.String("instance_id", hexKey(inst.InstanceID)),
				zap.Uint64("block", d.Block), zap.String("reason", d.Reason))
		}
	}
}

// stale reports, as an error wrapping chain.ErrStale, that decisions are
// too old to route on: the chain has been unreadable for longer than
// max_staleness. It reads nothing.
func (a *App) stale() error { return a.reader.Stale() }

// decide asks isAppAllowed for b at the block the reader pins: the
// reader keeps the answer until an event could change it and reads the head
// once per poll interval for every caller, so a decision costs no request
// within the interval.
func (a *App) decide(ctx context.Context, b kmsapi.BootInfo) (decision, error) {
	ans, err := a.reader.IsAppAllowed(ctx, b.Solidity())
	if err != nil {
		return decision{}, fmt.Errorf("asking the chain whether the app is allowed: %w", err)
	}
	return decision{ans}, nil
}

// warnTCB announces a TCB policy that accepts more than UpToDate: CVMs on
// platforms with known, unpatched vulnerabilities are then routed to.
func warnTCB(log *zap.Logger, where string, allowed []string) {
	if wider := slices.DeleteFunc(slices.Clone(allowed), func(s string) bool { return s == "UpToDate" }); len(wider) > 0 {
		log.Warn("tcb_status accepts platforms that are not up to date", zap.String("module", where), zap.Strings("also_accepted", wider),
			zap.String("weakens", "CVMs whose TCB has known vulnerabilities or revoked keys are registered and routed to"))
	}
}

// checkOSImage refuses evidence whose os_image_hash is not bound, unless
// insecure_allow_unbound_os_image: the chain then judges a proven hash.
func (a *App) checkOSImage(ev *attest.Verified) error {
	return attest.RequireBoundOSImage(ev, a.InsecureAllowUnboundOSImage)
}

// checkTCB applies the TCB policy.
func (a *App) checkTCB(status string, allowed []string) error {
	if len(allowed) == 0 {
		allowed = a.TCBStatus
	}
	if !slices.Contains(allowed, status) {
		return fmt.Errorf("TCB status %q is not accepted (tcb_status %v)", status, allowed)
	}
	return nil
}

// Instances returns a copy of the registry.
func (a *App) Instances() []Instance {
	var out []Instance
	for _, i := range a.reg.all() {
		out = append(out, *i)
	}
	return out
}

// Block is the block policy was last read at (the head the watcher saw,
// less the confirmations).
func (a *App) Block() uint64 { return a.block.Load() }

func hexKey(b []byte) string { return hex.EncodeToString(b) }

var (
	_ caddy.App         = (*App)(nil)
	_ caddy.Provisioner = (*App)(nil)
)
