package kmsclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
)

// ErrThresholdNotMet is returned when fewer than the threshold of nodes
// gave valid partial keys: no key is released.
var ErrThresholdNotMet = errors.New("too few KMS nodes released valid partial keys")

// ThresholdConfig configures a client of a threshold KMS.
type ThresholdConfig struct {
	// Nodes are the KMS nodes' base URLs (https://host:port). Each is
	// checked as Config's URL is (RA-TLS, isKmsAllowed on chain, RPC
	// certificate signed by the root CA published on chain). Required.
	Nodes []string
	// KeySet is the threshold key set every answer is checked against: the
	// threshold, the root public key and each node's public share. It comes
	// from configuration or the chain, and must be the one KeyProviderID
	// names. Required.
	KeySet *tkey.KeySet
	// KeyProviderID is the id of the key-provider event
	// ({"name":"kms-threshold","id":…}) this CVM measures into RTMR3, so
	// that its evidence shows which key set it trusted: the SHA-256 of the
	// key set (tkey.KeySet.ID). A key set whose hash differs is refused.
	// Required.
	KeyProviderID []byte
	// Node is the configuration of every node's connection; its URL is
	// ignored.
	Node Config
	// Logger receives the nodes skipped and why; nil means none.
	Logger *zap.Logger
}

// Threshold is a connection to the nodes of a threshold KMS: any
// KeySet.Threshold of them release an app's keys, each after authorizing
// the CVM on its own.
type Threshold struct {
	nodes  []*Client
	keySet *tkey.KeySet
	log    *zap.Logger
}

// NewThreshold checks the key set against the key-provider id, issues the
// guest's RA-TLS client certificate once for every node, and prepares the
// connections. Nothing is sent yet.
func NewThreshold(ctx context.Context, cfg ThresholdConfig) (*Threshold, error) {
	if cfg.KeySet == nil {
		return nil, errors.New("threshold kms client: a key set is required (the nodes' public shares, from configuration or the chain)")
	}
	if err := cfg.KeySet.Validate(); err != nil {
		return nil, fmt.Errorf("threshold kms client: %w", err)
	}
	id := cfg.KeySet.ID()
	if !bytes.Equal(id[:], cfg.KeyProviderID) {
		return nil, fmt.Errorf("threshold kms client: %w: the key set's hash %x is not the key-provider id %x: the key set is not the one this CVM measures",
			ErrUntrustedKMS, id[:], cfg.KeyProviderID)
	}
	if len(cfg.Nodes) < cfg.KeySet.Threshold {
		return nil, fmt.Errorf("threshold kms client: %d node URLs for a threshold of %d: configure every node", len(cfg.Nodes), cfg.KeySet.Threshold)
	}
	if cfg.Node.Chain == nil {
		return nil, fmt.Errorf("threshold kms client: a chain reader is required to check the KMS nodes on chain (configure the chain RPC and the DstackKms address)")
	}
	if cfg.Node.Attester == nil {
		return nil, fmt.Errorf("threshold kms client: an attester is required")
	}
	for _, u := range cfg.Nodes {
		if !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("threshold kms client: KMS node URL %q must be https (RA-TLS)", u)
		}
	}
	cert, err := clientCert(ctx, cfg.Node.Attester)
	if err != nil {
		return nil, err
	}
	t := &Threshold{keySet: cfg.KeySet, log: cfg.Logger}
	if t.log == nil {
		t.log = zap.NewNop()
	}
	for _, u := range cfg.Nodes {
		nc := cfg.Node
		nc.URL = u
		t.nodes = append(t.nodes, newClient(nc, cert))
	}
	return t, nil
}

// Previous is a connection to the same nodes for the previous key set of
// a root rotation whose handover is under way (chain.Reader's
// ThresholdHandover): the app's keys under the old roots, which a CVM
// needs once, to move its disk and env to the new keys. The answers are
// checked against ks, which must come from the chain's handover record
// (whose key-set id the chain reader checked); the key set this CVM
// measures stays the current one.
func (t *Threshold) Previous(ks *tkey.KeySet) (*Threshold, error) {
	if ks == nil {
		return nil, errors.New("threshold kms client: no previous key set")
	}
	if err := ks.Validate(); err != nil {
		return nil, fmt.Errorf("threshold kms client: the previous key set: %w", err)
	}
	if ks.Epoch >= t.keySet.Epoch {
		return nil, fmt.Errorf("threshold kms client: the previous key set's root epoch %d is not below the current one's (%d)", ks.Epoch, t.keySet.Epoch)
	}
	return &Threshold{nodes: t.nodes, keySet: ks, log: t.log}, nil
}

