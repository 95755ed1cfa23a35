package kmsapp

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/dstack-go/dstack/caddymodules/internal/caddyopt"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms"
)

func init() {
	httpcaddyfile.RegisterGlobalOption("dstack_kms", parseGlobalOption)
}

// parseGlobalOption sets up the dstack_kms app from the Caddyfile's global
// options block:
//
//	{
//		dstack_kms {
//			listen      <host:port>
//			domain      <name>
//			state_dir   <path>
//			vm_config   <json>
//			auth chain <rpc_url> <chain_id> <kms_contract> [confirmations]
//			max_staleness <duration>   (after auth chain)
//			poll_interval <duration>   (after auth chain)
//			auth static <policy.json>
//			auth webhook <url>
//			auth insecure_allow_all [gateway_app_id]
//			pccs <url>
//			collateral <dir>
//			insecure_trust_roots <pem file>
//			insecure_simulated_tee_seed <seed>
//			sealing_key_hex <hex>
//			onboard_from <url>
//			insecure_allow_snp_key_release
//			insecure_allow_unbound_os_image
//			threshold {
//				name        <this node's name>
//				threshold   <t>
//				node        <name> <https://peer-host:port>   (every node, in committee order)
//				peer_listen <host:port>
//				dkg_timeout <duration>
//				committee_from_chain                          (the committee from DstackKms, instead of threshold, node and reshare)
//				committee_poll <duration>                     (with committee_from_chain; default 10s)
//				reshare {                                     (a committee change)
//					epoch      <new committee's epoch>
//					threshold  <new t>
//					node       <name> <https://peer-host:port> (every new node, in order)
//					from_epoch <the current committee's epoch>  (default 1)
//					root_epoch <the roots' DKG epoch>           (default 1)
//					from_nodes <name>…   (the old nodes taking part; default all)
//				}
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
// The KMS serves its RPC with its own HTTP server on a Caddy listener, so
// Caddy's `servers` options (timeouts, max_header_size) do not apply to it:
// its limits are those of the limits block (kms.Config.Limits, where the
// defaults are stated).
func parseGlobalOption(d *caddyfile.Dispenser, _ any) (any, error) {
	var cfg kms.Config
	d.Next() // the option name
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	for d.NextBlock(0) {
		key := d.Val()
		var val string
		switch key {
		case "insecure_allow_snp_key_release":
			if d.NextArg() {
				return nil, d.ArgErr()
			}
			cfg.InsecureAllowSNPKeyRelease = true
			continue
		case "insecure_allow_unbound_os_image":
			if d.NextArg() {
				return nil, d.ArgErr()
			}
			cfg.InsecureAllowUnboundOSImage = true
			continue
		case "allow_snp_key_release":
			return nil, d.Errf("allow_snp_key_release is now named insecure_allow_snp_key_release, which says what it weakens: rename it")
		case "limits":
			if err := caddyopt.Limits(d, &cfg.Limits); err != nil {
				return nil, err
			}
			continue
		case "threshold":
			if cfg.Threshold != nil {
				return nil, d.Errf("threshold given twice")
			}
			t, err := parseThreshold(d)
			if err != nil {
				return nil, err
			}
			cfg.Threshold = t
			continue
		case "auth":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return nil, d.ArgErr()
			}
			switch args[0] {
			case "chain":
				if len(args) < 4 || len(args) > 5 {
					return nil, d.Errf("auth chain <rpc_url> <chain_id> <kms_contract> [confirmations]")
				}
				id, err := strconv.ParseUint(args[2], 10, 64)
				if err != nil {
					return nil, d.Errf("auth chain: chain id %q: %v", args[2], err)
				}
				c := &settings.Chain{RPCURL: args[1], ChainID: id, KmsContract: args[3]}
				if len(args) == 5 {
					if c.Confirmations, err = strconv.ParseUint(args[4], 10, 64); err != nil {
						return nil, d.Errf("auth chain: confirmations %q: %v", args[4], err)
					}
				}
				cfg.Auth.Chain = c
			case "static", "webhook":
				if len(args) != 2 {
					return nil, d.ArgErr()
				}
				if args[0] == "static" {
					cfg.Auth.Static = args[1]
				} else {
					cfg.Auth.Webhook = args[1]
				}
			case "insecure_allow_all":
				if len(args) > 2 {
					return nil, d.ArgErr()
				}
				cfg.Auth.InsecureAllowAll = true
				if len(args) == 2 {
					cfg.Auth.GatewayAppID = args[1]
				}
			default:
				return nil, d.Errf("unknown authorizer %q (chain, static, webhook or insecure_allow_all)", args[0])
			}
			continue
		}
		if !d.AllArgs(&val) {
			return nil, d.ArgErr()
		}
		switch key {
		case "max_staleness", "poll_interval":
			if cfg.Auth.Chain == nil {
				return nil, d.Errf("%s applies to auth chain: put it after the auth chain line", key)
			}
			v, err := caddy.ParseDuration(val)
			if err != nil || v <= 0 {
				return nil, d.Errf("%s: %q is not a positive duration", key, val)
			}
			if key == "max_staleness" {
				cfg.Auth.Chain.MaxStaleness = settings.Duration(v)
			} else {
				cfg.Auth.Chain.PollInterval = settings.Duration(v)
			}
		case "listen":
			cfg.Listen = val
		case "domain":
			cfg.Domain = val
		case "state_dir":
			cfg.StateDir = val
		case "vm_config":
			cfg.VMConfig = val
		case "pccs":
			cfg.Attestation.PCCSURL = val
		case "collateral":
			cfg.Attestation.CollateralDir = val
		case "insecure_trust_roots":
			cfg.Attestation.InsecureTrustRoots = val
		case "insecure_simulated_tee_seed":
			cfg.InsecureSimulatedTEE = val
		case "sealing_key_hex":
			cfg.SealingKeyHex = val
		case "onboard_from":
			cfg.OnboardFrom = val
		default:
			return nil, d.Errf("unknown dstack_kms option %q", key)
		}
	}
	return httpcaddyfile.App{Name: "dstack_kms", Value: caddyconfig.JSON(cfg, nil)}, nil
}

