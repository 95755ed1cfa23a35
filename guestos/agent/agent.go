// Package agent is the guest agent: upstream's DstackGuest API, which apps
// reach on the unix socket /var/run/dstack.sock (and the SDKs find there),
// as HTTP with JSON bodies and hex bytes: POST /<Method> (GET with query
// parameters works too; /prpc/<Method> and /prpc/DstackGuest.<Method> are
// accepted as well). Failures are HTTP 400 {"error": "…"}.
//
// Methods: GetTlsKey (a fresh P-256 key and a certificate the KMS signs over
// an attested CSR), GetKey (HKDF of the app k256 key with upstream's
// two-signature chain), GetQuote, Attest, Info (with tcb_info), GpuInfo,
// Sign, Verify and Version. EmitEvent, removed upstream, is not served: apps
// extend RTMR3 through the kernel themselves. The legacy Tappd API
// (DeriveKey, DeriveK256Key, TdxQuote, RawQuote, Info, Version under
// /prpc/Tappd.) is served on its own socket when Config.TappdSocket is set,
// with DstackGuest at /<Method> beside it, where the deprecated TappdClient
// of the SDKs, a DstackClient, sends the methods it inherits,
// and the external Worker API (Info, Version, GetAttestationForAppKey; no
// keys) on TCP when Config.External is.
//
// Certificates of GetTlsKey and Tappd DeriveKey: each call makes a new key
// and a certificate valid until the request's not_after or, when it names
// none, for Agent.TLSKeyMaxValidity from now (default ten years, as
// upstream), and never past the KMS's app CA; a not_after beyond that
// maximum is refused. Nothing renews them: an app that serves one renews by
// calling GetTlsKey again before not_after (at two thirds of its validity,
// say) and switching to the new key and chain. The attestation in a
// usage_ra_tls certificate is as old as the call, so an app whose peers
// want fresh evidence asks for a short not_after and renews as often.
//
// Who may connect: upstream's socket is world-writable (0777) and anything
// that reaches it holds the app's keys. Here the socket is created 0660,
// owned by root and by the group named in Config.SocketGroup (default: the
// process's group), so only root and members of that group can connect;
// containers get it by a bind mount and must run with that group (e.g.
// compose's group_add). The optional TCP listener serves the same API for
// development hosts only; it is off unless configured, and anyone who can
// reach it gets the app's keys. The agent must never be served on a
// network interface of a production CVM.
package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// Version is reported by the Version method.
const Version = "0.6.0-go"

// DefaultSocket is where the SDKs look first.
const DefaultSocket = "/var/run/dstack.sock"

// DefaultTLSKeyValidity is how long a GetTlsKey (or Tappd DeriveKey)
// certificate is valid when the request names no not_after: upstream's
// ten years.
const DefaultTLSKeyValidity = 10 * 365 * 24 * time.Hour

// CertSigner signs CSRs: the KMS the CVM booted with.
type CertSigner interface {
	SignCert(ctx context.Context, req *kmsapi.SignCertRequest) (*kmsapi.SignCertResponse, error)
}

// Agent serves DstackGuest for one booted CVM.
type Agent struct {
	// GPUAttestation is the file GpuInfo returns. Default
	// GPUAttestationPath.
	GPUAttestation string
	// TLSKeyMaxValidity caps the certificates of GetTlsKey and Tappd
	// DeriveKey: a request without not_after gets one valid this long from
	// now, and a request whose not_after lies further ahead is refused.
	// Default (0) DefaultTLSKeyValidity, upstream's ten years.
	TLSKeyMaxValidity time.Duration

	cvm    *boot.CVM
	signer CertSigner
	log    *zap.Logger

	demoOnce sync.Once
	demoMu   sync.Mutex
	demoCert string
}

// New returns the agent of cvm. Its GetTlsKey goes to the KMS the CVM got
// its keys from, or, with a threshold KMS, to the CVM's own app CA.
func New(cvm *boot.CVM, log *zap.Logger) *Agent {
	if log == nil {
		log = zap.NewNop()
	}
	a := &Agent{cvm: cvm, log: log}
	switch {
	case cvm.KMS != nil:
		a.signer = cvm.KMS
	case cvm.AppCA != nil:
		a.signer = appCASigner{ca: cvm.AppCA, app: cvm.AppID[:], opts: cvm.Attestation}
	}
	return a
}

