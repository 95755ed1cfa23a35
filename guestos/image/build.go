package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dstack-go/dstack/tee/measure"
)

// File names in an image directory, upstream's.
const (
	FirmwareFile    = "ovmf.fd"
	KernelFile      = "bzImage"
	InitrdFile      = "initramfs.cpio.gz"
	MetadataFile    = measure.MetadataFile
	MeasurementFile = measure.TDXMeasurementFile
	ChecksumFile    = measure.ChecksumFile
	DigestFile      = measure.DigestFile
)

// DefaultVersion is the image version written to metadata.json when
// Options.Version is empty.
const DefaultVersion = "0.1.0"

// BaseCmdline is the kernel command line of every image: the console on the
// first serial port, a panic (and so PID 1 dying) or an oops ends the VM
// (panic=1 reboots, which a host running qemu with -no-reboot turns into the
// VM's end, the reason left on the console), and upstream's hardening of
// early boot against what the host controls
// (https://github.com/Dstack-TEE/dstack/blob/master/os/image/kernel-cmdline.sh).
// no_timer_check skips the boot-time check that the legacy timer reaches
// the IO-APIC: an emulated CPU on a loaded host can miss its window and
// panic ("IO-APIC + timer doesn't work"), and a TD has no such timer.
const BaseCmdline = "console=ttyS0 panic=1 oops=panic net.ifnames=0 biosdevname=0 mce=off pci=noearly pci=nommconf " +
	"random.trust_cpu=y random.trust_bootloader=n tsc=reliable no-kvmclock no_timer_check"

// Command-line markers of development images. dstack-init must refuse the
// simulated TEE unless InsecureSimulatedTEEArg is on its command line, and
// only a --debug build puts it there.
const (
	DebugArg                = "dstack.debug=1"
	InsecureSimulatedTEEArg = "dstack.insecure_simulated_tee=1"
)

// Options describe one image build.
type Options struct {
	// Out is the directory the image is written to; it must not exist or be
	// empty. Required.
	Out string
	// Debug adds u-root's shell and a few commands (DebugShellModule) and
	// marks the image is_dev, with DebugArg on its command line. False by
	// default: a production image has no shell.
	Debug bool
	// InsecureSimulatedTEE puts InsecureSimulatedTEEArg on the command line,
	// which lets dstack-init run on a simulated TEE. Only with Debug. False
	// by default.
	InsecureSimulatedTEE bool
	// KernelDeb is a kernel .deb to use instead of fetching KernelPin; it
	// must have the pinned SHA-256. Empty by default (fetched with apt).
	KernelDeb string
	// OVMFDeb is an ovmf .deb to use instead of fetching OVMFPin; it must
	// have the pinned SHA-256. Empty by default (fetched with apt).
	OVMFDeb string
	// Firmware is a TDX firmware (TDVF) file shipped as ovmf.fd instead of
	// Debian's OVMF, and measured. Empty by default (Debian's OVMF, which
	// carries TDVF metadata too).
	Firmware string
	// Kernel and OVMF override the pins. Zero by default (KernelPin, OVMFPin).
	Kernel, OVMF Pin
	// AcceptMissing names kernel options (of TDXOptions) the build accepts
	// as missing, for an image that only boots under TCG; they are recorded
	// in metadata.json. Empty by default: every Requirements option must be
	// there.
	AcceptMissing []string
	// CacheDir keeps fetched packages between builds. Empty means
	// DefaultCacheDir.
	CacheDir string
	// SourceDir is the root of this module's source, from which dstack-init
	// is built. Empty means the module containing the working directory.
	SourceDir string
	// Version is metadata.json's version. Empty means DefaultVersion.
	Version string
	// SourceDateEpoch is the time stamp of every file in the initramfs and
	// of its gzip header, in seconds since 1970 (the SOURCE_DATE_EPOCH
	// convention); when not 0 it is also stamped into dstack-init, whose
	// clock check then refuses a clock earlier than it. 0 by default.
	SourceDateEpoch int64
	// Log receives progress lines. Nil discards them.
	Log io.Writer
}

