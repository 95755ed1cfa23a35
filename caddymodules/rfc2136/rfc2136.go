// Package rfc2136 is a libdns provider that edits a zone with RFC 2136
// dynamic updates signed with TSIG (RFC 8945) and reads it with a zone
// transfer, and the Caddy module dns.providers.rfc2136 around it, so that
// Caddy's ACME issuer can solve DNS-01 and the gateway can pin CAA records
// on any primary server that takes dynamic updates (BIND, Knot, PowerDNS,
// …). It is written on github.com/miekg/dns because the libdns/rfc2136
// module is not available to this build.
//
// It must never send an unsigned update: a provider without a TSIG key does
// not provision.
package rfc2136

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"
)

func init() {
	caddy.RegisterModule(Provider{})
}

// Provider updates zones on one primary server.
type Provider struct {
	// Server is the primary's host:port (port 53 when left out). Required.
	Server string `json:"server,omitempty"`
	// KeyName is the TSIG key's name. Required.
	KeyName string `json:"key_name,omitempty"`
	// KeyAlg is the TSIG algorithm: hmac-sha256 (the default), hmac-sha384,
	// hmac-sha512 or hmac-sha1.
	KeyAlg string `json:"key_alg,omitempty"`
	// Key is the TSIG secret in base64. Required. Caddy placeholders such
	// as {env.TSIG_KEY} are expanded at provisioning.
	Key string `json:"key,omitempty"`
	// Timeout bounds each exchange with the server. Default: 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Provider) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "dns.providers.rfc2136", New: func() caddy.Module { return new(Provider) }}
}

// Provision expands placeholders and checks the configuration.
func (p *Provider) Provision(caddy.Context) error {
	repl := caddy.NewReplacer()
	p.Server = repl.ReplaceAll(p.Server, "")
	p.KeyName = repl.ReplaceAll(p.KeyName, "")
	p.Key = repl.ReplaceAll(p.Key, "")
	return p.check()
}

var algorithms = map[string]string{
	"": dns.HmacSHA256, "hmac-sha256": dns.HmacSHA256, "hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512, "hmac-sha1": dns.HmacSHA1,
}

func (p *Provider) check() error {
	if p.Server == "" {
		return errors.New("rfc2136: server is required")
	}
	if p.KeyName == "" || p.Key == "" {
		return errors.New("rfc2136: key_name and key (the TSIG key) are required: updates are never sent unsigned")
	}
	if _, err := base64.StdEncoding.DecodeString(p.Key); err != nil {
		return fmt.Errorf("rfc2136: key is not base64: %w", err)
	}
	if _, ok := algorithms[strings.ToLower(p.KeyAlg)]; !ok {
		return fmt.Errorf("rfc2136: unknown key_alg %q (hmac-sha256, hmac-sha384, hmac-sha512 or hmac-sha1)", p.KeyAlg)
	}
	return nil
}

func (p *Provider) server() string {
	if _, _, err := net.SplitHostPort(p.Server); err != nil {
		return net.JoinHostPort(p.Server, "53")
	}
	return p.Server
}

func (p *Provider) timeout() time.Duration {
	if p.Timeout > 0 {
		return time.Duration(p.Timeout)
	}
	return 10 * time.Second
}

func (p *Provider) sign(m *dns.Msg) (map[string]string, string) {
	name := dns.Fqdn(p.KeyName)
	alg := algorithms[strings.ToLower(p.KeyAlg)]
	m.SetTsig(name, alg, 300, time.Now().Unix())
	return map[string]string{name: p.Key}, alg
}

// exchange sends m over TCP (updates and their answers can be large) and
// checks the answer's code and signature.
func (p *Provider) exchange(ctx context.Context, m *dns.Msg) error {
	if err := p.check(); err != nil {
		return err
	}
	secrets, _ := p.sign(m)
	c := &dns.Client{Net: "tcp", TsigSecret: secrets, Timeout: p.timeout()}
	in, _, err := c.ExchangeContext(ctx, m, p.server())
	if err != nil {
		return fmt.Errorf("rfc2136: exchange with %s: %w", p.server(), err)
	}
	if in.Rcode != dns.RcodeSuccess {
		return fmt.Errorf("rfc2136: %s answered %s", p.server(), dns.RcodeToString[in.Rcode])
	}
	return nil
}

func toRR(zone string, r libdns.Record) (dns.RR, error) {
	rr := r.RR()
	name := libdns.AbsoluteName(rr.Name, zone)
	ttl := uint32(rr.TTL / time.Second)
	hdr := dns.RR_Header{Name: dns.Fqdn(name), Class: dns.ClassINET, Ttl: ttl, Rrtype: dns.StringToType[strings.ToUpper(rr.Type)]}
	if hdr.Rrtype == 0 {
		return nil, fmt.Errorf("rfc2136: record type %q unknown", rr.Type)
	}
	switch hdr.Rrtype {
	case dns.TypeTXT:
		return &dns.TXT{Hdr: hdr, Txt: chunks(rr.Data)}, nil
	case dns.TypeCAA:
		parsed, err := rr.Parse()
		if err != nil {
			return nil, fmt.Errorf("rfc2136: %w", err)
		}
		c := parsed.(libdns.CAA)
		return &dns.CAA{Hdr: hdr, Flag: c.Flags, Tag: c.Tag, Value: c.Value}, nil
	}
	out, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", hdr.Name, ttl, dns.TypeToString[hdr.Rrtype], rr.Data))
	if err != nil {
		return nil, fmt.Errorf("rfc2136: record %s %s %q: %w", name, rr.Type, rr.Data, err)
	}
	if out == nil {
		return nil, fmt.Errorf("rfc2136: record %s %s has no data", name, rr.Type)
	}
	return out, nil
}

