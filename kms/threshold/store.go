package threshold

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	eddsakeygen "github.com/bnb-chain/tss-lib/v2/eddsa/keygen"

	"github.com/dstack-go/dstack/kms/seal"
)

// The magics of this package's sealed files. Shares of v1 hold three
// roots, without the env root; v2 holds four.
const (
	sharesMagic    = "dstack-kms-threshold-shares-v2"
	sharesMagicV1  = "dstack-kms-threshold-shares-v1"
	preParamsMagic = "dstack-kms-threshold-preparams-v1"
)

// ErrUnseal means sealed shares or pre-parameters could not be opened:
// another node's sealing key, or a damaged or foreign file.
var ErrUnseal = seal.ErrOpen

// ErrSharesV1 means sealed shares of the first format, made before the
// env root existed: they hold no share of it and cannot serve app env
// encryption.
var ErrSharesV1 = errors.New("these threshold shares were sealed before the env root (format v1, three roots): " +
	"they cannot serve app env encryption; make new roots with a DKG (move every node's sealed shares away and start the committee: " +
	"a root rotation, which changes every app key, to be published on chain), or run the release that sealed them")

// sealedShares is the plaintext layout of sealed shares.
type sealedShares struct {
	Self      string                              `json:"self"`
	Committee *Committee                          `json:"committee"`
	Keys      map[Root]*keygen.LocalPartySaveData `json:"keys"`
	Env       *eddsakeygen.LocalPartySaveData     `json:"env"`
	RootCert  []byte                              `json:"root_cert,omitempty"`
}

// Seal encrypts the shares under the node's sealing key, as the replicated
// KMS seals its root keys (package seal).
func (s *Shares) Seal(sealingKey []byte) ([]byte, error) {
	plain, err := json.Marshal(sealedShares{Self: s.Self, Committee: s.Committee, Keys: s.Keys, Env: s.Env, RootCert: s.RootCert})
	if err != nil {
		return nil, fmt.Errorf("sealing threshold shares: %w", err)
	}
	defer clear(plain)
	return seal.Seal(sharesMagic, sealingKey, plain)
}

// UnsealShares opens what Shares.Seal produced and checks the shares (each
// point re-curved to its root's curve, x_i·G = X_i). Shares of the first
// format, without the env root, are ErrSharesV1.
func UnsealShares(sealed, sealingKey []byte) (*Shares, error) {
	plain, err := seal.Open(sharesMagic, sealingKey, sealed)
	if err != nil {
		var env struct {
			Magic string `json:"magic"`
		}
		if json.Unmarshal(sealed, &env) == nil && env.Magic == sharesMagicV1 {
			return nil, ErrSharesV1
		}
		return nil, err
	}
	defer clear(plain)
	var f sealedShares
	if err := json.Unmarshal(plain, &f); err != nil {
		return nil, fmt.Errorf("%w: shares: %v", ErrUnseal, err)
	}
	s := &Shares{Self: f.Self, Committee: f.Committee, Keys: f.Keys, Env: f.Env, RootCert: f.RootCert}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnseal, err)
	}
	return s, nil
}

// SealPreParams encrypts a node's pre-parameters under its sealing key.
func SealPreParams(p *keygen.LocalPreParams, sealingKey []byte) ([]byte, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("sealing pre-parameters: %w", err)
	}
	defer clear(plain)
	return seal.Seal(preParamsMagic, sealingKey, plain)
}

// UnsealPreParams opens what SealPreParams produced.
func UnsealPreParams(sealed, sealingKey []byte) (*keygen.LocalPreParams, error) {
	plain, err := seal.Open(preParamsMagic, sealingKey, sealed)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	p := new(keygen.LocalPreParams)
	if err := json.Unmarshal(plain, p); err != nil || !p.ValidateWithProof() {
		return nil, fmt.Errorf("%w: pre-parameters are incomplete", ErrUnseal)
	}
	return p, nil
}

