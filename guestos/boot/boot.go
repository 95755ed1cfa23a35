// Package boot is the guest's boot sequence, upstream's `dstack-util setup`
// reimplemented: read the host's inputs, check the app's requirements,
// measure the app's identity into RTMR3, get the app keys from a KMS that
// proved itself on chain, check MR_CONFIG_ID, measure the key provider, prepare the data
// directory, reach system-ready, decrypt the env, then start the app and
// register with the gateway.
//
// The sequence is the same on a real TD and on a development host: only the
// guestos.Platform (TEE and log paths) and the seams (Storage, AppRunner,
// GatewayRegistrar) differ. It must never start the app before
// system-ready, or at all when the keys were refused: a compose hash the
// chain does not allow means no keys and no app, with the reason logged.
package boot

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/appenv"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/kmsclient"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/kdf"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/tkey"
	"github.com/dstack-go/dstack/tee/wire"
)

// TeeVariant is the platform string app-compose requirements.platforms
// names for this guest.
const TeeVariant = "dstack-tdx"

// Runtime events this package emits besides those tee/attest names.
const (
	EventGPUPolicyHash = "gpu-policy-hash"
	EventStorageFS     = "storage-fs"
)

// launchTokenTag prefixes the launch token in requirements.launch_token_hash.
const launchTokenTag = "dstack-launch-token/v1:"

// ErrRefused is returned when the app may not boot: its requirements are
// not met, or no KMS released its keys.
var ErrRefused = errors.New("boot refused")

// Config configures a boot.
type Config struct {
	// Inputs are the host-shared files (hostinput.Read). Required.
	Inputs *hostinput.Inputs
	// Platform is the TEE and runtime log. Required.
	Platform *guestos.Platform
	// KMSURLs, when not empty, replaces the sys-config's kms_urls
	// (development). They are tried in order.
	KMSURLs []string
	// ThresholdKMS, when set, replaces the sys-config's kms_threshold
	// (development): the keys come from a threshold KMS.
	ThresholdKMS *hostinput.ThresholdKMS
	// Chain is the governance chain a KMS must be allowed on before it is
	// asked anything. Required for the kms key provider.
	Chain *chain.Reader
	// Attestation verifies the KMS's evidence (and the guest's own, for the
	// agent's Info). Its zero value trusts the vendors' roots.
	Attestation attest.Options
	// InsecureAllowUnboundOSImage trusts a KMS whose evidence does not bind
	// its os_image_hash, judged on chain by the hash its host claims
	// (kmsclient.Config.InsecureAllowUnboundOSImage). Default false.
	InsecureAllowUnboundOSImage bool
	// Storage prepares the data directory. Required.
	Storage Storage
	// Host, when set, is told of the boot's progress, failure and instance
	// info. Nil means no host API (development).
	Host HostNotifier
	// Logger receives the boot's progress; nil means none.
	Logger *zap.Logger
}

// CVM is a booted confidential VM, past system-ready.
type CVM struct {
	// Compose is the app-compose; ComposeRaw its exact bytes.
	Compose    *identity.AppCompose
	ComposeRaw []byte
	// ComposeHash, AppID and InstanceID are the measured identity;
	// InstanceID is empty with no_instance_id.
	ComposeHash [32]byte
	AppID       [20]byte
	InstanceID  []byte
	// InstanceInfo is what to report back to the host so that the
	// instance id seed survives a reboot.
	InstanceInfo *hostinput.InstanceInfo
	// SysConfig is the host's system configuration.
	SysConfig *hostinput.SysConfig
	// Keys are the app keys and the KMS root CA (with a threshold KMS, the
	// root CA is the committee's and K256Signature its dstack-kms-issued
	// signature).
	Keys *kmsclient.AppKeys
	// KMS is the client of the KMS that released the keys; nil with a
	// threshold KMS.
	KMS *kmsclient.Client
	// KeySet is the key set of the threshold KMS the keys came from; nil
	// with the replicated KMS.
	KeySet *tkey.KeySet
	// AppCA, with a threshold KMS, is the app's CA key (derived from the
	// combined keys) and its certificate, which the committee issued
	// under the root CA: the CVM signs its own leaf certificates with it.
	AppCA *AppCA
	// KeyProviderInfo is the key-provider event's payload.
	KeyProviderInfo []byte
	// Volume is the data directory.
	Volume *Volume
	// Env is the decrypted environment.
	Env map[string]string
	// Platform is the TEE and runtime log.
	Platform *guestos.Platform
	// Attestation verifies evidence, as in Config.
	Attestation attest.Options

	// envSecret, with a threshold KMS and an encrypted env, is the
	// envelope's X25519 secret, combined from the nodes' env partials.
	envSecret []byte
	// previous are, during a threshold KMS's root rotation handover, the
	// app's keys under the previous roots (nil otherwise, or when they
	// could not be had): the disk and env are moved from them.
	previous *kmsclient.ThresholdKeys
	// previousErr is why previous could not be had, if so.
	previousErr error
	log         *zap.Logger
}

