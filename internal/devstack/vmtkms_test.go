package devstack

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dstack-go/dstack/guestos/hostinput"
)

// TestMain lets this test binary serve as the forwarder qemu's guestfwd
// runs for each connection a guest opens, where the VM-mode stacks of
// these tests cannot build the small one (findForwarder).
func TestMain(m *testing.M) {
	RunForwarder(os.Args)
	os.Exit(m.Run())
}

// TestUpVMThresholdKMS: `dev up --vm --kms-nodes 3 --kms-threshold 2`
// boots the demo as a qemu VM (TCG) whose guest gets its keys from the
// threshold KMS's nodes, each reached through a forward of its own (and
// not the stack's KMS, which the guest cannot reach): the demo answers
// through the gateway, the guest measures key-provider kms-threshold with
// the committee's key set, and `dev cvm --vm --name` boots one more VM of
// the app, whose GetKey is the VM's. With one node stopped, that instance
// booted again is the same instance with the same GetKey; with two
// stopped its boot fails closed, the reason on its console. `dev down`
// then stops the stack and leaves no qemu or forwarder running.
func TestUpVMThresholdKMS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the guest image, runs a DKG and boots the image under qemu")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	dir, cache := t.TempDir(), preParamsCache(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// `dev down` signals the stack's process, this one, as it signals
	// `dstack dev up`, which stops on SIGTERM.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(term)
	go func() {
		select {
		case <-term:
			cancel()
		case <-ctx.Done():
		}
	}()
	ready, done, stacks := make(chan State, 1), make(chan error, 1), make(chan *stack, 1)
	var out syncBuffer
	go func() {
		done <- Up(ctx, Options{Dir: dir, Listen: "127.0.0.1:0", VM: true, Out: &out, Ready: ready,
			KMSNodes: 3, KMSThreshold: 2, KMSCache: cache, thresholdUp: func(s *stack) { stacks <- s }})
	}()
	defer func() {
		cancel()
		<-done
	}()
	start := time.Now()
	st := waitReady(t, ready, done, &out, 25*time.Minute)
	s := <-stacks
	vm := st.Instances[0]
	t.Logf("FIGURE dev up --vm with a 2-of-3 threshold KMS: %s, the VM's boot to system-ready %.1fs", time.Since(start).Round(time.Second), vm.BootSeconds)
	if st.Mode != ModeVM || vm.QEMUPID == 0 || st.KMSThreshold == nil || len(st.KMSThreshold.URLs) != 3 {
		t.Fatalf("state: mode %q, instances %+v, kms_threshold %+v", st.Mode, st.Instances, st.KMSThreshold)
	}

	// The guest reaches each node through a forward, at the address its
	// sys-config names, and not the stack's KMS.
	sys := guestSysConfig(t, vm.Dir)
	qemu := qemuCommand(t, vm.QEMUPID)
	for i, u := range st.KMSThreshold.URLs {
		port := portOf(strings.TrimPrefix(u, "https://"))
		guest := fmt.Sprintf("10.0.2.%d:%s", guestKMSNodeFirst+i, port)
		if sys.KMSThreshold == nil || len(sys.KMSThreshold.URLs) != 3 || sys.KMSThreshold.URLs[i] != "https://"+guest {
			t.Fatalf("the guest's kms_threshold %+v does not name node %d at %s", sys.KMSThreshold, i+1, guest)
		}
		if !strings.Contains(qemu, "guestfwd=tcp:"+guest+"-cmd:") || !strings.Contains(qemu, " 127.0.0.1:"+port+",") {
			t.Fatalf("qemu does not forward %s to node %d at %s: %s", guest, i+1, u, qemu)
		}
	}
	if len(sys.KMSURLs) != 0 || strings.Contains(qemu, ":"+portOf(strings.TrimPrefix(st.KMSURL, "https://"))+"-cmd:") {
		t.Fatalf("the guest reaches the stack's KMS (kms_urls %q): %s", sys.KMSURLs, qemu)
	}

	// The demo answers through the gateway, from the VM, whose keys came
	// from the committee whose key set is on chain.
	client, err := gatewayClient(strings.TrimPrefix(st.GatewayHTTPS, "https://"), st.GatewayCA)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Get(st.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), st.AppID) || !strings.Contains(string(body), vm.InstanceID) {
		t.Fatalf("the demo answered %d %q through the gateway", res.StatusCode, body)
	}
	id := st.KMSThreshold.KeySet.ID()
	if kp := agentInfo(t, vm.GuestSocket).KeyProvider; kp.Name != "kms-threshold" || kp.ID != hex.EncodeToString(id[:]) {
		t.Fatalf("the VM's key provider %+v, want kms-threshold %x", kp, id)
	}
	first := getKey(t, vm.GuestSocket, "demo")

	// One more VM of the app (dev cvm --vm --name extra), booted again
	// under its name with one node stopped, then with two.
	extra, err := startExtraVM(t, dir, "extra")
	if err != nil {
		t.Fatal(err)
	}
	if extra.st.InstanceID == vm.InstanceID || getKey(t, extra.st.GuestSocket, "demo") != first {
		t.Fatalf("dev cvm --vm: instance %s (the stack's %s), or another GetKey", extra.st.InstanceID, vm.InstanceID)
	}
	extra.stop(t)
	s.tkms.nodes[0].Stop(context.Background())
	again, err := startExtraVM(t, dir, "extra")
	if err != nil {
		t.Fatalf("one node of three stopped: %v", err)
	}
	t.Logf("FIGURE the VM booted again with one node of three stopped: system-ready in %s", again.boot)
	if again.st.InstanceID != extra.st.InstanceID || getKey(t, again.st.GuestSocket, "demo") != first {
		t.Fatalf("booted again with one node of three stopped: instance %s (was %s), or another GetKey", again.st.InstanceID, extra.st.InstanceID)
	}
	again.stop(t)
	s.tkms.nodes[1].Stop(context.Background())
	const reason = "too few KMS nodes released valid partial keys: 1 valid of the 2 needed, from 3 nodes"
	if _, err := startExtraVM(t, dir, "extra"); err == nil || !strings.Contains(err.Error(), reason) {
		t.Fatalf("two nodes of three stopped: %v", err)
	}
	if console, _ := os.ReadFile(filepath.Join(dir, "extra", "extra", vmConsoleFile)); !strings.Contains(string(console), reason) ||
		!strings.Contains(string(console), "dstack-init: HALTING") {
		t.Fatalf("two nodes of three stopped: the console does not say why the boot stopped:\n%s", console)
	}

	// dev down: the stack stops, and no qemu or forwarder is left.
	var downOut strings.Builder
	if err := Down(&downOut, dir); err != nil {
		t.Fatalf("dev down: %v\n%s", err, downOut.String())
	}
	if err := <-done; err != nil {
		t.Fatalf("dev up: %v\n%s", err, out.String())
	}
	done <- nil
	if left := processesMentioning(dir); len(left) > 0 {
		t.Fatalf("left running after dev down: %v", left)
	}
}

