// Package cttest serves an RFC 6962 Certificate Transparency log from
// memory on loopback, for tests: get-sth (signed with a key of its own),
// get-sth-consistency and get-entries, over a Merkle tree of the entries
// added. It can be taken down and can rewrite its history, so that a
// monitor's answer to an unreachable or inconsistent log can be tested.
// For tests and the development stack (dstack dev up --acme) only: it
// keeps nothing and accepts whatever it is given.
package cttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
)

// MaxBatch is the most entries get-entries returns at once.
const MaxBatch = 3

// Log is an in-memory CT log served on loopback.
type Log struct {
	srv  *httptest.Server
	key  *ecdsa.PrivateKey
	mu   sync.Mutex
	down bool
	// leaves are the MerkleTreeLeaf encodings, extra their extra_data.
	leaves, extra [][]byte
	tree          *testonly.Tree
	// Requests counts the requests served, by path.
	requests map[string]int
}

// New starts a log; it stops when the test ends.
func New(t testing.TB) *Log {
	t.Helper()
	l, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// Start starts a log on loopback, until Close.
func Start() (*Log, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	l := &Log{key: key, tree: testonly.New(rfc6962.DefaultHasher), requests: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ct/v1/get-sth", l.sth)
	mux.HandleFunc("GET /ct/v1/get-sth-consistency", l.consistency)
	mux.HandleFunc("GET /ct/v1/get-entries", l.entries)
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		down := l.down
		l.requests[r.URL.Path]++
		l.mu.Unlock()
		if down {
			http.Error(w, "log down", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return l, nil
}

// Close stops the log.
func (l *Log) Close() { l.srv.Close() }

// URL is the log's base URL.
func (l *Log) URL() string { return l.srv.URL }

// PublicKey is the log's key, DER SubjectPublicKeyInfo.
func (l *Log) PublicKey() []byte {
	der, _ := x509.MarshalPKIXPublicKey(&l.key.PublicKey)
	return der
}

// SetDown makes every request fail (503) or be served again.
func (l *Log) SetDown(down bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = down
}

// Requests is how many requests for path were served.
func (l *Log) Requests(path string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.requests[path]
}

// AddCert logs a certificate (DER).
func (l *Log) AddCert(t testing.TB, der []byte) {
	t.Helper()
	if err := l.Add(der); err != nil {
		t.Fatal(err)
	}
}

// Add logs a certificate (DER).
func (l *Log) Add(der []byte) error {
	return l.append(&ct.TimestampedEntry{EntryType: ct.X509LogEntryType, X509Entry: &ct.ASN1Cert{Data: der}},
		ct.CertificateChain{})
}

// AddPrecert logs a precertificate: the TBSCertificate of cert (DER), as
// a log stores a precertificate's once its poison is removed.
func (l *Log) AddPrecert(t testing.TB, certDER []byte) {
	t.Helper()
	c, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	l.add(t, &ct.TimestampedEntry{EntryType: ct.PrecertLogEntryType,
		PrecertEntry: &ct.PreCert{IssuerKeyHash: sha256.Sum256(c.RawSubjectPublicKeyInfo), TBSCertificate: c.RawTBSCertificate}},
		ct.PrecertChainEntry{PreCertificate: ct.ASN1Cert{Data: certDER}})
}

// AddRaw logs a leaf whose certificate bytes are raw (which need not parse).
func (l *Log) AddRaw(t testing.TB, raw []byte) {
	t.Helper()
	l.add(t, &ct.TimestampedEntry{EntryType: ct.X509LogEntryType, X509Entry: &ct.ASN1Cert{Data: raw}}, ct.CertificateChain{})
}

func (l *Log) add(t testing.TB, e *ct.TimestampedEntry, extra any) {
	t.Helper()
	if err := l.append(e, extra); err != nil {
		t.Fatal(err)
	}
}

func (l *Log) append(e *ct.TimestampedEntry, extra any) error {
	e.Timestamp = uint64(time.Now().UnixMilli())
	leaf, err := cttls.Marshal(ct.MerkleTreeLeaf{Version: ct.V1, LeafType: ct.TimestampedEntryLeafType, TimestampedEntry: e})
	if err != nil {
		return err
	}
	ex, err := cttls.Marshal(extra)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leaves, l.extra = append(l.leaves, leaf), append(l.extra, ex)
	l.tree.AppendData(leaf)
	return nil
}

// ServeInstead makes get-entries serve, as entry i, a certificate other
// than the one the tree holds: the log then serves entries it never
// signed.
func (l *Log) ServeInstead(t testing.TB, i int, der []byte) {
	t.Helper()
	leaf, err := cttls.Marshal(ct.MerkleTreeLeaf{Version: ct.V1, LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{EntryType: ct.X509LogEntryType, X509Entry: &ct.ASN1Cert{Data: der}}})
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leaves[i] = leaf // the tree keeps the hash of the logged one
}

// Rewrite replaces the history: the tree is rebuilt with entry i's leaf
// changed, so that a head signed from now on is not consistent with one
// signed before.
func (l *Log) Rewrite(t testing.TB, i int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leaves[i] = append(l.leaves[i][:len(l.leaves[i]):len(l.leaves[i])], 0)
	l.tree = testonly.New(rfc6962.DefaultHasher)
	l.tree.AppendData(l.leaves...)
}

func (l *Log) sth(w http.ResponseWriter, _ *http.Request) {
	l.mu.Lock()
	sth := ct.SignedTreeHead{Version: ct.V1, TreeSize: l.tree.Size(), Timestamp: uint64(time.Now().UnixMilli())}
	copy(sth.SHA256RootHash[:], l.tree.Hash())
	l.mu.Unlock()
	in, err := ct.SerializeSTHSignatureInput(sth)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sig, err := cttls.CreateSignature(*l.key, cttls.SHA256, in)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	enc, err := cttls.Marshal(sig)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	write(w, ct.GetSTHResponse{TreeSize: sth.TreeSize, Timestamp: sth.Timestamp, SHA256RootHash: sth.SHA256RootHash[:], TreeHeadSignature: enc})
}

func (l *Log) consistency(w http.ResponseWriter, r *http.Request) {
	first, err1 := strconv.ParseUint(r.URL.Query().Get("first"), 10, 64)
	second, err2 := strconv.ParseUint(r.URL.Query().Get("second"), 10, 64)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err1 != nil || err2 != nil || first > second || second > l.tree.Size() {
		http.Error(w, "bad first/second", http.StatusBadRequest)
		return
	}
	p, err := l.tree.ConsistencyProof(first, second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	write(w, ct.GetSTHConsistencyResponse{Consistency: p})
}

func (l *Log) entries(w http.ResponseWriter, r *http.Request) {
	start, err1 := strconv.ParseInt(r.URL.Query().Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(r.URL.Query().Get("end"), 10, 64)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err1 != nil || err2 != nil || start < 0 || end < start || start >= int64(len(l.leaves)) {
		http.Error(w, "bad start/end", http.StatusBadRequest)
		return
	}
	end = min(end, int64(len(l.leaves))-1, start+MaxBatch-1)
	var out ct.GetEntriesResponse
	for i := start; i <= end; i++ {
		out.Entries = append(out.Entries, ct.LeafEntry{LeafInput: l.leaves[i], ExtraData: l.extra[i]})
	}
	write(w, out)
}

func write(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
