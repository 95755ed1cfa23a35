package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// connMode is how the load generator's clients use connections.
type connMode struct {
	Label     string
	KeepAlive bool
}

var (
	keepAlive = connMode{"keep-alive", true}
	newConn   = connMode{"new TLS conn/req", false}
)

// target is one front to measure: an HTTPS URL and the name the client
// asks for (SNI and Host).
type target struct {
	URL  string
	Host string
}

// loadConfig is how hard and how long each phase of a measurement runs.
type loadConfig struct {
	// Duration of each phase.
	Duration time.Duration
	// Warmup runs before the phases, unmeasured (connection pools, caches).
	Warmup time.Duration
	// Workers is the number of concurrent requests of the throughput
	// phase.
	Workers uint64
	// Rate is the fixed request rate of the latency phase.
	Rate int
	// Roots verify the fronts' certificates.
	Roots *x509.CertPool
}

// attacker makes a vegeta attacker for t in mode: HTTP/1.1 over TLS 1.3
// with X25519 (so that every front negotiates the same handshake), the
// certificate verified, no TLS session resumption — a new connection is a
// full handshake.
func (cfg loadConfig) attacker(t target, mode connMode, workers, maxWorkers uint64) *vegeta.Attacker {
	return vegeta.NewAttacker(
		vegeta.TLSConfig(&tls.Config{
			ServerName: t.Host, RootCAs: cfg.Roots, MinVersion: tls.VersionTLS13,
			CurvePreferences: []tls.CurveID{tls.X25519}, NextProtos: []string{"http/1.1"},
		}),
		vegeta.HTTP2(false),
		vegeta.KeepAlive(mode.KeepAlive),
		vegeta.Connections(int(maxWorkers)),
		vegeta.Workers(workers),
		vegeta.MaxWorkers(maxWorkers),
		vegeta.Timeout(30*time.Second),
		vegeta.Redirects(vegeta.NoFollow),
	)
}

// phase is what one attack saw.
type phase struct {
	metrics  vegeta.Metrics
	requests uint64
	failures uint64
	errors   []string
}

// attack sends requests to t for d at pacer's rate and checks every answer
// is the backend's 200 "ok".
func attack(a *vegeta.Attacker, t target, pacer vegeta.Pacer, d time.Duration) phase {
	hdr := http.Header{"Host": []string{t.Host}}
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: t.URL, Header: hdr})
	var p phase
	for r := range a.Attack(targeter, pacer, d, t.URL) {
		p.requests++
		bad := r.Error
		if bad == "" && (r.Code != http.StatusOK || string(r.Body) != backendBody) {
			bad = "unexpected answer " + http.StatusText(int(r.Code)) + " " + truncate(string(r.Body), 80)
			r.Code = 0 // a wrong answer is not a success
			r.Error = bad
		}
		if bad != "" {
			p.failures++
			if len(p.errors) < 5 && !slices.Contains(p.errors, bad) {
				p.errors = append(p.errors, bad)
			}
		}
		p.metrics.Add(r)
	}
	p.metrics.Close()
	return p
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// measure runs one repetition of a case: a warm-up, the throughput phase
// (Workers concurrent requests, each sent as soon as the last answered)
// and the latency phase (a fixed Rate, enough workers to keep it).
//
// cpu, when not nil, is the CPU time each of the path's processes has
// used so far: the throughput phase's share of it per successful request
// is the measurement's CPUByProcess (and their sum its CPUPerRequest), a
// figure that the generator's use of the same cores disturbs less than the
// rate.
func (cfg loadConfig) measure(t target, mode connMode, cpu func() ([]time.Duration, error)) measurement {
	var m measurement
	add := func(p phase) {
		m.Requests += p.requests
		m.Failures += p.failures
		for _, e := range p.errors {
			if !slices.Contains(m.Errors, e) {
				m.Errors = append(m.Errors, e)
			}
		}
	}
	if cfg.Warmup > 0 {
		attack(cfg.attacker(t, mode, cfg.Workers, cfg.Workers), t, vegeta.ConstantPacer{}, cfg.Warmup)
	}
	var before []time.Duration
	if cpu != nil {
		var err error
		if before, err = cpu(); err != nil {
			cpu = nil
			m.Errors = append(m.Errors, err.Error())
		}
	}
	tp := attack(cfg.attacker(t, mode, cfg.Workers, cfg.Workers), t, vegeta.ConstantPacer{}, cfg.Duration)
	if cpu != nil {
		after, err := cpu()
		if ok := uint64(float64(tp.requests) * tp.metrics.Success); err == nil && ok > 0 && len(after) == len(before) {
			for i := range after {
				per := (after[i] - before[i]) / time.Duration(ok)
				m.CPUByProcess = append(m.CPUByProcess, per)
				m.CPUPerRequest += per
			}
		}
	}
	add(tp)
	m.Throughput = tp.metrics.Throughput
	lat := attack(cfg.attacker(t, mode, cfg.Workers, 8*cfg.Workers), t, vegeta.ConstantPacer{Freq: cfg.Rate, Per: time.Second}, cfg.Duration)
	add(lat)
	m.Rate = lat.metrics.Rate
	m.P50, m.P99 = lat.metrics.Latencies.P50, lat.metrics.Latencies.P99
	return m
}
