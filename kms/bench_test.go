package kms

import (
	"context"
	"crypto/tls"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/ratls"
)

// connMode is how a GetAppKey benchmark's clients connect.
type connMode int

const (
	keepAlive     connMode = iota // one TLS connection per client, reused
	newConnection                 // a TLS handshake per request, the same client certificate
	newClientCert                 // a TLS handshake per request with a certificate the KMS has not seen
)

// benchmarkGetAppKey measures GetAppKey over mutual RA-TLS on loopback,
// with parallel clients, and reports req/s and the p50/p99 latency of a
// request. With newConnection the KMS's verification of the client
// certificate is a cache hit (the same certificate comes back); with
// newClientCert every request brings a certificate issued beforehand that
// the KMS verifies from scratch (quote, PCK chain, collateral, event log
// replay), so the difference between the two is what attestation
// verification costs a request.
func benchmarkGetAppKey(b *testing.B, mode connMode) {
	h := newHarness(b)
	app := bootCVM(b, h.pki, 0x10)
	h.allow(app)
	v := &ratls.Verifier{Attestation: h.svc.Attestation}
	certs := []*tls.Certificate{app.clientCert(b)}
	if mode == newClientCert {
		for len(certs) < b.N+1 {
			certs = append(certs, app.clientCert(b))
		}
	}
	var next atomic.Int64
	cfg := v.ClientConfig(nil)
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		if mode != newClientCert {
			return certs[0], nil
		}
		return certs[int(next.Add(1))%len(certs)], nil
	}
	tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: mode != keepAlive, MaxIdleConnsPerHost: 64}
	c := &prpc.Client{BaseURL: h.srv.URL + "/prpc", HTTP: &http.Client{Transport: tr}}
	if err := c.Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &kmsapi.AppKeyResponse{}); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 64)
		for pb.Next() {
			start := time.Now()
			if err := c.Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &kmsapi.AppKeyResponse{}); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(start))
		}
		mu.Lock()
		latencies = append(latencies, local...)
		mu.Unlock()
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if len(latencies) > 0 {
		slices.Sort(latencies)
		b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	}
}

func BenchmarkGetAppKeyKeepAlive(b *testing.B)     { benchmarkGetAppKey(b, keepAlive) }
func BenchmarkGetAppKeyNewConnection(b *testing.B) { benchmarkGetAppKey(b, newConnection) }

// BenchmarkGetAppKeyNewClientCert is BenchmarkGetAppKeyNewConnection with
// a client certificate the KMS has not verified before on every request.
func BenchmarkGetAppKeyNewClientCert(b *testing.B) { benchmarkGetAppKey(b, newClientCert) }
