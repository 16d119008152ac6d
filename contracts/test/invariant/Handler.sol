// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../../interfaces/IDatanetsAdmin.sol";
import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {termsVersionAt} from "../Base.t.sol";
import {MerkleTreeBuilder} from "../helpers/MerkleTreeBuilder.sol";
import {OpenToken} from "../../OpenToken.sol";
import {ValidatorStaking} from "../../ValidatorStaking.sol";
import {Datanets} from "../../Datanets.sol";
import {ModelRegistry} from "../../ModelRegistry.sol";
import {CidCodec, Format} from "../../libraries/Formats.sol";
import {Status, FileRef, DatanetView, IDatanetsEvents} from "../../interfaces/IDatanets.sol";
import {ModelSpec, TrainingMethod, LeafFault, LeafEvidence} from "../../interfaces/IModelRegistry.sol";

/// @notice Drives random but mostly valid sequences of calls across the whole protocol and keeps an
/// independent model (ghost state) of what every call should have done. Every call first predicts its
/// outcome from the ghost state; a call whose real outcome differs bumps a mismatch counter that the
/// invariants require to stay zero.
contract Handler is Test {
    uint256 internal constant UNIT = 1e15; // Datanets.WEIGHT_UNIT
    uint256 internal constant BPS = 10_000;

    OpenToken public open;
    ValidatorStaking public staking;
    Datanets public datanets;
    ModelRegistry public models;

    address public owner;
    address public trainer;
    address public payer;
    address public treasury;
    address[] public contributors;
    address[] public validators;
    uint32[] public nets;

    // Protocol parameters read once.
    uint256 public maxReview; // maxCommitWindow + maxRevealWindow: when an unrevealed commitment becomes slashable
    uint256 public minStake;
    uint256 public activationDelay;
    uint256 public unbondingPeriod;
    uint256 public slashBps;
    uint256 public protocolDailyBytes;
    uint256 public protocolDailyFiles;
    uint256 public protocolMaxFileSize;

    /// @dev What the handler knows of a Datanet's fixed settings.
    struct NetCfg {
        uint256 commitWindow;
        uint256 revealWindow;
        uint256 quorumUnits;
        uint256 thresholdBps;
        uint256 maxFileSize;
        uint256 dailyBytes;
        uint256 dailyFiles;
        uint256 reward;
        uint256 validatorReward;
        uint256 deposit;
        uint256 sizeRange; // fuzzed sizes fall in [0, sizeRange]
    }

    mapping(uint32 net => NetCfg) public cfg;

    // ─── Ghost state ────────────────────────────────────────────────────────

    /// @dev One submission (a resubmission of expired content is a new round of the same id).
    struct Round {
        bytes32 id;
        bytes32 digest;
        uint32 net;
        address contributor;
        uint64 submittedAt;
        uint32 size;
        uint32 sequence;
        uint96 reward;
        uint96 validatorReward;
        uint96 deposit;
        uint64 approveUnits;
        uint64 rejectUnits;
        Status status;
        uint8 finalizedCount; // ContributionFinalized events seen for this round
        bool displacing; // a committed submission that displaced another contributor's pending copy
    }

    Round[] internal _rounds;
    /// @dev 1 + index of the latest round of a contribution id.
    mapping(bytes32 id => uint256) public latestRound;

    uint8 internal constant C_COMMITTED = 1;
    uint8 internal constant C_REVEALED = 2;
    uint8 internal constant C_SLASHED = 3;

    struct Commit {
        bytes32 key;
        address validator;
        uint32 net;
        uint64 committedAt;
        uint256 weight; // what the contract recorded
        uint256 expectedWeight; // the ghost's eligible stake at commit, in whole weight units
        uint256 votes;
        bytes32 salt;
        bool willReveal;
        uint8 state;
        bool rewardsClaimed;
        uint256 reviewEnd; // latest end of the review of its contributions
        uint256[] rounds;
        bytes32[] digests;
    }

    Commit[] internal _commits;
    mapping(bytes32 key => uint256) public commitIndex; // 1 + index

    /// @dev The ghost of a staking position.
    struct Pos {
        uint256 active;
        uint256 activating;
        uint256 since;
        uint256 unbonding;
        uint256 until;
        uint256 lastUnstake;
    }

    mapping(address validator => Pos) internal _pos;

    struct Leaf {
        bytes32 id;
        address contributor;
        uint256 weight;
        uint256 paid; // ghost: OPEN paid to this leaf
        uint256 claimedUpTo; // ghost: feesPerWeight at its last claim
        uint32 net; // where it was submitted (arbitrary for an id never submitted)
        bytes32 digest;
    }

    struct Model {
        bytes32 root;
        uint256 totalWeight;
        bool honest; // Σ leaf weights == totalWeight
        uint256 fees; // contributors' share paid in
        uint256 paid;
        Leaf[] leaves;
        uint32[] datanetIds;
        uint256 bond; // ghost: held by the registry
        uint256 endsAt;
        bool invalid;
    }

    Model[] internal _models;

    mapping(uint32 net => uint256) public ghostPool;
    mapping(uint32 net => bool) public ghostPaused;
    mapping(uint32 net => uint256) public ghostPausedAt;
    mapping(uint32 net => uint32) public ghostSequence;
    uint256 public ghostOutstanding;

    mapping(address => uint256) public credited; // everything ever credited (rewards, refunds, validator rewards)
    mapping(address => uint256) public claimed; // everything paid out by `claim`

    // Per-UTC-day usage of successful submissions.
    mapping(address => mapping(uint256 day => uint256)) public protoBytes;
    mapping(address => mapping(uint256 day => uint256)) public protoFiles;
    mapping(uint32 => mapping(address => mapping(uint256 day => uint256))) public netBytes;
    mapping(uint32 => mapping(address => mapping(uint256 day => uint256))) public netFiles;

    // Mismatch counters: each must stay zero.
    uint256 public quotaBreaches; // a successful submission took a day's usage over a limit
    uint256 public submitMismatch; // a submission succeeded/failed against the prediction
    uint256 public finalizeMismatch; // an outcome differed from the prediction
    uint256 public doubleFinalize; // a final contribution was finalised again
    uint256 public commitMismatch; // a commit succeeded/failed against the prediction (stake eligibility)
    uint256 public revealFailures; // a valid reveal failed
    uint256 public validatorRewardMismatch;
    uint256 public doubleValidatorClaim;
    uint256 public slashMismatch;
    uint256 public earlyWithdraw; // unbonding stake left before its unbonding period
    uint256 public withdrawBeforeReviewOver; // stake left before a round it voted in was over
    uint256 public claimMismatch; // claim paid something other than the credits
    uint256 public attributionMismatch;
    uint256 public attributionDoublePay;
    uint256 public challengeMismatch;
    uint256 public poolMismatch;
    /// @dev A call the ghost expected to succeed reverted. (With failOnRevert off, a revert inside an
    /// action would otherwise be dropped silently, so every call that must succeed is wrapped.)
    uint256 public unexpectedReverts;
    /// @dev Commits skipped because they would overwrite an earlier round's commitment (not asserted; see
    /// `_commitOne`).
    uint256 public commitKeyCollisions;

    uint256 internal _digestNonce;
    uint256 internal _saltNonce;

    /// @notice Calls per action, and what they achieved (submitted, accepted, revealed, slashed...), to
    /// check the handler's coverage when changing it.
    mapping(bytes32 => uint256) public calls;
    mapping(bytes32 => uint256) public hits;

    /// @notice Everything the handler drives.
    struct Setup {
        OpenToken open;
        ValidatorStaking staking;
        Datanets datanets;
        ModelRegistry models;
        address owner;
        address trainer;
        address payer;
        address treasury;
        address[] contributors;
        address[] validators;
        uint32[] nets;
        uint256[] sizeRanges;
    }

    constructor(Setup memory s) {
        open = s.open;
        staking = s.staking;
        datanets = s.datanets;
        models = s.models;
        owner = s.owner;
        trainer = s.trainer;
        payer = s.payer;
        treasury = s.treasury;
        contributors = s.contributors;
        validators = s.validators;
        nets = s.nets;
        maxReview = uint256(s.datanets.maxCommitWindow()) + s.datanets.maxRevealWindow();
        minStake = s.staking.minimumStake();
        activationDelay = s.staking.activationDelay();
        unbondingPeriod = s.staking.unbondingPeriod();
        (protocolMaxFileSize, protocolDailyBytes, protocolDailyFiles, slashBps,) = s.datanets.protocolLimits();
        for (uint256 i; i < s.nets.length; ++i) {
            _initNet(s.nets[i], s.sizeRanges[i]);
        }
        for (uint256 i; i < s.validators.length; ++i) {
            _initPos(s.validators[i]);
        }
    }

    function _initNet(uint32 net, uint256 sizeRange) internal {
        DatanetView memory v = datanets.getDatanet(net);
        cfg[net] = NetCfg({
            commitWindow: v.rules.commitWindow,
            revealWindow: v.rules.revealWindow,
            quorumUnits: v.rules.quorum / UNIT,
            thresholdBps: v.rules.thresholdBps,
            maxFileSize: v.limits.maxFileSize,
            dailyBytes: v.limits.dailyBytes,
            dailyFiles: v.limits.dailyFiles,
            reward: v.limits.reward,
            validatorReward: v.limits.validatorReward,
            deposit: v.limits.deposit,
            sizeRange: sizeRange
        });
        ghostPool[net] = v.pool;
        ghostPaused[net] = v.paused;
        ghostSequence[net] = uint32(v.submissions);
    }

    function _initPos(address v) internal {
        (uint256 active, uint256 activating, uint256 activeAt, uint256 unbonding, uint256 until) = staking.positionOf(v);
        _pos[v] = Pos(active, activating, activeAt - activationDelay, unbonding, until, 0);
    }

    // ─── Contributions ──────────────────────────────────────────────────────

    function submit(uint256 who, uint256 netSeed, uint256 sizeSeed, uint256 digestSeed) external {
        calls["submit"]++;
        uint32 net = nets[netSeed % nets.length];
        FileRef[] memory files = new FileRef[](1);
        files[0] = FileRef(_pickDigest(net, digestSeed), CidCodec.Raw, Format.Txt, _size(net, sizeSeed));
        _submit(contributors[who % contributors.length], net, files, false);
    }

    function submitBatch(uint256 who, uint256 netSeed, uint256 sizeSeed, uint256 digestSeed) external {
        calls["submitBatch"]++;
        uint32 net = nets[netSeed % nets.length];
        uint256 n = 2 + digestSeed % 3;
        FileRef[] memory files = new FileRef[](n);
        files[0] = FileRef(_pickDigest(net, digestSeed), CidCodec.Raw, Format.Txt, _size(net, sizeSeed));
        for (uint256 i = 1; i < n; ++i) {
            sizeSeed = uint256(keccak256(abi.encode(sizeSeed)));
            files[i] = FileRef(_freshDigest(), CidCodec.Raw, Format.Txt, _size(net, sizeSeed));
        }
        _submit(contributors[who % contributors.length], net, files, true);
    }

    /// @notice A mempool race (issue 12, finding 5): `owner_` commits to a fresh file, another
    /// contributor sends the same content first, and the owner's committed submission lands 0 s, 1 s
    /// or a whole commit window later. Inside the copy's commit window the owner displaces it (the
    /// copier's deposit is credited back and its round ends as expired); after it, the owner is
    /// refused. With no copy (refused: quota, pool, pause), the owner's is a plain submission.
    function copyAndDisplace(uint256 ownerSeed, uint256 copierSeed, uint256 netSeed, uint256 sizeSeed, uint256 lagSeed)
        external
    {
        calls["copyAndDisplace"]++;
        address owner_ = contributors[ownerSeed % contributors.length];
        address copier = contributors[copierSeed % contributors.length];
        if (owner_ == copier) return;
        uint32 net = nets[netSeed % nets.length];
        FileRef[] memory files = new FileRef[](1);
        files[0] = FileRef(_freshDigest(), CidCodec.Raw, Format.Txt, _size(net, sizeSeed));
        bytes32 salt = keccak256(abi.encode("salt", files[0].digest));
        IDatanetsAdmin commitments = IDatanetsAdmin(address(datanets));
        bytes32 key = commitments.submissionCommitmentOf(owner_, net, keccak256(abi.encodePacked(files[0].digest)), salt);
        vm.prank(owner_);
        commitments.commitSubmission(key);
        vm.warp(block.timestamp + 1);
        uint256 copyIndex = _rounds.length;
        _submit(copier, net, files, false);
        bool copied = _rounds.length > copyIndex;
        uint256 lag = lagSeed % 3 == 2 ? cfg[net].commitWindow : lagSeed % 2;
        vm.warp(block.timestamp + lag);
        bool expected = _predictSubmit(owner_, net, files, copied) && (!copied || lag < cfg[net].commitWindow);
        uint16 version = terms(net);
        bool ok;
        vm.prank(owner_);
        try datanets.submitCommitted(net, files, version, salt) returns (bytes32[] memory) {
            ok = true;
        } catch {}
        if (ok != expected) submitMismatch++;
        if (!ok) {
            if (copied) hits["copyKept"]++;
            return;
        }
        if (copied) {
            Round storage r = _rounds[copyIndex];
            r.status = Status.Expired;
            r.finalizedCount = 1; // its round ended once, with no outcome
            credited[copier] += r.deposit;
            hits["displaced"]++;
        }
        _recordSubmission(owner_, net, files);
        if (copied) _rounds[_rounds.length - 1].displacing = true;
    }

    function _submit(address who, uint32 net, FileRef[] memory files, bool batch) internal {
        bool expected = _predictSubmit(who, net, files, false);
        bool ok;
        vm.prank(who);
        if (batch) {
            try datanets.submitBatch(net, files, terms(net)) returns (bytes32[] memory) {
                ok = true;
            } catch {}
        } else {
            try datanets.submit(net, files[0], terms(net)) returns (bytes32) {
                ok = true;
            } catch {}
        }
        if (ok != expected) submitMismatch++;
        if (!ok) return;
        _recordSubmission(who, net, files);
    }

    /// @dev The ghost of a successful submission: its rounds and the day's usage.
    function _recordSubmission(address who, uint32 net, FileRef[] memory files) internal {
        hits["submitted"] += files.length;
        NetCfg storage c = cfg[net];
        uint256 day = block.timestamp / 1 days;
        uint256 total;
        for (uint256 i; i < files.length; ++i) {
            total += files[i].size;
            _recordRound(who, net, files[i]);
        }
        protoBytes[who][day] += total;
        protoFiles[who][day] += files.length;
        netBytes[net][who][day] += total;
        netFiles[net][who][day] += files.length;
        if (
            protoBytes[who][day] > protocolDailyBytes || protoFiles[who][day] > protocolDailyFiles
                || netBytes[net][who][day] > c.dailyBytes || netFiles[net][who][day] > c.dailyFiles
        ) quotaBreaches++;
    }

    function _recordRound(address who, uint32 net, FileRef memory f) internal {
        NetCfg storage c = cfg[net];
        bytes32 id = datanets.contributionIdOf(net, f.digest);
        ghostSequence[net] += 1;
        _rounds.push(
            Round({
                id: id,
                digest: f.digest,
                net: net,
                contributor: who,
                submittedAt: uint64(block.timestamp),
                size: f.size,
                sequence: ghostSequence[net],
                reward: uint96(c.reward),
                validatorReward: uint96(c.validatorReward),
                deposit: uint96(c.deposit),
                approveUnits: 0,
                rejectUnits: 0,
                status: Status.Pending,
                finalizedCount: 0,
                displacing: false
            })
        );
        latestRound[id] = _rounds.length;
    }

    /// @dev `displacing`: a committed submission that takes over another contributor's pending copy.
    function _predictSubmit(address who, uint32 net, FileRef[] memory files, bool displacing)
        internal
        view
        returns (bool)
    {
        if (ghostPaused[net]) return false;
        NetCfg storage c = cfg[net];
        uint256 maxSize = c.maxFileSize < protocolMaxFileSize ? c.maxFileSize : protocolMaxFileSize;
        uint256 total;
        for (uint256 i; i < files.length; ++i) {
            if (files[i].size == 0 || files[i].size > maxSize) return false;
            bytes32 id = datanets.contributionIdOf(net, files[i].digest);
            uint256 r = latestRound[id];
            if (r != 0 && _rounds[r - 1].status != Status.Expired) {
                if (!displacing || _rounds[r - 1].status != Status.Pending || _rounds[r - 1].contributor == who) {
                    return false;
                }
            }
            for (uint256 j; j < i; ++j) {
                if (files[j].digest == files[i].digest) return false;
            }
            total += files[i].size;
        }
        uint256 day = block.timestamp / 1 days;
        uint256 n = files.length;
        if (protoBytes[who][day] + total > protocolDailyBytes) return false;
        if (protoFiles[who][day] + n > protocolDailyFiles) return false;
        if (netBytes[net][who][day] + total > c.dailyBytes) return false;
        if (netFiles[net][who][day] + n > c.dailyFiles) return false;
        if ((c.reward + c.validatorReward) * n > ghostPool[net]) return false;
        return true;
    }

    /// @dev Mostly fresh content; one time in six, content already seen in this Datanet (a duplicate,
    /// or a legal resubmission when its latest round expired).
    function _pickDigest(uint32 net, uint256 seed) internal returns (bytes32) {
        if (seed % 6 == 0 && _rounds.length > 0) {
            uint256 start = seed / 6;
            for (uint256 k; k < _rounds.length; ++k) {
                Round storage r = _rounds[(start + k) % _rounds.length];
                if (r.net == net) return r.digest;
            }
        }
        return _freshDigest();
    }

    function _freshDigest() internal returns (bytes32) {
        return keccak256(abi.encode("content", ++_digestNonce));
    }

    function _size(uint32 net, uint256 seed) internal view returns (uint32) {
        return uint32(seed % (cfg[net].sizeRange + 1));
    }

    // ─── Staking ────────────────────────────────────────────────────────────

    function stake(uint256 who, uint256 amount) external {
        calls["stake"]++;
        address v = validators[who % validators.length];
        amount = bound(amount, 1 ether, 3_000 ether);
        vm.prank(v);
        try staking.stake(amount) {}
        catch {
            unexpectedReverts++;
            return;
        }
        Pos storage p = _settle(v);
        p.activating += amount;
        p.since = block.timestamp;
    }

    function unstake(uint256 who, uint256 amount) external {
        calls["unstake"]++;
        address v = validators[who % validators.length];
        Pos storage p = _settle(v);
        uint256 total = p.active + p.activating;
        if (total == 0) return;
        amount = bound(amount, 1, total);
        vm.prank(v);
        try staking.unstake(amount) {}
        catch {
            unexpectedReverts++;
            return;
        }
        uint256 fromActivating = amount > p.activating ? p.activating : amount;
        p.activating -= fromActivating;
        p.active -= amount - fromActivating;
        p.unbonding += amount;
        p.until = block.timestamp + unbondingPeriod;
        p.lastUnstake = block.timestamp;
    }

    function withdraw(uint256 who, uint256 waitSeed) external {
        calls["withdraw"]++;
        address v = validators[who % validators.length];
        Pos storage p = _pos[v];
        if (p.unbonding == 0) return;
        if (block.timestamp < p.until && waitSeed % 3 != 0) _advance(p.until);
        // Stake leaves only once the unbonding is over and every vote it committed is revealed or slashed.
        bool expected = block.timestamp >= p.until && _openCommits(v) == 0;
        uint256 before = open.balanceOf(v);
        vm.prank(v);
        try staking.withdraw() {
            hits["withdraw"]++;
            if (!expected) earlyWithdraw++;
            if (open.balanceOf(v) - before != p.unbonding) earlyWithdraw++;
            // The withdrawn stake was bonded at every commit up to the last unstake: each of those
            // rounds must be over, and its slash window open, before the stake may leave.
            for (uint256 i; i < _commits.length; ++i) {
                Commit storage cm = _commits[i];
                if (cm.validator != v || cm.committedAt > p.lastUnstake) continue;
                if (block.timestamp < cm.reviewEnd || block.timestamp < cm.committedAt + maxReview) {
                    withdrawBeforeReviewOver++;
                }
            }
            p.unbonding = 0;
        } catch {
            if (expected) earlyWithdraw++;
        }
    }

    function _openCommits(address v) internal view returns (uint256 n) {
        for (uint256 i; i < _commits.length; ++i) {
            if (_commits[i].validator != v) continue;
            (,,, uint8 state,,) = datanets.getCommitment(_commits[i].key);
            if (state == 1) n++;
        }
    }

    function _settle(address v) internal returns (Pos storage p) {
        p = _pos[v];
        if (p.activating > 0 && block.timestamp >= p.since + activationDelay) {
            p.active += p.activating;
            p.activating = 0;
        }
    }

    /// @notice The ghost position, settled at the current time.
    function ghostPosition(address v)
        public
        view
        returns (uint256 active, uint256 activating, uint256 unbonding, uint256 until)
    {
        Pos memory p = _pos[v];
        if (p.activating > 0 && block.timestamp >= p.since + activationDelay) {
            p.active += p.activating;
            p.activating = 0;
        }
        return (p.active, p.activating, p.unbonding, p.until);
    }

    // ─── Review ─────────────────────────────────────────────────────────────

    struct CommitPlan {
        address v;
        uint32 net;
        uint256 n;
        uint256 votes;
        bytes32 salt;
        bytes32 key;
        uint256 eligible;
        uint256 reviewEnd;
    }

    /// @notice Validator `who` commits on up to eight pending contributions of a Datanet; each other
    /// validator whose bit is set in `companions` commits too, with its own votes.
    function commit(uint256 who, uint256 netSeed, uint256 countSeed, uint256 voteSeed, uint256 companions) external {
        calls["commit"]++;
        uint32 net = nets[netSeed % nets.length];
        uint256 first = who % validators.length;
        for (uint256 j; j < validators.length; ++j) {
            uint256 vi = (first + j) % validators.length;
            if (j > 0 && (companions >> j) & 1 == 0) continue;
            _commitOne(validators[vi], net, 1 + countSeed % 8, uint256(keccak256(abi.encode(voteSeed, j))));
        }
    }

    function _commitOne(address v, uint32 net, uint256 max, uint256 voteSeed) internal {
        CommitPlan memory pl;
        pl.v = v;
        pl.net = net;
        (uint256[] memory picked, bytes32[] memory digests, bytes32[] memory ids) = _commitCandidates(v, net, max);
        pl.n = picked.length;
        if (pl.n == 0) return;
        pl.key = datanets.commitmentKey(pl.v, pl.net, keccak256(abi.encodePacked(ids)));
        // Content that expired and was resubmitted gives the same commitment key as the earlier round;
        // the contract slashes an unrevealed earlier commitment before replacing it (Rounds.t.sol tests
        // that). The handler does not model the replacement, so it leaves such commits out.
        if (commitIndex[pl.key] != 0) {
            commitKeyCollisions++;
            return;
        }
        // Votes lean towards approval (three in four), so that all three outcomes occur.
        pl.votes = (voteSeed | (voteSeed >> 64)) & ((uint256(1) << pl.n) - 1);
        pl.salt = keccak256(abi.encode("salt", ++_saltNonce));
        bytes32 sealedVotes = datanets.sealVotes(pl.v, pl.net, keccak256(abi.encodePacked(ids)), pl.votes, pl.salt);
        (pl.eligible,,,) = ghostPosition(pl.v);
        bool expected = pl.eligible >= minStake && pl.eligible >= UNIT;
        bool ok;
        vm.prank(pl.v);
        try datanets.commit(pl.net, digests, sealedVotes) returns (bytes32 key) {
            ok = true;
            if (key != pl.key) commitMismatch++;
        } catch {}
        if (ok != expected) commitMismatch++;
        if (!ok) {
            hits["commitRefused"]++;
            return;
        }
        hits["commit"]++;
        _settle(pl.v);
        Commit storage cm = _commits.push();
        commitIndex[pl.key] = _commits.length;
        cm.key = pl.key;
        cm.validator = pl.v;
        cm.net = pl.net;
        cm.committedAt = uint64(block.timestamp);
        (,, cm.weight,,,) = datanets.getCommitment(pl.key);
        cm.expectedWeight = pl.eligible / UNIT * UNIT;
        cm.votes = pl.votes;
        cm.salt = pl.salt;
        cm.willReveal = (voteSeed >> 128) % 5 != 0;
        cm.state = C_COMMITTED;
        NetCfg storage c = cfg[pl.net];
        for (uint256 i; i < pl.n; ++i) {
            cm.rounds.push(picked[i]);
            cm.digests.push(digests[i]);
            uint256 end = _rounds[picked[i]].submittedAt + c.commitWindow + c.revealWindow;
            if (end > pl.reviewEnd) pl.reviewEnd = end;
        }
        cm.reviewEnd = pl.reviewEnd;
    }

    /// @dev Pending rounds of `net` the validator may commit to now, in submission order, whose
    /// submissions lie less than a reveal window apart.
    function _commitCandidates(address v, uint32 net, uint256 max)
        internal
        view
        returns (uint256[] memory picked, bytes32[] memory digests, bytes32[] memory ids)
    {
        NetCfg storage c = cfg[net];
        uint256 last = datanets.lastCommittedSequence(net, v);
        picked = new uint256[](max);
        uint256 n;
        uint256 first;
        for (uint256 i; i < _rounds.length && n < max; ++i) {
            Round storage r = _rounds[i];
            if (r.net != net || r.status != Status.Pending || latestRound[r.id] != i + 1) continue;
            if (r.sequence <= last || block.timestamp >= r.submittedAt + c.commitWindow) continue;
            // A round that displaced a copy takes votes from the second after it opened.
            if (r.displacing && block.timestamp == r.submittedAt) continue;
            if (n == 0) first = r.submittedAt;
            else if (r.submittedAt - first >= c.revealWindow) break;
            picked[n++] = i;
        }
        assembly ("memory-safe") {
            mstore(picked, n)
        }
        digests = new bytes32[](n);
        ids = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            digests[i] = _rounds[picked[i]].digest;
            ids[i] = _rounds[picked[i]].id;
        }
    }

    /// @notice Reveals one commitment (waiting for its reveal window if needed), then every other
    /// commitment whose validator means to reveal and whose window is open at that time.
    function reveal(uint256 pick, uint256 waitSeed) external {
        calls["reveal"]++;
        uint256 len = _commits.length;
        for (uint256 k; k < len; ++k) {
            Commit storage cm = _commits[(pick + k) % len];
            if (cm.state != C_COMMITTED || !cm.willReveal) continue;
            (uint256 opensAt, uint256 closesAt) = _revealWindow(cm);
            if (block.timestamp >= closesAt) continue;
            // Waiting for the window may already reveal it (see `_advance`).
            if (block.timestamp < opensAt) _advance(opensAt + waitSeed % (closesAt - opensAt));
            if (cm.state == C_COMMITTED) _reveal(cm);
            break;
        }
        for (uint256 i; i < len; ++i) {
            Commit storage cm = _commits[i];
            if (cm.state != C_COMMITTED || !cm.willReveal) continue;
            (uint256 opensAt, uint256 closesAt) = _revealWindow(cm);
            if (block.timestamp >= opensAt && block.timestamp < closesAt) _reveal(cm);
        }
    }

    /// @notice Marks a commitment as one its validator will never reveal (so that it can be slashed).
    function skipReveal(uint256 pick) external {
        calls["skipReveal"]++;
        uint256 len = _commits.length;
        for (uint256 k; k < len; ++k) {
            Commit storage cm = _commits[(pick + k) % len];
            if (cm.state == C_COMMITTED && cm.willReveal) {
                cm.willReveal = false;
                return;
            }
        }
    }

    function _revealWindow(Commit storage cm) internal view returns (uint256 opensAt, uint256 closesAt) {
        NetCfg storage c = cfg[cm.net];
        closesAt = type(uint256).max;
        for (uint256 i; i < cm.rounds.length; ++i) {
            Round storage r = _rounds[cm.rounds[i]];
            if (r.status != Status.Pending || latestRound[r.id] != cm.rounds[i] + 1) return (0, 0);
            uint256 o = r.submittedAt + c.commitWindow;
            if (o > opensAt) opensAt = o;
            if (o + c.revealWindow < closesAt) closesAt = o + c.revealWindow;
        }
    }

    function _reveal(Commit storage cm) internal {
        vm.prank(cm.validator);
        try datanets.reveal(cm.net, cm.digests, cm.votes, cm.salt) {
            cm.state = C_REVEALED;
            hits["reveal"]++;
            uint64 units = uint64(cm.weight / UNIT);
            for (uint256 i; i < cm.rounds.length; ++i) {
                Round storage r = _rounds[cm.rounds[i]];
                if ((cm.votes >> i) & 1 == 1) r.approveUnits += units;
                else r.rejectUnits += units;
            }
        } catch {
            revealFailures++;
            cm.willReveal = false;
        }
    }

    function finalize(uint256 netSeed, uint256 countSeed, uint256 waitSeed) external {
        calls["finalize"]++;
        uint32 net = nets[netSeed % nets.length];
        uint256[] memory picked = _finalizable(net, 1 + countSeed % 8);
        if (picked.length == 0 && waitSeed % 3 == 0) {
            uint256 earliest = _earliestReviewEnd(net);
            if (earliest == type(uint256).max) return;
            _advance(earliest);
            picked = _finalizable(net, 1 + countSeed % 8);
        }
        if (picked.length == 0) {
            if (waitSeed % 3 == 0) _tryRefinalize(net, waitSeed);
            return;
        }
        bytes32[] memory digests = new bytes32[](picked.length);
        for (uint256 i; i < picked.length; ++i) {
            digests[i] = _rounds[picked[i]].digest;
        }
        vm.recordLogs();
        try datanets.finalize(net, digests) {}
        catch {
            unexpectedReverts++;
            return;
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(datanets)) continue;
            if (logs[i].topics[0] != IDatanetsEvents.ContributionFinalized.selector) continue;
            uint256 r = latestRound[logs[i].topics[1]];
            if (r == 0) finalizeMismatch++;
            else _rounds[r - 1].finalizedCount += 1;
        }
        for (uint256 i; i < picked.length; ++i) {
            _settleRound(picked[i]);
        }
    }

    /// @dev Records the outcome of a round the contract just finalised and checks it against the tallies.
    function _settleRound(uint256 index) internal {
        Round storage r = _rounds[index];
        NetCfg storage c = cfg[r.net];
        (Status actual,) = datanets.statusOf(r.id);
        uint256 revealed = uint256(r.approveUnits) + r.rejectUnits;
        Status expected;
        uint256 due = uint256(r.reward) + r.validatorReward;
        if (revealed < c.quorumUnits) expected = Status.Expired;
        else if (uint256(r.approveUnits) * BPS >= c.thresholdBps * revealed) {
            // Nothing is reserved at submission: a win the pool can no longer pay expires unfunded.
            expected = due > ghostPool[r.net] ? Status.Expired : Status.Accepted;
        } else expected = Status.Rejected;
        if (actual != expected) finalizeMismatch++;
        r.status = actual;
        hits[actual == Status.Accepted ? bytes32("accepted") : actual == Status.Rejected ? bytes32("rejected") : bytes32("expired")]++;
        if (actual == Status.Accepted) {
            _takeFromPool(r.net, due);
            credited[r.contributor] += uint256(r.reward) + r.deposit;
            ghostOutstanding += r.validatorReward;
        } else if (actual == Status.Rejected) {
            // Validators are paid for a rejection only out of the forfeited deposit.
            uint256 pay = _rejectionPay(r);
            ghostPool[r.net] += uint256(r.deposit) - pay;
            ghostOutstanding += pay;
        } else {
            if (revealed >= c.quorumUnits) hits["expiredUnfunded"]++;
            credited[r.contributor] += r.deposit;
        }
    }

    function _takeFromPool(uint32 net, uint256 amount) internal {
        if (amount > ghostPool[net]) {
            poolMismatch++;
            ghostPool[net] = 0;
        } else {
            ghostPool[net] -= amount;
        }
    }

    function _finalizable(uint32 net, uint256 max) internal view returns (uint256[] memory picked) {
        NetCfg storage c = cfg[net];
        picked = new uint256[](max);
        uint256 n;
        for (uint256 i; i < _rounds.length && n < max; ++i) {
            Round storage r = _rounds[i];
            if (r.net != net || r.status != Status.Pending || latestRound[r.id] != i + 1) continue;
            if (block.timestamp < r.submittedAt + c.commitWindow + c.revealWindow) continue;
            picked[n++] = i;
        }
        assembly ("memory-safe") {
            mstore(picked, n)
        }
    }

    function _earliestReviewEnd(uint32 net) internal view returns (uint256 earliest) {
        NetCfg storage c = cfg[net];
        earliest = type(uint256).max;
        for (uint256 i; i < _rounds.length; ++i) {
            Round storage r = _rounds[i];
            if (r.net != net || r.status != Status.Pending || latestRound[r.id] != i + 1) continue;
            uint256 end = r.submittedAt + c.commitWindow + c.revealWindow;
            if (end < earliest) earliest = end;
        }
    }

    /// @dev Tries to finalise a contribution that is already final: it must revert.
    function _tryRefinalize(uint32 net, uint256 seed) internal {
        uint256 len = _rounds.length;
        for (uint256 k; k < len; ++k) {
            uint256 i = (seed + k) % len;
            Round storage r = _rounds[i];
            if (r.net != net || r.status == Status.Pending || latestRound[r.id] != i + 1) continue;
            bytes32[] memory one = new bytes32[](1);
            one[0] = r.digest;
            try datanets.finalize(net, one) {
                doubleFinalize++;
            } catch {}
            return;
        }
    }

    function claimValidatorRewards(uint256 pick) external {
        calls["claimValidatorRewards"]++;
        uint256 len = _commits.length;
        for (uint256 k; k < len; ++k) {
            Commit storage cm = _commits[(pick + k) % len];
            if (cm.state != C_REVEALED) continue;
            if (cm.rewardsClaimed) {
                // Claiming twice must fail.
                if (pick % 4 == 0) {
                    vm.prank(cm.validator);
                    try datanets.claimValidatorRewards(cm.net, cm.digests) returns (uint256) {
                        doubleValidatorClaim++;
                    } catch {}
                    return;
                }
                continue;
            }
            if (!_allFinal(cm)) continue;
            uint256 expected = _expectedValidatorShare(cm);
            vm.prank(cm.validator);
            uint256 amount;
            try datanets.claimValidatorRewards(cm.net, cm.digests) returns (uint256 a) {
                amount = a;
            } catch {
                unexpectedReverts++;
                return;
            }
            if (amount != expected) validatorRewardMismatch++;
            if (amount > 0) hits["validatorRewards"]++;
            cm.rewardsClaimed = true;
            credited[cm.validator] += amount;
            if (amount > ghostOutstanding) validatorRewardMismatch++;
            else ghostOutstanding -= amount;
            return;
        }
    }

    function _allFinal(Commit storage cm) internal view returns (bool) {
        for (uint256 i; i < cm.rounds.length; ++i) {
            uint256 ri = cm.rounds[i];
            // A round that was resubmitted expired, so it is final.
            if (_rounds[ri].status == Status.Pending && latestRound[_rounds[ri].id] == ri + 1) return false;
        }
        return true;
    }

    function _expectedValidatorShare(Commit storage cm) internal view returns (uint256 amount) {
        uint256 units = cm.weight / UNIT;
        for (uint256 i; i < cm.rounds.length; ++i) {
            Round storage r = _rounds[cm.rounds[i]];
            if (r.status == Status.Expired) continue;
            bool approved = (cm.votes >> i) & 1 == 1;
            if (approved != (r.status == Status.Accepted)) continue;
            uint256 pay = approved ? r.validatorReward : _rejectionPay(r);
            amount += pay * units / (approved ? r.approveUnits : r.rejectUnits);
        }
    }

    function terms(uint32 net) internal view returns (uint16) {
        return termsVersionAt(address(datanets), net);
    }

    function _rejectionPay(Round storage r) internal view returns (uint256) {
        return r.validatorReward < r.deposit ? r.validatorReward : r.deposit;
    }

    function slashUnrevealed(uint256 pick, uint256 waitSeed) external {
        calls["slashUnrevealed"]++;
        uint256 len = _commits.length;
        for (uint256 k; k < len; ++k) {
            Commit storage cm = _commits[(pick + k) % len];
            if (cm.state != C_COMMITTED) continue;
            // A commitment its validator still means to reveal is only slashed once its reveal window is past.
            (, uint256 closesAt) = _revealWindow(cm);
            if (cm.willReveal && block.timestamp < closesAt) continue;
            uint256 endsAt = cm.committedAt + maxReview;
            if (block.timestamp < endsAt && waitSeed % 3 != 0) _advance(endsAt);
            _slash(cm, block.timestamp >= endsAt);
            return;
        }
    }

    function _slash(Commit storage cm, bool expected) internal {
        uint256 before = open.balanceOf(treasury);
        Pos storage p = _settle(cm.validator);
        uint256 want = cm.weight * slashBps / BPS;
        try datanets.slashUnrevealed(cm.key) returns (uint256 slashed) {
            if (!expected) slashMismatch++;
            uint256 left = want;
            uint256 take = left > p.active ? p.active : left;
            p.active -= take;
            left -= take;
            take = left > p.activating ? p.activating : left;
            p.activating -= take;
            left -= take;
            take = left > p.unbonding ? p.unbonding : left;
            p.unbonding -= take;
            left -= take;
            // This handler calls, so it is paid the reporter's share; the treasury gets the rest.
            uint256 reporterShare = slashed * staking.REPORTER_BPS() / BPS;
            if (slashed != want - left || open.balanceOf(treasury) - before != slashed - reporterShare) slashMismatch++;
            cm.state = C_SLASHED;
            hits["slash"]++;
        } catch {
            if (expected) slashMismatch++;
        }
    }

    // ─── Rewards and pools ──────────────────────────────────────────────────

    function claim(uint256 who) external {
        calls["claim"]++;
        address a = _account(who);
        (uint256 credits,,) = datanets.accountOf(a);
        uint256 before = open.balanceOf(a);
        vm.prank(a);
        try datanets.claim(a) returns (uint256 amount) {
            uint256 got = open.balanceOf(a) - before;
            if (amount != credits || got != credits || credits == 0) claimMismatch++;
            claimed[a] += got;
            hits["claim"]++;
        } catch {
            if (credits != 0) claimMismatch++;
        }
    }

    function fund(uint256 who, uint256 netSeed, uint256 amount) external {
        calls["fund"]++;
        uint32 net = nets[netSeed % nets.length];
        address funder = who % 3 == 0 ? owner : (who % 3 == 1 ? payer : contributors[who % contributors.length]);
        amount = bound(amount, 1, 500 ether);
        vm.prank(funder);
        try datanets.fund(net, amount) {
            ghostPool[net] += amount;
        } catch {
            unexpectedReverts++;
        }
    }

    function setPaused(uint256 netSeed) external {
        calls["setPaused"]++;
        uint32 net = nets[netSeed % nets.length];
        bool paused = !ghostPaused[net];
        vm.prank(owner);
        try IDatanetsAdmin(address(datanets)).setDatanetPaused(net, paused) {
            if (paused) ghostPausedAt[net] = block.timestamp;
            ghostPaused[net] = paused;
        } catch {
            unexpectedReverts++;
        }
    }

    function withdrawPool(uint256 netSeed, uint256 amount) external {
        calls["withdrawPool"]++;
        uint32 net = nets[netSeed % nets.length];
        uint256 pool = ghostPool[net];
        if (pool == 0) return;
        amount = bound(amount, 1, pool);
        uint256 before = open.balanceOf(owner);
        // The pool stays for a whole review and one more reveal window after the pause.
        bool unlocked = ghostPaused[net]
            && block.timestamp >= ghostPausedAt[net] + cfg[net].commitWindow + 2 * cfg[net].revealWindow;
        vm.prank(owner);
        try IDatanetsAdmin(address(datanets)).withdrawPool(net, amount, owner) {
            if (!unlocked || open.balanceOf(owner) - before != amount) poolMismatch++;
            _takeFromPool(net, amount);
            hits["withdrawPool"]++;
        } catch {
            if (unlocked) poolMismatch++;
        }
    }

    // ─── Models and attribution ─────────────────────────────────────────────

    /// @dev The trainer is the attacker here as often as not: one model in three names content that
    /// is not accepted, one in four weighs its first leaf other than by size, one in five names
    /// another contributor, one in five omits that leaf's Datanet from the list.
    function registerModel(uint256 seed, uint256 weightSeed, uint256 shape) external {
        calls["registerModel"]++;
        uint256[] memory accepted = _roundsWith(Status.Accepted, seed, 4);
        if (accepted.length == 0) return;
        uint256 n = accepted.length + (shape % 3 == 0 ? 1 : 0);
        Model storage m = _models.push();
        bytes32[] memory leaves = new bytes32[](n);
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            Leaf memory l = _makeLeaf(accepted, i, seed, uint256(keccak256(abi.encode(weightSeed, i))));
            if (i == 0 && (shape >> 4) % 4 == 0) l.weight += 1 + weightSeed % 1_000;
            if (i == 0 && (shape >> 12) % 5 == 0) l.contributor = contributors[(seed + 1) % contributors.length];
            m.leaves.push(l);
            leaves[i] = models.leafOf(l.id, l.contributor, l.weight);
            sum += l.weight;
        }
        for (uint256 k; k < nets.length; ++k) {
            if ((shape >> 16) % 5 != 0 || nets.length == 1 || nets[k] != m.leaves[0].net) m.datanetIds.push(nets[k]);
        }
        m.root = MerkleTreeBuilder.root(leaves);
        // One model in four claims a total weight below the sum of its leaves (an inflated manifest).
        m.honest = (shape >> 8) % 4 != 0;
        m.totalWeight = m.honest ? sum : 1 + sum / 2;
        ModelSpec memory sp = _spec(m.root, uint128(m.totalWeight), m.datanetIds);
        uint256 before = open.balanceOf(trainer);
        vm.prank(trainer);
        try models.registerModel(sp) returns (uint256 id) {
            if (id != _models.length) unexpectedReverts++;
            m.bond = models.modelBond();
            m.endsAt = block.timestamp + models.challengeWindow();
            if (before - open.balanceOf(trainer) != m.bond) challengeMismatch++;
            hits["model"]++;
        } catch {
            unexpectedReverts++;
            _models.pop();
        }
    }

    function _makeLeaf(uint256[] memory accepted, uint256 i, uint256 seed, uint256 weightSeed)
        internal
        view
        returns (Leaf memory l)
    {
        if (i < accepted.length) {
            Round storage r = _rounds[accepted[i]];
            (l.id, l.contributor, l.weight, l.net, l.digest) = (r.id, r.contributor, r.size, r.net, r.digest);
        } else {
            l.weight = 1 + weightSeed % 1_000;
            uint256[] memory other = _roundsWith(Status.Pending, seed, 1);
            if (other.length > 0) {
                Round storage r = _rounds[other[0]];
                (l.id, l.net, l.digest) = (r.id, r.net, r.digest);
            } else {
                l.id = keccak256(abi.encode("unknown", seed));
            }
            l.contributor = contributors[seed % contributors.length];
        }
    }

    /// @notice The fault the rule finds in a leaf, from the handler's own record of every round.
    function expectedFault(uint256 mi, uint256 li) public view returns (LeafFault) {
        Model storage m = _models[mi];
        Leaf storage l = m.leaves[li];
        uint256 r = latestRound[l.id];
        if (r == 0 || _rounds[r - 1].status != Status.Accepted) return LeafFault.NotAccepted;
        Round storage rd = _rounds[r - 1];
        if (rd.contributor != l.contributor) return LeafFault.WrongContributor;
        if (rd.size != l.weight) return LeafFault.WrongWeight;
        for (uint256 k; k < m.datanetIds.length; ++k) {
            if (m.datanetIds[k] == rd.net) return LeafFault.None;
        }
        return LeafFault.OutsideDatanets;
    }

    /// @dev A watcher (the payer) challenges any leaf of any model, right or wrong, in or out of the
    /// window: it must be paid half the bond exactly when the leaf breaks the rule inside an open window.
    function challengeLeaf(uint256 pick, uint256 leafSeed) external {
        calls["challengeLeaf"]++;
        if (_models.length == 0) return;
        uint256 mi = pick % _models.length;
        Model storage m = _models[mi];
        uint256 li = leafSeed % m.leaves.length;
        Leaf storage l = m.leaves[li];
        LeafFault expected = expectedFault(mi, li);
        bool expectPaid = !m.invalid && block.timestamp < m.endsAt && expected != LeafFault.None;
        uint256 before = open.balanceOf(payer);
        bytes32[] memory proof = _proofOf(m, li);
        vm.prank(payer);
        try models.challengeLeaf(mi + 1, LeafEvidence(l.id, l.contributor, l.weight, l.net, l.digest), proof, m.datanetIds)
        returns (LeafFault fault) {
            if (!expectPaid || fault != expected || open.balanceOf(payer) - before != m.bond / 2) challengeMismatch++;
            m.invalid = true;
            m.bond = 0;
            hits["challenge"]++;
        } catch {
            if (expectPaid) challengeMismatch++;
            else hits["challengeRefused"]++;
        }
    }

    /// @dev Anyone releases a bond; it must go to the trainer exactly when the window is over and no
    /// challenge took it.
    function releaseBond(uint256 pick) external {
        calls["releaseBond"]++;
        if (_models.length == 0) return;
        uint256 mi = pick % _models.length;
        Model storage m = _models[mi];
        bool expectPaid = m.bond > 0 && block.timestamp >= m.endsAt;
        uint256 before = open.balanceOf(trainer);
        vm.prank(payer);
        try models.releaseBond(mi + 1) returns (uint256 bond) {
            if (!expectPaid || bond != m.bond || open.balanceOf(trainer) - before != bond) challengeMismatch++;
            m.bond = 0;
            hits["bondReleased"]++;
        } catch {
            if (expectPaid) challengeMismatch++;
        }
    }

    function payForModel(uint256 pick, uint256 amount) external {
        calls["payForModel"]++;
        if (_models.length == 0) return;
        uint256 id = pick % _models.length;
        amount = pick % 5 == 0 ? bound(amount, 1, 1_000) : bound(amount, 1, 100 ether);
        // Payments open when the challenge window closes, and never for a model proven wrong.
        bool open_ = !_models[id].invalid && block.timestamp >= _models[id].endsAt;
        vm.prank(payer);
        try models.payForModel(id + 1, amount) {
            if (!open_) challengeMismatch++;
        } catch {
            if (open_) unexpectedReverts++;
            else hits["paymentRefused"]++;
            return;
        }
        uint256 trainerShare = amount * models.trainerBps() / BPS;
        uint256 protocolShare = amount * models.protocolBps() / BPS;
        _models[id].fees += amount - trainerShare - protocolShare;
    }

    function claimAttribution(uint256 pick, uint256 leafSeed) external {
        calls["claimAttribution"]++;
        if (_models.length == 0) return;
        uint256 mi = pick % _models.length;
        Model storage m = _models[mi];
        uint256 li = leafSeed % m.leaves.length;
        Leaf storage l = m.leaves[li];
        bytes32[] memory proof = _proofOf(m, li);
        (,,,,,,, uint256 perWeight,) = models.getModel(mi + 1);
        uint256 owed = l.weight * (perWeight - l.claimedUpTo) / 1e18;
        // Claims do not check the rule (a challenge does, before any fee); the per-model cap holds.
        bool expected = owed > 0 && m.paid + owed <= m.fees;
        uint256 before = open.balanceOf(l.contributor);
        try models.claimAttribution(mi + 1, l.id, l.contributor, l.weight, proof) returns (uint256 amount) {
            if (!expected || amount != owed || open.balanceOf(l.contributor) - before != owed) attributionMismatch++;
            l.paid += amount;
            hits[m.honest ? bytes32("attribution") : bytes32("attributionInflated")]++;
            l.claimedUpTo = perWeight;
            m.paid += amount;
            // The same leaf, claimed again at once, gets nothing.
            try models.claimAttribution(mi + 1, l.id, l.contributor, l.weight, proof) returns (uint256) {
                attributionDoublePay++;
            } catch {}
        } catch {
            if (expected) attributionMismatch++;
            else hits["attributionRefused"]++;
        }
    }

    function proofOf(uint256 mi, uint256 li) external view returns (bytes32[] memory) {
        return _proofOf(_models[mi], li);
    }

    function _proofOf(Model storage m, uint256 li) internal view returns (bytes32[] memory) {
        bytes32[] memory leaves = new bytes32[](m.leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            leaves[i] = models.leafOf(m.leaves[i].id, m.leaves[i].contributor, m.leaves[i].weight);
        }
        return MerkleTreeBuilder.proof(leaves, li);
    }

    function _roundsWith(Status status, uint256 seed, uint256 max) internal view returns (uint256[] memory picked) {
        picked = new uint256[](max);
        uint256 n;
        uint256 len = _rounds.length;
        for (uint256 k; k < len && n < max; ++k) {
            uint256 i = (seed + k) % len;
            if (_rounds[i].status == status && latestRound[_rounds[i].id] == i + 1) picked[n++] = i;
        }
        assembly ("memory-safe") {
            mstore(picked, n)
        }
    }

    function _spec(bytes32 root, uint128 totalWeight, uint32[] memory datanetIds)
        internal
        view
        returns (ModelSpec memory s)
    {
        s.baseModel = "meta-llama/Llama-3.1-8B";
        s.baseWeightsHash = keccak256("base");
        s.method = TrainingMethod.LoRA;
        s.configHash = keccak256("config");
        s.artifactDigest = keccak256(abi.encode("artifact", _models.length));
        s.artifactCodec = CidCodec.Raw;
        s.artifactSha256 = keccak256("sha");
        s.datanetIds = datanetIds;
        s.datasetRoot = root;
        s.totalWeight = totalWeight;
        s.manifestDigest = keccak256("manifest");
        s.manifestCodec = CidCodec.Raw;
    }

    // ─── Time ───────────────────────────────────────────────────────────────

    /// @dev Moves time forward to `to`. On the way, every validator who means to reveal does so inside
    /// its reveal window (honest validators never miss one); commitments marked by `skipReveal` (or
    /// committed with the intent not to reveal) stay unrevealed and become slashable.
    function _advance(uint256 to) internal {
        while (true) {
            uint256 best = type(uint256).max;
            uint256 bi;
            for (uint256 i; i < _commits.length; ++i) {
                Commit storage cm = _commits[i];
                if (cm.state != C_COMMITTED || !cm.willReveal) continue;
                (uint256 opensAt, uint256 closesAt) = _revealWindow(cm);
                if (closesAt <= block.timestamp) continue;
                uint256 t = opensAt > block.timestamp ? opensAt : block.timestamp;
                if (t < to && t < best) {
                    best = t;
                    bi = i;
                }
            }
            if (best == type(uint256).max) break;
            vm.warp(best);
            _reveal(_commits[bi]);
        }
        if (to > block.timestamp) vm.warp(to);
    }

    function warp(uint256 secs) external {
        calls["warp"]++;
        _advance(block.timestamp + bound(secs, 1 minutes, 90 minutes));
    }

    function warpLong(uint256 secs) external {
        calls["warpLong"]++;
        _advance(block.timestamp + bound(secs, 2 hours, 1 days));
    }

    // ─── Views for the invariants ───────────────────────────────────────────

    function _account(uint256 who) internal view returns (address) {
        uint256 i = who % (contributors.length + validators.length);
        return i < contributors.length ? contributors[i] : validators[i - contributors.length];
    }

    function contributorCount() external view returns (uint256) {
        return contributors.length;
    }

    function validatorCount() external view returns (uint256) {
        return validators.length;
    }

    function netCount() external view returns (uint256) {
        return nets.length;
    }

    function roundCount() external view returns (uint256) {
        return _rounds.length;
    }

    function round(uint256 i) external view returns (Round memory) {
        return _rounds[i];
    }

    function isCurrent(uint256 i) public view returns (bool) {
        return latestRound[_rounds[i].id] == i + 1;
    }

    function commitCount() external view returns (uint256) {
        return _commits.length;
    }

    function commitAt(uint256 i)
        external
        view
        returns (bytes32 key, address validator, uint32 net, uint256 weight, uint256 expectedWeight, uint8 state, bool rewardsClaimed)
    {
        Commit storage cm = _commits[i];
        return (cm.key, cm.validator, cm.net, cm.weight, cm.expectedWeight, cm.state, cm.rewardsClaimed);
    }

    function commitDigests(uint256 i) external view returns (bytes32[] memory) {
        return _commits[i].digests;
    }

    function modelCount() external view returns (uint256) {
        return _models.length;
    }

    function modelInfo(uint256 i) external view returns (bytes32 root, uint256 totalWeight, bool honest, uint256 fees, uint256 paid, uint256 leafCount) {
        Model storage m = _models[i];
        return (m.root, m.totalWeight, m.honest, m.fees, m.paid, m.leaves.length);
    }

    function leafAt(uint256 mi, uint256 li) external view returns (Leaf memory) {
        return _models[mi].leaves[li];
    }

    function datanetsOf(uint256 mi) external view returns (uint32[] memory) {
        return _models[mi].datanetIds;
    }

    /// @notice The ghost bond state of a model, and whether any of its leaves breaks the rule now.
    function modelBond(uint256 mi) external view returns (bool invalid, uint256 bond, bool breaksRule) {
        Model storage m = _models[mi];
        for (uint256 li; li < m.leaves.length; ++li) {
            if (expectedFault(mi, li) != LeafFault.None) breaksRule = true;
        }
        return (m.invalid, m.bond, breaksRule);
    }

    /// @notice Σ over pending contributions of what they hold: their deposits (nothing is reserved from a pool).
    function pendingHeld() external view returns (uint256 sum) {
        for (uint256 i; i < _rounds.length; ++i) {
            Round storage r = _rounds[i];
            if (r.status == Status.Pending && isCurrent(i)) sum += r.deposit;
        }
    }

    /// @notice Digests of the pending contributions of a Datanet.
    function pendingDigests(uint32 net) external view returns (bytes32[] memory digests) {
        digests = new bytes32[](_rounds.length);
        uint256 n;
        for (uint256 i; i < _rounds.length; ++i) {
            Round storage r = _rounds[i];
            if (r.net == net && r.status == Status.Pending && isCurrent(i)) digests[n++] = r.digest;
        }
        assembly ("memory-safe") {
            mstore(digests, n)
        }
    }

    /// @notice What a contributor should have been credited, recomputed from the final rounds alone:
    /// reward + deposit per accepted contribution, the deposit per expired one; and their accepted work.
    function expectedContributorCredits(address c)
        external
        view
        returns (uint256 credits, uint256 acceptedCount, uint256 acceptedBytes)
    {
        for (uint256 i; i < _rounds.length; ++i) {
            Round storage r = _rounds[i];
            if (r.contributor != c) continue;
            if (r.status == Status.Accepted) {
                credits += uint256(r.reward) + r.deposit;
                acceptedCount += 1;
                acceptedBytes += r.size;
            } else if (r.status == Status.Expired) {
                credits += r.deposit;
            }
        }
    }
}
