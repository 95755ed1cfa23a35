// Package guesttest sets up, for the guest's tests, what a CVM boots
// against: a real EVM (contracts/testchain) with the governance contracts,
// an app registered on it, a real KMS on loopback whose authorizer is that
// chain, running on a simulated TEE, and the host-shared files of the CVM.
// It is for tests only. It lives outside guestos/ because it starts a KMS
// server, which no guest package may link.
package guesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/contracts/testchain"
	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
)

// Compose is the app-compose.json of the test app, in canonical JSON
// (identity.CanonicalJSON), as every app-compose this project writes.
const Compose = `{"allowed_envs":["GREETING"],"docker_compose_file":"services:\n  web:\n    image: nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000\n","gateway_enabled":false,"kms_enabled":true,"manifest_version":2,"name":"guest-test","runner":"docker-compose"}`

// Stack is a chain, an app on it and a KMS.
type Stack struct {
	Seed     string
	PKI      *mock.PKI
	Chain    *testchain.Chain
	Reader   *chain.Reader
	KMS      *kms.Server
	AppID    common.Address
	VMConfig string
	// Attestation verifies evidence of the mock PKI.
	Attestation attest.Options
	// InsecureAllowUnboundOSImage is the booting guests'
	// boot.Config.InsecureAllowUnboundOSImage.
	InsecureAllowUnboundOSImage bool
}

// New starts the stack; allowed is the compose hash the app allows. The
// CVMs and the KMS run the simulated development image (mock.DevVMConfig);
// kmsOptions change the KMS's configuration before it starts.
func New(t testing.TB, allowed [32]byte, kmsOptions ...func(*kms.Config)) *Stack {
	t.Helper()
	ctx := context.Background()
	s := &Stack{Seed: "guesttest-" + t.Name()}
	var err error
	if s.PKI, err = mock.NewPKI([]byte(s.Seed)); err != nil {
		t.Fatal(err)
	}
	s.Attestation = attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: s.PKI.Roots()},
		Collateral:         collateral.NewCache(s.PKI.Source(), collateral.CacheOptions{}),
	}
	s.VMConfig = mock.DevVMConfig()
	kmsCfg := kms.Config{
		Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: t.TempDir(), VMConfig: s.VMConfig, InsecureSimulatedTEE: s.Seed,
		Auth: kms.AuthConfig{InsecureAllowAll: true},
	}
	for _, o := range kmsOptions {
		o(&kmsCfg)
	}
	s.Chain = testchain.New(t)
	c := s.Chain
	if s.AppID, _, err = c.DeployApp(false, true, [32]byte{}, allowed); err != nil {
		t.Fatal(err)
	}
	// The tests change the chain and boot at once: the reader reads the
	// head on every answer.
	if s.Reader, err = chain.New(ctx, c.Client, chain.Config{ChainID: c.ChainID, KmsContract: c.Kms, HeadInterval: chain.HeadEveryCall}); err != nil {
		t.Fatal(err)
	}
	attester, opts, err := kms.SimulatedTEE(s.Seed, kmsCfg.VMConfig)
	if err != nil {
		t.Fatal(err)
	}
	self := &kms.Self{Attester: attester, Attestation: opts, Config: kmsCfg.VMConfig}
	ev, err := self.Evidence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kb := kmsapi.BootInfoOf(ev, false)
	for _, data := range [][]byte{
		c.K.PackAddOsImageHash(common.BytesToHash(kb.OSImageHash)),
		c.K.PackAddKmsAggregatedMr(common.BytesToHash(kb.MrAggregated)),
		c.K.PackAddKmsDevice(common.BytesToHash(kb.DeviceID)),
	} {
		if _, err := c.Send(c.KmsInst, c.Owner, data); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := kms.NewServer(ctx, kmsCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Service.Auth = &kms.ChainAuthorizer{Reader: s.Reader}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })
	s.KMS = srv
	b := srv.Service.Bootstrap
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{K256Pubkey: b.K256Pubkey, CaPubkey: b.CAPubkey})); err != nil {
		t.Fatal(err)
	}
	return s
}

// HostShared writes the host-shared directory of a CVM of the app and
// returns it, with extra files added or replacing the defaults.
func (s *Stack) HostShared(t testing.TB, compose string, extra map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	sys, _ := json.Marshal(map[string]any{"kms_urls": []string{s.KMS.URL}, "gateway_urls": []string{}, "vm_config": s.VMConfig})
	info, _ := json.Marshal(map[string]string{"app_id": s.AppID.Hex()})
	files := map[string][]byte{hostinput.AppComposeFile: []byte(compose), hostinput.SysConfigFile: sys, hostinput.InstanceInfoFile: info}
	for k, v := range extra {
		files[k] = v
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Boot boots a CVM of the app from hostShared on a fresh simulated TEE of
// the stack's PKI, after applying launch to it (the host's part, e.g.
// MR_CONFIG_ID). The platform and TEE are returned for checks of what was
// measured.
func (s *Stack) Boot(t testing.TB, hostShared string, launch ...func(*mock.TD)) (*boot.CVM, *guestos.Platform, *mock.TD, error) {
	t.Helper()
	return s.BootWith(t, hostShared, boot.InsecurePlainDir{Dir: filepath.Join(t.TempDir(), "data")}, launch...)
}

// BootWith is Boot with the storage given.
func (s *Stack) BootWith(t testing.TB, hostShared string, storage boot.Storage, launch ...func(*mock.TD)) (*boot.CVM, *guestos.Platform, *mock.TD, error) {
	t.Helper()
	in, err := hostinput.Read(hostShared)
	if err != nil {
		return nil, nil, nil, err
	}
	tee := s.PKI.NewTD()
	for _, l := range launch {
		l(tee)
	}
	p, err := guestos.NewPlatform(tee, filepath.Join(t.TempDir(), "log"), in.SysConfig.VMConfig)
	if err != nil {
		t.Fatal(err)
	}
	cvm, err := boot.Boot(context.Background(), boot.Config{
		Inputs: in, Platform: p, Chain: s.Reader, Attestation: s.Attestation, InsecureAllowUnboundOSImage: s.InsecureAllowUnboundOSImage,
		Storage: storage,
	})
	return cvm, p, tee, err
}

// ComposeHash is the hash of the test app-compose.
func ComposeHash() [32]byte { return identity.ComposeHash([]byte(Compose)) }

// MeasuredCVM is a CVM of the stack's app in process that measured its
// identity into RTMR3 (app id, compose hash, a fixed instance id) as the
// boot sequence does, without booting: its platform and its ids.
func (s *Stack) MeasuredCVM(t testing.TB) (*guestos.Platform, []byte, []byte) {
	t.Helper()
	p, err := guestos.NewPlatform(s.PKI.NewTD(), filepath.Join(t.TempDir(), "log"), s.VMConfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetEventVersion(1); err != nil {
		t.Fatal(err)
	}
	appID, instanceID, compose := s.AppID.Bytes(), bytes.Repeat([]byte{0x5a}, 20), ComposeHash()
	ev := func(name string, payload []byte) eventlog.RuntimeEvent {
		return eventlog.RuntimeEvent{Name: name, Payload: payload, Version: 1}
	}
	if err := p.Emit(ev(eventlog.EventSystemPreparing, nil), ev(eventlog.EventAppID, appID), ev(eventlog.EventComposeHash, compose[:]),
		ev(eventlog.EventInstanceID, instanceID), ev(eventlog.EventBootMRDone, nil)); err != nil {
		t.Fatal(err)
	}
	return p, appID, instanceID
}
