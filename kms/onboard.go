package kms

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// SelfCheckInterval is how long a KMS trusts its own authorization before
// asking the authorizer again, unless the authorizer follows the chain
// (ChainFollowing), which it then asks before every trusted method.
const SelfCheckInterval = 10 * time.Second

// ChainFollowing is an optional capability of an Authorizer: its decisions
// are cached until the chain changes and asking again costs no more than a
// look at the head block, which the authorizer shares among its callers
// (the chain reader reads the head at most once per its head interval). A
// KMS asks such an authorizer about itself before every trusted method, so
// that a KMS revoked on chain stops serving at the first head read after
// the block that revokes it (within the reader's head interval, one second
// by default) instead of up to SelfCheckInterval later.
type ChainFollowing interface {
	FollowsChain() bool
}

func followsChain(a Authorizer) bool {
	f, ok := a.(ChainFollowing)
	return ok && f.FollowsChain()
}

// Self is a KMS's knowledge of its own TEE: how to attest, and the
// verification of that attestation, so that it can check that it is itself
// allowed before serving (a KMS revoked on chain stops serving) and prove
// what it is to peers.
type Self struct {
	Attester    attest.Attester
	Attestation attest.Options
	// Config is the vm_config this KMS runs with.
	Config string
	// AllowUnboundOSImage lets this KMS serve, and trust a source KMS, when
	// the evidence does not bind the os_image_hash
	// (Config.InsecureAllowUnboundOSImage). Off by default.
	AllowUnboundOSImage bool

	mu        sync.Mutex
	evidence  *attest.Verified
	checkedAt time.Time
	allowed   bool
}

// Evidence verifies (once) and returns this KMS's own evidence.
func (s *Self) Evidence(ctx context.Context) (*attest.Verified, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.evidence != nil {
		return s.evidence, nil
	}
	a, err := s.Attester.Attest(ctx, [64]byte{})
	if err != nil {
		return nil, fmt.Errorf("attesting the KMS itself: %w", err)
	}
	v, err := attest.Verify(ctx, a, s.Attestation)
	if err != nil {
		return nil, fmt.Errorf("verifying the KMS's own attestation: %w", err)
	}
	s.evidence = v
	return v, nil
}

// ErrSelfNotAllowed means the authorizer no longer allows this KMS.
var ErrSelfNotAllowed = errors.New("this KMS is not allowed by its authorizer")

// check asks the authorizer whether this KMS may serve: before every
// trusted method when the authorizer follows the chain, else at most once
// per SelfCheckInterval. A failed or negative answer fails closed.
func (s *Self) check(ctx context.Context, auth Authorizer, now time.Time) error {
	ev, err := s.Evidence(ctx)
	if err != nil {
		return err
	}
	if err := attest.RequireBoundOSImage(ev, s.AllowUnboundOSImage); err != nil {
		return fmt.Errorf("checking this KMS's own evidence: %w", err)
	}
	s.mu.Lock()
	fresh := s.allowed && now.Sub(s.checkedAt) < SelfCheckInterval && !followsChain(auth)
	s.mu.Unlock()
	if fresh {
		return nil
	}
	d, err := auth.AuthorizeKMS(ctx, kmsapi.BootInfoOf(ev, false))
	if err != nil {
		return fmt.Errorf("checking this KMS's own authorization: %w", err)
	}
	s.mu.Lock()
	s.allowed, s.checkedAt = d.Allowed, now
	s.mu.Unlock()
	if !d.Allowed {
		return fmt.Errorf("%w at block %d: %s", ErrSelfNotAllowed, d.Block, withFix(d))
	}
	return nil
}

// selfCheck runs the self-authorization when the service knows itself.
func (s *Service) selfCheck(ctx context.Context) error {
	if s.Self == nil {
		return nil
	}
	if err := s.Self.check(ctx, s.Auth, s.now()); err != nil {
		return prpc.Public("this KMS is not currently authorized to serve", err)
	}
	return nil
}

