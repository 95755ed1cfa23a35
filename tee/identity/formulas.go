package identity

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"
)

// AppID is the app id: the pinned id from the deployment when there is one
// (for KMS apps, the DstackApp contract address), else the first 20 bytes
// of the compose hash.
func AppID(pinned []byte, composeHash [32]byte) ([20]byte, error) {
	if len(pinned) == 0 {
		return [20]byte(composeHash[:20]), nil
	}
	if len(pinned) != 20 {
		return [20]byte{}, fmt.Errorf("%w: app id of %d bytes, want 20", ErrInvalid, len(pinned))
	}
	return [20]byte(pinned), nil
}

// InstanceID is SHA-256(seed ‖ app_id [‖ platform binding])[:20].
func InstanceID(seed []byte, appID [20]byte, platformBinding []byte) [20]byte {
	h := sha256.New()
	h.Write(seed)
	h.Write(appID[:])
	h.Write(platformBinding)
	return [20]byte(h.Sum(nil)[:20])
}

// KeyProviderInfo is the payload of the key-provider event:
// {"name":…,"id":…} in that order, compact.
type KeyProviderInfo struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Marshal returns the compact JSON.
func (k KeyProviderInfo) Marshal() []byte {
	b, _ := json.Marshal(k)
	return b
}

// KMSKeyProviderInfo is the key-provider info of a KMS whose root CA has
// the given SubjectPublicKeyInfo DER.
func KMSKeyProviderInfo(rootCASPKI []byte) KeyProviderInfo {
	return KeyProviderInfo{Name: string(KeyProviderKMS), ID: hex.EncodeToString(rootCASPKI)}
}

// MrKeyProvider is SHA-256(kpi), or zeros when kpi is empty.
func MrKeyProvider(kpi []byte) [32]byte {
	if len(kpi) == 0 {
		return [32]byte{}
	}
	return sha256.Sum256(kpi)
}

// TDXRegisters are the measurement registers of a TD quote.
type TDXRegisters struct {
	MRTD, RTMR0, RTMR1, RTMR2, RTMR3   [48]byte
	MrConfigID, MrOwner, MrOwnerConfig [48]byte
}

// MrSystemTDX is SHA-256(MRTD ‖ RTMR0 ‖ RTMR1 ‖ RTMR2 ‖ mr_key_provider).
func MrSystemTDX(r TDXRegisters, mrKeyProvider [32]byte) [32]byte {
	h := sha256.New()
	h.Write(r.MRTD[:])
	h.Write(r.RTMR0[:])
	h.Write(r.RTMR1[:])
	h.Write(r.RTMR2[:])
	h.Write(mrKeyProvider[:])
	return [32]byte(h.Sum(nil))
}

// MrAggregatedTDX is SHA-256(MRTD ‖ RTMR0 ‖ RTMR1 ‖ RTMR2 ‖ rtmr3 [‖
// MRCONFIGID ‖ MROWNER ‖ MROWNERCONFIG when any of the three is non-zero]).
// rtmr3 is the full replay, or the boot-time one for SignCert.
func MrAggregatedTDX(r TDXRegisters, rtmr3 [48]byte) [32]byte {
	h := sha256.New()
	h.Write(r.MRTD[:])
	h.Write(r.RTMR0[:])
	h.Write(r.RTMR1[:])
	h.Write(r.RTMR2[:])
	h.Write(rtmr3[:])
	var zero [48]byte
	if r.MrConfigID != zero || r.MrOwner != zero || r.MrOwnerConfig != zero {
		h.Write(r.MrConfigID[:])
		h.Write(r.MrOwner[:])
		h.Write(r.MrOwnerConfig[:])
	}
	return [32]byte(h.Sum(nil))
}

// MrSystemSNP is SHA-256(MEASUREMENT).
func MrSystemSNP(measurement [48]byte) [32]byte { return sha256.Sum256(measurement[:]) }

// MrAggregatedSNP is SHA-256(MEASUREMENT ‖ HOST_DATA).
func MrAggregatedSNP(measurement [48]byte, hostData [32]byte) [32]byte {
	return sha256.Sum256(append(bytes.Clone(measurement[:]), hostData[:]...))
}

// MrConfigV1 is 01 ‖ compose_hash ‖ 0^15.
func MrConfigV1(composeHash [32]byte) [48]byte {
	var out [48]byte
	out[0] = 1
	copy(out[1:], composeHash[:])
	return out
}

