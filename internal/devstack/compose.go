package devstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/dstack-go/dstack/guestos/containerapp"
	"github.com/dstack-go/dstack/guestos/containers"
	"github.com/dstack-go/dstack/tee/identity"
)

// builtinCompose is the app-compose.json of the built-in demo handler,
// which shows the GREETING of its encrypted env (builtinEnv).
const builtinCompose = `{"allowed_envs":["GREETING"],"docker_compose_file":"services:\n  hello:\n    image: dstack/hello\n","gateway_enabled":false,"kms_enabled":true,"manifest_version":2,"name":"hello","no_instance_id":false,"public_logs":false,"public_sysinfo":false,"runner":"docker-compose"}`

// builtinEnv is the built-in demo's env, encrypted to the app's env key as
// a deployer does: the CVM must decrypt it (with a threshold KMS, from the
// nodes' env partials) for the demo to show it.
var builtinEnv = map[string]string{"GREETING": "hello from the encrypted env"}

// registryHost is the registry name the stack's own registry serves the
// demo image under: a name, not an address, so that the demo's compose
// hash does not change with the registry's port. The stack's CVMs resolve
// it (and every name loaded with --image) to the registry in process. It
// is under .internal (reserved for private use, never on the internet)
// rather than .localhost, for which go-containerregistry speaks plain
// HTTP: requests for it stay HTTPS up to the stack's transport.
const registryHost = "registry.dstack.internal"

// demoImageName is the demo image's name in the stack's registry.
const demoImageName = registryHost + "/dstack/demo:v1"

// appComposeOf wraps a docker-compose text into an app-compose.json, in
// canonical JSON (identity.CanonicalJSON), that asks for the KMS and the
// gateway.
func appComposeOf(name, dockerCompose string, allowedEnvs []string, allowTags bool) ([]byte, error) {
	if allowedEnvs == nil {
		allowedEnvs = []string{}
	}
	return identity.CanonicalJSONOf(struct {
		ManifestVersion     int      `json:"manifest_version"`
		Name                string   `json:"name"`
		Runner              string   `json:"runner"`
		DockerComposeFile   string   `json:"docker_compose_file"`
		KMSEnabled          bool     `json:"kms_enabled"`
		GatewayEnabled      bool     `json:"gateway_enabled"`
		PublicLogs          bool     `json:"public_logs"`
		PublicSysinfo       bool     `json:"public_sysinfo"`
		AllowedEnvs         []string `json:"allowed_envs"`
		NoInstanceID        bool     `json:"no_instance_id"`
		AllowUnpinnedImages bool     `json:"allow_unpinned_images,omitempty"`
	}{2, name, "docker-compose", dockerCompose, true, true, false, false, allowedEnvs, false, allowTags})
}

// readUserCompose reads --compose: an app-compose.json as is (its bytes
// are what the compose hash covers), or a docker-compose file wrapped into
// one that asks for the KMS and the gateway.
func readUserCompose(path string, allowTags bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "{") {
		return b, nil
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if name == "docker-compose" || name == "compose" {
		name = filepath.Base(filepath.Dir(path))
	}
	return appComposeOf(containerapp.ProjectName(name), string(b), nil, allowTags)
}

// demoAppCompose is the app-compose.json of the demo app at image (pinned
// by digest) and version: one service on the guest network, listening on
// the port the encrypted env's PORT names, publishing the app's port 80
// (the gateway routes only published ports; the dev stack's tunnel relays
// 80 to PORT), with a named volume for its data and the agent socket
// mounted.
func demoAppCompose(image, version string) ([]byte, error) {
	compose := fmt.Sprintf(`services:
  demo:
    image: %s
    command: ["-version", %q]
    environment:
      - PORT
    ports:
      - "80"
    volumes:
      - demo-data:/data
      - /var/run/dstack.sock:/var/run/dstack.sock
    restart: on-failure:3
volumes:
  demo-data:
`, image, version)
	return appComposeOf("dstack-demo", compose, []string{"PORT"}, false)
}

// userApp is the user's app (--compose, --image), read and checked before
// anything starts.
type userApp struct {
	compose []byte
	images  []localImage
	// ports are the ports the compose file publishes, in service order.
	ports []uint16
}

