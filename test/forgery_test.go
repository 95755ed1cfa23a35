package test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// replayAttester answers every request with one fixed attestation: a
// genuine quote lifted from another certificate, whose report_data binds
// another key.
type replayAttester struct{ att *wire.Attestation }

func (r replayAttester) Attest(context.Context, [64]byte) (*wire.Attestation, error) {
	return r.att, nil
}

// TestForgedCredentialsGetNothing presents, to the stack's KMS (GetAppKey),
// its gateway (RegisterCvm) and the CVM's tunnel, the credentials an
// attacker can make: a quote signed by another PKI with the app's
// identity, a genuine quote replayed in a certificate of another key, a
// genuine certificate of another app, a genuine TD of the app that booted
// another kernel while its vm_config claims the stack's OS image (its
// registers differ from the image's), and one whose vm_config names the
// image without its measurement document (the hash is not bound). None
// gets keys, a registration (so a route) or a stream. A genuine TD of the
// app, the control, gets its keys from the same KMS through the same
// client and registers with the same app-compose, so the refusals are the
// credentials'.
func TestForgedCredentialsGetNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, t.TempDir()+"/stack")
	st := s.st
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	reader, genuine := s.reader(ctx), s.pki()
	forger, err := mock.NewPKI([]byte("someone else's PKI"))
	if err != nil {
		t.Fatal(err)
	}
	opts := genuine.VerifyOptions()
	app, _ := hex.DecodeString(st.AppID)
	compose, _ := hex.DecodeString(st.ComposeHash)
	td := func(pki *mock.PKI, app []byte, n byte) attest.Attester { return s.bootTD(pki, app, compose, n) }
	lifted, err := td(genuine, app, 9).Attest(ctx, [64]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	other := make([]byte, 20)
	other[19] = 7
	bootAs := func(n byte, change func(*mock.Identity)) attest.Attester {
		id := mock.Identity{AppID: app, ComposeHash: compose, InstanceID: bytes.Repeat([]byte{n}, 20), Config: st.VMConfig}
		change(&id)
		d, err := genuine.BootTD(id)
		if err != nil {
			t.Fatal(err)
		}
		return d.Attester()
	}
	otherKernel := mock.DevImageMeasurement()
	otherKernel.Image.KernelAuthenticode[0] ^= 0x80
	cases := []struct {
		name     string
		attester attest.Attester
		app      []byte
	}{
		{"forged quote (another PKI)", td(forger, app, 1), app},
		{"replayed quote in another key's certificate", replayAttester{lifted}, app},
		{"another app's genuine certificate", td(genuine, other, 2), other},
		{"another kernel than the claimed OS image", bootAs(5, func(id *mock.Identity) { id.Booted = otherKernel }), app},
		{"OS image not bound", bootAs(6, func(id *mock.Identity) { id.Config = fmt.Sprintf(`{"os_image_hash":"%s"}`, st.OSImageHash) }), app},
	}
	appCompose, err := os.ReadFile(filepath.Join(st.Instances[0].Dir, "host-shared", hostinput.AppComposeFile))
	if err != nil {
		t.Fatal(err)
	}
	getKeys := func(a attest.Attester) error {
		_, err := s.getAppKey(ctx, st.KMSURL, a, opts, reader)
		return err
	}
	register := func(a attest.Attester, app []byte) error {
		cert, err := ratls.Issue(ctx, a, ratls.CertOptions{Subject: "dstack-guest-agent", ClientAuth: true, AppID: app}, nil, nil)
		if err != nil {
			return err
		}
		reg := &tunnel.Registration{GatewayURL: st.GatewayRegistration, Certificate: cert, Attestation: opts, Gateway: reader}
		_, err = reg.Register(ctx, tunnel.RegisterRequest{TunnelAddress: ":1", AppCompose: string(appCompose)})
		return err
	}
	stream := func(a attest.Attester, app []byte) error {
		cert, err := ratls.Issue(ctx, a, ratls.CertOptions{Subject: "dstack-gateway", ServerAuth: true, ClientAuth: true, AppID: app}, nil, nil)
		if err != nil {
			return err
		}
		d := &tunnel.Dialer{Certificate: cert, Verifier: &ratls.Verifier{Attestation: opts}}
		c, err := d.Dial(ctx, st.Instances[0].TunnelAddress, 80, nil)
		if err == nil {
			_, err = c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
			if err == nil {
				buf := make([]byte, 64)
				_, err = c.Read(buf)
			}
			c.Close()
		}
		return err
	}
	for _, c := range cases {
		if err := getKeys(c.attester); err == nil {
			t.Errorf("%s: the KMS released app keys", c.name)
		} else {
			t.Logf("%s: KMS: %v", c.name, err)
		}
		if err := register(c.attester, c.app); err == nil {
			t.Errorf("%s: the gateway accepted a registration", c.name)
		} else {
			t.Logf("%s: gateway: %v", c.name, err)
		}
		if err := stream(c.attester, c.app); err == nil {
			t.Errorf("%s: the CVM's tunnel relayed a stream", c.name)
		}
	}
	// Not the gateway: the app's own genuine identity opens no stream.
	if err := stream(td(genuine, app, 3), app); err == nil {
		t.Error("the CVM's tunnel relayed a stream for a peer that is not the gateway app")
	}
	// The control: a genuine TD of the app gets its keys and registers.
	control := td(genuine, app, 4)
	if err := getKeys(control); err != nil {
		t.Fatalf("control: a genuine TD of the app got no keys: %v", err)
	}
	if err := register(control, app); err != nil {
		t.Fatalf("control: a genuine TD of the app was not registered: %v", err)
	}
}