// MrConfigV2 is 02 ‖ Keccak256(compose_hash ‖ app_id ‖ kind ‖
// key_provider_id) ‖ 0^15.
func MrConfigV2(composeHash [32]byte, appID [20]byte, kind KeyProviderKind, keyProviderID []byte) ([48]byte, error) {
	kb, err := kind.kindByte()
	if err != nil {
		return [48]byte{}, err
	}
	var out [48]byte
	out[0] = 2
	copy(out[1:], crypto.Keccak256(composeHash[:], appID[:], []byte{kb}, keyProviderID))
	return out, nil
}

// mrConfigV3Tag is the domain tag of MrConfigV3 hashes.
const mrConfigV3Tag = "dstack-mr-config-v3:"

// MrConfigV3Hash is SHA-256("dstack-mr-config-v3:" ‖ 0x00 ‖ document): the
// SEV-SNP HOST_DATA, and bytes 1–32 of MR_CONFIG_ID V3.
func MrConfigV3Hash(doc []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(mrConfigV3Tag))
	h.Write([]byte{0})
	h.Write(doc)
	return [32]byte(h.Sum(nil))
}

// MrConfigIDV3 is 03 ‖ MrConfigV3Hash(doc) ‖ 0^15.
func MrConfigIDV3(doc []byte) [48]byte {
	var out [48]byte
	out[0] = 3
	h := MrConfigV3Hash(doc)
	copy(out[1:], h[:])
	return out
}

// MrConfigV3 is the host's launch-binding document (fields in hex).
type MrConfigV3 struct {
	Version          int        `json:"version"`
	AppID            HexString  `json:"app_id,omitempty"`
	ComposeHash      HexString  `json:"compose_hash"`
	GPUPolicyHash    HexString  `json:"gpu_policy_hash,omitempty"`
	KeyProvider      string     `json:"key_provider"`
	KeyProviderID    HexString  `json:"key_provider_id,omitempty"`
	InstanceID       HexString  `json:"instance_id,omitempty"`
	InitScriptHashes HexStrings `json:"init_script_hashes,omitempty"`
}

// HexStrings is a list of hex byte strings.
type HexStrings []HexString

// ParseMrConfigV3 parses a MrConfigV3 document; unknown fields are refused.
func ParseMrConfigV3(doc []byte) (*MrConfigV3, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var m MrConfigV3
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: mr_config document: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: mr_config document: trailing data", ErrInvalid)
	}
	if m.Version != 3 {
		return nil, fmt.Errorf("%w: mr_config document version %d, want 3", ErrInvalid, m.Version)
	}
	if len(m.ComposeHash) != 32 {
		return nil, fmt.Errorf("%w: mr_config compose_hash of %d bytes", ErrInvalid, len(m.ComposeHash))
	}
	if len(m.AppID) != 0 && len(m.AppID) != 20 {
		return nil, fmt.Errorf("%w: mr_config app_id of %d bytes", ErrInvalid, len(m.AppID))
	}
	if _, err := KeyProviderKind(m.KeyProvider).kindByte(); err != nil {
		return nil, err
	}
	for _, h := range m.InitScriptHashes {
		if len(h) != 32 {
			return nil, fmt.Errorf("%w: mr_config init script hash of %d bytes", ErrInvalid, len(h))
		}
	}
	return &m, nil
}

// KeyProviderInfo synthesises the key-provider event payload that the
// document implies, as verifiers of SEV-SNP evidence do.
func (m *MrConfigV3) KeyProviderInfo() []byte {
	return KeyProviderInfo{Name: m.KeyProvider, ID: hex.EncodeToString(m.KeyProviderID)}.Marshal()
}

// InitScriptHashList returns the init-script hashes as arrays.
func (m *MrConfigV3) InitScriptHashList() [][32]byte {
	var out [][32]byte
	for _, h := range m.InitScriptHashes {
		out = append(out, [32]byte(h))
	}
	return out
}

// ReportData is upstream's QuoteContentType binding:
// pad64(SHA-512(tag ‖ ":" ‖ content)).
func ReportData(tag string, content []byte) [64]byte {
	h := sha512.New()
	h.Write([]byte(tag))
	h.Write([]byte{':'})
	h.Write(content)
	return [64]byte(h.Sum(nil))
}

