// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"encoding/hex"
	"testing"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
)

const fixtureOSImageHash = "e6f5cfec20c02e7b97baa213d0f718020b55e040172d90ccbcb946d56c8b09db"

// liteFixture is upstream's TDX lite evidence: the quote's registers (parsed, not verified: the
// signature is tee/attest's business), its vm_config and its event log.
type liteFixture struct {
	regs     Registers
	vmConfig string
	events   []eventlog.Event
}

func loadLiteFixture(t testing.TB) liteFixture {
	t.Helper()
	gq := fixtures.TDXGetQuote(t)
	q, err := tdx.Parse(gq.Quote)
	if err != nil {
		t.Fatal(err)
	}
	events, err := eventlog.ParseJSON([]byte(gq.EventLog))
	if err != nil {
		t.Fatal(err)
	}
	return liteFixture{
		regs:     Registers{MRTD: q.MRTD, RTMR0: q.RTMR[0], RTMR1: q.RTMR[1], RTMR2: q.RTMR[2]},
		vmConfig: gq.VMConfig,
		events:   events,
	}
}

func TestUpstreamLiteFixtureBinds(t *testing.T) {
	f := loadLiteFixture(t)
	b, err := BindTDX(f.regs, f.vmConfig, f.events)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Bound || hex.EncodeToString(b.OSImageHash) != fixtureOSImageHash {
		t.Fatalf("binding %+v", b)
	}
	if b.Expected.Registers != f.regs {
		t.Fatalf("expected %x, quote %x", b.Expected.Registers, f.regs)
	}
	// Every expected event digest is the log's, register by register.
	for r, diffs := range CompareEvents(b.Expected, f.regs, f.events) {
		if len(diffs) != len(b.Expected.Events[r]) {
			t.Fatalf("RTMR%d: %d log events, %d expected", r, len(diffs), len(b.Expected.Events[r]))
		}
		for _, d := range diffs {
			if d.Status() != "match" || !d.LogReplays {
				t.Fatalf("%s", d.String())
			}
		}
	}
}
