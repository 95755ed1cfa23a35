package gateway

import (
	"net/http"
	"testing"

	"github.com/dstack-go/dstack/internal/prpc/prpctest"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestLargeAnswers: the registration RPCs send answers of over 64 KB with
// Content-Length.
func TestLargeAnswers(t *testing.T) {
	e := newEnv(t)
	compose := [32]byte{0xd4}
	c := e.bootCVM(e.deployApp(compose), compose, 1)
	g := e.load(e.dstackConfig(nil), proxyRoute(nil))
	v := &ratls.Verifier{Attestation: e.pki.VerifyOptions(), Policy: tunnel.GatewayPolicy(e.reader)}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(c.cert(c.td, false))}}
	prpctest.LargeAnswer(t, client, "https://"+g.app.RegistrationAddr()+"/prpc/Tproxy.")
}
