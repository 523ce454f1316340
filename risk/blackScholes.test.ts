import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bsGreeks, bsValue, yearsToExpiry } from './blackScholes.ts'
import { expDet } from './mathDet.ts'

describe('blackScholes', () => {
  it("reproduces Hull's example (S=42, K=40, r=0.1, vol=0.2, T=0.5)", () => {
    expect(bsValue('call', 42, 40, 0.5, 0.2, 0.1)).toBeCloseTo(4.7594, 4)
    expect(bsValue('put', 42, 40, 0.5, 0.2, 0.1)).toBeCloseTo(0.8086, 4)
  })

  it('satisfies put–call parity C − P = S − K·e^(−rT)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        fc.double({ min: 0.001, max: 3, noNaN: true }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.double({ min: -0.05, max: 0.2, noNaN: true }),
        (s, m, t, v, r) => {
          const k = s * m
          const c = bsValue('call', s, k, t, v, r)
          const p = bsValue('put', s, k, t, v, r)
          expect(Math.abs(c - p - (s - k * expDet(-r * t)))).toBeLessThan(1e-9 * (s + k))
        },
      ),
    )
  })

  it('Greeks agree with finite differences of the value', () => {
    const cases: Array<['call' | 'put', number, number, number, number, number]> = [
      ['call', 3000, 3000, 45 / 365, 0.6, 0],
      ['put', 3000, 2600, 45 / 365, 0.6, 0.03],
      ['call', 60000, 70000, 0.3, 0.5, 0.05],
      ['put', 42, 40, 0.5, 0.2, 0.1],
    ]
    for (const [kind, s, k, t, v, r] of cases) {
      const g = bsGreeks(kind, s, k, t, v, r)
      const hs = s * 1e-4
      const f = (ss: number, tt = t, vv = v, rr = r) => bsValue(kind, ss, k, tt, vv, rr)
      const delta = (f(s + hs) - f(s - hs)) / (2 * hs)
      const gamma = (f(s + hs) - 2 * f(s) + f(s - hs)) / (hs * hs)
      const vega = (f(s, t, v + 1e-5) - f(s, t, v - 1e-5)) / 2e-5 / 100
      const theta = (f(s, t - 1e-6) - f(s, t + 1e-6)) / 2e-6 / 365
      const rho = (f(s, t, v, r + 1e-6) - f(s, t, v, r - 1e-6)) / 2e-6 / 100
      expect(g.delta).toBeCloseTo(delta, 6)
      expect(Math.abs(g.gamma - gamma)).toBeLessThan(Math.abs(gamma) * 1e-3 + 1e-9)
      expect(g.vega).toBeCloseTo(vega, 5)
      expect(g.theta).toBeCloseTo(theta, 5)
      expect(g.rho).toBeCloseTo(rho, 5)
    }
  })

  it('is worth intrinsic at and after expiry, with delta-one or zero Greeks', () => {
    const expiry = 1_800_000_000
    expect(yearsToExpiry(expiry, expiry)).toBe(0)
    expect(yearsToExpiry(expiry, expiry + 10)).toBe(0)
    expect(yearsToExpiry(expiry, expiry - 31_536_000)).toBe(1)
    expect(bsValue('call', 3100, 3000, 0, 0.6, 0)).toBe(100)
    expect(bsValue('put', 3100, 3000, 0, 0.6, 0)).toBe(0)
    expect(bsValue('put', 2900, 3000, 0, 0.6, 0)).toBe(100)
    expect(bsGreeks('call', 3100, 3000, 0, 0.6, 0)).toEqual({
      value: 100,
      delta: 1,
      gamma: 0,
      vega: 0,
      theta: 0,
      rho: 0,
    })
    expect(bsGreeks('put', 2900, 3000, 0, 0.6, 0).delta).toBe(-1)
    expect(bsGreeks('put', 3100, 3000, 0, 0.6, 0).delta).toBe(0)
    // one second before expiry the value is already within cents of intrinsic
    expect(bsValue('call', 3100, 3000, 1 / 31_536_000, 0.6, 0)).toBeCloseTo(100, 6)
  })
})
