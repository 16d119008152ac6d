// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {IDatanetsErrors, FileRef, Status} from "../interfaces/IDatanets.sol";
import {Base} from "./Base.t.sol";

/// @notice A deposit paid with a signed EIP-2612 permit in the same transaction as the submission
/// (`multicall([permitDeposit, submit…])`), and what a mempool watcher or a thief can do with a
/// permit it sees.
contract PermitTest is Base {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint96 internal constant DEPOSIT = 5 ether;

    address internal carol;
    uint256 internal carolKey;
    address internal mallory = makeAddr("mallory");
    uint32 internal depositNet;

    function setUp() public override {
        super.setUp();
        (carol, carolKey) = makeAddrAndKey("carol");
        vm.startPrank(admin);
        open.transfer(carol, 1_000 ether);
        open.transfer(mallory, 1_000 ether);
        vm.stopPrank();
        depositNet = createTextNet(REWARD, VALIDATOR_REWARD, DEPOSIT);
        vm.prank(owner);
        datanets.fund(depositNet, 1_000 ether);
    }

    // ─── helpers ────────────────────────────────────────────────────────────

    function signPermit(uint256 key, address holder, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, holder, address(datanets), value, open.nonces(holder), deadline));
        (v, r, s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
    }

    function permitCall(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IDatanetsAdmin.permitDeposit, (value, deadline, v, r, s));
    }

    function submitCall(uint32 datanetId, uint256 i) internal view returns (bytes memory) {
        return abi.encodeCall(datanets.submit, (datanetId, file(digestOf(i), 100), terms(datanetId)));
    }

    function pair(bytes memory a, bytes memory b) internal pure returns (bytes[] memory calls) {
        calls = new bytes[](2);
        calls[0] = a;
        calls[1] = b;
    }

    function admin_() internal view returns (IDatanetsAdmin) {
        return IDatanetsAdmin(address(datanets));
    }

    // ─── the path ───────────────────────────────────────────────────────────

    function test_permitAndSubmit_oneTransaction_noAllowanceLeft() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, DEPOSIT, deadline);
        uint256 before = open.balanceOf(carol);
        vm.prank(carol);
        bytes[] memory results = admin_().multicall(pair(permitCall(DEPOSIT, deadline, v, r, s), submitCall(depositNet, 1)));
        bytes32 id = abi.decode(results[1], (bytes32));
        assertEq(id, datanets.contributionIdOf(depositNet, digestOf(1)));
        (address contributor, Status status,,,,,,,,) = datanets.getContribution(id);
        assertEq(contributor, carol, "the signer is the contributor, not the contract");
        assertEq(uint8(status), uint8(Status.Pending));
        assertEq(before - open.balanceOf(carol), DEPOSIT);
        assertEq(open.allowance(carol, address(datanets)), 0, "an exact permit leaves no standing allowance");
        assertEq(open.nonces(carol), 1);
    }

    function test_permitCoversABatchAndAFunding() public {
        uint256 deadline = block.timestamp + 1 hours;
        FileRef[] memory files = new FileRef[](3);
        for (uint256 i; i < 3; ++i) {
            files[i] = file(digestOf(10 + i), 100);
        }
        uint256 value = 3 * uint256(DEPOSIT) + 7 ether;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, value, deadline);
        bytes[] memory calls = new bytes[](3);
        calls[0] = permitCall(value, deadline, v, r, s);
        calls[1] = abi.encodeCall(datanets.submitBatch, (depositNet, files, terms(depositNet)));
        calls[2] = abi.encodeCall(datanets.fund, (depositNet, 7 ether));
        uint256 before = open.balanceOf(carol);
        vm.prank(carol);
        admin_().multicall(calls);
        assertEq(before - open.balanceOf(carol), value);
        assertEq(open.allowance(carol, address(datanets)), 0);
    }

    // ─── attacks ────────────────────────────────────────────────────────────

    /// A watcher copies the permit out of the pending transaction and sends it to the token first,
    /// hoping the contributor's transaction fails on the used nonce. It goes in all the same.
    function test_threat_permitFrontRun_theSubmissionStillGoesIn() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, DEPOSIT, deadline);
        vm.prank(mallory);
        open.permit(carol, address(datanets), DEPOSIT, deadline, v, r, s);
        vm.prank(carol);
        admin_().multicall(pair(permitCall(DEPOSIT, deadline, v, r, s), submitCall(depositNet, 2)));
        (address contributor,,,,,,,,,) = datanets.getContribution(datanets.contributionIdOf(depositNet, digestOf(2)));
        assertEq(contributor, carol);
        assertEq(open.allowance(carol, address(datanets)), 0);
    }

    /// A thief sends someone else's permit from its own account: the permit is checked against the
    /// caller as owner, so it sets nothing, and the thief's own OPEN is never approved by it.
    function test_threat_stolenPermit_setsNothingForTheThief() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, DEPOSIT, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.PermitRefused.selector, mallory, DEPOSIT, 0, deadline, block.timestamp)
        );
        vm.prank(mallory);
        admin_().multicall(pair(permitCall(DEPOSIT, deadline, v, r, s), submitCall(depositNet, 3)));
        assertEq(open.nonces(carol), 0, "the victim's permit is still unused");
        assertEq(open.allowance(mallory, address(datanets)), 0);
        // The owner can still use it.
        vm.prank(carol);
        admin_().multicall(pair(permitCall(DEPOSIT, deadline, v, r, s), submitCall(depositNet, 3)));
        assertEq(open.nonces(carol), 1);
    }

    /// One permit for one deposit cannot pay two: the second submission finds the allowance spent,
    /// and everything, the permit included, is undone.
    function test_threat_onePermitPaysOnce() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, DEPOSIT, deadline);
        bytes[] memory calls = new bytes[](3);
        calls[0] = permitCall(DEPOSIT, deadline, v, r, s);
        calls[1] = submitCall(depositNet, 4);
        calls[2] = submitCall(depositNet, 5);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(datanets), 0, DEPOSIT)
        );
        vm.prank(carol);
        admin_().multicall(calls);
        assertEq(open.nonces(carol), 0);
        assertEq(open.allowance(carol, address(datanets)), 0);
        (address contributor,,,,,,,,,) = datanets.getContribution(datanets.contributionIdOf(depositNet, digestOf(4)));
        assertEq(contributor, address(0), "nothing was recorded");
    }

    /// Batching calls gives no one a right they lack: each call keeps its own role and owner checks.
    function test_threat_multicallKeepsEveryCallsChecks() public {
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(IDatanetsAdmin.setProtocolLimits, (1, 1, 1, 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, mallory, datanets.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(mallory);
        admin_().multicall(calls);
        calls[0] = abi.encodeCall(IDatanetsAdmin.setDatanetPaused, (depositNet, true));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.NotDatanetOwner.selector, depositNet, mallory, owner));
        vm.prank(mallory);
        admin_().multicall(calls);
    }

    /// The admin module's own address holds nothing: a multicall or permit sent to it directly runs
    /// on its empty storage, so a permit signed for it lets no one take OPEN, and no Datanet moves.
    function test_threat_theAdminModuleCalledDirectlyHoldsNothing() public {
        address module = datanets.adminModule();
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, carol, module, DEPOSIT, open.nonces(carol), deadline));
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(carolKey, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
        bytes[] memory calls = new bytes[](1);
        calls[0] = permitCall(DEPOSIT, deadline, v, r, s);
        vm.prank(carol);
        IDatanetsAdmin(module).multicall(calls);
        assertEq(open.allowance(carol, address(datanets)), 0, "the Datanets contract got no allowance");
        // The module's copy of the Datanet table is empty: it knows no Datanet to pause.
        calls[0] = abi.encodeCall(IDatanetsAdmin.setDatanetPaused, (depositNet, true));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.DatanetNotFound.selector, depositNet));
        vm.prank(owner);
        IDatanetsAdmin(module).multicall(calls);
    }

    /// A multicall inside a multicall is one more level of the same calls, with the same sender.
    function test_nestedMulticall_runsAsTheSameSender() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, DEPOSIT, deadline);
        bytes[] memory inner = pair(permitCall(DEPOSIT, deadline, v, r, s), submitCall(depositNet, 9));
        bytes[] memory outer = new bytes[](1);
        outer[0] = abi.encodeCall(IDatanetsAdmin.multicall, (inner));
        vm.prank(carol);
        admin_().multicall(outer);
        (address contributor,,,,,,,,,) = datanets.getContribution(datanets.contributionIdOf(depositNet, digestOf(9)));
        assertEq(contributor, carol);
    }

    /// A permit the token refuses is no failure while the allowance already covers the value.
    function test_badPermit_isIgnoredWhileTheAllowanceCovers() public {
        vm.prank(carol);
        open.approve(address(datanets), DEPOSIT);
        vm.prank(carol);
        admin_().multicall(pair(permitCall(DEPOSIT, block.timestamp + 1 hours, 27, bytes32(0), bytes32(0)), submitCall(depositNet, 10)));
        assertEq(open.allowance(carol, address(datanets)), 0);
        assertEq(open.nonces(carol), 0, "the bad permit used no nonce");
    }

    // ─── refusals name the rule and the numbers ─────────────────────────────

    function test_expiredPermit_isRefusedWithItsTimes() public {
        uint256 deadline = block.timestamp + 10;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, DEPOSIT, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetsErrors.PermitRefused.selector, carol, DEPOSIT, 0, deadline, deadline + 1)
        );
        vm.prank(carol);
        admin_().multicall(pair(permitCall(DEPOSIT, deadline, v, r, s), submitCall(depositNet, 6)));
    }

    /// A refused submission undoes the permit with it: no allowance is left behind, the nonce is unused.
    function test_refusedSubmission_undoesThePermit() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, DEPOSIT, deadline);
        uint16 current = terms(depositNet);
        bytes memory stale = abi.encodeCall(datanets.submit, (depositNet, file(digestOf(7), 100), current + 1));
        vm.expectRevert(abi.encodeWithSelector(IDatanetsErrors.TermsChanged.selector, depositNet, current + 1, current));
        vm.prank(carol);
        admin_().multicall(pair(permitCall(DEPOSIT, deadline, v, r, s), stale));
        assertEq(open.nonces(carol), 0);
        assertEq(open.allowance(carol, address(datanets)), 0);
    }

    /// Whatever the permit's value and deadline, the submission goes in exactly when the permit
    /// covers the deposit and has not expired; otherwise nothing at all changes.
    function testFuzz_permit_paysExactlyWhenItCovers(uint96 value, uint32 deadlineOffset, uint32 delay) public {
        value = uint96(bound(value, 0, 3 * uint256(DEPOSIT)));
        uint256 deadline = block.timestamp + bound(deadlineOffset, 0, 2 hours);
        (uint8 v, bytes32 r, bytes32 s) = signPermit(carolKey, carol, value, deadline);
        vm.warp(block.timestamp + bound(delay, 0, 2 hours));
        uint256 before = open.balanceOf(carol);
        vm.prank(carol);
        (bool ok,) = address(datanets).call(
            abi.encodeCall(IDatanetsAdmin.multicall, (pair(permitCall(value, deadline, v, r, s), submitCall(depositNet, 8))))
        );
        bool covers = value >= DEPOSIT && block.timestamp <= deadline;
        assertEq(ok, covers);
        assertEq(before - open.balanceOf(carol), covers ? DEPOSIT : 0);
        assertEq(open.allowance(carol, address(datanets)), covers ? value - DEPOSIT : 0);
        assertEq(open.nonces(carol), covers ? 1 : 0);
    }
}