// ThresholdKeys are an app instance's keys from a threshold KMS.
type ThresholdKeys struct {
	DiskCryptKey [32]byte
	EnvCryptKey  [32]byte
	// K256Key is the app's secp256k1 private key (a valid scalar).
	K256Key [32]byte
	// AppCASeed is the seed of the app's CA key.
	AppCASeed [32]byte
	// GatewayAppID and OSImageHash are what the nodes whose partials were
	// combined answered (they agree).
	GatewayAppID string
	OSImageHash  []byte
	// Nodes are the URLs of the nodes whose partials were combined.
	Nodes []string
	// EnvSecret, when an envelope's ephemeral key was sent
	// (GetAppKeysAndEnv), is the X25519 shared secret of that key and the
	// app's env key, combined from KeySet.Threshold valid env partials:
	// what appenv.DecryptShared opens the envelope with. Nil otherwise.
	EnvSecret []byte
}

// nodeAnswer is one node's outcome.
type nodeAnswer struct {
	url string
	res *kmsapi.AppKeySharesResponse
	ans *tkey.Answer
	env *tecdh.Partial
	err error
}

// GetAppKeys asks every node at once for its partial keys of this app
// instance's keys, checks each answer's proof against the node's public
// share as it arrives, skips (and logs) a node that fails, and combines
// the first KeySet.Threshold valid answers; the other requests are then
// cancelled. appID and instanceID are the ones this CVM measured, which
// the nodes read from its attestation: answers for other ones do not
// verify. With fewer valid answers than the threshold the error is
// ErrThresholdNotMet, with every node's reason.
func (t *Threshold) GetAppKeys(ctx context.Context, appID, instanceID []byte, vmConfig string) (*ThresholdKeys, error) {
	return t.GetAppKeysAndEnv(ctx, appID, instanceID, vmConfig, nil)
}

