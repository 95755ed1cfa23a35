package test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// proc is a running binary whose output is kept.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *proc) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// stop ends p by its pid: SIGTERM, then SIGKILL after a grace period. It
// returns once p has been waited for; a second stop returns at once.
func (p *proc) stop() {
	if p.exited() {
		return
	}
	name, began := filepath.Base(p.cmd.Path)+" "+p.cmd.Args[1], time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-p.done:
		p.t.Logf("%s (pid %d) ended %v after SIGTERM: %v", name, p.cmd.Process.Pid, time.Since(began).Round(time.Millisecond), err)
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		err = <-p.done
		p.t.Logf("%s (pid %d) ignored SIGTERM for 10s; killed: %v", name, p.cmd.Process.Pid, err)
	}
	p.done <- err // a second stop, or exited, sees it ended
}

// start runs bin in dir with env added to the environment.
func start(t *testing.T, dir string, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	p.cmd.Dir, p.cmd.Env = dir, append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(p.stop)
	return p
}

// run runs bin to its end and returns its output; a failure is fatal
// unless allowed.
func run(t *testing.T, dir string, env []string, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// awaitOutput waits for re in p's output and returns its first group.
func awaitOutput(t *testing.T, p *proc, what string, re *regexp.Regexp) string {
	t.Helper()
	var m []string
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("output while waiting for %s:\n%s", what, p.output())
		}
	})
	eventually(t, what, 2*time.Minute, func() bool {
		m = re.FindStringSubmatch(p.output())
		if m == nil && p.exited() {
			t.Fatalf("exited while waiting for %s:\n%s", what, p.output())
		}
		return m != nil
	})
	t.Logf("%s: %s", what, m[1])
	return m[1]
}

