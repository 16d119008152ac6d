// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IModelRegistry, ModelSpec, TrainingMethod, LeafFault, LeafEvidence} from "./interfaces/IModelRegistry.sol";
import {Datanets} from "./Datanets.sol";
import {Status} from "./interfaces/IDatanets.sol";

/// @title ModelRegistry
/// @notice Trainers register fine-tuned models with the dataset they used; model users pay OPEN
/// fees that split between the trainer, the protocol and the contributors of the training data.
/// @dev The contributors' share accrues per unit of leaf weight (`feesPerWeight`, scaled by 1e18);
/// a contributor claims `weight × (feesPerWeight − feesPerWeight at its last claim)` with a Merkle
/// proof of its leaf: O(1) in the number of contributors, and no fee is paid twice to a leaf.
/// Claims on one model never pay more than that model's contributors received.
///
/// The attribution rule is enforced optimistically, like the review of contributions: every leaf
/// must name an `Accepted` contribution of the contributor the chain records, in a Datanet the model
/// lists, weighed by that contribution's size in bytes (`leafFault`). A trainer registers with a
/// bond; for `challengeWindow` seconds anyone may prove one leaf wrong (`challengeLeaf`) and take half
/// the bond (the treasury takes the rest), which marks the model invalid for good. Payments open only when the window closes, so an
/// invalid model never takes a fee and a claim needs no check of its own (its gas stays as it was).
contract ModelRegistry is IModelRegistry, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice May register models.
    bytes32 public constant TRAINER_ROLE = keccak256("TRAINER_ROLE");
    /// @notice May pause registrations and payments.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Most Datanets one model may name.
    uint256 public constant MAX_DATANETS = 32;
    /// @notice Shortest and longest challenge window governance may set.
    uint32 public constant MIN_CHALLENGE_WINDOW = 60;
    uint32 public constant MAX_CHALLENGE_WINDOW = 30 days;
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
        // one slot, read by every payment: the bond and its window
        uint96 bond; // OPEN at stake until released or taken by a challenger
        uint32 challengeEndsAt;
        bool invalid;
        bytes32 datanetsHash; // keccak256(abi.encode(spec.datanetIds)): what a challenge checks a leaf's Datanet against
    }

    IERC20 public immutable token;
    Datanets public immutable datanets;
    address public treasury;
    uint16 public trainerBps;
    uint16 public protocolBps;
    bool public paused;
    uint64 private _modelCount;
    /// @notice The bond a trainer puts up with each model registered from now on.
    uint96 public modelBond;
    /// @notice How long a new model can be challenged before payments open.
    uint32 public challengeWindow;

    mapping(uint256 modelId => Model) private _models;
    mapping(bytes32 modelAndLeaf => uint256 feesPerWeight) private _claimedUpTo;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    /// @param treasury_ Receives the protocol share of fees.
    /// @param trainerBps_ The trainer's share of each fee, in basis points.
    /// @param protocolBps_ The protocol's share; contributors get the rest.
    /// @param bond_ The trainer's bond per model.
    /// @param challengeWindow_ Seconds a new model can be challenged before payments open.
    constructor(
        IERC20 token_,
        Datanets datanets_,
        address admin,
        address treasury_,
        uint16 trainerBps_,
        uint16 protocolBps_,
        uint96 bond_,
        uint32 challengeWindow_
    ) {
        token = token_;
        datanets = datanets_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _setTreasury(treasury_);
        _setFeeShares(trainerBps_, protocolBps_);
        _setModelBond(bond_, challengeWindow_);
    }

    /// @notice Register a model trained by the caller, putting up `modelBond` OPEN (approve this
    /// contract first). Payments open `challengeWindow` seconds from now.
    /// @return modelId The new model's id, counting from 1.
    function registerModel(ModelSpec calldata spec)
        external
        onlyRole(TRAINER_ROLE)
        nonReentrant
        returns (uint256 modelId)
    {
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
        uint96 bond = modelBond;
        uint32 endsAt = uint32(block.timestamp) + challengeWindow;
        m.bond = bond;
        m.challengeEndsAt = endsAt;
        m.datanetsHash = keccak256(abi.encode(spec.datanetIds));
        emit ModelRegistered(modelId, msg.sender, spec.parentId, spec, bond, endsAt);
        if (bond > 0) token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice Prove that one leaf of a model breaks the attribution rule, inside its challenge
    /// window: the model is marked invalid (it never takes a fee); half its bond is paid to the caller
    /// and the other half to the treasury, so that a trainer who front-runs a challenge of its own
    /// model with one of its own still loses half.
    /// @param leaf The leaf, and where its contribution was submitted (see `LeafEvidence`).
    /// @param proof The Merkle proof of the leaf under the model's root.
    /// @param datanetIds The Datanets the model registered, in the registered order.
    function challengeLeaf(
        uint256 modelId,
        LeafEvidence calldata leaf,
        bytes32[] calldata proof,
        uint32[] calldata datanetIds
    ) external nonReentrant returns (LeafFault fault) {
        Model storage m = _existing(modelId);
        if (m.invalid) revert ModelInvalid(modelId);
        if (block.timestamp >= m.challengeEndsAt) {
            revert ChallengeWindowClosed(modelId, block.timestamp, m.challengeEndsAt);
        }
        fault = _leafFault(modelId, m, leaf, proof, datanetIds);
        if (fault == LeafFault.None) revert LeafHolds(modelId, leaf.contributionId);
        uint256 bond = m.bond;
        m.invalid = true;
        m.bond = 0;
        uint256 reward = bond / 2;
        emit ModelChallenged(modelId, msg.sender, leaf.contributionId, fault, reward, bond - reward);
        if (reward > 0) token.safeTransfer(msg.sender, reward);
        if (bond > reward) token.safeTransfer(treasury, bond - reward);
    }

    /// @notice Return a model's bond to its trainer once its challenge window has closed with no leaf
    /// proven wrong. Anyone may call; the bond goes to the trainer.
    function releaseBond(uint256 modelId) external nonReentrant returns (uint256 bond) {
        Model storage m = _existing(modelId);
        bond = m.bond;
        if (bond == 0 || block.timestamp < m.challengeEndsAt) {
            revert BondNotReleasable(modelId, bond, block.timestamp, m.challengeEndsAt);
        }
        m.bond = 0;
        address trainer = m.trainer;
        emit BondReleased(modelId, trainer, bond);
        token.safeTransfer(trainer, bond);
    }

    /// @notice Pay `amount` OPEN for the use of a model (approve this contract first).
    /// @dev The trainer's and protocol's shares are transferred at once; the contributors' share
    /// accrues per unit of weight and is claimed with `claimAttribution`.
    function payForModel(uint256 modelId, uint256 amount) external nonReentrant {
        if (paused) revert RegistryPaused();
        if (amount == 0) revert ZeroAmount();
        Model storage m = _existing(modelId);
        if (m.invalid) revert ModelInvalid(modelId);
        if (block.timestamp < m.challengeEndsAt) revert ModelInChallenge(modelId, block.timestamp, m.challengeEndsAt);
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

    /// @notice Set the bond and challenge window of models registered from now on; registered
    /// models keep theirs.
    function setModelBond(uint96 bond_, uint32 challengeWindow_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setModelBond(bond_, challengeWindow_);
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

    /// @notice Which part of the attribution rule a leaf breaks (`None` when it keeps it), as
    /// `challengeLeaf` would judge it now. Reverts when the proof, the Datanets or (for a leaf that
    /// keeps everything else) the submission evidence do not match the model.
    function leafFault(
        uint256 modelId,
        LeafEvidence calldata leaf,
        bytes32[] calldata proof,
        uint32[] calldata datanetIds
    ) external view returns (LeafFault) {
        return _leafFault(modelId, _existing(modelId), leaf, proof, datanetIds);
    }

    /// @notice A model's bond, when its challenge window closes (and payments open), and whether a
    /// challenge proved it invalid.
    function bondOf(uint256 modelId) external view returns (uint256 bond, uint256 challengeEndsAt, bool invalid) {
        Model storage m = _existing(modelId);
        return (m.bond, m.challengeEndsAt, m.invalid);
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

    /// @dev The attribution rule, in the order a challenge is judged: the leaf is under the root; its
    /// contribution is Accepted; the contributor is the one recorded; the weight is the recorded size;
    /// its Datanet (proven from the submission evidence) is one the model lists.
    function _leafFault(
        uint256 modelId,
        Model storage m,
        LeafEvidence calldata leaf,
        bytes32[] calldata proof,
        uint32[] calldata datanetIds
    ) private view returns (LeafFault) {
        bytes32 node = leafOf(leaf.contributionId, leaf.contributor, leaf.weight);
        if (!MerkleProof.verifyCalldata(proof, m.datasetRoot, node)) revert InvalidProof(modelId, node);
        if (keccak256(abi.encode(datanetIds)) != m.datanetsHash) revert DatanetsMismatch(modelId);
        (address contributor, Status status,, uint256 size,,,,,,) = datanets.getContribution(leaf.contributionId);
        if (status != Status.Accepted) return LeafFault.NotAccepted;
        if (contributor != leaf.contributor) return LeafFault.WrongContributor;
        if (leaf.weight != size) return LeafFault.WrongWeight;
        if (datanets.contributionIdOf(leaf.datanetId, leaf.digest) != leaf.contributionId) {
            revert WrongSubmission(leaf.contributionId, leaf.datanetId, leaf.digest);
        }
        for (uint256 i; i < datanetIds.length; ++i) {
            if (datanetIds[i] == leaf.datanetId) return LeafFault.None;
        }
        return LeafFault.OutsideDatanets;
    }

    function _setModelBond(uint96 bond_, uint32 window_) private {
        if (window_ < MIN_CHALLENGE_WINDOW || window_ > MAX_CHALLENGE_WINDOW) {
            revert BadChallengeWindow(window_, MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW);
        }
        modelBond = bond_;
        challengeWindow = window_;
        emit ModelBondSet(bond_, window_);
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
