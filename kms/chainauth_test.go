package kms

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/contracts/testchain"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/eventlog"
)

// TestChainAuthorization: with the governance contracts as authorizer, an
// app gets keys while its compose hash is allowed on chain, and is refused
// from the block that revokes it on; the KMS itself must be allowed on
// chain to serve at all.
func TestChainAuthorization(t *testing.T) {
	h := newHarness(t)
	compose := [32]byte{0xc1}
	c, appAddr := chainAuthorized(t, h, compose)

	// A CVM whose app id is the deployed contract and whose compose hash is allowed.
	app := chainApp(t, h, appAddr, compose)
	cert := app.clientCert(t)
	var keys kmsapi.AppKeyResponse
	if err := h.client(cert).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &keys); err != nil {
		t.Fatal(err)
	}
	signReq, _ := signCertRequest(t, app)
	if err := h.client(nil).Call(context.Background(), "SignCert", signReq, &kmsapi.SignCertResponse{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(c.App(appAddr), c.Owner, c.A.PackRemoveComposeHash(compose)); err != nil {
		t.Fatal(err)
	}
	err := h.client(cert).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &keys)
	if !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), "Compose hash not allowed") {
		t.Fatalf("after revocation: %v", err)
	}
	// The refusal says which hash to allow, and how.
	fix := "allow it with: dstack chain --rpc <auth.chain.rpc_url> --kms " + c.Kms.Hex() + " add-compose-hash " + appAddr.Hex() + " 0x" + hex.EncodeToString(compose[:]) + " && "
	if !strings.Contains(err.Error(), fix) {
		t.Fatalf("the refusal does not say %q: %v", fix, err)
	}
	// SignCert judges the evidence in the CSR at the same block.
	signReq, _ = signCertRequest(t, app)
	err = h.client(nil).Call(context.Background(), "SignCert", signReq, &kmsapi.SignCertResponse{})
	if !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), "Compose hash not allowed") {
		t.Fatalf("SignCert after revocation: %v", err)
	}

	// Self-authorization through the chain: not registered as a KMS, the KMS
	// refuses to serve.
	h.svc.Self = &Self{Attester: h.kmsCVM.attester(), Attestation: h.svc.Attestation}
	err = h.client(nil).Call(context.Background(), "GetAppEnvEncryptPubKey", &kmsapi.AppID{AppID: make([]byte, 20)}, &kmsapi.PublicKeyResponse{})
	if err == nil || !strings.Contains(err.Error(), "not currently authorized") {
		t.Fatalf("KMS not on chain: %v", err)
	}
}

