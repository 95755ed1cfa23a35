package gateway

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	key, _ := e.storeCert("https://acme.test/acct/1", "*."+baseDomain)
	pemBytes, err := os.ReadFile(filepath.Join(e.dir, "storage", key+".crt"))
	if err != nil {
		t.Fatal(err)
	}
	log := cttest.New(t)
	b, _ := pem.Decode(pemBytes)
	log.AddCert(t, b.Bytes)
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