// The request body limits of the methods that carry more than names and
// ids (prpc.DefaultMaxBody): a certificate's subject and alternative names,
// and data an app signs, verifies or quotes over (hex, so half as many
// bytes of data).
const (
	maxNamesBody = 64 << 10
	maxDataBody  = 1 << 20
)

// Handler returns the HTTP handler of the API.
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/prpc/", &prpc.Server{Base: "/prpc/", ServicePrefix: "DstackGuest.", Methods: a.guestMethods(), Logger: a.log})
	mux.Handle("/", a.bareHandler())
	return mux
}

// bareHandler serves DstackGuest at /<Method>, where DstackClient posts.
func (a *Agent) bareHandler() http.Handler {
	return &prpc.Server{Base: "/", Methods: a.guestMethods(), Logger: a.log}
}

func (a *Agent) guestMethods() map[string]prpc.Method {
	return map[string]prpc.Method{
		"GetTlsKey": prpc.Handle(a.GetTlsKey).MaxBody(maxNamesBody),
		"GetKey":    prpc.Handle(a.GetKey),
		"GetQuote":  prpc.Handle(a.GetQuote),
		"Attest":    prpc.Handle(a.Attest),
		"Info":      prpc.Handle(a.Info),
		"Sign":      prpc.Handle(a.Sign).MaxBody(maxDataBody),
		"Verify":    prpc.Handle(a.Verify).MaxBody(maxDataBody),
		"Version":   prpc.Handle(a.Version),
		"GpuInfo":   prpc.Handle(a.GpuInfo),
	}
}

// Config configures the listeners.
type Config struct {
	// Socket is the unix socket path. Default DefaultSocket.
	Socket string
	// SocketGroup is the group (name or numeric id) that may connect,
	// besides root. Default: the process's group.
	SocketGroup string
	// TappdSocket, when set, serves upstream's legacy Tappd API
	// (/prpc/Tappd.<Method>) on this unix socket, with the same mode and
	// group as Socket. Off by default.
	TappdSocket string
	// External, when set, serves the external Worker API (WorkerHandler,
	// no keys) on this TCP address, as upstream's :8090. Off by default.
	External string
	// InsecureTCP, when set, also serves the API on this TCP address
	// (development hosts). Anyone who reaches it gets the app's keys. Off
	// by default.
	InsecureTCP string
	// Limits bounds what callers can make the agent hold, on every
	// listener: connections (default 1024), requests handled at once (64,
	// each further one waiting up to 1s, then answered 503), and the time a
	// connection has to send its headers (10s) and its request (30s), to be
	// answered (2m) and to stay idle (30s). Fields left zero keep their
	// defaults.
	Limits prpc.Limits
}

// Server is a running agent.
type Server struct {
	servers  []*http.Server
	sockets  []string
	sock     string
	tcp      net.Listener
	external net.Listener
}

