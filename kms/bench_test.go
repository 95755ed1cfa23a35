package kms

import (
	"context"
	"net/http"
	"testing"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/ratls"
)

// benchmarkGetAppKey measures GetAppKey over mutual RA-TLS on loopback,
// with parallel clients. keepAlive false makes every call a new TLS
// connection (the client certificate's verification is then a cache hit:
// the same certificate comes back).
func benchmarkGetAppKey(b *testing.B, keepAlive bool) {
	h := newHarness(b)
	app := bootCVM(b, h.pki, 0x10)
	h.allow(app)
	cert := app.clientCert(b)
	v := &ratls.Verifier{Attestation: h.svc.Attestation}
	tr := &http.Transport{TLSClientConfig: v.ClientConfig(cert), DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 64}
	c := &prpc.Client{BaseURL: h.srv.URL + "/prpc", HTTP: &http.Client{Transport: tr}}
	if err := c.Call(context.Background(), "GetAppKey", &GetAppKeyRequest{}, &AppKeyResponse{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.Call(context.Background(), "GetAppKey", &GetAppKeyRequest{}, &AppKeyResponse{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkGetAppKeyKeepAlive(b *testing.B)     { benchmarkGetAppKey(b, true) }
func BenchmarkGetAppKeyNewConnection(b *testing.B) { benchmarkGetAppKey(b, false) }
