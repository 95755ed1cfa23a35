package kms_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/threshold"
)

// TestThresholdReshareNodeKilled: the fixture's 2-of-3 committee (kms-a,
// kms-b, kms-c) is reshared to kms-b, kms-c and a new kms-d, each node a
// dstack-kms process of its own, and kms-b is killed (SIGKILL) in the
// middle of the resharing. It comes back with its old shares intact, byte
// for byte; no node has moved to the new committee, nor destroyed its
// shares. The resharing run again (every node restarted with the same
// reshare block) completes: kms-a retires, and every app key is the one
// the old committee released.
func TestThresholdReshareNodeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds dstack-kms and runs a resharing of three roots among four processes, twice")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build dstack-kms with")
	}
	bin := filepath.Join(t.TempDir(), "dstack-kms")
	if out, err := exec.Command(goBin, "build", "-o", bin, "./cmd/dstack-kms").CombinedOutput(); err != nil {
		t.Fatalf("building dstack-kms: %v\n%s", err, out)
	}
	s := guesttest.New(t, guesttest.ComposeHash())
	dirs := guesttest.ThresholdFixture(t)
	old := s.StartThresholdNodes(t, dirs)
	s.PublishThreshold(t, dirs["kms-b"])
	p, appID, instanceID := s.MeasuredCVM(t)
	var oldURLs []string
	for _, n := range guesttest.ThresholdNames {
		oldURLs = append(oldURLs, old[n].URL)
	}
	_, before, err := cvmKeys(t, s, p, appID, instanceID, 1, oldURLs)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, srv := range old {
		srv.Stop(ctx)
	}
	dirs["kms-d"] = joiningNodeDir(t)
	all, newNames := []string{"kms-a", "kms-b", "kms-c", "kms-d"}, []string{"kms-b", "kms-c", "kms-d"}
	sealed := map[string][]byte{}
	for _, n := range guesttest.ThresholdNames {
		if sealed[n], err = os.ReadFile(filepath.Join(dirs[n], "threshold-shares.sealed")); err != nil {
			t.Fatal(err)
		}
	}

	// Every node's peer address, fixed across its restarts.
	urls, peers := map[string]string{}, map[string]string{}
	for _, n := range all {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		peers[n], urls[n] = ln.Addr().String(), "https://"+ln.Addr().String()
		ln.Close()
	}
	reshare := &kms.ThresholdReshare{Epoch: 2, Threshold: 2}
	for _, n := range newNames {
		reshare.Nodes = append(reshare.Nodes, kms.ThresholdNode{Name: n, URL: urls[n]})
	}
	configs := map[string]kms.Config{}
	for _, n := range all {
		cfg := s.ThresholdConfig(dirs[n], n, urls)
		cfg.Threshold.Reshare, cfg.Threshold.PeerListen = reshare, peers[n]
		configs[n] = cfg
	}
	tmp := t.TempDir()
	run := 0
	// start starts every node as a dstack-kms process, logging to files of
	// this run.
	start := func() map[string]*nodeProc {
		run++
		procs := map[string]*nodeProc{}
		for _, n := range all {
			procs[n] = startNodeProc(t, bin, filepath.Join(tmp, n+"-"+string(rune('0'+run))), configs[n])
		}
		return procs
	}

	// The first run: kms-b is killed once every node has begun the
	// resharing, before any has finished it.
	procs := start()
	begun := time.Now()
	waitLogs(t, procs, all, "threshold resharing starting", 5*time.Minute)
	t.Logf("every node began the resharing %s after start", time.Since(begun).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second)
	for _, n := range all {
		if strings.Contains(procs[n].log(), "threshold resharing done") {
			t.Fatalf("%s finished the resharing before kms-b was killed: the test kills too late on this machine\n%s", n, procs[n].log())
		}
	}
	procs["kms-b"].kill(syscall.SIGKILL)
	for _, n := range []string{"kms-a", "kms-c", "kms-d"} {
		procs[n].kill(syscall.SIGTERM)
	}
	// What every node holds after the failed run: the old members their
	// old shares, byte for byte, kms-d none.
	sealingKey, _ := hex.DecodeString(guesttest.ThresholdSealingKey)
	for _, n := range guesttest.ThresholdNames {
		b, err := os.ReadFile(filepath.Join(dirs[n], "threshold-shares.sealed"))
		if err != nil || !bytes.Equal(b, sealed[n]) {
			t.Fatalf("%s's sealed shares after the killed resharing: changed or lost (%v)", n, err)
		}
		sh, err := threshold.UnsealShares(b, sealingKey)
		if err != nil || sh.Committee.Epoch != 1 || sh.Self != n {
			t.Fatalf("%s's shares after the killed resharing: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dirs["kms-d"], "threshold-shares.sealed")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("kms-d holds shares after the killed resharing: %v", err)
	}

	// The resharing run again, to completion.
	procs = start()
	begun = time.Now()
	waitLogs(t, procs, newNames, "KMS serving", 15*time.Minute)
	t.Logf("the resharing run again: done %s after start", time.Since(begun).Round(100*time.Millisecond))
	if exited, err := procs["kms-a"].wait(2 * time.Minute); !exited || err == nil || !strings.Contains(procs["kms-a"].log(), kms.ErrRetired.Error()) {
		t.Fatalf("kms-a after the resharing: exited %v (%v)\n%s", exited, err, procs["kms-a"].log())
	}
	if _, err := os.Stat(filepath.Join(dirs["kms-a"], "threshold-shares.sealed")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the retired kms-a kept its sealed shares: %v", err)
	}
	for _, n := range newNames {
		procs[n].kill(syscall.SIGTERM)
	}

	// The new committee, from its sealed shares, releases the app's keys
	// of before, under its key set on chain.
	newPub := s.PublishThreshold(t, dirs["kms-d"])
	if newPub.Epoch != 2 {
		t.Fatalf("the new committee's epoch is %d", newPub.Epoch)
	}
	// Each node's RPC certificate is signed by the committee: they come
	// up together.
	var srvs []*kms.Server
	for _, n := range newNames {
		srv, err := kms.NewServer(ctx, configs[n], nil)
		if err != nil {
			t.Fatal(err)
		}
		s.ServeWithChain(t, srv)
		srvs = append(srvs, srv)
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var newURLs []string
	for i, srv := range srvs {
		if err := srv.Ready(rctx); err != nil {
			t.Fatalf("%s: %v", newNames[i], err)
		}
		newURLs = append(newURLs, srv.URL)
	}
	_, after, err := cvmKeys(t, s, p, appID, instanceID, 2, newURLs)
	if err != nil {
		t.Fatal(err)
	}
	if after.DiskCryptKey != before.DiskCryptKey || after.EnvCryptKey != before.EnvCryptKey || after.K256Key != before.K256Key || after.AppCASeed != before.AppCASeed {
		t.Fatal("the app's keys changed with the resharing run again")
	}
}

// nodeProc is a dstack-kms process.
type nodeProc struct {
	cmd  *exec.Cmd
	path string
	done chan error
}

// startNodeProc runs `dstack-kms run` with cfg, written beside its log at
// base.json and base.log.
func startNodeProc(t *testing.T, bin, base string, cfg kms.Config) *nodeProc {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".json", b, 0o600); err != nil {
		t.Fatal(err)
	}
	lf, err := os.Create(base + ".log")
	if err != nil {
		t.Fatal(err)
	}
	n := &nodeProc{cmd: exec.Command(bin, "run", "--config", base+".json"), path: base + ".log", done: make(chan error, 1)}
	n.cmd.Stdout, n.cmd.Stderr = lf, lf
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.done <- n.cmd.Wait(); lf.Close() }()
	t.Cleanup(func() { n.kill(syscall.SIGKILL) })
	return n
}