// parseThreshold reads the threshold block (kms.ThresholdConfig).
func parseThreshold(d *caddyfile.Dispenser) (*kms.ThresholdConfig, error) {
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	t := new(kms.ThresholdConfig)
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		if key == "reshare" {
			if t.Reshare != nil {
				return nil, d.Errf("threshold: reshare given twice")
			}
			r, err := parseReshare(d)
			if err != nil {
				return nil, err
			}
			t.Reshare = r
			continue
		}
		args := d.RemainingArgs()
		if key == "committee_from_chain" {
			if seen[key] || len(args) != 0 {
				return nil, d.Errf("threshold: committee_from_chain takes no value (once)")
			}
			seen[key] = true
			t.CommitteeFromChain = true
			continue
		}
		if key != "node" {
			if seen[key] {
				return nil, d.Errf("threshold: %s given twice", key)
			}
			seen[key] = true
			if len(args) != 1 {
				return nil, d.Errf("threshold: %s takes one value", key)
			}
		}
		switch key {
		case "name":
			t.Name = args[0]
		case "threshold":
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 1 {
				return nil, d.Errf("threshold: threshold %q is not a positive number", args[0])
			}
			t.Threshold = n
		case "node":
			if len(args) != 2 {
				return nil, d.Errf("threshold: node <name> <https://host:port>")
			}
			t.Nodes = append(t.Nodes, kms.ThresholdNode{Name: args[0], URL: args[1]})
		case "peer_listen":
			t.PeerListen = args[0]
		case "dkg_timeout":
			v, err := caddy.ParseDuration(args[0])
			if err != nil || v <= 0 {
				return nil, d.Errf("threshold: dkg_timeout %q is not a positive duration", args[0])
			}
			t.DKGTimeout = settings.Duration(v)
		case "committee_poll":
			v, err := caddy.ParseDuration(args[0])
			if err != nil || v <= 0 {
				return nil, d.Errf("threshold: committee_poll %q is not a positive duration", args[0])
			}
			t.CommitteePoll = settings.Duration(v)
		default:
			return nil, d.Errf("unknown threshold option %q (name, threshold, node, peer_listen, dkg_timeout, committee_from_chain, committee_poll, reshare)", key)
		}
	}
	return t, nil
}

// parseReshare reads the threshold block's reshare block
// (kms.ThresholdReshare).
func parseReshare(d *caddyfile.Dispenser) (*kms.ThresholdReshare, error) {
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	r := new(kms.ThresholdReshare)
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		args := d.RemainingArgs()
		if key == "node" {
			if len(args) != 2 {
				return nil, d.Errf("threshold: reshare: node <name> <https://host:port>")
			}
			r.Nodes = append(r.Nodes, kms.ThresholdNode{Name: args[0], URL: args[1]})
			continue
		}
		if key == "from_nodes" {
			if r.FromNodes != nil || len(args) == 0 {
				return nil, d.Errf("threshold: reshare: from_nodes <name>… (once)")
			}
			r.FromNodes = args
			continue
		}
		if seen[key] {
			return nil, d.Errf("threshold: reshare: %s given twice", key)
		}
		seen[key] = true
		if len(args) != 1 {
			return nil, d.Errf("threshold: reshare: %s takes one value", key)
		}
		n, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil || n < 1 {
			return nil, d.Errf("threshold: reshare: %s %q is not a positive number", key, args[0])
		}
		switch key {
		case "epoch":
			r.Epoch = n
		case "from_epoch":
			r.FromEpoch = n
		case "threshold":
			if n > 1<<12 {
				return nil, d.Errf("threshold: reshare: threshold %d is too large", n)
			}
			r.Threshold = int(n)
		case "root_epoch":
			if n > 1<<32-1 {
				return nil, d.Errf("threshold: reshare: root_epoch %d does not fit 32 bits", n)
			}
			r.RootEpoch = uint32(n)
		default:
			return nil, d.Errf("unknown threshold reshare option %q (epoch, threshold, node, from_epoch, root_epoch, from_nodes)", key)
		}
	}
	return r, nil
}
