package contracts_test

import (
	"context"
	"crypto/ecdsa"
	"strings"
	"testing"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/dstack-go/dstack/contracts/testchain"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
)

type chain struct {
	*testchain.Chain
	t        *testing.T
	client   simulated.Client
	owner    *ecdsa.PrivateKey
	stranger *ecdsa.PrivateKey
	kms      *bind.BoundContract
	kmsAddr  common.Address
}

func newChain(t *testing.T) *chain {
	t.Helper()
	tc := testchain.New(t)
	return &chain{Chain: tc, t: t, client: tc.Client, owner: tc.Owner, stranger: tc.Stranger, kms: tc.KmsInst, kmsAddr: tc.Kms}
}

func (c *chain) deploy(bin string, ctorArgs []byte) common.Address {
	c.t.Helper()
	addr, err := c.Deploy(bin, ctorArgs)
	if err != nil {
		c.t.Fatal(err)
	}
	return addr
}

// send transacts and returns the receipt; wantErr, when not empty, must be
// part of the revert.
func (c *chain) send(inst *bind.BoundContract, key *ecdsa.PrivateKey, data []byte, wantErr string) *types.Receipt {
	c.t.Helper()
	r, err := c.Send(inst, key, data)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			c.t.Fatalf("error %v, want %q", err, wantErr)
		}
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *chain) deployApp(requireTcb, allowAny bool, device, compose [32]byte) common.Address {
	c.t.Helper()
	app, r, err := c.DeployApp(requireTcb, allowAny, device, compose)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("gas deployAndRegisterApp: %d", r.GasUsed)
	return app
}

func bootInfo(app common.Address, compose, device, osImage [32]byte, tcb string) dstackkms.IAppAuthAppBootInfo {
	return dstackkms.IAppAuthAppBootInfo{AppId: app, ComposeHash: compose, DeviceId: device, OsImageHash: osImage, TcbStatus: tcb, AdvisoryIds: []string{}}
}

func h(b byte) [32]byte { return [32]byte{b} }

func TestIsAppAllowed(t *testing.T) {
	c := newChain(t)
	c.send(c.kms, c.owner, c.K.PackAddOsImageHash(h(0x05)), "")
	app := c.deployApp(false, false, h(0xd1), h(0xc1))
	appInst := c.A.Instance(c.client, app)
	check := func(b dstackkms.IAppAuthAppBootInfo, want bool, reason string) {
		t.Helper()
		out, err := bind.Call(c.kms, nil, c.K.PackIsAppAllowed(b), c.K.UnpackIsAppAllowed)
		if err != nil {
			t.Fatal(err)
		}
		if out.IsAllowed != want || (reason != "" && !strings.Contains(out.Reason, reason)) {
			t.Fatalf("isAppAllowed = %v %q, want %v %q", out.IsAllowed, out.Reason, want, reason)
		}
	}
	check(bootInfo(app, h(0xc1), h(0xd1), h(0x05), "OutOfDate"), true, "")
	check(bootInfo(app, h(0xc2), h(0xd1), h(0x05), "UpToDate"), false, "Compose hash not allowed")
	check(bootInfo(app, h(0xc1), h(0xd2), h(0x05), "UpToDate"), false, "Device not allowed")
	check(bootInfo(app, h(0xc1), h(0xd1), h(0x06), "UpToDate"), false, "OS image is not allowed")
	check(bootInfo(common.HexToAddress("0x1234"), h(0xc1), h(0xd1), h(0x05), "UpToDate"), false, "App not registered")
	// A registered address without code.
	c.send(c.kms, c.stranger, c.K.PackRegisterApp(common.HexToAddress("0x1234")), "")
	check(bootInfo(common.HexToAddress("0x1234"), h(0xc1), h(0xd1), h(0x05), "UpToDate"), false, "no code")

	// The app's owner governs its code; nobody else does.
	c.send(appInst, c.stranger, c.A.PackAddComposeHash(h(0xc2)), "revert")
	r := c.send(appInst, c.owner, c.A.PackAddComposeHash(h(0xc2)), "")
	t.Logf("gas addComposeHash: %d", r.GasUsed)
	check(bootInfo(app, h(0xc2), h(0xd1), h(0x05), "UpToDate"), true, "")
	c.send(appInst, c.owner, c.A.PackRemoveComposeHash(h(0xc2)), "")
	check(bootInfo(app, h(0xc2), h(0xd1), h(0x05), "UpToDate"), false, "Compose hash not allowed")
	c.send(appInst, c.owner, c.A.PackSetAllowAnyDevice(true), "")
	check(bootInfo(app, h(0xc1), h(0xd9), h(0x05), "UpToDate"), true, "")
	c.send(appInst, c.owner, c.A.PackSetRequireTcbUpToDate(true), "")
	check(bootInfo(app, h(0xc1), h(0xd9), h(0x05), "OutOfDate"), false, "TCB")
	check(bootInfo(app, h(0xc1), h(0xd9), h(0x05), "UpToDate"), true, "")

	gas, err := c.client.EstimateGas(context.Background(), ethereumCall(c.kmsAddr, c.K.PackIsAppAllowed(bootInfo(app, h(0xc1), h(0xd9), h(0x05), "UpToDate"))))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gas isAppAllowed (estimate): %d", gas)
}

