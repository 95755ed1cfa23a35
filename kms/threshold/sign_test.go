package threshold

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
)

var testAppID = bytes.Repeat([]byte{0xa1}, 20)

func TestAppCACertChain(t *testing.T) {
	c := loaded(t)
	a := c.nodes["kms-a"]
	root, err := x509.ParseCertificate(a.Shares().RootCert)
	if err != nil {
		t.Fatal(err)
	}
	caDER, _ := a.Shares().CAPublicKeyDER()
	if !bytes.Equal(root.RawSubjectPublicKeyInfo, caDER) || root.Subject.CommonName != "Dstack KMS CA" {
		t.Fatal("the root CA certificate is not the DKG's root CA key")
	}
	appKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	start := time.Now()
	appCA, err := a.SignAppCACert(context.Background(), testAppID, &appKey.PublicKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("threshold signature (app CA certificate, 2 of 3): %s", time.Since(start))
	ext, err := ratls.ReadExtensions(appCA)
	if err != nil || !bytes.Equal(ext.AppID, testAppID) || ext.SpecialUsage != ratls.UsageAppCA || appCA.Subject.CommonName != "Dstack App CA" {
		t.Fatalf("app CA certificate profile: %v %+v", err, ext)
	}
	// A leaf the app signs with its app CA key verifies to the root with
	// crypto/x509.
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafDER, err := ratls.CreateCertificate(ratls.CertOptions{Subject: "app.example", SubjectAltNames: []string{"app.example"}, ServerAuth: true}, &leafKey.PublicKey, appCA, appKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	inter.AddCert(appCA)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "app.example"}); err != nil {
		t.Fatalf("chain: %v", err)
	}
	// Cached: the same app and key cost no second signature.
	again, err := a.SignAppCACert(context.Background(), testAppID, &appKey.PublicKey, nil)
	if err != nil || !again.Equal(appCA) {
		t.Fatalf("not cached: %v", err)
	}
	// The co-signer cached it too, once its party has finished (it may
	// finish after the initiator's).
	b := c.nodes["kms-b"]
	waitCached(t, b)
	c.net.Leave("kms-a")
	c.net.Leave("kms-c")
	fromB, err := b.SignAppCACert(context.Background(), testAppID, &appKey.PublicKey, nil)
	if err != nil || !fromB.Equal(appCA) {
		t.Fatalf("co-signer did not cache the certificate: %v", err)
	}
}

func TestK256Signatures(t *testing.T) {
	c := loaded(t)
	b := c.nodes["kms-b"]
	rootPub, _ := b.Shares().PublicKey(RootK256)
	appKey, _ := ethcrypto.GenerateKey()
	sig, err := b.SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ethcrypto.Ecrecover(ethcrypto.Keccak256(kdf.KmsIssuedMessage(testAppID, &appKey.PublicKey)), sig)
	if err != nil || !bytes.Equal(got, ethcrypto.FromECDSAPub(rootPub)) {
		t.Fatalf("dstack-kms-issued does not recover to the k256 root: %v", err)
	}
	envKey, err := b.Shares().EnvPublicKey(testAppID)
	if err != nil {
		t.Fatal(err)
	}
	env := envKey[:]
	// A key that is not the app's env key under the env root: refused,
	// by the initiator and by a co-signer asked directly.
	other := bytes.Repeat([]byte{5}, 32)
	if _, _, _, err := b.SignEnvPubKey(context.Background(), testAppID, other); err == nil || !strings.Contains(err.Error(), "not the app's env public key") {
		t.Fatalf("signed another env key: %v", err)
	}
	open := &Message{Session: "sign/1/" + strings.Repeat("0", 32), Open: &SignOpen{Epoch: 1, Signers: []string{"kms-b", "kms-a"},
		Statement: Statement{Kind: KindEnvPubKey, AppID: testAppID, PublicKey: other}}}
	if err := c.nodes["kms-a"].Deliver(context.Background(), "kms-b", open); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not the app's env public key") {
		t.Fatalf("a co-signer approved another env key: %v", err)
	}
	s0, s1, ts, err := b.SignEnvPubKey(context.Background(), testAppID, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sig []byte
		ts  *uint64
	}{{s0, nil}, {s1, &ts}} {
		pub, err := kdf.Recover(kdf.EnvPubKeyMessage(testAppID, tc.ts, env), tc.sig)
		if err != nil || !pub.Equal(rootPub) {
			t.Fatalf("env-encrypt-pubkey signature (timestamp %v) does not recover to the k256 root: %v", tc.ts != nil, err)
		}
	}
	if time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Fatalf("timestamp %d is stale", ts)
	}
}

