package eventlog

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-tdx-guest/abi"
	pb "github.com/google/go-tdx-guest/proto/tdx"

	"github.com/dstack-go/dstack/internal/fixtures"
)

func TestV1Digest(t *testing.T) {
	e := RuntimeEvent{Name: "compose-hash", Payload: []byte{0xab, 0xcd}}
	pre := append([]byte{0x01, 0x00, 0x00, 0x08, ':'}, []byte("compose-hash:")...)
	pre = append(pre, 0xab, 0xcd)
	if !bytes.Equal(e.Preimage(), pre) {
		t.Fatalf("preimage %x, want %x", e.Preimage(), pre)
	}
	if e.Digest() != sha512.Sum384(pre) {
		t.Fatal("digest is not SHA-384 of the preimage")
	}
}

func TestV2Digest(t *testing.T) {
	e := RuntimeEvent{Name: "compose-hash", Payload: []byte{0xab, 0xcd}, Version: 2}
	want := `{"name":"compose-hash","payload":"abcd","type":134217729}`
	if string(e.Preimage()) != want {
		t.Fatalf("preimage %s, want %s", e.Preimage(), want)
	}
	if e.Digest() != sha512.Sum384([]byte(want)) {
		t.Fatal("digest is not SHA-384 of the preimage")
	}
	// Non-ASCII is kept verbatim; control characters are escaped.
	u := RuntimeEvent{Name: "é\u2028\x01<", Version: 2}
	if got := string(u.Preimage()); got != `{"name":"é`+"\u2028"+`\u0001<","payload":"","type":134217729}` {
		t.Fatalf("JCS of non-ASCII name: %s", got)
	}
}

func TestReplayUpstreamFixture(t *testing.T) {
	gq := fixtures.TDXGetQuote(t)
	events, err := ParseJSON([]byte(gq.EventLog))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := RuntimeEvents(events)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(rt))
	for i, e := range rt {
		names[i] = e.Name
	}
	want := "system-preparing app-id compose-hash instance-id boot-mr-done os-image-hash key-provider storage-fs system-ready"
	if strings.Join(names, " ") != want {
		t.Fatalf("events %v", names)
	}
	q, err := abi.QuoteToProto(gq.Quote)
	if err != nil {
		t.Fatal(err)
	}
	rtmr3 := q.(*pb.QuoteV4).GetTdQuoteBody().GetRtmrs()[3]
	got := Replay(rt)
	if !bytes.Equal(got[:], rtmr3) {
		t.Fatalf("replay %x, quote RTMR3 %x", got, rtmr3)
	}
	boot, ok := ReplayUntil(rt, "boot-mr-done")
	if !ok || boot == got {
		t.Fatal("boot-time replay missing or equal to the full replay")
	}
	// The boot events of the fixture keep their digests; each register
	// replays without error.
	for imr := uint32(0); imr < 3; imr++ {
		if _, err := ReplayIMR(events, imr); err != nil {
			t.Fatal(err)
		}
	}
	acpi := 0
	for _, e := range events {
		if e.IsACPIData() {
			acpi++
		}
	}
	if acpi != 3 {
		t.Fatalf("%d ACPI events, want 3", acpi)
	}
}

