package datadisk

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dstack-go/dstack/guestos/luks2"
)

var (
	oldKey   = bytes.Repeat([]byte{0x17}, 32)
	newKey   = bytes.Repeat([]byte{0x29}, 32)
	otherKey = bytes.Repeat([]byte{0x3b}, 32)
)

// observed gives d a logger whose entries the test reads.
func observed(d *Disk) *observer.ObservedLogs {
	core, logs := observer.New(zap.InfoLevel)
	d.Logger = zap.New(core)
	return logs
}

// opensWith reports whether the disk image opens with hex(key), and its
// keyslot count.
func opensWith(t *testing.T, disk string, key []byte) (bool, int) {
	t.Helper()
	f, err := os.Open(disk)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := luks2.ReadHeader(f)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = luks2.Open(f, pass(key))
	if err != nil && !errors.Is(err, luks2.ErrWrongKey) {
		t.Fatal(err)
	}
	return err == nil, len(h.Meta.Keyslots)
}

// preparedRig is a rig whose disk Prepare formatted with key.
func preparedRig(t *testing.T, key []byte) *rig {
	t.Helper()
	r := newRig(t)
	if _, err := r.newDisk(t).Prepare(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	return r
}

// openRW opens the disk image for writing until the test ends.
func (r *rig) openRW(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile(r.disk, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// pass is the LUKS2 passphrase of a disk key.
func pass(key []byte) []byte { return []byte(hex.EncodeToString(key)) }

// TestRekey moves a disk from the previous key to the current one: the
// same volume key is mapped, the data area is untouched, and afterwards
// the current key alone opens the disk.
func TestRekey(t *testing.T) {
	r := preparedRig(t, oldKey)
	table := r.mapper.table
	before := mustRead(t, r.disk)
	d := r.newDisk(t)
	logs := observed(d)
	v, err := d.PrepareRekey(context.Background(), newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if v.FS != FS || len(r.mkfs) != 1 || len(r.mounted) != 2 {
		t.Fatalf("re-key boot: volume %+v, mkfs %v, mounted %v", v, r.mkfs, r.mounted)
	}
	if r.mapper.table != table {
		t.Fatal("the re-keyed disk maps with another volume key or layout")
	}
	if ok, _ := opensWith(t, r.disk, oldKey); ok {
		t.Fatal("the previous key still opens the re-keyed disk")
	}
	if ok, n := opensWith(t, r.disk, newKey); !ok || n != 1 {
		t.Fatalf("the current key opens the re-keyed disk: %v, with %d keyslots, want 1", ok, n)
	}
	after := mustRead(t, r.disk)
	if !bytes.Equal(before[luks2.DataOffset:], after[luks2.DataOffset:]) {
		t.Fatal("the re-key wrote to the data area")
	}
	for _, want := range []string{"re-keying it to the current disk key", "added a keyslot", "removed the previous disk key's keyslot", "re-keyed the data disk"} {
		if logs.FilterMessageSnippet(want).Len() != 1 {
			t.Errorf("no log entry %q in %v", want, logs.All())
		}
	}

	// Later boots of the handover window: nothing left to do, nothing
	// written.
	if _, err := r.newDisk(t).PrepareRekey(context.Background(), newKey, oldKey); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, mustRead(t, r.disk)) {
		t.Fatal("a boot with a re-keyed disk wrote to it")
	}
}

// TestRekeyFinishesAfterAddKey: a re-key that stopped after adding the
// current key's keyslot is finished by removing the previous key's.
func TestRekeyFinishesAfterAddKey(t *testing.T) {
	r := preparedRig(t, oldKey)
	if _, err := luks2.AddKey(r.openRW(t), pass(oldKey), pass(newKey), luks2.FormatOptions{}); err != nil {
		t.Fatal(err)
	}
	d := r.newDisk(t)
	logs := observed(d)
	if _, err := d.PrepareRekey(context.Background(), newKey, oldKey); err != nil {
		t.Fatal(err)
	}
	if ok, _ := opensWith(t, r.disk, oldKey); ok {
		t.Fatal("the previous key's keyslot was left")
	}
	if ok, n := opensWith(t, r.disk, newKey); !ok || n != 1 {
		t.Fatalf("the current key opens: %v, %d keyslots", ok, n)
	}
	if logs.FilterMessageSnippet("a re-key stopped after adding the current key").Len() != 1 || logs.FilterMessageSnippet("added a keyslot").Len() != 0 {
		t.Errorf("log entries %v", logs.All())
	}
}

// crashingFile is the disk image stopping (every write failing) from its
// failFrom-th write on.
type crashingFile struct {
	*os.File
	writes, failFrom int
}

func (c *crashingFile) WriteAt(p []byte, off int64) (int, error) {
	c.writes++
	if c.writes >= c.failFrom {
		return 0, errors.New("injected crash")
	}
	return c.File.WriteAt(p, off)
}

// TestRekeyAfterCrash stops a re-key before each of its writes (the three
// of AddKey, then the three of RemoveKey): the next PrepareRekey with the
// same keys finishes it, and the disk then opens with the current key
// alone.
func TestRekeyAfterCrash(t *testing.T) {
	for k := 1; k <= 6; k++ {
		t.Run(fmt.Sprint("write", k), func(t *testing.T) {
			r := preparedRig(t, oldKey)
			c := &crashingFile{File: r.openRW(t), failFrom: k}
			_, err := luks2.AddKey(c, pass(oldKey), pass(newKey), luks2.FormatOptions{})
			if err == nil {
				_, err = luks2.RemoveKey(c, pass(oldKey))
			}
			if err == nil || c.writes != k {
				t.Fatalf("the crash at write %d did not happen: %v after %d writes", k, err, c.writes)
			}
			if _, err := r.newDisk(t).PrepareRekey(context.Background(), newKey, oldKey); err != nil {
				t.Fatalf("after a crash at write %d: %v", k, err)
			}
			if ok, _ := opensWith(t, r.disk, oldKey); ok {
				t.Fatalf("after a crash at write %d, the previous key still opens the disk", k)
			}
			if ok, _ := opensWith(t, r.disk, newKey); !ok {
				t.Fatalf("after a crash at write %d, the current key does not open the disk", k)
			}
			if len(r.mkfs) != 1 || len(r.mounted) != 2 {
				t.Fatalf("mkfs %v, mounted %v", r.mkfs, r.mounted)
			}
		})
	}
}

// TestRekeyNeitherKeyWritesNothing: a disk neither key opens is refused,
// saying so, before anything is written, mapped or mounted.
func TestRekeyNeitherKeyWritesNothing(t *testing.T) {
	r := preparedRig(t, otherKey)
	before := mustRead(t, r.disk)
	_, err := r.newDisk(t).PrepareRekey(context.Background(), newKey, oldKey)
	if !errors.Is(err, luks2.ErrWrongKey) || !strings.Contains(err.Error(), "neither the current disk key nor the previous one") {
		t.Fatalf("neither key: %v", err)
	}
	if !bytes.Equal(before, mustRead(t, r.disk)) || len(r.mapper.mapped) != 1 || len(r.mounted) != 1 {
		t.Fatal("a disk neither key opens was changed, mapped or mounted")
	}
}

// TestRekeyTamperedHeaderWritesNothing: a header that does not validate is
// refused before either key is tried.
func TestRekeyTamperedHeaderWritesNothing(t *testing.T) {
	r := preparedRig(t, oldKey)
	if _, err := r.openRW(t).WriteAt([]byte("x"), luks2.HeaderSize+5000); err != nil { // in the secondary JSON area
		t.Fatal(err)
	}
	before := mustRead(t, r.disk)
	if _, err := r.newDisk(t).PrepareRekey(context.Background(), newKey, oldKey); err == nil || errors.Is(err, luks2.ErrWrongKey) {
		t.Fatalf("a tampered header: %v, want a header error", err)
	}
	if !bytes.Equal(before, mustRead(t, r.disk)) || len(r.mkfs) != 1 || len(r.mounted) != 1 {
		t.Fatal("a tampered header led to a write, a reformat or a mount")
	}
}

// TestRekeyBlankDisk: a first boot formats with the current key only.
func TestRekeyBlankDisk(t *testing.T) {
	r := newRig(t)
	if _, err := r.newDisk(t).PrepareRekey(context.Background(), newKey, oldKey); err != nil {
		t.Fatal(err)
	}
	if ok, n := opensWith(t, r.disk, newKey); !ok || n != 1 || len(r.mkfs) != 1 {
		t.Fatalf("first boot: opens with the current key %v, %d keyslots, mkfs %v", ok, n, r.mkfs)
	}
	if ok, _ := opensWith(t, r.disk, oldKey); ok {
		t.Fatal("the previous key opens a disk formatted after the rotation")
	}
}

// TestRekeyWithoutPreviousKeyIsPrepare: with no previous key (nil, empty,
// or the current key again), PrepareRekey opens what Prepare opens and
// refuses what Prepare refuses, writing nothing.
func TestRekeyWithoutPreviousKeyIsPrepare(t *testing.T) {
	r := preparedRig(t, oldKey)
	before := mustRead(t, r.disk)
	for _, prev := range [][]byte{nil, {}, oldKey} {
		if _, err := r.newDisk(t).PrepareRekey(context.Background(), oldKey, prev); err != nil {
			t.Fatalf("previous key %x: %v", prev, err)
		}
	}
	for _, prev := range [][]byte{nil, {}, newKey} {
		_, err := r.newDisk(t).PrepareRekey(context.Background(), newKey, prev)
		if !errors.Is(err, luks2.ErrWrongKey) || strings.Contains(err.Error(), "previous") {
			t.Fatalf("previous key %x: %v, want Prepare's ErrWrongKey", prev, err)
		}
	}
	if !bytes.Equal(before, mustRead(t, r.disk)) || len(r.mounted) != 4 {
		t.Fatalf("wrote to the disk, or mounted %d times", len(r.mounted))
	}
}