// GetAppKeysAndEnv is GetAppKeys that also sends envEphemeral, the
// ephemeral X25519 key of the app's encrypted env (when not nil): every
// node then adds its env partial for this app, which is checked against
// the node's env public share in the key set (tee/tecdh) as it arrives; a
// bad one is skipped and logged, and KeySet.Threshold valid ones are
// combined into ThresholdKeys.EnvSecret. Fewer is ErrThresholdNotMet: no
// keys, no secret.
func (t *Threshold) GetAppKeysAndEnv(ctx context.Context, appID, instanceID []byte, vmConfig string, envEphemeral []byte) (*ThresholdKeys, error) {
	ctxs := tkey.AppContexts(t.keySet.Epoch, appID, instanceID)
	for _, c := range ctxs {
		if _, err := c.Bytes(); err != nil {
			return nil, fmt.Errorf("getting app keys from the threshold KMS: %w", err)
		}
	}
	if envEphemeral != nil {
		if t.keySet.Env == nil {
			return nil, errors.New("getting the env secret from the threshold KMS: the key set has no env key set (its committee has no env root), so the app's encrypted env cannot be opened: " +
				"deploy the app without an encrypted env, or publish a key set with an env root")
		}
		if _, err := tecdh.LiftX25519(envEphemeral); err != nil {
			return nil, fmt.Errorf("getting the env secret from the threshold KMS: %w", err)
		}
	}
	ask, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan nodeAnswer, len(t.nodes))
	for _, n := range t.nodes {
		go func() { out <- n.getAppKeyShares(ask, t.keySet.Epoch, vmConfig, envEphemeral) }()
	}
	col := t.keySet.Collector(ctxs)
	var used []nodeAnswer
	var envValid []*tecdh.Partial
	var failures []string
	for range t.nodes {
		r := <-out
		// A node counts when its partial keys and, if asked, its env
		// partial both verify; otherwise it is skipped whole.
		if r.err == nil && envEphemeral != nil {
			if r.env == nil {
				r.err = errors.New("no env partial in the answer")
			} else {
				r.err = t.keySet.Env.Verify(appID, envEphemeral, r.env)
			}
		}
		if r.err == nil {
			r.err = col.Add(r.ans)
		}
		if r.err != nil {
			t.log.Warn("skipped a KMS node's partial keys", zap.String("node", r.url), zap.Error(r.err))
			failures = append(failures, fmt.Sprintf("%s: %v", r.url, r.err))
			continue
		}
		used = append(used, r)
		if r.env != nil {
			envValid = append(envValid, r.env)
		}
		if col.Enough() {
			break
		}
	}
	if !col.Enough() {
		return nil, fmt.Errorf("getting app keys from the threshold KMS: %w: %d valid of the %d needed, from %d nodes (%s)",
			ErrThresholdNotMet, col.Valid(), t.keySet.Threshold, len(t.nodes), strings.Join(failures, "; "))
	}
	cancel()
	var envSecret []byte
	if envEphemeral != nil {
		secret, skipped, err := t.keySet.Env.Combine(appID, envEphemeral, envValid)
		if err != nil || len(skipped) > 0 {
			return nil, fmt.Errorf("getting the env secret from the threshold KMS: %w %v", err, skipped)
		}
		envSecret = secret[:]
	}
	keys, err := col.Keys()
	if err != nil {
		return nil, fmt.Errorf("getting app keys from the threshold KMS: %w", err)
	}
	if _, err := kdf.K256FromScalar(keys[2][:]); err != nil {
		return nil, fmt.Errorf("getting app keys from the threshold KMS: the app k256 key: %w", err)
	}
	tk := &ThresholdKeys{DiskCryptKey: keys[0], EnvCryptKey: keys[1], K256Key: keys[2], AppCASeed: keys[3],
		GatewayAppID: used[0].res.GatewayAppID, OSImageHash: used[0].res.OSImageHash, EnvSecret: envSecret}
	for _, u := range used {
		if u.res.GatewayAppID != tk.GatewayAppID || !bytes.Equal(u.res.OSImageHash, tk.OSImageHash) {
			return nil, fmt.Errorf("getting app keys from the threshold KMS: %w: nodes %s and %s disagree on the gateway app id or the OS image hash (%s %x, %s %x)",
				ErrUntrustedKMS, used[0].url, u.url, tk.GatewayAppID, tk.OSImageHash, u.res.GatewayAppID, u.res.OSImageHash)
		}
		tk.Nodes = append(tk.Nodes, u.url)
	}
	t.log.Info("app keys combined from the threshold KMS", zap.Strings("nodes", tk.Nodes),
		zap.String("key_set", t.keySet.KeyProviderInfo().ID))
	return tk, nil
}

// getAppKeyShares asks one node and decodes its answer; the node's RA-TLS
// identity was judged during the handshake.
func (c *Client) getAppKeyShares(ctx context.Context, epoch uint32, vmConfig string, envEphemeral []byte) nodeAnswer {
	r := nodeAnswer{url: c.url, res: &kmsapi.AppKeySharesResponse{}}
	req := &kmsapi.GetAppKeySharesRequest{APIVersion: 1, VMConfig: vmConfig, Epoch: epoch, EnvEphemeral: envEphemeral}
	if err := c.rpc.Call(ctx, "GetAppKeyShares", req, r.res); err != nil {
		r.err = fmt.Errorf("asking for partial keys: %w", err)
		return r
	}
	if _, err := c.checked(); err != nil {
		r.err = err
		return r
	}
	if r.ans, r.err = tkey.ParseAnswer(r.res.Answer); r.err != nil {
		return r
	}
	if len(r.res.EnvPartial) > 0 {
		if envEphemeral == nil {
			r.err = errors.New("an env partial that was not asked for")
			return r
		}
		r.env, r.err = tecdh.ParsePartial(r.res.EnvPartial)
	}
	return r
}

