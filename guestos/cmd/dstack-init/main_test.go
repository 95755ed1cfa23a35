package main

import (
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

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/measure/measuretest/imagedir"
)

func TestParseFlags(t *testing.T) {
	req := []string{"--chain-rpc", "http://127.0.0.1:8545", "--chain-id", "1337", "--kms-contract", "0x" + strings.Repeat("11", 20)}
	dev := append(req, "--insecure-plain-data-dir", "/tmp/d", "--insecure-demo-app", "127.0.0.1:0")
	if o, err := parseFlags(append(dev, "--kms-url", "https://a", "--kms-url", "https://b")); err != nil || len(o.kmsURLs) != 2 || o.socket != "/var/run/dstack.sock" {
		t.Fatalf("%+v %v", o, err)
	}
	if o, err := parseFlags(append(append([]string{}, req...), "--data-device", "/dev/vdb")); err != nil || o.dataMount != "/dstack/persistent" {
		t.Fatalf("%+v %v", o, err)
	}
	// Without the demo app, the compose app runs as containers.
	if o, err := parseFlags(append(append([]string{}, req...), "--insecure-plain-data-dir", "d")); err != nil || o.insecureDemoApp != "" || o.containerState != "/var/lib/dstack/containers" || o.tunnelListen != "0.0.0.0:0" {
		t.Fatalf("%+v %v", o, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--chain-rpc"},
		{append(append([]string{}, dev[:4]...), "--kms-contract", "nope", "--insecure-plain-data-dir", "d", "--insecure-demo-app", "a"), "not an address"},
		{req, "encrypted data disk"},
		{append(append([]string{}, dev...), "extra"), "unexpected arguments"},
		{append(append([]string{}, dev...), "--data-device", "/dev/vdb"), "exclude each other"},
	} {
		if _, err := parseFlags(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// TestRun boots a guest in process mode on the simulated TEE: the agent
// answers on its socket and the demo app over TLS; the guest stops with
// its context. With a compose hash the chain does not allow, run fails
// and nothing listens.
func TestRun(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	dir, _ := os.MkdirTemp("", "init")
	t.Cleanup(func() { os.RemoveAll(dir) })
	o := &options{
		hostShared: s.HostShared(t, guesttest.Compose, nil), runDir: filepath.Join(dir, "run"), socket: filepath.Join(dir, "dstack.sock"),
		insecureSimulatedTEE: s.Seed, insecurePlainDataDir: filepath.Join(dir, "data"), insecureDemoApp: "127.0.0.1:0",
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *running, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, o, zap.NewNop(), s.Reader, ready) }()
	var r *running
	select {
	case r = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(2 * time.Minute):
		t.Fatal("not ready")
	}
	agentClient := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", o.socket)
	}}}
	res, err := agentClient.Post("http://dstack/Info", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		AppID string `json:"app_id"`
	}
	json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if info.AppID != strings.ToLower(s.AppID.Hex()[2:]) {
		t.Fatalf("Info app_id %q", info.AppID)
	}
	web := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err = web.Get("https://" + r.app.(*boot.DemoApp).Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), info.AppID) {
		t.Fatalf("demo app: %s", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.socket); !os.IsNotExist(err) {
		t.Fatal("socket left behind")
	}

	refused := guesttest.New(t, [32]byte{1})
	o.hostShared = refused.HostShared(t, guesttest.Compose, nil)
	o.insecureSimulatedTEE = refused.Seed
	err = run(context.Background(), o, zap.NewNop(), refused.Reader, nil)
	if err == nil || !strings.Contains(err.Error(), "Compose hash not allowed") {
		t.Fatalf("refused boot: %v", err)
	}
	if _, err := os.Stat(o.socket); !os.IsNotExist(err) {
		t.Fatal("agent served after a refused boot")
	}
}

// TestSimulatedTDOfTheHostsBoot: the simulated TD reports the boot
// measurement the host's sys-config carries (the image it booted), the
// development image's without one, and a malformed one stops the boot.
func TestSimulatedTDOfTheHostsBoot(t *testing.T) {
	pki, err := mock.NewPKI([]byte("simulated td"))
	if err != nil {
		t.Fatal(err)
	}
	_, im := imagedir.Write(t, "")
	b, err := mock.MeasureImageBoot(im, measure.ShapeOf(&mock.DevImageVMShape))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	sys := func(boot json.RawMessage) *hostinput.SysConfig {
		return &hostinput.SysConfig{Guest: &hostinput.GuestSettings{InsecureSimulatedTEE: &hostinput.SimulatedTEE{Seed: "x", Boot: boot}}}
	}
	td, err := simulatedTD(pki, sys(raw), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if r := td.RTMRs(); td.MRTD() != b.MRTD || [3][48]byte(r[:3]) != b.RTMR {
		t.Fatalf("the TD does not report the host's boot measurement: %v", err)
	}
	dev := mock.DevBoot()
	if td, err := simulatedTD(pki, &hostinput.SysConfig{}, zap.NewNop()); err != nil || td.MRTD() != dev.MRTD {
		t.Fatalf("without a boot measurement: %v", err)
	}
	if _, err := simulatedTD(pki, sys(json.RawMessage(`{"mrtd":"00"}`)), zap.NewNop()); err == nil {
		t.Fatal("a malformed boot measurement was accepted")
	}
}
