package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dstack-go/dstack/contracts/chain"
	"github.com/dstack-go/dstack/internal/tunnel"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/ratls"
)

// simulatedSeed derives the mock vendor PKI the gateway and the simulated
// CVM share (the gateway's insecure_simulated_tee_seed).
const simulatedSeed = "dstack-go bench"

// benchAppCompose is the simulated CVM's app-compose: it publishes port 80,
// the only port the gateway routes to it.
const benchAppCompose = `{"manifest_version":2,"name":"bench","runner":"docker-compose","docker_compose_file":"services:\n  app:\n    image: bench\n    ports: [\"80\"]\n"}`

// The identities measured into the simulated TDs.
var (
	benchGatewayAppID = sha256Prefix("dstack-go bench gateway", 20)
	benchCompose      = sha256.Sum256([]byte(benchAppCompose))
	benchInstance     = sha256Prefix("dstack-go bench instance", 20)
)

func sha256Prefix(s string, n int) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:n]
}

// devChain is a dstack devchain process with DstackKms deployed, the
// gateway app id set, the simulated OS image allowed and one app that
// allows benchCompose.
type devChain struct {
	proc    *proc
	dstack  string
	rpc     string
	chainID uint64
	key     string
	kms     string
	app     string // 0x…
}

var (
	devChainLine = regexp.MustCompile(`dev chain (\d+) at (\S+)`)
	accountLine  = regexp.MustCompile(`account 0\s+\S+\s+key ([0-9a-f]+)`)
)

// startDevChain runs `dstack devchain` and sets it up with `dstack chain`,
// as an operator would.
func startDevChain(ctx context.Context, dir, dstackBin string) (*devChain, error) {
	// The chain picks its port and prints the URL it serves at.
	p, err := startProc(dir, "devchain", nil, nil, dstackBin, "devchain", "--listen", "127.0.0.1:0", "--accounts", "1", "--period", "2s")
	if err != nil {
		return nil, err
	}
	d := &devChain{proc: p, dstack: dstackBin}
	err = p.waitFor("its accounts", func() error {
		b, _ := os.ReadFile(p.log)
		m, k := devChainLine.FindSubmatch(b), accountLine.FindSubmatch(b)
		if m == nil || k == nil {
			return errors.New("no account printed yet")
		}
		d.chainID, _ = strconv.ParseUint(string(m[1]), 10, 64)
		d.rpc, d.key = string(m[2]), string(k[1])
		return nil
	})
	if err != nil {
		p.stop()
		return nil, err
	}
	steps := []struct {
		args []string
		out  *string
	}{
		{[]string{"deploy"}, &d.kms},
		{[]string{"set-gateway-app-id", hex.EncodeToString(benchGatewayAppID)}, nil},
		{[]string{"add-os-image", hex.EncodeToString(mock.OSImageHash[:])}, nil},
		{[]string{"deploy-app", hex.EncodeToString(benchCompose[:])}, &d.app},
	}
	for _, s := range steps {
		out, err := d.cli(ctx, s.args...)
		if err != nil {
			p.stop()
			return nil, err
		}
		if s.out != nil {
			// "kms_contract 0x…", "app_id 0x…"
			f := strings.Fields(lastLine(out))
			if len(f) != 2 || !common.IsHexAddress(f[1]) {
				p.stop()
				return nil, fmt.Errorf("dstack chain %s: no address in its output %q", s.args[0], out)
			}
			*s.out = f[1]
		}
	}
	return d, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func (d *devChain) cli(ctx context.Context, args ...string) (string, error) {
	full := append([]string{"chain", "--rpc", d.rpc}, args...)
	if d.kms != "" {
		full = append([]string{"chain", "--rpc", d.rpc, "--kms", d.kms}, args...)
	}
	cmd := exec.CommandContext(ctx, d.dstack, full...)
	cmd.Env = append(os.Environ(), "DSTACK_CHAIN_KEY="+d.key)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("dstack %s: %w\n%s", strings.Join(full, " "), err, out)
	}
	return string(out), nil
}

// appHost is the name the gateway routes to the app: <app_id>.<base_domain>.
func (d *devChain) appHost() string {
	return strings.ToLower(strings.TrimPrefix(d.app, "0x")) + "." + benchDomain
}

// dstackApp is the gateway's dstack app config: the dev chain, the
// registration RPC on regAddr, the simulated TEE.
func (d *devChain) dstackApp(regAddr string) map[string]any {
	return map[string]any{
		"base_domain": benchDomain,
		"listen":      regAddr,
		"chain": map[string]any{
			"rpc_url": d.rpc, "chain_id": d.chainID, "kms_contract": d.kms, "poll_interval": "1s",
		},
		"insecure_simulated_tee_seed": simulatedSeed,
	}
}

