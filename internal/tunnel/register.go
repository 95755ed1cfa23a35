package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
)

// RegisterMethod is the gateway RPC a CVM registers with, as upstream names
// it: POST <gateway>/prpc/RegisterCvm?json.
const RegisterMethod = "RegisterCvm"

// InfoMethod is the gateway RPC that describes the gateway, as upstream
// names it: POST <gateway>/prpc/Info?json with an empty body.
const InfoMethod = "Info"

// DeregisterMethod is the gateway RPC a CVM removes its registration with
// on a clean shutdown: POST <gateway>/prpc/DeregisterCvm?json, over the
// same mutual RA-TLS as RegisterCvm. Upstream's gateway has no such RPC
// (its registrations only expire); the name follows RegisterCvm's.
const DeregisterMethod = "DeregisterCvm"

// DeregisterRequest names the registration to remove. The gateway removes
// it only when the caller's attestation proves both ids: an instance can
// remove its own registration and no other.
type DeregisterRequest struct {
	// AppID and InstanceID are the registration's identity, as
	// RegisterResponse gave them.
	AppID      prpc.Bytes `json:"app_id"`
	InstanceID prpc.Bytes `json:"instance_id"`
}

// DeregisterResponse is the gateway's answer to DeregisterCvm.
type DeregisterResponse struct {
	// Removed is false when the gateway held no registration of the
	// instance (it had expired, or was removed before): deregistering is
	// idempotent.
	Removed bool `json:"removed"`
}

// InfoResponse is the gateway's Info answer (upstream's InfoResponse).
type InfoResponse struct {
	// BaseDomain is the zone apps are served under.
	BaseDomain string `json:"base_domain"`
	// ExternalPort is the port clients reach apps on.
	ExternalPort uint32 `json:"external_port"`
	// AppAddressNsPrefix is the TXT record prefix of custom domains
	// ("_dstack-app-address": _dstack-app-address.<domain> =
	// "<app_id>:<port>").
	AppAddressNsPrefix string `json:"app_address_ns_prefix"`
	// Version is the gateway's version.
	Version string `json:"version"`
}

// RegisterRequest is what a CVM tells the gateway about itself. Its
// identity (app id, instance id, compose hash…) is not in the request: the
// gateway takes it from the verified attestation of the CVM's client
// certificate. Upstream's request carries a WireGuard key instead of a
// tunnel address; there is no WireGuard here.
type RegisterRequest struct {
	// TunnelAddress is where the CVM's tunnel Server listens, "host:port".
	// With an empty host (":9443") the gateway uses the address the
	// registration came from.
	TunnelAddress string `json:"tunnel_address"`
	// AppCompose is the CVM's app-compose.json, byte for byte (upstream
	// shows it as tcb_info.app_compose). Required: its SHA-256 must be the
	// attested compose hash, and the gateway routes only the ports it
	// publishes (ComposeRoutes), so the CVM cannot widen them.
	AppCompose string `json:"app_compose,omitempty"`
	// PortPolicy is the app's port_policy, as upstream's CVMs send it with
	// RegisterCvm. This gateway does not take it from the request: it reads
	// the port_policy of AppCompose, which is attested.
	PortPolicy *PortPolicy `json:"port_policy,omitempty"`
}

// PortPolicy is app-compose.json's port_policy (upstream's format).
type PortPolicy struct {
	// Ports are the declared ports.
	Ports []PortRule `json:"ports,omitempty"`
	// RestrictMode routes only the declared ports.
	RestrictMode bool `json:"restrict_mode,omitempty"`
}

// PortRule is one declared port.
type PortRule struct {
	// Port is the CVM port.
	Port uint16 `json:"port"`
	// PP prepends a PROXY protocol v2 header to the port's TCP streams.
	PP bool `json:"pp,omitempty"`
}

// RegisterResponse is the gateway's answer.
type RegisterResponse struct {
	// AppID and InstanceID are the identity the gateway registered, from
	// the verified attestation.
	AppID      prpc.Bytes `json:"app_id"`
	InstanceID prpc.Bytes `json:"instance_id"`
	// TunnelAddress is the address the gateway will dial.
	TunnelAddress string `json:"tunnel_address"`
	// BaseDomain is the gateway's base domain: the app is reachable at
	// <app_id>.<base_domain>.
	BaseDomain string `json:"base_domain,omitempty"`
	// ExpiresInSeconds is how long the registration lasts unless renewed;
	// register again well before (at half of it, say).
	ExpiresInSeconds int64 `json:"expires_in_seconds"`
	// Block is the chain block the gateway's isAppAllowed answer was read at.
	Block uint64 `json:"block"`
	// Gateways are the live nodes of the gateway's cluster (upstream's
	// gateways), each of which routes the registration; empty for a
	// gateway that is not in a cluster.
	Gateways []GatewayNodeInfo `json:"gateways,omitempty"`
}

