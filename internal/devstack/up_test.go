package devstack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dstack-go/dstack/guestos/containers"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/ratls"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestUpAndSecondUp starts the stack (built-in app), checks that the app
// answers over RA-TLS with the mock roots, and that a second Up in the same
// directory refuses, naming the running process, without touching the
// running stack's files; the first stack then stops and leaves no state.
func TestUpAndSecondUp(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan State, 1)
	done := make(chan error, 1)
	var out syncBuffer
	go func() {
		done <- Up(ctx, Options{Dir: dir, Listen: "127.0.0.1:0", InsecureBuiltinApp: true, Out: &out, Ready: ready})
	}()
	st := waitReady(t, ready, done, &out, 2*time.Minute)
	roots, err := attest.ParseTrustRootsPEM(mustRead(t, st.InsecureTrustRoots))
	if err != nil {
		t.Fatal(err)
	}
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: roots}}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil)}}
	res, err := client.Get(st.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), st.AppID) || !strings.Contains(string(body), "keys from the KMS") {
		t.Fatalf("app answered %q", body)
	}
	if !strings.Contains(out.String(), "    done in ") || !strings.Contains(out.String(), st.Dstack) || !st.Running() {
		t.Fatalf("no step durations, dstack path or process in the output/state:\n%s", out.String())
	}

	// The running app's data, and the stack's state, survive a second up.
	marker := filepath.Join(dir, "cvm", "data", "marker")
	if err := os.WriteFile(marker, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out2 bytes.Buffer
	err = Up(context.Background(), Options{Dir: dir, Listen: "127.0.0.1:0", InsecureBuiltinApp: true, Out: &out2})
	if err == nil || !strings.Contains(err.Error(), "already running") || strings.Contains(out2.String(), "==>") {
		t.Fatalf("second up: %v\n%s", err, out2.String())
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "kept" {
		t.Fatalf("the running app's data after a second up: %q, %v", b, err)
	}
	if again, err := ReadState(dir); err != nil || again.PID != st.PID {
		t.Fatalf("the running stack's state after a second up: %+v, %v", again, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); !os.IsNotExist(err) {
		t.Fatal("state.json left behind")
	}
}

// waitReady is the state a stack sends on ready, failing the test, with
// the stack's output, when Up returns first or within is over.
func waitReady(t *testing.T, ready <-chan State, done <-chan error, out *syncBuffer, within time.Duration) State {
	t.Helper()
	select {
	case st := <-ready:
		return st
	case err := <-done:
		t.Fatalf("dev up: %v\n%s", err, out.String())
	case <-time.After(within):
		t.Fatalf("dev up did not become ready\n%s", out.String())
	}
	return State{}
}

func TestUpRefusesNonLoopback(t *testing.T) {
	err := Up(context.Background(), Options{Dir: t.TempDir(), Listen: "0.0.0.0:0"})
	if err == nil || !strings.Contains(err.Error(), "loopback") || !IsUsage(err) {
		t.Fatalf("error %v", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUpPortTaken: a taken gateway port is named, with what to do, and
// nothing is started.
func TestUpPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out bytes.Buffer
	err = Up(context.Background(), Options{Dir: t.TempDir(), Listen: ln.Addr().String(), InsecureBuiltinApp: true, Out: &out})
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()+" is taken") || !strings.Contains(err.Error(), "--listen") || strings.Contains(out.String(), "==>") {
		t.Fatalf("error %v, output %q", err, out.String())
	}
}

// TestUserCompose: a docker-compose file is wrapped into an app-compose,
// in canonical JSON, that asks for the KMS and the gateway; an
// app-compose.json is taken as is.
func TestUserCompose(t *testing.T) {
	dir := t.TempDir()
	yml := filepath.Join(dir, "docker-compose.yml")
	os.WriteFile(yml, []byte("services:\n  web:\n    image: example@sha256:"+strings.Repeat("0", 64)+"\n"), 0o600)
	b, err := readUserCompose(yml, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := identity.ParseAppCompose(b)
	if err != nil || !c.GatewayOn() || c.KeyProviderKind() != identity.KeyProviderKMS || !strings.Contains(c.DockerComposeFile, "services:") || c.AllowUnpinnedImages {
		t.Fatalf("%s: %+v %v", b, c, err)
	}
	if !identity.IsCanonicalJSON(b) {
		t.Fatalf("%s is not canonical JSON", b)
	}
	js := filepath.Join(dir, "app-compose.json")
	os.WriteFile(js, b, 0o600)
	if again, err := readUserCompose(js, false); err != nil || !bytes.Equal(again, b) {
		t.Fatalf("app-compose.json not taken as is: %v", err)
	}
	if b, _ := readUserCompose(yml, true); !strings.Contains(string(b), `"allow_unpinned_images":true`) {
		t.Fatalf("--insecure-allow-image-tags: %s", b)
	}
	for _, img := range []string{registryHost + "/dstack/demo@sha256:" + strings.Repeat("1", 64)} {
		d, err := demoAppCompose(img, "v1")
		if err != nil || !identity.IsCanonicalJSON(d) {
			t.Fatalf("the demo's app-compose %s is not canonical JSON: %v", d, err)
		}
		d2, _ := demoAppCompose(img, "v1")
		if !bytes.Equal(d, d2) {
			t.Fatal("the demo's app-compose differs between two runs")
		}
	}
	if !identity.IsCanonicalJSON([]byte(builtinCompose)) {
		t.Fatal("builtinCompose is not canonical JSON")
	}
}

// TestCheckImage: each service's image must be loaded (by a digest it
// holds, or by tag when tags are allowed) or pinned by digest; the error
// says what to write.
func TestCheckImage(t *testing.T) {
	d1, d2 := "sha256:"+strings.Repeat("1", 64), "sha256:"+strings.Repeat("2", 64)
	loaded := []localImage{{name: "myapp:latest", repo: "index.docker.io/library/myapp", tag: "latest", digest: d1, source: "myapp.tar"}}
	for _, c := range []struct {
		image     string
		allowTags bool
		want      string
	}{
		{"myapp@" + d1, false, ""},
		{"myapp@" + d2, false, "only as " + d1},
		{"myapp:latest", false, `write "image: myapp@` + d1 + `"`},
		{"myapp:latest", true, ""},
		{"myapp:other", true, "only with the tags latest"},
		{"example.com/app@" + d2, false, ""},
		{"example.com/app:1", false, "not pinned by digest"},
		{"127.0.0.1:5000/app@" + d2, false, "--insecure-plain-http-loopback"},
	} {
		err := checkImage(containers.ServiceSummary{Name: "web", Image: c.image}, loaded, c.allowTags, c.allowTags, false)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s (tags %v): %v, want %q", c.image, c.allowTags, err, c.want)
		}
	}
}

// TestSignalOnlyOurProcess: a state naming a pid whose start time differs
// (the pid was reused) is not signalled; Down removes it as stale.
func TestSignalOnlyOurProcess(t *testing.T) {
	self, err := Self()
	if err != nil || !self.Running() {
		t.Fatalf("Self: %+v %v", self, err)
	}
	other := self
	other.Start++
	if other.Running() {
		t.Fatal("a process with another start time runs")
	}
	if err := other.Signal(syscall.SIGTERM); !errors.Is(err, errNotRunning) {
		t.Fatalf("signalling a recycled pid: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "state.json"), []byte(`{"pid":`+itoa(other.PID)+`,"pid_start":`+utoa(other.Start)+`,"boot_id":"`+other.BootID+`"}`), 0o600)
	var out bytes.Buffer
	if err := Down(&out, dir); err != nil || !strings.Contains(out.String(), "is gone") {
		t.Fatalf("down: %v %s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); !os.IsNotExist(err) {
		t.Fatal("the stale state is left")
	}
	// Our own pid with the right start time but no lock held: not a stack.
	os.WriteFile(filepath.Join(dir, "state.json"), []byte(`{"pid":`+itoa(self.PID)+`,"pid_start":`+utoa(self.Start)+`,"boot_id":"`+self.BootID+`"}`), 0o600)
	out.Reset()
	if err := RestartGateway(&out, dir); err == nil || !strings.Contains(out.String(), "is gone") {
		t.Fatalf("restart-gateway of a process that holds no lock: %v %s", err, out.String())
	}
}

func itoa(i int) string    { return strconv.Itoa(i) }
func utoa(u uint64) string { return strconv.FormatUint(u, 10) }
