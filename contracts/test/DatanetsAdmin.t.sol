// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Base} from "./Base.t.sol";
import {Modality, Format, CidCodec, Formats} from "../libraries/Formats.sol";
import {
    IDatanetsErrors,
    IDatanetsEvents,
    Status,
    QuotaKind,
    Setting,
    DatanetLimits,
    ReviewRules,
    FileRef,
    DatanetView
} from "../interfaces/IDatanets.sol";

/// @notice Datanet administration: creation and its bounds, limits and terms versions, metadata,
/// pausing, funding and withdrawing the pool, and governance's protocol limits and emergency pause.
contract DatanetsAdminTest is Base, IDatanetsEvents {
    uint256 internal constant T0 = 1_767_225_600; // the fixture's start, a UTC midnight
    uint32 internal constant TEN_MIB = 10 * 1024 * 1024;
    uint32 internal constant MIB = 1024 * 1024;
    uint256 internal constant WEIGHT_UNIT = 1e15;
    uint256 internal constant POOL = 10_000 ether; // what Base funds textNet with
    bytes32 internal constant META = keccak256("metadata");
    bytes32 internal constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 internal constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    // ─── helpers ────────────────────────────────────────────────────────────

    function zeroLimits() internal pure returns (DatanetLimits memory) {
        return DatanetLimits(0, 0, 0, 0, 0, 0);
    }

    function shortRules() internal pure returns (ReviewRules memory) {
        return ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 0, 0);
    }

    function createAs(address who, Modality modality, uint16 formats, DatanetLimits memory l, ReviewRules memory r)
        internal
        returns (uint32 id)
    {
        vm.prank(who);
        id = IDatanetsAdmin(address(datanets)).createDatanet(modality, formats, META, CidCodec.Raw, l, r);
    }

    function expectBounds(Setting s, uint256 value, uint256 min, uint256 max) internal {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.SettingOutOfBounds.selector, s, value, min, max));
    }

    function expectNotOwner(uint32 id, address caller) internal {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotDatanetOwner.selector, id, caller, owner));
    }

    function poolOf(uint32 id) internal view returns (uint256) {
        return datanets.getDatanet(id).pool;
    }

    function statusOfId(bytes32 id) internal view returns (Status s) {
        (s,) = datanets.statusOf(id);
    }

    function credits(address who) internal view returns (uint256 c) {
        (c,,) = datanets.accountOf(who);
    }

    /// @dev All three validators commit `votes` on `ds` now and reveal; the review is then over.
    function voteAll(uint32 id, bytes32[] memory ds, uint256 votes) internal {
        commitAs(v1, id, ds, votes);
        commitAs(v2, id, ds, votes);
        commitAs(v3, id, ds, votes);
        toRevealWindow();
        revealAs(v1, id, ds, votes);
        revealAs(v2, id, ds, votes);
        revealAs(v3, id, ds, votes);
        toFinalizable();
    }

    /// @dev `voteAll`, then the batch is finalised.
    function decide(uint32 id, bytes32[] memory ds, uint256 votes) internal {
        voteAll(id, ds, votes);
        datanets.finalize(id, ds);
    }

    function two(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory ds) {
        ds = new bytes32[](2);
        ds[0] = a;
        ds[1] = b;
    }

    // ─── createDatanet ──────────────────────────────────────────────────────

    function test_create_storesEverythingAndCountsIds() public {
        uint16 fmts = Formats.bit(Format.Png) | Formats.bit(Format.Jpeg);
        DatanetLimits memory l = DatanetLimits(MIB, 3 * MIB, 7, 1 ether, 2 ether, 0.5 ether);
        ReviewRules memory r = ReviewRules(2 hours, 3 hours, 5_000 ether, 7_500, 0);
        vm.prank(bob);
        uint32 id = IDatanetsAdmin(address(datanets)).createDatanet(Modality.Image, fmts, keccak256("img"), CidCodec.DagPb, l, r);
        assertEq(id, 2);
        assertEq(datanets.datanetCount(), 2);

        DatanetView memory v = datanets.getDatanet(id);
        assertEq(v.owner, bob);
        assertEq(uint8(v.modality), uint8(Modality.Image));
        assertEq(v.formats, fmts);
        assertFalse(v.paused);
        assertEq(v.pool, 0);
        assertEq(v.submissions, 0);
        assertEq(v.limits.maxFileSize, MIB);
        assertEq(v.limits.dailyBytes, 3 * MIB);
        assertEq(v.limits.dailyFiles, 7);
        assertEq(v.limits.deposit, 1 ether);
        assertEq(v.limits.reward, 2 ether);
        assertEq(v.limits.validatorReward, 0.5 ether);
        assertEq(v.rules.commitWindow, 2 hours);
        assertEq(v.rules.revealWindow, 3 hours);
        assertEq(v.rules.quorum, 5_000 ether);
        assertEq(v.rules.thresholdBps, 7_500);
        assertEq(v.termsVersion, 0);
        assertEq(v.metadataDigest, keccak256("img"));
        assertEq(uint8(v.metadataCodec), uint8(CidCodec.DagPb));

        (uint256 reward, uint256 validatorReward, uint256 deposit) = datanets.termsOf(id, 0);
        assertEq(reward, 2 ether);
        assertEq(validatorReward, 0.5 ether);
        assertEq(deposit, 1 ether);
    }

    function test_create_zeroMeansDefaults() public {
        uint32 id = createAs(alice, Modality.Audio, Formats.AUDIO_FORMATS, zeroLimits(), ReviewRules(0, 0, 0, 0, 0));
        DatanetView memory v = datanets.getDatanet(id);
        assertEq(v.limits.maxFileSize, TEN_MIB); // protocol max file size: 10 MiB
        assertEq(v.limits.dailyBytes, TEN_MIB); // 10 MiB per day
        assertEq(v.limits.dailyFiles, 20); // 20 files per day
        assertEq(v.limits.deposit, 0);
        assertEq(v.limits.reward, 0);
        assertEq(v.limits.validatorReward, 0);
        assertEq(v.rules.commitWindow, 1 days); // min(DEFAULT_WINDOW, maxCommitWindow)
        assertEq(v.rules.revealWindow, 1 days);
        assertEq(v.rules.quorum, MIN_STAKE); // the staking minimum stake
        assertEq(v.rules.thresholdBps, 6_666); // two thirds
        assertEq(v.owner, alice);
    }

    function test_create_defaultsFollowLoweredProtocolLimits() public {
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(MIB, 2 * MIB, 5, 100);
        uint32 id = createAs(alice, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), shortRules());
        DatanetView memory v = datanets.getDatanet(id);
        assertEq(v.limits.maxFileSize, MIB);
        assertEq(v.limits.dailyBytes, 2 * MIB);
        assertEq(v.limits.dailyFiles, 5);
    }

    function test_create_emitsDatanetCreatedWithAppliedValues() public {
        vm.expectEmit(address(datanets));
        emit DatanetCreated(
            2,
            alice,
            Modality.Text,
            Formats.bit(Format.Jsonl),
            META,
            CidCodec.Raw,
            DatanetLimits(TEN_MIB, TEN_MIB, 20, 0, 4 ether, 1 ether),
            ReviewRules(1 days, REVEAL_WINDOW, MIN_STAKE, 6_666, 3)
        );
        createAs(
            alice,
            Modality.Text,
            Formats.bit(Format.Jsonl),
            DatanetLimits(0, 0, 0, 0, 4 ether, 1 ether),
            ReviewRules(0, REVEAL_WINDOW, 0, 0, 0)
        );
    }

    function test_create_quorumRoundsUpToWholeWeightUnits() public {
        uint256 asked = 7 * WEIGHT_UNIT + 1;
        vm.expectEmit(address(datanets));
        emit DatanetCreated(
            2,
            owner,
            Modality.Text,
            Formats.TEXT_FORMATS,
            META,
            CidCodec.Raw,
            DatanetLimits(TEN_MIB, TEN_MIB, 20, 0, 0, 0),
            ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 8 * WEIGHT_UNIT, 6_666, 3)
        );
        uint32 id = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, asked, 0, 0));
        assertEq(datanets.getDatanet(id).rules.quorum, 8 * WEIGHT_UNIT);
    }

    function test_create_formatsOutsideModalityRevert() public {
        uint16 textWithPng = Formats.bit(Format.Txt) | Formats.bit(Format.Png);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.FormatsNotInModality.selector, Modality.Text, textWithPng, Formats.TEXT_FORMATS
            )
        );
        createAs(owner, Modality.Text, textWithPng, zeroLimits(), shortRules());

        uint16 wav = Formats.bit(Format.Wav);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.FormatsNotInModality.selector, Modality.Image, wav, Formats.IMAGE_FORMATS)
        );
        createAs(owner, Modality.Image, wav, zeroLimits(), shortRules());

        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.FormatsNotInModality.selector, Modality.Audio, Formats.TEXT_FORMATS, Formats.AUDIO_FORMATS
            )
        );
        createAs(owner, Modality.Audio, Formats.TEXT_FORMATS, zeroLimits(), shortRules());

        // Bits above the last known format (Flac = 13) belong to no modality.
        uint16 unknownBit = uint16(1) << 14;
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.FormatsNotInModality.selector,
                Modality.Audio,
                unknownBit | Formats.AUDIO_FORMATS,
                Formats.AUDIO_FORMATS
            )
        );
        createAs(owner, Modality.Audio, unknownBit | Formats.AUDIO_FORMATS, zeroLimits(), shortRules());
        assertEq(datanets.datanetCount(), 1);
    }

    function test_create_emptyFormatsRevert() public {
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.FormatsNotInModality.selector, Modality.Image, 0, Formats.IMAGE_FORMATS)
        );
        createAs(owner, Modality.Image, 0, zeroLimits(), shortRules());
    }

    function test_create_everyFullModalityListIsAccepted() public {
        uint32 t = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), shortRules());
        uint32 i = createAs(owner, Modality.Image, Formats.IMAGE_FORMATS, zeroLimits(), shortRules());
        uint32 a = createAs(owner, Modality.Audio, Formats.AUDIO_FORMATS, zeroLimits(), shortRules());
        assertEq(datanets.getDatanet(t).formats, 0x003F);
        assertEq(datanets.getDatanet(i).formats, 0x07C0);
        assertEq(datanets.getDatanet(a).formats, 0x3800);
        assertEq(datanets.datanetCount(), 4);
    }

    function testFuzz_create_formatsMustBeNonEmptySubsetOfModality(uint8 modalityRaw, uint16 formats) public {
        Modality m = Modality(bound(modalityRaw, 0, 2));
        uint16 allowed = m == Modality.Text
            ? Formats.TEXT_FORMATS
            : (m == Modality.Image ? Formats.IMAGE_FORMATS : Formats.AUDIO_FORMATS);
        bool ok = formats != 0 && (formats & ~allowed) == 0;
        if (!ok) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FormatsNotInModality.selector, m, formats, allowed));
        }
        uint32 id = createAs(owner, m, formats, zeroLimits(), shortRules());
        if (ok) {
            assertEq(id, 2);
            assertEq(datanets.getDatanet(id).formats, formats);
            assertEq(uint8(datanets.getDatanet(id).modality), uint8(m));
        } else {
            assertEq(datanets.datanetCount(), 1);
        }
    }

    // SettingOutOfBounds, one per bounded setting, with exact (setting, value, min, max).

    function test_create_maxFileSizeAboveProtocolReverts() public {
        expectBounds(Setting.MaxFileSize, TEN_MIB + 1, 1, TEN_MIB);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(TEN_MIB + 1, 0, 0, 0, 0, 0), shortRules());
        // the bound itself is fine
        uint32 id = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(TEN_MIB, 0, 0, 0, 0, 0), shortRules());
        assertEq(datanets.getDatanet(id).limits.maxFileSize, TEN_MIB);
    }

    function test_create_dailyBytesAboveProtocolReverts() public {
        expectBounds(Setting.DailyBytes, TEN_MIB + 1, 1, TEN_MIB);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(0, TEN_MIB + 1, 0, 0, 0, 0), shortRules());
    }

    function test_create_dailyFilesAboveProtocolReverts() public {
        expectBounds(Setting.DailyFiles, 21, 1, 20);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(0, 0, 21, 0, 0, 0), shortRules());
        uint32 id = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(0, 0, 20, 0, 0, 0), shortRules());
        assertEq(datanets.getDatanet(id).limits.dailyFiles, 20);
    }

    function test_create_rewardAboveUint80Reverts() public {
        uint96 tooMuch = uint96(type(uint80).max) + 1;
        expectBounds(Setting.Reward, tooMuch, 0, type(uint80).max);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(0, 0, 0, 0, tooMuch, 0), shortRules());
    }

    function test_create_validatorRewardAboveUint80Reverts() public {
        uint96 tooMuch = type(uint96).max;
        expectBounds(Setting.ValidatorReward, tooMuch, 0, type(uint80).max);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(0, 0, 0, 0, 0, tooMuch), shortRules());
    }

    function test_create_commitWindowOutOfBoundsReverts() public {
        expectBounds(Setting.CommitWindow, 59, 60, MAX_WINDOW);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(59, REVEAL_WINDOW, 0, 0, 0));
        expectBounds(Setting.CommitWindow, MAX_WINDOW + 1, 60, MAX_WINDOW);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(MAX_WINDOW + 1, REVEAL_WINDOW, 0, 0, 0));
        uint32 lo = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(60, REVEAL_WINDOW, 0, 0, 0));
        uint32 hi = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(MAX_WINDOW, REVEAL_WINDOW, 0, 0, 0));
        assertEq(datanets.getDatanet(lo).rules.commitWindow, 60);
        assertEq(datanets.getDatanet(hi).rules.commitWindow, MAX_WINDOW);
    }

    function test_create_revealWindowOutOfBoundsReverts() public {
        expectBounds(Setting.RevealWindow, 59, 60, MAX_WINDOW);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, 59, 0, 0, 0));
        expectBounds(Setting.RevealWindow, MAX_WINDOW + 1, 60, MAX_WINDOW);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, MAX_WINDOW + 1, 0, 0, 0));
    }

    function test_create_thresholdOutOfBoundsReverts() public {
        expectBounds(Setting.Threshold, 5_000, 5_001, 10_000);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 5_000, 0));
        expectBounds(Setting.Threshold, 10_001, 5_001, 10_000);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 10_001, 0));
        uint32 lo = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 5_001, 0));
        uint32 hi = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 10_000, 0));
        assertEq(datanets.getDatanet(lo).rules.thresholdBps, 5_001);
        assertEq(datanets.getDatanet(hi).rules.thresholdBps, 10_000);
    }

    function test_create_quorumOutOfBoundsReverts() public {
        uint256 maxQuorum = uint256(type(uint48).max) * WEIGHT_UNIT;
        expectBounds(Setting.Quorum, WEIGHT_UNIT - 1, WEIGHT_UNIT, maxQuorum);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, WEIGHT_UNIT - 1, 0, 0));
        expectBounds(Setting.Quorum, maxQuorum + 1, WEIGHT_UNIT, maxQuorum);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, maxQuorum + 1, 0, 0));
        uint32 id = createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, maxQuorum, 0, 0));
        assertEq(datanets.getDatanet(id).rules.quorum, maxQuorum);
    }

    function test_create_blockedByProtocolPause() public {
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);
        vm.expectRevert(IDatanetsErrors.ProtocolPaused.selector);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), shortRules());
        assertEq(datanets.datanetCount(), 1);
    }

    // ─── updateLimits ───────────────────────────────────────────────────────

    function test_updateLimits_newTermsVersionAndEvent() public {
        DatanetLimits memory l = DatanetLimits(MIB, 0, 5, 2 ether, 50 ether, 7 ether);
        vm.expectEmit(address(datanets));
        emit DatanetLimitsUpdated(textNet, 1, DatanetLimits(MIB, TEN_MIB, 5, 2 ether, 50 ether, 7 ether));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, l);

        DatanetView memory v = datanets.getDatanet(textNet);
        assertEq(v.termsVersion, 1);
        assertEq(v.limits.maxFileSize, MIB);
        assertEq(v.limits.dailyBytes, TEN_MIB);
        assertEq(v.limits.dailyFiles, 5);
        assertEq(v.limits.deposit, 2 ether);
        assertEq(v.limits.reward, 50 ether);
        assertEq(v.limits.validatorReward, 7 ether);
        // review rules are fixed at creation
        assertEq(v.rules.commitWindow, COMMIT_WINDOW);
        assertEq(v.rules.revealWindow, REVEAL_WINDOW);

        (uint256 r0, uint256 vr0, uint256 d0) = datanets.termsOf(textNet, 0);
        (uint256 r1, uint256 vr1, uint256 d1) = datanets.termsOf(textNet, 1);
        assertEq(r0, REWARD);
        assertEq(vr0, VALIDATOR_REWARD);
        assertEq(d0, 0);
        assertEq(r1, 50 ether);
        assertEq(vr1, 7 ether);
        assertEq(d1, 2 ether);

        vm.expectEmit(address(datanets));
        emit DatanetLimitsUpdated(textNet, 2, DatanetLimits(TEN_MIB, TEN_MIB, 20, 0, 0, 0));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, zeroLimits());
        assertEq(datanets.getDatanet(textNet).termsVersion, 2);
    }

    function test_updateLimits_ownerOnlyAndExisting() public {
        expectNotOwner(textNet, alice);
        vm.prank(alice);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, zeroLimits());

        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(99)));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(99, zeroLimits());
        assertEq(datanets.getDatanet(textNet).termsVersion, 0);
    }

    function test_updateLimits_boundsChecked() public {
        expectBounds(Setting.DailyFiles, 21, 1, 20);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, DatanetLimits(0, 0, 21, 0, 0, 0));
        expectBounds(Setting.MaxFileSize, TEN_MIB + 1, 1, TEN_MIB);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, DatanetLimits(TEN_MIB + 1, 0, 0, 0, 0, 0));
        expectBounds(Setting.Reward, uint256(type(uint80).max) + 1, 0, type(uint80).max);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, DatanetLimits(0, 0, 0, 0, uint96(type(uint80).max) + 1, 0));
        assertEq(datanets.getDatanet(textNet).termsVersion, 0);
    }

    function test_updateLimits_earlierSubmissionIsPaidOldReward() public {
        stakeValidators(MIN_STAKE);
        bytes32 dA = digestOf(1);
        bytes32 idA = submitAs(alice, textNet, dA, 100);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, DatanetLimits(0, 0, 0, 0, 50 ether, 7 ether));
        bytes32 dB = digestOf(2);
        bytes32 idB = submitAs(bob, textNet, dB, 200);
        // nothing reserved: each is paid under its own terms when accepted
        assertEq(poolOf(textNet), POOL);
        (,,,,,,,,, uint16 tA) = datanets.getContribution(idA);
        (,,,,,,,,, uint16 tB) = datanets.getContribution(idB);
        assertEq(tA, 0);
        assertEq(tB, 1);

        bytes32[] memory ds = two(dA, dB);
        voteAll(textNet, ds, 3);
        vm.expectEmit(address(datanets));
        emit ContributionFinalized(idA, textNet, alice, Status.Accepted, 3 * MIN_STAKE, 0, REWARD, 0);
        vm.expectEmit(address(datanets));
        emit ContributionFinalized(idB, textNet, bob, Status.Accepted, 3 * MIN_STAKE, 0, 50 ether, 0);
        datanets.finalize(textNet, ds);

        assertEq(credits(alice), REWARD); // the old reward, 10 OPEN, not 50
        assertEq(credits(bob), 50 ether);
        assertEq(datanets.validatorRewardsOutstanding(), VALIDATOR_REWARD + 7 ether);
        assertEq(poolOf(textNet), POOL - 70 ether);

        // a validator's share is computed with each contribution's own terms: (3 + 7) / 3
        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(textNet, two(dA, dB)), uint256(3 ether) / 3 + uint256(7 ether) / 3);
    }

    function test_updateLimits_expiredEarlierSubmissionTakesNothingFromThePool() public {
        bytes32 d = digestOf(1);
        submitAs(alice, textNet, d, 100);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, DatanetLimits(0, 0, 0, 0, 50 ether, 7 ether));
        assertEq(poolOf(textNet), POOL);
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        datanets.finalize(textNet, one(d));
        assertEq(poolOf(textNet), POOL);
    }

    function test_updateLimits_depositOfEarlierSubmissionIsTheOldOne() public {
        uint32 id = createTextNet(REWARD, VALIDATOR_REWARD, 1 ether);
        vm.prank(owner);
        datanets.fund(id, 100 ether);
        bytes32 d = digestOf(1);
        submitAs(alice, id, d, 100);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(id, DatanetLimits(0, 0, 0, 5 ether, REWARD, VALIDATOR_REWARD));
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        datanets.finalize(id, one(d));
        assertEq(credits(alice), 1 ether); // the 1 OPEN paid, not the new 5
    }

    // ─── setMetadata ────────────────────────────────────────────────────────

    function test_setMetadata_updatesAndEmits() public {
        bytes32 m2 = keccak256("metadata v2");
        vm.expectEmit(address(datanets));
        emit DatanetMetadataUpdated(textNet, m2, CidCodec.DagPb);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setMetadata(textNet, m2, CidCodec.DagPb);
        DatanetView memory v = datanets.getDatanet(textNet);
        assertEq(v.metadataDigest, m2);
        assertEq(uint8(v.metadataCodec), uint8(CidCodec.DagPb));
        assertEq(v.termsVersion, 0); // metadata is not a terms change
    }

    function test_setMetadata_ownerOnlyAndExisting() public {
        expectNotOwner(textNet, bob);
        vm.prank(bob);
        IDatanetsAdmin(address(datanets)).setMetadata(textNet, bytes32(uint256(1)), CidCodec.Raw);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(2)));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setMetadata(2, bytes32(uint256(1)), CidCodec.Raw);
        assertEq(datanets.getDatanet(textNet).metadataDigest, META);
    }

    // ─── setDatanetPaused ───────────────────────────────────────────────────

    function test_setDatanetPaused_ownerOnlyAndEmits() public {
        expectNotOwner(textNet, alice);
        vm.prank(alice);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        assertFalse(datanets.getDatanet(textNet).paused);

        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(0)));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(0, true);

        vm.expectEmit(address(datanets));
        emit DatanetPauseSet(textNet, true);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        assertTrue(datanets.getDatanet(textNet).paused);

        vm.expectEmit(address(datanets));
        emit DatanetPauseSet(textNet, false);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, false);
        assertFalse(datanets.getDatanet(textNet).paused);
    }

    function test_datanetPause_blocksSubmissionsOnlyUntilResumed() public {
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetPaused.selector, textNet));
        submitAs(alice, textNet, digestOf(1), 10);
        FileRef[] memory fs = new FileRef[](1);
        fs[0] = file(digestOf(1), 10);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetPaused.selector, textNet));
        vm.prank(alice);
        datanets.submitBatch(textNet, fs, terms(textNet));

        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, false);
        bytes32 id = submitAs(alice, textNet, digestOf(1), 10);
        assertEq(uint8(statusOfId(id)), uint8(Status.Pending));
    }

    function test_datanetPause_doesNotBlockCommitRevealFinalizeClaim() public {
        stakeValidators(MIN_STAKE);
        bytes32 d = digestOf(1);
        bytes32 id = submitAs(alice, textNet, d, 1234);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);

        decide(textNet, one(d), 1); // commits, reveals and finalisation all go through
        assertEq(uint8(statusOfId(id)), uint8(Status.Accepted));

        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        datanets.claim(alice);
        assertEq(open.balanceOf(alice), before + REWARD);

        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(textNet, one(d)), VALIDATOR_REWARD / 3);
        assertTrue(datanets.getDatanet(textNet).paused);
    }

    // ─── fund ───────────────────────────────────────────────────────────────

    function test_fund_zeroAmountReverts() public {
        vm.expectRevert(IDatanetsErrors.ZeroAmount.selector);
        vm.prank(owner);
        datanets.fund(textNet, 0);
    }

    function test_fund_unknownDatanetReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(7)));
        vm.prank(owner);
        datanets.fund(7, 1 ether);
    }

    function test_fund_anyoneGrowsPoolAndEmits() public {
        uint256 bobBefore = open.balanceOf(bob);
        uint256 contractBefore = open.balanceOf(address(datanets));
        vm.expectEmit(address(datanets));
        emit DatanetFunded(textNet, bob, 5 ether, POOL + 5 ether);
        vm.prank(bob);
        datanets.fund(textNet, 5 ether);
        assertEq(poolOf(textNet), POOL + 5 ether);
        assertEq(open.balanceOf(bob), bobBefore - 5 ether);
        assertEq(open.balanceOf(address(datanets)), contractBefore + 5 ether);

        vm.expectEmit(address(datanets));
        emit DatanetFunded(textNet, owner, 1, POOL + 5 ether + 1);
        vm.prank(owner);
        datanets.fund(textNet, 1);
        assertEq(poolOf(textNet), POOL + 5 ether + 1);
    }

    function test_fund_worksWhilePaused() public {
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);
        vm.prank(alice);
        datanets.fund(textNet, 2 ether);
        assertEq(poolOf(textNet), POOL + 2 ether);
    }

    // ─── withdrawPool ───────────────────────────────────────────────────────

    function test_withdrawPool_needsPause() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotPaused.selector, textNet));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 1 ether, owner);
        assertEq(poolOf(textNet), POOL);
    }

    function test_withdrawPool_ownerOnly() public {
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        expectNotOwner(textNet, bob);
        vm.prank(bob);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 1 ether, bob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(5)));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(5, 1 ether, owner);
    }

    function test_withdrawPool_zeroAmountReverts() public {
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.warp(block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW);
        vm.expectRevert(IDatanetsErrors.ZeroAmount.selector);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 0, owner);
    }

    function test_withdrawPool_waitsForTheReviewsOfEarlierSubmissions() public {
        submitAs(alice, textNet, digestOf(1), 10);
        assertEq(poolOf(textNet), POOL, "a submission reserves nothing");
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        uint256 unlocksAt = block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW;
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.PoolLocked.selector, textNet, block.timestamp, unlocksAt));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 1 ether, owner);
        vm.warp(unlocksAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.PoolLocked.selector, textNet, unlocksAt - 1, unlocksAt));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 1 ether, owner);

        vm.warp(unlocksAt);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.PoolTooSmall.selector, textNet, POOL, POOL + 1));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, POOL + 1, owner);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, POOL, owner);
        assertEq(poolOf(textNet), 0);
        // the contribution left unfinalised expires and takes nothing from the empty pool
        datanets.finalize(textNet, one(digestOf(1)));
        assertEq(poolOf(textNet), 0);
    }

    function test_withdrawPool_paysRecipientAndEmits() public {
        address to = makeAddr("recipient");
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.warp(block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW);
        uint256 contractBefore = open.balanceOf(address(datanets));
        vm.expectEmit(address(datanets));
        emit PoolWithdrawn(textNet, to, 4_000 ether, POOL - 4_000 ether);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, 4_000 ether, to);
        assertEq(open.balanceOf(to), 4_000 ether);
        assertEq(open.balanceOf(address(datanets)), contractBefore - 4_000 ether);
        assertEq(poolOf(textNet), POOL - 4_000 ether);
    }

    // ─── governance: setProtocolLimits ──────────────────────────────────────

    function test_setProtocolLimits_adminOnly() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, DEFAULT_ADMIN_ROLE)
        );
        vm.prank(alice);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(MIB, MIB, 5, 100);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, owner, DEFAULT_ADMIN_ROLE)
        );
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(MIB, MIB, 5, 100);
        (uint256 maxFileSize,,,,) = datanets.protocolLimits();
        assertEq(maxFileSize, TEN_MIB);
    }

    function test_setProtocolLimits_bounds() public {
        vm.startPrank(admin);
        expectBounds(Setting.MaxFileSize, 0, 1, TEN_MIB);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(0, MIB, 5, 100);
        expectBounds(Setting.MaxFileSize, TEN_MIB + 1, 1, TEN_MIB);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(TEN_MIB + 1, MIB, 5, 100);
        expectBounds(Setting.DailyBytes, 0, 1, type(uint32).max);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(MIB, 0, 5, 100);
        expectBounds(Setting.DailyFiles, 0, 1, type(uint16).max);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(MIB, MIB, 0, 100);
        expectBounds(Setting.SlashBps, 10_001, 0, 10_000);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(MIB, MIB, 5, 10_001);
        vm.stopPrank();
        (uint256 maxFileSize, uint256 dailyBytes, uint256 dailyFiles, uint256 slashBps, bool paused) =
            datanets.protocolLimits();
        assertEq(maxFileSize, TEN_MIB);
        assertEq(dailyBytes, TEN_MIB);
        assertEq(dailyFiles, 20);
        assertEq(slashBps, 1_000);
        assertFalse(paused);
    }

    function test_setProtocolLimits_storesAndEmits() public {
        vm.expectEmit(address(datanets));
        emit ProtocolLimitsUpdated(TEN_MIB, type(uint32).max, type(uint16).max, 0);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(TEN_MIB, type(uint32).max, type(uint16).max, 0);
        (uint256 maxFileSize, uint256 dailyBytes, uint256 dailyFiles, uint256 slashBps,) = datanets.protocolLimits();
        assertEq(maxFileSize, TEN_MIB);
        assertEq(dailyBytes, type(uint32).max);
        assertEq(dailyFiles, type(uint16).max);
        assertEq(slashBps, 0);

        vm.expectEmit(address(datanets));
        emit ProtocolLimitsUpdated(1, 1, 1, 10_000);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(1, 1, 1, 10_000);
        (maxFileSize, dailyBytes, dailyFiles, slashBps,) = datanets.protocolLimits();
        assertEq(maxFileSize, 1);
        assertEq(dailyBytes, 1);
        assertEq(dailyFiles, 1);
        assertEq(slashBps, 10_000);
    }

    function test_setProtocolLimits_boundDatanetsAndSubmissions() public {
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(MIB, 2 * MIB, 5, 100);
        // Datanet settings are now bounded by the new protocol values
        expectBounds(Setting.DailyFiles, 6, 1, 5);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, DatanetLimits(0, 0, 6, 0, 0, 0), shortRules());
        expectBounds(Setting.MaxFileSize, 2 * MIB, 1, MIB);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, DatanetLimits(2 * MIB, 0, 0, 0, 0, 0));

        // textNet still stores 10 MiB, but the protocol cap wins
        bytes32 d = digestOf(1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, textNet, d, MIB + 1, MIB));
        submitAs(alice, textNet, d, MIB + 1);

        // the protocol file quota (5) applies though textNet allows 20
        for (uint256 i; i < 5; ++i) {
            submitAs(alice, textNet, digestOf(10 + i), 1);
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.DailyQuotaExceeded.selector,
                alice,
                textNet,
                QuotaKind.ProtocolFiles,
                5,
                1,
                5,
                T0 + 1 days
            )
        );
        submitAs(alice, textNet, digestOf(99), 1);
    }

    // ─── governance: setProtocolPaused ──────────────────────────────────────

    function test_setProtocolPaused_pauserOnlyAndEmits() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, owner, PAUSER_ROLE)
        );
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);

        vm.expectEmit(address(datanets));
        emit ProtocolPauseSet(true);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);
        (,,,, bool paused) = datanets.protocolLimits();
        assertTrue(paused);

        // a dedicated pauser (not admin) may pause and resume
        address pauser = makeAddr("pauser");
        vm.prank(admin);
        datanets.grantRole(PAUSER_ROLE, pauser);
        vm.expectEmit(address(datanets));
        emit ProtocolPauseSet(false);
        vm.prank(pauser);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(false);
        (,,,, paused) = datanets.protocolLimits();
        assertFalse(paused);
    }

    function test_protocolPause_blocksCreateSubmitBatchCommit() public {
        stakeValidators(MIN_STAKE);
        bytes32 d = digestOf(1);
        submitAs(alice, textNet, d, 10);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);

        vm.expectRevert(IDatanetsErrors.ProtocolPaused.selector);
        createAs(owner, Modality.Text, Formats.TEXT_FORMATS, zeroLimits(), shortRules());

        vm.expectRevert(IDatanetsErrors.ProtocolPaused.selector);
        submitAs(alice, textNet, digestOf(2), 10);

        FileRef[] memory fs = new FileRef[](2);
        fs[0] = file(digestOf(2), 10);
        fs[1] = file(digestOf(3), 10);
        vm.expectRevert(IDatanetsErrors.ProtocolPaused.selector);
        vm.prank(alice);
        datanets.submitBatch(textNet, fs, terms(textNet));

        bytes32 sealed_ = seal(v1, textNet, one(d), 1, bytes32(0));
        vm.expectRevert(IDatanetsErrors.ProtocolPaused.selector);
        vm.prank(v1);
        datanets.commit(textNet, one(d), sealed_);
        assertEq(datanets.lastCommittedSequence(textNet, v1), 0);

        // resuming restores them
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(false);
        submitAs(alice, textNet, digestOf(2), 10);
        commitAs(v1, textNet, one(d), 1);
        assertEq(datanets.lastCommittedSequence(textNet, v1), 1);
    }

    function test_protocolPause_revealFinalizeClaimWithdrawStillWork() public {
        stakeValidators(MIN_STAKE);
        bytes32 d = digestOf(1);
        bytes32 dLate = digestOf(2);
        bytes32 id = submitAs(alice, textNet, d, 10);
        bytes32 idLate = submitAs(alice, textNet, dLate, 10);
        commitAs(v1, textNet, one(d), 1);
        commitAs(v2, textNet, one(d), 1);
        commitAs(v3, textNet, one(d), 1);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);

        toRevealWindow();
        revealAs(v1, textNet, one(d), 1);
        revealAs(v2, textNet, one(d), 1);
        revealAs(v3, textNet, one(d), 1);
        toFinalizable();
        datanets.finalize(textNet, two(d, dLate));
        assertEq(uint8(statusOfId(id)), uint8(Status.Accepted));
        assertEq(uint8(statusOfId(idLate)), uint8(Status.Expired));

        vm.prank(v1);
        assertEq(datanets.claimValidatorRewards(textNet, one(d)), VALIDATOR_REWARD / 3);

        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        assertEq(datanets.claim(alice), REWARD);
        assertEq(open.balanceOf(alice), before + REWARD);

        // the owner can still pause the Datanet and, after the pool's wait, take the rest out
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.warp(block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW);
        uint256 pool = POOL - 13 ether; // one accepted contribution's rewards paid
        assertEq(poolOf(textNet), pool);
        uint256 ownerBefore = open.balanceOf(owner);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(textNet, pool, owner);
        assertEq(open.balanceOf(owner), ownerBefore + pool);
        assertEq(poolOf(textNet), 0);
    }
}
