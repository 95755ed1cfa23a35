package gateway

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/prpc/prpctest"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestRegistrationLimits: the registration RPC runs within the app's
// limits: each method refuses a body over its limit with 413, a flood of
// 10 MiB registrations makes the heap grow by a small fraction of what the
// bodies weigh, and a connection that never finishes its handshake is
// closed after read_header_timeout.
func TestRegistrationLimits(t *testing.T) {
	e := newEnv(t)
	compose := [32]byte{0xe1}
	c := e.bootCVM(e.deployApp(compose), compose, 1)
	g := e.load(e.dstackConfig(map[string]any{"limits": map[string]any{"read_header_timeout": "300ms"}}), proxyRoute(nil))
	v := &ratls.Verifier{Attestation: e.pki.VerifyOptions(), Policy: tunnel.GatewayPolicy(e.reader)}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(c.cert(c.td, false)), MaxConnsPerHost: 64}}
	base := "https://" + g.app.RegistrationAddr() + "/prpc/"
	for method, limit := range map[string]int64{tunnel.RegisterMethod: maxRegisterBody, tunnel.InfoMethod: prpc.DefaultMaxBody} {
		if err := prpctest.BodyLimit(client, base+method+"?json", method, limit); err != nil {
			t.Error(err)
		}
	}

	res := prpctest.Flood(client, base+tunnel.RegisterMethod+"?json", 32, 10<<20)
	t.Logf("peak heap growth %d KiB; answers %v; %d closed connections", res.PeakHeap>>10, res.Status, res.Errors)
	if res.Status[http.StatusOK] != 0 || res.Status[http.StatusRequestEntityTooLarge] == 0 || res.Status[http.StatusRequestEntityTooLarge]+res.Errors != 32 {
		t.Fatalf("answers %v, %d closed connections: want only 413 (or a closed connection)", res.Status, res.Errors)
	}
	if res.PeakHeap > 32<<20 {
		t.Fatalf("the heap grew by %d MiB during the flood", res.PeakHeap>>20)
	}

	silent, err := net.Dial("tcp", g.app.RegistrationAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	held, err := prpctest.HeldFor(silent, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("silent connection closed after %v", held.Round(time.Millisecond))
}
