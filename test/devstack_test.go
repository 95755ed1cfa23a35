// Package test holds the end-to-end tests: real processes of the
// project's binaries talking over loopback.
package test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// dstackBin builds cmd/dstack once for the package.
func dstackBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dstack-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "dstack")
		cmd := exec.Command("go", "build", "-o", builtBin, "./cmd/dstack")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

type devInstance struct {
	InstanceID    string  `json:"instance_id"`
	GuestSocket   string  `json:"guest_socket"`
	Dir           string  `json:"dir"`
	TunnelAddress string  `json:"tunnel_address"`
	BootSeconds   float64 `json:"boot_seconds"`
	QEMUPID       int     `json:"qemu_pid"`
	Console       string  `json:"console"`
}

type devState struct {
	PID                 int               `json:"pid"`
	Mode                string            `json:"mode"`
	AppURL              string            `json:"app_url"`
	EvidenceURL         string            `json:"evidence_url"`
	AppID               string            `json:"app_id"`
	InstanceID          string            `json:"instance_id"`
	ComposeHash         string            `json:"compose_hash"`
	KMSURL              string            `json:"kms_url"`
	ChainRPC            string            `json:"chain_rpc"`
	KmsContract         string            `json:"kms_contract"`
	AppContract         string            `json:"app_contract"`
	GatewayHTTPS        string            `json:"gateway_https"`
	GatewayRegistration string            `json:"gateway_registration"`
	GatewayCA           string            `json:"gateway_ca"`
	AppHost             string            `json:"app_host"`
	GuestSocket         string            `json:"guest_socket"`
	InsecureTrustRoots  string            `json:"insecure_trust_roots"`
	VMConfig            string            `json:"vm_config"`
	OSImageHash         string            `json:"os_image_hash"`
	VMImage             string            `json:"vm_image"`
	VMImageHash         string            `json:"vm_image_hash"`
	VMImageConfig       string            `json:"vm_image_config"`
	Collateral          string            `json:"collateral"`
	Instances           []devInstance     `json:"instances"`
	PortHosts           map[string]string `json:"port_hosts"`
	Gateways            []string          `json:"gateways"`
}

// stack is a running `dstack dev up`.
type stack struct {
	t    *testing.T
	bin  string
	dir  string
	cmd  *exec.Cmd
	done chan error
	st   devState
	// ready is how long dev up took to write its state.
	ready time.Duration
}

// up starts `dstack dev up` and waits for its state file. With --vm
// (which needs qemu, not root) the first run may build the guest image.
func up(t *testing.T, dir string, args ...string) *stack {
	t.Helper()
	vm := slices.Contains(args, "--vm")
	if os.Geteuid() != 0 && !vm {
		t.Skip("the dev stack runs its app as a container, which needs root (CI runs as root)")
	}
	bin := dstackBin(t)
	s := &stack{t: t, bin: bin, dir: dir, done: make(chan error, 1)}
	os.MkdirAll(dir, 0o700)
	s.cmd = exec.Command(bin, append([]string{"dev", "up", "--dir", dir, "--listen", "127.0.0.1:0"}, args...)...)
	s.cmd.Dir = ".."
	log, _ := os.Create(filepath.Join(dir, "up.log"))
	s.cmd.Stdout, s.cmd.Stderr = log, log
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(3 * time.Minute)
	if vm || slices.Contains(args, "--custom-domain") {
		// The first run builds the guest image, or Caddy.
		deadline = deadline.Add(10 * time.Minute)
	}
	for time.Now().Before(deadline) {
		// A state written by this process: one a killed stack left does not count.
		if b, err := os.ReadFile(filepath.Join(dir, "state.json")); err == nil && json.Unmarshal(b, &s.st) == nil && s.st.PID == s.cmd.Process.Pid {
			s.ready = time.Since(start)
			t.Logf("dev up ready in %s", s.ready.Round(100*time.Millisecond))
			return s
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("dev up exited: %v\n%s", err, s.log())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("dev up did not become ready:\n%s", s.log())
	return nil
}

func (s *stack) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "up.log"))
	return string(b)
}

// kill stops the stack if it still runs.
func (s *stack) kill() { stopProcess(s.cmd, s.done) }

// stopProcess sends SIGTERM to a process that still runs and waits for it
// to exit (done), killing it after a minute.
func stopProcess(cmd *exec.Cmd, done chan error) {
	if cmd.ProcessState != nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
	}
}

// wait waits for dev up to exit after it was told to stop.
func (s *stack) wait() {
	s.t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("dev up exited with %v\n%s", err, s.log())
		}
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		s.t.Fatalf("dev up did not exit\n%s", s.log())
	}
}

