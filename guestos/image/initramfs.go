package image

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/u-root/u-root/pkg/cpio"
)

// InitPackage is the program that becomes the guest's /init.
const InitPackage = "./guestos/cmd/dstack-init"

// ModulesListPath is the file in the initramfs that names, one absolute
// path a line, the kernel modules dstack-init loads, in the order it must
// load them (each after those it depends on).
const ModulesListPath = "etc/dstack/modules.load"

// DebugShellModule is the u-root release whose commands a --debug image
// carries in /bin, with gosh as /bin/sh.
const DebugShellModule = "github.com/u-root/u-root@v0.16.0"

// debugCommands are the u-root commands of a debug image.
var debugCommands = []string{"gosh", "cat", "dmesg", "ip", "ls", "mount", "ps"}

// buildEnv is the environment of the Go builds: the caller's locations of
// the toolchain, caches and module proxy, and nothing else of it, so that
// build flags in the caller's environment cannot change the image.
func buildEnv() []string {
	keep := []string{"PATH", "HOME", "TMPDIR", "GOROOT", "GOPATH", "GOCACHE", "GOMODCACHE",
		"GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GOPRIVATE", "GONOPROXY", "GOTOOLCHAIN",
		"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"}
	var env []string
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env,
		"GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "GOFLAGS=", "GOEXPERIMENT=",
		"CGO_ENABLED=1", "CC=gcc", "CGO_CFLAGS=-O2 -g0", "CGO_CPPFLAGS=", "CGO_LDFLAGS=",
		"GOWORK=off")
}

// initBuildArgs are the flags of the /init build. dstack-init links runc's
// libcontainer, whose nsenter is C, so it is a static cgo build; -trimpath,
// an empty build id and no VCS stamp make it the same from any checkout of
// the same commit. A SOURCE_DATE_EPOCH (when not 0) is stamped into
// dstack-init as the earliest time its clock check accepts (ClockEpochVar).
func initBuildArgs(sourceDateEpoch int64) []string {
	ldflags := "-s -w -buildid= -linkmode=external -extldflags=-static"
	if sourceDateEpoch > 0 {
		ldflags += fmt.Sprintf(" -X %s=%d", ClockEpochVar, sourceDateEpoch)
	}
	return []string{"build", "-trimpath", "-buildvcs=false", "-tags", "osusergo,netgo", "-ldflags", ldflags}
}

// ClockEpochVar is the string variable of dstack-init that holds the image
// build's SOURCE_DATE_EPOCH: PID 1 refuses a clock earlier than it.
const ClockEpochVar = "github.com/dstack-go/dstack/guestos/pid1.sourceDateEpoch"

// buildInit compiles dstack-init from the module at srcDir into dir.
func buildInit(ctx context.Context, srcDir, dir string, sourceDateEpoch int64) ([]byte, error) {
	out := filepath.Join(dir, "init")
	args := append(initBuildArgs(sourceDateEpoch), "-o", out, InitPackage)
	if err := goCommand(ctx, srcDir, args...); err != nil {
		return nil, fmt.Errorf("building %s: %w", InitPackage, err)
	}
	return os.ReadFile(out)
}

// buildDebugCommands compiles the u-root commands of a debug image into
// dir, from u-root's own module at DebugShellModule's version.
func buildDebugCommands(ctx context.Context, dir string) (map[string][]byte, error) {
	_, version, _ := strings.Cut(DebugShellModule, "@")
	mod, _, _ := strings.Cut(DebugShellModule, "@")
	args := []string{"install", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}
	for _, c := range debugCommands {
		args = append(args, mod+"/cmds/core/"+c+"@"+version)
	}
	bin := filepath.Join(dir, "bin")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(buildEnv(), "GOBIN="+bin, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the debug shell (go %s): %w\n%s", strings.Join(args, " "), err, out)
	}
	cmds := map[string][]byte{}
	for _, c := range debugCommands {
		b, err := os.ReadFile(filepath.Join(bin, c))
		if err != nil {
			return nil, fmt.Errorf("building the debug shell: %w", err)
		}
		cmds[c] = b
	}
	return cmds, nil
}

func goCommand(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = buildEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// initramfsContent is everything the initramfs holds.
type initramfsContent struct {
	init    []byte
	release string
	modules []module
	debug   map[string][]byte // u-root command name → binary; nil for production
	files   map[string][]byte // further files, path → content (mode 0644)
}

// writeInitramfs returns the gzip-compressed newc cpio of c: directories,
// /dev/console, /init, the modules and their load list, and the debug
// commands, sorted by path, owned by 0:0, every time stamp mtime.
func writeInitramfs(c initramfsContent, mtime uint64) ([]byte, error) {
	var recs []cpio.Record
	for _, d := range []string{"dev", "proc", "sys", "run", "tmp", "etc", "var", "mnt"} {
		mode := uint64(0o755)
		if d == "tmp" {
			mode = 0o1777
		}
		recs = append(recs, cpio.Directory(d, mode))
	}
	recs = append(recs,
		cpio.CharDev("dev/console", 0o600, 5, 1),
		cpio.StaticRecord(c.init, cpio.Info{Name: "init", Mode: cpio.S_IFREG | 0o755}),
	)
	var list strings.Builder
	for _, m := range c.modules {
		p := path.Join("lib/modules", c.release, m.path)
		recs = append(recs, cpio.StaticRecord(m.data, cpio.Info{Name: p, Mode: cpio.S_IFREG | 0o644}))
		list.WriteString("/" + p + "\n")
	}
	recs = append(recs, cpio.StaticRecord([]byte(list.String()), cpio.Info{Name: ModulesListPath, Mode: cpio.S_IFREG | 0o644}))
	for name, b := range c.files {
		recs = append(recs, cpio.StaticRecord(b, cpio.Info{Name: name, Mode: cpio.S_IFREG | 0o644}))
	}
	if c.debug != nil {
		for name, b := range c.debug {
			recs = append(recs, cpio.StaticRecord(b, cpio.Info{Name: "bin/" + name, Mode: cpio.S_IFREG | 0o755}))
		}
		recs = append(recs, cpio.Symlink("bin/sh", "gosh"))
	}
	recs = append(recs, parentDirs(recs)...)
	// Parents first, then by name: the order is a function of the content.
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Name < recs[j].Name })
	cpio.MakeAllReproducible(recs)
	for i := range recs {
		recs[i].MTime = mtime
	}
	var raw bytes.Buffer
	w := cpio.Newc.Writer(&raw)
	if err := cpio.WriteRecords(w, recs); err != nil {
		return nil, fmt.Errorf("writing the initramfs: %w", err)
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return nil, fmt.Errorf("writing the initramfs: %w", err)
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	// No name and a fixed time in the gzip header.
	if mtime != 0 {
		zw.ModTime = time.Unix(int64(mtime), 0).UTC()
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, fmt.Errorf("compressing the initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing the initramfs: %w", err)
	}
	return gz.Bytes(), nil
}

// parentDirs returns directory records (0755) for the parents of recs that
// recs do not hold themselves.
func parentDirs(recs []cpio.Record) []cpio.Record {
	have := map[string]bool{}
	for _, r := range recs {
		have[cpio.Normalize(r.Name)] = true
	}
	var out []cpio.Record
	for _, r := range recs {
		for d := path.Dir(cpio.Normalize(r.Name)); d != "." && d != "/" && !have[d]; d = path.Dir(d) {
			have[d] = true
			out = append(out, cpio.Directory(d, 0o755))
		}
	}
	return out
}
