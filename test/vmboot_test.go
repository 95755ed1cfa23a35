package test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
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

	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/image"
	"github.com/dstack-go/dstack/internal/devstack"
)

// TestMain lets this test binary serve as the stdio-to-TCP forwarder qemu's
// guestfwd runs for each connection the guest opens.
func TestMain(m *testing.M) {
	devstack.RunForwarder(os.Args)
	os.Exit(m.Run())
}

// TestVMBoot builds the guest image (a development image: simulated TEE),
// starts the dev stack on loopback, and boots the image under qemu with
// TCG: user networking with restrict=on, the KMS, the chain and the
// gateway forwarded into the guest, a raw data disk and the host-shared
// files over 9p. The guest reaches system-ready with its LUKS2 data disk
// and the app answers through qemu's port forwarding.
func TestVMBoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the image and boots it under qemu")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
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

	// The host-shared files name the forwarded addresses.
	port := func(u string) string {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return p.Port()
	}
	kmsPort, chainPort, gwPort := port(st.KMSURL), port(st.ChainRPC), port(st.GatewayRegistration)
	shared := filepath.Join(tmp, "shared")
	if err := os.MkdirAll(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile(filepath.Join(st.Instances[0].Dir, "host-shared", hostinput.AppComposeFile))
	if err != nil {
		t.Fatal(err)
	}
	sys, _ := json.Marshal(map[string]any{
		"kms_urls": []string{"https://10.0.2.100:" + kmsPort}, "gateway_urls": []string{"https://10.0.2.101:" + gwPort}, "vm_config": st.VMConfig,
	})
	info, _ := json.Marshal(map[string]string{"app_id": st.AppID})
	for name, b := range map[string][]byte{hostinput.AppComposeFile: compose, hostinput.SysConfigFile: sys, hostinput.InstanceInfoFile: info} {
		if err := os.WriteFile(filepath.Join(shared, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	disk := filepath.Join(tmp, "data.img")
	if err := os.WriteFile(disk, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(disk, 256<<20); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fwd := func(guest, hostPort string) string {
		return fmt.Sprintf(",guestfwd=tcp:%s:%s-cmd:%s %s 127.0.0.1:%s", guest, hostPort, self, devstack.ForwardArg, hostPort)
	}
	appPort := freePort(t)
	netdev := "user,id=n0,restrict=on" + fwd("10.0.2.100", kmsPort) + fwd("10.0.2.101", gwPort) + fwd("10.0.2.102", chainPort) +
		fmt.Sprintf(",hostfwd=tcp:127.0.0.1:%d-:8080", appPort)
	cmdline := meta.Cmdline + fmt.Sprintf(" dstack.chain_rpc=http://10.0.2.102:%s dstack.chain_id=%d dstack.kms_contract=%s dstack.insecure_tee_seed=%s dstack.insecure_demo_app=0.0.0.0:8080 dstack.data_device=/dev/vda",
		chainPort, st.ChainID, st.KmsContract, st.InsecureSimulatedTEESeed)
	monitor := filepath.Join(tmp, "monitor.sock")
	qemu := exec.CommandContext(ctx, "qemu-system-x86_64", "-machine", "q35", "-m", "1024", "-smp", "2", "-nographic", "-no-reboot",
		"-chardev", "socket,id=mon,path="+monitor+",server=on,wait=off", "-mon", "chardev=mon,mode=readline",
		"-accel", "tcg", "-cpu", "max", "-kernel", filepath.Join(img.Dir, image.KernelFile), "-initrd", filepath.Join(img.Dir, image.InitrdFile),
		"-append", cmdline, "-netdev", netdev, "-device", "virtio-net-pci,netdev=n0,romfile=",
		"-drive", "file="+disk+",format=raw,if=virtio",
		"-virtfs", "local,path="+shared+",mount_tag=host-shared,security_model=none,readonly=on")
	console, err := qemu.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	qemu.Stderr = qemu.Stdout
	start := time.Now()
	if err := qemu.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	sysReady := make(chan time.Duration, 1)
	var log lockedLog
	go func() {
		sc := bufio.NewScanner(console)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			log.add(line)
			if strings.Contains(line, `"msg":"system ready"`) {
				sysReady <- time.Since(start)
			}
		}
		exited <- qemu.Wait()
	}()
	defer func() {
		_ = qemu.Process.Kill()
		if t.Failed() {
			t.Logf("guest console:\n%s", log.String())
		}
	}()
	select {
	case d := <-sysReady:
		t.Logf("FIGURE qemu (TCG) boot to system-ready: %s (image: kernel %d bytes, initramfs %d bytes)", d.Round(100*time.Millisecond), img.KernelSize, img.InitrdSize)
	case err := <-exited:
		t.Fatalf("the VM stopped before system-ready: %v", err)
	case <-time.After(5 * time.Minute):
		t.Fatal("no system-ready within 5 minutes")
	}
	// The app inside the VM answers through qemu's host forward.
	// (Its certificate is the app's RA-TLS one; what is checked here is
	// that the VM serves it through the forward.)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/", appPort))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "app_id "+st.AppID) {
				t.Logf("the app answered %s after start", time.Since(start).Round(100*time.Millisecond))
				break
			}
			t.Fatalf("unexpected answer from the VM: %d %q", resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app in the VM did not answer: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Ctrl-Alt-Del (SIGINT to PID 1) stops the app, closes the disk and
	// powers off: qemu exits on its own.
	mon, err := net.Dial("unix", monitor)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	if _, err := io.WriteString(mon, "sendkey ctrl-alt-delete\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("qemu: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the VM did not power off within 2 minutes of Ctrl-Alt-Del")
	}
	if !strings.Contains(log.String(), "dstack-init: powering off") || strings.Contains(log.String(), "HALTING") {
		t.Fatal("the VM did not power off cleanly")
	}
	// The host sees only ciphertext of the data disk.
	raw, err := os.ReadFile(disk)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw[:6]), "LUKS\xba\xbe") {
		t.Fatal("the data disk has no LUKS2 header")
	}
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
