package kms

import (
	"bytes"
	"context"
	"crypto/sha512"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
)

// Config configures a KMS server. It is the JSON of `dstack-kms run
// --config` and of the dstack_kms Caddy app.
type Config struct {
	// Listen is the address of the RA-TLS RPC listener. Default
	// 127.0.0.1:8000.
	Listen string `json:"listen,omitempty"`
	// Domain is the name in the RPC certificate. Default "localhost".
	Domain string `json:"domain,omitempty"`
	// StateDir holds the sealed root keys and the bootstrap record.
	// Required.
	StateDir string `json:"state_dir"`
	// Auth selects the authorizer: {"static": "policy.json"},
	// {"webhook": "http://…"} or {"insecure_allow_all": true}.
	Auth AuthConfig `json:"auth"`
	// Attestation configures the verification of callers' evidence.
	Attestation settings.Attestation `json:"attestation,omitzero"`
	// VMConfig is this KMS's vm_config JSON (on a TD, read from the host).
	VMConfig string `json:"vm_config,omitempty"`
	// InsecureSimulatedTEE runs the KMS on a simulated TDX module whose
	// quotes a mock PKI derived from this seed signs, instead of the real
	// TDX interface. Development only: the root keys are then sealed with a
	// key anyone with the seed can derive.
	InsecureSimulatedTEE string `json:"insecure_simulated_tee_seed,omitempty"`
	// SealingKeyHex is the 32-byte key that seals the root keys at rest, as
	// the KMS's own key provider gives it. Required without a simulated TEE.
	SealingKeyHex string `json:"sealing_key_hex,omitempty"`
	// OnboardFrom, when the state directory holds no keys, replicates them
	// from this KMS URL; without it, fresh keys are bootstrapped.
	OnboardFrom string `json:"onboard_from,omitempty"`
	// InsecureAllowSNPKeyRelease releases app keys to SEV-SNP guests, whose
	// evidence does not bind what runs after launch (SEV-SNP has no runtime
	// measurement register). Default off, as upstream; when on, the KMS
	// warns at start.
	InsecureAllowSNPKeyRelease bool `json:"insecure_allow_snp_key_release,omitempty"`
	// InsecureAllowUnboundOSImage lets the KMS judge an os_image_hash that
	// the caller's evidence does not bind: legacy TDX evidence (no
	// measurement document in vm_config) and SEV-SNP evidence, whose OS
	// image this implementation does not recompute. Without it (the
	// default) GetAppKey, SignCert and GetKmsKey are refused to such a
	// caller, onboarding from such a source KMS is refused, and this KMS
	// refuses to serve when its own evidence does not bind its image; with
	// it the chain judges a hash the host merely names, and the KMS warns
	// at start.
	InsecureAllowUnboundOSImage bool `json:"insecure_allow_unbound_os_image,omitempty"`
	// Limits bounds what callers, authenticated or not, can make the KMS
	// hold: connections (default 1024), requests handled at once (64, each
	// further one waiting up to 1s, then answered 503), and the time a
	// connection has to send its headers (10s) and its request (30s), to be
	// answered (2m) and to stay idle (30s). Each field left out keeps its
	// default. The onboarding service runs within the same limits.
	Limits prpc.Limits `json:"limits,omitzero"`
	// Threshold, when set, makes this KMS one node of a threshold KMS
	// (ThresholdConfig) instead of a holder of the root keys. Default
	// unset: the replicated, upstream-compatible KMS.
	Threshold *ThresholdConfig `json:"threshold,omitempty"`
}

// renamedOptions maps options that were renamed to their new names.
var renamedOptions = map[string]string{
	"allow_snp_key_release": "insecure_allow_snp_key_release",
}

// UnmarshalJSON decodes a configuration strictly: an unknown option (a
// misspelt insecure_… one would otherwise be silently off, or on) is an
// error, and a renamed one says its new name.
func (c *Config) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) == nil {
		for old, renamed := range renamedOptions {
			if _, ok := fields[old]; ok {
				return fmt.Errorf("reading the KMS configuration: the option %s is now named %s, which says what it weakens: rename it", old, renamed)
			}
		}
	}
	type plain Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode((*plain)(c)); err != nil {
		return fmt.Errorf("reading the KMS configuration: %w", err)
	}
	return nil
}

// AuthConfig selects the authorizer; exactly one of chain, static, webhook
// and insecure_allow_all is set.
type AuthConfig struct {
	Chain            *settings.Chain `json:"chain,omitempty"`
	Static           string          `json:"static,omitempty"`
	Webhook          string          `json:"webhook,omitempty"`
	InsecureAllowAll bool            `json:"insecure_allow_all,omitempty"`
	GatewayAppID     string          `json:"gateway_app_id,omitempty"`
}

