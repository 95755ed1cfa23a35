// Command dstack-init boots a dstack confidential VM and serves its agent.
//
// Usage:
//
//	dstack-init --chain-rpc URL --chain-id N --kms-contract ADDR [flags]
//
// It reads the host-shared files (app-compose.json, .sys-config.json,
// .instance_info, .encrypted-env, .user-config) from --host-shared, checks
// the app's requirements, extends RTMR3 with upstream's runtime events
// (system-preparing, app-id, compose-hash, init-script-hash…,
// gpu-policy-hash, instance-id, boot-mr-done), and asks the KMSs of
// kms_urls (or --kms-url) for the app keys. A KMS is asked nothing until,
// during the TLS handshake, its RA-TLS attestation verified, the chain
// (DstackKms at --kms-contract, read through --chain-rpc) allowed it with
// isKmsAllowed, and its RPC certificate proved signed by the root CA key
// published with setKmsInfo. It then extends os-image-hash, key-provider
// and storage-fs, reaches system-ready, decrypts .encrypted-env, serves the
// guest agent (upstream's DstackGuest API) on --socket, and runs the app:
// the compose file as containers (guestos/containers, images pulled by
// digest, from the sys-config's docker_registry mirror first when it names
// one), with the attested tunnel in front of their ports and the CVM
// registered with the gateways of gateway_urls when app-compose asks for
// the gateway (the tunnel and the registration accept only the gateway app
// id on chain). The RA-TLS certificates of the tunnel and of the
// registration are valid 7 days and renewed, with a fresh key and fresh
// evidence, after 2/3 of that; open streams are not dropped.
// When the chain does not allow the compose hash, no KMS releases keys: the
// boot stops with the reason and the app is not started. When the sys-config
// names a host_api_url (http), the host is told the boot's progress, its
// failure, and the instance info, whose instance_id_seed it gives back in
// .instance_info at the next boot (upstream's Notify).
//
// Flags:
//
//	--host-shared DIR          host-shared files (default /dstack/.host-shared)
//	--run-dir DIR              runtime event log directory (default /run/log/dstack)
//	--socket PATH              agent socket (default /var/run/dstack.sock), mode 0660
//	--socket-group GROUP       group allowed to connect besides root (default: ours)
//	--tappd-socket PATH        legacy Tappd API socket (default /var/run/tappd.sock; "" for none)
//	--external ADDR            serve the external Worker API (no keys) on ADDR,
//	                           as upstream's :8090 (default off)
//	--tls-key-max-validity D   longest validity of a GetTlsKey certificate, and
//	                           that of one whose request names no not_after
//	                           (default 87600h, upstream's ten years)
//	--kms-url URL              KMS to ask instead of kms_urls (repeatable; development)
//	--chain-rpc URL            Ethereum JSON-RPC of the governance chain (required)
//	--chain-id N               its chain id (required; another chain is refused)
//	--kms-contract ADDR        DstackKms proxy address (required)
//	--pccs-url URL             TDX collateral source (default: the sys-config's)
//	--collateral-dir DIR       TDX collateral from a directory instead
//	--container-state DIR      image cache, root filesystems and container state
//	                           (default /var/lib/dstack/containers)
//	--tunnel-listen ADDR       where the gateway tunnel listens (default 0.0.0.0:0)
//	--insecure-simulated-tee SEED
//	                           run on a simulated TDX module signed by the mock
//	                           PKI of SEED, and trust that PKI's roots (development)
//	--data-device DEV          the encrypted data disk: LUKS2 keyed by the KMS's
//	                           disk key, formatted (ext4) on first boot
//	--data-mount DIR           where its filesystem is mounted (default
//	                           /dstack/persistent)
//	--insecure-plain-data-dir DIR
//	                           use a plain directory as the data volume (development)
//	--insecure-agent-tcp ADDR  also serve the agent on TCP (development)
//	--insecure-demo-app ADDR   run the built-in demo app on ADDR instead of the
//	                           compose app (development); when the app asks
//	                           for the gateway, it serves plain HTTP as the
//	                           app's port 80 behind the tunnel
//
// Every insecure option logs a warning at start. One of --data-device and
// --insecure-plain-data-dir is required.
//
// Started by the kernel as PID 1 (the guest image's /init), it sets the VM
// up and runs itself as the boot stage under supervision (guestos/pid1):
// its flags then come from the host-shared .sys-config.json's
// dstack_go_guest settings, and with --insecure-simulated-tee the simulated
// TD reports the boot measurement those settings carry (the image the host
// booted), so that the evidence binds the image that runs.
//
// The guest image has no CA files: the roots dstack-init trusts for TLS to
// anything not attested (a registry over https, a PCCS) are the Mozilla
// bundle of golang.org/x/crypto/x509roots/fallback, compiled in and so
// measured with the image, and used even where a system has its own
// (x509usefallbackroots=1), so that the same binary trusts the same roots
// wherever it runs. Updating them is updating that module. They are parsed
// when the boot stage starts (trustBundledRoots), not at package init as
// importing the fallback package would, which every start of this binary
// would pay: PID 1, the boot stage and each container's init (some 20 ms
// natively, ten times that under qemu's TCG).
//
//go:debug x509usefallbackroots=1
package main

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"go.uber.org/zap"
	"golang.org/x/crypto/x509roots/fallback/bundle"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/guestos"
	"github.com/dstack-go/dstack/guestos/agent"
	"github.com/dstack-go/dstack/guestos/boot"
	"github.com/dstack-go/dstack/guestos/containerapp"
	"github.com/dstack-go/dstack/guestos/containers"
	"github.com/dstack-go/dstack/guestos/datadisk"
	"github.com/dstack-go/dstack/guestos/gatewaylink"
	"github.com/dstack-go/dstack/guestos/hostapi"
	"github.com/dstack-go/dstack/guestos/hostinput"
	"github.com/dstack-go/dstack/guestos/pid1"
	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
)

