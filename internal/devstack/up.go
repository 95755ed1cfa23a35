package devstack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/contracts/transact"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
)

// Options configure Up.
type Options struct {
	// Dir is the state directory. Default ".dstack-dev".
	Dir string
	// Listen is the gateway's HTTPS address, on loopback. Default
	// "127.0.0.1:8443"; port 0 picks a free one.
	Listen string
	// Compose is an app-compose.json, or a docker-compose file, to run
	// instead of the demo app. Default empty: the demo app.
	Compose string
	// Images are local images to load into the stack's registry before
	// the app starts: OCI image layout directories or `docker save`
	// tarballs. Their images are served under the names they carry.
	// Default none.
	Images []string
	// Apps is how many instances (CVMs) of the app boot. Default 1, at
	// most 16.
	Apps int
	// InsecureBuiltinApp serves a built-in handler instead of the app's
	// containers, directly rather than through the gateway, so that no
	// root is needed. Default false.
	InsecureBuiltinApp bool
	// InsecurePlainHTTPLoopback lets the app's images be pulled over plain
	// HTTP from a registry on loopback (the stack's own registry is always
	// reachable). Default false: HTTPS only.
	InsecurePlainHTTPLoopback bool
	// InsecureAllowImageTags lets the app's images be named by tag: a
	// docker-compose file is wrapped with allow_unpinned_images, so the
	// compose hash no longer pins what runs. Default false.
	InsecureAllowImageTags bool
	// VM runs each CVM as a qemu VM (TCG) booting the guest OS image,
	// instead of in this process. Its networking is qemu's user mode with
	// restrict=on: the guest reaches only the KMS (with KMSNodes, the
	// threshold KMS's nodes instead), the gateway's registration, the
	// chain and the image registry, forwarded to it, and
	// the host reaches the guest's tunnel and agent through forwards on
	// 127.0.0.1. The guest runs the app's containers, pulling their
	// images by digest from the stack's registry, which its sys-config
	// names as the registry mirror. Default false: process mode.
	VM bool
	// VMImage is the guest image directory the VMs boot; it must be built
	// for the simulated TEE (dstack image build --debug
	// --insecure-simulated-tee). Default empty: the image of this
	// repository's source, built on demand into VMImageCache.
	VMImage string
	// VMImageCache is where images built on demand are kept, one per
	// source. Default DefaultVMImageCache().
	VMImageCache string
	// VMFirmware is how qemu starts the VMs' kernel: FirmwareDirect (qemu
	// loads the image's kernel, initrd and command line itself, on
	// SeaBIOS) or FirmwareOVMF (the image's ovmf.fd loads them, as on a
	// TDX host its TDVF does; under TCG it reaches the kernel some 3 s
	// later). Default FirmwareDirect.
	VMFirmware string
	// Forwarder is the command qemu runs for each connection the guest
	// opens to a host service; the host address is appended. Default:
	// cmd/dstack-dev-forward, built into the stack's directory from the
	// source the working directory is in (BuildForwarder), or, where it
	// cannot be built, the running executable with ForwardArg, which must
	// call RunForwarder.
	Forwarder []string
	// Dstack is how the commands Up prints invoke dstack. Default: the
	// running executable's absolute path, or "go run ./cmd/dstack" when it
	// is a `go run` build.
	Dstack string
	// Gateways is how many gateway nodes run, on one etcd (in this
	// process) that holds their shared registry and certificates, sealed:
	// the first in this process, the others in processes of their own
	// (GatewayNode). Each routes the app. Default 1, at most 5.
	Gateways int
	// GatewayNode is the command that runs a gateway node beyond the first;
	// its config file is appended. Default: the running executable with
	// GatewayNodeArg, which must call RunGatewayNode.
	GatewayNode []string
	// KMSNodes and KMSThreshold, when set, give the CVMs their keys from
	// a KMSThreshold-of-KMSNodes threshold KMS, whose nodes run in this
	// process and make their root keys by a DKG at start, instead of
	// the stack's KMS, in process mode or with VM. Default 0: the
	// replicated KMS only.
	KMSNodes, KMSThreshold int
	// KMSCache keeps the threshold KMS nodes' sealed pre-parameters
	// between runs. Default DefaultKMSCache().
	KMSCache string
	// ACME makes the gateway get its certificate from Pebble (an ACME CA
	// run on loopback, which checks CAA with accounturi before it issues)
	// with the dstack_acme issuer, DNS-01 and CAA written over RFC 2136 to
	// a DNS server on loopback, and keep it in dstack_sealed storage
	// sealed with a key of the gateway app from the KMS (through the guest
	// agent of a TD booted for the gateway). The gateway then also serves
	// gateway.<base> (acme-info, app-info). Default false: Caddy's
	// internal CA, file storage.
	ACME bool
	// CustomDomain, with ACME, runs one more app, which serves this domain
	// of its own (outside the gateway's base domain; its zone, the name
	// without its first label, is served by the stack's DNS server):
	// Caddy with the project's modules, built from this source into an
	// image, as the app of a process-mode CVM. It gets its certificate from
	// Pebble in its CVM (dstack_acme: DNS-01 and CAA with accounturi in its
	// zone), keeps it in dstack_sealed storage under a key its guest agent
	// derives from the app's own keys, and serves its own acme-info
	// (dstack_acme_info); the gateway's HTTPS port passes the domain's
	// connections through to it by its _dstack-app-address TXT record.
	// Default empty: none.
	CustomDomain string
	// Out receives progress and the summary. Default io.Discard.
	Out io.Writer
	// Ready, when set, receives the state once the app answers.
	Ready chan<- State

	// thresholdUp, in tests, is called with the stack once its threshold
	// KMS is up.
	thresholdUp func(*stack)
}

