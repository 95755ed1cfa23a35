package kms

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
)

// thresholdNodes starts n KMS nodes (each its own service, policy and
// listener, on one mock PKI) holding the shares of one t-of-n dealing.
func thresholdNodes(t testing.TB, thr, n int) ([]*harness, *tkeytest.Dealt) {
	t.Helper()
	d, err := tkeytest.Deal(thr, n, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*harness
	for i := range n {
		h := newHarness(t)
		h.svc.ThresholdShares = map[uint32]*tkey.Share{1: &d.Shares[i]}
		h.svc.ThresholdEnvShares = map[uint32]*tecdh.Share{1: &d.EnvShares[i]}
		nodes = append(nodes, h)
	}
	return nodes, d
}

// askShares calls GetAppKeyShares on one node as the CVM and decodes the
// answer.
func askShares(t testing.TB, h *harness, app *cvm, epoch uint32) (*tkey.Answer, error) {
	t.Helper()
	var res kmsapi.AppKeySharesResponse
	if err := h.client(app.clientCert(t)).Call(context.Background(), "GetAppKeyShares", &kmsapi.GetAppKeySharesRequest{APIVersion: 1, Epoch: epoch}, &res); err != nil {
		return nil, err
	}
	if res.GatewayAppID != "gw" || fmt.Sprintf("%x", res.OSImageHash) != osImage {
		t.Fatalf("answer %+v", res)
	}
	return tkey.ParseAnswer(res.Answer)
}

// askEnv calls GetAppKeyShares on one node as the CVM with an env
// ephemeral key and decodes the env partial.
func askEnv(t testing.TB, h *harness, app *cvm, eph []byte) (*tecdh.Partial, error) {
	t.Helper()
	var res kmsapi.AppKeySharesResponse
	if err := h.client(app.clientCert(t)).Call(context.Background(), "GetAppKeyShares", &kmsapi.GetAppKeySharesRequest{APIVersion: 1, Epoch: 1, EnvEphemeral: eph}, &res); err != nil {
		return nil, err
	}
	if _, err := tkey.ParseAnswer(res.Answer); err != nil {
		t.Fatalf("the answer beside the env partial: %v", err)
	}
	return tecdh.ParsePartial(res.EnvPartial)
}

// envelopeTo is tkeytest.EnvEnvelope, failing the test on an error.
func envelopeTo(t testing.TB, ks *tecdh.KeySet, appID []byte) (eph, secret []byte) {
	t.Helper()
	eph, secret, err := tkeytest.EnvEnvelope(ks, appID)
	if err != nil {
		t.Fatal(err)
	}
	return eph, secret
}

// TestGetAppKeySharesEnv: with the envelope's ephemeral key, each node
// that allows the CVM adds its env partial for the CVM's own app (from its
// attestation), and any two combine to the envelope's X25519 secret; a
// node that refuses the CVM gives none; an ephemeral key outside the
// prime-order subgroup is refused saying so; a node without an env share
// says so; without an ephemeral key, no env partial.
func TestGetAppKeySharesEnv(t *testing.T) {
	nodes, d := thresholdNodes(t, 2, 3)
	app := bootCVM(t, nodes[0].pki, 0x11)
	eph, want := envelopeTo(t, d.KeySet.Env, app.appID)
	for _, h := range nodes[1:] {
		h.allow(app)
	}
	if p, err := askEnv(t, nodes[0], app, eph); p != nil || err == nil || !strings.Contains(err.Error(), "boot denied") {
		t.Fatalf("a node that refuses the CVM gave an env partial: %v", err)
	}
	nodes[0].allow(app)
	var ps []*tecdh.Partial
	for i, h := range nodes {
		p, err := askEnv(t, h, app, eph)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		ps = append(ps, p)
	}
	for _, pair := range tkeytest.Subsets(3, 2) {
		secret, skipped, err := d.KeySet.Env.Combine(app.appID, eph, tkeytest.Pick(ps, pair))
		if err != nil || len(skipped) > 0 || !bytes.Equal(secret[:], want) {
			t.Fatalf("%v: %v %v", pair, err, skipped)
		}
	}
	// The partials are the attested app's, not another's.
	if err := d.KeySet.Env.Verify(make([]byte, 20), eph, ps[0]); !errors.Is(err, tecdh.ErrInvalidProof) {
		t.Fatalf("an env partial verifies for another app: %v", err)
	}
	for name, bad := range map[string][]byte{
		"u=0 (the identity)":       make([]byte, 32),
		"u=1 (a point of order 4)": append([]byte{1}, make([]byte, 31)...),
		"31 bytes":                 eph[:31],
	} {
		if _, err := askEnv(t, nodes[1], app, bad); err == nil || !strings.Contains(err.Error(), "env_ephemeral refused") {
			t.Errorf("ephemeral key %s: %v", name, err)
		}
	}
	nodes[2].svc.ThresholdEnvShares = nil
	if _, err := askEnv(t, nodes[2], app, eph); err == nil || !strings.Contains(err.Error(), "no threshold env share of epoch 1") {
		t.Errorf("a node without an env share: %v", err)
	}
	var res kmsapi.AppKeySharesResponse
	if err := nodes[1].client(app.clientCert(t)).Call(context.Background(), "GetAppKeyShares", &kmsapi.GetAppKeySharesRequest{APIVersion: 1, Epoch: 1}, &res); err != nil || len(res.EnvPartial) != 0 {
		t.Fatalf("no ephemeral key: env partial %x, %v", res.EnvPartial, err)
	}
}

// TestGetAppKeyShares: each node answers an allowed CVM its partials for
// the CVM's own app and instance (from its attestation), and any two of
// three answers combine to the keys of the dealt root, the same from every
// pair.
func TestGetAppKeyShares(t *testing.T) {
	nodes, d := thresholdNodes(t, 2, 3)
	app := bootCVM(t, nodes[0].pki, 0x10)
	var answers []*tkey.Answer
	for _, h := range nodes {
		h.allow(app)
		a, err := askShares(t, h, app, 1)
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, a)
	}
	ctxs := tkey.AppContexts(1, app.appID, app.instanceID)
	var want [][tkey.KeySize]byte
	for _, c := range ctxs {
		k, err := tkeytest.Key(d.Secret, c)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, k)
	}
	for _, pair := range [][]int{{0, 1}, {0, 2}, {1, 2}} {
		keys, skipped, err := d.KeySet.Combine(ctxs, []*tkey.Answer{answers[pair[0]], answers[pair[1]]})
		if err != nil || len(skipped) > 0 {
			t.Fatalf("%v: %v %v", pair, err, skipped)
		}
		for i := range want {
			if keys[i] != want[i] {
				t.Fatalf("%v: the %s key is not the dealt root's", pair, ctxs[i].Purpose)
			}
		}
	}
	// The answer is for the attested app: the contexts of another app do
	// not verify it.
	if err := d.KeySet.Verify(answers[0], tkey.AppContexts(1, make([]byte, 20), app.instanceID)); !errors.Is(err, tkey.ErrInvalidProof) {
		t.Fatalf("the answer verifies for another app: %v", err)
	}
	res, err := nodes[0].client(nil).HTTP.Get(nodes[0].srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	m, _ := io.ReadAll(res.Body)
	if want := `dstack_kms_key_releases_total{method="GetAppKeyShares"} 1`; !strings.Contains(string(m), want) {
		t.Errorf("metrics lack %q:\n%s", want, m)
	}
}

