import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from '../../genesis/devMarket.ts'
import { parseWad } from '../../lib/fixed.ts'
import { marginPortfolio } from './marginPortfolio.ts'
import { buildMarketState } from './marketState.ts'
import { resolvePortfolio, toBookEntries } from './portfolio.ts'
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
      'greeks', 'scenarios', 'worstScenario',
    ])
    expect(Object.keys(r.greeks[0])).toEqual(['underlying', 'delta', 'deltaUsd', 'gamma', 'vega', 'theta', 'rho'])
    expect(Object.keys(r.scenarios[0])).toEqual(['underlying', 'spotShock', 'volShock', 'extreme', 'pnl'])
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
