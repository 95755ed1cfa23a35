package kms

import (
	"fmt"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// The reasons the governance contracts (contracts/src) give for a refusal.
const (
	reasonTCB           = "TCB status is not up to date"
	reasonOSImage       = "OS image is not allowed"
	reasonKmsMr         = "Aggregated MR not allowed"
	reasonKmsDevice     = "KMS is not allowed to boot on this device"
	reasonAppUnknown    = "App not registered"
	reasonAppNoCode     = "App contract has no code"
	reasonComposeHash   = "Compose hash not allowed"
	reasonAppDevice     = "Device not allowed"
	tcbFix              = "the contracts accept only the TCB status UpToDate: update the platform's firmware and microcode"
	rpcURLPlaceholder   = "<auth.chain.rpc_url>"
	allowCommandsPrefix = "allow it with: "
)

// fix says what allows the boot info the chain refused for reason: the
// `dstack chain` commands that add each value the refused check and every
// check after it read (the contracts stop at the first failing check, so
// those after it are unknown; adding a value already allowed changes
// nothing). Empty when no command applies.
func (a *ChainAuthorizer) fix(reason string, b kmsapi.BootInfo, kms bool) string {
	chain := a.command()
	hash := func(v []byte) string { return common.BytesToHash(v).Hex() }
	app := common.BytesToAddress(b.AppID).Hex()
	var cmds []string
	// Each list is the contract's order of checks, from the refused one on.
	steps := func(order []string, cmd map[string]string) {
		start := -1
		for i, r := range order {
			if r == reason {
				start = i
			}
		}
		if start < 0 {
			return
		}
		for _, r := range order[start:] {
			if c := cmd[r]; c != "" {
				cmds = append(cmds, chain+c)
			}
		}
	}
	if reason == reasonTCB {
		return tcbFix
	}
	if kms {
		steps([]string{reasonOSImage, reasonKmsMr, reasonKmsDevice}, map[string]string{
			reasonOSImage: "add-os-image " + hash(b.OSImageHash), reasonKmsMr: "add-kms-mr " + hash(b.MrAggregated),
			reasonKmsDevice: "add-kms-device " + hash(b.DeviceID),
		})
	} else {
		steps([]string{reasonAppUnknown, reasonOSImage, reasonComposeHash, reasonAppDevice}, map[string]string{
			reasonAppUnknown: "register-app " + app, reasonOSImage: "add-os-image " + hash(b.OSImageHash),
			reasonComposeHash: "add-compose-hash " + app + " " + hash(b.ComposeHash),
			reasonAppDevice:   "add-device " + app + " " + hash(b.DeviceID),
		})
		if reason == reasonAppNoCode {
			return fmt.Sprintf("no DstackApp is deployed at %s: deploy one with `%sdeploy-app %s` and boot the app under the id it prints",
				app, chain, hash(b.ComposeHash))
		}
	}
	if len(cmds) == 0 {
		return ""
	}
	return allowCommandsPrefix + strings.Join(cmds, " && ")
}

// rpcForCommands is the RPC URL to print in commands: the configured one,
// unless it may carry a credential (user info, a path or a query, where
// providers put API keys), which is never printed.
func (a *ChainAuthorizer) rpcForCommands() string {
	u, err := url.Parse(a.RPCURL)
	if err != nil || a.RPCURL == "" || u.User != nil || u.RawQuery != "" || (u.Path != "" && u.Path != "/") {
		return rpcURLPlaceholder
	}
	return a.RPCURL
}

// withFix appends the fix of a decision to its reason.
func withFix(d Decision) string {
	if d.Fix == "" {
		return d.Reason
	}
	return d.Reason + " (" + d.Fix + ")"
}

// publishCommand is the command that publishes a bootstrap record on the
// chain the authorizer reads; empty for other authorizers.
func publishCommand(auth Authorizer, path string) string {
	a, ok := auth.(*ChainAuthorizer)
	if !ok {
		return ""
	}
	return a.command() + "set-kms-info " + path
}

// command is the start of a `dstack chain` command on this chain.
func (a *ChainAuthorizer) command() string {
	return "dstack chain --rpc " + a.rpcForCommands() + " --kms " + a.Reader.Config().KmsContract.Hex() + " "
}
