// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CidCodec} from "../libraries/Formats.sol";

/// @notice How a model was trained from its base.
enum TrainingMethod {
    LoRA,
    QLoRA,
    Full
}

/// @notice What breaks the attribution rule in a dataset leaf (see `ModelRegistry.leafFault`).
/// The rule: every leaf names an `Accepted` contribution, of the contributor the chain records, in
/// one of the Datanets the model lists, with a weight equal to that contribution's size in bytes.
enum LeafFault {
    None,
    NotAccepted,
    WrongContributor,
    WrongWeight,
    OutsideDatanets
}

/// @notice The evidence that places a dataset leaf: the leaf's fields, and where its contribution
/// was submitted (`contributionId == keccak256(abi.encode(datanetId, digest))`, as in
/// `ContributionSubmitted`). `datanetId` and `digest` are only read when every other part of the
/// rule holds, so a leaf naming an id no one submitted is proven wrong without them.
struct LeafEvidence {
    bytes32 contributionId;
    address contributor;
    uint256 weight;
    uint32 datanetId;
    bytes32 digest;
}

/// @notice What a trainer registers about a model.
/// @param baseModel The base model's name (for example a Hugging Face id); its keccak256 is stored.
/// @param baseWeightsHash sha256 of the base model's weights.
/// @param configHash sha256 of the full training configuration.
/// @param artifactDigest, artifactCodec The CID of the produced adapter or weights.
/// @param artifactSha256 sha256 of the artifact's bytes.
/// @param datanetIds The Datanets the training data came from.
/// @param datasetRoot Merkle root over leaves `(contributionId, contributor, weight)` (OpenZeppelin
/// standard leaf: `keccak256(bytes.concat(keccak256(abi.encode(id, contributor, weight))))`, sorted
/// pairs); each weight is its contribution's size in bytes (the rule `challengeLeaf` enforces).
/// @param totalWeight The sum of all leaf weights.
/// @param manifestDigest, manifestCodec The CID of the dataset manifest listing the leaves.
/// @param parentId A model this one refines, or 0.
struct ModelSpec {
    string baseModel;
    bytes32 baseWeightsHash;
    TrainingMethod method;
    bytes32 configHash;
    bytes32 artifactDigest;
    CidCodec artifactCodec;
    bytes32 artifactSha256;
    uint32[] datanetIds;
    bytes32 datasetRoot;
    uint128 totalWeight;
    bytes32 manifestDigest;
    CidCodec manifestCodec;
    uint64 parentId;
}

interface IModelRegistry {
    /// @dev No model has this id.
    error ModelNotFound(uint256 modelId);
    /// @dev A registration that names no Datanet, an unknown one, or more than the limit.
    error BadDatanets(uint256 count, uint32 unknownDatanetId);
    /// @dev A dataset without leaves (zero root or zero total weight).
    error EmptyDataset();
    /// @dev Fee shares above 100 %.
    error BadShares(uint256 trainerBps, uint256 protocolBps);
    /// @dev The proof does not place the leaf under the model's dataset root.
    error InvalidProof(uint256 modelId, bytes32 leaf);
    /// @dev Nothing new has accrued to this leaf since its last claim.
    error NothingToClaim(uint256 modelId, bytes32 leaf);
    /// @dev Claims on this model would pay out more than its contributors were paid (a manifest whose weights exceed the registered total).
    error AttributionExceedsFees(uint256 modelId, uint256 paid, uint256 requested, uint256 fees);
    /// @dev An amount of zero.
    error ZeroAmount();
    /// @dev The registry is paused: registrations and payments wait, claims go on.
    error RegistryPaused();
    /// @dev A zero address where one is needed.
    error ZeroAddress();
    /// @dev Payments open when the model's challenge window closes.
    error ModelInChallenge(uint256 modelId, uint256 now_, uint256 challengeEndsAt);
    /// @dev A challenge proved one of the model's leaves wrong: it takes no fees.
    error ModelInvalid(uint256 modelId);
    /// @dev Challenges are heard only inside the window.
    error ChallengeWindowClosed(uint256 modelId, uint256 now_, uint256 challengeEndsAt);
    /// @dev The challenged leaf keeps the rule: it names an accepted contribution of its contributor,
    /// in a listed Datanet, weighed by its size.
    error LeafHolds(uint256 modelId, bytes32 contributionId);
    /// @dev The Datanets passed are not the ones the model registered.
    error DatanetsMismatch(uint256 modelId);
    /// @dev `keccak256(abi.encode(datanetId, digest))` is not the leaf's contribution id.
    error WrongSubmission(bytes32 contributionId, uint32 datanetId, bytes32 digest);
    /// @dev The bond is still at stake (window open), was taken by a challenger, or was released.
    error BondNotReleasable(uint256 modelId, uint256 bond, uint256 now_, uint256 challengeEndsAt);
    /// @dev A challenge window outside the protocol's bounds.
    error BadChallengeWindow(uint256 window, uint256 min, uint256 max);

    /// @param spec Everything the trainer registered, as passed to `registerModel`.
    /// @param bond The OPEN the trainer put at stake; a proven wrong leaf hands half to the challenger, half to the treasury.
    /// @param challengeEndsAt When payments open and challenges close.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed trainer,
        uint256 indexed parentId,
        ModelSpec spec,
        uint256 bond,
        uint256 challengeEndsAt
    );
    /// @dev A leaf was proven wrong: the model is invalid; `reward` (half the bond) went to the
    /// challenger and `forfeited` (the rest) to the treasury.
    event ModelChallenged(
        uint256 indexed modelId,
        address indexed challenger,
        bytes32 contributionId,
        LeafFault fault,
        uint256 reward,
        uint256 forfeited
    );
    /// @dev The challenge window closed with no leaf proven wrong; the bond went back to the trainer.
    event BondReleased(uint256 indexed modelId, address indexed trainer, uint256 bond);
    /// @dev The bond and challenge window of models registered from now on.
    event ModelBondSet(uint256 bond, uint256 challengeWindow);
    event FeePaid(
        uint256 indexed modelId,
        address indexed payer,
        uint256 amount,
        uint256 trainerShare,
        uint256 protocolShare,
        uint256 contributorsShare,
        uint256 feesPerWeight
    );
    /// @dev The leaf is `leafOf(contributionId, contributor, weight)`; `amount / weight` is what each unit of weight earned.
    event AttributionClaimed(uint256 indexed modelId, bytes32 indexed contributionId, address contributor, uint256 amount);
    event FeeSharesSet(uint256 trainerBps, uint256 protocolBps);
    event TreasurySet(address treasury);
    event RegistryPauseSet(bool paused);
}
