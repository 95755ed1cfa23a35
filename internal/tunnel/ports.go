package tunnel

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/dstack-go/dstack/tee/identity"
)

// Routes are the CVM ports the gateway may relay to, as an app's
// app-compose.json declares them. Both tunnel ends derive them from the same
// attested document (the gateway from the app-compose whose SHA-256 is the
// attested compose hash, the guest from the one it measured), so that
// neither relays a port the app did not publish: a service listening only
// on the CVM's loopback stays private.
type Routes struct {
	// Ports are the routed ports, ascending.
	Ports []uint16 `json:"ports"`
	// ProxyProtocol are the ports whose layer4 streams start with a PROXY
	// protocol v2 header (port_policy's pp), ascending.
	ProxyProtocol []uint16 `json:"proxy_protocol,omitempty"`
	// Unrouted says, for each port declaration that routes nothing, why
	// (bound to loopback, named by a variable of the encrypted env, UDP).
	Unrouted []string `json:"-"`
}

// Allows reports whether port is routed.
func (r Routes) Allows(port uint16) bool { return slices.Contains(r.Ports, port) }

// ComposeRoutes derives the routed ports from an app-compose:
//
//   - with port_policy.restrict_mode, exactly the ports port_policy lists
//     (none when it lists none), as upstream's gateway does;
//   - otherwise the TCP ports the docker_compose_file publishes (a service's
//     `ports:`, short or long syntax, the published side; a port bound to a
//     loopback host_ip is not published) and every port port_policy lists.
//
// Any other port is refused: deny by default, where upstream's gateway
// relays any port of the CVM's network interface (which loopback-only
// services are not on). A published port the gateway cannot read — named by
// a ${VAR} of the encrypted env, which only the CVM sees — is not routed and
// is listed in Unrouted; list it in port_policy instead. An error means the
// docker_compose_file is not YAML the runner could have run.
func ComposeRoutes(c *identity.AppCompose) (Routes, error) {
	var r Routes
	add := func(list *[]uint16, p uint16) {
		if !slices.Contains(*list, p) {
			*list = append(*list, p)
		}
	}
	if p := c.PortPolicy; p != nil {
		for _, rule := range p.Ports {
			if rule.Port == 0 {
				return Routes{}, fmt.Errorf("port_policy: port 0 is not a TCP port")
			}
			add(&r.Ports, rule.Port)
			if rule.PP {
				add(&r.ProxyProtocol, rule.Port)
			}
		}
	}
	if c.PortPolicy == nil || !c.PortPolicy.RestrictMode {
		published, unrouted, err := publishedPorts(c.DockerComposeFile)
		if err != nil {
			return Routes{}, err
		}
		for _, p := range published {
			add(&r.Ports, p)
		}
		r.Unrouted = unrouted
	}
	slices.Sort(r.Ports)
	slices.Sort(r.ProxyProtocol)
	return r, nil
}

// composePorts is the part of a compose file that publishes ports.
type composePorts struct {
	Services map[string]struct {
		Ports []yaml.Node `yaml:"ports"`
	} `yaml:"services"`
}

// publishedPorts reads the TCP ports a compose file publishes on the CVM's
// interfaces.
func publishedPorts(compose string) (ports []uint16, unrouted []string, err error) {
	if strings.TrimSpace(compose) == "" {
		return nil, nil, nil
	}
	var doc composePorts
	if err := yaml.Unmarshal([]byte(compose), &doc); err != nil {
		return nil, nil, fmt.Errorf("reading the ports of docker_compose_file: %w", err)
	}
	for name, svc := range doc.Services {
		for _, n := range svc.Ports {
			var cfgs []types.ServicePortConfig
			var text string
			switch n.Kind {
			case yaml.ScalarNode:
				text = n.Value
				if !strings.Contains(text, "$") {
					if cfgs, err = types.ParsePortConfig(text); err != nil {
						return nil, nil, fmt.Errorf("service %q: port %q: %w", name, text, err)
					}
				}
			case yaml.MappingNode:
				var long struct {
					Target    string `yaml:"target"`
					Published string `yaml:"published"`
					HostIP    string `yaml:"host_ip"`
					Protocol  string `yaml:"protocol"`
				}
				if err := n.Decode(&long); err != nil {
					return nil, nil, fmt.Errorf("service %q: port: %w", name, err)
				}
				text = fmt.Sprintf("%s:%s->%s/%s", long.HostIP, long.Published, long.Target, long.Protocol)
				if !strings.Contains(text, "$") {
					t, err := strconv.ParseUint(long.Target, 10, 16)
					if err != nil {
						return nil, nil, fmt.Errorf("service %q: port target %q is not a port number", name, long.Target)
					}
					cfgs = []types.ServicePortConfig{{Target: uint32(t), Published: long.Published, HostIP: long.HostIP, Protocol: long.Protocol}}
				}
			default:
				return nil, nil, fmt.Errorf("service %q: a port is neither a string nor a mapping", name)
			}
			if cfgs == nil {
				unrouted = append(unrouted, fmt.Sprintf("service %q port %q: named by a variable of the encrypted env", name, text))
				continue
			}
			for _, pc := range cfgs {
				p, why := publishedPort(pc)
				if why != "" {
					unrouted = append(unrouted, fmt.Sprintf("service %q port %q: %s", name, text, why))
					continue
				}
				if !slices.Contains(ports, p) {
					ports = append(ports, p)
				}
			}
		}
	}
	slices.Sort(ports)
	slices.Sort(unrouted)
	return ports, unrouted, nil
}

// publishedPort is the CVM port a port declaration publishes, or why it
// publishes none the gateway may route. A declaration without a published
// port publishes its target, as the guest's container runner does.
func publishedPort(pc types.ServicePortConfig) (uint16, string) {
	if pc.Protocol != "" && !strings.EqualFold(pc.Protocol, "tcp") {
		return 0, "not TCP"
	}
	if ip := net.ParseIP(strings.Trim(pc.HostIP, "[]")); ip != nil && ip.IsLoopback() || pc.HostIP == "localhost" {
		return 0, "bound to loopback"
	}
	if pc.Published == "" {
		if pc.Target == 0 || pc.Target > 65535 {
			return 0, "no port number"
		}
		return uint16(pc.Target), ""
	}
	p, err := strconv.ParseUint(pc.Published, 10, 16)
	if err != nil || p == 0 {
		return 0, "published port " + strconv.Quote(pc.Published) + " is not one port number"
	}
	return uint16(p), ""
}
