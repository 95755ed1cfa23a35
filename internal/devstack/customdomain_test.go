package devstack

import (
	"strings"
	"testing"

	"github.com/dstack-go/dstack/tee/identity"
)

// TestCustomDomainOptions: --custom-domain takes a name of three labels or
// more outside the base domain, with --acme, in process mode; its zone is
// the name without its first label; anything else is refused before the
// stack starts, saying what to change.
func TestCustomDomainOptions(t *testing.T) {
	ok := Options{ACME: true, CustomDomain: "app.custom.example"}
	if zone, err := checkCustomDomain(ok); err != nil || zone != "custom.example" {
		t.Fatalf("%q %v", zone, err)
	}
	for _, c := range []struct {
		mod  func(*Options)
		want string
	}{
		{func(o *Options) { o.ACME = false }, "add --acme"},
		{func(o *Options) { o.VM = true }, "drop --vm"},
		{func(o *Options) { o.InsecureBuiltinApp = true }, "drop --insecure-builtin-app"},
		{func(o *Options) { o.CustomDomain = "custom.example" }, "at least three labels"},
		{func(o *Options) { o.CustomDomain = "*.custom.example" }, "at least three labels"},
		{func(o *Options) { o.CustomDomain = "app.custom.example." }, "at least three labels"},
		{func(o *Options) { o.CustomDomain = "a b.custom.example" }, "at least three labels"},
		{func(o *Options) { o.CustomDomain = "app.x.Dstack.localhost" }, "under the gateway's base domain"},
	} {
		o := ok
		c.mod(&o)
		if _, err := checkCustomDomain(o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", o, err, c.want)
		}
	}
}

// TestCustomDomainCompose: the custom-domain app's compose is canonical
// JSON whose docker-compose file holds the Caddyfile and the pinned image,
// and asks for exactly the env its Caddyfile uses.
func TestCustomDomainCompose(t *testing.T) {
	image := caddyImageName[:strings.LastIndex(caddyImageName, ":")] + "@sha256:" + strings.Repeat("ab", 32)
	raw, err := customDomainCompose(image)
	if err != nil {
		t.Fatal(err)
	}
	c, err := identity.ParseAppCompose(raw)
	if err != nil {
		t.Fatal(err)
	}
	if canon, err := identity.CanonicalJSON(raw); err != nil || string(canon) != string(raw) {
		t.Fatalf("not canonical JSON: %v", err)
	}
	for _, want := range []string{"image: " + image, "dstack_acme_info", "storage dstack_sealed", "caa_identity ${ACME_CAA_IDENTITY}"} {
		if !strings.Contains(c.DockerComposeFile, want) {
			t.Errorf("the docker-compose file lacks %q:\n%s", want, c.DockerComposeFile)
		}
	}
	for _, name := range customDomainEnv {
		if !strings.Contains(c.DockerComposeFile, name) {
			t.Errorf("allowed env %s is not used", name)
		}
	}
}
