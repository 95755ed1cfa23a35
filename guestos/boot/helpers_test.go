package boot_test

import (
	"github.com/dstack-go/dstack/contracts/bindings/dstackkms"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"github.com/dstack-go/dstack/tee/attest"
)

func kmsBootInfoOf(v *attest.Verified) dstackkms.IAppAuthAppBootInfo {
	return kmsapi.BootInfoOf(v, false).Solidity()
}