// Server is a running KMS.
type Server struct {
	Service *Service
	URL     string
	// PeerListener, for a threshold node, is the listener its peers reach
	// it on; when nil, Serve opens Config.Threshold.PeerListen.
	PeerListener net.Listener

	cfg Config
	srv *http.Server
	ln  net.Listener
	t   *tnode
}

// NewServer prepares a KMS from its configuration: it loads (or
// bootstraps, or onboards) the root keys and builds the RPC service. It
// logs a warning for every insecure option.
func NewServer(ctx context.Context, cfg Config, log *zap.Logger) (*Server, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.StateDir == "" {
		return nil, errors.New("kms: state_dir is required")
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if cfg.Threshold != nil {
		if err := cfg.Threshold.validate(&cfg); err != nil {
			return nil, err
		}
	}
	p, err := prepare(cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.Threshold != nil {
		svc := &Service{Auth: p.auth, Attestation: p.self.Attestation, Logger: log, Self: p.self, AllowSNPKeyRelease: cfg.InsecureAllowSNPKeyRelease,
			AllowUnboundOSImage: cfg.InsecureAllowUnboundOSImage}
		t, err := newTNode(ctx, cfg, p, svc, log)
		if err != nil {
			return nil, err
		}
		return &Server{Service: svc, cfg: cfg, t: t}, nil
	}
	keys, info, err := loadOrCreateKeys(ctx, cfg, p, log)
	if err != nil {
		return nil, err
	}
	svc := &Service{Keys: keys, Auth: p.auth, Attestation: p.self.Attestation, Logger: log, Bootstrap: info, Self: p.self, AllowSNPKeyRelease: cfg.InsecureAllowSNPKeyRelease,
		AllowUnboundOSImage: cfg.InsecureAllowUnboundOSImage}
	return &Server{Service: svc, cfg: cfg}, nil
}

// prepared is what a KMS needs before it has keys.
type prepared struct {
	self       *Self
	auth       Authorizer
	sealingKey []byte
}

// prepare builds the KMS's attester, verification options, authorizer and
// sealing key from its configuration, warning about insecure options.
func prepare(cfg Config, log *zap.Logger) (*prepared, error) {
	if log == nil {
		log = zap.NewNop()
	}
	opts, err := cfg.Attestation.Options()
	if err != nil {
		return nil, fmt.Errorf("kms: %w", err)
	}
	var attester attest.Attester
	sealingKey, _ := hex.DecodeString(cfg.SealingKeyHex)
	if cfg.InsecureSimulatedTEE != "" {
		log.Warn("INSECURE: simulated TEE with a mock PKI; nothing this KMS attests proves anything about hardware")
		var simOpts attest.Options
		if attester, simOpts, err = SimulatedTEE(cfg.InsecureSimulatedTEE, cfg.VMConfig); err != nil {
			return nil, err
		}
		if opts.InsecureTrustRoots == nil {
			opts.InsecureTrustRoots, opts.Collateral = simOpts.InsecureTrustRoots, simOpts.Collateral
		}
		if len(sealingKey) == 0 {
			sum := sha512.Sum512_256([]byte("dstack simulated KMS sealing key:" + cfg.InsecureSimulatedTEE))
			sealingKey = sum[:]
		}
	} else {
		if attester, err = attest.NewTDXGuestAttester(cfg.VMConfig); err != nil {
			return nil, fmt.Errorf("kms: %w (set insecure_simulated_tee_seed on a development host)", err)
		}
		if len(sealingKey) != 32 {
			return nil, errors.New("kms: sealing_key_hex must be the 32-byte key from this KMS's key provider")
		}
	}
	if opts.InsecureTrustRoots != nil {
		log.Warn("INSECURE: the vendors' roots of trust are replaced; evidence from a mock PKI is accepted")
	}
	if cfg.InsecureAllowSNPKeyRelease {
		log.Warn("INSECURE: insecure_allow_snp_key_release releases app keys to SEV-SNP guests, whose evidence does not bind what runs after launch (no runtime measurement register)")
	}
	if cfg.InsecureAllowUnboundOSImage {
		log.Warn(attest.UnboundOSImageWarning)
	}
	auth, err := cfg.Auth.authorizer(log)
	if err != nil {
		return nil, err
	}
	self := &Self{Attester: attester, Attestation: opts, Config: cfg.VMConfig, AllowUnboundOSImage: cfg.InsecureAllowUnboundOSImage}
	return &prepared{self: self, auth: auth, sealingKey: sealingKey}, nil
}

func (a AuthConfig) authorizer(log *zap.Logger) (Authorizer, error) {
	n := 0
	for _, set := range []bool{a.Chain != nil, a.Static != "", a.Webhook != "", a.InsecureAllowAll} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("kms: auth needs exactly one of chain, static, webhook or insecure_allow_all")
	}
	switch {
	case a.Chain != nil:
		return NewChainAuthorizer(context.Background(), *a.Chain)
	case a.Static != "":
		p, err := LoadStaticPolicy(a.Static)
		if err != nil {
			return nil, err
		}
		if weak := p.weakTCBStatuses(); len(weak) > 0 {
			log.Warn("INSECURE: the static policy's allowedTcbStatuses admits platforms that are not up to date: keys are released to TCBs with known, unpatched vulnerabilities",
				zap.String("policy", a.Static), zap.Strings("statuses", weak))
		}
		return p, nil
	case a.Webhook != "":
		u, err := url.Parse(a.Webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("auth.webhook %q is not an http(s) URL", a.Webhook)
		}
		if u.Scheme == "http" {
			log.Warn("INSECURE: the authorization webhook is plain http://: its decisions on who gets keys travel unauthenticated, and anyone on the path can answer in its place (on loopback, any local process that takes its port); use https://",
				zap.String("webhook", a.Webhook))
		}
		return &Webhook{URL: a.Webhook, Logger: log}, nil
	}
	log.Warn("INSECURE: insecure_allow_all authorizes every attested app and KMS")
	return InsecureAllowAll{GatewayAppID: a.GatewayAppID}, nil
}

// DefaultListen is the RPC address when Config.Listen is empty.
const DefaultListen = "127.0.0.1:8000"

// Start opens the listener and serves RA-TLS until Stop.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("kms: listening on %s: %w", s.cfg.Listen, err)
	}
	if err := s.Serve(ctx, ln); err != nil {
		ln.Close()
		return err
	}
	return nil
}

