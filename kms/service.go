// Package kms is the key management service: it releases an app's keys
// (disk, env, app CA, secp256k1) only to a caller whose RA-TLS attestation
// verifies and whose boot info the authorizer allows, with every key derived
// from two root secrets exactly as upstream dstack derives them.
//
// A node of a threshold KMS (Service.ThresholdShares) also answers
// GetAppKeyShares: its partial keys of the caller's app keys under a
// derivation root that no node holds (tee/tkey), after the same checks as
// GetAppKey, and, for the ephemeral key of the caller's encrypted env, its
// env partial under the env root (tee/tecdh, Service.ThresholdEnvShares);
// the caller combines any threshold of them.
//
// Root keys exist in clear only in this process's memory; at rest they are
// sealed (RootKeys.Seal). A caller is never told why its attestation failed
// in detail: it gets a safe message, and the log gets the cause.
package kms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/kms/threshold"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/tecdh"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/wire"
)

// Version is reported in X-App-Version and the webhook User-Agent.
const Version = "0.1.0"

// Service answers the KMS RPCs.
type Service struct {
	// Keys are the root keys.
	Keys *RootKeys
	// Auth decides who gets keys.
	Auth Authorizer
	// Attestation configures the verification of callers' evidence.
	Attestation attest.Options
	// Logger receives key releases and refusals; nil means none.
	Logger *zap.Logger
	// Bootstrap is what this KMS published at bootstrap, if anything.
	Bootstrap *kmsapi.BootstrapInfo
	// Self, when set, makes the KMS check its own authorization before
	// serving trusted methods.
	Self *Self
	// AllowSNPKeyRelease releases keys to SEV-SNP guests. Off by default, as
	// upstream: SEV-SNP has no runtime measurement register, so what such a
	// guest runs after launch is not bound by its evidence.
	AllowSNPKeyRelease bool
	// AllowUnboundOSImage lets callers whose evidence does not bind their
	// os_image_hash (attest.RequireBoundOSImage) be judged by the hash they
	// claim. Off by default (Config.InsecureAllowUnboundOSImage).
	AllowUnboundOSImage bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ThresholdShares are this node's shares of a threshold KMS's
	// derivation root, by epoch (more than one during a root rotation's
	// handover). With none, GetAppKeyShares is refused.
	ThresholdShares map[uint32]*tkey.Share
	// ThresholdEnvShares are this node's shares of the threshold KMS's env
	// root (tee/tecdh), by root epoch. With none, GetAppKeyShares refuses
	// a request that carries an env ephemeral key.
	ThresholdEnvShares map[uint32]*tecdh.Share
	// ThresholdNode, on a node of a threshold KMS started from
	// configuration, holds its shares of the root signing keys; GetMeta
	// reports its root CA certificate and k256 public key.
	ThresholdNode *threshold.Node

	// live, once a threshold node published its shares
	// (setThresholdShares), replaces ThresholdShares and
	// ThresholdEnvShares: a committee change swaps them while the node
	// serves.
	live     atomic.Pointer[liveShares]
	verifier *ratls.Verifier
	metrics  *metrics
}

type tlsStateKey struct{}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *zap.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return zap.NewNop()
}

// The request body limits of the methods that carry more than ids
// (prpc.DefaultMaxBody): vm_config, the host's JSON description of the VM
// (a few hundred bytes upstream), and SignCert's CSR, which holds the
// caller's whole attestation: a quote of some 5 KiB and the event log
// (the CCEL area is 64 KiB), as hex.
const (
	maxVMConfigBody = 64 << 10
	maxSignCertBody = 1 << 20
)

// Handler returns the RPC handler, to be served under /prpc/ over TLS with
// TLSConfig.
func (s *Service) Handler() http.Handler {
	s.verifier = &ratls.Verifier{Attestation: s.Attestation, Now: s.Now}
	s.metrics = newMetrics()
	srv := &prpc.Server{
		Base: "/prpc/", ServicePrefix: "KMS.", Logger: s.Logger,
		Header: http.Header{"X-App-Version": {Version}},
		Methods: map[string]prpc.Method{
			"GetAppKey":              prpc.Handle(s.GetAppKey).MaxBody(maxVMConfigBody),
			"GetAppKeyShares":        prpc.Handle(s.GetAppKeyShares).MaxBody(maxVMConfigBody),
			"SignAppCACert":          prpc.Handle(s.SignAppCACert).MaxBody(maxSignCertBody),
			"SignKmsIssued":          prpc.Handle(s.SignKmsIssued).MaxBody(maxSignCertBody),
			"GetAppEnvEncryptPubKey": prpc.Handle(s.GetAppEnvEncryptPubKey),
			"GetMeta":                prpc.Handle(s.GetMeta),
			"GetTempCaCert":          prpc.Handle(s.GetTempCaCert),
			"SignCert":               prpc.Handle(s.SignCert).MaxBody(maxSignCertBody),
			"GetKmsKey":              prpc.Handle(s.GetKmsKey).MaxBody(maxVMConfigBody),
		},
	}
	mux := http.NewServeMux()
	mux.Handle("/prpc/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tlsStateKey{}, r.TLS)))
	}))
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	return mux
}

