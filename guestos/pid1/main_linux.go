package pid1

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"
)

// StageEnv is set in the environment of the boot stage PID 1 starts.
const StageEnv = "DSTACK_INIT_STAGE=boot"

// stopGrace is how long the boot stage has to stop the app and close the
// data disk after SIGTERM.
const stopGrace = 30 * time.Second

// Main is PID 1. It never returns: the VM powers off at the end, with the
// reason on the console when it is a failure.
func Main() {
	console := os.Stderr
	if c, err := os.OpenFile("/dev/console", os.O_WRONLY, 0); err == nil {
		console = c
	}
	if err := RebindRoot(console); err != nil {
		Halt(console, fmt.Errorf("making the root a mount: %w", err), PowerOff)
	}
	// Ctrl-Alt-Del sends SIGINT to PID 1 rather than rebooting.
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF)
	shutdown := make(chan os.Signal, 4)
	signal.Notify(shutdown, unix.SIGTERM, unix.SIGINT, unix.SIGPWR)
	err := run(console, shutdown)
	if err != nil {
		Halt(console, err, PowerOff)
	}
	fmt.Fprintln(console, "dstack-init: powering off")
	if err := PowerOff(); err != nil {
		Halt(console, err, PowerOff)
	}
	select {}
}

func run(console *os.File, shutdown chan os.Signal) error {
	ctx := context.Background()
	if err := MountAll(Mounts[:1]); err != nil { // /proc, to read the command line
		return err
	}
	raw, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return fmt.Errorf("reading the kernel command line: %w", err)
	}
	cmd, err := ParseCmdline(string(raw))
	if err != nil {
		return err
	}
	ops := Ops{
		MountAll: func(ms []Mount) error {
			if len(ms) > 0 && ms[0] == Mounts[0] {
				ms = ms[1:] // /proc is mounted, to read the command line
			}
			return MountAll(ms)
		},
		ReadFile: os.ReadFile, LoadModule: FinitModule, Now: time.Now,
		Network: ConfigureNetwork, CopyHostShared: CopyHostShared,
	}
	plan, err := NewPlan(cmd, ops, console)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	return Run(ctx, plan, console, func(args []string) error {
		WatchPowerButton(shutdown)
		return Supervise(Stage{
			Path: self, Args: append([]string{self}, args...),
			Env:     []string{StageEnv, "PATH=/bin:/sbin", "HOME=/"},
			Console: console,
		}, shutdown, stopGrace, console)
	})
}
