package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultCacheDir is where fetched packages are kept between builds:
// dstack/image under the user's cache directory.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory for fetched packages: %w", err)
	}
	return filepath.Join(d, "dstack", "image"), nil
}

// fileSHA256 is the hex SHA-256 of the file at p.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkPin refuses the file at p unless its SHA-256 is pin's.
func checkPin(p string, pin Pin) error {
	sum, err := fileSHA256(p)
	if err != nil {
		return fmt.Errorf("checking %s against its pin: %w", pin, err)
	}
	if sum != pin.SHA256 {
		return fmt.Errorf("checking %s against its pin: %s has SHA-256 %s, the pin says %s: refusing it", pin, p, sum, pin.SHA256)
	}
	return nil
}

// fetchDeb returns the path of the .deb of pin in cacheDir, verified
// against the pin. When the cache does not hold it, it downloads it with
// apt-get from pin's suite, with an apt state of its own under cacheDir
// (the machine's apt sources and lists are neither read nor changed).
func fetchDeb(ctx context.Context, cacheDir string, pin Pin, log io.Writer) (string, error) {
	debs := filepath.Join(cacheDir, "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return "", fmt.Errorf("fetching %s: %w", pin, err)
	}
	// One fetch at a time per cache: apt's state directory is not shared.
	lock, err := os.OpenFile(filepath.Join(cacheDir, "fetch.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("fetching %s: %w", pin, err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return "", fmt.Errorf("fetching %s: locking the cache: %w", pin, err)
	}
	cached := filepath.Join(debs, pin.SHA256+".deb")
	if _, err := os.Stat(cached); err == nil {
		if err := checkPin(cached, pin); err != nil {
			return "", fmt.Errorf("%w (the cached copy is damaged: delete it to fetch again)", err)
		}
		return cached, nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", fmt.Errorf("fetching %s: apt-get is needed to fetch the pinned package (or pass the .deb file): %w", pin, err)
	}
	fmt.Fprintf(log, "fetching %s with apt-get\n", pin)
	root := filepath.Join(cacheDir, "apt", pin.Suite)
	for _, d := range []string{"lists/partial", "cache/archives/partial", "parts", "download"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return "", fmt.Errorf("fetching %s: %w", pin, err)
		}
	}
	sources := fmt.Sprintf("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n", pin.Archive, pin.Suite)
	if err := os.WriteFile(filepath.Join(root, "sources.list"), []byte(sources), 0o644); err != nil {
		return "", fmt.Errorf("fetching %s: %w", pin, err)
	}
	opts := []string{
		"-o", "Dir::Etc::SourceList=" + filepath.Join(root, "sources.list"),
		"-o", "Dir::Etc::SourceParts=" + filepath.Join(root, "parts"),
		"-o", "Dir::Etc::PreferencesParts=" + filepath.Join(root, "parts"),
		"-o", "Dir::Etc::Preferences=" + filepath.Join(root, "parts", "none"),
		"-o", "Dir::State::Lists=" + filepath.Join(root, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(root, "cache"),
		"-o", "Acquire::Languages=none",
		"-q",
	}
	if u, err := user.Current(); err == nil {
		opts = append(opts, "-o", "APT::Sandbox::User="+u.Username)
	}
	run := func(dir string, args ...string) error {
		cmd := exec.CommandContext(ctx, "apt-get", append(append([]string(nil), opts...), args...)...)
		cmd.Dir = dir
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, out.String())
		}
		return nil
	}
	if err := run(root, "update"); err != nil {
		return "", fmt.Errorf("fetching %s: %w", pin, err)
	}
	dl, err := os.MkdirTemp(filepath.Join(root, "download"), "")
	if err != nil {
		return "", fmt.Errorf("fetching %s: %w", pin, err)
	}
	defer os.RemoveAll(dl)
	if err := run(dl, "download", pin.Package+"="+pin.Version); err != nil {
		return "", fmt.Errorf("fetching %s: %w (when the archive no longer has this version, pin a newer one or pass a .deb file with the pinned hash)", pin, err)
	}
	got, err := filepath.Glob(filepath.Join(dl, "*.deb"))
	if err != nil || len(got) != 1 {
		return "", fmt.Errorf("fetching %s: apt-get download left %d .deb files", pin, len(got))
	}
	if err := checkPin(got[0], pin); err != nil {
		return "", err
	}
	if err := os.Rename(got[0], cached); err != nil {
		return "", fmt.Errorf("fetching %s: %w", pin, err)
	}
	return cached, nil
}
