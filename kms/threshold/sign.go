package threshold

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"

	"github.com/bnb-chain/tss-lib/v2/common"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/signing"
	"github.com/bnb-chain/tss-lib/v2/tss"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// The certificates' names and lifetimes, as the replicated KMS issues them
// (upstream's https://github.com/Dstack-TEE/dstack/blob/master/kms/src/main_service.rs).
const (
	rootCASubject  = "Dstack KMS CA"
	appCASubject   = "Dstack App CA"
	orgName        = "Dstack"
	rootCAValidity = 10 * 365 * 24 * time.Hour
)

// DefaultEnvSignatureReuse is how long a timestamped env-encrypt-pubkey
// signature is reused when Node.EnvSignatureReuse is zero.
const DefaultEnvSignatureReuse = time.Minute

// StatementKind is what a threshold signature says.
type StatementKind string

// The statements a threshold KMS signs.
const (
	// KindRootCACert is the self-signed root CA certificate, signed once
	// after the DKG.
	KindRootCACert StatementKind = "root-ca-cert"
	// KindAppCACert is an app's CA certificate ("Dstack App CA", the app id
	// and the app-ca special usage in its RA-TLS extensions), issued by the
	// root CA for the app CA public key.
	KindAppCACert StatementKind = "app-ca-cert"
	// KindKmsIssued is the k256 signature of "dstack-kms-issued" ‖ ":" ‖
	// app_id ‖ compressed app key.
	KindKmsIssued StatementKind = "kms-issued"
	// KindEnvPubKey is the k256 signature of "dstack-env-encrypt-pubkey" ‖
	// ":" ‖ app_id [‖ BE64(timestamp)] ‖ X25519 key.
	KindEnvPubKey StatementKind = "env-pubkey"
	// KindKmsRPCCert is a KMS node's RPC certificate (kms:rpc special
	// usage, server auth, its attestation in the RA-TLS extension),
	// issued by the root CA for the node's identity key, as the replicated
	// KMS issues its own: guests check that a KMS's RPC certificate is
	// signed by the root CA published on chain.
	KindKmsRPCCert StatementKind = "kms-rpc-cert"
)

// Statement is what a node asks its co-signers to sign. Every co-signer
// rebuilds the exact bytes to sign from these fields itself (with the
// replicated KMS's message builders and certificate profile), so no node
// signs bytes it was handed.
type Statement struct {
	Kind StatementKind `json:"kind"`
	// AppID is the 20-byte app id (not for KindRootCACert).
	AppID []byte `json:"app_id,omitempty"`
	// PublicKey is the key the statement is about: the app CA key's
	// SubjectPublicKeyInfo DER (KindAppCACert), the compressed secp256k1
	// app key (KindKmsIssued), the X25519 env key (KindEnvPubKey).
	PublicKey []byte `json:"public_key,omitempty"`
	// Timestamp is the env signature's timestamp (signature_v1); nil for
	// the form without.
	Timestamp *uint64 `json:"timestamp,omitempty"`
	// Subject is the RPC certificate's name, also its one SAN
	// (KindKmsRPCCert).
	Subject string `json:"subject,omitempty"`
	// Attestation is the wire-encoded evidence the RPC certificate
	// carries (KindKmsRPCCert); it must bind PublicKey.
	Attestation []byte `json:"attestation,omitempty"`
	// NotBefore, NotAfter (Unix seconds) and Serial are a certificate's.
	NotBefore int64  `json:"not_before,omitempty"`
	NotAfter  int64  `json:"not_after,omitempty"`
	Serial    []byte `json:"serial,omitempty"`
	// Evidence is not signed: it is what the co-signers' ApproveFunc needs
	// to decide (the requester's attestation, its proof of possession).
	Evidence []byte `json:"evidence,omitempty"`
}

// Signature is a finished threshold signature.
type Signature struct {
	Statement Statement
	// Bytes is the certificate's DER for the certificate kinds, and the
	// 65-byte r ‖ s ‖ v (v in {0, 1}) recoverable signature over
	// Keccak-256 of the message for the k256 kinds, as kdf.Sign makes.
	Bytes []byte
	// At is when it was made.
	At time.Time
}

