package kms_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/dstack-go/dstack/guestos/appenv"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/kms/threshold"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/wire"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// TestThresholdNodeFromConfig: three nodes run from configuration and
// their sealed shares; each has its RPC certificate signed by the
// committee's root CA, which the guest checks against the key published
// on chain; a CVM gets the same keys from any two, and with two nodes
// down it fails closed.
func TestThresholdNodeFromConfig(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	srvs, tk := s.ThresholdKMS(t)
	ks := tk.KeySet
	p, appID, instanceID := s.MeasuredCVM(t)
	id := ks.ID()
	urls := tk.URLs
	client, err := kmsclient.NewThreshold(context.Background(), kmsclient.ThresholdConfig{
		Nodes: urls, KeySet: ks, KeyProviderID: id[:],
		Node: kmsclient.Config{Attester: p, Attestation: s.Attestation, Chain: s.Reader, InsecureAllowUnboundOSImage: s.InsecureAllowUnboundOSImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := client.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
	if err != nil {
		t.Fatal(err)
	}
	// A method that needs the root keys is refused, saying what to ask.
	one, err := kmsclient.New(ctx, kmsclient.Config{URL: urls[0], Attester: p, Attestation: s.Attestation, Chain: s.Reader,
		InsecureAllowUnboundOSImage: s.InsecureAllowUnboundOSImage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := one.GetAppKey(ctx, s.VMConfig); err == nil || !strings.Contains(err.Error(), "GetAppKeyShares") {
		t.Fatalf("GetAppKey on a threshold node: %v", err)
	}

	// The co-signers sign a node's RPC certificate only for its own
	// identity key, with an attestation they verify.
	a := srvs["kms-a"].Service.ThresholdNode
	conn, err := tls.Dial("tcp", strings.TrimPrefix(urls[0], "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	own := conn.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo
	conn.Close()
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherSPKI, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	for _, tc := range []struct {
		name, seed, want string
		spki, attested   []byte
	}{
		{"another key", s.Seed, "own identity key", otherSPKI, otherSPKI},
		{"evidence of another PKI", "not the stack's PKI", "attestation", own, own},
		{"evidence for another key", s.Seed, "does not bind", own, otherSPKI},
	} {
		// Forget the node's signatures (its own RPC certificate is
		// cached by key).
		if err := a.SetShares(a.Shares()); err != nil {
			t.Fatal(err)
		}
		td, _, err := kms.SimulatedTEE(tc.seed, s.VMConfig)
		if err != nil {
			t.Fatal(err)
		}
		att, err := td.Attest(ctx, ratls.ReportData(tc.attested))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.SignRPCCert(ctx, tc.spki, "127.0.0.1", att); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}

	// The co-signers certify an app CA key only with the app's evidence
	// binding that key.
	spkiOf := func(k *ecdsa.PrivateKey) []byte { b, _ := x509.MarshalPKIXPublicKey(&k.PublicKey); return b }
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name     string
		attested []byte
		want     string
	}{
		{"evidence for another key", otherSPKI, "does not bind"},
		{"the app's evidence for the key", spkiOf(caKey), ""},
	} {
		att, err := p.Attest(ctx, ratls.ReportData(tc.attested))
		if err != nil {
			t.Fatal(err)
		}
		enc, err := wire.Encode(att)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.SignAppCACert(ctx, appID, &caKey.PublicKey, enc)
		if (tc.want == "" && err != nil) || (tc.want != "" && (!errors.Is(err, threshold.ErrRefused) || !strings.Contains(err.Error(), tc.want))) {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}

	// And vouch for an app's k256 key (dstack-kms-issued) only with the
	// app's evidence binding that key; the signature recovers to the k256
	// root.
	k256, _ := ethcrypto.GenerateKey()
	otherK256, _ := ethcrypto.GenerateKey()
	for _, tc := range []struct {
		name     string
		attested []byte
		want     string
	}{
		{"evidence for another key", ethcrypto.CompressPubkey(&otherK256.PublicKey), "does not bind"},
		{"evidence binding it as an RA-TLS key", nil, "does not bind"},
		{"the app's evidence for the key", ethcrypto.CompressPubkey(&k256.PublicKey), ""},
	} {
		rd := ratls.ReportData(ethcrypto.CompressPubkey(&k256.PublicKey))
		if tc.attested != nil {
			rd = kmsapi.KmsIssuedReportData(tc.attested)
		}
		att, err := p.Attest(ctx, rd)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := wire.Encode(att)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := a.SignKmsIssued(ctx, appID, &k256.PublicKey, enc)
		if (tc.want == "" && err != nil) || (tc.want != "" && (!errors.Is(err, threshold.ErrRefused) || !strings.Contains(err.Error(), tc.want))) {
			t.Fatalf("kms-issued, %s: %v", tc.name, err)
		}
		if tc.want == "" {
			got, err := ethcrypto.SigToPub(ethcrypto.Keccak256(kdf.KmsIssuedMessage(appID, &k256.PublicKey)), sig)
			if err != nil || !bytes.Equal(ethcrypto.CompressPubkey(got), ks.K256Pubkey) {
				t.Fatalf("the kms-issued signature does not recover to the k256 root: %v", err)
			}
		}
	}
	// Through a node's RPC, as the CVM asks: the node checks the evidence
	// itself before any co-signer is asked.
	appK256, _ := ethcrypto.GenerateKey()
	for _, tc := range []struct {
		name     string
		attested []byte
		want     string
	}{
		{"evidence for another key", ethcrypto.CompressPubkey(&otherK256.PublicKey), "the attestation does not bind the key"},
		{"the CVM's evidence for its key", ethcrypto.CompressPubkey(&appK256.PublicKey), ""},
	} {
		att, err := p.Attest(ctx, kmsapi.KmsIssuedReportData(tc.attested))
		if err != nil {
			t.Fatal(err)
		}
		enc, err := wire.Encode(att)
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.SignKmsIssued(ctx, appID, &appK256.PublicKey, enc)
		if (tc.want == "" && err != nil) || (tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "threshold signing failed"))) {
			t.Fatalf("SignKmsIssued, %s: %v", tc.name, err)
		}
	}

	checkThresholdEnv(t, client, urls, ks, appID, instanceID, s.VMConfig)

	srvs["kms-a"].Stop(ctx)
	again, err := client.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
	if err != nil {
		t.Fatalf("one node of three down: %v", err)
	}
	if again.DiskCryptKey != first.DiskCryptKey || again.K256Key != first.K256Key || again.EnvCryptKey != first.EnvCryptKey {
		t.Fatal("the keys changed with one node down")
	}
	srvs["kms-b"].Stop(ctx)
	if _, err := client.GetAppKeys(ctx, appID, instanceID, s.VMConfig); !errors.Is(err, kmsclient.ErrThresholdNotMet) {
		t.Fatalf("two nodes of three down: %v", err)
	}
}

// TestThresholdNodeOtherSealingKey: a node whose sealing key is not the
// one that sealed its share cannot read it, and says so.
func TestThresholdNodeOtherSealingKey(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	dir := guesttest.ThresholdFixture(t)["kms-a"]
	urls := map[string]string{"kms-a": "https://127.0.0.1:1", "kms-b": "https://127.0.0.1:2", "kms-c": "https://127.0.0.1:3"}
	cfg := s.ThresholdConfig(dir, "kms-a", urls)
	cfg.SealingKeyHex = strings.Repeat("08", 32)
	cfg.Threshold.PeerListen = "127.0.0.1:0"
	srv, err := kms.NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())
	err = srv.Ready(context.Background())
	if !errors.Is(err, threshold.ErrUnseal) || !strings.Contains(err.Error(), "sealing key is not the one that sealed it") {
		t.Fatalf("another sealing key: %v", err)
	}
}

// TestThresholdNodeDKG: three nodes with no shares run the DKG among
// themselves on first start (their pre-parameters pre-sealed from
// tss-lib's test fixtures, which spares minutes of safe-prime search),
// seal their shares, agree on the public record, and come up again from
// what they sealed.
func TestThresholdNodeDKG(t *testing.T) {
	if testing.Short() {
		t.Skip("a DKG among three nodes takes from 20 seconds (idle) to minutes (busy machine)")
	}
	s := guesttest.New(t, guesttest.ComposeHash())
	fixtures, _, err := keygen.LoadKeygenTestFixtures(3)
	if err != nil {
		t.Fatal(err)
	}
	sealingKey, _ := hex.DecodeString(guesttest.ThresholdSealingKey)
	names := guesttest.ThresholdNames
	lns, urls, dirs := map[string]net.Listener{}, map[string]string{}, map[string]string{}
	for i, n := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[n], urls[n], dirs[n] = ln, "https://"+ln.Addr().String(), t.TempDir()
		b, err := threshold.SealPreParams(&fixtures[i].LocalPreParams, sealingKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirs[n], "threshold-preparams.sealed"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	var srvs []*kms.Server
	for _, n := range names {
		srv, err := kms.NewServer(context.Background(), s.ThresholdConfig(dirs[n], n, urls), nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.PeerListener = lns[n]
		if err := srv.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		srvs = append(srvs, srv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	for i, srv := range srvs {
		if err := srv.Ready(ctx); err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
	}
	t.Logf("DKG 2-of-3 from configuration, root CA and RPC certificates: %s", time.Since(start))
	var ids []string
	for i, n := range names {
		pub, err := kms.ReadThresholdPublic(dirs[n])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pub.KeySetID)
		if ids[i] != ids[0] {
			t.Fatalf("%s publishes key set %s, kms-a %s", n, ids[i], ids[0])
		}
		srvs[i].Stop(context.Background())
	}
	// A restart unseals the shares: no DKG (the pre-parameters are gone,
	// which a second DKG would need), the same key set.
	for _, n := range names {
		if err := os.Remove(filepath.Join(dirs[n], "threshold-preparams.sealed")); err != nil {
			t.Fatal(err)
		}
	}
	again := s.StartThresholdNodes(t, dirs)
	if got := again["kms-c"].Service.ThresholdNode.Shares(); got == nil {
		t.Fatal("no shares after restart")
	} else if ks, err := got.KeySet(); err != nil {
		t.Fatal(err)
	} else if id := ks.ID(); hex.EncodeToString(id[:]) != ids[0] {
		t.Fatal("another key set after restart")
	}
}

// checkThresholdEnv is the env flow against threshold nodes: the app's env
// key, as upstream's SDK fetches it before deploying, from any node
// (unauthenticated), signed by the committee so that it recovers to the
// k256 root of the key set, the same from every node and the app's key
// under the env root; an env encrypted to it opens in the CVM with two
// nodes' env partials.
func checkThresholdEnv(t *testing.T, client *kmsclient.Threshold, urls []string, ks *tkey.KeySet, appID, instanceID []byte, vmConfig string) {
	t.Helper()
	ctx := context.Background()
	// No TLS check: the response is authenticated by its signature.
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var pub []byte
	for _, u := range urls {
		var res kmsapi.PublicKeyResponse
		if err := (&prpc.Client{BaseURL: u + "/prpc", HTTP: hc}).Call(ctx, "GetAppEnvEncryptPubKey", &kmsapi.AppID{AppID: appID}, &res); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if err := kmsclient.VerifyEnvPubKey(&res, appID, ks.K256Pubkey); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if pub != nil && !bytes.Equal(pub, res.PublicKey) {
			t.Fatalf("%s gives another env key", u)
		}
		pub = res.PublicKey
		// A signature over another key does not pass the check.
		forged := res
		forged.PublicKey = bytes.Repeat([]byte{9}, 32)
		if err := kmsclient.VerifyEnvPubKey(&forged, appID, ks.K256Pubkey); err == nil {
			t.Fatal("the signature verifies for another key")
		}
	}
	// An app id not registered on chain costs the committee no signature.
	var res kmsapi.PublicKeyResponse
	err := (&prpc.Client{BaseURL: urls[0] + "/prpc", HTTP: hc}).Call(ctx, "GetAppEnvEncryptPubKey", &kmsapi.AppID{AppID: bytes.Repeat([]byte{0x77}, 20)}, &res)
	if err == nil || !strings.Contains(err.Error(), "is not registered with this KMS") {
		t.Fatalf("the env key of an unregistered app: %v", err)
	}
	want, err := ks.Env.AppPublicKey(appID)
	if err != nil || !bytes.Equal(pub, want[:]) {
		t.Fatalf("the served env key is not the app's key under the env root: %v", err)
	}
	b, err := appenv.Encrypt([]appenv.Var{{Key: "GREETING", Value: "hello"}}, pub)
	if err != nil {
		t.Fatal(err)
	}
	e, err := hostinput.ParseEncryptedEnv(b)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := client.GetAppKeysAndEnv(ctx, appID, instanceID, vmConfig, e.EphemeralPublic[:])
	if err != nil {
		t.Fatal(err)
	}
	d, err := appenv.DecryptShared(e, keys.EnvSecret, []string{"GREETING"})
	if err != nil || d.Env["GREETING"] != "hello" {
		t.Fatalf("the env encrypted to the served key: %v", err)
	}
}
