package chain

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a test clock that moves only when told, and counts its reads.
type clock struct {
	mu    sync.Mutex
	t     time.Time
	reads int
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) readCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// waitFor waits, yielding, until cond holds; the test's own timeout bounds
// it.
func waitFor(cond func() bool) {
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

// settledGoroutines waits until no more goroutines run than want.
func settledGoroutines(t *testing.T, want int) {
	t.Helper()
	for i := 0; runtime.NumGoroutine() > want; i++ {
		if i == 30000 {
			t.Fatalf("%d goroutines run, %d before", runtime.NumGoroutine(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHeadReadOncePerInterval: concurrent answers after the head interval
// cost exactly one read of the head, shared by every caller waiting for it,
// and no eth_call when their answers are cached; within the interval they
// cost no request at all, and no goroutine is left behind.
func TestHeadReadOncePerInterval(t *testing.T) {
	f := newCacheFixture(t)
	clk := newClock()
	r := f.reader(Config{HeadInterval: time.Second, Now: clk.Now})
	f.ask(r, f.a, 0xc1)
	f.ask(r, f.b, 0xc2)
	if _, _, err := r.GatewayAppID(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()

	// Within the interval: no request, however many answers.
	heads, other := f.rpc.heads.Load(), f.rpc.other.Load()
	for range 20 {
		if _, n := f.ask(r, f.a, 0xc1); n != 0 {
			t.Fatalf("a cached answer within the interval cost %d eth_calls", n)
		}
	}
	if h, o := f.rpc.heads.Load()-heads, f.rpc.other.Load()-other; h != 0 || o != 0 {
		t.Fatalf("20 cached answers within the interval cost %d head reads and %d other requests", h, o)
	}

	// A new block, and the interval passes: the callers that come at once
	// all wait for one read of the head.
	f.c.Sim.Commit()
	clk.add(time.Second)
	hold := make(chan struct{})
	f.rpc.hold.Store(&hold)
	heads, calls := f.rpc.heads.Load(), f.rpc.calls.Load()
	reads := clk.readCount()
	const n = 16
	answers := make(chan Answer, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app, compose := f.a, byte(0xc1)
			if i%2 == 1 {
				app, compose = f.b, 0xc2
			}
			a, err := r.IsAppAllowed(context.Background(), boot(app, compose))
			answers <- a
			errs <- err
		}()
	}
	// Every caller has looked at the clock (found the interval expired)
	// while the one read is held: the read and the callers overlap.
	waitFor(func() bool { return f.rpc.held.Load() >= 1 && clk.readCount()-reads >= n+2 })
	f.rpc.hold.Store(nil)
	close(hold)
	wg.Wait()
	close(answers)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for a := range answers {
		if !a.Allowed || a.Block != f.head() {
			t.Fatalf("answer %+v after the interval (head %d)", a, f.head())
		}
	}
	if h, c := f.rpc.heads.Load()-heads, f.rpc.calls.Load()-calls; h != 1 || c != 0 {
		t.Fatalf("%d concurrent cached answers after the interval cost %d head reads and %d eth_calls, want 1 and 0", n, h, c)
	}
	t.Logf("%d concurrent answers after the interval: %d head read, %d eth_calls", n, f.rpc.heads.Load()-heads, f.rpc.calls.Load()-calls)
	settledGoroutines(t, base)
}

// TestHeadIntervalRevocation: a revocation is not seen before the next
// head read, and is seen by the first answer after it, at its own block:
// within one interval of the block.
func TestHeadIntervalRevocation(t *testing.T) {
	f := newCacheFixture(t)
	clk := newClock()
	r := f.reader(Config{HeadInterval: time.Second, Now: clk.Now})
	first, _ := f.ask(r, f.a, 0xc1)
	rev := f.send(f.a, f.c.A.PackRemoveComposeHash(h(0xc1)))
	heads := f.rpc.heads.Load()
	clk.add(time.Second - time.Millisecond)
	if a, n := f.ask(r, f.a, 0xc1); !a.Allowed || a.Block != first.Block || n != 0 {
		t.Fatalf("within the interval of the last head read: %+v after %d calls, want the cached answer at block %d", a, n, first.Block)
	}
	if h := f.rpc.heads.Load() - heads; h != 0 {
		t.Fatalf("%d head reads within the interval", h)
	}
	clk.add(time.Millisecond)
	if a, n := f.ask(r, f.a, 0xc1); a.Allowed || a.Block != rev || n == 0 {
		t.Fatalf("one interval after the revocation in block %d: %+v after %d calls", rev, a, n)
	}
	if h := f.rpc.heads.Load() - heads; h != 1 {
		t.Fatalf("%d head reads after the interval, want 1", h)
	}
	// The other answers see the same block.
	if _, block, err := r.GatewayAppID(context.Background()); err != nil || block != rev {
		t.Fatalf("gateway app id at block %d %v, want %d", block, err, rev)
	}
}

// TestHeadUnreadableFailsClosed: while the head cannot be read, it is
// tried once per interval and the last pinned block is served up to the
// staleness bound; past it every kind of answer is an error that says what
// to change, until a head read succeeds again.
func TestHeadUnreadableFailsClosed(t *testing.T) {
	f := newCacheFixture(t)
	clk := newClock()
	r := f.reader(Config{HeadInterval: time.Second, MaxStaleness: 5 * time.Second, Now: clk.Now})
	first, _ := f.ask(r, f.a, 0xc1)
	if _, _, err := r.KmsInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.AppImplementation(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.IsKmsAllowed(context.Background(), boot(f.a, 0xc1)); err != nil {
		t.Fatal(err)
	}
	readAt := clk.Now()
	if h, err := r.Head(context.Background()); err != nil || h.Err != nil || h.Block != first.Block || h.ReadAt != readAt {
		t.Fatalf("head while readable: %+v %v, want block %d read at %v", h, err, first.Block, readAt)
	}
	f.rpc.down.Store(true)
	heads := f.rpc.heads.Load()
	for s := 1; s <= 5; s++ {
		clk.add(time.Second)
		for range 3 {
			if a, n := f.ask(r, f.a, 0xc1); !a.Allowed || a.Block != first.Block || n != 0 {
				t.Fatalf("%ds unreadable, within the bound: %+v after %d calls", s, a, n)
			}
		}
		if h := f.rpc.heads.Load() - heads; h != int64(s) {
			t.Fatalf("%ds unreadable: %d head reads tried, want one a second", s, h)
		}
		if h, err := r.Head(context.Background()); err != nil || !errors.Is(h.Err, errDown) || h.Block != first.Block || h.ReadAt != readAt {
			t.Fatalf("head %ds unreadable, within the bound: %+v %v", s, h, err)
		}
	}
	clk.add(time.Second)
	ctx := context.Background()
	answers := map[string]error{}
	_, answers["IsAppAllowed"] = r.IsAppAllowed(ctx, boot(f.a, 0xc1))
	_, answers["IsKmsAllowed"] = r.IsKmsAllowed(ctx, boot(f.a, 0xc1))
	_, _, answers["GatewayAppID"] = r.GatewayAppID(ctx)
	_, _, answers["KmsInfo"] = r.KmsInfo(ctx)
	_, _, answers["AppImplementation"] = r.AppImplementation(ctx)
	for name, err := range answers {
		if !errors.Is(err, ErrStale) || !errors.Is(err, errDown) || !strings.Contains(err.Error(), "make the chain's RPC endpoint reachable") {
			t.Fatalf("%s 6s unreadable, bound 5s: %v", name, err)
		}
	}
	if h, err := r.Head(ctx); !errors.Is(err, ErrStale) || !errors.Is(h.Err, errDown) || h.ReadAt != readAt {
		t.Fatalf("head 6s unreadable, bound 5s: %+v %v", h, err)
	}
	t.Logf("past the bound: %v", answers["IsAppAllowed"])
	f.rpc.down.Store(false)
	clk.add(time.Second)
	if a, err := r.IsAppAllowed(ctx, boot(f.a, 0xc1)); err != nil || !a.Allowed || a.Block != f.head() {
		t.Fatalf("readable again: %+v %v", a, err)
	}
}

// TestHeadWaiterGivesUp: a caller whose context ends while it waits for
// the shared head read returns at once; the read goes on for the others,
// and its goroutine ends with it.
func TestHeadWaiterGivesUp(t *testing.T) {
	f := newCacheFixture(t)
	clk := newClock()
	r := f.reader(Config{HeadInterval: time.Second, Now: clk.Now})
	f.ask(r, f.a, 0xc1)
	base := runtime.NumGoroutine()
	clk.add(time.Second)
	hold := make(chan struct{})
	f.rpc.hold.Store(&hold)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := r.IsAppAllowed(ctx, boot(f.a, 0xc1))
		gaveUp <- err
	}()
	waitFor(func() bool { return f.rpc.held.Load() >= 1 })
	other := make(chan error, 1)
	go func() {
		_, err := r.IsAppAllowed(context.Background(), boot(f.a, 0xc1))
		other <- err
	}()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up: %v", err)
	}
	f.rpc.hold.Store(nil)
	close(hold)
	if err := <-other; err != nil {
		t.Fatalf("the caller that waited: %v", err)
	}
	if h := f.rpc.held.Load(); h != 1 {
		t.Fatalf("%d head reads, want the one shared read", h)
	}
	settledGoroutines(t, base)
}

// TestHeadIntervalLongerThanStaleness: a head interval past the staleness
// bound would make every answer between reads stale, and is refused.
func TestHeadIntervalLongerThanStaleness(t *testing.T) {
	f := newCacheFixture(t)
	_, err := New(context.Background(), f.rpc, Config{ChainID: f.c.ChainID, KmsContract: f.c.Kms, HeadInterval: time.Minute, MaxStaleness: 30 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "shorten the head interval") {
		t.Fatalf("head interval 1m, staleness bound 30s: %v", err)
	}
}
