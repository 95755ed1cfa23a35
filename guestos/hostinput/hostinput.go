// Package hostinput reads the files the host shares with a confidential VM
// (upstream's host-shared directory): app-compose.json, .sys-config.json,
// .instance_info, .encrypted-env and .user-config.
//
// Everything here comes from the untrusted host. The package only bounds and
// parses: each file is read once into memory with upstream's size cap, and a
// file that is too large, not a regular file, or does not parse is an error
// that names it. Nothing read here may be trusted until it is measured
// (app-compose.json, the ids of .instance_info) or authenticated by other
// means (the env by its encryption key, vm_config by the KMS's image check);
// the package must never decide that an input is acceptable beyond its
// syntax.
package hostinput

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/tkey"
)

// The file names of the host-shared directory, as upstream spells them.
const (
	AppComposeFile   = "app-compose.json"
	SysConfigFile    = ".sys-config.json"
	InstanceInfoFile = ".instance_info"
	EncryptedEnvFile = ".encrypted-env"
	UserConfigFile   = ".user-config"
)

// Upstream's size caps (HostShared::copy).
const (
	MaxAppCompose   = identity.MaxAppComposeSize
	MaxSysConfig    = 32 << 10
	MaxInstanceInfo = 10 << 10
	MaxEncryptedEnv = 256 << 10
	MaxUserConfig   = 50 << 20
)

// ErrInvalid wraps every rejection of a host input.
var ErrInvalid = errors.New("invalid host input")

// Inputs are the parsed host-shared files. Optional files that are absent
// are nil.
type Inputs struct {
	// ComposeRaw is the exact bytes of app-compose.json; its SHA-256 is the
	// compose hash.
	ComposeRaw []byte
	// Compose is ComposeRaw parsed.
	Compose *identity.AppCompose
	// SysConfig is .sys-config.json.
	SysConfig *SysConfig
	// InstanceInfo is .instance_info, nil when absent.
	InstanceInfo *InstanceInfo
	// EncryptedEnv is .encrypted-env, nil when absent.
	EncryptedEnv *EncryptedEnv
	// UserConfig is the opaque .user-config, nil when absent.
	UserConfig []byte
}

// Read reads and parses the host-shared files in dir. app-compose.json and
// .sys-config.json are required.
func Read(dir string) (*Inputs, error) {
	var in Inputs
	var err error
	if in.ComposeRaw, err = readFile(dir, AppComposeFile, MaxAppCompose, true); err != nil {
		return nil, err
	}
	if in.Compose, err = ParseAppCompose(in.ComposeRaw); err != nil {
		return nil, err
	}
	sys, err := readFile(dir, SysConfigFile, MaxSysConfig, true)
	if err != nil {
		return nil, err
	}
	if in.SysConfig, err = ParseSysConfig(sys); err != nil {
		return nil, err
	}
	if b, err := readFile(dir, InstanceInfoFile, MaxInstanceInfo, false); err != nil {
		return nil, err
	} else if b != nil {
		if in.InstanceInfo, err = ParseInstanceInfo(b); err != nil {
			return nil, err
		}
	}
	if b, err := readFile(dir, EncryptedEnvFile, MaxEncryptedEnv, false); err != nil {
		return nil, err
	} else if b != nil {
		if in.EncryptedEnv, err = ParseEncryptedEnv(b); err != nil {
			return nil, err
		}
	}
	if in.UserConfig, err = readFile(dir, UserConfigFile, MaxUserConfig, false); err != nil {
		return nil, err
	}
	return &in, nil
}

