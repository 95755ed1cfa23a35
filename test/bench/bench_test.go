package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		in               spread
		median, min, max float64
		noise            float64
	}{
		{nil, 0, 0, 0, 0},
		{spread{5}, 5, 5, 5, 0},
		{spread{3, 1, 2}, 2, 1, 3, 100},
		{spread{4, 1, 3, 2}, 2.5, 1, 4, 120},
		{spread{100, 90, 110}, 100, 90, 110, 20},
		{spread{0, 0}, 0, 0, 0, 0},
	} {
		if got := tc.in.median(); got != tc.median {
			t.Errorf("%v median %v, want %v", tc.in, got, tc.median)
		}
		if got := tc.in.min(); got != tc.min {
			t.Errorf("%v min %v, want %v", tc.in, got, tc.min)
		}
		if got := tc.in.max(); got != tc.max {
			t.Errorf("%v max %v, want %v", tc.in, got, tc.max)
		}
		if got := tc.in.noise(); got != tc.noise {
			t.Errorf("%v noise %v, want %v", tc.in, got, tc.noise)
		}
	}
	// median must not reorder the measurements.
	s := spread{3, 1, 2}
	s.median()
	if s[0] != 3 || s[1] != 1 {
		t.Errorf("median sorted its receiver: %v", s)
	}
}

func rep(tp float64, rate float64, p50, p99 time.Duration) measurement {
	return measurement{Throughput: tp, Rate: rate, P50: p50, P99: p99, Requests: 100}
}

