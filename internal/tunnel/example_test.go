package tunnel_test

import (
	"context"
	"log"
	"net"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
)

// The guest side: serve the tunnel in front of the ports the app publishes
// (and no other: tunnel.ComposeRoutes), then keep
// the registration with the gateway alive. The reader is the guest's
// chain reader: both the tunnel and the registration accept only a peer
// that proves the gateway app id it names. (Compiled, not run: it needs a
// TEE.)
func Example_guest() {
	var (
		ctx        = context.Background()
		attester   attest.Attester // the guest's attester (attest.NewTDXGuestAttester on TDX)
		opts       attest.Options  // how the gateway's evidence is verified
		reader     *chain.Reader   // chain.New(…): names the gateway app id
		gatewayURL = "https://gateway.example.com:8010"
		appCompose []byte // the app-compose.json the guest measured
	)
	serverCert, err := ratls.Issue(ctx, attester, ratls.CertOptions{Subject: "dstack-guest-agent", ServerAuth: true}, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	clientCert, err := ratls.Issue(ctx, attester, ratls.CertOptions{Subject: "dstack-guest-agent", ClientAuth: true}, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	ports := map[uint16]string{80: "127.0.0.1:8080", 443: "127.0.0.1:8443"}
	srv := &tunnel.Server{Certificate: serverCert, Attestation: opts, Gateway: reader, Ports: ports}
	ln, err := net.Listen("tcp", ":9443")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	reg := &tunnel.Registration{GatewayURL: gatewayURL, Certificate: clientCert, Attestation: opts, Gateway: reader}
	reg.Keep(ctx, tunnel.RegisterRequest{TunnelAddress: ":9443", AppCompose: string(appCompose)}, 0, func(err error) { log.Print(err) })
}
