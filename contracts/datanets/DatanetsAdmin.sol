// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {Modality, CidCodec, Formats} from "../libraries/Formats.sol";
import {IValidatorStaking} from "../interfaces/IValidatorStaking.sol";
import {Setting, DatanetLimits, ReviewRules} from "../interfaces/IDatanets.sol";
import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {DatanetsStorage} from "./DatanetsStorage.sol";

/// @title DatanetsAdmin
/// @notice The calls of Datanet owners and of governance: creating a Datanet, its limits, metadata,
/// pause, pool withdrawals and ownership, and the protocol-wide limits and pause; a
/// contributor's submission commitments, with their views; and `multicall` with `permitDeposit`,
/// which let a signed EIP-2612 permit stand in for an approval transaction.
/// @dev Runs only by DELEGATECALL from `Datanets`' fallback, on `Datanets`' storage; its own
/// storage is never used. Kept apart so that `Datanets`, which every contribution calls, stays
/// under the contract size limit without slowing its calls: none of these is on a plain submission's
/// path (a submission commitment is an optional transaction of its own).
contract DatanetsAdmin is IDatanetsAdmin, DatanetsStorage, ReentrancyGuardTransient, Multicall {
    using SafeERC20 for IERC20;

    constructor(IERC20 token_, IValidatorStaking staking_, uint32 maxCommitWindow_, uint32 maxRevealWindow_)
        DatanetsStorage(token_, staking_, maxCommitWindow_, maxRevealWindow_)
    {}

    // ─── Datanets ───────────────────────────────────────────────────────────

    /// @notice Create a Datanet owned by the caller.
    /// @param modality Text, image or audio; fixed for ever.
    /// @param formats Bit mask of allowed formats (`1 << Format`), a non-empty subset of the modality's.
    /// @param metadataDigest sha2-256 digest of the metadata document's CID on IPFS.
    /// @param metadataCodec Codec of that CID.
    /// @param limits Size cap, daily quotas, deposit and rewards (zero quotas and cap mean the protocol values).
    /// @param rules Commit and reveal windows, quorum, threshold and the fewest distinct validators a
    /// decision needs (zero means the default for each).
    /// @return datanetId The new Datanet's id, counting from 1.
    function createDatanet(
        Modality modality,
        uint16 formats,
        bytes32 metadataDigest,
        CidCodec metadataCodec,
        DatanetLimits calldata limits,
        ReviewRules calldata rules
    ) external returns (uint32 datanetId) {
        Config memory cfg = _config;
        if (cfg.paused) revert ProtocolPaused();
        uint16 allowed = Formats.ofModality(modality);
        if (formats == 0 || formats & ~allowed != 0) revert FormatsNotInModality(modality, formats, allowed);

        datanetId = ++_datanetCount;
        Datanet storage d = _datanets[datanetId];
        d.formats = formats;
        d.modality = modality;
        d.owner = msg.sender;
        d.metadataCodec = metadataCodec;
        d.metadataDigest = metadataDigest;
        DatanetLimits memory applied = _applyLimits(d, datanetId, cfg, limits, 0);

        ReviewRules memory r = rules;
        if (r.commitWindow == 0) r.commitWindow = _min32(DEFAULT_WINDOW, maxCommitWindow);
        if (r.revealWindow == 0) r.revealWindow = _min32(DEFAULT_WINDOW, maxRevealWindow);
        if (r.thresholdBps == 0) r.thresholdBps = DEFAULT_THRESHOLD_BPS;
        if (r.quorum == 0) r.quorum = staking.minimumStake();
        if (r.minValidators == 0) r.minValidators = DEFAULT_MIN_VALIDATORS;
        _checkBounds(Setting.CommitWindow, r.commitWindow, MIN_WINDOW, maxCommitWindow);
        _checkBounds(Setting.RevealWindow, r.revealWindow, MIN_WINDOW, maxRevealWindow);
        _checkBounds(Setting.Threshold, r.thresholdBps, MIN_THRESHOLD_BPS, BPS);
        _checkBounds(Setting.Quorum, r.quorum, WEIGHT_UNIT, type(uint48).max * WEIGHT_UNIT);
        _checkBounds(Setting.MinValidators, r.minValidators, 1, type(uint8).max);
        // Round the quorum up to whole weight units, so that it is never below what was asked.
        uint48 quorumUnits = uint48((r.quorum + WEIGHT_UNIT - 1) / WEIGHT_UNIT);
        r.quorum = uint256(quorumUnits) * WEIGHT_UNIT;
        d.commitWindow = r.commitWindow;
        d.revealWindow = r.revealWindow;
        d.quorum = quorumUnits;
        d.thresholdBps = r.thresholdBps;
        d.minValidators = r.minValidators;

        emit DatanetCreated(datanetId, msg.sender, modality, formats, metadataDigest, metadataCodec, applied, r);
    }

    /// @notice Change a Datanet's size cap, daily quotas, deposit and rewards. Owner only.
    /// @dev Contributions already submitted keep the deposit and rewards they were submitted under.
    function updateLimits(uint32 datanetId, DatanetLimits calldata limits) external {
        Datanet storage d = _ownedDatanet(datanetId);
        DatanetLimits memory applied = _applyLimits(d, datanetId, _config, limits, d.termsVersion + 1);
        emit DatanetLimitsUpdated(datanetId, d.termsVersion, applied);
    }

    /// @notice Point a Datanet at a new metadata document. Owner only.
    function setMetadata(uint32 datanetId, bytes32 metadataDigest, CidCodec metadataCodec) external {
        Datanet storage d = _ownedDatanet(datanetId);
        d.metadataDigest = metadataDigest;
        d.metadataCodec = metadataCodec;
        emit DatanetMetadataUpdated(datanetId, metadataDigest, metadataCodec);
    }

    /// @notice Pause or resume new submissions to a Datanet. Owner only.
    /// @dev Reviews, finalisation and claims go on while a Datanet is paused. The time of the pause
    /// starts the wait before the pool can be withdrawn (`withdrawPool`).
    function setDatanetPaused(uint32 datanetId, bool paused) external {
        Datanet storage d = _ownedDatanet(datanetId);
        if (paused && !d.paused) d.pausedAt = uint32(block.timestamp);
        d.paused = paused;
        emit DatanetPauseSet(datanetId, paused);
    }


    /// @notice Take OPEN out of a paused Datanet's pool. Owner only.
    /// @dev Submissions reserve nothing (rewards are taken at acceptance), so the pool is what pays
    /// the contributions still under review. It can be withdrawn only once the Datanet has been
    /// paused for a whole review (commit and reveal windows) and one more reveal window: every
    /// submission made before the pause has then been decided and has had a reveal window's time to
    /// be finalised and paid. What is left unfinalised after that may expire unfunded.
    function withdrawPool(uint32 datanetId, uint256 amount, address to) external nonReentrant {
        Datanet storage d = _ownedDatanet(datanetId);
        if (!d.paused) revert DatanetNotPaused(datanetId);
        uint256 unlocksAt = _poolUnlocksAt(d);
        if (block.timestamp < unlocksAt) revert PoolLocked(datanetId, block.timestamp, unlocksAt);
        if (amount == 0) revert ZeroAmount();
        if (amount > d.pool) revert PoolTooSmall(datanetId, d.pool, amount);
        d.pool -= uint96(amount);
        token.safeTransfer(to, amount);
        emit PoolWithdrawn(datanetId, to, amount, d.pool);
    }


    /// @notice Offer a Datanet's ownership to `newOwner`, who takes it with `acceptDatanetOwnership`.
    /// Owner only. Until then the current owner keeps every right; offering to address zero cancels.
    /// @dev Two steps, so that a mistyped address cannot take a Datanet out of anyone's hands.
    function transferDatanetOwnership(uint32 datanetId, address newOwner) external {
        Datanet storage d = _ownedDatanet(datanetId);
        d.pendingOwner = newOwner;
        emit DatanetOwnershipTransferStarted(datanetId, msg.sender, newOwner);
    }

    /// @notice Take over a Datanet whose owner offered it to the caller.
    function acceptDatanetOwnership(uint32 datanetId) external {
        Datanet storage d = _existingDatanet(datanetId);
        if (d.pendingOwner != msg.sender || msg.sender == address(0)) {
            revert NotPendingOwner(datanetId, msg.sender, d.pendingOwner);
        }
        address previous = d.owner;
        d.owner = msg.sender;
        d.pendingOwner = address(0);
        emit DatanetOwnershipTransferred(datanetId, previous, msg.sender);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Set the protocol-wide limits: the size cap (≤ 10 MiB), a contributor's bytes and files per
    /// UTC day across all Datanets, and the fraction of weight slashed for an unrevealed vote.
    function setProtocolLimits(uint32 maxFileSize, uint32 dailyBytes, uint16 dailyFiles, uint16 slashBps)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _checkBounds(Setting.MaxFileSize, maxFileSize, 1, MAX_FILE_SIZE_CEILING);
        _checkBounds(Setting.DailyBytes, dailyBytes, 1, type(uint32).max);
        _checkBounds(Setting.DailyFiles, dailyFiles, 1, type(uint16).max);
        _checkBounds(Setting.SlashBps, slashBps, 0, BPS);
        Config storage cfg = _config;
        cfg.maxFileSize = maxFileSize;
        cfg.dailyBytes = dailyBytes;
        cfg.dailyFiles = dailyFiles;
        cfg.slashBps = slashBps;
        emit ProtocolLimitsUpdated(maxFileSize, dailyBytes, dailyFiles, slashBps);
    }

    /// @notice Emergency pause: stops Datanet creation, submissions and commits. Reveals, finalisation,
    /// validator rewards, claims and pool withdrawals keep working, so no one's funds are trapped.
    function setProtocolPaused(bool paused) external onlyRole(PAUSER_ROLE) {
        _config.paused = paused;
        emit ProtocolPauseSet(paused);
    }

    // ─── Internals ──────────────────────────────────────────────────────────


    // ─── Submission commitments ─────────────────────────────────────────────

    /// @notice Record a submission commitment before sending the files, so that nobody who sees them
    /// in the mempool can take their credit: `submitCommitted` displaces a pending copy of the same
    /// content that another contributor sent after this commitment (or committed after it).
    /// @dev The commitment is `submissionCommitmentOf(contributor, datanetId, digestsHash, salt)`:
    /// salted, so that it reveals nothing about the files. Optional: `submit` needs none.
    function commitSubmission(bytes32 commitment) external {
        uint256 committedAt = _submissionCommitments[commitment];
        if (committedAt != 0) revert SubmissionCommitmentExists(commitment, committedAt);
        _submissionCommitments[commitment] = block.timestamp;
        emit SubmissionCommitted(commitment, msg.sender);
    }

    /// @notice The submission commitment of `contributor` for files of `datanetId`: it binds them to
    /// the contributor, the Datanet, this contract and chain, and hides them behind the salt.
    /// @param digestsHash `keccak256(abi.encodePacked(digests))`, in the order they will be submitted.
    function submissionCommitmentOf(address contributor, uint32 datanetId, bytes32 digestsHash, bytes32 salt)
        external
        view
        returns (bytes32)
    {
        return _submissionCommitmentOf(contributor, datanetId, digestsHash, salt);
    }

    /// @notice When an unused submission commitment was recorded; 0 if never, or once used.
    function submissionCommittedAt(bytes32 commitment) external view returns (uint256) {
        return _submissionCommitments[commitment];
    }

    /// @notice How the current round of a contribution claimed its content: whether it displaced
    /// another contributor's pending copy, and the age in seconds of the submission commitment it
    /// was sent with (0 without one; 127 means 127 or more).
    function claimOf(bytes32 contributionId) external view returns (bool displaced, uint256 commitmentAge) {
        uint8 claim = _contributions[contributionId].claim;
        return (claim & DISPLACED != 0, claim & MAX_CLAIM_AGE);
    }

    // ─── One transaction instead of approve-then-call ───────────────────────

    /// @notice Runs several calls of this contract in one transaction, each as if the caller had sent
    /// it, all or none: `[permitDeposit(…), submitBatch(…)]` pays a deposit with a signed permit
    /// instead of an approval transaction (likewise before `fund` or `submitCommitted`).
    /// @dev OpenZeppelin's `Multicall`: each call is a DELEGATECALL to this contract's address, so it
    /// runs `Datanets` (and through its fallback this module) with the caller as `msg.sender`.
    /// `multicall` and `Datanets`' fallback are not payable, so no value is ever sent for a call to
    /// count twice; every call keeps its own reentrancy guard and role check.
    function multicall(bytes[] calldata data)
        public
        override(IDatanetsAdmin, Multicall)
        returns (bytes[] memory results)
    {
        return super.multicall(data);
    }

    /// @notice Uses the caller's EIP-2612 permit of `value` OPEN to this contract, signed until
    /// `deadline`, as the approval of the call that follows it in a `multicall`.
    /// @dev A permit is public once broadcast: anyone may send it to the token first, which uses its
    /// nonce and makes the token refuse it here. That is no failure as long as the allowance it set is
    /// still there, so only an allowance below `value` afterwards reverts (`PermitRefused`). The owner
    /// is always the caller: a permit signed by someone else sets nothing for the caller.
    function permitDeposit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        try IERC20Permit(address(token)).permit(msg.sender, address(this), value, deadline, v, r, s) {}
        catch {}
        uint256 allowance = token.allowance(msg.sender, address(this));
        if (allowance < value) revert PermitRefused(msg.sender, value, allowance, deadline, block.timestamp);
    }

    /// @dev Validates limits against the protocol's and stores them as a new terms version.
    function _applyLimits(
        Datanet storage d,
        uint32 datanetId,
        Config memory cfg,
        DatanetLimits calldata limits,
        uint16 version
    ) private
        returns (DatanetLimits memory applied)
    {
        applied = limits;
        if (applied.maxFileSize == 0) applied.maxFileSize = cfg.maxFileSize;
        if (applied.dailyBytes == 0) applied.dailyBytes = cfg.dailyBytes;
        if (applied.dailyFiles == 0) applied.dailyFiles = cfg.dailyFiles;
        _checkBounds(Setting.MaxFileSize, applied.maxFileSize, 1, cfg.maxFileSize);
        _checkBounds(Setting.DailyBytes, applied.dailyBytes, 1, cfg.dailyBytes);
        _checkBounds(Setting.DailyFiles, applied.dailyFiles, 1, cfg.dailyFiles);
        _checkBounds(Setting.Reward, applied.reward, 0, type(uint80).max);
        _checkBounds(Setting.ValidatorReward, applied.validatorReward, 0, type(uint80).max);
        d.maxFileSize = applied.maxFileSize;
        d.dailyBytes = applied.dailyBytes;
        d.dailyFiles = uint16(applied.dailyFiles);
        d.termsVersion = version;
        d.rewardsPerFile = uint96(applied.reward + applied.validatorReward);
        d.hasDeposit = applied.deposit > 0;
        _terms[_termsKey(datanetId, version)] =
            Terms(uint80(applied.reward), uint80(applied.validatorReward), applied.deposit);
    }
}
