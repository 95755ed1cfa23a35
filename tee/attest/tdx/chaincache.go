package tdx

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-tdx-guest/abi"
	pb "github.com/google/go-tdx-guest/proto/tdx"
)

// Quote verification without collateral costs about eight ECDSA P-256
// verifications, six of them for the PCK certificate chain, which is the
// same for every quote a platform produces. Once go-tdx-guest has verified a
// chain against a root pool, the result is remembered here — keyed by the
// exact chain bytes and the pool — until the first certificate of the chain
// expires. A later quote with the same chain then has only its own
// signatures checked, by verifyWithVerifiedChain, which performs the same
// checks go-tdx-guest's verifyQuote does. Revocation is a separate check,
// made against collateral on every verification that has collateral.

const chainCacheSize = 256

type chainKey struct {
	chain [32]byte
	roots *x509.CertPool
}

type verifiedChain struct {
	pck       *x509.Certificate
	notAfter  time.Time // earliest NotAfter in the chain
	notBefore time.Time // latest NotBefore in the chain
}

var chains = newBounded[chainKey, *verifiedChain](chainCacheSize)

// bounded is a map that forgets its oldest entries beyond a size.
type bounded[K comparable, V any] struct {
	mu    sync.Mutex
	m     map[K]V
	order []K
	size  int
}

func newBounded[K comparable, V any](size int) *bounded[K, V] {
	return &bounded[K, V]{m: map[K]V{}, size: size}
}

func (b *bounded[K, V]) get(k K) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[k]
	return v, ok
}

func (b *bounded[K, V]) put(k K, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[k]; !ok {
		for len(b.order) >= b.size {
			delete(b.m, b.order[0])
			b.order = b.order[1:]
		}
		b.order = append(b.order, k)
	}
	b.m[k] = v
}

func (b *bounded[K, V]) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m, b.order = map[K]V{}, nil
}

func chainKeyOf(q *pb.QuoteV4, roots *x509.CertPool) chainKey {
	raw := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	return chainKey{chain: sha256.Sum256(raw), roots: roots}
}

func lookupChain(k chainKey, now time.Time) *verifiedChain {
	c, _ := chains.get(k)
	if c == nil || now.After(c.notAfter) || now.Before(c.notBefore) {
		return nil
	}
	return c
}

// rememberChain records a chain go-tdx-guest has just verified.
func rememberChain(k chainKey, q *pb.QuoteV4) {
	raw := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	certs, err := parseChain(raw)
	if err != nil {
		return
	}
	v := &verifiedChain{pck: certs[0], notAfter: certs[0].NotAfter, notBefore: certs[0].NotBefore}
	for _, c := range certs[1:] {
		if c.NotAfter.Before(v.notAfter) {
			v.notAfter = c.NotAfter
		}
		if c.NotBefore.After(v.notBefore) {
			v.notBefore = c.NotBefore
		}
	}
	chains.put(k, v)
}

func parseChain(raw []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := bytes.TrimRight(raw, "\x00")
	for len(rest) > 0 {
		pck, err := pckLeaf(&pb.QuoteV4{SignedData: &pb.Ecdsa256BitQuoteV4AuthData{CertificationData: &pb.CertificationData{
			QeReportCertificationData: &pb.QEReportCertificationData{PckCertificateChainData: &pb.PCKCertificateChainData{PckCertChain: rest}},
		}}})
		if err != nil {
			return nil, err
		}
		certs = append(certs, pck)
		i := bytes.Index(rest, []byte("-----END CERTIFICATE-----"))
		if i < 0 {
			break
		}
		rest = bytes.TrimLeft(rest[i+len("-----END CERTIFICATE-----"):], "\r\n")
	}
	if len(certs) != 3 {
		return nil, fmt.Errorf("%w: PCK chain of %d certificates", ErrQuoteFormat, len(certs))
	}
	return certs, nil
}

var errFastPath = errors.New("quote signature check failed")

// verifyWithVerifiedChain checks what remains of a quote once its PCK chain
// is known to be good: the TEE type, the quote signature by the attestation
// key over header and TD report, the QE report signature by the PCK key, and
// the QE report's binding of the attestation key and QE authentication data.
func verifyWithVerifiedChain(q *pb.QuoteV4, chain *verifiedChain) error {
	if q.GetHeader().GetTeeType() != abi.TeeTDX {
		return fmt.Errorf("%w: %v", errFastPath, abi.ErrTeeType)
	}
	sd := q.GetSignedData()
	key := sd.GetEcdsaAttestationKey()
	pub, err := ecdsa.ParseUncompressedPublicKey(ellipticP256, append([]byte{4}, key...))
	if err != nil {
		return fmt.Errorf("%w: attestation key: %v", errFastPath, err)
	}
	hb, err := abi.HeaderToAbiBytes(q.GetHeader())
	if err != nil {
		return fmt.Errorf("%w: %v", errFastPath, err)
	}
	bb, err := abi.TdQuoteBodyToAbiBytes(q.GetTdQuoteBody())
	if err != nil {
		return fmt.Errorf("%w: %v", errFastPath, err)
	}
	sig, err := abi.SignatureToDER(sd.GetSignature())
	if err != nil {
		return fmt.Errorf("%w: %v", errFastPath, err)
	}
	digest := sha256.Sum256(append(hb, bb...))
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return fmt.Errorf("%w: unable to verify message digest using quote's signature and ecdsa attestation key", errFastPath)
	}
	qe := sd.GetCertificationData().GetQeReportCertificationData()
	rawQE, err := abi.EnclaveReportToAbiBytes(qe.GetQeReport())
	if err != nil {
		return fmt.Errorf("%w: QE report: %v", errFastPath, err)
	}
	qeSig, err := abi.SignatureToDER(qe.GetQeReportSignature())
	if err != nil {
		return fmt.Errorf("%w: QE report signature: %v", errFastPath, err)
	}
	if err := chain.pck.CheckSignature(x509.ECDSAWithSHA256, rawQE, qeSig); err != nil {
		return fmt.Errorf("%w: QE report signature: %v", errFastPath, err)
	}
	want := sha256.Sum256(append(bytes.Clone(key), qe.GetQeAuthData().GetData()...))
	rd := qe.GetQeReport().GetReportData()
	if len(rd) != 64 || !bytes.Equal(rd[:32], want[:]) || !bytes.Equal(rd[32:], make([]byte, 32)) {
		return fmt.Errorf("%w: QE report data does not bind the attestation key", errFastPath)
	}
	return nil
}
