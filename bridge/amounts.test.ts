import { describe, expect, it } from 'vitest'
import { l1ToWad, wadToL1 } from './amounts.ts'

describe('amounts', () => {
  it('converts 18-decimal amounts to L1 base units rounding down, with the remainder', () => {
    expect(wadToL1(1_234_567_891_000_000_000n, 6)).toEqual({ amountL1: 1_234_567n, remainderWad: 891_000_000_000n })
    expect(wadToL1(999_999_999_999n, 6)).toEqual({ amountL1: 0n, remainderWad: 999_999_999_999n })
    expect(wadToL1(10n ** 18n, 8)).toEqual({ amountL1: 10n ** 8n, remainderWad: 0n })
    expect(wadToL1(7n, 18)).toEqual({ amountL1: 7n, remainderWad: 0n })
    expect(() => wadToL1(-1n, 6)).toThrow(RangeError)
  })

  it('round-trips L1 amounts exactly', () => {
    for (const [a, d] of [
      [1n, 6],
      [123_456_789n, 8],
      [10n ** 18n, 18],
      [0n, 6],
    ] as const) {
      expect(wadToL1(l1ToWad(a, d), d)).toEqual({ amountL1: a, remainderWad: 0n })
    }
    expect(l1ToWad(1_500_000n, 6)).toBe(1_500_000_000_000_000_000n)
  })
})
