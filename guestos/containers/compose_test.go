package containers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestLoadComposeSupported(t *testing.T) {
	text := `
services:
  web:
    image: registry.example/app@` + digestA + `
    entrypoint: ["/app", "serve"]
    command: --port ${PORT}
    environment:
      - GREETING=hello ${NAME:-nobody}
      - SECRET
      - ABSENT
    working_dir: /srv
    user: "1000:1000"
    ports: ["8080:80", "9000"]
    volumes:
      - data:/data
      - ./conf:/conf:ro
      - /var/run/dstack.sock:/var/run/dstack.sock
    restart: on-failure:3
    depends_on:
      db:
        condition: service_started
    healthcheck:
      test: ["CMD", "true"]
  db:
    image: registry.example/db@` + digestA + `
    environment:
      MODE: map
    cap_drop: [ALL]
    cap_add: [chown, CAP_KILL]
    mem_limit: 1g
    cpus: 0.5
    extra_hosts: ["host.example=10.1.2.3"]
    restart: unless-stopped
volumes:
  data: {}
`
	p, err := loadCompose(context.Background(), []byte(text), "demo", map[string]string{"PORT": "80", "SECRET": "s3"}, "/data")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Services) != 2 || p.Services[0].Name != "db" || p.Services[1].Name != "web" {
		t.Fatalf("start order: %+v", p.Services)
	}
	web := p.Services[1]
	if got := strings.Join(web.Command, " "); got != "--port 80" {
		t.Errorf("command %q", got)
	}
	if got := strings.Join(web.Entrypoint, " "); got != "/app serve" {
		t.Errorf("entrypoint %q", got)
	}
	if got := strings.Join(web.Env, ","); got != "GREETING=hello nobody,SECRET=s3" {
		t.Errorf("env %q", got)
	}
	if web.Restart != (restartPolicy{Mode: "on-failure", MaxRetries: 3}) {
		t.Errorf("restart %+v", web.Restart)
	}
	wantMounts := []mount{
		{Kind: mountVolume, Source: "volumes/demo_data", Target: "/data"},
		{Kind: mountBind, Source: "conf", Target: "/conf", ReadOnly: true},
		{Kind: mountAgent, Target: "/var/run/dstack.sock"},
	}
	if !slices.Equal(web.Mounts, wantMounts) {
		t.Errorf("mounts %+v, want %+v", web.Mounts, wantMounts)
	}
	if len(web.Ports) != 2 || web.Ports[0].Published != 8080 || web.Ports[0].Target != 80 || web.Ports[1].Published != 9000 {
		t.Errorf("ports %+v", web.Ports)
	}
	db := p.Services[0]
	if got := strings.Join(db.Env, ","); got != "MODE=map" {
		t.Errorf("db env %q", got)
	}
	if got := strings.Join(db.Caps, ","); got != "CAP_CHOWN,CAP_KILL" {
		t.Errorf("db caps %q", got)
	}
	if db.MemoryLimit != 1<<30 || db.CPUQuota != 50000 || strings.Join(db.ExtraHosts, ",") != "10.1.2.3\thost.example" {
		t.Errorf("db limits %d %d %q", db.MemoryLimit, db.CPUQuota, db.ExtraHosts)
	}
	if !slices.Equal(web.Caps, sorted(defaultCapabilities)) {
		t.Errorf("web caps %q, want docker's default", web.Caps)
	}
}

func TestLoadComposeAllCapabilities(t *testing.T) {
	for _, extra := range []string{"cap_add: [ALL]\n    cap_drop: [NET_RAW]", "privileged: true\n    cap_drop: [NET_RAW]"} {
		text := "services:\n  a:\n    image: r.example/a@" + digestA + "\n    " + extra + "\n"
		p, err := loadCompose(context.Background(), []byte(text), "demo", nil, "/data")
		if err != nil {
			t.Fatal(err)
		}
		s := p.Services[0]
		if !s.AllCaps || !slices.Contains(s.Caps, "CAP_SYS_ADMIN") || slices.Contains(s.Caps, "CAP_NET_RAW") {
			t.Errorf("%s: all %v caps %q", extra, s.AllCaps, s.Caps)
		}
	}
}

