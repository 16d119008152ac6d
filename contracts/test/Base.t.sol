// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {OpenToken} from "../OpenToken.sol";
import {ValidatorStaking} from "../ValidatorStaking.sol";
import {Datanets} from "../Datanets.sol";
import {ModelRegistry} from "../ModelRegistry.sol";
import {Modality, Format, CidCodec, Formats} from "../libraries/Formats.sol";
import {Status, DatanetLimits, ReviewRules, FileRef} from "../interfaces/IDatanets.sol";

/// @dev A Datanet's current terms version, read from `Datanets`' storage: the `_datanets` mapping
/// is slot 4 of `DatanetsStorage`, and `termsVersion` sits at bits 128–143 of a Datanet's first slot.
function termsVersionAt(address datanets, uint32 datanetId) view returns (uint16) {
    bytes32 slot = keccak256(abi.encode(uint256(datanetId), uint256(4)));
    Vm vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    return uint16(uint256(vm.load(datanets, slot)) >> 128);
}

/// @notice The deployed protocol with funded actors, shared by the Solidity tests.
abstract contract Base is Test {
    uint32 internal constant COMMIT_WINDOW = 1 hours;
    uint32 internal constant REVEAL_WINDOW = 1 hours;
    uint32 internal constant MAX_WINDOW = 1 days;
    uint256 internal constant ACTIVATION_DELAY = 1 days;
    uint256 internal constant UNBONDING = 3 days;
    uint256 internal constant MIN_STAKE = 1_000 ether;
    uint96 internal constant MODEL_BOND = 100 ether;
    uint32 internal constant CHALLENGE_WINDOW = 1 days;
    uint96 internal constant REWARD = 10 ether;
    uint96 internal constant VALIDATOR_REWARD = 3 ether;

    OpenToken internal open;
    ValidatorStaking internal staking;
    Datanets internal datanets;
    ModelRegistry internal models;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal owner = makeAddr("owner");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal trainer = makeAddr("trainer");
    address internal v1 = makeAddr("validator1");
    address internal v2 = makeAddr("validator2");
    address internal v3 = makeAddr("validator3");

    uint32 internal textNet;

    function setUp() public virtual {
        vm.warp(1_767_225_600); // 2026-01-01T00:00:00Z, a UTC midnight
        open = new OpenToken(admin);
        staking = new ValidatorStaking(open, admin, treasury, MIN_STAKE, ACTIVATION_DELAY, UNBONDING);
        datanets = new Datanets(open, staking, admin, MAX_WINDOW, MAX_WINDOW);
        models = new ModelRegistry(open, datanets, admin, treasury, 7_000, 1_000, MODEL_BOND, CHALLENGE_WINDOW);
        vm.startPrank(admin);
        staking.bindDatanets(address(datanets));
        models.grantRole(models.TRAINER_ROLE(), trainer);
        address[8] memory people = [owner, alice, bob, trainer, v1, v2, v3, makeAddr("payer")];
        for (uint256 i; i < people.length; ++i) {
            open.transfer(people[i], 1_000_000 ether);
        }
        vm.stopPrank();
        address[8] memory approvers = [owner, alice, bob, trainer, v1, v2, v3, makeAddr("payer")];
        for (uint256 i; i < approvers.length; ++i) {
            vm.startPrank(approvers[i]);
            open.approve(address(datanets), type(uint256).max);
            open.approve(address(staking), type(uint256).max);
            open.approve(address(models), type(uint256).max);
            vm.stopPrank();
        }
        textNet = createTextNet(REWARD, VALIDATOR_REWARD, 0);
        vm.prank(owner);
        datanets.fund(textNet, 10_000 ether);
    }

    // ─── helpers ────────────────────────────────────────────────────────────

    function createTextNet(uint96 reward, uint96 validatorReward, uint96 deposit) internal returns (uint32 id) {
        vm.prank(owner);
        id = IDatanetsAdmin(address(datanets)).createDatanet(
            Modality.Text,
            Formats.TEXT_FORMATS,
            keccak256("metadata"),
            CidCodec.Raw,
            DatanetLimits(0, 0, 0, deposit, reward, validatorReward),
            ReviewRules(COMMIT_WINDOW, REVEAL_WINDOW, 0, 0, 1)
        );
    }

    function file(bytes32 digest, uint32 size) internal pure returns (FileRef memory) {
        return FileRef(digest, CidCodec.Raw, Format.Txt, size);
    }

    /// @dev The terms version a contributor accepts by submitting now. Read with `vm.load`, not a
    /// call, so that it can sit inside a pranked or expected-to-revert submission without being the
    /// "next call" itself. `ThreatsTest` checks it against `getDatanet`.
    function terms(uint32 datanetId) internal view returns (uint16) {
        return termsVersionAt(address(datanets), datanetId);
    }

    /// @dev A model's challenge window passes with no challenge: time moves to its end (payments
    /// open) and the bond goes back to the trainer. Does nothing for 0 (a registration that reverted).
    function passChallengeWindow(uint256 modelId) internal {
        if (modelId == 0) return;
        (uint256 bond, uint256 endsAt,) = models.bondOf(modelId);
        if (block.timestamp < endsAt) vm.warp(endsAt);
        if (bond > 0) models.releaseBond(modelId);
    }

    function digestOf(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("file", i));
    }

    function submitAs(address who, uint32 datanetId, bytes32 digest, uint32 size) internal returns (bytes32 id) {
        vm.prank(who);
        id = datanets.submit(datanetId, file(digest, size), terms(datanetId));
    }

    /// @dev Stakes `amount` for each validator and waits until it votes.
    function stakeValidators(uint256 amount) internal {
        address[3] memory vs = [v1, v2, v3];
        for (uint256 i; i < 3; ++i) {
            vm.prank(vs[i]);
            staking.stake(amount);
        }
        vm.warp(block.timestamp + ACTIVATION_DELAY);
    }

    function one(bytes32 d) internal pure returns (bytes32[] memory a) {
        a = new bytes32[](1);
        a[0] = d;
    }

    function idsOf(uint32 datanetId, bytes32[] memory digests) internal view returns (bytes32[] memory ids) {
        ids = new bytes32[](digests.length);
        for (uint256 i; i < digests.length; ++i) {
            ids[i] = datanets.contributionIdOf(datanetId, digests[i]);
        }
    }

    function seal(address validator, uint32 datanetId, bytes32[] memory digests, uint256 votes, bytes32 salt)
        internal
        view
        returns (bytes32)
    {
        return datanets.sealVotes(validator, datanetId, keccak256(abi.encodePacked(idsOf(datanetId, digests))), votes, salt);
    }

    function commitAs(address validator, uint32 datanetId, bytes32[] memory digests, uint256 votes)
        internal
        returns (bytes32 commitment)
    {
        bytes32 salt = keccak256(abi.encode(validator, votes));
        bytes32 sealedVotes = seal(validator, datanetId, digests, votes, salt);
        vm.prank(validator);
        commitment = datanets.commit(datanetId, digests, sealedVotes);
    }

    function revealAs(address validator, uint32 datanetId, bytes32[] memory digests, uint256 votes) internal {
        vm.prank(validator);
        datanets.reveal(datanetId, digests, votes, keccak256(abi.encode(validator, votes)));
    }

    function toRevealWindow() internal {
        vm.warp(block.timestamp + COMMIT_WINDOW);
    }

    function toFinalizable() internal {
        vm.warp(block.timestamp + REVEAL_WINDOW);
    }
}