// Serve serves RA-TLS on ln, which the caller opened (Caddy's listeners,
// which outlive a config reload), until Stop. Stop closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var tlsCfg *tls.Config
	if s.t != nil {
		peer := s.PeerListener
		if peer == nil {
			if s.cfg.Threshold.PeerListen == "" {
				return errors.New("kms: threshold: peer_listen is required: the address where the other nodes reach this one")
			}
			var err error
			if peer, err = net.Listen("tcp", s.cfg.Threshold.PeerListen); err != nil {
				return fmt.Errorf("kms: threshold: listening for peers on %s: %w", s.cfg.Threshold.PeerListen, err)
			}
		}
		tlsCfg = s.t.tlsConfig()
		s.t.serve(peer)
	} else {
		var err error
		if tlsCfg, err = s.Service.ServerTLS(ctx, s.cfg.Domain); err != nil {
			return err
		}
	}
	s.ln = ln
	s.URL = "https://" + ln.Addr().String()
	s.srv = s.cfg.Limits.HTTPServer(s.Service.Handler())
	s.srv.TLSConfig = tlsCfg
	s.srv.ErrorLog = zap.NewStdLog(s.Service.log())
	go func() { _ = s.srv.ServeTLS(s.cfg.Limits.Listener(ln), "", "") }()
	return nil
}

// Stop closes the listener and waits for requests in flight.
func (s *Server) Stop(ctx context.Context) error {
	var errs []error
	if s.t != nil {
		errs = append(errs, s.t.close(ctx))
	}
	if s.srv != nil {
		errs = append(errs, s.srv.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// Ready waits until the KMS serves: at once for a replicated KMS; for a
// threshold node, until its shares are unsealed (or made by the DKG on
// first start) and its committee signed its RPC certificate. The error
// is why the node could not come up.
func (s *Server) Ready(ctx context.Context) error {
	if s.t == nil {
		return nil
	}
	select {
	case <-s.t.ready:
		return s.t.err
	case <-ctx.Done():
		return fmt.Errorf("waiting for the threshold KMS node: %w", ctx.Err())
	}
}

// SimulatedTEE returns the attester of the simulated TD a development KMS
// runs in, on the mock PKI derived from seed (app id zero, config its
// vm_config), and the options that verify its evidence (the mock roots and
// collateral). Development only.
func SimulatedTEE(seed, config string) (attest.Attester, attest.Options, error) {
	pki, err := mock.NewPKI([]byte(seed))
	if err != nil {
		return nil, attest.Options{}, err
	}
	td, err := pki.BootTD(mock.Identity{AppID: make([]byte, 20), Config: config})
	if err != nil {
		return nil, attest.Options{}, err
	}
	return td.Attester(), pki.VerifyOptions(), nil
}
