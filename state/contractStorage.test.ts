import { encodeAbiParameters, hexToBigInt, keccak256 } from 'viem'
import { describe, expect, it } from 'vitest'
import { dataSlot, mappingSlot } from './contractStorage.ts'

describe('contractStorage', () => {
  it('mappingSlot is Solidity keccak256(key ‖ slot), memoised or not', () => {
    const a = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
    const solidity = (key: `0x${string}` | bigint, slot: bigint) =>
      hexToBigInt(
        keccak256(
          typeof key === 'bigint'
            ? encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [key, slot])
            : encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [key, slot]),
        ),
      )
    const first = mappingSlot(5n, a, 7)
    expect(first).toBe(solidity(7n, solidity(a, 5n)))
    expect(mappingSlot(5n, a, 7)).toBe(first) // from the memo
  })

  it('dataSlot is Solidity keccak256(slot), where a dynamic array keeps its elements', () => {
    for (const slot of [0n, 16n, 2n ** 255n]) {
      expect(dataSlot(slot)).toBe(hexToBigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }], [slot]))))
    }
  })
})
