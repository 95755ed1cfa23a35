package threshold

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
)

// MessagePath is where a node serves the messages of its peers.
const MessagePath = "/threshold/v1/message"

// StatusPath is where a node tells its peers which committee its shares
// are of (PeerStatus).
const StatusPath = "/threshold/v1/status"

// PeerStatus is what a node tells an authenticated peer of itself: the
// epochs of the committee and roots its shares are of, zero when it holds
// none. It lets a node that fell behind (a resharing that completed while
// it was down, before it sealed its new shares) learn so at once rather
// than wait for peers that moved on.
type PeerStatus struct {
	Epoch     uint64 `json:"epoch"`
	RootEpoch uint32 `json:"root_epoch"`
}

// MaxMessage bounds a message's body: the largest tss-lib messages (the
// DKG's Paillier and ring-Pedersen proofs) are some tens of kilobytes.
const MaxMessage = 1 << 20

// PeerPolicy judges an attested peer before any message moves either way:
// the KMS passes the check it applies to a KMS that onboards (the evidence
// binds its OS image, and the authorizer allows it as a KMS). An error
// refuses the peer.
type PeerPolicy func(ctx context.Context, ev *attest.Verified) error

// Peer is another node of the committee as the RA-TLS transport reaches
// it.
type Peer struct {
	// URL is the peer's base URL (https://host:port).
	URL string
	// Key is the SubjectPublicKeyInfo DER of the peer's identity key, the
	// key of its RA-TLS certificate: it names the peer. When empty it is
	// learned on first contact (PeerTransport.Learn): it is then the key
	// of whatever serves at URL with evidence that verifies and that the
	// PeerPolicy accepts, and stays that for the transport's lifetime.
	Key []byte
}

// PeerTransport carries a node's messages over mutual RA-TLS: each side
// verifies the other's attestation, the PeerPolicy, and that the
// certificate's key is the identity key of the committee member it claims
// to be, before a message is read or sent. A message's sender is the node
// whose identity key the TLS peer proved, never a name in the message.
type PeerTransport struct {
	// Node receives the messages.
	Node *Node
	// Peers are the other nodes, by name. Set it before use; after that
	// only Learn and SetPeers change it.
	Peers map[string]Peer
	// Certificate is this node's RA-TLS certificate on its identity key
	// (ratls.IssueFor).
	Certificate *tls.Certificate
	// Attestation verifies the peers' evidence.
	Attestation attest.Options
	// Policy judges each peer; required.
	Policy PeerPolicy
	// Logger receives refused peers and messages; nil means none.
	Logger *zap.Logger

	mu      sync.Mutex
	clients map[string]*http.Client
	server  *ratls.Verifier

	pmu   sync.RWMutex // guards Peers once in use
	learn sync.Mutex   // one Learn at a time
}

func (t *PeerTransport) log() *zap.Logger {
	if t.Logger != nil {
		return t.Logger
	}
	return zap.NewNop()
}

// SetPeers replaces the peers while the transport serves, for a committee
// change: a peer kept at the same URL keeps the identity key learned for
// it (unless peers names one), the others are learned anew (Learn), and a
// peer left out is neither talked to nor listened to any more.
func (t *PeerTransport) SetPeers(peers map[string]Peer) {
	t.pmu.Lock()
	next := make(map[string]Peer, len(peers))
	var stale []string
	for name, old := range t.Peers {
		if p, ok := peers[name]; !ok || p.URL != old.URL || (len(p.Key) > 0 && !bytes.Equal(p.Key, old.Key)) {
			stale = append(stale, name)
		}
	}
	for name, p := range peers {
		if old, ok := t.Peers[name]; ok && old.URL == p.URL && len(p.Key) == 0 {
			p.Key = old.Key
		}
		next[name] = p
	}
	t.Peers = next
	t.pmu.Unlock()
	t.mu.Lock()
	for _, name := range stale {
		delete(t.clients, name)
	}
	t.mu.Unlock()
}

// peerNamed returns the name of the peer whose identity key is spki.
func (t *PeerTransport) peerNamed(spki []byte) (string, bool) {
	t.pmu.RLock()
	defer t.pmu.RUnlock()
	for name, p := range t.Peers {
		if len(p.Key) > 0 && subtle.ConstantTimeCompare(p.Key, spki) == 1 {
			return name, true
		}
	}
	return "", false
}

// PeerKey returns the identity key of the peer name, once known.
func (t *PeerTransport) PeerKey(name string) []byte {
	t.pmu.RLock()
	defer t.pmu.RUnlock()
	return t.Peers[name].Key
}

