// Package kmsapp hosts the dstack KMS in Caddy: the top-level app
// "dstack_kms", whose JSON is the KMS configuration (kms.Config), runs the
// same server as the dstack-kms binary, with Caddy's logging.
//
//	{"apps": {"dstack_kms": {"listen": "127.0.0.1:8000", "state_dir": "/var/lib/dstack-kms",
//	    "auth": {"static": "/etc/dstack/auth.json"}}}}
package kmsapp

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/dstack-go/dstack/kms"
)

func init() {
	caddy.RegisterModule(new(App))
}

// App is the dstack_kms Caddy app.
type App struct {
	kms.Config

	ctx    caddy.Context
	server *kms.Server
}

// CaddyModule returns the Caddy module information.
func (*App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "dstack_kms", New: func() caddy.Module { return new(App) }}
}

// Provision loads or creates the root keys.
func (a *App) Provision(ctx caddy.Context) error {
	a.ctx = ctx
	srv, err := kms.NewServer(ctx, a.Config, ctx.Logger())
	if err != nil {
		return err
	}
	a.server = srv
	return nil
}

// Start serves the KMS RPC on a Caddy listener, so that a config reload,
// which starts the new app while the old one still serves, can keep the
// same address.
//
// A threshold node's peer listener (threshold.peer_listen) is a Caddy
// listener too; the node comes up in the background (its DKG on first
// start waits for every peer), and its RPC handshakes fail, saying so,
// until it is up.
func (a *App) Start() error {
	listen := a.Config.Listen
	if listen == "" {
		listen = kms.DefaultListen
	}
	ln, err := a.listen(listen)
	if err != nil {
		return err
	}
	if t := a.Config.Threshold; t != nil {
		if t.PeerListen == "" {
			ln.Close()
			return fmt.Errorf("threshold: peer_listen is required: the address where the other nodes reach this one")
		}
		peer, err := a.listen(t.PeerListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("threshold: %w", err)
		}
		a.server.PeerListener = peer
	}
	if err := a.server.Serve(a.ctx, ln); err != nil {
		ln.Close()
		if a.server.PeerListener != nil {
			a.server.PeerListener.Close()
		}
		return err
	}
	return nil
}

// listen opens a Caddy stream listener on one host:port.
func (a *App) listen(addr string) (net.Listener, error) {
	na, err := caddy.ParseNetworkAddress(addr)
	if err != nil || na.PortRangeSize() != 1 {
		return nil, fmt.Errorf("listen %q is not one host:port: %v", addr, err)
	}
	l, err := na.Listen(a.ctx, 0, net.ListenConfig{})
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	ln, ok := l.(net.Listener)
	if !ok {
		return nil, fmt.Errorf("listen %q is not a stream address", addr)
	}
	return ln, nil
}

// Stop stops serving.
func (a *App) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.server.Stop(ctx)
}

// URL is the address the KMS serves at, once started.
func (a *App) URL() string { return a.server.URL }

var (
	_ caddy.App         = (*App)(nil)
	_ caddy.Provisioner = (*App)(nil)
)
