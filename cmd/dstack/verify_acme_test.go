package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/internal/devstack"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest/mock"
)

// acmeRecord is a gateway's record of n keys, attested by a simulated TD of
// app id 0x47…, with the flags that check it.
func acmeRecord(t *testing.T, n int) (*acmeinfo.Info, verifyFlags) {
	t.Helper()
	pki, err := mock.NewPKI([]byte("verify acme-info"))
	if err != nil {
		t.Fatal(err)
	}
	id := bytes.Repeat([]byte{0x47}, 20)
	td, err := pki.BootTD(mock.Identity{AppID: id, ComposeHash: make([]byte, 32), InstanceID: bytes.Repeat([]byte{1}, 20)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info := &acmeinfo.Info{AccountURI: "https://acme.test/acct/1"}
	ev, err := acmeinfo.Attest(ctx, td.Attester(), acmeinfo.AccountReportData(info.AccountURI))
	if err != nil {
		t.Fatal(err)
	}
	info.AccountQuote, info.AccountAttestation = ev.Quote, ev.Attestation
	for range n {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		ev, err := acmeinfo.Attest(ctx, td.Attester(), acmeinfo.KeyReportData(spki))
		if err != nil {
			t.Fatal(err)
		}
		info.QuotedHistKeys = append(info.QuotedHistKeys, acmeinfo.QuotedKey{PublicKey: spki, Quote: ev.Quote, Attestation: ev.Attestation})
	}
	dir := t.TempDir()
	roots, coll := filepath.Join(dir, "roots.pem"), filepath.Join(dir, "collateral")
	if err := os.WriteFile(roots, pki.RootsPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteCollateralDir(coll); err != nil {
		t.Fatal(err)
	}
	return info, verifyFlags{insecureRoots: roots, collateralDir: coll,
		acme: acmeFlags{gatewayAppID: hex.EncodeToString(id), tcbStatus: []string{"UpToDate"}}}
}

func runAcme(t *testing.T, info *acmeinfo.Info, f verifyFlags) (acmeVerdict, int) {
	t.Helper()
	raw, err := acmeinfo.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if f.acme.source == "" {
		f.acme.source = filepath.Join(t.TempDir(), "acme-info.json")
		if err := os.WriteFile(f.acme.source, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	err = runVerifyAcme(context.Background(), &out, &errOut, f)
	code := 0
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else if err != nil {
		t.Fatal(err)
	}
	var v acmeVerdict
	if code != 2 {
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
	}
	return v, code
}

func TestParseResolve(t *testing.T) {
	for in, want := range map[string]string{
		"gateway.dstack.localhost:8443:127.0.0.1": "gateway.dstack.localhost:8443 127.0.0.1:8443",
		"a.example:443:[::1]":                     "a.example:443 [::1]:443",
	} {
		hp, addr, err := parseResolve(in)
		if err != nil || hp+" "+addr != want {
			t.Errorf("%s: %q %q %v", in, hp, addr, err)
		}
	}
	for _, in := range []string{"", "host", "host:443", "host:443:name", ":443:127.0.0.1", "host::127.0.0.1"} {
		if _, _, err := parseResolve(in); err == nil || !strings.Contains(err.Error(), "HOST:PORT:ADDR") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestVerifyAcmeInfo(t *testing.T) {
	info, f := acmeRecord(t, 2)
	v, code := runAcme(t, info, f)
	if code != 0 || !v.Valid || !v.Account.Valid || len(v.Keys) != 2 || !v.Keys[0].Valid || !v.Keys[1].Valid {
		t.Fatalf("%d %+v", code, v)
	}
	if v.Keys[0].AppID != f.acme.gatewayAppID || v.Keys[0].TCBStatus != "UpToDate" {
		t.Fatalf("%+v", v.Keys[0])
	}
	// Over HTTP, as a gateway serves it.
	raw, _ := acmeinfo.Marshal(info)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(raw) }))
	defer srv.Close()
	g := f
	g.acme.source = srv.URL + "/.dstack/acme-info"
	if v, code := runAcme(t, info, g); code != 0 || !v.Valid {
		t.Fatalf("over HTTP: %d %+v", code, v)
	}
	// At a name that resolves nowhere, connected to with --resolve.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	g.acme.source = "http://gateway.dstack.invalid:" + port + "/.dstack/acme-info"
	g.acme.resolve = "gateway.dstack.invalid:" + port + ":127.0.0.1"
	if v, code := runAcme(t, info, g); code != 0 || !v.Valid {
		t.Fatalf("with --resolve: %d %+v", code, v)
	}
	g.acme.resolve = ""
	if _, code := runAcme(t, info, g); code != 2 {
		t.Fatalf("without --resolve the name resolves: %d", code)
	}

	// A key whose evidence binds another key: that key alone is refused.
	bad := *info
	bad.QuotedHistKeys = append([]acmeinfo.QuotedKey{}, info.QuotedHistKeys...)
	bad.QuotedHistKeys[1].Quote, bad.QuotedHistKeys[1].Attestation = info.QuotedHistKeys[0].Quote, info.QuotedHistKeys[0].Attestation
	v, code = runAcme(t, &bad, f)
	if code != 1 || v.Valid || !v.Keys[0].Valid || v.Keys[1].Valid || !strings.Contains(v.Keys[1].Error, "does not bind") {
		t.Fatalf("%d %+v", code, v)
	}
	// Another gateway app id: nothing holds.
	o := f
	o.acme.gatewayAppID = strings.Repeat("48", 20)
	if v, code := runAcme(t, info, o); code != 1 || v.Account.Valid || v.Keys[0].Valid {
		t.Fatalf("other app: %d %+v", code, v)
	}
	// A TCB status the policy does not accept.
	o = f
	o.acme.tcbStatus = []string{"OutOfDate"}
	if _, code := runAcme(t, info, o); code != 1 {
		t.Fatalf("tcb: %d", code)
	}
	// No gateway app id: a usage error.
	o = f
	o.acme.gatewayAppID = ""
	if _, code := runAcme(t, info, o); code != 2 {
		t.Fatalf("no app id: %d", code)
	}
	// An app's own record is judged by --app-id the same way; both flags
	// at once are a usage error.
	o.acme.appID = f.acme.gatewayAppID
	if v, code := runAcme(t, info, o); code != 0 || !v.Valid {
		t.Fatalf("--app-id: %d %+v", code, v)
	}
	o.acme.appID = strings.Repeat("48", 20)
	if v, code := runAcme(t, info, o); code != 1 || v.Account.Valid {
		t.Fatalf("--app-id of another app: %d %+v", code, v)
	}
	o.acme.gatewayAppID = f.acme.gatewayAppID
	if _, code := runAcme(t, info, o); code != 2 {
		t.Fatalf("--app-id and --gateway-app-id: %d", code)
	}
}

// TestVerifyAcmeInfoGatewayFromChain: --kms-contract reads the gateway app
// id the record must prove from gatewayAppId() on a dev chain (go-ethereum,
// over JSON-RPC): an unset id, another gateway's id on chain, a
// --gateway-app-id that disagrees with the chain and a chain that cannot be
// read all fail; the matching id passes, with or without the flag.
func TestVerifyAcmeInfoGatewayFromChain(t *testing.T) {
	info, f := acmeRecord(t, 1)
	gatewayID := f.acme.gatewayAppID
	f.acme.gatewayAppID = ""
	d, stop := chainFlags(t, &f.acme)
	kms := f.acme.kmsContract
	run := func(f verifyFlags) (acmeVerdict, error) {
		t.Helper()
		raw, _ := acmeinfo.Marshal(info)
		f.acme.source = filepath.Join(t.TempDir(), "acme-info.json")
		if err := os.WriteFile(f.acme.source, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		err := runVerifyAcme(context.Background(), &out, &errOut, f)
		var v acmeVerdict
		if err == nil {
			if jerr := json.Unmarshal(out.Bytes(), &v); jerr != nil {
				t.Fatalf("%v: %s", jerr, out.String())
			}
		}
		return v, err
	}

	// No gateway app id on chain yet: nothing to judge against.
	if _, err := run(f); err == nil || !strings.Contains(err.Error(), "names no gateway app id") {
		t.Fatalf("with no gateway app id on chain: %v", err)
	}
	dstackCmd(t, "chain", "set-gateway-app-id", gatewayID, "--rpc", d.URL, "--kms", kms)
	if v, err := run(f); err != nil || !v.Valid {
		t.Fatalf("the gateway the chain names: %v %+v", err, v)
	}
	g := f
	g.acme.gatewayAppID = gatewayID
	if v, err := run(g); err != nil || !v.Valid {
		t.Fatalf("--gateway-app-id as the chain says: %v %+v", err, v)
	}
	g.acme.gatewayAppID = strings.Repeat("48", 20)
	if _, err := run(g); err == nil || !strings.Contains(err.Error(), "is not the one the KMS contract") {
		t.Fatalf("--gateway-app-id other than the chain's: %v", err)
	}

	// The chain names another gateway: the record (of 0x47…) is refused.
	dstackCmd(t, "chain", "set-gateway-app-id", strings.Repeat("48", 20), "--rpc", d.URL, "--kms", kms)
	var ee *exitError
	if v, err := run(f); !errors.As(err, &ee) || ee.code != 1 || v.Valid {
		t.Fatalf("a record of another gateway than the chain's: %v %+v", err, v)
	}

	// Flags that do not go together.
	for _, mod := range []func(*verifyFlags){
		func(f *verifyFlags) { f.acme.appID = gatewayID },
		func(f *verifyFlags) { f.acme.kmsContract = "" },
		func(f *verifyFlags) { f.acme.chainID = 0 },
	} {
		g := f
		mod(&g)
		if _, err := run(g); !errors.As(err, &ee) || ee.code != 2 {
			t.Fatalf("%+v: %v", g.acme, err)
		}
	}
	// A chain that cannot be read fails, whatever the record.
	stop()
	if _, err := run(f); err == nil {
		t.Fatal("verified with the chain down")
	}
}

// chainFlags starts a dev chain (go-ethereum, JSON-RPC on loopback) with
// the governance contracts deployed, no gateway app id set, and points f's
// --kms-contract, --rpc and --chain-id at it; stop ends the chain (once).
func chainFlags(t *testing.T, f *acmeFlags) (d *devstack.Chain, stop func()) {
	t.Helper()
	d, err := startDevChain("127.0.0.1:0", 2, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { d.Close() }) }
	t.Cleanup(stop)
	t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0))))
	f.kmsContract = field(t, dstackCmd(t, "chain", "deploy", "--rpc", d.URL), "kms_contract")
	id, err := d.Client.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.rpc, f.chainID = d.URL, id.Uint64()
	return d, stop
}
