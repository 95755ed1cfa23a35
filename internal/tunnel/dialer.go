package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
	"golang.org/x/sync/singleflight"

	"github.com/dstack-go/dstack/tee/ratls"
)

// Dialer is the gateway end of the tunnel.
type Dialer struct {
	// Certificate is the gateway's RA-TLS client certificate. Required
	// unless GetCertificate is set.
	Certificate *tls.Certificate
	// GetCertificate, when set, returns the certificate to present on each
	// new connection instead (for one that is renewed).
	GetCertificate func() *tls.Certificate
	// Verifier verifies the guests' certificates; its cache makes a
	// repeated certificate cost a lookup. Required.
	Verifier *ratls.Verifier
	// Timeout bounds connecting and the handshake; 0 means 10 seconds.
	Timeout time.Duration
	// KeepAlive is the TCP keep-alive period; 0 means Go's default.
	KeepAlive time.Duration
	// MaxSessionAge bounds how long DialMux opens streams on one
	// multiplexed connection, so that a guest's renewed certificate (and
	// its fresh evidence) is taken up; a connection is also left when the
	// guest's certificate expires. Streams open on a connection that is
	// left run on until they end. 0 means one hour.
	MaxSessionAge time.Duration
	// Now is the clock that ages multiplexed connections, as the
	// Verifier's judges certificates; nil means time.Now.
	Now func() time.Time

	once     sync.Once
	tlsCfg   *tls.Config
	muxCfg   *tls.Config
	mu       sync.Mutex
	sessions map[string]*muxSession
	dials    singleflight.Group // of multiplexed connections, by address
	closed   bool
	done     chan struct{} // closed by Close
}

func (d *Dialer) init() {
	d.once.Do(func() {
		d.tlsCfg = d.Verifier.ClientConfig(d.Certificate)
		d.tlsCfg.MinVersion = tls.VersionTLS13
		d.tlsCfg.NextProtos = []string{ALPN}
		d.tlsCfg.ClientSessionCache = tls.NewLRUClientSessionCache(1024)
		if d.GetCertificate != nil {
			d.tlsCfg.Certificates = nil
			d.tlsCfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				return d.GetCertificate(), nil
			}
		}
		d.muxCfg = d.tlsCfg.Clone()
		d.muxCfg.NextProtos = []string{ALPNMux}
		d.sessions = map[string]*muxSession{}
		d.done = make(chan struct{})
	})
}

func (d *Dialer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// timeout is Timeout or its default.
func (d *Dialer) timeout() time.Duration {
	if d.Timeout <= 0 {
		return 10 * time.Second
	}
	return d.Timeout
}

// Conn is one stream to a CVM port: a TLS connection of its own (Dial) or
// a stream of a multiplexed one (DialMux). Claims are the guest's verified
// claims. The guest's status byte is read with the first Read; a refused
// port or a target that is down is that Read's error.
type Conn struct {
	net.Conn
	Claims *ratls.Claims

	tls        *tls.Conn // the TLS connection the stream runs on
	statusOnce sync.Once
	statusErr  error
}

// ConnectionState is the state of the TLS connection the stream runs on.
func (c *Conn) ConnectionState() tls.ConnectionState { return c.tls.ConnectionState() }

// CloseWrite ends the stream's bytes to the guest; the guest's to the
// gateway may go on.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// Read implements net.Conn.
func (c *Conn) Read(p []byte) (int, error) {
	c.statusOnce.Do(func() {
		var s [1]byte
		if _, err := c.Conn.Read(s[:]); err != nil {
			c.statusErr = fmt.Errorf("tunnel: reading the CVM's status: %w", err)
			return
		}
		c.statusErr = statusError(s[0])
	})
	if c.statusErr != nil {
		return 0, c.statusErr
	}
	if len(p) == 0 {
		return 0, nil // a multiplexed stream's Read would wait for data
	}
	return c.Conn.Read(p)
}

// Status waits for the guest's answer to the header: nil when the target
// port is connected.
func (c *Conn) Status() error {
	_, err := c.Read(nil)
	return err
}

// Dial opens a stream to port on the guest whose tunnel listens at addr.
// check judges the guest's verified claims (app id, compose hash, TCB, …)
// before anything is sent; its error is Dial's.
func (d *Dialer) Dial(ctx context.Context, addr string, port uint16, check func(*ratls.Claims) error) (*Conn, error) {
	if (d.Certificate == nil && d.GetCertificate == nil) || d.Verifier == nil {
		return nil, errors.New("tunnel: dialer needs a certificate and a verifier")
	}
	d.init()
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	tc, claims, err := d.connect(ctx, addr, d.tlsCfg)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(claims); err != nil {
			tc.Close()
			return nil, fmt.Errorf("tunnel: %s refused: %w", addr, err)
		}
	}
	if _, err := tc.Write(AppendHeader(nil, port)); err != nil {
		tc.Close()
		return nil, fmt.Errorf("tunnel: %s: sending the header: %w", addr, err)
	}
	return &Conn{Conn: tc, Claims: claims, tls: tc}, nil
}

// connect dials addr and completes the mutual RA-TLS handshake.
func (d *Dialer) connect(ctx context.Context, addr string, cfg *tls.Config) (*tls.Conn, *ratls.Claims, error) {
	nd := net.Dialer{KeepAlive: d.KeepAlive}
	raw, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("tunnel: connecting to %s: %w", addr, err)
	}
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, nil, fmt.Errorf("tunnel: handshake with %s: %w", addr, err)
	}
	claims, err := d.Verifier.Claims(tc.ConnectionState())
	if err != nil {
		tc.Close()
		return nil, nil, fmt.Errorf("tunnel: %s: %w", addr, err)
	}
	return tc, claims, nil
}

