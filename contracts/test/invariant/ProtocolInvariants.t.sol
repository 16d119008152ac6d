// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../../interfaces/IDatanetsAdmin.sol";
import {Test} from "forge-std/Test.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {OpenToken} from "../../OpenToken.sol";
import {ValidatorStaking} from "../../ValidatorStaking.sol";
import {Datanets} from "../../Datanets.sol";
import {ModelRegistry} from "../../ModelRegistry.sol";
import {LeafFault, LeafEvidence} from "../../interfaces/IModelRegistry.sol";
import {Modality, CidCodec, Formats} from "../../libraries/Formats.sol";
import {Status, DatanetLimits, ReviewRules, QuotaView} from "../../interfaces/IDatanets.sol";
import {Handler} from "./Handler.sol";

/// @notice The handler, declared again in this test file so that the test build writes its artifact:
/// Hardhat writes artifacts only for the root files it compiles, and EDR needs the artifact of a target
/// contract to fuzz it. `Handler.sol` alone would be compiled as a dependency, without one.
contract InvariantHandler is Handler {
    constructor(Handler.Setup memory s) Handler(s) {}
}

/// @notice The six protocol invariants of PROTOCOL.md, fuzzed over random sequences of calls by several
/// contributors and validators on two Datanets (one with a submission deposit) and the model registry.
/// @dev The fixture uses short windows (commit/reveal 1–2 h, activation 2 h, unbonding 5 h) so that a
/// run goes through whole review rounds, slashes, unbonding and UTC day changes. Runs are deeper than
/// the project default (100 calls instead of 40) so that most runs reach the model registry too
/// (submit → review → accept → register → pay → claim); 64 runs of 6 invariants take about a minute.
/// forge-config: default.invariant.depth = 100
contract ProtocolInvariants is StdInvariant, Test {
    uint32 internal constant MAX_WINDOW = 2 hours;
    uint256 internal constant ACTIVATION_DELAY = 2 hours;
    uint256 internal constant UNBONDING = 5 hours;
    uint256 internal constant MIN_STAKE = 1_000 ether;

    OpenToken internal open;
    ValidatorStaking internal staking;
    Datanets internal datanets;
    ModelRegistry internal models;
    Handler internal handler;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal owner = makeAddr("owner");
    address internal trainer = makeAddr("trainer");
    address internal payer = makeAddr("payer");
    address[] internal contributors;
    address[] internal validators;
    uint32[] internal nets;

    function setUp() public {
        vm.warp(1_767_225_600); // 2026-01-01T00:00:00Z
        open = new OpenToken(admin);
        staking = new ValidatorStaking(open, admin, treasury, MIN_STAKE, ACTIVATION_DELAY, UNBONDING);
        datanets = new Datanets(open, staking, admin, MAX_WINDOW, MAX_WINDOW);
        models = new ModelRegistry(open, datanets, admin, treasury, 7_000, 1_000, 100 ether, 1 hours);
        vm.startPrank(admin);
        staking.bindDatanets(address(datanets));
        models.grantRole(models.TRAINER_ROLE(), trainer);
        vm.stopPrank();

        for (uint256 i; i < 4; ++i) {
            contributors.push(makeAddr(string.concat("contributor", vm.toString(i))));
            validators.push(makeAddr(string.concat("validator", vm.toString(i))));
        }
        _fund(owner, 1_000_000 ether);
        _fund(payer, 1_000_000 ether);
        _fund(trainer, 1_000_000 ether); // bonds
        for (uint256 i; i < 4; ++i) {
            _fund(contributors[i], 100_000 ether);
            _fund(validators[i], 100_000 ether);
        }

        vm.startPrank(owner);
        // A: no deposit, protocol-default quotas (the protocol-wide quota binds), 1 h windows.
        nets.push(
            IDatanetsAdmin(address(datanets)).createDatanet(
                Modality.Text,
                Formats.TEXT_FORMATS,
                keccak256("A"),
                CidCodec.Raw,
                DatanetLimits(0, 0, 0, 0, 10 ether, 3 ether),
                ReviewRules(1 hours, 1 hours, 0, 0, 1)
            )
        );
        // B: a 2 OPEN deposit, tight per-Datanet quotas, a 2 h commit window and a 70 % threshold.
        nets.push(
            IDatanetsAdmin(address(datanets)).createDatanet(
                Modality.Text,
                Formats.TEXT_FORMATS,
                keccak256("B"),
                CidCodec.Raw,
                DatanetLimits(64 * 1024, 200_000, 4, 2 ether, 5 ether, 1 ether),
                ReviewRules(2 hours, 1 hours, 0, 7_000, 1)
            )
        );
        datanets.fund(nets[0], 5_000 ether);
        datanets.fund(nets[1], 200 ether);
        vm.stopPrank();

        // Three validators start with voting stake; the fourth must stake (and wait) to vote.
        for (uint256 i; i < 3; ++i) {
            vm.prank(validators[i]);
            staking.stake(1_500 ether + i * 500 ether);
        }
        vm.warp(block.timestamp + ACTIVATION_DELAY);

        uint256[] memory sizeRanges = new uint256[](2);
        sizeRanges[0] = 1_536 * 1024; // up to 1.5 MiB: some days hit the protocol's 10 MiB
        sizeRanges[1] = 70_000; // above B's 64 KiB cap now and then
        handler = new InvariantHandler(
            Handler.Setup(
                open, staking, datanets, models, owner, trainer, payer, treasury, contributors, validators, nets, sizeRanges
            )
        );

        // Selectors listed more than once are called more often (weights out of 45).
        bytes4[49] memory weighted = [
            Handler.submit.selector,
            Handler.submit.selector,
            Handler.submit.selector,
            Handler.submit.selector,
            Handler.submitBatch.selector,
            Handler.submitBatch.selector,
            Handler.submitBatch.selector,
            Handler.commit.selector,
            Handler.commit.selector,
            Handler.commit.selector,
            Handler.commit.selector,
            Handler.commit.selector,
            Handler.commit.selector,
            Handler.reveal.selector,
            Handler.reveal.selector,
            Handler.reveal.selector,
            Handler.reveal.selector,
            Handler.skipReveal.selector,
            Handler.finalize.selector,
            Handler.finalize.selector,
            Handler.finalize.selector,
            Handler.finalize.selector,
            Handler.claimValidatorRewards.selector,
            Handler.claimValidatorRewards.selector,
            Handler.slashUnrevealed.selector,
            Handler.claim.selector,
            Handler.claim.selector,
            Handler.stake.selector,
            Handler.unstake.selector,
            Handler.withdraw.selector,
            Handler.fund.selector,
            Handler.setPaused.selector,
            Handler.withdrawPool.selector,
            Handler.registerModel.selector,
            Handler.registerModel.selector,
            Handler.payForModel.selector,
            Handler.payForModel.selector,
            Handler.payForModel.selector,
            Handler.claimAttribution.selector,
            Handler.claimAttribution.selector,
            Handler.claimAttribution.selector,
            Handler.claimAttribution.selector,
            Handler.challengeLeaf.selector,
            Handler.challengeLeaf.selector,
            Handler.releaseBond.selector,
            Handler.copyAndDisplace.selector,
            Handler.warp.selector,
            Handler.warp.selector,
            Handler.warpLong.selector
        ];
        bytes4[] memory selectors = new bytes4[](weighted.length);
        for (uint256 i; i < weighted.length; ++i) {
            selectors[i] = weighted[i];
        }
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function _fund(address who, uint256 amount) internal {
        if (amount > 0) {
            vm.prank(admin);
            open.transfer(who, amount);
        }
        vm.startPrank(who);
        open.approve(address(datanets), type(uint256).max);
        open.approve(address(staking), type(uint256).max);
        open.approve(address(models), type(uint256).max);
        vm.stopPrank();
    }

    function _accounts() internal view returns (address[] memory a) {
        a = new address[](contributors.length + validators.length);
        for (uint256 i; i < contributors.length; ++i) {
            a[i] = contributors[i];
        }
        for (uint256 i; i < validators.length; ++i) {
            a[contributors.length + i] = validators[i];
        }
    }

    // ─── 1. OPEN is conserved ───────────────────────────────────────────────

    function invariant_openConserved() public view {
        // Every token is somewhere we know of.
        address[] memory accounts = _accounts();
        uint256 held = open.balanceOf(address(datanets)) + open.balanceOf(address(staking))
            + open.balanceOf(address(models)) + open.balanceOf(treasury) + open.balanceOf(admin) + open.balanceOf(owner)
            + open.balanceOf(trainer) + open.balanceOf(payer) + open.balanceOf(address(handler))
            + open.balanceOf(address(this));
        for (uint256 i; i < accounts.length; ++i) {
            held += open.balanceOf(accounts[i]);
        }
        assertEq(held, open.totalSupply(), "supply");

        // Datanets: pools + deposits of pending contributions + credits + validator rewards.
        uint256 pools;
        for (uint256 i; i < nets.length; ++i) {
            uint256 pool = datanets.getDatanet(nets[i]).pool;
            assertEq(pool, handler.ghostPool(nets[i]), "pool");
            pools += pool;
        }
        uint256 credits;
        for (uint256 i; i < accounts.length; ++i) {
            (uint256 c,,) = datanets.accountOf(accounts[i]);
            credits += c;
        }
        uint256 outstanding = datanets.validatorRewardsOutstanding();
        assertEq(outstanding, handler.ghostOutstanding(), "outstanding");
        assertEq(open.balanceOf(address(datanets)), pools + handler.pendingHeld() + credits + outstanding, "datanets");

        // Staking: Σ positions.
        uint256 staked;
        for (uint256 i; i < validators.length; ++i) {
            (uint256 active, uint256 activating,, uint256 unbonding,) = staking.positionOf(validators[i]);
            staked += active + activating + unbonding;
        }
        assertEq(open.balanceOf(address(staking)), staked, "staking");

        // Registry: Σ (contributors' fees − attribution paid) + the bonds still held.
        uint256 owed;
        for (uint256 i = 1; i <= models.modelCount(); ++i) {
            (,,,,,, uint256 fees,, uint256 paid) = models.getModel(i);
            (uint256 bond,,) = models.bondOf(i);
            owed += fees - paid + bond;
        }
        assertEq(open.balanceOf(address(models)), owed, "registry");

        assertEq(handler.poolMismatch(), 0, "pool withdrawal or payment");
        assertEq(handler.unexpectedReverts(), 0, "a call that must succeed reverted");
    }

    // ─── 2. No contributor ever exceeds a daily quota ───────────────────────

    function invariant_dailyQuotasHold() public view {
        (, uint256 protocolBytes, uint256 protocolFiles,,) = datanets.protocolLimits();
        uint256 day = block.timestamp / 1 days;
        for (uint256 n; n < nets.length; ++n) {
            (,,,,, uint256 dailyBytes, uint256 dailyFiles,,,,) = handler.cfg(nets[n]);
            for (uint256 i; i < contributors.length; ++i) {
                address c = contributors[i];
                QuotaView memory q = datanets.quotaOf(c, nets[n]);
                assertEq(q.protocolBytesUsed, handler.protoBytes(c, day), "protocol bytes");
                assertEq(q.protocolFilesUsed, handler.protoFiles(c, day), "protocol files");
                assertEq(q.datanetBytesUsed, handler.netBytes(nets[n], c, day), "datanet bytes");
                assertEq(q.datanetFilesUsed, handler.netFiles(nets[n], c, day), "datanet files");
                assertLe(q.protocolBytesUsed, protocolBytes, "protocol bytes quota");
                assertLe(q.protocolFilesUsed, protocolFiles, "protocol files quota");
                assertLe(q.datanetBytesUsed, dailyBytes, "datanet bytes quota");
                assertLe(q.datanetFilesUsed, dailyFiles, "datanet files quota");
            }
        }
        // Every successful submission of the run, on every day, stayed within every quota, and every
        // submission the ghost predicted to break a rule (quota, pool, duplicate, size, pause) was refused.
        assertEq(handler.quotaBreaches(), 0, "quota breached");
        assertEq(handler.submitMismatch(), 0, "submission outcome");
    }

    // ─── 3. One final state, once; rewards credited at most once ────────────

    function invariant_singleFinalState() public view {
        uint256 count = handler.roundCount();
        for (uint256 i; i < count; ++i) {
            Handler.Round memory r = handler.round(i);
            assertLe(r.finalizedCount, 1, "finalised twice");
            assertEq(r.finalizedCount, r.status == Status.Pending ? 0 : 1, "finalised count");
            if (handler.isCurrent(i)) {
                (Status status,) = datanets.statusOf(r.id);
                assertEq(uint8(status), uint8(r.status), "status");
            } else {
                // Only expired content may be submitted again.
                assertEq(uint8(r.status), uint8(Status.Expired), "superseded round not expired");
            }
        }
        assertEq(handler.finalizeMismatch(), 0, "outcome");
        assertEq(handler.unexpectedReverts(), 0, "a call that must succeed reverted");
        assertEq(handler.doubleFinalize(), 0, "final contribution finalised again");
        for (uint256 i; i < contributors.length; ++i) {
            address c = contributors[i];
            (uint256 credits, uint256 acceptedCount, uint256 acceptedBytes) = datanets.accountOf(c);
            (uint256 eCredits, uint256 eCount, uint256 eBytes) = handler.expectedContributorCredits(c);
            // accepted × reward + refunds, credited once each.
            assertEq(credits + handler.claimed(c), eCredits, "contributor credits");
            assertEq(handler.credited(c), eCredits, "ghost credits");
            assertEq(acceptedCount, eCount, "accepted count");
            assertEq(acceptedBytes, eBytes, "accepted bytes");
        }
    }

    // ─── 4. No claim pays more than was credited; no leaf paid twice ────────

    function invariant_claimsWithinCredits() public view {
        address[] memory accounts = _accounts();
        for (uint256 i; i < accounts.length; ++i) {
            (uint256 credits,,) = datanets.accountOf(accounts[i]);
            assertEq(handler.claimed(accounts[i]) + credits, handler.credited(accounts[i]), "claimed + credits");
        }
        assertEq(handler.claimMismatch(), 0, "claim amount");
        assertEq(handler.validatorRewardMismatch(), 0, "validator reward");
        assertEq(handler.doubleValidatorClaim(), 0, "validator rewards claimed twice");
        assertEq(handler.attributionMismatch(), 0, "attribution outcome");
        assertEq(handler.attributionDoublePay(), 0, "leaf paid twice");
        assertEq(handler.challengeMismatch(), 0, "challenge, payment window or bond outcome");

        uint256 n = handler.modelCount();
        assertEq(models.modelCount(), n, "models");
        for (uint256 mi; mi < n; ++mi) {
            _checkModel(mi);
        }
    }

    /// @dev Whatever a leaf names, leafFault judges it by the rule as the Datanets contract records it.
    function _checkLeafFault(uint256 mi, uint256 li, Handler.Leaf memory l) internal view {
        bytes32[] memory proof = handler.proofOf(mi, li);
        LeafFault fault = models.leafFault(
            mi + 1, LeafEvidence(l.id, l.contributor, l.weight, l.net, l.digest), proof, handler.datanetsOf(mi)
        );
        assertEq(uint8(fault), uint8(handler.expectedFault(mi, li)), "leaf fault");
    }

    function _checkModel(uint256 mi) internal view {
        (,,,,, uint256 totalWeight, uint256 fees, uint256 perWeight, uint256 paid) = models.getModel(mi + 1);
        (, uint256 gTotal,, uint256 gFees, uint256 gPaid, uint256 leafCount) = handler.modelInfo(mi);
        assertEq(totalWeight, gTotal, "total weight");
        assertEq(fees, gFees, "fees");
        assertEq(paid, gPaid, "paid");
        assertLe(paid, fees, "paid above fees");
        uint256 sum;
        for (uint256 li; li < leafCount; ++li) {
            Handler.Leaf memory l = handler.leafAt(mi, li);
            uint256 accrued = l.weight * perWeight / 1e18;
            assertLe(l.paid, accrued, "leaf paid above its accrual");
            if (l.paid > 0) {
                assertLe(l.paid + models.claimableAttribution(mi + 1, l.id, l.contributor, l.weight), accrued, "leaf");
                _checkLeafFault(mi, li, l);
            }
            sum += l.paid;
        }
        assertEq(sum, paid, "sum of leaves");
        _checkModelBond(mi, fees);
    }

    /// @dev A model proven wrong never took a fee, and only a model with a leaf that breaks the rule is.
    function _checkModelBond(uint256 mi, uint256 fees) internal view {
        (uint256 bond, uint256 endsAt, bool invalid) = models.bondOf(mi + 1);
        (bool gInvalid, uint256 gBond, bool breaks) = handler.modelBond(mi);
        assertEq(invalid, gInvalid, "invalid");
        assertEq(bond, gBond, "bond");
        if (invalid) {
            assertEq(fees, 0, "an invalid model took fees");
            assertTrue(breaks, "a model that keeps the rule was made invalid");
        }
        if (fees > 0) assertGe(block.timestamp, endsAt, "paid inside the challenge window");
    }

    // ─── 5. Votes weigh eligible stake; stake stays until its rounds are over ─

    function invariant_voteWeightAndStakeLock() public view {
        uint256 n = handler.commitCount();
        for (uint256 i; i < n; ++i) {
            (bytes32 key, address v,, uint256 weight, uint256 expectedWeight, uint8 state, bool rewardsClaimed) =
                handler.commitAt(i);
            (address cv,, uint256 cw, uint8 cstate,, bool cclaimed) = datanets.getCommitment(key);
            assertEq(cv, v, "validator");
            assertEq(cw, weight, "weight");
            // The weight is exactly the ghost's eligible stake at commit (active, not activating or unbonding).
            assertEq(weight, expectedWeight, "weight != eligible stake at commit");
            assertGe(weight, MIN_STAKE, "vote below minimum stake");
            assertEq(cstate, state, "commitment state");
            assertEq(cclaimed, rewardsClaimed, "rewards claimed");
        }
        // Tallies hold exactly the revealed weights.
        uint256 count = handler.roundCount();
        for (uint256 i; i < count; ++i) {
            if (!handler.isCurrent(i)) continue;
            Handler.Round memory r = handler.round(i);
            (,,,,,,, uint256 approveStake, uint256 rejectStake,) = datanets.getContribution(r.id);
            assertEq(approveStake, uint256(r.approveUnits) * 1e15, "approve tally");
            assertEq(rejectStake, uint256(r.rejectUnits) * 1e15, "reject tally");
        }
        for (uint256 i; i < validators.length; ++i) {
            (uint256 active, uint256 activating,, uint256 unbonding, uint256 until) = staking.positionOf(validators[i]);
            (uint256 gActive, uint256 gActivating, uint256 gUnbonding, uint256 gUntil) =
                handler.ghostPosition(validators[i]);
            assertEq(active, gActive, "active");
            assertEq(activating, gActivating, "activating");
            assertEq(unbonding, gUnbonding, "unbonding");
            assertEq(until, gUntil, "unbonding until");
            assertEq(staking.eligibleStake(validators[i]), gActive, "eligible");
        }
        assertEq(handler.commitMismatch(), 0, "commit eligibility");
        assertEq(handler.revealFailures(), 0, "reveal");
        assertEq(handler.slashMismatch(), 0, "slash");
        assertEq(handler.earlyWithdraw(), 0, "withdrawn while unbonding");
        assertEq(handler.withdrawBeforeReviewOver(), 0, "stake left before its rounds were over");
    }

    // ─── 6. Pausing a Datanet never traps funds ─────────────────────────────

    /// @dev From the current state: pause every Datanet, let every window and the pool's wait pass, finalise everything
    /// pending, claim every validator reward and every account's credits, and empty the pools. Each
    /// account must get exactly its credits and the Datanets contract must end holding only rounding dust
    /// of validator rewards. The state is then restored.
    function invariant_pauseNeverTrapsFunds() public {
        uint256 snapshot = vm.snapshotState();
        for (uint256 i; i < nets.length; ++i) {
            if (!datanets.getDatanet(nets[i]).paused) {
                vm.prank(owner);
                IDatanetsAdmin(address(datanets)).setDatanetPaused(nets[i], true);
            }
        }
        // Every window, and the pool's wait after a pause (a review and one more reveal window).
        vm.warp(block.timestamp + uint256(datanets.maxCommitWindow()) + 2 * uint256(datanets.maxRevealWindow()));
        for (uint256 i; i < nets.length; ++i) {
            bytes32[] memory pending = handler.pendingDigests(nets[i]);
            if (pending.length > 0) datanets.finalize(nets[i], pending);
        }
        uint256 n = handler.commitCount();
        for (uint256 i; i < n; ++i) {
            (, address v, uint32 net,,, uint8 state, bool rewardsClaimed) = handler.commitAt(i);
            if (state != 2 || rewardsClaimed) continue;
            bytes32[] memory digests = handler.commitDigests(i);
            vm.prank(v);
            datanets.claimValidatorRewards(net, digests);
        }
        address[] memory accounts = _accounts();
        for (uint256 i; i < accounts.length; ++i) {
            address a = accounts[i];
            (uint256 credits,,) = datanets.accountOf(a);
            if (credits == 0) continue;
            uint256 before = open.balanceOf(a);
            vm.prank(a);
            assertEq(datanets.claim(a), credits, "claim returned");
            assertEq(open.balanceOf(a) - before, credits, "claim paid");
            (credits,,) = datanets.accountOf(a);
            assertEq(credits, 0, "credits left");
        }
        for (uint256 i; i < nets.length; ++i) {
            uint256 pool = datanets.getDatanet(nets[i]).pool;
            if (pool == 0) continue;
            uint256 before = open.balanceOf(owner);
            vm.prank(owner);
            IDatanetsAdmin(address(datanets)).withdrawPool(nets[i], pool, owner);
            assertEq(open.balanceOf(owner) - before, pool, "pool withdrawn");
        }
        uint256 outstanding = datanets.validatorRewardsOutstanding();
        assertEq(open.balanceOf(address(datanets)), outstanding, "left in Datanets");
        // Each decided contribution leaves less than one wei per validator who shared its reward.
        uint256 decided;
        uint256 count = handler.roundCount();
        for (uint256 i; i < count; ++i) {
            if (!handler.isCurrent(i)) continue;
            (Status status,) = datanets.statusOf(handler.round(i).id);
            assertTrue(status != Status.Pending, "still pending");
            if (status != Status.Expired) decided++;
        }
        assertLe(outstanding, decided * (validators.length - 1), "validator reward dust");
        vm.revertToState(snapshot);
    }
}