// Boot runs the sequence up to system-ready and decrypts the env. The
// caller then starts the agent and calls StartApp. On error nothing after
// the failing step ran; the error says why, and is logged.
func Boot(ctx context.Context, cfg Config) (*CVM, error) {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	c, err := boot(ctx, cfg, log)
	if err != nil {
		log.Error("boot failed; the app is not started", zap.Error(err))
		notify(ctx, cfg.Host, log, "boot.error", err.Error())
		return nil, err
	}
	notify(ctx, cfg.Host, log, "instance.info", string(c.InstanceInfo.Marshal()))
	notify(ctx, cfg.Host, log, "boot.progress", "system ready")
	return c, nil
}

// notify tells the host; a failure is logged, never fatal.
func notify(ctx context.Context, h HostNotifier, log *zap.Logger, event, payload string) {
	if h == nil {
		return
	}
	if err := h.Notify(ctx, event, payload); err != nil {
		log.Warn("notifying the host failed", zap.String("event", event), zap.Error(err))
	}
}

func boot(ctx context.Context, cfg Config, log *zap.Logger) (*CVM, error) {
	in, p := cfg.Inputs, cfg.Platform
	if in == nil || p == nil || cfg.Storage == nil {
		return nil, fmt.Errorf("booting: inputs, platform and storage are required")
	}
	c := &CVM{Compose: in.Compose, ComposeRaw: in.ComposeRaw, SysConfig: in.SysConfig, Platform: p, Attestation: cfg.Attestation, log: log}
	if err := checkRequirements(in); err != nil {
		return nil, err
	}
	version := in.Compose.EventLogVersion
	if version == 0 {
		version = 1
	}
	if err := p.SetEventVersion(version); err != nil {
		return nil, fmt.Errorf("booting: %w", err)
	}
	ev := func(name string, payload []byte) eventlog.RuntimeEvent {
		return eventlog.RuntimeEvent{Name: name, Payload: payload, Version: version}
	}
	if err := c.identify(in); err != nil {
		return nil, err
	}
	gpu, err := in.Compose.GPUPolicyHash()
	if err != nil {
		return nil, fmt.Errorf("booting: %w", err)
	}
	events := []eventlog.RuntimeEvent{ev(eventlog.EventSystemPreparing, nil), ev(eventlog.EventAppID, c.AppID[:]), ev(eventlog.EventComposeHash, c.ComposeHash[:])}
	for _, h := range in.Compose.InitScriptHashes() {
		events = append(events, ev(eventlog.EventInitScriptHash, h[:]))
	}
	events = append(events, ev(EventGPUPolicyHash, gpu[:]), ev(eventlog.EventInstanceID, c.InstanceID), ev(eventlog.EventBootMRDone, nil))
	if err := p.Emit(events...); err != nil {
		return nil, fmt.Errorf("booting: measuring the app: %w", err)
	}
	log.Info("measured the app into RTMR3", zap.String("app_id", hex.EncodeToString(c.AppID[:])),
		zap.String("compose_hash", hex.EncodeToString(c.ComposeHash[:])), zap.String("instance_id", hex.EncodeToString(c.InstanceID)))

	if err := c.getKeys(ctx, cfg); err != nil {
		return nil, err
	}
	kind, providerID := c.keyProvider()
	if pin := in.Compose.KeyProviderID; len(pin) > 0 && !bytes.Equal(pin, providerID) {
		if c.KeySet != nil {
			return nil, fmt.Errorf("booting: %w: the threshold KMS's key set is not the key_provider_id app-compose.json pins", ErrRefused)
		}
		return nil, fmt.Errorf("booting: %w: the KMS root CA is not the key_provider_id app-compose.json pins", ErrRefused)
	}
	if err := c.checkMrConfigID(ctx); err != nil {
		return nil, err
	}
	c.KeyProviderInfo = identity.KeyProviderInfo{Name: string(kind), ID: hex.EncodeToString(providerID)}.Marshal()
	if err := p.Emit(ev(eventlog.EventOSImageHash, c.Keys.OSImageHash), ev(eventlog.EventKeyProvider, c.KeyProviderInfo)); err != nil {
		return nil, fmt.Errorf("booting: measuring the key provider: %w", err)
	}
	if c.Volume, err = c.prepareStorage(ctx, cfg.Storage); err != nil {
		return nil, fmt.Errorf("booting: %w", err)
	}
	if c.Volume.FS == InsecurePlainDirFS {
		log.Warn("INSECURE: the data directory is a plain, unencrypted directory", zap.String("dir", c.Volume.Dir))
	}
	if err := p.Emit(ev(EventStorageFS, []byte(c.Volume.FS)), ev(eventlog.EventSystemReady, nil)); err != nil {
		return nil, fmt.Errorf("booting: %w", err)
	}
	log.Info("system ready", zap.ByteString("key_provider", c.KeyProviderInfo), zap.String("data_dir", c.Volume.Dir))

	c.Env = map[string]string{}
	if in.EncryptedEnv != nil {
		var d *appenv.Decrypted
		if c.KeySet != nil {
			// A threshold KMS: the envelope's secret was combined from
			// the nodes' env partials (getThresholdKeys).
			if c.envSecret == nil {
				return nil, fmt.Errorf("booting: %w: the threshold KMS gave no env secret for the encrypted env", ErrRefused)
			}
			d, err = appenv.DecryptShared(in.EncryptedEnv, c.envSecret, in.Compose.AllowedEnvs)
			if err != nil && c.previous != nil && c.previous.EnvSecret != nil {
				// Encrypted to the app's env key under the previous roots.
				if pd, perr := appenv.DecryptShared(in.EncryptedEnv, c.previous.EnvSecret, in.Compose.AllowedEnvs); perr == nil {
					d, err = pd, nil
					log.Warn("the encrypted env is encrypted to the app's env key under the threshold KMS's previous roots, which answer only until the root rotation's handover ends: " +
						"encrypt it again to the app's current env key (GetAppEnvEncryptPubKey)")
				}
			}
		} else {
			d, err = appenv.Decrypt(in.EncryptedEnv, c.Keys.EnvCryptKey, in.Compose.AllowedEnvs)
		}
		if err != nil {
			return nil, fmt.Errorf("booting: %w", err)
		}
		if len(d.Dropped) > 0 {
			log.Warn("dropped env variables not in allowed_envs", zap.Strings("names", d.Dropped))
		}
		c.Env = d.Env
	}
	return c, nil
}