// TestChainRefusalsSayTheFix: each refusal of the governance contracts,
// with the contracts' own reasons, says the `dstack chain` commands that
// allow what was refused (the refused check's value and every later one's),
// and doing what they say allows it.
func TestChainRefusalsSayTheFix(t *testing.T) {
	h := newHarness(t)
	c, _ := chainAuthorized(t, h, [32]byte{0xc3})
	auth := h.svc.Auth.(*ChainAuthorizer)
	auth.RPCURL = "http://127.0.0.1:8545"
	self := &Self{Attester: h.kmsCVM.attester(), Attestation: h.svc.Attestation}
	ev, err := self.Evidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := kmsapi.BootInfoOf(ev, false)
	hash := func(v []byte) string { return "0x" + hex.EncodeToString(padLeft(v, 32)) }
	prefix := "dstack chain --rpc http://127.0.0.1:8545 --kms " + c.Kms.Hex() + " "
	steps := []struct {
		reason, cmd string
		allow       []byte
	}{
		{"Aggregated MR not allowed", "add-kms-mr " + hash(b.MrAggregated), c.K.PackAddKmsAggregatedMr([32]byte(padLeft(b.MrAggregated, 32)))},
		{"KMS is not allowed to boot on this device", "add-kms-device " + hash(b.DeviceID), c.K.PackAddKmsDevice([32]byte(padLeft(b.DeviceID, 32)))},
	}
	for i, st := range steps {
		d, err := auth.AuthorizeKMS(context.Background(), b)
		if err != nil || d.Allowed || d.Reason != st.reason {
			t.Fatalf("step %d: %+v %v, want the refusal %q", i, d, err, st.reason)
		}
		var want []string
		for _, later := range steps[i:] {
			want = append(want, prefix+later.cmd)
		}
		if w := "allow it with: " + strings.Join(want, " && "); d.Fix != w {
			t.Fatalf("fix\n%s\nwant\n%s", d.Fix, w)
		}
		if _, err := c.Send(c.KmsInst, c.Owner, st.allow); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := auth.AuthorizeKMS(context.Background(), b); err != nil || !d.Allowed || d.Fix != "" {
		t.Fatalf("after the fixes: %+v %v", d, err)
	}
	// An app the KMS contract does not know.
	app := bootCVM(t, h.pki, 0x30)
	d, err := auth.AuthorizeApp(context.Background(), kmsapi.BootInfoOf(mustEvidence(t, app, h), false))
	if err != nil || d.Reason != "App not registered" || !strings.Contains(d.Fix, prefix+"register-app 0x3030303030303030303030303030303030303030") {
		t.Fatalf("unregistered app: %+v %v", d, err)
	}
	// An RPC URL that may carry an API key is not printed.
	auth.RPCURL = "https://eth.example/v3/s3cret"
	if d, _ := auth.AuthorizeApp(context.Background(), kmsapi.BootInfoOf(mustEvidence(t, app, h), false)); strings.Contains(d.Fix, "s3cret") || !strings.Contains(d.Fix, "--rpc <auth.chain.rpc_url>") {
		t.Fatalf("fix with a credential URL: %s", d.Fix)
	}
}

func mustEvidence(t *testing.T, c *cvm, h *harness) *attest.Verified {
	t.Helper()
	s := &Self{Attester: c.attester(), Attestation: h.svc.Attestation}
	ev, err := s.Evidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// chainAuthorized makes the chain the harness's authorizer, with the test
// OS image allowed and an app (returned) that allows compose.
func chainAuthorized(t *testing.T, h *harness, compose [32]byte) (*testchain.Chain, common.Address) {
	t.Helper()
	c := testchain.New(t)
	appAddr, _, err := c.DeployApp(true, true, [32]byte{}, compose)
	if err != nil {
		t.Fatal(err)
	}
	osImage, _ := hex.DecodeString(osImage)
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackAddOsImageHash([32]byte(padLeft(osImage, 32)))); err != nil {
		t.Fatal(err)
	}
	r, err := chain.New(context.Background(), c.Client, chain.Config{ChainID: c.ChainID, KmsContract: c.Kms, HeadInterval: chain.HeadEveryCall})
	if err != nil {
		t.Fatal(err)
	}
	h.svc.Auth = &ChainAuthorizer{Reader: r}
	return c, appAddr
}

func padLeft(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return out
}

// TestWebhookOverChain runs the chain reader's upstream-compatible webhook
// and asks it with the KMS's webhook client: the two ends of upstream's
// protocol, here both ours.
func TestWebhookOverChain(t *testing.T) {
	c := testchain.New(t)
	compose := [32]byte{0xc2}
	appAddr, _, err := c.DeployApp(false, true, [32]byte{}, compose)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range [][]byte{c.K.PackAddOsImageHash([32]byte{31: 7}), c.K.PackSetGatewayAppId("gw")} {
		if _, err := c.Send(c.KmsInst, c.Owner, d); err != nil {
			t.Fatal(err)
		}
	}
	r, err := chain.New(context.Background(), c.Client, chain.Config{ChainID: c.ChainID, KmsContract: c.Kms})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r.Webhook())
	defer srv.Close()
	wh := &Webhook{URL: srv.URL}
	b := kmsapi.BootInfo{TeeVariant: "dstack-tdx", AppID: appAddr.Bytes(), ComposeHash: compose[:], OSImageHash: []byte{7}, TCBStatus: "UpToDate"}
	d, err := wh.AuthorizeApp(context.Background(), b)
	if err != nil || !d.Allowed || d.GatewayAppID != "gw" {
		t.Fatalf("allowed app: %+v %v", d, err)
	}
	b.ComposeHash = []byte{1}
	if d, err := wh.AuthorizeApp(context.Background(), b); err != nil || d.Allowed || !strings.Contains(d.Reason, "Compose hash") {
		t.Fatalf("refused app: %+v %v", d, err)
	}
	if d, err := wh.AuthorizeKMS(context.Background(), b); err != nil || d.Allowed {
		t.Fatalf("unknown KMS: %+v %v", d, err)
	}
	info, err := wh.Info(context.Background())
	if err != nil || info.GatewayAppID != "gw" || info.ChainID != c.ChainID.Uint64() || !strings.EqualFold(info.KmsContractAddress, c.Kms.Hex()) {
		t.Fatalf("info %+v %v", info, err)
	}
}

