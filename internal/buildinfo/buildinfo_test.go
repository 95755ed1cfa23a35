package buildinfo

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/dstack-go/dstack", Version: "v0.1.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}}}
	if got, want := Summary("dstack", bi), "dstack github.com/dstack-go/dstack v0.1.0 commit abc123+dirty 2026-01-02T03:04:05Z go1.26.0"; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	bi.Settings = nil
	if got := Summary("dstack", bi); !strings.Contains(got, "commit unknown") {
		t.Fatalf("no VCS information: %q", got)
	}
}

func TestCommand(t *testing.T) {
	var out bytes.Buffer
	cmd := Command("dstack-kms")
	cmd.SetOut(&out)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	// A test binary records its path and module (not its dependencies):
	// the built binaries' full output is checked in test/.
	for _, want := range []string{"dstack-kms github.com/dstack-go/dstack ", "\npath\t", "\nmod\tgithub.com/dstack-go/dstack\t"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("version output lacks %q:\n%s", want, out.String())
		}
	}
}
