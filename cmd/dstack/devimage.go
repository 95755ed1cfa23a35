package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dstack-go/dstack/guestos/containers"
	"github.com/dstack-go/dstack/internal/prpc"
)

// demoAppPackage is the demo app's Go package, built into the demo image.
const demoAppPackage = "github.com/dstack-go/dstack/cmd/dstack/internal/demoapp"

// devRegistry is an OCI registry on loopback, in process
// (go-containerregistry's), holding the images the dev stack runs.
type devRegistry struct {
	Host string // 127.0.0.1:port
	srv  *http.Server
}

func startDevRegistry() (*devRegistry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the image registry: %w", err)
	}
	var limits prpc.Limits // the defaults: a 2m deadline per blob is ample on loopback
	r := &devRegistry{Host: ln.Addr().String(), srv: limits.HTTPServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))}
	go func() { _ = r.srv.Serve(limits.Listener(ln)) }()
	return r, nil
}

func (r *devRegistry) Close() error { return r.srv.Close() }

// push stores img as repo:tag and returns its pinned reference,
// host/repo@sha256:….
func (r *devRegistry) push(ctx context.Context, repo, tag string, img v1.Image) (string, error) {
	ref, err := name.ParseReference(r.Host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		return "", err
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return r.Host + "/" + repo + "@" + d.String(), nil
}

// moduleRoot finds the dstack source tree the demo app is built from: the
// directory holding this module's go.mod, from the working directory up.
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
			return "", errors.New("building the demo app image: the dstack source tree was not found above the working directory; run from the repository (make demo), or pass --compose FILE to run your own app")
		}
		dir = parent
	}
}

// buildDemoImage builds the demo app (a static Go program) and puts it in a
// one-layer OCI image whose entrypoint runs it. Its file times are fixed,
// so the same source gives the same image digest.
func buildDemoImage(ctx context.Context, work string) (v1.Image, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, errors.New("building the demo app image: the Go toolchain (go) is not on PATH; install Go, or pass --compose FILE to run your own app")
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(work, "demoapp")
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, demoAppPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the demo app image: go build %s: %w\n%s", demoAppPackage, err, out)
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return containers.SingleLayerImage([]containers.LayerFile{
		{Name: "bin/", Mode: 0o755}, {Name: "bin/demoapp", Mode: 0o755, Body: prog}, {Name: "data/", Mode: 0o755}, {Name: "tmp/", Mode: 0o1777},
		{Name: "etc/", Mode: 0o755}, {Name: "etc/passwd", Mode: 0o644, Body: []byte("root:x:0:0:root:/root:/bin/false\n")},
		{Name: "etc/group", Mode: 0o644, Body: []byte("root:x:0:\n")},
	}, v1.Config{Entrypoint: []string{"/bin/demoapp"}, Env: []string{"PATH=/bin"}, WorkingDir: "/"})
}

// demoAppCompose is the app-compose.json of the demo app at image (pinned
// by digest) and version: one service on the guest network, listening on
// the port the encrypted env's PORT names, with a named volume for its
// data and the agent socket mounted.
func demoAppCompose(image, version string) []byte {
	compose := fmt.Sprintf(`services:
  demo:
    image: %s
    command: ["-version", %q]
    environment:
      - PORT
    volumes:
      - demo-data:/data
      - /var/run/dstack.sock:/var/run/dstack.sock
    restart: on-failure:3
volumes:
  demo-data:
`, image, version)
	return appComposeOf("dstack-demo", compose, []string{"PORT"})
}
