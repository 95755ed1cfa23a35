package gateway

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// do sends method path for host through the gateway and returns the
// status, the Content-Type and the body.
func do(t *testing.T, g *gateway, method, host, path string) (int, string, string) {
	t.Helper()
	return doHeader(t, g, method, host, path, "Content-Type")
}

// doHeader is do returning the header field instead of the Content-Type.
func doHeader(t *testing.T, g *gateway, method, host, path, field string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(method, g.httpURL+path, nil)
	req.Host = host
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get(field), string(b)
}

// TestNodeService: the special names gateway.<base> and health.<base> are
// answered by the gateway itself, as upstream answers them; what the
// gateway cannot answer is a 501 with a JSON error; other names go on to
// the proxy.
func TestNodeService(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd1)
	app := e.deployApp(compose)
	routes := append([]any{map[string]any{"handle": []any{map[string]any{"handler": "dstack_node"}}}}, proxyRoute(nil)...)
	g := e.load(e.dstackConfig(nil), routes)
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	gw, health := "gateway."+baseDomain, "health."+baseDomain
	for _, tc := range []struct {
		method, host, path string
		code               int
		ctype, body        string
	}{
		{"GET", gw, "/health", 200, "", ""},
		{"GET", gw, "/.dstack/index", 200, "application/json", `{"paths":["/index","/app-info","/acme-info"],"type":"dstack gateway"}`},
		{"GET", "GATEWAY." + strings.ToUpper(baseDomain), "/index", 200, "application/json", `{"paths":["/index","/app-info","/acme-info"],"type":"dstack gateway"}`},
		{"GET", gw + ":8443", "/.dstack/index", 200, "application/json", `{"paths":["/index","/app-info","/acme-info"],"type":"dstack gateway"}`},
		{"GET", "gateway-80." + baseDomain, "/health", 200, "", ""},
		{"GET", gw, "/.dstack/app-info", 501, "application/json", "app-info: no guest agent at /var/run/dstack.sock"},
		{"GET", gw, "/.dstack/acme-info", 200, "application/json", `{"account_uri":"","quoted_hist_keys":[],"account_quote":"","account_attestation":""}`},
		{"GET", gw, "/.dstack/nothing", 404, "", ""},
		{"POST", gw, "/health", 405, "", ""},
		{"GET", "gateway-8080." + baseDomain, "/health", 404, "application/json", "port 80 only"},
		{"GET", "gateway-s." + baseDomain, "/health", 404, "application/json", "port 80 only"},
		{"GET", health, "/", 200, "", ""},
		{"GET", health, "/x", 404, "", ""},
		{"POST", health, "/", 404, "", ""},
		{"GET", hostOf(app, ""), "/", 200, "", "app="},
	} {
		code, ctype, body := do(t, g, tc.method, tc.host, tc.path)
		if code != tc.code || (tc.ctype != "" && ctype != tc.ctype) || !strings.Contains(body, tc.body) || (tc.body == "" && body != "") {
			t.Errorf("%s %s%s: %d %q %q, want %d %q", tc.method, tc.host, tc.path, code, ctype, body, tc.code, tc.body)
		}
	}
	// "gateway" is not an app id: without dstack_node the proxy refuses it.
	for _, name := range []string{"gateway-1-2", "gatewayx", "healthy"} {
		if code, _, _ := do(t, g, "GET", name+"."+baseDomain, "/health"); code < 500 {
			t.Errorf("%s: %d, want the proxy's refusal", name, code)
		}
	}
}

// TestNodeAppInfo: app-info is the Info of the guest agent on the
// configured socket, passed through; an agent that fails, answers garbage
// or is not there is a 502 with a JSON error.
func TestNodeAppInfo(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	socket := filepath.Join(dir, "dstack.sock")
	var answer atomic.Value
	answer.Store(`{"app_id":"a1","instance_id":"1d","tcb_info":"{}"}`)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	agent := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Info" {
			http.NotFound(w, r)
			return
		}
		a := answer.Load().(string)
		if a == "fail" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, a)
	})}
	go agent.Serve(ln)
	t.Cleanup(func() { agent.Close() })
	routes := []any{map[string]any{"handle": []any{map[string]any{"handler": "dstack_node", "agent_socket": socket}}}}
	g := e.load(e.dstackConfig(nil), routes)
	gw := "gateway." + baseDomain
	if code, ctype, body := do(t, g, "GET", gw, "/.dstack/app-info"); code != 200 || ctype != "application/json" || body != answer.Load().(string) {
		t.Fatalf("app-info: %d %q %q", code, ctype, body)
	}
	for _, bad := range []string{"fail", "not json"} {
		answer.Store(bad)
		if code, _, body := do(t, g, "GET", gw, "/.dstack/app-info"); code != 502 || !strings.Contains(body, "gave no Info") {
			t.Errorf("agent answering %q: %d %q", bad, code, body)
		}
	}
	agent.Close()
	if code, _, body := do(t, g, "GET", gw, "/.dstack/app-info"); code != 502 || !strings.Contains(body, "did not answer") {
		t.Errorf("agent gone: %d %q", code, body)
	}
}
