package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/pires/go-proxyproto"
)

// selfSigned makes a certificate for names and its PEM encodings.
func selfSigned(t testing.TB, names ...string) (tls.Certificate, string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, &x509.Certificate{Subject: pkix.Name{CommonName: names[0]}}, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(key)
	cp := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	kp := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}))
	cert, err := tls.X509KeyPair([]byte(cp), []byte(kp))
	if err != nil {
		t.Fatal(err)
	}
	return cert, cp, kp
}

// recorder is a TCP relay that keeps every byte the client side sent.
type recorder struct {
	mu   sync.Mutex
	seen bytes.Buffer
	addr string
}

// serveTCP accepts on loopback until the test ends, handling each
// connection with handle, which owns it.
func (e *env) serveTCP(handle func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func (e *env) record(to string) *recorder {
	r := &recorder{}
	r.addr = e.serveTCP(func(c net.Conn) {
		up, err := net.Dial("tcp", to)
		if err != nil {
			return
		}
		defer up.Close()
		go io.Copy(c, up)
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			r.mu.Lock()
			r.seen.Write(buf[:n])
			r.mu.Unlock()
			if _, werr := up.Write(buf[:n]); err != nil || werr != nil {
				return
			}
		}
	})
	return r
}

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.seen.Bytes())
}

// tcpEcho answers every read with "echo:" and what it read.
func (e *env) tcpEcho() string {
	return e.serveTCP(func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				c.Write(append([]byte("echo:"), buf[:n]...))
			}
			if err != nil {
				return
			}
		}
	})
}

