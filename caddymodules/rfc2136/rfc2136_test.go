package rfc2136

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dstack-go/dstack/internal/dnstest"
)

func start(t *testing.T) (*dnstest.Server, *Provider) {
	t.Helper()
	srv, err := dnstest.Start("example.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, &Provider{Server: srv.Addr, KeyName: srv.KeyName, Key: srv.Secret}
}

func query(t *testing.T, addr, name string, qt uint16) []dns.RR {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qt)
	in, err := dns.Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	return in.Answer
}

func TestUpdatesAndTransfer(t *testing.T) {
	ctx := context.Background()
	srv, p := start(t)
	zone := "example.test."
	long := strings.Repeat("x", 300)
	if _, err := p.AppendRecords(ctx, zone, []libdns.Record{
		libdns.TXT{Name: "_acme-challenge", TTL: time.Minute, Text: "token"},
		libdns.TXT{Name: "long", TTL: time.Minute, Text: long},
	}); err != nil {
		t.Fatal(err)
	}
	if a := query(t, srv.Addr, "_acme-challenge.example.test", dns.TypeTXT); len(a) != 1 || a[0].(*dns.TXT).Txt[0] != "token" {
		t.Fatalf("TXT after append: %v", a)
	}
	caa := func(v string) libdns.Record {
		return libdns.CAA{Name: "@", TTL: time.Minute, Tag: "issue", Value: v}
	}
	if _, err := p.SetRecords(ctx, zone, []libdns.Record{caa("ca.test; accounturi=https://ca.test/acct/1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SetRecords(ctx, zone, []libdns.Record{caa("ca.test; accounturi=https://ca.test/acct/2")}); err != nil {
		t.Fatal(err)
	}
	if a := query(t, srv.Addr, "example.test", dns.TypeCAA); len(a) != 1 || a[0].(*dns.CAA).Value != "ca.test; accounturi=https://ca.test/acct/2" {
		t.Fatalf("CAA after two sets: %v", a)
	}
	recs, err := p.GetRecords(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		rr := r.RR()
		got = append(got, rr.Name+" "+rr.Type+" "+rr.Data)
	}
	want := []string{
		"@ NS ns.example.test.",
		"_acme-challenge TXT token",
		"long TXT " + long,
		`@ CAA 0 issue "ca.test; accounturi=https://ca.test/acct/2"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("transfer:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := p.DeleteRecords(ctx, zone, []libdns.Record{libdns.TXT{Name: "_acme-challenge", Text: "token"}, libdns.RR{Name: "long", Type: "TXT"}}); err != nil {
		t.Fatal(err)
	}
	if a := query(t, srv.Addr, "_acme-challenge.example.test", dns.TypeTXT); len(a) != 0 {
		t.Fatalf("TXT after delete: %v", a)
	}
	if a := query(t, srv.Addr, "long.example.test", dns.TypeTXT); len(a) != 0 {
		t.Fatalf("TXT set after delete: %v", a)
	}
}

// TestRefusals: a wrong TSIG key, an unsigned update and a missing key all
// fail, and the zone is unchanged.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	srv, p := start(t)
	rec := []libdns.Record{libdns.TXT{Name: "x", TTL: time.Minute, Text: "y"}}

	wrong := *p
	wrong.Key = base64.StdEncoding.EncodeToString([]byte("another secret of enough length!"))
	if _, err := wrong.AppendRecords(ctx, "example.test.", rec); err == nil {
		t.Fatal("update with a wrong key accepted")
	} else {
		t.Log(err)
	}
	if _, err := wrong.GetRecords(ctx, "example.test."); err == nil {
		t.Fatal("transfer with a wrong key accepted")
	}
	unsigned := new(dns.Msg)
	unsigned.SetUpdate("example.test.")
	unsigned.Insert([]dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: "x.example.test.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{"y"}}})
	in, err := dns.Exchange(unsigned, srv.Addr)
	if err != nil || in.Rcode != dns.RcodeRefused {
		t.Fatalf("unsigned update: %v %v", in, err)
	}
	noKey := &Provider{Server: srv.Addr}
	if _, err := noKey.AppendRecords(ctx, "example.test.", rec); err == nil || !strings.Contains(err.Error(), "never sent unsigned") {
		t.Fatalf("provider without a key: %v", err)
	}
	if srv.Updates() != 0 || len(srv.Lookup("x.example.test", dns.TypeTXT)) != 0 {
		t.Fatal("the zone changed")
	}
}
