package verification

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// fixtureTime is within the validity of the upstream fixtures' PCK chain.
var fixtureTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const (
	fixtureAppID   = "86b0e55f2fa8e4fb69d890f14f54d5612707646e"
	fixtureOSImage = "e6f5cfec20c02e7b97baa213d0f718020b55e040172d90ccbcb946d56c8b09db"
)

func verifyBody(t *testing.T, body []byte, opts Options) *Response {
	t.Helper()
	r, err := DecodeRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func reason(r *Response) string {
	if r.Reason == nil {
		return ""
	}
	return *r.Reason
}

// TestUpstreamLiteFixtures: upstream's two requests from one dstack 0.6
// CVM, the GetQuote form (quote, event_log, vm_config) and the attestation
// form, verify to the same claims, the OS image bound to the registers.
func TestUpstreamLiteFixtures(t *testing.T) {
	for _, name := range []string{"tdx-lite-getquote.json", "tdx-lite-attestation.json"} {
		t.Run(name, func(t *testing.T) {
			res := verifyBody(t, fixtures.Upstream(t, name), Options{Attestation: attest.Options{Now: fixtureTime}})
			d := res.Details
			if !res.IsValid || res.Reason != nil || !d.QuoteVerified || !d.EventLogVerified || !d.OSImageHashVerified || d.ACPITablesVerified {
				t.Fatalf("%+v reason %q", d, reason(res))
			}
			if *d.TEEVariant != "dstack-tdx" || *d.TCBStatus != "Unknown" || !strings.HasPrefix(*d.ReportData, "646970313a") {
				t.Fatalf("quote claims %v %v %v", *d.TEEVariant, *d.TCBStatus, *d.ReportData)
			}
			a := d.AppInfo
			if hex.EncodeToString(a.AppID) != fixtureAppID || hex.EncodeToString(a.OSImageHash) != fixtureOSImage ||
				hex.EncodeToString(a.InstanceID) != "050bf89570575fe8fab4cb8f0a62a9e64efe8ead" ||
				hex.EncodeToString(a.MrAggregated) != "c758fa624b62536ca77504c4c52745e70880220a178a615a859c52f8b101d2ee" ||
				a.InitScriptHashes == nil || len(a.InitScriptHashes) != 0 {
				t.Fatalf("app_info %+v", a)
			}
			if d.KeyProvider == nil || d.KeyProvider.Name != "kms" || !strings.HasPrefix(d.KeyProvider.ID, "3059301306") {
				t.Fatalf("key_provider %+v", d.KeyProvider)
			}
			b := d.BootInfo
			if b.TEEVariant != "dstack-tdx" || !bytes.Equal(b.AppID, a.AppID) || !bytes.Equal(b.MrAggregated, a.MrAggregated) ||
				!bytes.Equal(b.OSImageHash, a.OSImageHash) || b.TCBStatus != "Unknown" || b.AdvisoryIDs == nil {
				t.Fatalf("boot_info %+v", b)
			}
		})
	}
}

// TestOSImageRefused: lite evidence whose vm_config claims a machine or an
// image its registers contradict, or that cannot be bound, is not valid,
// even with insecure_allow_unverified_os_image, which waives only evidence
// that makes no claim to be bound; the report stops after the quote, as
// upstream's does.
func TestOSImageRefused(t *testing.T) {
	gq := fixtures.TDXGetQuote(t)
	var cfg map[string]any
	if err := json.Unmarshal([]byte(gq.VMConfig), &cfg); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		change func(map[string]any)
		want   string
	}{
		"memory":          {func(m map[string]any) { m["memory_size"] = float64(4 << 30) }, "RTMR"},
		"qemu version":    {func(m map[string]any) { m["qemu_version"] = "9.1.0" }, "did not boot OS image"},
		"another image":   {func(m map[string]any) { m["os_image_hash"] = strings.Repeat("11", 32) }, "OS image hash verification failed"},
		"no document":     {func(m map[string]any) { delete(m, "tdx_measurement") }, "OS image hash verification failed"},
		"no named ACPI":   {nil, "OS image hash verification failed"},
		"original, as is": {func(map[string]any) {}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			m := map[string]any{}
			for k, v := range cfg {
				m[k] = v
			}
			log := gq.EventLog
			if c.change == nil {
				log = strings.ReplaceAll(log, `"acpi-tables"`, `"acpi-tablez"`)
			} else {
				c.change(m)
			}
			vmc, _ := json.Marshal(m)
			body, _ := json.Marshal(map[string]string{"quote": hex.EncodeToString(gq.Quote), "event_log": log, "vm_config": string(vmc)})
			res := verifyBody(t, body, Options{Attestation: attest.Options{Now: fixtureTime}, InsecureAllowUnverifiedOSImage: true})
			if c.want == "" {
				if !res.IsValid || !res.Details.OSImageHashVerified {
					t.Fatalf("%q", reason(res))
				}
				return
			}
			d := res.Details
			if res.IsValid || !d.QuoteVerified || d.OSImageHashVerified || d.EventLogVerified || d.AppInfo != nil || *d.TEEVariant != "dstack-tdx" ||
				!strings.HasPrefix(reason(res), "OS image hash verification failed: ") || !strings.Contains(reason(res), c.want) {
				t.Fatalf("valid %v %+v %q, want a reason with %q", res.IsValid, d, reason(res), c.want)
			}
		})
	}
}

