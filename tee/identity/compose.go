// Package identity computes the identity of a dstack app and its instances
// exactly as upstream does: the app-compose document and its hash, app_id,
// instance_id, the MR_CONFIG_ID layouts, mr_system and mr_aggregated, the
// key-provider info and the report_data conventions.
//
// These values are what the chain allows and what keys are derived for, so
// each formula is pinned by tests. The package computes; it never decides
// whether a value is allowed.
package identity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gowebpki/jcs"
)

// MaxAppComposeSize is upstream's cap on app-compose.json (50 MiB, the size
// the guest copies from the host-shared directory).
const MaxAppComposeSize = 50 << 20

// ErrInvalid wraps every parse failure of this package.
var ErrInvalid = errors.New("invalid app identity input")

// KeyProviderKind is where an app's keys come from.
type KeyProviderKind string

// The key providers, and their MrConfigV2 kind bytes.
const (
	KeyProviderNone  KeyProviderKind = "none"
	KeyProviderLocal KeyProviderKind = "local"
	KeyProviderKMS   KeyProviderKind = "kms"
	KeyProviderTPM   KeyProviderKind = "tpm"
)

func (k KeyProviderKind) kindByte() (byte, error) {
	switch k {
	case KeyProviderNone:
		return 0, nil
	case KeyProviderLocal:
		return 1, nil
	case KeyProviderKMS:
		return 2, nil
	case KeyProviderTPM:
		return 3, nil
	}
	return 0, fmt.Errorf("%w: key provider %q", ErrInvalid, k)
}

// AppCompose is upstream's app-compose.json. Unknown top-level fields are
// tolerated, as upstream's serde tolerates them; requirements is strict.
type AppCompose struct {
	ManifestVersion   ManifestVersion  `json:"manifest_version"`
	Name              string           `json:"name"`
	Runner            string           `json:"runner"`
	Snapshotter       string           `json:"snapshotter,omitempty"`
	DockerComposeFile string           `json:"docker_compose_file,omitempty"`
	BashScript        string           `json:"bash_script,omitempty"`
	PreLaunchScript   string           `json:"pre_launch_script,omitempty"`
	InitScript        InitScript       `json:"init_script,omitempty"`
	Features          []string         `json:"features,omitempty"`
	PublicLogs        bool             `json:"public_logs"`
	PublicSysinfo     bool             `json:"public_sysinfo"`
	PublicTcbinfo     *bool            `json:"public_tcbinfo,omitempty"`
	KMSEnabled        bool             `json:"kms_enabled"`
	GatewayEnabled    *bool            `json:"gateway_enabled,omitempty"`
	TproxyEnabled     *bool            `json:"tproxy_enabled,omitempty"`
	LocalKeyProvider  bool             `json:"local_key_provider_enabled"`
	KeyProvider       *KeyProviderKind `json:"key_provider,omitempty"`
	KeyProviderID     HexString        `json:"key_provider_id,omitempty"`
	AllowedEnvs       []string         `json:"allowed_envs,omitempty"`
	NoInstanceID      bool             `json:"no_instance_id"`
	SecureTime        *bool            `json:"secure_time,omitempty"`
	StorageFS         string           `json:"storage_fs,omitempty"`
	SwapSize          json.RawMessage  `json:"swap_size,omitempty"`
	EventLogVersion   uint8            `json:"event_log_version,omitempty"`
	PortPolicy        *PortPolicy      `json:"port_policy,omitempty"`
	Requirements      *Requirements    `json:"requirements,omitempty"`
	VerityVolumes     []VerityVolume   `json:"verity_volumes,omitempty"`
	// AllowUnpinnedImages lets the guest run images referenced by tag
	// without a digest. It is off by default: the compose hash must pin what
	// runs. (An extension of this implementation; upstream ignores it.)
	AllowUnpinnedImages bool `json:"allow_unpinned_images,omitempty"`

	raw []byte
}

// ManifestVersion accepts upstream's legacy integers and canonical integer
// strings.
type ManifestVersion int

// UnmarshalJSON implements json.Unmarshaler.
func (m *ManifestVersion) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*m = ManifestVersion(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("manifest_version: want an integer or an integer string")
	}
	n, err := strconv.Atoi(s)
	if err != nil || strconv.Itoa(n) != s {
		return fmt.Errorf("manifest_version %q is not a canonical integer", s)
	}
	*m = ManifestVersion(n)
	return nil
}

// InitScript is a string or up to five strings.
type InitScript []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *InitScript) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = InitScript{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("init_script: want a string or an array of strings")
	}
	if len(many) > 5 {
		return fmt.Errorf("init_script: %d scripts, at most 5", len(many))
	}
	*s = many
	return nil
}

// HexString is a hex-encoded byte string ("0x" accepted).
type HexString []byte

// UnmarshalJSON implements json.Unmarshaler.
func (h *HexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(trim0x(s))
	if err != nil {
		return fmt.Errorf("hex value: %w", err)
	}
	*h = v
	return nil
}

// MarshalJSON implements json.Marshaler.
func (h HexString) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