// SignAppCACert has the committee issue this app's CA certificate for pub,
// the app CA key the CVM derived from its combined keys; attestation is
// the CVM's evidence binding pub (report_data ratls.ReportData of its
// SubjectPublicKeyInfo), which every co-signer checks. The nodes are asked
// in turn until one answers with a certificate for pub, issued by the root
// CA of the key set, and that root CA certificate.
func (t *Threshold) SignAppCACert(ctx context.Context, pub *ecdsa.PublicKey, attestation []byte) (appCA, root *x509.Certificate, err error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, n := range t.nodes {
		var res kmsapi.SignAppCACertResponse
		if err := n.rpc.Call(ctx, "SignAppCACert", &kmsapi.SignAppCACertRequest{APIVersion: 1, PublicKey: spki, Attestation: attestation}, &res); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.url, err))
			continue
		}
		if appCA, root, err = t.checkAppCA(&res, pub); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.url, err))
			continue
		}
		return appCA, root, nil
	}
	return nil, nil, fmt.Errorf("getting the app CA certificate from the threshold KMS: %w", errors.Join(errs...))
}

// SignKmsIssued has the committee sign, with the k256 root, that key is
// app appID's secp256k1 key (the second entry of GetKey's
// signature_chain); attestation is the CVM's evidence binding key
// (kmsapi.KmsIssuedReportData of its compressed form), which every
// co-signer checks. The nodes are asked in turn until one answers with a
// signature that recovers to the key set's k256 root.
func (t *Threshold) SignKmsIssued(ctx context.Context, appID []byte, key *ecdsa.PublicKey, attestation []byte) ([]byte, error) {
	if len(t.keySet.K256Pubkey) == 0 {
		return nil, fmt.Errorf("%w: the key set names no k256 root to check a dstack-kms-issued signature with", ErrUntrustedKMS)
	}
	var errs []error
	for _, n := range t.nodes {
		var res kmsapi.SignKmsIssuedResponse
		if err := n.rpc.Call(ctx, "SignKmsIssued", &kmsapi.SignKmsIssuedRequest{APIVersion: 1, PublicKey: ethcrypto.CompressPubkey(key), Attestation: attestation}, &res); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.url, err))
			continue
		}
		if err := checkKmsIssued(t.keySet.K256Pubkey, appID, key, res.Signature); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.url, err))
			continue
		}
		return res.Signature, nil
	}
	return nil, fmt.Errorf("getting the dstack-kms-issued signature from the threshold KMS: %w", errors.Join(errs...))
}

// checkKmsIssued checks that sig is the k256 root's (root, compressed)
// recoverable signature that key is app appID's.
func checkKmsIssued(root, appID []byte, key *ecdsa.PublicKey, sig []byte) error {
	if len(sig) != 65 {
		return fmt.Errorf("%w: a dstack-kms-issued signature of %d bytes, not 65", ErrUntrustedKMS, len(sig))
	}
	got, err := ethcrypto.SigToPub(ethcrypto.Keccak256(kdf.KmsIssuedMessage(appID, key)), sig)
	if err != nil || !bytes.Equal(ethcrypto.CompressPubkey(got), root) {
		return fmt.Errorf("%w: the dstack-kms-issued signature does not recover to the key set's k256 root", ErrUntrustedKMS)
	}
	return nil
}

// checkAppCA checks an answer: the root CA is the key set's, and the app
// CA certificate is a CA for pub that the root signed.
func (t *Threshold) checkAppCA(res *kmsapi.SignAppCACertResponse, pub *ecdsa.PublicKey) (*x509.Certificate, *x509.Certificate, error) {
	root, err := parseRoot(res.RootCACert, t.keySet.CAPubkey)
	if err != nil {
		return nil, nil, err
	}
	b, _ := pem.Decode([]byte(res.AppCACert))
	if b == nil {
		return nil, nil, fmt.Errorf("%w: no app CA certificate in the answer", ErrUntrustedKMS)
	}
	appCA, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: app CA: %v", ErrUntrustedKMS, err)
	}
	if k, ok := appCA.PublicKey.(*ecdsa.PublicKey); !ok || !k.Equal(pub) || !appCA.IsCA {
		return nil, nil, fmt.Errorf("%w: the app CA certificate is not a CA certificate for this app's CA key", ErrUntrustedKMS)
	}
	if err := appCA.CheckSignatureFrom(root); err != nil {
		return nil, nil, fmt.Errorf("%w: the app CA certificate is not signed by the root CA: %v", ErrUntrustedKMS, err)
	}
	return appCA, root, nil
}
