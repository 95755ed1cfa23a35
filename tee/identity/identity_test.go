package identity

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/internal/fixtures"
	"github.com/dstack-go/dstack/tee/wire"
)

func TestReportData(t *testing.T) {
	got := ReportData("app-data", []byte("test content"))
	h := hex.EncodeToString(got[:])
	if !strings.HasPrefix(h, "7ea0b744") || !strings.HasSuffix(h, "4dae8a01") {
		t.Fatalf("AppData vector %s", h)
	}
	if got != sha512.Sum512([]byte("app-data:test content")) {
		t.Fatal("not SHA-512 of tag:content")
	}
	kb := KMSBootstrapReportData([]byte{1, 2}, []byte{3})
	want := crypto.Keccak256([]byte("dstack-kms-genereted-keys-v1:0102;03;"))
	if !bytes.Equal(kb[:32], want) || kb[32] != 0 {
		t.Fatalf("bootstrap report data %x", kb)
	}
}

func TestAppAndInstanceID(t *testing.T) {
	raw := []byte(`{"manifest_version":2,"name":"x","runner":"docker-compose","docker_compose_file":"services: {}"}`)
	ch := ComposeHash(raw)
	if ch != sha256.Sum256(raw) {
		t.Fatal("compose hash is not SHA-256 of the raw bytes")
	}
	id, err := AppID(nil, ch)
	if err != nil || !bytes.Equal(id[:], ch[:20]) {
		t.Fatal("app id from compose hash")
	}
	pinned := bytes.Repeat([]byte{9}, 20)
	if id, _ := AppID(pinned, ch); !bytes.Equal(id[:], pinned) {
		t.Fatal("pinned app id")
	}
	if _, err := AppID([]byte{1}, ch); !errors.Is(err, ErrInvalid) {
		t.Fatal("short pinned app id accepted")
	}
	seed := []byte("seed")
	inst := InstanceID(seed, id, nil)
	sum := sha256.Sum256(append([]byte("seed"), id[:]...))
	if !bytes.Equal(inst[:], sum[:20]) {
		t.Fatal("instance id")
	}
	if InstanceID(seed, id, []byte{1}) == inst {
		t.Fatal("platform binding ignored")
	}
}

