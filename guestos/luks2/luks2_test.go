package luks2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testSize = DataOffset + 4<<20

// passphrase is what the guest uses: hex of a 32-byte disk key.
var passphrase = []byte(strings.Repeat("ab", 32))

func newVolume(t *testing.T) (string, []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(testSize); err != nil {
		t.Fatal(err)
	}
	vk, err := Format(f, testSize, passphrase, FormatOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p, vk
}

func TestFormatOpen(t *testing.T) {
	p, vk := newVolume(t)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, got, err := Open(f, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, vk) {
		t.Fatal("Open returned another volume key than Format")
	}
	if h.DataOffset != DataOffset || h.DataSize != 0 || h.SectorSize != 512 {
		t.Fatalf("segment %d+%d/%d", h.DataOffset, h.DataSize, h.SectorSize)
	}
	if _, _, err := Open(f, []byte(strings.Repeat("ac", 32))); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong passphrase: %v, want ErrWrongKey", err)
	}
}

func TestBlankDevice(t *testing.T) {
	if _, err := ReadHeader(bytes.NewReader(make([]byte, 8192))); !errors.Is(err, ErrNotLUKS2) {
		t.Fatalf("blank: %v", err)
	}
}

// TestInterruptedFormat: the primary header is written last, so a device
// whose format stopped before it is still blank.
func TestInterruptedFormat(t *testing.T) {
	w := &failAt{buf: make([]byte, testSize), failOffset: 0}
	if _, err := Format(w, testSize, passphrase, FormatOptions{}); err == nil {
		t.Fatal("format succeeded although the primary header write failed")
	}
	if _, err := ReadHeader(bytes.NewReader(w.buf)); !errors.Is(err, ErrNotLUKS2) {
		t.Fatalf("after an interrupted format: %v, want ErrNotLUKS2", err)
	}
}

type failAt struct {
	buf        []byte
	failOffset int64
}

func (f *failAt) WriteAt(p []byte, off int64) (int, error) {
	if off == f.failOffset {
		return 0, errors.New("injected failure")
	}
	return copy(f.buf[off:], p), nil
}

// TestByteFlips: any change in either header area is refused before a key
// is derived (checksums), and any change in the keyslot loses the key.
func TestByteFlips(t *testing.T) {
	p, _ := newVolume(t)
	img, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	img = img[:DataOffset]
	for _, off := range []int{0, 7, 9, 30, 80, 110, 170, 210, 257, 300, 450, 4096, 4100, 5000, HeaderSize, HeaderSize + 4097, 2 * HeaderSize, 2*HeaderSize + 1000, 2*HeaderSize + KeySize*stripes - 1} {
		b := bytes.Clone(img)
		b[off] ^= 0x01
		if _, _, err := Open(bytes.NewReader(b), passphrase); err == nil {
			t.Errorf("a flip at %d still opened", off)
		}
	}
}

