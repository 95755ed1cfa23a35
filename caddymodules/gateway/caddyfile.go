package gateway

import (
	"slices"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/dstack-go/dstack/caddymodules/internal/caddyopt"
	"github.com/dstack-go/dstack/internal/settings"
)

// The single-argument options of the global option and the transport.
var (
	globalOptions = []string{"base_domain", "listen", "poll_interval", "max_staleness", "instance_ttl", "pccs",
		"collateral", "vm_config", "insecure_trust_roots", "insecure_simulated_tee_seed", "external_port", "agent_socket"}
	transportOptions = []string{"dial_timeout", "keepalive_idle", "response_header_timeout", "max_idle_conns_per_host"}
)

func init() {
	httpcaddyfile.RegisterGlobalOption("dstack", parseGlobalOption)
}

// parseGlobalOption sets up the dstack app from the Caddyfile's global
// options block:
//
//	{
//		dstack {
//			base_domain <domain>
//			listen      <host:port>
//			chain <rpc_url> <chain_id> <kms_contract> [confirmations]
//			poll_interval <duration>
//			max_staleness <duration>
//			instance_ttl  <duration>
//			external_port <port>
//			tcb_status <status...>
//			tunnel_address_allow <cidr...>
//			pccs <url>
//			collateral <dir>
//			vm_config <json>
//			insecure_trust_roots <pem file>
//			insecure_simulated_tee_seed <seed>
//			agent_socket <path>
//			passive_health off
//			passive_health {
//				cool_down <duration>
//			}
//			insecure_allow_unbound_os_image
//			cluster {
//				url      <https://host:port>
//				node_id  <n>
//				peer_ttl <duration>
//			}
//			limits {
//				max_conns           <n>
//				max_in_flight       <n>
//				queue_timeout       <duration>
//				read_header_timeout <duration>
//				read_timeout        <duration>
//				write_timeout       <duration>
//				idle_timeout        <duration>
//				max_header_bytes    <n>
//			}
//		}
//	}
//
// The limits are those of the registration RPC (App.Limits), which has its
// own HTTP server on a Caddy listener: Caddy's `servers` options do not
// apply to it.
func parseGlobalOption(d *caddyfile.Dispenser, _ any) (any, error) {
	var a App
	d.Next() // the option name
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	for d.NextBlock(0) {
		key := d.Val()
		switch key {
		case "chain":
			if err := parseChainArgs(d, &a.Chain); err != nil {
				return nil, err
			}
			continue
		case "tcb_status":
			a.TCBStatus = d.RemainingArgs()
			if len(a.TCBStatus) == 0 {
				return nil, d.ArgErr()
			}
			continue
		case "tunnel_address_allow":
			a.TunnelAddressAllow = d.RemainingArgs()
			if len(a.TunnelAddressAllow) == 0 {
				return nil, d.ArgErr()
			}
			continue
		case "limits":
			if err := caddyopt.Limits(d, &a.Limits); err != nil {
				return nil, err
			}
			continue
		case "passive_health":
			if err := parsePassiveHealth(d, &a.PassiveHealth); err != nil {
				return nil, err
			}
			continue
		case "insecure_allow_unbound_os_image":
			if d.NextArg() {
				return nil, d.ArgErr()
			}
			a.InsecureAllowUnboundOSImage = true
			continue
		case "cluster":
			if a.Cluster != nil {
				return nil, d.Err("cluster given twice")
			}
			a.Cluster = new(Cluster)
			if err := parseCluster(d, a.Cluster); err != nil {
				return nil, err
			}
			continue
		}
		if !slices.Contains(globalOptions, key) {
			return nil, d.Errf("unknown dstack option %q", key)
		}
		var val string
		if !d.AllArgs(&val) {
			return nil, d.ArgErr()
		}
		var dur any
		switch key {
		case "base_domain":
			a.BaseDomain = val
		case "listen":
			a.Listen = val
		case "poll_interval":
			dur = &a.Chain.PollInterval
		case "max_staleness":
			dur = &a.Chain.MaxStaleness
		case "instance_ttl":
			dur = &a.InstanceTTL
		case "pccs":
			a.Attestation.PCCSURL = val
		case "collateral":
			a.Attestation.CollateralDir = val
		case "vm_config":
			a.VMConfig = val
		case "insecure_trust_roots":
			a.Attestation.InsecureTrustRoots = val
		case "insecure_simulated_tee_seed":
			a.InsecureSimulatedTEESeed = val
		case "agent_socket":
			a.AgentSocket = val
		case "external_port":
			p, err := strconv.ParseUint(val, 10, 16)
			if err != nil || p == 0 {
				return nil, d.Errf("external_port: %q is not a TCP port (1-65535)", val)
			}
			a.ExternalPort = int(p)
		}
		if dur != nil {
			if err := setDuration(d, dur, key, val); err != nil {
				return nil, err
			}
		}
	}
	if a.BaseDomain == "" {
		return nil, d.Err("dstack: base_domain is required")
	}
	if a.Chain.RPCURL == "" {
		return nil, d.Err("dstack: chain is required: the chain decides which apps may register")
	}
	return httpcaddyfile.App{Name: "dstack", Value: caddyconfig.JSON(&a, nil)}, nil
}

