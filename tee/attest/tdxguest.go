package attest

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-tdx-guest/client"

	"github.com/dstack-go/dstack/tee/eventlog"
)

// RuntimeEventLogPath is where a dstack guest keeps its runtime event log.
const RuntimeEventLogPath = "/run/log/dstack/runtime_events.log"

// NewTDXGuestAttester returns the attester of a real TD: quotes from the
// kernel's configfs-tsm interface (go-tdx-guest), runtime events from the
// guest's runtime event log, and the given vm_config.
func NewTDXGuestAttester(config string) (*TDXAttester, error) {
	qp, err := client.GetQuoteProvider()
	if err != nil {
		return nil, fmt.Errorf("opening the TDX quote provider: %w", err)
	}
	if err := qp.IsSupported(); err != nil {
		return nil, fmt.Errorf("TDX quotes are not available on this machine (configfs-tsm): %w", err)
	}
	return &TDXAttester{
		Quote: func(_ context.Context, rd [64]byte) ([]byte, error) { return client.GetRawQuote(qp, rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent {
			f, err := os.Open(RuntimeEventLogPath)
			if err != nil {
				return nil
			}
			defer f.Close()
			events, err := eventlog.ReadRuntimeLog(f)
			if err != nil {
				return nil
			}
			return events
		},
		Config: config,
	}, nil
}