// guestSysConfig is the sys-config the VM in dir was booted with.
func guestSysConfig(t *testing.T, dir string) *hostinput.SysConfig {
	t.Helper()
	in, err := hostinput.Read(filepath.Join(dir, "host-shared"))
	if err != nil {
		t.Fatal(err)
	}
	return in.SysConfig
}

// qemuCommand is the command line of the qemu process pid, its arguments
// separated by spaces.
func qemuCommand(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.HasPrefix(string(b), "qemu-system-x86_64\x00") {
		t.Fatalf("process %d is not qemu: %q %v", pid, b, err)
	}
	return strings.ReplaceAll(string(b), "\x00", " ")
}

// processesMentioning lists the processes whose command line holds what,
// such as a stack's directory, which its qemu and forwarders name.
func processesMentioning(what string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), what) {
			out = append(out, filepath.Base(filepath.Dir(p))+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// guestInfo is the part of the guest agent's Info the tests read.
type guestInfo struct {
	KeyProvider struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	}
}

// agentInfo asks the guest agent at socket for Info.
func agentInfo(t *testing.T, socket string) guestInfo {
	t.Helper()
	res, err := agentClient(socket).Get("http://dstack/Info")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var r struct {
		KeyProviderInfo string `json:"key_provider_info"`
	}
	var info guestInfo
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil || json.Unmarshal([]byte(r.KeyProviderInfo), &info.KeyProvider) != nil {
		t.Fatalf("Info: %d %s", res.StatusCode, b)
	}
	return info
}

// extraVM is a running `dev cvm --vm --name NAME`.
type extraVM struct {
	st     cvmState
	boot   time.Duration
	cancel context.CancelFunc
	done   chan error
	out    *syncBuffer
}

// startExtraVM runs `dev cvm --vm --name name` against the stack in dir
// and returns once the instance is up, or with the error it stopped with.
func startExtraVM(t *testing.T, dir, name string) (*extraVM, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	x := &extraVM{cancel: cancel, done: make(chan error, 1), out: &syncBuffer{}}
	start := time.Now()
	go func() { x.done <- RunCVM(ctx, x.out, CVMOptions{Dir: dir, Name: name, VM: true}) }()
	statePath := filepath.Join(dir, "extra", name, "state.json")
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); {
		if b, err := os.ReadFile(statePath); err == nil && json.Unmarshal(b, &x.st) == nil && x.st.GuestSocket != "" {
			x.boot = time.Since(start).Round(100 * time.Millisecond)
			t.Cleanup(func() { x.stop(t) })
			return x, nil
		}
		select {
		case err := <-x.done:
			cancel()
			if err == nil {
				err = fmt.Errorf("dev cvm %s returned before it was up", name)
			}
			return nil, fmt.Errorf("%w\n%s", err, x.out.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("dev cvm %s did not come up:\n%s", name, x.out.String())
	return nil, nil
}

// stop stops the instance and checks that it stopped cleanly, its qemu
// gone.
func (x *extraVM) stop(t *testing.T) {
	t.Helper()
	if x.done == nil {
		return
	}
	x.cancel()
	if err := <-x.done; err != nil {
		t.Errorf("dev cvm: %v\n%s", err, x.out.String())
	}
	x.done = nil
	if processRunning(x.st.QEMUPID) {
		t.Errorf("dev cvm stopped with its qemu (process %d) running", x.st.QEMUPID)
	}
}

// processRunning reports whether pid is a qemu still running.
func processRunning(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.HasPrefix(string(b), "qemu-system-x86_64")
}
