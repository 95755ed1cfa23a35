package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libdns/libdns"
)

// api stands in for Cloudflare's API v4 DNS records endpoints, as
// documented, with one zone and pages of two records.
type api struct {
	mu    sync.Mutex
	recs  map[string]record
	next  int
	calls []string
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, r.Method+" "+r.URL.Path)
	reply := func(status int, result any, info any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		ok := status < 300
		errs := []any{}
		if !ok {
			errs = append(errs, map[string]any{"code": 10000, "message": "Authentication error"})
		}
		json.NewEncoder(w).Encode(map[string]any{"success": ok, "errors": errs, "messages": []any{}, "result": result, "result_info": info})
	}
	if r.Header.Get("Authorization") != "Bearer good-token" {
		reply(http.StatusForbidden, nil, nil)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/zones":
		if r.URL.Query().Get("name") == "example.test" {
			reply(200, []any{map[string]any{"id": "z1", "name": "example.test"}}, nil)
		} else {
			reply(200, []any{}, nil)
		}
	case r.Method == http.MethodGet && r.URL.Path == "/zones/z1/dns_records":
		var ids []string
		for id := range a.recs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		const per = 2
		var out []record
		for i := (page - 1) * per; i < len(ids) && i < page*per; i++ {
			out = append(out, a.recs[ids[i]])
		}
		reply(200, out, map[string]any{"page": page, "per_page": per, "total_pages": (len(ids) + per - 1) / per})
	case r.Method == http.MethodPost && r.URL.Path == "/zones/z1/dns_records":
		var rec record
		json.NewDecoder(r.Body).Decode(&rec)
		a.next++
		rec.ID = fmt.Sprintf("r%03d", a.next)
		if rec.Type == "TXT" {
			rec.Content = strconv.Quote(rec.Content) // the API answers TXT content quoted
		}
		a.recs[rec.ID] = rec
		reply(200, rec, nil)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/zones/z1/dns_records/"):
		id := strings.TrimPrefix(r.URL.Path, "/zones/z1/dns_records/")
		delete(a.recs, id)
		reply(200, map[string]any{"id": id}, nil)
	default:
		http.NotFound(w, r)
	}
}

func TestProvider(t *testing.T) {
	ctx := context.Background()
	a := &api{recs: map[string]record{}}
	srv := httptest.NewServer(a)
	defer srv.Close()
	p := &Provider{APIToken: "good-token", Endpoint: srv.URL}
	zone := "example.test."

	if _, err := p.AppendRecords(ctx, zone, []libdns.Record{
		libdns.TXT{Name: "_acme-challenge.gw", TTL: time.Minute, Text: "tok"},
		libdns.RR{Name: "a", Type: "A", Data: "192.0.2.1"},
		libdns.RR{Name: "b", Type: "A", Data: "192.0.2.2"},
	}); err != nil {
		t.Fatal(err)
	}
	caa := func(uri string) []libdns.Record {
		return []libdns.Record{
			libdns.CAA{Name: "gw", Tag: "issue", Value: "ca.test; accounturi=" + uri},
			libdns.CAA{Name: "gw", Tag: "issuewild", Value: "ca.test; accounturi=" + uri},
		}
	}
	for _, uri := range []string{"https://ca/1", "https://ca/2", "https://ca/2"} {
		if _, err := p.SetRecords(ctx, zone, caa(uri)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := p.GetRecords(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range got {
		rr := r.RR()
		lines = append(lines, rr.Name+" "+rr.Type+" "+rr.Data)
	}
	sort.Strings(lines)
	want := []string{
		"_acme-challenge.gw TXT tok", "a A 192.0.2.1", "b A 192.0.2.2",
		`gw CAA 0 issue "ca.test; accounturi=https://ca/2"`, `gw CAA 0 issuewild "ca.test; accounturi=https://ca/2"`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records (over %d pages):\n%s\nwant\n%s", 3, strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if _, err := p.DeleteRecords(ctx, zone, []libdns.Record{libdns.TXT{Name: "_acme-challenge.gw", Text: "tok"}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.GetRecords(ctx, zone); len(got) != 4 {
		t.Fatalf("%d records after delete, want 4", len(got))
	}

	bad := &Provider{APIToken: "bad-token", Endpoint: srv.URL}
	_, err = bad.GetRecords(ctx, zone)
	if err == nil || !strings.Contains(err.Error(), "Authentication error") || strings.Contains(err.Error(), "bad-token") {
		t.Fatalf("bad token: %v", err)
	}
	if _, err := p.GetRecords(ctx, "other.test."); err == nil || !strings.Contains(err.Error(), "0 zones named other.test") {
		t.Fatalf("unknown zone: %v", err)
	}
}