// TestAttestationIgnoresTopLevelFields: with an attestation, a top-level
// quote, event_log or vm_config changes nothing (upstream's
// attestation_fixture_ignores_conflicting_top_level_inputs).
func TestAttestationIgnoresTopLevelFields(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(fixtures.Upstream(t, "tdx-lite-attestation.json"), &m); err != nil {
		t.Fatal(err)
	}
	gq := fixtures.TDXGetQuote(t)
	m["quote"], m["event_log"], m["vm_config"] = "00", "[]", "not-json"
	body, _ := json.Marshal(m)
	res := verifyBody(t, body, Options{Attestation: attest.Options{Now: fixtureTime}, InsecureAllowUnverifiedOSImage: true})
	if !res.IsValid || hex.EncodeToString(res.Details.AppInfo.OSImageHash) != fixtureOSImage {
		t.Fatalf("%+v %q", res.Details, reason(res))
	}
	// A vm_config naming another OS image does not replace the embedded one.
	m["vm_config"] = strings.Replace(gq.VMConfig, fixtureOSImage, strings.Repeat("00", 32), 1)
	body, _ = json.Marshal(m)
	res = verifyBody(t, body, Options{Attestation: attest.Options{Now: fixtureTime}, InsecureAllowUnverifiedOSImage: true})
	if hex.EncodeToString(res.Details.AppInfo.OSImageHash) != fixtureOSImage {
		t.Fatalf("os_image_hash %x", res.Details.AppInfo.OSImageHash)
	}
}

// mockTD is a simulated TD with a mock Intel PKI: one app's runtime events
// in RTMR3.
type mockTD struct {
	pki    *mock.PKI
	tee    *mock.TEE
	events []eventlog.RuntimeEvent
}

func newMockTD(t testing.TB) *mockTD {
	t.Helper()
	pki, err := mock.NewPKI([]byte("verification test"))
	if err != nil {
		t.Fatal(err)
	}
	td := &mockTD{pki: pki, tee: pki.NewTEE([48]byte{1}, [48]byte{2}, [48]byte{3}, [48]byte{4})}
	for _, e := range []eventlog.RuntimeEvent{
		{Name: "app-id", Payload: bytes.Repeat([]byte{0xaa}, 20)},
		{Name: "compose-hash", Payload: bytes.Repeat([]byte{0xbb}, 32)},
		{Name: "instance-id", Payload: bytes.Repeat([]byte{0xcc}, 20)},
		{Name: "key-provider", Payload: []byte(`{"name":"local","id":"00ff"}`)},
		{Name: "system-ready"},
	} {
		if err := td.tee.Extend(3, e.Digest()); err != nil {
			t.Fatal(err)
		}
		td.events = append(td.events, e)
	}
	return td
}

