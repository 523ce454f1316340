/**
 * The node's keccak-256: hash-wasm's WebAssembly keccak, ~0.8 µs for up to 136 bytes and ~1.7 µs
 * for a 280-byte receipt on this machine, against 3.6-9.6 µs for js-sha3 (the fastest pure-JS
 * one measured) and 12-20 µs for @noble/hashes. A transfer costs about ten hashes (transaction
 * hash, signed message, sender address, trie leaves and branches of the transactions and
 * receipts roots, state trie): with js-sha3 that was ~10% of the node's CPU under bench:tps.
 * Node's `crypto` has SHA3-256 only, whose padding differs from keccak's. `keccak.test.ts` holds
 * it against @noble/hashes.
 *
 * One hasher serves every call: each call runs init, update and digest synchronously, so no two
 * can interleave on a thread (a worker thread loads its own copy of this module).
 */
import { createKeccak } from 'hash-wasm'

const hasher = await createKeccak(256)

/**
 * keccak-256 of `data`, 32 bytes.
 *
 * @example
 * keccak256(new Uint8Array()) // c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
 */
export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init()
  hasher.update(data)
  return hasher.digest('binary')
}
