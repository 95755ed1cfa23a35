package devstack

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
)

// Guest addresses of the host services a VM reaches: qemu's user network
// (10.0.2.0/24, restrict=on) forwards each to the service on the host's
// loopback, and nothing else leaves the VM.
const (
	guestKMS      = "10.0.2.100"
	guestGateway  = "10.0.2.101"
	guestChain    = "10.0.2.102"
	guestRegistry = "10.0.2.103"
	// guestKMSNodeFirst is the last byte of the guest address of a
	// threshold KMS's first node (--kms-nodes): node i (from 0) is at
	// 10.0.2.(guestKMSNodeFirst+i), which leaves room for maxKMSNodes.
	// With a threshold KMS the guest reaches its nodes instead of the KMS.
	guestKMSNodeFirst = 110
)

// Guest ports the host reaches through qemu's host forwards (on
// 127.0.0.1 only): the agent (for the host-side socket) and the built-in
// demo served directly (--insecure-builtin-app). The demo container
// listens on guestDemoPort, which the tunnel reaches in the guest.
const (
	guestAgentPort = 8090
	guestAppPort   = 8080
	guestDemoPort  = 80
)

// VM files in a CVM's directory.
const (
	vmConsoleFile = "console.log"
	vmDiskFile    = "data.img"
	vmProcessFile = "qemu.json"
	vmMonitorFile = "mon.sock"
	// vmDiskSize is the data disk's size; the file is sparse.
	vmDiskSize = 256 << 20
	// vmStopGrace is how long a VM has to power off after Ctrl-Alt-Del
	// before its process group is killed.
	vmStopGrace = 30 * time.Second
)

// vmShapeConfig is the VM shape of the stack's VMs, as their vm_config
// states it (mock.DevImageVMShape: one vCPU, 2 GiB, QEMU's 9p host share):
// qemu runs that VM (vmShape), and the image's boot is measured for it.
func vmShapeConfig() identity.VMConfig {
	c := mock.DevImageVMShape
	c.Image = "dstack-go-dev"
	return c
}

// vmShape is the VM qemu runs: the vm_config's, so that the VM is the one
// its evidence describes.
func vmShape() (cpus int, memMiB uint64) {
	c := vmShapeConfig()
	return int(c.CPUCount), c.MemorySize >> 20
}

// vmConfigVM says how to boot one CVM as a VM.
type vmConfigVM struct {
	cvmConfig
	image       *vmImage
	kmsURL      string // on the host's loopback
	chainRPC    string
	chainID     uint64
	kmsContract string
	seed        string
	registry    string // the stack's registry on loopback, or ""
	forwarder   []string
	firmware    string // FirmwareDirect (or "") or FirmwareOVMF
}

// How qemu starts a VM's kernel (Options.VMFirmware).
const (
	// FirmwareDirect: qemu loads the kernel, initrd and command line
	// itself (-kernel on SeaBIOS).
	FirmwareDirect = "direct"
	// FirmwareOVMF: the image's OVMF loads them from qemu's fw_cfg (-bios
	// ovmf.fd -kernel), as upstream's VMM boots an image.
	FirmwareOVMF = "ovmf"
)

// firmwareArgs are qemu's arguments for the firmware of im.
func firmwareArgs(firmware string, im *vmImage) ([]string, error) {
	if firmware != FirmwareOVMF {
		return nil, nil
	}
	if im.meta.BIOS == "" {
		return nil, fmt.Errorf("the guest image in %s names no firmware (metadata.json's bios) to boot it with %s", im.dir, FirmwareOVMF)
	}
	return []string{"-bios", filepath.Join(im.dir, im.meta.BIOS)}, nil
}