// client reaches the gateway for any name, trusting Caddy's internal CA.
func (s *stack) client() *http.Client {
	s.t.Helper()
	pem, err := os.ReadFile(s.st.GatewayCA)
	if err != nil {
		s.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return s.clientTrusting(pool)
}

// clientTrusting reaches the gateway for any name, trusting roots.
func (s *stack) clientTrusting(roots *x509.CertPool) *http.Client {
	addr := strings.TrimPrefix(s.st.GatewayHTTPS, "https://")
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

// get GETs path on host through the gateway.
func (s *stack) get(host, path string) (int, string) {
	s.t.Helper()
	u := "https://" + host + ":" + portOf(s.st.GatewayHTTPS) + path
	res, err := s.client().Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func portOf(u string) string {
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(u, "https://"))
	return p
}

// field reads "name value" from the demo app's answer.
func field(body, name string) string {
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && k == name {
			return v
		}
	}
	return ""
}

// run runs the dstack binary and returns its combined output.
func (s *stack) run(env []string, args ...string) (string, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// chain runs `dstack chain` against the stack's chain, signed by the dev
// chain's first account (the contracts' owner).
func (s *stack) chain(args ...string) string {
	s.t.Helper()
	key := crypto.Keccak256([]byte("dstack devchain account 0"))
	out, err := s.run([]string{"DSTACK_CHAIN_KEY=" + hex.EncodeToString(key)},
		append([]string{"chain", "--rpc", s.st.ChainRPC, "--kms", s.st.KmsContract}, args...)...)
	if err != nil {
		s.t.Fatalf("dstack chain %v: %v\n%s", args, err, out)
	}
	return out
}

// agent calls a DstackGuest method on a guest socket.
func agent(sock, method string, req any) (int, string, error) {
	c := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	b, _ := json.Marshal(req)
	res, err := c.Post("http://dstack/"+method, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out), nil
}

// verify runs `dstack verify` on evidence and returns the verdict.
func (s *stack) verify(ev []byte, args ...string) map[string]any {
	s.t.Helper()
	v, err := s.verdict(ev, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return v
}

// verdict runs `dstack verify` with args on evidence and returns its
// verdict, and an error when it exits with another status than 0.
func (s *stack) verdict(ev []byte, args ...string) (map[string]any, error) {
	p := filepath.Join(s.t.TempDir(), "evidence.json")
	os.WriteFile(p, ev, 0o600)
	cmd := exec.Command(s.bin, append(append([]string{"verify", "--insecure-trust-roots", s.st.InsecureTrustRoots, "--collateral", s.st.Collateral}, args...), p)...)
	out, err := cmd.Output()
	var v map[string]any
	if jerr := json.Unmarshal(out, &v); jerr != nil {
		return nil, fmt.Errorf("dstack verify %v: %v, verdict %q", args, err, out)
	}
	if err != nil {
		return v, fmt.Errorf("dstack verify %v: %w: %s", args, err, out)
	}
	return v, nil
}

func listening(u string) bool {
	host := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	host = strings.TrimSuffix(strings.SplitN(host, "/", 2)[0], "/")
	c, err := net.DialTimeout("tcp", host, time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// leftovers lists processes whose root is under dir and mounts under dir.
func leftovers(dir string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		if root, err := os.Readlink(p + "/root"); err == nil && strings.HasPrefix(root, dir) {
			out = append(out, "process "+filepath.Base(p)+" rooted at "+root)
		}
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(mi), "\n") {
		if strings.Contains(l, dir) {
			out = append(out, "mount "+l)
		}
	}
	return out
}

// cgroupsOf lists the cgroups of the containers of the instances' projects.
func cgroupsOf(instances []devInstance) []string {
	var out []string
	for _, in := range instances {
		if len(in.InstanceID) < 8 {
			continue
		}
		m, _ := filepath.Glob("/sys/fs/cgroup/dstack-*" + in.InstanceID[:8] + "*")
		m2, _ := filepath.Glob("/sys/fs/cgroup/*/dstack-*" + in.InstanceID[:8] + "*")
		out = append(append(out, m...), m2...)
	}
	return out
}

// eventually retries f until it holds, for at most limit.
func eventually(t *testing.T, what string, limit time.Duration, f func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	if !within(limit, f) {
		t.Fatalf("timed out after %s waiting for %s", limit, what)
	}
	return time.Since(start)
}

// within retries f until it holds, for at most limit, and says whether it did.
func within(limit time.Duration, f func() bool) bool {
	start := time.Now()
	for !f() {
		if time.Since(start) > limit {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestDevStackProcesses runs the README's main command as a process, with
// two instances of the demo app: the app answers through the gateway
// (Caddy with the dstack modules) from a container, both instances have the
// same app keys and their own instance ids, the evidence the app serves
// (the guest agent's GetQuote) verifies with `dstack verify` and names the
// app; everything listens on loopback only; `dstack dev down` stops everything and leaves no listener, no
// container process, mount or cgroup; a second up works and stops on
// SIGINT (Ctrl-C) just as cleanly.
func TestDevStackProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	dir := filepath.Join(t.TempDir(), "stack")
	var firstHash string
	for round := 1; round <= 2; round++ {
		args := []string{"--apps", "2"}
		if round == 2 {
			args = nil
		}
		s := up(t, dir, args...)
		st := s.st
		// The demo's compose hash is the same at every run: its image is
		// named by a fixed registry name and pinned by a reproducible digest.
		if round == 1 {
			firstHash = st.ComposeHash
		} else if st.ComposeHash != firstHash {
			t.Fatalf("the demo's compose hash changed between two runs: %s, then %s", firstHash, st.ComposeHash)
		}
		code, body := s.get(st.AppHost, "/")
		if code != http.StatusOK || field(body, "app_id") != st.AppID || field(body, "version") != "v1" {
			t.Fatalf("round %d: the app answered %d %q through the gateway\n%s", round, code, body, s.log())
		}
		if l := listenAddrs(st.PID); len(l) < 4 || len(loopbackOnly(l)) > 0 {
			t.Fatalf("round %d: dev up listens on %v; not loopback: %v", round, l, loopbackOnly(l))
		}
		if want := map[int]int{1: 2, 2: 1}[round]; len(st.Instances) != want {
			t.Fatalf("round %d: %d instances, want %d", round, len(st.Instances), want)
		}
		keys := map[string]bool{}
		for _, in := range st.Instances {
			code, body := s.get(in.InstanceID+".dstack.localhost", "/")
			if code != http.StatusOK || field(body, "instance_id") != in.InstanceID || field(body, "app_id") != st.AppID {
				t.Fatalf("round %d: instance %s answered %d %q", round, in.InstanceID, code, body)
			}
			keys[field(body, "app_key_sha256")] = true
		}
		if round == 1 && (len(keys) != 1 || st.Instances[0].InstanceID == st.Instances[1].InstanceID) {
			t.Fatalf("two instances of one app: keys %v, instances %+v", keys, st.Instances)
		}
		s.checkEvidence(fmt.Sprintf("round %d", round))
		if round == 1 {
			if out, err := s.run(nil, "dev", "down", "--dir", dir); err != nil {
				t.Fatalf("dev down: %v\n%s", err, out)
			}
		} else {
			s.cmd.Process.Signal(os.Interrupt)
		}
		s.wait()
		for _, u := range []string{st.GatewayHTTPS, st.GatewayRegistration, st.KMSURL, st.ChainRPC} {
			if listening(u) {
				t.Fatalf("round %d: %s still listening after the stack stopped", round, u)
			}
		}
		if l := leftovers(dir); len(l) > 0 {
			t.Fatalf("round %d: left behind: %v", round, l)
		}
		if c := cgroupsOf(st.Instances); len(c) > 0 {
			t.Fatalf("round %d: cgroups left: %v", round, c)
		}
		if _, err := os.Stat(filepath.Join(dir, "state.json")); !os.IsNotExist(err) {
			t.Fatalf("round %d: state.json left behind", round)
		}
	}
}

// checkEvidence fetches the app's evidence through the gateway and checks
// dstack verify's verdict: valid, up to date, of the stack's app and
// compose hash and one of its instances, with the report data asked for
// and the key provider the KMS whose root CA key the chain publishes.
func (s *stack) checkEvidence(what string) map[string]any {
	t, st := s.t, s.st
	t.Helper()
	code, ev := s.get(st.AppHost, "/evidence?report_data=0a0b")
	if code != http.StatusOK {
		t.Fatalf("%s: evidence %d %s", what, code, ev)
	}
	v := s.verify([]byte(ev))
	if v["valid"] != true || v["app_id"] != st.AppID || v["compose_hash"] != st.ComposeHash || v["tcb_status"] != "UpToDate" || !strings.HasPrefix(fmt.Sprint(v["report_data"]), "0a0b") {
		t.Fatalf("%s: verdict %v, state %+v", what, v, st)
	}
	// The replayed RTMR3 names the instance that answered and the KMS
	// whose root CA key is published on chain (key-provider).
	var kp struct{ Name, ID string }
	raw, _ := json.Marshal(v["key_provider"])
	_ = json.Unmarshal(raw, &kp)
	if kp.Name != "kms" || kp.ID != field(s.chain("kms-info"), "ca_pubkey") {
		t.Fatalf("%s: key_provider %s, want the KMS root CA key published on chain", what, raw)
	}
	instanceKnown := false
	for _, in := range st.Instances {
		instanceKnown = instanceKnown || v["instance_id"] == in.InstanceID
	}
	if !instanceKnown {
		t.Fatalf("%s: the evidence names instance %v, not one of %+v", what, v["instance_id"], st.Instances)
	}
	return v
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listenAddrs lists the local addresses (hex, as /proc/net shows them) of
// the TCP sockets pid listens on.
func listenAddrs(pid int) []string {
	inodes := map[string]bool{}
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var out []string
	for _, f := range []string{"tcp", "tcp6"} {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) > 9 && fs[3] == "0A" && inodes[fs[9]] {
				out = append(out, f+" "+fs[1])
			}
		}
	}
	return out
}

// loopbackOnly reports the listen addresses that are not 127.0.0.0/8 or ::1.
func loopbackOnly(addrs []string) []string {
	var bad []string
	for _, a := range addrs {
		kind, addr, _ := strings.Cut(a, " ")
		host, _, _ := strings.Cut(addr, ":")
		switch {
		case kind == "tcp" && strings.HasSuffix(host, "7F"): // little-endian 127.x.x.x
		case kind == "tcp6" && host == "00000000000000000000000001000000":
		default:
			bad = append(bad, a)
		}
	}
	return bad
}
