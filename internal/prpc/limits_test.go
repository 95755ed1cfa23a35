package prpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/prpc/prpctest"
)

// TestBodyReadOnlyUpToTheLimit: a body over the method's limit is refused
// with 413 having read at most one byte past the limit, whether the
// request declares its length (then nothing is read) or not.
func TestBodyReadOnlyUpToTheLimit(t *testing.T) {
	s := testServer()
	for _, declared := range []bool{true, false} {
		body := prpctest.NewPaddedJSON(10 << 20)
		r := httptest.NewRequest("POST", "/prpc/Echo?json", body)
		if declared {
			r.ContentLength = 10 << 20
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "limit of 1024 bytes") {
			t.Fatalf("declared %v: got %d %s", declared, w.Code, w.Body)
		}
		read, most := body.BytesRead(), int64(1025)
		if declared {
			most = 0
		}
		if read > most {
			t.Fatalf("declared %v: %d bytes of the body read, want at most %d", declared, read, most)
		}
	}
	// Exactly at the limit is accepted, declared or not.
	for _, declared := range []bool{true, false} {
		r := httptest.NewRequest("POST", "/prpc/Echo?json", prpctest.NewPaddedJSON(1024))
		if declared {
			r.ContentLength = 1024
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("declared %v: a body of exactly the limit: %d %s", declared, w.Code, w.Body)
		}
	}
}

// TestFloodHeapBounded: 32 requests at once with 10 MiB bodies make the
// heap grow by a small fraction of what the bodies weigh (320 MiB, which a
// server that buffered them would hold).
func TestFloodHeapBounded(t *testing.T) {
	addr := limitedServer(t, Limits{}, testServer())
	res := prpctest.Flood(http.DefaultClient, "http://"+addr+"/prpc/Echo?json", 32, 10<<20)
	t.Logf("peak heap growth %d KiB; answers %v; %d connection errors", res.PeakHeap>>10, res.Status, res.Errors)
	if res.Status[200] != 0 || res.Status[413] == 0 || res.Status[413]+res.Errors != 32 {
		t.Fatalf("answers %v, %d connection errors: want only 413 (or a closed connection)", res.Status, res.Errors)
	}
	if res.PeakHeap > 16<<20 {
		t.Fatalf("the heap grew by %d MiB", res.PeakHeap>>20)
	}
}

