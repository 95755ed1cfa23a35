package kms

import (
	"context"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/internal/prpc"
)

type bearer struct {
	token string
	rt    http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

func TestOnboardService(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{StateDir: dir, InsecureSimulatedTEE: "onboard service test", Auth: AuthConfig{InsecureAllowAll: true}}
	p, err := prepare(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &OnboardService{Self: p.self, Auth: p.auth, Token: "s3cret", Store: func(k *RootKeys, info *kmsapi.BootstrapInfo) error {
		return stateDir{dir: dir}.store(k, info, p.sealingKey)
	}}
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	anon := &prpc.Client{BaseURL: srv.URL + "/prpc"}
	if err := anon.Call(context.Background(), "GetAttestationInfo", &kmsapi.Empty{}, &kmsapi.AttestationInfo{}); err == nil || !strings.Contains(err.Error(), "operator token") {
		t.Fatalf("call without token: %v", err)
	}
	op := &prpc.Client{BaseURL: srv.URL + "/prpc", HTTP: &http.Client{Transport: bearer{"s3cret", http.DefaultTransport}}}
	var ai kmsapi.AttestationInfo
	if err := op.Call(context.Background(), "Onboard.GetAttestationInfo", &kmsapi.Empty{}, &ai); err != nil {
		t.Fatal(err)
	}
	if len(ai.MrAggregated) != 32 || ai.TeeVariant != "dstack-tdx" || len(ai.PPID) != 16 {
		t.Fatalf("attestation info %+v", ai)
	}
	if err := op.Call(context.Background(), "Finish", &kmsapi.Empty{}, &kmsapi.Empty{}); err == nil {
		t.Fatal("finished without keys")
	}
	var info kmsapi.BootstrapInfo
	if err := op.Call(context.Background(), "Bootstrap", &kmsapi.BootstrapRequest{Domain: "kms.test"}, &info); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyBootstrapInfo(context.Background(), &info, p.self.Attestation); err != nil {
		t.Fatal(err)
	}
	if err := op.Call(context.Background(), "Bootstrap", &kmsapi.BootstrapRequest{}, &info); err == nil {
		t.Fatal("second bootstrap accepted")
	}
	if err := op.Call(context.Background(), "Finish", &kmsapi.Empty{}, &kmsapi.Empty{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-svc.Done():
	default:
		t.Fatal("Finish did not end onboarding")
	}
	// The KMS then starts from the stored keys.
	s, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Service.Keys.K256PublicKey()) != string(info.K256Pubkey) || s.Service.Bootstrap == nil {
		t.Fatal("the KMS did not start from the onboarded keys")
	}
}