// chunks splits a TXT value into strings of at most 255 bytes.
func chunks(s string) []string {
	out := []string{}
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}

func fromRR(zone string, rr dns.RR) (libdns.Record, error) {
	h := rr.Header()
	name := libdns.RelativeName(h.Name, dns.Fqdn(zone))
	ttl := time.Duration(h.Ttl) * time.Second
	switch v := rr.(type) {
	case *dns.TXT:
		return libdns.TXT{Name: name, TTL: ttl, Text: strings.Join(v.Txt, "")}, nil
	case *dns.CAA:
		return libdns.CAA{Name: name, TTL: ttl, Flags: v.Flag, Tag: v.Tag, Value: v.Value}, nil
	}
	data := strings.TrimPrefix(rr.String(), h.String())
	return libdns.RR{Name: name, TTL: ttl, Type: dns.TypeToString[h.Rrtype], Data: data}.Parse()
}

func (p *Provider) update(ctx context.Context, zone string, recs []libdns.Record, edit func(m *dns.Msg, rrs []dns.RR)) ([]libdns.Record, error) {
	rrs := make([]dns.RR, 0, len(recs))
	for _, r := range recs {
		rr, err := toRR(zone, r)
		if err != nil {
			return nil, err
		}
		rrs = append(rrs, rr)
	}
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(zone))
	edit(m, rrs)
	if err := p.exchange(ctx, m); err != nil {
		return nil, err
	}
	out := make([]libdns.Record, 0, len(rrs))
	for _, rr := range rrs {
		r, err := fromRR(zone, rr)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// AppendRecords adds recs to zone in one update.
func (p *Provider) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return p.update(ctx, zone, recs, func(m *dns.Msg, rrs []dns.RR) { m.Insert(rrs) })
}

// SetRecords replaces each (name, type) set of recs in one update, which the
// server applies atomically.
func (p *Provider) SetRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return p.update(ctx, zone, recs, func(m *dns.Msg, rrs []dns.RR) {
		seen := map[[2]string]bool{}
		var sets []dns.RR
		for _, rr := range rrs {
			k := [2]string{strings.ToLower(rr.Header().Name), dns.TypeToString[rr.Header().Rrtype]}
			if !seen[k] {
				seen[k] = true
				sets = append(sets, rr)
			}
		}
		m.RemoveRRset(sets)
		m.Insert(rrs)
	})
}

// DeleteRecords deletes recs from zone in one update: a record with data is
// deleted exactly, one without data deletes its name's set of that type, and
// one without type deletes every record of its name.
func (p *Provider) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(zone))
	for _, r := range recs {
		rr := r.RR()
		name := dns.Fqdn(libdns.AbsoluteName(rr.Name, zone))
		switch {
		case rr.Type == "":
			m.RemoveName([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: name}}})
		case rr.Data == "":
			t := dns.StringToType[strings.ToUpper(rr.Type)]
			if t == 0 {
				return nil, fmt.Errorf("rfc2136: record type %q unknown", rr.Type)
			}
			m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: name, Rrtype: t}}})
		default:
			full, err := toRR(zone, r)
			if err != nil {
				return nil, err
			}
			m.Remove([]dns.RR{full})
		}
	}
	if err := p.exchange(ctx, m); err != nil {
		return nil, err
	}
	return recs, nil
}

// GetRecords reads the zone with a signed zone transfer (AXFR); the SOA is
// left out.
func (p *Provider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	m := new(dns.Msg)
	m.SetAxfr(dns.Fqdn(zone))
	secrets, _ := p.sign(m)
	tr := &dns.Transfer{TsigSecret: secrets, DialTimeout: p.timeout(), ReadTimeout: p.timeout()}
	ch, err := tr.In(m, p.server())
	if err != nil {
		return nil, fmt.Errorf("rfc2136: zone transfer of %s from %s: %w", zone, p.server(), err)
	}
	var out []libdns.Record
	var failed error
	for env := range ch {
		if env.Error != nil {
			failed = fmt.Errorf("rfc2136: zone transfer of %s from %s: %w", zone, p.server(), env.Error)
			continue
		}
		for _, rr := range env.RR {
			if rr.Header().Rrtype == dns.TypeSOA {
				continue
			}
			r, err := fromRR(zone, rr)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	if failed != nil {
		return nil, failed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// UnmarshalCaddyfile reads
//
//	rfc2136 {
//		server   <host:port>
//		key_name <name>
//		key_alg  <hmac-sha256|hmac-sha384|hmac-sha512|hmac-sha1>
//		key      <base64>
//		timeout  <duration>
//	}
func (p *Provider) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module name
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		switch opt {
		case "server":
			p.Server = val
		case "key_name":
			p.KeyName = val
		case "key_alg":
			p.KeyAlg = val
		case "key":
			p.Key = val
		case "timeout":
			dur, err := caddy.ParseDuration(val)
			if err != nil {
				return d.Errf("timeout: %v", err)
			}
			p.Timeout = caddy.Duration(dur)
		default:
			return d.Errf("unknown rfc2136 option %q", opt)
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
