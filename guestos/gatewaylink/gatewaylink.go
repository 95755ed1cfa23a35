// Package gatewaylink connects a booted CVM to the dstack gateway: it is
// the boot.GatewayRegistrar over internal/tunnel. It serves the guest end
// of the attested tunnel in front of the app's ports and keeps the CVM
// registered (RegisterCvm) with the gateways of the sys-config, until
// Close, which removes the registrations (DeregisterCvm). When a gateway is
// a cluster, its answer lists the cluster's nodes, and a renewal its node
// does not take goes to another of them. Both the
// tunnel and the registration accept only a peer whose attestation proves
// the gateway app id the chain names. The tunnel relays only the ports the
// app-compose publishes (tunnel.ComposeRoutes); the app-compose goes with
// the registration, and the gateway, which checks it against the attested
// compose hash, routes no other port either.
//
// The CVM's two RA-TLS certificates (the tunnel's server certificate and
// the registration's client certificate) are short-lived, 7 days by
// default, because the evidence inside is only as fresh as the
// certificate. Each is renewed before it expires, at 2/3 of its lifetime
// by default, with a fresh key and fresh evidence: the tunnel presents the
// new one to every new handshake while open streams go on, and the next
// registration renewal presents the new client certificate. The gateway
// knows the CVM by its attested app id and instance id, not by the
// certificate's bytes, so a renewed certificate keeps routing. A renewal
// that fails is retried with backoff while the old certificate serves.
//
// This package must never relay a stream or send a registration to any
// other peer.
package gatewaylink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/ratls"
)

// Registrar serves the tunnel and registers the CVM with the gateway.
type Registrar struct {
	// GatewayURLs are the gateways' registration endpoints
	// ("https://host:port"). Default: the sys-config's gateway_urls.
	GatewayURLs []string
	// Listen is where the tunnel Server listens. Default "0.0.0.0:0" (an
	// ephemeral port on every interface); the gateway dials the address the
	// registration came from at this port.
	Listen string
	// Ports maps ports the app publishes to the guest addresses they are
	// relayed to. A published port it does not map goes to 127.0.0.1:<port>;
	// a port the app does not publish is never relayed, mapped or not.
	// Default nil.
	Ports map[uint16]string
	// Gateway reads the gateway app id the chain names (a *chain.Reader).
	// Required.
	Gateway tunnel.GatewayAppIDSource
	// Retry is how often a failed registration is retried, and the first
	// wait before a failed certificate renewal is tried again (the wait
	// then doubles, up to 5 minutes). Default 5s.
	Retry time.Duration
	// CertValidity is how long each of the CVM's RA-TLS certificates (the
	// tunnel's server certificate and the registration's client
	// certificate) is valid from its issue. Default ratls.DefaultValidity
	// (7 days).
	CertValidity time.Duration
	// CertRenewAt is the fraction of a certificate's lifetime after which
	// it is replaced by a new one, with a fresh key and fresh evidence. It
	// must be in (0, 1). Default 2/3: a 7-day certificate is renewed after
	// about 4 days and 16 hours.
	CertRenewAt float64
	// DeregisterTimeout bounds the deregistrations Close sends (to every
	// gateway at once). Default 5s.
	DeregisterTimeout time.Duration
	// Logger receives failures. Default none.
	Logger *zap.Logger

	// clock is the time certificates are issued at and renewed by; nil
	// means the system clock. Tests set a fake one.
	clock clockwork.Clock

	mu       sync.Mutex
	regs     []*tunnel.Registration
	self     tunnel.DeregisterRequest
	log      *zap.Logger
	srv      *tunnel.Server
	ln       net.Listener
	cancel   context.CancelFunc
	done     chan struct{}
	response *tunnel.RegisterResponse
	// nodes are the gateway cluster's nodes, as the last answer listed
	// them: where a renewal goes when its node fails.
	nodes []string
}

