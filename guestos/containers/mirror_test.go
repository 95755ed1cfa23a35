package containers

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.uber.org/zap"
)

// mirrorServer is a registry mirror on loopback that records the paths it
// was asked for; tamper, when set, rewrites manifest answers.
type mirrorServer struct {
	host   string
	mu     sync.Mutex
	paths  []string
	tamper bool
}

func newMirror(t *testing.T) *mirrorServer {
	t.Helper()
	m := &mirrorServer{}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.paths = append(m.paths, r.URL.Path)
		tamper := m.tamper && strings.Contains(r.URL.Path, "/manifests/")
		m.mu.Unlock()
		if !tamper {
			inner.ServeHTTP(w, r)
			return
		}
		serveFlipped(w, r, inner)
	}))
	t.Cleanup(srv.Close)
	m.host = strings.TrimPrefix(srv.URL, "http://")
	return m
}

func (m *mirrorServer) asked() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.paths, " ")
}

// push stores img on the mirror under repo (a path on the mirror).
func (m *mirrorServer) push(t *testing.T, repo string, img v1.Image) string {
	t.Helper()
	ref, err := name.ParseReference(m.host+"/"+repo+":latest", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func mirrorImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := SingleLayerImage([]LayerFile{{Name: "etc/", Mode: 0o755}, {Name: "etc/hostname", Mode: 0o644, Body: []byte("mirrored\n")}},
		v1.Config{Entrypoint: []string{"/bin/true"}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestRegistryMirror: an image pinned by digest comes from the mirror,
// under its registry host (or its Docker Hub path), over the mirror's plain
// HTTP though its address is not loopback-only; a tag is never asked of the
// mirror; what the mirror serves is checked against the digest.
func TestRegistryMirror(t *testing.T) {
	m := newMirror(t)
	img := mirrorImage(t)
	store := func(allowTags bool) *imageStore {
		s, err := newImageStore(filepath.Join(t.TempDir(), "images"), allowTags, RegistryOptions{Mirror: "http://" + m.host}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()

	d := m.push(t, "registry.dstack.invalid/app/web", img)
	got, err := store(false).Get(ctx, "registry.dstack.invalid/app/web@"+d)
	if err != nil {
		t.Fatalf("pulling through the mirror: %v", err)
	}
	if gd, _ := got.Digest(); gd.String() != d {
		t.Fatalf("got %s, want %s", gd, d)
	}
	if !strings.Contains(m.asked(), "/v2/registry.dstack.invalid/app/web/manifests/"+d) {
		t.Fatalf("the mirror was not asked under the registry's host: %s", m.asked())
	}

	// Docker Hub keeps its path, as docker's registry-mirrors.
	d = m.push(t, "library/hub", img)
	if _, err := store(false).Get(ctx, "hub@"+d); err != nil {
		t.Fatalf("pulling a Docker Hub image through the mirror: %v", err)
	}
	if !strings.Contains(m.asked(), "/v2/library/hub/manifests/"+d) {
		t.Fatalf("the mirror was not asked for the Docker Hub path: %s", m.asked())
	}

	// A tag is not pinned: the host's mirror could serve anything for it.
	m.push(t, "registry.dstack.invalid/app/tagged", img)
	before := m.asked()
	if _, err := store(true).Get(ctx, "registry.dstack.invalid/app/tagged:latest"); err == nil {
		t.Fatal("an image named by tag was pulled (through the mirror?)")
	}
	if m.asked() != before {
		t.Fatalf("the mirror was asked for an image named by tag: %s", strings.TrimPrefix(m.asked(), before))
	}

	// Plain HTTP is allowed to the mirror only: an image's own registry
	// on plain HTTP is still refused.
	origin := newMirror(t)
	d = origin.push(t, "test/app", img)
	_, err = store(false).Get(ctx, origin.host+"/test/app@"+d)
	if err == nil || !strings.Contains(err.Error(), "only HTTPS is allowed") {
		t.Fatalf("plain HTTP to a registry other than the mirror was not refused: %v", err)
	}

	// A mirror that serves other bytes for the digest is refused.
	d = m.push(t, "registry.dstack.invalid/app/tampered", img)
	m.tamper = true
	_, err = store(false).Get(ctx, "registry.dstack.invalid/app/tampered@"+d)
	if err == nil || !strings.Contains(err.Error(), "registry mirror") {
		t.Fatalf("a tampered manifest from the mirror was not refused: %v", err)
	}
}

func TestRegistryMirrorRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"ftp://m:5000", "http://m:5000/prefix", "m:5000", "http://", "https://user:pw@m", "http://m?x=1"} {
		if _, err := newImageStore(filepath.Join(t.TempDir(), "images"), false, RegistryOptions{Mirror: u}, zap.NewNop()); err == nil {
			t.Errorf("mirror %q was accepted", u)
		}
	}
	for _, u := range []string{"http://10.0.2.103:5000", "https://mirror.example", "https://mirror.example/"} {
		if _, err := newImageStore(filepath.Join(t.TempDir(), "images"), false, RegistryOptions{Mirror: u}, zap.NewNop()); err != nil {
			t.Errorf("mirror %q: %v", u, err)
		}
	}
}
