package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/ratls"
)

// Errors of routing.
var (
	ErrNoInstance = errors.New("no live instance is registered for this id")
	ErrRevoked    = errors.New("the chain no longer allows this app")
)

// resolve returns the live instances a target names: the instance when the
// id is an instance id, else the app's instances, the ones the chain allows
// first.
func (a *App) resolve(t Target) ([]*Instance, error) {
	now := a.clock.Now()
	if i, ok := a.reg.get(t.ID); ok && a.live(i, now) {
		return []*Instance{i}, nil
	}
	var allowed, refused []*Instance
	for _, i := range a.reg.ofApp(t.ID) {
		switch {
		case !a.live(i, now):
		case i.Allowed:
			allowed = append(allowed, i)
		default:
			refused = append(refused, i)
		}
	}
	if len(allowed) > 0 {
		return allowed, nil
	}
	if len(refused) > 0 {
		return refused, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoInstance, t.ID)
}

// live reports whether an instance's registration has not expired at now.
func (a *App) live(i *Instance, now time.Time) bool {
	return now.Sub(i.LastSeen) <= time.Duration(a.InstanceTTL)
}

// AppState is an app's routing state at the current block.
type AppState string

// The states an app can be in.
const (
	// StateAllowed: some live instance is allowed by the chain.
	StateAllowed AppState = "allowed"
	// StateRevoked: live instances are registered, and the chain allows
	// none of them.
	StateRevoked AppState = "revoked"
	// StateUnknown: no live instance is registered.
	StateUnknown AppState = "unknown"
)

// State returns the routing state of the app or instance id.
func (a *App) State(id string) AppState {
	insts, err := a.resolve(Target{ID: id})
	switch {
	case err != nil:
		return StateUnknown
	case insts[0].Allowed:
		return StateAllowed
	}
	return StateRevoked
}

// dialInstance opens a tunnel stream to an instance's port. The CVM's
// certificate must prove the instance's app id (and wantApp's, when set),
// its instance id, an accepted TCB status, a bound OS image (unless
// insecure_allow_unbound_os_image), and a compose hash the chain
// allows at the current block.
func (a *App) dialInstance(ctx context.Context, inst *Instance, port uint16, wantApp []byte, tcb []string, mux bool) (net.Conn, error) {
	if err := a.stale(); err != nil {
		return nil, notTheInstance{err}
	}
	if !inst.allowsPort(port) {
		return nil, notTheInstance{fmt.Errorf("instance %x does not expose port %d: its app-compose publishes only %v", inst.InstanceID, port, inst.Ports)}
	}
	// chainErr is set when the chain could not be read during the
	// handshake: the instance is not at fault.
	var chainErr error
	check := func(c *ratls.Claims) error {
		ev := c.Evidence
		switch {
		case !bytes.Equal(ev.AppID, inst.AppID):
			return fmt.Errorf("the CVM proves app id %x, the instance is registered for app %x", ev.AppID, inst.AppID)
		case wantApp != nil && !bytes.Equal(ev.AppID, wantApp):
			return fmt.Errorf("the CVM proves app id %x, the request is for app %x", ev.AppID, wantApp)
		case !bytes.Equal(ev.InstanceID, inst.InstanceID):
			return fmt.Errorf("the CVM proves instance id %x, not the registered %x", ev.InstanceID, inst.InstanceID)
		}
		if err := a.checkTCB(ev.TCBStatus, tcb); err != nil {
			return err
		}
		if err := a.checkOSImage(ev); err != nil {
			return err
		}
		d, err := a.decide(ctx, kmsapi.BootInfoOf(ev, false))
		if err != nil {
			chainErr = err
			return err
		}
		if !d.Allowed {
			return fmt.Errorf("compose hash %x is not allowed on chain at block %d: %s", ev.ComposeHash, d.Block, d.Reason)
		}
		return nil
	}
	dial := a.dialer.Dial
	if mux {
		dial = a.dialer.DialMux
	}
	c, err := dial(ctx, inst.TunnelAddress, port, check)
	if err != nil {
		if chainErr != nil {
			return nil, notTheInstance{err}
		}
		return nil, err
	}
	return a.conns.track(inst.key(), c), nil
}

// dialRouted is dialInstance for routed traffic, bounded by timeout: a
// dial that fails for the instance's sake marks it down (passive health)
// and is returned as a *downError. A dial given up because ctx ended (the
// client went away) marks nothing.
func (a *App) dialRouted(ctx context.Context, timeout time.Duration, inst *Instance, port uint16, wantApp []byte, tcb []string, mux bool) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := a.dialInstance(dctx, inst, port, wantApp, tcb, mux)
	if err == nil {
		return conn, nil
	}
	if a.passive.off || ctx.Err() != nil || !blames(err) {
		return nil, err
	}
	a.passive.markDown(inst, err)
	return nil, &downError{inst: inst, err: err}
}

// splitDial reads "<instance id>:<port>".
func splitDial(addr string) (string, uint16, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return "", 0, fmt.Errorf("dial address %q: bad port", addr)
	}
	return host, uint16(p), nil
}