// IssueRootCert has the root CA certificate ("Dstack KMS CA", ten years
// from notBefore) signed by the committee and keeps it in the node's
// shares. One node issues it; the others adopt it (AdoptRootCert).
func (n *Node) IssueRootCert(ctx context.Context, notBefore time.Time) (*x509.Certificate, error) {
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	nb := notBefore.Truncate(time.Second)
	sig, err := n.Sign(ctx, &Statement{Kind: KindRootCACert, NotBefore: nb.Unix(), NotAfter: nb.Add(rootCAValidity).Unix(), Serial: sn})
	if err != nil {
		return nil, err
	}
	return n.AdoptRootCert(sig.Bytes)
}

// AdoptRootCert installs the root CA certificate another node issued,
// after checking that it is the root CA profile, self-signed by this
// committee's root CA key.
func (n *Node) AdoptRootCert(der []byte) (*x509.Certificate, error) {
	sh := n.Shares()
	if sh == nil {
		return nil, ErrNoShares
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("adopting the root CA certificate: %w", err)
	}
	pub, err := sh.PublicKey(RootCA)
	if err != nil {
		return nil, err
	}
	cpub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	switch {
	case !ok || !cpub.Equal(pub):
		return nil, errors.New("adopting the root CA certificate: it is not for this committee's root CA key")
	case !cert.IsCA || cert.Subject.CommonName != rootCASubject:
		return nil, errors.New("adopting the root CA certificate: not the root CA profile")
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		return nil, fmt.Errorf("adopting the root CA certificate: %w", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	c := *n.shares
	c.RootCert = cert.Raw
	n.shares = &c
	return cert, nil
}

// ShareRootCert sends the root CA certificate this node issued
// (IssueRootCert) to every other member of its committee, which adopts it
// (AdoptRootCert's checks); it returns the members that could not be
// reached or refused it.
func (n *Node) ShareRootCert(ctx context.Context) error {
	sh := n.Shares()
	if sh == nil || len(sh.RootCert) == 0 {
		return errors.New("sharing the root CA certificate: this node has none")
	}
	return n.sendRootCert(ctx, sh.RootCert, sh.Committee, nil)
}

// HandOverRootCert sends der, the root CA certificate of the roots this
// node held before the resharing from → to, to every member of to that
// was not a member of from (they hold no certificate yet), which adopts it
// (AdoptRootCert's checks) once its own resharing is done; it returns the
// members that could not be reached or refused it, to be retried.
func (n *Node) HandOverRootCert(ctx context.Context, der []byte, from, to *Committee) error {
	if len(der) == 0 {
		return errors.New("handing over the root CA certificate: this node has none")
	}
	return n.sendRootCert(ctx, der, to, from)
}

// sendRootCert sends der to the members of c that are neither this node
// nor members of skip.
func (n *Node) sendRootCert(ctx context.Context, der []byte, c, skip *Committee) error {
	var errs []error
	for _, m := range c.Members {
		if m.Node == n.Name || (skip != nil && skip.Index(m.Node) >= 0) {
			continue
		}
		if err := n.Transport.Send(ctx, m.Node, &Message{Session: "root-cert/" + c.Digest(), RootCert: der}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("sharing the root CA certificate: %w", errors.Join(errs...))
	}
	return nil
}

// adoptShared adopts the root CA certificate a member sent, unless this
// node has one already: the same is accepted again, another is refused.
func (n *Node) adoptShared(der []byte) error {
	sh := n.Shares()
	if sh == nil {
		return ErrNoShares
	}
	if len(sh.RootCert) > 0 {
		if !bytes.Equal(sh.RootCert, der) {
			return errors.New("this node already holds another root CA certificate")
		}
		return nil
	}
	_, err := n.AdoptRootCert(der)
	return err
}

// WaitRootCert waits until this node holds the root CA certificate (its
// own, or one a member shared).
func (n *Node) WaitRootCert(ctx context.Context) (*x509.Certificate, error) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if sh := n.Shares(); sh != nil && len(sh.RootCert) > 0 {
			return x509.ParseCertificate(sh.RootCert)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the root CA certificate from the committee's first member: %w", ctx.Err())
		case <-t.C:
		}
	}
}
