import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from './devMarket.ts'
import { buildEsPaths, choleskyOfCorrelation, expectedShortfall } from './expectedShortfall.ts'
import { buildMarketState } from './marketState.ts'
import { logDet, normCdf, normInv } from './mathDet.ts'

const T0 = 1_767_225_600
const state = buildMarketState(devMarket, devRiskParams, T0)
const item = (name: string) => state.itemByName.get(name)!

/** Closed-form ES of one lognormal unit (no drift) over the ES horizon, long or short. */
function closedForm(spot: number, vol: number, side: 1 | -1): number {
  const c = devRiskParams.es.confidence
  const s = vol * Math.sqrt(devRiskParams.es.horizonSeconds / 31_536_000)
  const z = normInv(c)
  return side === 1 ? spot * (1 - normCdf(-z - s) / (1 - c)) : spot * (normCdf(s - z) / (1 - c) - 1)
}

describe('expectedShortfall', () => {
  it('converges to the closed-form ES of a single lognormal position within 2% (default 2,000 paths)', () => {
    const cases: Array<[string, number, number, 1 | -1]> = [
      ['WETH', 3000, 0.6, 1],
      ['ETH-PERP', 3000, 0.6, -1],
      ['WBTC', 60000, 0.5, 1],
      ['BTC-PERP', 60000, 0.5, -1],
    ]
    for (const [name, spot, vol, side] of cases) {
      const es = expectedShortfall(state, [item(name)], [side])
      const ref = closedForm(spot, vol, side)
      expect(Math.abs(es - ref) / ref, name).toBeLessThan(0.02)
    }
    // and scales with size
    expect(expectedShortfall(state, [item('WETH')], [10])).toBeCloseTo(10 * expectedShortfall(state, [item('WETH')], [1]), 9)
  })

  it('draws the same paths every time, with the configured correlation', () => {
    const a = buildEsPaths(state)
    const b = buildEsPaths(buildMarketState(devMarket, devRiskParams, T0))
    expect(a.count).toBe(2000)
    expect(b.spots).toEqual(a.spots)
    const nU = state.underlyings.length
    const eth = state.underlyingBySymbol.get('ETH')!
    const btc = state.underlyingBySymbol.get('BTC')!
    const lr = (p: number, u: number) => logDet(a.spots[p * nU + u] / state.spot[u])
    let sx = 0,
      sy = 0,
      sxx = 0,
      syy = 0,
      sxy = 0
    for (let p = 0; p < a.count; p++) {
      const x = lr(p, eth)
      const y = lr(p, btc)
      sx += x
      sy += y
      sxx += x * x
      syy += y * y
      sxy += x * y
    }
    const n = a.count
    const corr = (sxy / n - (sx / n) * (sy / n)) / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2))
    expect(corr).toBeGreaterThan(0.77)
    expect(corr).toBeLessThan(0.83)
    const ethVol = Math.sqrt(sxx / n - (sx / n) ** 2) / Math.sqrt(86400 / 31_536_000)
    expect(ethVol).toBeCloseTo(0.6, 2)
  })

  it('diversifies across correlated underlyings and nets a hedge to zero', () => {
    const both = expectedShortfall(state, [item('WETH'), item('WBTC')], [20, 1])
    const sum = expectedShortfall(state, [item('WETH')], [20]) + expectedShortfall(state, [item('WBTC')], [1])
    expect(both).toBeLessThan(sum)
    expect(both).toBeGreaterThan(0.85 * sum) // correlation 0.8: little diversification
    expect(expectedShortfall(state, [item('ETH-PERP'), item('WETH')], [-1, 1])).toBe(0)
    expect(expectedShortfall(state, [item('USDC')], [1e6])).toBe(0)
  })

  it('revalues options fully at the horizon (a long option loses at most its premium)', () => {
    const call = item('ETH-20261231-3000-C')
    const es = expectedShortfall(state, [call], [1])
    expect(es).toBeGreaterThan(0)
    expect(es).toBeLessThan(state.itemMark[call])
  })

  it('rejects a correlation matrix that is not positive definite, naming the parameter', () => {
    const bad = buildMarketState(devMarket, { ...devRiskParams, es: { ...devRiskParams.es, correlation: { 'ETH-BTC': 1.2 } } }, T0)
    expect(() => choleskyOfCorrelation(bad)).toThrow('params.es.correlation')
  })
})
