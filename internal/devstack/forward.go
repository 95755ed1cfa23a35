package devstack

import (
	"io"
	"net"
	"os"
)

// ForwardArg, as the first argument of an executable that calls
// RunForwarder, makes it a stdio-to-TCP forwarder: qemu's guestfwd runs one
// per connection the guest opens ("cmd:"), whereas a chardev forward
// carries a single connection for the VM's whole life.
const ForwardArg = "__dstack-dev-forward"

// RunForwarder, when args (os.Args) are [exe ForwardArg ADDR], copies stdin
// to a TCP connection to ADDR, on loopback, and the connection to stdout,
// then exits the process. Otherwise it returns at once. The dstack command
// and the test binaries that run VM-mode stacks call it first thing.
func RunForwarder(args []string) {
	if len(args) != 3 || args[1] != ForwardArg {
		return
	}
	os.Exit(forward(args[2]))
}

func forward(addr string) int {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		return 2
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 1
	}
	go func() {
		_, _ = io.Copy(c, os.Stdin)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	_, _ = io.Copy(os.Stdout, c)
	return 0
}
