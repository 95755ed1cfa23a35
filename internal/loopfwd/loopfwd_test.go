package loopfwd

import (
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The relay reaches loopback only, whatever it is given.
func TestRelayLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"10.0.2.2:80", "example.com:443", "0.0.0.0:80", "[::]:80", "localhost:80", "nonsense"} {
		if code := Relay(addr); code != Refused {
			t.Fatalf("Relay(%q) = %d, want %d (refused)", addr, code, Refused)
		}
	}
}

// relayChild, set in the environment, makes the test binary the relay to
// the address it names.
const relayChild = "LOOPFWD_TEST_RELAY_TO"

// The relay copies stdin to the connection, half-closes it at stdin's
// end, and copies the answer to stdout.
func TestRelayCopies(t *testing.T) {
	if addr := os.Getenv(relayChild); addr != "" {
		os.Exit(Relay(addr))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c) // until the relay's half-close
		_, _ = c.Write(append([]byte("got "), b...))
	}()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestRelayCopies$")
	cmd.Env = append(os.Environ(), relayChild+"="+ln.Addr().String())
	cmd.Stdin = strings.NewReader("hello")
	out, err := cmd.Output()
	if err != nil || string(out) != "got hello" {
		t.Fatalf("the relay answered %q, %v", out, err)
	}
}
