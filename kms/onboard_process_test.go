package kms

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// TestOnboardAcrossProcesses bootstraps a KMS server in this process and
// onboards a second KMS, a `dstack-kms run` process of its own, from it
// over mutual RA-TLS. Each checks the other against a static policy that
// allows the KMS measurement; then the same attested app asks both for its
// keys, and every derived key is byte-identical.
func TestOnboardAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs dstack-kms")
	}
	const seed = "onboard across processes"
	dir := t.TempDir()
	bin := filepath.Join(dir, "dstack-kms")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build dstack-kms with")
	}
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/dstack-kms")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building dstack-kms: %v\n%s", err, out)
	}

	// The policy both KMSs use: the simulated KMS's measurement, and one app.
	vmConfig := mock.DevVMConfig()
	attester, opts, err := SimulatedTEE(seed, vmConfig)
	if err != nil {
		t.Fatal(err)
	}
	self := &Self{Attester: attester, Attestation: opts, Config: vmConfig}
	ev, err := self.Evidence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pki, _ := mock.NewPKI([]byte(seed))
	app := bootCVM(t, pki, 0x30)
	policy := StaticPolicy{
		OSImages: []string{osImage}, GatewayAppID: "gw",
		KMS:  StaticKMSPolicy{MrAggregated: []string{hex.EncodeToString(kmsapi.BootInfoOf(ev, false).MrAggregated)}, AllowAnyDevice: true},
		Apps: map[string]AppPolicy{hex.EncodeToString(app.appID): {ComposeHashes: []string{hex.EncodeToString(app.composeHash)}, AllowAnyDevice: true}},
	}
	policyFile := filepath.Join(dir, "policy.json")
	writeJSON(t, policyFile, policy)

	cfg := Config{Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: filepath.Join(dir, "source"), VMConfig: vmConfig,
		InsecureSimulatedTEE: seed, Auth: AuthConfig{Static: policyFile}}
	source, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := source.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer source.Stop(context.Background())

	// The replica picks its port and logs the URL it serves at.
	replicaCfg := cfg
	replicaCfg.StateDir, replicaCfg.OnboardFrom = filepath.Join(dir, "replica"), source.URL
	replicaFile := filepath.Join(dir, "replica.json")
	writeJSON(t, replicaFile, replicaCfg)
	logs := replicaLog{filepath.Join(dir, "replica.log")}
	lf, err := os.Create(logs.path)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	proc := exec.Command(bin, "run", "--config", replicaFile)
	proc.Stdout, proc.Stderr = lf, lf
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	defer func() {
		_ = proc.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = proc.Process.Kill()
			<-exited
		}
	}()

	client := func(url string) *prpc.Client {
		v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: opts.InsecureTrustRoots, Collateral: opts.Collateral}}
		return &prpc.Client{BaseURL: url + "/prpc", HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: v.ClientConfig(app.clientCert(t))}}}
	}
	deadline := time.Now().Add(2 * time.Minute)
	serving := regexp.MustCompile(`KMS serving.*(https://127\.0\.0\.1:[0-9]+)`)
	var replicaURL string
	for replicaURL == "" {
		if m := serving.FindStringSubmatch(logs.String()); m != nil {
			replicaURL = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica logs no URL it serves at:\n%s", logs.String())
		}
		select {
		case werr := <-exited:
			exited <- werr
			t.Fatalf("the replica exited (%v) before serving:\n%s", werr, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	replica := client(replicaURL)
	for {
		err := replica.Call(context.Background(), "GetMeta", &kmsapi.Empty{}, &kmsapi.GetMetaResponse{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica does not answer: %v\n%s", err, logs.String())
		}
		select {
		case werr := <-exited:
			exited <- werr
			t.Fatalf("the replica exited (%v) before answering: %v\n%s", werr, err, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
	}

	var a, b kmsapi.AppKeyResponse
	if err := client(source.URL).Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &a); err != nil {
		t.Fatal(err)
	}
	if err := replica.Call(context.Background(), "GetAppKey", &kmsapi.GetAppKeyRequest{}, &b); err != nil {
		t.Fatalf("replica GetAppKey: %v\n%s", err, logs.String())
	}
	for _, k := range []struct {
		name string
		a, b []byte
	}{{"disk_crypt_key", a.DiskCryptKey, b.DiskCryptKey}, {"env_crypt_key", a.EnvCryptKey, b.EnvCryptKey},
		{"k256_key", a.K256Key, b.K256Key}, {"k256_signature", a.K256Signature, b.K256Signature}} {
		if len(k.a) == 0 || !bytes.Equal(k.a, k.b) {
			t.Errorf("%s differs: source %x, replica %x", k.name, k.a, k.b)
		}
	}
	caA, _ := pemBytes(a.CACert, "CERTIFICATE")
	caB, _ := pemBytes(b.CACert, "CERTIFICATE")
	if pa, pb := publicKeyOf(t, caA), publicKeyOf(t, caB); !bytes.Equal(pa, pb) {
		t.Error("the replica's root CA has another key")
	}
	var pa, pb kmsapi.PublicKeyResponse
	req := &kmsapi.AppID{AppID: app.appID}
	if err := client(source.URL).Call(context.Background(), "GetAppEnvEncryptPubKey", req, &pa); err != nil {
		t.Fatal(err)
	}
	if err := replica.Call(context.Background(), "GetAppEnvEncryptPubKey", req, &pb); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pa.PublicKey, pb.PublicKey) || !bytes.Equal(pa.Signature, pb.Signature) {
		t.Error("env encryption public keys or their signatures differ")
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func publicKeyOf(t *testing.T, der []byte) []byte {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c.RawSubjectPublicKeyInfo
}

// replicaLog is the file a process writes its output to; String reads it.
type replicaLog struct{ path string }

func (l replicaLog) String() string {
	b, _ := os.ReadFile(l.path)
	return string(b)
}