// TestRejectsShapes: headers that are valid LUKS2 but not of the accepted
// shape are refused (as upstream's validate_single_luks2_header).
func TestRejectsShapes(t *testing.T) {
	p, _ := newVolume(t)
	img, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(string) string{
		"cipher_null": func(s string) string {
			return strings.Replace(s, `"encryption":"aes-xts-plain64","sector_size"`, `"encryption":"cipher_null-ecb","sector_size"`, 1)
		},
		"second token": func(s string) string { return strings.Replace(s, `"tokens":{}`, `"tokens":{"0":{"type":"x"}}`, 1) },
		"argon2": func(s string) string {
			return strings.Replace(s, `"kdf":{"type":"pbkdf2"`, `"kdf":{"type":"argon2id"`, 1)
		},
		"unknown field": func(s string) string { return strings.Replace(s, `"tokens":{}`, `"tokens":{},"x":1`, 1) },
		"flags": func(s string) string {
			return strings.Replace(s, `"json_size"`, `"flags":["allow-discards"],"json_size"`, 1)
		},
		"data overlaps": func(s string) string { return strings.Replace(s, `"offset":"16777216"`, `"offset":"4096"`, 1) },
	} {
		b := rewriteJSON(t, img, edit)
		if _, err := ReadHeader(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The rewrite itself keeps a valid header.
	if _, err := ReadHeader(bytes.NewReader(rewriteJSON(t, img, func(s string) string { return s }))); err != nil {
		t.Fatalf("identity rewrite: %v", err)
	}
}

// rewriteJSON edits the JSON of both headers and fixes their checksums,
// as a host that knows the format would.
func rewriteJSON(t *testing.T, img []byte, edit func(string) string) []byte {
	t.Helper()
	b := bytes.Clone(img[:min(len(img), DataOffset)])
	for _, off := range []int{0, HeaderSize} {
		area := b[off : off+HeaderSize]
		j := area[binHeaderSize:]
		text := string(j[:bytes.IndexByte(j, 0)])
		n := edit(text)
		if len(n) == len(text) && n != text {
			t.Logf("edit kept the length")
		}
		clear(j)
		copy(j, n)
		clear(area[448:512])
		copy(area[448:], headerChecksum(area))
	}
	return b
}

// cryptsetup: the real tool opens what Format wrote, and Open reads what
// the real tool formats with upstream dstack's options.
func cryptsetup(t *testing.T) string {
	p, err := exec.LookPath("cryptsetup")
	if err != nil {
		t.Skip("cryptsetup is not installed (apt-get install cryptsetup-bin)")
	}
	return p
}

func TestCryptsetupOpensOurs(t *testing.T) {
	cs := cryptsetup(t)
	p, vk := newVolume(t)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, passphrase, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(cs, "luksDump", "--batch-mode", "--dump-volume-key", "--key-file", keyFile, p).CombinedOutput()
	if err != nil {
		t.Fatalf("cryptsetup luksDump: %v\n%s", err, out)
	}
	if got := dumpedKey(t, string(out)); got != hex.EncodeToString(vk) {
		t.Fatalf("cryptsetup recovered volume key %s, want %s", got, hex.EncodeToString(vk))
	}
	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrong, []byte(strings.Repeat("cd", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cs, "open", "--test-passphrase", "--key-file", wrong, p).CombinedOutput(); err == nil {
		t.Fatalf("cryptsetup opened our volume with a wrong key:\n%s", out)
	}
}

func TestOpenCryptsetupVolume(t *testing.T) {
	cs := cryptsetup(t)
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, testSize); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, passphrase, 0o600); err != nil {
		t.Fatal(err)
	}
	// Upstream dstack's luksFormat (its pbkdf2 iteration count is
	// benchmarked; a fixed one keeps the test fast).
	out, err := exec.Command(cs, "luksFormat", "--batch-mode", "--type", "luks2", "--offset", "32768",
		"--cipher", "aes-xts-plain64", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
		"--key-file", keyFile, p, "dstack_data_disk").CombinedOutput()
	if err != nil {
		t.Fatalf("cryptsetup luksFormat: %v\n%s", err, out)
	}
	out, err = exec.Command(cs, "luksDump", "--batch-mode", "--dump-volume-key", "--key-file", keyFile, p).CombinedOutput()
	if err != nil {
		t.Fatalf("cryptsetup luksDump: %v\n%s", err, out)
	}
	want := dumpedKey(t, string(out))
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, vk, err := Open(f, passphrase)
	if err != nil {
		t.Fatalf("opening cryptsetup's volume: %v", err)
	}
	if hex.EncodeToString(vk) != want || h.DataOffset != DataOffset {
		t.Fatalf("volume key %x at %d, cryptsetup says %s at %d", vk, h.DataOffset, want, DataOffset)
	}
	if _, _, err := Open(f, []byte(strings.Repeat("cd", 32))); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
}

// dumpedKey extracts the hex volume key from luksDump --dump-volume-key.
func dumpedKey(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "MK dump:")
	if i < 0 {
		i = strings.Index(out, "Volume key:")
	}
	if i < 0 {
		t.Fatalf("no key in luksDump output:\n%s", out)
	}
	var hexKey strings.Builder
	lines := strings.Split(out[i:], "\n")
	for _, line := range lines[:min(len(lines), 6)] {
		if j := strings.Index(line, ":"); j >= 0 {
			line = line[j+1:]
		}
		for _, f := range strings.Fields(line) {
			if _, err := hex.DecodeString(f); err == nil && len(f) == 2 {
				hexKey.WriteString(f)
			}
		}
	}
	return hexKey.String()
}

func FuzzReadHeader(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "disk.img")
	fd, err := os.Create(p)
	if err != nil {
		f.Fatal(err)
	}
	if err := fd.Truncate(testSize); err != nil {
		f.Fatal(err)
	}
	if _, err := Format(fd, testSize, passphrase, FormatOptions{}); err != nil {
		f.Fatal(err)
	}
	fd.Close()
	img, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	// The fuzzer edits the JSON text; the checksums are fixed up so that
	// the metadata validation is what gets exercised.
	j := img[binHeaderSize:HeaderSize]
	f.Add(string(j[:bytes.IndexByte(j, 0)]))
	// A header with two keyslots, as AddKey leaves it.
	two, _, _ := twoKeyslots(f)
	f.Add(headerText(two.buf, 0))
	// ReadHeader reads nothing past the two headers.
	img = bytes.Clone(img[:2*HeaderSize])
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) >= HeaderSize-binHeaderSize {
			return
		}
		b := rewriteJSON(t, img, func(string) string { return text })
		_, _ = ReadHeader(bytes.NewReader(b))
	})
}