// readFile reads dir/name, refusing anything but a regular file and more
// than max bytes. A missing optional file is (nil, nil).
func readFile(dir, name string, max int64, required bool) ([]byte, error) {
	p := filepath.Join(dir, name)
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading host input %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading host input %s: %w: not a regular file (%s)", name, ErrInvalid, fi.Mode().Type())
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("reading host input %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading host input %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("reading host input %s: %w: larger than upstream's cap of %d bytes", name, ErrInvalid, max)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// ParseAppCompose parses app-compose.json, keeping its exact bytes.
func ParseAppCompose(b []byte) (*identity.AppCompose, error) {
	if len(b) > MaxAppCompose {
		return nil, fmt.Errorf("parsing %s: %w: %d bytes exceed the cap of %d", AppComposeFile, ErrInvalid, len(b), MaxAppCompose)
	}
	c, err := identity.ParseAppCompose(b)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w: %w", AppComposeFile, ErrInvalid, err)
	}
	if c.ManifestVersion > 3 {
		return nil, fmt.Errorf("parsing %s: %w: manifest_version %d (at most 3)", AppComposeFile, ErrInvalid, c.ManifestVersion)
	}
	if c.Requirements != nil && c.ManifestVersion < 3 {
		return nil, fmt.Errorf("parsing %s: %w: requirements need manifest_version \"3\"", AppComposeFile, ErrInvalid)
	}
	switch c.EventLogVersion {
	case 0, 1, 2:
	default:
		return nil, fmt.Errorf("parsing %s: %w: event_log_version %d (want 1 or 2)", AppComposeFile, ErrInvalid, c.EventLogVersion)
	}
	return c, nil
}

// CollateralURLs are where attestation collateral is fetched from.
type CollateralURLs struct {
	PCCS   string `json:"pccs,omitempty"`
	AMDKDS string `json:"amd_kds,omitempty"`
}

// SysConfig is upstream's .sys-config.json.
type SysConfig struct {
	KMSURLs                   []string        `json:"kms_urls"`
	GatewayURLs               []string        `json:"gateway_urls"`
	CollateralURLs            *CollateralURLs `json:"collateral_urls,omitempty"`
	PCCSURL                   string          `json:"pccs_url,omitempty"`
	NvidiaAttestationProxyURL string          `json:"nvidia_attestation_proxy_url,omitempty"`
	DockerRegistry            string          `json:"docker_registry,omitempty"`
	HostAPIURL                string          `json:"host_api_url,omitempty"`
	MrConfig                  string          `json:"mr_config,omitempty"`
	// VMConfig is a JSON document inside a string; it is kept verbatim,
	// since it travels with the evidence as is.
	VMConfig string `json:"vm_config"`
	// KMSThreshold, when set, makes the guest get its keys from a
	// threshold KMS instead of kms_urls (an addition of this
	// implementation; upstream writes no such field).
	KMSThreshold *ThresholdKMS `json:"kms_threshold,omitempty"`
	// Guest holds this implementation's per-instance guest settings, which
	// upstream's guest does not read (its serde ignores the field). They
	// are host input like the rest: the kernel command line, which TDX
	// measures into RTMR2, carries only the image's own parameters, so
	// that it is the command line the image's measurement names.
	Guest *GuestSettings `json:"dstack_go_guest,omitempty"`
}

// GuestSettings are the guest's per-instance settings from the host (the
// dstack-init flags of the same names). Only their syntax is checked here;
// the guest checks the KMS and the gateway it is pointed at on the chain
// named here, and refuses the insecure settings unless its measured command
// line marks a development image. The chain is the host's choice, as
// upstream's kms_urls are: what tells a relying party which KMS served the
// app is the KMS root key the guest measures into RTMR3 (key-provider).
type GuestSettings struct {
	// ChainRPC is the governance chain's JSON-RPC URL; ChainID its chain
	// id; KmsContract the DstackKms address. Required together.
	ChainRPC    string `json:"chain_rpc"`
	ChainID     uint64 `json:"chain_id"`
	KmsContract string `json:"kms_contract"`
	// DataDevice is the data disk's device. Empty means the guest's
	// default, /dev/vdb.
	DataDevice string `json:"data_device,omitempty"`
	// TunnelListen is where the gateway tunnel listens in the guest. Empty
	// means 0.0.0.0:0.
	TunnelListen string `json:"tunnel_listen,omitempty"`
	// InsecureSimulatedTEE runs the guest on a simulated TDX module
	// (development images only). Nil by default.
	InsecureSimulatedTEE *SimulatedTEE `json:"insecure_simulated_tee,omitempty"`
	// InsecureAgentTCP also serves the agent on this TCP address
	// (development images only). Empty by default.
	InsecureAgentTCP string `json:"insecure_agent_tcp,omitempty"`
	// InsecureDemoApp runs the built-in demo app on this address instead
	// of the compose app (development images only). Empty by default.
	InsecureDemoApp string `json:"insecure_demo_app,omitempty"`
}

// SimulatedTEE is the simulated TDX module a development guest runs on.
type SimulatedTEE struct {
	// Seed is the mock PKI's seed. Required.
	Seed string `json:"seed"`
	// Boot is what the host measured when it booted the image (MRTD and the
	// boot event log, tee/attest/mock's Boot in JSON), which the simulated
	// TD reports, as a TDX module would report the image it booted. Empty
	// means the simulated development image's measurement.
	Boot json.RawMessage `json:"boot,omitempty"`
}

// ThresholdKMS names a threshold KMS: its nodes, and optionally the key
// set the guest expects. The guest takes the key set it checks the nodes'
// answers against and measures (key-provider kms-threshold, whose id is
// the key set's ID) from the chain (DstackKms.thresholdKeySet and
// thresholdShares, with kmsInfo's root keys), never from the host: a
// key set given here must be the one on chain, or the guest refuses to
// boot.
type ThresholdKMS struct {
	// URLs are the nodes' RPC URLs, https://.
	URLs []string `json:"urls"`
	// KeySet, when set, is the threshold key set the guest expects on
	// chain (as a threshold KMS node writes it in threshold-public.json),
	// its root public keys (ca_pubkey, k256_pubkey) included. Empty means
	// whatever key set the chain names.
	KeySet *tkey.KeySet `json:"key_set,omitempty"`
}

// Keys checks the node URLs and returns the expected key set, checked;
// nil when none is given.
func (t *ThresholdKMS) Keys() (*tkey.KeySet, error) {
	if len(t.URLs) == 0 {
		return nil, fmt.Errorf("kms_threshold: %w: no node URLs", ErrInvalid)
	}
	for _, u := range t.URLs {
		if !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("kms_threshold: %w: node URL %q is not https (RA-TLS)", ErrInvalid, u)
		}
	}
	if t.KeySet == nil {
		return nil, nil
	}
	ks := *t.KeySet
	if len(ks.CAPubkey) == 0 {
		return nil, fmt.Errorf("kms_threshold: %w: the key set has no ca_pubkey (the root CA key published on chain)", ErrInvalid)
	}
	if err := ks.Validate(); err != nil {
		return nil, fmt.Errorf("kms_threshold: %w: %w", ErrInvalid, err)
	}
	return &ks, nil
}

