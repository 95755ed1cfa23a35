package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/fixtures"
)

// liteEvidence is upstream's TDX lite GetQuote fixture with old replaced by new in its vm_config.
func liteEvidence(t *testing.T, old, new string) []byte {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(fixtures.Upstream(t, "tdx-lite-getquote.json"), &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m["vm_config"], old) {
		t.Fatalf("vm_config has no %s", old)
	}
	m["vm_config"] = strings.Replace(m["vm_config"], old, new, 1)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The evidence claims 4 GiB of RAM while the TD booted with 2: verify refuses it, naming RTMR0 and its
// first event (the TD HOB, which describes the RAM).
func TestVerifyNamesTheDivergingRegisterAndEvent(t *testing.T) {
	v, code, _ := runCLI(t, liteEvidence(t, `"memory_size":2147483648`, `"memory_size":4294967296`), verifyFlags{})
	if code != 1 || v.Valid || v.OSImageHashVerified || v.OSImageMismatch == nil {
		t.Fatalf("code %d %+v", code, v)
	}
	m := v.OSImageMismatch
	if m.Register != "RTMR0" || m.Actual != "f8438db36b96f85d8752ff7f24a89ec05c79ec9eda2ba732c897fb970ca429365b7471b1c054cb84f17b1c2b23ba6640" || !m.LogReplays {
		t.Fatalf("mismatch %+v", m)
	}
	if e := m.Event; e == nil || e.Index != 0 || e.Position != 0 || e.Status != "mismatch" || e.EventType != 0x8000000b || e.ActualDigest[:8] != "0b8772e5" {
		t.Fatalf("event %+v", m.Event)
	}
	if len(v.Errors) != 1 || !strings.Contains(v.Errors[0], "RTMR0") {
		t.Fatalf("errors %v", v.Errors)
	}
	// Legacy evidence verifies, with the hash marked unverified and the reason.
	v, code, _ = runCLI(t, liteEvidence(t, `"tdx_attestation_variant":"lite"`, `"tdx_attestation_variant":"legacy"`), verifyFlags{})
	if code != 0 || !v.Valid || v.OSImageHashVerified || !strings.Contains(v.OSImageReason, "legacy") {
		t.Fatalf("legacy: code %d %+v", code, v)
	}
}

func runMrCheckOn(t *testing.T, data []byte, imageDir string) (string, int) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "evidence.json")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := runMrCheck(&out, p, imageDir)
	var ee *exitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String() + ee.Error(), ee.code
	}
	t.Fatal(err)
	return "", 0
}

func TestMrCheck(t *testing.T) {
	out, code := runMrCheckOn(t, fixtures.Upstream(t, "tdx-lite-getquote.json"), "")
	if code != 0 || !strings.Contains(out, "os_image_hash is bound") || strings.Contains(out, "DIFFERS") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// 13 RTMR0 events, 5 of RTMR1 and 2 of RTMR2, each matching.
	if n := len(regexp.MustCompile(`(?m)#\d+ .* match `).FindAllString(out, -1)); n != 20 {
		t.Fatalf("%d matching events\n%s", n, out)
	}
	out, code = runMrCheckOn(t, liteEvidence(t, `"qemu_version":"8.2.2"`, `"qemu_version":"9.2.0"`), "")
	if code != 1 || !regexp.MustCompile(`MRTD +DIFFERS`).MatchString(out) || strings.Contains(out, "RTMR0  DIFFERS") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, code = runMrCheckOn(t, liteEvidence(t, `"memory_size":2147483648`, `"memory_size":4294967296`), "")
	if code != 1 || !regexp.MustCompile(`RTMR0 +DIFFERS`).MatchString(out) || !regexp.MustCompile(`#0 +log 0 +type 0x8000000b +- +mismatch`).MatchString(out) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out, code = runMrCheckOn(t, liteEvidence(t, `"memory_size":2147483648`, `"memory_size":1073741824`), "")
	if code != 1 || !strings.Contains(out, "memory_size 1073741824 is not supported") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, code := runMrCheckOn(t, []byte("{"), ""); code != 2 {
		t.Fatalf("bad JSON: exit %d", code)
	}
}
