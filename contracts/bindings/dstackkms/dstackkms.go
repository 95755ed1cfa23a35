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
	Bin: "0x60a060405230608052348015610013575f5ffd5b5061001c610021565b6100d3565b7ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00805468010000000000000000900460ff16156100715760405163f92ee8a960e01b815260040160405180910390fd5b80546001600160401b03908116146100d05780546001600160401b0319166001600160401b0390811782556040519081527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50565b608051615b916100f95f395f8181613a3a01528181613a630152613bf40152615b915ff3fe60806040526004361061027f575f3560e01c80637d02535211610155578063a6c4cce9116100be578063e01e012111610078578063e01e0121146107f6578063e067ec9d1461080a578063e30c397814610829578063f2fde38b1461083d578063f4e74b081461085c578063f6fe4f401461087b575f5ffd5b8063a6c4cce914610732578063ad3cb1cc14610760578063b4ddb62c14610790578063bae90c91146107a4578063c088f5fe146107b8578063cf2641f3146107d7575f5ffd5b806395f519311161010f57806395f519311461066b5780639a4e1d181461068c5780639cb9c31f146106ba5780639e6f3114146106d95780639ee5ef5a146106f85780639f0c109b1461071e575f5ffd5b80637d025352146105ba578063816f8112146105d95780638618169d146105fa5780638da5cb5b14610619578063937825f11461062d5780639425bac61461064c575f5ffd5b80633971db27116101f75780634f1ef286116101b15780634f1ef2861461051257806352d1902d14610525578063715018a614610547578063736ede7a1461055b57806379ba50971461057a5780637adb07a81461058e575f5ffd5b80633971db271461042b5780633bfc2e6c1461044a5780633ceaaa11146104965780633e32d346146104b5578063485cc955146104d45780634d5922a1146104f3575f5ffd5b806313eb97701161024857806313eb97701461033c57806317a1d80f1461036a57806318c1ecb2146103895780631e079198146103a857806325a992da146103d55780632adee48d1461040c575f5ffd5b8062b1d8fa1461028357806301ffc9a7146102a457806306a3ae96146102d857806309177063146102f757806311ac17321461031b575b5f5ffd5b34801561028e575f5ffd5b506102a261029d3660046143ba565b6108a9565b005b3480156102af575f5ffd5b506102c36102be366004614431565b610c2b565b60405190151581526020015b60405180910390f35b3480156102e3575f5ffd5b506102a26102f2366004614458565b610c61565b348015610302575f5ffd5b5061030b610d06565b6040516102cf949392919061449d565b348015610326575f5ffd5b5061032f610f39565b6040516102cf91906144f4565b348015610347575f5ffd5b506102c3610356366004614458565b60076020525f908152604090205460ff1681565b348015610375575f5ffd5b506102a2610384366004614550565b61107e565b348015610394575f5ffd5b506102a26103a336600461464f565b611168565b3480156103b3575f5ffd5b506103c76103c2366004614688565b6111d1565b6040516102cf9291906146bf565b3480156103e0575f5ffd5b506009546103f4906001600160a01b031681565b6040516001600160a01b0390911681526020016102cf565b348015610417575f5ffd5b506102a2610426366004614458565b611363565b348015610436575f5ffd5b506102a261044536600461464f565b6113fd565b348015610455575f5ffd5b5061047e6104643660046146d9565b60116020525f90815260409020546001600160401b031681565b6040516001600160401b0390911681526020016102cf565b3480156104a1575f5ffd5b506102a26104b0366004614550565b61149d565b3480156104c0575f5ffd5b506102a26104cf366004614458565b611543565b3480156104df575f5ffd5b506102a26104ee3660046146f4565b6115e1565b3480156104fe575f5ffd5b506102a261050d366004614458565b611797565b6102a2610520366004614725565b611835565b348015610530575f5ffd5b50610539611854565b6040519081526020016102cf565b348015610552575f5ffd5b506102a261186f565b348015610566575f5ffd5b506102a261057536600461464f565b611882565b348015610585575f5ffd5b506102a2611896565b348015610599575f5ffd5b506105ad6105a83660046146d9565b6118de565b6040516102cf91906147c9565b3480156105c5575f5ffd5b506102a26105d436600461487f565b611b85565b3480156105e4575f5ffd5b506105ed611c66565b6040516102cf9190614967565b348015610605575f5ffd5b506103f4610614366004614a47565b611f15565b348015610624575f5ffd5b506103f4611f2e565b348015610638575f5ffd5b50600f5461047e906001600160401b031681565b348015610657575f5ffd5b506102a2610666366004614458565b611f62565b348015610676575f5ffd5b5061067f611ffc565b6040516102cf9190614a9c565b348015610697575f5ffd5b506102c36106a6366004614458565b60086020525f908152604090205460ff1681565b3480156106c5575f5ffd5b506103f46106d4366004614aae565b612088565b3480156106e4575f5ffd5b506102a26106f3366004614458565b6121d6565b348015610703575f5ffd5b5061070c612270565b6040516102cf96959493929190614b16565b348015610729575f5ffd5b506105ed612335565b34801561073d575f5ffd5b506102c361074c366004614550565b60056020525f908152604090205460ff1681565b34801561076b575f5ffd5b5061067f604051806040016040528060058152602001640352e302e360dc1b81525081565b34801561079b575f5ffd5b506102a26125db565b3480156107af575f5ffd5b5061032f612708565b3480156107c3575f5ffd5b50601b5461047e906001600160401b031681565b3480156107e2575f5ffd5b506102a26107f1366004614b62565b612738565b348015610801575f5ffd5b5061070c613208565b348015610815575f5ffd5b506103c7610824366004614688565b613240565b348015610834575f5ffd5b506103f46133e6565b348015610848575f5ffd5b506102a2610857366004614550565b61340e565b348015610867575f5ffd5b506102a2610876366004614bcd565b613493565b348015610886575f5ffd5b506102c3610895366004614458565b60066020525f908152604090205460ff1681565b6108b16134b9565b600a54600160201b90046001600160401b03165f0361092c5760405162461bcd60e51b815260206004820152602c60248201527f6e6f207468726573686f6c64206b657920736574206f6e20636861696e20746f60448201526b20726f746174652066726f6d60a01b60648201526084015b60405180910390fd5b6012805461093990614c5f565b158015915061095557506013805461095090614c5f565b151590505b6109f95760405162461bcd60e51b815260206004820152606360248201527f746865207468726573686f6c64206b657920736574206f6e20636861696e206860448201527f6173206e6f20726f6f74206b657973206b65707420776974682069743a20707560648201527f626c69736820697420616761696e206279206120726573686172696e672066696084820152621c9cdd60ea1b60a482015260c401610923565b63ffffffff6001600160401b0386161115610a755760405162461bcd60e51b815260206004820152603660248201527f6120726f6f7420726f746174696f6e27732065706f6368206d75737420666974604482015275206120726f6f742065706f6368202875696e7433322960501b6064820152608401610923565b6001816001600160401b031610158015610a9c57506301e133806001600160401b03821611155b610af65760405162461bcd60e51b815260206004820152602560248201527f68616e646f766572206d7573742062652031207365636f6e6420746f20333635604482015264206461797360d81b6064820152608401610923565b610afe6134eb565b15610b805760405162461bcd60e51b815260206004820152604660248201527f61207468726573686f6c642068616e646f76657220697320756e64657220776160448201527f793a20656e642069742066697273742028656e645468726573686f6c6448616e606482015265646f7665722960d01b608482015260a401610923565b610bc1858585855f604051908082528060200260200182016040528015610bbb57816020015b6060815260200190600190039081610ba65790505b5061351d565b6001600160401b038581165f81815260116020908152604091829020805467ffffffffffffffff19169486169485179055905192835290917fe248ca75de232bfebfe9467ef569b3ff4bccaf7046a69df92b92ef768ea05708910160405180910390a25050505050565b5f6001600160e01b031982166303c0f23360e31b1480610c5b57506301ffc9a760e01b6001600160e01b03198316145b92915050565b610c696134b9565b5f8181526008602052604090819020805460ff19166001179055517f4911843506849c85a5ca6e6e2c01eed2d3ab86baba619517a2aad9d5ab2aeff290610cb39083815260200190565b60405180910390a16040516001815281907fbc0346dd2a1caffcfdf89515e8a3ad921515d32b39d8e28334b87bd5a1bdb6aa9033905f516020615af35f395f51905f52906020015b60405180910390a450565b5f80548190610d1490614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054610d4090614c5f565b8015610d8b5780601f10610d6257610100808354040283529160200191610d8b565b820191905f5260205f20905b815481529060010190602001808311610d6e57829003601f168201915b505050505090806001018054610da090614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054610dcc90614c5f565b8015610e175780601f10610dee57610100808354040283529160200191610e17565b820191905f5260205f20905b815481529060010190602001808311610dfa57829003601f168201915b505050505090806002018054610e2c90614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054610e5890614c5f565b8015610ea35780601f10610e7a57610100808354040283529160200191610ea3565b820191905f5260205f20905b815481529060010190602001808311610e8657829003601f168201915b505050505090806003018054610eb890614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054610ee490614c5f565b8015610f2f5780601f10610f0657610100808354040283529160200191610f2f565b820191905f5260205f20905b815481529060010190602001808311610f1257829003601f168201915b5050505050905084565b604080518082019091526060808252602082015260196040518060400160405290815f82018054610f6990614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054610f9590614c5f565b8015610fe05780601f10610fb757610100808354040283529160200191610fe0565b820191905f5260205f20905b815481529060010190602001808311610fc357829003601f168201915b50505050508152602001600182018054610ff990614c5f565b80601f016020809104026020016040519081016040528092919081815260200182805461102590614c5f565b80156110705780601f1061104757610100808354040283529160200191611070565b820191905f5260205f20905b81548152906001019060200180831161105357829003601f168201915b505050505081525050905090565b6001600160a01b0381166110c55760405162461bcd60e51b815260206004820152600e60248201526d125b9d985b1a5908185c1c08125160921b6044820152606401610923565b6001600160a01b0381165f81815260056020908152604091829020805460ff1916600117905590519182527f0d540ad8f39e07d19909687352b9fa017405d93c91a6760981fbae9cf28bfef7910160405180910390a1604051600181526001600160a01b038216907f1a61f88f2e67632c1bf4321c88aec40bbf788e2b1a14b69f1186e6a3a31d90289033905f516020615af35f395f51905f5290602001610cfb565b6111706134b9565b600261117c8282614cf9565b5080805190602001207fadc23d82fa8b20f02103a2405c452d2446e5a589f0182bd71f6d87e3357fbe65336001600160a01b03165f516020615af35f395f51905f526001604051610cfb911515815260200190565b5f60606005826111e46020860186614550565b6001600160a01b0316815260208101919091526040015f205460ff16611236575050604080518082019091526012815271105c1c081b9bdd081c9959da5cdd195c995960721b60208201525f92909150565b60c08301355f9081526008602052604090205460ff1661128757505060408051808201909152601781527613d4c81a5b5859d9481a5cc81b9bdd08185b1b1bddd959604a1b60208201525f92909150565b6112946020840184614550565b6001600160a01b03163b5f036112e157505060408051808201909152601881527f41707020636f6e747261637420686173206e6f20636f6465000000000000000060208201525f92909150565b6112ee6020840184614550565b6001600160a01b0316631e079198846040518263ffffffff1660e01b81526004016113199190614eb4565b5f60405180830381865afa158015611333573d5f5f3e3d5ffd5b505050506040513d5f823e601f3d908101601f1916820160405261135a9190810190614f80565b91509150915091565b61136b6134b9565b5f8181526006602052604090819020805460ff19169055517f54cd662e41eec7ddf0f32f034b2533e481b471dd3ea978222d609ec8fffb1bb0906113b29083815260200190565b60405180910390a16040515f815281907f22cfb8b3fc209be958082ecee5badccf8f7ab55e79ec93f5ac413a164feb98ea9033905f516020615af35f395f51905f5290602001610cfb565b6114056134b9565b60046114118282614cf9565b507f5b2b64f770ea5266055ebd3ebf205ef06cbfa738e62684edf0e28356e34acf06816040516114419190614a9c565b60405180910390a180805190602001207f6061a738ec69c97ed6ae96633751763d1291f32a6ef6515845ad8ddefda35ec6336001600160a01b03165f516020615af35f395f51905f526001604051610cfb911515815260200190565b6114a56134b9565b600980546001600160a01b0319166001600160a01b0383169081179091556040519081527f08bb433f12b5fd81d2d5e0deeb3b4d28371781ddbd80e9d053e7468d2b1aa82d9060200160405180910390a1604051600181526001600160a01b038216907feec6b85dea30e3cb63f324855a4722f1bf23ddd4c142a551610e18744a1937349033905f516020615af35f395f51905f5290602001610cfb565b61154b6134b9565b5f8181526006602052604090819020805460ff19166001179055517f68615a0b92795750b3d180ff73429e1291d225e449eee954a567b91104fd9837906115959083815260200190565b60405180910390a16040516001815281907f22cfb8b3fc209be958082ecee5badccf8f7ab55e79ec93f5ac413a164feb98ea9033905f516020615af35f395f51905f5290602001610cfb565b5f6115ea6139ee565b805490915060ff600160401b82041615906001600160401b03165f811580156116105750825b90505f826001600160401b0316600114801561162b5750303b155b905081158015611639575080155b156116575760405163f92ee8a960e01b815260040160405180910390fd5b845467ffffffffffffffff19166001178555831561168157845460ff60401b1916600160401b1785555b6001600160a01b0387166116cf5760405162461bcd60e51b8152602060048201526015602482015274696e76616c6964206f776e6572206164647265737360581b6044820152606401610923565b6116d887613a16565b6116e0613a27565b6116e8613a27565b600980546001600160a01b0319166001600160a01b03881690811790915515611748576040516001600160a01b03871681527f08bb433f12b5fd81d2d5e0deeb3b4d28371781ddbd80e9d053e7468d2b1aa82d9060200160405180910390a15b831561178e57845460ff60401b19168555604051600181527fc7f505b2f371ae2175ee4913f4499e1f2633a7b5936321eed1cdaeb6115181d29060200160405180910390a15b50505050505050565b61179f6134b9565b5f8181526007602052604090819020805460ff19166001179055517ff2b290637b1193e12eb38ab32b986303639b1687cc2cd1e25f993e6eae2f4041906117e99083815260200190565b60405180910390a16040516001815281907f1a2d46e254225ae2e84638f6fcb742191317930982ce206e0917877506edc3a09033905f516020615af35f395f51905f5290602001610cfb565b61183d613a2f565b61184682613ad3565b6118508282613b28565b5050565b5f61185d613be9565b505f516020615b3c5f395f51905f5290565b6118776134b9565b6118805f613c32565b565b61188a6134b9565b600361117c8282614cf9565b33806118a06133e6565b6001600160a01b0316146118d25760405163118cdaa760e01b81526001600160a01b0382166004820152602401610923565b6118db81613c32565b50565b61190560405180606001604052805f61ffff16815260200160608152602001606081525090565b6001600160401b0382165f9081526010602090815260408083208151606081018352815461ffff1681526001820180548451818702810187019095528085529195929486810194939192919084015b82821015611aa3578382905f5260205f2090600202016040518060400160405290815f8201805461198490614c5f565b80601f01602080910402602001604051908101604052809291908181526020018280546119b090614c5f565b80156119fb5780601f106119d2576101008083540402835291602001916119fb565b820191905f5260205f20905b8154815290600101906020018083116119de57829003601f168201915b50505050508152602001600182018054611a1490614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054611a4090614c5f565b8015611a8b5780601f10611a6257610100808354040283529160200191611a8b565b820191905f5260205f20905b815481529060010190602001808311611a6e57829003601f168201915b50505050508152505081526020019060010190611954565b50505050815260200160028201805480602002602001604051908101604052809291908181526020015f905b82821015611b77578382905f5260205f20018054611aec90614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054611b1890614c5f565b8015611b635780601f10611b3a57610100808354040283529160200191611b63565b820191905f5260205f20905b815481529060010190602001808311611b4657829003601f168201915b505050505081526020019060010190611acf565b505050915250909392505050565b611b8d6134b9565b805181905f908190611b9f9082614cf9565b5060208201516001820190611bb49082614cf9565b5060408201516002820190611bc99082614cf9565b5060608201516003820190611bde9082614cf9565b505081516040517f77cdad119a452bbd96c45635758fc4af8a6bde3deaccf3fada634ddf9a1627069250611c129190614a9c565b60405180910390a1805180516020918201206040516001815290917fadc23d82fa8b20f02103a2405c452d2446e5a589f0182bd71f6d87e3357fbe659133915f516020615af35f395f51905f529101610cfb565b60606018805480602002602001604051908101604052809291908181526020015f905b82821015611f0c578382905f5260205f2090600602016040518060c00160405290815f82018054611cb990614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054611ce590614c5f565b8015611d305780601f10611d0757610100808354040283529160200191611d30565b820191905f5260205f20905b815481529060010190602001808311611d1357829003601f168201915b5050505050815260200160018201548152602001600282018054611d5390614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054611d7f90614c5f565b8015611dca5780601f10611da157610100808354040283529160200191611dca565b820191905f5260205f20905b815481529060010190602001808311611dad57829003601f168201915b50505050508152602001600382018054611de390614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054611e0f90614c5f565b8015611e5a5780601f10611e3157610100808354040283529160200191611e5a565b820191905f5260205f20905b815481529060010190602001808311611e3d57829003601f168201915b50505050508152602001600482018054611e7390614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054611e9f90614c5f565b8015611eea5780601f10611ec157610100808354040283529160200191611eea565b820191905f5260205f20905b815481529060010190602001808311611ecd57829003601f168201915b5050505050815260200160058201548152505081526020019060010190611c89565b50505050905090565b5f611f2486865f878787612088565b9695505050505050565b5f807f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c1993005b546001600160a01b031692915050565b611f6a6134b9565b5f8181526008602052604090819020805460ff19169055517f99b3cee95daf3138d0c982299cd0264f5b7a61aa629b42b92f3ec8966aa7f6fe90611fb19083815260200190565b60405180910390a16040515f815281907fbc0346dd2a1caffcfdf89515e8a3ad921515d32b39d8e28334b87bd5a1bdb6aa9033905f516020615af35f395f51905f5290602001610cfb565b6004805461200990614c5f565b80601f016020809104026020016040519081016040528092919081815260200182805461203590614c5f565b80156120805780601f1061205757610100808354040283529160200191612080565b820191905f5260205f20905b81548152906001019060200180831161206357829003601f168201915b505050505081565b6009545f906001600160a01b03166120e25760405162461bcd60e51b815260206004820181905260248201527f44737461636b41707020696d706c656d656e746174696f6e206e6f74207365746044820152606401610923565b6040516001600160a01b038816602482015286151560448201528515156064820152841515608482015260a4810184905260c481018390525f9060e40160408051601f198184030181529181526020820180516001600160e01b0316639ed2819360e01b17905260095490519192506001600160a01b031690829061216690614284565b612171929190615008565b604051809103905ff08015801561218a573d5f5f3e3d5ffd5b5091506121968261107e565b60405133906001600160a01b038416907ffd86d7f6962eba3b7a3bf9129c06c0b2f885e1c61ef2c9f0dbb856be0deefdee905f90a3509695505050505050565b6121de6134b9565b5f8181526007602052604090819020805460ff19169055517f1a9888a45e3df8b7e6bb3090747d598d2a0d78e61388161a90799f54df8f4434906122259083815260200190565b60405180910390a16040515f815281907f1a2d46e254225ae2e84638f6fcb742191317930982ce206e0917877506edc3a09033905f516020615af35f395f51905f5290602001610cfb565b601480546015805463ffffffff831693600160201b84046001600160401b031693600160601b900461ffff169290916122a890614c5f565b80601f01602080910402602001604051908101604052809291908181526020018280546122d490614c5f565b801561231f5780601f106122f65761010080835404028352916020019161231f565b820191905f5260205f20905b81548152906001019060200180831161230257829003601f168201915b5050505050908060020154908060030154905086565b6060600e805480602002602001604051908101604052809291908181526020015f905b82821015611f0c578382905f5260205f2090600602016040518060c00160405290815f8201805461238890614c5f565b80601f01602080910402602001604051908101604052809291908181526020018280546123b490614c5f565b80156123ff5780601f106123d6576101008083540402835291602001916123ff565b820191905f5260205f20905b8154815290600101906020018083116123e257829003601f168201915b505050505081526020016001820154815260200160028201805461242290614c5f565b80601f016020809104026020016040519081016040528092919081815260200182805461244e90614c5f565b80156124995780601f1061247057610100808354040283529160200191612499565b820191905f5260205f20905b81548152906001019060200180831161247c57829003601f168201915b505050505081526020016003820180546124b290614c5f565b80601f01602080910402602001604051908101604052809291908181526020018280546124de90614c5f565b80156125295780601f1061250057610100808354040283529160200191612529565b820191905f5260205f20905b81548152906001019060200180831161250c57829003601f168201915b5050505050815260200160048201805461254290614c5f565b80601f016020809104026020016040519081016040528092919081815260200182805461256e90614c5f565b80156125b95780601f10612590576101008083540402835291602001916125b9565b820191905f5260205f20905b81548152906001019060200180831161259c57829003601f168201915b5050505050815260200160058201548152505081526020019060010190612358565b601454600160201b90046001600160401b03165f0361263c5760405162461bcd60e51b815260206004820152601c60248201527f6e6f207468726573686f6c642068616e646f76657220746f20656e64000000006044820152606401610923565b6126446134eb565b15806126685750612653611f2e565b6001600160a01b0316336001600160a01b0316145b6127005760405162461bcd60e51b815260206004820152605a60248201527f746865207468726573686f6c642068616e646f76657220697320756e6465722060448201527f7761793a206f6e6c7920746865206f776e6572206d617920656e64206974206260648201527f65666f7265207468726573686f6c6448616e646f766572456e64000000000000608482015260a401610923565b611880613c6a565b604080518082019091526060808252602082015260126040518060400160405290815f82018054610f6990614c5f565b6127406134b9565b6001612752606085016040860161502b565b61ffff1610158015612777575080612770606085016040860161502b565b61ffff1611155b6127b75760405162461bcd60e51b81526020600482015260116024820152701a5b9d985b1a59081d1a1c995cda1bdb19607a1b6044820152606401610923565b600a54600160201b90046001600160401b03166127da60408501602086016146d9565b6001600160401b0316116128305760405162461bcd60e51b815260206004820152601d60248201527f636f6d6d69747465652065706f6368206d75737420696e6372656173650000006044820152606401610923565b600161283f6020850185615057565b63ffffffff161015801561287d575061285e60408401602085016146d9565b6001600160401b03166128746020850185615057565b63ffffffff1611155b6128be5760405162461bcd60e51b81526020600482015260126024820152710d2dcecc2d8d2c840e4dedee840cae0dec6d60731b6044820152606401610923565b600a5463ffffffff166128d46020850185615057565b63ffffffff1610156129285760405162461bcd60e51b815260206004820152601c60248201527f726f6f742065706f6368206d757374206e6f74206465637265617365000000006044820152606401610923565b6129356060840184615072565b90506021146129865760405162461bcd60e51b815260206004820152601760248201527f696e76616c69642064657269766174696f6e20726f6f740000000000000000006044820152606401610923565b60a08301356129ca5760405162461bcd60e51b815260206004820152601060248201526f1a5b9d985b1a5908195b9d881c9bdbdd60821b6044820152606401610923565b600f546001600160401b03161580612a045750600f546001600160401b03166129f960408501602086016146d9565b6001600160401b0316145b612a645760405162461bcd60e51b815260206004820152602b60248201527f6e6f7420746865206c617465737420636f6d6d697474656520676f7665726e6160448201526a1b98d948191958da59195960aa1b6064820152608401610923565b5f601081612a7860408701602088016146d9565b6001600160401b0316815260208101919091526040015f20600181015490915015612bf657805461ffff16612ab3606086016040870161502b565b61ffff16148015612ac75750600181015482145b612b2b5760405162461bcd60e51b815260206004820152602f60248201527f6e6f742074686520636f6d6d697474656520676f7665726e616e63652073657460448201526e040ccdee440e8d0d2e640cae0dec6d608b1b6064820152608401610923565b5f5b82811015612bf457612b6c82858584818110612b4b57612b4b6150b4565b9050602002810190612b5d91906150c8565b612b679080615072565b613d54565b612bec5760405162461bcd60e51b8152602060048201526044602482018190527f61207368617265206f662061206e6f6465206e6f7420696e2074686520636f6d908201527f6d697474656520676f7665726e616e63652073657420666f72207468697320656064820152630e0dec6d60e31b608482015260a401610923565b600101612b2d565b505b5f601181612c0a60408801602089016146d9565b6001600160401b03908116825260208201929092526040015f2054600a549082169250600160201b90041615801590612c5c5750600a5463ffffffff16612c546020870187615057565b63ffffffff16115b15612da357806001600160401b03165f03612ce95760405162461bcd60e51b815260206004820152604160248201527f6e657720726f6f74732c2062757420676f7665726e616e63652064656369646560448201527f64206e6f20726f6f7420726f746174696f6e20666f7220746869732065706f636064820152600d60fb1b608482015260a401610923565b612cf960408601602087016146d9565b6001600160401b0316612d0f6020870187615057565b63ffffffff1614612d885760405162461bcd60e51b815260206004820152603860248201527f6120726f6f7420726f746174696f6e277320726f6f742065706f6368206d757360448201527f742062652069747320636f6d6d69747465652065706f636800000000000000006064820152608401610923565b612d9e81612d996020880188615057565b613ddd565b612e3c565b6001600160401b03811615612e3c5760405162461bcd60e51b815260206004820152605360248201527f676f7665726e616e63652064656369646564206120726f6f7420726f7461746960448201527f6f6e20666f7220746869732065706f63683a20697473206b657920736574206d606482015272757374206265206f66206e657720726f6f747360681b608482015260a401610923565b84600a612e49828261519a565b90505060405180604001604052805f6001018054612e6690614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054612e9290614c5f565b8015612edd5780601f10612eb457610100808354040283529160200191612edd565b820191905f5260205f20905b815481529060010190602001808311612ec057829003601f168201915b505050505081526020015f5f018054612ef590614c5f565b80601f0160208091040260200160405190810160405280929190818152602001828054612f2190614c5f565b8015612f6c5780601f10612f4357610100808354040283529160200191612f6c565b820191905f5260205f20905b815481529060010190602001808311612f4f57829003601f168201915b50505091909252505080516012908190612f869082614cf9565b5060208201516001820190612f9b9082614cf9565b50612fab9150600e90505f614291565b5f5b8381101561314c5736858583818110612fc857612fc86150b4565b9050602002810190612fda91906150c8565b905081158061301d575060208101358686612ff6600186615256565b818110613005576130056150b4565b905060200281019061301791906150c8565b60200135105b6130695760405162461bcd60e51b815260206004820152601760248201527f736861726520696473206d75737420696e6372656173650000000000000000006044820152606401610923565b6130766040820182615072565b90506021148015613095575061308f6060820182615072565b90506021145b80156130af57506130a96080820182615072565b90506021145b80156130be575060a081013515155b6131015760405162461bcd60e51b8152602060048201526014602482015273696e76616c6964207075626c696320736861726560601b6044820152606401610923565b600e80546001810182555f9190915281906006027fbb7b4a454dc3493923482f07822329ed19e8244eff582cc204f8554c3620c3fd016131418282615269565b505050600101612fad565b5061315d60408601602087016146d9565b6001600160401b03166131736020870187615057565b63ffffffff167f385c170398944465267c1417626c977652cfa89ca4520d90cab017948f43d8b587608001356040516131ae91815260200190565b60405180910390a3604051600181526080860135907f0d5d6e91d3d4a52a3f1c9d0e4438fe078304456c7b70cc23d015c13e3ccb19cf9033905f516020615af35f395f51905f529060200160405180910390a45050505050565b600a8054600b805463ffffffff831693600160201b84046001600160401b031693600160601b900461ffff169290916122a890614c5f565b6040805180820190915260088152675570546f4461746560c01b6020909101525f60607f8dd11fcce5839087111530125177803569655488ae47b1f980ef0b1a711bf07c61329160e0850185615072565b60405161329f929190615395565b6040518091039020146132e957505060408051808201909152601c81527f54434220737461747573206973206e6f7420757020746f20646174650000000060208201525f92909150565b60c08301355f9081526008602052604090205460ff1661333a57505060408051808201909152601781527613d4c81a5b5859d9481a5cc81b9bdd08185b1b1bddd959604a1b60208201525f92909150565b60808301355f9081526006602052604090205460ff1661339157505060408051808201909152601981527f41676772656761746564204d52206e6f7420616c6c6f7765640000000000000060208201525f92909150565b60608301355f9081526007602052604090205460ff166133ce575f604051806060016040528060298152602001615b136029913991509150915091565b505060408051602081019091525f8152600192909150565b5f807f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c00611f52565b6134166134b9565b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b0319166001600160a01b038316908117825561345a611f2e565b6001600160a01b03167f38d16b8cac22d99fc7c124b9cd0de2d3fa1faef420bfe791d8c362d765e2270060405160405180910390a35050565b61349b6134b9565b6134b1868686866134ac86886153a4565b61351d565b505050505050565b336134c2611f2e565b6001600160a01b0316146118805760405163118cdaa760e01b8152336004820152602401610923565b6014545f90600160201b90046001600160401b0316158015906135185750601b546001600160401b031642105b905090565b600f546001600160401b039081169086161180156135505750600a546001600160401b03600160201b9091048116908616115b61359c5760405162461bcd60e51b815260206004820152601d60248201527f636f6d6d69747465652065706f6368206d75737420696e6372656173650000006044820152606401610923565b600282108015906135ae575060408211155b6135fa5760405162461bcd60e51b815260206004820152601f60248201527f6120636f6d6d697474656520686173203220746f203634206d656d62657273006044820152606401610923565b60028461ffff1610158015613613575061ffff84168210155b6136535760405162461bcd60e51b81526020600482015260116024820152701a5b9d985b1a59081d1a1c995cda1bdb19607a1b6044820152606401610923565b60408151111561369a5760405162461bcd60e51b8152602060048201526012602482015271746f6f206d616e792066726f6d4e6f64657360701b6044820152606401610923565b6001600160401b0385165f908152601060205260408120805461ffff191661ffff8716178155905b838110156138b8575f8585838181106136dd576136dd6150b4565b90506020028101906136ef9190615428565b6136f99080615072565b905011801561373a57505f858583818110613716576137166150b4565b90506020028101906137289190615428565b613736906020810190615072565b9050115b6137865760405162461bcd60e51b815260206004820152601a60248201527f6d656d62657220776974686f7574206e616d65206f722075726c0000000000006044820152606401610923565b5f5b81811015613864578585838181106137a2576137a26150b4565b90506020028101906137b49190615428565b6137be9080615072565b6040516137cc929190615395565b60405180910390208686838181106137e6576137e66150b4565b90506020028101906137f89190615428565b6138029080615072565b604051613810929190615395565b60405180910390200361385c5760405162461bcd60e51b81526020600482015260146024820152737265706561746564206d656d626572206e616d6560601b6044820152606401610923565b600101613788565b508160010185858381811061387b5761387b6150b4565b905060200281019061388d9190615428565b81546001810183555f92835260209092209091600202016138ae828261543c565b50506001016136c2565b505f5b825181101561390b57816002018382815181106138da576138da6150b4565b60209081029190910181015182546001810184555f9384529190922001906139029082614cf9565b506001016138bb565b50600f805467ffffffffffffffff19166001600160401b0388161790556040515f90613941908790879087908790602001615513565b60408051601f19818403018152828252805160209182012061ffff8a16845290830181905292506001600160401b038916917fa80166220ff050b1f12ab147dfb6b905046f28c7a74c9ca291983505395ac9b2910160405180910390a26040516001815281907fbb393e026706e51ba881a588cc518415e7b8a18e8fe478281b6e5d6275c338049033905f516020615af35f395f51905f529060200160405180910390a450505050505050565b5f807ff0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00610c5b565b613a1e613ff7565b6118db8161401c565b611880613ff7565b306001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161480613ab557507f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316613aa95f516020615b3c5f395f51905f52546001600160a01b031690565b6001600160a01b031614155b156118805760405163703e46dd60e11b815260040160405180910390fd5b613adb6134b9565b604051600181526001600160a01b038216907fdd3079240d4e002c905dcbcaf6b06d77e782afb127bbb837120b8c7fc6703da39033905f516020615af35f395f51905f5290602001610cfb565b816001600160a01b03166352d1902d6040518163ffffffff1660e01b8152600401602060405180830381865afa925050508015613b82575060408051601f3d908101601f19168201909252613b7f918101906155d5565b60015b613baa57604051634c9c8ce360e01b81526001600160a01b0383166004820152602401610923565b5f516020615b3c5f395f51905f528114613bda57604051632a87526960e21b815260048101829052602401610923565b613be4838361404d565b505050565b306001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146118805760405163703e46dd60e11b815260040160405180910390fd5b7f237e158222e3e6968b72b9db0d8043aacf074ad9f650f0d1606b4d82ee432c0080546001600160a01b0319168155611850826140a2565b60145460405163ffffffff909116907f5532e98c1a9c70893d5195e891193eb6b8f48f01a028a3472928f685989dd342905f90a26016546040515f81527f293d3b14729b1411bceca8209f11022d9f037d68af54c55c71cb56dd7ad9f8c79033905f516020615af35f395f51905f529060200160405180910390a4601480546dffffffffffffffffffffffffffff191681555f613d086015826142ac565b600282015f9055600382015f9055505060185f613d259190614291565b60195f613d3282826142ac565b613d3f600183015f6142ac565b5050601b805467ffffffffffffffff19169055565b5f5f8383604051613d66929190615395565b60405190819003902090505f5b6001860154811015613dd05781866001018281548110613d9557613d956150b4565b905f5260205f2090600202015f01604051613db091906155ec565b604051809103902003613dc857600192505050613dd6565b600101613d73565b505f9150505b9392505050565b601454600160201b90046001600160401b031615613dfd57613dfd613c6a565b600a80546014805463ffffffff83166bffffffffffffffffffffffff1990911617600160201b8084046001600160401b0316021761ffff60601b1916600160601b9283900461ffff169092029190911781556015613e5c600b8261565d565b50600282810154908201556003918201549101555f5b600e54811015613f14576018600e8281548110613e9157613e916150b4565b5f918252602080832084546001810186559484529220600691820290920192020180613ebd838261565d565b506001820154816001015560028201816002019081613edc919061565d565b50600381810190613eef9084018261565d565b50600481810190613f029084018261565d565b50600591820154910155600101613e72565b506012601980613f24838261565d565b50600181810190613f379084018261565d565b505f9150613f479050834261571d565b601b805467ffffffffffffffff19166001600160401b038316908117909155600a5460405191825291925063ffffffff8481169216907fe7dfa36fdf3a10176113a76a2e426a9a2f68687ba12f7f712f2fe9590e2aaf019060200160405180910390a3600c54604051600181527f293d3b14729b1411bceca8209f11022d9f037d68af54c55c71cb56dd7ad9f8c79033905f516020615af35f395f51905f529060200160405180910390a4505050565b613fff614112565b61188057604051631afcd79f60e31b815260040160405180910390fd5b614024613ff7565b6001600160a01b0381166118d257604051631e4fbdf760e01b81525f6004820152602401610923565b6140568261412b565b6040516001600160a01b038316907fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b905f90a280511561409a57613be4828261418e565b61185061422e565b7f9016d09d72d40fdae2fd8ceac6b6234c7706214fd39c1cd1e609a0528c19930080546001600160a01b031981166001600160a01b03848116918217845560405192169182907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a3505050565b5f61411b6139ee565b54600160401b900460ff16919050565b806001600160a01b03163b5f0361416057604051634c9c8ce360e01b81526001600160a01b0382166004820152602401610923565b5f516020615b3c5f395f51905f5280546001600160a01b0319166001600160a01b0392909216919091179055565b60605f61419b848461424d565b90508080156141bc57505f3d11806141bc57505f846001600160a01b03163b115b156141d1576141c9614260565b915050610c5b565b80156141fb57604051639996b31560e01b81526001600160a01b0385166004820152602401610923565b3d1561420e57614209614279565b614227565b60405163d6bda27560e01b815260040160405180910390fd5b5092915050565b34156118805760405163b398979f60e01b815260040160405180910390fd5b5f5f5f835160208501865af49392505050565b6040513d81523d5f602083013e3d602001810160405290565b6040513d5f823e3d81fd5b6103b68061573d83390190565b5080545f8255600602905f5260205f209061188091906142e0565b5080546142b890614c5f565b5f825580601f106142c7575050565b601f0160209004905f5260205f20906118809190614339565b5f5b80821115613be4578083015f6142f882826142ac565b600182015f9055600282015f61430e91906142ac565b61431b600383015f6142ac565b614328600483015f6142ac565b600582015f905550506006016142e2565b5f5b80821115613be4575f8184015560010161433b565b6001600160401b03811681146118db575f5ffd5b61ffff811681146118db575f5ffd5b5f5f83601f840112614383575f5ffd5b5081356001600160401b03811115614399575f5ffd5b6020830191508360208260051b85010111156143b3575f5ffd5b9250929050565b5f5f5f5f5f608086880312156143ce575f5ffd5b85356143d981614350565b945060208601356143e981614364565b935060408601356001600160401b03811115614403575f5ffd5b61440f88828901614373565b909450925050606086013561442381614350565b809150509295509295909350565b5f60208284031215614441575f5ffd5b81356001600160e01b031981168114613dd6575f5ffd5b5f60208284031215614468575f5ffd5b5035919050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b608081525f6144af608083018761446f565b82810360208401526144c1818761446f565b905082810360408401526144d5818661446f565b905082810360608401526144e9818561446f565b979650505050505050565b602081525f82516040602084015261450f606084018261446f565b90506020840151601f1984830301604085015261452c828261446f565b95945050505050565b80356001600160a01b038116811461454b575f5ffd5b919050565b5f60208284031215614560575f5ffd5b613dd682614535565b634e487b7160e01b5f52604160045260245ffd5b604051608081016001600160401b038111828210171561459f5761459f614569565b60405290565b604051601f8201601f191681016001600160401b03811182821017156145cd576145cd614569565b604052919050565b5f6001600160401b038211156145ed576145ed614569565b50601f01601f191660200190565b5f82601f83011261460a575f5ffd5b8135602083015f61462261461d846145d5565b6145a5565b9050828152858383011115614635575f5ffd5b828260208301375f92810160200192909252509392505050565b5f6020828403121561465f575f5ffd5b81356001600160401b03811115614674575f5ffd5b614680848285016145fb565b949350505050565b5f60208284031215614698575f5ffd5b81356001600160401b038111156146ad575f5ffd5b82016101208185031215613dd6575f5ffd5b8215158152604060208201525f614680604083018461446f565b5f602082840312156146e9575f5ffd5b8135613dd681614350565b5f5f60408385031215614705575f5ffd5b61470e83614535565b915061471c60208401614535565b90509250929050565b5f5f60408385031215614736575f5ffd5b61473f83614535565b915060208301356001600160401b03811115614759575f5ffd5b614765858286016145fb565b9150509250929050565b5f82825180855260208501945060208160051b830101602085015f5b838110156147bd57601f198584030188526147a783835161446f565b602098890198909350919091019060010161478b565b50909695505050505050565b602081525f6080820161ffff845116602084015260208401516060604085015281815180845260a08601915060a08160051b87010193506020830192505f5b8181101561486057609f19878603018352835180516040875261482e604088018261446f565b9050602082015191508681036020880152614849818361446f565b965050506020938401939290920191600101614808565b505050506040840151838203601f1901606085015261452c828261476f565b5f6020828403121561488f575f5ffd5b81356001600160401b038111156148a4575f5ffd5b8201608081850312156148b5575f5ffd5b6148bd61457d565b81356001600160401b038111156148d2575f5ffd5b6148de868285016145fb565b82525060208201356001600160401b038111156148f9575f5ffd5b614905868285016145fb565b60208301525060408201356001600160401b03811115614923575f5ffd5b61492f868285016145fb565b60408301525060608201356001600160401b0381111561494d575f5ffd5b614959868285016145fb565b606083015250949350505050565b5f602082016020835280845180835260408501915060408160051b8601019250602086015f5b82811015614a2e57603f198786030184528151805160c087526149b360c088018261446f565b905060208201516020880152604082015187820360408901526149d6828261446f565b915050606082015187820360608901526149f0828261446f565b91505060808201518782036080890152614a0a828261446f565b60a0938401519890930197909752509450602093840193919091019060010161498d565b50929695505050505050565b80151581146118db575f5ffd5b5f5f5f5f5f60a08688031215614a5b575f5ffd5b614a6486614535565b94506020860135614a7481614a3a565b93506040860135614a8481614a3a565b94979396509394606081013594506080013592915050565b602081525f613dd6602083018461446f565b5f5f5f5f5f5f60c08789031215614ac3575f5ffd5b614acc87614535565b95506020870135614adc81614a3a565b94506040870135614aec81614a3a565b93506060870135614afc81614a3a565b9598949750929560808101359460a0909101359350915050565b63ffffffff871681526001600160401b038616602082015261ffff8516604082015260c060608201525f614b4d60c083018661446f565b60808301949094525060a00152949350505050565b5f5f5f60408486031215614b74575f5ffd5b83356001600160401b03811115614b89575f5ffd5b840160c08187031215614b9a575f5ffd5b925060208401356001600160401b03811115614bb4575f5ffd5b614bc086828701614373565b9497909650939450505050565b5f5f5f5f5f5f60808789031215614be2575f5ffd5b8635614bed81614350565b95506020870135614bfd81614364565b945060408701356001600160401b03811115614c17575f5ffd5b614c2389828a01614373565b90955093505060608701356001600160401b03811115614c41575f5ffd5b614c4d89828a01614373565b979a9699509497509295939492505050565b600181811c90821680614c7357607f821691505b602082108103614c9157634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115613be45782821115613be457805f5260205f20601f840160051c6020851015614cc257505f5b90810190601f840160051c035f5b818110156134b1575f83820155600101614cd0565b5f19600383901b1c191660019190911b1790565b81516001600160401b03811115614d1257614d12614569565b614d2681614d208454614c5f565b84614c97565b6020601f821160018114614d53575f8315614d415750848201515b614d4b8482614ce5565b855550614dab565b5f84815260208120601f198516915b82811015614d825787850151825560209485019460019092019101614d62565b5084821015614d9f57868401515f19600387901b60f8161c191681555b505060018360011b0184555b5050505050565b5f5f8335601e19843603018112614dc7575f5ffd5b83016020810192503590506001600160401b03811115614de5575f5ffd5b8036038213156143b3575f5ffd5b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b5f5f8335601e19843603018112614e30575f5ffd5b83016020810192503590506001600160401b03811115614e4e575f5ffd5b8060051b36038213156143b3575f5ffd5b5f8383855260208501945060208460051b820101835f5b868110156147bd57838303601f19018852614e918287614db2565b614e9c858284614df3565b60209a8b019a90955093909301925050600101614e76565b60208152614ed560208201614ec884614535565b6001600160a01b03169052565b5f5f6020840135905080604084015250614ef160408401614535565b6001600160a01b038116606084015250606083013560808381019190915283013560a08084019190915283013560c08084019190915283013560e080840191909152614f3f90840184614db2565b610120610100850152614f5761014085018284614df3565b915050614f68610100850185614e1b565b848303601f1901610120860152611f24838284614e5f565b5f5f60408385031215614f91575f5ffd5b8251614f9c81614a3a565b60208401519092506001600160401b03811115614fb7575f5ffd5b8301601f81018513614fc7575f5ffd5b8051614fd561461d826145d5565b818152866020838501011115614fe9575f5ffd5b8160208401602083015e5f602083830101528093505050509250929050565b6001600160a01b03831681526040602082018190525f906146809083018461446f565b5f6020828403121561503b575f5ffd5b8135613dd681614364565b63ffffffff811681146118db575f5ffd5b5f60208284031215615067575f5ffd5b8135613dd681615046565b5f5f8335601e19843603018112615087575f5ffd5b8301803591506001600160401b038211156150a0575f5ffd5b6020019150368190038213156143b3575f5ffd5b634e487b7160e01b5f52603260045260245ffd5b5f823560be198336030181126150dc575f5ffd5b9190910192915050565b6001600160401b038311156150fd576150fd614569565b6151118361510b8354614c5f565b83614c97565b5f601f84116001811461513d575f851561512b5750838201355b6151358682614ce5565b845550614dab565b5f83815260208120601f198716915b8281101561516c578685013582556020948501946001909201910161514c565b5086821015615188575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b81356151a581615046565b815460208401356151b581614350565b6bffffffffffffffff000000008160201b1663ffffffff84166bffffffffffffffffffffffff198416171784555050505f60408301356151f481614364565b825461ffff60601b1916606091821b61ffff60601b1617835561521a9150830183615072565b6152288183600186016150e6565b50506080820135600282015560a090910135600390910155565b634e487b7160e01b5f52601160045260245ffd5b81810381811115610c5b57610c5b615242565b6152738283615072565b6001600160401b0381111561528a5761528a614569565b61529e816152988554614c5f565b85614c97565b5f601f8211600181146152ca575f83156152b85750838201355b6152c28482614ce5565b865550615321565b5f85815260208120601f198516915b828110156152f957868501358255602094850194600190920191016152d9565b5084821015615315575f1960f88660031b161c19848701351681555b505060018360011b0185555b505050506020820135600182015561533c6040830183615072565b61534a8183600286016150e6565b50506153596060830183615072565b6153678183600386016150e6565b50506153766080830183615072565b6153848183600486016150e6565b505060a09190910135600590910155565b818382375f9101908152919050565b5f6001600160401b038311156153bc576153bc614569565b8260051b6153cc602082016145a5565b848152908301906020810190368311156153e4575f5ffd5b845b8381101561541e5780356001600160401b03811115615403575f5ffd5b61540f368289016145fb565b845250602092830192016153e6565b5095945050505050565b5f8235603e198336030181126150dc575f5ffd5b6154468283615072565b6001600160401b0381111561545d5761545d614569565b61546b816152988554614c5f565b5f601f821160018114615497575f83156154855750838201355b61548f8482614ce5565b8655506154ee565b5f85815260208120601f198516915b828110156154c657868501358255602094850194600190920191016154a6565b50848210156154e2575f1960f88660031b161c19848701351681555b505060018360011b0185555b505050506154ff6020830183615072565b61550d8183600186016150e6565b50505050565b61ffff8516815260606020820181905281018390525f6080600585901b830181019083018683603e1936839003015b888210156155bf57868503607f190184528235818112615560575f5ffd5b8a0161556c8180614db2565b6040885261557e604089018284614df3565b91505061558e6020830183614db2565b925087820360208901526155a3828483614df3565b9750505050602083019250602084019350600182019150615542565b5050505082810360408401526144e9818561476f565b5f602082840312156155e5575f5ffd5b5051919050565b5f5f83546155f981614c5f565b600182168015615610576001811461562557615652565b60ff1983168652811515820286019350615652565b865f5260205f205f5b8381101561564a5781548882015260019091019060200161562e565b505081860193505b509195945050505050565b818103615668575050565b6156728254614c5f565b6001600160401b0381111561568957615689614569565b61569781614d208454614c5f565b5f601f8211600181146156ba575f8315614d41575084820154614d4b8482614ce5565b5f8581526020808220868352908220601f198616925b838110156156f057828601548255600195860195909101906020016156d0565b508583101561570d57818501545f19600388901b60f8161c191681555b5050505050600190811b01905550565b6001600160401b038181168382160190811115610c5b57610c5b61524256fe60806040526040516103b63803806103b683398101604081905261002291610238565b8051610041576040516330a289cf60e21b815260040160405180910390fd5b61004b8282610052565b5050610307565b61005b826100b0565b6040516001600160a01b038316907fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b905f90a28051156100a45761009f828261012b565b505050565b6100ac6101cc565b5050565b806001600160a01b03163b5f036100ea57604051634c9c8ce360e01b81526001600160a01b03821660048201526024015b60405180910390fd5b7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc80546001600160a01b0319166001600160a01b0392909216919091179055565b60605f61013884846101ed565b905080801561015957505f3d118061015957505f846001600160a01b03163b115b1561016e57610166610200565b9150506101c6565b801561019857604051639996b31560e01b81526001600160a01b03851660048201526024016100e1565b3d156101ab576101a6610219565b6101c4565b60405163d6bda27560e01b815260040160405180910390fd5b505b92915050565b34156101eb5760405163b398979f60e01b815260040160405180910390fd5b565b5f5f5f835160208501865af49392505050565b6040513d81523d5f602083013e3d602001810160405290565b6040513d5f823e3d81fd5b634e487b7160e01b5f52604160045260245ffd5b5f5f60408385031215610249575f5ffd5b82516001600160a01b038116811461025f575f5ffd5b60208401519092506001600160401b0381111561027a575f5ffd5b8301601f8101851361028a575f5ffd5b80516001600160401b038111156102a3576102a3610224565b604051601f8201601f19908116603f011681016001600160401b03811182821017156102d1576102d1610224565b6040528181528282016020018710156102e8575f5ffd5b8160208401602083015e5f602083830101528093505050509250929050565b60a3806103135f395ff3fe6080604052600a600c565b005b60186014601a565b6050565b565b5f604b7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc546001600160a01b031690565b905090565b365f5f375f5f365f845af43d5f5f3e8080156069573d5ff35b3d5ffdfea2646970667358221220bad72f1747bcce689cd4051753ea94cc89a814c8bc0eb5b8d72bf16495b0936d64736f6c63430008250033341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c323754b4d53206973206e6f7420616c6c6f77656420746f20626f6f74206f6e207468697320646576696365360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbca26469706673582212208d21a7eed94bee9ca6121b39159cc98d46ccf08a10f139f8684c9ebff86d346c64736f6c63430008250033",
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
