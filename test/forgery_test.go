package test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

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
// identity, a genuine quote replayed in a certificate of another key, and a
// genuine certificate of another app. None gets keys, a registration or a
// stream. A genuine TD of the app, the control, gets its keys from the
// same KMS through the same client, so the refusals are the credentials'.
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
	cases := []struct {
		name     string
		attester attest.Attester
		app      []byte
	}{
		{"forged quote (another PKI)", td(forger, app, 1), app},
		{"replayed quote in another key's certificate", replayAttester{lifted}, app},
		{"another app's genuine certificate", td(genuine, other, 2), other},
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
		_, err = reg.Register(ctx, tunnel.RegisterRequest{TunnelAddress: ":1"})
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
	// The control: a genuine TD of the app gets its keys.
	if err := getKeys(td(genuine, app, 4)); err != nil {
		t.Fatalf("control: a genuine TD of the app got no keys: %v", err)
	}
}
