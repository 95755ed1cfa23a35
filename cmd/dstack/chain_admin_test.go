package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

// lines asserts that out holds every "name value" line of want.
func lines(t *testing.T, out string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		have[strings.ToLower(l)] = true
	}
	for _, w := range want {
		if !have[strings.ToLower(w)] {
			t.Fatalf("no line %q in\n%s", w, out)
		}
	}
}

var writeLine = regexp.MustCompile(`(?m)^[a-z -]+: tx 0x[0-9a-f]{64} block \d+ gas \d+$`)

// write runs a command that sends one transaction and checks that it
// printed its hash, block and gas.
func write(t *testing.T, args ...string) string {
	t.Helper()
	out := dstackCmd(t, args...)
	if !writeLine.MatchString(out) {
		t.Fatalf("dstack %v printed no tx, block and gas: %q", args, out)
	}
	return out
}

func refused(t *testing.T, want string, args ...string) {
	t.Helper()
	out, err := dstackRun(args...)
	if err == nil || !strings.Contains(err.Error()+out, want) {
		t.Fatalf("dstack %v: %v %q, want an error with %q", args, err, out, want)
	}
}

func hash32(b byte) string { return fmt.Sprintf("0x%064x", b) }

// TestChainAdminAndQueries drives every remaining `dstack chain` command
// against the dev chain over JSON-RPC: queries of DstackKms and a
// DstackApp, two-step ownership with a keystore-held key, and an app put
// under a 2-of-2 DstackGovernance whose proposals are shown, approved,
// executed and cancelled.
func TestChainAdminAndQueries(t *testing.T) {
	d, err := startDevChain("127.0.0.1:0", 2, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	acct0, acct1 := crypto.PubkeyToAddress(devAccountKey(0).PublicKey).Hex(), crypto.PubkeyToAddress(devAccountKey(1).PublicKey).Hex()
	// Account 1 signs from a keystore file.
	ks, err := keystore.EncryptKey(&keystore.Key{Id: uuid.New(), Address: crypto.PubkeyToAddress(devAccountKey(1).PublicKey), PrivateKey: devAccountKey(1)}, "s3cret", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	ksFile := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(ksFile, ks, 0o600); err != nil {
		t.Fatal(err)
	}
	as0 := func() { t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0)))) }
	as1 := func() { t.Setenv("DSTACK_CHAIN_KEY", ""); t.Setenv("DSTACK_KEYSTORE_PASSPHRASE", "s3cret") }
	rpc := []string{"--rpc", d.URL}
	with := func(args ...string) []string { return append(args, rpc...) }

	// Keys come from the environment or a keystore, never from a flag.
	t.Setenv("DSTACK_CHAIN_KEY", "")
	refused(t, "DSTACK_CHAIN_KEY", with("chain", "deploy")...)
	as0()
	refused(t, "both DSTACK_CHAIN_KEY and --keystore", with("chain", "deploy", "--keystore", ksFile)...)
	as1()
	t.Setenv("DSTACK_KEYSTORE_PASSPHRASE", "wrong")
	refused(t, "decrypting the keystore", with("chain", "deploy", "--keystore", ksFile)...)

	as0()
	kms := field(t, dstackCmd(t, with("chain", "deploy")...), "kms_contract")
	k := func(args ...string) []string { return with(append(args, "--kms", kms)...) }
	write(t, k("chain", "add-os-image", "05")...)
	write(t, k("chain", "add-kms-mr", "06")...)
	write(t, k("chain", "add-kms-device", "07")...)
	write(t, k("chain", "set-gateway-app-id", "gw-app")...)
	app := field(t, write(t, k("chain", "deploy-app", "c1")...), "app_id")

	// Queries.
	lines(t, dstackCmd(t, k("chain", "kms-info")...), "owner "+acct0, "gateway_app_id gw-app", "pending_owner 0x0000000000000000000000000000000000000000")
	lines(t, dstackCmd(t, k("chain", "gateway-app-id")...), "gateway_app_id gw-app")
	lines(t, dstackCmd(t, k("chain", "os-images")...), "os_image "+hash32(5))
	lines(t, dstackCmd(t, k("chain", "kms-mrs")...), "kms_mr "+hash32(6))
	lines(t, dstackCmd(t, k("chain", "kms-devices")...), "kms_device "+hash32(7))
	lines(t, dstackCmd(t, k("chain", "apps")...), "app "+app)
	lines(t, dstackCmd(t, k("chain", "app-info", app)...), "owner "+acct0, "registered true", "allow_any_device true",
		"require_tcb_up_to_date false", "upgrades_disabled false", "version 2", "compose_hash "+hash32(0xc1))
	lines(t, dstackCmd(t, k("chain", "is-app-allowed", "--app-id", app, "--compose-hash", "c1", "--os-image", "05")...), "allowed true")
	lines(t, dstackCmd(t, k("chain", "is-app-allowed", "--app-id", app, "--compose-hash", "c2", "--os-image", "05")...), "allowed false", "reason Compose hash not allowed")
	bootInfo := filepath.Join(t.TempDir(), "boot.json")
	if err := os.WriteFile(bootInfo, []byte(`{"osImageHash":"05","mrAggregated":"06","deviceId":"07","tcbStatus":"UpToDate","advisoryIds":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	lines(t, dstackCmd(t, k("chain", "is-kms-allowed", "--boot-info", bootInfo)...), "allowed true")
	lines(t, dstackCmd(t, k("chain", "is-kms-allowed", "--boot-info", bootInfo, "--tcb-status", "OutOfDate")...), "allowed false")
	// Bad input is refused with what is wrong.
	refused(t, "not a hex value", k("chain", "is-app-allowed", "--compose-hash", "zz")...)
	refused(t, "not a 20-byte hex address", k("chain", "is-app-allowed", "--app-id", "0x12")...)
	refused(t, "not a 20-byte hex address", with("chain", "app-info", "nope")...)
	refused(t, "--kms must be", with("chain", "os-images")...)
	badInfo := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badInfo, []byte(`{"osImageHash":"xyz"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	refused(t, "--boot-info", k("chain", "is-kms-allowed", "--boot-info", badInfo)...)
	write(t, k("chain", "remove-os-image", "05")...)
	if strings.Contains(dstackCmd(t, k("chain", "os-images")...), "os_image") {
		t.Fatal("a removed OS image is still listed")
	}
	write(t, k("chain", "add-os-image", "05")...)
	write(t, with("chain", "add-device", app, "d1")...)
	write(t, with("chain", "set-allow-any-device", app, "false")...)
	write(t, with("chain", "set-require-tcb-up-to-date", app, "true")...)
	lines(t, dstackCmd(t, k("chain", "app-info", app)...), "allow_any_device false", "require_tcb_up_to_date true", "device "+hash32(0xd1))

	// Two-step ownership of DstackKms: nothing changes until the new owner accepts.
	write(t, with("chain", "transfer-ownership", kms, acct1)...)
	lines(t, dstackCmd(t, with("chain", "owner", kms)...), "owner "+acct0, "pending_owner "+acct1)
	as1()
	refused(t, "revert", k("chain", "add-os-image", "09", "--keystore", ksFile)...)
	write(t, with("chain", "accept-ownership", kms, "--keystore", ksFile)...)
	lines(t, dstackCmd(t, with("chain", "owner", kms)...), "owner "+acct1)
	write(t, k("chain", "add-os-image", "09", "--keystore", ksFile)...)
	as0()
	refused(t, "revert", k("chain", "add-os-image", "0a")...)

	// An app under a 2-of-2 governance.
	gov := field(t, dstackCmd(t, with("chain", "gov", "deploy", "--approver", acct0, "--approver", acct1, "--threshold", "2")...), "governance")
	lines(t, dstackCmd(t, with("chain", "gov", "show", gov)...), "approver "+acct0, "approver "+acct1, "threshold 2", "timelock_seconds 0", "proposals 0")
	refused(t, "--threshold 3", with("chain", "gov", "deploy", "--approver", acct0, "--threshold", "3")...)
	write(t, with("chain", "transfer-ownership", app, gov)...)
	write(t, with("chain", "gov", "accept-app", gov, app)...)
	lines(t, dstackCmd(t, with("chain", "owner", app)...), "owner "+gov)
	refused(t, "revert", with("chain", "add-compose-hash", app, "c2")...)

	lines(t, write(t, with("chain", "gov", "propose", gov, app, "c2")...), "proposal 0")
	write(t, with("chain", "gov", "approve", gov, "0")...)
	lines(t, dstackCmd(t, with("chain", "gov", "show", gov, "0")...), "state open", "action add", "compose_hash "+hash32(0xc2), "approvals 1 of 2", "approved_by "+acct0, "app "+app)
	refused(t, "threshold not reached", with("chain", "gov", "execute", gov, "0")...)
	as1()
	write(t, with("chain", "gov", "approve", gov, "0", "--keystore", ksFile)...)
	as0()
	lines(t, dstackCmd(t, with("chain", "gov", "show", gov, "0")...), "state ready", "approvals 2 of 2", "approved_by "+acct1)
	write(t, with("chain", "gov", "execute", gov, "0")...)
	lines(t, dstackCmd(t, with("chain", "gov", "show", gov, "0")...), "state executed")
	lines(t, dstackCmd(t, k("chain", "app-info", app)...), "owner "+gov, "compose_hash "+hash32(0xc2))

	lines(t, write(t, with("chain", "gov", "propose", gov, app, "c1", "--remove")...), "proposal 1")
	write(t, with("chain", "gov", "cancel", gov, "1")...)
	lines(t, dstackCmd(t, with("chain", "gov", "show", gov, "1")...), "state cancelled", "action remove")
	refused(t, "cancelled", with("chain", "gov", "approve", gov, "1")...)
	refused(t, "no proposal 7", with("chain", "gov", "show", gov, "7")...)
	lines(t, dstackCmd(t, k("chain", "app-info", app)...), "compose_hash "+hash32(0xc1))

}
