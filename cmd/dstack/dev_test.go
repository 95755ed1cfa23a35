package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestDevUp starts the development stack, checks that the app answers over
// RA-TLS whose certificate verifies with the mock roots, and that its
// evidence verifies with `dstack verify`.
func TestDevUp(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan devState, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- devUp(ctx, &out, devOptions{dir: dir, listen: "127.0.0.1:0", insecureBuiltinApp: true}, ready)
	}()
	var st devState
	select {
	case st = <-ready:
	case err := <-done:
		t.Fatalf("dev up: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("dev up did not become ready")
	}
	roots, err := attest.ParseTrustRootsPEM(mustRead(t, st.InsecureTrustRoots))
	if err != nil {
		t.Fatal(err)
	}
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: roots}}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil)}}
	res, err := client.Get(st.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), st.AppID) || !strings.Contains(string(body), "keys from the KMS") || st.KMSURL == "" || st.ChainRPC == "" || st.KmsContract == "" {
		t.Fatalf("app answered %q", body)
	}
	// The server's RA-TLS certificate carries the app's identity.
	conn, err := tls.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(st.AppURL, "https://"), "/"), v.ClientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Claims(conn.ConnectionState())
	conn.Close()
	if err != nil || claims.Evidence.InstanceID == nil {
		t.Fatalf("claims %+v: %v", claims, err)
	}
	res, err = client.Get(st.EvidenceURL + "?report_data=0102")
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := io.ReadAll(res.Body)
	res.Body.Close()
	evPath := filepath.Join(dir, "evidence.json")
	os.WriteFile(evPath, ev, 0o600)
	var vout, verr bytes.Buffer
	if err := runVerify(context.Background(), &vout, &verr, evPath, verifyFlags{insecureRoots: st.InsecureTrustRoots, collateralDir: st.Collateral}); err != nil {
		t.Fatalf("dstack verify: %v\n%s", err, vout.String())
	}
	var vd verdict
	json.Unmarshal(vout.Bytes(), &vd)
	if !vd.Valid || !strings.Contains(string(vd.KeyProvider), `"kms"`) || vd.TCBStatus != "UpToDate" || vd.AppID != st.AppID || vd.ComposeHash != st.ComposeHash || vd.InstanceID != st.InstanceID || !strings.HasPrefix(vd.ReportData, "0102") {
		t.Fatalf("verdict %+v, state %+v", vd, st)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); !os.IsNotExist(err) {
		t.Fatal("state.json left behind")
	}
}

func TestDevUpRefusesNonLoopback(t *testing.T) {
	err := devUp(context.Background(), io.Discard, devOptions{dir: t.TempDir(), listen: "0.0.0.0:0"}, nil)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("error %v", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDevUpPortTaken: a taken gateway port is named, with what to do, and
// nothing is started.
func TestDevUpPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out bytes.Buffer
	err = devUp(context.Background(), &out, devOptions{dir: t.TempDir(), listen: ln.Addr().String(), insecureBuiltinApp: true}, nil)
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()+" is taken") || !strings.Contains(err.Error(), "--listen") || strings.Contains(out.String(), "==>") {
		t.Fatalf("error %v, output %q", err, out.String())
	}
}

// TestUserCompose: a docker-compose file is wrapped into an app-compose
// that asks for the KMS and the gateway; an app-compose.json is taken as is.
func TestUserCompose(t *testing.T) {
	dir := t.TempDir()
	yml := filepath.Join(dir, "docker-compose.yml")
	os.WriteFile(yml, []byte("services:\n  web:\n    image: example@sha256:"+strings.Repeat("0", 64)+"\n"), 0o600)
	b, err := readUserCompose(yml)
	if err != nil {
		t.Fatal(err)
	}
	c, err := identity.ParseAppCompose(b)
	if err != nil || !c.GatewayOn() || c.KeyProviderKind() != identity.KeyProviderKMS || !strings.Contains(c.DockerComposeFile, "services:") {
		t.Fatalf("%s: %+v %v", b, c, err)
	}
	js := filepath.Join(dir, "app-compose.json")
	os.WriteFile(js, b, 0o600)
	if again, err := readUserCompose(js); err != nil || !bytes.Equal(again, b) {
		t.Fatalf("app-compose.json not taken as is: %v", err)
	}
}
