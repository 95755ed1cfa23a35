package boot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/guestos/hostinput"
)

func inputs(t *testing.T, compose, userConfig string, vmConfig string) *hostinput.Inputs {
	t.Helper()
	c, err := hostinput.ParseAppCompose([]byte(compose))
	if err != nil {
		t.Fatal(err)
	}
	in := &hostinput.Inputs{ComposeRaw: []byte(compose), Compose: c, SysConfig: &hostinput.SysConfig{VMConfig: vmConfig}}
	if userConfig != "" {
		in.UserConfig = []byte(userConfig)
	}
	return in
}

func TestCheckRequirements(t *testing.T) {
	token := strings.Repeat("t", 32)
	h := sha256.Sum256([]byte(launchTokenTag + token))
	tokenHash := hex.EncodeToString(h[:])
	v3 := func(req string) string {
		return `{"manifest_version":"3","runner":"docker-compose","kms_enabled":true,"requirements":` + req + `}`
	}
	user := func(tok string) string { return `{"dstack":{"launch_token":"` + tok + `"}}` }
	ok := []struct{ name, compose, user, vm string }{
		{"plain kms app", `{"runner":"docker-compose","kms_enabled":true}`, "", "{}"},
		{"key_provider kms", `{"runner":"docker-compose","key_provider":"kms"}`, "", "{}"},
		{"platform listed", v3(`{"platforms":["dstack-amd-sev-snp","dstack-tdx"]}`), "", "{}"},
		{"launch token", v3(`{"launch_token_hash":"` + tokenHash + `"}`), user(token), "{}"},
		{"acpi tables on legacy", v3(`{"tdx_measure_acpi_tables":true}`), "", "{}"},
		{"no acpi tables on lite", v3(`{"tdx_measure_acpi_tables":false}`), "", `{"tdx_attestation_variant":"lite"}`},
	}
	for _, c := range ok {
		if err := checkRequirements(inputs(t, c.compose, c.user, c.vm)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	bad := []struct{ name, compose, user, vm, want string }{
		{"no key provider", `{"runner":"docker-compose"}`, "", "{}", `key provider "none"`},
		{"local key provider", `{"runner":"docker-compose","local_key_provider_enabled":true}`, "", "{}", `"local"`},
		{"other platform", v3(`{"platforms":["dstack-amd-sev-snp"]}`), "", "{}", "does not include dstack-tdx"},
		{"os version", v3(`{"os_version":">=0.5"}`), "", "{}", "os_version"},
		{"acpi tables on lite", v3(`{"tdx_measure_acpi_tables":true}`), "", `{"tdx_attestation_variant":"lite"}`, "attestation variant"},
		{"no user config", v3(`{"launch_token_hash":"` + tokenHash + `"}`), "", "{}", "no .user-config"},
		{"wrong token", v3(`{"launch_token_hash":"` + tokenHash + `"}`), user(strings.Repeat("u", 32)), "{}", "does not match"},
		{"short token", v3(`{"launch_token_hash":"` + tokenHash + `"}`), user("short"), "{}", "at least 32"},
		{"token not JSON", v3(`{"launch_token_hash":"` + tokenHash + `"}`), "{", "{}", ".user-config"},
	}
	for _, c := range bad {
		err := checkRequirements(inputs(t, c.compose, c.user, c.vm))
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