// checkRequirements is upstream's verify_app_compose_policy for what this
// guest can check; a requirement it cannot check refuses the boot.
func checkRequirements(in *hostinput.Inputs) error {
	c := in.Compose
	if kind := c.KeyProviderKind(); kind != identity.KeyProviderKMS {
		return fmt.Errorf("booting: %w: app-compose.json asks for key provider %q; this guest supports only the KMS (set \"kms_enabled\": true or \"key_provider\": \"kms\")", ErrRefused, kind)
	}
	r := c.Requirements
	if r == nil {
		return nil
	}
	if len(r.Platforms) > 0 && !slices.Contains(r.Platforms, TeeVariant) {
		return fmt.Errorf("booting: %w: requirements.platforms %v does not include %s", ErrRefused, r.Platforms, TeeVariant)
	}
	if r.OSVersion != "" {
		return fmt.Errorf("booting: %w: requirements.os_version is not supported by this guest; remove it", ErrRefused)
	}
	if r.TDXMeasureACPITables != nil {
		vm, err := identity.ParseVMConfig(in.SysConfig.VMConfig)
		if err != nil {
			return fmt.Errorf("booting: %w", err)
		}
		lite := vm.TDXAttestationVariant == "lite"
		if *r.TDXMeasureACPITables == lite {
			return fmt.Errorf("booting: %w: requirements.tdx_measure_acpi_tables=%v does not match the VM's attestation variant %q", ErrRefused, *r.TDXMeasureACPITables, vm.TDXAttestationVariant)
		}
	}
	if len(r.LaunchTokenHash) > 0 {
		if in.UserConfig == nil {
			return fmt.Errorf("booting: %w: requirements.launch_token_hash is set but the host gave no .user-config", ErrRefused)
		}
		tok, err := hostinput.LaunchToken(in.UserConfig)
		if err != nil {
			return fmt.Errorf("booting: %w: %w", ErrRefused, err)
		}
		if len(tok) < 32 {
			return fmt.Errorf("booting: %w: the launch token is %d bytes, at least 32", ErrRefused, len(tok))
		}
		h := sha256.Sum256([]byte(launchTokenTag + tok))
		if !bytes.Equal(h[:], r.LaunchTokenHash) {
			return fmt.Errorf("booting: %w: the launch token does not match requirements.launch_token_hash", ErrRefused)
		}
	}
	return nil
}

