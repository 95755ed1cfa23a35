// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAppAuthBasicManagement} from "./IAppAuth.sol";

interface IOwnable2Step {
    function acceptOwnership() external;
}

/// @title DstackGovernance
/// @notice Code approval for apps: owns DstackApp contracts and adds or removes compose hashes only after
/// `threshold` of the approvers approved a proposal and `timelock` seconds have passed since the threshold
/// was reached. Every proposal, approval, execution and cancellation is an event, so the history of who
/// allowed which code is on chain.
contract DstackGovernance {
    struct Proposal {
        address app;
        bytes32 composeHash;
        bool add;
        address proposer;
        uint256 approvals;
        uint256 readyAt;
        bool executed;
        bool cancelled;
    }

    address[] public approvers;
    mapping(address => bool) public isApprover;
    uint256 public immutable threshold;
    uint256 public immutable timelock;
    Proposal[] public proposals;
    mapping(uint256 => mapping(address => bool)) public approvedBy;

    event ProposalCreated(uint256 indexed id, address indexed proposer, address indexed app, bytes32 composeHash, bool add);
    event ProposalApproved(uint256 indexed id, address indexed approver, uint256 approvals);
    event ProposalExecuted(uint256 indexed id, address indexed executor);
    event ProposalCancelled(uint256 indexed id, address indexed canceller);

    modifier onlyApprover() {
        require(isApprover[msg.sender], "not an approver");
        _;
    }

    constructor(address[] memory _approvers, uint256 _threshold, uint256 _timelock) {
        require(_threshold > 0 && _threshold <= _approvers.length, "invalid threshold");
        for (uint256 i = 0; i < _approvers.length; i++) {
            require(_approvers[i] != address(0) && !isApprover[_approvers[i]], "invalid or duplicate approver");
            isApprover[_approvers[i]] = true;
            approvers.push(_approvers[i]);
        }
        threshold = _threshold;
        timelock = _timelock;
    }

    /// @notice Completes a two-step ownership transfer of an app to this contract.
    function acceptAppOwnership(address app) external onlyApprover {
        IOwnable2Step(app).acceptOwnership();
    }

    function propose(address app, bytes32 composeHash, bool add) external onlyApprover returns (uint256 id) {
        id = proposals.length;
        proposals.push(Proposal(app, composeHash, add, msg.sender, 0, 0, false, false));
        emit ProposalCreated(id, msg.sender, app, composeHash, add);
    }

    function approve(uint256 id) external onlyApprover {
        Proposal storage p = _open(id);
        require(!approvedBy[id][msg.sender], "already approved");
        approvedBy[id][msg.sender] = true;
        p.approvals += 1;
        if (p.approvals == threshold) {
            p.readyAt = block.timestamp + timelock;
        }
        emit ProposalApproved(id, msg.sender, p.approvals);
    }

    function execute(uint256 id) external {
        Proposal storage p = _open(id);
        require(p.approvals >= threshold, "threshold not reached");
        require(block.timestamp >= p.readyAt, "timelock not passed");
        p.executed = true;
        if (p.add) {
            IAppAuthBasicManagement(p.app).addComposeHash(p.composeHash);
        } else {
            IAppAuthBasicManagement(p.app).removeComposeHash(p.composeHash);
        }
        emit ProposalExecuted(id, msg.sender);
    }

    function cancel(uint256 id) external onlyApprover {
        Proposal storage p = _open(id);
        p.cancelled = true;
        emit ProposalCancelled(id, msg.sender);
    }

    function proposalCount() external view returns (uint256) {
        return proposals.length;
    }

    function _open(uint256 id) private view returns (Proposal storage p) {
        require(id < proposals.length, "no such proposal");
        p = proposals[id];
        require(!p.executed, "already executed");
        require(!p.cancelled, "cancelled");
    }
}
