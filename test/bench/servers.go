package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"
)

// backendBody is what the backend answers, and what every path must
// deliver.
const backendBody = "ok"

// benchDomain is the zone of the names clients ask for; the gateway's
// base domain.
const benchDomain = "dstack.test"

// certFiles is the one certificate every TLS listener serves: a
// self-signed ECDSA P-256 certificate for *.dstack.test, localhost and
// 127.0.0.1.
type certFiles struct {
	Cert, Key string
	Pool      *x509.CertPool
	pair      tls.Certificate
}

func writeCert(dir string) (*certFiles, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dstack-go bench"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		DNSNames: []string{"*." + benchDomain, "localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating the benchmark certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	c := &certFiles{Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem"), Pool: x509.NewCertPool()}
	if err := os.WriteFile(c.Cert, certPEM, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(c.Key, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if c.pair, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return nil, err
	}
	c.Pool.AppendCertsFromPEM(certPEM)
	return c, nil
}

// backend is the one backend every path ends at: "ok" over HTTP/1.1, on a
// plain listener and on a TLS listener (HTTP/2 off, so that every proxy
// speaks HTTP/1.1 to it).
type backend struct {
	plain, tls *http.Server
}

func okHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, backendBody)
}

// serveBackend serves the backend on the two listeners.
func serveBackend(plainLn, tlsLn net.Listener, cert tls.Certificate) *backend {
	b := &backend{
		plain: &http.Server{Handler: http.HandlerFunc(okHandler)},
		tls:   &http.Server{Handler: http.HandlerFunc(okHandler), TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}},
	}
	go b.plain.Serve(plainLn)
	go b.tls.Serve(tls.NewListener(tlsLn, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}))
	return b
}

func (b *backend) Close() error { return errors.Join(b.plain.Close(), b.tls.Close()) }

// listeners are loopback listeners this process opens for one child
// process, which inherits them (startProc) and serves each as "fd/N", in
// Caddy's syntax (listenAt): an address is never free between the two.
type listeners struct {
	addrs []string
	files []*os.File
}

// openListeners opens n loopback listeners.
func openListeners(n int) (*listeners, error) {
	l := &listeners{}
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			l.close()
			return nil, fmt.Errorf("listening on loopback: %w", err)
		}
		f, err := ln.(*net.TCPListener).File()
		ln.Close() // f holds the socket
		if err != nil {
			l.close()
			return nil, err
		}
		l.addrs, l.files = append(l.addrs, ln.Addr().String()), append(l.files, f)
	}
	return l, nil
}

// fd is how the child names listener i: its descriptors 0-2 are stdio.
func (l *listeners) fd(i int) string { return fmt.Sprintf("fd/%d", 3+i) }

// close closes this process's copies.
func (l *listeners) close() {
	for _, f := range l.files {
		f.Close()
	}
}

// listenAt listens on addr, or serves the listener inherited as "fd/N".
func listenAt(addr string) (net.Listener, error) {
	n, ok := strings.CutPrefix(addr, "fd/")
	if !ok {
		return net.Listen("tcp", addr)
	}
	fd, err := strconv.Atoi(n)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("listen address %q: not fd/N with N at least 3", addr)
	}
	f := os.NewFile(uintptr(fd), addr)
	defer f.Close() // the listener holds its own copy
	return net.FileListener(f)
}

// proc is a process the harness started; its output goes to a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startProc runs bin with args, its output in dir/name.log; the child
// inherits ls's listeners (nil: none), and this process's copies are
// closed.
func startProc(dir, name string, env []string, ls *listeners, bin string, args ...string) (*proc, error) {
	p := &proc{name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	// The process ends with this one, even when this one is killed.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if ls != nil {
		p.cmd.ExtraFiles = ls.files
		defer ls.close()
	}
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s (%s): %w", name, bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// logTail is the end of the process's log, for error messages.
func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.log)
	s := strings.TrimSpace(string(b))
	if len(s) > 1500 {
		s = "…" + s[len(s)-1500:]
	}
	return s
}

// stop ends the process: SIGTERM, then SIGKILL after five seconds.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// waitFor polls ready until it succeeds, the process exits or a minute
// passes.
func (p *proc) waitFor(what string, ready func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v) before %s:\n%s", p.name, p.err, what, p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: timed out waiting for %s: %w\n%s", p.name, what, err, p.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dialable(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}
}

