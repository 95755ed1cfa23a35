package prpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

type echoReq struct {
	Name  string `json:"name"`
	Data  Bytes  `json:"data"`
	Count uint32 `json:"count"`
	Flag  bool   `json:"flag"`
}

type echoResp struct {
	Name  string `json:"name"`
	Data  Bytes  `json:"data"`
	Count uint32 `json:"count"`
	Flag  bool   `json:"flag"`
}

var echo = Handle(func(_ context.Context, r *echoReq) (*echoResp, error) {
	return &echoResp{Name: r.Name, Data: r.Data, Count: r.Count, Flag: r.Flag}, nil
})

func testServer() *Server {
	return &Server{
		Base:          "/prpc/",
		ServicePrefix: "KMS.",
		Header:        http.Header{"X-App-Version": {"test"}},
		Methods: map[string]Method{
			"Echo": echo.MaxBody(1024),
			"Big":  echo.MaxBody(16 << 10),
			"Fail": Handle(func(_ context.Context, r *echoReq) (*echoResp, error) {
				return nil, Public("app not allowed", errors.New("compose hash 1234 not in contract 0xabc"))
			}),
			"Crash": Handle(func(_ context.Context, r *echoReq) (*echoResp, error) {
				return nil, errors.New("database password is hunter2")
			}),
		},
	}
}

func do(t *testing.T, h http.Handler, method, target, ctype, body string) (int, string, http.Header) {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b), w.Result().Header
}