// TLSConfig is the server configuration: the KMS's RA-TLS certificate, and
// client certificates requested but not required (methods that need the
// caller's attestation check it themselves).
func (s *Service) TLSConfig(cert *tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{*cert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
	}
}

// errAttestation is what a caller learns about a failed attestation.
var errAttestation = prpc.Errorf("attestation verification failed")

// callerEvidence verifies the caller's RA-TLS client certificate.
func (s *Service) callerEvidence(ctx context.Context) (*attest.Verified, error) {
	st, _ := ctx.Value(tlsStateKey{}).(*tls.ConnectionState)
	if st == nil || len(st.PeerCertificates) == 0 {
		return nil, prpc.Errorf("a client RA-TLS certificate is required")
	}
	s.metrics.attestationRequests.Inc()
	claims, err := s.verifier.Claims(*st)
	if err != nil {
		s.metrics.attestationFailures.Inc()
		return nil, &prpc.Error{Message: errAttestation.Message, Cause: err}
	}
	return claims.Evidence, nil
}

// authorizeApp asks the authorizer and turns a refusal into a caller error.
func (s *Service) authorizeApp(ctx context.Context, method string, b kmsapi.BootInfo) (Decision, error) {
	d, err := s.Auth.AuthorizeApp(ctx, b)
	if err != nil {
		return d, prpc.Public("authorization unavailable", err)
	}
	if !d.Allowed {
		s.metrics.refusals.WithLabelValues(method).Inc()
		s.log().Info("key release refused", zap.String("method", method), zap.String("app_id", hex.EncodeToString(b.AppID)),
			zap.String("instance_id", hex.EncodeToString(b.InstanceID)), zap.String("compose_hash", hex.EncodeToString(b.ComposeHash)),
			zap.String("reason", d.Reason), zap.String("fix", d.Fix), zap.Uint64("block", d.Block))
		return d, prpc.Errorf("boot denied: %s", withFix(d))
	}
	return d, nil
}

// GetAppKey releases the caller's app keys.
func (s *Service) GetAppKey(ctx context.Context, req *kmsapi.GetAppKeyRequest) (*kmsapi.AppKeyResponse, error) {
	if err := s.holdsRootKeys("GetAppKey"); err != nil {
		return nil, err
	}
	if req.APIVersion > 1 {
		return nil, prpc.Errorf("unsupported api_version %d", req.APIVersion)
	}
	b, d, err := s.authorizeCaller(ctx, "GetAppKey")
	if err != nil {
		return nil, err
	}
	keys, err := s.appKeys(b.AppID, b.InstanceID)
	if err != nil {
		return nil, prpc.Public("key derivation failed", err)
	}
	keys.TproxyAppID, keys.GatewayAppID, keys.OSImageHash = d.GatewayAppID, d.GatewayAppID, b.OSImageHash
	s.released("GetAppKey", b, d)
	return keys, nil
}

// liveShares are a threshold node's shares as its RPC handlers answer
// with them, by root epoch.
type liveShares struct {
	derivation map[uint32]*tkey.Share
	env        map[uint32]*tecdh.Share
	// honoured, when the shares are of more than one root epoch (a root
	// rotation), says whether the chain honours a root epoch now: the
	// key set's on chain, or the previous one of a handover under way.
	// A root epoch it does not honour is answered for by no node.
	honoured func(ctx context.Context, rootEpoch uint32) error
}

// setThresholdShares publishes a threshold node's shares to the RPC
// handlers, in place of ThresholdShares, ThresholdEnvShares and any
// published before; none (a retired node) refuses GetAppKeyShares.
func (s *Service) setThresholdShares(derivation map[uint32]*tkey.Share, env map[uint32]*tecdh.Share) {
	s.live.Store(&liveShares{derivation: derivation, env: env})
}