// State is written to <dir>/state.json for scripts and tests while the
// stack runs.
type State struct {
	Process
	// Mode is how the CVMs run: ModeProcess or ModeVM.
	Mode string `json:"mode"`
	// VMImage is the guest image directory the VMs boot (VM mode),
	// VMImageHash its os_image_hash (SHA-256 of its sha256sum.txt), which
	// the chain allows and the VMs' evidence binds, and VMImageConfig the
	// VMs' vm_config, which claims it; VMFirmware is how qemu starts the
	// VMs' kernel (Options.VMFirmware).
	VMImage       string `json:"vm_image,omitempty"`
	VMImageHash   string `json:"vm_image_hash,omitempty"`
	VMImageConfig string `json:"vm_image_config,omitempty"`
	VMFirmware    string `json:"vm_firmware,omitempty"`
	KMSURL        string `json:"kms_url"`
	// KMSThreshold, with --kms-nodes, is the threshold KMS the CVMs get
	// their keys from: its nodes' URLs on the host's loopback and key set
	// (the sys-config's kms_threshold; a VM's names the addresses
	// forwarded to those URLs instead).
	KMSThreshold       *hostinput.ThresholdKMS `json:"kms_threshold,omitempty"`
	ChainRPC           string                  `json:"chain_rpc"`
	KmsContract        string                  `json:"kms_contract"`
	AppID              string                  `json:"app_id"`
	InstanceID         string                  `json:"instance_id"`
	ComposeHash        string                  `json:"compose_hash"`
	AppURL             string                  `json:"app_url"`
	EvidenceURL        string                  `json:"evidence_url"`
	InsecureTrustRoots string                  `json:"insecure_trust_roots"`
	Collateral         string                  `json:"collateral"`
	RuntimeEventLog    string                  `json:"runtime_event_log"`
	GuestSocket        string                  `json:"guest_socket"`
	// The gateway: its HTTPS address, registration endpoint, internal CA
	// root and app id; the app's host name under it.
	GatewayHTTPS        string `json:"gateway_https"`
	GatewayRegistration string `json:"gateway_registration"`
	GatewayCA           string `json:"gateway_ca"`
	GatewayAppID        string `json:"gateway_app_id"`
	AppHost             string `json:"app_host"`
	// Gateways are the HTTPS URLs of the gateway nodes
	// (https://127.0.0.1:PORT, GatewayHTTPS's first) when more than one
	// runs (--gateways); each routes the app.
	Gateways []string `json:"gateways,omitempty"`
	// PortHosts maps each port the app's compose file publishes to the
	// host name the gateway serves it at (<app_id>-<port>.<base>).
	PortHosts map[string]string `json:"port_hosts,omitempty"`
	// AppApp and GatewayContract are the DstackApp contracts of the app and
	// of the gateway (0x addresses).
	AppApp          string `json:"app_contract"`
	GatewayContract string `json:"gateway_contract"`
	// ChainID is the dev chain's id; DemoImage the demo app's pinned image
	// (empty with --compose); AppEnvPubKey the app's env encryption key.
	ChainID  uint64 `json:"chain_id"`
	VMConfig string `json:"vm_config"`
	// OSImageHash is the os_image_hash of the stack's simulated TDs that
	// run in its process (the KMS, the gateway, process-mode CVMs), which
	// their evidence binds (the registers its measurement document gives
	// are theirs) and the chain allows; VMs boot VMImageHash.
	OSImageHash  string `json:"os_image_hash"`
	DemoImage    string `json:"demo_image,omitempty"`
	AppEnvPubKey string `json:"app_env_pubkey"`
	// Registry is the loopback address of the stack's image registry;
	// Images the repositories it serves (host/path, as a reference names
	// them), which the stack's CVMs pull from it.
	Registry string   `json:"registry,omitempty"`
	Images   []string `json:"images,omitempty"`
	// InsecurePlainHTTPLoopback and InsecureAllowImageTags are the insecure
	// choices the stack runs with, for the CVMs `dstack dev cvm` adds.
	InsecurePlainHTTPLoopback bool `json:"insecure_plain_http_loopback,omitempty"`
	InsecureAllowImageTags    bool `json:"insecure_allow_image_tags,omitempty"`
	// Dstack is how to invoke dstack, as the printed commands do.
	Dstack string `json:"dstack"`
	// InsecureSimulatedTEESeed is the mock PKI's seed: whoever has it can
	// forge evidence this stack accepts. Development only.
	InsecureSimulatedTEESeed string `json:"insecure_simulated_tee_seed"`
	// Instances are the app's CVMs (--apps).
	Instances []Instance `json:"instances"`
	// ACMEState is set with --acme.
	ACMEState
	// CustomDomain is the app serving its own domain (--custom-domain).
	CustomDomain *CustomDomainState `json:"custom_domain,omitempty"`
}

// The modes of a stack's CVMs (State.Mode).
const (
	ModeProcess = "process"
	ModeVM      = "vm"
)

// DefaultDir is the state directory when none is given.
const DefaultDir = ".dstack-dev"

// stack is a stack being started: what each step made, and what to undo.
type stack struct {
	o        Options
	out      io.Writer
	dir      string
	started  time.Time
	cleanups []func()

	app      *userApp // nil for the demo or the built-in app
	compose  []byte
	seed     string
	pki      *mock.PKI
	roots    string
	coll     string
	registry *imageRegistry
	image    string // the demo image, pinned
	gov      *governance
	kms      *kms.Server
	tkms     *tkms // the threshold KMS (--kms-nodes), if any
	reader   *chain.Reader
	log      *zap.Logger
	gw       *gateway
	envPub   []byte
	cvms     []*cvm
	vmImage  *vmImage
	acme     *acmeDev      // with --acme
	custom   *customDomain // with --custom-domain
	errc     chan error
	// stateWritten says that state.json is there to remove at the end.
	stateWritten bool
	st           State
}