func (td *mockTD) attester() *attest.TDXAttester {
	return &attest.TDXAttester{
		Quote:         func(_ context.Context, rd [64]byte) ([]byte, error) { return td.tee.Quote(rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent { return td.events },
		Config:        `{"os_image_hash":"` + strings.Repeat("ee", 32) + `"}`,
	}
}

func (td *mockTD) attest(t testing.TB, rd [64]byte) *wire.Attestation {
	t.Helper()
	a, err := td.attester().Attest(context.Background(), rd)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// options trusts the mock PKI and takes its collateral.
func (td *mockTD) options(allowUnbound bool) Options {
	return Options{
		Attestation: attest.Options{
			InsecureTrustRoots: &attest.TrustRoots{TDX: td.pki.Roots()},
			Collateral:         collateral.NewCache(td.pki.Source(), collateral.CacheOptions{}),
		},
		InsecureAllowUnverifiedOSImage: allowUnbound,
	}
}

// requests are the two request forms of one piece of evidence.
func requests(t testing.TB, a *wire.Attestation) map[string][]byte {
	t.Helper()
	raw, err := wire.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	log, _ := json.Marshal(a.TDX.EventLog)
	att, _ := json.Marshal(map[string]string{"attestation": hex.EncodeToString(raw)})
	gq, _ := json.Marshal(map[string]string{"quote": hex.EncodeToString(a.TDX.Quote), "event_log": string(log), "vm_config": a.Config})
	return map[string][]byte{"attestation": att, "getquote": gq}
}

// TestMockTD: evidence from a simulated TD verifies, in both forms, only
// with its mock roots.
func TestMockTD(t *testing.T) {
	td := newMockTD(t)
	for form, body := range requests(t, td.attest(t, [64]byte{7})) {
		t.Run(form, func(t *testing.T) {
			res := verifyBody(t, body, td.options(true))
			d := res.Details
			if !res.IsValid || !d.QuoteVerified || !d.EventLogVerified || *d.TCBStatus != "UpToDate" ||
				hex.EncodeToString(d.AppInfo.AppID) != strings.Repeat("aa", 20) ||
				hex.EncodeToString(d.AppInfo.OSImageHash) != strings.Repeat("ee", 32) ||
				*d.ReportData != "07"+strings.Repeat("00", 63) {
				t.Fatalf("%+v %q", d, reason(res))
			}
			if d.KeyProvider == nil || *d.KeyProvider != (KeyProvider{Name: "local", ID: "00ff"}) {
				t.Fatalf("key_provider %+v", d.KeyProvider)
			}
			if res := verifyBody(t, body, td.options(false)); res.IsValid || !strings.HasPrefix(reason(res), "OS image hash verification failed: legacy TDX evidence") {
				t.Fatalf("unbound OS image: valid %v %q", res.IsValid, reason(res))
			}
			res = verifyBody(t, body, Options{InsecureAllowUnverifiedOSImage: true})
			if res.IsValid || res.Details.QuoteVerified || !strings.HasPrefix(reason(res), "Quote verification failed: ") {
				t.Fatalf("vendor roots: %+v %q", res.Details, reason(res))
			}
		})
	}
}

// TestInvalidEvidence: evidence that decodes but does not verify is a
// response with is_valid false and the reason, never an error.
func TestInvalidEvidence(t *testing.T) {
	td := newMockTD(t)
	good := td.attest(t, [64]byte{7})
	cases := map[string]struct {
		change func(a *wire.Attestation)
		want   string
	}{
		"runtime event": {func(a *wire.Attestation) {
			a.TDX.EventLog[0].Payload = bytes.Repeat([]byte{0xab}, 20)
			a.TDX.EventLog[0].Digest = nil
			a.RuntimeEvents = nil
		}, "RTMR3"},
		"event digest": {func(a *wire.Attestation) {
			a.TDX.EventLog[1].Digest = make([]byte, 48)
			a.RuntimeEvents = nil
		}, "digest does not match"},
		"quote signature": {func(a *wire.Attestation) { a.TDX.Quote[len(a.TDX.Quote)-100] ^= 1 }, "Quote verification failed"},
		"quote body":      {func(a *wire.Attestation) { a.TDX.Quote[48+200] ^= 1 }, "Quote verification failed"},
		"report_data":     {func(a *wire.Attestation) { a.ReportData[0] ^= 1 }, "report_data does not match"},
		"vm_config":       {func(a *wire.Attestation) { a.Config = `{"os_image_hash":` }, "vm_config"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := td.attest(t, [64]byte{7})
			c.change(a)
			forms := requests(t, a)
			if name == "report_data" {
				// The GetQuote form takes report_data from the quote.
				delete(forms, "getquote")
			}
			for form, body := range forms {
				res := verifyBody(t, body, td.options(true))
				if res.IsValid || res.Details.QuoteVerified || res.Details.AppInfo != nil || !strings.Contains(reason(res), c.want) {
					t.Errorf("%s: valid %v %q, want a reason with %q", form, res.IsValid, reason(res), c.want)
				}
			}
		})
	}
	// The unchanged evidence still verifies: the cases above fail for
	// their change alone.
	for form, body := range requests(t, good) {
		if res := verifyBody(t, body, td.options(true)); !res.IsValid {
			t.Fatalf("%s: %q", form, reason(res))
		}
	}
}

// TestBadRequests: every request that cannot be verified is refused with
// ErrBadRequest and a reason that says what is wrong.
func TestBadRequests(t *testing.T) {
	gq := fixtures.TDXGetQuote(t)
	quote := hex.EncodeToString(gq.Quote)
	withQuote := func(fields string) []byte { return []byte(`{"quote":"` + quote + `"` + fields + `}`) }
	cases := map[string]struct {
		body []byte
		want string
	}{
		"empty body":          {nil, "not a JSON object"},
		"array":               {[]byte(`[]`), "not a JSON object"},
		"string":              {[]byte(`"quote"`), "not a JSON object"},
		"truncated":           {[]byte(`{"quote":"00"`), "reading the request object"},
		"trailing data":       {[]byte(`{} {}`), "data after the request object"},
		"invalid UTF-8":       {[]byte("{\"x\":\"\xff\"}"), "not valid UTF-8"},
		"duplicate field":     {[]byte(`{"attestation":null,"attestation":"00"}`), `field "attestation" given twice`},
		"odd hex":             {[]byte(`{"quote":"abc"}`), "quote: want a string of hex"},
		"0x hex":              {[]byte(`{"attestation":"0x00"}`), "attestation: want a string of hex (no 0x)"},
		"quote as number":     {[]byte(`{"quote":4}`), "quote: want a string of hex"},
		"event_log as array":  {withQuote(`,"event_log":[]`), "event_log: want a JSON string"},
		"vm_config as object": {withQuote(`,"event_log":"[]","vm_config":{}`), "vm_config: want a JSON string"},
		"debug as string":     {[]byte(`{"debug":"yes"}`), "debug: want true or false"},
		"no evidence":         {[]byte(`{}`), "give attestation, or quote with event_log and vm_config"},
		"only nulls":          {[]byte(`{"attestation":null,"quote":null,"debug":null}`), "give attestation, or quote"},
		"quote without log":   {withQuote(``), "event_log is required with quote"},
		"empty event_log":     {withQuote(`,"event_log":""`), "event_log: parsing event log JSON"},
		"event_log not array": {withQuote(`,"event_log":"{}"`), "event_log: parsing event log JSON"},
		"event_log bad IMR":   {withQuote(`,"event_log":"[{\"imr\":9,\"event_type\":1,\"digest\":\"\",\"event\":\"\",\"event_payload\":\"\"}]"`), "IMR 9"},
		"quote not a quote":   {[]byte(`{"quote":"0400","event_log":"[]"}`), "quote:"},
		"empty attestation":   {[]byte(`{"attestation":""}`), "attestation: malformed attestation encoding: empty input"},
		"attestation garbage": {[]byte(`{"attestation":"00ff"}`), "attestation:"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := DecodeRequest(c.body)
			if err == nil {
				_, err = Verify(context.Background(), r, Options{})
			}
			if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrBadRequest with %q", err, c.want)
			}
		})
	}
}