// setRotatingShares publishes a threshold node's shares of two root
// epochs during a root rotation: each is answered for only while honoured
// says the chain honours it.
func (s *Service) setRotatingShares(derivation map[uint32]*tkey.Share, env map[uint32]*tecdh.Share, honoured func(context.Context, uint32) error) {
	s.live.Store(&liveShares{derivation: derivation, env: env, honoured: honoured})
}

// rootEpochHonoured checks, while the node holds shares of more than one
// root epoch, that the chain honours the one asked for.
func (s *Service) rootEpochHonoured(ctx context.Context, epoch uint32) error {
	l := s.live.Load()
	if l == nil || len(l.derivation) <= 1 {
		return nil
	}
	if l.honoured == nil {
		return fmt.Errorf("this KMS holds shares of %d root epochs and cannot tell which one the chain honours", len(l.derivation))
	}
	return l.honoured(ctx, epoch)
}

// thresholdShares are this node's shares of the derivation and env roots
// of epoch, of one publication (a committee change cannot pair an old one
// with a new one), nil where it holds none.
func (s *Service) thresholdShares(epoch uint32) (*tkey.Share, *tecdh.Share) {
	if l := s.live.Load(); l != nil {
		return l.derivation[epoch], l.env[epoch]
	}
	return s.ThresholdShares[epoch], s.ThresholdEnvShares[epoch]
}

// GetAppKeyShares answers, on a threshold KMS node, the node's partial keys
// of the caller's app keys, after authorizing the caller on its own exactly
// as GetAppKey does: attestation, bound OS image, the authorizer (the
// chain's isAppAllowed). The contexts come from the verified attestation.
func (s *Service) GetAppKeyShares(ctx context.Context, req *kmsapi.GetAppKeySharesRequest) (*kmsapi.AppKeySharesResponse, error) {
	if req.APIVersion > 1 {
		return nil, prpc.Errorf("unsupported api_version %d", req.APIVersion)
	}
	share, envShare := s.thresholdShares(req.Epoch)
	if share == nil {
		return nil, prpc.Errorf("this KMS holds no threshold key share of epoch %d", req.Epoch)
	}
	switch {
	case len(req.EnvEphemeral) == 0:
		envShare = nil // no env partial asked for
	case envShare == nil:
		return nil, prpc.Errorf("this KMS holds no threshold env share of epoch %d: its shares were made before the env root", req.Epoch)
	default:
		if _, err := tecdh.LiftX25519(req.EnvEphemeral); err != nil {
			return nil, prpc.Errorf("env_ephemeral refused: %v", err)
		}
	}
	if err := s.rootEpochHonoured(ctx, req.Epoch); err != nil {
		return nil, prpc.Errorf("root epoch %d refused: %v", req.Epoch, err)
	}
	b, d, err := s.authorizeCaller(ctx, "GetAppKeyShares")
	if err != nil {
		return nil, err
	}
	a, err := share.Partials(req.Epoch, tkey.AppContexts(req.Epoch, b.AppID, b.InstanceID), rand.Reader)
	if err != nil {
		return nil, prpc.Public("key derivation failed", err)
	}
	enc, err := a.MarshalBinary()
	if err != nil {
		return nil, prpc.Public("key derivation failed", err)
	}
	res := &kmsapi.AppKeySharesResponse{Answer: enc, GatewayAppID: d.GatewayAppID, OSImageHash: b.OSImageHash}
	if envShare != nil {
		// For the app the caller's attestation proves, never one the
		// request names.
		p, err := envShare.Partial(b.AppID, req.EnvEphemeral, rand.Reader)
		if err != nil {
			return nil, prpc.Public("env key derivation failed", err)
		}
		if res.EnvPartial, err = p.MarshalBinary(); err != nil {
			return nil, prpc.Public("env key derivation failed", err)
		}
	}
	s.released("GetAppKeyShares", b, d)
	return res, nil
}