// Registration is how a CVM registers with a gateway.
type Registration struct {
	// GatewayURL is the gateway's registration endpoint, "https://host:port".
	GatewayURL string
	// Certificate is the CVM's RA-TLS client certificate: its attestation
	// is the CVM's identity. Required unless GetCertificate is set.
	Certificate *tls.Certificate
	// GetCertificate, when set, returns the certificate to present at each
	// call instead of Certificate, for one that is renewed: the gateway
	// takes the CVM's identity from the attested claims, not from the
	// certificate's bytes, so a renewed certificate keeps the registration.
	GetCertificate func() *tls.Certificate
	// Attestation verifies the gateway's evidence.
	Attestation attest.Options
	// Gateway reads the gateway app id the gateway must prove (a
	// *chain.Reader).
	Gateway GatewayAppIDSource
	// Timeout bounds one call; 0 means 30 seconds.
	Timeout time.Duration
}

// Register registers the CVM once. The gateway must prove, by its
// attestation, the app id the chain names for the gateway.
func (r *Registration) Register(ctx context.Context, req RegisterRequest) (*RegisterResponse, error) {
	var resp RegisterResponse
	if err := r.call(ctx, RegisterMethod, &req, &resp); err != nil {
		return nil, fmt.Errorf("registering with the gateway at %s: %w", r.GatewayURL, err)
	}
	return &resp, nil
}

// Deregister removes the CVM's registration, so that the gateway routes
// nothing more to it. req must name the ids the certificate's attestation
// proves.
func (r *Registration) Deregister(ctx context.Context, req DeregisterRequest) (*DeregisterResponse, error) {
	var resp DeregisterResponse
	if err := r.call(ctx, DeregisterMethod, &req, &resp); err != nil {
		return nil, fmt.Errorf("deregistering from the gateway at %s: %w", r.GatewayURL, err)
	}
	return &resp, nil
}

// Info asks the gateway to describe itself, over the same mutual RA-TLS
// channel as Register.
func (r *Registration) Info(ctx context.Context) (*InfoResponse, error) {
	var resp InfoResponse
	if err := r.call(ctx, InfoMethod, &struct{}{}, &resp); err != nil {
		return nil, fmt.Errorf("asking the gateway at %s for its info: %w", r.GatewayURL, err)
	}
	return &resp, nil
}

// call makes one RPC to the gateway, which must prove the gateway app id.
func (r *Registration) call(ctx context.Context, method string, req, resp any) error {
	cert := r.Certificate
	if r.GetCertificate != nil {
		cert = r.GetCertificate()
	}
	if cert == nil || r.Gateway == nil || r.GatewayURL == "" {
		return errors.New("needs a gateway URL, a certificate and a gateway app id source")
	}
	v := &ratls.Verifier{Attestation: r.Attestation, Policy: GatewayPolicy(r.Gateway)}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tr := &http.Transport{TLSClientConfig: v.ClientConfig(cert), ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	c := &prpc.Client{BaseURL: strings.TrimSuffix(r.GatewayURL, "/") + "/prpc", HTTP: &http.Client{Transport: tr, Timeout: timeout}}
	return c.Call(ctx, method, req, resp)
}

// Keep registers now and then again at half of each registration's
// lifetime, until ctx ends. Failures are retried every retry interval (0
// means 5 seconds) and reported to onErr when it is not nil.
func (r *Registration) Keep(ctx context.Context, req RegisterRequest, retry time.Duration, onErr func(error)) {
	if retry <= 0 {
		retry = 5 * time.Second
	}
	for {
		wait := retry
		resp, err := r.Register(ctx, req)
		if err != nil {
			if onErr != nil {
				onErr(err)
			}
		} else if resp.ExpiresInSeconds > 1 {
			wait = time.Duration(resp.ExpiresInSeconds) * time.Second / 2
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
