package gateway

import (
	"path/filepath"
	"testing"
)

// TestAdminTCPWarning: the gateway warns at start, naming the address, when
// Caddy's admin API listens on TCP, and not when it is on a unix socket or
// disabled.
func TestAdminTCPWarning(t *testing.T) {
	const warning = "Caddy's admin API listens on TCP"
	for _, tc := range []struct {
		name  string
		admin func(e *env) string
		warns bool
	}{
		// Caddy picks the port: nothing here connects to it.
		{"tcp", func(e *env) string { return "127.0.0.1:0" }, true},
		{"unix", func(e *env) string { return "unix/" + filepath.Join(e.dir, "admin.sock") }, false},
		{"disabled", func(e *env) string { return "" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.adminAddr = tc.admin(e)
			g := e.load(e.dstackConfig(nil), proxyRoute(nil))
			if !g.logContains("dstack gateway started") {
				t.Fatal("the gateway did not log its start")
			}
			if got := g.logContains(warning); got != tc.warns {
				t.Fatalf("admin %q: warning logged = %v, want %v", e.adminAddr, got, tc.warns)
			}
			if tc.warns && !g.logContains(`"admin":"`+e.adminAddr+`"`) {
				t.Fatalf("the warning does not name the admin address %s", e.adminAddr)
			}
			if g.logContains("cannot tell where Caddy's admin API listens") {
				t.Fatal("the admin address could not be read from Caddy's context")
			}
		})
	}
}
