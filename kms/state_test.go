package kms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// observed returns a logger that records every entry.
func observed() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(core), logs
}

// warned reports whether a warning whose message contains all of want was
// logged.
func warned(logs *observer.ObservedLogs, want ...string) bool {
	for _, e := range logs.FilterLevelExact(zapcore.WarnLevel).All() {
		if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(e.Message, w) }) {
			return true
		}
	}
	return false
}

func simulatedConfig(t *testing.T) Config {
	return Config{Listen: "127.0.0.1:0", StateDir: t.TempDir(), InsecureSimulatedTEE: "state test", Auth: AuthConfig{InsecureAllowAll: true}}
}

// TestLostRootKeysRefused: a state directory that records a bootstrap but
// has lost its sealed keys makes the KMS refuse to start, not make new
// keys; rebootstrap replaces them, loudly, and only when asked.
func TestLostRootKeysRefused(t *testing.T) {
	cfg := simulatedConfig(t)
	first, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	record, _ := os.ReadFile(filepath.Join(cfg.StateDir, bootstrapInfoFile))
	if len(record) == 0 {
		t.Fatal("no bootstrap record written")
	}
	if err := os.Remove(filepath.Join(cfg.StateDir, sealedKeysFile)); err != nil {
		t.Fatal(err)
	}
	_, err = NewServer(context.Background(), cfg, nil)
	if !errors.Is(err, ErrRootKeysMissing) || !strings.Contains(err.Error(), "dstack-kms rebootstrap") {
		t.Fatalf("start without the sealed keys: %v", err)
	}
	if exists(filepath.Join(cfg.StateDir, sealedKeysFile)) {
		t.Fatal("the refused start wrote root keys")
	}
	// Onboarding the onboarding service way is refused as well.
	if err := RunOnboarding(context.Background(), cfg, "127.0.0.1:0", "t", nil); !errors.Is(err, ErrRootKeysMissing) {
		t.Fatalf("onboarding service without the sealed keys: %v", err)
	}

	log, logs := observed()
	info, err := Rebootstrap(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if !warned(logs, "NEW ROOT KEYS") {
		t.Fatalf("rebootstrap did not warn: %v", logs.All())
	}
	if bytes.Equal(info.K256Pubkey, first.Service.Keys.K256PublicKey()) {
		t.Fatal("rebootstrap kept the old keys")
	}
	old, _ := filepath.Glob(filepath.Join(cfg.StateDir, bootstrapInfoFile+".replaced-*"))
	if len(old) != 1 {
		t.Fatalf("old record not kept aside: %v", old)
	}
	if b, _ := os.ReadFile(old[0]); !bytes.Equal(b, record) {
		t.Fatal("the record kept aside is not the old one")
	}
	again, err := NewServer(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Service.Keys.K256PublicKey(), info.K256Pubkey) || !bytes.Equal(again.Service.Bootstrap.K256Pubkey, info.K256Pubkey) {
		t.Fatal("the KMS did not start from the rebootstrapped keys")
	}
	if _, err := Rebootstrap(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "holds root keys") {
		t.Fatalf("rebootstrap over working keys: %v", err)
	}
}

// TestBootstrapCrash stops the writing of a bootstrap at each of its steps,
// as a crash would, and starts the KMS on what is left: either nothing was
// committed and it bootstraps afresh with nothing left behind, or the
// sealed keys were and it starts from them with their record completed.
// The other order — the record committed without the keys — is refused.
func TestBootstrapCrash(t *testing.T) {
	steps := []string{"write sealed keys", "write bootstrap record", "commit sealed keys", "commit bootstrap record"}
	for i, step := range steps {
		t.Run(step, func(t *testing.T) {
			cfg := simulatedConfig(t)
			p, err := prepare(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			keys, info, err := Bootstrap(context.Background(), p.self, p.auth, nil)
			if err != nil {
				t.Fatal(err)
			}
			crash := errors.New("crash")
			st := stateDir{dir: cfg.StateDir, crash: func(s string) error {
				if s == step {
					return crash
				}
				return nil
			}}
			if err := st.store(keys, info, p.sealingKey); !errors.Is(err, crash) {
				t.Fatalf("store did not stop at %q: %v", step, err)
			}
			committed := i >= slices.Index(steps, "commit bootstrap record")
			if !committed {
				// Nothing of an uncommitted bootstrap may outlive recovery:
				// a stale record would be completed beside keys a later
				// onboarding stores.
				if err := (stateDir{dir: cfg.StateDir}).recover(zap.NewNop()); err != nil {
					t.Fatal(err)
				}
				if left, _ := filepath.Glob(filepath.Join(cfg.StateDir, "*")); len(left) != 0 {
					t.Fatalf("an uncommitted bootstrap left %v", left)
				}
			}
			log, logs := observed()
			srv, err := NewServer(context.Background(), cfg, log)
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Service.Keys.K256.Equal(keys.K256); got != committed {
				t.Fatalf("started from the crashed bootstrap's keys: %v, want %v", got, committed)
			}
			if srv.Service.Bootstrap == nil || !bytes.Equal(srv.Service.Bootstrap.K256Pubkey, srv.Service.Keys.K256PublicKey()) {
				t.Fatal("the bootstrap record does not describe the keys the KMS started with")
			}
			if committed && !warned(logs, "completed the bootstrap record") {
				t.Fatal("completing the record was not logged")
			}
			tmp, _ := filepath.Glob(filepath.Join(cfg.StateDir, "*"+tmpSuffix))
			if len(tmp) != 0 {
				t.Fatalf("left behind: %v", tmp)
			}
		})
	}
	t.Run("record without keys", func(t *testing.T) {
		cfg := simulatedConfig(t)
		if _, err := NewServer(context.Background(), cfg, nil); err != nil {
			t.Fatal(err)
		}
		// A sealed file renamed away and only half of a new one written.
		os.Rename(filepath.Join(cfg.StateDir, sealedKeysFile), filepath.Join(cfg.StateDir, sealedKeysFile+tmpSuffix))
		if _, err := NewServer(context.Background(), cfg, nil); !errors.Is(err, ErrRootKeysMissing) {
			t.Fatalf("record without keys: %v", err)
		}
	})
}

// TestWeakeningOptionsWarn: every option that weakens what a caller must
// prove to get keys is announced at start with what it weakens, and the
// same configuration without it is not.
func TestWeakeningOptionsWarn(t *testing.T) {
	dir := t.TempDir()
	policy := func(statuses string) string {
		p := filepath.Join(dir, strings.ReplaceAll(statuses, `"`, "")+".json")
		os.WriteFile(p, []byte(`{"osImages":[],"allowedTcbStatuses":[`+statuses+`],"kms":{},"apps":{}}`), 0o600)
		return p
	}
	cases := []struct {
		name        string
		weak, plain func(*Config)
		want        []string
	}{
		{"SNP key release",
			func(c *Config) { c.InsecureAllowSNPKeyRelease = true }, func(*Config) {},
			[]string{"insecure_allow_snp_key_release", "SEV-SNP"}},
		{"unbound OS image",
			func(c *Config) { c.InsecureAllowUnboundOSImage = true }, func(*Config) {},
			[]string{"insecure_allow_unbound_os_image", "os_image_hash", "SEV-SNP"}},
		{"static policy allowing OutOfDate and Revoked",
			func(c *Config) { c.Auth = AuthConfig{Static: policy(`"UpToDate","OutOfDate","Revoked"`)} },
			func(c *Config) { c.Auth = AuthConfig{Static: policy(`"UpToDate"`)} },
			[]string{"allowedTcbStatuses", "not up to date"}},
		{"plain-http webhook",
			func(c *Config) { c.Auth = AuthConfig{Webhook: "http://127.0.0.1:1"} },
			func(c *Config) { c.Auth = AuthConfig{Webhook: "https://127.0.0.1:1"} },
			[]string{"webhook", "http://", "unauthenticated"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, weak := range []bool{true, false} {
				cfg := simulatedConfig(t)
				cfg.Auth = AuthConfig{Static: policy(`"UpToDate"`)}
				if weak {
					tc.weak(&cfg)
				} else {
					tc.plain(&cfg)
				}
				log, logs := observed()
				if _, err := prepare(cfg, log); err != nil {
					t.Fatal(err)
				}
				if warned(logs, tc.want...) != weak {
					t.Fatalf("weakened %v, warned %v: %v", weak, !weak, logs.All())
				}
			}
		})
	}
	if _, err := prepare(Config{StateDir: dir, InsecureSimulatedTEE: "x", Auth: AuthConfig{Webhook: "ftp://x"}}, nil); err == nil {
		t.Fatal("a webhook that is not http(s) accepted")
	}
}

func TestConfigJSON(t *testing.T) {
	var c Config
	if err := json.Unmarshal([]byte(`{"state_dir":"s","auth":{"static":"p"},"insecure_allow_snp_key_release":true}`), &c); err != nil || !c.InsecureAllowSNPKeyRelease {
		t.Fatalf("%+v %v", c, err)
	}
	for in, want := range map[string]string{
		`{"state_dir":"s","allow_snp_key_release":true}`:        "now named insecure_allow_snp_key_release",
		`{"state_dir":"s","insecure_simulated_tee":"x"}`:        `unknown field "insecure_simulated_tee"`,
		`{"state_dir":"s","auth":{"chain":{"rpc":"http://x"}}}`: `unknown field "rpc"`,
	} {
		if err := json.Unmarshal([]byte(in), &Config{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
