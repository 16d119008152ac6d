// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatanetsAdmin} from "../interfaces/IDatanetsAdmin.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReviewHelpers} from "./helpers/ReviewHelpers.sol";
import {MerkleTreeBuilder} from "./helpers/MerkleTreeBuilder.sol";
import {ModelRegistry} from "../ModelRegistry.sol";
import {IModelRegistry, ModelSpec, TrainingMethod, LeafFault, LeafEvidence} from "../interfaces/IModelRegistry.sol";
import {Status} from "../interfaces/IDatanets.sol";
import {CidCodec} from "../libraries/Formats.sol";

/// @notice Model registration, fee payments and Merkle-proven attribution claims of ModelRegistry,
/// over contributions that went through the real submit → review → finalise flow.
contract ModelsTest is ReviewHelpers {
    uint256 internal constant PRECISION = 1e18;
    uint256 internal constant TRAINER_BPS = 7_000;
    uint256 internal constant PROTOCOL_BPS = 1_000;

    address internal payer = makeAddr("payer");

    bytes32 internal id1; // alice, accepted
    bytes32 internal id2; // alice, accepted
    bytes32 internal id3; // bob, accepted
    bytes32 internal id4; // alice, pending
    bytes32 internal id5; // bob, rejected

    /// @dev The manifest: three valid leaves, then one pending, one rejected and one naming the wrong contributor.
    bytes32[] internal leaves;
    bytes32[] internal leafIds;
    address[] internal leafContributors;
    uint256[] internal leafWeights;
    bytes32[] internal leafDigests;
    uint128 internal constant TOTAL_WEIGHT = 8_000;
    bytes32 internal root;

    function setUp() public override {
        super.setUp();
        stakeValidators(MIN_STAKE);
        // Sizes equal to the honest leaves' weights: the attribution rule weighs a leaf by its size.
        id1 = submitAs(alice, textNet, digestOf(1), 1_000);
        id2 = submitAs(alice, textNet, digestOf(2), 2_000);
        id3 = submitAs(bob, textNet, digestOf(3), 3_000);
        id5 = submitAs(bob, textNet, digestOf(5), 500);
        bytes32[] memory ds = new bytes32[](4);
        (ds[0], ds[1], ds[2], ds[3]) = (digestOf(1), digestOf(2), digestOf(3), digestOf(5));
        reviewAndFinalize(textNet, ds, 7, 7, 7); // the first three approved, the last rejected
        id4 = submitAs(alice, textNet, digestOf(4), 400);
        assertEq(uint8(statusOf(id1)), uint8(Status.Accepted));
        assertEq(uint8(statusOf(id3)), uint8(Status.Accepted));
        assertEq(uint8(statusOf(id4)), uint8(Status.Pending));
        assertEq(uint8(statusOf(id5)), uint8(Status.Rejected));

        addLeaf(id1, alice, 1_000, 1);
        addLeaf(id2, alice, 2_000, 2);
        addLeaf(id3, bob, 3_000, 3);
        addLeaf(id4, alice, 500, 4);
        addLeaf(id5, bob, 700, 5);
        addLeaf(id1, bob, 800, 1);
        root = MerkleTreeBuilder.root(leaves);
    }

    // ─── helpers ────────────────────────────────────────────────────────────

    function addLeaf(bytes32 id, address contributor, uint256 weight, uint256 file) internal {
        leafDigests.push(digestOf(file));
        leafIds.push(id);
        leafContributors.push(contributor);
        leafWeights.push(weight);
        leaves.push(keccak256(bytes.concat(keccak256(abi.encode(id, contributor, weight)))));
    }

    function specWith(bytes32 datasetRoot, uint128 totalWeight, uint32[] memory datanetIds, uint64 parentId)
        internal
        pure
        returns (ModelSpec memory)
    {
        return ModelSpec({
            baseModel: "meta-llama/Llama-3.2-1B",
            baseWeightsHash: keccak256("base weights"),
            method: TrainingMethod.LoRA,
            configHash: keccak256("config"),
            artifactDigest: keccak256("adapter cid"),
            artifactCodec: CidCodec.Raw,
            artifactSha256: keccak256("adapter bytes"),
            datanetIds: datanetIds,
            datasetRoot: datasetRoot,
            totalWeight: totalWeight,
            manifestDigest: keccak256("manifest"),
            manifestCodec: CidCodec.Raw,
            parentId: parentId
        });
    }

    function netIds(uint256 n) internal view returns (uint32[] memory ids) {
        ids = new uint32[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = textNet;
        }
    }

    function defaultSpec() internal view returns (ModelSpec memory) {
        return specWith(root, TOTAL_WEIGHT, netIds(1), 0);
    }

    /// @dev Registers, then waits out the challenge window (no one challenges), so payments are open.
    function register(ModelSpec memory spec) internal returns (uint256 modelId) {
        modelId = registerInWindow(spec);
        passChallengeWindow(modelId);
    }

    /// @dev Registers and stays inside the challenge window.
    function registerInWindow(ModelSpec memory spec) internal returns (uint256 modelId) {
        vm.prank(trainer);
        modelId = models.registerModel(spec);
    }

    function evidenceOf(uint256 i) internal view returns (LeafEvidence memory) {
        return LeafEvidence(leafIds[i], leafContributors[i], leafWeights[i], textNet, leafDigests[i]);
    }

    function pay(uint256 modelId, uint256 amount) internal {
        vm.prank(payer);
        models.payForModel(modelId, amount);
    }

    function proofOf(uint256 i) internal view returns (bytes32[] memory) {
        return MerkleTreeBuilder.proof(leaves, i);
    }

    /// @dev Claims leaf `i` of the manifest on `modelId`, called by bob (anyone may call).
    function claimLeaf(uint256 modelId, uint256 i) internal returns (uint256) {
        bytes32[] memory p = proofOf(i);
        vm.prank(bob);
        return models.claimAttribution(modelId, leafIds[i], leafContributors[i], leafWeights[i], p);
    }

    function expectClaimRevert(uint256 modelId, uint256 i, bytes memory err) internal {
        bytes32[] memory p = proofOf(i);
        vm.expectRevert(err);
        models.claimAttribution(modelId, leafIds[i], leafContributors[i], leafWeights[i], p);
    }

    // ─── the tree builder itself ────────────────────────────────────────────

    function test_merkleBuilder_matchesHandComputedRoot() public view {
        bytes32 h01 = MerkleTreeBuilder.hashPair(leaves[0], leaves[1]);
        bytes32 h23 = MerkleTreeBuilder.hashPair(leaves[2], leaves[3]);
        bytes32 h45 = MerkleTreeBuilder.hashPair(leaves[4], leaves[5]);
        bytes32 expected = MerkleTreeBuilder.hashPair(MerkleTreeBuilder.hashPair(h01, h23), h45);
        assertEq(root, expected);
        assertEq(models.leafOf(id1, alice, 1_000), leaves[0]);
        bytes32[] memory p = proofOf(4);
        assertEq(p.length, 2);
        assertEq(p[0], leaves[5]);
        assertEq(p[1], MerkleTreeBuilder.hashPair(h01, h23));
    }

    // ─── registerModel ──────────────────────────────────────────────────────

    function test_register_recordsModelAndEmits() public {
        ModelSpec memory spec = defaultSpec();
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.ModelRegistered(1, trainer, 0, spec, MODEL_BOND, block.timestamp + CHALLENGE_WINDOW);
        assertEq(register(spec), 1);
        assertEq(models.modelCount(), 1);
        (
            address t,
            uint256 parentId,
            TrainingMethod method,
            bytes32 datasetRoot,
            bytes32 artifactSha256,
            uint256 totalWeight,
            uint256 contributorFees,
            uint256 feesPerWeight,
            uint256 attributionPaid
        ) = models.getModel(1);
        assertEq(t, trainer);
        assertEq(parentId, 0);
        assertEq(uint8(method), uint8(TrainingMethod.LoRA));
        assertEq(datasetRoot, root);
        assertEq(artifactSha256, keccak256("adapter bytes"));
        assertEq(totalWeight, TOTAL_WEIGHT);
        assertEq(contributorFees, 0);
        assertEq(feesPerWeight, 0);
        assertEq(attributionPaid, 0);
    }

    function test_register_onlyTrainer() public {
        ModelSpec memory spec = defaultSpec();
        bytes32 role = models.TRAINER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        models.registerModel(spec);
        assertEq(models.modelCount(), 0);
    }

    function test_register_revertsOnZeroRoot() public {
        ModelSpec memory spec = specWith(bytes32(0), TOTAL_WEIGHT, netIds(1), 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.EmptyDataset.selector));
        register(spec);
    }

    function test_register_revertsOnZeroTotalWeight() public {
        ModelSpec memory spec = specWith(root, 0, netIds(1), 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.EmptyDataset.selector));
        register(spec);
    }

    function test_register_revertsWithoutDatanets() public {
        ModelSpec memory spec = specWith(root, TOTAL_WEIGHT, new uint32[](0), 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadDatanets.selector, 0, uint32(0)));
        register(spec);
    }

    function test_register_revertsOnUnknownDatanet() public {
        uint32[] memory ids = netIds(2);
        ids[1] = textNet + 1;
        ModelSpec memory spec = specWith(root, TOTAL_WEIGHT, ids, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadDatanets.selector, 2, textNet + 1));
        register(spec);
    }

    function test_register_revertsOnDatanetZero() public {
        uint32[] memory ids = netIds(2);
        ids[0] = 0;
        ModelSpec memory spec = specWith(root, TOTAL_WEIGHT, ids, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadDatanets.selector, 2, uint32(0)));
        register(spec);
    }

    function test_register_revertsAbove32Datanets() public {
        ModelSpec memory spec = specWith(root, TOTAL_WEIGHT, netIds(33), 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadDatanets.selector, 33, uint32(0)));
        register(spec);
        // 32 is the limit itself.
        assertEq(register(specWith(root, TOTAL_WEIGHT, netIds(32), 0)), 1);
    }

    function test_register_revertsOnUnknownParent() public {
        ModelSpec memory spec = specWith(root, TOTAL_WEIGHT, netIds(1), 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        register(spec);
        register(defaultSpec());
        spec.parentId = 2;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 2));
        register(spec);
    }

    function test_register_recordsLineage() public {
        register(defaultSpec());
        ModelSpec memory child = specWith(root, TOTAL_WEIGHT, netIds(1), 1);
        child.method = TrainingMethod.QLoRA;
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.ModelRegistered(2, trainer, 1, child, MODEL_BOND, block.timestamp + CHALLENGE_WINDOW);
        assertEq(register(child), 2);
        (, uint256 parentId, TrainingMethod method,,,,,,) = models.getModel(2);
        assertEq(parentId, 1);
        assertEq(uint8(method), uint8(TrainingMethod.QLoRA));
    }

    function test_register_revertsWhilePaused() public {
        vm.prank(admin);
        models.setPaused(true);
        ModelSpec memory spec = defaultSpec();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryPaused.selector));
        register(spec);
    }

    // ─── payForModel ────────────────────────────────────────────────────────

    function test_pay_revertsOnZeroAmount() public {
        register(defaultSpec());
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroAmount.selector));
        pay(1, 0);
    }

    function test_pay_revertsOnUnknownModel() public {
        register(defaultSpec());
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 2));
        pay(2, 1 ether);
    }

    function test_pay_revertsWhilePaused() public {
        register(defaultSpec());
        vm.prank(admin);
        models.setPaused(true);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RegistryPaused.selector));
        pay(1, 1 ether);
    }

    function test_pay_splitsSeventyTenTwenty() public {
        register(defaultSpec());
        uint256 payerBefore = open.balanceOf(payer);
        uint256 trainerBefore = open.balanceOf(trainer);
        uint256 perWeight = 20 ether * PRECISION / TOTAL_WEIGHT;
        assertEq(perWeight, 2.5e33);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.FeePaid(1, payer, 100 ether, 70 ether, 10 ether, 20 ether, perWeight);
        pay(1, 100 ether);
        assertEq(open.balanceOf(payer), payerBefore - 100 ether);
        assertEq(open.balanceOf(trainer), trainerBefore + 70 ether);
        assertEq(open.balanceOf(treasury), 10 ether);
        assertEq(open.balanceOf(address(models)), 20 ether);
        (,,,,,, uint256 contributorFees, uint256 feesPerWeight,) = models.getModel(1);
        assertEq(contributorFees, 20 ether);
        assertEq(feesPerWeight, perWeight);
    }

    function test_pay_roundsTrainerAndProtocolDown() public {
        register(defaultSpec());
        uint256 trainerBefore = open.balanceOf(trainer);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.FeePaid(1, payer, 1_009, 706, 100, 203, 203 * PRECISION / TOTAL_WEIGHT);
        pay(1, 1_009);
        assertEq(open.balanceOf(trainer), trainerBefore + 706);
        assertEq(open.balanceOf(treasury), 100);
        assertEq(open.balanceOf(address(models)), 203);
    }

    /// Attack: governance raises the trainer's and protocol's shares in front of a payment, taking
    /// from the contributors of a model already registered. Shares are fixed per model at
    /// registration; new shares apply to models registered afterwards.
    function test_threat_greedyAdmin_newFeeSharesReachOnlyNewModels() public {
        register(defaultSpec());
        vm.prank(admin);
        models.setFeeShares(5_000, 2_500);
        uint256 trainerBefore = open.balanceOf(trainer);
        pay(1, 100 ether);
        assertEq(open.balanceOf(trainer), trainerBefore + 70 ether);
        assertEq(open.balanceOf(treasury), 10 ether);
        assertEq(open.balanceOf(address(models)), 20 ether);
        (uint256 t, uint256 p) = models.feeSharesOf(1);
        assertEq(t, 7_000);
        assertEq(p, 1_000);

        ModelSpec memory next = defaultSpec();
        next.artifactDigest = keccak256("another artifact");
        register(next);
        trainerBefore = open.balanceOf(trainer);
        pay(2, 100 ether);
        assertEq(open.balanceOf(trainer), trainerBefore + 50 ether);
        assertEq(open.balanceOf(treasury), 10 ether + 25 ether);
    }

    function test_pay_accumulatesFeesPerWeight() public {
        register(defaultSpec());
        pay(1, 80 ether);
        pay(1, 40 ether);
        (,,,,,, uint256 contributorFees, uint256 feesPerWeight,) = models.getModel(1);
        assertEq(contributorFees, 24 ether);
        assertEq(feesPerWeight, 3e33); // 16 OPEN / 8000 + 8 OPEN / 8000, per 1e18
    }

    // ─── claimAttribution ───────────────────────────────────────────────────

    function test_claim_paysContributorItsShare() public {
        register(defaultSpec());
        pay(1, 80 ether); // 16 OPEN to contributors, 2e15 wei per unit of weight
        uint256 aliceBefore = open.balanceOf(alice);
        uint256 bobBefore = open.balanceOf(bob);
        assertEq(models.claimableAttribution(1, id1, alice, 1_000), 2 ether);
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.AttributionClaimed(1, id1, alice, 2 ether);
        assertEq(claimLeaf(1, 0), 2 ether);
        // Bob called, Alice was paid.
        assertEq(open.balanceOf(alice), aliceBefore + 2 ether);
        assertEq(open.balanceOf(bob), bobBefore);
        assertEq(claimLeaf(1, 1), 4 ether);
        assertEq(claimLeaf(1, 2), 6 ether);
        assertEq(open.balanceOf(bob), bobBefore + 6 ether);
        (,,,,,,,, uint256 attributionPaid) = models.getModel(1);
        assertEq(attributionPaid, 12 ether);
        assertEq(open.balanceOf(address(models)), 4 ether);
        assertEq(models.claimableAttribution(1, id1, alice, 1_000), 0);
    }

    function test_claim_revertsOnUnknownModel() public {
        // An unknown model has no root, so no proof verifies against it.
        expectClaimRevert(3, 0, abi.encodeWithSelector(IModelRegistry.InvalidProof.selector, 3, leaves[0]));
    }

    function test_claim_revertsOnWrongWeight() public {
        register(defaultSpec());
        pay(1, 80 ether);
        bytes32[] memory p = proofOf(0);
        bytes32 forged = models.leafOf(id1, alice, 1_001);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidProof.selector, 1, forged));
        models.claimAttribution(1, id1, alice, 1_001, p);
    }

    function test_claim_revertsOnAnotherLeafsProof() public {
        register(defaultSpec());
        pay(1, 80 ether);
        bytes32[] memory p = proofOf(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidProof.selector, 1, leaves[0]));
        models.claimAttribution(1, id1, alice, 1_000, p);
    }

    function test_claim_revertsOnAnotherModelsRoot() public {
        register(defaultSpec());
        register(specWith(keccak256("another root"), TOTAL_WEIGHT, netIds(1), 0));
        pay(2, 80 ether);
        expectClaimRevert(2, 0, abi.encodeWithSelector(IModelRegistry.InvalidProof.selector, 2, leaves[0]));
    }

    // ─── the attribution rule, the bond and the challenge window ────────────

    function faultOf(uint256 modelId, uint256 i) internal view returns (LeafFault) {
        return models.leafFault(modelId, evidenceOf(i), proofOf(i), netIds(1));
    }

    function test_leafFault_judgesEveryLeafByTheRule() public {
        registerInWindow(defaultSpec());
        assertEq(uint8(faultOf(1, 0)), uint8(LeafFault.None), "accepted, its contributor, weighed by size");
        assertEq(uint8(faultOf(1, 1)), uint8(LeafFault.None));
        assertEq(uint8(faultOf(1, 2)), uint8(LeafFault.None));
        assertEq(uint8(faultOf(1, 3)), uint8(LeafFault.NotAccepted), "pending");
        assertEq(uint8(faultOf(1, 4)), uint8(LeafFault.NotAccepted), "rejected");
        assertEq(uint8(faultOf(1, 5)), uint8(LeafFault.WrongContributor), "alice's file named as bob's");
    }

    function test_leafFault_revertsOnAnotherModelsRootOrDatanets() public {
        registerInWindow(specWith(keccak256("another root"), TOTAL_WEIGHT, netIds(1), 0));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidProof.selector, 1, leaves[0]));
        models.leafFault(1, evidenceOf(0), proofOf(0), netIds(1));
        registerInWindow(defaultSpec());
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.DatanetsMismatch.selector, 2));
        models.leafFault(2, evidenceOf(0), proofOf(0), netIds(2));
    }

    function test_register_takesTheBondAndOpensTheWindow() public {
        uint256 before = open.balanceOf(trainer);
        registerInWindow(defaultSpec());
        assertEq(before - open.balanceOf(trainer), MODEL_BOND);
        assertEq(open.balanceOf(address(models)), MODEL_BOND);
        (uint256 bond, uint256 endsAt, bool invalid) = models.bondOf(1);
        assertEq(bond, MODEL_BOND);
        assertEq(endsAt, block.timestamp + CHALLENGE_WINDOW);
        assertFalse(invalid);
    }

    function test_register_revertsWithoutTheBond() public {
        vm.prank(trainer);
        open.approve(address(models), MODEL_BOND - 1);
        vm.prank(trainer);
        vm.expectRevert(); // the token's allowance error
        models.registerModel(defaultSpec());
    }

    function test_pay_waitsForTheChallengeWindow() public {
        registerInWindow(defaultSpec());
        uint256 endsAt = block.timestamp + CHALLENGE_WINDOW;
        vm.warp(endsAt - 1);
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInChallenge.selector, 1, endsAt - 1, endsAt));
        models.payForModel(1, 1 ether);
        vm.warp(endsAt);
        pay(1, 1 ether);
    }

    function test_challenge_provenLeafTakesTheBondAndVoidsTheModel() public {
        registerInWindow(defaultSpec());
        address watcher = makeAddr("watcher");
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.ModelChallenged(1, watcher, id4, LeafFault.NotAccepted, MODEL_BOND / 2, MODEL_BOND / 2);
        uint256 treasuryBefore = open.balanceOf(treasury);
        vm.prank(watcher);
        assertEq(uint8(models.challengeLeaf(1, evidenceOf(3), proofOf(3), netIds(1))), uint8(LeafFault.NotAccepted));
        assertEq(open.balanceOf(watcher), MODEL_BOND / 2, "half the bond to the challenger");
        assertEq(open.balanceOf(treasury) - treasuryBefore, MODEL_BOND / 2, "half to the treasury");
        assertEq(open.balanceOf(address(models)), 0);
        (uint256 bond,, bool invalid) = models.bondOf(1);
        assertEq(bond, 0);
        assertTrue(invalid);
        // No fee ever, no second challenge, no bond back.
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalid.selector, 1));
        models.payForModel(1, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelInvalid.selector, 1));
        models.challengeLeaf(1, evidenceOf(4), proofOf(4), netIds(1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BondNotReleasable.selector, 1, 0, block.timestamp, block.timestamp));
        models.releaseBond(1);
    }

    function test_challenge_refusesALeafThatKeepsTheRule() public {
        registerInWindow(defaultSpec());
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.LeafHolds.selector, 1, id1));
        models.challengeLeaf(1, evidenceOf(0), proofOf(0), netIds(1));
        assertEq(open.balanceOf(address(models)), MODEL_BOND);
    }

    function test_challenge_refusesFalseSubmissionEvidence() public {
        registerInWindow(defaultSpec());
        LeafEvidence memory e = evidenceOf(0);
        e.digest = digestOf(2);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.WrongSubmission.selector, id1, textNet, digestOf(2)));
        models.challengeLeaf(1, e, proofOf(0), netIds(1));
    }

    function test_challenge_closesWithTheWindow() public {
        registerInWindow(defaultSpec());
        uint256 endsAt = block.timestamp + CHALLENGE_WINDOW;
        vm.warp(endsAt);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ChallengeWindowClosed.selector, 1, endsAt, endsAt));
        models.challengeLeaf(1, evidenceOf(3), proofOf(3), netIds(1));
    }

    function test_challenge_wrongWeightAndOutsideDatanets() public {
        // A leaf weighing alice's 1,000-byte file at 999, and a model that lists another Datanet only.
        uint32 otherNet = createTextNet(REWARD, VALIDATOR_REWARD, 0);
        bytes32 heavy = models.leafOf(id1, alice, 999);
        bytes32 honest = models.leafOf(id1, alice, 1_000);
        uint32[] memory others = new uint32[](1);
        others[0] = otherNet;
        registerInWindow(specWith(heavy, 999, netIds(1), 0));
        registerInWindow(specWith(honest, 1_000, others, 0));
        bytes32[] memory none = new bytes32[](0);
        uint256 before = open.balanceOf(bob);
        vm.prank(bob);
        assertEq(
            uint8(models.challengeLeaf(1, LeafEvidence(id1, alice, 999, textNet, digestOf(1)), none, netIds(1))),
            uint8(LeafFault.WrongWeight)
        );
        vm.prank(bob);
        assertEq(
            uint8(models.challengeLeaf(2, LeafEvidence(id1, alice, 1_000, textNet, digestOf(1)), none, others)),
            uint8(LeafFault.OutsideDatanets)
        );
        assertEq(open.balanceOf(bob) - before, MODEL_BOND, "half of each of the two bonds");
    }

    function test_releaseBond_returnsItToTheTrainerAfterTheWindow() public {
        registerInWindow(defaultSpec());
        uint256 endsAt = block.timestamp + CHALLENGE_WINDOW;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BondNotReleasable.selector, 1, MODEL_BOND, block.timestamp, endsAt));
        models.releaseBond(1);
        vm.warp(endsAt);
        uint256 before = open.balanceOf(trainer);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.BondReleased(1, trainer, MODEL_BOND);
        vm.prank(bob); // anyone may call; the trainer is paid
        assertEq(models.releaseBond(1), MODEL_BOND);
        assertEq(open.balanceOf(trainer) - before, MODEL_BOND);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BondNotReleasable.selector, 1, 0, endsAt, endsAt));
        models.releaseBond(1);
    }

    function test_threat_greedyAdmin_newBondReachesOnlyNewModels() public {
        registerInWindow(defaultSpec());
        vm.prank(admin);
        models.setModelBond(1 ether, 2 days);
        (uint256 bond, uint256 endsAt,) = models.bondOf(1);
        assertEq(bond, MODEL_BOND);
        assertEq(endsAt, block.timestamp + CHALLENGE_WINDOW);
        registerInWindow(defaultSpec());
        (bond, endsAt,) = models.bondOf(2);
        assertEq(bond, 1 ether);
        assertEq(endsAt, block.timestamp + 2 days);
    }

    function test_setModelBond_onlyAdminAndWithinBounds() public {
        bytes32 adminRole = models.DEFAULT_ADMIN_ROLE();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, adminRole));
        models.setModelBond(0, 1 days);
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadChallengeWindow.selector, 59, 60, 30 days));
        models.setModelBond(0, 59);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadChallengeWindow.selector, 30 days + 1, 60, 30 days));
        models.setModelBond(0, 30 days + 1);
        vm.expectEmit(false, false, false, true, address(models));
        emit IModelRegistry.ModelBondSet(0, 60);
        models.setModelBond(0, 60);
        vm.stopPrank();
        // A zero bond takes nothing from the trainer.
        uint256 before = open.balanceOf(trainer);
        registerInWindow(defaultSpec());
        assertEq(open.balanceOf(trainer), before);
    }

    function test_claim_revertsOnSecondClaimWithoutNewFees() public {
        register(defaultSpec());
        pay(1, 80 ether);
        claimLeaf(1, 0);
        expectClaimRevert(1, 0, abi.encodeWithSelector(IModelRegistry.NothingToClaim.selector, 1, leaves[0]));
    }

    function test_claim_revertsBeforeAnyFee() public {
        register(defaultSpec());
        expectClaimRevert(1, 2, abi.encodeWithSelector(IModelRegistry.NothingToClaim.selector, 1, leaves[2]));
    }

    function test_claim_secondClaimPaysOnlyNewFees() public {
        register(defaultSpec());
        pay(1, 80 ether);
        assertEq(claimLeaf(1, 0), 2 ether);
        pay(1, 40 ether); // 8 OPEN more to contributors
        assertEq(models.claimableAttribution(1, id1, alice, 1_000), 1 ether);
        uint256 before = open.balanceOf(alice);
        assertEq(claimLeaf(1, 0), 1 ether);
        assertEq(open.balanceOf(alice), before + 1 ether);
        // A leaf that waited collects both payments at once.
        assertEq(claimLeaf(1, 1), 6 ether);
    }

    function test_claim_leavesOfOneModelDoNotSpendAnothers() public {
        register(defaultSpec());
        register(defaultSpec());
        pay(1, 80 ether);
        pay(2, 40 ether);
        assertEq(claimLeaf(1, 0), 2 ether);
        assertEq(claimLeaf(2, 0), 1 ether);
        expectClaimRevert(1, 0, abi.encodeWithSelector(IModelRegistry.NothingToClaim.selector, 1, leaves[0]));
    }

    function test_claim_revertsWhenLeavesOutweighTotalWeight() public {
        // The trainer registers a total of 4000 although the valid leaves alone weigh 6000.
        register(specWith(root, 4_000, netIds(1), 0));
        pay(1, 40 ether); // 8 OPEN to contributors, 2e15 per unit of weight
        assertEq(claimLeaf(1, 2), 6 ether);
        expectClaimRevert(
            1, 1, abi.encodeWithSelector(IModelRegistry.AttributionExceedsFees.selector, 1, 6 ether, 4 ether, 8 ether)
        );
        // What is left still pays a leaf that fits.
        assertEq(claimLeaf(1, 0), 2 ether);
        assertEq(open.balanceOf(address(models)), 0);
    }

    function test_claim_neverBlockedByPause() public {
        register(defaultSpec());
        pay(1, 80 ether);
        vm.expectEmit(false, false, false, true, address(models));
        emit IModelRegistry.RegistryPauseSet(true);
        vm.prank(admin);
        models.setPaused(true);
        assertTrue(models.paused());
        assertEq(claimLeaf(1, 0), 2 ether);
        vm.prank(admin);
        IDatanetsAdmin(address(datanets)).setProtocolPaused(true);
        assertEq(claimLeaf(1, 2), 6 ether);
    }

    function test_setPaused_onlyPauser() public {
        bytes32 role = models.PAUSER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        models.setPaused(true);
    }

    // ─── governance ─────────────────────────────────────────────────────────

    function test_setFeeShares_revertsAboveHundredPercent() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadShares.selector, 7_001, 3_000));
        vm.prank(admin);
        models.setFeeShares(7_001, 3_000);
        assertEq(models.trainerBps(), TRAINER_BPS);
        assertEq(models.protocolBps(), PROTOCOL_BPS);
    }

    function test_setFeeShares_acceptsExactlyHundredPercent() public {
        vm.expectEmit(false, false, false, true, address(models));
        emit IModelRegistry.FeeSharesSet(9_000, 1_000);
        vm.prank(admin);
        models.setFeeShares(9_000, 1_000);
        register(defaultSpec());
        uint256 trainerBefore = open.balanceOf(trainer);
        pay(1, 10 ether);
        assertEq(open.balanceOf(trainer), trainerBefore + 9 ether);
        assertEq(open.balanceOf(treasury), 1 ether);
        assertEq(open.balanceOf(address(models)), 0);
        expectClaimRevert(1, 0, abi.encodeWithSelector(IModelRegistry.NothingToClaim.selector, 1, leaves[0]));
    }

    function test_setFeeShares_onlyAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, trainer, bytes32(0))
        );
        vm.prank(trainer);
        models.setFeeShares(10_000, 0);
    }

    function test_setTreasury_revertsOnZero() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroAddress.selector));
        vm.prank(admin);
        models.setTreasury(address(0));
        assertEq(models.treasury(), treasury);
    }

    function test_setTreasury_redirectsProtocolShare() public {
        address newTreasury = makeAddr("newTreasury");
        vm.expectEmit(false, false, false, true, address(models));
        emit IModelRegistry.TreasurySet(newTreasury);
        vm.prank(admin);
        models.setTreasury(newTreasury);
        register(defaultSpec());
        pay(1, 100 ether);
        assertEq(open.balanceOf(newTreasury), 10 ether);
        assertEq(open.balanceOf(treasury), 0);
    }

    function test_setTreasury_onlyAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bytes32(0))
        );
        vm.prank(alice);
        models.setTreasury(alice);
    }

    function test_constructor_revertsOnBadSharesOrZeroTreasury() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BadShares.selector, 8_000, 2_001));
        new ModelRegistry(open, datanets, admin, treasury, 8_000, 2_001, MODEL_BOND, CHALLENGE_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroAddress.selector));
        new ModelRegistry(open, datanets, admin, address(0), 7_000, 1_000, MODEL_BOND, CHALLENGE_WINDOW);
    }

    // ─── fuzz ───────────────────────────────────────────────────────────────

    /// @dev Any fee and any valid shares: the trainer, protocol and contributors' shares add up to the fee.
    function testFuzz_feeSharesSumToAmount(uint256 amount, uint256 trainerBps, uint256 protocolBps) public {
        amount = bound(amount, 1, 1_000_000 ether);
        trainerBps = bound(trainerBps, 0, 10_000);
        protocolBps = bound(protocolBps, 0, 10_000 - trainerBps);
        vm.prank(admin);
        models.setFeeShares(uint16(trainerBps), uint16(protocolBps));
        register(defaultSpec());
        uint256 payerBefore = open.balanceOf(payer);
        uint256 trainerBefore = open.balanceOf(trainer);
        pay(1, amount);
        uint256 trainerShare = open.balanceOf(trainer) - trainerBefore;
        uint256 protocolShare = open.balanceOf(treasury);
        uint256 contributorsShare = open.balanceOf(address(models));
        assertEq(trainerShare, amount * trainerBps / 10_000);
        assertEq(protocolShare, amount * protocolBps / 10_000);
        assertEq(trainerShare + protocolShare + contributorsShare, amount);
        assertEq(payerBefore - open.balanceOf(payer), amount);
        (,,,,,, uint256 contributorFees,,) = models.getModel(1);
        assertEq(contributorFees, contributorsShare);
    }

    /// @dev Any fee and any leaf weights: the leaves together never get more than the contributors'
    /// share, and lose at most rounding dust.
    function testFuzz_attributionPaysAtMostContributorsShare(uint256 amount, uint256 w0, uint256 w1, uint256 w2)
        public
    {
        amount = bound(amount, 1, 1_000_000 ether);
        uint256[3] memory w = [bound(w0, 1, 1e24), bound(w1, 1, 1e24), bound(w2, 1, 1e24)];
        address[3] memory who = [alice, alice, bob];
        bytes32[3] memory ids = [id1, id2, id3];
        bytes32[] memory fuzzLeaves = new bytes32[](3);
        for (uint256 i; i < 3; ++i) {
            fuzzLeaves[i] = models.leafOf(ids[i], who[i], w[i]);
        }
        uint256 total = w[0] + w[1] + w[2];
        register(specWith(MerkleTreeBuilder.root(fuzzLeaves), uint128(total), netIds(1), 0));
        pay(1, amount);
        (,,,,,, uint256 share,,) = models.getModel(1);
        uint256 claimed;
        for (uint256 i; i < 3; ++i) {
            claimed += _claimFuzzLeaf(fuzzLeaves, i, ids[i], who[i], w[i]);
        }
        assertLe(claimed, share);
        assertLe(share - claimed, total / PRECISION + 3);
        assertEq(open.balanceOf(address(models)), share - claimed);
    }

    /// @dev Claims one leaf of a fuzzed tree, expecting exactly `weight × feesPerWeight / 1e18`.
    function _claimFuzzLeaf(bytes32[] memory tree, uint256 i, bytes32 id, address contributor, uint256 weight)
        private
        returns (uint256 owed)
    {
        (,,,,,,, uint256 perWeight,) = models.getModel(1);
        owed = weight * perWeight / PRECISION;
        bytes32[] memory p = MerkleTreeBuilder.proof(tree, i);
        if (owed == 0) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NothingToClaim.selector, 1, tree[i]));
            models.claimAttribution(1, id, contributor, weight, p);
        } else {
            assertEq(models.claimAttribution(1, id, contributor, weight, p), owed);
        }
    }
}
