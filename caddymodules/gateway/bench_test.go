package gateway

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Load of one measurement: requests in total, spread over concurrent
// keep-alive client connections. Small, for a shared machine.
const (
	benchRequests    = 1500
	benchConcurrency = 8
)

// benchSetup runs one gateway with four fronts to the same backend handler:
// "attested" (HTTP in, dstack transport out), "plain" (HTTP in, Caddy's
// reverse_proxy to the backend over ordinary TLS), "attested_tls" (TLS in,
// dstack transport out) and the layer4 terminated route (TLS in, raw bytes
// through the tunnel).
type benchSetup struct {
	host                         string
	attested, plain, attestedTLS string
	l4                           string
	backendTLS                   string
}

func newBench(b *testing.B, keepAlive bool) *benchSetup {
	b.Helper()
	e := newEnv(b)
	compose := e.compose(0xb1)
	app := e.deployApp(compose)
	c := e.bootCVM(app, compose, 1)
	s := &benchSetup{host: hostOf(app, ""), attested: heldAddr(b), plain: heldAddr(b), attestedTLS: heldAddr(b), l4: heldAddr(b)}
	// The same handler over TLS, for the plain path.
	tlsLn, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{mustSelfSigned(b, "backend.test")}})
	if err != nil {
		b.Fatal(err)
	}
	bs := &http.Server{Handler: c.backend.Handler}
	go bs.Serve(tlsLn)
	b.Cleanup(func() { bs.Close() })
	s.backendTLS = tlsLn.Addr().String()

	_, certPEM, keyPEM := selfSigned(b, "*."+baseDomain)
	plainTransport := map[string]any{"protocol": "http", "tls": map[string]any{"insecure_skip_verify": true}}
	dstackTransport := map[string]any{}
	if !keepAlive {
		plainTransport["keep_alive"] = map[string]any{"enabled": false}
		dstackTransport["disable_keepalives"] = true
	}
	noTLS := map[string]any{"disable": true}
	httpApp := map[string]any{"servers": map[string]any{
		"attested": map[string]any{"listen": []string{heldNetwork + "/" + s.attested}, "routes": proxyRoute(dstackTransport), "automatic_https": noTLS},
		"plain": map[string]any{"listen": []string{heldNetwork + "/" + s.plain}, "automatic_https": noTLS, "routes": []any{map[string]any{"handle": []any{map[string]any{
			"handler": "reverse_proxy", "upstreams": []any{map[string]any{"dial": s.backendTLS}}, "transport": plainTransport,
		}}}}},
		"attested_tls": map[string]any{"listen": []string{heldNetwork + "/" + s.attestedTLS}, "routes": proxyRoute(dstackTransport),
			"tls_connection_policies": []any{map[string]any{}}, "automatic_https": noTLS,
			"protocols": []string{"h1", "h2"}}, // HTTP/3 would need a UDP socket, not a held listener
	}}
	l4 := map[string]any{"servers": map[string]any{"l4": map[string]any{"listen": []string{heldNetwork + "/" + s.l4}, "routes": []any{map[string]any{
		"match":  []any{map[string]any{"dstack": map[string]any{}}},
		"handle": []any{map[string]any{"handler": "tls"}, map[string]any{"handler": "dstack"}},
	}}}}}
	tlsApp := map[string]any{"certificates": map[string]any{"load_pem": []any{map[string]any{"certificate": certPEM, "key": keyPEM}}}}
	g := e.loadApps(e.dstackConfig(nil), nil, map[string]any{"http": httpApp, "layer4": l4, "tls": tlsApp})
	c.mustRegister(g)
	return s
}

func mustSelfSigned(tb testing.TB, name string) tls.Certificate {
	c, _, _ := selfSigned(tb, name)
	return c
}

// rate sends benchRequests GETs to addr with Host host over
// benchConcurrency keep-alive client connections and returns requests per
// second.
func rate(b *testing.B, addr, host string, useTLS bool) float64 {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency, MaxConnsPerHost: benchConcurrency,
		TLSClientConfig: &tls.Config{ServerName: host, InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	url := scheme + "://" + addr + "/"
	get := func() error {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Host = host
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	if err := get(); err != nil { // warm: connections, verification cache
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, benchConcurrency)
	start := time.Now()
	for w := 0; w < benchConcurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < benchRequests/benchConcurrency; i++ {
				if err := get(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return float64(benchRequests) / elapsed.Seconds()
}

// compare measures two paths alternately, b.N rounds, and reports both
// rates and their ratio side by side.
func compare(b *testing.B, nameA, nameB string, a, bb func() float64) {
	var sumA, sumB float64
	for i := 0; i < b.N; i++ {
		sumA += a()
		sumB += bb()
	}
	ra, rb := sumA/float64(b.N), sumB/float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ra, nameA+"-req/s")
	b.ReportMetric(rb, nameB+"-req/s")
	b.ReportMetric(ra/rb, "ratio")
	b.Logf("%s %.0f req/s, %s %.0f req/s, ratio %.3f", nameA, ra, nameB, rb, ra/rb)
}

// BenchmarkAttestedVsPlainKeepAlive: the dstack transport against Caddy's
// reverse_proxy to the same backend over ordinary TLS, upstream
// connections reused (goal ratio ≥ 0.97).
func BenchmarkAttestedVsPlainKeepAlive(b *testing.B) { attestedVsPlain(b, true) }

// BenchmarkAttestedVsPlainNewConnection: the same with a new upstream
// connection for every request — a tunnel handshake (resumed, the
// certificate's verification cached) against a TLS handshake (goal ratio
// ≥ 0.90).
func BenchmarkAttestedVsPlainNewConnection(b *testing.B) { attestedVsPlain(b, false) }

// attestedVsPlain compares the dstack transport with Caddy's plain TLS
// reverse_proxy, upstream connections reused or not.
func attestedVsPlain(b *testing.B, keepAlive bool) {
	s := newBench(b, keepAlive)
	b.ResetTimer()
	compare(b, "attested", "plain",
		func() float64 { return rate(b, s.attested, s.host, false) },
		func() float64 { return rate(b, s.plain, s.host, false) })
}

// BenchmarkLayer4VsHTTP: clients over TLS to the gateway; the layer4
// terminated route (one tunnel stream per client connection, bytes
// relayed) against the HTTP route (requests proxied over pooled tunnel
// streams).
func BenchmarkLayer4VsHTTP(b *testing.B) {
	s := newBench(b, true)
	b.ResetTimer()
	compare(b, "layer4", "http",
		func() float64 { return rate(b, s.l4, s.host, true) },
		func() float64 { return rate(b, s.attestedTLS, s.host, true) })
}
