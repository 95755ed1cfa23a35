// Package prpc is the RPC transport shared by the KMS, the gateway and the
// guest agent, compatible with upstream dstack's pRPC as its clients use it:
//
//   - POST <base>/<Method>?json with a JSON body, or GET <base>/<Method> with
//     the fields as URL query parameters; the bare method name is canonical,
//     and one configured service prefix ("KMS.", "Tproxy.", …) is stripped.
//   - JSON uses the .proto field names; bytes fields are lowercase hex
//     (Bytes), "0x"-prefixed hex is accepted on input.
//   - A failure is HTTP 400 with {"error": "<message>"}.
//   - Every answer carries Content-Length (the whole answer is encoded
//     before it is sent), never chunked transfer encoding, and is ASCII
//     (other characters are \u escapes): the JS SDK's unix-socket client
//     reads Content-Length and counts characters against it.
//   - A method's work is not tied to the request's connection: a client
//     that half-closes its write side after sending the request still gets
//     the answer. Each call is bounded by Server.Timeout instead.
//   - Each method accepts request bodies up to the size declared where it is
//     registered (Method.MaxBody; DefaultMaxBody, a few kilobytes, unless
//     declared larger), answers 413 to a larger one without reading it
//     further, and decodes the JSON as it reads: nothing a caller sends is
//     held in memory beyond that size. Upstream allows 10 MiB to every
//     method; this transport allows what the method can carry.
//
// Upstream decodes a POST body as JSON when the URL has ?json or the
// Content-Type is application/json, and as protobuf otherwise; every
// upstream client sends JSON, and this transport answers any other
// Content-Type with an error naming the one it expects rather than guessing.
//
// Handlers return *Error to choose what the caller is told; any other error
// reaches the caller only as a generic message, and its detail goes to the
// log: an RPC endpoint must never tell an unauthenticated caller why a check
// failed in detail.
package prpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"go.uber.org/zap"
)

// DefaultMaxBody is the request body limit of a method that declares none:
// enough for any request made of names, ids and hashes.
const DefaultMaxBody = 8 << 10

// MaxResponse is the largest response a Client reads: upstream's body
// limit, since responses carry quotes and event logs.
const MaxResponse = 10 << 20

// DefaultTimeout bounds one call's work when Server.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// Bytes is a bytes field: lowercase hex in JSON, "0x" prefix accepted.
type Bytes []byte

// MarshalJSON implements json.Marshaler.
func (b Bytes) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 2+2*len(b))
	out = append(out, '"')
	out = hex.AppendEncode(out, b)
	return append(out, '"'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("bytes field: want a hex string: %w", err)
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	raw, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("bytes field: %w", err)
	}
	*b = raw
	return nil
}

