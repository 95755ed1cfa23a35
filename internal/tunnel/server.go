package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/ratls"
)

// DefaultHandshakeTimeout bounds a stream's TLS handshake and header.
const DefaultHandshakeTimeout = 10 * time.Second

// Server is the guest end of the tunnel: it accepts streams from the gateway
// named on chain and relays each to a local port.
type Server struct {
	// Certificate is the guest's RA-TLS server certificate. Required
	// unless GetCertificate is set.
	Certificate *tls.Certificate
	// GetCertificate, when set, returns the certificate to present to each
	// new handshake instead of Certificate, for one that is renewed: a
	// stream already open keeps going whatever it returns later, and a
	// handshake that resumes a session stands on the certificate the
	// session was made with until that one expires (crypto/tls resumes no
	// session whose peer certificate has expired). A nil answer refuses the
	// handshake.
	GetCertificate func() *tls.Certificate
	// Attestation verifies the gateway's evidence.
	Attestation attest.Options
	// Gateway reads the gateway app id the peer must prove. Required.
	Gateway GatewayAppIDSource
	// GatewayCacheTTL is how long an answer of Gateway is reused, so that
	// a handshake does not read the chain: a new gateway app id on chain
	// takes effect within it. 0 means 2 seconds; negative reads Gateway at
	// every handshake.
	GatewayCacheTTL time.Duration
	// Ports maps the ports the gateway may name to the addresses they are
	// relayed to; any other port is refused (StatusPortRefused). Nil relays
	// nothing: a guest relays the ports its app publishes (ComposeRoutes),
	// never a loopback-only service the gateway names.
	Ports map[uint16]string
	// HandshakeTimeout bounds the handshake and header; 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// DialTimeout bounds connecting to the target; 0 means 5 seconds.
	DialTimeout time.Duration
	// Logger receives refusals; nil means none.
	Logger *zap.Logger

	once     sync.Once
	verifier *ratls.Verifier
	tlsCfg   *tls.Config
	mu       sync.Mutex
	lns      map[net.Listener]struct{}
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
	open     atomic.Int64
}

func (s *Server) init() {
	s.once.Do(func() {
		gw := s.Gateway
		switch ttl := s.GatewayCacheTTL; {
		case ttl == 0:
			gw = CachedGatewayAppID(gw, 2*time.Second)
		case ttl > 0:
			gw = CachedGatewayAppID(gw, ttl)
		}
		s.verifier = &ratls.Verifier{Attestation: s.Attestation, Policy: GatewayPolicy(gw)}
		cert := s.Certificate
		if s.GetCertificate != nil {
			cert = nil
		}
		s.tlsCfg = s.verifier.ServerConfig(cert, true)
		if get := s.GetCertificate; get != nil {
			s.tlsCfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				if c := get(); c != nil {
					return c, nil
				}
				return nil, errNoCertificate
			}
		}
		s.tlsCfg.MinVersion = tls.VersionTLS13
		s.tlsCfg.NextProtos = []string{ALPNMux, ALPN}
		s.lns = map[net.Listener]struct{}{}
		s.conns = map[net.Conn]struct{}{}
		if s.Logger == nil {
			s.Logger = zap.NewNop()
		}
	})
}

// TLSConfig returns the server's TLS configuration.
func (s *Server) TLSConfig() *tls.Config {
	s.init()
	return s.tlsCfg
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("tunnel: server closed")

var errNoCertificate = errors.New("tunnel: the server has no certificate to present")

// Serve accepts streams on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	if (s.Certificate == nil && s.GetCertificate == nil) || s.Gateway == nil {
		return errors.New("tunnel: server needs a certificate and a gateway app id source")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			delete(s.lns, ln)
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("tunnel: accepting: %w", err)
		}
		if !s.track(c, true) {
			c.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		s.open.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.open.Add(-1)
			defer s.track(c, false)
			s.handle(c)
		}()
	}
}

func (s *Server) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed {
			return false
		}
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
	return true
}

// OpenStreams returns how many streams the server is serving: connections
// from their accept to their end (in their handshake, relaying, or
// carrying multiplexed streams), and each stream of a multiplexed
// connection until its relay has ended. Once it is 0, nothing the server
// accepted is still on its way to a target.
func (s *Server) OpenStreams() int { return int(s.open.Load()) }

