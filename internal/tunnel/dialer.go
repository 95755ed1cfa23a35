package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

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

	once   sync.Once
	tlsCfg *tls.Config
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
	})
}

// Conn is one stream to a CVM port. Claims are the guest's verified claims.
// The guest's status byte is read with the first Read; a refused port or a
// target that is down is that Read's error.
type Conn struct {
	*tls.Conn
	Claims *ratls.Claims

	statusOnce sync.Once
	statusErr  error
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
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nd := net.Dialer{KeepAlive: d.KeepAlive}
	raw, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tunnel: connecting to %s: %w", addr, err)
	}
	tc := tls.Client(raw, d.tlsCfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("tunnel: handshake with %s: %w", addr, err)
	}
	claims, err := d.Verifier.Claims(tc.ConnectionState())
	if err != nil {
		tc.Close()
		return nil, fmt.Errorf("tunnel: %s: %w", addr, err)
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
	return &Conn{Conn: tc, Claims: claims}, nil
}
