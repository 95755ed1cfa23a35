package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/jonboulle/clockwork"
	"go.uber.org/zap"
)

// DefaultPassiveCoolDown is how long an instance whose dial failed is
// left out of routing, unless passive_health sets cool_down.
const DefaultPassiveCoolDown = 30 * time.Second

// PassiveHealth is the gateway's passive health checking of CVM instances,
// on by default. A dial to an instance that fails for the instance's own
// sake — its tunnel cannot be reached, the handshake fails or times out,
// its RA-TLS attestation does not verify or does not prove what it must —
// marks the instance down at once, for CoolDown. An HTTP error status from
// the app is an answer, not a failed dial: it marks nothing. A dial
// refused for the gateway's sake (the chain unreadable, a port the app
// does not publish) or given up because the client went away marks
// nothing either.
//
// The request whose dial failed is sent to another live instance of the
// same app, among those the dstack upstreams offered it (so an instance
// pinned by its id, or one the active health checks left out, is never
// chosen instead): nothing of the request was sent, so the retry is safe
// for any method, and it needs no lb_retries. When no live instance is
// left the transport answers 503 with X-Dstack-Refused: down, a
// Retry-After of the shortest cool-down left, and a body naming each
// instance's failure; the layer4 handler closes the connection and logs
// the same reasons. The dstack upstreams leave down instances out while
// another is live.
//
// A down instance is routed again when its cool-down has passed (the next
// request to it is the check: if its dial fails again it is down again,
// and that request goes to another instance), when it registers again
// (RegisterCvm, as a restarted CVM does at boot and every CVM does at half
// its instance_ttl), or when an active health check of it passes. An
// instance that deregisters or expires is forgotten.
type PassiveHealth struct {
	// Off turns passive health checking off: a failed dial is then an
	// error (502) and the instance stays routed until its registration
	// expires (instance_ttl), it deregisters, or an active health check
	// leaves it out. Default false (on).
	Off bool `json:"off,omitempty"`
	// CoolDown is how long an instance whose dial failed is left out
	// before it is tried again. Default 30s.
	CoolDown caddy.Duration `json:"cool_down,omitempty"`
}

// DownStatus is why an instance is left out of routing by passive health.
type DownStatus struct {
	// Since is when its dial failed; Until is when it is tried again.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Error is the failure of the dial.
	Error string `json:"error"`
}

// ejector keeps the instances passive health marked down, by instance id.
type ejector struct {
	off      bool
	coolDown time.Duration
	log      *zap.Logger

	mu    sync.Mutex
	clock clockwork.Clock
	down  map[string]DownStatus
}

func newEjector(cfg PassiveHealth, log *zap.Logger, clock clockwork.Clock) *ejector {
	cd := time.Duration(cfg.CoolDown)
	if cd <= 0 {
		cd = DefaultPassiveCoolDown
	}
	return &ejector{off: cfg.Off, coolDown: cd, log: log, clock: clock, down: map[string]DownStatus{}}
}

// markDown leaves an instance out for the cool-down after a failed dial.
func (e *ejector) markDown(inst *Instance, err error) {
	if e.off {
		return
	}
	e.mu.Lock()
	now := e.clock.Now()
	_, was := e.down[inst.key()]
	s := DownStatus{Since: now, Until: now.Add(e.coolDown), Error: err.Error()}
	e.down[inst.key()] = s
	e.mu.Unlock()
	if !was {
		e.log.Warn("instance is down: leaving it out of routing", zap.String("app_id", inst.appKey()),
			zap.String("instance_id", inst.key()), zap.Time("until", s.Until), zap.Error(err))
	}
}

// markUp routes an instance again, after a sign of life: why names it. An
// app that was not provisioned has no ejector, and nothing to mark.
func (e *ejector) markUp(id, why string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	_, was := e.down[id]
	delete(e.down, id)
	e.mu.Unlock()
	if was {
		e.log.Info("instance is up again", zap.String("instance_id", id), zap.String("because", why))
	}
}

// forget drops an instance that left the registry.
func (e *ejector) forget(id string) {
	e.mu.Lock()
	delete(e.down, id)
	e.mu.Unlock()
}

// status reports whether an instance is down now, and why.
func (e *ejector) status(id string) (DownStatus, bool) {
	if e.off {
		return DownStatus{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.down[id]
	if ok && !e.clock.Now().Before(s.Until) {
		// The cool-down has passed: the next dial is the check.
		delete(e.down, id)
		return DownStatus{}, false
	}
	return s, ok
}

func (e *ejector) isDown(i *Instance) bool { _, down := e.status(i.key()); return down }

// now is the time on the ejector's clock.
func (e *ejector) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock.Now()
}

// downError is a dial that failed for the instance's sake, which passive
// health marked down; or, without a dial, an instance already down.
type downError struct {
	inst *Instance
	err  error
}

func (e *downError) Error() string {
	return fmt.Sprintf("instance %s is down: %v", e.inst.key(), e.err)
}

func (e *downError) Unwrap() error { return e.err }

// notTheInstance marks a dial error that says nothing of the instance
// (the chain unreadable, a port it does not publish): passive health does
// not count it.
type notTheInstance struct{ error }

func (e notTheInstance) Unwrap() error { return e.error }

// blames reports whether a failed dial is the instance's doing.
func blames(err error) bool {
	var n notTheInstance
	return err != nil && !errors.As(err, &n)
}

// downRefusal is the answer when every instance a request could go to is
// down: 503 (the instances, not the request, are at fault, and it may
// pass), with a Retry-After of the shortest cool-down left, at least a
// second, and each instance's failure.
func (e *ejector) downRefusal(req *http.Request, what string, insts []*Instance) *http.Response {
	now := e.now()
	var why []string
	var next time.Duration
	for _, inst := range insts {
		s, ok := e.status(inst.key())
		if !ok {
			continue
		}
		if left := s.Until.Sub(now); next == 0 || left < next {
			next = left
		}
		why = append(why, fmt.Sprintf("instance %s: down since %s, tried again from %s", inst.key(),
			s.Since.UTC().Format(time.RFC3339), s.Until.UTC().Format(time.RFC3339)))
	}
	// The dial errors name the CVMs' tunnel addresses: they are logged,
	// not told to the client.
	body := fmt.Sprintf("dstack: no live instance of %s: the dial of each instance's attested tunnel failed (unreachable, or its attestation refused; the gateway's log says why)\n", what)
	for _, w := range why {
		body += "  " + w + "\n"
	}
	res := refused(req, http.StatusServiceUnavailable, "down", body)
	res.Header.Set("Retry-After", strconv.Itoa(max(1, int((next+time.Second-1)/time.Second))))
	return res
}

// downReasons is each down instance's failure, for logs and layer4 errors.
func (e *ejector) downReasons(insts []*Instance) string {
	var why []string
	for _, inst := range insts {
		if s, ok := e.status(inst.key()); ok {
			why = append(why, fmt.Sprintf("instance %s until %s: %s", inst.key(), s.Until.UTC().Format(time.RFC3339), s.Error))
		}
	}
	return strings.Join(why, "; ")
}