func trim0x(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// PortPolicy is read by the gateway.
type PortPolicy struct {
	Ports        []PortRule `json:"ports"`
	RestrictMode bool       `json:"restrict_mode,omitempty"`
}

// PortRule configures one app port.
type PortRule struct {
	Port uint16 `json:"port"`
	PP   bool   `json:"pp,omitempty"`
}

// Requirements are the app's demands on the platform.
type Requirements struct {
	OSVersion            string     `json:"os_version,omitempty"`
	Platforms            []string   `json:"platforms,omitempty"`
	TDXMeasureACPITables *bool      `json:"tdx_measure_acpi_tables,omitempty"`
	LaunchTokenHash      HexString  `json:"launch_token_hash,omitempty"`
	GPUPolicy            *GPUPolicy `json:"gpu_policy,omitempty"`
}

// GPUPolicy is the app's GPU attestation policy.
type GPUPolicy struct {
	AttestGPU         *bool  `json:"attest_gpu,omitempty"`
	Rego              string `json:"rego,omitempty"`
	AllowDevtools     bool   `json:"allow_devtools,omitempty"`
	AllowDebug        bool   `json:"allow_debug,omitempty"`
	AllowInsecureBoot bool   `json:"allow_insecure_boot,omitempty"`
}

// VerityVolume is a dm-verity protected volume.
type VerityVolume struct {
	Source     string    `json:"source"`
	VerityRoot HexString `json:"verity_root"`
	Target     string    `json:"target"`
}

// ParseAppCompose parses app-compose.json, keeping the exact bytes.
func ParseAppCompose(raw []byte) (*AppCompose, error) {
	if len(raw) > MaxAppComposeSize {
		return nil, fmt.Errorf("%w: app-compose.json of %d bytes exceeds %d", ErrInvalid, len(raw), MaxAppComposeSize)
	}
	var c AppCompose
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: app-compose.json: %v", ErrInvalid, err)
	}
	var probe struct {
		Requirements json.RawMessage `json:"requirements"`
	}
	_ = json.Unmarshal(raw, &probe)
	if len(probe.Requirements) > 0 && string(probe.Requirements) != "null" {
		dec := json.NewDecoder(bytes.NewReader(probe.Requirements))
		dec.DisallowUnknownFields()
		var r Requirements
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%w: app-compose.json requirements: %v", ErrInvalid, err)
		}
	}
	switch c.Runner {
	case "docker-compose", "nerdctl-compose", "bash":
	default:
		return nil, fmt.Errorf("%w: app-compose.json runner %q (want docker-compose, nerdctl-compose or bash)", ErrInvalid, c.Runner)
	}
	if c.KeyProvider != nil {
		if _, err := c.KeyProvider.kindByte(); err != nil {
			return nil, err
		}
	}
	c.raw = append([]byte{}, raw...)
	return &c, nil
}

// Raw returns the exact bytes the app-compose was parsed from.
func (c *AppCompose) Raw() []byte { return c.raw }

// ComposeHash is SHA-256 of the exact app-compose.json bytes: no
// canonicalisation, as upstream. Written with CanonicalJSON, an
// app-compose hashes to what the SDKs' getComposeHash returns for it.
func ComposeHash(raw []byte) [32]byte { return sha256.Sum256(raw) }

// KeyProviderKind resolves the key provider: key_provider when set, else
// the booleans (kms, then local), else none.
func (c *AppCompose) KeyProviderKind() KeyProviderKind {
	switch {
	case c.KeyProvider != nil:
		return *c.KeyProvider
	case c.KMSEnabled:
		return KeyProviderKMS
	case c.LocalKeyProvider:
		return KeyProviderLocal
	}
	return KeyProviderNone
}

// GatewayOn reports whether the app wants the gateway (gateway_enabled, its
// alias tproxy_enabled, or the deprecated "tproxy-net" feature).
func (c *AppCompose) GatewayOn() bool {
	if c.GatewayEnabled != nil {
		return *c.GatewayEnabled
	}
	if c.TproxyEnabled != nil {
		return *c.TproxyEnabled
	}
	for _, f := range c.Features {
		if f == "tproxy-net" {
			return true
		}
	}
	return false
}

// InitScriptHashes are the SHA-256 of each init script.
func (c *AppCompose) InitScriptHashes() [][32]byte {
	var out [][32]byte
	for _, s := range c.InitScript {
		out = append(out, sha256.Sum256([]byte(s)))
	}
	return out
}

// GPUPolicyHash is SHA-256 of the JCS form of requirements.gpu_policy, or of
// "{}" when there is none.
func (c *AppCompose) GPUPolicyHash() ([32]byte, error) {
	doc := []byte("{}")
	if c.Requirements != nil && c.Requirements.GPUPolicy != nil {
		var probe struct {
			Requirements struct {
				GPUPolicy json.RawMessage `json:"gpu_policy"`
			} `json:"requirements"`
		}
		if err := json.Unmarshal(c.raw, &probe); err != nil {
			return [32]byte{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		canon, err := jcs.Transform(probe.Requirements.GPUPolicy)
		if err != nil {
			return [32]byte{}, fmt.Errorf("%w: gpu_policy: %v", ErrInvalid, err)
		}
		doc = canon
	}
	return sha256.Sum256(doc), nil
}
