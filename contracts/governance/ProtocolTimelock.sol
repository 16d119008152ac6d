// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title ProtocolTimelock
/// @notice Governance of the protocol: the only holder of DEFAULT_ADMIN_ROLE on ValidatorStaking,
/// Datanets and ModelRegistry. Every parameter change and role grant is scheduled here first
/// (`CallScheduled`, public), and runs no sooner than `getMinDelay()` later, so that users see it
/// coming and can leave (unstake, withdraw, stop paying) before it applies. The delay itself can only
/// be changed through the same delay. OpenZeppelin's TimelockController, unchanged: this contract
/// only fixes that the timelock administers itself (no admin account that could skip the delay).
contract ProtocolTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling a call and the earliest time it may run.
    /// @param proposers May schedule and cancel calls (governance's keys, or a Governor contract).
    /// @param executors May run calls once ready; `address(0)` lets anyone run them.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
