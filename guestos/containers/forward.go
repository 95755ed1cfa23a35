package containers

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"

	"go.uber.org/zap"
)

// forwarder publishes a service's TCP port at another number: connections to
// HostIP:Published are relayed to the service's Target on loopback. Services
// share the guest's network namespace, so a port published at its own number
// needs no forwarder. The standard library has no relay, so this is a small
// one.
type forwarder struct {
	ln   net.Listener
	log  *zap.Logger
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[net.Conn]struct{}
}

func startForwarder(pt port, log *zap.Logger) (*forwarder, error) {
	listen := net.JoinHostPort(pt.HostIP, strconv.Itoa(int(pt.Published)))
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("publishing port %d at %s: %w", pt.Target, listen, err)
	}
	f := &forwarder{ln: ln, log: log, open: map[net.Conn]struct{}{}}
	target := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(pt.Target)))
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					log.Warn("port forwarder stopped", zap.String("listen", listen), zap.Error(err))
				}
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.relay(c, target)
			}()
		}
	}()
	return f, nil
}

func (f *forwarder) track(c net.Conn, add bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if add {
		f.open[c] = struct{}{}
	} else {
		delete(f.open, c)
	}
}

func (f *forwarder) relay(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		f.log.Debug("port forwarder: service not reachable", zap.String("target", target), zap.Error(err))
		return
	}
	defer up.Close()
	f.track(c, true)
	f.track(up, true)
	defer f.track(c, false)
	defer f.track(up, false)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// Close stops listening and ends open connections.
func (f *forwarder) Close() {
	f.ln.Close()
	f.mu.Lock()
	for c := range f.open {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}