// chainKMS allows a KMS node's own boot info on chain and serves it with
// the chain as authorizer, read by a reader configured as cfg (on c's
// chain); the KMS's clock stands still, so only the chain can change the
// KMS's view of itself.
func chainKMS(t *testing.T, c *testchain.Chain, n *kmsNode, keys *RootKeys, cfg chain.Config) {
	t.Helper()
	ev, err := n.self.Evidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kb := kmsapi.BootInfoOf(ev, false)
	for _, d := range [][]byte{
		c.K.PackAddOsImageHash([32]byte(padLeft(kb.OSImageHash, 32))),
		c.K.PackAddKmsAggregatedMr([32]byte(padLeft(kb.MrAggregated, 32))),
		c.K.PackAddKmsDevice([32]byte(padLeft(kb.DeviceID, 32))),
	} {
		if _, err := c.Send(c.KmsInst, c.Owner, d); err != nil {
			t.Fatal(err)
		}
	}
	cfg.ChainID, cfg.KmsContract = c.ChainID, c.Kms
	r, err := chain.New(context.Background(), c.Client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.serve(t, keys)
	n.svc.Auth = &ChainAuthorizer{Reader: r}
	now := time.Now()
	n.svc.Now = func() time.Time { return now }
}

// chainSelfServing starts a KMS node allowed on chain (chainKMS, its
// reader configured as cfg) and returns the chain, the node's aggregated
// measurement as the chain holds it, and a trusted method call, which has
// been served once.
func chainSelfServing(t *testing.T, cfg chain.Config) (*testchain.Chain, [32]byte, func() error) {
	t.Helper()
	pki, _ := mock.NewPKI([]byte("chain self test"))
	keys, _ := GenerateRootKeys(time.Now())
	c := testchain.New(t)
	n := newNode(t, pki, testOpts(pki), 0xa0, nil)
	chainKMS(t, c, n, keys, cfg)
	client := &prpc.Client{BaseURL: n.srv.URL + "/prpc", HTTP: n.srv.Client()}
	req := &kmsapi.AppID{AppID: bytes.Repeat([]byte{1}, 20)}
	call := func() error {
		return client.Call(context.Background(), "GetAppEnvEncryptPubKey", req, &kmsapi.PublicKeyResponse{})
	}
	if err := call(); err != nil {
		t.Fatal(err)
	}
	return c, [32]byte(padLeft(common.FromHex(n.mr), 32)), call
}

// TestChainSelfAuthorizationAtTheNextBlock: a KMS whose measurement is
// removed on chain stops serving at the block of the removal, with no
// timer passing, and serves again at the block that allows it again.
func TestChainSelfAuthorizationAtTheNextBlock(t *testing.T) {
	c, mr, call := chainSelfServing(t, chain.Config{HeadInterval: chain.HeadEveryCall})
	rec, err := c.Send(c.KmsInst, c.Owner, c.K.PackRemoveKmsAggregatedMr(mr))
	if err != nil {
		t.Fatal(err)
	}
	err = call()
	if !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), "not currently authorized") {
		t.Fatalf("revoked in block %d, still served: %v", rec.BlockNumber, err)
	}
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackAddKmsAggregatedMr(mr)); err != nil {
		t.Fatal(err)
	}
	if err := call(); err != nil {
		t.Fatalf("allowed again, still refused: %v", err)
	}
}

