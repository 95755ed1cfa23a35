package gatewaylink

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/identity"
)

// TestRegisterRefusesMisconfiguration: without a gateway URL or a source
// of the gateway app id nothing listens and nothing is sent. The working
// path (a real gateway, the chain, the tunnel) is tested end to end in
// test/ over `dstack dev up`.
func TestRegisterRefusesMisconfiguration(t *testing.T) {
	cvm := &boot.CVM{SysConfig: &hostinput.SysConfig{}}
	for _, c := range []struct {
		r    *Registrar
		want string
	}{
		{&Registrar{Gateway: tunnel.StaticGatewayAppID("00")}, "gateway_urls"},
		{&Registrar{GatewayURLs: []string{"https://127.0.0.1:1"}}, "gateway app id"},
	} {
		if err := c.r.Register(context.Background(), cvm); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error about %q", err, c.want)
		}
		if c.r.TunnelAddr() != "" || c.r.Close() != nil {
			t.Error("a refused registration left a tunnel server")
		}
	}
}

func TestPortPolicy(t *testing.T) {
	if portPolicy(nil) != nil {
		t.Fatal("no port_policy must send none")
	}
	got := portPolicy(&identity.PortPolicy{RestrictMode: true, Ports: []identity.PortRule{{Port: 80}, {Port: 22, PP: true}}})
	want := &tunnel.PortPolicy{RestrictMode: true, Ports: []tunnel.PortRule{{Port: 80}, {Port: 22, PP: true}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v, want %+v", got, want)
	}
}