// Up runs the stack until ctx ends (or an app exits), then stops
// everything it started.
func Up(ctx context.Context, o Options) (err error) {
	s, err := prepare(o)
	if err != nil {
		return err
	}
	lock, err := s.claimDir()
	if err != nil {
		return err
	}
	s.started = time.Now()
	defer lock.release()
	defer func() {
		for i := len(s.cleanups) - 1; i >= 0; i-- {
			s.cleanups[i]()
		}
		// The state file goes last, once everything stopped: "dev down"
		// waits for it.
		if s.stateWritten {
			os.Remove(filepath.Join(s.dir, "state.json"))
		}
	}()
	steps := []struct {
		what string
		run  func(context.Context) error
	}{
		{"removing what an earlier stack in " + s.o.Dir + " left", s.clearEarlier},
		{"creating the mock vendor PKI", s.createPKI},
		{s.imageStepName(), s.serveImages},
		{"starting the dev chain and deploying the governance contracts", s.startGovernance},
		{"starting the KMS (simulated TEE) and allowing it and the OS image on chain", s.startKMS},
		{"publishing the KMS root public keys on chain (setKmsInfo)", s.publishKMS},
		{"registering the gateway's app on chain (setGatewayAppId) and starting the gateway (Caddy with the dstack modules)", s.startGateway},
	}
	if s.o.ACME {
		steps = append(steps[:len(steps)-1], struct {
			what string
			run  func(context.Context) error
		}{"starting Pebble (an ACME CA that checks CAA) and a DNS server for " + baseDomain + " on loopback, and booting the gateway's TD, whose key from the KMS seals the gateway's storage", s.startACME}, steps[len(steps)-1])
	}
	if s.o.Gateways > 1 {
		steps = append(steps, struct {
			what string
			run  func(context.Context) error
		}{fmt.Sprintf("starting %d more gateway nodes, sharing the first's registry and certificates in etcd", s.o.Gateways-1), s.startGatewayNodes})
	}
	if s.o.KMSNodes > 0 {
		steps = append(steps, struct {
			what string
			run  func(context.Context) error
		}{s.thresholdStepName(), s.startThresholdKMS})
	}
	if s.o.VM {
		steps = append(steps[:2], append([]struct {
			what string
			run  func(context.Context) error
		}{{"finding the guest OS image (a development image: simulated TEE), built when this source has none cached (allow a few minutes)", s.findVMImage}}, steps[2:]...)...)
	}
	mode := "process mode"
	if s.o.VM {
		mode = "a qemu VM (TCG)"
	}
	for i := 1; i <= s.o.Apps; i++ {
		name := cvmName(i)
		steps = append(steps, struct {
			what string
			run  func(context.Context) error
		}{"booting " + name + " (" + mode + "): measuring the app into RTMR3, fetching its keys from the KMS over mutual RA-TLS",
			func(ctx context.Context) error { return s.bootCVM(ctx, name) }})
	}
	if s.o.CustomDomain != "" {
		steps = append(steps, struct {
			what string
			run  func(context.Context) error
		}{"building Caddy with the dstack modules into an image, and booting the app of " + s.o.CustomDomain + " (its Caddy in its CVM, its sealing key from its own keys)", s.startCustomDomain})
	}
	if !s.o.InsecureBuiltinApp {
		steps = append(steps, struct {
			what string
			run  func(context.Context) error
		}{"waiting for the app to answer through the gateway", s.waitForApp})
		if s.o.Gateways > 1 {
			steps = append(steps, struct {
				what string
				run  func(context.Context) error
			}{"waiting for the app to answer through every gateway node", s.waitThroughEachGateway})
		}
	}
	if s.o.CustomDomain != "" {
		steps = append(steps, struct {
			what string
			run  func(context.Context) error
		}{"waiting for " + s.o.CustomDomain + " to answer through the gateway's passthrough, with its certificate from Pebble", s.waitForCustomDomain})
	}
	fmt.Fprintln(s.out, "WARNING: simulated TEE with a mock Intel PKI (insecure, development only)")
	s.warnInsecure()
	for _, step := range steps {
		if err := s.step(ctx, step.what, step.run); err != nil {
			return err
		}
	}
	if err := s.writeState(); err != nil {
		return err
	}
	s.printSummary()
	if s.o.Ready != nil {
		s.o.Ready <- s.st
	}
	return s.serve(ctx)
}

