import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from '../../genesis/devMarket.ts'
import { parseWad } from '../../lib/fixed.ts'
import { marginPortfolio } from './marginPortfolio.ts'
import { buildMarketState } from './marketState.ts'
import { resolvePortfolio, toBookEntries } from './portfolio.ts'
import { marginWad } from './report.ts'
import { simulateMargin } from './simulateMargin.ts'
import type { RiskParams } from './types.ts'

const T0 = 1_767_225_600 // 2026-01-01T00:00:00Z
const noEs: RiskParams = { ...devRiskParams, es: { ...devRiskParams.es, enabled: false } }

/** SPEC section 6's worked example. */
export const workedExample = {
  balances: [
    { asset: 'USDC', amount: '100000' },
    { asset: 'WETH', amount: '5' },
  ],
  positions: [
    {
      instrument: { type: 'option', underlying: 'ETH', strike: 3000, expiry: T0 + 45 * 86400, kind: 'call' },
      size: '10',
    },
    {
      instrument: { type: 'option', underlying: 'ETH', strike: 2600, expiry: T0 + 45 * 86400, kind: 'put' },
      size: '-5',
    },
    { instrument: 'ETH-PERP', size: '-4', entryPrice: '2950' },
  ],
}

function margin(portfolio: unknown, params = noEs, now = T0, market = devMarket) {
  const resolved = resolvePortfolio(portfolio, market)
  const state = buildMarketState(resolved.market, params, now)
  return marginPortfolio(state, toBookEntries(resolved, state))
}

describe('marginPortfolio: SPEC section 6 worked example', () => {
  const m = margin(workedExample)

  it('reproduces every figure to the 4th decimal', () => {
    expect(m.equity.toFixed(4)).toBe('116882.7931')
    expect(m.scenarioLoss.toFixed(4)).toBe('3142.8475')
    expect(m.shortOptionMinimum.toFixed(4)).toBe('150.0000')
    expect(m.collateralHaircut.toFixed(4)).toBe('3500.0000')
    expect(m.maintenanceMargin.toFixed(4)).toBe('6792.8475')
    expect(m.initialMargin.toFixed(4)).toBe('8830.7018')
    expect(m.health.toFixed(4)).toBe('110089.9456')
    expect(m.liquidatable).toBe(false)
    expect(m.expectedShortfall).toBe(0)
    const eth = m.greeks.find((g) => g.underlying === 'ETH')!
    expect(eth.delta.toFixed(4)).toBe('7.5012')
    expect(eth.gamma.toFixed(4)).toBe('0.0040')
    expect(eth.vega.toFixed(4)).toBe('26.3458')
    expect(eth.theta.toFixed(4)).toBe('-17.5639')
    expect(eth.rho.toFixed(4)).toBe('21.4777')
    expect(eth.deltaUsd).toBeCloseTo(eth.delta * 3000, 9)
    expect(m.greeks).toHaveLength(1)
  })

  it('names the worst scenario (spot −1, vol −0.3) and lists all 23 on ETH', () => {
    expect(m.worstScenario).toMatchObject({ underlying: 'ETH', spotShock: -1, volShock: -0.3, extreme: false })
    expect(m.worstScenario!.pnl.toFixed(4)).toBe('-3142.8475')
    expect(m.scenarios).toHaveLength(23)
    const extremes = m.scenarios.filter((s) => s.extreme)
    expect(extremes.map((s) => s.spotShock)).toEqual([-3, 3])
  })

  it('formats the same figures as decimal strings (report of margin_simulate)', () => {
    const r = simulateMargin(devMarket, noEs, T0, workedExample)
    expect(Number(r.equity).toFixed(4)).toBe('116882.7931')
    expect(Number(r.maintenanceMargin).toFixed(4)).toBe('6792.8475')
    expect(Number(r.initialMargin).toFixed(4)).toBe('8830.7018')
    expect(Number(r.health).toFixed(4)).toBe('110089.9456')
    expect(Number(r.components.scenarioLoss).toFixed(4)).toBe('3142.8475')
    expect(r.liquidatable).toBe(false)
    expect(r.components.shortOptionMinimum).toBe('150')
    expect(r.components.collateralHaircut).toBe('3500')
    expect(r.components.expectedShortfall).toBe('0')
    expect(Object.keys(r)).toEqual([
      'equity', 'initialMargin', 'maintenanceMargin', 'health', 'liquidatable', 'components',
      'greeks', 'scenarios', 'worstScenario', 'liquidationPrices',
    ])
    // 100,000 USDC and the short perp cover any ETH move (liquidationPrices.test.ts)
    expect(r.liquidationPrices).toEqual([{ underlying: 'ETH', down: null, up: null }])
    expect(Object.keys(r.greeks[0])).toEqual(['underlying', 'delta', 'deltaUsd', 'gamma', 'vega', 'theta', 'rho'])
    expect(Object.keys(r.scenarios[0])).toEqual(['underlying', 'spotShock', 'volShock', 'extreme', 'pnl'])
    const wad = marginWad(m)
    expect(wad.maintenanceMarginWad).toBe(parseWad(r.maintenanceMargin))
    expect(wad.initialMarginWad).toBe(parseWad(r.initialMargin))
    expect(wad.healthWad).toBe(parseWad(r.health))
    expect(wad.liquidatable).toBe(false)
    // health is exactly equity − MM on the printed figures
    expect(parseWad(r.health)).toBe(parseWad(r.equity) - parseWad(r.maintenanceMargin))
    expect(r.worstScenario).toMatchObject({ underlying: 'ETH', spotShock: -1, volShock: -0.3 })
  })

  it('with ES enabled, IM uses max(scenarioLoss, ES)', () => {
    const withEs = margin(workedExample, devRiskParams)
    expect(withEs.expectedShortfall).toBeGreaterThan(0)
    const expected =
      1.3 * (Math.max(withEs.scenarioLoss, withEs.expectedShortfall) + 150 + 3500)
    expect(withEs.initialMargin).toBe(expected)
    expect(withEs.maintenanceMargin).toBe(m.maintenanceMargin)
  })
})

