package containers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/sys/capability"
	"github.com/moby/sys/devices"
	"github.com/moby/sys/user"
	devconfig "github.com/opencontainers/cgroups/devices/config"
	// The cgroup manager needs the devices controller to apply the device
	// rules below.
	_ "github.com/opencontainers/cgroups/devices"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultCapabilities is docker's default capability set.
var defaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// rlimitTypes maps the names compose.go accepts (see rlimitNames).
var rlimitTypes = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// containerSpec is everything needed to (re)create one service's container.
type containerSpec struct {
	ID        string // libcontainer id
	Rootfs    string
	Cgroup    string
	HostsFile string
	Image     *v1.ConfigFile
}

// processFor merges the image config with the service's overrides the way
// docker does: a compose entrypoint replaces the image's and drops its cmd, a
// compose command replaces the cmd, and environment values override the
// image's by name.
func processFor(s *service, img *v1.ConfigFile, rootfs string) (*libcontainer.Process, error) {
	ic := img.Config
	entrypoint, cmd := ic.Entrypoint, ic.Cmd
	if s.Entrypoint != nil {
		entrypoint, cmd = s.Entrypoint, nil
	}
	if s.Command != nil {
		cmd = s.Command
	}
	args := append(append([]string{}, entrypoint...), cmd...)
	if len(args) == 0 {
		return nil, fmt.Errorf("no command to run: the image has no entrypoint or cmd; set command in the compose file")
	}
	env := mergeEnv(ic.Env, s.Env)
	userSpec := s.User
	if userSpec == "" {
		userSpec = ic.User
	}
	eu, err := execUser(rootfs, userSpec, s.GroupAdd)
	if err != nil {
		return nil, err
	}
	if _, ok := lookupEnv(env, "PATH"); !ok {
		env = append(env, defaultPath)
	}
	if _, ok := lookupEnv(env, "HOME"); !ok {
		env = append(env, "HOME="+eu.Home)
	}
	if _, ok := lookupEnv(env, "HOSTNAME"); !ok {
		env = append(env, "HOSTNAME="+s.Hostname)
	}
	cwd := s.WorkingDir
	if cwd == "" {
		cwd = ic.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	var rlimits []configs.Rlimit
	for _, r := range s.Rlimits {
		rlimits = append(rlimits, configs.Rlimit{Type: rlimitTypes[r.Type], Soft: r.Soft, Hard: r.Hard})
	}
	return &libcontainer.Process{
		Rlimits:          rlimits,
		Args:             args,
		Env:              env,
		UID:              eu.Uid,
		GID:              eu.Gid,
		AdditionalGroups: eu.Sgids,
		Cwd:              cwd,
		Init:             true,
	}, nil
}

func mergeEnv(base, over []string) []string {
	out := append([]string{}, base...)
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, b := range out {
			if bk, _, _ := strings.Cut(b, "="); bk == k {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

// execUser resolves a compose or image user ("name", "uid", "uid:gid",
// "name:group") and group_add entries against the rootfs's /etc/passwd and
// /etc/group, read through an os.Root so a symlinked passwd cannot point
// outside the image.
func execUser(rootfs, spec string, groupAdd []string) (*user.ExecUser, error) {
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return nil, fmt.Errorf("resolving user %q: %w", spec, err)
	}
	defer root.Close()
	// A missing or unreadable file reads as empty: numeric ids still
	// resolve, names do not.
	read := func(name string) string {
		f, err := root.Open(name)
		if err != nil {
			return ""
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, 16<<20))
		if err != nil {
			return ""
		}
		return string(data)
	}
	passwd, group := read("etc/passwd"), read("etc/group")
	defaults := &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}
	eu, err := user.GetExecUser(spec, defaults, strings.NewReader(passwd), strings.NewReader(group))
	if err != nil {
		return nil, fmt.Errorf("resolving user %q in the image: %w", spec, err)
	}
	if len(groupAdd) > 0 {
		extra, err := user.GetAdditionalGroups(groupAdd, strings.NewReader(group))
		if err != nil {
			return nil, fmt.Errorf("resolving group_add %q in the image: %w", groupAdd, err)
		}
		eu.Sgids = append(eu.Sgids, extra...)
	}
	return eu, nil
}

// libcontainerConfig builds the container's configuration from runc's
// example spec, changed to docker's defaults: the guest's network namespace,
// docker's capabilities, inherited rlimits, and the service's mounts.
func libcontainerConfig(s *service, cs *containerSpec, mounts []specs.Mount) (*configs.Config, error) {
	spec := specconv.Example()
	spec.Root = &specs.Root{Path: cs.Rootfs, Readonly: s.ReadOnly}
	spec.Hostname = s.Hostname
	spec.Process.Terminal = false
	spec.Process.NoNewPrivileges = false
	spec.Process.Rlimits = nil
	caps := s.Caps
	if s.AllCaps {
		bounding, err := boundingCapabilities()
		if err != nil {
			return nil, err
		}
		caps = slices.DeleteFunc(slices.Clone(caps), func(c string) bool { return !slices.Contains(bounding, c) })
	}
	spec.Process.Capabilities = &specs.LinuxCapabilities{
		Bounding:  caps,
		Effective: caps,
		Permitted: caps,
	}
	if s.MemoryLimit > 0 {
		spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &s.MemoryLimit}
	}
	spec.Linux.Sysctl = s.Sysctls
	if s.PidsLimit > 0 {
		spec.Linux.Resources.Pids = &specs.LinuxPids{Limit: &s.PidsLimit}
	}
	if s.CPUQuota > 0 {
		period := uint64(100000)
		spec.Linux.Resources.CPU = &specs.LinuxCPU{Quota: &s.CPUQuota, Period: &period}
	}
	var namespaces []specs.LinuxNamespace
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type != specs.NetworkNamespace {
			namespaces = append(namespaces, ns)
		}
	}
	spec.Linux.Namespaces = namespaces
	spec.Linux.CgroupsPath = cs.Cgroup
	if s.ShmSize > 0 {
		for i, m := range spec.Mounts {
			if m.Destination != "/dev/shm" {
				continue
			}
			opts := slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return strings.HasPrefix(o, "size=") })
			spec.Mounts[i].Options = append(opts, fmt.Sprintf("size=%d", s.ShmSize))
		}
	}
	if s.Privileged {
		// docker's --privileged: nothing masked, /sys writable, every
		// device of the guest.
		spec.Linux.MaskedPaths, spec.Linux.ReadonlyPaths = nil, nil
		for i, m := range spec.Mounts {
			if m.Destination == "/sys" || m.Destination == "/sys/fs/cgroup" {
				spec.Mounts[i].Options = slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "ro" })
			}
		}
	}
	spec.Mounts = append(spec.Mounts, mounts...)
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName: cs.ID,
		Spec:       spec,
	})
	if err != nil {
		return nil, fmt.Errorf("building the container configuration: %w", err)
	}
	var extra []*devconfig.Device
	for _, d := range s.Devices {
		host, err := filepath.EvalSymlinks(d.Host)
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", d.Host, err)
		}
		dev, err := devices.DeviceFromPath(host, d.Perms)
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", d.Host, err)
		}
		dev.Path = d.Target
		extra = append(extra, dev)
	}
	if s.Privileged {
		all, err := devices.HostDevices()
		if err != nil {
			return nil, fmt.Errorf("listing the guest's devices: %w", err)
		}
		extra = append(extra, all...)
		cfg.Cgroups.Resources.Devices = []*devconfig.Rule{{Type: devconfig.WildcardDevice, Major: devconfig.Wildcard, Minor: devconfig.Wildcard, Permissions: "rwm", Allow: true}}
	}
	for _, dev := range extra {
		if slices.ContainsFunc(cfg.Devices, func(d *devconfig.Device) bool { return d.Path == dev.Path }) {
			continue
		}
		cfg.Devices = append(cfg.Devices, dev)
		rule := dev.Rule
		rule.Allow = true
		cfg.Cgroups.Resources.Devices = append(cfg.Cgroups.Resources.Devices, &rule)
	}
	return cfg, nil
}

