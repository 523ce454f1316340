import { createMPT } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { orderedTrieRoot } from './orderedTrieRoot.ts'

async function mptRoot(values: Uint8Array[]): Promise<string> {
  const trie = await createMPT()
  for (let i = 0; i < values.length; i++) await trie.put(RLP.encode(i), values[i])
  return bytesToHex(trie.root())
}

describe('orderedTrieRoot', () => {
  // Sizes around the RLP key boundaries (0, 0x7f/0x80, 0xff/0x100) and short values that get
  // embedded in their parent instead of hashed.
  it.each([0, 1, 2, 3, 16, 17, 127, 128, 129, 255, 256, 257, 600])('matches @ethereumjs/mpt for %i items', async (n) => {
    let seed = n + 1
    const byte = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed & 255
    }
    const values = Array.from({ length: n }, (_, i) => Uint8Array.from({ length: i % 3 === 0 ? 3 : 100 }, byte))
    expect(bytesToHex(orderedTrieRoot(values))).toBe(await mptRoot(values))
  })
})
