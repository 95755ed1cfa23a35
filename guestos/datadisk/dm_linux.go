package datadisk

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/dstack-go/dstack/guestos/luks2"
)

// The device-mapper ioctl interface (linux/dm-ioctl.h), for the one table
// this package loads: a single dm-crypt target.
const (
	dmIoctlSize   = 312 // sizeof(struct dm_ioctl)
	dmTargetSize  = 40  // sizeof(struct dm_target_spec)
	dmNameLen     = 128
	dmControl     = "/dev/mapper/control"
	dmSecureData  = 1 << 15 // DM_SECURE_DATA_FLAG: wipe buffers that held the key
	dmIoctlBase   = 0xC0000000 | dmIoctlSize<<16 | 0xfd<<8
	dmDevCreate   = dmIoctlBase | 3
	dmDevRemove   = dmIoctlBase | 4
	dmDevSuspend  = dmIoctlBase | 6
	dmTableLoad   = dmIoctlBase | 9
	dmVersionMaj  = 4
	dmDataStart   = dmIoctlSize
	dmMinorShift  = 12
	dmControlPerm = 0o600
)

// DeviceMapper maps volumes with the kernel's device mapper (dm-crypt).
type DeviceMapper struct{}

// dmIoctl issues one device-mapper ioctl with payload after the header.
func dmIoctl(cmd uintptr, name string, flags uint32, targets uint32, payload []byte) ([]byte, error) {
	if len(name) >= dmNameLen {
		return nil, fmt.Errorf("device-mapper name %q is too long", name)
	}
	buf := make([]byte, dmIoctlSize+len(payload)+16*1024)
	binary.NativeEndian.PutUint32(buf[0:], dmVersionMaj)
	binary.NativeEndian.PutUint32(buf[12:], uint32(len(buf)))
	binary.NativeEndian.PutUint32(buf[16:], dmDataStart)
	binary.NativeEndian.PutUint32(buf[20:], targets)
	binary.NativeEndian.PutUint32(buf[28:], flags)
	copy(buf[48:48+dmNameLen], name)
	copy(buf[dmIoctlSize:], payload)
	defer clear(buf[dmIoctlSize:]) // the table holds the key
	f, err := openControl()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), cmd, uintptr(unsafe.Pointer(&buf[0])))
	if errno != 0 {
		return nil, errno
	}
	return buf[:dmIoctlSize], nil
}

// openControl opens /dev/mapper/control, creating the node from sysfs's
// misc device number when devtmpfs did not (no udev in the guest).
func openControl() (*os.File, error) {
	f, err := os.OpenFile(dmControl, os.O_RDWR, 0)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		if err != nil {
			return nil, fmt.Errorf("opening %s (is dm_mod loaded?): %w", dmControl, err)
		}
		return f, nil
	}
	b, rerr := os.ReadFile("/sys/class/misc/device-mapper/dev")
	if rerr != nil {
		return nil, fmt.Errorf("opening %s (is dm_mod loaded?): %w", dmControl, err)
	}
	var major, minor uint32
	if _, err := fmt.Sscanf(string(b), "%d:%d", &major, &minor); err != nil {
		return nil, fmt.Errorf("parsing the device-mapper device number %q: %w", b, err)
	}
	if err := os.MkdirAll(filepath.Dir(dmControl), 0o755); err != nil {
		return nil, err
	}
	if err := unix.Mknod(dmControl, unix.S_IFCHR|dmControlPerm, int(unix.Mkdev(major, minor))); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("creating %s: %w", dmControl, err)
	}
	return os.OpenFile(dmControl, os.O_RDWR, 0)
}

// CryptTable is the dm-crypt table line of a LUKS2 segment: the target
// parameters cryptsetup loads for it.
func CryptTable(device string, deviceSize int64, h *luks2.Header, key []byte) (sectors uint64, params string, err error) {
	size := h.DataSize
	if size == 0 {
		if uint64(deviceSize) <= h.DataOffset {
			return 0, "", fmt.Errorf("the device (%d bytes) ends before the data segment (offset %d)", deviceSize, h.DataOffset)
		}
		size = uint64(deviceSize) - h.DataOffset
	}
	size -= size % uint64(h.SectorSize)
	params = fmt.Sprintf("%s %s 0 %s %d", luks2.Cipher, hex.EncodeToString(key), device, h.DataOffset/512)
	if h.SectorSize != 512 {
		params += fmt.Sprintf(" 1 sector_size:%d", h.SectorSize)
	}
	return size / 512, params, nil
}

// Map implements Mapper.
func (DeviceMapper) Map(name, device string, deviceSize int64, h *luks2.Header, key []byte) (string, int64, error) {
	sectors, params, err := CryptTable(device, deviceSize, h, key)
	if err != nil {
		return "", 0, err
	}
	out, err := dmIoctl(dmDevCreate, name, 0, 0, nil)
	if err != nil {
		return "", 0, fmt.Errorf("creating device %s: %w", name, err)
	}
	dev := binary.NativeEndian.Uint64(out[40:])
	spec := make([]byte, dmTargetSize, dmTargetSize+len(params)+8)
	binary.NativeEndian.PutUint64(spec[8:], sectors)
	copy(spec[24:40], "crypt")
	spec = append(spec, params...)
	spec = append(spec, 0)
	for len(spec)%8 != 0 {
		spec = append(spec, 0)
	}
	if _, err := dmIoctl(dmTableLoad, name, dmSecureData, 1, spec); err != nil {
		_, _ = dmIoctl(dmDevRemove, name, 0, 0, nil)
		return "", 0, fmt.Errorf("loading the dm-crypt table of %s (are dm_crypt and xts loaded?): %w", name, err)
	}
	clear(spec)
	if _, err := dmIoctl(dmDevSuspend, name, 0, 0, nil); err != nil { // resume: no suspend flag
		_, _ = dmIoctl(dmDevRemove, name, 0, 0, nil)
		return "", 0, fmt.Errorf("activating %s: %w", name, err)
	}
	// The kernel's huge_encode_dev: minor's low byte, major, minor's rest.
	major := uint32((dev >> 8) & 0xfff)
	minor := uint32((dev & 0xff) | ((dev >> dmMinorShift) & 0xfff00))
	path := filepath.Join(filepath.Dir(dmControl), name)
	if err := unix.Mknod(path, unix.S_IFBLK|0o600, int(unix.Mkdev(major, minor))); err != nil && !errors.Is(err, unix.EEXIST) {
		return "", 0, fmt.Errorf("creating %s: %w", path, err)
	}
	return path, int64(sectors * 512), nil
}

// Unmap implements Mapper.
func (DeviceMapper) Unmap(name string) error {
	if _, err := dmIoctl(dmDevRemove, name, 0, 0, nil); err != nil {
		return fmt.Errorf("removing %s: %w", name, err)
	}
	_ = os.Remove(filepath.Join(filepath.Dir(dmControl), name))
	return nil
}

func mountExt4(device, dir string) error {
	return unix.Mount(device, dir, "ext4", unix.MS_NOSUID|unix.MS_NODEV, "")
}

func unmount(dir string) error {
	err := unix.Unmount(dir, 0)
	if errors.Is(err, unix.EINVAL) { // not mounted
		return nil
	}
	return err
}
