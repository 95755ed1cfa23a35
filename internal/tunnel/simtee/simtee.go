// Package simtee is a simulated TD with a chosen dstack identity (app id,
// compose hash, instance id) on a mock vendor PKI: the gateway's
// insecure_simulated_tee_seed option and the tests of both tunnel ends boot
// it. It must never attest a real workload: its evidence verifies only
// against the mock PKI's roots, which are accepted only through an explicit
// insecure option.
package simtee

import (
	"context"
	"crypto/sha512"
	"fmt"
	"sync"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
)

// Identity is what the simulated TD measures before system-ready.
type Identity struct {
	AppID       []byte
	ComposeHash []byte
	InstanceID  []byte
	// Config is the vm_config JSON; empty means one with a fixed
	// os_image_hash.
	Config string
}

// TD is a booted simulated TD.
type TD struct {
	PKI      *mock.PKI
	Identity Identity

	mu     sync.Mutex
	tee    *mock.TEE
	events []eventlog.RuntimeEvent
}

// OSImageHash is the os_image_hash of the default vm_config.
var OSImageHash = sha512.Sum512_256([]byte("dstack simulated image"))

// Boot measures id into a fresh simulated TD on pki.
func Boot(pki *mock.PKI, id Identity) (*TD, error) {
	var regs [4][48]byte
	for i := range regs {
		regs[i] = sha512.Sum384([]byte(fmt.Sprintf("dstack simulated image register %d", i)))
	}
	if id.Config == "" {
		id.Config = fmt.Sprintf(`{"os_image_hash":"%x"}`, OSImageHash)
	}
	td := &TD{PKI: pki, Identity: id, tee: pki.NewTEE(regs[0], regs[1], regs[2], regs[3])}
	for _, e := range []eventlog.RuntimeEvent{
		{Name: attest.EventSystemPreparing},
		{Name: attest.EventAppID, Payload: id.AppID},
		{Name: attest.EventComposeHash, Payload: id.ComposeHash},
		{Name: attest.EventInstanceID, Payload: id.InstanceID},
		{Name: attest.EventBootMRDone},
		{Name: attest.EventSystemReady},
	} {
		if err := td.tee.Extend(eventlog.RuntimeIMR, e.Digest()); err != nil {
			return nil, err
		}
		td.events = append(td.events, e)
	}
	return td, nil
}

// Attester returns the TD's attester.
func (td *TD) Attester() attest.Attester {
	return &attest.TDXAttester{
		Quote: func(_ context.Context, rd [64]byte) ([]byte, error) {
			td.mu.Lock()
			defer td.mu.Unlock()
			return td.tee.Quote(rd)
		},
		RuntimeEvents: func() []eventlog.RuntimeEvent {
			td.mu.Lock()
			defer td.mu.Unlock()
			return append([]eventlog.RuntimeEvent(nil), td.events...)
		},
		Config: td.Identity.Config,
	}
}

// Options returns verification options that accept the mock PKI's evidence
// (its roots and signed collateral).
func Options(pki *mock.PKI) attest.Options {
	return attest.Options{
		InsecureTrustRoots: &attest.TrustRoots{TDX: pki.Roots()},
		Collateral:         collateral.NewCache(pki.Source(), collateral.CacheOptions{}),
	}
}
