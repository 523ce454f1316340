import { Account, bytesToHex, createAccountFromRLP, KECCAK256_NULL, KECCAK256_RLP } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { encodeAccount } from './accountCodec.ts'

const ints = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 64n - 1n, 10n ** 22n, 2n ** 256n - 1n]
const root = Uint8Array.from({ length: 32 }, (_, i) => i * 7)

function same(a: Account, b: Account): void {
  expect(b.nonce).toBe(a.nonce)
  expect(b.balance).toBe(a.balance)
  expect(bytesToHex(b.storageRoot)).toBe(bytesToHex(a.storageRoot))
  expect(bytesToHex(b.codeHash)).toBe(bytesToHex(a.codeHash))
}

describe('accountCodec', () => {
  it('encodes exactly as Account.serialize, and createAccountFromRLP reads it back', () => {
    for (const nonce of ints) {
      for (const balance of ints) {
        for (const [storageRoot, codeHash] of [
          [KECCAK256_RLP, KECCAK256_NULL],
          [root, root],
        ]) {
          const a = new Account(nonce, balance, storageRoot, codeHash)
          const bytes = encodeAccount(a)
          expect(bytesToHex(bytes)).toBe(bytesToHex(a.serialize()))
          same(a, createAccountFromRLP(bytes))
        }
      }
    }
  })
})
