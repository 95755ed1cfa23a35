package boot_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/agent"
	"github.com/dstack-go/dstack/guestos/appenv"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/internal/guesttest"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/tkey/tkeytest"
)

func names(events []eventlog.RuntimeEvent) string {
	var n []string
	for _, e := range events {
		n = append(n, e.Name)
	}
	return strings.Join(n, ",")
}

func envFile(t *testing.T, s *guesttest.Stack, vars []appenv.Var) []byte {
	t.Helper()
	secret, err := kdf.EnvCryptKey(s.KMS.Service.Keys.CAKey, s.AppID.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kdf.EnvPublicKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	b, err := appenv.Encrypt(vars, pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBoot boots a CVM against a real KMS and chain: the events are
// upstream's, in upstream's order, the register replays them, the keys are
// what the KMS root derives, and the env is decrypted.
func TestBoot(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	env := envFile(t, s, []appenv.Var{{Key: "GREETING", Value: "hello"}, {Key: "LD_PRELOAD", Value: "/x.so"}})
	cvm, _, tee, err := s.Boot(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.EncryptedEnvFile: env}))
	if err != nil {
		t.Fatal(err)
	}
	events := cvm.Platform.Events()
	want := "system-preparing,app-id,compose-hash,gpu-policy-hash,instance-id,boot-mr-done,os-image-hash,key-provider,storage-fs,system-ready"
	if got := names(events); got != want {
		t.Fatalf("events %s\nwant   %s", got, want)
	}
	if tee.RTMR3() != eventlog.Replay(events) {
		t.Fatal("RTMR3 does not replay the log")
	}
	if !bytes.Equal(events[1].Payload, s.AppID.Bytes()) || cvm.ComposeHash != guesttest.ComposeHash() || len(cvm.InstanceID) != 20 {
		t.Fatalf("identity %x %x %x", events[1].Payload, cvm.ComposeHash, cvm.InstanceID)
	}
	gpu := events[3].Payload
	if len(gpu) != 32 || !strings.HasPrefix(string(appenvHex(gpu)), "44136fa3") {
		t.Fatalf("gpu-policy-hash %x", gpu)
	}
	root := s.KMS.Service.Keys
	rootCA, _ := x509.MarshalPKIXPublicKey(&root.CAKey.PublicKey)
	if !bytes.Equal(events[7].Payload, identity.KMSKeyProviderInfo(rootCA).Marshal()) || string(events[8].Payload) != boot.InsecurePlainDirFS {
		t.Fatalf("key-provider %s, storage-fs %s", events[7].Payload, events[8].Payload)
	}
	k256, _ := kdf.AppK256Key(crypto.FromECDSA(root.K256), s.AppID.Bytes())
	disk, _ := kdf.DiskCryptKey(root.CAKey, s.AppID.Bytes(), cvm.InstanceID)
	if !bytes.Equal(cvm.Keys.K256Key, k256) || !bytes.Equal(cvm.Keys.DiskCryptKey, disk[:]) {
		t.Fatal("keys are not what the KMS root derives")
	}
	if len(cvm.Env) != 1 || cvm.Env["GREETING"] != "hello" {
		t.Fatalf("env %v", cvm.Env)
	}
	if !bytes.Equal(cvm.InstanceInfo.AppID, s.AppID.Bytes()) || len(cvm.InstanceInfo.InstanceIDSeed) != 20 {
		t.Fatalf("instance info %+v", cvm.InstanceInfo)
	}
}

func appenvHex(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

// TestBootComposeNotAllowed: a compose hash the chain does not allow gets
// no keys: boot fails with the chain's reason before key-provider.
func TestBootComposeNotAllowed(t *testing.T) {
	s := guesttest.New(t, [32]byte{0xde, 0xad})
	cvm, p, tee, err := s.Boot(t, s.HostShared(t, guesttest.Compose, nil))
	if !errors.Is(err, boot.ErrRefused) || !strings.Contains(err.Error(), "Compose hash not allowed") || cvm != nil {
		t.Fatalf("boot: %v", err)
	}
	events := p.Events()
	if got := names(events); got != "system-preparing,app-id,compose-hash,gpu-policy-hash,instance-id,boot-mr-done" || tee.RTMR3() != eventlog.Replay(events) {
		t.Fatalf("measured %s", got)
	}
}

// TestBootUntrustedKMS: a KMS whose root CA is not the one published on
// chain, or that the chain does not allow, is asked nothing.
func TestBootUntrustedKMS(t *testing.T) {
	t.Run("other root published", func(t *testing.T) {
		s := guesttest.New(t, guesttest.ComposeHash())
		c := s.Chain
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		other, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{K256Pubkey: s.KMS.Service.Bootstrap.K256Pubkey, CaPubkey: other})); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, nil))
		if !errors.Is(err, kmsclient.ErrUntrustedKMS) || !strings.Contains(err.Error(), "not signed by the root CA published on chain") {
			t.Fatalf("boot: %v", err)
		}
	})
	t.Run("KMS not allowed", func(t *testing.T) {
		s := guesttest.New(t, guesttest.ComposeHash())
		c := s.Chain
		ans, _ := s.Reader.IsKmsAllowed(t.Context(), kmsBootInfo(t, s))
		if !ans.Allowed {
			t.Fatal("KMS not allowed to start with")
		}
		mr := kmsBootInfo(t, s).MrAggregated
		if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackRemoveKmsAggregatedMr(mr)); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, nil))
		if !errors.Is(err, kmsclient.ErrUntrustedKMS) || !strings.Contains(err.Error(), "not allowed on chain") {
			t.Fatalf("boot: %v", err)
		}
	})
}

