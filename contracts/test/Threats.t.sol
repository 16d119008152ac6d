// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Base} from "./Base.t.sol";
import {MerkleTreeBuilder} from "./helpers/MerkleTreeBuilder.sol";
import {OpenToken} from "../OpenToken.sol";
import {ValidatorStaking} from "../ValidatorStaking.sol";
import {Datanets} from "../Datanets.sol";
import {ModelRegistry} from "../ModelRegistry.sol";
import {Modality, CidCodec, Formats} from "../libraries/Formats.sol";
import {
    IDatanetsErrors, IDatanetsEvents, Status, QuotaKind, DatanetLimits, ReviewRules, FileRef
} from "../interfaces/IDatanets.sol";
import {IValidatorStaking} from "../interfaces/IValidatorStaking.sol";
import {IModelRegistry, ModelSpec, TrainingMethod, LeafFault, LeafEvidence} from "../interfaces/IModelRegistry.sol";

/// @notice Shared helpers: whole review rounds, Datanets with their own limits, models over a Merkle tree.
abstract contract ThreatBase is Base {
    /// @dev A text Datanet where one validator decides (these tests pick their own voters).
    function createNet(DatanetLimits memory limits) internal returns (uint32 id) {
        id = createTextNetWith(limits, 1);
    }

    /// @dev A text Datanet on the protocol's default review rules (three distinct validators per
    /// decision), funded with 10,000 OPEN.
    function createDefaultNet(DatanetLimits memory limits) internal returns (uint32 id) {
        id = createTextNetWith(limits, 0);
        vm.prank(owner);
        datanets.fund(id, 10_000 ether);
    }

    function createTextNetWith(DatanetLimits memory limits, uint8 minValidators) internal returns (uint32 id) {
        vm.prank(owner);
        id = IDatanetsAdmin(address(datanets)).createDatanet(
            Modality.Text,
            Formats.TEXT_FORMATS,
            keccak256("metadata"),
            CidCodec.Raw,
            limits,
            ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 0, minValidators)
        );
    }

    /// @dev Everything `accounts` hold in OPEN: wallet balances, stake in every state, and credits.
    function holdings(address[] memory accounts) internal view returns (uint256 total) {
        for (uint256 i; i < accounts.length; ++i) {
            (uint256 active, uint256 activating,, uint256 unbonding,) = staking.positionOf(accounts[i]);
            (uint256 credits,,) = datanets.accountOf(accounts[i]);
            total += open.balanceOf(accounts[i]) + active + activating + unbonding + credits;
        }
    }

    /// @dev `wallets` fresh contributor wallets with 1,000 OPEN each, approved for the Datanets contract.
    function newWallets(string memory label, uint256 wallets) internal returns (address[] memory out) {
        out = new address[](wallets);
        for (uint256 i; i < wallets; ++i) {
            out[i] = makeAddr(string.concat(label, vm.toString(i)));
            vm.prank(admin);
            open.transfer(out[i], 1_000 ether);
            vm.prank(out[i]);
            open.approve(address(datanets), type(uint256).max);
        }
    }

    /// @dev Each wallet submits `filesEach` files; returns all digests in submission order.
    function submitFromEach(uint32 net, address[] memory wallets, uint256 filesEach, uint256 nonce)
        internal
        returns (bytes32[] memory digests)
    {
        digests = new bytes32[](wallets.length * filesEach);
        for (uint256 w; w < wallets.length; ++w) {
            FileRef[] memory batch = new FileRef[](filesEach);
            for (uint256 i; i < filesEach; ++i) {
                digests[w * filesEach + i] = digestOf(nonce + w * filesEach + i);
                batch[i] = file(digests[w * filesEach + i], 100);
            }
            vm.prank(wallets[w]);
            datanets.submitBatch(net, batch, terms(net));
        }
    }

    /// @dev Every account in `accounts` collects what it can: validator rewards, then credits.
    function collectAll(uint32 net, bytes32[] memory digests, address[] memory validators, address[] memory accounts)
        internal
    {
        for (uint256 i; i < validators.length; ++i) {
            vm.prank(validators[i]);
            datanets.claimValidatorRewards(net, digests);
        }
        for (uint256 i; i < accounts.length; ++i) {
            (uint256 credits,,) = datanets.accountOf(accounts[i]);
            if (credits == 0) continue;
            vm.prank(accounts[i]);
            datanets.claim(accounts[i]);
        }
    }

    function nextMidnight() internal view returns (uint256) {
        return (block.timestamp / 1 days + 1) * 1 days;
    }

    function quotaError(address who, uint32 net, QuotaKind kind, uint256 used, uint256 requested, uint256 limit)
        internal
        view
        returns (bytes memory)
    {
        return abi.encodeWithSelector(
            IDatanetsErrors.DailyQuotaExceeded.selector, who, net, kind, used, requested, limit, nextMidnight()
        );
    }

    /// @dev The three validators commit `votes` on `digests`, reveal, and the contributions are finalised.
    function review(uint32 net, bytes32[] memory digests, uint256 votes) internal {
        commitAs(v1, net, digests, votes);
        commitAs(v2, net, digests, votes);
        commitAs(v3, net, digests, votes);
        toRevealWindow();
        revealAs(v1, net, digests, votes);
        revealAs(v2, net, digests, votes);
        revealAs(v3, net, digests, votes);
        toFinalizable();
        datanets.finalize(net, digests);
    }

    /// @dev Submits one file as `who` and has all validators vote on it (1 approve, 0 reject).
    function decided(address who, uint32 net, bytes32 digest, uint32 size, uint256 vote) internal returns (bytes32 id) {
        id = submitAs(who, net, digest, size);
        review(net, one(digest), vote);
    }

    function statusOf(bytes32 id) internal view returns (Status s) {
        (s,) = datanets.statusOf(id);
    }

    function spec(bytes32 root, uint128 totalWeight) internal view returns (ModelSpec memory s) {
        s.baseModel = "meta-llama/Llama-3.1-8B";
        s.baseWeightsHash = keccak256("base weights");
        s.method = TrainingMethod.LoRA;
        s.configHash = keccak256("config");
        s.artifactDigest = keccak256(abi.encode("artifact", root));
        s.artifactCodec = CidCodec.Raw;
        s.artifactSha256 = keccak256("artifact bytes");
        s.datanetIds = new uint32[](1);
        s.datanetIds[0] = textNet;
        s.datasetRoot = root;
        s.totalWeight = totalWeight;
        s.manifestDigest = keccak256(abi.encode("manifest", root));
        s.manifestCodec = CidCodec.Raw;
    }

    function registerModel(bytes32 root, uint128 totalWeight) internal returns (uint256 modelId) {
        vm.prank(trainer);
        modelId = models.registerModel(spec(root, totalWeight));
        passChallengeWindow(modelId); // nobody challenges: these tests are about what payments and claims do
    }

    function pay(uint256 modelId, uint256 amount) internal {
        vm.prank(makeAddr("payer"));
        models.payForModel(modelId, amount);
    }
}