// writeFiles writes the service's configs and secrets into dir/files.
func writeFiles(s *service, dir string) error {
	if len(s.Files) == 0 {
		return nil
	}
	fdir := filepath.Join(dir, "files")
	if err := os.Mkdir(fdir, 0o700); err != nil {
		return err
	}
	for _, f := range s.Files {
		p := filepath.Join(fdir, f.HostName)
		if err := os.WriteFile(p, f.Content, 0o600); err != nil {
			return err
		}
		if err := os.Chown(p, f.UID, f.GID); err != nil {
			return err
		}
		if err := os.Chmod(p, os.FileMode(f.Mode&0o777)|modeBits(f.Mode)); err != nil {
			return err
		}
	}
	return nil
}

func modeBits(m uint32) os.FileMode {
	var out os.FileMode
	if m&0o4000 != 0 {
		out |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= os.ModeSticky
	}
	return out
}

// boundingCapabilities lists the capabilities in the guest process's
// bounding set: all a container can be given.
func boundingCapabilities() ([]string, error) {
	c, err := capability.NewPid2(0)
	if err == nil {
		err = c.Load()
	}
	if err != nil {
		return nil, fmt.Errorf("reading the guest's capabilities: %w", err)
	}
	var out []string
	for _, k := range capability.ListKnown() {
		if c.Get(capability.BOUNDING, k) {
			out = append(out, "CAP_"+strings.ToUpper(k.String()))
		}
	}
	return out, nil
}

