package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

// treeCPU is the CPU time used so far by the processes roots and every
// live descendant of theirs (nginx's workers are its master's children).
func treeCPU(roots []int) (time.Duration, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("reading process CPU times: %w", err)
	}
	parent := map[int]int{}
	cpu := map[int]time.Duration{}
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
	in := map[int]bool{}
	for _, r := range roots {
		if _, ok := cpu[r]; !ok {
			return 0, fmt.Errorf("reading process CPU times: process %d is gone", r)
		}
		in[r] = true
	}
	var total time.Duration
	for pid, c := range cpu {
		for p, seen := pid, 0; p > 1 && seen < 64; p, seen = parent[p], seen+1 {
			if in[p] {
				total += c
				break
			}
		}
	}
	return total, nil
}
