package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/wire"
)

// appAgent serves a guest agent's Attest and GetKey on a unix socket, as
// guestos/agent does, for the TD td (the key is derived from the TD's app
// id here, where a real agent derives it from the app's KMS keys); lie
// makes it attest other report_data than asked.
func appAgent(t *testing.T, td *mock.TD, lie *atomic.Bool) string {
	t.Helper()
	type args struct {
		ReportData prpc.Bytes `json:"report_data"`
	}
	type answer struct {
		Attestation prpc.Bytes `json:"attestation"`
	}
	attestFn := func(ctx context.Context, req *args) (*answer, error) {
		var rd [64]byte
		copy(rd[:], req.ReportData)
		if lie.Load() {
			rd[0] ^= 1
		}
		att, err := td.Attester().Attest(ctx, rd)
		if err != nil {
			return nil, err
		}
		b, err := wire.Encode(att)
		return &answer{Attestation: b}, err
	}
	type keyArgs struct {
		Path    string `json:"path"`
		Purpose string `json:"purpose"`
	}
	type keyAnswer struct {
		Key prpc.Bytes `json:"key"`
	}
	getKey := func(_ context.Context, req *keyArgs) (*keyAnswer, error) {
		k := sha256.Sum256([]byte("app key:" + string(td.Identity.AppID) + ":" + req.Path + ":" + req.Purpose))
		return &keyAnswer{Key: k[:]}, nil
	}
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "dstack.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]prpc.Method{"Attest": prpc.Handle(attestFn), "GetKey": prpc.Handle(getKey)}
	mux := http.NewServeMux()
	mux.Handle("/prpc/", &prpc.Server{Base: "/prpc/", Methods: methods})
	mux.Handle("/", &prpc.Server{Base: "/", Methods: methods})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return socket
}

// loadAppCaddy runs Caddy as an app's CVM would: file storage in e.dir,
// dstack_acme_info in front of the app's own answer.
func (e *env) loadAppCaddy(handler map[string]any) (*gateway, error) {
	e.t.Helper()
	addr := heldAddr(e.t)
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"storage": map[string]any{"module": "file_system", "root": filepath.Join(e.dir, "storage")},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{
			"writer": map[string]any{"output": "file", "filename": filepath.Join(e.dir, "caddy.log")}}}},
		"apps": map[string]any{"http": map[string]any{"servers": map[string]any{"app": map[string]any{
			"listen": []string{heldNetwork + "/" + addr}, "automatic_https": map[string]any{"disable": true},
			"routes": []any{map[string]any{"handle": []any{handler,
				map[string]any{"handler": "static_response", "body": "the app"}}}},
		}}}},
	}
	raw, _ := json.Marshal(cfg)
	if err := caddy.Load(raw, true); err != nil {
		return nil, err
	}
	e.t.Cleanup(func() { caddy.Stop() })
	return &gateway{httpURL: "http://" + addr}, nil
}

// TestAppAcmeInfo: inside an app's CVM, dstack_acme_info records the keys
// of the certificates for the app's own domains (and only those), each
// quoted by the app's TD through its guest agent, with the account, and
// serves them at /.dstack/acme-info in upstream's shape; other paths reach
// the app; an agent that attests other report_data than asked is refused.
func TestAppAcmeInfo(t *testing.T) {
	pki, err := mock.NewPKI([]byte(seed))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, pki: pki, dir: t.TempDir()}
	appID := bytes.Repeat([]byte{0xa7}, 20)
	td, err := pki.BootTD(mock.Identity{AppID: appID, ComposeHash: make([]byte, 32), InstanceID: bytes.Repeat([]byte{9}, 20)})
	if err != nil {
		t.Fatal(err)
	}
	var lie atomic.Bool
	socket := appAgent(t, td, &lie)
	handler := map[string]any{"handler": "dstack_acme_info", "agent_socket": socket, "domains": []string{"App.Example.org."}}

	if _, err := e.loadAppCaddy(map[string]any{"handler": "dstack_acme_info", "agent_socket": socket}); err == nil || !strings.Contains(err.Error(), "domains is required") {
		t.Fatalf("no domains: %v", err)
	}

	const acct = "https://acme.test/acct/app"
	_, spki := e.storeCert(acct, "app.example.org")
	e.storeCert(acct, "other.example.net") // not the app's domain
	g, err := e.loadAppCaddy(handler)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body := do(t, g, "GET", "app.example.org", "/"); code != 200 || body != "the app" {
		t.Fatalf("the app's own path: %d %q", code, body)
	}
	code, ctype, body := do(t, g, "GET", "app.example.org", "/.dstack/acme-info")
	if code != 200 || ctype != "application/json" {
		t.Fatalf("acme-info: %d %s %s", code, ctype, body)
	}
	info, err := acmeinfo.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	policy := func(want []byte) acmeinfo.Policy {
		return func(v *attest.Verified) error {
			if !bytes.Equal(v.AppID, want) {
				return fmt.Errorf("app id %x, want %x", v.AppID, want)
			}
			return nil
		}
	}
	r := acmeinfo.Verify(context.Background(), info, pki.VerifyOptions(), policy(appID))
	if info.AccountURI != acct || !r.Account.OK() {
		t.Fatalf("account %q: %v", info.AccountURI, r.Account.Err)
	}
	if k := r.Known(); len(k) != 1 || !bytes.Equal(k[0], spki) || len(info.QuotedHistKeys) != 1 {
		t.Fatalf("keys %x (%+v)", keysOf(info), r.Keys)
	}
	// The evidence is the app's TD's, not the gateway's.
	if r := acmeinfo.Verify(context.Background(), info, pki.VerifyOptions(), policy(gatewayAppID)); len(r.Known()) != 0 {
		t.Fatal("the app's keys verify as the gateway's")
	}

	// A new certificate, while the agent attests other report_data than
	// asked: not recorded.
	lie.Store(true)
	e.storeCert(acct, "www.app.example.org")
	if g, err = e.loadAppCaddy(handler); err != nil {
		t.Fatal(err)
	}
	_, _, body = do(t, g, "GET", "app.example.org", "/.dstack/acme-info")
	if info, err = acmeinfo.Parse([]byte(body)); err != nil || len(info.QuotedHistKeys) != 1 {
		t.Fatalf("a lying agent's key was recorded: %v %x", err, keysOf(info))
	}
	lie.Store(false)
	if g, err = e.loadAppCaddy(handler); err != nil {
		t.Fatal(err)
	}
	_, _, body = do(t, g, "GET", "app.example.org", "/.dstack/acme-info")
	info, _ = acmeinfo.Parse([]byte(body))
	if r := acmeinfo.Verify(context.Background(), info, pki.VerifyOptions(), policy(appID)); len(r.Known()) != 2 {
		t.Fatalf("after the agent mends: %x", keysOf(info))
	}
}
