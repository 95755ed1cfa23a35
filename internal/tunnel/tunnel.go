// Package tunnel is the attested channel between the dstack gateway and a
// CVM, both ends: the guest's Server, in front of its containers' ports, and
// the gateway's Dialer. It replaces upstream's WireGuard hub with mutual
// RA-TLS end to end: each side proves what it runs with a certificate whose
// attestation binds its key, and each side judges the other's claims.
//
// # Protocol
//
// With ALPN "dstack-tunnel/1" (Dialer.Dial), one TCP connection carries one
// stream.
//
//  1. TLS 1.3 with ALPN "dstack-tunnel/1". The guest presents its RA-TLS
//     server certificate; the gateway presents its RA-TLS client
//     certificate. The guest accepts the gateway only if the app id its
//     attestation proves equals, byte for byte, the gateway app id on chain
//     (upstream accepts any app id that is a case-insensitive substring of
//     it). The gateway judges the guest's claims per stream (Dialer.Dial's
//     check).
//  2. The gateway sends a 5-byte header: the magic "DT", the version 0x01,
//     and the target port as a big-endian uint16. It may send stream bytes
//     right after the header, without waiting.
//  3. The guest answers one status byte (StatusOK, StatusPortRefused,
//     StatusTargetDown) and, on StatusOK, relays bytes both ways between the
//     stream and the target port until either side closes.
//
// A new stream costs one TLS handshake (resumed, when the Dialer has a
// session for the guest) and no extra round trip: the status byte is read
// with the first response bytes. Verification of a certificate seen before
// is a cache lookup (ratls.Verifier).
//
// # Multiplexed connections
//
// With ALPN "dstack-tunnel/2" (Dialer.DialMux) one connection, after the same
// mutual RA-TLS handshake, carries many streams: it is a yamux session
// (github.com/hashicorp/yamux, the multiplexer of Consul and Nomad) whose
// streams each run steps 2 and 3 above. A new stream then costs no
// handshake at all — the price of one (its key exchange is most of a
// stream's CPU) is paid once per connection — and the gateway still judges
// the guest's claims, at the current block, for every stream. Bytes of
// a multiplexed stream carry a 12-byte frame header and flow control, so a
// long-lived stream with many small writes is cheaper on a connection of
// its own.
//
// The guest side (Server, Register) must never import Caddy: the guest
// agent links this package.
package tunnel

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/dstack-go/dstack/tee/ratls"
)

// ALPN is the protocol name negotiated on tunnel connections that carry
// one stream.
const ALPN = "dstack-tunnel/1"

// ALPNMux is the protocol name negotiated on multiplexed tunnel
// connections.
const ALPNMux = "dstack-tunnel/2"

// muxConfig is the yamux configuration of both ends: keep-alive pings, so
// that a connection to a CVM that is gone ends; a stream the peer does not
// acknowledge within a dial's default timeout ends the connection (the next
// stream dials again); no logging of its own.
func muxConfig() *yamux.Config {
	c := yamux.DefaultConfig()
	c.KeepAliveInterval = 30 * time.Second
	c.ConnectionWriteTimeout = 30 * time.Second
	c.StreamOpenTimeout = 10 * time.Second
	c.LogOutput = io.Discard
	return c
}

// muxStream is a yamux stream with a connection's two closes. yamux's own
// Close sends a FIN and leaves the other direction open: that is
// CloseWrite here, so that Relay half-closes. Close ends the stream both
// ways at once: Reads, the blocked one included, fail from then on, so a
// revoked app's bytes stop at the gateway at once; yamux resets the stream
// on the peer once its StreamCloseTimeout (5 minutes) passes without the
// peer's FIN. A stream one side has half-closed gets the same time to end.
type muxStream struct {
	*yamux.Stream
	closed atomic.Bool
}

func (m *muxStream) Read(p []byte) (int, error) {
	if m.closed.Load() {
		return 0, net.ErrClosed
	}
	n, err := m.Stream.Read(p)
	switch {
	case err != nil && m.closed.Load():
		err = net.ErrClosed
	case err == io.EOF && m.Stream.Session().IsClosed():
		// yamux ends the streams of a closed connection as it ends one
		// the peer finished: a cut stream must not read as a clean end.
		err = fmt.Errorf("tunnel: the multiplexed connection closed: %w", net.ErrClosed)
	}
	return n, err
}

func (m *muxStream) Close() error {
	m.closed.Store(true)
	_ = m.Stream.SetReadDeadline(time.Now())
	return m.Stream.Close()
}

func (m *muxStream) CloseWrite() error { return m.Stream.Close() }

// Header layout.
const (
	magic0, magic1 = 'D', 'T'
	version        = 1
	// HeaderSize is the size of the stream header.
	HeaderSize = 5
)

// Status bytes the guest answers a header with.
const (
	StatusOK          byte = 0
	StatusPortRefused byte = 1
	StatusTargetDown  byte = 2
)

