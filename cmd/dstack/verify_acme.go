package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/dstack-go/dstack/internal/ctmonitor"
	"github.com/dstack-go/dstack/internal/settings"
	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
)

// acmeFlags are verify's flags for --acme-info.
type acmeFlags struct {
	source       string
	gatewayAppID string
	appID        string
	tcbStatus    []string
	cacert       string
	resolve      string
	allowUnbound bool
	// The chain the gateway app id is read from (gatewayAppId() of the
	// KMS contract), instead of or besides --gateway-app-id.
	rpc         string
	chainID     uint64
	kmsContract string
}

// addChainFlags adds the flags of the chain the gateway app id is read
// from.
func (f *acmeFlags) addChainFlags(fl *pflag.FlagSet) {
	fl.StringVar(&f.kmsContract, "kms-contract", "", "read the gateway app id from this DstackKms contract (gatewayAppId(), 0x address) on the chain at --rpc, --chain-id; a --gateway-app-id given too must be the same")
	fl.StringVar(&f.rpc, "rpc", "", "with --kms-contract: the chain's Ethereum JSON-RPC URL")
	fl.Uint64Var(&f.chainID, "chain-id", 0, "with --kms-contract: the chain's id (an endpoint serving another chain is refused)")
}

// acmeVerdict is what verify --acme-info prints.
type acmeVerdict struct {
	Valid      bool         `json:"valid"`
	AccountURI string       `json:"account_uri"`
	Account    entryVerdict `json:"account"`
	Keys       []keyVerdict `json:"keys"`
	Errors     []string     `json:"errors"`
}

type entryVerdict struct {
	Valid       bool   `json:"valid"`
	Error       string `json:"error,omitempty"`
	AppID       string `json:"app_id,omitempty"`
	ComposeHash string `json:"compose_hash,omitempty"`
	InstanceID  string `json:"instance_id,omitempty"`
	OSImageHash string `json:"os_image_hash,omitempty"`
	TCBStatus   string `json:"tcb_status,omitempty"`
}

type keyVerdict struct {
	PublicKey       string `json:"public_key"`
	PublicKeySHA256 string `json:"public_key_sha256"`
	entryVerdict
}

func entryOf(r acmeinfo.Result) entryVerdict {
	e := entryVerdict{Valid: r.OK()}
	if r.Err != nil {
		e.Error = r.Err.Error()
	}
	if v := r.Verified; v != nil {
		e.AppID, e.ComposeHash, e.InstanceID = hex.EncodeToString(v.AppID), hex.EncodeToString(v.ComposeHash), hex.EncodeToString(v.InstanceID)
		e.OSImageHash, e.TCBStatus = hex.EncodeToString(v.OSImageHash), v.TCBStatus
	}
	return e
}

// policy is where the policy the flags give comes from: the app id of
// --gateway-app-id or --app-id, or the gateway app id the chain names
// (--kms-contract), read again at each call, which fails when the chain
// cannot be read or names another gateway than --gateway-app-id. It
// connects to the chain first, and fails when it cannot.
func (f acmeFlags) policy(ctx context.Context) (ctmonitor.PolicySource, error) {
	flag, given := "--gateway-app-id", f.gatewayAppID
	switch {
	case f.gatewayAppID != "" && f.appID != "":
		return nil, usageErr(errors.New("--gateway-app-id and --app-id: give one, the app whose TD must have attested the record (the gateway's, or an app's serving its own domain)"))
	case f.appID != "" && f.kmsContract != "":
		return nil, usageErr(errors.New("--app-id and --kms-contract: the chain names the gateway's app id only; give --app-id alone for an app serving its own domain, or --kms-contract for a gateway"))
	case f.kmsContract == "" && (f.rpc != "" || f.chainID != 0):
		return nil, usageErr(errors.New("--rpc and --chain-id say where --kms-contract is: add --kms-contract, or drop them"))
	case f.appID != "":
		flag, given = "--app-id", f.appID
	}
	var id []byte
	if given != "" || f.kmsContract == "" {
		var err error
		if id, err = hex.DecodeString(strings.TrimPrefix(given, "0x")); err != nil || len(id) != 20 {
			return nil, usageErr(fmt.Errorf("%s: give the app id whose TD must have attested the record, 20 bytes in hex: the gateway's (--gateway-app-id, or --kms-contract with --rpc and --chain-id to read it on chain), or, for an app serving its own domain, the app's (--app-id)", flag))
		}
	}
	if f.kmsContract == "" {
		return ctmonitor.Fixed(acmeinfo.GatewayPolicy(id, f.tcbStatus, f.allowUnbound)), nil
	}
	if f.rpc == "" || f.chainID == 0 {
		return nil, usageErr(errors.New("--kms-contract: give the chain too, --rpc URL and --chain-id N"))
	}
	r, err := settings.Chain{RPCURL: f.rpc, ChainID: f.chainID, KmsContract: f.kmsContract}.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("--kms-contract %s: %w", f.kmsContract, err)
	}
	return ctmonitor.ChainGatewayPolicy(r, id, f.tcbStatus, f.allowUnbound), nil
}

