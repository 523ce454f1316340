/**
 * The RLP of a state account (`[nonce, balance, storageRoot, codeHash]`) written by hand: the
 * same bytes as `Account.serialize`, several times faster (`accountCodec.test.ts`). The state
 * cache (`accountObjectCache.ts`) encodes every account a block changed once, at the flush.
 */
import type { Account } from '@ethereumjs/util'

const scratch = new DataView(new ArrayBuffer(32))
const U256_MAX = (1n << 256n) - 1n

/** Bytes of a non-negative integer without leading zeros (empty for 0). */
function unpadded(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0)
  if (n < 256n) return Uint8Array.of(Number(n))
  if (n <= 0xffff_ffff_ffffn) {
    // Nonces and small balances: plain number arithmetic, exact below 2^53.
    let v = Number(n)
    let len = 0
    for (let t = v; t > 0; t = Math.floor(t / 256)) len++
    const out = new Uint8Array(len)
    for (let i = len - 1; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256
    return out
  }
  if (n > U256_MAX) {
    let hex = n.toString(16)
    if (hex.length % 2 === 1) hex = `0${hex}`
    return Buffer.from(hex, 'hex')
  }
  // Four 64-bit limbs, big-endian, then drop the leading zero bytes.
  scratch.setBigUint64(24, BigInt.asUintN(64, n))
  scratch.setBigUint64(16, BigInt.asUintN(64, n >> 64n))
  scratch.setBigUint64(8, BigInt.asUintN(64, n >> 128n))
  scratch.setBigUint64(0, n >> 192n)
  let i = 0
  while (scratch.getUint8(i) === 0) i++
  return new Uint8Array(scratch.buffer.slice(i))
}

/** Length of the RLP string item holding `b` (< 56 bytes). */
function itemLength(b: Uint8Array): number {
  return b.length === 1 && b[0] < 0x80 ? 1 : 1 + b.length
}

function writeItem(out: Uint8Array, at: number, b: Uint8Array): number {
  if (b.length === 1 && b[0] < 0x80) {
    out[at] = b[0]
    return at + 1
  }
  out[at] = 0x80 + b.length
  out.set(b, at + 1)
  return at + 1 + b.length
}

/**
 * `account.serialize()` for a full account (every field known).
 *
 * @example
 * encodeAccount(new Account(1n, 10n ** 18n)) // same bytes as account.serialize()
 */
export function encodeAccount(account: Account): Uint8Array {
  const nonce = unpadded(account.nonce)
  const balance = unpadded(account.balance)
  const root = account.storageRoot
  const code = account.codeHash
  if (nonce.length > 55 || balance.length > 55 || root.length !== 32 || code.length !== 32) return account.serialize()
  const payload = itemLength(nonce) + itemLength(balance) + 66
  const header = payload < 56 ? 1 : 2
  const out = new Uint8Array(header + payload)
  if (header === 1) out[0] = 0xc0 + payload
  else {
    out[0] = 0xf8
    out[1] = payload
  }
  let at = writeItem(out, header, nonce)
  at = writeItem(out, at, balance)
  out[at] = 0xa0
  out.set(root, at + 1)
  out[at + 33] = 0xa0
  out.set(code, at + 34)
  return out
}
