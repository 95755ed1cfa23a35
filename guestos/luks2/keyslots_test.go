package luks2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	passphrase2 = []byte(strings.Repeat("cd", 32))
	passphrase3 = []byte(strings.Repeat("ef", 32))
)

// memDev is a volume in memory whose writes fail from the failFrom-th on
// (never when failFrom is 0), as a machine that stops at that write.
type memDev struct {
	buf           []byte
	writes, syncs int
	failFrom      int
	written       [][2]int64
}

func (m *memDev) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(m.buf)) {
		return 0, fmt.Errorf("read [%d, +%d) beyond the device", off, len(p))
	}
	return copy(p, m.buf[off:]), nil
}

func (m *memDev) WriteAt(p []byte, off int64) (int, error) {
	m.writes++
	if m.failFrom > 0 && m.writes >= m.failFrom {
		return 0, errors.New("injected crash")
	}
	if off < 0 || off+int64(len(p)) > int64(len(m.buf)) {
		return 0, fmt.Errorf("write [%d, +%d) beyond the device", off, len(p))
	}
	m.written = append(m.written, [2]int64{off, int64(len(p))})
	return copy(m.buf[off:], p), nil
}

func (m *memDev) Sync() error { m.syncs++; return nil }

// newMemVolume formats a volume for passphrase in memory, its data area
// filled with a pattern.
func newMemVolume(t testing.TB) (*memDev, []byte) {
	t.Helper()
	m := &memDev{buf: make([]byte, testSize)}
	for i := DataOffset; i < len(m.buf); i++ {
		m.buf[i] = byte(i * 7)
	}
	vk, err := Format(m, testSize, passphrase, FormatOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.writes, m.syncs, m.written = 0, 0, nil
	return m, vk
}

// clone is a copy of m's content with fresh counters.
func (m *memDev) clone(failFrom int) *memDev {
	return &memDev{buf: bytes.Clone(m.buf), failFrom: failFrom}
}

// opens reports whether p opens m, failing the test on errors other than
// ErrWrongKey, and checks the volume key when it does.
func opens(t *testing.T, r interface {
	ReadAt([]byte, int64) (int, error)
}, p, vk []byte) bool {
	t.Helper()
	_, got, err := Open(r, p)
	switch {
	case errors.Is(err, ErrWrongKey):
		return false
	case err != nil:
		t.Fatalf("Open: %v", err)
	case !bytes.Equal(got, vk):
		t.Fatal("Open returned another volume key")
	}
	return true
}

func keyslotIDs(t *testing.T, r interface {
	ReadAt([]byte, int64) (int, error)
}) []string {
	t.Helper()
	h, err := ReadHeader(r)
	if err != nil {
		t.Fatal(err)
	}
	return h.keyslotIDs()
}

// TestAddRemoveKey moves a volume from one passphrase to another, as the
// re-key of a root rotation does, and back to a third.
func TestAddRemoveKey(t *testing.T) {
	m, vk := newMemVolume(t)
	before := bytes.Clone(m.buf)
	n, err := AddKey(m, passphrase, passphrase2, FormatOptions{})
	if err != nil || n != 1 {
		t.Fatalf("AddKey: keyslot %d, %v", n, err)
	}
	if !opens(t, m, passphrase, vk) || !opens(t, m, passphrase2, vk) {
		t.Fatal("after AddKey, both passphrases must open the volume")
	}
	h, err := ReadHeader(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, dg := h.Meta.digest(); !slices.Equal(dg.Keyslots, []string{"0", "1"}) || h.seqID != 2 {
		t.Fatalf("digest keyslots %v, sequence id %d", dg.Keyslots, h.seqID)
	}
	if h.Meta.Keyslots["0"].Area.Offset != "32768" || h.Meta.Keyslots["1"].Area.Offset != strconv.Itoa(32768+keyslotAreaSize) {
		t.Fatalf("areas at %s and %s", h.Meta.Keyslots["0"].Area.Offset, h.Meta.Keyslots["1"].Area.Offset)
	}
	if bytes.Equal(h.Meta.Keyslots["0"].KDF.Salt, h.Meta.Keyslots["1"].KDF.Salt) {
		t.Fatal("the new keyslot reuses the salt of the first")
	}
	if m.writes != 3 || m.syncs != 3 {
		t.Fatalf("AddKey wrote %d times and flushed %d times, want 3 and 3", m.writes, m.syncs)
	}
	twoSlots := bytes.Clone(m.buf)

	m.writes, m.syncs = 0, 0
	if n, err := RemoveKey(m, passphrase); err != nil || n != 0 {
		t.Fatalf("RemoveKey: keyslot %d, %v", n, err)
	}
	if opens(t, m, passphrase, vk) || !opens(t, m, passphrase2, vk) {
		t.Fatal("after RemoveKey, the new passphrase alone must open the volume")
	}
	if ids := keyslotIDs(t, m); !slices.Equal(ids, []string{"1"}) || m.writes != 3 || m.syncs != 3 {
		t.Fatalf("keyslots %v after %d writes and %d flushes", ids, m.writes, m.syncs)
	}
	// The key material is gone, not only the header's reference to it: the
	// old headers put back do not open with the removed passphrase.
	old := bytes.Clone(m.buf)
	copy(old, twoSlots[:2*HeaderSize])
	if opens(t, bytes.NewReader(old), passphrase, vk) || !opens(t, bytes.NewReader(old), passphrase2, vk) {
		t.Fatal("the removed keyslot's key material was not wiped")
	}

	// The freed number and area are the first taken again.
	m.writes = 0
	if n, err := AddKey(m, passphrase2, passphrase3, FormatOptions{Iterations: 2000}); err != nil || n != 0 {
		t.Fatalf("AddKey into the freed keyslot: %d, %v", n, err)
	}
	h, _ = ReadHeader(m)
	if ks := h.Meta.Keyslots["0"]; ks.Area.Offset != "32768" || ks.KDF.Iterations != 2000 || h.seqID != 4 {
		t.Fatalf("new keyslot %+v, sequence id %d", ks, h.seqID)
	}
	if !opens(t, m, passphrase3, vk) || !opens(t, m, passphrase2, vk) || opens(t, m, passphrase, vk) {
		t.Fatal("after the second AddKey, the second and third passphrases must open the volume")
	}
	// Nothing but the headers and the keyslots area was written.
	if !bytes.Equal(m.buf[DataOffset:], before[DataOffset:]) {
		t.Fatal("the data area changed")
	}
	for _, w := range m.written {
		if w[0] < 0 || w[0]+w[1] > DataOffset {
			t.Fatalf("a write at [%d, +%d) reaches the data area", w[0], w[1])
		}
	}
}

func TestKeyslotErrors(t *testing.T) {
	m, _ := newMemVolume(t)
	before := bytes.Clone(m.buf)
	if _, err := AddKey(m, passphrase2, passphrase3, FormatOptions{}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("AddKey with a wrong passphrase: %v, want ErrWrongKey", err)
	}
	if _, err := AddKey(m, passphrase, passphrase, FormatOptions{}); !errors.Is(err, ErrKeyExists) {
		t.Errorf("AddKey of a passphrase that opens a keyslot: %v, want ErrKeyExists", err)
	}
	if _, err := AddKey(m, passphrase, nil, FormatOptions{}); err == nil {
		t.Error("AddKey of an empty passphrase succeeded")
	}
	if _, err := AddKey(m, passphrase, passphrase2, FormatOptions{Iterations: 999}); err == nil {
		t.Error("AddKey with 999 iterations succeeded")
	}
	if _, err := RemoveKey(m, passphrase); !errors.Is(err, ErrLastKeyslot) {
		t.Errorf("RemoveKey of the only keyslot: %v, want ErrLastKeyslot", err)
	}
	if _, err := RemoveKey(m, passphrase2); !errors.Is(err, ErrWrongKey) {
		t.Errorf("RemoveKey with a wrong passphrase: %v, want ErrWrongKey", err)
	}
	if m.writes != 0 || !bytes.Equal(m.buf, before) {
		t.Fatalf("refused calls wrote %d times", m.writes)
	}
	if _, err := AddKey(&memDev{buf: make([]byte, testSize)}, passphrase, passphrase2, FormatOptions{}); !errors.Is(err, ErrNotLUKS2) {
		t.Errorf("AddKey on a blank device: %v", err)
	}

	// A keyslots area with room for one keyslot only.
	small := rewriteMeta(t, m.buf, func(meta *Metadata) { meta.Config.KeyslotsSize = strconv.Itoa(keyslotAreaSize) })
	sm := &memDev{buf: small}
	if _, err := AddKey(sm, passphrase, passphrase2, FormatOptions{}); err == nil || !strings.Contains(err.Error(), "no room") || sm.writes != 0 {
		t.Errorf("AddKey into a full keyslots area: %v after %d writes", err, sm.writes)
	}
}

// TestAllKeyslots fills the 32 keyslots cryptsetup allows: every one opens,
// and a 33rd is refused before anything is written.
func TestAllKeyslots(t *testing.T) {
	if testing.Short() {
		t.Skip("derives some 500 keys")
	}
	m, vk := newMemVolume(t)
	pass := func(i int) []byte { return fmt.Appendf(nil, "%064x", i+1) }
	for i := 1; i < maxKeyslots; i++ {
		if n, err := AddKey(m, passphrase, pass(i), FormatOptions{}); err != nil || n != i {
			t.Fatalf("keyslot %d: %d, %v", i, n, err)
		}
	}
	if ids := keyslotIDs(t, m); len(ids) != maxKeyslots || ids[10] != "10" {
		t.Fatalf("keyslots %v", ids)
	}
	if !opens(t, m, pass(maxKeyslots-1), vk) || !opens(t, m, passphrase, vk) {
		t.Fatal("the last and first keyslots do not open")
	}
	m.writes = 0
	if _, err := AddKey(m, passphrase, []byte("another"), FormatOptions{}); err == nil || m.writes != 0 {
		t.Fatalf("a 33rd keyslot: %v after %d writes", err, m.writes)
	}
}

// TestOpenTriesKeyslotsInNumberOrder: keyslot 2 comes before keyslot 10
// (not in the order of the JSON object's keys).
func TestOpenTriesKeyslotsInNumberOrder(t *testing.T) {
	m, vk := newMemVolume(t)
	// Keyslots 10 and 2 hold the same key material, at two places.
	second := uint64(32768 + keyslotAreaSize)
	copy(m.buf[second:], m.buf[32768:32768+keyslotAreaSize])
	img := rewriteMeta(t, m.buf, func(meta *Metadata) {
		ks := meta.Keyslots["0"]
		delete(meta.Keyslots, "0")
		meta.Keyslots["10"] = ks
		ks.Area.Offset = strconv.FormatUint(second, 10)
		meta.Keyslots["2"] = ks
		dg := meta.Digests["0"]
		dg.Keyslots = []string{"10", "2"}
		meta.Digests["0"] = dg
	})
	h, err := ReadHeader(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	got, id, err := openKeyslot(bytes.NewReader(img), h, passphrase)
	if err != nil || id != "2" || !bytes.Equal(got, vk) {
		t.Fatalf("opened keyslot %q (%v), want 2", id, err)
	}
}

// TestCrashDuringAddKey stops AddKey before each of its writes: every
// state it can leave opens with the old passphrase, and with the new one
// once the secondary header is written.
func TestCrashDuringAddKey(t *testing.T) {
	m, vk := newMemVolume(t)
	want := []struct{ old, new bool }{
		1: {true, false}, // nothing written
		2: {true, false}, // key material in a free area
		3: {true, true},  // the secondary header, with the higher sequence id
		4: {true, true},  // both headers: done
	}
	for k := 1; k < len(want); k++ {
		c := m.clone(k)
		_, err := AddKey(c, passphrase, passphrase2, FormatOptions{})
		if (err == nil) != (k == len(want)-1) {
			t.Fatalf("crash at write %d: AddKey returned %v", k, err)
		}
		if c.writes != min(k, 3) {
			t.Fatalf("crash at write %d: %d writes", k, c.writes)
		}
		if got := (struct{ old, new bool }{opens(t, c, passphrase, vk), opens(t, c, passphrase2, vk)}); got != want[k] {
			t.Errorf("crash at write %d: old/new passphrase open: %v, want %v", k, got, want[k])
		}
		cryptsetupAgrees(t, c.buf, map[string]bool{"old": want[k].old, "new": want[k].new})
		// Running it again finishes the job, or finds it done.
		_, err = AddKey(c.clone(0), passphrase, passphrase2, FormatOptions{})
		if want[k].new != errors.Is(err, ErrKeyExists) || (!want[k].new && err != nil) {
			t.Errorf("crash at write %d: AddKey again: %v", k, err)
		}
	}
}

// TestCrashDuringRemoveKey stops RemoveKey before each of its writes: the
// remaining passphrase opens every state it can leave, the removed one
// none after the wipe.
func TestCrashDuringRemoveKey(t *testing.T) {
	m, vk := newMemVolume(t)
	if _, err := AddKey(m, passphrase, passphrase2, FormatOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		old, new bool
		keyslots int
	}{
		1: {true, true, 2},  // nothing written
		2: {false, true, 2}, // the old key material wiped, the headers still list it
		3: {false, true, 1}, // the secondary header, with the higher sequence id
		4: {false, true, 1}, // both headers: done
	}
	for k := 1; k < len(want); k++ {
		c := m.clone(k)
		_, err := RemoveKey(c, passphrase)
		if (err == nil) != (k == len(want)-1) {
			t.Fatalf("crash at write %d: RemoveKey returned %v", k, err)
		}
		if c.writes != min(k, 3) {
			t.Fatalf("crash at write %d: %d writes", k, c.writes)
		}
		got := want[k]
		got.old, got.new, got.keyslots = opens(t, c, passphrase, vk), opens(t, c, passphrase2, vk), len(keyslotIDs(t, c))
		if got != want[k] {
			t.Errorf("crash at write %d: old/new passphrase open, keyslots: %+v, want %+v", k, got, want[k])
		}
		cryptsetupAgrees(t, c.buf, map[string]bool{"old": want[k].old, "new": want[k].new})
	}
}

// cryptsetupAgrees checks that cryptsetup opens the volume img with the
// passphrases named true, and not with those named false.
func cryptsetupAgrees(t *testing.T, img []byte, want map[string]bool) {
	t.Helper()
	cs, err := exec.LookPath("cryptsetup")
	if err != nil {
		return
	}
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, opens := range want {
		out, err := exec.Command(cs, "open", "--test-passphrase", "--key-file", keyFile(t, testPassphrases[name]), p).CombinedOutput()
		if (err == nil) != opens {
			t.Errorf("cryptsetup with the %s passphrase: %v, want opening %v\n%s", name, err, opens, out)
		}
	}
}

var testPassphrases = map[string][]byte{"old": passphrase, "new": passphrase2, "third": passphrase3}

func keyFile(t *testing.T, p []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(f, p, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// rewriteMeta edits the metadata of both headers of img (its first
// DataOffset bytes are kept) and fixes their checksums.
func rewriteMeta(t testing.TB, img []byte, edit func(*Metadata)) []byte {
	t.Helper()
	out := bytes.Clone(img)
	for _, off := range []int{0, HeaderSize} {
		area := out[off : off+HeaderSize]
		j := area[binHeaderSize:]
		var m Metadata
		if err := json.Unmarshal(j[:bytes.IndexByte(j, 0)], &m); err != nil {
			t.Fatal(err)
		}
		edit(&m)
		text, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		clear(j)
		copy(j, text)
		clear(area[448:512])
		copy(area[448:], headerChecksum(area))
	}
	return out
}

var dumpedKeyslot = regexp.MustCompile(`(?m)^\s+(\d+): luks2$`)
