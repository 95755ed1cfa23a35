package kms

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
)

// OnboardService is upstream's Onboard service, served over plain HTTP
// before a KMS has keys: the operator reads GetAttestationInfo (the values
// to allow on chain), then calls Bootstrap or Onboard, then Finish.
//
// Upstream leaves these endpoints unauthenticated. Here every call needs
// the operator token (Authorization: Bearer …) unless the service was
// explicitly built without one, which logs a warning.
type OnboardService struct {
	Self   *Self
	Auth   Authorizer
	Token  string
	Logger *zap.Logger
	// Store is called with the keys (and the bootstrap record, if any)
	// once Bootstrap or Onboard succeeded.
	Store func(*RootKeys, *kmsapi.BootstrapInfo) error

	mu   sync.Mutex
	keys *RootKeys
	done chan struct{}
	once sync.Once
}

// Done is closed by Finish.
func (o *OnboardService) Done() <-chan struct{} {
	o.once.Do(func() { o.done = make(chan struct{}) })
	return o.done
}

// Handler returns the HTTP handler.
func (o *OnboardService) Handler() http.Handler {
	o.Done()
	srv := &prpc.Server{Base: "/prpc/", ServicePrefix: "Onboard.", Logger: o.Logger, Methods: map[string]prpc.Method{
		"GetAttestationInfo": prpc.Handle(o.GetAttestationInfo),
		"Bootstrap":          prpc.Handle(o.Bootstrap),
		"Onboard":            prpc.Handle(o.Onboard),
		"Finish":             prpc.Handle(o.Finish),
	}}
	mux := http.NewServeMux()
	mux.Handle("/prpc/", srv)
	mux.HandleFunc("GET /finish", func(w http.ResponseWriter, r *http.Request) {
		_, _ = o.Finish(r.Context(), nil)
		_, _ = w.Write([]byte("{}"))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.Token != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(o.Token)) != 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":"operator token required"}`))
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// GetAttestationInfo reports what to allow on chain for this KMS.
func (o *OnboardService) GetAttestationInfo(ctx context.Context, _ *kmsapi.Empty) (*kmsapi.AttestationInfo, error) {
	ev, err := o.Self.Evidence(ctx)
	if err != nil {
		return nil, prpc.Public("self attestation failed", err)
	}
	b := kmsapi.BootInfoOf(ev, false)
	info := &kmsapi.AttestationInfo{DeviceID: b.DeviceID, MrAggregated: b.MrAggregated, OSImageHash: b.OSImageHash, TeeVariant: b.TeeVariant}
	if ev.TDX != nil {
		info.PPID = ev.TDX.PPID
	}
	if ai, err := o.Auth.Info(ctx); err == nil {
		info.KmsContractAddress = ai.KmsContractAddress
	}
	return info, nil
}

func (o *OnboardService) store(keys *RootKeys, info *kmsapi.BootstrapInfo) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.keys != nil {
		return prpc.Errorf("this KMS already has root keys")
	}
	if err := o.Store(keys, info); err != nil {
		return prpc.Public("storing keys failed", err)
	}
	o.keys = keys
	return nil
}

// Bootstrap generates fresh root keys.
func (o *OnboardService) Bootstrap(ctx context.Context, _ *kmsapi.BootstrapRequest) (*kmsapi.BootstrapInfo, error) {
	o.mu.Lock()
	has := o.keys != nil
	o.mu.Unlock()
	if has {
		return nil, prpc.Errorf("this KMS already has root keys")
	}
	keys, info, err := Bootstrap(ctx, o.Self, o.Auth, nil)
	if err != nil {
		return nil, prpc.Public("bootstrap refused", err)
	}
	if err := o.store(keys, info); err != nil {
		return nil, err
	}
	return info, nil
}

// Onboard replicates the root keys from an existing KMS.
func (o *OnboardService) Onboard(ctx context.Context, req *kmsapi.OnboardRequest) (*kmsapi.OnboardResponse, error) {
	if req.SourceURL == "" {
		return nil, prpc.Errorf("source_url is required")
	}
	keys, err := Onboard(ctx, o.Self, o.Auth, req.SourceURL)
	if err != nil {
		return nil, prpc.Public("onboarding failed", err)
	}
	if err := o.store(keys, nil); err != nil {
		return nil, err
	}
	return &kmsapi.OnboardResponse{K256Pubkey: keys.K256PublicKey()}, nil
}

// Finish ends onboarding once keys exist.
func (o *OnboardService) Finish(context.Context, *kmsapi.Empty) (*kmsapi.Empty, error) {
	o.mu.Lock()
	has := o.keys != nil
	o.mu.Unlock()
	if !has {
		return nil, prpc.Errorf("no root keys yet: call Bootstrap or Onboard first")
	}
	o.once.Do(func() { o.done = make(chan struct{}) })
	select {
	case <-o.done:
	default:
		close(o.done)
	}
	return &kmsapi.Empty{}, nil
}

// RunOnboarding serves the onboarding service on listen until Finish, for
// a KMS whose state directory holds no keys. It stores the keys sealed, as
// NewServer later expects them.
func RunOnboarding(ctx context.Context, cfg Config, listen, token string, log *zap.Logger) error {
	if log == nil {
		log = zap.NewNop()
	}
	if token == "" {
		log.Warn("INSECURE: onboarding endpoints without an operator token; anyone who can reach them can bootstrap this KMS")
	}
	p, err := prepare(cfg, log)
	if err != nil {
		return err
	}
	st := stateDir{dir: cfg.StateDir}
	if err := st.recover(log); err != nil {
		return err
	}
	switch {
	case exists(st.path(sealedKeysFile)):
		return errors.New("onboarding refused: the state directory already holds root keys")
	case exists(st.path(bootstrapInfoFile)):
		return st.missingKeys()
	}
	svc := &OnboardService{Self: p.self, Auth: p.auth, Token: token, Logger: log, Store: func(k *RootKeys, info *kmsapi.BootstrapInfo) error {
		return st.store(k, info, p.sealingKey)
	}}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := cfg.Limits.HTTPServer(svc.Handler())
	go func() { _ = srv.Serve(cfg.Limits.Listener(ln)) }()
	log.Info("onboarding service listening", zap.String("address", ln.Addr().String()))
	select {
	case <-svc.Done():
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
