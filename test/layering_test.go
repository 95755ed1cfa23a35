package test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/dstack-go/dstack/"

// TestNoServiceLinksAnother checks, with `go list -deps`, that the arrows
// between the parts of the system point one way: the guest and the gateway
// talk to a KMS through its API package (kms/kmsapi) and link none of the
// KMS server, no service links another, and tee/ links nothing of the
// project outside itself, so that a relying party importing the verifier
// gets only the verifier.
func TestNoServiceLinksAnother(t *testing.T) {
	kmsServer := func(p string) bool {
		return (p == "kms" || strings.HasPrefix(p, "kms/")) && p != "kms/kmsapi"
	}
	under := func(root string) func(string) bool {
		return func(p string) bool { return p == root || strings.HasPrefix(p, root+"/") }
	}
	anyOf := func(fs ...func(string) bool) func(string) bool {
		return func(p string) bool {
			for _, f := range fs {
				if f(p) {
					return true
				}
			}
			return false
		}
	}
	cases := []struct {
		patterns  []string
		forbidden func(string) bool
		what      string
	}{
		{[]string{"./guestos/...", "./caddymodules/gateway/..."}, kmsServer, "a KMS server package (use kms/kmsapi)"},
		{[]string{"./guestos/..."}, anyOf(under("caddymodules"), under("cmd")), "a gateway or command package"},
		{[]string{"./caddymodules/gateway/..."}, anyOf(under("guestos"), under("cmd")), "a guest or command package"},
		{[]string{"./kms/..."}, anyOf(under("guestos"), under("caddymodules"), under("cmd")), "a guest, gateway or command package"},
		{[]string{"./tee/..."}, func(p string) bool { return !under("tee")(p) }, "a project package outside tee/"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.patterns, ","), func(t *testing.T) {
			for _, dep := range goListDeps(t, c.patterns...) {
				p, ok := strings.CutPrefix(dep, module)
				if ok && c.forbidden(p) {
					t.Errorf("%s links %s, %s", strings.Join(c.patterns, " "), dep, c.what)
				}
			}
		})
	}
}

// goListDeps lists the packages the patterns link (tests excluded), run
// from the module's root.
func goListDeps(t *testing.T, patterns ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, patterns...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %v: %v\n%s", patterns, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %v: %v", patterns, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatalf("go list -deps %v listed nothing", patterns)
	}
	return deps
}
