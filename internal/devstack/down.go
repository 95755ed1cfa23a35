package devstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// ReadState reads the state.json of the stack in dir.
func ReadState(dir string) (*State, error) {
	p := filepath.Join(dir, "state.json")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no development stack is running in %s: start one with \"dstack dev up --dir %s\": %w", dir, dir, err)
	}
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil || st.PID <= 0 {
		return nil, fmt.Errorf("reading %s: not a development stack state file", p)
	}
	return &st, nil
}

// runningState reads the state of the stack in dir and checks that the
// process it names is the one that wrote it and still holds the
// directory's lock. A state whose process is gone is removed.
func runningState(out io.Writer, dir string) (*State, error) {
	st, err := ReadState(dir)
	if err != nil {
		return nil, err
	}
	if !st.Running() || !held(dir) {
		os.Remove(filepath.Join(dir, "state.json"))
		fmt.Fprintf(out, "the stack's process %d is gone (its pid is free or names another process now); removed its state\n", st.PID)
		return nil, nil
	}
	return st, nil
}

// Down stops the stack whose state is in dir, and waits until it stopped.
func Down(out io.Writer, dir string) error {
	st, err := runningState(out, dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(out, "no development stack is running")
		return nil
	}
	if err != nil || st == nil {
		return err
	}
	if err := st.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stopping the stack: %w", err)
	}
	// Containers get their stop grace period; the state file goes once
	// everything stopped.
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "state.json")); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(out, "stopped process %d\n", st.PID)
			return nil
		}
	}
	return fmt.Errorf("process %d did not stop within 90 s; see its output, or kill it", st.PID)
}

// RestartGateway asks the stack in dir to restart its gateway.
func RestartGateway(out io.Writer, dir string) error {
	st, err := runningState(out, dir)
	if err != nil {
		return err
	}
	if st == nil {
		return fmt.Errorf("no development stack is running in %s", dir)
	}
	if err := st.Signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("signalling dev up: %w", err)
	}
	fmt.Fprintf(out, "asked process %d to restart its gateway\n", st.PID)
	return nil
}
