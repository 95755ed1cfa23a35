package kms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dstack-go/dstack/guestos/appenv"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/tee/tkey"
)

// TestThresholdRootRotation: the fixture's 2-of-3 committee (kms-a, kms-b,
// kms-c, root epoch 1) serves with committee_from_chain (kms-c dropping,
// at start, shares an interrupted rotation left), and a CVM boots
// with an env encrypted to the app's env key and a disk under its disk key.
// Governance decides a root rotation at epoch 2 to kms-a and kms-b (2 of
// 2) with an hour's handover: they make new roots by a DKG without a
// restart, and kms-c, left out, keeps its shares; the new roots are not
// answered for until the chain honours them. Once the new key set is
// published (which starts the handover on chain):
//   - every app key under root epoch 2 differs from root epoch 1's, and
//     root epoch 1's, asked with the previous key set the chain records,
//     are the old ones, from kms-c too (its RPC certificate is of the old
//     root CA, which the client takes only from the handover record);
//   - the CVM boots again: it measures the new key set, moves its disk
//     from the old disk key to the new one, and opens its old env;
//   - kms-a restarted during the handover still answers for root epoch 1;
//   - the owner ends the handover: no node answers for root epoch 1 any
//     more, kms-a and kms-b destroy their shares of it and kms-c all of
//     its own; a CVM whose disk is still under the old key is refused.
func TestThresholdRootRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("a DKG of four roots takes from seconds (idle) to minutes (busy machine)")
	}
	s := guesttest.New(t, guesttest.ComposeHash())
	dirs := guesttest.ThresholdFixture(t)
	ctx := context.Background()
	c := s.Chain
	lns, urls := guesttest.PeerListeners(t, guesttest.ThresholdNames...)
	srvs := map[string]*kms.Server{}
	start := func(n string) {
		t.Helper()
		cfg := s.ThresholdConfig(dirs[n], n, urls)
		cfg.Threshold = &kms.ThresholdConfig{Name: n, CommitteeFromChain: true, CommitteePoll: settings.Duration(100 * time.Millisecond)}
		srv, err := kms.NewServer(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.PeerListener = lns[n]
		s.ServeWithChain(t, srv)
		srvs[n] = srv
	}
	ready := func(names ...string) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		defer cancel()
		for _, n := range names {
			if err := srvs[n].Ready(rctx); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
		}
	}
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetThresholdCommittee(1, 2, members(urls, guesttest.ThresholdNames...), nil)); err != nil {
		t.Fatal(err)
	}
	// kms-c holds shares of its own roots as previous ones too, as a
	// rotation stopped before its DKG leaves them: removed at start.
	leftover := filepath.Join(dirs["kms-c"], "threshold-shares-previous.sealed")
	if b, err := os.ReadFile(filepath.Join(dirs["kms-c"], "threshold-shares.sealed")); err != nil || os.WriteFile(leftover, b, 0o600) != nil {
		t.Fatal(err)
	}
	for _, n := range guesttest.ThresholdNames {
		start(n)
	}
	ready(guesttest.ThresholdNames...)
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the leftover of a rotation stopped before its DKG outlived the start: %v", err)
	}
	oldPub := s.PublishThreshold(t, dirs["kms-b"])
	oldKS := oldPub.KeySet

	// keysWith asks the nodes named for the app's keys checked against ks.
	p, appID, instanceID := s.MeasuredCVM(t)
	keysWith := func(ks *tkey.KeySet, names ...string) (*kmsclient.ThresholdKeys, error) {
		t.Helper()
		var u []string
		for _, n := range names {
			u = append(u, srvs[n].URL)
		}
		id := ks.ID()
		tc, err := kmsclient.NewThreshold(ctx, kmsclient.ThresholdConfig{Nodes: u, KeySet: ks, KeyProviderID: id[:],
			Node: kmsclient.Config{Attester: p, Attestation: s.Attestation, Chain: s.Reader, InsecureAllowUnboundOSImage: s.InsecureAllowUnboundOSImage}})
		if err != nil {
			t.Fatal(err)
		}
		return tc.GetAppKeys(ctx, appID, instanceID, s.VMConfig)
	}
	before, err := keysWith(oldKS, guesttest.ThresholdNames...)
	if err != nil {
		t.Fatal(err)
	}

	// A CVM of the app, with an env encrypted to the app's env key under
	// root epoch 1 and a disk under its disk key.
	sysConfig := func() []byte {
		var u []string
		for _, n := range guesttest.ThresholdNames {
			u = append(u, srvs[n].URL)
		}
		b, _ := json.Marshal(map[string]any{"kms_urls": []string{}, "gateway_urls": []string{}, "vm_config": s.VMConfig,
			"kms_threshold": hostinput.ThresholdKMS{URLs: u}})
		return b
	}
	sys := sysConfig()
	envPub, err := oldKS.Env.AppPublicKey(s.AppID.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	env, err := appenv.Encrypt([]appenv.Var{{Key: "GREETING", Value: "from root epoch 1"}}, envPub[:])
	if err != nil {
		t.Fatal(err)
	}
	disk := &volumeStore{dir: t.TempDir()}
	cvm, _, _, err := s.BootWith(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.SysConfigFile: sys, hostinput.EncryptedEnvFile: env}), disk)
	if err != nil {
		t.Fatal(err)
	}
	again := map[string][]byte{hostinput.SysConfigFile: sys, hostinput.EncryptedEnvFile: env, hostinput.InstanceInfoFile: cvm.InstanceInfo.Marshal()}
	if cvm.Env["GREETING"] != "from root epoch 1" || !bytes.Equal(disk.key(), cvm.Keys.DiskCryptKey) {
		t.Fatalf("first boot: env %v", cvm.Env)
	}
	oldDisk := disk.key()
	staleDisk := &volumeStore{dir: t.TempDir(), k: oldDisk}

	// The rotation: kms-a and kms-b make new roots; kms-c is left out.
	began := time.Now()
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetThresholdRootRotation(2, 2, members(urls, "kms-a", "kms-b"), 3600)); err != nil {
		t.Fatal(err)
	}
	var newPub *kms.ThresholdPublic
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		newPub, err = kms.ReadThresholdPublic(dirs["kms-a"])
		pubB, errB := kms.ReadThresholdPublic(dirs["kms-b"])
		if err == nil && errB == nil && newPub.Epoch == 2 && pubB.Epoch == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running nodes did not carry out the root rotation: kms-a's record %v, kms-b's %v", err, errB)
		}
	}
	t.Logf("root rotation 2-of-3 -> 2-of-2 (a DKG of four roots) decided on chain, carried out by the running nodes: %s", time.Since(began))
	if newPub.KeySet.Epoch != 2 || newPub.KeySet.Root == oldKS.Root || bytes.Equal(newPub.KeySet.CAPubkey, oldKS.CAPubkey) ||
		bytes.Equal(newPub.KeySet.K256Pubkey, oldKS.K256Pubkey) || newPub.KeySet.Env.Root == oldKS.Env.Root {
		t.Fatal("the root rotation did not make new roots of root epoch 2")
	}
	// Until the new key set is on chain, the old roots answer, from the
	// nodes of the new committee too.
	if during, err := keysWith(oldKS, "kms-a", "kms-b"); err != nil || during.DiskCryptKey != before.DiskCryptKey {
		t.Fatalf("between the DKG and the new key set's publication: %v", err)
	}
	// The new roots are not answered for before the chain honours them,
	// though the nodes hold their shares.
	// (The nodes answer so once they hold both; their records are
	// written just before.)
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		_, err := keysWith(newPub.KeySet, "kms-a", "kms-b")
		if err == nil {
			t.Fatal("the new roots were answered for before their key set is on chain")
		}
		if strings.Contains(err.Error(), "the chain honours root epoch 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new roots before their key set is on chain: %v", err)
		}
	}
	for _, n := range []string{"kms-a", "kms-b"} {
		if _, err := os.Stat(filepath.Join(dirs[n], "threshold-shares-previous.sealed")); err != nil {
			t.Fatalf("%s keeps no sealed shares of the previous roots: %v", n, err)
		}
	}
	s.PublishThreshold(t, dirs["kms-b"])
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		h, _, err := s.Reader.ThresholdHandover(ctx)
		if err == nil && h != nil && h.KeySet.ID() == oldKS.ID() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the handover on chain: %+v %v", h, err)
		}
	}
	newKS := newPub.KeySet

	// Under root epoch 2 every app key is another; under root epoch 1 the
	// old ones come back, from every node of the old committee.
	var after *kmsclient.ThresholdKeys
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if after, err = keysWith(newKS, "kms-a", "kms-b"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the app's keys under the new roots: %v", err)
	}
	if after.DiskCryptKey == before.DiskCryptKey || after.EnvCryptKey == before.EnvCryptKey || after.K256Key == before.K256Key || after.AppCASeed == before.AppCASeed {
		t.Fatal("an app key is the same under the new roots")
	}
	for _, pair := range [][]string{{"kms-a", "kms-c"}, {"kms-b", "kms-c"}} {
		k, err := keysWith(oldKS, pair...)
		if err != nil || k.DiskCryptKey != before.DiskCryptKey || k.K256Key != before.K256Key {
			t.Fatalf("the app's keys under the previous roots from %v during the handover: %v", pair, err)
		}
	}
	if _, err := keysWith(newKS, "kms-a", "kms-c"); err == nil || !strings.Contains(err.Error(), "holds no threshold key share of epoch 2") {
		t.Fatalf("kms-c, left out of the rotation, answered for the new roots: %v", err)
	}

	// The CVM boots again: the new key set, its disk moved to the new disk
	// key, its old env opened.
	cvm2, _, _, err := s.BootWith(t, s.HostShared(t, guesttest.Compose, again), disk)
	if err != nil {
		t.Fatal(err)
	}
	if cvm2.KeySet.ID() != newKS.ID() || bytes.Equal(cvm2.Keys.DiskCryptKey, oldDisk) || !bytes.Equal(disk.key(), cvm2.Keys.DiskCryptKey) || disk.rekeys != 1 {
		t.Fatalf("the boot during the handover: key set %x, disk re-keyed %d times", cvm2.KeySet.ID(), disk.rekeys)
	}
	if cvm2.Env["GREETING"] != "from root epoch 1" {
		t.Fatalf("the old env during the handover: %v", cvm2.Env)
	}

	// kms-a restarted during the handover still answers for root epoch 1.
	srvs["kms-a"].Stop(ctx)
	if lns["kms-a"], err = net.Listen("tcp", strings.TrimPrefix(urls["kms-a"], "https://")); err != nil {
		t.Fatal(err)
	}
	start("kms-a")
	ready("kms-a")
	sys = sysConfig() // kms-a's RPC listener is another
	again[hostinput.SysConfigFile] = sys
	if k, err := keysWith(oldKS, "kms-a", "kms-c"); err != nil || k.DiskCryptKey != before.DiskCryptKey {
		t.Fatalf("kms-a restarted during the handover, for the previous roots: %v", err)
	}
	if k, err := keysWith(newKS, "kms-a", "kms-b"); err != nil || k.DiskCryptKey != after.DiskCryptKey {
		t.Fatalf("kms-a restarted during the handover, for the new roots: %v", err)
	}

	// The owner ends the handover: root epoch 1 is answered for by nobody,
	// at once (each node asks the chain), and its shares are destroyed.
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackEndThresholdHandover()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		_, errA := keysWith(oldKS, "kms-a", "kms-b")
		_, errC := keysWith(oldKS, "kms-c", "kms-a")
		if errA != nil && errC != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the previous roots are still answered for after the handover ended: %v %v", errA, errC)
		}
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		_, errA := os.Stat(filepath.Join(dirs["kms-a"], "threshold-shares-previous.sealed"))
		_, errB := os.Stat(filepath.Join(dirs["kms-b"], "threshold-shares-previous.sealed"))
		_, errC := os.Stat(filepath.Join(dirs["kms-c"], "threshold-shares.sealed"))
		if errors.Is(errA, os.ErrNotExist) && errors.Is(errB, os.ErrNotExist) && errors.Is(errC, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("shares of the previous roots outlived the handover: %v %v %v", errA, errB, errC)
		}
	}
	if k, err := keysWith(newKS, "kms-a", "kms-b"); err != nil || k.DiskCryptKey != after.DiskCryptKey {
		t.Fatalf("the new roots after the handover: %v", err)
	}
	// A disk still under the old disk key, and the old env, are refused.
	if _, _, _, err := s.BootWith(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.SysConfigFile: sys, hostinput.InstanceInfoFile: cvm.InstanceInfo.Marshal()}), staleDisk); err == nil || !strings.Contains(err.Error(), "opens no keyslot") {
		t.Fatalf("a disk not re-keyed during the handover, after it: %v", err)
	}
	if _, _, _, err := s.BootWith(t, s.HostShared(t, guesttest.Compose, again), disk); !errors.Is(err, appenv.ErrDecrypt) {
		t.Fatalf("an env of the previous roots after the handover: %v", err)
	}
}

// volumeStore is a boot.Rekeyer over a volume that one disk key opens: it
// checks the keys boot hands a storage, and moves the volume to the
// current key when the previous one opens it.
type volumeStore struct {
	dir    string
	mu     sync.Mutex
	k      []byte
	rekeys int
}

func (v *volumeStore) key() []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	return bytes.Clone(v.k)
}

func (v *volumeStore) Prepare(ctx context.Context, key []byte) (*boot.Volume, error) {
	return v.PrepareRekey(ctx, key, nil)
}

func (v *volumeStore) PrepareRekey(_ context.Context, key, previous []byte) (*boot.Volume, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.k == nil:
		v.k = bytes.Clone(key)
	case bytes.Equal(v.k, key):
	case previous != nil && bytes.Equal(v.k, previous):
		v.k = bytes.Clone(key)
		v.rekeys++
	default:
		return nil, errors.New("the disk key opens no keyslot")
	}
	return &boot.Volume{Dir: v.dir, FS: "ext4"}, nil
}