// prepare checks the options and reads the compose file and the images
// given, before anything is started or written.
func prepare(o Options) (*stack, error) {
	if o.Dir == "" {
		o.Dir = DefaultDir
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8443"
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if host, _, err := net.SplitHostPort(o.Listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return nil, Usage(fmt.Errorf("--listen %s: the development stack listens on loopback only (127.0.0.1:PORT)", o.Listen))
	}
	if o.Apps == 0 {
		o.Apps = 1
	}
	if o.Apps < 1 || o.Apps > 16 {
		return nil, Usage(fmt.Errorf("--apps %d: between 1 and 16 instances", o.Apps))
	}
	if err := checkGateways(&o); err != nil {
		return nil, err
	}
	if err := checkThresholdOptions(&o); err != nil {
		return nil, Usage(err)
	}
	if o.CustomDomain != "" {
		if _, err := checkCustomDomain(o); err != nil {
			return nil, Usage(err)
		}
	}
	if o.VM {
		if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
			return nil, Usage(errors.New("--vm runs the CVMs under qemu-system-x86_64, which is not installed (apt-get install qemu-system-x86)"))
		}
		switch o.VMFirmware {
		case "":
			o.VMFirmware = FirmwareDirect
		case FirmwareDirect, FirmwareOVMF:
		default:
			return nil, Usage(fmt.Errorf("--vm-firmware %q: want %s or %s", o.VMFirmware, FirmwareDirect, FirmwareOVMF))
		}
	} else if o.VMFirmware != "" {
		return nil, Usage(errors.New("--vm-firmware says how --vm boots: add --vm"))
	} else if o.VMImage != "" {
		return nil, Usage(errors.New("--vm-image names the image of --vm: add --vm"))
	}
	if !o.InsecureBuiltinApp && !o.VM && os.Geteuid() != 0 {
		return nil, Usage(errors.New("the app runs as a container (namespaces, cgroups, mounts), which needs root: run it as root (sudo dstack dev up), or pass --insecure-builtin-app to serve a built-in handler instead of a container"))
	}
	if o.InsecureBuiltinApp && (o.Compose != "" || len(o.Images) > 0) {
		return nil, Usage(errors.New("--insecure-builtin-app runs the built-in demo handler and cannot run --compose or --image; drop one of them"))
	}
	if len(o.Images) > 0 && o.Compose == "" {
		return nil, Usage(errors.New("--image loads images for your app: pass its compose file with --compose"))
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, Usage(fmt.Errorf("--dir %s: %w", o.Dir, err))
	}
	if sock := filepath.Join(dir, "cvm", "dstack.sock"); len(sock) > 100 {
		return nil, Usage(fmt.Errorf("--dir %s: the path of the CVM's agent socket (%s) is too long for a unix socket; use a shorter --dir", o.Dir, sock))
	}
	if o.Dstack == "" {
		o.Dstack = dstackCommand()
	}
	s := &stack{o: o, out: o.Out, dir: dir, errc: make(chan error, o.Apps+1)}
	if o.Compose != "" {
		if s.app, err = loadUserApp(o.Compose, o.Images, o.InsecureAllowImageTags, o.InsecurePlainHTTPLoopback); err != nil {
			return nil, Usage(err)
		}
	}
	return s, nil
}

// dstackCommand is how the printed commands invoke dstack: this
// executable, unless `go run` built it into a temporary directory.
func dstackCommand() string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") || strings.HasSuffix(exe, ".test") {
		return "go run ./cmd/dstack"
	}
	return exe
}

// claimDir refuses to go on while another stack runs in the directory (its
// lock is held, or its gateway address is taken), before anything in it is
// touched, and takes the directory's lock.
func (s *stack) claimDir() (*dirLock, error) {
	if st, err := ReadState(s.dir); err == nil && st.Running() {
		return nil, fmt.Errorf("a development stack is already running in %s (process %d, gateway %s): stop it with \"%s dev down --dir %s\", or pass another --dir", s.o.Dir, st.PID, st.GatewayHTTPS, s.o.Dstack, s.o.Dir)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockDir(s.dir)
	if errors.Is(err, ErrRunning) {
		return nil, fmt.Errorf("a development stack is already running in %s (%v): stop it with \"%s dev down --dir %s\", or pass another --dir", s.o.Dir, err, s.o.Dstack, s.o.Dir)
	}
	if err != nil {
		return nil, err
	}
	for _, extra := range s.extraDirs() {
		if held(extra) {
			lock.release()
			return nil, fmt.Errorf("\"dstack dev cvm\" still runs in %s: stop it first (Ctrl-C in its terminal)", extra)
		}
	}
	ln, err := net.Listen("tcp", s.o.Listen)
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("the gateway's HTTPS address %s is taken (%w): is another stack running? try \"%s dev down\" or --listen 127.0.0.1:OTHERPORT", s.o.Listen, err, s.o.Dstack)
	}
	// Caddy is given the port it listens on, so that the URLs printed are
	// the ones served.
	s.o.Listen = ln.Addr().String()
	ln.Close()
	return lock, nil
}

// cvmDirs are the directories of the CVMs of earlier stacks.
func (s *stack) cvmDirs() []string {
	old, _ := filepath.Glob(filepath.Join(s.dir, "cvm*"))
	return append(old, s.extraDirs()...)
}

func (s *stack) extraDirs() []string {
	extra, _ := filepath.Glob(filepath.Join(s.dir, "extra", "*"))
	return extra
}

func (s *stack) onStop(f func()) { s.cleanups = append(s.cleanups, f) }

// step runs one step, printing what it does and, when it ends, how long
// it took.
func (s *stack) step(ctx context.Context, what string, run func(context.Context) error) error {
	fmt.Fprintf(s.out, "==> %s\n", what)
	begin := time.Now()
	if err := run(ctx); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "    done in %.1fs\n", time.Since(begin).Seconds())
	return nil
}

func (s *stack) warnInsecure() {
	if s.o.InsecureBuiltinApp {
		fmt.Fprintln(s.out, "WARNING: --insecure-builtin-app: a built-in handler runs instead of the app's containers, and it is served directly, not through the gateway")
	}
	if s.o.InsecurePlainHTTPLoopback {
		fmt.Fprintln(s.out, "WARNING: --insecure-plain-http-loopback: the app's images may be pulled over plain HTTP from loopback registries")
	}
	if s.o.InsecureAllowImageTags {
		fmt.Fprintln(s.out, "WARNING: --insecure-allow-image-tags: the app's images may be named by tag; the compose hash does not pin what runs")
	}
}

