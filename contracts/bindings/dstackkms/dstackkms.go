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

// DstackKmsThresholdRootKeys is an auto generated low-level Go binding around an user-defined struct.
type DstackKmsThresholdRootKeys struct {
	CaPubkey   []byte
	K256Pubkey []byte
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
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"target\",\"type\":\"address\"}],\"name\":\"AddressEmptyCode\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"ERC1967InvalidImplementation\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ERC1967NonPayable\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"FailedCall\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidInitialization\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotInitializing\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnableInvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"OwnableUnauthorizedAccount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"UUPSUnauthorizedCallContext\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"slot\",\"type\":\"bytes32\"}],\"name\":\"UUPSUnsupportedProxiableUUID\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"deployer\",\"type\":\"address\"}],\"name\":\"AppDeployedViaFactory\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"AppImplementationSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"name\":\"AppRegistered\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"gatewayAppId\",\"type\":\"string\"}],\"name\":\"GatewayAppIdSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"version\",\"type\":\"uint64\"}],\"name\":\"Initialized\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"KmsAggregatedMrAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"KmsAggregatedMrRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"KmsDeviceAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"KmsDeviceRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"}],\"name\":\"KmsInfoSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"OsImageHashAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"OsImageHashRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferStarted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"actor\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"policy\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"value\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"enabled\",\"type\":\"bool\"}],\"name\":\"PolicyChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"committeeHash\",\"type\":\"bytes32\"}],\"name\":\"ThresholdCommitteeSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint32\",\"name\":\"previousRootEpoch\",\"type\":\"uint32\"}],\"name\":\"ThresholdHandoverEnded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint32\",\"name\":\"previousRootEpoch\",\"type\":\"uint32\"},{\"indexed\":true,\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"end\",\"type\":\"uint64\"}],\"name\":\"ThresholdHandoverStarted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"keySetId\",\"type\":\"bytes32\"}],\"name\":\"ThresholdKeySetSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"handoverSeconds\",\"type\":\"uint64\"}],\"name\":\"ThresholdRootRotationSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"Upgraded\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"UPGRADE_INTERFACE_VERSION\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"acceptOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"addKmsAggregatedMr\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"addKmsDevice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"addOsImageHash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"allowedOsImages\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"appImplementation\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"disableUpgrades\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"allowAnyDevice\",\"type\":\"bool\"},{\"internalType\":\"bytes32\",\"name\":\"initialDeviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"initialComposeHash\",\"type\":\"bytes32\"}],\"name\":\"deployAndRegisterApp\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"disableUpgrades\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"requireTcbUpToDate\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"allowAnyDevice\",\"type\":\"bool\"},{\"internalType\":\"bytes32\",\"name\":\"initialDeviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"initialComposeHash\",\"type\":\"bytes32\"}],\"name\":\"deployAndRegisterApp\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"endThresholdHandover\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"gatewayAppId\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"initialOwner\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"_appImplementation\",\"type\":\"address\"}],\"name\":\"initialize\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"instanceId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrSystem\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"tcbStatus\",\"type\":\"string\"},{\"internalType\":\"string[]\",\"name\":\"advisoryIds\",\"type\":\"string[]\"}],\"internalType\":\"structIAppAuth.AppBootInfo\",\"name\":\"bootInfo\",\"type\":\"tuple\"}],\"name\":\"isAppAllowed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"isAllowed\",\"type\":\"bool\"},{\"internalType\":\"string\",\"name\":\"reason\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"instanceId\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"mrSystem\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"tcbStatus\",\"type\":\"string\"},{\"internalType\":\"string[]\",\"name\":\"advisoryIds\",\"type\":\"string[]\"}],\"internalType\":\"structIAppAuth.AppBootInfo\",\"name\":\"bootInfo\",\"type\":\"tuple\"}],\"name\":\"isKmsAllowed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"isAllowed\",\"type\":\"bool\"},{\"internalType\":\"string\",\"name\":\"reason\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"kmsAllowedAggregatedMrs\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"kmsAllowedDeviceIds\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"kmsInfo\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"caPubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"quote\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"eventlog\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"pendingOwner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"previousThresholdKeySet\",\"outputs\":[{\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"internalType\":\"bytes\",\"name\":\"derivationRoot\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"keySetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"envRoot\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"previousThresholdRootKeys\",\"outputs\":[{\"components\":[{\"internalType\":\"bytes\",\"name\":\"caPubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"}],\"internalType\":\"structDstackKms.ThresholdRootKeys\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"previousThresholdShares\",\"outputs\":[{\"components\":[{\"internalType\":\"string\",\"name\":\"node\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"derivation\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"ca\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"k256\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"env\",\"type\":\"bytes32\"}],\"internalType\":\"structDstackKms.ThresholdShare[]\",\"name\":\"\",\"type\":\"tuple[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"proxiableUUID\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"appId\",\"type\":\"address\"}],\"name\":\"registerApp\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"registeredApps\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"mrAggregated\",\"type\":\"bytes32\"}],\"name\":\"removeKmsAggregatedMr\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"deviceId\",\"type\":\"bytes32\"}],\"name\":\"removeKmsDevice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"osImageHash\",\"type\":\"bytes32\"}],\"name\":\"removeOsImageHash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"implementation\",\"type\":\"address\"}],\"name\":\"setAppImplementation\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"appId\",\"type\":\"string\"}],\"name\":\"setGatewayAppId\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes\",\"name\":\"eventlog\",\"type\":\"bytes\"}],\"name\":\"setKmsEventlog\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"caPubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"quote\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"eventlog\",\"type\":\"bytes\"}],\"internalType\":\"structDstackKms.KmsInfo\",\"name\":\"info\",\"type\":\"tuple\"}],\"name\":\"setKmsInfo\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes\",\"name\":\"quote\",\"type\":\"bytes\"}],\"name\":\"setKmsQuote\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"url\",\"type\":\"string\"}],\"internalType\":\"structDstackKms.ThresholdMember[]\",\"name\":\"members\",\"type\":\"tuple[]\"},{\"internalType\":\"string[]\",\"name\":\"fromNodes\",\"type\":\"string[]\"}],\"name\":\"setThresholdCommittee\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"internalType\":\"bytes\",\"name\":\"derivationRoot\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"keySetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"envRoot\",\"type\":\"bytes32\"}],\"internalType\":\"structDstackKms.ThresholdKeySet\",\"name\":\"keySet\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"node\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"derivation\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"ca\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"k256\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"env\",\"type\":\"bytes32\"}],\"internalType\":\"structDstackKms.ThresholdShare[]\",\"name\":\"shares\",\"type\":\"tuple[]\"}],\"name\":\"setThresholdKeySet\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"url\",\"type\":\"string\"}],\"internalType\":\"structDstackKms.ThresholdMember[]\",\"name\":\"members\",\"type\":\"tuple[]\"},{\"internalType\":\"uint64\",\"name\":\"handoverSeconds\",\"type\":\"uint64\"}],\"name\":\"setThresholdRootRotation\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes4\",\"name\":\"interfaceId\",\"type\":\"bytes4\"}],\"name\":\"supportsInterface\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"}],\"name\":\"thresholdCommittee\",\"outputs\":[{\"components\":[{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"url\",\"type\":\"string\"}],\"internalType\":\"structDstackKms.ThresholdMember[]\",\"name\":\"members\",\"type\":\"tuple[]\"},{\"internalType\":\"string[]\",\"name\":\"fromNodes\",\"type\":\"string[]\"}],\"internalType\":\"structDstackKms.ThresholdCommittee\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdCommitteeEpoch\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdHandoverEnd\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdKeySet\",\"outputs\":[{\"internalType\":\"uint32\",\"name\":\"rootEpoch\",\"type\":\"uint32\"},{\"internalType\":\"uint64\",\"name\":\"epoch\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"threshold\",\"type\":\"uint16\"},{\"internalType\":\"bytes\",\"name\":\"derivationRoot\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"keySetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"envRoot\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdRootKeys\",\"outputs\":[{\"components\":[{\"internalType\":\"bytes\",\"name\":\"caPubkey\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"k256Pubkey\",\"type\":\"bytes\"}],\"internalType\":\"structDstackKms.ThresholdRootKeys\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"name\":\"thresholdRootRotation\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"thresholdShares\",\"outputs\":[{\"components\":[{\"internalType\":\"string\",\"name\":\"node\",\"type\":\"string\"},{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"derivation\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"ca\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"k256\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"env\",\"type\":\"bytes32\"}],\"internalType\":\"structDstackKms.ThresholdShare[]\",\"name\":\"\",\"type\":\"tuple[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newImplementation\",\"type\":\"address\"},{\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"}],\"name\":\"upgradeToAndCall\",\"outputs\":[],\"stateMutability\":\"payable\",\"type\":\"function\"}]",
	ID:  "DstackKms",
	Bin: "0x60a060405230608052348015610013575f5ffd5b5061001c610021565b6100d3565b7ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00805468010000000000000000900460ff16156100715760405163f92ee8a960e01b815260040160405180910390fd5b80546001600160401b03908116146100d05780546001600160401b0319166001600160401b0390811782556040519081527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50565b608051615ac86100f95f395f81816139b3015281816139dc0152613b6d0152615ac85ff3fe60806040526004361061027f575f3560e01c80637d02535211610155578063a6c4cce9116100be578063e01e012111610078578063e01e0121146107f6578063e067ec9d1461080a578063e30c397814610829578063f2fde38b1461083d578063f4e74b081461085c578063f6fe4f401461087b575f5ffd5b8063a6c4cce914610732578063ad3cb1cc14610760578063b4ddb62c14610790578063bae90c91146107a4578063c088f5fe146107b8578063cf2641f3146107d7575f5ffd5b806395f519311161010f57806395f519311461066b5780639a4e1d181461068c5780639cb9c31f146106ba5780639e6f3114146106d95780639ee5ef5a146106f85780639f0c109b1461071e575f5ffd5b80637d025352146105ba578063816f8112146105d95780638618169d146105fa5780638da5cb5b14610619578063937825f11461062d5780639425bac61461064c575f5ffd5b80633971db27116101f75780634f1ef286116101b15780634f1ef2861461051257806352d1902d14610525578063715018a614610547578063736ede7a1461055b57806379ba50971461057a5780637adb07a81461058e575f5ffd5b80633971db271461042b5780633bfc2e6c1461044a5780633ceaaa11146104965780633e32d346146104b5578063485cc955146104d45780634d5922a1146104f3575f5ffd5b806313eb97701161024857806313eb97701461033c57806317a1d80f1461036a57806318c1ecb2146103895780631e079198146103a857806325a992da146103d55780632adee48d1461040c575f5ffd5b8062b1d8fa1461028357806301ffc9a7146102a457806306a3ae96146102d857806309177063146102f757806311ac17321461031b575b5f5ffd5b34801561028e575f5ffd5b506102a261029d3660046142f1565b6108a9565b005b3480156102af575f5ffd5b506102c36102be366004614368565b610b5e565b60405190151581526020015b60405180910390f35b3480156102e3575f5ffd5b506102a26102f236600461438f565b610b94565b348015610302575f5ffd5b5061030b610c39565b6040516102cf94939291906143d4565b348015610326575f5ffd5b5061032f610e6c565b6040516102cf919061442b565b348015610347575f5ffd5b506102c361035636600461438f565b60076020525f908152604090205460ff1681565b348015610375575f5ffd5b506102a2610384366004614487565b610fb1565b348015610394575f5ffd5b506102a26103a3366004614586565b61109b565b3480156103b3575f5ffd5b506103c76103c23660046145bf565b611104565b6040516102cf9291906145f6565b3480156103e0575f5ffd5b506009546103f4906001600160a01b031681565b6040516001600160a01b0390911681526020016102cf565b348015610417575f5ffd5b506102a261042636600461438f565b611296565b348015610436575f5ffd5b506102a2610445366004614586565b611330565b348015610455575f5ffd5b5061047e610464366004614610565b60116020525f90815260409020546001600160401b031681565b6040516001600160401b0390911681526020016102cf565b3480156104a1575f5ffd5b506102a26104b0366004614487565b6113d0565b3480156104c0575f5ffd5b506102a26104cf36600461438f565b611476565b3480156104df575f5ffd5b506102a26104ee36600461462b565b611514565b3480156104fe575f5ffd5b506102a261050d36600461438f565b6116ca565b6102a261052036600461465c565b611768565b348015610530575f5ffd5b50610539611787565b6040519081526020016102cf565b348015610552575f5ffd5b506102a26117a2565b348015610566575f5ffd5b506102a2610575366004614586565b6117b5565b348015610585575f5ffd5b506102a26117c9565b348015610599575f5ffd5b506105ad6105a8366004614610565b611811565b6040516102cf9190614700565b3480156105c5575f5ffd5b506102a26105d43660046147b6565b611ab8565b3480156105e4575f5ffd5b506105ed611b99565b6040516102cf919061489e565b348015610605575f5ffd5b506103f461061436600461497e565b611e48565b348015610624575f5ffd5b506103f4611e61565b348015610638575f5ffd5b50600f5461047e906001600160401b031681565b348015610657575f5ffd5b506102a261066636600461438f565b611e95565b348015610676575f5ffd5b5061067f611f2f565b6040516102cf91906149d3565b348015610697575f5ffd5b506102c36106a636600461438f565b60086020525f908152604090205460ff1681565b3480156106c5575f5ffd5b506103f46106d43660046149e5565b611fbb565b3480156106e4575f5ffd5b506102a26106f336600461438f565b612109565b348015610703575f5ffd5b5061070c6121a3565b6040516102cf96959493929190614a4d565b348015610729575f5ffd5b506105ed612268565b34801561073d575f5ffd5b506102c361074c366004614487565b60056020525f908152604090205460ff1681565b34801561076b575f5ffd5b5061067f604051806040016040528060058152602001640352e302e360dc1b81525081565b34801561079b575f5ffd5b506102a261250e565b3480156107af575f5ffd5b5061032f612681565b3480156107c3575f5ffd5b50601b5461047e906001600160401b031681565b3480156107e2575f5ffd5b506102a26107f1366004614a99565b6126b1565b348015610801575f5ffd5b5061070c613181565b348015610815575f5ffd5b506103c76108243660046145bf565b6131b9565b348015610834575f5ffd5b506103f461335f565b348015610848575f5ffd5b506102a2610857366004614487565b613387565b348015610867575f5ffd5b506102a2610876366004614b04565b61340c565b348015610886575f5ffd5b506102c361089536600461438f565b60066020525f908152604090205460ff1681565b6108b1613432565b600a54600160201b90046001600160401b03165f0361092c5760405162461bcd60e51b815260206004820152602c60248201527f6e6f207468726573686f6c64206b657920736574206f6e20636861696e20746f60448201526b20726f746174652066726f6d60a01b60648201526084015b60405180910390fd5b63ffffffff6001600160401b03861611156109a85760405162461bcd60e51b815260206004820152603660248201527f6120726f6f7420726f746174696f6e27732065706f6368206d75737420666974604482015275206120726f6f742065706f6368202875696e7433322960501b6064820152608401610923565b6001816001600160401b0316101580156109cf57506301e133806001600160401b03821611155b610a295760405162461bcd60e51b815260206004820152602560248201527f68616e646f766572206d7573742062652031207365636f6e6420746f20333635604482015264206461797360d81b6064820152608401610923565b610a31613464565b15610ab35760405162461bcd60e51b815260206004820152604660248201527f61207468726573686f6c642068616e646f76657220697320756e64657220776160448201527f793a20656e642069742066697273742028656e645468726573686f6c6448616e606482015265646f7665722960d01b608482015260a401610923565b610af4858585855f604051908082528060200260200182016040528015610aee57816020015b6060815260200190600190039081610ad95790505b50613496565b6001600160401b038581165f81815260116020908152604091829020805467ffffffffffffffff19169486169485179055905192835290917fe248ca75de232bfebfe9467ef569b3ff4bccaf7046a69df92b92ef768ea05708910160405180910390a25050505050565b5f6001600160e01b031982166303c0f23360e31b1480610b8e57506301ffc9a760e01b6001600160e01b03198316145b92915050565b610b9c613432565b5f8181526008602052604090819020805460ff19166001179055517f4911843506849c85a5ca6e6e2c01eed2d3ab86baba619517a2aad9d5ab2aeff290610be69083815260200190565b60405180910390a16040516001815281907fbc0346dd2a1caffcfdf89515e8a3ad921515d32b39d8e28334b87bd5a1bdb6aa9033905f516020615a2a5f395f51905f52906020015b60405180910390a450565b5f80548190610c4790614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054610c7390614b96565b8015610cbe5780601f10610c9557610100808354040283529160200191610cbe565b820191905f5260205f20905b815481529060010190602001808311610ca157829003601f168201915b505050505090806001018054610cd390614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054610cff90614b96565b8015610d4a5780601f10610d2157610100808354040283529160200191610d4a565b820191905f5260205f20905b815481529060010190602001808311610d2d57829003601f168201915b505050505090806002018054610d5f90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054610d8b90614b96565b8015610dd65780601f10610dad57610100808354040283529160200191610dd6565b820191905f5260205f20905b815481529060010190602001808311610db957829003601f168201915b505050505090806003018054610deb90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054610e1790614b96565b8015610e625780601f10610e3957610100808354040283529160200191610e62565b820191905f5260205f20905b815481529060010190602001808311610e4557829003601f168201915b5050505050905084565b604080518082019091526060808252602082015260196040518060400160405290815f82018054610e9c90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054610ec890614b96565b8015610f135780601f10610eea57610100808354040283529160200191610f13565b820191905f5260205f20905b815481529060010190602001808311610ef657829003601f168201915b50505050508152602001600182018054610f2c90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054610f5890614b96565b8015610fa35780601f10610f7a57610100808354040283529160200191610fa3565b820191905f5260205f20905b815481529060010190602001808311610f8657829003601f168201915b505050505081525050905090565b6001600160a01b038116610ff85760405162461bcd60e51b815260206004820152600e60248201526d125b9d985b1a5908185c1c08125160921b6044820152606401610923565b6001600160a01b0381165f81815260056020908152604091829020805460ff1916600117905590519182527f0d540ad8f39e07d19909687352b9fa017405d93c91a6760981fbae9cf28bfef7910160405180910390a1604051600181526001600160a01b038216907f1a61f88f2e67632c1bf4321c88aec40bbf788e2b1a14b69f1186e6a3a31d90289033905f516020615a2a5f395f51905f5290602001610c2e565b6110a3613432565b60026110af8282614c30565b5080805190602001207fadc23d82fa8b20f02103a2405c452d2446e5a589f0182bd71f6d87e3357fbe65336001600160a01b03165f516020615a2a5f395f51905f526001604051610c2e911515815260200190565b5f60606005826111176020860186614487565b6001600160a01b0316815260208101919091526040015f205460ff16611169575050604080518082019091526012815271105c1c081b9bdd081c9959da5cdd195c995960721b60208201525f92909150565b60c08301355f9081526008602052604090205460ff166111ba57505060408051808201909152601781527613d4c81a5b5859d9481a5cc81b9bdd08185b1b1bddd959604a1b60208201525f92909150565b6111c76020840184614487565b6001600160a01b03163b5f0361121457505060408051808201909152601881527f41707020636f6e747261637420686173206e6f20636f6465000000000000000060208201525f92909150565b6112216020840184614487565b6001600160a01b0316631e079198846040518263ffffffff1660e01b815260040161124c9190614deb565b5f60405180830381865afa158015611266573d5f5f3e3d5ffd5b505050506040513d5f823e601f3d908101601f1916820160405261128d9190810190614eb7565b91509150915091565b61129e613432565b5f8181526006602052604090819020805460ff19169055517f54cd662e41eec7ddf0f32f034b2533e481b471dd3ea978222d609ec8fffb1bb0906112e59083815260200190565b60405180910390a16040515f815281907f22cfb8b3fc209be958082ecee5badccf8f7ab55e79ec93f5ac413a164feb98ea9033905f516020615a2a5f395f51905f5290602001610c2e565b611338613432565b60046113448282614c30565b507f5b2b64f770ea5266055ebd3ebf205ef06cbfa738e62684edf0e28356e34acf068160405161137491906149d3565b60405180910390a180805190602001207f6061a738ec69c97ed6ae96633751763d1291f32a6ef6515845ad8ddefda35ec6336001600160a01b03165f516020615a2a5f395f51905f526001604051610c2e911515815260200190565b6113d8613432565b600980546001600160a01b0319166001600160a01b0383169081179091556040519081527f08bb433f12b5fd81d2d5e0deeb3b4d28371781ddbd80e9d053e7468d2b1aa82d9060200160405180910390a1604051600181526001600160a01b038216907feec6b85dea30e3cb63f324855a4722f1bf23ddd4c142a551610e18744a1937349033905f516020615a2a5f395f51905f5290602001610c2e565b61147e613432565b5f8181526006602052604090819020805460ff19166001179055517f68615a0b92795750b3d180ff73429e1291d225e449eee954a567b91104fd9837906114c89083815260200190565b60405180910390a16040516001815281907f22cfb8b3fc209be958082ecee5badccf8f7ab55e79ec93f5ac413a164feb98ea9033905f516020615a2a5f395f51905f5290602001610c2e565b5f61151d613967565b805490915060ff600160401b82041615906001600160401b03165f811580156115435750825b90505f826001600160401b0316600114801561155e5750303b155b90508115801561156c575080155b1561158a5760405163f92ee8a960e01b815260040160405180910390fd5b845467ffffffffffffffff1916600117855583156115b457845460ff60401b1916600160401b1785555b6001600160a01b0387166116025760405162461bcd60e51b8152602060048201526015602482015274696e76616c6964206f776e6572206164647265737360581b6044820152606401610923565b61160b8761398f565b6116136139a0565b61161b6139a0565b600980546001600160a01b0319166001600160a01b0388169081179091551561167b576040516001600160a01b03871681527f08bb433f12b5fd81d2d5e0deeb3b4d28371781ddbd80e9d053e7468d2b1aa82d9060200160405180910390a15b83156116c157845460ff60401b19168555604051600181527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50505050505050565b6116d2613432565b5f8181526007602052604090819020805460ff19166001179055517ff2b290637b1193e12eb38ab32b986303639b1687cc2cd1e25f993e6eae2f40419061171c9083815260200190565b60405180910390a16040516001815281907f1a2d46e254225ae2e84638f6fcb742191317930982ce206e0917877506edc3a09033905f516020615a2a5f395f51905f5290602001610c2e565b6117706139a8565b61177982613a4c565b6117838282613aa1565b5050565b5f611790613b62565b505f516020615a735f395f51905f5290565b6117aa613432565b6117b35f613bab565b565b6117bd613432565b60036110af8282614c30565b33806117d361335f565b6001600160a01b0316146118055760405163118cdaa760e01b81526001600160a01b0382166004820152602401610923565b61180e81613bab565b50565b61183860405180606001604052805f61ffff16815260200160608152602001606081525090565b6001600160401b0382165f9081526010602090815260408083208151606081018352815461ffff1681526001820180548451818702810187019095528085529195929486810194939192919084015b828210156119d6578382905f5260205f2090600202016040518060400160405290815f820180546118b790614b96565b80601f01602080910402602001604051908101604052809291908181526020018280546118e390614b96565b801561192e5780601f106119055761010080835404028352916020019161192e565b820191905f5260205f20905b81548152906001019060200180831161191157829003601f168201915b5050505050815260200160018201805461194790614b96565b80601f016020809104026020016040519081016040528092919081815260200182805461197390614b96565b80156119be5780601f10611995576101008083540402835291602001916119be565b820191905f5260205f20905b8154815290600101906020018083116119a157829003601f168201915b50505050508152505081526020019060010190611887565b50505050815260200160028201805480602002602001604051908101604052809291908181526020015f905b82821015611aaa578382905f5260205f20018054611a1f90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054611a4b90614b96565b8015611a965780601f10611a6d57610100808354040283529160200191611a96565b820191905f5260205f20905b815481529060010190602001808311611a7957829003601f168201915b505050505081526020019060010190611a02565b505050915250909392505050565b611ac0613432565b805181905f908190611ad29082614c30565b5060208201516001820190611ae79082614c30565b5060408201516002820190611afc9082614c30565b5060608201516003820190611b119082614c30565b505081516040517f77cdad119a452bbd96c45635758fc4af8a6bde3deaccf3fada634ddf9a1627069250611b4591906149d3565b60405180910390a1805180516020918201206040516001815290917fadc23d82fa8b20f02103a2405c452d2446e5a589f0182bd71f6d87e3357fbe659133915f516020615a2a5f395f51905f529101610c2e565b60606018805480602002602001604051908101604052809291908181526020015f905b82821015611e3f578382905f5260205f2090600602016040518060c00160405290815f82018054611bec90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054611c1890614b96565b8015611c635780601f10611c3a57610100808354040283529160200191611c63565b820191905f5260205f20905b815481529060010190602001808311611c4657829003601f168201915b5050505050815260200160018201548152602001600282018054611c8690614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054611cb290614b96565b8015611cfd5780601f10611cd457610100808354040283529160200191611cfd565b820191905f5260205f20905b815481529060010190602001808311611ce057829003601f168201915b50505050508152602001600382018054611d1690614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054611d4290614b96565b8015611d8d5780601f10611d6457610100808354040283529160200191611d8d565b820191905f5260205f20905b815481529060010190602001808311611d7057829003601f168201915b50505050508152602001600482018054611da690614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054611dd290614b96565b8015611e1d5780601f10611df457610100808354040283529160200191611e1d565b820191905f5260205f20905b815481529060010190602001808311611e0057829003601f168201915b5050505050815260200160058201548152505081526020019060010190611bbc565b50505050905090565b5f611e5786865f878787611fbb565b9695505050505050565b5f807f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c1993005b546001600160a01b031692915050565b611e9d613432565b5f8181526008602052604090819020805460ff19169055517f99b3cee95daf3138d0c982299cd0264f5b7a61aa629b42b92f3ec8966aa7f6fe90611ee49083815260200190565b60405180910390a16040515f815281907fbc0346dd2a1caffcfdf89515e8a3ad921515d32b39d8e28334b87bd5a1bdb6aa9033905f516020615a2a5f395f51905f5290602001610c2e565b60048054611f3c90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054611f6890614b96565b8015611fb35780601f10611f8a57610100808354040283529160200191611fb3565b820191905f5260205f20905b815481529060010190602001808311611f9657829003601f168201915b505050505081565b6009545f906001600160a01b03166120155760405162461bcd60e51b815260206004820181905260248201527f44737461636b41707020696d706c656d656e746174696f6e206e6f74207365746044820152606401610923565b6040516001600160a01b038816602482015286151560448201528515156064820152841515608482015260a4810184905260c481018390525f9060e40160408051601f198184030181529181526020820180516001600160e01b0316639ed2819360e01b17905260095490519192506001600160a01b0316908290612099906141bb565b6120a4929190614f3f565b604051809103905ff0801580156120bd573d5f5f3e3d5ffd5b5091506120c982610fb1565b60405133906001600160a01b038416907ffd86d7f6962eba3b7a3bf9129c06c0b2f885e1c61ef2c9f0dbb856be0deefdee905f90a3509695505050505050565b612111613432565b5f8181526007602052604090819020805460ff19169055517f1a9888a45e3df8b7e6bb3090747d598d2a0d78e61388161a90799f54df8f4434906121589083815260200190565b60405180910390a16040515f815281907f1a2d46e254225ae2e84638f6fcb742191317930982ce206e0917877506edc3a09033905f516020615a2a5f395f51905f5290602001610c2e565b601480546015805463ffffffff831693600160201b84046001600160401b031693600160601b900461ffff169290916121db90614b96565b80601f016020809104026020016040519081016040528092919081815260200182805461220790614b96565b80156122525780601f1061222957610100808354040283529160200191612252565b820191905f5260205f20905b81548152906001019060200180831161223557829003601f168201915b5050505050908060020154908060030154905086565b6060600e805480602002602001604051908101604052809291908181526020015f905b82821015611e3f578382905f5260205f2090600602016040518060c00160405290815f820180546122bb90614b96565b80601f01602080910402602001604051908101604052809291908181526020018280546122e790614b96565b80156123325780601f1061230957610100808354040283529160200191612332565b820191905f5260205f20905b81548152906001019060200180831161231557829003601f168201915b505050505081526020016001820154815260200160028201805461235590614b96565b80601f016020809104026020016040519081016040528092919081815260200182805461238190614b96565b80156123cc5780601f106123a3576101008083540402835291602001916123cc565b820191905f5260205f20905b8154815290600101906020018083116123af57829003601f168201915b505050505081526020016003820180546123e590614b96565b80601f016020809104026020016040519081016040528092919081815260200182805461241190614b96565b801561245c5780601f106124335761010080835404028352916020019161245c565b820191905f5260205f20905b81548152906001019060200180831161243f57829003601f168201915b5050505050815260200160048201805461247590614b96565b80601f01602080910402602001604051908101604052809291908181526020018280546124a190614b96565b80156124ec5780601f106124c3576101008083540402835291602001916124ec565b820191905f5260205f20905b8154815290600101906020018083116124cf57829003601f168201915b505050505081526020016005820154815250508152602001906001019061228b565b601654601454600160201b90046001600160401b03165f036125725760405162461bcd60e51b815260206004820152601c60248201527f6e6f207468726573686f6c642068616e646f76657220746f20656e64000000006044820152606401610923565b61257a613464565b158061259e5750612589611e61565b6001600160a01b0316336001600160a01b0316145b6126365760405162461bcd60e51b815260206004820152605a60248201527f746865207468726573686f6c642068616e646f76657220697320756e6465722060448201527f7761793a206f6e6c7920746865206f776e6572206d617920656e64206974206260648201527f65666f7265207468726573686f6c6448616e646f766572456e64000000000000608482015260a401610923565b61263e613be3565b6040515f815281907f293d3b14729b1411bceca8209f11022d9f037d68af54c55c71cb56dd7ad9f8c79033905f516020615a2a5f395f51905f5290602001610c2e565b604080518082019091526060808252602082015260126040518060400160405290815f82018054610e9c90614b96565b6126b9613432565b60016126cb6060850160408601614f62565b61ffff16101580156126f05750806126e96060850160408601614f62565b61ffff1611155b6127305760405162461bcd60e51b81526020600482015260116024820152701a5b9d985b1a59081d1a1c995cda1bdb19607a1b6044820152606401610923565b600a54600160201b90046001600160401b03166127536040850160208601614610565b6001600160401b0316116127a95760405162461bcd60e51b815260206004820152601d60248201527f636f6d6d69747465652065706f6368206d75737420696e6372656173650000006044820152606401610923565b60016127b86020850185614f8e565b63ffffffff16101580156127f657506127d76040840160208501614610565b6001600160401b03166127ed6020850185614f8e565b63ffffffff1611155b6128375760405162461bcd60e51b81526020600482015260126024820152710d2dcecc2d8d2c840e4dedee840cae0dec6d60731b6044820152606401610923565b600a5463ffffffff1661284d6020850185614f8e565b63ffffffff1610156128a15760405162461bcd60e51b815260206004820152601c60248201527f726f6f742065706f6368206d757374206e6f74206465637265617365000000006044820152606401610923565b6128ae6060840184614fa9565b90506021146128ff5760405162461bcd60e51b815260206004820152601760248201527f696e76616c69642064657269766174696f6e20726f6f740000000000000000006044820152606401610923565b60a08301356129435760405162461bcd60e51b815260206004820152601060248201526f1a5b9d985b1a5908195b9d881c9bdbdd60821b6044820152606401610923565b600f546001600160401b0316158061297d5750600f546001600160401b03166129726040850160208601614610565b6001600160401b0316145b6129dd5760405162461bcd60e51b815260206004820152602b60248201527f6e6f7420746865206c617465737420636f6d6d697474656520676f7665726e6160448201526a1b98d948191958da59195960aa1b6064820152608401610923565b5f6010816129f16040870160208801614610565b6001600160401b0316815260208101919091526040015f20600181015490915015612b6f57805461ffff16612a2c6060860160408701614f62565b61ffff16148015612a405750600181015482145b612aa45760405162461bcd60e51b815260206004820152602f60248201527f6e6f742074686520636f6d6d697474656520676f7665726e616e63652073657460448201526e040ccdee440e8d0d2e640cae0dec6d608b1b6064820152608401610923565b5f5b82811015612b6d57612ae582858584818110612ac457612ac4614feb565b9050602002810190612ad69190614fff565b612ae09080614fa9565b613c8b565b612b655760405162461bcd60e51b8152602060048201526044602482018190527f61207368617265206f662061206e6f6465206e6f7420696e2074686520636f6d908201527f6d697474656520676f7665726e616e63652073657420666f72207468697320656064820152630e0dec6d60e31b608482015260a401610923565b600101612aa6565b505b5f601181612b836040880160208901614610565b6001600160401b03908116825260208201929092526040015f2054600a549082169250600160201b90041615801590612bd55750600a5463ffffffff16612bcd6020870187614f8e565b63ffffffff16115b15612d1c57806001600160401b03165f03612c625760405162461bcd60e51b815260206004820152604160248201527f6e657720726f6f74732c2062757420676f7665726e616e63652064656369646560448201527f64206e6f20726f6f7420726f746174696f6e20666f7220746869732065706f636064820152600d60fb1b608482015260a401610923565b612c726040860160208701614610565b6001600160401b0316612c886020870187614f8e565b63ffffffff1614612d015760405162461bcd60e51b815260206004820152603860248201527f6120726f6f7420726f746174696f6e277320726f6f742065706f6368206d757360448201527f742062652069747320636f6d6d69747465652065706f636800000000000000006064820152608401610923565b612d1781612d126020880188614f8e565b613d14565b612db5565b6001600160401b03811615612db55760405162461bcd60e51b815260206004820152605360248201527f676f7665726e616e63652064656369646564206120726f6f7420726f7461746960448201527f6f6e20666f7220746869732065706f63683a20697473206b657920736574206d606482015272757374206265206f66206e657720726f6f747360681b608482015260a401610923565b84600a612dc282826150d1565b90505060405180604001604052805f6001018054612ddf90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054612e0b90614b96565b8015612e565780601f10612e2d57610100808354040283529160200191612e56565b820191905f5260205f20905b815481529060010190602001808311612e3957829003601f168201915b505050505081526020015f5f018054612e6e90614b96565b80601f0160208091040260200160405190810160405280929190818152602001828054612e9a90614b96565b8015612ee55780601f10612ebc57610100808354040283529160200191612ee5565b820191905f5260205f20905b815481529060010190602001808311612ec857829003601f168201915b50505091909252505080516012908190612eff9082614c30565b5060208201516001820190612f149082614c30565b50612f249150600e90505f6141c8565b5f5b838110156130c55736858583818110612f4157612f41614feb565b9050602002810190612f539190614fff565b9050811580612f96575060208101358686612f6f60018661518d565b818110612f7e57612f7e614feb565b9050602002810190612f909190614fff565b60200135105b612fe25760405162461bcd60e51b815260206004820152601760248201527f736861726520696473206d75737420696e6372656173650000000000000000006044820152606401610923565b612fef6040820182614fa9565b9050602114801561300e57506130086060820182614fa9565b90506021145b801561302857506130226080820182614fa9565b90506021145b8015613037575060a081013515155b61307a5760405162461bcd60e51b8152602060048201526014602482015273696e76616c6964207075626c696320736861726560601b6044820152606401610923565b600e80546001810182555f9190915281906006027fbb7b4a454dc3493923482f07822329ed19e8244eff582cc204f8554c3620c3fd016130ba82826151a0565b505050600101612f26565b506130d66040860160208701614610565b6001600160401b03166130ec6020870187614f8e565b63ffffffff167f385c170398944465267c1417626c977652cfa89ca4520d90cab017948f43d8b5876080013560405161312791815260200190565b60405180910390a3604051600181526080860135907f0d5d6e91d3d4a52a3f1c9d0e4438fe078304456c7b70cc23d015c13e3ccb19cf9033905f516020615a2a5f395f51905f529060200160405180910390a45050505050565b600a8054600b805463ffffffff831693600160201b84046001600160401b031693600160601b900461ffff169290916121db90614b96565b6040805180820190915260088152675570546f4461746560c01b6020909101525f60607f8dd11fcce5839087111530125177803569655488ae47b1f980ef0b1a711bf07c61320a60e0850185614fa9565b6040516132189291906152cc565b60405180910390201461326257505060408051808201909152601c81527f54434220737461747573206973206e6f7420757020746f20646174650000000060208201525f92909150565b60c08301355f9081526008602052604090205460ff166132b357505060408051808201909152601781527613d4c81a5b5859d9481a5cc81b9bdd08185b1b1bddd959604a1b60208201525f92909150565b60808301355f9081526006602052604090205460ff1661330a57505060408051808201909152601981527f41676772656761746564204d52206e6f7420616c6c6f7765640000000000000060208201525f92909150565b60608301355f9081526007602052604090205460ff16613347575f604051806060016040528060298152602001615a4a6029913991509150915091565b505060408051602081019091525f8152600192909150565b5f807f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c00611e85565b61338f613432565b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b0319166001600160a01b03831690811782556133d3611e61565b6001600160a01b03167f38d16b8cac22d99fc7c124b9cd0de2d3fa1faef420bfe791d8c362d765e2270060405160405180910390a35050565b613414613432565b61342a8686868661342586886152db565b613496565b505050505050565b3361343b611e61565b6001600160a01b0316146117b35760405163118cdaa760e01b8152336004820152602401610923565b6014545f90600160201b90046001600160401b0316158015906134915750601b546001600160401b031642105b905090565b600f546001600160401b039081169086161180156134c95750600a546001600160401b03600160201b9091048116908616115b6135155760405162461bcd60e51b815260206004820152601d60248201527f636f6d6d69747465652065706f6368206d75737420696e6372656173650000006044820152606401610923565b60028210801590613527575060408211155b6135735760405162461bcd60e51b815260206004820152601f60248201527f6120636f6d6d697474656520686173203220746f203634206d656d62657273006044820152606401610923565b60028461ffff161015801561358c575061ffff84168210155b6135cc5760405162461bcd60e51b81526020600482015260116024820152701a5b9d985b1a59081d1a1c995cda1bdb19607a1b6044820152606401610923565b6040815111156136135760405162461bcd60e51b8152602060048201526012602482015271746f6f206d616e792066726f6d4e6f64657360701b6044820152606401610923565b6001600160401b0385165f908152601060205260408120805461ffff191661ffff8716178155905b83811015613831575f85858381811061365657613656614feb565b9050602002810190613668919061535f565b6136729080614fa9565b90501180156136b357505f85858381811061368f5761368f614feb565b90506020028101906136a1919061535f565b6136af906020810190614fa9565b9050115b6136ff5760405162461bcd60e51b815260206004820152601a60248201527f6d656d62657220776974686f7574206e616d65206f722075726c0000000000006044820152606401610923565b5f5b818110156137dd5785858381811061371b5761371b614feb565b905060200281019061372d919061535f565b6137379080614fa9565b6040516137459291906152cc565b604051809103902086868381811061375f5761375f614feb565b9050602002810190613771919061535f565b61377b9080614fa9565b6040516137899291906152cc565b6040518091039020036137d55760405162461bcd60e51b81526020600482015260146024820152737265706561746564206d656d626572206e616d6560601b6044820152606401610923565b600101613701565b50816001018585838181106137f4576137f4614feb565b9050602002810190613806919061535f565b81546001810183555f92835260209092209091600202016138278282615373565b505060010161363b565b505f5b8251811015613884578160020183828151811061385357613853614feb565b60209081029190910181015182546001810184555f93845291909220019061387b9082614c30565b50600101613834565b50600f805467ffffffffffffffff19166001600160401b0388161790556040515f906138ba90879087908790879060200161544a565b60408051601f19818403018152828252805160209182012061ffff8a16845290830181905292506001600160401b038916917fa80166220ff050b1f12ab147dfb6b905046f28c7a74c9ca291983505395ac9b2910160405180910390a26040516001815281907fbb393e026706e51ba881a588cc518415e7b8a18e8fe478281b6e5d6275c338049033905f516020615a2a5f395f51905f529060200160405180910390a450505050505050565b5f807ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00610b8e565b613997613f2e565b61180e81613f53565b6117b3613f2e565b306001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161480613a2e57507f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316613a225f516020615a735f395f51905f52546001600160a01b031690565b6001600160a01b031614155b156117b35760405163703e46dd60e11b815260040160405180910390fd5b613a54613432565b604051600181526001600160a01b038216907fdd3079240d4e002c905dcbcaf6b06d77e782afb127bbb837120b8c7fc6703da39033905f516020615a2a5f395f51905f5290602001610c2e565b816001600160a01b03166352d1902d6040518163ffffffff1660e01b8152600401602060405180830381865afa925050508015613afb575060408051601f3d908101601f19168201909252613af89181019061550c565b60015b613b2357604051634c9c8ce360e01b81526001600160a01b0383166004820152602401610923565b5f516020615a735f395f51905f528114613b5357604051632a87526960e21b815260048101829052602401610923565b613b5d8383613f84565b505050565b306001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146117b35760405163703e46dd60e11b815260040160405180910390fd5b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b031916815561178382613fd9565b601480546dffffffffffffffffffffffffffff198116825563ffffffff16905f613c0e6015826141e3565b600282015f9055600382015f9055505060185f613c2b91906141c8565b60195f613c3882826141e3565b613c45600183015f6141e3565b5050601b805467ffffffffffffffff1916905560405163ffffffff8216907f5532e98c1a9c70893d5195e891193eb6b8f48f01a028a3472928f685989dd342905f90a250565b5f5f8383604051613c9d9291906152cc565b60405190819003902090505f5b6001860154811015613d075781866001018281548110613ccc57613ccc614feb565b905f5260205f2090600202015f01604051613ce79190615523565b604051809103902003613cff57600192505050613d0d565b600101613caa565b505f9150505b9392505050565b601454600160201b90046001600160401b031615613d3457613d34613be3565b600a80546014805463ffffffff83166bffffffffffffffffffffffff1990911617600160201b8084046001600160401b0316021761ffff60601b1916600160601b9283900461ffff169092029190911781556015613d93600b82615594565b50600282810154908201556003918201549101555f5b600e54811015613e4b576018600e8281548110613dc857613dc8614feb565b5f918252602080832084546001810186559484529220600691820290920192020180613df48382615594565b506001820154816001015560028201816002019081613e139190615594565b50600381810190613e2690840182615594565b50600481810190613e3990840182615594565b50600591820154910155600101613da9565b506012601980613e5b8382615594565b50600181810190613e6e90840182615594565b505f9150613e7e90508342615654565b601b805467ffffffffffffffff19166001600160401b038316908117909155600a5460405191825291925063ffffffff8481169216907fe7dfa36fdf3a10176113a76a2e426a9a2f68687ba12f7f712f2fe9590e2aaf019060200160405180910390a3600c54604051600181527f293d3b14729b1411bceca8209f11022d9f037d68af54c55c71cb56dd7ad9f8c79033905f516020615a2a5f395f51905f529060200160405180910390a4505050565b613f36614049565b6117b357604051631afcd79f60e31b815260040160405180910390fd5b613f5b613f2e565b6001600160a01b03811661180557604051631e4fbdf760e01b81525f6004820152602401610923565b613f8d82614062565b6040516001600160a01b038316907fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b905f90a2805115613fd157613b5d82826140c5565b611783614165565b7f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c19930080546001600160a01b031981166001600160a01b03848116918217845560405192169182907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a3505050565b5f614052613967565b54600160401b900460ff16919050565b806001600160a01b03163b5f0361409757604051634c9c8ce360e01b81526001600160a01b0382166004820152602401610923565b5f516020615a735f395f51905f5280546001600160a01b0319166001600160a01b0392909216919091179055565b60605f6140d28484614184565b90508080156140f357505f3d11806140f357505f846001600160a01b03163b115b1561410857614100614197565b915050610b8e565b801561413257604051639996b31560e01b81526001600160a01b0385166004820152602401610923565b3d15614145576141406141b0565b61415e565b60405163d6bda27560e01b815260040160405180910390fd5b5092915050565b34156117b35760405163b398979f60e01b815260040160405180910390fd5b5f5f5f835160208501865af49392505050565b6040513d81523d5f602083013e3d602001810160405290565b6040513d5f823e3d81fd5b6103b68061567483390190565b5080545f8255600602905f5260205f20906117b39190614217565b5080546141ef90614b96565b5f825580601f106141fe575050565b601f0160209004905f5260205f20906117b39190614270565b5f5b80821115613b5d578083015f61422f82826141e3565b600182015f9055600282015f61424591906141e3565b614252600383015f6141e3565b61425f600483015f6141e3565b600582015f90555050600601614219565b5f5b80821115613b5d575f81840155600101614272565b6001600160401b038116811461180e575f5ffd5b61ffff8116811461180e575f5ffd5b5f5f83601f8401126142ba575f5ffd5b5081356001600160401b038111156142d0575f5ffd5b6020830191508360208260051b85010111156142ea575f5ffd5b9250929050565b5f5f5f5f5f60808688031215614305575f5ffd5b853561431081614287565b945060208601356143208161429b565b935060408601356001600160401b0381111561433a575f5ffd5b614346888289016142aa565b909450925050606086013561435a81614287565b809150509295509295909350565b5f60208284031215614378575f5ffd5b81356001600160e01b031981168114613d0d575f5ffd5b5f6020828403121561439f575f5ffd5b5035919050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b608081525f6143e660808301876143a6565b82810360208401526143f881876143a6565b9050828103604084015261440c81866143a6565b9050828103606084015261442081856143a6565b979650505050505050565b602081525f82516040602084015261444660608401826143a6565b90506020840151601f1984830301604085015261446382826143a6565b95945050505050565b80356001600160a01b0381168114614482575f5ffd5b919050565b5f60208284031215614497575f5ffd5b613d0d8261446c565b634e487b7160e01b5f52604160045260245ffd5b604051608081016001600160401b03811182821017156144d6576144d66144a0565b60405290565b604051601f8201601f191681016001600160401b0381118282101715614504576145046144a0565b604052919050565b5f6001600160401b03821115614524576145246144a0565b50601f01601f191660200190565b5f82601f830112614541575f5ffd5b8135602083015f6145596145548461450c565b6144dc565b905082815285838301111561456c575f5ffd5b828260208301375f92810160200192909252509392505050565b5f60208284031215614596575f5ffd5b81356001600160401b038111156145ab575f5ffd5b6145b784828501614532565b949350505050565b5f602082840312156145cf575f5ffd5b81356001600160401b038111156145e4575f5ffd5b82016101208185031215613d0d575f5ffd5b8215158152604060208201525f6145b760408301846143a6565b5f60208284031215614620575f5ffd5b8135613d0d81614287565b5f5f6040838503121561463c575f5ffd5b6146458361446c565b91506146536020840161446c565b90509250929050565b5f5f6040838503121561466d575f5ffd5b6146768361446c565b915060208301356001600160401b03811115614690575f5ffd5b61469c85828601614532565b9150509250929050565b5f82825180855260208501945060208160051b830101602085015f5b838110156146f457601f198584030188526146de8383516143a6565b60209889019890935091909101906001016146c2565b50909695505050505050565b602081525f6080820161ffff845116602084015260208401516060604085015281815180845260a08601915060a08160051b87010193506020830192505f5b8181101561479757609f19878603018352835180516040875261476560408801826143a6565b905060208201519150868103602088015261478081836143a6565b96505050602093840193929092019160010161473f565b505050506040840151838203601f1901606085015261446382826146a6565b5f602082840312156147c6575f5ffd5b81356001600160401b038111156147db575f5ffd5b8201608081850312156147ec575f5ffd5b6147f46144b4565b81356001600160401b03811115614809575f5ffd5b61481586828501614532565b82525060208201356001600160401b03811115614830575f5ffd5b61483c86828501614532565b60208301525060408201356001600160401b0381111561485a575f5ffd5b61486686828501614532565b60408301525060608201356001600160401b03811115614884575f5ffd5b61489086828501614532565b606083015250949350505050565b5f602082016020835280845180835260408501915060408160051b8601019250602086015f5b8281101561496557603f198786030184528151805160c087526148ea60c08801826143a6565b9050602082015160208801526040820151878203604089015261490d82826143a6565b9150506060820151878203606089015261492782826143a6565b9150506080820151878203608089015261494182826143a6565b60a093840151989093019790975250945060209384019391909101906001016148c4565b50929695505050505050565b801515811461180e575f5ffd5b5f5f5f5f5f60a08688031215614992575f5ffd5b61499b8661446c565b945060208601356149ab81614971565b935060408601356149bb81614971565b94979396509394606081013594506080013592915050565b602081525f613d0d60208301846143a6565b5f5f5f5f5f5f60c087890312156149fa575f5ffd5b614a038761446c565b95506020870135614a1381614971565b94506040870135614a2381614971565b93506060870135614a3381614971565b9598949750929560808101359460a0909101359350915050565b63ffffffff871681526001600160401b038616602082015261ffff8516604082015260c060608201525f614a8460c08301866143a6565b60808301949094525060a00152949350505050565b5f5f5f60408486031215614aab575f5ffd5b83356001600160401b03811115614ac0575f5ffd5b840160c08187031215614ad1575f5ffd5b925060208401356001600160401b03811115614aeb575f5ffd5b614af7868287016142aa565b9497909650939450505050565b5f5f5f5f5f5f60808789031215614b19575f5ffd5b8635614b2481614287565b95506020870135614b348161429b565b945060408701356001600160401b03811115614b4e575f5ffd5b614b5a89828a016142aa565b90955093505060608701356001600160401b03811115614b78575f5ffd5b614b8489828a016142aa565b979a9699509497509295939492505050565b600181811c90821680614baa57607f821691505b602082108103614bc857634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115613b5d5782821115613b5d57805f5260205f20601f840160051c6020851015614bf957505f5b90810190601f840160051c035f5b8181101561342a575f83820155600101614c07565b5f19600383901b1c191660019190911b1790565b81516001600160401b03811115614c4957614c496144a0565b614c5d81614c578454614b96565b84614bce565b6020601f821160018114614c8a575f8315614c785750848201515b614c828482614c1c565b855550614ce2565b5f84815260208120601f198516915b82811015614cb95787850151825560209485019460019092019101614c99565b5084821015614cd657868401515f19600387901b60f8161c191681555b505060018360011b0184555b5050505050565b5f5f8335601e19843603018112614cfe575f5ffd5b83016020810192503590506001600160401b03811115614d1c575f5ffd5b8036038213156142ea575f5ffd5b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b5f5f8335601e19843603018112614d67575f5ffd5b83016020810192503590506001600160401b03811115614d85575f5ffd5b8060051b36038213156142ea575f5ffd5b5f8383855260208501945060208460051b820101835f5b868110156146f457838303601f19018852614dc88287614ce9565b614dd3858284614d2a565b60209a8b019a90955093909301925050600101614dad565b60208152614e0c60208201614dff8461446c565b6001600160a01b03169052565b5f5f6020840135905080604084015250614e286040840161446c565b6001600160a01b038116606084015250606083013560808381019190915283013560a08084019190915283013560c08084019190915283013560e080840191909152614e7690840184614ce9565b610120610100850152614e8e61014085018284614d2a565b915050614e9f610100850185614d52565b848303601f1901610120860152611e57838284614d96565b5f5f60408385031215614ec8575f5ffd5b8251614ed381614971565b60208401519092506001600160401b03811115614eee575f5ffd5b8301601f81018513614efe575f5ffd5b8051614f0c6145548261450c565b818152866020838501011115614f20575f5ffd5b8160208401602083015e5f602083830101528093505050509250929050565b6001600160a01b03831681526040602082018190525f906145b7908301846143a6565b5f60208284031215614f72575f5ffd5b8135613d0d8161429b565b63ffffffff8116811461180e575f5ffd5b5f60208284031215614f9e575f5ffd5b8135613d0d81614f7d565b5f5f8335601e19843603018112614fbe575f5ffd5b8301803591506001600160401b03821115614fd7575f5ffd5b6020019150368190038213156142ea575f5ffd5b634e487b7160e01b5f52603260045260245ffd5b5f823560be19833603018112615013575f5ffd5b9190910192915050565b6001600160401b03831115615034576150346144a0565b615048836150428354614b96565b83614bce565b5f601f841160018114615074575f85156150625750838201355b61506c8682614c1c565b845550614ce2565b5f83815260208120601f198716915b828110156150a35786850135825560209485019460019092019101615083565b50868210156150bf575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b81356150dc81614f7d565b815460208401356150ec81614287565b6bffffffffffffffff000000008160201b1663ffffffff84166bffffffffffffffffffffffff198416171784555050505f604083013561512b8161429b565b825461ffff60601b1916606091821b61ffff60601b161783556151519150830183614fa9565b61515f81836001860161501d565b50506080820135600282015560a090910135600390910155565b634e487b7160e01b5f52601160045260245ffd5b81810381811115610b8e57610b8e615179565b6151aa8283614fa9565b6001600160401b038111156151c1576151c16144a0565b6151d5816151cf8554614b96565b85614bce565b5f601f821160018114615201575f83156151ef5750838201355b6151f98482614c1c565b865550615258565b5f85815260208120601f198516915b828110156152305786850135825560209485019460019092019101615210565b508482101561524c575f1960f88660031b161c19848701351681555b505060018360011b0185555b50505050602082013560018201556152736040830183614fa9565b61528181836002860161501d565b50506152906060830183614fa9565b61529e81836003860161501d565b50506152ad6080830183614fa9565b6152bb81836004860161501d565b505060a09190910135600590910155565b818382375f9101908152919050565b5f6001600160401b038311156152f3576152f36144a0565b8260051b615303602082016144dc565b8481529083019060208101903683111561531b575f5ffd5b845b838110156153555780356001600160401b0381111561533a575f5ffd5b61534636828901614532565b8452506020928301920161531d565b5095945050505050565b5f8235603e19833603018112615013575f5ffd5b61537d8283614fa9565b6001600160401b03811115615394576153946144a0565b6153a2816151cf8554614b96565b5f601f8211600181146153ce575f83156153bc5750838201355b6153c68482614c1c565b865550615425565b5f85815260208120601f198516915b828110156153fd57868501358255602094850194600190920191016153dd565b5084821015615419575f1960f88660031b161c19848701351681555b505060018360011b0185555b505050506154366020830183614fa9565b61544481836001860161501d565b50505050565b61ffff8516815260606020820181905281018390525f6080600585901b830181019083018683603e1936839003015b888210156154f657868503607f190184528235818112615497575f5ffd5b8a016154a38180614ce9565b604088526154b5604089018284614d2a565b9150506154c56020830183614ce9565b925087820360208901526154da828483614d2a565b9750505050602083019250602084019350600182019150615479565b50505050828103604084015261442081856146a6565b5f6020828403121561551c575f5ffd5b5051919050565b5f5f835461553081614b96565b600182168015615547576001811461555c57615589565b60ff1983168652811515820286019350615589565b865f5260205f205f5b8381101561558157815488820152600190910190602001615565565b505081860193505b509195945050505050565b81810361559f575050565b6155a98254614b96565b6001600160401b038111156155c0576155c06144a0565b6155ce81614c578454614b96565b5f601f8211600181146155f1575f8315614c78575084820154614c828482614c1c565b5f8581526020808220868352908220601f198616925b838110156156275782860154825560019586019590910190602001615607565b508583101561564457818501545f19600388901b60f8161c191681555b5050505050600190811b01905550565b6001600160401b038181168382160190811115610b8e57610b8e61517956fe60806040526040516103b63803806103b683398101604081905261002291610238565b8051610041576040516330a289cf60e21b815260040160405180910390fd5b61004b8282610052565b5050610307565b61005b826100b0565b6040516001600160a01b038316907fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b905f90a28051156100a45761009f828261012b565b505050565b6100ac6101cc565b5050565b806001600160a01b03163b5f036100ea57604051634c9c8ce360e01b81526001600160a01b03821660048201526024015b60405180910390fd5b7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc80546001600160a01b0319166001600160a01b0392909216919091179055565b60605f61013884846101ed565b905080801561015957505f3d118061015957505f846001600160a01b03163b115b1561016e57610166610200565b9150506101c6565b801561019857604051639996b31560e01b81526001600160a01b03851660048201526024016100e1565b3d156101ab576101a6610219565b6101c4565b60405163d6bda27560e01b815260040160405180910390fd5b505b92915050565b34156101eb5760405163b398979f60e01b815260040160405180910390fd5b565b5f5f5f835160208501865af49392505050565b6040513d81523d5f602083013e3d602001810160405290565b6040513d5f823e3d81fd5b634e487b7160e01b5f52604160045260245ffd5b5f5f60408385031215610249575f5ffd5b82516001600160a01b038116811461025f575f5ffd5b60208401519092506001600160401b0381111561027a575f5ffd5b8301601f8101851361028a575f5ffd5b80516001600160401b038111156102a3576102a3610224565b604051601f8201601f19908116603f011681016001600160401b03811182821017156102d1576102d1610224565b6040528181528282016020018710156102e8575f5ffd5b8160208401602083015e5f602083830101528093505050509250929050565b60a3806103135f395ff3fe6080604052600a600c565b005b60186014601a565b6050565b565b5f604b7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc546001600160a01b031690565b905090565b365f5f375f5f365f845af43d5f5f3e8080156069573d5ff35b3d5ffdfea2646970667358221220bad72f1747bcce689cd4051753ea94cc89a814c8bc0eb5b8d72bf16495b0936d64736f6c63430008250033341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c323754b4d53206973206e6f7420616c6c6f77656420746f20626f6f74206f6e207468697320646576696365360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbca26469706673582212201d658a4f847ef8df0a4d6459dce86fae178926b8d42655fcef3837fac4dc613164736f6c63430008250033",
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

