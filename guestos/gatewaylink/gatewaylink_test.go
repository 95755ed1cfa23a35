package gatewaylink

import (
	"context"
	"errors"
	"net"
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

// TestRelaysOnlyPublishedPorts: the guest's tunnel relays the ports its
// app-compose publishes and no other — not a port the Registrar maps but
// the app does not publish, nor a loopback service's port the gateway
// names — and the registration carries the app-compose byte for byte.
func TestRelaysOnlyPublishedPorts(t *testing.T) {
	l := startLink(t, 0, 0)
	c, _ := l.stream(t)
	echoOnce(t, c, "published")
	c.Close()
	private, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer private.Close()
	for _, port := range []uint16{81, uint16(private.Addr().(*net.TCPAddr).Port)} {
		c, err := l.dial().Dial(context.Background(), l.reg.TunnelAddr(), port, nil)
		if err == nil {
			err = c.Status()
			c.Close()
		}
		if !errors.Is(err, tunnel.ErrPortRefused) {
			t.Fatalf("port %d: %v, want %v", port, err, tunnel.ErrPortRefused)
		}
	}
	l.gw.mu.Lock()
	got := l.gw.last.AppCompose
	l.gw.mu.Unlock()
	if got != linkCompose {
		t.Fatalf("registered app_compose %q", got)
	}
}
