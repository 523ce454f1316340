/**
 * Who signed a 32-byte hash with EIP-191 personal-sign (`signMessage({ message: { raw: hash } })`
 * in viem): recovery with the node's native secp256k1 when it loads, @ethereumjs's otherwise.
 */
import { ecrecover, publicToAddress } from '@ethereumjs/util'
import { bytesToHex, type Hex, hashMessage, hexToBytes } from 'viem'
import { nodeCrypto } from '../crypto.ts'

/** secp256k1's group order n, and n/2: signatures with a larger `s` are malleated copies (EIP-2). */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const HALF_N = N / 2n

const recover = nodeCrypto().ecrecover ?? ecrecover

/**
 * The lower-case address that signed `hash` as an EIP-191 message with the 65-byte `signature`
 * (`r ‖ s ‖ v`, v in {27, 28} or {0, 1}), or `undefined` when the signature is malformed,
 * malleable (high s) or recovers no key.
 *
 * @example
 * const signature = await account.signMessage({ message: { raw: hash } })
 * recoverSigner(hash, signature) // account.address, lower-case
 */
export function recoverSigner(hash: Hex, signature: Hex | Uint8Array): Hex | undefined {
  const sig = typeof signature === 'string' ? hexToBytes(signature) : signature
  if (sig.length !== 65) return undefined
  const r = sig.slice(0, 32)
  const s = sig.slice(32, 64)
  let v = BigInt(sig[64])
  if (v === 0n || v === 1n) v += 27n
  if (v !== 27n && v !== 28n) return undefined
  const sNum = BigInt(bytesToHex(s))
  const rNum = BigInt(bytesToHex(r))
  if (rNum === 0n || rNum >= N || sNum === 0n || sNum > HALF_N) return undefined
  try {
    const pub = recover(hexToBytes(hashMessage({ raw: hash })), v, r, s)
    return bytesToHex(publicToAddress(pub)).toLowerCase() as Hex
  } catch {
    return undefined
  }
}
