package kms

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/kms/kmsapi"
)

// Decision is an authorizer's answer.
type Decision struct {
	Allowed      bool   `json:"isAllowed"`
	GatewayAppID string `json:"gatewayAppId"`
	Reason       string `json:"reason"`
	// Fix, on a refusal, says what would allow the boot info (the
	// `dstack chain` commands, for the chain); empty when unknown.
	Fix string `json:"-"`
	// Block is the chain block the decision was read at; 0 when the
	// authorizer is not a chain.
	Block uint64 `json:"-"`
}

// AuthInfo describes the authorizer, for GetMeta.
type AuthInfo struct {
	GatewayAppID          string
	KmsContractAddress    string
	ChainID               uint64
	AppAuthImplementation string
	IsDev                 bool
}

// Authorizer decides which apps and which KMS instances may receive keys.
// An error means no decision could be made; callers fail closed on it.
type Authorizer interface {
	AuthorizeApp(ctx context.Context, b kmsapi.BootInfo) (Decision, error)
	AuthorizeKMS(ctx context.Context, b kmsapi.BootInfo) (Decision, error)
	Info(ctx context.Context) (AuthInfo, error)
}

// AppRegistry is an Authorizer that knows which apps are registered with
// the KMS (the chain's DstackKms.registeredApps, a static policy's apps).
// A threshold node signs the env encryption keys of registered apps only,
// since each new one costs its committee a threshold signature and the
// caller is unauthenticated; with an authorizer that is no AppRegistry
// (a webhook, InsecureAllowAll), it signs for any app id.
type AppRegistry interface {
	AppRegistered(ctx context.Context, appID []byte) (bool, error)
}

// InsecureAllowAll allows every attested app and KMS: a development
// shortcut. The KMS logs a warning at start when it is configured.
type InsecureAllowAll struct {
	GatewayAppID string
}

// AuthorizeApp implements Authorizer.
func (a InsecureAllowAll) AuthorizeApp(context.Context, kmsapi.BootInfo) (Decision, error) {
	return Decision{Allowed: true, GatewayAppID: a.GatewayAppID, Reason: "insecure_allow_all"}, nil
}

// AuthorizeKMS implements Authorizer.
func (a InsecureAllowAll) AuthorizeKMS(context.Context, kmsapi.BootInfo) (Decision, error) {
	return Decision{Allowed: true, GatewayAppID: a.GatewayAppID, Reason: "insecure_allow_all"}, nil
}

// Info implements Authorizer.
func (a InsecureAllowAll) Info(context.Context) (AuthInfo, error) {
	return AuthInfo{GatewayAppID: a.GatewayAppID, IsDev: true}, nil
}

// StaticPolicy is upstream's auth-simple policy file:
//
//	{"osImages": [...], "allowedTcbStatuses": ["UpToDate"], "allowedAdvisoryIds": [],
//	 "gatewayAppId": "...", "kms": {"mrAggregated": [...], "devices": [...], "allowAnyDevice": false},
//	 "apps": {"<appId>": {"composeHashes": [...], "devices": [...], "allowAnyDevice": false}}}
//
// Hex values may carry 0x and any case.
type StaticPolicy struct {
	OSImages           []string             `json:"osImages"`
	AllowedTCBStatuses []string             `json:"allowedTcbStatuses"`
	AllowedAdvisoryIDs []string             `json:"allowedAdvisoryIds"`
	GatewayAppID       string               `json:"gatewayAppId"`
	KMS                StaticKMSPolicy      `json:"kms"`
	Apps               map[string]AppPolicy `json:"apps"`
}

// StaticKMSPolicy lists the KMS instances allowed.
type StaticKMSPolicy struct {
	MrAggregated   []string `json:"mrAggregated"`
	Devices        []string `json:"devices"`
	AllowAnyDevice bool     `json:"allowAnyDevice"`
}

// AppPolicy lists what one app may run.
type AppPolicy struct {
	ComposeHashes  []string `json:"composeHashes"`
	Devices        []string `json:"devices"`
	AllowAnyDevice bool     `json:"allowAnyDevice"`
}

// LoadStaticPolicy reads a policy file.
func LoadStaticPolicy(path string) (*StaticPolicy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p StaticPolicy
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("reading policy %s: %w", path, err)
	}
	return &p, nil
}

func normHex(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
}

func listHas(list []string, b []byte) bool {
	h := hex.EncodeToString(b)
	return slices.ContainsFunc(list, func(s string) bool { return normHex(s) == h })
}

// weakTCBStatuses lists the allowed TCB statuses other than UpToDate.
func (p *StaticPolicy) weakTCBStatuses() []string {
	var weak []string
	for _, s := range p.AllowedTCBStatuses {
		if s != "UpToDate" {
			weak = append(weak, s)
		}
	}
	return weak
}

func (p *StaticPolicy) tcbOK(b kmsapi.BootInfo) (bool, string) {
	allowed := p.AllowedTCBStatuses
	if allowed == nil {
		allowed = []string{"UpToDate"}
	}
	if !slices.Contains(allowed, b.TCBStatus) {
		return false, fmt.Sprintf("TCB status %q is not allowed", b.TCBStatus)
	}
	for _, a := range b.AdvisoryIDs {
		if !slices.Contains(p.AllowedAdvisoryIDs, a) {
			return false, fmt.Sprintf("advisory %s is not allowed", a)
		}
	}
	return true, ""
}