// SignAppCACert has, on a node of a threshold KMS, the committee issue the
// caller's app CA certificate (threshold ECDSA under the root CA key,
// once per app and key): the caller is authorized as for GetAppKeyShares,
// and the request's evidence, which must bind the app CA key, is checked
// here and by every co-signer (the node's ApproveFunc), so that no node,
// nor t−1 of them, can have a certificate issued for a key of its own.
func (s *Service) SignAppCACert(ctx context.Context, req *kmsapi.SignAppCACertRequest) (*kmsapi.SignAppCACertResponse, error) {
	if req.APIVersion > 1 {
		return nil, prpc.Errorf("unsupported api_version %d", req.APIVersion)
	}
	if s.ThresholdNode == nil {
		return nil, prpc.Errorf("SignAppCACert is served by the nodes of a threshold KMS only: ask SignCert")
	}
	caller, d, err := s.authorizeCaller(ctx, "SignAppCACert")
	if err != nil {
		return nil, err
	}
	b, err := s.AuthorizeAppKey(ctx, "SignAppCACert", req.PublicKey, req.Attestation)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b.AppID, caller.AppID) {
		return nil, prpc.Errorf("the evidence of the app CA key is another app's than the caller's")
	}
	pub, err := x509.ParsePKIXPublicKey(req.PublicKey)
	key, ok := pub.(*ecdsa.PublicKey)
	if err != nil || !ok {
		return nil, prpc.Errorf("public_key must be a P-256 SubjectPublicKeyInfo")
	}
	cert, err := s.ThresholdNode.SignAppCACert(ctx, b.AppID, key, req.Attestation)
	if err != nil {
		return nil, prpc.Public("threshold signing failed", err)
	}
	root, err := x509.ParseCertificate(s.ThresholdNode.Shares().RootCert)
	if err != nil {
		return nil, prpc.Public("no root CA certificate", err)
	}
	s.released("SignAppCACert", b, d)
	return &kmsapi.SignAppCACertResponse{AppCACert: pemCert(cert), RootCACert: pemCert(root)}, nil
}

// SignKmsIssued has, on a node of a threshold KMS, the committee sign with
// the k256 root that the caller's app key is its app's ("dstack-kms-issued",
// once per app and key): the caller is authorized as for GetAppKeyShares,
// and the request's evidence, which must bind the key
// (kmsapi.KmsIssuedReportData), is checked here and by every co-signer, so
// that no node, nor t−1 of them, can have a key of its own vouched for.
func (s *Service) SignKmsIssued(ctx context.Context, req *kmsapi.SignKmsIssuedRequest) (*kmsapi.SignKmsIssuedResponse, error) {
	if req.APIVersion > 1 {
		return nil, prpc.Errorf("unsupported api_version %d", req.APIVersion)
	}
	if s.ThresholdNode == nil {
		return nil, prpc.Errorf("SignKmsIssued is served by the nodes of a threshold KMS only: GetAppKey returns the signature")
	}
	caller, d, err := s.authorizeCaller(ctx, "SignKmsIssued")
	if err != nil {
		return nil, err
	}
	b, err := s.AuthorizeKmsIssuedKey(ctx, "SignKmsIssued", req.PublicKey, req.Attestation)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(b.AppID, caller.AppID) {
		return nil, prpc.Errorf("the evidence of the app key is another app's than the caller's")
	}
	key, err := crypto.DecompressPubkey(req.PublicKey)
	if err != nil {
		return nil, prpc.Errorf("public_key must be a 33-byte compressed secp256k1 key")
	}
	sig, err := s.ThresholdNode.SignKmsIssued(ctx, b.AppID, key, req.Attestation)
	if err != nil {
		return nil, prpc.Public("threshold signing failed", err)
	}
	s.released("SignKmsIssued", b, d)
	return &kmsapi.SignKmsIssuedResponse{Signature: sig}, nil
}

// AuthorizeKmsIssuedKey is AuthorizeAppKey for an app's compressed
// secp256k1 key, which evidence binds with kmsapi.KmsIssuedReportData.
func (s *Service) AuthorizeKmsIssuedKey(ctx context.Context, method string, compressed, evidence []byte) (kmsapi.BootInfo, error) {
	return s.authorizeBoundKey(ctx, method, kmsapi.KmsIssuedReportData(compressed), evidence)
}

// AuthorizeAppKey verifies evidence (wire-encoded) that binds the key
// spki (SubjectPublicKeyInfo DER) and authorizes its app as GetAppKey
// authorizes a caller: platform gates, bound OS image, a 20-byte app id,
// the authorizer. It returns the boot info the evidence proves.
func (s *Service) AuthorizeAppKey(ctx context.Context, method string, spki, evidence []byte) (kmsapi.BootInfo, error) {
	return s.authorizeBoundKey(ctx, method, ratls.ReportData(spki), evidence)
}