// parsePassiveHealth reads `passive_health off` or a passive_health block
// (PassiveHealth).
func parsePassiveHealth(d *caddyfile.Dispenser, p *PassiveHealth) error {
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return d.Errf("passive_health: %q: use `passive_health off` or a block with cool_down <duration>", d.Val())
		}
		p.Off = true
		if d.NextBlock(d.Nesting()) {
			return d.Err("passive_health off takes no block")
		}
		return nil
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		var val string
		if key != "cool_down" {
			return d.Errf("unknown passive_health option %q (cool_down)", key)
		}
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		if err := setDuration(d, &p.CoolDown, key, val); err != nil {
			return err
		}
	}
	return nil
}

// parseCluster reads a cluster block (Cluster); `cluster` alone takes the
// defaults.
func parseCluster(d *caddyfile.Dispenser, c *Cluster) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		switch key {
		case "url":
			c.URL = val
		case "node_id":
			id, err := strconv.ParseUint(val, 10, 32)
			if err != nil || id == 0 {
				return d.Errf("cluster: node_id %q is not a positive 32-bit integer", val)
			}
			c.NodeID = uint32(id)
		case "peer_ttl":
			if err := setDuration(d, &c.PeerTTL, key, val); err != nil {
				return err
			}
		default:
			return d.Errf("unknown cluster option %q (url, node_id, peer_ttl)", key)
		}
	}
	return nil
}

// UnmarshalCaddyfile sets up the transport from Caddyfile tokens:
//
//	transport dstack {
//		claims_headers
//		tcb_status <status...>
//		dial_timeout <duration>
//		keepalive_idle <duration>
//		keepalive off
//		multiplex
//		max_idle_conns_per_host <n>
//		response_header_timeout <duration>
//	}
func (t *Transport) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // "dstack"
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		key := d.Val()
		switch key {
		case "claims_headers":
			if d.NextArg() {
				return d.ArgErr()
			}
			t.ClaimsHeaders = true
			continue
		case "tcb_status":
			t.TCBStatus = d.RemainingArgs()
			if len(t.TCBStatus) == 0 {
				return d.ArgErr()
			}
			continue
		case "keepalive":
			if !d.NextArg() || d.Val() != "off" || d.NextArg() {
				return d.Err("keepalive off (or keepalive_idle <duration>)")
			}
			t.DisableKeepAlives = true
			continue
		case "multiplex":
			if d.NextArg() {
				return d.ArgErr()
			}
			t.Multiplex = true
			continue
		}
		if !slices.Contains(transportOptions, key) {
			return d.Errf("unknown dstack transport option %q", key)
		}
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		var dur any
		switch key {
		case "dial_timeout":
			dur = &t.DialTimeout
		case "keepalive_idle":
			dur = &t.KeepAliveIdle
		case "response_header_timeout":
			dur = &t.ResponseHeaderTimeout
		case "max_idle_conns_per_host":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return d.Errf("max_idle_conns_per_host: %q is not a positive integer", val)
			}
			t.MaxIdleConnsPerHost = n
		}
		if dur != nil {
			if err := setDuration(d, dur, key, val); err != nil {
				return err
			}
		}
	}
	return nil
}

// setDuration sets *dur from an option's value, which must be a positive
// duration.
// setDuration sets dur, a *caddy.Duration or a *settings.Duration, from
// a positive duration in Caddy's spelling.
func setDuration(d *caddyfile.Dispenser, dur any, key, val string) error {
	v, err := caddy.ParseDuration(val)
	if err != nil || v <= 0 {
		return d.Errf("%s: %q is not a positive duration", key, val)
	}
	switch dur := dur.(type) {
	case *caddy.Duration:
		*dur = caddy.Duration(v)
	case *settings.Duration:
		*dur = settings.Duration(v)
	}
	return nil
}

var _ caddyfile.Unmarshaler = (*Transport)(nil)

// parseChainArgs reads the arguments of a chain option into c:
//
//	chain <rpc_url> <chain_id> <kms_contract> [confirmations]
func parseChainArgs(d *caddyfile.Dispenser, c *settings.Chain) error {
	args := d.RemainingArgs()
	if len(args) < 3 || len(args) > 4 {
		return d.Errf("chain <rpc_url> <chain_id> <kms_contract> [confirmations]")
	}
	id, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil || id == 0 {
		return d.Errf("chain: chain id %q is not a positive integer", args[1])
	}
	c.RPCURL, c.ChainID, c.KmsContract = args[0], id, args[2]
	if len(args) == 4 {
		if c.Confirmations, err = strconv.ParseUint(args[3], 10, 64); err != nil {
			return d.Errf("chain: confirmations %q: %v", args[3], err)
		}
	}
	return nil
}
