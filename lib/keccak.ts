/**
 * The node's keccak-256: `js-sha3` (pure JS, like @noble/hashes, but 2-4× faster per call on
 * this machine: ~6 µs for 64-120 bytes against ~12-20 µs for @noble/hashes and viem's copy of
 * it). Hashing was ~15 % of the node's CPU under bench:tps (transaction and block hashes, sender
 * addresses, the state trie, the transactions/receipts trie roots). Node's `crypto` has SHA3-256
 * only, whose padding differs from keccak's. `keccak.test.ts` holds it against @noble/hashes.
 */
import sha3 from 'js-sha3'

const { keccak256: k256 } = sha3

/**
 * keccak-256 of `data`, 32 bytes.
 *
 * @example
 * keccak256(new Uint8Array()) // c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
 */
export function keccak256(data: Uint8Array): Uint8Array {
  return new Uint8Array(k256.arrayBuffer(data))
}
