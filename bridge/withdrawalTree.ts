/**
 * The withdrawal Merkle tree, built exactly as the portal verifies it.
 *
 * - Leaf: `keccak256(abi.encode(id, account, token, amountL1, l1Recipient))`.
 * - Leaves in the order given (the poster gives them by ascending withdrawal id).
 * - Each level pairs neighbours (0,1), (2,3), …; a pair hashes as
 *   `keccak256(min(a, b) ‖ max(a, b))` (sorted pair, OpenZeppelin `MerkleProof` convention);
 *   an odd last node is carried up to the next level unchanged.
 * - One leaf: the root is the leaf, the proof empty.
 * - Empty tree: the root is `bytes32(0)`. No leaf can prove against it (that would need a
 *   keccak256 preimage of zero), so a commitment without withdrawals pays nothing.
 */
import { concat, encodeAbiParameters, type Hex, keccak256 } from 'viem'
import type { WithdrawalLeaf } from './types.ts'

/** The root of the empty tree. */
export const EMPTY_WITHDRAWAL_ROOT: Hex = `0x${'00'.repeat(32)}`

/** A built tree: its root and a proof for each leaf by position. */
export interface WithdrawalTree {
  root: Hex
  leaves: readonly Hex[]
  /** Sibling hashes from the leaf up, for the leaf at `position`. */
  proof(position: number): Hex[]
}

/** The leaf hash of one withdrawal. */
export function withdrawalLeafHash(w: WithdrawalLeaf): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'address' }],
      [w.id, w.account, w.token, w.amountL1, w.l1Recipient],
    ),
  )
}

/** Hash of a sorted pair. */
export function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]))
}

/**
 * Builds the tree over `withdrawals` in the order given.
 *
 * @example
 * const tree = createWithdrawalTree(ws)
 * const args = [w.id, w.account, w.token, w.amountL1, w.l1Recipient, index, tree.proof(0)]
 */
export function createWithdrawalTree(withdrawals: readonly WithdrawalLeaf[]): WithdrawalTree {
  const leaves = withdrawals.map(withdrawalLeafHash)
  const levels: Hex[][] = [leaves]
  while (levels[levels.length - 1].length > 1) {
    const prev = levels[levels.length - 1]
    const next: Hex[] = []
    for (let i = 0; i < prev.length; i += 2) {
      next.push(i + 1 < prev.length ? hashPair(prev[i], prev[i + 1]) : prev[i])
    }
    levels.push(next)
  }
  const root = leaves.length === 0 ? EMPTY_WITHDRAWAL_ROOT : levels[levels.length - 1][0]
  return {
    root,
    leaves,
    proof(position: number): Hex[] {
      if (!Number.isInteger(position) || position < 0 || position >= leaves.length) {
        throw new RangeError(`no leaf at position ${position} (tree of ${leaves.length})`)
      }
      const out: Hex[] = []
      let i = position
      for (let l = 0; l < levels.length - 1; l++) {
        const sibling = i ^ 1
        if (sibling < levels[l].length) out.push(levels[l][sibling])
        i >>= 1
      }
      return out
    },
  }
}

/** Recomputes the root from a leaf and its proof (what the portal does). */
export function processWithdrawalProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((h, p) => hashPair(h, p), leaf)
}
