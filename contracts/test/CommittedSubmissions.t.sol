// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {ReviewHelpers} from "./helpers/ReviewHelpers.sol";
import {Modality, Format, CidCodec, Formats} from "../libraries/Formats.sol";
import {
    IDatanetsErrors, IDatanetsEvents, Status, DatanetLimits, ReviewRules, FileRef
} from "../interfaces/IDatanets.sol";

/// @notice Issue 12, finding 5: someone watching the mempool copies a contributor's pending
/// submission, to take its credit or (with wrong claims) to have it rejected so that the owner can
/// never submit it. A contributor who commits first (`commitSubmission`, then `submitCommitted`)
/// displaces such a copy: duplicates are bound to the first commitment, not the first submission.
contract CommittedSubmissionsTest is ReviewHelpers {
    uint96 internal constant DEPOSIT = 5 ether;
    uint32 internal net;
    address internal watcher = makeAddr("watcher");
    bytes32 internal constant ALICE_SALT = keccak256("alice's salt");
    bytes32 internal constant WATCHER_SALT = keccak256("watcher's salt");

    function setUp() public override {
        super.setUp();
        // The protocol's default review rules: three distinct validators decide.
        vm.prank(owner);
        net = IDatanetsAdmin(address(datanets)).createDatanet(
            Modality.Text,
            Formats.TEXT_FORMATS,
            keccak256("metadata"),
            CidCodec.Raw,
            DatanetLimits(0, 0, 0, DEPOSIT, REWARD, VALIDATOR_REWARD),
            ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 0, 0)
        );
        vm.prank(owner);
        datanets.fund(net, 10_000 ether);
        vm.prank(admin);
        open.transfer(watcher, 1_000 ether);
        vm.prank(watcher);
        open.approve(address(datanets), type(uint256).max);
        stakeValidators(MIN_STAKE);
    }

    // ─── helpers ────────────────────────────────────────────────────────────

    function admin_() internal view returns (IDatanetsAdmin) {
        return IDatanetsAdmin(address(datanets));
    }

    function files1(FileRef memory f) internal pure returns (FileRef[] memory a) {
        a = new FileRef[](1);
        a[0] = f;
    }

    function commitmentOf(address who, FileRef[] memory fs, bytes32 salt) internal view returns (bytes32) {
        bytes32[] memory digests = new bytes32[](fs.length);
        for (uint256 i; i < fs.length; ++i) {
            digests[i] = fs[i].digest;
        }
        return admin_().submissionCommitmentOf(who, net, keccak256(abi.encodePacked(digests)), salt);
    }

    function commitFor(address who, FileRef[] memory fs, bytes32 salt) internal returns (bytes32 key) {
        key = commitmentOf(who, fs, salt);
        vm.prank(who);
        admin_().commitSubmission(key);
    }

    function submitCommittedAs(address who, FileRef[] memory fs, bytes32 salt) internal returns (bytes32 first) {
        uint16 version = terms(net);
        vm.prank(who);
        bytes32[] memory ids = datanets.submitCommitted(net, fs, version, salt);
        first = ids[0];
    }

    function contributorOf(bytes32 id) internal view returns (address who) {
        (, who) = datanets.statusOf(id);
    }

    /// @dev The three validators commit `votes` on `digests`, reveal, and the contributions are finalised.
    function review(uint32 datanetId, bytes32[] memory digests, uint256 votes) internal {
        commitAs(v1, datanetId, digests, votes);
        commitAs(v2, datanetId, digests, votes);
        commitAs(v3, datanetId, digests, votes);
        toRevealWindow();
        revealAs(v1, datanetId, digests, votes);
        revealAs(v2, datanetId, digests, votes);
        revealAs(v3, datanetId, digests, votes);
        toFinalizable();
        datanets.finalize(datanetId, digests);
    }

    function claimAll(address who) internal {
        if (creditsOf(who) == 0) return;
        vm.prank(who);
        datanets.claim(who);
    }

    // ─── the attacks ────────────────────────────────────────────────────────

    /// Attack: a watcher sees Alice's submission in the mempool and sends the same file first, to be
    /// credited with it. Alice committed before sending, so her transaction, landing right after the
    /// copy, displaces it: she is the contributor, the watcher gets its deposit back and nothing else.
    function test_threat_mempoolCopy_committedOwnerKeepsTheCredit() public {
        FileRef[] memory fs = files1(file(digestOf(1), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 12);
        uint256 watcherBefore = open.balanceOf(watcher);
        // The copy lands first, in the same block as Alice's own transaction.
        bytes32 id = submitAs(watcher, net, fs[0].digest, 1_000);
        assertEq(contributorOf(id), watcher);
        vm.expectEmit(address(datanets));
        emit IDatanetsEvents.ContributionDisplaced(id, net, watcher, alice, DEPOSIT);
        submitCommittedAs(alice, fs, ALICE_SALT);
        assertEq(contributorOf(id), alice);
        (bool displaced, uint256 age) = admin_().claimOf(id);
        assertTrue(displaced);
        assertEq(age, 12);
        assertEq(creditsOf(watcher), DEPOSIT, "the copy's deposit is credited back");

        // Votes committed in the displacement's own second belong to the copy: the validators commit later.
        vm.warp(block.timestamp + 1);
        review(net, one(fs[0].digest), 1);
        assertEq(uint8(statusOf(id)), uint8(Status.Accepted));
        assertEq(creditsOf(alice), REWARD + DEPOSIT);
        (, uint256 acceptedCount,) = datanets.accountOf(watcher);
        assertEq(acceptedCount, 0, "the watcher has no accepted work");
        claimAll(watcher);
        assertEq(open.balanceOf(watcher), watcherBefore, "the watcher ends where it started");
    }

    /// Attack: the watcher copies Alice's file with a wrong declared size and format, so that the
    /// review rejects it and the content can never be submitted again. A validator has already
    /// committed a rejection on the copy. Alice's committed submission displaces the copy: a new
    /// round opens on her claims, and the validator's vote on the copy counts nowhere, yet it can be
    /// revealed, so the validator is not slashed for it.
    function test_threat_mempoolCensor_wrongClaimsCopyIsDisplacedAndItsVotesCountNowhere() public {
        FileRef[] memory fs = files1(file(digestOf(2), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 5);
        FileRef memory wrong = FileRef(fs[0].digest, CidCodec.Raw, Format.Csv, 9_999);
        vm.prank(watcher);
        bytes32 id = datanets.submit(net, wrong, terms(net));
        vm.warp(block.timestamp + 30);
        bytes32 early = commitAs(v1, net, one(fs[0].digest), 0);
        vm.warp(block.timestamp + 30);
        submitCommittedAs(alice, fs, ALICE_SALT);
        (, Status status,, uint256 size, Format format,,,,,) = datanets.getContribution(id);
        assertEq(uint8(status), uint8(Status.Pending));
        assertEq(size, 1_000);
        assertEq(uint8(format), uint8(Format.Txt));

        // The vote on the copy is revealed at once and moves no tally.
        revealAs(v1, net, one(fs[0].digest), 0);
        (,,,,,,, uint256 approveStake, uint256 rejectStake,) = datanets.getContribution(id);
        assertEq(approveStake + rejectStake, 0, "a vote on the displaced copy counts nowhere");
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentClosed.selector, early));
        datanets.slashUnrevealed(early);

        // The new round is reviewed on Alice's claims and accepted for her.
        vm.warp(block.timestamp + 1);
        review(net, one(fs[0].digest), 1);
        assertEq(uint8(statusOf(id)), uint8(Status.Accepted));
        assertEq(contributorOf(id), alice);
        // v1's first commitment earns nothing (it voted on a round that no longer exists).
        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(net, one(fs[0].digest)), VALIDATOR_REWARD / 3);
    }

    /// Attack: the watcher sees Alice's committed submission in the mempool and commits to the same
    /// content itself, then submits under that commitment. Alice's commitment is the earlier one, so
    /// whichever lands first, the content stays hers.
    function test_threat_mempoolCopy_laterCommitmentNeverWins() public {
        FileRef[] memory fs = files1(file(digestOf(3), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        uint256 aliceCommittedAt = block.timestamp;
        vm.warp(block.timestamp + 12);
        commitFor(watcher, fs, WATCHER_SALT);
        uint256 watcherCommittedAt = block.timestamp;
        vm.warp(block.timestamp + 12);
        // A block builder held Alice's transaction back: the watcher's committed copy lands first.
        bytes32 id = submitCommittedAs(watcher, fs, WATCHER_SALT);
        vm.warp(block.timestamp + 12);
        submitCommittedAs(alice, fs, ALICE_SALT);
        assertEq(contributorOf(id), alice);
        assertEq(creditsOf(watcher), DEPOSIT);

        // The other order: Alice lands first, and the watcher's copy is refused with both times.
        FileRef[] memory gs = files1(file(digestOf(4), 1_000));
        commitFor(alice, gs, ALICE_SALT);
        aliceCommittedAt = block.timestamp;
        vm.warp(block.timestamp + 12);
        commitFor(watcher, gs, WATCHER_SALT);
        watcherCommittedAt = block.timestamp;
        vm.warp(block.timestamp + 12);
        bytes32 gid = submitCommittedAs(alice, gs, ALICE_SALT);
        vm.warp(block.timestamp + 1);
        vm.prank(watcher);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.EarlierClaim.selector,
                gid,
                watcherCommittedAt,
                aliceCommittedAt,
                block.timestamp - 1 + COMMIT_WINDOW
            )
        );
        datanets.submitCommitted(net, gs, terms(net), WATCHER_SALT);
    }

    /// Attack: a validator commits on the copy in the very second the owner displaces it, then
    /// commits again on the new round (in a batch with another file, so under another key), to vote
    /// twice. A vote committed in the displacement's second belongs to the old round and counts
    /// nowhere, so the validator counts once.
    function test_threat_displacementSecond_validatorCannotVoteTwice() public {
        FileRef[] memory fs = files1(file(digestOf(5), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 10);
        bytes32 id = submitAs(watcher, net, fs[0].digest, 1_000);
        vm.warp(block.timestamp + 10);
        commitAs(v1, net, one(fs[0].digest), 1); // the same second as the displacement below
        submitCommittedAs(alice, fs, ALICE_SALT);
        // Committing on the new round in its first second is refused: from then on, it is a new vote.
        uint256 opened = block.timestamp;
        bytes32 sealedNow = seal(v2, net, one(fs[0].digest), 1, keccak256("now"));
        vm.prank(v2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.NotInCommitWindow.selector, id, opened, opened + 1, opened + COMMIT_WINDOW
            )
        );
        datanets.commit(net, one(fs[0].digest), sealedNow);
        submitAs(bob, net, digestOf(15), 100);
        vm.warp(block.timestamp + 1);
        bytes32[] memory both = new bytes32[](2);
        (both[0], both[1]) = (fs[0].digest, digestOf(15));
        commitAs(v1, net, both, 3);
        toRevealWindow();
        revealAs(v1, net, one(fs[0].digest), 1);
        revealAs(v1, net, both, 3);
        (,,,,,,, uint256 approveStake,,) = datanets.getContribution(id);
        assertEq(approveStake, MIN_STAKE, "one validator, one vote");
        toFinalizable();
        datanets.finalize(net, one(fs[0].digest));
        assertEq(uint8(statusOf(id)), uint8(Status.Expired), "one validator does not decide (minimum 3)");
    }

    /// An honest validator who committed on a copy that was then displaced votes again on the new
    /// round under the same key: its commitment on the copy is closed without a slash.
    function test_committed_votingAgainOnTheNewRoundIsNotSlashed() public {
        FileRef[] memory fs = files1(file(digestOf(16), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 10);
        bytes32 id = submitAs(watcher, net, fs[0].digest, 1_000);
        vm.warp(block.timestamp + 10);
        commitAs(v1, net, one(fs[0].digest), 0);
        vm.warp(block.timestamp + 10);
        submitCommittedAs(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 1);
        (uint256 stakeBefore,,,,) = staking.positionOf(v1);
        review(net, one(fs[0].digest), 1);
        (uint256 stakeAfter,,,,) = staking.positionOf(v1);
        assertEq(stakeAfter, stakeBefore, "not slashed");
        assertEq(staking.openVotes(v1), 0);
        assertEq(uint8(statusOf(id)), uint8(Status.Accepted));
    }

    /// A watcher who copies with any delay, with or without a commitment of its own (made after
    /// Alice's), and Alice's transaction landing any time later: while the copy is in its commit
    /// window and the watcher's commitment is not older than the claim byte records (127 s), Alice
    /// keeps the content and the watcher ends with exactly what it had. Otherwise the copy stands
    /// and Alice's submission is refused with the times that decided it.
    function testFuzz_threat_mempoolCopy_watcherNeverGains(
        uint16 watcherDelay,
        bool watcherCommits,
        uint16 watcherAge,
        uint16 ownerLag,
        bool wrongClaims
    ) public {
        watcherDelay = uint16(bound(watcherDelay, 1, 600));
        watcherAge = uint16(bound(watcherAge, 1, 300));
        ownerLag = uint16(bound(ownerLag, 0, 2 * COMMIT_WINDOW));
        FileRef[] memory fs = files1(file(digestOf(6), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        uint256 aliceCommittedAt = block.timestamp;
        vm.warp(block.timestamp + watcherDelay);
        FileRef[] memory copy = files1(wrongClaims ? FileRef(fs[0].digest, CidCodec.Raw, Format.Csv, 7) : fs[0]);
        uint256 watcherBefore = open.balanceOf(watcher);
        if (watcherCommits) {
            commitFor(watcher, copy, WATCHER_SALT);
            vm.warp(block.timestamp + watcherAge);
            submitCommittedAs(watcher, copy, WATCHER_SALT);
        } else {
            vm.prank(watcher);
            datanets.submit(net, copy[0], terms(net));
        }
        uint256 copiedAt = block.timestamp;
        bytes32 id = datanets.contributionIdOf(net, fs[0].digest);
        vm.warp(block.timestamp + ownerLag);
        bool inTime = ownerLag < COMMIT_WINDOW;
        bool knownAge = !watcherCommits || watcherAge < 127;
        if (inTime && knownAge) {
            submitCommittedAs(alice, fs, ALICE_SALT);
            assertEq(contributorOf(id), alice);
            vm.warp(block.timestamp + 1);
            review(net, one(fs[0].digest), 1);
            assertEq(uint8(statusOf(id)), uint8(Status.Accepted));
            claimAll(watcher);
            assertEq(open.balanceOf(watcher), watcherBefore, "the watcher gains nothing and loses nothing");
        } else {
            uint256 claimedAt = watcherCommits ? copiedAt - _min(watcherAge, 127) : copiedAt;
            vm.prank(alice);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDatanetsErrors.EarlierClaim.selector, id, aliceCommittedAt, claimedAt, copiedAt + COMMIT_WINDOW
                )
            );
            datanets.submitCommitted(net, fs, terms(net), ALICE_SALT);
            assertEq(contributorOf(id), watcher);
        }
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    // ─── the rules ──────────────────────────────────────────────────────────

    function test_committed_refusesAnEmptyOrOversizedBatch() public {
        uint16 version = terms(net);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 0, 256));
        vm.prank(alice);
        datanets.submitCommitted(net, new FileRef[](0), version, ALICE_SALT);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 257, 256));
        vm.prank(alice);
        datanets.submitCommitted(net, new FileRef[](257), version, ALICE_SALT);
    }

    /// A submission sent before the commitment was recorded claimed the content first, and stays.
    function test_committed_anEarlierPlainSubmissionKeepsItsContent() public {
        FileRef[] memory fs = files1(file(digestOf(7), 1_000));
        bytes32 id = submitAs(bob, net, fs[0].digest, 1_000);
        uint256 bobAt = block.timestamp;
        vm.warp(block.timestamp + 1);
        commitFor(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.EarlierClaim.selector, id, bobAt + 1, bobAt, bobAt + COMMIT_WINDOW)
        );
        datanets.submitCommitted(net, fs, terms(net), ALICE_SALT);
    }

    /// A copy whose review has begun is not displaced (its votes may be revealed already).
    function test_committed_aCopyInReviewIsNotDisplaced() public {
        FileRef[] memory fs = files1(file(digestOf(8), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        uint256 aliceAt = block.timestamp;
        vm.warp(block.timestamp + 10);
        bytes32 id = submitAs(watcher, net, fs[0].digest, 1_000);
        toRevealWindow();
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.EarlierClaim.selector, id, aliceAt, aliceAt + 10, aliceAt + 10 + COMMIT_WINDOW
            )
        );
        datanets.submitCommitted(net, fs, terms(net), ALICE_SALT);
    }

    /// Final content, and one's own pending submission, are duplicates as always.
    function test_committed_finalOrOwnContentIsADuplicate() public {
        FileRef[] memory fs = files1(file(digestOf(9), 1_000));
        bytes32 id = submitAs(bob, net, fs[0].digest, 1_000);
        review(net, one(fs[0].digest), 0);
        commitFor(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.DuplicateContent.selector, net, fs[0].digest, id, Status.Rejected)
        );
        datanets.submitCommitted(net, fs, terms(net), ALICE_SALT);

        FileRef[] memory gs = files1(file(digestOf(10), 1_000));
        bytes32 gid = submitAs(alice, net, gs[0].digest, 1_000);
        commitFor(alice, gs, ALICE_SALT);
        vm.warp(block.timestamp + 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.DuplicateContent.selector, net, gs[0].digest, gid, Status.Pending)
        );
        datanets.submitCommitted(net, gs, terms(net), ALICE_SALT);
    }

    /// A commitment is the caller's, for these files in this order with this salt, recorded before
    /// this second, recorded once and used once.
    function test_committed_commitmentRules() public {
        FileRef[] memory fs = new FileRef[](2);
        (fs[0], fs[1]) = (file(digestOf(11), 100), file(digestOf(12), 200));
        bytes32 key = commitFor(alice, fs, ALICE_SALT);
        assertEq(admin_().submissionCommittedAt(key), block.timestamp);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.SubmissionCommitmentExists.selector, key, block.timestamp));
        admin_().commitSubmission(key);

        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.SubmissionCommitmentTooRecent.selector, key, block.timestamp, block.timestamp
            )
        );
        datanets.submitCommitted(net, fs, terms(net), ALICE_SALT);
        vm.warp(block.timestamp + 1);

        // Someone else, another order, another salt: not this commitment.
        bytes32 bobKey = commitmentOf(bob, fs, ALICE_SALT);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.SubmissionCommitmentNotFound.selector, bob, bobKey));
        datanets.submitCommitted(net, fs, terms(net), ALICE_SALT);
        FileRef[] memory swapped = new FileRef[](2);
        (swapped[0], swapped[1]) = (fs[1], fs[0]);
        bytes32 swappedKey = commitmentOf(alice, swapped, ALICE_SALT);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.SubmissionCommitmentNotFound.selector, alice, swappedKey)
        );
        datanets.submitCommitted(net, swapped, terms(net), ALICE_SALT);

        uint16 version = terms(net);
        vm.prank(alice);
        bytes32[] memory ids = datanets.submitCommitted(net, fs, version, ALICE_SALT);
        assertEq(ids.length, 2);
        assertEq(ids[1], datanets.contributionIdOf(net, fs[1].digest));
        assertEq(admin_().submissionCommittedAt(key), 0, "used up");
        (bool displaced, uint256 age) = admin_().claimOf(ids[1]);
        assertFalse(displaced);
        assertEq(age, 1);
        (displaced, age) = admin_().claimOf(submitAs(alice, net, digestOf(13), 10));
        assertEq(age, 0, "a plain submission records no commitment");
        vm.warp(block.timestamp + 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.SubmissionCommitmentNotFound.selector, alice, key));
        datanets.submitCommitted(net, fs, terms(net), ALICE_SALT);
    }

    /// A commitment older than the claim byte records exactly still wins over a plain copy; the
    /// recorded age saturates at 127 s.
    function test_committed_oldCommitmentStillWinsOverAPlainCopy() public {
        FileRef[] memory fs = files1(file(digestOf(14), 1_000));
        commitFor(alice, fs, ALICE_SALT);
        vm.warp(block.timestamp + 3 days);
        bytes32 id = submitAs(watcher, net, fs[0].digest, 1_000);
        submitCommittedAs(alice, fs, ALICE_SALT);
        assertEq(contributorOf(id), alice);
        (bool displaced, uint256 age) = admin_().claimOf(id);
        assertTrue(displaced);
        assertEq(age, 127);
    }
}
