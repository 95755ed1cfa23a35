package prpc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
		{"protobuf refused", "POST", "/prpc/Echo", "application/octet-stream", "\x0a\x01a", 400, `{"error":"request body must be JSON: add ?json to the URL or send Content-Type: application/json"}`},
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
