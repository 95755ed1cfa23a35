package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// spread is a set of repeated measurements of one quantity.
type spread []float64

// median is the middle measurement (the mean of the two middle ones for an
// even count); 0 for none.
func (s spread) median() float64 {
	if len(s) == 0 {
		return 0
	}
	v := slices.Clone(s)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func (s spread) min() float64 {
	if len(s) == 0 {
		return 0
	}
	return slices.Min(s)
}

func (s spread) max() float64 {
	if len(s) == 0 {
		return 0
	}
	return slices.Max(s)
}

// noise is the range of the measurements relative to their median, in
// percent: how far apart the repetitions were.
func (s spread) noise() float64 {
	m := s.median()
	if m == 0 {
		return 0
	}
	return 100 * (s.max() - s.min()) / m
}

// measurement is what the load generator saw in one repetition of a case.
type measurement struct {
	// Throughput is successful requests per second with the generator
	// sending as fast as its workers allow.
	Throughput float64
	// Rate is the rate requests were sent at in the latency phase, which
	// asks for a fixed rate: below it, workers were all waiting on answers
	// and the case could not keep up.
	Rate float64
	// P50 and P99 are the latency quantiles of the fixed-rate phase.
	P50, P99 time.Duration
	// CPUPerRequest is the CPU time (user and system) the path's
	// processes spent per successful request in the throughput phase; 0
	// when unknown.
	CPUPerRequest time.Duration
	// CPUByProcess is CPUPerRequest by process, in the order of the
	// case's Procs.
	CPUByProcess []time.Duration
	// Requests and Failures count both phases.
	Requests, Failures uint64
	// Errors are distinct error messages seen.
	Errors []string
}

// caseResult is every repetition of one case.
type caseResult struct {
	Path string // "direct", "nginx", "caddy", "gateway"
	Mode string // connMode's label
	// Procs names the processes whose CPU time is measured: the backend,
	// then the front's.
	Procs []string
	Reps  []measurement
}

func (r *caseResult) throughput() spread {
	var s spread
	for _, m := range r.Reps {
		s = append(s, m.Throughput)
	}
	return s
}

func (r *caseResult) latency(q func(measurement) time.Duration) spread {
	var s spread
	for _, m := range r.Reps {
		s = append(s, float64(q(m)))
	}
	return s
}

func (r *caseResult) cpu() spread {
	var s spread
	for _, m := range r.Reps {
		if m.CPUPerRequest > 0 {
			s = append(s, float64(m.CPUPerRequest))
		}
	}
	return s
}

// procCPU is CPUByProcess of process i over the repetitions.
func (r *caseResult) procCPU(i int) spread {
	var s spread
	for _, m := range r.Reps {
		if i < len(m.CPUByProcess) && m.CPUByProcess[i] > 0 {
			s = append(s, float64(m.CPUByProcess[i]))
		}
	}
	return s
}

func (r *caseResult) rate() spread {
	var s spread
	for _, m := range r.Reps {
		s = append(s, m.Rate)
	}
	return s
}

func (r *caseResult) failures() (failed, total uint64, errs []string) {
	for _, m := range r.Reps {
		failed += m.Failures
		total += m.Requests
		for _, e := range m.Errors {
			if !slices.Contains(errs, e) {
				errs = append(errs, e)
			}
		}
	}
	return failed, total, errs
}

// report is the whole run: the load cases, the microbenchmarks and how
// they were run.
type report struct {
	Header     []string // lines about the machine and the settings
	Cases      []*caseResult
	Baselines  map[string]string // path → the path it is also compared with
	TargetRate float64
	Micro      []microResult
	VM         *vmFigures
	Notes      []string
}

// hasCPUByProcess reports whether some case measured CPU by process.
func (rep *report) hasCPUByProcess() bool {
	return slices.ContainsFunc(rep.Cases, func(c *caseResult) bool {
		return slices.ContainsFunc(c.Reps, func(m measurement) bool { return len(m.CPUByProcess) > 0 })
	})
}

// find returns the result of path in mode, or nil.
func (rep *report) find(path, mode string) *caseResult {
	for _, c := range rep.Cases {
		if c.Path == path && c.Mode == mode {
			return c
		}
	}
	return nil
}

func fmtRate(v float64) string { return fmt.Sprintf("%.0f", v) }

func fmtDur(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%.0f ns", ns)
	case d < 10*time.Microsecond:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case d >= 100*time.Second:
		return fmt.Sprintf("%.0f s", ns/1e9)
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", ns/1e9)
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", ns/1e6)
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	default:
		return fmt.Sprintf("%.0f µs", ns/1e3)
	}
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// section starts a markdown table under a heading.
func section(w io.Writer, title string, cols ...string) {
	fmt.Fprintf(w, "\n## %s\n\n| %s |\n|%s\n", title, strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
}

// writeMarkdown writes the report as markdown tables: each figure is the
// median of the repetitions with their range beside it, and ratios are of
// medians measured in this run.
func (rep *report) writeMarkdown(w io.Writer) {
	fmt.Fprintln(w, "# dstack-go benchmarks")
	fmt.Fprintln(w)
	for _, h := range rep.Header {
		fmt.Fprintf(w, "- %s\n", h)
	}
	if len(rep.Cases) > 0 {
		section(w, "HTTP paths (median of repetitions; [min–max]; ±% = range/median)",
			"path", "client connections", "req/s max", "±%", "vs direct", "vs baseline",
			fmt.Sprintf("p50 @ %.0f req/s", rep.TargetRate), fmt.Sprintf("p99 @ %.0f req/s", rep.TargetRate), "p99 ±%", "server CPU/req", "failed")
		for _, c := range rep.Cases {
			tp := c.throughput()
			vsDirect, vsBase, cpuVsBase := "–", "–", ""
			direct := "direct"
			if strings.HasSuffix(c.Path, splitSuffix) {
				direct += splitSuffix
			}
			if d := rep.find(direct, c.Mode); d != nil && c.Path != direct {
				vsDirect = ratio(tp.median(), d.throughput().median())
			}
			if base, ok := rep.Baselines[c.Path]; ok {
				if b := rep.find(base, c.Mode); b != nil {
					vsBase = ratio(tp.median(), b.throughput().median()) + " " + base
					if bc := b.cpu(); len(bc) > 0 && len(c.cpu()) > 0 {
						cpuVsBase = " " + ratio(c.cpu().median(), bc.median()) + " " + base
					}
				}
			}
			p50, p99 := c.latency(func(m measurement) time.Duration { return m.P50 }), c.latency(func(m measurement) time.Duration { return m.P99 })
			lat50, lat99 := fmtDur(p50.median()), fmtDur(p99.median())
			if r := c.rate(); r.min() < 0.95*rep.TargetRate {
				// The case did not sustain the asked rate: its latencies are
				// those of a queue, not of a request.
				lat50 += fmt.Sprintf(" (only %.0f req/s)", r.min())
			}
			cpu := "–"
			if c := c.cpu(); len(c) > 0 {
				cpu = fmt.Sprintf("%s [%s–%s]%s", fmtDur(c.median()), fmtDur(c.min()), fmtDur(c.max()), cpuVsBase)
			}
			failed, total, _ := c.failures()
			fmt.Fprintf(w, "| %s | %s | %s [%s–%s] | %.0f%% | %s | %s | %s | %s [%s–%s] | %.0f%% | %s | %d/%d |\n",
				c.Path, c.Mode, fmtRate(tp.median()), fmtRate(tp.min()), fmtRate(tp.max()), tp.noise(),
				vsDirect, vsBase, lat50, lat99, fmtDur(p99.min()), fmtDur(p99.max()), p99.noise(), cpu, failed, total)
		}
		for _, c := range rep.Cases {
			if _, _, errs := c.failures(); len(errs) > 0 {
				fmt.Fprintf(w, "\nErrors of %s (%s): %s\n", c.Path, c.Mode, strings.Join(errs, "; "))
			}
		}
	}
	if rep.hasCPUByProcess() {
		section(w, "Server CPU per request by process (median of repetitions; throughput phase)",
			"path", "client connections", "backend", "front", "simulated CVM", "total")
		for _, c := range rep.Cases {
			cols := []string{"–", "–", "–"}
			for i, name := range c.Procs {
				col := min(i, 2)
				if name == "cvm" {
					col = 2
				}
				if v := c.procCPU(i); len(v) > 0 {
					cols[col] = fmtDur(v.median())
					if col == 1 {
						cols[col] += " " + name
					}
				}
			}
			total := "–"
			if t := c.cpu(); len(t) > 0 {
				total = fmtDur(t.median())
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", c.Path, c.Mode, strings.Join(cols, " | "), total)
		}
	}
	if len(rep.Micro) > 0 {
		section(w, "Microbenchmarks (go test -bench; median of -count runs; [min–max])",
			"package", "benchmark", "time/op", "±%", "other (median)")
		for _, m := range rep.Micro {
			fmt.Fprintf(w, "| %s | %s | %s |\n", m.Pkg, m.Name, m.figures())
		}
	}
	writeThresholdKMS(w, rep.Micro)
	writeBindingCost(w, rep.Micro)
	writeClusterEfficiency(w, rep.Micro)
	writeVMFigures(w, rep.VM)
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

// figures is a microbenchmark's time/op [min–max], its ±% and its other
// units' medians, as table cells.
func (m *microResult) figures() string {
	var other []string
	for _, u := range m.units() {
		if u == "sec/op" {
			continue
		}
		if what, ok := strings.CutSuffix(u, "-sec/op"); ok {
			other = append(other, fmt.Sprintf("%s %s", fmtSigned(m.Values[u].median()*1e9), what))
			continue
		}
		other = append(other, fmt.Sprintf("%s %s", fmtValue(m.Values[u].median()), u))
	}
	t := m.Values["sec/op"]
	return fmt.Sprintf("%s [%s–%s] | %.0f%% | %s", fmtDur(t.median()*1e9), fmtDur(t.min()*1e9), fmtDur(t.max()*1e9), t.noise(), strings.Join(other, ", "))
}

// thresholdRows are the benchmarks of the threshold KMS, and the
// replicated KMS's key release they are compared with, in the order the
// threshold KMS table shows them.
var thresholdRows = []struct{ pkg, name, what string }{
	{"kms", "GetAppKeyKeepAlive", "key release, replicated KMS"},
	{"guestos/kmsclient", "ThresholdRelease2of3", "key release, threshold 2-of-3"},
	{"kms/threshold", "Sign2of3", "threshold ECDSA signature (k256, 2 of 3, uncached)"},
	{"kms/threshold", "Keygen2of3", "DKG of the four roots, 2-of-3"},
	{"kms/threshold", "Keygen3of5", "DKG of the four roots, 3-of-5"},
	{"kms/threshold", "Reshare2of3", "resharing 2-of-3 → 2-of-3, one node replaced"},
	{"kms/threshold", "Reshare3of5", "resharing 2-of-3 → 3-of-5, two nodes added"},
}

// writeThresholdKMS shows the threshold KMS's figures beside the
// replicated KMS's key release, when the run has any of them.
func writeThresholdKMS(w io.Writer, micro []microResult) {
	header := false
	for _, row := range thresholdRows {
		i := slices.IndexFunc(micro, func(m microResult) bool { return m.Pkg == row.pkg && m.Name == row.name })
		if i < 0 {
			continue
		}
		if !header {
			section(w, "Threshold KMS beside the replicated KMS (same run; median of -count runs; [min–max])",
				"operation", "benchmark", "time/op", "±%", "other (median)")
			header = true
		}
		fmt.Fprintf(w, "| %s | %s %s | %s |\n", row.what, row.pkg, row.name, micro[i].figures())
	}
	if header {
		fmt.Fprintln(w, "\nThe replicated release is one node answering parallel clients (time/op is 1/throughput; p50-ms is a request's latency); "+
			"the threshold release asks three nodes at once and verifies and combines two partials, one release at a time (time/op is its latency). "+
			"All on loopback, every node in the benchmark's process. Resharings start from the sealed shares of a fixture 2-of-3 DKG, and the joining nodes load fixture pre-parameters: "+
			"pre-parameter generation, which a node does once before it joins, is not timed.")
	}
}

func fmtValue(v float64) string {
	if v >= 100 || v == float64(int64(v)) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// writeBindingCost shows the benchmarks that measure verification with and without the OS image binding
// (metrics with-binding-ns/op and without-binding-ns/op, which benchfmt reads as …-sec/op, measured alternately in the same loop), with the
// difference: the median, over the -count runs, of each run's own difference.
func writeBindingCost(w io.Writer, micro []microResult) {
	header := false
	for _, m := range micro {
		with, without := m.Values["with-binding-sec/op"], m.Values["without-binding-sec/op"]
		if len(with) == 0 || len(without) == 0 {
			continue
		}
		if !header {
			section(w, "OS image binding: the same evidence verified with and without it, alternately in one loop (medians of -count runs)",
				"package", "benchmark", "with binding", "without", "binding costs [min–max]")
			header = true
		}
		cost := m.Values["binding-sec/op"]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s [%s–%s] |\n", m.Pkg, m.Name, fmtDur(with.median()*1e9), fmtDur(without.median()*1e9),
			fmtSigned(cost.median()*1e9), fmtSigned(cost.min()*1e9), fmtSigned(cost.max()*1e9))
	}
}

// writeClusterEfficiency shows BenchmarkCluster's per-node figures: the
// lone node and the worse node of two, served in one phase (as fast as
// they go: side-*; at one fixed rate each: paced-*), req/s beside CPU time
// per request, and the lone node's CPU per request over the node of two's
// (its requests per CPU-second against the lone node's; goal ≥ 0.95).
func writeClusterEfficiency(w io.Writer, micro []microResult) {
	for _, m := range micro {
		if len(m.Values["paced-node-of-two/lone-cpu"]) == 0 {
			continue
		}
		section(w, "Gateway cluster: a node of two against a lone node, served at once (BenchmarkCluster; medians of -count runs)",
			"load", "lone req/s", "node of two req/s", "lone CPU/req", "node of two CPU/req", "node of two / lone, req per CPU-s [min–max]", "cluster cost/req")
		for _, p := range []struct{ prefix, label string }{{"side", "as fast as each goes"}, {"paced", "a fixed rate each"}} {
			v := func(unit string) spread { return m.Values[p.prefix+"-"+unit] }
			ratio := v("node-of-two/lone-cpu")
			fmt.Fprintf(w, "| %s | %.0f | %.0f | %s | %s | %.3f [%.3f–%.3f] | %s |\n", p.label, v("lone-req/s").median(), v("node-of-two-req/s").median(),
				fmtDur(v("lone-cpu-us/req").median()*1e3), fmtDur(v("node-of-two-cpu-us/req").median()*1e3),
				ratio.median(), ratio.min(), ratio.max(), fmtSigned(v("cluster-cost-us/req").median()*1e3))
		}
	}
}

// fmtSigned is fmtDur for a difference that noise may make negative.
func fmtSigned(ns float64) string {
	if ns < 0 {
		return "−" + fmtDur(-ns)
	}
	return fmtDur(ns)
}
