import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BookEntry } from './accountBook.ts'
import { devMarket, devRiskParams } from './devMarket.ts'
import { applyLiquidationPlan, type LiquidationPlan, planLiquidation } from './liquidation.ts'
import { marginPortfolio } from './marginPortfolio.ts'
import { buildMarketState, type MarketState } from './marketState.ts'
import { patchMarketPrices } from './riskParams.ts'
import type { RiskParams } from './types.ts'

const T0 = 1_767_225_600 // 2026-01-01T00:00:00Z
const noEs: RiskParams = { ...devRiskParams, es: { ...devRiskParams.es, enabled: false } }

function marketAt(eth: number, btc = 60_000): MarketState {
  return buildMarketState(patchMarketPrices(devMarket, { underlyings: { ETH: { price: eth }, BTC: { price: btc } } }), noEs, T0)
}

const s0 = marketAt(3000)
const USDC = s0.itemByAssetId.get(1)!
const WETH = s0.itemByAssetId.get(2)!
const CALL = s0.itemByName.get('ETH-20261231-3000-C')!

/** E and MM of entries with the report path (marginPortfolio), the reference for the plan's figures. */
function figures(state: MarketState, entries: BookEntry[]) {
  const m = marginPortfolio(state, entries)
  return { equity: m.equity, mm: m.maintenanceMargin }
}

/** Short 10 ETH 3000 calls with USDC at 1.02 × its IM (es disabled: IM = 1.3 × MM). */
function shortCallNearIm(): BookEntry[] {
  const naked = marginPortfolio(s0, [{ item: CALL, size: -10 }])
  return [
    { item: CALL, size: -10 },
    { item: USDC, size: (naked.initialMargin - naked.equity) * 1.02 },
  ]
}

const onlySettlement = (entries: BookEntry[]) => entries.every((e) => e.item === USDC)

