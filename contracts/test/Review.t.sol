// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {ReviewHelpers} from "./helpers/ReviewHelpers.sol";
import {IDatanetsErrors, IDatanetsEvents, Status} from "../interfaces/IDatanets.sol";

/// @notice Commit–reveal review and finalisation of the Datanets contract (validator rewards,
/// slashing and claims are in ReviewRewards.t.sol).
contract ReviewTest is ReviewHelpers {
    uint256 internal constant MAX_BATCH = 256;
    uint16 internal constant THRESHOLD_BPS = 6666;
    uint256 internal constant SLASH_BPS = 1_000;

    bytes32 internal d1 = digestOf(1);
    bytes32 internal d2 = digestOf(2);
    bytes32 internal d3 = digestOf(3);
    bytes32 internal d4 = digestOf(4);

    // ════════════════════════════════════════════════════════════════════════
    // commit
    // ════════════════════════════════════════════════════════════════════════

    function test_commit_revertsWhenProtocolPaused() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 sealedVotes = sealedFor(v1, textNet, one(d1), 1);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);

        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.ProtocolPaused.selector));
        vm.prank(v1);
        datanets.commit(textNet, one(d1), sealedVotes);
    }

    function test_commit_revertsOnEmptyBatch() public {
        stakeValidators(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 0, MAX_BATCH));
        vm.prank(v1);
        datanets.commit(textNet, new bytes32[](0), bytes32(0));
    }

    function test_commit_revertsOnBatchOf257() public {
        stakeValidators(MIN_STAKE);
        bytes32[] memory ds = new bytes32[](257);
        for (uint256 i; i < ds.length; ++i) {
            ds[i] = digestOf(i);
        }
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 257, MAX_BATCH));
        vm.prank(v1);
        datanets.commit(textNet, ds, bytes32(0));
    }

    function test_commit_revertsOnUnknownDatanet() public {
        stakeValidators(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(99)));
        vm.prank(v1);
        datanets.commit(99, one(d1), bytes32(0));
    }

    function test_commit_revertsWithoutStake() public {
        submitAs(alice, textNet, d1, 100);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.StakeBelowMinimum.selector, v1, 0, MIN_STAKE));
        vm.prank(v1);
        datanets.commit(textNet, one(d1), bytes32(0));
    }

    function test_commit_stakeStillActivatingDoesNotVote() public {
        stakeAs(v1, MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY - 1);
        submitAs(alice, textNet, d1, 100);
        bytes32 sealedVotes = sealedFor(v1, textNet, one(d1), 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.StakeBelowMinimum.selector, v1, 0, MIN_STAKE));
        vm.prank(v1);
        datanets.commit(textNet, one(d1), sealedVotes);

        // One second later the stake is active and the same commit goes through.
        vm.warp(block.timestamp + 1);
        vm.prank(v1);
        bytes32 key = datanets.commit(textNet, one(d1), sealedVotes);
        assertEq(weightOf(key), MIN_STAKE);
    }

    function test_commit_revertsWhenActiveStakeBelowMinimumEvenWithMoreActivating() public {
        stakeAs(v1, MIN_STAKE - 1 ether);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        stakeAs(v1, 5_000 ether); // activating, does not count
        submitAs(alice, textNet, d1, 100);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.StakeBelowMinimum.selector, v1, MIN_STAKE - 1 ether, MIN_STAKE)
        );
        vm.prank(v1);
        datanets.commit(textNet, one(d1), bytes32(0));
    }

    function test_commit_followsARaisedMinimumStake() public {
        stakeValidators(MIN_STAKE);
        vm.prank(admin);
        staking.setMinimumStake(2 * MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.StakeBelowMinimum.selector, v1, MIN_STAKE, 2 * MIN_STAKE)
        );
        vm.prank(v1);
        datanets.commit(textNet, one(d1), bytes32(0));
    }

    function test_commit_revertsOnUnknownContribution() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = datanets.contributionIdOf(textNet, d1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotPending.selector, id, Status.None));
        vm.prank(v1);
        datanets.commit(textNet, one(d1), bytes32(0));
    }

    function test_commit_revertsOnFinalContribution() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        reviewAndFinalize(textNet, one(d1), 1, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotPending.selector, id, Status.Accepted));
        vm.prank(v1);
        datanets.commit(textNet, one(d1), bytes32(0));
    }

    function test_commit_revertsAfterCommitWindow() public {
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        bytes32 id = submitAs(alice, textNet, d1, 100);
        bytes32 sealedVotes = sealedFor(v1, textNet, one(d1), 1);
        vm.warp(t0 + COMMIT_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.NotInCommitWindow.selector, id, t0 + COMMIT_WINDOW, t0, t0 + COMMIT_WINDOW
            )
        );
        vm.prank(v1);
        datanets.commit(textNet, one(d1), sealedVotes);
    }

    function test_commit_acceptsLastSecondOfCommitWindow() public {
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        submitAs(alice, textNet, d1, 100);
        vm.warp(t0 + COMMIT_WINDOW - 1);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        (address validator, uint256 committedAt,, uint8 state,,) = datanets.getCommitment(key);
        assertEq(validator, v1);
        assertEq(committedAt, t0 + COMMIT_WINDOW - 1);
        assertEq(state, 1);
        assertEq(datanets.lastCommittedSequence(textNet, v1), 1);
    }

    function test_commit_revertsOnSameContributionTwice() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        commitAs(v1, textNet, one(d1), 1);
        bytes32 sealedVotes = sealedFor(v1, textNet, one(d1), 0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.VoteOutOfOrder.selector, id, 1, 1));
        vm.prank(v1);
        datanets.commit(textNet, one(d1), sealedVotes);
    }

    function test_commit_revertsOnSameContributionTwiceInOneBatch() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.VoteOutOfOrder.selector, id, 1, 1));
        vm.prank(v1);
        datanets.commit(textNet, two(d1, d1), bytes32(0));
    }

    function test_commit_revertsGoingBackwardsAcrossCommits() public {
        stakeValidators(MIN_STAKE);
        bytes32 id1 = submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        commitAs(v1, textNet, one(d2), 1);
        assertEq(datanets.lastCommittedSequence(textNet, v1), 2);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.VoteOutOfOrder.selector, id1, 1, 2));
        vm.prank(v1);
        datanets.commit(textNet, one(d1), bytes32(0));
    }

    function test_commit_revertsGoingBackwardsInOneBatch() public {
        stakeValidators(MIN_STAKE);
        bytes32 id1 = submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.VoteOutOfOrder.selector, id1, 1, 2));
        vm.prank(v1);
        datanets.commit(textNet, two(d2, d1), bytes32(0));
    }

    function test_commit_orderIsPerValidator() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        commitAs(v1, textNet, one(d2), 1);
        // Another validator may still start from the first contribution.
        commitAs(v2, textNet, two(d1, d2), 3);
        assertEq(datanets.lastCommittedSequence(textNet, v1), 2);
        assertEq(datanets.lastCommittedSequence(textNet, v2), 2);
    }

    function test_commit_revertsWhenBatchSpreadReachesRevealWindow() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 0, 2 hours, 1 hours, 0, 0);
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        submitAs(alice, net, d1, 100);
        vm.warp(t0 + 1 hours);
        submitAs(alice, net, d2, 100);
        bytes32 sealedVotes = sealedFor(v1, net, two(d1, d2), 3);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BatchSpreadTooWide.selector, 1 hours, 1 hours));
        vm.prank(v1);
        datanets.commit(net, two(d1, d2), sealedVotes);
        assertEq(datanets.lastCommittedSequence(net, v1), 0);
    }

    function test_commit_batchSpreadJustUnderRevealWindowHasACommonRevealTime() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 0, 2 hours, 1 hours, 0, 0);
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        bytes32 id1 = submitAs(alice, net, d1, 100);
        vm.warp(t0 + 1 hours - 1);
        bytes32 id2 = submitAs(alice, net, d2, 100);
        commitAs(v1, net, two(d1, d2), 1); // approve d1, reject d2
        // The only time both reveal windows are open: [t0 + 3h - 1, t0 + 3h).
        vm.warp(t0 + 3 hours - 1);
        revealAs(v1, net, two(d1, d2), 1);
        (,,,,,, , uint256 approve1, uint256 reject1,) = datanets.getContribution(id1);
        (,,,,,, , uint256 approve2, uint256 reject2,) = datanets.getContribution(id2);
        assertEq(approve1, MIN_STAKE);
        assertEq(reject1, 0);
        assertEq(approve2, 0);
        assertEq(reject2, MIN_STAKE);
    }

    function test_commit_weightIsEligibleStakeAtCommit() public {
        stakeEach(1_234.5 ether, MIN_STAKE, MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 sealedVotes = sealedFor(v1, textNet, one(d1), 1);
        bytes32 key = keyOf(v1, textNet, one(d1));
        bytes32[] memory ids = idsOf(textNet, one(d1));

        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.VotesCommitted(key, v1, textNet, ids, 1_234.5 ether, sealedVotes);
        vm.prank(v1);
        assertEq(datanets.commit(textNet, one(d1), sealedVotes), key);
        assertEq(weightOf(key), 1_234.5 ether);
    }

    function test_commit_weightIsRoundedDownToWeightUnits() public {
        stakeEach(MIN_STAKE + UNIT - 1, MIN_STAKE, MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        assertEq(weightOf(key), MIN_STAKE);
    }

    function test_commit_stakeAddedAfterCommitDoesNotChangeWeight() public {
        // Windows of a full day, so that stake added at commit time is active when the reveal opens.
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 0, MAX_WINDOW, MAX_WINDOW, 0, 0);
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        bytes32 id = submitAs(alice, net, d1, 100);
        bytes32 key = commitAs(v1, net, one(d1), 1);
        stakeAs(v1, 5_000 ether);
        vm.warp(t0 + MAX_WINDOW);
        assertEq(staking.eligibleStake(v1), MIN_STAKE + 5_000 ether);
        revealAs(v1, net, one(d1), 1);
        assertEq(weightOf(key), MIN_STAKE);
        (,,,,,,, uint256 approveStake, uint256 rejectStake,) = datanets.getContribution(id);
        assertEq(approveStake, MIN_STAKE);
        assertEq(rejectStake, 0);
    }

    function test_commit_stakeUnbondedAfterCommitStillCountsAndStaysSlashable() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        vm.prank(v1);
        staking.unstake(MIN_STAKE);
        assertEq(staking.eligibleStake(v1), 0);
        toRevealWindow();
        revealAs(v1, textNet, one(d1), 1);
        (,,,,,,, uint256 approveStake,,) = datanets.getContribution(id);
        assertEq(approveStake, MIN_STAKE);
        assertEq(weightOf(key), MIN_STAKE);
    }

    // ════════════════════════════════════════════════════════════════════════
    // reveal
    // ════════════════════════════════════════════════════════════════════════

    function test_reveal_revertsOnDigestsInAnotherOrder() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        commitAs(v1, textNet, two(d1, d2), 3);
        toRevealWindow();
        bytes32 wrongKey = keyOf(v1, textNet, two(d2, d1));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentNotFound.selector, v1, wrongKey));
        vm.prank(v1);
        datanets.reveal(textNet, two(d2, d1), 3, saltOf(v1, 3));
    }

    function test_reveal_revertsOnASubsetOfTheDigests() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        commitAs(v1, textNet, two(d1, d2), 3);
        toRevealWindow();
        bytes32 wrongKey = keyOf(v1, textNet, one(d1));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentNotFound.selector, v1, wrongKey));
        vm.prank(v1);
        datanets.reveal(textNet, one(d1), 3, saltOf(v1, 3));
    }

    function test_reveal_revertsForAnotherValidatorsCommitment() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        commitAs(v1, textNet, one(d1), 1);
        toRevealWindow();
        bytes32 v2Key = keyOf(v2, textNet, one(d1));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentNotFound.selector, v2, v2Key));
        vm.prank(v2);
        datanets.reveal(textNet, one(d1), 1, saltOf(v1, 1));
    }

    function test_reveal_revertsOnWrongSalt() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        toRevealWindow();
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RevealMismatch.selector, key));
        vm.prank(v1);
        datanets.reveal(textNet, one(d1), 1, keccak256("another salt"));
    }

    function test_reveal_revertsOnWrongVotes() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        toRevealWindow();
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RevealMismatch.selector, key));
        vm.prank(v1);
        datanets.reveal(textNet, one(d1), 0, saltOf(v1, 1));
    }

    function test_reveal_revertsWhenAlreadyRevealed() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        toRevealWindow();
        revealAs(v1, textNet, one(d1), 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentClosed.selector, key));
        vm.prank(v1);
        datanets.reveal(textNet, one(d1), 1, saltOf(v1, 1));
    }

    function test_reveal_revertsAfterSlash() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        vm.warp(block.timestamp + 2 * MAX_WINDOW);
        datanets.slashUnrevealed(key);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentClosed.selector, key));
        vm.prank(v1);
        datanets.reveal(textNet, one(d1), 1, saltOf(v1, 1));
    }

    function test_reveal_revertsBeforeRevealWindowOpens() public {
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        bytes32 id = submitAs(alice, textNet, d1, 100);
        commitAs(v1, textNet, one(d1), 1);
        vm.warp(t0 + COMMIT_WINDOW - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.NotInRevealWindow.selector,
                id,
                t0 + COMMIT_WINDOW - 1,
                t0 + COMMIT_WINDOW,
                t0 + COMMIT_WINDOW + REVEAL_WINDOW
            )
        );
        vm.prank(v1);
        datanets.reveal(textNet, one(d1), 1, saltOf(v1, 1));
    }

    function test_reveal_revertsAfterRevealWindowCloses() public {
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        bytes32 id = submitAs(alice, textNet, d1, 100);
        commitAs(v1, textNet, one(d1), 1);
        vm.warp(t0 + COMMIT_WINDOW + REVEAL_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.NotInRevealWindow.selector,
                id,
                t0 + COMMIT_WINDOW + REVEAL_WINDOW,
                t0 + COMMIT_WINDOW,
                t0 + COMMIT_WINDOW + REVEAL_WINDOW
            )
        );
        vm.prank(v1);
        datanets.reveal(textNet, one(d1), 1, saltOf(v1, 1));
    }

    function test_reveal_worksOnBothEdgesOfRevealWindow() public {
        stakeValidators(MIN_STAKE);
        uint256 t0 = block.timestamp;
        bytes32 id = submitAs(alice, textNet, d1, 100);
        commitAs(v1, textNet, one(d1), 1);
        commitAs(v2, textNet, one(d1), 0);
        vm.warp(t0 + COMMIT_WINDOW);
        revealAs(v1, textNet, one(d1), 1);
        vm.warp(t0 + COMMIT_WINDOW + REVEAL_WINDOW - 1);
        revealAs(v2, textNet, one(d1), 0);
        (,,,,,,, uint256 approveStake, uint256 rejectStake,) = datanets.getContribution(id);
        assertEq(approveStake, MIN_STAKE);
        assertEq(rejectStake, MIN_STAKE);
    }

    function test_reveal_recordsVotesAndEmitsEvent() public {
        stakeValidators(MIN_STAKE);
        bytes32 id1 = submitAs(alice, textNet, d1, 100);
        bytes32 id2 = submitAs(alice, textNet, d2, 100);
        bytes32 key = commitAs(v1, textNet, two(d1, d2), 2); // reject d1, approve d2
        toRevealWindow();
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.VotesRevealed(key, v1, textNet, 2);
        revealAs(v1, textNet, two(d1, d2), 2);
        (,,, uint8 state, uint256 votes,) = datanets.getCommitment(key);
        assertEq(state, 2);
        assertEq(votes, 2);
        (,,,,,,, uint256 approve1, uint256 reject1,) = datanets.getContribution(id1);
        (,,,,,,, uint256 approve2, uint256 reject2,) = datanets.getContribution(id2);
        assertEq(approve1, 0);
        assertEq(reject1, MIN_STAKE);
        assertEq(approve2, MIN_STAKE);
        assertEq(reject2, 0);
    }

    function test_reveal_ignoresVoteBitsBeyondTheBatch() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 0xff);
        toRevealWindow();
        revealAs(v1, textNet, one(d1), 0xff);
        (,,,, uint256 votes,) = datanets.getCommitment(key);
        assertEq(votes, 1);
        (,,,,,,, uint256 approveStake, uint256 rejectStake,) = datanets.getContribution(id);
        assertEq(approveStake, MIN_STAKE);
        assertEq(rejectStake, 0);
    }

    // ════════════════════════════════════════════════════════════════════════
    // finalize
    // ════════════════════════════════════════════════════════════════════════

    function test_finalize_revertsOnEmptyBatch() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 0, MAX_BATCH));
        datanets.finalize(textNet, new bytes32[](0));
    }

    function test_finalize_revertsOnBatchOf257() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 257, MAX_BATCH));
        datanets.finalize(textNet, new bytes32[](257));
    }

    function test_finalize_revertsOnUnknownContribution() public {
        bytes32 id = datanets.contributionIdOf(textNet, d1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotPending.selector, id, Status.None));
        datanets.finalize(textNet, one(d1));
    }

    function test_finalize_secondFinalisationIsSkipped() public {
        bytes32 id = submitAs(alice, textNet, d1, 100);
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        assertEq(datanets.finalize(textNet, one(d1)), 1);
        (uint256 creditsBefore,,) = datanets.accountOf(alice);
        assertEq(datanets.finalize(textNet, one(d1)), 0);
        (uint256 creditsAfter,,) = datanets.accountOf(alice);
        assertEq(creditsAfter, creditsBefore);
        assertEq(uint8(statusOf(id)), uint8(Status.Expired));
    }

    function test_finalize_sameContributionTwiceInOneBatchFinalisesOnce() public {
        bytes32 id = submitAs(alice, textNet, d1, 100);
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        assertEq(datanets.finalize(textNet, two(d1, d1)), 1);
        assertEq(uint8(statusOf(id)), uint8(Status.Expired));
    }

    function test_finalize_revertsBeforeReviewIsOver() public {
        uint256 t0 = block.timestamp;
        bytes32 id = submitAs(alice, textNet, d1, 100);
        uint256 endsAt = t0 + COMMIT_WINDOW + REVEAL_WINDOW;
        vm.warp(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.ReviewNotOver.selector, id, endsAt - 1, endsAt));
        datanets.finalize(textNet, one(d1));
        vm.warp(endsAt);
        datanets.finalize(textNet, one(d1));
        assertEq(uint8(statusOf(id)), uint8(Status.Expired));
    }

    function test_finalize_expiresWithoutReveals() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        assertEq(poolOf(textNet), POOL); // nothing reserved
        reviewWith(textNet, one(d1), [uint256(1), 1, 1], [false, false, false]);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id, textNet, alice, Status.Expired, 0, 0, 0, 0);
        datanets.finalize(textNet, one(d1));
        assertEq(uint8(statusOf(id)), uint8(Status.Expired));
        assertEq(poolOf(textNet), POOL);
        assertEq(creditsOf(alice), 0);
        assertEq(datanets.validatorRewardsOutstanding(), 0);
    }

    function test_finalize_expiresBelowQuorum() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 0, COMMIT_WINDOW, REVEAL_WINDOW, 2_500 ether, 0);
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, net, d1, 100);
        reviewWith(net, one(d1), [uint256(1), 1, 1], [true, true, false]);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id, net, alice, Status.Expired, 2 * MIN_STAKE, 0, 0, 0);
        datanets.finalize(net, one(d1));
        assertEq(uint8(statusOf(id)), uint8(Status.Expired));
        assertEq(poolOf(net), POOL);
        (uint256 credits, uint256 count, uint256 bytes_) = datanets.accountOf(alice);
        assertEq(credits, 0);
        assertEq(count, 0);
        assertEq(bytes_, 0);
    }

    function test_finalize_quorumReachedExactly() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 0, COMMIT_WINDOW, REVEAL_WINDOW, 2_500 ether, 0);
        stakeEach(MIN_STAKE, 1_500 ether, MIN_STAKE);
        bytes32 id = submitAs(alice, net, d1, 100);
        reviewWith(net, one(d1), [uint256(1), 1, 1], [true, true, false]);
        datanets.finalize(net, one(d1));
        assertEq(uint8(statusOf(id)), uint8(Status.Accepted));
    }

    function test_finalize_acceptsTwoOfThreeEqualStakes() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 1234);
        reviewWith(textNet, one(d1), [uint256(1), 1, 0], [true, true, true]);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(
            id, textNet, alice, Status.Accepted, 2 * MIN_STAKE, MIN_STAKE, REWARD, 0
        );
        datanets.finalize(textNet, one(d1));
        assertEq(uint8(statusOf(id)), uint8(Status.Accepted));
        (uint256 credits, uint256 count, uint256 bytes_) = datanets.accountOf(alice);
        assertEq(credits, REWARD);
        assertEq(count, 1);
        assertEq(bytes_, 1234);
        assertEq(poolOf(textNet), POOL - REWARD - VALIDATOR_REWARD);
        assertEq(datanets.validatorRewardsOutstanding(), VALIDATOR_REWARD);
    }

    function test_finalize_rejectsOneOfThreeEqualStakes() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 1234);
        reviewWith(textNet, one(d1), [uint256(1), 0, 0], [true, true, true]);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id, textNet, alice, Status.Rejected, MIN_STAKE, 2 * MIN_STAKE, 0, 0);
        datanets.finalize(textNet, one(d1));
        assertEq(uint8(statusOf(id)), uint8(Status.Rejected));
        (uint256 credits, uint256 count, uint256 bytes_) = datanets.accountOf(alice);
        assertEq(credits, 0);
        assertEq(count, 0);
        assertEq(bytes_, 0);
        // No deposit was forfeited, so the reject voters are paid nothing and the pool pays nothing.
        assertEq(poolOf(textNet), POOL);
        assertEq(datanets.validatorRewardsOutstanding(), 0);
    }

    /// @dev With threshold 66.66 %, approvals A against rejections R pass iff 3334·A ≥ 6666·R.
    /// For R = 10^6 weight units (1000 OPEN) the smallest passing A is 1,999,401 units.
    function test_finalize_thresholdBoundaryWithUnequalStakes() public {
        uint256 passing = 1_999_401 * UNIT;
        stakeEach(passing, MIN_STAKE, passing - UNIT);
        bytes32 id1 = submitAs(alice, textNet, d1, 100);
        commitAs(v1, textNet, one(d1), 1);
        commitAs(v2, textNet, one(d1), 0);
        // Second round, with one weight unit less approving.
        bytes32 id2 = submitAs(alice, textNet, d2, 100);
        commitAs(v3, textNet, one(d2), 1);
        commitAs(v2, textNet, one(d2), 0);
        toRevealWindow();
        revealAs(v1, textNet, one(d1), 1);
        revealAs(v2, textNet, one(d1), 0);
        revealAs(v3, textNet, one(d2), 1);
        revealAs(v2, textNet, one(d2), 0);
        toFinalizable();
        datanets.finalize(textNet, two(d1, d2));
        assertEq(uint8(statusOf(id1)), uint8(Status.Accepted));
        assertEq(uint8(statusOf(id2)), uint8(Status.Rejected));
    }

    function test_finalize_depositRefundedWithRewardOnAccept() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 1 ether, COMMIT_WINDOW, REVEAL_WINDOW, 0, 0);
        stakeValidators(MIN_STAKE);
        uint256 aliceBefore = open.balanceOf(alice);
        bytes32 id = submitAs(alice, net, d1, 100);
        assertEq(open.balanceOf(alice), aliceBefore - 1 ether);
        reviewWith(net, one(d1), [uint256(1), 1, 1], [true, true, true]);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id, net, alice, Status.Accepted, 3 * MIN_STAKE, 0, REWARD, 1 ether);
        datanets.finalize(net, one(d1));
        assertEq(creditsOf(alice), REWARD + 1 ether);
        assertEq(poolOf(net), POOL - REWARD - VALIDATOR_REWARD);
    }

    function test_finalize_depositGoesToPoolOnReject() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 1 ether, COMMIT_WINDOW, REVEAL_WINDOW, 0, 0);
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, net, d1, 100);
        reviewWith(net, one(d1), [uint256(0), 0, 0], [true, true, true]);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id, net, alice, Status.Rejected, 0, 3 * MIN_STAKE, 0, 0);
        datanets.finalize(net, one(d1));
        assertEq(creditsOf(alice), 0);
        // The reject voters share the forfeited deposit (1 OPEN, below the validator reward); the
        // pool pays nothing.
        assertEq(poolOf(net), POOL);
        assertEq(datanets.validatorRewardsOutstanding(), 1 ether);
    }

    function test_finalize_depositRefundedAndPoolUntouchedOnExpiry() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 1 ether, COMMIT_WINDOW, REVEAL_WINDOW, 0, 0);
        bytes32 id = submitAs(alice, net, d1, 100);
        assertEq(poolOf(net), POOL); // nothing reserved
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id, net, alice, Status.Expired, 0, 0, 0, 1 ether);
        datanets.finalize(net, one(d1));
        assertEq(creditsOf(alice), 1 ether);
        assertEq(poolOf(net), POOL);
        assertEq(datanets.validatorRewardsOutstanding(), 0);
    }

    function test_finalize_batchOfTwoContributorsCreditsEach() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        submitAs(bob, textNet, d2, 200);
        submitAs(alice, textNet, d3, 300);
        submitAs(bob, textNet, d4, 400);
        bytes32[] memory ds = new bytes32[](4);
        (ds[0], ds[1], ds[2], ds[3]) = (d1, d2, d3, d4);
        // All approve d1, d2, d3; all reject d4.
        reviewAndFinalize(textNet, ds, 7, 7, 7);
        (uint256 aCredits, uint256 aCount, uint256 aBytes) = datanets.accountOf(alice);
        (uint256 bCredits, uint256 bCount, uint256 bBytes) = datanets.accountOf(bob);
        assertEq(aCredits, 2 * REWARD);
        assertEq(aCount, 2);
        assertEq(aBytes, 400);
        assertEq(bCredits, REWARD);
        assertEq(bCount, 1);
        assertEq(bBytes, 200);
        // d4's rejection forfeits no deposit and takes nothing from the pool.
        assertEq(poolOf(textNet), POOL - 3 * VALIDATOR_REWARD - 3 * REWARD);
        assertEq(datanets.validatorRewardsOutstanding(), 3 * VALIDATOR_REWARD);
    }

    function test_finalize_batchEmitsEachContributorsEvent() public {
        stakeValidators(MIN_STAKE);
        bytes32 id1 = submitAs(alice, textNet, d1, 100);
        bytes32 id2 = submitAs(bob, textNet, d2, 200);
        reviewWith(textNet, two(d1, d2), [uint256(1), 1, 1], [true, true, true]);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id1, textNet, alice, Status.Accepted, 3 * MIN_STAKE, 0, REWARD, 0);
        vm.expectEmit(true, true, true, true, address(datanets));
        emit IDatanetsEvents.ContributionFinalized(id2, textNet, bob, Status.Rejected, 0, 3 * MIN_STAKE, 0, 0);
        datanets.finalize(textNet, two(d1, d2));
        assertEq(creditsOf(alice), REWARD);
        assertEq(creditsOf(bob), 0);
    }

    function test_finalize_worksWhileProtocolAndDatanetPaused() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        commitAs(v1, textNet, one(d1), 1);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        toRevealWindow();
        revealAs(v1, textNet, one(d1), 1);
        toFinalizable();
        datanets.finalize(textNet, one(d1));
        assertEq(uint8(statusOf(id)), uint8(Status.Accepted));
        assertEq(claimRewardsAs(v1, textNet, one(d1)), VALIDATOR_REWARD);
        vm.prank(alice);
        assertEq(datanets.claim(alice), REWARD);
        vm.prank(v1);
        assertEq(datanets.claim(v1), VALIDATOR_REWARD);
    }

    // ════════════════════════════════════════════════════════════════════════
    // fuzz
    // ════════════════════════════════════════════════════════════════════════

    /// @dev One fuzzed round: stakes, votes and reveals of v1, v2, v3, and the tallies they give.
    struct Round {
        uint256[3] stakes;
        uint256[3] votes;
        bool[3] revealed;
        uint256 approve;
        uint256 reject;
        Status expected;
    }

    /// @dev Random stakes, votes and reveals of three validators: the outcome follows the quorum and
    /// threshold rules; the winners' payouts are pro rata, sum to at most the validator reward, and
    /// leave less dust than there are validators.
    function testFuzz_outcomeAndValidatorPayouts(uint256 s1, uint256 s2, uint256 s3, uint8 votes, uint8 reveals)
        public
    {
        Round memory r;
        r.stakes = [
            bound(s1, MIN_STAKE, 1_000_000 ether),
            bound(s2, MIN_STAKE, 1_000_000 ether),
            bound(s3, MIN_STAKE, 1_000_000 ether)
        ];
        stakeEach(r.stakes[0], r.stakes[1], r.stakes[2]);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        for (uint256 i; i < 3; ++i) {
            r.votes[i] = (votes >> i) & 1;
            r.revealed[i] = (reveals >> i) & 1 == 1;
            if (!r.revealed[i]) continue;
            if (r.votes[i] == 1) r.approve += r.stakes[i] / UNIT;
            else r.reject += r.stakes[i] / UNIT;
        }
        reviewWith(textNet, one(d1), r.votes, r.revealed);
        datanets.finalize(textNet, one(d1));

        if (r.approve + r.reject < MIN_STAKE / UNIT) r.expected = Status.Expired;
        else if (r.approve * 10_000 >= THRESHOLD_BPS * (r.approve + r.reject)) r.expected = Status.Accepted;
        else r.expected = Status.Rejected;
        assertEq(uint8(statusOf(id)), uint8(r.expected));
        _checkPayouts(r);
    }

    function _checkPayouts(Round memory r) private {
        address[3] memory vs = [v1, v2, v3];
        uint256 matching = r.expected == Status.Accepted ? r.approve : r.reject;
        // textNet asks no deposit: a rejection pays its validators nothing.
        uint256 reward = r.expected == Status.Accepted ? VALIDATOR_REWARD : 0;
        uint256 paid;
        uint256 winners;
        for (uint256 i; i < 3; ++i) {
            if (!r.revealed[i]) continue;
            uint256 got = claimRewardsAs(vs[i], textNet, one(d1));
            bool won = r.expected != Status.Expired && (r.votes[i] == 1) == (r.expected == Status.Accepted);
            uint256 owed = won ? reward * (r.stakes[i] / UNIT) / matching : 0;
            assertEq(got, owed);
            if (won) ++winners;
            paid += got;
        }
        assertLe(paid, reward);
        if (reward == 0) {
            assertEq(paid, 0);
            assertEq(datanets.validatorRewardsOutstanding(), 0);
        } else {
            assertLt(reward - paid, winners);
            assertEq(datanets.validatorRewardsOutstanding(), reward - paid);
        }
    }
}
