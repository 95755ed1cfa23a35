package datadisk

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/u-root/u-root/pkg/cpio"
	"github.com/ulikunitz/xz"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/image"
	"github.com/dstack-go/dstack/guestos/pid1"
)

// The VM test boots this test binary as /init of a small initramfs under
// qemu (TCG), with a raw data disk: the guest side formats or opens the
// disk with the real device mapper and kernel ext4, writes or reads a
// marker, and powers off; the host side checks the disk image.

func TestMain(m *testing.M) {
	if os.Getpid() == 1 {
		guestMain()
	}
	os.Exit(m.Run())
}

// vmModules are the kernel modules the guest side loads, in order.
var vmModules = []string{"virtio_blk", "dm-mod", "dm-crypt", "xts", "crc16", "mbcache", "jbd2", "crc32c_generic", "ext4"}

func guestMain() {
	err := func() error {
		if err := pid1.MountAll(pid1.Mounts); err != nil {
			return err
		}
		b, err := os.ReadFile(pid1.ModuleList)
		if err != nil {
			return err
		}
		mods, err := pid1.ParseModuleList(bytes.NewReader(b))
		if err != nil {
			return err
		}
		if _, err := pid1.LoadModules(mods, pid1.FinitModule); err != nil {
			return err
		}
		raw, err := os.ReadFile("/proc/cmdline")
		if err != nil {
			return err
		}
		cmd, err := pid1.ParseCmdline(string(raw))
		if err != nil {
			return err
		}
		key, err := hex.DecodeString(cmd["test_key"])
		if err != nil {
			return err
		}
		d := &Disk{Device: "/dev/vda", MountPoint: "/data"}
		var v *boot.Volume
		if cmd["test_previous_key"] != "" {
			previous, err := hex.DecodeString(cmd["test_previous_key"])
			if err != nil {
				return err
			}
			v, err = d.PrepareRekey(context.Background(), key, previous)
			if err != nil {
				return err
			}
		} else if v, err = d.Prepare(context.Background(), key); err != nil {
			return err
		}
		marker := filepath.Join(v.Dir, "volumes", "marker")
		if cmd["test_action"] == "write" {
			if err := os.MkdirAll(filepath.Dir(marker), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(marker, []byte(strings.Repeat(cmd["test_marker"], 64)), 0o600); err != nil {
				return err
			}
		} else {
			got, err := os.ReadFile(marker)
			if err != nil {
				return err
			}
			fmt.Printf("VMTEST-READ %s\n", got[:len(got)/64])
		}
		return d.Close()
	}()
	if err != nil {
		fmt.Printf("VMTEST-ERROR %v\n", err)
	} else {
		fmt.Println("VMTEST-OK")
	}
	_ = pid1.PowerOff()
	select {}
}

// vmKernel returns the guest kernel and its modules, or skips.
func vmKernel(t *testing.T) (vmlinuz []byte, modules map[string][]byte) {
	deb := os.Getenv("DSTACK_GUEST_KERNEL_DEB")
	if deb == "" {
		// The pinned kernel as `dstack image build` caches it.
		cache, err := image.DefaultCacheDir()
		if err != nil {
			t.Skip(err)
		}
		deb = filepath.Join(cache, "debs", image.KernelPin.SHA256+".deb")
		if _, err := os.Stat(deb); err != nil {
			t.Skipf("the pinned kernel package is not cached (%v): run `dstack image build` once, or set DSTACK_GUEST_KERNEL_DEB", err)
		}
	}
	if sum, err := fileSHA256(deb); err != nil || sum != image.KernelPin.SHA256 {
		t.Fatalf("%s is not the pinned kernel package (SHA-256 %s, %v)", deb, sum, err)
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed")
	}
	tarball, err := exec.Command("dpkg-deb", "--fsys-tarfile", deb).Output()
	if err != nil {
		t.Fatalf("dpkg-deb: %v", err)
	}
	want := map[string]bool{}
	for _, m := range vmModules {
		want[m+".ko.xz"] = true
	}
	modules = map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(tarball))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		base := path.Base(h.Name)
		switch {
		case strings.HasPrefix(base, "vmlinuz-"):
			vmlinuz, err = io.ReadAll(tr)
		case want[base] && strings.Contains(h.Name, "/kernel/"):
			var r io.Reader
			if r, err = xz.NewReader(tr); err == nil {
				modules[strings.TrimSuffix(base, ".xz")], err = io.ReadAll(r)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if vmlinuz == nil || len(modules) != len(vmModules) {
		t.Fatalf("the kernel package lacks the kernel or modules (found %d of %d)", len(modules), len(vmModules))
	}
	return vmlinuz, modules
}

func vmInitramfs(t *testing.T, modules map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "init")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the guest test binary: %v\n%s", err, out)
	}
	initBytes, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	recs := []cpio.Record{cpio.CharDev("dev/console", 0o600, 5, 1), cpio.StaticRecord(initBytes, cpio.Info{Name: "init", Mode: cpio.S_IFREG | 0o755})}
	var list strings.Builder
	for _, m := range vmModules {
		recs = append(recs, cpio.StaticRecord(modules[m+".ko"], cpio.Info{Name: "lib/modules/" + m + ".ko", Mode: cpio.S_IFREG | 0o644}))
		list.WriteString("/lib/modules/" + m + ".ko\n")
	}
	recs = append(recs, cpio.StaticRecord([]byte(list.String()), cpio.Info{Name: strings.TrimPrefix(pid1.ModuleList, "/"), Mode: cpio.S_IFREG | 0o644}))
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	if err := cpio.WriteRecordsAndDirs(w, recs); err != nil {
		t.Fatal(err)
	}
	if err := cpio.WriteTrailer(w); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "initramfs.cpio")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// bootDisk boots the guest once and returns its console output.
