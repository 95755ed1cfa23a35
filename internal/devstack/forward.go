package devstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/dstack-go/dstack/internal/loopfwd"
)

// ForwardArg, as the first argument of an executable that calls
// RunForwarder, makes it a stdio-to-TCP forwarder: qemu's guestfwd runs one
// per connection the guest opens ("cmd:"), whereas a chardev forward
// carries a single connection for the VM's whole life.
const ForwardArg = "__dstack-dev-forward"

// forwarderPackage is the small forwarder the stack builds, so that qemu
// starts a 3 MB program per guest connection rather than this one.
const forwarderPackage = "github.com/dstack-go/dstack/cmd/dstack-dev-forward"

// forwarderFile is where, in a stack's directory, the forwarder is built.
var forwarderFile = filepath.Join("bin", "dstack-dev-forward")

// RunForwarder, when args (os.Args) are [exe ForwardArg ADDR], copies stdin
// to a TCP connection to ADDR, on loopback, and the connection to stdout,
// then exits the process. Otherwise it returns at once. The dstack command
// and the test binaries that run VM-mode stacks call it first thing: it is
// the forwarder where the small one cannot be built (BuildForwarder).
func RunForwarder(args []string) {
	if len(args) != 3 || args[1] != ForwardArg {
		return
	}
	os.Exit(loopfwd.Relay(args[2]))
}

// BuildForwarder builds cmd/dstack-dev-forward, the forwarder qemu runs
// for each connection a VM opens to a host service, from the dstack source
// the working directory is in, into dir, and returns its path. Starting it
// takes a fifth of the time starting the dstack command does (some 45 ms
// against 250 ms on a loaded machine here), and a guest opens a connection
// for each KMS, chain, gateway and registry exchange of its boot.
func BuildForwarder(ctx context.Context, dir string) (string, error) {
	src, err := moduleSource(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, forwarderFile)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, forwarderPackage)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the guest connection forwarder: go build %s: %w\n%s", forwarderPackage, err, out)
	}
	return bin, nil
}

// findForwarder is the command qemu runs for each connection of a stack's
// VMs: Options.Forwarder, else the small forwarder built into the stack's
// directory (BuildForwarder), else this executable with ForwardArg.
func (s *stack) findForwarder(ctx context.Context) error {
	if s.o.Forwarder != nil {
		return nil
	}
	bin, err := BuildForwarder(ctx, s.dir)
	if err == nil {
		s.o.Forwarder = []string{bin}
		fmt.Fprintf(s.out, "    guest connections relayed by %s\n", bin)
		return nil
	}
	fmt.Fprintf(s.out, "    guest connections relayed by this executable, which starts slower (%v)\n", err)
	s.o.Forwarder, err = selfForwarder()
	return err
}

// selfForwarder is the running executable as the forwarder: it must call
// RunForwarder first thing.
func selfForwarder() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this executable, which qemu runs to forward the guest's connections: %w", err)
	}
	return []string{exe, ForwardArg}, nil
}

// stackForwarder is the forwarder of the stack in dir for a VM started
// beside it: the one the stack built, else this executable.
func stackForwarder(dir string) ([]string, error) {
	bin := filepath.Join(dir, forwarderFile)
	if _, err := os.Stat(bin); err == nil {
		return []string{bin}, nil
	}
	return selfForwarder()
}
