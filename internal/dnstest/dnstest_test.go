package dnstest

import (
	"testing"

	"github.com/miekg/dns"
)

func exchange(t *testing.T, s *Server, m *dns.Msg, signed bool) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: "tcp"}
	if signed {
		c.TsigSecret = map[string]string{s.KeyName: s.Secret}
		m.SetTsig(s.KeyName, dns.HmacSHA256, 300, 0)
	}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func query(t *testing.T, s *Server, name string, qt uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qt)
	return exchange(t, s, m, false)
}

func txt(t *testing.T, name, value string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(name + " 60 IN TXT \"" + value + "\"")
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// TestZones: one server answers for each of its zones with that zone's
// SOA, refuses names outside them, and takes an update or a transfer of
// one zone only for that zone's names.
func TestZones(t *testing.T) {
	s, err := Start("dstack.localhost")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddZone("App.Example.")
	s.Add(txt(t, "_dstack-app-address.app.example.", "a1b2:443"))
	s.Add(txt(t, "x.dstack.localhost.", "gw"))

	r := query(t, s, "_dstack-app-address.app.example", dns.TypeTXT)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != "a1b2:443" {
		t.Fatalf("TXT in the added zone: %v", r)
	}
	r = query(t, s, "missing.app.example", dns.TypeTXT)
	if r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Name != "app.example." {
		t.Fatalf("a missing name in the added zone: %v", r)
	}
	if r = query(t, s, "app.example", dns.TypeSOA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("the added zone's SOA: %v", r)
	}
	if r = query(t, s, "x.other.example", dns.TypeTXT); r.Rcode != dns.RcodeRefused {
		t.Fatalf("a name in no zone: %v", r)
	}

	// An update of one zone naming the other's records is refused.
	up := new(dns.Msg)
	up.SetUpdate("app.example.")
	up.Insert([]dns.RR{txt(t, "y.dstack.localhost.", "no")})
	if r = exchange(t, s, up, true); r.Rcode != dns.RcodeNotZone {
		t.Fatalf("an update of app.example. naming dstack.localhost.: %v", r)
	}
	up = new(dns.Msg)
	up.SetUpdate("app.example.")
	up.Insert([]dns.RR{txt(t, "_acme-challenge.app.example.", "tok")})
	if r = exchange(t, s, up, true); r.Rcode != dns.RcodeSuccess {
		t.Fatalf("an update of app.example.: %v", r)
	}
	if got := s.Lookup("_acme-challenge.app.example", dns.TypeTXT); len(got) != 1 {
		t.Fatalf("the update's record: %v", got)
	}
	if got := s.Lookup("y.dstack.localhost", dns.TypeTXT); len(got) != 0 {
		t.Fatalf("the refused update's record: %v", got)
	}

	// A transfer of one zone holds its records only.
	ax := new(dns.Msg)
	ax.SetAxfr("app.example.")
	r = exchange(t, s, ax, true)
	if r.Rcode != dns.RcodeSuccess {
		t.Fatalf("AXFR: %v", r)
	}
	for _, rr := range r.Answer {
		if !dns.IsSubDomain("app.example.", rr.Header().Name) {
			t.Fatalf("the transfer of app.example. holds %s", rr)
		}
	}
	if len(r.Answer) != 5 { // SOA, NS, the two TXT, SOA again
		t.Fatalf("AXFR of app.example.: %d records: %v", len(r.Answer), r.Answer)
	}
}
