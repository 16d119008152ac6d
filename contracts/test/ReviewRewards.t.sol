// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {ReviewHelpers} from "./helpers/ReviewHelpers.sol";
import {IDatanetsErrors, IDatanetsEvents, Status} from "../interfaces/IDatanets.sol";

/// @notice What a review pays and takes: validator rewards, slashing of unrevealed votes, and claims
/// of the Datanets contract. (Split from Review.t.sol so that each file compiles, instrumented for
/// coverage, within what the wasm build of solc can hold.)
contract ReviewRewardsTest is ReviewHelpers {
    uint256 internal constant MAX_BATCH = 256;
    uint256 internal constant SLASH_BPS = 1_000;

    bytes32 internal d1 = digestOf(1);
    bytes32 internal d2 = digestOf(2);
    bytes32 internal d3 = digestOf(3);
    bytes32 internal d4 = digestOf(4);

    // ════════════════════════════════════════════════════════════════════════
    // claimValidatorRewards
    // ════════════════════════════════════════════════════════════════════════

    function test_claimValidatorRewards_revertsWithoutCommitment() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = keyOf(v1, textNet, one(d1));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotRevealed.selector, key));
        vm.prank(v1);
        datanets.claimValidatorRewards(textNet, one(d1));
    }

    function test_claimValidatorRewards_revertsWhenNotRevealed() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        reviewWith(textNet, one(d1), [uint256(1), 1, 1], [true, true, false]);
        datanets.finalize(textNet, one(d1));
        bytes32 key = keyOf(v3, textNet, one(d1));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotRevealed.selector, key));
        vm.prank(v3);
        datanets.claimValidatorRewards(textNet, one(d1));
    }

    function test_claimValidatorRewards_revertsOnBadBatchSize() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 0, MAX_BATCH));
        vm.prank(v1);
        datanets.claimValidatorRewards(textNet, new bytes32[](0));
    }

    function test_claimValidatorRewards_revertsBeforeFinal() public {
        stakeValidators(MIN_STAKE);
        bytes32 id = submitAs(alice, textNet, d1, 100);
        reviewWith(textNet, one(d1), [uint256(1), 1, 1], [true, true, true]);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotFinal.selector, id, Status.Pending));
        vm.prank(v1);
        datanets.claimValidatorRewards(textNet, one(d1));
    }

    function test_claimValidatorRewards_revertsOnSecondClaim() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        reviewAndFinalize(textNet, one(d1), 1, 1, 1);
        bytes32 key = keyOf(v1, textNet, one(d1));
        assertEq(claimRewardsAs(v1, textNet, one(d1)), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RewardsAlreadyClaimed.selector, key));
        vm.prank(v1);
        datanets.claimValidatorRewards(textNet, one(d1));
        assertEq(creditsOf(v1), 1 ether);
    }

    function test_claimValidatorRewards_splitsProRataToStake() public {
        stakeEach(MIN_STAKE, 2 * MIN_STAKE, 4 * MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        reviewAndFinalize(textNet, one(d1), 1, 1, 1);
        assertEq(datanets.validatorRewardsOutstanding(), VALIDATOR_REWARD);

        bytes32 key = keyOf(v1, textNet, one(d1));
        vm.expectEmit(true, true, false, true, address(datanets));
        emit IDatanetsEvents.ValidatorRewardsClaimed(key, v1, 428_571_428_571_428_571);
        assertEq(claimRewardsAs(v1, textNet, one(d1)), 428_571_428_571_428_571); // 3 OPEN × 1/7
        assertEq(datanets.validatorRewardsOutstanding(), VALIDATOR_REWARD - 428_571_428_571_428_571);
        assertEq(claimRewardsAs(v2, textNet, one(d1)), 857_142_857_142_857_142); // × 2/7
        assertEq(claimRewardsAs(v3, textNet, one(d1)), 1_714_285_714_285_714_285); // × 4/7
        assertEq(creditsOf(v1), 428_571_428_571_428_571);
        assertEq(creditsOf(v2), 857_142_857_142_857_142);
        assertEq(creditsOf(v3), 1_714_285_714_285_714_285);
        // Rounding dust stays outstanding.
        assertEq(datanets.validatorRewardsOutstanding(), 2);
        (,,,,, bool claimed) = datanets.getCommitment(key);
        assertTrue(claimed);
    }

    function test_claimValidatorRewards_dissentersGetNothing() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        reviewAndFinalize(textNet, one(d1), 1, 1, 0);
        bytes32 key3 = keyOf(v3, textNet, one(d1));
        vm.expectEmit(true, true, false, true, address(datanets));
        emit IDatanetsEvents.ValidatorRewardsClaimed(key3, v3, 0);
        assertEq(claimRewardsAs(v3, textNet, one(d1)), 0);
        assertEq(creditsOf(v3), 0);
        assertEq(datanets.validatorRewardsOutstanding(), VALIDATOR_REWARD);
        assertEq(claimRewardsAs(v1, textNet, one(d1)), VALIDATOR_REWARD / 2);
        assertEq(claimRewardsAs(v2, textNet, one(d1)), VALIDATOR_REWARD / 2);
        assertEq(datanets.validatorRewardsOutstanding(), 0);
        // The dissenter's claim is spent too.
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.RewardsAlreadyClaimed.selector, key3));
        vm.prank(v3);
        datanets.claimValidatorRewards(textNet, one(d1));
    }

    /// A deposit that covers the validator reward pays the reject voters in full.
    function test_claimValidatorRewards_rejectVotersShareOnRejection() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, VALIDATOR_REWARD, COMMIT_WINDOW, REVEAL_WINDOW, 0, 0);
        stakeValidators(MIN_STAKE);
        submitAs(alice, net, d1, 100);
        reviewAndFinalize(net, one(d1), 1, 0, 0);
        assertEq(claimRewardsAs(v1, net, one(d1)), 0);
        assertEq(claimRewardsAs(v2, net, one(d1)), 1.5 ether);
        assertEq(claimRewardsAs(v3, net, one(d1)), 1.5 ether);
        assertEq(datanets.validatorRewardsOutstanding(), 0);
        assertEq(poolOf(net), POOL);
    }

    /// Without a deposit, a rejection pays its voters nothing and takes nothing from the pool.
    function test_claimValidatorRewards_rejectionWithoutDepositPaysNothing() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        reviewAndFinalize(textNet, one(d1), 1, 0, 0);
        assertEq(claimRewardsAs(v2, textNet, one(d1)), 0);
        assertEq(claimRewardsAs(v3, textNet, one(d1)), 0);
        assertEq(poolOf(textNet), POOL);
    }

    function test_claimValidatorRewards_batchOfMixedOutcomes() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        // d1: all approve → accepted; d2: only v1 approves → rejected.
        reviewAndFinalize(textNet, two(d1, d2), 3, 1, 1);
        // d2's rejection forfeits no deposit, so it pays its reject voters nothing.
        assertEq(claimRewardsAs(v1, textNet, two(d1, d2)), 1 ether);
        assertEq(claimRewardsAs(v2, textNet, two(d1, d2)), 1 ether);
        assertEq(claimRewardsAs(v3, textNet, two(d1, d2)), 1 ether);
        assertEq(datanets.validatorRewardsOutstanding(), 0);
    }

    function test_claimValidatorRewards_expiredPaysNothing() public {
        uint32 net = createNet(REWARD, VALIDATOR_REWARD, 0, COMMIT_WINDOW, REVEAL_WINDOW, 2_500 ether, 0);
        stakeValidators(MIN_STAKE);
        submitAs(alice, net, d1, 100);
        reviewWith(net, one(d1), [uint256(1), 1, 1], [true, true, false]);
        datanets.finalize(net, one(d1));
        assertEq(datanets.validatorRewardsOutstanding(), 0);
        assertEq(claimRewardsAs(v1, net, one(d1)), 0);
        assertEq(claimRewardsAs(v2, net, one(d1)), 0);
        assertEq(creditsOf(v1), 0);
        assertEq(creditsOf(v2), 0);
        assertEq(poolOf(net), POOL);
    }

    function test_claimValidatorRewards_outstandingFollowsFinalisationsAndClaims() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        reviewWith(textNet, two(d1, d2), [uint256(3), 3, 3], [true, true, true]);
        assertEq(datanets.validatorRewardsOutstanding(), 0);
        datanets.finalize(textNet, one(d1));
        assertEq(datanets.validatorRewardsOutstanding(), VALIDATOR_REWARD);
        datanets.finalize(textNet, one(d2));
        assertEq(datanets.validatorRewardsOutstanding(), 2 * VALIDATOR_REWARD);
        claimRewardsAs(v1, textNet, two(d1, d2));
        assertEq(datanets.validatorRewardsOutstanding(), 4 ether);
        claimRewardsAs(v2, textNet, two(d1, d2));
        claimRewardsAs(v3, textNet, two(d1, d2));
        assertEq(datanets.validatorRewardsOutstanding(), 0);
        // Everything the contract holds is accounted for: pool, credits and outstanding rewards.
        assertEq(
            open.balanceOf(address(datanets)),
            poolOf(textNet) + creditsOf(alice) + creditsOf(v1) + creditsOf(v2) + creditsOf(v3)
        );
    }

    // ════════════════════════════════════════════════════════════════════════
    // slashUnrevealed
    // ════════════════════════════════════════════════════════════════════════

    function test_slash_revertsOnUnknownCommitment() public {
        bytes32 key = keccak256("nothing");
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentNotFound.selector, address(0), key));
        datanets.slashUnrevealed(key);
    }

    function test_slash_revertsBeforeRevealPeriodIsOver() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        uint256 committedAt = block.timestamp;
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        // The bound uses the protocol's longest windows, not the Datanet's.
        uint256 endsAt = committedAt + 2 * MAX_WINDOW;
        vm.warp(endsAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.RevealPeriodNotOver.selector, key, endsAt - 1, endsAt)
        );
        datanets.slashUnrevealed(key);
    }

    function test_slash_revertsAfterReveal() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        toRevealWindow();
        revealAs(v1, textNet, one(d1), 1);
        vm.warp(block.timestamp + 2 * MAX_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentClosed.selector, key));
        datanets.slashUnrevealed(key);
    }

    function test_slash_revertsOnSecondSlash() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        vm.warp(block.timestamp + 2 * MAX_WINDOW);
        datanets.slashUnrevealed(key);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.CommitmentClosed.selector, key));
        datanets.slashUnrevealed(key);
        // The caller (this test) was paid the reporter share; the treasury has the rest.
        assertEq(open.balanceOf(treasury), MIN_STAKE * SLASH_BPS / 10_000 * 9 / 10);
    }

    function test_slash_takesSlashBpsOfWeightToTreasury() public {
        stakeEach(1_234.5 ether, MIN_STAKE, MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        vm.warp(block.timestamp + 2 * MAX_WINDOW);
        uint256 expected = 1_234.5 ether * SLASH_BPS / 10_000; // 123.45 OPEN
        assertEq(expected, 123.45 ether);
        uint256 reporterShare = expected / 10; // staking's REPORTER_BPS
        uint256 bobBefore = open.balanceOf(bob);

        vm.expectEmit(true, true, false, true, address(datanets));
        emit IDatanetsEvents.CommitmentSlashed(key, v1, expected);
        vm.prank(bob);
        assertEq(datanets.slashUnrevealed(key), expected);

        assertEq(open.balanceOf(treasury), expected - reporterShare);
        assertEq(open.balanceOf(bob), bobBefore + reporterShare);
        assertEq(creditsOf(bob), 0);
        assertEq(staking.eligibleStake(v1), 1_234.5 ether - expected);
        assertEq(stateOf(key), 3);
    }

    function test_slash_followsProtocolSlashBps() public {
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(10 * 1024 * 1024, 10 * 1024 * 1024, 20, 250);
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        vm.warp(block.timestamp + 2 * MAX_WINDOW);
        // The rate is read when the vote is committed, so the new rate applies to this commitment.
        assertEq(datanets.slashUnrevealed(key), 25 ether);
        assertEq(open.balanceOf(treasury), 25 ether - 2.5 ether);
    }

    function test_slash_reachesStakeThatIsUnbonding() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        bytes32 key = commitAs(v1, textNet, one(d1), 1);
        vm.prank(v1);
        staking.unstake(MIN_STAKE);
        vm.warp(block.timestamp + 2 * MAX_WINDOW);
        assertEq(datanets.slashUnrevealed(key), 100 ether);
        (uint256 active, uint256 activating,, uint256 unbonding,) = staking.positionOf(v1);
        assertEq(active, 0);
        assertEq(activating, 0);
        assertEq(unbonding, MIN_STAKE - 100 ether);
    }

    // ════════════════════════════════════════════════════════════════════════
    // claim
    // ════════════════════════════════════════════════════════════════════════

    function test_claim_revertsWithNothingCredited() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NothingToClaim.selector, alice));
        vm.prank(alice);
        datanets.claim(alice);
    }

    function test_claim_paysOnceAndSecondClaimReverts() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        submitAs(alice, textNet, d2, 100);
        reviewAndFinalize(textNet, two(d1, d2), 3, 3, 3);
        uint256 before = open.balanceOf(alice);
        vm.expectEmit(true, true, false, true, address(datanets));
        emit IDatanetsEvents.Claimed(alice, alice, 2 * REWARD);
        vm.prank(alice);
        assertEq(datanets.claim(alice), 2 * REWARD);
        assertEq(open.balanceOf(alice), before + 2 * REWARD);
        assertEq(creditsOf(alice), 0);
        // Accepted work still ranks the contributor after the claim.
        (, uint256 count, uint256 bytes_) = datanets.accountOf(alice);
        assertEq(count, 2);
        assertEq(bytes_, 200);

        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NothingToClaim.selector, alice));
        vm.prank(alice);
        datanets.claim(alice);
    }

    function test_claim_paysToAnotherAddress() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, d1, 100);
        reviewAndFinalize(textNet, one(d1), 1, 1, 1);
        uint256 aliceBefore = open.balanceOf(alice);
        uint256 bobBefore = open.balanceOf(bob);
        vm.expectEmit(true, true, false, true, address(datanets));
        emit IDatanetsEvents.Claimed(alice, bob, REWARD);
        vm.prank(alice);
        datanets.claim(bob);
        assertEq(open.balanceOf(bob), bobBefore + REWARD);
        assertEq(open.balanceOf(alice), aliceBefore);
        // Bob had no credits of his own, and Alice's are spent.
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NothingToClaim.selector, bob));
        vm.prank(bob);
        datanets.claim(bob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NothingToClaim.selector, alice));
        vm.prank(alice);
        datanets.claim(alice);
    }

    function test_claim_collectsRewardsAndValidatorRewardsTogether() public {
        stakeValidators(MIN_STAKE);
        // v1 contributes too.
        submitAs(v1, textNet, d1, 100);
        reviewAndFinalize(textNet, one(d1), 1, 1, 1);
        claimRewardsAs(v1, textNet, one(d1));
        vm.prank(v1);
        assertEq(datanets.claim(v1), REWARD + 1 ether);
    }
}