// SignOpen opens a signing session on a co-signer.
type SignOpen struct {
	// Epoch is the committee's epoch.
	Epoch uint64 `json:"epoch"`
	// Signers are the nodes that sign, Threshold members of the committee.
	Signers []string `json:"signers"`
	// Statement is what is signed.
	Statement Statement `json:"statement"`
}

// Errors of signing.
var (
	ErrNoShares = errors.New("this node holds no threshold shares")
	ErrRefused  = errors.New("co-signer refused")
)

func (st *Statement) root() Root {
	switch st.Kind {
	case KindRootCACert, KindAppCACert, KindKmsRPCCert:
		return RootCA
	}
	return RootK256
}

// prepared is a statement ready to sign: the digest, and how a signature
// over it becomes the statement's bytes.
type prepared struct {
	root   Root
	digest []byte
	finish func(r, s *big.Int, v byte) ([]byte, error)
}

// prepare checks the statement and builds what is signed.
func (st *Statement) prepare(sh *Shares) (*prepared, error) {
	pub, err := sh.PublicKey(st.root())
	if err != nil {
		return nil, err
	}
	switch st.Kind {
	case KindRootCACert, KindAppCACert, KindKmsRPCCert:
		return st.prepareCert(sh, pub)
	case KindKmsIssued:
		if len(st.AppID) != 20 || len(st.PublicKey) != 33 {
			return nil, errors.New("kms-issued statement: a 20-byte app id and a 33-byte compressed key are needed")
		}
		appPub, err := ethcrypto.DecompressPubkey(st.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("kms-issued statement: %w", err)
		}
		return recoverable(pub, kdf.KmsIssuedMessage(st.AppID, appPub)), nil
	case KindEnvPubKey:
		if len(st.AppID) != 20 || len(st.PublicKey) != 32 {
			return nil, errors.New("env-pubkey statement: a 20-byte app id and a 32-byte X25519 key are needed")
		}
		// The key is public and anyone may ask for it: every signer
		// recomputes it from the committee's env key set, so that the
		// committee vouches only for the app's own env key.
		want, err := sh.EnvPublicKey(st.AppID)
		if err != nil {
			return nil, fmt.Errorf("env-pubkey statement: %w", err)
		}
		if !bytes.Equal(want[:], st.PublicKey) {
			return nil, errors.New("env-pubkey statement: the key is not the app's env public key under the committee's env root")
		}
		return recoverable(pub, kdf.EnvPubKeyMessage(st.AppID, st.Timestamp, st.PublicKey)), nil
	}
	return nil, fmt.Errorf("unknown statement kind %q", st.Kind)
}

// recoverable prepares a k256 recoverable signature of Keccak-256(msg).
func recoverable(root *ecdsa.PublicKey, msg []byte) *prepared {
	digest := ethcrypto.Keccak256(msg)
	want := ethcrypto.FromECDSAPub(root)
	return &prepared{root: RootK256, digest: digest, finish: func(r, s *big.Int, v byte) ([]byte, error) {
		sig := make([]byte, 65)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:64])
		sig[64] = v
		got, err := ethcrypto.Ecrecover(digest, sig)
		if err != nil || !bytes.Equal(got, want) {
			return nil, errors.New("the threshold signature does not recover to the k256 root")
		}
		return sig, nil
	}}
}

// errCaptured stops certificate creation once the digest is known.
var errCaptured = errors.New("digest captured")

// fixedSigner is the root CA key as x509.CreateCertificate sees it: it
// captures the digest, or returns a signature already made over it.
type fixedSigner struct {
	pub    *ecdsa.PublicKey
	digest []byte
	sig    []byte
}

func (f *fixedSigner) Public() crypto.PublicKey { return f.pub }

func (f *fixedSigner) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	if f.sig == nil {
		f.digest = bytes.Clone(digest)
		return nil, errCaptured
	}
	if !bytes.Equal(digest, f.digest) {
		return nil, errors.New("the certificate changed between digest and signature")
	}
	return f.sig, nil
}

