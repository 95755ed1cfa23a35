// Package test holds the end-to-end tests: real processes of the
// project's binaries talking over loopback.
package test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildDstack builds cmd/dstack into dir.
func buildDstack(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "dstack")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/dstack")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type devState struct {
	AppURL             string `json:"app_url"`
	EvidenceURL        string `json:"evidence_url"`
	AppID              string `json:"app_id"`
	KMSURL             string `json:"kms_url"`
	ChainRPC           string `json:"chain_rpc"`
	InsecureTrustRoots string `json:"insecure_trust_roots"`
	Collateral         string `json:"collateral"`
}

// up starts `dstack dev up` and waits for its state file.
func up(t *testing.T, bin, dir string) (*exec.Cmd, devState) {
	t.Helper()
	cmd := exec.Command(bin, "dev", "up", "--dir", dir, "--listen", "127.0.0.1:0")
	log, _ := os.Create(filepath.Join(dir, "up.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "state.json")); err == nil {
			var st devState
			if json.Unmarshal(b, &st) == nil {
				return cmd, st
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	cmd.Process.Kill()
	out, _ := os.ReadFile(filepath.Join(dir, "up.log"))
	t.Fatalf("dev up did not become ready:\n%s", out)
	return nil, devState{}
}

func listening(u string) bool {
	host := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	host = strings.TrimSuffix(strings.SplitN(host, "/", 2)[0], "/")
	c, err := net.DialTimeout("tcp", host, time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// TestDevStackProcesses runs the README's main command as a process: the
// app answers, its evidence verifies with `dstack verify`, `dstack dev down`
// stops everything and leaves no listener, and a second up works.
func TestDevStackProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	tmp := t.TempDir()
	bin := buildDstack(t, tmp)
	dir := filepath.Join(tmp, "stack")
	for round := 1; round <= 2; round++ {
		cmd, st := up(t, bin, dir)
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		res, err := client.Get(st.AppURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), st.AppID) {
			t.Fatalf("round %d: app answered %q", round, body)
		}
		res, err = client.Get(st.EvidenceURL)
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := io.ReadAll(res.Body)
		res.Body.Close()
		evPath := filepath.Join(tmp, "evidence.json")
		os.WriteFile(evPath, ev, 0o600)
		out, err := exec.Command(bin, "verify", "--insecure-trust-roots", st.InsecureTrustRoots, "--collateral", st.Collateral, evPath).Output()
		if err != nil {
			t.Fatalf("round %d: dstack verify: %v\n%s", round, err, out)
		}
		var vd struct {
			Valid     bool   `json:"valid"`
			AppID     string `json:"app_id"`
			TCBStatus string `json:"tcb_status"`
		}
		if err := json.Unmarshal(out, &vd); err != nil || !vd.Valid || vd.AppID != st.AppID || vd.TCBStatus != "UpToDate" {
			t.Fatalf("round %d: verdict %s", round, out)
		}
		if out, err := exec.Command(bin, "dev", "down", "--dir", dir).CombinedOutput(); err != nil {
			t.Fatalf("dev down: %v\n%s", err, out)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-ctx.Done():
			cmd.Process.Kill()
			t.Fatal("dev up did not exit after dev down")
		}
		cancel()
		for _, u := range []string{st.AppURL, st.KMSURL, st.ChainRPC} {
			if listening(u) {
				t.Fatalf("round %d: %s still listening after dev down", round, u)
			}
		}
	}
}
