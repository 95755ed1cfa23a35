package sealed

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/certmagic"

	"github.com/dstack-go/dstack/internal/caddyfiletest"

	_ "github.com/caddyserver/caddy/v2/modules/filestorage"
)

func testSealer(t testing.TB, b byte) *Sealer {
	t.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testStorage(t *testing.T, b byte, dir string) *Storage {
	return &Storage{Backend: &certmagic.FileStorage{Path: dir}, Sealer: testSealer(t, b)}
}

func TestRoundTripAndNoClearTextOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := testStorage(t, 1, dir)
	secret := []byte("-----BEGIN EC PRIVATE KEY-----\nsecret\n-----END EC PRIVATE KEY-----\n")
	if err := s.Store(ctx, "certificates/x/x.key", secret); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "certificates/x/x.key")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Load = %q, %v", got, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "certificates", "x", "x.key"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("PRIVATE KEY")) || bytes.Contains(raw, []byte("secret")) {
		t.Fatalf("value on disk holds clear text: %q", raw)
	}
	if len(raw) != len(secret)+Overhead {
		t.Fatalf("envelope is %d bytes, want %d", len(raw), len(secret)+Overhead)
	}
	if _, err := s.Load(ctx, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing key: %v, want fs.ErrNotExist", err)
	}
}

// TestOpenFailures: every way a value can fail to open is its own error and
// none of them reads as a missing key, which would make certmagic order a new
// certificate or account in silence.
func TestOpenFailures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := testStorage(t, 1, dir)
	if err := s.Store(ctx, "acme/ca/users/a/a.key", []byte("account key")); err != nil {
		t.Fatal(err)
	}
	env, err := s.Backend.Load(ctx, "acme/ca/users/a/a.key")
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", what, err, want)
		}
		if errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s: %v reads as a missing key", what, err)
		}
	}

	// Another sealing key says so, with both key ids.
	_, err = testStorage(t, 2, dir).Load(ctx, "acme/ca/users/a/a.key")
	check("other key", err, ErrOtherKey)
	if !strings.Contains(err.Error(), s.Sealer.KeyID()) {
		t.Fatalf("other key error does not name the value's key id: %v", err)
	}

	// The value moved to another name.
	if err := s.Backend.Store(ctx, "acme/ca/users/b/b.key", env); err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(ctx, "acme/ca/users/b/b.key")
	check("moved", err, ErrTampered)

	// A value in clear.
	if err := s.Backend.Store(ctx, "clear", []byte("-----BEGIN CERTIFICATE-----")); err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(ctx, "clear")
	check("clear", err, ErrNotSealed)

	// Every flipped byte.
	for i := range env {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(env)
			bad[i] ^= bit
			_, err := s.Sealer.Open("acme/ca/users/a/a.key", bad)
			if err == nil {
				t.Fatalf("byte %d flipped (%#x): opened", i, bit)
			}
			if errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("byte %d flipped: reads as missing", i)
			}
		}
	}
	// Every truncation.
	for n := range len(env) {
		if _, err := s.Sealer.Open("acme/ca/users/a/a.key", env[:n]); err == nil {
			t.Fatalf("truncated to %d: opened", n)
		}
	}
}

func FuzzOpen(f *testing.F) {
	s := testSealer(f, 1)
	good, err := s.Seal("k", []byte("value"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(envelopeMagic))
	f.Add(append([]byte(envelopeMagic), 2))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, env []byte) {
		v, err := s.Open("k", env)
		if err != nil {
			if v != nil {
				t.Fatal("value with an error")
			}
			if !errors.Is(err, ErrNotSealed) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrOtherKey) && !errors.Is(err, ErrTampered) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		// Only an envelope this key sealed opens; resealing it must open to the same value.
		again, err := s.Seal("k", v)
		if err != nil {
			t.Fatal(err)
		}
		if w, err := s.Open("k", again); err != nil || !bytes.Equal(w, v) {
			t.Fatalf("reseal: %q %v", w, err)
		}
	})
}

// fakeAgent serves the guest agent's GetKey on a unix socket with a fixed
// key, recording what it was asked; with a nil key it refuses, as an agent
// of a CVM the KMS gave no keys would.
func fakeAgent(t *testing.T, key []byte) (socket string, asked *map[string]string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket = filepath.Join(dir, "dstack.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/prpc/GetKey" {
			http.NotFound(w, r)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if key == nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"error": "no app keys: the KMS refused them"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"key": hex.EncodeToString(key), "signature_chain": []string{}})
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return socket, &got
}

func provision(t *testing.T, m *Module) error {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	return m.Provision(ctx)
}

func TestProvisionKeySources(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	socket, asked := fakeAgent(t, key)
	dir := t.TempDir()
	backend := json.RawMessage(`{"module":"file_system","root":` + string(mustJSON(t, dir)) + `}`)

	agent := &Module{BackendRaw: backend, Socket: socket, Purpose: "p"}
	if err := provision(t, agent); err != nil {
		t.Fatal(err)
	}
	if (*asked)["path"] != DefaultKeyPath || (*asked)["purpose"] != "p" {
		t.Fatalf("agent asked %v", *asked)
	}
	hexKey := &Module{BackendRaw: backend, InsecureKeyHex: hex.EncodeToString(key)}
	if err := provision(t, hexKey); err != nil {
		t.Fatal(err)
	}
	if agent.storage.Sealer.KeyID() != hexKey.storage.Sealer.KeyID() {
		t.Fatal("the same key material from two sources gives two keys")
	}
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte(hex.EncodeToString(key)+"\n"), 0o600)
	if err := provision(t, &Module{BackendRaw: backend, InsecureKeyFile: file}); err != nil {
		t.Fatal(err)
	}

	refusing, _ := fakeAgent(t, nil)
	for name, m := range map[string]*Module{
		"no agent":      {BackendRaw: backend, Socket: filepath.Join(dir, "none.sock")},
		"agent refuses": {BackendRaw: backend, Socket: refusing},
		"short key":     {BackendRaw: backend, InsecureKeyHex: "0102"},
		"two sources":   {BackendRaw: backend, InsecureKeyHex: hex.EncodeToString(key), InsecureKeyFile: file},
		"mixed":         {BackendRaw: backend, InsecureKeyHex: hex.EncodeToString(key), Socket: socket},
		"nested sealed": {BackendRaw: json.RawMessage(`{"module":"dstack_sealed","insecure_key_hex":"` + hex.EncodeToString(key) + `"}`), InsecureKeyHex: hex.EncodeToString(key)},
	} {
		if err := provision(t, m); err == nil {
			t.Errorf("%s: provisioned", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCaddyfileGoldens adapts each testdata/caddyfile/*.caddyfile and
// compares the storage part of the JSON with the .json beside it (an input
// whose golden starts with "error:" must fail to adapt with that text).
func TestCaddyfileGoldens(t *testing.T) {
	caddyfiletest.Goldens(t, func(out []byte) (json.RawMessage, error) {
		var cfg struct {
			Storage json.RawMessage `json:"storage"`
		}
		err := json.Unmarshal(out, &cfg)
		return cfg.Storage, err
	})
}
