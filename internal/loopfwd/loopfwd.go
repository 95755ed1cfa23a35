// Package loopfwd is the stdio-to-TCP relay qemu's guestfwd runs for each
// connection a development VM opens to a host service ("cmd:" forwards):
// it copies stdin to a TCP connection to an address on the host's loopback
// and the connection to stdout. It must never reach anything but loopback,
// whatever address it is given, and it stays small (the standard library
// only), since qemu starts it once per connection.
package loopfwd

import (
	"io"
	"net"
	"os"
)

// Exit statuses of Relay.
const (
	// Refused: the address is not a loopback address.
	Refused = 2
	// Unreachable: nothing answers at the address.
	Unreachable = 1
)

// Relay relays stdin and stdout to the TCP address addr (IP:PORT, a
// loopback IP) until the connection ends, and returns the process's exit
// status: 0, or Refused, or Unreachable.
func Relay(addr string) int {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		return Refused
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return Unreachable
	}
	go func() {
		_, _ = io.Copy(c, os.Stdin)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	_, _ = io.Copy(os.Stdout, c)
	return 0
}