func (st *Statement) prepareCert(sh *Shares, root *ecdsa.PublicKey) (*prepared, error) {
	serial := new(big.Int).SetBytes(st.Serial)
	if len(st.Serial) == 0 || len(st.Serial) > 20 || serial.Sign() == 0 {
		return nil, errors.New("certificate statement: a serial of 1 to 20 bytes is needed")
	}
	nb, na := time.Unix(st.NotBefore, 0).UTC(), time.Unix(st.NotAfter, 0).UTC()
	opts := ratls.CertOptions{OrgName: orgName, IsCA: true, NotBefore: nb, NotAfter: na, Serial: serial}
	var parent *x509.Certificate
	var subject crypto.PublicKey
	switch st.Kind {
	case KindRootCACert:
		if len(st.AppID) != 0 || len(st.PublicKey) != 0 || na.Sub(nb) != rootCAValidity {
			return nil, fmt.Errorf("root CA certificate statement: no app id, no key, and a validity of %s", rootCAValidity)
		}
		opts.Subject, opts.PathLen, subject = rootCASubject, 1, root
	case KindAppCACert, KindKmsRPCCert:
		if len(sh.RootCert) == 0 {
			return nil, fmt.Errorf("%s statement: no root CA certificate yet", st.Kind)
		}
		var err error
		if parent, err = x509.ParseCertificate(sh.RootCert); err != nil {
			return nil, fmt.Errorf("%s statement: the root CA certificate: %w", st.Kind, err)
		}
		if !na.After(nb) || na.After(parent.NotAfter) || nb.Before(parent.NotBefore) {
			return nil, fmt.Errorf("%s statement: the validity must lie within the root CA's", st.Kind)
		}
		k, err := x509.ParsePKIXPublicKey(st.PublicKey)
		ec, ok := k.(*ecdsa.PublicKey)
		if err != nil || !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%s statement: the key must be a P-256 SubjectPublicKeyInfo", st.Kind)
		}
		subject = ec
		if st.Kind == KindKmsRPCCert {
			if err := st.rpcCertOptions(&opts); err != nil {
				return nil, err
			}
			break
		}
		if len(st.AppID) != 20 {
			return nil, errors.New("app CA certificate statement: a 20-byte app id is needed")
		}
		opts.Subject, opts.PathLen, opts.AppID, opts.SpecialUsage = appCASubject, 0, st.AppID, ratls.UsageAppCA
	}
	signer := &fixedSigner{pub: root}
	if _, err := ratls.CreateCertificate(opts, subject, parent, signer); !errors.Is(err, errCaptured) {
		return nil, fmt.Errorf("certificate statement: %w", err)
	}
	return &prepared{root: RootCA, digest: signer.digest, finish: func(r, s *big.Int, _ byte) ([]byte, error) {
		sig, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		if err != nil {
			return nil, err
		}
		signer.sig = sig
		// x509.CreateCertificate checks the signature with the issuer's key.
		return ratls.CreateCertificate(opts, subject, parent, signer)
	}}, nil
}

// rpcCertOptions makes opts a KMS RPC certificate's profile, as the
// replicated KMS issues its own: the subject and its SAN, server auth, the
// kms:rpc usage, and the attestation, which must bind the key.
func (st *Statement) rpcCertOptions(opts *ratls.CertOptions) error {
	if len(st.AppID) != 0 || st.Subject == "" || len(st.Subject) > 253 {
		return errors.New("kms-rpc-cert statement: no app id, and a subject (the node's domain) of 1 to 253 bytes")
	}
	att, _, err := wire.Decode(st.Attestation)
	if err != nil {
		return fmt.Errorf("kms-rpc-cert statement: the attestation: %w", err)
	}
	if att.ReportData != ratls.ReportData(st.PublicKey) {
		return errors.New("kms-rpc-cert statement: the attestation does not bind the certificate's key")
	}
	*opts = ratls.CertOptions{Subject: st.Subject, SubjectAltNames: []string{st.Subject}, ServerAuth: true,
		SpecialUsage: ratls.UsageKMSRPC, Attestation: att, NotBefore: opts.NotBefore, NotAfter: opts.NotAfter, Serial: opts.Serial}
	return nil
}

// cacheKey names what a statement's signature can be reused for: per app
// and key, whatever serial or validity a request would have chosen.
func (st *Statement) cacheKey() string {
	k := string(st.Kind) + "/" + hex.EncodeToString(st.AppID) + "/" + hex.EncodeToString(st.PublicKey)
	if st.Kind == KindEnvPubKey && st.Timestamp != nil {
		k += "/v1"
	}
	return k
}

