// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Modality, Format, CidCodec} from "../libraries/Formats.sol";

/// @notice Where a contribution is in its life. `None` means no record exists.
enum Status {
    None,
    Pending,
    Accepted,
    Rejected,
    Expired
}

/// @notice Which daily quota a submission would break.
enum QuotaKind {
    ProtocolBytes,
    ProtocolFiles,
    DatanetBytes,
    DatanetFiles
}

/// @notice A setting that can be out of its protocol bounds.
enum Setting {
    MaxFileSize,
    DailyBytes,
    DailyFiles,
    CommitWindow,
    RevealWindow,
    Quorum,
    Threshold,
    SlashBps,
    Reward,
    ValidatorReward,
    MinValidators
}

/// @notice Per-Datanet limits and payments a Datanet owner may tune after creation.
/// @dev Zero for `maxFileSize`, `dailyBytes` or `dailyFiles` means the protocol default.
struct DatanetLimits {
    uint32 maxFileSize; // bytes per file
    uint32 dailyBytes; // bytes per contributor per UTC day
    uint32 dailyFiles; // files per contributor per UTC day
    uint96 deposit; // OPEN (wei) paid at submission, refunded unless rejected
    uint96 reward; // OPEN (wei) credited to the contributor on acceptance
    uint96 validatorReward; // OPEN (wei) shared by the validators who voted with the outcome
}

/// @notice Review rules, fixed at creation so that a round in flight never changes under its voters.
/// @dev Zero for any field means the protocol default.
struct ReviewRules {
    uint32 commitWindow; // seconds after submission during which validators commit
    uint32 revealWindow; // seconds after the commit window during which they reveal
    uint256 quorum; // minimum revealed stake (OPEN wei) for a decision
    uint16 thresholdBps; // approvals needed, in basis points of revealed stake
    uint8 minValidators; // distinct validators whose revealed votes a decision needs (default 3)
}

/// @notice One file in a submission: the CID (codec + sha2-256 digest), size and format.
struct FileRef {
    bytes32 digest;
    CidCodec codec;
    Format format;
    uint32 size;
}

/// @notice A contributor's usage of the daily quotas today (UTC) and what is left in one Datanet.
struct QuotaView {
    uint256 protocolBytesUsed; // across all Datanets
    uint256 protocolFilesUsed;
    uint256 datanetBytesUsed; // in this Datanet
    uint256 datanetFilesUsed;
    uint256 bytesLeft; // the tighter of both quotas
    uint256 filesLeft;
    uint256 resetsAt; // next UTC midnight
}

/// @notice A Datanet as read by clients.
struct DatanetView {
    address owner;
    Modality modality;
    uint16 formats;
    bool paused;
    uint256 pool;
    uint256 submissions;
    DatanetLimits limits;
    ReviewRules rules;
    uint16 termsVersion;
    bytes32 metadataDigest;
    CidCodec metadataCodec;
    address pendingOwner; // offered the Datanet's ownership, until accepted (zero when none)
    uint256 poolUnlocksAt; // while paused, when the owner may withdraw from the pool (`withdrawPool`); zero while open
}

