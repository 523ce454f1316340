/**
 * A transaction decoded from the bytes a client sent, with what the node would otherwise compute
 * again and again taken from those bytes once: `hash()` is keccak of the bytes (not of a
 * re-serialization), `serialize()` returns the bytes (the transactions trie, the block RLP), and
 * `getSenderAddress()` recovers the sender once and keeps the address (@ethereumjs caches the
 * public key but hashes it into an address on every call, runTx included), and the message the
 * signature is checked against is cut from the bytes (`unsignedPayload`) instead of rebuilt from
 * the decoded fields (@ethereumjs re-encodes every field to RLP for it: a quarter of admission).
 *
 * The bytes are the transaction's canonical encoding: @ethereumjs/rlp refuses non-canonical
 * lengths and prefixes and the transaction constructors refuse integers with leading zeros, so a
 * decoded transaction re-encodes to exactly what it was decoded from (`rawTx.test.ts`).
 */
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { Capability, createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { Address, bigIntToUnpaddedBytes, bytesToBigInt } from '@ethereumjs/util'
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
  // Only a legacy transaction puts the chain id in its signed message (typed ones carry it).
  const chainId =
    tx.type === 0 && tx.supports(Capability.EIP155ReplayProtection) ? tx.common.chainId() : undefined
  Object.defineProperties(tx, {
    serialize: { value: () => bytes },
    getMessageToVerifySignature: { value: () => keccak256(unsignedPayload(bytes, chainId)) },
    getSenderAddress: {
      value: () => (sender ??= new Address(keccak256(tx.getSenderPublicKey()).subarray(12))),
    },
  })
  // Frozen as @ethereumjs freezes it by default: its hash and sender caches work only then.
  Object.freeze(tx)
  return tx
}

/** Length of the RLP item at `i` (prefix included). The bytes were decoded already: well formed. */
function itemLength(b: Uint8Array, i: number): number {
  const p = b[i]
  if (p < 0x80) return 1
  if (p <= 0xb7) return 1 + p - 0x80
  if (p <= 0xbf) return 1 + p - 0xb7 + readLength(b, i + 1, p - 0xb7)
  if (p <= 0xf7) return 1 + p - 0xc0
  return 1 + p - 0xf7 + readLength(b, i + 1, p - 0xf7)
}

function readLength(b: Uint8Array, at: number, n: number): number {
  let len = 0
  for (let k = 0; k < n; k++) len = len * 256 + b[at + k]
  return len
}

/** An RLP list header for a payload of `len` bytes. */
function listHeader(len: number): number[] {
  if (len < 56) return [0xc0 + len]
  const bytes: number[] = []
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256)
  return [0xf7 + bytes.length, ...bytes]
}

/**
 * The message a signed transaction's signature covers, cut from its canonical bytes: the same
 * list without its last three items (v, r, s), behind the type byte for a typed transaction;
 * for an EIP-155 legacy transaction with `chainId, 0, 0` in their place (`rawTx.test.ts` checks
 * it against @ethereumjs's `getMessageToSign` for every type).
 */
export function unsignedPayload(raw: Uint8Array, chainId: bigint | undefined): Uint8Array {
  const typed = raw[0] < 0x80
  const listAt = typed ? 1 : 0
  const start = listAt + itemLength(raw, listAt) - payloadLength(raw, listAt)
  const ends: number[] = []
  for (let i = start; i < raw.length; i += itemLength(raw, i)) ends.push(i)
  // ends[k] = offset of item k; the signature is the last three items.
  const cut = ends[ends.length - 3]
  const tail = chainId === undefined ? [] : [...rlpBytes(bigIntToUnpaddedBytes(chainId)), 0x80, 0x80]
  const header = listHeader(cut - start + tail.length)
  const out = new Uint8Array(listAt + header.length + (cut - start) + tail.length)
  if (typed) out[0] = raw[0]
  out.set(header, listAt)
  out.set(raw.subarray(start, cut), listAt + header.length)
  out.set(tail, listAt + header.length + (cut - start))
  return out
}

/** Payload length of the list at `i` (its length without the header). */
function payloadLength(b: Uint8Array, i: number): number {
  const p = b[i]
  return p <= 0xf7 ? p - 0xc0 : readLength(b, i + 1, p - 0xf7)
}

/** RLP of a short byte string (an unpadded integer). */
function rlpBytes(v: Uint8Array): number[] {
  if (v.length === 1 && v[0] < 0x80) return [v[0]]
  return [0x80 + v.length, ...v]
}

/**
 * The chain id a raw signed transaction was signed for, read from its bytes without validating
 * the rest: a typed transaction's first field; a legacy one's from `v` (EIP-155: `v = 35 + 2·id`
 * or 36 + 2·id). Undefined for a pre-EIP-155 legacy transaction (`v` 27 or 28) and for bytes that
 * are not an RLP list of the right shape. For the refusal message of a transaction signed for
 * another chain (@ethereumjs says so in prose that names the id in different places per type).
 *
 * @example signedChainId(hexToBytes(await account.signTransaction({ chainId: 1, … }))) // 1n
 */
export function signedChainId(raw: Uint8Array): bigint | undefined {
  if (raw.length === 0) return undefined
  const typed = raw[0] < 0x80
  let fields: unknown
  try {
    fields = RLP.decode(typed ? raw.subarray(1) : raw)
  } catch {
    return undefined
  }
  if (!Array.isArray(fields)) return undefined
  const field = typed ? fields[0] : fields[6]
  if (!(field instanceof Uint8Array) || field.length > 32) return undefined
  const value = bytesToBigInt(field)
  if (typed) return value
  return value >= 35n ? (value - 35n) / 2n : undefined
}
