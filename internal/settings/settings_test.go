package settings

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDurationJSON: durations read as Caddy reads them (strings with its
// units, "d" included, or integer nanoseconds) and are written as strings.
func TestDurationJSON(t *testing.T) {
	for in, want := range map[string]time.Duration{`"30s"`: 30 * time.Second, `"500ms"`: 500 * time.Millisecond, `"1d"`: 24 * time.Hour, `2000000000`: 2 * time.Second} {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v (%v), want %v", in, time.Duration(d), err, want)
		}
	}
	for _, bad := range []string{`"soon"`, `"30"`, `true`, `{}`} {
		var d Duration
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s accepted as %v", bad, time.Duration(d))
		}
	}
	b, err := json.Marshal(Chain{MaxStaleness: Duration(time.Minute), PollInterval: Duration(500 * time.Millisecond)})
	if err != nil || !strings.Contains(string(b), `"max_staleness":"1m0s"`) || !strings.Contains(string(b), `"poll_interval":"500ms"`) {
		t.Fatalf("%s %v", b, err)
	}
	var c Chain
	if err := json.Unmarshal(b, &c); err != nil || time.Duration(c.MaxStaleness) != time.Minute {
		t.Fatalf("round trip: %+v %v", c, err)
	}
}

// TestChainRefusals: incomplete settings and a poll interval past the
// staleness bound are refused before anything is dialled.
func TestChainRefusals(t *testing.T) {
	ok := Chain{RPCURL: "http://127.0.0.1:1", ChainID: 1, KmsContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3"}
	for name, c := range map[string]Chain{
		"no rpc_url":       {ChainID: 1, KmsContract: ok.KmsContract},
		"no chain_id":      {RPCURL: ok.RPCURL, KmsContract: ok.KmsContract},
		"bad kms_contract": {RPCURL: ok.RPCURL, ChainID: 1, KmsContract: "kms"},
	} {
		if _, err := c.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "rpc_url, chain_id and kms_contract") {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := ok
	c.PollInterval = Duration(time.Minute)
	if _, err := c.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "shorten poll_interval or raise max_staleness") {
		t.Errorf("poll_interval 1m past the default max_staleness: %v", err)
	}
	if c.Staleness() != DefaultMaxStaleness {
		t.Errorf("default staleness %v", c.Staleness())
	}
}

// TestAttestationOptions: one collateral source at most; a trust-roots file
// that is missing or holds no certificate is refused.
func TestAttestationOptions(t *testing.T) {
	if _, err := (Attestation{PCCSURL: "https://pccs.example", CollateralDir: "/"}).Options(); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("two collateral sources: %v", err)
	}
	if o, err := (Attestation{CollateralDir: t.TempDir()}).Options(); err != nil || o.Collateral == nil || o.InsecureTrustRoots != nil {
		t.Errorf("collateral dir: %+v %v", o, err)
	}
	if _, err := (Attestation{InsecureTrustRoots: filepath.Join(t.TempDir(), "none.pem")}).Options(); err == nil {
		t.Error("a missing trust roots file accepted")
	}
	empty := filepath.Join(t.TempDir(), "empty.pem")
	os.WriteFile(empty, []byte("not PEM"), 0o600)
	if _, err := (Attestation{InsecureTrustRoots: empty}).Options(); err == nil {
		t.Error("a trust roots file without certificates accepted")
	}
}
