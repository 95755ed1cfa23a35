// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {ERC165Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/introspection/ERC165Upgradeable.sol";
import {IAppAuth, IAppAuthBasicManagement} from "./IAppAuth.sol";

/// @title DstackApp
/// @notice One app's governance: which compose hashes (code) and devices may run it.
/// The owner can be a multisig, a timelock or the DstackGovernance contract.
contract DstackApp is
    Initializable,
    Ownable2StepUpgradeable,
    UUPSUpgradeable,
    ERC165Upgradeable,
    IAppAuth,
    IAppAuthBasicManagement
{
    // Storage, in upstream's order: proxies keep their state across upgrades.
    mapping(bytes32 => bool) public allowedComposeHashes;
    bool private _upgradesDisabled;
    bool public allowAnyDevice;
    mapping(bytes32 => bool) public allowedDeviceIds;
    bool public requireTcbUpToDate;
    uint256[49] private __gap;

    event UpgradesDisabled();
    event AllowAnyDeviceSet(bool allowAny);
    event RequireTcbUpToDateSet(bool requireUpToDate);
    /// @notice Audit trail of every policy change; policy is keccak256 of its name.
    event PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled);

    bytes32 private constant POLICY_DEVICE = keccak256("device");
    bytes32 private constant POLICY_COMPOSE_HASH = keccak256("compose-hash");
    bytes32 private constant POLICY_ALLOW_ANY_DEVICE = keccak256("allow-any-device");
    bytes32 private constant POLICY_REQUIRE_TCB = keccak256("require-tcb-up-to-date");
    bytes32 private constant POLICY_UPGRADES_DISABLED = keccak256("upgrades-disabled");
    bytes32 private constant POLICY_IMPLEMENTATION = keccak256("implementation-upgrade");

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(
        address initialOwner,
        bool _disableUpgrades,
        bool _allowAnyDevice,
        bytes32 initialDeviceId,
        bytes32 initialComposeHash
    ) public initializer {
        _init(initialOwner, _disableUpgrades, false, _allowAnyDevice, initialDeviceId, initialComposeHash);
    }

    function initialize(
        address initialOwner,
        bool _disableUpgrades,
        bool _requireTcbUpToDate,
        bool _allowAnyDevice,
        bytes32 initialDeviceId,
        bytes32 initialComposeHash
    ) public initializer {
        _init(initialOwner, _disableUpgrades, _requireTcbUpToDate, _allowAnyDevice, initialDeviceId, initialComposeHash);
    }

    function _init(
        address initialOwner,
        bool _disableUpgrades,
        bool _requireTcbUpToDate,
        bool _allowAnyDevice,
        bytes32 initialDeviceId,
        bytes32 initialComposeHash
    ) private {
        require(initialOwner != address(0), "invalid owner address");
        __Ownable_init(initialOwner);
        __Ownable2Step_init();
        __ERC165_init();
        _upgradesDisabled = _disableUpgrades;
        allowAnyDevice = _allowAnyDevice;
        requireTcbUpToDate = _requireTcbUpToDate;
        if (initialDeviceId != bytes32(0)) {
            allowedDeviceIds[initialDeviceId] = true;
            emit DeviceAdded(initialDeviceId);
        }
        if (initialComposeHash != bytes32(0)) {
            allowedComposeHashes[initialComposeHash] = true;
            emit ComposeHashAdded(initialComposeHash);
        }
    }

    function version() external pure returns (uint256) {
        return 2;
    }

    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return interfaceId == type(IAppAuth).interfaceId
            || interfaceId == type(IAppAuthBasicManagement).interfaceId
            || super.supportsInterface(interfaceId);
    }

    function addComposeHash(bytes32 composeHash) external onlyOwner {
        allowedComposeHashes[composeHash] = true;
        emit ComposeHashAdded(composeHash);
        emit PolicyChanged(msg.sender, POLICY_COMPOSE_HASH, composeHash, true);
    }

    function removeComposeHash(bytes32 composeHash) external onlyOwner {
        allowedComposeHashes[composeHash] = false;
        emit ComposeHashRemoved(composeHash);
        emit PolicyChanged(msg.sender, POLICY_COMPOSE_HASH, composeHash, false);
    }

    function addDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = true;
        emit DeviceAdded(deviceId);
        emit PolicyChanged(msg.sender, POLICY_DEVICE, deviceId, true);
    }

    function removeDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = false;
        emit DeviceRemoved(deviceId);
        emit PolicyChanged(msg.sender, POLICY_DEVICE, deviceId, false);
    }

    function setAllowAnyDevice(bool allowAny) external onlyOwner {
        allowAnyDevice = allowAny;
        emit AllowAnyDeviceSet(allowAny);
        emit PolicyChanged(msg.sender, POLICY_ALLOW_ANY_DEVICE, bytes32(0), allowAny);
    }

    function setRequireTcbUpToDate(bool requireUpToDate) external onlyOwner {
        requireTcbUpToDate = requireUpToDate;
        emit RequireTcbUpToDateSet(requireUpToDate);
        emit PolicyChanged(msg.sender, POLICY_REQUIRE_TCB, bytes32(0), requireUpToDate);
    }

    /// @notice One-way: after this no implementation upgrade is possible.
    function disableUpgrades() external onlyOwner {
        _upgradesDisabled = true;
        emit UpgradesDisabled();
        emit PolicyChanged(msg.sender, POLICY_UPGRADES_DISABLED, bytes32(0), true);
    }

    function isAppAllowed(AppBootInfo calldata bootInfo) external view override returns (bool, string memory) {
        if (requireTcbUpToDate && keccak256(bytes(bootInfo.tcbStatus)) != keccak256(bytes("UpToDate"))) {
            return (false, "TCB status is not up to date");
        }
        if (!allowedComposeHashes[bootInfo.composeHash]) {
            return (false, "Compose hash not allowed");
        }
        if (!allowAnyDevice && !allowedDeviceIds[bootInfo.deviceId]) {
            return (false, "Device not allowed");
        }
        return (true, "");
    }

    function _authorizeUpgrade(address newImplementation) internal override onlyOwner {
        require(!_upgradesDisabled, "Upgrades are permanently disabled");
        emit PolicyChanged(msg.sender, POLICY_IMPLEMENTATION, bytes32(uint256(uint160(newImplementation))), true);
    }
}