func TestLoadComposeDeploy(t *testing.T) {
	text := "services:\n  a:\n    image: r.example/a@" + digestA + "\n    deploy:\n      replicas: 1\n      resources:\n        limits: {cpus: '1.5', memory: 256M, pids: 100}\n        reservations: {memory: 64M}\n      restart_policy: {condition: on-failure, max_attempts: 4}\n"
	p, err := loadCompose(context.Background(), []byte(text), "demo", nil, "/data")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Services[0]
	if s.MemoryLimit != 256<<20 || s.CPUQuota != 150000 || s.PidsLimit != 100 || s.Restart != (restartPolicy{Mode: "on-failure", MaxRetries: 4}) {
		t.Errorf("deploy: memory %d cpu %d pids %d restart %+v", s.MemoryLimit, s.CPUQuota, s.PidsLimit, s.Restart)
	}
}

func TestLoadComposeInterpolatesOnlyTheAppEnv(t *testing.T) {
	t.Setenv("GUEST_ONLY", "leaked")
	text := "services:\n  a:\n    image: r.example/a@" + digestA + "\n    command: [\"${GUEST_ONLY}\", \"${APP:-default}\"]\n    environment: [GUEST_ONLY]\n"
	p, err := loadCompose(context.Background(), []byte(text), "demo", nil, "/data")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Services[0]
	if !slices.Equal(s.Command, []string{"", "default"}) || len(s.Env) != 0 {
		t.Errorf("the guest's own environment reached the app: command %q env %q", s.Command, s.Env)
	}
}

// TestLoadComposeFileFromEnv: a config or secret named by an app env
// variable loads with that variable's value (compose-go fills a config's
// content from it before the model is checked); one that gives both an
// inline content and a variable is refused.
func TestLoadComposeFileFromEnv(t *testing.T) {
	text := "services:\n  a:\n    image: r.example/a@" + digestA + "\n    configs: [c]\n    secrets: [s]\n" +
		"configs:\n  c: {environment: CONF}\nsecrets:\n  s: {environment: SEC}\n"
	p, err := loadCompose(context.Background(), []byte(text), "demo", map[string]string{"CONF": "conf-value", "SEC": "sec-value"}, "/data")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range p.Services[0].Files {
		got[f.Target] = string(f.Content)
	}
	if got["/c"] != "conf-value" || got["/run/secrets/s"] != "sec-value" {
		t.Errorf("files %q", got)
	}
	both := "services:\n  a:\n    image: r.example/a@" + digestA + "\n    configs: [c]\nconfigs:\n  c: {content: inline, environment: CONF}\n"
	for _, env := range []map[string]string{nil, {"CONF": "conf-value"}} {
		if _, err := loadCompose(context.Background(), []byte(both), "demo", env, "/data"); err == nil || !strings.Contains(err.Error(), "exclusive") {
			t.Errorf("content and environment, app env %v: %v", env, err)
		}
	}
}

