package pid1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func init() {
	sinceBoot = func() string {
		var ts unix.Timespec
		if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
			return ""
		}
		return fmt.Sprintf(", at %.3fs", time.Duration(ts.Nano()).Seconds())
	}
}

// Mount is one filesystem PID 1 mounts.
type Mount struct {
	Source, Target, FSType string
	Flags                  uintptr
	Data                   string
}

// Mounts are the kernel filesystems a guest needs, in order.
var Mounts = []Mount{
	{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
	{"sysfs", "/sys", "sysfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
	{"devtmpfs", "/dev", "devtmpfs", unix.MS_NOSUID, "mode=0755"},
	{"devpts", "/dev/pts", "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"},
	{"tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
	{"tmpfs", "/run", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=0755"},
	{"tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
	{"cgroup2", "/sys/fs/cgroup", "cgroup2", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, "nsdelegate"},
}

// LateMounts are mounted once the modules are loaded: /sys/kernel/config
// exists only when configfs (a module in Debian's kernel) is loaded.
var LateMounts = []Mount{
	{"configfs", "/sys/kernel/config", "configfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
}

// MountAll mounts ms in order, creating their mount points (except under
// /sys, where the kernel makes them).
func MountAll(ms []Mount) error {
	for _, m := range ms {
		if strings.HasPrefix(m.Target, "/sys/") {
			if _, err := os.Stat(m.Target); err != nil {
				return fmt.Errorf("mounting %s: %w (is its module in the list?)", m.Target, err)
			}
		} else if err := os.MkdirAll(m.Target, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", m.Target, err)
		}
		if err := unix.Mount(m.Source, m.Target, m.FSType, m.Flags, m.Data); err != nil {
			return fmt.Errorf("mounting %s on %s: %w", m.FSType, m.Target, err)
		}
		if m.Target == "/run" {
			// /var/run is /run, where the agent's sockets live.
			if err := os.MkdirAll("/var", 0o755); err != nil {
				return err
			}
			if err := os.Symlink("/run", "/var/run"); err != nil && !errors.Is(err, os.ErrExist) {
				return fmt.Errorf("linking /var/run to /run: %w", err)
			}
		}
	}
	return nil
}

// FinitModule loads the kernel module at path; a module already loaded
// (or built in) is ErrModuleLoaded.
func FinitModule(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = unix.FinitModule(int(f.Fd()), "", 0)
	if errors.Is(err, unix.EEXIST) {
		return ErrModuleLoaded
	}
	if errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("%w: %w", ErrNoDevice, err)
	}
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("%w (ENOENT from finit_module means a symbol is missing: a dependency is not loaded yet)", err)
	}
	return err
}

// NetConfig is the guest's static network configuration.
type NetConfig struct {
	// Address is the interface's address with its prefix, default
	// 10.0.2.15/24 (qemu user networking).
	Address string
	// Gateway is the default route's gateway, default 10.0.2.2.
	Gateway string
	// Wait bounds how long the interface may take to appear after its
	// driver loaded; default 10 s.
	Wait time.Duration
}

// ConfigureNetwork brings up lo and the first other interface with cfg.
func ConfigureNetwork(ctx context.Context, cfg NetConfig) error {
	if cfg.Address == "" {
		cfg.Address = "10.0.2.15/24"
	}
	if cfg.Gateway == "" {
		cfg.Gateway = "10.0.2.2"
	}
	if cfg.Wait == 0 {
		cfg.Wait = 10 * time.Second
	}
	addr, err := netlink.ParseAddr(cfg.Address)
	if err != nil {
		return fmt.Errorf("address %q: %w", cfg.Address, err)
	}
	gw := net.ParseIP(cfg.Gateway)
	if gw == nil {
		return fmt.Errorf("gateway %q is not an IP address", cfg.Gateway)
	}
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("finding lo: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("bringing up lo: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Wait)
	defer cancel()
	var link netlink.Link
	for link == nil {
		links, err := netlink.LinkList()
		if err != nil {
			return fmt.Errorf("listing links: %w", err)
		}
		for _, l := range links {
			if l.Attrs().Flags&net.FlagLoopback == 0 && l.Type() == "device" {
				link = l
				break
			}
		}
		if link != nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no network interface appeared within %s (is virtio_net in the module list?)", cfg.Wait)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := netlink.AddrAdd(link, addr); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("adding %s to %s: %w", cfg.Address, link.Attrs().Name, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bringing up %s: %w", link.Attrs().Name, err)
	}
	if err := netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: gw}); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("adding the default route via %s: %w", cfg.Gateway, err)
	}
	return nil
}

// CopyHostShared mounts the host-shared 9p share (mount tag tag), copies
// the regular files of its top directory into dst (a tmpfs), each at most
// maxFile bytes, and unmounts it: as upstream, the guest keeps a private
// copy and the host cannot change the files afterwards.
func CopyHostShared(tag, dst string, maxFile int64) error {
	mnt := "/run/host-shared-mnt"
	if err := os.MkdirAll(mnt, 0o700); err != nil {
		return err
	}
	if err := unix.Mount(tag, mnt, "9p", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "trans=virtio,version=9p2000.L,msize=262144"); err != nil {
		return fmt.Errorf("mounting the 9p share %q: %w", tag, err)
	}
	defer unix.Unmount(mnt, 0)
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(mnt)
	if err != nil {
		return fmt.Errorf("listing the host-shared files: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyCapped(filepath.Join(mnt, e.Name()), filepath.Join(dst, e.Name()), maxFile); err != nil {
			return err
		}
	}
	return nil
}

func copyCapped(src, dst string, maxFile int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(in, maxFile+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	if n > maxFile {
		return fmt.Errorf("host-shared file %s exceeds %d bytes", filepath.Base(src), maxFile)
	}
	return nil
}

// PowerOff syncs the filesystems and powers the machine off.
func PowerOff() error {
	unix.Sync()
	return unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
}