// gatewayProxy is the gateway's route: reverse_proxy to the app's
// registered instances over the dstack transport; keepAlive false opens a
// new tunnel stream per request, on a multiplexed tunnel connection with
// multiplex.
func gatewayProxy(keepAlive, multiplex bool) map[string]any {
	tr := map[string]any{"protocol": "dstack"}
	if !keepAlive {
		tr["disable_keepalives"] = true
	}
	if multiplex {
		tr["multiplex"] = true
	}
	return map[string]any{"handler": "reverse_proxy", "dynamic_upstreams": map[string]any{"source": "dstack"}, "transport": tr}
}

// gatewayLayer4 is the gateway's terminated layer4 route on listen: TLS
// ended with the bench certificate, then the bytes relayed unchanged over a
// tunnel stream to the CVM port the name gives (80) — no HTTP parsing, one
// stream per client connection.
func gatewayLayer4(listen string) map[string]any {
	return map[string]any{"servers": map[string]any{"l4": map[string]any{"listen": []string{listen}, "routes": []any{map[string]any{
		"match":  []any{map[string]any{"dstack": map[string]any{}}},
		"handle": []any{map[string]any{"handler": "tls"}, map[string]any{"handler": "dstack"}},
	}}}}}
}

// cvmArgs is how the harness starts its simulated CVM child.
func (d *devChain) cvmArgs(regAddr, tunnelAddr, backendPlain string) []string {
	return []string{"cvm", "-rpc", d.rpc, "-chain-id", fmt.Sprint(d.chainID), "-kms", d.kms, "-app", d.app,
		"-register", "https://" + regAddr, "-listen", tunnelAddr, "-backend", backendPlain}
}

// runCVM is the simulated CVM child process's main: a simulated TD
// measuring the bench app, the guest end of the tunnel relaying port 80 to
// the backend, and its registration with the gateway kept up.
func runCVM(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cvm", flag.ContinueOnError)
	rpc := fs.String("rpc", "", "chain JSON-RPC URL")
	chainID := fs.Uint64("chain-id", 0, "chain id")
	kms := fs.String("kms", "", "DstackKms address")
	app := fs.String("app", "", "app id (0x…)")
	register := fs.String("register", "", "gateway registration URL")
	listen := fs.String("listen", "", "tunnel listen address, or fd/N: a listener inherited as descriptor N")
	backendAddr := fs.String("backend", "", "backend address port 80 relays to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f := os.Getenv("CVMPROF"); f != "" {
		pf, _ := os.Create(f)
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	client, err := ethclient.DialContext(ctx, *rpc)
	if err != nil {
		return fmt.Errorf("dialing the chain: %w", err)
	}
	reader, err := chain.New(ctx, client, chain.Config{ChainID: new(big.Int).SetUint64(*chainID), KmsContract: common.HexToAddress(*kms)})
	if err != nil {
		return fmt.Errorf("reading the chain: %w", err)
	}
	pki, err := mock.NewPKI([]byte(simulatedSeed))
	if err != nil {
		return err
	}
	id := mock.Identity{AppID: common.HexToAddress(*app).Bytes(), ComposeHash: benchCompose[:], InstanceID: benchInstance}
	td, err := pki.BootTD(id)
	if err != nil {
		return err
	}
	issue := func(server bool) (*tls.Certificate, error) {
		return ratls.Issue(ctx, td.Attester(), ratls.CertOptions{
			Subject: "dstack-guest-agent", ServerAuth: server, ClientAuth: !server, AppID: id.AppID,
		}, nil, nil)
	}
	serverCert, err := issue(true)
	if err != nil {
		return err
	}
	clientCert, err := issue(false)
	if err != nil {
		return err
	}
	ln, err := listenAt(*listen)
	if err != nil {
		return err
	}
	srv := &tunnel.Server{Certificate: serverCert, Attestation: pki.VerifyOptions(), Gateway: reader, Ports: map[uint16]string{80: *backendAddr}}
	go srv.Serve(ln)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	reg := &tunnel.Registration{GatewayURL: *register, Certificate: clientCert, Attestation: pki.VerifyOptions(), Gateway: reader}
	out := bufio.NewWriter(os.Stdout)
	go reg.Keep(ctx, tunnel.RegisterRequest{TunnelAddress: ":" + port, AppCompose: benchAppCompose}, time.Second, func(err error) {
		fmt.Fprintf(out, "registration: %v\n", err)
		out.Flush()
	})
	<-ctx.Done()
	return nil
}
