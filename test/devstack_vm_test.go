package test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/devstack"
)

// TestDevStackVM runs `dstack dev up --vm` with one CVM booted as a qemu VM
// (TCG) from the guest image this repository builds: the app answers
// through the gateway at its name and its instance's, the evidence it
// serves verifies with the OS image bound, the key it shows is the one the
// KMS releases to the app, the host reaches its agent on the CVM's socket,
// revoking the compose hash on chain stops the gateway routing to it and
// the KMS signing for it, and `dev down` powers the VM off and leaves no
// qemu, forwarder or listener behind.
func TestDevStackVM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the guest image and boots it under qemu")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	dir := filepath.Join(t.TempDir(), "stack")
	s := up(t, dir, "--vm")
	st := s.st
	if st.Mode != "vm" || len(st.Instances) != 1 || st.Instances[0].QEMUPID == 0 {
		t.Fatalf("state: mode %q, instances %+v", st.Mode, st.Instances)
	}
	vm := st.Instances[0]
	t.Logf("FIGURE qemu (TCG) boot to system-ready in dev up --vm: %.1fs", vm.BootSeconds)
	if !qemuOf(vm.QEMUPID, dir) {
		t.Fatalf("process %d is not the stack's qemu", vm.QEMUPID)
	}

	// Routing: the app's name and its instance's reach the VM, where the
	// demo's container answers (its page names its version; the built-in
	// demo's does not), its image pulled from the stack's registry as the
	// guest's registry mirror.
	code, body := s.get(st.AppHost, "/")
	if code != http.StatusOK || field(body, "app_id") != st.AppID || field(body, "instance_id") != vm.InstanceID || field(body, "version") != "v1" {
		t.Fatalf("the app answered %d %q through the gateway\n%s", code, body, s.log())
	}
	if code, body := s.get(vm.InstanceID+".dstack.localhost", "/"); code != http.StatusOK || field(body, "instance_id") != vm.InstanceID {
		t.Fatalf("the instance's name answered %d %q", code, body)
	}
	// Verify: the evidence of the VM's simulated TD, OS image bound.
	v := s.checkEvidence("vm")
	if v["os_image_hash_verified"] != true || v["os_image_hash"] != st.OSImageHash {
		t.Fatalf("the VM's evidence does not bind the stack's OS image %s: %v", st.OSImageHash, v)
	}
	// Keys: the VM's app key is the one the KMS releases to the app.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pki := s.pki()
	keys, err := s.getAppKey(ctx, st.KMSURL, s.bootTD(pki, hexBytes(t, st.AppID), hexBytes(t, st.ComposeHash), 1), pki.VerifyOptions(), s.reader(ctx))
	if err != nil {
		t.Fatal(err)
	}
	s.checkAppKey(keys.K256Key)
	// Revocation, through the VM's agent on the host's socket.
	s.revoke([]string{st.ComposeHash}, []string{vm.GuestSocket}, []string{vm.InstanceID + ".dstack.localhost"})

	if out, err := s.run(nil, "dev", "down", "--dir", dir); err != nil {
		t.Fatalf("dev down: %v\n%s", err, out)
	}
	// dev down returns once the stack removed its state, after everything
	// stopped: the VM is gone by then, not later.
	if qemuOf(vm.QEMUPID, dir) {
		t.Fatalf("dev down returned with the VM's qemu (process %d) running", vm.QEMUPID)
	}
	s.wait()
	left := processesMentioning(dir)
	for _, u := range []string{st.KMSURL, st.GatewayRegistration, st.ChainRPC} {
		left = append(left, processesMentioning(devstack.ForwardArg+"\x00127.0.0.1:"+portOf(u))...)
	}
	if len(left) > 0 {
		t.Fatalf("left running after dev down: %v", left)
	}
	for _, u := range []string{st.GatewayHTTPS, st.GatewayRegistration, st.KMSURL, st.ChainRPC, "https://" + vm.TunnelAddress} {
		if listening(u) {
			t.Fatalf("%s still listening after dev down", u)
		}
	}
	console, _ := os.ReadFile(vm.Console)
	if !strings.Contains(string(console), "dstack-init: powering off") {
		t.Fatalf("the VM did not power off cleanly:\n%s", console)
	}
}

// qemuOf reports whether pid is a running qemu of the stack in dir.
func qemuOf(pid int, dir string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && strings.HasPrefix(string(b), "qemu-system-x86_64") && strings.Contains(string(b), dir)
}

// processesMentioning lists the processes whose command line (NUL
// between arguments) holds what: a stack's qemu names its directory, the
// forwarders qemu starts the host ports they reach.
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
