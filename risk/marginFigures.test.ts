/**
 * The figures-only margin entry (issue 17): `marginFigures` must give the margin rule exactly the
 * equity, IM and MM of the full report — bit for bit, since the rule compares them after rounding
 * to wad — and agree with the naive full revaluation (scenario revaluation of every position and
 * a direct expected shortfall over the same paths).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BookEntry } from './accountBook.ts'
import { devMarket, devRiskParams } from './devMarket.ts'
import { buildEsPaths } from './expectedShortfall.ts'
import { lazyMarginFigures, marginFigures, marginPortfolio } from './marginPortfolio.ts'
import { buildMarketState, type MarketState } from './marketState.ts'
import { naiveMargin } from './naiveMargin.ts'
import { itemValue } from './riskArray.ts'

const T0 = 1_767_225_600
const withEs = buildMarketState(devMarket, devRiskParams, T0)
const withoutEs = buildMarketState(devMarket, { ...devRiskParams, es: { ...devRiskParams.es, enabled: false } }, T0)
const nItems = withEs.items.length

const entry = fc.record({
  item: fc.integer({ min: 0, max: nItems - 1 }),
  size: fc.integer({ min: -50_000_000, max: 50_000_000 }).map((x) => x / 1e6),
  entryPrice: fc.double({ min: 1, max: 100_000, noNaN: true }),
})
const portfolio = fc.array(entry, { minLength: 0, maxLength: 12 })

/** ES by brute force: every position fully revalued on every path, worst tail averaged. */
function naiveEs(state: MarketState, entries: BookEntry[]): number {
  const paths = buildEsPaths(state)
  const nU = state.underlyings.length
  const later = state.nowSeconds + state.params.es.horizonSeconds
  const losses: number[] = []
  for (let p = 0; p < paths.count; p++) {
    let loss = 0
    for (const e of entries) {
      const item = state.items[e.item]
      const u = item.underlying
      if (u < 0) continue
      const now = itemValue(item, state.spot[u], state.vol[u], state.nowSeconds, state.params.riskRate)
      loss -= e.size * (itemValue(item, paths.spots[p * nU + u], state.vol[u], later, state.params.riskRate) - now)
    }
    losses.push(loss)
  }
  losses.sort((a, b) => a - b)
  const tail = Math.max(1, Math.floor((1 - state.params.es.confidence) * paths.count + 1e-9))
  return Math.max(0, losses.slice(-tail).reduce((a, b) => a + b, 0) / tail)
}

describe('marginFigures (figures only)', () => {
  it('equals the full report to the bit, with and without ES', () => {
    fc.assert(
      fc.property(portfolio, fc.boolean(), (entries, es) => {
        const state = es ? withEs : withoutEs
        const full = marginPortfolio(state, entries)
        const figures = marginFigures(state, entries)
        expect(Object.is(figures.equity, full.equity)).toBe(true)
        expect(Object.is(figures.initialMargin, full.initialMargin)).toBe(true)
        expect(Object.is(figures.maintenanceMargin, full.maintenanceMargin)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('agrees with the naive full revaluation (scenarios and expected shortfall)', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), (entries) => {
        const figures = marginFigures(withEs, entries)
        const ref = naiveMargin(withEs, entries)
        const tol = 1e-9 * entries.reduce((a, e) => a + Math.abs(e.size) * 100_000, 1)
        expect(Math.abs(figures.equity - ref.equity)).toBeLessThanOrEqual(tol)
        expect(Math.abs(figures.maintenanceMargin - ref.maintenanceMargin)).toBeLessThanOrEqual(tol)
        const { imMultiplier } = withEs.params
        const im = imMultiplier * (Math.max(ref.scenarioLoss, naiveEs(withEs, entries)) + ref.shortOptionMinimum + ref.collateralHaircut)
        expect(Math.abs(figures.initialMargin - im)).toBeLessThanOrEqual(tol)
      }),
      { numRuns: 25 },
    )
  })

  it('lazy figures: equity and MM exact, IM exact on demand and between its two bounds', () => {
    fc.assert(
      fc.property(portfolio, fc.boolean(), (entries, es) => {
        const state = es ? withEs : withoutEs
        const full = marginPortfolio(state, entries)
        const lazy = lazyMarginFigures(state, entries)
        expect(Object.is(lazy.equity, full.equity)).toBe(true)
        expect(Object.is(lazy.maintenanceMargin, full.maintenanceMargin)).toBe(true)
        expect(Object.is(lazy.initialMargin(), full.initialMargin)).toBe(true)
        expect(lazy.initialMarginLow).toBeLessThanOrEqual(full.initialMargin)
        expect(lazy.initialMarginHigh).toBeGreaterThanOrEqual(full.initialMargin)
      }),
      { numRuns: 200 },
    )
  })

  it('an empty portfolio has no figures', () => {
    expect(marginFigures(withEs, [])).toEqual({ equity: 0, initialMargin: 0, maintenanceMargin: 0 })
  })
})
