// Package pid1 is what dstack-init does when the kernel starts it as /init
// of the guest image: mount the kernel's filesystems, load the image's
// kernel modules in order, bring up the network, check the clock, copy the
// host-shared files, then run the boot sequence as a child process that it
// supervises, reaping orphans, until it is told to power off.
//
// Every step either succeeds or halts the VM with the reason on the
// console: it must never start the boot sequence (and so the app) on a
// half-set-up system, and never return (PID 1 exiting panics the kernel).
//
// The boot sequence runs as a child rather than in PID 1 so that the
// orphan reaper, which waits for any child, can never take the exit status
// of a process the container runtime waits for: the runtime's processes are
// the child's, and only orphans are re-parented to PID 1.
package pid1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Step is one stage of PID 1's setup.
type Step struct {
	// Name says what the step does, for the console.
	Name string
	// Run performs it.
	Run func(ctx context.Context) error
}

// RunSteps runs steps in order, logging each to console with its duration
// and when it ended (see sinceBoot), and stops at the first failure, which
// it returns wrapped with the step's name.
func RunSteps(ctx context.Context, console io.Writer, steps []Step) error {
	for _, s := range steps {
		start := time.Now()
		if err := s.Run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		fmt.Fprintf(console, "dstack-init: %s (%s%s)\n", s.Name, time.Since(start).Round(time.Millisecond), sinceBoot())
	}
	return nil
}

// sinceBoot says, for a console line, how long the system has been up, on
// the clock of the kernel's own console timestamps, so that an operator
// can place PID 1's steps among the kernel's messages; "" where that
// clock cannot be read.
var sinceBoot = func() string { return "" }

// Halt prints why the VM stops and powers it off. It is what every failure
// of PID 1 ends in; powerOff is not expected to return, and Halt blocks
// forever when it does (PID 1 must not exit).
func Halt(console io.Writer, reason error, powerOff func() error) {
	fmt.Fprintf(console, "\ndstack-init: HALTING: %v\n", reason)
	if err := powerOff(); err != nil {
		fmt.Fprintf(console, "dstack-init: power off failed: %v\n", err)
	}
	select {}
}

// Cmdline is the kernel command line's dstack.* parameters, without the
// prefix (dstack.net_address=A is Cmdline["net_address"]).
type Cmdline map[string]string

// ParseCmdline parses /proc/cmdline. Only dstack.* parameters are kept; a
// dstack.* parameter given twice is an error, so that nothing after the
// measured part of the line can silently override it.
func ParseCmdline(s string) (Cmdline, error) {
	c := Cmdline{}
	for _, f := range strings.Fields(s) {
		name, value, _ := strings.Cut(f, "=")
		key, ok := strings.CutPrefix(name, "dstack.")
		if !ok {
			continue
		}
		if key == "" {
			return nil, errors.New("kernel command line: empty dstack. parameter name")
		}
		if _, dup := c[key]; dup {
			return nil, fmt.Errorf("kernel command line: dstack.%s given twice", key)
		}
		c[key] = value
	}
	return c, nil
}
