package boot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
)

// BuiltinDemoApp is the development stack's AppRunner. It runs no
// containers and ignores the compose file (and refuses an app with scripts): it serves one built-in HTTP
// handler over TLS, using the guest agent the way an app would — its
// certificate comes from GetTlsKey (KMS-signed, with the CVM's attestation),
// its identity from Info, a key from GetKey, and /evidence proxies GetQuote
// (?report_data=hex). It shows the GREETING variable of the app's
// decrypted env, when allowed_envs keeps it.
type BuiltinDemoApp struct {
	// Listen is the TCP address to serve on. Required.
	Listen string
	// SubjectAltNames go into the certificate. Default localhost and
	// 127.0.0.1.
	SubjectAltNames []string
	// PlainHTTP serves HTTP instead of TLS, for a demo behind the gateway's
	// tunnel (the gateway terminates TLS). Default false: TLS with the
	// agent's certificate.
	PlainHTTP bool
}

// DemoApp is the running demo.
type DemoApp struct {
	srv   *http.Server
	ln    net.Listener
	errc  chan error
	agent *http.Client
}

// Start implements AppRunner.
func (d *BuiltinDemoApp) Start(ctx context.Context, spec RunSpec) (RunningApp, error) {
	if d.Listen == "" {
		return nil, errors.New("demo app: no listen address")
	}
	if len(spec.InitScripts) > 0 || spec.PreLaunchScript != "" || spec.BashScript != "" {
		return nil, errors.New("demo app: the built-in demo app runs no scripts, and this app-compose has init_script, pre_launch_script or bash_script; use the container runner")
	}
	app := &DemoApp{errc: make(chan error, 1), agent: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", spec.AgentSocket)
		},
	}}}
	sans := d.SubjectAltNames
	if sans == nil {
		sans = []string{"localhost", "127.0.0.1"}
	}
	var key struct {
		Key              string   `json:"key"`
		CertificateChain []string `json:"certificate_chain"`
	}
	if err := app.call(ctx, "GetTlsKey", map[string]any{"subject": "dstack dev app", "alt_names": sans, "usage_ra_tls": true, "usage_server_auth": true}, &key); err != nil {
		return nil, fmt.Errorf("demo app: %w", err)
	}
	cert, err := tls.X509KeyPair([]byte(strings.Join(key.CertificateChain, "\n")), []byte(key.Key))
	if err != nil {
		return nil, fmt.Errorf("demo app: the agent's certificate: %w", err)
	}
	var info struct {
		AppID      string `json:"app_id"`
		InstanceID string `json:"instance_id"`
	}
	if err := app.call(ctx, "Info", struct{}{}, &info); err != nil {
		return nil, fmt.Errorf("demo app: %w", err)
	}
	var signing struct {
		PublicKey string `json:"public_key"`
	}
	if err := app.call(ctx, "Sign", map[string]string{"algorithm": "ed25519", "data": hex.EncodeToString([]byte("hello"))}, &signing); err != nil {
		return nil, fmt.Errorf("demo app: %w", err)
	}
	// The fingerprint of the app key GetKey("demo") derives, as the dev
	// stack's container demo shows it.
	var appKey struct {
		Key string `json:"key"`
	}
	if err := app.call(ctx, "GetKey", map[string]string{"path": "demo"}, &appKey); err != nil {
		return nil, fmt.Errorf("demo app: %w", err)
	}
	greeting := spec.Env["GREETING"]
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from a confidential app\napp_id %s\ninstance_id %s\nkeys from the KMS: ed25519 signing key %s\napp_key_sha256 %x\n",
			info.AppID, info.InstanceID, signing.PublicKey, sha256.Sum256([]byte(appKey.Key)))
		if greeting != "" {
			fmt.Fprintf(w, "GREETING from the encrypted env: %s\n", greeting)
		}
	})
	mux.HandleFunc("GET /evidence", func(w http.ResponseWriter, r *http.Request) {
		var q json.RawMessage
		if err := app.call(r.Context(), "GetQuote", map[string]string{"report_data": r.URL.Query().Get("report_data")}, &q); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(q)
	})
	ln, err := net.Listen("tcp", d.Listen)
	if err != nil {
		return nil, fmt.Errorf("demo app: listening on %s: %w", d.Listen, err)
	}
	app.ln = ln
	var limits prpc.Limits // the defaults
	app.srv = limits.HTTPServer(mux)
	if d.PlainHTTP {
		go func() { app.errc <- app.srv.Serve(limits.Listener(ln)) }()
		return app, nil
	}
	app.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	go func() { app.errc <- app.srv.ServeTLS(limits.Listener(ln), "", "") }()
	return app, nil
}

// call POSTs a DstackGuest method to the agent.
func (a *DemoApp) call(ctx context.Context, method string, req, resp any) error {
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://dstack/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	res, err := a.agent.Do(hr)
	if err != nil {
		return fmt.Errorf("agent %s: %w", method, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, 10<<20))
	if err != nil {
		return fmt.Errorf("agent %s: %w", method, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("agent %s: HTTP %d: %s", method, res.StatusCode, bytes.TrimSpace(out))
	}
	return json.Unmarshal(out, resp)
}

// Addr is the address the demo serves on.
func (a *DemoApp) Addr() string { return a.ln.Addr().String() }

// Wait implements RunningApp.
func (a *DemoApp) Wait() error {
	err := <-a.errc
	a.errc <- err
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Stop implements RunningApp.
func (a *DemoApp) Stop(ctx context.Context) error { return a.srv.Shutdown(ctx) }
