package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// rootsChild, set in the environment, makes the test binary run only the
// roots check, in a process whose system root store the parent chose.
const rootsChild = "DSTACK_INIT_TEST_ROOTS_CHILD"

// rootsAt is when the roots are checked: within ISRG Root X1's validity.
var rootsAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestPublicRoots checks that the guest, whose image has no CA files,
// trusts the public roots an https registry chains to (ISRG Root X1 here)
// through the system pool its registry client's default transport
// verifies with, and only those of its compiled-in bundle: the check runs
// in a child process whose system root store (SSL_CERT_FILE) is a single
// self-signed root named ISRG Root X1 and whose SSL_CERT_DIR is empty, so
// that neither the host's roots nor a root the host adds can stand in for
// the bundle.
func TestPublicRoots(t *testing.T) {
	if os.Getenv(rootsChild) != "" {
		trustBundledRoots() // as main does
		checkPublicRoots(t, os.Getenv(rootsChild))
		return
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ISRG Root X1"},
		NotBefore: rootsAt.Add(-time.Hour), NotAfter: rootsAt.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hostRoot := filepath.Join(dir, "host-root.pem")
	if err := os.WriteFile(hostRoot, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPublicRoots$", "-test.v")
	cmd.Env = append(os.Environ(), rootsChild+"="+hostRoot, "SSL_CERT_FILE="+hostRoot, "SSL_CERT_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the roots check in a process with another system root store failed: %v\n%s", err, out)
	}
}

func checkPublicRoots(t *testing.T, hostRoot string) {
	parse := func(file string) *x509.Certificate {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			t.Fatalf("%s holds no PEM block", file)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Roots nil is the system pool, which the registry client's transport
	// (http.DefaultTransport) verifies with.
	opts := x509.VerifyOptions{CurrentTime: rootsAt, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	isrg := parse("testdata/isrg-root-x1.pem")
	if _, err := isrg.Verify(opts); err != nil {
		t.Fatalf("%s is not trusted: %v", isrg.Subject, err)
	}
	if _, err := parse(hostRoot).Verify(opts); err == nil {
		t.Fatal("a root of the system's own store (SSL_CERT_FILE) is trusted: the guest's roots are not only its compiled-in bundle")
	}
}