// TestChainSelfAuthorizationWithinHeadInterval: with the reader's default
// head interval, a KMS whose measurement is removed on chain keeps serving
// until the reader's next head read, and stops at the first request after
// it — no later than one interval after the removal's block.
func TestChainSelfAuthorizationWithinHeadInterval(t *testing.T) {
	var mu sync.Mutex
	readerNow := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return readerNow
	}
	c, mr, call := chainSelfServing(t, chain.Config{Now: clock})
	rec, err := c.Send(c.KmsInst, c.Owner, c.K.PackRemoveKmsAggregatedMr(mr))
	if err != nil {
		t.Fatal(err)
	}
	if err := call(); err != nil {
		t.Fatalf("revoked in block %d, refused before the reader's next head read: %v", rec.BlockNumber, err)
	}
	mu.Lock()
	readerNow = readerNow.Add(chain.DefaultHeadInterval)
	mu.Unlock()
	if err := call(); !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), "not currently authorized") {
		t.Fatalf("revoked in block %d, still served one head interval later: %v", rec.BlockNumber, err)
	}
}

// TestKeyReleaseLog: each release and refusal is logged with the app id,
// instance id, compose hash and the block the decision was read at.
func TestKeyReleaseLog(t *testing.T) {
	h := newHarness(t)
	compose := [32]byte{0xc1}
	c, appAddr := chainAuthorized(t, h, compose)
	core, logs := observer.New(zap.InfoLevel)
	h.svc.Logger = zap.New(core)
	app := chainApp(t, h, appAddr, compose)
	cert := app.clientCert(t)
	if err := h.client(cert).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &kmsapi.AppKeyResponse{}); err != nil {
		t.Fatal(err)
	}
	head, _ := c.Client.BlockNumber(context.Background())
	rec, err := c.Send(c.App(appAddr), c.Owner, c.A.PackRemoveComposeHash(compose))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.client(cert).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &kmsapi.AppKeyResponse{}); err == nil {
		t.Fatal("revoked app got keys")
	}
	for _, want := range []struct {
		msg   string
		block uint64
	}{{"app keys released", head}, {"key release refused", rec.BlockNumber.Uint64()}} {
		entries := logs.FilterMessage(want.msg).All()
		if len(entries) != 1 {
			t.Fatalf("%d %q entries", len(entries), want.msg)
		}
		f := entries[0].ContextMap()
		if f["app_id"] != hex.EncodeToString(app.appID) || f["instance_id"] != hex.EncodeToString(app.instanceID) ||
			f["compose_hash"] != hex.EncodeToString(app.composeHash) || f["block"] != want.block {
			t.Errorf("%q logged %v, want block %d", want.msg, f, want.block)
		}
	}
}

// chainApp is a CVM whose app id is an app contract and whose compose hash
// is compose.
func chainApp(t *testing.T, h *harness, appAddr common.Address, compose [32]byte) *cvm {
	t.Helper()
	app := bootCVM(t, h.pki, 0x10)
	app.appID, app.composeHash = appAddr.Bytes(), compose[:]
	app.tee = devTEE(h.pki)
	app.events = []eventlog.RuntimeEvent{{Name: "app-id", Payload: app.appID}, {Name: "compose-hash", Payload: app.composeHash}, {Name: "instance-id", Payload: app.instanceID}}
	for _, e := range app.events {
		app.tee.Extend(3, e.Digest())
	}
	return app
}
