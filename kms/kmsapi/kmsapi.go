// Package kmsapi is the KMS's vocabulary as its clients see it: the RPC
// messages of the KMS, with upstream's field names, and the boot info that
// the KMS, the gateway and the guest ask the governance contracts about.
//
// It is its own package, beside the KMS server (package kms), so that the
// guest, which calls a KMS, and the gateway, which judges apps by the same
// boot info, link none of the server: its root keys, its authorizers, its
// bootstrap. It must never import the server, nor anything that holds or
// derives a key. It is not in tee/ because its types travel in the KMS's
// pRPC encoding (internal/prpc: bytes as hex) and name the contracts' tuple
// (contracts/chain), which tee/ must not import.
package kmsapi

import (
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/identity"
)

// The KMS RPC messages, with the field names of upstream's kms_rpc.proto
// (https://github.com/Dstack-TEE/dstack/blob/master/kms/rpc/proto/kms_rpc.proto).
// Bytes fields travel as hex in JSON.

// GetAppKeyRequest asks for the caller's app keys; the caller is identified
// by its RA-TLS client certificate.
type GetAppKeyRequest struct {
	APIVersion uint32 `json:"api_version"`
	VMConfig   string `json:"vm_config"`
}

// AppKeyResponse carries an app's keys.
type AppKeyResponse struct {
	CACert        string     `json:"ca_cert"`
	DiskCryptKey  prpc.Bytes `json:"disk_crypt_key"`
	EnvCryptKey   prpc.Bytes `json:"env_crypt_key"`
	K256Key       prpc.Bytes `json:"k256_key"`
	K256Signature prpc.Bytes `json:"k256_signature"`
	TproxyAppID   string     `json:"tproxy_app_id"`
	GatewayAppID  string     `json:"gateway_app_id"`
	OSImageHash   prpc.Bytes `json:"os_image_hash"`
}

// GetAppKeySharesRequest asks one node of a threshold KMS for its partial
// keys of the caller's app keys; like GetAppKey, the caller is identified
// by its RA-TLS client certificate, and the node derives the keys' contexts
// from that attestation, never from the request. Not in upstream's proto:
// upstream has no threshold KMS.
type GetAppKeySharesRequest struct {
	APIVersion uint32 `json:"api_version"`
	VMConfig   string `json:"vm_config"`
	// Epoch is the root epoch whose shares answer (a node answers for every
	// epoch it holds, during a root rotation's handover).
	Epoch uint32 `json:"epoch"`
	// EnvEphemeral, when set, is the ephemeral X25519 public key (32
	// bytes) of the caller's encrypted env: the node then also answers its
	// env partial (EnvPartial) for the app the caller's attestation proves.
	// A key outside the prime-order subgroup is refused. Empty asks for no
	// env partial.
	EnvEphemeral prpc.Bytes `json:"env_ephemeral,omitempty"`
}

// AppKeySharesResponse is one node's answer: its partial keys of the
// app's keys (disk, env, k256, app CA seed, in that order) with their
// proof, in the encoding of tee/tkey (Answer), which the client checks
// against the node's public share before combining any threshold of them.
type AppKeySharesResponse struct {
	Answer       prpc.Bytes `json:"answer"`
	GatewayAppID string     `json:"gateway_app_id"`
	OSImageHash  prpc.Bytes `json:"os_image_hash"`
	// EnvPartial is the node's env partial for the request's EnvEphemeral
	// (tee/tecdh's Partial wire form, tecdh.PartialSize bytes), which the
	// caller checks against the node's env public share before combining
	// a threshold of them into the env's X25519 secret; empty when no
	// ephemeral key was sent.
	EnvPartial prpc.Bytes `json:"env_partial,omitempty"`
}

// SignAppCACertRequest asks a node of a threshold KMS to have its committee
// issue the caller's app CA certificate for the app CA key the caller
// derived from its combined keys (no node knows it). Attestation is the
// caller's evidence binding that key (its report_data is
// ratls.ReportData(PublicKey)); the node and each co-signer verify it and
// authorize the app on their own. Not in upstream's proto.
type SignAppCACertRequest struct {
	APIVersion  uint32     `json:"api_version"`
	PublicKey   prpc.Bytes `json:"public_key"`
	Attestation prpc.Bytes `json:"attestation"`
}

// SignAppCACertResponse is the app CA certificate and the root CA
// certificate it chains to, PEM.
type SignAppCACertResponse struct {
	AppCACert  string `json:"app_ca_cert"`
	RootCACert string `json:"root_ca_cert"`
}

// SignKmsIssuedRequest asks a node of a threshold KMS to have its committee
// sign, with the k256 root, that PublicKey (the compressed secp256k1 key the
// caller derived from its combined keys; no node knows it) is its app's key:
// the "dstack-kms-issued" signature that GetKey's signature_chain ends with.
// Attestation is the caller's evidence binding that key (its report_data
// is KmsIssuedReportData(PublicKey)); the node and each co-signer verify it
// and authorize the app on their own. Not in upstream's proto.
type SignKmsIssuedRequest struct {
	APIVersion  uint32     `json:"api_version"`
	PublicKey   prpc.Bytes `json:"public_key"`
	Attestation prpc.Bytes `json:"attestation"`
}

// SignKmsIssuedResponse is the 65-byte recoverable k256 signature of
// "dstack-kms-issued:" ‖ app id ‖ the compressed key.
type SignKmsIssuedResponse struct {
	Signature prpc.Bytes `json:"signature"`
}

