package ratls

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// testTEE is a simulated TD that has booted an app: its RTMR3 holds the
// runtime events, and it attests through the mock PKI.
type testTEE struct {
	pki    *mock.PKI
	tee    *mock.TEE
	mu     sync.Mutex
	events []eventlog.RuntimeEvent
	appID  []byte
}

var (
	pkiOnce sync.Once
	pkiVal  *mock.PKI
	pkiErr  error
)

func testPKI(t testing.TB) *mock.PKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = mock.NewPKI([]byte("ratls test PKI")) })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

func newTestTEE(t testing.TB, appID byte) *testTEE {
	t.Helper()
	pki := testPKI(t)
	var mrtd, r0, r1, r2 [48]byte
	mrtd[0], r0[0], r1[0], r2[0] = 1, 2, 3, 4
	tt := &testTEE{pki: pki, tee: pki.NewTEE(mrtd, r0, r1, r2), appID: bytes.Repeat([]byte{appID}, 20)}
	for _, e := range []eventlog.RuntimeEvent{
		{Name: "system-preparing"},
		{Name: "app-id", Payload: tt.appID},
		{Name: "compose-hash", Payload: bytes.Repeat([]byte{appID + 1}, 32)},
		{Name: "instance-id", Payload: bytes.Repeat([]byte{appID + 2}, 20)},
		{Name: "boot-mr-done"},
		{Name: "key-provider", Payload: []byte(`{"name":"kms","id":"abcd"}`)},
		{Name: "system-ready"},
	} {
		tt.extend(t, e)
	}
	return tt
}

func (tt *testTEE) extend(t testing.TB, e eventlog.RuntimeEvent) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if err := tt.tee.Extend(3, e.Digest()); err != nil {
		t.Fatal(err)
	}
	tt.events = append(tt.events, e)
}

func (tt *testTEE) attester() attest.Attester {
	return &attest.TDXAttester{
		Quote: func(_ context.Context, rd [64]byte) ([]byte, error) { return tt.tee.Quote(rd) },
		RuntimeEvents: func() []eventlog.RuntimeEvent {
			tt.mu.Lock()
			defer tt.mu.Unlock()
			return append([]eventlog.RuntimeEvent(nil), tt.events...)
		},
		Config: `{"os_image_hash":"0102"}`,
	}
}

func (tt *testTEE) verifier() *Verifier {
	return &Verifier{Attestation: attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: tt.pki.Roots()},
		Collateral:         collateral.NewCache(tt.pki.Source(), collateral.CacheOptions{}),
	}}
}