// Serve starts the listeners.
func (a *Agent) Serve(cfg Config) (*Server, error) {
	if cfg.Socket == "" {
		cfg.Socket = DefaultSocket
	}
	gid := os.Getgid()
	if cfg.SocketGroup != "" {
		g, err := lookupGroup(cfg.SocketGroup)
		if err != nil {
			return nil, err
		}
		gid = g
	}
	s := &Server{sock: cfg.Socket}
	serve := func(ln net.Listener, h http.Handler) {
		srv := cfg.Limits.HTTPServer(h)
		srv.ErrorLog = zap.NewStdLog(a.log)
		s.servers = append(s.servers, srv)
		go func() { _ = srv.Serve(cfg.Limits.Listener(ln)) }()
	}
	fail := func(err error) (*Server, error) {
		s.Close(context.Background())
		return nil, err
	}
	ln, err := listenUnix(cfg.Socket, gid)
	if err != nil {
		return fail(err)
	}
	s.sockets = append(s.sockets, cfg.Socket)
	h := a.Handler()
	serve(ln, h)
	if cfg.TappdSocket != "" {
		tl, err := listenUnix(cfg.TappdSocket, gid)
		if err != nil {
			return fail(err)
		}
		s.sockets = append(s.sockets, cfg.TappdSocket)
		serve(tl, a.TappdHandler())
	}
	if cfg.External != "" {
		el, err := net.Listen("tcp", cfg.External)
		if err != nil {
			return fail(fmt.Errorf("serving the external API on %s: %w", cfg.External, err))
		}
		s.external = el
		serve(el, a.WorkerHandler())
	}
	if cfg.InsecureTCP != "" {
		a.log.Warn("INSECURE: the guest agent is also served over TCP; anyone who reaches it gets the app's keys", zap.String("addr", cfg.InsecureTCP))
		tl, err := net.Listen("tcp", cfg.InsecureTCP)
		if err != nil {
			return fail(fmt.Errorf("serving the agent on %s: %w", cfg.InsecureTCP, err))
		}
		s.tcp = tl
		serve(tl, h)
	}
	a.startDemoCert()
	return s, nil
}

// listenUnix listens on a unix socket that root and group gid may use
// (mode 0660), replacing a stale socket but nothing else.
func listenUnix(path string, gid int) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("serving the agent: %s exists and is not a socket; remove it", path)
		}
		os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("serving the agent on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("serving the agent: %w", err)
	}
	if gid != os.Getgid() || os.Geteuid() == 0 {
		if err := os.Chown(path, os.Geteuid(), gid); err != nil {
			ln.Close()
			return nil, fmt.Errorf("serving the agent: giving %s to group %d: %w", path, gid, err)
		}
	}
	return ln, nil
}

func lookupGroup(name string) (int, error) {
	if id, err := strconv.Atoi(name); err == nil {
		return id, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("serving the agent: socket group %q: %w", name, err)
	}
	return strconv.Atoi(g.Gid)
}

// Socket is the unix socket path.
func (s *Server) Socket() string { return s.sock }

// TCPAddr is the TCP listener's address, or "" without one.
func (s *Server) TCPAddr() string {
	if s.tcp == nil {
		return ""
	}
	return s.tcp.Addr().String()
}

// ExternalAddr is the external listener's address, or "" without one.
func (s *Server) ExternalAddr() string {
	if s.external == nil {
		return ""
	}
	return s.external.Addr().String()
}

// Close stops serving and removes the sockets.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	for _, p := range s.sockets {
		os.Remove(p)
	}
	return errors.Join(errs...)
}

// ErrUnsupportedAlgorithm is returned for an algorithm other than
// secp256k1 (alias k256), ed25519 and, for Sign and Verify,
// secp256k1_prehashed.
var ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")

func badAlgorithm(alg string) error {
	return prpc.Errorf("%s %q: use secp256k1 (or k256), ed25519 or secp256k1_prehashed", ErrUnsupportedAlgorithm, alg)
}

func normalize(alg string) string {
	if alg == "k256" {
		return "secp256k1"
	}
	return alg
}

// pad64 right-pads report_data with zeros.
func pad64(b []byte) ([64]byte, error) {
	var rd [64]byte
	if len(b) > 64 {
		return rd, prpc.Errorf("report_data of %d bytes: at most 64", len(b))
	}
	copy(rd[:], b)
	return rd, nil
}

