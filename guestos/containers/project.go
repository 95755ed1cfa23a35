package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/opencontainers/runc/libcontainer"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Config says what to run and where its state lives.
type Config struct {
	// Compose is the docker_compose_file text from app-compose.json. Required.
	Compose []byte

	// ProjectName names the project (docker compose's -p): it prefixes named
	// volumes and container ids. Lowercase letters, digits, '-' and '_'.
	// Required.
	ProjectName string

	// Env is the decrypted app env. It is the only source of ${VAR}
	// interpolation in Compose, and a service that lists a bare name under
	// environment gets that name's value from it; nothing else of it reaches
	// a container. Default empty.
	Env map[string]string

	// DataDir is an absolute directory on the app's (encrypted) data disk.
	// Named volumes live in DataDir/volumes, relative bind mounts resolve
	// under it, and no bind mount may leave it. Required.
	DataDir string

	// StateDir is an absolute directory for the image cache (images/, an OCI
	// image layout, unless ImageCache says otherwise), the unpacked root
	// filesystems (containers/), the libcontainer state (runc/) and the
	// per-service logs (logs/<project>/). Required.
	StateDir string

	// ImageCache is an absolute directory for the image cache (an OCI image
	// layout) instead of StateDir/images: on the encrypted data disk, the
	// images pulled survive a reboot and are not pulled again. A cached
	// image is checked against its digest (manifest, config and every
	// layer) each time it is used, so the cache may be where the app can
	// write. Default empty: StateDir/images.
	ImageCache string

	// AgentSocket is the host path of the dstack guest agent's socket. A
	// service that bind-mounts /var/run/dstack.sock (or another path the SDKs
	// use, see the package doc) gets this socket there. Default empty: such
	// a mount is refused.
	AgentSocket string

	// InsecureAllowImageTags lets images be referenced by tag, so what runs
	// is no longer pinned by the compose hash. Development only; a warning is
	// logged. Default false: a reference without @sha256: is refused.
	InsecureAllowImageTags bool

	// Registry says how images are fetched. Default: HTTPS only.
	Registry RegistryOptions

	// ServiceOutput, when set, is called once per service at Up; the writer
	// it returns receives the service's stdout and stderr (interleaved, from
	// one goroutine at a time, across restarts) in addition to its log file.
	// Default nil: log files only.
	ServiceOutput func(service string) io.Writer

	// Logger receives the runner's own messages. Default: none.
	Logger *zap.Logger
}

// Service states reported by Status.
const (
	StateCreated    = "created"
	StateRunning    = "running"
	StateRestarting = "restarting"
	StateExited     = "exited"
	StateStopped    = "stopped" // by Down
	StateFailed     = "failed"  // could not start
)

// ServiceStatus is one service's state.
type ServiceStatus struct {
	Name     string
	State    string
	Pid      int    // in the guest's PID namespace; 0 when not running
	Health   string // HealthStarting, HealthHealthy or HealthUnhealthy; empty without a healthcheck
	Restarts int
	ExitCode int    // of the last run; meaningful once it has exited
	Error    string // why the last start failed, if it did
	LogFile  string
}

// Project is a running compose project.
type Project struct {
	cfg      Config
	log      *zap.Logger
	proj     *project
	runcRoot string
	runs     []*serviceRun // start order
	fwds     []*forwarder
	downOnce sync.Once
	downErr  error
}

// Up validates the compose file, pulls and unpacks every image, and starts
// the services in depends_on order. When anything fails, what was started is
// stopped again and the error says what failed. ctx bounds Up itself (pulls
// and depends_on waits), not the services it starts. A project name must be
// up only once at a time per StateDir: a second Up of the same project
// replaces the first one's containers.
func Up(ctx context.Context, cfg Config) (*Project, error) {
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("starting containers: the runner needs root (namespaces, cgroups and mounts)")
	}
	if cfg.ImageCache == "" && cfg.StateDir != "" {
		cfg.ImageCache = filepath.Join(cfg.StateDir, "images")
	}
	for _, d := range []struct{ name, v string }{{"DataDir", cfg.DataDir}, {"StateDir", cfg.StateDir}, {"ImageCache", cfg.ImageCache}} {
		if !filepath.IsAbs(d.v) {
			return nil, fmt.Errorf("starting containers: Config.%s %q must be an absolute path", d.name, d.v)
		}
	}
	cfg.DataDir, cfg.StateDir = filepath.Clean(cfg.DataDir), filepath.Clean(cfg.StateDir)
	if cfg.InsecureAllowImageTags {
		log.Warn("insecure: images may be referenced by tag; the compose hash does not pin what runs")
	}
	if cfg.Registry.InsecurePlainHTTPLoopback {
		log.Warn("insecure: images may be pulled over plain HTTP from loopback registries")
	}
	proj, err := loadCompose(ctx, cfg.Compose, cfg.ProjectName, cfg.Env, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	for _, dir := range []string{cfg.DataDir, cfg.StateDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("starting containers: %w", err)
		}
	}
	p := &Project{cfg: cfg, log: log, proj: proj, runcRoot: filepath.Join(cfg.StateDir, "runc")}
	if err := p.prepare(ctx); err != nil {
		_ = p.Down(context.Background())
		return nil, err
	}
	if err := p.start(ctx); err != nil {
		_ = p.Down(context.Background())
		return nil, err
	}
	return p, nil
}