/// @notice The custom errors of the Datanets contract; each names the rule and carries its numbers.
interface IDatanetsErrors {
    /// @dev No Datanet has this id.
    error DatanetNotFound(uint32 datanetId);
    /// @dev The Datanet's owner paused new submissions.
    error DatanetPaused(uint32 datanetId);
    /// @dev The protocol is in an emergency pause; only reveals, finalisation and claims run.
    error ProtocolPaused();
    /// @dev The caller is not the Datanet's owner.
    error NotDatanetOwner(uint32 datanetId, address caller, address owner);
    /// @dev `formats` is empty or names formats outside `modality`.
    error FormatsNotInModality(Modality modality, uint16 formats, uint16 allowed);
    /// @dev The file's format is not one the Datanet accepts.
    error FormatNotAllowed(uint32 datanetId, Format format, uint16 allowedFormats);
    /// @dev A file of zero bytes.
    error EmptyFile(uint32 datanetId, bytes32 digest);
    /// @dev A file over the Datanet's (or the protocol's) size cap.
    error FileTooLarge(uint32 datanetId, bytes32 digest, uint256 size, uint256 maxSize);
    /// @dev The same content is already in the Datanet (pending, accepted or rejected).
    error DuplicateContent(uint32 datanetId, bytes32 digest, bytes32 contributionId, Status existing);
    /// @dev A daily quota (per UTC day) would be exceeded; `resetsAt` is the next UTC midnight.
    error DailyQuotaExceeded(
        address account,
        uint32 datanetId,
        QuotaKind kind,
        uint256 used,
        uint256 requested,
        uint256 limit,
        uint256 resetsAt
    );
    /// @dev The reward pool cannot cover the rewards of a submission's files now (a submission checks
    /// the pool but reserves nothing: rewards are taken from it when a contribution is accepted).
    error InsufficientPool(uint32 datanetId, uint256 available, uint256 required);
    /// @dev A batch is empty or larger than the protocol allows.
    error BadBatchSize(uint256 size, uint256 max);
    /// @dev A setting outside its protocol bounds.
    error SettingOutOfBounds(Setting setting, uint256 value, uint256 min, uint256 max);
    /// @dev The contribution is not pending (it was never submitted or is already final).
    error NotPending(bytes32 contributionId, Status status);
    /// @dev Not inside the contribution's commit window `[opensAt, closesAt)`.
    error NotInCommitWindow(bytes32 contributionId, uint256 time, uint256 opensAt, uint256 closesAt);
    /// @dev Not inside the contribution's reveal window `[opensAt, closesAt)`.
    error NotInRevealWindow(bytes32 contributionId, uint256 time, uint256 opensAt, uint256 closesAt);
    /// @dev The review of the contribution ends at `endsAt`; it cannot be finalised before.
    error ReviewNotOver(bytes32 contributionId, uint256 time, uint256 endsAt);
    /// @dev The validator's eligible stake is below the protocol minimum.
    error StakeBelowMinimum(address validator, uint256 eligibleStake, uint256 minimumStake);
    /// @dev Commits must cover contributions in increasing submission order, each at most once per validator.
    error VoteOutOfOrder(bytes32 contributionId, uint256 sequence, uint256 lastCommittedSequence);
    /// @dev A batch whose submissions lie so far apart that no single reveal time fits them all.
    error BatchSpreadTooWide(uint256 spreadSeconds, uint256 revealWindow);
    /// @dev No commitment matches what was revealed (wrong ids, votes, salt or sender).
    error CommitmentNotFound(address validator, bytes32 commitment);
    /// @dev The revealed votes do not hash to the committed value.
    error RevealMismatch(bytes32 commitment);
    /// @dev The commitment was already revealed or slashed.
    error CommitmentClosed(bytes32 commitment);
    /// @dev The commitment's reveal period runs until `endsAt`.
    error RevealPeriodNotOver(bytes32 commitment, uint256 time, uint256 endsAt);
    /// @dev Validator rewards need every contribution of the commitment to be final.
    error NotFinal(bytes32 contributionId, Status status);
    /// @dev Validator rewards of a commitment can be claimed only once, after its reveal.
    error RewardsAlreadyClaimed(bytes32 commitment);
    /// @dev The commitment was not revealed.
    error NotRevealed(bytes32 commitment);
    /// @dev Nothing is claimable.
    error NothingToClaim(address account);
    /// @dev An amount of zero where a positive amount is needed.
    error ZeroAmount();
    /// @dev The pool holds less than was asked for.
    error PoolTooSmall(uint32 datanetId, uint256 available, uint256 requested);
    /// @dev Withdrawing from a pool needs the Datanet paused first, so that no submission counts on it meanwhile.
    error DatanetNotPaused(uint32 datanetId);
    /// @dev A paused Datanet's pool stays until every submission made before the pause has had its
    /// review and one more reveal window to be finalised (and paid).
    error PoolLocked(uint32 datanetId, uint256 time, uint256 unlocksAt);
    /// @dev The Datanet's terms (deposit and rewards) changed since the contributor accepted them.
    error TermsChanged(uint32 datanetId, uint16 acceptedVersion, uint16 currentVersion);
    /// @dev Only the address a Datanet's owner offered it to may accept it.
    error NotPendingOwner(uint32 datanetId, address caller, address pendingOwner);
    /// @dev `submitCommitted` found no unused submission commitment of the caller for these files and salt.
    error SubmissionCommitmentNotFound(address contributor, bytes32 commitment);
    /// @dev A submission commitment must be recorded before the second its submission is sent in.
    error SubmissionCommitmentTooRecent(bytes32 commitment, uint256 committedAt, uint256 time);
    /// @dev The submission commitment is already recorded (a commitment is recorded once).
    error SubmissionCommitmentExists(bytes32 commitment, uint256 committedAt);
    /// @dev Another contributor's pending submission of the same content claimed it no later than
    /// this commitment: its own commitment (or its submission, when it had none) was at or before
    /// `claimedAt`, and this one's at `committedAt`; or its review already began at `reviewAt`.
    error EarlierClaim(bytes32 contributionId, uint256 committedAt, uint256 claimedAt, uint256 reviewAt);
    /// @dev `permitDeposit` left the caller's allowance to this contract below `value`: the signature
    /// is not the caller's for this amount and spender, or its `deadline` passed (`time`).
    error PermitRefused(address owner, uint256 value, uint256 allowance, uint256 deadline, uint256 time);
}

