package etcdstorage

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.etcd.io/etcd/client/pkg/v3/transport"
)

// testPKI writes a CA and a certificate it signs (server for 127.0.0.1, or
// client) as PEM files in dir.
type testPKI struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caFile string
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir()}
	p.ca, p.caKey, p.caFile = p.issue(t, "ca", nil)
	return p
}

func (p *testPKI) issue(t *testing.T, name string, usage []x509.ExtKeyUsage) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  usage,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	parent, signer := tmpl, key
	if p.ca == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	} else {
		parent, signer = p.ca, p.caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	certFile := filepath.Join(p.dir, name+".pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(p.dir, name+"-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key, certFile
}

// TestTLSClientCertificate: against an etcd that asks for client
// certificates, the module works with cert and key and fails without them.
func TestTLSClientCertificate(t *testing.T) {
	p := newTestPKI(t)
	_, _, serverCert := p.issue(t, "server", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
	_, _, clientCert := p.issue(t, "client", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	addr, _ := startEtcdWith(t, &transport.TLSInfo{
		CertFile:       serverCert,
		KeyFile:        filepath.Join(p.dir, "server-key.pem"),
		TrustedCAFile:  p.caFile,
		ClientCertAuth: true,
	})
	ctx := context.Background()

	with := &Module{Endpoints: []string{"https://" + addr}, CA: p.caFile, Cert: clientCert, Key: filepath.Join(p.dir, "client-key.pem")}
	if err := provision(t, with); err != nil {
		t.Fatal(err)
	}
	if err := with.storage.Store(ctx, "k", []byte("v")); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	if v, err := with.storage.Load(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("Load = %q, %v", v, err)
	}

	without := &Module{Endpoints: []string{"https://" + addr}, CA: p.caFile, Timeout: caddy.Duration(2 * time.Second)}
	if err := provision(t, without); err != nil {
		t.Fatal(err)
	}
	if _, err := without.storage.Load(ctx, "k"); err == nil {
		t.Fatal("loaded without a client certificate")
	} else {
		t.Logf("without a client certificate: %v", err)
	}

	otherCA := newTestPKI(t)
	wrongCA := &Module{Endpoints: []string{"https://" + addr}, CA: otherCA.caFile, Cert: clientCert, Key: filepath.Join(p.dir, "client-key.pem"), Timeout: caddy.Duration(2 * time.Second)}
	if err := provision(t, wrongCA); err != nil {
		t.Fatal(err)
	}
	if _, err := wrongCA.storage.Load(ctx, "k"); err == nil {
		t.Fatal("loaded from a server another CA signed")
	}
}
