package tdx

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tdxtesting "github.com/google/go-tdx-guest/testing"
	"github.com/google/go-tdx-guest/testing/testdata"
)

// intelTime is inside the validity of go-tdx-guest's sample quote and of the
// Intel collateral shipped with it.
var intelTime = time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC)

// TestIntelCollateral evaluates Intel's real collateral (shipped with
// go-tdx-guest) for its real sample quote. Every signature and CRL checks
// out; the TCB levels in that collateral do not cover the sample's platform,
// which go-tdx-guest's own tests expect too.
func TestIntelCollateral(t *testing.T) {
	resetChainCache()
	_, err := Verify(context.Background(), testdata.RawQuote, Options{Now: intelTime, Collateral: tdxtesting.TestGetter})
	if !errors.Is(err, ErrCollateral) || !strings.Contains(err.Error(), "no TCB level matches") {
		t.Fatalf("error %v, want the TCB level mismatch after all signatures verified", err)
	}
}

type tamperGetter struct {
	inner  Getter
	url    string
	tamper func([]byte) []byte
}

func (g tamperGetter) Get(u string) (map[string][]string, []byte, error) {
	h, b, err := g.inner.Get(u)
	if err == nil && strings.Contains(u, g.url) {
		b = g.tamper(bytes.Clone(b))
	}
	return h, b, err
}

func TestIntelCollateralTampered(t *testing.T) {
	flip := func(b []byte) []byte { b[len(b)/3] ^= 1; return b }
	for _, tc := range []struct{ url, want string }{
		{"/tcb?", "TCB info"},
		{"/qe/identity", "identity"},
		{"pckcrl", "CRL"},
	} {
		_, err := Verify(context.Background(), testdata.RawQuote, Options{Now: intelTime, Collateral: tamperGetter{tdxtesting.TestGetter, tc.url, flip}})
		if !errors.Is(err, ErrCollateral) || strings.Contains(err.Error(), "no TCB level matches") {
			t.Errorf("%s tampered: %v", tc.url, err)
		}
	}
}
