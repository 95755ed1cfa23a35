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
type Admin struct{}

// CaddyModule returns the Caddy module information.
func (*Admin) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "admin.api.dstack", New: func() caddy.Module { return new(Admin) }}
}

// Routes implements caddy.AdminRouter.
func (*Admin) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{{Pattern: "/dstack/instances", Handler: caddy.AdminHandlerFunc(instances)}}
}

// instances answers from the running config's dstack app.
func instances(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: errors.New("GET only")}
	}
	a, err := caddy.ActiveContext().AppIfConfigured("dstack")
	if err != nil {
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: errors.New("the dstack app is not configured")}
	}
	app := a.(*App)
	list := app.Instances()
	if list == nil {
		list = []Instance{}
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(struct {
		Block     uint64     `json:"block"`
		Instances []Instance `json:"instances"`
	}{app.Block(), list})
}

var _ caddy.AdminRouter = (*Admin)(nil)
