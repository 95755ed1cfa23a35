package kms

import (
	"context"
	"crypto/tls"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/prpc/prpctest"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// limitedKMS starts a development KMS within limits and returns its URL
// and a client that verifies it.
func limitedKMS(t *testing.T, limits prpc.Limits) (string, *http.Client) {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", StateDir: t.TempDir(), InsecureSimulatedTEE: "limits test",
		Auth: AuthConfig{InsecureAllowAll: true}, Limits: limits}
	srv, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	pki, _ := mock.NewPKI([]byte("limits test"))
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}}}
	return srv.URL, &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil), MaxConnsPerHost: 64}}
}

// TestFloodHoldsMemory: 32 callers at once, unauthenticated, each sending
// GetMeta a 10 MiB body (half of them chunked), make the heap grow by a
// small fraction of what the bodies weigh; each is refused with 413 (or its connection
// closed while it was still sending).
func TestFloodHoldsMemory(t *testing.T) {
	url, c := limitedKMS(t, prpc.Limits{})
	const n, size = 32, 10 << 20
	res := prpctest.Flood(c, url+"/prpc/GetMeta?json", n, size)
	t.Logf("%d requests of %d MiB: peak heap growth %d KiB; answers %v; %d closed connections", n, size>>20, res.PeakHeap>>10, res.Status, res.Errors)
	if res.Status[http.StatusOK] != 0 || res.Status[http.StatusRequestEntityTooLarge] == 0 || res.Status[http.StatusRequestEntityTooLarge]+res.Errors != n {
		t.Fatalf("answers %v, %d closed connections: want only 413 (or a closed connection)", res.Status, res.Errors)
	}
	// A server that buffered each body would grow by n × 10 MiB: the bound
	// is a tenth of that, and what it grows by is mostly garbage of the
	// handshakes, not yet collected.
	if res.PeakHeap > 32<<20 {
		t.Fatalf("the heap grew by %d MiB during the flood", res.PeakHeap>>20)
	}
	// The KMS still answers.
	var meta kmsapi.GetMetaResponse
	if err := (&prpc.Client{BaseURL: url + "/prpc", HTTP: c}).Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &meta); err != nil || len(meta.K256Pubkey) != 33 {
		t.Fatalf("GetMeta after the flood: %v", err)
	}
}

// TestMethodBodyLimits: each method refuses a body one byte over its limit
// with 413 and a message naming the limit, and takes one at its limit.
func TestMethodBodyLimits(t *testing.T) {
	url, c := limitedKMS(t, prpc.Limits{})
	for method, limit := range map[string]int64{
		"GetMeta": prpc.DefaultMaxBody, "GetAppEnvEncryptPubKey": prpc.DefaultMaxBody, "GetTempCaCert": prpc.DefaultMaxBody,
		"GetAppKey": maxVMConfigBody, "GetAppKeyShares": maxVMConfigBody, "GetKmsKey": maxVMConfigBody, "SignCert": maxSignCertBody,
	} {
		if err := prpctest.BodyLimit(c, url+"/prpc/"+method+"?json", method, limit); err != nil {
			t.Error(err)
		}
	}
}

// TestSlowAndIdleConnectionsClosed: a connection that does not finish its
// TLS handshake, and one idle after a request, are closed after their
// timeouts.
func TestSlowAndIdleConnectionsClosed(t *testing.T) {
	const d = 300 * time.Millisecond
	url, c := limitedKMS(t, prpc.Limits{ReadHeaderTimeout: prpc.Duration(d), IdleTimeout: prpc.Duration(d)})
	addr := strings.TrimPrefix(url, "https://")
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	held, err := prpctest.HeldFor(silent, 10*time.Second)
	if err != nil {
		t.Fatal("silent connection: ", err)
	}
	t.Logf("silent connection closed after %v", held.Round(time.Millisecond))

	tr := c.Transport.(*http.Transport)
	conn, err := tls.Dial("tcp", addr, tr.TLSClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /health HTTP/1.1\r\nHost: kms\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	held, err = prpctest.HeldFor(conn, 10*time.Second) // reads the answer, then waits
	if err != nil {
		t.Fatal("idle connection: ", err)
	}
	t.Logf("idle connection closed after %v", held.Round(time.Millisecond))
}

// TestConnectionLimit: while max_conns connections are open, the KMS
// serves no other until one closes.
func TestConnectionLimit(t *testing.T) {
	url, c := limitedKMS(t, prpc.Limits{MaxConns: 1})
	held, err := net.Dial("tcp", strings.TrimPrefix(url, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	served := make(chan error, 1)
	go func() {
		var meta kmsapi.GetMetaResponse
		served <- (&prpc.Client{BaseURL: url + "/prpc", HTTP: c}).Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &meta)
	}()
	select {
	case err := <-served:
		t.Fatalf("a second connection was served while the only one allowed was open (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	held.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
