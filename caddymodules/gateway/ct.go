package gateway

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/ctmonitor"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/tee/acmeinfo"
)

func init() {
	caddy.RegisterModule(new(CTApp))
	httpcaddyfile.RegisterGlobalOption("dstack_ct", parseCTOption)
}

// CTApp is the "dstack_ct" Caddy app: it follows Certificate Transparency
// logs and alerts on every certificate or precertificate for the base
// domain whose key the gateway did not attest (package ctmonitor): it logs
// the alert at error, counts it in dstack_ct_alerts_total and posts it to
// the webhook. The attested keys come from a gateway's acme-info (any
// gateway, over HTTPS) or from this Caddy's storage (the dstack app's
// history), and each must verify as the gateway app's.
//
//	{"apps": {"dstack_ct": {"base_domain": "gw.example.com",
//	    "logs": [{"url": "https://ct.example/log", "public_key": "<base64 DER>"}],
//	    "acme_info_url": "https://gateway.gw.example.com/.dstack/acme-info",
//	    "gateway_app_id": "<hex>", "webhook": "https://alerts.example/ct"}}}
type CTApp struct {
	// BaseDomain is the domain watched, with every name under it.
	// Required.
	BaseDomain string `json:"base_domain"`
	// Logs are the RFC 6962 logs followed, each with its public key.
	// Required.
	Logs []ctmonitor.LogConfig `json:"logs"`
	// AcmeInfoURL is where the attested keys are read. Exactly one of it
	// and FromStorage is required.
	AcmeInfoURL string `json:"acme_info_url,omitempty"`
	// FromStorage reads the attested keys from this Caddy's storage, where
	// the dstack app keeps them. Default off.
	FromStorage bool `json:"from_storage,omitempty"`
	// GatewayAppID is the gateway's app id (hex): only keys its TD attested
	// count. Required unless Chain is given; with Chain, the chain must
	// name the same. Default empty.
	GatewayAppID string `json:"gateway_app_id,omitempty"`
	// Chain, when given, is where the gateway app id is read at each poll:
	// gatewayAppId() of its KMS contract. A poll fails (and alerts on
	// nothing) when the chain cannot be read, names no gateway app id, or
	// names another than GatewayAppID. Default none: GatewayAppID alone.
	Chain *settings.Chain `json:"chain,omitempty"`
	// TCBStatus lists the TCB statuses accepted in the keys' evidence.
	// Default ["UpToDate"].
	TCBStatus []string `json:"tcb_status,omitempty"`
	// Attestation configures the verification of the keys' evidence.
	Attestation settings.Attestation `json:"attestation,omitzero"`
	// InsecureAllowUnboundOSImage accepts evidence whose os_image_hash is
	// not bound. Default off.
	InsecureAllowUnboundOSImage bool `json:"insecure_allow_unbound_os_image,omitempty"`
	// Interval is the time between polls. Default 1m.
	Interval caddy.Duration `json:"interval,omitempty"`
	// Grace is how long after a log timestamped a certificate whose key is
	// not attested the monitor waits for the gateway to attest it before
	// it alerts (a CA logs a certificate before the gateway holds it);
	// meanwhile it reads no further in that log. Default 0: alert at
	// once.
	Grace caddy.Duration `json:"grace,omitempty"`
	// BatchSize is the most entries asked of a log at once. Default 256.
	BatchSize int `json:"batch_size,omitempty"`
	// FromStart scans each log from its first entry when nothing is known
	// of it yet. Default: from its tree head at the first poll.
	FromStart bool `json:"from_start,omitempty"`
	// Webhook receives each alert as a JSON POST. Default none. It must be
	// https unless InsecureWebhookHTTP.
	Webhook string `json:"webhook,omitempty"`
	// InsecureWebhookHTTP allows an http webhook (warned about at start).
	// Default off.
	InsecureWebhookHTTP bool `json:"insecure_webhook_http,omitempty"`

	mon    *ctmonitor.Monitor
	log    *zap.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// CaddyModule returns the Caddy module information.
func (*CTApp) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "dstack_ct", New: func() caddy.Module { return new(CTApp) }}
}

