// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package dstackkms

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

// DstackKmsKmsInfo is an auto generated low-level Go binding around an user-defined struct.
type DstackKmsKmsInfo struct {
	K256Pubkey []byte
	CaPubkey   []byte
	Quote      []byte
	Eventlog   []byte
}

// DstackKmsThresholdCommittee is an auto generated low-level Go binding around an user-defined struct.
type DstackKmsThresholdCommittee struct {
	Threshold uint16
	Members   []DstackKmsThresholdMember
	FromNodes []string
}

// DstackKmsThresholdKeySet is an auto generated low-level Go binding around an user-defined struct.
type DstackKmsThresholdKeySet struct {
	RootEpoch      uint32
	Epoch          uint64
	Threshold      uint16
	DerivationRoot []byte
	KeySetId       [32]byte
	EnvRoot        [32]byte
}

// DstackKmsThresholdMember is an auto generated low-level Go binding around an user-defined struct.
type DstackKmsThresholdMember struct {
	Name string
	Url  string
}

// DstackKmsThresholdShare is an auto generated low-level Go binding around an user-defined struct.
type DstackKmsThresholdShare struct {
	Node       string
	Id         [32]byte
	Derivation []byte
	Ca         []byte
	K256       []byte
	Env        [32]byte
}

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

// DstackKmsMetaData contains all meta data concerning the DstackKms contract.
var DstackKmsMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"target\",\"type\":\"address\"}],\"name\":\"AddressEmptyCode\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"ERC1967InvalidImplementation\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ERC1967NonPayable\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"FailedCall\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidInitialization\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotInitializing\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnableInvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"OwnableUnauthorizedAccount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"UUPSUnauthorizedCallContext\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"slot\",\"type\":\"bytes32\"}],\"name\":\"UUPSUnsupportedProxiableUUID\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"deployer\",\"type\":\"address\"}],\"name\":\"AppDeployedViaFactory\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"AppImplementationSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"name\":\"AppRegistered\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"gatewayAppId\",\"type\":\"string\"}],\"name\":\"GatewayAppIdSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"version\",\"type\":\"uint64\"}],\"name\":\"Initialized\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"KmsAggregatedMrAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"KmsAggregatedMrRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"KmsDeviceAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"KmsDeviceRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"}],\"name\":\"KmsInfoSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"OsImageHashAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"OsImageHashRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferStarted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"actor\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"policy\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"value\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"enabled\",\"type\":\"bool\"}],\"name\":\"PolicyChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"committeeHash\",\"type\":\"bytes32\"}],\"name\":\"ThresholdCommitteeSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"keySetId\",\"type\":\"bytes32\"}],\"name\":\"ThresholdKeySetSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"Upgraded\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"UPGRADE_INTERFACE_VERSION\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"acceptOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"addKmsAggregatedMr\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"addKmsDevice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"addOsImageHash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"allowedOsImages\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"appImplementation\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"disableUpgrades\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"allowAnyDevice\",\"type\":\"bool\"},{\"internalType\":\"bytes32\",\"name\":\"initialDeviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"initialComposeHash\",\"type\":\"bytes32\"}],\"name\":\"deployAndRegisterApp\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"disableUpgrades\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"requireTcbUpToDate\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"allowAnyDevice\",\"type\":\"bool\"},{\"internalType\":\"bytes32\",\"name\":\"initialDeviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"initialComposeHash\",\"type\":\"bytes32\"}],\"name\":\"deployAndRegisterApp\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"gatewayAppId\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"_appImplementation\",\"type\":\"address\"}],\"name\":\"initialize\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"instanceId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrSystem\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"tcbStatus\",\"type\":\"string\"},{\"internalType\":\"string[]\",\"name\":\"advisoryIds\",\"type\":\"string[]\"}],\"internalType\":\"structIAppAuth.AppBootInfo\",\"name\":\"bootInfo\",\"type\":\"tuple\"}],\"name\":\"isAppAllowed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"isAllowed\",\"type\":\"bool\"},{\"internalType\":\"string\",\"name\":\"reason\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"instanceId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrSystem\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"tcbStatus\",\"type\":\"string\"},{\"internalType\":\"string[]\",\"name\":\"advisoryIds\",\"type\":\"string[]\"}],\"internalType\":\"structIAppAuth.AppBootInfo\",\"name\":\"bootInfo\",\"type\":\"tuple\"}],\"name\":\"isKmsAllowed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"isAllowed\",\"type\":\"bool\"},{\"internalType\":\"string\",\"name\":\"reason\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"kmsAllowedAggregatedMrs\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"kmsAllowedDeviceIds\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"kmsInfo\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"caPubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"quote\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"eventlog\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"pendingOwner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"proxiableUUID\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"name\":\"registerApp\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"registeredApps\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"removeKmsAggregatedMr\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"removeKmsDevice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"removeOsImageHash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"setAppImplementation\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"appId\",\"type\":\"string\"}],\"name\":\"setGatewayAppId\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes\",\"name\":\"eventlog\",\"type\":\"bytes\"}],\"name\":\"setKmsEventlog\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"caPubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"quote\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"eventlog\",\"type\":\"bytes\"}],\"internalType\":\"structDstackKms.KmsInfo\",\"name\":\"info\",\"type\":\"tuple\"}],\"name\":\"setKmsInfo\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes\",\"name\":\"quote\",\"type\":\"bytes\"}],\"name\":\"setKmsQuote\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"url\",\"type\":\"string\"}],\"internalType\":\"structDstackKms.ThresholdMember[]\",\"name\":\"members\",\"type\":\"tuple[]\"},{\"internalType\":\"string[]\",\"name\":\"fromNodes\",\"type\":\"string[]\"}],\"name\":\"setThresholdCommittee\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"internalType\":\"bytes\",\"name\":\"derivationRoot\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"keySetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"envRoot\",\"type\":\"bytes32\"}],\"internalType\":\"structDstackKms.ThresholdKeySet\",\"name\":\"keySet\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"node\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"derivation\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"ca\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"k256\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"env\",\"type\":\"bytes32\"}],\"internalType\":\"structDstackKms.ThresholdShare[]\",\"name\":\"shares\",\"type\":\"tuple[]\"}],\"name\":\"setThresholdKeySet\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes4\",\"name\":\"interfaceId\",\"type\":\"bytes4\"}],\"name\":\"supportsInterface\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"}],\"name\":\"thresholdCommittee\",\"outputs\":[{\"components\":[{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"url\",\"type\":\"string\"}],\"internalType\":\"structDstackKms.ThresholdMember[]\",\"name\":\"members\",\"type\":\"tuple[]\"},{\"internalType\":\"string[]\",\"name\":\"fromNodes\",\"type\":\"string[]\"}],\"internalType\":\"structDstackKms.ThresholdCommittee\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdCommitteeEpoch\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdKeySet\",\"outputs\":[{\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"internalType\":\"bytes\",\"name\":\"derivationRoot\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"keySetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"envRoot\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdShares\",\"outputs\":[{\"components\":[{\"internalType\":\"string\",\"name\":\"node\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"derivation\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"ca\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"k256\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"env\",\"type\":\"bytes32\"}],\"internalType\":\"structDstackKms.ThresholdShare[]\",\"name\":\"\",\"type\":\"tuple[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newImplementation\",\"type\":\"address\"},{\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"}],\"name\":\"upgradeToAndCall\",\"outputs\":[],\"stateMutability\":\"payable\",\"type\":\"function\"}]",
	ID:  "DstackKms",
	Bin: "0x60a060405230608052348015610013575f5ffd5b5061001c610021565b6100d3565b7ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00805468010000000000000000900460ff16156100715760405163f92ee8a960e01b815260040160405180910390fd5b80546001600160401b03908116146100d05780546001600160401b0319166001600160401b0390811782556040519081527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50565b6080516148b26100f95f395f8181612c2501528181612c4e0152612ddf01526148b25ff3fe608060405260043610610228575f3560e01c80637adb07a8116101295780639f0c109b116100a8578063e067ec9d1161006d578063e067ec9d146106d0578063e30c3978146106ef578063f2fde38b14610703578063f4e74b0814610722578063f6fe4f4014610741575f5ffd5b80639f0c109b1461060c578063a6c4cce91461062d578063ad3cb1cc1461065b578063cf2641f31461068b578063e01e0121146106aa575f5ffd5b80639425bac6116100ee5780639425bac61461056057806395f519311461057f5780639a4e1d18146105a05780639cb9c31f146105ce5780639e6f3114146105ed575f5ffd5b80637adb07a8146104ab5780637d025352146104d75780638618169d146104f65780638da5cb5b14610515578063937825f114610529575f5ffd5b80633971db27116101b55780634f1ef2861161017a5780634f1ef2861461042f57806352d1902d14610442578063715018a614610464578063736ede7a1461047857806379ba509714610497575f5ffd5b80633971db27146103945780633ceaaa11146103b35780633e32d346146103d2578063485cc955146103f15780634d5922a114610410575f5ffd5b806317a1d80f116101fb57806317a1d80f146102d357806318c1ecb2146102f25780631e0791981461031157806325a992da1461033e5780632adee48d14610375575f5ffd5b806301ffc9a71461022c57806306a3ae9614610260578063091770631461028157806313eb9770146102a5575b5f5ffd5b348015610237575f5ffd5b5061024b61024636600461322d565b61076f565b60405190151581526020015b60405180910390f35b34801561026b575f5ffd5b5061027f61027a366004613254565b6107a5565b005b34801561028c575f5ffd5b5061029561084a565b6040516102579493929190613299565b3480156102b0575f5ffd5b5061024b6102bf366004613254565b60076020525f908152604090205460ff1681565b3480156102de575f5ffd5b5061027f6102ed36600461330b565b610a7d565b3480156102fd575f5ffd5b5061027f61030c36600461340f565b610b6c565b34801561031c575f5ffd5b5061033061032b366004613448565b610bd5565b60405161025792919061347f565b348015610349575f5ffd5b5060095461035d906001600160a01b031681565b6040516001600160a01b039091168152602001610257565b348015610380575f5ffd5b5061027f61038f366004613254565b610d67565b34801561039f575f5ffd5b5061027f6103ae366004613499565b610e01565b3480156103be575f5ffd5b5061027f6103cd36600461330b565b610ea1565b3480156103dd575f5ffd5b5061027f6103ec366004613254565b610f47565b3480156103fc575f5ffd5b5061027f61040b3660046134dd565b610fe5565b34801561041b575f5ffd5b5061027f61042a366004613254565b61119b565b61027f61043d36600461350e565b611239565b34801561044d575f5ffd5b50610456611258565b604051908152602001610257565b34801561046f575f5ffd5b5061027f611273565b348015610483575f5ffd5b5061027f61049236600461340f565b611286565b3480156104a2575f5ffd5b5061027f61129a565b3480156104b6575f5ffd5b506104ca6104c536600461356c565b6112e2565b60405161025791906135e1565b3480156104e2575f5ffd5b5061027f6104f13660046136a0565b611589565b348015610501575f5ffd5b5061035d610510366004613795565b61166a565b348015610520575f5ffd5b5061035d611683565b348015610534575f5ffd5b50600f54610548906001600160401b031681565b6040516001600160401b039091168152602001610257565b34801561056b575f5ffd5b5061027f61057a366004613254565b6116b7565b34801561058a575f5ffd5b50610593611751565b60405161025791906137ea565b3480156105ab575f5ffd5b5061024b6105ba366004613254565b60086020525f908152604090205460ff1681565b3480156105d9575f5ffd5b5061035d6105e83660046137fc565b6117dd565b3480156105f8575f5ffd5b5061027f610607366004613254565b61192b565b348015610617575f5ffd5b506106206119c5565b6040516102579190613864565b348015610638575f5ffd5b5061024b61064736600461330b565b60056020525f908152604090205460ff1681565b348015610666575f5ffd5b50610593604051806040016040528060058152602001640352e302e360dc1b81525081565b348015610696575f5ffd5b5061027f6106a536600461397e565b611c74565b3480156106b5575f5ffd5b506106be6123aa565b604051610257969594939291906139e9565b3480156106db575f5ffd5b506103306106ea366004613448565b612470565b3480156106fa575f5ffd5b5061035d612616565b34801561070e575f5ffd5b5061027f61071d36600461330b565b61263e565b34801561072d575f5ffd5b5061027f61073c366004613a44565b6126c3565b34801561074c575f5ffd5b5061024b61075b366004613254565b60066020525f908152604090205460ff1681565b5f6001600160e01b031982166303c0f23360e31b148061079f57506301ffc9a760e01b6001600160e01b03198316145b92915050565b6107ad612ba7565b5f8181526008602052604090819020805460ff19166001179055517f4911843506849c85a5ca6e6e2c01eed2d3ab86baba619517a2aad9d5ab2aeff2906107f79083815260200190565b60405180910390a16040516001815281907fbc0346dd2a1caffcfdf89515e8a3ad921515d32b39d8e28334b87bd5a1bdb6aa9033905f5160206148145f395f51905f52906020015b60405180910390a450565b5f8054819061085890613ad6565b80601f016020809104026020016040519081016040528092919081815260200182805461088490613ad6565b80156108cf5780601f106108a6576101008083540402835291602001916108cf565b820191905f5260205f20905b8154815290600101906020018083116108b257829003601f168201915b5050505050908060010180546108e490613ad6565b80601f016020809104026020016040519081016040528092919081815260200182805461091090613ad6565b801561095b5780601f106109325761010080835404028352916020019161095b565b820191905f5260205f20905b81548152906001019060200180831161093e57829003601f168201915b50505050509080600201805461097090613ad6565b80601f016020809104026020016040519081016040528092919081815260200182805461099c90613ad6565b80156109e75780601f106109be576101008083540402835291602001916109e7565b820191905f5260205f20905b8154815290600101906020018083116109ca57829003601f168201915b5050505050908060030180546109fc90613ad6565b80601f0160208091040260200160405190810160405280929190818152602001828054610a2890613ad6565b8015610a735780601f10610a4a57610100808354040283529160200191610a73565b820191905f5260205f20905b815481529060010190602001808311610a5657829003601f168201915b5050505050905084565b6001600160a01b038116610ac95760405162461bcd60e51b815260206004820152600e60248201526d125b9d985b1a5908185c1c08125160921b60448201526064015b60405180910390fd5b6001600160a01b0381165f81815260056020908152604091829020805460ff1916600117905590519182527f0d540ad8f39e07d19909687352b9fa017405d93c91a6760981fbae9cf28bfef7910160405180910390a1604051600181526001600160a01b038216907f1a61f88f2e67632c1bf4321c88aec40bbf788e2b1a14b69f1186e6a3a31d90289033905f5160206148145f395f51905f529060200161083f565b610b74612ba7565b6002610b808282613b78565b5080805190602001207fadc23d82fa8b20f02103a2405c452d2446e5a589f0182bd71f6d87e3357fbe65336001600160a01b03165f5160206148145f395f51905f52600160405161083f911515815260200190565b5f6060600582610be8602086018661330b565b6001600160a01b0316815260208101919091526040015f205460ff16610c3a575050604080518082019091526012815271105c1c081b9bdd081c9959da5cdd195c995960721b60208201525f92909150565b60c08301355f9081526008602052604090205460ff16610c8b57505060408051808201909152601781527613d4c81a5b5859d9481a5cc81b9bdd08185b1b1bddd959604a1b60208201525f92909150565b610c98602084018461330b565b6001600160a01b03163b5f03610ce557505060408051808201909152601881527f41707020636f6e747261637420686173206e6f20636f6465000000000000000060208201525f92909150565b610cf2602084018461330b565b6001600160a01b0316631e079198846040518263ffffffff1660e01b8152600401610d1d9190613d33565b5f60405180830381865afa158015610d37573d5f5f3e3d5ffd5b505050506040513d5f823e601f3d908101601f19168201604052610d5e9190810190613dff565b91509150915091565b610d6f612ba7565b5f8181526006602052604090819020805460ff19169055517f54cd662e41eec7ddf0f32f034b2533e481b471dd3ea978222d609ec8fffb1bb090610db69083815260200190565b60405180910390a16040515f815281907f22cfb8b3fc209be958082ecee5badccf8f7ab55e79ec93f5ac413a164feb98ea9033905f5160206148145f395f51905f529060200161083f565b610e09612ba7565b6004610e158282613b78565b507f5b2b64f770ea5266055ebd3ebf205ef06cbfa738e62684edf0e28356e34acf0681604051610e4591906137ea565b60405180910390a180805190602001207f6061a738ec69c97ed6ae96633751763d1291f32a6ef6515845ad8ddefda35ec6336001600160a01b03165f5160206148145f395f51905f52600160405161083f911515815260200190565b610ea9612ba7565b600980546001600160a01b0319166001600160a01b0383169081179091556040519081527f08bb433f12b5fd81d2d5e0deeb3b4d28371781ddbd80e9d053e7468d2b1aa82d9060200160405180910390a1604051600181526001600160a01b038216907feec6b85dea30e3cb63f324855a4722f1bf23ddd4c142a551610e18744a1937349033905f5160206148145f395f51905f529060200161083f565b610f4f612ba7565b5f8181526006602052604090819020805460ff19166001179055517f68615a0b92795750b3d180ff73429e1291d225e449eee954a567b91104fd983790610f999083815260200190565b60405180910390a16040516001815281907f22cfb8b3fc209be958082ecee5badccf8f7ab55e79ec93f5ac413a164feb98ea9033905f5160206148145f395f51905f529060200161083f565b5f610fee612bd9565b805490915060ff600160401b82041615906001600160401b03165f811580156110145750825b90505f826001600160401b0316600114801561102f5750303b155b90508115801561103d575080155b1561105b5760405163f92ee8a960e01b815260040160405180910390fd5b845467ffffffffffffffff19166001178555831561108557845460ff60401b1916600160401b1785555b6001600160a01b0387166110d35760405162461bcd60e51b8152602060048201526015602482015274696e76616c6964206f776e6572206164647265737360581b6044820152606401610ac0565b6110dc87612c01565b6110e4612c12565b6110ec612c12565b600980546001600160a01b0319166001600160a01b0388169081179091551561114c576040516001600160a01b03871681527f08bb433f12b5fd81d2d5e0deeb3b4d28371781ddbd80e9d053e7468d2b1aa82d9060200160405180910390a15b831561119257845460ff60401b19168555604051600181527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50505050505050565b6111a3612ba7565b5f8181526007602052604090819020805460ff19166001179055517ff2b290637b1193e12eb38ab32b986303639b1687cc2cd1e25f993e6eae2f4041906111ed9083815260200190565b60405180910390a16040516001815281907f1a2d46e254225ae2e84638f6fcb742191317930982ce206e0917877506edc3a09033905f5160206148145f395f51905f529060200161083f565b611241612c1a565b61124a82612cbe565b6112548282612d13565b5050565b5f611261612dd4565b505f51602061485d5f395f51905f5290565b61127b612ba7565b6112845f612e1d565b565b61128e612ba7565b6003610b808282613b78565b33806112a4612616565b6001600160a01b0316146112d65760405163118cdaa760e01b81526001600160a01b0382166004820152602401610ac0565b6112df81612e1d565b50565b61130960405180606001604052805f61ffff16815260200160608152602001606081525090565b6001600160401b0382165f9081526010602090815260408083208151606081018352815461ffff1681526001820180548451818702810187019095528085529195929486810194939192919084015b828210156114a7578382905f5260205f2090600202016040518060400160405290815f8201805461138890613ad6565b80601f01602080910402602001604051908101604052809291908181526020018280546113b490613ad6565b80156113ff5780601f106113d6576101008083540402835291602001916113ff565b820191905f5260205f20905b8154815290600101906020018083116113e257829003601f168201915b5050505050815260200160018201805461141890613ad6565b80601f016020809104026020016040519081016040528092919081815260200182805461144490613ad6565b801561148f5780601f106114665761010080835404028352916020019161148f565b820191905f5260205f20905b81548152906001019060200180831161147257829003601f168201915b50505050508152505081526020019060010190611358565b50505050815260200160028201805480602002602001604051908101604052809291908181526020015f905b8282101561157b578382905f5260205f200180546114f090613ad6565b80601f016020809104026020016040519081016040528092919081815260200182805461151c90613ad6565b80156115675780601f1061153e57610100808354040283529160200191611567565b820191905f5260205f20905b81548152906001019060200180831161154a57829003601f168201915b5050505050815260200190600101906114d3565b505050915250909392505050565b611591612ba7565b805181905f9081906115a39082613b78565b50602082015160018201906115b89082613b78565b50604082015160028201906115cd9082613b78565b50606082015160038201906115e29082613b78565b505081516040517f77cdad119a452bbd96c45635758fc4af8a6bde3deaccf3fada634ddf9a162706925061161691906137ea565b60405180910390a1805180516020918201206040516001815290917fadc23d82fa8b20f02103a2405c452d2446e5a589f0182bd71f6d87e3357fbe659133915f5160206148145f395f51905f52910161083f565b5f61167986865f8787876117dd565b9695505050505050565b5f807f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c1993005b546001600160a01b031692915050565b6116bf612ba7565b5f8181526008602052604090819020805460ff19169055517f99b3cee95daf3138d0c982299cd0264f5b7a61aa629b42b92f3ec8966aa7f6fe906117069083815260200190565b60405180910390a16040515f815281907fbc0346dd2a1caffcfdf89515e8a3ad921515d32b39d8e28334b87bd5a1bdb6aa9033905f5160206148145f395f51905f529060200161083f565b6004805461175e90613ad6565b80601f016020809104026020016040519081016040528092919081815260200182805461178a90613ad6565b80156117d55780601f106117ac576101008083540402835291602001916117d5565b820191905f5260205f20905b8154815290600101906020018083116117b857829003601f168201915b505050505081565b6009545f906001600160a01b03166118375760405162461bcd60e51b815260206004820181905260248201527f44737461636b41707020696d706c656d656e746174696f6e206e6f74207365746044820152606401610ac0565b6040516001600160a01b038816602482015286151560448201528515156064820152841515608482015260a4810184905260c481018390525f9060e40160408051601f198184030181529181526020820180516001600160e01b0316639ed2819360e01b17905260095490519192506001600160a01b03169082906118bb9061316b565b6118c6929190613e87565b604051809103905ff0801580156118df573d5f5f3e3d5ffd5b5091506118eb82610a7d565b60405133906001600160a01b038416907ffd86d7f6962eba3b7a3bf9129c06c0b2f885e1c61ef2c9f0dbb856be0deefdee905f90a3509695505050505050565b611933612ba7565b5f8181526007602052604090819020805460ff19169055517f1a9888a45e3df8b7e6bb3090747d598d2a0d78e61388161a90799f54df8f44349061197a9083815260200190565b60405180910390a16040515f815281907f1a2d46e254225ae2e84638f6fcb742191317930982ce206e0917877506edc3a09033905f5160206148145f395f51905f529060200161083f565b6060600e805480602002602001604051908101604052809291908181526020015f905b82821015611c6b578382905f5260205f2090600602016040518060c00160405290815f82018054611a1890613ad6565b80601f0160208091040260200160405190810160405280929190818152602001828054611a4490613ad6565b8015611a8f5780601f10611a6657610100808354040283529160200191611a8f565b820191905f5260205f20905b815481529060010190602001808311611a7257829003601f168201915b5050505050815260200160018201548152602001600282018054611ab290613ad6565b80601f0160208091040260200160405190810160405280929190818152602001828054611ade90613ad6565b8015611b295780601f10611b0057610100808354040283529160200191611b29565b820191905f5260205f20905b815481529060010190602001808311611b0c57829003601f168201915b50505050508152602001600382018054611b4290613ad6565b80601f0160208091040260200160405190810160405280929190818152602001828054611b6e90613ad6565b8015611bb95780601f10611b9057610100808354040283529160200191611bb9565b820191905f5260205f20905b815481529060010190602001808311611b9c57829003601f168201915b50505050508152602001600482018054611bd290613ad6565b80601f0160208091040260200160405190810160405280929190818152602001828054611bfe90613ad6565b8015611c495780601f10611c2057610100808354040283529160200191611c49565b820191905f5260205f20905b815481529060010190602001808311611c2c57829003601f168201915b50505050508152602001600582015481525050815260200190600101906119e8565b50505050905090565b611c7c612ba7565b6001611c8e6060850160408601613eaa565b61ffff1610158015611cb3575080611cac6060850160408601613eaa565b61ffff1611155b611cf35760405162461bcd60e51b81526020600482015260116024820152701a5b9d985b1a59081d1a1c995cda1bdb19607a1b6044820152606401610ac0565b600a5464010000000090046001600160401b0316611d17604085016020860161356c565b6001600160401b031611611d6d5760405162461bcd60e51b815260206004820152601d60248201527f636f6d6d69747465652065706f6368206d75737420696e6372656173650000006044820152606401610ac0565b6001611d7c6020850185613ed6565b63ffffffff1610158015611dba5750611d9b604084016020850161356c565b6001600160401b0316611db16020850185613ed6565b63ffffffff1611155b611dfb5760405162461bcd60e51b81526020600482015260126024820152710d2dcecc2d8d2c840e4dedee840cae0dec6d60731b6044820152606401610ac0565b600a5463ffffffff16611e116020850185613ed6565b63ffffffff161015611e655760405162461bcd60e51b815260206004820152601c60248201527f726f6f742065706f6368206d757374206e6f74206465637265617365000000006044820152606401610ac0565b611e726060840184613ef1565b9050602114611ec35760405162461bcd60e51b815260206004820152601760248201527f696e76616c69642064657269766174696f6e20726f6f740000000000000000006044820152606401610ac0565b60a0830135611f075760405162461bcd60e51b815260206004820152601060248201526f1a5b9d985b1a5908195b9d881c9bdbdd60821b6044820152606401610ac0565b600f546001600160401b03161580611f415750600f546001600160401b0316611f36604085016020860161356c565b6001600160401b0316145b611fa15760405162461bcd60e51b815260206004820152602b60248201527f6e6f7420746865206c617465737420636f6d6d697474656520676f7665726e6160448201526a1b98d948191958da59195960aa1b6064820152608401610ac0565b5f601081611fb5604087016020880161356c565b6001600160401b0316815260208101919091526040015f2060018101549091501561213357805461ffff16611ff06060860160408701613eaa565b61ffff161480156120045750600181015482145b6120685760405162461bcd60e51b815260206004820152602f60248201527f6e6f742074686520636f6d6d697474656520676f7665726e616e63652073657460448201526e040ccdee440e8d0d2e640cae0dec6d608b1b6064820152608401610ac0565b5f5b82811015612131576120a98285858481811061208857612088613f33565b905060200281019061209a9190613f47565b6120a49080613ef1565b612e55565b6121295760405162461bcd60e51b8152602060048201526044602482018190527f61207368617265206f662061206e6f6465206e6f7420696e2074686520636f6d908201527f6d697474656520676f7665726e616e63652073657420666f72207468697320656064820152630e0dec6d60e31b608482015260a401610ac0565b60010161206a565b505b83600a6121408282614019565b5061214e9050600e5f613178565b5f5b828110156122ef573684848381811061216b5761216b613f33565b905060200281019061217d9190613f47565b90508115806121c05750602081013585856121996001866140c1565b8181106121a8576121a8613f33565b90506020028101906121ba9190613f47565b60200135105b61220c5760405162461bcd60e51b815260206004820152601760248201527f736861726520696473206d75737420696e6372656173650000000000000000006044820152606401610ac0565b6122196040820182613ef1565b9050602114801561223857506122326060820182613ef1565b90506021145b8015612252575061224c6080820182613ef1565b90506021145b8015612261575060a081013515155b6122a45760405162461bcd60e51b8152602060048201526014602482015273696e76616c6964207075626c696320736861726560601b6044820152606401610ac0565b600e80546001810182555f9190915281906006027fbb7b4a454dc3493923482f07822329ed19e8244eff582cc204f8554c3620c3fd016122e482826140e0565b505050600101612150565b50612300604085016020860161356c565b6001600160401b03166123166020860186613ed6565b63ffffffff167f385c170398944465267c1417626c977652cfa89ca4520d90cab017948f43d8b5866080013560405161235191815260200190565b60405180910390a3604051600181526080850135907f0d5d6e91d3d4a52a3f1c9d0e4438fe078304456c7b70cc23d015c13e3ccb19cf9033905f5160206148145f395f51905f529060200160405180910390a450505050565b600a8054600b805463ffffffff83169364010000000084046001600160401b031693600160601b900461ffff169290916123e390613ad6565b80601f016020809104026020016040519081016040528092919081815260200182805461240f90613ad6565b801561245a5780601f106124315761010080835404028352916020019161245a565b820191905f5260205f20905b81548152906001019060200180831161243d57829003601f168201915b5050505050908060020154908060030154905086565b6040805180820190915260088152675570546f4461746560c01b6020909101525f60607f8dd11fcce5839087111530125177803569655488ae47b1f980ef0b1a711bf07c6124c160e0850185613ef1565b6040516124cf92919061420c565b60405180910390201461251957505060408051808201909152601c81527f54434220737461747573206973206e6f7420757020746f20646174650000000060208201525f92909150565b60c08301355f9081526008602052604090205460ff1661256a57505060408051808201909152601781527613d4c81a5b5859d9481a5cc81b9bdd08185b1b1bddd959604a1b60208201525f92909150565b60808301355f9081526006602052604090205460ff166125c157505060408051808201909152601981527f41676772656761746564204d52206e6f7420616c6c6f7765640000000000000060208201525f92909150565b60608301355f9081526007602052604090205460ff166125fe575f6040518060600160405280602981526020016148346029913991509150915091565b505060408051602081019091525f8152600192909150565b5f807f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c006116a7565b612646612ba7565b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b0319166001600160a01b038316908117825561268a611683565b6001600160a01b03167f38d16b8cac22d99fc7c124b9cd0de2d3fa1faef420bfe791d8c362d765e2270060405160405180910390a35050565b6126cb612ba7565b600f546001600160401b039081169087161180156126ff5750600a546001600160401b036401000000009091048116908716115b61274b5760405162461bcd60e51b815260206004820152601d60248201527f636f6d6d69747465652065706f6368206d75737420696e6372656173650000006044820152606401610ac0565b6002831080159061275d575060408311155b6127a95760405162461bcd60e51b815260206004820152601f60248201527f6120636f6d6d697474656520686173203220746f203634206d656d62657273006044820152606401610ac0565b60028561ffff16101580156127c2575061ffff85168310155b6128025760405162461bcd60e51b81526020600482015260116024820152701a5b9d985b1a59081d1a1c995cda1bdb19607a1b6044820152606401610ac0565b60408111156128485760405162461bcd60e51b8152602060048201526012602482015271746f6f206d616e792066726f6d4e6f64657360701b6044820152606401610ac0565b6001600160401b0386165f908152601060205260408120805461ffff191661ffff8816178155905b84811015612a66575f86868381811061288b5761288b613f33565b905060200281019061289d919061421b565b6128a79080613ef1565b90501180156128e857505f8686838181106128c4576128c4613f33565b90506020028101906128d6919061421b565b6128e4906020810190613ef1565b9050115b6129345760405162461bcd60e51b815260206004820152601a60248201527f6d656d62657220776974686f7574206e616d65206f722075726c0000000000006044820152606401610ac0565b5f5b81811015612a125786868381811061295057612950613f33565b9050602002810190612962919061421b565b61296c9080613ef1565b60405161297a92919061420c565b604051809103902087878381811061299457612994613f33565b90506020028101906129a6919061421b565b6129b09080613ef1565b6040516129be92919061420c565b604051809103902003612a0a5760405162461bcd60e51b81526020600482015260146024820152737265706561746564206d656d626572206e616d6560601b6044820152606401610ac0565b600101612936565b5081600101868683818110612a2957612a29613f33565b9050602002810190612a3b919061421b565b81546001810183555f9283526020909220909160020201612a5c828261422f565b5050600101612870565b505f5b82811015612ac15781600201848483818110612a8757612a87613f33565b9050602002810190612a999190613ef1565b82546001810184555f938452602090932090920191612ab89183613f65565b50600101612a69565b50600f805467ffffffffffffffff19166001600160401b0389161790556040515f90612af99088908890889088908890602001614306565b60408051601f19818403018152828252805160209182012061ffff8b16845290830181905292506001600160401b038a16917fa80166220ff050b1f12ab147dfb6b905046f28c7a74c9ca291983505395ac9b2910160405180910390a26040516001815281907fbb393e026706e51ba881a588cc518415e7b8a18e8fe478281b6e5d6275c338049033905f5160206148145f395f51905f529060200160405180910390a45050505050505050565b33612bb0611683565b6001600160a01b0316146112845760405163118cdaa760e01b8152336004820152602401610ac0565b5f807ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a0061079f565b612c09612ede565b6112df81612f03565b611284612ede565b306001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161480612ca057507f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316612c945f51602061485d5f395f51905f52546001600160a01b031690565b6001600160a01b031614155b156112845760405163703e46dd60e11b815260040160405180910390fd5b612cc6612ba7565b604051600181526001600160a01b038216907fdd3079240d4e002c905dcbcaf6b06d77e782afb127bbb837120b8c7fc6703da39033905f5160206148145f395f51905f529060200161083f565b816001600160a01b03166352d1902d6040518163ffffffff1660e01b8152600401602060405180830381865afa925050508015612d6d575060408051601f3d908101601f19168201909252612d6a918101906143d5565b60015b612d9557604051634c9c8ce360e01b81526001600160a01b0383166004820152602401610ac0565b5f51602061485d5f395f51905f528114612dc557604051632a87526960e21b815260048101829052602401610ac0565b612dcf8383612f34565b505050565b306001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146112845760405163703e46dd60e11b815260040160405180910390fd5b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b031916815561125482612f89565b5f5f8383604051612e6792919061420c565b60405190819003902090505f5b6001860154811015612ed15781866001018281548110612e9657612e96613f33565b905f5260205f2090600202015f01604051612eb191906143ec565b604051809103902003612ec957600192505050612ed7565b600101612e74565b505f9150505b9392505050565b612ee6612ff9565b61128457604051631afcd79f60e31b815260040160405180910390fd5b612f0b612ede565b6001600160a01b0381166112d657604051631e4fbdf760e01b81525f6004820152602401610ac0565b612f3d82613012565b6040516001600160a01b038316907fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b905f90a2805115612f8157612dcf8282613075565b611254613115565b7f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c19930080546001600160a01b031981166001600160a01b03848116918217845560405192169182907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a3505050565b5f613002612bd9565b54600160401b900460ff16919050565b806001600160a01b03163b5f0361304757604051634c9c8ce360e01b81526001600160a01b0382166004820152602401610ac0565b5f51602061485d5f395f51905f5280546001600160a01b0319166001600160a01b0392909216919091179055565b60605f6130828484613134565b90508080156130a357505f3d11806130a357505f846001600160a01b03163b115b156130b8576130b0613147565b91505061079f565b80156130e257604051639996b31560e01b81526001600160a01b0385166004820152602401610ac0565b3d156130f5576130f0613160565b61310e565b60405163d6bda27560e01b815260040160405180910390fd5b5092915050565b34156112845760405163b398979f60e01b815260040160405180910390fd5b5f5f5f835160208501865af49392505050565b6040513d81523d5f602083013e3d602001810160405290565b6040513d5f823e3d81fd5b6103b68061445e83390190565b5080545f8255600602905f5260205f209061128491905f5b80821115612dcf578083015f6131a682826131e7565b600182015f9055600282015f6131bc91906131e7565b6131c9600383015f6131e7565b6131d6600483015f6131e7565b600582015f90555050600601613190565b5080546131f390613ad6565b5f825580601f10613202575050565b601f0160209004905f5260205f209061128491905f5b80821115612dcf575f81840155600101613218565b5f6020828403121561323d575f5ffd5b81356001600160e01b031981168114612ed7575f5ffd5b5f60208284031215613264575f5ffd5b5035919050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b608081525f6132ab608083018761326b565b82810360208401526132bd818761326b565b905082810360408401526132d1818661326b565b905082810360608401526132e5818561326b565b979650505050505050565b80356001600160a01b0381168114613306575f5ffd5b919050565b5f6020828403121561331b575f5ffd5b612ed7826132f0565b634e487b7160e01b5f52604160045260245ffd5b604051608081016001600160401b038111828210171561335a5761335a613324565b60405290565b604051601f8201601f191681016001600160401b038111828210171561338857613388613324565b604052919050565b5f6001600160401b038211156133a8576133a8613324565b50601f01601f191660200190565b5f6133c86133c384613390565b613360565b90508281528383830111156133db575f5ffd5b828260208301375f602084830101529392505050565b5f82601f830112613400575f5ffd5b612ed7838335602085016133b6565b5f6020828403121561341f575f5ffd5b81356001600160401b03811115613434575f5ffd5b613440848285016133f1565b949350505050565b5f60208284031215613458575f5ffd5b81356001600160401b0381111561346d575f5ffd5b82016101208185031215612ed7575f5ffd5b8215158152604060208201525f613440604083018461326b565b5f602082840312156134a9575f5ffd5b81356001600160401b038111156134be575f5ffd5b8201601f810184136134ce575f5ffd5b613440848235602084016133b6565b5f5f604083850312156134ee575f5ffd5b6134f7836132f0565b9150613505602084016132f0565b90509250929050565b5f5f6040838503121561351f575f5ffd5b613528836132f0565b915060208301356001600160401b03811115613542575f5ffd5b61354e858286016133f1565b9150509250929050565b6001600160401b03811681146112df575f5ffd5b5f6020828403121561357c575f5ffd5b8135612ed781613558565b5f82825180855260208501945060208160051b830101602085015f5b838110156135d557601f198584030188526135bf83835161326b565b60209889019890935091909101906001016135a3565b50909695505050505050565b602081525f6080820161ffff845116602084015260208401516060604085015281815180845260a08601915060a08160051b87010193506020830192505f5b8181101561367857609f198786030183528351805160408752613646604088018261326b565b9050602082015191508681036020880152613661818361326b565b965050506020938401939290920191600101613620565b505050506040840151838203601f190160608501526136978282613587565b95945050505050565b5f602082840312156136b0575f5ffd5b81356001600160401b038111156136c5575f5ffd5b8201608081850312156136d6575f5ffd5b6136de613338565b81356001600160401b038111156136f3575f5ffd5b6136ff868285016133f1565b82525060208201356001600160401b0381111561371a575f5ffd5b613726868285016133f1565b60208301525060408201356001600160401b03811115613744575f5ffd5b613750868285016133f1565b60408301525060608201356001600160401b0381111561376e575f5ffd5b61377a868285016133f1565b606083015250949350505050565b80151581146112df575f5ffd5b5f5f5f5f5f60a086880312156137a9575f5ffd5b6137b2866132f0565b945060208601356137c281613788565b935060408601356137d281613788565b94979396509394606081013594506080013592915050565b602081525f612ed7602083018461326b565b5f5f5f5f5f5f60c08789031215613811575f5ffd5b61381a876132f0565b9550602087013561382a81613788565b9450604087013561383a81613788565b9350606087013561384a81613788565b9598949750929560808101359460a0909101359350915050565b5f602082016020835280845180835260408501915060408160051b8601019250602086015f5b8281101561392b57603f198786030184528151805160c087526138b060c088018261326b565b905060208201516020880152604082015187820360408901526138d3828261326b565b915050606082015187820360608901526138ed828261326b565b91505060808201518782036080890152613907828261326b565b60a0938401519890930197909752509450602093840193919091019060010161388a565b50929695505050505050565b5f5f83601f840112613947575f5ffd5b5081356001600160401b0381111561395d575f5ffd5b6020830191508360208260051b8501011115613977575f5ffd5b9250929050565b5f5f5f60408486031215613990575f5ffd5b83356001600160401b038111156139a5575f5ffd5b840160c081870312156139b6575f5ffd5b925060208401356001600160401b038111156139d0575f5ffd5b6139dc86828701613937565b9497909650939450505050565b63ffffffff871681526001600160401b038616602082015261ffff8516604082015260c060608201525f613a2060c083018661326b565b60808301949094525060a00152949350505050565b61ffff811681146112df575f5ffd5b5f5f5f5f5f5f60808789031215613a59575f5ffd5b8635613a6481613558565b95506020870135613a7481613a35565b945060408701356001600160401b03811115613a8e575f5ffd5b613a9a89828a01613937565b90955093505060608701356001600160401b03811115613ab8575f5ffd5b613ac489828a01613937565b979a9699509497509295939492505050565b600181811c90821680613aea57607f821691505b602082108103613b0857634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115612dcf5782821115612dcf57805f5260205f20601f840160051c6020851015613b3957505f5b90810190601f840160051c035f5b81811015613b5c575f83820155600101613b47565b505050505050565b5f19600383901b1c191660019190911b1790565b81516001600160401b03811115613b9157613b91613324565b613ba581613b9f8454613ad6565b84613b0e565b6020601f821160018114613bd2575f8315613bc05750848201515b613bca8482613b64565b855550613c2a565b5f84815260208120601f198516915b82811015613c015787850151825560209485019460019092019101613be1565b5084821015613c1e57868401515f19600387901b60f8161c191681555b505060018360011b0184555b5050505050565b5f5f8335601e19843603018112613c46575f5ffd5b83016020810192503590506001600160401b03811115613c64575f5ffd5b803603821315613977575f5ffd5b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b5f5f8335601e19843603018112613caf575f5ffd5b83016020810192503590506001600160401b03811115613ccd575f5ffd5b8060051b3603821315613977575f5ffd5b5f8383855260208501945060208460051b820101835f5b868110156135d557838303601f19018852613d108287613c31565b613d1b858284613c72565b60209a8b019a90955093909301925050600101613cf5565b60208152613d5460208201613d47846132f0565b6001600160a01b03169052565b5f5f6020840135905080604084015250613d70604084016132f0565b6001600160a01b038116606084015250606083013560808381019190915283013560a08084019190915283013560c08084019190915283013560e080840191909152613dbe90840184613c31565b610120610100850152613dd661014085018284613c72565b915050613de7610100850185613c9a565b848303601f1901610120860152611679838284613cde565b5f5f60408385031215613e10575f5ffd5b8251613e1b81613788565b60208401519092506001600160401b03811115613e36575f5ffd5b8301601f81018513613e46575f5ffd5b8051613e546133c382613390565b818152866020838501011115613e68575f5ffd5b8160208401602083015e5f602083830101528093505050509250929050565b6001600160a01b03831681526040602082018190525f906134409083018461326b565b5f60208284031215613eba575f5ffd5b8135612ed781613a35565b63ffffffff811681146112df575f5ffd5b5f60208284031215613ee6575f5ffd5b8135612ed781613ec5565b5f5f8335601e19843603018112613f06575f5ffd5b8301803591506001600160401b03821115613f1f575f5ffd5b602001915036819003821315613977575f5ffd5b634e487b7160e01b5f52603260045260245ffd5b5f823560be19833603018112613f5b575f5ffd5b9190910192915050565b6001600160401b03831115613f7c57613f7c613324565b613f9083613f8a8354613ad6565b83613b0e565b5f601f841160018114613fbc575f8515613faa5750838201355b613fb48682613b64565b845550613c2a565b5f83815260208120601f198716915b82811015613feb5786850135825560209485019460019092019101613fcb565b5086821015614007575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b813561402481613ec5565b8154602084013561403481613558565b6bffffffffffffffff000000008160201b1663ffffffff84166bffffffffffffffffffffffff198416171784555050505f604083013561407381613a35565b825461ffff60601b1916606091821b61ffff60601b161783556140999150830183613ef1565b6140a7818360018601613f65565b50506080820135600282015560a090910135600390910155565b8181038181111561079f57634e487b7160e01b5f52601160045260245ffd5b6140ea8283613ef1565b6001600160401b0381111561410157614101613324565b6141158161410f8554613ad6565b85613b0e565b5f601f821160018114614141575f831561412f5750838201355b6141398482613b64565b865550614198565b5f85815260208120601f198516915b828110156141705786850135825560209485019460019092019101614150565b508482101561418c575f1960f88660031b161c19848701351681555b505060018360011b0185555b50505050602082013560018201556141b36040830183613ef1565b6141c1818360028601613f65565b50506141d06060830183613ef1565b6141de818360038601613f65565b50506141ed6080830183613ef1565b6141fb818360048601613f65565b505060a09190910135600590910155565b818382375f9101908152919050565b5f8235603e19833603018112613f5b575f5ffd5b6142398283613ef1565b6001600160401b0381111561425057614250613324565b61425e8161410f8554613ad6565b5f601f82116001811461428a575f83156142785750838201355b6142828482613b64565b8655506142e1565b5f85815260208120601f198516915b828110156142b95786850135825560209485019460019092019101614299565b50848210156142d5575f1960f88660031b161c19848701351681555b505060018360011b0185555b505050506142f26020830183613ef1565b614300818360018601613f65565b50505050565b61ffff8616815260606020820181905281018490525f6080600586901b830181019083018783603e1936839003015b898210156143b257868503607f190184528235818112614353575f5ffd5b8b0161435f8180613c31565b60408852614371604089018284613c72565b9150506143816020830183613c31565b92508782036020890152614396828483613c72565b9750505050602083019250602084019350600182019150614335565b5050505082810360408401526143c9818587613cde565b98975050505050505050565b5f602082840312156143e5575f5ffd5b5051919050565b5f5f83546143f981613ad6565b600182168015614410576001811461442557614452565b60ff1983168652811515820286019350614452565b865f5260205f205f5b8381101561444a5781548882015260019091019060200161442e565b505081860193505b50919594505050505056fe60806040526040516103b63803806103b683398101604081905261002291610238565b8051610041576040516330a289cf60e21b815260040160405180910390fd5b61004b8282610052565b5050610307565b61005b826100b0565b6040516001600160a01b038316907fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b905f90a28051156100a45761009f828261012b565b505050565b6100ac6101cc565b5050565b806001600160a01b03163b5f036100ea57604051634c9c8ce360e01b81526001600160a01b03821660048201526024015b60405180910390fd5b7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc80546001600160a01b0319166001600160a01b0392909216919091179055565b60605f61013884846101ed565b905080801561015957505f3d118061015957505f846001600160a01b03163b115b1561016e57610166610200565b9150506101c6565b801561019857604051639996b31560e01b81526001600160a01b03851660048201526024016100e1565b3d156101ab576101a6610219565b6101c4565b60405163d6bda27560e01b815260040160405180910390fd5b505b92915050565b34156101eb5760405163b398979f60e01b815260040160405180910390fd5b565b5f5f5f835160208501865af49392505050565b6040513d81523d5f602083013e3d602001810160405290565b6040513d5f823e3d81fd5b634e487b7160e01b5f52604160045260245ffd5b5f5f60408385031215610249575f5ffd5b82516001600160a01b038116811461025f575f5ffd5b60208401519092506001600160401b0381111561027a575f5ffd5b8301601f8101851361028a575f5ffd5b80516001600160401b038111156102a3576102a3610224565b604051601f8201601f19908116603f011681016001600160401b03811182821017156102d1576102d1610224565b6040528181528282016020018710156102e8575f5ffd5b8160208401602083015e5f602083830101528093505050509250929050565b60a3806103135f395ff3fe6080604052600a600c565b005b60186014601a565b6050565b565b5f604b7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc546001600160a01b031690565b905090565b365f5f375f5f365f845af43d5f5f3e8080156069573d5ff35b3d5ffdfea2646970667358221220bad72f1747bcce689cd4051753ea94cc89a814c8bc0eb5b8d72bf16495b0936d64736f6c63430008250033341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c323754b4d53206973206e6f7420616c6c6f77656420746f20626f6f74206f6e207468697320646576696365360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbca26469706673582212209af9f948cca0e37b62eb3f17fd311b9650ef2c71a38383db2a2551c38647b97a64736f6c63430008250033",
}

