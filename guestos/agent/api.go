package agent

import (
	"github.com/dstack-go/dstack/internal/prpc"
	"github.com/dstack-go/dstack/tee/attest"
)

// The DstackGuest messages, with upstream's field names (agent_rpc.proto).
// Bytes fields are hex in JSON.

// GetTlsKeyArgs asks for a KMS-signed certificate on a fresh key.
type GetTlsKeyArgs struct {
	Subject         string   `json:"subject"`
	AltNames        []string `json:"alt_names"`
	UsageRaTls      bool     `json:"usage_ra_tls"`
	UsageServerAuth bool     `json:"usage_server_auth"`
	UsageClientAuth bool     `json:"usage_client_auth"`
	NotBefore       *uint64  `json:"not_before,omitempty"`
	NotAfter        *uint64  `json:"not_after,omitempty"`
	WithAppInfo     bool     `json:"with_app_info"`
}

// GetTlsKeyResponse is the key (PKCS#8 PEM) and its chain [leaf, app CA,
// root CA].
type GetTlsKeyResponse struct {
	Key              string   `json:"key"`
	CertificateChain []string `json:"certificate_chain"`
}

// GetKeyArgs asks for a key derived from the app key.
type GetKeyArgs struct {
	Path      string `json:"path"`
	Purpose   string `json:"purpose"`
	Algorithm string `json:"algorithm"`
}

// GetKeyResponse is the key and [app signature, KMS signature].
type GetKeyResponse struct {
	Key            prpc.Bytes   `json:"key"`
	SignatureChain []prpc.Bytes `json:"signature_chain"`
}

// RawQuoteArgs carries raw report_data, at most 64 bytes, zero-padded.
type RawQuoteArgs struct {
	ReportData prpc.Bytes `json:"report_data"`
}

// GetQuoteResponse is a quote and its stripped event log.
type GetQuoteResponse = attest.QuoteResponse

// AttestResponse is a VersionedAttestation.
type AttestResponse struct {
	Attestation prpc.Bytes `json:"attestation"`
}

// AppInfo describes the CVM.
type AppInfo struct {
	AppID           prpc.Bytes `json:"app_id"`
	InstanceID      prpc.Bytes `json:"instance_id"`
	AppCert         string     `json:"app_cert"`
	TcbInfo         string     `json:"tcb_info"`
	AppName         string     `json:"app_name"`
	DeviceID        prpc.Bytes `json:"device_id"`
	MrAggregated    prpc.Bytes `json:"mr_aggregated"`
	OSImageHash     prpc.Bytes `json:"os_image_hash"`
	KeyProviderInfo string     `json:"key_provider_info"`
	ComposeHash     prpc.Bytes `json:"compose_hash"`
	VMConfig        string     `json:"vm_config"`
	CloudVendor     string     `json:"cloud_vendor"`
	CloudProduct    string     `json:"cloud_product"`
}

// SignRequest asks for a signature with the "vms" signing key.
type SignRequest struct {
	Algorithm string     `json:"algorithm"`
	Data      prpc.Bytes `json:"data"`
}

// SignResponse is the signature, [signature, app signature, KMS
// signature] and the signing public key.
type SignResponse struct {
	Signature      prpc.Bytes   `json:"signature"`
	SignatureChain []prpc.Bytes `json:"signature_chain"`
	PublicKey      prpc.Bytes   `json:"public_key"`
}

// VerifyRequest asks whether signature is valid.
type VerifyRequest struct {
	Algorithm string     `json:"algorithm"`
	Data      prpc.Bytes `json:"data"`
	Signature prpc.Bytes `json:"signature"`
	PublicKey prpc.Bytes `json:"public_key"`
}

// VerifyResponse is the answer.
type VerifyResponse struct {
	Valid bool `json:"valid"`
}

// WorkerVersion is the agent's version.
type WorkerVersion struct {
	Version string `json:"version"`
	Rev     string `json:"rev"`
}

// Empty is google.protobuf.Empty.
type Empty struct{}