// TestProductionRecipe walks the README's "From a dev chain to
// Caddyfile.example" with the built binaries, as a user would: a dev chain,
// the contracts deployed, kms.example.json run by dstack-kms, whose refusal
// names the `dstack chain` commands that allow it, which are run as
// printed; the bootstrapped keys published; the gateway's app id set; then
// Caddyfile.example run by the built Caddy (on free loopback ports), whose
// KMS serves the same keys and whose gateway answers. The `version`
// commands of the three binaries list this module and its dependencies.
func TestProductionRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	bin := t.TempDir()
	t.Cleanup(func() { // after every process's stop
		if left := processesWith(bin); len(left) > 0 {
			t.Errorf("processes of %s outlived the test: pids %v", bin, left)
		}
	})
	build := exec.Command("go", "build", "-o", bin+"/", "./cmd/dstack", "./cmd/caddy", "./kms/cmd/dstack-kms")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dstack, dstackKMS, caddy := filepath.Join(bin, "dstack"), filepath.Join(bin, "dstack-kms"), filepath.Join(bin, "caddy")
	dir := t.TempDir()

	// What each binary was built from.
	for _, v := range []struct {
		bin  string
		args []string
		want []string
	}{
		{dstack, []string{"version"}, []string{"dstack github.com/dstack-go/dstack", "\nmod\tgithub.com/dstack-go/dstack", "\ndep\tgithub.com/ethereum/go-ethereum\t"}},
		{dstackKMS, []string{"version"}, []string{"dstack-kms github.com/dstack-go/dstack", "\ndep\tgo.uber.org/zap\t"}},
		{caddy, []string{"build-info"}, []string{"\nmod\tgithub.com/dstack-go/dstack", "\ndep\tgithub.com/caddyserver/caddy/v2\t", "\ndep\tgithub.com/mholt/caddy-l4\t"}},
		{caddy, []string{"list-modules"}, []string{"\ndstack_kms\n", "\ndstack\n", "http.reverse_proxy.transport.dstack"}},
	} {
		out := run(t, dir, nil, v.bin, v.args...)
		for _, w := range v.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s %s lacks %q:\n%.2000s", filepath.Base(v.bin), v.args[0], w, out)
			}
		}
	}

	// 1. The chain, and the contracts on it.
	chainProc := start(t, dir, nil, dstack, "devchain", "--listen", "127.0.0.1:0", "--period", "1s")
	rpc := awaitOutput(t, chainProc, "the dev chain", regexp.MustCompile(`dev chain \d+ at (http://\S+)`))
	key := awaitOutput(t, chainProc, "the dev accounts", regexp.MustCompile(`account 0 +0x[0-9a-fA-F]+ +key ([0-9a-f]{64})`))
	env := []string{"DSTACK_CHAIN_KEY=" + key}
	contract := regexp.MustCompile(`kms_contract (0x[0-9a-fA-F]{40})`).FindStringSubmatch(run(t, dir, env, dstack, "chain", "--rpc", rpc, "deploy"))
	if contract == nil {
		t.Fatal("dstack chain deploy printed no kms_contract")
	}
	kmsContract := contract[1]

	// 2. kms.json from kms.example.json: the contract, and this test's ports.
	cfg := exampleKMSConfig(t)
	cfg.Auth.Chain.RPCURL, cfg.Auth.Chain.KmsContract, cfg.Listen = rpc, kmsContract, "127.0.0.1:0"
	b, _ := json.MarshalIndent(cfg, "", "\t")
	if err := os.WriteFile(filepath.Join(dir, "kms.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}

	// 3. The KMS refuses to bootstrap until the chain allows it, and says
	// how; its commands run as printed.
	refusal := start(t, dir, nil, dstackKMS, "run", "--config", "kms.json")
	if err := <-refusal.done; err == nil {
		t.Fatalf("the KMS started without being allowed on chain:\n%s", refusal.output())
	}
	refusal.done <- nil
	fix := regexp.MustCompile(`allow it with: ([^)]*)\)`).FindStringSubmatch(refusal.output())
	if fix == nil || !strings.Contains(refusal.output(), "OS image is not allowed") {
		t.Fatalf("the refusal does not say what to allow:\n%s", refusal.output())
	}
	var ran []string
	for _, c := range strings.Split(fix[1], " && ") {
		args := strings.Fields(c)
		if args[0] != "dstack" {
			t.Fatalf("not a dstack command: %q", c)
		}
		run(t, dir, env, dstack, args[1:]...)
		ran = append(ran, args[6])
	}
	if strings.Join(ran, " ") != "add-os-image add-kms-mr add-kms-device" {
		t.Fatalf("the refusal's commands: %v", ran)
	}
	if exists(filepath.Join(dir, "kms-state", "root-keys.sealed")) {
		t.Fatal("the refused KMS wrote root keys")
	}

	// 4. Now it bootstraps; its keys are published as it says.
	kmsProc := start(t, dir, nil, dstackKMS, "run", "--config", "kms.json")
	awaitOutput(t, kmsProc, "the KMS to serve", regexp.MustCompile(`"msg":"KMS serving","url":"(https://[^"]+)"`))
	publish := awaitOutput(t, kmsProc, "the publish command", regexp.MustCompile(`"publish":"(dstack chain [^"]+)"`))
	run(t, dir, env, dstack, strings.Fields(publish)[1:]...)
	var info kmsapi.BootstrapInfo
	readJSON(t, filepath.Join(dir, "kms-state", "bootstrap-info.json"), &info)
	if out := run(t, dir, nil, dstack, "chain", "--rpc", rpc, "--kms", kmsContract, "kms-info"); !strings.Contains(out, fmt.Sprintf("%x", []byte(info.K256Pubkey))) {
		t.Fatalf("kms-info does not show the published k256 key %x:\n%s", []byte(info.K256Pubkey), out)
	}
	kmsProc.stop()

	// 5. The gateway's app id.
	gw := regexp.MustCompile(`app_id (0x[0-9a-fA-F]{40})`).FindStringSubmatch(run(t, dir, env, dstack, "chain", "--rpc", rpc, "--kms", kmsContract, "deploy-app", "0x01"))
	if gw == nil {
		t.Fatal("deploy-app printed no app_id")
	}
	run(t, dir, env, dstack, "chain", "--rpc", rpc, "--kms", kmsContract, "set-gateway-app-id", gw[1])

	// 6. Caddyfile.example, on this test's ports, with its own admin socket,
	// storage and no trust-store installation.
	raw, err := os.ReadFile("../Caddyfile.example")
	if err != nil {
		t.Fatal(err)
	}
	example := regexp.MustCompile(`(?m)^\s*admin\s.*\n`).ReplaceAllString(string(raw), "")
	kmsPort, regPort, httpsPort, l4Port := strconv.Itoa(freePort(t)), strconv.Itoa(freePort(t)), strconv.Itoa(freePort(t)), strconv.Itoa(freePort(t))
	for _, r := range []struct{ old, new string }{
		{"http://127.0.0.1:8545", rpc},
		{"listen 127.0.0.1:8000", "listen 127.0.0.1:" + kmsPort},
		{"listen 127.0.0.1:8010", "listen 127.0.0.1:" + regPort},
		{"servers :443 {", "servers 127.0.0.1:" + httpsPort + " {"},
		{":9443 {", "127.0.0.1:" + l4Port + " {"},
		{"\n{\n", fmt.Sprintf("\n{\n\tadmin \"unix/%s|0600\"\n\thttp_port %d\n\thttps_port %s\n\tskip_install_trust\n\tdefault_bind 127.0.0.1\n\tstorage file_system %s\n",
			filepath.Join(dir, "admin.sock"), freePort(t), httpsPort, filepath.Join(dir, "caddy-data"))},
	} {
		if !strings.Contains(example, r.old) {
			t.Fatalf("Caddyfile.example no longer has %q: update this walk and the README", r.old)
		}
		example = strings.ReplaceAll(example, r.old, r.new)
	}
	if err := os.WriteFile(filepath.Join(dir, "Caddyfile.example"), []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	caddyEnv := []string{"DSTACK_KMS_CONTRACT=" + kmsContract, "HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	caddyProc := start(t, dir, caddyEnv, caddy, "run", "--config", "Caddyfile.example")

	// The KMS in Caddy serves the keys dstack-kms bootstrapped.
	pki, _ := mock.NewPKI([]byte(cfg.InsecureSimulatedTEE))
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()}}}
	client := &prpc.Client{BaseURL: "https://127.0.0.1:" + kmsPort + "/prpc", HTTP: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil)}}}
	var meta kmsapi.GetMetaResponse
	eventually(t, "the KMS in Caddy", 2*time.Minute, func() bool {
		if caddyProc.exited() {
			t.Fatalf("caddy exited:\n%s", caddyProc.output())
		}
		return client.Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &meta) == nil
	})
	if !bytes.Equal(meta.K256Pubkey, info.K256Pubkey) || meta.KmsContractAddress == nil || !strings.EqualFold(*meta.KmsContractAddress, kmsContract) {
		t.Fatalf("the KMS in Caddy: k256 %x (want %x), contract %v", []byte(meta.K256Pubkey), []byte(info.K256Pubkey), meta.KmsContractAddress)
	}

	// The gateway answers for the base domain: an app nobody registered.
	https := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+httpsPort)
		},
	}}
	var status int
	var body string
	eventually(t, "the gateway", time.Minute, func() bool {
		res, err := https.Get("https://0123456789abcdef0123456789abcdef01234567.dstack.localhost/")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		status, body = res.StatusCode, buf.String()
		return true
	})
	if status != http.StatusNotFound || !strings.Contains(body, "No such app") {
		t.Fatalf("the gateway answered %d %q", status, body)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