/// @notice The events of the Datanets contract: complete enough to rebuild all its state.
interface IDatanetsEvents {
    event DatanetCreated(
        uint32 indexed datanetId,
        address indexed owner,
        Modality modality,
        uint16 formats,
        bytes32 metadataDigest,
        CidCodec metadataCodec,
        DatanetLimits limits,
        ReviewRules rules
    );
    event DatanetLimitsUpdated(uint32 indexed datanetId, uint16 termsVersion, DatanetLimits limits);
    event DatanetMetadataUpdated(uint32 indexed datanetId, bytes32 metadataDigest, CidCodec metadataCodec);
    event DatanetPauseSet(uint32 indexed datanetId, bool paused);
    event DatanetOwnershipTransferStarted(uint32 indexed datanetId, address indexed owner, address indexed pendingOwner);
    event DatanetOwnershipTransferred(uint32 indexed datanetId, address indexed previousOwner, address indexed newOwner);
    event DatanetFunded(uint32 indexed datanetId, address indexed from, uint256 amount, uint256 pool);
    event PoolWithdrawn(uint32 indexed datanetId, address indexed to, uint256 amount, uint256 pool);
    /// @dev The contribution's sequence is the Datanet's submission count after it (the n-th
    /// submission has sequence n), and its terms are the Datanet's current terms version.
    event ContributionSubmitted(
        bytes32 indexed contributionId,
        uint32 indexed datanetId,
        address indexed contributor,
        bytes32 digest,
        CidCodec codec,
        Format format,
        uint32 size
    );
    /// @dev A contributor recorded a submission commitment (`submissionCommitmentOf`).
    event SubmissionCommitted(bytes32 indexed commitment, address indexed sender);
    /// @dev A committed submission displaced another contributor's pending copy of the same content,
    /// committed later or sent without a commitment: the copy's deposit is credited back to it, its
    /// round ends with no outcome, and the `ContributionSubmitted` that follows opens the new round.
    event ContributionDisplaced(
        bytes32 indexed contributionId,
        uint32 indexed datanetId,
        address indexed displaced,
        address by,
        uint256 refund
    );
    event VotesCommitted(
        bytes32 indexed commitment,
        address indexed validator,
        uint32 indexed datanetId,
        bytes32[] contributionIds,
        uint256 weight,
        bytes32 sealedVotes
    );
    /// @param votes bit i set = approve for the i-th contribution of the commitment.
    event VotesRevealed(bytes32 indexed commitment, address indexed validator, uint32 indexed datanetId, uint256 votes);
    event ContributionFinalized(
        bytes32 indexed contributionId,
        uint32 indexed datanetId,
        address indexed contributor,
        Status status,
        uint256 approveStake,
        uint256 rejectStake,
        uint256 reward,
        uint256 depositRefund
    );
    /// @dev Emitted before `ContributionFinalized` (status Expired) when a contribution won its review
    /// but the pool could no longer pay its reward and validator reward: it expires instead, its
    /// deposit is refunded, and the same content may be submitted again.
    event ContributionUnfunded(bytes32 indexed contributionId, uint32 indexed datanetId, uint256 pool, uint256 required);
    event CommitmentSlashed(bytes32 indexed commitment, address indexed validator, uint256 amount);
    event ValidatorRewardsClaimed(bytes32 indexed commitment, address indexed validator, uint256 amount);
    event Claimed(address indexed account, address indexed to, uint256 amount);
    event ProtocolLimitsUpdated(uint32 maxFileSize, uint32 dailyBytes, uint32 dailyFiles, uint16 slashBps);
    event ProtocolPauseSet(bool paused);
}
