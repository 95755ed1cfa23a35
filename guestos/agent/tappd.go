package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"
	"net/http"

	xsha3 "golang.org/x/crypto/sha3"

	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/wire"
)

// Upstream's legacy Tappd API (/prpc/Tappd.<Method>, tappd.sock), which the
// SDKs' deprecated TappdClient still calls.

// DeriveKeyArgs asks for a certificate on a key derived from the app key
// (or a random one with random_seed).
type DeriveKeyArgs struct {
	Path            string   `json:"path"`
	Subject         string   `json:"subject"`
	AltNames        []string `json:"alt_names"`
	UsageRaTls      bool     `json:"usage_ra_tls"`
	UsageServerAuth bool     `json:"usage_server_auth"`
	UsageClientAuth bool     `json:"usage_client_auth"`
	RandomSeed      bool     `json:"random_seed"`
}

// DeriveK256KeyResponse is GetKey's answer under its Tappd names.
type DeriveK256KeyResponse struct {
	K256Key            prpc.Bytes   `json:"k256_key"`
	K256SignatureChain []prpc.Bytes `json:"k256_signature_chain"`
}

// TdxQuoteArgs asks for a quote over hash(prefix ‖ ":" ‖ report_data).
type TdxQuoteArgs struct {
	ReportData    prpc.Bytes `json:"report_data"`
	HashAlgorithm string     `json:"hash_algorithm"`
	Prefix        string     `json:"prefix"`
}

// TdxQuoteResponse is the quote and its event log.
type TdxQuoteResponse struct {
	Quote         prpc.Bytes `json:"quote"`
	EventLog      string     `json:"event_log"`
	HashAlgorithm string     `json:"hash_algorithm"`
	Prefix        string     `json:"prefix"`
}

// TappdHandler serves the legacy Tappd API under /prpc/, and DstackGuest
// at /<Method>, where the SDKs' TappdClient sends the methods it inherits
// from DstackClient.
func (a *Agent) TappdHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/prpc/", a.tappdServer())
	mux.Handle("/", a.bareHandler())
	return mux
}

func (a *Agent) tappdServer() *prpc.Server {
	return &prpc.Server{Base: "/prpc/", ServicePrefix: "Tappd.", Logger: a.log, Methods: map[string]prpc.Method{
		"DeriveKey":     prpc.Handle(a.DeriveKey).MaxBody(maxNamesBody),
		"DeriveK256Key": prpc.Handle(a.DeriveK256Key),
		"TdxQuote":      prpc.Handle(a.TdxQuote).MaxBody(maxDataBody),
		"RawQuote":      prpc.Handle(a.RawQuote),
		"Info":          prpc.Handle(a.Info),
		"Version":       prpc.Handle(a.Version),
	}}
}

// DeriveKey is Tappd's DeriveKey: the P-256 key HKDF(app k256 key, path)
// (or of a random seed) and a KMS-signed certificate for it.
func (a *Agent) DeriveKey(ctx context.Context, req *DeriveKeyArgs) (*GetTlsKeyResponse, error) {
	if a.signer == nil {
		return nil, prpc.Errorf("no KMS to sign certificates")
	}
	notAfter, err := a.notAfter(nil, nil)
	if err != nil {
		return nil, err
	}
	seed := a.cvm.Keys.K256Key
	if req.RandomSeed {
		seed = make([]byte, 32)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
	}
	d, err := kdf.DeriveKey(seed, 32, []byte(req.Path))
	if err != nil {
		return nil, err
	}
	key, err := kdf.P256FromScalar(d)
	if err != nil {
		return nil, prpc.Public("the derived key is not a valid P-256 scalar; use another path", err)
	}
	chain, err := a.issue(ctx, key, wire.CertConfigV2{
		Subject: req.Subject, SubjectAltNames: req.AltNames, UsageServerAuth: req.UsageServerAuth,
		UsageClientAuth: req.UsageClientAuth, ExtQuote: req.UsageRaTls, NotAfter: notAfter,
	})
	if err != nil {
		return nil, err
	}
	return tlsKeyResponse(key, chain)
}

// DeriveK256Key is GetKey under Tappd's names.
func (a *Agent) DeriveK256Key(ctx context.Context, req *GetKeyArgs) (*DeriveK256KeyResponse, error) {
	r, err := a.GetKey(ctx, req)
	if err != nil {
		return nil, err
	}
	return &DeriveK256KeyResponse{K256Key: r.Key, K256SignatureChain: r.SignatureChain}, nil
}

// reportHashes are Tappd's hash algorithms. Keccak-384 is listed upstream
// but no Go library here offers it; it is refused rather than faked.
var reportHashes = map[string]func() hash.Hash{
	"sha256":    sha256.New,
	"sha384":    sha512.New384,
	"sha512":    sha512.New,
	"sha3-256":  func() hash.Hash { return sha3.New256() },
	"sha3-384":  func() hash.Hash { return sha3.New384() },
	"sha3-512":  func() hash.Hash { return sha3.New512() },
	"keccak256": xsha3.NewLegacyKeccak256,
	"keccak512": xsha3.NewLegacyKeccak512,
}

// TdxQuote quotes hash(prefix ‖ ":" ‖ report_data) zero-padded to 64
// bytes (default sha512 and "app-data"), or with "raw" exactly 64 bytes of
// report_data. The response's prefix is "app-data" for every hashed quote
// and "" for raw ones, as upstream answers.
func (a *Agent) TdxQuote(ctx context.Context, req *TdxQuoteArgs) (*TdxQuoteResponse, error) {
	alg := req.HashAlgorithm
	if alg == "" {
		alg = "sha512"
	}
	var rd [64]byte
	respPrefix := ""
	if alg == "raw" {
		if len(req.ReportData) != 64 {
			return nil, prpc.Errorf("raw report_data must be exactly 64 bytes, got %d", len(req.ReportData))
		}
		copy(rd[:], req.ReportData)
	} else {
		newHash, ok := reportHashes[alg]
		if !ok {
			return nil, prpc.Errorf("unsupported hash_algorithm %q: use sha256, sha384, sha512, sha3-256, sha3-384, sha3-512, keccak256, keccak512 or raw", alg)
		}
		prefix := req.Prefix
		if prefix == "" {
			prefix = "app-data"
		}
		h := newHash()
		h.Write([]byte(prefix + ":"))
		h.Write(req.ReportData)
		copy(rd[:], h.Sum(nil))
		respPrefix = "app-data"
	}
	q, err := a.GetQuote(ctx, &RawQuoteArgs{ReportData: rd[:]})
	if err != nil {
		return nil, err
	}
	return &TdxQuoteResponse{Quote: prpc.Bytes(q.Quote), EventLog: q.EventLog, HashAlgorithm: alg, Prefix: respPrefix}, nil
}

// RawQuote is TdxQuote with "raw".
func (a *Agent) RawQuote(ctx context.Context, req *RawQuoteArgs) (*TdxQuoteResponse, error) {
	return a.TdxQuote(ctx, &TdxQuoteArgs{ReportData: req.ReportData, HashAlgorithm: "raw"})
}