// identify computes compose_hash, app_id and instance_id (upstream's
// measure_app_info).
func (c *CVM) identify(in *hostinput.Inputs) error {
	c.ComposeHash = identity.ComposeHash(in.ComposeRaw)
	info := in.InstanceInfo
	if info == nil {
		info = &hostinput.InstanceInfo{}
	}
	var err error
	if c.AppID, err = identity.AppID(info.AppID, c.ComposeHash); err != nil {
		return fmt.Errorf("booting: %w", err)
	}
	seed := info.InstanceIDSeed
	if len(seed) == 0 {
		seed = make([]byte, 20)
		if _, err := rand.Read(seed); err != nil {
			return fmt.Errorf("booting: %w", err)
		}
	}
	if !in.Compose.NoInstanceID {
		id := identity.InstanceID(seed, c.AppID, nil)
		c.InstanceID = id[:]
	}
	c.InstanceInfo = &hostinput.InstanceInfo{AppID: c.AppID[:], InstanceIDSeed: seed, InstanceID: c.InstanceID}
	return nil
}

// keyProvider is the key provider's kind and id as the key-provider event
// and MR_CONFIG_ID name it: the KMS and its root CA's SubjectPublicKeyInfo
// (upstream's), or kms-threshold and its key set's ID.
func (c *CVM) keyProvider() (identity.KeyProviderKind, []byte) {
	if c.KeySet != nil {
		id := c.KeySet.ID()
		return tkey.KeyProviderName, id[:]
	}
	return identity.KeyProviderKMS, c.Keys.RootCA.RawSubjectPublicKeyInfo
}

// getKeys asks each KMS in turn; the first that proves itself on chain and
// releases the keys wins. With a threshold KMS configured, it asks its
// nodes instead (getThresholdKeys).
func (c *CVM) getKeys(ctx context.Context, cfg Config) error {
	if t := cfg.ThresholdKMS; t != nil || c.SysConfig.KMSThreshold != nil {
		if t == nil {
			t = c.SysConfig.KMSThreshold
		}
		return c.getThresholdKeys(ctx, cfg, t)
	}
	urls := cfg.KMSURLs
	if len(urls) == 0 {
		urls = cfg.Inputs.SysConfig.KMSURLs
	}
	if len(urls) == 0 {
		return fmt.Errorf("booting: %w: no KMS URL (kms_urls in .sys-config.json is empty)", ErrRefused)
	}
	var errs []error
	for _, u := range urls {
		kc, err := kmsclient.New(ctx, kmsclient.Config{URL: u, Attester: c.Platform, Attestation: cfg.Attestation, Chain: cfg.Chain,
			InsecureAllowUnboundOSImage: cfg.InsecureAllowUnboundOSImage})
		if err == nil {
			var keys *kmsclient.AppKeys
			if keys, err = kc.GetAppKey(ctx, c.SysConfig.VMConfig); err == nil {
				c.KMS, c.Keys = kc, keys
				return nil
			}
		}
		c.log.Warn("no keys from this KMS", zap.String("kms", u), zap.Error(err))
		errs = append(errs, err)
	}
	return fmt.Errorf("booting: %w: no KMS released the app keys: %w", ErrRefused, errors.Join(errs...))
}