// options are the command line.
type options struct {
	hostShared, runDir, socket, socketGroup string
	tappdSocket, external                   string
	kmsURLs                                 []string
	chainRPC, kmsContract                   string
	chainID                                 uint64
	pccsURL, collateralDir                  string
	insecureSimulatedTEE                    string
	insecurePlainDataDir                    string
	dataDevice, dataMount                   string
	insecureAgentTCP                        string
	insecureDemoApp                         string
	containerState, tunnelListen            string
	tlsKeyMaxValidity                       time.Duration
}

type urlList []string

func (u *urlList) String() string     { return strings.Join(*u, ",") }
func (u *urlList) Set(s string) error { *u = append(*u, s); return nil }

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("dstack-init", flag.ContinueOnError)
	fs.StringVar(&o.hostShared, "host-shared", "/dstack/.host-shared", "host-shared files")
	fs.StringVar(&o.runDir, "run-dir", "/run/log/dstack", "runtime event log directory")
	fs.StringVar(&o.socket, "socket", agent.DefaultSocket, "agent socket")
	fs.StringVar(&o.socketGroup, "socket-group", "", "group allowed to connect to the socket")
	fs.StringVar(&o.tappdSocket, "tappd-socket", "/var/run/tappd.sock", "legacy Tappd API socket (empty for none)")
	fs.StringVar(&o.external, "external", "", "address of the external Worker API (no keys)")
	fs.DurationVar(&o.tlsKeyMaxValidity, "tls-key-max-validity", agent.DefaultTLSKeyValidity, "longest validity of a GetTlsKey certificate")
	fs.Var((*urlList)(&o.kmsURLs), "kms-url", "KMS URL to ask instead of kms_urls (repeatable)")
	fs.StringVar(&o.chainRPC, "chain-rpc", "", "Ethereum JSON-RPC URL of the governance chain")
	fs.Uint64Var(&o.chainID, "chain-id", 0, "chain id of the governance chain")
	fs.StringVar(&o.kmsContract, "kms-contract", "", "DstackKms proxy address")
	fs.StringVar(&o.pccsURL, "pccs-url", "", "TDX collateral source (PCS or PCCS)")
	fs.StringVar(&o.collateralDir, "collateral-dir", "", "TDX collateral directory")
	fs.StringVar(&o.insecureSimulatedTEE, "insecure-simulated-tee", "", "run on a simulated TDX module of this mock PKI seed")
	fs.StringVar(&o.insecurePlainDataDir, "insecure-plain-data-dir", "", "plain, unencrypted data directory")
	fs.StringVar(&o.dataDevice, "data-device", "", "encrypted data disk (LUKS2)")
	fs.StringVar(&o.dataMount, "data-mount", "/dstack/persistent", "where the data disk is mounted")
	fs.StringVar(&o.insecureAgentTCP, "insecure-agent-tcp", "", "also serve the agent on this TCP address")
	fs.StringVar(&o.insecureDemoApp, "insecure-demo-app", "", "run the built-in demo app on this address")
	fs.StringVar(&o.containerState, "container-state", "/var/lib/dstack/containers", "image cache and container state directory")
	fs.StringVar(&o.tunnelListen, "tunnel-listen", "0.0.0.0:0", "address of the gateway tunnel")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	switch {
	case o.chainRPC == "" || o.chainID == 0 || o.kmsContract == "":
		return nil, errors.New("--chain-rpc, --chain-id and --kms-contract are required: the KMS is checked on chain before it is asked for keys")
	case !common.IsHexAddress(o.kmsContract):
		return nil, fmt.Errorf("--kms-contract %q is not an address", o.kmsContract)
	case o.insecurePlainDataDir == "" && o.dataDevice == "":
		return nil, errors.New("no data volume: pass --data-device DEV (the encrypted data disk), or --insecure-plain-data-dir DIR (development)")
	case o.insecurePlainDataDir != "" && o.dataDevice != "":
		return nil, errors.New("--data-device and --insecure-plain-data-dir exclude each other")
	}
	return o, nil
}