// ServiceSummary is what Check reports of one service.
type ServiceSummary struct {
	Name  string
	Image string
	// Published are the ports the service publishes on the guest.
	Published []uint16
}

// Check validates a compose file as Up does, with env as its app env,
// without reading or running anything, and reports each service, in start
// order.
func Check(ctx context.Context, compose []byte, env map[string]string) ([]ServiceSummary, error) {
	proj, err := loadCompose(ctx, compose, "check", env, "/data")
	if err != nil {
		return nil, err
	}
	var out []ServiceSummary
	for _, s := range proj.Services {
		sum := ServiceSummary{Name: s.Name, Image: s.Image}
		for _, p := range s.Ports {
			sum.Published = append(sum.Published, p.Published)
		}
		out = append(out, sum)
	}
	return out, nil
}

// prepare pulls and unpacks every image into a fresh filesystem per service
// and writes the service's hosts file.
func (p *Project) prepare(ctx context.Context) error {
	store, err := newImageStore(filepath.Clean(p.cfg.ImageCache), p.cfg.InsecureAllowImageTags, p.cfg.Registry, p.log)
	if err != nil {
		return err
	}
	projDir := filepath.Join(p.cfg.StateDir, "containers", p.proj.Name)
	logDir := filepath.Join(p.cfg.StateDir, "logs", p.proj.Name)
	for _, d := range []string{projDir, logDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("preparing %s: %w", d, err)
		}
	}
	for _, s := range p.proj.Services {
		img, err := store.Get(ctx, s.Image)
		if err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return fmt.Errorf("service %q: reading the image config: %w", s.Name, err)
		}
		if cf.OS != "" && cf.OS != "linux" {
			return fmt.Errorf("service %q: image is for %s, not linux", s.Name, cf.OS)
		}
		id := p.proj.Name + "_" + s.Name
		if err := removeStale(p.runcRoot, id); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		dir := filepath.Join(projDir, s.Name)
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("service %q: removing the old container filesystem: %w", s.Name, err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		hosts := filepath.Join(dir, "hosts")
		if err := os.WriteFile(hosts, []byte(hostsFile(p.proj, s)), 0o644); err != nil {
			return fmt.Errorf("service %q: writing its hosts file: %w", s.Name, err)
		}
		if err := writeFiles(s, dir); err != nil {
			return fmt.Errorf("service %q: writing its configs and secrets: %w", s.Name, err)
		}
		rootfs := filepath.Join(dir, "rootfs")
		if err := unpack(img, rootfs); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		logPath := filepath.Join(logDir, s.Name+".log")
		lf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("service %q: opening its log: %w", s.Name, err)
		}
		var out io.Writer = lf
		if p.cfg.ServiceOutput != nil {
			if w := p.cfg.ServiceOutput(s.Name); w != nil {
				out = io.MultiWriter(lf, w)
			}
		}
		p.runs = append(p.runs, &serviceRun{
			p:       p,
			svc:     s,
			spec:    &containerSpec{ID: id, Rootfs: rootfs, Cgroup: cgroupParent(p.proj.Name) + "/" + s.Name, HostsFile: hosts, Image: cf},
			logFile: lf,
			logPath: logPath,
			out:     out,
			state:   StateCreated,
			stopCh:  make(chan struct{}),
			started: make(chan struct{}),
			done:    make(chan struct{}),
		})
	}
	return nil
}

