// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Format, CidCodec, Formats} from "./libraries/Formats.sol";
import {DailyUsage} from "./libraries/DailyUsage.sol";
import {IValidatorStaking} from "./interfaces/IValidatorStaking.sol";
import {
    Status,
    QuotaKind,
    Setting,
    DatanetLimits,
    ReviewRules,
    FileRef,
    QuotaView,
    DatanetView
} from "./interfaces/IDatanets.sol";
import {DatanetsStorage} from "./datanets/DatanetsStorage.sol";
import {DatanetsAdmin} from "./datanets/DatanetsAdmin.sol";

/// @title Datanets
/// @notice Datanets, contributions, commit–reveal review and contributor rewards.
/// @dev Everything a contribution touches runs in this contract so that a submission is a
/// handful of storage writes: one slot per contribution (also the duplicate check, since the
/// contribution id is derived from the Datanet and the content digest), one per daily-usage
/// counter, and the pool. Review state (tallies) lives in the contribution's own slot. A batch
/// commit stores one commitment however many contributions it covers. The owners' and governance's
/// calls (creating a Datanet, limits, metadata, pause, pool withdrawals, ownership, protocol limits)
/// live in `DatanetsAdmin`, deployed by this constructor and reached by DELEGATECALL from the
/// fallback: one address, one storage, one ABI for clients (the protocol package merges both).
contract Datanets is DatanetsStorage, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The contract that runs the owners' and governance's calls on this contract's storage.
    address public immutable adminModule;

    /// @param token_ The OPEN token.
    /// @param staking_ The validator staking contract; it must be bound to this contract (`bindDatanets`).
    /// @param admin_ Receives DEFAULT_ADMIN_ROLE (governance) and PAUSER_ROLE.
    /// @param maxCommitWindow_ Longest commit window; the staking activation delay must be at least this.
    /// @param maxRevealWindow_ Longest reveal window; the unbonding period must exceed both windows together.
    constructor(
        IERC20 token_,
        IValidatorStaking staking_,
        address admin_,
        uint32 maxCommitWindow_,
        uint32 maxRevealWindow_
    ) DatanetsStorage(token_, staking_, maxCommitWindow_, maxRevealWindow_) {
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
        adminModule = address(new DatanetsAdmin(token_, staking_, maxCommitWindow_, maxRevealWindow_));
        _config = Config({
            maxFileSize: MAX_FILE_SIZE_CEILING,
            dailyBytes: MAX_FILE_SIZE_CEILING,
            dailyFiles: 20,
            slashBps: DEFAULT_SLASH_BPS,
            paused: false
        });
        _grantRole(DEFAULT_ADMIN_ROLE, admin_);
        _grantRole(PAUSER_ROLE, admin_);
        emit ProtocolLimitsUpdated(MAX_FILE_SIZE_CEILING, MAX_FILE_SIZE_CEILING, 20, DEFAULT_SLASH_BPS);
    }

    /// @dev Every call this contract does not define runs in `DatanetsAdmin` on this storage.
    fallback() external {
        address target = adminModule;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    // ─── Datanets ───────────────────────────────────────────────────────────

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

    // ─── Contributions ──────────────────────────────────────────────────────

    /// @notice Submit one file to a Datanet.
    /// @dev Pulls the deposit (if any). The pool must cover the file's rewards now, but nothing is
    /// reserved: rewards leave the pool only when a contribution is accepted, so wallets that
    /// submit and are never accepted (sybils with no OPEN on a deposit-free Datanet) cannot lock a
    /// pool away from other contributors.
    /// @param termsVersion The terms version (deposit and rewards) the contributor was shown and
    /// accepts; if the owner changed the terms since, the submission reverts `TermsChanged`.
    /// @return contributionId `keccak256(abi.encode(datanetId, file.digest))`.
    function submit(uint32 datanetId, FileRef calldata file, uint16 termsVersion)
        external
        nonReentrant
        returns (bytes32 contributionId)
    {
        (Datanet storage d, uint256 index, uint16 version, uint256 maxSize, uint32 sequence) =
            _beginSubmission(datanetId, termsVersion);
        contributionId = _record(d, datanetId, file, index, version, maxSize, sequence, 0);
        _endSubmission(d, datanetId, version, sequence, file.size, 1);
    }

    /// @notice Submit several files to a Datanet in one transaction; all or none are recorded.
    /// @return contributionIds One id per file, in order.
    function submitBatch(uint32 datanetId, FileRef[] calldata files, uint16 termsVersion)
        external
        nonReentrant
        returns (bytes32[] memory contributionIds)
    {
        uint256 n = files.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        (Datanet storage d, uint256 index, uint16 version, uint256 maxSize, uint32 sequence) =
            _beginSubmission(datanetId, termsVersion);
        contributionIds = new bytes32[](n);
        uint256 totalBytes;
        for (uint256 i; i < n; ++i) {
            contributionIds[i] = _record(d, datanetId, files[i], index, version, maxSize, sequence + uint32(i), 0);
            totalBytes += files[i].size;
        }
        _endSubmission(d, datanetId, version, sequence + uint32(n - 1), totalBytes, n);
    }

    // ─── Committed submissions ──────────────────────────────────────────────

    /// @notice Submit files committed to earlier with `commitSubmission`; all or none are recorded.
    /// @dev Like `submitBatch`, except that a file whose content another contributor has pending,
    /// sent after this commitment was recorded (or under a later commitment) and still in its commit
    /// window, displaces that copy: the copy's deposit is credited back to its sender, its round ends
    /// with no outcome (votes committed on it count nowhere and can be revealed without effect), and
    /// a new round opens for the caller. The commitment must predate this block's second, and is
    /// used up.
    /// @param salt The secret the commitment was made with.
    function submitCommitted(uint32 datanetId, FileRef[] calldata files, uint16 termsVersion, bytes32 salt)
        external
        nonReentrant
        returns (bytes32[] memory contributionIds)
    {
        uint256 claimBits = _useSubmissionCommitment(datanetId, files, salt);
        (Datanet storage d, uint256 index, uint16 version,, uint32 first) = _beginSubmission(datanetId, termsVersion);
        // `index` is not needed once the files are recorded; it carries their total bytes from here
        // (one stack slot fewer than a new variable, which the non-viaIR test build needs).
        (contributionIds, index) = _recordAll(d, datanetId, files, index, version, first, claimBits);
        _endSubmission(d, datanetId, version, first + uint32(files.length - 1), index, files.length);
    }

    /// @dev `_record` for each file of a committed batch; returns the ids and the batch's total bytes.
    function _recordAll(
        Datanet storage d,
        uint32 datanetId,
        FileRef[] calldata files,
        uint256 index,
        uint16 version,
        uint32 first,
        uint256 claimBits
    ) private returns (bytes32[] memory ids, uint256 totalBytes) {
        uint256 maxSize = _min(d.maxFileSize, _config.maxFileSize);
        ids = new bytes32[](files.length);
        for (uint256 i; i < files.length; ++i) {
            ids[i] = _record(d, datanetId, files[i], index, version, maxSize, first + uint32(i), claimBits);
            totalBytes += files[i].size;
        }
    }

    /// @dev Checks and uses up the caller's commitment to `files`; returns the claim `_record` writes:
    /// when the commitment was recorded, shifted left 8 bits, over its age in seconds (saturating).
    function _useSubmissionCommitment(uint32 datanetId, FileRef[] calldata files, bytes32 salt)
        private
        returns (uint256 claimBits)
    {
        uint256 n = files.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        bytes32[] memory digests = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            digests[i] = files[i].digest;
        }
        bytes32 key = _submissionCommitmentOf(msg.sender, datanetId, keccak256(abi.encodePacked(digests)), salt);
        uint256 committedAt = _submissionCommitments[key];
        if (committedAt == 0) revert SubmissionCommitmentNotFound(msg.sender, key);
        if (committedAt >= block.timestamp) revert SubmissionCommitmentTooRecent(key, committedAt, block.timestamp);
        delete _submissionCommitments[key];
        claimBits = (committedAt << 8) | _min(block.timestamp - committedAt, MAX_CLAIM_AGE);
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
        // resubmitted, or was displaced; an unrevealed commitment of that earlier round is slashed
        // before it is replaced, unless every copy it voted on was displaced (then it counts nowhere).
        Commitment storage earlier = _commitments[commitment];
        if (earlier.state == COMMITTED) {
            if (_allDisplacedSince(ids, earlier.committedAt)) staking.releaseVote(msg.sender);
            else _slash(commitment, address(0));
        }
        // Records the open vote (its stake cannot be withdrawn until it is revealed or slashed).
        (uint256 eligible, uint256 minimum) = staking.holdVote(msg.sender);
        if (eligible < minimum || eligible < WEIGHT_UNIT) revert StakeBelowMinimum(msg.sender, eligible, minimum);
        uint40 weight = uint40(_min(eligible / WEIGHT_UNIT, type(uint40).max));
        _commitments[commitment] = Commitment({
            sealedOrVotes: sealedVotes,
            validator: msg.sender,
            committedAt: uint32(block.timestamp),
            weight: weight,
            state: COMMITTED,
            slashBps: _config.slashBps
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
        _countVotes(d, cm, ids, votes);
        cm.sealedOrVotes = bytes32(votes);
        cm.state = REVEALED;
        staking.releaseVote(msg.sender);
        emit VotesRevealed(key, msg.sender, datanetId, votes);
    }

    /// @notice Finalise contributions whose review is over. Anyone may call.
    /// @dev Revealed stake below quorum, or fewer distinct validators than the Datanet's minimum →
    /// Expired (deposit refunded); approvals ≥ threshold of revealed stake → Accepted (reward and
    /// deposit credited, validator reward shared, both rewards taken from the pool), or, when the
    /// pool can no longer pay both rewards, Expired with `ContributionUnfunded` (deposit refunded,
    /// nothing paid, the content may be submitted again); otherwise Rejected (the validators who
    /// rejected share the validator reward up to the forfeited deposit; the rest of the deposit
    /// goes to the pool). Contributions that are already final are skipped, so that finalising one
    /// id of a batch first (front-running it) cannot make the batch fail; an id that was never
    /// submitted still reverts. Within a batch, ids are decided in the order given: when the pool
    /// runs dry, the earlier ones are paid.
    /// @return finalized how many contributions of the batch this call finalised.
    function finalize(uint32 datanetId, bytes32[] calldata digests) external returns (uint256 finalized) {
        uint256 n = digests.length;
        if (n == 0 || n > MAX_BATCH) revert BadBatchSize(n, MAX_BATCH);
        Datanet storage d = _existingDatanet(datanetId);
        Finalization memory f;
        f.reviewLength = uint256(d.commitWindow) + d.revealWindow;
        f.quorum = d.quorum;
        f.thresholdBps = d.thresholdBps;
        f.minValidators = d.minValidators;
        f.cachedVersion = type(uint256).max;
        uint256 pool = d.pool;
        f.pool = pool;
        for (uint256 i; i < n; ++i) {
            if (_finalizeOne(f, datanetId, digests[i])) ++finalized;
        }
        _balances[f.holder] = f.balance;
        if (f.pool != pool) d.pool = uint96(f.pool);
        if (f.validatorRewards > 0) validatorRewardsOutstanding += f.validatorRewards;
    }

    /// @dev Running state of a `finalize` batch: the pool, what goes to validators, and the balance
    /// of the current contributor, written once per run of their contributions.
    struct Finalization {
        uint256 reviewLength;
        uint256 quorum;
        uint256 thresholdBps;
        uint256 minValidators;
        uint256 pool;
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
        (Status outcome, uint256 reward, uint256 refund) = _decide(f, m, id, datanetId);
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

    /// @dev The outcome of one contribution and what it pays; moves the pool and the validator
    /// rewards in `f`, and the contributor's accepted work.
    function _decide(Finalization memory f, Contribution memory m, bytes32 id, uint32 datanetId)
        private
        returns (Status outcome, uint256 reward, uint256 refund)
    {
        Terms memory t = f.terms;
        uint256 revealed = uint256(m.approveWeight) + m.rejectWeight;
        if (revealed < f.quorum || m.revealedValidators < f.minValidators) {
            return (Status.Expired, 0, t.deposit);
        }
        if (uint256(m.approveWeight) * BPS < f.thresholdBps * revealed) {
            // Validators are paid for a rejection only out of the forfeited deposit, so that
            // rejecting one's own submissions can never take OPEN out of the pool.
            uint256 pay = _rejectionPay(t);
            f.pool += uint256(t.deposit) - pay;
            f.validatorRewards += pay;
            return (Status.Rejected, 0, 0);
        }
        uint256 due = uint256(t.reward) + t.validatorReward;
        if (due > f.pool) {
            // Nothing was reserved at submission: a pool that ran dry pays nothing, and the
            // contribution expires so that it can be submitted again once the pool is funded.
            emit ContributionUnfunded(id, datanetId, f.pool, due);
            return (Status.Expired, 0, t.deposit);
        }
        f.pool -= due;
        f.validatorRewards += t.validatorReward;
        f.balance.acceptedCount += 1;
        f.balance.acceptedBytes += m.size;
        return (Status.Accepted, t.reward, t.deposit);
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
        if (cm.state == CLAIMED) revert RewardsAlreadyClaimed(key);
        if (cm.state != REVEALED) revert NotRevealed(key);
        amount = _validatorShare(datanetId, ids, uint256(cm.sealedOrVotes), cm.weight, cm.committedAt);
        cm.state = CLAIMED;
        if (amount > 0) {
            validatorRewardsOutstanding -= amount;
            _balances[msg.sender].credits += uint128(amount);
        }
        emit ValidatorRewardsClaimed(key, msg.sender, amount);
    }

    /// @notice Slash a commitment that was never revealed, once its reveal period is over. Anyone may
    /// call, and is paid the staking contract's reporter share of the slash (the rest goes to the
    /// treasury), so that someone always has a reason to.
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
        slashed = _slash(commitment, msg.sender);
    }

    /// @dev Slashes at the rate in force when the commitment was made, never a later one.
    function _slash(bytes32 commitment, address reporter) private returns (uint256 slashed) {
        Commitment storage cm = _commitments[commitment];
        cm.state = SLASHED;
        uint256 amount = uint256(cm.weight) * WEIGHT_UNIT * cm.slashBps / BPS;
        address validator = cm.validator;
        slashed = staking.slash(validator, amount, reporter);
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
        v.rules = ReviewRules(d.commitWindow, d.revealWindow, uint256(d.quorum) * WEIGHT_UNIT, d.thresholdBps, d.minValidators);
        v.termsVersion = d.termsVersion;
        v.metadataDigest = d.metadataDigest;
        v.metadataCodec = d.metadataCodec;
        v.pendingOwner = d.pendingOwner;
        if (d.paused) v.poolUnlocksAt = _poolUnlocksAt(d);
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

    /// @notice The status of each contribution id, in order (None where it does not exist): one call
    /// instead of one per file, for checking a batch against what is already submitted.
    function statusesOf(bytes32[] calldata contributionIds) external view returns (Status[] memory statuses) {
        statuses = new Status[](contributionIds.length);
        for (uint256 i = 0; i < contributionIds.length; ++i) {
            statuses[i] = _contributions[contributionIds[i]].status;
        }
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
        rewardsClaimed = cm.state == CLAIMED;
        state = rewardsClaimed ? REVEALED : cm.state;
        votes = state == REVEALED ? uint256(cm.sealedOrVotes) : 0;
        return (cm.validator, cm.committedAt, uint256(cm.weight) * WEIGHT_UNIT, state, votes, rewardsClaimed);
    }

    /// @notice The sequence of the last contribution `validator` committed to in a Datanet.
    function lastCommittedSequence(uint32 datanetId, address validator) external view returns (uint256) {
        return _lastCommittedSequence[_accountKey(datanetId, validator)];
    }


    // ─── Internals ──────────────────────────────────────────────────────────

    /// @dev Shared checks of a submission; returns what the per-file step needs.
    function _beginSubmission(uint32 datanetId, uint16 acceptedTerms)
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
        // The owner may change the terms at any time, even in front of this transaction: the
        // contributor pays only the terms it accepted.
        if (version != acceptedTerms) revert TermsChanged(datanetId, acceptedTerms, version);
        maxSize = _min(d.maxFileSize, cfg.maxFileSize);
        sequence = d.submissions + 1;
    }

    /// @dev Quotas, the pool check and deposit for `n` files of `totalBytes`, submitted in one call.
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
        uint256 rewards = uint256(d.rewardsPerFile) * n;
        if (rewards > d.pool) revert InsufficientPool(datanetId, d.pool, rewards);
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

    /// @dev Checks one file and writes its contribution slot. `claimBits` is 0 for a submission without
    /// a commitment, else what `_useSubmissionCommitment` returns.
    function _record(
        Datanet storage d,
        uint32 datanetId,
        FileRef calldata file,
        uint256 index,
        uint16 version,
        uint256 maxSize,
        uint32 sequence,
        uint256 claimBits
    ) private returns (bytes32 id) {
        uint256 size = file.size;
        if (Formats.bit(file.format) & d.formats == 0) revert FormatNotAllowed(datanetId, file.format, d.formats);
        if (size == 0) revert EmptyFile(datanetId, file.digest);
        if (size > maxSize) revert FileTooLarge(datanetId, file.digest, size, maxSize);
        id = contributionIdOf(datanetId, file.digest);
        Status existing = _contributions[id].status;
        if (existing != Status.None && existing != Status.Expired) {
            claimBits = _claimContent(d, id, datanetId, file.digest, index, claimBits, existing);
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
            rejectWeight: 0,
            revealedValidators: 0,
            claim: uint8(claimBits)
        });
        emit ContributionSubmitted(id, datanetId, msg.sender, file.digest, file.codec, file.format, uint32(size));
    }

    /// @dev Content already in the Datanet (`existing` is its status): refused, unless it is another
    /// contributor's pending copy that this submission's commitment displaces (see `_displace`).
    /// Returns the `claim` byte to write.
    function _claimContent(
        Datanet storage d,
        bytes32 id,
        uint32 datanetId,
        bytes32 digest,
        uint256 index,
        uint256 claimBits,
        Status existing
    ) private returns (uint256) {
        if (existing != Status.Pending || claimBits == 0) revert DuplicateContent(datanetId, digest, id, existing);
        _displace(d, id, datanetId, digest, index, claimBits >> 8);
        return uint8(claimBits) | DISPLACED;
    }

    /// @dev Ends another contributor's pending round of the content, if this submission's commitment
    /// (recorded at `committedAt`) claimed it first and that round's review has not begun; reverts
    /// otherwise. The copy's sender gets its deposit back and nothing else.
    function _displace(Datanet storage d, bytes32 id, uint32 datanetId, bytes32 digest, uint256 index, uint256 committedAt)
        private
    {
        Contribution memory e = _contributions[id];
        if (e.contributor == index) revert DuplicateContent(datanetId, digest, id, Status.Pending);
        uint256 age = e.claim & MAX_CLAIM_AGE;
        // When the copy claimed the content: its commitment, or its submission when it had none. An
        // age that saturated is only a bound, so such a copy is never displaced.
        uint256 claimedAt = uint256(e.submittedAt) - age;
        bool first = age == 0 ? committedAt <= claimedAt : age < MAX_CLAIM_AGE && committedAt < claimedAt;
        uint256 reviewAt = uint256(e.submittedAt) + d.commitWindow;
        if (!first || block.timestamp >= reviewAt) revert EarlierClaim(id, committedAt, claimedAt, reviewAt);
        address displaced = _contributorAt[e.contributor];
        uint256 refund = _terms[_termsKey(datanetId, e.termsVersion)].deposit;
        if (refund > 0) _balances[displaced].credits += uint128(refund);
        emit ContributionDisplaced(id, datanetId, displaced, msg.sender, refund);
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
            // A round that displaced a copy takes votes from the next second: a vote in its first
            // second could not be told from one on the copy (see `_countVotes`).
            if (submittedAt == block.timestamp && c.claim & DISPLACED != 0) {
                revert NotInCommitWindow(id, block.timestamp, submittedAt + 1, submittedAt + commitWindow);
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

    /// @dev Whether every contribution of `ids` is in a round that displaced the one a commitment
    /// made at `committedAt` voted on.
    function _allDisplacedSince(bytes32[] memory ids, uint256 committedAt) private view returns (bool) {
        for (uint256 i; i < ids.length; ++i) {
            Contribution storage c = _contributions[ids[i]];
            if (c.claim & DISPLACED == 0 || committedAt > c.submittedAt) return false;
        }
        return true;
    }

    /// @dev A validator's share of the validator rewards of `ids` given its revealed votes.
    function _validatorShare(uint32 datanetId, bytes32[] memory ids, uint256 votes, uint256 weight, uint256 committedAt)
        private
        view
        returns (uint256 amount)
    {
        uint256 cachedVersion = type(uint256).max;
        Terms memory t;
        for (uint256 i; i < ids.length; ++i) {
            Contribution memory m = _contributions[ids[i]];
            // Content that expired and was resubmitted, or whose copy was displaced, is a new round
            // this commitment took no part in.
            if (committedAt < m.submittedAt || (committedAt == m.submittedAt && m.claim & DISPLACED != 0)) continue;
            if (m.status == Status.Pending) revert NotFinal(ids[i], m.status);
            if (m.status == Status.Expired) continue;
            bool approved = (votes >> i) & 1 == 1;
            if (approved != (m.status == Status.Accepted)) continue;
            if (m.termsVersion != cachedVersion) {
                cachedVersion = m.termsVersion;
                t = _terms[_termsKey(datanetId, cachedVersion)];
            }
            uint256 matching = approved ? m.approveWeight : m.rejectWeight;
            uint256 pay = approved ? t.validatorReward : _rejectionPay(t);
            amount += pay * weight / matching;
        }
    }

    /// @dev Checks that each contribution of a reveal is in its reveal window and of the committed
    /// round, and adds the commitment's votes to their tallies.
    function _countVotes(Datanet storage d, Commitment storage cm, bytes32[] memory ids, uint256 votes) private {
        uint256 commitWindow = d.commitWindow;
        uint256 revealWindow = d.revealWindow;
        uint256 committedAt = cm.committedAt;
        uint256 weight = cm.weight;
        for (uint256 i; i < ids.length; ++i) {
            Contribution storage c = _contributions[ids[i]];
            // No status check needed: a contribution is final only after its reveal window closed,
            // and one resubmitted since the commit is refused just below.
            uint256 submittedAt = c.submittedAt;
            uint256 opensAt = submittedAt + commitWindow;
            if (committedAt <= submittedAt) {
                // A vote on a copy that a committed submission displaced counts nowhere, whenever it
                // is revealed (revealing it spares the validator the slash of an unrevealed commitment).
                if (c.claim & DISPLACED != 0) continue;
                // The commit must belong to this round (content that expired may have been resubmitted since).
                if (committedAt < submittedAt) revert NotInCommitWindow(ids[i], committedAt, submittedAt, opensAt);
            }
            if (block.timestamp < opensAt || block.timestamp >= opensAt + revealWindow) {
                revert NotInRevealWindow(ids[i], block.timestamp, opensAt, opensAt + revealWindow);
            }
            _tally(c, (votes >> i) & 1 == 1, weight);
        }
    }

    /// @dev Adds one revealed vote to a contribution's tallies: its weight to the approvals or the
    /// rejections, and one to the distinct validators (one commitment per validator and contribution,
    /// since commits go in increasing sequence). One read and one write of the contribution's slot:
    /// `approveWeight` is bits 160–199, `rejectWeight` 200–239, `revealedValidators` 240–247
    /// (`claim` is 248–255). A tally cannot overflow its 40 bits (the whole supply is 10^12 weight
    /// units, under 2^40); the count saturates at 255, above any `minValidators`.
    function _tally(Contribution storage c, bool approve, uint256 weight) private {
        assembly ("memory-safe") {
            let word := sload(c.slot)
            word := add(word, shl(add(160, mul(iszero(approve), 40)), weight))
            if lt(and(shr(240, word), 0xff), 0xff) { word := add(word, shl(240, 1)) }
            sstore(c.slot, word)
        }
    }

    /// @dev What the validators of a rejected contribution share: the validator reward, but never
    /// more than the deposit the contributor forfeits (nothing on a deposit-free Datanet).
    function _rejectionPay(Terms memory t) private pure returns (uint256) {
        return _min(t.validatorReward, t.deposit);
    }

    function _ids(uint32 datanetId, bytes32[] calldata digests) private pure returns (bytes32[] memory ids) {
        ids = new bytes32[](digests.length);
        for (uint256 i; i < digests.length; ++i) {
            ids[i] = contributionIdOf(datanetId, digests[i]);
        }
    }
}