// guestSettings are what the VM's guest reads from its host-shared
// sys-config: the chain (as the guest reaches it), the data disk, where
// its tunnel and agent listen, and the simulated TEE with the boot
// measurement of the image. The kernel command line stays the image's.
func (c vmConfigVM) guestSettings(chainPort, tunnelPort int) (*hostinput.GuestSettings, error) {
	boot, err := json.Marshal(c.image.boot)
	if err != nil {
		return nil, fmt.Errorf("encoding the boot measurement of the guest image: %w", err)
	}
	return &hostinput.GuestSettings{
		ChainRPC: fmt.Sprintf("http://%s:%d", guestChain, chainPort), ChainID: c.chainID, KmsContract: c.kmsContract,
		DataDevice: "/dev/vda", TunnelListen: fmt.Sprintf("0.0.0.0:%d", tunnelPort),
		InsecureSimulatedTEE: &hostinput.SimulatedTEE{Seed: c.seed, Boot: boot},
		InsecureAgentTCP:     fmt.Sprintf("0.0.0.0:%d", guestAgentPort),
	}, nil
}

// bootVM writes the VM's host-shared files and data disk, starts qemu and
// waits until the guest reports system-ready on its console.
func bootVM(ctx context.Context, c vmConfigVM) (_ *cvm, err error) {
	d := &cvm{dir: c.dir, socket: filepath.Join(c.dir, "dstack.sock")}
	var stops stopList
	d.stop = stops.run
	defer func() {
		if err != nil {
			d.stop()
		}
	}()
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	guest, fwds, err := c.forwarded()
	if err != nil {
		return nil, fmt.Errorf("booting %s: %w", filepath.Base(c.dir), err)
	}
	// The host keeps the instance's seed, as a VMM does, so that a
	// restarted instance has the same instance id.
	info, err := vmInstanceInfo(c.dir, c.appID, c.keepInstance)
	if err != nil {
		return nil, err
	}
	appID := [20]byte(c.appID)
	if compose, err := identity.ParseAppCompose(c.compose); err == nil && !compose.NoInstanceID {
		id := identity.InstanceID(info.InstanceIDSeed, appID, nil)
		d.instanceID = id[:]
	}
	d.appID, d.composeHash = appID, identity.ComposeHash(c.compose)
	var env map[string]string
	if c.demo {
		// The demo container listens on the guest's port 80, which the
		// tunnel relays the app's port 80 to: the VM is its own machine.
		env = map[string]string{"PORT": strconv.Itoa(guestDemoPort)}
	}
	tunnelPort, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	agentPort, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	// The VM's evidence claims the image it boots, whose measurement its
	// simulated TD reports.
	guest.vmConfig = c.image.vmConfig
	if guest.guestSettings, err = c.guestSettings(fwds.chainPort, tunnelPort); err != nil {
		return nil, err
	}
	var appPort int
	if c.builtin {
		// --insecure-builtin-app: the guest runs the built-in demo
		// instead of the compose app's containers, served directly
		// through a host forward.
		if appPort, err = freeLoopbackPort(); err != nil {
			return nil, err
		}
		guest.guestSettings.InsecureDemoApp = fmt.Sprintf("0.0.0.0:%d", guestAppPort)
		d.builtinAddr = fmt.Sprintf("127.0.0.1:%d", appPort)
	}
	shared, err := writeHostShared(filepath.Join(c.dir, "host-shared"), guest, env)
	if err != nil {
		return nil, err
	}
	infoJSON, _ := json.Marshal(map[string]string{"app_id": hex.EncodeToString(c.appID), "instance_id_seed": hex.EncodeToString(info.InstanceIDSeed)})
	if err := os.WriteFile(filepath.Join(shared, hostinput.InstanceInfoFile), infoJSON, 0o600); err != nil {
		return nil, err
	}
	disk := filepath.Join(c.dir, vmDiskFile)
	if _, err := os.Stat(disk); errors.Is(err, os.ErrNotExist) || !c.keepInstance {
		if err := os.WriteFile(disk, nil, 0o600); err != nil {
			return nil, err
		}
		if err := os.Truncate(disk, vmDiskSize); err != nil {
			return nil, err
		}
	}

	netdev := "user,id=n0,restrict=on" + fwds.netdev(c.forwarder)
	// The tunnel listens in the guest on the port the host forwards from,
	// so that the address the gateway derives from the registration (the
	// forwarder's loopback address and the tunnel's port) reaches it.
	netdev += fmt.Sprintf(",hostfwd=tcp:127.0.0.1:%d-:%d,hostfwd=tcp:127.0.0.1:%d-:%d", tunnelPort, tunnelPort, agentPort, guestAgentPort)
	if c.builtin {
		netdev += fmt.Sprintf(",hostfwd=tcp:127.0.0.1:%d-:%d", appPort, guestAppPort)
	}
	// The kernel command line is the image's, as its measurement names
	// it; the instance's settings are in the host-shared sys-config.
	cmdline := c.image.meta.Cmdline
	cpus, mem := vmShape()
	monitor := filepath.Join(c.dir, vmMonitorFile)
	_ = os.Remove(monitor)
	fw, err := firmwareArgs(c.firmware, c.image)
	if err != nil {
		return nil, err
	}
	args := append(fw,
		"-machine", "q35", "-accel", "tcg", "-cpu", "max", "-smp", strconv.Itoa(cpus), "-m", strconv.FormatUint(mem, 10),
		"-nographic", "-no-reboot",
		"-chardev", "socket,id=mon,path="+monitor+",server=on,wait=off", "-mon", "chardev=mon,mode=readline",
		"-kernel", filepath.Join(c.image.dir, c.image.meta.Kernel), "-initrd", filepath.Join(c.image.dir, c.image.meta.Initrd),
		"-append", cmdline,
		"-netdev", netdev, "-device", "virtio-net-pci,netdev=n0,romfile=",
		"-drive", "file="+disk+",format=raw,if=virtio",
		"-virtfs", "local,path="+shared+",mount_tag=host-shared,security_model=none,readonly=on",
	)
	vm, err := startQEMU(c.dir, args)
	if err != nil {
		return nil, err
	}
	stops = append(stops, vm.stop)
	d.wait = vm.wait
	d.vm = vm
	select {
	case <-vm.ready:
		d.bootTime = vm.bootTime
	case <-vm.exited:
		return nil, fmt.Errorf("booting %s: the VM stopped before system-ready (its console is %s):\n%s", filepath.Base(c.dir), vm.consolePath, vm.tail())
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(5 * time.Minute):
		return nil, fmt.Errorf("booting %s: no system-ready within 5 minutes (its console is %s):\n%s", filepath.Base(c.dir), vm.consolePath, vm.tail())
	}
	proxy, err := serveAgentProxy(d.socket, fmt.Sprintf("127.0.0.1:%d", agentPort))
	if err != nil {
		return nil, err
	}
	stops = append(stops, func() { proxy.Close() })
	d.tunnelAddr = fmt.Sprintf("127.0.0.1:%d", tunnelPort)
	return d, nil
}

