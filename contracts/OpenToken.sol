// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title OPEN
/// @notice The protocol's token: a fixed supply of 1,000,000,000 OPEN minted once at deployment,
/// with EIP-2612 permit so that approvals can be signed instead of sent.
contract OpenToken is ERC20, ERC20Permit {
    /// @notice The whole supply, 10^9 tokens of 18 decimals.
    uint256 public constant TOTAL_SUPPLY = 1_000_000_000 ether;

    /// @param holder Receives the whole supply.
    constructor(address holder) ERC20("OpenLedger", "OPEN") ERC20Permit("OpenLedger") {
        _mint(holder, TOTAL_SUPPLY);
    }
}