// TestBootKMSOSImageNotBound: a KMS whose evidence does not bind its
// os_image_hash (one that serves only because its operator set
// insecure_allow_unbound_os_image) is asked nothing, though the chain
// allows the hash it claims; a guest booted with
// InsecureAllowUnboundOSImage gets its keys from it.
func TestBootKMSOSImageNotBound(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash(), func(c *kms.Config) {
		c.VMConfig = fmt.Sprintf(`{"os_image_hash":"%x"}`, mock.OSImageHash)
		c.InsecureAllowUnboundOSImage = true
	})
	_, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, nil))
	if !errors.Is(err, kmsclient.ErrUntrustedKMS) || !errors.Is(err, attest.ErrOSImageNotBound) {
		t.Fatalf("boot: %v", err)
	}
	s.InsecureAllowUnboundOSImage = true
	if _, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, nil)); err != nil {
		t.Fatalf("boot with InsecureAllowUnboundOSImage: %v", err)
	}
}

func kmsBootInfo(t *testing.T, s *guesttest.Stack) dstackkms.IAppAuthAppBootInfo {
	t.Helper()
	ev, err := s.KMS.Service.Self.Evidence(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return kmsBootInfoOf(ev)
}

// TestBootTamperedEnv: an env that does not decrypt stops the boot.
func TestBootTamperedEnv(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	env := envFile(t, s, []appenv.Var{{Key: "GREETING", Value: "hello"}})
	env[len(env)-1] ^= 1
	_, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.EncryptedEnvFile: env}))
	if !errors.Is(err, appenv.ErrDecrypt) {
		t.Fatalf("boot: %v", err)
	}
}

