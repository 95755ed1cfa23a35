package ztacme

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/caddyserver/certmagic"

	"github.com/dstack-go/dstack/caddymodules/sealed"
)

// TestDamagedAccountIsNoNewAccount: a stored account that does not unseal
// stops the order with the storage's error; the issuer never registers a
// replacement in its place.
func TestDamagedAccountIsNoNewAccount(t *testing.T) {
	ctx := context.Background()
	s, err := sealed.NewSealer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	backend := &certmagic.FileStorage{Path: t.TempDir()}
	st := &sealed.Storage{Backend: backend, Sealer: s}
	iss := &Issuer{BaseDomain: "gw.example.test", ca: "https://127.0.0.1:1/dir", cfg: &certmagic.Config{Storage: st},
		inner: nil}
	key := "dstack/acme/test/account.json"
	iss.accountKeyFn = func() string { return key }
	if err := st.Store(ctx, key, []byte(`{"account_uri":"https://ca/acct/1","key_pem":"k"}`)); err != nil {
		t.Fatal(err)
	}
	env, _ := backend.Load(ctx, key)
	env[len(env)-1] ^= 1
	backend.Store(ctx, key, env)

	_, err = iss.prepare(ctx)
	if err == nil || !errors.Is(err, sealed.ErrTampered) || strings.Contains(err.Error(), "registering") {
		t.Fatalf("prepare with a damaged account: %v", err)
	}
}
