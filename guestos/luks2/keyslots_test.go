package luks2

import (
	"bytes"
	"encoding/binary"
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
	for i := 1; i < MaxKeyslots; i++ {
		if n, err := AddKey(m, passphrase, pass(i), FormatOptions{}); err != nil || n != i {
			t.Fatalf("keyslot %d: %d, %v", i, n, err)
		}
	}
	if ids := keyslotIDs(t, m); len(ids) != MaxKeyslots || ids[10] != "10" {
		t.Fatalf("keyslots %v", ids)
	}
	if !opens(t, m, pass(MaxKeyslots-1), vk) || !opens(t, m, passphrase, vk) {
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

// luksDumpKeyslots returns the keyslot numbers cryptsetup luksDump lists
// for the volume p.
func luksDumpKeyslots(t *testing.T, cs, p string) []string {
	t.Helper()
	out, err := exec.Command(cs, "luksDump", p).CombinedOutput()
	if err != nil {
		t.Fatalf("cryptsetup luksDump: %v\n%s", err, out)
	}
	var ids []string
	for _, m := range dumpedKeyslot.FindAllStringSubmatch(string(out), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// cryptsetupOpens reports whether cryptsetup opens the volume p with
// passphrase pass.
func cryptsetupOpens(t *testing.T, cs, p string, pass []byte) bool {
	t.Helper()
	return exec.Command(cs, "open", "--test-passphrase", "--key-file", keyFile(t, pass), p).Run() == nil
}

func openFile(t *testing.T, p string) *os.File {
	t.Helper()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestCryptsetupReadsOurKeyslots: cryptsetup opens a volume with the
// keyslots AddKey added, and no longer with those RemoveKey removed.
func TestCryptsetupReadsOurKeyslots(t *testing.T) {
	cs := cryptsetup(t)
	p, vk := newVolume(t)
	f := openFile(t, p)
	if _, err := AddKey(f, passphrase, passphrase2, FormatOptions{}); err != nil {
		t.Fatal(err)
	}
	if ids := luksDumpKeyslots(t, cs, p); !slices.Equal(ids, []string{"0", "1"}) {
		t.Fatalf("cryptsetup lists keyslots %v, want [0 1]", ids)
	}
	if !cryptsetupOpens(t, cs, p, passphrase) || !cryptsetupOpens(t, cs, p, passphrase2) {
		t.Fatal("cryptsetup does not open the volume with both passphrases")
	}
	out, err := exec.Command(cs, "luksDump", "--batch-mode", "--dump-volume-key", "--key-file", keyFile(t, passphrase2), p).CombinedOutput()
	if err != nil {
		t.Fatalf("cryptsetup luksDump: %v\n%s", err, out)
	}
	if got := dumpedKey(t, string(out)); got != fmt.Sprintf("%x", vk) {
		t.Fatalf("cryptsetup recovered volume key %s through the added keyslot, want %x", got, vk)
	}
	if _, err := RemoveKey(f, passphrase); err != nil {
		t.Fatal(err)
	}
	if ids := luksDumpKeyslots(t, cs, p); !slices.Equal(ids, []string{"1"}) {
		t.Fatalf("cryptsetup lists keyslots %v, want [1]", ids)
	}
	if cryptsetupOpens(t, cs, p, passphrase) || !cryptsetupOpens(t, cs, p, passphrase2) {
		t.Fatal("after RemoveKey, cryptsetup must open the volume with the new passphrase only")
	}
}

// TestOpenReadsCryptsetupKeyslots: Open reads the keyslots cryptsetup's
// luksAddKey and luksKillSlot leave, and AddKey and RemoveKey work on a
// volume cryptsetup formatted (which has a salt per header and 4096-byte
// sectors).
func TestOpenReadsCryptsetupKeyslots(t *testing.T) {
	cs := cryptsetup(t)
	p, vk := newVolume(t)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(cs, args...).CombinedOutput(); err != nil {
			t.Fatalf("cryptsetup %s: %v\n%s", args[0], err, out)
		}
	}
	run("luksAddKey", "--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--key-file", keyFile(t, passphrase), p, keyFile(t, passphrase2))
	f := openFile(t, p)
	if ids := keyslotIDs(t, f); !slices.Equal(ids, []string{"0", "1"}) {
		t.Fatalf("keyslots %v after luksAddKey", ids)
	}
	if !opens(t, f, passphrase, vk) || !opens(t, f, passphrase2, vk) {
		t.Fatal("Open does not open luksAddKey's volume with both passphrases")
	}
	run("luksKillSlot", "--batch-mode", p, "0")
	if opens(t, f, passphrase, vk) || !opens(t, f, passphrase2, vk) {
		t.Fatal("after luksKillSlot 0, Open must open the volume with the second passphrase only")
	}

	// A volume cryptsetup formatted, re-keyed by AddKey and RemoveKey.
	q := filepath.Join(t.TempDir(), "cs.img")
	if err := os.WriteFile(q, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(q, testSize); err != nil {
		t.Fatal(err)
	}
	run("luksFormat", "--batch-mode", "--type", "luks2", "--offset", "32768", "--cipher", "aes-xts-plain64",
		"--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--key-file", keyFile(t, passphrase), q)
	g := openFile(t, q)
	if _, err := AddKey(g, passphrase, passphrase3, FormatOptions{}); err != nil {
		t.Fatalf("AddKey on cryptsetup's volume: %v", err)
	}
	if _, err := RemoveKey(g, passphrase); err != nil {
		t.Fatalf("RemoveKey on cryptsetup's volume: %v", err)
	}
	if cryptsetupOpens(t, cs, q, passphrase) || !cryptsetupOpens(t, cs, q, passphrase3) || !slices.Equal(luksDumpKeyslots(t, cs, q), []string{"1"}) {
		t.Fatal("cryptsetup's volume re-keyed by AddKey and RemoveKey does not open with the new passphrase only")
	}

	// cryptsetup's default KDF is argon2id, which this package refuses,
	// saying which keyslot.
	run("luksAddKey", "--batch-mode", "--pbkdf-memory", "32", "--pbkdf-force-iterations", "4", "--key-file", keyFile(t, passphrase3), q, keyFile(t, passphrase2))
	if _, _, err := Open(g, passphrase3); err == nil || !strings.Contains(err.Error(), "keyslot 0: KDF argon2id") {
		t.Fatalf("an argon2id keyslot: %v", err)
	}
}

// twoKeyslots returns a volume with keyslot 0 for passphrase and keyslot 1
// for passphrase2 (sequence id 2), and the same volume before AddKey
// (sequence id 1).
func twoKeyslots(t testing.TB) (two, one *memDev, vk []byte) {
	t.Helper()
	one, vk = newMemVolume(t)
	two = one.clone(0)
	if _, err := AddKey(two, passphrase, passphrase2, FormatOptions{}); err != nil {
		t.Fatal(err)
	}
	return two, one, vk
}

// headerText returns the JSON text of header i (0 primary, 1 secondary).
func headerText(img []byte, i int) string {
	j := img[i*HeaderSize+binHeaderSize : (i+1)*HeaderSize]
	return string(j[:bytes.IndexByte(j, 0)])
}

// setHeader replaces the JSON text and sequence id of header i (0
// primary, 1 secondary) of img and fixes its checksum.
func setHeader(img []byte, i int, text string, seq uint64) {
	area := img[i*HeaderSize : (i+1)*HeaderSize]
	j := area[binHeaderSize:]
	clear(j)
	copy(j, text)
	b := encodeBinHeader(parseBinHeader(area[:binHeaderSize]))
	binary.BigEndian.PutUint64(b[16:24], seq)
	copy(area, b)
	copy(area[448:], headerChecksum(area))
}

// TestHeaderSequence: of two valid headers, the one with the higher
// sequence id is used, whichever it is; two that differ under one sequence
// id, or whose older one does not validate, are refused.
func TestHeaderSequence(t *testing.T) {
	two, one, vk := twoKeyslots(t)
	mix := func(primary, secondary *memDev) []byte {
		b := bytes.Clone(two.buf)
		copy(b[:HeaderSize], primary.buf[:HeaderSize])
		copy(b[HeaderSize:2*HeaderSize], secondary.buf[HeaderSize:2*HeaderSize])
		return b
	}
	for name, c := range map[string]struct {
		img      []byte
		keyslots int
	}{
		"secondary newer": {mix(one, two), 2}, // our order, stopped between the headers
		"primary newer":   {mix(two, one), 2}, // cryptsetup's order, stopped between the headers
		"both old":        {mix(one, one), 1},
	} {
		r := bytes.NewReader(c.img)
		if got := len(keyslotIDs(t, r)); got != c.keyslots {
			t.Errorf("%s: %d keyslots in use, want %d", name, got, c.keyslots)
		}
		if !opens(t, r, passphrase, vk) || opens(t, r, passphrase2, vk) != (c.keyslots == 2) {
			t.Errorf("%s: opens with the wrong passphrases", name)
		}
	}

	refused := map[string][]byte{}
	b := mix(one, two)
	setHeader(b, 1, headerText(b, 1), 1)
	refused["same sequence id, other metadata"] = b
	b = mix(one, two)
	setHeader(b, 0, strings.Replace(headerText(b, 0), `"encryption":"aes-xts-plain64","sector_size"`, `"encryption":"cipher_null-ecb","sector_size"`, 1), 1)
	refused["older header with cipher_null"] = b
	b = mix(two, one)
	setHeader(b, 1, strings.Replace(headerText(b, 1), `"tokens":{}`, `"tokens":{"0":{"type":"x"}}`, 1), 1)
	refused["older header with a token"] = b
	b = bytes.Clone(two.buf)
	copy(b[HeaderSize+168:], "00000000-0000-4000-8000-000000000000")
	setHeader(b, 1, headerText(b, 1), 2)
	refused["another UUID"] = b
	for name, img := range refused {
		if _, err := ReadHeader(bytes.NewReader(img)); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestRejectsKeyslotShapes: every keyslot of a header with several is
// validated as strictly as the one of a fresh volume, and the keyslots
// must fit together.
func TestRejectsKeyslotShapes(t *testing.T) {
	two, _, _ := twoKeyslots(t)
	slot := func(id string, edit func(*Keyslot)) func(*Metadata) {
		return func(m *Metadata) { ks := m.Keyslots[id]; edit(&ks); m.Keyslots[id] = ks }
	}
	digest := func(ids ...string) func(*Metadata) {
		return func(m *Metadata) { dg := m.Digests["0"]; dg.Keyslots = ids; m.Digests["0"] = dg }
	}
	renumber := func(to string) func(*Metadata) {
		return func(m *Metadata) {
			m.Keyslots[to] = m.Keyslots["1"]
			delete(m.Keyslots, "1")
			digest("0", to)(m)
		}
	}
	for name, c := range map[string]struct {
		edit func(*Metadata)
		want string
	}{
		"overlapping areas":      {slot("1", func(k *Keyslot) { k.Area.Offset = strconv.Itoa(32768 + 4096) }), "overlap"},
		"same area":              {slot("1", func(k *Keyslot) { k.Area.Offset = "32768" }), "overlap"},
		"area past the keyslots": {slot("1", func(k *Keyslot) { k.Area.Offset = strconv.Itoa(DataOffset - 4096) }), "keyslot 1: area"},
		"area under the headers": {slot("1", func(k *Keyslot) { k.Area.Offset = strconv.Itoa(HeaderSize) }), "keyslot 1: area"},
		"area in part sectors":   {slot("1", func(k *Keyslot) { k.Area.Size = "256001" }), "keyslot 1: area"},
		"area too small":         {slot("1", func(k *Keyslot) { k.Area.Size = "4096" }), "keyslot 1: area"},
		"second argon2":          {slot("1", func(k *Keyslot) { k.KDF.Type = "argon2id" }), "keyslot 1: KDF"},
		"second short salt":      {slot("1", func(k *Keyslot) { k.KDF.Salt = k.KDF.Salt[:16] }), "keyslot 1: KDF"},
		"second 999 iterations":  {slot("1", func(k *Keyslot) { k.KDF.Iterations = 999 }), "keyslot 1: KDF"},
		"second 128-bit key":     {slot("1", func(k *Keyslot) { k.KeySize = 16 }), "keyslot 1: key size"},
		"second cipher":          {slot("1", func(k *Keyslot) { k.Area.Encryption = "cipher_null-ecb" }), "keyslot 1: area"},
		"second splitter":        {slot("1", func(k *Keyslot) { k.AF.Stripes = 4001 }), "keyslot 1: anti-forensic"},
		"second type":            {slot("1", func(k *Keyslot) { k.Type = "reencrypt" }), "keyslot 1: type"},
		"digest misses one":      {digest("0"), "want every keyslot"},
		"digest of an unknown":   {digest("0", "1", "2"), "unknown or listed twice"},
		"digest lists one twice": {digest("0", "0", "1"), "unknown or listed twice"},
		"digest of none":         {digest(), "want every keyslot"},
		"keyslot 32":             {renumber("32"), `keyslot "32"`},
		"keyslot 01":             {renumber("01"), `keyslot "01"`},
		"keyslot -1":             {renumber("-1"), `keyslot "-1"`},
		"keyslot x":              {renumber("x"), `keyslot "x"`},
		"no keyslot":             {func(m *Metadata) { clear(m.Keyslots) }, "0 keyslots"},
		"33 keyslots": {func(m *Metadata) {
			for i := 2; i <= MaxKeyslots; i++ {
				m.Keyslots[strconv.Itoa(i)] = m.Keyslots["1"]
			}
		}, "33 keyslots"},
	} {
		_, err := ReadHeader(bytes.NewReader(rewriteMeta(t, two.buf, c.edit)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
	if _, err := ReadHeader(bytes.NewReader(rewriteMeta(t, two.buf, func(*Metadata) {}))); err != nil {
		t.Fatalf("identity rewrite: %v", err)
	}
}

// TestByteFlipsTwoKeyslots: on a volume with two keyslots, any change in
// either header is refused before a key is derived, and a change in one
// keyslot's key material loses that keyslot only.
func TestByteFlipsTwoKeyslots(t *testing.T) {
	two, _, vk := twoKeyslots(t)
	h, err := ReadHeader(two)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0, 7, 17, 23, 80, 110, 170, 257, 450, 4096, 4200, 6000, 9000, HeaderSize, HeaderSize + 23, HeaderSize + 4200, HeaderSize + 9000, 2*HeaderSize - 1} {
		b := bytes.Clone(two.buf)
		b[off] ^= 0x01
		if _, _, err := Open(bytes.NewReader(b), passphrase); err == nil || errors.Is(err, ErrWrongKey) {
			t.Errorf("a flip at %d in the headers: %v, want a header error", off, err)
		}
	}
	for id, p := range map[string][]byte{"0": passphrase, "1": passphrase2} {
		off, _ := strconv.Atoi(h.Meta.Keyslots[id].Area.Offset)
		other := map[string][]byte{"0": passphrase2, "1": passphrase}[id]
		for _, d := range []int{0, 1000, KeySize*stripes - 1} {
			b := bytes.Clone(two.buf)
			b[off+d] ^= 0x01
			r := bytes.NewReader(b)
			if opens(t, r, p, vk) || !opens(t, r, other, vk) {
				t.Errorf("a flip at %d in keyslot %s's material: its passphrase still opens, or the other no longer does", off+d, id)
			}
		}
	}
}

// FuzzReadHeaderPair fuzzes the two headers apart: their JSON texts and
// sequence ids, as a host that rewrites one header could leave them.
func FuzzReadHeaderPair(f *testing.F) {
	two, one, _ := twoKeyslots(f)
	f.Add(headerText(one.buf, 0), headerText(two.buf, 1), uint64(1), uint64(2))
	f.Add(headerText(two.buf, 0), headerText(one.buf, 1), uint64(2), uint64(1))
	f.Add(headerText(two.buf, 0), headerText(two.buf, 1), uint64(2), uint64(2))
	// ReadHeader reads nothing past the two headers.
	img := bytes.Clone(two.buf[:2*HeaderSize])
	f.Fuzz(func(t *testing.T, primary, secondary string, seq1, seq2 uint64) {
		if len(primary) >= HeaderSize-binHeaderSize || len(secondary) >= HeaderSize-binHeaderSize {
			return
		}
		b := bytes.Clone(img)
		setHeader(b, 0, primary, seq1)
		setHeader(b, 1, secondary, seq2)
		h, err := ReadHeader(bytes.NewReader(b))
		if err != nil {
			return
		}
		if h.seqID != max(seq1, seq2) || (seq1 == seq2 && primary != secondary) {
			t.Fatalf("accepted sequence ids %d and %d as %d", seq1, seq2, h.seqID)
		}
	})
}

// TestCryptsetupRepairsTornHeader: a crash inside AddKey's primary header
// write leaves a primary header half old, half new. Open refuses it,
// saying how to repair it, and after `cryptsetup repair` both passphrases
// open the volume.
func TestCryptsetupRepairsTornHeader(t *testing.T) {
	cs := cryptsetup(t)
	two, one, vk := twoKeyslots(t)
	img := bytes.Clone(two.buf)
	// The write stopped after the binary header and one sector of JSON.
	copy(img[binHeaderSize+512:HeaderSize], one.buf[binHeaderSize+512:HeaderSize])
	if _, _, err := Open(bytes.NewReader(img), passphrase); err == nil || !strings.Contains(err.Error(), "cryptsetup repair") {
		t.Fatalf("a torn primary header: %v", err)
	}
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cs, "repair", "--batch-mode", p).CombinedOutput(); err != nil {
		t.Fatalf("cryptsetup repair: %v\n%s", err, out)
	}
	f := openFile(t, p)
	if !opens(t, f, passphrase, vk) || !opens(t, f, passphrase2, vk) {
		t.Fatal("the repaired volume does not open with both passphrases")
	}
}
