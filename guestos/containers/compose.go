package containers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/sys/capability"
	"golang.org/x/sys/unix"
)

// ErrUnsupported is wrapped by every error that refuses a compose key or value
// this runner does not implement.
var ErrUnsupported = errors.New("not supported by the dstack container runner")

// agentSocketPaths are the container paths at which apps and the SDKs look for
// the dstack guest agent (and its legacy tappd endpoint); a bind mount of one
// of them is served from Config.AgentSocket.
var agentSocketPaths = []string{
	"/var/run/dstack.sock", "/run/dstack.sock", "/var/run/dstack/dstack.sock",
	"/var/run/tappd.sock", "/run/tappd.sock", "/var/run/dstack/tappd.sock",
}

// supportedServiceKeys are the service keys the runner implements.
var supportedServiceKeys = []string{
	"image", "command", "entrypoint", "environment", "working_dir", "user",
	"volumes", "ports", "restart", "depends_on", "container_name", "hostname",
	"stop_signal", "stop_grace_period", "network_mode", "networks", "read_only",
	"cap_add", "cap_drop", "mem_limit", "cpus", "extra_hosts", "tmpfs", "healthcheck",
	"devices", "ulimits", "shm_size", "group_add", "platform", "deploy",
	"configs", "secrets", "privileged", "sysctls",
}

// deployKeys are the keys of a service's deploy section the runner accepts,
// each with the sub-keys it accepts (nil: a scalar). Resource reservations
// are soft and changed nothing for one service on its own VM; device
// reservations (GPUs) are refused.
var deployKeys = map[string][]string{
	"resources":      {"limits", "reservations"},
	"restart_policy": {"condition", "max_attempts"},
	"replicas":       nil,
	"labels":         nil,
}

// rlimitNames are the ulimits compose may set (RLIMIT_ + upper case).
var rlimitNames = []string{
	"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
	"nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
}

// ignoredServiceKeys are informational keys that change nothing about how a
// service runs here: labels and annotations are metadata, expose documents
// ports, logging is replaced by the runner's own per-service log, pull_policy
// does not apply to digest-pinned images, and no service gets a terminal or
// stdin.
var ignoredServiceKeys = []string{
	"labels", "annotations", "expose", "logging", "pull_policy", "tty", "stdin_open",
}

// supportedTopLevelKeys are the top-level keys the runner accepts. Networks
// are accepted and flattened: every service shares the guest's network.
// Configs and secrets must carry their content inline (content) or name a
// variable of the decrypted env (environment); the compose file is all a
// dstack app ships, so there is no file for them to name.
var supportedTopLevelKeys = []string{"name", "services", "volumes", "networks", "configs", "secrets"}

// service is one compose service after validation, with every host path
// already resolved.
type service struct {
	Name        string
	Image       string
	Entrypoint  []string // nil: the image's
	Command     []string // nil: the image's (unless Entrypoint is set)
	Env         []string // KEY=VALUE, sorted
	WorkingDir  string
	User        string
	Hostname    string
	Aliases     []string // container_name and network aliases
	ReadOnly    bool
	Privileged  bool
	Caps        []string // CAP_ names, docker's default set changed by cap_add and cap_drop
	AllCaps     bool     // cap_add ALL or privileged: Caps is cut to the guest's bounding set
	MemoryLimit int64    // bytes; 0: none
	CPUQuota    int64    // microseconds per 100 ms period; 0: none
	PidsLimit   int64    // 0: none
	ExtraHosts  []string // "ip\tname" lines for /etc/hosts
	Devices     []device
	Rlimits     []rlimit
	ShmSize     int64    // bytes; 0: docker's 64 MiB
	GroupAdd    []string // extra groups, names or ids
	Sysctls     map[string]string
	Files       []fileMount
	Mounts      []mount
	Ports       []port
	Restart     restartPolicy
	Health      *healthcheck // nil: none
	DependsOn   []dependency
	StopSignal  syscall.Signal
	StopTimeout time.Duration
}

type mountKind int

const (
	mountBind   mountKind = iota // a directory or file under DataDir
	mountVolume                  // a named volume under DataDir/volumes
	mountAgent                   // the dstack agent socket
	mountTmpfs
)

type mount struct {
	Kind     mountKind
	Source   string // path relative to DataDir (bind, volume); empty otherwise
	Target   string
	ReadOnly bool
	NoCopy   bool // a new named volume is not filled from the image
}

// fileMount is a compose config or secret, written into the service's
// directory and bind-mounted read-only.
type fileMount struct {
	HostName string // file name in the service's files/ directory
	Target   string
	Content  []byte
	UID, GID int
	Mode     uint32
}

