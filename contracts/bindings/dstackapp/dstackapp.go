// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package dstackapp

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// IAppAuthAppBootInfo is an auto generated low-level Go binding around an user-defined struct.
type IAppAuthAppBootInfo struct {
	AppId        common.Address
	ComposeHash  [32]byte
	InstanceId   common.Address
	DeviceId     [32]byte
	MrAggregated [32]byte
	MrSystem     [32]byte
	OsImageHash  [32]byte
	TcbStatus    string
	AdvisoryIds  []string
}

// DstackAppMetaData contains all meta data concerning the DstackApp contract.
var DstackAppMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"target\",\"type\":\"address\"}],\"name\":\"AddressEmptyCode\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"ERC1967InvalidImplementation\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ERC1967NonPayable\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"FailedCall\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidInitialization\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotInitializing\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnableInvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"OwnableUnauthorizedAccount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"UUPSUnauthorizedCallContext\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"slot\",\"type\":\"bytes32\"}],\"name\":\"UUPSUnsupportedProxiableUUID\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"allowAny\",\"type\":\"bool\"}],\"name\":\"AllowAnyDeviceSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"}],\"name\":\"ComposeHashAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"}],\"name\":\"ComposeHashRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"DeviceAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"DeviceRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"version\",\"type\":\"uint64\"}],\"name\":\"Initialized\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferStarted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"actor\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"policy\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"value\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"enabled\",\"type\":\"bool\"}],\"name\":\"PolicyChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"requireUpToDate\",\"type\":\"bool\"}],\"name\":\"RequireTcbUpToDateSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"Upgraded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[],\"name\":\"UpgradesDisabled\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"UPGRADE_INTERFACE_VERSION\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"acceptOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"}],\"name\":\"addComposeHash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"addDevice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"allowAnyDevice\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"allowedComposeHashes\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"allowedDeviceIds\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"disableUpgrades\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"_disableUpgrades\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"_allowAnyDevice\",\"type\":\"bool\"},{\"internalType\":\"bytes32\",\"name\":\"initialDeviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"initialComposeHash\",\"type\":\"bytes32\"}],\"name\":\"initialize\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"_disableUpgrades\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"_requireTcbUpToDate\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"_allowAnyDevice\",\"type\":\"bool\"},{\"internalType\":\"bytes32\",\"name\":\"initialDeviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"initialComposeHash\",\"type\":\"bytes32\"}],\"name\":\"initialize\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"instanceId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrSystem\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"tcbStatus\",\"type\":\"string\"},{\"internalType\":\"string[]\",\"name\":\"advisoryIds\",\"type\":\"string[]\"}],\"internalType\":\"structIAppAuth.AppBootInfo\",\"name\":\"bootInfo\",\"type\":\"tuple\"}],\"name\":\"isAppAllowed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"},{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"pendingOwner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"proxiableUUID\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"}],\"name\":\"removeComposeHash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"removeDevice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"requireTcbUpToDate\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bool\",\"name\":\"allowAny\",\"type\":\"bool\"}],\"name\":\"setAllowAnyDevice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bool\",\"name\":\"requireUpToDate\",\"type\":\"bool\"}],\"name\":\"setRequireTcbUpToDate\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes4\",\"name\":\"interfaceId\",\"type\":\"bytes4\"}],\"name\":\"supportsInterface\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newImplementation\",\"type\":\"address\"},{\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"}],\"name\":\"upgradeToAndCall\",\"outputs\":[],\"stateMutability\":\"payable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"version\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"pure\",\"type\":\"function\"}]",
	ID:  "DstackApp",
	Bin: "0x60a060405230608052348015610013575f5ffd5b5061001c610021565b6100d3565b7ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00805468010000000000000000900460ff16156100715760405163f92ee8a960e01b815260040160405180910390fd5b80546001600160401b03908116146100d05780546001600160401b0319166001600160401b0390811782556040519081527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50565b6080516118686100f95f395f8181610f8901528181610fb201526111a001526118685ff3fe608060405260043610610147575f3560e01c80636e4c7422116100b3578063ad3cb1cc1161006d578063ad3cb1cc14610388578063bf8b211b146103c5578063dfc77223146103f3578063e30c397814610412578063ec66903614610426578063f2fde38b1461043a575f5ffd5b80636e4c7422146102d7578063715018a6146102f657806379ba50971461030a5780637c4beeb81461031e5780638da5cb5b1461033d5780639ed2819314610369575f5ffd5b80632f6622e5116101045780632f6622e5146102245780633440a16a146102525780634f1ef2861461027057806352d1902d1461028357806354fd4d50146102a557806367b3f22c146102b8575f5ffd5b806301ffc9a71461014b5780630aa58c831461017f578063187515ca146101985780631d266200146101b95780631e079198146101d85780632a81972814610205575b5f5ffd5b348015610156575f5ffd5b5061016a6101653660046114bc565b610459565b60405190151581526020015b60405180910390f35b34801561018a575f5ffd5b5060035461016a9060ff1681565b3480156101a3575f5ffd5b506101b76101b2366004611514565b6104aa565b005b3480156101c4575f5ffd5b506101b76101d3366004611565565b6105ac565b3480156101e3575f5ffd5b506101f76101f236600461157c565b61064d565b6040516101769291906115e2565b348015610210575f5ffd5b506101b761021f366004611565565b6107d9565b34801561022f575f5ffd5b5061016a61023e366004611565565b5f6020819052908152604090205460ff1681565b34801561025d575f5ffd5b5060015461016a90610100900460ff1681565b6101b761027e366004611618565b610877565b34801561028e575f5ffd5b50610297610896565b604051908152602001610176565b3480156102b0575f5ffd5b506002610297565b3480156102c3575f5ffd5b506101b76102d2366004611565565b6108b1565b3480156102e2575f5ffd5b506101b76102f13660046116dc565b610943565b348015610301575f5ffd5b506101b76109d4565b348015610315575f5ffd5b506101b76109e7565b348015610329575f5ffd5b506101b76103383660046116dc565b610a34565b348015610348575f5ffd5b50610351610ad2565b6040516001600160a01b039091168152602001610176565b348015610374575f5ffd5b506101b76103833660046116f5565b610b06565b348015610393575f5ffd5b506103b8604051806040016040528060058152602001640352e302e360dc1b81525081565b6040516101769190611757565b3480156103d0575f5ffd5b5061016a6103df366004611565565b60026020525f908152604090205460ff1681565b3480156103fe575f5ffd5b506101b761040d366004611565565b610c09565b34801561041d575f5ffd5b50610351610ca7565b348015610431575f5ffd5b506101b7610ccf565b348015610445575f5ffd5b506101b7610454366004611769565b610d54565b5f6001600160e01b031982166303c0f23360e31b148061048957506001600160e01b03198216638fd3752760e01b145b806104a457506301ffc9a760e01b6001600160e01b03198316145b92915050565b5f6104b3610dd9565b805490915060ff600160401b820416159067ffffffffffffffff165f811580156104da5750825b90505f8267ffffffffffffffff1660011480156104f65750303b155b905081158015610504575080155b156105225760405163f92ee8a960e01b815260040160405180910390fd5b845467ffffffffffffffff19166001178555831561054c57845460ff60401b1916600160401b1785555b61055a8a8a5f8b8b8b610e01565b83156105a057845460ff60401b19168555604051600181527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50505050505050505050565b6105b4610f4c565b5f8181526002602052604090819020805460ff19169055517fe0862975ac517b0478d308012afabc4bc37c23874a18144d7f2dfb852ff95c2c906105fb9083815260200190565b60405180910390a16040515f815281907f8e7eff7e4a57bd436b18f220111863326b17773a8b4460f9fabd87a3342330469033905f5160206117f35f395f51905f52906020015b60405180910390a450565b6003545f9060609060ff1680156106c657506040805180820190915260088152675570546f4461746560c01b6020909101527f8dd11fcce5839087111530125177803569655488ae47b1f980ef0b1a711bf07c6106ad60e0850185611782565b6040516106bb9291906117cc565b604051809103902014155b1561070857505060408051808201909152601c81527f54434220737461747573206973206e6f7420757020746f20646174650000000060208201525f92909150565b6020808401355f90815290819052604090205460ff1661075f57505060408051808201909152601881527f436f6d706f73652068617368206e6f7420616c6c6f776564000000000000000060208201525f92909150565b600154610100900460ff1615801561078a575060608301355f9081526002602052604090205460ff16155b156107c157505060408051808201909152601281527111195d9a58d9481b9bdd08185b1b1bddd95960721b60208201525f92909150565b505060408051602081019091525f8152600192909150565b6107e1610f4c565b5f8181526002602052604090819020805460ff19166001179055517f67fc71ab96fe3fa3c6f78e9a00e635d591b7333ce611c0380bc577aac702243b9061082b9083815260200190565b60405180910390a16040516001815281907f8e7eff7e4a57bd436b18f220111863326b17773a8b4460f9fabd87a3342330469033905f5160206117f35f395f51905f5290602001610642565b61087f610f7e565b61088882611022565b61089282826110d4565b5050565b5f61089f611195565b505f5160206118135f395f51905f5290565b6108b9610f4c565b5f8181526020818152604091829020805460ff1916905590518281527f755b79bd4b0eeab344d032284a99003b2ddc018b646752ac72d681593a6e8947910160405180910390a16040515f815281907f56bdf4352a9ceb1ba8f5c68066725c095e69c1d3f8a437290f0ac1da8fb4e19c9033905f5160206117f35f395f51905f5290602001610642565b61094b610f4c565b6003805460ff19168215159081179091556040519081527fafae60561b2481a349b45b3a47357f70eef6ae67e5b6e1749d74de7f19a25aa19060200160405180910390a160405181151581525f907feb206ee4e1c06549322091bfcf2a5ff8658edc40901aa7f3af6f571a159471fb9033905f5160206117f35f395f51905f5290602001610642565b6109dc610f4c565b6109e55f6111de565b565b33806109f1610ca7565b6001600160a01b031614610a285760405163118cdaa760e01b81526001600160a01b03821660048201526024015b60405180910390fd5b610a31816111de565b50565b610a3c610f4c565b600180548215156101000261ff00199091161790556040517fbb2cdb6c7b362202d40373f87bc4788301cca658f91711ac1662e1ad2cba4a2090610a8590831515815260200190565b60405180910390a160405181151581525f907f560720bbc77afadfad8faeab0a79cf66b13e5433c09dd9182d5d36413084a84e9033905f5160206117f35f395f51905f5290602001610642565b5f807f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c1993005b546001600160a01b031692915050565b5f610b0f610dd9565b805490915060ff600160401b820416159067ffffffffffffffff165f81158015610b365750825b90505f8267ffffffffffffffff166001148015610b525750303b155b905081158015610b60575080155b15610b7e5760405163f92ee8a960e01b815260040160405180910390fd5b845467ffffffffffffffff191660011785558315610ba857845460ff60401b1916600160401b1785555b610bb68b8b8b8b8b8b610e01565b8315610bfc57845460ff60401b19168555604051600181527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b5050505050505050505050565b610c11610f4c565b5f8181526020819052604090819020805460ff19166001179055517ffecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af90610c5b9083815260200190565b60405180910390a16040516001815281907f56bdf4352a9ceb1ba8f5c68066725c095e69c1d3f8a437290f0ac1da8fb4e19c9033905f5160206117f35f395f51905f5290602001610642565b5f807f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c00610af6565b610cd7610f4c565b6001805460ff1916811790556040517f0e5daa943fcd7e7182d0e893d180695c2ea9f6f1b4a1c5432faf14cf17b774e8905f90a1604051600181525f907ff6943036509aad7f2319e01f7ed528873bcbdaaf6d25921b03e395124e6a46d39033905f5160206117f35f395f51905f529060200160405180910390a4565b610d5c610f4c565b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b0319166001600160a01b0383169081178255610da0610ad2565b6001600160a01b03167f38d16b8cac22d99fc7c124b9cd0de2d3fa1faef420bfe791d8c362d765e2270060405160405180910390a35050565b5f807ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a006104a4565b6001600160a01b038616610e4f5760405162461bcd60e51b8152602060048201526015602482015274696e76616c6964206f776e6572206164647265737360581b6044820152606401610a1f565b610e5886611216565b610e60611227565b610e68611227565b6001805461ffff191686151561ff00191617610100851515021790556003805460ff19168515151790558115610eeb575f8281526002602052604090819020805460ff19166001179055517f67fc71ab96fe3fa3c6f78e9a00e635d591b7333ce611c0380bc577aac702243b90610ee29084815260200190565b60405180910390a15b8015610f44575f8181526020819052604090819020805460ff19166001179055517ffecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af90610f3b9083815260200190565b60405180910390a15b505050505050565b33610f55610ad2565b6001600160a01b0316146109e55760405163118cdaa760e01b8152336004820152602401610a1f565b306001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016148061100457507f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316610ff85f5160206118135f395f51905f52546001600160a01b031690565b6001600160a01b031614155b156109e55760405163703e46dd60e11b815260040160405180910390fd5b61102a610f4c565b60015460ff16156110875760405162461bcd60e51b815260206004820152602160248201527f557067726164657320617265207065726d616e656e746c792064697361626c656044820152601960fa1b6064820152608401610a1f565b604051600181526001600160a01b038216907fdd3079240d4e002c905dcbcaf6b06d77e782afb127bbb837120b8c7fc6703da39033905f5160206117f35f395f51905f5290602001610642565b816001600160a01b03166352d1902d6040518163ffffffff1660e01b8152600401602060405180830381865afa92505050801561112e575060408051601f3d908101601f1916820190925261112b918101906117db565b60015b61115657604051634c9c8ce360e01b81526001600160a01b0383166004820152602401610a1f565b5f5160206118135f395f51905f52811461118657604051632a87526960e21b815260048101829052602401610a1f565b611190838361122f565b505050565b306001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146109e55760405163703e46dd60e11b815260040160405180910390fd5b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b031916815561089282611284565b61121e6112f4565b610a3181611319565b6109e56112f4565b6112388261134a565b6040516001600160a01b038316907fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b905f90a280511561127c5761119082826113ad565b61089261144d565b7f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c19930080546001600160a01b031981166001600160a01b03848116918217845560405192169182907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a3505050565b6112fc61146c565b6109e557604051631afcd79f60e31b815260040160405180910390fd5b6113216112f4565b6001600160a01b038116610a2857604051631e4fbdf760e01b81525f6004820152602401610a1f565b806001600160a01b03163b5f0361137f57604051634c9c8ce360e01b81526001600160a01b0382166004820152602401610a1f565b5f5160206118135f395f51905f5280546001600160a01b0319166001600160a01b0392909216919091179055565b60605f6113ba8484611485565b90508080156113db57505f3d11806113db57505f846001600160a01b03163b115b156113f0576113e8611498565b9150506104a4565b801561141a57604051639996b31560e01b81526001600160a01b0385166004820152602401610a1f565b3d1561142d576114286114b1565b611446565b60405163d6bda27560e01b815260040160405180910390fd5b5092915050565b34156109e55760405163b398979f60e01b815260040160405180910390fd5b5f611475610dd9565b54600160401b900460ff16919050565b5f5f5f835160208501865af49392505050565b6040513d81523d5f602083013e3d602001810160405290565b6040513d5f823e3d81fd5b5f602082840312156114cc575f5ffd5b81356001600160e01b0319811681146114e3575f5ffd5b9392505050565b80356001600160a01b0381168114611500575f5ffd5b919050565b80358015158114611500575f5ffd5b5f5f5f5f5f60a08688031215611528575f5ffd5b611531866114ea565b945061153f60208701611505565b935061154d60408701611505565b94979396509394606081013594506080013592915050565b5f60208284031215611575575f5ffd5b5035919050565b5f6020828403121561158c575f5ffd5b813567ffffffffffffffff8111156115a2575f5ffd5b820161012081850312156114e3575f5ffd5b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b8215158152604060208201525f6115fc60408301846115b4565b949350505050565b634e487b7160e01b5f52604160045260245ffd5b5f5f60408385031215611629575f5ffd5b611632836114ea565b9150602083013567ffffffffffffffff81111561164d575f5ffd5b8301601f8101851361165d575f5ffd5b803567ffffffffffffffff81111561167757611677611604565b604051601f8201601f19908116603f0116810167ffffffffffffffff811182821017156116a6576116a6611604565b6040528181528282016020018710156116bd575f5ffd5b816020840160208301375f602083830101528093505050509250929050565b5f602082840312156116ec575f5ffd5b6114e382611505565b5f5f5f5f5f5f60c0878903121561170a575f5ffd5b611713876114ea565b955061172160208801611505565b945061172f60408801611505565b935061173d60608801611505565b9598949750929560808101359460a0909101359350915050565b602081525f6114e360208301846115b4565b5f60208284031215611779575f5ffd5b6114e3826114ea565b5f5f8335601e19843603018112611797575f5ffd5b83018035915067ffffffffffffffff8211156117b1575f5ffd5b6020019150368190038213156117c5575f5ffd5b9250929050565b818382375f9101908152919050565b5f602082840312156117eb575f5ffd5b505191905056fe341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c32375360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbca26469706673582212207227ee72ae7da4fcef5f05bd4624b8016768458818c555edb6ae5239ae31de3764736f6c63430008250033",
}

