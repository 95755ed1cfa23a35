package threshold

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// peerNet runs the loaded 2-of-3 nodes over mutual RA-TLS on loopback,
// each in a simulated TD; refuse names nodes the others' policy refuses.
func peerNet(t *testing.T, refuse *atomic.Value) (*testCluster, map[string]*PeerTransport) {
	t.Helper()
	c := loaded(t)
	pki, err := mock.NewPKI([]byte("threshold peer test"))
	if err != nil {
		t.Fatal(err)
	}
	type ident struct {
		key  *ecdsa.PrivateKey
		spki []byte
		ln   net.Listener
		att  attest.Attester
	}
	ids := map[string]*ident{}
	for name := range c.nodes {
		td, err := pki.BootTD(mock.Identity{AppID: make([]byte, 20), Config: `{"name":"` + name + `"}`})
		if err != nil {
			t.Fatal(err)
		}
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = &ident{key: key, spki: spki, ln: ln, att: td.Attester()}
	}
	trs := map[string]*PeerTransport{}
	for name, n := range c.nodes {
		cert, err := ratls.IssueFor(context.Background(), ids[name].att, ids[name].key, ratls.CertOptions{Subject: name, ServerAuth: true, ClientAuth: true}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		peers := map[string]Peer{}
		for other, id := range ids {
			if other != name {
				peers[other] = Peer{URL: "https://" + id.ln.Addr().String(), Key: id.spki}
			}
		}
		tr := &PeerTransport{Node: n, Peers: peers, Certificate: cert, Attestation: pki.VerifyOptions(),
			Policy: func(_ context.Context, ev *attest.Verified) error {
				if r, _ := refuse.Load().(string); r != "" && strings.Contains(ev.Config, r) {
					return errors.New("KMS measurement is not allowed")
				}
				return nil
			}}
		n.Transport = tr
		trs[name] = tr
		srv := &http.Server{Handler: tr.Handler(), TLSConfig: tr.ServerTLS()}
		go func() { _ = srv.Serve(tls.NewListener(ids[name].ln, srv.TLSConfig)) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
	return c, trs
}

func TestPeerTransport(t *testing.T) {
	refuse := &atomic.Value{}
	refuse.Store("")
	c, _ := peerNet(t, refuse)
	appKey, _ := ethcrypto.GenerateKey()
	if _, err := c.nodes["kms-a"].SignKmsIssued(context.Background(), testAppID, &appKey.PublicKey, nil); err != nil {
		t.Fatalf("signing over RA-TLS: %v", err)
	}
	// Every node refuses kms-b: kms-a signs with kms-c; and kms-b can sign
	// with nobody.
	refuse.Store(`"kms-b"`)
	for _, n := range c.nodes {
		n.Transport.(*PeerTransport).clients = nil // new connections: a new handshake judges the peer
	}
	appKey2, _ := ethcrypto.GenerateKey()
	if _, err := c.nodes["kms-a"].SignKmsIssued(context.Background(), testAppID, &appKey2.PublicKey, nil); err != nil {
		t.Fatalf("kms-a and kms-c: %v", err)
	}
	// The refused node learns nothing but that its handshakes fail (the
	// servers log why).
	_, err := c.nodes["kms-b"].SignKmsIssued(context.Background(), testAppID, &appKey2.PublicKey, nil)
	if !errors.Is(err, ErrRefused) || strings.Count(err.Error(), "tls: bad certificate") != 2 {
		t.Fatalf("a refused node signed: %v", err)
	}
}

// A peer with a valid attestation but a key that is no member's identity
// key is refused before any message is read.
func TestPeerTransportStranger(t *testing.T) {
	refuse := &atomic.Value{}
	refuse.Store("")
	c, trs := peerNet(t, refuse)
	a := trs["kms-a"]
	stranger := &PeerTransport{Node: &Node{Name: "kms-b"}, Peers: a.Peers, Certificate: nil, Attestation: a.Attestation,
		Policy: func(context.Context, *attest.Verified) error { return nil }}
	pki, _ := mock.NewPKI([]byte("threshold peer test"))
	td, _ := pki.BootTD(mock.Identity{AppID: make([]byte, 20)})
	cert, err := ratls.Issue(context.Background(), td.Attester(), ratls.CertOptions{Subject: "stranger", ClientAuth: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	stranger.Certificate = cert
	// It claims to be kms-b; kms-c's server knows kms-b's key, and this is not it.
	b := trs["kms-b"]
	stranger.Peers = map[string]Peer{"kms-c": trs["kms-b"].Peers["kms-c"], "kms-b": {Key: b.Certificate.Leaf.RawSubjectPublicKeyInfo}}
	// The handshake itself fails: kms-c's server never reads the body.
	err = stranger.Send(context.Background(), "kms-c", &Message{Session: "sign/1/x", Abort: true})
	if err == nil || !strings.Contains(err.Error(), "tls: bad certificate") {
		t.Fatalf("a stranger's message was accepted: %v", err)
	}
	_ = c
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"session":"sign/1/00","from_id":1,"to_id":2,"broadcast":true,"wire":"AAEC"}`))
	f.Add([]byte(`{"session":"sign/1/00","open":{"epoch":1,"signers":["a","b"],"statement":{"kind":"kms-issued"}}}`))
	f.Add([]byte(`{"session":"x","abort":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(bytes.NewReader(b))
		if err != nil {
			return
		}
		// A node without shares takes no message into a session, and
		// never panics.
		n := &Node{Name: "kms-a"}
		_ = n.Deliver(context.Background(), "kms-b", m)
	})
}

// TestSetPeers: a committee change replaces the peers; a peer kept at its
// URL keeps its learned identity key, one at a new URL is learned again,
// and one left out is no longer known.
func TestSetPeers(t *testing.T) {
	tr := &PeerTransport{Peers: map[string]Peer{
		"a": {URL: "https://127.0.0.1:1", Key: []byte("key a")},
		"b": {URL: "https://127.0.0.1:2", Key: []byte("key b")},
		"c": {URL: "https://127.0.0.1:3", Key: []byte("key c")},
	}}
	tr.SetPeers(map[string]Peer{
		"b": {URL: "https://127.0.0.1:2"},
		"c": {URL: "https://127.0.0.1:33"},
		"d": {URL: "https://127.0.0.1:4"},
	})
	if string(tr.PeerKey("b")) != "key b" {
		t.Fatalf("b, kept at its URL, lost its key: %q", tr.PeerKey("b"))
	}
	if len(tr.PeerKey("c")) != 0 || len(tr.PeerKey("d")) != 0 {
		t.Fatal("a peer at a new URL, or a new peer, has a key before it is learned")
	}
	if _, ok := tr.peerNamed([]byte("key a")); ok {
		t.Fatal("a peer left out is still known by its key")
	}
	if u := tr.unknown(); len(u) != 2 || u["c"] != "https://127.0.0.1:33" || u["d"] != "https://127.0.0.1:4" {
		t.Fatalf("to learn: %v", u)
	}
}
