package devstack

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dstack-go/dstack/guestos/containerapp"
	"github.com/dstack-go/dstack/internal/acmetest"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/identity"
)

// caddyPackage is Caddy with the project's modules, built into the image
// of the custom-domain app (--custom-domain).
const caddyPackage = "github.com/dstack-go/dstack/cmd/caddy"

// caddyImageName is that image's name in the stack's registry.
const caddyImageName = registryHost + "/dstack/caddy:v1"

// customDomainDir is the custom-domain app's CVM directory under the
// stack's; it starts with "cvm" so that an up after a kill -9 clears what
// it left as it does the app's.
const customDomainDir = "cvm-custom-domain"

// customDomainService is the compose service of the custom-domain app.
const customDomainService = "caddy"

// customDomainCaddyfile is the custom-domain app's Caddy config. It is
// fixed, so that the compose hash pins it; what differs between stacks
// comes from the app's encrypted env through compose interpolation (the
// ACME CA, its CAA identity, the DNS server and its TSIG key's name, the
// domain, its zone and the port), or from the container's env at
// provisioning (the TSIG secret, {env.TSIG_KEY}). The certificate is
// obtained in the CVM with dstack_acme (DNS-01 and CAA with accounturi in
// the domain's own zone), kept in dstack_sealed storage under the key the
// CVM's guest agent derives from the app's keys, and its key and account
// are quoted by the app's TD at /.dstack/acme-info.
const customDomainCaddyfile = `{
  admin off
  persist_config off
  auto_https disable_redirects
  storage dstack_sealed {
    backend file_system /data/caddy
    socket /var/run/dstack.sock
  }
  servers {
    protocols h1 h2
  }
}

https://${DOMAIN}:${PORT} {
  bind 127.0.0.1
  tls {
    issuer dstack_acme {
      base_domain ${DOMAIN}
      zone ${ZONE}
      caa_identity ${ACME_CAA_IDENTITY}
      acme {
        dir ${ACME_DIRECTORY}
        email ops@${ZONE}
        trusted_roots /etc/caddy/acme-ca.pem
        disable_http_challenge
        disable_tlsalpn_challenge
        dns rfc2136 {
          server ${ACME_DNS}
          key_name ${TSIG_KEY_NAME}
          key {env.TSIG_KEY}
        }
        resolvers ${ACME_DNS}
        propagation_timeout -1
      }
    }
  }
  dstack_acme_info {
    agent_socket /var/run/dstack.sock
    domains ${DOMAIN}
  }
  respond "${DOMAIN}: served by Caddy in the app's CVM"
}
`

// customDomainEnv are the names of the custom-domain app's env
// (allowed_envs).
var customDomainEnv = []string{"ACME_CAA_IDENTITY", "ACME_CA_ROOT", "ACME_DIRECTORY", "ACME_DNS", "DOMAIN", "PORT", "TSIG_KEY", "TSIG_KEY_NAME", "ZONE"}

// customDomainCompose is the app-compose.json of the custom-domain app:
// Caddy (image, pinned by digest) with customDomainCaddyfile, publishing
// port 443 (the gateway passes the domain's connections through to it),
// its data in a named volume and the agent socket mounted.
func customDomainCompose(image string) ([]byte, error) {
	indented := "      " + strings.ReplaceAll(strings.TrimSuffix(customDomainCaddyfile, "\n"), "\n", "\n      ")
	compose := fmt.Sprintf(`services:
  %s:
    image: %s
    command: ["run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
    environment:
      - HOME=/data
      - XDG_DATA_HOME=/data
      - XDG_CONFIG_HOME=/data/config
      - TSIG_KEY
    ports:
      - "443"
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
      - source: acme-ca
        target: /etc/caddy/acme-ca.pem
    volumes:
      - caddy-data:/data
      - /var/run/dstack.sock:/var/run/dstack.sock
    restart: on-failure:3
volumes:
  caddy-data:
configs:
  caddyfile:
    content: |
%s
  acme-ca:
    content: ${ACME_CA_ROOT}
`, customDomainService, image, strings.ReplaceAll(indented, "\n      \n", "\n\n"))
	return appComposeOf("dstack-custom-domain", compose, customDomainEnv, false)
}

