// Package dnstest is an authoritative DNS server for one zone or a few, in
// memory, on loopback, for tests (an ACME server has one resolver, so the
// zones of every name it validates are served by one server): it answers queries (SOA, NS, TXT, CAA, any type it
// holds), zone transfers and RFC 2136 dynamic updates signed with TSIG, the
// way a primary server a DNS-01 solver talks to does. It must never be used
// outside tests: it keeps nothing and trusts its one key.
package dnstest

import (
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Server serves Zone, and the zones AddZone adds, on Addr (UDP and TCP).
type Server struct {
	// Addr is host:port, the same for UDP and TCP.
	Addr string
	// Zone is the first zone's name, fully qualified.
	Zone string
	// KeyName and Secret (base64) are the TSIG key updates and transfers
	// must be signed with (hmac-sha256).
	KeyName, Secret string

	mu      sync.Mutex
	zones   []string
	rrs     []dns.RR
	updates int
	udp     *dns.Server
	tcp     *dns.Server
}

// Start serves zone on a random loopback port with a fresh TSIG key.
func Start(zone string) (*Server, error) {
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i*7 + 3)
	}
	s := &Server{
		Zone:    dns.Fqdn(strings.ToLower(zone)),
		KeyName: "dstack-test-key.",
		Secret:  base64.StdEncoding.EncodeToString(secret),
	}
	s.addZone(s.Zone)
	var pc net.PacketConn
	var l net.Listener
	var err error
	for range 20 {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("starting the test DNS server: %w", err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("starting the test DNS server: no port free for both UDP and TCP: %w", err)
	}
	s.Addr = pc.LocalAddr().String()
	tsig := map[string]string{s.KeyName: s.Secret}
	s.udp = &dns.Server{PacketConn: pc, Handler: s, TsigSecret: tsig}
	s.tcp = &dns.Server{Listener: l, Handler: s, TsigSecret: tsig}
	// miekg/dns's default acceptance drops updates: take them too.
	accept := func(h dns.Header) dns.MsgAcceptAction {
		if int(h.Bits>>11)&0xF == dns.OpcodeUpdate {
			return dns.MsgAccept
		}
		return dns.DefaultMsgAcceptFunc(h)
	}
	s.udp.MsgAcceptFunc, s.tcp.MsgAcceptFunc = accept, accept
	up := make(chan struct{}, 2)
	s.udp.NotifyStartedFunc = func() { up <- struct{}{} }
	s.tcp.NotifyStartedFunc = func() { up <- struct{}{} }
	go s.udp.ActivateAndServe()
	go s.tcp.ActivateAndServe()
	<-up
	<-up
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

// AddZone makes the server authoritative for zone too (its SOA and NS
// records), for queries, transfers and updates alike.
func (s *Server) AddZone(zone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addZone(dns.Fqdn(strings.ToLower(zone)))
}

func (s *Server) addZone(zone string) {
	if slices.Contains(s.zones, zone) {
		return
	}
	s.zones = append(s.zones, zone)
	s.add(&dns.SOA{Hdr: s.hdr(zone, dns.TypeSOA, 60), Ns: "ns." + zone, Mbox: "hostmaster." + zone,
		Serial: 1, Refresh: 60, Retry: 60, Expire: 600, Minttl: 1})
	s.add(&dns.NS{Hdr: s.hdr(zone, dns.TypeNS, 60), Ns: "ns." + zone})
}

func (s *Server) hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

// Add puts rr in the zone, as an operator's edit would.
func (s *Server) Add(rr dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(rr)
}

// Replace sets the records of name and type to rrs, as an operator's edit
// would.
func (s *Server) Replace(name string, t uint16, rrs ...dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = dns.Fqdn(strings.ToLower(name))
	keep := s.rrs[:0]
	for _, rr := range s.rrs {
		if !strings.EqualFold(rr.Header().Name, name) || rr.Header().Rrtype != t {
			keep = append(keep, rr)
		}
	}
	s.rrs = keep
	for _, rr := range rrs {
		s.add(rr)
	}
}

// Lookup returns copies of the records of name and type.
func (s *Server) Lookup(name string, t uint16) []dns.RR {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookup(dns.Fqdn(strings.ToLower(name)), t)
}

// Updates counts the dynamic updates applied.
func (s *Server) Updates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates
}

func (s *Server) lookup(name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range s.rrs {
		h := rr.Header()
		if strings.EqualFold(h.Name, name) && (t == dns.TypeANY || h.Rrtype == t) {
			out = append(out, dns.Copy(rr))
		}
	}
	return out
}

