package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/dstack-go/dstack/guestos/image"
)

// vmFigures are the guest OS image's figures, measured in the same run:
// its size and build time, and the time a CVM takes to reach system-ready
// as a qemu VM (TCG) and in process mode.
type vmFigures struct {
	KernelSize, InitrdSize int64
	Build                  time.Duration
	// ProcessBoot and VMBoot are the CVM's time to system-ready (the dev
	// stack's boot_seconds): from the boot sequence's start in process
	// mode, from qemu's start in VM mode. ProcessUp and VMUp are dev up's
	// whole time to its state file; VMDown is dev down's time to a
	// powered-off VM.
	ProcessBoot, VMBoot     time.Duration
	ProcessUp, VMUp, VMDown time.Duration
	// VMAppBoot and VMAppUp are the same for a VM that runs the demo
	// app's container (pulled through the stack's registry) rather than
	// the built-in app: dev up is ready once the container answers
	// through the gateway.
	VMAppBoot, VMAppUp time.Duration
	QEMUVersion        string
	Skipped            string // why the VM figures are missing
}

// measureVM builds the development image (debug, simulated TEE) into dir
// and boots one CVM of the dev stack (the built-in demo app, which needs no
// root) in process mode and then as a VM of that image.
func measureVM(ctx context.Context, bin, dir string, stderr io.Writer) (*vmFigures, error) {
	f := &vmFigures{}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		f.Skipped = "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
		return f, nil
	}
	if v, err := exec.Command("qemu-system-x86_64", "--version").Output(); err == nil {
		f.QEMUVersion = firstLine(string(v))
	}
	fmt.Fprintln(stderr, "guest image: building (debug, simulated TEE)")
	res, err := image.Build(ctx, image.Options{Out: filepath.Join(dir, "image"), Debug: true, InsecureSimulatedTEE: true})
	if err != nil {
		return nil, fmt.Errorf("building the guest image: %w", err)
	}
	f.KernelSize, f.InitrdSize, f.Build = res.KernelSize, res.InitrdSize, res.Duration
	for _, mode := range []struct {
		name     string
		args     []string
		boot, up *time.Duration
		down     *time.Duration
	}{
		{"process", []string{"--insecure-builtin-app"}, &f.ProcessBoot, &f.ProcessUp, nil},
		{"vm", []string{"--insecure-builtin-app", "--vm", "--vm-image", res.Dir}, &f.VMBoot, &f.VMUp, &f.VMDown},
		{"vm-app", []string{"--vm", "--vm-image", res.Dir}, &f.VMAppBoot, &f.VMAppUp, nil},
	} {
		fmt.Fprintf(stderr, "guest image: dev up (%s mode)\n", mode.name)
		boot, up, down, err := devUpOnce(ctx, bin, filepath.Join(dir, "dev-"+mode.name), mode.args)
		if err != nil {
			return nil, fmt.Errorf("dev up (%s mode): %w", mode.name, err)
		}
		*mode.boot, *mode.up = boot, up
		if mode.down != nil {
			*mode.down = down
		}
	}
	return f, nil
}

// devUpOnce runs dstack dev up with args until its state file is written,
// reads the CVM's boot time from it, and stops it with dev down.
func devUpOnce(ctx context.Context, bin, dir string, args []string) (boot, up, down time.Duration, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, 0, 0, err
	}
	logPath := filepath.Join(dir, "up.log")
	log, err := os.Create(logPath)
	if err != nil {
		return 0, 0, 0, err
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "dstack"), append([]string{"dev", "up", "--dir", dir, "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	var st struct {
		PID       int `json:"pid"`
		Instances []struct {
			BootSeconds float64 `json:"boot_seconds"`
		} `json:"instances"`
	}
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if err == nil && json.Unmarshal(b, &st) == nil && st.PID == cmd.Process.Pid && len(st.Instances) > 0 {
			break
		}
		select {
		case err := <-done:
			return 0, 0, 0, fmt.Errorf("dev up exited (%v): %s", err, tail(logPath))
		default:
		}
		if time.Now().After(deadline) {
			return 0, 0, 0, errors.New("dev up did not become ready in 10 minutes: " + tail(logPath))
		}
	}
	up = time.Since(start)
	boot = time.Duration(st.Instances[0].BootSeconds * float64(time.Second))
	stopped := time.Now()
	if out, err := exec.CommandContext(ctx, filepath.Join(bin, "dstack"), "dev", "down", "--dir", dir).CombinedOutput(); err != nil {
		return 0, 0, 0, fmt.Errorf("dev down: %v: %s", err, out)
	}
	down = time.Since(stopped)
	if err := <-done; err != nil {
		return 0, 0, 0, fmt.Errorf("dev up: %v: %s", err, tail(logPath))
	}
	return boot, up, down, nil
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// writeVMFigures writes the guest image table.
func writeVMFigures(w io.Writer, f *vmFigures) {
	if f == nil {
		return
	}
	section(w, "Guest OS image and CVM boot (one dev stack CVM each, measured in this run)", "figure", "process mode", "qemu VM (TCG)")
	if f.Skipped != "" {
		fmt.Fprintf(w, "| skipped | %s | |\n", f.Skipped)
		return
	}
	mib := func(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
	fmt.Fprintf(w, "| image size: kernel + initramfs | – | %s (%s + %s) |\n", mib(f.KernelSize+f.InitrdSize), mib(f.KernelSize), mib(f.InitrdSize))
	fmt.Fprintf(w, "| image build (debug, simulated TEE; warm Go and package caches) | – | %s |\n", f.Build.Round(100*time.Millisecond))
	fmt.Fprintf(w, "| CVM boot to system-ready | %s | %s |\n", f.ProcessBoot.Round(10*time.Millisecond), f.VMBoot.Round(100*time.Millisecond))
	fmt.Fprintf(w, "| dev up to ready (whole stack, built-in app) | %s | %s |\n", f.ProcessUp.Round(100*time.Millisecond), f.VMUp.Round(100*time.Millisecond))
	fmt.Fprintf(w, "| dev down (VM: power-off through the guest) | – | %s |\n", f.VMDown.Round(100*time.Millisecond))
	if f.VMAppUp > 0 {
		fmt.Fprintf(w, "| VM with the demo app's container: boot to system-ready | – | %s |\n", f.VMAppBoot.Round(100*time.Millisecond))
		fmt.Fprintf(w, "| VM with the demo app's container: dev up until it answers through the gateway | – | %s |\n", f.VMAppUp.Round(100*time.Millisecond))
	}
}
