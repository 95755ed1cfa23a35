package agent

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"

	"github.com/dstack-go/dstack/internal/prpc"
)

// GPUAttestationPath is where the boot's GPU attestation is kept.
const GPUAttestationPath = "/run/nvidia-gpu-attestation/attestation.out"

// GpuInfoResponse is the boot's GPU attestation, verbatim.
type GpuInfoResponse struct {
	Attestation string `json:"attestation"`
}

// GpuInfo returns the exact bytes of the GPU attestation made at boot,
// which the gpu-attestation runtime event commits to, or an empty
// attestation when the CVM attested no GPU.
func (a *Agent) GpuInfo(context.Context, *Empty) (*GpuInfoResponse, error) {
	b, err := os.ReadFile(a.gpuPath())
	if errors.Is(err, os.ErrNotExist) {
		// No GPU attested at boot: an empty attestation, as upstream.
		return &GpuInfoResponse{}, nil
	}
	if err != nil {
		return nil, prpc.Public("reading the GPU attestation failed", err)
	}
	return &GpuInfoResponse{Attestation: string(b)}, nil
}

func (a *Agent) gpuPath() string {
	if a.GPUAttestation != "" {
		return a.GPUAttestation
	}
	return GPUAttestationPath
}

// GetAttestationForAppKeyRequest names the algorithm of the "vms" signing
// key to attest.
type GetAttestationForAppKeyRequest struct {
	Algorithm string `json:"algorithm"`
}

// WorkerHandler serves upstream's external Worker API (/prpc/Worker.*):
// Info (tcb_info and vm_config hidden unless app-compose public_tcbinfo,
// which defaults to true), Version and GetAttestationForAppKey. It exposes
// no key: it is what the guest may serve to the outside.
func (a *Agent) WorkerHandler() http.Handler {
	return &prpc.Server{Base: "/prpc/", ServicePrefix: "Worker.", Logger: a.log, Methods: map[string]prpc.Method{
		"Info":                    prpc.Handle(a.externalInfo),
		"Version":                 prpc.Handle(a.Version),
		"GetAttestationForAppKey": prpc.Handle(a.GetAttestationForAppKey),
	}}
}

func (a *Agent) externalInfo(ctx context.Context, req *Empty) (*AppInfo, error) {
	info, err := a.Info(ctx, req)
	if err != nil {
		return nil, err
	}
	if p := a.cvm.Compose.PublicTcbinfo; p != nil && !*p {
		info.TcbInfo, info.VMConfig = "", ""
	}
	return info, nil
}

// GetAttestationForAppKey quotes the "vms" signing key (GetKey path "vms",
// purpose "signing"): report_data is "dip1::ed25519-pk:" or
// "dip1::secp256k1c-pk:" and the unpadded base64url public key (compressed
// for secp256k1), zero-padded to 64 bytes.
func (a *Agent) GetAttestationForAppKey(ctx context.Context, req *GetAttestationForAppKeyRequest) (*GetQuoteResponse, error) {
	var tag, keyAlg string
	switch normalize(req.Algorithm) {
	case "ed25519":
		tag, keyAlg = "dip1::ed25519-pk:", "ed25519"
	case "secp256k1", "secp256k1_prehashed":
		tag, keyAlg = "dip1::secp256k1c-pk:", "secp256k1"
	default:
		return nil, badAlgorithm(req.Algorithm)
	}
	_, pub, err := a.derive("vms", keyAlg)
	if err != nil {
		return nil, err
	}
	return a.GetQuote(ctx, &RawQuoteArgs{ReportData: []byte(tag + base64.RawURLEncoding.EncodeToString(pub))})
}
