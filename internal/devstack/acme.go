package devstack

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/internal/acmetest"
	"github.com/dstack-go/dstack/internal/ctmonitor/cttest"
	"github.com/dstack-go/dstack/internal/dnstest"
	"github.com/dstack-go/dstack/tee/identity"
)

// gatewayCompose is the app-compose.json of the gateway's TD (--acme):
// the gateway app on chain allows its hash, so the KMS releases the
// gateway app's keys to it.
const gatewayCompose = `{"docker_compose_file":"services:\n  gateway:\n    image: dstack/gateway\n","gateway_enabled":false,"kms_enabled":true,"manifest_version":2,"name":"dstack-gateway","no_instance_id":false,"public_logs":false,"public_sysinfo":false,"runner":"docker-compose"}`

// ACMEState is what state.json says of the ACME side of a stack run with
// --acme (empty otherwise).
type ACMEState struct {
	// AcmeInfoURL is the gateway's attested ACME record
	// (https://gateway.<base>:PORT/.dstack/acme-info), for
	// `dstack verify --acme-info`.
	AcmeInfoURL string `json:"acme_info_url,omitempty"`
	// ACMEDirectory is Pebble's ACME directory URL, and ACMEManagement its
	// management interface (/roots/0 is the root the gateway's certificate
	// chains to; /counts the accounts, orders and finalizations so far).
	ACMEDirectory  string `json:"acme_directory,omitempty"`
	ACMEManagement string `json:"acme_management,omitempty"`
	// ACMEAPICert is the PEM file of the certificate Pebble's directory and
	// management interface are served with.
	ACMEAPICert string `json:"acme_api_cert,omitempty"`
	// ACMEDNS is the loopback DNS server authoritative for the base
	// domain, where the gateway writes its DNS-01 and CAA records (RFC
	// 2136) and Pebble looks them up.
	ACMEDNS string `json:"acme_dns,omitempty"`
	// GatewayGuestSocket is the guest agent of the gateway's TD, whose
	// GetKey seals the gateway's storage.
	GatewayGuestSocket string `json:"gateway_guest_socket,omitempty"`
	// CTLogURL is an RFC 6962 log on loopback to which Pebble submits
	// every certificate it issues, and which the gateway's dstack_ct
	// follows; CTLogPublicKey is its key (base64 DER).
	CTLogURL       string `json:"ct_log_url,omitempty"`
	CTLogPublicKey []byte `json:"ct_log_public_key,omitempty"`
}

// acmeDev is what --acme runs beside the gateway: Pebble, the DNS server,
// and the gateway's TD, whose guest agent gives the gateway its sealing
// key.
type acmeDev struct {
	dns     *dnstest.Server
	pebble  *acmetest.Pebble
	mgmt    string
	apiCert string
	root    string
	socket  string
	ct      *cttest.Log
	// What dstack_ct checks the attested keys with: the gateway app id
	// the KMS contract names on the chain, and the mock PKI.
	chain       map[string]any
	roots, coll string
	// passthrough: the gateway's HTTPS port passes the connections for
	// names outside its base domain through to their apps
	// (--custom-domain).
	passthrough bool
}