// Errors of the protocol.
var (
	ErrBadHeader      = errors.New("tunnel: malformed stream header")
	ErrPortRefused    = errors.New("tunnel: the CVM does not expose this port")
	ErrTargetDown     = errors.New("tunnel: nothing listens on the CVM port")
	ErrBadStatus      = errors.New("tunnel: unknown status from the CVM")
	ErrNotGateway     = errors.New("tunnel: peer is not the gateway named on chain")
	ErrNoGatewayAppID = errors.New("tunnel: no gateway app id on chain (set it with `dstack chain set-gateway-app-id`)")
)

// AppendHeader appends the stream header for port.
func AppendHeader(b []byte, port uint16) []byte {
	return binary.BigEndian.AppendUint16(append(b, magic0, magic1, version), port)
}

// ParseHeader reads the target port from a stream header.
func ParseHeader(h []byte) (uint16, error) {
	if len(h) != HeaderSize || h[0] != magic0 || h[1] != magic1 {
		return 0, ErrBadHeader
	}
	if h[2] != version {
		return 0, fmt.Errorf("%w: version %d, want %d", ErrBadHeader, h[2], version)
	}
	port := binary.BigEndian.Uint16(h[3:])
	if port == 0 {
		return 0, fmt.Errorf("%w: port 0", ErrBadHeader)
	}
	return port, nil
}

func readHeader(r io.Reader) (uint16, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	return ParseHeader(h[:])
}

func statusError(s byte) error {
	switch s {
	case StatusOK:
		return nil
	case StatusPortRefused:
		return ErrPortRefused
	case StatusTargetDown:
		return ErrTargetDown
	}
	return fmt.Errorf("%w: %d", ErrBadStatus, s)
}

// ParseAppID reads an app id as the contracts and configuration write it:
// 20 bytes of hex, with or without 0x, in any case.
func ParseAppID(s string) ([]byte, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	id, err := hex.DecodeString(t)
	if err != nil || len(id) != 20 {
		return nil, fmt.Errorf("app id %q is not 20 bytes of hex", s)
	}
	return id, nil
}

// GatewayAppIDSource reads the gateway app id the chain names
// (*chain.Reader qualifies).
type GatewayAppIDSource interface {
	GatewayAppID(ctx context.Context) (string, uint64, error)
}

// StaticGatewayAppID is a GatewayAppIDSource that always answers the same
// id, for a guest configured without a chain. The chain is the authority;
// prefer a *chain.Reader.
type StaticGatewayAppID string

// GatewayAppID implements GatewayAppIDSource.
func (s StaticGatewayAppID) GatewayAppID(context.Context) (string, uint64, error) {
	return string(s), 0, nil
}

// GatewayPolicy returns a ratls policy that accepts a peer only when the app
// id its attestation proves (not the certificate's unverified OID 1.3)
// equals the gateway app id src reads, byte for byte. An empty or malformed
// id on chain refuses every peer. The id is parsed once per distinct string
// src answers, not at every handshake.
func GatewayPolicy(src GatewayAppIDSource) func(*ratls.Claims) error {
	var last atomic.Pointer[parsedAppID]
	return func(c *ratls.Claims) error {
		want, block, err := src.GatewayAppID(context.Background())
		if err != nil {
			return fmt.Errorf("reading the gateway app id: %w", err)
		}
		if strings.TrimSpace(want) == "" {
			return ErrNoGatewayAppID
		}
		p := last.Load()
		if p == nil || p.s != want {
			p = &parsedAppID{s: want}
			p.id, p.err = ParseAppID(want)
			last.Store(p)
		}
		id := p.id
		if p.err != nil {
			return fmt.Errorf("%w: gateway app id on chain (block %d): %v", ErrNoGatewayAppID, block, p.err)
		}
		if c.Evidence == nil || !bytes.Equal(c.Evidence.AppID, id) {
			var got []byte
			if c.Evidence != nil {
				got = c.Evidence.AppID
			}
			return fmt.Errorf("%w: attested app id %x, gateway app id %x (block %d)", ErrNotGateway, got, id, block)
		}
		return nil
	}
}

// parsedAppID is an app id string and what ParseAppID makes of it.
type parsedAppID struct {
	s   string
	id  []byte
	err error
}

// CachedGatewayAppID remembers src's answer for ttl, so that a stream's
// handshake does not read the chain: a change of the gateway app id on
// chain takes effect within ttl. Errors and empty answers are not
// remembered.
func CachedGatewayAppID(src GatewayAppIDSource, ttl time.Duration) GatewayAppIDSource {
	return &cachedGateway{src: src, ttl: ttl}
}

type cachedGateway struct {
	src   GatewayAppIDSource
	ttl   time.Duration
	mu    sync.Mutex
	id    string
	block uint64
	until time.Time
}

func (c *cachedGateway) GatewayAppID(ctx context.Context) (string, uint64, error) {
	now := time.Now()
	c.mu.Lock()
	if now.Before(c.until) {
		defer c.mu.Unlock()
		return c.id, c.block, nil
	}
	c.mu.Unlock()
	id, block, err := c.src.GatewayAppID(ctx)
	if err != nil || strings.TrimSpace(id) == "" {
		return id, block, err
	}
	c.mu.Lock()
	c.id, c.block, c.until = id, block, now.Add(c.ttl)
	c.mu.Unlock()
	return id, block, nil
}
