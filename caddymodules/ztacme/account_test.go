package ztacme

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
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

// TestProvisionRefusals: the issuer refuses a configuration it cannot pin
// with, saying what to add.
func TestProvisionRefusals(t *testing.T) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	dns := `"challenges":{"dns":{"provider":{"name":"rfc2136","server":"127.0.0.1:53","key_name":"k.","key":"AAAA"}}}`
	for _, c := range []struct{ acme, base, want string }{
		{`{"ca":"https://ca.example/directory",` + dns + `}`, "gw.example.test", "caa_identity is required"},
		{`{"ca":"https://acme-v02.api.letsencrypt.org/directory"}`, "gw.example.test", "challenges.dns.provider is required"},
		{`{"account_key":"x",` + dns + `}`, "gw.example.test", "account_key is not allowed"},
		{`{` + dns + `}`, "", "base_domain is required"},
	} {
		iss := &Issuer{ACME: json.RawMessage(c.acme), BaseDomain: c.base}
		if err := iss.Provision(ctx); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.acme, err, c.want)
		}
	}
}