// GetTlsKey generates a random P-256 key and has the KMS sign a
// certificate for it over a CSR that carries the CVM's attestation of the
// key; usage_ra_tls also puts that attestation in the certificate.
func (a *Agent) GetTlsKey(ctx context.Context, req *GetTlsKeyArgs) (*GetTlsKeyResponse, error) {
	notAfter, err := a.notAfter(req.NotBefore, req.NotAfter)
	if err != nil {
		return nil, err
	}
	if a.signer == nil {
		return nil, prpc.Errorf("no KMS to sign certificates")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	chain, err := a.issue(ctx, key, wire.CertConfigV2{
		Subject: req.Subject, SubjectAltNames: req.AltNames, UsageServerAuth: req.UsageServerAuth, UsageClientAuth: req.UsageClientAuth,
		ExtQuote: req.UsageRaTls, ExtAppInfo: req.WithAppInfo, NotBefore: req.NotBefore, NotAfter: notAfter,
	})
	if err != nil {
		return nil, err
	}
	return tlsKeyResponse(key, chain)
}

// notAfter checks a certificate request's validity (unix seconds) against
// TLSKeyMaxValidity and returns the not_after to ask the KMS for: the
// request's, or now plus the maximum when it names none.
func (a *Agent) notAfter(notBefore, notAfter *uint64) (*uint64, error) {
	if notBefore != nil && notAfter != nil && *notBefore >= *notAfter {
		return nil, prpc.Errorf("not_before must be before not_after")
	}
	limit := a.TLSKeyMaxValidity
	if limit <= 0 {
		limit = DefaultTLSKeyValidity
	}
	latest := uint64(time.Now().Add(limit).Unix())
	if notAfter == nil {
		return &latest, nil
	}
	if *notAfter > latest {
		return nil, prpc.Errorf("not_after %d is more than %s from now, this agent's maximum certificate validity: ask for an earlier not_after", *notAfter, limit)
	}
	return notAfter, nil
}

func tlsKeyResponse(key *ecdsa.PrivateKey, chain []string) (*GetTlsKeyResponse, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &GetTlsKeyResponse{Key: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), CertificateChain: chain}, nil
}

// issue has the KMS sign a certificate for key over a CSR that carries the
// CVM's attestation of it.
func (a *Agent) issue(ctx context.Context, key *ecdsa.PrivateKey, cfg wire.CertConfigV2) ([]string, error) {
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	att, err := a.cvm.Platform.Attest(ctx, ratls.ReportData(spki))
	if err != nil {
		return nil, prpc.Public("attesting the key failed", err)
	}
	enc, err := wire.Encode(att)
	if err != nil {
		return nil, prpc.Public("encoding the attestation failed", err)
	}
	csr := wire.CertSigningRequestV2{Confirm: wire.CSRConfirm, PubKey: spki, Config: cfg, Attestation: enc}
	body := csr.Encode()
	digest := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	resp, err := a.signer.SignCert(ctx, &kmsapi.SignCertRequest{APIVersion: 2, CSR: body, Signature: sig, VMConfig: a.cvm.Platform.Config()})
	if err != nil {
		var remote string
		if errors.Is(err, prpc.ErrRemote) {
			remote = ": " + err.Error()
		}
		return nil, prpc.Public("the KMS did not sign the certificate"+remote, err)
	}
	return resp.CertificateChain, nil
}

// startDemoCert issues, in the background, the client certificate Info
// reports as app_cert, as upstream does.
func (a *Agent) startDemoCert() {
	if a.signer == nil {
		return
	}
	a.demoOnce.Do(func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				return
			}
			chain, err := a.issue(ctx, key, wire.CertConfigV2{Subject: "demo-cert", UsageClientAuth: true, ExtQuote: true})
			if err != nil {
				a.log.Warn("issuing the demo certificate failed", zap.Error(err))
				return
			}
			a.demoMu.Lock()
			a.demoCert = strings.Join(chain, "\n")
			a.demoMu.Unlock()
		}()
	})
}

// derive is GetKey's derivation: HKDF(app k256 key, path), read as a
// secp256k1 scalar or an ed25519 seed, and the public key its signature
// names (compressed secp256k1, or raw ed25519).
func (a *Agent) derive(path, alg string) (key, pub []byte, err error) {
	key, err = kdf.GuestKey(a.cvm.Keys.K256Key, path)
	if err != nil {
		return nil, nil, err
	}
	switch normalize(alg) {
	case "ed25519":
		return key, ed25519.NewKeyFromSeed(key).Public().(ed25519.PublicKey), nil
	case "secp256k1", "":
		k, err := kdf.K256FromScalar(key)
		if err != nil {
			return nil, nil, prpc.Public("the derived key is not a valid secp256k1 scalar; use another path", err)
		}
		return key, crypto.CompressPubkey(&k.PublicKey), nil
	}
	return nil, nil, badAlgorithm(alg)
}

