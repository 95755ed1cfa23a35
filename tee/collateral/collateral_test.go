package collateral

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

type countingSource struct {
	n    atomic.Int32
	body func(url string) []byte
}

func (s *countingSource) Get(_ context.Context, u string) (map[string][]string, []byte, error) {
	s.n.Add(1)
	return map[string][]string{"Tcb-Info-Issuer-Chain": {"x"}}, s.body(u), nil
}

func TestCacheHonoursNextUpdate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := now
	src := &countingSource{body: func(string) []byte {
		return []byte(fmt.Sprintf(`{"tcbInfo":{"nextUpdate":%q},"signature":"00"}`, now.Add(time.Hour).Format(time.RFC3339)))
	}}
	c := NewCache(src, CacheOptions{Now: func() time.Time { return clock }})
	for i := 0; i < 3; i++ {
		if _, _, err := c.Get(tdxBase + "/tcb?fmspc=00806f050000"); err != nil {
			t.Fatal(err)
		}
	}
	if src.n.Load() != 1 {
		t.Fatalf("%d fetches, want 1", src.n.Load())
	}
	st := c.Status()
	if len(st) != 1 || !st[0].NextUpdate.Equal(now.Add(time.Hour)) {
		t.Fatalf("status %+v", st)
	}
	clock = now.Add(2 * time.Hour)
	// The source still serves the expired piece: refused, not served.
	if _, _, err := c.Get(tdxBase + "/tcb?fmspc=00806f050000"); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired collateral: %v", err)
	}
	if c.Status()[0].Age != 2*time.Hour {
		t.Fatalf("age %v", c.Status()[0].Age)
	}
}

func TestHTTPSourceRewritesPCSURLs(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		w.Header().Set("Tcb-Info-Issuer-Chain", "chain")
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	s := HTTPSource(srv.URL, srv.Client())
	h, _, err := s.Get(context.Background(), tdxBase+"/tcb?fmspc=00806f050000")
	if err != nil || h["Tcb-Info-Issuer-Chain"][0] != "chain" {
		t.Fatal(err)
	}
	if _, _, err := s.Get(context.Background(), rootCRLURL); err != nil {
		t.Fatal(err)
	}
	if paths[0] != "/tdx/certification/v4/tcb?fmspc=00806f050000" || paths[1] != "/sgx/certification/v4/rootcacrl" {
		t.Fatalf("paths %v", paths)
	}
}

func TestDirSource(t *testing.T) {
	dir := t.TempDir()
	u := tdxBase + "/qe/identity"
	os.WriteFile(filepath.Join(dir, FileName(u)), []byte(`{"enclaveIdentity":{}}`), 0o644)
	os.WriteFile(filepath.Join(dir, FileName(u)+".headers"), []byte(`{"Sgx-Enclave-Identity-Issuer-Chain":["c"]}`), 0o644)
	h, b, err := DirSource(dir).Get(context.Background(), u)
	if err != nil || string(b) != `{"enclaveIdentity":{}}` || h["Sgx-Enclave-Identity-Issuer-Chain"][0] != "c" {
		t.Fatalf("%v %s %v", h, b, err)
	}
	if FileName(u) != "api.trustedservices.intel.com_tdx_certification_v4_qe_identity" {
		t.Fatalf("file name %s", FileName(u))
	}
	if _, _, err := DirSource(dir).Get(context.Background(), tdxBase+"/tcb?fmspc=00"); err == nil {
		t.Fatal("missing file served")
	}
}

func TestPrewarm(t *testing.T) {
	src := &countingSource{body: func(string) []byte { return []byte("{}") }}
	c := NewCache(src, CacheOptions{})
	if err := c.Prewarm(context.Background(), []byte{0, 0x80, 0x6f, 5, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if len(c.Status()) != 5 {
		t.Fatalf("prewarmed %d pieces", len(c.Status()))
	}
}