// dnsServer answers TXT queries from records on loopback UDP.
func (e *env) dnsServer(records map[string]string) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, qq := range q.Question {
			if v, ok := records[strings.ToLower(qq.Name)]; ok && qq.Qtype == dns.TypeTXT {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: qq.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{v}})
			}
		}
		if len(m.Answer) == 0 {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	e.t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// TestLayer4: the layer4 routes. Terminated (<id>[-port]): TLS ends at the
// gateway with the wildcard certificate and the bytes reach the CVM port
// unchanged (a line protocol here). Passthrough ("s", and a custom domain
// by TXT record): the client's TLS session is with the CVM — it sees the
// CVM's certificate, and what crosses the tunnel is TLS records, never the
// plaintext.
func TestLayer4(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc8)
	app := e.deployApp(compose)
	_, certPEM, keyPEM := selfSigned(t, "*."+baseDomain)
	l4addr := heldAddr(t)
	dnsAddr := e.dnsServer(map[string]string{
		"_dstack-app-address.app.custom.test.":    hex.EncodeToString(app) + ":443",
		"_dstack-app-address-wildcard.wild.test.": hex.EncodeToString(app) + ":443",
		"_dstack-app-address.broken.custom.test.": "not an address",
	})
	l4 := map[string]any{"servers": map[string]any{"l4": map[string]any{"listen": []string{heldNetwork + "/" + l4addr}, "routes": []any{
		map[string]any{
			"match":  []any{map[string]any{"dstack": map[string]any{"passthrough": true}}},
			"handle": []any{map[string]any{"handler": "dstack", "dns_servers": []string{dnsAddr}}},
		},
		map[string]any{
			"match": []any{map[string]any{"dstack": map[string]any{}}},
			"handle": []any{map[string]any{"handler": "tls", "connection_policies": []any{
				map[string]any{"match": map[string]any{"dstack_h2": map[string]any{}}, "alpn": []string{"h2"}},
				map[string]any{"alpn": []string{}},
			}}, map[string]any{"handler": "dstack"}},
		},
	}}}}
	tlsApp := map[string]any{"certificates": map[string]any{"load_pem": []any{map[string]any{"certificate": certPEM, "key": keyPEM}}}}
	g := e.loadApps(e.dstackConfig(nil), proxyRoute(nil), map[string]any{"layer4": l4, "tls": tlsApp})

	c := e.bootCVM(app, compose, 1)
	// The CVM's own TLS server on 443, with a key the gateway never sees,
	// behind a relay that records what the tunnel delivers.
	cvmCert, cvmCertPEM, _ := selfSigned(t, "app.custom.test", "wild.test", hostOf(app, "-443s"), hostOf(app, "-s"))
	tlsLn, _ := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cvmCert}})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "inner secret %s", r.URL.Path)
	})}
	go hs.Serve(tlsLn)
	t.Cleanup(func() { hs.Close() })
	rec := e.record(tlsLn.Addr().String())
	c.ports[443] = rec.addr
	c.ports[7000] = e.tcpEcho()
	// Port 7001 wants the client's address in a PROXY protocol v2 header
	// (the app's port_policy says so).
	c.ports[7001] = e.serveTCP(func(conn net.Conn) {
		hdr, err := proxyproto.Read(bufio.NewReader(conn))
		if err != nil {
			fmt.Fprintf(conn, "no PROXY header: %v", err)
			return
		}
		fmt.Fprintf(conn, "v%d src=%s", hdr.Version, hdr.SourceAddr)
	})
	_, tport, _ := net.SplitHostPort(c.tunAddr)
	c.startTunnelAt(c.td, tport)
	c.mustRegister(g)

	t.Run("terminated", func(t *testing.T) {
		conn, err := tls.Dial("tcp", l4addr, &tls.Config{ServerName: hostOf(app, "-7000"), InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if got := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; got != "*."+baseDomain {
			t.Fatalf("terminated with %q, want the wildcard certificate", got)
		}
		conn.Write([]byte("ping"))
		buf := make([]byte, 64)
		n, err := conn.Read(buf)
		if err != nil || string(buf[:n]) != "echo:ping" {
			t.Fatalf("%q %v", buf[:n], err)
		}
	})
	t.Run("g advertises h2", func(t *testing.T) {
		for suffix, want := range map[string]string{"-7000g": "h2", "-7000": ""} {
			conn, err := tls.Dial("tcp", l4addr, &tls.Config{ServerName: hostOf(app, suffix), InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := conn.ConnectionState().NegotiatedProtocol; got != want {
				t.Errorf("%s: ALPN %q, want %q", suffix, got, want)
			}
			conn.Close()
		}
	})
	t.Run("proxy protocol", func(t *testing.T) {
		conn, err := tls.Dial("tcp", l4addr, &tls.Config{ServerName: hostOf(app, "-7001"), InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		got, _ := io.ReadAll(conn)
		if want := "v2 src=" + conn.LocalAddr().String(); string(got) != want {
			t.Fatalf("%q, want %q", got, want)
		}
		// Port 7000 is not in proxy_protocol_ports: no header.
		plain, err := tls.Dial("tcp", l4addr, &tls.Config{ServerName: hostOf(app, "-7000"), InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer plain.Close()
		plain.Write([]byte("x"))
		buf := make([]byte, 16)
		if n, _ := plain.Read(buf); string(buf[:n]) != "echo:x" {
			t.Fatalf("%q", buf[:n])
		}
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(cvmCertPEM))
	for _, name := range []string{hostOf(app, "-443s"), hostOf(app, "-s"), "app.custom.test", "www.wild.test"} {
		t.Run("passthrough "+name, func(t *testing.T) {
			before := len(rec.bytes())
			sn := name
			if name == "www.wild.test" {
				sn = "wild.test" // the CVM's certificate names the parent
			}
			client := &http.Client{Transport: &http.Transport{
				DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
					return tls.Dial("tcp", l4addr, &tls.Config{ServerName: name, RootCAs: pool, VerifyConnection: func(cs tls.ConnectionState) error {
						_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, DNSName: sn})
						return err
					}, InsecureSkipVerify: true})
				},
			}}
			res, err := client.Get("https://" + name + "/path-" + strconv.Itoa(before))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if want := "inner secret /path-" + strconv.Itoa(before); string(body) != want {
				t.Fatalf("%q, want %q", body, want)
			}
			seen := rec.bytes()[before:]
			if len(seen) < 5 || seen[0] != 0x16 || seen[1] != 0x03 {
				t.Fatalf("the CVM did not receive the client's ClientHello first: % x", seen[:min(len(seen), 8)])
			}
			if bytes.Contains(seen, []byte("path-")) || bytes.Contains(seen, []byte("GET ")) {
				t.Fatal("plaintext crossed the gateway")
			}
		})
	}
	for _, name := range []string{"broken.custom.test", "nothing.custom.test", hostOf(make([]byte, 20), "-s")} {
		conn, err := tls.Dial("tcp", l4addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
		if err == nil {
			conn.Close()
			t.Fatalf("%s: connected", name)
		}
	}

	// Revocation ends an open stream and refuses new ones.
	conn, err := tls.Dial("tcp", l4addr, &tls.Config{ServerName: hostOf(app, "-7000"), InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("ping"))
	buf := make([]byte, 64)
	if n, err := conn.Read(buf); err != nil || string(buf[:n]) != "echo:ping" {
		t.Fatalf("before revocation: %q %v", buf[:n], err)
	}
	e.revoke(app, compose)
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("stream after revocation: %v", err)
	}
	if g.app.State(hex.EncodeToString(app)) != StateRevoked {
		t.Fatal("stream ended before the revocation was seen")
	}
	if _, err := tls.Dial("tcp", l4addr, &tls.Config{ServerName: hostOf(app, "-443s"), InsecureSkipVerify: true}); err == nil {
		t.Fatal("passthrough to a revoked app")
	}
}

// loadHTTPSWithPassthrough runs Caddyfile.example's shape of the HTTPS
// port: the layer4 listener wrapper takes passthrough names before Caddy's
// TLS (then, with detach, dstack_detach), and the HTTP site serves the
// rest through the dstack transport.
func (e *env) loadHTTPSWithPassthrough(detach bool) (*gateway, string) {
	e.t.Helper()
	_, certPEM, keyPEM := selfSigned(e.t, "*."+baseDomain)
	addr := heldAddr(e.t)
	routes := []any{map[string]any{
		"match":  []any{map[string]any{"dstack": map[string]any{"passthrough": true}}},
		"handle": []any{map[string]any{"handler": "dstack"}},
	}}
	if detach {
		routes = append(routes, map[string]any{"handle": []any{map[string]any{"handler": "dstack_detach"}}})
	}
	httpApp := map[string]any{"servers": map[string]any{"https": map[string]any{
		"listen": []string{heldNetwork + "/" + addr},
		// HTTP/3 would need a UDP socket, which a held listener is not.
		"protocols": []string{"h1", "h2"},
		"listener_wrappers": []any{
			map[string]any{"wrapper": "layer4", "routes": routes},
			map[string]any{"wrapper": "tls"},
		},
		"tls_connection_policies": []any{map[string]any{}},
		"automatic_https":         map[string]any{"disable": true},
		"routes":                  proxyRoute(nil),
	}}}
	tlsApp := map[string]any{"certificates": map[string]any{"load_pem": []any{map[string]any{"certificate": certPEM, "key": keyPEM}}}}
	return e.loadApps(e.dstackConfig(nil), nil, map[string]any{"http": httpApp, "tls": tlsApp}), addr
}

// TestPassthroughBesideHTTPS: Caddyfile.example's shape — on the HTTPS
// port, the layer4 listener wrapper takes passthrough names before Caddy's
// TLS, and every other connection falls through to the HTTP site.
func TestPassthroughBesideHTTPS(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xcd)
	app := e.deployApp(compose)
	g, addr := e.loadHTTPSWithPassthrough(true)
	c := e.bootCVM(app, compose, 1)
	cvmCert, _, _ := selfSigned(t, "inner.cvm")
	tlsAddr := e.serveTCP(func(conn net.Conn) {
		tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cvmCert}})
		if tc.Handshake() == nil {
			tc.Write([]byte("from the CVM"))
		}
		tc.Close()
	})
	c.ports[443] = tlsAddr
	_, tport, _ := net.SplitHostPort(c.tunAddr)
	c.startTunnelAt(c.td, tport)
	c.mustRegister(g)

	pt, err := tls.Dial("tcp", addr, &tls.Config{ServerName: hostOf(app, "-s"), InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(pt)
	pt.Close()
	if cn := pt.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "inner.cvm" || string(got) != "from the CVM" {
		t.Fatalf("passthrough: certificate %q, read %q", cn, got)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{ServerName: hostOf(app, ""), InsecureSkipVerify: true}}}
	req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/", nil)
	req.Host = hostOf(app, "")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(string(body), fmt.Sprintf("app=%x", app)) || res.TLS.PeerCertificates[0].Subject.CommonName != "*."+baseDomain {
		t.Fatalf("terminated: %d %q", res.StatusCode, body)
	}
}

// TestLayer4Multiplexes: by default the terminated route carries client
// connections as streams of one multiplexed tunnel connection to the CVM;
// with multiplex off each takes a tunnel connection of its own; the
// transport's multiplex does the same for requests without keep-alive.
func TestLayer4Multiplexes(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xc9)
	app := e.deployApp(compose)
	_, certPEM, keyPEM := selfSigned(t, "*."+baseDomain)
	addrs := make([]string, 2)
	for i := range addrs {
		addrs[i] = heldAddr(t)
	}
	route := func(listen string, handler map[string]any) map[string]any {
		return map[string]any{"listen": []string{heldNetwork + "/" + listen}, "routes": []any{map[string]any{
			"match":  []any{map[string]any{"dstack": map[string]any{}}},
			"handle": []any{map[string]any{"handler": "tls"}, handler},
		}}}
	}
	l4 := map[string]any{"servers": map[string]any{
		"mux":    route(addrs[0], map[string]any{"handler": "dstack"}),
		"single": route(addrs[1], map[string]any{"handler": "dstack", "disable_multiplex": true}),
	}}
	tlsApp := map[string]any{"certificates": map[string]any{"load_pem": []any{map[string]any{"certificate": certPEM, "key": keyPEM}}}}
	g := e.loadApps(e.dstackConfig(nil), proxyRoute(map[string]any{"disable_keepalives": true, "multiplex": true}),
		map[string]any{"layer4": l4, "tls": tlsApp})
	c := e.bootCVM(app, compose, 1)
	c.ports[7000] = e.tcpEcho()
	c.mustRegister(g)

	echoes := func(addr string, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: hostOf(app, "-7000"), InsecureSkipVerify: true})
			if err != nil {
				t.Fatal(err)
			}
			msg := "ping " + strconv.Itoa(i)
			conn.Write([]byte(msg))
			buf := make([]byte, 64)
			n, err := conn.Read(buf)
			conn.Close()
			if err != nil || string(buf[:n]) != "echo:"+msg {
				t.Fatalf("%s: %q %v", addr, buf[:n], err)
			}
		}
	}
	before := c.tunnelConns.Load()
	echoes(addrs[0], 5)
	if n := c.tunnelConns.Load() - before; n != 1 {
		t.Errorf("5 connections through the multiplexing route took %d tunnel connections, want 1", n)
	}
	before = c.tunnelConns.Load()
	echoes(addrs[1], 3)
	if n := c.tunnelConns.Load() - before; n != 3 {
		t.Errorf("3 connections with multiplex off took %d tunnel connections, want 3", n)
	}
	// The HTTP transport with multiplex and no keep-alive: streams of the
	// multiplexed connection the layer4 route opened, not new ones.
	before = c.tunnelConns.Load()
	for i := 0; i < 4; i++ {
		if code, body := get(t, nil, g, hostOf(app, ""), nil); code != 200 || !strings.Contains(body, "proto=HTTP/1.1") {
			t.Fatalf("%d %q", code, body)
		}
	}
	if n := c.tunnelConns.Load() - before; n != 0 {
		t.Errorf("4 requests on a multiplexing transport took %d new tunnel connections, want 0", n)
	}
}

