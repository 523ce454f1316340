/**
 * The RLP of a state account (`[nonce, balance, storageRoot, codeHash]`) written and read by
 * hand. @ethereumjs's state cache keeps accounts RLP-encoded, so every `getAccount`/`putAccount`
 * of a transaction decodes or encodes one through the generic RLP codec: 15-20 % of block
 * production under bench:tps. These do the same bytes several times faster
 * (`accountCodec.test.ts` holds them against `Account.serialize` / `createAccountFromRLP`).
 */
import { Account, createAccountFromRLP } from '@ethereumjs/util'

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

function readInt(b: Uint8Array, at: number): [bigint, number] | undefined {
  const first = b[at]
  if (first < 0x80) return [BigInt(first), at + 1]
  const len = first - 0x80
  if (len > 55 || at + 1 + len > b.length) return undefined
  if (len === 0) return [0n, at + 1]
  if (b[at + 1] === 0 || (len === 1 && b[at + 1] < 0x80)) return undefined
  if (len <= 6) {
    let v = 0
    for (let i = 1; i <= len; i++) v = v * 256 + b[at + i]
    return [BigInt(v), at + 1 + len]
  }
  return [BigInt(`0x${Buffer.from(b.buffer, b.byteOffset + at + 1, len).toString('hex')}`), at + 1 + len]
}

/**
 * `createAccountFromRLP(rlp)`, fast for what `encodeAccount` writes; anything else goes to
 * `createAccountFromRLP`.
 */
export function decodeAccount(rlp: Uint8Array): Account {
  let at: number
  if (rlp[0] >= 0xc0 && rlp[0] <= 0xf7 && rlp[0] - 0xc0 === rlp.length - 1) at = 1
  else if (rlp[0] === 0xf8 && rlp[1] >= 56 && rlp[1] === rlp.length - 2) at = 2
  else return createAccountFromRLP(rlp)
  const nonce = readInt(rlp, at)
  const balance = nonce && readInt(rlp, nonce[1])
  if (!nonce || !balance) return createAccountFromRLP(rlp)
  at = balance[1]
  if (at + 66 !== rlp.length || rlp[at] !== 0xa0 || rlp[at + 33] !== 0xa0) return createAccountFromRLP(rlp)
  return new Account(nonce[0], balance[0], rlp.slice(at + 1, at + 33), rlp.slice(at + 34, at + 66))
}