// TestBootMrConfigID: the host's launch binding must commit to what the
// guest was handed; a binding for another app refuses the boot.
func TestBootMrConfigID(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	rootCA, _ := x509.MarshalPKIXPublicKey(&s.KMS.Service.Keys.CAKey.PublicKey)
	var app [20]byte
	copy(app[:], s.AppID.Bytes())
	v2, _ := identity.MrConfigV2(guesttest.ComposeHash(), app, identity.KeyProviderKMS, rootCA)
	docFor := func(compose [32]byte) string {
		return `{"version":3,"app_id":"` + hex.EncodeToString(app[:]) + `","compose_hash":"` + hex.EncodeToString(compose[:]) + `","key_provider":"kms"}`
	}
	good3 := docFor(guesttest.ComposeHash())
	bad3 := docFor([32]byte{9})
	sys := func(doc string) map[string][]byte {
		b, _ := json.Marshal(map[string]any{"kms_urls": []string{s.KMS.URL}, "vm_config": s.VMConfig, "mr_config": doc})
		return map[string][]byte{hostinput.SysConfigFile: b}
	}
	cases := []struct {
		name  string
		id    [48]byte
		extra map[string][]byte
		want  string
	}{
		{"zero", [48]byte{}, nil, ""},
		{"v1", identity.MrConfigV1(guesttest.ComposeHash()), nil, ""},
		{"v1 other app", identity.MrConfigV1([32]byte{1}), nil, "V1 does not commit"},
		{"v2", v2, nil, ""},
		{"v2 other KMS", func() [48]byte {
			x, _ := identity.MrConfigV2(guesttest.ComposeHash(), app, identity.KeyProviderKMS, []byte{1})
			return x
		}(), nil, "V2 does not commit"},
		{"v3", identity.MrConfigIDV3([]byte(good3)), sys(good3), ""},
		{"v3 other document", identity.MrConfigIDV3([]byte(bad3)), sys(good3), "V3 does not commit"},
		{"v3 document for another app", identity.MrConfigIDV3([]byte(bad3)), sys(bad3), "compose_hash is not"},
		{"v3 without document", identity.MrConfigIDV3([]byte(good3)), nil, "no mr_config"},
		{"unknown version", [48]byte{7}, nil, "unknown version 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cvm, p, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, c.extra), func(tee *mock.TD) { tee.SetMrConfigID(c.id) })
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cvm.Platform.Events()[len(cvm.Platform.Events())-1].Name != eventlog.EventSystemReady {
					t.Fatal("not ready")
				}
				return
			}
			if !errors.Is(err, boot.ErrRefused) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("boot: %v, want %q", err, c.want)
			}
			for _, e := range p.Events() {
				if e.Name == eventlog.EventKeyProvider {
					t.Fatal("key-provider measured after a refused launch binding")
				}
			}
		})
	}
}

// TestBootEventLogV2: with event_log_version 2 every runtime event uses the
// V2 (JCS) digest, and the KMS still verifies and releases.
func TestBootEventLogV2(t *testing.T) {
	compose := strings.Replace(guesttest.Compose, `"kms_enabled":true`, `"kms_enabled":true,"event_log_version":2`, 1)
	s := guesttest.New(t, identity.ComposeHash([]byte(compose)))
	cvm, _, tee, err := s.Boot(t, s.HostShared(t, compose, nil))
	if err != nil {
		t.Fatal(err)
	}
	events := cvm.Platform.Events()
	for _, e := range events {
		if e.Version != 2 {
			t.Fatalf("%s is V%d", e.Name, e.Version)
		}
	}
	if tee.RTMR3() != eventlog.Replay(events) {
		t.Fatal("RTMR3 does not replay")
	}
}

type recordingRunner struct{ spec boot.RunSpec }

func (r *recordingRunner) Start(_ context.Context, spec boot.RunSpec) (boot.RunningApp, error) {
	r.spec = spec
	return nil, nil
}

type failingGateway struct{ calls int }

func (g *failingGateway) Register(context.Context, *boot.CVM) error {
	g.calls++
	return errors.New("gateway down")
}

