package devstack

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/identity"
)

// CVMOptions configure RunCVM (`dstack dev cvm`).
type CVMOptions struct {
	// Dir is the running stack's state directory. Default ".dstack-dev".
	Dir string
	// Name names the instance: its directory is <Dir>/extra/<Name>.
	// Lowercase letters, digits and '-', at most 32. Required.
	Name string
	// Compose is an app-compose.json or docker-compose file to run instead
	// of the demo app. Default empty: the stack's demo image.
	Compose string
	// Version is the demo app's version string (another version is another
	// compose hash). Default "v1".
	Version string
	// PrintHash prints the compose hash the CVM would boot with, and
	// returns.
	PrintHash bool
	// VM boots the CVM as a qemu VM of the stack's guest image, as the
	// CVMs of a stack started with --vm. Default false: process mode.
	VM bool
}

// cvmState is written to <dir>/extra/<name>/state.json while the CVM runs.
type cvmState struct {
	Process
	AppID       string `json:"app_id"`
	InstanceID  string `json:"instance_id"`
	ComposeHash string `json:"compose_hash"`
	GuestSocket string `json:"guest_socket"`
	// QEMUPID and Console are the VM's qemu and console file (--vm only).
	QEMUPID int    `json:"qemu_pid,omitempty"`
	Console string `json:"console,omitempty"`
}

var cvmNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// RunCVM boots one more CVM of the running stack's app and runs it until
// ctx ends.
func RunCVM(ctx context.Context, out io.Writer, o CVMOptions) error {
	if o.Dir == "" {
		o.Dir = DefaultDir
	}
	if o.Version == "" {
		o.Version = "v1"
	}
	if !cvmNameRE.MatchString(o.Name) {
		return Usage(fmt.Errorf("--name %q: lowercase letters, digits and '-', at most 32", o.Name))
	}
	dir, _ := filepath.Abs(o.Dir)
	st, err := ReadState(dir)
	if err != nil {
		return err
	}
	var compose []byte
	switch {
	case o.Compose != "":
		if compose, err = readUserCompose(o.Compose, st.InsecureAllowImageTags); err != nil {
			return Usage(fmt.Errorf("--compose: %w", err))
		}
	case st.DemoImage != "":
		if compose, err = demoAppCompose(st.DemoImage, o.Version); err != nil {
			return err
		}
	default:
		return Usage(errors.New("the stack runs no demo image (it was started with --compose or --insecure-builtin-app): pass --compose FILE"))
	}
	if _, err := identity.ParseAppCompose(compose); err != nil {
		return Usage(fmt.Errorf("--compose: %w", err))
	}
	hash := identity.ComposeHash(compose)
	if o.PrintHash {
		fmt.Fprintln(out, hex.EncodeToString(hash[:]))
		return nil
	}
	if o.VM && (st.Mode != ModeVM || st.VMImage == "") {
		return Usage(errors.New("--vm boots the instance from the stack's guest image, and this stack runs its CVMs in process mode: start it with \"dev up --vm\", or leave --vm out"))
	}
	if os.Geteuid() != 0 && !o.VM {
		return Usage(errors.New("the app runs as a container (namespaces, cgroups, mounts), which needs root: run it as root, or boot it as a VM with --vm (a stack started with dev up --vm)"))
	}
	envPub, err := hex.DecodeString(st.AppEnvPubKey)
	if err != nil {
		return fmt.Errorf("reading the stack's state: app_env_pubkey: %w", err)
	}
	cvmDir := filepath.Join(dir, "extra", o.Name)
	if err := os.MkdirAll(cvmDir, 0o700); err != nil {
		return err
	}
	lock, err := lockDir(cvmDir)
	if err != nil {
		return fmt.Errorf("booting %s: %w", o.Name, err)
	}
	defer lock.release()
	// A CVM of this name that was killed may have left its VM or its
	// containers.
	if killed, err := killLeftoverVM(cvmDir); err != nil {
		return err
	} else if killed {
		fmt.Fprintf(out, "==> ended the VM a killed %s left running\n", o.Name)
	}
	if removed, err := removeLeftoverContainers(filepath.Join(cvmDir, "containers")); err != nil {
		return err
	} else if len(removed) > 0 {
		fmt.Fprintf(out, "==> removed containers a killed %s left running: %s\n", o.Name, strings.Join(removed, ", "))
	}
	if sock := filepath.Join(cvmDir, "dstack.sock"); len(sock) > 100 {
		return Usage(fmt.Errorf("--dir %s: the path of the CVM's agent socket (%s) is too long for a unix socket; use a shorter --dir", o.Dir, sock))
	}
	pki, err := mock.NewPKI([]byte(st.InsecureSimulatedTEESeed))
	if err != nil {
		return err
	}
	client, err := ethclient.DialContext(ctx, st.ChainRPC)
	if err != nil {
		return fmt.Errorf("dialing the dev chain at %s: %w", st.ChainRPC, err)
	}
	defer client.Close()
	reader, err := chain.New(ctx, client, chain.Config{ChainID: new(big.Int).SetUint64(st.ChainID), KmsContract: common.HexToAddress(st.KmsContract)})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "WARNING: simulated TEE with a mock Intel PKI (insecure, development only)")
	fmt.Fprintf(out, "==> booting %s with compose hash %x\n", o.Name, hash)
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.Lock(zapcore.AddSync(out)), zap.WarnLevel))
	cfg := cvmConfig{
		dir: cvmDir, compose: compose, appID: common.HexToAddress(st.AppApp).Bytes(), kmsURL: st.KMSURL, vmConfig: vmConfig(),
		gatewayURL: st.GatewayRegistration, pki: pki, chain: reader, log: log, envPubKey: envPub, keepInstance: true,
		demo:      o.Compose == "",
		registry:  registryChoice{addr: st.Registry, repos: st.Images, plainHTTPLoopback: st.InsecurePlainHTTPLoopback},
		threshold: st.KMSThreshold,
	}
	var c *cvm
	if o.VM {
		c, err = bootExtraVM(ctx, out, cfg, st)
	} else {
		c, err = bootCVM(ctx, cfg)
	}
	if err != nil {
		return err
	}
	statePath := filepath.Join(cvmDir, "state.json")
	defer func() { c.stop(); os.Remove(statePath) }()
	self, err := Self()
	if err != nil {
		return err
	}
	cs := cvmState{Process: self, AppID: hex.EncodeToString(c.appID[:]), InstanceID: hex.EncodeToString(c.instanceID),
		ComposeHash: hex.EncodeToString(c.composeHash[:]), GuestSocket: c.socket}
	if c.vm != nil {
		cs.QEMUPID, cs.Console = c.vm.cmd.Process.Pid, c.vm.consolePath
	}
	b, _ := json.MarshalIndent(cs, "", "  ")
	if err := os.WriteFile(statePath, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "==> %s is up: instance %s of app %s; reach it at https://%s.%s%s/\n", o.Name, cs.InstanceID, cs.AppID, cs.InstanceID, baseDomain, ":"+portOf(strings.TrimPrefix(st.GatewayHTTPS, "https://")))
	done := make(chan error, 1)
	go func() { done <- c.wait() }()
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "==> stopping")
		return nil
	case err := <-done:
		return err
	}
}

