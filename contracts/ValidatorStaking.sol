// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IValidatorStaking} from "./interfaces/IValidatorStaking.sol";

/// @title ValidatorStaking
/// @notice Validators stake OPEN here to vote on contributions.
/// @dev Three states of stake: *activating* (too new to vote, so a flash-staked vote is impossible),
/// *active* (votes), and *unbonding* (votes no more, still slashable, withdrawable after the
/// unbonding period). A new stake joins the activating amount and restarts its clock.
contract ValidatorStaking is IValidatorStaking, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Share of a slash paid to the account that reported it (the rest goes to the treasury).
    uint256 public constant REPORTER_BPS = 1_000;

    struct Position {
        uint96 active;
        uint96 activating;
        uint40 activatingSince;
        uint96 unbonding;
        uint40 unbondingUntil;
    }

    IERC20 public immutable token;
    /// @inheritdoc IValidatorStaking
    uint256 public immutable activationDelay;
    /// @inheritdoc IValidatorStaking
    uint256 public immutable unbondingPeriod;
    /// @inheritdoc IValidatorStaking
    uint256 public minimumStake;
    /// @notice Where slashed stake goes.
    address public treasury;
    /// @notice The Datanets contract: the only caller that may hold, release and slash votes, and only
    /// by its own rules (an unrevealed commitment). Bound once; no role can slash at will.
    address public datanets;

    mapping(address validator => Position) private _positions;
    /// @dev Open (committed, not yet revealed or slashed) votes + 1 once a validator has voted, so
    /// that going from no open vote to one rewrites a slot instead of creating it.
    mapping(address validator => uint256) private _openVotesPlusOne;

    /// @param token_ The OPEN token.
    /// @param admin Receives DEFAULT_ADMIN_ROLE.
    /// @param treasury_ Receives slashed stake.
    /// @param minimumStake_ Eligible stake (wei) needed to vote.
    /// @param activationDelay_ Seconds before new stake votes; must be at least the longest commit window.
    /// @param unbondingPeriod_ Seconds from unstake to withdraw; must exceed every review (commit + reveal + slash grace).
    constructor(
        IERC20 token_,
        address admin,
        address treasury_,
        uint256 minimumStake_,
        uint256 activationDelay_,
        uint256 unbondingPeriod_
    ) {
        if (treasury_ == address(0)) revert ZeroAddress();
        if (unbondingPeriod_ <= activationDelay_) revert BadPeriods(activationDelay_, unbondingPeriod_);
        token = token_;
        treasury = treasury_;
        minimumStake = minimumStake_;
        activationDelay = activationDelay_;
        unbondingPeriod = unbondingPeriod_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit MinimumStakeSet(minimumStake_);
        emit TreasurySet(treasury_);
    }

    /// @notice Stake `amount` OPEN (approve this contract first). It votes after `activationDelay`.
    /// @dev Any earlier stake that is still activating restarts its clock with this one.
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Position memory p = _settled(msg.sender);
        p.activating += amount.toUint96();
        p.activatingSince = uint40(block.timestamp);
        _positions[msg.sender] = p;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount, block.timestamp + activationDelay);
    }

    /// @notice Start unbonding `amount`: it stops voting now and can be withdrawn after `unbondingPeriod`.
    /// @dev Takes activating stake first, so that what keeps voting is the oldest stake.
    /// A later unstake restarts the clock of everything unbonding.
    function unstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Position memory p = _settled(msg.sender);
        uint256 total = uint256(p.active) + p.activating;
        if (amount > total) revert InsufficientStake(msg.sender, total, amount);
        uint96 fromActivating = uint96(amount > p.activating ? p.activating : amount);
        p.activating -= fromActivating;
        p.active -= uint96(amount - fromActivating);
        p.unbonding += uint96(amount);
        p.unbondingUntil = uint40(block.timestamp + unbondingPeriod);
        _positions[msg.sender] = p;
        emit UnstakeStarted(msg.sender, amount, p.unbondingUntil);
    }

    /// @notice Withdraw all unbonded stake once the unbonding period is over and every vote the
    /// validator committed is revealed or slashed.
    function withdraw() external nonReentrant {
        Position storage p = _positions[msg.sender];
        uint256 amount = p.unbonding;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        if (block.timestamp < p.unbondingUntil) revert StillUnbonding(msg.sender, block.timestamp, p.unbondingUntil);
        uint256 pending = openVotes(msg.sender);
        if (pending > 0) revert VotesUnresolved(msg.sender, pending);
        p.unbonding = 0;
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice Bind the Datanets contract, once. Governance only, and only the first time: after it,
    /// no one (governance included) can make another contract able to slash.
    function bindDatanets(address datanets_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (datanets != address(0)) revert DatanetsAlreadyBound(datanets);
        if (datanets_ == address(0)) revert ZeroAddress();
        datanets = datanets_;
        emit DatanetsBound(datanets_);
    }

    modifier onlyDatanets() {
        if (msg.sender != datanets) revert NotDatanets(msg.sender, datanets);
        _;
    }

    /// @inheritdoc IValidatorStaking
    function holdVote(address validator)
        external
        onlyDatanets
        returns (uint256 eligible, uint256 minimum)
    {
        uint256 v = _openVotesPlusOne[validator];
        _openVotesPlusOne[validator] = (v == 0 ? 1 : v) + 1;
        return (_settled(validator).active, minimumStake);
    }

    /// @inheritdoc IValidatorStaking
    function releaseVote(address validator) external onlyDatanets {
        _openVotesPlusOne[validator] -= 1;
    }

    /// @notice How many of the validator's commitments are neither revealed nor slashed.
    function openVotes(address validator) public view returns (uint256) {
        uint256 v = _openVotesPlusOne[validator];
        return v == 0 ? 0 : v - 1;
    }

    /// @inheritdoc IValidatorStaking
    function slash(address validator, uint256 amount, address reporter)
        external
        onlyDatanets
        nonReentrant
        returns (uint256 slashed)
    {
        Position memory p = _settled(validator);
        uint256 left = amount;
        uint96 take;
        take = uint96(left > p.active ? p.active : left);
        p.active -= take;
        left -= take;
        take = uint96(left > p.activating ? p.activating : left);
        p.activating -= take;
        left -= take;
        take = uint96(left > p.unbonding ? p.unbonding : left);
        p.unbonding -= take;
        left -= take;
        slashed = amount - left;
        _positions[validator] = p;
        uint256 reporterShare = reporter == address(0) ? 0 : slashed * REPORTER_BPS / 10_000;
        if (reporterShare > 0) token.safeTransfer(reporter, reporterShare);
        if (slashed > reporterShare) token.safeTransfer(treasury, slashed - reporterShare);
        emit Slashed(validator, slashed, treasury, reporter, reporterShare);
    }

    /// @notice Set the minimum eligible stake needed to vote.
    function setMinimumStake(uint256 minimumStake_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        minimumStake = minimumStake_;
        emit MinimumStakeSet(minimumStake_);
    }

    /// @notice Set where slashed stake goes.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @inheritdoc IValidatorStaking
    function eligibleStake(address validator) external view returns (uint256) {
        return _settled(validator).active;
    }

    /// @notice A validator's stake in each state, with activating stake that has matured counted as active.
    function positionOf(address validator)
        external
        view
        returns (uint256 active, uint256 activating, uint256 activeAt, uint256 unbonding, uint256 withdrawableAt)
    {
        Position memory p = _settled(validator);
        return (p.active, p.activating, p.activatingSince + activationDelay, p.unbonding, p.unbondingUntil);
    }

    /// @dev The position with matured activating stake moved to active.
    function _settled(address validator) private view returns (Position memory p) {
        p = _positions[validator];
        if (p.activating > 0 && block.timestamp >= p.activatingSince + activationDelay) {
            p.active += p.activating;
            p.activating = 0;
        }
    }
}