// Provision checks the configuration and builds the monitor.
func (c *CTApp) Provision(ctx caddy.Context) error {
	c.log = ctx.Logger()
	if c.AcmeInfoURL == "" == !c.FromStorage {
		return errors.New("dstack_ct: give exactly one source of the attested keys: acme_info_url or from_storage")
	}
	var id []byte
	if c.GatewayAppID != "" || c.Chain == nil {
		var err error
		if id, err = hex.DecodeString(strings.TrimPrefix(c.GatewayAppID, "0x")); err != nil || len(id) != 20 {
			return errors.New("dstack_ct: gateway_app_id must be the gateway's app id, 20 bytes in hex (or give chain, to read it on chain)")
		}
	}
	if len(c.TCBStatus) == 0 {
		c.TCBStatus = []string{"UpToDate"}
	}
	opts, err := c.Attestation.Options()
	if err != nil {
		return fmt.Errorf("dstack_ct: %w", err)
	}
	if opts.InsecureTrustRoots != nil {
		c.log.Warn("INSECURE: the vendors' roots of trust are replaced; keys attested on a mock PKI are trusted")
	}
	if c.InsecureAllowUnboundOSImage {
		c.log.Warn("INSECURE: keys attested by a TD whose OS image is not bound are trusted")
	}
	warnTCB(c.log, "dstack_ct", c.TCBStatus)
	client := &http.Client{Timeout: 30 * time.Second}
	read := func(ctx context.Context) (*acmeinfo.Info, error) { return acmeinfo.Fetch(ctx, client, c.AcmeInfoURL) }
	if c.FromStorage {
		// The dstack app of this Caddy, when there is one, records the
		// stored certificates at its start: its history is read once it has.
		h := &keyHistory{storage: ctx.Storage(), log: c.log}
		if app, err := ctx.AppIfConfigured("dstack"); err == nil {
			h = app.(*App).history
		}
		read = h.info
	}
	policy := ctmonitor.Fixed(acmeinfo.GatewayPolicy(id, c.TCBStatus, c.InsecureAllowUnboundOSImage))
	if c.Chain != nil {
		r, err := c.Chain.Connect(ctx)
		if err != nil {
			return fmt.Errorf("dstack_ct: chain: %w", err)
		}
		policy = ctmonitor.ChainGatewayPolicy(r, id, c.TCBStatus, c.InsecureAllowUnboundOSImage)
	}
	cfg := ctmonitor.Config{
		BaseDomain: c.BaseDomain, Logs: c.Logs, BatchSize: c.BatchSize, FromStart: c.FromStart, Grace: time.Duration(c.Grace),
		Known:  ctmonitor.AttestedKeys(read, opts, policy, c.log),
		State:  ctState{ctx.Storage()},
		Logger: c.log, Registerer: ctx.GetMetricsRegistry(),
	}
	if c.Webhook != "" {
		if err := ctmonitor.CheckWebhook(c.Webhook, c.InsecureWebhookHTTP); err != nil {
			return fmt.Errorf("dstack_ct: %w", err)
		}
		if strings.HasPrefix(c.Webhook, "http:") {
			c.log.Warn(ctmonitor.WebhookWarning, zap.String("webhook", c.Webhook))
		}
		cfg.Alert = (&ctmonitor.Webhook{URL: c.Webhook, Logger: c.log}).Send
	}
	c.mon, err = ctmonitor.New(cfg)
	return err
}

// Start polls the logs in the background.
func (c *CTApp) Start() error {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		c.mon.Run(ctx, time.Duration(c.Interval))
	}()
	return nil
}

// Stop ends the polls.
func (c *CTApp) Stop() error {
	if c.cancel != nil {
		c.cancel()
		<-c.done
	}
	return nil
}

// Poll runs one poll now (tests, admin).
func (c *CTApp) Poll(ctx context.Context) error { return c.mon.Poll(ctx) }

// ctState keeps the monitor's position in Caddy's storage.
type ctState struct{ s certmagic.Storage }