// CustomDomainState is what state.json says of the app serving its own
// domain (--custom-domain).
type CustomDomainState struct {
	// Name is the app's domain; Zone the DNS zone it is in, served by the
	// stack's DNS server (acme_dns), which holds its
	// _dstack-app-address TXT record and its CAA records.
	Name string `json:"name"`
	Zone string `json:"zone"`
	// URL is the app through the gateway's HTTPS port, which passes its
	// connections through to the app's CVM (resolve Name to 127.0.0.1);
	// AcmeInfoURL is the app's own attested ACME record there.
	URL         string `json:"url"`
	AcmeInfoURL string `json:"acme_info_url"`
	// AppID is the app's id (hex), AppContract its DstackApp, and
	// ComposeHash its compose hash.
	AppID       string `json:"app_id"`
	AppContract string `json:"app_contract"`
	ComposeHash string `json:"compose_hash"`
	// Image is the Caddy image the app runs, pinned.
	Image string `json:"image"`
	// Dir is the app's CVM directory; GuestSocket its guest agent, whose
	// GetKey seals the app's Caddy storage; Storage where that storage is
	// on this machine; Log the app's Caddy log.
	Dir         string `json:"dir"`
	GuestSocket string `json:"guest_socket"`
	Storage     string `json:"storage"`
	Log         string `json:"log"`
}

// customDomain is the app of --custom-domain, once booted.
type customDomain struct {
	st  CustomDomainState
	cvm *cvm
}

// hostName is a host name: letters, digits and inner hyphens in each
// label, not fully qualified.
var hostName = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// checkCustomDomain checks --custom-domain against the other options and
// returns the domain's zone: the name without its first label.
func checkCustomDomain(o Options) (string, error) {
	name := o.CustomDomain
	switch {
	case !o.ACME:
		return "", errors.New("--custom-domain gets the app's certificate from the stack's Pebble: add --acme")
	case o.VM:
		return "", errors.New("--custom-domain runs its app in process mode only (a VM's restricted network reaches neither Pebble nor the DNS server): drop --vm")
	case o.InsecureBuiltinApp:
		return "", errors.New("--custom-domain runs Caddy as a container: drop --insecure-builtin-app")
	}
	if !hostName.MatchString(name) || strings.Count(name, ".") < 2 {
		return "", fmt.Errorf("--custom-domain %q: a host name of at least three labels, such as app.custom.example (its zone, custom.example, is served by the stack's DNS server)", name)
	}
	if dns.IsSubDomain(baseDomain, strings.ToLower(name)) {
		return "", fmt.Errorf("--custom-domain %s is under the gateway's base domain %s: pick a name outside it", name, baseDomain)
	}
	_, zone, _ := strings.Cut(strings.ToLower(name), ".")
	return zone, nil
}