func TestMarkdownRatiosAndSpread(t *testing.T) {
	r := &report{
		TargetRate: 200,
		Baselines:  map[string]string{"gateway": "caddy"},
		Cases: []*caseResult{
			{Path: "direct", Mode: keepAlive.Label, Reps: []measurement{rep(1000, 200, time.Millisecond, 2*time.Millisecond), rep(1200, 200, time.Millisecond, 4*time.Millisecond), rep(800, 200, time.Millisecond, 3*time.Millisecond)}},
			{Path: "caddy", Mode: keepAlive.Label, Reps: []measurement{rep(500, 200, time.Millisecond, time.Millisecond)}},
			{Path: "gateway", Mode: keepAlive.Label, Reps: []measurement{rep(400, 150, 3*time.Millisecond, 9*time.Millisecond)}},
			{Path: "gateway", Mode: newConn.Label, Reps: []measurement{{Throughput: 10, Rate: 200, Requests: 10, Failures: 2, Errors: []string{"boom"}}}},
			{Path: "direct" + splitSuffix, Mode: keepAlive.Label, Reps: []measurement{rep(2000, 200, time.Millisecond, time.Millisecond)}},
			{Path: "gateway" + splitSuffix, Mode: keepAlive.Label, Reps: []measurement{rep(500, 200, time.Millisecond, time.Millisecond)}},
		},
	}
	r.Cases[1].Reps[0].CPUPerRequest = 100 * time.Microsecond
	r.Cases[2].Procs = []string{"backend", "gateway", "cvm"}
	r.Cases[2].Reps[0].CPUPerRequest = 150 * time.Microsecond
	r.Cases[2].Reps[0].CPUByProcess = []time.Duration{30 * time.Microsecond, 80 * time.Microsecond, 40 * time.Microsecond}
	var b strings.Builder
	r.writeMarkdown(&b)
	out := b.String()
	for _, want := range []string{
		"| direct | keep-alive | 1000 [800–1200] | 40% | – | – | 1.00 ms | 3.00 ms [2.00 ms–4.00 ms] | 67% | – | 0/300 |",
		"| caddy | keep-alive | 500 [500–500] | 0% | 0.50× |",
		// the gateway against direct and against its baseline, Caddy
		"| gateway | keep-alive | 400 [400–400] | 0% | 0.40× | 0.80× caddy |",
		// CPU per request, against the baseline's too
		"| 100 µs [100 µs–100 µs] | 0/100 |",
		"| 150 µs [150 µs–150 µs] 1.50× caddy | 0/100 |",
		// a case that could not keep the fixed rate says so
		"3.00 ms (only 150 req/s)",
		// no direct row in that mode: no ratio, and failures are shown
		"| gateway | new TLS conn/req | 10 [10–10] | 0% | – | – |",
		"| 2/10 |",
		"Errors of gateway (new TLS conn/req): boom",
		// CPU by process, the CVM in its own column
		"| gateway | keep-alive | 30 µs | 80 µs gateway | 40 µs | 150 µs |",
		"| caddy | keep-alive | – | – | – | 100 µs |",
		// a split row is compared with the split direct row
		"| gateway (split cores) | keep-alive | 500 [500–500] | 0% | 0.25× |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestParseMicro(t *testing.T) {
	in := `goos: linux
goarch: amd64
pkg: github.com/dstack-go/dstack/kms
cpu: test
BenchmarkGetAppKeyKeepAlive-2   	     100	   2000000 ns/op	       500.0 req/s	    1024 B/op	      10 allocs/op
BenchmarkGetAppKeyKeepAlive-2   	     100	   4000000 ns/op	       250.0 req/s	    1024 B/op	      10 allocs/op
BenchmarkGetAppKeyKeepAlive-2   	     100	   3000000 ns/op	       333.0 req/s	    1024 B/op	      10 allocs/op
PASS
ok  	github.com/dstack-go/dstack/kms	3.0s
pkg: github.com/dstack-go/dstack/tee/ratls
BenchmarkVerifyHit-2   	 1000000	      1000 ns/op
this line is not a benchmark
PASS
`
	got, err := parseMicro(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d benchmarks, want 2: %+v", len(got), got)
	}
	k := got[0]
	if k.Pkg != "kms" || k.Name != "GetAppKeyKeepAlive" {
		t.Errorf("first is %s %s", k.Pkg, k.Name)
	}
	if m := k.Values["sec/op"].median(); m != 0.003 {
		t.Errorf("sec/op median %v, want 0.003", m)
	}
	if m := k.Values["req/s"].median(); m != 333 {
		t.Errorf("req/s median %v, want 333", m)
	}
	if got[1].Pkg != "tee/ratls" || got[1].Name != "VerifyHit" || len(got[1].Values["sec/op"]) != 1 {
		t.Errorf("second is %+v", got[1])
	}
	var b strings.Builder
	(&report{Micro: got}).writeMarkdown(&b)
	if want := "| kms | GetAppKeyKeepAlive | 3.00 ms [2.00 ms–4.00 ms] | 67% | 333 req/s, 1024 B/op, 10 allocs/op |"; !strings.Contains(b.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, b.String())
	}
}

func TestBindingCostTable(t *testing.T) {
	in := `pkg: github.com/dstack-go/dstack/tee/attest
BenchmarkVerifyLiteFixture-2   	 1000	   2200000 ns/op	 1200000 with-binding-ns/op	 1000000 without-binding-ns/op	 200000 binding-ns/op
BenchmarkVerifyLiteFixture-2   	 1000	   2100000 ns/op	 1100000 with-binding-ns/op	 1000000 without-binding-ns/op	 100000 binding-ns/op
BenchmarkVerifyLiteFixture-2   	 1000	   2000000 ns/op	 950000 with-binding-ns/op	 1050000 without-binding-ns/op	 -100000 binding-ns/op
BenchmarkOther-2   	 1000	   5 ns/op
`
	got, err := parseMicro(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	(&report{Micro: got}).writeMarkdown(&b)
	if want := "| tee/attest | VerifyLiteFixture | 1.10 ms | 1.00 ms | 100 µs [−100 µs–200 µs] |"; !strings.Contains(b.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, b.String())
	}
	_, binding, _ := strings.Cut(b.String(), "## OS image binding")
	if binding == "" || strings.Contains(binding, "| Other |") {
		t.Errorf("no binding table, or a benchmark without the binding metrics in it:\n%s", b.String())
	}
}