func (s ctState) Load(ctx context.Context, name string) ([]byte, error) {
	b, err := s.s.Load(ctx, "dstack/ct/"+name+".json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (s ctState) Store(ctx context.Context, name string, v []byte) error {
	return s.s.Store(ctx, "dstack/ct/"+name+".json", v)
}

// parseCTOption sets up the dstack_ct app from the global options:
//
//	{
//		dstack_ct {
//			base_domain <domain>
//			log <url> <base64 DER public key>
//			acme_info <url> | from_storage
//			gateway_app_id <hex>
//			chain <rpc_url> <chain_id> <kms_contract> [confirmations]
//			tcb_status <status...>
//			pccs <url>
//			collateral <dir>
//			insecure_trust_roots <pem file>
//			interval <duration>
//			grace <duration>
//			batch_size <n>
//			from_start
//			webhook <url>
//			insecure_webhook_http
//			insecure_allow_unbound_os_image
//		}
//	}
//
// log is repeated for each log followed; gateway_app_id, chain or both
// (which must then agree) say whose keys count.
func parseCTOption(d *caddyfile.Dispenser, _ any) (any, error) {
	var c CTApp
	d.Next()
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	flag := func(p *bool) error {
		if d.NextArg() {
			return d.ArgErr()
		}
		*p = true
		return nil
	}
	for d.NextBlock(0) {
		key := d.Val()
		var err error
		switch key {
		case "log":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return nil, d.Err("log <url> <base64 DER public key>")
			}
			key, err := base64.StdEncoding.DecodeString(args[1])
			if err != nil {
				return nil, d.Errf("log %s: the public key is not base64: %v", args[0], err)
			}
			c.Logs = append(c.Logs, ctmonitor.LogConfig{URL: args[0], PublicKey: key})
			continue
		case "tcb_status":
			if c.TCBStatus = d.RemainingArgs(); len(c.TCBStatus) == 0 {
				return nil, d.ArgErr()
			}
			continue
		case "chain":
			c.Chain = new(settings.Chain)
			if err := parseChainArgs(d, c.Chain); err != nil {
				return nil, err
			}
			continue
		case "from_storage":
			err = flag(&c.FromStorage)
		case "from_start":
			err = flag(&c.FromStart)
		case "insecure_webhook_http":
			err = flag(&c.InsecureWebhookHTTP)
		case "insecure_allow_unbound_os_image":
			err = flag(&c.InsecureAllowUnboundOSImage)
		default:
			var val string
			if !d.AllArgs(&val) {
				return nil, d.ArgErr()
			}
			switch key {
			case "base_domain":
				c.BaseDomain = val
			case "acme_info":
				c.AcmeInfoURL = val
			case "gateway_app_id":
				c.GatewayAppID = val
			case "pccs":
				c.Attestation.PCCSURL = val
			case "collateral":
				c.Attestation.CollateralDir = val
			case "insecure_trust_roots":
				c.Attestation.InsecureTrustRoots = val
			case "webhook":
				c.Webhook = val
			case "interval":
				err = setDuration(d, &c.Interval, key, val)
			case "grace":
				err = setDuration(d, &c.Grace, key, val)
			case "batch_size":
				n, perr := strconv.Atoi(val)
				if perr != nil || n <= 0 {
					return nil, d.Errf("batch_size: %q is not a positive integer", val)
				}
				c.BatchSize = n
			default:
				return nil, d.Errf("unknown dstack_ct option %q", key)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case c.BaseDomain == "":
		return nil, d.Err("dstack_ct: base_domain is required")
	case len(c.Logs) == 0:
		return nil, d.Err("dstack_ct: at least one log <url> <public key> is required")
	case c.AcmeInfoURL == "" == !c.FromStorage:
		return nil, d.Err("dstack_ct: give acme_info <url> or from_storage (one of them)")
	case c.GatewayAppID == "" && c.Chain == nil:
		return nil, d.Err("dstack_ct: gateway_app_id or chain is required: only keys the gateway's TD attested count")
	}
	return httpcaddyfile.App{Name: "dstack_ct", Value: caddyconfig.JSON(&c, nil)}, nil
}

var (
	_ caddy.App         = (*CTApp)(nil)
	_ caddy.Provisioner = (*CTApp)(nil)
)
