package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/cgroups"
	"go.uber.org/zap/zaptest"

	"github.com/dstack-go/dstack/internal/testnet"
)

// testWait bounds every wait for a container; only a guard against a hung
// test, never a timing assertion.
var testWait = 3 * time.Minute

func init() {
	if d, err := time.ParseDuration(os.Getenv("CONTAINERS_TEST_WAIT")); err == nil {
		testWait = d
	}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: containers use namespaces, cgroups and mounts (CI runs as root)")
	}
}

// testRegistry is an in-process OCI registry on loopback holding the test
// image, built from testdata/testapp.
type testRegistry struct {
	host   string // 127.0.0.1:port
	digest string // of the test image's manifest
	image  v1.Image
	// rewrite, when set, maps a request path to the one actually served, to
	// play a registry that lies about content.
	mu      sync.Mutex
	rewrite map[string]string
	// corrupt lists paths whose response body is served with one byte
	// flipped (same length).
	corrupt map[string]bool
}

var (
	regOnce sync.Once
	reg     *testRegistry
	regErr  error
)

func sharedRegistry(t *testing.T) *testRegistry {
	t.Helper()
	regOnce.Do(func() { reg, regErr = newTestRegistry() })
	if regErr != nil {
		t.Fatal(regErr)
	}
	return reg
}

func newTestRegistry() (*testRegistry, error) {
	dir, err := os.MkdirTemp("", "testapp")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "testapp")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./testdata/testapp")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building testapp: %v\n%s", err, out)
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	img, err := SingleLayerImage([]LayerFile{
		{Name: "bin/", Mode: 0o755},
		{Name: "bin/testapp", Mode: 0o755, Body: prog},
		{Name: "etc/", Mode: 0o755},
		{Name: "etc/passwd", Mode: 0o644, Body: []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n")},
		{Name: "etc/group", Mode: 0o644, Body: []byte("root:x:0:\napp:x:1000:\n")},
		{Name: "home/app/", Mode: 0o755, UID: 1000},
		{Name: "srv/", Mode: 0o755},
	}, v1.Config{
		Entrypoint: []string{"/bin/testapp"},
		Cmd:        []string{"-exit", "0"},
		Env:        []string{"PATH=/bin", "IMAGE_ENV=from-image", "OVERRIDDEN=image"},
		WorkingDir: "/srv",
	})
	if err != nil {
		return nil, err
	}
	r := &testRegistry{image: img, rewrite: map[string]string{}, corrupt: map[string]bool{}}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if to, ok := r.rewrite[req.URL.Path]; ok {
			req.URL.Path = to
		}
		corrupt := r.corrupt[req.URL.Path]
		r.mu.Unlock()
		if !corrupt {
			inner.ServeHTTP(w, req)
			return
		}
		serveFlipped(w, req, inner)
	}))
	r.host = strings.TrimPrefix(srv.URL, "http://")
	ref, err := name.ParseReference(r.host+"/test/app:v1", name.Insecure)
	if err != nil {
		return nil, err
	}
	if err := remote.Write(ref, img); err != nil {
		return nil, fmt.Errorf("pushing the test image: %w", err)
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	r.digest = d.String()
	return r, nil
}