func TestRuntimeEventsChecksDigests(t *testing.T) {
	good := RuntimeEvent{Name: "app-id", Payload: []byte{1, 2}}.TdxEvent(false)
	v2 := RuntimeEvent{Name: "app-id", Payload: []byte{1, 2}, Version: 2}.TdxEvent(false)
	stripped := RuntimeEvent{Name: "app-id", Payload: []byte{1, 2}, Version: 2}.TdxEvent(true)
	stripped.Preimage = nil
	cases := []struct {
		name   string
		ev     Event
		mutate func(*Event)
		want   error
	}{
		{"v1 ok", good, func(*Event) {}, nil},
		{"v2 ok", v2, func(*Event) {}, nil},
		{"v2 stripped without digest or preimage", stripped, func(*Event) {}, nil},
		{"v1 digest flipped", good, func(e *Event) { e.Digest[0] ^= 1 }, ErrDigestMismatch},
		{"v1 payload changed", good, func(e *Event) { e.Payload = HexBytes{9} }, ErrDigestMismatch},
		{"v1 digest of V2 form", good, func(e *Event) { e.Version = 2 }, ErrDigestMismatch},
		{"v2 preimage not canonical", v2, func(e *Event) { e.Preimage = []byte(`{"payload":"0102","name":"app-id","type":134217729}`) }, ErrDigestMismatch},
		{"v2 digest flipped", v2, func(e *Event) { e.Digest[47] ^= 1 }, ErrDigestMismatch},
		{"unknown version", good, func(e *Event) { e.Version = 3 }, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.ev
			ev.Digest = append(HexBytes{}, ev.Digest...)
			tc.mutate(&ev)
			_, err := RuntimeEvents([]Event{ev})
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	// Events of other registers or types are not runtime events.
	other := good
	other.IMR = 2
	if rt, err := RuntimeEvents([]Event{other}); err != nil || len(rt) != 0 {
		t.Fatalf("%v %v", rt, err)
	}
}

func TestParseCCEL(t *testing.T) {
	raw := fixtures.Upstream(t, "ccel.bin")
	events, err := ParseCCEL(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) < 10 {
		t.Fatalf("%d events", len(events))
	}
	perIMR := map[uint32]int{}
	for _, e := range events {
		if len(e.Digest) != 48 {
			t.Fatalf("digest of %d bytes", len(e.Digest))
		}
		perIMR[e.IMR]++
	}
	if perIMR[0] == 0 || perIMR[1] == 0 {
		t.Fatalf("events per IMR %v", perIMR)
	}
	last := events[len(events)-1]
	if !bytes.Contains(last.Payload, []byte("Exit Boot Services Returned with Success")) {
		t.Fatalf("last event %q", last.Payload)
	}
	// The log is TCG's: a digest recomputed from a hashed payload must match
	// (EV_SEPARATOR events hash their 4-byte payload).
	sep := 0
	for _, e := range events {
		if e.EventType == 4 {
			sep++
			if d := sha512.Sum384(e.Payload); !bytes.Equal(d[:], e.Digest) {
				t.Fatalf("separator digest %x does not hash its payload", e.Digest)
			}
		}
	}
	if sep == 0 {
		t.Fatal("no separator events")
	}
}

func TestParseCCELRejects(t *testing.T) {
	raw := fixtures.Upstream(t, "ccel.bin")
	cases := map[string][]byte{
		"empty":            nil,
		"truncated header": raw[:10],
		"not spec id":      append([]byte{1, 0, 0, 0, 1, 0, 0, 0}, raw[8:]...),
		"truncated event":  raw[:0x41+20],
	}
	for name, b := range cases {
		if _, err := ParseCCEL(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error %v, want ErrMalformed", name, err)
		}
	}
	// Every single-byte change of the used part either fails or changes
	// what is parsed; none panics.
	used := bytes.Index(raw, bytes.Repeat([]byte{0xff}, 16))
	orig, _ := ParseCCEL(raw)
	same := 0
	for i := 0; i < used; i++ {
		b := bytes.Clone(raw)
		b[i] ^= 0x5a
		got, err := ParseCCEL(b)
		if err == nil && eventsEqual(got, orig) {
			same++
		}
	}
	// Bytes that are read but not kept (the SHA-1 digest and reserved
	// fields of the Spec ID event, the spec version) may change freely.
	if same > 40 {
		t.Fatalf("%d single-byte changes went unnoticed", same)
	}
}

func eventsEqual(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.IMR != y.IMR || x.EventType != y.EventType || x.Event != y.Event || !bytes.Equal(x.Digest, y.Digest) || !bytes.Equal(x.Payload, y.Payload) {
			return false
		}
	}
	return true
}

func TestRuntimeLog(t *testing.T) {
	events := []RuntimeEvent{
		{Name: "app-id", Payload: []byte{1, 2, 3}, Version: 1},
		{Name: "system-ready", Version: 1},
		{Name: "custom", Payload: []byte("x"), Version: 2},
	}
	var buf bytes.Buffer
	for _, e := range events {
		if err := AppendRuntimeLog(&buf, e); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(buf.String(), `{"event":"app-id","payload":"AQID"}`) || !strings.Contains(buf.String(), `"version":2`) {
		t.Fatalf("log %s", buf.String())
	}
	got, err := ReadRuntimeLog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Name != "app-id" || !bytes.Equal(got[0].Payload, []byte{1, 2, 3}) || got[2].Version != 2 {
		t.Fatalf("read %+v", got)
	}
	for _, bad := range []string{"{", `{"event":"a","payload":"!!"}`, `{"event":"a","payload":"","version":7}`, strings.Repeat("a", maxRuntimeLogLine+10)} {
		if _, err := ReadRuntimeLog(strings.NewReader(bad + "\n")); err == nil {
			t.Errorf("accepted %.40q", bad)
		}
	}
}

func TestParseJSONRejects(t *testing.T) {
	for _, bad := range []string{``, `{}`, `[{"imr":9}]`, `[{"digest":"xx"}]`, `[] []`, `[{"imr":-1}]`} {
		if _, err := ParseJSON([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error %v", bad, err)
		}
	}
	evs, err := ParseJSON([]byte(`[{"imr":3,"event_type":134217729,"digest":"","event":"x","event_payload":"AB"}]`))
	if err != nil || hex.EncodeToString(evs[0].Payload) != "ab" {
		t.Fatalf("%v %v", evs, err)
	}
}

func FuzzParseCCEL(f *testing.F) {
	f.Add(fixtures.Upstream(f, "ccel.bin")[:0x300])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := ParseCCEL(b)
		if err != nil {
			return
		}
		for _, e := range events {
			if len(e.Digest) != 48 || e.IMR > 3 {
				t.Fatalf("parsed an invalid event %+v", e)
			}
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(fixtures.TDXGetQuote(f).EventLog))
	f.Add([]byte(`[{"imr":3,"event_type":134217729,"digest":"","event":"x","event_payload":"ab","version":2}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := ParseJSON(b)
		if err != nil {
			return
		}
		rt, err := RuntimeEvents(events)
		if err != nil {
			return
		}
		// Re-encoding the runtime events and reading them back is stable.
		var again []Event
		for _, e := range rt {
			again = append(again, e.TdxEvent(false))
		}
		rt2, err := RuntimeEvents(again)
		if err != nil || Replay(rt2) != Replay(rt) {
			t.Fatalf("round trip changed the replay: %v", err)
		}
	})
}

func FuzzReadRuntimeLog(f *testing.F) {
	f.Add([]byte(`{"event":"app-id","payload":"AQID"}` + "\n" + `{"event":"x","payload":"","version":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := ReadRuntimeLog(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		for _, e := range events {
			if err := AppendRuntimeLog(&buf, e); err != nil {
				t.Fatal(err)
			}
		}
		again, err := ReadRuntimeLog(&buf)
		if err != nil || Replay(again) != Replay(events) {
			t.Fatalf("round trip changed the log: %v", err)
		}
	})
}
