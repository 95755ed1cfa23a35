// Package datadisk is the CVM's encrypted data disk: a LUKS2 volume over
// dm-crypt, keyed by the disk key the KMS releases (the passphrase is
// hex(disk_crypt_key), as upstream dstack's), with an ext4 filesystem that
// holds the app's volumes. It implements boot.Storage.
//
// On first boot (no LUKS header) it formats the disk and the filesystem; on
// later boots it opens them. A disk its key does not open is refused before
// anything is written to it. It must never mount a volume whose header did
// not validate (guestos/luks2 checks it as upstream does), and never write
// plaintext to the device: every byte of the filesystem goes through
// dm-crypt.
//
// The filesystem is made by github.com/diskfs/go-diskfs, in Go, so that the
// image needs no mkfs binary.
package datadisk

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/luks2"
)

// FS is the storage-fs event payload of this disk's filesystem.
const FS = "ext4"

// DefaultMapperName is the device-mapper name of the opened volume,
// upstream's.
const DefaultMapperName = "dstack_data_disk"

// Mapper maps an opened LUKS2 volume to a plaintext block device.
type Mapper interface {
	// Map creates the dm-crypt mapping name over device for the volume
	// described by h with volume key key, and returns the plaintext
	// device's path and size in bytes.
	Map(name, device string, deviceSize int64, h *luks2.Header, key []byte) (string, int64, error)
	// Unmap removes it.
	Unmap(name string) error
}

// Disk is the data disk. Its zero value is not usable: set Device and
// MountPoint.
type Disk struct {
	// Device is the block device (upstream's default: /dev/vdb).
	Device string
	// MountPoint is where the filesystem is mounted; created when missing.
	MountPoint string
	// Name is the device-mapper name; empty means DefaultMapperName.
	Name string
	// Logger receives progress; nil means none.
	Logger *zap.Logger

	// Seams: nil means the real ones (device mapper, go-diskfs, mount(2)).
	Mapper  Mapper
	Mkfs    func(device string, size int64) error
	Mount   func(device, dir string) error
	Unmount func(dir string) error

	mapped bool
}

// Prepare implements boot.Storage.
func (d *Disk) Prepare(_ context.Context, diskCryptKey []byte) (*boot.Volume, error) {
	if d.Device == "" || d.MountPoint == "" {
		return nil, errors.New("preparing the data disk: no device or mount point configured")
	}
	if len(diskCryptKey) == 0 {
		return nil, errors.New("preparing the data disk: the key provider released no disk key")
	}
	d.defaults()
	log := d.Logger
	passphrase := []byte(hex.EncodeToString(diskCryptKey))
	size, h, key, fresh, err := d.unlock(passphrase)
	if err != nil {
		return nil, err
	}
	dev, plainSize, err := d.Mapper.Map(d.Name, d.Device, size, h, key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("mapping the data disk with dm-crypt: %w", err)
	}
	d.mapped = true
	if fresh {
		log.Info("creating the ext4 filesystem of the data disk", zap.Int64("bytes", plainSize))
		if err := d.Mkfs(dev, plainSize); err != nil {
			return nil, errors.Join(fmt.Errorf("creating the data disk's filesystem: %w", err), d.Close())
		}
	}
	if err := os.MkdirAll(d.MountPoint, 0o700); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	if err := d.Mount(dev, d.MountPoint); err != nil {
		return nil, errors.Join(fmt.Errorf("mounting the data disk's filesystem (a first boot interrupted before the filesystem was made leaves a disk that must be wiped): %w", err), d.Close())
	}
	return &boot.Volume{Dir: d.MountPoint, FS: FS}, nil
}

// unlock opens the LUKS2 volume read-only, or formats a blank disk.
func (d *Disk) unlock(passphrase []byte) (size int64, h *luks2.Header, key []byte, fresh bool, err error) {
	f, err := os.Open(d.Device)
	if err != nil {
		return 0, nil, nil, false, fmt.Errorf("opening the data disk: %w", err)
	}
	size, err = f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return 0, nil, nil, false, fmt.Errorf("sizing the data disk %s: %w", d.Device, err)
	}
	h, key, err = luks2.Open(f, passphrase)
	f.Close()
	switch {
	case err == nil:
		d.Logger.Info("opened the LUKS2 data disk", zap.String("uuid", h.UUID))
		return size, h, key, false, nil
	case !errors.Is(err, luks2.ErrNotLUKS2):
		return 0, nil, nil, false, fmt.Errorf("opening the data disk %s: %w", d.Device, err)
	}
	d.Logger.Info("the data disk has no LUKS2 header: formatting it (first boot)", zap.String("device", d.Device))
	w, err := os.OpenFile(d.Device, os.O_RDWR, 0)
	if err != nil {
		return 0, nil, nil, false, fmt.Errorf("opening the data disk to format it: %w", err)
	}
	defer w.Close()
	if _, err := luks2.Format(w, size, passphrase, luks2.FormatOptions{}); err != nil {
		return 0, nil, nil, false, err
	}
	if err := w.Sync(); err != nil {
		return 0, nil, nil, false, fmt.Errorf("flushing the LUKS2 header: %w", err)
	}
	// Read it back through the same validation as a later boot.
	h, key, err = luks2.Open(w, passphrase)
	if err != nil {
		return 0, nil, nil, false, fmt.Errorf("re-opening the freshly formatted data disk: %w", err)
	}
	return size, h, key, true, nil
}

// Close unmounts the filesystem and removes the mapping, so that no
// plaintext view of the disk is left.
func (d *Disk) Close() error {
	if !d.mapped {
		return nil
	}
	d.defaults()
	var errs []error
	if err := d.Unmount(d.MountPoint); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("unmounting the data disk: %w", err))
	}
	if err := d.Mapper.Unmap(d.Name); err != nil {
		errs = append(errs, fmt.Errorf("removing the dm-crypt mapping: %w", err))
	} else {
		d.mapped = false
	}
	return errors.Join(errs...)
}

func (d *Disk) defaults() {
	if d.Name == "" {
		d.Name = DefaultMapperName
	}
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	if d.Mapper == nil {
		d.Mapper = DeviceMapper{}
	}
	if d.Mkfs == nil {
		d.Mkfs = MakeExt4
	}
	if d.Mount == nil {
		d.Mount = mountExt4
	}
	if d.Unmount == nil {
		d.Unmount = unmount
	}
}