// Close stops the listeners and ends every stream.
func (s *Server) Close() error {
	s.init()
	s.mu.Lock()
	s.closed = true
	for ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) handle(raw net.Conn) {
	defer raw.Close()
	timeout := s.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	_ = raw.SetDeadline(time.Now().Add(timeout))
	c := tls.Server(raw, s.tlsCfg)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	err := c.HandshakeContext(ctx)
	cancel()
	if err != nil {
		s.Logger.Info("tunnel: refused a peer", zap.String("remote", raw.RemoteAddr().String()), zap.Error(err))
		return
	}
	if c.ConnectionState().NegotiatedProtocol == ALPNMux {
		_ = raw.SetDeadline(time.Time{})
		s.serveSession(c, timeout)
		return
	}
	s.serveStream(c, timeout)
}

// serveSession accepts the streams the gateway opens on a multiplexed
// connection until it ends.
func (s *Server) serveSession(c *tls.Conn, timeout time.Duration) {
	sess, err := yamux.Server(c, muxConfig())
	if err != nil {
		s.Logger.Info("tunnel: multiplexing", zap.Error(err))
		return
	}
	defer sess.Close()
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			return
		}
		s.wg.Add(1)
		s.open.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.open.Add(-1)
			defer st.Close()
			s.serveStream(&muxStream{Stream: st}, timeout)
		}()
	}
}

// serveStream reads a stream's header and relays it to the port it names.
// c is a connection of its own or a stream of a multiplexed one.
func (s *Server) serveStream(c net.Conn, timeout time.Duration) {
	_ = c.SetDeadline(time.Now().Add(timeout))
	port, err := readHeader(c)
	if err != nil {
		s.Logger.Info("tunnel: bad stream header", zap.String("remote", c.RemoteAddr().String()), zap.Error(err))
		return
	}
	_ = c.SetDeadline(time.Time{})
	target, ok := s.target(port)
	if !ok {
		_, _ = c.Write(statusBytes[StatusPortRefused:][:1])
		s.Logger.Info("tunnel: port not exposed", zap.Uint16("port", port))
		return
	}
	dt := s.DialTimeout
	if dt <= 0 {
		dt = 5 * time.Second
	}
	up, err := net.DialTimeout("tcp", target, dt)
	if err != nil {
		_, _ = c.Write(statusBytes[StatusTargetDown:][:1])
		s.Logger.Info("tunnel: target down", zap.String("target", target), zap.Error(err))
		return
	}
	defer up.Close()
	if _, err := c.Write(statusBytes[StatusOK:][:1]); err != nil {
		return
	}
	Relay(c, up)
}

// statusBytes holds each status byte at its own index.
var statusBytes = []byte{StatusOK, StatusPortRefused, StatusTargetDown}

func (s *Server) target(port uint16) (string, bool) {
	t, ok := s.Ports[port]
	return t, ok
}

// closeWriter is a connection whose write side closes alone.
type closeWriter interface{ CloseWrite() error }

// relayBufSize is the copy buffer of one relay direction: two TLS records.
const relayBufSize = 32 << 10

// relayBufs recycles copy buffers, so a stream allocates none: io.Copy
// between a *tls.Conn and a *net.TCPConn takes the ReaderFrom/WriterTo
// paths of the TCP side, which fall back to a fresh 32 KiB buffer per call
// when the other side is not a socket or a file.
var relayBufs = sync.Pool{New: func() any { b := make([]byte, relayBufSize); return &b }}

// Only the Read and Write of a connection, so that io.CopyBuffer uses the
// pooled buffer.
type (
	readerOnly struct{ io.Reader }
	writerOnly struct{ io.Writer }
)

// Relay copies bytes both ways between a and b until both directions end,
// half-closing each side when its source ends. One direction runs on the
// calling goroutine.
func Relay(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		relayOne(a, b)
	}()
	relayOne(b, a)
	<-done
}

// Copy copies src to dst until EOF or an error, as io.Copy does, with a
// pooled buffer whatever ReaderFrom or WriterTo the two implement.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	bp := relayBufs.Get().(*[]byte)
	defer relayBufs.Put(bp)
	return io.CopyBuffer(writerOnly{dst}, readerOnly{src}, *bp)
}

// relayOne copies src to dst, then half-closes dst; on an error, or
// without a half-close, it ends both directions.
func relayOne(dst, src net.Conn) {
	_, err := Copy(dst, src)
	if cw, ok := dst.(closeWriter); ok && err == nil {
		if cw.CloseWrite() == nil {
			return
		}
	}
	dst.Close()
	src.Close()
}
