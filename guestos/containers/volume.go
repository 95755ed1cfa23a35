package containers

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// populateVolume gives a new, empty named volume what the image holds at the
// mount target, as docker does on a volume's first use: files, directories and
// symlinks with their modes and owners, and the target directory's own mode and
// owner on the volume's root. Nothing happens when the image has nothing
// there. Reads go through the rootfs with symlinks resolved inside it; writes
// go through an os.Root of the volume.
func populateVolume(rootfs, target, volume string) error {
	src, err := securejoin.SecureJoin(rootfs, target)
	if err != nil {
		return fmt.Errorf("resolving %s in the image: %w", target, err)
	}
	fi, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspecting %s in the image: %w", target, err)
	}
	if !fi.IsDir() {
		return nil
	}
	root, err := os.OpenRoot(volume)
	if err != nil {
		return err
	}
	defer root.Close()
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		uid, gid := owner(info)
		perm := info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		switch {
		case d.IsDir():
			if rel != "." {
				if err := root.Mkdir(rel, 0o700); err != nil {
					return err
				}
			}
			if err := root.Lchown(rel, uid, gid); err != nil {
				return err
			}
			return root.Chmod(rel, perm)
		case info.Mode().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, in)
			if err == nil {
				err = out.Chown(uid, gid)
			}
			if err == nil {
				err = out.Chmod(perm)
			}
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			return err
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := root.Symlink(link, rel); err != nil {
				return err
			}
			return root.Lchown(rel, uid, gid)
		}
		return nil // devices, sockets, FIFOs
	})
}

func owner(fi fs.FileInfo) (int, int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return 0, 0
}
