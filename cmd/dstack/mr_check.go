package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
)

func init() {
	mrCmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Explain, event by event, whether TDX evidence's registers are those of the OS image it claims",
		Long: `Recompute MRTD and RTMR0–2 from the evidence's own vm_config (its tdx_measurement document, which
must belong to its os_image_hash, and its VM shape) and the ACPI digests of its event log, and set them
against the quote's registers and every RTMR0–2 event of the log.

FILE (or -) is evidence as dstack verify reads it, with a vm_config and an event log: a guest-agent
GetQuote response or a verifier request. The quote's signature is not checked here: dstack verify does.

Exit status: 0 the registers are the image's, 1 they are not or the evidence cannot be bound, 2 unusable input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMrCheck(cmd.OutOrStdout(), args[0])
		},
	})
}

func runMrCheck(w io.Writer, path string) error {
	ev, err := loadEvidence(path)
	if err != nil {
		return err
	}
	if ev.Attestation.TDX == nil || ev.QuoteOnly {
		return usageErr(errors.New("mr check needs TDX evidence with a vm_config and an event log (a GetQuote response or a verifier request)"))
	}
	q, err := tdx.Parse(ev.Attestation.TDX.Quote)
	if err != nil {
		return usageErr(fmt.Errorf("reading the quote: %w", err))
	}
	quoted := measure.Registers{MRTD: q.MRTD, RTMR0: q.RTMR[0], RTMR1: q.RTMR[1], RTMR2: q.RTMR[2]}
	if ev.Attestation.Config == "" {
		return &exitError{code: 1, err: errors.New("the evidence carries no vm_config: there is no OS image to check")}
	}
	cfg, err := identity.ParseVMConfig(ev.Attestation.Config)
	if err != nil {
		return usageErr(err)
	}
	fmt.Fprintf(w, "os_image_hash  %x\n", cfg.OSImageHash)
	if cfg.TDXAttestationVariant != measure.VariantLite {
		return &exitError{code: 1, err: fmt.Errorf("tdx_attestation_variant %q: only lite evidence carries what recomputes its registers", cfg.TDXAttestationVariant)}
	}
	exp, err := measure.LiteExpected(cfg, ev.Attestation.TDX.EventLog)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	shape := measure.ShapeOf(cfg)
	opts, _ := shape.QEMUOptions() // LiteExpected resolved them already
	order := "single-pass"
	if opts.TwoPassAdd {
		order = "two-pass"
	}
	fmt.Fprintf(w, "document       belongs to os_image_hash (sha256sum.txt lists measurement.tdx.cbor)\n")
	fmt.Fprintf(w, "shape          memory_size %d, QEMU %s (%s MRTD)\n", shape.MemorySize, opts.VersionText, order)
	fmt.Fprintf(w, "not bound      %v (they shape the ACPI tables, taken from the log as measured)\n\n", measure.LiteUnbound)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	exps, quotes := []*[48]byte{&exp.MRTD, &exp.RTMR0, &exp.RTMR1, &exp.RTMR2}, []*[48]byte{&quoted.MRTD, &quoted.RTMR0, &quoted.RTMR1, &quoted.RTMR2}
	diffs := measure.CompareEvents(exp, quoted, ev.Attestation.TDX.EventLog)
	bad := 0
	for i, name := range measure.RegisterNames {
		status := "match"
		if *exps[i] != *quotes[i] {
			status, bad = "DIFFERS", bad+1
		}
		fmt.Fprintf(tw, "%s\t%s\texpected %x\n\t\tquote    %x\n", name, status, exps[i][:], quotes[i][:])
		if i == 0 {
			continue
		}
		d := diffs[i-1]
		if len(d) > 0 && !d[0].LogReplays {
			fmt.Fprintf(tw, "\t\tthe log's %s events do not replay to the quote\n", name)
		}
		for _, e := range d {
			label := e.Name
			if label == "" {
				label = "-"
			}
			fmt.Fprintf(tw, "\t  #%d\tlog %d\ttype 0x%x\t%s\t%s\texpected %s\tlog %s\n", e.Position, e.Index, e.EventType, label, e.Status(), short(e.Expected), short(e.Actual))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of 4 registers differ from those of OS image %x", bad, cfg.OSImageHash)}
	}
	fmt.Fprintln(w, "\nthe registers are those of the OS image: os_image_hash is bound")
	return nil
}

// short abbreviates a digest for the event table; "-" when there is none.
func short(b []byte) string {
	if b == nil {
		return "-"
	}
	s := hex.EncodeToString(b)
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}