// GetKmsKey hands the root keys to another KMS whose attestation verifies
// and whose boot info the authorizer allows as a KMS: replication.
func (s *Service) GetKmsKey(ctx context.Context, _ *kmsapi.GetKmsKeyRequest) (*kmsapi.KmsKeyResponse, error) {
	if err := s.holdsRootKeys("GetKmsKey"); err != nil {
		return nil, err
	}
	if err := s.selfCheck(ctx); err != nil {
		return nil, err
	}
	ev, err := s.callerEvidence(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireBoundOSImage(ev, "GetKmsKey"); err != nil {
		return nil, err
	}
	b := kmsapi.BootInfoOf(ev, false)
	d, err := s.Auth.AuthorizeKMS(ctx, b)
	if err != nil {
		return nil, prpc.Public("authorization unavailable", err)
	}
	if !d.Allowed {
		s.metrics.refusals.WithLabelValues("GetKmsKey").Inc()
		s.log().Warn("root key replication refused", zap.String("mr_aggregated", hex.EncodeToString(b.MrAggregated)),
			zap.String("device_id", hex.EncodeToString(b.DeviceID)), zap.String("reason", d.Reason), zap.Uint64("block", d.Block))
		return nil, prpc.Errorf("KMS denied: %s", withFix(d))
	}
	caKey, err := pemKey(s.Keys.CAKey)
	if err != nil {
		return nil, prpc.Public("encoding failed", err)
	}
	tmpKey, err := pemKey(s.Keys.TempCAKey)
	if err != nil {
		return nil, prpc.Public("encoding failed", err)
	}
	s.metrics.keyReleases.WithLabelValues("GetKmsKey").Inc()
	s.log().Warn("root keys replicated to an attested KMS", zap.String("mr_aggregated", hex.EncodeToString(b.MrAggregated)),
		zap.String("device_id", hex.EncodeToString(b.DeviceID)), zap.Uint64("block", d.Block))
	return &kmsapi.KmsKeyResponse{TempCAKey: tmpKey, Keys: []kmsapi.KmsKeys{{CAKey: caKey, K256Key: crypto.FromECDSA(s.Keys.K256)}}}, nil
}

// Bootstrap creates fresh root keys inside this KMS's TEE and returns what
// should be published on chain with setKmsInfo: the root public keys and an
// attestation whose report_data binds them (upstream's
// "dstack-kms-genereted-keys-v1" format). It refuses when keys exist or when
// this KMS is not allowed.
func Bootstrap(ctx context.Context, self *Self, auth Authorizer, existing *RootKeys) (*RootKeys, *kmsapi.BootstrapInfo, error) {
	if existing != nil {
		return nil, nil, errors.New("bootstrap refused: root keys already exist")
	}
	if err := self.check(ctx, auth, time.Now()); err != nil {
		return nil, nil, fmt.Errorf("bootstrap refused: %w", err)
	}
	keys, err := GenerateRootKeys(time.Now())
	if err != nil {
		return nil, nil, err
	}
	info, err := bootstrapInfo(ctx, self.Attester, keys)
	if err != nil {
		return nil, nil, err
	}
	return keys, info, nil
}

func bootstrapInfo(ctx context.Context, a attest.Attester, keys *RootKeys) (*kmsapi.BootstrapInfo, error) {
	rd := identity.KMSBootstrapReportData(keys.CAPublicKeyDER(), keys.K256PublicKey())
	att, err := a.Attest(ctx, rd)
	if err != nil {
		return nil, fmt.Errorf("attesting bootstrap keys: %w", err)
	}
	raw, err := wire.Encode(att)
	if err != nil {
		return nil, err
	}
	return &kmsapi.BootstrapInfo{CAPubkey: keys.CAPublicKeyDER(), K256Pubkey: keys.K256PublicKey(), Attestation: raw}, nil
}

// VerifyBootstrapInfo checks a published bootstrap record: its attestation
// verifies and its report_data binds the published public keys.
func VerifyBootstrapInfo(ctx context.Context, info *kmsapi.BootstrapInfo, opts attest.Options) (*attest.Verified, error) {
	att, _, err := wire.Decode(info.Attestation)
	if err != nil {
		return nil, err
	}
	if att.ReportData != identity.KMSBootstrapReportData(info.CAPubkey, info.K256Pubkey) {
		return nil, errors.New("bootstrap attestation does not bind the published keys")
	}
	return attest.Verify(ctx, att, opts)
}

// PeerCheck is what a KMS requires of another KMS before any secret moves
// between them, either way: its evidence binds its OS image (unless
// AllowUnboundOSImage), and the authorizer allows it as a KMS. Onboarding
// applies it to the source KMS; a threshold KMS to each peer of its
// committee.
func (s *Self) PeerCheck(auth Authorizer) func(context.Context, *attest.Verified) error {
	return func(ctx context.Context, ev *attest.Verified) error {
		if err := attest.RequireBoundOSImage(ev, s.AllowUnboundOSImage); err != nil {
			return err
		}
		d, err := auth.AuthorizeKMS(ctx, kmsapi.BootInfoOf(ev, false))
		if err != nil {
			return fmt.Errorf("checking the KMS's authorization: %w", err)
		}
		if !d.Allowed {
			return fmt.Errorf("not allowed as a KMS: %s", d.Reason)
		}
		return nil
	}
}

// Onboard replicates the root keys from the KMS at sourceURL over mutual
// RA-TLS. Before anything secret moves each side checks the other: this KMS
// verifies the source's attestation and asks its own authorizer whether the
// source is an allowed KMS; the source does the same for this KMS in
// GetKmsKey. The replica ends with the source's root keys, so every derived
// key is identical.
func Onboard(ctx context.Context, self *Self, auth Authorizer, sourceURL string) (*RootKeys, error) {
	client, err := ratls.Issue(ctx, self.Attester, ratls.CertOptions{Subject: "dstack-kms-onboard", ClientAuth: true}, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("onboarding: issuing our RA-TLS certificate: %w", err)
	}
	var sourceErr error
	check := self.PeerCheck(auth)
	v := &ratls.Verifier{Attestation: self.Attestation, Policy: func(c *ratls.Claims) error {
		if err := check(ctx, c.Evidence); err != nil {
			sourceErr = fmt.Errorf("the source KMS: %w", err)
			return sourceErr
		}
		sourceErr = nil
		return nil
	}}
	rpc := &prpc.Client{
		BaseURL: strings.TrimSuffix(sourceURL, "/") + "/prpc",
		HTTP:    &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: v.ClientConfig(client)}},
	}
	var res kmsapi.KmsKeyResponse
	if err := rpc.Call(ctx, "GetKmsKey", &kmsapi.GetKmsKeyRequest{VMConfig: self.Config}, &res); err != nil {
		if sourceErr != nil {
			return nil, fmt.Errorf("onboarding from %s: %w", sourceURL, sourceErr)
		}
		return nil, fmt.Errorf("onboarding from %s: %w", sourceURL, err)
	}
	keys, err := rootKeysFromResponse(&res)
	if err != nil {
		return nil, fmt.Errorf("onboarding from %s: %w", sourceURL, err)
	}
	return keys, nil
}

