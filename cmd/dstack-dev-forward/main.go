// Command dstack-dev-forward is the relay `dstack dev up --vm` has qemu run
// for each connection a development VM opens to a host service: it copies
// stdin and stdout to a TCP connection to ADDR, which must be on the host's
// loopback (internal/loopfwd).
//
// Usage:
//
//	dstack-dev-forward 127.0.0.1:PORT
package main

import (
	"fmt"
	"os"

	"github.com/dstack-go/dstack/internal/loopfwd"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dstack-dev-forward 127.0.0.1:PORT")
		os.Exit(loopfwd.Refused)
	}
	os.Exit(loopfwd.Relay(os.Args[1]))
}