// guestForward is one host service the guest reaches: qemu's guestfwd
// relays each connection the guest opens to ip:port to the service at
// 127.0.0.1:port on the host.
type guestForward struct {
	ip   string
	port int
}

// guestForwards are the forwards of one VM, and the chain's port among
// them (the guest's settings name it).
type guestForwards struct {
	list      []guestForward
	chainPort int
}

// netdev is the guestfwd options of the forwards, each relayed by
// forwarder with the host address appended.
func (f guestForwards) netdev(forwarder []string) string {
	var b strings.Builder
	for _, g := range f.list {
		fmt.Fprintf(&b, ",guestfwd=tcp:%s:%d-cmd:%s 127.0.0.1:%d", g.ip, g.port, strings.Join(forwarder, " "), g.port)
	}
	return b.String()
}

// forwarded is the CVM's configuration as the guest sees the host
// services, and the forwards that reach them: the gateway's registration,
// the chain, the stack's registry if any, and the KMS, or, with a
// threshold KMS, each of its nodes instead (the guest asks only them;
// its kms_urls is then empty). Every service must listen on the host's
// 127.0.0.1, where the forwards lead.
func (c vmConfigVM) forwarded() (cvmConfig, guestForwards, error) {
	guest := c.cvmConfig
	var f guestForwards
	add := func(what, u, ip string) (string, error) {
		port, err := loopbackPort(u)
		if err != nil {
			return "", fmt.Errorf("the %s's address %q: %w", what, u, err)
		}
		f.list = append(f.list, guestForward{ip: ip, port: port})
		return fmt.Sprintf("%s:%d", ip, port), nil
	}
	gw, err := add("gateway", c.gatewayURL, guestGateway)
	if err != nil {
		return cvmConfig{}, f, err
	}
	guest.gatewayURL = "https://" + gw
	if _, err := add("chain", c.chainRPC, guestChain); err != nil {
		return cvmConfig{}, f, err
	}
	f.chainPort = f.list[len(f.list)-1].port
	if c.threshold == nil {
		kms, err := add("KMS", c.kmsURL, guestKMS)
		if err != nil {
			return cvmConfig{}, f, err
		}
		guest.kmsURL = "https://" + kms
	} else {
		if len(c.threshold.URLs) > maxKMSNodes {
			return cvmConfig{}, f, fmt.Errorf("the threshold KMS has %d nodes; a VM reaches at most %d", len(c.threshold.URLs), maxKMSNodes)
		}
		t := *c.threshold
		t.URLs = nil
		for i, u := range c.threshold.URLs {
			node, err := add(fmt.Sprintf("threshold KMS node %d", i+1), u, fmt.Sprintf("10.0.2.%d", guestKMSNodeFirst+i))
			if err != nil {
				return cvmConfig{}, f, err
			}
			t.URLs = append(t.URLs, "https://"+node)
		}
		guest.threshold, guest.kmsURL = &t, ""
	}
	if c.registry != "" {
		// The stack's registry, as the guest's container runner pulls
		// from a mirror (plain HTTP: on the host's loopback, behind the
		// forward).
		reg, err := add("registry", "http://"+c.registry, guestRegistry)
		if err != nil {
			return cvmConfig{}, f, err
		}
		guest.dockerRegistry = "http://" + reg
	}
	return guest, f, nil
}

