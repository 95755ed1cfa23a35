package test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/attest/tdx"
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
// gets keys, a registration (so a route) or a stream, each for its own
// reason. Beside each refusal runs its control,
// the same call with genuine evidence: a genuine TD of the app gets its
// keys and a registration, and a genuine TD of the gateway app gets a
// stream, so the refusals are the credentials'.
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
	gw, _, err := reader.GatewayAppID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gatewayApp, err := tunnel.ParseAppID(gw)
	if err != nil {
		t.Fatal(err)
	}
	// The registrations carry the app's own app-compose.json, so that
	// only their evidence differs from the control's.
	appCompose, err := os.ReadFile(filepath.Join(st.Instances[0].Dir, "host-shared", "app-compose.json"))
	if err != nil {
		t.Fatal(err)
	}
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
	// A forged certificate is refused by the TLS handshake, and the
	// gateway logs the verifier's reason (what its client sees depends on
	// when the alert lands: "bad certificate", or HTTP/2 failing to set
	// up); the CVM's tunnel answers "bad certificate" (it logs its reasons
	// below the dev stack's log level). A genuine certificate of the wrong
	// identity is refused by the policy that judges its claims.
	const badCert = "tls: bad certificate"
	cases := []struct {
		name     string
		attester attest.Attester
		app      []byte
		// register is the reason the gateway answers a registration, or
		// logs (when logged) as it refuses the handshake; "" tries none.
		register string
		logged   bool
		// stream is the tunnel's answer.
		stream string
	}{
		{"forged quote (another PKI)", td(forger, app, 1), app, tdx.ErrVerification.Error(), true, badCert},
		{"replayed quote in another key's certificate", replayAttester{lifted}, app, ratls.ErrKeyBinding.Error(), true, badCert},
		{"another app's genuine certificate", td(genuine, other, 2), other, "registration refused: the chain does not allow this app", false, badCert},
		{"another kernel than the claimed OS image", bootAs(5, func(id *mock.Identity) { id.Booted = otherKernel }), app, "did not boot OS image", true, badCert},
		{"OS image not bound", bootAs(6, func(id *mock.Identity) { id.Config = fmt.Sprintf(`{"os_image_hash":"%s"}`, st.OSImageHash) }), app, attest.ErrOSImageNotBound.Error(), false, badCert},
		// Not the gateway: the app's own genuine identity opens no stream.
		{"the app's own genuine certificate, at the tunnel", td(genuine, app, 3), app, "", false, badCert},
	}
	gatewayLog := func() string {
		b, _ := os.ReadFile(filepath.Join(s.dir, "gateway", "caddy.log"))
		return string(b)
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
	// stream asks the CVM's tunnel for its app's port 80 and returns the
	// start of the answer.
	stream := func(a attest.Attester, app []byte) (string, error) {
		cert, err := ratls.Issue(ctx, a, ratls.CertOptions{Subject: "dstack-gateway", ServerAuth: true, ClientAuth: true, AppID: app}, nil, nil)
		if err != nil {
			return "", err
		}
		d := &tunnel.Dialer{Certificate: cert, Verifier: &ratls.Verifier{Attestation: opts}}
		c, err := d.Dial(ctx, st.Instances[0].TunnelAddress, 80, nil)
		if err != nil {
			return "", err
		}
		defer c.Close()
		// A refusing CVM closes the connection as it refuses: the request
		// may find it gone, and the refusal is then still there to read.
		_, werr := c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
		buf := make([]byte, 64)
		n, err := io.ReadAtLeast(c, buf, len("HTTP/1.x 200"))
		if err == nil {
			err = werr
		}
		return string(buf[:n]), err
	}
	refused := func(what string, err error, want string) {
		t.Helper()
		switch {
		case err == nil:
			t.Errorf("%s: accepted", what)
		case !strings.Contains(err.Error(), want):
			t.Errorf("%s: refused for another reason than %q: %v", what, want, err)
		default:
			t.Logf("%s: %v", what, err)
		}
	}
	for i, c := range cases {
		if c.register != "" {
			if err := getKeys(c.attester); err == nil {
				t.Errorf("%s: the KMS released app keys", c.name)
			} else {
				t.Logf("%s: KMS: %v", c.name, err)
			}
			before := strings.Count(gatewayLog(), c.register)
			err := register(c.attester, c.app)
			switch {
			case !c.logged:
				refused(c.name+": registration", err, c.register)
			case err == nil:
				t.Errorf("%s: registration: accepted", c.name)
			default:
				// The server logs the handshake's failure as its client
				// sees it fail, or just after.
				eventually(t, c.name+": the gateway to log the reason "+c.register, 10*time.Second, func() bool {
					return strings.Count(gatewayLog(), c.register) > before
				})
				t.Logf("%s: registration: %v (logged: %s)", c.name, err, c.register)
			}
		}
		_, err := stream(c.attester, c.app)
		refused(c.name+": stream", err, c.stream)
		// The controls, the same calls with genuine evidence.
		n := byte(20 + 2*i)
		if err := getKeys(td(genuine, app, n)); err != nil {
			t.Fatalf("control of %s: a genuine TD of the app got no keys: %v", c.name, err)
		}
		if err := register(td(genuine, app, n+1), app); err != nil {
			t.Fatalf("control of %s: a genuine TD of the app was not registered: %v", c.name, err)
		}
		if got, err := stream(td(genuine, gatewayApp, n), gatewayApp); err != nil || !strings.HasPrefix(got, "HTTP/1.") || !strings.Contains(got, " 200 ") {
			t.Fatalf("control of %s: a genuine TD of the gateway app got no answer from the app: %q %v", c.name, got, err)
		}
	}
}