// startCustomDomain builds Caddy with the project's modules into an image,
// registers the custom-domain app on chain, adds its zone and its
// _dstack-app-address TXT record to the stack's DNS server, and boots its
// CVM, which runs that Caddy as its app and registers with the gateway.
func (s *stack) startCustomDomain(ctx context.Context) error {
	name := strings.ToLower(s.o.CustomDomain)
	zone, err := checkCustomDomain(s.o)
	if err != nil {
		return err
	}
	work := filepath.Join(s.dir, "build")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	img, err := buildStaticImage(ctx, work, caddyPackage, "caddy", "the custom-domain app's Caddy image")
	if err != nil {
		return err
	}
	image, err := s.registry.push(ctx, localImage{name: caddyImageName, image: img})
	if err != nil {
		return err
	}
	compose, err := customDomainCompose(image)
	if err != nil {
		return err
	}
	appAddr, err := s.gov.deployApp(ctx, identity.ComposeHash(compose), "deploy-app (custom domain)")
	if err != nil {
		return err
	}
	appID := hex.EncodeToString(appAddr.Bytes())
	envPub, err := s.kms.Service.GetAppEnvEncryptPubKey(ctx, &kmsapi.AppID{AppID: appAddr.Bytes()})
	if err != nil {
		return fmt.Errorf("getting the custom-domain app's env encryption key: %w", err)
	}

	a := s.acme
	a.dns.AddZone(zone)
	txt, err := dns.NewRR("_dstack-app-address." + name + ". 60 IN TXT \"" + appID + ":443\"")
	if err != nil {
		return err
	}
	a.dns.Add(txt)

	port, err := freeLoopbackPort()
	if err != nil {
		return err
	}
	env := map[string]string{
		"DOMAIN": name, "ZONE": zone, "PORT": strconv.Itoa(port),
		"ACME_DIRECTORY": a.pebble.URL, "ACME_CAA_IDENTITY": acmetest.Identity, "ACME_CA_ROOT": string(a.pebble.APICertPEM),
		"ACME_DNS": a.dns.Addr, "TSIG_KEY_NAME": a.dns.KeyName, "TSIG_KEY": a.dns.Secret,
	}
	cfg := cvmConfig{
		dir: filepath.Join(s.dir, customDomainDir), compose: compose, appID: appAddr.Bytes(), kmsURL: s.kms.URL, vmConfig: vmConfig(),
		gatewayURL: s.gw.registrationURL, pki: s.pki, chain: s.reader, log: s.log, envPubKey: envPub.PublicKey,
		registry: s.registryOptions(), env: env, ports: map[uint16]string{443: "127.0.0.1:" + strconv.Itoa(port)},
	}
	if s.tkms != nil {
		cfg.threshold = s.tkms.sys
	}
	c, err := bootCVM(ctx, cfg)
	if err != nil {
		return fmt.Errorf("booting the custom-domain app's CVM: %w", err)
	}
	s.onStop(func() { c.stop() })
	go func() { s.errc <- c.wait() }()
	base := "https://" + name + ":" + portOf(s.o.Listen)
	project := containerapp.ProjectName("dstack-custom-domain") + "-" + instanceTag(c.instanceID, c.dir)
	s.custom = &customDomain{cvm: c, st: CustomDomainState{
		Name: name, Zone: zone, URL: base + "/", AcmeInfoURL: base + "/.dstack/acme-info",
		AppID: appID, AppContract: appAddr.Hex(), ComposeHash: hex.EncodeToString(c.composeHash[:]), Image: image,
		Dir: c.dir, GuestSocket: c.socket,
		Storage: filepath.Join(c.dir, "data", "volumes", project+"_caddy-data", "caddy"),
		Log:     filepath.Join(c.dir, "containers", "logs", project, customDomainService+".log"),
	}}
	return nil
}

// waitForCustomDomain waits until the custom domain answers through the
// gateway's HTTPS port with a certificate that chains to Pebble's root
// for that name: the gateway passed the connection through, and the app's
// Caddy got its certificate.
func (s *stack) waitForCustomDomain(ctx context.Context) error {
	st := s.custom.st
	limit := 3 * time.Minute
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.acme.pebble.Roots(), ServerName: st.Name, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.o.Listen)
		},
	}}
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		res, err := client.Get(st.URL)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d: %s", res.StatusCode, strings.TrimSpace(string(body)))
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer through the gateway with a certificate from Pebble within %s: %w (see the app's Caddy log %s and the gateway's log)", st.Name, limit, last, st.Log)
}

// customDomainSummary is the summary's lines of the custom-domain app (""
// without it).
func (s *stack) customDomainSummary() string {
	if s.custom == nil {
		return ""
	}
	st, port := s.custom.st, portOf(s.o.Listen)
	return fmt.Sprintf(`  custom domain %s (app %s; Caddy in its CVM, passed through by the gateway)
  curl          curl --cacert %s --resolve %s:%s:127.0.0.1 %s
  acme-info     %s verify --acme-info %s --resolve %s:%s:127.0.0.1 --cacert %s --app-id %s --insecure-trust-roots %s --collateral %s
`, st.Name, st.AppID, s.acme.root, st.Name, port, st.URL,
		s.o.Dstack, st.AcmeInfoURL, st.Name, port, s.acme.root, st.AppID, s.roots, s.coll)
}