// startACME starts Pebble and the DNS server on loopback and boots the
// gateway's TD: the gateway app allows its compose hash on chain, and it
// gets the gateway app's keys from the KMS as any CVM does.
func (s *stack) startACME(ctx context.Context) error {
	s.ensureLog()
	dir := filepath.Join(s.dir, "acme")
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	a := &acmeDev{apiCert: filepath.Join(dir, "pebble-api.pem"), root: filepath.Join(dir, "pebble-root.pem"),
		roots: s.roots, coll: s.coll, passthrough: s.o.CustomDomain != "",
		chain: map[string]any{"rpc_url": s.gov.rpc, "chain_id": s.gov.id, "kms_contract": s.gov.kms.Hex(), "poll_interval": "500ms"}}
	var err error
	if a.ct, err = cttest.Start(); err != nil {
		return err
	}
	s.onStop(a.ct.Close)
	if a.dns, err = dnstest.Start(baseDomain); err != nil {
		return err
	}
	s.onStop(a.dns.Close)
	logFile, err := os.OpenFile(filepath.Join(dir, "pebble.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	s.onStop(func() { logFile.Close() })
	// Pebble logs what it issues, as a CA submits it to CT logs.
	issued := func(der []byte) {
		if err := a.ct.Add(der); err != nil {
			s.log.Error("logging an issued certificate in the CT log", zap.Error(err))
		}
	}
	if a.pebble, err = acmetest.New(acmetest.Options{DNS: a.dns.Addr, Logger: log.New(logFile, "", log.LstdFlags|log.Lmicroseconds), Issued: issued}); err != nil {
		return err
	}
	s.onStop(a.pebble.Close)
	mgmt := httptest.NewUnstartedServer(a.pebble.Management())
	mgmt.StartTLS()
	s.onStop(mgmt.Close)
	a.mgmt = mgmt.URL
	if err := os.WriteFile(a.apiCert, a.pebble.APICertPEM, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(a.root, a.pebble.RootPEM(), 0o600); err != nil {
		return err
	}

	compose := []byte(gatewayCompose)
	if _, err := s.gov.ctl.Send(ctx, s.gov.gatewayApp, dstackapp.NewDstackApp().PackAddComposeHash(identity.ComposeHash(compose)), "add-compose-hash (gateway)"); err != nil {
		return err
	}
	tdDir := filepath.Join(s.dir, "gateway-td")
	_ = os.RemoveAll(tdDir)
	if err := os.MkdirAll(tdDir, 0o700); err != nil {
		return err
	}
	a.socket = filepath.Join(tdDir, "dstack.sock")
	var stops stopList
	s.onStop(stops.run)
	if _, err := bootGuest(ctx, cvmConfig{
		dir: tdDir, compose: compose, appID: s.gov.gatewayApp.Bytes(), kmsURL: s.kms.URL, vmConfig: vmConfig(),
		pki: s.pki, chain: s.reader, log: s.log,
	}, nil, a.socket, &stops); err != nil {
		return fmt.Errorf("booting the gateway's TD: %w", err)
	}
	s.acme = a
	return nil
}

// editGateway makes the gateway's config get its certificate from Pebble
// with dstack_acme (DNS-01 and CAA over RFC 2136 at the DNS server), keep
// it in dstack_sealed storage sealed with the gateway TD's key, and serve
// gateway.<base> (acme-info, app-info) with dstack_node.
func (a *acmeDev) editGateway(cfg map[string]any) {
	cfg["storage"] = map[string]any{"module": "dstack_sealed", "socket": a.socket, "backend": cfg["storage"]}
	issuer := a.pebble.IssuerConfig(a.dns, a.apiCert, baseDomain, baseDomain, "dev@"+baseDomain)
	apps := cfg["apps"].(map[string]any)
	// The gateway's TD both seals the storage and attests the gateway (its
	// RA-TLS certificate, its acme-info), as one CVM does in production.
	apps["dstack"].(map[string]any)["agent_socket"] = a.socket
	apps["tls"] = map[string]any{"automation": map[string]any{"policies": []any{map[string]any{
		"subjects": []string{"*." + baseDomain}, "issuers": []any{issuer},
	}}}}
	srv := apps["http"].(map[string]any)["servers"].(map[string]any)["gateway"].(map[string]any)
	route := srv["routes"].([]any)[0].(map[string]any)
	route["handle"] = append([]any{map[string]any{"handler": "dstack_node", "agent_socket": a.socket}}, route["handle"].([]any)...)
	if a.passthrough {
		// As Caddyfile.example's :443: before Caddy's TLS, a custom
		// domain (a name outside the base domain, whose app its
		// _dstack-app-address TXT record at the DNS server names) goes to
		// the app's CVM untouched; everything else falls through.
		srv["listener_wrappers"] = []any{
			map[string]any{"wrapper": "layer4", "routes": []any{
				map[string]any{
					"match":  []any{map[string]any{"dstack": map[string]any{"passthrough": true}}},
					"handle": []any{map[string]any{"handler": "dstack", "dns_servers": []string{a.dns.Addr}}},
				},
				map[string]any{"handle": []any{map[string]any{"handler": "dstack_detach"}}},
			}},
			map[string]any{"wrapper": "tls"},
		}
	}
	// The gateway watches the CT log for certificates of its domain on
	// keys it did not attest, as the gateway app the chain names; a
	// certificate is logged before the gateway holds and attests it, hence
	// the grace.
	apps["dstack_ct"] = map[string]any{
		"base_domain": baseDomain, "logs": []any{map[string]any{"url": a.ct.URL(), "public_key": a.ct.PublicKey()}},
		"from_storage": true, "from_start": true, "chain": a.chain,
		"attestation": map[string]any{"insecure_trust_roots": a.roots, "collateral_dir": a.coll},
		"interval":    "1s", "grace": "1m",
	}
}

// state is the ACME part of state.json.
func (a *acmeDev) state(listen string) ACMEState {
	return ACMEState{
		AcmeInfoURL:   "https://gateway." + baseDomain + ":" + portOf(listen) + "/.dstack/acme-info",
		ACMEDirectory: a.pebble.URL, ACMEManagement: a.mgmt, ACMEAPICert: a.apiCert, ACMEDNS: a.dns.Addr,
		GatewayGuestSocket: a.socket, CTLogURL: a.ct.URL(), CTLogPublicKey: a.ct.PublicKey(),
	}
}

// acmeSummary is the summary's lines of the ACME side ("" without it).
func (s *stack) acmeSummary() string {
	if s.acme == nil {
		return ""
	}
	st, port := s.st.ACMEState, portOf(s.o.Listen)
	return fmt.Sprintf(`  ACME          Pebble %s (management %s: /roots/0, /counts), DNS %s
  CT log        %s (Pebble logs what it issues; the gateway's dstack_ct follows it)
  acme-info     %s verify --acme-info %s --resolve gateway.%s:%s:127.0.0.1 --cacert %s --kms-contract %s --rpc %s --chain-id %d --insecure-trust-roots %s --collateral %s
`, st.ACMEDirectory, st.ACMEManagement, st.ACMEDNS, st.CTLogURL,
		s.o.Dstack, st.AcmeInfoURL, baseDomain, port, s.st.GatewayCA, s.st.KmsContract, s.st.ChainRPC, s.st.ChainID, s.st.InsecureTrustRoots, s.st.Collateral)
}