// GetKey derives a key for path, with upstream's signature chain: the app
// k256 key's signature over Keccak256(purpose ‖ ":" ‖ hex(pubkey)), then
// the KMS's signature of the app key.
func (a *Agent) GetKey(_ context.Context, req *GetKeyArgs) (*GetKeyResponse, error) {
	key, pub, err := a.derive(req.Path, req.Algorithm)
	if err != nil {
		return nil, err
	}
	app, err := kdf.K256FromScalar(a.cvm.Keys.K256Key)
	if err != nil {
		return nil, prpc.Public("the app key is unusable", err)
	}
	sig, err := kdf.Sign(app, kdf.GetKeyMessage(req.Purpose, pub))
	if err != nil {
		return nil, err
	}
	return &GetKeyResponse{Key: key, SignatureChain: []prpc.Bytes{sig, a.cvm.Keys.K256Signature}}, nil
}

// GetQuote returns a TDX quote over report_data and the stripped event log.
func (a *Agent) GetQuote(ctx context.Context, req *RawQuoteArgs) (*GetQuoteResponse, error) {
	rd, err := pad64(req.ReportData)
	if err != nil {
		return nil, err
	}
	att, err := a.cvm.Platform.Attest(ctx, rd)
	if err != nil {
		return nil, prpc.Public("quoting failed", err)
	}
	q, err := attest.NewQuoteResponse(att)
	if err != nil {
		return nil, prpc.Public("quoting failed", err)
	}
	return q, nil
}

// Attest returns the VersionedAttestation over report_data.
func (a *Agent) Attest(ctx context.Context, req *RawQuoteArgs) (*AttestResponse, error) {
	rd, err := pad64(req.ReportData)
	if err != nil {
		return nil, err
	}
	att, err := a.cvm.Platform.Attest(ctx, rd)
	if err != nil {
		return nil, prpc.Public("attesting failed", err)
	}
	b, err := wire.Encode(att)
	if err != nil {
		return nil, prpc.Public("encoding the attestation failed", err)
	}
	return &AttestResponse{Attestation: b}, nil
}

