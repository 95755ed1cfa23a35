package guestos

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
)

const testConfig = `{"os_image_hash":"00","cpu_count":1,"memory_size":0}`

// TestSimulatedPlatform: emitted events reach the register and the log in
// order, and the evidence verifies with the mock roots and replays.
func TestSimulatedPlatform(t *testing.T) {
	pki, err := mock.NewPKI([]byte("platform test"))
	if err != nil {
		t.Fatal(err)
	}
	tee := pki.NewTD()
	dir := filepath.Join(t.TempDir(), "log")
	p, err := NewPlatform(tee, dir, testConfig)
	if err != nil {
		t.Fatal(err)
	}
	events := []eventlog.RuntimeEvent{{Name: "system-preparing"}, {Name: "app-id", Payload: make([]byte, 20)}, {Name: "compose-hash", Payload: []byte{1, 2}, Version: 2}}
	if err := p.Emit(events...); err != nil {
		t.Fatal(err)
	}
	if tee.RTMR3() != eventlog.Replay(events) {
		t.Fatal("register does not replay")
	}
	f, _ := os.Open(p.LogPath())
	logged, err := eventlog.ReadRuntimeLog(f)
	f.Close()
	if err != nil || len(logged) != 3 || logged[2].Version != 2 || eventlog.Replay(logged) != tee.RTMR3() {
		t.Fatalf("log %+v %v", logged, err)
	}
	a, err := p.Attest(context.Background(), [64]byte{9})
	if err != nil {
		t.Fatal(err)
	}
	v, err := attest.Verify(context.Background(), a, attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}, Collateral: collateral.NewCache(pki.Source(), collateral.CacheOptions{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if v.ReportData[0] != 9 || len(v.RuntimeEvents) != 3 || v.Config != testConfig {
		t.Fatalf("verified %+v", v)
	}
	// The simulated TD's boot events lead the log, so that replaying the
	// whole log gives every RTMR of the quote, as on a real TD.
	for imr := range uint32(4) {
		mr, err := eventlog.ReplayIMR(a.TDX.EventLog, imr)
		if err != nil || mr != v.TDX.RTMR[imr] {
			t.Fatalf("the evidence's log replays RTMR%d to %x (%v), the quote says %x", imr, mr, err, v.TDX.RTMR[imr])
		}
	}
	// A second platform in the same directory starts a new log.
	p2, err := NewPlatform(pki.NewTD(), dir, testConfig)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p2.LogPath()); len(b) != 0 {
		t.Fatal("log not restarted")
	}
}

type failingTEE struct{ mock.TD }

func (*failingTEE) ExtendRTMR3([48]byte) error { return os.ErrPermission }

// TestEmitFailureLogsNothing: an event whose extend fails is not logged.
func TestEmitFailureLogsNothing(t *testing.T) {
	p, err := NewPlatform(&failingTEE{}, t.TempDir(), testConfig)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Emit(eventlog.RuntimeEvent{Name: "app-id"})
	if err == nil || !strings.Contains(err.Error(), "app-id") {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(p.LogPath()); len(b) != 0 || len(p.Events()) != 0 {
		t.Fatalf("logged %q", b)
	}
}

func TestEventVersion(t *testing.T) {
	p, _ := NewPlatform(&failingTEE{}, t.TempDir(), testConfig)
	if err := p.SetEventVersion(3); err == nil {
		t.Fatal("version 3 accepted")
	}
	if err := p.SetEventVersion(1); err != nil {
		t.Fatal(err)
	}
	if err := p.SetEventVersion(1); err != nil {
		t.Fatal(err)
	}
	if err := p.SetEventVersion(2); err == nil || !strings.Contains(err.Error(), "already 1") {
		t.Fatalf("changed version: %v", err)
	}
	// The next boot chooses again.
	p2, _ := NewPlatform(&failingTEE{}, p.dir, testConfig)
	if err := p2.SetEventVersion(2); err != nil {
		t.Fatal(err)
	}
}

func TestOpenTDXOffTD(t *testing.T) {
	if _, err := os.Stat(tdxGuestDevice); err == nil {
		t.Skip("on a TD")
	}
	if _, err := OpenTDX(); err == nil {
		t.Fatal("TDX opened on a machine without it")
	}
}

type bootLogTEE struct {
	*mock.TD
	events []eventlog.Event
	err    error
}

func (b *bootLogTEE) BootEvents() ([]eventlog.Event, error) { return b.events, b.err }

// TestBootLog: a TEE's boot events precede the runtime events in evidence,
// which still verifies; an unreadable boot log stops the platform.
func TestBootLog(t *testing.T) {
	pki, _ := mock.NewPKI([]byte("boot log test"))
	acpi := eventlog.Event{IMR: 0, EventType: 0x80000001, Digest: make([]byte, 48), Event: "acpi-tables", Payload: []byte("ACPI DATA")}
	p, err := NewPlatform(&bootLogTEE{TD: pki.NewTD(), events: []eventlog.Event{acpi}}, t.TempDir(), testConfig)
	if err != nil {
		t.Fatal(err)
	}
	p.Emit(eventlog.RuntimeEvent{Name: "app-id", Payload: make([]byte, 20)})
	a, err := p.Attest(context.Background(), [64]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.TDX.EventLog) != 2 || a.TDX.EventLog[0].Event != "acpi-tables" || a.TDX.EventLog[1].Event != "app-id" {
		t.Fatalf("log %+v", a.TDX.EventLog)
	}
	if _, err := attest.Verify(context.Background(), a, attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}, Collateral: collateral.NewCache(pki.Source(), collateral.CacheOptions{}),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlatform(&bootLogTEE{TD: pki.NewTD(), err: os.ErrNotExist}, t.TempDir(), testConfig); err == nil || !strings.Contains(err.Error(), "boot event log") {
		t.Fatalf("unreadable boot log: %v", err)
	}
}