// readAcmeInfo reads the record from a URL or a file (- for standard input).
func (f acmeFlags) read(ctx context.Context) (*acmeinfo.Info, error) {
	if strings.HasPrefix(f.source, "https://") || strings.HasPrefix(f.source, "http://") {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if f.cacert != "" {
			pemBytes, err := os.ReadFile(f.cacert)
			if err != nil {
				return nil, fmt.Errorf("--cacert: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pemBytes) {
				return nil, fmt.Errorf("--cacert %s: no PEM certificate", f.cacert)
			}
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		if f.resolve != "" {
			hostPort, addr, err := parseResolve(f.resolve)
			if err != nil {
				return nil, err
			}
			tr.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
				if strings.EqualFold(a, hostPort) {
					a = addr
				}
				return (&net.Dialer{}).DialContext(ctx, network, a)
			}
		}
		return acmeinfo.Fetch(ctx, &http.Client{Timeout: time.Minute, Transport: tr}, f.source)
	}
	var r io.Reader = os.Stdin
	if f.source != "-" {
		fh, err := os.Open(f.source)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	raw, err := io.ReadAll(io.LimitReader(r, acmeinfo.MaxSize+1))
	if err != nil {
		return nil, err
	}
	return acmeinfo.Parse(raw)
}

// parseResolve reads --resolve HOST:PORT:ADDR (ADDR an IP, or [IPv6]).
func parseResolve(v string) (hostPort, addr string, err error) {
	host, rest, ok1 := strings.Cut(v, ":")
	port, ip, ok2 := strings.Cut(rest, ":")
	ip = strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")
	if !ok1 || !ok2 || host == "" || port == "" || net.ParseIP(ip) == nil {
		return "", "", fmt.Errorf("--resolve %q: give HOST:PORT:ADDR, ADDR an IP address (gateway.dstack.localhost:8443:127.0.0.1)", v)
	}
	return net.JoinHostPort(host, port), net.JoinHostPort(ip, port), nil
}

// runVerifyAcme checks a gateway's acme-info: every key and the account.
func runVerifyAcme(ctx context.Context, stdout, stderr io.Writer, f verifyFlags) error {
	opts, err := f.options(stderr)
	if err != nil {
		return usageErr(err)
	}
	source, err := f.acme.policy(ctx)
	if err != nil {
		return err
	}
	policy, err := source(ctx)
	if err != nil {
		return err
	}
	if f.acme.allowUnbound {
		fmt.Fprintln(stderr, "WARNING: --insecure-allow-unbound-os-image: entries attested by a TD whose OS image is only claimed are accepted")
	}
	info, err := f.acme.read(ctx)
	if err != nil {
		return usageErr(fmt.Errorf("--acme-info %s: %w", f.acme.source, err))
	}
	out := verifyAcmeInfo(ctx, info, opts, policy)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if !out.Valid {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

func verifyAcmeInfo(ctx context.Context, info *acmeinfo.Info, opts attest.Options, policy acmeinfo.Policy) acmeVerdict {
	r := acmeinfo.Verify(ctx, info, opts, policy)
	out := acmeVerdict{Valid: true, AccountURI: info.AccountURI, Account: entryOf(r.Account), Keys: []keyVerdict{}, Errors: []string{}}
	if !r.Account.OK() {
		out.Valid = false
		out.Errors = append(out.Errors, "account: "+r.Account.Err.Error())
	}
	for i, k := range r.Keys {
		sum := sha256.Sum256(k.PublicKey)
		out.Keys = append(out.Keys, keyVerdict{PublicKey: hex.EncodeToString(k.PublicKey), PublicKeySHA256: hex.EncodeToString(sum[:]), entryVerdict: entryOf(k.Result)})
		if !k.OK() {
			out.Valid = false
			out.Errors = append(out.Errors, fmt.Sprintf("key %d (sha256 %x): %v", i, sum[:8], k.Err))
		}
	}
	return out
}