// DstackApp is an auto generated Go binding around an Ethereum contract.
type DstackApp struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *DstackApp) GetABI() abi.ABI {
	return c.abi
}

// NewDstackApp creates a new instance of DstackApp.
func NewDstackApp() *DstackApp {
	parsed, err := DstackAppMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &DstackApp{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *DstackApp) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackUPGRADEINTERFACEVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad3cb1cc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (dstackApp *DstackApp) PackUPGRADEINTERFACEVERSION() []byte {
	enc, err := dstackApp.abi.Pack("UPGRADE_INTERFACE_VERSION")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUPGRADEINTERFACEVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad3cb1cc.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (dstackApp *DstackApp) TryPackUPGRADEINTERFACEVERSION() ([]byte, error) {
	return dstackApp.abi.Pack("UPGRADE_INTERFACE_VERSION")
}

// UnpackUPGRADEINTERFACEVERSION is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xad3cb1cc.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (dstackApp *DstackApp) UnpackUPGRADEINTERFACEVERSION(data []byte) (string, error) {
	out, err := dstackApp.abi.Unpack("UPGRADE_INTERFACE_VERSION", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackAcceptOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79ba5097.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function acceptOwnership() returns()
func (dstackApp *DstackApp) PackAcceptOwnership() []byte {
	enc, err := dstackApp.abi.Pack("acceptOwnership")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAcceptOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79ba5097.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function acceptOwnership() returns()
func (dstackApp *DstackApp) TryPackAcceptOwnership() ([]byte, error) {
	return dstackApp.abi.Pack("acceptOwnership")
}

// PackAddComposeHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdfc77223.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addComposeHash(bytes32 composeHash) returns()
func (dstackApp *DstackApp) PackAddComposeHash(composeHash [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("addComposeHash", composeHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddComposeHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdfc77223.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addComposeHash(bytes32 composeHash) returns()
func (dstackApp *DstackApp) TryPackAddComposeHash(composeHash [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("addComposeHash", composeHash)
}

// PackAddDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2a819728.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addDevice(bytes32 deviceId) returns()
func (dstackApp *DstackApp) PackAddDevice(deviceId [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("addDevice", deviceId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2a819728.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addDevice(bytes32 deviceId) returns()
func (dstackApp *DstackApp) TryPackAddDevice(deviceId [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("addDevice", deviceId)
}

// PackAllowAnyDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3440a16a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowAnyDevice() view returns(bool)
func (dstackApp *DstackApp) PackAllowAnyDevice() []byte {
	enc, err := dstackApp.abi.Pack("allowAnyDevice")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAllowAnyDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3440a16a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function allowAnyDevice() view returns(bool)
func (dstackApp *DstackApp) TryPackAllowAnyDevice() ([]byte, error) {
	return dstackApp.abi.Pack("allowAnyDevice")
}

// UnpackAllowAnyDevice is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3440a16a.
//
// Solidity: function allowAnyDevice() view returns(bool)
func (dstackApp *DstackApp) UnpackAllowAnyDevice(data []byte) (bool, error) {
	out, err := dstackApp.abi.Unpack("allowAnyDevice", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackAllowedComposeHashes is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f6622e5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowedComposeHashes(bytes32 ) view returns(bool)
func (dstackApp *DstackApp) PackAllowedComposeHashes(arg0 [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("allowedComposeHashes", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAllowedComposeHashes is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f6622e5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function allowedComposeHashes(bytes32 ) view returns(bool)
func (dstackApp *DstackApp) TryPackAllowedComposeHashes(arg0 [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("allowedComposeHashes", arg0)
}

// UnpackAllowedComposeHashes is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x2f6622e5.
//
// Solidity: function allowedComposeHashes(bytes32 ) view returns(bool)
func (dstackApp *DstackApp) UnpackAllowedComposeHashes(data []byte) (bool, error) {
	out, err := dstackApp.abi.Unpack("allowedComposeHashes", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackAllowedDeviceIds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbf8b211b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowedDeviceIds(bytes32 ) view returns(bool)
func (dstackApp *DstackApp) PackAllowedDeviceIds(arg0 [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("allowedDeviceIds", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAllowedDeviceIds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbf8b211b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function allowedDeviceIds(bytes32 ) view returns(bool)
func (dstackApp *DstackApp) TryPackAllowedDeviceIds(arg0 [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("allowedDeviceIds", arg0)
}

// UnpackAllowedDeviceIds is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xbf8b211b.
//
// Solidity: function allowedDeviceIds(bytes32 ) view returns(bool)
func (dstackApp *DstackApp) UnpackAllowedDeviceIds(data []byte) (bool, error) {
	out, err := dstackApp.abi.Unpack("allowedDeviceIds", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackDisableUpgrades is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xec669036.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function disableUpgrades() returns()
func (dstackApp *DstackApp) PackDisableUpgrades() []byte {
	enc, err := dstackApp.abi.Pack("disableUpgrades")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDisableUpgrades is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xec669036.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function disableUpgrades() returns()
func (dstackApp *DstackApp) TryPackDisableUpgrades() ([]byte, error) {
	return dstackApp.abi.Pack("disableUpgrades")
}

// PackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x187515ca.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function initialize(address initialOwner, bool _disableUpgrades, bool _allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns()
func (dstackApp *DstackApp) PackInitialize(initialOwner common.Address, disableUpgrades bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("initialize", initialOwner, disableUpgrades, allowAnyDevice, initialDeviceId, initialComposeHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x187515ca.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function initialize(address initialOwner, bool _disableUpgrades, bool _allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns()
func (dstackApp *DstackApp) TryPackInitialize(initialOwner common.Address, disableUpgrades bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("initialize", initialOwner, disableUpgrades, allowAnyDevice, initialDeviceId, initialComposeHash)
}

// PackInitialize0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9ed28193.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function initialize(address initialOwner, bool _disableUpgrades, bool _requireTcbUpToDate, bool _allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns()
func (dstackApp *DstackApp) PackInitialize0(initialOwner common.Address, disableUpgrades bool, requireTcbUpToDate bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("initialize0", initialOwner, disableUpgrades, requireTcbUpToDate, allowAnyDevice, initialDeviceId, initialComposeHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackInitialize0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9ed28193.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function initialize(address initialOwner, bool _disableUpgrades, bool _requireTcbUpToDate, bool _allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns()
func (dstackApp *DstackApp) TryPackInitialize0(initialOwner common.Address, disableUpgrades bool, requireTcbUpToDate bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("initialize0", initialOwner, disableUpgrades, requireTcbUpToDate, allowAnyDevice, initialDeviceId, initialComposeHash)
}

// PackIsAppAllowed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1e079198.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool, string)
func (dstackApp *DstackApp) PackIsAppAllowed(bootInfo IAppAuthAppBootInfo) []byte {
	enc, err := dstackApp.abi.Pack("isAppAllowed", bootInfo)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsAppAllowed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1e079198.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool, string)
func (dstackApp *DstackApp) TryPackIsAppAllowed(bootInfo IAppAuthAppBootInfo) ([]byte, error) {
	return dstackApp.abi.Pack("isAppAllowed", bootInfo)
}

// IsAppAllowedOutput serves as a container for the return parameters of contract
// method IsAppAllowed.
type IsAppAllowedOutput struct {
	Arg0 bool
	Arg1 string
}

// UnpackIsAppAllowed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1e079198.
//
// Solidity: function isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool, string)
func (dstackApp *DstackApp) UnpackIsAppAllowed(data []byte) (IsAppAllowedOutput, error) {
	out, err := dstackApp.abi.Unpack("isAppAllowed", data)
	outstruct := new(IsAppAllowedOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Arg0 = *abi.ConvertType(out[0], new(bool)).(*bool)
	outstruct.Arg1 = *abi.ConvertType(out[1], new(string)).(*string)
	return *outstruct, nil
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (dstackApp *DstackApp) PackOwner() []byte {
	enc, err := dstackApp.abi.Pack("owner")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function owner() view returns(address)
func (dstackApp *DstackApp) TryPackOwner() ([]byte, error) {
	return dstackApp.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (dstackApp *DstackApp) UnpackOwner(data []byte) (common.Address, error) {
	out, err := dstackApp.abi.Unpack("owner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackPendingOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe30c3978.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function pendingOwner() view returns(address)
func (dstackApp *DstackApp) PackPendingOwner() []byte {
	enc, err := dstackApp.abi.Pack("pendingOwner")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPendingOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe30c3978.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function pendingOwner() view returns(address)
func (dstackApp *DstackApp) TryPackPendingOwner() ([]byte, error) {
	return dstackApp.abi.Pack("pendingOwner")
}

// UnpackPendingOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe30c3978.
//
// Solidity: function pendingOwner() view returns(address)
func (dstackApp *DstackApp) UnpackPendingOwner(data []byte) (common.Address, error) {
	out, err := dstackApp.abi.Unpack("pendingOwner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackProxiableUUID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52d1902d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function proxiableUUID() view returns(bytes32)
func (dstackApp *DstackApp) PackProxiableUUID() []byte {
	enc, err := dstackApp.abi.Pack("proxiableUUID")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackProxiableUUID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52d1902d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function proxiableUUID() view returns(bytes32)
func (dstackApp *DstackApp) TryPackProxiableUUID() ([]byte, error) {
	return dstackApp.abi.Pack("proxiableUUID")
}

// UnpackProxiableUUID is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x52d1902d.
//
// Solidity: function proxiableUUID() view returns(bytes32)
func (dstackApp *DstackApp) UnpackProxiableUUID(data []byte) ([32]byte, error) {
	out, err := dstackApp.abi.Unpack("proxiableUUID", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackRemoveComposeHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x67b3f22c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function removeComposeHash(bytes32 composeHash) returns()
func (dstackApp *DstackApp) PackRemoveComposeHash(composeHash [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("removeComposeHash", composeHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemoveComposeHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x67b3f22c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function removeComposeHash(bytes32 composeHash) returns()
func (dstackApp *DstackApp) TryPackRemoveComposeHash(composeHash [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("removeComposeHash", composeHash)
}

// PackRemoveDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1d266200.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function removeDevice(bytes32 deviceId) returns()
func (dstackApp *DstackApp) PackRemoveDevice(deviceId [32]byte) []byte {
	enc, err := dstackApp.abi.Pack("removeDevice", deviceId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemoveDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1d266200.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function removeDevice(bytes32 deviceId) returns()
func (dstackApp *DstackApp) TryPackRemoveDevice(deviceId [32]byte) ([]byte, error) {
	return dstackApp.abi.Pack("removeDevice", deviceId)
}

// PackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function renounceOwnership() returns()
func (dstackApp *DstackApp) PackRenounceOwnership() []byte {
	enc, err := dstackApp.abi.Pack("renounceOwnership")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function renounceOwnership() returns()
func (dstackApp *DstackApp) TryPackRenounceOwnership() ([]byte, error) {
	return dstackApp.abi.Pack("renounceOwnership")
}

// PackRequireTcbUpToDate is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0aa58c83.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requireTcbUpToDate() view returns(bool)
func (dstackApp *DstackApp) PackRequireTcbUpToDate() []byte {
	enc, err := dstackApp.abi.Pack("requireTcbUpToDate")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequireTcbUpToDate is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0aa58c83.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requireTcbUpToDate() view returns(bool)
func (dstackApp *DstackApp) TryPackRequireTcbUpToDate() ([]byte, error) {
	return dstackApp.abi.Pack("requireTcbUpToDate")
}

// UnpackRequireTcbUpToDate is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0aa58c83.
//
// Solidity: function requireTcbUpToDate() view returns(bool)
func (dstackApp *DstackApp) UnpackRequireTcbUpToDate(data []byte) (bool, error) {
	out, err := dstackApp.abi.Unpack("requireTcbUpToDate", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackSetAllowAnyDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7c4beeb8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setAllowAnyDevice(bool allowAny) returns()
func (dstackApp *DstackApp) PackSetAllowAnyDevice(allowAny bool) []byte {
	enc, err := dstackApp.abi.Pack("setAllowAnyDevice", allowAny)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetAllowAnyDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7c4beeb8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setAllowAnyDevice(bool allowAny) returns()
func (dstackApp *DstackApp) TryPackSetAllowAnyDevice(allowAny bool) ([]byte, error) {
	return dstackApp.abi.Pack("setAllowAnyDevice", allowAny)
}

// PackSetRequireTcbUpToDate is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6e4c7422.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setRequireTcbUpToDate(bool requireUpToDate) returns()
func (dstackApp *DstackApp) PackSetRequireTcbUpToDate(requireUpToDate bool) []byte {
	enc, err := dstackApp.abi.Pack("setRequireTcbUpToDate", requireUpToDate)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetRequireTcbUpToDate is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6e4c7422.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setRequireTcbUpToDate(bool requireUpToDate) returns()
func (dstackApp *DstackApp) TryPackSetRequireTcbUpToDate(requireUpToDate bool) ([]byte, error) {
	return dstackApp.abi.Pack("setRequireTcbUpToDate", requireUpToDate)
}

// PackSupportsInterface is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x01ffc9a7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (dstackApp *DstackApp) PackSupportsInterface(interfaceId [4]byte) []byte {
	enc, err := dstackApp.abi.Pack("supportsInterface", interfaceId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSupportsInterface is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x01ffc9a7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (dstackApp *DstackApp) TryPackSupportsInterface(interfaceId [4]byte) ([]byte, error) {
	return dstackApp.abi.Pack("supportsInterface", interfaceId)
}

// UnpackSupportsInterface is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x01ffc9a7.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (dstackApp *DstackApp) UnpackSupportsInterface(data []byte) (bool, error) {
	out, err := dstackApp.abi.Unpack("supportsInterface", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (dstackApp *DstackApp) PackTransferOwnership(newOwner common.Address) []byte {
	enc, err := dstackApp.abi.Pack("transferOwnership", newOwner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (dstackApp *DstackApp) TryPackTransferOwnership(newOwner common.Address) ([]byte, error) {
	return dstackApp.abi.Pack("transferOwnership", newOwner)
}

// PackUpgradeToAndCall is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4f1ef286.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function upgradeToAndCall(address newImplementation, bytes data) payable returns()
func (dstackApp *DstackApp) PackUpgradeToAndCall(newImplementation common.Address, data []byte) []byte {
	enc, err := dstackApp.abi.Pack("upgradeToAndCall", newImplementation, data)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUpgradeToAndCall is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4f1ef286.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function upgradeToAndCall(address newImplementation, bytes data) payable returns()
func (dstackApp *DstackApp) TryPackUpgradeToAndCall(newImplementation common.Address, data []byte) ([]byte, error) {
	return dstackApp.abi.Pack("upgradeToAndCall", newImplementation, data)
}

// PackVersion is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x54fd4d50.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function version() pure returns(uint256)
func (dstackApp *DstackApp) PackVersion() []byte {
	enc, err := dstackApp.abi.Pack("version")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVersion is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x54fd4d50.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function version() pure returns(uint256)
func (dstackApp *DstackApp) TryPackVersion() ([]byte, error) {
	return dstackApp.abi.Pack("version")
}

// UnpackVersion is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x54fd4d50.
//
// Solidity: function version() pure returns(uint256)
func (dstackApp *DstackApp) UnpackVersion(data []byte) (*big.Int, error) {
	out, err := dstackApp.abi.Unpack("version", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// DstackAppAllowAnyDeviceSet represents a AllowAnyDeviceSet event raised by the DstackApp contract.
type DstackAppAllowAnyDeviceSet struct {
	AllowAny bool
	Raw      *types.Log // Blockchain specific contextual infos
}

const DstackAppAllowAnyDeviceSetEventName = "AllowAnyDeviceSet"

// ContractEventName returns the user-defined event name.
func (DstackAppAllowAnyDeviceSet) ContractEventName() string {
	return DstackAppAllowAnyDeviceSetEventName
}

// UnpackAllowAnyDeviceSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event AllowAnyDeviceSet(bool allowAny)
func (dstackApp *DstackApp) UnpackAllowAnyDeviceSetEvent(log *types.Log) (*DstackAppAllowAnyDeviceSet, error) {
	event := "AllowAnyDeviceSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppAllowAnyDeviceSet)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppComposeHashAdded represents a ComposeHashAdded event raised by the DstackApp contract.
type DstackAppComposeHashAdded struct {
	ComposeHash [32]byte
	Raw         *types.Log // Blockchain specific contextual infos
}

const DstackAppComposeHashAddedEventName = "ComposeHashAdded"

// ContractEventName returns the user-defined event name.
func (DstackAppComposeHashAdded) ContractEventName() string {
	return DstackAppComposeHashAddedEventName
}

// UnpackComposeHashAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ComposeHashAdded(bytes32 composeHash)
func (dstackApp *DstackApp) UnpackComposeHashAddedEvent(log *types.Log) (*DstackAppComposeHashAdded, error) {
	event := "ComposeHashAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppComposeHashAdded)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppComposeHashRemoved represents a ComposeHashRemoved event raised by the DstackApp contract.
type DstackAppComposeHashRemoved struct {
	ComposeHash [32]byte
	Raw         *types.Log // Blockchain specific contextual infos
}

const DstackAppComposeHashRemovedEventName = "ComposeHashRemoved"

// ContractEventName returns the user-defined event name.
func (DstackAppComposeHashRemoved) ContractEventName() string {
	return DstackAppComposeHashRemovedEventName
}

// UnpackComposeHashRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ComposeHashRemoved(bytes32 composeHash)
func (dstackApp *DstackApp) UnpackComposeHashRemovedEvent(log *types.Log) (*DstackAppComposeHashRemoved, error) {
	event := "ComposeHashRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppComposeHashRemoved)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppDeviceAdded represents a DeviceAdded event raised by the DstackApp contract.
type DstackAppDeviceAdded struct {
	DeviceId [32]byte
	Raw      *types.Log // Blockchain specific contextual infos
}

const DstackAppDeviceAddedEventName = "DeviceAdded"

// ContractEventName returns the user-defined event name.
func (DstackAppDeviceAdded) ContractEventName() string {
	return DstackAppDeviceAddedEventName
}

// UnpackDeviceAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event DeviceAdded(bytes32 deviceId)
func (dstackApp *DstackApp) UnpackDeviceAddedEvent(log *types.Log) (*DstackAppDeviceAdded, error) {
	event := "DeviceAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppDeviceAdded)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppDeviceRemoved represents a DeviceRemoved event raised by the DstackApp contract.
type DstackAppDeviceRemoved struct {
	DeviceId [32]byte
	Raw      *types.Log // Blockchain specific contextual infos
}

const DstackAppDeviceRemovedEventName = "DeviceRemoved"

// ContractEventName returns the user-defined event name.
func (DstackAppDeviceRemoved) ContractEventName() string {
	return DstackAppDeviceRemovedEventName
}

// UnpackDeviceRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event DeviceRemoved(bytes32 deviceId)
func (dstackApp *DstackApp) UnpackDeviceRemovedEvent(log *types.Log) (*DstackAppDeviceRemoved, error) {
	event := "DeviceRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppDeviceRemoved)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppInitialized represents a Initialized event raised by the DstackApp contract.
type DstackAppInitialized struct {
	Version uint64
	Raw     *types.Log // Blockchain specific contextual infos
}

const DstackAppInitializedEventName = "Initialized"

// ContractEventName returns the user-defined event name.
func (DstackAppInitialized) ContractEventName() string {
	return DstackAppInitializedEventName
}

// UnpackInitializedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Initialized(uint64 version)
func (dstackApp *DstackApp) UnpackInitializedEvent(log *types.Log) (*DstackAppInitialized, error) {
	event := "Initialized"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppInitialized)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppOwnershipTransferStarted represents a OwnershipTransferStarted event raised by the DstackApp contract.
type DstackAppOwnershipTransferStarted struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const DstackAppOwnershipTransferStartedEventName = "OwnershipTransferStarted"

// ContractEventName returns the user-defined event name.
func (DstackAppOwnershipTransferStarted) ContractEventName() string {
	return DstackAppOwnershipTransferStartedEventName
}

// UnpackOwnershipTransferStartedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner)
func (dstackApp *DstackApp) UnpackOwnershipTransferStartedEvent(log *types.Log) (*DstackAppOwnershipTransferStarted, error) {
	event := "OwnershipTransferStarted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppOwnershipTransferStarted)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppOwnershipTransferred represents a OwnershipTransferred event raised by the DstackApp contract.
type DstackAppOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const DstackAppOwnershipTransferredEventName = "OwnershipTransferred"

// ContractEventName returns the user-defined event name.
func (DstackAppOwnershipTransferred) ContractEventName() string {
	return DstackAppOwnershipTransferredEventName
}

// UnpackOwnershipTransferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (dstackApp *DstackApp) UnpackOwnershipTransferredEvent(log *types.Log) (*DstackAppOwnershipTransferred, error) {
	event := "OwnershipTransferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppOwnershipTransferred)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppPolicyChanged represents a PolicyChanged event raised by the DstackApp contract.
type DstackAppPolicyChanged struct {
	Actor   common.Address
	Policy  [32]byte
	Value   [32]byte
	Enabled bool
	Raw     *types.Log // Blockchain specific contextual infos
}

const DstackAppPolicyChangedEventName = "PolicyChanged"

// ContractEventName returns the user-defined event name.
func (DstackAppPolicyChanged) ContractEventName() string {
	return DstackAppPolicyChangedEventName
}

// UnpackPolicyChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled)
func (dstackApp *DstackApp) UnpackPolicyChangedEvent(log *types.Log) (*DstackAppPolicyChanged, error) {
	event := "PolicyChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppPolicyChanged)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppRequireTcbUpToDateSet represents a RequireTcbUpToDateSet event raised by the DstackApp contract.
type DstackAppRequireTcbUpToDateSet struct {
	RequireUpToDate bool
	Raw             *types.Log // Blockchain specific contextual infos
}

const DstackAppRequireTcbUpToDateSetEventName = "RequireTcbUpToDateSet"

// ContractEventName returns the user-defined event name.
func (DstackAppRequireTcbUpToDateSet) ContractEventName() string {
	return DstackAppRequireTcbUpToDateSetEventName
}

// UnpackRequireTcbUpToDateSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RequireTcbUpToDateSet(bool requireUpToDate)
func (dstackApp *DstackApp) UnpackRequireTcbUpToDateSetEvent(log *types.Log) (*DstackAppRequireTcbUpToDateSet, error) {
	event := "RequireTcbUpToDateSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppRequireTcbUpToDateSet)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppUpgraded represents a Upgraded event raised by the DstackApp contract.
type DstackAppUpgraded struct {
	Implementation common.Address
	Raw            *types.Log // Blockchain specific contextual infos
}

const DstackAppUpgradedEventName = "Upgraded"

// ContractEventName returns the user-defined event name.
func (DstackAppUpgraded) ContractEventName() string {
	return DstackAppUpgradedEventName
}

// UnpackUpgradedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Upgraded(address indexed implementation)
func (dstackApp *DstackApp) UnpackUpgradedEvent(log *types.Log) (*DstackAppUpgraded, error) {
	event := "Upgraded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppUpgraded)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DstackAppUpgradesDisabled represents a UpgradesDisabled event raised by the DstackApp contract.
type DstackAppUpgradesDisabled struct {
	Raw *types.Log // Blockchain specific contextual infos
}

const DstackAppUpgradesDisabledEventName = "UpgradesDisabled"

// ContractEventName returns the user-defined event name.
func (DstackAppUpgradesDisabled) ContractEventName() string {
	return DstackAppUpgradesDisabledEventName
}

// UnpackUpgradesDisabledEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event UpgradesDisabled()
func (dstackApp *DstackApp) UnpackUpgradesDisabledEvent(log *types.Log) (*DstackAppUpgradesDisabled, error) {
	event := "UpgradesDisabled"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackApp.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackAppUpgradesDisabled)
	if len(log.Data) > 0 {
		if err := dstackApp.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackApp.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (dstackApp *DstackApp) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["AddressEmptyCode"].ID.Bytes()[:4]) {
		return dstackApp.UnpackAddressEmptyCodeError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["ERC1967InvalidImplementation"].ID.Bytes()[:4]) {
		return dstackApp.UnpackERC1967InvalidImplementationError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["ERC1967NonPayable"].ID.Bytes()[:4]) {
		return dstackApp.UnpackERC1967NonPayableError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["FailedCall"].ID.Bytes()[:4]) {
		return dstackApp.UnpackFailedCallError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["InvalidInitialization"].ID.Bytes()[:4]) {
		return dstackApp.UnpackInvalidInitializationError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["NotInitializing"].ID.Bytes()[:4]) {
		return dstackApp.UnpackNotInitializingError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["OwnableInvalidOwner"].ID.Bytes()[:4]) {
		return dstackApp.UnpackOwnableInvalidOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["OwnableUnauthorizedAccount"].ID.Bytes()[:4]) {
		return dstackApp.UnpackOwnableUnauthorizedAccountError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["UUPSUnauthorizedCallContext"].ID.Bytes()[:4]) {
		return dstackApp.UnpackUUPSUnauthorizedCallContextError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackApp.abi.Errors["UUPSUnsupportedProxiableUUID"].ID.Bytes()[:4]) {
		return dstackApp.UnpackUUPSUnsupportedProxiableUUIDError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// DstackAppAddressEmptyCode represents a AddressEmptyCode error raised by the DstackApp contract.
type DstackAppAddressEmptyCode struct {
	Target common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AddressEmptyCode(address target)
func DstackAppAddressEmptyCodeErrorID() common.Hash {
	return common.HexToHash("0x9996b315c842ff135b8fc4a08ad5df1c344efbc03d2687aecc0678050d2aac89")
}

// UnpackAddressEmptyCodeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AddressEmptyCode(address target)
func (dstackApp *DstackApp) UnpackAddressEmptyCodeError(raw []byte) (*DstackAppAddressEmptyCode, error) {
	out := new(DstackAppAddressEmptyCode)
	if err := dstackApp.abi.UnpackIntoInterface(out, "AddressEmptyCode", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppERC1967InvalidImplementation represents a ERC1967InvalidImplementation error raised by the DstackApp contract.
type DstackAppERC1967InvalidImplementation struct {
	Implementation common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC1967InvalidImplementation(address implementation)
func DstackAppERC1967InvalidImplementationErrorID() common.Hash {
	return common.HexToHash("0x4c9c8ce3ceb3130f17f7cdba48d89b5b0129f266a8bac114e6e315a41879b617")
}

// UnpackERC1967InvalidImplementationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC1967InvalidImplementation(address implementation)
func (dstackApp *DstackApp) UnpackERC1967InvalidImplementationError(raw []byte) (*DstackAppERC1967InvalidImplementation, error) {
	out := new(DstackAppERC1967InvalidImplementation)
	if err := dstackApp.abi.UnpackIntoInterface(out, "ERC1967InvalidImplementation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppERC1967NonPayable represents a ERC1967NonPayable error raised by the DstackApp contract.
type DstackAppERC1967NonPayable struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC1967NonPayable()
func DstackAppERC1967NonPayableErrorID() common.Hash {
	return common.HexToHash("0xb398979fa84f543c8e222f17890372c487baf85e062276c127fef521eea7224b")
}

// UnpackERC1967NonPayableError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC1967NonPayable()
func (dstackApp *DstackApp) UnpackERC1967NonPayableError(raw []byte) (*DstackAppERC1967NonPayable, error) {
	out := new(DstackAppERC1967NonPayable)
	if err := dstackApp.abi.UnpackIntoInterface(out, "ERC1967NonPayable", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppFailedCall represents a FailedCall error raised by the DstackApp contract.
type DstackAppFailedCall struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error FailedCall()
func DstackAppFailedCallErrorID() common.Hash {
	return common.HexToHash("0xd6bda27508c0fb6d8a39b4b122878dab26f731a7d4e4abe711dd3731899052a4")
}

// UnpackFailedCallError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error FailedCall()
func (dstackApp *DstackApp) UnpackFailedCallError(raw []byte) (*DstackAppFailedCall, error) {
	out := new(DstackAppFailedCall)
	if err := dstackApp.abi.UnpackIntoInterface(out, "FailedCall", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppInvalidInitialization represents a InvalidInitialization error raised by the DstackApp contract.
type DstackAppInvalidInitialization struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidInitialization()
func DstackAppInvalidInitializationErrorID() common.Hash {
	return common.HexToHash("0xf92ee8a957075833165f68c320933b1a1294aafc84ee6e0dd3fb178008f9aaf5")
}

// UnpackInvalidInitializationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidInitialization()
func (dstackApp *DstackApp) UnpackInvalidInitializationError(raw []byte) (*DstackAppInvalidInitialization, error) {
	out := new(DstackAppInvalidInitialization)
	if err := dstackApp.abi.UnpackIntoInterface(out, "InvalidInitialization", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppNotInitializing represents a NotInitializing error raised by the DstackApp contract.
type DstackAppNotInitializing struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotInitializing()
func DstackAppNotInitializingErrorID() common.Hash {
	return common.HexToHash("0xd7e6bcf8597daa127dc9f0048d2f08d5ef140a2cb659feabd700beff1f7a8302")
}

// UnpackNotInitializingError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotInitializing()
func (dstackApp *DstackApp) UnpackNotInitializingError(raw []byte) (*DstackAppNotInitializing, error) {
	out := new(DstackAppNotInitializing)
	if err := dstackApp.abi.UnpackIntoInterface(out, "NotInitializing", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppOwnableInvalidOwner represents a OwnableInvalidOwner error raised by the DstackApp contract.
type DstackAppOwnableInvalidOwner struct {
	Owner common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableInvalidOwner(address owner)
func DstackAppOwnableInvalidOwnerErrorID() common.Hash {
	return common.HexToHash("0x1e4fbdf7f3ef8bcaa855599e3abf48b232380f183f08f6f813d9ffa5bd585188")
}

// UnpackOwnableInvalidOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableInvalidOwner(address owner)
func (dstackApp *DstackApp) UnpackOwnableInvalidOwnerError(raw []byte) (*DstackAppOwnableInvalidOwner, error) {
	out := new(DstackAppOwnableInvalidOwner)
	if err := dstackApp.abi.UnpackIntoInterface(out, "OwnableInvalidOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppOwnableUnauthorizedAccount represents a OwnableUnauthorizedAccount error raised by the DstackApp contract.
type DstackAppOwnableUnauthorizedAccount struct {
	Account common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func DstackAppOwnableUnauthorizedAccountErrorID() common.Hash {
	return common.HexToHash("0x118cdaa7a341953d1887a2245fd6665d741c67c8c50581daa59e1d03373fa188")
}

// UnpackOwnableUnauthorizedAccountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func (dstackApp *DstackApp) UnpackOwnableUnauthorizedAccountError(raw []byte) (*DstackAppOwnableUnauthorizedAccount, error) {
	out := new(DstackAppOwnableUnauthorizedAccount)
	if err := dstackApp.abi.UnpackIntoInterface(out, "OwnableUnauthorizedAccount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppUUPSUnauthorizedCallContext represents a UUPSUnauthorizedCallContext error raised by the DstackApp contract.
type DstackAppUUPSUnauthorizedCallContext struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UUPSUnauthorizedCallContext()
func DstackAppUUPSUnauthorizedCallContextErrorID() common.Hash {
	return common.HexToHash("0xe07c8dba242a06571ac65fe4bbe20522c9fb111cb33599b799ff8039c1ed18f4")
}

// UnpackUUPSUnauthorizedCallContextError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UUPSUnauthorizedCallContext()
func (dstackApp *DstackApp) UnpackUUPSUnauthorizedCallContextError(raw []byte) (*DstackAppUUPSUnauthorizedCallContext, error) {
	out := new(DstackAppUUPSUnauthorizedCallContext)
	if err := dstackApp.abi.UnpackIntoInterface(out, "UUPSUnauthorizedCallContext", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackAppUUPSUnsupportedProxiableUUID represents a UUPSUnsupportedProxiableUUID error raised by the DstackApp contract.
type DstackAppUUPSUnsupportedProxiableUUID struct {
	Slot [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UUPSUnsupportedProxiableUUID(bytes32 slot)
func DstackAppUUPSUnsupportedProxiableUUIDErrorID() common.Hash {
	return common.HexToHash("0xaa1d49a4c084bfa9aeeee2a0be65267a7f19ba7e1476b114dac513d2c14cb563")
}

// UnpackUUPSUnsupportedProxiableUUIDError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UUPSUnsupportedProxiableUUID(bytes32 slot)
func (dstackApp *DstackApp) UnpackUUPSUnsupportedProxiableUUIDError(raw []byte) (*DstackAppUUPSUnsupportedProxiableUUID, error) {
	out := new(DstackAppUUPSUnsupportedProxiableUUID)
	if err := dstackApp.abi.UnpackIntoInterface(out, "UUPSUnsupportedProxiableUUID", raw); err != nil {
		return nil, err
	}
	return out, nil
}
