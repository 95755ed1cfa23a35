package contracts_test

import (
	"crypto/ecdsa"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/dstack-go/dstack/contracts/bindings/dstackapp"
	"github.com/dstack-go/dstack/contracts/bindings/dstackgovernance"
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/contracts/bindings/erc1967proxy"
)

// revertOf names why a transaction reverted: the reason string of
// Error(string), or the name of the custom error.
func revertOf(t *testing.T, err error) string {
	t.Helper()
	var de rpc.DataError
	if !errors.As(err, &de) {
		t.Fatalf("not a revert: %v", err)
	}
	s, _ := de.ErrorData().(string)
	data := common.FromHex(s)
	if reason, rerr := abi.UnpackRevert(data); rerr == nil {
		return reason
	}
	if len(data) >= 4 {
		// DstackKms's ABI carries every custom error the contracts raise
		// (OpenZeppelin's Ownable, Initializable, UUPS, ERC-1967).
		kmsABI := dstackkms.NewDstackKms().GetABI()
		if e, eerr := kmsABI.ErrorByID([4]byte(data[:4])); eerr == nil {
			return e.Name
		}
	}
	t.Fatalf("revert data %q is neither a reason nor a known error (%v)", s, err)
	return ""
}

// revertCase is one call that must revert.
type revertCase struct {
	name string
	to   *bind.BoundContract
	key  *ecdsa.PrivateKey
	data []byte
	want string
	// ownerKey, when set, must succeed with the same call: the revert was
	// for who called, not for what.
	ownerKey *ecdsa.PrivateKey
}

func (c *chain) reverts(t *testing.T, cases []revertCase) {
	t.Helper()
	for _, tc := range cases {
		_, err := c.Send(tc.to, tc.key, tc.data)
		if err == nil {
			t.Errorf("%s: did not revert", tc.name)
			continue
		}
		if got := revertOf(t, err); got != tc.want {
			t.Errorf("%s: reverted with %q, want %q", tc.name, got, tc.want)
		}
		if tc.ownerKey != nil {
			if _, err := c.Send(tc.to, tc.ownerKey, tc.data); err != nil {
				t.Errorf("%s: the authorized caller is refused too: %v", tc.name, err)
			}
		}
	}
}

// adjustTime moves the chain's clock on.
func (c *chain) adjustTime(t *testing.T, d time.Duration) {
	t.Helper()
	if err := c.AdjustTime(d); err != nil {
		t.Fatal(err)
	}
}

const unauthorized = "OwnableUnauthorizedAccount"

