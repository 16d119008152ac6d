// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A small Merkle tree builder for tests, matching OpenZeppelin's `MerkleProof`: each parent
/// is `keccak256` of its two children in sorted order; a node without a sibling moves up unchanged.
/// @dev Leaves are used as given (callers pass OpenZeppelin's double-hashed standard leaves).
library MerkleTreeBuilder {
    /// @notice OpenZeppelin's commutative pair hash.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @notice The root over `leaves`, in the order given.
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length > 0, "MerkleTreeBuilder: no leaves");
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _parents(level);
        }
        return level[0];
    }

    /// @notice The proof of the leaf at `index`: its siblings from the bottom up.
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory siblings) {
        require(index < leaves.length, "MerkleTreeBuilder: index out of range");
        bytes32[] memory buffer = new bytes32[](256);
        uint256 length;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) buffer[length++] = level[sibling];
            level = _parents(level);
            index /= 2;
        }
        siblings = new bytes32[](length);
        for (uint256 i; i < length; ++i) {
            siblings[i] = buffer[i];
        }
    }

    function _parents(bytes32[] memory level) private pure returns (bytes32[] memory parents) {
        uint256 n = level.length;
        parents = new bytes32[]((n + 1) / 2);
        for (uint256 i; i + 1 < n; i += 2) {
            parents[i / 2] = hashPair(level[i], level[i + 1]);
        }
        if (n % 2 == 1) parents[n / 2] = level[n - 1];
    }
}
