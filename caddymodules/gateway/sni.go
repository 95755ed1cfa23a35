package gateway

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Target is what a server name under the base domain asks for, in upstream's
// SNI grammar (https://github.com/Dstack-TEE/dstack/blob/master/gateway/src/proxy.rs):
// <id>[-<port>[s|g]].<base_domain>.
type Target struct {
	// ID is an app id or an instance id, lowercase hex.
	ID string
	// Port is the CVM port: the one named, else 443 with Passthrough and 80
	// otherwise.
	Port uint16
	// Passthrough (suffix "s") relays the client's TLS untouched.
	Passthrough bool
	// H2 (suffix "g") terminates TLS advertising h2; the backend speaks
	// HTTP/2.
	H2 bool
}

// ErrNotOurDomain is returned for a name outside the base domain.
var ErrNotOurDomain = errors.New("name is not under the gateway's base domain")

// ParseName parses a server name (an SNI or a Host without its port) under
// baseDomain. Matching is case-insensitive; a trailing dot is ignored.
func ParseName(name, baseDomain string) (Target, error) {
	sub, err := subdomain(name, baseDomain)
	if err != nil {
		return Target{}, err
	}
	return ParseSubdomain(sub)
}

// Upstream's special ids: this gateway node's own info service and the
// legacy health endpoint. ParseSubdomain refuses them (they name no app);
// ParseSpecialName reads them.
const (
	IDGateway = "gateway"
	IDHealth  = "health"
)

// ErrNotSpecial is returned by ParseSpecialName for a name whose id is not
// one of the special ids.
var ErrNotSpecial = errors.New("name is not one of the gateway's special names")

// ParseSpecialName parses a name under baseDomain whose id is IDGateway or
// IDHealth, with upstream's grammar for the rest (-<port>[s|g]).
func ParseSpecialName(name, baseDomain string) (Target, error) {
	sub, err := subdomain(name, baseDomain)
	if err != nil {
		return Target{}, err
	}
	return parseSubdomain(sub, true)
}

// subdomain is the label of name directly under baseDomain, in lower
// case; any other name is ErrNotOurDomain.
func subdomain(name, baseDomain string) (string, error) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	sub, base, ok := strings.Cut(name, ".")
	if !ok || base != strings.TrimSuffix(strings.ToLower(baseDomain), ".") {
		return "", fmt.Errorf("%w: %q", ErrNotOurDomain, name)
	}
	return sub, nil
}

// ParseSubdomain parses <id>[-<port>[s|g]].
func ParseSubdomain(sub string) (Target, error) {
	return parseSubdomain(sub, false)
}

// parseSubdomain parses <id>[-<port>[s|g]]; special says the id must be a
// special id instead of hex.
func parseSubdomain(sub string, special bool) (Target, error) {
	id, rest, dashed := strings.Cut(sub, "-")
	switch {
	case special && id != IDGateway && id != IDHealth:
		return Target{}, fmt.Errorf("%w: %q", ErrNotSpecial, sub)
	case !special && (id == "" || !isHex(id)):
		return Target{}, fmt.Errorf("invalid sni format %q: the id must be an app id or instance id in hex", sub)
	}
	t := Target{ID: id, Port: 80}
	if !dashed {
		return t, nil
	}
	if strings.Contains(rest, "-") {
		return Target{}, fmt.Errorf("invalid sni format %q: more than one dash", sub)
	}
	switch {
	case strings.HasSuffix(rest, "s"):
		t.Passthrough, t.Port, rest = true, 443, strings.TrimSuffix(rest, "s")
	case strings.HasSuffix(rest, "g"):
		t.H2, rest = true, strings.TrimSuffix(rest, "g")
	}
	if rest != "" {
		p, err := strconv.ParseUint(rest, 10, 16)
		if err != nil || p == 0 || rest[0] == '+' {
			return Target{}, fmt.Errorf("invalid sni format %q: port %q", sub, rest)
		}
		t.Port = uint16(p)
	}
	return t, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return len(s) <= 64
}
