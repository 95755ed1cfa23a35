package caddynode

import (
	"bufio"
	"os/exec"
	"testing"
)

// TestCPUTime reads the CPU time of a process that has used some (a shell
// loop) and checks it against what the kernel reports once it has exited:
// a reading of another process, or of none, would not match.
func TestCPUTime(t *testing.T) {
	cmd := exec.Command("sh", "-c", `i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; read x || true`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("no sh: %v", err)
	}
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	got, err := (&Node{cmd: cmd}).CPUTime()
	stdin.Close()
	if werr := cmd.Wait(); werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	total := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if got <= 0 || got > total || got < total*9/10 {
		t.Errorf("CPUTime %v while running; the exited process used %v", got, total)
	}
	t.Logf("CPUTime %v while running; the exited process used %v", got, total)
}
