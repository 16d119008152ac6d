// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {Base} from "./Base.t.sol";
import {Datanets} from "../Datanets.sol";
import {ValidatorStaking} from "../ValidatorStaking.sol";
import {IValidatorStaking} from "../interfaces/IValidatorStaking.sol";
import {IDatanetsErrors, Setting, Status, DatanetLimits, ReviewRules} from "../interfaces/IDatanets.sol";
import {Modality, CidCodec, Formats} from "../libraries/Formats.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @notice Content that expires and is resubmitted starts a new round: commitments of the old round
/// neither count in the new one nor escape their slash. Also the deployment bounds of the windows.
contract RoundsTest is Base {
    bytes32 internal digest = digestOf(42);

    /// @dev Submits `digest`, lets v1 commit on it without revealing, and lets it expire.
    function expireWithUnrevealedCommit() internal returns (bytes32 commitment) {
        stakeValidators(2 * MIN_STAKE);
        submitAs(alice, textNet, digest, 100);
        commitment = commitAs(v1, textNet, one(digest), 1);
        toRevealWindow();
        toFinalizable();
        datanets.finalize(textNet, one(digest));
        (, Status status,,,,,,,,) = datanets.getContribution(datanets.contributionIdOf(textNet, digest));
        assertEq(uint8(status), uint8(Status.Expired));
    }

    function test_recommitOnResubmittedContent_slashesTheUnrevealedEarlierRound() public {
        bytes32 commitment = expireWithUnrevealedCommit();
        submitAs(bob, textNet, digest, 100);
        uint256 treasuryBefore = open.balanceOf(treasury);
        bytes32 again = commitAs(v1, textNet, one(digest), 1);
        assertEq(again, commitment, "same validator and ids give the same key");
        // 10 % of the earlier weight went to the treasury before the new commitment replaced it.
        assertEq(open.balanceOf(treasury) - treasuryBefore, 2 * MIN_STAKE / 10);
        (,, uint256 weight, uint8 state,,) = datanets.getCommitment(again);
        assertEq(state, 1, "the new commitment is open");
        assertEq(weight, 2 * MIN_STAKE - 2 * MIN_STAKE / 10, "weighs the stake left after the slash");
    }

    function test_oldRoundCommitment_cannotBeRevealedInTheNewRound() public {
        bytes32 commitment = expireWithUnrevealedCommit();
        submitAs(bob, textNet, digest, 100);
        (, uint256 committedAt,,,,) = datanets.getCommitment(commitment);
        (,, uint256 submittedAt,,,,,,,) = datanets.getContribution(datanets.contributionIdOf(textNet, digest));
        toRevealWindow();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.NotInCommitWindow.selector,
                datanets.contributionIdOf(textNet, digest),
                committedAt,
                submittedAt,
                submittedAt + COMMIT_WINDOW
            )
        );
        revealAs(v1, textNet, one(digest), 1);
    }

    function test_claimValidatorRewards_skipsContentResubmittedAfterTheCommitmentsRound() public {
        // v1 commits and reveals on [digest] but quorum is not met (quorum raised to 2 validators).
        uint32 net = createNetWithQuorum(2 * MIN_STAKE);
        vm.prank(owner);
        datanets.fund(net, 1_000 ether);
        stakeValidators(MIN_STAKE);
        submitAs(alice, net, digest, 100);
        commitAs(v1, net, one(digest), 1);
        toRevealWindow();
        revealAs(v1, net, one(digest), 1);
        toFinalizable();
        datanets.finalize(net, one(digest)); // Expired: 1 validator < quorum
        // Resubmitted and accepted in a new round without v1.
        submitAs(bob, net, digest, 100);
        commitAs(v2, net, one(digest), 1);
        commitAs(v3, net, one(digest), 1);
        toRevealWindow();
        revealAs(v2, net, one(digest), 1);
        revealAs(v3, net, one(digest), 1);
        toFinalizable();
        datanets.finalize(net, one(digest));
        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(net, one(digest)), 0, "v1's commitment belongs to the expired round");
        vm.prank(v2);
        assertEq(datanets.claimValidatorRewards(net, one(digest)), VALIDATOR_REWARD / 2);
    }

    function createNetWithQuorum(uint256 quorum) internal returns (uint32 id) {
        vm.prank(owner);
        id = IDatanetsAdmin(address(datanets)).createDatanet(
            Modality.Text,
            Formats.TEXT_FORMATS,
            keccak256("metadata"),
            CidCodec.Raw,
            DatanetLimits(0, 0, 0, 0, REWARD, VALIDATOR_REWARD),
            ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, quorum, 0, 1)
        );
    }

    function test_reveal_refusesAnEmptyOrOversizedBatch() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 0, 256));
        datanets.reveal(textNet, new bytes32[](0), 0, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 257, 256));
        datanets.reveal(textNet, new bytes32[](257), 0, bytes32(0));
    }

    function test_reveal_afterFinalisationIsOutsideTheWindow() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, digest, 100);
        commitAs(v1, textNet, one(digest), 1);
        toRevealWindow();
        toFinalizable();
        datanets.finalize(textNet, one(digest));
        (,, uint256 submittedAt,,,,,,,) = datanets.getContribution(datanets.contributionIdOf(textNet, digest));
        uint256 opensAt = submittedAt + COMMIT_WINDOW;
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.NotInRevealWindow.selector,
                datanets.contributionIdOf(textNet, digest),
                block.timestamp,
                opensAt,
                opensAt + REVEAL_WINDOW
            )
        );
        revealAs(v1, textNet, one(digest), 1);
    }

    function test_voteHolds_onlyTheDatanetsContractRecordsThem() public {
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NotDatanets.selector, v1, address(datanets)));
        vm.prank(v1);
        staking.holdVote(v1);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.NotDatanets.selector, v1, address(datanets)));
        vm.prank(v1);
        staking.releaseVote(v1);
        assertEq(staking.openVotes(v1), 0);
    }

    function test_voteHolds_countEveryOpenCommitment() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, digestOf(1), 100);
        submitAs(alice, textNet, digestOf(2), 100);
        commitAs(v1, textNet, one(digestOf(1)), 1);
        commitAs(v1, textNet, one(digestOf(2)), 0);
        assertEq(staking.openVotes(v1), 2);
        toRevealWindow();
        revealAs(v1, textNet, one(digestOf(1)), 1);
        assertEq(staking.openVotes(v1), 1);
    }

    function test_withdraw_waitsForEveryOpenVote() public {
        stakeValidators(MIN_STAKE);
        submitAs(alice, textNet, digest, 100);
        bytes32 key = commitAs(v1, textNet, one(digest), 0);
        vm.prank(v1);
        staking.unstake(MIN_STAKE);
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(v1);
        vm.expectRevert(abi.encodeWithSelector(IValidatorStaking.VotesUnresolved.selector, v1, 1));
        staking.withdraw();
        datanets.slashUnrevealed(key);
        vm.prank(v1);
        staking.withdraw();
        assertEq(staking.openVotes(v1), 0);
    }

    // ─── deployment bounds ──────────────────────────────────────────────────

    function test_constructor_refusesWindowsBelowTheMinimum() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.SettingOutOfBounds.selector, Setting.CommitWindow, 59, 60, type(uint32).max));
        new Datanets(open, staking, admin, 59, MAX_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.SettingOutOfBounds.selector, Setting.RevealWindow, 59, 60, type(uint32).max));
        new Datanets(open, staking, admin, MAX_WINDOW, 59);
    }

    function test_constructor_refusesACommitWindowLongerThanTheActivationDelay() public {
        // Stake activates after 1 day: a 2-day commit window would let fresh stake vote.
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.SettingOutOfBounds.selector, Setting.CommitWindow, 2 days, 60, ACTIVATION_DELAY)
        );
        new Datanets(open, staking, admin, 2 days, 1 hours);
    }

    function test_constructor_refusesReviewsLongerThanUnbonding() public {
        ValidatorStaking slow = new ValidatorStaking(open, admin, treasury, MIN_STAKE, 1 days, 2 days);
        // 1 day + 1 day of review = the 2-day unbonding: stake could leave as its reveal window closes.
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.SettingOutOfBounds.selector, Setting.RevealWindow, 1 days, 60, 1 days));
        new Datanets(open, slow, admin, 1 days, 1 days);
    }
}
