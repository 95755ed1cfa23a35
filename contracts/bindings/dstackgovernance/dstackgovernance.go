// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package dstackgovernance

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

// DstackGovernanceMetaData contains all meta data concerning the DstackGovernance contract.
var DstackGovernanceMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address[]\",\"name\":\"_approvers\",\"type\":\"address[]\"},{\"internalType\":\"uint256\",\"name\":\"_threshold\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"_timelock\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"approver\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"approvals\",\"type\":\"uint256\"}],\"name\":\"ProposalApproved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"canceller\",\"type\":\"address\"}],\"name\":\"ProposalCancelled\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"proposer\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"app\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bool\",\"name\":\"add\",\"type\":\"bool\"}],\"name\":\"ProposalCreated\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"executor\",\"type\":\"address\"}],\"name\":\"ProposalExecuted\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"app\",\"type\":\"address\"}],\"name\":\"acceptAppOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"approvedBy\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"approvers\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"cancel\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"execute\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isApprover\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"proposalCount\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"proposals\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"app\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"internalType\":\"bool\",\"name\":\"add\",\"type\":\"bool\"},{\"internalType\":\"address\",\"name\":\"proposer\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"approvals\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"readyAt\",\"type\":\"uint256\"},{\"internalType\":\"bool\",\"name\":\"executed\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"cancelled\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"app\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"composeHash\",\"type\":\"bytes32\"},{\"internalType\":\"bool\",\"name\":\"add\",\"type\":\"bool\"}],\"name\":\"propose\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"threshold\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"timelock\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "DstackGovernance",
	Bin: "0x60c060405234801561000f575f5ffd5b50604051610ee3380380610ee383398101604081905261002e91610236565b5f8211801561003e575082518211155b6100835760405162461bcd60e51b81526020600482015260116024820152701a5b9d985b1a59081d1a1c995cda1bdb19607a1b60448201526064015b60405180910390fd5b5f5b83518110156101f7575f6001600160a01b03168482815181106100aa576100aa610312565b60200260200101516001600160a01b031614158015610101575060015f8583815181106100d9576100d9610312565b6020908102919091018101516001600160a01b031682528101919091526040015f205460ff16155b61014d5760405162461bcd60e51b815260206004820152601d60248201527f696e76616c6964206f72206475706c696361746520617070726f766572000000604482015260640161007a565b6001805f86848151811061016357610163610312565b60200260200101516001600160a01b03166001600160a01b031681526020019081526020015f205f6101000a81548160ff0219169083151502179055505f8482815181106101b3576101b3610312565b6020908102919091018101518254600180820185555f9485529290932090920180546001600160a01b0319166001600160a01b039093169290921790915501610085565b5060809190915260a05250610326565b634e487b7160e01b5f52604160045260245ffd5b80516001600160a01b0381168114610231575f5ffd5b919050565b5f5f5f60608486031215610248575f5ffd5b83516001600160401b0381111561025d575f5ffd5b8401601f8101861361026d575f5ffd5b80516001600160401b0381111561028657610286610207565b604051600582901b90603f8201601f191681016001600160401b03811182821017156102b4576102b4610207565b6040529182526020818401810192908101898411156102d1575f5ffd5b6020850194505b838510156102f7576102e98561021b565b8152602094850194016102d8565b50602088015160409098015190999798509695505050505050565b634e487b7160e01b5f52603260045260245ffd5b60805160a051610b8761035c5f395f818161020301526104dc01525f8181610136015281816104b2015261076d0152610b875ff3fe608060405234801561000f575f5ffd5b50600436106100b1575f3560e01c8063b759f9541161006e578063b759f954146101d8578063ba676624146101eb578063d33219b4146101fe578063d3650fb814610225578063da35c66414610250578063fe0d94c114610258575f5ffd5b8063013cf08b146100b557806340e58ee51461011c57806342cde4e8146101315780634713017d146101665780636d218e481461017957806385667f1c146101ab575b5f5ffd5b6100c86100c3366004610a37565b61026b565b604080516001600160a01b03998a168152602081019890985295151595870195909552959092166060850152608084015260a083015291151560c082015290151560e0820152610100015b60405180910390f35b61012f61012a366004610a37565b6102d1565b005b6101587f000000000000000000000000000000000000000000000000000000000000000081565b604051908152602001610113565b61012f610174366004610a64565b610356565b61019b610187366004610a64565b60016020525f908152604090205460ff1681565b6040519015158152602001610113565b61019b6101b9366004610a84565b600360209081525f928352604080842090915290825290205460ff1681565b61012f6101e6366004610a37565b6103d5565b6101586101f9366004610aae565b610553565b6101587f000000000000000000000000000000000000000000000000000000000000000081565b610238610233366004610a37565b610738565b6040516001600160a01b039091168152602001610113565b600254610158565b61012f610266366004610a37565b61075f565b6002818154811061027a575f80fd5b5f9182526020909120600690910201805460018201546002830154600384015460048501546005909501546001600160a01b039485169650929460ff80841695610100948590041694929391928082169290041688565b335f9081526001602052604090205460ff166103085760405162461bcd60e51b81526004016102ff90610aef565b60405180910390fd5b5f61031282610939565b60058101805461ff001916610100179055604051909150339083907f74c34a008ce735d9fcf0bd03a9b238d212ad4c441c020661f4ffbb6442645b85905f90a35050565b335f9081526001602052604090205460ff166103845760405162461bcd60e51b81526004016102ff90610aef565b806001600160a01b03166379ba50976040518163ffffffff1660e01b81526004015f604051808303815f87803b1580156103bc575f5ffd5b505af11580156103ce573d5f5f3e3d5ffd5b5050505050565b335f9081526001602052604090205460ff166104035760405162461bcd60e51b81526004016102ff90610aef565b5f61040d82610939565b5f83815260036020908152604080832033845290915290205490915060ff161561046c5760405162461bcd60e51b815260206004820152601060248201526f185b1c9958591e48185c1c1c9bdd995960821b60448201526064016102ff565b5f8281526003602081815260408084203385529091528220805460ff191660019081179091559083018054919290916104a6908490610b18565b909155505060038101547f00000000000000000000000000000000000000000000000000000000000000009003610507576105017f000000000000000000000000000000000000000000000000000000000000000042610b18565b60048201555b336001600160a01b0316827f2f0f51d2f12c71357e60d575d47e93e081dbaf32072245ab1e01540f0aadbf1a836003015460405161054791815260200190565b60405180910390a35050565b335f9081526001602052604081205460ff166105815760405162461bcd60e51b81526004016102ff90610aef565b60028054905090506002604051806101000160405280866001600160a01b031681526020018581526020018415158152602001336001600160a01b031681526020015f81526020015f81526020015f151581526020015f1515815250908060018154018082558091505060019003905f5260205f2090600602015f909190919091505f820151815f015f6101000a8154816001600160a01b0302191690836001600160a01b03160217905550602082015181600101556040820151816002015f6101000a81548160ff02191690831515021790555060608201518160020160016101000a8154816001600160a01b0302191690836001600160a01b031602179055506080820151816003015560a0820151816004015560c0820151816005015f6101000a81548160ff02191690831515021790555060e08201518160050160016101000a81548160ff0219169083151502179055505050836001600160a01b0316336001600160a01b0316827fa73ef0e3b3cec434cc7c1e1472550aea50a7b4e90197896adcacd70aedb9caae86866040516107299291909182521515602082015260400190565b60405180910390a49392505050565b5f8181548110610746575f80fd5b5f918252602090912001546001600160a01b0316905081565b5f61076982610939565b90507f0000000000000000000000000000000000000000000000000000000000000000816003015410156107d75760405162461bcd60e51b81526020600482015260156024820152741d1a1c995cda1bdb19081b9bdd081c995858da1959605a1b60448201526064016102ff565b80600401544210156108215760405162461bcd60e51b81526020600482015260136024820152721d1a5b595b1bd8dac81b9bdd081c185cdcd959606a1b60448201526064016102ff565b60058101805460ff19166001179055600281015460ff16156108a5578054600182015460405163dfc7722360e01b81526001600160a01b039092169163dfc77223916108739160040190815260200190565b5f604051808303815f87803b15801561088a575f5ffd5b505af115801561089c573d5f5f3e3d5ffd5b50505050610909565b805460018201546040516319ecfc8b60e21b81526001600160a01b03909216916367b3f22c916108db9160040190815260200190565b5f604051808303815f87803b1580156108f2575f5ffd5b505af1158015610904573d5f5f3e3d5ffd5b505050505b604051339083907f9c85b616f29fca57a17eafe71cf9ff82ffef41766e2cf01ea7f8f7878dd3ec24905f90a35050565b6002545f90821061097f5760405162461bcd60e51b815260206004820152601060248201526f1b9bc81cdd58da081c1c9bdc1bdcd85b60821b60448201526064016102ff565b6002828154811061099257610992610b3d565b5f9182526020909120600690910201600581015490915060ff16156109ec5760405162461bcd60e51b815260206004820152601060248201526f185b1c9958591e48195e1958dd5d195960821b60448201526064016102ff565b6005810154610100900460ff1615610a325760405162461bcd60e51b815260206004820152600960248201526818d85b98d95b1b195960ba1b60448201526064016102ff565b919050565b5f60208284031215610a47575f5ffd5b5035919050565b80356001600160a01b0381168114610a32575f5ffd5b5f60208284031215610a74575f5ffd5b610a7d82610a4e565b9392505050565b5f5f60408385031215610a95575f5ffd5b82359150610aa560208401610a4e565b90509250929050565b5f5f5f60608486031215610ac0575f5ffd5b610ac984610a4e565b92506020840135915060408401358015158114610ae4575f5ffd5b809150509250925092565b6020808252600f908201526e3737ba1030b71030b8383937bb32b960891b604082015260600190565b80820180821115610b3757634e487b7160e01b5f52601160045260245ffd5b92915050565b634e487b7160e01b5f52603260045260245ffdfea2646970667358221220f564f372e48e44b3686bd149a445ba03e17203f1ef626109f9e33f1130c8afb464736f6c63430008250033",
}