// Register implements boot.GatewayRegistrar: it starts the tunnel Server,
// registers once with every gateway and keeps the registrations alive in
// the background until Close. A first registration that fails is returned
// (and retried in the background all the same).
func (r *Registrar) Register(ctx context.Context, cvm *boot.CVM) error {
	log := r.Logger
	if log == nil {
		log = zap.NewNop()
	}
	urls := r.GatewayURLs
	if len(urls) == 0 && cvm.SysConfig != nil {
		urls = cvm.SysConfig.GatewayURLs
	}
	if len(urls) == 0 {
		return errors.New("registering with the gateway: no gateway URL (gateway_urls in .sys-config.json is empty)")
	}
	if r.Gateway == nil {
		return errors.New("registering with the gateway: no source of the gateway app id (the chain)")
	}
	renewAt := r.CertRenewAt
	if renewAt == 0 {
		renewAt = 2.0 / 3
	}
	if renewAt <= 0 || renewAt >= 1 {
		return fmt.Errorf("registering with the gateway: CertRenewAt %v is not a fraction of the certificate lifetime in (0, 1)", renewAt)
	}
	serverCert := &renewedCert{name: "tunnel server", server: true}
	clientCert := &renewedCert{name: "registration client"}
	issued := r.now()
	for _, c := range []*renewedCert{serverCert, clientCert} {
		cert, err := r.issue(ctx, cvm, c.server)
		if err != nil {
			return err
		}
		c.cur.Store(cert)
	}
	if cvm.Compose == nil {
		return errors.New("registering with the gateway: no app-compose, so no published port to relay")
	}
	routes, err := tunnel.ComposeRoutes(cvm.Compose)
	if err != nil {
		return fmt.Errorf("registering with the gateway: the ports the app-compose publishes: %w", err)
	}
	relay := map[uint16]string{}
	for _, p := range routes.Ports {
		relay[p] = net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p)))
		if to, ok := r.Ports[p]; ok {
			relay[p] = to
		}
	}
	for p := range r.Ports {
		if !routes.Allows(p) {
			log.Warn("not relaying a mapped port the app-compose does not publish", zap.Uint16("port", p))
		}
	}
	if len(routes.Unrouted) > 0 {
		log.Warn("ports the gateway will not route (list them in port_policy)", zap.Strings("unrouted", routes.Unrouted))
	}
	listen := r.Listen
	if listen == "" {
		listen = "0.0.0.0:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("registering with the gateway: listening for the tunnel on %s: %w", listen, err)
	}
	srv := &tunnel.Server{GetCertificate: serverCert.cur.Load, Attestation: cvm.Attestation, Gateway: r.Gateway, Ports: relay, Logger: log}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, tunnel.ErrServerClosed) {
			log.Error("the tunnel server stopped", zap.Error(err))
		}
	}()
	bg, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.srv, r.ln, r.cancel, r.done = srv, ln, cancel, make(chan struct{})
	r.self, r.log = tunnel.DeregisterRequest{AppID: cvm.AppID[:], InstanceID: cvm.InstanceID}, log
	r.mu.Unlock()

	req := tunnel.RegisterRequest{
		TunnelAddress: ":" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port),
		AppCompose:    string(cvm.ComposeRaw), PortPolicy: portPolicy(cvm.Compose.PortPolicy),
	}
	retry := r.Retry
	if retry <= 0 {
		retry = 5 * time.Second
	}
	var first []error
	var wg sync.WaitGroup
	for _, c := range []*renewedCert{serverCert, clientCert} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.renew(bg, cvm, c, issued, renewAt, retry, log.With(zap.String("certificate", c.name)))
		}()
	}
	for _, u := range urls {
		reg := &tunnel.Registration{GatewayURL: u, GetCertificate: clientCert.cur.Load, Attestation: cvm.Attestation, Gateway: r.Gateway}
		r.mu.Lock()
		r.regs = append(r.regs, reg)
		r.mu.Unlock()
		wait := retry
		resp, err := reg.Register(ctx, req)
		if err != nil {
			first = append(first, err)
		} else {
			r.registered(resp)
			log.Info("registered with the gateway", zap.String("gateway", u), zap.String("base_domain", resp.BaseDomain), zap.Uint64("block", resp.Block))
			if resp.ExpiresInSeconds > 1 {
				wait = time.Duration(resp.ExpiresInSeconds) * time.Second / 2
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.keep(bg, reg, req, wait, retry, log)
		}()
	}
	go func() { wg.Wait(); close(r.done) }()
	return errors.Join(first...)
}