type device struct {
	Host   string // a character or block device on the guest
	Target string
	Perms  string // cgroup access: some of r, w, m
}

type rlimit struct {
	Type       string // RLIMIT_NOFILE, …
	Soft, Hard uint64
}

type port struct {
	HostIP    string
	Published uint16
	Target    uint16
	Protocol  string
}

type restartPolicy struct {
	Mode       string // no, always, on-failure, unless-stopped
	MaxRetries int    // on-failure only; 0 means unlimited
}

type dependency struct {
	Service   string
	Condition string // service_started, service_healthy or service_completed_successfully
}

// project is a validated compose file.
type project struct {
	Name     string
	Services []*service // in start order
}

// loadCompose parses compose text, interpolating ${VAR} from env only, and
// validates it into services in start order. dataDir is where relative bind
// mounts resolve; nothing is read from disk.
func loadCompose(ctx context.Context, text []byte, projectName string, env map[string]string, dataDir string) (*project, error) {
	if projectName == "" {
		return nil, errors.New("loading compose file: project name is empty; set Config.ProjectName")
	}
	if loader.NormalizeProjectName(projectName) != projectName {
		return nil, fmt.Errorf("loading compose file: project name %q must be lowercase letters, digits, '-' and '_', starting with a letter or digit", projectName)
	}
	if !filepath.IsAbs(dataDir) {
		return nil, fmt.Errorf("loading compose file: data directory %q is not absolute; set Config.DataDir", dataDir)
	}
	details := types.ConfigDetails{
		WorkingDir:  filepath.Clean(dataDir),
		ConfigFiles: []types.ConfigFile{{Filename: "docker-compose.yaml", Content: text}},
		Environment: types.Mapping(env),
	}
	if details.Environment == nil {
		details.Environment = types.Mapping{}
	}
	options := []func(*loader.Options){
		func(o *loader.Options) {
			o.SetProjectName(projectName, true)
			// include and extends would read other files; they are refused
			// below instead of followed.
			o.SkipInclude = true
			o.SkipExtends = true
		},
	}
	dict, err := loader.LoadModelWithContext(ctx, details, options...)
	if err != nil {
		return nil, fmt.Errorf("loading compose file: %w", err)
	}
	if err := checkModel(dict, env); err != nil {
		return nil, fmt.Errorf("loading compose file: %w", err)
	}
	opts := loader.ToOptions(&details, options)
	opts.SkipResolveEnvironment = true
	opts.SkipResolveLabels = true
	p, err := loader.ModelToProject(dict, opts, details)
	if err != nil {
		return nil, fmt.Errorf("loading compose file: %w", err)
	}
	return convertProject(p, env, dataDir)
}

// checkModel refuses keys the runner does not implement, before anything
// would act on them (env_file and label_file are read by compose-go only
// after this point). env is the app env the model was loaded with.
func checkModel(dict map[string]any, env map[string]string) error {
	for k := range dict {
		if strings.HasPrefix(k, "x-") || slices.Contains(supportedTopLevelKeys, k) {
			continue
		}
		return fmt.Errorf("top-level key %q is %w; remove it", k, ErrUnsupported)
	}
	services, _ := dict["services"].(map[string]any)
	if len(services) == 0 {
		return errors.New("the compose file defines no services")
	}
	for _, sname := range sortedKeys(services) {
		svc, ok := services[sname].(map[string]any)
		if !ok {
			return fmt.Errorf("service %q is not a mapping", sname)
		}
		for _, k := range sortedKeys(svc) {
			if strings.HasPrefix(k, "x-") || slices.Contains(supportedServiceKeys, k) || slices.Contains(ignoredServiceKeys, k) {
				continue
			}
			return fmt.Errorf("service %q: key %q is %w; remove it", sname, k, ErrUnsupported)
		}
		if err := checkDeploy(svc["deploy"]); err != nil {
			return fmt.Errorf("service %q: %w", sname, err)
		}
	}
	for _, kind := range []string{"configs", "secrets"} {
		objs, _ := dict[kind].(map[string]any)
		for _, oname := range sortedKeys(objs) {
			o, _ := objs[oname].(map[string]any)
			for _, k := range sortedKeys(o) {
				if k == "content" || k == "environment" || k == "name" || k == "labels" || strings.HasPrefix(k, "x-") {
					continue
				}
				return fmt.Errorf("%s %q: key %q is %w; give the content inline (content) or from the app env (environment)", kind[:len(kind)-1], oname, k, ErrUnsupported)
			}
			content, hasContent := o["content"]
			envName, hasEnv := o["environment"].(string)
			// compose-go has already filled a config's content from its
			// environment variable when the app env sets it: content
			// beside environment is the user's only when it differs.
			if hasContent && hasEnv {
				if v, set := env[envName]; set && content == v {
					hasContent = false
				}
			}
			if hasContent == hasEnv {
				return fmt.Errorf("%s %q needs exactly one of content and environment", kind[:len(kind)-1], oname)
			}
		}
	}
	if vols, ok := dict["volumes"].(map[string]any); ok {
		for _, vname := range sortedKeys(vols) {
			v, _ := vols[vname].(map[string]any)
			for _, k := range sortedKeys(v) {
				if k == "name" || strings.HasPrefix(k, "x-") {
					continue
				}
				if k == "driver" && v[k] == "local" {
					continue
				}
				return fmt.Errorf("volume %q: key %q is %w; named volumes are plain directories under the data directory", vname, k, ErrUnsupported)
			}
		}
	}
	return nil
}