// Result describes a built image.
type Result struct {
	// Dir is the image directory.
	Dir string
	// KernelRelease is the kernel's release ("6.12.95+deb12-amd64").
	KernelRelease string
	// Modules are the kernel modules in the initramfs, in load order.
	Modules []string
	// KernelSize, InitrdSize and FirmwareSize are the files' sizes in bytes.
	KernelSize, InitrdSize, FirmwareSize int64
	// OSImageHash is the SHA-256 of sha256sum.txt.
	OSImageHash [32]byte
	// Measured says whether the directory holds measurement.tdx.cbor (and
	// so whether OSImageHash is the one a verifier binds).
	Measured bool
	// Duration is how long the build took.
	Duration time.Duration
}

// Metadata is metadata.json: upstream's fields in upstream's order, then
// Build, which upstream's readers ignore.
type Metadata struct {
	BIOS        string `json:"bios"`
	Kernel      string `json:"kernel"`
	Cmdline     string `json:"cmdline"`
	Initrd      string `json:"initrd"`
	Version     string `json:"version"`
	GitRevision string `json:"git_revision"`
	SharedRO    bool   `json:"shared_ro"`
	IsDev       bool   `json:"is_dev"`
	OVMFVariant string `json:"ovmf_variant"`
	// Build records what the image was built from.
	Build BuildRecord `json:"dstack_go_build"`
}

// BuildRecord says what an image was built from and with which
// exceptions; it is part of metadata.json and so of the os_image_hash.
type BuildRecord struct {
	KernelPackage        string   `json:"kernel_package"`
	KernelDebSHA256      string   `json:"kernel_deb_sha256"`
	KernelRelease        string   `json:"kernel_release"`
	KernelModules        []string `json:"kernel_modules"`
	MissingKernelOptions []string `json:"accepted_missing_kernel_options"`
	FirmwarePackage      string   `json:"firmware_package"`
	FirmwareSHA256       string   `json:"firmware_sha256"`
	DebugShell           string   `json:"debug_shell"`
	InsecureSimulatedTEE bool     `json:"insecure_simulated_tee"`
	GoVersion            string   `json:"go_version"`
	CCVersion            string   `json:"cc_version"`
	SourceDateEpoch      int64    `json:"source_date_epoch"`
}