// DstackKms is an auto generated Go binding around an Ethereum contract.
type DstackKms struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *DstackKms) GetABI() abi.ABI {
	return c.abi
}

// NewDstackKms creates a new instance of DstackKms.
func NewDstackKms() *DstackKms {
	parsed, err := DstackKmsMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &DstackKms{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *DstackKms) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackUPGRADEINTERFACEVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad3cb1cc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (dstackKms *DstackKms) PackUPGRADEINTERFACEVERSION() []byte {
	enc, err := dstackKms.abi.Pack("UPGRADE_INTERFACE_VERSION")
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
func (dstackKms *DstackKms) TryPackUPGRADEINTERFACEVERSION() ([]byte, error) {
	return dstackKms.abi.Pack("UPGRADE_INTERFACE_VERSION")
}

// UnpackUPGRADEINTERFACEVERSION is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xad3cb1cc.
//
// Solidity: function UPGRADE_INTERFACE_VERSION() view returns(string)
func (dstackKms *DstackKms) UnpackUPGRADEINTERFACEVERSION(data []byte) (string, error) {
	out, err := dstackKms.abi.Unpack("UPGRADE_INTERFACE_VERSION", data)
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
func (dstackKms *DstackKms) PackAcceptOwnership() []byte {
	enc, err := dstackKms.abi.Pack("acceptOwnership")
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
func (dstackKms *DstackKms) TryPackAcceptOwnership() ([]byte, error) {
	return dstackKms.abi.Pack("acceptOwnership")
}

// PackAddKmsAggregatedMr is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3e32d346.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addKmsAggregatedMr(bytes32 mrAggregated) returns()
func (dstackKms *DstackKms) PackAddKmsAggregatedMr(mrAggregated [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("addKmsAggregatedMr", mrAggregated)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddKmsAggregatedMr is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3e32d346.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addKmsAggregatedMr(bytes32 mrAggregated) returns()
func (dstackKms *DstackKms) TryPackAddKmsAggregatedMr(mrAggregated [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("addKmsAggregatedMr", mrAggregated)
}

// PackAddKmsDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4d5922a1.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addKmsDevice(bytes32 deviceId) returns()
func (dstackKms *DstackKms) PackAddKmsDevice(deviceId [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("addKmsDevice", deviceId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddKmsDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4d5922a1.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addKmsDevice(bytes32 deviceId) returns()
func (dstackKms *DstackKms) TryPackAddKmsDevice(deviceId [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("addKmsDevice", deviceId)
}

// PackAddOsImageHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06a3ae96.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addOsImageHash(bytes32 osImageHash) returns()
func (dstackKms *DstackKms) PackAddOsImageHash(osImageHash [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("addOsImageHash", osImageHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddOsImageHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06a3ae96.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addOsImageHash(bytes32 osImageHash) returns()
func (dstackKms *DstackKms) TryPackAddOsImageHash(osImageHash [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("addOsImageHash", osImageHash)
}

// PackAllowedOsImages is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9a4e1d18.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowedOsImages(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) PackAllowedOsImages(arg0 [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("allowedOsImages", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAllowedOsImages is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9a4e1d18.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function allowedOsImages(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) TryPackAllowedOsImages(arg0 [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("allowedOsImages", arg0)
}

// UnpackAllowedOsImages is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x9a4e1d18.
//
// Solidity: function allowedOsImages(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) UnpackAllowedOsImages(data []byte) (bool, error) {
	out, err := dstackKms.abi.Unpack("allowedOsImages", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackAppImplementation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x25a992da.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function appImplementation() view returns(address)
func (dstackKms *DstackKms) PackAppImplementation() []byte {
	enc, err := dstackKms.abi.Pack("appImplementation")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAppImplementation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x25a992da.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function appImplementation() view returns(address)
func (dstackKms *DstackKms) TryPackAppImplementation() ([]byte, error) {
	return dstackKms.abi.Pack("appImplementation")
}

// UnpackAppImplementation is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x25a992da.
//
// Solidity: function appImplementation() view returns(address)
func (dstackKms *DstackKms) UnpackAppImplementation(data []byte) (common.Address, error) {
	out, err := dstackKms.abi.Unpack("appImplementation", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackDeployAndRegisterApp is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8618169d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function deployAndRegisterApp(address initialOwner, bool disableUpgrades, bool allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns(address appId)
func (dstackKms *DstackKms) PackDeployAndRegisterApp(initialOwner common.Address, disableUpgrades bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("deployAndRegisterApp", initialOwner, disableUpgrades, allowAnyDevice, initialDeviceId, initialComposeHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDeployAndRegisterApp is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8618169d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function deployAndRegisterApp(address initialOwner, bool disableUpgrades, bool allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns(address appId)
func (dstackKms *DstackKms) TryPackDeployAndRegisterApp(initialOwner common.Address, disableUpgrades bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("deployAndRegisterApp", initialOwner, disableUpgrades, allowAnyDevice, initialDeviceId, initialComposeHash)
}

// UnpackDeployAndRegisterApp is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8618169d.
//
// Solidity: function deployAndRegisterApp(address initialOwner, bool disableUpgrades, bool allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns(address appId)
func (dstackKms *DstackKms) UnpackDeployAndRegisterApp(data []byte) (common.Address, error) {
	out, err := dstackKms.abi.Unpack("deployAndRegisterApp", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackDeployAndRegisterApp0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9cb9c31f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function deployAndRegisterApp(address initialOwner, bool disableUpgrades, bool requireTcbUpToDate, bool allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns(address appId)
func (dstackKms *DstackKms) PackDeployAndRegisterApp0(initialOwner common.Address, disableUpgrades bool, requireTcbUpToDate bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("deployAndRegisterApp0", initialOwner, disableUpgrades, requireTcbUpToDate, allowAnyDevice, initialDeviceId, initialComposeHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDeployAndRegisterApp0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9cb9c31f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function deployAndRegisterApp(address initialOwner, bool disableUpgrades, bool requireTcbUpToDate, bool allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns(address appId)
func (dstackKms *DstackKms) TryPackDeployAndRegisterApp0(initialOwner common.Address, disableUpgrades bool, requireTcbUpToDate bool, allowAnyDevice bool, initialDeviceId [32]byte, initialComposeHash [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("deployAndRegisterApp0", initialOwner, disableUpgrades, requireTcbUpToDate, allowAnyDevice, initialDeviceId, initialComposeHash)
}

// UnpackDeployAndRegisterApp0 is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x9cb9c31f.
//
// Solidity: function deployAndRegisterApp(address initialOwner, bool disableUpgrades, bool requireTcbUpToDate, bool allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) returns(address appId)
func (dstackKms *DstackKms) UnpackDeployAndRegisterApp0(data []byte) (common.Address, error) {
	out, err := dstackKms.abi.Unpack("deployAndRegisterApp0", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackGatewayAppId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x95f51931.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function gatewayAppId() view returns(string)
func (dstackKms *DstackKms) PackGatewayAppId() []byte {
	enc, err := dstackKms.abi.Pack("gatewayAppId")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGatewayAppId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x95f51931.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function gatewayAppId() view returns(string)
func (dstackKms *DstackKms) TryPackGatewayAppId() ([]byte, error) {
	return dstackKms.abi.Pack("gatewayAppId")
}

// UnpackGatewayAppId is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x95f51931.
//
// Solidity: function gatewayAppId() view returns(string)
func (dstackKms *DstackKms) UnpackGatewayAppId(data []byte) (string, error) {
	out, err := dstackKms.abi.Unpack("gatewayAppId", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x485cc955.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function initialize(address initialOwner, address _appImplementation) returns()
func (dstackKms *DstackKms) PackInitialize(initialOwner common.Address, appImplementation common.Address) []byte {
	enc, err := dstackKms.abi.Pack("initialize", initialOwner, appImplementation)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x485cc955.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function initialize(address initialOwner, address _appImplementation) returns()
func (dstackKms *DstackKms) TryPackInitialize(initialOwner common.Address, appImplementation common.Address) ([]byte, error) {
	return dstackKms.abi.Pack("initialize", initialOwner, appImplementation)
}

// PackIsAppAllowed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1e079198.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool isAllowed, string reason)
func (dstackKms *DstackKms) PackIsAppAllowed(bootInfo IAppAuthAppBootInfo) []byte {
	enc, err := dstackKms.abi.Pack("isAppAllowed", bootInfo)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsAppAllowed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1e079198.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool isAllowed, string reason)
func (dstackKms *DstackKms) TryPackIsAppAllowed(bootInfo IAppAuthAppBootInfo) ([]byte, error) {
	return dstackKms.abi.Pack("isAppAllowed", bootInfo)
}

// IsAppAllowedOutput serves as a container for the return parameters of contract
// method IsAppAllowed.
type IsAppAllowedOutput struct {
	IsAllowed bool
	Reason    string
}

// UnpackIsAppAllowed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1e079198.
//
// Solidity: function isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool isAllowed, string reason)
func (dstackKms *DstackKms) UnpackIsAppAllowed(data []byte) (IsAppAllowedOutput, error) {
	out, err := dstackKms.abi.Unpack("isAppAllowed", data)
	outstruct := new(IsAppAllowedOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.IsAllowed = *abi.ConvertType(out[0], new(bool)).(*bool)
	outstruct.Reason = *abi.ConvertType(out[1], new(string)).(*string)
	return *outstruct, nil
}

// PackIsKmsAllowed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe067ec9d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isKmsAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool isAllowed, string reason)
func (dstackKms *DstackKms) PackIsKmsAllowed(bootInfo IAppAuthAppBootInfo) []byte {
	enc, err := dstackKms.abi.Pack("isKmsAllowed", bootInfo)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsKmsAllowed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe067ec9d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isKmsAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool isAllowed, string reason)
func (dstackKms *DstackKms) TryPackIsKmsAllowed(bootInfo IAppAuthAppBootInfo) ([]byte, error) {
	return dstackKms.abi.Pack("isKmsAllowed", bootInfo)
}

// IsKmsAllowedOutput serves as a container for the return parameters of contract
// method IsKmsAllowed.
type IsKmsAllowedOutput struct {
	IsAllowed bool
	Reason    string
}

// UnpackIsKmsAllowed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe067ec9d.
//
// Solidity: function isKmsAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]) bootInfo) view returns(bool isAllowed, string reason)
func (dstackKms *DstackKms) UnpackIsKmsAllowed(data []byte) (IsKmsAllowedOutput, error) {
	out, err := dstackKms.abi.Unpack("isKmsAllowed", data)
	outstruct := new(IsKmsAllowedOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.IsAllowed = *abi.ConvertType(out[0], new(bool)).(*bool)
	outstruct.Reason = *abi.ConvertType(out[1], new(string)).(*string)
	return *outstruct, nil
}

// PackKmsAllowedAggregatedMrs is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf6fe4f40.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function kmsAllowedAggregatedMrs(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) PackKmsAllowedAggregatedMrs(arg0 [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("kmsAllowedAggregatedMrs", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackKmsAllowedAggregatedMrs is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf6fe4f40.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function kmsAllowedAggregatedMrs(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) TryPackKmsAllowedAggregatedMrs(arg0 [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("kmsAllowedAggregatedMrs", arg0)
}

// UnpackKmsAllowedAggregatedMrs is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf6fe4f40.
//
// Solidity: function kmsAllowedAggregatedMrs(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) UnpackKmsAllowedAggregatedMrs(data []byte) (bool, error) {
	out, err := dstackKms.abi.Unpack("kmsAllowedAggregatedMrs", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackKmsAllowedDeviceIds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x13eb9770.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function kmsAllowedDeviceIds(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) PackKmsAllowedDeviceIds(arg0 [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("kmsAllowedDeviceIds", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackKmsAllowedDeviceIds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x13eb9770.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function kmsAllowedDeviceIds(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) TryPackKmsAllowedDeviceIds(arg0 [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("kmsAllowedDeviceIds", arg0)
}

// UnpackKmsAllowedDeviceIds is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x13eb9770.
//
// Solidity: function kmsAllowedDeviceIds(bytes32 ) view returns(bool)
func (dstackKms *DstackKms) UnpackKmsAllowedDeviceIds(data []byte) (bool, error) {
	out, err := dstackKms.abi.Unpack("kmsAllowedDeviceIds", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackKmsInfo is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x09177063.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function kmsInfo() view returns(bytes k256Pubkey, bytes caPubkey, bytes quote, bytes eventlog)
func (dstackKms *DstackKms) PackKmsInfo() []byte {
	enc, err := dstackKms.abi.Pack("kmsInfo")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackKmsInfo is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x09177063.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function kmsInfo() view returns(bytes k256Pubkey, bytes caPubkey, bytes quote, bytes eventlog)
func (dstackKms *DstackKms) TryPackKmsInfo() ([]byte, error) {
	return dstackKms.abi.Pack("kmsInfo")
}

// KmsInfoOutput serves as a container for the return parameters of contract
// method KmsInfo.
type KmsInfoOutput struct {
	K256Pubkey []byte
	CaPubkey   []byte
	Quote      []byte
	Eventlog   []byte
}

// UnpackKmsInfo is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x09177063.
//
// Solidity: function kmsInfo() view returns(bytes k256Pubkey, bytes caPubkey, bytes quote, bytes eventlog)
func (dstackKms *DstackKms) UnpackKmsInfo(data []byte) (KmsInfoOutput, error) {
	out, err := dstackKms.abi.Unpack("kmsInfo", data)
	outstruct := new(KmsInfoOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.K256Pubkey = *abi.ConvertType(out[0], new([]byte)).(*[]byte)
	outstruct.CaPubkey = *abi.ConvertType(out[1], new([]byte)).(*[]byte)
	outstruct.Quote = *abi.ConvertType(out[2], new([]byte)).(*[]byte)
	outstruct.Eventlog = *abi.ConvertType(out[3], new([]byte)).(*[]byte)
	return *outstruct, nil
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (dstackKms *DstackKms) PackOwner() []byte {
	enc, err := dstackKms.abi.Pack("owner")
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
func (dstackKms *DstackKms) TryPackOwner() ([]byte, error) {
	return dstackKms.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (dstackKms *DstackKms) UnpackOwner(data []byte) (common.Address, error) {
	out, err := dstackKms.abi.Unpack("owner", data)
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
func (dstackKms *DstackKms) PackPendingOwner() []byte {
	enc, err := dstackKms.abi.Pack("pendingOwner")
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
func (dstackKms *DstackKms) TryPackPendingOwner() ([]byte, error) {
	return dstackKms.abi.Pack("pendingOwner")
}

// UnpackPendingOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe30c3978.
//
// Solidity: function pendingOwner() view returns(address)
func (dstackKms *DstackKms) UnpackPendingOwner(data []byte) (common.Address, error) {
	out, err := dstackKms.abi.Unpack("pendingOwner", data)
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
func (dstackKms *DstackKms) PackProxiableUUID() []byte {
	enc, err := dstackKms.abi.Pack("proxiableUUID")
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
func (dstackKms *DstackKms) TryPackProxiableUUID() ([]byte, error) {
	return dstackKms.abi.Pack("proxiableUUID")
}

// UnpackProxiableUUID is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x52d1902d.
//
// Solidity: function proxiableUUID() view returns(bytes32)
func (dstackKms *DstackKms) UnpackProxiableUUID(data []byte) ([32]byte, error) {
	out, err := dstackKms.abi.Unpack("proxiableUUID", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackRegisterApp is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x17a1d80f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function registerApp(address appId) returns()
func (dstackKms *DstackKms) PackRegisterApp(appId common.Address) []byte {
	enc, err := dstackKms.abi.Pack("registerApp", appId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegisterApp is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x17a1d80f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function registerApp(address appId) returns()
func (dstackKms *DstackKms) TryPackRegisterApp(appId common.Address) ([]byte, error) {
	return dstackKms.abi.Pack("registerApp", appId)
}

// PackRegisteredApps is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa6c4cce9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function registeredApps(address ) view returns(bool)
func (dstackKms *DstackKms) PackRegisteredApps(arg0 common.Address) []byte {
	enc, err := dstackKms.abi.Pack("registeredApps", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegisteredApps is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa6c4cce9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function registeredApps(address ) view returns(bool)
func (dstackKms *DstackKms) TryPackRegisteredApps(arg0 common.Address) ([]byte, error) {
	return dstackKms.abi.Pack("registeredApps", arg0)
}

// UnpackRegisteredApps is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa6c4cce9.
//
// Solidity: function registeredApps(address ) view returns(bool)
func (dstackKms *DstackKms) UnpackRegisteredApps(data []byte) (bool, error) {
	out, err := dstackKms.abi.Unpack("registeredApps", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackRemoveKmsAggregatedMr is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2adee48d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function removeKmsAggregatedMr(bytes32 mrAggregated) returns()
func (dstackKms *DstackKms) PackRemoveKmsAggregatedMr(mrAggregated [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("removeKmsAggregatedMr", mrAggregated)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemoveKmsAggregatedMr is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2adee48d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function removeKmsAggregatedMr(bytes32 mrAggregated) returns()
func (dstackKms *DstackKms) TryPackRemoveKmsAggregatedMr(mrAggregated [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("removeKmsAggregatedMr", mrAggregated)
}

// PackRemoveKmsDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9e6f3114.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function removeKmsDevice(bytes32 deviceId) returns()
func (dstackKms *DstackKms) PackRemoveKmsDevice(deviceId [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("removeKmsDevice", deviceId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemoveKmsDevice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9e6f3114.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function removeKmsDevice(bytes32 deviceId) returns()
func (dstackKms *DstackKms) TryPackRemoveKmsDevice(deviceId [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("removeKmsDevice", deviceId)
}

// PackRemoveOsImageHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9425bac6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function removeOsImageHash(bytes32 osImageHash) returns()
func (dstackKms *DstackKms) PackRemoveOsImageHash(osImageHash [32]byte) []byte {
	enc, err := dstackKms.abi.Pack("removeOsImageHash", osImageHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemoveOsImageHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9425bac6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function removeOsImageHash(bytes32 osImageHash) returns()
func (dstackKms *DstackKms) TryPackRemoveOsImageHash(osImageHash [32]byte) ([]byte, error) {
	return dstackKms.abi.Pack("removeOsImageHash", osImageHash)
}

// PackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function renounceOwnership() returns()
func (dstackKms *DstackKms) PackRenounceOwnership() []byte {
	enc, err := dstackKms.abi.Pack("renounceOwnership")
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
func (dstackKms *DstackKms) TryPackRenounceOwnership() ([]byte, error) {
	return dstackKms.abi.Pack("renounceOwnership")
}

// PackSetAppImplementation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ceaaa11.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setAppImplementation(address implementation) returns()
func (dstackKms *DstackKms) PackSetAppImplementation(implementation common.Address) []byte {
	enc, err := dstackKms.abi.Pack("setAppImplementation", implementation)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetAppImplementation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ceaaa11.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setAppImplementation(address implementation) returns()
func (dstackKms *DstackKms) TryPackSetAppImplementation(implementation common.Address) ([]byte, error) {
	return dstackKms.abi.Pack("setAppImplementation", implementation)
}

// PackSetGatewayAppId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3971db27.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setGatewayAppId(string appId) returns()
func (dstackKms *DstackKms) PackSetGatewayAppId(appId string) []byte {
	enc, err := dstackKms.abi.Pack("setGatewayAppId", appId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetGatewayAppId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3971db27.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setGatewayAppId(string appId) returns()
func (dstackKms *DstackKms) TryPackSetGatewayAppId(appId string) ([]byte, error) {
	return dstackKms.abi.Pack("setGatewayAppId", appId)
}

// PackSetKmsEventlog is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x736ede7a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setKmsEventlog(bytes eventlog) returns()
func (dstackKms *DstackKms) PackSetKmsEventlog(eventlog []byte) []byte {
	enc, err := dstackKms.abi.Pack("setKmsEventlog", eventlog)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetKmsEventlog is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x736ede7a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setKmsEventlog(bytes eventlog) returns()
func (dstackKms *DstackKms) TryPackSetKmsEventlog(eventlog []byte) ([]byte, error) {
	return dstackKms.abi.Pack("setKmsEventlog", eventlog)
}

// PackSetKmsInfo is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7d025352.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setKmsInfo((bytes,bytes,bytes,bytes) info) returns()
func (dstackKms *DstackKms) PackSetKmsInfo(info DstackKmsKmsInfo) []byte {
	enc, err := dstackKms.abi.Pack("setKmsInfo", info)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetKmsInfo is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7d025352.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setKmsInfo((bytes,bytes,bytes,bytes) info) returns()
func (dstackKms *DstackKms) TryPackSetKmsInfo(info DstackKmsKmsInfo) ([]byte, error) {
	return dstackKms.abi.Pack("setKmsInfo", info)
}

// PackSetKmsQuote is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x18c1ecb2.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setKmsQuote(bytes quote) returns()
func (dstackKms *DstackKms) PackSetKmsQuote(quote []byte) []byte {
	enc, err := dstackKms.abi.Pack("setKmsQuote", quote)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetKmsQuote is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x18c1ecb2.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setKmsQuote(bytes quote) returns()
func (dstackKms *DstackKms) TryPackSetKmsQuote(quote []byte) ([]byte, error) {
	return dstackKms.abi.Pack("setKmsQuote", quote)
}

// PackSetThresholdCommittee is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf4e74b08.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setThresholdCommittee(uint64 epoch, uint16 threshold, (string,string)[] members, string[] fromNodes) returns()
func (dstackKms *DstackKms) PackSetThresholdCommittee(epoch uint64, threshold uint16, members []DstackKmsThresholdMember, fromNodes []string) []byte {
	enc, err := dstackKms.abi.Pack("setThresholdCommittee", epoch, threshold, members, fromNodes)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetThresholdCommittee is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf4e74b08.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setThresholdCommittee(uint64 epoch, uint16 threshold, (string,string)[] members, string[] fromNodes) returns()
func (dstackKms *DstackKms) TryPackSetThresholdCommittee(epoch uint64, threshold uint16, members []DstackKmsThresholdMember, fromNodes []string) ([]byte, error) {
	return dstackKms.abi.Pack("setThresholdCommittee", epoch, threshold, members, fromNodes)
}

// PackSetThresholdKeySet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcf2641f3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setThresholdKeySet((uint32,uint64,uint16,bytes,bytes32,bytes32) keySet, (string,bytes32,bytes,bytes,bytes,bytes32)[] shares) returns()
func (dstackKms *DstackKms) PackSetThresholdKeySet(keySet DstackKmsThresholdKeySet, shares []DstackKmsThresholdShare) []byte {
	enc, err := dstackKms.abi.Pack("setThresholdKeySet", keySet, shares)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetThresholdKeySet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcf2641f3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setThresholdKeySet((uint32,uint64,uint16,bytes,bytes32,bytes32) keySet, (string,bytes32,bytes,bytes,bytes,bytes32)[] shares) returns()
func (dstackKms *DstackKms) TryPackSetThresholdKeySet(keySet DstackKmsThresholdKeySet, shares []DstackKmsThresholdShare) ([]byte, error) {
	return dstackKms.abi.Pack("setThresholdKeySet", keySet, shares)
}

// PackSupportsInterface is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x01ffc9a7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (dstackKms *DstackKms) PackSupportsInterface(interfaceId [4]byte) []byte {
	enc, err := dstackKms.abi.Pack("supportsInterface", interfaceId)
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
func (dstackKms *DstackKms) TryPackSupportsInterface(interfaceId [4]byte) ([]byte, error) {
	return dstackKms.abi.Pack("supportsInterface", interfaceId)
}

// UnpackSupportsInterface is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x01ffc9a7.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (dstackKms *DstackKms) UnpackSupportsInterface(data []byte) (bool, error) {
	out, err := dstackKms.abi.Unpack("supportsInterface", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackThresholdCommittee is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7adb07a8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function thresholdCommittee(uint64 epoch) view returns((uint16,(string,string)[],string[]))
func (dstackKms *DstackKms) PackThresholdCommittee(epoch uint64) []byte {
	enc, err := dstackKms.abi.Pack("thresholdCommittee", epoch)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThresholdCommittee is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7adb07a8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function thresholdCommittee(uint64 epoch) view returns((uint16,(string,string)[],string[]))
func (dstackKms *DstackKms) TryPackThresholdCommittee(epoch uint64) ([]byte, error) {
	return dstackKms.abi.Pack("thresholdCommittee", epoch)
}

// UnpackThresholdCommittee is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7adb07a8.
//
// Solidity: function thresholdCommittee(uint64 epoch) view returns((uint16,(string,string)[],string[]))
func (dstackKms *DstackKms) UnpackThresholdCommittee(data []byte) (DstackKmsThresholdCommittee, error) {
	out, err := dstackKms.abi.Unpack("thresholdCommittee", data)
	if err != nil {
		return *new(DstackKmsThresholdCommittee), err
	}
	out0 := *abi.ConvertType(out[0], new(DstackKmsThresholdCommittee)).(*DstackKmsThresholdCommittee)
	return out0, nil
}

// PackThresholdCommitteeEpoch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x937825f1.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function thresholdCommitteeEpoch() view returns(uint64)
func (dstackKms *DstackKms) PackThresholdCommitteeEpoch() []byte {
	enc, err := dstackKms.abi.Pack("thresholdCommitteeEpoch")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThresholdCommitteeEpoch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x937825f1.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function thresholdCommitteeEpoch() view returns(uint64)
func (dstackKms *DstackKms) TryPackThresholdCommitteeEpoch() ([]byte, error) {
	return dstackKms.abi.Pack("thresholdCommitteeEpoch")
}

// UnpackThresholdCommitteeEpoch is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x937825f1.
//
// Solidity: function thresholdCommitteeEpoch() view returns(uint64)
func (dstackKms *DstackKms) UnpackThresholdCommitteeEpoch(data []byte) (uint64, error) {
	out, err := dstackKms.abi.Unpack("thresholdCommitteeEpoch", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackThresholdKeySet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe01e0121.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function thresholdKeySet() view returns(uint32 rootEpoch, uint64 epoch, uint16 threshold, bytes derivationRoot, bytes32 keySetId, bytes32 envRoot)
func (dstackKms *DstackKms) PackThresholdKeySet() []byte {
	enc, err := dstackKms.abi.Pack("thresholdKeySet")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThresholdKeySet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe01e0121.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function thresholdKeySet() view returns(uint32 rootEpoch, uint64 epoch, uint16 threshold, bytes derivationRoot, bytes32 keySetId, bytes32 envRoot)
func (dstackKms *DstackKms) TryPackThresholdKeySet() ([]byte, error) {
	return dstackKms.abi.Pack("thresholdKeySet")
}

// ThresholdKeySetOutput serves as a container for the return parameters of contract
// method ThresholdKeySet.
type ThresholdKeySetOutput struct {
	RootEpoch      uint32
	Epoch          uint64
	Threshold      uint16
	DerivationRoot []byte
	KeySetId       [32]byte
	EnvRoot        [32]byte
}

// UnpackThresholdKeySet is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe01e0121.
//
// Solidity: function thresholdKeySet() view returns(uint32 rootEpoch, uint64 epoch, uint16 threshold, bytes derivationRoot, bytes32 keySetId, bytes32 envRoot)
func (dstackKms *DstackKms) UnpackThresholdKeySet(data []byte) (ThresholdKeySetOutput, error) {
	out, err := dstackKms.abi.Unpack("thresholdKeySet", data)
	outstruct := new(ThresholdKeySetOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.RootEpoch = *abi.ConvertType(out[0], new(uint32)).(*uint32)
	outstruct.Epoch = *abi.ConvertType(out[1], new(uint64)).(*uint64)
	outstruct.Threshold = *abi.ConvertType(out[2], new(uint16)).(*uint16)
	outstruct.DerivationRoot = *abi.ConvertType(out[3], new([]byte)).(*[]byte)
	outstruct.KeySetId = *abi.ConvertType(out[4], new([32]byte)).(*[32]byte)
	outstruct.EnvRoot = *abi.ConvertType(out[5], new([32]byte)).(*[32]byte)
	return *outstruct, nil
}

// PackThresholdShares is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9f0c109b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function thresholdShares() view returns((string,bytes32,bytes,bytes,bytes,bytes32)[])
func (dstackKms *DstackKms) PackThresholdShares() []byte {
	enc, err := dstackKms.abi.Pack("thresholdShares")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThresholdShares is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9f0c109b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function thresholdShares() view returns((string,bytes32,bytes,bytes,bytes,bytes32)[])
func (dstackKms *DstackKms) TryPackThresholdShares() ([]byte, error) {
	return dstackKms.abi.Pack("thresholdShares")
}

// UnpackThresholdShares is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x9f0c109b.
//
// Solidity: function thresholdShares() view returns((string,bytes32,bytes,bytes,bytes,bytes32)[])
func (dstackKms *DstackKms) UnpackThresholdShares(data []byte) ([]DstackKmsThresholdShare, error) {
	out, err := dstackKms.abi.Unpack("thresholdShares", data)
	if err != nil {
		return *new([]DstackKmsThresholdShare), err
	}
	out0 := *abi.ConvertType(out[0], new([]DstackKmsThresholdShare)).(*[]DstackKmsThresholdShare)
	return out0, nil
}

// PackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (dstackKms *DstackKms) PackTransferOwnership(newOwner common.Address) []byte {
	enc, err := dstackKms.abi.Pack("transferOwnership", newOwner)
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
func (dstackKms *DstackKms) TryPackTransferOwnership(newOwner common.Address) ([]byte, error) {
	return dstackKms.abi.Pack("transferOwnership", newOwner)
}

// PackUpgradeToAndCall is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4f1ef286.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function upgradeToAndCall(address newImplementation, bytes data) payable returns()
func (dstackKms *DstackKms) PackUpgradeToAndCall(newImplementation common.Address, data []byte) []byte {
	enc, err := dstackKms.abi.Pack("upgradeToAndCall", newImplementation, data)
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
func (dstackKms *DstackKms) TryPackUpgradeToAndCall(newImplementation common.Address, data []byte) ([]byte, error) {
	return dstackKms.abi.Pack("upgradeToAndCall", newImplementation, data)
}

// DstackKmsAppDeployedViaFactory represents a AppDeployedViaFactory event raised by the DstackKms contract.
type DstackKmsAppDeployedViaFactory struct {
	AppId    common.Address
	Deployer common.Address
	Raw      *types.Log // Blockchain specific contextual infos
}

const DstackKmsAppDeployedViaFactoryEventName = "AppDeployedViaFactory"

// ContractEventName returns the user-defined event name.
func (DstackKmsAppDeployedViaFactory) ContractEventName() string {
	return DstackKmsAppDeployedViaFactoryEventName
}

// UnpackAppDeployedViaFactoryEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event AppDeployedViaFactory(address indexed appId, address indexed deployer)
func (dstackKms *DstackKms) UnpackAppDeployedViaFactoryEvent(log *types.Log) (*DstackKmsAppDeployedViaFactory, error) {
	event := "AppDeployedViaFactory"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsAppDeployedViaFactory)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsAppImplementationSet represents a AppImplementationSet event raised by the DstackKms contract.
type DstackKmsAppImplementationSet struct {
	Implementation common.Address
	Raw            *types.Log // Blockchain specific contextual infos
}

const DstackKmsAppImplementationSetEventName = "AppImplementationSet"

// ContractEventName returns the user-defined event name.
func (DstackKmsAppImplementationSet) ContractEventName() string {
	return DstackKmsAppImplementationSetEventName
}

// UnpackAppImplementationSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event AppImplementationSet(address implementation)
func (dstackKms *DstackKms) UnpackAppImplementationSetEvent(log *types.Log) (*DstackKmsAppImplementationSet, error) {
	event := "AppImplementationSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsAppImplementationSet)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsAppRegistered represents a AppRegistered event raised by the DstackKms contract.
type DstackKmsAppRegistered struct {
	AppId common.Address
	Raw   *types.Log // Blockchain specific contextual infos
}

const DstackKmsAppRegisteredEventName = "AppRegistered"

// ContractEventName returns the user-defined event name.
func (DstackKmsAppRegistered) ContractEventName() string {
	return DstackKmsAppRegisteredEventName
}

// UnpackAppRegisteredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event AppRegistered(address appId)
func (dstackKms *DstackKms) UnpackAppRegisteredEvent(log *types.Log) (*DstackKmsAppRegistered, error) {
	event := "AppRegistered"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsAppRegistered)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsGatewayAppIdSet represents a GatewayAppIdSet event raised by the DstackKms contract.
type DstackKmsGatewayAppIdSet struct {
	GatewayAppId string
	Raw          *types.Log // Blockchain specific contextual infos
}

const DstackKmsGatewayAppIdSetEventName = "GatewayAppIdSet"

// ContractEventName returns the user-defined event name.
func (DstackKmsGatewayAppIdSet) ContractEventName() string {
	return DstackKmsGatewayAppIdSetEventName
}

// UnpackGatewayAppIdSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event GatewayAppIdSet(string gatewayAppId)
func (dstackKms *DstackKms) UnpackGatewayAppIdSetEvent(log *types.Log) (*DstackKmsGatewayAppIdSet, error) {
	event := "GatewayAppIdSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsGatewayAppIdSet)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsInitialized represents a Initialized event raised by the DstackKms contract.
type DstackKmsInitialized struct {
	Version uint64
	Raw     *types.Log // Blockchain specific contextual infos
}

const DstackKmsInitializedEventName = "Initialized"

// ContractEventName returns the user-defined event name.
func (DstackKmsInitialized) ContractEventName() string {
	return DstackKmsInitializedEventName
}

// UnpackInitializedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Initialized(uint64 version)
func (dstackKms *DstackKms) UnpackInitializedEvent(log *types.Log) (*DstackKmsInitialized, error) {
	event := "Initialized"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsInitialized)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsKmsAggregatedMrAdded represents a KmsAggregatedMrAdded event raised by the DstackKms contract.
type DstackKmsKmsAggregatedMrAdded struct {
	MrAggregated [32]byte
	Raw          *types.Log // Blockchain specific contextual infos
}

const DstackKmsKmsAggregatedMrAddedEventName = "KmsAggregatedMrAdded"

// ContractEventName returns the user-defined event name.
func (DstackKmsKmsAggregatedMrAdded) ContractEventName() string {
	return DstackKmsKmsAggregatedMrAddedEventName
}

// UnpackKmsAggregatedMrAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event KmsAggregatedMrAdded(bytes32 mrAggregated)
func (dstackKms *DstackKms) UnpackKmsAggregatedMrAddedEvent(log *types.Log) (*DstackKmsKmsAggregatedMrAdded, error) {
	event := "KmsAggregatedMrAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsKmsAggregatedMrAdded)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsKmsAggregatedMrRemoved represents a KmsAggregatedMrRemoved event raised by the DstackKms contract.
type DstackKmsKmsAggregatedMrRemoved struct {
	MrAggregated [32]byte
	Raw          *types.Log // Blockchain specific contextual infos
}

const DstackKmsKmsAggregatedMrRemovedEventName = "KmsAggregatedMrRemoved"

// ContractEventName returns the user-defined event name.
func (DstackKmsKmsAggregatedMrRemoved) ContractEventName() string {
	return DstackKmsKmsAggregatedMrRemovedEventName
}

// UnpackKmsAggregatedMrRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event KmsAggregatedMrRemoved(bytes32 mrAggregated)
func (dstackKms *DstackKms) UnpackKmsAggregatedMrRemovedEvent(log *types.Log) (*DstackKmsKmsAggregatedMrRemoved, error) {
	event := "KmsAggregatedMrRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsKmsAggregatedMrRemoved)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsKmsDeviceAdded represents a KmsDeviceAdded event raised by the DstackKms contract.
type DstackKmsKmsDeviceAdded struct {
	DeviceId [32]byte
	Raw      *types.Log // Blockchain specific contextual infos
}

const DstackKmsKmsDeviceAddedEventName = "KmsDeviceAdded"

// ContractEventName returns the user-defined event name.
func (DstackKmsKmsDeviceAdded) ContractEventName() string {
	return DstackKmsKmsDeviceAddedEventName
}

// UnpackKmsDeviceAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event KmsDeviceAdded(bytes32 deviceId)
func (dstackKms *DstackKms) UnpackKmsDeviceAddedEvent(log *types.Log) (*DstackKmsKmsDeviceAdded, error) {
	event := "KmsDeviceAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsKmsDeviceAdded)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsKmsDeviceRemoved represents a KmsDeviceRemoved event raised by the DstackKms contract.
type DstackKmsKmsDeviceRemoved struct {
	DeviceId [32]byte
	Raw      *types.Log // Blockchain specific contextual infos
}

const DstackKmsKmsDeviceRemovedEventName = "KmsDeviceRemoved"

// ContractEventName returns the user-defined event name.
func (DstackKmsKmsDeviceRemoved) ContractEventName() string {
	return DstackKmsKmsDeviceRemovedEventName
}

// UnpackKmsDeviceRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event KmsDeviceRemoved(bytes32 deviceId)
func (dstackKms *DstackKms) UnpackKmsDeviceRemovedEvent(log *types.Log) (*DstackKmsKmsDeviceRemoved, error) {
	event := "KmsDeviceRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsKmsDeviceRemoved)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsKmsInfoSet represents a KmsInfoSet event raised by the DstackKms contract.
type DstackKmsKmsInfoSet struct {
	K256Pubkey []byte
	Raw        *types.Log // Blockchain specific contextual infos
}

const DstackKmsKmsInfoSetEventName = "KmsInfoSet"

// ContractEventName returns the user-defined event name.
func (DstackKmsKmsInfoSet) ContractEventName() string {
	return DstackKmsKmsInfoSetEventName
}

// UnpackKmsInfoSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event KmsInfoSet(bytes k256Pubkey)
func (dstackKms *DstackKms) UnpackKmsInfoSetEvent(log *types.Log) (*DstackKmsKmsInfoSet, error) {
	event := "KmsInfoSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsKmsInfoSet)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsOsImageHashAdded represents a OsImageHashAdded event raised by the DstackKms contract.
type DstackKmsOsImageHashAdded struct {
	OsImageHash [32]byte
	Raw         *types.Log // Blockchain specific contextual infos
}

const DstackKmsOsImageHashAddedEventName = "OsImageHashAdded"

// ContractEventName returns the user-defined event name.
func (DstackKmsOsImageHashAdded) ContractEventName() string {
	return DstackKmsOsImageHashAddedEventName
}

// UnpackOsImageHashAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OsImageHashAdded(bytes32 osImageHash)
func (dstackKms *DstackKms) UnpackOsImageHashAddedEvent(log *types.Log) (*DstackKmsOsImageHashAdded, error) {
	event := "OsImageHashAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsOsImageHashAdded)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsOsImageHashRemoved represents a OsImageHashRemoved event raised by the DstackKms contract.
type DstackKmsOsImageHashRemoved struct {
	OsImageHash [32]byte
	Raw         *types.Log // Blockchain specific contextual infos
}

const DstackKmsOsImageHashRemovedEventName = "OsImageHashRemoved"

// ContractEventName returns the user-defined event name.
func (DstackKmsOsImageHashRemoved) ContractEventName() string {
	return DstackKmsOsImageHashRemovedEventName
}

// UnpackOsImageHashRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OsImageHashRemoved(bytes32 osImageHash)
func (dstackKms *DstackKms) UnpackOsImageHashRemovedEvent(log *types.Log) (*DstackKmsOsImageHashRemoved, error) {
	event := "OsImageHashRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsOsImageHashRemoved)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsOwnershipTransferStarted represents a OwnershipTransferStarted event raised by the DstackKms contract.
type DstackKmsOwnershipTransferStarted struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const DstackKmsOwnershipTransferStartedEventName = "OwnershipTransferStarted"

// ContractEventName returns the user-defined event name.
func (DstackKmsOwnershipTransferStarted) ContractEventName() string {
	return DstackKmsOwnershipTransferStartedEventName
}

// UnpackOwnershipTransferStartedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner)
func (dstackKms *DstackKms) UnpackOwnershipTransferStartedEvent(log *types.Log) (*DstackKmsOwnershipTransferStarted, error) {
	event := "OwnershipTransferStarted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsOwnershipTransferStarted)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsOwnershipTransferred represents a OwnershipTransferred event raised by the DstackKms contract.
type DstackKmsOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const DstackKmsOwnershipTransferredEventName = "OwnershipTransferred"

// ContractEventName returns the user-defined event name.
func (DstackKmsOwnershipTransferred) ContractEventName() string {
	return DstackKmsOwnershipTransferredEventName
}

// UnpackOwnershipTransferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (dstackKms *DstackKms) UnpackOwnershipTransferredEvent(log *types.Log) (*DstackKmsOwnershipTransferred, error) {
	event := "OwnershipTransferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsOwnershipTransferred)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsPolicyChanged represents a PolicyChanged event raised by the DstackKms contract.
type DstackKmsPolicyChanged struct {
	Actor   common.Address
	Policy  [32]byte
	Value   [32]byte
	Enabled bool
	Raw     *types.Log // Blockchain specific contextual infos
}

const DstackKmsPolicyChangedEventName = "PolicyChanged"

// ContractEventName returns the user-defined event name.
func (DstackKmsPolicyChanged) ContractEventName() string {
	return DstackKmsPolicyChangedEventName
}

// UnpackPolicyChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled)
func (dstackKms *DstackKms) UnpackPolicyChangedEvent(log *types.Log) (*DstackKmsPolicyChanged, error) {
	event := "PolicyChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsPolicyChanged)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsThresholdCommitteeSet represents a ThresholdCommitteeSet event raised by the DstackKms contract.
type DstackKmsThresholdCommitteeSet struct {
	Epoch         uint64
	Threshold     uint16
	CommitteeHash [32]byte
	Raw           *types.Log // Blockchain specific contextual infos
}

const DstackKmsThresholdCommitteeSetEventName = "ThresholdCommitteeSet"

// ContractEventName returns the user-defined event name.
func (DstackKmsThresholdCommitteeSet) ContractEventName() string {
	return DstackKmsThresholdCommitteeSetEventName
}

// UnpackThresholdCommitteeSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ThresholdCommitteeSet(uint64 indexed epoch, uint16 threshold, bytes32 committeeHash)
func (dstackKms *DstackKms) UnpackThresholdCommitteeSetEvent(log *types.Log) (*DstackKmsThresholdCommitteeSet, error) {
	event := "ThresholdCommitteeSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsThresholdCommitteeSet)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsThresholdKeySetSet represents a ThresholdKeySetSet event raised by the DstackKms contract.
type DstackKmsThresholdKeySetSet struct {
	RootEpoch uint32
	Epoch     uint64
	KeySetId  [32]byte
	Raw       *types.Log // Blockchain specific contextual infos
}

const DstackKmsThresholdKeySetSetEventName = "ThresholdKeySetSet"

// ContractEventName returns the user-defined event name.
func (DstackKmsThresholdKeySetSet) ContractEventName() string {
	return DstackKmsThresholdKeySetSetEventName
}

// UnpackThresholdKeySetSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ThresholdKeySetSet(uint32 indexed rootEpoch, uint64 indexed epoch, bytes32 keySetId)
func (dstackKms *DstackKms) UnpackThresholdKeySetSetEvent(log *types.Log) (*DstackKmsThresholdKeySetSet, error) {
	event := "ThresholdKeySetSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsThresholdKeySetSet)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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

// DstackKmsUpgraded represents a Upgraded event raised by the DstackKms contract.
type DstackKmsUpgraded struct {
	Implementation common.Address
	Raw            *types.Log // Blockchain specific contextual infos
}

const DstackKmsUpgradedEventName = "Upgraded"

// ContractEventName returns the user-defined event name.
func (DstackKmsUpgraded) ContractEventName() string {
	return DstackKmsUpgradedEventName
}

// UnpackUpgradedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Upgraded(address indexed implementation)
func (dstackKms *DstackKms) UnpackUpgradedEvent(log *types.Log) (*DstackKmsUpgraded, error) {
	event := "Upgraded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsUpgraded)
	if len(log.Data) > 0 {
		if err := dstackKms.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackKms.abi.Events[event].Inputs {
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
func (dstackKms *DstackKms) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["AddressEmptyCode"].ID.Bytes()[:4]) {
		return dstackKms.UnpackAddressEmptyCodeError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["ERC1967InvalidImplementation"].ID.Bytes()[:4]) {
		return dstackKms.UnpackERC1967InvalidImplementationError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["ERC1967NonPayable"].ID.Bytes()[:4]) {
		return dstackKms.UnpackERC1967NonPayableError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["FailedCall"].ID.Bytes()[:4]) {
		return dstackKms.UnpackFailedCallError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["InvalidInitialization"].ID.Bytes()[:4]) {
		return dstackKms.UnpackInvalidInitializationError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["NotInitializing"].ID.Bytes()[:4]) {
		return dstackKms.UnpackNotInitializingError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["OwnableInvalidOwner"].ID.Bytes()[:4]) {
		return dstackKms.UnpackOwnableInvalidOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["OwnableUnauthorizedAccount"].ID.Bytes()[:4]) {
		return dstackKms.UnpackOwnableUnauthorizedAccountError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["UUPSUnauthorizedCallContext"].ID.Bytes()[:4]) {
		return dstackKms.UnpackUUPSUnauthorizedCallContextError(raw[4:])
	}
	if bytes.Equal(raw[:4], dstackKms.abi.Errors["UUPSUnsupportedProxiableUUID"].ID.Bytes()[:4]) {
		return dstackKms.UnpackUUPSUnsupportedProxiableUUIDError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// DstackKmsAddressEmptyCode represents a AddressEmptyCode error raised by the DstackKms contract.
type DstackKmsAddressEmptyCode struct {
	Target common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AddressEmptyCode(address target)
func DstackKmsAddressEmptyCodeErrorID() common.Hash {
	return common.HexToHash("0x9996b315c842ff135b8fc4a08ad5df1c344efbc03d2687aecc0678050d2aac89")
}

// UnpackAddressEmptyCodeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AddressEmptyCode(address target)
func (dstackKms *DstackKms) UnpackAddressEmptyCodeError(raw []byte) (*DstackKmsAddressEmptyCode, error) {
	out := new(DstackKmsAddressEmptyCode)
	if err := dstackKms.abi.UnpackIntoInterface(out, "AddressEmptyCode", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsERC1967InvalidImplementation represents a ERC1967InvalidImplementation error raised by the DstackKms contract.
type DstackKmsERC1967InvalidImplementation struct {
	Implementation common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC1967InvalidImplementation(address implementation)
func DstackKmsERC1967InvalidImplementationErrorID() common.Hash {
	return common.HexToHash("0x4c9c8ce3ceb3130f17f7cdba48d89b5b0129f266a8bac114e6e315a41879b617")
}

// UnpackERC1967InvalidImplementationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC1967InvalidImplementation(address implementation)
func (dstackKms *DstackKms) UnpackERC1967InvalidImplementationError(raw []byte) (*DstackKmsERC1967InvalidImplementation, error) {
	out := new(DstackKmsERC1967InvalidImplementation)
	if err := dstackKms.abi.UnpackIntoInterface(out, "ERC1967InvalidImplementation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsERC1967NonPayable represents a ERC1967NonPayable error raised by the DstackKms contract.
type DstackKmsERC1967NonPayable struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ERC1967NonPayable()
func DstackKmsERC1967NonPayableErrorID() common.Hash {
	return common.HexToHash("0xb398979fa84f543c8e222f17890372c487baf85e062276c127fef521eea7224b")
}

// UnpackERC1967NonPayableError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ERC1967NonPayable()
func (dstackKms *DstackKms) UnpackERC1967NonPayableError(raw []byte) (*DstackKmsERC1967NonPayable, error) {
	out := new(DstackKmsERC1967NonPayable)
	if err := dstackKms.abi.UnpackIntoInterface(out, "ERC1967NonPayable", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsFailedCall represents a FailedCall error raised by the DstackKms contract.
type DstackKmsFailedCall struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error FailedCall()
func DstackKmsFailedCallErrorID() common.Hash {
	return common.HexToHash("0xd6bda27508c0fb6d8a39b4b122878dab26f731a7d4e4abe711dd3731899052a4")
}

// UnpackFailedCallError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error FailedCall()
func (dstackKms *DstackKms) UnpackFailedCallError(raw []byte) (*DstackKmsFailedCall, error) {
	out := new(DstackKmsFailedCall)
	if err := dstackKms.abi.UnpackIntoInterface(out, "FailedCall", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsInvalidInitialization represents a InvalidInitialization error raised by the DstackKms contract.
type DstackKmsInvalidInitialization struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidInitialization()
func DstackKmsInvalidInitializationErrorID() common.Hash {
	return common.HexToHash("0xf92ee8a957075833165f68c320933b1a1294aafc84ee6e0dd3fb178008f9aaf5")
}

// UnpackInvalidInitializationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidInitialization()
func (dstackKms *DstackKms) UnpackInvalidInitializationError(raw []byte) (*DstackKmsInvalidInitialization, error) {
	out := new(DstackKmsInvalidInitialization)
	if err := dstackKms.abi.UnpackIntoInterface(out, "InvalidInitialization", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsNotInitializing represents a NotInitializing error raised by the DstackKms contract.
type DstackKmsNotInitializing struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotInitializing()
func DstackKmsNotInitializingErrorID() common.Hash {
	return common.HexToHash("0xd7e6bcf8597daa127dc9f0048d2f08d5ef140a2cb659feabd700beff1f7a8302")
}

// UnpackNotInitializingError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotInitializing()
func (dstackKms *DstackKms) UnpackNotInitializingError(raw []byte) (*DstackKmsNotInitializing, error) {
	out := new(DstackKmsNotInitializing)
	if err := dstackKms.abi.UnpackIntoInterface(out, "NotInitializing", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsOwnableInvalidOwner represents a OwnableInvalidOwner error raised by the DstackKms contract.
type DstackKmsOwnableInvalidOwner struct {
	Owner common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableInvalidOwner(address owner)
func DstackKmsOwnableInvalidOwnerErrorID() common.Hash {
	return common.HexToHash("0x1e4fbdf7f3ef8bcaa855599e3abf48b232380f183f08f6f813d9ffa5bd585188")
}

// UnpackOwnableInvalidOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableInvalidOwner(address owner)
func (dstackKms *DstackKms) UnpackOwnableInvalidOwnerError(raw []byte) (*DstackKmsOwnableInvalidOwner, error) {
	out := new(DstackKmsOwnableInvalidOwner)
	if err := dstackKms.abi.UnpackIntoInterface(out, "OwnableInvalidOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsOwnableUnauthorizedAccount represents a OwnableUnauthorizedAccount error raised by the DstackKms contract.
type DstackKmsOwnableUnauthorizedAccount struct {
	Account common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func DstackKmsOwnableUnauthorizedAccountErrorID() common.Hash {
	return common.HexToHash("0x118cdaa7a341953d1887a2245fd6665d741c67c8c50581daa59e1d03373fa188")
}

// UnpackOwnableUnauthorizedAccountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func (dstackKms *DstackKms) UnpackOwnableUnauthorizedAccountError(raw []byte) (*DstackKmsOwnableUnauthorizedAccount, error) {
	out := new(DstackKmsOwnableUnauthorizedAccount)
	if err := dstackKms.abi.UnpackIntoInterface(out, "OwnableUnauthorizedAccount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsUUPSUnauthorizedCallContext represents a UUPSUnauthorizedCallContext error raised by the DstackKms contract.
type DstackKmsUUPSUnauthorizedCallContext struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UUPSUnauthorizedCallContext()
func DstackKmsUUPSUnauthorizedCallContextErrorID() common.Hash {
	return common.HexToHash("0xe07c8dba242a06571ac65fe4bbe20522c9fb111cb33599b799ff8039c1ed18f4")
}

// UnpackUUPSUnauthorizedCallContextError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UUPSUnauthorizedCallContext()
func (dstackKms *DstackKms) UnpackUUPSUnauthorizedCallContextError(raw []byte) (*DstackKmsUUPSUnauthorizedCallContext, error) {
	out := new(DstackKmsUUPSUnauthorizedCallContext)
	if err := dstackKms.abi.UnpackIntoInterface(out, "UUPSUnauthorizedCallContext", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DstackKmsUUPSUnsupportedProxiableUUID represents a UUPSUnsupportedProxiableUUID error raised by the DstackKms contract.
type DstackKmsUUPSUnsupportedProxiableUUID struct {
	Slot [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UUPSUnsupportedProxiableUUID(bytes32 slot)
func DstackKmsUUPSUnsupportedProxiableUUIDErrorID() common.Hash {
	return common.HexToHash("0xaa1d49a4c084bfa9aeeee2a0be65267a7f19ba7e1476b114dac513d2c14cb563")
}

// UnpackUUPSUnsupportedProxiableUUIDError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UUPSUnsupportedProxiableUUID(bytes32 slot)
func (dstackKms *DstackKms) UnpackUUPSUnsupportedProxiableUUIDError(raw []byte) (*DstackKmsUUPSUnsupportedProxiableUUID, error) {
	out := new(DstackKmsUUPSUnsupportedProxiableUUID)
	if err := dstackKms.abi.UnpackIntoInterface(out, "UUPSUnsupportedProxiableUUID", raw); err != nil {
		return nil, err
	}
	return out, nil
}