// serveFlipped answers req with inner's answer, a byte in the middle of its
// body flipped.
func serveFlipped(w http.ResponseWriter, req *http.Request, inner http.Handler) {
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if len(body) > 0 {
		body[len(body)/2] ^= 1
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func (r *testRegistry) ref() string { return r.host + "/test/app@" + r.digest }

type tarEntry struct {
	name     string
	mode     int64
	body     []byte
	dir      bool
	link     string // symlink target
	hardlink string
	uid      int
}

func tarOf(entries []tarEntry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, Size: int64(len(e.body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		switch {
		case e.dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		case e.hardlink != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, e.hardlink, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			panic(err)
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// testProject is a project name of this test process: its cgroups
// (/dstack-<project>) and leftovers are its own, whatever runs beside it.
func testProject(name string) string { return fmt.Sprintf("%s-%d", name, os.Getpid()) }

// eventually polls cond until it holds; the deadline is only a guard
// against a hung test on a loaded machine, not a timing assertion.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// agentSocket serves a stand-in for the guest agent's /Info on a unix socket.
func agentSocket(t *testing.T, dir string) string {
	t.Helper()
	sock := filepath.Join(dir, "dstack.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// mode 0777, as the guest agent's socket unit makes it
	if err := os.Chmod(sock, 0o777); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"path":%q,"app_id":"0123"}`, r.URL.Path)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return sock
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testConfig(t *testing.T, compose string) Config {
	t.Helper()
	tmp := t.TempDir()
	return Config{
		Compose:     []byte(compose),
		ProjectName: testProject("demo"),
		DataDir:     filepath.Join(tmp, "data"),
		StateDir:    filepath.Join(tmp, "state"),
		Registry:    RegistryOptions{InsecurePlainHTTPLoopback: true},
		Logger:      zaptest.NewLogger(t),
	}
}

func statusOf(p *Project, svc string) ServiceStatus {
	for _, s := range p.Status() {
		if s.Name == svc {
			return s
		}
	}
	return ServiceStatus{}
}

// containerProcesses lists the guest pids of processes running the test
// image's program with marker among their arguments.
func containerProcesses(marker string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmd), "\x00")
		if args[0] == "/bin/testapp" && slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, marker) }) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cgroupFile is the host path of a container's memory cgroup file, for
// cgroup v1 (the memory hierarchy) or v2 (unified).
func cgroupFile(project, service, v1file, v2file string) string {
	if cgroups.IsCgroup2UnifiedMode() {
		return filepath.Join("/sys/fs/cgroup", cgroupParent(project), service, v2file)
	}
	return filepath.Join("/sys/fs/cgroup/memory", cgroupParent(project), service, v1file)
}

func TestUpRunsComposeApp(t *testing.T) {
	requireRoot(t)
	r := sharedRegistry(t)
	// The services are told their ports, as an app is: ports no listener
	// on port 0 can take meanwhile.
	port, pub, dbPort := testnet.UnassignedPort(t), testnet.UnassignedPort(t), testnet.UnassignedPort(t)
	marker := fmt.Sprintf("marker-%d", time.Now().UnixNano())
	compose := `
services:
  setup:
    image: ` + r.ref() + `
    command: ["-append", "/data/order=setup", "-copy", "/proc/self/status=/data/setup-status", "-exit", "0"]
    volumes: ["shared:/data"]
    privileged: true
  db:
    image: ` + r.ref() + `
    command: ["-serve", "127.0.0.1:${DBPORT}"]
    working_dir: /var/lib/db
    volumes: ["shared:/data"]
    healthcheck:
      test: ["CMD", "/bin/testapp", "-append", "/data/probes=probe", "-fail-unless-file", "/data/db.ready"]
      interval: 1s
      start_interval: 1s
  web:
    image: ` + r.ref() + `
    depends_on:
      setup:
        condition: service_completed_successfully
      db:
        condition: service_healthy
    command: ["-append", "/data/order=web", "-copy", "/data/probes=/data/probes-at-web-start", "-write", "/bind/web.txt=hello ${NAME}", "-write", "/home/app/in-home=yes",
              "-probe", "/var/run/dstack.sock=/data/agent.json", "-serve", "127.0.0.1:${PORT}", "` + marker + `"]
    user: app
    environment:
      - GREETING=hi ${NAME}
      - SECRET
      - OVERRIDDEN=compose
    ports: ["127.0.0.1:${PUB}:${PORT}"]
    volumes:
      - shared:/data
      - home:/home/app
      - ./bind:/bind
      - /var/run/dstack.sock:/var/run/dstack.sock
    restart: always
    deploy:
      resources:
        limits: {memory: 64M, pids: 50}
    networks:
      default:
        aliases: [frontend]
  entry:
    image: ` + r.ref() + `
    depends_on: [web]
    entrypoint: ["/bin/testapp", "-append", "/data/order=entry"]
    command: ["-copy", "/etc/hosts=/data/hosts", "-copy", "/proc/self/status=/data/status",
              "-copy", "/proc/self/limits=/data/limits", "-copy", "/proc/self/mounts=/data/mounts",
              "-copy", "/dev/mapped-null=/data/mapped-null", "-copy", "/etc/app.conf=/data/app.conf",
              "-copy", "/run/secrets/token=/data/token", "-copy", "/proc/sys/kernel/shmmax=/data/shmmax",
              "-exit", "0", "extra-arg"]
    devices: ["/dev/null:/dev/mapped-null:rw"]
    configs:
      - source: app_conf
        target: /etc/app.conf
    secrets:
      - source: token
        mode: 0400
    ulimits:
      nofile: {soft: 4096, hard: 8192}
    shm_size: 1m
    group_add: [app]
    sysctls:
      kernel.shmmax: "65536"
    platform: linux/` + runtime.GOARCH + `
    working_dir: /tmp
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
    extra_hosts: ["gateway.example=10.0.0.1"]
    volumes: ["shared:/data"]
  flaky:
    image: ` + r.ref() + `
    command: ["-append", "/data/flaky=run", "-fail-unless-file", "/data/flaky.ok"]
    restart: on-failure
    volumes: ["shared:/data"]
volumes:
  shared: {}
  home: {}
configs:
  app_conf:
    content: |
      greeting = ${NAME}
secrets:
  token:
    environment: SECRET
`
	cfg := testConfig(t, compose)
	cfg.Env = map[string]string{"NAME": "world", "SECRET": "s3", "NOT_REFERENCED": "x",
		"PORT": fmt.Sprint(port), "PUB": fmt.Sprint(pub), "DBPORT": fmt.Sprint(dbPort)}
	cfg.AgentSocket = agentSocket(t, t.TempDir())
	outputs := map[string]*syncBuffer{}
	var outMu sync.Mutex
	cfg.ServiceOutput = func(svc string) io.Writer {
		outMu.Lock()
		defer outMu.Unlock()
		outputs[svc] = &syncBuffer{}
		return outputs[svc]
	}
	t.Cleanup(func() {
		if t.Failed() || testing.Verbose() {
			outMu.Lock()
			defer outMu.Unlock()
			for svc, b := range outputs {
				t.Logf("output of %s:\n%s", svc, b.String())
			}
		}
	})
	// The volume is shared with a service running as uid 1000.
	volume := filepath.Join(cfg.DataDir, "volumes", cfg.ProjectName+"_shared")
	if err := os.MkdirAll(volume, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(volume, 0o777); err != nil {
		t.Fatal(err)
	}
	bind := filepath.Join(cfg.DataDir, "bind")
	if err := os.MkdirAll(bind, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(bind, 0o777); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	p, err := Up(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	downed := false
	defer func() {
		if !downed {
			_ = p.Down(ctx)
		}
	}()

	// The published (remapped) port and the service's own port, on loopback.
	var info struct {
		Args     []string `json:"args"`
		Env      []string `json:"env"`
		Cwd      string   `json:"cwd"`
		Hostname string   `json:"hostname"`
		UID      int      `json:"uid"`
		GID      int      `json:"gid"`
	}
	for _, addr := range []string{fmt.Sprintf("127.0.0.1:%d", pub), fmt.Sprintf("127.0.0.1:%d", port)} {
		var resp *http.Response
		eventually(t, "web answers on "+addr, func() bool {
			resp, err = http.Get("http://" + addr + "/")
			return err == nil
		})
		if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	wantArgs := []string{"/bin/testapp", "-append", "/data/order=web", "-copy", "/data/probes=/data/probes-at-web-start", "-write", "/bind/web.txt=hello world", "-write", "/home/app/in-home=yes",
		"-probe", "/var/run/dstack.sock=/data/agent.json", "-serve", fmt.Sprintf("127.0.0.1:%d", port), marker}
	if !slices.Equal(info.Args, wantArgs) {
		t.Errorf("args %q, want %q", info.Args, wantArgs)
	}
	for _, kv := range []string{"GREETING=hi world", "SECRET=s3", "IMAGE_ENV=from-image", "OVERRIDDEN=compose", "HOME=/home/app", "PATH=/bin"} {
		if !slices.Contains(info.Env, kv) {
			t.Errorf("env lacks %s: %q", kv, info.Env)
		}
	}
	for _, kv := range info.Env {
		if strings.HasPrefix(kv, "NOT_REFERENCED=") || strings.HasPrefix(kv, "NAME=") {
			t.Errorf("env has %s, which the service did not reference", kv)
		}
	}
	if info.UID != 1000 || info.GID != 1000 || info.Cwd != "/srv" || info.Hostname != "web" {
		t.Errorf("uid %d gid %d cwd %q hostname %q; want 1000 1000 /srv web", info.UID, info.GID, info.Cwd, info.Hostname)
	}

	// Volumes, the bind mount and the agent socket, seen from DataDir.
	eventually(t, "entry has run", func() bool { return statusOf(p, "entry").State == StateExited })
	order, _ := os.ReadFile(filepath.Join(volume, "order"))
	if string(order) != "setup\nweb\nentry\n" {
		t.Errorf("start order %q, want setup, web, entry", order)
	}
	// web waited for db's healthcheck: a failed probe, then a passing one.
	if b, _ := os.ReadFile(filepath.Join(volume, "probes-at-web-start")); string(b) != "probe\nprobe\n" {
		t.Errorf("probes before web started: %q, want a failing and a passing one", b)
	}
	if h := statusOf(p, "db").Health; h != HealthHealthy {
		t.Errorf("db health %q", h)
	}
	// working_dir overrides the image's, and is created when missing.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", dbPort))
	if err != nil {
		t.Fatal(err)
	}
	var dbInfo struct {
		Cwd string `json:"cwd"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&dbInfo); err != nil || dbInfo.Cwd != "/var/lib/db" {
		t.Errorf("db cwd %q, %v", dbInfo.Cwd, err)
	}
	resp.Body.Close()
	// The new named volume took the image's /home/app, owned by uid 1000,
	// so the service running as that user could write into it.
	homeVol := filepath.Join(cfg.DataDir, "volumes", cfg.ProjectName+"_home")
	if b, _ := os.ReadFile(filepath.Join(homeVol, "in-home")); string(b) != "yes" {
		t.Errorf("file written into the home volume: %q", b)
	}
	if fi, err := os.Stat(homeVol); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 1000 {
		t.Errorf("home volume not owned by 1000 like the image's /home/app: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(bind, "web.txt")); string(b) != "hello world" {
		t.Errorf("bind mount file %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(volume, "agent.json")); string(b) != `{"path":"/Info","app_id":"0123"}` {
		t.Errorf("agent socket answer %q", b)
	}
	hosts, _ := os.ReadFile(filepath.Join(volume, "hosts"))
	for _, line := range []string{"127.0.0.1\tweb frontend\n", "127.0.0.1\tsetup\n", "10.0.0.1\tgateway.example\n"} {
		if !strings.Contains(string(hosts), line) {
			t.Errorf("/etc/hosts lacks %q:\n%s", line, hosts)
		}
	}
	status, _ := os.ReadFile(filepath.Join(volume, "status"))
	if !strings.Contains(string(status), "CapEff:\t0000000000000400\n") {
		t.Errorf("cap_drop ALL + cap_add NET_BIND_SERVICE: %s", status)
	}
	if !strings.Contains(string(status), "Groups:\t1000 \n") {
		t.Errorf("group_add app: %s", status)
	}
	// The hard limit only: a Go program raises its own soft limit.
	// privileged: the guest's own capabilities, and its devices.
	own, _ := os.ReadFile("/proc/self/status")
	ownCaps := regexp.MustCompile(`CapEff:\t\w+\n`).Find(own)
	if setup, _ := os.ReadFile(filepath.Join(volume, "setup-status")); len(ownCaps) == 0 || !bytes.Contains(setup, ownCaps) {
		t.Errorf("privileged service has not the guest's capabilities %q: %s", ownCaps, setup)
	}
	if limits, _ := os.ReadFile(filepath.Join(volume, "limits")); !regexp.MustCompile(`Max open files\s+\d+\s+8192\s`).Match(limits) {
		t.Errorf("ulimits nofile: %s", limits)
	}
	if mounts, _ := os.ReadFile(filepath.Join(volume, "mounts")); !regexp.MustCompile(`shm /dev/shm tmpfs \S*size=1024k`).Match(mounts) {
		t.Errorf("shm_size: %s", mounts)
	}
	if b, _ := os.ReadFile(filepath.Join(volume, "app.conf")); string(b) != "greeting = world\n" {
		t.Errorf("config content %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(volume, "shmmax")); string(b) != "65536\n" {
		t.Errorf("sysctl kernel.shmmax in the container's IPC namespace: %q", b)
	}
	if b, _ := os.ReadFile("/proc/sys/kernel/shmmax"); string(b) == "65536\n" {
		t.Errorf("the sysctl changed the guest's own kernel.shmmax")
	}
	if b, _ := os.ReadFile(filepath.Join(volume, "token")); string(b) != "s3" {
		t.Errorf("secret from the app env %q", b)
	}
	if _, err := os.Stat(filepath.Join(volume, "mapped-null")); err != nil {
		t.Errorf("device mapped at /dev/mapped-null: %v", err)
	}
	if b, err := os.ReadFile(cgroupFile(cfg.ProjectName, "web", "memory.limit_in_bytes", "memory.max")); err != nil || strings.TrimSpace(string(b)) != fmt.Sprint(64<<20) {
		t.Errorf("web's memory limit: %q, %v", b, err)
	}
	pidsMax := filepath.Join("/sys/fs/cgroup/pids", cgroupParent(cfg.ProjectName), "web/pids.max")
	if cgroups.IsCgroup2UnifiedMode() {
		pidsMax = filepath.Join("/sys/fs/cgroup", cgroupParent(cfg.ProjectName), "web/pids.max")
	}
	if b, err := os.ReadFile(pidsMax); err != nil || strings.TrimSpace(string(b)) != "50" {
		t.Errorf("web's pids limit: %q, %v", b, err)
	}
	entryLog, _ := os.ReadFile(statusOf(p, "entry").LogFile)
	// entrypoint replaces the image's and drops its cmd; command follows it.
	if !regexp.MustCompile(`(?m)^testapp running -append /data/order=entry -copy \S+( -copy \S+)* -exit 0 extra-arg$`).Match(entryLog) {
		t.Errorf("entry log %q: entrypoint and command not combined as docker does", entryLog)
	}
	outMu.Lock()
	hook := outputs["entry"].String()
	outMu.Unlock()
	if !strings.Contains(hook, "testapp running") {
		t.Errorf("output hook got %q", hook)
	}

	// on-failure restarts the service that exited 1, once.
	eventually(t, "flaky succeeds after a restart", func() bool {
		s := statusOf(p, "flaky")
		return s.State == StateExited && s.ExitCode == 0
	})
	if s := statusOf(p, "flaky"); s.Restarts != 1 {
		t.Errorf("flaky restarted %d times, want 1", s.Restarts)
	}
	if b, _ := os.ReadFile(filepath.Join(volume, "flaky")); string(b) != "run\nrun\n" {
		t.Errorf("flaky ran %q, want twice", b)
	}

	// restart: always brings web back after it is killed from outside.
	web := statusOf(p, "web")
	if web.State != StateRunning || web.Pid == 0 {
		t.Fatalf("web: %+v", web)
	}
	if err := syscall.Kill(web.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web restarted", func() bool {
		s := statusOf(p, "web")
		return s.State == StateRunning && s.Restarts == 1 && s.Pid != web.Pid
	})
	eventually(t, "web answers again", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", pub))
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})

	if pids := containerProcesses(marker); len(pids) == 0 {
		t.Fatal("no container process found before Down; the leak check below would prove nothing")
	}
	if err := p.Down(ctx); err != nil {
		t.Fatal(err)
	}
	downed = true
	if err := p.Wait(); err != nil {
		t.Errorf("Wait after Down: %v", err)
	}
	if pids := containerProcesses(marker); len(pids) != 0 {
		t.Errorf("processes left after Down: %v", pids)
	}
	for _, addr := range []string{fmt.Sprintf("127.0.0.1:%d", pub), fmt.Sprintf("127.0.0.1:%d", port)} {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Down", addr)
		}
	}
	for _, svc := range []string{"setup", "db", "web", "entry", "flaky"} {
		if _, err := os.Stat(filepath.Dir(cgroupFile(cfg.ProjectName, svc, "x", "x"))); err == nil {
			t.Errorf("cgroup of %s left after Down", svc)
		}
		if st := statusOf(p, svc); st.State != StateStopped && st.State != StateExited {
			t.Errorf("%s after Down: %+v", svc, st)
		}
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(cgroupFile(cfg.ProjectName, "x", "x", "x")))); err == nil {
		t.Error("the project's cgroup parent is left after Down")
	}
	if ents, _ := os.ReadDir(filepath.Join(cfg.StateDir, "runc")); len(ents) != 0 {
		t.Errorf("libcontainer state left after Down: %v", ents)
	}
}

func TestUpRefuses(t *testing.T) {
	requireRoot(t)
	r := sharedRegistry(t)
	up := func(cfg Config) error {
		p, err := Up(context.Background(), cfg)
		if err == nil {
			_ = p.Down(context.Background())
		}
		return err
	}
	one := func(image string) string {
		return "services:\n  a:\n    image: " + image + "\n"
	}

	t.Run("tag without digest", func(t *testing.T) {
		err := up(testConfig(t, one(r.host+"/test/app:v1")))
		if err == nil || !strings.Contains(err.Error(), "not pinned by digest") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("tag allowed by the insecure option", func(t *testing.T) {
		cfg := testConfig(t, one(r.host+"/test/app:v1"))
		cfg.InsecureAllowImageTags = true
		p, err := Up(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Down(context.Background())
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("plain HTTP without the insecure option", func(t *testing.T) {
		cfg := testConfig(t, one(r.ref()))
		cfg.Registry.InsecurePlainHTTPLoopback = false
		err := up(cfg)
		if err == nil || !strings.Contains(err.Error(), "only HTTPS is allowed") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("manifest does not match the digest", func(t *testing.T) {
		forged := "sha256:" + strings.Repeat("ab", 32)
		r.mu.Lock()
		r.rewrite["/v2/test/app/manifests/"+forged] = "/v2/test/app/manifests/" + r.digest
		r.mu.Unlock()
		err := up(testConfig(t, one(r.host+"/test/app@"+forged)))
		if err == nil || !strings.Contains(err.Error(), "does not match requested digest") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("layer does not match the manifest", func(t *testing.T) {
		layers, err := r.image.Layers()
		if err != nil {
			t.Fatal(err)
		}
		ld, _ := layers[0].Digest()
		r.mu.Lock()
		r.corrupt["/v2/test/app/blobs/"+ld.String()] = true
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			delete(r.corrupt, "/v2/test/app/blobs/"+ld.String())
			r.mu.Unlock()
		}()
		err = up(testConfig(t, one(r.ref())))
		if err == nil || !strings.Contains(err.Error(), "verifying sha256 checksum") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("cached blob corrupted", func(t *testing.T) {
		cfg := testConfig(t, one(r.ref()))
		p, err := Up(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		_ = p.Down(context.Background())
		layers, _ := r.image.Layers()
		ld, _ := layers[0].Digest()
		blob := filepath.Join(cfg.StateDir, "images", "blobs", "sha256", ld.Hex)
		if err := os.WriteFile(blob, []byte("tampered"), 0o644); err != nil {
			t.Fatal(err)
		}
		store, err := newImageStore(filepath.Join(cfg.StateDir, "images"), false, cfg.Registry, cfg.Logger)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.cached(layout.Path(store.dir), r.digest); err == nil || !strings.Contains(err.Error(), "does not match its digest") {
			t.Fatalf("tampered cache accepted: %v", err)
		}
		// The bad blob was dropped, so the next Up pulls it again.
		p, err = Up(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		_ = p.Down(context.Background())
		if b, _ := os.ReadFile(blob); string(b) == "tampered" {
			t.Error("tampered blob still cached")
		}
	})

	t.Run("dependency unhealthy", func(t *testing.T) {
		marker := fmt.Sprintf("sick-%d", time.Now().UnixNano())
		compose := `
services:
  sick:
    image: ` + r.ref() + `
    command: ["-serve", "127.0.0.1:0", "` + marker + `"]
    healthcheck:
      test: ["CMD", "/bin/testapp", "-exit", "1"]
      interval: 1s
      start_interval: 1s
      retries: 1
  app:
    image: ` + r.ref() + `
    depends_on:
      sick: {condition: service_healthy}
`
		err := up(testConfig(t, compose))
		if err == nil || !strings.Contains(err.Error(), `waiting for "sick": it is unhealthy`) {
			t.Fatalf("got %v", err)
		}
		// The failed Up stopped what it had started.
		if pids := containerProcesses(marker); len(pids) != 0 {
			t.Errorf("processes left after a failed Up: %v", pids)
		}
	})

	t.Run("volume outside the data directory", func(t *testing.T) {
		err := up(testConfig(t, one(r.ref())+"    volumes: [\"/etc:/host-etc\"]\n"))
		if err == nil || !strings.Contains(err.Error(), "outside the data directory") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestRestartLimitAndForcedStop(t *testing.T) {
	requireRoot(t)
	r := sharedRegistry(t)
	marker := fmt.Sprintf("stubborn-%d", time.Now().UnixNano())
	compose := `
services:
  crash:
    image: ` + r.ref() + `
    command: ["-append", "/data/runs=run", "-exit", "3"]
    restart: on-failure:2
    volumes: ["runs:/data"]
  stubborn:
    image: ` + r.ref() + `
    command: ["-ignore-term", "-serve", "127.0.0.1:0", "` + marker + `"]
    stop_grace_period: 1s
volumes:
  runs: {}
`
	cfg := testConfig(t, compose)
	ctx := context.Background()
	p, err := Up(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Down(ctx)
	eventually(t, "crash gives up", func() bool {
		s := statusOf(p, "crash")
		return s.State == StateExited && s.Restarts == 2
	})
	if s := statusOf(p, "crash"); s.ExitCode != 3 {
		t.Errorf("crash: %+v", s)
	}
	if b, _ := os.ReadFile(filepath.Join(cfg.DataDir, "volumes", cfg.ProjectName+"_runs", "runs")); string(b) != "run\nrun\nrun\n" {
		t.Errorf("crash ran %q, want three times (one run and two restarts)", b)
	}
	eventually(t, "stubborn runs", func() bool { return len(containerProcesses(marker)) == 1 })

	// stubborn ignores SIGTERM, so Down has to kill it after its grace period.
	if err := p.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if pids := containerProcesses(marker); len(pids) != 0 {
		t.Errorf("processes left after Down: %v", pids)
	}
	if s := statusOf(p, "stubborn"); s.State != StateStopped || s.ExitCode != 128+int(syscall.SIGKILL) {
		t.Errorf("stubborn after Down: %+v", s)
	}
	err = p.Wait()
	if err == nil || !strings.Contains(err.Error(), `service "crash" exited with code 3`) || strings.Contains(err.Error(), "stubborn") {
		t.Errorf("Wait: %v", err)
	}
}

func TestUpImageIndexByDigest(t *testing.T) {
	requireRoot(t)
	r := sharedRegistry(t)
	other, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "riscv64"})
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: other, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "riscv64"}}},
		mutate.IndexAddendum{Add: r.image, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}}},
	)
	ref, err := name.ParseReference(r.host+"/test/multi:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, "services:\n  a:\n    image: "+r.host+"/test/multi@"+d.String()+"\n")
	upTwice(t, &cfg, func(int) {
		// The second Up must find the platform image by the index digest
		// in the cache, without the registry.
		cfg.Registry.InsecurePlainHTTPLoopback = false
	})
}

// upTwice brings cfg's project up and down twice, each run to its end,
// calling after with the run's number after each.
func upTwice(t *testing.T, cfg *Config, after func(run int)) {
	t.Helper()
	for i := range 2 {
		p, err := Up(context.Background(), *cfg)
		if err != nil {
			t.Fatalf("Up %d: %v", i, err)
		}
		if err := p.Wait(); err != nil {
			t.Fatalf("Up %d: %v", i, err)
		}
		_ = p.Down(context.Background())
		after(i)
	}
}

// TestImageCacheOutsideStateDir: with Config.ImageCache (the data disk,
// in the guest), an Up after a reboot, with a fresh StateDir, runs the
// image from the cache without the registry, and nothing is cached in
// StateDir.
func TestImageCacheOutsideStateDir(t *testing.T) {
	requireRoot(t)
	r := sharedRegistry(t)
	cfg := testConfig(t, "services:\n  a:\n    image: "+r.ref()+"\n")
	cfg.ImageCache = filepath.Join(t.TempDir(), "disk", ".images")
	upTwice(t, &cfg, func(i int) {
		if _, err := os.Stat(filepath.Join(cfg.StateDir, "images")); err == nil {
			t.Fatalf("Up %d cached the image in StateDir", i)
		}
		// The reboot: a fresh StateDir, and no registry reachable.
		cfg.StateDir = filepath.Join(t.TempDir(), "state")
		cfg.Registry.InsecurePlainHTTPLoopback = false
	})
}

// TestOwnCgroupParentAndLeftovers: two projects on one kernel each have
// their own cgroup parent, and one's Down leaves the other's; a project
// whose guest process went away without Down (its Project dropped, as after
// a kill -9) is found by RemoveLeftovers, which kills its processes and
// removes its cgroups and filesystems.
func TestOwnCgroupParentAndLeftovers(t *testing.T) {
	requireRoot(t)
	r := sharedRegistry(t)
	ctx := context.Background()
	start := func(project string) (*Project, Config, string) {
		marker := fmt.Sprintf("%s-%d", project, time.Now().UnixNano())
		cfg := testConfig(t, `
services:
  web:
    image: `+r.ref()+`
    command: ["-serve", "127.0.0.1:0", "`+marker+`"]
`)
		cfg.ProjectName = project
		p, err := Up(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, project+" runs", func() bool { return len(containerProcesses(marker)) == 1 })
		return p, cfg, marker
	}
	parentOf := func(project string) string { return filepath.Dir(filepath.Dir(cgroupFile(project, "web", "x", "x"))) }
	pa, pb := testProject("leftover-a"), testProject("leftover-b")
	a, _, _ := start(pa)
	b, cfgB, markerB := start(pb)
	defer b.Down(ctx)
	if err := a.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(parentOf(pa)); err == nil {
		t.Errorf("%s is left after Down", parentOf(pa))
	}
	if _, err := os.Stat(parentOf(pb)); err != nil {
		t.Fatalf("the other project's cgroup parent went with the first's Down: %v", err)
	}

	// b's Project is forgotten: only its state directory tells of it.
	removed, err := RemoveLeftovers(cfgB.StateDir)
	if err != nil || !slices.Equal(removed, []string{pb + "_web"}) {
		t.Fatalf("RemoveLeftovers: %v, %v", removed, err)
	}
	if pids := containerProcesses(markerB); len(pids) != 0 {
		t.Errorf("processes left: %v", pids)
	}
	if _, err := os.Stat(parentOf(pb)); err == nil {
		t.Errorf("%s is left", parentOf(pb))
	}
	if _, err := os.Stat(filepath.Join(cfgB.StateDir, "containers", pb, "web")); err == nil {
		t.Error("the leftover container's filesystem is left")
	}
	if ents, _ := os.ReadDir(filepath.Join(cfgB.StateDir, "runc")); len(ents) != 0 {
		t.Errorf("libcontainer state left: %v", ents)
	}
	if again, err := RemoveLeftovers(cfgB.StateDir); err != nil || len(again) != 0 {
		t.Errorf("a second RemoveLeftovers: %v, %v", again, err)
	}
}