// authorizeBoundKey verifies evidence whose report_data must be want and
// authorizes its app (AuthorizeAppKey).
func (s *Service) authorizeBoundKey(ctx context.Context, method string, want [64]byte, evidence []byte) (kmsapi.BootInfo, error) {
	att, _, err := wire.Decode(evidence)
	if err != nil {
		return kmsapi.BootInfo{}, prpc.Public("invalid attestation", err)
	}
	if att.ReportData != want {
		return kmsapi.BootInfo{}, prpc.Errorf("the attestation does not bind the key")
	}
	opts := s.Attestation
	opts.Now = s.now()
	ev, err := attest.Verify(ctx, att, opts)
	if err != nil {
		return kmsapi.BootInfo{}, &prpc.Error{Message: errAttestation.Message, Cause: err}
	}
	if err := s.releaseAllowed(ev); err != nil {
		return kmsapi.BootInfo{}, err
	}
	if err := s.requireBoundOSImage(ev, method); err != nil {
		return kmsapi.BootInfo{}, err
	}
	b := kmsapi.BootInfoOf(ev, false)
	if len(b.AppID) != 20 {
		return kmsapi.BootInfo{}, prpc.Errorf("the attested app has no 20-byte app id")
	}
	if _, err := s.authorizeApp(ctx, method, b); err != nil {
		return kmsapi.BootInfo{}, err
	}
	return b, nil
}

// authorizeCaller is the check before any app key (or a share of one)
// leaves: this KMS is itself allowed, the caller's RA-TLS attestation
// verifies, its platform may receive keys, its evidence binds its OS image,
// it has a 20-byte app id, and the authorizer allows its boot info.
func (s *Service) authorizeCaller(ctx context.Context, method string) (kmsapi.BootInfo, Decision, error) {
	if err := s.selfCheck(ctx); err != nil {
		return kmsapi.BootInfo{}, Decision{}, err
	}
	ev, err := s.callerEvidence(ctx)
	if err != nil {
		return kmsapi.BootInfo{}, Decision{}, err
	}
	if err := s.releaseAllowed(ev); err != nil {
		return kmsapi.BootInfo{}, Decision{}, err
	}
	if err := s.requireBoundOSImage(ev, method); err != nil {
		return kmsapi.BootInfo{}, Decision{}, err
	}
	b := kmsapi.BootInfoOf(ev, false)
	if len(b.AppID) != 20 {
		return kmsapi.BootInfo{}, Decision{}, prpc.Errorf("the attested app has no 20-byte app id")
	}
	d, err := s.authorizeApp(ctx, method, b)
	if err != nil {
		return kmsapi.BootInfo{}, Decision{}, err
	}
	return b, d, nil
}

// holdsRootKeys refuses, on a node of a threshold KMS, the methods that
// need the root keys, which no such node holds.
func (s *Service) holdsRootKeys(method string) error {
	if s.Keys == nil {
		return prpc.Errorf("%s is not served by a node of a threshold KMS, which holds no root keys: a CVM asks GetAppKeyShares of the threshold number of nodes and combines their answers", method)
	}
	return nil
}

// released counts and logs a release.
func (s *Service) released(method string, b kmsapi.BootInfo, d Decision) {
	s.metrics.keyReleases.WithLabelValues(method).Inc()
	s.log().Info("app keys released", zap.String("method", method), zap.String("app_id", hex.EncodeToString(b.AppID)),
		zap.String("instance_id", hex.EncodeToString(b.InstanceID)), zap.String("compose_hash", hex.EncodeToString(b.ComposeHash)),
		zap.Uint64("block", d.Block))
}

// releaseAllowed applies the per-platform release gates.
func (s *Service) releaseAllowed(ev *attest.Verified) error {
	if ev.Platform == wire.VariantSEVSNP && !s.AllowSNPKeyRelease {
		return prpc.Errorf("key release to SEV-SNP guests is disabled on this KMS (insecure_allow_snp_key_release)")
	}
	return nil
}

// requireBoundOSImage refuses a caller whose evidence does not bind its
// os_image_hash, so that the authorizer judges a proven hash; the caller
// learns why and what would change it.
func (s *Service) requireBoundOSImage(ev *attest.Verified, method string) error {
	err := attest.RequireBoundOSImage(ev, s.AllowUnboundOSImage)
	if err == nil {
		return nil
	}
	s.metrics.refusals.WithLabelValues(method).Inc()
	s.log().Info("refused: OS image not bound", zap.String("method", method), zap.String("app_id", hex.EncodeToString(ev.AppID)),
		zap.String("os_image_hash", hex.EncodeToString(ev.OSImageHash)), zap.String("reason", ev.OSImageReason))
	return prpc.Errorf("%s refused: %v", method, err)
}

