package test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// registrations counts the registrations the gateway accepted, from its log.
func (s *stack) registrations() int {
	b, _ := os.ReadFile(filepath.Join(s.dir, "gateway", "caddy.log"))
	return strings.Count(string(b), `"msg":"registered"`)
}

// TestGatewayRestartKeepsRegistry restarts the stack's gateway (Caddy stops
// and loads its config again from the same storage): the app answers
// through it again, from the registry it kept, without the CVM registering
// again.
func TestGatewayRestartKeepsRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, filepath.Join(t.TempDir(), "stack"))
	if code, body := s.get(s.st.AppHost, "/"); code != http.StatusOK {
		t.Fatalf("before the restart: %d %s", code, body)
	}
	regs := s.registrations()
	if regs != 1 {
		t.Fatalf("%d registrations in the gateway's log before the restart, want 1", regs)
	}
	if out, err := s.run(nil, "dev", "restart-gateway", "--dir", s.dir); err != nil {
		t.Fatalf("restart-gateway: %v\n%s", err, out)
	}
	eventually(t, "the gateway to restart", time.Minute, func() bool { return strings.Contains(s.log(), "the gateway is back") })
	took := eventually(t, "the app to answer through the restarted gateway", time.Minute, func() bool {
		code, body := s.get(s.st.AppHost, "/")
		return code == http.StatusOK && field(body, "instance_id") == s.st.InstanceID
	})
	if n := s.registrations(); n != regs {
		t.Fatalf("the CVM registered again (%d registrations, %d before): the route did not come from the kept registry", n, regs)
	}
	t.Logf("routed again %s after the restart, from the stored registry", took.Round(10*time.Millisecond))
}
