package devstack

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
)

// maxKMSNodes bounds --kms-nodes.
const maxKMSNodes = 7

// checkThresholdOptions checks --kms-nodes and --kms-threshold.
func checkThresholdOptions(o *Options) error {
	switch {
	case o.KMSNodes == 0 && o.KMSThreshold == 0:
		return nil
	case o.KMSNodes < 2 || o.KMSNodes > maxKMSNodes:
		return fmt.Errorf("--kms-nodes %d: a threshold KMS of 2 to %d nodes (with --kms-threshold)", o.KMSNodes, maxKMSNodes)
	case o.KMSThreshold < 2 || o.KMSThreshold > o.KMSNodes:
		return fmt.Errorf("--kms-threshold %d: at least 2 and at most --kms-nodes (%d)", o.KMSThreshold, o.KMSNodes)
	}
	return nil
}

// DefaultKMSCache is where the dev stack keeps its threshold KMS nodes'
// sealed pre-parameters between runs: dstack/dev-kms under the user cache
// directory.
func DefaultKMSCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "dstack", "dev-kms")
}

// tkms is the dev stack's threshold KMS: its nodes, in process.
type tkms struct {
	nodes []*kms.Server
	names []string
	dirs  []string
	// sys is the CVMs' sys-config kms_threshold.
	sys *hostinput.ThresholdKMS
}

// devSealingKey is the sealing key of the dev stack's node name: fixed,
// so that the pre-parameters cached from an earlier run open. Development
// only: anyone can derive it.
func devSealingKey(name string) string {
	sum := sha256.Sum256([]byte("dstack dev threshold KMS node sealing key:" + name))
	return hex.EncodeToString(sum[:])
}

// startThresholdKMS starts the threshold KMS nodes on the simulated TEE
// (allowed on chain by the same measurement as the stack's KMS), which
// run their DKG among themselves; publishes the committee's root keys
// with setKmsInfo and its key set with setThresholdKeySet; and takes the
// app's env encryption key from its nodes (GetAppEnvEncryptPubKey).
func (s *stack) startThresholdKMS(ctx context.Context) error {
	t := &tkms{}
	cache := s.o.KMSCache
	if cache == "" {
		cache = DefaultKMSCache()
	}
	var lns []net.Listener
	var nodes []kms.ThresholdNode
	for i := 1; i <= s.o.KMSNodes; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		name := fmt.Sprintf("kms-%d", i)
		lns = append(lns, ln)
		t.names = append(t.names, name)
		nodes = append(nodes, kms.ThresholdNode{Name: name, URL: "https://" + ln.Addr().String()})
	}
	// The committee's shares of an earlier run, when every node's is
	// cached: the nodes come up from them, without a DKG.
	sharesCache := filepath.Join(cache, fmt.Sprintf("shares-v2-%d-of-%d", s.o.KMSThreshold, s.o.KMSNodes))
	reuse := true
	for _, name := range t.names {
		_, err := os.Stat(filepath.Join(sharesCache, name+".shares.sealed"))
		reuse = reuse && err == nil
	}
	cached := 0
	for i, name := range t.names {
		dir := filepath.Join(s.dir, "kms-nodes", name)
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if b, err := os.ReadFile(filepath.Join(cache, name+".preparams.sealed")); err == nil {
			if err := os.WriteFile(filepath.Join(dir, "threshold-preparams.sealed"), b, 0o600); err != nil {
				return err
			}
			cached++
		}
		if reuse {
			b, err := os.ReadFile(filepath.Join(sharesCache, name+".shares.sealed"))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "threshold-shares.sealed"), b, 0o600); err != nil {
				return err
			}
		}
		t.dirs = append(t.dirs, dir)
		srv, err := kms.NewServer(ctx, kms.Config{
			Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: dir, VMConfig: vmConfig(), InsecureSimulatedTEE: s.seed,
			SealingKeyHex: devSealingKey(name),
			Auth:          kms.AuthConfig{Chain: &settings.Chain{RPCURL: s.gov.rpc, ChainID: s.gov.id, KmsContract: s.gov.kms.Hex()}},
			Threshold:     &kms.ThresholdConfig{Name: name, Threshold: s.o.KMSThreshold, Nodes: nodes},
		}, nil)
		if err != nil {
			return fmt.Errorf("starting threshold KMS node %s: %w", name, err)
		}
		srv.PeerListener = lns[i]
		if err := srv.Start(ctx); err != nil {
			return fmt.Errorf("starting threshold KMS node %s: %w", name, err)
		}
		s.onStop(func() { srv.Stop(context.Background()) })
		t.nodes = append(t.nodes, srv)
	}
	switch {
	case reuse:
		fmt.Fprintf(s.out, "    reusing the committee's shares cached in %s (remove it for a new DKG)\n", sharesCache)
	case cached < len(t.names):
		fmt.Fprintf(s.out, "    generating %d nodes' pre-parameters (safe primes: some 10 to 30 seconds each on this machine), cached in %s for the next runs\n", len(t.names)-cached, cache)
		fallthrough
	default:
		fmt.Fprintf(s.out, "    running the DKG among the %d nodes (a %d-of-%d DKG of four roots takes one to two minutes here), its shares cached in %s for the next runs\n",
			len(t.names), s.o.KMSThreshold, len(t.names), sharesCache)
	}
	for i, srv := range t.nodes {
		if err := srv.Ready(ctx); err != nil {
			return fmt.Errorf("threshold KMS node %s: %w", t.names[i], err)
		}
	}
	if err := os.MkdirAll(sharesCache, 0o700); err == nil {
		for i, name := range t.names {
			if b, err := os.ReadFile(filepath.Join(t.dirs[i], "threshold-preparams.sealed")); err == nil {
				_ = os.WriteFile(filepath.Join(cache, name+".preparams.sealed"), b, 0o600)
			}
			if b, err := os.ReadFile(filepath.Join(t.dirs[i], "threshold-shares.sealed")); err == nil && !reuse {
				_ = os.WriteFile(filepath.Join(sharesCache, name+".shares.sealed"), b, 0o600)
			}
		}
	}
	pub, err := kms.ReadThresholdPublic(t.dirs[0])
	if err != nil {
		return err
	}
	if _, err := s.gov.ctl.Send(ctx, s.gov.kms, dstackkms.NewDstackKms().PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{
		K256Pubkey: pub.KeySet.K256Pubkey, CaPubkey: pub.KeySet.CAPubkey,
	}), "set-kms-info"); err != nil {
		return fmt.Errorf("publishing the threshold KMS's root keys: %w", err)
	}
	rec, shares, err := pub.ChainRecord()
	if err != nil {
		return err
	}
	if _, err := s.gov.ctl.Send(ctx, s.gov.kms, dstackkms.NewDstackKms().PackSetThresholdKeySet(rec, shares), "set-threshold-key-set"); err != nil {
		return fmt.Errorf("publishing the threshold KMS's key set and public shares: %w", err)
	}
	t.sys = &hostinput.ThresholdKMS{KeySet: pub.KeySet}
	for _, n := range t.nodes {
		t.sys.URLs = append(t.sys.URLs, n.URL)
	}
	s.tkms = t
	fmt.Fprintf(s.out, "    key set %s published (setKmsInfo, setThresholdKeySet); the CVMs take it from the chain and measure key-provider kms-threshold\n", pub.KeySetID)
	if s.envPub, err = s.thresholdEnvKey(ctx); err != nil {
		return err
	}
	if s.o.thresholdUp != nil {
		s.o.thresholdUp(s)
	}
	return nil
}

