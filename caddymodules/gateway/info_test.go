package gateway

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestInfo: upstream's Info RPC on the registration listener, with
// upstream's field names, under its bare name and the legacy Tproxy.
// prefix; external_port defaults to 443.
func TestInfo(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xd3)
	app := e.deployApp(compose)
	c := e.bootCVM(app, compose, 1)
	g := e.load(e.dstackConfig(map[string]any{"external_port": 8443}), proxyRoute(nil))
	reg := &tunnel.Registration{
		GatewayURL: "https://" + g.app.RegistrationAddr(), Certificate: c.cert(c.td, false),
		Attestation: e.pki.VerifyOptions(), Gateway: e.reader,
	}
	info, err := reg.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := tunnel.InfoResponse{BaseDomain: baseDomain, ExternalPort: 8443, AppAddressNsPrefix: "_dstack-app-address", Version: Version}
	if *info != want {
		t.Fatalf("%+v, want %+v", info, want)
	}
	v := &ratls.Verifier{Attestation: e.pki.VerifyOptions(), Policy: tunnel.GatewayPolicy(e.reader)}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(c.cert(c.td, false))}}
	for _, name := range []string{"Info", "Tproxy.Info"} {
		res, err := client.Post("https://"+g.app.RegistrationAddr()+"/prpc/"+name+"?json", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"base_domain":"`+baseDomain+`","external_port":8443,"app_address_ns_prefix":"_dstack-app-address","version":"`+Version+`"}` {
			t.Fatalf("%s: %d %s", name, res.StatusCode, body)
		}
	}

	// The default port.
	g2 := e.load(e.dstackConfig(nil), proxyRoute(nil))
	reg.GatewayURL = "https://" + g2.app.RegistrationAddr()
	if info, err := reg.Info(context.Background()); err != nil || info.ExternalPort != 443 {
		t.Fatalf("%+v %v", info, err)
	}
}