func TestLoadComposeRefused(t *testing.T) {
	img := "image: r.example/a@" + digestA
	cases := []struct{ name, text, want string }{
		{"outside data dir", "services:\n  a:\n    " + img + "\n    volumes: [\"/etc:/host-etc\"]\n", "outside the data directory"},
		{"dotdot", "services:\n  a:\n    " + img + "\n    volumes: [\"../x:/x\"]\n", "outside the data directory"},
		{"docker socket", "services:\n  a:\n    " + img + "\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n", "outside the data directory"},
		{"init", "services:\n  a:\n    " + img + "\n    init: true\n", `key "init" is not supported`},
		{"build", "services:\n  a:\n    build: .\n", `key "build" is not supported`},
		{"env_file", "services:\n  a:\n    " + img + "\n    env_file: /etc/shadow\n", `key "env_file" is not supported`},
		{"extends file", "services:\n  a:\n    " + img + "\n    extends: {file: /etc/x.yml, service: b}\n", `key "extends" is not supported`},
		{"include", "include: [/etc/x.yml]\nservices:\n  a:\n    " + img + "\n", `top-level key "include"`},
		{"secret file", "services:\n  a:\n    " + img + "\nsecrets:\n  s: {file: /etc/shadow}\n", `secret "s": key "file" is not supported`},
		{"config external", "services:\n  a:\n    " + img + "\nconfigs:\n  c: {external: true}\n", `config "c": key "external"`},
		{"secret from missing env", "services:\n  a:\n    " + img + "\n    secrets: [s]\nsecrets:\n  s: {environment: NOPE}\n", "NOPE is not in the app env"},
		{"healthy", "services:\n  a:\n    " + img + "\n    depends_on: {b: {condition: service_healthy}}\n  b:\n    " + img + "\n", "has no healthcheck"},
		{"bad healthcheck", "services:\n  a:\n    " + img + "\n    healthcheck: {test: [\"RUN\", \"x\"]}\n", "healthcheck.test must start"},
		{"cycle", "services:\n  a:\n    " + img + "\n    depends_on: [b]\n  b:\n    " + img + "\n    depends_on: [a]\n", "cycle"},
		{"bad restart", "services:\n  a:\n    " + img + "\n    restart: sometimes\n", "restart"},
		{"bridge", "services:\n  a:\n    " + img + "\n    network_mode: bridge\n", "network_mode"},
		{"udp remap", "services:\n  a:\n    " + img + "\n    ports: [\"53:5353/udp\"]\n", "UDP"},
		{"no services", "volumes: {}\n", "no services"},
		{"required var", "services:\n  a:\n    " + img + "\n    command: ${MUST:?set MUST}\n", "set MUST"},
		{"external volume", "services:\n  a:\n    " + img + "\n    volumes: [\"v:/v\"]\nvolumes:\n  v: {external: true}\n", `volume "v": key "external"`},
		{"not yaml", "services: [", "loading compose file"},
		{"other platform", "services:\n  a:\n    " + img + "\n    platform: windows/arm64\n", "linux/"},
		{"device outside dev", "services:\n  a:\n    " + img + "\n    devices: [\"/etc/passwd:/dev/x\"]\n", "under /dev"},
		{"unknown ulimit", "services:\n  a:\n    " + img + "\n    ulimits: {wings: 1}\n", "unknown limit"},
		{"replicas", "services:\n  a:\n    " + img + "\n    deploy: {replicas: 3}\n", "exactly one container"},
		{"gpu", "services:\n  a:\n    " + img + "\n    deploy: {resources: {reservations: {devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]}}}\n", "no GPUs"},
		{"deploy placement", "services:\n  a:\n    " + img + "\n    deploy: {placement: {constraints: [x]}}\n", "deploy.placement"},
		{"deploy restart conflict", "services:\n  a:\n    " + img + "\n    restart: always\n    deploy: {restart_policy: {condition: none}}\n", "disagree"},
		{"net sysctl", "services:\n  a:\n    " + img + "\n    sysctls: {net.ipv4.ip_forward: 1}\n", "guest's own network"},
		{"subpath escape", "services:\n  a:\n    " + img + "\n    volumes: [{type: volume, source: v, target: /v, volume: {subpath: ../../etc}}]\nvolumes:\n  v: {}\n", "stay inside"},
		{"unknown cap", "services:\n  a:\n    " + img + "\n    cap_add: [FLY]\n", "unknown capability"},
		{"bad extra host", "services:\n  a:\n    " + img + "\n    extra_hosts: [\"h=not-an-ip\"]\n", "extra_hosts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadCompose(context.Background(), []byte(c.text), "demo", nil, "/data")
			if err == nil {
				t.Fatalf("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
	_, err := loadCompose(context.Background(), []byte("services:\n  a:\n    "+img+"\n    init: true\n"), "demo", nil, "/data")
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("error %v does not wrap ErrUnsupported", err)
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}

func FuzzLoadCompose(f *testing.F) {
	f.Add([]byte("services:\n  a:\n    image: r.example/a@" + digestA + "\n    volumes: [\"./x:/x\", \"v:/v\"]\n    ports: [\"80:8080\"]\n    depends_on: [b]\n  b:\n    image: b\nvolumes:\n  v: {}\n"))
	f.Add([]byte("services:\n  a:\n    image: ${IMG}\n    command: [\"${X:-y}\"]\n    restart: on-failure:2\n"))
	f.Add([]byte("x: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		p, err := loadCompose(context.Background(), text, "fuzz", map[string]string{"IMG": "alpine", "X": "1"}, "/data")
		if err != nil {
			return
		}
		for _, s := range p.Services {
			for _, m := range s.Mounts {
				if strings.HasPrefix(m.Source, "..") || strings.HasPrefix(m.Source, "/") {
					t.Fatalf("mount source %q escapes the data directory", m.Source)
				}
			}
		}
	})
}
