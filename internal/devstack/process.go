package devstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Process names a process so that a recycled pid is not taken for it: its
// pid, its start time (clock ticks after boot, /proc/PID/stat field 22)
// and the boot it started in.
type Process struct {
	PID    int    `json:"pid"`
	Start  uint64 `json:"pid_start"`
	BootID string `json:"boot_id"`
}

// Self is the calling process.
func Self() (Process, error) {
	return processOf(os.Getpid())
}

func processOf(pid int) (Process, error) {
	start, err := startTime(pid)
	if err != nil {
		return Process{}, err
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return Process{}, fmt.Errorf("reading the boot id: %w", err)
	}
	return Process{PID: pid, Start: start, BootID: strings.TrimSpace(string(boot))}, nil
}

// startTime reads a process's start time from /proc/PID/stat.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return strconv.ParseUint(f[19], 10, 64) // field 22
}

// Running reports whether p still runs: the process with its pid started
// at its start time, in this boot.
func (p Process) Running() bool {
	if p.PID <= 0 {
		return false
	}
	now, err := processOf(p.PID)
	return err == nil && now == p
}

// Signal sends sig to p after checking that p still runs; a pid that now
// names another process is never signalled.
func (p Process) Signal(sig syscall.Signal) error {
	if !p.Running() {
		return fmt.Errorf("process %d is not the one that started (it ended, or its pid now names another process): %w", p.PID, errNotRunning)
	}
	return syscall.Kill(p.PID, sig)
}

var errNotRunning = errors.New("not running")

// dirLock is the lock a running stack (or extra CVM) holds on its
// directory: an flock, which the kernel releases when the process ends,
// however it ends.
type dirLock struct{ f *os.File }

// ErrRunning says that another process holds a directory's lock.
var ErrRunning = errors.New("already running")

// lockDir takes dir's lock and records the calling process in it. When
// another process holds it, the error wraps ErrRunning and names that
// process.
func lockDir(dir string) (*dirLock, error) {
	f, err := tryLock(dir)
	if err != nil {
		return nil, err
	}
	self, err := Self()
	if err == nil {
		b, _ := json.Marshal(self)
		if err = f.Truncate(0); err == nil {
			_, err = f.WriteAt(b, 0)
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("writing %s: %w", f.Name(), err)
	}
	return &dirLock{f: f}, nil
}

// tryLock opens dir/lock and takes its flock.
func tryLock(dir string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			var holder Process
			b, _ := os.ReadFile(path)
			_ = json.Unmarshal(b, &holder)
			return nil, fmt.Errorf("process %d holds %s: %w", holder.PID, path, ErrRunning)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return f, nil
}

// held reports whether a process holds dir's lock (false when dir has no
// lock file).
func held(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "lock")); err != nil {
		return false
	}
	f, err := tryLock(dir)
	if err != nil {
		return errors.Is(err, ErrRunning)
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	f.Close()
	return false
}

// release gives the lock up; the file stays.
func (l *dirLock) release() {
	_ = unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
}
