package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDevUpWithoutRoot: run by an ordinary user, dev up says that the
// containers need root and what to do instead, and starts nothing.
func TestDevUpWithoutRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("runs dev up as another user, which needs root")
	}
	// A copy of the binary that the unprivileged user can run.
	dir, err := os.MkdirTemp("", "dstack-nonroot")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	b, err := os.ReadFile(dstackBin(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "dstack")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	cmd := exec.Command(bin, "dev", "up", "--dir", state, "--listen", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "needs root") || !strings.Contains(string(out), "--insecure-builtin-app") || strings.Contains(string(out), "==>") {
		t.Fatalf("dev up as an ordinary user: %v\n%s", err, out)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatal("dev up created its state directory before refusing")
	}
}