// start starts the services in order, each once its dependencies meet their
// conditions.
func (p *Project) start(ctx context.Context) error {
	byName := map[string]*serviceRun{}
	for _, r := range p.runs {
		byName[r.svc.Name] = r
	}
	for _, r := range p.runs {
		for _, d := range r.svc.DependsOn {
			if err := byName[d.Service].await(ctx, d.Condition); err != nil {
				return fmt.Errorf("service %q: waiting for %q: %w", r.svc.Name, d.Service, err)
			}
		}
		for _, pt := range r.svc.Ports {
			if pt.Published == pt.Target {
				continue
			}
			f, err := startForwarder(pt, p.log)
			if err != nil {
				return fmt.Errorf("service %q: %w", r.svc.Name, err)
			}
			p.fwds = append(p.fwds, f)
		}
		first := make(chan error, 1)
		r.launched = true
		go r.supervise(first)
		if err := <-first; err != nil {
			return fmt.Errorf("service %q: %w", r.svc.Name, err)
		}
		p.log.Info("service started", zap.String("service", r.svc.Name))
	}
	return nil
}

// Wait blocks until every service has ended for good (it exited and its
// restart policy does not restart it, or Down stopped it). It returns an
// error naming the services that failed to start or last exited non-zero.
func (p *Project) Wait() error {
	var errs []error
	for _, r := range p.runs {
		<-r.done
		st := r.status()
		switch {
		case st.State == StateFailed:
			errs = append(errs, fmt.Errorf("service %q failed: %s", st.Name, st.Error))
		case st.State == StateExited && st.ExitCode != 0:
			errs = append(errs, fmt.Errorf("service %q exited with code %d", st.Name, st.ExitCode))
		}
	}
	return errors.Join(errs...)
}

// Status reports every service, in start order.
func (p *Project) Status() []ServiceStatus {
	out := make([]ServiceStatus, 0, len(p.runs))
	for _, r := range p.runs {
		out = append(out, r.status())
	}
	return out
}

// Down stops every service in reverse start order: its stop signal first,
// SIGKILL after its stop_grace_period (or when ctx ends), then the container's
// cgroups and state are destroyed and its unpacked filesystem removed.
// Volumes and logs are kept. Down may be called more than once.
func (p *Project) Down(ctx context.Context) error {
	p.downOnce.Do(func() {
		var errs []error
		for _, f := range p.fwds {
			f.Close()
		}
		for _, r := range slices.Backward(p.runs) {
			if err := r.stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("stopping %q: %w", r.svc.Name, err))
			}
			r.logFile.Close()
			if err := os.RemoveAll(filepath.Dir(r.spec.Rootfs)); err != nil {
				errs = append(errs, fmt.Errorf("removing the filesystem of %q: %w", r.svc.Name, err))
			}
		}
		removeCgroupParent(cgroupParent(p.proj.Name))
		p.downErr = errors.Join(errs...)
	})
	return p.downErr
}

// serviceRun supervises one service's container across restarts.
type serviceRun struct {
	p       *Project
	svc     *service
	spec    *containerSpec
	logFile *os.File
	logPath string
	out     io.Writer

	launched bool // supervise was started
	stopOnce sync.Once
	stopCh   chan struct{} // closed by stop
	started  chan struct{} // closed when first running
	done     chan struct{} // closed when supervise returns

	mu        sync.Mutex
	container *libcontainer.Container
	proc      *libcontainer.Process
	state     string
	health    string
	restarts  int
	exitCode  int
	lastErr   string
	everRan   bool
}

func (r *serviceRun) status() ServiceStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := ServiceStatus{
		Name: r.svc.Name, State: r.state, Health: r.health, Restarts: r.restarts,
		ExitCode: r.exitCode, Error: r.lastErr, LogFile: r.logPath,
	}
	if r.proc != nil && r.state == StateRunning {
		st.Pid, _ = r.proc.Pid()
	}
	return st
}

