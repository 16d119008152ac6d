// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {Status} from "../interfaces/IDatanets.sol";

/// @notice A whole contribution's life: submit, three validators commit and reveal, finalise, claim.
contract LifecycleTest is Base {
    function test_acceptedContributionPaysContributorAndValidators() public {
        stakeValidators(MIN_STAKE);
        bytes32 digest = digestOf(1);
        bytes32 id = submitAs(alice, textNet, digest, 1234);
        bytes32[] memory ds = one(digest);
        commitAs(v1, textNet, ds, 1);
        commitAs(v2, textNet, ds, 1);
        commitAs(v3, textNet, ds, 0);
        toRevealWindow();
        revealAs(v1, textNet, ds, 1);
        revealAs(v2, textNet, ds, 1);
        revealAs(v3, textNet, ds, 0);
        toFinalizable();
        datanets.finalize(textNet, ds);
        (, Status status,,,,,,,,) = datanets.getContribution(id);
        assertEq(uint8(status), uint8(Status.Accepted));
        (uint256 credits, uint256 count, uint256 bytes_) = datanets.accountOf(alice);
        assertEq(credits, REWARD);
        assertEq(count, 1);
        assertEq(bytes_, 1234);

        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(textNet, ds), VALIDATOR_REWARD / 2);
        vm.prank(v3);
        assertEq(datanets.claimValidatorRewards(textNet, ds), 0);

        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        datanets.claim(alice);
        assertEq(open.balanceOf(alice), before + REWARD);
    }
}
