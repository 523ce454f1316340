import type { BookEntry } from './accountBook.ts'
import type { MarketState } from './marketState.ts'
import { itemValue } from './riskArray.ts'

/** What {@link naiveMargin} returns (USD). */
export interface NaiveMargin {
  equity: number
  scenarioLoss: number
  shortOptionMinimum: number
  collateralHaircut: number
  maintenanceMargin: number
}

/**
 * The plain reference of SPEC section 6, written straight from the formulas with no risk arrays:
 * every holding is fully revalued under every scenario of its underlying. The property tests
 * hold the fast kernel against it; the benchmark times it as the baseline. Entries are used in
 * the given order, not canonicalised.
 */
export function naiveMargin(state: MarketState, entries: BookEntry[]): NaiveMargin {
  const { params, nowSeconds } = state
  const rate = params.riskRate
  let equity = 0
  let shortOptionMinimum = 0
  const net = new Map<number, number>()
  for (const e of entries) net.set(e.item, (net.get(e.item) ?? 0) + e.size)
  for (const e of entries) {
    const item = state.items[e.item]
    const u = item.underlying
    const value = itemValue(item, u >= 0 ? state.spot[u] : 0, u >= 0 ? state.vol[u] : 0, nowSeconds, rate)
    equity += item.type === 'perp' ? e.size * (value - (e.entryPrice ?? 0)) : e.size * value
  }
  let collateralHaircut = 0
  for (const [i, size] of [...net].sort((a, b) => a[0] - b[0])) {
    const item = state.items[i]
    const u = item.underlying
    if (item.type === 'asset' && size > 0) {
      const price = itemValue(item, u >= 0 ? state.spot[u] : 0, 0, nowSeconds, rate)
      collateralHaircut += size * price * (params.haircut[item.name] ?? 0)
    }
    if (item.type === 'option' && size < 0) {
      shortOptionMinimum += -size * params.shortOptionMinimum * state.spot[u]
    }
  }
  let scenarioLoss = 0
  for (let u = 0; u < state.underlyings.length; u++) {
    const held = entries.filter((e) => state.items[e.item].underlying === u)
    if (held.length === 0) continue
    const s0 = state.spot[u]
    const v0 = state.vol[u]
    const base = held.map((e) => itemValue(state.items[e.item], s0, v0, nowSeconds, rate))
    let worst = 0
    for (const sc of state.scenarios) {
      const s1 = Math.max(0, s0 * (1 + sc.spotShock * state.scanRange[u]))
      const v1 = Math.max(params.volFloor, v0 * (1 + sc.volShock))
      let pnl = 0
      held.forEach((e, k) => {
        pnl += e.size * (itemValue(state.items[e.item], s1, v1, nowSeconds, rate) - base[k])
      })
      worst = Math.min(worst, sc.weight * pnl)
    }
    scenarioLoss -= worst
  }
  return {
    equity,
    scenarioLoss,
    shortOptionMinimum,
    collateralHaircut,
    maintenanceMargin: scenarioLoss + shortOptionMinimum + collateralHaircut,
  }
}