// appKeys derives the keys of one app instance.
func (s *Service) appKeys(appID, instanceID []byte) (*kmsapi.AppKeyResponse, error) {
	disk, err := kdf.DiskCryptKey(s.Keys.CAKey, appID, instanceID)
	if err != nil {
		return nil, err
	}
	env, err := kdf.EnvCryptKey(s.Keys.CAKey, appID)
	if err != nil {
		return nil, err
	}
	rootK256 := crypto.FromECDSA(s.Keys.K256)
	defer clear(rootK256)
	k256, err := kdf.AppK256Key(rootK256, appID)
	if err != nil {
		return nil, err
	}
	appKey, err := kdf.K256FromScalar(k256)
	if err != nil {
		return nil, err
	}
	sig, err := kdf.Sign(s.Keys.K256, kdf.KmsIssuedMessage(appID, &appKey.PublicKey))
	if err != nil {
		return nil, err
	}
	return &kmsapi.AppKeyResponse{
		CACert: pemCert(s.Keys.CACert), DiskCryptKey: disk[:], EnvCryptKey: env[:],
		K256Key: k256, K256Signature: sig,
	}, nil
}

// GetAppEnvEncryptPubKey returns an app's env-encryption public key, signed
// by the root k256 key without and with a timestamp.
//
// On a node of a threshold KMS, which holds no root key, the key is
// threshold X25519's (tee/tecdh) under the committee's env root k_env on
// edwards25519 (threshold.RootEnv, from tss-lib's EdDSA key generation):
// u(H(app_id)·K_env), which any node computes from the public env key
// set, so upstream's deploy flow, where the key is known before the app's
// first boot, and its X25519 envelope work unchanged. It is signed by the
// threshold k256 root (threshold.Node.SignEnvPubKey, once per app and
// cached, the timestamped form at most once per EnvSignatureReuse), every
// co-signer recomputing the key itself, since the caller is not
// authenticated; the response is the replicated KMS's, so a client checks
// it by k256 recovery against the k256 root on chain. A CVM sends its
// envelope's ephemeral key E with GetAppKeyShares; each node answers
// H(app_id)·k_i·E for the app the CVM's evidence proves, never for another
// app, with a DLEQ proof against its public share, refusing an E outside
// the prime-order subgroup; the CVM combines t answers into the X25519
// shared secret. No node, and no t−1 nodes, can read an app's env.
func (s *Service) GetAppEnvEncryptPubKey(ctx context.Context, req *kmsapi.AppID) (*kmsapi.PublicKeyResponse, error) {
	if s.Keys == nil && s.ThresholdNode != nil {
		return s.thresholdEnvPubKey(ctx, req)
	}
	if err := s.holdsRootKeys("GetAppEnvEncryptPubKey"); err != nil {
		return nil, err
	}
	if err := s.selfCheck(ctx); err != nil {
		return nil, err
	}
	if len(req.AppID) != 20 {
		return nil, prpc.Errorf("app_id must be 20 bytes")
	}
	env, err := kdf.EnvCryptKey(s.Keys.CAKey, req.AppID)
	if err != nil {
		return nil, prpc.Public("key derivation failed", err)
	}
	pub, err := kdf.EnvPublicKey(env)
	if err != nil {
		return nil, prpc.Public("key derivation failed", err)
	}
	ts := uint64(s.now().Unix())
	sig, err := kdf.Sign(s.Keys.K256, kdf.EnvPubKeyMessage(req.AppID, nil, pub))
	if err != nil {
		return nil, prpc.Public("signing failed", err)
	}
	sigV1, err := kdf.Sign(s.Keys.K256, kdf.EnvPubKeyMessage(req.AppID, &ts, pub))
	if err != nil {
		return nil, prpc.Public("signing failed", err)
	}
	return &kmsapi.PublicKeyResponse{PublicKey: pub, Signature: sig, Timestamp: ts, SignatureV1: sigV1}, nil
}

// thresholdEnvPubKey is GetAppEnvEncryptPubKey on a node of a threshold
// KMS: the app's key under the env root, signed by the committee, for an
// app registered with the KMS (registered; each co-signer checks it too).
func (s *Service) thresholdEnvPubKey(ctx context.Context, req *kmsapi.AppID) (*kmsapi.PublicKeyResponse, error) {
	if err := s.selfCheck(ctx); err != nil {
		return nil, err
	}
	if len(req.AppID) != 20 {
		return nil, prpc.Errorf("app_id must be 20 bytes")
	}
	sh := s.ThresholdNode.Shares()
	if sh == nil {
		return nil, prpc.Errorf("this threshold KMS node holds no shares yet")
	}
	if err := s.registered(ctx, req.AppID); err != nil {
		return nil, err
	}
	pub, err := sh.EnvPublicKey(req.AppID)
	if err != nil {
		return nil, prpc.Public("env key derivation failed", err)
	}
	sig, sigV1, ts, err := s.ThresholdNode.SignEnvPubKey(ctx, req.AppID, pub[:])
	if err != nil {
		return nil, prpc.Public("threshold signing failed", err)
	}
	return &kmsapi.PublicKeyResponse{PublicKey: pub[:], Signature: sig, Timestamp: ts, SignatureV1: sigV1}, nil
}