// TestRequestFields: what DecodeRequest takes, as upstream's serde takes it.
func TestRequestFields(t *testing.T) {
	r, err := DecodeRequest([]byte(`{"quote":"00AB","event_log":"[]","vm_config":"{}","debug":true,"report_data":"ff","Quote":5,"nested":{"a":[1,{"b":null}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Request{Quote: []byte{0, 0xab}, EventLog: ptr("[]"), VMConfig: ptr("{}"), Debug: ptr(true), hasQuote: true}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("%+v", r)
	}
	r, err = DecodeRequest([]byte(` {"attestation":"00","quote":null} `))
	if err != nil || !bytes.Equal(r.Attestation, []byte{0}) || r.hasQuote || r.Quote != nil {
		t.Fatalf("%+v %v", r, err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestResponseShape: the JSON keys, their order and their null-ness are
// upstream's VerificationResponse's.
func TestResponseShape(t *testing.T) {
	res := verifyBody(t, fixtures.Upstream(t, "tdx-lite-getquote.json"), Options{Attestation: attest.Options{Now: fixtureTime}, InsecureAllowUnverifiedOSImage: true})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"is_valid", "details", "quote_verified", "event_log_verified", "os_image_hash_verified", "acpi_tables_verified",
		"os_image_is_dev", "os_image_version", "tee_variant", "report_data", "tcb_status", "advisory_ids",
		"key_provider", "name", "id", "app_info", "app_id", "compose_hash", "instance_id", "device_id", "mr_system",
		"mr_aggregated", "os_image_hash", "key_provider_info", "init_script_hashes", "boot_info", "teeVariant",
		"mrAggregated", "osImageHash", "mrSystem", "appId", "composeHash", "instanceId", "deviceId", "keyProviderInfo",
		"tcbStatus", "advisoryIds", "reason",
	}
	if got := keysInOrder(t, b); !reflect.DeepEqual(got, want) {
		t.Fatalf("keys\n%v\nwant\n%v", got, want)
	}
	for _, s := range []string{`"os_image_is_dev":null`, `"os_image_version":null`, `"advisory_ids":[]`, `"init_script_hashes":[]`, `"advisoryIds":[]`} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("no %s in %s", s, b)
		}
	}
	// A refusal keeps every details key but boot_info, with nulls.
	b, _ = json.Marshal(refused("x"))
	if string(b) != `{"is_valid":false,"details":{"quote_verified":false,"event_log_verified":false,"os_image_hash_verified":false,"acpi_tables_verified":false,"os_image_is_dev":null,"os_image_version":null,"tee_variant":null,"report_data":null,"tcb_status":null,"advisory_ids":[],"key_provider":null,"app_info":null},"reason":"x"}` {
		t.Fatalf("refusal %s", b)
	}
}

// keysInOrder lists the object keys of a JSON document depth first.
func keysInOrder(t *testing.T, b []byte) []string {
	t.Helper()
	var keys []string
	d := json.NewDecoder(bytes.NewReader(b))
	inObject := []bool{}
	expectKey := false
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tok {
		case json.Delim('{'):
			inObject = append(inObject, true)
			expectKey = true
			continue
		case json.Delim('['):
			inObject = append(inObject, false)
		case json.Delim('}'), json.Delim(']'):
			inObject = inObject[:len(inObject)-1]
		default:
			if s, ok := tok.(string); ok && expectKey {
				keys = append(keys, s)
				expectKey = false
				continue
			}
		}
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
	return keys
}

// TestKeyProvider: the key-provider event decodes only as {name, id}.
func TestKeyProvider(t *testing.T) {
	for in, want := range map[string]*KeyProvider{
		`{"name":"kms","id":"ab","extra":1}`: {Name: "kms", ID: "ab"},
		`{"name":"kms"}`:                     nil,
		`{"name":"kms","id":5}`:              nil,
		`not json`:                           nil,
		``:                                   nil,
	} {
		if got := decodeKeyProvider([]byte(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %+v", in, got)
		}
	}
}

// TestParseEvidenceForms: the forms dstack verify reads decode to the same
// attestation as the service's requests.
func TestParseEvidenceForms(t *testing.T) {
	gq := fixtures.Upstream(t, "tdx-lite-getquote.json")
	r, err := DecodeRequest(gq)
	if err != nil {
		t.Fatal(err)
	}
	fromRequest, err := r.Evidence()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ParseEvidence(gq)
	if err != nil || ev.QuoteOnly {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ev.Attestation, fromRequest) {
		t.Fatal("dstack verify and the service read the GetQuote fixture differently")
	}
	ev, err = ParseEvidence(fixtures.Upstream(t, "tdx_quote"))
	if err != nil || !ev.QuoteOnly {
		t.Fatalf("raw quote: %v", err)
	}
}

// TestUpstreamSNP: upstream's SEV-SNP attestation, with its chip's VCEK
// given out of band, reports the SNP variant and the MrConfigV3 identity.
func TestUpstreamSNP(t *testing.T) {
	var certs [][]byte
	for _, name := range []string{"sev_snp_ask.pem", "sev_snp_vcek.pem"} {
		block, _ := pem.Decode(fixtures.Upstream(t, name))
		certs = append(certs, block.Bytes)
	}
	body, _ := json.Marshal(map[string]string{"attestation": hex.EncodeToString(fixtures.Upstream(t, "sev_snp_attestation.bin"))})
	opts := Options{Attestation: attest.Options{Now: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), SNPCerts: certs}, InsecureAllowUnverifiedOSImage: true}
	res := verifyBody(t, body, opts)
	d := res.Details
	if !res.IsValid || *d.TEEVariant != "dstack-amd-sev-snp" || d.BootInfo.TEEVariant != "dstack-amd-sev-snp" ||
		hex.EncodeToString(d.AppInfo.AppID) != "86e59625be93207bc2351c4d1bba20037cec8e16" || *d.TCBStatus != d.BootInfo.TCBStatus {
		t.Fatalf("%+v %q", d, reason(res))
	}
	// Without the VCEK the report cannot be checked.
	opts.Attestation.SNPCerts = nil
	if res := verifyBody(t, body, opts); res.IsValid || res.Details.QuoteVerified || !strings.HasPrefix(reason(res), "Quote verification failed") {
		t.Fatalf("without VCEK: %+v %q", res.Details, reason(res))
	}
}

// BenchmarkVerifyRequest is one POST /verify body's work: decoding
// upstream's lite GetQuote request, verifying it (no collateral) with its OS
// image bound, and the report.
func BenchmarkVerifyRequest(b *testing.B) {
	body := fixtures.Upstream(b, "tdx-lite-getquote.json")
	opts := Options{Attestation: attest.Options{Now: fixtureTime}}
	for b.Loop() {
		r, err := DecodeRequest(body)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Verify(context.Background(), r, opts)
		if err != nil || !res.IsValid {
			b.Fatal(err, reason(res))
		}
		if _, err := json.Marshal(res); err != nil {
			b.Fatal(err)
		}
	}
}
