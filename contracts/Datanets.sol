// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Modality, Format, CidCodec, Formats} from "./libraries/Formats.sol";
import {DailyUsage} from "./libraries/DailyUsage.sol";
import {IValidatorStaking} from "./interfaces/IValidatorStaking.sol";
import {
    IDatanetsErrors,
    IDatanetsEvents,
    Status,
    QuotaKind,
    Setting,
    DatanetLimits,
    ReviewRules,
    FileRef,
    QuotaView,
    DatanetView
} from "./interfaces/IDatanets.sol";

/// @title Datanets
/// @notice Datanets, contributions, commit–reveal review and contributor rewards.
/// @dev Everything a contribution touches lives in this one contract so that a submission is a
/// handful of storage writes: one slot per contribution (also the duplicate check, since the
/// contribution id is derived from the Datanet and the content digest), one per daily-usage
/// counter, and the pool. Review state (tallies) lives in the contribution's own slot. A batch
/// commit stores one commitment however many contributions it covers.
contract Datanets is IDatanetsErrors, IDatanetsEvents, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ─── Roles and constants ────────────────────────────────────────────────

    /// @notice May pause the whole protocol in an emergency.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The upper bound of every file-size setting: 10 MiB.
    uint32 public constant MAX_FILE_SIZE_CEILING = 10 * 1024 * 1024;
    /// @notice Vote weights are counted in units of 10^13 wei (0.00001 OPEN) so that tallies fit the contribution slot.
    uint256 public constant WEIGHT_UNIT = 1e13;
    /// @notice Most contributions one call may submit, commit, reveal or finalise (a reveal is a 256-bit mask).
    uint256 public constant MAX_BATCH = 256;
    /// @notice Shortest commit or reveal window.
    uint32 public constant MIN_WINDOW = 60;
    /// @notice Default commit and reveal windows.
    uint32 public constant DEFAULT_WINDOW = 1 days;
    /// @notice Default approval threshold: two thirds of revealed stake (66.66 %, so that 2 of 3 equal votes pass).
    uint16 public constant DEFAULT_THRESHOLD_BPS = 6666;
    /// @notice Lowest approval threshold: a strict majority.
    uint16 public constant MIN_THRESHOLD_BPS = 5001;
    uint16 private constant BPS = 10_000;

    uint8 private constant COMMITTED = 1;
    uint8 private constant REVEALED = 2;
    uint8 private constant SLASHED = 3;

    // ─── Storage ────────────────────────────────────────────────────────────

    /// @dev Protocol-wide limits, read by every submission: one slot.
    struct Config {
        uint32 maxFileSize;
        uint32 dailyBytes;
        uint16 dailyFiles;
        uint16 slashBps;
        bool paused;
    }

    struct Datanet {
        // slot 0: what a submission reads and writes
        uint96 pool;
        uint32 submissions; // also the sequence of the latest submission
        uint16 termsVersion;
        uint16 formats;
        Modality modality;
        bool paused;
        bool hasDeposit; // whether the current terms ask a deposit (saves reading them otherwise)
        uint32 commitWindow;
        uint32 revealWindow;
        // slot 1: limits and review rules
        uint32 maxFileSize;
        uint32 dailyBytes;
        uint16 dailyFiles;
        uint48 quorum; // weight units
        uint16 thresholdBps;
        uint96 reservePerFile; // reward + validator reward of the current terms
        // slot 2
        address owner;
        CidCodec metadataCodec;
        // slot 3
        bytes32 metadataDigest;
    }

    /// @dev The payments of a submission, versioned so that a change never alters what earlier submissions reserved.
    struct Terms {
        uint80 reward;
        uint80 validatorReward;
        uint96 deposit;
    }

    /// @dev One slot per contribution.
    struct Contribution {
        uint32 contributor; // index into `_contributors`, from 1
        uint32 submittedAt;
        uint24 size;
        Format format;
        CidCodec codec;
        Status status;
        uint16 termsVersion;
        uint32 sequence; // per Datanet, increasing
        uint48 approveWeight;
        uint48 rejectWeight;
    }

    struct Commitment {
        bytes32 sealedOrVotes; // the sealed hash until revealed, then the vote mask
        address validator;
        uint32 committedAt;
        uint48 weight;
        uint8 state;
        bool rewardsClaimed;
    }

    /// @dev Per contributor: protocol-wide usage today and the index used in contribution slots.
    struct ContributorQuota {
        uint32 index;
        uint32 day;
        uint32 bytesUsed;
        uint16 filesUsed;
    }

    /// @dev Per contributor and Datanet: usage today.
    struct DayUsage {
        uint32 day;
        uint32 bytesUsed;
        uint16 filesUsed;
    }

    /// @dev Per account: claimable OPEN and the accepted work that ranks a contributor.
    struct Balance {
        uint128 credits;
        uint64 acceptedCount;
        uint64 acceptedBytes;
    }

    IERC20 public immutable token;
    IValidatorStaking public immutable staking;
    /// @notice Longest commit window a Datanet may set.
    uint32 public immutable maxCommitWindow;
    /// @notice Longest reveal window a Datanet may set.
    uint32 public immutable maxRevealWindow;

    Config private _config;
    uint32 private _datanetCount;
    /// @notice Validator rewards of final contributions not yet credited to a validator (rounding dust included).
    uint256 public validatorRewardsOutstanding;

    mapping(uint32 datanetId => Datanet) private _datanets;
    mapping(uint256 datanetAndVersion => Terms) private _terms;
    mapping(bytes32 contributionId => Contribution) private _contributions;
    mapping(address contributor => ContributorQuota) private _quotas;
    mapping(uint256 datanetAndAccount => DayUsage) private _datanetUsage;
    mapping(address account => Balance) private _balances;
    uint32 private _contributorCount;
    mapping(uint32 index => address) private _contributorAt;
    mapping(bytes32 commitment => Commitment) private _commitments;
    mapping(uint256 datanetAndValidator => uint32) private _lastCommittedSequence;

    /// @param token_ The OPEN token.
    /// @param staking_ The validator staking contract; this contract needs its SLASHER_ROLE.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (governance) and PAUSER_ROLE.
    /// @param maxCommitWindow_ Longest commit window; the staking activation delay must be at least this.
    /// @param maxRevealWindow_ Longest reveal window; the unbonding period must exceed both windows together.
    constructor(
        IERC20 token_,
        IValidatorStaking staking_,
        address admin,
        uint32 maxCommitWindow_,
        uint32 maxRevealWindow_
    ) {
        if (maxCommitWindow_ < MIN_WINDOW) {
            revert SettingOutOfBounds(Setting.CommitWindow, maxCommitWindow_, MIN_WINDOW, type(uint32).max);
        }
        if (maxRevealWindow_ < MIN_WINDOW) {
            revert SettingOutOfBounds(Setting.RevealWindow, maxRevealWindow_, MIN_WINDOW, type(uint32).max);
        }
        // Flash stake: stake that votes must predate any contribution it can vote on.
        if (staking_.activationDelay() < maxCommitWindow_) {
            revert SettingOutOfBounds(
                Setting.CommitWindow, maxCommitWindow_, MIN_WINDOW, staking_.activationDelay()
            );
        }
        // Stake cannot leave before the rounds it voted in are over.
        uint256 review = uint256(maxCommitWindow_) + maxRevealWindow_;
        if (staking_.unbondingPeriod() <= review) {
            revert SettingOutOfBounds(Setting.RevealWindow, maxRevealWindow_, MIN_WINDOW, staking_.unbondingPeriod() - maxCommitWindow_);
        }
        token = token_;
        staking = staking_;
        maxCommitWindow = maxCommitWindow_;
        maxRevealWindow = maxRevealWindow_;
        _config = Config({
            maxFileSize: MAX_FILE_SIZE_CEILING,
            dailyBytes: MAX_FILE_SIZE_CEILING,
            dailyFiles: 20,
            slashBps: 100,
            paused: false
        });
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        emit ProtocolLimitsUpdated(MAX_FILE_SIZE_CEILING, MAX_FILE_SIZE_CEILING, 20, 100);
    }

    // ─── Datanets ───────────────────────────────────────────────────────────

    /// @notice Create a Datanet owned by the caller.
    /// @param modality Text, image or audio; fixed for ever.
    /// @param formats Bit mask of allowed formats (`1 << Format`), a non-empty subset of the modality's.
    /// @param metadataDigest sha2-256 digest of the metadata document's CID on IPFS.
    /// @param metadataCodec Codec of that CID.
    /// @param limits Size cap, daily quotas, deposit and rewards (zero quotas and cap mean the protocol values).
    /// @param rules Commit and reveal windows, quorum and threshold (zero means the default).
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
        _checkBounds(Setting.CommitWindow, r.commitWindow, MIN_WINDOW, maxCommitWindow);
        _checkBounds(Setting.RevealWindow, r.revealWindow, MIN_WINDOW, maxRevealWindow);
        _checkBounds(Setting.Threshold, r.thresholdBps, MIN_THRESHOLD_BPS, BPS);
        _checkBounds(Setting.Quorum, r.quorum, WEIGHT_UNIT, type(uint48).max * WEIGHT_UNIT);
        // Round the quorum up to whole weight units, so that it is never below what was asked.
        uint48 quorumUnits = uint48((r.quorum + WEIGHT_UNIT - 1) / WEIGHT_UNIT);
        r.quorum = uint256(quorumUnits) * WEIGHT_UNIT;
        d.commitWindow = r.commitWindow;
        d.revealWindow = r.revealWindow;
        d.quorum = quorumUnits;
        d.thresholdBps = r.thresholdBps;

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
    /// @dev Reviews, finalisation and claims go on while a Datanet is paused.
    function setDatanetPaused(uint32 datanetId, bool paused) external {
        Datanet storage d = _ownedDatanet(datanetId);
        d.paused = paused;
        emit DatanetPauseSet(datanetId, paused);
    }

    /// @notice Add `amount` OPEN to a Datanet's reward pool (approve this contract first). Anyone may fund.
    function fund(uint32 datanetId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Datanet storage d = _existingDatanet(datanetId);
        uint256 pool = d.pool + amount;
        _checkBounds(Setting.Reward, pool, 0, type(uint96).max);
        d.pool = uint96(pool);
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit DatanetFunded(datanetId, msg.sender, amount, pool);
    }

    /// @notice Take unreserved OPEN out of a paused Datanet's pool. Owner only.
    /// @dev Requiring the pause first means no submission can reserve from the pool meanwhile.
    function withdrawPool(uint32 datanetId, uint256 amount, address to) external nonReentrant {
        Datanet storage d = _ownedDatanet(datanetId);
        if (!d.paused) revert DatanetNotPaused(datanetId);
        if (amount == 0) revert ZeroAmount();
        if (amount > d.pool) revert PoolTooSmall(datanetId, d.pool, amount);
        d.pool -= uint96(amount);
        token.safeTransfer(to, amount);
        emit PoolWithdrawn(datanetId, to, amount, d.pool);
    }

    // ─── Contributions ──────────────────────────────────────────────────────

    /// @notice Submit one file to a Datanet.
    /// @dev Pulls the deposit (if any) and reserves the rewards from the pool.
    /// @return contributionId `keccak256(abi.encode(datanetId, file.digest))`.
    function submit(uint32 datanetId, FileRef calldata file) external nonReentrant returns (bytes32 contributionId) {
        (Datanet storage d, uint256 index, uint16 version, uint256 maxSize, uint32 sequence) = _beginSubmission(datanetId);
        contributionId = _record(d, datanetId, file, index, version, maxSize, sequence);
        _endSubmission(d, datanetId, version, sequence, file.size, 1);
    }

    /// @notice Submit several files to a Datanet in one transaction; all or none are recorded.
    /// @return contributionIds One id per file, in order.
    function submitBatch(uint32 datanetId, FileRef[] calldata files)
        external
        nonReentrant
        returns (bytes32[] memory contributionIds)
    {
        uint256 n = files.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        (Datanet storage d, uint256 index, uint16 version, uint256 maxSize, uint32 sequence) = _beginSubmission(datanetId);
        contributionIds = new bytes32[](n);
        uint256 totalBytes;
        for (uint256 i; i < n; ++i) {
            contributionIds[i] = _record(d, datanetId, files[i], index, version, maxSize, sequence + uint32(i));
            totalBytes += files[i].size;
        }
        _endSubmission(d, datanetId, version, sequence + uint32(n - 1), totalBytes, n);
    }

    // ─── Review ─────────────────────────────────────────────────────────────

    /// @notice Commit sealed votes on contributions of one Datanet, all in their commit windows.
    /// @dev The weight is the caller's eligible stake now. Contributions must come in increasing
    /// submission order and after any the caller committed to before in this Datanet, which is what
    /// makes a second vote on the same contribution impossible. Their submissions must lie less than
    /// a reveal window apart, so that one reveal fits them all.
    /// @param digests The content digests of the contributions.
    /// @param sealedVotes `sealVotes(msg.sender, datanetId, contributionIds, votes, salt)`.
    /// @return commitment The commitment's key, used to reveal, slash and claim.
    function commit(uint32 datanetId, bytes32[] calldata digests, bytes32 sealedVotes)
        external
        returns (bytes32 commitment)
    {
        if (_config.paused) revert ProtocolPaused();
        uint256 n = digests.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        Datanet storage d = _existingDatanet(datanetId);
        bytes32[] memory ids = _checkCommitBatch(d, datanetId, digests);
        commitment = commitmentKey(msg.sender, datanetId, keccak256(abi.encodePacked(ids)));
        // The same ids can be committed again only after every one of them expired and was
        // resubmitted; an unrevealed commitment of that earlier round is slashed before it is replaced.
        if (_commitments[commitment].state == COMMITTED) _slash(commitment);
        // Records the open vote (its stake cannot be withdrawn until it is revealed or slashed).
        (uint256 eligible, uint256 minimum) = staking.holdVote(msg.sender);
        if (eligible < minimum || eligible < WEIGHT_UNIT) revert StakeBelowMinimum(msg.sender, eligible, minimum);
        uint48 weight = uint48(_min(eligible / WEIGHT_UNIT, type(uint48).max));
        _commitments[commitment] = Commitment({
            sealedOrVotes: sealedVotes,
            validator: msg.sender,
            committedAt: uint32(block.timestamp),
            weight: weight,
            state: COMMITTED,
            rewardsClaimed: false
        });
        emit VotesCommitted(commitment, msg.sender, datanetId, ids, uint256(weight) * WEIGHT_UNIT, sealedVotes);
    }

    /// @notice Reveal the votes of an earlier commit; each contribution must be in its reveal window.
    /// @param digests The same digests, in the same order, as committed.
    /// @param votes Bit i set approves the i-th contribution; clear rejects it.
    /// @param salt The secret chosen at commit.
    function reveal(uint32 datanetId, bytes32[] calldata digests, uint256 votes, bytes32 salt) external {
        uint256 n = digests.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        Datanet storage d = _existingDatanet(datanetId);
        bytes32[] memory ids = _ids(datanetId, digests);
        bytes32 idsHash = keccak256(abi.encodePacked(ids));
        bytes32 key = commitmentKey(msg.sender, datanetId, idsHash);
        Commitment storage cm = _commitments[key];
        if (cm.state != COMMITTED) {
            if (cm.state == 0) revert CommitmentNotFound(msg.sender, key);
            revert CommitmentClosed(key);
        }
        if (cm.sealedOrVotes != sealVotes(msg.sender, datanetId, idsHash, votes, salt)) revert RevealMismatch(key);
        if (n < 256) votes &= (uint256(1) << n) - 1;

        uint256 commitWindow = d.commitWindow;
        uint256 revealWindow = d.revealWindow;
        uint256 committedAt = cm.committedAt;
        uint48 weight = cm.weight;
        for (uint256 i; i < n; ++i) {
            Contribution storage c = _contributions[ids[i]];
            // No status check needed: a contribution is final only after its reveal window closed,
            // and one resubmitted since the commit is refused just below.
            uint256 opensAt = uint256(c.submittedAt) + commitWindow;
            // The commit must belong to this round (content that expired may have been resubmitted since).
            if (committedAt < c.submittedAt) revert NotInCommitWindow(ids[i], committedAt, c.submittedAt, opensAt);
            if (block.timestamp < opensAt || block.timestamp >= opensAt + revealWindow) {
                revert NotInRevealWindow(ids[i], block.timestamp, opensAt, opensAt + revealWindow);
            }
            if ((votes >> i) & 1 == 1) c.approveWeight += weight;
            else c.rejectWeight += weight;
        }
        cm.sealedOrVotes = bytes32(votes);
        cm.state = REVEALED;
        staking.releaseVote(msg.sender);
        emit VotesRevealed(key, msg.sender, datanetId, votes);
    }

    /// @notice Finalise contributions whose review is over. Anyone may call.
    /// @dev Revealed stake below quorum → Expired (deposit refunded, reservation released);
    /// approvals ≥ threshold of revealed stake → Accepted (reward and deposit credited);
    /// otherwise Rejected (deposit and reward go to the pool). Contributions that are already final
    /// are skipped, so that finalising one id of a batch first (front-running it) cannot make the
    /// batch fail; an id that was never submitted still reverts.
    /// @return finalized how many contributions of the batch this call finalised.
    function finalize(uint32 datanetId, bytes32[] calldata digests) external returns (uint256 finalized) {
        uint256 n = digests.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        Datanet storage d = _existingDatanet(datanetId);
        Finalization memory f;
        f.reviewLength = uint256(d.commitWindow) + d.revealWindow;
        f.quorum = d.quorum;
        f.thresholdBps = d.thresholdBps;
        f.cachedVersion = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            if (_finalizeOne(f, datanetId, digests[i])) ++finalized;
        }
        _balances[f.holder] = f.balance;
        if (f.poolReturn > 0) d.pool += uint96(f.poolReturn);
        if (f.validatorRewards > 0) validatorRewardsOutstanding += f.validatorRewards;
    }

    /// @dev Running state of a `finalize` batch: what goes back to the pool and to validators, and
    /// the balance of the current contributor, written once per run of their contributions.
    struct Finalization {
        uint256 reviewLength;
        uint256 quorum;
        uint256 thresholdBps;
        uint256 poolReturn;
        uint256 validatorRewards;
        uint256 cachedVersion;
        Terms terms;
        uint256 holderIndex;
        address holder;
        Balance balance;
    }

    function _finalizeOne(Finalization memory f, uint32 datanetId, bytes32 digest) private returns (bool) {
        bytes32 id = contributionIdOf(datanetId, digest);
        Contribution storage c = _contributions[id];
        Contribution memory m = c;
        if (m.status != Status.Pending) {
            if (m.status == Status.None) revert NotPending(id, m.status);
            return false;
        }
        uint256 endsAt = uint256(m.submittedAt) + f.reviewLength;
        if (block.timestamp < endsAt) revert ReviewNotOver(id, block.timestamp, endsAt);
        if (m.termsVersion != f.cachedVersion) {
            f.cachedVersion = m.termsVersion;
            f.terms = _terms[_termsKey(datanetId, m.termsVersion)];
        }
        if (m.contributor != f.holderIndex) {
            if (f.holderIndex != 0) _balances[f.holder] = f.balance;
            f.holderIndex = m.contributor;
            f.holder = _contributorAt[m.contributor];
            f.balance = _balances[f.holder];
        }
        Terms memory t = f.terms;
        uint256 revealed = uint256(m.approveWeight) + m.rejectWeight;
        Status outcome;
        uint256 reward;
        uint256 refund;
        if (revealed < f.quorum) {
            outcome = Status.Expired;
            refund = t.deposit;
            f.poolReturn += uint256(t.reward) + t.validatorReward;
        } else if (uint256(m.approveWeight) * BPS >= f.thresholdBps * revealed) {
            outcome = Status.Accepted;
            reward = t.reward;
            refund = t.deposit;
            f.validatorRewards += t.validatorReward;
            f.balance.acceptedCount += 1;
            f.balance.acceptedBytes += m.size;
        } else {
            outcome = Status.Rejected;
            f.poolReturn += uint256(t.reward) + t.deposit;
            f.validatorRewards += t.validatorReward;
        }
        f.balance.credits += uint128(reward + refund);
        c.status = outcome;
        emit ContributionFinalized(
            id,
            datanetId,
            f.holder,
            outcome,
            uint256(m.approveWeight) * WEIGHT_UNIT,
            uint256(m.rejectWeight) * WEIGHT_UNIT,
            reward,
            refund
        );
        return true;
    }

    /// @notice Credit the caller's validator rewards for a revealed commitment whose contributions are all final.
    /// @dev Each contribution's validator reward is shared pro rata to weight among the validators
    /// whose vote matched the outcome. Expired contributions pay no validator reward.
    /// @param digests The digests of the commitment, in committed order.
    /// @return amount OPEN credited to the caller's claimable balance.
    function claimValidatorRewards(uint32 datanetId, bytes32[] calldata digests) external returns (uint256 amount) {
        uint256 n = digests.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        bytes32[] memory ids = _ids(datanetId, digests);
        bytes32 key = commitmentKey(msg.sender, datanetId, keccak256(abi.encodePacked(ids)));
        Commitment storage cm = _commitments[key];
        if (cm.state != REVEALED) revert NotRevealed(key);
        if (cm.rewardsClaimed) revert RewardsAlreadyClaimed(key);
        amount = _validatorShare(datanetId, ids, uint256(cm.sealedOrVotes), cm.weight, cm.committedAt);
        cm.rewardsClaimed = true;
        if (amount > 0) {
            validatorRewardsOutstanding -= amount;
            _balances[msg.sender].credits += uint128(amount);
        }
        emit ValidatorRewardsClaimed(key, msg.sender, amount);
    }

    /// @notice Slash a commitment that was never revealed, once its reveal period is over. Anyone may call;
    /// the slashed stake goes to the treasury, never to the caller.
    function slashUnrevealed(bytes32 commitment) external returns (uint256 slashed) {
        Commitment storage cm = _commitments[commitment];
        if (cm.state != COMMITTED) {
            if (cm.state == 0) revert CommitmentNotFound(address(0), commitment);
            revert CommitmentClosed(commitment);
        }
        // Every contribution covered was submitted no earlier than one commit window before the
        // commit, so after the longest commit and reveal windows every reveal window is closed.
        uint256 endsAt = uint256(cm.committedAt) + maxCommitWindow + maxRevealWindow;
        if (block.timestamp < endsAt) revert RevealPeriodNotOver(commitment, block.timestamp, endsAt);
        slashed = _slash(commitment);
    }

    function _slash(bytes32 commitment) private returns (uint256 slashed) {
        Commitment storage cm = _commitments[commitment];
        cm.state = SLASHED;
        uint256 amount = uint256(cm.weight) * WEIGHT_UNIT * _config.slashBps / BPS;
        address validator = cm.validator;
        slashed = staking.slash(validator, amount);
        staking.releaseVote(validator);
        emit CommitmentSlashed(commitment, validator, slashed);
    }

    // ─── Rewards ────────────────────────────────────────────────────────────

    /// @notice Pay out everything credited to the caller (rewards, refunds, validator rewards) to `to`.
    /// @dev One storage write and one transfer, however many credits it collects.
    function claim(address to) external nonReentrant returns (uint256 amount) {
        Balance storage b = _balances[msg.sender];
        amount = b.credits;
        if (amount == 0) revert NothingToClaim(msg.sender);
        b.credits = 0;
        token.safeTransfer(to, amount);
        emit Claimed(msg.sender, to, amount);
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

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @notice The id of the contribution of `digest` in a Datanet.
    function contributionIdOf(uint32 datanetId, bytes32 digest) public pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, datanetId)
            mstore(0x20, digest)
            id := keccak256(0x00, 0x40)
        }
    }

    /// @notice The key of a validator's commitment on a list of contribution ids.
    /// @param idsHash `keccak256(abi.encodePacked(contributionIds))`.
    function commitmentKey(address validator, uint32 datanetId, bytes32 idsHash) public pure returns (bytes32) {
        return keccak256(abi.encode(validator, datanetId, idsHash));
    }

    /// @notice The sealed value a validator commits: it binds the votes to the voter, the Datanet, the
    /// contributions, this contract and chain, so that a copied commitment reveals nothing and cannot be reused.
    /// @param idsHash `keccak256(abi.encodePacked(contributionIds))`.
    function sealVotes(address validator, uint32 datanetId, bytes32 idsHash, uint256 votes, bytes32 salt)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), validator, datanetId, idsHash, votes, salt));
    }

    /// @notice The protocol-wide limits and pause flag.
    function protocolLimits()
        external
        view
        returns (uint256 maxFileSize, uint256 dailyBytes, uint256 dailyFiles, uint256 slashBps, bool paused)
    {
        Config memory cfg = _config;
        return (cfg.maxFileSize, cfg.dailyBytes, cfg.dailyFiles, cfg.slashBps, cfg.paused);
    }

    /// @notice How many Datanets exist; ids run from 1 to this.
    function datanetCount() external view returns (uint256) {
        return _datanetCount;
    }

    /// @notice A Datanet's settings and state.
    function getDatanet(uint32 datanetId) external view returns (DatanetView memory v) {
        Datanet storage d = _existingDatanet(datanetId);
        Terms memory t = _terms[_termsKey(datanetId, d.termsVersion)];
        v.owner = d.owner;
        v.modality = d.modality;
        v.formats = d.formats;
        v.paused = d.paused;
        v.pool = d.pool;
        v.submissions = d.submissions;
        v.limits = DatanetLimits(d.maxFileSize, d.dailyBytes, d.dailyFiles, t.deposit, t.reward, t.validatorReward);
        v.rules = ReviewRules(d.commitWindow, d.revealWindow, uint256(d.quorum) * WEIGHT_UNIT, d.thresholdBps);
        v.termsVersion = d.termsVersion;
        v.metadataDigest = d.metadataDigest;
        v.metadataCodec = d.metadataCodec;
    }

    /// @notice Everything recorded about a contribution. `status` is None if it does not exist.
    function getContribution(bytes32 contributionId)
        external
        view
        returns (
            address contributor,
            Status status,
            uint256 submittedAt,
            uint256 size,
            Format format,
            CidCodec codec,
            uint256 sequence,
            uint256 approveStake,
            uint256 rejectStake,
            uint16 termsVersion
        )
    {
        Contribution memory m = _contributions[contributionId];
        contributor = _contributorAt[m.contributor];
        return (
            contributor,
            m.status,
            m.submittedAt,
            m.size,
            m.format,
            m.codec,
            m.sequence,
            uint256(m.approveWeight) * WEIGHT_UNIT,
            uint256(m.rejectWeight) * WEIGHT_UNIT,
            m.termsVersion
        );
    }

    /// @notice The status and contributor of a contribution (what attribution needs).
    function statusOf(bytes32 contributionId) external view returns (Status status, address contributor) {
        Contribution memory m = _contributions[contributionId];
        status = m.status;
        contributor = _contributorAt[m.contributor];
    }

    /// @notice A deposit and rewards a Datanet's terms version fixes.
    function termsOf(uint32 datanetId, uint16 version)
        external
        view
        returns (uint256 reward, uint256 validatorReward, uint256 deposit)
    {
        Terms memory t = _terms[_termsKey(datanetId, version)];
        return (t.reward, t.validatorReward, t.deposit);
    }

    /// @notice What `account` used today (UTC) and may still submit, protocol-wide and in `datanetId`.
    function quotaOf(address account, uint32 datanetId) external view returns (QuotaView memory v) {
        Datanet storage d = _existingDatanet(datanetId);
        Config memory cfg = _config;
        uint32 today = DailyUsage.today();
        ContributorQuota memory q = _quotas[account];
        (v.protocolBytesUsed, v.protocolFilesUsed) = DailyUsage.on(q.day, q.bytesUsed, q.filesUsed, today);
        DayUsage memory u = _datanetUsage[_accountKey(datanetId, account)];
        (v.datanetBytesUsed, v.datanetFilesUsed) = DailyUsage.on(u.day, u.bytesUsed, u.filesUsed, today);
        v.bytesLeft = _min(_sub0(cfg.dailyBytes, v.protocolBytesUsed), _sub0(d.dailyBytes, v.datanetBytesUsed));
        v.filesLeft = _min(_sub0(cfg.dailyFiles, v.protocolFilesUsed), _sub0(d.dailyFiles, v.datanetFilesUsed));
        v.resetsAt = DailyUsage.nextMidnight();
    }

    /// @notice An account's claimable OPEN and accepted work (count and bytes), which is what ranks a contributor.
    function accountOf(address account)
        external
        view
        returns (uint256 credits, uint256 acceptedCount, uint256 acceptedBytes)
    {
        Balance memory b = _balances[account];
        return (b.credits, b.acceptedCount, b.acceptedBytes);
    }

    /// @notice A commitment: its validator, time, weight (OPEN wei), state (0 none, 1 committed,
    /// 2 revealed, 3 slashed), vote mask once revealed, and whether its rewards were claimed.
    function getCommitment(bytes32 commitment)
        external
        view
        returns (
            address validator,
            uint256 committedAt,
            uint256 weight,
            uint8 state,
            uint256 votes,
            bool rewardsClaimed
        )
    {
        Commitment memory cm = _commitments[commitment];
        votes = cm.state == REVEALED ? uint256(cm.sealedOrVotes) : 0;
        return (cm.validator, cm.committedAt, uint256(cm.weight) * WEIGHT_UNIT, cm.state, votes, cm.rewardsClaimed);
    }

    /// @notice The sequence of the last contribution `validator` committed to in a Datanet.
    function lastCommittedSequence(uint32 datanetId, address validator) external view returns (uint256) {
        return _lastCommittedSequence[_accountKey(datanetId, validator)];
    }

    // ─── Internals ──────────────────────────────────────────────────────────

    /// @dev Shared checks of a submission; returns what the per-file step needs.
    function _beginSubmission(uint32 datanetId)
        private
        returns (Datanet storage d, uint256 index, uint16 version, uint256 maxSize, uint32 sequence)
    {
        Config memory cfg = _config;
        if (cfg.paused) revert ProtocolPaused();
        d = _datanets[datanetId];
        if (d.commitWindow == 0) revert DatanetNotFound(datanetId);
        if (d.paused) revert DatanetPaused(datanetId);
        index = _quotas[msg.sender].index;
        if (index == 0) {
            index = ++_contributorCount;
            _contributorAt[uint32(index)] = msg.sender;
            _quotas[msg.sender].index = uint32(index);
        }
        version = d.termsVersion;
        maxSize = _min(d.maxFileSize, cfg.maxFileSize);
        sequence = d.submissions + 1;
    }

    /// @dev Quotas, reservation and deposit for `n` files of `totalBytes`, submitted in one call.
    function _endSubmission(
        Datanet storage d,
        uint32 datanetId,
        uint16 version,
        uint32 lastSequence,
        uint256 totalBytes,
        uint256 n
    ) private {
        _useProtocolQuota(datanetId, totalBytes, n);
        _useDatanetQuota(d, datanetId, totalBytes, n);
        uint256 reserve = uint256(d.reservePerFile) * n;
        uint96 pool = d.pool;
        if (reserve > pool) revert InsufficientPool(datanetId, pool, reserve);
        d.pool = pool - uint96(reserve);
        d.submissions = lastSequence;
        if (d.hasDeposit) {
            uint256 deposit = _terms[_termsKey(datanetId, version)].deposit;
            token.safeTransferFrom(msg.sender, address(this), deposit * n);
        }
    }

    function _useProtocolQuota(uint32 datanetId, uint256 totalBytes, uint256 n) private {
        Config memory cfg = _config;
        uint32 today = DailyUsage.today();
        ContributorQuota storage q = _quotas[msg.sender];
        (uint256 usedBytes, uint256 usedFiles) = DailyUsage.on(q.day, q.bytesUsed, q.filesUsed, today);
        _checkQuota(datanetId, QuotaKind.ProtocolBytes, usedBytes, totalBytes, cfg.dailyBytes);
        _checkQuota(datanetId, QuotaKind.ProtocolFiles, usedFiles, n, cfg.dailyFiles);
        q.day = today;
        q.bytesUsed = uint32(usedBytes + totalBytes);
        q.filesUsed = uint16(usedFiles + n);
    }

    function _useDatanetQuota(Datanet storage d, uint32 datanetId, uint256 totalBytes, uint256 n) private {
        uint32 today = DailyUsage.today();
        DayUsage storage u = _datanetUsage[_accountKey(datanetId, msg.sender)];
        (uint256 usedBytes, uint256 usedFiles) = DailyUsage.on(u.day, u.bytesUsed, u.filesUsed, today);
        _checkQuota(datanetId, QuotaKind.DatanetBytes, usedBytes, totalBytes, d.dailyBytes);
        _checkQuota(datanetId, QuotaKind.DatanetFiles, usedFiles, n, d.dailyFiles);
        u.day = today;
        u.bytesUsed = uint32(usedBytes + totalBytes);
        u.filesUsed = uint16(usedFiles + n);
    }

    /// @dev Checks one file and writes its contribution slot.
    function _record(
        Datanet storage d,
        uint32 datanetId,
        FileRef calldata file,
        uint256 index,
        uint16 version,
        uint256 maxSize,
        uint32 sequence
    ) private returns (bytes32 id) {
        uint256 size = file.size;
        if (Formats.bit(file.format) & d.formats == 0) revert FormatNotAllowed(datanetId, file.format, d.formats);
        if (size == 0) revert EmptyFile(datanetId, file.digest);
        if (size > maxSize) revert FileTooLarge(datanetId, file.digest, size, maxSize);
        id = contributionIdOf(datanetId, file.digest);
        Contribution storage c = _contributions[id];
        Status existing = c.status;
        if (existing != Status.None && existing != Status.Expired) {
            revert DuplicateContent(datanetId, file.digest, id, existing);
        }
        _contributions[id] = Contribution({
            contributor: uint32(index),
            submittedAt: uint32(block.timestamp),
            size: uint24(size),
            format: file.format,
            codec: file.codec,
            status: Status.Pending,
            termsVersion: version,
            sequence: sequence,
            approveWeight: 0,
            rejectWeight: 0
        });
        emit ContributionSubmitted(id, datanetId, msg.sender, file.digest, file.codec, file.format, uint32(size));
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
        d.reservePerFile = uint96(applied.reward + applied.validatorReward);
        d.hasDeposit = applied.deposit > 0;
        _terms[_termsKey(datanetId, version)] =
            Terms(uint80(applied.reward), uint80(applied.validatorReward), applied.deposit);
    }

    /// @dev The ids of a commit batch, after checking each is pending, in its commit window and in
    /// order after the caller's last commit in this Datanet; records the new last sequence.
    function _checkCommitBatch(Datanet storage d, uint32 datanetId, bytes32[] calldata digests)
        private
        returns (bytes32[] memory ids)
    {
        uint256 n = digests.length;
        uint256 commitWindow = d.commitWindow;
        uint256 sequenceKey = _accountKey(datanetId, msg.sender);
        uint256 last = _lastCommittedSequence[sequenceKey];
        uint256 earliest = type(uint256).max;
        uint256 latest;
        ids = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            bytes32 id = contributionIdOf(datanetId, digests[i]);
            Contribution storage c = _contributions[id];
            if (c.status != Status.Pending) revert NotPending(id, c.status);
            uint256 submittedAt = c.submittedAt;
            if (block.timestamp >= submittedAt + commitWindow) {
                revert NotInCommitWindow(id, block.timestamp, submittedAt, submittedAt + commitWindow);
            }
            uint256 sequence = c.sequence;
            if (sequence <= last) revert VoteOutOfOrder(id, sequence, last);
            last = sequence;
            if (submittedAt < earliest) earliest = submittedAt;
            if (submittedAt > latest) latest = submittedAt;
            ids[i] = id;
        }
        if (latest - earliest >= d.revealWindow) revert BatchSpreadTooWide(latest - earliest, d.revealWindow);
        _lastCommittedSequence[sequenceKey] = uint32(last);
    }

    /// @dev A validator's share of the validator rewards of `ids` given its revealed votes.
    function _validatorShare(uint32 datanetId, bytes32[] memory ids, uint256 votes, uint256 weight, uint256 committedAt)
        private
        view
        returns (uint256 amount)
    {
        uint256 cachedVersion = type(uint256).max;
        uint256 validatorReward;
        for (uint256 i; i < ids.length; ++i) {
            Contribution memory m = _contributions[ids[i]];
            // Content that expired and was resubmitted is a new round this commitment took no part in.
            if (committedAt < m.submittedAt) continue;
            if (m.status == Status.Pending) revert NotFinal(ids[i], m.status);
            if (m.status == Status.Expired) continue;
            bool approved = (votes >> i) & 1 == 1;
            if (approved != (m.status == Status.Accepted)) continue;
            if (m.termsVersion != cachedVersion) {
                cachedVersion = m.termsVersion;
                validatorReward = _terms[_termsKey(datanetId, cachedVersion)].validatorReward;
            }
            uint256 matching = approved ? m.approveWeight : m.rejectWeight;
            amount += validatorReward * weight / matching;
        }
    }

    function _ids(uint32 datanetId, bytes32[] calldata digests) private pure returns (bytes32[] memory ids) {
        ids = new bytes32[](digests.length);
        for (uint256 i; i < digests.length; ++i) {
            ids[i] = contributionIdOf(datanetId, digests[i]);
        }
    }

    function _existingDatanet(uint32 datanetId) private view returns (Datanet storage d) {
        d = _datanets[datanetId];
        if (d.commitWindow == 0) revert DatanetNotFound(datanetId);
    }

    function _ownedDatanet(uint32 datanetId) private view returns (Datanet storage d) {
        d = _existingDatanet(datanetId);
        if (d.owner != msg.sender) revert NotDatanetOwner(datanetId, msg.sender, d.owner);
    }

    function _checkQuota(uint32 datanetId, QuotaKind kind, uint256 used, uint256 requested, uint256 limit)
        private
        view
    {
        if (used + requested > limit) {
            revert DailyQuotaExceeded(msg.sender, datanetId, kind, used, requested, limit, DailyUsage.nextMidnight());
        }
    }

    function _checkBounds(Setting setting, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert SettingOutOfBounds(setting, value, min, max);
    }

    function _accountKey(uint32 datanetId, address account) private pure returns (uint256) {
        return (uint256(datanetId) << 160) | uint160(account);
    }

    function _termsKey(uint32 datanetId, uint256 version) private pure returns (uint256) {
        return (uint256(datanetId) << 16) | version;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _min32(uint32 a, uint32 b) private pure returns (uint32) {
        return a < b ? a : b;
    }

    function _sub0(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : 0;
    }
}