// ParseSysConfig parses .sys-config.json. The old alias tproxy_urls is read
// when gateway_urls is absent, and vm_config must itself be a JSON object.
func ParseSysConfig(b []byte) (*SysConfig, error) {
	if len(b) > MaxSysConfig {
		return nil, fmt.Errorf("parsing %s: %w: %d bytes exceed the cap of %d", SysConfigFile, ErrInvalid, len(b), MaxSysConfig)
	}
	var raw struct {
		SysConfig
		TproxyURLs []string `json:"tproxy_urls"`
	}
	if err := strictJSON(b, &raw); err != nil {
		return nil, fmt.Errorf("parsing %s: %w: %v", SysConfigFile, ErrInvalid, err)
	}
	c := raw.SysConfig
	if c.GatewayURLs == nil {
		c.GatewayURLs = raw.TproxyURLs
	}
	for _, list := range [][]string{c.KMSURLs, c.GatewayURLs} {
		for _, u := range list {
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				return nil, fmt.Errorf("parsing %s: %w: URL %q is not http(s)", SysConfigFile, ErrInvalid, u)
			}
		}
	}
	if c.VMConfig == "" {
		return nil, fmt.Errorf("parsing %s: %w: vm_config is missing", SysConfigFile, ErrInvalid)
	}
	if c.KMSThreshold != nil {
		if _, err := c.KMSThreshold.Keys(); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", SysConfigFile, err)
		}
	}
	if g := c.Guest; g != nil {
		if g.ChainRPC == "" || g.ChainID == 0 || g.KmsContract == "" {
			return nil, fmt.Errorf("parsing %s: %w: dstack_go_guest needs chain_rpc, chain_id and kms_contract together", SysConfigFile, ErrInvalid)
		}
		if t := g.InsecureSimulatedTEE; t != nil && t.Seed == "" {
			return nil, fmt.Errorf("parsing %s: %w: dstack_go_guest.insecure_simulated_tee has no seed", SysConfigFile, ErrInvalid)
		}
	}
	if _, err := identity.ParseVMConfig(c.VMConfig); err != nil {
		return nil, fmt.Errorf("parsing %s: %w: %w", SysConfigFile, ErrInvalid, err)
	}
	return &c, nil
}

// strictJSON decodes one JSON value and refuses trailing data. Unknown
// fields are tolerated, as upstream's serde tolerates them.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// InstanceInfo is upstream's .instance_info. Each field may be empty.
type InstanceInfo struct {
	// AppID is the app id the deployment pins (20 bytes), or empty.
	AppID []byte
	// InstanceIDSeed is the seed of the instance id, kept across reboots.
	InstanceIDSeed []byte
	// InstanceID is the instance id the guest reported last time; the
	// guest recomputes it and never trusts this one.
	InstanceID []byte
}

