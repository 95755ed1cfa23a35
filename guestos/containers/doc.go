// Package containers runs an app's docker-compose file inside the guest without
// Docker: the compose file is parsed with compose-go, every image is pulled by
// digest with go-containerregistry, unpacked into a root filesystem, and each
// service runs in its own Linux namespaces and cgroup through runc's
// libcontainer.
//
// # What runs
//
// [Up] loads the compose text with the decrypted app env as the only source of
// ${VAR} interpolation, validates it against what this runner supports, pulls
// and unpacks the images, and starts the services in depends_on order
// (service_started, service_healthy, service_completed_successfully). A
// compose key this runner does not implement is refused with an error that
// names it; nothing is silently dropped except informational keys (labels,
// annotations, expose, logging, pull_policy, tty, stdin_open).
//
// Supported service keys:
//
//   - image (pinned by digest), command, entrypoint, working_dir, user (names
//     resolved in the image's /etc/passwd), group_add, platform (linux on the
//     guest's architecture only)
//   - environment (list or map; a bare name takes its value from the
//     decrypted env)
//   - volumes (named, with nocopy and subpath; bind; tmpfs), tmpfs, configs
//     and secrets (inline content or a variable of the decrypted env, mounted
//     read-only)
//   - ports, network_mode: host, network aliases, container_name, hostname,
//     extra_hosts (names in /etc/hosts)
//   - restart (no, always, on-failure[:N], unless-stopped, with docker's
//     doubling back-off), depends_on, healthcheck (CMD and CMD-SHELL run
//     inside the container), stop_signal, stop_grace_period
//   - cap_add, cap_drop, privileged (every capability of the guest's bounding
//     set, every guest device, nothing masked), devices (guest /dev nodes),
//     sysctls of the container's own namespaces, read_only
//   - mem_limit, cpus, ulimits, shm_size, deploy (one replica; resource limits
//     and reservations of cpus and memory, a pids limit; restart_policy
//     condition and max_attempts)
//
// Each service's stdout and stderr go to StateDir/logs/<project>/<service>.log
// (appended, not rotated) and to Config.ServiceOutput.
//
// Images are pinned: an image reference without a digest is refused unless
// Config.InsecureAllowImageTags is set, because the compose hash measured into
// RTMR3 must pin the bytes that run. go-containerregistry verifies the manifest
// against the requested digest and every blob against the manifest; a cached
// image is verified again before each unpack. A registry mirror
// (RegistryOptions.Mirror, the sys-config's docker_registry) is asked first
// for images pinned by digest only, and is no more trusted than the host
// that names it.
//
// # Network design
//
// Services share the guest's network namespace (docker's network_mode: host).
// The CVM is the isolation boundary, so there is no bridge, NAT or DNS server to
// trust; a port a service listens on is reachable at that port on the guest's
// loopback and interfaces, and a published port "P:T" with P different from T
// is forwarded by the guest from P to the service's T on loopback. Each
// container's /etc/hosts maps every service name (and container_name) to
// 127.0.0.1, so the usual compose habit of addressing a dependency by its
// service name keeps working. Because nothing is hidden behind a bridge,
// services that must stay internal should listen on 127.0.0.1; the gateway
// only forwards the ports the app publishes, but the host can reach whatever a
// service binds on the guest's interfaces. For the same reason the host IP of
// a port mapping ("127.0.0.1:P:T") is honoured only where the guest forwards
// (P different from T); a port published at its own number is bound by the
// service itself, on whatever address the service chooses.
//
// # Volumes and the agent socket
//
// Named volumes live under Config.DataDir/volumes/<project>_<name> and, when
// new, take the image's content and ownership at the mount target as docker's
// do; relative
// bind mounts resolve under Config.DataDir, and an absolute host path is
// accepted only inside Config.DataDir; symlinks are resolved inside DataDir, so
// a link cannot lead a mount out of it. The one exception is the dstack agent
// socket: a bind of /var/run/dstack.sock (or /run/dstack.sock,
// /var/run/dstack/dstack.sock, and the legacy tappd.sock at the same places) is
// served from Config.AgentSocket.
//
// # Re-executing as the container init
//
// libcontainer starts a container by re-executing the current binary with the
// argument "init"; its nsenter package (cgo) joins the namespaces before the Go
// runtime starts. This package's init function dispatches that re-execution to
// libcontainer.Init, the same wiring as runc's own main package, so any binary
// that imports this package works as its own container init and needs nothing
// in main. The dispatch happens only when libcontainer's init pipe is present
// in the environment, so an ordinary "init" argument is left alone.
//
// The guest binary is linked statically the way runc's release build is:
//
//	CGO_ENABLED=1 go build -trimpath -tags netgo,osusergo \
//	    -ldflags '-s -w -extldflags -static' ./guestos/cmd/...
//
// Tests may use normal cgo linking; the package's tests also pass as a binary
// built with that static line. Seccomp filtering is not compiled in (it
// needs libseccomp and the "seccomp" build tag); services run with docker's
// default capability set (changed by cap_add and cap_drop), their own PID,
// mount, IPC and UTS namespaces, a masked /proc and a device cgroup that
// allows only the standard devices and those the compose file maps.
//
// Not implemented, and refused when a compose file asks for them: build,
// init, net.* sysctls, security_opt, pid and ipc modes, user
// namespaces, file-based or external secrets and configs, env_file, include
// and extends, anonymous volumes, published port ranges and remapped UDP
// ports. An image's VOLUME and EXPOSE declarations are ignored, and extended
// attributes (such as file capabilities) in image layers are not applied.
//
// This package must never run an image whose digest was not pinned (unless the
// insecure option says so), mount a host path outside DataDir other than the
// agent socket, or read any file the compose text names (include, extends.file,
// env_file, secrets and configs files are refused).
package containers