// keep renews reg's registration at half its lifetime (or retries a
// failed one every retry) until ctx ends, first after wait. A renewal the
// node refuses or does not answer goes to the other nodes of the gateway's
// cluster, which its answers listed, one after another; reg then stays
// with the first that took it: the cluster shares one registry, so any
// node's registration routes the CVM through every node.
func (r *Registrar) keep(ctx context.Context, reg *tunnel.Registration, req tunnel.RegisterRequest, wait, retry time.Duration, log *zap.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = retry
		resp, err := reg.Register(ctx, req)
		if err != nil && ctx.Err() == nil {
			log.Warn("renewing the gateway registration", zap.Error(err))
			for _, u := range r.otherNodes(reg.GatewayURL) {
				alt := *reg
				alt.GatewayURL = u
				if resp, err = alt.Register(ctx, req); err == nil {
					log.Info("registered with another node of the gateway's cluster", zap.String("failed", reg.GatewayURL), zap.String("gateway", u))
					r.mu.Lock()
					reg.GatewayURL = u
					r.mu.Unlock()
					break
				}
				log.Warn("registering with another node of the gateway's cluster", zap.String("gateway", u), zap.Error(err))
			}
		}
		if err == nil {
			r.registered(resp)
			if resp.ExpiresInSeconds > 1 {
				wait = time.Duration(resp.ExpiresInSeconds) * time.Second / 2
			}
		}
	}
}

// registered records a registration's answer and the cluster nodes it
// lists.
func (r *Registrar) registered(resp *tunnel.RegisterResponse) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.response = resp
	if len(resp.Gateways) == 0 {
		return
	}
	r.nodes = r.nodes[:0]
	for _, g := range resp.Gateways {
		if g.URL != "" && !slices.Contains(r.nodes, g.URL) {
			r.nodes = append(r.nodes, g.URL)
		}
	}
}

// otherNodes are the cluster's nodes the last answer listed, but url.
func (r *Registrar) otherNodes(url string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(r.nodes), func(u string) bool { return u == url })
}

// Nodes are the gateway cluster's nodes the last registration's answer
// listed (none for a gateway not in a cluster).
func (r *Registrar) Nodes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.nodes)
}

// issue is how the CVM's RA-TLS certificates are issued, at boot and at
// every renewal: a fresh key attested by the TEE now, valid CertValidity
// from now (and, for clocks a little behind, from a minute before).
func (r *Registrar) issue(ctx context.Context, cvm *boot.CVM, server bool) (*tls.Certificate, error) {
	validity := r.CertValidity
	if validity <= 0 {
		validity = ratls.DefaultValidity
	}
	now := r.now()
	c, err := ratls.Issue(ctx, cvm.Platform, ratls.CertOptions{
		Subject: "dstack-guest-agent", ServerAuth: server, ClientAuth: !server, AppID: cvm.AppID[:],
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(validity),
	}, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("registering with the gateway: issuing the CVM's RA-TLS certificate: %w", err)
	}
	return c, nil
}

// maxRenewBackoff bounds the wait between two failed renewals.
const maxRenewBackoff = 5 * time.Minute

// renewedCert is one of the CVM's RA-TLS certificates, replaced before it
// expires.
type renewedCert struct {
	name   string
	server bool
	cur    atomic.Pointer[tls.Certificate]
}

