package gateway

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest/mock"
)

// rateTCB makes the gateway read collateral that rates the mock platform
// status (the CVMs' own view of the gateway stays UpToDate).
func (e *env) rateTCB(status string) map[string]any {
	e.t.Helper()
	pki, err := mock.NewPKI([]byte(seed))
	if err != nil {
		e.t.Fatal(err)
	}
	pki.SetTCBStatus(status)
	dir := filepath.Join(e.dir, "collateral-"+status)
	roots := filepath.Join(e.dir, "roots.pem")
	if err := pki.WriteCollateralDir(dir); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(roots, pki.RootsPEM(), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return map[string]any{"collateral_dir": dir, "insecure_trust_roots": roots}
}

// TestTCBPolicy: evidence whose TCB status the policy does not accept is
// refused at registration (the app's tcb_status, UpToDate by default), and
// at every dial when a wider registration policy let it in: by the
// transport's tcb_status and by the layer4 handler's. A tcb_status that
// accepts more than UpToDate is announced at start. (Revoked evidence
// fails verification itself, before any policy: "TCB level revoked".)
func TestTCBPolicy(t *testing.T) {
	for _, status := range []string{"OutOfDate", "ConfigurationNeeded"} {
		t.Run(status, func(t *testing.T) {
			e := newEnv(t)
			compose := e.compose(0xa1)
			// An app whose contract leaves the TCB to the gateway's policy.
			addr, _, err := e.chain.DeployApp(false, true, [32]byte{}, compose)
			if err != nil {
				t.Fatal(err)
			}
			app := addr.Bytes()
			rated := e.rateTCB(status)
			g := e.load(e.dstackConfig(map[string]any{"attestation": rated}), proxyRoute(nil))
			c := e.bootCVM(app, compose, 1)
			if _, err := c.register(g); err == nil || !strings.Contains(err.Error(), `registration refused: TCB status "`+status+`" is not accepted (tcb_status [UpToDate])`) {
				t.Fatalf("registration with %s evidence: %v", status, err)
			}
			if len(g.app.Instances()) != 0 {
				t.Fatal("registered")
			}
			own := tunnel.DeregisterRequest{AppID: app, InstanceID: c.id.InstanceID}
			if _, err := c.deregistration(g, c.td).Deregister(context.Background(), own); err == nil ||
				!strings.Contains(err.Error(), `deregistration refused: TCB status "`+status+`" is not accepted`) {
				t.Fatalf("deregistration with %s evidence: %v", status, err)
			}

			// The app accepts the status; the transport and the layer4
			// route do not.
			var l4addr string
			apps := func(tcb ...string) map[string]any {
				var apps map[string]any
				l4addr, apps = terminatedL4(t, map[string]any{"tcb_status": tcb})
				return apps
			}
			echo := func() string { t.Helper(); return l4Echo(t, l4addr, app) }
			wide := e.dstackConfig(map[string]any{"attestation": rated, "tcb_status": []string{"UpToDate", status}})
			g = e.loadApps(wide, proxyRoute(map[string]any{"tcb_status": []string{"UpToDate"}}), apps("UpToDate"))
			if !g.logContains(`"tcb_status accepts platforms that are not up to date"`) || !g.logContains(status) {
				t.Error("the widened tcb_status is not announced")
			}
			c.ports[7000] = e.tcpEcho()
			c.mustRegister(g)
			if code, body := get(t, nil, g, hostOf(app, ""), nil); code == http.StatusOK || strings.Contains(body, "app=") {
				t.Fatalf("transport dial with %s evidence: %d %q", status, code, body)
			}
			if !g.logContains(`TCB status \"` + status + `\" is not accepted (tcb_status [UpToDate])`) {
				t.Error("the transport's refusal is not logged with its reason")
			}
			// The refused dial marked the instance down: registering again
			// routes it again, so that the layer4 route dials it too.
			c.mustRegister(g)
			if got := echo(); got != "" {
				t.Fatalf("layer4 dial with %s evidence: %q", status, got)
			}
			if g.logCount(`TCB status \"`+status+`\" is not accepted (tcb_status [UpToDate])`) < 2 {
				t.Error("the layer4 refusal is not logged with its reason")
			}

			// The control: the same evidence where every policy accepts it.
			g = e.loadApps(wide, proxyRoute(nil), apps("UpToDate", status))
			c.mustRegister(g)
			if code, body := get(t, nil, g, hostOf(app, ""), nil); code != http.StatusOK {
				t.Fatalf("accepted %s: %d %q", status, code, body)
			}
			if got := echo(); got != "echo:ping" {
				t.Fatalf("layer4 with %s accepted: %q", status, got)
			}
		})
	}
}
