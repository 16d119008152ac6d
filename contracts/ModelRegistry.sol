// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IModelRegistry, ModelSpec, TrainingMethod} from "./interfaces/IModelRegistry.sol";
import {Datanets} from "./Datanets.sol";
import {Status} from "./interfaces/IDatanets.sol";

/// @title ModelRegistry
/// @notice Trainers register fine-tuned models with the dataset they used; model users pay OPEN
/// fees that split between the trainer, the protocol and the contributors of the training data.
/// @dev The contributors' share accrues per unit of leaf weight (`feesPerWeight`, scaled by 1e18);
/// a contributor claims `weight × (feesPerWeight − feesPerWeight at its last claim)` with a Merkle
/// proof of its leaf: O(1) in the number of contributors, and no fee is paid twice to a leaf.
/// Claims on one model never pay more than that model's contributors received, so a dishonest
/// manifest can misdirect only that model's contributor share. Whether a leaf names an accepted
/// contribution of the named contributor is public (`leafStatus`): the indexer checks every leaf of
/// every manifest and flags models that name anything else. The claim itself does not make that
/// cross-contract check, which keeps it within its gas budget (see docs/protocol.md).
contract ModelRegistry is IModelRegistry, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice May register models.
    bytes32 public constant TRAINER_ROLE = keccak256("TRAINER_ROLE");
    /// @notice May pause registrations and payments.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Most Datanets one model may name.
    uint256 public constant MAX_DATANETS = 32;
    uint256 private constant PRECISION = 1e18;
    uint256 private constant BPS = 10_000;

    struct Model {
        address trainer;
        uint48 parentId;
        TrainingMethod method;
        // The fee shares in force at registration, fixed for the model's life: governance changing
        // the shares later (or in front of a payment) never reaches an existing model.
        uint16 trainerBps;
        uint16 protocolBps;
        bytes32 datasetRoot;
        bytes32 artifactSha256;
        uint256 totalWeight;
        uint256 feesPerWeight;
        // one slot, so that a claim reads and writes both at once
        uint128 contributorFees; // all OPEN ever paid to this model's contributors
        uint128 attributionPaid; // what their claims took out
    }

    IERC20 public immutable token;
    Datanets public immutable datanets;
    address public treasury;
    uint16 public trainerBps;
    uint16 public protocolBps;
    bool public paused;
    uint64 private _modelCount;

    mapping(uint256 modelId => Model) private _models;
    mapping(bytes32 modelAndLeaf => uint256 feesPerWeight) private _claimedUpTo;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    /// @param treasury_ Receives the protocol share of fees.
    /// @param trainerBps_ The trainer's share of each fee, in basis points.
    /// @param protocolBps_ The protocol's share; contributors get the rest.
    constructor(
        IERC20 token_,
        Datanets datanets_,
        address admin,
        address treasury_,
        uint16 trainerBps_,
        uint16 protocolBps_
    ) {
        token = token_;
        datanets = datanets_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _setTreasury(treasury_);
        _setFeeShares(trainerBps_, protocolBps_);
    }

    /// @notice Register a model trained by the caller.
    /// @return modelId The new model's id, counting from 1.
    function registerModel(ModelSpec calldata spec) external onlyRole(TRAINER_ROLE) returns (uint256 modelId) {
        if (paused) revert RegistryPaused();
        if (spec.datasetRoot == bytes32(0) || spec.totalWeight == 0) revert EmptyDataset();
        uint256 n = spec.datanetIds.length;
        if (n == 0 || n > MAX_DATANETS) revert BadDatanets(n, 0);
        uint256 count = datanets.datanetCount();
        for (uint256 i; i < n; ++i) {
            uint32 id = spec.datanetIds[i];
            if (id == 0 || id > count) revert BadDatanets(n, id);
        }
        if (spec.parentId != 0 && spec.parentId > _modelCount) revert ModelNotFound(spec.parentId);

        modelId = ++_modelCount;
        Model storage m = _models[modelId];
        m.trainer = msg.sender;
        m.parentId = uint48(spec.parentId); // at most the model count, checked above
        m.trainerBps = trainerBps;
        m.protocolBps = protocolBps;
        m.method = spec.method;
        m.datasetRoot = spec.datasetRoot;
        m.artifactSha256 = spec.artifactSha256;
        m.totalWeight = spec.totalWeight;
        emit ModelRegistered(modelId, msg.sender, spec.parentId, spec);
    }

    /// @notice Pay `amount` OPEN for the use of a model (approve this contract first).
    /// @dev The trainer's and protocol's shares are transferred at once; the contributors' share
    /// accrues per unit of weight and is claimed with `claimAttribution`.
    function payForModel(uint256 modelId, uint256 amount) external nonReentrant {
        if (paused) revert RegistryPaused();
        if (amount == 0) revert ZeroAmount();
        Model storage m = _existing(modelId);
        uint256 trainerShare = amount * m.trainerBps / BPS;
        uint256 protocolShare = amount * m.protocolBps / BPS;
        uint256 contributorsShare = amount - trainerShare - protocolShare;
        uint256 perWeight = m.feesPerWeight + contributorsShare * PRECISION / m.totalWeight;
        m.feesPerWeight = perWeight;
        m.contributorFees += uint128(contributorsShare);
        address trainer = m.trainer;
        token.safeTransferFrom(msg.sender, address(this), amount);
        if (trainerShare > 0) token.safeTransfer(trainer, trainerShare);
        if (protocolShare > 0) token.safeTransfer(treasury, protocolShare);
        emit FeePaid(modelId, msg.sender, amount, trainerShare, protocolShare, contributorsShare, perWeight);
    }

    /// @notice Pay a leaf's share of the fees accrued since its last claim, to its contributor. Anyone may call.
    /// @param proof The Merkle proof of the leaf `(contributionId, contributor, weight)` under the model's root.
    function claimAttribution(
        uint256 modelId,
        bytes32 contributionId,
        address contributor,
        uint256 weight,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        // An unknown model has a zero root, which no proof verifies against.
        Model storage m = _models[modelId];
        bytes32 leaf = leafOf(contributionId, contributor, weight);
        if (!MerkleProof.verifyCalldata(proof, m.datasetRoot, leaf)) revert InvalidProof(modelId, leaf);
        bytes32 key = keccak256(abi.encode(modelId, leaf));
        uint256 perWeight = m.feesPerWeight;
        amount = weight * (perWeight - _claimedUpTo[key]) / PRECISION;
        if (amount == 0) revert NothingToClaim(modelId, leaf);
        uint256 paid = m.attributionPaid;
        if (paid + amount > m.contributorFees) {
            revert AttributionExceedsFees(modelId, paid, amount, m.contributorFees);
        }
        _claimedUpTo[key] = perWeight;
        m.attributionPaid = uint128(paid + amount);
        token.safeTransfer(contributor, amount);
        emit AttributionClaimed(modelId, contributionId, contributor, amount);
    }

    /// @notice Set the trainer's and protocol's shares of each fee, for models registered from now on.
    function setFeeShares(uint16 trainerBps_, uint16 protocolBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFeeShares(trainerBps_, protocolBps_);
    }

    /// @notice Set where the protocol share goes.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @notice Pause or resume registrations and payments. Attribution claims are never paused.
    function setPaused(bool paused_) external onlyRole(PAUSER_ROLE) {
        paused = paused_;
        emit RegistryPauseSet(paused_);
    }

    /// @notice The Merkle leaf of a dataset entry (OpenZeppelin's standard double-hashed leaf).
    function leafOf(bytes32 contributionId, address contributor, uint256 weight) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(contributionId, contributor, weight))));
    }

    /// @notice Whether a dataset leaf is under a model's root, and the status and contributor the
    /// Datanets contract records for its contribution. A leaf that is in the tree but not
    /// `Accepted`, or names another contributor, marks a dishonest manifest.
    function leafStatus(
        uint256 modelId,
        bytes32 contributionId,
        address contributor,
        uint256 weight,
        bytes32[] calldata proof
    ) external view returns (bool inTree, Status status, bool contributorMatches) {
        inTree = MerkleProof.verifyCalldata(proof, _models[modelId].datasetRoot, leafOf(contributionId, contributor, weight));
        address recorded;
        (status, recorded) = datanets.statusOf(contributionId);
        contributorMatches = recorded == contributor;
    }

    /// @notice How many models exist; ids run from 1 to this.
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @notice The fee shares a model was registered under (basis points); contributors get the rest.
    function feeSharesOf(uint256 modelId) external view returns (uint256 trainerShareBps, uint256 protocolShareBps) {
        Model storage m = _existing(modelId);
        return (m.trainerBps, m.protocolBps);
    }

    /// @notice A model's registered fields and fee accounting.
    function getModel(uint256 modelId)
        external
        view
        returns (
            address trainer,
            uint256 parentId,
            TrainingMethod method,
            bytes32 datasetRoot,
            bytes32 artifactSha256,
            uint256 totalWeight,
            uint256 contributorFees,
            uint256 feesPerWeight,
            uint256 attributionPaid
        )
    {
        Model storage m = _existing(modelId);
        return (
            m.trainer,
            m.parentId,
            m.method,
            m.datasetRoot,
            m.artifactSha256,
            m.totalWeight,
            m.contributorFees,
            m.feesPerWeight,
            m.attributionPaid
        );
    }

    /// @notice What a leaf could claim now.
    function claimableAttribution(uint256 modelId, bytes32 contributionId, address contributor, uint256 weight)
        external
        view
        returns (uint256)
    {
        Model storage m = _existing(modelId);
        bytes32 key = keccak256(abi.encode(modelId, leafOf(contributionId, contributor, weight)));
        return weight * (m.feesPerWeight - _claimedUpTo[key]) / PRECISION;
    }

    function _existing(uint256 modelId) private view returns (Model storage m) {
        m = _models[modelId];
        if (m.trainer == address(0)) revert ModelNotFound(modelId);
    }

    function _setFeeShares(uint16 trainerBps_, uint16 protocolBps_) private {
        if (uint256(trainerBps_) + protocolBps_ > BPS) revert BadShares(trainerBps_, protocolBps_);
        trainerBps = trainerBps_;
        protocolBps = protocolBps_;
        emit FeeSharesSet(trainerBps_, protocolBps_);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
