package pid1

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Stage is the supervised child: the boot sequence.
type Stage struct {
	// Path and Args (Args[0] included) are what is executed.
	Path string
	Args []string
	// Env is its environment.
	Env []string
	// Console receives its output.
	Console *os.File
}

// Supervise starts stage, reaps every process that exits while it runs
// (the stage itself and any orphan re-parented to this process), and on a
// value from shutdown sends the stage SIGTERM, then SIGKILL after grace.
// It returns when the stage has exited: nil when it exited 0 after it was
// told to stop, else why it ended (a stage that ends on its own means the
// app ended or the boot failed).
//
// It must be the only code of the process that waits for children, so it
// starts the stage with os.StartProcess and never with os/exec.
func Supervise(stage Stage, shutdown <-chan os.Signal, grace time.Duration, console io.Writer) error {
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, unix.SIGCHLD)
	defer signal.Stop(sigchld)
	p, err := os.StartProcess(stage.Path, stage.Args, &os.ProcAttr{
		Env:   stage.Env,
		Files: []*os.File{nil, stage.Console, stage.Console},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return fmt.Errorf("starting %s: %w", stage.Path, err)
	}
	pid := p.Pid
	var kill <-chan time.Time
	for {
		// Reap whatever has exited.
		for {
			var ws unix.WaitStatus
			wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || wpid <= 0 {
				break
			}
			if wpid == pid {
				err := stageExit(ws)
				switch {
				case kill == nil && err != nil:
					return fmt.Errorf("%w (without being told to stop)", err)
				case kill == nil:
					return errors.New("the boot stage ended without being told to stop")
				}
				return err
			}
			fmt.Fprintf(console, "dstack-init: reaped orphan %d\n", wpid)
		}
		select {
		case <-sigchld:
		case s := <-shutdown:
			fmt.Fprintf(console, "dstack-init: %v: stopping the app\n", s)
			_ = unix.Kill(pid, unix.SIGTERM)
			if kill == nil {
				kill = time.After(grace)
			}
		case <-kill:
			fmt.Fprintf(console, "dstack-init: the boot stage did not stop within %s: killing it\n", grace)
			_ = unix.Kill(-pid, unix.SIGKILL)
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
}

func stageExit(ws unix.WaitStatus) error {
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	case ws.Exited():
		return fmt.Errorf("the boot stage exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Errorf("the boot stage was killed by %v", ws.Signal())
	}
	return fmt.Errorf("the boot stage ended with wait status %#x", uint32(ws))
}

// WatchPowerButton sends on c when an input device reports the power
// button (KEY_POWER) pressed, as the ACPI button driver does for qemu's
// system_powerdown. Devices that cannot be opened are skipped.
func WatchPowerButton(c chan<- os.Signal) {
	const evKey, keyPower = 1, 116
	paths, _ := filepath.Glob("/dev/input/event*")
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		go func() {
			defer f.Close()
			ev := make([]byte, 24) // struct input_event on 64-bit
			for {
				if _, err := io.ReadFull(f, ev); err != nil {
					return
				}
				typ := uint16(ev[16]) | uint16(ev[17])<<8
				code := uint16(ev[18]) | uint16(ev[19])<<8
				if typ == evKey && code == keyPower && ev[20] == 1 {
					c <- unix.SIGPWR
				}
			}
		}()
	}
}
