// Package kmsclient is a guest's client of a dstack KMS: GetAppKey for the
// boot sequence and SignCert for the agent's GetTlsKey, over mutual RA-TLS.
//
// Before a single request byte is sent, during the TLS handshake, the KMS
// must prove three things: its RA-TLS certificate's attestation verifies,
// binds its os_image_hash (unless Config.InsecureAllowUnboundOSImage) and
// is for kms:rpc; the chain allows that KMS (isKmsAllowed on its verified
// boot info); and its RPC certificate was signed by the root CA key
// published on chain with setKmsInfo. The root CA a response names must be
// that published key too. Upstream's guest trusts whatever root CA the KMS
// returns; this client must never do that, and must never talk to a KMS
// without a chain to check it against.
package kmsclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
)

// DefaultTimeout bounds one call to the KMS.
const DefaultTimeout = 60 * time.Second

// ErrUntrustedKMS is returned when the KMS fails one of the checks.
var ErrUntrustedKMS = errors.New("the KMS is not trusted")

// Config configures a Client.
type Config struct {
	// URL is the KMS's base URL (https://host:port); "/prpc" is appended.
	URL string
	// Attester attests the guest's RA-TLS client certificate, which the KMS
	// authorizes the guest by. Required.
	Attester attest.Attester
	// Attestation verifies the KMS's evidence. Its zero value trusts the
	// vendors' roots only.
	Attestation attest.Options
	// Chain is the governance chain the KMS must be allowed on. Required.
	Chain *chain.Reader
	// Timeout bounds one call; zero means DefaultTimeout.
	Timeout time.Duration
	// InsecureAllowUnboundOSImage lets the chain judge a KMS whose evidence
	// does not bind its os_image_hash (attest.RequireBoundOSImage) by the
	// hash its host claims. Default false: such a KMS is not trusted.
	InsecureAllowUnboundOSImage bool
}

// Client is a connection to one KMS.
type Client struct {
	url          string
	chain        *chain.Reader
	rpc          *prpc.Client
	allowUnbound bool

	mu     sync.Mutex
	claims *ratls.Claims // the KMS of the last handshake
	root   []byte        // published root CA SPKI it was checked against
}

// New issues the guest's RA-TLS client certificate (its attestation is taken
// now, so create the client when the measurements the KMS should see are in
// place) and prepares the connection. Nothing is sent yet.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Chain == nil {
		return nil, fmt.Errorf("kms client: a chain reader is required to check the KMS on chain (configure the chain RPC and the DstackKms address)")
	}
	if cfg.Attester == nil {
		return nil, fmt.Errorf("kms client: an attester is required")
	}
	if !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("kms client: KMS URL %q must be https (RA-TLS)", cfg.URL)
	}
	cert, err := clientCert(ctx, cfg.Attester)
	if err != nil {
		return nil, err
	}
	return newClient(cfg, cert), nil
}

// clientCert issues the guest's RA-TLS client certificate.
func clientCert(ctx context.Context, a attest.Attester) (*tls.Certificate, error) {
	cert, err := ratls.Issue(ctx, a, ratls.CertOptions{Subject: "RA-TLS TEMP Cert", ClientAuth: true}, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("kms client: %w", err)
	}
	return cert, nil
}

// newClient prepares the connection to cfg.URL with the client certificate.
func newClient(cfg Config, cert *tls.Certificate) *Client {
	c := &Client{url: cfg.URL, chain: cfg.Chain, allowUnbound: cfg.InsecureAllowUnboundOSImage}
	v := &ratls.Verifier{Attestation: cfg.Attestation, Policy: c.judge}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c.rpc = &prpc.Client{
		BaseURL: strings.TrimSuffix(cfg.URL, "/") + "/prpc",
		HTTP:    &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: v.ClientConfig(cert)}},
	}
	return c
}

// URL is the KMS's URL.
func (c *Client) URL() string { return c.url }

// judge is the handshake policy: kms:rpc usage, allowed on chain, RPC
// certificate signed by the published root CA.
func (c *Client) judge(cl *ratls.Claims) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cl.Extensions.SpecialUsage != ratls.UsageKMSRPC {
		return fmt.Errorf("%w: its certificate is for %q, not kms:rpc", ErrUntrustedKMS, cl.Extensions.SpecialUsage)
	}
	if err := attest.RequireBoundOSImage(cl.Evidence, c.allowUnbound); err != nil {
		return fmt.Errorf("%w: %w", ErrUntrustedKMS, err)
	}
	ans, err := c.chain.IsKmsAllowed(ctx, kmsapi.BootInfoOf(cl.Evidence, false).Solidity())
	if err != nil {
		return fmt.Errorf("asking the chain about the KMS: %w", err)
	}
	if !ans.Allowed {
		return fmt.Errorf("%w: not allowed on chain (block %d): %s", ErrUntrustedKMS, ans.Block, ans.Reason)
	}
	info, block, err := c.chain.KmsInfo(ctx)
	if err != nil {
		return fmt.Errorf("reading the KMS root CA published on chain: %w", err)
	}
	if len(info.CaPubkey) == 0 {
		return fmt.Errorf("%w: no root CA published on chain (block %d): the operator must run setKmsInfo", ErrUntrustedKMS, block)
	}
	root := info.CaPubkey
	if err := checkRPCCert(cl.Certificate, root, block); err != nil {
		// During a threshold KMS's root rotation, a node of the old
		// committee serves an RPC certificate of the old root CA until
		// the handover the chain records ends.
		h, _, herr := c.chain.ThresholdHandover(ctx)
		if herr != nil || h == nil || checkRPCCert(cl.Certificate, h.KeySet.CAPubkey, block) != nil {
			return err
		}
		root = h.KeySet.CAPubkey
	}
	c.mu.Lock()
	c.claims, c.root = cl, bytes.Clone(root)
	c.mu.Unlock()
	return nil
}

