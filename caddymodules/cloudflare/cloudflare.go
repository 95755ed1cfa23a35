// Package cloudflare is a libdns provider for Cloudflare's DNS (API v4,
// https://developers.cloudflare.com/api/resources/dns/subresources/records/)
// and the Caddy module dns.providers.cloudflare around it, for DNS-01 and
// CAA pinning on zones hosted at Cloudflare. It is a small client of its own
// because the libdns/cloudflare module is not available to this build; it
// speaks only the four calls it needs (find the zone, list, create and
// delete records) with an API token.
//
// It must never log or return the API token.
package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/libdns/libdns"
)

func init() {
	caddy.RegisterModule(new(Provider))
}

// DefaultEndpoint is Cloudflare's API.
const DefaultEndpoint = "https://api.cloudflare.com/client/v4"

// Provider edits zones at Cloudflare.
type Provider struct {
	// APIToken is a Cloudflare API token with Zone:Read and DNS:Edit on the
	// zone. Required. Caddy placeholders such as {env.CF_API_TOKEN} are
	// expanded at provisioning.
	APIToken string `json:"api_token,omitempty"`
	// Endpoint is the API's base URL. Default: DefaultEndpoint.
	Endpoint string `json:"endpoint,omitempty"`

	mu    sync.Mutex
	zones map[string]string // zone name → id
	http  *http.Client
}

// CaddyModule returns the Caddy module information.
func (*Provider) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "dns.providers.cloudflare", New: func() caddy.Module { return new(Provider) }}
}

// Provision expands placeholders and checks the token is there.
func (p *Provider) Provision(caddy.Context) error {
	p.APIToken = caddy.NewReplacer().ReplaceAll(p.APIToken, "")
	if p.APIToken == "" {
		return errors.New("cloudflare: api_token is required")
	}
	return nil
}

type envelope struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *struct {
		Page       int `json:"page"`
		TotalPages int `json:"total_pages"`
	} `json:"result_info"`
}

// call sends one request and decodes the envelope's result into out.
func (p *Provider) call(ctx context.Context, method, path string, body, out any) (*envelope, error) {
	if p.APIToken == "" {
		return nil, errors.New("cloudflare: api_token is required")
	}
	base := p.Endpoint
	if base == "" {
		base = DefaultEndpoint
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+path, rd)
	if err != nil {
		return nil, fmt.Errorf("cloudflare: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+p.APIToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	p.mu.Lock()
	if p.http == nil {
		p.http = &http.Client{Timeout: 30 * time.Second}
	}
	hc := p.http
	p.mu.Unlock()
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cloudflare: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 10<<20))
	if err != nil {
		return nil, fmt.Errorf("cloudflare: %s %s: reading the answer: %w", method, path, err)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("cloudflare: %s %s: HTTP %d, not an API answer", method, path, res.StatusCode)
	}
	if !env.Success || res.StatusCode >= 300 {
		var msgs []string
		for _, e := range env.Errors {
			msgs = append(msgs, fmt.Sprintf("%d %s", e.Code, e.Message))
		}
		return nil, fmt.Errorf("cloudflare: %s %s: HTTP %d: %s", method, path, res.StatusCode, strings.Join(msgs, "; "))
	}
	if out != nil {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return nil, fmt.Errorf("cloudflare: %s %s: decoding the result: %w", method, path, err)
		}
	}
	return &env, nil
}

func (p *Provider) zoneID(ctx context.Context, zone string) (string, error) {
	name := strings.TrimSuffix(strings.ToLower(zone), ".")
	p.mu.Lock()
	id, ok := p.zones[name]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	var zones []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if _, err := p.call(ctx, http.MethodGet, "/zones?name="+url.QueryEscape(name), nil, &zones); err != nil {
		return "", err
	}
	if len(zones) != 1 {
		return "", fmt.Errorf("cloudflare: %d zones named %s visible to this token, want 1", len(zones), name)
	}
	p.mu.Lock()
	if p.zones == nil {
		p.zones = map[string]string{}
	}
	p.zones[name] = zones[0].ID
	p.mu.Unlock()
	return zones[0].ID, nil
}

// record is a DNS record as the API spells it.
type record struct {
	ID      string   `json:"id,omitempty"`
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Content string   `json:"content,omitempty"`
	TTL     int      `json:"ttl"`
	Data    *caaData `json:"data,omitempty"`
}

type caaData struct {
	Flags uint8  `json:"flags"`
	Tag   string `json:"tag"`
	Value string `json:"value"`
}

func toAPI(zone string, r libdns.Record) (record, error) {
	rr := r.RR()
	out := record{Type: strings.ToUpper(rr.Type), Name: strings.TrimSuffix(libdns.AbsoluteName(rr.Name, zone), "."), TTL: int(rr.TTL / time.Second)}
	if out.TTL < 60 {
		out.TTL = 1 // automatic
	}
	if out.Type == "CAA" {
		parsed, err := rr.Parse()
		if err != nil {
			return out, fmt.Errorf("cloudflare: %w", err)
		}
		c := parsed.(libdns.CAA)
		out.Data = &caaData{Flags: c.Flags, Tag: c.Tag, Value: c.Value}
		return out, nil
	}
	out.Content = rr.Data
	return out, nil
}

