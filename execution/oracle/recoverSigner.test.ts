import { bytesToHex, type Hex, hexToBytes, keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { DEV_ACCOUNTS } from '../../genesis/dev.ts'
import { recoverSigner } from './recoverSigner.ts'

const feeder = privateKeyToAccount(DEV_ACCOUNTS[9][1])
const hash = keccak256(toHex('a price update'))
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

describe('recoverSigner', () => {
  it('recovers the EIP-191 signer of a raw 32-byte hash, as viem signs it', async () => {
    const sig = await feeder.signMessage({ message: { raw: hash } })
    expect(recoverSigner(hash, sig)).toBe(feeder.address.toLowerCase())
  })

  it('accepts v as 0/1 as well as 27/28', async () => {
    const sig = hexToBytes(await feeder.signMessage({ message: { raw: hash } }))
    sig[64] -= 27
    expect(recoverSigner(hash, sig)).toBe(feeder.address.toLowerCase())
  })

  it('recovers someone else for another hash, and not the feeder for a plain (non-EIP-191) signature', async () => {
    const sig = await feeder.signMessage({ message: { raw: hash } })
    const other = keccak256(toHex('another update'))
    expect(recoverSigner(other, sig)).not.toBe(feeder.address.toLowerCase())
    const raw = await feeder.sign({ hash })
    expect(recoverSigner(hash, raw)).not.toBe(feeder.address.toLowerCase())
  })

  it('refuses malformed, high-s and bad-v signatures', async () => {
    const sig = hexToBytes(await feeder.signMessage({ message: { raw: hash } }))
    expect(recoverSigner(hash, sig.slice(0, 64))).toBeUndefined()
    expect(recoverSigner(hash, '0x')).toBeUndefined()
    const badV = sig.slice()
    badV[64] = 29
    expect(recoverSigner(hash, badV)).toBeUndefined()
    // The malleated twin (n − s, flipped v) is a valid ECDSA signature, refused as high-s.
    const s = BigInt(bytesToHex(sig.slice(32, 64)))
    const twin = new Uint8Array(65)
    twin.set(sig.slice(0, 32))
    twin.set(hexToBytes(toHex(N - s, { size: 32 })), 32)
    twin[64] = sig[64] === 27 ? 28 : 27
    expect(recoverSigner(hash, twin)).toBeUndefined()
    expect(recoverSigner(hash, `0x${'00'.repeat(65)}` as Hex)).toBeUndefined()
  })
})
