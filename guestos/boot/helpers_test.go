package boot_test

import (
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/kms"
	"github.com/dstack-go/dstack/tee/attest"
)

func kmsBootInfoOf(v *attest.Verified) dstackkms.IAppAuthAppBootInfo {
	return kms.BootInfoOf(v, false).Solidity()
}
