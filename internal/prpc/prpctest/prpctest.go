// Package prpctest holds what the tests of every pRPC server share: floods
// that measure what they make the process hold, and the checks of what
// upstream's SDK clients need of the answers. It is for tests only: nothing
// that serves may import it.
package prpctest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// PaddedJSON is a JSON object of exactly n bytes, {"pad":"aaa…"}, made as it
// is read: the sender holds none of it. Read counts the bytes read so far.
type PaddedJSON struct {
	n    int64
	off  int64
	read atomic.Int64
}

// NewPaddedJSON returns a PaddedJSON of n bytes (at least 11).
func NewPaddedJSON(n int64) *PaddedJSON { return &PaddedJSON{n: max(n, 11)} }

const (
	padHead = `{"pad":"`
	padTail = `"}`
)

// Read implements io.Reader.
func (p *PaddedJSON) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(b) && p.off < p.n {
		switch {
		case p.off < int64(len(padHead)):
			b[k] = padHead[p.off]
		case p.off >= p.n-int64(len(padTail)):
			b[k] = padTail[p.off-(p.n-int64(len(padTail)))]
		default:
			b[k] = 'a'
		}
		k++
		p.off++
	}
	p.read.Add(int64(k))
	return k, nil
}

// BytesRead is how many bytes were read.
func (p *PaddedJSON) BytesRead() int64 { return p.read.Load() }

// Result is what a flood got and cost.
type Result struct {
	// PeakHeap is the most the heap grew over its size before the flood,
	// sampled every half millisecond while the requests ran.
	PeakHeap uint64
	// Status counts the answers by HTTP status.
	Status map[int]int
	// Errors are the requests that got no answer (the server may close a
	// connection whose body it refuses while the body is being sent).
	Errors int
}

// Flood POSTs n requests at once to url with c, each a PaddedJSON body of
// size bytes (every other one with its Content-Length, the others chunked,
// so that the server must stop reading a body it cannot size up front),
// and measures the heap of the whole process while they run.
func Flood(c *http.Client, url string, n int, size int64) Result {
	res := Result{Status: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, url, NewPaddedJSON(size))
			if err != nil {
				panic(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if i%2 == 0 {
				req.ContentLength = size
			} // else unknown: sent chunked
			<-start
			resp, err := c.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Errors++
				return
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			res.Status[resp.StatusCode]++
		})
	}
	res.PeakHeap = PeakHeapGrowth(func() {
		close(start)
		wg.Wait()
	})
	return res
}

// PeakHeapGrowth runs f and returns how much the heap's objects (live, and
// garbage not yet collected) grew at most over their size before f, sampled
// every half millisecond.
func PeakHeapGrowth(f func()) uint64 {
	runtime.GC()
	base := heapObjects()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			if h := heapObjects(); h > base && h-base > peak.Load() {
				peak.Store(h - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	<-sampled
	return peak.Load()
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// HeldFor reads from c until the server closes it and returns how long that
// took, or an error if the server still held it after limit.
func HeldFor(c net.Conn, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return 0, fmt.Errorf("the server still held the connection after %v", limit)
	}
	return time.Since(start), nil
}

// BodyLimit checks that the method at url takes a JSON body of limit bytes
// past its size check, and refuses one of limit+1 bytes with 413 and an
// error naming the method's limit.
func BodyLimit(c *http.Client, url, method string, limit int64) error {
	for _, size := range []int64{limit, limit + 1} {
		resp, err := c.Post(url, "application/json", NewPaddedJSON(size))
		if err != nil {
			return fmt.Errorf("%s with %d bytes: %w", method, size, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		var e struct{ Error string }
		_ = json.Unmarshal(body, &e)
		tooLarge := resp.StatusCode == http.StatusRequestEntityTooLarge
		if tooLarge != (size > limit) {
			return fmt.Errorf("%s with %d bytes (limit %d): %d %s", method, size, limit, resp.StatusCode, body)
		}
		if want := fmt.Sprintf("%s: request body larger than the method's limit of %d bytes", method, limit); tooLarge && e.Error != want {
			return fmt.Errorf("%s: error %q, want %q", method, e.Error, want)
		}
	}
	return nil
}

// LargeAnswer POSTs to base (a server's URL up to the method name) a
// method name of 70 KB, which the "unknown method" answer echoes, and
// fails t unless that answer of over 64 KB carries its Content-Length and
// no Transfer-Encoding, as the SDKs' unix-socket clients need.
func LargeAnswer(t testing.TB, c *http.Client, base string) {
	t.Helper()
	res, err := c.Post(base+strings.Repeat("m", 70<<10)+"?json", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 64<<10 || res.ContentLength != int64(len(b)) || len(res.TransferEncoding) != 0 || !strings.Contains(string(b), "unknown method") {
		t.Fatalf("%s…: answer of %d bytes, status %d, Content-Length %d, Transfer-Encoding %v: want over 64 KB with Content-Length and no Transfer-Encoding",
			base, len(b), res.StatusCode, res.ContentLength, res.TransferEncoding)
	}
}