// Every t-1 subset (here: each node alone) cannot sign.
func TestTooFewSigners(t *testing.T) {
	c := loaded(t)
	for _, alone := range []string{"kms-a", "kms-b", "kms-c"} {
		c.net.Drop = func(from, to string) bool { return from == alone || to == alone }
		appKey, _ := ethcrypto.GenerateKey()
		_, err := c.nodes[alone].SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("%s signed alone: %v", alone, err)
		}
	}
}

// A co-signer whose policy refuses gives nothing; with another co-signer
// that approves, the signature is still made.
func TestCosignerPolicy(t *testing.T) {
	c := loaded(t)
	refuse := func(context.Context, string, *Statement) error {
		return errors.New("the chain does not allow this app")
	}
	c.nodes["kms-b"].Approve = refuse
	appKey, _ := ethcrypto.GenerateKey()
	if _, err := c.nodes["kms-a"].SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil); err != nil {
		t.Fatalf("kms-c approves, yet: %v", err)
	}
	c.nodes["kms-c"].Approve = refuse
	appKey2, _ := ethcrypto.GenerateKey()
	_, err := c.nodes["kms-a"].SignKmsIssued(context.Background(), testAppID, &appKey2.PublicKey, nil)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "the chain does not allow this app") {
		t.Fatalf("both co-signers refuse, yet: %v", err)
	}
	// A co-signer never signs bytes it cannot rebuild: a malformed
	// statement is refused before any policy.
	c.nodes["kms-c"].Approve = approveAll
	_, err = c.nodes["kms-a"].Sign(context.Background(), &Statement{Kind: KindKmsIssued, AppID: testAppID, PublicKey: []byte{2, 3}})
	if err == nil {
		t.Fatal("a malformed statement was signed")
	}
}