// Info describes the CVM from its own verified evidence.
func (a *Agent) Info(ctx context.Context, _ *Empty) (*AppInfo, error) {
	att, err := a.cvm.Platform.Attest(ctx, [64]byte{})
	if err != nil {
		return nil, prpc.Public("attesting failed", err)
	}
	v, err := attest.Verify(ctx, att, a.cvm.Attestation)
	if err != nil {
		return nil, prpc.Public("the CVM's own evidence does not verify", err)
	}
	info := v.AppInfo(false)
	tcb, err := json.MarshalIndent(map[string]any{
		"mrtd": hex.EncodeToString(v.TDX.MRTD[:]), "rtmr0": hex.EncodeToString(v.TDX.RTMR[0][:]),
		"rtmr1": hex.EncodeToString(v.TDX.RTMR[1][:]), "rtmr2": hex.EncodeToString(v.TDX.RTMR[2][:]),
		"rtmr3": hex.EncodeToString(v.TDX.RTMR[3][:]), "mr_aggregated": hex.EncodeToString(info.MrAggregated[:]),
		"os_image_hash": hex.EncodeToString(info.OSImageHash), "compose_hash": hex.EncodeToString(info.ComposeHash),
		"device_id": hex.EncodeToString(info.DeviceID), "event_log": att.TDX.EventLog, "app_compose": string(a.cvm.ComposeRaw),
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	a.demoMu.Lock()
	demo := a.demoCert
	a.demoMu.Unlock()
	return &AppInfo{
		AppID: info.AppID, InstanceID: info.InstanceID, AppCert: demo, TcbInfo: string(tcb), AppName: a.cvm.Compose.Name,
		DeviceID: info.DeviceID, MrAggregated: info.MrAggregated[:], OSImageHash: info.OSImageHash,
		KeyProviderInfo: string(info.KeyProviderInfo), ComposeHash: info.ComposeHash, VMConfig: att.Config,
		CloudVendor: readDMI("sys_vendor"), CloudProduct: readDMI("product_name"),
	}, nil
}

func readDMI(name string) string {
	b, err := os.ReadFile("/sys/class/dmi/id/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Sign signs data with the key GetKey derives for path "vms", purpose
// "signing": ed25519; secp256k1 over SHA-256(data), r ‖ s; or
// secp256k1_prehashed over a 32-byte digest.
func (a *Agent) Sign(ctx context.Context, req *SignRequest) (*SignResponse, error) {
	alg := normalize(req.Algorithm)
	keyAlg := alg
	switch alg {
	case "secp256k1_prehashed":
		keyAlg = "secp256k1"
		if len(req.Data) != 32 {
			return nil, prpc.Errorf("secp256k1_prehashed signs a 32-byte digest, got %d bytes", len(req.Data))
		}
	case "secp256k1", "ed25519":
	default:
		return nil, badAlgorithm(req.Algorithm)
	}
	k, err := a.GetKey(ctx, &GetKeyArgs{Path: "vms", Purpose: "signing", Algorithm: keyAlg})
	if err != nil {
		return nil, err
	}
	var sig, pub []byte
	switch alg {
	case "ed25519":
		priv := ed25519.NewKeyFromSeed(k.Key)
		sig, pub = ed25519.Sign(priv, req.Data), priv.Public().(ed25519.PublicKey)
	default:
		key, err := kdf.K256FromScalar(k.Key)
		if err != nil {
			return nil, prpc.Public("the signing key is unusable", err)
		}
		digest := []byte(req.Data)
		if alg == "secp256k1" {
			h := sha256.Sum256(req.Data)
			digest = h[:]
		}
		rs, err := crypto.Sign(digest, key)
		if err != nil {
			return nil, prpc.Public("signing failed", err)
		}
		sig, pub = rs[:64], crypto.CompressPubkey(&key.PublicKey)
	}
	return &SignResponse{Signature: sig, SignatureChain: []prpc.Bytes{sig, k.SignatureChain[0], k.SignatureChain[1]}, PublicKey: pub}, nil
}

// Verify checks a signature made as Sign makes it. A malformed key or
// signature is an error; a well-formed signature that does not verify is
// valid=false.
func (a *Agent) Verify(_ context.Context, req *VerifyRequest) (*VerifyResponse, error) {
	switch alg := normalize(req.Algorithm); alg {
	case "ed25519":
		if len(req.PublicKey) != ed25519.PublicKeySize {
			return nil, prpc.Errorf("ed25519 public key of %d bytes, want 32", len(req.PublicKey))
		}
		if len(req.Signature) != ed25519.SignatureSize {
			return nil, prpc.Errorf("ed25519 signature of %d bytes, want 64", len(req.Signature))
		}
		return &VerifyResponse{Valid: ed25519.Verify(ed25519.PublicKey(req.PublicKey), req.Data, req.Signature)}, nil
	case "secp256k1", "secp256k1_prehashed":
		if _, err := crypto.DecompressPubkey(req.PublicKey); err != nil {
			if _, err := crypto.UnmarshalPubkey(req.PublicKey); err != nil {
				return nil, prpc.Errorf("secp256k1 public key: want 33 (compressed) or 65 (uncompressed) SEC1 bytes")
			}
		}
		if len(req.Signature) != 64 {
			return nil, prpc.Errorf("secp256k1 signature of %d bytes, want 64 (r ‖ s)", len(req.Signature))
		}
		digest := []byte(req.Data)
		if alg == "secp256k1" {
			h := sha256.Sum256(req.Data)
			digest = h[:]
		} else if len(digest) != 32 {
			return nil, prpc.Errorf("secp256k1_prehashed verifies a 32-byte digest, got %d bytes", len(digest))
		}
		return &VerifyResponse{Valid: crypto.VerifySignature(req.PublicKey, digest, req.Signature)}, nil
	default:
		return nil, badAlgorithm(req.Algorithm)
	}
}

// Version reports the agent's version.
func (a *Agent) Version(context.Context, *Empty) (*WorkerVersion, error) {
	return &WorkerVersion{Version: Version, Rev: "dstack-go"}, nil
}