func checkDeploy(v any) error {
	deploy, _ := v.(map[string]any)
	for _, k := range sortedKeys(deploy) {
		sub, ok := deployKeys[k]
		if !ok && !strings.HasPrefix(k, "x-") {
			return fmt.Errorf("deploy.%s is %w; remove it", k, ErrUnsupported)
		}
		m, _ := deploy[k].(map[string]any)
		for _, sk := range sortedKeys(m) {
			if !slices.Contains(sub, sk) && !strings.HasPrefix(sk, "x-") {
				return fmt.Errorf("deploy.%s.%s is %w; remove it", k, sk, ErrUnsupported)
			}
		}
	}
	res, _ := deploy["resources"].(map[string]any)
	for _, which := range []string{"limits", "reservations"} {
		m, _ := res[which].(map[string]any)
		for _, k := range sortedKeys(m) {
			if k != "cpus" && k != "memory" && !(which == "limits" && k == "pids") && !strings.HasPrefix(k, "x-") {
				return fmt.Errorf("deploy.resources.%s.%s is %w (no GPUs or generic resources here); remove it", which, k, ErrUnsupported)
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func convertProject(p *types.Project, env map[string]string, dataDir string) (*project, error) {
	out := &project{Name: p.Name}
	byName := map[string]*service{}
	for _, sname := range sortedKeys(p.Services) {
		s, err := convertService(p, p.Services[sname], env, dataDir)
		if err != nil {
			return nil, fmt.Errorf("service %q: %w", sname, err)
		}
		byName[sname] = s
	}
	for _, s := range byName {
		for _, d := range s.DependsOn {
			if d.Condition == types.ServiceConditionHealthy && byName[d.Service].Health == nil {
				return nil, fmt.Errorf("service %q: depends_on %q with condition service_healthy, but %q has no healthcheck; add one or use service_started", s.Name, d.Service, d.Service)
			}
		}
	}
	order, err := startOrder(byName)
	if err != nil {
		return nil, err
	}
	out.Services = order
	return out, nil
}

// convertService validates one compose service and resolves it into a
// service, step by step: its identity and process, its environment, its
// restart policy and privileges, its resources, its names and files, its
// ports and its dependencies. The first error found is returned.
func convertService(p *types.Project, sc types.ServiceConfig, env map[string]string, dataDir string) (*service, error) {
	s, err := newService(sc)
	if err != nil {
		return nil, err
	}
	if s.Env, err = convertEnvironment(sc.Environment, env); err != nil {
		return nil, err
	}
	if err := applyPrivileges(s, &sc); err != nil {
		return nil, err
	}
	if err := applyResources(s, &sc); err != nil {
		return nil, err
	}
	if s.ExtraHosts, err = convertExtraHosts(sc.ExtraHosts); err != nil {
		return nil, err
	}
	if err := applyMounts(s, p, &sc, env, dataDir); err != nil {
		return nil, err
	}
	for _, pc := range sc.Ports {
		pt, err := convertPort(pc)
		if err != nil {
			return nil, err
		}
		s.Ports = append(s.Ports, pt)
	}
	if s.DependsOn, err = convertDependsOn(p, sc.DependsOn); err != nil {
		return nil, err
	}
	return s, nil
}

// newService checks the service's image and fills in what it runs and how
// it is named and stopped: entrypoint, command, working_dir, user, hostname,
// container_name and network aliases, network_mode, stop_signal and
// stop_grace_period.
func newService(sc types.ServiceConfig) (*service, error) {
	if sc.Image == "" {
		return nil, fmt.Errorf("no image; every service needs an image pinned by digest (build is %w)", ErrUnsupported)
	}
	if _, err := name.ParseReference(sc.Image); err != nil {
		return nil, fmt.Errorf("image %q: %w", sc.Image, err)
	}
	s := &service{
		Name:       sc.Name,
		Image:      sc.Image,
		WorkingDir: sc.WorkingDir,
		User:       sc.User,
		Hostname:   sc.Hostname,
		ReadOnly:   sc.ReadOnly,
		StopSignal: unix.SIGTERM,
		// docker's default grace period
		StopTimeout: 10 * time.Second,
	}
	if sc.Entrypoint != nil {
		s.Entrypoint = append([]string{}, sc.Entrypoint...)
	}
	if sc.Command != nil {
		s.Command = append([]string{}, sc.Command...)
	}
	if s.WorkingDir != "" && !filepath.IsAbs(s.WorkingDir) {
		return nil, fmt.Errorf("working_dir %q is not an absolute path", s.WorkingDir)
	}
	if s.Hostname == "" {
		s.Hostname = sc.Name
	}
	if sc.ContainerName != "" {
		s.Aliases = append(s.Aliases, sc.ContainerName)
	}
	for _, n := range sortedKeys(sc.Networks) {
		if nc := sc.Networks[n]; nc != nil {
			s.Aliases = append(s.Aliases, nc.Aliases...)
		}
	}
	for _, a := range s.Aliases {
		if a == "" || strings.ContainsAny(a, " \t\n\r\x00#") {
			return nil, fmt.Errorf("container name or network alias %q is not a host name", a)
		}
	}
	if sc.NetworkMode != "" && sc.NetworkMode != "host" {
		return nil, fmt.Errorf("network_mode %q is %w: every service shares the guest's network", sc.NetworkMode, ErrUnsupported)
	}
	if sc.StopSignal != "" {
		sig := unix.SignalNum(strings.ToUpper(ensurePrefix(sc.StopSignal, "SIG")))
		if sig == 0 {
			return nil, fmt.Errorf("stop_signal %q is not a signal name", sc.StopSignal)
		}
		s.StopSignal = sig
	}
	if sc.StopGracePeriod != nil {
		s.StopTimeout = time.Duration(*sc.StopGracePeriod)
	}
	return s, nil
}

// convertEnvironment returns the service's environment as sorted KEY=VALUE
// entries. Values come from the compose text (already interpolated); a bare
// name takes the decrypted app env's value, and is left out when the env has
// none, as docker compose does.
func convertEnvironment(vars types.MappingWithEquals, env map[string]string) ([]string, error) {
	var out []string
	for _, k := range sortedKeys(vars) {
		if strings.ContainsAny(k, "=\x00") || k == "" {
			return nil, fmt.Errorf("environment variable name %q is invalid", k)
		}
		v := vars[k]
		if v == nil {
			val, ok := env[k]
			if !ok {
				continue
			}
			v = &val
		}
		if strings.ContainsRune(*v, 0) {
			return nil, fmt.Errorf("environment variable %q contains a NUL byte", k)
		}
		out = append(out, k+"="+*v)
	}
	return out, nil
}

// applyPrivileges sets the restart policy (restart, then deploy), the
// capabilities (cap_add, cap_drop, privileged) and the healthcheck.
func applyPrivileges(s *service, sc *types.ServiceConfig) error {
	var err error
	if s.Restart, err = parseRestart(sc.Restart); err != nil {
		return err
	}
	if err := applyDeploy(s, sc); err != nil {
		return err
	}
	if s.Caps, s.AllCaps, err = capabilities(sc.CapAdd, sc.CapDrop); err != nil {
		return err
	}
	s.Privileged = sc.Privileged
	if s.Privileged {
		// docker's --privileged: every capability, then cap_drop
		if s.Caps, _, err = capabilities([]string{"ALL"}, sc.CapDrop); err != nil {
			return err
		}
		s.AllCaps = true
	}
	if s.Health, err = convertHealthcheck(sc.HealthCheck); err != nil {
		return err
	}
	return nil
}

// applyResources sets what the service may use of the guest: mem_limit,
// cpus, platform, devices, ulimits, shm_size, group_add and sysctls.
func applyResources(s *service, sc *types.ServiceConfig) error {
	if sc.MemLimit < 0 {
		return fmt.Errorf("mem_limit %d is negative", sc.MemLimit)
	}
	if sc.MemLimit > 0 {
		s.MemoryLimit = int64(sc.MemLimit)
	}
	if sc.CPUS < 0 || sc.CPUS > 4096 {
		return fmt.Errorf("cpus %v is out of range", sc.CPUS)
	}
	if sc.CPUS > 0 {
		s.CPUQuota = int64(float64(sc.CPUS) * 100000)
	}
	if sc.Platform != "" && sc.Platform != "linux/"+runtime.GOARCH && !strings.HasPrefix(sc.Platform, "linux/"+runtime.GOARCH+"/") {
		return fmt.Errorf("platform %q: this guest runs linux/%s images only", sc.Platform, runtime.GOARCH)
	}
	var err error
	if s.Devices, err = convertDevices(sc.Devices); err != nil {
		return err
	}
	if s.Rlimits, err = convertUlimits(sc.Ulimits); err != nil {
		return err
	}
	if sc.ShmSize < 0 {
		return fmt.Errorf("shm_size %d is negative", sc.ShmSize)
	}
	s.ShmSize = int64(sc.ShmSize)
	s.GroupAdd = append([]string{}, sc.GroupAdd...)
	for k, v := range sc.Sysctls {
		// The container shares the guest's network namespace, so a net.*
		// sysctl would change the guest; libcontainer checks the rest
		// against the namespaces the container has.
		if strings.HasPrefix(k, "net.") || strings.HasPrefix(k, "net/") {
			return fmt.Errorf("sysctl %s would change the guest's own network settings; services share the guest's network namespace", k)
		}
		if s.Sysctls == nil {
			s.Sysctls = map[string]string{}
		}
		s.Sysctls[k] = v
	}
	return nil
}

// convertDevices checks the devices a service is given: a source under
// /dev, an absolute target (the source's path when none is named), and
// cgroup permissions made of r, w and m (default rwm).
func convertDevices(devices []types.DeviceMapping) ([]device, error) {
	var out []device
	for _, d := range devices {
		dv := device{Host: filepath.Clean(d.Source), Target: filepath.Clean(d.Target), Perms: d.Permissions}
		if dv.Target == "." || d.Target == "" {
			dv.Target = dv.Host
		}
		if dv.Perms == "" {
			dv.Perms = "rwm"
		}
		if !filepath.IsAbs(dv.Host) || !strings.HasPrefix(dv.Host, "/dev/") || !filepath.IsAbs(dv.Target) {
			return nil, fmt.Errorf("device %q: the source must be a path under /dev and the target absolute", d.Source)
		}
		if strings.Trim(dv.Perms, "rwm") != "" {
			return nil, fmt.Errorf("device %q: permissions %q must be made of r, w and m", d.Source, dv.Perms)
		}
		out = append(out, dv)
	}
	return out, nil
}

// convertUlimits turns ulimits into rlimits, in name order: a known limit
// name, non-negative values, soft ≤ hard (a single value sets both).
func convertUlimits(ulimits map[string]*types.UlimitsConfig) ([]rlimit, error) {
	var out []rlimit
	for _, n := range sortedKeys(ulimits) {
		u := ulimits[n]
		if !slices.Contains(rlimitNames, n) {
			return nil, fmt.Errorf("ulimits %q: unknown limit; use one of %s", n, strings.Join(rlimitNames, ", "))
		}
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		if soft < 0 || hard < 0 || soft > hard {
			return nil, fmt.Errorf("ulimits %q: soft %d and hard %d must be non-negative with soft ≤ hard", n, soft, hard)
		}
		out = append(out, rlimit{Type: "RLIMIT_" + strings.ToUpper(n), Soft: uint64(soft), Hard: uint64(hard)})
	}
	return out, nil
}

// convertExtraHosts returns the /etc/hosts lines ("ip\tname") of
// extra_hosts, in host name order.
func convertExtraHosts(hosts types.HostsList) ([]string, error) {
	var out []string
	for _, h := range sortedKeys(hosts) {
		for _, ip := range hosts[h] {
			if net.ParseIP(ip) == nil || strings.ContainsAny(h, " \t\n\r\x00") {
				return nil, fmt.Errorf("extra_hosts %s=%s: need a host name and an IP address", h, ip)
			}
			out = append(out, ip+"\t"+h)
		}
	}
	return out, nil
}

// applyMounts resolves what is mounted into the service: volumes (under
// dataDir), configs and secrets (written as files), and tmpfs mounts.
func applyMounts(s *service, p *types.Project, sc *types.ServiceConfig, env map[string]string, dataDir string) error {
	for _, v := range sc.Volumes {
		m, err := convertVolume(p, v, dataDir)
		if err != nil {
			return err
		}
		s.Mounts = append(s.Mounts, m)
	}
	for _, ref := range sc.Configs {
		fm, err := convertFile(p, env, "config", types.FileReferenceConfig(ref))
		if err != nil {
			return err
		}
		s.Files = append(s.Files, fm)
	}
	for _, ref := range sc.Secrets {
		fm, err := convertFile(p, env, "secret", types.FileReferenceConfig(ref))
		if err != nil {
			return err
		}
		s.Files = append(s.Files, fm)
	}
	for _, t := range sc.Tmpfs {
		s.Mounts = append(s.Mounts, mount{Kind: mountTmpfs, Target: t})
	}
	return nil
}

// convertDependsOn returns the service's dependencies in name order, each
// with its condition (service_started when none is named). A dependency on a
// service that does not exist is refused unless it is marked not required.
func convertDependsOn(p *types.Project, deps types.DependsOnConfig) ([]dependency, error) {
	var out []dependency
	for _, dep := range sortedKeys(deps) {
		d := deps[dep]
		switch d.Condition {
		case "", types.ServiceConditionStarted, types.ServiceConditionCompletedSuccessfully, types.ServiceConditionHealthy:
		default:
			return nil, fmt.Errorf("depends_on %q: unknown condition %q", dep, d.Condition)
		}
		if _, ok := p.Services[dep]; !ok {
			if !d.Required {
				continue
			}
			return nil, fmt.Errorf("depends_on %q: no such service", dep)
		}
		cond := d.Condition
		if cond == "" {
			cond = types.ServiceConditionStarted
		}
		out = append(out, dependency{Service: dep, Condition: cond})
	}
	return out, nil
}

// capabilities applies cap_add and cap_drop to docker's default set; "ALL"
// works as in docker, and all reports it was added (the set is then cut to
// the guest's bounding set when the container is made). Unknown names are
// refused.
func capabilities(add, drop []string) (caps []string, all bool, err error) {
	isKnown := map[string]bool{}
	var known []string
	for _, c := range capability.ListKnown() {
		n := "CAP_" + strings.ToUpper(c.String())
		isKnown[n] = true
		known = append(known, n)
	}
	norm := func(list []string, what string) ([]string, bool, error) {
		var out []string
		hasAll := false
		for _, c := range list {
			n := strings.ToUpper(ensurePrefix(c, "CAP_"))
			if n == "CAP_ALL" {
				hasAll = true
				continue
			}
			if !isKnown[n] {
				return nil, false, fmt.Errorf("%s %q: unknown capability", what, c)
			}
			out = append(out, n)
		}
		return out, hasAll, nil
	}
	adds, addAll, err := norm(add, "cap_add")
	if err != nil {
		return nil, false, err
	}
	drops, dropAll, err := norm(drop, "cap_drop")
	if err != nil {
		return nil, false, err
	}
	set := append([]string{}, defaultCapabilities...)
	if dropAll {
		set = nil
	}
	if addAll {
		set = known
	}
	set = slices.DeleteFunc(set, func(c string) bool { return slices.Contains(drops, c) })
	for _, c := range adds {
		if !slices.Contains(set, c) {
			set = append(set, c)
		}
	}
	sort.Strings(set)
	return set, addAll, nil
}

// applyDeploy takes the deploy keys checkDeploy let through: replicas must
// be 1, resource limits set the same cgroup limits as mem_limit and cpus, and
// restart_policy is used when restart is not set. A value given both ways
// must agree.
func applyDeploy(s *service, sc *types.ServiceConfig) error {
	d := sc.Deploy
	if d == nil {
		return nil
	}
	if d.Replicas != nil && *d.Replicas != 1 {
		return fmt.Errorf("deploy.replicas %d: exactly one container per service is %w", *d.Replicas, ErrUnsupported)
	}
	if l := d.Resources.Limits; l != nil {
		if l.MemoryBytes < 0 || l.NanoCPUs < 0 || l.NanoCPUs > 4096 || l.Pids < 0 {
			return fmt.Errorf("deploy.resources.limits: negative or out of range values")
		}
		if l.MemoryBytes > 0 {
			if sc.MemLimit > 0 && sc.MemLimit != l.MemoryBytes {
				return fmt.Errorf("mem_limit and deploy.resources.limits.memory disagree; keep one")
			}
			s.MemoryLimit = int64(l.MemoryBytes)
		}
		if l.NanoCPUs > 0 {
			if sc.CPUS > 0 && sc.CPUS != float32(l.NanoCPUs) {
				return fmt.Errorf("cpus and deploy.resources.limits.cpus disagree; keep one")
			}
			s.CPUQuota = int64(float64(l.NanoCPUs) * 100000)
		}
		s.PidsLimit = l.Pids
	}
	if rp := d.RestartPolicy; rp != nil {
		var p restartPolicy
		switch rp.Condition {
		case "none":
			p = restartPolicy{Mode: "no"}
		case "on-failure":
			p = restartPolicy{Mode: "on-failure"}
			if rp.MaxAttempts != nil {
				if *rp.MaxAttempts > 1<<20 {
					return fmt.Errorf("deploy.restart_policy.max_attempts %d is out of range", *rp.MaxAttempts)
				}
				p.MaxRetries = int(*rp.MaxAttempts)
			}
		case "", "any":
			p = restartPolicy{Mode: "always"}
		default:
			return fmt.Errorf("deploy.restart_policy.condition %q: use none, on-failure or any", rp.Condition)
		}
		if sc.Restart != "" && s.Restart != p {
			return fmt.Errorf("restart %q and deploy.restart_policy disagree; keep one", sc.Restart)
		}
		s.Restart = p
	}
	return nil
}

// convertFile resolves a service's reference to a top-level config or
// secret: its content (inline or from the app env), its target (configs at
// /<name>, secrets under /run/secrets), owner and mode (default 0444).
func convertFile(p *types.Project, env map[string]string, kind string, ref types.FileReferenceConfig) (fileMount, error) {
	var obj types.FileObjectConfig
	var ok bool
	if kind == "config" {
		var c types.ConfigObjConfig
		c, ok = p.Configs[ref.Source]
		obj = types.FileObjectConfig(c)
	} else {
		var c types.SecretConfig
		c, ok = p.Secrets[ref.Source]
		obj = types.FileObjectConfig(c)
	}
	if !ok {
		return fileMount{}, fmt.Errorf("%s %q is not declared at the top level", kind, ref.Source)
	}
	if ref.Source == "" || ref.Source == "." || ref.Source == ".." || strings.ContainsAny(ref.Source, "/\x00") {
		return fileMount{}, fmt.Errorf("%s name %q is not a plain name", kind, ref.Source)
	}
	fm := fileMount{HostName: kind + "-" + ref.Source, Content: []byte(obj.Content), Mode: 0o444}
	if obj.Environment != "" {
		v, ok := env[obj.Environment]
		if !ok {
			return fileMount{}, fmt.Errorf("%s %q: %s is not in the app env", kind, ref.Source, obj.Environment)
		}
		fm.Content = []byte(v)
	}
	target := ref.Target
	switch {
	case target == "" && kind == "config":
		target = "/" + ref.Source
	case target == "":
		target = "/run/secrets/" + ref.Source
	case !filepath.IsAbs(target) && kind == "secret":
		target = "/run/secrets/" + target
	case !filepath.IsAbs(target):
		target = "/" + target
	}
	fm.Target = filepath.Clean(target)
	for _, id := range []struct {
		v   string
		dst *int
	}{{ref.UID, &fm.UID}, {ref.GID, &fm.GID}} {
		if id.v == "" {
			continue
		}
		n, err := strconv.Atoi(id.v)
		if err != nil || n < 0 {
			return fileMount{}, fmt.Errorf("%s %q: uid and gid must be numeric", kind, ref.Source)
		}
		*id.dst = n
	}
	if ref.Mode != nil {
		fm.Mode = uint32(*ref.Mode) & 0o7777
	}
	return fm, nil
}

func ensurePrefix(s, prefix string) string {
	if strings.HasPrefix(strings.ToUpper(s), prefix) {
		return s
	}
	return prefix + s
}

func parseRestart(v string) (restartPolicy, error) {
	mode, count, hasCount := strings.Cut(v, ":")
	switch mode {
	case "", "no":
		return restartPolicy{Mode: "no"}, nil
	case "always", "unless-stopped":
		if hasCount {
			return restartPolicy{}, fmt.Errorf("restart %q: only on-failure takes a retry count", v)
		}
		return restartPolicy{Mode: mode}, nil
	case "on-failure":
		p := restartPolicy{Mode: mode}
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return restartPolicy{}, fmt.Errorf("restart %q: the retry count must be a non-negative integer", v)
			}
			p.MaxRetries = n
		}
		return p, nil
	}
	return restartPolicy{}, fmt.Errorf("restart %q: use no, always, on-failure[:N] or unless-stopped", v)
}

// convertVolume resolves a service volume. Host paths must lie inside
// dataDir, except the agent socket; the result is relative to dataDir, and
// symlinks are resolved inside dataDir only when the mount is made.
func convertVolume(p *types.Project, v types.ServiceVolumeConfig, dataDir string) (mount, error) {
	if !filepath.IsAbs(v.Target) {
		return mount{}, fmt.Errorf("volume target %q is not an absolute path", v.Target)
	}
	m := mount{Target: filepath.Clean(v.Target), ReadOnly: v.ReadOnly}
	switch v.Type {
	case types.VolumeTypeBind:
		src := filepath.Clean(v.Source)
		if slices.Contains(agentSocketPaths, src) {
			m.Kind = mountAgent
			return m, nil
		}
		if !filepath.IsAbs(src) {
			return mount{}, fmt.Errorf("bind mount source %q is not absolute after resolving it against the data directory", v.Source)
		}
		rel, err := filepath.Rel(filepath.Clean(dataDir), src)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return mount{}, fmt.Errorf("bind mount source %q is outside the data directory %s; use a named volume or a relative path (./dir), or mount the agent socket at /var/run/dstack.sock", v.Source, dataDir)
		}
		m.Kind = mountBind
		m.Source = rel
		if v.Bind != nil && v.Bind.Propagation != "" {
			return mount{}, fmt.Errorf("bind mount %q: propagation is %w", v.Source, ErrUnsupported)
		}
		return m, nil
	case types.VolumeTypeVolume:
		m.Kind = mountVolume
		if v.Source == "" {
			return mount{}, fmt.Errorf("anonymous volume at %q is %w; name it", v.Target, ErrUnsupported)
		}
		vc, ok := p.Volumes[v.Source]
		if !ok {
			return mount{}, fmt.Errorf("volume %q is not declared under the top-level volumes key", v.Source)
		}
		if bool(vc.External) {
			return mount{}, fmt.Errorf("external volume %q is %w", v.Source, ErrUnsupported)
		}
		vname := vc.Name
		if vname == "" {
			vname = p.Name + "_" + v.Source
		}
		if vname == "." || vname == ".." || strings.ContainsAny(vname, "/\x00") {
			return mount{}, fmt.Errorf("volume name %q is not a plain name", vname)
		}
		m.Source = filepath.Join("volumes", vname)
		if v.Volume != nil {
			m.NoCopy = v.Volume.NoCopy
			if sp := v.Volume.Subpath; sp != "" {
				clean := filepath.Clean(sp)
				if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
					return mount{}, fmt.Errorf("volume %q: subpath %q must stay inside the volume", v.Source, sp)
				}
				m.Source = filepath.Join(m.Source, clean)
				m.NoCopy = true
			}
		}
		return m, nil
	case types.VolumeTypeTmpfs:
		m.Kind = mountTmpfs
		return m, nil
	}
	return mount{}, fmt.Errorf("volume type %q at %q is %w", v.Type, v.Target, ErrUnsupported)
}