// TestStartApp: the runner gets the compose file, the kept env, the data
// directory and the agent socket; the gateway is asked only when the app
// wants it, and its failure does not stop the app.
func TestStartApp(t *testing.T) {
	compose := strings.Replace(guesttest.Compose, `"gateway_enabled":false`, `"gateway_enabled":true,"allow_unpinned_images":true,"init_script":"echo hi"`, 1)
	s := guesttest.New(t, identity.ComposeHash([]byte(compose)))
	env := envFile(t, s, []appenv.Var{{Key: "GREETING", Value: "hi"}})
	cvm, _, _, err := s.Boot(t, s.HostShared(t, compose, map[string][]byte{hostinput.EncryptedEnvFile: env}))
	if err != nil {
		t.Fatal(err)
	}
	r, gw := &recordingRunner{}, &failingGateway{}
	if _, err := cvm.StartApp(context.Background(), r, "/run/dstack.sock", gw); err != nil {
		t.Fatal(err)
	}
	sp := r.spec
	if !strings.Contains(string(sp.Compose), "nginx@sha256:") || sp.Env["GREETING"] != "hi" || sp.DataDir != cvm.Volume.Dir ||
		sp.AgentSocket != "/run/dstack.sock" || !sp.AllowImageTags || len(sp.InitScripts) != 1 || sp.InitScripts[0] != "echo hi" || sp.Name != "guest-test" || sp.Runner != "docker-compose" || gw.calls != 1 {
		t.Fatalf("spec %+v, gateway calls %d", sp, gw.calls)
	}
	if names(cvm.Platform.Events()) != "system-preparing,app-id,compose-hash,init-script-hash,gpu-policy-hash,instance-id,boot-mr-done,os-image-hash,key-provider,storage-fs,system-ready" {
		t.Fatalf("events %s", names(cvm.Platform.Events()))
	}
	if _, err := (&boot.BuiltinDemoApp{Listen: "127.0.0.1:0"}).Start(context.Background(), sp); err == nil || !strings.Contains(err.Error(), "runs no scripts") {
		t.Fatalf("demo app with an init script: %v", err)
	}
	// Without gateway_enabled the gateway is not asked.
	s2 := guesttest.New(t, guesttest.ComposeHash())
	cvm2, _, _, err := s2.Boot(t, s2.HostShared(t, guesttest.Compose, nil))
	if err != nil {
		t.Fatal(err)
	}
	gw2 := &failingGateway{}
	cvm2.StartApp(context.Background(), &recordingRunner{}, "s", gw2)
	if gw2.calls != 0 {
		t.Fatal("gateway asked for an app that does not want it")
	}
}

type recordingHost struct{ events, payloads []string }

func (h *recordingHost) Notify(_ context.Context, event, payload string) error {
	h.events, h.payloads = append(h.events, event), append(h.payloads, payload)
	return errors.New("host gone")
}

// TestHostNotifier: the host learns the instance info after a boot and the
// reason of a failed one; its failure changes nothing.
func TestHostNotifier(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	in, err := hostinput.Read(s.HostShared(t, guesttest.Compose, nil))
	if err != nil {
		t.Fatal(err)
	}
	boot1 := func(in *hostinput.Inputs, h boot.HostNotifier) (*boot.CVM, error) {
		p, err := guestos.NewPlatform(s.PKI.NewTD(), t.TempDir(), in.SysConfig.VMConfig)
		if err != nil {
			t.Fatal(err)
		}
		return boot.Boot(context.Background(), boot.Config{Inputs: in, Platform: p, Chain: s.Reader, Attestation: s.Attestation,
			Storage: boot.InsecurePlainDir{Dir: t.TempDir()}, Host: h})
	}
	h := &recordingHost{}
	cvm, err := boot1(in, h)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h.events, ",") != "instance.info,boot.progress" {
		t.Fatalf("events %v", h.events)
	}
	info, err := hostinput.ParseInstanceInfo([]byte(h.payloads[0]))
	if err != nil || !bytes.Equal(info.InstanceID, cvm.InstanceID) || len(info.InstanceIDSeed) != 20 {
		t.Fatalf("instance.info %s: %v", h.payloads[0], err)
	}
	// The reported seed, handed back by the host, gives the same instance id.
	in.InstanceInfo = info
	again, err := boot1(in, nil)
	if err != nil || !bytes.Equal(again.InstanceID, cvm.InstanceID) {
		t.Fatalf("second boot %x: %v", again.InstanceID, err)
	}
	in.SysConfig.KMSURLs = nil
	h = &recordingHost{}
	if _, err := boot1(in, h); err == nil || strings.Join(h.events, ",") != "boot.error" || !strings.Contains(h.payloads[0], "no KMS URL") {
		t.Fatalf("failed boot: %v, events %v %v", err, h.events, h.payloads)
	}
}

