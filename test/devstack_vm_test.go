package test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/devstack"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/measure"
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
	// Verify: the evidence of the VM's simulated TD binds the image the VM
	// booted, offline from the measurement document its vm_config carries
	// and against the image directory, and no other image.
	s.checkVMImageBound(s.checkEvidence("vm"))
	// Keys: the VM's app key is the one the KMS releases to the app, to a
	// TD that booted the same image.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pki := s.pki()
	keys, err := s.getVMAppKey(ctx, pki, 1)
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

// checkVMImageBound checks that the VM's evidence, whose verdict v is,
// binds the guest image the VM booted, which is the image the chain allows
// and state.json names: offline (the vm_config's measurement document),
// with `dstack verify --image` of the image directory, and that another
// image (the same files, its command line carrying an instance's setting,
// as a host that appended one would boot) is refused.
func (s *stack) checkVMImageBound(v map[string]any) {
	t, st := s.t, s.st
	t.Helper()
	if st.VMImageHash == "" || st.VMImageHash == st.OSImageHash {
		t.Fatalf("the VMs' image hash %q: want the guest image's, not the simulated development image's %s", st.VMImageHash, st.OSImageHash)
	}
	if sum, err := os.ReadFile(filepath.Join(st.VMImage, "sha256sum.txt")); err != nil || fmt.Sprintf("%x", sha256.Sum256(sum)) != st.VMImageHash {
		t.Fatalf("the VMs' image hash %s is not the SHA-256 of %s/sha256sum.txt (%v)", st.VMImageHash, st.VMImage, err)
	}
	if v["os_image_hash_verified"] != true || v["os_image_hash"] != st.VMImageHash {
		t.Fatalf("the VM's evidence does not bind its guest image %s: %v", st.VMImageHash, v)
	}
	if !strings.Contains(s.chain("os-images"), st.VMImageHash) {
		t.Fatalf("the chain does not allow the VMs' image %s", st.VMImageHash)
	}
	code, ev := s.get(st.AppHost, "/evidence?report_data=0c0d")
	if code != http.StatusOK {
		t.Fatalf("evidence %d %s", code, ev)
	}
	if v := s.verify([]byte(ev), "--image", st.VMImage); v["valid"] != true || v["os_image_hash_verified"] != true || v["os_image_hash"] != st.VMImageHash {
		t.Fatalf("dstack verify --image %s: %v", st.VMImage, v)
	}
	other := anotherImage(t, st.VMImage, " dstack.chain_rpc=http://10.0.2.102:8545")
	v, err := s.verdict([]byte(ev), "--image", other)
	if err == nil || v["valid"] != false || v["os_image_hash_verified"] == true {
		t.Fatalf("dstack verify --image of another image accepted the VM's evidence: %v %v", v, err)
	}
	t.Logf("another image refused: %v", v["errors"])
}

// getVMAppKey asks the stack's KMS for the app's keys as instance n of a
// simulated TD that booted the VMs' guest image, with their vm_config.
func (s *stack) getVMAppKey(ctx context.Context, pki *mock.PKI, n byte) (*kmsclient.AppKeys, error) {
	t, st := s.t, s.st
	t.Helper()
	im, err := measure.ReadImage(st.VMImage)
	if err != nil {
		t.Fatal(err)
	}
	td, err := pki.BootTD(mock.Identity{AppID: hexBytes(t, st.AppID), ComposeHash: hexBytes(t, st.ComposeHash), InstanceID: bytes.Repeat([]byte{n}, 20),
		BootedImage: im, Config: st.VMImageConfig})
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kmsclient.New(ctx, kmsclient.Config{URL: st.KMSURL, Attester: td.Attester(), Attestation: pki.VerifyOptions(), Chain: s.reader(ctx)})
	if err != nil {
		return nil, err
	}
	return kc.GetAppKey(ctx, st.VMImageConfig)
}