describe('planLiquidation: dev market', () => {
  it('short call near its IM limit, ETH +25%: closes part of the call, just enough', () => {
    const entries = shortCallNearIm()
    const before = marginPortfolio(s0, entries)
    expect(before.equity / before.initialMargin).toBeGreaterThan(0.95)
    expect(before.equity / before.initialMargin).toBeLessThan(1.05)
    const state = marketAt(3750)
    const plan = planLiquidation(state, entries, USDC)
    expect(plan.equityBefore).toBeLessThan(plan.maintenanceBefore)
    expect(plan.closures).toHaveLength(1)
    const [c] = plan.closures
    expect(c).toMatchObject({ kind: 'position', item: CALL, price: state.itemMark[CALL] })
    expect(c.size).toBeLessThan(0)
    expect(c.size).toBeGreaterThan(-10)
    expect(Number.isInteger(Math.round(c.size * 1e6)) && Math.abs(c.size * 1e6 - Math.round(c.size * 1e6)) < 1e-6).toBe(true)
    expect(c.notional).toBeCloseTo(-c.size * 3750, 9)
    expect(c.penalty).toBeCloseTo(0.01 * c.notional, 9)
    expect(plan.restored).toBe(true)
    expect(plan.badDebt).toBe(0)
    expect(plan.equityAfter).toBeGreaterThanOrEqual(plan.maintenanceAfter * 1.1)

    const after = applyLiquidationPlan(state, entries, plan, USDC)
    const f = figures(state, after)
    expect(f.equity).toBeCloseTo(plan.equityAfter, 6)
    expect(f.mm).toBeCloseTo(plan.maintenanceAfter, 6)
    expect(after.find((e) => e.item === CALL)!.size).toBeCloseTo(-10 - c.size, 9)
    // One step less does not restore the account.
    const less = { ...plan, closures: [{ ...c, size: c.size + 1e-6 }] }
    const g = figures(state, applyLiquidationPlan(state, entries, less, USDC))
    expect(g.equity).toBeLessThan(g.mm * 1.1)
  })

  it('gap move making equity negative: closes everything and reports the bad debt', () => {
    const entries = shortCallNearIm()
    const state = marketAt(4500)
    const plan = planLiquidation(state, entries, USDC)
    expect(plan.equityBefore).toBeLessThan(0)
    expect(plan.restored).toBe(false)
    expect(plan.badDebt).toBeGreaterThan(0)
    expect(plan.badDebt).toBeCloseTo(-plan.equityAfter, 9)
    expect(plan.closures.map((c) => [c.kind, c.item, c.size])).toEqual([['position', CALL, -10]])
    const penalties = plan.closures.reduce((s, c) => s + c.penalty, 0)
    expect(plan.equityAfter).toBeCloseTo(plan.equityBefore - penalties, 6)
    const after = applyLiquidationPlan(state, entries, plan, USDC)
    expect(after).toHaveLength(1)
    expect(after[0].item).toBe(USDC)
    expect(after[0].size).toBeCloseTo(-plan.badDebt, 6)
  })

  it('a healthy account gets an empty plan', () => {
    const entries = shortCallNearIm()
    const plan = planLiquidation(s0, entries, USDC)
    expect(plan.closures).toEqual([])
    expect(plan.greedyCount).toBe(0)
    expect(plan.badDebt).toBe(0)
    expect(plan.equityAfter).toBe(plan.equityBefore)
    expect(plan.maintenanceAfter).toBe(plan.maintenanceBefore)
    expect(plan.restored).toBe(true)
    expect(applyLiquidationPlan(s0, entries, plan, USDC)).toEqual(entries.slice().sort((a, b) => a.item - b.item))
  })

  it('a borrowing (negative USDC, positive WETH) is repaid by selling part of the WETH', () => {
    // 10 WETH (30,000) against 25,000 USDC borrowed: E 5,000 < MM = haircut 3,000 + the extreme
    // scenario's 0.35 × 3 × 15% × 30,000 = 4,725.
    const entries = [
      { item: USDC, size: -25_000 },
      { item: WETH, size: 10 },
    ]
    const plan = planLiquidation(s0, entries, USDC)
    expect(plan.equityBefore).toBeCloseTo(5000, 9)
    expect(plan.maintenanceBefore).toBeCloseTo(7725, 9)
    expect(plan.closures).toHaveLength(1)
    const [c] = plan.closures
    expect(c).toMatchObject({ kind: 'repay', item: WETH, debtItem: USDC, price: 3000 })
    expect(c.size).toBeGreaterThan(0)
    expect(c.size).toBeLessThan(25_000 / 3000 / 0.99)
    expect(c.repaid).toBeCloseTo(c.size * 3000, 9)
    expect(c.notional).toBeCloseTo(c.size * 3000, 9)
    expect(plan.restored).toBe(true)
    const after = applyLiquidationPlan(s0, entries, plan, USDC)
    expect(after.find((e) => e.item === WETH)!.size).toBeCloseTo(10 - c.size, 9)
    expect(after.find((e) => e.item === USDC)!.size).toBeCloseTo(-25_000 + c.repaid! - c.penalty, 6)
  })

  it('a repay taken whole clears a settlement debt exactly, its own penalty included', () => {
    // ETH −40% and a buffer of 5: repaying the 17,000 borrowed is not enough, so the greedy phase
    // takes the whole repay, then the fallback sells the rest of the WETH.
    const state = buildMarketState(
      patchMarketPrices(devMarket, { underlyings: { ETH: { price: 1800 } } }),
      { ...noEs, liquidationBuffer: 5 },
      T0,
    )
    const entries = [
      { item: USDC, size: -17_000 },
      { item: WETH, size: 10 },
    ]
    const plan = planLiquidation(state, entries, USDC)
    expect(plan.greedyCount).toBe(1)
    const [repay, sale] = plan.closures
    expect(repay).toMatchObject({ kind: 'repay', item: WETH, debtItem: USDC })
    expect(repay.size).toBeCloseTo(17_000 / (1800 * 0.99), 9)
    const afterRepay = applyLiquidationPlan(state, entries, { ...plan, closures: [repay] }, USDC)
    expect(afterRepay.map((e) => e.item)).toEqual([WETH])
    expect(sale).toMatchObject({ kind: 'position', item: WETH, size: 10 - repay.size })
    const after = applyLiquidationPlan(state, entries, plan, USDC)
    expect(after).toHaveLength(1)
    expect(after[0].item).toBe(USDC)
    expect(after[0].size).toBeCloseTo(plan.equityAfter, 9)
    expect(plan.restored).toBe(true)
  })

  it('rejects a settlement item that is not an asset and a bad size step', () => {
    expect(() => planLiquidation(s0, [], CALL)).toThrow(/settlementItem/)
    expect(() => planLiquidation(s0, [], USDC, { sizeStep: 0 })).toThrow(/sizeStep/)
  })
})