// muxSession is a multiplexed connection to one guest.
type muxSession struct {
	mux    *yamux.Session
	tls    *tls.Conn
	claims *ratls.Claims
	until  time.Time // streams are opened on it until then
}

func (s *muxSession) usable(now time.Time) bool { return !s.mux.IsClosed() && now.Before(s.until) }

// retire closes the session once its last stream has ended, or when done
// is closed.
func (s *muxSession) retire(done <-chan struct{}) {
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for s.mux.NumStreams() > 0 {
			select {
			case <-s.mux.CloseChan():
				return
			case <-done:
				s.mux.Close()
				return
			case <-t.C:
			}
		}
		s.mux.Close()
	}()
}

// ErrDialerClosed is DialMux's error after Close.
var ErrDialerClosed = errors.New("tunnel: dialer closed")

// DialMux is Dial over a multiplexed connection to the guest at addr
// (ALPN dstack-tunnel/2): the first stream dials it, and later streams
// open on it without a handshake until MaxSessionAge or the guest
// certificate's expiry. check judges the connection's verified claims for
// every stream, before anything is sent on it.
func (d *Dialer) DialMux(ctx context.Context, addr string, port uint16, check func(*ratls.Claims) error) (*Conn, error) {
	if (d.Certificate == nil && d.GetCertificate == nil) || d.Verifier == nil {
		return nil, errors.New("tunnel: dialer needs a certificate and a verifier")
	}
	d.init()
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	for attempt := 0; ; attempt++ {
		s, err := d.session(ctx, addr)
		if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(s.claims); err != nil {
				return nil, fmt.Errorf("tunnel: %s refused: %w", addr, err)
			}
		}
		st, err := s.mux.OpenStream()
		if err == nil {
			if _, err = st.Write(AppendHeader(nil, port)); err == nil {
				return &Conn{Conn: &muxStream{Stream: st}, Claims: s.claims, tls: s.tls}, nil
			}
			st.Close()
		}
		// The connection ended under us: one more try on a new one.
		d.drop(addr, s)
		if attempt > 0 {
			return nil, fmt.Errorf("tunnel: %s: opening a stream: %w", addr, err)
		}
	}
}

// session returns a usable multiplexed connection to addr, dialing one
// when there is none: once, whatever the number of callers waiting for
// it, who all get its result — so a CVM that is down costs one dial per
// round of callers, not one after the other.
func (d *Dialer) session(ctx context.Context, addr string) (*muxSession, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, ErrDialerClosed
	}
	if s := d.sessions[addr]; s != nil && s.usable(d.now()) {
		d.mu.Unlock()
		return s, nil
	}
	d.mu.Unlock()
	res := d.dials.DoChan(addr, func() (any, error) { return d.newSession(addr) })
	select {
	case r := <-res:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*muxSession), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("tunnel: connecting to %s: %w", addr, ctx.Err())
	}
}

// newSession replaces addr's session by a new one, unless one that is
// usable appeared meanwhile. The dial has its own timeout: a caller that
// gives up does not fail the others waiting for it.
func (d *Dialer) newSession(addr string) (*muxSession, error) {
	now := d.now()
	d.mu.Lock()
	old := d.sessions[addr]
	if old != nil && old.usable(now) {
		d.mu.Unlock()
		return old, nil
	}
	delete(d.sessions, addr)
	d.sweepLocked(now)
	d.mu.Unlock()
	if old != nil {
		old.retire(d.done)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout())
	defer cancel()
	s, err := d.dialSession(ctx, addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		s.mux.Close()
		return nil, ErrDialerClosed
	}
	d.sessions[addr] = s
	return s, nil
}

// sweepLocked retires the sessions no longer usable, of any address.
func (d *Dialer) sweepLocked(now time.Time) {
	for a, s := range d.sessions {
		if !s.usable(now) {
			delete(d.sessions, a)
			s.retire(d.done)
		}
	}
}

func (d *Dialer) dialSession(ctx context.Context, addr string) (*muxSession, error) {
	tc, claims, err := d.connect(ctx, addr, d.muxCfg)
	if err != nil {
		return nil, err
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != ALPNMux {
		tc.Close()
		return nil, fmt.Errorf("tunnel: %s does not multiplex (ALPN %q)", addr, p)
	}
	mux, err := yamux.Client(tc, muxConfig())
	if err != nil {
		tc.Close()
		return nil, fmt.Errorf("tunnel: %s: multiplexing: %w", addr, err)
	}
	age := d.MaxSessionAge
	if age <= 0 {
		age = time.Hour
	}
	until := d.now().Add(age)
	if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 && certs[0].NotAfter.Before(until) {
		until = certs[0].NotAfter
	}
	return &muxSession{mux: mux, tls: tc, claims: claims, until: until}, nil
}

// drop forgets s as addr's session and closes it once its streams end.
func (d *Dialer) drop(addr string, s *muxSession) {
	d.mu.Lock()
	if d.sessions != nil && d.sessions[addr] == s {
		delete(d.sessions, addr)
	}
	d.mu.Unlock()
	s.retire(d.done)
}

// Close closes every multiplexed connection, and the streams on them;
// DialMux fails after it. Dial is unaffected.
func (d *Dialer) Close() error {
	d.init()
	d.mu.Lock()
	if !d.closed {
		close(d.done)
	}
	d.closed = true
	sessions := d.sessions
	d.sessions = map[string]*muxSession{}
	d.mu.Unlock()
	for _, s := range sessions {
		s.mux.Close()
	}
	return nil
}