/// @notice One test per row of the threats table in PROTOCOL.md (reentrancy has its own contract below).
contract ThreatsTest is ThreatBase {
    // ─── One wallet spams a Datanet ─────────────────────────────────────────

    /// Per-address daily quotas stop one wallet; a rejected file's deposit goes to the pool.
    function test_threat_spam_quotaStopsOneWalletAndDepositIsForfeited() public {
        stakeValidators(MIN_STAKE);
        uint96 deposit = 5 ether;
        uint32 net = createNet(DatanetLimits(0, 0, 3, deposit, REWARD, VALIDATOR_REWARD));
        vm.prank(owner);
        datanets.fund(net, 1_000 ether);
        uint256 aliceBefore = open.balanceOf(alice);

        FileRef[] memory files = new FileRef[](3);
        for (uint256 i; i < 3; ++i) {
            files[i] = file(digestOf(i), 100);
        }
        vm.prank(alice);
        datanets.submitBatch(net, files, terms(net));
        assertEq(open.balanceOf(alice), aliceBefore - 3 * deposit);

        // The fourth file of the day is refused, naming the rule and its numbers.
        vm.expectRevert(quotaError(alice, net, QuotaKind.DatanetFiles, 3, 1, 3));
        submitAs(alice, net, digestOf(3), 100);
        // The quota is the wallet's, not the Datanet's: bob still submits.
        submitAs(bob, net, digestOf(4), 100);

        // The validators reject the first spam file; nobody reviews the other two, which expire.
        review(net, one(digestOf(0)), 0);
        bytes32[] memory rest = new bytes32[](3);
        rest[0] = digestOf(1);
        rest[1] = digestOf(2);
        rest[2] = digestOf(4);
        datanets.finalize(net, rest);
        assertEq(uint8(statusOf(datanets.contributionIdOf(net, digestOf(0)))), uint8(Status.Rejected));
        assertEq(uint8(statusOf(datanets.contributionIdOf(net, digestOf(1)))), uint8(Status.Expired));

        // Pool: nothing reserved, nothing paid; the rejected file's deposit, less the validators' pay, goes to it.
        assertEq(datanets.getDatanet(net).pool, 1_000 ether + deposit - VALIDATOR_REWARD);
        assertEq(datanets.validatorRewardsOutstanding(), VALIDATOR_REWARD);
        // Alice gets back only the deposits of the files that expired; the rejected one is forfeited.
        (uint256 credits, uint256 count, uint256 bytes_) = datanets.accountOf(alice);
        assertEq(credits, 2 * deposit);
        assertEq(count, 0);
        assertEq(bytes_, 0);
        vm.prank(alice);
        datanets.claim(alice);
        assertEq(open.balanceOf(alice), aliceBefore - deposit);

        // A new UTC day gives the wallet a new quota.
        vm.warp(nextMidnight());
        submitAs(alice, net, digestOf(5), 100);
        assertEq(datanets.quotaOf(alice, net).datanetFilesUsed, 1);
    }

    // ─── Many wallets split a quota (sybil) ─────────────────────────────────

    /// Per-Datanet and protocol-wide quotas each hold per wallet; only accepted work earns and ranks.
    function test_threat_sybil_quotasHoldPerWalletAndOnlyAcceptedWorkPays() public {
        stakeValidators(MIN_STAKE);
        uint32 small = createNet(DatanetLimits(0, 0, 3, 0, REWARD, VALIDATOR_REWARD));
        vm.prank(owner);
        datanets.fund(small, 1_000 ether);

        address[] memory sybils = new address[](4);
        uint256 nonce = 100;
        for (uint256 s; s < sybils.length; ++s) {
            sybils[s] = makeAddr(string.concat("sybil", vm.toString(s)));
            // Per Datanet: three files, then the Datanet's quota.
            FileRef[] memory three = new FileRef[](3);
            for (uint256 i; i < 3; ++i) {
                three[i] = file(digestOf(nonce++), 10);
            }
            vm.prank(sybils[s]);
            datanets.submitBatch(small, three, terms(small));
            vm.expectRevert(quotaError(sybils[s], small, QuotaKind.DatanetFiles, 3, 1, 3));
            submitAs(sybils[s], small, digestOf(nonce++), 10);
            // Protocol-wide: 17 more elsewhere makes 20 files today, then the protocol's quota.
            FileRef[] memory more = new FileRef[](17);
            for (uint256 i; i < 17; ++i) {
                more[i] = file(digestOf(nonce++), 10);
            }
            vm.prank(sybils[s]);
            datanets.submitBatch(textNet, more, terms(textNet));
            vm.expectRevert(quotaError(sybils[s], textNet, QuotaKind.ProtocolFiles, 20, 1, 20));
            submitAs(sybils[s], textNet, digestOf(nonce++), 10);
            assertEq(datanets.quotaOf(sybils[s], textNet).filesLeft, 0);
        }
        // Protocol-wide bytes: 10 MiB in one Datanet leaves nothing for another.
        address big = makeAddr("sybilBytes");
        submitAs(big, textNet, digestOf(nonce++), 10 * 1024 * 1024);
        vm.expectRevert(quotaError(big, small, QuotaKind.ProtocolBytes, 10 * 1024 * 1024, 1, 10 * 1024 * 1024));
        submitAs(big, small, digestOf(nonce++), 1);

        // Review: sybil 0's first file is approved, its second rejected; sybil 1's first is rejected.
        // (In submission order: sybil 0's files were numbered 100..102, sybil 1's 122..124.)
        bytes32[] memory ds = new bytes32[](3);
        ds[0] = digestOf(100);
        ds[1] = digestOf(101);
        ds[2] = digestOf(122);
        review(small, ds, 1);
        (uint256 credits, uint256 count, uint256 bytes_) = datanets.accountOf(sybils[0]);
        assertEq(credits, REWARD);
        assertEq(count, 1);
        assertEq(bytes_, 10);
        (credits, count, bytes_) = datanets.accountOf(sybils[1]);
        assertEq(credits, 0);
        assertEq(count, 0);
        assertEq(bytes_, 0);
        vm.prank(sybils[1]);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NothingToClaim.selector, sybils[1]));
        datanets.claim(sybils[1]);

        // A later rejection neither pays nor lowers sybil 0's rank.
        bytes32 late = digestOf(nonce++);
        vm.warp(nextMidnight());
        decided(sybils[0], small, late, 500, 0);
        (credits, count, bytes_) = datanets.accountOf(sybils[0]);
        assertEq(credits, REWARD);
        assertEq(count, 1);
        assertEq(bytes_, 10);
    }

    // ─── Lazy validators copy votes ─────────────────────────────────────────

    /// A copier who commits another validator's sealed hash cannot reveal it as their own, and the
    /// sealed hash shows nothing before the reveal.
    function test_threat_voteCopying_copiedCommitmentCannotBeRevealed() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        bytes32 id = submitAs(alice, textNet, digest, 100);
        bytes32[] memory ds = one(digest);
        bytes32 idsHash = keccak256(abi.encodePacked(idsOf(textNet, ds)));

        bytes32 salt = keccak256("v1 secret");
        bytes32 sealedVotes = datanets.sealVotes(v1, textNet, idsHash, 1, salt);
        vm.prank(v1);
        bytes32 honestKey = datanets.commit(textNet, ds, sealedVotes);
        // The copier reads the sealed hash from v1's VotesCommitted event and commits it too.
        vm.prank(v2);
        bytes32 copierKey = datanets.commit(textNet, ds, sealedVotes);
        assertTrue(copierKey != honestKey);

        // Before the reveal: no vote is visible or counted.
        (,,, uint8 state, uint256 votes,) = datanets.getCommitment(honestKey);
        assertEq(state, 1);
        assertEq(votes, 0);
        (,,,,,,, uint256 approveStake, uint256 rejectStake,) = datanets.getContribution(id);
        assertEq(approveStake, 0);
        assertEq(rejectStake, 0);
        // The hash binds the salt: an approval and a rejection under unknown salts cannot be told apart
        // by recomputing either vote with any other salt.
        assertTrue(datanets.sealVotes(v1, textNet, idsHash, 1, bytes32(0)) != sealedVotes);
        assertTrue(datanets.sealVotes(v1, textNet, idsHash, 0, bytes32(0)) != sealedVotes);

        toRevealWindow();
        // The copier cannot open the copied hash before v1 reveals (it lacks the salt)...
        vm.prank(v2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RevealMismatch.selector, copierKey));
        datanets.reveal(textNet, ds, 1, bytes32(0));
        // ...nor after, with v1's published votes and salt: the seal names the voter.
        vm.prank(v1);
        datanets.reveal(textNet, ds, 1, salt);
        vm.prank(v2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RevealMismatch.selector, copierKey));
        datanets.reveal(textNet, ds, 1, salt);
        vm.prank(v2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RevealMismatch.selector, copierKey));
        datanets.reveal(textNet, ds, 0, salt);

        (,,,,,,, approveStake, rejectStake,) = datanets.getContribution(id);
        assertEq(approveStake, MIN_STAKE);
        assertEq(rejectStake, 0);
        // The copier's commitment stays unrevealed: it earns nothing and is slashed.
        toFinalizable();
        datanets.finalize(textNet, ds);
        vm.warp(block.timestamp + 2 * MAX_WINDOW);
        assertEq(datanets.slashUnrevealed(copierKey), MIN_STAKE / 10);
        vm.prank(v2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotRevealed.selector, copierKey));
        datanets.claimValidatorRewards(textNet, ds);
        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(textNet, ds), VALIDATOR_REWARD);
    }

    // ─── Flash-loaned stake votes ───────────────────────────────────────────

    /// Stake staked in the submission's block, or too recently before it, cannot vote; new stake adds
    /// no weight to a vote.
    function test_threat_flashStake_newStakeCannotVote() public {
        vm.prank(v1);
        staking.stake(MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY - COMMIT_WINDOW);
        // Staked (activation delay − commit window) before the submission: it activates as the commit
        // window closes, so it can never vote on this contribution.
        bytes32 digest = digestOf(1);
        bytes32 id = submitAs(alice, textNet, digest, 100);
        bytes32[] memory ds = one(digest);
        bytes32 sealedVotes = seal(v1, textNet, ds, 1, bytes32("salt"));
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.StakeBelowMinimum.selector, v1, 0, MIN_STAKE));
        datanets.commit(textNet, ds, sealedVotes);
        // A flash stake in the submission's block does not help either.
        vm.prank(v2);
        staking.stake(1_000_000 ether - 1);
        bytes32 flashSeal = seal(v2, textNet, ds, 1, bytes32("salt"));
        vm.prank(v2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.StakeBelowMinimum.selector, v2, 0, MIN_STAKE));
        datanets.commit(textNet, ds, flashSeal);
        // One second before the end of the commit window v1's stake is still activating...
        vm.warp(block.timestamp + COMMIT_WINDOW - 1);
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.StakeBelowMinimum.selector, v1, 0, MIN_STAKE));
        datanets.commit(textNet, ds, sealedVotes);
        // ...and when it activates, the window has closed.
        vm.warp(block.timestamp + 1);
        assertEq(staking.eligibleStake(v1), MIN_STAKE);
        uint256 submittedAt = block.timestamp - COMMIT_WINDOW;
        vm.prank(v1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.NotInCommitWindow.selector, id, block.timestamp, submittedAt, submittedAt + COMMIT_WINDOW
            )
        );
        datanets.commit(textNet, ds, sealedVotes);
    }

    /// Stake added in the commit's block adds no weight: the vote weighs the stake that was already active.
    function test_threat_flashStake_topUpAddsNoWeight() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        bytes32 id = submitAs(alice, textNet, digest, 100);
        bytes32[] memory ds = one(digest);
        vm.prank(v1);
        staking.stake(500_000 ether);
        bytes32 key = commitAs(v1, textNet, ds, 1);
        (,, uint256 weight,,,) = datanets.getCommitment(key);
        assertEq(weight, MIN_STAKE);
        toRevealWindow();
        revealAs(v1, textNet, ds, 1);
        (,,,,,,, uint256 approveStake,,) = datanets.getContribution(id);
        assertEq(approveStake, MIN_STAKE);
    }

    /// An unbonding validator cannot withdraw before the reveal window of a vote it made ends (nor
    /// before that vote can be slashed), and its unbonding stake is what the slash takes.
    function test_threat_flashStake_unbondingCannotLeaveBeforeItsRoundsEnd() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        submitAs(alice, textNet, digest, 100);
        bytes32[] memory ds = one(digest);
        bytes32 key = commitAs(v1, textNet, ds, 1);
        uint256 committedAt = block.timestamp;
        vm.prank(v1);
        staking.unstake(MIN_STAKE);
        uint256 availableAt = block.timestamp + UNBONDING;
        // Unbonding stake no longer votes.
        assertEq(staking.eligibleStake(v1), 0);

        toRevealWindow();
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.StillUnbonding.selector, v1, block.timestamp, availableAt));
        staking.withdraw();
        toFinalizable(); // the reveal window is over; v1 never revealed
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.StillUnbonding.selector, v1, block.timestamp, availableAt));
        staking.withdraw();
        // The slash window opens before the stake can leave.
        uint256 slashableAt = committedAt + 2 * MAX_WINDOW;
        assertLt(slashableAt, availableAt);
        vm.warp(slashableAt);
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.StillUnbonding.selector, v1, block.timestamp, availableAt));
        staking.withdraw();
        assertEq(datanets.slashUnrevealed(key), MIN_STAKE / 10);
        (,,, uint256 unbonding,) = staking.positionOf(v1);
        assertEq(unbonding, MIN_STAKE - MIN_STAKE / 10);

        vm.warp(availableAt);
        uint256 before = open.balanceOf(v1);
        vm.prank(v1);
        staking.withdraw();
        assertEq(open.balanceOf(v1), before + MIN_STAKE - MIN_STAKE / 10);
    }

    /// Waiting out the unbonding period does not escape the slash: stake with an unrevealed vote
    /// stays until that vote is slashed (by anyone), then leaves without the slashed part.
    function test_threat_noReveal_cannotBeEscapedByWaiting() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        submitAs(alice, textNet, digest, 100);
        bytes32 key = commitAs(v1, textNet, one(digest), 1);
        vm.prank(v1);
        staking.unstake(MIN_STAKE);
        // No one slashes in time; the unbonding period passes.
        vm.warp(block.timestamp + UNBONDING + 1 days);
        assertEq(staking.openVotes(v1), 1);
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.VotesUnresolved.selector, v1, 1));
        staking.withdraw();
        uint256 slash = MIN_STAKE * datanets.DEFAULT_SLASH_BPS() / 10_000;
        assertEq(datanets.slashUnrevealed(key), slash);
        assertEq(staking.openVotes(v1), 0);
        uint256 before = open.balanceOf(v1);
        vm.prank(v1);
        staking.withdraw();
        assertEq(open.balanceOf(v1), before + MIN_STAKE - slash);
    }

    /// A revealed vote releases its hold at once.
    function test_threat_revealReleasesTheHold() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        submitAs(alice, textNet, digest, 100);
        commitAs(v1, textNet, one(digest), 1);
        assertEq(staking.openVotes(v1), 1);
        toRevealWindow();
        revealAs(v1, textNet, one(digest), 1);
        assertEq(staking.openVotes(v1), 0);
    }

    // ─── A validator commits and never reveals ──────────────────────────────

    /// slashUnrevealed takes slashBps of the vote's weight, once, whoever calls it: the caller is paid
    /// the reporter's share (so that someone always has a reason to call), the treasury the rest.
    function test_threat_noReveal_isSlashedToTreasury() public {
        stakeValidators(2 * MIN_STAKE);
        bytes32 digest = digestOf(1);
        submitAs(alice, textNet, digest, 100);
        bytes32[] memory ds = one(digest);
        bytes32 lazyKey = commitAs(v1, textNet, ds, 1);
        uint256 committedAt = block.timestamp;
        bytes32 honestKey = commitAs(v2, textNet, ds, 1);
        toRevealWindow();
        revealAs(v2, textNet, ds, 1);
        toFinalizable();
        datanets.finalize(textNet, ds);

        uint256 endsAt = committedAt + 2 * MAX_WINDOW;
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.RevealPeriodNotOver.selector, lazyKey, block.timestamp, endsAt)
        );
        datanets.slashUnrevealed(lazyKey);

        vm.warp(endsAt);
        (,,, uint256 slashBps,) = datanets.protocolLimits();
        uint256 expected = 2 * MIN_STAKE * slashBps / 10_000;
        assertEq(expected, 200 ether);
        uint256 reporterShare = expected * staking.REPORTER_BPS() / 10_000;
        uint256 treasuryBefore = open.balanceOf(treasury);
        uint256 callerBefore = open.balanceOf(bob);
        vm.prank(bob);
        assertEq(datanets.slashUnrevealed(lazyKey), expected);
        assertEq(open.balanceOf(treasury), treasuryBefore + expected - reporterShare);
        assertEq(open.balanceOf(bob), callerBefore + reporterShare);
        (uint256 active,,,,) = staking.positionOf(v1);
        assertEq(active, 2 * MIN_STAKE - expected);
        (,,, uint8 state,,) = datanets.getCommitment(lazyKey);
        assertEq(state, 3);

        // Once only; and a revealed commitment cannot be slashed.
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentClosed.selector, lazyKey));
        datanets.slashUnrevealed(lazyKey);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentClosed.selector, honestKey));
        datanets.slashUnrevealed(honestKey);
    }

    // ─── Rejection farming and self-dealing ──────────────────────────────────

    /// Attack: one party owns five contributor wallets and all three validators (the default minimum),
    /// submits junk to a deposit-free Datanet and rejects it, to be paid the validator reward out of
    /// the pool. A rejection pays validators only out of the deposit it forfeits: the pool keeps
    /// every OPEN and the party ends with exactly what it started with.
    function test_threat_rejectionFarming_depositFreePoolLosesNothing() public {
        stakeValidators(MIN_STAKE);
        uint32 net = createDefaultNet(DatanetLimits(0, 0, 0, 0, REWARD, VALIDATOR_REWARD));
        assertEq(datanets.getDatanet(net).rules.minValidators, 3);
        address[] memory wallets = newWallets("farmer", 5);
        address[] memory party = new address[](8);
        address[] memory validators = new address[](3);
        (validators[0], validators[1], validators[2]) = (v1, v2, v3);
        for (uint256 i; i < 5; ++i) party[i] = wallets[i];
        (party[5], party[6], party[7]) = (v1, v2, v3);
        uint256 poolBefore = datanets.getDatanet(net).pool;
        uint256 before = holdings(party);

        bytes32[] memory junk = submitFromEach(net, wallets, 4, 1_000);
        review(net, junk, 0);
        collectAll(net, junk, validators, party);

        for (uint256 i; i < junk.length; ++i) assertEq(uint8(statusOf(datanets.contributionIdOf(net, junk[i]))), uint8(Status.Rejected));
        assertEq(datanets.getDatanet(net).pool, poolBefore, "the pool lost OPEN to rejections");
        assertEq(holdings(party), before, "the farmer gained");
    }

    /// With a deposit, the validators who reject are paid out of it, never more: the pool still
    /// loses nothing, and a contributor's loss is the validators' gain.
    function test_threat_rejectionFarming_validatorPayIsCappedByTheDeposit() public {
        stakeValidators(MIN_STAKE);
        uint96 deposit = 1 ether; // below the validator reward of 3 OPEN
        uint32 net = createDefaultNet(DatanetLimits(0, 0, 0, deposit, REWARD, VALIDATOR_REWARD));
        address[] memory wallets = newWallets("farmer", 2);
        address[] memory validators = new address[](3);
        (validators[0], validators[1], validators[2]) = (v1, v2, v3);
        uint256 poolBefore = datanets.getDatanet(net).pool;
        uint256 validatorsBefore = holdings(validators);

        bytes32[] memory junk = submitFromEach(net, wallets, 3, 2_000);
        review(net, junk, 0);
        collectAll(net, junk, validators, validators);

        assertEq(datanets.getDatanet(net).pool, poolBefore);
        // Six rejections, each paying the three validators one deposit between them (less rounding).
        assertApproxEqAbs(holdings(validators) - validatorsBefore, 6 * deposit, 10);
    }

    /// Attack: a party with fewer validators than the Datanet's minimum (one or two) and several
    /// contributor wallets submits to a default-rules Datanet and votes any way it likes on its own
    /// files. No decision is reached without three distinct validators, so nothing pays: for any
    /// numbers, the party ends with no more OPEN than it started with.
    function testFuzz_threat_selfDealing_belowTheValidatorMinimumGainsNothing(
        uint8 validatorCount,
        uint8 walletCount,
        uint8 filesEach,
        uint256 votes,
        uint96 deposit,
        uint96 reward,
        uint96 validatorReward
    ) public {
        validatorCount = uint8(bound(validatorCount, 1, 2));
        walletCount = uint8(bound(walletCount, 1, 5));
        filesEach = uint8(bound(filesEach, 1, 5));
        deposit = uint96(bound(deposit, 0, 50 ether));
        reward = uint96(bound(reward, 0, 50 ether));
        validatorReward = uint96(bound(validatorReward, 0, 50 ether));
        uint32 net = createDefaultNet(DatanetLimits(0, 0, 0, deposit, reward, validatorReward));
        address[3] memory all = [v1, v2, v3];
        address[] memory validators = new address[](validatorCount);
        for (uint256 i; i < validatorCount; ++i) {
            validators[i] = all[i];
            vm.prank(all[i]);
            staking.stake(MIN_STAKE);
        }
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        address[] memory wallets = newWallets("dealer", walletCount);
        address[] memory party = new address[](walletCount + validatorCount);
        for (uint256 i; i < walletCount; ++i) party[i] = wallets[i];
        for (uint256 i; i < validatorCount; ++i) party[walletCount + i] = validators[i];
        uint256 before = holdings(party);

        bytes32[] memory digests = submitFromEach(net, wallets, filesEach, 3_000);
        for (uint256 i; i < validatorCount; ++i) commitAs(validators[i], net, digests, votes);
        toRevealWindow();
        for (uint256 i; i < validatorCount; ++i) revealAs(validators[i], net, digests, votes);
        toFinalizable();
        datanets.finalize(net, digests);
        collectAll(net, digests, validators, party);

        for (uint256 i; i < digests.length; ++i) assertEq(uint8(statusOf(datanets.contributionIdOf(net, digests[i]))), uint8(Status.Expired));
        assertLe(holdings(party), before);
    }

    // ─── Pool lockout by empty wallets ───────────────────────────────────────

    /// Attack: on a deposit-free Datanet whose pool pays for `poolFiles` files, `sybils` wallets
    /// that hold no OPEN submit their whole daily quota (20 files each) to hold the pool for a
    /// review's length, so that honest contributors are refused "pool exhausted". On the old
    /// contracts each submission reserved its rewards and the honest submission reverted
    /// `InsufficientPool`. Submissions now reserve nothing: the honest contributor submits, is
    /// accepted and paid in full, and the sybils' files (rejected, or never reviewed and expired)
    /// take nothing out of the pool, however many wallets there are.
    function testFuzz_threat_poolLockout_emptyWalletsHoldNoShareOfThePool(uint8 sybils, uint8 poolFiles, bool reviewed)
        public
    {
        uint256 wallets = bound(sybils, 1, 12); // 12 × 20 files + 1 fits one 256-id review batch
        uint256 covered = bound(poolFiles, 1, 10);
        stakeValidators(MIN_STAKE);
        uint32 net = createTextNetWith(DatanetLimits(0, 0, 0, 0, REWARD, VALIDATOR_REWARD), 0);
        uint256 perFile = uint256(REWARD) + VALIDATOR_REWARD;
        vm.prank(owner);
        datanets.fund(net, covered * perFile);

        bytes32[] memory all = new bytes32[](wallets * 20 + 1);
        for (uint256 w; w < wallets; ++w) {
            address sybil = makeAddr(string.concat("emptySybil", vm.toString(w)));
            assertEq(open.balanceOf(sybil), 0);
            // One file at a time: a batch must fit the pool as it is, each single file does.
            for (uint256 i; i < 20; ++i) {
                all[w * 20 + i] = digestOf(50_000 + w * 20 + i);
                submitAs(sybil, net, all[w * 20 + i], 100);
            }
        }
        assertEq(datanets.getDatanet(net).pool, covered * perFile, "pending submissions hold part of the pool");

        address honest = makeAddr("honestContributor");
        bytes32 good = digestOf(99_999);
        all[wallets * 20] = good;
        submitAs(honest, net, good, 100);

        if (reviewed) {
            review(net, all, uint256(1) << (wallets * 20)); // only the honest file is approved
        } else {
            review(net, one(good), 1);
            datanets.finalize(net, all);
        }
        assertEq(uint8(statusOf(datanets.contributionIdOf(net, good))), uint8(Status.Accepted));
        Status sybilOutcome = reviewed ? Status.Rejected : Status.Expired;
        for (uint256 i; i < wallets * 20; ++i) {
            assertEq(uint8(statusOf(datanets.contributionIdOf(net, all[i]))), uint8(sybilOutcome));
        }
        (uint256 credits,,) = datanets.accountOf(honest);
        assertEq(credits, REWARD, "the honest contributor was not paid in full");
        assertEq(datanets.getDatanet(net).pool, (covered - 1) * perFile, "the sybils took OPEN out of the pool");
    }

    /// Nothing is reserved, so a pool can run dry while files are under review: the first accepted
    /// files are paid in full, and one that wins its review after the pool is empty expires instead
    /// (`ContributionUnfunded`, deposit refunded, no validator reward) and may be submitted again
    /// once the pool is funded. No one is ever paid from another Datanet's pool or from deposits.
    function test_threat_poolLockout_aPoolThatRunsDryExpiresTheRestUnfunded() public {
        stakeValidators(MIN_STAKE);
        uint96 deposit = 2 ether;
        uint32 net = createNet(DatanetLimits(0, 0, 0, deposit, REWARD, VALIDATOR_REWARD));
        uint256 perFile = uint256(REWARD) + VALIDATOR_REWARD;
        vm.prank(owner);
        datanets.fund(net, perFile);
        bytes32[] memory both = new bytes32[](2);
        (both[0], both[1]) = (digestOf(7_001), digestOf(7_002));
        submitAs(alice, net, both[0], 100);
        submitAs(bob, net, both[1], 100); // the pool covers one file's rewards at each submission
        uint256 bobBefore = open.balanceOf(bob);

        commitAs(v1, net, both, 3);
        toRevealWindow();
        revealAs(v1, net, both, 3);
        toFinalizable();
        bytes32 bobsId = datanets.contributionIdOf(net, both[1]);
        vm.expectEmit(address(datanets));
        emit IDatanetsEvents.ContributionUnfunded(bobsId, net, 0, perFile);
        assertEq(datanets.finalize(net, both), 2);

        assertEq(uint8(statusOf(datanets.contributionIdOf(net, both[0]))), uint8(Status.Accepted));
        assertEq(uint8(statusOf(bobsId)), uint8(Status.Expired));
        assertEq(datanets.getDatanet(net).pool, 0);
        (uint256 aliceCredits,,) = datanets.accountOf(alice);
        (uint256 bobCredits, uint256 bobAccepted,) = datanets.accountOf(bob);
        assertEq(aliceCredits, REWARD + deposit);
        assertEq(bobCredits, deposit, "the unfunded file's deposit is refunded");
        assertEq(bobAccepted, 0);
        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(net, both), VALIDATOR_REWARD, "paid for the unfunded file");

        // Funded again, the same content can come back.
        vm.prank(owner);
        datanets.fund(net, perFile);
        vm.prank(bob);
        datanets.claim(bob);
        submitAs(bob, net, both[1], 100);
        assertEq(open.balanceOf(bob), bobBefore);
    }

    /// Attack: with nothing reserved, a greedy owner pauses as files come in and empties the pool
    /// before they are paid. The pool stays until every submission made before the pause has had its
    /// review and one more reveal window to be finalised; the owner can take what is left after.
    function test_threat_poolLockout_greedyOwnerCannotPullThePoolFromUnderAReview() public {
        stakeValidators(MIN_STAKE);
        IDatanetsAdmin reg = IDatanetsAdmin(address(datanets));
        bytes32 digest = digestOf(8_001);
        submitAs(alice, textNet, digest, 100);
        uint256 pausedAt = block.timestamp;
        vm.prank(owner);
        reg.setDatanetPaused(textNet, true);
        uint256 pool = datanets.getDatanet(textNet).pool;
        uint256 unlocksAt = pausedAt + COMMIT_WINDOW + 2 * REVEAL_WINDOW;
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.PoolLocked.selector, textNet, block.timestamp, unlocksAt));
        reg.withdrawPool(textNet, pool, owner);

        review(textNet, one(digest), 1); // ends after the review, inside the extra reveal window
        assertLt(block.timestamp, unlocksAt);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.PoolLocked.selector, textNet, block.timestamp, unlocksAt));
        reg.withdrawPool(textNet, 1, owner);
        (uint256 credits,,) = datanets.accountOf(alice);
        assertEq(credits, REWARD);

        // Pausing again while paused does not restart the wait.
        vm.prank(owner);
        reg.setDatanetPaused(textNet, true);
        vm.warp(unlocksAt);
        uint256 left = datanets.getDatanet(textNet).pool;
        assertEq(left, pool - REWARD - VALIDATOR_REWARD);
        vm.prank(owner);
        reg.withdrawPool(textNet, left, owner);
        assertEq(datanets.getDatanet(textNet).pool, 0);
    }

    // ─── Terms changed under a pending submission ────────────────────────────

    /// Attack: the owner watches the mempool and, in front of a contributor's submission, raises the
    /// deposit and cuts the reward. The submission carries the terms version the contributor saw, so
    /// it reverts naming both versions, and nothing is taken from the contributor.
    function test_threat_termsChangedInFront_submissionRevertsAndTakesNothing() public {
        uint32 net = createNet(DatanetLimits(0, 0, 0, 0, REWARD, VALIDATOR_REWARD));
        vm.prank(owner);
        datanets.fund(net, 1_000 ether);
        uint16 seen = terms(net);
        assertEq(seen, datanets.getDatanet(net).termsVersion, "terms() reads the Datanet's slot");
        // The owner's transaction lands first.
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(net, DatanetLimits(0, 0, 0, 500 ether, 1, 0));
        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.TermsChanged.selector, net, seen, seen + 1));
        datanets.submit(net, file(digestOf(1), 100), seen);
        FileRef[] memory two = new FileRef[](2);
        (two[0], two[1]) = (file(digestOf(2), 100), file(digestOf(3), 100));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.TermsChanged.selector, net, seen, seen + 1));
        datanets.submitBatch(net, two, seen);
        assertEq(open.balanceOf(alice), before);
        assertEq(datanets.getDatanet(net).submissions, 0);
        assertEq(terms(net), datanets.getDatanet(net).termsVersion);
        assertEq(terms(net), seen + 1);
        // Accepting the new terms, knowingly, works.
        vm.prank(alice);
        datanets.submit(net, file(digestOf(1), 100), seen + 1);
        assertEq(open.balanceOf(alice), before - 500 ether);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// Attack: governance raises the slash rate to 100 % after validators committed, then slashes
    /// an unrevealed vote. The rate is the one in force at the commit.
    function test_threat_greedyAdmin_raisedSlashRateMissesEarlierCommitments() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        submitAs(alice, textNet, digest, 100);
        uint256 committedAt = block.timestamp;
        bytes32 key = commitAs(v1, textNet, one(digest), 1);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(10 * 1024 * 1024, 10 * 1024 * 1024, 20, 10_000);
        vm.warp(committedAt + 2 * MAX_WINDOW);
        uint256 atCommit = MIN_STAKE * datanets.DEFAULT_SLASH_BPS() / 10_000;
        assertEq(datanets.slashUnrevealed(key), atCommit);
        (uint256 active,,,,) = staking.positionOf(v1);
        assertEq(active, MIN_STAKE - atCommit);
    }

    /// Ownership moves in two steps: only the offered account can take it, and the former owner
    /// keeps no rights afterwards.
    function test_threat_ownershipTransfer_onlyTheOfferedAccountTakesIt() public {
        IDatanetsAdmin reg = IDatanetsAdmin(address(datanets));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotDatanetOwner.selector, textNet, bob, owner));
        reg.transferDatanetOwnership(textNet, bob);
        vm.prank(owner);
        reg.transferDatanetOwnership(textNet, alice);
        assertEq(datanets.getDatanet(textNet).pendingOwner, alice);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotPendingOwner.selector, textNet, bob, alice));
        reg.acceptDatanetOwnership(textNet);
        // Until it is accepted, the owner keeps every right.
        vm.prank(owner);
        reg.setDatanetPaused(textNet, true);
        vm.prank(alice);
        reg.acceptDatanetOwnership(textNet);
        assertEq(datanets.getDatanet(textNet).owner, alice);
        assertEq(datanets.getDatanet(textNet).pendingOwner, address(0));
        vm.warp(block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW); // the pool's wait after a pause
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotDatanetOwner.selector, textNet, owner, alice));
        reg.withdrawPool(textNet, 1 ether, owner);
        vm.prank(alice);
        reg.withdrawPool(textNet, 1 ether, alice);
    }

    // ─── Double claims ──────────────────────────────────────────────────────

    function test_threat_doubleClaim_eachClaimPaysOnce() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        bytes32 id = decided(alice, textNet, digest, 100, 1);

        // Contributor rewards.
        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        assertEq(datanets.claim(alice), REWARD);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NothingToClaim.selector, alice));
        datanets.claim(alice);
        assertEq(open.balanceOf(alice), before + REWARD);

        // Validator rewards.
        bytes32[] memory ds = one(digest);
        bytes32 key = datanets.commitmentKey(v1, textNet, keccak256(abi.encodePacked(idsOf(textNet, ds))));
        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(textNet, ds), VALIDATOR_REWARD / 3);
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RewardsAlreadyClaimed.selector, key));
        datanets.claimValidatorRewards(textNet, ds);
        (uint256 credits,,) = datanets.accountOf(v1);
        assertEq(credits, VALIDATOR_REWARD / 3);

        // Attribution: a one-leaf dataset (the root is the leaf, the proof is empty).
        bytes32 leaf = models.leafOf(id, alice, 4);
        uint256 modelId = registerModel(leaf, 4);
        pay(modelId, 100 ether); // 20 % to contributors
        bytes32[] memory proof = new bytes32[](0);
        assertEq(models.claimAttribution(modelId, id, alice, 4, proof), 20 ether);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NothingToClaim.selector, modelId, leaf));
        models.claimAttribution(modelId, id, alice, 4, proof);
        // A new payment pays only what is new.
        pay(modelId, 50 ether);
        assertEq(models.claimAttribution(modelId, id, alice, 4, proof), 10 ether);
        (,,,,,, uint256 fees,, uint256 paid) = models.getModel(modelId);
        assertEq(fees, 30 ether);
        assertEq(paid, 30 ether);
        assertEq(open.balanceOf(address(models)), 0);
    }

    // ─── Front-running a finalisation batch ────────────────────────────────

    /// A mempool watcher sees a batch `finalize` and finalises one of its ids first. On the old
    /// contracts the batch then reverted with NotPending, so anyone could stall every keeper's batch
    /// for the price of one id; now the batch skips what is already final and reports the count.
    function test_threat_frontRunFinalize_batchSkipsWhatIsAlreadyFinal() public {
        bytes32[] memory batch = new bytes32[](3);
        for (uint256 i; i < 3; ++i) {
            batch[i] = digestOf(900 + i);
            submitAs(alice, textNet, batch[i], 100);
        }
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        address watcher = makeAddr("mempoolWatcher");
        vm.prank(watcher);
        assertEq(datanets.finalize(textNet, one(batch[1])), 1);
        assertEq(datanets.finalize(textNet, batch), 2);
        for (uint256 i; i < 3; ++i) {
            assertEq(uint8(statusOf(datanets.contributionIdOf(textNet, batch[i]))), uint8(Status.Expired));
        }
        // Replaying the whole batch changes nothing and does not revert.
        assertEq(datanets.finalize(textNet, batch), 0);
    }

    // ─── Fake dataset root ──────────────────────────────────────────────────

    /// A manifest naming contributions that are not accepted, not the named contributor's, or weighed
    /// other than by size is judged leaf by leaf by `leafFault`, which is what a challenge (and the
    /// indexer) uses. Whatever such leaves claim comes only out of that model's contributor share;
    /// honest leaves of other models are untouched.
    function test_threat_fakeDatasetRoot_isExposedLeafByLeaf() public {
        stakeValidators(MIN_STAKE);
        bytes32 accepted = decided(alice, textNet, digestOf(1), 100, 1);
        bytes32 rejected = decided(bob, textNet, digestOf(2), 100, 0);
        bytes32 pending = submitAs(alice, textNet, digestOf(3), 100);
        bytes32 unknown = datanets.contributionIdOf(textNet, digestOf(4));

        bytes32[6] memory ids = [rejected, pending, unknown, accepted, accepted, accepted];
        address[6] memory named = [bob, alice, alice, bob, alice, alice];
        uint256[6] memory weights = [uint256(100), 100, 100, 100, 10, 100];
        LeafFault[6] memory expected = [
            LeafFault.NotAccepted,
            LeafFault.NotAccepted,
            LeafFault.NotAccepted,
            LeafFault.WrongContributor, // alice's work, claimed for bob
            LeafFault.WrongWeight, // alice's 100 bytes weighed at 10
            LeafFault.None // the one honest leaf
        ];
        bytes32[] memory leaves = new bytes32[](6);
        for (uint256 i; i < 6; ++i) {
            leaves[i] = models.leafOf(ids[i], named[i], weights[i]);
        }
        uint256 modelId = registerModel(MerkleTreeBuilder.root(leaves), 510);
        uint32[] memory nets = new uint32[](1);
        nets[0] = textNet;
        for (uint256 i; i < 6; ++i) {
            LeafEvidence memory e = LeafEvidence(ids[i], named[i], weights[i], textNet, digestOf(i < 3 ? i + 2 : 1));
            LeafFault fault = models.leafFault(modelId, e, MerkleTreeBuilder.proof(leaves, i), nets);
            assertEq(uint8(fault), uint8(expected[i]));
        }

        // A second, honest model's fees stay out of reach of the dishonest one's claims (the window
        // passed with no challenge, so both took fees).
        bytes32[] memory honest = new bytes32[](1);
        honest[0] = models.leafOf(accepted, alice, 100);
        uint256 honestId = registerModel(honest[0], 100);
        pay(honestId, 100 ether); // 20 OPEN for its contributors
        pay(modelId, 100 ether); // 20 OPEN for the dishonest model's leaves
        for (uint256 i; i < 6; ++i) {
            if (i == 5) continue; // the same leaf as the honest model's: claimed below from that model
            models.claimAttribution(modelId, ids[i], named[i], weights[i], MerkleTreeBuilder.proof(leaves, i));
        }
        (,,,,,, uint256 fees,, uint256 paid) = models.getModel(modelId);
        assertLe(paid, fees, "the dishonest model paid out of its own contributor share, no more");
        assertEq(open.balanceOf(address(models)), 20 ether + fees - paid, "the honest model's share is intact");
    }

    /// A trainer colluding with one contributor registers a model whose manifest gives that
    /// contributor's leaf almost all the weight, to take nearly all of the contributors' share of every
    /// fee. On the old contracts nothing stopped it: the leaf was under the root, the claim paid it.
    /// Now the weight must be the contribution's size; a watcher proves the heavy leaf wrong inside
    /// the window, takes half the bond (the treasury the rest), and the model never takes a fee. The
    /// colluders end poorer by the bond, for any weight they choose and any bond governance set; if
    /// the trainer front-runs the watcher with a challenge of its own, it still loses half.
    function testFuzz_threat_attributionWeights_heavyLeafLosesTheBond(uint256 inflation, uint96 bond, uint32 size)
        public
    {
        inflation = bound(inflation, 1, 1e12);
        bond = uint96(bound(bond, 0, 10_000 ether));
        size = uint32(bound(size, 1, 64 * 1024));
        vm.prank(admin);
        models.setModelBond(bond, CHALLENGE_WINDOW);
        HeavyLeaf memory a = _heavyLeafModel(inflation, size);

        // Half the runs, the trainer sees the watcher's challenge coming and sends its own first.
        bool frontRun = inflation % 2 == 0;
        _challengeAs(frontRun ? trainer : makeAddr("watcher"), a.modelId, a.heavy, a.proof, LeafFault.WrongWeight, bond / 2);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.prank(makeAddr("payer"));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalid.selector, a.modelId));
        models.payForModel(a.modelId, 1_000 ether);
        assertEq(
            open.balanceOf(a.heavy.contributor) + open.balanceOf(trainer),
            a.colludersBefore - (frontRun ? bond - bond / 2 : bond),
            "the colluders lose the bond, or half of it when they front-run the watcher"
        );
    }

    struct HeavyLeaf {
        uint256 modelId;
        LeafEvidence heavy;
        bytes32[] proof;
        uint256 colludersBefore;
    }

    /// @dev A colluder's accepted file of `size` bytes and alice's of 50,000, in a model whose
    /// manifest weighs the colluder's leaf `inflation` times its size (plus one).
    function _heavyLeafModel(uint256 inflation, uint32 size) internal returns (HeavyLeaf memory a) {
        stakeValidators(MIN_STAKE);
        address colluder = makeAddr("colluder");
        vm.prank(admin);
        open.transfer(colluder, 1_000 ether);
        vm.prank(colluder);
        open.approve(address(datanets), type(uint256).max);
        bytes32 mine = decided(colluder, textNet, digestOf(1), size, 1);
        bytes32 hers = decided(alice, textNet, digestOf(2), 50_000, 1);
        a.colludersBefore = open.balanceOf(colluder) + open.balanceOf(trainer);
        a.heavy = LeafEvidence(mine, colluder, uint256(size) * inflation + 1, textNet, digestOf(1));
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = models.leafOf(mine, colluder, a.heavy.weight);
        leaves[1] = models.leafOf(hers, alice, 50_000);
        a.proof = MerkleTreeBuilder.proof(leaves, 0);
        vm.prank(trainer);
        a.modelId = models.registerModel(spec(MerkleTreeBuilder.root(leaves), uint128(a.heavy.weight + 50_000)));
    }

    function _challengeAs(
        address watcher,
        uint256 modelId,
        LeafEvidence memory leaf,
        bytes32[] memory proof,
        LeafFault expected,
        uint256 bond
    ) internal {
        uint32[] memory nets = new uint32[](1);
        nets[0] = textNet;
        uint256 before = open.balanceOf(watcher);
        vm.prank(watcher);
        assertEq(uint8(models.challengeLeaf(modelId, leaf, proof, nets)), uint8(expected));
        assertEq(open.balanceOf(watcher) - before, bond, "the challenger takes half the bond");
    }

    /// Leaf weights summing above the registered total cannot pay out more than the model's fees, and
    /// other models' fees are untouched.
    function test_threat_fakeDatasetRoot_inflatedWeightsCannotTakeOtherFees() public {
        stakeValidators(MIN_STAKE);
        bytes32 aliceId = decided(alice, textNet, digestOf(1), 100, 1);
        bytes32 bobId = decided(bob, textNet, digestOf(2), 100, 1);

        // An honest model: weights 3 + 1 = 4.
        bytes32[] memory honest = new bytes32[](2);
        honest[0] = models.leafOf(aliceId, alice, 3);
        honest[1] = models.leafOf(bobId, bob, 1);
        uint256 honestId = registerModel(MerkleTreeBuilder.root(honest), 4);
        pay(honestId, 100 ether); // 20 OPEN to contributors

        // An inflated one: leaves of 100 + 100 under a registered total of 100.
        bytes32[] memory inflated = new bytes32[](2);
        inflated[0] = models.leafOf(aliceId, alice, 100);
        inflated[1] = models.leafOf(bobId, bob, 100);
        uint256 inflatedId = registerModel(MerkleTreeBuilder.root(inflated), 100);
        pay(inflatedId, 1_000 ether); // 200 OPEN to contributors
        assertEq(open.balanceOf(address(models)), 220 ether);

        // The first leaf takes all of the inflated model's fees; the second is refused.
        assertEq(models.claimAttribution(inflatedId, aliceId, alice, 100, MerkleTreeBuilder.proof(inflated, 0)), 200 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.AttributionExceedsFees.selector, inflatedId, 200 ether, 200 ether, 200 ether
            )
        );
        models.claimAttribution(inflatedId, bobId, bob, 100, MerkleTreeBuilder.proof(inflated, 1));

        // The honest model's fees are all still there and pay exactly by weight.
        (,,,,,, uint256 fees,, uint256 paid) = models.getModel(honestId);
        assertEq(fees, 20 ether);
        assertEq(paid, 0);
        assertEq(open.balanceOf(address(models)), 20 ether);
        assertEq(models.claimAttribution(honestId, aliceId, alice, 3, MerkleTreeBuilder.proof(honest, 0)), 15 ether);
        assertEq(models.claimAttribution(honestId, bobId, bob, 1, MerkleTreeBuilder.proof(honest, 1)), 5 ether);
        assertEq(open.balanceOf(address(models)), 0);
    }
}

