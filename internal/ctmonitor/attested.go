package ctmonitor

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/dstack-go/dstack/tee/acmeinfo"
	"github.com/dstack-go/dstack/tee/attest"
)

// AttestedKeys is a Config.Known that reads a gateway's acme-info record
// with read and keeps the keys whose entries verify (acmeinfo.Verify with
// opts and the policy policy gives, asked again at each read: the gateway
// app id may be read from the chain); each refused entry is logged at
// error. A policy that cannot be had, or a record whose keys all fail, is
// an error, as upstream's monitor holds.
func AttestedKeys(read func(context.Context) (*acmeinfo.Info, error), opts attest.Options, policy PolicySource, log *zap.Logger) func(context.Context) ([][]byte, error) {
	if log == nil {
		log = zap.NewNop()
	}
	return func(ctx context.Context) ([][]byte, error) {
		policy, err := policy(ctx)
		if err != nil {
			return nil, err
		}
		info, err := read(ctx)
		if err != nil {
			return nil, err
		}
		r := acmeinfo.Verify(ctx, info, opts, policy)
		for i, k := range r.Keys {
			if !k.OK() {
				sum := sha256.Sum256(k.PublicKey)
				log.Error("ct monitor: an entry of the attested key history does not verify: its key is not trusted",
					zap.Int("entry", i), zap.String("public_key_sha256", fmt.Sprintf("%x", sum)), zap.Error(k.Err))
			}
		}
		known := r.Known()
		if len(known) == 0 && len(r.Keys) > 0 {
			return nil, errors.New("no key of the attested key history verifies")
		}
		return known, nil
	}
}

// PolicySource gives the policy the attested keys are judged by, at each
// read of them.
type PolicySource func(context.Context) (acmeinfo.Policy, error)

// Fixed is the PolicySource that always gives p.
func Fixed(p acmeinfo.Policy) PolicySource {
	return func(context.Context) (acmeinfo.Policy, error) { return p, nil }
}

// GatewayAppIDReader reads the gateway app id from the chain and refuses
// one that differs from given (when given is not empty):
// chain.Reader.GatewayApp.
type GatewayAppIDReader interface {
	GatewayApp(ctx context.Context, given []byte) ([]byte, uint64, error)
}

// ChainGatewayPolicy is the PolicySource that reads the gateway app id
// from the chain at each read (r) and judges the keys with
// acmeinfo.GatewayPolicy of it: a chain that cannot be read, names no
// gateway app id or names another than given fails the read.
func ChainGatewayPolicy(r GatewayAppIDReader, given []byte, tcbStatus []string, insecureAllowUnboundOSImage bool) PolicySource {
	return func(ctx context.Context) (acmeinfo.Policy, error) {
		id, _, err := r.GatewayApp(ctx, given)
		if err != nil {
			return nil, err
		}
		return acmeinfo.GatewayPolicy(id, tcbStatus, insecureAllowUnboundOSImage), nil
	}
}
