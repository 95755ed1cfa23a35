package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/measure/measuretest"
	"github.com/dstack-go/dstack/tee/measure/measuretest/imagedir"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// imageEvidence boots a simulated TD of booted in a VM of 1 GiB (which the lite document does not serve, so
// its vm_config is the legacy form, without a document) claiming claimed, and writes its evidence as a
// verifier request; it returns the file and the mock PKI's roots.
func imageEvidence(t *testing.T, claimed, booted *measure.Image) (string, string) {
	t.Helper()
	pki, err := mock.NewPKI([]byte("mr image test"))
	if err != nil {
		t.Fatal(err)
	}
	vm := mock.DevImageVMShape
	vm.MemorySize = 1 << 30
	cfg, err := mock.ImageVMConfig(claimed, vm)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := identity.ParseVMConfig(cfg); err != nil || c.TDXAttestationVariant != measure.VariantLegacy {
		t.Fatalf("vm_config %s: %v", cfg, err)
	}
	td, err := pki.BootTD(mock.Identity{AppID: bytes.Repeat([]byte{0xaa}, 20), BootedImage: booted, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	a, err := td.Attester().Attest(context.Background(), [64]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := wire.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(map[string]string{"attestation": hex.EncodeToString(raw)})
	dir := t.TempDir()
	ev, roots := filepath.Join(dir, "evidence.json"), filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(ev, req, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(roots, pki.RootsPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return ev, roots
}

// Legacy evidence, which carries no measurement document, is bound with --image by the image directory it
// booted, refused against another image (both hashes named), and refused, with the register and the event
// named, when the TD booted other bytes than the image it claims.
func TestVerifyImage(t *testing.T) {
	dir, im := imagedir.Write(t, "")
	hash, _ := im.OSImageHash()
	evPath, roots := imageEvidence(t, im, im)
	ev, err := os.ReadFile(evPath)
	if err != nil {
		t.Fatal(err)
	}

	v, code, _ := runCLI(t, ev, verifyFlags{insecureRoots: roots})
	if code != 0 || !v.Valid || v.OSImageHashVerified || !strings.Contains(v.OSImageReason, "legacy") || v.OSImageIsDev != nil {
		t.Fatalf("without --image: code %d %+v", code, v)
	}
	v, code, _ = runCLI(t, ev, verifyFlags{insecureRoots: roots, image: dir})
	if code != 0 || !v.Valid || !v.OSImageHashVerified || v.OSImageReason != "" || v.OSImageHash != hex.EncodeToString(hash[:]) ||
		v.OSImageIsDev == nil || *v.OSImageIsDev || v.OSImageVersion != "0.6.0" {
		t.Fatalf("with --image: code %d %+v", code, v)
	}
	out, code := runMrCheckOn(t, ev, dir)
	if code != 0 || !strings.Contains(out, "os_image_hash is bound") || strings.Contains(out, "DIFFERS") {
		t.Fatalf("mr check --image: exit %d\n%s", code, out)
	}
	if n := len(regexp.MustCompile(`(?m)#\d+ .* match `).FindAllString(out, -1)); n != 20 {
		t.Fatalf("%d matching events\n%s", n, out)
	}
	if out, code := runMrCheckOn(t, ev, ""); code != 1 || !strings.Contains(out, "--image") {
		t.Fatalf("mr check of legacy evidence without --image: exit %d\n%s", code, out)
	}

	// Another image: refused, naming both hashes.
	otherDir, other := imagedir.Write(t, " quiet")
	otherHash, _ := other.OSImageHash()
	v, code, _ = runCLI(t, ev, verifyFlags{insecureRoots: roots, image: otherDir})
	if code != 1 || v.Valid || v.OSImageHashVerified || len(v.Errors) != 1 ||
		!strings.Contains(v.Errors[0], hex.EncodeToString(hash[:])) || !strings.Contains(v.Errors[0], hex.EncodeToString(otherHash[:])) {
		t.Fatalf("another image: code %d %+v", code, v)
	}
	if out, code := runMrCheckOn(t, ev, otherDir); code != 1 || !strings.Contains(out, hex.EncodeToString(otherHash[:])) {
		t.Fatalf("mr check against another image: exit %d\n%s", code, out)
	}

	// A TD that booted the other image's command line while claiming this one: RTMR2, its first event.
	lying, _ := imageEvidence(t, im, other)
	ev, err = os.ReadFile(lying)
	if err != nil {
		t.Fatal(err)
	}
	v, code, _ = runCLI(t, ev, verifyFlags{insecureRoots: roots, image: dir})
	if code != 1 || v.Valid || v.OSImageMismatch == nil || v.OSImageMismatch.Register != "RTMR2" {
		t.Fatalf("a TD of another command line: code %d %+v", code, v)
	}
	if e := v.OSImageMismatch.Event; e == nil || e.Position != 0 || e.Status != "mismatch" || e.EventType != 6 {
		t.Fatalf("event %+v", e)
	}
	out, code = runMrCheckOn(t, ev, dir)
	if code != 1 || !regexp.MustCompile(`RTMR2 +DIFFERS`).MatchString(out) || regexp.MustCompile(`(MRTD|RTMR0|RTMR1) +DIFFERS`).MatchString(out) {
		t.Fatalf("mr check of a TD of another command line: exit %d\n%s", code, out)
	}

	// --image with a bare quote or without a directory is unusable input.
	if _, code, _ := runCLI(t, ev, verifyFlags{insecureRoots: roots, image: t.TempDir()}); code != 2 {
		t.Fatalf("--image of an empty directory: exit %d", code)
	}
}

// Every file of the image directory, a bit flipped, makes verify --image refuse the evidence of the image and
// name the file (tee/measure's TestOSImageHashRefusesEveryFlip flips every byte).
func TestVerifyImageFlippedFiles(t *testing.T) {
	dir, im := imagedir.Write(t, "")
	evPath, roots := imageEvidence(t, im, im)
	ev, err := os.ReadFile(evPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{measuretest.FirmwareFile, measuretest.KernelFile, measuretest.InitrdFile, measure.MetadataFile, measure.TDXMeasurementFile, measure.ChecksumFile} {
		p := filepath.Join(dir, name)
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// A byte of the hex digests of sha256sum.txt, the cmdline's rootfs hash of metadata.json, the
		// middle of the others.
		at := len(orig) / 2
		switch name {
		case measure.ChecksumFile:
			at = 3
		case measure.MetadataFile:
			at = bytes.Index(orig, []byte("rootfs_hash=")) + 15
		}
		flipped := bytes.Clone(orig)
		flipped[at] ^= 0x01
		if err := os.WriteFile(p, flipped, 0o644); err != nil {
			t.Fatal(err)
		}
		v, code, _ := runCLI(t, ev, verifyFlags{insecureRoots: roots, image: dir})
		if code != 1 || v.Valid || v.OSImageHashVerified || len(v.Errors) != 1 {
			t.Errorf("%s flipped: code %d %+v", name, code, v)
		} else if !strings.Contains(v.Errors[0], name) {
			t.Errorf("%s flipped, the error does not name it: %s", name, v.Errors[0])
		}
		if err := os.WriteFile(p, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if v, code, _ := runCLI(t, ev, verifyFlags{insecureRoots: roots, image: dir}); code != 0 || !v.OSImageHashVerified {
		t.Fatalf("restored: code %d %+v", code, v)
	}
}

// TestVerifyCertImage: verify --cert verifies an RA-TLS certificate's evidence as verify does a file's: a simulated TD's
// certificate is valid and binds its image (lite, and with --image); it is invalid once expired or when its
// evidence does not bind its key. A legacy certificate carries no ACPI events (as upstream's), so --image
// cannot bind it and says why.
func TestVerifyCertImage(t *testing.T) {
	dir, im := imagedir.Write(t, "")
	pki, err := mock.NewPKI([]byte("cert test"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	certPath, roots := filepath.Join(tmp, "cert.pem"), filepath.Join(tmp, "roots.pem")
	if err := os.WriteFile(roots, pki.RootsPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	issue := func(memory uint64) *tls.Certificate {
		t.Helper()
		vm := mock.DevImageVMShape
		vm.MemorySize = memory
		cfg, err := mock.ImageVMConfig(im, vm)
		if err != nil {
			t.Fatal(err)
		}
		td, err := pki.BootTD(mock.Identity{AppID: bytes.Repeat([]byte{0xab}, 20), BootedImage: im, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		cert, err := ratls.Issue(context.Background(), td.Attester(), ratls.CertOptions{Subject: "app", SubjectAltNames: []string{"app.example"}, ServerAuth: true}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
			t.Fatal(err)
		}
		return cert
	}
	run := func(f verifyFlags) (verdict, int) {
		t.Helper()
		f.cert, f.insecureRoots, f.at = true, roots, time.Now().UTC().Format(time.RFC3339)
		v, code, _ := runCLIPath(t, certPath, f)
		return v, code
	}
	issue(1 << 30)
	v, code := run(verifyFlags{})
	if code != 0 || !v.Valid || v.AppID != strings.Repeat("ab", 20) || v.OSImageHashVerified || v.Platform != "dstack-tdx" {
		t.Fatalf("a legacy certificate: code %d %+v", code, v)
	}
	if v, code = run(verifyFlags{image: dir}); code != 1 || !strings.Contains(v.Errors[0], "ACPI DATA events") {
		t.Fatalf("a legacy certificate with --image: code %d %+v", code, v)
	}
	cert := issue(2 << 30)
	if v, code = run(verifyFlags{}); code != 0 || !v.OSImageHashVerified {
		t.Fatalf("a lite certificate: code %d %+v", code, v)
	}
	if v, code = run(verifyFlags{image: dir}); code != 0 || !v.OSImageHashVerified || v.OSImageVersion != "0.6.0" {
		t.Fatalf("a lite certificate with --image: code %d %+v", code, v)
	}
	if v, code, _ = runCLIPath(t, certPath, verifyFlags{cert: true, insecureRoots: roots, at: "2099-01-01T00:00:00Z"}); code != 1 || v.Valid || !strings.Contains(v.Errors[0], "not valid at this time") {
		t.Fatalf("an expired certificate: code %d %+v", code, v)
	}
	// Another key under the same evidence: the report_data does not bind it.
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	ext, err := ratls.ReadExtensions(leaf)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := ratls.CreateCertificate(ratls.CertOptions{Subject: "app", SubjectAltNames: []string{"app.example"}, ServerAuth: true, Attestation: ext.Attestation}, key.Public(), nil, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, der, 0o600); err != nil {
		t.Fatal(err)
	}
	if v, code = run(verifyFlags{}); code != 1 || v.Valid || !strings.Contains(v.Errors[0], "does not bind the certificate key") {
		t.Fatalf("evidence of another key: code %d %+v", code, v)
	}
	if err := os.WriteFile(certPath, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, code = run(verifyFlags{}); code != 2 {
		t.Fatalf("not a certificate: exit %d", code)
	}
}
