package pid1

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// InsecureMarker is the kernel command line parameter of development images
// (guestos/image puts it there for --debug --insecure-simulated-tee builds).
// Without it every insecure parameter is refused. On TDX the command line is
// measured into RTMR2, so a host that adds it changes the measurement and the
// KMS releases no keys.
const InsecureMarker = "insecure_simulated_tee"

// Paths in the guest.
const (
	// HostSharedDir is where the host-shared files are copied.
	HostSharedDir = "/dstack/.host-shared"
	// DefaultHostSharedTag is the 9p mount tag of the host-shared
	// directory, upstream's.
	DefaultHostSharedTag = "host-shared"
	// DefaultDataDevice is the data disk, upstream's fallback.
	DefaultDataDevice = "/dev/vdb"
	// maxHostSharedFile caps each copied file (upstream's largest cap,
	// that of app-compose.json and .user-config).
	maxHostSharedFile = 50 << 20
)

// Ops are the system calls the setup makes; tests replace them.
type Ops struct {
	MountAll       func([]Mount) error
	ReadFile       func(path string) ([]byte, error)
	LoadModule     func(path string) error
	Now            func() time.Time
	Network        func(ctx context.Context, cfg NetConfig) error
	CopyHostShared func(tag, dst string, maxFile int64) error
}

// cmdline parameters PID 1 understands: those it uses itself, and those it
// passes to the boot stage as flags.
var (
	ownParams  = []string{"net_address", "net_gateway", "host_shared_tag", "data_device", "debug", InsecureMarker}
	stageFlags = map[string]string{
		"chain_rpc":     "--chain-rpc",
		"chain_id":      "--chain-id",
		"kms_contract":  "--kms-contract",
		"pccs_url":      "--pccs-url",
		"tunnel_listen": "--tunnel-listen",
	}
	insecureFlags = map[string]string{
		"insecure_tee_seed":  "--insecure-simulated-tee",
		"insecure_demo_app":  "--insecure-demo-app",
		"insecure_agent_tcp": "--insecure-agent-tcp",
	}
)

// Plan is what PID 1 does, decided from the kernel command line before
// anything is touched.
type Plan struct {
	// Steps set the system up, in order.
	Steps []Step
	// StageArgs are the boot stage's arguments (without argv[0]).
	StageArgs []string
	// Warnings are the insecure options in force, to print at start.
	Warnings []string
}

// NewPlan checks the command line and returns the plan. An unknown
// dstack.* parameter, or an insecure one on a production image (one
// without dstack.insecure_simulated_tee=1), is an error: the VM halts
// before it sets anything up.
func NewPlan(cmd Cmdline, ops Ops, console io.Writer) (*Plan, error) {
	p := &Plan{}
	marker, insecureAllowed := cmd[InsecureMarker]
	if insecureAllowed && marker != "1" {
		return nil, fmt.Errorf("dstack.%s=%q: the only value is 1", InsecureMarker, marker)
	}
	if insecureAllowed {
		p.Warnings = append(p.Warnings, "INSECURE: development image (dstack."+InsecureMarker+"=1): the simulated TEE proves nothing")
	}
	known := map[string]bool{}
	for _, k := range ownParams {
		known[k] = true
	}
	for k := range stageFlags {
		known[k] = true
	}
	for k := range insecureFlags {
		known[k] = true
	}
	keys := make([]string, 0, len(cmd))
	for k := range cmd {
		if !known[k] {
			return nil, fmt.Errorf("unknown kernel command line parameter dstack.%s", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if f, ok := stageFlags[k]; ok {
			p.StageArgs = append(p.StageArgs, f, cmd[k])
		}
		if f, ok := insecureFlags[k]; ok {
			if !insecureAllowed {
				return nil, fmt.Errorf("dstack.%s is an insecure development option and this is a production image (no dstack.%s=1): remove it from the kernel command line", k, InsecureMarker)
			}
			p.StageArgs = append(p.StageArgs, f, cmd[k])
			p.Warnings = append(p.Warnings, fmt.Sprintf("INSECURE: dstack.%s is set (development image only)", k))
		}
	}
	dataDev := cmd["data_device"]
	if dataDev == "" {
		dataDev = DefaultDataDevice
	}
	tag := cmd["host_shared_tag"]
	if tag == "" {
		tag = DefaultHostSharedTag
	}
	p.StageArgs = append(p.StageArgs, "--data-device", dataDev, "--host-shared", HostSharedDir)
	floor, err := ClockFloor()
	if err != nil {
		return nil, err
	}
	p.Steps = []Step{
		{"mounting /proc, /sys, /dev, /run, /tmp and cgroup2", func(context.Context) error { return ops.MountAll(Mounts) }},
		{"loading kernel modules", func(context.Context) error {
			b, err := ops.ReadFile(ModuleList)
			if err != nil {
				return fmt.Errorf("reading the image's module list: %w", err)
			}
			mods, err := ParseModuleList(bytes.NewReader(b))
			if err != nil {
				return err
			}
			absent, err := LoadModules(mods, ops.LoadModule)
			for _, m := range absent {
				fmt.Fprintf(console, "dstack-init: %s: no such device here, not loaded\n", m)
			}
			return err
		}},
		{"mounting configfs", func(context.Context) error { return ops.MountAll(LateMounts) }},
		{"checking the clock", func(context.Context) error { return CheckClock(ops.Now(), floor, 0) }},
		{"configuring the network", func(ctx context.Context) error {
			return ops.Network(ctx, NetConfig{Address: cmd["net_address"], Gateway: cmd["net_gateway"]})
		}},
		{"copying the host-shared files", func(context.Context) error {
			return ops.CopyHostShared(tag, HostSharedDir, maxHostSharedFile)
		}},
	}
	return p, nil
}

// ErrHalt is the reason Run gives when the boot stage ended on its own.
var ErrHalt = errors.New("the VM halts")

// Run runs the plan's steps and then the boot stage with supervise; it
// returns only an error (a setup step failed, or the stage failed) or nil
// when the stage stopped because it was told to.
func Run(ctx context.Context, p *Plan, console io.Writer, supervise func(args []string) error) error {
	for _, w := range p.Warnings {
		fmt.Fprintln(console, "dstack-init: "+w)
	}
	if err := RunSteps(ctx, console, p.Steps); err != nil {
		return err
	}
	if err := supervise(p.StageArgs); err != nil {
		return fmt.Errorf("%w: %w", ErrHalt, err)
	}
	return nil
}