// KmsIssuedReportDataTag is the report_data tag of evidence binding an app's
// secp256k1 key for SignKmsIssued.
const KmsIssuedReportDataTag = "dstack-kms-issued-key"

// KmsIssuedReportData is the report_data binding the compressed secp256k1
// app key compressed: SHA-512 of the tag, ":" and the key.
func KmsIssuedReportData(compressed []byte) [64]byte {
	return identity.ReportData(KmsIssuedReportDataTag, compressed)
}

// BootInfo is what an authorizer judges: upstream's boot info, as a KMS
// posts it to its authorization webhook (see chain.PolicyBootInfo).
type BootInfo = chain.PolicyBootInfo

// BootInfoOf builds the boot info of verified evidence. With bootTimeMR the
// boot-time AppInfo is used (SignCert), else the full one.
func BootInfoOf(v *attest.Verified, bootTimeMR bool) BootInfo {
	info := v.AppInfo(bootTimeMR)
	adv := v.AdvisoryIDs
	if adv == nil {
		adv = []string{}
	}
	return BootInfo{
		TeeVariant: v.Platform.String(), MrAggregated: info.MrAggregated[:], OSImageHash: info.OSImageHash,
		MrSystem: info.MrSystem[:], AppID: info.AppID, ComposeHash: info.ComposeHash, InstanceID: info.InstanceID,
		DeviceID: info.DeviceID, KeyProviderInfo: info.KeyProviderInfo, TCBStatus: v.TCBStatus, AdvisoryIDs: adv,
	}
}

// AppID names an app.
type AppID struct {
	AppID prpc.Bytes `json:"app_id"`
}

// PublicKeyResponse is an app's env-encryption public key, signed by the
// KMS root k256 key without (Signature) and with (SignatureV1) a timestamp.
type PublicKeyResponse struct {
	PublicKey   prpc.Bytes `json:"public_key"`
	Signature   prpc.Bytes `json:"signature"`
	Timestamp   uint64     `json:"timestamp"`
	SignatureV1 prpc.Bytes `json:"signature_v1"`
}

// Empty is google.protobuf.Empty.
type Empty struct{}

// BootstrapInfo is what a bootstrap published: the root public keys and the
// attestation that binds them to the KMS's TEE.
type BootstrapInfo struct {
	CAPubkey    prpc.Bytes `json:"ca_pubkey"`
	K256Pubkey  prpc.Bytes `json:"k256_pubkey"`
	Attestation prpc.Bytes `json:"attestation"`
}

// GetMetaResponse describes the KMS.
type GetMetaResponse struct {
	CACert                string         `json:"ca_cert"`
	AllowAnyUpgrade       bool           `json:"allow_any_upgrade"`
	K256Pubkey            prpc.Bytes     `json:"k256_pubkey"`
	BootstrapInfo         *BootstrapInfo `json:"bootstrap_info,omitempty"`
	IsDev                 bool           `json:"is_dev"`
	GatewayAppID          *string        `json:"gateway_app_id,omitempty"`
	KmsContractAddress    *string        `json:"kms_contract_address,omitempty"`
	ChainID               *uint64        `json:"chain_id,omitempty"`
	AppAuthImplementation *string        `json:"app_auth_implementation,omitempty"`
}

// GetTempCaCertResponse hands out the temp CA, key included (see RootKeys).
type GetTempCaCertResponse struct {
	TempCACert string `json:"temp_ca_cert"`
	TempCAKey  string `json:"temp_ca_key"`
	CACert     string `json:"ca_cert"`
}

// SignCertRequest carries a SCALE CSR and its DER signature.
type SignCertRequest struct {
	APIVersion uint32     `json:"api_version"`
	CSR        prpc.Bytes `json:"csr"`
	Signature  prpc.Bytes `json:"signature"`
	VMConfig   string     `json:"vm_config"`
}

// SignCertResponse is the chain [leaf, app CA, root CA] in PEM.
type SignCertResponse struct {
	CertificateChain []string `json:"certificate_chain"`
}

// GetKmsKeyRequest asks for the root keys (replication).
type GetKmsKeyRequest struct {
	VMConfig string `json:"vm_config"`
}

// KmsKeys is one set of root keys.
type KmsKeys struct {
	CAKey   string     `json:"ca_key"`
	K256Key prpc.Bytes `json:"k256_key"`
}

// KmsKeyResponse hands the root keys to an attested, allowed KMS.
type KmsKeyResponse struct {
	TempCAKey string    `json:"temp_ca_key"`
	Keys      []KmsKeys `json:"keys"`
}

// BootstrapRequest starts a new KMS.
type BootstrapRequest struct {
	Domain string `json:"domain"`
}

// OnboardRequest replicates keys from an existing KMS.
type OnboardRequest struct {
	SourceURL string `json:"source_url"`
	Domain    string `json:"domain"`
}

// OnboardResponse reports the replicated root k256 public key.
type OnboardResponse struct {
	K256Pubkey prpc.Bytes `json:"k256_pubkey"`
}

// AttestationInfo is what an operator allows on chain before bootstrap.
type AttestationInfo struct {
	DeviceID           prpc.Bytes `json:"device_id"`
	MrAggregated       prpc.Bytes `json:"mr_aggregated"`
	OSImageHash        prpc.Bytes `json:"os_image_hash"`
	TeeVariant         string     `json:"tee_variant"`
	SiteName           string     `json:"site_name"`
	EthRPCURL          string     `json:"eth_rpc_url"`
	KmsContractAddress string     `json:"kms_contract_address"`
	PPID               prpc.Bytes `json:"ppid"`
}
