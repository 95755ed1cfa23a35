// Package prpctest holds the checks the tests of every pRPC server share:
// what upstream's SDK clients need of its answers. It is imported by tests
// only.
package prpctest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

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
