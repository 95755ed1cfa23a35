package gateway

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
)

// TestFallThroughConcurrent: many HTTPS connections at once fall through
// the layer4 listener wrapper to the HTTP site, and with dstack_detach
// every one completes. (Without it, caddy-l4 v0.1.2 reuses a connection's
// prefetched ClientHello buffer for the next one and some handshakes fail;
// set DSTACK_NO_DETACH=1 to see it.)
func TestFallThroughConcurrent(t *testing.T) {
	e := newEnv(t)
	compose := e.compose(0xcf)
	app := e.deployApp(compose)
	g, addr := e.loadHTTPSWithPassthrough(os.Getenv("DSTACK_NO_DETACH") == "")
	c := e.bootCVM(app, compose, 1)
	c.mustRegister(g)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				tr := &http.Transport{TLSClientConfig: &tls.Config{ServerName: hostOf(app, ""), InsecureSkipVerify: true}, DisableKeepAlives: true}
				req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/", nil)
				req.Host = hostOf(app, "")
				res, err := (&http.Client{Transport: tr}).Do(req)
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", res.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n < 3 {
			t.Error(err)
		}
		n++
	}
	if n > 0 {
		t.Fatalf("%d of 400 connections failed", n)
	}
}
