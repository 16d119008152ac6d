// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Staking of OPEN by validators: errors, events and the calls the Datanets contract makes.
interface IValidatorStaking {
    /// @dev An amount of zero.
    error ZeroAmount();
    /// @dev More than the validator holds in that state.
    error InsufficientStake(address validator, uint256 available, uint256 requested);
    /// @dev The unbonding stake becomes withdrawable at `availableAt`.
    error StillUnbonding(address validator, uint256 time, uint256 availableAt);
    /// @dev Nothing is unbonding.
    error NothingToWithdraw(address validator);
    /// @dev Periods that would let stake leave before the rounds it voted in are final.
    error BadPeriods(uint256 activationDelay, uint256 unbondingPeriod);
    /// @dev A treasury of address zero.
    error ZeroAddress();
    /// @dev The validator has commitments that are neither revealed nor slashed; stake cannot leave
    /// before they are (anyone may slash an unrevealed commitment once its reveal period is over).
    error VotesUnresolved(address validator, uint256 openVotes);
    /// @dev Only the bound Datanets contract may hold, release or slash votes.
    error NotDatanets(address caller, address datanets);
    /// @dev The Datanets contract is bound once and for ever.
    error DatanetsAlreadyBound(address datanets);

    event Staked(address indexed validator, uint256 amount, uint256 activeAt);
    event UnstakeStarted(address indexed validator, uint256 amount, uint256 withdrawableAt);
    event Withdrawn(address indexed validator, uint256 amount);
    /// @param amount the whole slash; `reporterShare` of it went to `reporter`, the rest to `treasury`.
    event Slashed(address indexed validator, uint256 amount, address indexed treasury, address indexed reporter, uint256 reporterShare);
    event DatanetsBound(address datanets);
    event MinimumStakeSet(uint256 minimumStake);
    event TreasurySet(address treasury);

    /// @notice Stake that votes now: stake older than the activation delay, not unbonding.
    function eligibleStake(address validator) external view returns (uint256);

    /// @notice The minimum eligible stake needed to vote.
    function minimumStake() external view returns (uint256);

    /// @notice Seconds a new stake waits before it may vote.
    function activationDelay() external view returns (uint256);

    /// @notice Seconds between `unstake` and `withdraw`.
    function unbondingPeriod() external view returns (uint256);

    /// @notice Record a new commitment of `validator` (stake cannot be withdrawn while one is open)
    /// and return its eligible stake and the minimum stake, for the caller to weigh the vote.
    function holdVote(address validator) external returns (uint256 eligible, uint256 minimum);

    /// @notice Record that a commitment of `validator` was revealed or slashed.
    function releaseVote(address validator) external;

    /// @notice Take up to `amount` of the validator's stake (active, then activating, then unbonding):
    /// `REPORTER_BPS` of it to `reporter` (none when it is address zero), the rest to the treasury.
    /// @return slashed What was actually taken.
    function slash(address validator, uint256 amount, address reporter) external returns (uint256 slashed);
}