func issue(t testing.TB, tt *testTEE, opts CertOptions) *tls.Certificate {
	t.Helper()
	cert, err := Issue(context.Background(), tt.attester(), opts, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestIssueAndVerify(t *testing.T) {
	tt := newTestTEE(t, 0x10)
	cert := issue(t, tt, CertOptions{Subject: "app", SubjectAltNames: []string{"app.test", "127.0.0.1"}, ServerAuth: true, AppID: tt.appID, SpecialUsage: UsageAppCustom})
	claims, err := tt.verifier().VerifyChain(context.Background(), cert.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	ev := claims.Evidence
	if !bytes.Equal(ev.AppID, tt.appID) {
		t.Errorf("app id %x, want %x", ev.AppID, tt.appID)
	}
	if !bytes.Equal(ev.ComposeHash, bytes.Repeat([]byte{0x11}, 32)) {
		t.Errorf("compose hash %x", ev.ComposeHash)
	}
	if ev.TCBStatus != "UpToDate" {
		t.Errorf("tcb status %q, want UpToDate from the mock collateral", ev.TCBStatus)
	}
	if claims.Extensions.SpecialUsage != UsageAppCustom || !bytes.Equal(claims.Extensions.AppID, tt.appID) {
		t.Errorf("extensions %+v", claims.Extensions)
	}
	if string(ev.OSImageHash) != "\x01\x02" {
		t.Errorf("os image hash %x", ev.OSImageHash)
	}
	// The embedded attestation is the stripped form: runtime events keep
	// their payloads, the TDX event log its digest-less runtime entries.
	for _, e := range claims.Extensions.Attestation.TDX.EventLog {
		if e.IMR == 3 && len(e.Digest) != 0 {
			t.Errorf("runtime event %q kept its digest in the certificate", e.Event)
		}
	}
}

func TestReportDataBinding(t *testing.T) {
	// SHA-512("ratls-cert:" ‖ SPKI), computed here from first principles.
	spki := []byte{0x30, 0x01, 0x02}
	want := sha512.Sum512(append([]byte("ratls-cert:"), spki...))
	if got := ReportData(spki); got != want {
		t.Fatalf("report data %x, want %x", got, want)
	}
}

func TestVerifyRejects(t *testing.T) {
	tt := newTestTEE(t, 0x20)
	other := newTestTEE(t, 0x30)
	good := issue(t, tt, CertOptions{Subject: "good"})
	goodLeaf := good.Leaf

	// A certificate for a new key that carries the good certificate's
	// evidence: a replayed attestation bound to another key.
	replayed := func() [][]byte {
		ext, err := ReadExtensions(goodLeaf)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, err := CreateCertificate(CertOptions{Subject: "replayed", Attestation: ext.Attestation}, &key.PublicKey, nil, key)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{der}
	}
	// Evidence whose runtime log lies about the app id.
	forgedLog := func() [][]byte {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		att, err := tt.attester().Attest(context.Background(), ReportData(spki))
		if err != nil {
			t.Fatal(err)
		}
		att.RuntimeEvents[1].Payload = bytes.Repeat([]byte{0x99}, 20)
		der, err := CreateCertificate(CertOptions{Subject: "forged", Attestation: att}, &key.PublicKey, nil, key)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{der}
	}
	noAttestation := func() [][]byte {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, err := CreateCertificate(CertOptions{Subject: "plain"}, &key.PublicKey, nil, key)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{der}
	}
	expired := func() [][]byte {
		c := issue(t, tt, CertOptions{Subject: "old", NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
		return c.Certificate
	}
	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(issue(t, other, CertOptions{Subject: "unrelated CA", IsCA: true}).Leaf)

	cases := []struct {
		name  string
		certs func() [][]byte
		v     func() *Verifier
		want  error
		sub   string
	}{
		{"replayed evidence on another key", replayed, tt.verifier, ErrKeyBinding, ""},
		{"forged runtime event", forgedLog, tt.verifier, attest.ErrRTMR3Mismatch, ""},
		{"no attestation", noAttestation, tt.verifier, ErrNoAttestation, ""},
		{"expired certificate", expired, tt.verifier, ErrCertificateTime, ""},
		{"no certificate", func() [][]byte { return nil }, tt.verifier, ErrNoPeerCertificate, ""},
		{"garbage certificate", func() [][]byte { return [][]byte{{0x30, 0x03, 0x01, 0x01, 0x00}} }, tt.verifier, nil, "x509"},
		{"vendor roots reject mock evidence", func() [][]byte { return good.Certificate }, func() *Verifier { return &Verifier{} }, nil, "TDX"},
		{"chain to the wrong roots", func() [][]byte { return good.Certificate }, func() *Verifier {
			v := tt.verifier()
			v.Roots = otherRoots
			return v
		}, ErrChain, ""},
		{"policy refuses", func() [][]byte { return good.Certificate }, func() *Verifier {
			v := tt.verifier()
			v.Policy = func(c *Claims) error { return errors.New("app not allowed") }
			return v
		}, nil, "app not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.v().VerifyChain(context.Background(), tc.certs())
			if err == nil {
				t.Fatal("verified")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.sub != "" && !strings.Contains(err.Error(), tc.sub) {
				t.Fatalf("error %v, want it to mention %q", err, tc.sub)
			}
		})
	}
}

func TestIssuedByParent(t *testing.T) {
	tt := newTestTEE(t, 0x40)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caDER, err := CreateCertificate(CertOptions{Subject: "Dstack App CA", OrgName: "Dstack", IsCA: true}, &caKey.PublicKey, nil, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf, err := Issue(context.Background(), tt.attester(), CertOptions{Subject: "leaf", ClientAuth: true}, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	v := tt.verifier()
	v.Roots = roots
	claims, err := v.VerifyChain(context.Background(), leaf.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if !claims.ChainVerified {
		t.Fatal("chain not marked verified")
	}
}

// TestCacheHit shows that a verified certificate is not verified again: once
// cached, it passes even after the verifier's roots are taken away, while a
// new certificate from the same TEE fails.
func TestCacheHit(t *testing.T) {
	tt := newTestTEE(t, 0x50)
	v := tt.verifier()
	first := issue(t, tt, CertOptions{Subject: "a"})
	if _, err := v.VerifyChain(context.Background(), first.Certificate); err != nil {
		t.Fatal(err)
	}
	v.Attestation = attest.Options{}
	if _, err := v.VerifyChain(context.Background(), first.Certificate); err != nil {
		t.Fatalf("cached certificate re-verified: %v", err)
	}
	second := issue(t, tt, CertOptions{Subject: "b"})
	if _, err := v.VerifyChain(context.Background(), second.Certificate); err == nil {
		t.Fatal("new certificate verified without roots")
	}
	// Entries expire with the TTL.
	v.CacheTTL = time.Millisecond
	v.Attestation = tt.verifier().Attestation
	third := issue(t, tt, CertOptions{Subject: "c"})
	if _, err := v.VerifyChain(context.Background(), third.Certificate); err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return time.Now().Add(time.Second) }
	v.Attestation = attest.Options{}
	if _, err := v.VerifyChain(context.Background(), third.Certificate); err == nil {
		t.Fatal("expired cache entry still trusted")
	}
}

func TestCacheEviction(t *testing.T) {
	tt := newTestTEE(t, 0x60)
	v := tt.verifier()
	v.CacheSize = 2
	var certs []*tls.Certificate
	for i := 0; i < 3; i++ {
		c := issue(t, tt, CertOptions{Subject: "c"})
		if _, err := v.VerifyChain(context.Background(), c.Certificate); err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	if len(v.cache) != 2 {
		t.Fatalf("cache holds %d entries, want 2", len(v.cache))
	}
	v.Attestation = attest.Options{}
	if _, err := v.VerifyChain(context.Background(), certs[0].Certificate); err == nil {
		t.Fatal("evicted entry still trusted")
	}
	if _, err := v.VerifyChain(context.Background(), certs[2].Certificate); err != nil {
		t.Fatalf("newest entry evicted: %v", err)
	}
}

// handshake runs a TLS handshake over loopback TCP and returns both sides'
// errors and the server's view of the client's claims.
func handshake(t *testing.T, server, client *tls.Config, sv *Verifier) (claims *Claims, serverErr, clientErr error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			serverErr = err
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if serverErr = tc.Handshake(); serverErr != nil {
			return
		}
		if sv != nil && len(tc.ConnectionState().PeerCertificates) > 0 {
			claims, serverErr = sv.Claims(tc.ConnectionState())
		}
		_, _ = tc.Write([]byte("ok"))
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), client)
	if err == nil {
		_, clientErr = io.ReadAll(c)
		c.Close()
	} else {
		clientErr = err
	}
	<-done
	return claims, serverErr, clientErr
}

func TestHandshake(t *testing.T) {
	srv := newTestTEE(t, 0x70)
	cli := newTestTEE(t, 0x80)
	srvCert := issue(t, srv, CertOptions{Subject: "server", ServerAuth: true, SubjectAltNames: []string{"127.0.0.1"}})
	cliCert := issue(t, cli, CertOptions{Subject: "client", ClientAuth: true})
	sv, cv := srv.verifier(), cli.verifier()

	t.Run("one-way", func(t *testing.T) {
		_, serr, cerr := handshake(t, sv.ServerConfig(srvCert, false), cv.ClientConfig(nil), nil)
		if serr != nil || cerr != nil {
			t.Fatalf("server %v, client %v", serr, cerr)
		}
	})
	t.Run("mutual", func(t *testing.T) {
		claims, serr, cerr := handshake(t, sv.ServerConfig(srvCert, true), cv.ClientConfig(cliCert), sv)
		if serr != nil || cerr != nil {
			t.Fatalf("server %v, client %v", serr, cerr)
		}
		if claims == nil || !bytes.Equal(claims.Evidence.AppID, cli.appID) {
			t.Fatalf("server saw claims %+v", claims)
		}
	})
	t.Run("mutual without client certificate", func(t *testing.T) {
		_, serr, _ := handshake(t, sv.ServerConfig(srvCert, true), cv.ClientConfig(nil), sv)
		if serr == nil {
			t.Fatal("server accepted a client without a certificate")
		}
	})
	t.Run("client refuses unattested server", func(t *testing.T) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ := CreateCertificate(CertOptions{Subject: "plain", ServerAuth: true}, &key.PublicKey, nil, key)
		plain := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
		_, _, cerr := handshake(t, sv.ServerConfig(plain, false), cv.ClientConfig(nil), nil)
		if !errors.Is(cerr, ErrNoAttestation) && (cerr == nil || !strings.Contains(cerr.Error(), "attestation")) {
			t.Fatalf("client error %v, want a missing-attestation error", cerr)
		}
	})
	t.Run("server refuses client with policy", func(t *testing.T) {
		strict := srv.verifier()
		strict.Policy = func(c *Claims) error {
			if !bytes.Equal(c.Evidence.AppID, srv.appID) {
				return errors.New("unexpected app")
			}
			return nil
		}
		_, serr, _ := handshake(t, strict.ServerConfig(srvCert, true), cv.ClientConfig(cliCert), nil)
		if serr == nil || !strings.Contains(serr.Error(), "unexpected app") {
			t.Fatalf("server error %v", serr)
		}
	})
}

func TestLegacyExtensions(t *testing.T) {
	tt := newTestTEE(t, 0x90)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	att, err := tt.attester().Attest(context.Background(), ReportData(spki))
	if err != nil {
		t.Fatal(err)
	}
	events := make([]eventlog.Event, len(att.RuntimeEvents))
	for i, e := range att.RuntimeEvents {
		events[i] = e.TdxEvent(false)
	}
	logJSON, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	gz.WriteString("ELGZv1")
	zw := gzip.NewWriter(&gz)
	zw.Write(logJSON)
	zw.Close()
	for name, logExt := range map[string][]byte{"json": logJSON, "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			q, _ := extension(OIDTDXQuote, att.TDX.Quote)
			l, _ := extension(OIDEventLog, logExt)
			der := createWithExtensions(t, key, q, l)
			claims, err := tt.verifier().VerifyChain(context.Background(), [][]byte{der})
			if err != nil {
				t.Fatal(err)
			}
			if !claims.Extensions.Legacy || !bytes.Equal(claims.Evidence.AppID, tt.appID) {
				t.Fatalf("legacy claims %+v", claims.Evidence)
			}
		})
	}
	t.Run("gzip bomb", func(t *testing.T) {
		var big bytes.Buffer
		big.WriteString("ELGZv1")
		zw := gzip.NewWriter(&big)
		zw.Write(bytes.Repeat([]byte(" "), 1<<20))
		zw.Close()
		q, _ := extension(OIDTDXQuote, att.TDX.Quote)
		l, _ := extension(OIDEventLog, big.Bytes())
		cert, _ := x509.ParseCertificate(createWithExtensions(t, key, q, l))
		if _, err := ReadExtensions(cert); !errors.Is(err, ErrExtension) {
			t.Fatalf("error %v, want ErrExtension", err)
		}
	})
}

func createWithExtensions(t testing.TB, key *ecdsa.PrivateKey, exts ...pkix.Extension) []byte {
	t.Helper()
	der, err := CreateCertificate(CertOptions{Subject: "legacy"}, &key.PublicKey, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	tmpl := *cert
	tmpl.ExtraExtensions = nil
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, exts...)
	der, err = x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestExtensionRoundTrip(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	info := &wire.AppInfo{AppID: bytes.Repeat([]byte{1}, 20), ComposeHash: bytes.Repeat([]byte{2}, 32), DeviceID: bytes.Repeat([]byte{3}, 32)}
	der, err := CreateCertificate(CertOptions{Subject: "ca", AppID: info.AppID, SpecialUsage: UsageAppCA, AppInfo: info, IsCA: true}, &key.PublicKey, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ext, err := ReadExtensions(cert)
	if err != nil {
		t.Fatal(err)
	}
	if ext.Attestation != nil || ext.SpecialUsage != UsageAppCA || !bytes.Equal(ext.AppID, info.AppID) || !bytes.Equal(ext.AppInfo.ComposeHash, info.ComposeHash) {
		t.Fatalf("extensions %+v", ext)
	}
	// Upstream's double wrapping: the extension value is an OCTET STRING
	// (04 len) holding the content.
	for _, e := range cert.Extensions {
		if e.Id.Equal(OIDSpecialUsage) && !bytes.Equal(e.Value, append([]byte{0x04, byte(len(UsageAppCA))}, UsageAppCA...)) {
			t.Fatalf("special usage extension value %x", e.Value)
		}
	}
}

func FuzzReadExtensions(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.Add(uint8(0), []byte{0x04, 0x00})
	f.Add(uint8(1), []byte{0x04, 0x02, 0x00, 0x00})
	f.Add(uint8(4), []byte{0x04, 0x03, 0x90, 0xc4, 0x00})
	oids := []asn1.ObjectIdentifier{OIDTDXQuote, OIDEventLog, OIDAppID, OIDSpecialUsage, OIDAttestation, OIDAppInfo}
	f.Fuzz(func(t *testing.T, which uint8, value []byte) {
		der, err := CreateCertificate(CertOptions{Subject: "fuzz"}, &key.PublicKey, nil, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		cert.Extensions = append(cert.Extensions, pkix.Extension{Id: oids[int(which)%len(oids)], Value: value})
		if ext, err := ReadExtensions(cert); err == nil && ext == nil {
			t.Fatal("nil extensions without error")
		}
	})
}

func benchmarkSetup(b *testing.B) (*testTEE, *tls.Certificate) {
	tt := newTestTEE(b, 0xa0)
	return tt, issue(b, tt, CertOptions{Subject: "bench"})
}

// BenchmarkVerifyMiss is a full verification of a peer certificate whose
// platform was seen before: quote (mock PKI, PCK chain and collateral
// cached), collateral evaluation, report_data binding, event replay.
func BenchmarkVerifyMiss(b *testing.B) {
	tt, cert := benchmarkSetup(b)
	v := tt.verifier()
	if _, err := v.VerifyChain(context.Background(), cert.Certificate); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v.mu.Lock()
		v.cache, v.order = nil, nil
		v.mu.Unlock()
		if _, err := v.VerifyChain(context.Background(), cert.Certificate); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyHit is the same certificate seen again.
func BenchmarkVerifyHit(b *testing.B) {
	tt, cert := benchmarkSetup(b)
	v := tt.verifier()
	if _, err := v.VerifyChain(context.Background(), cert.Certificate); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.VerifyChain(context.Background(), cert.Certificate); err != nil {
			b.Fatal(err)
		}
	}
}
