import { bytesToHex } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { keccak256 } from './keccak.ts'

describe('keccak256', () => {
  it('matches @noble/hashes at every length around the 136-byte rate', () => {
    let seed = 7
    for (let len = 0; len <= 700; len++) {
      const data = new Uint8Array(len)
      for (let i = 0; i < len; i++) data[i] = seed = (seed * 1103515245 + 12345) & 0xff
      expect(bytesToHex(keccak256(data))).toBe(bytesToHex(keccak_256(data)))
    }
  })

  it('hashes a view of a larger buffer, not the whole buffer', () => {
    const buf = Buffer.from('00112233445566778899', 'hex')
    const view = buf.subarray(3, 7)
    expect(bytesToHex(keccak256(view))).toBe(bytesToHex(keccak_256(Uint8Array.from(view))))
  })

  it('matches @noble/hashes on a large input, and again on the next call (one shared hasher)', () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff)
    expect(bytesToHex(keccak256(big))).toBe(bytesToHex(keccak_256(big)))
    expect(bytesToHex(keccak256(big.subarray(1)))).toBe(bytesToHex(keccak_256(big.subarray(1))))
  })

  it('gives the known digest of the empty input', () => {
    expect(bytesToHex(keccak256(new Uint8Array()))).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  })
})
