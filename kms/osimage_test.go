package kms

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
)

// legacyConfig names the development image without its measurement
// document: the evidence verifies, but its os_image_hash is a claim.
var legacyConfig = `{"os_image_hash":"` + osImage + `"}`

// unboundCVM is a CVM of the development image whose vm_config names the
// image without binding it.
func unboundCVM(t testing.TB, pki *mock.PKI, appByte byte) *cvm {
	c := bootCVM(t, pki, appByte)
	c.config = legacyConfig
	return c
}

// otherKernelCVM is a CVM that booted another kernel while its vm_config
// claims the development image (document included): its RTMR1 contradicts
// the claim.
func otherKernelCVM(t testing.TB, pki *mock.PKI, appByte byte) *cvm {
	t.Helper()
	c := bootCVM(t, pki, appByte)
	img := mock.DevImageMeasurement()
	img.Image.KernelAuthenticode[0] ^= 0x80
	b, err := mock.MeasureBoot(img, mock.DevVMConfig())
	if err != nil {
		t.Fatal(err)
	}
	c.tee, c.boot = pki.NewTEE(b.MRTD, b.RTMR[0], b.RTMR[1], b.RTMR[2]), b.Events
	for _, e := range c.events {
		c.tee.Extend(3, e.Digest())
	}
	return c
}

// TestKeysOnlyForABoundOSImage: GetAppKey and SignCert are refused to a
// caller whose evidence does not bind its os_image_hash — though the policy
// allows that hash — with the reason and the option named, and to one whose
// registers contradict the image it claims; the genuine CVM of the same
// app gets both. With insecure_allow_unbound_os_image the unbound caller
// is judged by its claimed hash, and the contradicting one is still
// refused.
func TestKeysOnlyForABoundOSImage(t *testing.T) {
	h := newHarness(t)
	genuine, unbound, mismatch := bootCVM(t, h.pki, 0x10), unboundCVM(t, h.pki, 0x10), otherKernelCVM(t, h.pki, 0x10)
	h.allow(genuine)
	getAppKey := func(c *cvm) error {
		return h.client(c.clientCert(t)).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{APIVersion: 1}, &kmsapi.AppKeyResponse{})
	}
	signCert := func(c *cvm) error {
		req, _ := signCertRequest(t, c)
		return h.client(nil).Call(context.Background(), "SignCert", req, &kmsapi.SignCertResponse{})
	}
	for name, call := range map[string]func(*cvm) error{"GetAppKey": getAppKey, "SignCert": signCert} {
		if err := call(genuine); err != nil {
			t.Fatalf("%s, genuine CVM: %v", name, err)
		}
		err := call(unbound)
		if !errors.Is(err, prpc.ErrRemote) || !strings.Contains(err.Error(), "not bound") || !strings.Contains(err.Error(), "legacy TDX evidence") ||
			!strings.Contains(err.Error(), "insecure_allow_unbound_os_image") || !strings.Contains(err.Error(), name+" refused") {
			t.Errorf("%s, unbound CVM: %v", name, err)
		}
		if err := call(mismatch); err == nil || !strings.Contains(err.Error(), "attestation verification failed") {
			t.Errorf("%s, CVM that booted another kernel: %v", name, err)
		}
	}
	h.svc.AllowUnboundOSImage = true
	for name, call := range map[string]func(*cvm) error{"GetAppKey": getAppKey, "SignCert": signCert} {
		if err := call(unbound); err != nil {
			t.Errorf("%s, unbound CVM with insecure_allow_unbound_os_image: %v", name, err)
		}
		if err := call(mismatch); err == nil {
			t.Errorf("%s, CVM that booted another kernel, with insecure_allow_unbound_os_image: served", name)
		}
	}
}

