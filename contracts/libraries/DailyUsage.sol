// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title DailyUsage
/// @notice Bytes and files used by one account in one UTC day (`block.timestamp / 1 days`).
/// @dev A counter stores the day it belongs to; read on a later day it counts as zero, so a new day
/// needs no reset transaction.
library DailyUsage {
    /// @notice The current UTC day number.
    function today() internal view returns (uint32) {
        return uint32(block.timestamp / 1 days);
    }

    /// @notice The timestamp of the next UTC midnight, when every daily quota resets.
    function nextMidnight() internal view returns (uint256) {
        return (block.timestamp / 1 days + 1) * 1 days;
    }

    /// @notice The usage counted for `day`, given a counter last written on `storedDay`.
    function on(uint32 storedDay, uint32 bytesUsed, uint16 filesUsed, uint32 day)
        internal
        pure
        returns (uint256, uint256)
    {
        return storedDay == day ? (uint256(bytesUsed), uint256(filesUsed)) : (0, 0);
    }
}
