package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// clockTick is the unit of the CPU times in /proc/<pid>/stat: USER_HZ,
// 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// procStat is the parent pid and the CPU time (user + system) of a
// process, from /proc/<pid>/stat.
func procStat(pid int) (ppid int, cpu time.Duration, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// the fields after it start at the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	ppid, err1 := strconv.Atoi(f[1])
	ut, err2 := strconv.ParseInt(f[11], 10, 64)
	st, err3 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unreadable fields", pid)
	}
	return ppid, time.Duration(ut+st) * clockTick, nil
}

// procTable is every live process's parent and CPU time, from /proc.
func procTable() (parent map[int]int, cpu map[int]time.Duration, err error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, nil, fmt.Errorf("reading process CPU times: %w", err)
	}
	parent, cpu = map[int]int{}, map[int]time.Duration{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		pp, c, err := procStat(pid)
		if err != nil {
			continue // exited meanwhile
		}
		parent[pid], cpu[pid] = pp, c
	}
	return parent, cpu, nil
}

// inTree reports whether pid is root or one of its descendants.
func inTree(parent map[int]int, pid, root int) bool {
	for p, seen := pid, 0; p > 1 && seen < 64; p, seen = parent[p], seen+1 {
		if p == root {
			return true
		}
	}
	return false
}

// treesCPU is the CPU time used so far by each of roots and every live
// descendant of its (nginx's workers are its master's children), in the
// order of roots; the trees must not overlap.
func treesCPU(roots []int) ([]time.Duration, error) {
	parent, cpu, err := procTable()
	if err != nil {
		return nil, err
	}
	out := make([]time.Duration, len(roots))
	for i, r := range roots {
		if _, ok := cpu[r]; !ok {
			return nil, fmt.Errorf("reading process CPU times: process %d is gone", r)
		}
		for pid, c := range cpu {
			if inTree(parent, pid, r) {
				out[i] += c
			}
		}
	}
	return out, nil
}

// pin sets the CPU affinity of every thread of pid — and, with tree, of its
// descendants' — to cpus. Threads started later inherit it from the thread
// that starts them.
func pin(pid int, tree bool, cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	pids := []int{pid}
	if tree {
		parent, _, err := procTable()
		if err != nil {
			return err
		}
		pids = pids[:0]
		for p := range parent {
			if inTree(parent, p, pid) {
				pids = append(pids, p)
			}
		}
	}
	for _, p := range pids {
		tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(p), "task"))
		if err != nil {
			continue // exited meanwhile
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("setting the CPU affinity of thread %d of process %d: %w", tid, p, err)
			}
		}
	}
	return nil
}