// ParseInstanceInfo parses .instance_info: {"app_id", "instance_id_seed",
// "instance_id"}, hex strings, "0x" accepted.
func ParseInstanceInfo(b []byte) (*InstanceInfo, error) {
	if len(b) > MaxInstanceInfo {
		return nil, fmt.Errorf("parsing %s: %w: %d bytes exceed the cap of %d", InstanceInfoFile, ErrInvalid, len(b), MaxInstanceInfo)
	}
	var raw struct {
		AppID          identity.HexString `json:"app_id"`
		InstanceIDSeed identity.HexString `json:"instance_id_seed"`
		InstanceID     identity.HexString `json:"instance_id"`
	}
	if err := strictJSON(b, &raw); err != nil {
		return nil, fmt.Errorf("parsing %s: %w: %v", InstanceInfoFile, ErrInvalid, err)
	}
	for _, f := range []struct {
		name string
		v    []byte
	}{{"app_id", raw.AppID}, {"instance_id", raw.InstanceID}} {
		if len(f.v) != 0 && len(f.v) != 20 {
			return nil, fmt.Errorf("parsing %s: %w: %s of %d bytes, want 20", InstanceInfoFile, ErrInvalid, f.name, len(f.v))
		}
	}
	if len(raw.InstanceIDSeed) > 64 {
		return nil, fmt.Errorf("parsing %s: %w: instance_id_seed of %d bytes, at most 64", InstanceInfoFile, ErrInvalid, len(raw.InstanceIDSeed))
	}
	orNil := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		return b
	}
	return &InstanceInfo{AppID: orNil(raw.AppID), InstanceIDSeed: orNil(raw.InstanceIDSeed), InstanceID: orNil(raw.InstanceID)}, nil
}

// Marshal returns the .instance_info JSON the guest reports back to the
// host, so that the seed survives a reboot.
func (i *InstanceInfo) Marshal() []byte {
	b, _ := json.Marshal(map[string]string{
		"app_id":           hex.EncodeToString(i.AppID),
		"instance_id_seed": hex.EncodeToString(i.InstanceIDSeed),
		"instance_id":      hex.EncodeToString(i.InstanceID),
	})
	return b
}

// EncryptedEnv is .encrypted-env: eph_x25519_pub(32) ‖ iv(12) ‖ AES-256-GCM
// ciphertext with its 16-byte tag.
type EncryptedEnv struct {
	EphemeralPublic [32]byte
	IV              [12]byte
	Ciphertext      []byte
}

// encryptedEnvOverhead is the smallest valid file: key, IV and tag.
const encryptedEnvOverhead = 32 + 12 + 16

// ParseEncryptedEnv splits .encrypted-env (raw bytes, as the VMM writes
// it) into its parts.
func ParseEncryptedEnv(b []byte) (*EncryptedEnv, error) {
	if len(b) > MaxEncryptedEnv {
		return nil, fmt.Errorf("parsing %s: %w: %d bytes exceed the cap of %d", EncryptedEnvFile, ErrInvalid, len(b), MaxEncryptedEnv)
	}
	if len(b) < encryptedEnvOverhead {
		return nil, fmt.Errorf("parsing %s: %w: %d bytes, at least %d (key, IV and tag)", EncryptedEnvFile, ErrInvalid, len(b), encryptedEnvOverhead)
	}
	e := &EncryptedEnv{Ciphertext: bytes.Clone(b[44:])}
	copy(e.EphemeralPublic[:], b[:32])
	copy(e.IV[:], b[32:44])
	return e, nil
}

// Bytes returns the file form.
func (e *EncryptedEnv) Bytes() []byte {
	out := append(e.EphemeralPublic[:0:0], e.EphemeralPublic[:]...)
	out = append(out, e.IV[:]...)
	return append(out, e.Ciphertext...)
}

// LaunchToken returns dstack.launch_token from a .user-config JSON
// document, the token whose hash requirements.launch_token_hash pins.
func LaunchToken(userConfig []byte) (string, error) {
	var doc struct {
		Dstack struct {
			LaunchToken string `json:"launch_token"`
		} `json:"dstack"`
	}
	if err := strictJSON(userConfig, &doc); err != nil {
		return "", fmt.Errorf("parsing %s: %w: %v", UserConfigFile, ErrInvalid, err)
	}
	if doc.Dstack.LaunchToken == "" {
		return "", fmt.Errorf("parsing %s: %w: no dstack.launch_token", UserConfigFile, ErrInvalid)
	}
	return doc.Dstack.LaunchToken, nil
}
