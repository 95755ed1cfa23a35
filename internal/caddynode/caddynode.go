// Package caddynode runs a Caddy config as one gateway node in a process of
// its own, for the development stack and the tests that run several nodes:
// Caddy holds one config per process. It reports where the node serves and
// runs until its parent closes stdin; it must never be used by a
// production binary's normal path.
package caddynode

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Addrs are the addresses a node serves on, as Run writes them.
type Addrs struct {
	// HTTP is the address of the HTTP server Run was given.
	HTTP string `json:"http"`
	// Registration is the dstack app's registration RPC.
	Registration string `json:"registration"`
}

// Run loads the Caddy JSON config in the file path, writes the node's
// Addrs (server names the HTTP server) to out as one JSON line, and runs
// until in ends (the parent closed it, or died), then stops Caddy. It
// returns the process's exit code.
func Run(path, server string, in io.Reader, out, errOut io.Writer) int {
	addrs, err := load(path, server)
	if err != nil {
		fmt.Fprintln(errOut, "gateway node:", err)
		return 1
	}
	_ = json.NewEncoder(out).Encode(addrs)
	_, _ = io.Copy(io.Discard, in)
	_ = caddy.Stop()
	return 0
}

func load(path, server string) (Addrs, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Addrs{}, err
	}
	if err := caddy.Load(raw, true); err != nil {
		return Addrs{}, err
	}
	ctx := caddy.ActiveContext()
	d, err := ctx.App("dstack")
	if err != nil {
		return Addrs{}, err
	}
	reg, ok := d.(interface{ RegistrationAddr() string })
	if !ok {
		return Addrs{}, errors.New("the dstack app has no registration address")
	}
	h, err := ctx.App("http")
	if err != nil {
		return Addrs{}, err
	}
	srv := h.(*caddyhttp.App).Servers[server]
	if srv == nil || len(srv.Listeners()) == 0 {
		return Addrs{}, fmt.Errorf("the config has no HTTP server %q listening", server)
	}
	return Addrs{HTTP: srv.Listeners()[0].Addr().String(), Registration: reg.RegistrationAddr()}, nil
}

// Node is a node process started by Start.
type Node struct {
	// Addrs are where it serves.
	Addrs Addrs
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan error
}

// Start starts cmd, a process that calls Run, and waits for the addresses
// it reports. A process that exits before is an error.
func Start(cmd *exec.Cmd) (*Node, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting a gateway node (%s): %w", cmd.Path, err)
	}
	n := &Node{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	go func() { n.done <- cmd.Wait() }()
	if err == nil {
		err = json.Unmarshal(line, &n.Addrs)
	}
	if err != nil || n.Addrs.HTTP == "" {
		n.Kill()
		return nil, fmt.Errorf("the gateway node did not report its addresses: %v", err)
	}
	return n, nil
}

// Stop closes the node's stdin, so that it stops Caddy and exits, and kills
// it if it has not within ten seconds.
func (n *Node) Stop() {
	_ = n.stdin.Close()
	select {
	case err := <-n.done:
		n.done <- err
	case <-time.After(10 * time.Second):
		n.Kill()
	}
}

// Kill ends the node at once (SIGKILL), as a node that dies, and waits for
// it to be gone.
func (n *Node) Kill() {
	_ = n.cmd.Process.Kill()
	err := <-n.done
	n.done <- err
}

// CPUTime is the CPU time (user and system, every thread, to the
// nanosecond) the node's process has used so far: its process CPU-time
// clock, which Linux lets any process read (clock_getcpuclockid(3)).
func (n *Node) CPUTime() (time.Duration, error) {
	// The clock id of process pid: ^pid << 3 | CPUCLOCK_SCHED (2), as
	// glibc's clock_getcpuclockid makes it.
	id := int32(^n.cmd.Process.Pid<<3 | 2)
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return 0, fmt.Errorf("reading the CPU time of gateway node process %d: %w", n.cmd.Process.Pid, err)
	}
	return time.Duration(ts.Nano()), nil
}