// AppRegistered implements AppRegistry: the apps the policy lists are
// the ones registered.
func (p *StaticPolicy) AppRegistered(_ context.Context, appID []byte) (bool, error) {
	h := hex.EncodeToString(appID)
	for id := range p.Apps {
		if normHex(id) == h {
			return true, nil
		}
	}
	return false, nil
}

// AuthorizeApp implements Authorizer.
func (p *StaticPolicy) AuthorizeApp(_ context.Context, b kmsapi.BootInfo) (Decision, error) {
	d := Decision{GatewayAppID: p.GatewayAppID}
	if ok, why := p.tcbOK(b); !ok {
		d.Reason = why
		return d, nil
	}
	if !listHas(p.OSImages, b.OSImageHash) {
		d.Reason = "OS image is not allowed"
		return d, nil
	}
	var app *AppPolicy
	for id, a := range p.Apps {
		if normHex(id) == hex.EncodeToString(b.AppID) {
			app = &a
			break
		}
	}
	switch {
	case app == nil:
		d.Reason = "app is not registered"
	case !listHas(app.ComposeHashes, b.ComposeHash):
		d.Reason = "compose hash is not allowed"
	case !app.AllowAnyDevice && !listHas(app.Devices, b.DeviceID):
		d.Reason = "device is not allowed"
	default:
		d.Allowed, d.Reason = true, "allowed by policy file"
	}
	return d, nil
}

// AuthorizeKMS implements Authorizer.
func (p *StaticPolicy) AuthorizeKMS(_ context.Context, b kmsapi.BootInfo) (Decision, error) {
	d := Decision{GatewayAppID: p.GatewayAppID}
	if ok, why := p.tcbOK(b); !ok {
		d.Reason = why
		return d, nil
	}
	switch {
	case !listHas(p.OSImages, b.OSImageHash):
		d.Reason = "OS image is not allowed"
	case !listHas(p.KMS.MrAggregated, b.MrAggregated):
		d.Reason = "KMS measurement is not allowed"
	case !p.KMS.AllowAnyDevice && !listHas(p.KMS.Devices, b.DeviceID):
		d.Reason = "KMS device is not allowed"
	default:
		d.Allowed, d.Reason = true, "allowed by policy file"
	}
	return d, nil
}

// Info implements Authorizer.
func (p *StaticPolicy) Info(context.Context) (AuthInfo, error) {
	return AuthInfo{GatewayAppID: p.GatewayAppID}, nil
}

// Webhook asks an upstream-compatible authorization webhook
// (POST /bootAuth/app, POST /bootAuth/kms, GET /). Non-2xx answers and
// malformed bodies are errors: the caller fails closed.
type Webhook struct {
	URL    string
	Client *http.Client
	Logger *zap.Logger
}

// ErrWebhook wraps webhook failures.
var ErrWebhook = errors.New("authorization webhook failed")

func (w *Webhook) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func (w *Webhook) post(ctx context.Context, path string, b kmsapi.BootInfo) (Decision, error) {
	body, _ := json.Marshal(b)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(w.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrWebhook, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "dstack-kms/"+Version)
	res, err := w.client().Do(req)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %v", ErrWebhook, err)
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil || res.StatusCode/100 != 2 {
		return Decision{}, fmt.Errorf("%w: %s: HTTP %d", ErrWebhook, path, res.StatusCode)
	}
	var d Decision
	if err := json.Unmarshal(rb, &d); err != nil {
		return Decision{}, fmt.Errorf("%w: %s: %v", ErrWebhook, path, err)
	}
	return d, nil
}

// AuthorizeApp implements Authorizer.
func (w *Webhook) AuthorizeApp(ctx context.Context, b kmsapi.BootInfo) (Decision, error) {
	return w.post(ctx, "/bootAuth/app", b)
}

// AuthorizeKMS implements Authorizer.
func (w *Webhook) AuthorizeKMS(ctx context.Context, b kmsapi.BootInfo) (Decision, error) {
	return w.post(ctx, "/bootAuth/kms", b)
}

// Info implements Authorizer.
func (w *Webhook) Info(ctx context.Context) (AuthInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(w.URL, "/")+"/", nil)
	if err != nil {
		return AuthInfo{}, err
	}
	res, err := w.client().Do(req)
	if err != nil {
		return AuthInfo{}, fmt.Errorf("%w: %v", ErrWebhook, err)
	}
	defer res.Body.Close()
	var info struct {
		KmsContractAddr   string `json:"kmsContractAddr"`
		GatewayAppID      string `json:"gatewayAppId"`
		ChainID           uint64 `json:"chainId"`
		AppImplementation string `json:"appImplementation"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&info); err != nil || res.StatusCode/100 != 2 {
		return AuthInfo{}, fmt.Errorf("%w: GET /: HTTP %d", ErrWebhook, res.StatusCode)
	}
	return AuthInfo{GatewayAppID: info.GatewayAppID, KmsContractAddress: info.KmsContractAddr, ChainID: info.ChainID, AppAuthImplementation: info.AppImplementation}, nil
}