// TestGetAppKeySharesRefusals: a node answers nothing to a CVM its own
// view refuses (here its policy; the chain's isAppAllowed in production),
// nor without a share of the epoch asked; the refusals of GetAppKey's
// checks apply.
func TestGetAppKeySharesRefusals(t *testing.T) {
	nodes, _ := thresholdNodes(t, 2, 3)
	app := bootCVM(t, nodes[0].pki, 0x20)
	for _, h := range nodes[1:] {
		h.allow(app)
	}
	for _, c := range []struct {
		name  string
		h     *harness
		epoch uint32
		want  string
	}{
		{"refused by the node's policy", nodes[0], 1, "boot denied: app is not registered"},
		{"another epoch", nodes[1], 2, "no threshold key share of epoch 2"},
	} {
		a, err := askShares(t, c.h, app, c.epoch)
		if a != nil || !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v %v, want %q", c.name, a, err, c.want)
		}
	}
	noShare := newHarness(t)
	noShare.allow(app)
	if _, err := askShares(t, noShare, app, 0); err == nil || !strings.Contains(err.Error(), "no threshold key share of epoch 0") {
		t.Errorf("a KMS without shares: %v", err)
	}
	err := nodes[1].client(nil).Call(context.Background(), "GetAppKeyShares", &kmsapi.GetAppKeySharesRequest{Epoch: 1}, &kmsapi.AppKeySharesResponse{})
	if err == nil || !strings.Contains(err.Error(), "client RA-TLS certificate is required") {
		t.Errorf("without a client certificate: %v", err)
	}
	err = nodes[1].client(app.clientCert(t)).Call(context.Background(), "GetAppKeyShares", &kmsapi.GetAppKeySharesRequest{APIVersion: 2, Epoch: 1}, &kmsapi.AppKeySharesResponse{})
	if err == nil || !strings.Contains(err.Error(), "unsupported api_version 2") {
		t.Errorf("api_version 2: %v", err)
	}
}

