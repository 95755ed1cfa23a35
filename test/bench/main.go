// Command bench measures, in one run on this machine, the request rate and
// latency of one backend reached directly and through nginx, plain Caddy
// and the attested gateway, then runs the KMS, threshold KMS, guest agent
// and tee/ microbenchmarks, and prints markdown tables of it all (also
// written to -out).
//
// Usage (what `make bench` runs, from the module's root):
//
//	go build -o bin/ ./cmd/dstack ./cmd/caddy && go build -o bin/bench ./test/bench
//	bin/bench [-duration 3s] [-reps 3] [-workers 16] [-rate 200] [-paths direct,nginx,caddy,gateway,acme]
//	          [-split=true] [-micro=true] [-benchtime 1s] [-count 3] [-out .bench/results.md]
//
// Every path ends at the same backend, a Go server answering "ok" over
// HTTP/1.1, run as its own process:
//
//	direct   client → TLS → backend
//	nginx    client → TLS → nginx (Debian package, proxy_pass, keep-alive upstream) → TLS → backend
//	caddy    client → TLS → bin/caddy (reverse_proxy) → TLS → backend
//	gateway  client → TLS → bin/caddy (dstack app, transport dstack) → RA-TLS tunnel → simulated CVM → backend
//
//	acme     client → TLS → bin/caddy (reverse_proxy, a certificate from Pebble through dstack_acme) → TLS → backend
//
// The acme path runs twice, its certificate kept in file storage and in
// dstack_sealed storage (Pebble and the DNS server the issuer writes to
// run in this process): the sealed row's baseline is the file row, and
// the goal is no difference, since a handshake takes the certificate from
// memory either way.
//
// Two more rows take a new upstream connection per request: Caddy's
// reverse_proxy with keep_alive off, and the gateway with a new tunnel
// stream per request: on a tunnel connection of its own (an RA-TLS
// handshake, resumed) or, with the transport's multiplex, on a multiplexed
// one (no handshake). The "gateway layer4" rows are
// the gateway's terminated layer4 route (TLS ended, bytes relayed through
// the tunnel without HTTP parsing), compared with its HTTP route.
//
// With -split (the default), every case is measured a second time with the
// backend and the simulated CVM pinned to the last CPU and the load
// generator and the fronts to the others: a deployment runs the CVM — its
// app and its tunnel end — on cores of its own, and this shows what the
// gateway costs its own machine. A second table gives the server CPU per
// request by process (backend, front, simulated CVM).
//
// The gateway runs on a simulated TDX module and a mock vendor PKI
// (insecure_simulated_tee_seed) against a `dstack devchain` set up with
// `dstack chain`; the CVM is a child process of this command with the
// guest end of the tunnel (internal/tunnel) on a simulated TD.
//
// Load comes from vegeta (github.com/tsenart/vegeta/v12, pinned in go.mod),
// used as a library in this process: HTTP/1.1 over TLS 1.3 with X25519, the
// certificate verified, no session resumption. Each case is measured in
// two phases of -duration: the throughput phase sends with -workers
// concurrent requests as fast as they are answered (req/s); the latency
// phase sends at a fixed -rate (p50, p99). Cases are interleaved: each of
// the -reps repetitions measures every case once, so that a change in the
// machine's load shows as spread, which the table prints beside each
// median. Every answer must be the backend's 200 "ok"; anything else is
// counted as failed.
//
// The load generator shares the machine's cores with what it measures, so
// absolute figures are lower than on separate machines; the ratios of
// cases measured in the same run are what the table is for.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "backend":
		err = runBackend(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "cvm":
		err = runCVM(ctx, os.Args[2:])
	default:
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	load      loadConfig
	reps      int
	paths     []string
	bin       string
	nginx     string
	out       string
	micro     bool
	benchtime string
	count     int
	goCmd     string
	keep      bool
	split     bool
	vm        bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.load.Duration, "duration", 3*time.Second, "length of each measured phase")
	fs.DurationVar(&o.load.Warmup, "warmup", 500*time.Millisecond, "unmeasured load before each case")
	fs.Uint64Var(&o.load.Workers, "workers", 16, "concurrent requests of the throughput phase")
	fs.IntVar(&o.load.Rate, "rate", 200, "request rate of the latency phase (req/s)")
	fs.IntVar(&o.reps, "reps", 3, "repetitions of every case")
	paths := fs.String("paths", "direct,nginx,caddy,gateway,acme", "paths to measure")
	fs.StringVar(&o.bin, "bin", "bin", "directory with the built caddy and dstack binaries")
	fs.StringVar(&o.nginx, "nginx", "nginx", "nginx binary")
	fs.StringVar(&o.out, "out", ".bench/results.md", "file the table is also written to (empty: none)")
	fs.BoolVar(&o.micro, "micro", true, "also run the KMS, threshold KMS, guest agent, threshold KMS client and tee/ microbenchmarks")
	fs.StringVar(&o.benchtime, "benchtime", "1s", "go test -benchtime of the microbenchmarks")
	fs.IntVar(&o.count, "count", 3, "go test -count of the microbenchmarks")
	fs.StringVar(&o.goCmd, "go", "go", "go command for the microbenchmarks")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configs and logs)")
	fs.BoolVar(&o.split, "split", true, "also run every case with the backend and the simulated CVM on the last CPU, and the load generator and the fronts on the others (needs 2 CPUs)")
	fs.BoolVar(&o.vm, "vm", true, "also build the guest OS image and boot a dev stack CVM in process mode and as a qemu VM (TCG), for the image's size, build time and boot time")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.reps < 1 || o.load.Workers < 1 || o.load.Rate < 1 || o.load.Duration <= 0 {
		return nil, errors.New("-reps, -workers, -rate and -duration must be positive")
	}
	for _, p := range strings.Split(*paths, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !slices.Contains([]string{"direct", "nginx", "caddy", "gateway", "acme"}, p) {
			return nil, fmt.Errorf("-paths: unknown path %q (direct, nginx, caddy, gateway, acme)", p)
		}
		o.paths = append(o.paths, p)
	}
	return o, nil
}