// Property tests: random dev-market portfolios, margined at 3,000/60,000 with roughly their IM in
// USDC, then a random ETH/BTC move. Sizes and balances are whole multiples of 1e-3.
const TRADED = s0.items.flatMap((it, i) => (it.type === 'asset' ? [] : [i]))
const COLLATERAL = [WETH, s0.itemByAssetId.get(3)!, s0.itemByAssetId.get(4)!]

const portfolio = fc
  .record({
    positions: fc.array(
      fc.record({
        item: fc.constantFrom(...TRADED),
        size: fc.integer({ min: -20_000, max: 20_000 }).filter((n) => n !== 0),
        entry: fc.integer({ min: 80, max: 120 }),
      }),
      { minLength: 0, maxLength: 5 },
    ),
    collateral: fc.array(fc.record({ item: fc.constantFrom(...COLLATERAL), size: fc.integer({ min: -5_000, max: 20_000 }) }), {
      maxLength: 2,
    }),
    cushion: fc.integer({ min: 50, max: 160 }),
  })
  .map(({ positions, collateral, cushion }): BookEntry[] => {
    const entries: BookEntry[] = []
    for (const p of positions) {
      const item = s0.items[p.item]
      const scale = item.underlying === s0.underlyingBySymbol.get('BTC') ? 1e-4 : 1e-3
      entries.push({
        item: p.item,
        size: p.size * scale,
        entryPrice: item.type === 'perp' ? (s0.itemMark[p.item] * p.entry) / 100 : undefined,
      })
    }
    for (const c of collateral) entries.push({ item: c.item, size: c.size * 1e-3 })
    const m = marginPortfolio(s0, entries)
    const usdc = Math.round(((m.initialMargin - m.equity) * cushion) / 100) + 100
    entries.push({ item: USDC, size: usdc })
    return entries
  })

const moves = fc.record({ eth: fc.integer({ min: -30, max: 30 }), btc: fc.integer({ min: -30, max: 30 }) })

const stateCache = new Map<string, MarketState>()
function movedState(m: { eth: number; btc: number }): MarketState {
  const key = `${m.eth}/${m.btc}`
  let s = stateCache.get(key)
  if (s === undefined) {
    s = marketAt(3000 * (1 + m.eth / 100), 60_000 * (1 + m.btc / 100))
    stateCache.set(key, s)
  }
  return s
}

const totalPenalty = (plan: LiquidationPlan) => plan.closures.reduce((s, c) => s + c.penalty, 0)