// Build builds an image into opts.Out.
func Build(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	if opts.Out == "" {
		return nil, errors.New("building the image: no output directory")
	}
	if opts.InsecureSimulatedTEE && !opts.Debug {
		return nil, errors.New("building the image: the simulated TEE is for debug images only (add --debug)")
	}
	for _, a := range opts.AcceptMissing {
		if !isTDXOption(strings.TrimPrefix(a, "CONFIG_")) {
			return nil, fmt.Errorf("building the image: only TDX options (%s) may be accepted as missing, not %s", strings.Join(TDXOptions, ", "), a)
		}
	}
	if opts.Kernel == (Pin{}) {
		opts.Kernel = KernelPin
	}
	if opts.OVMF == (Pin{}) {
		opts.OVMF = OVMFPin
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.SourceDateEpoch < 0 {
		return nil, errors.New("building the image: SOURCE_DATE_EPOCH is negative")
	}
	if err := emptyOrAbsent(opts.Out); err != nil {
		return nil, err
	}
	src := opts.SourceDir
	if src == "" {
		var err error
		if src, err = moduleRoot(ctx); err != nil {
			return nil, err
		}
	}
	cache := opts.CacheDir
	if cache == "" {
		var err error
		if cache, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}

	kernelDeb, err := pinnedDeb(ctx, opts.KernelDeb, cache, opts.Kernel, log)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "reading %s\n", opts.Kernel)
	k, err := readKernel(kernelDeb, opts.AcceptMissing)
	if err != nil {
		return nil, err
	}
	firmware, firmwarePackage, firmwareSHA256, err := readFirmware(ctx, opts, cache, log)
	if err != nil {
		return nil, err
	}

	work, err := os.MkdirTemp("", "dstack-image-")
	if err != nil {
		return nil, fmt.Errorf("building the image: %w", err)
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(log, "building %s (static, cgo)\n", InitPackage)
	initBin, err := buildInit(ctx, src, work, opts.SourceDateEpoch)
	if err != nil {
		return nil, err
	}
	content := initramfsContent{init: initBin, release: k.release, modules: k.modules}
	if opts.Debug {
		fmt.Fprintf(log, "building the debug shell from %s\n", DebugShellModule)
		if content.debug, err = buildDebugCommands(ctx, work); err != nil {
			return nil, err
		}
	}
	initrd, err := writeInitramfs(content, uint64(opts.SourceDateEpoch))
	if err != nil {
		return nil, err
	}

	goVersion, err := commandOutput(ctx, src, "go", "env", "GOVERSION")
	if err != nil {
		return nil, fmt.Errorf("building the image: %w", err)
	}
	ccVersion, err := commandOutput(ctx, src, "gcc", "-dumpfullversion")
	if err != nil {
		return nil, fmt.Errorf("building the image: %w", err)
	}
	meta := Metadata{
		BIOS: FirmwareFile, Kernel: KernelFile, Initrd: InitrdFile,
		Cmdline:     Cmdline(opts.Debug, opts.InsecureSimulatedTEE),
		Version:     opts.Version,
		GitRevision: gitRevision(ctx, src),
		SharedRO:    true,
		IsDev:       opts.Debug,
		OVMFVariant: "pre202505",
		Build: BuildRecord{
			KernelPackage:        opts.Kernel.Package + "=" + opts.Kernel.Version,
			KernelDebSHA256:      opts.Kernel.SHA256,
			KernelRelease:        k.release,
			MissingKernelOptions: append([]string{}, k.missing...),
			FirmwarePackage:      firmwarePackage,
			FirmwareSHA256:       firmwareSHA256,
			InsecureSimulatedTEE: opts.InsecureSimulatedTEE,
			GoVersion:            goVersion,
			CCVersion:            ccVersion,
			SourceDateEpoch:      opts.SourceDateEpoch,
			KernelModules:        []string{},
		},
	}
	for _, m := range k.modules {
		meta.Build.KernelModules = append(meta.Build.KernelModules, moduleName(m.path))
	}
	if opts.Debug {
		meta.Build.DebugShell = DebugShellModule
	}
	metaJSON, err := marshalMetadata(&meta)
	if err != nil {
		return nil, err
	}

	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("building the image: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{FirmwareFile, firmware}, {KernelFile, k.image}, {InitrdFile, initrd}, {MetadataFile, metaJSON}}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(opts.Out, f.name), f.data, 0o644); err != nil {
			return nil, fmt.Errorf("building the image: %w", err)
		}
	}
	measured, err := writeMeasurement(opts.Out, firmware, log)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Measured: measured,
		Dir:      opts.Out, KernelRelease: k.release, Modules: meta.Build.KernelModules,
		KernelSize: int64(len(k.image)), InitrdSize: int64(len(initrd)), FirmwareSize: int64(len(firmware)),
	}
	if res.OSImageHash, err = writeChecksums(opts.Out); err != nil {
		return nil, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// Cmdline is the kernel command line of an image.
func Cmdline(debug, insecureSimulatedTEE bool) string {
	c := BaseCmdline
	if debug {
		c += " " + DebugArg
	}
	if insecureSimulatedTEE {
		c += " " + InsecureSimulatedTEEArg
	}
	return c
}

// marshalMetadata writes metadata.json as upstream's assembly does:
// four-space indentation, a final newline.
func marshalMetadata(m *Metadata) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", MetadataFile, err)
	}
	return b.Bytes(), nil
}

// writeChecksums writes sha256sum.txt over the image's files in upstream's
// order (those present of firmware, kernel, initrd, metadata.json,
// measurement.tdx.cbor), and digest.txt, and returns the os_image_hash.
func writeChecksums(dir string) ([32]byte, error) {
	var sums bytes.Buffer
	for _, name := range []string{FirmwareFile, KernelFile, InitrdFile, MetadataFile, MeasurementFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) && name == MeasurementFile {
			continue
		}
		if err != nil {
			return [32]byte{}, fmt.Errorf("writing %s: %w", ChecksumFile, err)
		}
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(b), name)
	}
	if err := os.WriteFile(filepath.Join(dir, ChecksumFile), sums.Bytes(), 0o644); err != nil {
		return [32]byte{}, fmt.Errorf("writing %s: %w", ChecksumFile, err)
	}
	h := sha256.Sum256(sums.Bytes())
	if err := os.WriteFile(filepath.Join(dir, DigestFile), []byte(hex.EncodeToString(h[:])+"\n"), 0o644); err != nil {
		return [32]byte{}, fmt.Errorf("writing %s: %w", DigestFile, err)
	}
	return h, nil
}

