package pid1

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// SwitchedEnv marks, in the environment of the re-executed /init, that the
// root is already the tmpfs.
const SwitchedEnv = "DSTACK_INIT_ROOT=tmpfs"

// SwitchToTmpfs moves the initramfs's files onto a tmpfs, makes it the root
// and re-executes /init there; it returns only on failure. The kernel's
// initramfs root cannot be pivoted away from, and the container runtime
// needs pivot_root; a tmpfs mounted over it can be. Only for PID 1 on the
// initramfs: it empties the old root. It logs to console how long the
// move took.
func SwitchToTmpfs(console io.Writer) error {
	start := time.Now()
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return fmt.Errorf("statfs /: %w", err)
	}
	if st.Type != unix.RAMFS_MAGIC && st.Type != unix.TMPFS_MAGIC {
		return fmt.Errorf("the root is not the initramfs (filesystem magic %#x)", st.Type)
	}
	const newRoot = "/.root"
	if err := os.Mkdir(newRoot, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", newRoot, "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mounting the new root: %w", err)
	}
	entries, err := os.ReadDir("/")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == filepath.Base(newRoot) {
			continue
		}
		if err := moveTree(filepath.Join("/", e.Name()), filepath.Join(newRoot, e.Name())); err != nil {
			return fmt.Errorf("copying /%s to the new root: %w", e.Name(), err)
		}
	}
	if err := unix.Chdir(newRoot); err != nil {
		return err
	}
	if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("moving the new root onto /: %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	fmt.Fprintf(console, "dstack-init: moved the root to a tmpfs (%s%s)\n", time.Since(start).Round(time.Millisecond), sinceBoot())
	return syscall.Exec("/init", os.Args, append(os.Environ(), SwitchedEnv))
}

// moveTree copies src to dst (files, directories, symlinks, device nodes,
// with their modes) and removes src as it goes, so that the initramfs's
// memory is freed.
func moveTree(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode()
		switch {
		case mode.IsDir():
			return os.Mkdir(target, mode.Perm())
		case mode&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		case mode&(fs.ModeDevice|fs.ModeCharDevice) != 0:
			st := info.Sys().(*syscall.Stat_t)
			return unix.Mknod(target, st.Mode, int(st.Rdev))
		case mode.IsRegular():
			if err := copyFile(p, target, mode.Perm()); err != nil {
				return err
			}
			return os.Remove(p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return os.RemoveAll(src)
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}
