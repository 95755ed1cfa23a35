package test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// cvmProc is a running `dstack dev cvm`.
type cvmProc struct {
	cmd  *exec.Cmd
	done chan error
	log  string
	st   struct {
		InstanceID  string `json:"instance_id"`
		ComposeHash string `json:"compose_hash"`
		GuestSocket string `json:"guest_socket"`
		QEMUPID     int    `json:"qemu_pid"`
	}
}

// cvm boots one more CVM of the stack's app and waits until it runs.
func (s *stack) cvm(name string, args ...string) *cvmProc {
	s.t.Helper()
	c := &cvmProc{done: make(chan error, 1), log: filepath.Join(s.dir, "cvm-"+name+".log")}
	c.cmd = exec.Command(s.bin, append([]string{"dev", "cvm", "--dir", s.dir, "--name", name}, args...)...)
	lf, _ := os.Create(c.log)
	c.cmd.Stdout, c.cmd.Stderr = lf, lf
	if err := c.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	s.t.Cleanup(func() { c.stop() })
	statePath := filepath.Join(s.dir, "extra", name, "state.json")
	deadline := time.Now().Add(2 * time.Minute)
	if slices.Contains(args, "--vm") {
		deadline = deadline.Add(5 * time.Minute)
	}
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(statePath); err == nil && json.Unmarshal(b, &c.st) == nil {
			return c
		}
		select {
		case err := <-c.done:
			c.done <- err
			out, _ := os.ReadFile(c.log)
			s.t.Fatalf("dev cvm %s exited: %v\n%s", name, err, out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	out, _ := os.ReadFile(c.log)
	s.t.Fatalf("dev cvm %s did not come up\n%s", name, out)
	return nil
}

func (c *cvmProc) stop() { stopProcess(c.cmd, c.done) }

// TestChainPolicyThroughStack drives the chain's policy with `dstack chain`
// against a running stack and watches the KMS, the gateway and the CVMs:
//   - a compose hash the chain does not allow boots nothing: no keys, no
//     container, and the app's name still routes only to the allowed one;
//   - an upgrade (a new compose hash allowed, the instance restarted with
//     it) keeps the instance id and the app keys and reads what the old
//     version wrote to the instance's data;
//   - revoking the compose hashes stops the KMS signing for the app and
//     the gateway routing to it (403), within a couple of blocks.
func TestChainPolicyThroughStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	s := up(t, filepath.Join(t.TempDir(), "stack"))
	st := s.st
	code, body := s.get(st.AppHost, "/")
	if code != http.StatusOK {
		t.Fatalf("app: %d %s", code, body)
	}
	appKey := field(body, "app_key_sha256")

	// Not allowed: no keys, no app.
	out, err := s.run(nil, "dev", "cvm", "--dir", s.dir, "--name", "bad", "--version", "v9")
	if err == nil || !strings.Contains(out, "no KMS released the app keys") {
		t.Fatalf("a compose hash the chain does not allow booted: %v\n%s", err, out)
	}
	if l := leftovers(filepath.Join(s.dir, "extra", "bad")); len(l) > 0 {
		t.Fatalf("the refused CVM left: %v", l)
	}
	for i := 0; i < 4; i++ {
		if code, body := s.get(st.AppHost, "/"); code != http.StatusOK || field(body, "instance_id") != st.InstanceID {
			t.Fatalf("the app's name routed elsewhere than its one allowed instance: %d %q", code, body)
		}
	}

	// Upgrade: v1 writes, v2 (allowed now) reads, same instance.
	v2, err := s.run(nil, "dev", "cvm", "--dir", s.dir, "--name", "up", "--version", "v2", "--print-compose-hash")
	if err != nil {
		t.Fatalf("%v\n%s", err, v2)
	}
	v2 = strings.TrimSpace(v2)
	s.chain("add-compose-hash", st.AppContract, v2)
	old := s.cvm("up", "--version", "v1")
	host := old.st.InstanceID + ".dstack.localhost"
	var before string
	// Under load (the CI runs VM tests beside this one) an instance's
	// containers can take tens of seconds to start.
	v1In := eventually(t, "the v1 instance to answer through the gateway", 3*time.Minute, func() bool {
		code, before = s.get(host, "/")
		return code == http.StatusOK
	})
	t.Logf("the v1 instance answered through the gateway %s after its state was written", v1In.Round(10*time.Millisecond))
	if field(before, "version") != "v1" || field(before, "starts") != "1" || field(before, "app_key_sha256") != appKey {
		t.Fatalf("v1 instance: %q (the stack's instance has app key %s)", before, appKey)
	}
	old.stop()
	upgraded := s.cvm("up", "--version", "v2")
	if upgraded.st.InstanceID != old.st.InstanceID || upgraded.st.ComposeHash != v2 {
		t.Fatalf("restarted with v2: instance %s compose %s, want instance %s compose %s", upgraded.st.InstanceID, upgraded.st.ComposeHash, old.st.InstanceID, v2)
	}
	var after string
	var lastCode int
	v2Start := time.Now()
	if !within(3*time.Minute, func() bool {
		lastCode, after = s.get(host, "/")
		return lastCode == http.StatusOK && field(after, "version") == "v2"
	}) {
		b, _ := os.ReadFile(upgraded.log)
		t.Fatalf("timed out waiting for the v2 instance to answer through the gateway: last %d %q\ncvm log:\n%s\nstack log:\n%s", lastCode, after, b, tail(s.log(), 60))
	}
	t.Logf("the v2 instance answered through the gateway %s after its state was written", time.Since(v2Start).Round(10*time.Millisecond))
	if field(after, "starts") != "2" || field(after, "app_key_sha256") != appKey {
		t.Fatalf("v2 after v1 on the same data: %q", after)
	}

	// Revocation: the KMS stops signing, the gateway stops routing.
	s.revoke([]string{st.ComposeHash, v2}, []string{st.GuestSocket, upgraded.st.GuestSocket}, []string{host})
}

// revoke removes the compose hashes on chain and checks that the gateway
// stops routing the app (403, at its name and at the hosts given) and that
// the KMS stops signing for the CVMs behind the agent sockets given, which
// signed before.
func (s *stack) revoke(hashes, sockets, hosts []string) {
	s.t.Helper()
	s.revokeBy(func() {
		for _, h := range hashes {
			s.chain("remove-compose-hash", s.st.AppContract, h)
		}
	}, sockets, hosts)
}

// revokeBy runs the revoking transactions of revoke and checks the same.
func (s *stack) revokeBy(revoke func(), sockets, hosts []string) {
	t, st := s.t, s.st
	t.Helper()
	for _, sock := range sockets {
		if code, out, err := agent(sock, "GetTlsKey", map[string]any{"subject": "x", "usage_server_auth": true}); err != nil || code != http.StatusOK {
			t.Fatalf("GetTlsKey before the revocation (socket %s): %d %v %s", sock, code, err, out)
		}
	}
	revoke()
	revoked := time.Now()
	refusedIn := eventually(t, "the gateway to refuse the revoked app", time.Minute, func() bool {
		code, _ := s.get(st.AppHost, "/")
		return code == http.StatusForbidden
	})
	// The KMS's chain reader reads the head once per its head interval, so
	// it refuses at its first head read after the revoking block, which may
	// come up to that interval after the gateway's.
	for _, sock := range sockets {
		var code int
		var out string
		var err error
		eventually(t, "the KMS to refuse to sign for the revoked app (socket "+sock+")", time.Minute, func() bool {
			code, out, err = agent(sock, "GetTlsKey", map[string]any{"subject": "x", "usage_server_auth": true})
			if err == nil && code == http.StatusOK {
				t.Logf("the KMS signed for the app %s after the revocation was mined", time.Since(revoked).Round(10*time.Millisecond))
			}
			return err == nil && code != http.StatusOK && (strings.Contains(out, "not allowed") || strings.Contains(out, "denied") || strings.Contains(out, "refused"))
		})
	}
	for _, host := range hosts {
		if code, body := s.get(host, "/"); code != http.StatusForbidden {
			t.Fatalf("the revoked instance's own name: %d %q", code, body)
		}
	}
	t.Logf("gateway refused %s after the revoking transaction was mined; KMS refusal checked %s after", refusedIn.Round(10*time.Millisecond), time.Since(revoked).Round(10*time.Millisecond))
}