// KMSBootstrapReportData binds freshly generated KMS root keys:
// pad64(Keccak256("dstack-kms-genereted-keys-v1:" ‖ hex(p256 SPKI) ‖ ";" ‖
// hex(k256 compressed) ‖ ";")). "genereted" is part of the format.
func KMSBootstrapReportData(p256SPKI, k256Compressed []byte) [64]byte {
	msg := "dstack-kms-genereted-keys-v1:" + hex.EncodeToString(p256SPKI) + ";" + hex.EncodeToString(k256Compressed) + ";"
	var out [64]byte
	copy(out[:], crypto.Keccak256([]byte(msg)))
	return out
}

// OSImageHash is SHA-256 of an image's sha256sum.txt.
func OSImageHash(sha256sumTxt []byte) [32]byte { return sha256.Sum256(sha256sumTxt) }

// VMConfig is the host's vm_config JSON, upstream's VmConfig
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-types/src/lib.rs). Unknown fields are
// tolerated. Every field is a claim of the host until something binds it: package measure binds the fields
// that feed the TDX registers.
type VMConfig struct {
	// OSImageHash is SHA-256 of the image's sha256sum.txt.
	OSImageHash HexString `json:"os_image_hash"`
	// CPUCount is the number of vCPUs (default 0).
	CPUCount uint32 `json:"cpu_count"`
	// MemorySize is the guest RAM in bytes (default 0).
	MemorySize uint64 `json:"memory_size"`
	// QEMUSinglePassAddPages overrides the TDVF page-add order that the QEMU version implies; nil means
	// the version's default. Upstream's dstack-mr reads it as the two-pass choice (true selects two-pass
	// MRTD), and so does package measure, to compute the same registers.
	QEMUSinglePassAddPages *bool `json:"qemu_single_pass_add_pages,omitempty"`
	// PIC overrides whether QEMU provides a legacy PIC; nil means the version's default.
	PIC *bool `json:"pic,omitempty"`
	// QEMUVersion is "major.minor.patch"; empty means 9.1.0, as upstream.
	QEMUVersion string `json:"qemu_version,omitempty"`
	// PCIHole64Size is the 64-bit PCI hole in bytes; 0 (the default) means QEMU's own.
	PCIHole64Size uint64 `json:"pci_hole64_size"`
	// Hugepages tells whether guest RAM is backed by huge pages (default false).
	Hugepages bool `json:"hugepages"`
	// NumGPUs is the number of passed-through GPUs (default 0).
	NumGPUs uint32 `json:"num_gpus"`
	// NumNVSwitches is the number of passed-through NVSwitches (default 0).
	NumNVSwitches uint32 `json:"num_nvswitches"`
	// NumNICs is the number of virtio-net NICs; 1 when absent, as upstream.
	NumNICs uint32 `json:"num_nics"`
	// NumVerityVolumes is the number of virtio-blk verity volumes (default 0).
	NumVerityVolumes uint32 `json:"num_verity_volumes,omitempty"`
	// Swtpm tells whether QEMU attaches a software TPM (default false).
	Swtpm bool `json:"swtpm,omitempty"`
	// HotplugOff tells whether PCI hotplug is off (default false).
	HotplugOff bool `json:"hotplug_off"`
	// Image is the image's name, such as "dstack-0.6.0" (default empty).
	Image string `json:"image,omitempty"`
	// HostShareMode is how host files are shared ("9p" or a second disk; default empty).
	HostShareMode string `json:"host_share_mode"`
	// OVMFVariant is the firmware's RTMR0 event layout ("pre202505"); empty when the image predates it.
	OVMFVariant string `json:"ovmf_variant,omitempty"`
	// SpecVersion is the vm_config format version (default 0).
	SpecVersion uint32 `json:"spec_version,omitempty"`
	// TDXAttestationVariant is "lite" or "legacy"; empty means legacy, as upstream.
	TDXAttestationVariant string `json:"tdx_attestation_variant,omitempty"`
	// TDXMeasurement is the lite measurement document (package measure's TDXDocument), when the image ships one.
	TDXMeasurement json.RawMessage `json:"tdx_measurement,omitempty"`
}

// ParseVMConfig parses a vm_config string, with upstream's defaults for absent fields (num_nics 1).
func ParseVMConfig(s string) (*VMConfig, error) {
	c := VMConfig{NumNICs: 1}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("%w: vm_config: %v", ErrInvalid, err)
	}
	return &c, nil
}
