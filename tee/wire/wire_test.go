package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/eventlog"
)

func TestDecodeSNPFixture(t *testing.T) {
	raw := fixtures.Upstream(t, "sev_snp_attestation.bin")
	a, v, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if v != V0 || a.Variant != VariantSEVSNP || a.SNP == nil {
		t.Fatalf("version %d variant %v", v, a.Variant)
	}
	if len(a.SNP.Report) != 1184 {
		t.Fatalf("report of %d bytes", len(a.SNP.Report))
	}
	if want := append([]byte("attest-test-fixture-2026"), make([]byte, 40)...); !bytes.Equal(a.ReportData[:], want) {
		t.Fatalf("report_data %q", a.ReportData)
	}
	if !strings.Contains(a.SNP.MrConfig, `"compose_hash"`) {
		t.Fatalf("mr_config %q", a.SNP.MrConfig)
	}
	again, err := EncodeV0(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, raw) {
		t.Fatal("re-encoding the fixture changed it")
	}
	// V1 of the same evidence decodes to the same value.
	v1, err := EncodeV1(a)
	if err != nil {
		t.Fatal(err)
	}
	b, ver, err := Decode(v1)
	if err != nil || ver != V1 {
		t.Fatal(ver, err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("V1 round trip differs:\n%+v\n%+v", a, b)
	}
}

func TestCSRVector(t *testing.T) {
	empty := &Attestation{Variant: VariantTDX, TDX: &TDXEvidence{}}
	att, err := EncodeV0(empty)
	if err != nil {
		t.Fatal(err)
	}
	wantAtt := append([]byte{0, 0, 0, 0, 0}, make([]byte, 64)...)
	wantAtt = append(wantAtt, 0)
	if !bytes.Equal(att, wantAtt) {
		t.Fatalf("empty attestation %x", att)
	}
	csr := &CertSigningRequestV2{
		Confirm: CSRConfirm, PubKey: []byte{1, 2, 3},
		Config:      CertConfigV2{Subject: "test.example.com", UsageServerAuth: true},
		Attestation: att,
	}
	want := "44" + hex.EncodeToString([]byte(CSRConfirm)) + "0c010203" + "00" + "40" + hex.EncodeToString([]byte("test.example.com")) + "00" + "010000000000"
	got := csr.Encode()
	if hex.EncodeToString(got[:len(got)-70]) != want || !bytes.Equal(got[len(got)-70:], att) {
		t.Fatalf("CSR %x", got)
	}
	back, err := DecodeCSRV2(got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, csr) {
		t.Fatalf("CSR round trip %+v", back)
	}
	org, nb := "Acme", uint64(1700000000)
	csr.Config.OrgName, csr.Config.NotBefore, csr.Config.SubjectAltNames = &org, &nb, []string{"a", "127.0.0.1"}
	back, err = DecodeCSRV2(csr.Encode())
	if err != nil || !reflect.DeepEqual(back, csr) {
		t.Fatalf("CSR with options: %+v %v", back, err)
	}
	bad := csr.Encode()
	bad[1] = 'P'
	if _, err := DecodeCSRV2(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("wrong confirm: %v", err)
	}
}

func TestCSRV1(t *testing.T) {
	b := appendStr(nil, CSRConfirm)
	b = appendBytes(b, []byte{9})
	b = append(b, 0)
	b = appendStr(b, "s")
	b = append(b, 0, 1, 0)
	b = appendBytes(b, []byte{4, 0})
	b = appendBytes(b, []byte("[]"))
	c, err := DecodeCSRV1(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Encode(), b) {
		t.Fatal("V1 CSR re-encodes differently")
	}
	if c.Subject != "s" || !c.UsageServerAuth || string(c.EventLog) != "[]" {
		t.Fatalf("%+v", c)
	}
	if _, err := DecodeCSRV1(append(b, 0)); !errors.Is(err, ErrMalformed) {
		t.Fatal("trailing byte accepted")
	}
}

func sampleAttestations() map[string]*Attestation {
	ev := []eventlog.RuntimeEvent{{Name: "app-id", Payload: []byte{1, 2}, Version: 1}, {Name: "system-ready", Payload: []byte{}, Version: 1}}
	log := []eventlog.Event{
		{IMR: 0, EventType: 10, Digest: bytes.Repeat([]byte{7}, 48), Event: "", Payload: []byte("ACPI DATA")},
		{IMR: 1, EventType: 4, Digest: bytes.Repeat([]byte{8}, 48), Payload: []byte{0, 0, 0, 0}},
		ev[0].TdxEvent(false),
	}
	return map[string]*Attestation{
		"tdx":   {Variant: VariantTDX, TDX: &TDXEvidence{Quote: []byte{4, 0, 2, 0, 0x81, 200}, EventLog: log}, RuntimeEvents: ev, ReportData: [64]byte{1}, Config: `{"os_image_hash":"ab"}`, Stack: StackDstack},
		"snp":   {Variant: VariantSEVSNP, SNP: &SNPEvidence{Report: bytes.Repeat([]byte{0x11}, 1184), CertChain: [][]byte{{1}, {2, 3}}, MrConfig: `{"version":3}`}, RuntimeEvents: ev, ReportData: [64]byte{2}, Stack: StackDstack},
		"nitro": {Variant: VariantNitroEnclave, Nitro: &NitroEnclaveEvidence{NSMQuote: []byte{0xd2, 0x84}}, ReportData: [64]byte{3}, Stack: StackDstack},
		"tpm":   {Variant: VariantNitroTPM, NitroTPM: &NitroTPMEvidence{AttestationDoc: []byte{1}}, Stack: StackDstack},
	}
}

func normalize(a *Attestation) *Attestation {
	c := *a
	if c.TDX != nil {
		t := *c.TDX
		for i := range t.EventLog {
			if t.EventLog[i].Payload == nil {
				t.EventLog[i].Payload = []byte{}
			}
		}
		c.TDX = &t
	}
	for i := range c.RuntimeEvents {
		if c.RuntimeEvents[i].Payload == nil {
			c.RuntimeEvents[i].Payload = []byte{}
		}
	}
	return &c
}

func TestRoundTrips(t *testing.T) {
	for name, a := range sampleAttestations() {
		for _, enc := range []struct {
			v  Version
			fn func(*Attestation) ([]byte, error)
		}{{V0, EncodeV0}, {V1, EncodeV1}} {
			b, err := enc.fn(a)
			if err != nil {
				t.Fatalf("%s V%d: %v", name, enc.v, err)
			}
			got, v, err := Decode(b)
			if err != nil || v != enc.v {
				t.Fatalf("%s V%d: decode: %v (version %d)", name, enc.v, err, v)
			}
			if !reflect.DeepEqual(normalize(got), normalize(a)) {
				t.Fatalf("%s V%d round trip:\n%+v\n%+v", name, enc.v, got, a)
			}
		}
	}
}

func TestEncodeChoosesVersion(t *testing.T) {
	a := sampleAttestations()["tdx"]
	b, _ := Encode(a)
	if b[0] != 0 {
		t.Fatal("V1 events encoded as V1")
	}
	a.RuntimeEvents = append(a.RuntimeEvents, eventlog.RuntimeEvent{Name: "v2", Version: 2})
	b, _ = Encode(a)
	if b[0]&0xf0 != 0x80 {
		t.Fatalf("V2 event encoded with first byte %#x", b[0])
	}
	if _, err := EncodeV0(a); err == nil {
		t.Fatal("V0 accepted a V2 event")
	}
	pod := sampleAttestations()["nitro"]
	pod.Stack, pod.ReportDataPayload = StackDstackPod, `{"hello":"world"}`
	b, _ = Encode(pod)
	got, v, err := Decode(b)
	if err != nil || v != V1 || got.ReportDataPayload != pod.ReportDataPayload || got.Stack != StackDstackPod {
		t.Fatalf("pod: %v %v %+v", v, err, got)
	}
}

// TestV1Layout pins rmp_serde's layout: named maps, adjacent tags, plain
// Vec<u8> as integer arrays, human bytes as bin.
func TestV1Layout(t *testing.T) {
	a := &Attestation{
		Variant:       VariantNitroEnclave,
		Nitro:         &NitroEnclaveEvidence{NSMQuote: []byte{1, 200}},
		RuntimeEvents: []eventlog.RuntimeEvent{{Name: "e", Payload: []byte{0xff}}},
		ReportData:    [64]byte{5},
		Config:        "c",
	}
	b, err := EncodeV1(a)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	w := func(h string) { x, _ := hex.DecodeString(strings.ReplaceAll(h, " ", "")); want.Write(x) }
	str := func(s string) { want.WriteByte(0xa0 | byte(len(s))); want.WriteString(s) }
	w("83")
	str("version")
	w("01")
	str("platform")
	w("82")
	str("kind")
	str("nitro-enclave")
	str("data")
	w("81")
	str("nsm_quote")
	w("92 01 cc c8") // [1, 200] as integers
	str("stack")
	w("82")
	str("kind")
	str("dstack")
	str("data")
	w("83")
	str("report_data")
	w("dc 00 40 05") // array16 of 64 integers, first 5
	want.Write(make([]byte, 63))
	str("runtime_events")
	w("91 82")
	str("event")
	str("e")
	str("payload")
	w("c4 01 ff") // bin8
	str("config")
	str("c")
	if !bytes.Equal(b, want.Bytes()) {
		t.Fatalf("V1 layout\n got %x\nwant %x", b, want.Bytes())
	}
}

func TestDecodeRejects(t *testing.T) {
	good, _ := EncodeV0(sampleAttestations()["tdx"])
	goodV1, _ := EncodeV1(sampleAttestations()["tdx"])
	big := make([]byte, MaxSize+1)
	cases := map[string][]byte{
		"empty":                 nil,
		"unknown version byte":  {0x42},
		"trailing byte V0":      append(bytes.Clone(good), 0),
		"trailing byte V1":      append(bytes.Clone(goodV1), 0),
		"truncated V0":          good[:len(good)-1],
		"truncated V1":          goodV1[:len(goodV1)-1],
		"too large":             big,
		"unknown variant":       {0, 9},
		"non-canonical compact": append([]byte{0, 2, 0x01, 0x00}, good[3:]...),
		"huge length":           {0, 0, 0xfe, 0xff, 0xff, 0xff},
		"V1 wrong version":      bytes.Replace(goodV1, append([]byte{0xa7}, "version\x01"...), append([]byte{0xa7}, "version\x02"...), 1),
		"V1 duplicate key":      []byte{0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x01},
	}
	for name, b := range cases {
		if _, _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: error %v, want ErrMalformed", name, err)
		}
	}
	if _, _, err := Decode([]byte{0, 1}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("GCP: %v", err)
	}
}

