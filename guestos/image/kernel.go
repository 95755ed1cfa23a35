package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/ulikunitz/xz"
)

// Requirement is a kernel configuration option the guest needs. The option
// must be built in (=y), or built as a module (=m) that the kernel package
// ships: the module and everything it depends on then go into the
// initramfs, and dstack-init loads them.
type Requirement struct {
	// Option is the Kconfig symbol without its CONFIG_ prefix.
	Option string
	// Module is the module that provides the option when it is =m, as
	// modules.dep names it without directory and suffix ("" for an option
	// that cannot be a module).
	Module string
	// Why says what the guest uses it for.
	Why string
}

// Requirements lists what the guest kernel must provide.
var Requirements = []Requirement{
	{"INTEL_TDX_GUEST", "", "runs as an Intel TDX guest (TDCALLs, private memory)"},
	{"TDX_GUEST_DRIVER", "tdx_guest", "TDX quotes and RTMR extension (/dev/tdx_guest)"},
	{"TSM_REPORTS", "tsm", "configfs-tsm quote interface (/sys/kernel/config/tsm/report)"},
	{"CONFIGFS_FS", "configfs", "configfs, where configfs-tsm lives"},
	{"VIRTIO_PCI", "virtio_pci", "virtio devices on PCI"},
	{"VIRTIO_BLK", "virtio_blk", "the data disk"},
	{"VIRTIO_NET", "virtio_net", "the network"},
	{"HW_RANDOM_VIRTIO", "virtio_rng", "entropy from the host's virtio-rng"},
	{"VSOCKETS", "vsock", "vsock sockets to the host"},
	{"VIRTIO_VSOCKETS", "vmw_vsock_virtio_transport", "vsock over virtio"},
	{"NET_9P_VIRTIO", "9pnet_virtio", "host-shared files over 9p"},
	{"9P_FS", "9p", "host-shared files over 9p"},
	{"BLK_DEV_DM", "dm_mod", "device mapper, under dm-crypt"},
	{"DM_CRYPT", "dm_crypt", "the encrypted data disk"},
	{"CRYPTO_XTS", "xts", "aes-xts-plain64, the data disk's cipher"},
	{"CRYPTO_AES", "aes_generic", "AES for dm-crypt"},
	{"CRYPTO_AES_NI_INTEL", "aesni_intel", "AES-NI for dm-crypt's aes-xts-plain64, which the crypto API prefers to aes_generic once loaded: constant-time, unlike aes_generic's lookup tables, whose cache footprint a host sharing the CPU could observe; not loaded on a CPU without AES-NI"},
	{"EXT4_FS", "ext4", "the data disk's filesystem"},
	{"CRYPTO_CRC32C", "crc32c_generic", "ext4's checksums (a soft dependency: without modprobe, mounting fails with \"Cannot load crc32c driver\")"},
	{"OVERLAY_FS", "overlay", "container root filesystems"},
	{"CGROUPS", "", "control groups (cgroup2) for containers"},
	{"MEMCG", "", "memory control group for containers (mem_limit)"},
	{"CGROUP_PIDS", "", "pids control group for containers (pids limit)"},
	{"CGROUP_SCHED", "", "cpu control group for containers (cpus)"},
	{"CFS_BANDWIDTH", "", "CPU quotas of the cpu control group (cpus)"},
	{"CGROUP_BPF", "", "the containers' device rules, which cgroup2 enforces with eBPF"},
	{"BPF_SYSCALL", "", "loading the device rules' eBPF programs"},
	{"NAMESPACES", "", "container namespaces"},
	{"PID_NS", "", "each container's own PID namespace"},
	{"IPC_NS", "", "each container's own IPC namespace"},
	{"UTS_NS", "", "each container's own host name"},
	{"POSIX_MQUEUE", "", "the mqueue filesystem mounted in each container"},
	{"UNIX98_PTYS", "", "the devpts filesystem mounted in each container"},
	{"ACPI_BUTTON", "button", "the ACPI power button (qemu's system_powerdown): a clean power-off"},
	{"INPUT_EVDEV", "evdev", "/dev/input/event*, where PID 1 reads the power button"},
	{"DEVTMPFS", "", "/dev"},
	{"TMPFS", "", "/run and /tmp"},
	{"BLK_DEV_INITRD", "", "booting from the initramfs"},
	{"RD_GZIP", "", "the gzip-compressed initramfs"},
	{"SERIAL_8250_CONSOLE", "", "the console on ttyS0"},
	{"UNIX", "", "the agent's Unix socket"},
	{"INET", "", "TCP/IP"},
}

