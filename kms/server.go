package kms

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
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
	Attestation AttestationConfig `json:"attestation,omitempty"`
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
	// AllowSNPKeyRelease releases app keys to SEV-SNP guests. Default off.
	AllowSNPKeyRelease bool `json:"allow_snp_key_release,omitempty"`
}

// AuthConfig selects the authorizer; exactly one of chain, static, webhook
// and insecure_allow_all is set.
type AuthConfig struct {
	Chain            *ChainConfig `json:"chain,omitempty"`
	Static           string       `json:"static,omitempty"`
	Webhook          string       `json:"webhook,omitempty"`
	InsecureAllowAll bool         `json:"insecure_allow_all,omitempty"`
	GatewayAppID     string       `json:"gateway_app_id,omitempty"`
}

// AttestationConfig configures evidence verification.
type AttestationConfig struct {
	// PCCSURL fetches TDX collateral from a PCS or PCCS.
	PCCSURL string `json:"pccs_url,omitempty"`
	// CollateralDir reads TDX collateral from a directory.
	CollateralDir string `json:"collateral_dir,omitempty"`
	// InsecureTrustRoots is a PEM file of roots that replace the vendors'.
	InsecureTrustRoots string `json:"insecure_trust_roots,omitempty"`
}

// Server is a running KMS.
type Server struct {
	Service *Service
	URL     string

	cfg Config
	srv *http.Server
	ln  net.Listener
}

const sealedKeysFile = "root-keys.sealed"

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
	p, err := prepare(cfg, log)
	if err != nil {
		return nil, err
	}
	keys, info, err := loadOrCreateKeys(ctx, cfg, p.self, p.auth, p.sealingKey, log)
	if err != nil {
		return nil, err
	}
	svc := &Service{Keys: keys, Auth: p.auth, Attestation: p.self.Attestation, Logger: log, Bootstrap: info, Self: p.self, AllowSNPKeyRelease: cfg.AllowSNPKeyRelease}
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
	opts, err := cfg.Attestation.options()
	if err != nil {
		return nil, err
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
	auth, err := cfg.Auth.authorizer(log)
	if err != nil {
		return nil, err
	}
	return &prepared{self: &Self{Attester: attester, Attestation: opts, Config: cfg.VMConfig}, auth: auth, sealingKey: sealingKey}, nil
}

func (a AttestationConfig) options() (attest.Options, error) {
	var opts attest.Options
	if a.InsecureTrustRoots != "" {
		b, err := os.ReadFile(a.InsecureTrustRoots)
		if err != nil {
			return opts, fmt.Errorf("kms: insecure_trust_roots: %w", err)
		}
		if opts.InsecureTrustRoots, err = attest.ParseTrustRootsPEM(b); err != nil {
			return opts, fmt.Errorf("kms: insecure_trust_roots: %w", err)
		}
	}
	switch {
	case a.PCCSURL != "" && a.CollateralDir != "":
		return opts, errors.New("kms: set pccs_url or collateral_dir, not both")
	case a.PCCSURL != "":
		opts.Collateral = collateral.NewCache(collateral.HTTPSource(a.PCCSURL, &http.Client{Timeout: 30 * time.Second}), collateral.CacheOptions{})
	case a.CollateralDir != "":
		opts.Collateral = collateral.NewCache(collateral.DirSource(a.CollateralDir), collateral.CacheOptions{})
	}
	return opts, nil
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
		return LoadStaticPolicy(a.Static)
	case a.Webhook != "":
		return &Webhook{URL: a.Webhook, Logger: log}, nil
	}
	log.Warn("INSECURE: insecure_allow_all authorizes every attested app and KMS")
	return InsecureAllowAll{GatewayAppID: a.GatewayAppID}, nil
}

// loadOrCreateKeys unseals the root keys from the state directory, or
// onboards, or bootstraps and seals them.
func loadOrCreateKeys(ctx context.Context, cfg Config, self *Self, auth Authorizer, sealingKey []byte, log *zap.Logger) (*RootKeys, *kmsapi.BootstrapInfo, error) {
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, nil, err
	}
	path := filepath.Join(cfg.StateDir, sealedKeysFile)
	infoPath := filepath.Join(cfg.StateDir, "bootstrap-info.json")
	if sealed, err := os.ReadFile(path); err == nil {
		keys, err := UnsealRootKeys(sealed, sealingKey)
		if err != nil {
			return nil, nil, err
		}
		var info *kmsapi.BootstrapInfo
		if b, err := os.ReadFile(infoPath); err == nil {
			info = new(kmsapi.BootstrapInfo)
			if err := json.Unmarshal(b, info); err != nil {
				return nil, nil, fmt.Errorf("kms: %s: %w", infoPath, err)
			}
		}
		return keys, info, nil
	} else if !os.IsNotExist(err) {
		return nil, nil, err
	}
	var keys *RootKeys
	var info *kmsapi.BootstrapInfo
	var err error
	if cfg.OnboardFrom != "" {
		if keys, err = Onboard(ctx, self, auth, cfg.OnboardFrom); err != nil {
			return nil, nil, err
		}
		log.Info("root keys replicated", zap.String("source", cfg.OnboardFrom))
	} else {
		if keys, info, err = Bootstrap(ctx, self, auth, nil); err != nil {
			return nil, nil, err
		}
		log.Info("root keys bootstrapped; publish bootstrap-info.json with setKmsInfo", zap.String("path", infoPath))
	}
	if err := storeKeys(cfg.StateDir, keys, info, sealingKey); err != nil {
		return nil, nil, err
	}
	return keys, info, nil
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
	tlsCfg, err := s.Service.ServerTLS(ctx, s.cfg.Domain)
	if err != nil {
		return err
	}
	s.ln = ln
	s.URL = "https://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.Service.Handler(), TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.ServeTLS(ln, "", "") }()
	return nil
}

// Stop closes the listener and waits for requests in flight.
func (s *Server) Stop(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
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
