package kms

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/kdf"
)

type kmsNode struct {
	self   *Self
	policy *StaticPolicy
	svc    *Service
	srv    *httptest.Server
	mr     string
}

func newNode(t *testing.T, pki *mock.PKI, opts attest.Options, b byte, keys *RootKeys) *kmsNode {
	t.Helper()
	c := bootCVM(t, pki, b)
	n := &kmsNode{self: &Self{Attester: c.attester(), Attestation: opts, Config: mock.DevVMConfig()}}
	ev, err := n.self.Evidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n.mr = hex.EncodeToString(kmsapi.BootInfoOf(ev, false).MrAggregated)
	n.policy = &StaticPolicy{OSImages: []string{osImage}, KMS: StaticKMSPolicy{AllowAnyDevice: true}, Apps: map[string]AppPolicy{}}
	if keys != nil {
		n.serve(t, keys)
	}
	return n
}

func (n *kmsNode) serve(t *testing.T, keys *RootKeys) {
	t.Helper()
	n.svc = &Service{Keys: keys, Auth: n.policy, Attestation: n.self.Attestation, Self: n.self}
	tlsCfg, err := n.svc.ServerTLS(context.Background(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	n.srv = httptest.NewUnstartedServer(n.svc.Handler())
	n.srv.TLS = tlsCfg
	n.srv.StartTLS()
	t.Cleanup(n.srv.Close)
}

func testOpts(pki *mock.PKI) attest.Options {
	return attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()},
		Collateral:         collateral.NewCache(pki.Source(), collateral.CacheOptions{}),
	}
}

func TestBootstrapAndOnboard(t *testing.T) {
	pki, _ := mock.NewPKI([]byte("onboard test"))
	opts := testOpts(pki)
	src := newNode(t, pki, opts, 0xa0, nil)
	replica := newNode(t, pki, opts, 0xb0, nil)
	// Each side allows both KMS measurements.
	for _, n := range []*kmsNode{src, replica} {
		n.policy.KMS.MrAggregated = []string{src.mr, replica.mr}
	}

	keys, info, err := Bootstrap(context.Background(), src.self, src.policy, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyBootstrapInfo(context.Background(), info, opts); err != nil {
		t.Fatalf("bootstrap record: %v", err)
	}
	forged := *info
	forged.K256Pubkey = bytes.Clone(info.K256Pubkey)
	forged.K256Pubkey[5] ^= 1
	if _, err := VerifyBootstrapInfo(context.Background(), &forged, opts); err == nil {
		t.Fatal("bootstrap record with another key verified")
	}
	if _, _, err := Bootstrap(context.Background(), src.self, src.policy, keys); err == nil {
		t.Fatal("bootstrap over existing keys")
	}
	src.serve(t, keys)

	got, err := Onboard(context.Background(), replica.self, replica.policy, src.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CAKey.Equal(keys.CAKey) || !got.K256.Equal(keys.K256) || !got.TempCAKey.Equal(keys.TempCAKey) {
		t.Fatal("replica root keys differ")
	}
	appID, inst := bytes.Repeat([]byte{1}, 20), bytes.Repeat([]byte{2}, 20)
	a, _ := kdf.DiskCryptKey(keys.CAKey, appID, inst)
	b, _ := kdf.DiskCryptKey(got.CAKey, appID, inst)
	if a != b {
		t.Fatal("derived keys differ between source and replica")
	}
}

func TestOnboardRefusals(t *testing.T) {
	pki, _ := mock.NewPKI([]byte("onboard refusal test"))
	opts := testOpts(pki)
	keys, _ := GenerateRootKeys(time.Now())
	src := newNode(t, pki, opts, 0xa0, nil)
	replica := newNode(t, pki, opts, 0xb0, nil)
	src.policy.KMS.MrAggregated = []string{src.mr}
	src.serve(t, keys)

	// The source does not allow the replica.
	replica.policy.KMS.MrAggregated = []string{src.mr, replica.mr}
	if _, err := Onboard(context.Background(), replica.self, replica.policy, src.srv.URL); err == nil || !strings.Contains(err.Error(), "KMS denied") {
		t.Fatalf("replica not allowed by the source: %v", err)
	}
	// The replica does not allow the source: it sends nothing.
	src.policy.KMS.MrAggregated = []string{src.mr, replica.mr}
	replica.policy.KMS.MrAggregated = []string{replica.mr}
	if _, err := Onboard(context.Background(), replica.self, replica.policy, src.srv.URL); err == nil || !strings.Contains(err.Error(), "the source KMS: not allowed as a KMS") {
		t.Fatalf("source not allowed by the replica: %v", err)
	}
}

// TestSelfAuthorization: a KMS that its authorizer stops allowing stops
// serving (after at most SelfCheckInterval).
func TestSelfAuthorization(t *testing.T) {
	pki, _ := mock.NewPKI([]byte("self test"))
	opts := testOpts(pki)
	keys, _ := GenerateRootKeys(time.Now())
	n := newNode(t, pki, opts, 0xa0, nil)
	n.policy.KMS.MrAggregated = []string{n.mr}
	now := time.Now()
	n.serve(t, keys)
	n.svc.Now = func() time.Time { return now }
	c := &prpc.Client{BaseURL: n.srv.URL + "/prpc", HTTP: n.srv.Client()}
	req := &kmsapi.AppID{AppID: bytes.Repeat([]byte{1}, 20)}
	if err := c.Call(context.Background(), "GetAppEnvEncryptPubKey", req, &kmsapi.PublicKeyResponse{}); err != nil {
		t.Fatal(err)
	}
	n.policy.KMS.MrAggregated = nil // revoked
	now = now.Add(SelfCheckInterval + time.Second)
	err := c.Call(context.Background(), "GetAppEnvEncryptPubKey", req, &kmsapi.PublicKeyResponse{})
	if !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), "not currently authorized") {
		t.Fatalf("revoked KMS served: %v", err)
	}
	// GetMeta is not a trusted method: it still answers.
	if err := c.Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &kmsapi.GetMetaResponse{}); err != nil {
		t.Fatal(err)
	}
}
