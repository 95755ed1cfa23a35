package containerapp

import (
	"context"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/guestos/boot"
)

func TestProjectName(t *testing.T) {
	for in, want := range map[string]string{
		"hello": "hello", "My App": "my-app", "dstack-demo": "dstack-demo", "a_b.c": "a_b-c", "": "app", "--": "app", "Ünïcode": "n-code",
	} {
		if got := ProjectName(in); got != want {
			t.Errorf("ProjectName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStartRefuses: what this runner cannot run is refused before anything
// starts, with what to change.
func TestStartRefuses(t *testing.T) {
	dir := t.TempDir()
	ok := boot.RunSpec{Name: "x", Runner: "docker-compose", Compose: []byte("services: {}\n"), DataDir: dir}
	r := &Runner{StateDir: dir}
	for _, c := range []struct {
		name   string
		runner *Runner
		spec   func(s boot.RunSpec) boot.RunSpec
		want   string
	}{
		{"bash runner", r, func(s boot.RunSpec) boot.RunSpec { s.Runner = "bash"; return s }, `runner "bash"`},
		{"init script", r, func(s boot.RunSpec) boot.RunSpec { s.InitScripts = []string{"echo"}; return s }, "init_script"},
		{"pre-launch script", r, func(s boot.RunSpec) boot.RunSpec { s.PreLaunchScript = "echo"; return s }, "pre_launch_script"},
		{"relative data dir", r, func(s boot.RunSpec) boot.RunSpec { s.DataDir = "data"; return s }, "absolute"},
		{"no state dir", &Runner{}, func(s boot.RunSpec) boot.RunSpec { return s }, "absolute"},
	} {
		_, err := c.runner.Start(context.Background(), c.spec(ok))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", c.name, err, c.want)
		}
	}
}