describe('planLiquidation: properties', () => {
  const runs = { seed: 20260601, numRuns: 300 }

  it('restores the account or closes it fully; the figures match a re-margin of the result', () => {
    let liquidated = 0
    let restored = 0
    let bad = 0
    fc.assert(
      fc.property(portfolio, moves, (entries, move) => {
        const state = movedState(move)
        const plan = planLiquidation(state, entries, USDC)
        // The plan starts from the block re-margin's figures, bit for bit.
        const before = figures(state, entries)
        expect(plan.equityBefore).toBe(before.equity)
        expect(plan.maintenanceBefore).toBe(before.mm)
        const after = applyLiquidationPlan(state, entries, plan, USDC)
        const f = figures(state, after)
        const scale = Math.max(1, Math.abs(plan.equityBefore), plan.maintenanceBefore)
        expect(Math.abs(f.equity - plan.equityAfter)).toBeLessThan(1e-9 * scale)
        expect(Math.abs(f.mm - plan.maintenanceAfter)).toBeLessThan(1e-9 * scale)
        if (plan.equityBefore >= plan.maintenanceBefore) {
          expect(plan.closures).toEqual([])
          return
        }
        liquidated++
        if (plan.restored) restored++
        else bad++
        expect(plan.restored || onlySettlement(after)).toBe(true)
        expect(plan.restored).toBe(f.equity >= f.mm * 1.1)
        expect(plan.badDebt).toBe(!plan.restored && plan.equityAfter < 0 ? -plan.equityAfter : 0)
        // A greedy position closure is whole, or (the last one) a whole number of 1e-6 steps.
        plan.closures.slice(0, plan.greedyCount).forEach((c, k) => {
          if (c.kind !== 'position') return
          const held = entries.filter((e) => e.item === c.item).reduce((s, e) => s + e.size, 0)
          const steps = Math.abs(c.size) * 1e6
          const onStep = Math.abs(steps - Math.round(steps)) < 1e-6 * Math.max(1, steps)
          expect(c.size === held || (k === plan.greedyCount - 1 && plan.restored && onStep)).toBe(true)
        })
      }),
      runs,
    )
    // The generator must exercise both outcomes.
    expect(liquidated).toBeGreaterThan(30)
    expect(restored).toBeGreaterThan(10)
    expect(bad).toBeGreaterThan(3)
  })

  it('every greedy closure strictly lowers MM; MM never ends above where it started', () => {
    fc.assert(
      fc.property(portfolio, moves, (entries, move) => {
        const state = movedState(move)
        const plan = planLiquidation(state, entries, USDC)
        let prev = plan.maintenanceBefore
        for (let k = 1; k <= plan.greedyCount; k++) {
          const partial = { ...plan, closures: plan.closures.slice(0, k) }
          const mm = figures(state, applyLiquidationPlan(state, entries, partial, USDC)).mm
          expect(mm).toBeLessThan(prev)
          prev = mm
        }
        expect(plan.maintenanceAfter).toBeLessThanOrEqual(plan.maintenanceBefore * (1 + 1e-12) + 1e-9)
      }),
      runs,
    )
  })

  it('conserves equity except the penalties, which are ≥ 0', () => {
    fc.assert(
      fc.property(portfolio, moves, (entries, move) => {
        const plan = planLiquidation(movedState(move), entries, USDC)
        const penalties = totalPenalty(plan)
        const notional = plan.closures.reduce((s, c) => s + c.notional, 0)
        for (const c of plan.closures) {
          expect(c.penalty).toBeGreaterThanOrEqual(0)
          expect(c.notional).toBeGreaterThanOrEqual(0)
        }
        const scale = Math.max(1, Math.abs(plan.equityBefore), notional)
        expect(Math.abs(plan.equityAfter - (plan.equityBefore - penalties))).toBeLessThanOrEqual(1e-6 * scale)
      }),
      runs,
    )
  })

  it('does not depend on the order of the entries', () => {
    fc.assert(
      fc.property(
        portfolio.chain((e) => fc.tuple(fc.constant(e), fc.shuffledSubarray(e, { minLength: e.length }))),
        moves,
        ([entries, shuffled], move) => {
          const state = movedState(move)
          expect(planLiquidation(state, shuffled, USDC)).toEqual(planLiquidation(state, entries, USDC))
        },
      ),
      { ...runs, numRuns: 150 },
    )
  })
})

describe('planLiquidation: hedged books', () => {
  it('a call spread where closing either leg alone raises MM is cut as a slice, not closed whole', () => {
    const long = s0.itemByName.get('ETH-20261231-3000-C')!
    const short = s0.itemByName.get('ETH-20261231-3500-C')!
    const legs: BookEntry[] = [
      { item: long, size: 20 },
      { item: short, size: -20 },
    ]
    // Each leg alone carries more MM than the spread.
    const spread = figures(s0, legs).mm
    expect(figures(s0, [legs[0]]).mm).toBeGreaterThan(spread)
    expect(figures(s0, [legs[1]]).mm).toBeGreaterThan(spread)
    // Borrowed USDC leaves equity just under MM.
    const bare = figures(s0, legs)
    const entries = [...legs, { item: USDC, size: bare.mm * 0.9 - bare.equity }]
    const plan = planLiquidation(s0, entries, USDC)
    expect(plan.equityBefore).toBeLessThan(plan.maintenanceBefore)
    expect(plan.greedyCount).toBe(0)
    expect(plan.restored).toBe(true)
    expect(plan.badDebt).toBe(0)
    // Both legs, by the same fraction, and only part of each.
    expect(plan.closures.map((c) => c.item).sort()).toEqual([long, short].sort())
    const [a, b] = plan.closures
    expect(Math.abs(a.size)).toBeLessThan(20)
    expect(Math.abs(a.size)).toBeCloseTo(Math.abs(b.size), 5)
    const after = applyLiquidationPlan(s0, entries, plan, USDC)
    const f = figures(s0, after)
    expect(f.equity).toBeGreaterThanOrEqual(f.mm * 1.1 - 1e-6)
  })
})
