import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { WAD } from '../../lib/fixed.ts'
import { borrowedOf, newPool, type Pool, RAY, suppliedOf, toScaled } from '../../state/system/lendingPools.ts'
import { accrue, borrowRate, type RateCurve, rateCurve, SECONDS_PER_YEAR, supplyRate, utilization } from './interest.ts'

const USDC = rateCurve({ borrowable: true, base: 0, slope1: 0.04, kink: 0.8, slope2: 0.75, reserveFactor: 0.1, borrowCap: 5e6 })
const pct = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n

/** A pool with `supplied` and `borrowed` (wad) at index 1. */
function poolWith(supplied: bigint, borrowed: bigint): Pool {
  const p = newPool(0n)
  return { ...p, scaledSupply: toScaled(supplied, p), scaledBorrow: -toScaled(-borrowed, p) }
}

describe('the kinked curve (SPEC 6.2, dev USDC)', () => {
  it('gives base + slope1·U/kink below the kink and adds slope2 above it', () => {
    expect(borrowRate(USDC, 0n)).toBe(0n)
    expect(borrowRate(USDC, pct(0.4))).toBe(pct(0.02))
    expect(borrowRate(USDC, pct(0.8))).toBe(pct(0.04))
    expect(borrowRate(USDC, pct(0.9))).toBe(pct(0.04 + 0.375))
    expect(borrowRate(USDC, WAD)).toBe(pct(0.79))
  })

  it('pays suppliers borrowRate·U·(1 − reserveFactor)', () => {
    expect(supplyRate(USDC, pct(0.5))).toBe(pct(0.025 * 0.5 * 0.9))
    expect(utilization(1000n * WAD, 250n * WAD)).toBe(pct(0.25))
    expect(utilization(0n, 0n)).toBe(0n)
  })

  it('is monotone in utilization', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: WAD }), fc.bigInt({ min: 0n, max: WAD }), (a, b) => {
        const [lo, hi] = a < b ? [a, b] : [b, a]
        expect(borrowRate(USDC, lo) <= borrowRate(USDC, hi)).toBe(true)
      }),
    )
  })
})

describe('accrual', () => {
  it('charges a year at the curve rate to the debt, credits suppliers less the reserve, the fund the rest', () => {
    // 1,000,000 supplied, 500,000 borrowed: U 0.5, borrow rate 2.5 %, over one year 12,500 interest.
    const out = accrue(poolWith(1_000_000n * WAD, 500_000n * WAD), USDC, SECONDS_PER_YEAR)!
    expect(out.charged).toBe(12_500n * WAD)
    expect(borrowedOf(out.pool)).toBe(512_500n * WAD)
    // Suppliers get 90 %, to the wei at most (rounded down), the fund the rest.
    const credited = suppliedOf(out.pool) - 1_000_000n * WAD
    expect(credited + out.toFund).toBe(out.charged)
    expect(out.toFund >= 1_250n * WAD && out.toFund <= 1_250n * WAD + 1n).toBe(true)
  })

  it('charges exactly what suppliers and the fund receive, over any stream of blocks', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 10n ** 18n, max: 10n ** 30n }),
        fc.integer({ min: 1, max: 99 }),
        fc.array(fc.integer({ min: 1, max: 86_400 }), { minLength: 1, maxLength: 30 }),
        (supplied, uPct, gaps) => {
          let p = poolWith(supplied, (supplied * BigInt(uPct)) / 100n)
          for (const dt of gaps) {
            const s0 = suppliedOf(p)
            const out = accrue(p, USDC as RateCurve, BigInt(dt))
            if (out === undefined) continue
            expect(out.charged >= 0n && out.toFund >= 0n).toBe(true)
            expect(suppliedOf(out.pool) - s0 + out.toFund).toBe(out.charged)
            expect(out.pool.borrowIndex >= p.borrowIndex && out.pool.supplyIndex >= p.supplyIndex).toBe(true)
            p = out.pool
          }
          expect(p.borrowIndex >= RAY).toBe(true)
        },
      ),
    )
  })

  it('does nothing with nothing borrowed or no time elapsed', () => {
    expect(accrue(poolWith(10n * WAD, 0n), USDC, 100n)).toBeUndefined()
    expect(accrue(poolWith(10n * WAD, 5n * WAD), USDC, 0n)).toBeUndefined()
  })
})
