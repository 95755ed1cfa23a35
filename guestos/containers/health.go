package containers

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/opencontainers/runc/libcontainer"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Health states reported by Status; empty when the service has no
// healthcheck.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// healthcheck is a service's compose healthcheck with docker's defaults.
type healthcheck struct {
	Args          []string // run in the container; CMD-SHELL becomes /bin/sh -c
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
}

// convertHealthcheck returns nil when there is no healthcheck to run.
func convertHealthcheck(hc *types.HealthCheckConfig) (*healthcheck, error) {
	if hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		return nil, nil
	}
	h := &healthcheck{
		Interval: 30 * time.Second, Timeout: 30 * time.Second,
		StartInterval: 5 * time.Second, Retries: 3,
	}
	switch hc.Test[0] {
	case "CMD":
		h.Args = append([]string{}, hc.Test[1:]...)
	case "CMD-SHELL":
		if len(hc.Test) != 2 {
			return nil, fmt.Errorf("healthcheck CMD-SHELL takes one command string")
		}
		h.Args = []string{"/bin/sh", "-c", hc.Test[1]}
	default:
		return nil, fmt.Errorf("healthcheck test must start with CMD, CMD-SHELL or NONE, not %q", hc.Test[0])
	}
	if len(h.Args) == 0 {
		return nil, fmt.Errorf("healthcheck CMD has no command")
	}
	for _, d := range []struct {
		v   *types.Duration
		dst *time.Duration
	}{{hc.Interval, &h.Interval}, {hc.Timeout, &h.Timeout}, {hc.StartPeriod, &h.StartPeriod}, {hc.StartInterval, &h.StartInterval}} {
		if d.v == nil {
			continue
		}
		if *d.v < 0 {
			return nil, fmt.Errorf("healthcheck duration %s is negative", time.Duration(*d.v))
		}
		if *d.v > 0 {
			*d.dst = time.Duration(*d.v)
		}
	}
	if hc.Retries != nil {
		if *hc.Retries == 0 || *hc.Retries > 1<<20 {
			return nil, fmt.Errorf("healthcheck retries %d is out of range", *hc.Retries)
		}
		h.Retries = int(*hc.Retries)
	}
	return h, nil
}

// probeHealth runs the healthcheck against one run of the container until
// ctx ends: every StartInterval during the start period (failures there do
// not count), every Interval after it, unhealthy after Retries failures in a
// row, healthy on a success.
func (r *serviceRun) probeHealth(ctx context.Context, c *libcontainer.Container, main *libcontainer.Process) {
	h := r.svc.Health
	started := time.Now()
	failures := 0
	for {
		wait := h.Interval
		inStart := time.Since(started) < h.StartPeriod
		if inStart || r.healthState() == HealthStarting {
			wait = min(h.StartInterval, h.Interval)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		out, err := r.probeOnce(ctx, c, main)
		switch {
		case err == nil:
			failures = 0
			r.setHealth(HealthHealthy)
		case inStart:
		default:
			failures++
			r.p.log.Debug("healthcheck failed", zap.String("service", r.svc.Name), zap.Error(err), zap.ByteString("output", out))
			if failures >= h.Retries {
				r.setHealth(HealthUnhealthy)
			}
		}
	}
}

func (r *serviceRun) probeOnce(ctx context.Context, c *libcontainer.Container, main *libcontainer.Process) ([]byte, error) {
	var out bytes.Buffer
	p := &libcontainer.Process{
		Args: r.svc.Health.Args, Env: main.Env, UID: main.UID, GID: main.GID,
		AdditionalGroups: main.AdditionalGroups, Cwd: main.Cwd,
		Stdout: &out, Stderr: &out,
	}
	if err := c.Run(p); err != nil {
		return nil, fmt.Errorf("starting the healthcheck: %w", err)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
			_ = p.Signal(unix.SIGKILL)
		case <-time.After(r.svc.Health.Timeout):
			_ = p.Signal(unix.SIGKILL)
		}
	}()
	ps, err := p.Wait()
	close(done)
	if ps != nil && ps.Success() {
		return out.Bytes(), nil
	}
	if ps != nil {
		return out.Bytes(), fmt.Errorf("healthcheck exited with code %d", exitCode(ps))
	}
	return out.Bytes(), fmt.Errorf("healthcheck: %w", err)
}

func (r *serviceRun) healthState() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.health
}

func (r *serviceRun) setHealth(h string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.health != h {
		r.p.log.Info("service health", zap.String("service", r.svc.Name), zap.String("health", h))
	}
	r.health = h
}