// renew replaces c's certificate, issued at issued, with a newly issued
// one at renewAt of each one's lifetime, until ctx ends. A failed issue is
// logged and tried again after retry, then twice as long each time up to
// maxRenewBackoff; c keeps the old certificate meanwhile.
func (r *Registrar) renew(ctx context.Context, cvm *boot.CVM, c *renewedCert, issued time.Time, renewAt float64, retry time.Duration, log *zap.Logger) {
	for {
		notAfter := c.cur.Load().Leaf.NotAfter
		due := issued.Add(time.Duration(float64(notAfter.Sub(issued)) * renewAt))
		if !r.sleep(ctx, due.Sub(r.now())) {
			return
		}
		for wait := retry; ; wait = min(2*wait, max(retry, maxRenewBackoff)) {
			start := r.now()
			cert, err := r.issue(ctx, cvm, c.server)
			if err == nil {
				c.cur.Store(cert)
				issued = start
				log.Info("renewed the CVM's RA-TLS certificate", zap.Time("not_after", cert.Leaf.NotAfter))
				break
			}
			if ctx.Err() != nil {
				return
			}
			log.Warn("renewing the CVM's RA-TLS certificate failed; the current one serves until a renewal succeeds",
				zap.Error(err), zap.Time("not_after", notAfter), zap.Duration("retry_in", wait))
			if !r.sleep(ctx, wait) {
				return
			}
		}
	}
}

func (r *Registrar) clk() clockwork.Clock {
	if r.clock == nil {
		return clockwork.NewRealClock()
	}
	return r.clock
}

func (r *Registrar) now() time.Time { return r.clk().Now() }

// sleep waits for d on r's clock or the end of ctx and reports whether d
// passed.
func (r *Registrar) sleep(ctx context.Context, d time.Duration) bool {
	t := r.clk().NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.Chan():
		return true
	}
}

// portPolicy is app-compose's port_policy as RegisterCvm carries it (nil
// when the app declares none).
func portPolicy(p *identity.PortPolicy) *tunnel.PortPolicy {
	if p == nil {
		return nil
	}
	out := &tunnel.PortPolicy{RestrictMode: p.RestrictMode}
	for _, r := range p.Ports {
		out.Ports = append(out.Ports, tunnel.PortRule{Port: r.Port, PP: r.PP})
	}
	return out
}

// Response is the last successful registration's answer, nil before one.
func (r *Registrar) Response() *tunnel.RegisterResponse {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.response
}

// TunnelAddr is where the tunnel Server listens, empty before Register.
func (r *Registrar) TunnelAddr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln == nil {
		return ""
	}
	return r.ln.Addr().String()
}

// Close stops renewing the registrations and the certificates, removes
// the CVM's registration from every gateway (DeregisterCvm, all at once,
// within DeregisterTimeout), so that they route nothing more to it, and
// closes the tunnel Server and every stream. A deregistration that fails
// is logged and returned; the gateway then stops routing to the CVM when
// its dial fails or its registration expires.
func (r *Registrar) Close() error {
	r.mu.Lock()
	srv, cancel, done, regs := r.srv, r.cancel, r.done, r.regs
	r.srv = nil
	r.mu.Unlock()
	if srv == nil {
		return nil
	}
	cancel()
	<-done
	return errors.Join(r.deregister(regs), srv.Close())
}

// deregister removes the CVM's registration from every gateway of regs.
// Gateways it never registered with answer that they held none.
func (r *Registrar) deregister(regs []*tunnel.Registration) error {
	timeout := r.DeregisterTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	errs := make([]error, len(regs))
	var wg sync.WaitGroup
	for i, reg := range regs {
		wg.Go(func() {
			resp, err := reg.Deregister(ctx, r.self)
			if err != nil {
				r.log.Warn("deregistering from the gateway", zap.Error(err))
				errs[i] = err
				return
			}
			r.log.Info("deregistered from the gateway", zap.String("gateway", reg.GatewayURL), zap.Bool("removed", resp.Removed))
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

var _ boot.GatewayRegistrar = (*Registrar)(nil)
