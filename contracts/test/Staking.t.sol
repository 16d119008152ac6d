// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Base} from "./Base.t.sol";
import {ValidatorStaking} from "../ValidatorStaking.sol";
import {IValidatorStaking} from "../interfaces/IValidatorStaking.sol";

/// @notice Stake, activation, unbonding, withdrawal, slashing and governance of ValidatorStaking.
contract StakingTest is Base {
    address internal slasher = makeAddr("slasher");

    /// @dev A staking contract of its own, bound to `slasher` in place of a Datanets contract, so
    /// that slashing is tested on its own.
    function setUp() public override {
        super.setUp();
        staking = new ValidatorStaking(open, admin, treasury, MIN_STAKE, ACTIVATION_DELAY, UNBONDING);
        vm.prank(admin);
        staking.bindDatanets(slasher);
        address[5] memory stakers = [alice, bob, v1, v2, v3];
        for (uint256 i; i < stakers.length; ++i) {
            vm.prank(stakers[i]);
            open.approve(address(staking), type(uint256).max);
        }
    }

    // ─── helpers ────────────────────────────────────────────────────────────

    function stakeAs(address validator, uint256 amount) internal {
        vm.prank(validator);
        staking.stake(amount);
    }

    function unstakeAs(address validator, uint256 amount) internal {
        vm.prank(validator);
        staking.unstake(amount);
    }

    function slashAs(address who, address validator, uint256 amount) internal returns (uint256 slashed) {
        vm.prank(who);
        slashed = staking.slash(validator, amount, address(0));
    }

    function assertPosition(address validator, uint256 active, uint256 activating, uint256 unbonding) internal view {
        (uint256 a, uint256 b,, uint256 c,) = staking.positionOf(validator);
        assertEq(a, active, "active");
        assertEq(b, activating, "activating");
        assertEq(c, unbonding, "unbonding");
    }

    /// @dev v1 with 1000 active, 500 activating and 300 unbonding.
    function threeStates() internal {
        stakeAs(v1, 1_300 ether);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        unstakeAs(v1, 300 ether);
        stakeAs(v1, 500 ether);
        assertPosition(v1, 1_000 ether, 500 ether, 300 ether);
    }

    // ─── construction ───────────────────────────────────────────────────────

    function test_constructor_setsParametersAndEmits() public {
        vm.expectEmit(false, false, false, true);
        emit IValidatorStaking.MinimumStakeSet(5 ether);
        vm.expectEmit(false, false, false, true);
        emit IValidatorStaking.TreasurySet(treasury);
        ValidatorStaking s = new ValidatorStaking(open, admin, treasury, 5 ether, 2 days, 5 days);
        assertEq(address(s.token()), address(open));
        assertEq(s.treasury(), treasury);
        assertEq(s.minimumStake(), 5 ether);
        assertEq(s.activationDelay(), 2 days);
        assertEq(s.unbondingPeriod(), 5 days);
        assertTrue(s.hasRole(s.DEFAULT_ADMIN_ROLE(), admin));
    }

    function test_constructor_revertsWhenUnbondingEqualsActivation() public {
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.BadPeriods.selector, 1 days, 1 days));
        new ValidatorStaking(open, admin, treasury, MIN_STAKE, 1 days, 1 days);
    }

    function test_constructor_revertsWhenUnbondingShorterThanActivation() public {
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.BadPeriods.selector, 2 days, 1 days));
        new ValidatorStaking(open, admin, treasury, MIN_STAKE, 2 days, 1 days);
    }

    function test_constructor_revertsOnZeroTreasury() public {
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.ZeroAddress.selector));
        new ValidatorStaking(open, admin, address(0), MIN_STAKE, ACTIVATION_DELAY, UNBONDING);
    }

    // ─── stake and activation ───────────────────────────────────────────────

    function test_stake_revertsOnZero() public {
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.ZeroAmount.selector));
        stakeAs(v1, 0);
    }

    function test_stake_pullsTokensAndStartsActivating() public {
        uint256 before = open.balanceOf(v1);
        uint256 t0 = block.timestamp;
        vm.expectEmit(true, false, false, true, address(staking));
        emit IValidatorStaking.Staked(v1, MIN_STAKE, t0 + ACTIVATION_DELAY);
        stakeAs(v1, MIN_STAKE);
        assertEq(open.balanceOf(v1), before - MIN_STAKE);
        assertEq(open.balanceOf(address(staking)), MIN_STAKE);
        (uint256 active, uint256 activating, uint256 activeAt, uint256 unbonding, uint256 withdrawableAt) =
            staking.positionOf(v1);
        assertEq(active, 0);
        assertEq(activating, MIN_STAKE);
        assertEq(activeAt, t0 + ACTIVATION_DELAY);
        assertEq(unbonding, 0);
        assertEq(withdrawableAt, 0);
        assertEq(staking.eligibleStake(v1), 0);
    }

    function test_stake_eligibleOnlyAfterActivationDelay() public {
        uint256 t0 = block.timestamp;
        stakeAs(v1, MIN_STAKE);
        vm.warp(t0 + ACTIVATION_DELAY - 1);
        assertEq(staking.eligibleStake(v1), 0);
        vm.warp(t0 + ACTIVATION_DELAY);
        assertEq(staking.eligibleStake(v1), MIN_STAKE);
        assertPosition(v1, MIN_STAKE, 0, 0);
    }

    function test_stake_newStakeRestartsActivatingClock() public {
        uint256 t0 = block.timestamp;
        stakeAs(v1, MIN_STAKE);
        vm.warp(t0 + 12 hours);
        vm.expectEmit(true, false, false, true, address(staking));
        emit IValidatorStaking.Staked(v1, 500 ether, t0 + 12 hours + ACTIVATION_DELAY);
        stakeAs(v1, 500 ether);
        vm.warp(t0 + ACTIVATION_DELAY);
        // The first stake would have matured now, but it restarted with the second.
        assertEq(staking.eligibleStake(v1), 0);
        (, uint256 activating, uint256 activeAt,,) = staking.positionOf(v1);
        assertEq(activating, 1_500 ether);
        assertEq(activeAt, t0 + 12 hours + ACTIVATION_DELAY);
        vm.warp(t0 + 12 hours + ACTIVATION_DELAY);
        assertEq(staking.eligibleStake(v1), 1_500 ether);
    }

    function test_stake_newStakeLeavesActiveStakeVoting() public {
        stakeAs(v1, MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        stakeAs(v1, 500 ether);
        assertEq(staking.eligibleStake(v1), MIN_STAKE);
        assertPosition(v1, MIN_STAKE, 500 ether, 0);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        assertEq(staking.eligibleStake(v1), 1_500 ether);
    }

    // ─── unstake ────────────────────────────────────────────────────────────

    function test_unstake_revertsOnZero() public {
        stakeAs(v1, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.ZeroAmount.selector));
        unstakeAs(v1, 0);
    }

    function test_unstake_revertsAboveActivePlusActivating() public {
        threeStates();
        // Unbonding stake cannot be unstaked again: only 1000 active + 500 activating.
        vm.expectRevert(
            abi.encodeWithSelector(IValidatorStaking.InsufficientStake.selector, v1, 1_500 ether, 1_500 ether + 1)
        );
        unstakeAs(v1, 1_500 ether + 1);
    }

    function test_unstake_revertsWithoutStake() public {
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.InsufficientStake.selector, v2, 0, 1));
        unstakeAs(v2, 1);
    }

    function test_unstake_startsUnbondingAndStopsVoting() public {
        stakeAs(v1, MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        uint256 t1 = block.timestamp;
        vm.expectEmit(true, false, false, true, address(staking));
        emit IValidatorStaking.UnstakeStarted(v1, 400 ether, t1 + UNBONDING);
        unstakeAs(v1, 400 ether);
        assertEq(staking.eligibleStake(v1), 600 ether);
        (,,, uint256 unbonding, uint256 withdrawableAt) = staking.positionOf(v1);
        assertEq(unbonding, 400 ether);
        assertEq(withdrawableAt, t1 + UNBONDING);
        assertEq(open.balanceOf(address(staking)), MIN_STAKE);
    }

    function test_unstake_takesActivatingStakeFirst() public {
        stakeAs(v1, MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        stakeAs(v1, 500 ether);
        unstakeAs(v1, 300 ether);
        assertPosition(v1, MIN_STAKE, 200 ether, 300 ether);
        assertEq(staking.eligibleStake(v1), MIN_STAKE);
        unstakeAs(v1, 300 ether);
        assertPosition(v1, 900 ether, 0, 600 ether);
        assertEq(staking.eligibleStake(v1), 900 ether);
    }

    function test_unstake_ofMaturedStakeTakesItAsActive() public {
        stakeAs(v1, MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        // The activating stake matured without a write: unstake settles it first.
        unstakeAs(v1, MIN_STAKE);
        assertPosition(v1, 0, 0, MIN_STAKE);
    }

    function test_unstake_laterUnstakeRestartsUnbondingClock() public {
        stakeAs(v1, MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        unstakeAs(v1, 100 ether);
        vm.warp(block.timestamp + 2 days);
        uint256 t2 = block.timestamp;
        unstakeAs(v1, 100 ether);
        (,,, uint256 unbonding, uint256 withdrawableAt) = staking.positionOf(v1);
        assertEq(unbonding, 200 ether);
        assertEq(withdrawableAt, t2 + UNBONDING);
    }

    // ─── withdraw ───────────────────────────────────────────────────────────

    function test_withdraw_revertsWithNothingUnbonding() public {
        stakeAs(v1, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NothingToWithdraw.selector, v1));
        vm.prank(v1);
        staking.withdraw();
    }

    function test_withdraw_revertsWhileUnbonding() public {
        stakeAs(v1, MIN_STAKE);
        uint256 t0 = block.timestamp;
        unstakeAs(v1, MIN_STAKE);
        vm.warp(t0 + UNBONDING - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IValidatorStaking.StillUnbonding.selector, v1, t0 + UNBONDING - 1, t0 + UNBONDING)
        );
        vm.prank(v1);
        staking.withdraw();
    }

    function test_withdraw_paysAfterUnbondingOnce() public {
        stakeAs(v1, MIN_STAKE);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        uint256 before = open.balanceOf(v1);
        unstakeAs(v1, 400 ether);
        vm.warp(block.timestamp + UNBONDING);
        vm.expectEmit(true, false, false, true, address(staking));
        emit IValidatorStaking.Withdrawn(v1, 400 ether);
        vm.prank(v1);
        staking.withdraw();
        assertEq(open.balanceOf(v1), before + 400 ether);
        assertEq(open.balanceOf(address(staking)), 600 ether);
        assertPosition(v1, 600 ether, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NothingToWithdraw.selector, v1));
        vm.prank(v1);
        staking.withdraw();
    }

    // ─── slash ──────────────────────────────────────────────────────────────

    function test_slash_onlyTheBoundDatanetsContract() public {
        threeStates();
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NotDatanets.selector, alice, slasher));
        slashAs(alice, v1, 1 ether);
        // Not even governance slashes.
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NotDatanets.selector, admin, slasher));
        slashAs(admin, v1, 1 ether);
        assertPosition(v1, 1_000 ether, 500 ether, 300 ether);
    }

    function test_bindDatanets_refusesTheZeroAddress() public {
        ValidatorStaking fresh = new ValidatorStaking(open, admin, treasury, MIN_STAKE, ACTIVATION_DELAY, UNBONDING);
        vm.expectRevert(IValidatorStaking.ZeroAddress.selector);
        vm.prank(admin);
        fresh.bindDatanets(address(0));
    }

    /// @dev Attack: a greedy admin tries to point slashing at a contract of its own (it could then
    /// slash every stake, or hold votes so that no stake can ever leave). The binding is once only.
    function test_threat_greedyAdmin_cannotRebindTheSlasher() public {
        threeStates();
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.DatanetsAlreadyBound.selector, slasher));
        staking.bindDatanets(admin);
        // Granting itself roles does not help either: no role can slash.
        staking.grantRole(keccak256("SLASHER_ROLE"), admin);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NotDatanets.selector, admin, slasher));
        staking.slash(v1, 1_000 ether, admin);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NotDatanets.selector, admin, slasher));
        staking.holdVote(v1);
        vm.stopPrank();
        assertPosition(v1, 1_000 ether, 500 ether, 300 ether);
    }

    function test_slash_reporterIsPaidItsShare() public {
        threeStates();
        vm.prank(slasher);
        assertEq(staking.slash(v1, 1_000 ether, bob), 1_000 ether);
        uint256 share = 1_000 ether * staking.REPORTER_BPS() / 10_000;
        assertEq(open.balanceOf(treasury), 1_000 ether - share);
        assertEq(open.balanceOf(bob), 1_000_000 ether + share);
    }

    function test_slash_takesActiveThenActivatingThenUnbonding() public {
        threeStates();
        vm.expectEmit(true, true, false, true, address(staking));
        emit IValidatorStaking.Slashed(v1, 1_200 ether, treasury, address(0), 0);
        assertEq(slashAs(slasher, v1, 1_200 ether), 1_200 ether);
        assertPosition(v1, 0, 300 ether, 300 ether);
        assertEq(slashAs(slasher, v1, 500 ether), 500 ether);
        assertPosition(v1, 0, 0, 100 ether);
        assertEq(open.balanceOf(treasury), 1_700 ether);
        assertEq(open.balanceOf(address(staking)), 100 ether);
    }

    function test_slash_capsAtWhatExists() public {
        threeStates();
        vm.expectEmit(true, true, false, true, address(staking));
        emit IValidatorStaking.Slashed(v1, 1_800 ether, treasury, address(0), 0);
        assertEq(slashAs(slasher, v1, 5_000 ether), 1_800 ether);
        assertPosition(v1, 0, 0, 0);
        assertEq(open.balanceOf(treasury), 1_800 ether);
        assertEq(open.balanceOf(address(staking)), 0);
        // Nothing is left to withdraw.
        vm.warp(block.timestamp + UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NothingToWithdraw.selector, v1));
        vm.prank(v1);
        staking.withdraw();
    }

    function test_slash_ofNothingTakesNothing() public {
        vm.expectEmit(true, true, false, true, address(staking));
        emit IValidatorStaking.Slashed(v2, 0, treasury, address(0), 0);
        assertEq(slashAs(slasher, v2, 10 ether), 0);
        assertEq(open.balanceOf(treasury), 0);
    }

    function test_slash_reducesUnbondingThatIsWithdrawnLater() public {
        stakeAs(v1, MIN_STAKE);
        unstakeAs(v1, MIN_STAKE);
        slashAs(slasher, v1, 10 ether);
        vm.warp(block.timestamp + UNBONDING);
        uint256 before = open.balanceOf(v1);
        vm.prank(v1);
        staking.withdraw();
        assertEq(open.balanceOf(v1), before + MIN_STAKE - 10 ether);
    }

    // ─── governance ─────────────────────────────────────────────────────────

    function test_setMinimumStake_byAdmin() public {
        vm.expectEmit(false, false, false, true, address(staking));
        emit IValidatorStaking.MinimumStakeSet(2_000 ether);
        vm.prank(admin);
        staking.setMinimumStake(2_000 ether);
        assertEq(staking.minimumStake(), 2_000 ether);
    }

    function test_setMinimumStake_onlyAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bytes32(0))
        );
        vm.prank(alice);
        staking.setMinimumStake(1);
        assertEq(staking.minimumStake(), MIN_STAKE);
    }

    function test_setTreasury_byAdminRedirectsSlashes() public {
        address newTreasury = makeAddr("newTreasury");
        vm.expectEmit(false, false, false, true, address(staking));
        emit IValidatorStaking.TreasurySet(newTreasury);
        vm.prank(admin);
        staking.setTreasury(newTreasury);
        assertEq(staking.treasury(), newTreasury);
        stakeAs(v1, MIN_STAKE);
        slashAs(slasher, v1, 7 ether);
        assertEq(open.balanceOf(newTreasury), 7 ether);
        assertEq(open.balanceOf(treasury), 0);
    }

    function test_setTreasury_revertsOnZero() public {
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.ZeroAddress.selector));
        vm.prank(admin);
        staking.setTreasury(address(0));
    }

    function test_setTreasury_onlyAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bytes32(0))
        );
        vm.prank(alice);
        staking.setTreasury(alice);
    }

    // ─── fuzz ───────────────────────────────────────────────────────────────

    /// @dev Whatever the amounts, a slash takes active, then activating, then unbonding stake, never
    /// more than exists, and the contract's balance always equals the stake it records.
    function testFuzz_slashOrderAndConservation(uint256 staked, uint256 unstaked, uint256 added, uint256 amount)
        public
    {
        staked = bound(staked, 1, 100_000 ether);
        unstaked = bound(unstaked, 0, staked);
        added = bound(added, 0, 100_000 ether);
        amount = bound(amount, 0, 300_000 ether);
        stakeAs(v1, staked);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
        if (unstaked > 0) unstakeAs(v1, unstaked);
        if (added > 0) stakeAs(v1, added);
        uint256 active = staked - unstaked;
        uint256 total = staked + added;
        assertPosition(v1, active, added, unstaked);

        uint256 slashed = slashAs(slasher, v1, amount);
        uint256 expected = amount < total ? amount : total;
        assertEq(slashed, expected);
        uint256 fromActive = amount < active ? amount : active;
        uint256 rest = amount - fromActive;
        uint256 fromActivating = rest < added ? rest : added;
        rest -= fromActivating;
        uint256 fromUnbonding = rest < unstaked ? rest : unstaked;
        assertPosition(v1, active - fromActive, added - fromActivating, unstaked - fromUnbonding);
        assertEq(open.balanceOf(treasury), expected);
        assertEq(open.balanceOf(address(staking)), total - expected);
    }
}
