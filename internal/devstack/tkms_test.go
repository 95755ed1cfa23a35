package devstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"

	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/kms/threshold"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
)

// agentClient reaches the guest agent on its unix socket.
func agentClient(socket string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}}}
}

// getKey asks the guest agent at socket for GetKey of path.
// A connection the agent's relay drops before an answer (under TCG on a
// loaded machine, qemu's user network has been seen to) is tried again,
// and said; an answer is never retried.
func getKey(t *testing.T, socket, path string) string {
	t.Helper()
	var res *http.Response
	var err error
	for try := 1; ; try++ {
		res, err = agentClient(socket).Post("http://dstack/GetKey", "application/json", strings.NewReader(`{"path":"`+path+`"}`))
		if err == nil || try == 3 {
			break
		}
		t.Logf("GetKey, try %d: %v (trying again)", try, err)
		time.Sleep(time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var r struct {
		Key string `json:"key"`
	}
	if res.StatusCode != 200 || json.Unmarshal(b, &r) != nil || r.Key == "" {
		t.Fatalf("GetKey: %d %s", res.StatusCode, b)
	}
	return r.Key
}

// preParamsCache is a KMS cache (Options.KMSCache) holding n nodes'
// sealed pre-parameters, tss-lib's test fixtures, so that the nodes need
// not generate theirs.
func preParamsCache(t *testing.T, n int) string {
	t.Helper()
	cache := t.TempDir()
	fixtures, _, err := keygen.LoadKeygenTestFixtures(n)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("kms-%d", i+1)
		key, _ := hex.DecodeString(devSealingKey(name))
		b, err := threshold.SealPreParams(&fixtures[i].LocalPreParams, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cache, name+".preparams.sealed"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cache
}

// TestUpThresholdKMS: `dev up --kms-nodes 3 --kms-threshold 2` runs the
// DKG among three nodes and the demo CVM gets its keys from them
// (key-provider kms-threshold) and opens its encrypted env, encrypted to
// the key the nodes' GetAppEnvEncryptPubKey gives; another CVM of the app booted with one
// node stopped answers GetKey the same; with two stopped key release fails
// closed. The nodes' pre-parameters come from the cache, where tss-lib's
// test fixtures stand in for the ones a first run generates; a second run
// comes up from the committee's shares the first cached, without a DKG.
func TestUpThresholdKMS(t *testing.T) {
	if testing.Short() {
		t.Skip("a threshold dev stack runs a DKG: one to two minutes")
	}
	dir, cache := t.TempDir(), preParamsCache(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan State, 1)
	done := make(chan error, 1)
	stacks := make(chan *stack, 1)
	var out syncBuffer
	go func() {
		done <- Up(ctx, Options{Dir: dir, Listen: "127.0.0.1:0", InsecureBuiltinApp: true, Out: &out, Ready: ready,
			KMSNodes: 3, KMSThreshold: 2, KMSCache: cache, thresholdUp: func(s *stack) { stacks <- s }})
	}()
	start := time.Now()
	st := waitReady(t, ready, done, &out, 15*time.Minute)
	t.Logf("dev up with a 2-of-3 threshold KMS (pre-parameters cached): %s", time.Since(start))
	s := <-stacks
	if st.KMSThreshold == nil || len(st.KMSThreshold.URLs) != 3 {
		t.Fatalf("state: kms_threshold %+v", st.KMSThreshold)
	}
	log, err := os.ReadFile(st.RuntimeEventLog)
	if err != nil || !strings.Contains(string(log), base64.StdEncoding.EncodeToString([]byte(`{"name":"kms-threshold",`))) {
		t.Fatalf("the CVM's event log %s does not name kms-threshold (%v):\n%.3000s", st.RuntimeEventLog, err, log)
	}
	first := getKey(t, st.GuestSocket, "demo")
	// The app's env key came from the nodes' GetAppEnvEncryptPubKey (the
	// app's key under the committee's env root), and the demo shows the
	// GREETING of its env, which the CVM decrypted with two nodes' env
	// partials.
	ks, _, _, err := s.reader.ThresholdKeySet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want, err := ks.Env.AppPublicKey(s.gov.app.Bytes()); err != nil || !bytes.Equal(s.envPub, want[:]) {
		t.Fatalf("the stack's env key is not the app's key under the env root: %v", err)
	}
	roots, err := attest.ParseTrustRootsPEM(mustRead(t, st.InsecureTrustRoots))
	if err != nil {
		t.Fatal(err)
	}
	v := &ratls.Verifier{Attestation: attest.Options{InsecureTrustRoots: roots}}
	res, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: v.ClientConfig(nil)}}).Get(st.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "GREETING from the encrypted env: "+builtinEnv["GREETING"]) {
		t.Fatalf("the app does not show its env's GREETING:\n%s", body)
	}

	boot := func(name string) (*cvm, error) {
		return bootCVM(ctx, cvmConfig{dir: filepath.Join(dir, name), compose: s.compose, appID: s.gov.app.Bytes(), kmsURL: st.KMSURL, vmConfig: vmConfig(),
			pki: s.pki, chain: s.reader, log: s.log, envPubKey: s.envPub, builtin: true, threshold: st.KMSThreshold})
	}
	s.tkms.nodes[0].Stop(context.Background())
	c, err := boot("cvm-one-down")
	if err != nil {
		t.Fatalf("one node of three stopped: %v", err)
	}
	defer c.stop()
	if again := getKey(t, c.socket, "demo"); again != first {
		t.Fatal("GetKey changed with one node of three stopped")
	}
	s.tkms.nodes[1].Stop(context.Background())
	if _, err := boot("cvm-two-down"); !errors.Is(err, kmsclient.ErrThresholdNotMet) || !strings.Contains(err.Error(), "1 valid of the 2 needed") {
		t.Fatalf("two nodes of three stopped: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A second run reuses the committee's shares from the cache: no DKG,
	// the same key set.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	ready2, done2 := make(chan State, 1), make(chan error, 1)
	var out2 syncBuffer
	go func() {
		done2 <- Up(ctx2, Options{Dir: t.TempDir(), Listen: "127.0.0.1:0", InsecureBuiltinApp: true, Out: &out2, Ready: ready2,
			KMSNodes: 3, KMSThreshold: 2, KMSCache: cache})
	}()
	start = time.Now()
	st2 := waitReady(t, ready2, done2, &out2, 15*time.Minute)
	t.Logf("dev up again, shares cached: %s", time.Since(start))
	if !strings.Contains(out2.String(), "reusing the committee's shares") || strings.Contains(out2.String(), "running the DKG") {
		t.Fatalf("the second run did not reuse the cached shares:\n%s", out2.String())
	}
	if st2.KMSThreshold.KeySet.ID() != st.KMSThreshold.KeySet.ID() {
		t.Fatal("the second run has another key set")
	}
	cancel2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
}
