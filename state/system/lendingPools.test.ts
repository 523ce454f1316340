import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { borrowedOf, cashOf, fromScaled, newPool, type Pool, RAY, suppliedOf, toScaled } from './lendingPools.ts'

const pool = (supplyIndex: bigint, borrowIndex: bigint): Pool => ({ ...newPool(0n), supplyIndex, borrowIndex })
const index = fc.bigInt({ min: RAY, max: 50n * RAY })
const amount = fc.bigInt({ min: -(2n ** 192n), max: 2n ** 192n })

describe('lending pools', () => {
  it('round-trips every amount exactly at any index, and the stored principal fits an int256', () => {
    fc.assert(
      fc.property(amount, index, index, (a, si, bi) => {
        const p = pool(si, bi)
        const scaled = toScaled(a, p)
        expect(fromScaled(scaled, p)).toBe(a)
        expect(scaled < 2n ** 255n && scaled > -(2n ** 255n)).toBe(true)
        expect(Math.sign(Number(scaled))).toBe(Math.sign(Number(a)))
      }),
    )
  })

  it('never reads a credit above nor a debt below what interest made of it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), index, fc.bigInt({ min: 0n, max: RAY }), (a, i0, growth) => {
        const before = pool(i0, i0)
        const after = pool(i0 + growth, i0 + growth)
        // Exact value a·i1/i0: the credit reads at most it, the debt at least it.
        const exactNum = a * (i0 + growth)
        expect(fromScaled(toScaled(a, before), after) * i0 <= exactNum + i0).toBe(true)
        expect(-fromScaled(toScaled(-a, before), after) * i0 >= exactNum - i0).toBe(true)
      }),
    )
  })

  it('sums the totals: supplied rounded down, borrowed up, cash the difference', () => {
    const p = { ...pool(RAY + RAY / 10n, RAY + RAY / 5n), scaledSupply: 10n ** 36n, scaledBorrow: 3n * 10n ** 35n }
    expect(suppliedOf(p)).toBe(11n * 10n ** 17n)
    expect(borrowedOf(p)).toBe(36n * 10n ** 16n)
    expect(cashOf(p)).toBe(11n * 10n ** 17n - 36n * 10n ** 16n)
  })
})