// unknown lists the peers whose keys are not known yet.
func (t *PeerTransport) unknown() map[string]string {
	t.pmu.RLock()
	defer t.pmu.RUnlock()
	out := map[string]string{}
	for name, p := range t.Peers {
		if len(p.Key) == 0 {
			out[name] = p.URL
		}
	}
	return out
}

// Learn reaches every peer whose identity key is not known yet and learns
// it from the TLS handshake: the key of the certificate of the server at
// the peer's URL, whose evidence verifies and which the PeerPolicy
// accepts. It returns the peers it could not learn, with why.
func (t *PeerTransport) Learn(ctx context.Context) error {
	t.learn.Lock()
	defer t.learn.Unlock()
	var errs []error
	for name, u := range t.unknown() {
		key, err := t.probe(ctx, u)
		if err != nil {
			errs = append(errs, fmt.Errorf("learning the identity key of %s at %s: %w", name, u, err))
			continue
		}
		if other, ok := t.peerNamed(key); ok {
			errs = append(errs, fmt.Errorf("learning the identity key of %s at %s: it is %s's", name, u, other))
			continue
		}
		t.pmu.Lock()
		p := t.Peers[name]
		p.Key = key
		t.Peers[name] = p
		t.pmu.Unlock()
		t.log().Info("learned a threshold peer's identity key", zap.String("peer", name), zap.String("url", u))
	}
	return errors.Join(errs...)
}

// probe handshakes with the server at u and returns its certificate's
// key, once its attestation and the policy accept it.
func (t *PeerTransport) probe(ctx context.Context, u string) ([]byte, error) {
	host := strings.TrimPrefix(strings.TrimSuffix(u, "/"), "https://")
	if host == u || strings.ContainsAny(host, "/?#") {
		return nil, errors.New("a peer URL must be https://host:port")
	}
	var key []byte
	v := &ratls.Verifier{Attestation: t.Attestation, Policy: func(c *ratls.Claims) error {
		if t.Policy == nil {
			return errors.New("no peer policy configured")
		}
		if err := t.Policy(ctx, c.Evidence); err != nil {
			return fmt.Errorf("peer refused: %w", err)
		}
		key = bytes.Clone(c.Certificate.RawSubjectPublicKeyInfo)
		return nil
	}}
	d := tls.Dialer{Config: v.ClientConfig(t.Certificate)}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	_ = conn.Close()
	if key == nil {
		return nil, errors.New("the handshake gave no certificate")
	}
	return key, nil
}

// verifier returns a verifier whose policy accepts only peer want (any
// peer when want is empty; on the server side, while some peers' keys are
// still to be learned, also an unknown one that the policy accepts, so
// that its handshake to learn this node's key succeeds: Handler refuses
// its messages until this node has learned its key).
func (t *PeerTransport) verifier(want string) *ratls.Verifier {
	return &ratls.Verifier{Attestation: t.Attestation, Policy: func(c *ratls.Claims) error {
		name, ok := t.peerNamed(c.Certificate.RawSubjectPublicKeyInfo)
		if !ok && want == "" && len(t.unknown()) > 0 && t.Policy != nil {
			if err := t.Policy(context.Background(), c.Evidence); err != nil {
				return fmt.Errorf("unknown peer refused: %w", err)
			}
			return nil
		}
		switch {
		case !ok:
			return errors.New("the peer's key is not the identity key of any committee member")
		case want != "" && name != want:
			return fmt.Errorf("the peer is %s, not %s", name, want)
		case t.Policy == nil:
			return errors.New("no peer policy configured")
		}
		if err := t.Policy(context.Background(), c.Evidence); err != nil {
			return fmt.Errorf("peer %s refused: %w", name, err)
		}
		return nil
	}}
}

// ServerTLS is the TLS configuration to serve Handler with: this node's
// certificate, and a client certificate required and judged as above.
func (t *PeerTransport) ServerTLS() *tls.Config {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.server == nil {
		t.server = t.verifier("")
	}
	return t.server.ServerConfig(t.Certificate, true)
}

