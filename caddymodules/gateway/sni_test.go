package gateway

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const id = "0123456789abcdef0123456789abcdef01234567"

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Target
	}{
		{id + ".gw.example", Target{ID: id, Port: 80}},
		{id + "-8080.gw.example", Target{ID: id, Port: 8080}},
		{id + "-443s.gw.example", Target{ID: id, Port: 443, Passthrough: true}},
		{id + "-s.gw.example", Target{ID: id, Port: 443, Passthrough: true}},
		{id + "-8443s.gw.example", Target{ID: id, Port: 8443, Passthrough: true}},
		{id + "-50051g.gw.example", Target{ID: id, Port: 50051, H2: true}},
		{id + "-g.gw.example", Target{ID: id, Port: 80, H2: true}},
		{id + "-.gw.example", Target{ID: id, Port: 80}},
		{strings.ToUpper(id) + ".GW.example.", Target{ID: id, Port: 80}},
	} {
		got, err := ParseName(tc.name, "gw.example")
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v", tc.name, got, err)
		}
	}
	for _, name := range []string{
		id + ".other.example", id + ".sub.gw.example", "gw.example", id, ".gw.example",
		id + "-1-2.gw.example", id + "-443gs.gw.example", id + "-65536.gw.example", id + "-0.gw.example",
		id + "-x.gw.example", "xyz.gw.example", id + "-+80.gw.example", strings.Repeat("a", 65) + ".gw.example",
	} {
		if got, err := ParseName(name, "gw.example"); err == nil {
			t.Errorf("%s accepted as %+v", name, got)
		}
	}
	if _, err := ParseName(id+".other.example", "gw.example"); !errors.Is(err, ErrNotOurDomain) {
		t.Errorf("other domain: %v", err)
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{id + ".gw.example", id + "-443s.gw.example", id + "-1g.gw.example", "a-b-c.gw.example"} {
		f.Add(s)
	}
	f.Add("gateway-80.gw.example")
	f.Fuzz(func(t *testing.T, name string) {
		if got, err := ParseSpecialName(name, "gw.example"); err == nil &&
			(got.Port == 0 || (got.ID != IDGateway && got.ID != IDHealth) || (got.H2 && got.Passthrough)) {
			t.Fatalf("special %q → %+v", name, got)
		}
		got, err := ParseName(name, "gw.example")
		if err != nil {
			return
		}
		if got.Port == 0 || got.ID == "" || (got.H2 && got.Passthrough) || !isHex(got.ID) {
			t.Fatalf("%q → %+v", name, got)
		}
	})
}

// TestTunnelAddress: a registration's tunnel address is dialed only at
// the address the registration came from (an empty host, or that host) or
// in the operator's tunnel_address_allow; any other host is refused with
// the reason.
func TestTunnelAddress(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("192.168.7.0/24"), netip.MustParsePrefix("fd00::/8")}
	for in, want := range map[string]string{
		":9443": "10.1.2.3:9443", "10.1.2.3:1": "10.1.2.3:1", "[::ffff:10.1.2.3]:2": "10.1.2.3:2",
		"192.168.7.9:80": "192.168.7.9:80", "[fd00::1]:80": "[fd00::1]:80",
	} {
		got, err := tunnelAddress(in, "10.1.2.3:5555", allow)
		if err != nil || got != want {
			t.Errorf("%s: %s %v", in, got, err)
		}
	}
	for in, why := range map[string]string{
		"": "missing port", "9443": "missing port", ":0": "invalid port", ":65536": "invalid port", "host:x": "invalid port", ":9443:1": "too many colons",
		"1.2.3.4:1":        "host 1.2.3.4 is not the address the registration came from (10.1.2.3), nor in tunnel_address_allow",
		"[::1]:80":         "host ::1 is not the address",
		"127.0.0.1:8545":   "host 127.0.0.1 is not the address",
		"192.168.8.1:80":   "host 192.168.8.1 is not the address",
		"kms.internal:443": `host "kms.internal" is not an IP address`,
	} {
		if got, err := tunnelAddress(in, "10.1.2.3:5555", allow); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %q %v, want an error saying %q", in, got, err, why)
		}
	}
	if _, err := tunnelAddress("192.168.7.9:80", "10.1.2.3:5555", nil); err == nil {
		t.Error("an address of the allow-list accepted without it")
	}
}

func FuzzTunnelAddress(f *testing.F) {
	f.Add(":9443", "10.0.0.1:1")
	f.Add("a:b", "")
	f.Fuzz(func(t *testing.T, addr, remote string) {
		got, err := tunnelAddress(addr, remote, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
		if err != nil {
			return
		}
		if _, _, err := splitDial(got); err != nil {
			t.Fatalf("%q, %q → %q: %v", addr, remote, got, err)
		}
	})
}

func TestParseAppAddress(t *testing.T) {
	got, err := ParseAppAddress(" " + strings.ToUpper(id) + ":8443 ")
	if err != nil || got != (Target{ID: id, Port: 8443, Passthrough: true}) {
		t.Fatalf("%+v %v", got, err)
	}
	for _, s := range []string{"", id, id + ":", id + ":0", id + ":65536", ":443", "zz:443", id + ":443:1", id + ":-1"} {
		if got, err := ParseAppAddress(s); err == nil {
			t.Errorf("%q accepted as %+v", s, got)
		}
	}
}

func FuzzParseAppAddress(f *testing.F) {
	f.Add(id + ":443")
	f.Add("x:y")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseAppAddress(s)
		if err == nil && (got.Port == 0 || !got.Passthrough || got.ID == "" || !isHex(got.ID)) {
			t.Fatalf("%q → %+v", s, got)
		}
	})
}

func TestParseSpecialName(t *testing.T) {
	for name, want := range map[string]Target{
		"gateway.gw.test":      {ID: IDGateway, Port: 80},
		"Health.GW.test.":      {ID: IDHealth, Port: 80},
		"gateway-8080.gw.test": {ID: IDGateway, Port: 8080},
		"gateway-s.gw.test":    {ID: IDGateway, Port: 443, Passthrough: true},
		"gateway-g.gw.test":    {ID: IDGateway, Port: 80, H2: true},
	} {
		got, err := ParseSpecialName(name, "gw.test")
		if err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", name, got, err, want)
		}
	}
	for _, name := range []string{"gateway.other.test", "abcd.gw.test", "gateway-1-2.gw.test", "gatewayx.gw.test", "-80.gw.test", "gw.test"} {
		if _, err := ParseSpecialName(name, "gw.test"); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := ParseName("gateway.gw.test", "gw.test"); err == nil {
		t.Error("ParseName accepts the special id gateway")
	}
}
