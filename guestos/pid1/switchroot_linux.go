package pid1

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// RebindRoot makes the root a mount that the container runtime can
// pivot_root away from: the kernel's initramfs root (rootfs) cannot be,
// having no parent mount, and a bind mount of it moved over it can. Nothing
// is copied and PID 1 goes on running: the files stay the initramfs's, on
// the same filesystem, seen through the bind mount. Only for PID 1 on the
// initramfs. It logs to console how long it took.
func RebindRoot(console io.Writer) error {
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
	if err := unix.Mount("/", newRoot, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("binding the root to %s: %w", newRoot, err)
	}
	if err := unix.Chdir(newRoot); err != nil {
		return err
	}
	if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("moving the bound root onto /: %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	// The mount point, seen through the bind mount, is an empty directory.
	if err := os.Remove(newRoot); err != nil {
		return fmt.Errorf("removing %s: %w", newRoot, err)
	}
	fmt.Fprintf(console, "dstack-init: made the root a bind mount (%s%s)\n", time.Since(start).Round(time.Millisecond), sinceBoot())
	return nil
}