// clearEarlier removes what an earlier stack in the directory left: the
// containers of a stack that was killed (and their cgroups), and its CVMs'
// data, host-shared files and runtime state. A new stack has a new chain
// and a new app: nothing of the earlier CVMs is theirs. Image caches stay.
func (s *stack) clearEarlier(context.Context) error {
	for _, d := range s.cvmDirs() {
		if killed, err := killLeftoverVM(d); err != nil {
			return err
		} else if killed {
			fmt.Fprintf(s.out, "    ended the VM a stopped stack left running in %s\n", d)
		}
		removed, err := removeLeftoverContainers(filepath.Join(d, "containers"))
		if len(removed) > 0 {
			fmt.Fprintf(s.out, "    removed containers a stopped stack left running: %s\n", strings.Join(removed, ", "))
		}
		if err != nil {
			return err
		}
		for _, name := range []string{"data", "host-shared", "run", hostInstanceInfo, "state.json", vmDiskFile, vmConsoleFile, vmMonitorFile} {
			if err := os.RemoveAll(filepath.Join(d, name)); err != nil {
				return fmt.Errorf("removing what an earlier stack left: %w", err)
			}
		}
	}
	if err := os.Remove(filepath.Join(s.dir, "state.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (s *stack) createPKI(context.Context) error {
	seedBytes := make([]byte, 16)
	if _, err := rand.Read(seedBytes); err != nil {
		return err
	}
	s.seed = "dstack-dev-" + hex.EncodeToString(seedBytes)
	var err error
	if s.pki, err = mock.NewPKI([]byte(s.seed)); err != nil {
		return err
	}
	s.roots = filepath.Join(s.dir, "insecure-trust-roots.pem")
	if err := os.WriteFile(s.roots, s.pki.RootsPEM(), 0o600); err != nil {
		return err
	}
	s.coll = filepath.Join(s.dir, "collateral")
	return s.pki.WriteCollateralDir(s.coll)
}

func (s *stack) imageStepName() string {
	switch {
	case s.o.InsecureBuiltinApp:
		return "preparing the built-in app"
	case s.app != nil:
		return "serving the app's images from a registry on loopback"
	}
	return "building the demo app into an OCI image and serving it from a registry on loopback (the first run compiles it: allow a few minutes)"
}

// serveImages starts the stack's registry with the demo image, or the
// images given with --image, and settles the app-compose.
func (s *stack) serveImages(ctx context.Context) error {
	if s.o.InsecureBuiltinApp {
		s.compose = []byte(builtinCompose)
		return nil
	}
	reg, err := startRegistry()
	if err != nil {
		return err
	}
	s.registry = reg
	s.onStop(func() { reg.Close() })
	if s.app != nil {
		for _, img := range s.app.images {
			ref, err := reg.push(ctx, img)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "    %s (from %s) as %s\n", img.name, img.source, ref)
		}
		s.compose = s.app.compose
		return nil
	}
	work := filepath.Join(s.dir, "build")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	img, err := buildDemoImage(ctx, work)
	if err != nil {
		return err
	}
	if s.image, err = reg.push(ctx, localImage{name: demoImageName, image: img}); err != nil {
		return err
	}
	s.compose, err = demoAppCompose(s.image, "v1")
	return err
}

// startGovernance starts the dev chain and deploys the contracts, with
// the app allowed at its compose hash.
func (s *stack) startGovernance(ctx context.Context) (err error) {
	if s.gov, err = startGovernance(ctx, identity.ComposeHash(s.compose)); err != nil {
		return err
	}
	s.onStop(func() { s.gov.chain.Close() })
	return nil
}

func (s *stack) startKMS(ctx context.Context) (err error) {
	if s.kms, err = startKMS(ctx, s.dir, s.seed, vmConfig(), s.gov); err != nil {
		return err
	}
	s.onStop(func() { s.kms.Stop(context.Background()) })
	if s.vmImage != nil {
		// The VMs boot the guest image, whose os_image_hash their
		// evidence binds.
		if _, err := s.gov.ctl.Send(ctx, s.gov.kms, dstackkms.NewDstackKms().PackAddOsImageHash(s.vmImage.hash), "add-os-image"); err != nil {
			return err
		}
	}
	return nil
}

// publishKMS publishes the KMS's root public keys on chain. The bootstrap
// attestation stays in <dir>/kms/bootstrap-info.json: storing several
// kilobytes costs more gas than one transaction may use on current forks.
func (s *stack) publishKMS(ctx context.Context) error {
	bi := s.kms.Service.Bootstrap
	if _, err := s.gov.ctl.Send(ctx, s.gov.kms, dstackkms.NewDstackKms().PackSetKmsInfo(dstackkms.DstackKmsKmsInfo{
		K256Pubkey: bi.K256Pubkey, CaPubkey: bi.CAPubkey,
	}), "set-kms-info"); err != nil {
		return err
	}
	var err error
	s.reader, err = chain.New(ctx, s.gov.ctl.Client, chain.Config{ChainID: s.gov.ctl.ChainID, KmsContract: s.gov.kms})
	return err
}

func (s *stack) startGateway(ctx context.Context) error {
	s.ensureLog()
	var edits []func(map[string]any)
	if s.acme != nil {
		edits = append(edits, s.acme.editGateway)
	}
	cluster, err := s.startGatewayCluster()
	if err != nil {
		return err
	}
	if cluster != nil {
		// After the ACME edit: the cluster's etcd goes under its sealing.
		edits = append(edits, cluster.editFirst)
	}
	gw, err := startGateway(ctx, s.dir, s.o.Listen, s.seed, s.roots, s.coll, s.gov, edits...)
	if err != nil {
		return err
	}
	if s.acme != nil {
		gw.caPath = s.acme.root
	}
	s.gw = gw
	s.onStop(func() { gw.stop() })
	if err := s.joinGatewayCluster(cluster); err != nil {
		return err
	}
	envPub, err := s.kms.Service.GetAppEnvEncryptPubKey(ctx, &kmsapi.AppID{AppID: s.gov.app.Bytes()})
	if err != nil {
		return fmt.Errorf("getting the app's env encryption key: %w", err)
	}
	s.envPub = envPub.PublicKey
	return nil
}

// ensureLog makes the stack's log (warnings and errors, to the output).
func (s *stack) ensureLog() {
	if s.log == nil {
		s.log = zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.Lock(zapcore.AddSync(s.out)), zap.WarnLevel))
	}
}