// loopbackPort is the port of u, a URL of a service on the host's
// 127.0.0.1.
func loopbackPort(u string) (int, error) {
	p, err := url.Parse(u)
	if err != nil {
		return 0, err
	}
	if p.Hostname() != "127.0.0.1" {
		return 0, errors.New("qemu forwards the guest's connections to 127.0.0.1 only")
	}
	port, err := strconv.Atoi(p.Port())
	if err != nil || port <= 0 || port > 65535 {
		return 0, fmt.Errorf("no port")
	}
	return port, nil
}

// vmInstanceInfo is the instance's app id and instance id seed: those the
// host kept from an earlier boot of the instance (keep), or a new seed.
func vmInstanceInfo(dir string, appID []byte, keep bool) (*hostinput.InstanceInfo, error) {
	path := filepath.Join(dir, hostInstanceInfo)
	if keep {
		if b, err := os.ReadFile(path); err == nil {
			if info, err := hostinput.ParseInstanceInfo(b); err == nil && len(info.InstanceIDSeed) > 0 {
				return info, nil
			}
		}
	}
	seed := make([]byte, 20)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	info := &hostinput.InstanceInfo{AppID: appID, InstanceIDSeed: seed}
	if err := os.WriteFile(path, info.Marshal(), 0o600); err != nil {
		return nil, err
	}
	return info, nil
}

// qemuVM is a running qemu, in a process group of its own (with the
// guestfwd forwarders it starts), recorded in the CVM's directory so that
// a later stack can end it when this one was killed.
type qemuVM struct {
	cmd         *exec.Cmd
	dir         string
	consolePath string
	ready       chan struct{} // closed at the guest's system-ready
	exited      chan struct{} // closed when qemu exited
	err         error         // qemu's exit, once exited
	bootTime    time.Duration // from start to system-ready

	mu   sync.Mutex
	last []string // the console's last lines
}

