package test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// reader reads the stack's chain.
func (s *stack) reader(ctx context.Context) *chain.Reader {
	s.t.Helper()
	var id struct {
		ChainID uint64 `json:"chain_id"`
	}
	readJSON(s.t, filepath.Join(s.dir, "state.json"), &id)
	client, err := ethclient.DialContext(ctx, s.st.ChainRPC)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(client.Close)
	r, err := chain.New(ctx, client, chain.Config{ChainID: new(big.Int).SetUint64(id.ChainID), KmsContract: common.HexToAddress(s.st.KmsContract)})
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// pki is the stack's mock PKI: a TD on it is what a genuine CVM is here.
func (s *stack) pki() *mock.PKI {
	s.t.Helper()
	var seed struct {
		Seed string `json:"insecure_simulated_tee_seed"`
	}
	readJSON(s.t, filepath.Join(s.dir, "state.json"), &seed)
	p, err := mock.NewPKI([]byte(seed.Seed))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// bootTD boots a simulated TD of app and compose on pki, instance n, on
// the stack's OS image.
func (s *stack) bootTD(pki *mock.PKI, app, compose []byte, n byte) attest.Attester {
	t := s.t
	t.Helper()
	instance := bytes.Repeat([]byte{n}, 20)
	d, err := pki.BootTD(mock.Identity{AppID: app, ComposeHash: compose, InstanceID: instance, Config: s.st.VMConfig})
	if err != nil {
		t.Fatal(err)
	}
	return d.Attester()
}

// getAppKey asks the KMS at url for a's app keys, checking the KMS on chain.
func (s *stack) getAppKey(ctx context.Context, url string, a attest.Attester, opts attest.Options, r *chain.Reader) (*kmsclient.AppKeys, error) {
	kc, err := kmsclient.New(ctx, kmsclient.Config{URL: url, Attester: a, Attestation: opts, Chain: r})
	if err != nil {
		return nil, err
	}
	return kc.GetAppKey(ctx, s.st.VMConfig)
}

// TestKMSReplicaAndRevocation onboards a KMS replica from the stack's KMS
// (`dstack dev kms`): it serves the same keys to the same CVM — app keys,
// disk key, root CA key — and a second instance gets the same app keys with
// another disk key. Removing the KMS measurement on chain stops both
// KMSs serving — guests refuse them, and they refuse to serve — and adding
// it back lets them serve again.
func TestKMSReplicaAndRevocation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, filepath.Join(t.TempDir(), "stack"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	reader, pki := s.reader(ctx), s.pki()
	opts := pki.VerifyOptions()

	cmd := exec.Command(s.bin, "dev", "kms", "--dir", s.dir, "--name", "replica")
	logPath := filepath.Join(s.dir, "kms-replica.log")
	lf, _ := os.Create(logPath)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
	}()
	var rep struct {
		URL string `json:"kms_url"`
	}
	eventually(t, "the KMS replica to onboard", 2*time.Minute, func() bool {
		b, err := os.ReadFile(filepath.Join(s.dir, "extra-kms", "replica", "state.json"))
		select {
		case err := <-done:
			out, _ := os.ReadFile(logPath)
			t.Fatalf("dev kms exited: %v\n%s", err, out)
		default:
		}
		return err == nil && json.Unmarshal(b, &rep) == nil && rep.URL != ""
	})

	app, compose := hexBytes(t, s.st.AppID), hexBytes(t, s.st.ComposeHash)
	cvm1, cvm2 := s.bootTD(pki, app, compose, 1), s.bootTD(pki, app, compose, 2)
	first, err := s.getAppKey(ctx, s.st.KMSURL, cvm1, opts, reader)
	if err != nil {
		t.Fatal(err)
	}
	replica, err := s.getAppKey(ctx, rep.URL, cvm1, opts, reader)
	if err != nil {
		t.Fatalf("the replica: %v", err)
	}
	// The root CA certificate is issued by each KMS for itself; its key
	// (the key provider id measured into the CVMs) is the replicated one.
	if !bytes.Equal(first.RootCA.RawSubjectPublicKeyInfo, replica.RootCA.RawSubjectPublicKeyInfo) || !bytes.Equal(first.DiskCryptKey, replica.DiskCryptKey) ||
		!bytes.Equal(first.EnvCryptKey, replica.EnvCryptKey) || !bytes.Equal(first.K256Key, replica.K256Key) {
		t.Fatalf("the replica serves other keys than the KMS it was onboarded from: root CA key %v, disk %v, env %v, k256 %v",
			bytes.Equal(first.RootCA.RawSubjectPublicKeyInfo, replica.RootCA.RawSubjectPublicKeyInfo), bytes.Equal(first.DiskCryptKey, replica.DiskCryptKey),
			bytes.Equal(first.EnvCryptKey, replica.EnvCryptKey), bytes.Equal(first.K256Key, replica.K256Key))
	}
	second, err := s.getAppKey(ctx, rep.URL, cvm2, opts, reader)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(second.K256Key, first.K256Key) || !bytes.Equal(second.EnvCryptKey, first.EnvCryptKey) || bytes.Equal(second.DiskCryptKey, first.DiskCryptKey) {
		t.Fatal("a second instance: want the same app keys and another disk key")
	}
	s.checkAppKey(first.K256Key)

	// Revoke the KMSs' measurement on chain.
	mr := kmsMR(t, s, opts)
	s.chain("remove-kms-mr", mr)
	for _, u := range []string{s.st.KMSURL, rep.URL} {
		// A guest checks the KMS on chain before asking it anything.
		eventually(t, "guests to stop trusting a revoked KMS", time.Minute, func() bool {
			_, err := s.getAppKey(ctx, u, cvm1, opts, reader)
			return err != nil && strings.Contains(err.Error(), "not allowed on chain")
		})
		// The KMS itself, asked by a client that does not check it, refuses
		// too: it checks its own authorization before serving.
		eventually(t, "a revoked KMS to refuse to serve", time.Minute, func() bool {
			err := getAppKeyUnchecked(ctx, u, cvm1, s.st.VMConfig)
			return err != nil && strings.Contains(err.Error(), "not currently authorized to serve")
		})
	}
	// Allowed again, the KMS serves again: the refusals were the chain's.
	s.chain("add-kms-mr", mr)
	eventually(t, "the KMS to serve once allowed again", time.Minute, func() bool {
		return getAppKeyUnchecked(ctx, s.st.KMSURL, cvm1, s.st.VMConfig) == nil
	})
}

// checkAppKey checks that the app's GetKey("demo"), which it shows hashed,
// is the key tee/kdf derives from k256, the app key the KMS releases to
// the app.
func (s *stack) checkAppKey(k256 []byte) {
	s.t.Helper()
	guestKey, err := kdf.GuestKey(k256, "demo")
	if err != nil {
		s.t.Fatal(err)
	}
	code, body := s.get(s.st.AppHost, "/")
	if want := fmt.Sprintf("%x", sha256.Sum256([]byte(hex.EncodeToString(guestKey)))); code != http.StatusOK || field(body, "app_key_sha256") != want {
		s.t.Fatalf("the app's GetKey(\"demo\") hashes to %q, tee/kdf predicts %s (answer %d)", field(body, "app_key_sha256"), want, code)
	}
}

// getAppKeyUnchecked calls the KMS's GetAppKey with a's RA-TLS client
// certificate without verifying the KMS (or the chain): what the KMS itself
// decides.
func getAppKeyUnchecked(ctx context.Context, url string, a attest.Attester, vmConfig string) error {
	cert, err := ratls.Issue(ctx, a, ratls.CertOptions{Subject: "RA-TLS TEMP Cert", ClientAuth: true}, nil, nil)
	if err != nil {
		return err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{*cert}}}
	defer tr.CloseIdleConnections()
	c := &prpc.Client{BaseURL: url + "/prpc", HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	var resp kmsapi.AppKeyResponse
	return c.Call(ctx, "GetAppKey", &kmsapi.GetAppKeyRequest{APIVersion: 1, VMConfig: vmConfig}, &resp)
}

// kmsMR is the KMS's aggregated measurement, replayed from the attestation
// in its bootstrap info.
func kmsMR(t *testing.T, s *stack, opts attest.Options) string {
	t.Helper()
	var bi kmsapi.BootstrapInfo
	readJSON(t, filepath.Join(s.dir, "kms", "bootstrap-info.json"), &bi)
	att, _, err := wire.Decode(bi.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := attest.Verify(context.Background(), att, opts)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(kmsapi.BootInfoOf(ev, false).MrAggregated)
}
