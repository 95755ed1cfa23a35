package gateway

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/caddyserver/caddy/v2"
)

func init() {
	caddy.RegisterModule(new(Admin))
}

// Admin is admin.api.dstack: the registry through Caddy's admin API.
//
//	GET /dstack/instances → {"block": <n>, "instances": [<Instance>…]}
//	GET /dstack/peers     → {"my_id": <n>, "my_url": "https://…", "peers": [{"id": <n>, "url": "https://…"}…]}
//
// Each instance carries "health": its state under each active health
// check of the dstack upstreams that has checked it (HealthStatus), when
// there is one, and "down" (DownStatus) while passive health leaves it
// out. /dstack/peers lists the live nodes of the gateway's cluster (404 on
// a node not in one), as the GetPeers RPC does.
type Admin struct{}

// CaddyModule returns the Caddy module information.
func (*Admin) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "admin.api.dstack", New: func() caddy.Module { return new(Admin) }}
}

// Routes implements caddy.AdminRouter.
func (*Admin) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{
		{Pattern: "/dstack/instances", Handler: caddy.AdminHandlerFunc(instances)},
		{Pattern: "/dstack/peers", Handler: caddy.AdminHandlerFunc(peers)},
	}
}

// activeApp is the running config's dstack app, for a GET.
func activeApp(r *http.Request) (*App, error) {
	if r.Method != http.MethodGet {
		return nil, caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: errors.New("GET only")}
	}
	a, err := caddy.ActiveContext().AppIfConfigured("dstack")
	if err != nil {
		return nil, caddy.APIError{HTTPStatus: http.StatusNotFound, Err: errors.New("the dstack app is not configured")}
	}
	return a.(*App), nil
}

// peers answers the cluster's live nodes, as GetPeers does.
func peers(w http.ResponseWriter, r *http.Request) error {
	app, err := activeApp(r)
	if err != nil {
		return err
	}
	if app.cluster == nil {
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: errNotCluster}
	}
	resp, _ := app.getPeers(r.Context(), nil)
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(resp)
}

// instances answers from the running config's dstack app.
func instances(w http.ResponseWriter, r *http.Request) error {
	app, err := activeApp(r)
	if err != nil {
		return err
	}
	list := []instanceView{}
	for _, i := range app.Instances() {
		v := instanceView{Instance: i, Health: app.Health(i.key())}
		if s, down := app.passive.status(i.key()); down {
			v.Down = &s
		}
		list = append(list, v)
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(struct {
		Block     uint64         `json:"block"`
		Instances []instanceView `json:"instances"`
	}{app.Block(), list})
}

// instanceView is an instance as the admin view shows it.
type instanceView struct {
	Instance
	Health []HealthStatus `json:"health,omitempty"`
	// Down is set while passive health leaves the instance out.
	Down *DownStatus `json:"down,omitempty"`
}

var _ caddy.AdminRouter = (*Admin)(nil)