// await blocks until the service meets a depends_on condition.
func (r *serviceRun) await(ctx context.Context, condition string) error {
	switch condition {
	case types.ServiceConditionCompletedSuccessfully:
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		st := r.status()
		if st.State != StateExited || st.ExitCode != 0 {
			return fmt.Errorf("it did not complete successfully (state %s, exit code %d)", st.State, st.ExitCode)
		}
		return nil
	case types.ServiceConditionHealthy:
		// Health changes at most once per probe interval; a poll is plenty.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			switch r.healthState() {
			case HealthHealthy:
				return nil
			case HealthUnhealthy:
				return errors.New("it is unhealthy")
			}
			select {
			case <-tick.C:
			case <-r.done:
				return errors.New("it ended before it was healthy")
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	default:
		select {
		case <-r.started:
			return nil
		case <-r.done:
			return fmt.Errorf("it ended before starting")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// supervise runs the container, restarting it as its policy says, until the
// policy or stop ends it. The first start's result goes to first.
func (r *serviceRun) supervise(first chan<- error) {
	defer close(r.done)
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		startedAt := time.Now()
		c, proc, stopProbe, err := r.launch()
		if attempt == 0 {
			first <- err
		}
		code := 0
		if err == nil {
			code, err = r.wait(c, proc, stopProbe)
		}
		r.mu.Lock()
		stopping := r.stopRequested()
		switch {
		case err != nil:
			r.state, r.lastErr = StateFailed, err.Error()
		case stopping:
			r.state, r.exitCode = StateStopped, code
		default:
			r.state, r.exitCode = StateExited, code
		}
		r.mu.Unlock()
		if err != nil {
			r.p.log.Error("service failed to start", zap.String("service", r.svc.Name), zap.Error(err))
		} else {
			r.p.log.Info("service exited", zap.String("service", r.svc.Name), zap.Int("code", code))
		}
		if (attempt == 0 && err != nil) || stopping || !r.shouldRestart(code, err) {
			return
		}
		// docker's backoff: doubling from 100 ms, reset after 10 s of running
		if time.Since(startedAt) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		r.mu.Lock()
		r.state = StateRestarting
		r.restarts++
		r.mu.Unlock()
		select {
		case <-time.After(backoff):
		case <-r.stopCh:
			r.mu.Lock()
			r.state = StateStopped
			r.mu.Unlock()
			return
		}
		backoff = min(backoff*2, time.Minute)
	}
}

func (r *serviceRun) stopRequested() bool {
	select {
	case <-r.stopCh:
		return true
	default:
		return false
	}
}

func (r *serviceRun) shouldRestart(code int, err error) bool {
	pol := r.svc.Restart
	switch pol.Mode {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		if err == nil && code == 0 {
			return false
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		return pol.MaxRetries == 0 || r.restarts < pol.MaxRetries
	}
	return false
}

// launch creates and starts the container, and its healthcheck if it has
// one; stopProbe ends the healthcheck and waits for it.
func (r *serviceRun) launch() (c *libcontainer.Container, proc *libcontainer.Process, stopProbe func(), err error) {
	c, proc, err = r.create()
	if err != nil {
		return nil, nil, nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopRequested() {
		_ = c.Destroy()
		return nil, nil, nil, errors.New("stopped before it started")
	}
	proc.Stdout, proc.Stderr = r.out, r.out
	if err := c.Run(proc); err != nil {
		_ = c.Destroy()
		return nil, nil, nil, fmt.Errorf("starting the container: %w", err)
	}
	r.container, r.proc, r.state, r.lastErr = c, proc, StateRunning, ""
	if !r.everRan {
		r.everRan = true
		close(r.started)
	}
	stopProbe = func() {}
	if r.svc.Health != nil {
		r.health = HealthStarting
		ctx, cancel := context.WithCancel(context.Background())
		probed := make(chan struct{})
		go func() {
			defer close(probed)
			r.probeHealth(ctx, c, proc)
		}()
		stopProbe = func() { cancel(); <-probed }
	}
	return c, proc, stopProbe, nil
}

// wait waits for the container's init to exit and destroys the container.
// It returns the exit code (128+signal when killed).
func (r *serviceRun) wait(c *libcontainer.Container, proc *libcontainer.Process, stopProbe func()) (int, error) {
	ps, werr := proc.Wait()
	code := exitCode(ps)
	stopProbe()
	r.mu.Lock()
	r.container, r.proc = nil, nil
	r.mu.Unlock()
	// The init is gone; with a private PID namespace so is everything else.
	// SIGKILL through libcontainer covers what might remain in the cgroup.
	_ = c.Signal(unix.SIGKILL)
	if err := c.Destroy(); err != nil {
		r.p.log.Warn("destroying container", zap.String("service", r.svc.Name), zap.Error(err))
	}
	if ps == nil && werr != nil {
		return 0, fmt.Errorf("waiting for the container: %w", werr)
	}
	return code, nil
}

func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// create builds a fresh libcontainer container for the service, removing one
// left over under the same id by an earlier run of the guest.
func (r *serviceRun) create() (*libcontainer.Container, *libcontainer.Process, error) {
	if err := removeStale(r.p.runcRoot, r.spec.ID); err != nil {
		return nil, nil, err
	}
	mounts, err := serviceMounts(r.svc, r.spec.Rootfs, r.p.cfg.DataDir, r.p.cfg.AgentSocket, r.spec.HostsFile)
	if err != nil {
		return nil, nil, err
	}
	lc, err := libcontainerConfig(r.svc, r.spec, mounts)
	if err != nil {
		return nil, nil, err
	}
	proc, err := processFor(r.svc, r.spec.Image, r.spec.Rootfs)
	if err != nil {
		return nil, nil, err
	}
	c, err := libcontainer.Create(r.p.runcRoot, r.spec.ID, lc)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the container: %w", err)
	}
	return c, proc, nil
}

// cgroupParent is the cgroup that holds a project's containers: one per
// project, at the top of each hierarchy, so that projects sharing a kernel
// (the CVMs of a development stack, parallel tests) never see, nor remove,
// each other's cgroups.
func cgroupParent(project string) string { return "/dstack-" + project }

// removeCgroupParent removes a project's cgroup parent from every hierarchy
// once it is empty (libcontainer removes a container's own cgroup, not its
// parents).
func removeCgroupParent(parent string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup/*", parent))
	for _, d := range append(dirs, filepath.Join("/sys/fs/cgroup", parent)) {
		_ = os.Remove(d) // rmdir: only an empty cgroup goes
	}
}

// RemoveLeftovers kills and destroys every container whose libcontainer
// state is under stateDir (a Config.StateDir), as a guest process killed
// before Down leaves them: their processes, cgroups, cgroup parents and
// unpacked filesystems go; images, volumes and logs stay. It returns the
// ids of the containers it removed. Call it only when no project of that
// StateDir runs.
func RemoveLeftovers(stateDir string) ([]string, error) {
	runcRoot := filepath.Join(stateDir, "runc")
	ents, err := os.ReadDir(runcRoot)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the containers in %s: %w", runcRoot, err)
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		c, err := libcontainer.Load(runcRoot, e.Name())
		if err != nil {
			errs = append(errs, fmt.Errorf("loading the leftover container %s: %w", e.Name(), err))
			continue
		}
		cfg := c.Config()
		if err := destroy(c); err != nil {
			errs = append(errs, fmt.Errorf("removing the leftover container %s: %w", e.Name(), err))
			continue
		}
		removed = append(removed, e.Name())
		if cfg.Cgroups != nil && cfg.Cgroups.Path != "" {
			removeCgroupParent(filepath.Dir(cfg.Cgroups.Path))
		}
		if dir := filepath.Dir(cfg.Rootfs); strings.HasPrefix(dir, filepath.Join(stateDir, "containers")+"/") {
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, fmt.Errorf("removing the filesystem of the leftover container %s: %w", e.Name(), err))
			}
		}
	}
	return removed, errors.Join(errs...)
}

// destroy kills a container's processes, waits until they are gone, and
// destroys it (its cgroup and state).
func destroy(c *libcontainer.Container) error {
	_ = c.Signal(unix.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.Status()
		if err != nil || st == libcontainer.Stopped || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c.Destroy()
}

// removeStale kills and destroys a container left under id by an earlier
// run of the guest process.
func removeStale(runcRoot, id string) error {
	old, err := libcontainer.Load(runcRoot, id)
	if err != nil {
		return nil // none (or unreadable state, which Create reports)
	}
	if err := destroy(old); err != nil {
		return fmt.Errorf("removing the stale container %s: %w", id, err)
	}
	return nil
}

// stop ends the service: its stop signal, then SIGKILL after the grace
// period or when ctx ends, and waits for the supervisor to finish.
func (r *serviceRun) stop(ctx context.Context) error {
	r.stopOnce.Do(func() { close(r.stopCh) })
	if !r.launched {
		return nil
	}
	r.signal(r.svc.StopSignal)
	grace := time.NewTimer(r.svc.StopTimeout)
	defer grace.Stop()
	select {
	case <-r.done:
		return nil
	case <-grace.C:
	case <-ctx.Done():
	}
	r.p.log.Warn("service did not stop in time; killing it", zap.String("service", r.svc.Name))
	r.signal(unix.SIGKILL)
	select {
	case <-r.done:
		return nil
	case <-time.After(time.Minute):
		return errors.New("the container did not exit after SIGKILL")
	}
}

func (r *serviceRun) signal(sig syscall.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.container == nil {
		return
	}
	if err := r.container.Signal(sig); err != nil && !errors.Is(err, libcontainer.ErrNotRunning) {
		r.p.log.Warn("signalling container", zap.String("service", r.svc.Name), zap.Error(err))
	}
}
