package test

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/internal/tunnel/simtee"
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

// devVMConfig is the dev stack's vm_config (cmd/dstack devVMConfig).
func devVMConfig() string {
	osImage := sha512.Sum512_256([]byte("dstack dev image"))
	return fmt.Sprintf(`{"os_image_hash":"%x","cpu_count":1,"memory_size":0}`, osImage)
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
	var seed struct {
		Seed string `json:"insecure_simulated_tee_seed"`
	}
	readJSON(t, s.dir+"/state.json", &seed)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client, err := ethclient.DialContext(ctx, st.ChainRPC)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var id struct {
		ChainID uint64 `json:"chain_id"`
	}
	readJSON(t, s.dir+"/state.json", &id)
	reader, err := chain.New(ctx, client, chain.Config{ChainID: new(big.Int).SetUint64(id.ChainID), KmsContract: common.HexToAddress(st.KmsContract)})
	if err != nil {
		t.Fatal(err)
	}
	genuine, err := mock.NewPKI([]byte(seed.Seed))
	if err != nil {
		t.Fatal(err)
	}
	forger, err := mock.NewPKI([]byte("someone else's PKI"))
	if err != nil {
		t.Fatal(err)
	}
	opts := simtee.Options(genuine)
	app, _ := hex.DecodeString(st.AppID)
	compose, _ := hex.DecodeString(st.ComposeHash)
	td := func(pki *mock.PKI, app []byte, n byte) attest.Attester {
		d, err := simtee.Boot(pki, simtee.Identity{AppID: app, ComposeHash: compose, InstanceID: []byte{n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, Config: devVMConfig()})
		if err != nil {
			t.Fatal(err)
		}
		return d.Attester()
	}
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
		kc, err := kmsclient.New(ctx, kmsclient.Config{URL: st.KMSURL, Attester: a, Attestation: opts, Chain: reader})
		if err != nil {
			return err
		}
		_, err = kc.GetAppKey(ctx, devVMConfig())
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
