// Package guestos is the dstack guest: the program that runs as the init of
// a confidential VM, measures the app's identity, obtains its keys from an
// attested KMS, and serves the app-facing agent (dstack.sock).
//
// This package holds the platform seam: the TEE the guest measures into and
// quotes from (the TDX kernel interfaces on a real TD, a simulated TDX
// module in development) and the runtime event log beside it. Everything
// above it (boot, agent) is the same code on both; the simulated TEE
// (tee/attest/mock's TD) is only ever chosen by an explicit insecure option. The package must never extend
// a register without logging the event, or log an event it did not extend.
package guestos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// TEE is the trusted hardware of a guest: the runtime measurement register
// (RTMR3) and the quotes that attest it.
type TEE interface {
	// ExtendRTMR3 extends RTMR3 with a SHA-384 digest:
	// RTMR3 = SHA-384(RTMR3 ‖ digest).
	ExtendRTMR3(digest [48]byte) error
	// Quote returns a signed TDX quote whose report_data is reportData.
	Quote(ctx context.Context, reportData [64]byte) ([]byte, error)
}

// BootLog is implemented by TEEs that have a boot-time event log (the
// firmware's and kernel's measurements into RTMR0–2, from the CCEL ACPI
// table on TDX). Its events precede the runtime events in evidence.
type BootLog interface {
	BootEvents() ([]eventlog.Event, error)
}

// The runtime log files, as upstream names them (in /run/log/dstack on a TD).
const (
	RuntimeLogFile     = "runtime_events.log"
	RuntimeLockFile    = "runtime_event.lock"
	RuntimeVersionFile = "runtime_event_version"
)

// Platform is a TEE and its runtime event log: every event extended into
// RTMR3 is appended, once the extend succeeded, to the log file
// (upstream's format, base64 payloads) that verifiers replay.
type Platform struct {
	tee    TEE
	dir    string
	config string
	boot   []eventlog.Event

	mu     sync.Mutex
	events []eventlog.RuntimeEvent
}

// NewPlatform starts the runtime event log of one boot in logDir (created
// 0700) with an empty log and no event version yet: the guest is set up
// once per boot. vmConfig is
// the host's vm_config carried with the evidence.
func NewPlatform(tee TEE, logDir, vmConfig string) (*Platform, error) {
	p := &Platform{tee: tee, dir: logDir, config: vmConfig}
	if bl, ok := tee.(BootLog); ok {
		events, err := bl.BootEvents()
		if err != nil {
			return nil, fmt.Errorf("reading the boot event log: %w", err)
		}
		p.boot = events
	}
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the runtime log directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(logDir, RuntimeLogFile), nil, 0o600); err != nil {
		return nil, fmt.Errorf("starting the runtime log: %w", err)
	}
	// A new boot chooses its event version anew.
	if err := os.Remove(filepath.Join(logDir, RuntimeVersionFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("starting the runtime log: %w", err)
	}
	return p, nil
}

// LogPath is the runtime event log file.
func (p *Platform) LogPath() string { return filepath.Join(p.dir, RuntimeLogFile) }

// Config is the vm_config carried with the evidence.
func (p *Platform) Config() string { return p.config }

// SetEventVersion records the runtime event version of this boot (1 or 2).
// Once set it cannot change, as upstream.
func (p *Platform) SetEventVersion(v uint8) error {
	if v != 1 && v != 2 {
		return fmt.Errorf("runtime event version %d: want 1 or 2", v)
	}
	path := filepath.Join(p.dir, RuntimeVersionFile)
	if b, err := os.ReadFile(path); err == nil {
		if string(b) != strconv.Itoa(int(v)) {
			return fmt.Errorf("runtime event version is already %s for this boot, not %d", b, v)
		}
		return nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(int(v))), 0o600); err != nil {
		return fmt.Errorf("recording the runtime event version: %w", err)
	}
	return nil
}

// Emit extends RTMR3 with each event in order and appends it to the log,
// holding the log lock: the line is written only after the extend
// succeeded. On error the events after the failing one are not emitted.
func (p *Platform) Emit(events ...eventlog.RuntimeEvent) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	lock, err := os.OpenFile(filepath.Join(p.dir, RuntimeLockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("emitting runtime events: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("emitting runtime events: locking the log: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	log, err := os.OpenFile(p.LogPath(), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("emitting runtime events: %w", err)
	}
	defer log.Close()
	for _, e := range events {
		if err := p.tee.ExtendRTMR3(e.Digest()); err != nil {
			return fmt.Errorf("emitting runtime event %s: extending RTMR3: %w", e.Name, err)
		}
		p.events = append(p.events, e)
		if err := eventlog.AppendRuntimeLog(log, e); err != nil {
			return fmt.Errorf("emitting runtime event %s: %w", e.Name, err)
		}
	}
	return nil
}

// Events returns the runtime events emitted so far, in order.
func (p *Platform) Events() []eventlog.RuntimeEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]eventlog.RuntimeEvent(nil), p.events...)
}

// Attest implements attest.Attester: a quote and the runtime events it
// reflects, taken together so that no event slips in between, after the
// boot events when the TEE has a boot log.
func (p *Platform) Attest(ctx context.Context, reportData [64]byte) (*wire.Attestation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	events := append([]eventlog.RuntimeEvent(nil), p.events...)
	a := &attest.TDXAttester{
		Quote:         p.tee.Quote,
		BootEvents:    p.boot,
		RuntimeEvents: func() []eventlog.RuntimeEvent { return events },
		Config:        p.config,
	}
	return a.Attest(ctx, reportData)
}

var _ attest.Attester = (*Platform)(nil)

// ErrNoTDX is returned when the machine offers no TDX guest interface.
var ErrNoTDX = errors.New("no TDX guest interface on this machine")
