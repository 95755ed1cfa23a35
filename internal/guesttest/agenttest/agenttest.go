// Package agenttest serves a booted CVM's guest agent (dstack.sock) for
// tests outside the guest. It is for tests only, and apart from guesttest
// because the agent's own tests use guesttest.
package agenttest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	guestagent "github.com/dstack-go/dstack/guestos/agent"
	"github.com/dstack-go/dstack/guestos/boot"
)

// ServeAgent serves cvm's guest agent on a unix socket until the test
// ends and returns the socket's path (a short one: a unix socket's path is
// limited to about 100 bytes).
func ServeAgent(t testing.TB, cvm *boot.CVM) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "dstack.sock")
	srv, err := guestagent.New(cvm, zap.NewNop()).Serve(guestagent.Config{Socket: socket})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return socket
}