func fromAPI(zone string, r record) (libdns.Record, error) {
	name := libdns.RelativeName(r.Name+".", strings.TrimSuffix(zone, ".")+".")
	ttl := time.Duration(r.TTL) * time.Second
	switch {
	case r.Type == "CAA" && r.Data != nil:
		return libdns.CAA{Name: name, TTL: ttl, Flags: r.Data.Flags, Tag: r.Data.Tag, Value: r.Data.Value, ProviderData: r.ID}, nil
	case r.Type == "TXT":
		text := r.Content
		if len(text) >= 2 && text[0] == '"' && text[len(text)-1] == '"' {
			if u, err := strconv.Unquote(text); err == nil {
				text = u
			}
		}
		return libdns.TXT{Name: name, TTL: ttl, Text: text, ProviderData: r.ID}, nil
	}
	return libdns.RR{Name: name, TTL: ttl, Type: r.Type, Data: r.Content}.Parse()
}

// GetRecords lists every record of zone.
func (p *Provider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	list, err := p.list(ctx, zone, "")
	if err != nil {
		return nil, err
	}
	out := make([]libdns.Record, 0, len(list))
	for _, r := range list {
		lr, err := fromAPI(zone, r)
		if err != nil {
			continue // a type libdns cannot parse is left out
		}
		out = append(out, lr)
	}
	return out, nil
}

func (p *Provider) list(ctx context.Context, zone, query string) ([]record, error) {
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	var all []record
	for page := 1; ; page++ {
		var recs []record
		env, err := p.call(ctx, http.MethodGet, fmt.Sprintf("/zones/%s/dns_records?per_page=100&page=%d%s", id, page, query), nil, &recs)
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
		if env.ResultInfo == nil || page >= env.ResultInfo.TotalPages {
			return all, nil
		}
	}
}

// AppendRecords creates recs.
func (p *Provider) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	var out []libdns.Record
	for _, r := range recs {
		body, err := toAPI(zone, r)
		if err != nil {
			return out, err
		}
		var made record
		if _, err := p.call(ctx, http.MethodPost, "/zones/"+id+"/dns_records", body, &made); err != nil {
			return out, err
		}
		lr, err := fromAPI(zone, made)
		if err != nil {
			return out, err
		}
		out = append(out, lr)
	}
	return out, nil
}

// DeleteRecords deletes the records of zone that match recs (a record
// without type or data matches any, as libdns says).
func (p *Provider) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	have, err := p.list(ctx, zone, "")
	if err != nil {
		return nil, err
	}
	var out []libdns.Record
	for _, r := range recs {
		want := r.RR()
		for _, h := range have {
			hr, err := fromAPI(zone, h)
			if err != nil {
				continue
			}
			got := hr.RR()
			if !strings.EqualFold(got.Name, want.Name) || (want.Type != "" && !strings.EqualFold(got.Type, want.Type)) ||
				(want.Data != "" && got.Data != want.Data) {
				continue
			}
			if _, err := p.call(ctx, http.MethodDelete, "/zones/"+id+"/dns_records/"+h.ID, nil, nil); err != nil {
				return out, err
			}
			out = append(out, hr)
		}
	}
	return out, nil
}

// SetRecords makes each (name, type) set of recs exactly recs: the other
// records of those sets are deleted, the missing ones created. It is not
// atomic: Cloudflare's API has no transaction across these calls.
func (p *Provider) SetRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	have, err := p.GetRecords(ctx, zone)
	if err != nil {
		return nil, err
	}
	sets := map[[2]string]bool{}
	want := map[string]bool{}
	for _, r := range recs {
		rr := r.RR()
		sets[[2]string{strings.ToLower(rr.Name), strings.ToUpper(rr.Type)}] = true
		want[strings.ToLower(rr.Name)+"\x00"+strings.ToUpper(rr.Type)+"\x00"+rr.Data] = true
	}
	var stale []libdns.Record
	present := map[string]bool{}
	for _, h := range have {
		rr := h.RR()
		k := strings.ToLower(rr.Name) + "\x00" + strings.ToUpper(rr.Type) + "\x00" + rr.Data
		if !sets[[2]string{strings.ToLower(rr.Name), strings.ToUpper(rr.Type)}] {
			continue
		}
		if want[k] {
			present[k] = true
			continue
		}
		stale = append(stale, rr)
	}
	var missing []libdns.Record
	for _, r := range recs {
		rr := r.RR()
		if !present[strings.ToLower(rr.Name)+"\x00"+strings.ToUpper(rr.Type)+"\x00"+rr.Data] {
			missing = append(missing, r)
		}
	}
	if len(stale) > 0 {
		if _, err := p.DeleteRecords(ctx, zone, stale); err != nil {
			return nil, err
		}
	}
	if _, err := p.AppendRecords(ctx, zone, missing); err != nil {
		return nil, err
	}
	return recs, nil
}

// UnmarshalCaddyfile reads `cloudflare <api_token>` or
//
//	cloudflare {
//		api_token <token>
//		endpoint  <url>
//	}
func (p *Provider) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module name
	if d.NextArg() {
		p.APIToken = d.Val()
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		switch opt {
		case "api_token":
			p.APIToken = val
		case "endpoint":
			p.Endpoint = val
		default:
			return d.Errf("unknown cloudflare option %q", opt)
		}
	}
	return nil
}

var (
	_ caddy.Provisioner     = (*Provider)(nil)
	_ caddyfile.Unmarshaler = (*Provider)(nil)
	_ libdns.RecordGetter   = (*Provider)(nil)
	_ libdns.RecordAppender = (*Provider)(nil)
	_ libdns.RecordSetter   = (*Provider)(nil)
	_ libdns.RecordDeleter  = (*Provider)(nil)
)
