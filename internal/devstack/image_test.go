package devstack

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dstack-go/dstack/guestos/containers"
)

func testImage(t *testing.T, body string) v1.Image {
	t.Helper()
	img, err := containers.SingleLayerImage([]containers.LayerFile{{Name: "hello", Mode: 0o644, Body: []byte(body)}}, v1.Config{Entrypoint: []string{"/hello"}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestLocalImages: images from a docker save tarball and from an OCI
// layout load under their names, and a CVM's registry transport pulls them
// by those names from the stack's registry, with no other registry
// reachable; names the stack does not serve go on unchanged.
func TestLocalImages(t *testing.T) {
	dir := t.TempDir()
	tarImg, layoutImg := testImage(t, "from a tarball"), testImage(t, "from a layout")
	tarPath := filepath.Join(dir, "app.tar")
	tag, _ := name.NewTag("myapp:dev")
	if err := tarball.WriteToFile(tarPath, tag, tarImg); err != nil {
		t.Fatal(err)
	}
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(layoutImg, layout.WithAnnotations(map[string]string{annotationRefName: "example.com/team/web:1"})); err != nil {
		t.Fatal(err)
	}
	fromTar, err := readLocalImages(tarPath)
	if err != nil || len(fromTar) != 1 || fromTar[0].repo != "index.docker.io/library/myapp" || fromTar[0].tag != "dev" {
		t.Fatalf("tarball: %+v %v", fromTar, err)
	}
	fromLayout, err := readLocalImages(filepath.Join(dir, "layout"))
	if err != nil || len(fromLayout) != 1 || fromLayout[0].repo != "example.com/team/web" {
		t.Fatalf("layout: %+v %v", fromLayout, err)
	}
	if err := lp.AppendImage(tarImg, layout.WithAnnotations(map[string]string{annotationRefName: "latest"})); err != nil {
		t.Fatal(err)
	}
	if _, err := readLocalImages(filepath.Join(dir, "layout")); err == nil || !strings.Contains(err.Error(), "has no image name") {
		t.Fatalf("a layout manifest named only by tag: %v", err)
	}

	reg, err := startRegistry()
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	ctx := context.Background()
	var pinned []string
	for _, l := range append(fromTar, fromLayout...) {
		ref, err := reg.push(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		pinned = append(pinned, ref)
	}
	if want := "myapp@" + fromTar[0].digest; pinned[0] != want {
		t.Fatalf("pinned %s, want %s", pinned[0], want)
	}
	tr := registryChoice{addr: reg.addr, repos: reg.repos()}.options().Transport
	for i, want := range []v1.Image{tarImg, layoutImg} {
		ref, _ := name.ParseReference(pinned[i])
		img, err := remote.Image(ref, remote.WithContext(ctx), remote.WithTransport(tr))
		if err != nil {
			t.Fatalf("pulling %s through the stack's transport: %v", pinned[i], err)
		}
		got, _ := img.Digest()
		wantD, _ := want.Digest()
		if got != wantD {
			t.Fatalf("%s: digest %s, want %s", pinned[i], got, wantD)
		}
		// The pull stays HTTPS as far as the puller knows (it refuses
		// plain HTTP to a registry that is not on loopback).
		if _, err := remote.Image(ref, remote.WithContext(ctx), remote.WithTransport(httpsOnly{tr})); err != nil {
			t.Fatalf("pulling %s: %v", pinned[i], err)
		}
	}
	// As the VMs' registry mirror, the registry serves each image where a
	// mirror keeps it: Docker Hub's without the host, others under their
	// registry's host.
	for i, path := range []string{"library/myapp", "example.com/team/web"} {
		want, _ := []v1.Image{tarImg, layoutImg}[i].Digest()
		ref, err := name.NewDigest(reg.addr+"/"+path+"@"+want.String(), name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(ref, remote.WithContext(ctx))
		if err != nil {
			t.Fatalf("pulling %s as a registry mirror serves it: %v", ref, err)
		}
		if got, _ := img.Digest(); got != want {
			t.Fatalf("%s: digest %s, want %s", ref, got, want)
		}
	}
	// Another repository of a registry the stack serves one of is not
	// the stack's: the request goes on to that registry unchanged.
	var seen []string
	rec := &localRegistryTransport{addr: reg.addr, repos: reg.repos(), base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
		return nil, errors.New("offline")
	})}
	req, _ := http.NewRequest("GET", "https://example.com/v2/team/other/manifests/1", nil)
	rec.RoundTrip(req)
	req, _ = http.NewRequest("GET", "https://example.com/v2/team/web/manifests/1", nil)
	rec.RoundTrip(req)
	if want := []string{"https://example.com/v2/team/other/manifests/1", "http://" + reg.addr + "/v2/example.com/team/web/manifests/1"}; !slices.Equal(seen, want) {
		t.Fatalf("requests %v, want %v", seen, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// httpsOnly refuses plain-HTTP requests, as the containers' puller does
// for registries that are not on loopback.
type httpsOnly struct{ base http.RoundTripper }

func (h httpsOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" {
		return nil, errors.New("plain HTTP request to " + r.URL.Host)
	}
	return h.base.RoundTrip(r)
}