func (n *nodeProc) log() string {
	b, _ := os.ReadFile(n.path)
	return string(b)
}

// wait waits up to within for the process to exit, and returns how it
// exited; exited is false while it runs.
func (n *nodeProc) wait(within time.Duration) (exited bool, err error) {
	select {
	case err := <-n.done:
		n.done <- err
		return true, err
	case <-time.After(within):
		return false, nil
	}
}

// kill sends sig to the process, if it runs, and waits for it to exit
// (killed after 30 s).
func (n *nodeProc) kill(sig syscall.Signal) {
	select {
	case err := <-n.done:
		n.done <- err
		return
	default:
	}
	_ = n.cmd.Process.Signal(sig)
	if exited, _ := n.wait(30 * time.Second); !exited {
		_ = n.cmd.Process.Kill()
		n.wait(time.Minute)
	}
}

// waitLogs waits until the log of each of names holds line.
func waitLogs(t *testing.T, procs map[string]*nodeProc, names []string, line string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, n := range names {
		for !strings.Contains(procs[n].log(), line) {
			if exited, err := procs[n].wait(0); exited {
				t.Fatalf("%s exited (%v) before logging %q:\n%s", n, err, line, procs[n].log())
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not log %q within %s:\n%s", n, line, within, procs[n].log())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}