// startQEMU starts qemu-system-x86_64 with args, its console (the serial
// port) copied to console.log in dir and watched for system-ready.
func startQEMU(dir string, args []string) (*qemuVM, error) {
	vm := &qemuVM{dir: dir, consolePath: filepath.Join(dir, vmConsoleFile), ready: make(chan struct{}), exited: make(chan struct{})}
	console, err := os.Create(vm.consolePath)
	if err != nil {
		return nil, err
	}
	vm.cmd = exec.Command("qemu-system-x86_64", args...)
	// Its own process group, so that stopping it ends the forwarders it
	// started too; and killed with this process, however it ends.
	vm.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := vm.cmd.StdoutPipe()
	if err != nil {
		console.Close()
		return nil, err
	}
	vm.cmd.Stderr = vm.cmd.Stdout
	start := time.Now()
	if err := vm.cmd.Start(); err != nil {
		console.Close()
		return nil, fmt.Errorf("starting qemu: %w", err)
	}
	if p, err := processOf(vm.cmd.Process.Pid); err == nil {
		b, _ := json.Marshal(p)
		_ = os.WriteFile(filepath.Join(dir, vmProcessFile), b, 0o600)
	}
	go func() {
		defer console.Close()
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		readySeen := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(console, line)
			vm.mu.Lock()
			vm.last = append(vm.last, line)
			if len(vm.last) > 40 {
				vm.last = vm.last[1:]
			}
			vm.mu.Unlock()
			if !readySeen && strings.Contains(line, `"msg":"system ready"`) {
				readySeen = true
				vm.bootTime = time.Since(start)
				close(vm.ready)
			}
		}
		vm.err = vm.cmd.Wait()
		_ = os.Remove(filepath.Join(dir, vmProcessFile))
		close(vm.exited)
	}()
	return vm, nil
}

// tail is the console's last lines.
func (vm *qemuVM) tail() string {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return strings.Join(vm.last, "\n")
}

// wait waits for qemu to exit: a VM that powers off on its own is an app
// that exited.
func (vm *qemuVM) wait() error {
	<-vm.exited
	if vm.err != nil {
		return fmt.Errorf("the VM in %s stopped: %w (its console is %s)", vm.dir, vm.err, vm.consolePath)
	}
	return fmt.Errorf("the VM in %s powered off (its console is %s)", vm.dir, vm.consolePath)
}

// stop asks the guest to power off (Ctrl-Alt-Del: it stops the app,
// deregisters from the gateway and closes the data disk), and kills qemu's
// process group when it has not after vmStopGrace.
func (vm *qemuVM) stop() {
	select {
	case <-vm.exited:
		return
	default:
	}
	if mon, err := net.DialTimeout("unix", filepath.Join(vm.dir, vmMonitorFile), 2*time.Second); err == nil {
		_, _ = io.WriteString(mon, "sendkey ctrl-alt-delete\n")
		defer mon.Close()
		select {
		case <-vm.exited:
		case <-time.After(vmStopGrace):
		}
	}
	_ = syscall.Kill(-vm.cmd.Process.Pid, syscall.SIGKILL)
	<-vm.exited
}

// killLeftoverVM ends the qemu a killed stack left running in dir, if
// any: the process qemu.json names, when it is still that process.
func killLeftoverVM(dir string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, vmProcessFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var p Process
	if err := json.Unmarshal(b, &p); err != nil || !p.Running() {
		return false, os.Remove(filepath.Join(dir, vmProcessFile))
	}
	if err := syscall.Kill(-p.PID, syscall.SIGKILL); err != nil {
		return false, fmt.Errorf("ending the VM a stopped stack left (process %d): %w", p.PID, err)
	}
	for deadline := time.Now().Add(10 * time.Second); p.Running() && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
	}
	return true, os.Remove(filepath.Join(dir, vmProcessFile))
}

// agentProxy serves a unix socket on the host that relays to the guest
// agent's TCP port, so that the host reaches a VM's agent as it reaches a
// process-mode CVM's.
type agentProxy struct{ ln net.Listener }

func serveAgentProxy(socket, target string) (*agentProxy, error) {
	_ = os.Remove(socket)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return nil, fmt.Errorf("serving the VM's agent on %s: %w", socket, err)
	}
	if err := os.Chmod(socket, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	p := &agentProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.DialTimeout("tcp", target, 10*time.Second)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); _ = up.(*net.TCPConn).CloseWrite() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return p, nil
}

func (p *agentProxy) Close() {
	p.ln.Close()
	os.Remove(p.ln.Addr().String())
}