func TestRestartKeepsShare(t *testing.T) {
	sealed, err := dkg2of3()
	if err != nil {
		t.Fatal(err)
	}
	c := loaded(t)
	// kms-c restarts: a fresh node unseals its share from its file.
	restarted := newCluster(t, "kms-c").nodes["kms-c"]
	sh, err := UnsealShares(sealed["kms-c"], sealKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.SetShares(sh); err != nil {
		t.Fatal(err)
	}
	restarted.Approve = approveAll
	c.net.Join(restarted)
	c.nodes["kms-c"] = restarted
	c.net.Leave("kms-a")
	appKey, _ := ethcrypto.GenerateKey()
	sig, err := restarted.SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	rootPub, _ := sh.PublicKey(RootK256)
	if pub, err := kdf.Recover(kdf.KmsIssuedMessage(testAppID, &appKey.PublicKey), sig); err != nil || !pub.Equal(rootPub) {
		t.Fatal("the restarted node's signature does not recover to the root")
	}
	// Another sealing key cannot read the share, and says so.
	_, err = UnsealShares(sealed["kms-c"], bytes.Repeat([]byte{8}, 32))
	if !errors.Is(err, ErrUnseal) || !strings.Contains(err.Error(), "sealing key") {
		t.Fatalf("another sealing key: %v", err)
	}
	flipped := bytes.Clone(sealed["kms-c"])
	flipped[len(flipped)/2] ^= 1
	if _, err := UnsealShares(flipped, sealKey); !errors.Is(err, ErrUnseal) {
		t.Fatalf("damaged file: %v", err)
	}
	if _, err := UnsealPreParams(sealed["kms-c"], sealKey); !errors.Is(err, ErrUnseal) {
		t.Fatalf("shares opened as pre-parameters: %v", err)
	}
	// Nothing secret is in clear in the sealed file.
	x := sh.Keys[RootDerivation].Xi.String()
	if bytes.Contains(sealed["kms-c"], []byte(x)) {
		t.Fatal("the sealed file holds the share in clear")
	}
}

func TestPreParamsSealed(t *testing.T) {
	pre, err := testPreParams()
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := SealPreParams(&pre[0], sealKey)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnsealPreParams(sealed, sealKey)
	if err != nil || back.NTildei.Cmp(pre[0].NTildei) != 0 || back.PaillierSK.LambdaN.Cmp(pre[0].PaillierSK.LambdaN) != 0 {
		t.Fatalf("pre-parameters do not round-trip: %v", err)
	}
	if _, err := UnsealPreParams(sealed, bytes.Repeat([]byte{8}, 32)); !errors.Is(err, ErrUnseal) {
		t.Fatalf("another sealing key: %v", err)
	}
	if bytes.Contains(sealed, []byte(pre[0].P.String())) {
		t.Fatal("a safe prime is in clear")
	}
}

func TestGeneratePreParams(t *testing.T) {
	if testing.Short() {
		t.Skip("generating pre-parameters takes 10 to 30 seconds")
	}
	start := time.Now()
	p, err := GeneratePreParams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pre-parameters: %s", time.Since(start))
	if !p.ValidateWithProof() {
		t.Fatal("incomplete pre-parameters")
	}
}

func TestNoPreParams(t *testing.T) {
	n := &Node{Name: "kms-a"}
	com, _ := NewCommittee(1, 2, "kms-a", "kms-b")
	if _, err := n.Keygen(context.Background(), com); err == nil || !strings.Contains(err.Error(), "pre-parameters") {
		t.Fatalf("keygen without pre-parameters: %v", err)
	}
}

func TestCommitteeValidate(t *testing.T) {
	for _, tc := range []struct {
		t     int
		nodes []string
	}{{1, []string{"a", "b"}}, {3, []string{"a", "b"}}, {2, []string{"a"}}, {2, []string{"a", "a"}}, {2, []string{"a", ""}}} {
		if _, err := NewCommittee(1, tc.t, tc.nodes...); err == nil {
			t.Errorf("committee %d of %v accepted", tc.t, tc.nodes)
		}
	}
	c1, _ := NewCommittee(1, 2, "a", "b", "c")
	c2, _ := NewCommittee(2, 2, "a", "b", "c")
	for _, m := range c1.Members {
		for _, n := range c2.Members {
			if m.ID.Cmp(n.ID) == 0 {
				t.Fatal("two epochs share an ID")
			}
		}
	}
	if c1.Digest() == c2.Digest() {
		t.Fatal("two committees with one digest")
	}
}

// forger delivers a node's protocol messages as if another node sent them.
type forger struct {
	Transport
	to *Node
	as string
}

func (f forger) Send(ctx context.Context, to string, m *Message) error {
	if to == f.to.Name && m.Open == nil && !m.Abort {
		c := *m
		return f.to.Deliver(ctx, f.as, &c)
	}
	return f.Transport.Send(ctx, to, m)
}

// A node cannot speak for another node's party: a message whose party is
// kms-b's but whose authenticated sender is kms-c ends the session.
func TestPartyBoundToSender(t *testing.T) {
	c := loaded(t)
	b := c.nodes["kms-b"]
	b.Transport = forger{Transport: b.Transport, to: c.nodes["kms-a"], as: "kms-c"}
	c.nodes["kms-a"].Timeout = 20 * time.Second
	b.Timeout = 20 * time.Second
	c.net.Drop = func(from, to string) bool { return to == "kms-c" }
	appKey, _ := ethcrypto.GenerateKey()
	_, err := c.nodes["kms-a"].SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil)
	if err == nil || !strings.Contains(err.Error(), "kms-c sent a message as kms-b's party") {
		t.Fatalf("a forged sender was accepted: %v", err)
	}
}

// waitCached waits until n's signature cache holds a signature.
func waitCached(t *testing.T, n *Node) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		n.mu.Lock()
		k := len(n.cache)
		n.mu.Unlock()
		if k > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s cached no signature", n.Name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