func (n *Node) cached(st *Statement, now time.Time) *Signature {
	n.mu.Lock()
	defer n.mu.Unlock()
	sig := n.cache[st.cacheKey()]
	if sig == nil {
		return nil
	}
	if st.Kind == KindEnvPubKey && st.Timestamp != nil {
		reuse := n.EnvSignatureReuse
		if reuse <= 0 {
			reuse = DefaultEnvSignatureReuse
		}
		if now.Sub(sig.At) > reuse {
			return nil
		}
	}
	return sig
}

func (n *Node) remember(sig *Signature) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cache == nil {
		n.cache = map[string]*Signature{}
	}
	if len(n.cache) >= maxCache {
		clear(n.cache)
	}
	n.cache[sig.Statement.cacheKey()] = sig
}

// maxCache bounds the signature cache; when full it starts over.
const maxCache = 1 << 16

// Sign has the statement signed by this node and Threshold-1 co-signers,
// unless a signature for the same app and key is cached (see cacheKey).
// The co-signers are the first members of the committee, other than this
// node, that accept; one that refuses or cannot be reached is skipped. It
// fails, saying who refused and why, when fewer than Threshold-1 accept.
func (n *Node) Sign(ctx context.Context, st *Statement) (*Signature, error) {
	sh := n.Shares()
	if sh == nil {
		return nil, ErrNoShares
	}
	if sig := n.cached(st, time.Now()); sig != nil {
		return sig, nil
	}
	p, err := st.prepare(sh)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout())
	defer cancel()
	var refusals []error
	candidates := slices.DeleteFunc(sh.Committee.Nodes(), func(s string) bool { return s == n.Name })
	for len(candidates) >= sh.Committee.Threshold-1 {
		signers := append([]string{n.Name}, candidates[:sh.Committee.Threshold-1]...)
		sig, bad, err := n.signWith(ctx, sh, st, p, signers)
		if err == nil {
			return sig, nil
		}
		refusals = append(refusals, err)
		if bad == "" || ctx.Err() != nil {
			break
		}
		candidates = slices.DeleteFunc(candidates, func(s string) bool { return s == bad })
	}
	return nil, fmt.Errorf("threshold signing of a %s statement: %w", st.Kind, errors.Join(refusals...))
}

