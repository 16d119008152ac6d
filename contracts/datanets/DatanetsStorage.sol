// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Modality, Format, CidCodec} from "../libraries/Formats.sol";
import {IValidatorStaking} from "../interfaces/IValidatorStaking.sol";
import {IDatanetsErrors, IDatanetsEvents, Status, Setting, QuotaKind} from "../interfaces/IDatanets.sol";
import {DailyUsage} from "../libraries/DailyUsage.sol";

/// @title DatanetsStorage
/// @notice The state, constants and shared checks of the Datanets contract.
/// @dev Two contracts inherit it: `Datanets`, which runs every call a contribution makes
/// (submission, review, finalisation, rewards) and the views, and `DatanetsAdmin`, which runs the
/// owners' and governance's calls. `Datanets` reaches `DatanetsAdmin` by DELEGATECALL from its
/// fallback, so both read and write this one layout in `Datanets`' storage, and a client sees one
/// contract at one address. Neither adds state of its own: all of it is declared here.
abstract contract DatanetsStorage is IDatanetsErrors, IDatanetsEvents, AccessControl {
    // ─── Roles and constants ────────────────────────────────────────────────

    /// @notice May pause the whole protocol in an emergency.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The upper bound of every file-size setting: 10 MiB.
    uint32 public constant MAX_FILE_SIZE_CEILING = 10 * 1024 * 1024;
    /// @notice Vote weights are counted in units of 10^15 wei (0.001 OPEN) so that a contribution's
    /// tallies fit 40 bits each: the whole supply (10^9 OPEN) is 10^12 units, under 2^40.
    uint256 public constant WEIGHT_UNIT = 1e15;
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
    /// @notice Default number of distinct validators whose revealed votes a decision needs: one
    /// validator, or two, cannot decide a contribution alone.
    uint8 public constant DEFAULT_MIN_VALIDATORS = 3;
    /// @notice Default share of an unrevealed commitment's weight that is slashed: 10 %.
    uint16 public constant DEFAULT_SLASH_BPS = 1_000;
    uint16 internal constant BPS = 10_000;

    uint8 internal constant COMMITTED = 1;
    uint8 internal constant REVEALED = 2;
    uint8 internal constant SLASHED = 3;
    uint8 internal constant CLAIMED = 4; // revealed, and its validator rewards were credited

    /// @dev `Contribution.claim`: the round displaced another contributor's pending copy.
    uint8 internal constant DISPLACED = 0x80;
    /// @dev `Contribution.claim`: the largest commitment age it records exactly, in seconds.
    uint8 internal constant MAX_CLAIM_AGE = 0x7f;

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
        uint96 rewardsPerFile; // reward + validator reward of the current terms
        uint8 minValidators; // distinct revealed validators a decision needs
        // slot 2
        address owner;
        CidCodec metadataCodec;
        // slot 3
        bytes32 metadataDigest;
        // slot 4: set by an ownership transfer until the new owner accepts it; when the Datanet was paused
        address pendingOwner;
        uint32 pausedAt;
    }

    /// @dev The payments of a submission, versioned so that a change never alters what earlier submissions were promised.
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
        uint40 approveWeight;
        uint40 rejectWeight;
        uint8 revealedValidators; // distinct validators who revealed a vote on it, saturating at 255
        // How this round claimed the content: bits 0–6 the age in seconds (1–127, saturating) of the
        // submission commitment it was sent with, 0 for a submission sent without one; bit 7 set
        // when it displaced another contributor's pending copy (`DISPLACED`).
        uint8 claim;
    }

    struct Commitment {
        bytes32 sealedOrVotes; // the sealed hash until revealed, then the vote mask
        address validator;
        uint32 committedAt;
        uint40 weight;
        uint8 state;
        uint16 slashBps; // the protocol's slash rate when it was committed: a later change never applies to it
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

    Config internal _config;
    uint32 internal _datanetCount;
    /// @notice Validator rewards of final contributions not yet credited to a validator (rounding dust included).
    uint256 public validatorRewardsOutstanding;

    mapping(uint32 datanetId => Datanet) internal _datanets;
    mapping(uint256 datanetAndVersion => Terms) internal _terms;
    mapping(bytes32 contributionId => Contribution) internal _contributions;
    mapping(address contributor => ContributorQuota) internal _quotas;
    mapping(uint256 datanetAndAccount => DayUsage) internal _datanetUsage;
    mapping(address account => Balance) internal _balances;
    uint32 internal _contributorCount;
    mapping(uint32 index => address) internal _contributorAt;
    mapping(bytes32 commitment => Commitment) internal _commitments;
    mapping(uint256 datanetAndValidator => uint32) internal _lastCommittedSequence;
    /// @dev When each unused submission commitment was recorded (`commitSubmission`).
    mapping(bytes32 submissionCommitment => uint256 committedAt) internal _submissionCommitments;

    /// @param token_ The OPEN token.
    /// @param staking_ The validator staking contract.
    /// @param maxCommitWindow_ Longest commit window.
    /// @param maxRevealWindow_ Longest reveal window.
    constructor(IERC20 token_, IValidatorStaking staking_, uint32 maxCommitWindow_, uint32 maxRevealWindow_) {
        token = token_;
        staking = staking_;
        maxCommitWindow = maxCommitWindow_;
        maxRevealWindow = maxRevealWindow_;
    }

    // ─── Shared checks ──────────────────────────────────────────────────────

    function _existingDatanet(uint32 datanetId) internal view returns (Datanet storage d) {
        d = _datanets[datanetId];
        if (d.commitWindow == 0) revert DatanetNotFound(datanetId);
    }

    function _ownedDatanet(uint32 datanetId) internal view returns (Datanet storage d) {
        d = _existingDatanet(datanetId);
        if (d.owner != msg.sender) revert NotDatanetOwner(datanetId, msg.sender, d.owner);
    }

    /// @dev When the owner of a paused Datanet may withdraw from its pool: a whole review (commit and
    /// reveal windows) and one more reveal window after the pause, so that every submission made
    /// before it has been decided and could be finalised and paid.
    function _poolUnlocksAt(Datanet storage d) internal view returns (uint256) {
        return uint256(d.pausedAt) + d.commitWindow + 2 * uint256(d.revealWindow);
    }

    function _checkQuota(uint32 datanetId, QuotaKind kind, uint256 used, uint256 requested, uint256 limit)
        internal
        view
    {
        if (used + requested > limit) {
            revert DailyQuotaExceeded(msg.sender, datanetId, kind, used, requested, limit, DailyUsage.nextMidnight());
        }
    }

    function _checkBounds(Setting setting, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert SettingOutOfBounds(setting, value, min, max);
    }

    function _accountKey(uint32 datanetId, address account) internal pure returns (uint256) {
        return (uint256(datanetId) << 160) | uint160(account);
    }

    function _termsKey(uint32 datanetId, uint256 version) internal pure returns (uint256) {
        return (uint256(datanetId) << 16) | version;
    }

    /// @dev See `submissionCommitmentOf`.
    function _submissionCommitmentOf(address contributor, uint32 datanetId, bytes32 digestsHash, bytes32 salt)
        internal
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), contributor, datanetId, digestsHash, salt));
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _min32(uint32 a, uint32 b) internal pure returns (uint32) {
        return a < b ? a : b;
    }

    function _sub0(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : 0;
    }
}