// TestMismatchNamesTheRegister: the KMS's log (not the caller) learns which
// register contradicted the claimed image.
func TestMismatchNamesTheRegister(t *testing.T) {
	pki, _ := mock.NewPKI([]byte("mismatch register test"))
	c := otherKernelCVM(t, pki, 0x10)
	a, err := c.attester().Attest(context.Background(), [64]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attest.Verify(context.Background(), a, testOpts(pki)); err == nil || !strings.Contains(err.Error(), "RTMR1") {
		t.Fatalf("another kernel: %v", err)
	}
}

// TestOnboardingOnlyBetweenBoundKMSs: a source KMS refuses GetKmsKey to a
// replica whose OS image is not bound, a replica refuses to onboard from a
// source whose OS image is not bound, and a KMS whose own evidence does not
// bind its image refuses to bootstrap and to serve; each passes with
// insecure_allow_unbound_os_image.
func TestOnboardingOnlyBetweenBoundKMSs(t *testing.T) {
	pki, _ := mock.NewPKI([]byte("onboard os image test"))
	opts := testOpts(pki)
	keys, _ := GenerateRootKeys(time.Now())
	unboundNode := func(b byte) *kmsNode {
		n := newNode(t, pki, opts, b, nil)
		c := unboundCVM(t, pki, b)
		n.self = &Self{Attester: c.attester(), Attestation: opts, Config: legacyConfig}
		return n
	}
	src, unboundReplica := newNode(t, pki, opts, 0xa0, nil), unboundNode(0xb0)
	unboundSrc, replica := unboundNode(0xc0), newNode(t, pki, opts, 0xd0, nil)
	mrs := []string{src.mr, unboundReplica.mr, unboundSrc.mr, replica.mr}
	for _, n := range []*kmsNode{src, unboundReplica, unboundSrc, replica} {
		n.policy.KMS.MrAggregated = mrs
	}
	src.serve(t, keys)

	_, err := Onboard(context.Background(), unboundReplica.self, unboundReplica.policy, src.srv.URL)
	if err == nil || !strings.Contains(err.Error(), "GetKmsKey refused") || !strings.Contains(err.Error(), "not bound") {
		t.Fatalf("a replica whose OS image is not bound: %v", err)
	}
	if _, err := Onboard(context.Background(), replica.self, replica.policy, src.srv.URL); err != nil {
		t.Fatalf("a bound replica: %v", err)
	}

	// The unbound source: it refuses to serve at all, and the replica
	// refuses it before asking anything.
	if _, _, err := Bootstrap(context.Background(), unboundSrc.self, unboundSrc.policy, nil); err == nil || !strings.Contains(err.Error(), "not bound") {
		t.Fatalf("bootstrap of a KMS whose own OS image is not bound: %v", err)
	}
	unboundSrc.serve(t, keys)
	if _, err := Onboard(context.Background(), replica.self, replica.policy, unboundSrc.srv.URL); err == nil || !strings.Contains(err.Error(), "the source KMS") || !strings.Contains(err.Error(), "not bound") {
		t.Fatalf("onboarding from a source whose OS image is not bound: %v", err)
	}
	c := &prpc.Client{BaseURL: unboundSrc.srv.URL + "/prpc", HTTP: unboundSrc.srv.Client()}
	req := &kmsapi.AppID{AppID: make([]byte, 20)}
	if err := c.Call(context.Background(), "GetAppEnvEncryptPubKey", req, &kmsapi.PublicKeyResponse{}); err == nil || !strings.Contains(err.Error(), "not currently authorized") {
		t.Fatalf("a KMS whose own OS image is not bound served: %v", err)
	}

	// With the option, on each side.
	src.svc.AllowUnboundOSImage = true
	if _, err := Onboard(context.Background(), unboundReplica.self, unboundReplica.policy, src.srv.URL); err != nil {
		t.Fatalf("an unbound replica with insecure_allow_unbound_os_image at the source: %v", err)
	}
	unboundSrc.self.AllowUnboundOSImage, replica.self.AllowUnboundOSImage = true, true
	if _, err := Onboard(context.Background(), replica.self, replica.policy, unboundSrc.srv.URL); err != nil {
		t.Fatalf("an unbound source with insecure_allow_unbound_os_image on both: %v", err)
	}
	if err := c.Call(context.Background(), "GetAppEnvEncryptPubKey", req, &kmsapi.PublicKeyResponse{}); err != nil {
		t.Fatalf("a KMS whose own OS image is not bound, with insecure_allow_unbound_os_image: %v", err)
	}
}