// signWith runs one signing session among signers; on a refusal it names
// the node that refused.
func (n *Node) signWith(ctx context.Context, sh *Shares, st *Statement, p *prepared, signers []string) (*Signature, string, error) {
	sub, err := sh.Committee.subset(signers)
	if err != nil {
		return nil, "", err
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	sid := fmt.Sprintf("sign/%d/%s", sh.Committee.Epoch, hex.EncodeToString(nonce[:]))
	open := &SignOpen{Epoch: sh.Committee.Epoch, Signers: signers, Statement: *st}
	var accepted []string
	abort := func() {
		for _, a := range accepted {
			_ = n.Transport.Send(context.WithoutCancel(ctx), a, &Message{Session: sid, Abort: true})
		}
	}
	for _, to := range signers[1:] {
		if err := n.Transport.Send(ctx, to, &Message{Session: sid, Open: open}); err != nil {
			abort()
			return nil, to, fmt.Errorf("%w: %s: %w", ErrRefused, to, err)
		}
		accepted = append(accepted, to)
	}
	data, err := n.runSign(ctx, sid, sh, sub, p, nil)
	if err != nil {
		abort()
		return nil, "", err
	}
	sig, err := finishSignature(st, p, data)
	if err != nil {
		return nil, "", err
	}
	n.remember(sig)
	return sig, "", nil
}

func finishSignature(st *Statement, p *prepared, data *common.SignatureData) (*Signature, error) {
	if len(data.SignatureRecovery) != 1 {
		return nil, errors.New("threshold signing gave no recovery id")
	}
	out, err := p.finish(new(big.Int).SetBytes(data.R), new(big.Int).SetBytes(data.S), data.SignatureRecovery[0])
	if err != nil {
		return nil, fmt.Errorf("finishing the %s signature: %w", st.Kind, err)
	}
	c := *st
	c.Evidence = nil
	return &Signature{Statement: c, Bytes: out, At: time.Now()}, nil
}

// runSign runs this node's party of a signing session. started, when not
// nil, receives the outcome of starting the party (nil once it runs).
func (n *Node) runSign(ctx context.Context, sid string, sh *Shares, signers *Committee, p *prepared, started chan<- error) (*common.SignatureData, error) {
	report := func(err error) {
		if started != nil {
			started <- err
			started = nil
		}
	}
	curve, err := p.root.Curve()
	if err != nil {
		report(err)
		return nil, err
	}
	s, err := n.claim(sid)
	if err != nil {
		report(err)
		return nil, err
	}
	defer n.finish(s)
	ids := signers.partyIDs()
	s.addParties(signers, ids, true)
	params := tss.NewParameters(curve, tss.NewPeerContext(ids), ids[signers.Index(n.Name)], len(ids), sh.Committee.Threshold-1)
	out := make(chan tss.Message, 16*len(ids))
	end := make(chan *common.SignatureData, 1)
	party := signing.NewLocalParty(new(big.Int).SetBytes(p.digest), params, *sh.Keys[p.root], out, end, len(p.digest))
	err = s.runParties(ctx, []tss.Party{party}, []chan tss.Message{out})
	report(err)
	if err != nil {
		return nil, err
	}
	return wait(ctx, s, end)
}

// cosign answers a SignOpen: it checks the session and the statement, asks
// Approve (except for the root CA certificate, whose content prepare
// fixes), and starts this node's party.
func (n *Node) cosign(ctx context.Context, m *Message) error {
	o := m.Open
	sh := n.Shares()
	if sh == nil {
		return ErrNoShares
	}
	if o.Epoch != sh.Committee.Epoch {
		return fmt.Errorf("%w: this node is at epoch %d, not %d", ErrRefused, sh.Committee.Epoch, o.Epoch)
	}
	if len(o.Signers) != sh.Committee.Threshold || len(o.Signers) == 0 || o.Signers[0] != m.From || !slices.Contains(o.Signers, n.Name) {
		return fmt.Errorf("%w: the signers must be %d members, the requester first and this node among them", ErrRefused, sh.Committee.Threshold)
	}
	sub, err := sh.Committee.subset(o.Signers)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if want := fmt.Sprintf("sign/%d/", o.Epoch); len(m.Session) != len(want)+32 || m.Session[:len(want)] != want {
		return fmt.Errorf("%w: malformed session name", ErrRefused)
	}
	p, err := o.Statement.prepare(sh)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if o.Statement.Kind != KindRootCACert {
		if n.Approve == nil {
			return fmt.Errorf("%w: this node co-signs nothing (no approval policy)", ErrRefused)
		}
		if err := n.Approve(ctx, m.From, &o.Statement); err != nil {
			n.log().Info("threshold signature refused", zap.String("from", m.From), zap.String("kind", string(o.Statement.Kind)),
				zap.String("app_id", hex.EncodeToString(o.Statement.AppID)), zap.Error(err))
			return fmt.Errorf("%w: %w", ErrRefused, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.timeout())
	started := make(chan error, 1)
	go func() {
		defer cancel()
		data, err := n.runSign(ctx, m.Session, sh, sub, p, started)
		if err != nil {
			n.log().Info("threshold signing failed", zap.String("session", m.Session), zap.Error(err))
			return
		}
		if sig, err := finishSignature(&o.Statement, p, data); err == nil {
			n.remember(sig)
		}
	}()
	return <-started
}

// serial returns a random positive 16-byte certificate serial.
func serial() ([]byte, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] = b[0]&0x7f | 0x01
	return b, nil
}

// issuedBy sets a certificate statement's serial and validity: from an
// hour ago (not before the root's) until the root CA certificate expires,
// which it returns.
func (st *Statement) issuedBy(sh *Shares) (*x509.Certificate, error) {
	root, err := x509.ParseCertificate(sh.RootCert)
	if err != nil {
		return nil, fmt.Errorf("issuing a %s: the root CA certificate: %w", st.Kind, err)
	}
	if st.Serial, err = serial(); err != nil {
		return nil, err
	}
	nb := time.Now().Add(-time.Hour).Truncate(time.Second)
	if nb.Before(root.NotBefore) {
		nb = root.NotBefore
	}
	st.NotBefore, st.NotAfter = nb.Unix(), root.NotAfter.Unix()
	return root, nil
}

// SignAppCACert issues app appID's CA certificate for key, valid from an
// hour ago until the root CA certificate expires, as the replicated KMS
// issues it. It is cached per app and key: one threshold signature per
// app CA key, whatever the number of requests. evidence is handed to the
// co-signers' ApproveFunc.
func (n *Node) SignAppCACert(ctx context.Context, appID []byte, key *ecdsa.PublicKey, evidence []byte) (*x509.Certificate, error) {
	sh := n.Shares()
	if sh == nil {
		return nil, ErrNoShares
	}
	spki, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("issuing an app CA certificate: %w", err)
	}
	st := &Statement{Kind: KindAppCACert, AppID: appID, PublicKey: spki, Evidence: evidence}
	if _, err := st.issuedBy(sh); err != nil {
		return nil, err
	}
	sig, err := n.Sign(ctx, st)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(sig.Bytes)
}

// SignKmsIssued returns the k256 root's signature that app appID's key is
// appKey (kdf.KmsIssuedMessage), cached per app and key.
func (n *Node) SignKmsIssued(ctx context.Context, appID []byte, appKey *ecdsa.PublicKey, evidence []byte) ([]byte, error) {
	sig, err := n.Sign(ctx, &Statement{Kind: KindKmsIssued, AppID: appID, PublicKey: ethcrypto.CompressPubkey(appKey), Evidence: evidence})
	if err != nil {
		return nil, err
	}
	return sig.Bytes, nil
}

// EnvPublicKey is app appID's X25519 env public key under the shares' env
// root, u(H(app_id)·K_env) (tecdh.KeySet.AppPublicKey): what anyone
// computes from the published env key set.
func (s *Shares) EnvPublicKey(appID []byte) ([32]byte, error) {
	_, ks, err := s.EnvShare()
	if err != nil {
		return [32]byte{}, err
	}
	return ks.AppPublicKey(appID)
}

// SignEnvPubKey returns the k256 root's signatures of app appID's env
// encryption key pub (kdf.EnvPubKeyMessage), which must be the app's key
// under the env root (Shares.EnvPublicKey; every co-signer checks it
// too): without a timestamp (cached per app and key) and with one
// (signature_v1; a signature made within EnvSignatureReuse is handed out
// again, with its own timestamp).
func (n *Node) SignEnvPubKey(ctx context.Context, appID, pub []byte) (sig []byte, sigV1 []byte, timestamp uint64, err error) {
	s0, err := n.Sign(ctx, &Statement{Kind: KindEnvPubKey, AppID: appID, PublicKey: pub})
	if err != nil {
		return nil, nil, 0, err
	}
	ts := uint64(time.Now().Unix())
	s1, err := n.Sign(ctx, &Statement{Kind: KindEnvPubKey, AppID: appID, PublicKey: pub, Timestamp: &ts})
	if err != nil {
		return nil, nil, 0, err
	}
	return s0.Bytes, s1.Bytes, *s1.Statement.Timestamp, nil
}

// SignRPCCert issues this node's KMS RPC certificate for its identity key
// spki (SubjectPublicKeyInfo DER) under the name domain, carrying att (which
// must bind spki), valid from an hour ago until the root CA certificate
// expires. Co-signers approve it (ApproveFunc) only for the requester's own
// identity key and an attestation they verify themselves.
func (n *Node) SignRPCCert(ctx context.Context, spki []byte, domain string, att *wire.Attestation) (*tls.Certificate, error) {
	sh := n.Shares()
	if sh == nil {
		return nil, ErrNoShares
	}
	enc, err := wire.Encode(att.Stripped())
	if err != nil {
		return nil, fmt.Errorf("issuing the RPC certificate: %w", err)
	}
	st := &Statement{Kind: KindKmsRPCCert, PublicKey: spki, Subject: domain, Attestation: enc}
	root, err := st.issuedBy(sh)
	if err != nil {
		return nil, err
	}
	sig, err := n.Sign(ctx, st)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{sig.Bytes, root.Raw}}, nil
}
