package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/image"
	"github.com/dstack-go/dstack/guestos/pid1"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/measure/measuretest/imagedir"
)

// writeImage writes an image directory's metadata.json, kernel and initrd.
func writeImage(t *testing.T, debug, simulated bool) string {
	t.Helper()
	dir := t.TempDir()
	meta := image.Metadata{Kernel: image.KernelFile, Initrd: image.InitrdFile, Cmdline: image.Cmdline(debug, simulated), IsDev: debug}
	meta.Build.InsecureSimulatedTEE = simulated
	b, _ := json.Marshal(meta)
	for name, data := range map[string][]byte{image.MetadataFile: b, image.KernelFile: {1}, image.InitrdFile: {2}} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A VM of the stack runs on the simulated TEE: an image that refuses it
// (a production image) is refused before anything boots, with what to do.
func TestOpenVMImageRefusesProductionImage(t *testing.T) {
	if _, err := openVMImage(writeImage(t, true, true)); err != nil {
		t.Fatalf("a development image: %v", err)
	}
	for _, debug := range []bool{false, true} {
		_, err := openVMImage(writeImage(t, debug, false))
		if err == nil || !strings.Contains(err.Error(), "--insecure-simulated-tee") {
			t.Fatalf("an image without the simulated TEE (debug %v) was accepted: %v", debug, err)
		}
	}
	// metadata.json that claims the simulated TEE without the command
	// line that enables it in the guest.
	dir := writeImage(t, true, true)
	var meta image.Metadata
	b, _ := os.ReadFile(filepath.Join(dir, image.MetadataFile))
	_ = json.Unmarshal(b, &meta)
	meta.Cmdline = image.Cmdline(true, false)
	b, _ = json.Marshal(meta)
	_ = os.WriteFile(filepath.Join(dir, image.MetadataFile), b, 0o600)
	if _, err := openVMImage(dir); err == nil {
		t.Fatal("an image whose command line lacks the simulated TEE was accepted")
	}
	if _, err := openVMImage(t.TempDir()); err == nil {
		t.Fatal("an empty directory was accepted as an image")
	}
}

// The image cache key changes with any source file and ignores tests.
func TestSourceKey(t *testing.T) {
	root := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x\n")
	write("a/a.go", "package a\n")
	k1, err := sourceKey(root)
	if err != nil {
		t.Fatal(err)
	}
	write("a/a_test.go", "package a\n")
	write(".git/HEAD", "x")
	write("a/testdata/t.go", "x")
	if k2, _ := sourceKey(root); k2 != k1 {
		t.Fatal("a test file, a dot directory or testdata changed the key")
	}
	write("a/a.go", "package a // changed\n")
	if k3, _ := sourceKey(root); k3 == k1 {
		t.Fatal("a changed source file kept the key")
	}
}

// The qemu a killed stack left is ended by the next stack, with its
// process group; a recorded pid that now names another process is left
// alone.
func TestKillLeftoverVM(t *testing.T) {
	dir := t.TempDir()
	start := func() *exec.Cmd {
		cmd := exec.Command("sh", "-c", "sleep 300 & wait")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
		return cmd
	}
	record := func(p Process) {
		b, _ := json.Marshal(p)
		if err := os.WriteFile(filepath.Join(dir, vmProcessFile), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	other := start()
	p, err := processOf(other.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	p.Start++ // the pid names another process now
	record(p)
	if killed, err := killLeftoverVM(dir); err != nil || killed {
		t.Fatalf("a recycled pid: killed %v, %v", killed, err)
	}
	if err := syscall.Kill(other.Process.Pid, 0); err != nil {
		t.Fatal("a process that is not the recorded one was signalled")
	}
	left := start()
	p, _ = processOf(left.Process.Pid)
	record(p)
	done := make(chan error, 1)
	go func() { done <- left.Wait() }()
	if killed, err := killLeftoverVM(dir); err != nil || !killed {
		t.Fatalf("the leftover: killed %v, %v", killed, err)
	}
	<-done
	if _, err := os.Stat(filepath.Join(dir, vmProcessFile)); !os.IsNotExist(err) {
		t.Fatal("the record stayed")
	}
}

// The image cache keeps the most recently used images only, and nothing
// but images is removed from it.
func TestPruneVMImages(t *testing.T) {
	cache := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i, name := range []string{"0000000000000001", "0000000000000002", "0000000000000003", "building-123", "notanimage"} {
		p := filepath.Join(cache, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	pruneVMImages(cache, 2)
	for name, want := range map[string]bool{"0000000000000001": false, "0000000000000002": true, "0000000000000003": true, "building-123": true, "notanimage": true} {
		if _, err := os.Stat(filepath.Join(cache, name)); (err == nil) != want {
			t.Errorf("%s: kept %v, want %v", name, err == nil, want)
		}
	}
}

// TestVMInstanceInfoKept: a VM booted again in its directory with the
// instance kept gets the seed of its first boot (and so the same instance
// id); a new instance gets a new seed.
func TestVMInstanceInfoKept(t *testing.T) {
	dir, appID := t.TempDir(), bytes.Repeat([]byte{7}, 20)
	first, err := vmInstanceInfo(dir, appID, false)
	if err != nil || len(first.InstanceIDSeed) != 20 {
		t.Fatalf("first boot: %+v %v", first, err)
	}
	again, err := vmInstanceInfo(dir, appID, true)
	if err != nil || !bytes.Equal(again.InstanceIDSeed, first.InstanceIDSeed) || !bytes.Equal(again.AppID, appID) {
		t.Fatalf("reboot: seed %x, want %x (%v)", again.InstanceIDSeed, first.InstanceIDSeed, err)
	}
	fresh, err := vmInstanceInfo(dir, appID, false)
	if err != nil || bytes.Equal(fresh.InstanceIDSeed, first.InstanceIDSeed) {
		t.Fatalf("a new instance kept the seed %x (%v)", fresh.InstanceIDSeed, err)
	}
}

// TestVMImageMeasured: the stack measures the image its VMs boot, and what
// it hands the guest in the host-shared sys-config (the instance's
// settings, and the boot measurement its simulated TD reports) boots a TD
// whose evidence binds that image, offline from the vm_config's document
// and against the image directory, and is refused against another image.
func TestVMImageMeasured(t *testing.T) {
	dir, im := imagedir.Write(t, "")
	vi := &vmImage{dir: dir}
	if err := vi.measure(); err != nil {
		t.Fatal(err)
	}
	if hash, err := im.OSImageHash(); err != nil || vi.hash != hash {
		t.Fatalf("os_image_hash %x, the image's %x (%v)", vi.hash, hash, err)
	}
	c := vmConfigVM{image: vi, chainID: 1337, kmsContract: "0x00000000000000000000000000000000000000aa", seed: "vm image measured"}
	settings, err := c.guestSettings(8545, 7000)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := writeHostShared(filepath.Join(t.TempDir(), "host-shared"), cvmConfig{
		compose: []byte(builtinCompose), appID: bytes.Repeat([]byte{1}, 20), kmsURL: "https://10.0.2.100:1", vmConfig: vi.vmConfig, guestSettings: settings,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := hostinput.Read(shared)
	if err != nil {
		t.Fatal(err)
	}
	// What the guest's PID 1 makes of the settings on a development image.
	args, _, err := pid1.StageArgs(in.SysConfig.Guest, true)
	if got := strings.Join(args, " "); err != nil || !strings.Contains(got, "--chain-rpc http://10.0.2.102:8545 --chain-id 1337") ||
		!strings.Contains(got, "--insecure-simulated-tee vm image measured") || !strings.Contains(got, "--data-device /dev/vda") {
		t.Fatalf("stage args %q, %v", got, err)
	}
	var boot mock.Boot
	if err := json.Unmarshal(in.SysConfig.Guest.InsecureSimulatedTEE.Boot, &boot); err != nil {
		t.Fatal(err)
	}
	pki, err := mock.NewPKI([]byte(c.seed))
	if err != nil {
		t.Fatal(err)
	}
	td := pki.BootedTD(&boot)
	td.Identity.Config = in.SysConfig.VMConfig
	a, err := td.Attester().Attest(context.Background(), [64]byte{})
	if err != nil {
		t.Fatal(err)
	}
	opts := pki.VerifyOptions()
	if v, err := attest.Verify(context.Background(), a, opts); err != nil || !v.OSImageVerified || !bytes.Equal(v.OSImageHash, vi.hash[:]) {
		t.Fatalf("offline: %v", err)
	}
	opts.OSImage = im
	if v, err := attest.Verify(context.Background(), a, opts); err != nil || !v.OSImageVerified {
		t.Fatalf("against the image directory: %v", err)
	}
	_, other := imagedir.Write(t, " other")
	opts.OSImage = other
	if _, err := attest.Verify(context.Background(), a, opts); err == nil {
		t.Fatal("the evidence bound another image")
	}
}

// --vm-firmware is direct or ovmf, and only with --vm; ovmf boots the
// image's own firmware, which its metadata.json must name.
func TestVMFirmware(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed")
	}
	dir := filepath.Join(t.TempDir(), "stack")
	if _, err := prepare(Options{Dir: dir, VM: true, VMFirmware: "seabios"}); err == nil || !strings.Contains(err.Error(), "--vm-firmware") {
		t.Fatalf("an unknown firmware: %v", err)
	}
	if _, err := prepare(Options{Dir: dir, VMFirmware: FirmwareOVMF}); err == nil || !strings.Contains(err.Error(), "add --vm") {
		t.Fatalf("--vm-firmware without --vm: %v", err)
	}
	im := &vmImage{dir: "/images/x"}
	im.meta.BIOS = "ovmf.fd"
	if args, err := firmwareArgs(FirmwareOVMF, im); err != nil || strings.Join(args, " ") != "-bios /images/x/ovmf.fd" {
		t.Fatalf("ovmf: %q %v", args, err)
	}
	if args, err := firmwareArgs(FirmwareDirect, im); err != nil || args != nil {
		t.Fatalf("direct: %q %v", args, err)
	}
	im.meta.BIOS = ""
	if _, err := firmwareArgs(FirmwareOVMF, im); err == nil {
		t.Fatal("ovmf with an image that names no firmware was accepted")
	}
}

// A VM started beside a stack (dev cvm --vm) relays through the forwarder
// the stack built, else through this executable.
func TestStackForwarder(t *testing.T) {
	dir := t.TempDir()
	exe, _ := os.Executable()
	if fwd, err := stackForwarder(dir); err != nil || strings.Join(fwd, " ") != exe+" "+ForwardArg {
		t.Fatalf("without a built forwarder: %q %v", fwd, err)
	}
	bin := filepath.Join(dir, forwarderFile)
	if err := os.MkdirAll(filepath.Dir(bin), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, nil, 0o700); err != nil {
		t.Fatal(err)
	}
	if fwd, err := stackForwarder(dir); err != nil || strings.Join(fwd, " ") != bin {
		t.Fatalf("with the stack's forwarder: %q %v", fwd, err)
	}
}

// TestVMForwards: a VM's guest reaches each host service through a
// forward of its own, and its host-shared sys-config names the forwarded
// addresses. With a threshold KMS, the guest reaches each node at an
// address of its own and not the stack's KMS, which its kms_urls no
// longer names; the stack's record of the nodes keeps their host
// addresses. A service the forwards cannot reach is refused.
func TestVMForwards(t *testing.T) {
	base := vmConfigVM{
		cvmConfig: cvmConfig{compose: []byte(builtinCompose), appID: bytes.Repeat([]byte{1}, 20), vmConfig: vmConfig(),
			gatewayURL: "https://127.0.0.1:7002"},
		kmsURL: "https://127.0.0.1:7001", chainRPC: "http://127.0.0.1:7003", registry: "127.0.0.1:7004",
	}
	sysConfig := func(t *testing.T, guest cvmConfig) *hostinput.SysConfig {
		t.Helper()
		guest.dir = t.TempDir()
		shared, err := writeHostShared(filepath.Join(guest.dir, "host-shared"), guest, nil)
		if err != nil {
			t.Fatal(err)
		}
		in, err := hostinput.Read(shared)
		if err != nil {
			t.Fatal(err)
		}
		return in.SysConfig
	}
	fwd := func(ip string, port int) string {
		return fmt.Sprintf(",guestfwd=tcp:%s:%d-cmd:relay 127.0.0.1:%d,", ip, port, port)
	}

	guest, f, err := base.forwarded()
	if err != nil {
		t.Fatal(err)
	}
	netdev := f.netdev([]string{"relay"}) + ","
	for _, w := range []string{fwd(guestKMS, 7001), fwd(guestGateway, 7002), fwd(guestChain, 7003), fwd(guestRegistry, 7004)} {
		if !strings.Contains(netdev, w) {
			t.Errorf("netdev %q lacks %q", netdev, w)
		}
	}
	if len(f.list) != 4 || f.chainPort != 7003 {
		t.Fatalf("forwards %+v", f)
	}
	sys := sysConfig(t, guest)
	if strings.Join(sys.KMSURLs, " ") != "https://10.0.2.100:7001" || strings.Join(sys.GatewayURLs, " ") != "https://10.0.2.101:7002" ||
		sys.DockerRegistry != "http://10.0.2.103:7004" || sys.KMSThreshold != nil {
		t.Fatalf("sys-config %+v", sys)
	}

	th := base
	hostNodes := []string{"https://127.0.0.1:7101", "https://127.0.0.1:7102", "https://127.0.0.1:7103"}
	th.threshold = &hostinput.ThresholdKMS{URLs: slices.Clone(hostNodes)}
	guest, f, err = th.forwarded()
	if err != nil {
		t.Fatal(err)
	}
	netdev = f.netdev([]string{"relay"}) + ","
	for _, w := range []string{fwd("10.0.2.110", 7101), fwd("10.0.2.111", 7102), fwd("10.0.2.112", 7103), fwd(guestGateway, 7002), fwd(guestChain, 7003), fwd(guestRegistry, 7004)} {
		if !strings.Contains(netdev, w) {
			t.Errorf("netdev %q lacks %q", netdev, w)
		}
	}
	if strings.Contains(netdev, "7001") || len(f.list) != 6 {
		t.Fatalf("with a threshold KMS, the stack's KMS is still forwarded: %q", netdev)
	}
	sys = sysConfig(t, guest)
	if len(sys.KMSURLs) != 0 || sys.KMSThreshold == nil ||
		strings.Join(sys.KMSThreshold.URLs, " ") != "https://10.0.2.110:7101 https://10.0.2.111:7102 https://10.0.2.112:7103" {
		t.Fatalf("sys-config kms_urls %q, kms_threshold %+v", sys.KMSURLs, sys.KMSThreshold)
	}
	if !slices.Equal(th.threshold.URLs, hostNodes) {
		t.Fatalf("the stack's node URLs changed to %q", th.threshold.URLs)
	}

	for name, edit := range map[string]func(c *vmConfigVM){
		"a node off loopback": func(c *vmConfigVM) {
			c.threshold = &hostinput.ThresholdKMS{URLs: []string{"https://127.0.0.1:7101", "https://10.1.2.3:7102"}}
		},
		"a node without a port": func(c *vmConfigVM) { c.threshold = &hostinput.ThresholdKMS{URLs: []string{"https://127.0.0.1"}} },
		"too many nodes": func(c *vmConfigVM) {
			c.threshold = &hostinput.ThresholdKMS{URLs: slices.Repeat([]string{"https://127.0.0.1:7101"}, maxKMSNodes+1)}
		},
		"the KMS off loopback":     func(c *vmConfigVM) { c.kmsURL = "https://localhost:7001" },
		"the gateway off loopback": func(c *vmConfigVM) { c.gatewayURL = "https://192.168.1.1:7002" },
		"the chain off loopback":   func(c *vmConfigVM) { c.chainRPC = "http://[::1]:7003" },
		"the registry's port":      func(c *vmConfigVM) { c.registry = "127.0.0.1:x" },
	} {
		c := base
		edit(&c)
		if _, _, err := c.forwarded(); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