// registered refuses an app the authorizer knows is not registered with
// the KMS (AppRegistry): a threshold node and its co-signers sign env keys
// of registered apps only, so that an unauthenticated caller cannot have
// the committee sign for every app id it makes up.
func (s *Service) registered(ctx context.Context, appID []byte) error {
	reg, ok := s.Auth.(AppRegistry)
	if !ok {
		return nil
	}
	yes, err := reg.AppRegistered(ctx, appID)
	if err != nil {
		return prpc.Public("authorization unavailable", err)
	}
	if !yes {
		return prpc.Errorf("app %x is not registered with this KMS (DstackKms.registeredApps, or the static policy's apps): a threshold KMS signs the env keys of registered apps only; register it (dstack chain register-app, or deploy it through the factory), or list it in the policy", appID)
	}
	return nil
}

// GetMeta describes this KMS.
func (s *Service) GetMeta(ctx context.Context, _ *kmsapi.Empty) (*kmsapi.GetMetaResponse, error) {
	info, err := s.Auth.Info(ctx)
	if err != nil {
		return nil, prpc.Public("authorization unavailable", err)
	}
	r := &kmsapi.GetMetaResponse{AllowAnyUpgrade: info.IsDev, BootstrapInfo: s.Bootstrap, IsDev: info.IsDev}
	switch {
	case s.Keys != nil:
		r.CACert, r.K256Pubkey = pemCert(s.Keys.CACert), s.Keys.K256PublicKey()
	case s.ThresholdNode != nil && s.ThresholdNode.Shares() != nil:
		sh := s.ThresholdNode.Shares()
		ca, err := x509.ParseCertificate(sh.RootCert)
		if err != nil {
			return nil, prpc.Public("no root CA certificate", err)
		}
		if r.K256Pubkey, err = sh.K256PublicKey(); err != nil {
			return nil, prpc.Public("no k256 root key", err)
		}
		r.CACert = pemCert(ca)
	default:
		return nil, prpc.Errorf("this KMS holds no root keys")
	}
	if info.GatewayAppID != "" {
		r.GatewayAppID = &info.GatewayAppID
	}
	if info.KmsContractAddress != "" {
		r.KmsContractAddress = &info.KmsContractAddress
		r.ChainID = &info.ChainID
	}
	if info.AppAuthImplementation != "" {
		r.AppAuthImplementation = &info.AppAuthImplementation
	}
	return r, nil
}

// GetTempCaCert hands out the temporary client CA, private key included:
// clients sign their own RA-TLS client certificates with it; the trust is in
// the attestation those certificates carry.
func (s *Service) GetTempCaCert(ctx context.Context, _ *kmsapi.Empty) (*kmsapi.GetTempCaCertResponse, error) {
	if err := s.holdsRootKeys("GetTempCaCert"); err != nil {
		return nil, err
	}
	if err := s.selfCheck(ctx); err != nil {
		return nil, err
	}
	key, err := pemKey(s.Keys.TempCAKey)
	if err != nil {
		return nil, prpc.Public("encoding failed", err)
	}
	return &kmsapi.GetTempCaCertResponse{TempCACert: pemCert(s.Keys.TempCACert), TempCAKey: key, CACert: pemCert(s.Keys.CACert)}, nil
}

