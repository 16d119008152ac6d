// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Modality, CidCodec} from "../libraries/Formats.sol";
import {DatanetLimits, ReviewRules} from "./IDatanets.sol";

/// @notice The owners' and governance's calls of the Datanets contract. They run in `DatanetsAdmin`
/// by DELEGATECALL from the `Datanets` address, so call them on that address through this interface.
interface IDatanetsAdmin {
    function createDatanet(
        Modality modality,
        uint16 formats,
        bytes32 metadataDigest,
        CidCodec metadataCodec,
        DatanetLimits calldata limits,
        ReviewRules calldata rules
    ) external returns (uint32 datanetId);
    function updateLimits(uint32 datanetId, DatanetLimits calldata limits) external;
    function setMetadata(uint32 datanetId, bytes32 metadataDigest, CidCodec metadataCodec) external;
    function setDatanetPaused(uint32 datanetId, bool paused) external;
    function withdrawPool(uint32 datanetId, uint256 amount, address to) external;
    function transferDatanetOwnership(uint32 datanetId, address newOwner) external;
    function acceptDatanetOwnership(uint32 datanetId) external;
    function setProtocolLimits(uint32 maxFileSize, uint32 dailyBytes, uint16 dailyFiles, uint16 slashBps) external;
    function setProtocolPaused(bool paused) external;
    function commitSubmission(bytes32 commitment) external;
    function submissionCommitmentOf(address contributor, uint32 datanetId, bytes32 digestsHash, bytes32 salt)
        external
        view
        returns (bytes32);
    function submissionCommittedAt(bytes32 commitment) external view returns (uint256);
    function claimOf(bytes32 contributionId) external view returns (bool displaced, uint256 commitmentAge);
    function permitDeposit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
    function multicall(bytes[] calldata data) external returns (bytes[] memory results);
}
