package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dstack-go/dstack/internal/acmetest"
	"github.com/dstack-go/dstack/internal/dnstest"
)

// The "acme" paths: bin/caddy in front of the backend as the "caddy" path,
// serving a certificate dstack_acme obtained from Pebble (in this process,
// DNS-01 and CAA over RFC 2136 to a DNS server in this process), kept in
// plain file storage or in dstack_sealed storage. A handshake takes the
// certificate from certmagic's in-memory cache either way, so the two
// should not differ.
const (
	acmeFilePath   = "caddy acme cert, file storage"
	acmeSealedPath = "caddy acme cert, sealed storage"
	// acmeZone holds both Caddys' base domains: each pins its own account
	// in CAA at its own name.
	acmeZone = "acme." + benchDomain
)

// startACME starts the DNS server and Pebble, then the two Caddys, and
// waits until each serves its Pebble certificate.
func (s *stack) startACME(o *options, backendTLS string) error {
	zone, err := dnstest.Start(acmeZone)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, zone.Close)
	pebble, err := acmetest.New(acmetest.Options{DNS: zone.Addr})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, pebble.Close)
	apiCert := filepath.Join(s.dir, "pebble-api.pem")
	if err := os.WriteFile(apiCert, pebble.APICertPEM, 0o644); err != nil {
		return err
	}
	// The load generator checks the certificates with Pebble's root.
	s.cert.Pool.AppendCertsFromPEM(pebble.RootPEM())
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	for _, c := range []struct {
		path, name, base string
		sealed           bool
	}{
		{acmeFilePath, "acme-file", "file." + acmeZone, false},
		{acmeSealedPath, "acme-sealed", "sealed." + acmeZone, true},
	} {
		ls, err := openListeners(1)
		if err != nil {
			return err
		}
		cfg, err := acmeCaddyConfig(s.dir, c.name, c.base, caddyServer(ls.fd(0), plainProxy(backendTLS, true)), zone, pebble, apiCert, key, c.sealed)
		if err != nil {
			ls.close()
			return err
		}
		p, err := startCaddy(s.dir, c.name, filepath.Join(o.bin, "caddy"), cfg, ls)
		if err != nil {
			return err
		}
		s.add(p)
		t := target{URL: "https://" + ls.addrs[0] + "/", Host: "bench." + c.base}
		if err := p.waitFor("Caddy answering with its Pebble certificate", answersOK(t, s.cert.Pool)); err != nil {
			return err
		}
		s.addCases(c.path, t, []*proc{p}, newConn, keepAlive)
	}
	if c := pebble.Counts(); c.Orders != 2 || c.Refused != 0 {
		return fmt.Errorf("the two Caddys made %d orders (%d refused) at Pebble, want 2 and none refused", c.Orders, c.Refused)
	}
	return nil
}

// acmeCaddyConfig is the config of one acme path's Caddy: dstack_acme for
// *.<base> against Pebble, storage in dir (sealed under key when sealed).
func acmeCaddyConfig(dir, name, base string, server map[string]any, zone *dnstest.Server, pebble *acmetest.Pebble, apiCert string, key []byte, sealed bool) ([]byte, error) {
	issuer := pebble.IssuerConfig(zone, apiCert, base, acmeZone, "bench@"+benchDomain)
	raw, err := caddyConfig(dir, name, map[string]any{"acme": server}, nil, map[string]any{"tls": map[string]any{
		"certificates": map[string]any{"automate": []string{"*." + base}},
		"automation":   map[string]any{"policies": []any{map[string]any{"subjects": []string{"*." + base}, "issuers": []any{issuer}}}},
	}})
	if err != nil || !sealed {
		return raw, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	// The key is this run's own, written in the config: where it comes
	// from (the guest agent in a CVM) does not change a handshake.
	cfg["storage"] = map[string]any{"module": "dstack_sealed", "insecure_key_hex": hex.EncodeToString(key), "backend": cfg["storage"]}
	return json.MarshalIndent(cfg, "", "\t")
}