// DstackGovernance is an auto generated Go binding around an Ethereum contract.
type DstackGovernance struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *DstackGovernance) GetABI() abi.ABI {
	return c.abi
}

// NewDstackGovernance creates a new instance of DstackGovernance.
func NewDstackGovernance() *DstackGovernance {
	parsed, err := DstackGovernanceMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &DstackGovernance{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *DstackGovernance) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address[] _approvers, uint256 _threshold, uint256 _timelock) returns()
func (dstackGovernance *DstackGovernance) PackConstructor(_approvers []common.Address, _threshold *big.Int, _timelock *big.Int) []byte {
	enc, err := dstackGovernance.abi.Pack("", _approvers, _threshold, _timelock)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackAcceptAppOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4713017d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function acceptAppOwnership(address app) returns()
func (dstackGovernance *DstackGovernance) PackAcceptAppOwnership(app common.Address) []byte {
	enc, err := dstackGovernance.abi.Pack("acceptAppOwnership", app)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAcceptAppOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4713017d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function acceptAppOwnership(address app) returns()
func (dstackGovernance *DstackGovernance) TryPackAcceptAppOwnership(app common.Address) ([]byte, error) {
	return dstackGovernance.abi.Pack("acceptAppOwnership", app)
}

// PackApprove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb759f954.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function approve(uint256 id) returns()
func (dstackGovernance *DstackGovernance) PackApprove(id *big.Int) []byte {
	enc, err := dstackGovernance.abi.Pack("approve", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackApprove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb759f954.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function approve(uint256 id) returns()
func (dstackGovernance *DstackGovernance) TryPackApprove(id *big.Int) ([]byte, error) {
	return dstackGovernance.abi.Pack("approve", id)
}

// PackApprovedBy is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x85667f1c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function approvedBy(uint256 , address ) view returns(bool)
func (dstackGovernance *DstackGovernance) PackApprovedBy(arg0 *big.Int, arg1 common.Address) []byte {
	enc, err := dstackGovernance.abi.Pack("approvedBy", arg0, arg1)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackApprovedBy is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x85667f1c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function approvedBy(uint256 , address ) view returns(bool)
func (dstackGovernance *DstackGovernance) TryPackApprovedBy(arg0 *big.Int, arg1 common.Address) ([]byte, error) {
	return dstackGovernance.abi.Pack("approvedBy", arg0, arg1)
}

// UnpackApprovedBy is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x85667f1c.
//
// Solidity: function approvedBy(uint256 , address ) view returns(bool)
func (dstackGovernance *DstackGovernance) UnpackApprovedBy(data []byte) (bool, error) {
	out, err := dstackGovernance.abi.Unpack("approvedBy", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackApprovers is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3650fb8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function approvers(uint256 ) view returns(address)
func (dstackGovernance *DstackGovernance) PackApprovers(arg0 *big.Int) []byte {
	enc, err := dstackGovernance.abi.Pack("approvers", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackApprovers is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3650fb8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function approvers(uint256 ) view returns(address)
func (dstackGovernance *DstackGovernance) TryPackApprovers(arg0 *big.Int) ([]byte, error) {
	return dstackGovernance.abi.Pack("approvers", arg0)
}

// UnpackApprovers is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd3650fb8.
//
// Solidity: function approvers(uint256 ) view returns(address)
func (dstackGovernance *DstackGovernance) UnpackApprovers(data []byte) (common.Address, error) {
	out, err := dstackGovernance.abi.Unpack("approvers", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackCancel is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40e58ee5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function cancel(uint256 id) returns()
func (dstackGovernance *DstackGovernance) PackCancel(id *big.Int) []byte {
	enc, err := dstackGovernance.abi.Pack("cancel", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCancel is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40e58ee5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function cancel(uint256 id) returns()
func (dstackGovernance *DstackGovernance) TryPackCancel(id *big.Int) ([]byte, error) {
	return dstackGovernance.abi.Pack("cancel", id)
}

// PackExecute is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfe0d94c1.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function execute(uint256 id) returns()
func (dstackGovernance *DstackGovernance) PackExecute(id *big.Int) []byte {
	enc, err := dstackGovernance.abi.Pack("execute", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackExecute is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfe0d94c1.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function execute(uint256 id) returns()
func (dstackGovernance *DstackGovernance) TryPackExecute(id *big.Int) ([]byte, error) {
	return dstackGovernance.abi.Pack("execute", id)
}

// PackIsApprover is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6d218e48.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isApprover(address ) view returns(bool)
func (dstackGovernance *DstackGovernance) PackIsApprover(arg0 common.Address) []byte {
	enc, err := dstackGovernance.abi.Pack("isApprover", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsApprover is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6d218e48.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isApprover(address ) view returns(bool)
func (dstackGovernance *DstackGovernance) TryPackIsApprover(arg0 common.Address) ([]byte, error) {
	return dstackGovernance.abi.Pack("isApprover", arg0)
}

// UnpackIsApprover is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6d218e48.
//
// Solidity: function isApprover(address ) view returns(bool)
func (dstackGovernance *DstackGovernance) UnpackIsApprover(data []byte) (bool, error) {
	out, err := dstackGovernance.abi.Unpack("isApprover", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackProposalCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xda35c664.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function proposalCount() view returns(uint256)
func (dstackGovernance *DstackGovernance) PackProposalCount() []byte {
	enc, err := dstackGovernance.abi.Pack("proposalCount")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackProposalCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xda35c664.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function proposalCount() view returns(uint256)
func (dstackGovernance *DstackGovernance) TryPackProposalCount() ([]byte, error) {
	return dstackGovernance.abi.Pack("proposalCount")
}

// UnpackProposalCount is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xda35c664.
//
// Solidity: function proposalCount() view returns(uint256)
func (dstackGovernance *DstackGovernance) UnpackProposalCount(data []byte) (*big.Int, error) {
	out, err := dstackGovernance.abi.Unpack("proposalCount", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackProposals is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x013cf08b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function proposals(uint256 ) view returns(address app, bytes32 composeHash, bool add, address proposer, uint256 approvals, uint256 readyAt, bool executed, bool cancelled)
func (dstackGovernance *DstackGovernance) PackProposals(arg0 *big.Int) []byte {
	enc, err := dstackGovernance.abi.Pack("proposals", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackProposals is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x013cf08b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function proposals(uint256 ) view returns(address app, bytes32 composeHash, bool add, address proposer, uint256 approvals, uint256 readyAt, bool executed, bool cancelled)
func (dstackGovernance *DstackGovernance) TryPackProposals(arg0 *big.Int) ([]byte, error) {
	return dstackGovernance.abi.Pack("proposals", arg0)
}

// ProposalsOutput serves as a container for the return parameters of contract
// method Proposals.
type ProposalsOutput struct {
	App         common.Address
	ComposeHash [32]byte
	Add         bool
	Proposer    common.Address
	Approvals   *big.Int
	ReadyAt     *big.Int
	Executed    bool
	Cancelled   bool
}

// UnpackProposals is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x013cf08b.
//
// Solidity: function proposals(uint256 ) view returns(address app, bytes32 composeHash, bool add, address proposer, uint256 approvals, uint256 readyAt, bool executed, bool cancelled)
func (dstackGovernance *DstackGovernance) UnpackProposals(data []byte) (ProposalsOutput, error) {
	out, err := dstackGovernance.abi.Unpack("proposals", data)
	outstruct := new(ProposalsOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.App = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.ComposeHash = *abi.ConvertType(out[1], new([32]byte)).(*[32]byte)
	outstruct.Add = *abi.ConvertType(out[2], new(bool)).(*bool)
	outstruct.Proposer = *abi.ConvertType(out[3], new(common.Address)).(*common.Address)
	outstruct.Approvals = abi.ConvertType(out[4], new(big.Int)).(*big.Int)
	outstruct.ReadyAt = abi.ConvertType(out[5], new(big.Int)).(*big.Int)
	outstruct.Executed = *abi.ConvertType(out[6], new(bool)).(*bool)
	outstruct.Cancelled = *abi.ConvertType(out[7], new(bool)).(*bool)
	return *outstruct, nil
}

// PackPropose is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xba676624.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function propose(address app, bytes32 composeHash, bool add) returns(uint256 id)
func (dstackGovernance *DstackGovernance) PackPropose(app common.Address, composeHash [32]byte, add bool) []byte {
	enc, err := dstackGovernance.abi.Pack("propose", app, composeHash, add)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPropose is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xba676624.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function propose(address app, bytes32 composeHash, bool add) returns(uint256 id)
func (dstackGovernance *DstackGovernance) TryPackPropose(app common.Address, composeHash [32]byte, add bool) ([]byte, error) {
	return dstackGovernance.abi.Pack("propose", app, composeHash, add)
}

// UnpackPropose is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xba676624.
//
// Solidity: function propose(address app, bytes32 composeHash, bool add) returns(uint256 id)
func (dstackGovernance *DstackGovernance) UnpackPropose(data []byte) (*big.Int, error) {
	out, err := dstackGovernance.abi.Unpack("propose", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackThreshold is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x42cde4e8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function threshold() view returns(uint256)
func (dstackGovernance *DstackGovernance) PackThreshold() []byte {
	enc, err := dstackGovernance.abi.Pack("threshold")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThreshold is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x42cde4e8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function threshold() view returns(uint256)
func (dstackGovernance *DstackGovernance) TryPackThreshold() ([]byte, error) {
	return dstackGovernance.abi.Pack("threshold")
}

// UnpackThreshold is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x42cde4e8.
//
// Solidity: function threshold() view returns(uint256)
func (dstackGovernance *DstackGovernance) UnpackThreshold(data []byte) (*big.Int, error) {
	out, err := dstackGovernance.abi.Unpack("threshold", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackTimelock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd33219b4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function timelock() view returns(uint256)
func (dstackGovernance *DstackGovernance) PackTimelock() []byte {
	enc, err := dstackGovernance.abi.Pack("timelock")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTimelock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd33219b4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function timelock() view returns(uint256)
func (dstackGovernance *DstackGovernance) TryPackTimelock() ([]byte, error) {
	return dstackGovernance.abi.Pack("timelock")
}

// UnpackTimelock is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd33219b4.
//
// Solidity: function timelock() view returns(uint256)
func (dstackGovernance *DstackGovernance) UnpackTimelock(data []byte) (*big.Int, error) {
	out, err := dstackGovernance.abi.Unpack("timelock", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// DstackGovernanceProposalApproved represents a ProposalApproved event raised by the DstackGovernance contract.
type DstackGovernanceProposalApproved struct {
	Id        *big.Int
	Approver  common.Address
	Approvals *big.Int
	Raw       *types.Log // Blockchain specific contextual infos
}

const DstackGovernanceProposalApprovedEventName = "ProposalApproved"

// ContractEventName returns the user-defined event name.
func (DstackGovernanceProposalApproved) ContractEventName() string {
	return DstackGovernanceProposalApprovedEventName
}

// UnpackProposalApprovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProposalApproved(uint256 indexed id, address indexed approver, uint256 approvals)
func (dstackGovernance *DstackGovernance) UnpackProposalApprovedEvent(log *types.Log) (*DstackGovernanceProposalApproved, error) {
	event := "ProposalApproved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackGovernance.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackGovernanceProposalApproved)
	if len(log.Data) > 0 {
		if err := dstackGovernance.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackGovernance.abi.Events[event].Inputs {
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

// DstackGovernanceProposalCancelled represents a ProposalCancelled event raised by the DstackGovernance contract.
type DstackGovernanceProposalCancelled struct {
	Id        *big.Int
	Canceller common.Address
	Raw       *types.Log // Blockchain specific contextual infos
}

const DstackGovernanceProposalCancelledEventName = "ProposalCancelled"

// ContractEventName returns the user-defined event name.
func (DstackGovernanceProposalCancelled) ContractEventName() string {
	return DstackGovernanceProposalCancelledEventName
}

// UnpackProposalCancelledEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProposalCancelled(uint256 indexed id, address indexed canceller)
func (dstackGovernance *DstackGovernance) UnpackProposalCancelledEvent(log *types.Log) (*DstackGovernanceProposalCancelled, error) {
	event := "ProposalCancelled"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackGovernance.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackGovernanceProposalCancelled)
	if len(log.Data) > 0 {
		if err := dstackGovernance.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackGovernance.abi.Events[event].Inputs {
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

// DstackGovernanceProposalCreated represents a ProposalCreated event raised by the DstackGovernance contract.
type DstackGovernanceProposalCreated struct {
	Id          *big.Int
	Proposer    common.Address
	App         common.Address
	ComposeHash [32]byte
	Add         bool
	Raw         *types.Log // Blockchain specific contextual infos
}

const DstackGovernanceProposalCreatedEventName = "ProposalCreated"

// ContractEventName returns the user-defined event name.
func (DstackGovernanceProposalCreated) ContractEventName() string {
	return DstackGovernanceProposalCreatedEventName
}

// UnpackProposalCreatedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProposalCreated(uint256 indexed id, address indexed proposer, address indexed app, bytes32 composeHash, bool add)
func (dstackGovernance *DstackGovernance) UnpackProposalCreatedEvent(log *types.Log) (*DstackGovernanceProposalCreated, error) {
	event := "ProposalCreated"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackGovernance.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackGovernanceProposalCreated)
	if len(log.Data) > 0 {
		if err := dstackGovernance.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackGovernance.abi.Events[event].Inputs {
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

// DstackGovernanceProposalExecuted represents a ProposalExecuted event raised by the DstackGovernance contract.
type DstackGovernanceProposalExecuted struct {
	Id       *big.Int
	Executor common.Address
	Raw      *types.Log // Blockchain specific contextual infos
}

const DstackGovernanceProposalExecutedEventName = "ProposalExecuted"

// ContractEventName returns the user-defined event name.
func (DstackGovernanceProposalExecuted) ContractEventName() string {
	return DstackGovernanceProposalExecutedEventName
}

// UnpackProposalExecutedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProposalExecuted(uint256 indexed id, address indexed executor)
func (dstackGovernance *DstackGovernance) UnpackProposalExecutedEvent(log *types.Log) (*DstackGovernanceProposalExecuted, error) {
	event := "ProposalExecuted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dstackGovernance.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DstackGovernanceProposalExecuted)
	if len(log.Data) > 0 {
		if err := dstackGovernance.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dstackGovernance.abi.Events[event].Inputs {
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