// TestCollusionCannotRelease: with t−1 nodes that answer anyone (their
// policy allows every app), a CVM that the other nodes refuse gets fewer
// than t answers, and what it gets combines to nothing.
func TestCollusionCannotRelease(t *testing.T) {
	nodes, d := thresholdNodes(t, 3, 5)
	app := bootCVM(t, nodes[0].pki, 0x30)
	colluding := nodes[:2]
	for _, h := range colluding {
		h.svc.Auth = InsecureAllowAll{GatewayAppID: "gw"}
	}
	var answers []*tkey.Answer
	for i, h := range nodes {
		a, err := askShares(t, h, app, 1)
		if i < len(colluding) {
			if err != nil {
				t.Fatalf("colluding node %d: %v", i, err)
			}
			answers = append(answers, a)
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "boot denied") {
			t.Fatalf("honest node %d answered an unregistered app: %v", i, err)
		}
	}
	ctxs := tkey.AppContexts(1, app.appID, app.instanceID)
	if _, _, err := d.KeySet.Combine(ctxs, answers); !errors.Is(err, tkey.ErrNotEnough) {
		t.Fatalf("t−1 colluding nodes: %v, want ErrNotEnough", err)
	}
}

// FuzzGetAppKeyShares feeds GetAppKeyShares arbitrary bodies, over RA-TLS
// with a client certificate of an app the node refuses and one it allows:
// nothing panics, the refused app gets nothing, and what the allowed one
// gets is a well-formed answer for its own contexts.
func FuzzGetAppKeyShares(f *testing.F) {
	nodes, d := thresholdNodes(f, 2, 3)
	h := nodes[0]
	allowed, refused := bootCVM(f, h.pki, 0x50), bootCVM(f, h.pki, 0x60)
	h.allow(allowed)
	clients := map[bool]*prpc.Client{true: h.client(allowed.clientCert(f)), false: h.client(refused.clientCert(f))}
	ctxs := tkey.AppContexts(1, allowed.appID, allowed.instanceID)
	if _, err := askShares(f, h, allowed, 1); err != nil {
		f.Fatalf("the allowed app's seed request: %v", err)
	}
	f.Add(true, `{"api_version":1,"epoch":1}`)
	f.Add(false, `{"api_version":1,"epoch":1}`)
	f.Add(true, `{"epoch":1,"vm_config":"{}"}`)
	f.Add(true, `{"epoch":4294967296}`)
	f.Add(true, `{"epoch":"1"}`)
	eph, _ := envelopeTo(f, d.KeySet.Env, allowed.appID)
	f.Add(true, `{"api_version":1,"epoch":1,"env_ephemeral":"`+hex.EncodeToString(eph)+`"}`)
	f.Add(false, `{"api_version":1,"epoch":1,"env_ephemeral":"`+hex.EncodeToString(eph)+`"}`)
	f.Add(true, `{"epoch":1,"env_ephemeral":"0100000000000000000000000000000000000000000000000000000000000000"}`)
	f.Add(true, `{"epoch":1,"env_ephemeral":"zz"}`)
	f.Fuzz(func(t *testing.T, isAllowed bool, body string) {
		c := clients[isAllowed]
		r, err := c.HTTP.Post(c.BaseURL+"/GetAppKeyShares?json", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		if r.StatusCode != 200 {
			return
		}
		var res kmsapi.AppKeySharesResponse
		if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
			t.Fatalf("answer to %q: %v", body, err)
		}
		if !isAllowed {
			t.Fatalf("a refused app got an answer to %q", body)
		}
		a, err := tkey.ParseAnswer(res.Answer)
		if err != nil {
			t.Fatalf("answer to %q: %v", body, err)
		}
		if err := d.KeySet.Verify(a, ctxs); err != nil {
			t.Fatalf("answer to %q: %v", body, err)
		}
		// An env partial comes only for an ephemeral key asked, and is
		// the allowed app's for that key.
		var req kmsapi.GetAppKeySharesRequest
		_ = json.Unmarshal([]byte(body), &req)
		if len(res.EnvPartial) == 0 {
			return
		}
		p, err := tecdh.ParsePartial(res.EnvPartial)
		if err != nil || len(req.EnvEphemeral) == 0 {
			t.Fatalf("env partial to %q: %v", body, err)
		}
		if err := d.KeySet.Env.Verify(allowed.appID, req.EnvEphemeral, p); err != nil {
			t.Fatalf("env partial to %q: %v", body, err)
		}
	})
}
