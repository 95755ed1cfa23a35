package test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dstack-go/dstack/guestos/containers"
	"github.com/dstack-go/dstack/internal/testnet"
)

// userImage builds the demo app into a one-layer image and saves it as a
// `docker save` tarball tagged tag; it returns the tarball and the image's
// digest.
func userImage(t *testing.T, tag string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "app")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./internal/devstack/demoapp")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	img, err := containers.SingleLayerImage([]containers.LayerFile{
		{Name: "bin/", Mode: 0o755}, {Name: "bin/app", Mode: 0o755, Body: prog}, {Name: "data/", Mode: 0o755}, {Name: "tmp/", Mode: 0o1777},
	}, v1.Config{Entrypoint: []string{"/bin/app"}, Env: []string{"PATH=/bin"}, WorkingDir: "/"})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.tar")
	if err := tarball.WriteToFile(path, ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return path, d.String()
}

// freePort is a port for a process that can only be told a number (an
// app's port, a port in a Caddyfile): below the kernel's ephemeral range,
// so that no listener on port 0 takes it before that process binds it.
func freePort(t *testing.T) int { return testnet.UnassignedPort(t) }

// processesWith lists the pids whose command line holds s.
func processesWith(s string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), s) {
			out = append(out, filepath.Base(filepath.Dir(p)))
		}
	}
	return out
}

// TestDevUpUserAppLocalImage runs a user's compose file whose image comes
// from a `docker save` tarball, offline: an image named by tag is refused
// before anything starts, with the pinned reference to write; pinned, the
// app answers through the gateway at the host printed for its published
// port. A second `dev up` in the same directory refuses and the running
// app's data survives it. After a kill -9 of `dev up`, the app's container
// is left running; the next `up` finds it and removes it.
func TestDevUpUserAppLocalImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	if os.Geteuid() != 0 {
		t.Skip("the dev stack runs its app as a container, which needs root (CI runs as root)")
	}
	tar, digest := userImage(t, "myapp:dev")
	work := t.TempDir()
	marker := fmt.Sprintf("user-%d", time.Now().UnixNano())
	appPort, published := freePort(t), freePort(t)
	compose := func(image string) string {
		p := filepath.Join(work, "docker-compose.yml")
		os.WriteFile(p, []byte(fmt.Sprintf(`services:
  web:
    image: %s
    command: ["-version", %q]
    environment:
      - PORT=%d
    ports:
      - "%d:%d"
    volumes:
      - web-data:/data
      - /var/run/dstack.sock:/var/run/dstack.sock
volumes:
  web-data:
`, image, marker, appPort, published, appPort)), 0o600)
		return p
	}
	dir := filepath.Join(t.TempDir(), "stack")
	bin := dstackBin(t)

	// By tag: refused before anything starts, saying what to write.
	cmd := exec.Command(bin, "dev", "up", "--dir", dir, "--listen", "127.0.0.1:0", "--compose", compose("myapp:dev"), "--image", tar)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), `write "image: myapp@`+digest+`"`) || strings.Contains(string(out), "==>") {
		t.Fatalf("an image by tag: %v\n%s", err, out)
	}

	s := up(t, dir, "--compose", compose("myapp@"+digest), "--image", tar)
	host := s.st.PortHosts[fmt.Sprint(published)]
	if host != fmt.Sprintf("%s-%d.dstack.localhost", s.st.AppID, published) || !strings.Contains(s.log(), host) {
		t.Fatalf("port hosts %v; output:\n%s", s.st.PortHosts, s.log())
	}
	code, body := s.get(host, "/")
	if code != http.StatusOK || field(body, "version") != marker || field(body, "app_id") != s.st.AppID || field(body, "starts") != "1" {
		t.Fatalf("the app answered %d %q\n%s", code, body, s.log())
	}

	// A second up in the same directory: refused, nothing lost.
	out2, err := s.run(nil, "dev", "up", "--dir", dir, "--listen", "127.0.0.1:0", "--compose", compose("myapp@"+digest), "--image", tar)
	if err == nil || !strings.Contains(out2, "already running") || strings.Contains(out2, "==>") {
		t.Fatalf("a second up: %v\n%s", err, out2)
	}
	if code, body := s.get(host, "/"); code != http.StatusOK || field(body, "starts") != "1" {
		t.Fatalf("after a second up the app answered %d %q", code, body)
	}
	if vols, _ := filepath.Glob(filepath.Join(dir, "cvm", "data", "volumes", "*", "starts")); len(vols) != 1 {
		t.Fatalf("the app's volume after a second up: %v", vols)
	}

	// kill -9: the container is left; the next up removes it.
	if len(processesWith(marker)) == 0 {
		t.Fatal("the app's container process is not found")
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.done <- nil
	if len(processesWith(marker)) == 0 {
		t.Fatal("kill -9 of dev up took the container with it: nothing is left to clean")
	}
	old := s.st.Instances
	s2 := up(t, dir, "--compose", compose("myapp@"+digest), "--image", tar)
	if !strings.Contains(s2.log(), "removed containers a stopped stack left running") {
		t.Fatalf("the second up did not report the leftover container:\n%s", s2.log())
	}
	for _, pid := range processesWith(marker) {
		if root, _ := os.Readlink("/proc/" + pid + "/root"); strings.Contains(root, "-"+old[0].InstanceID[:8]+"/") {
			t.Fatalf("the killed stack's container %s still runs", pid)
		}
	}
	if c := cgroupsOf(old); len(c) > 0 {
		t.Fatalf("the killed stack's cgroups are left: %v", c)
	}
	if code, body := s2.get(s2.st.PortHosts[fmt.Sprint(published)], "/"); code != http.StatusOK || field(body, "version") != marker {
		t.Fatalf("the new stack's app answered %d %q", code, body)
	}
	s2.kill()
}