// bootExtraVM boots cfg as a qemu VM of the stack's guest image, as the
// stack boots its own.
func bootExtraVM(ctx context.Context, out io.Writer, cfg cvmConfig, st *State) (*cvm, error) {
	im, err := openVMImage(st.VMImage)
	if err != nil {
		return nil, err
	}
	if err := im.measure(); err != nil {
		return nil, err
	}
	if hex.EncodeToString(im.hash[:]) != st.VMImageHash {
		return nil, fmt.Errorf("the stack's guest image in %s is now %x, not the %s the stack allowed on chain: restart the stack", st.VMImage, im.hash, st.VMImageHash)
	}
	// The CVM's directory is the stack's extra/NAME.
	fwd, err := stackForwarder(filepath.Dir(filepath.Dir(cfg.dir)))
	if err != nil {
		return nil, err
	}
	c, err := bootVM(ctx, vmConfigVM{
		cvmConfig: cfg, image: im, kmsURL: st.KMSURL, chainRPC: st.ChainRPC, chainID: st.ChainID, kmsContract: st.KmsContract,
		seed: st.InsecureSimulatedTEESeed, registry: st.Registry, forwarder: fwd, firmware: st.VMFirmware,
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "    system-ready %.1fs after qemu started (console %s)\n", c.bootTime.Seconds(), c.vm.consolePath)
	return c, nil
}
