// Package buildinfo describes the build of the running binary — the main
// module's version, the VCS commit it was built from and every dependency's
// version — for the `version` commands of the project's binaries. It reads
// only what the Go toolchain embedded (runtime/debug.ReadBuildInfo) and
// never guesses: what the build did not record is reported as unknown.
package buildinfo

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Summary is one line: the binary's name, the main module's version, the
// commit (with "+dirty" when the work tree had changes) and its time, and
// the Go version.
func Summary(name string, bi *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	commit := settings["vcs.revision"]
	if commit == "" {
		commit = "unknown (the build recorded no VCS information: go run, go test, -buildvcs=false or a git worktree)"
	} else {
		if settings["vcs.modified"] == "true" {
			commit += "+dirty"
		}
		if t := settings["vcs.time"]; t != "" {
			commit += " " + t
		}
	}
	return fmt.Sprintf("%s %s %s commit %s %s", name, bi.Main.Path, bi.Main.Version, commit, bi.GoVersion)
}

// Write prints the summary line, then the build information in the format
// of `go version -m` (path, mod, dep and build lines).
func Write(w io.Writer, name string) error {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Errorf("%s was built without module support: no build information", name)
	}
	_, err := fmt.Fprintf(w, "%s\n%s", Summary(name, bi), bi)
	return err
}

// Command is the `version` command of the binary name.
func Command(name string) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the module versions and the VCS commit this binary was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Write(cmd.OutOrStdout(), name)
		},
	}
}