// answersOK is a readiness check: t answers the backend's "ok".
func answersOK(t target, roots *x509.CertPool) func() error {
	return func() error {
		tr := &http.Transport{TLSClientConfig: &tls.Config{ServerName: t.Host, RootCAs: roots}, DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		req, _ := http.NewRequest(http.MethodGet, t.URL, nil)
		req.Host = t.Host
		res, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || string(b) != backendBody {
			return fmt.Errorf("answered %d %q", res.StatusCode, truncate(string(b), 200))
		}
		return nil
	}
}

// nginxConf is nginx as a TLS-terminating reverse proxy to the backend's
// TLS listener with a keep-alive upstream pool; no access log.
var nginxConf = template.Must(template.New("nginx").Parse(`# generated by test/bench
{{if .Root}}user root;{{end}}
worker_processes auto;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/nginx-error.log warn;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path {{.Dir}}/nginx-tmp/body;
	proxy_temp_path {{.Dir}}/nginx-tmp/proxy;
	fastcgi_temp_path {{.Dir}}/nginx-tmp/fastcgi;
	uwsgi_temp_path {{.Dir}}/nginx-tmp/uwsgi;
	scgi_temp_path {{.Dir}}/nginx-tmp/scgi;
	keepalive_requests 10000000;
	upstream backend {
		server {{.Backend}};
		keepalive 64;
	}
	server {
		listen {{.Listen}} ssl;
		server_name _;
		ssl_certificate {{.Cert}};
		ssl_certificate_key {{.Key}};
		ssl_protocols TLSv1.3;
		location / {
			proxy_pass https://backend;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_ssl_session_reuse on;
		}
	}
}
`))

// startNginx writes the configuration into dir and runs nginx in the
// foreground.
// nginx takes over ls's listener: it inherits it, named in the NGINX
// environment variable (as in its binary upgrade), and matches it to the
// listen directive of the same address.
func startNginx(dir, nginxBin string, ls *listeners, backendTLS string, cert *certFiles) (*proc, error) {
	if err := os.MkdirAll(filepath.Join(dir, "nginx-tmp"), 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	var b strings.Builder
	if err := nginxConf.Execute(&b, map[string]any{
		"Root": os.Geteuid() == 0, "Dir": dir, "Backend": backendTLS, "Listen": ls.addrs[0], "Cert": cert.Cert, "Key": cert.Key,
	}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return startProc(dir, "nginx", []string{"NGINX=3;"}, ls, nginxBin, "-p", dir, "-e", filepath.Join(dir, "nginx-error.log"), "-c", conf, "-g", "daemon off;")
}

// caddyServer is one HTTP server of a Caddy config: TLS with the bench
// certificate, one reverse_proxy handler.
func caddyServer(listen string, handler map[string]any) map[string]any {
	return map[string]any{
		"listen": []string{listen}, "protocols": []string{"h1"},
		"routes":                  []any{map[string]any{"handle": []any{handler}}},
		"tls_connection_policies": []any{map[string]any{}},
		"automatic_https":         map[string]any{"disable": true},
	}
}

// caddyConfig is a whole Caddy config: no admin endpoint, logs to a file,
// storage in dir, the servers and the bench certificate (if any), and
// extra apps.
func caddyConfig(dir, name string, servers map[string]any, cert *certFiles, apps map[string]any) ([]byte, error) {
	cfg := map[string]any{
		"admin":   map[string]any{"disabled": true, "config": map[string]any{"persist": false}},
		"storage": map[string]any{"module": "file_system", "root": filepath.Join(dir, name+"-storage")},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{
			"writer": map[string]any{"output": "file", "filename": filepath.Join(dir, name+"-caddy.log")}, "level": "INFO",
		}}},
		"apps": map[string]any{"http": map[string]any{"servers": servers}},
	}
	if cert != nil {
		cfg["apps"].(map[string]any)["tls"] = map[string]any{"certificates": map[string]any{"load_files": []any{map[string]any{"certificate": cert.Cert, "key": cert.Key}}}}
	}
	for k, v := range apps {
		cfg["apps"].(map[string]any)[k] = v
	}
	return json.MarshalIndent(cfg, "", "\t")
}

// plainProxy is Caddy's reverse_proxy to the backend's TLS listener (its
// certificate is not verified, as nginx's proxy_ssl_verify is off by
// default); keepAlive false opens a new upstream connection per request.
func plainProxy(backendTLS string, keepAlive bool) map[string]any {
	tr := map[string]any{"protocol": "http", "tls": map[string]any{"insecure_skip_verify": true}, "versions": []string{"1.1"}}
	if !keepAlive {
		tr["keep_alive"] = map[string]any{"enabled": false}
	}
	return map[string]any{"handler": "reverse_proxy", "upstreams": []any{map[string]any{"dial": backendTLS}}, "transport": tr}
}

// startCaddy writes config into dir and runs bin/caddy with it.
func startCaddy(dir, name, caddyBin string, config []byte, ls *listeners) (*proc, error) {
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, config, 0o600); err != nil {
		return nil, err
	}
	return startProc(dir, name, nil, ls, caddyBin, "run", "--config", path)
}

// runBackend is the backend child process's main.
func runBackend(ctx context.Context, args []string) error {
	if len(args) != 4 {
		return errors.New("usage: bench backend PLAIN_ADDR TLS_ADDR CERT KEY")
	}
	pair, err := tls.LoadX509KeyPair(args[2], args[3])
	if err != nil {
		return err
	}
	pl, err := listenAt(args[0])
	if err != nil {
		return err
	}
	tl, err := listenAt(args[1])
	if err != nil {
		return err
	}
	b := serveBackend(pl, tl, pair)
	<-ctx.Done()
	return b.Close()
}