// checkRPCCert checks that leaf is signed by the root CA key caPubkey
// (SubjectPublicKeyInfo DER) read on chain at block.
func checkRPCCert(leaf *x509.Certificate, caPubkey []byte, block uint64) error {
	pub, err := x509.ParsePKIXPublicKey(caPubkey)
	if err != nil {
		return fmt.Errorf("%w: the root CA key published on chain (block %d) does not parse: %v", ErrUntrustedKMS, block, err)
	}
	// Only the published key is known here, not the root certificate, so
	// the signature is checked with a bare parent holding that key.
	parent := &x509.Certificate{PublicKey: pub, PublicKeyAlgorithm: x509.ECDSA}
	if err := parent.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
		return fmt.Errorf("%w: its RPC certificate is not signed by the root CA published on chain (block %d)", ErrUntrustedKMS, block)
	}
	return nil
}

// checked returns the published root the last handshake was judged with.
func (c *Client) checked() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claims == nil {
		return nil, fmt.Errorf("%w: it was not attested", ErrUntrustedKMS)
	}
	return c.root, nil
}

// AppKeys are the app keys and the KMS root they came from.
type AppKeys struct {
	*kmsapi.AppKeyResponse
	// RootCA is the KMS root CA certificate.
	RootCA *x509.Certificate
}

// GetAppKey asks for the caller's app keys.
func (c *Client) GetAppKey(ctx context.Context, vmConfig string) (*AppKeys, error) {
	var keys kmsapi.AppKeyResponse
	if err := c.rpc.Call(ctx, "GetAppKey", &kmsapi.GetAppKeyRequest{APIVersion: 1, VMConfig: vmConfig}, &keys); err != nil {
		return nil, fmt.Errorf("getting app keys from %s: %w", c.url, err)
	}
	root, err := c.checked()
	if err != nil {
		return nil, fmt.Errorf("getting app keys from %s: %w", c.url, err)
	}
	ca, err := parseRoot(keys.CACert, root)
	if err != nil {
		return nil, fmt.Errorf("getting app keys from %s: %w", c.url, err)
	}
	if len(keys.EnvCryptKey) != 32 || len(keys.K256Key) != 32 || len(keys.K256Signature) != 65 || len(keys.DiskCryptKey) != 32 {
		return nil, fmt.Errorf("getting app keys from %s: malformed key lengths in the answer", c.url)
	}
	return &AppKeys{AppKeyResponse: &keys, RootCA: ca}, nil
}

// parseRoot parses a PEM root CA and checks it holds the published key.
func parseRoot(pemText string, published []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(pemText))
	if b == nil {
		return nil, fmt.Errorf("%w: no root CA certificate in the answer", ErrUntrustedKMS)
	}
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: root CA: %v", ErrUntrustedKMS, err)
	}
	if !bytes.Equal(ca.RawSubjectPublicKeyInfo, published) {
		return nil, fmt.Errorf("%w: the root CA it answered with is not the one published on chain", ErrUntrustedKMS)
	}
	return ca, nil
}

// SignCert has the KMS sign a CSR. The chain it returns must end in the
// published root CA.
func (c *Client) SignCert(ctx context.Context, req *kmsapi.SignCertRequest) (*kmsapi.SignCertResponse, error) {
	var resp kmsapi.SignCertResponse
	if err := c.rpc.Call(ctx, "SignCert", req, &resp); err != nil {
		return nil, fmt.Errorf("signing a certificate at %s: %w", c.url, err)
	}
	root, err := c.checked()
	if err != nil {
		return nil, fmt.Errorf("signing a certificate at %s: %w", c.url, err)
	}
	if len(resp.CertificateChain) == 0 {
		return nil, fmt.Errorf("signing a certificate at %s: empty chain", c.url)
	}
	if _, err := parseRoot(resp.CertificateChain[len(resp.CertificateChain)-1], root); err != nil {
		return nil, fmt.Errorf("signing a certificate at %s: %w", c.url, err)
	}
	return &resp, nil
}