// benchCase is one row: a path, a client connection mode, the front.
type benchCase struct {
	path  string
	mode  connMode
	t     target
	procs []*proc // the processes that serve it, for their CPU time
	// split runs the case with the backend and the simulated CVM on
	// their own CPU, as a deployment runs a CVM on cores of its own.
	split bool
}

// splitSuffix marks the paths of split cases.
const splitSuffix = " (split cores)"

// cpu is the CPU time each of the case's processes has used so far.
func (c benchCase) cpu() ([]time.Duration, error) {
	var pids []int
	for _, p := range c.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return treesCPU(pids)
}

// procNames names the case's processes, in the order cpu measures them.
func (c benchCase) procNames() []string {
	var out []string
	for _, p := range c.procs {
		out = append(out, p.name)
	}
	return out
}

// measureOrder is the order a repetition measures the cases in: by
// topology, then every keep-alive case, then every case with a new TLS
// connection per request, then the ones with a new upstream connection per
// request, so that the cases compared with each other follow the same
// kind of load (a case after thousands of handshakes runs on a machine
// still cleaning up after them).
func (s *stack) measureOrder() []int {
	rank := func(c benchCase) int {
		r := 0
		if c.split {
			r += 10
		}
		switch {
		case strings.Contains(c.path, "/req)"):
			r += 2
		case c.mode == newConn:
			r++
		}
		return r
	}
	order := make([]int, len(s.cases))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rank(s.cases[a]) - rank(s.cases[b]) })
	return order
}

// cvmSide reports whether p runs where a CVM would: the backend (the app)
// and the simulated CVM's tunnel end.
func (s *stack) cvmSide(p *proc) bool { return p == s.backend || p.name == "cvm" }

// arrange sets the CPU affinity of this process (the load generator) and
// of the stack's for a case: every process on every CPU, or — split — the
// CVM side on the last CPU and the rest on the others.
func (s *stack) arrange(split bool) error {
	front, cvm := s.cpus, s.cpus
	if split {
		front, cvm = s.cpus[:len(s.cpus)-1], s.cpus[len(s.cpus)-1:]
	}
	if err := pin(os.Getpid(), false, front); err != nil {
		return err
	}
	for _, p := range s.procs {
		set := front
		if s.cvmSide(p) {
			set = cvm
		}
		if err := pin(p.cmd.Process.Pid, true, set); err != nil {
			return err
		}
	}
	return nil
}

