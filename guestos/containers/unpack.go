package containers

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// unpack writes an image's flattened filesystem into dir, which must not
// exist yet. go-containerregistry's mutate.Extract flattens the layers and
// applies whiteouts and opaque directories; writing the result goes through
// an os.Root, so no entry, symlink or hardlink can create or modify anything
// outside dir whatever the archive holds. Device nodes and FIFOs are skipped
// (the container gets its own /dev), and extended attributes are not applied.
func unpack(img v1.Image, dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("unpacking image: %w", err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	if err := extractTar(rc, dir); err != nil {
		return fmt.Errorf("unpacking image into %s: %w", dir, err)
	}
	return nil
}

// extractTar writes a tar stream into the existing directory dir.
func extractTar(r io.Reader, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	type hardlink struct{ target, name string }
	var links []hardlink
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the image archive: %w", err)
		}
		name, ok := entryName(hdr.Name)
		if !ok {
			continue // the root itself
		}
		if name, err = resolveParent(dir, name); err != nil {
			return fmt.Errorf("resolving %q: %w", hdr.Name, err)
		}
		if parent := path.Dir(name); parent != "." {
			if err := root.MkdirAll(parent, 0o755); err != nil {
				return fmt.Errorf("creating parent of %q: %w", hdr.Name, err)
			}
		}
		mode := hdr.FileInfo().Mode()
		perm := mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if fi, err := root.Lstat(name); err == nil && !fi.IsDir() {
				if err := root.Remove(name); err != nil {
					return fmt.Errorf("replacing %q with a directory: %w", hdr.Name, err)
				}
			}
			if err := root.Mkdir(name, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("creating directory %q: %w", hdr.Name, err)
			}
			if err := root.Lchown(name, hdr.Uid, hdr.Gid); err != nil {
				return fmt.Errorf("setting the owner of %q: %w", hdr.Name, err)
			}
			if err := root.Chmod(name, perm); err != nil {
				return fmt.Errorf("setting the mode of %q: %w", hdr.Name, err)
			}
		case tar.TypeReg:
			if err := removeExisting(root, name); err != nil {
				return err
			}
			f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("creating %q: %w", hdr.Name, err)
			}
			_, err = io.Copy(f, tr)
			if err == nil {
				err = f.Chown(hdr.Uid, hdr.Gid)
			}
			if err == nil {
				// after chown, which clears set-id bits
				err = f.Chmod(perm)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("writing %q: %w", hdr.Name, err)
			}
		case tar.TypeSymlink:
			if err := removeExisting(root, name); err != nil {
				return err
			}
			// The target is stored as written; it is resolved inside the
			// container's root at run time, and everything this package
			// opens in a rootfs later goes through os.Root as well.
			if err := root.Symlink(hdr.Linkname, name); err != nil {
				return fmt.Errorf("creating symlink %q: %w", hdr.Name, err)
			}
			if err := root.Lchown(name, hdr.Uid, hdr.Gid); err != nil {
				return fmt.Errorf("setting the owner of %q: %w", hdr.Name, err)
			}
		case tar.TypeLink:
			target, ok := entryName(hdr.Linkname)
			if !ok {
				return fmt.Errorf("hardlink %q points at the root directory", hdr.Name)
			}
			if target, err = resolveParent(dir, target); err != nil {
				return fmt.Errorf("resolving %q: %w", hdr.Linkname, err)
			}
			// mutate.Extract emits upper layers first, so a link may come
			// before its target; links are made at the end.
			links = append(links, hardlink{target: target, name: name})
		default:
			// Character and block devices, FIFOs: the container's /dev is
			// provided by the runtime, and nothing else needs them.
		}
	}
	for _, l := range links {
		if err := removeExisting(root, l.name); err != nil {
			return err
		}
		if err := root.Link(l.target, l.name); err != nil {
			return fmt.Errorf("creating hardlink %q to %q: %w", l.name, l.target, err)
		}
	}
	return nil
}

// entryName cleans an archive path into a path relative to the root, with
// every ".." resolved against "/"; false for the root itself.
func entryName(n string) (string, bool) {
	n = path.Clean("/" + strings.TrimPrefix(n, "./"))
	n = strings.TrimPrefix(n, "/")
	return n, n != "" && n != "."
}

// resolveParent resolves the symlinks in name's parent directories the way
// the container will see them: an absolute link (such as /var/run -> /run) is
// taken relative to dir, and no link leads outside it. The final component is
// not followed. os.Root then guards every operation a second time.
func resolveParent(dir, name string) (string, error) {
	parent := path.Dir(name)
	if parent == "." {
		return name, nil
	}
	resolved, err := securejoin.SecureJoin(dir, parent)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(dir, resolved)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("path %q resolves outside the root", name)
	}
	return path.Join(filepath.ToSlash(rel), path.Base(name)), nil
}

func removeExisting(root *os.Root, name string) error {
	fi, err := root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspecting %q: %w", name, err)
	}
	if fi.IsDir() {
		err = root.RemoveAll(name)
	} else {
		err = root.Remove(name)
	}
	if err != nil {
		return fmt.Errorf("replacing %q: %w", name, err)
	}
	return nil
}
