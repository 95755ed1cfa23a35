package tunnel

import (
	"context"
	"fmt"
)

// GetPeersMethod is upstream's GetPeers RPC: POST <gateway>/prpc/GetPeers?json
// with an empty body, answered with every live node of the gateway's
// cluster (GetPeersResponse in
// https://github.com/Dstack-TEE/dstack/blob/master/dstack/gateway/rpc/proto/gateway_rpc.proto).
const GetPeersMethod = "GetPeers"

// PeerInfo is one gateway node (upstream's PeerInfo).
type PeerInfo struct {
	// ID is the node's id in its cluster.
	ID uint32 `json:"id"`
	// URL is the node's registration endpoint, "https://host:port".
	URL string `json:"url"`
}

// GetPeersResponse is upstream's GetPeersResponse.
type GetPeersResponse struct {
	// MyID and MyURL are the answering node's.
	MyID  uint32 `json:"my_id"`
	MyURL string `json:"my_url"`
	// Peers are the live nodes, the answering one included.
	Peers []PeerInfo `json:"peers"`
}

// GatewayNodeInfo is one node of the gateway's cluster as RegisterCvm's
// answer lists it (upstream's GatewayNodeInfo, without the WireGuard
// fields, which this gateway does not use).
type GatewayNodeInfo struct {
	// ID is the node's id in its cluster.
	ID uint32 `json:"id"`
	// URL is the node's registration endpoint.
	URL string `json:"url"`
	// LastSeen is when the node last announced itself (Unix seconds).
	LastSeen uint64 `json:"last_seen,omitempty"`
}

// GetPeers asks the gateway for the live nodes of its cluster, over the
// same mutual RA-TLS channel as Register.
func (r *Registration) GetPeers(ctx context.Context) (*GetPeersResponse, error) {
	var resp GetPeersResponse
	if err := r.call(ctx, GetPeersMethod, &struct{}{}, &resp); err != nil {
		return nil, fmt.Errorf("asking the gateway at %s for its peers: %w", r.GatewayURL, err)
	}
	return &resp, nil
}