func convertPort(pc types.ServicePortConfig) (port, error) {
	proto := pc.Protocol
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return port{}, fmt.Errorf("port %d: protocol %q is %w", pc.Target, proto, ErrUnsupported)
	}
	if pc.Mode != "" && pc.Mode != "ingress" && pc.Mode != "host" {
		return port{}, fmt.Errorf("port %d: mode %q is %w", pc.Target, pc.Mode, ErrUnsupported)
	}
	if pc.Target == 0 || pc.Target > 65535 {
		return port{}, fmt.Errorf("port target %d is out of range", pc.Target)
	}
	pt := port{HostIP: pc.HostIP, Target: uint16(pc.Target), Published: uint16(pc.Target), Protocol: proto}
	if pc.Published != "" {
		n, err := strconv.ParseUint(pc.Published, 10, 16)
		if err != nil || n == 0 {
			return port{}, fmt.Errorf("published port %q: a single port number is required (ranges are %w)", pc.Published, ErrUnsupported)
		}
		pt.Published = uint16(n)
	}
	if pt.Published != pt.Target && proto != "tcp" {
		return port{}, fmt.Errorf("port %s:%d/%s: remapping a UDP port is %w; publish it at its own number", pc.Published, pc.Target, proto, ErrUnsupported)
	}
	return pt, nil
}

// startOrder sorts services so that each comes after what it depends on, and
// refuses cycles. Ties are broken by name, so the order is deterministic.
func startOrder(services map[string]*service) ([]*service, error) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var order []*service
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case visiting:
			return fmt.Errorf("depends_on cycle: %s", strings.Join(append(path, n), " -> "))
		case done:
			return nil
		}
		state[n] = visiting
		for _, d := range services[n].DependsOn {
			if err := visit(d.Service, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = done
		order = append(order, services[n])
		return nil
	}
	for _, n := range sortedKeys(services) {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}