// TDXOptions are the options only a TDX host needs: a kernel without them
// boots under qemu's TCG, where the TEE is simulated, and nowhere else.
var TDXOptions = []string{"INTEL_TDX_GUEST", "TDX_GUEST_DRIVER", "TSM_REPORTS"}

// kernel is what a build takes from the kernel package.
type kernel struct {
	release string            // the directory name under /lib/modules
	image   []byte            // the bzImage
	config  map[string]string // CONFIG_X without prefix → y, m, or a value
	modules []module          // needed modules, in load order, uncompressed
	missing []string          // accepted missing options
}

type module struct {
	path string // relative to lib/modules/<release>, ending in .ko
	data []byte
}

// parseConfig reads a kernel .config: "CONFIG_X=v" lines; "# CONFIG_X is
// not set" and other comments are absent options.
func parseConfig(b []byte) (map[string]string, error) {
	cfg := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(k, "CONFIG_") || len(k) == len("CONFIG_") {
			return nil, fmt.Errorf("reading kernel config: line %d is not CONFIG_X=value: %q", n, line)
		}
		cfg[strings.TrimPrefix(k, "CONFIG_")] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading kernel config: %w", err)
	}
	return cfg, nil
}

// moduleName is the kernel's name for the module file p.
func moduleName(p string) string {
	b := path.Base(p)
	if i := strings.Index(b, ".ko"); i >= 0 {
		b = b[:i]
	}
	return strings.ReplaceAll(b, "-", "_")
}