// TestLayer4Revocation: a revocation on chain cuts an open layer4
// connection — a stream of the multiplexed tunnel connection — while its
// CVM port is still sending, and refuses new ones.
func TestLayer4Revocation(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xca)
	app := e.deployApp(compose)
	_, certPEM, keyPEM := selfSigned(t, "*."+baseDomain)
	l4addr := heldAddr(t)
	l4 := map[string]any{"servers": map[string]any{"l4": map[string]any{"listen": []string{heldNetwork + "/" + l4addr}, "routes": []any{map[string]any{
		"match":  []any{map[string]any{"dstack": map[string]any{}}},
		"handle": []any{map[string]any{"handler": "tls"}, map[string]any{"handler": "dstack"}},
	}}}}}
	tlsApp := map[string]any{"certificates": map[string]any{"load_pem": []any{map[string]any{"certificate": certPEM, "key": keyPEM}}}}
	g := e.loadApps(e.dstackConfig(nil), proxyRoute(nil), map[string]any{"layer4": l4, "tls": tlsApp})
	c := e.bootCVM(app, compose, 1)
	c.ports[7002] = e.serveTCP(func(conn net.Conn) { // talks until cut off
		for {
			if _, err := conn.Write([]byte("tick")); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	c.mustRegister(g)
	dial := func() (*tls.Conn, error) {
		return tls.Dial("tcp", l4addr, &tls.Config{ServerName: hostOf(app, "-7002"), InsecureSkipVerify: true})
	}
	conn, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "tick" {
		t.Fatalf("%q %v", buf, err)
	}
	ended := make(chan error, 1)
	go func() {
		for {
			if _, err := conn.Read(buf); err != nil {
				ended <- err
				return
			}
		}
	}()
	e.revoke(app, compose)
	select {
	case <-ended:
	case <-time.After(time.Minute):
		t.Fatal("the layer4 connection still runs a minute after the revocation")
	}
	if after, err := dial(); err == nil {
		after.SetReadDeadline(time.Now().Add(time.Minute))
		if n, err := after.Read(buf); err == nil {
			t.Fatalf("a new connection after the revocation read %q", buf[:n])
		}
		after.Close()
	}
}

// terminatedL4 is a layer4 app on a free loopback port whose one route
// terminates TLS with a wildcard certificate of the base domain and hands
// the stream to the dstack handler (handler: its further options), with
// the tls app that holds the certificate.
func terminatedL4(t *testing.T, handler map[string]any) (string, map[string]any) {
	t.Helper()
	_, certPEM, keyPEM := selfSigned(t, "*."+baseDomain)
	addr := heldAddr(t)
	h := map[string]any{"handler": "dstack"}
	for k, v := range handler {
		h[k] = v
	}
	l4 := map[string]any{"servers": map[string]any{"l4": map[string]any{"listen": []string{heldNetwork + "/" + addr}, "routes": []any{map[string]any{
		"match":  []any{map[string]any{"dstack": map[string]any{}}},
		"handle": []any{map[string]any{"handler": "tls"}, h},
	}}}}}
	tlsApp := map[string]any{"certificates": map[string]any{"load_pem": []any{map[string]any{"certificate": certPEM, "key": keyPEM}}}}
	return addr, map[string]any{"layer4": l4, "tls": tlsApp}
}

// l4Echo sends "ping" through the terminated layer4 route at addr to
// name's port 7000 and returns what comes back (nothing when the route
// refuses).
func l4Echo(t *testing.T, addr string, name []byte) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: hostOf(name, "-7000"), InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("ping"))
	buf := make([]byte, 64)
	n, _ := conn.Read(buf)
	return string(buf[:n])
}

