package devstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dstack-go/dstack/guestos/image"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
)

// vmImage is the guest OS image the stack's VMs boot: its directory and
// metadata.json.
type vmImage struct {
	dir  string
	meta image.Metadata
	// built says whether this run built it (rather than found it cached
	// or given).
	built *image.Result
	// hash is its os_image_hash, vmConfig the vm_config of a VM of the
	// stack that boots it, and boot what a TDX module measures when that
	// VM boots it (measureVMImage).
	hash     [32]byte
	vmConfig string
	boot     *mock.Boot
}

// measureVMImage computes what the stack's VMs of the image report: the
// vm_config that claims the image in the VMs' shape (upstream's lite form,
// with the image's measurement document), and MRTD, RTMR0–2 and their
// boot event log as a TDX module, OVMF and QEMU would measure the image's
// firmware, kernel, initrd and command line in that shape. The guest's
// simulated TD reports exactly these, so its evidence binds the image that
// booted: a verifier recomputes them from the image's measurement or
// directory.
func (im *vmImage) measure() error {
	m, err := measure.ReadImage(im.dir)
	if err != nil {
		return fmt.Errorf("measuring the guest image in %s: %w", im.dir, err)
	}
	if im.hash, err = m.OSImageHash(); err != nil {
		return fmt.Errorf("measuring the guest image in %s: %w", im.dir, err)
	}
	if im.vmConfig, err = mock.ImageVMConfig(m, vmShapeConfig()); err != nil {
		return fmt.Errorf("measuring the guest image in %s: %w", im.dir, err)
	}
	cfg, err := identity.ParseVMConfig(im.vmConfig)
	if err != nil {
		return err
	}
	if cfg.TDXAttestationVariant != measure.VariantLite {
		return fmt.Errorf("the guest image in %s has no %s for its VMs' shape, so the stack's KMS cannot bind its os_image_hash: build it with a TDX firmware (dstack image build)", im.dir, measure.TDXMeasurementFile)
	}
	if im.boot, err = mock.MeasureImageBoot(m, measure.ShapeOf(cfg)); err != nil {
		return fmt.Errorf("measuring the boot of the guest image in %s: %w", im.dir, err)
	}
	return nil
}

// openVMImage reads the image in dir and refuses one that cannot run on
// the stack's simulated TEE: a production image halts at boot when asked
// to.
func openVMImage(dir string) (*vmImage, error) {
	b, err := os.ReadFile(filepath.Join(dir, image.MetadataFile))
	if err != nil {
		return nil, fmt.Errorf("reading the guest image in %s: %w", dir, err)
	}
	im := &vmImage{dir: dir}
	if err := json.Unmarshal(b, &im.meta); err != nil {
		return nil, fmt.Errorf("reading the guest image in %s: %s: %w", dir, image.MetadataFile, err)
	}
	if !im.meta.Build.InsecureSimulatedTEE || !strings.Contains(" "+im.meta.Cmdline+" ", " "+image.InsecureSimulatedTEEArg+" ") {
		return nil, fmt.Errorf("the guest image in %s is not built for the simulated TEE the dev stack runs on (a production image refuses it): build one with \"dstack image build --debug --insecure-simulated-tee --out DIR\", or leave --vm-image out to have it built", dir)
	}
	for _, f := range []string{im.meta.Kernel, im.meta.Initrd} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("reading the guest image in %s: %w", dir, err)
		}
	}
	return im, nil
}

// cachedVMImage returns the development image (debug, simulated TEE) of the
// source in src, building it into cache when the cache holds none of this
// source. The cache key is a hash of the source's Go files, go.mod, go.sum
// and the build's pins, so that a change to any of them builds anew.
func cachedVMImage(ctx context.Context, src, cache string, log io.Writer) (*vmImage, error) {
	key, err := sourceKey(src)
	if err != nil {
		return nil, fmt.Errorf("hashing the source of the guest image: %w", err)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("creating the guest image cache: %w", err)
	}
	dir := filepath.Join(cache, key[:16])
	if im, err := openVMImage(dir); err == nil {
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // used: the last to be pruned
		return im, nil
	}
	// One build at a time per cache: another stack may be building the
	// same image.
	lock, err := os.OpenFile(filepath.Join(cache, "build.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return nil, fmt.Errorf("locking the guest image cache: %w", err)
	}
	if im, err := openVMImage(dir); err == nil {
		return im, nil
	}
	tmp, err := os.MkdirTemp(cache, "building-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	res, err := image.Build(ctx, image.Options{Out: filepath.Join(tmp, "image"), Debug: true, InsecureSimulatedTEE: true, SourceDir: src, Log: log})
	if err != nil {
		return nil, err
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(res.Dir, dir); err != nil {
		return nil, fmt.Errorf("storing the guest image in its cache: %w", err)
	}
	im, err := openVMImage(dir)
	if err != nil {
		return nil, err
	}
	res.Dir = dir
	im.built = res
	pruneVMImages(cache, keepVMImages)
	return im, nil
}

// keepVMImages is how many images the cache keeps: the most recently used
// (several checkouts of the source may share the cache).
const keepVMImages = 4

// pruneVMImages removes all but the keep most recently used images of the
// cache.
func pruneVMImages(cache string, keep int) {
	ents, err := os.ReadDir(cache)
	if err != nil {
		return
	}
	type cached struct {
		path string
		used time.Time
	}
	var images []cached
	for _, e := range ents {
		if !e.IsDir() || len(e.Name()) != 16 || strings.Trim(e.Name(), "0123456789abcdef") != "" {
			continue
		}
		if fi, err := e.Info(); err == nil {
			images = append(images, cached{filepath.Join(cache, e.Name()), fi.ModTime()})
		}
	}
	sort.Slice(images, func(i, j int) bool { return images[i].used.After(images[j].used) })
	for i := keep; i < len(images); i++ {
		_ = os.RemoveAll(images[i].path)
	}
}

// DefaultVMImageCache is where `dev up --vm` keeps the images it builds:
// dstack/dev-images under the user's cache directory.
func DefaultVMImageCache() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory for guest images: %w", err)
	}
	return filepath.Join(d, "dstack", "dev-images"), nil
}

// moduleSource is the root of the dstack module the working directory is
// in: the source the guest image is built from.
func moduleSource(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("--vm builds the guest image from this repository's source: run dev up inside the dstack repository, or give a built image with --vm-image")
	}
	return filepath.Dir(gomod), nil
}

// sourceKey hashes what the image is built from: every non-test Go, C and
// assembly file of the module (outside dot directories and testdata),
// go.mod, go.sum, and the pinned kernel and firmware.
func sourceKey(root string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "dstack dev image\x00%+v\x00%+v\x00", image.KernelPin, image.OVMFPin)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(name)
		if !d.Type().IsRegular() || strings.HasSuffix(name, "_test.go") ||
			(ext != ".go" && ext != ".c" && ext != ".h" && ext != ".s" && name != "go.mod" && name != "go.sum") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\x00%d\x00", rel, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
