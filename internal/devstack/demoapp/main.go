// Command demoapp is the development stack's demo app: a small HTTP
// service that `dstack dev up` builds (CGO_ENABLED=0, a static binary) into
// an OCI image and runs as a container in the CVM. It uses the guest agent
// the way an app does, through the socket mounted at /var/run/dstack.sock:
//
//	GET /           who it is (app id, instance id, version), a fingerprint
//	                of its app key from GetKey, and how many times an
//	                instance of it started on this data volume and the
//	                version that ran on it before this one
//	GET /evidence   the agent's GetQuote (?report_data=hex), for dstack verify
//
// It listens on 127.0.0.1:$PORT (default 8080; the tunnel relays to it) and keeps its start count in
// /data/starts and the version it runs in /data/version. It must never print a key: only a hash of it.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	version := flag.String("version", "v1", "version string shown at /")
	socket := flag.String("socket", "/var/run/dstack.sock", "guest agent socket")
	data := flag.String("data", "/data", "persistent data directory")
	flag.Parse()
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	agent := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", *socket)
		},
	}}
	call := func(ctx context.Context, method string, req, resp any) error {
		body, _ := json.Marshal(req)
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://dstack/"+method, bytes.NewReader(body))
		if err != nil {
			return err
		}
		hr.Header.Set("Content-Type", "application/json")
		res, err := agent.Do(hr)
		if err != nil {
			return fmt.Errorf("agent %s: %w", method, err)
		}
		defer res.Body.Close()
		out, err := io.ReadAll(io.LimitReader(res.Body, 10<<20))
		if err != nil {
			return fmt.Errorf("agent %s: %w", method, err)
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("agent %s: HTTP %d: %s", method, res.StatusCode, bytes.TrimSpace(out))
		}
		return json.Unmarshal(out, resp)
	}
	ctx := context.Background()
	var info struct {
		AppID      string `json:"app_id"`
		InstanceID string `json:"instance_id"`
	}
	if err := call(ctx, "Info", struct{}{}, &info); err != nil {
		log.Fatal(err)
	}
	var key struct {
		Key string `json:"key"`
	}
	if err := call(ctx, "GetKey", map[string]string{"path": "demo"}, &key); err != nil {
		log.Fatal(err)
	}
	fp := sha256.Sum256([]byte(key.Key))
	starts := 0
	countFile := filepath.Join(*data, "starts")
	if b, err := os.ReadFile(countFile); err == nil {
		starts, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	starts++
	if err := os.WriteFile(countFile, []byte(strconv.Itoa(starts)+"\n"), 0o600); err != nil {
		log.Fatalf("writing %s: %v", countFile, err)
	}
	previous := "none"
	versionFile := filepath.Join(*data, "version")
	if b, err := os.ReadFile(versionFile); err == nil {
		previous = strings.TrimSpace(string(b))
	}
	if err := os.WriteFile(versionFile, []byte(*version+"\n"), 0o600); err != nil {
		log.Fatalf("writing %s: %v", versionFile, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from a confidential app\napp_id %s\ninstance_id %s\nversion %s\napp_key_sha256 %x\nstarts %d\nprevious_version %s\n",
			info.AppID, info.InstanceID, *version, fp, starts, previous)
	})
	mux.HandleFunc("GET /evidence", func(w http.ResponseWriter, r *http.Request) {
		var q json.RawMessage
		w.Header().Set("Content-Type", "application/json")
		if err := call(r.Context(), "GetQuote", map[string]string{"report_data": r.URL.Query().Get("report_data")}, &q); err != nil {
			w.WriteHeader(http.StatusBadGateway)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_, _ = w.Write(q)
	})
	srv := &http.Server{Addr: "127.0.0.1:" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 30 * time.Second, MaxHeaderBytes: 32 << 10}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		<-sig
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	log.Printf("demo app %s listening on %s", *version, srv.Addr)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
