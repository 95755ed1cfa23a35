package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/ratls"
)

type ctxKey int

const (
	claimsKey ctxKey = iota
	remoteKey
)

// registrationTLS requires a client RA-TLS certificate that verifies; the
// RPC then judges its claims.
func (a *App) registrationTLS() *tls.Config {
	cfg := a.verifier.ServerConfig(a.cert.Load(), true)
	cfg.Certificates = nil
	cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return a.cert.Load(), nil }
	cfg.NextProtos = []string{"h2", "http/1.1"}
	return cfg
}

// maxRegisterBody is the request body limit of RegisterCvm, which carries a
// tunnel address and the app's ports and port policy; Info takes
// prpc.DefaultMaxBody.
const maxRegisterBody = 64 << 10

// maxDeregisterBody is the request body limit of DeregisterCvm, which
// carries two ids.
const maxDeregisterBody = 1 << 10

// AcmeInfoMethod is upstream's AcmeInfo RPC.
const AcmeInfoMethod = "AcmeInfo"

// acmeInfoRPC is upstream's AcmeInfo: the record /.dstack/acme-info serves.
func (a *App) acmeInfoRPC(ctx context.Context, _ *struct{}) (*acmeinfo.Info, error) {
	info, err := a.AcmeInfo(ctx)
	if err != nil {
		return nil, prpc.Public("the attested key history cannot be read", err)
	}
	return info, nil
}

// registrationHandler serves /prpc/RegisterCvm, /prpc/DeregisterCvm, /prpc/Info, /prpc/AcmeInfo, /prpc/GetPeers (upstream's
// legacy "Tproxy." prefix is stripped, as upstream does) and /health.
func (a *App) registrationHandler() http.Handler {
	rpc := &prpc.Server{
		Base: "/prpc/", ServicePrefix: "Tproxy.", Logger: a.log,
		Methods: map[string]prpc.Method{
			tunnel.RegisterMethod:   prpc.Handle(a.registerCvm).MaxBody(maxRegisterBody),
			tunnel.DeregisterMethod: prpc.Handle(a.deregisterCvm).MaxBody(maxDeregisterBody),
			tunnel.InfoMethod:       prpc.Handle(a.info),
			AcmeInfoMethod:          prpc.Handle(a.acmeInfoRPC),
			tunnel.GetPeersMethod:   prpc.Handle(a.getPeers),
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/prpc/", func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), remoteKey, r.RemoteAddr)
		if r.TLS != nil {
			if c, err := a.verifier.Claims(*r.TLS); err == nil {
				ctx = context.WithValue(ctx, claimsKey, c)
			}
		}
		rpc.ServeHTTP(w, r.WithContext(ctx))
	})
	return mux
}

// registerCvm registers the calling CVM: its identity is its certificate's
// verified attestation, and the chain must allow it.
func (a *App) registerCvm(ctx context.Context, req *tunnel.RegisterRequest) (*tunnel.RegisterResponse, error) {
	ev, err := a.caller(ctx, "registration")
	if err != nil {
		return nil, err
	}
	if err := a.checkOSImage(ev); err != nil {
		a.log.Info("registration refused: OS image not bound", zap.String("app_id", hexKey(ev.AppID)), zap.String("reason", ev.OSImageReason))
		return nil, prpc.Public("registration refused: "+err.Error(), err)
	}
	boot := kmsapi.BootInfoOf(ev, false)
	d, err := a.decide(ctx, boot)
	if err != nil {
		return nil, prpc.Public("registration refused: the chain cannot be read", err)
	}
	if !d.Allowed {
		a.log.Info("registration refused by the chain", zap.String("app_id", hexKey(ev.AppID)), zap.Uint64("block", d.Block), zap.String("reason", d.Reason))
		return nil, prpc.Errorf("registration refused: the chain does not allow this app at block %d: %s", d.Block, d.Reason)
	}
	routes, err := composeRoutes(req, ev.ComposeHash)
	if err != nil {
		return nil, prpc.Public("registration refused: "+err.Error(), err)
	}
	remote, _ := ctx.Value(remoteKey).(string)
	addr, err := tunnelAddress(req.TunnelAddress, remote, a.tunnelNet)
	if err != nil {
		return nil, prpc.Public("invalid tunnel_address: "+err.Error(), err)
	}
	now := a.clock.Now().UTC()
	inst := &Instance{
		AppID: ev.AppID, InstanceID: ev.InstanceID, ComposeHash: ev.ComposeHash, TunnelAddress: addr,
		TCBStatus: ev.TCBStatus, BootInfo: boot, RegisteredAt: now, LastSeen: now,
		Allowed: true, Reason: d.Reason, Block: d.Block, Ports: routes.Ports, ProxyProtocolPorts: routes.ProxyProtocol,
	}
	old, err := a.reg.upsert(ctx, inst)
	if err != nil {
		return nil, prpc.Public("registration refused: "+err.Error(), err)
	}
	if old != nil && old.TunnelAddress != inst.TunnelAddress {
		// The instance moved: connections to the old address are stale.
		a.conns.close(inst.key())
	}
	a.passive.markUp(inst.key(), "it registered again")
	a.log.Info("registered", zap.String("app_id", hexKey(ev.AppID)), zap.String("instance_id", hexKey(ev.InstanceID)),
		zap.String("tunnel", addr), zap.Uint16s("ports", routes.Ports), zap.Strings("unrouted", routes.Unrouted),
		zap.Uint64("block", d.Block), zap.Bool("renewal", old != nil))
	return &tunnel.RegisterResponse{
		AppID: ev.AppID, InstanceID: ev.InstanceID, TunnelAddress: addr, BaseDomain: a.BaseDomain,
		ExpiresInSeconds: int64(time.Duration(a.InstanceTTL) / time.Second), Block: d.Block, Gateways: a.gatewayNodes(),
	}, nil
}

