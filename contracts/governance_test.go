package contracts_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dstack-go/dstack/contracts/bindings/dstackgovernance"
)

// TestGovernance: a 2-of-3 approval with a one-hour timelock governs an
// app's code; every way around it is refused.
func TestGovernance(t *testing.T) {
	c := newChain(t)
	G := dstackgovernance.NewDstackGovernance()
	a1, a2, a3 := c.Accounts[0], c.Accounts[1], c.Accounts[2]
	approvers := []common.Address{crypto.PubkeyToAddress(a1.PublicKey), crypto.PubkeyToAddress(a2.PublicKey), crypto.PubkeyToAddress(a3.PublicKey)}
	gov := c.deploy(dstackgovernance.DstackGovernanceMetaData.Bin, G.PackConstructor(approvers, big.NewInt(2), big.NewInt(3600)))
	g := G.Instance(c.client, gov)

	app := c.deployApp(false, true, [32]byte{}, h(0xc1))
	appInst := c.A.Instance(c.client, app)
	c.send(appInst, c.owner, c.A.PackTransferOwnership(gov), "")
	c.send(g, c.stranger, G.PackAcceptAppOwnership(app), "not an approver")
	c.send(g, a1, G.PackAcceptAppOwnership(app), "")
	// The former owner no longer governs the app.
	c.send(appInst, c.owner, c.A.PackAddComposeHash(h(0xc9)), "revert")

	allowed := func(hash [32]byte) bool {
		ok, err := bind.Call(appInst, nil, c.A.PackAllowedComposeHashes(hash), c.A.UnpackAllowedComposeHashes)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	propose := func(hash [32]byte, add bool) *big.Int {
		t.Helper()
		n, _ := bind.Call(g, nil, G.PackProposalCount(), G.UnpackProposalCount)
		c.send(g, a1, G.PackPropose(app, hash, add), "")
		return n
	}
	c.send(g, c.stranger, G.PackPropose(app, h(0xc2), true), "not an approver")

	id := propose(h(0xc2), true)
	c.send(g, a1, G.PackApprove(id), "")
	c.send(g, a1, G.PackApprove(id), "already approved")
	c.send(g, a2, G.PackExecute(id), "threshold not reached")
	c.send(g, a2, G.PackApprove(id), "")
	c.send(g, a3, G.PackExecute(id), "timelock not passed")
	c.adjustTime(t, time.Hour+time.Minute)
	r := c.send(g, c.stranger, G.PackExecute(id), "")
	if !allowed(h(0xc2)) {
		t.Fatal("approved compose hash not added")
	}
	c.send(g, a3, G.PackExecute(id), "already executed")
	c.send(g, a3, G.PackApprove(id), "already executed")
	events := 0
	for _, l := range r.Logs {
		if _, err := G.UnpackProposalExecutedEvent(l); err == nil {
			events++
		}
	}
	if events != 1 {
		t.Fatalf("%d ProposalExecuted events", events)
	}

	// A cancelled proposal cannot be approved or executed.
	id2 := propose(h(0xc1), false)
	c.send(g, a2, G.PackApprove(id2), "")
	c.send(g, a3, G.PackCancel(id2), "")
	c.send(g, a1, G.PackApprove(id2), "cancelled")
	c.send(g, a1, G.PackExecute(id2), "cancelled")
	if !allowed(h(0xc1)) {
		t.Fatal("cancelled removal took effect")
	}
	c.send(g, a1, G.PackExecute(big.NewInt(99)), "no such proposal")
}

func TestGovernanceConstructor(t *testing.T) {
	c := newChain(t)
	G := dstackgovernance.NewDstackGovernance()
	a := crypto.PubkeyToAddress(c.Accounts[0].PublicKey)
	for _, args := range []struct {
		approvers []common.Address
		threshold int64
	}{{[]common.Address{a}, 0}, {[]common.Address{a}, 2}, {[]common.Address{a, a}, 1}, {[]common.Address{{}}, 1}} {
		if _, err := c.Deploy(dstackgovernance.DstackGovernanceMetaData.Bin, G.PackConstructor(args.approvers, big.NewInt(args.threshold), big.NewInt(0))); err == nil {
			t.Errorf("constructor accepted %v threshold %d", args.approvers, args.threshold)
		}
	}
}