// zoneOf is the closest of the server's zones holding name, "" when none
// does.
func (s *Server) zoneOf(name string) string {
	name = dns.Fqdn(strings.ToLower(name))
	best := ""
	for _, z := range s.zones {
		if dns.IsSubDomain(z, name) && len(z) > len(best) {
			best = z
		}
	}
	return best
}

func (s *Server) add(rr dns.RR) {
	rr = dns.Copy(rr)
	rr.Header().Name = strings.ToLower(rr.Header().Name)
	rr.Header().Class = dns.ClassINET
	for _, have := range s.rrs {
		if dns.IsDuplicate(have, rr) {
			return
		}
	}
	s.rrs = append(s.rrs, rr)
}

// ServeDNS implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	signed := req.IsTsig() != nil
	if signed && w.TsigStatus() != nil {
		m.Rcode = dns.RcodeNotAuth
		w.WriteMsg(m)
		return
	}
	switch {
	case req.Opcode == dns.OpcodeUpdate:
		m.Rcode = s.update(req, signed)
	case req.Opcode == dns.OpcodeQuery && len(req.Question) == 1 && req.Question[0].Qtype == dns.TypeAXFR:
		m.Rcode = s.transfer(req, m, signed)
	case req.Opcode == dns.OpcodeQuery && len(req.Question) == 1:
		s.query(req.Question[0], m)
	default:
		m.Rcode = dns.RcodeNotImplemented
	}
	if signed {
		t := req.IsTsig()
		m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
	}
	w.WriteMsg(m)
}

func (s *Server) query(q dns.Question, m *dns.Msg) {
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	zone := s.zoneOf(name)
	if zone == "" {
		m.Authoritative = false
		m.Rcode = dns.RcodeRefused
		return
	}
	m.Answer = s.lookup(name, q.Qtype)
	if len(m.Answer) == 0 {
		if len(s.lookup(name, dns.TypeANY)) == 0 && name != zone {
			m.Rcode = dns.RcodeNameError
		}
		m.Ns = s.lookup(zone, dns.TypeSOA)
	}
}

func (s *Server) transfer(req *dns.Msg, m *dns.Msg, signed bool) int {
	if !signed {
		return dns.RcodeRefused
	}
	zone := strings.ToLower(req.Question[0].Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.zones, zone) {
		return dns.RcodeNotAuth
	}
	soa := s.lookup(zone, dns.TypeSOA)
	m.Answer = soa
	for _, rr := range s.rrs {
		if rr.Header().Rrtype != dns.TypeSOA && s.zoneOf(rr.Header().Name) == zone {
			m.Answer = append(m.Answer, dns.Copy(rr))
		}
	}
	m.Answer = append(m.Answer, soa...)
	return dns.RcodeSuccess
}

// update applies an RFC 2136 update (section 2.5's four kinds); it refuses
// an unsigned one and one with prerequisites, which it does not evaluate.
func (s *Server) update(req *dns.Msg, signed bool) int {
	if !signed {
		return dns.RcodeRefused
	}
	if len(req.Question) != 1 {
		return dns.RcodeNotZone
	}
	if len(req.Answer) > 0 {
		return dns.RcodeNotImplemented
	}
	zone := strings.ToLower(req.Question[0].Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.zones, zone) {
		return dns.RcodeNotZone
	}
	for _, rr := range req.Ns {
		if s.zoneOf(rr.Header().Name) != zone {
			return dns.RcodeNotZone
		}
	}
	for _, rr := range req.Ns {
		h := rr.Header()
		name := strings.ToLower(h.Name)
		switch h.Class {
		case dns.ClassINET:
			s.add(rr)
		case dns.ClassANY, dns.ClassNONE:
			keep := s.rrs[:0]
			for _, have := range s.rrs {
				hh := have.Header()
				match := strings.EqualFold(hh.Name, name) && (h.Rrtype == dns.TypeANY || hh.Rrtype == h.Rrtype)
				if match && h.Class == dns.ClassNONE {
					c := dns.Copy(rr)
					c.Header().Class = dns.ClassINET
					c.Header().Ttl = hh.Ttl
					match = dns.IsDuplicate(have, c)
				}
				if match && name == zone && (hh.Rrtype == dns.TypeSOA || hh.Rrtype == dns.TypeNS) {
					match = false
				}
				if !match {
					keep = append(keep, have)
				}
			}
			s.rrs = keep
		default:
			return dns.RcodeFormatError
		}
	}
	s.updates++
	return dns.RcodeSuccess
}