// TestDstackKmsReverts: every owner-only function of DstackKms refuses
// anyone but the owner, and every validation reverts.
func TestDstackKmsReverts(t *testing.T) {
	c := newChain(t)
	K := c.K
	s, o := c.stranger, c.owner
	zeroImpl := c.deploy(erc1967proxy.ERC1967ProxyMetaData.Bin, erc1967proxy.NewERC1967Proxy().PackConstructor(
		c.deploy(dstackkms.DstackKmsMetaData.Bin, nil), K.PackInitialize(crypto.PubkeyToAddress(o.PublicKey), common.Address{})))
	noImpl := K.Instance(c.client, zeroImpl)
	implAddr := c.deploy(dstackkms.DstackKmsMetaData.Bin, nil)
	impl := K.Instance(c.client, implAddr)
	newImpl := c.deploy(dstackkms.DstackKmsMetaData.Bin, nil)
	gov := c.deploy(dstackgovernance.DstackGovernanceMetaData.Bin, dstackgovernance.NewDstackGovernance().PackConstructor([]common.Address{crypto.PubkeyToAddress(o.PublicKey)}, big.NewInt(1), big.NewInt(0)))
	info := dstackkms.DstackKmsKmsInfo{K256Pubkey: []byte{2}, CaPubkey: []byte{3}}
	owner := crypto.PubkeyToAddress(o.PublicKey)
	c.reverts(t, []revertCase{
		{"setKmsInfo by a stranger", c.kms, s, K.PackSetKmsInfo(info), unauthorized, o},
		{"setKmsQuote by a stranger", c.kms, s, K.PackSetKmsQuote([]byte{1}), unauthorized, o},
		{"setKmsEventlog by a stranger", c.kms, s, K.PackSetKmsEventlog([]byte{1}), unauthorized, o},
		{"setGatewayAppId by a stranger", c.kms, s, K.PackSetGatewayAppId("gw"), unauthorized, o},
		{"setAppImplementation by a stranger", c.kms, s, K.PackSetAppImplementation(c.AppImpl), unauthorized, o},
		{"addKmsAggregatedMr by a stranger", c.kms, s, K.PackAddKmsAggregatedMr(h(1)), unauthorized, o},
		{"removeKmsAggregatedMr by a stranger", c.kms, s, K.PackRemoveKmsAggregatedMr(h(1)), unauthorized, o},
		{"addKmsDevice by a stranger", c.kms, s, K.PackAddKmsDevice(h(1)), unauthorized, o},
		{"removeKmsDevice by a stranger", c.kms, s, K.PackRemoveKmsDevice(h(1)), unauthorized, o},
		{"addOsImageHash by a stranger", c.kms, s, K.PackAddOsImageHash(h(1)), unauthorized, o},
		{"removeOsImageHash by a stranger", c.kms, s, K.PackRemoveOsImageHash(h(1)), unauthorized, o},
		{"upgradeToAndCall by a stranger", c.kms, s, K.PackUpgradeToAndCall(newImpl, nil), unauthorized, o},
		{"upgradeToAndCall to a contract that is not UUPS", c.kms, o, K.PackUpgradeToAndCall(gov, nil), "ERC1967InvalidImplementation", nil},
		{"upgradeToAndCall on the implementation", impl, o, K.PackUpgradeToAndCall(newImpl, nil), "UUPSUnauthorizedCallContext", nil},
		{"initialize again", c.kms, o, K.PackInitialize(owner, c.AppImpl), "InvalidInitialization", nil},
		{"initialize the implementation", impl, o, K.PackInitialize(owner, c.AppImpl), "InvalidInitialization", nil},
		{"registerApp of the zero address", c.kms, s, K.PackRegisterApp(common.Address{}), "Invalid app ID", nil},
		{"deployAndRegisterApp without an implementation", noImpl, s, K.PackDeployAndRegisterApp0(owner, false, false, true, h(0), h(1)), "DstackApp implementation not set", nil},
		{"deployAndRegisterApp (5 arguments) without an implementation", noImpl, s, K.PackDeployAndRegisterApp(owner, false, true, h(0), h(1)), "DstackApp implementation not set", nil},
		{"deployAndRegisterApp for the zero owner", c.kms, s, K.PackDeployAndRegisterApp0(common.Address{}, false, false, true, h(0), h(1)), "invalid owner address", nil},
		{"deployAndRegisterApp (5 arguments) for the zero owner", c.kms, s, K.PackDeployAndRegisterApp(common.Address{}, false, true, h(0), h(1)), "invalid owner address", nil},
		{"renounceOwnership by a stranger", c.kms, s, K.PackRenounceOwnership(), unauthorized, nil},
		{"transferOwnership by a stranger", c.kms, s, K.PackTransferOwnership(crypto.PubkeyToAddress(s.PublicKey)), unauthorized, nil},
		{"acceptOwnership with nothing pending", c.kms, s, K.PackAcceptOwnership(), unauthorized, nil},
	})
	// The proxy's initializer refuses the zero owner.
	if _, err := c.Deploy(erc1967proxy.ERC1967ProxyMetaData.Bin, erc1967proxy.NewERC1967Proxy().PackConstructor(implAddr, K.PackInitialize(common.Address{}, c.AppImpl))); err == nil {
		t.Error("a DstackKms proxy initialized for the zero owner deployed")
	}
	// acceptOwnership by anyone but the pending owner.
	c.send(c.kms, o, K.PackTransferOwnership(crypto.PubkeyToAddress(c.Accounts[0].PublicKey)), "")
	c.reverts(t, []revertCase{{"acceptOwnership by someone not pending", c.kms, s, K.PackAcceptOwnership(), unauthorized, c.Accounts[0]}})
}

