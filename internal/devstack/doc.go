// Package devstack is the local development stack behind `dstack dev`: a
// dev chain with the governance contracts, a KMS, the gateway (Caddy with
// this project's modules) and CVMs in process mode, all on loopback, on a
// simulated TEE whose quotes a mock Intel PKI signs.
//
// It is for development and tests only: whoever holds the mock PKI's seed
// (written to the stack's state.json) can forge evidence the stack accepts.
// It must never be given real keys or be reachable from another machine:
// every listener is on loopback, and a non-loopback address is refused.
//
// One stack runs per state directory: Up holds a lock in it for as long as
// it runs and refuses to start, touching nothing, while another process
// holds it. A stack remembers the process that runs it by pid, start time
// and boot id, so that Down and RestartGateway signal only that process.
package devstack

import "errors"

// UsageError marks an error in what the caller asked for (a flag, a file),
// as opposed to a failure while running: the command exits 2 for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a UsageError.
func Usage(err error) error { return &UsageError{Err: err} }

// IsUsage reports whether err is, or wraps, a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}