// TestLayer4RefusesForgeries: the terminated layer4 route dials as the
// transport does: a registered instance whose tunnel endpoint then
// presents a forged quote, another app's attestation, another instance's
// or a compose hash the chain does not allow is never reached, and the log
// says why.
func TestLayer4RefusesForgeries(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xcb)
	app := e.deployApp(compose)
	otherCompose := e.compose(0xcc)
	other := e.deployApp(otherCompose)
	l4addr, apps := terminatedL4(t, nil)
	g := e.loadApps(e.dstackConfig(nil), proxyRoute(nil), apps)
	for i, tc := range e.forgeries(other, otherCompose) {
		t.Run(tc.name, func(t *testing.T) {
			c := e.bootCVM(app, compose, 10+i)
			c.ports[7000] = e.tcpEcho()
			c.mustRegister(g)
			if got := l4Echo(t, l4addr, c.id.InstanceID); got != "echo:ping" {
				t.Fatalf("before: %q", got)
			}
			c.forge(tc)
			g.app.conns.close(hexKey(c.id.InstanceID))
			if got := l4Echo(t, l4addr, c.id.InstanceID); got != "" {
				t.Fatalf("forged: %q", got)
			}
			if !g.logContains(tc.log) {
				b, _ := os.ReadFile(g.logPath)
				t.Fatalf("log lacks %q:\n%s", tc.log, b)
			}
		})
	}
}