// thresholdEnvKey is the app's env encryption public key under the
// threshold KMS, taken as upstream's SDK and CLI take it from a KMS:
// GetAppEnvEncryptPubKey of a node (any node computes it from the
// committee's env root, and the committee signs it with the threshold k256
// root), checked by k256 recovery against the k256 root on chain. The
// first node whose answer checks gives it.
func (s *stack) thresholdEnvKey(ctx context.Context) ([]byte, error) {
	ks, _, _, err := s.reader.ThresholdKeySet(ctx)
	if err != nil {
		return nil, err
	}
	app := s.gov.app.Bytes()
	// No TLS check: the answer is authenticated by its signature.
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var errs []error
	for _, u := range s.tkms.sys.URLs {
		var res kmsapi.PublicKeyResponse
		err := (&prpc.Client{BaseURL: u + "/prpc", HTTP: hc}).Call(ctx, "GetAppEnvEncryptPubKey", &kmsapi.AppID{AppID: app}, &res)
		if err == nil {
			err = kmsclient.VerifyEnvPubKey(&res, app, ks.K256Pubkey)
		}
		if err == nil {
			return res.PublicKey, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return nil, fmt.Errorf("getting the app's env encryption key from the threshold KMS: %w", errors.Join(errs...))
}

// thresholdStepName names the threshold KMS step.
func (s *stack) thresholdStepName() string {
	return fmt.Sprintf("starting a %d-of-%d threshold KMS (DKG among its nodes over mutual RA-TLS) and publishing its root keys on chain",
		s.o.KMSThreshold, s.o.KMSNodes)
}

// thresholdState adds the threshold KMS to the state file: its nodes'
// URLs and the CVMs' kms_threshold (which `dev cvm` boots with).
func (s *stack) thresholdState(st *State) {
	if s.tkms == nil {
		return
	}
	st.KMSThreshold = s.tkms.sys
}