// StartApp registers with the gateway (when the app wants it and gw is not
// nil; a failure is logged, not fatal) and starts the app.
func (c *CVM) StartApp(ctx context.Context, runner AppRunner, agentSocket string, gw GatewayRegistrar) (RunningApp, error) {
	if gw != nil && c.Compose.GatewayOn() {
		if err := gw.Register(ctx, c); err != nil {
			c.log.Error("gateway registration failed; the app starts anyway", zap.Error(err))
		}
	}
	app, err := runner.Start(ctx, RunSpec{
		Name: c.Compose.Name, Runner: c.Compose.Runner, Compose: []byte(c.Compose.DockerComposeFile), Env: c.Env,
		InitScripts: c.Compose.InitScript, BashScript: c.Compose.BashScript, PreLaunchScript: c.Compose.PreLaunchScript,
		DataDir: c.Volume.Dir, AgentSocket: agentSocket, AllowImageTags: c.Compose.AllowUnpinnedImages,
	})
	if err != nil {
		return nil, fmt.Errorf("starting the app: %w", err)
	}
	c.log.Info("app started", zap.String("name", c.Compose.Name))
	return app, nil
}

// getThresholdKeys asks the threshold KMS's nodes for their partial keys
// (and, with an encrypted env, their env partials for its ephemeral key)
// and combines the threshold of valid ones (kmsclient.Threshold); fewer
// refuse the boot. The key set it checks their answers against is the one
// published on chain (with the root CA every node's RPC certificate must
// chain to), never the host's: a sys-config naming another key set is
// refused.
func (c *CVM) getThresholdKeys(ctx context.Context, cfg Config, t *hostinput.ThresholdKMS) error {
	want, err := t.Keys()
	if err != nil {
		return fmt.Errorf("booting: %w: %w", ErrRefused, err)
	}
	if cfg.Chain == nil {
		return fmt.Errorf("booting: %w: a chain is required to read the threshold KMS's key set from", ErrRefused)
	}
	ks, epoch, block, err := cfg.Chain.ThresholdKeySet(ctx)
	if err != nil {
		return fmt.Errorf("booting: %w: %w", ErrRefused, err)
	}
	id := ks.ID()
	if want != nil && want.ID() != id {
		return fmt.Errorf("booting: %w: the sys-config's kms_threshold key set is not the one published on chain (committee epoch %d at block %d, key set %x): "+
			"the host names a key set of its own making, or an outdated one; remove key_set from kms_threshold or update it", ErrRefused, epoch, block, id[:8])
	}
	if len(t.URLs) < ks.Threshold {
		return fmt.Errorf("booting: %w: kms_threshold names %d node URLs, and the key set on chain needs %d nodes' answers", ErrRefused, len(t.URLs), ks.Threshold)
	}
	tc, err := kmsclient.NewThreshold(ctx, kmsclient.ThresholdConfig{Nodes: t.URLs, KeySet: ks, KeyProviderID: id[:], Logger: c.log,
		Node: kmsclient.Config{Attester: c.Platform, Attestation: cfg.Attestation, Chain: cfg.Chain, InsecureAllowUnboundOSImage: cfg.InsecureAllowUnboundOSImage}})
	if err != nil {
		return fmt.Errorf("booting: %w: %w", ErrRefused, err)
	}
	// With an encrypted env, its ephemeral key goes with the request, and
	// the nodes' env partials come back with the partial keys; without
	// one, nothing is sent.
	var eph []byte
	if e := cfg.Inputs.EncryptedEnv; e != nil {
		eph = e.EphemeralPublic[:]
	}
	tk, err := tc.GetAppKeysAndEnv(ctx, c.AppID[:], c.InstanceID, c.SysConfig.VMConfig, eph)
	if err != nil {
		return fmt.Errorf("booting: %w: %w", ErrRefused, err)
	}
	c.envSecret = tk.EnvSecret
	c.previousKeys(ctx, cfg, tc, eph)
	ca, err := c.appCA(ctx, tc, tk.AppCASeed)
	if err != nil {
		return fmt.Errorf("booting: %w: %w", ErrRefused, err)
	}
	k256Sig, err := c.kmsIssued(ctx, tc, tk.K256Key)
	if err != nil {
		return fmt.Errorf("booting: %w: %w", ErrRefused, err)
	}
	c.KeySet, c.AppCA = ks, ca
	c.Keys = &kmsclient.AppKeys{RootCA: ca.Root, AppKeyResponse: &kmsapi.AppKeyResponse{
		DiskCryptKey: tk.DiskCryptKey[:], EnvCryptKey: tk.EnvCryptKey[:], K256Key: tk.K256Key[:], K256Signature: k256Sig,
		GatewayAppID: tk.GatewayAppID, TproxyAppID: tk.GatewayAppID, OSImageHash: tk.OSImageHash,
	}}
	return nil
}