// allowedCPUs is the CPUs this process may run on.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("reading the CPU affinity: %w", err)
	}
	var out []int
	for c := 0; c < 1024 && len(out) < set.Count(); c++ {
		if set.IsSet(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// stack is every process the cases need, started once.
type stack struct {
	dir     string
	cert    *certFiles
	backend *proc
	procs   []*proc
	cases   []benchCase
	headers []string
	cpus    []int // the CPUs the run may use
	// closers stop what runs in this process (the acme paths' Pebble and
	// DNS server).
	closers []func()
}

func (s *stack) close() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].stop()
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.procs, s.closers = nil, nil
}

func (s *stack) add(p *proc) { s.procs = append(s.procs, p) }

// addCases adds the path's rows in the client connection modes; front is
// the path's own process, nil for the direct path.
func (s *stack) addCases(path string, t target, front []*proc, modes ...connMode) {
	for _, m := range modes {
		s.cases = append(s.cases, benchCase{path: path, mode: m, t: t, procs: append([]*proc{s.backend}, front...)})
	}
}

// start starts the backend and each path's front and waits until every
// front answers "ok".
func start(ctx context.Context, o *options, dir string) (*stack, error) {
	s := &stack{dir: dir}
	var err error
	if s.cert, err = writeCert(dir); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	bl, err := openListeners(2)
	if err != nil {
		return nil, err
	}
	plainAddr, tlsAddr := bl.addrs[0], bl.addrs[1]
	b, err := startProc(dir, "backend", nil, bl, self, "backend", bl.fd(0), bl.fd(1), s.cert.Cert, s.cert.Key)
	if err != nil {
		return nil, err
	}
	s.add(b)
	s.backend = b
	bt := target{URL: "https://" + tlsAddr + "/", Host: "bench." + benchDomain}
	if err := b.waitFor("the backend answering", answersOK(bt, s.cert.Pool)); err != nil {
		return s, err
	}
	both := []connMode{keepAlive, newConn}
	for _, path := range o.paths {
		switch path {
		case "direct":
			s.addCases("direct", bt, nil, both...)
		case "nginx":
			nginxBin, err := exec.LookPath(o.nginx)
			if err != nil {
				return s, fmt.Errorf("nginx not found (%w): install it with `apt-get install -y nginx`, or leave it out with -paths", err)
			}
			v, _ := exec.Command(nginxBin, "-v").CombinedOutput()
			s.headers = append(s.headers, "nginx: "+strings.TrimSpace(string(v))+debianVersion("nginx"))
			ls, err := openListeners(1)
			if err != nil {
				return s, err
			}
			addr := ls.addrs[0]
			p, err := startNginx(dir, nginxBin, ls, tlsAddr, s.cert)
			if err != nil {
				return s, err
			}
			s.add(p)
			t := target{URL: "https://" + addr + "/", Host: bt.Host}
			if err := p.waitFor("nginx answering", answersOK(t, s.cert.Pool)); err != nil {
				return s, err
			}
			s.addCases("nginx", t, []*proc{p}, both...)
		case "caddy":
			ls, err := openListeners(2)
			if err != nil {
				return s, err
			}
			ka, nc := ls.addrs[0], ls.addrs[1]
			cfg, err := caddyConfig(dir, "caddy", map[string]any{
				"keepalive": caddyServer(ls.fd(0), plainProxy(tlsAddr, true)),
				"newconn":   caddyServer(ls.fd(1), plainProxy(tlsAddr, false)),
			}, s.cert, nil)
			if err != nil {
				ls.close()
				return s, err
			}
			p, err := startCaddy(dir, "caddy", filepath.Join(o.bin, "caddy"), cfg, ls)
			if err != nil {
				return s, err
			}
			s.add(p)
			t := target{URL: "https://" + ka + "/", Host: bt.Host}
			t2 := target{URL: "https://" + nc + "/", Host: bt.Host}
			for _, tt := range []target{t, t2} {
				if err := p.waitFor("Caddy answering", answersOK(tt, s.cert.Pool)); err != nil {
					return s, err
				}
			}
			s.addCases("caddy", t, []*proc{p}, both...)
			s.addCases("caddy (new upstream conn/req)", t2, []*proc{p}, keepAlive)
		case "gateway":
			if err := s.startGateway(ctx, o, self, plainAddr); err != nil {
				return s, err
			}
		case "acme":
			if err := s.startACME(o, tlsAddr); err != nil {
				return s, err
			}
		}
	}
	// Rows in a fixed order: by path as listed, keep-alive first.
	order := func(c benchCase) int {
		// (split cases are added after the sort)
		for i, p := range []string{"direct", "nginx", "caddy", "caddy (new upstream conn/req)", "gateway", "gateway (new tunnel/req)", "gateway (new multiplexed stream/req)", "gateway layer4", acmeFilePath, acmeSealedPath} {
			if c.path == p {
				return i
			}
		}
		return 99
	}
	slices.SortStableFunc(s.cases, func(a, b benchCase) int { return order(a) - order(b) })
	if o.split {
		if s.cpus, err = allowedCPUs(); err != nil {
			return s, err
		}
		if len(s.cpus) < 2 {
			return s, fmt.Errorf("-split needs 2 CPUs, this process may use %d: run with -split=false", len(s.cpus))
		}
		for _, c := range slices.Clone(s.cases) {
			if c.path == acmeFilePath || c.path == acmeSealedPath {
				continue // no CVM side: the same case again
			}
			c.split, c.path = true, c.path+splitSuffix
			s.cases = append(s.cases, c)
		}
	}
	return s, nil
}