func TestIsKmsAllowed(t *testing.T) {
	c := newChain(t)
	for _, d := range [][]byte{c.K.PackAddOsImageHash(h(5)), c.K.PackAddKmsAggregatedMr(h(6)), c.K.PackAddKmsDevice(h(7))} {
		c.send(c.kms, c.owner, d, "")
	}
	c.send(c.kms, c.stranger, c.K.PackAddKmsDevice(h(8)), "revert")
	cases := []struct {
		b      dstackkms.IAppAuthAppBootInfo
		want   bool
		reason string
	}{
		{dstackkms.IAppAuthAppBootInfo{OsImageHash: h(5), MrAggregated: h(6), DeviceId: h(7), TcbStatus: "UpToDate"}, true, ""},
		{dstackkms.IAppAuthAppBootInfo{OsImageHash: h(5), MrAggregated: h(6), DeviceId: h(7), TcbStatus: "OutOfDate"}, false, "TCB"},
		{dstackkms.IAppAuthAppBootInfo{OsImageHash: h(9), MrAggregated: h(6), DeviceId: h(7), TcbStatus: "UpToDate"}, false, "OS image"},
		{dstackkms.IAppAuthAppBootInfo{OsImageHash: h(5), MrAggregated: h(9), DeviceId: h(7), TcbStatus: "UpToDate"}, false, "Aggregated MR"},
		{dstackkms.IAppAuthAppBootInfo{OsImageHash: h(5), MrAggregated: h(6), DeviceId: h(9), TcbStatus: "UpToDate"}, false, "device"},
	}
	for _, tc := range cases {
		tc.b.AdvisoryIds = []string{}
		out, err := bind.Call(c.kms, nil, c.K.PackIsKmsAllowed(tc.b), c.K.UnpackIsKmsAllowed)
		if err != nil {
			t.Fatal(err)
		}
		if out.IsAllowed != tc.want || !strings.Contains(out.Reason, tc.reason) {
			t.Errorf("isKmsAllowed = %v %q, want %v %q", out.IsAllowed, out.Reason, tc.want, tc.reason)
		}
	}
	c.send(c.kms, c.owner, c.K.PackRemoveKmsDevice(h(7)), "")
	out, _ := bind.Call(c.kms, nil, c.K.PackIsKmsAllowed(dstackkms.IAppAuthAppBootInfo{OsImageHash: h(5), MrAggregated: h(6), DeviceId: h(7), TcbStatus: "UpToDate", AdvisoryIds: []string{}}), c.K.UnpackIsKmsAllowed)
	if out.IsAllowed {
		t.Fatal("removed device still allowed")
	}
}

// TestInterfaceIDs pins upstream's ERC-165 ids, computed from the
// function selectors and read back through supportsInterface.
func TestInterfaceIDs(t *testing.T) {
	sel := func(sig string) uint32 {
		b := crypto.Keccak256([]byte(sig))
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	appAuth := sel("isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))")
	basic := sel("addComposeHash(bytes32)") ^ sel("removeComposeHash(bytes32)") ^ sel("addDevice(bytes32)") ^ sel("removeDevice(bytes32)")
	if appAuth != 0x1e079198 || basic != 0x8fd37527 {
		t.Fatalf("interface ids %#x %#x", appAuth, basic)
	}
	c := newChain(t)
	app := c.deployApp(false, true, [32]byte{}, h(1))
	inst := c.A.Instance(c.client, app)
	for _, id := range [][4]byte{{0x1e, 0x07, 0x91, 0x98}, {0x8f, 0xd3, 0x75, 0x27}, {0x01, 0xff, 0xc9, 0xa7}} {
		ok, err := bind.Call(inst, nil, c.A.PackSupportsInterface(id), c.A.UnpackSupportsInterface)
		if err != nil || !ok {
			t.Errorf("supportsInterface(%x) = %v %v", id, ok, err)
		}
	}
	ok, _ := bind.Call(c.kms, nil, c.K.PackSupportsInterface([4]byte{0x1e, 0x07, 0x91, 0x98}), c.K.UnpackSupportsInterface)
	if !ok {
		t.Error("DstackKms does not declare IAppAuth")
	}
}

func TestOwnershipAndUpgrades(t *testing.T) {
	c := newChain(t)
	app := c.deployApp(false, true, [32]byte{}, h(1))
	inst := c.A.Instance(c.client, app)
	strangerAddr := crypto.PubkeyToAddress(c.stranger.PublicKey)
	// Two-step transfer: nothing changes until the new owner accepts.
	c.send(inst, c.owner, c.A.PackTransferOwnership(strangerAddr), "")
	c.send(inst, c.stranger, c.A.PackAddComposeHash(h(2)), "revert")
	c.send(inst, c.stranger, c.A.PackAcceptOwnership(), "")
	c.send(inst, c.stranger, c.A.PackAddComposeHash(h(2)), "")
	c.send(inst, c.owner, c.A.PackAddComposeHash(h(3)), "revert")
	// An upgrade keeps storage.
	newImpl := c.deploy(dstackapp.DstackAppMetaData.Bin, nil)
	c.send(inst, c.stranger, c.A.PackUpgradeToAndCall(newImpl, nil), "")
	allowed, err := bind.Call(inst, nil, c.A.PackAllowedComposeHashes(h(2)), c.A.UnpackAllowedComposeHashes)
	if err != nil || !allowed {
		t.Fatalf("compose hash lost across the upgrade: %v %v", allowed, err)
	}
	// disableUpgrades is one-way.
	c.send(inst, c.stranger, c.A.PackDisableUpgrades(), "")
	c.send(inst, c.stranger, c.A.PackUpgradeToAndCall(newImpl, nil), "revert")
}

func ethereumCall(to common.Address, data []byte) ethereum.CallMsg {
	return ethereum.CallMsg{To: &to, Data: data}
}