// TestDstackAppReverts: every owner-only function of DstackApp refuses
// anyone but the owner, and every validation reverts.
func TestDstackAppReverts(t *testing.T) {
	c := newChain(t)
	A := c.A
	s, o := c.stranger, c.owner
	owner := crypto.PubkeyToAddress(o.PublicKey)
	app := c.A.Instance(c.client, c.deployApp(false, true, h(0), h(1)))
	frozenAddr := c.deployApp(false, true, h(0), h(1))
	frozen := c.A.Instance(c.client, frozenAddr)
	c.send(frozen, o, A.PackDisableUpgrades(), "")
	impl := c.A.Instance(c.client, c.AppImpl)
	newImpl := c.deploy(dstackapp.DstackAppMetaData.Bin, nil)
	c.reverts(t, []revertCase{
		{"addComposeHash by a stranger", app, s, A.PackAddComposeHash(h(2)), unauthorized, o},
		{"removeComposeHash by a stranger", app, s, A.PackRemoveComposeHash(h(2)), unauthorized, o},
		{"addDevice by a stranger", app, s, A.PackAddDevice(h(2)), unauthorized, o},
		{"removeDevice by a stranger", app, s, A.PackRemoveDevice(h(2)), unauthorized, o},
		{"setAllowAnyDevice by a stranger", app, s, A.PackSetAllowAnyDevice(false), unauthorized, o},
		{"setRequireTcbUpToDate by a stranger", app, s, A.PackSetRequireTcbUpToDate(true), unauthorized, o},
		{"upgradeToAndCall by a stranger", app, s, A.PackUpgradeToAndCall(newImpl, nil), unauthorized, o},
		{"upgradeToAndCall on the implementation", impl, o, A.PackUpgradeToAndCall(newImpl, nil), "UUPSUnauthorizedCallContext", nil},
		{"upgradeToAndCall to a contract that is not UUPS", app, o, A.PackUpgradeToAndCall(c.kmsAddr, nil), "ERC1967InvalidImplementation", nil},
		{"upgradeToAndCall after disableUpgrades", frozen, o, A.PackUpgradeToAndCall(newImpl, nil), "Upgrades are permanently disabled", nil},
		{"initialize again", app, o, A.PackInitialize0(owner, false, false, true, h(0), h(1)), "InvalidInitialization", nil},
		{"initialize (5 arguments) again", app, o, A.PackInitialize(owner, false, true, h(0), h(1)), "InvalidInitialization", nil},
		{"initialize the implementation", impl, o, A.PackInitialize0(owner, false, false, true, h(0), h(1)), "InvalidInitialization", nil},
		{"disableUpgrades by a stranger", app, s, A.PackDisableUpgrades(), unauthorized, o},
		{"renounceOwnership by a stranger", app, s, A.PackRenounceOwnership(), unauthorized, nil},
		{"transferOwnership by a stranger", app, s, A.PackTransferOwnership(crypto.PubkeyToAddress(s.PublicKey)), unauthorized, nil},
		{"acceptOwnership with nothing pending", app, s, A.PackAcceptOwnership(), unauthorized, nil},
	})
	for _, init := range [][]byte{A.PackInitialize0(common.Address{}, false, false, true, h(0), h(1)), A.PackInitialize(common.Address{}, false, true, h(0), h(1))} {
		if _, err := c.Deploy(erc1967proxy.ERC1967ProxyMetaData.Bin, erc1967proxy.NewERC1967Proxy().PackConstructor(c.AppImpl, init)); err == nil {
			t.Error("a DstackApp proxy initialized for the zero owner deployed")
		}
	}
	c.send(frozen, o, A.PackTransferOwnership(crypto.PubkeyToAddress(c.Accounts[0].PublicKey)), "")
	c.reverts(t, []revertCase{{"acceptOwnership by someone not pending", frozen, s, A.PackAcceptOwnership(), unauthorized, c.Accounts[0]}})
}

