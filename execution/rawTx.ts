/**
 * A transaction decoded from the bytes a client sent, with what the node would otherwise compute
 * again and again taken from those bytes once: `hash()` is keccak of the bytes (not of a
 * re-serialization), `serialize()` returns the bytes (the transactions trie, the block RLP), and
 * `getSenderAddress()` recovers the sender once and keeps the address (@ethereumjs caches the
 * public key but hashes it into an address on every call, runTx included).
 *
 * The bytes are the transaction's canonical encoding: @ethereumjs/rlp refuses non-canonical
 * lengths and prefixes and the transaction constructors refuse integers with leading zeros, so a
 * decoded transaction re-encodes to exactly what it was decoded from (`rawTx.test.ts`).
 */
import type { Common } from '@ethereumjs/common'
import { createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { Address } from '@ethereumjs/util'
import { keccak256 } from '../lib/keccak.ts'

/**
 * Decodes a signed transaction from its network encoding (typed envelope or legacy RLP).
 * Throws what `createTxFromRLP` throws; an invalid signature throws from `getSenderAddress()`.
 *
 * @example
 * const tx = decodeRawTx(raw, common)
 * tx.hash()             // keccak256(raw), computed here
 * tx.getSenderAddress() // recovered on the first call, the same Address after
 */
export function decodeRawTx(raw: Uint8Array, common: Common): TypedTransaction {
  const tx = createTxFromRLP(raw, { common, freeze: false })
  // A private copy: the caller's buffer may be a slice of a shared pool.
  const bytes = new Uint8Array(raw)
  tx.cache.hash = keccak256(bytes)
  let sender: Address | undefined
  Object.defineProperties(tx, {
    serialize: { value: () => bytes },
    getSenderAddress: {
      value: () => (sender ??= new Address(keccak256(tx.getSenderPublicKey()).subarray(12))),
    },
  })
  // Frozen as @ethereumjs freezes it by default: its hash and sender caches work only then.
  Object.freeze(tx)
  return tx
}