// startGateway starts the dev chain, the gateway and the simulated CVM and
// waits until the gateway routes to the CVM.
func (s *stack) startGateway(ctx context.Context, o *options, self, backendPlain string) error {
	d, err := startDevChain(ctx, s.dir, filepath.Join(o.bin, "dstack"))
	if err != nil {
		return err
	}
	s.add(d.proc)
	// The gateway's listeners: keep-alive, new connection, registration,
	// layer4, new multiplexed stream; and the CVM's tunnel.
	gl, err := openListeners(5)
	if err != nil {
		return err
	}
	tl, err := openListeners(1)
	if err != nil {
		gl.close()
		return err
	}
	ka, nc, reg, l4, ncm := gl.addrs[0], gl.addrs[1], gl.addrs[2], gl.addrs[3], gl.addrs[4]
	cfg, err := caddyConfig(s.dir, "gateway", map[string]any{
		"keepalive":    caddyServer(gl.fd(0), gatewayProxy(true, false)),
		"newconn":      caddyServer(gl.fd(1), gatewayProxy(false, false)),
		"newconnmuxed": caddyServer(gl.fd(4), gatewayProxy(false, true)),
	}, s.cert, map[string]any{"dstack": d.dstackApp(gl.fd(2)), "layer4": gatewayLayer4(gl.fd(3))})
	if err != nil {
		gl.close()
		tl.close()
		return err
	}
	g, err := startCaddy(s.dir, "gateway", filepath.Join(o.bin, "caddy"), cfg, gl)
	if err != nil {
		tl.close()
		return err
	}
	s.add(g)
	if err := g.waitFor("the registration endpoint", dialable(reg)); err != nil {
		return err
	}
	c, err := startProc(s.dir, "cvm", nil, tl, self, d.cvmArgs(reg, tl.fd(0), backendPlain)...)
	if err != nil {
		return err
	}
	s.add(c)
	t := target{URL: "https://" + ka + "/", Host: d.appHost()}
	t2 := target{URL: "https://" + nc + "/", Host: d.appHost()}
	t3 := target{URL: "https://" + l4 + "/", Host: d.appHost()}
	t4 := target{URL: "https://" + ncm + "/", Host: d.appHost()}
	for _, tt := range []target{t, t2, t3, t4} {
		if err := c.waitFor("the gateway routing to the CVM", answersOK(tt, s.cert.Pool)); err != nil {
			return fmt.Errorf("%w\ngateway log:\n%s", err, tail(filepath.Join(s.dir, "gateway-caddy.log")))
		}
	}
	s.addCases("gateway", t, []*proc{g, c}, keepAlive, newConn)
	s.addCases("gateway (new tunnel/req)", t2, []*proc{g, c}, keepAlive)
	s.addCases("gateway (new multiplexed stream/req)", t4, []*proc{g, c}, keepAlive)
	s.addCases("gateway layer4", t3, []*proc{g, c}, keepAlive, newConn)
	return nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// debianVersion is the installed Debian package's version, if dpkg knows
// it.
func debianVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil || len(out) == 0 {
		return ""
	}
	return " (Debian package " + string(out) + ")"
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "dstack-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stderr, "configs and logs in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // nginx's workers write below it
		return err
	}
	rep := &report{Baselines: map[string]string{"gateway": "caddy", "caddy": "nginx",
		"gateway (new tunnel/req)":             "caddy (new upstream conn/req)",
		"gateway (new multiplexed stream/req)": "caddy (new upstream conn/req)", "gateway layer4": "gateway",
		acmeSealedPath: acmeFilePath}, TargetRate: float64(o.load.Rate)}
	for k, v := range maps.Clone(rep.Baselines) {
		rep.Baselines[k+splitSuffix] = v + splitSuffix
	}
	rep.Header = append(rep.Header,
		"source: "+revision(),
		fmt.Sprintf("when: %s; %s/%s, %d CPUs (GOMAXPROCS %d), %s; load average before: %s",
			time.Now().UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), loadAvg()),
		fmt.Sprintf("load: vegeta %s as a library in this process, on the same CPUs; HTTP/1.1, TLS 1.3 X25519, no resumption; %d reps × (%s at %d workers + %s at %d req/s), %s warm-up; cases interleaved",
			vegetaVersion(), o.reps, o.load.Duration, o.load.Workers, o.load.Duration, o.load.Rate, o.load.Warmup))
	if len(o.paths) > 0 {
		var need []string
		if slices.Contains(o.paths, "caddy") || slices.Contains(o.paths, "gateway") || slices.Contains(o.paths, "acme") {
			need = append(need, "caddy")
		}
		if slices.Contains(o.paths, "gateway") {
			need = append(need, "dstack")
		}
		for _, b := range need {
			if _, err := os.Stat(filepath.Join(o.bin, b)); err != nil {
				return fmt.Errorf("%w: build the binaries first (make build), or point -bin at them", err)
			}
		}
		s, err := start(ctx, o, dir)
		if s != nil {
			defer s.close()
		}
		if err != nil {
			return err
		}
		rep.Header = append(rep.Header, s.headers...)
		if v, err := exec.Command(filepath.Join(o.bin, "caddy"), "version").Output(); err == nil && len(need) > 0 {
			rep.Header = append(rep.Header, "caddy: "+strings.TrimSpace(string(v))+" (bin/caddy, this module's cmd/caddy)")
		}
		o.load.Roots = s.cert.Pool
		results := make([]*caseResult, len(s.cases))
		for i, c := range s.cases {
			results[i] = &caseResult{Path: c.path, Mode: c.mode.Label, Procs: c.procNames()}
		}
		for r := 0; r < o.reps; r++ {
			for _, i := range s.measureOrder() {
				c := s.cases[i]
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if o.split {
					if err := s.arrange(c.split); err != nil {
						return err
					}
				}
				m := o.load.measure(c.t, c.mode, c.cpu)
				results[i].Reps = append(results[i].Reps, m)
				fmt.Fprintf(stderr, "rep %d/%d %-40s %-26s %7.0f req/s  p50 %s p99 %s  CPU/req %s  failed %d/%d\n", r+1, o.reps, c.path, c.mode.Label,
					m.Throughput, fmtDur(float64(m.P50)), fmtDur(float64(m.P99)), fmtDur(float64(m.CPUPerRequest)), m.Failures, m.Requests)
			}
		}
		rep.Cases = results
		if o.split {
			if err := s.arrange(false); err != nil {
				return err
			}
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: the backend and the simulated CVM pinned to CPU %d, the load generator and the fronts to the other CPUs (%v): the shape of a deployment, where a CVM runs its app and its tunnel end on cores of its own. Without it, every process shares every CPU.", strings.TrimSpace(splitSuffix), s.cpus[len(s.cpus)-1], s.cpus[:len(s.cpus)-1]))
		}
		// The microbenchmarks run on a quiet stack.
		s.close()
		rep.Notes = append(rep.Notes,
			"vs direct: req/s against the direct backend in the same client connection mode; vs baseline: against the named path.",
			"Upstream legs: nginx and Caddy reuse TLS connections to the backend (nginx keepalive 64; Caddy's pool), neither verifies the backend's certificate; the gateway reuses tunnel streams and verifies the CVM's RA-TLS evidence per new stream (cached by certificate).",
			"server CPU/req: CPU time (user + system, /proc) of the path's processes — backend, front, and for the gateway the simulated CVM — per successful request of the throughput phase; less disturbed than req/s by the load generator and other work on the same cores.",
			"new TLS conn/req: the load generator's own full handshakes take much of the same two cores, so these rows' req/s ratios understate the fronts' differences; server CPU/req shows them.",
			"The gateway and the CVM run on a simulated TDX module with a mock vendor PKI (insecure_simulated_tee_seed): their quotes verify as real-layout TDX quotes do (compare the tee/attest microbenchmarks), but nothing is measured by hardware.",
			"A p50 marked \"only N req/s\" is of a case that did not sustain the fixed rate: its latencies are a queue's.")
		if slices.Contains(o.paths, "acme") {
			rep.Notes = append(rep.Notes, "caddy acme cert rows: bin/caddy with a wildcard certificate dstack_acme obtained from Pebble (in this process; DNS-01 and CAA over RFC 2136), stored in file storage or in dstack_sealed storage (a key of this run in the config); the sealed row is compared with the file row. Either serves the certificate from certmagic's in-memory cache, so any difference is noise; not split across cores (no CVM side).")
		}
	}
	if o.micro {
		// The threshold KMS's DKGs and resharings take tens of seconds to
		// minutes each: at any -benchtime of seconds they run once per
		// -count.
		pkgs := []string{"./tee/...", "./kms", "./kms/threshold", "./guestos/kmsclient", "./guestos/agent", "./caddymodules/ztacme"}
		fmt.Fprintln(stderr, "microbenchmarks: go test -bench . "+strings.Join(pkgs, " "))
		m, err := runMicro(ctx, o.goCmd, ".", o.benchtime, o.count, pkgs, stderr)
		if err != nil {
			return err
		}
		rep.Micro = m
		// The gateway cluster: registration-to-routable time across two
		// nodes, requests through two nodes against one, and each node of
		// two's CPU time per request against a lone node's (served at
		// once, so that both see the same machine), in one run; then what
		// a client sees when a node dies, beside a phase where none does.
		const cluster = "^BenchmarkCluster(Failover)?$"
		fmt.Fprintln(stderr, "gateway cluster: go test -bench '"+cluster+"' ./caddymodules/gateway")
		c, err := runMicroMatching(ctx, o.goCmd, ".", cluster, "1x", o.count, []string{"./caddymodules/gateway"}, stderr)
		if err != nil {
			return err
		}
		rep.Micro = append(rep.Micro, c...)
		rep.Notes = append(rep.Notes, "Gateway cluster, node of two against a lone node: CPU/req is each node process's CPU time (user + system) per request answered, with the lone node (file storage, no cluster) and both nodes of two served in the same phase, so that all see the same machine; node of two / lone is the lone node's CPU/req over the worse node of two's, its requests per CPU-second against the lone node's, which on cores of its own is its rate (goal ≥ 0.95: judge it on the fixed-rate row, at equal load). The raw req/s of two nodes against one (two/one, slowest-node/alone) are shown among the microbenchmarks: on two cores shared by the load generator, the nodes, the CVMs and etcd they cannot scale.")
	}
	if o.vm {
		f, err := measureVM(ctx, o.bin, dir, stderr)
		if err != nil {
			return err
		}
		rep.VM = f
		if f.QEMUVersion != "" {
			rep.Notes = append(rep.Notes, "Guest image: "+f.QEMUVersion+", TCG (no KVM), the VM shaped as its vm_config says (1 vCPU, 2 GiB); boot is from qemu's start to the guest's system-ready on its console, process mode's from the boot sequence's start. Both CVMs run the built-in demo app, except the last rows' VM, which runs the demo app's container; each VM's simulated TD reports the image's boot measurement, which the stack computes before it boots it.")
		}
	}
	rep.Header = append(rep.Header, "load average after: "+loadAvg())
	var buf bytes.Buffer
	rep.writeMarkdown(&buf)
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		return err
	}
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", o.out, err)
		}
	}
	return nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// vegetaVersion is the version of vegeta this binary was built with.
func vegetaVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tsenart/vegeta/v12" {
				return d.Version
			}
		}
	}
	return "(unknown version)"
}

// revision is the commit of the working tree the command runs in.
func revision() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += " with uncommitted changes"
	}
	return "commit " + rev
}
