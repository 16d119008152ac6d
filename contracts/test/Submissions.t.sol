// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {Base} from "./Base.t.sol";
import {Modality, Format, CidCodec, Formats} from "../libraries/Formats.sol";
import {
    IDatanetsErrors,
    IDatanetsEvents,
    Status,
    QuotaKind,
    DatanetLimits,
    ReviewRules,
    FileRef,
    QuotaView
} from "../interfaces/IDatanets.sol";

/// @notice Submissions: every refusal rule with its exact error, daily quotas per UTC day,
/// the pool check (nothing reserved), deposits, events and views; fuzzed size, format and quota rules.
contract SubmissionsTest is Base, IDatanetsEvents {
    uint256 internal constant T0 = 1_767_225_600; // the fixture's start, a UTC midnight
    uint32 internal constant TEN_MIB = 10 * 1024 * 1024;
    uint32 internal constant MIB = 1024 * 1024;
    uint256 internal constant POOL = 10_000 ether; // what Base funds textNet with
    uint256 internal constant MAX_BATCH = 256;

    // ─── helpers ────────────────────────────────────────────────────────────

    function fileOf(bytes32 digest, Format format, uint32 size) internal pure returns (FileRef memory) {
        return FileRef(digest, CidCodec.Raw, format, size);
    }

    /// @dev `n` txt files of `size` bytes with digests `digestOf(start)`, `digestOf(start + 1)`, ...
    function filesOf(uint256 start, uint256 n, uint32 size) internal pure returns (FileRef[] memory fs) {
        fs = new FileRef[](n);
        for (uint256 i; i < n; ++i) {
            fs[i] = file(digestOf(start + i), size);
        }
    }

    function digestsOf(FileRef[] memory fs) internal pure returns (bytes32[] memory ds) {
        ds = new bytes32[](fs.length);
        for (uint256 i; i < fs.length; ++i) {
            ds[i] = fs[i].digest;
        }
    }

    function batchAs(address who, uint32 id, FileRef[] memory fs) internal returns (bytes32[] memory ids) {
        vm.prank(who);
        ids = datanets.submitBatch(id, fs, terms(id));
    }

    /// @dev A text Datanet owned by `owner` with short review windows, funded with POOL when it pays rewards.
    function newNet(uint16 formats, DatanetLimits memory l) internal returns (uint32 id) {
        vm.prank(owner);
        id = IDatanetsAdmin(address(datanets)).createDatanet(
            Modality.Text, formats, keccak256("meta"), CidCodec.Raw, l, ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 0, 1)
        );
        if (l.reward > 0 || l.validatorReward > 0) {
            vm.prank(owner);
            datanets.fund(id, POOL);
        }
    }

    function limits(uint32 maxFileSize, uint32 dailyBytes, uint32 dailyFiles)
        internal
        pure
        returns (DatanetLimits memory)
    {
        return DatanetLimits(maxFileSize, dailyBytes, dailyFiles, 0, REWARD, VALIDATOR_REWARD);
    }

    function quota(address who, uint32 id) internal view returns (QuotaView memory) {
        return datanets.quotaOf(who, id);
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

    function nextMidnight() internal view returns (uint256) {
        return (block.timestamp / 1 days + 1) * 1 days;
    }

    function expectQuota(address who, uint32 id, QuotaKind kind, uint256 used, uint256 requested, uint256 limit)
        internal
    {
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.DailyQuotaExceeded.selector, who, id, kind, used, requested, limit, nextMidnight()
            )
        );
    }

    function expectDuplicate(uint32 id, bytes32 digest, Status existing) internal {
        bytes32 cid = datanets.contributionIdOf(id, digest);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DuplicateContent.selector, id, digest, cid, existing));
    }

    /// @dev All three validators commit `votes` on `ds` now and reveal; then the batch is finalised.
    function decide(uint32 id, bytes32[] memory ds, uint256 votes) internal {
        commitAs(v1, id, ds, votes);
        commitAs(v2, id, ds, votes);
        commitAs(v3, id, ds, votes);
        toRevealWindow();
        revealAs(v1, id, ds, votes);
        revealAs(v2, id, ds, votes);
        revealAs(v3, id, ds, votes);
        toFinalizable();
        datanets.finalize(id, ds);
    }

    /// @dev Lets the review of everything submitted now run out with no votes, then finalises `ds` (→ Expired).
    function expire(uint32 id, bytes32[] memory ds) internal {
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        datanets.finalize(id, ds);
    }

    // ─── unknown / paused Datanet ───────────────────────────────────────────

    function test_submit_unknownDatanetReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(2)));
        submitAs(alice, 2, digestOf(1), 10);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(0)));
        submitAs(alice, 0, digestOf(1), 10);
        FileRef[] memory fs = filesOf(1, 2, 10);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, type(uint32).max));
        batchAs(alice, type(uint32).max, fs);
    }

    function test_submit_pausedDatanetReverts() public {
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(textNet, true);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetPaused.selector, textNet));
        submitAs(alice, textNet, digestOf(1), 10);
        FileRef[] memory fs = filesOf(1, 3, 10);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetPaused.selector, textNet));
        batchAs(alice, textNet, fs);
        assertEq(datanets.getDatanet(textNet).submissions, 0);
    }

    // ─── formats ────────────────────────────────────────────────────────────

    function test_submit_formatNotAllowedOnJsonlOnlyDatanet() public {
        uint16 jsonl = Formats.bit(Format.Jsonl);
        uint32 net = newNet(jsonl, limits(0, 0, 0));
        bytes32 d = digestOf(1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FormatNotAllowed.selector, net, Format.Txt, jsonl));
        submitAs(alice, net, d, 10); // `file` makes a txt file
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FormatNotAllowed.selector, net, Format.Csv, jsonl));
        vm.prank(alice);
        datanets.submit(net, fileOf(d, Format.Csv, 10), terms(net));

        vm.prank(alice);
        bytes32 id = datanets.submit(net, fileOf(d, Format.Jsonl, 10), terms(net));
        assertEq(uint8(statusOfId(id)), uint8(Status.Pending));
    }

    function test_submit_imageFormatOnTextDatanetReverts() public {
        Format[8] memory foreign =
            [Format.Png, Format.Jpeg, Format.Webp, Format.Tiff, Format.Bmp, Format.Wav, Format.Mp3, Format.Flac];
        for (uint256 i; i < foreign.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IDatanetsErrors.FormatNotAllowed.selector, textNet, foreign[i], Formats.TEXT_FORMATS)
            );
            vm.prank(alice);
            datanets.submit(textNet, fileOf(digestOf(i), foreign[i], 10), terms(textNet));
        }
        // every text format is fine on textNet
        for (uint8 f; f <= uint8(Format.Csv); ++f) {
            vm.prank(alice);
            datanets.submit(textNet, fileOf(digestOf(100 + f), Format(f), 10), terms(textNet));
        }
        assertEq(datanets.getDatanet(textNet).submissions, 6);
    }

    function test_submitBatch_formatNotAllowedInOneFileRevertsAll() public {
        FileRef[] memory fs = filesOf(1, 3, 10);
        fs[2].format = Format.Png;
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.FormatNotAllowed.selector, textNet, Format.Png, Formats.TEXT_FORMATS)
        );
        batchAs(alice, textNet, fs);
        assertEq(uint8(statusOfId(datanets.contributionIdOf(textNet, fs[0].digest))), uint8(Status.None));
    }

    // ─── sizes ──────────────────────────────────────────────────────────────

    function test_submit_emptyFileReverts() public {
        bytes32 d = digestOf(1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.EmptyFile.selector, textNet, d));
        submitAs(alice, textNet, d, 0);
        FileRef[] memory fs = filesOf(1, 2, 10);
        fs[1].size = 0;
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.EmptyFile.selector, textNet, fs[1].digest));
        batchAs(alice, textNet, fs);
    }

    function test_submit_fileOverTenMiBReverts() public {
        bytes32 d = digestOf(1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, textNet, d, TEN_MIB + 1, TEN_MIB));
        submitAs(alice, textNet, d, TEN_MIB + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, textNet, d, type(uint32).max, TEN_MIB)
        );
        submitAs(alice, textNet, d, type(uint32).max);
        // exactly 10 MiB is fine
        bytes32 id = submitAs(alice, textNet, d, TEN_MIB);
        (,,, uint256 size,,,,,,) = datanets.getContribution(id);
        assertEq(size, TEN_MIB);
    }

    function test_submit_fileOverDatanetCapReverts() public {
        uint32 net = newNet(Formats.TEXT_FORMATS, limits(1000, 0, 0));
        bytes32 d = digestOf(1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, net, d, 1001, 1000));
        submitAs(alice, net, d, 1001);
        FileRef[] memory fs = filesOf(1, 2, 1000);
        fs[0].size = 2000;
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, net, fs[0].digest, 2000, 1000));
        batchAs(alice, net, fs);
        submitAs(alice, net, d, 1000);
        assertEq(quota(alice, net).datanetBytesUsed, 1000);
    }

    // ─── duplicates ─────────────────────────────────────────────────────────

    function test_duplicate_whilePending() public {
        bytes32 d = digestOf(1);
        submitAs(alice, textNet, d, 10);
        expectDuplicate(textNet, d, Status.Pending);
        submitAs(alice, textNet, d, 10);
        // someone else with the same content is refused too, and the original stays as it was
        expectDuplicate(textNet, d, Status.Pending);
        submitAs(bob, textNet, d, 99);
        (address who, Status s,, uint256 size,,, uint256 seq,,,) =
            datanets.getContribution(datanets.contributionIdOf(textNet, d));
        assertEq(who, alice);
        assertEq(uint8(s), uint8(Status.Pending));
        assertEq(size, 10);
        assertEq(seq, 1);
        assertEq(datanets.getDatanet(textNet).submissions, 1);
        assertEq(quota(bob, textNet).protocolFilesUsed, 0);
    }

    function test_duplicate_afterAccepted() public {
        stakeValidators(MIN_STAKE);
        bytes32 d = digestOf(1);
        submitAs(alice, textNet, d, 10);
        decide(textNet, one(d), 1);
        expectDuplicate(textNet, d, Status.Accepted);
        submitAs(bob, textNet, d, 10);
    }

    function test_duplicate_afterRejected() public {
        stakeValidators(MIN_STAKE);
        bytes32 d = digestOf(1);
        submitAs(alice, textNet, d, 10);
        decide(textNet, one(d), 0);
        expectDuplicate(textNet, d, Status.Rejected);
        submitAs(alice, textNet, d, 10);
    }

    function test_duplicate_allowedInAnotherDatanet() public {
        uint32 net2 = newNet(Formats.TEXT_FORMATS, limits(0, 0, 0));
        bytes32 d = digestOf(1);
        bytes32 id1 = submitAs(alice, textNet, d, 10);
        bytes32 id2 = submitAs(alice, net2, d, 10);
        assertTrue(id1 != id2);
        assertEq(id1, keccak256(abi.encode(textNet, d)));
        assertEq(id2, keccak256(abi.encode(net2, d)));
        assertEq(uint8(statusOfId(id1)), uint8(Status.Pending));
        assertEq(uint8(statusOfId(id2)), uint8(Status.Pending));
    }

    function test_statusesOf_readsEachIdInOrder() public {
        bytes32 pending = submitAs(alice, textNet, digestOf(1), 10);
        bytes32 expired = submitAs(alice, textNet, digestOf(2), 10);
        expire(textNet, one(digestOf(2)));
        bytes32[] memory ids = new bytes32[](4);
        ids[0] = expired;
        ids[1] = keccak256(abi.encode(textNet, digestOf(3))); // never submitted
        ids[2] = pending;
        ids[3] = pending;
        Status[] memory statuses = datanets.statusesOf(ids);
        assertEq(statuses.length, 4);
        assertEq(uint8(statuses[0]), uint8(Status.Expired));
        assertEq(uint8(statuses[1]), uint8(Status.None));
        assertEq(uint8(statuses[2]), uint8(Status.Pending));
        assertEq(uint8(statuses[3]), uint8(Status.Pending));
        assertEq(datanets.statusesOf(new bytes32[](0)).length, 0);
    }

    function test_duplicate_allowedAgainAfterExpiry() public {
        bytes32 d = digestOf(1);
        bytes32 id = submitAs(alice, textNet, d, 10);
        expire(textNet, one(d));
        assertEq(uint8(statusOfId(id)), uint8(Status.Expired));
        assertEq(poolOf(textNet), POOL); // nothing was reserved

        uint256 t = block.timestamp;
        vm.expectEmit(address(datanets));
        emit ContributionSubmitted(id, textNet, bob, d, CidCodec.Raw, Format.Txt, 77);
        bytes32 again = submitAs(bob, textNet, d, 77);
        assertEq(again, id);
        (address who, Status s, uint256 submittedAt, uint256 size,,, uint256 seq, uint256 ap, uint256 rj,) =
            datanets.getContribution(id);
        assertEq(who, bob);
        assertEq(uint8(s), uint8(Status.Pending));
        assertEq(submittedAt, t);
        assertEq(size, 77);
        assertEq(seq, 2);
        assertEq(ap, 0);
        assertEq(rj, 0);
        assertEq(poolOf(textNet), POOL);
        // and while that one is pending it is a duplicate again
        expectDuplicate(textNet, d, Status.Pending);
        submitAs(alice, textNet, d, 10);
    }

    function test_submitBatch_sameDigestTwiceReverts() public {
        // DuplicateInBatch is declared, but the batch records file 0 before checking file 1,
        // so the repeat is reported as DuplicateContent of a Pending contribution.
        FileRef[] memory fs = filesOf(1, 3, 10);
        fs[2].digest = fs[0].digest;
        expectDuplicate(textNet, fs[0].digest, Status.Pending);
        batchAs(alice, textNet, fs);
        assertEq(uint8(statusOfId(datanets.contributionIdOf(textNet, fs[0].digest))), uint8(Status.None));
        assertEq(quota(alice, textNet).protocolFilesUsed, 0);
    }

    // ─── batch size ─────────────────────────────────────────────────────────

    function test_submitBatch_badSizes() public {
        FileRef[] memory none = new FileRef[](0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, 0, MAX_BATCH));
        batchAs(alice, textNet, none);
        FileRef[] memory tooMany = filesOf(1, MAX_BATCH + 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.BadBatchSize.selector, MAX_BATCH + 1, MAX_BATCH));
        batchAs(alice, textNet, tooMany);
    }

    function test_submitBatch_maxSizeAccepted() public {
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolLimits(TEN_MIB, TEN_MIB, 256, 100);
        uint32 net = newNet(Formats.TEXT_FORMATS, DatanetLimits(0, 0, 256, 0, 0, 0));
        bytes32[] memory ids = batchAs(alice, net, filesOf(1, MAX_BATCH, 1));
        assertEq(ids.length, MAX_BATCH);
        assertEq(ids[255], datanets.contributionIdOf(net, digestOf(256)));
        (,,,,,, uint256 seq,,,) = datanets.getContribution(ids[255]);
        assertEq(seq, 256);
        assertEq(datanets.getDatanet(net).submissions, 256);
        assertEq(quota(alice, net).protocolFilesUsed, 256);
        assertEq(quota(alice, net).filesLeft, 0);
    }

    // ─── daily quotas ───────────────────────────────────────────────────────

    function test_quota_protocolBytesSpansDatanets() public {
        uint32 net2 = newNet(Formats.TEXT_FORMATS, limits(0, 0, 0));
        submitAs(alice, textNet, digestOf(1), 6 * MIB);
        expectQuota(alice, net2, QuotaKind.ProtocolBytes, 6 * MIB, 5 * MIB, TEN_MIB);
        submitAs(alice, net2, digestOf(2), 5 * MIB);
        // what fits still goes in
        submitAs(alice, net2, digestOf(2), 4 * MIB);
        assertEq(quota(alice, net2).protocolBytesUsed, TEN_MIB);
        assertEq(quota(alice, net2).bytesLeft, 0);
        expectQuota(alice, textNet, QuotaKind.ProtocolBytes, TEN_MIB, 1, TEN_MIB);
        submitAs(alice, textNet, digestOf(3), 1);
    }

    function test_quota_protocolFilesSpansDatanets() public {
        uint32 net2 = newNet(Formats.TEXT_FORMATS, limits(0, 0, 0));
        batchAs(alice, textNet, filesOf(1, 15, 10));
        FileRef[] memory six = filesOf(100, 6, 10);
        expectQuota(alice, net2, QuotaKind.ProtocolFiles, 15, 6, 20);
        batchAs(alice, net2, six);
        // 5 more fit exactly
        batchAs(alice, net2, filesOf(100, 5, 10));
        expectQuota(alice, net2, QuotaKind.ProtocolFiles, 20, 1, 20);
        submitAs(alice, net2, digestOf(200), 10);
        // another contributor has a quota of their own
        submitAs(bob, net2, digestOf(200), 10);
    }

    function test_quota_datanetBytes() public {
        uint32 net = newNet(Formats.TEXT_FORMATS, limits(0, MIB, 0));
        submitAs(alice, net, digestOf(1), 600 * 1024);
        expectQuota(alice, net, QuotaKind.DatanetBytes, 600 * 1024, 500 * 1024, MIB);
        submitAs(alice, net, digestOf(2), 500 * 1024);
        // the Datanet's quota does not touch the protocol's elsewhere
        submitAs(alice, textNet, digestOf(2), 5 * MIB);
        assertEq(quota(alice, textNet).protocolBytesUsed, 600 * 1024 + 5 * MIB);
    }

    function test_quota_datanetFiles() public {
        uint32 net = newNet(Formats.TEXT_FORMATS, limits(0, 0, 3));
        batchAs(alice, net, filesOf(1, 3, 10));
        expectQuota(alice, net, QuotaKind.DatanetFiles, 3, 1, 3);
        submitAs(alice, net, digestOf(4), 10);
        FileRef[] memory fs = filesOf(10, 4, 10);
        expectQuota(bob, net, QuotaKind.DatanetFiles, 0, 4, 3);
        batchAs(bob, net, fs);
        submitAs(alice, textNet, digestOf(4), 10); // other Datanets are unaffected
    }

    function test_quota_protocolCheckedBeforeDatanet() public {
        // a request over both the protocol and the Datanet bytes quota reports the protocol's
        uint32 net = newNet(Formats.TEXT_FORMATS, limits(0, MIB, 0));
        submitAs(alice, textNet, digestOf(1), 9 * MIB);
        expectQuota(alice, net, QuotaKind.ProtocolBytes, 9 * MIB, 2 * MIB, TEN_MIB);
        submitAs(alice, net, digestOf(2), 2 * MIB);
        // over the Datanet's only (bob has used nothing yet)
        expectQuota(bob, net, QuotaKind.DatanetBytes, 0, MIB + 1, MIB);
        submitAs(bob, net, digestOf(2), MIB + 1);
    }

    function test_quota_filesResetAtUtcMidnight() public {
        vm.warp(T0 + 1 days - 1); // 23:59:59
        batchAs(alice, textNet, filesOf(1, 20, 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.DailyQuotaExceeded.selector, alice, textNet, QuotaKind.ProtocolFiles, 20, 1, 20, T0 + 1 days
            )
        );
        submitAs(alice, textNet, digestOf(21), 1);
        assertEq(quota(alice, textNet).resetsAt, T0 + 1 days);

        vm.warp(T0 + 1 days); // 00:00:00 next day
        QuotaView memory q = quota(alice, textNet);
        assertEq(q.protocolFilesUsed, 0);
        assertEq(q.datanetFilesUsed, 0);
        assertEq(q.filesLeft, 20);
        assertEq(q.resetsAt, T0 + 2 days);
        submitAs(alice, textNet, digestOf(21), 1);
        q = quota(alice, textNet);
        assertEq(q.protocolFilesUsed, 1);
        assertEq(q.datanetFilesUsed, 1);
        assertEq(q.filesLeft, 19);
    }

    function test_quota_bytesResetAtUtcMidnight() public {
        uint32 net = newNet(Formats.TEXT_FORMATS, limits(0, 3 * MIB, 0));
        vm.warp(T0 + 1 days - 1);
        submitAs(alice, textNet, digestOf(1), 7 * MIB);
        submitAs(alice, net, digestOf(2), 3 * MIB);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.DailyQuotaExceeded.selector,
                alice,
                net,
                QuotaKind.ProtocolBytes,
                TEN_MIB,
                1,
                TEN_MIB,
                T0 + 1 days
            )
        );
        submitAs(alice, net, digestOf(3), 1);

        vm.warp(T0 + 1 days);
        submitAs(alice, net, digestOf(3), 3 * MIB);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetsErrors.DailyQuotaExceeded.selector,
                alice,
                net,
                QuotaKind.DatanetBytes,
                3 * MIB,
                1,
                3 * MIB,
                T0 + 2 days
            )
        );
        submitAs(alice, net, digestOf(4), 1);
        submitAs(alice, textNet, digestOf(4), 7 * MIB);
        assertEq(quota(alice, textNet).protocolBytesUsed, TEN_MIB);
    }

    function test_quota_rejectedPendingAndExpiredStillCount() public {
        stakeValidators(MIN_STAKE); // now T0 + 1 day, a midnight
        uint256 day = block.timestamp / 1 days;
        FileRef[] memory a = filesOf(1, 10, 100);
        FileRef[] memory b = filesOf(100, 10, 100);
        batchAs(alice, textNet, a);
        batchAs(alice, textNet, b);
        decide(textNet, digestsOf(a), 0); // the first ten are rejected
        assertEq(block.timestamp / 1 days, day); // still the same UTC day
        assertEq(uint8(statusOfId(datanets.contributionIdOf(textNet, a[0].digest))), uint8(Status.Rejected));
        assertEq(uint8(statusOfId(datanets.contributionIdOf(textNet, b[0].digest))), uint8(Status.Pending));

        QuotaView memory q = quota(alice, textNet);
        assertEq(q.protocolFilesUsed, 20);
        assertEq(q.protocolBytesUsed, 2000);
        assertEq(q.filesLeft, 0);
        expectQuota(alice, textNet, QuotaKind.ProtocolFiles, 20, 1, 20);
        submitAs(alice, textNet, digestOf(500), 100);

        // the pending ten expire: the content may come back, but not within today's used quota
        datanets.finalize(textNet, digestsOf(b));
        assertEq(uint8(statusOfId(datanets.contributionIdOf(textNet, b[0].digest))), uint8(Status.Expired));
        assertEq(quota(alice, textNet).protocolFilesUsed, 20);
        expectQuota(alice, textNet, QuotaKind.ProtocolFiles, 20, 1, 20);
        submitAs(alice, textNet, b[0].digest, 100);
    }

    // ─── the pool check ─────────────────────────────────────────────────────

    function test_pool_insufficientReverts() public {
        vm.prank(owner);
        uint32 net = IDatanetsAdmin(address(datanets)).createDatanet(
            Modality.Text,
            Formats.TEXT_FORMATS,
            keccak256("meta"),
            CidCodec.Raw,
            limits(0, 0, 0),
            ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 0, 1)
        );
        // an unfunded Datanet that pays rewards refuses every submission
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.InsufficientPool.selector, net, 0, 13 ether));
        submitAs(alice, net, digestOf(1), 10);

        vm.prank(owner);
        datanets.fund(net, 25 ether);
        FileRef[] memory fs = filesOf(1, 2, 10);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.InsufficientPool.selector, net, 25 ether, 26 ether));
        batchAs(alice, net, fs);

        // the pool is checked, not reserved: each single file fits, and the pool keeps its OPEN
        submitAs(alice, net, digestOf(1), 10);
        submitAs(bob, net, digestOf(2), 10);
        assertEq(poolOf(net), 25 ether);
        vm.prank(bob);
        datanets.fund(net, 1 ether);
        batchAs(alice, net, filesOf(10, 2, 10));
        assertEq(poolOf(net), 26 ether);
    }

    function test_pool_zeroRewardDatanetNeedsNoPool() public {
        uint32 net = newNet(Formats.TEXT_FORMATS, DatanetLimits(0, 0, 0, 0, 0, 0));
        assertEq(poolOf(net), 0);
        batchAs(alice, net, filesOf(1, 5, 10));
        assertEq(datanets.getDatanet(net).submissions, 5);
    }

    function test_pool_nothingReservedAtSubmission() public {
        batchAs(alice, textNet, filesOf(1, 4, 10));
        assertEq(poolOf(textNet), POOL);
        submitAs(bob, textNet, digestOf(50), 10);
        assertEq(poolOf(textNet), POOL);
    }

    // ─── deposits ───────────────────────────────────────────────────────────

    function depositNet() internal returns (uint32 net) {
        net = newNet(Formats.TEXT_FORMATS, DatanetLimits(0, 0, 0, 1 ether, REWARD, VALIDATOR_REWARD));
    }

    function test_deposit_pulledOnSubmit() public {
        uint32 net = depositNet();
        uint256 aliceBefore = open.balanceOf(alice);
        uint256 contractBefore = open.balanceOf(address(datanets));
        submitAs(alice, net, digestOf(1), 10);
        assertEq(open.balanceOf(alice), aliceBefore - 1 ether);
        assertEq(open.balanceOf(address(datanets)), contractBefore + 1 ether);
        batchAs(alice, net, filesOf(2, 3, 10));
        assertEq(open.balanceOf(alice), aliceBefore - 4 ether);
        assertEq(open.balanceOf(address(datanets)), contractBefore + 4 ether);
        assertEq(poolOf(net), POOL); // the deposit is not part of the pool while pending, and nothing is reserved
    }

    function test_deposit_refundedOnAccepted() public {
        stakeValidators(MIN_STAKE);
        uint32 net = depositNet();
        bytes32 d = digestOf(1);
        bytes32 id = submitAs(alice, net, d, 10);
        commitAs(v1, net, one(d), 1);
        commitAs(v2, net, one(d), 1);
        commitAs(v3, net, one(d), 1);
        toRevealWindow();
        revealAs(v1, net, one(d), 1);
        revealAs(v2, net, one(d), 1);
        revealAs(v3, net, one(d), 1);
        toFinalizable();
        vm.expectEmit(address(datanets));
        emit ContributionFinalized(id, net, alice, Status.Accepted, 3 * MIN_STAKE, 0, REWARD, 1 ether);
        datanets.finalize(net, one(d));
        assertEq(credits(alice), REWARD + 1 ether);
        assertEq(poolOf(net), POOL - 13 ether);
        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        datanets.claim(alice);
        assertEq(open.balanceOf(alice), before + REWARD + 1 ether);
    }

    function test_deposit_refundedOnExpired() public {
        uint32 net = depositNet();
        bytes32 d = digestOf(1);
        bytes32 id = submitAs(alice, net, d, 10);
        vm.warp(block.timestamp + COMMIT_WINDOW + REVEAL_WINDOW);
        vm.expectEmit(address(datanets));
        emit ContributionFinalized(id, net, alice, Status.Expired, 0, 0, 0, 1 ether);
        datanets.finalize(net, one(d));
        assertEq(credits(alice), 1 ether);
        assertEq(poolOf(net), POOL); // an expiry takes nothing from the pool
        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        datanets.claim(alice);
        assertEq(open.balanceOf(alice), before + 1 ether);
    }

    function test_deposit_toPoolOnRejected() public {
        stakeValidators(MIN_STAKE);
        uint32 net = depositNet();
        bytes32 d = digestOf(1);
        bytes32 id = submitAs(alice, net, d, 10);
        uint256 outstanding = datanets.validatorRewardsOutstanding();
        commitAs(v1, net, one(d), 0);
        commitAs(v2, net, one(d), 0);
        commitAs(v3, net, one(d), 1);
        toRevealWindow();
        revealAs(v1, net, one(d), 0);
        revealAs(v2, net, one(d), 0);
        revealAs(v3, net, one(d), 1);
        toFinalizable();
        vm.expectEmit(address(datanets));
        emit ContributionFinalized(id, net, alice, Status.Rejected, MIN_STAKE, 2 * MIN_STAKE, 0, 0);
        datanets.finalize(net, one(d));
        assertEq(credits(alice), 0);
        // the reject voters share the forfeited deposit (1 OPEN: never more than it); the pool
        // paid nothing
        assertEq(poolOf(net), POOL);
        assertEq(datanets.validatorRewardsOutstanding(), outstanding + 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NothingToClaim.selector, alice));
        vm.prank(alice);
        datanets.claim(alice);
    }

    // ─── events and views ───────────────────────────────────────────────────

    function test_submit_emitsContributionSubmitted() public {
        bytes32 d = digestOf(1);
        bytes32 id = datanets.contributionIdOf(textNet, d);
        vm.expectEmit(address(datanets));
        emit ContributionSubmitted(id, textNet, alice, d, CidCodec.DagPb, Format.Md, 4321);
        vm.prank(alice);
        bytes32 got = datanets.submit(textNet, FileRef(d, CidCodec.DagPb, Format.Md, 4321), terms(textNet));
        assertEq(got, id);

        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).updateLimits(textNet, limits(0, 0, 0));
        FileRef[] memory fs = new FileRef[](2);
        fs[0] = FileRef(digestOf(2), CidCodec.Raw, Format.Csv, 1);
        fs[1] = FileRef(digestOf(3), CidCodec.DagPb, Format.Pdf, TEN_MIB - 4321 - 1);
        bytes32 id2 = datanets.contributionIdOf(textNet, digestOf(2));
        bytes32 id3 = datanets.contributionIdOf(textNet, digestOf(3));
        vm.expectEmit(address(datanets));
        emit ContributionSubmitted(id2, textNet, bob, digestOf(2), CidCodec.Raw, Format.Csv, 1);
        vm.expectEmit(address(datanets));
        emit ContributionSubmitted(id3, textNet, bob, digestOf(3), CidCodec.DagPb, Format.Pdf, TEN_MIB - 4322);
        bytes32[] memory ids = batchAs(bob, textNet, fs);
        assertEq(ids.length, 2);
        assertEq(ids[0], id2);
        assertEq(ids[1], id3);
        assertEq(datanets.getDatanet(textNet).submissions, 3);
    }

    function test_getContribution_fields() public {
        vm.warp(T0 + 5 hours + 7);
        bytes32 d = digestOf(1);
        submitAs(bob, textNet, digestOf(0), 5);
        vm.prank(alice);
        bytes32 id = datanets.submit(textNet, FileRef(d, CidCodec.DagPb, Format.Jsonl, 123_456), terms(textNet));
        (
            address contributor,
            Status status,
            uint256 submittedAt,
            uint256 size,
            Format format,
            CidCodec codec,
            uint256 sequence,
            uint256 approveStake,
            uint256 rejectStake,
            uint16 termsVersion
        ) = datanets.getContribution(id);
        assertEq(contributor, alice);
        assertEq(uint8(status), uint8(Status.Pending));
        assertEq(submittedAt, T0 + 5 hours + 7);
        assertEq(size, 123_456);
        assertEq(uint8(format), uint8(Format.Jsonl));
        assertEq(uint8(codec), uint8(CidCodec.DagPb));
        assertEq(sequence, 2);
        assertEq(approveStake, 0);
        assertEq(rejectStake, 0);
        assertEq(termsVersion, 0);
        (Status s, address c) = datanets.statusOf(id);
        assertEq(uint8(s), uint8(Status.Pending));
        assertEq(c, alice);
    }

    function test_getContribution_unknownIdReadsAsNone() public {
        submitAs(alice, textNet, digestOf(1), 10);
        // the id of the same digest in another Datanet, and a random id, are unknown
        bytes32[2] memory unknown = [datanets.contributionIdOf(2, digestOf(1)), keccak256("nope")];
        for (uint256 i; i < 2; ++i) {
            (address contributor, Status status, uint256 submittedAt, uint256 size,,, uint256 sequence,,, uint16 tv) =
                datanets.getContribution(unknown[i]);
            assertEq(contributor, address(0));
            assertEq(uint8(status), uint8(Status.None));
            assertEq(submittedAt, 0);
            assertEq(size, 0);
            assertEq(sequence, 0);
            assertEq(tv, 0);
        }
    }

    function test_quotaOf_numbers() public {
        uint32 net2 = newNet(Formats.TEXT_FORMATS, limits(0, 4 * MIB, 6));
        vm.warp(T0 + 13 hours);
        batchAs(alice, textNet, filesOf(1, 3, MIB));
        submitAs(alice, net2, digestOf(10), 2 * MIB);
        submitAs(alice, net2, digestOf(11), 1);

        QuotaView memory q = quota(alice, net2);
        assertEq(q.protocolBytesUsed, 5 * MIB + 1);
        assertEq(q.protocolFilesUsed, 5);
        assertEq(q.datanetBytesUsed, 2 * MIB + 1);
        assertEq(q.datanetFilesUsed, 2);
        assertEq(q.bytesLeft, 2 * MIB - 1); // the Datanet's 4 MiB is tighter than the protocol's 5 MiB - 1 left
        assertEq(q.filesLeft, 4); // the Datanet's 6 - 2 is tighter than 20 - 5
        assertEq(q.resetsAt, T0 + 1 days);

        q = quota(alice, textNet);
        assertEq(q.datanetBytesUsed, 3 * MIB);
        assertEq(q.datanetFilesUsed, 3);
        assertEq(q.bytesLeft, 5 * MIB - 1); // protocol is the tighter here
        assertEq(q.filesLeft, 15);

        q = quota(bob, textNet);
        assertEq(q.protocolBytesUsed, 0);
        assertEq(q.bytesLeft, TEN_MIB);
        assertEq(q.filesLeft, 20);

        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, uint32(9)));
        datanets.quotaOf(alice, 9);
    }

    function test_refused_leavesNoTrace() public {
        // a refusal that happens late (the pool check, after quotas were counted) rolls everything back
        uint32 net = newNet(Formats.TEXT_FORMATS, DatanetLimits(0, 0, 0, 1 ether, REWARD, VALIDATOR_REWARD));
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(net, true);
        vm.warp(block.timestamp + COMMIT_WINDOW + 2 * REVEAL_WINDOW);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).withdrawPool(net, POOL - 20 ether, owner);
        vm.prank(owner);
        IDatanetsAdmin(address(datanets)).setDatanetPaused(net, false);
        submitAs(alice, net, digestOf(0), 500); // some usage before the refusal: 1 file, 500 bytes

        FileRef[] memory fs = filesOf(1, 2, 1000);
        bytes32 id0 = datanets.contributionIdOf(net, fs[0].digest);
        uint256 aliceBalance = open.balanceOf(alice);
        uint256 contractBalance = open.balanceOf(address(datanets));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.InsufficientPool.selector, net, 20 ether, 26 ether));
        batchAs(alice, net, fs);

        (address contributor, Status s, uint256 submittedAt,,,, uint256 seq,,,) = datanets.getContribution(id0);
        assertEq(contributor, address(0));
        assertEq(uint8(s), uint8(Status.None));
        assertEq(submittedAt, 0);
        assertEq(seq, 0);
        QuotaView memory q = quota(alice, net);
        assertEq(q.protocolBytesUsed, 500);
        assertEq(q.protocolFilesUsed, 1);
        assertEq(q.datanetBytesUsed, 500);
        assertEq(q.datanetFilesUsed, 1);
        assertEq(poolOf(net), 20 ether);
        assertEq(datanets.getDatanet(net).submissions, 1);
        assertEq(open.balanceOf(alice), aliceBalance);
        assertEq(open.balanceOf(address(datanets)), contractBalance);

        // a batch whose last file is bad leaves none of the good ones behind
        FileRef[] memory bad = filesOf(1, 3, 1000);
        bad[2].size = TEN_MIB + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, textNet, bad[2].digest, TEN_MIB + 1, TEN_MIB)
        );
        batchAs(alice, textNet, bad);
        assertEq(uint8(statusOfId(datanets.contributionIdOf(textNet, bad[0].digest))), uint8(Status.None));
        assertEq(quota(alice, textNet).protocolFilesUsed, 1);
        assertEq(quota(alice, textNet).datanetFilesUsed, 0);
        assertEq(poolOf(textNet), POOL);

        // the same files go in once the cause is gone
        bytes32[] memory ids = batchAs(alice, textNet, filesOf(1, 2, 1000));
        (contributor, s,,,,, seq,,,) = datanets.getContribution(ids[0]);
        assertEq(contributor, alice);
        assertEq(seq, 1);
    }

    // ─── fuzz ───────────────────────────────────────────────────────────────

    /// @dev Random sizes and formats on textNet: exactly one rule decides, in the contract's order.
    function testFuzz_submit_sizeAndFormatOnTextNet(uint256 sizeRaw, uint8 formatRaw) public {
        uint32 size = uint32(bound(sizeRaw, 0, 2 * uint256(TEN_MIB)));
        Format f = Format(bound(formatRaw, 0, uint8(Format.Flac)));
        bytes32 d = keccak256(abi.encode(sizeRaw, formatRaw));
        bool formatOk = (Formats.bit(f) & Formats.TEXT_FORMATS) != 0;
        if (!formatOk) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FormatNotAllowed.selector, textNet, f, Formats.TEXT_FORMATS));
        } else if (size == 0) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.EmptyFile.selector, textNet, d));
        } else if (size > TEN_MIB) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, textNet, d, size, TEN_MIB));
        }
        vm.prank(alice);
        datanets.submit(textNet, fileOf(d, f, size), terms(textNet));

        bool accepted = formatOk && size > 0 && size <= TEN_MIB;
        (, Status s,, uint256 storedSize, Format storedFormat,,,,,) =
            datanets.getContribution(datanets.contributionIdOf(textNet, d));
        assertEq(uint8(s), uint8(accepted ? Status.Pending : Status.None));
        assertEq(storedSize, accepted ? size : 0);
        assertEq(uint8(storedFormat), accepted ? uint8(f) : 0);
        assertEq(quota(alice, textNet).protocolBytesUsed, accepted ? size : 0);
    }

    /// @dev Random modality, format subset, cap and file: the tighter cap and the subset decide.
    function testFuzz_submit_customDatanetRules(
        uint8 modalityRaw,
        uint16 formatsRaw,
        uint256 capRaw,
        uint256 sizeRaw,
        uint8 formatRaw
    ) public {
        Modality m = Modality(bound(modalityRaw, 0, 2));
        uint16 all = Formats.ofModality(m);
        uint16 formats = formatsRaw & all;
        if (formats == 0) formats = all;
        uint32 cap = uint32(bound(capRaw, 1, TEN_MIB));
        vm.prank(owner);
        uint32 net = IDatanetsAdmin(address(datanets)).createDatanet(
            m, formats, bytes32(0), CidCodec.Raw, DatanetLimits(cap, 0, 0, 0, 0, 0), ReviewRules(0, 0, 0, 0, 1)
        );
        uint32 size = uint32(bound(sizeRaw, 0, uint256(cap) + 2));
        Format f = Format(bound(formatRaw, 0, uint8(Format.Flac)));
        bytes32 d = keccak256(abi.encode(sizeRaw, formatRaw));
        bool ok;
        if (Formats.bit(f) & formats == 0) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FormatNotAllowed.selector, net, f, formats));
        } else if (size == 0) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.EmptyFile.selector, net, d));
        } else if (size > cap) {
            vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, net, d, size, cap));
        } else {
            ok = true;
        }
        vm.prank(alice);
        datanets.submit(net, fileOf(d, f, size), terms(net));
        assertEq(datanets.getDatanet(net).submissions, ok ? 1 : 0);
        assertEq(quota(alice, net).datanetBytesUsed, ok ? size : 0);
    }

    /// @dev Random batch sizes against the protocol and Datanet file quotas, after random earlier use.
    function testFuzz_submitBatch_filesVsQuota(uint256 usedRaw, uint256 nRaw, uint256 datanetFilesRaw) public {
        uint256 used = bound(usedRaw, 0, 20);
        uint256 n = bound(nRaw, 1, MAX_BATCH);
        uint32 datanetFiles = uint32(bound(datanetFilesRaw, 1, 20));
        uint32 net = newNet(Formats.TEXT_FORMATS, DatanetLimits(0, 0, datanetFiles, 0, 0, 0));
        if (used > 0) batchAs(alice, textNet, filesOf(1_000, used, 1));

        FileRef[] memory fs = filesOf(1, n, 1);
        bool ok;
        if (used + n > 20) {
            expectQuota(alice, net, QuotaKind.ProtocolFiles, used, n, 20);
        } else if (n > datanetFiles) {
            expectQuota(alice, net, QuotaKind.DatanetFiles, 0, n, datanetFiles);
        } else {
            ok = true;
        }
        batchAs(alice, net, fs);

        QuotaView memory q = quota(alice, net);
        assertEq(q.protocolFilesUsed, used + (ok ? n : 0));
        assertEq(q.datanetFilesUsed, ok ? n : 0);
        assertLe(q.protocolFilesUsed, 20);
        assertLe(q.datanetFilesUsed, datanetFiles);
        assertEq(q.filesLeft, _min(20 - q.protocolFilesUsed, datanetFiles - q.datanetFilesUsed));
    }

    struct Model {
        uint32[2] nets;
        uint256[2] byteLimit;
        uint256[2] fileLimit;
        uint256 pDay;
        uint256 pBytes;
        uint256 pFiles;
        uint256[2] nDay;
        uint256[2] nBytes;
        uint256[2] nFiles;
    }

    /// @dev Random sequences of sizes, Datanets and time steps (crossing UTC midnights): each call does exactly
    /// what a model of the quotas predicts, and no day's usage ever exceeds a byte or file quota.
    function testFuzz_quota_randomSequenceNeverExceedsDailyBytes(uint256[] memory steps) public {
        Model memory mdl;
        mdl.nets = [textNet, newNet(Formats.TEXT_FORMATS, DatanetLimits(0, 3 * MIB, 5, 0, 0, 0))];
        mdl.byteLimit = [uint256(TEN_MIB), 3 * MIB];
        mdl.fileLimit = [uint256(20), 5];
        uint256 count = steps.length < 40 ? steps.length : 40;
        for (uint256 i; i < count; ++i) {
            _quotaStep(mdl, i, steps[i]);
        }
    }

    function _quotaStep(Model memory mdl, uint256 i, uint256 r) internal {
        // time moves forward 0 to 8 hours, so a sequence crosses a few midnights
        vm.warp(block.timestamp + bound(r >> 128, 0, 8 hours));
        uint256 k = (r >> 100) & 1;
        uint256 today = block.timestamp / 1 days;
        uint256 size;
        uint256 band = (r >> 64) % 5;
        if (band == 0) size = bound(r, 1, 64 * 1024);
        else if (band == 1) size = bound(r, 1, 2 * MIB);
        else if (band == 2) size = bound(r, 1, TEN_MIB);
        else {
            // exactly what is left of the tighter bytes quota, or one byte more: the boundary itself
            uint256 pLeft = TEN_MIB - (mdl.pDay == today ? mdl.pBytes : 0);
            uint256 nLeft = mdl.byteLimit[k] - (mdl.nDay[k] == today ? mdl.nBytes[k] : 0);
            size = (pLeft < nLeft ? pLeft : nLeft) + (band == 4 ? 1 : 0);
            if (size == 0) size = 1;
        }

        bytes32 digest = digestOf(10_000 + i);
        bool ok = _expectOutcome(mdl, k, today, size, digest);
        submitAs(alice, mdl.nets[k], digest, uint32(size));
        if (ok) {
            (mdl.pBytes, mdl.pFiles) = mdl.pDay == today ? (mdl.pBytes + size, mdl.pFiles + 1) : (size, 1);
            (mdl.nBytes[k], mdl.nFiles[k]) =
                mdl.nDay[k] == today ? (mdl.nBytes[k] + size, mdl.nFiles[k] + 1) : (size, 1);
            mdl.pDay = today;
            mdl.nDay[k] = today;
        }
        _checkModel(mdl, k, today);
    }

    /// @dev Sets the revert the model predicts for a `size`-byte file in Datanet `k` now; true if none.
    function _expectOutcome(Model memory mdl, uint256 k, uint256 today, uint256 size, bytes32 digest)
        internal
        returns (bool)
    {
        if (size > TEN_MIB) {
            // the file rules come before the quotas
            vm.expectRevert(
                abi.encodeWithSelector(IDatanetsErrors.FileTooLarge.selector, mdl.nets[k], digest, size, TEN_MIB)
            );
            return false;
        }
        uint256 used = mdl.pDay == today ? mdl.pBytes : 0;
        if (used + size > TEN_MIB) {
            expectQuota(alice, mdl.nets[k], QuotaKind.ProtocolBytes, used, size, TEN_MIB);
            return false;
        }
        used = mdl.pDay == today ? mdl.pFiles : 0;
        if (used + 1 > 20) {
            expectQuota(alice, mdl.nets[k], QuotaKind.ProtocolFiles, used, 1, 20);
            return false;
        }
        used = mdl.nDay[k] == today ? mdl.nBytes[k] : 0;
        if (used + size > mdl.byteLimit[k]) {
            expectQuota(alice, mdl.nets[k], QuotaKind.DatanetBytes, used, size, mdl.byteLimit[k]);
            return false;
        }
        used = mdl.nDay[k] == today ? mdl.nFiles[k] : 0;
        if (used + 1 > mdl.fileLimit[k]) {
            expectQuota(alice, mdl.nets[k], QuotaKind.DatanetFiles, used, 1, mdl.fileLimit[k]);
            return false;
        }
        return true;
    }

    function _checkModel(Model memory mdl, uint256 k, uint256 today) internal view {
        QuotaView memory q = quota(alice, mdl.nets[k]);
        assertEq(q.protocolBytesUsed, mdl.pDay == today ? mdl.pBytes : 0);
        assertEq(q.protocolFilesUsed, mdl.pDay == today ? mdl.pFiles : 0);
        assertEq(q.datanetBytesUsed, mdl.nDay[k] == today ? mdl.nBytes[k] : 0);
        assertEq(q.datanetFilesUsed, mdl.nDay[k] == today ? mdl.nFiles[k] : 0);
        assertLe(q.protocolBytesUsed, TEN_MIB);
        assertLe(q.protocolFilesUsed, 20);
        assertLe(q.datanetBytesUsed, mdl.byteLimit[k]);
        assertLe(q.datanetFilesUsed, mdl.fileLimit[k]);
        assertEq(q.resetsAt, (today + 1) * 1 days);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
