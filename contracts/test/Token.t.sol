// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {OpenToken} from "../OpenToken.sol";

/// @notice The OPEN token: fixed supply, metadata and EIP-2612 permit.
contract TokenTest is Test {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    OpenToken internal open;
    address internal holder = makeAddr("holder");
    address internal spender = makeAddr("spender");
    address internal signer;
    uint256 internal signerKey;

    function setUp() public {
        vm.warp(1_767_225_600);
        open = new OpenToken(holder);
        (signer, signerKey) = makeAddrAndKey("signer");
        vm.prank(holder);
        open.transfer(signer, 1_000 ether);
    }

    // ─── helpers ────────────────────────────────────────────────────────────

    function permitDigest(address owner_, address spender_, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner_, spender_, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash));
    }

    function signPermit(uint256 key, address owner_, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        (v, r, s) = vm.sign(key, permitDigest(owner_, spender, value, nonce, deadline));
    }

    // ─── supply and metadata ────────────────────────────────────────────────

    function test_supplyIsOneBillionToTheHolder() public {
        OpenToken fresh = new OpenToken(holder);
        assertEq(fresh.TOTAL_SUPPLY(), 1_000_000_000 * 1e18);
        assertEq(fresh.totalSupply(), 1_000_000_000 * 1e18);
        assertEq(fresh.balanceOf(holder), 1_000_000_000 * 1e18);
        assertEq(fresh.balanceOf(address(this)), 0);
    }

    function test_nameSymbolDecimals() public view {
        assertEq(open.name(), "OpenLedger");
        assertEq(open.symbol(), "OPEN");
        assertEq(open.decimals(), 18);
    }

    function test_domainSeparatorIsEip712OfTheToken() public view {
        bytes32 expected = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("OpenLedger"), keccak256("1"), block.chainid, address(open))
        );
        assertEq(open.DOMAIN_SEPARATOR(), expected);
    }

    // ─── permit ─────────────────────────────────────────────────────────────

    function test_permit_validSignatureSetsAllowance() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(signerKey, signer, 250 ether, 0, deadline);
        vm.prank(makeAddr("relayer")); // anyone may submit the signature
        open.permit(signer, spender, 250 ether, deadline, v, r, s);
        assertEq(open.allowance(signer, spender), 250 ether);
        assertEq(open.nonces(signer), 1);

        vm.prank(spender);
        open.transferFrom(signer, spender, 250 ether);
        assertEq(open.balanceOf(spender), 250 ether);
        assertEq(open.balanceOf(signer), 750 ether);
    }

    function test_permit_acceptsDeadlineEqualToNow() public {
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(signerKey, signer, 1 ether, 0, deadline);
        open.permit(signer, spender, 1 ether, deadline, v, r, s);
        assertEq(open.allowance(signer, spender), 1 ether);
    }

    function test_permit_revertsAfterDeadline() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(signerKey, signer, 250 ether, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        open.permit(signer, spender, 250 ether, deadline, v, r, s);
        assertEq(open.allowance(signer, spender), 0);
        assertEq(open.nonces(signer), 0);
    }

    function test_permit_revertsWhenSignedByAnotherKey() public {
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(malloryKey, signer, 250 ether, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, mallory, signer));
        open.permit(signer, spender, 250 ether, deadline, v, r, s);
        assertEq(open.allowance(signer, spender), 0);
    }

    function test_permit_revertsOnChangedValue() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(signerKey, signer, 250 ether, 0, deadline);
        // The signature recovers to some other address for a different value.
        address recovered = ecrecover(permitDigest(signer, spender, 251 ether, 0, deadline), v, r, s);
        assertTrue(recovered != signer);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, signer));
        open.permit(signer, spender, 251 ether, deadline, v, r, s);
    }

    function test_permit_cannotBeReplayed() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = signPermit(signerKey, signer, 250 ether, 0, deadline);
        open.permit(signer, spender, 250 ether, deadline, v, r, s);
        // The nonce moved on, so the same signature now recovers to another address.
        address recovered = ecrecover(permitDigest(signer, spender, 250 ether, 1, deadline), v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, signer));
        open.permit(signer, spender, 250 ether, deadline, v, r, s);
        assertEq(open.nonces(signer), 1);
    }
}