// TestBootThresholdKMS: with kms_threshold in the sys-config the guest
// gets its keys from t of the n nodes, measures key-provider kms-threshold
// naming the key set it trusted, opens its env encrypted to the app's env
// key under the committee's env root, gets the same keys with one node of
// three down, and refuses to boot, saying why, with two down.
func TestBootThresholdKMS(t *testing.T) {
	s := guesttest.New(t, guesttest.ComposeHash())
	srvs, tk := s.ThresholdKMS(t)
	sys, _ := json.Marshal(map[string]any{"kms_urls": []string{s.KMS.URL}, "gateway_urls": []string{}, "vm_config": s.VMConfig, "kms_threshold": tk})
	envPub, err := tk.KeySet.Env.AppPublicKey(s.AppID.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	env, err := appenv.Encrypt([]appenv.Var{{Key: "GREETING", Value: "hello from the committee"}}, envPub[:])
	if err != nil {
		t.Fatal(err)
	}
	cvm, _, tee, err := s.Boot(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.SysConfigFile: sys, hostinput.EncryptedEnvFile: env}))
	if err != nil {
		t.Fatal(err)
	}
	if cvm.Env["GREETING"] != "hello from the committee" {
		t.Fatalf("env %v", cvm.Env)
	}
	// An env encrypted to another key (the replicated KMS's) does not
	// open: the boot is refused.
	if _, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.SysConfigFile: sys,
		hostinput.EncryptedEnvFile: envFile(t, s, []appenv.Var{{Key: "GREETING", Value: "x"}})})); !errors.Is(err, appenv.ErrDecrypt) {
		t.Fatalf("an env encrypted to another key: %v", err)
	}
	events := cvm.Platform.Events()
	want := "system-preparing,app-id,compose-hash,gpu-policy-hash,instance-id,boot-mr-done,os-image-hash,key-provider,storage-fs,system-ready"
	if got := names(events); got != want || tee.RTMR3() != eventlog.Replay(events) {
		t.Fatalf("events %s\nwant   %s", got, want)
	}
	id := tk.KeySet.ID()
	if kp := string(events[7].Payload); kp != `{"name":"kms-threshold","id":"`+hex.EncodeToString(id[:])+`"}` {
		t.Fatalf("key-provider %s", kp)
	}
	if cvm.KMS != nil || len(cvm.Keys.DiskCryptKey) != 32 || len(cvm.Keys.OSImageHash) != 32 {
		t.Fatalf("keys %+v", cvm.Keys)
	}
	// The committee certified the app's own CA, which signs the agent's
	// TLS keys: the chain verifies with crypto/x509 to the root CA on chain.
	if cvm.AppCA == nil || !bytes.Equal(cvm.Keys.RootCA.RawSubjectPublicKeyInfo, tk.KeySet.CAPubkey) {
		t.Fatalf("app CA %+v", cvm.AppCA)
	}
	tls, err := agent.New(cvm, nil).GetTlsKey(context.Background(), &agent.GetTlsKeyArgs{Subject: "app.example", UsageRaTls: true, UsageServerAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	verifyChain(t, tls.CertificateChain, cvm.Keys.RootCA)
	// The committee vouched for the app's k256 key with the k256 root, as
	// GetKey's signature_chain needs it: it recovers with ecrecover.
	appKey, err := kdf.K256FromScalar(cvm.Keys.K256Key)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := crypto.SigToPub(crypto.Keccak256(kdf.KmsIssuedMessage(cvm.AppID[:], &appKey.PublicKey)), cvm.Keys.K256Signature)
	if err != nil || !bytes.Equal(crypto.CompressPubkey(signer), tk.KeySet.K256Pubkey) {
		t.Fatalf("the dstack-kms-issued signature does not recover to the k256 root: %v", err)
	}
	// The key set comes from the chain: a sys-config naming another one
	// is refused, be it the committee's with another root CA, or a key set
	// of the host's own making (its own derivation root and shares, the
	// committee's root keys).
	forged := *tk.KeySet
	forged.CAPubkey = bytes.Clone(forged.CAPubkey)
	forged.CAPubkey[len(forged.CAPubkey)-1] ^= 1
	dealt, err := tkeytest.Deal(2, 3, tk.KeySet.Epoch, nil)
	if err != nil {
		t.Fatal(err)
	}
	hosts := *dealt.KeySet
	hosts.CAPubkey, hosts.K256Pubkey = tk.KeySet.CAPubkey, tk.KeySet.K256Pubkey
	for name, ks := range map[string]*tkey.KeySet{"another root CA": &forged, "the host's own key set": &hosts} {
		bad, _ := json.Marshal(map[string]any{"kms_urls": []string{}, "gateway_urls": []string{}, "vm_config": s.VMConfig,
			"kms_threshold": hostinput.ThresholdKMS{URLs: tk.URLs, KeySet: ks}})
		if _, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.SysConfigFile: bad})); !errors.Is(err, boot.ErrRefused) ||
			!strings.Contains(err.Error(), "not the one published on chain") {
			t.Fatalf("a sys-config naming %s: %v", name, err)
		}
	}
	// Without a key set in the sys-config, the chain's is the one.
	bare, _ := json.Marshal(map[string]any{"kms_urls": []string{}, "gateway_urls": []string{}, "vm_config": s.VMConfig,
		"kms_threshold": hostinput.ThresholdKMS{URLs: tk.URLs}})
	cvm0, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, map[string][]byte{hostinput.SysConfigFile: bare, hostinput.InstanceInfoFile: cvm.InstanceInfo.Marshal()}))
	if err != nil {
		t.Fatalf("kms_threshold without a key set: %v", err)
	}
	if cvm0.KeySet.ID() != id || !bytes.Equal(cvm0.Keys.DiskCryptKey, cvm.Keys.DiskCryptKey) {
		t.Fatal("kms_threshold without a key set: another key set or other keys")
	}
	// The same instance again, with one node down: the same keys.
	again := map[string][]byte{hostinput.SysConfigFile: sys, hostinput.InstanceInfoFile: cvm.InstanceInfo.Marshal()}
	srvs["kms-a"].Stop(context.Background())
	cvm2, _, _, err := s.Boot(t, s.HostShared(t, guesttest.Compose, again))
	if err != nil {
		t.Fatalf("one node of three down: %v", err)
	}
	if !bytes.Equal(cvm2.Keys.DiskCryptKey, cvm.Keys.DiskCryptKey) || !bytes.Equal(cvm2.Keys.K256Key, cvm.Keys.K256Key) {
		t.Fatal("the keys changed with one node down")
	}
	srvs["kms-b"].Stop(context.Background())
	_, _, _, err = s.Boot(t, s.HostShared(t, guesttest.Compose, again))
	if !errors.Is(err, boot.ErrRefused) || !errors.Is(err, kmsclient.ErrThresholdNotMet) || !strings.Contains(err.Error(), "1 valid of the 2 needed") {
		t.Fatalf("two nodes of three down: %v", err)
	}
}

// verifyChain checks a PEM chain [leaf, intermediates…] with crypto/x509
// to root.
func verifyChain(t *testing.T, chain []string, root *x509.Certificate) {
	t.Helper()
	var certs []*x509.Certificate
	for _, p := range chain {
		b, _ := pem.Decode([]byte(p))
		if b == nil {
			t.Fatalf("chain entry %q", p)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("the chain does not verify to the root CA: %v", err)
	}
}