func bootDisk(t *testing.T, kernel, initrd, disk, args string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, "qemu-system-x86_64", "-machine", "q35", "-m", "512", "-smp", "1",
		"-nographic", "-no-reboot", "-accel", "tcg", "-cpu", "max", "-nic", "none",
		"-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet no_timer_check "+args,
		"-drive", "file="+disk+",format=raw,if=virtio").CombinedOutput()
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	t.Logf("boot (%s) took %s", args, time.Since(start).Round(100*time.Millisecond))
	return string(out)
}

func TestVMEncryptedDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("boots qemu four times")
	}
	vmlinuz, modules := vmKernel(t)
	dir := t.TempDir()
	kernel := filepath.Join(dir, "vmlinuz")
	if err := os.WriteFile(kernel, vmlinuz, 0o600); err != nil {
		t.Fatal(err)
	}
	initrd := vmInitramfs(t, modules)
	disk := filepath.Join(dir, "data.img")
	if err := os.WriteFile(disk, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(disk, 96<<20); err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("5a", 32)
	m := make([]byte, 16)
	_, _ = rand.Read(m)
	marker := "marker-" + hex.EncodeToString(m)

	// First boot: formats, writes the marker.
	out := bootDisk(t, kernel, initrd, disk, "dstack.test_key="+key+" dstack.test_action=write dstack.test_marker="+marker)
	if !strings.Contains(out, "VMTEST-OK") {
		t.Fatalf("first boot:\n%s", out)
	}
	img, err := os.ReadFile(disk)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(img, []byte(marker)) || bytes.Contains(img, []byte("volumes")) {
		t.Fatal("the disk image holds plaintext the guest wrote")
	}
	if !bytes.HasPrefix(img, []byte("LUKS\xba\xbe")) {
		t.Fatal("the disk has no LUKS header")
	}
	// Second boot, same key: the data is there.
	out = bootDisk(t, kernel, initrd, disk, "dstack.test_key="+key+" dstack.test_action=read")
	if !regexp.MustCompile(`VMTEST-READ ` + marker).MatchString(out) {
		t.Fatalf("second boot did not find the marker:\n%s", out)
	}
	// Third boot, another key: refused, nothing written.
	before := sha256.Sum256(mustRead(t, disk))
	out = bootDisk(t, kernel, initrd, disk, "dstack.test_key="+strings.Repeat("a5", 32)+" dstack.test_action=read")
	if !strings.Contains(out, "VMTEST-ERROR") || !strings.Contains(out, "passphrase does not open") {
		t.Fatalf("a wrong key was not refused:\n%s", out)
	}
	if sha256.Sum256(mustRead(t, disk)) != before {
		t.Fatal("a refused boot changed the disk")
	}
	// Fourth boot, after a root rotation of the KMS: the new key with the
	// previous one re-keys the disk on the block device, and the data is
	// there through dm-crypt and ext4.
	rotated := strings.Repeat("c3", 32)
	out = bootDisk(t, kernel, initrd, disk, "dstack.test_key="+rotated+" dstack.test_previous_key="+key+" dstack.test_action=read")
	if !regexp.MustCompile(`VMTEST-READ ` + marker).MatchString(out) {
		t.Fatalf("the re-key boot did not find the marker:\n%s", out)
	}
	oldBytes, _ := hex.DecodeString(key)
	newBytes, _ := hex.DecodeString(rotated)
	if ok, _ := opensWith(t, disk, oldBytes); ok {
		t.Fatal("after the re-key boot, the previous key still opens the disk")
	}
	if ok, n := opensWith(t, disk, newBytes); !ok || n != 1 {
		t.Fatalf("after the re-key boot, the new key opens the disk: %v, with %d keyslots, want 1", ok, n)
	}
}

func fileSHA256(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
