// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../../interfaces/IDatanetsAdmin.sol";
import {Base} from "../Base.t.sol";
import {Modality, CidCodec, Formats} from "../../libraries/Formats.sol";
import {Status, DatanetLimits, ReviewRules} from "../../interfaces/IDatanets.sol";

/// @notice Shortcuts over the Base fixture for review, reward and attribution tests.
/// @dev Every helper computes what it needs from the chain *before* it pranks, so that a
/// `vm.prank` or `vm.expectRevert` set by a test applies to the call the test means.
abstract contract ReviewHelpers is Base {
    /// @dev 1000 OPEN, the fixture's minimum stake, in the weight units the Datanets contract counts in.
    uint256 internal constant UNIT = 1e15; // Datanets.WEIGHT_UNIT
    uint256 internal constant POOL = 10_000 ether;

    // ─── arrays ─────────────────────────────────────────────────────────────

    function two(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory r) {
        r = new bytes32[](2);
        r[0] = a;
        r[1] = b;
    }

    function three(bytes32 a, bytes32 b, bytes32 c) internal pure returns (bytes32[] memory r) {
        r = new bytes32[](3);
        r[0] = a;
        r[1] = b;
        r[2] = c;
    }

    // ─── Datanets ───────────────────────────────────────────────────────────

    /// @dev A text Datanet owned by `owner` with the given payments and rules, funded with POOL.
    function createNet(
        uint96 reward,
        uint96 validatorReward,
        uint96 deposit,
        uint32 commitWindow,
        uint32 revealWindow,
        uint256 quorum,
        uint16 thresholdBps
    ) internal returns (uint32 id) {
        vm.startPrank(owner);
        id = IDatanetsAdmin(address(datanets)).createDatanet(
            Modality.Text,
            Formats.TEXT_FORMATS,
            keccak256("metadata"),
            CidCodec.Raw,
            DatanetLimits(0, 0, 0, deposit, reward, validatorReward),
            ReviewRules(commitWindow, revealWindow, quorum, thresholdBps, 1)
        );
        datanets.fund(id, POOL);
        vm.stopPrank();
    }

    function poolOf(uint32 datanetId) internal view returns (uint256) {
        return datanets.getDatanet(datanetId).pool;
    }

    function creditsOf(address account) internal view returns (uint256 credits) {
        (credits,,) = datanets.accountOf(account);
    }

    function statusOf(bytes32 id) internal view returns (Status status) {
        (status,) = datanets.statusOf(id);
    }

    // ─── staking ────────────────────────────────────────────────────────────

    function stakeAs(address validator, uint256 amount) internal {
        vm.prank(validator);
        staking.stake(amount);
    }

    /// @dev Stakes different amounts for v1, v2, v3 and waits until all of it votes.
    function stakeEach(uint256 a1, uint256 a2, uint256 a3) internal {
        if (a1 > 0) stakeAs(v1, a1);
        if (a2 > 0) stakeAs(v2, a2);
        if (a3 > 0) stakeAs(v3, a3);
        vm.warp(block.timestamp + ACTIVATION_DELAY);
    }

    // ─── commit / reveal ────────────────────────────────────────────────────

    /// @dev The salt `commitAs`/`revealAs` of Base use.
    function saltOf(address validator, uint256 votes) internal pure returns (bytes32) {
        return keccak256(abi.encode(validator, votes));
    }

    function sealedFor(address validator, uint32 datanetId, bytes32[] memory digests, uint256 votes)
        internal
        view
        returns (bytes32)
    {
        return seal(validator, datanetId, digests, votes, saltOf(validator, votes));
    }

    function keyOf(address validator, uint32 datanetId, bytes32[] memory digests) internal view returns (bytes32) {
        return datanets.commitmentKey(validator, datanetId, keccak256(abi.encodePacked(idsOf(datanetId, digests))));
    }

    /// @dev The committed weight of a commitment, in OPEN wei.
    function weightOf(bytes32 commitment) internal view returns (uint256 weight) {
        (, , weight,,,) = datanets.getCommitment(commitment);
    }

    function stateOf(bytes32 commitment) internal view returns (uint8 state) {
        (,,, state,,) = datanets.getCommitment(commitment);
    }

    function claimRewardsAs(address validator, uint32 datanetId, bytes32[] memory digests)
        internal
        returns (uint256 amount)
    {
        vm.prank(validator);
        amount = datanets.claimValidatorRewards(datanetId, digests);
    }

    /// @dev v1, v2, v3 commit `votes[i]` on `digests` now; those with `reveals[i]` reveal at the
    /// opening of the reveal window; then time moves to the end of review (fixture windows).
    function reviewWith(uint32 datanetId, bytes32[] memory digests, uint256[3] memory votes, bool[3] memory reveals)
        internal
    {
        address[3] memory vs = [v1, v2, v3];
        for (uint256 i; i < 3; ++i) {
            commitAs(vs[i], datanetId, digests, votes[i]);
        }
        toRevealWindow();
        for (uint256 i; i < 3; ++i) {
            if (reveals[i]) revealAs(vs[i], datanetId, digests, votes[i]);
        }
        toFinalizable();
    }

    /// @dev All three validators commit and reveal `votes`; then the batch is finalised.
    function reviewAndFinalize(uint32 datanetId, bytes32[] memory digests, uint256 v1Votes, uint256 v2Votes, uint256 v3Votes)
        internal
    {
        reviewWith(datanetId, digests, [v1Votes, v2Votes, v3Votes], [true, true, true]);
        datanets.finalize(datanetId, digests);
    }
}
