package test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/transact"
	"github.com/dstack-go/dstack/guestos/containers"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/image"
	"github.com/dstack-go/dstack/internal/devstack"
	"github.com/dstack-go/dstack/tee/identity"
)

// TestMain lets this test binary serve as the stdio-to-TCP forwarder qemu's
// guestfwd runs for each connection the guest opens, where the dev stacks
// of these tests cannot build the small one.
func TestMain(m *testing.M) {
	devstack.RunForwarder(os.Args)
	os.Exit(m.Run())
}

// TestVMBoot builds the guest image (a development image: simulated TEE),
// starts the dev stack on loopback and an image registry, and boots the
// image under qemu with TCG through the image's own firmware (its OVMF loads
// the kernel, initrd and command line, as upstream's VMM boots an image):
// user networking with restrict=on, the KMS, the
// chain, the gateway and the registry forwarded into the guest, a raw data
// disk and the host-shared files over 9p. The guest reaches system-ready
// with its LUKS2 data disk, pulls the app's image through the registry
// mirror the sys-config names, and runs the compose app as a container,
// which answers through qemu's port forwarding and writes a marker to its
// volume; the ACPI power button powers the VM off cleanly, and the disk
// image holds no plaintext of the marker. The guest tells the host its
// instance info over the host API (forwarded too); booted again on the same
// disk with that instance info as .instance_info, as upstream's VMM does,
// the guest opens the disk, runs the image it cached there without pulling
// it again, the app finds its data and the instance id is the same; with
// another instance id seed (so another disk key) the guest halts with the
// reason and the disk is unchanged.
func TestVMBoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the image and boots it under qemu")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	tmp := t.TempDir()

	img, err := image.Build(ctx, image.Options{Out: filepath.Join(tmp, "image"), Debug: true, InsecureSimulatedTEE: true, Log: testWriter{t}})
	if err != nil {
		t.Fatalf("building the image: %v", err)
	}
	var meta image.Metadata
	if b, err := os.ReadFile(filepath.Join(img.Dir, image.MetadataFile)); err != nil || json.Unmarshal(b, &meta) != nil {
		t.Fatalf("reading metadata.json: %v", err)
	}

	ready := make(chan devstack.State, 1)
	upErr := make(chan error, 1)
	go func() {
		upErr <- devstack.Up(ctx, devstack.Options{Dir: filepath.Join(tmp, "dev"), Listen: "127.0.0.1:0", InsecureBuiltinApp: true, Ready: ready})
	}()
	var st devstack.State
	select {
	case st = <-ready:
	case err := <-upErr:
		t.Fatalf("dev stack: %v", err)
	}
	t.Cleanup(func() { cancel(); <-upErr })

	// The app: its image on a registry on loopback, which the guest
	// reaches as its registry mirror; its compose hash allowed on chain.
	regPort, digest := vmAppRegistry(t)
	m := make([]byte, 16)
	_, _ = rand.Read(m)
	marker := "marker-" + hex.EncodeToString(m)
	compose := vmAppCompose(t, "registry.dstack.internal/test/vmapp@"+digest, marker)
	allowCompose(ctx, t, st, compose)

	port := func(u string) string {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return p.Port()
	}
	kmsPort, chainPort, gwPort := port(st.KMSURL), port(st.ChainRPC), port(st.GatewayRegistration)
	host := startHostAPI(t)
	// The host-shared files name the forwarded addresses. As upstream's
	// VMM, the host first gives only the app id, keeps the instance info
	// the guest notifies, and gives it back at the next boot, so that the
	// instance id (and the disk key derived from it) stays the same.
	shared := filepath.Join(tmp, "shared")
	if err := os.MkdirAll(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	sys, _ := json.Marshal(map[string]any{
		"kms_urls": []string{"https://10.0.2.100:" + kmsPort}, "gateway_urls": []string{"https://10.0.2.101:" + gwPort}, "vm_config": st.VMConfig,
		"docker_registry": "http://10.0.2.103:" + regPort, "host_api_url": "http://10.0.2.104:" + host.port + "/api",
		"dstack_go_guest": hostinput.GuestSettings{
			ChainRPC: "http://10.0.2.102:" + chainPort, ChainID: st.ChainID, KmsContract: st.KmsContract, DataDevice: "/dev/vda",
			InsecureSimulatedTEE: &hostinput.SimulatedTEE{Seed: st.InsecureSimulatedTEESeed},
		},
	})
	writeInstanceInfo := func(info []byte) {
		if err := os.WriteFile(filepath.Join(shared, hostinput.InstanceInfoFile), info, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	appOnly, _ := json.Marshal(map[string]string{"app_id": st.AppID})
	writeInstanceInfo(appOnly)
	for name, b := range map[string][]byte{hostinput.AppComposeFile: compose, hostinput.SysConfigFile: sys} {
		if err := os.WriteFile(filepath.Join(shared, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	appID, err := hex.DecodeString(strings.TrimPrefix(st.AppID, "0x"))
	if err != nil || len(appID) != 20 {
		t.Fatalf("app id %q: %v", st.AppID, err)
	}

	disk := filepath.Join(tmp, "data.img")
	if err := os.WriteFile(disk, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(disk, 256<<20); err != nil {
		t.Fatal(err)
	}
	// qemu runs the forwarder dev up --vm runs, for each connection.
	forwarder, err := devstack.BuildForwarder(ctx, tmp)
	if err != nil {
		t.Fatal(err)
	}
	fwd := func(guest, hostPort string) string {
		return fmt.Sprintf(",guestfwd=tcp:%s:%s-cmd:%s 127.0.0.1:%s", guest, hostPort, forwarder, hostPort)
	}
	appPort := freePort(t)
	spec := vmSpec{
		bios: filepath.Join(img.Dir, meta.BIOS), kernel: filepath.Join(img.Dir, meta.Kernel), initrd: filepath.Join(img.Dir, meta.Initrd), disk: disk, shared: shared,
		netdev: "user,id=n0,restrict=on" + fwd("10.0.2.100", kmsPort) + fwd("10.0.2.101", gwPort) + fwd("10.0.2.102", chainPort) +
			fwd("10.0.2.103", regPort) + fwd("10.0.2.104", host.port) + fmt.Sprintf(",hostfwd=tcp:127.0.0.1:%d-:8080", appPort),
		cmdline: meta.Cmdline,
	}
	appURL := fmt.Sprintf("http://127.0.0.1:%d/", appPort)

	// First boot: formats the disk, pulls the image, runs the container,
	// and tells the host its instance info.
	vm := bootVM(ctx, t, spec, img)
	answer := vm.waitApp(t, appURL)
	notified := host.instanceInfo(t)
	info, err := hostinput.ParseInstanceInfo(notified)
	if err != nil {
		t.Fatal(err)
	}
	if id := identity.InstanceID(info.InstanceIDSeed, [20]byte(appID), nil); !bytes.Equal(info.InstanceID, id[:]) || !bytes.Equal(info.AppID, appID) {
		t.Fatalf("the guest notified instance info %s, which its seed does not give", notified)
	}
	want := func(starts int) string {
		return fmt.Sprintf("instance_id %x\nmarker %s\nstarts %d\n", info.InstanceID, marker, starts)
	}
	if answer != want(1) {
		t.Fatalf("the app in the VM answered %q, want %q", answer, want(1))
	}
	vm.powerButton(t)
	checkDiskSealed(t, disk, marker)

	// Second boot, with the instance info the host kept: the same disk
	// opens, the app finds its data, the instance id is the same.
	writeInstanceInfo(notified)
	vm = bootVM(ctx, t, spec, img)
	if answer := vm.waitApp(t, appURL); answer != want(2) {
		t.Fatalf("after a reboot the app answered %q, want %q", answer, want(2))
	}
	if log := vm.log.String(); strings.Contains(log, "formatting it") || !strings.Contains(log, "opened the LUKS2 data disk") {
		t.Fatal("the second boot did not open the existing data disk")
	} else if strings.Contains(log, `"msg":"pulled image"`) || !strings.Contains(log, `"msg":"image from the cache"`) {
		t.Fatal("the second boot pulled the app's image again rather than running it from the data disk's cache")
	}
	vm.powerButton(t)

	// Another instance id seed means another disk key: the guest halts
	// with the reason, and writes nothing.
	before := sha256.Sum256(mustReadFile(t, disk))
	other := make([]byte, 20)
	_, _ = rand.Read(other)
	otherInfo, _ := json.Marshal(map[string]string{"app_id": st.AppID, "instance_id_seed": hex.EncodeToString(other)})
	writeInstanceInfo(otherInfo)
	vm = bootVM(ctx, t, spec, img)
	select {
	case <-vm.exited:
	case <-time.After(5 * time.Minute):
		t.Fatal("the guest did not halt on a disk its key does not open")
	}
	if log := vm.log.String(); !strings.Contains(log, "HALTING") || !strings.Contains(log, "passphrase does not open") {
		t.Fatalf("the guest did not halt with the reason:\n%s", log)
	}
	if sha256.Sum256(mustReadFile(t, disk)) != before {
		t.Fatal("a boot whose key does not open the disk changed it")
	}
}

// vmAppRegistry builds test/testdata/vmapp into a one-layer image and
// serves it on a registry on loopback under
// registry.dstack.internal/test/vmapp, as a mirror names it; it returns
// the registry's port and the image's digest.
func vmAppRegistry(t *testing.T) (string, string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vmapp")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./test/testdata/vmapp")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	appImg, err := containers.SingleLayerImage([]containers.LayerFile{
		{Name: "bin/", Mode: 0o755}, {Name: "bin/vmapp", Mode: 0o755, Body: prog}, {Name: "data/", Mode: 0o755}, {Name: "tmp/", Mode: 0o1777},
	}, v1.Config{Entrypoint: []string{"/bin/vmapp"}, Env: []string{"PATH=/bin"}, WorkingDir: "/"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	ref, err := name.ParseReference(ln.Addr().String()+"/registry.dstack.internal/test/vmapp:latest", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, appImg); err != nil {
		t.Fatal(err)
	}
	d, err := appImg.Digest()
	if err != nil {
		t.Fatal(err)
	}
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p, d.String()
}

// vmAppCompose is the app-compose.json of the VM's app: image, marker in
// its environment, a named volume at /data, the agent socket, port 8080.
func vmAppCompose(t *testing.T, img, marker string) []byte {
	t.Helper()
	dc := fmt.Sprintf(`services:
  app:
    image: %s
    environment:
      PORT: "8080"
      MARKER: %s
    volumes:
      - data:/data
      - /var/run/dstack.sock:/var/run/dstack.sock
    ports:
      - "8080:8080"
volumes:
  data: {}
`, img, marker)
	b, err := identity.CanonicalJSONOf(map[string]any{
		"manifest_version": 2, "name": "vmapp", "runner": "docker-compose", "docker_compose_file": dc,
		"kms_enabled": true, "gateway_enabled": false, "public_logs": true, "public_sysinfo": true, "no_instance_id": false,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// allowCompose adds the compose hash of compose to the stack's app.
func allowCompose(ctx context.Context, t *testing.T, st devstack.State, compose []byte) {
	t.Helper()
	s, err := transact.Dial(ctx, st.ChainRPC, devstack.AccountKey(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Client.Close()
	if _, err := s.Send(ctx, common.HexToAddress(st.AppApp), dstackapp.NewDstackApp().PackAddComposeHash(identity.ComposeHash(compose)), "add-compose-hash"); err != nil {
		t.Fatalf("allowing the compose hash: %v", err)
	}
}

// vmSpec is what bootVM boots.
type vmSpec struct {
	bios, kernel, initrd, disk, shared, netdev, cmdline string
}

// runningVM is a qemu process and its console.
type runningVM struct {
	start   time.Time
	log     *lockedLog
	exited  chan error
	monitor string
}

// bootVM starts qemu on spec and waits for system-ready; the VM is killed
// at the end of the test, and its console logged when the test failed.
func bootVM(ctx context.Context, t *testing.T, spec vmSpec, img *image.Result) *runningVM {
	t.Helper()
	monitor := filepath.Join(t.TempDir(), "monitor.sock")
	// One vCPU: with two, multi-threaded TCG can race the kernel's live
	// code patching (an int3 oops, seen under load here).
	qemu := exec.CommandContext(ctx, "qemu-system-x86_64", "-machine", "q35", "-m", "1024", "-smp", "1", "-nographic", "-no-reboot",
		"-chardev", "socket,id=mon,path="+monitor+",server=on,wait=off", "-mon", "chardev=mon,mode=readline",
		"-accel", "tcg", "-cpu", "max", "-bios", spec.bios, "-kernel", spec.kernel, "-initrd", spec.initrd,
		"-append", spec.cmdline, "-netdev", spec.netdev, "-device", "virtio-net-pci,netdev=n0,romfile=",
		"-drive", "file="+spec.disk+",format=raw,if=virtio",
		"-virtfs", "local,path="+spec.shared+",mount_tag=host-shared,security_model=none,readonly=on")
	console, err := qemu.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	qemu.Stderr = qemu.Stdout
	vm := &runningVM{start: time.Now(), log: &lockedLog{}, exited: make(chan error, 1), monitor: monitor}
	if err := qemu.Start(); err != nil {
		t.Fatal(err)
	}
	sysReady := make(chan time.Duration, 1)
	go func() {
		sc := bufio.NewScanner(console)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			vm.log.add(line)
			if strings.Contains(line, `"msg":"system ready"`) {
				sysReady <- time.Since(vm.start)
			}
		}
		vm.exited <- qemu.Wait()
	}()
	t.Cleanup(func() {
		_ = qemu.Process.Kill()
		if t.Failed() {
			t.Logf("guest console:\n%s", vm.log.String())
		}
	})
	select {
	case d := <-sysReady:
		t.Logf("FIGURE qemu (TCG) boot through OVMF to system-ready: %s (image: kernel %d bytes, initramfs %d bytes)", d.Round(100*time.Millisecond), img.KernelSize, img.InitrdSize)
	case err := <-vm.exited:
		vm.exited <- err
	case <-time.After(5 * time.Minute):
		t.Fatal("no system-ready within 5 minutes")
	}
	return vm
}

// waitApp waits until the app answers 200 at u and returns the answer.
func (vm *runningVM) waitApp(t *testing.T, u string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := client.Get(u)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the app in the VM answered %d %q", resp.StatusCode, body)
			}
			t.Logf("FIGURE qemu (TCG) boot through OVMF to the app's container answering: %s", time.Since(vm.start).Round(100*time.Millisecond))
			return string(body)
		}
		select {
		case err := <-vm.exited:
			t.Fatalf("the VM stopped before the app answered: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app in the VM did not answer: %v", err)
		}
	}
}

// powerButton presses the ACPI power button (qemu's system_powerdown):
// the guest stops the app, closes the disk and powers off, and qemu exits
// on its own.
func (vm *runningVM) powerButton(t *testing.T) {
	t.Helper()
	mon, err := net.Dial("unix", vm.monitor)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	if _, err := io.WriteString(mon, "system_powerdown\n"); err != nil {
		t.Fatal(err)
	}
	pressed := time.Now()
	select {
	case err := <-vm.exited:
		if err != nil {
			t.Fatalf("qemu: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the VM did not power off within 2 minutes of the power button")
	}
	log := vm.log.String()
	if !strings.Contains(log, "power failure: stopping the app") || !strings.Contains(log, "dstack-init: powering off") || strings.Contains(log, "HALTING") {
		t.Fatal("the VM did not power off cleanly on the power button")
	}
	t.Logf("powered off %s after the power button", time.Since(pressed).Round(100*time.Millisecond))
}

// hostAPI is the host's side of the host API on loopback: it keeps the
// instance info the guest notifies, as upstream's VMM does.
type hostAPI struct {
	port string
	mu   sync.Mutex
	info []byte
}

func startHostAPI(t *testing.T) *hostAPI {
	t.Helper()
	h := &hostAPI{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/Notify", func(w http.ResponseWriter, r *http.Request) {
		var n struct{ Event, Payload string }
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&n); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if n.Event == "instance.info" {
			h.mu.Lock()
			h.info = []byte(n.Payload)
			h.mu.Unlock()
		}
		_, _ = io.WriteString(w, "{}")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	_, h.port, _ = net.SplitHostPort(ln.Addr().String())
	return h
}

func (h *hostAPI) instanceInfo(t *testing.T) []byte {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.info == nil {
		t.Fatal("the guest did not notify its instance info")
	}
	return h.info
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lockedLog is the guest's console, read while qemu writes it.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(line + "\n")
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