// loadUserApp reads the compose file and the images, and checks that
// every service's image can be had: loaded with --image (by a digest it
// holds, or by tag when tags are allowed), or from a registry by digest.
func loadUserApp(composePath string, imagePaths []string, allowTags, plainHTTP bool) (*userApp, error) {
	raw, err := readUserCompose(composePath, allowTags)
	if err != nil {
		return nil, fmt.Errorf("--compose: %w", err)
	}
	c, err := identity.ParseAppCompose(raw)
	if err != nil {
		return nil, fmt.Errorf("--compose %s: %w", composePath, err)
	}
	app := &userApp{compose: raw}
	for _, p := range imagePaths {
		imgs, err := readLocalImages(p)
		if err != nil {
			return nil, fmt.Errorf("--image %s: %w", p, err)
		}
		app.images = append(app.images, imgs...)
	}
	if c.Runner != "docker-compose" {
		return nil, fmt.Errorf("--compose %s: runner %q: the development stack runs docker-compose apps", composePath, c.Runner)
	}
	services, err := containers.Check(context.Background(), []byte(c.DockerComposeFile), nil)
	if err != nil {
		return nil, fmt.Errorf("--compose %s: %w", composePath, err)
	}
	for _, svc := range services {
		if err := checkImage(svc, app.images, c.AllowUnpinnedImages, allowTags, plainHTTP); err != nil {
			return nil, fmt.Errorf("--compose %s: service %q: %w", composePath, svc.Name, err)
		}
		app.ports = append(app.ports, svc.Published...)
	}
	return app, nil
}

// checkImage says whether a service's image can be had, and what to change
// when it cannot.
func checkImage(svc containers.ServiceSummary, loaded []localImage, composeAllowsTags, allowTagsFlag, plainHTTP bool) error {
	ref, err := name.ParseReference(svc.Image)
	if err != nil {
		return fmt.Errorf("image %q: %w", svc.Image, err)
	}
	repo := ref.Context().Name()
	var same []localImage
	for _, l := range loaded {
		if l.repo == repo {
			same = append(same, l)
		}
	}
	d, pinned := ref.(name.Digest)
	switch {
	case pinned && len(same) > 0:
		for _, l := range same {
			if l.digest == d.DigestStr() {
				return nil
			}
		}
		return fmt.Errorf("image %s: --image loaded %s only as %s, not with digest %s", svc.Image, repo, digestsOf(same), d.DigestStr())
	case pinned:
		if isLoopbackRegistry(ref.Context().RegistryStr()) && !plainHTTP {
			return fmt.Errorf("image %s is on a loopback registry: load it with --image (an OCI layout or a docker save tarball), or pass --insecure-plain-http-loopback to pull it over plain HTTP", svc.Image)
		}
		return nil
	case !composeAllowsTags:
		fix := "pin it by digest (" + repo + "@sha256:…)"
		if len(same) > 0 {
			fix = fmt.Sprintf("write \"image: %s@%s\" (what --image %s holds)", strings.TrimSuffix(svc.Image, ":"+ref.Identifier()), same[0].digest, same[0].source)
		}
		tags := "pass --insecure-allow-image-tags"
		if allowTagsFlag {
			tags = "set \"allow_unpinned_images\": true in your app-compose.json"
		}
		return fmt.Errorf("image %s is not pinned by digest, and the compose hash must pin what runs: %s, or %s to run it by tag", svc.Image, fix, tags)
	case len(same) > 0:
		for _, l := range same {
			if l.tag == ref.Identifier() {
				return nil
			}
		}
		return fmt.Errorf("image %s: --image loaded %s only with the tags %s", svc.Image, repo, tagsOf(same))
	}
	return nil
}

func digestsOf(imgs []localImage) string {
	var out []string
	for _, l := range imgs {
		out = append(out, l.digest)
	}
	return strings.Join(out, ", ")
}

func tagsOf(imgs []localImage) string {
	var out []string
	for _, l := range imgs {
		if l.tag != "" {
			out = append(out, l.tag)
		}
	}
	return strings.Join(out, ", ")
}