// anotherImage writes an image directory beside the test's temporary files
// with the files of the image in dir (linked, not copied) and its kernel
// command line followed by tail: another image, with its own identity
// files and os_image_hash.
func anotherImage(t *testing.T, dir, tail string) string {
	t.Helper()
	im, err := measure.ReadImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	meta := im.Metadata
	for _, f := range []string{meta.BIOS, meta.Kernel, meta.Initrd} {
		if err := os.Link(filepath.Join(dir, f), filepath.Join(out, f)); err != nil {
			b, rerr := os.ReadFile(filepath.Join(dir, f))
			if rerr != nil || os.WriteFile(filepath.Join(out, f), b, 0o644) != nil {
				t.Fatalf("copying %s: %v", f, err)
			}
		}
	}
	meta.Cmdline += tail
	if _, err := measure.WriteImageFiles(out, meta); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDevStackVMCompose runs `dstack dev up --vm` with a compose file and
// image of the test's own (the demo app's program saved as a `docker save`
// tarball): the app's container runs in the VM and answers through the
// gateway at its published port, its evidence binds the guest image, the
// key it shows is the one the KMS releases to the app; `dev cvm --vm` boots
// a second VM instance of the app, which answers at its own name and,
// powered off and booted again under its name, is the same instance and
// finds what its app wrote on the encrypted data disk, whose image on the
// host is LUKS2 with no plaintext of it; removing
// the guest image's os_image_hash on chain stops the gateway routing to
// both and the KMS signing for them; and no qemu is left once they stop.
func TestDevStackVMCompose(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the guest image and boots it under qemu")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	tar, digest := userImage(t, "vmapp:dev")
	marker := fmt.Sprintf("vm-%d", time.Now().UnixNano())
	compose := filepath.Join(t.TempDir(), "docker-compose.yml")
	// The VM is its own machine: the app listens on 8080, published as the
	// app's port 80.
	if err := os.WriteFile(compose, []byte(fmt.Sprintf(`services:
  web:
    image: vmapp@%s
    command: ["-version", %q]
    environment:
      - PORT=8080
    ports:
      - "80:8080"
    volumes:
      - web-data:/data
      - /var/run/dstack.sock:/var/run/dstack.sock
volumes:
  web-data:
`, digest, marker)), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "stack")
	s := up(t, dir, "--vm", "--compose", compose, "--image", tar)
	st := s.st
	if st.Mode != "vm" || len(st.Instances) != 1 || st.Instances[0].QEMUPID == 0 {
		t.Fatalf("state: mode %q, instances %+v", st.Mode, st.Instances)
	}
	vm := st.Instances[0]
	t.Logf("FIGURE qemu (TCG) boot to system-ready in dev up --vm --compose: %.1fs", vm.BootSeconds)
	code, body := s.get(st.AppHost, "/")
	if code != http.StatusOK || field(body, "version") != marker || field(body, "app_id") != st.AppID || field(body, "instance_id") != vm.InstanceID {
		t.Fatalf("the app answered %d %q through the gateway\n%s", code, body, s.log())
	}
	s.checkVMImageBound(s.checkEvidence("vm compose"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	keys, err := s.getVMAppKey(ctx, s.pki(), 1)
	if err != nil {
		t.Fatal(err)
	}
	s.checkAppKey(keys.K256Key)

	// One more VM of the app, booted against the running stack.
	extra := s.cvm("extra", "--vm", "--compose", compose)
	if extra.st.QEMUPID == 0 || !qemuOf(extra.st.QEMUPID, dir) || extra.st.ComposeHash != st.ComposeHash || extra.st.InstanceID == vm.InstanceID {
		t.Fatalf("dev cvm --vm: %+v", extra.st)
	}
	host := extra.st.InstanceID + ".dstack.localhost"
	eventually(t, "the second VM to answer through the gateway", 2*time.Minute, func() bool {
		code, body := s.get(host, "/")
		return code == http.StatusOK && field(body, "instance_id") == extra.st.InstanceID && field(body, "version") == marker
	})

	// A restart of the named instance (its VM powered off, `dev cvm
	// --name` again, as an upgrade does): the same instance, which finds
	// what the app wrote on its data volume; the disk image on the host
	// is LUKS2 and holds no plaintext of what the app wrote.
	extra.stop()
	if qemuOf(extra.st.QEMUPID, dir) {
		t.Fatalf("dev cvm --vm stopped with its qemu (process %d) running", extra.st.QEMUPID)
	}
	checkDiskSealed(t, filepath.Join(dir, "extra", "extra", "data.img"), marker)
	restarted := s.cvm("extra", "--vm", "--compose", compose)
	if restarted.st.InstanceID != extra.st.InstanceID || !qemuOf(restarted.st.QEMUPID, dir) {
		t.Fatalf("dev cvm --vm --name extra again: instance %s (qemu %d), want the same instance %s", restarted.st.InstanceID, restarted.st.QEMUPID, extra.st.InstanceID)
	}
	eventually(t, "the restarted VM to answer through the gateway", 2*time.Minute, func() bool {
		code, body = s.get(host, "/")
		return code == http.StatusOK
	})
	if field(body, "instance_id") != extra.st.InstanceID || field(body, "starts") != "2" || field(body, "previous_version") != marker {
		t.Fatalf("the restarted VM's app did not find its data: %q", body)
	}

	// Revoking the guest image on chain: the gateway stops routing to the
	// VMs, the KMS stops signing for them.
	s.revokeBy(func() { s.chain("remove-os-image", st.VMImageHash) },
		[]string{vm.GuestSocket, restarted.st.GuestSocket}, []string{vm.InstanceID + ".dstack.localhost", host})

	restarted.stop()
	if qemuOf(restarted.st.QEMUPID, dir) {
		t.Fatalf("dev cvm --vm stopped with its qemu (process %d) running", restarted.st.QEMUPID)
	}
	if out, err := s.run(nil, "dev", "down", "--dir", dir); err != nil {
		t.Fatalf("dev down: %v\n%s", err, out)
	}
	s.wait()
	if left := processesMentioning(dir); len(left) > 0 {
		t.Fatalf("left running after dev down: %v", left)
	}
}

// checkDiskSealed checks that the VM data disk image at path is LUKS2 and
// holds no plaintext of marker, which the app wrote on it.
func checkDiskSealed(t *testing.T, path, marker string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("LUKS\xba\xbe\x00\x02")) {
		t.Fatalf("the data disk %s has no LUKS2 header", path)
	}
	if bytes.Contains(raw, []byte(marker)) {
		t.Fatalf("the data disk %s holds the app's marker %q in plaintext", path, marker)
	}
}