func main() {
	if os.Getpid() == 1 {
		// The kernel started us as /init of the guest image.
		pid1.Main()
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "dstack-init:", err)
		os.Exit(2)
	}
	trustBundledRoots()
	log, _ := zap.NewProduction()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dialAndRun(ctx, o, log); err != nil {
		log.Error("dstack-init failed", zap.Error(err))
		stop()
		os.Exit(1)
	}
}

// trustBundledRoots makes the compiled-in Mozilla bundle the system roots
// (see the package doc), as golang.org/x/crypto/x509roots/fallback's init
// does; called once, before anything verifies a certificate.
func trustBundledRoots() {
	pool := x509.NewCertPool()
	for c := range bundle.Roots() {
		cert, err := x509.ParseCertificate(c.Certificate)
		if err != nil {
			panic(fmt.Sprintf("the compiled-in root bundle: %v", err))
		}
		if c.Constraint == nil {
			pool.AddCert(cert)
		} else {
			pool.AddCertWithConstraint(cert, c.Constraint)
		}
	}
	x509.SetFallbackRoots(pool)
}

// dialAndRun connects to the governance chain and runs.
func dialAndRun(ctx context.Context, o *options, log *zap.Logger) error {
	client, err := ethclient.DialContext(ctx, o.chainRPC)
	if err != nil {
		return fmt.Errorf("dialing the chain at %s: %w", o.chainRPC, err)
	}
	defer client.Close()
	reader, err := chain.New(ctx, client, chain.Config{ChainID: new(big.Int).SetUint64(o.chainID), KmsContract: common.HexToAddress(o.kmsContract)})
	if err != nil {
		return fmt.Errorf("reading DstackKms %s on chain %d: %w", o.kmsContract, o.chainID, err)
	}
	return run(ctx, o, log, reader, nil)
}

// running is a booted guest, for tests.
type running struct {
	cvm   *boot.CVM
	agent *agent.Server
	app   boot.RunningApp
}