// TestUpstreamFixtureIdentity checks the formulas against the real GetQuote
// fixture: its compose-hash event's first 20 bytes are its app id, and its
// key-provider payload is KMSKeyProviderInfo of the KMS root SPKI it names.
func TestUpstreamFixtureIdentity(t *testing.T) {
	gq := fixtures.TDXGetQuote(t)
	var events []struct {
		Event   string `json:"event"`
		Payload string `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(gq.EventLog), &events); err != nil {
		t.Fatal(err)
	}
	payload := map[string][]byte{}
	for _, e := range events {
		payload[e.Event], _ = hex.DecodeString(e.Payload)
	}
	if !bytes.Equal(payload["app-id"], payload["compose-hash"][:20]) {
		t.Fatal("fixture app id is not the compose hash prefix")
	}
	var kpi KeyProviderInfo
	if err := json.Unmarshal(payload["key-provider"], &kpi); err != nil {
		t.Fatal(err)
	}
	spki, _ := hex.DecodeString(kpi.ID)
	if got := KMSKeyProviderInfo(spki).Marshal(); !bytes.Equal(got, payload["key-provider"]) {
		t.Fatalf("key provider info %s, want %s", got, payload["key-provider"])
	}
	cfg, err := ParseVMConfig(gq.VMConfig)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(cfg.OSImageHash) != "e6f5cfec20c02e7b97baa213d0f718020b55e040172d90ccbcb946d56c8b09db" || cfg.TDXAttestationVariant != "lite" {
		t.Fatalf("vm_config %+v", cfg)
	}
}

func TestMrConfig(t *testing.T) {
	var ch [32]byte
	ch[0] = 0xc1
	v1 := MrConfigV1(ch)
	if v1[0] != 1 || v1[1] != 0xc1 || !bytes.Equal(v1[33:], make([]byte, 15)) {
		t.Fatalf("v1 %x", v1)
	}
	var app [20]byte
	v2, err := MrConfigV2(ch, app, KeyProviderKMS, []byte{0xaa})
	if err != nil {
		t.Fatal(err)
	}
	pre := append(append(append(bytes.Clone(ch[:]), app[:]...), 2), 0xaa)
	if v2[0] != 2 || !bytes.Equal(v2[1:33], crypto.Keccak256(pre)) {
		t.Fatalf("v2 %x", v2)
	}
	if _, err := MrConfigV2(ch, app, "bogus", nil); err == nil {
		t.Fatal("unknown key provider accepted")
	}
	// The SEV-SNP fixture: HOST_DATA is the V3 hash of its document.
	a, _, err := wire.Decode(fixtures.Upstream(t, "sev_snp_attestation.bin"))
	if err != nil {
		t.Fatal(err)
	}
	hostData := a.SNP.Report[0xc0:0xe0]
	if hex.EncodeToString(hostData[:4]) != "783f0057" {
		t.Fatalf("host data %x", hostData)
	}
	h := MrConfigV3Hash([]byte(a.SNP.MrConfig))
	if !bytes.Equal(h[:], hostData) {
		t.Fatalf("MrConfigV3 hash %x, host data %x", h, hostData)
	}
	doc, err := ParseMrConfigV3([]byte(a.SNP.MrConfig))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.ComposeHash) != 32 {
		t.Fatalf("document %+v", doc)
	}
	id := MrConfigIDV3([]byte(a.SNP.MrConfig))
	if id[0] != 3 || !bytes.Equal(id[1:33], h[:]) {
		t.Fatal("MR_CONFIG_ID V3")
	}
	for _, bad := range []string{`{}`, `{"version":3,"compose_hash":"00","key_provider":"kms"}`, `{"version":3,"compose_hash":"` + strings.Repeat("00", 32) + `","key_provider":"kms","extra":1}`, `{"version":2}`} {
		if _, err := ParseMrConfigV3([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestMrSystemAggregated(t *testing.T) {
	r := TDXRegisters{MRTD: [48]byte{1}, RTMR0: [48]byte{2}, RTMR1: [48]byte{3}, RTMR2: [48]byte{4}, RTMR3: [48]byte{5}}
	kp := MrKeyProvider([]byte(`{"name":"kms","id":"00"}`))
	var buf []byte
	for _, x := range [][48]byte{r.MRTD, r.RTMR0, r.RTMR1, r.RTMR2} {
		buf = append(buf, x[:]...)
	}
	if MrSystemTDX(r, kp) != sha256.Sum256(append(bytes.Clone(buf), kp[:]...)) {
		t.Fatal("mr_system")
	}
	agg := sha256.Sum256(append(bytes.Clone(buf), r.RTMR3[:]...))
	if MrAggregatedTDX(r, r.RTMR3) != agg {
		t.Fatal("mr_aggregated without config id")
	}
	r.MrOwner[0] = 1
	with := append(append(bytes.Clone(buf), r.RTMR3[:]...), make([]byte, 48)...)
	with = append(with, r.MrOwner[:]...)
	with = append(with, make([]byte, 48)...)
	if MrAggregatedTDX(r, r.RTMR3) != sha256.Sum256(with) {
		t.Fatal("mr_aggregated with owner")
	}
	if MrKeyProvider(nil) != [32]byte{} {
		t.Fatal("empty key provider")
	}
}

func TestParseAppCompose(t *testing.T) {
	good := `{"manifest_version":"3","name":"app","runner":"docker-compose","docker_compose_file":"services: {}","kms_enabled":true,"gateway_enabled":true,"init_script":["a","b"],"key_provider_id":"0xabcd","requirements":{"gpu_policy":{"attest_gpu":true}},"unknown_field":1}`
	c, err := ParseAppCompose([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.ManifestVersion != 3 || c.KeyProviderKind() != KeyProviderKMS || !c.GatewayOn() || len(c.InitScriptHashes()) != 2 || !bytes.Equal(c.KeyProviderID, []byte{0xab, 0xcd}) {
		t.Fatalf("%+v", c)
	}
	if !bytes.Equal(c.Raw(), []byte(good)) {
		t.Fatal("raw bytes not kept")
	}
	gh, _ := c.GPUPolicyHash()
	if gh != sha256.Sum256([]byte(`{"attest_gpu":true}`)) {
		t.Fatal("gpu policy hash")
	}
	plain, _ := ParseAppCompose([]byte(`{"manifest_version":2,"name":"a","runner":"bash"}`))
	if gh, _ := plain.GPUPolicyHash(); hex.EncodeToString(gh[:4]) != "44136fa3" {
		t.Fatalf("default gpu policy hash %x", gh)
	}
	if plain.KeyProviderKind() != KeyProviderNone {
		t.Fatal("default key provider")
	}
	for _, bad := range []string{
		`{`, `{"runner":"podman"}`, `{"runner":"bash","manifest_version":"03"}`,
		`{"runner":"bash","requirements":{"bogus":1}}`, `{"runner":"bash","init_script":["1","2","3","4","5","6"]}`,
		`{"runner":"bash","key_provider":"cloud"}`, `{"runner":"bash","key_provider_id":"xyz"}`,
	} {
		if _, err := ParseAppCompose([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := ParseAppCompose(bytes.Repeat([]byte(" "), MaxAppComposeSize+1)); !errors.Is(err, ErrInvalid) {
		t.Error("oversized app-compose accepted")
	}
}

func FuzzParseAppCompose(f *testing.F) {
	f.Add([]byte(`{"manifest_version":"3","runner":"docker-compose","requirements":{"gpu_policy":{}},"init_script":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseAppCompose(b)
		if err != nil {
			return
		}
		c.KeyProviderKind()
		c.GatewayOn()
		if _, err := c.GPUPolicyHash(); err != nil {
			t.Fatalf("parsed app-compose has no gpu policy hash: %v", err)
		}
	})
}

func FuzzParseVMConfig(f *testing.F) {
	f.Add(`{"os_image_hash":"ab","cpu_count":2}`)
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseVMConfig(s) })
}

func FuzzParseMrConfigV3(f *testing.F) {
	f.Add([]byte(`{"version":3,"compose_hash":"` + strings.Repeat("00", 32) + `","key_provider":"none"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMrConfigV3(b)
		if err != nil {
			return
		}
		if !json.Valid(m.KeyProviderInfo()) || len(m.InitScriptHashList()) != len(m.InitScriptHashes) {
			t.Fatal("inconsistent document")
		}
	})
}