// caller is the attested identity of the CVM calling a registration RPC
// (what names the call in refusals): its certificate's verified evidence,
// which must prove an app id and an instance id on a platform whose TCB
// status the policy accepts.
func (a *App) caller(ctx context.Context, what string) (*attest.Verified, error) {
	claims, _ := ctx.Value(claimsKey).(*ratls.Claims)
	if claims == nil || claims.Evidence == nil {
		return nil, prpc.Errorf("no attestation provided: call over mutual RA-TLS with the CVM's certificate")
	}
	ev := claims.Evidence
	if len(ev.AppID) != 20 {
		return nil, prpc.Errorf("the attestation proves no app id")
	}
	if len(ev.InstanceID) == 0 {
		return nil, prpc.Errorf("the attestation proves no instance id: apps without instance ids cannot use the gateway")
	}
	if err := a.checkTCB(ev.TCBStatus, nil); err != nil {
		return nil, prpc.Public(what+" refused: "+err.Error(), err)
	}
	return ev, nil
}

// deregisterCvm removes the calling CVM's registration, as it shuts down
// cleanly: nothing is routed to it from then on, and its tunnel
// connections are closed. Only the instance itself may: the request's app
// id and instance id must be the ones its attestation proves, and the
// registration must be the app's. The chain is not asked: an instance the
// chain no longer allows may still remove itself.
func (a *App) deregisterCvm(ctx context.Context, req *tunnel.DeregisterRequest) (*tunnel.DeregisterResponse, error) {
	ev, err := a.caller(ctx, "deregistration")
	if err != nil {
		return nil, err
	}
	switch {
	case !bytes.Equal(req.AppID, ev.AppID):
		return nil, prpc.Errorf("deregistration refused: the attestation proves app %x, not %x: an instance may remove only its own registration", ev.AppID, req.AppID)
	case !bytes.Equal(req.InstanceID, ev.InstanceID):
		return nil, prpc.Errorf("deregistration refused: the attestation proves instance %x, not %x: an instance may remove only its own registration", ev.InstanceID, req.InstanceID)
	}
	id := hexKey(ev.InstanceID)
	removed, err := a.reg.remove(ctx, id, hexKey(ev.AppID))
	if removed {
		a.conns.close(id)
		a.passive.forget(id)
		a.log.Info("deregistered", zap.String("app_id", hexKey(ev.AppID)), zap.String("instance_id", id))
	}
	if err != nil {
		return nil, prpc.Public("deregistration refused: "+err.Error(), err)
	}
	return &tunnel.DeregisterResponse{Removed: removed}, nil
}

// info is upstream's Info RPC: the base domain, the external port, the
// custom domains' TXT prefix and the version. It answers any client the
// registration listener accepts (a verified RA-TLS certificate).
func (a *App) info(context.Context, *struct{}) (*tunnel.InfoResponse, error) {
	return &tunnel.InfoResponse{
		BaseDomain: a.BaseDomain, ExternalPort: uint32(a.ExternalPort),
		AppAddressNsPrefix: strings.TrimSuffix(txtPrefix, "."), Version: Version,
	}, nil
}

// composeRoutes checks that the registration's app-compose is the one the
// CVM attests (its SHA-256 is the attested compose hash) and derives the
// ports to route from it: the CVM cannot name ports its app does not
// publish.
func composeRoutes(req *tunnel.RegisterRequest, composeHash []byte) (tunnel.Routes, error) {
	if req.AppCompose == "" {
		return tunnel.Routes{}, errors.New("no app_compose: the gateway routes only the ports the attested app-compose publishes, and the CVM sent none")
	}
	if h := identity.ComposeHash([]byte(req.AppCompose)); !bytes.Equal(h[:], composeHash) {
		return tunnel.Routes{}, fmt.Errorf("app_compose hashes to %x, not the attested compose hash %x", h, composeHash)
	}
	c, err := identity.ParseAppCompose([]byte(req.AppCompose))
	if err != nil {
		return tunnel.Routes{}, fmt.Errorf("app_compose: %w", err)
	}
	return tunnel.ComposeRoutes(c)
}

// tunnelAddress checks the tunnel address a registration names: its host
// must be empty (the host the registration came from is used), that very
// host, or an address in one of the allowed networks. A registration
// cannot make the gateway dial any other host.
func tunnelAddress(addr, remote string, allowed []netip.Prefix) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return "", &net.AddrError{Err: "invalid port", Addr: addr}
	}
	from, _, err := net.SplitHostPort(remote)
	if err != nil {
		return "", fmt.Errorf("the registration's own address %q: %w", remote, err)
	}
	if host == "" {
		return net.JoinHostPort(from, port), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "", fmt.Errorf("host %q is not an IP address: name the port only (\":%s\") and the gateway dials the address the registration came from", host, port)
	}
	ip = ip.Unmap()
	if src, err := netip.ParseAddr(from); err == nil && src.Unmap() == ip {
		return net.JoinHostPort(ip.String(), port), nil
	}
	for _, n := range allowed {
		if n.Contains(ip) {
			return net.JoinHostPort(ip.String(), port), nil
		}
	}
	return "", fmt.Errorf("host %s is not the address the registration came from (%s), nor in tunnel_address_allow %v", ip, from, allowed)
}
