// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {ERC165Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/introspection/ERC165Upgradeable.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IAppAuth} from "./IAppAuth.sol";

/// @title DstackKms
/// @notice The root of trust: which OS images and KMS instances are allowed, which apps are registered,
/// and the KMS's published root keys. App decisions are delegated to each app's own contract.
contract DstackKms is Initializable, Ownable2StepUpgradeable, UUPSUpgradeable, ERC165Upgradeable, IAppAuth {
    struct KmsInfo {
        bytes k256Pubkey;
        bytes caPubkey;
        bytes quote;
        bytes eventlog;
    }

    /// @notice The key set CVMs of a threshold KMS trust: which committee holds the roots now and the
    /// derivation root's public key. Its root CA and k256 keys are kmsInfo's caPubkey and k256Pubkey.
    struct ThresholdKeySet {
        /// @dev The root epoch: the epoch of the DKG that made the roots; part of every derived key's context.
        uint32 rootEpoch;
        /// @dev The committee's epoch: a resharing moves the roots to a committee of a higher one.
        uint64 epoch;
        /// @dev t: how many nodes' partial answers combine.
        uint16 threshold;
        /// @dev Y_d, the derivation root's public key (P-256, SEC1 compressed).
        bytes derivationRoot;
        /// @dev The key-provider id CVMs measure: SHA-256 of the key set, caPubkey, k256Pubkey and the env key set included.
        bytes32 keySetId;
        /// @dev K_env, the env root's public key (edwards25519, 32 bytes): an app's X25519 env public key is
        /// u(H(app_id)·K_env), and CVMs check the nodes' env partials against the members' shares of it.
        bytes32 envRoot;
    }

    /// @notice One committee member's public shares, one per root (X_j = x_j·G), SEC1 compressed.
    struct ThresholdShare {
        string node;
        /// @dev The member's Shamir evaluation point.
        bytes32 id;
        /// @dev Its share of the derivation root (P-256): partial keys' DLEQ proofs are checked against it.
        bytes derivation;
        /// @dev Its share of the root CA key (P-256).
        bytes ca;
        /// @dev Its share of the k256 root (secp256k1).
        bytes k256;
        /// @dev Its share of the env root (edwards25519, 32 bytes): env partials' DLEQ proofs are checked against it.
        bytes32 env;
    }

    /// @notice A member of a threshold KMS committee governance decided on: its name in the committee and the https
    /// URL of its peer listener, where the other members reach it over mutual RA-TLS.
    struct ThresholdMember {
        string name;
        string url;
    }

    /// @notice A committee governance decided on: from its epoch on, its members are to hold the roots, t of them
    /// combining. Above the epoch of the key set on chain, it is a change the nodes carry out (a DKG for the first
    /// committee, else a resharing from the key set's committee, of which fromNodes take part); the key set the
    /// new committee publishes afterwards must be of it.
    struct ThresholdCommittee {
        uint16 threshold;
        ThresholdMember[] members;
        /// @dev The members of the key set's committee that take part in the resharing; empty: all of them.
        string[] fromNodes;
    }

    /// @notice The root CA and k256 public keys a key set was published with: kmsInfo's caPubkey and k256Pubkey
    /// when setThresholdKeySet stored it.
    struct ThresholdRootKeys {
        bytes caPubkey;
        bytes k256Pubkey;
    }

    // Storage, in upstream's order.
    KmsInfo public kmsInfo;
    string public gatewayAppId;
    mapping(address => bool) public registeredApps;
    mapping(bytes32 => bool) public kmsAllowedAggregatedMrs;
    mapping(bytes32 => bool) public kmsAllowedDeviceIds;
    mapping(bytes32 => bool) public allowedOsImages;
    address public appImplementation;
    // Appended storage (slots taken from the gap): a threshold KMS's key set (four slots) and public shares.
    ThresholdKeySet public thresholdKeySet;
    ThresholdShare[] private _thresholdShares;
    // Appended storage: the threshold committees governance decided on, by epoch, and the latest epoch.
    uint64 public thresholdCommitteeEpoch;
    mapping(uint64 => ThresholdCommittee) private _thresholdCommittees;
    // Appended storage: root rotation. The committees governance decided as root rotations (epoch → handover
    // seconds, 0 for any other), the root keys the current key set was published with, and while a handover is
    // under way the previous key set, its shares, its root keys and the end of the handover.
    mapping(uint64 => uint64) public thresholdRootRotation;
    ThresholdRootKeys private _thresholdRootKeys;
    ThresholdKeySet public previousThresholdKeySet;
    ThresholdShare[] private _previousThresholdShares;
    ThresholdRootKeys private _previousThresholdRootKeys;
    uint64 public thresholdHandoverEnd;
    uint256[32] private __gap;

    event AppRegistered(address appId);
    event KmsInfoSet(bytes k256Pubkey);
    event KmsAggregatedMrAdded(bytes32 mrAggregated);
    event KmsAggregatedMrRemoved(bytes32 mrAggregated);
    event KmsDeviceAdded(bytes32 deviceId);
    event KmsDeviceRemoved(bytes32 deviceId);
    event OsImageHashAdded(bytes32 osImageHash);
    event OsImageHashRemoved(bytes32 osImageHash);
    event GatewayAppIdSet(string gatewayAppId);
    event AppImplementationSet(address implementation);
    event AppDeployedViaFactory(address indexed appId, address indexed deployer);
    event ThresholdKeySetSet(uint32 indexed rootEpoch, uint64 indexed epoch, bytes32 keySetId);
    event ThresholdCommitteeSet(uint64 indexed epoch, uint16 threshold, bytes32 committeeHash);
    event ThresholdRootRotationSet(uint64 indexed epoch, uint64 handoverSeconds);
    event ThresholdHandoverStarted(uint32 indexed previousRootEpoch, uint32 indexed rootEpoch, uint64 end);
    event ThresholdHandoverEnded(uint32 indexed previousRootEpoch);
    /// @notice Audit trail of every policy change; policy is keccak256 of its name.
    event PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled);

    bytes32 private constant POLICY_APP_IMPLEMENTATION = keccak256("app-implementation");
    bytes32 private constant POLICY_IMPLEMENTATION = keccak256("implementation-upgrade");
    bytes32 private constant POLICY_KMS_INFO = keccak256("kms-info");
    bytes32 private constant POLICY_GATEWAY = keccak256("gateway-app-id");
    bytes32 private constant POLICY_REGISTERED_APP = keccak256("registered-app");
    bytes32 private constant POLICY_KMS_MR = keccak256("kms-aggregated-mr");
    bytes32 private constant POLICY_KMS_DEVICE = keccak256("kms-device");
    bytes32 private constant POLICY_OS_IMAGE = keccak256("os-image");
    bytes32 private constant POLICY_THRESHOLD_KEY_SET = keccak256("threshold-key-set");
    bytes32 private constant POLICY_THRESHOLD_COMMITTEE = keccak256("threshold-committee");
    bytes32 private constant POLICY_THRESHOLD_HANDOVER = keccak256("threshold-handover");
    uint256 private constant MAX_THRESHOLD_MEMBERS = 64;
    uint64 private constant MAX_THRESHOLD_HANDOVER = 365 days;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(address initialOwner, address _appImplementation) public initializer {
        require(initialOwner != address(0), "invalid owner address");
        __Ownable_init(initialOwner);
        __Ownable2Step_init();
        __ERC165_init();
        appImplementation = _appImplementation;
        if (_appImplementation != address(0)) {
            emit AppImplementationSet(_appImplementation);
        }
    }

    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return interfaceId == type(IAppAuth).interfaceId || super.supportsInterface(interfaceId);
    }

    function setKmsInfo(KmsInfo memory info) external onlyOwner {
        kmsInfo = info;
        emit KmsInfoSet(info.k256Pubkey);
        emit PolicyChanged(msg.sender, POLICY_KMS_INFO, keccak256(info.k256Pubkey), true);
    }

    function setKmsQuote(bytes memory quote) external onlyOwner {
        kmsInfo.quote = quote;
        emit PolicyChanged(msg.sender, POLICY_KMS_INFO, keccak256(quote), true);
    }

    function setKmsEventlog(bytes memory eventlog) external onlyOwner {
        kmsInfo.eventlog = eventlog;
        emit PolicyChanged(msg.sender, POLICY_KMS_INFO, keccak256(eventlog), true);
    }

    /// @notice Publishes a threshold KMS committee's key set and every member's public shares, after its DKG or a
    /// resharing. The committee's epoch must increase, and the root epoch may not go back: an old committee, whose
    /// retired shares may have leaked, cannot be published again. kmsInfo's caPubkey and k256Pubkey (sent first:
    /// the key-set id covers them) are kept with the key set.
    ///
    /// New roots (a root epoch above the stored key set's) are a root rotation: governance must have decided the
    /// committee as one (setThresholdRootRotation), and the root epoch is the committee's. The key set they replace,
    /// its shares and root keys become the previous key set, which the nodes still answer for until
    /// thresholdHandoverEnd, so that CVMs can move their keys from the old roots to the new ones. A resharing during
    /// the handover leaves the previous key set and the end as they are.
    function setThresholdKeySet(ThresholdKeySet calldata keySet, ThresholdShare[] calldata shares) external onlyOwner {
        require(keySet.threshold >= 1 && keySet.threshold <= shares.length, "invalid threshold");
        require(keySet.epoch > thresholdKeySet.epoch, "committee epoch must increase");
        require(keySet.rootEpoch >= 1 && keySet.rootEpoch <= keySet.epoch, "invalid root epoch");
        require(keySet.rootEpoch >= thresholdKeySet.rootEpoch, "root epoch must not decrease");
        require(keySet.derivationRoot.length == 33, "invalid derivation root");
        require(keySet.envRoot != bytes32(0), "invalid env root");
        // Once governance decides committees, a key set is of the latest one: not of a committee a later decision
        // superseded, nor of one it never decided.
        require(thresholdCommitteeEpoch == 0 || keySet.epoch == thresholdCommitteeEpoch, "not the latest committee governance decided");
        ThresholdCommittee storage c = _thresholdCommittees[keySet.epoch];
        if (c.members.length > 0) {
            require(keySet.threshold == c.threshold && shares.length == c.members.length, "not the committee governance set for this epoch");
            for (uint256 i = 0; i < shares.length; i++) {
                require(_isMember(c, shares[i].node), "a share of a node not in the committee governance set for this epoch");
            }
        }
        uint64 handover = thresholdRootRotation[keySet.epoch];
        if (thresholdKeySet.epoch != 0 && keySet.rootEpoch > thresholdKeySet.rootEpoch) {
            require(handover != 0, "new roots, but governance decided no root rotation for this epoch");
            require(keySet.rootEpoch == keySet.epoch, "a root rotation's root epoch must be its committee epoch");
            _startThresholdHandover(handover, keySet.rootEpoch);
        } else {
            require(handover == 0, "governance decided a root rotation for this epoch: its key set must be of new roots");
        }
        thresholdKeySet = keySet;
        _thresholdRootKeys = ThresholdRootKeys(kmsInfo.caPubkey, kmsInfo.k256Pubkey);
        delete _thresholdShares;
        for (uint256 i = 0; i < shares.length; i++) {
            ThresholdShare calldata s = shares[i];
            require(i == 0 || uint256(shares[i - 1].id) < uint256(s.id), "share ids must increase");
            require(s.derivation.length == 33 && s.ca.length == 33 && s.k256.length == 33 && s.env != bytes32(0), "invalid public share");
            _thresholdShares.push(s);
        }
        emit ThresholdKeySetSet(keySet.rootEpoch, keySet.epoch, keySet.keySetId);
        emit PolicyChanged(msg.sender, POLICY_THRESHOLD_KEY_SET, keySet.keySetId, true);
    }

    /// @notice Decides the threshold KMS committee of a new epoch: its members (in committee order, names unique, each
    /// with its peer URL), its threshold, and for a resharing the old members that take part (empty: all). The epoch
    /// must be above every committee and key set before it, so that a decision is never replaced in place: to change a
    /// pending one, decide another at a higher epoch. The nodes follow it (a DKG or a resharing), and from the first
    /// decision on, setThresholdKeySet takes only a key set of the latest committee decided.
    function setThresholdCommittee(uint64 epoch, uint16 threshold, ThresholdMember[] calldata members, string[] calldata fromNodes)
        external
        onlyOwner
    {
        _setThresholdCommittee(epoch, threshold, members, fromNodes);
    }

    /// @notice Decides, as setThresholdCommittee does (with no fromNodes), the committee of a new epoch that makes new
    /// roots by a new DKG, their root epoch this epoch, and how long the nodes are to answer for the old roots beside
    /// the new ones once the new key set is published (the handover, 1 second to 365 days). It needs a key set on
    /// chain to rotate from, stored with its root keys, and no handover under way: end the last one first
    /// (endThresholdHandover).
    function setThresholdRootRotation(uint64 epoch, uint16 threshold, ThresholdMember[] calldata members, uint64 handoverSeconds)
        external
        onlyOwner
    {
        require(thresholdKeySet.epoch != 0, "no threshold key set on chain to rotate from");
        // The previous key set is read with the root keys kept with it: a key set stored before they were kept (by an
        // older implementation) must be published again, by a resharing, before its roots are rotated.
        require(
            _thresholdRootKeys.caPubkey.length != 0 && _thresholdRootKeys.k256Pubkey.length != 0,
            "the threshold key set on chain has no root keys kept with it: publish it again by a resharing first"
        );
        require(epoch <= type(uint32).max, "a root rotation's epoch must fit a root epoch (uint32)");
        require(handoverSeconds >= 1 && handoverSeconds <= MAX_THRESHOLD_HANDOVER, "handover must be 1 second to 365 days");
        require(!_thresholdHandoverUnderWay(), "a threshold handover is under way: end it first (endThresholdHandover)");
        _setThresholdCommittee(epoch, threshold, members, new string[](0));
        thresholdRootRotation[epoch] = handoverSeconds;
        emit ThresholdRootRotationSet(epoch, handoverSeconds);
    }

    /// @notice Ends the handover of a root rotation: the previous key set, its shares and root keys are deleted, and
    /// the nodes no longer answer for the old roots. Anyone may end it once thresholdHandoverEnd is reached; the
    /// owner at any time, to cut it short (when the old shares are believed leaked, say).
    function endThresholdHandover() external {
        require(previousThresholdKeySet.epoch != 0, "no threshold handover to end");
        require(!_thresholdHandoverUnderWay() || msg.sender == owner(), "the threshold handover is under way: only the owner may end it before thresholdHandoverEnd");
        _deletePreviousThresholdKeySet();
    }

    /// @dev Moves the key set on chain to the previous one, for a handover of handoverSeconds. A previous key set whose
    /// handover ran out without anyone ending it is deleted first.
    function _startThresholdHandover(uint64 handoverSeconds, uint32 rootEpoch) private {
        if (previousThresholdKeySet.epoch != 0) {
            _deletePreviousThresholdKeySet();
        }
        previousThresholdKeySet = thresholdKeySet;
        for (uint256 i = 0; i < _thresholdShares.length; i++) {
            _previousThresholdShares.push(_thresholdShares[i]);
        }
        _previousThresholdRootKeys = _thresholdRootKeys;
        uint64 end = uint64(block.timestamp) + handoverSeconds;
        thresholdHandoverEnd = end;
        emit ThresholdHandoverStarted(thresholdKeySet.rootEpoch, rootEpoch, end);
        emit PolicyChanged(msg.sender, POLICY_THRESHOLD_HANDOVER, thresholdKeySet.keySetId, true);
    }

    function _deletePreviousThresholdKeySet() private {
        emit ThresholdHandoverEnded(previousThresholdKeySet.rootEpoch);
        emit PolicyChanged(msg.sender, POLICY_THRESHOLD_HANDOVER, previousThresholdKeySet.keySetId, false);
        delete previousThresholdKeySet;
        delete _previousThresholdShares;
        delete _previousThresholdRootKeys;
        thresholdHandoverEnd = 0;
    }

    /// @dev A handover is under way while a previous key set is stored and its end is not reached.
    function _thresholdHandoverUnderWay() private view returns (bool) {
        return previousThresholdKeySet.epoch != 0 && block.timestamp < thresholdHandoverEnd;
    }

    function _setThresholdCommittee(uint64 epoch, uint16 threshold, ThresholdMember[] calldata members, string[] memory fromNodes) private {
        require(epoch > thresholdCommitteeEpoch && epoch > thresholdKeySet.epoch, "committee epoch must increase");
        require(members.length >= 2 && members.length <= MAX_THRESHOLD_MEMBERS, "a committee has 2 to 64 members");
        require(threshold >= 2 && threshold <= members.length, "invalid threshold");
        require(fromNodes.length <= MAX_THRESHOLD_MEMBERS, "too many fromNodes");
        ThresholdCommittee storage c = _thresholdCommittees[epoch];
        c.threshold = threshold;
        for (uint256 i = 0; i < members.length; i++) {
            require(bytes(members[i].name).length > 0 && bytes(members[i].url).length > 0, "member without name or url");
            for (uint256 j = 0; j < i; j++) {
                require(keccak256(bytes(members[j].name)) != keccak256(bytes(members[i].name)), "repeated member name");
            }
            c.members.push(members[i]);
        }
        for (uint256 i = 0; i < fromNodes.length; i++) {
            c.fromNodes.push(fromNodes[i]);
        }
        thresholdCommitteeEpoch = epoch;
        bytes32 h = keccak256(abi.encode(threshold, members, fromNodes));
        emit ThresholdCommitteeSet(epoch, threshold, h);
        emit PolicyChanged(msg.sender, POLICY_THRESHOLD_COMMITTEE, h, true);
    }

    function _isMember(ThresholdCommittee storage c, string calldata name) private view returns (bool) {
        bytes32 h = keccak256(bytes(name));
        for (uint256 j = 0; j < c.members.length; j++) {
            if (keccak256(bytes(c.members[j].name)) == h) {
                return true;
            }
        }
        return false;
    }

    /// @notice The committee governance decided on for epoch; no members if none.
    function thresholdCommittee(uint64 epoch) external view returns (ThresholdCommittee memory) {
        return _thresholdCommittees[epoch];
    }

    /// @notice The public shares of the committee in thresholdKeySet, in increasing id order.
    function thresholdShares() external view returns (ThresholdShare[] memory) {
        return _thresholdShares;
    }

    /// @notice The root CA and k256 public keys thresholdKeySet was published with (kmsInfo's at the time).
    function thresholdRootKeys() external view returns (ThresholdRootKeys memory) {
        return _thresholdRootKeys;
    }

    /// @notice The public shares of previousThresholdKeySet, the key set a root rotation replaced, in increasing id
    /// order; none when no handover is stored.
    function previousThresholdShares() external view returns (ThresholdShare[] memory) {
        return _previousThresholdShares;
    }

    /// @notice The root CA and k256 public keys previousThresholdKeySet was published with.
    function previousThresholdRootKeys() external view returns (ThresholdRootKeys memory) {
        return _previousThresholdRootKeys;
    }

    function setGatewayAppId(string memory appId) external onlyOwner {
        gatewayAppId = appId;
        emit GatewayAppIdSet(appId);
        emit PolicyChanged(msg.sender, POLICY_GATEWAY, keccak256(bytes(appId)), true);
    }

    function setAppImplementation(address implementation) external onlyOwner {
        appImplementation = implementation;
        emit AppImplementationSet(implementation);
        emit PolicyChanged(msg.sender, POLICY_APP_IMPLEMENTATION, bytes32(uint256(uint160(implementation))), true);
    }

    function addKmsAggregatedMr(bytes32 mrAggregated) external onlyOwner {
        kmsAllowedAggregatedMrs[mrAggregated] = true;
        emit KmsAggregatedMrAdded(mrAggregated);
        emit PolicyChanged(msg.sender, POLICY_KMS_MR, mrAggregated, true);
    }

    function removeKmsAggregatedMr(bytes32 mrAggregated) external onlyOwner {
        kmsAllowedAggregatedMrs[mrAggregated] = false;
        emit KmsAggregatedMrRemoved(mrAggregated);
        emit PolicyChanged(msg.sender, POLICY_KMS_MR, mrAggregated, false);
    }

    function addKmsDevice(bytes32 deviceId) external onlyOwner {
        kmsAllowedDeviceIds[deviceId] = true;
        emit KmsDeviceAdded(deviceId);
        emit PolicyChanged(msg.sender, POLICY_KMS_DEVICE, deviceId, true);
    }

    function removeKmsDevice(bytes32 deviceId) external onlyOwner {
        kmsAllowedDeviceIds[deviceId] = false;
        emit KmsDeviceRemoved(deviceId);
        emit PolicyChanged(msg.sender, POLICY_KMS_DEVICE, deviceId, false);
    }

    function addOsImageHash(bytes32 osImageHash) external onlyOwner {
        allowedOsImages[osImageHash] = true;
        emit OsImageHashAdded(osImageHash);
        emit PolicyChanged(msg.sender, POLICY_OS_IMAGE, osImageHash, true);
    }

    function removeOsImageHash(bytes32 osImageHash) external onlyOwner {
        allowedOsImages[osImageHash] = false;
        emit OsImageHashRemoved(osImageHash);
        emit PolicyChanged(msg.sender, POLICY_OS_IMAGE, osImageHash, false);
    }

    /// @notice Permissionless: anyone may register an app contract; it still decides nothing until it allows code.
    function registerApp(address appId) public {
        require(appId != address(0), "Invalid app ID");
        registeredApps[appId] = true;
        emit AppRegistered(appId);
        emit PolicyChanged(msg.sender, POLICY_REGISTERED_APP, bytes32(uint256(uint160(appId))), true);
    }

    function deployAndRegisterApp(
        address initialOwner,
        bool disableUpgrades,
        bool requireTcbUpToDate,
        bool allowAnyDevice,
        bytes32 initialDeviceId,
        bytes32 initialComposeHash
    ) public returns (address appId) {
        require(appImplementation != address(0), "DstackApp implementation not set");
        bytes memory init = abi.encodeWithSignature(
            "initialize(address,bool,bool,bool,bytes32,bytes32)",
            initialOwner, disableUpgrades, requireTcbUpToDate, allowAnyDevice, initialDeviceId, initialComposeHash
        );
        appId = address(new ERC1967Proxy(appImplementation, init));
        registerApp(appId);
        emit AppDeployedViaFactory(appId, msg.sender);
    }

    function deployAndRegisterApp(
        address initialOwner,
        bool disableUpgrades,
        bool allowAnyDevice,
        bytes32 initialDeviceId,
        bytes32 initialComposeHash
    ) external returns (address appId) {
        return deployAndRegisterApp(initialOwner, disableUpgrades, false, allowAnyDevice, initialDeviceId, initialComposeHash);
    }

    function isKmsAllowed(AppBootInfo calldata bootInfo) external view returns (bool isAllowed, string memory reason) {
        if (keccak256(bytes(bootInfo.tcbStatus)) != keccak256(bytes("UpToDate"))) {
            return (false, "TCB status is not up to date");
        }
        if (!allowedOsImages[bootInfo.osImageHash]) {
            return (false, "OS image is not allowed");
        }
        if (!kmsAllowedAggregatedMrs[bootInfo.mrAggregated]) {
            return (false, "Aggregated MR not allowed");
        }
        if (!kmsAllowedDeviceIds[bootInfo.deviceId]) {
            return (false, "KMS is not allowed to boot on this device");
        }
        return (true, "");
    }

    function isAppAllowed(AppBootInfo calldata bootInfo) external view override returns (bool isAllowed, string memory reason) {
        if (!registeredApps[bootInfo.appId]) {
            return (false, "App not registered");
        }
        if (!allowedOsImages[bootInfo.osImageHash]) {
            return (false, "OS image is not allowed");
        }
        if (bootInfo.appId.code.length == 0) {
            return (false, "App contract has no code");
        }
        return IAppAuth(bootInfo.appId).isAppAllowed(bootInfo);
    }

    function _authorizeUpgrade(address newImplementation) internal override onlyOwner {
        emit PolicyChanged(msg.sender, POLICY_IMPLEMENTATION, bytes32(uint256(uint160(newImplementation))), true);
    }
}