// run boots and serves until ctx ends or the app exits. ready, when not
// nil, receives the booted guest.
func run(ctx context.Context, o *options, log *zap.Logger, reader *chain.Reader, ready chan<- *running) error {
	in, err := hostinput.Read(o.hostShared)
	if err != nil {
		return err
	}
	var tee guestos.TEE
	var opts attest.Options
	if o.insecureSimulatedTEE != "" {
		log.Warn("INSECURE: simulated TEE with a mock Intel PKI; its evidence proves nothing (development only)")
		pki, err := mock.NewPKI([]byte(o.insecureSimulatedTEE))
		if err != nil {
			return err
		}
		td, err := simulatedTD(pki, in.SysConfig, log)
		if err != nil {
			return err
		}
		tee = td
		opts.InsecureTrustRoots = &attest.TrustRoots{TDX: pki.Roots()}
		opts.Collateral = collateral.NewCache(pki.Source(), collateral.CacheOptions{})
	} else {
		t, err := guestos.OpenTDX()
		if err != nil {
			return fmt.Errorf("%w (on a development host, pass --insecure-simulated-tee SEED)", err)
		}
		tee = t
	}
	if opts.Collateral == nil {
		if c := collateralSource(o, in.SysConfig); c != nil {
			opts.Collateral = c
		}
	}
	platform, err := guestos.NewPlatform(tee, o.runDir, in.SysConfig.VMConfig)
	if err != nil {
		return err
	}
	var storage boot.Storage = boot.InsecurePlainDir{Dir: o.insecurePlainDataDir}
	if o.dataDevice != "" {
		disk := &datadisk.Disk{Device: o.dataDevice, MountPoint: o.dataMount, Logger: log}
		defer func() {
			if err := disk.Close(); err != nil {
				log.Error("closing the data disk", zap.Error(err))
			}
		}()
		storage = disk
	} else {
		log.Warn("INSECURE: the data volume is a plain directory", zap.String("dir", o.insecurePlainDataDir))
	}
	var host boot.HostNotifier
	if u := in.SysConfig.HostAPIURL; u != "" {
		if c, err := hostapi.New(u); err != nil {
			log.Warn("the host is not told how the boot goes", zap.Error(err))
		} else {
			host = c
		}
	}
	cvm, err := boot.Boot(ctx, boot.Config{
		Inputs: in, Platform: platform, KMSURLs: o.kmsURLs, Chain: reader, Attestation: opts,
		Storage: storage, Host: host, Logger: log,
	})
	if err != nil {
		return err
	}
	a := agent.New(cvm, log)
	a.TLSKeyMaxValidity = o.tlsKeyMaxValidity
	srv, err := a.Serve(agent.Config{Socket: o.socket, TappdSocket: o.tappdSocket, External: o.external, SocketGroup: o.socketGroup, InsecureTCP: o.insecureAgentTCP})
	if err != nil {
		return err
	}
	defer srv.Close(context.Background())
	var app boot.RunningApp
	var link *gatewaylink.Registrar
	if o.insecureDemoApp != "" {
		log.Warn("INSECURE: the compose app is not run: the built-in demo app runs instead (development)", zap.String("addr", o.insecureDemoApp))
		demo := &boot.BuiltinDemoApp{Listen: o.insecureDemoApp}
		var registrar boot.GatewayRegistrar
		if cvm.Compose.GatewayOn() {
			// Behind the gateway the demo stands in for the app's port 80:
			// the tunnel relays that port to it, and the gateway
			// terminates TLS, so the demo speaks plain HTTP.
			link = &gatewaylink.Registrar{Listen: o.tunnelListen, Ports: map[uint16]string{80: o.insecureDemoApp}, Gateway: reader, Logger: log}
			defer link.Close()
			registrar, demo.PlainHTTP = link, true
		}
		app, err = cvm.StartApp(ctx, demo, srv.Socket(), registrar)
	} else {
		state, aerr := filepath.Abs(o.containerState)
		if aerr != nil {
			return aerr
		}
		link = &gatewaylink.Registrar{Listen: o.tunnelListen, Gateway: reader, Logger: log}
		defer link.Close()
		// The images pulled are kept on the encrypted data disk, so that a
		// reboot does not pull them again.
		runner := &containerapp.Runner{StateDir: state, CacheImagesOnDataDisk: true, Logger: log, Registry: containers.RegistryOptions{Mirror: in.SysConfig.DockerRegistry}}
		if in.SysConfig.DockerRegistry != "" {
			log.Info("images pinned by digest are pulled from the host's registry mirror first", zap.String("docker_registry", in.SysConfig.DockerRegistry))
		}
		app, err = cvm.StartApp(ctx, runner, srv.Socket(), link)
	}
	if err != nil {
		return err
	}
	if ready != nil {
		ready <- &running{cvm: cvm, agent: srv, app: app}
	}
	done := make(chan error, 1)
	go func() { done <- app.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Deregister first, so the gateways stop routing to this CVM before
	// its app stops answering; the deferred Close is then a no-op.
	if link != nil {
		if err := link.Close(); err != nil {
			log.Warn("deregistering from the gateways", zap.Error(err))
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return app.Stop(shutdown)
}

// simulatedTD boots the simulated TD: of the boot measurement the host's
// sys-config carries (the image the host booted, as it measured it), else
// of the simulated development image.
func simulatedTD(pki *mock.PKI, sys *hostinput.SysConfig, log *zap.Logger) (*mock.TD, error) {
	if g := sys.Guest; g != nil && g.InsecureSimulatedTEE != nil && len(g.InsecureSimulatedTEE.Boot) > 0 {
		var b mock.Boot
		if err := json.Unmarshal(g.InsecureSimulatedTEE.Boot, &b); err != nil {
			return nil, fmt.Errorf("reading the boot measurement of the host-shared %s: %w", hostinput.SysConfigFile, err)
		}
		log.Warn("INSECURE: the simulated TD reports the boot measurement the host gives (MRTD and RTMR0-2 of the image it booted)", zap.String("mrtd", hex.EncodeToString(b.MRTD[:])))
		return pki.BootedTD(&b), nil
	}
	return pki.NewTD(), nil
}

// collateralSource picks where TDX collateral comes from: the flags, else
// the sys-config (an untrusted source: the collateral is signed by Intel
// and verified), else none (TCB status "Unknown").
func collateralSource(o *options, sys *hostinput.SysConfig) *collateral.Cache {
	switch {
	case o.collateralDir != "":
		return collateral.NewCache(collateral.DirSource(o.collateralDir), collateral.CacheOptions{})
	case o.pccsURL != "":
		return collateral.NewCache(collateral.HTTPSource(o.pccsURL, &http.Client{Timeout: 30 * time.Second}), collateral.CacheOptions{})
	case sys.CollateralURLs != nil && sys.CollateralURLs.PCCS != "":
		return collateral.NewCache(collateral.HTTPSource(sys.CollateralURLs.PCCS, &http.Client{Timeout: 30 * time.Second}), collateral.CacheOptions{})
	case sys.PCCSURL != "":
		return collateral.NewCache(collateral.HTTPSource(sys.PCCSURL, &http.Client{Timeout: 30 * time.Second}), collateral.CacheOptions{})
	}
	return nil
}