func TestByteFlipsSNPFixture(t *testing.T) {
	raw := fixtures.Upstream(t, "sev_snp_attestation.bin")
	orig, _, _ := Decode(raw)
	for i := range raw {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(raw)
			b[i] ^= x
			a, _, err := Decode(b)
			if err == nil && reflect.DeepEqual(a, orig) {
				t.Fatalf("flip at %d decoded to the original", i)
			}
		}
	}
}

func TestAppInfo(t *testing.T) {
	a := &AppInfo{
		AppID: bytes.Repeat([]byte{1}, 20), ComposeHash: bytes.Repeat([]byte{2}, 32), InstanceID: []byte{},
		DeviceID: bytes.Repeat([]byte{3}, 32), MrSystem: [32]byte{4}, MrAggregated: [32]byte{5},
		OSImageHash: []byte{6}, KeyProviderInfo: []byte(`{"name":"kms","id":""}`),
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0x99 || b[1] != 0xc4 || b[2] != 20 || b[len(b)-1] != 0xc0 {
		t.Fatalf("layout %x", b)
	}
	got, err := DecodeAppInfo(b)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("%+v %v", got, err)
	}
	a.InitScriptHashes = [][32]byte{{9}}
	b, _ = a.MarshalBinary()
	if got, err = DecodeAppInfo(b); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("%+v %v", got, err)
	}
	// An 8-element array from an older issuer.
	a.InitScriptHashes = nil
	b, _ = a.MarshalBinary()
	old := append([]byte{0x98}, b[1:len(b)-1]...)
	if got, err = DecodeAppInfo(old); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("8 elements: %+v %v", got, err)
	}
	for name, bad := range map[string][]byte{
		"7 elements": append([]byte{0x97}, b[1:len(b)-1]...),
		"trailing":   append(bytes.Clone(b), 0),
		"truncated":  b[:len(b)-2],
		"short mr":   bytes.Replace(bytes.Clone(b), append([]byte{0xc4, 32, 4}, make([]byte, 31)...), []byte{0xc4, 1, 4}, 1),
	} {
		if _, err := DecodeAppInfo(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStripped(t *testing.T) {
	a := sampleAttestations()["tdx"]
	s := a.Stripped()
	if len(s.TDX.EventLog) != 1 || s.TDX.EventLog[0].IMR != 3 || s.TDX.EventLog[0].Digest != nil || len(s.TDX.EventLog[0].Payload) == 0 {
		t.Fatalf("stripped log %+v", s.TDX.EventLog)
	}
	a.Config = `{"tdx_attestation_variant":"lite"}`
	s = a.Stripped()
	if len(s.TDX.EventLog) != 2 || string(s.TDX.EventLog[0].Payload) != "ACPI DATA" || len(s.TDX.EventLog[0].Digest) != 48 {
		t.Fatalf("lite stripped log %+v", s.TDX.EventLog)
	}
	if len(a.TDX.EventLog) != 3 {
		t.Fatal("Stripped changed its receiver")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(fixtures.Upstream(f, "sev_snp_attestation.bin"))
	for _, a := range sampleAttestations() {
		b0, _ := EncodeV0(a)
		b1, _ := EncodeV1(a)
		f.Add(b0)
		f.Add(b1)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, v, err := Decode(b)
		if err != nil {
			return
		}
		var again []byte
		if v == V0 {
			again, err = EncodeV0(a)
		} else {
			again, err = EncodeV1(a)
		}
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		b2, _, err := Decode(again)
		if err != nil || !reflect.DeepEqual(normalize(b2), normalize(a)) {
			t.Fatalf("re-encoding changed the value: %v", err)
		}
	})
}

func FuzzDecodeAppInfo(f *testing.F) {
	a := &AppInfo{AppID: []byte{1}, InitScriptHashes: [][32]byte{{1}}}
	b, _ := a.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAppInfo(b)
		if err != nil {
			return
		}
		again, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if a2, err := DecodeAppInfo(again); err != nil || !reflect.DeepEqual(a, a2) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzDecodeCSRV2(f *testing.F) {
	org := "o"
	c := &CertSigningRequestV2{Confirm: CSRConfirm, PubKey: []byte{1}, Config: CertConfigV2{OrgName: &org, Subject: "s"}, Attestation: []byte{0}}
	f.Add(c.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCSRV2(b)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Encode(), b) {
			t.Fatal("re-encoding changed the CSR")
		}
	})
}