// TestDstackGovernanceReverts: every approver-only function refuses
// others, and every proposal state refuses what it must.
func TestDstackGovernanceReverts(t *testing.T) {
	c := newChain(t)
	G := dstackgovernance.NewDstackGovernance()
	a1, a2, a3, s := c.Accounts[0], c.Accounts[1], c.Accounts[2], c.stranger
	approvers := []common.Address{crypto.PubkeyToAddress(a1.PublicKey), crypto.PubkeyToAddress(a2.PublicKey), crypto.PubkeyToAddress(a3.PublicKey)}
	govAddr := c.deploy(dstackgovernance.DstackGovernanceMetaData.Bin, G.PackConstructor(approvers, big.NewInt(2), big.NewInt(3600)))
	g := G.Instance(c.client, govAddr)
	appAddr := c.deployApp(false, true, h(0), h(1))
	c.send(c.A.Instance(c.client, appAddr), c.owner, c.A.PackTransferOwnership(govAddr), "")
	c.reverts(t, []revertCase{{"acceptAppOwnership by a stranger", g, s, G.PackAcceptAppOwnership(appAddr), "not an approver", a1}})
	notOwned := c.deployApp(false, true, h(0), h(1))

	next := big.NewInt(0)
	propose := func(app common.Address, approvals ...*ecdsa.PrivateKey) *big.Int {
		id := new(big.Int).Set(next)
		next.Add(next, big.NewInt(1))
		c.send(g, a1, G.PackPropose(app, h(9), true), "")
		for _, k := range approvals {
			c.send(g, k, G.PackApprove(id), "")
		}
		return id
	}
	executed := propose(appAddr, a1, a2)
	foreign := propose(notOwned, a1, a2)
	c.adjustTime(t, time.Hour+time.Minute)
	c.send(g, a3, G.PackExecute(executed), "")
	open := propose(appAddr, a1)
	locked := propose(appAddr, a1, a2)
	cancelled := propose(appAddr)
	c.send(g, a2, G.PackCancel(cancelled), "")
	missing := big.NewInt(99)

	c.reverts(t, []revertCase{
		{"propose by a stranger", g, s, G.PackPropose(appAddr, h(2), true), "not an approver", a1},
		{"approve by a stranger", g, s, G.PackApprove(open), "not an approver", nil},
		{"cancel by a stranger", g, s, G.PackCancel(open), "not an approver", nil},
		{"approve twice", g, a1, G.PackApprove(open), "already approved", nil},
		{"approve a missing proposal", g, a1, G.PackApprove(missing), "no such proposal", nil},
		{"approve an executed proposal", g, a3, G.PackApprove(executed), "already executed", nil},
		{"approve a cancelled proposal", g, a1, G.PackApprove(cancelled), "cancelled", nil},
		{"execute below the threshold", g, s, G.PackExecute(open), "threshold not reached", nil},
		{"execute within the timelock", g, s, G.PackExecute(locked), "timelock not passed", nil},
		{"execute a missing proposal", g, s, G.PackExecute(missing), "no such proposal", nil},
		{"execute twice", g, s, G.PackExecute(executed), "already executed", nil},
		{"execute a cancelled proposal", g, s, G.PackExecute(cancelled), "cancelled", nil},
		{"execute on an app the governance does not own", g, s, G.PackExecute(foreign), unauthorized, nil},
		{"cancel a missing proposal", g, a1, G.PackCancel(missing), "no such proposal", nil},
		{"cancel an executed proposal", g, a1, G.PackCancel(executed), "already executed", nil},
		{"cancel twice", g, a1, G.PackCancel(cancelled), "cancelled", nil},
		{"acceptAppOwnership with nothing pending", g, a1, G.PackAcceptAppOwnership(notOwned), unauthorized, nil},
	})
	for _, args := range []struct {
		name      string
		approvers []common.Address
		threshold int64
		want      string
	}{
		{"zero threshold", approvers[:1], 0, "invalid threshold"},
		{"threshold above the approvers", approvers[:1], 2, "invalid threshold"},
		{"no approvers", nil, 1, "invalid threshold"},
		{"duplicate approver", []common.Address{approvers[0], approvers[0]}, 1, "invalid or duplicate approver"},
		{"zero approver", []common.Address{{}}, 1, "invalid or duplicate approver"},
	} {
		_, _, err := bind.DeployContract(c.Opts(c.owner), common.FromHex(dstackgovernance.DstackGovernanceMetaData.Bin), c.client, G.PackConstructor(args.approvers, big.NewInt(args.threshold), big.NewInt(0)))
		if err == nil || !strings.Contains(revertOf(t, err), args.want) {
			t.Errorf("constructor with %s: %v, want %q", args.name, err, args.want)
		}
	}
}
