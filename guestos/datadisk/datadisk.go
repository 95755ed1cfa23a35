// Package datadisk is the CVM's encrypted data disk: a LUKS2 volume over
// dm-crypt, keyed by the disk key the KMS releases (the passphrase is
// hex(disk_crypt_key), as upstream dstack's), with an ext4 filesystem that
// holds the app's volumes. It implements boot.Storage.
//
// On first boot (no LUKS header) it formats the disk and the filesystem; on
// later boots it opens them. A disk its key does not open is refused before
// anything is written to it. When the threshold KMS rotates its roots, the
// disk key changes: during the handover window the CVM also gets its
// previous disk key, and PrepareRekey moves the disk from that key to the
// new one (the volume key, and so the data, stay), so that the disk opens
// with the new key alone once the old roots are destroyed. It must never
// mount a volume whose header did not validate (guestos/luks2 checks it as
// upstream does), and never write plaintext to the device: every byte of
// the filesystem goes through dm-crypt.
//
// The filesystem is made by github.com/diskfs/go-diskfs, in Go, so that the
// image needs no mkfs binary.
package datadisk

import (
	"bytes"
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
func (d *Disk) Prepare(ctx context.Context, diskCryptKey []byte) (*boot.Volume, error) {
	return d.prepare(ctx, diskCryptKey, nil)
}

// PrepareRekey is Prepare for the handover window of a root rotation of
// the KMS, when the CVM has its previous disk key besides the current one.
//
// When the current key opens no keyslot of the volume and the previous key
// opens one, it adds a keyslot for the current key (luks2.AddKey), checks
// that the current key opens the volume, removes the previous key's
// keyslot (luks2.RemoveKey, which wipes its key material), and goes on as
// Prepare. When the current key opens the volume and the previous key
// still opens a keyslot too (a re-key that stopped after adding the new
// keyslot), it removes that keyslot. Each step leaves a volume that one of
// the two keys opens, so a re-key stopped anywhere is finished by the next
// PrepareRekey with the same keys. A keyslot whose removal stopped after
// its key material was wiped opens with no key; it is left in the header.
//
// A disk neither key opens is refused, with an error wrapping
// luks2.ErrWrongKey, before anything is written to it. A blank disk is
// formatted with the current key only. A nil or empty previousDiskKey, or
// one equal to diskCryptKey, makes PrepareRekey exactly Prepare.
// The boot sequence calls it through boot.Rekeyer during a threshold
// KMS's root rotation handover.
func (d *Disk) PrepareRekey(ctx context.Context, diskCryptKey, previousDiskKey []byte) (*boot.Volume, error) {
	if len(previousDiskKey) == 0 || bytes.Equal(previousDiskKey, diskCryptKey) {
		return d.prepare(ctx, diskCryptKey, nil)
	}
	return d.prepare(ctx, diskCryptKey, []byte(hex.EncodeToString(previousDiskKey)))
}

// prepare opens (re-keying from the previous passphrase when it is not
// nil) or formats the volume, maps and mounts it.
func (d *Disk) prepare(_ context.Context, diskCryptKey, previous []byte) (*boot.Volume, error) {
	if d.Device == "" || d.MountPoint == "" {
		return nil, errors.New("preparing the data disk: no device or mount point configured")
	}
	if len(diskCryptKey) == 0 {
		return nil, errors.New("preparing the data disk: the key provider released no disk key")
	}
	d.defaults()
	log := d.Logger
	passphrase := []byte(hex.EncodeToString(diskCryptKey))
	size, h, key, fresh, err := d.unlock(passphrase, previous)
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

// unlock opens the LUKS2 volume, or formats a blank disk. It opens the
// device read-only, and for writing only to format a blank disk or to
// re-key a volume that one of the two passphrases opens.
func (d *Disk) unlock(passphrase, previous []byte) (size int64, h *luks2.Header, key []byte, fresh bool, err error) {
	f, err := os.Open(d.Device)
	if err != nil {
		return 0, nil, nil, false, fmt.Errorf("opening the data disk: %w", err)
	}
	defer f.Close()
	size, err = f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, nil, nil, false, fmt.Errorf("sizing the data disk %s: %w", d.Device, err)
	}
	h, key, err = luks2.Open(f, passphrase)
	if previous != nil && (err == nil || errors.Is(err, luks2.ErrWrongKey)) {
		hp, old, perr := luks2.Open(f, previous)
		clear(old)
		if perr != nil && !errors.Is(perr, luks2.ErrWrongKey) {
			clear(key)
			return 0, nil, nil, false, fmt.Errorf("opening the data disk %s with the previous disk key: %w", d.Device, perr)
		}
		switch previousOpens := perr == nil; {
		case err == nil && !previousOpens:
			d.Logger.Info("opened the LUKS2 data disk with the current disk key; the previous one opens no keyslot", zap.String("uuid", h.UUID))
			return size, h, key, false, nil
		case err == nil:
			clear(key)
			d.Logger.Warn("both the current and the previous disk key open the LUKS2 data disk (a re-key stopped after adding the current key): removing the previous key's keyslot", zap.String("uuid", h.UUID))
			h, key, err = d.rekey(passphrase, previous, false)
			return size, h, key, false, err
		case previousOpens:
			d.Logger.Info("the previous disk key opens the LUKS2 data disk: re-keying it to the current disk key", zap.String("uuid", hp.UUID), zap.String("device", d.Device))
			h, key, err = d.rekey(passphrase, previous, true)
			return size, h, key, false, err
		}
		return 0, nil, nil, false, fmt.Errorf("opening the data disk %s: neither the current disk key nor the previous one opens it (nothing was written to it): %w", d.Device, err)
	}
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

// rekey moves the volume from the previous passphrase to the current one:
// it adds a keyslot for the current passphrase (when add is set), checks
// that the current passphrase opens the volume, and removes every keyslot
// the previous passphrase opens. It returns the header and volume key the
// current passphrase opens afterwards.
func (d *Disk) rekey(passphrase, previous []byte, add bool) (*luks2.Header, []byte, error) {
	w, err := os.OpenFile(d.Device, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the data disk to re-key it: %w", err)
	}
	defer w.Close()
	if add {
		n, err := luks2.AddKey(w, previous, passphrase, luks2.FormatOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("re-keying the data disk %s: adding a keyslot for the current disk key: %w", d.Device, err)
		}
		d.Logger.Info("added a keyslot for the current disk key to the data disk", zap.Int("keyslot", n))
	}
	_, key, err := luks2.Open(w, passphrase)
	if err != nil {
		return nil, nil, fmt.Errorf("re-keying the data disk %s: the current disk key does not open it after adding its keyslot (the previous key's keyslot was kept): %w", d.Device, err)
	}
	clear(key)
	for range luks2.MaxKeyslots {
		n, err := luks2.RemoveKey(w, previous)
		if errors.Is(err, luks2.ErrWrongKey) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("re-keying the data disk %s: removing the previous disk key's keyslot: %w", d.Device, err)
		}
		d.Logger.Info("removed the previous disk key's keyslot from the data disk, and wiped its key material", zap.Int("keyslot", n))
	}
	h, key, err := luks2.Open(w, passphrase)
	if err != nil {
		return nil, nil, fmt.Errorf("re-keying the data disk %s: re-opening it with the current disk key: %w", d.Device, err)
	}
	if _, old, err := luks2.Open(w, previous); !errors.Is(err, luks2.ErrWrongKey) {
		clear(old)
		clear(key)
		return nil, nil, fmt.Errorf("re-keying the data disk %s: the previous disk key still opens it after its keyslots were removed (%v)", d.Device, err)
	}
	d.Logger.Info("re-keyed the data disk: the current disk key alone opens it", zap.String("uuid", h.UUID), zap.Int("keyslots", len(h.Meta.Keyslots)))
	return h, key, nil
}

var _ boot.Rekeyer = (*Disk)(nil)

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