func TestClusterEfficiencyTable(t *testing.T) {
	in := `pkg: github.com/dstack-go/dstack/caddymodules/gateway
BenchmarkCluster-2   	 1	 1000 side-lone-req/s	 900 side-node-of-two-req/s	 250 side-lone-cpu-us/req	 230 side-node-of-two-cpu-us/req	 1.087 side-node-of-two/lone-cpu	 -20 side-cluster-cost-us/req	 400 paced-lone-req/s	 400 paced-node-of-two-req/s	 500 paced-lone-cpu-us/req	 510 paced-node-of-two-cpu-us/req	 0.98 paced-node-of-two/lone-cpu	 10 paced-cluster-cost-us/req
BenchmarkCluster-2   	 1	 1000 side-lone-req/s	 900 side-node-of-two-req/s	 250 side-lone-cpu-us/req	 230 side-node-of-two-cpu-us/req	 1.087 side-node-of-two/lone-cpu	 -20 side-cluster-cost-us/req	 400 paced-lone-req/s	 400 paced-node-of-two-req/s	 500 paced-lone-cpu-us/req	 520 paced-node-of-two-cpu-us/req	 0.96 paced-node-of-two/lone-cpu	 20 paced-cluster-cost-us/req
BenchmarkCluster-2   	 1	 1000 side-lone-req/s	 900 side-node-of-two-req/s	 250 side-lone-cpu-us/req	 230 side-node-of-two-cpu-us/req	 1.087 side-node-of-two/lone-cpu	 -20 side-cluster-cost-us/req	 400 paced-lone-req/s	 400 paced-node-of-two-req/s	 500 paced-lone-cpu-us/req	 490 paced-node-of-two-cpu-us/req	 1.02 paced-node-of-two/lone-cpu	 -10 paced-cluster-cost-us/req
`
	got, err := parseMicro(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	(&report{Micro: got}).writeMarkdown(&b)
	for _, want := range []string{
		"| as fast as each goes | 1000 | 900 | 250 µs | 230 µs | 1.087 [1.087–1.087] | −20 µs |",
		"| a fixed rate each | 400 | 400 | 500 µs | 510 µs | 0.980 [0.960–1.020] | 10 µs |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestThresholdKMSTable(t *testing.T) {
	in := `pkg: github.com/dstack-go/dstack/kms
BenchmarkGetAppKeyKeepAlive-2   	     100	   2000000 ns/op	       500.0 req/s	 1.5 p50-ms
BenchmarkGetAppKeyNewConnection-2   	     100	   4000000 ns/op
pkg: github.com/dstack-go/dstack/kms/threshold
BenchmarkKeygen2of3-2   	       1	30000000000 ns/op
BenchmarkReshare3of5-2   	       1	90000000000 ns/op
BenchmarkReshare2of3-2   	       1	40000000000 ns/op
BenchmarkReshare2of3-2   	       1	50000000000 ns/op
pkg: github.com/dstack-go/dstack/guestos/kmsclient
BenchmarkThresholdRelease2of3-2   	     100	  12000000 ns/op	 20 cpu-ms/op
`
	got, err := parseMicro(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	(&report{Micro: got}).writeMarkdown(&b)
	_, table, _ := strings.Cut(b.String(), "## Threshold KMS")
	var rows []string
	for _, l := range strings.Split(table, "\n") {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| operation") {
			rows = append(rows, l)
		}
	}
	want := []string{
		"| key release, replicated KMS | kms GetAppKeyKeepAlive | 2.00 ms [2.00 ms–2.00 ms] | 0% | 500 req/s, 1.5 p50-ms |",
		"| key release, threshold 2-of-3 | guestos/kmsclient ThresholdRelease2of3 | 12.0 ms [12.0 ms–12.0 ms] | 0% | 20 cpu-ms/op |",
		"| DKG of the four roots, 2-of-3 | kms/threshold Keygen2of3 | 30.0 s [30.0 s–30.0 s] | 0% |  |",
		"| resharing 2-of-3 → 2-of-3, one node replaced | kms/threshold Reshare2of3 | 45.0 s [40.0 s–50.0 s] | 22% |  |",
		"| resharing 2-of-3 → 3-of-5, two nodes added | kms/threshold Reshare3of5 | 90.0 s [90.0 s–90.0 s] | 0% |  |",
	}
	if !slices.Equal(rows, want) {
		t.Errorf("threshold KMS table rows:\n%s\nwant:\n%s\nin:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"), b.String())
	}
	// Without threshold figures, no table.
	b.Reset()
	(&report{Micro: got[1:2]}).writeMarkdown(&b)
	if strings.Contains(b.String(), "## Threshold KMS") {
		t.Errorf("a threshold KMS table without its benchmarks:\n%s", b.String())
	}
}

func TestParseFlags(t *testing.T) {
	if _, err := parseFlags([]string{"-paths", "direct,haproxy"}, os.Stderr); err == nil || !strings.Contains(err.Error(), "haproxy") {
		t.Errorf("unknown path: %v", err)
	}
	if _, err := parseFlags([]string{"-reps", "0"}, os.Stderr); err == nil {
		t.Error("zero repetitions accepted")
	}
	o, err := parseFlags([]string{"-paths", "direct, caddy"}, os.Stderr)
	if err != nil || strings.Join(o.paths, ",") != "direct,caddy" {
		t.Errorf("paths %v, %v", o, err)
	}
}

// TestDirectSmoke measures the direct path in process for a short time:
// the load generator reaches the backend over TLS in both connection modes
// and every answer is the backend's.
func TestDirectSmoke(t *testing.T) {
	cert, err := writeCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := serveBackend(pl, tl, cert.pair)
	defer b.Close()
	tgt := target{URL: "https://" + tl.Addr().String() + "/", Host: "bench." + benchDomain}
	if err := answersOK(tgt, cert.Pool)(); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig{Duration: 300 * time.Millisecond, Workers: 2, Rate: 20, Roots: cert.Pool}
	self := func() ([]time.Duration, error) { return treesCPU([]int{os.Getpid()}) }
	for _, mode := range []connMode{keepAlive, newConn} {
		m := cfg.measure(tgt, mode, self)
		if m.Failures != 0 || m.Requests == 0 || m.Throughput <= 0 || m.P99 <= 0 || m.CPUPerRequest <= 0 {
			t.Errorf("%s: %+v", mode.Label, m)
		}
		if len(m.CPUByProcess) != 1 || m.CPUByProcess[0] != m.CPUPerRequest {
			t.Errorf("%s: CPU by process %v, total %v", mode.Label, m.CPUByProcess, m.CPUPerRequest)
		}
	}
	// A wrong answer is a failure, not a success.
	bad := target{URL: "https://" + pl.Addr().String() + "/", Host: "bench." + benchDomain} // TLS to the plain listener
	m := cfg.measure(bad, keepAlive, nil)
	if m.Failures == 0 || m.Failures != m.Requests {
		t.Errorf("TLS to a plain listener: %d of %d failed", m.Failures, m.Requests)
	}
}

func TestTreeCPU(t *testing.T) {
	self := os.Getpid()
	before, err := treesCPU([]int{self})
	if err != nil {
		t.Fatal(err)
	}
	// Burn some CPU in this process; its own time must grow.
	deadline := time.Now().Add(100 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	after, err := treesCPU([]int{self})
	if err != nil {
		t.Fatal(err)
	}
	if after[0] <= before[0] {
		t.Errorf("CPU time did not grow: %v then %v (%d loops)", before, after, x)
	}
	if _, err := treesCPU([]int{1 << 30}); err == nil {
		t.Error("a process that does not exist was read")
	}
	if _, _, err := procStat(-1); err == nil {
		t.Error("procStat(-1) succeeded")
	}
}

func TestFmtDur(t *testing.T) {
	for ns, want := range map[float64]string{
		162: "162 ns", 1500: "1.5 µs", 42e3: "42 µs", 1.5e6: "1.50 ms", 12.34e6: "12.3 ms", 250e6: "250 ms",
		1.5e9: "1.50 s", 37.59e9: "37.6 s", 152e9: "152 s",
	} {
		if got := fmtDur(ns); got != want {
			t.Errorf("fmtDur(%v) = %q, want %q", ns, got, want)
		}
	}
}

// TestPin: a child's threads, and its own child's, take the affinity pin
// gives the tree; this process's is untouched.
func TestPin(t *testing.T) {
	cpus, err := allowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) < 2 {
		t.Skip("needs 2 CPUs")
	}
	// sh runs sleep as its child.
	cmd := exec.Command("sh", "-c", "sleep 30 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var grandchild int
	for deadline := time.Now().Add(30 * time.Second); grandchild == 0; {
		parent, _, err := procTable()
		if err != nil {
			t.Fatal(err)
		}
		for p, pp := range parent {
			if pp == cmd.Process.Pid {
				grandchild = p
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("sh started no child")
		}
		time.Sleep(10 * time.Millisecond)
	}
	last := cpus[len(cpus)-1]
	if err := pin(cmd.Process.Pid, true, []int{last}); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{cmd.Process.Pid, grandchild} {
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(pid, &set); err != nil {
			t.Fatal(err)
		}
		if set.Count() != 1 || !set.IsSet(last) {
			t.Errorf("process %d may run on %d CPUs, want only CPU %d", pid, set.Count(), last)
		}
	}
	if mine, _ := allowedCPUs(); len(mine) != len(cpus) {
		t.Errorf("this process's CPUs changed: %v, was %v", mine, cpus)
	}
	// Each tree on its own: the child's time is not this process's.
	per, err := treesCPU([]int{os.Getpid(), cmd.Process.Pid})
	if err != nil || len(per) != 2 {
		t.Fatalf("%v %v", per, err)
	}
	if err := pin(1<<30, false, cpus); err != nil {
		t.Errorf("pinning a process that is gone: %v", err)
	}
}

// TestMeasureOrder: keep-alive cases first, then new TLS connections, then
// new upstream connections, per topology, in path order within each.
func TestMeasureOrder(t *testing.T) {
	s := &stack{}
	for _, split := range []bool{false, true} {
		for _, c := range []benchCase{
			{path: "caddy", mode: keepAlive}, {path: "caddy", mode: newConn}, {path: "caddy (new upstream conn/req)", mode: keepAlive},
			{path: "gateway", mode: keepAlive}, {path: "gateway", mode: newConn}, {path: "gateway (new tunnel/req)", mode: keepAlive},
		} {
			c.split = split
			s.cases = append(s.cases, c)
		}
	}
	var got []string
	for _, i := range s.measureOrder() {
		c := s.cases[i]
		got = append(got, fmt.Sprintf("%s/%s/%v", c.path, c.mode.Label, c.split))
	}
	want := []string{
		"caddy/keep-alive/false", "gateway/keep-alive/false", "caddy/new TLS conn/req/false", "gateway/new TLS conn/req/false",
		"caddy (new upstream conn/req)/keep-alive/false", "gateway (new tunnel/req)/keep-alive/false",
		"caddy/keep-alive/true", "gateway/keep-alive/true", "caddy/new TLS conn/req/true", "gateway/new TLS conn/req/true",
		"caddy (new upstream conn/req)/keep-alive/true", "gateway (new tunnel/req)/keep-alive/true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("order\n%v\nwant\n%v", got, want)
	}
}
