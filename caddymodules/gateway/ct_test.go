package gateway

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/dstack-go/dstack/internal/ctmonitor"
	"github.com/dstack-go/dstack/internal/ctmonitor/cttest"
)

// TestCTApp: dstack_ct reads the gateway's attested keys from storage and
// posts one alert for the one logged certificate whose key is not among
// them.
func TestCTApp(t *testing.T) {
	e := newEnv(t)
	log := e.logStoredCert()
	foreign, _ := testCert(t, "app."+baseDomain)
	log.AddCert(t, foreign)

	var mu sync.Mutex
	var alerts []ctmonitor.Alert
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a ctmonitor.Alert
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &a); err != nil {
			t.Error(err)
		}
		mu.Lock()
		alerts = append(alerts, a)
		mu.Unlock()
	}))
	defer hook.Close()

	e.loadApps(e.dstackConfig(nil), nil, map[string]any{"dstack_ct": map[string]any{
		"base_domain": baseDomain, "from_storage": true, "from_start": true, "interval": "1h",
		"gateway_app_id": hex.EncodeToString(gatewayAppID),
		"attestation":    map[string]any{"insecure_trust_roots": e.rootsFile(), "collateral_dir": e.collateralDir()},
		"logs":           []any{map[string]any{"url": log.URL(), "public_key": log.PublicKey()}},
		"webhook":        hook.URL, "insecure_webhook_http": true,
	}})
	a, err := caddy.ActiveContext().App("dstack_ct")
	if err != nil {
		t.Fatal(err)
	}
	ct := a.(*CTApp)
	for range 2 {
		if err := ct.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(alerts) != 1 || alerts[0].Kind != ctmonitor.KindForeignKey || alerts[0].Index != 1 {
		t.Fatalf("alerts: %+v", alerts)
	}
}

// TestCTAppGatewayFromChain: dstack_ct with chain and no gateway_app_id
// judges the attested keys by the gateway app id the KMS contract names at
// each poll: the gateway's keys count while it names the gateway; once it
// names another app no key verifies and the poll fails; a chain that
// cannot be read fails the poll too, rather than passing.
func TestCTAppGatewayFromChain(t *testing.T) {
	e := newEnv(t)
	log := e.logStoredCert()
	e.loadApps(e.dstackConfig(nil), nil, map[string]any{"dstack_ct": map[string]any{
		"base_domain": baseDomain, "from_storage": true, "from_start": true, "interval": "1h",
		"chain": map[string]any{
			"rpc_url": e.rpcURL, "chain_id": e.chain.ChainID.Uint64(), "kms_contract": e.chain.Kms.Hex(),
			"poll_interval": "50ms", "max_staleness": "500ms",
		},
		"attestation": map[string]any{"insecure_trust_roots": e.rootsFile(), "collateral_dir": e.collateralDir()},
		"logs":        []any{map[string]any{"url": log.URL(), "public_key": log.PublicKey()}},
	}})
	a, err := caddy.ActiveContext().App("dstack_ct")
	if err != nil {
		t.Fatal(err)
	}
	ct := a.(*CTApp)
	if err := ct.Poll(context.Background()); err != nil {
		t.Fatalf("the gateway the chain names: %v", err)
	}

	other := bytes.Repeat([]byte{0x48}, 20)
	if _, err := e.chain.Send(e.chain.KmsInst, e.chain.Owner, e.chain.K.PackSetGatewayAppId(hex.EncodeToString(other))); err != nil {
		t.Fatal(err)
	}
	poll := func() bool { err = ct.Poll(context.Background()); return err != nil }
	eventually(t, "a poll to fail once the chain names another gateway", poll)
	if !strings.Contains(err.Error(), "no key of the attested key history verifies") {
		t.Fatalf("another gateway on chain: %v", err)
	}
	if _, err := e.chain.Send(e.chain.KmsInst, e.chain.Owner, e.chain.K.PackSetGatewayAppId(hex.EncodeToString(gatewayAppID))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a poll to pass once the chain names the gateway again", func() bool { return !poll() })

	e.rpcDown.Store(true)
	eventually(t, "a poll to fail once the chain cannot be read", poll)
	if !strings.Contains(err.Error(), "gateway app id") {
		t.Fatalf("the chain down: %v", err)
	}
}

// logStoredCert stores a certificate of the gateway's, with its key's
// attestation, as the dstack app does, and returns a CT log holding it.
func (e *env) logStoredCert() *cttest.Log {
	e.t.Helper()
	key, _ := e.storeCert("https://acme.test/acct/1", "*."+baseDomain)
	pemBytes, err := os.ReadFile(filepath.Join(e.dir, "storage", key+".crt"))
	if err != nil {
		e.t.Fatal(err)
	}
	log := cttest.New(e.t)
	b, _ := pem.Decode(pemBytes)
	log.AddCert(e.t, b.Bytes)
	return log
}
