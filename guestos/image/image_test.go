package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/blakesmith/ar"
	"github.com/u-root/u-root/pkg/cpio"
	"github.com/ulikunitz/xz"
)

// fullConfig has every required option, the modular ones as =m.
func fullConfig() (map[string]string, map[string]string) {
	cfg := map[string]string{}
	byName := map[string]string{}
	for _, r := range Requirements {
		if r.Module == "" {
			cfg[r.Option] = "y"
			continue
		}
		cfg[r.Option] = "m"
		byName[r.Module] = "kernel/" + r.Module + ".ko.xz"
	}
	return cfg, byName
}

func TestCheckConfigAcceptsCompleteKernel(t *testing.T) {
	cfg, byName := fullConfig()
	mods, missing, err := checkConfig(cfg, byName, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 0 {
		t.Fatalf("missing = %v", missing)
	}
	want := 0
	for _, r := range Requirements {
		if r.Module != "" {
			want++
		}
	}
	if len(mods) != want {
		t.Fatalf("%d modules to ship, want %d: %v", len(mods), want, mods)
	}
}

func TestCheckConfigListsEveryGap(t *testing.T) {
	cfg, byName := fullConfig()
	delete(cfg, "INTEL_TDX_GUEST")   // absent
	cfg["DM_CRYPT"] = "m"            // module, but not shipped:
	delete(byName, "dm_crypt")       //
	cfg["SERIAL_8250_CONSOLE"] = "m" // must be built in
	cfg["TSM_REPORTS"] = "n"         // odd value
	_, _, err := checkConfig(cfg, byName, nil)
	if err == nil {
		t.Fatal("a kernel without four required options was accepted")
	}
	for _, want := range []string{"CONFIG_INTEL_TDX_GUEST not set", "CONFIG_DM_CRYPT =m, but the package ships no module dm_crypt",
		"CONFIG_SERIAL_8250_CONSOLE =m, but must be built in", "CONFIG_TSM_REPORTS =n"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestCheckConfigAcceptMissing(t *testing.T) {
	cfg, byName := fullConfig()
	delete(cfg, "INTEL_TDX_GUEST")
	delete(cfg, "TSM_REPORTS")
	_, missing, err := checkConfig(cfg, byName, []string{"CONFIG_INTEL_TDX_GUEST", "TSM_REPORTS"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(missing, []string{"INTEL_TDX_GUEST", "TSM_REPORTS"}) {
		t.Fatalf("missing = %v", missing)
	}
	// Accepting one gap does not accept another.
	delete(cfg, "EXT4_FS")
	if _, _, err := checkConfig(cfg, byName, []string{"INTEL_TDX_GUEST", "TSM_REPORTS"}); err == nil || !strings.Contains(err.Error(), "CONFIG_EXT4_FS") {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := checkConfig(cfg, byName, []string{"NOT_A_REQUIREMENT"}); err == nil {
		t.Fatal("accepting an option the guest does not require was allowed")
	}
}

func TestBuildRefusesBadOptions(t *testing.T) {
	ctx := context.Background()
	for name, o := range map[string]Options{
		"simulated TEE without debug": {Out: t.TempDir(), InsecureSimulatedTEE: true},
		"non-TDX option accepted":     {Out: t.TempDir(), AcceptMissing: []string{"EXT4_FS"}},
		"no output":                   {},
		"negative epoch":              {Out: t.TempDir(), SourceDateEpoch: -1},
	} {
		if _, err := Build(ctx, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, Options{Out: full}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a non-empty output directory: %v", err)
	}
}

func TestCmdlineMarkers(t *testing.T) {
	prod := Cmdline(false, false)
	for _, m := range []string{DebugArg, InsecureSimulatedTEEArg} {
		if strings.Contains(prod, m) {
			t.Fatalf("production command line carries %s: %s", m, prod)
		}
	}
	if c := Cmdline(true, false); !strings.Contains(c, DebugArg) || strings.Contains(c, InsecureSimulatedTEEArg) {
		t.Fatalf("debug command line: %s", c)
	}
	if c := Cmdline(true, true); !strings.Contains(c, InsecureSimulatedTEEArg) {
		t.Fatalf("simulated-TEE command line: %s", c)
	}
	for _, tok := range []string{"console=ttyS0", "panic=1", "oops=panic"} {
		if !strings.Contains(prod, tok) {
			t.Errorf("command line lacks %s", tok)
		}
	}
}

func TestLoadOrder(t *testing.T) {
	deps := map[string][]string{
		"virtio_net.ko":   {"net_failover.ko", "failover.ko"},
		"net_failover.ko": {"failover.ko"},
		"failover.ko":     nil,
		"ext4.ko":         {"jbd2.ko", "mbcache.ko"},
		"jbd2.ko":         nil,
		"mbcache.ko":      nil,
	}
	get := func(m string) ([]string, error) {
		d, ok := deps[m]
		if !ok {
			return nil, errors.New("unknown")
		}
		return d, nil
	}
	got, err := loadOrder([]string{"virtio_net.ko", "ext4.ko", "failover.ko"}, get)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"failover.ko", "net_failover.ko", "virtio_net.ko", "jbd2.ko", "mbcache.ko", "ext4.ko"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	deps["failover.ko"] = []string{"virtio_net.ko"}
	if _, err := loadOrder([]string{"virtio_net.ko"}, get); err == nil || !strings.Contains(err.Error(), "depends on itself") {
		t.Fatalf("a cycle: %v", err)
	}
	deps["failover.ko"] = []string{"gone.ko"}
	if _, err := loadOrder([]string{"virtio_net.ko"}, get); err == nil || !strings.Contains(err.Error(), "gone.ko") {
		t.Fatalf("a missing dependency: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := parseConfig([]byte("#\n# comment\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\nCONFIG_D=\"x=y\"\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, map[string]string{"A": "y", "C": "m", "D": `"x=y"`}) {
		t.Fatalf("cfg = %v", cfg)
	}
	for _, bad := range []string{"A=y\n", "CONFIG_=y\n", "CONFIG_A\n"} {
		if _, err := parseConfig([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("CONFIG_A=y\n# CONFIG_B is not set\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfig(b)
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
	})
}

func FuzzModuleDepends(f *testing.F) {
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = moduleDepends(b) // must not panic
	})
}

// testDeb is a .deb whose data.tar.xz holds files.
func testDeb(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, name := range sortedKeys(files) {
		if err := tw.WriteHeader(&tar.Header{Name: "./" + name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var xb bytes.Buffer
	xw, err := xz.NewWriter(&xb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xw.Write(tb.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	var deb bytes.Buffer
	aw := ar.NewWriter(&deb)
	if err := aw.WriteGlobalHeader(); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		name string
		data []byte
	}{{"debian-binary", []byte("2.0\n")}, {"control.tar.xz", nil}, {"data.tar.xz", xb.Bytes()}} {
		if err := aw.WriteHeader(&ar.Header{Name: m.name, Size: int64(len(m.data)), Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		if _, err := aw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	return deb.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}

func TestWalkDeb(t *testing.T) {
	deb := testDeb(t, map[string]string{"usr/share/ovmf/OVMF.fd": "firmware", "etc/x": "y"})
	got := map[string]string{}
	err := walkDebReader(bytes.NewReader(deb), func(h *tar.Header, r io.Reader) error {
		b, err := io.ReadAll(r)
		got[h.Name] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["usr/share/ovmf/OVMF.fd"] != "firmware" || got["etc/x"] != "y" {
		t.Fatalf("read %v", got)
	}
	p := filepath.Join(t.TempDir(), "ovmf.deb")
	if err := os.WriteFile(p, deb, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := debFile(p, ovmfPath); err != nil || string(b) != "firmware" {
		t.Fatalf("debFile = %q, %v", b, err)
	}
	if _, err := debFile(p, "usr/share/none"); err == nil {
		t.Fatal("a file the package lacks was found")
	}
}

// Every single-byte change of a package is an error or a changed content,
// never a panic and never the original content passed off as read.
func TestWalkDebByteFlips(t *testing.T) {
	deb := testDeb(t, map[string]string{"a": strings.Repeat("content ", 8)})
	for i := 0; i < len(deb); i++ {
		mod := bytes.Clone(deb)
		mod[i] ^= 0x55
		_ = walkDebReader(bytes.NewReader(mod), func(h *tar.Header, r io.Reader) error {
			_, err := io.ReadAll(r)
			return err
		})
	}
	mod := bytes.Clone(deb)
	mod[len(mod)-10] ^= 0xff // inside data.tar.xz's checksummed stream
	err := walkDebReader(bytes.NewReader(mod), func(h *tar.Header, r io.Reader) error {
		_, err := io.ReadAll(r)
		return err
	})
	if err == nil {
		t.Fatal("a damaged data.tar.xz read without an error")
	}
}

func FuzzWalkDeb(f *testing.F) {
	f.Add(testDeb(f, map[string]string{"a": "b"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = walkDebReader(bytes.NewReader(b), func(h *tar.Header, r io.Reader) error {
			_, err := io.Copy(io.Discard, io.LimitReader(r, 1<<20))
			return err
		})
	})
}

func TestCheckPin(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.deb")
	if err := os.WriteFile(p, []byte("package"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := fileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	pin := Pin{Package: "x", Version: "1", SHA256: sum}
	if err := checkPin(p, pin); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("packagE"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkPin(p, pin); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("a file with another hash: %v", err)
	}
	// A given file is checked too, before anything reads it.
	if _, err := pinnedDeb(context.Background(), p, t.TempDir(), pin, io.Discard); err == nil {
		t.Fatal("--kernel-deb with another hash was accepted")
	}
}

func readCPIO(t *testing.T, gz []byte) []cpio.Record {
	t.Helper()
	zr, err := gzipReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestInitramfs(t *testing.T) {
	c := initramfsContent{
		init:    []byte("\x7fELF init"),
		release: "6.12.0-test",
		modules: []module{{path: "kernel/net/core/failover.ko", data: []byte("f")}, {path: "kernel/drivers/net/virtio_net.ko", data: []byte("v")}},
	}
	a, err := writeInitramfs(c, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	b, err := writeInitramfs(c, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two initramfs of the same content differ")
	}
	recs := readCPIO(t, a)
	names := map[string]cpio.Record{}
	prev := ""
	for _, r := range recs {
		if r.Name < prev {
			t.Errorf("%s after %s: not sorted", r.Name, prev)
		}
		prev = r.Name
		if r.UID != 0 || r.GID != 0 || r.MTime != 1700000000 {
			t.Errorf("%s: uid %d gid %d mtime %d", r.Name, r.UID, r.GID, r.MTime)
		}
		names[r.Name] = r
		if strings.HasPrefix(r.Name, "bin") {
			t.Errorf("a production initramfs holds %s", r.Name)
		}
	}
	for _, want := range []string{"init", "dev/console", "lib/modules/6.12.0-test/kernel/net/core/failover.ko", "lib", "lib/modules", ModulesListPath} {
		if _, ok := names[want]; !ok {
			t.Errorf("initramfs lacks %s", want)
		}
	}
	if r := names["dev/console"]; r.Mode&cpio.S_IFMT != cpio.S_IFCHR || r.Rmajor != 5 || r.Rminor != 1 {
		t.Errorf("dev/console: mode %o %d:%d", r.Mode, r.Rmajor, r.Rminor)
	}
	list, err := io.ReadAll(io.NewSectionReader(names[ModulesListPath], 0, int64(names[ModulesListPath].FileSize)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "/lib/modules/6.12.0-test/kernel/net/core/failover.ko\n/lib/modules/6.12.0-test/kernel/drivers/net/virtio_net.ko\n"; string(list) != want {
		t.Errorf("modules list %q, want %q", list, want)
	}

	c.debug = map[string][]byte{"gosh": []byte("sh"), "ls": []byte("ls")}
	d, err := writeInitramfs(c, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	dn := map[string]cpio.Record{}
	for _, r := range readCPIO(t, d) {
		dn[r.Name] = r
	}
	if r, ok := dn["bin/sh"]; !ok || r.Mode&cpio.S_IFMT != cpio.S_IFLNK {
		t.Errorf("a debug initramfs has no /bin/sh link")
	}
	if _, ok := dn["bin/gosh"]; !ok {
		t.Errorf("a debug initramfs has no /bin/gosh")
	}
}

func sortStrings(s []string) { sort.Strings(s) }

func gzipReader(b []byte) (io.Reader, error) { return gzip.NewReader(bytes.NewReader(b)) }

func TestNoMeasurementWithoutTDVF(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	measured, err := writeMeasurement(dir, []byte("not a firmware"), &log)
	if err != nil || measured {
		t.Fatalf("measured %v, %v", measured, err)
	}
	if _, err := os.Stat(filepath.Join(dir, MeasurementFile)); !os.IsNotExist(err) {
		t.Fatalf("%s written: %v", MeasurementFile, err)
	}
	if !strings.Contains(log.String(), "not a TDX firmware") {
		t.Fatalf("the build does not say why: %q", log.String())
	}
}

// TestSourceDateEpochReachesClockCheck builds a program with the /init
// build's ldflags: the SOURCE_DATE_EPOCH they stamp is the floor of PID
// 1's clock check (a wrong variable name would be ignored by the linker).
func TestSourceDateEpochReachesClockCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	const epoch = 1830297600 // 2028-01-01
	args := initBuildArgs(epoch)
	ldflags := args[slices.Index(args, "-ldflags")+1]
	stamp := ldflags[max(strings.Index(ldflags, "-X "), 0):] // without the static link, which needs no C here
	out, err := exec.Command("go", "run", "-ldflags", stamp, "./testdata/clockfloor").CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != strconv.Itoa(epoch) {
		t.Fatalf("the clock floor is %s, want the stamped %d", got, epoch)
	}
	if slices.ContainsFunc(initBuildArgs(0), func(a string) bool { return strings.Contains(a, ClockEpochVar) }) {
		t.Fatal("an unset SOURCE_DATE_EPOCH is stamped")
	}
}
