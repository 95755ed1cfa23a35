package devstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dstack-go/dstack/guestos/containers"
	"github.com/dstack-go/dstack/internal/prpc"
)

// demoAppPackage is the demo app's Go package, built into the demo image.
const demoAppPackage = "github.com/dstack-go/dstack/internal/devstack/demoapp"

// imageRegistry is an OCI registry on loopback, in process
// (go-containerregistry's), holding the images the stack runs under the
// names references give them (host/path).
type imageRegistry struct {
	addr string // 127.0.0.1:port
	srv  *http.Server

	mu     sync.Mutex
	loaded map[string]bool
}

func startRegistry() (*imageRegistry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the image registry: %w", err)
	}
	var limits prpc.Limits // the defaults: a 2m deadline per blob is ample on loopback
	r := &imageRegistry{addr: ln.Addr().String(), loaded: map[string]bool{}, srv: limits.HTTPServer(mirrorPaths(registry.New(registry.Logger(log.New(io.Discard, "", 0)))))}
	go func() { _ = r.srv.Serve(limits.Listener(ln)) }()
	return r, nil
}

func (r *imageRegistry) Close() error { return r.srv.Close() }

// mirrorPaths lets the registry serve as a registry mirror of the images
// it holds. It keeps each image under its full name (host/path), as a
// mirror keeps images of other registries; a mirror keeps Docker Hub's
// without the host (docker's registry-mirrors convention: nginx is
// <mirror>/v2/library/nginx), so a repository path whose first component
// is not a registry host (a name with a dot or a port, or localhost, as
// go-containerregistry and docker tell them) is Docker Hub's.
func mirrorPaths(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/v2/"); ok {
			if first, _, repo := strings.Cut(rest, "/"); repo && !strings.ContainsAny(first, ".:") && first != "localhost" {
				r = r.Clone(r.Context())
				r.URL.Path, r.URL.RawPath = "/v2/"+name.DefaultRegistry+"/"+rest, ""
			}
		}
		h.ServeHTTP(w, r)
	})
}

// repos lists the repositories the registry serves, sorted.
func (r *imageRegistry) repos() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.loaded))
}

// push stores an image under its name and returns its pinned reference,
// name@sha256:….
func (r *imageRegistry) push(ctx context.Context, l localImage) (string, error) {
	ref, err := name.ParseReference(l.name)
	if err != nil {
		return "", err
	}
	repo := ref.Context().Name()
	dst, err := name.ParseReference(r.addr+"/"+repo+":"+orLatest(ref), name.Insecure)
	if err != nil {
		return "", err
	}
	if l.index != nil {
		err = remote.WriteIndex(dst, l.index, remote.WithContext(ctx))
	} else {
		err = remote.Write(dst, l.image, remote.WithContext(ctx))
	}
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", l.name, err)
	}
	r.mu.Lock()
	r.loaded[repo] = true
	r.mu.Unlock()
	d := l.digest
	if d == "" {
		h, err := l.image.Digest()
		if err != nil {
			return "", err
		}
		d = h.String()
	}
	return strings.TrimSuffix(l.name, ":"+ref.Identifier()) + "@" + d, nil
}

func orLatest(ref name.Reference) string {
	if t, ok := ref.(name.Tag); ok {
		return t.TagStr()
	}
	return "latest"
}

// registryChoice says where a CVM's containers get images: the names the
// stack's registry serves from it, the rest from their registries.
type registryChoice struct {
	addr              string   // the stack's registry; empty for none
	repos             []string // host/path of each repository it serves
	plainHTTPLoopback bool     // --insecure-plain-http-loopback
}

func (c registryChoice) options() containers.RegistryOptions {
	o := containers.RegistryOptions{InsecurePlainHTTPLoopback: c.plainHTTPLoopback}
	if c.addr != "" {
		o.Transport = &localRegistryTransport{addr: c.addr, repos: c.repos, base: http.DefaultTransport}
	}
	return o
}

// localRegistryTransport sends the registry requests for the repositories
// the stack's registry serves to it (over plain HTTP, on loopback), and
// every other request on unchanged. The containers' puller still decides
// which requests may be made: this is the stack standing in for the
// registries the references name, as a pull-through mirror would.
type localRegistryTransport struct {
	addr  string
	repos []string
	base  http.RoundTripper
}