func isTDXOption(o string) bool {
	for _, t := range TDXOptions {
		if t == o {
			return true
		}
	}
	return false
}

func emptyOrAbsent(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("building the image: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("building the image: %s is not empty; name a new directory", dir)
	}
	return nil
}

// pinnedDeb returns file, checked against pin, or the pinned package from
// the cache, fetched when needed.
func pinnedDeb(ctx context.Context, file, cache string, pin Pin, log io.Writer) (string, error) {
	if file != "" {
		if err := checkPin(file, pin); err != nil {
			return "", err
		}
		return file, nil
	}
	return fetchDeb(ctx, cache, pin, log)
}

// debFile returns the regular file name of the package at debPath.
func debFile(debPath, name string) ([]byte, error) {
	var out []byte
	err := walkDeb(debPath, func(h *tar.Header, r io.Reader) error {
		if h.Name != name || h.Typeflag != tar.TypeReg {
			return nil
		}
		b, err := io.ReadAll(r)
		out = b
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("reading %s: the package has no %s", debPath, name)
	}
	return out, nil
}

func moduleRoot(ctx context.Context) (string, error) {
	gomod, err := commandOutput(ctx, "", "go", "env", "GOMOD")
	if err != nil {
		return "", fmt.Errorf("finding the source of dstack-init: %w", err)
	}
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("finding the source of dstack-init: run inside the dstack repository or name it (--source)")
	}
	return filepath.Dir(gomod), nil
}

// gitRevision is the commit of the source, with "-dirty" when tracked files
// differ from it, or "" outside a git checkout.
func gitRevision(ctx context.Context, dir string) string {
	rev, err := commandOutput(ctx, dir, "git", "rev-parse", "HEAD")
	if err != nil {
		return ""
	}
	if st, err := commandOutput(ctx, dir, "git", "status", "--porcelain", "--untracked-files=no"); err == nil && st != "" {
		rev += "-dirty"
	}
	return rev
}

func commandOutput(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = buildEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// readFirmware returns the firmware file and what metadata.json records of
// it: opts.Firmware as given, or OVMF.fd of the pinned ovmf package.
func readFirmware(ctx context.Context, opts Options, cache string, log io.Writer) (fw []byte, pkg, sum string, err error) {
	if opts.Firmware != "" {
		fw, err = os.ReadFile(opts.Firmware)
		if err != nil {
			return nil, "", "", fmt.Errorf("reading the firmware: %w", err)
		}
		h := sha256.Sum256(fw)
		return fw, "file", hex.EncodeToString(h[:]), nil
	}
	deb, err := pinnedDeb(ctx, opts.OVMFDeb, cache, opts.OVMF, log)
	if err != nil {
		return nil, "", "", err
	}
	if fw, err = debFile(deb, ovmfPath); err != nil {
		return nil, "", "", err
	}
	return fw, opts.OVMF.Package + "=" + opts.OVMF.Version, opts.OVMF.SHA256, nil
}

// writeMeasurement writes measurement.tdx.cbor into the image directory
// when its firmware is a TDX firmware (TDVF): the material from which a
// verifier recomputes MRTD and RTMR0-2. A firmware without TDVF metadata
// leaves the image without a measurement document, and says so.
func writeMeasurement(dir string, firmware []byte, log io.Writer) (bool, error) {
	if _, err := measure.ParseTDVF(firmware); err != nil {
		fmt.Fprintf(log, "%s is not a TDX firmware (%v): no %s is written; give a TDVF (--firmware) for an image a TDX verifier can bind\n",
			FirmwareFile, err, MeasurementFile)
		return false, nil
	}
	m, err := measure.MeasureImageDir(dir)
	if err != nil {
		return false, fmt.Errorf("measuring the image: %w", err)
	}
	b, err := m.Marshal()
	if err != nil {
		return false, fmt.Errorf("measuring the image: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, MeasurementFile), b, 0o644); err != nil {
		return false, fmt.Errorf("measuring the image: %w", err)
	}
	return true, nil
}