// Handler serves MessagePath: the body is one Message (JSON), handed to
// Node.Deliver as coming from the peer the TLS handshake proved. It must
// be served with ServerTLS.
func (t *PeerTransport) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+StatusPath, func(w http.ResponseWriter, r *http.Request) {
		if _, ok := t.sender(w, r); !ok {
			return
		}
		var st PeerStatus
		if sh := t.Node.Shares(); sh != nil && sh.Committee != nil {
			st = PeerStatus{Epoch: sh.Committee.Epoch, RootEpoch: sh.Committee.RootEpoch}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST "+MessagePath, func(w http.ResponseWriter, r *http.Request) {
		from, ok := t.sender(w, r)
		if !ok {
			return
		}
		m, err := DecodeMessage(http.MaxBytesReader(w, r.Body, MaxMessage))
		if err != nil {
			peerError(w, http.StatusBadRequest, err)
			return
		}
		if err := t.Node.Deliver(r.Context(), from, m); err != nil {
			t.log().Info("threshold message refused", zap.String("from", from), zap.String("session", m.Session), zap.Error(err))
			peerError(w, http.StatusBadRequest, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	})
	return mux
}

// DecodeMessage reads one message, refusing unknown fields and trailing
// data.
func DecodeMessage(r io.Reader) (*Message, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	m := new(Message)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("decoding a threshold message: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decoding a threshold message: trailing data")
	}
	if m.Session == "" || len(m.Session) > 256 {
		return nil, errors.New("decoding a threshold message: no or overlong session name")
	}
	return m, nil
}

func peerError(w http.ResponseWriter, status int, err error) {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (t *PeerTransport) client(to string) *http.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.clients[to]; c != nil {
		return c
	}
	if t.clients == nil {
		t.clients = map[string]*http.Client{}
	}
	c := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: t.verifier(to).ClientConfig(t.Certificate), MaxIdleConnsPerHost: 4, ForceAttemptHTTP2: false,
	}}
	t.clients[to] = c
	return c
}

// sender is the peer the request's TLS handshake proved, learning the
// keys of peers not reached yet when it is none of the known ones; a
// request from no committee member is answered with an error.
func (t *PeerTransport) sender(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		peerError(w, http.StatusUnauthorized, errors.New("a client RA-TLS certificate is required"))
		return "", false
	}
	// The handshake verified the certificate (ServerTLS); it names the peer.
	spki := r.TLS.PeerCertificates[0].RawSubjectPublicKeyInfo
	from, ok := t.peerNamed(spki)
	if !ok && len(t.unknown()) > 0 {
		// A peer this node has not reached yet: learn the keys of
		// those still unknown, then look again.
		if err := t.Learn(r.Context()); err != nil {
			t.log().Info("threshold peers not learned", zap.Error(err))
		}
		from, ok = t.peerNamed(spki)
	}
	if !ok {
		peerError(w, http.StatusForbidden, errors.New("not a committee member"))
		return "", false
	}
	return from, true
}

// Status asks the peer name which committee its shares are of, over the
// mutual RA-TLS its messages take; the peer's identity key must be known
// (Learn).
func (t *PeerTransport) Status(ctx context.Context, name string) (PeerStatus, error) {
	var st PeerStatus
	t.pmu.RLock()
	p, ok := t.Peers[name]
	t.pmu.RUnlock()
	if !ok || len(p.Key) == 0 {
		return st, fmt.Errorf("asking %s its status: not a peer whose identity key is known", name)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.URL, "/")+StatusPath, nil)
	if err != nil {
		return st, fmt.Errorf("asking %s its status: %w", name, err)
	}
	res, err := t.client(name).Do(req)
	if err != nil {
		return st, fmt.Errorf("asking %s its status: %w", name, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("asking %s its status: HTTP %d", name, res.StatusCode)
	}
	dec := json.NewDecoder(io.LimitReader(res.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return st, fmt.Errorf("asking %s its status: %w", name, err)
	}
	return st, nil
}

// Send implements Transport.
func (t *PeerTransport) Send(ctx context.Context, to string, m *Message) error {
	t.pmu.RLock()
	p, ok := t.Peers[to]
	t.pmu.RUnlock()
	if !ok {
		return fmt.Errorf("sending to %s: not a known peer", to)
	}
	if len(p.Key) == 0 {
		_ = t.Learn(ctx)
		if len(t.PeerKey(to)) == 0 {
			return fmt.Errorf("sending to %s: its identity key is not known yet (is it up at %s?)", to, p.URL)
		}
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.URL, "/")+MessagePath, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sending to %s: %w", to, err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := t.client(to).Do(req)
	if err != nil {
		return fmt.Errorf("sending to %s: %w", to, err)
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(rb, &e)
		return fmt.Errorf("sending to %s: HTTP %d: %s", to, res.StatusCode, e.Error)
	}
	return nil
}
