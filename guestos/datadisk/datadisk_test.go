package datadisk

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/guestos/luks2"
)

const diskSize = luks2.DataOffset + 64<<20

// fakeMapper records the mapping instead of asking the kernel.
type fakeMapper struct {
	plain  string
	mapped []string
	table  string
}

func (m *fakeMapper) Map(name, device string, size int64, h *luks2.Header, key []byte) (string, int64, error) {
	m.mapped = append(m.mapped, name)
	_, m.table, _ = CryptTable(device, size, h, key)
	return m.plain, size - int64(h.DataOffset), nil
}

func (m *fakeMapper) Unmap(string) error { return nil }

type rig struct {
	disk          string
	mapper        *fakeMapper
	mkfs, mounted []string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{disk: filepath.Join(dir, "disk.img"), mapper: &fakeMapper{plain: filepath.Join(dir, "plain")}}
	f, err := os.Create(r.disk)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(diskSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return r
}

func (r *rig) newDisk(t *testing.T) *Disk {
	return &Disk{
		Device: r.disk, MountPoint: filepath.Join(t.TempDir(), "data"), Mapper: r.mapper,
		Mkfs:    func(dev string, _ int64) error { r.mkfs = append(r.mkfs, dev); return nil },
		Mount:   func(dev, _ string) error { r.mounted = append(r.mounted, dev); return nil },
		Unmount: func(string) error { return nil },
	}
}

var key = bytes.Repeat([]byte{0x42}, 32)

func TestFirstThenLaterBoot(t *testing.T) {
	r := newRig(t)
	v, err := r.newDisk(t).Prepare(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if v.FS != "ext4" || len(r.mkfs) != 1 || len(r.mounted) != 1 {
		t.Fatalf("first boot: volume %+v, mkfs %v, mounted %v", v, r.mkfs, r.mounted)
	}
	f, err := os.Open(r.disk)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The passphrase is hex(disk key), as upstream's.
	if _, _, err := luks2.Open(f, []byte(strings.Repeat("42", 32))); err != nil {
		t.Fatalf("the disk does not open with hex(disk key): %v", err)
	}
	if !strings.HasPrefix(r.mapper.table, "aes-xts-plain64 ") || !strings.HasSuffix(r.mapper.table, " 0 "+r.disk+" 32768") {
		t.Fatalf("dm-crypt table %q", r.mapper.table)
	}
	before, _ := os.ReadFile(r.disk)
	if _, err := r.newDisk(t).Prepare(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(r.disk)
	if len(r.mkfs) != 1 || len(r.mounted) != 2 || !bytes.Equal(before, after) {
		t.Fatalf("later boot reformatted (mkfs %v) or wrote to the disk", r.mkfs)
	}
}

func TestWrongKeyWritesNothing(t *testing.T) {
	r := newRig(t)
	if _, err := r.newDisk(t).Prepare(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(r.disk)
	_, err := r.newDisk(t).Prepare(context.Background(), bytes.Repeat([]byte{0x43}, 32))
	if !errors.Is(err, luks2.ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	after, _ := os.ReadFile(r.disk)
	if !bytes.Equal(before, after) || len(r.mapper.mapped) != 1 || len(r.mounted) != 1 {
		t.Fatal("a wrong key changed the disk, mapped or mounted it")
	}
}

func TestTamperedHeaderRefused(t *testing.T) {
	r := newRig(t)
	if _, err := r.newDisk(t).Prepare(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(r.disk, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("x"), 5000); err != nil { // in the primary JSON area
		t.Fatal(err)
	}
	f.Close()
	if _, err := r.newDisk(t).Prepare(context.Background(), key); err == nil {
		t.Fatal("a tampered header was opened")
	}
	if len(r.mkfs) != 1 {
		t.Fatal("a tampered header led to a reformat")
	}
}

func TestNoKeyRefused(t *testing.T) {
	r := newRig(t)
	if _, err := r.newDisk(t).Prepare(context.Background(), nil); err == nil {
		t.Fatal("an empty disk key was used")
	}
}

// TestMakeExt4 checks go-diskfs's filesystem with e2fsprogs's checker.
func TestMakeExt4(t *testing.T) {
	e2fsck, err := exec.LookPath("e2fsck")
	if err != nil {
		t.Skip("e2fsck is not installed (e2fsprogs)")
	}
	p := filepath.Join(t.TempDir(), "fs.img")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const size = 128 << 20
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
	if err := MakeExt4(p, size); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(e2fsck, "-fn", p).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck: %v\n%s", err, out)
	}
}
