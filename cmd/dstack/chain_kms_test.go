package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// blockOf is the block a write printed.
func blockOf(t *testing.T, out string) uint64 {
	t.Helper()
	m := regexp.MustCompile(`block (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no block in %q", out)
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// TestKMSFollowsTheDevChain runs a KMS whose authorizer is the dev chain
// over JSON-RPC: an app's keys are refused from the block of the compose
// hash's removal, released again from the block that allows it again, and
// the KMS stops serving from the block that removes its own measurement.
func TestKMSFollowsTheDevChain(t *testing.T) {
	const seed = "dev chain KMS test"
	vmConfig := mock.DevVMConfig()
	d, err := startDevChain("127.0.0.1:0", 2, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Setenv("DSTACK_CHAIN_KEY", fmt.Sprintf("%x", crypto.FromECDSA(devAccountKey(0))))
	kmsAddr := field(t, dstackCmd(t, "chain", "deploy", "--rpc", d.URL), "kms_contract")
	k := func(args ...string) []string { return append(args, "--rpc", d.URL, "--kms", kmsAddr) }

	// The KMS's own measurement, device and OS image are allowed.
	attester, opts, err := kms.SimulatedTEE(seed, vmConfig)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := (&kms.Self{Attester: attester, Attestation: opts, Config: vmConfig}).Evidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kb := kmsapi.BootInfoOf(ev, false)
	mr := hex.EncodeToString(kb.MrAggregated)
	dstackCmd(t, k("chain", "add-os-image", hex.EncodeToString(kb.OSImageHash))...)
	dstackCmd(t, k("chain", "add-kms-mr", mr)...)
	dstackCmd(t, k("chain", "add-kms-device", hex.EncodeToString(kb.DeviceID))...)
	compose := "c1c1"
	app := common.HexToAddress(field(t, dstackCmd(t, k("chain", "deploy-app", compose)...), "app_id"))

	core, logs := observer.New(zap.InfoLevel)
	id, _ := d.Client.ChainID(context.Background())
	srv, err := kms.NewServer(context.Background(), kms.Config{
		Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: t.TempDir(), VMConfig: vmConfig, InsecureSimulatedTEE: seed,
		Auth: kms.AuthConfig{Chain: &settings.Chain{RPCURL: d.URL, ChainID: id.Uint64(), KmsContract: kmsAddr}},
	}, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())

	// A CVM of the app on the same simulated platform.
	pki, _ := mock.NewPKI([]byte(seed))
	composeHash := common.LeftPadBytes(common.FromHex(compose), 32)
	td, err := pki.BootTD(mock.Identity{AppID: app.Bytes(), ComposeHash: composeHash, InstanceID: bytes.Repeat([]byte{7}, 20)})
	if err != nil {
		t.Fatal(err)
	}
	cvm := td.Attester()
	cert, err := ratls.Issue(context.Background(), cvm, ratls.CertOptions{Subject: "app", ClientAuth: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &ratls.Verifier{Attestation: opts}
	client := &prpc.Client{BaseURL: srv.URL + "/prpc", HTTP: &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: v.ClientConfig(cert)}}}
	getKeys := func() error {
		return client.Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &kmsapi.AppKeyResponse{})
	}
	refusedAt := func(block uint64) {
		t.Helper()
		entries := logs.FilterMessage("key release refused").All()
		if len(entries) == 0 || entries[len(entries)-1].ContextMap()["block"] != block {
			t.Fatalf("no refusal logged at block %d: %v", block, entries)
		}
	}

	if err := getKeys(); err != nil {
		t.Fatal(err)
	}
	rev := blockOf(t, dstackCmd(t, "chain", "remove-compose-hash", app.Hex(), compose, "--rpc", d.URL))
	if err := getKeys(); !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), "Compose hash not allowed") {
		t.Fatalf("after the removal in block %d: %v", rev, err)
	}
	refusedAt(rev)
	dstackCmd(t, "chain", "add-compose-hash", app.Hex(), compose, "--rpc", d.URL)
	if err := getKeys(); err != nil {
		t.Fatalf("allowed again: %v", err)
	}
	// The KMS itself revoked: it stops serving at that block.
	dstackCmd(t, k("chain", "remove-kms-mr", mr)...)
	if err := getKeys(); err == nil || !strings.Contains(err.Error(), "not currently authorized") {
		t.Fatalf("a KMS revoked on chain served: %v", err)
	}
}