// loadOrder returns the modules to load for the root modules, each after
// everything it depends on, in a fixed order: roots as given, their
// dependencies by path. deps returns a module's direct dependencies.
func loadOrder(roots []string, deps func(string) ([]string, error)) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(m string, from string) error
	visit = func(m, from string) error {
		switch state[m] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("resolving kernel modules: %s depends on itself through %s", m, from)
		}
		ds, err := deps(m)
		if err != nil {
			return fmt.Errorf("resolving kernel modules: %s (needed by %s): %w", m, from, err)
		}
		state[m] = 1
		sorted := append([]string(nil), ds...)
		sort.Strings(sorted)
		for _, d := range sorted {
			if err := visit(d, m); err != nil {
				return err
			}
		}
		state[m] = 2
		order = append(order, m)
		return nil
	}
	for _, r := range roots {
		if err := visit(r, "the image"); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// checkConfig compares cfg with Requirements. It returns the module names
// to ship (for options that are =m), or an error listing every option
// neither built in nor a shipped module, except those in accept, which are
// returned as missing.
func checkConfig(cfg map[string]string, byName map[string]string, accept []string) (mods, missing []string, err error) {
	accepted := map[string]bool{}
	for _, a := range accept {
		accepted[strings.TrimPrefix(a, "CONFIG_")] = true
	}
	var problems []string
	for _, r := range Requirements {
		v := cfg[r.Option]
		switch {
		case v == "y":
			continue
		case v == "m" && r.Module != "" && byName[r.Module] != "":
			mods = append(mods, byName[r.Module])
			continue
		case accepted[r.Option]:
			missing = append(missing, r.Option)
			continue
		}
		what := "not set"
		switch {
		case v == "m" && r.Module == "":
			what = "=m, but must be built in"
		case v == "m":
			what = "=m, but the package ships no module " + r.Module
		case v != "":
			what = "=" + v
		}
		problems = append(problems, fmt.Sprintf("CONFIG_%s %s (%s)", r.Option, what, r.Why))
	}
	for a := range accepted {
		if !isRequirement(a) {
			return nil, nil, fmt.Errorf("checking the kernel config: --accept-missing names %s, which the guest does not require", a)
		}
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("checking the kernel config: the kernel lacks what the guest needs:\n  %s\npin a kernel that has them (a TCG-only test image may accept a missing TDX option explicitly)",
			strings.Join(problems, "\n  "))
	}
	return mods, missing, nil
}

func isRequirement(opt string) bool {
	for _, r := range Requirements {
		if r.Option == opt {
			return true
		}
	}
	return false
}

// readKernel takes the bzImage, its config and the needed modules from the
// kernel package at debPath, in one pass over the package.
func readKernel(debPath string, accept []string) (*kernel, error) {
	var (
		release       string
		image, config []byte
		kos           = map[string][]byte{} // path under modules dir → file bytes as shipped
	)
	err := walkDeb(debPath, func(h *tar.Header, r io.Reader) error {
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		name := h.Name
		switch {
		case strings.HasPrefix(name, "boot/vmlinuz-"):
			if image != nil {
				return fmt.Errorf("reading kernel package: two kernels (%s)", name)
			}
			release = strings.TrimPrefix(name, "boot/vmlinuz-")
			b, err := io.ReadAll(r)
			image = b
			return err
		case strings.HasPrefix(name, "boot/config-"):
			b, err := io.ReadAll(r)
			config = b
			return err
		case strings.HasPrefix(name, "lib/modules/") || strings.HasPrefix(name, "usr/lib/modules/"):
			rel := name[strings.Index(name, "modules/")+len("modules/"):]
			_, rel, _ = strings.Cut(rel, "/")
			if strings.Contains(path.Base(rel), ".ko") {
				b, err := io.ReadAll(r)
				kos[rel] = b
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case image == nil:
		return nil, fmt.Errorf("reading kernel package %s: no boot/vmlinuz-*", debPath)
	case config == nil:
		return nil, fmt.Errorf("reading kernel package %s: no boot/config-*", debPath)
	}
	cfg, err := parseConfig(config)
	if err != nil {
		return nil, err
	}
	// Debian's package ships no modules.dep (depmod writes it when the
	// package is installed): each module's dependencies come from its own
	// .modinfo, as depmod's do.
	byName := map[string]string{}
	for p := range kos {
		n := moduleName(p)
		if other, dup := byName[n]; dup {
			return nil, fmt.Errorf("reading kernel package: two modules named %s (%s, %s)", n, other, p)
		}
		byName[n] = p
	}
	roots, missing, err := checkConfig(cfg, byName, accept)
	if err != nil {
		return nil, err
	}
	plain := map[string]module{}
	deps := func(p string) ([]string, error) {
		raw, ok := kos[p]
		if !ok {
			return nil, errors.New("the package does not contain it")
		}
		data, name, err := decompressModule(p, raw)
		if err != nil {
			return nil, err
		}
		plain[p] = module{path: name, data: data}
		names, err := moduleDepends(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		var ps []string
		for _, n := range names {
			dp, ok := byName[n]
			if !ok {
				return nil, fmt.Errorf("depends on %s, which the package does not ship", n)
			}
			ps = append(ps, dp)
		}
		return ps, nil
	}
	order, err := loadOrder(roots, deps)
	if err != nil {
		return nil, err
	}
	k := &kernel{release: release, image: image, config: cfg, missing: missing}
	for _, p := range order {
		k.modules = append(k.modules, plain[p])
	}
	return k, nil
}

// moduleDepends returns the "depends=" names of a module's .modinfo
// section (NUL-separated key=value strings).
func moduleDepends(ko []byte) ([]string, error) {
	f, err := elf.NewFile(bytes.NewReader(ko))
	if err != nil {
		return nil, fmt.Errorf("reading module: %w", err)
	}
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, errors.New("reading module: no .modinfo section")
	}
	info, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("reading module: .modinfo: %w", err)
	}
	var deps []string
	for _, kv := range bytes.Split(info, []byte{0}) {
		v, ok := bytes.CutPrefix(kv, []byte("depends="))
		if !ok {
			continue
		}
		for _, d := range strings.Split(string(v), ",") {
			if d = strings.TrimSpace(d); d != "" {
				deps = append(deps, strings.ReplaceAll(d, "-", "_"))
			}
		}
	}
	return deps, nil
}

// decompressModule returns the module file p uncompressed, with its name
// ending in .ko, so that dstack-init loads it with finit_module and no
// decompressor.
func decompressModule(p string, b []byte) ([]byte, string, error) {
	switch {
	case strings.HasSuffix(p, ".ko"):
		return b, p, nil
	case strings.HasSuffix(p, ".ko.xz"):
		r, err := xz.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, "", fmt.Errorf("decompressing kernel module %s: %w", p, err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			return nil, "", fmt.Errorf("decompressing kernel module %s: %w", p, err)
		}
		return out, strings.TrimSuffix(p, ".xz"), nil
	}
	return nil, "", fmt.Errorf("kernel module %s is compressed in a way this builder does not read (.ko or .ko.xz)", p)
}
