import { describe, expect, it } from 'vitest'
import {
  civilFromDays,
  DAY_SECONDS,
  daysFromCivil,
  isMonthlyExpiry,
  lastFridayOfMonth,
  listingStrikeWad,
  listingWindow,
  monthlyWindow,
  nextWeeklyExpiry,
  utcDateCode,
  WEEK_SECONDS,
  weeklyExpiryOnOrAfter,
  weeklyWindow,
} from './expiries.ts'

const W = 10n ** 18n
/** Unix seconds of an ISO time (tests only: the module itself never uses Date). */
const at = (iso: string) => Date.parse(iso) / 1000

describe('civil dates', () => {
  it('round-trips every day from 1900 to 2200 and agrees with Date', () => {
    for (let d = daysFromCivil(1900, 1, 1); d <= daysFromCivil(2200, 12, 31); d += 13) {
      const c = civilFromDays(d)
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(d)
      if (d % 7 === 0) {
        const js = new Date(d * DAY_SECONDS * 1000)
        expect([c.year, c.month, c.day]).toEqual([js.getUTCFullYear(), js.getUTCMonth() + 1, js.getUTCDate()])
      }
    }
  })
  it('formats the UTC date of a time as in instrument names', () => {
    expect(utcDateCode(at('2026-12-31T08:00:00Z'))).toBe('20261231')
    expect(utcDateCode(at('2028-02-29T23:59:59Z'))).toBe('20280229')
  })
})

describe('weekly expiries', () => {
  it('is the next Friday 08:00 UTC strictly after t', () => {
    expect(nextWeeklyExpiry(at('2026-01-01T00:00:00Z'))).toBe(at('2026-01-02T08:00:00Z'))
    expect(nextWeeklyExpiry(at('2026-01-02T07:59:59Z'))).toBe(at('2026-01-02T08:00:00Z'))
    // At the expiry itself the window has moved on.
    expect(nextWeeklyExpiry(at('2026-01-02T08:00:00Z'))).toBe(at('2026-01-09T08:00:00Z'))
    expect(weeklyExpiryOnOrAfter(at('2026-01-02T08:00:00Z'))).toBe(at('2026-01-02T08:00:00Z'))
    for (let t = at('2026-12-02T14:00:00Z'); t < at('2027-02-01T00:00:00Z'); t += 3_917) {
      const e = nextWeeklyExpiry(t)
      const d = new Date(e * 1000)
      expect(d.getUTCDay()).toBe(5)
      expect(d.getUTCHours()).toBe(8)
      expect(e > t && e - t <= WEEK_SECONDS).toBe(true)
    }
  })
  it('keeps the next n: a new one enters when the nearest expires', () => {
    const w = weeklyWindow(at('2026-12-02T14:00:00Z'), 2)
    expect(w).toEqual([at('2026-12-04T08:00:00Z'), at('2026-12-11T08:00:00Z')])
    expect(weeklyWindow(at('2026-12-04T07:59:59Z'), 2)).toEqual(w)
    expect(weeklyWindow(at('2026-12-04T08:00:00Z'), 2)).toEqual([at('2026-12-11T08:00:00Z'), at('2026-12-18T08:00:00Z')])
    expect(weeklyWindow(at('2026-12-04T08:00:00Z'), 0)).toEqual([])
  })
})

describe('monthly expiries', () => {
  it('is the last Friday of the month', () => {
    expect(lastFridayOfMonth(2026, 12)).toBe(at('2026-12-25T08:00:00Z'))
    expect(lastFridayOfMonth(2027, 1)).toBe(at('2027-01-29T08:00:00Z'))
    expect(lastFridayOfMonth(2027, 2)).toBe(at('2027-02-26T08:00:00Z'))
    expect(lastFridayOfMonth(2027, 3)).toBe(at('2027-03-26T08:00:00Z'))
    // A month ending on a Friday.
    expect(lastFridayOfMonth(2027, 4)).toBe(at('2027-04-30T08:00:00Z'))
    expect(lastFridayOfMonth(2028, 2)).toBe(at('2028-02-25T08:00:00Z'))
    expect(isMonthlyExpiry(at('2026-12-25T08:00:00Z'))).toBe(true)
    expect(isMonthlyExpiry(at('2026-12-18T08:00:00Z'))).toBe(false)
    expect(isMonthlyExpiry(at('2027-04-30T08:00:00Z'))).toBe(true)
  })
  it('keeps the next m, this month while its last Friday is ahead', () => {
    expect(monthlyWindow(at('2026-12-02T14:00:00Z'), 2)).toEqual([at('2026-12-25T08:00:00Z'), at('2027-01-29T08:00:00Z')])
    expect(monthlyWindow(at('2026-12-25T08:00:00Z'), 2)).toEqual([at('2027-01-29T08:00:00Z'), at('2027-02-26T08:00:00Z')])
    expect(monthlyWindow(at('2027-11-30T00:00:00Z'), 3)).toEqual([
      at('2027-12-31T08:00:00Z'),
      at('2028-01-28T08:00:00Z'),
      at('2028-02-25T08:00:00Z'),
    ])
  })
  it('a weekly that is also the last Friday appears once in the window', () => {
    const t = at('2026-12-20T00:00:00Z')
    expect(listingWindow(t, 2, 2)).toEqual([at('2026-12-25T08:00:00Z'), at('2027-01-01T08:00:00Z'), at('2027-01-29T08:00:00Z')])
  })
})

describe('listing strikes', () => {
  it('rounds S·(1 + p) to the tick, half to even, in integers', () => {
    const S = 3_049n * W
    expect([-0.2, -0.1, 0, 0.1, 0.2].map((p) => listingStrikeWad(S, BigInt(Math.round(p * 10)) * 10n ** 17n, 100n * W) / W)).toEqual([
      2400n,
      2700n,
      3000n,
      3400n,
      3700n,
    ])
    // 3,050 is exactly half a tick above 3,000: to the even multiple (3,000), 3,150 → 3,200.
    expect(listingStrikeWad(3_050n * W, 0n, 100n * W)).toBe(3_000n * W)
    expect(listingStrikeWad(3_150n * W, 0n, 100n * W)).toBe(3_200n * W)
    expect(listingStrikeWad(60_499n * W, 0n, 1_000n * W)).toBe(60_000n * W)
    expect(listingStrikeWad(40n * W, -9n * 10n ** 17n, 100n * W)).toBe(0n)
  })
})
