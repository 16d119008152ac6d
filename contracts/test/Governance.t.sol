// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {Base} from "./Base.t.sol";
import {ProtocolTimelock} from "../governance/ProtocolTimelock.sol";
import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";

/// @notice Governance behind a timelock, as `deployProtocol` sets it up: the timelock holds
/// DEFAULT_ADMIN_ROLE on ValidatorStaking, Datanets and ModelRegistry and the deployer holds it
/// nowhere; governance's key (the proposer) can only schedule. The attacker is that key: a greedy or
/// stolen admin key that wants a change to apply before users can react.
contract GovernanceTest is Base {
    uint256 internal constant DELAY = 2 days;
    ProtocolTimelock internal timelock;
    address internal proposer = makeAddr("governance key");

    function setUp() public override {
        super.setUp();
        address[] memory proposers = new address[](1);
        proposers[0] = proposer;
        address[] memory executors = new address[](1);
        executors[0] = address(0); // anyone may run a call once it is ready
        timelock = new ProtocolTimelock(DELAY, proposers, executors);
        // The hand-over `deployProtocol` makes: the timelock becomes the only admin of each contract.
        IAccessControl[3] memory governed = [IAccessControl(address(staking)), IAccessControl(address(datanets)), IAccessControl(address(models))];
        vm.startPrank(admin);
        for (uint256 i; i < governed.length; ++i) {
            governed[i].grantRole(0x00, address(timelock));
            governed[i].renounceRole(0x00, admin);
        }
        vm.stopPrank();
    }

    function limitsCall(uint16 files) internal view returns (bytes memory) {
        return abi.encodeCall(IDatanetsAdmin.setProtocolLimits, (10 * 1024 * 1024, 8 * 1024 * 1024, files, 100));
    }

    function schedule(address target, bytes memory data) internal returns (bytes32 id) {
        id = timelock.hashOperation(target, 0, data, bytes32(0), bytes32(0));
        vm.prank(proposer);
        timelock.schedule(target, 0, data, bytes32(0), bytes32(0), DELAY);
    }

    function dailyFiles() internal view returns (uint256 files) {
        (,, files,,) = datanets.protocolLimits();
    }

    function test_handOver_leavesNoAccountThatSkipsTheDelay() public view {
        IAccessControl[3] memory governed = [IAccessControl(address(staking)), IAccessControl(address(datanets)), IAccessControl(address(models))];
        for (uint256 i; i < governed.length; ++i) {
            assertTrue(governed[i].hasRole(0x00, address(timelock)));
            assertFalse(governed[i].hasRole(0x00, admin), "the deployer kept admin");
            assertFalse(governed[i].hasRole(0x00, proposer));
        }
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), admin), "no one administers the timelock but itself");
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)));
        assertEq(timelock.getMinDelay(), DELAY);
    }

    /// The governance key changes a protocol limit: not at once, only after the delay, and the change
    /// is public from the moment it is scheduled.
    function test_threat_greedyAdmin_parameterChangeWaitsTheDelay() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, proposer, bytes32(0)));
        IDatanetsAdmin(address(datanets)).setProtocolLimits(10 * 1024 * 1024, 8 * 1024 * 1024, 1, 100);

        bytes memory data = limitsCall(1);
        bytes32 id = timelock.hashOperation(address(datanets), 0, data, bytes32(0), bytes32(0));
        vm.expectEmit(true, true, false, true, address(timelock));
        emit TimelockController.CallScheduled(id, 0, address(datanets), 0, data, bytes32(0), DELAY);
        schedule(address(datanets), data);
        assertEq(timelock.getTimestamp(id), block.timestamp + DELAY, "users can read when it applies");

        vm.warp(block.timestamp + DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector, id, bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        timelock.execute(address(datanets), 0, data, bytes32(0), bytes32(0));
        assertEq(dailyFiles(), 20, "nothing changed before the delay");

        vm.warp(block.timestamp + 1);
        vm.prank(makeAddr("anyone"));
        timelock.execute(address(datanets), 0, data, bytes32(0), bytes32(0));
        assertEq(dailyFiles(), 1);
    }

    /// Shortening the delay, granting itself admin, or taking the slasher's place: each goes through
    /// the same delay, so the key cannot first remove the delay and then act at once.
    function test_threat_greedyAdmin_cannotShortenTheDelayOrTakeAdminAtOnce() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, proposer));
        timelock.updateDelay(0);
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, proposer, bytes32(0)));
        models.grantRole(0x00, proposer);

        // Scheduled with a shorter delay than the minimum: refused.
        bytes memory shorten = abi.encodeCall(TimelockController.updateDelay, (0));
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockInsufficientDelay.selector, 1 hours, DELAY));
        timelock.schedule(address(timelock), 0, shorten, bytes32(0), bytes32(0), 1 hours);
        // Scheduled properly, it waits the full delay like anything else.
        schedule(address(timelock), shorten);
        vm.warp(block.timestamp + DELAY);
        timelock.execute(address(timelock), 0, shorten, bytes32(0), bytes32(0));
        assertEq(timelock.getMinDelay(), 0);
    }

    /// A scheduled change can be cancelled by governance before it runs (a mistake, or an outcry).
    function test_scheduledChangeCanBeCancelled() public {
        bytes memory data = limitsCall(2);
        bytes32 id = schedule(address(datanets), data);
        vm.prank(proposer);
        timelock.cancel(id);
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert();
        timelock.execute(address(datanets), 0, data, bytes32(0), bytes32(0));
        assertEq(dailyFiles(), 20);
    }

    /// The emergency brake stays fast: the pauser pauses at once (pausing never traps funds: see the
    /// pause tests), and resuming needs no delay either.
    function test_pauserStillActsAtOnce() public {
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);
        (,,,, bool paused) = datanets.protocolLimits();
        assertTrue(paused);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(false);
    }
}
