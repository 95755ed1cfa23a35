package prpc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bounds what callers can make an RPC server hold: connections,
// requests handled at once, and how long a connection may take to send a
// request or stay idle. With the per-method body limits, what a flood of
// callers can make a server buffer is at most MaxConns times
// MaxHeaderBytes (plus the kernel's socket buffers, or on HTTP/2 64 KiB a
// connection) and MaxInFlight times the largest method's body. Every field
// left zero takes its default.
type Limits struct {
	// MaxConns is the most connections served at once; further connections
	// wait in the kernel's listen backlog until one closes. Default 1024.
	MaxConns int `json:"max_conns,omitempty"`
	// MaxInFlight is the most requests handled at once. A request beyond
	// it waits up to QueueTimeout for a slot, then is answered 503 with
	// Retry-After. Default 64.
	MaxInFlight int `json:"max_in_flight,omitempty"`
	// QueueTimeout is how long a request waits for a slot when MaxInFlight
	// requests are being handled: a burst (many CVMs booting at once) is
	// served a little later rather than refused, and a flood is refused
	// without holding anything but its headers. Default 1s.
	QueueTimeout Duration `json:"queue_timeout,omitempty"`
	// ReadHeaderTimeout is how long a connection has to finish its TLS
	// handshake and send a request's headers. Default 10s.
	ReadHeaderTimeout Duration `json:"read_header_timeout,omitempty"`
	// ReadTimeout is how long a connection has to send a whole request,
	// body included. Default 30s.
	ReadTimeout Duration `json:"read_timeout,omitempty"`
	// WriteTimeout is the longest a request may take from the end of its
	// headers to the end of its answer: the handler's context ends then,
	// and so do the calls it makes (chain reads, collateral fetches, the
	// KMS). No method here streams, so it bounds every method. Default 2m.
	WriteTimeout Duration `json:"write_timeout,omitempty"`
	// IdleTimeout is how long a connection may stay open between requests.
	// Default 30s.
	IdleTimeout Duration `json:"idle_timeout,omitempty"`
	// MaxHeaderBytes caps a request's headers, its URL (and so a GET's
	// query parameters) included. Default 32 KiB.
	MaxHeaderBytes int `json:"max_header_bytes,omitempty"`
}

// The defaults of Limits.
const (
	DefaultMaxConns          = 1024
	DefaultMaxInFlight       = 64
	DefaultQueueTimeout      = time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 2 * time.Minute
	DefaultIdleTimeout       = 30 * time.Second
	DefaultMaxHeaderBytes    = 32 << 10
)

// h2ReceiveBuffer is the HTTP/2 flow-control window of a connection and of
// a stream: what a connection can make the server buffer of bodies that no
// handler reads yet (a request waiting for a slot). 64 KiB is the least
// net/http accepts.
const h2ReceiveBuffer = 64 << 10

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	setDefault(&l.MaxConns, DefaultMaxConns)
	setDefault(&l.MaxInFlight, DefaultMaxInFlight)
	setDefault(&l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setDefault(&l.QueueTimeout, Duration(DefaultQueueTimeout))
	setDefault(&l.ReadHeaderTimeout, Duration(DefaultReadHeaderTimeout))
	setDefault(&l.ReadTimeout, Duration(DefaultReadTimeout))
	setDefault(&l.WriteTimeout, Duration(DefaultWriteTimeout))
	setDefault(&l.IdleTimeout, Duration(DefaultIdleTimeout))
	return l
}

func setDefault[T int | Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// HTTPServer returns an http.Server that serves h within l: its timeouts
// and header limit set, HTTP/2 flow control and streams bounded, and h
// behind the in-flight limit. Serve it on Listener(ln).
func (l Limits) HTTPServer(h http.Handler) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           &inFlight{next: h, slots: make(chan struct{}, l.MaxInFlight), wait: time.Duration(l.QueueTimeout), deadline: time.Duration(l.WriteTimeout)},
		ReadHeaderTimeout: time.Duration(l.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(l.ReadTimeout),
		WriteTimeout:      time.Duration(l.WriteTimeout),
		IdleTimeout:       time.Duration(l.IdleTimeout),
		MaxHeaderBytes:    l.MaxHeaderBytes,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams:          l.MaxInFlight,
			MaxReceiveBufferPerConnection: h2ReceiveBuffer,
			MaxReceiveBufferPerStream:     h2ReceiveBuffer,
		},
	}
}

// Listener returns ln serving at most MaxConns connections at once.
func (l Limits) Listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, l.withDefaults().MaxConns)
}

// inFlight handles at most cap(slots) requests at once, each within its
// deadline.
type inFlight struct {
	next     http.Handler
	slots    chan struct{}
	wait     time.Duration
	deadline time.Duration
}

func (f *inFlight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case f.slots <- struct{}{}:
	default:
		t := time.NewTimer(f.wait)
		select {
		case f.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			busy(w)
			return
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	defer func() { <-f.slots }()
	ctx, cancel := context.WithTimeout(r.Context(), f.deadline)
	defer cancel()
	f.next.ServeHTTP(w, r.WithContext(ctx))
}

// busyBody is the answer to a request that found no slot.
const busyBody = `{"error":"server busy: too many requests in flight; retry later"}`

func busy(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(busyBody)))
	h.Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w, busyBody)
}

// SetOption sets the limit named as in JSON (max_conns, read_timeout, …)
// from its text form, as a Caddyfile gives it: an integer, or a duration
// such as "10s".
func (l *Limits) SetOption(name, value string) error {
	v := reflect.ValueOf(l).Elem()
	for i := range v.NumField() {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if tag != name {
			continue
		}
		switch f := v.Field(i).Addr().Interface().(type) {
		case *Duration:
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return fmt.Errorf("limit %s: %q is not a positive duration such as 10s", name, value)
			}
			*f = Duration(d)
		case *int:
			n, err := strconv.Atoi(value)
			if err != nil || n <= 0 {
				return fmt.Errorf("limit %s: %q is not a positive integer", name, value)
			}
			*f = n
		}
		return nil
	}
	return fmt.Errorf("unknown limit %q (max_conns, max_in_flight, queue_timeout, read_header_timeout, read_timeout, write_timeout, idle_timeout, max_header_bytes)", name)
}

// Duration is a time.Duration that JSON gives as a string time.ParseDuration
// reads ("10s", "1m30s") or as an integer of nanoseconds, as Caddy's
// durations are given.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("duration: want a string such as \"10s\" or integer nanoseconds, got %s", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}
