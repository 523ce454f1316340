import { Account, bytesToHex, createAccountFromRLP, KECCAK256_NULL, KECCAK256_RLP } from '@ethereumjs/util'
import { RLP } from '@ethereumjs/rlp'
import { describe, expect, it } from 'vitest'
import { decodeAccount, encodeAccount } from './accountCodec.ts'

const ints = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 64n - 1n, 10n ** 22n, 2n ** 256n - 1n]
const root = Uint8Array.from({ length: 32 }, (_, i) => i * 7)

function same(a: Account, b: Account): void {
  expect(b.nonce).toBe(a.nonce)
  expect(b.balance).toBe(a.balance)
  expect(bytesToHex(b.storageRoot)).toBe(bytesToHex(a.storageRoot))
  expect(bytesToHex(b.codeHash)).toBe(bytesToHex(a.codeHash))
}

describe('accountCodec', () => {
  it('encodes exactly as Account.serialize and decodes back', () => {
    for (const nonce of ints) {
      for (const balance of ints) {
        for (const [storageRoot, codeHash] of [[KECCAK256_RLP, KECCAK256_NULL], [root, root]]) {
          const a = new Account(nonce, balance, storageRoot, codeHash)
          const bytes = encodeAccount(a)
          expect(bytesToHex(bytes)).toBe(bytesToHex(a.serialize()))
          same(a, decodeAccount(bytes))
          same(createAccountFromRLP(bytes), decodeAccount(bytes))
        }
      }
    }
  })

  it('hands what it does not expect to createAccountFromRLP', () => {
    // A non-canonical integer (leading zero) and a short list: the generic decoder decides.
    const odd = RLP.encode([Uint8Array.of(0, 1), Uint8Array.of(5), KECCAK256_RLP, KECCAK256_NULL])
    expect(() => decodeAccount(odd)).not.toThrow()
    expect(decodeAccount(odd).nonce).toBe(createAccountFromRLP(odd).nonce)
    expect(() => decodeAccount(RLP.encode([Uint8Array.of(1)]))).toThrow()
  })
})