func TestServer(t *testing.T) {
	s := testServer()
	cases := []struct {
		name, method, target, ctype, body string
		code                              int
		want                              string
	}{
		{"post json", "POST", "/prpc/Echo?json", "", `{"name":"a","data":"0aff","count":3,"flag":true}`, 200, `{"name":"a","data":"0aff","count":3,"flag":true}`},
		{"service prefix", "POST", "/prpc/KMS.Echo?json", "", `{"data":"0x0AFF"}`, 200, `{"name":"","data":"0aff","count":0,"flag":false}`},
		{"content type", "POST", "/prpc/Echo", "application/json", `{}`, 200, `{"name":"","data":"","count":0,"flag":false}`},
		{"empty body", "POST", "/prpc/Echo?json", "", ``, 200, `{"name":"","data":"","count":0,"flag":false}`},
		{"get query", "GET", "/prpc/Echo?name=b&data=01&count=7&flag=true", "", "", 200, `{"name":"b","data":"01","count":7,"flag":true}`},
		{"content type parameters", "POST", "/prpc/Echo", "Application/JSON; charset=utf-8", `{"count":1}`, 200, `"count":1`},
		{"protobuf refused", "POST", "/prpc/Echo", "application/octet-stream", "\x0a\x01a", 400, `{"error":"request body must be JSON (protobuf is not supported): send Content-Type: application/json or add ?json to the URL; got Content-Type \"application/octet-stream\""}`},
		{"form refused", "POST", "/prpc/Echo", "application/x-www-form-urlencoded", `{}`, 400, `send Content-Type: application/json or add ?json to the URL; got Content-Type \"application/x-www-form-urlencoded\"`},
		{"json suffix refused", "POST", "/prpc/Echo", "application/ld+json", `{}`, 400, `got Content-Type \"application/ld+json\"`},
		{"no content type", "POST", "/prpc/Echo", "", `{}`, 400, `got no Content-Type`},
		{"bad hex", "POST", "/prpc/Echo?json", "", `{"data":"zz"}`, 400, `"error":"invalid request`},
		{"wrong type", "POST", "/prpc/Echo?json", "", `{"count":"x"}`, 400, `"error":"invalid request`},
		{"trailing data", "POST", "/prpc/Echo?json", "", `{} {}`, 400, `trailing data`},
		{"too large", "POST", "/prpc/Echo?json", "", `{"name":"` + strings.Repeat("a", 2000) + `"}`, 413, `{"error":"Echo: request body larger than the method's limit of 1024 bytes"}`},
		{"trailing white space", "POST", "/prpc/Echo?json", "", "{\"name\":\"w\"} \n\t", 200, `{"name":"w"`},
		{"trailing brace", "POST", "/prpc/Echo?json", "", `{} }`, 400, `trailing data`},
		{"larger method limit", "POST", "/prpc/Big?json", "", `{"name":"` + strings.Repeat("a", 10000) + `"}`, 200, `{"name":"aaa`},
		{"over the larger limit", "POST", "/prpc/Big?json", "", `{"name":"` + strings.Repeat("a", 17000) + `"}`, 413, `Big: request body larger than the method's limit of 16384 bytes`},
		{"over the default limit", "POST", "/prpc/Fail?json", "", `{"name":"` + strings.Repeat("a", DefaultMaxBody) + `"}`, 413, `Fail: request body larger than the method's limit of 8192 bytes`},
		{"query too long", "GET", "/prpc/Echo?name=" + strings.Repeat("a", 1100), "", "", 414, `Echo: query string longer than the method's limit of 1024 bytes`},
		{"query within a larger limit", "GET", "/prpc/Big?name=" + strings.Repeat("a", 1100), "", "", 200, `{"name":"aaa`},
		{"unknown method", "POST", "/prpc/Nope?json", "", `{}`, 404, `unknown method`},
		{"wrong base", "POST", "/other/Echo?json", "", `{}`, 404, `no such path`},
		{"wrong verb", "PUT", "/prpc/Echo?json", "", `{}`, 405, `not allowed`},
		{"public error", "POST", "/prpc/Fail?json", "", `{}`, 400, `{"error":"app not allowed"}`},
		{"private error", "POST", "/prpc/Crash?json", "", `{}`, 400, `{"error":"internal error"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hdr := do(t, s, tc.method, tc.target, tc.ctype, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %.200s, want %d containing %.200s", code, body, tc.code, tc.want)
			}
			if hdr.Get("X-App-Version") != "test" {
				t.Fatal("missing X-App-Version")
			}
			if strings.Contains(body, "hunter2") || strings.Contains(body, "0xabc") {
				t.Fatal("error cause leaked to the caller")
			}
		})
	}
}

func TestClient(t *testing.T) {
	srv := httptest.NewServer(testServer())
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/prpc"}
	var resp echoResp
	if err := c.Call(context.Background(), "Echo", &echoReq{Name: "x", Data: Bytes{1, 2}}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Name != "x" || string(resp.Data) != "\x01\x02" {
		t.Fatalf("response %+v", resp)
	}
	err := c.Call(context.Background(), "Fail", nil, &resp)
	if !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), "app not allowed") {
		t.Fatalf("error %v", err)
	}
}

func FuzzServe(f *testing.F) {
	s := testServer()
	f.Add("/prpc/Echo?json", `{"name":"a","data":"00"}`)
	f.Add("/prpc/Echo?data=0x00&count=1e99", ``)
	f.Add("/prpc/KMS.Echo?json", `{"count":-1}`)
	f.Fuzz(func(t *testing.T, target, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		for _, m := range []string{"GET", "POST"} {
			r, err := http.NewRequest(m, "http://x"+target, strings.NewReader(body))
			if err != nil {
				return
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("%s %s: response is not JSON: %q", m, target, w.Body.String())
			}
		}
	})
}

// TestContentLength: every answer, however large, goes out with
// Content-Length and without chunked transfer encoding, success and
// failure alike.
func TestContentLength(t *testing.T) {
	big := strings.Repeat("x", 70<<10)
	s := &Server{Base: "/", Methods: map[string]Method{
		"Big": Handle(func(context.Context, *echoReq) (*echoResp, error) { return &echoResp{Name: big}, nil }),
		"BigFail": Handle(func(context.Context, *echoReq) (*echoResp, error) {
			return nil, Errorf("%s", big)
		}),
	}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, m := range []string{"Big", "BigFail", strings.Repeat("n", 70<<10)} {
		res, err := http.Post(srv.URL+"/"+m, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if len(b) < 64<<10 || res.ContentLength != int64(len(b)) || len(res.TransferEncoding) != 0 {
			t.Errorf("%.10s: %d bytes, Content-Length %d, Transfer-Encoding %v", m, len(b), res.ContentLength, res.TransferEncoding)
		}
	}
}

// TestHalfClose: a client that half-closes its write side after sending
// the request gets the answer; net/http cancels the request's context when
// it reads the end of the connection, and a method's work must not end
// with it.
func TestHalfClose(t *testing.T) {
	release := make(chan struct{})
	s := &Server{Base: "/", Methods: map[string]Method{
		"Wait": Handle(func(ctx context.Context, _ *echoReq) (*echoResp, error) {
			<-release
			if err := ctx.Err(); err != nil {
				return nil, Errorf("the call's work was cancelled: %v", err)
			}
			return &echoResp{Name: "done"}, nil
		}),
	}}
	reqCtx := make(chan context.Context, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqCtx <- r.Context()
		s.ServeHTTP(w, r)
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{}`
	fmt.Fprintf(conn, "POST /Wait HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	// Once net/http has seen the half-close, let the method finish.
	<-(<-reqCtx).Done()
	close(release)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), `"name":"done"`) {
		t.Fatalf("after half-close: %d %s", res.StatusCode, b)
	}
}

// TestTimeout: Server.Timeout bounds a call's work.
func TestTimeout(t *testing.T) {
	s := &Server{Base: "/", Timeout: time.Millisecond, Methods: map[string]Method{
		"Wait": Handle(func(ctx context.Context, _ *echoReq) (*echoResp, error) {
			<-ctx.Done()
			return nil, Public("gave up", ctx.Err())
		}),
	}}
	code, body, _ := do(t, s, "POST", "/Wait", "application/json", `{}`)
	if code != 400 || !strings.Contains(body, "gave up") {
		t.Fatalf("%d %s", code, body)
	}
}

// TestASCIIAnswers: answers are ASCII, every other character a \u escape
// that decodes to it, so that characters and bytes count alike.
func TestASCIIAnswers(t *testing.T) {
	name := "héllo, 世界 😀 <&>"
	code, body, hdr := do(t, testServer(), "POST", "/prpc/Echo?json", "", `{"name":"`+name+`"}`)
	var r echoResp
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil || r.Name != name {
		t.Fatalf("%d %s: %v", code, body, err)
	}
	for i := 0; i < len(body); i++ {
		if body[i] >= 0x80 {
			t.Fatalf("non-ASCII byte in the answer %q", body)
		}
	}
	if hdr.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("Content-Length %s for %d bytes", hdr.Get("Content-Length"), len(body))
	}
}

func FuzzASCIIJSON(f *testing.F) {
	f.Add("héllo 😀 \xff")
	f.Fuzz(func(t *testing.T, s string) {
		in, _ := json.Marshal(s)
		out := asciiJSON(in)
		var got, want string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		json.Unmarshal(in, &want)
		if got != want {
			t.Fatalf("%q decodes to %q, want %q", out, got, want)
		}
		for _, c := range out {
			if c >= 0x80 {
				t.Fatalf("non-ASCII %q", out)
			}
		}
	})
}