/// @notice An ERC-20 that calls back into whatever it is armed with during a transfer, as a hostile
/// (or hooked) token would.
contract HostileToken is OpenToken {
    address public target;
    bytes public payload;
    bool public bubble; // revert the transfer with the re-entry's error
    bool public armed;
    uint256 public attempts;
    bool public lastSuccess;
    bytes public lastReturn;

    constructor(address holder) OpenToken(holder) {}

    function arm(address target_, bytes calldata payload_, bool bubble_) external {
        target = target_;
        payload = payload_;
        bubble = bubble_;
        armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!armed) return;
        armed = false;
        attempts++;
        (bool ok, bytes memory ret) = target.call(payload);
        lastSuccess = ok;
        lastReturn = ret;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

/// @notice Reentrancy: the protocol deployed over a token that re-enters on transfer.
contract ReentrancyThreatsTest is ThreatBase {
    HostileToken internal hostile;
    bytes32 internal aliceId;
    uint256 internal modelId;

    /// @dev Base's deployment, over the hostile token; then alice has an accepted contribution (10 OPEN
    /// credited), a model is trained on it and paid 100 OPEN (20 to its one leaf).
    function setUp() public override {
        vm.warp(1_767_225_600);
        hostile = new HostileToken(admin);
        open = hostile;
        staking = new ValidatorStaking(open, admin, treasury, MIN_STAKE, ACTIVATION_DELAY, UNBONDING);
        datanets = new Datanets(open, staking, admin, MAX_WINDOW, MAX_WINDOW);
        models = new ModelRegistry(open, datanets, admin, treasury, 7_000, 1_000, MODEL_BOND, CHALLENGE_WINDOW);
        vm.startPrank(admin);
        staking.bindDatanets(address(datanets));
        models.grantRole(models.TRAINER_ROLE(), trainer);
        address[8] memory people = [owner, alice, bob, trainer, v1, v2, v3, makeAddr("payer")];
        for (uint256 i; i < people.length; ++i) {
            open.transfer(people[i], 1_000_000 ether);
        }
        vm.stopPrank();
        for (uint256 i; i < people.length; ++i) {
            vm.startPrank(people[i]);
            open.approve(address(datanets), type(uint256).max);
            open.approve(address(staking), type(uint256).max);
            open.approve(address(models), type(uint256).max);
            vm.stopPrank();
        }
        textNet = createTextNet(REWARD, VALIDATOR_REWARD, 0);
        vm.prank(owner);
        datanets.fund(textNet, 10_000 ether);

        stakeValidators(MIN_STAKE);
        aliceId = decided(alice, textNet, digestOf(1), 100, 1);
        modelId = registerModel(models.leafOf(aliceId, alice, 1), 1);
        pay(modelId, 100 ether);
    }

    /// @dev What every re-entered guarded function reverts with.
    function guardError() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
    }

    function _noProof() internal pure returns (bytes32[] memory) {
        return new bytes32[](0);
    }

    function _assertBlocked() internal view {
        assertEq(hostile.attempts(), 1);
        assertFalse(hostile.lastSuccess());
        assertEq(hostile.lastReturn(), guardError());
    }

    /// claim → transfer → claim again.
    function test_threat_reentrancy_claim() public {
        hostile.arm(address(datanets), abi.encodeCall(Datanets.claim, (alice)), true);
        vm.prank(alice);
        vm.expectRevert(guardError());
        datanets.claim(alice);

        uint256 held = open.balanceOf(address(datanets));
        uint256 before = open.balanceOf(alice);
        hostile.arm(address(datanets), abi.encodeCall(Datanets.claim, (alice)), false);
        vm.prank(alice);
        assertEq(datanets.claim(alice), REWARD);
        _assertBlocked();
        assertEq(open.balanceOf(alice), before + REWARD);
        assertEq(open.balanceOf(address(datanets)), held - REWARD);
        (uint256 credits,,) = datanets.accountOf(alice);
        assertEq(credits, 0);
    }

    /// fund → transferFrom → withdrawPool (cross-function).
    function test_threat_reentrancy_fund() public {
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.warp(block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW); // the pool's wait after a pause
        uint256 pool = datanets.getDatanet(textNet).pool;
        bytes memory reenter = abi.encodeCall(IDatanetsAdmin.withdrawPool, (textNet, pool, owner));
        hostile.arm(address(datanets), reenter, true);
        vm.prank(owner);
        vm.expectRevert(guardError());
        datanets.fund(textNet, 1 ether);

        uint256 held = open.balanceOf(address(datanets));
        hostile.arm(address(datanets), reenter, false);
        vm.prank(owner);
        datanets.fund(textNet, 1 ether);
        _assertBlocked();
        assertEq(datanets.getDatanet(textNet).pool, pool + 1 ether);
        assertEq(open.balanceOf(address(datanets)), held + 1 ether);
    }

    /// withdrawPool → transfer → withdrawPool again.
    function test_threat_reentrancy_withdrawPool() public {
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.warp(block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW); // the pool's wait after a pause
        uint256 pool = datanets.getDatanet(textNet).pool;
        bytes memory reenter = abi.encodeCall(IDatanetsAdmin.withdrawPool, (textNet, 1 ether, owner));
        hostile.arm(address(datanets), reenter, true);
        vm.prank(owner);
        vm.expectRevert(guardError());
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 100 ether, owner);

        uint256 held = open.balanceOf(address(datanets));
        uint256 before = open.balanceOf(owner);
        hostile.arm(address(datanets), reenter, false);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 100 ether, owner);
        _assertBlocked();
        assertEq(datanets.getDatanet(textNet).pool, pool - 100 ether);
        assertEq(open.balanceOf(owner), before + 100 ether);
        assertEq(open.balanceOf(address(datanets)), held - 100 ether);
    }

    /// payForModel → transferFrom → claimAttribution (cross-function).
    function test_threat_reentrancy_payForModel() public {
        bytes memory reenter = abi.encodeCall(ModelRegistry.claimAttribution, (modelId, aliceId, alice, 1, _noProof()));
        hostile.arm(address(models), reenter, true);
        vm.prank(makeAddr("payer"));
        vm.expectRevert(guardError());
        models.payForModel(modelId, 10 ether);

        hostile.arm(address(models), reenter, false);
        pay(modelId, 10 ether);
        _assertBlocked();
        (,,,,,, uint256 fees,, uint256 paid) = models.getModel(modelId);
        assertEq(fees, 22 ether);
        assertEq(paid, 0);
        assertEq(open.balanceOf(address(models)), 22 ether);
    }

    /// claimAttribution → transfer → claimAttribution again.
    function test_threat_reentrancy_claimAttribution() public {
        bytes memory reenter = abi.encodeCall(ModelRegistry.claimAttribution, (modelId, aliceId, alice, 1, _noProof()));
        hostile.arm(address(models), reenter, true);
        vm.expectRevert(guardError());
        models.claimAttribution(modelId, aliceId, alice, 1, _noProof());

        uint256 before = open.balanceOf(alice);
        hostile.arm(address(models), reenter, false);
        assertEq(models.claimAttribution(modelId, aliceId, alice, 1, _noProof()), 20 ether);
        _assertBlocked();
        assertEq(open.balanceOf(alice), before + 20 ether);
        (,,,,,, uint256 fees,, uint256 paid) = models.getModel(modelId);
        assertEq(fees, 20 ether);
        assertEq(paid, 20 ether);
        assertEq(open.balanceOf(address(models)), 0);
    }

    /// submit → deposit transferFrom → submit again.
    function test_threat_reentrancy_submitDeposit() public {
        uint32 net = createNet(DatanetLimits(0, 0, 0, 1 ether, 0, 0));
        bytes memory reenter = abi.encodeCall(Datanets.submit, (net, file(digestOf(9), 10), terms(net)));
        hostile.arm(address(datanets), reenter, true);
        vm.prank(bob);
        vm.expectRevert(guardError());
        datanets.submit(net, file(digestOf(8), 10), terms(net));

        hostile.arm(address(datanets), reenter, false);
        submitAs(bob, net, digestOf(8), 10);
        _assertBlocked();
        assertEq(datanets.getDatanet(net).submissions, 1);
        assertEq(uint8(statusOf(datanets.contributionIdOf(net, digestOf(9)))), uint8(Status.None));
    }
}