// serviceMounts turns the service's mounts into OCI mounts with host paths
// resolved now, inside dataDir (symlinks included), creating missing
// directories as docker does; a named volume created here is filled from the
// image's rootfs.
func serviceMounts(s *service, rootfs, dataDir, agentSocket, hostsFile string) ([]specs.Mount, error) {
	out := []specs.Mount{{
		Destination: "/etc/hosts", Type: "bind", Source: hostsFile,
		Options: []string{"rbind", "ro", "nosuid", "nodev"},
	}}
	if fi, err := os.Stat("/etc/resolv.conf"); err == nil && fi.Mode().IsRegular() {
		out = append(out, specs.Mount{
			Destination: "/etc/resolv.conf", Type: "bind", Source: "/etc/resolv.conf",
			Options: []string{"rbind", "ro", "nosuid", "nodev"},
		})
	}
	for _, f := range s.Files {
		out = append(out, specs.Mount{
			Destination: f.Target, Type: "bind", Source: filepath.Join(filepath.Dir(rootfs), "files", f.HostName),
			Options: []string{"bind", "ro", "nosuid", "nodev"},
		})
	}
	for _, m := range s.Mounts {
		access := "rw"
		if m.ReadOnly {
			access = "ro"
		}
		switch m.Kind {
		case mountTmpfs:
			out = append(out, specs.Mount{
				Destination: m.Target, Type: "tmpfs", Source: "tmpfs",
				Options: []string{"nosuid", "nodev", "mode=1777", access},
			})
		case mountAgent:
			if agentSocket == "" {
				return nil, fmt.Errorf("mounting %s: no agent socket is configured; set Config.AgentSocket", m.Target)
			}
			if _, err := os.Stat(agentSocket); err != nil {
				return nil, fmt.Errorf("mounting the agent socket at %s: %w", m.Target, err)
			}
			out = append(out, specs.Mount{
				Destination: m.Target, Type: "bind", Source: agentSocket,
				Options: []string{"bind", access, "nosuid", "nodev"},
			})
		case mountBind, mountVolume:
			src, err := securejoin.SecureJoin(dataDir, m.Source)
			if err != nil {
				return nil, fmt.Errorf("resolving %s under the data directory: %w", m.Source, err)
			}
			if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
				if err := os.MkdirAll(src, 0o755); err != nil {
					return nil, fmt.Errorf("creating %s: %w", src, err)
				}
				if m.Kind == mountVolume && !m.NoCopy {
					if err := populateVolume(rootfs, m.Target, src); err != nil {
						return nil, fmt.Errorf("filling the new volume %s from the image: %w", m.Source, err)
					}
				}
			} else if err != nil {
				return nil, fmt.Errorf("inspecting %s: %w", src, err)
			}
			// Resolve again now that it exists: MkdirAll followed any links.
			if src, err = securejoin.SecureJoin(dataDir, m.Source); err != nil {
				return nil, fmt.Errorf("resolving %s under the data directory: %w", m.Source, err)
			}
			if rel, err := filepath.Rel(dataDir, src); err != nil || strings.HasPrefix(rel, "..") {
				return nil, fmt.Errorf("mount source %s resolves outside the data directory", m.Source)
			}
			out = append(out, specs.Mount{
				Destination: m.Target, Type: "bind", Source: src,
				Options: []string{"rbind", access},
			})
		}
	}
	return out, nil
}

// hostsFile is the /etc/hosts a container sees: the usual localhost lines,
// each service name of the project on loopback, and its own extra_hosts.
func hostsFile(p *project, own *service) string {
	var b strings.Builder
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	for _, s := range p.Services {
		names := append([]string{s.Name}, s.Aliases...)
		if s.Hostname != s.Name {
			names = append(names, s.Hostname)
		}
		b.WriteString("127.0.0.1\t" + strings.Join(names, " ") + "\n")
	}
	for _, h := range own.ExtraHosts {
		b.WriteString(h + "\n")
	}
	return b.String()
}