func (t *localRegistryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rest, ok := strings.CutPrefix(req.URL.Path, "/v2/")
	if !ok {
		return t.base.RoundTrip(req)
	}
	target := ""
	for _, repo := range t.repos {
		host, path, _ := strings.Cut(repo, "/")
		if host != req.URL.Host {
			continue
		}
		if rest == "" || strings.HasPrefix(rest, path+"/") {
			target = "/v2/" + host + "/" + rest
			if rest == "" {
				target = "/v2/"
			}
			break
		}
	}
	if target == "" {
		return t.base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.URL.Path, out.URL.RawPath, out.Host = "http", t.addr, target, "", t.addr
	res, err := t.base.RoundTrip(out)
	if res != nil {
		// The answer is to the request made: go-containerregistry takes
		// the scheme of later requests from it.
		res.Request = req
	}
	return res, err
}

func isLoopbackRegistry(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// localImage is an image read from a file given with --image.
type localImage struct {
	name   string // the reference it is loaded under (a tag)
	repo   string // its repository, host/path
	tag    string
	digest string // of its manifest (or index)
	source string // the file or directory it came from
	image  v1.Image
	index  v1.ImageIndex // instead of image, for a multi-platform image
}

// readLocalImages reads the named images of an OCI image layout directory
// or of a `docker save` tarball.
func readLocalImages(path string) ([]localImage, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var imgs []localImage
	if fi.IsDir() {
		imgs, err = readLayout(path)
	} else {
		imgs, err = readTarball(path)
	}
	if err != nil {
		return nil, err
	}
	if len(imgs) == 0 {
		return nil, errors.New("holds no named image")
	}
	for i := range imgs {
		ref, err := name.NewTag(imgs[i].name)
		if err != nil {
			return nil, fmt.Errorf("image name %q: %w", imgs[i].name, err)
		}
		imgs[i].repo, imgs[i].tag, imgs[i].source = ref.Context().Name(), ref.TagStr(), path
		if imgs[i].digest == "" {
			d, err := imgs[i].image.Digest()
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", imgs[i].name, err)
			}
			imgs[i].digest = d.String()
		}
	}
	return imgs, nil
}

// readLayout reads an OCI image layout: each manifest of its index.json
// that carries a name (containerd's io.containerd.image.name, or
// org.opencontainers.image.ref.name when it is a full reference).
func readLayout(dir string) ([]localImage, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the OCI image layout: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading the OCI image layout: %w", err)
	}
	var out []localImage
	for _, desc := range im.Manifests {
		n := desc.Annotations["io.containerd.image.name"]
		if n == "" {
			n = desc.Annotations[annotationRefName]
		}
		if _, err := name.NewTag(n, name.StrictValidation); err != nil {
			return nil, fmt.Errorf("manifest %s has no image name (annotation io.containerd.image.name, or %s with a full name such as example.com/app:1): tag it when you export it", desc.Digest, annotationRefName)
		}
		l := localImage{name: n, digest: desc.Digest.String()}
		if desc.MediaType.IsIndex() {
			if l.index, err = idx.ImageIndex(desc.Digest); err != nil {
				return nil, err
			}
		} else if l.image, err = idx.Image(desc.Digest); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// readTarball reads a `docker save` tarball: each tag of its manifest.json.
func readTarball(path string) ([]localImage, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("reading it as a docker save tarball (or pass an OCI image layout directory): %w", err)
	}
	var out []localImage
	for _, desc := range m {
		for _, t := range desc.RepoTags {
			tag, err := name.NewTag(t)
			if err != nil {
				return nil, fmt.Errorf("tag %q: %w", t, err)
			}
			img, err := tarball.Image(opener, &tag)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", t, err)
			}
			out = append(out, localImage{name: t, image: img})
		}
	}
	return out, nil
}

// moduleRoot finds the dstack source tree the stack's images are built
// from (the demo app; Caddy with --custom-domain): the directory holding
// this module's go.mod, from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module github.com/dstack-go/dstack\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("building the stack's images from source: the dstack source tree was not found above the working directory; run from the repository (make demo), or pass --compose FILE to run your own app")
		}
		dir = parent
	}
}

// buildDemoImage builds the demo app into an image whose entrypoint runs
// it.
func buildDemoImage(ctx context.Context, work string) (v1.Image, error) {
	return buildStaticImage(ctx, work, demoAppPackage, "demoapp", "the demo app image")
}

// buildStaticImage builds the Go package pkg (a static program, no cgo)
// as /bin/<name> and puts it in a one-layer OCI image whose entrypoint runs
// it. Its file times are fixed, so the same source gives the same image
// digest. what names the image in errors.
func buildStaticImage(ctx context.Context, work, pkg, name, what string) (v1.Image, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("building %s: the Go toolchain (go) is not on PATH; install Go, or pass --compose FILE to run your own app", what)
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(work, name)
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s: go build %s: %w\n%s", what, pkg, err, out)
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return containers.SingleLayerImage([]containers.LayerFile{
		{Name: "bin/", Mode: 0o755}, {Name: "bin/" + name, Mode: 0o755, Body: prog}, {Name: "data/", Mode: 0o755}, {Name: "tmp/", Mode: 0o1777},
		{Name: "etc/", Mode: 0o755}, {Name: "etc/passwd", Mode: 0o644, Body: []byte("root:x:0:0:root:/root:/bin/false\n")},
		{Name: "etc/group", Mode: 0o644, Body: []byte("root:x:0:\n")},
	}, v1.Config{Entrypoint: []string{"/bin/" + name}, Env: []string{"PATH=/bin"}, WorkingDir: "/"})
}

// annotationRefName is the OCI image layout's annotation for an image's
// name.
const annotationRefName = "org.opencontainers.image.ref.name"

// removeLeftoverContainers removes the containers a killed stack left in a
// CVM's container state directory.
func removeLeftoverContainers(stateDir string) ([]string, error) {
	return containers.RemoveLeftovers(stateDir)
}
