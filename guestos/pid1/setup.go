package pid1

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/dstack-go/dstack/guestos/hostinput"
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

// cmdlineParams are the kernel command line's dstack.* parameters: the
// image's own, fixed when it is built and measured with it. Everything
// that differs between instances comes from the host-shared sys-config
// (hostinput.GuestSettings), so that the command line a VM boots with is
// the one its image's measurement names.
var cmdlineParams = []string{"net_address", "net_gateway", "host_shared_tag", "debug", InsecureMarker}

// Plan is what PID 1 does, decided from the kernel command line before
// anything is touched; the boot stage's arguments come from the
// host-shared sys-config once it is copied.
type Plan struct {
	// Steps set the system up, in order.
	Steps []Step
	// StageArgs are the boot stage's arguments (without argv[0]), set by
	// the last step.
	StageArgs []string
	// Warnings are the insecure options of the command line, to print at
	// start.
	Warnings []string
}

// NewPlan checks the command line and returns the plan. An unknown
// dstack.* parameter is an error: the VM halts before it sets anything up.
func NewPlan(cmd Cmdline, ops Ops, console io.Writer) (*Plan, error) {
	p := &Plan{}
	marker, insecureAllowed := cmd[InsecureMarker]
	if insecureAllowed && marker != "1" {
		return nil, fmt.Errorf("dstack.%s=%q: the only value is 1", InsecureMarker, marker)
	}
	if insecureAllowed {
		p.Warnings = append(p.Warnings, "INSECURE: development image (dstack."+InsecureMarker+"=1): the simulated TEE proves nothing")
	}
	keys := make([]string, 0, len(cmd))
	for k := range cmd {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(cmdlineParams, k) {
			return nil, fmt.Errorf("unknown kernel command line parameter dstack.%s (an instance's settings come from the host-shared %s, %q)", k, hostinput.SysConfigFile, "dstack_go_guest")
		}
	}
	tag := cmd["host_shared_tag"]
	if tag == "" {
		tag = DefaultHostSharedTag
	}
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
		{"reading the instance's settings from the host-shared " + hostinput.SysConfigFile, func(context.Context) error {
			b, err := ops.ReadFile(path.Join(HostSharedDir, hostinput.SysConfigFile))
			if err != nil {
				return fmt.Errorf("reading the host-shared %s: %w", hostinput.SysConfigFile, err)
			}
			sys, err := hostinput.ParseSysConfig(b)
			if err != nil {
				return err
			}
			args, warnings, err := StageArgs(sys.Guest, insecureAllowed)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(console, "dstack-init: "+w)
			}
			p.StageArgs = args
			return nil
		}},
	}
	return p, nil
}

// StageArgs turns the host's guest settings into the boot stage's flags.
// An insecure setting on a production image (insecureAllowed false: its
// measured command line has no dstack.insecure_simulated_tee=1) is an
// error, and so are missing settings. The warnings name the insecure
// settings in force.
func StageArgs(g *hostinput.GuestSettings, insecureAllowed bool) (args, warnings []string, err error) {
	if g == nil {
		return nil, nil, fmt.Errorf("the host-shared %s has no %q settings (chain_rpc, chain_id, kms_contract): the guest checks its KMS on chain and cannot boot without them", hostinput.SysConfigFile, "dstack_go_guest")
	}
	args = []string{"--chain-rpc", g.ChainRPC, "--chain-id", strconv.FormatUint(g.ChainID, 10), "--kms-contract", g.KmsContract}
	if g.TunnelListen != "" {
		args = append(args, "--tunnel-listen", g.TunnelListen)
	}
	insecure := []struct{ name, flag, value string }{
		{"insecure_agent_tcp", "--insecure-agent-tcp", g.InsecureAgentTCP},
		{"insecure_demo_app", "--insecure-demo-app", g.InsecureDemoApp},
	}
	if t := g.InsecureSimulatedTEE; t != nil {
		insecure = append(insecure, struct{ name, flag, value string }{"insecure_simulated_tee", "--insecure-simulated-tee", t.Seed})
	}
	for _, in := range insecure {
		if in.value == "" {
			continue
		}
		if !insecureAllowed {
			return nil, nil, fmt.Errorf("the host-shared %s sets %s, an insecure development option, and this is a production image (its command line has no dstack.%s=1): remove it", hostinput.SysConfigFile, in.name, InsecureMarker)
		}
		args = append(args, in.flag, in.value)
		warnings = append(warnings, fmt.Sprintf("INSECURE: %s is set (development image only)", in.name))
	}
	dataDev := g.DataDevice
	if dataDev == "" {
		dataDev = DefaultDataDevice
	}
	return append(args, "--data-device", dataDev, "--host-shared", HostSharedDir), warnings, nil
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
