package agent

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/prpc/prpctest"
)

// unixClient is an HTTP client of the unix socket path.
func unixClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxConnsPerHost: 64, DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
}

// TestFloodHoldsMemory: 32 callers at once, each sending 10 MiB to a
// method of the default limit (GetKey) and to one of the largest (Sign),
// make the heap grow by a small fraction of what the bodies weigh (320
// MiB, which an agent that buffered them would hold).
func TestFloodHoldsMemory(t *testing.T) {
	f := setup(t)
	for method, bound := range map[string]uint64{"GetKey": 32 << 20, "Sign": 96 << 20} {
		res := prpctest.Flood(f.client, "http://dstack/"+method, 32, 10<<20)
		t.Logf("%s: peak heap growth %d KiB; answers %v; %d closed connections", method, res.PeakHeap>>10, res.Status, res.Errors)
		if res.Status[http.StatusOK] != 0 || res.Status[http.StatusRequestEntityTooLarge] == 0 || res.Status[http.StatusRequestEntityTooLarge]+res.Errors != 32 {
			t.Fatalf("%s: answers %v, %d closed connections: want only 413 (or a closed connection)", method, res.Status, res.Errors)
		}
		if res.PeakHeap > bound {
			t.Fatalf("%s: the heap grew by %d MiB during the flood, more than %d MiB", method, res.PeakHeap>>20, bound>>20)
		}
	}
}

// TestMethodBodyLimits: every method of every API refuses a body one byte
// over its limit with 413 and a message naming the limit, and takes one at
// its limit.
func TestMethodBodyLimits(t *testing.T) {
	f := setup(t)
	dir := filepath.Dir(f.srv.Socket())
	dstack, tappd := f.client, unixClient(filepath.Join(dir, "tappd.sock"))
	external := &http.Client{}
	cases := []struct {
		client *http.Client
		base   string
		limits map[string]int64
	}{
		{dstack, "http://dstack/", map[string]int64{"GetTlsKey": maxNamesBody, "GetKey": prpc.DefaultMaxBody, "GetQuote": prpc.DefaultMaxBody,
			"Attest": prpc.DefaultMaxBody, "Info": prpc.DefaultMaxBody, "Sign": maxDataBody, "Verify": maxDataBody, "Version": prpc.DefaultMaxBody,
			"GpuInfo": prpc.DefaultMaxBody}},
		{dstack, "http://dstack/prpc/DstackGuest.", map[string]int64{"GetKey": prpc.DefaultMaxBody, "Sign": maxDataBody}},
		{tappd, "http://tappd/prpc/Tappd.", map[string]int64{"DeriveKey": maxNamesBody, "DeriveK256Key": prpc.DefaultMaxBody,
			"TdxQuote": maxDataBody, "RawQuote": prpc.DefaultMaxBody, "Info": prpc.DefaultMaxBody, "Version": prpc.DefaultMaxBody}},
		{external, "http://" + f.srv.ExternalAddr() + "/prpc/Worker.", map[string]int64{"Info": prpc.DefaultMaxBody,
			"Version": prpc.DefaultMaxBody, "GetAttestationForAppKey": prpc.DefaultMaxBody}},
	}
	for _, tc := range cases {
		for method, limit := range tc.limits {
			if err := prpctest.BodyLimit(tc.client, tc.base+method+"?json", method, limit); err != nil {
				t.Errorf("%s: %v", tc.base, err)
			}
		}
	}
}

// TestSocketLimits: the agent's sockets run within Config.Limits: a
// connection idle after a request is closed after idle_timeout, and while
// max_conns connections are open no other is served.
func TestSocketLimits(t *testing.T) {
	f := setup(t)
	sock := filepath.Join(t.TempDir(), "limited.sock")
	srv, err := f.agent.Serve(Config{Socket: sock, Limits: prpc.Limits{IdleTimeout: prpc.Duration(time.Second), MaxConns: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /Version HTTP/1.1\r\nHost: dstack\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		resp, err := unixClient(sock).Get("http://dstack/Version")
		if err == nil {
			resp.Body.Close()
		}
		served <- err
	}()
	select {
	case err := <-served:
		t.Fatalf("a second connection was served while the only one allowed was open (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	held, err := prpctest.HeldFor(c, 5*time.Second) // reads the answer, then waits
	if err != nil {
		t.Fatal("idle connection: ", err)
	}
	t.Logf("idle connection closed after %v", held.Round(time.Millisecond))
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