// PackEndThresholdHandover is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb4ddb62c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function endThresholdHandover() returns()
func (dstackKms *DstackKms) PackEndThresholdHandover() []byte {
	enc, err := dstackKms.abi.Pack("endThresholdHandover")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackEndThresholdHandover is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb4ddb62c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function endThresholdHandover() returns()
func (dstackKms *DstackKms) TryPackEndThresholdHandover() ([]byte, error) {
	return dstackKms.abi.Pack("endThresholdHandover")
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

// PackPreviousThresholdKeySet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9ee5ef5a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function previousThresholdKeySet() view returns(uint32 rootEpoch, uint64 epoch, uint16 threshold, bytes derivationRoot, bytes32 keySetId, bytes32 envRoot)
func (dstackKms *DstackKms) PackPreviousThresholdKeySet() []byte {
	enc, err := dstackKms.abi.Pack("previousThresholdKeySet")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPreviousThresholdKeySet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9ee5ef5a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function previousThresholdKeySet() view returns(uint32 rootEpoch, uint64 epoch, uint16 threshold, bytes derivationRoot, bytes32 keySetId, bytes32 envRoot)
func (dstackKms *DstackKms) TryPackPreviousThresholdKeySet() ([]byte, error) {
	return dstackKms.abi.Pack("previousThresholdKeySet")
}

// PreviousThresholdKeySetOutput serves as a container for the return parameters of contract
// method PreviousThresholdKeySet.
type PreviousThresholdKeySetOutput struct {
	RootEpoch      uint32
	Epoch          uint64
	Threshold      uint16
	DerivationRoot []byte
	KeySetId       [32]byte
	EnvRoot        [32]byte
}

// UnpackPreviousThresholdKeySet is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x9ee5ef5a.
//
// Solidity: function previousThresholdKeySet() view returns(uint32 rootEpoch, uint64 epoch, uint16 threshold, bytes derivationRoot, bytes32 keySetId, bytes32 envRoot)
func (dstackKms *DstackKms) UnpackPreviousThresholdKeySet(data []byte) (PreviousThresholdKeySetOutput, error) {
	out, err := dstackKms.abi.Unpack("previousThresholdKeySet", data)
	outstruct := new(PreviousThresholdKeySetOutput)
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

// PackPreviousThresholdRootKeys is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x11ac1732.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function previousThresholdRootKeys() view returns((bytes,bytes))
func (dstackKms *DstackKms) PackPreviousThresholdRootKeys() []byte {
	enc, err := dstackKms.abi.Pack("previousThresholdRootKeys")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPreviousThresholdRootKeys is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x11ac1732.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function previousThresholdRootKeys() view returns((bytes,bytes))
func (dstackKms *DstackKms) TryPackPreviousThresholdRootKeys() ([]byte, error) {
	return dstackKms.abi.Pack("previousThresholdRootKeys")
}

// UnpackPreviousThresholdRootKeys is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x11ac1732.
//
// Solidity: function previousThresholdRootKeys() view returns((bytes,bytes))
func (dstackKms *DstackKms) UnpackPreviousThresholdRootKeys(data []byte) (DstackKmsThresholdRootKeys, error) {
	out, err := dstackKms.abi.Unpack("previousThresholdRootKeys", data)
	if err != nil {
		return *new(DstackKmsThresholdRootKeys), err
	}
	out0 := *abi.ConvertType(out[0], new(DstackKmsThresholdRootKeys)).(*DstackKmsThresholdRootKeys)
	return out0, nil
}

// PackPreviousThresholdShares is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x816f8112.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function previousThresholdShares() view returns((string,bytes32,bytes,bytes,bytes,bytes32)[])
func (dstackKms *DstackKms) PackPreviousThresholdShares() []byte {
	enc, err := dstackKms.abi.Pack("previousThresholdShares")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPreviousThresholdShares is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x816f8112.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function previousThresholdShares() view returns((string,bytes32,bytes,bytes,bytes,bytes32)[])
func (dstackKms *DstackKms) TryPackPreviousThresholdShares() ([]byte, error) {
	return dstackKms.abi.Pack("previousThresholdShares")
}

// UnpackPreviousThresholdShares is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x816f8112.
//
// Solidity: function previousThresholdShares() view returns((string,bytes32,bytes,bytes,bytes,bytes32)[])
func (dstackKms *DstackKms) UnpackPreviousThresholdShares(data []byte) ([]DstackKmsThresholdShare, error) {
	out, err := dstackKms.abi.Unpack("previousThresholdShares", data)
	if err != nil {
		return *new([]DstackKmsThresholdShare), err
	}
	out0 := *abi.ConvertType(out[0], new([]DstackKmsThresholdShare)).(*[]DstackKmsThresholdShare)
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

// PackSetThresholdRootRotation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x00b1d8fa.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setThresholdRootRotation(uint64 epoch, uint16 threshold, (string,string)[] members, uint64 handoverSeconds) returns()
func (dstackKms *DstackKms) PackSetThresholdRootRotation(epoch uint64, threshold uint16, members []DstackKmsThresholdMember, handoverSeconds uint64) []byte {
	enc, err := dstackKms.abi.Pack("setThresholdRootRotation", epoch, threshold, members, handoverSeconds)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetThresholdRootRotation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x00b1d8fa.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setThresholdRootRotation(uint64 epoch, uint16 threshold, (string,string)[] members, uint64 handoverSeconds) returns()
func (dstackKms *DstackKms) TryPackSetThresholdRootRotation(epoch uint64, threshold uint16, members []DstackKmsThresholdMember, handoverSeconds uint64) ([]byte, error) {
	return dstackKms.abi.Pack("setThresholdRootRotation", epoch, threshold, members, handoverSeconds)
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

// PackThresholdHandoverEnd is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc088f5fe.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function thresholdHandoverEnd() view returns(uint64)
func (dstackKms *DstackKms) PackThresholdHandoverEnd() []byte {
	enc, err := dstackKms.abi.Pack("thresholdHandoverEnd")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThresholdHandoverEnd is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc088f5fe.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function thresholdHandoverEnd() view returns(uint64)
func (dstackKms *DstackKms) TryPackThresholdHandoverEnd() ([]byte, error) {
	return dstackKms.abi.Pack("thresholdHandoverEnd")
}

// UnpackThresholdHandoverEnd is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc088f5fe.
//
// Solidity: function thresholdHandoverEnd() view returns(uint64)
func (dstackKms *DstackKms) UnpackThresholdHandoverEnd(data []byte) (uint64, error) {
	out, err := dstackKms.abi.Unpack("thresholdHandoverEnd", data)
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

// PackThresholdRootKeys is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbae90c91.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function thresholdRootKeys() view returns((bytes,bytes))
func (dstackKms *DstackKms) PackThresholdRootKeys() []byte {
	enc, err := dstackKms.abi.Pack("thresholdRootKeys")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThresholdRootKeys is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbae90c91.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function thresholdRootKeys() view returns((bytes,bytes))
func (dstackKms *DstackKms) TryPackThresholdRootKeys() ([]byte, error) {
	return dstackKms.abi.Pack("thresholdRootKeys")
}

// UnpackThresholdRootKeys is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xbae90c91.
//
// Solidity: function thresholdRootKeys() view returns((bytes,bytes))
func (dstackKms *DstackKms) UnpackThresholdRootKeys(data []byte) (DstackKmsThresholdRootKeys, error) {
	out, err := dstackKms.abi.Unpack("thresholdRootKeys", data)
	if err != nil {
		return *new(DstackKmsThresholdRootKeys), err
	}
	out0 := *abi.ConvertType(out[0], new(DstackKmsThresholdRootKeys)).(*DstackKmsThresholdRootKeys)
	return out0, nil
}

// PackThresholdRootRotation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3bfc2e6c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function thresholdRootRotation(uint64 ) view returns(uint64)
func (dstackKms *DstackKms) PackThresholdRootRotation(arg0 uint64) []byte {
	enc, err := dstackKms.abi.Pack("thresholdRootRotation", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThresholdRootRotation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3bfc2e6c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function thresholdRootRotation(uint64 ) view returns(uint64)
func (dstackKms *DstackKms) TryPackThresholdRootRotation(arg0 uint64) ([]byte, error) {
	return dstackKms.abi.Pack("thresholdRootRotation", arg0)
}

// UnpackThresholdRootRotation is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3bfc2e6c.
//
// Solidity: function thresholdRootRotation(uint64 ) view returns(uint64)
func (dstackKms *DstackKms) UnpackThresholdRootRotation(data []byte) (uint64, error) {
	out, err := dstackKms.abi.Unpack("thresholdRootRotation", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
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

// DstackKmsThresholdHandoverEnded represents a ThresholdHandoverEnded event raised by the DstackKms contract.
type DstackKmsThresholdHandoverEnded struct {
	PreviousRootEpoch uint32
	Raw               *types.Log // Blockchain specific contextual infos
}

const DstackKmsThresholdHandoverEndedEventName = "ThresholdHandoverEnded"

// ContractEventName returns the user-defined event name.
func (DstackKmsThresholdHandoverEnded) ContractEventName() string {
	return DstackKmsThresholdHandoverEndedEventName
}

// UnpackThresholdHandoverEndedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ThresholdHandoverEnded(uint32 indexed previousRootEpoch)
func (dstackKms *DstackKms) UnpackThresholdHandoverEndedEvent(log *types.Log) (*DstackKmsThresholdHandoverEnded, error) {
	event := "ThresholdHandoverEnded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsThresholdHandoverEnded)
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

// DstackKmsThresholdHandoverStarted represents a ThresholdHandoverStarted event raised by the DstackKms contract.
type DstackKmsThresholdHandoverStarted struct {
	PreviousRootEpoch uint32
	RootEpoch         uint32
	End               uint64
	Raw               *types.Log // Blockchain specific contextual infos
}

const DstackKmsThresholdHandoverStartedEventName = "ThresholdHandoverStarted"

// ContractEventName returns the user-defined event name.
func (DstackKmsThresholdHandoverStarted) ContractEventName() string {
	return DstackKmsThresholdHandoverStartedEventName
}

// UnpackThresholdHandoverStartedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ThresholdHandoverStarted(uint32 indexed previousRootEpoch, uint32 indexed rootEpoch, uint64 end)
func (dstackKms *DstackKms) UnpackThresholdHandoverStartedEvent(log *types.Log) (*DstackKmsThresholdHandoverStarted, error) {
	event := "ThresholdHandoverStarted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsThresholdHandoverStarted)
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

// DstackKmsThresholdRootRotationSet represents a ThresholdRootRotationSet event raised by the DstackKms contract.
type DstackKmsThresholdRootRotationSet struct {
	Epoch           uint64
	HandoverSeconds uint64
	Raw             *types.Log // Blockchain specific contextual infos
}

const DstackKmsThresholdRootRotationSetEventName = "ThresholdRootRotationSet"

// ContractEventName returns the user-defined event name.
func (DstackKmsThresholdRootRotationSet) ContractEventName() string {
	return DstackKmsThresholdRootRotationSetEventName
}

// UnpackThresholdRootRotationSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ThresholdRootRotationSet(uint64 indexed epoch, uint64 handoverSeconds)
func (dstackKms *DstackKms) UnpackThresholdRootRotationSetEvent(log *types.Log) (*DstackKmsThresholdRootRotationSet, error) {
	event := "ThresholdRootRotationSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackKms.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackKmsThresholdRootRotationSet)
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
