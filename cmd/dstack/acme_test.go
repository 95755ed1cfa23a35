package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestACMERotateCallsAdmin: `dstack acme rotate` POSTs to the admin API's
// rotate endpoint over a unix socket, and a refusal is exit code 1.
func TestACMERotateCallsAdmin(t *testing.T) {
	dir, err := os.MkdirTemp("", "adm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "admin.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.RequestURI())
		if r.URL.Query().Get("base_domain") == "none.test" {
			http.Error(w, `{"error":"no dstack_acme issuer in the running config matches"}`, http.StatusNotFound)
			return
		}
		w.Write([]byte(`[{"base_domain":"gw.test","account_uri":"https://ca/acct/2","previous_account_uri":"https://ca/acct/1"}]` + "\n"))
	})}
	go srv.Serve(l)
	defer srv.Close()

	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetArgs([]string{"acme", "rotate", "--admin", "unix/" + sock, "--base-domain", "gw.test"})
	if err := rootCmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "https://ca/acct/2") || len(got) != 1 || got[0] != "POST /dstack/acme/rotate?base_domain=gw.test" {
		t.Fatalf("out %q, requests %q", out.String(), got)
	}
	rootCmd.SetArgs([]string{"acme", "rotate", "--admin", "unix/" + sock, "--base-domain", "none.test"})
	err = rootCmd.Execute()
	var ee *exitError
	if err == nil || !strings.Contains(err.Error(), "no dstack_acme issuer") || !asExit(err, &ee) || ee.code != 1 {
		t.Fatalf("refused rotation: %v", err)
	}
}

func asExit(err error, ee **exitError) bool {
	e, ok := err.(*exitError)
	*ee = e
	return ok
}
