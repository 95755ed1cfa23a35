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
// opts and policy); each refused entry is logged at error. A record whose
// keys all fail is an error, as upstream's monitor holds.
func AttestedKeys(read func(context.Context) (*acmeinfo.Info, error), opts attest.Options, policy acmeinfo.Policy, log *zap.Logger) func(context.Context) ([][]byte, error) {
	if log == nil {
		log = zap.NewNop()
	}
	return func(ctx context.Context) ([][]byte, error) {
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
