package image

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/measure/measuretest"
)

// needBuildTools skips a test that builds a real image where apt-get, gcc
// or the Go toolchain is missing, except in CI, which installs them.
func needBuildTools(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a real image (-short)")
	}
	for _, tool := range []string{"apt-get", "gcc", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed to build the image: %v", tool, err)
			}
			t.Skipf("%s is needed to build the image: %v", tool, err)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Two builds of the same source, in different temporary directories, with
// a kernel package copied elsewhere under another time stamp, give the
// same bytes in every file and so the same os_image_hash.
func TestBuildReproducible(t *testing.T) {
	needBuildTools(t)
	ctx := context.Background()
	cache, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	src := repoRoot(t)

	base := t.TempDir()
	// A TDX firmware in the real format, so that the image is measured.
	tdvf := filepath.Join(base, "tdvf.fd")
	if err := os.WriteFile(tdvf, measuretest.Firmware(measuretest.OVMFSections), 0o644); err != nil {
		t.Fatal(err)
	}
	outA := filepath.Join(base, "a", "image")
	tmpA := filepath.Join(base, "a", "tmp")
	if err := os.MkdirAll(tmpA, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmpA)
	start := time.Now()
	var logA bytes.Buffer
	a, err := Build(ctx, Options{Out: outA, SourceDir: src, CacheDir: cache, Firmware: tdvf, Log: &logA})
	if err != nil {
		t.Fatalf("%v\n%s", err, logA.String())
	}
	t.Logf("build A: %s; kernel %d bytes + initramfs %d bytes = %d bytes (%.1f MiB); firmware %d bytes; %d modules",
		time.Since(start).Round(time.Millisecond), a.KernelSize, a.InitrdSize, a.KernelSize+a.InitrdSize,
		float64(a.KernelSize+a.InitrdSize)/(1<<20), a.FirmwareSize, len(a.Modules))

	// Build B: the kernel package from another path with another mtime,
	// another TMPDIR, and noise in the environment the build must ignore.
	kernelCopy := filepath.Join(base, "b", "kernel.deb")
	if err := os.MkdirAll(filepath.Dir(kernelCopy), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(cache, "debs", KernelPin.SHA256+".deb"), kernelCopy)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(kernelCopy, old, old); err != nil {
		t.Fatal(err)
	}
	tmpB := filepath.Join(base, "b", "tmp", "deeper")
	if err := os.MkdirAll(tmpB, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmpB)
	t.Setenv("CGO_CFLAGS", "-O0 -g3")
	t.Setenv("GOFLAGS", "-ldflags=-X=main.noise=1")
	t.Setenv("GOAMD64", "v3")
	start = time.Now()
	var logB bytes.Buffer
	b, err := Build(ctx, Options{Out: filepath.Join(base, "b", "out"), SourceDir: src, CacheDir: cache, KernelDeb: kernelCopy, Firmware: tdvf, Log: &logB})
	if err != nil {
		t.Fatalf("%v\n%s", err, logB.String())
	}
	t.Logf("build B: %s", time.Since(start).Round(time.Millisecond))

	if !a.Measured || !b.Measured {
		t.Fatal("an image with a TDX firmware was not measured")
	}
	names := []string{FirmwareFile, KernelFile, InitrdFile, MetadataFile, MeasurementFile, ChecksumFile, DigestFile}
	for _, n := range names {
		x, err := os.ReadFile(filepath.Join(a.Dir, n))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b.Dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds of the same source", n)
		}
	}
	if a.OSImageHash != b.OSImageHash {
		t.Errorf("os_image_hash %x, then %x", a.OSImageHash, b.OSImageHash)
	}
	t.Logf("os_image_hash %x", a.OSImageHash)

	// The measurement document is the image's, and the os_image_hash binds it.
	m, err := measure.MeasureImageDir(a.Dir)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, readFile(t, filepath.Join(a.Dir, MeasurementFile))) {
		t.Error("measurement.tdx.cbor is not the image's measurement")
	}
	sums := readFile(t, filepath.Join(a.Dir, ChecksumFile))
	if measure.OSImageHash(sums) != a.OSImageHash {
		t.Error("os_image_hash is not SHA-256 of sha256sum.txt")
	}
	if _, err := measure.ChecksumEntry(sums, MeasurementFile); err != nil {
		t.Errorf("sha256sum.txt does not list the measurement document: %v", err)
	}

	var meta Metadata
	mj, err := os.ReadFile(filepath.Join(a.Dir, MetadataFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mj, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.IsDev || meta.Build.DebugShell != "" || meta.Build.InsecureSimulatedTEE || strings.Contains(meta.Cmdline, InsecureSimulatedTEEArg) {
		t.Errorf("a production image is marked for development: %s", mj)
	}
	for _, want := range []string{"tdx_guest", "tsm", "virtio_net", "dm_crypt", "vmw_vsock_virtio_transport", "ext4", "overlay", "configfs"} {
		if !contains(a.Modules, want) {
			t.Errorf("the initramfs lacks module %s (has %v)", want, a.Modules)
		}
	}
	recs := readCPIO(t, readFile(t, filepath.Join(a.Dir, InitrdFile)))
	for _, r := range recs {
		if strings.HasPrefix(r.Name, "bin") {
			t.Errorf("the production initramfs holds %s", r.Name)
		}
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// A debug image carries u-root's shell, says it is a development image in
// metadata.json and on its command line (and so measures differently); with
// Debian's OVMF, which carries TDVF metadata, it is measured.
func TestBuildDebug(t *testing.T) {
	needBuildTools(t)
	cache, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "image")
	var log bytes.Buffer
	start := time.Now()
	res, err := Build(context.Background(), Options{Out: out, SourceDir: repoRoot(t), CacheDir: cache, Debug: true, InsecureSimulatedTEE: true, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Logf("debug build: %s; kernel %d bytes + initramfs %d bytes", time.Since(start).Round(time.Millisecond), res.KernelSize, res.InitrdSize)
	var meta Metadata
	if err := json.Unmarshal(readFile(t, filepath.Join(out, MetadataFile)), &meta); err != nil {
		t.Fatal(err)
	}
	if !meta.IsDev || meta.Build.DebugShell != DebugShellModule || !meta.Build.InsecureSimulatedTEE ||
		!strings.Contains(meta.Cmdline, DebugArg) || !strings.Contains(meta.Cmdline, InsecureSimulatedTEEArg) {
		t.Errorf("the debug image is not marked as one: %+v", meta)
	}
	if meta.Build.FirmwarePackage != OVMFPin.Package+"="+OVMFPin.Version {
		t.Errorf("firmware recorded as %q", meta.Build.FirmwarePackage)
	}
	if !res.Measured {
		t.Errorf("the image with Debian's OVMF was not measured:\n%s", log.String())
	}
	if _, err := measure.ChecksumEntry(readFile(t, filepath.Join(out, ChecksumFile)), MeasurementFile); err != nil {
		t.Errorf("sha256sum.txt does not list %s: %v", MeasurementFile, err)
	}
	names := map[string]bool{}
	for _, r := range readCPIO(t, readFile(t, filepath.Join(out, InitrdFile))) {
		names[r.Name] = true
	}
	for _, want := range []string{"bin/sh", "bin/gosh", "bin/ls", "init"} {
		if !names[want] {
			t.Errorf("the debug initramfs lacks %s", want)
		}
	}
}
