package chain

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dstack-go/dstack/internal/prpc"
)

// PolicyBootInfo is upstream's boot info JSON, as KMSs post it to their
// authorization webhook: camelCase, hex without 0x.
type PolicyBootInfo struct {
	TeeVariant      string     `json:"teeVariant"`
	MrAggregated    prpc.Bytes `json:"mrAggregated"`
	OSImageHash     prpc.Bytes `json:"osImageHash"`
	MrSystem        prpc.Bytes `json:"mrSystem"`
	AppID           prpc.Bytes `json:"appId"`
	ComposeHash     prpc.Bytes `json:"composeHash"`
	InstanceID      prpc.Bytes `json:"instanceId"`
	DeviceID        prpc.Bytes `json:"deviceId"`
	KeyProviderInfo prpc.Bytes `json:"keyProviderInfo"`
	TCBStatus       string     `json:"tcbStatus"`
	AdvisoryIDs     []string   `json:"advisoryIds"`
}

// Solidity converts to the contracts' tuple, left-padding ids to 20 or 32
// bytes as upstream's webhook does.
func (b PolicyBootInfo) Solidity() BootInfo {
	adv := b.AdvisoryIDs
	if adv == nil {
		adv = []string{}
	}
	return BootInfo{
		AppId: common.BytesToAddress(b.AppID), ComposeHash: common.BytesToHash(b.ComposeHash),
		InstanceId: common.BytesToAddress(b.InstanceID), DeviceId: common.BytesToHash(b.DeviceID),
		MrAggregated: common.BytesToHash(b.MrAggregated), MrSystem: common.BytesToHash(b.MrSystem),
		OsImageHash: common.BytesToHash(b.OSImageHash), TcbStatus: b.TCBStatus, AdvisoryIds: adv,
	}
}

// webhookAnswer is upstream's webhook response.
type webhookAnswer struct {
	IsAllowed    bool   `json:"isAllowed"`
	GatewayAppID string `json:"gatewayAppId"`
	Reason       string `json:"reason"`
}

// Webhook serves upstream's authorization webhook from the reader, so that
// an upstream KMS can use these contracts through this process:
// POST /bootAuth/app, POST /bootAuth/kms, GET /. As upstream's does, a
// failure to read the chain answers 200 with isAllowed false and the reason.
func (r *Reader) Webhook() http.Handler {
	mux := http.NewServeMux()
	decide := func(ask func(context.Context, PolicyBootInfo) (Answer, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			var b PolicyBootInfo
			body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
			if err == nil {
				err = json.Unmarshal(body, &b)
			}
			if err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid boot info: " + err.Error()})
				return
			}
			ans, err := ask(req.Context(), b)
			out := webhookAnswer{IsAllowed: ans.Allowed, Reason: ans.Reason, GatewayAppID: ans.GatewayAppID}
			if err != nil {
				out = webhookAnswer{Reason: err.Error()}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(out)
		}
	}
	mux.HandleFunc("POST /bootAuth/app", decide(func(ctx context.Context, b PolicyBootInfo) (Answer, error) {
		return r.IsAppAllowed(ctx, b.Solidity())
	}))
	mux.HandleFunc("POST /bootAuth/kms", decide(func(ctx context.Context, b PolicyBootInfo) (Answer, error) {
		return r.IsKmsAllowed(ctx, b.Solidity())
	}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, req *http.Request) {
		gw, _, gerr := r.GatewayAppID(req.Context())
		impl, _, ierr := r.AppImplementation(req.Context())
		w.Header().Set("Content-Type", "application/json")
		if gerr != nil || ierr != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "error"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"status": "ok", "kmsContractAddr": r.cfg.KmsContract.Hex(), "gatewayAppId": gw,
			"chainId": r.cfg.ChainID.Uint64(), "appImplementation": impl.Hex(), "appAuthImplementation": impl.Hex(),
		})
	})
	return mux
}