// previousKeys gets, when the chain records a root rotation's handover,
// the app's keys under the previous roots from the same nodes, checked
// against the previous key set the chain records. They are needed only
// if the disk or the env is still under them, so a failure is kept
// (previousErr) and said only then.
func (c *CVM) previousKeys(ctx context.Context, cfg Config, tc *kmsclient.Threshold, eph []byte) {
	h, block, err := cfg.Chain.ThresholdHandover(ctx)
	if err != nil {
		c.previousErr = fmt.Errorf("reading the threshold KMS's root rotation handover on chain: %w", err)
		return
	}
	if h == nil {
		return
	}
	prev, err := tc.Previous(h.KeySet)
	if err == nil {
		c.previous, err = prev.GetAppKeysAndEnv(ctx, c.AppID[:], c.InstanceID, c.SysConfig.VMConfig, eph)
	}
	if err != nil {
		c.previousErr = fmt.Errorf("the app's keys under the previous roots (root epoch %d, handover until %s at block %d): %w",
			h.KeySet.Epoch, h.End.UTC().Format(time.RFC3339), block, err)
		c.log.Warn("a root rotation's handover is under way, and the app's keys under the previous roots could not be had", zap.Error(c.previousErr))
		return
	}
	c.log.Info("a root rotation's handover is under way: got the app's keys under the previous roots too",
		zap.Uint32("previous_root_epoch", h.KeySet.Epoch), zap.Time("handover_end", h.End))
}

// prepareStorage prepares the data volume with the disk key; during a
// root rotation's handover, a Storage that can (Rekeyer) moves a volume
// still under the previous roots' disk key to the current one.
func (c *CVM) prepareStorage(ctx context.Context, st Storage) (*Volume, error) {
	r, ok := st.(Rekeyer)
	if !ok || c.previous == nil {
		v, err := st.Prepare(ctx, c.Keys.DiskCryptKey)
		if err != nil && c.previousErr != nil {
			err = fmt.Errorf("%w (if the disk is still under the threshold KMS's previous roots: %w)", err, c.previousErr)
		}
		return v, err
	}
	return r.PrepareRekey(ctx, c.Keys.DiskCryptKey, c.previous.DiskCryptKey[:])
}

// kmsIssued has the committee vouch for the app's secp256k1 key (the
// dstack-kms-issued signature GetKey's signature_chain ends with), with
// evidence that binds the key.
func (c *CVM) kmsIssued(ctx context.Context, tc *kmsclient.Threshold, k256 [32]byte) ([]byte, error) {
	key, err := kdf.K256FromScalar(k256[:])
	if err != nil {
		return nil, err
	}
	att, err := c.Platform.Attest(ctx, kmsapi.KmsIssuedReportData(ethcrypto.CompressPubkey(&key.PublicKey)))
	if err != nil {
		return nil, fmt.Errorf("attesting the app's k256 key: %w", err)
	}
	enc, err := wire.Encode(att)
	if err != nil {
		return nil, err
	}
	return tc.SignKmsIssued(ctx, c.AppID[:], &key.PublicKey, enc)
}

// AppCA is an app's own CA, from a threshold KMS.
type AppCA struct {
	Key  *ecdsa.PrivateKey
	Cert *x509.Certificate
	// Root is the KMS root CA certificate Cert chains to.
	Root *x509.Certificate
}

// appCAKeyInfo is the HKDF info of the app CA key from its seed.
const appCAKeyInfo = "dstack-threshold-app-ca-key"

// appCA derives the app CA key from its seed and has the committee
// certify it, with evidence that binds it.
func (c *CVM) appCA(ctx context.Context, tc *kmsclient.Threshold, seed [32]byte) (*AppCA, error) {
	okm, err := kdf.DeriveKey(seed[:], 32, []byte(appCAKeyInfo))
	if err != nil {
		return nil, err
	}
	defer clear(okm)
	key, err := kdf.P256FromScalar(okm)
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	att, err := c.Platform.Attest(ctx, ratls.ReportData(spki))
	if err != nil {
		return nil, fmt.Errorf("attesting the app CA key: %w", err)
	}
	enc, err := wire.Encode(att)
	if err != nil {
		return nil, err
	}
	cert, root, err := tc.SignAppCACert(ctx, &key.PublicKey, enc)
	if err != nil {
		return nil, err
	}
	return &AppCA{Key: key, Cert: cert, Root: root}, nil
}