func cvmName(i int) string {
	if i == 1 {
		return "cvm"
	}
	return fmt.Sprintf("cvm%d", i)
}

func (s *stack) bootCVM(ctx context.Context, name string) error {
	cfg := cvmConfig{
		dir: filepath.Join(s.dir, name), compose: s.compose, appID: s.gov.app.Bytes(), kmsURL: s.kms.URL, vmConfig: vmConfig(),
		gatewayURL: s.gw.registrationURL, pki: s.pki, chain: s.reader, log: s.log, envPubKey: s.envPub,
		builtin: s.o.InsecureBuiltinApp, demo: s.app == nil && !s.o.InsecureBuiltinApp,
		registry: s.registryOptions(),
	}
	if s.o.InsecureBuiltinApp {
		cfg.env = builtinEnv
	}
	if s.tkms != nil {
		cfg.threshold = s.tkms.sys
	}
	var c *cvm
	var err error
	if s.o.VM {
		var registry string
		if s.registry != nil {
			registry = s.registry.addr
		}
		c, err = bootVM(ctx, vmConfigVM{
			cvmConfig: cfg, image: s.vmImage, kmsURL: s.kms.URL, chainRPC: s.gov.rpc, chainID: s.gov.id, kmsContract: s.gov.kms.Hex(),
			seed: s.seed, registry: registry, forwarder: s.o.Forwarder, firmware: s.o.VMFirmware,
		})
		if err == nil {
			fmt.Fprintf(s.out, "    system-ready %.1fs after qemu started (console %s)\n", c.bootTime.Seconds(), c.vm.consolePath)
		}
	} else {
		c, err = bootCVM(ctx, cfg)
	}
	if err != nil {
		return err
	}
	s.onStop(func() { c.stop() })
	go func() { s.errc <- c.wait() }()
	s.cvms = append(s.cvms, c)
	return nil
}

// findVMImage opens the image given with --vm-image, or the cached image
// of this repository's source, built when there is none.
func (s *stack) findVMImage(ctx context.Context) (err error) {
	defer func() {
		if err == nil {
			err = s.vmImage.measure()
		}
		if err == nil {
			err = s.findForwarder(ctx)
		}
		if err == nil {
			fmt.Fprintf(s.out, "    os_image_hash %x: the VMs' simulated TDs report its boot measurement, which the chain allows\n", s.vmImage.hash)
		}
	}()
	if s.o.VMImage != "" {
		s.vmImage, err = openVMImage(s.o.VMImage)
		return err
	}
	src, err := moduleSource(ctx)
	if err != nil {
		return Usage(err)
	}
	cache := s.o.VMImageCache
	if cache == "" {
		if cache, err = DefaultVMImageCache(); err != nil {
			return err
		}
	}
	if s.vmImage, err = cachedVMImage(ctx, src, cache, indent{s.out}); err != nil {
		return err
	}
	if r := s.vmImage.built; r != nil {
		fmt.Fprintf(s.out, "    built %s in %s: kernel %d bytes, initramfs %d bytes\n", s.vmImage.dir, r.Duration.Round(100*time.Millisecond), r.KernelSize, r.InitrdSize)
	} else {
		fmt.Fprintf(s.out, "    cached: %s\n", s.vmImage.dir)
	}
	return nil
}

// indent prefixes every write with four spaces, for progress lines under
// a step.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(i.w, "    %s", p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// registryOptions say how the stack's CVMs reach images: the stack's
// registry for the names it serves, the insecure choices given.
func (s *stack) registryOptions() registryChoice {
	rc := registryChoice{plainHTTPLoopback: s.o.InsecurePlainHTTPLoopback}
	if s.registry != nil {
		rc.addr, rc.repos = s.registry.addr, s.registry.repos()
	}
	return rc
}

// waitForApp waits until the app answers through the gateway, and fails
// when it does not.
func (s *stack) waitForApp(ctx context.Context) error {
	s.fillState()
	if s.app != nil && len(s.app.ports) == 0 {
		fmt.Fprintln(s.out, "    the app publishes no port: nothing to reach through the gateway")
		return nil
	}
	if err := waitThroughGateway(ctx, s.st, s.st.AppURL, s.o.Listen, s.app == nil); err != nil || s.app != nil {
		return err
	}
	// Each instance of the demo registers on its own: the app is up once
	// every one answers at its own host.
	for _, in := range s.st.Instances {
		if err := waitThroughGateway(ctx, s.st, "https://"+in.InstanceID+"."+baseDomain+":"+portOf(s.o.Listen)+"/", s.o.Listen, true); err != nil {
			return err
		}
	}
	return nil
}

