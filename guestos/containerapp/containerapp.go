// Package containerapp runs a booted CVM's compose app as containers: it is
// the boot.AppRunner over guestos/containers (compose-go, images pulled by
// digest, runc libcontainer). It must never run scripts it cannot run in
// the guest's own way (init_script, bash_script, pre_launch_script are
// refused, not skipped), nor relax the image pinning the compose hash
// relies on beyond what app-compose's allow_unpinned_images says.
package containerapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/containers"
)

// Runner is a boot.AppRunner that starts the compose project with
// containers.Up. Containers need root (namespaces, cgroups, mounts).
type Runner struct {
	// StateDir holds the image cache, root filesystems, runtime state and
	// service logs (containers.Config.StateDir). Required, absolute.
	StateDir string
	// Project is the compose project name (it prefixes container ids,
	// cgroups and named volumes). Default: ProjectName of app-compose's
	// name. Set it when several CVMs share one kernel (process mode), so
	// that their containers' cgroups do not collide.
	Project string
	// Registry says how images are fetched. Default: HTTPS only.
	Registry containers.RegistryOptions
	// CacheImagesOnDataDisk keeps the image cache on the app's data disk,
	// in ImageCacheDir under the run's DataDir, so that a reboot finds the
	// images it pulled rather than pulling them again; each is checked
	// against its digest whenever it is used. Default false: the cache is
	// in StateDir.
	CacheImagesOnDataDisk bool
	// ServiceOutput, when set, receives each service's output besides its
	// log file. Default nil.
	ServiceOutput func(service string) io.Writer
	// Logger receives the runtime's messages. Default none.
	Logger *zap.Logger
}

// ImageCacheDir is the image cache's directory under the data dir with
// Runner.CacheImagesOnDataDisk.
const ImageCacheDir = ".dstack-images"

// Project is a running compose app.
type Project struct {
	*containers.Project
}

// Stop implements boot.RunningApp: every service is stopped and its
// container, cgroup and mounts removed.
func (p *Project) Stop(ctx context.Context) error { return p.Down(ctx) }

var projectChars = regexp.MustCompile(`[^a-z0-9_-]+`)

// ProjectName is the compose project name of an app-compose name:
// lowercase, with characters other than letters, digits, '-' and '_'
// replaced by '-'; "app" when nothing is left.
func ProjectName(name string) string {
	p := strings.Trim(projectChars.ReplaceAllString(strings.ToLower(name), "-"), "-_")
	if p == "" {
		return "app"
	}
	return p
}

// Start implements boot.AppRunner.
func (r *Runner) Start(ctx context.Context, spec boot.RunSpec) (boot.RunningApp, error) {
	switch spec.Runner {
	case "", "docker-compose", "nerdctl-compose":
	default:
		return nil, fmt.Errorf("starting the app: runner %q is not supported; use \"docker-compose\"", spec.Runner)
	}
	if len(spec.InitScripts) > 0 || spec.BashScript != "" || spec.PreLaunchScript != "" {
		return nil, errors.New("starting the app: init_script, bash_script and pre_launch_script are not supported by this guest's container runner; remove them from app-compose.json")
	}
	if r.StateDir == "" || !filepath.IsAbs(r.StateDir) || !filepath.IsAbs(spec.DataDir) {
		return nil, fmt.Errorf("starting the app: the container state dir (%q) and data dir (%q) must be absolute paths", r.StateDir, spec.DataDir)
	}
	project := r.Project
	if project == "" {
		project = ProjectName(spec.Name)
	}
	var cache string
	if r.CacheImagesOnDataDisk {
		cache = filepath.Join(spec.DataDir, ImageCacheDir)
	}
	p, err := containers.Up(ctx, containers.Config{
		Compose: spec.Compose, ProjectName: project, Env: spec.Env,
		DataDir: spec.DataDir, StateDir: r.StateDir, ImageCache: cache, AgentSocket: spec.AgentSocket,
		InsecureAllowImageTags: spec.AllowImageTags, Registry: r.Registry,
		ServiceOutput: r.ServiceOutput, Logger: r.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &Project{p}, nil
}

var _ boot.AppRunner = (*Runner)(nil)
