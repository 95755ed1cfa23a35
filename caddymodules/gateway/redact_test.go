package gateway

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestRedactLoggedRequests: with the dstack_redact filter on Caddy's
// "request" log field, a secret in the query string or in a credential
// header reaches neither the error log nor reverse_proxy's upstream log,
// while the query keys and header names stay; without it (the control)
// the same requests do log the secrets, so the test sees them when they
// leak.
func TestRedactLoggedRequests(t *testing.T) {
	const (
		querySecret  = "q-secret-5e1f0a"
		headerSecret = "h-secret-9b27c4"
		authSecret   = "a-secret-33d8e1"
	)
	for _, filtered := range []bool{false, true} {
		name := map[bool]string{false: "unfiltered", true: "filtered"}[filtered]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.logLevel = "DEBUG"
			if filtered {
				e.logEncoder = map[string]any{"format": "filter", "wrap": map[string]any{"format": "json"},
					"fields": map[string]any{"request": map[string]any{"filter": "dstack_redact"}}}
			}
			compose := e.compose(0xd7)
			app := e.deployApp(compose)
			g := e.load(e.dstackConfig(nil), proxyRoute(nil))
			c := e.bootCVM(app, compose, 1)
			c.mustRegister(g)
			send := func(host string) int {
				req, _ := http.NewRequest(http.MethodGet, g.httpURL+"/path?token="+querySecret+"&page=2", nil)
				req.Host = host
				req.Header.Set("X-Api-Key", headerSecret)
				req.Header.Set("Authorization", "Bearer "+authSecret)
				res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				return res.StatusCode
			}
			if code := send(hostOf(app, "")); code != 200 {
				t.Fatalf("proxied request: %d", code)
			}
			// An app the gateway does not know: Caddy's error log.
			if code := send(hostOf(make([]byte, 20), "")); code < 400 {
				t.Fatalf("request for an unknown app: %d", code)
			}
			eventually(t, "both requests logged", func() bool {
				return g.logCount(`"uri":"/path?`) >= 2 && g.logContains("upstream roundtrip") && g.logContains(`"logger":"http.log.error"`)
			})
			if !filtered {
				for _, s := range []string{querySecret, headerSecret} {
					if !g.logContains(s) {
						t.Fatalf("control: the unfiltered log does not show %q, so the filtered case proves nothing", s)
					}
				}
				return
			}
			for _, s := range []string{querySecret, headerSecret, authSecret} {
				if g.logContains(s) {
					t.Errorf("the log holds the secret %q", s)
				}
			}
			for _, s := range []string{`token=REDACTED&page=REDACTED`, `"X-Api-Key":["REDACTED"]`} {
				if !g.logContains(s) {
					t.Errorf("the log lacks %s", s)
				}
			}
			if t.Failed() {
				b, _ := os.ReadFile(g.logPath)
				t.Log(strings.TrimSpace(string(b)))
			}
		})
	}
}

// TestRedactQuery: every value goes, keys stay; a bare value and a query
// that does not parse go too.
func TestRedactQuery(t *testing.T) {
	for in, want := range map[string]string{
		"/p":                   "/p",
		"/p?":                  "/p?",
		"/p?a=1&b=&c=x%20y":    "/p?a=REDACTED&b=REDACTED&c=REDACTED",
		"/p?secret":            "/p?REDACTED",
		"/p?a=1&&b=2":          "/p?a=REDACTED&&b=REDACTED",
		"/p?a=%zz":             "/p?REDACTED",
		"/p?a=1;b=2":           "/p?REDACTED",
		"/p?a=1#frag?b=2":      "/p?a=REDACTED",
		"https://h/p?t=s3cr3t": "https://h/p?t=REDACTED",
	} {
		if got := redactQuery(in); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