// fillState gathers what the steps made into the state file's form.
func (s *stack) fillState() {
	c := s.cvms[0]
	st := State{
		Mode:   ModeProcess,
		KMSURL: s.kms.URL, ChainRPC: s.gov.rpc, KmsContract: s.gov.kms.Hex(), AppID: hex.EncodeToString(c.appID[:]),
		InstanceID: hex.EncodeToString(c.instanceID), ComposeHash: hex.EncodeToString(c.composeHash[:]),
		InsecureTrustRoots: s.roots, Collateral: s.coll, RuntimeEventLog: c.eventLog, GuestSocket: c.socket,
		GatewayHTTPS: "https://" + s.o.Listen, GatewayRegistration: s.gw.registrationURL, GatewayCA: s.gw.caPath,
		GatewayAppID: hex.EncodeToString(s.gw.appID), AppApp: s.gov.app.Hex(), GatewayContract: s.gov.gatewayApp.Hex(),
		ChainID: s.gov.id, InsecureSimulatedTEESeed: s.seed, DemoImage: s.image, AppEnvPubKey: hex.EncodeToString(s.envPub),
		VMConfig: vmConfig(), OSImageHash: hex.EncodeToString(mock.OSImageHash[:]), Dstack: s.o.Dstack,
		InsecurePlainHTTPLoopback: s.o.InsecurePlainHTTPLoopback, InsecureAllowImageTags: s.o.InsecureAllowImageTags,
	}
	s.thresholdState(&st)
	st.Process, _ = Self()
	if s.o.VM {
		st.Mode, st.VMImage, st.VMFirmware = ModeVM, s.vmImage.dir, s.o.VMFirmware
		st.VMImageHash, st.VMImageConfig = hex.EncodeToString(s.vmImage.hash[:]), s.vmImage.vmConfig
	}
	st.AppHost = st.AppID + "." + baseDomain
	st.Gateways = s.gatewayURLs()
	for _, c := range s.cvms {
		in := Instance{InstanceID: hex.EncodeToString(c.instanceID), GuestSocket: c.socket, Dir: c.dir, TunnelAddress: c.tunnelAddr, BootSeconds: c.bootTime.Seconds()}
		if c.vm != nil {
			in.QEMUPID, in.Console = c.vm.cmd.Process.Pid, c.vm.consolePath
		}
		st.Instances = append(st.Instances, in)
	}
	if s.registry != nil {
		st.Registry, st.Images = s.registry.addr, s.registry.repos()
	}
	port := portOf(s.o.Listen)
	if s.o.InsecureBuiltinApp {
		st.AppURL = "https://" + c.builtinAddr + "/"
	} else {
		st.AppURL = "https://" + st.AppHost + ":" + port + "/"
	}
	if s.app != nil && len(s.app.ports) > 0 {
		// The gateway serves port 80 at <app_id>.<base> and port P at
		// <app_id>-P.<base>: the app's URL is port 80's when it publishes
		// it, else its first port's.
		st.PortHosts = map[string]string{}
		for _, p := range s.app.ports {
			st.PortHosts[strconv.Itoa(int(p))] = fmt.Sprintf("%s-%d.%s", st.AppID, p, baseDomain)
		}
		if !slices.Contains(s.app.ports, 80) {
			st.AppURL = "https://" + st.PortHosts[strconv.Itoa(int(s.app.ports[0]))] + ":" + port + "/"
		}
	}
	st.EvidenceURL = st.AppURL + "evidence"
	if s.acme != nil {
		st.ACMEState = s.acme.state(s.o.Listen)
	}
	if s.custom != nil {
		st.CustomDomain = &s.custom.st
	}
	s.st = st
}

// writeState writes state.json: the stack is up.
func (s *stack) writeState() error {
	if s.st.AppID == "" {
		s.fillState()
	}
	sb, _ := json.MarshalIndent(s.st, "", "  ")
	s.stateWritten = true
	return os.WriteFile(filepath.Join(s.dir, "state.json"), sb, 0o600)
}

func (s *stack) printSummary() {
	st, dstack := s.st, s.o.Dstack
	curl := fmt.Sprintf("curl --cacert %s --resolve %s:%s:127.0.0.1 %s", st.GatewayCA, st.AppHost, portOf(s.o.Listen), st.AppURL)
	if s.o.InsecureBuiltinApp {
		curl = "curl -k " + st.AppURL
	}
	var ports strings.Builder
	keys := make([]string, 0, len(st.PortHosts))
	for p := range st.PortHosts {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, p := range keys {
		fmt.Fprintf(&ports, "  port %-8s https://%s:%s/\n", p, st.PortHosts[p], portOf(s.o.Listen))
	}
	evidence := ""
	if s.app == nil {
		evidence = fmt.Sprintf("  evidence      %s > evidence.json   (the guest agent's GetQuote, through the gateway)\n  verify        %s verify --insecure-trust-roots %s --collateral %s evidence.json\n",
			strings.Replace(curl, st.AppURL, st.EvidenceURL, 1), dstack, st.InsecureTrustRoots, st.Collateral)
	}
	osImage := st.OSImageHash + " (bound: the TDs' registers are what its measurement gives)"
	if st.Mode == ModeVM {
		osImage = fmt.Sprintf("%s, the VMs' guest image %s (bound: their registers are its boot's; %s verify --image %s …)", st.VMImageHash, st.VMImage, dstack, st.VMImage)
	}
	fmt.Fprintf(s.out, `
The app is up (%.1fs).
  app           %s
  curl          %s
                (or curl -k; *.localhost resolves to loopback in most resolvers)
%s%s  chain         %s (DstackKms %s; app %s)
  queries       %s chain --rpc %s --kms %s app-info %s
  KMS           %s
  gateway       %s (registration %s, CA %s)
  app id        %s
  compose hash  %s
  os image      %s
  instance id   %s
  guest agent   curl --unix-socket %s http://dstack/Info
  state         %s
%sStop with Ctrl-C or "%s dev down --dir %s".
`, time.Since(s.started).Seconds(), st.AppURL, curl, ports.String(), evidence,
		st.ChainRPC, st.KmsContract, st.AppApp, dstack, st.ChainRPC, st.KmsContract, st.AppApp, st.KMSURL, st.GatewayHTTPS, st.GatewayRegistration, st.GatewayCA,
		st.AppID, st.ComposeHash, osImage, st.InstanceID, st.GuestSocket, filepath.Join(s.dir, "state.json"), s.acmeSummary()+s.customDomainSummary(), dstack, s.o.Dir)
}

// serve runs until ctx ends or an app exits; SIGHUP restarts the gateway
// ("dstack dev restart-gateway").
func (s *stack) serve(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(s.out, "==> stopping")
			return nil
		case err := <-s.errc:
			fmt.Fprintln(s.out, "==> an app exited; stopping")
			return err
		case <-hup:
			if err := s.step(ctx, "restarting the gateway", func(context.Context) error { return s.gw.restart() }); err != nil {
				return fmt.Errorf("restarting the gateway: %w", err)
			}
			fmt.Fprintln(s.out, "==> the gateway is back")
		}
	}
}