// Error is an error whose Message may be shown to the caller. Cause, if
// any, is logged and never sent.
type Error struct {
	Message string
	Cause   error

	status int // the HTTP status, when not 400
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with a caller-visible message.
func Errorf(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// Public returns an *Error that shows message to the caller and keeps cause
// for the log.
func Public(message string, cause error) *Error {
	return &Error{Message: message, Cause: cause}
}

// Method is one RPC: its handler and the largest request it accepts.
type Method struct {
	// call handles the RPC: decode fills the request value; the result is
	// marshalled as the JSON response.
	call    func(ctx context.Context, decode func(any) error) (any, error)
	maxBody int64
}

// Handle adapts a typed function to a Method that accepts requests of up
// to DefaultMaxBody bytes.
func Handle[Req, Resp any](fn func(ctx context.Context, req *Req) (*Resp, error)) Method {
	return Method{call: func(ctx context.Context, decode func(any) error) (any, error) {
		req := new(Req)
		if err := decode(req); err != nil {
			return nil, err
		}
		return fn(ctx, req)
	}}
}

// MaxBody returns m accepting request bodies, and GET query strings, of up
// to n bytes: what the method's request can legitimately carry.
func (m Method) MaxBody(n int64) Method {
	m.maxBody = n
	return m
}

func (m Method) limit() int64 {
	if m.maxBody > 0 {
		return m.maxBody
	}
	return DefaultMaxBody
}

// Server serves a set of methods under one path prefix.
type Server struct {
	// Base is the path the methods are mounted under, e.g. "/prpc/" or "/".
	Base string
	// ServicePrefix is the service name that may precede a method name,
	// with its dot ("KMS."). Empty means none.
	ServicePrefix string
	// Methods maps bare method names to handlers.
	Methods map[string]Method
	// Logger receives the causes of failures; nil means no logging.
	Logger *zap.Logger
	// Header, when set, is added to every response (e.g. X-App-Version).
	Header http.Header
	// Timeout bounds the work of one call, which does not end when the
	// client half-closes or drops its connection. 0 means DefaultTimeout.
	Timeout time.Duration
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, vs := range s.Header {
		w.Header()[k] = vs
	}
	name, ok := strings.CutPrefix(r.URL.Path, s.Base)
	if !ok {
		s.fail(w, r, "", http.StatusNotFound, Errorf("no such path %q", r.URL.Path))
		return
	}
	if s.ServicePrefix != "" {
		name = strings.TrimPrefix(name, s.ServicePrefix)
	}
	m, ok := s.Methods[name]
	if !ok {
		s.fail(w, r, name, http.StatusNotFound, Errorf("unknown method %q", name))
		return
	}
	var decode func(any) error
	limit := m.limit()
	switch r.Method {
	case http.MethodGet:
		if int64(len(r.URL.RawQuery)) > limit {
			s.fail(w, r, name, http.StatusRequestURITooLong, Errorf("%s: query string longer than the method's limit of %d bytes", name, limit))
			return
		}
		decode = func(v any) error { return decodeQuery(r.URL.Query(), v) }
	case http.MethodPost:
		if err := checkJSON(r); err != nil {
			s.fail(w, r, name, http.StatusBadRequest, err)
			return
		}
		if r.ContentLength > limit {
			s.fail(w, r, name, http.StatusRequestEntityTooLarge, tooLarge(name, limit))
			return
		}
		body := http.MaxBytesReader(w, r.Body, limit)
		decode = func(v any) error {
			err := decodeJSON(body, v)
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return tooLarge(name, limit)
			}
			return err
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		s.fail(w, r, name, http.StatusMethodNotAllowed, Errorf("method %s not allowed: use POST or GET", r.Method))
		return
	}
	// net/http cancels the request's context when its read of the
	// connection ends, which a client's half-close does: the call's work
	// keeps the request's values but has its own deadline.
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	resp, err := m.call(ctx, decode)
	if err != nil {
		status := http.StatusBadRequest
		if pe, ok := errors.AsType[*Error](err); ok && pe.status != 0 {
			status = pe.status
		}
		s.fail(w, r, name, status, err)
		return
	}
	out, err := json.Marshal(resp)
	if err != nil {
		s.fail(w, r, name, http.StatusInternalServerError, Public("encoding response failed", err))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// writeJSON sends a whole JSON answer, in ASCII, with its Content-Length.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	body = asciiJSON(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// asciiJSON escapes every non-ASCII character of a JSON text as a \u escape
// (outside strings, JSON has none). The JS SDK's unix-socket client counts
// the characters of the answer it decoded against Content-Length, which
// counts bytes: with a multi-byte character in an answer (an app name, an
// app-compose) it would wait for bytes that never come.
func asciiJSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	out = append(out, b[:i]...)
	for _, r := range string(b[i:]) {
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}

// checkJSON accepts a POST body that is JSON as upstream decides it: the
// URL has ?json, or the Content-Type is application/json (any case, any
// parameters).
func checkJSON(r *http.Request) error {
	if _, ok := r.URL.Query()["json"]; ok {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" {
		return nil
	}
	got := "no Content-Type"
	if ct != "" {
		got = fmt.Sprintf("Content-Type %.100q", ct)
	}
	return Errorf("request body must be JSON (protobuf is not supported): send Content-Type: application/json or add ?json to the URL; got %s", got)
}

// tooLarge is the answer to a request larger than its method accepts.
func tooLarge(method string, limit int64) *Error {
	return &Error{Message: fmt.Sprintf("%s: request body larger than the method's limit of %d bytes", method, limit), status: http.StatusRequestEntityTooLarge}
}

// decodeJSON decodes one JSON value from body as it reads it; an empty
// body is an empty request, and only white space may follow the value.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return Public("invalid request: "+err.Error(), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return err
		}
		return Errorf("invalid request: trailing data after the JSON value")
	}
	return nil
}

// decodeQuery maps URL query parameters onto the JSON fields of v: a
// parameter naming a string or bytes field is taken as a string, any other as
// a JSON literal (number, boolean).
func decodeQuery(q url.Values, v any) error {
	literal := literalFields(v)
	obj := make(map[string]json.RawMessage, len(q))
	for k, vals := range q {
		if k == "json" || len(vals) == 0 {
			continue
		}
		val := vals[len(vals)-1]
		if literal[k] && json.Valid([]byte(val)) {
			obj[k] = json.RawMessage(val)
			continue
		}
		s, _ := json.Marshal(val)
		obj[k] = s
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return Public("invalid query parameters", err)
	}
	return decodeJSON(bytes.NewReader(raw), v)
}

// literalFields returns the JSON names of the fields of the struct v points
// to whose values are not strings or bytes.
func literalFields(v any) map[string]bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	if t == nil || t.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Slice:
			if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() != reflect.Uint8 {
				out[name] = true
			}
		default:
			out[name] = true
		}
	}
	return out
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, method string, status int, err error) {
	msg := "internal error"
	var pe *Error
	if errors.As(err, &pe) {
		msg = pe.Message
	}
	if s.Logger != nil {
		s.Logger.Info("rpc failed", zap.String("method", method), zap.String("remote", r.RemoteAddr), zap.Int("status", status), zap.Error(err))
	}
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	writeJSON(w, status, body)
}

