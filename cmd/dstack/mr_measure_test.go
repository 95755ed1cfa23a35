package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/measure/measuretest/imagedir"
)

func mrImageDir(t *testing.T) (string, [32]byte) {
	t.Helper()
	dir, im := imagedir.Write(t, "")
	hash, err := im.OSImageHash()
	if err != nil {
		t.Fatal(err)
	}
	return dir, hash
}

func runMrMeasureCLI(t *testing.T, f mrMeasureFlags) (string, int) {
	t.Helper()
	var out bytes.Buffer
	err := runMrMeasure(&out, f)
	var ee *exitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return err.Error(), ee.code
	default:
		t.Fatalf("an error without an exit code: %v", err)
		return "", -1
	}
}

func TestMrMeasure(t *testing.T) {
	dir, hash := mrImageDir(t)
	loader, rsdp, tables := strings.Repeat("11", 48), strings.Repeat("22", 48), strings.Repeat("33", 48)
	out, code := runMrMeasureCLI(t, mrMeasureFlags{image: dir, cpus: 2, memory: "4G", acpi: [3]string{loader, rsdp, tables}, json: true})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	var got mrMeasurement
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	im, err := measure.ReadImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	var acpi measure.ACPIDigests
	for i, h := range []string{loader, rsdp, tables} {
		b, _ := hex.DecodeString(h)
		copy([]*[48]byte{&acpi.Loader, &acpi.RSDP, &acpi.Tables}[i][:], b)
	}
	exp, err := im.Expected(measure.VMShape{CPUCount: 2, MemorySize: 4 << 30, NumNICs: 1}, acpi)
	if err != nil {
		t.Fatal(err)
	}
	want := mrMeasurement{
		OSImageHash: hex.EncodeToString(hash[:]), MRTD: hex.EncodeToString(exp.MRTD[:]), RTMR0: hex.EncodeToString(exp.RTMR0[:]),
		RTMR1: hex.EncodeToString(exp.RTMR1[:]), RTMR2: hex.EncodeToString(exp.RTMR2[:]),
		MemorySize: 4 << 30, QEMUVersion: "9.1.0",
	}
	if got != want {
		t.Errorf("mr measure --json:\n%+v\nwant\n%+v", got, want)
	}

	// QEMU 8 adds pages in two passes; without the ACPI digests there is no RTMR0.
	out, code = runMrMeasureCLI(t, mrMeasureFlags{image: dir, cpus: 1, memory: "2G", qemuVersion: "8.2.2"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if !strings.Contains(out, "two-pass") || !strings.Contains(out, "RTMR0          (needs --acpi-loader") || !strings.Contains(out, hex.EncodeToString(hash[:])) {
		t.Errorf("mr measure:\n%s", out)
	}
	if strings.Contains(out, want.MRTD) {
		t.Error("QEMU 8 printed the single-pass MRTD")
	}
}

func TestMrMeasureRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(dir string, f *mrMeasureFlags)
		code int
		want string
	}{
		{"no image", func(_ string, f *mrMeasureFlags) { f.image = "" }, 2, "needs --image"},
		{"bad memory", func(_ string, f *mrMeasureFlags) { f.memory = "lots" }, 2, "not a memory size"},
		{"one ACPI digest", func(_ string, f *mrMeasureFlags) { f.acpi[0] = strings.Repeat("ab", 48) }, 2, "all three"},
		{"short ACPI digest", func(_ string, f *mrMeasureFlags) { f.acpi = [3]string{"ab", "cd", "ef"} }, 2, "96 hex digits"},
		{"old QEMU", func(_ string, f *mrMeasureFlags) { f.qemuVersion = "7.2.0" }, 2, "not supported"},
		{"bad page order", func(_ string, f *mrMeasureFlags) { f.twoPass = "maybe" }, 2, "neither true nor false"},
		{"no metadata", func(dir string, _ *mrMeasureFlags) { must0(os.Remove(filepath.Join(dir, measure.MetadataFile))) }, 2, "metadata.json"},
		{"another measurement document", func(dir string, _ *mrMeasureFlags) {
			// Listed in sha256sum.txt as it is, but not what the image measures.
			p, sums := filepath.Join(dir, measure.TDXMeasurementFile), filepath.Join(dir, measure.ChecksumFile)
			b, _ := os.ReadFile(p)
			old := sha256.Sum256(b)
			b[len(b)-1] ^= 1
			must0(os.WriteFile(p, b, 0o644))
			s, _ := os.ReadFile(sums)
			s = bytes.Replace(s, []byte(hex.EncodeToString(old[:])), []byte(fmt.Sprintf("%x", sha256.Sum256(b))), 1)
			must0(os.WriteFile(sums, s, 0o644))
		}, 1, "is not the measurement of this image"},
		{"a listed digest differs", func(dir string, _ *mrMeasureFlags) {
			p := filepath.Join(dir, measure.ChecksumFile)
			b, _ := os.ReadFile(p)
			b[0] ^= 1
			must0(os.WriteFile(p, b, 0o644))
		}, 1, "lists another SHA-256 for ovmf.fd"},
		{"a file unlisted", func(dir string, _ *mrMeasureFlags) {
			p := filepath.Join(dir, measure.ChecksumFile)
			b, _ := os.ReadFile(p)
			must0(os.WriteFile(p, b[:bytes.IndexByte(b, '\n')+1], 0o644))
		}, 1, "does not list bzImage"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := mrImageDir(t)
			f := mrMeasureFlags{image: dir, cpus: 1, memory: "2G"}
			c.mod(dir, &f)
			out, code := runMrMeasureCLI(t, f)
			if code != c.code || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d: %s; want exit %d and %q", code, out, c.code, c.want)
			}
		})
	}
}

func must0(err error) {
	if err != nil {
		panic(err)
	}
}