// SignCert signs a certificate for an attested app key: the CSR carries the
// key, the requested profile and the evidence; the evidence must bind the
// key and its boot-time identity must be allowed. The chain is
// [leaf, app CA, root CA].
func (s *Service) SignCert(ctx context.Context, req *kmsapi.SignCertRequest) (*kmsapi.SignCertResponse, error) {
	if err := s.holdsRootKeys("SignCert"); err != nil {
		return nil, err
	}
	var pubDER []byte
	var cfg wire.CertConfigV2
	var att *wire.Attestation
	switch req.APIVersion {
	case 1:
		csr, err := wire.DecodeCSRV1(req.CSR)
		if err != nil {
			return nil, prpc.Public("invalid CSR", err)
		}
		if att, err = ratls.LegacyAttestation(csr.Quote, csr.EventLog); err != nil {
			return nil, prpc.Public("invalid CSR attestation", err)
		}
		// V1 evidence carries no vm_config; the request's stands in, as
		// upstream does (it names the OS image, which policy then checks).
		att.Config = req.VMConfig
		pubDER = csr.PubKey
		cfg = wire.CertConfigV2{OrgName: csr.OrgName, Subject: csr.Subject, SubjectAltNames: csr.SubjectAltNames,
			UsageServerAuth: csr.UsageServerAuth, UsageClientAuth: csr.UsageClientAuth}
	case 2:
		csr, err := wire.DecodeCSRV2(req.CSR)
		if err != nil {
			return nil, prpc.Public("invalid CSR", err)
		}
		if att, _, err = wire.Decode(csr.Attestation); err != nil {
			return nil, prpc.Public("invalid CSR attestation", err)
		}
		pubDER, cfg = csr.PubKey, csr.Config
	default:
		return nil, prpc.Errorf("api_version %d is not supported: send version 1 or 2 CSRs", req.APIVersion)
	}
	if err := s.selfCheck(ctx); err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(pubDER)
	if err != nil {
		return nil, prpc.Public("invalid CSR public key", err)
	}
	ecPub, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, prpc.Errorf("CSR public key must be ECDSA P-256")
	}
	digest := sha256.Sum256(req.CSR)
	if !ecdsa.VerifyASN1(ecPub, digest[:], req.Signature) {
		return nil, prpc.Errorf("CSR signature does not verify")
	}
	if att.ReportData != ratls.ReportData(pubDER) {
		return nil, prpc.Errorf("the attestation does not bind the CSR key")
	}
	opts := s.Attestation
	opts.Now = s.now()
	s.metrics.attestationRequests.Inc()
	ev, err := attest.Verify(ctx, att, opts)
	if err != nil {
		s.metrics.attestationFailures.Inc()
		return nil, &prpc.Error{Message: errAttestation.Message, Cause: err}
	}
	if err := s.requireBoundOSImage(ev, "SignCert"); err != nil {
		return nil, err
	}
	b := kmsapi.BootInfoOf(ev, true)
	if len(b.AppID) != 20 {
		return nil, prpc.Errorf("the attested app has no 20-byte app id")
	}
	d, err := s.authorizeApp(ctx, "SignCert", b)
	if err != nil {
		return nil, err
	}
	chain, err := s.issueAppCert(cfg, ecPub, att, ev)
	if err != nil {
		return nil, prpc.Public("signing failed", err)
	}
	s.metrics.keyReleases.WithLabelValues("SignCert").Inc()
	s.log().Info("certificate signed", zap.String("app_id", hex.EncodeToString(b.AppID)),
		zap.String("instance_id", hex.EncodeToString(b.InstanceID)), zap.String("compose_hash", hex.EncodeToString(b.ComposeHash)),
		zap.String("subject", cfg.Subject), zap.Uint64("block", d.Block))
	return &kmsapi.SignCertResponse{CertificateChain: chain}, nil
}

func (s *Service) issueAppCert(cfg wire.CertConfigV2, pub *ecdsa.PublicKey, att *wire.Attestation, ev *attest.Verified) ([]string, error) {
	now := s.now()
	caKey, err := kdf.AppCAKey(s.Keys.CAKey, ev.AppID)
	if err != nil {
		return nil, err
	}
	caDER, err := ratls.CreateCertificate(ratls.CertOptions{
		Subject: "Dstack App CA", OrgName: orgName, IsCA: true, PathLen: 0,
		NotBefore: now.Add(-time.Hour), NotAfter: s.Keys.CACert.NotAfter,
		AppID: ev.AppID, SpecialUsage: ratls.UsageAppCA,
	}, &caKey.PublicKey, s.Keys.CACert, s.Keys.CAKey)
	if err != nil {
		return nil, err
	}
	appCA, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	var info *wire.AppInfo
	if cfg.ExtAppInfo {
		// From the verified evidence: device_id is real here, unlike
		// upstream, which decodes the unverified CSR copy.
		i := ev.AppInfo(true)
		info = &i
	}
	opts := ratls.LeafOptions(cfg, ev.AppID, att, info, appCA)
	leafDER, err := ratls.CreateCertificate(opts, pub, appCA, caKey)
	if err != nil {
		return nil, fmt.Errorf("issuing leaf: %w", err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, err
	}
	return []string{pemCert(leaf), pemCert(appCA), pemCert(s.Keys.CACert)}, nil
}