// Client calls methods of a pRPC server.
type Client struct {
	// BaseURL is the server's URL up to the method name, e.g.
	// "https://kms:8000/prpc/".
	BaseURL string
	// HTTP is the client; nil means http.DefaultClient.
	HTTP *http.Client
	// UserAgent, when set, is sent with every call.
	UserAgent string
}

// ErrRemote wraps an error reported by the server.
var ErrRemote = errors.New("rpc error")

// Call POSTs req as JSON to method and decodes the response into resp
// (which may be nil).
func (c *Client) Call(ctx context.Context, method string, req, resp any) error {
	body := []byte("{}")
	if req != nil {
		var err error
		if body, err = json.Marshal(req); err != nil {
			return fmt.Errorf("calling %s: encoding request: %w", method, err)
		}
	}
	u := strings.TrimSuffix(c.BaseURL, "/") + "/" + method + "?json"
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("calling %s: %w", method, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if c.UserAgent != "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(hr)
	if err != nil {
		return fmt.Errorf("calling %s: %w", method, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, MaxResponse+1))
	if err != nil {
		return fmt.Errorf("calling %s: reading response: %w", method, err)
	}
	if len(out) > MaxResponse {
		return fmt.Errorf("calling %s: response larger than %d bytes", method, MaxResponse)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(out, &e) == nil && e.Error != "" {
			return fmt.Errorf("calling %s: %w: %s", method, ErrRemote, e.Error)
		}
		return fmt.Errorf("calling %s: %w: HTTP %d", method, ErrRemote, res.StatusCode)
	}
	if resp == nil || len(bytes.TrimSpace(out)) == 0 {
		return nil
	}
	if err := json.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("calling %s: decoding response: %w", method, err)
	}
	return nil
}