// vmConfig is the vm_config of the development OS image, shared by the
// KMS, the gateway and the CVMs: the simulated TD's image in upstream's
// lite form, with its measurement document, so that every verifier of the
// stack binds the os_image_hash to the TD's registers.
func vmConfig() string { return mock.DevVMConfig() }

// governance is the dev chain with the contracts deployed and the app
// registered.
type governance struct {
	chain *Chain
	ctl   *transact.Sender
	rpc   string
	kms   common.Address
	app   common.Address
	// gatewayApp is the DstackApp registered for the gateway; its address
	// is the gateway app id.
	gatewayApp common.Address
	id         uint64
}

// startGovernance starts the dev chain, deploys DstackKms and registers
// an app that allows composeHash, and one for the gateway.
func startGovernance(ctx context.Context, composeHash [32]byte) (*governance, error) {
	d, err := StartChain(ChainOptions{Listen: "127.0.0.1:0", Accounts: 2, Period: time.Second})
	if err != nil {
		return nil, err
	}
	g := &governance{chain: d, rpc: d.URL}
	fail := func(err error) (*governance, error) { d.Close(); return nil, err }
	if g.ctl, err = transact.Dial(ctx, d.URL, AccountKey(0), io.Discard); err != nil {
		return fail(err)
	}
	g.id = g.ctl.ChainID.Uint64()
	if g.kms, err = g.ctl.DeployGovernance(ctx); err != nil {
		return fail(err)
	}
	if g.app, err = g.deployApp(ctx, composeHash, "deploy-app"); err != nil {
		return fail(err)
	}
	if g.gatewayApp, err = g.deployApp(ctx, sha256.Sum256([]byte("dstack dev gateway")), "deploy-gateway-app"); err != nil {
		return fail(err)
	}
	return g, nil
}

// deployApp deploys a DstackApp owned by the stack's account, registered
// with the KMS contract, that allows hash (and any device); its address is
// the app id.
func (g *governance) deployApp(ctx context.Context, hash [32]byte, what string) (common.Address, error) {
	owner := crypto.PubkeyToAddress(AccountKey(0).PublicKey)
	r, err := g.ctl.Send(ctx, g.kms, dstackkms.NewDstackKms().PackDeployAndRegisterApp0(owner, false, true, true, [32]byte{}, hash), what)
	if err != nil {
		return common.Address{}, err
	}
	return transact.DeployedApp(r)
}

// startKMS allows the KMS's measurement and device and the dev OS image
// on chain, then starts a KMS on the simulated TEE whose authorizer is the
// chain.
func startKMS(ctx context.Context, dir, seed, kmsConfig string, gov *governance) (*kms.Server, error) {
	attester, opts, err := kms.SimulatedTEE(seed, kmsConfig)
	if err != nil {
		return nil, err
	}
	self := &kms.Self{Attester: attester, Attestation: opts, Config: kmsConfig}
	ev, err := self.Evidence(ctx)
	if err != nil {
		return nil, err
	}
	// The stack runs with OS image binding on: the hash allowed on chain is
	// the one the KMS's evidence proves.
	if err := attest.RequireBoundOSImage(ev, false); err != nil {
		return nil, fmt.Errorf("the simulated KMS's evidence: %w", err)
	}
	kb := kmsapi.BootInfoOf(ev, false)
	K := dstackkms.NewDstackKms()
	for _, tx := range []struct {
		what string
		data []byte
	}{
		{"add-os-image", K.PackAddOsImageHash(common.BytesToHash(kb.OSImageHash))},
		{"add-kms-mr", K.PackAddKmsAggregatedMr(common.BytesToHash(kb.MrAggregated))},
		{"add-kms-device", K.PackAddKmsDevice(common.BytesToHash(kb.DeviceID))},
	} {
		if _, err := gov.ctl.Send(ctx, gov.kms, tx.data, tx.what); err != nil {
			return nil, err
		}
	}
	kmsDir := filepath.Join(dir, "kms")
	_ = os.RemoveAll(kmsDir)
	srv, err := kms.NewServer(ctx, kms.Config{
		Listen: "127.0.0.1:0", Domain: "127.0.0.1", StateDir: kmsDir, VMConfig: kmsConfig, InsecureSimulatedTEE: seed,
		Auth: kms.AuthConfig{Chain: &settings.Chain{RPCURL: gov.rpc, ChainID: gov.id, KmsContract: gov.kms.Hex()}},
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("starting the KMS: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	return srv, nil
}