// limitedServer serves h within l on a loopback listener.
func limitedServer(t *testing.T, l Limits, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := l.HTTPServer(h)
	go func() { _ = srv.Serve(l.Listener(ln)) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestTimeoutsCloseSlowAndIdleConnections: a connection that does not
// finish its headers, one that does not finish its body, and one idle
// after a request are each closed after their (shortened) timeout, the
// others being left at their defaults, which are far longer.
func TestTimeoutsCloseSlowAndIdleConnections(t *testing.T) {
	const d = 200 * time.Millisecond
	cases := []struct {
		name   string
		limits Limits
		send   string
		answer bool
	}{
		{"slow headers", Limits{ReadHeaderTimeout: Duration(d)}, "POST /prpc/Echo?json HTTP/1.1\r\nHost: x\r\n", false},
		{"slow body", Limits{ReadTimeout: Duration(d)}, "POST /prpc/Echo?json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"na", false},
		{"idle", Limits{IdleTimeout: Duration(d)}, "POST /prpc/Echo?json HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := limitedServer(t, tc.limits, testServer())
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			if tc.answer {
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("answer: %v %v", resp, err)
				}
				resp.Body.Close()
			}
			held, err := prpctest.HeldFor(c, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("closed after %v", held.Round(time.Millisecond))
		})
	}
}

// TestMaxHeaderBytes: headers over the limit get 431.
func TestMaxHeaderBytes(t *testing.T) {
	addr := limitedServer(t, Limits{MaxHeaderBytes: 1024}, testServer())
	req, _ := http.NewRequest("POST", "http://"+addr+"/prpc/Echo?json", strings.NewReader("{}"))
	req.Header.Set("X-Pad", strings.Repeat("a", 8<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// blocking is a handler that holds each request until released, saying
// when one has entered.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func newBlocking() *blocking {
	return &blocking{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *blocking) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-r.Context().Done():
	}
	_, _ = w.Write([]byte("{}"))
}

func get(c *http.Client, url string) (*http.Response, error) {
	resp, err := c.Get(url)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// TestInFlightLimit: beyond MaxInFlight requests, a request waits for a
// slot; one that gets none within QueueTimeout is answered 503 with
// Retry-After; one whose slot frees in time is served.
func TestInFlightLimit(t *testing.T) {
	b := newBlocking()
	addr := limitedServer(t, Limits{MaxInFlight: 2, QueueTimeout: Duration(100 * time.Millisecond)}, b)
	url := "http://" + addr + "/"
	held := make(chan error, 2)
	for range 2 {
		go func() { _, err := get(http.DefaultClient, url); held <- err }()
	}
	<-b.entered
	<-b.entered
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e struct{ Error string }
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" ||
		json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, "too many requests in flight") {
		t.Fatalf("beyond the limit: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	close(b.release)
	for range 2 {
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}

	// A request that waits while the slot is held is served once it
	// frees, within the queue timeout.
	b = newBlocking()
	addr = limitedServer(t, Limits{MaxInFlight: 1, QueueTimeout: Duration(time.Minute)}, b)
	url = "http://" + addr + "/"
	first := make(chan error, 1)
	go func() { _, err := get(http.DefaultClient, url); first <- err }()
	<-b.entered
	second := make(chan *http.Response, 1)
	go func() {
		resp, err := get(http.DefaultClient, url)
		if err != nil {
			t.Error(err)
		}
		second <- resp
	}()
	select {
	case <-b.entered:
		t.Fatal("a second request was handled while the only slot was held")
	case <-time.After(200 * time.Millisecond):
	}
	close(b.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if resp := <-second; resp == nil || resp.StatusCode != 200 {
		t.Fatalf("the queued request: %v", resp)
	}
}

// TestHandlerDeadline: a handler's context ends at WriteTimeout.
func TestHandlerDeadline(t *testing.T) {
	ended := make(chan error, 1)
	addr := limitedServer(t, Limits{WriteTimeout: Duration(100 * time.Millisecond)}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			ended <- r.Context().Err()
		case <-time.After(10 * time.Second):
			ended <- errors.New("the handler's context did not end")
		}
	}))
	go func() { _, _ = get(http.DefaultClient, "http://"+addr+"/") }()
	if err := <-ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
}

// TestConnectionLimit: with MaxConns connections open, another is not
// served until one of them closes.
func TestConnectionLimit(t *testing.T) {
	addr := limitedServer(t, Limits{MaxConns: 2}, testServer())
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + addr + "/prpc/Echo?json"
	served := make(chan error, 1)
	go func() {
		resp, err := get(client, url)
		if err == nil && resp.StatusCode != 200 {
			err = errors.New(resp.Status)
		}
		served <- err
	}()
	select {
	case err := <-served:
		t.Fatalf("a third connection was served while two were held (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	held[0].Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

// TestSetOption sets each limit from Caddyfile text and refuses what is
// not a positive value of the limit's kind.
func TestSetOption(t *testing.T) {
	var l Limits
	for name, v := range map[string]string{"max_conns": "10", "max_in_flight": "3", "queue_timeout": "2s", "read_header_timeout": "1s",
		"read_timeout": "3s", "write_timeout": "1m", "idle_timeout": "5s", "max_header_bytes": "4096"} {
		if err := l.SetOption(name, v); err != nil {
			t.Fatal(err)
		}
	}
	want := Limits{MaxConns: 10, MaxInFlight: 3, QueueTimeout: Duration(2 * time.Second), ReadHeaderTimeout: Duration(time.Second),
		ReadTimeout: Duration(3 * time.Second), WriteTimeout: Duration(time.Minute), IdleTimeout: Duration(5 * time.Second), MaxHeaderBytes: 4096}
	if l != want {
		t.Fatalf("got %+v", l)
	}
	for _, bad := range [][2]string{{"max_conns", "x"}, {"max_conns", "0"}, {"max_conns", "-1"}, {"read_timeout", "10"},
		{"read_timeout", "-1s"}, {"idle", "1s"}} {
		if err := l.SetOption(bad[0], bad[1]); err == nil {
			t.Errorf("%s %s accepted", bad[0], bad[1])
		}
	}
}

// TestLimitsJSON: durations read as strings or nanoseconds, and write back
// as strings; unset fields stay unset.
func TestLimitsJSON(t *testing.T) {
	var l Limits
	if err := json.Unmarshal([]byte(`{"max_conns":5,"read_timeout":"1m30s","idle_timeout":1000000000}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.MaxConns != 5 || l.ReadTimeout != Duration(90*time.Second) || l.IdleTimeout != Duration(time.Second) {
		t.Fatalf("%+v", l)
	}
	out, _ := json.Marshal(l)
	if string(out) != `{"max_conns":5,"read_timeout":"1m30s","idle_timeout":"1s"}` {
		t.Fatalf("%s", out)
	}
	for _, bad := range []string{`{"read_timeout":"soon"}`, `{"read_timeout":true}`} {
		if err := json.Unmarshal([]byte(bad), &l); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
