// Package hostapi is the guest's client of the host API: the VMM's HostApi
// service, which upstream's guest calls at the sys-config's host_api_url
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/host-api/proto/host_api.proto).
// Calls are upstream's prpc requests: POST <host_api_url>/<Method>?json with
// the request as JSON
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/http-client/src/prpc.rs).
//
// The host is untrusted: Notify tells it only what it may know (boot
// progress, the reason a boot failed, the instance info, whose seed it
// keeps so that the instance id survives a reboot), and nothing the guest
// does depends on its answers. This package must never send a key or
// decrypted data.
package hostapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds one call, upstream's.
const DefaultTimeout = 30 * time.Second

// Client calls the host API. It implements boot.HostNotifier.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the host API at rawURL, an http or https URL
// (upstream's default host_api_url, vsock://2:10000/api, names vsock, which
// this guest does not dial: the host gives an http URL forwarded to it).
func New(rawURL string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("host API URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("host API URL %q: want http(s)://HOST[:PORT][/PATH] (vsock is not supported by this guest)", rawURL)
	}
	return &Client{base: strings.TrimSuffix(u.String(), "/"), http: &http.Client{Timeout: DefaultTimeout}}, nil
}

// Notify sends HostApi.Notify{event, payload}.
func (c *Client) Notify(ctx context.Context, event, payload string) error {
	return c.call(ctx, "Notify", map[string]string{"event": event, "payload": payload})
}

func (c *Client) call(ctx context.Context, method string, req any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+method+"?json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("host API %s: %w", method, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("host API %s: %w", method, err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("host API %s: HTTP %d: %s", method, res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
