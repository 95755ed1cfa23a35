// Command dstack is the operator's tool: it verifies attestation evidence,
// computes application identities, runs a local development chain and
// administers the governance contracts.
//
// Each sub-command lives in a file of its own and registers itself with the
// root command in an init function. Exit codes follow one rule across
// sub-commands: 0 on success, 1 when the thing examined is invalid or an
// operation was refused, 2 when the input or the invocation is unusable.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/internal/buildinfo"
	"github.com/dstack-go/dstack/internal/devstack"
)

var rootCmd = &cobra.Command{
	Use:           "dstack",
	Short:         "Operate and verify dstack confidential apps",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// exitError carries a process exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as unusable input (exit code 2).
func usageErr(err error) error { return &exitError{code: 2, err: err} }

func init() {
	rootCmd.AddCommand(buildinfo.Command("dstack"))
}

func main() {
	// qemu runs this executable to carry a VM's connection to a host
	// service (dstack dev up --vm).
	devstack.RunForwarder(os.Args)
	// dstack dev up --gateways N runs each gateway node beyond the first
	// as this executable.
	devstack.RunGatewayNode(os.Args)
	err := rootCmd.Execute()
	if err == nil {
		return
	}
	code := 2
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if err.Error() != "" {
		fmt.Fprintln(os.Stderr, "dstack:", err)
	}
	os.Exit(code)
}