// rootKeysFromResponse reads the root keys a source KMS sent, and issues
// their CA certificates.
func rootKeysFromResponse(res *kmsapi.KmsKeyResponse) (*RootKeys, error) {
	if len(res.Keys) == 0 {
		return nil, errors.New("no keys in the answer")
	}
	caKey, err := parsePEMKey(res.Keys[0].CAKey)
	if err != nil {
		return nil, fmt.Errorf("root CA key: %w", err)
	}
	k256, err := kdf.K256FromScalar(res.Keys[0].K256Key)
	if err != nil {
		return nil, fmt.Errorf("root k256 key: %w", err)
	}
	tmpKey, err := parsePEMKey(res.TempCAKey)
	if err != nil {
		return nil, fmt.Errorf("temp CA key: %w", err)
	}
	keys := &RootKeys{CAKey: caKey, K256: k256, TempCAKey: tmpKey}
	if err := keys.issueCACerts(time.Now()); err != nil {
		return nil, err
	}
	return keys, nil
}

func parsePEMKey(s string) (*ecdsa.PrivateKey, error) {
	der, err := pemBytes(s, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	return parseP256(der)
}

// ServerTLS is the TLS configuration a KMS serves its RPC with: its own
// RA-TLS certificate (special usage kms:rpc) and client certificates
// requested.
func (s *Service) ServerTLS(ctx context.Context, domain string) (*tls.Config, error) {
	if s.Self == nil {
		return nil, errors.New("a KMS needs its own attester to serve RA-TLS")
	}
	cert, err := ratls.Issue(ctx, s.Self.Attester, ratls.CertOptions{
		Subject: domain, SubjectAltNames: []string{domain}, ServerAuth: true, SpecialUsage: ratls.UsageKMSRPC,
	}, s.Keys.CACert, s.Keys.CAKey)
	if err != nil {
		return nil, err
	}
	return s.TLSConfig(cert), nil
}
