package attest

import (
	"context"
	"fmt"

	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// Attester produces evidence that binds the given report_data. A guest has
// one attester for its platform; RA-TLS certificates, KMS bootstrap records
// and the guest agent's GetQuote all go through it.
type Attester interface {
	Attest(ctx context.Context, reportData [64]byte) (*wire.Attestation, error)
}

// QuoteFunc returns a TDX quote whose report_data is reportData: the kernel's
// configfs-tsm interface on a real TD, a simulated TDX module in development.
type QuoteFunc func(ctx context.Context, reportData [64]byte) ([]byte, error)

// TDXAttester builds TDX evidence from a quote source, the boot event log
// whose replay the quote's RTMR0–2 reflect, and the runtime event log whose
// replay its RTMR3 reflects.
type TDXAttester struct {
	// Quote obtains the signed quote.
	Quote QuoteFunc
	// BootEvents is the boot event log (RTMR0–2, the CCEL's on a TD),
	// which precedes the runtime events in the evidence. Nil means none.
	BootEvents []eventlog.Event
	// RuntimeEvents returns the runtime events extended into RTMR3 so far,
	// in order. Nil means none.
	RuntimeEvents func() []eventlog.RuntimeEvent
	// Config is the vm_config JSON carried beside the quote.
	Config string
}

// Attest implements Attester.
func (a *TDXAttester) Attest(ctx context.Context, reportData [64]byte) (*wire.Attestation, error) {
	var events []eventlog.RuntimeEvent
	if a.RuntimeEvents != nil {
		events = a.RuntimeEvents()
	}
	quote, err := a.Quote(ctx, reportData)
	if err != nil {
		return nil, fmt.Errorf("attesting: obtaining TDX quote: %w", err)
	}
	log := make([]eventlog.Event, 0, len(a.BootEvents)+len(events))
	log = append(log, a.BootEvents...)
	for _, e := range events {
		log = append(log, e.TdxEvent(false))
	}
	return &wire.Attestation{
		Variant:       wire.VariantTDX,
		TDX:           &wire.TDXEvidence{Quote: quote, EventLog: log},
		RuntimeEvents: events,
		ReportData:    reportData,
		Config:        a.Config,
	}, nil
}
