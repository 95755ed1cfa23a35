package mock_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
)

// sdkReplay replays a JSON event log the way the SDKs' replayRtmrs does
// (@phala/dstack-sdk: for each IMR 0–3, starting from 48 zero bytes,
// rtmr = SHA-384(rtmr ‖ digest), a digest shorter than 48 bytes padded with
// zeros), from nothing but the JSON's imr and digest fields.
func sdkReplay(t *testing.T, log []byte) [4][48]byte {
	t.Helper()
	var events []struct {
		IMR    int    `json:"imr"`
		Digest string `json:"digest"`
	}
	if err := json.Unmarshal(log, &events); err != nil {
		t.Fatal(err)
	}
	var rtmr [4][48]byte
	for _, e := range events {
		d, err := hex.DecodeString(e.Digest)
		if err != nil || len(d) > 48 {
			t.Fatalf("digest %q of IMR %d", e.Digest, e.IMR)
		}
		d = append(d, make([]byte, 48-len(d))...)
		rtmr[e.IMR] = sha512.Sum384(append(rtmr[e.IMR][:], d...))
	}
	return rtmr
}

// TestTDReplaysEveryRTMR: the simulated TD's whole event log — boot events
// for RTMR0–2 as a real TD's CCEL has them, runtime events for RTMR3 —
// replays, as an SDK replays it from the JSON, to all four RTMRs of its
// quote, and the evidence verifies with the mock PKI's options.
func TestTDReplaysEveryRTMR(t *testing.T) {
	pki, err := mock.NewPKI([]byte("td replay test"))
	if err != nil {
		t.Fatal(err)
	}
	td, err := pki.BootTD(mock.Identity{AppID: bytes.Repeat([]byte{0xa1}, 20), ComposeHash: bytes.Repeat([]byte{0xc0}, 32), InstanceID: bytes.Repeat([]byte{0x1d}, 20)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := td.Attester().Attest(context.Background(), [64]byte{7})
	if err != nil {
		t.Fatal(err)
	}
	perIMR := map[uint32]int{}
	for _, e := range a.TDX.EventLog {
		perIMR[e.IMR]++
	}
	if perIMR[0] == 0 || perIMR[1] == 0 || perIMR[2] == 0 || perIMR[3] != 6 {
		t.Fatalf("events per IMR %v: want boot events in RTMR0–2 and the six runtime events in RTMR3", perIMR)
	}
	log, err := json.Marshal(a.TDX.EventLog)
	if err != nil {
		t.Fatal(err)
	}
	q, err := tdx.Parse(a.TDX.Quote)
	if err != nil {
		t.Fatal(err)
	}
	if got := sdkReplay(t, log); got != q.RTMR {
		t.Fatalf("replayed RTMRs\n%x\nquote's\n%x", got, q.RTMR)
	}
	for i := range q.RTMR {
		if q.RTMR[i] == [48]byte{} {
			t.Fatalf("RTMR%d is zero", i)
		}
	}
	if q.RTMR[3] != td.RTMR3() || q.MRTD == [48]byte{} {
		t.Fatal("the quote does not report the TD's registers")
	}
	v, err := attest.Verify(context.Background(), a, pki.VerifyOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v.AppID, td.Identity.AppID) || !bytes.Equal(v.ComposeHash, td.Identity.ComposeHash) || len(v.RuntimeEvents) != 6 {
		t.Fatalf("verified %+v", v)
	}
}

// TestDevImageBootEvents: the boot log has upstream's shape — 48-byte
// digests, IMR 0–2 only, the three labelled ACPI events of RTMR0 with their
// "ACPI DATA" marker — and every TD of the image boots to the same RTMR0–2.
func TestDevImageBootEvents(t *testing.T) {
	events := mock.DevImageBootEvents()
	acpi := 0
	for i, e := range events {
		if len(e.Digest) != 48 || e.IMR > 2 {
			t.Fatalf("event %d: IMR %d, %d-byte digest", i, e.IMR, len(e.Digest))
		}
		if e.IsACPIData() {
			acpi++
			if string(e.Payload) != "ACPI DATA" || e.EventType != 0xa {
				t.Fatalf("ACPI event %d: %+v", i, e)
			}
		}
	}
	if acpi != 3 {
		t.Fatalf("%d ACPI events, want 3", acpi)
	}
	p1, _ := mock.NewPKI([]byte("one"))
	p2, _ := mock.NewPKI([]byte("two"))
	r1, r2 := p1.NewTD().RTMRs(), p2.NewTD().RTMRs()
	if r1 != r2 || r1[3] != ([48]byte{}) {
		t.Fatal("two TDs of the image differ before any runtime event")
	}
	for i := uint32(0); i < 3; i++ {
		want, err := eventlog.ReplayIMR(events, i)
		if err != nil || want != r1[i] {
			t.Fatalf("RTMR%d %x is not the replay of the boot log %x (%v)", i, r1[i], want, err)
		}
	}
}
