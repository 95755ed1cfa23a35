package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/ctmonitor/cttest"
	"github.com/dstack-go/dstack/tee/acmeinfo"
)

// certOn makes a certificate for name on the key whose SubjectPublicKeyInfo
// is spki (a fresh key when nil), issued by a throwaway CA, and returns it
// with the key's SPKI.
func certOn(t *testing.T, name string, spki []byte) ([]byte, []byte) {
	t.Helper()
	ca, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var pub any
	if spki == nil {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		pub = &k.PublicKey
		spki, _ = x509.MarshalPKIXPublicKey(pub)
	} else {
		var err error
		if pub, err = x509.ParsePKIXPublicKey(spki); err != nil {
			t.Fatal(err)
		}
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caTmpl, pub, ca)
	if err != nil {
		t.Fatal(err)
	}
	return der, spki
}

func TestCTMonitorCommand(t *testing.T) {
	info, vf := acmeRecord(t, 1)
	log := cttest.New(t)
	known, _ := certOn(t, "*.gw.example.com", info.QuotedHistKeys[0].PublicKey)
	log.AddCert(t, known)
	src := filepath.Join(t.TempDir(), "acme-info.json")
	write := func(i *acmeinfo.Info) {
		raw, _ := acmeinfo.Marshal(i)
		if err := os.WriteFile(src, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	vf.acme.source = src
	f := ctFlags{verify: vf, baseDomain: "gw.example.com", state: t.TempDir(), once: true, fromStart: true, batch: 10,
		logs: []string{log.URL() + "=" + base64.StdEncoding.EncodeToString(log.PublicKey())}}
	run := func() (int, string) {
		code, out, err := runCTOnce(f)
		if err != nil {
			t.Fatal(err)
		}
		return code, out
	}
	// A record whose only key is not bound by its evidence: a failed poll,
	// not a pass.
	bad := *info
	bad.QuotedHistKeys = []acmeinfo.QuotedKey{info.QuotedHistKeys[0]}
	_, other := certOn(t, "x", nil)
	bad.QuotedHistKeys[0].PublicKey = other
	write(&bad)
	if code, out := run(); code != 1 || !strings.Contains(out, "no key of the attested key history verifies") {
		t.Fatalf("%d %s", code, out)
	}
	// The certificate on the attested key raises nothing.
	write(info)
	if code, out := run(); code != 0 || strings.Contains(out, "ALERT") {
		t.Fatalf("attested key: %d %s", code, out)
	}
	// One on another key raises one alert, once; within --grace of its log
	// timestamp it raises none yet.
	foreign, _ := certOn(t, "app.gw.example.com", nil)
	log.AddCert(t, foreign)
	f.grace = time.Hour
	if code, out := run(); code != 0 || strings.Contains(out, "ALERT") {
		t.Fatalf("unattested key within the grace: %d %s", code, out)
	}
	f.grace = 0
	if code, out := run(); code != 1 || strings.Count(out, "ALERT") != 1 {
		t.Fatalf("unattested key: %d %s", code, out)
	}
	if code, out := run(); code != 0 || strings.Contains(out, "ALERT") {
		t.Fatalf("alerted again: %d %s", code, out)
	}
	log.SetDown(true)
	if code, _ := run(); code != 1 {
		t.Fatalf("a log that is down: %d", code)
	}
	f.grace = -time.Second
	if err := runCTMonitor(context.Background(), io.Discard, f); err == nil || !strings.Contains(err.Error(), "grace") {
		t.Fatalf("a negative --grace: %v", err)
	}
}

// TestCTMonitorGatewayFromChain: with --kms-contract, the attested keys
// are judged by the gateway app id the chain names: the record's gateway
// passes, another gateway set on chain fails the poll (no key verifies),
// and a chain that cannot be read fails too.
func TestCTMonitorGatewayFromChain(t *testing.T) {
	info, vf := acmeRecord(t, 1)
	gatewayID := vf.acme.gatewayAppID
	vf.acme.gatewayAppID = ""
	d, stop := chainFlags(t, &vf.acme)
	log := cttest.New(t)
	known, _ := certOn(t, "*.gw.example.com", info.QuotedHistKeys[0].PublicKey)
	log.AddCert(t, known)
	vf.acme.source = filepath.Join(t.TempDir(), "acme-info.json")
	raw, _ := acmeinfo.Marshal(info)
	if err := os.WriteFile(vf.acme.source, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	f := ctFlags{verify: vf, baseDomain: "gw.example.com", once: true, fromStart: true, batch: 10,
		logs: []string{log.URL() + "=" + base64.StdEncoding.EncodeToString(log.PublicKey())}}
	run := func() (int, string) {
		f.state = t.TempDir()
		code, out, err := runCTOnce(f)
		if err != nil {
			return -1, err.Error()
		}
		return code, out
	}
	setGateway := func(id string) {
		dstackCmd(t, "chain", "set-gateway-app-id", id, "--rpc", d.URL, "--kms", vf.acme.kmsContract)
	}
	setGateway(gatewayID)
	if code, out := run(); code != 0 || strings.Contains(out, "ALERT") {
		t.Fatalf("the gateway the chain names: %d %s", code, out)
	}
	setGateway(strings.Repeat("48", 20))
	if code, out := run(); code != 1 || !strings.Contains(out, "no key of the attested key history verifies") {
		t.Fatalf("another gateway on chain: %d %s", code, out)
	}
	stop()
	if code, out := run(); code == 0 {
		t.Fatalf("the chain down: %d %s", code, out)
	}
}

// runCTOnce runs ct-monitor with f and returns its exit code and log, or
// an error that is not an exit code.
func runCTOnce(f ctFlags) (int, string, error) {
	var stderr bytes.Buffer
	err := runCTMonitor(context.Background(), &stderr, f)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, stderr.String(), nil
	}
	return 0, stderr.String(), err
}