describe('marginPortfolio: hand-checked vectors (references from mpmath at 30 digits)', () => {
  const in30d = T0 + 30 * 86400
  const straddle = [
    { instrument: { type: 'option', underlying: 'ETH', strike: 3000, expiry: in30d, kind: 'call' }, size: '-1' },
    { instrument: { type: 'option', underlying: 'ETH', strike: 3000, expiry: in30d, kind: 'put' }, size: '-1' },
  ]

  it('short straddle: loss on the upside extreme; a perp hedge flattens delta and moves the worst case', () => {
    const bare = margin({ positions: straddle })
    expect(bare.equity.toFixed(6)).toBe('-411.236443')
    expect(bare.scenarioLoss.toFixed(6)).toBe('330.940098')
    expect(bare.worstScenario).toMatchObject({ spotShock: 3, volShock: 0, extreme: true })
    expect(bare.greeks[0].delta.toFixed(8)).toBe('-0.06853941')
    expect(bare.shortOptionMinimum).toBe(60)
    const perp = { positions: [{ instrument: 'ETH-PERP', size: '0.07' }] }
    const hedged = margin({ positions: [...straddle, ...perp.positions] })
    expect(hedged.scenarioLoss.toFixed(6)).toBe('361.659454')
    expect(hedged.worstScenario).toMatchObject({ spotShock: -3, extreme: true })
    expect(Math.abs(hedged.greeks[0].delta)).toBeLessThan(0.0015)
    expect(hedged.equity).toBeCloseTo(bare.equity, 9) // perp entered at spot
    expect(hedged.maintenanceMargin).toBeLessThanOrEqual(bare.maintenanceMargin + margin(perp).maintenanceMargin)
  })

  it('covered call on WETH: 10 WETH against 10 short ETH-20261231-3500-C', () => {
    const m = margin({
      balances: [{ asset: 'WETH', amount: '10' }],
      positions: [{ instrument: 'ETH-20261231-3500-C', size: '-10' }],
    })
    expect(m.equity.toFixed(6)).toBe('24598.807933')
    expect(m.scenarioLoss.toFixed(6)).toBe('4223.236924')
    expect(m.worstScenario).toMatchObject({ spotShock: -1, volShock: 0.3 })
    expect(m.collateralHaircut).toBe(3000)
    expect(m.shortOptionMinimum).toBe(300)
    expect(m.maintenanceMargin.toFixed(6)).toBe('7523.236924')
    expect(m.greeks[0].delta.toFixed(6)).toBe('4.830209')
    // the call caps the upside but the +45% extreme still gains
    expect(m.scenarios.find((s) => s.spotShock === 3)!.pnl).toBeGreaterThan(0)
  })

  it('USDC borrowing against WBTC: no haircut on the debt, the BTC extreme sets the loss', () => {
    const p = { balances: [{ asset: 'USDC', amount: '-30000' }, { asset: 'WBTC', amount: '1' }] }
    const m = margin(p)
    expect(m.equity).toBe(30000)
    expect(m.collateralHaircut).toBeCloseTo(7200, 9)
    // 0.35 × 3 × 12% × 60,000 = 7,560 beats the 12% scan move (7,200)
    expect(m.scenarioLoss).toBeCloseTo(7560, 9)
    expect(m.worstScenario).toMatchObject({ underlying: 'BTC', spotShock: -3, extreme: true })
    expect(m.maintenanceMargin).toBeCloseTo(14760, 9)
    expect(m.liquidatable).toBe(false)
    expect(m.greeks).toEqual([expect.objectContaining({ underlying: 'BTC', delta: 1, deltaUsd: 60000 })])
    const at = (price: number) =>
      margin(p, noEs, T0, {
        ...devMarket,
        underlyings: devMarket.underlyings.map((u) => (u.symbol === 'BTC' ? { ...u, price } : u)),
      })
    expect(at(40000).health).toBeCloseTo(10000 - 9840, 9)
    expect(at(40000).liquidatable).toBe(false)
    expect(at(39000).liquidatable).toBe(true) // E 9,000 < MM 9,594
  })

  it('option at and after expiry: intrinsic value, delta one, loss to the shocked intrinsic', () => {
    const market = {
      ...devMarket,
      underlyings: devMarket.underlyings.map((u) => (u.symbol === 'ETH' ? { ...u, price: 3100 } : u)),
    }
    const p = { positions: [{ instrument: 'ETH-20261231-3000-C', size: '1' }] }
    const expiry = 1_798_704_000
    for (const t of [expiry, expiry + 86400]) {
      const m = margin(p, noEs, t, market)
      expect(m.equity).toBe(100)
      expect(m.greeks[0]).toMatchObject({ delta: 1, gamma: 0, vega: 0, theta: 0, rho: 0 })
      expect(m.scenarioLoss).toBe(100) // spot −15%: worth 0
      expect(m.shortOptionMinimum).toBe(0)
    }
    const before = margin(p, noEs, expiry - 7 * 86400, market)
    expect(before.equity).toBeGreaterThan(100) // time value a week out
    expect(before.equity).toBeLessThan(160)
    expect(before.greeks[0].gamma).toBeGreaterThan(0)
    const shortPut = margin({ positions: [{ instrument: 'ETH-20261231-3000-P', size: '-2' }] }, noEs, expiry, market)
    expect(shortPut.equity).toBe(0)
    expect(shortPut.scenarioLoss).toBeCloseTo(2 * 0.35 * (3000 - 3100 * 0.55), 9) // extreme −45%
    expect(shortPut.shortOptionMinimum).toBeCloseTo(62, 12)
  })

  it('names unknown assets and instruments and bad inline options by field', () => {
    expect(() => margin({ balances: [{ asset: 'DOGE', amount: '1' }] })).toThrow('balances[0].asset: unknown asset "DOGE"')
    expect(() => margin({ positions: [{ instrument: 999, size: 1 }] })).toThrow('positions[0].instrument: unknown instrument 999')
    expect(() =>
      margin({ positions: [{ instrument: { type: 'option', underlying: 'SOL', strike: 1, expiry: T0, kind: 'call' }, size: 1 }] }),
    ).toThrow('positions[0].instrument.underlying')
    expect(() =>
      margin({ positions: [{ instrument: { type: 'option', underlying: 'ETH', strike: 1, expiry: T0, kind: 'straddle' }, size: 1 }] }),
    ).toThrow('positions[0].instrument.kind')
    expect(() => margin({ positions: [{ instrument: 'ETH-PERP', size: 'lots' }] })).toThrow('positions[0].size')
    // ids, names and matching inline terms resolve to the same listed instrument
    const byId = margin({ positions: [{ instrument: 3, size: 1 }] })
    const byName = margin({ positions: [{ instrument: devMarket.instruments[2].name, size: 1 }] })
    const i = devMarket.instruments[2]
    const inline = margin({
      positions: [{ instrument: { type: 'option', underlying: i.underlying, strike: i.strike, expiry: i.expiry, kind: i.kind }, size: 1 }],
    })
    expect(byName).toEqual(byId)
    expect(inline).toEqual(byId)
  })
})
