package pid1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseCmdline(t *testing.T) {
	c, err := ParseCmdline("console=ttyS0 dstack.net_address=10.0.2.15/24 quiet dstack.host_shared_tag=hs dstack.flag\n")
	if err != nil {
		t.Fatal(err)
	}
	if c["net_address"] != "10.0.2.15/24" || c["host_shared_tag"] != "hs" || len(c) != 3 {
		t.Fatalf("%v", c)
	}
	if _, err := ParseCmdline("dstack.net_address=a dstack.net_address=b"); err == nil {
		t.Fatal("a parameter given twice was accepted")
	}
}

func TestParseModuleList(t *testing.T) {
	order := "# virtio-net, dependencies first\n/lib/modules/6.1/virtio_ring.ko\n\n/lib/modules/6.1/virtio.ko\n  /lib/modules/6.1/virtio_net.ko  \n"
	mods, err := ParseModuleList(strings.NewReader(order))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(mods, ",") != "/lib/modules/6.1/virtio_ring.ko,/lib/modules/6.1/virtio.ko,/lib/modules/6.1/virtio_net.ko" {
		t.Fatalf("%v", mods)
	}
	for _, bad := range []string{"virtio.ko", "/lib/../etc/x.ko", "/lib/a.ko.xz", "/a.ko\n/a.ko"} {
		if _, err := ParseModuleList(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLoadModulesOrderAndFailure(t *testing.T) {
	var loaded []string
	load := func(p string) error {
		loaded = append(loaded, p)
		switch p {
		case "/b.ko":
			return ErrModuleLoaded
		case "/t.ko":
			return ErrNoDevice
		case "/d.ko":
			return unix.ENOENT
		}
		return nil
	}
	absent, err := LoadModules([]string{"/a.ko", "/b.ko", "/t.ko", "/c.ko", "/d.ko", "/e.ko"}, load)
	if !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), "/d.ko") {
		t.Fatalf("err %v", err)
	}
	if strings.Join(absent, ",") != "/t.ko" {
		t.Fatalf("absent devices %v", absent)
	}
	if strings.Join(loaded, ",") != "/a.ko,/b.ko,/t.ko,/c.ko,/d.ko" {
		t.Fatalf("loaded %v: want in order, stopping at the failure", loaded)
	}
}

func TestCheckClock(t *testing.T) {
	floor := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := CheckClock(floor.Add(time.Hour), floor, 0); err != nil {
		t.Fatal(err)
	}
	if err := CheckClock(time.Unix(0, 0), floor, 0); err == nil {
		t.Fatal("a clock at 1970 was accepted")
	}
	if err := CheckClock(floor.Add(-time.Second), floor, 0); err == nil {
		t.Fatal("a clock before the build was accepted")
	}
	sourceDateEpoch = "1893456000" // 2030-01-01
	defer func() { sourceDateEpoch = "" }()
	f, err := ClockFloor()
	if err != nil || f.Year() != 2030 {
		t.Fatalf("floor %v, %v", f, err)
	}
}

// fakeOps records what the setup does.
type fakeOps struct {
	calls []string
	fail  string
	now   time.Time
	mods  string
	sys   string // the host-shared .sys-config.json
}

// devSysConfig is a sys-config with the guest's settings and, when seed is
// not empty, the simulated TEE.
func devSysConfig(seed string, extra string) string {
	tee := ""
	if seed != "" {
		tee = `,"insecure_simulated_tee":{"seed":"` + seed + `"}`
	}
	return `{"kms_urls":[],"vm_config":"{}","dstack_go_guest":{"chain_rpc":"http://10.0.2.102:8545","chain_id":1337,"kms_contract":"0xab"` + tee + extra + `}}`
}

func (f *fakeOps) ops() Ops {
	rec := func(name string) error {
		f.calls = append(f.calls, name)
		if name == f.fail {
			return errors.New("injected " + name + " failure")
		}
		return nil
	}
	return Ops{
		MountAll: func(ms []Mount) error { return rec("mount") },
		ReadFile: func(p string) ([]byte, error) {
			if strings.HasSuffix(p, "/.sys-config.json") {
				return []byte(f.sys), rec("read " + p)
			}
			return []byte(f.mods), rec("read " + p)
		},
		LoadModule: func(p string) error { return rec("load " + p) },
		Now:        func() time.Time { return f.now },
		Network: func(_ context.Context, c NetConfig) error {
			return rec("net " + c.Address + " " + c.Gateway)
		},
		CopyHostShared: func(tag, dst string, _ int64) error { return rec("share " + tag + " " + dst) },
	}
}

func TestPlanSequence(t *testing.T) {
	f := &fakeOps{now: time.Now(), mods: "/m/virtio_ring.ko\n/m/virtio_net.ko\n", sys: devSysConfig("", `,"tunnel_listen":"0.0.0.0:7000","data_device":"/dev/vda"`)}
	cmd := Cmdline{"net_address": "10.0.2.16/24"}
	p, err := NewPlan(cmd, f.ops(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var stage []string
	var console bytes.Buffer
	err = Run(context.Background(), p, &console, func(args []string) error {
		f.calls = append(f.calls, "stage")
		stage = args
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "mount|read /etc/dstack/modules.load|load /m/virtio_ring.ko|load /m/virtio_net.ko|mount|net 10.0.2.16/24 |share host-shared /dstack/.host-shared|read /dstack/.host-shared/.sys-config.json|stage"
	if got := strings.Join(f.calls, "|"); got != want {
		t.Fatalf("sequence\n %s\nwant\n %s", got, want)
	}
	if got := strings.Join(stage, " "); got != "--chain-rpc http://10.0.2.102:8545 --chain-id 1337 --kms-contract 0xab --tunnel-listen 0.0.0.0:7000 --data-device /dev/vda --host-shared /dstack/.host-shared" {
		t.Fatalf("stage args %s", got)
	}
}

// TestHaltOnEachFailure: whichever step fails, nothing after it runs and
// the boot stage (and so the app) never starts.
func TestHaltOnEachFailure(t *testing.T) {
	for _, fail := range []string{"mount", "read /etc/dstack/modules.load", "load /m/a.ko", "net  ", "share host-shared /dstack/.host-shared", "read /dstack/.host-shared/.sys-config.json", "clock"} {
		f := &fakeOps{now: time.Now(), mods: "/m/a.ko\n/m/b.ko\n", fail: fail, sys: devSysConfig("", "")}
		if fail == "clock" {
			f.now = time.Unix(0, 0)
		}
		p, err := NewPlan(Cmdline{}, f.ops(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		started := false
		err = Run(context.Background(), p, &bytes.Buffer{}, func([]string) error { started = true; return nil })
		if err == nil || started {
			t.Fatalf("%s failed: err %v, stage started %v", fail, err, started)
		}
		if last := f.calls[len(f.calls)-1]; fail != "clock" && last != fail {
			t.Fatalf("%s failed but %q ran after it", fail, last)
		}
	}
}

// TestPlanRefuses: the kernel command line carries the image's own
// parameters only, and an insecure setting of the host's sys-config is
// refused on a production image (no dstack.insecure_simulated_tee=1 on its
// measured command line): the VM halts before the boot stage starts.
func TestPlanRefuses(t *testing.T) {
	stageArgs := func(cmd Cmdline, sys string) ([]string, string, error) {
		f := &fakeOps{now: time.Now(), sys: sys}
		var console bytes.Buffer
		p, err := NewPlan(cmd, f.ops(), &console)
		if err != nil {
			return nil, "", err
		}
		started := false
		err = Run(context.Background(), p, &console, func([]string) error { started = true; return nil })
		if err == nil && !started {
			t.Fatal("the plan succeeded without starting the stage")
		}
		return p.StageArgs, console.String(), err
	}
	for _, extra := range []string{`,"insecure_agent_tcp":"0.0.0.0:8090"`, `,"insecure_demo_app":"0.0.0.0:8080"`, ""} {
		seed := ""
		if extra == "" {
			seed = "seed"
		}
		if _, _, err := stageArgs(Cmdline{}, devSysConfig(seed, extra)); err == nil || !strings.Contains(err.Error(), "production image") {
			t.Fatalf("a production image accepted %s%s: %v", seed, extra, err)
		}
	}
	args, console, err := stageArgs(Cmdline{InsecureMarker: "1"}, devSysConfig("seed", `,"insecure_agent_tcp":"0.0.0.0:8090"`))
	if err != nil || !strings.Contains(strings.Join(args, " "), "--insecure-simulated-tee seed") || !strings.Contains(strings.Join(args, " "), "--insecure-agent-tcp 0.0.0.0:8090") ||
		strings.Count(console, "INSECURE") != 3 {
		t.Fatalf("development image: args %v, console %q, %v", args, console, err)
	}
	if _, err := NewPlan(Cmdline{InsecureMarker: "0"}, (&fakeOps{}).ops(), io.Discard); err == nil {
		t.Fatal("dstack.insecure_simulated_tee=0 enabled the simulated TEE")
	}
	// An instance's settings are not read from the command line: they
	// would change RTMR2, which the image's measurement fixes.
	for _, k := range []string{"chain_rpc", "insecure_tee_seed", "data_device", "chain_rcp"} {
		if _, err := NewPlan(Cmdline{k: "x", InsecureMarker: "1"}, (&fakeOps{}).ops(), io.Discard); err == nil || !strings.Contains(err.Error(), "dstack_go_guest") {
			t.Fatalf("dstack.%s on the command line: %v", k, err)
		}
	}
	// A sys-config without the guest's settings halts the boot.
	if _, _, err := stageArgs(Cmdline{}, `{"kms_urls":[],"vm_config":"{}"}`); err == nil || !strings.Contains(err.Error(), "chain_rpc") {
		t.Fatalf("no settings: %v", err)
	}
}

func TestHalt(t *testing.T) {
	var console bytes.Buffer
	off := make(chan struct{})
	go Halt(&console, errors.New("the data disk did not open"), func() error { close(off); return nil })
	<-off
	// Halt wrote the reason before it powered off.
	if !strings.Contains(console.String(), "HALTING: the data disk did not open") {
		t.Fatalf("console: %q", console.String())
	}
}

// subreaper makes this test process take orphans, as PID 1 does.
func subreaper(t *testing.T) {
	t.Helper()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
}

func shStage(t *testing.T, script string) Stage {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	return Stage{Path: sh, Args: []string{"sh", "-c", script}, Console: os.Stderr}
}

func TestSuperviseStageEndsOnItsOwn(t *testing.T) {
	subreaper(t)
	err := Supervise(shStage(t, "exit 3"), nil, time.Second, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "status 3") {
		t.Fatalf("%v", err)
	}
	if err := Supervise(shStage(t, "exit 0"), nil, time.Second, &bytes.Buffer{}); err == nil {
		t.Fatal("a stage that ended untold was taken for a clean stop")
	}
}

func TestSuperviseStopAndReap(t *testing.T) {
	subreaper(t)
	shutdown := make(chan os.Signal, 1)
	// The stage leaves an orphan that exits, then waits to be told to stop
	// and stops cleanly on SIGTERM.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stage := shStage(t, `(sleep 0.01 &) ; trap 'exit 0' TERM; while :; do sleep 0.05; done`)
	done := make(chan error, 1)
	go func() { done <- Supervise(stage, shutdown, 5*time.Second, w) }()
	// Bound the wait: a supervisor that does not reap never says so.
	timer := time.AfterFunc(20*time.Second, func() { r.Close() })
	defer timer.Stop()
	reaped := false
	for sc := bufio.NewScanner(r); !reaped && sc.Scan(); {
		reaped = strings.Contains(sc.Text(), "reaped orphan")
	}
	if !reaped {
		t.Fatal("the orphan was not reaped")
	}
	shutdown <- unix.SIGTERM
	if err := <-done; err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestSuperviseKillsAfterGrace(t *testing.T) {
	subreaper(t)
	shutdown := make(chan os.Signal, 1)
	shutdown <- unix.SIGTERM
	var console bytes.Buffer
	err := Supervise(shStage(t, `trap '' TERM; while :; do sleep 0.05; done`), shutdown, 200*time.Millisecond, &console)
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("%v\n%s", err, console.String())
	}
}
