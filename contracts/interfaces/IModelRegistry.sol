// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CidCodec} from "../libraries/Formats.sol";

/// @notice How a model was trained from its base.
enum TrainingMethod {
    LoRA,
    QLoRA,
    Full
}

/// @notice What a trainer registers about a model.
/// @param baseModel The base model's name (for example a Hugging Face id); its keccak256 is stored.
/// @param baseWeightsHash sha256 of the base model's weights.
/// @param configHash sha256 of the full training configuration.
/// @param artifactDigest, artifactCodec The CID of the produced adapter or weights.
/// @param artifactSha256 sha256 of the artifact's bytes.
/// @param datanetIds The Datanets the training data came from.
/// @param datasetRoot Merkle root over leaves `(contributionId, contributor, weight)` (OpenZeppelin
/// standard leaf: `keccak256(bytes.concat(keccak256(abi.encode(id, contributor, weight))))`, sorted pairs).
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

    /// @param spec Everything the trainer registered, as passed to `registerModel`.
    event ModelRegistered(uint256 indexed modelId, address indexed trainer, uint256 indexed parentId, ModelSpec spec);
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
