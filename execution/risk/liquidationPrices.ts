import { type BookEntry, accountMasks, canonicalizeEntries } from './accountBook.ts'
import { type KernelArrays, createMarginOutputs, createScratch, marginRange } from './marginAccounts.ts'
import { type MarketState, buildMarketState } from './marketState.ts'
import { numberToWad } from '../../lib/fixed.ts'
import type { Market } from './types.ts'

/**
 * Where, per underlying, the account would be liquidated (SPEC section 5, `liquidationPrices`).
 * `down`/`up` are USD spot prices, or null where no crossing lies in the searched range.
 */
export interface LiquidationPrice {
  underlying: string
  down: number | null
  up: number | null
}

/** Knobs of {@link liquidationPrices}; the defaults are what the reports use. */
export interface LiquidationPriceOptions {
  /**
   * Smallest step of the walk as a fraction of today's spot S: down by `step·S`, up by a factor
   * `1 + step`. 0.001 by default.
   */
  step?: number
  /** Highest spot searched, as a multiple of S (10 by default: SPEC's `(0, 10·S]`). */
  maxMultiple?: number
}

/** Lowest spot probed on the way down, as a fraction of S (the kernel needs a price > 0). */
const FLOOR_FRACTION = 1e-9
/** Bisection ends when the bracket is narrower than half a cent (half a cent × S when S < 1). */
const HALF_CENT = 0.005

/**
 * The nearest spot prices below and above today's at which the account's health (E − MM,
 * decided on the wad figures exactly as `liquidatable` is) changes sign, per underlying the
 * account touches (in underlying order, as the Greeks), with every other input held: other
 * underlyings' spots, every vol, the time, the parameters. Report-only (SPEC 6.6): the block
 * path never calls it.
 *
 * Method. Health at a trial spot S' of underlying u is the kernel's own figure: the account's
 * items on u are re-priced by {@link buildMarketState} (marks, margin charges, risk arrays) on
 * a market holding only them, everything else is taken from `state`, and the account is
 * margined by {@link marginRange} (the block re-margin's inner loop) in the same item order, so
 * at S' = S the figure is the report's, bit for bit. The search walks outward from S; each
 * step is the larger of |health|/L and the grid step (`step`·S down, a factor 1 + `step` up),
 * where L bounds |d health/dS'| (every unit value moves at most 1 per USD of spot, see
 * {@link healthSlopeBound}) — so while health is far from 0 the walk takes long strides that
 * provably skip no crossing, and near 0 it takes grid steps. The first step whose ends
 * disagree is bisected until narrower than half a cent (half a cent × S for a price below 1 USD). The price
 * returned is the end of the final bracket away from S: the first price at which
 * `liquidatable` differs from today's (for a healthy account where it would be liquidated; for
 * a liquidatable one where it would be healthy again). Deterministic: + − × ÷ only, fixed
 * order, no clock.
 *
 * What can be missed: a dip of health below 0 and back within one grid step (0.1% of spot) in
 * a stretch where health stays within L·step·S of 0.
 *
 * @example
 * const state = buildMarketState(devMarket, devRiskParams, 1767225600)
 * liquidationPrices(state, [{ item: state.itemByName.get('ETH-PERP')!, size: 10, entryPrice: 3000 },
 *   { item: state.itemByName.get('USDC')!, size: 5000 }])
 * // [{ underlying: 'ETH', down: 2979.23…, up: null }]
 */
export function liquidationPrices(
  state: MarketState,
  entries: BookEntry[],
  opts: LiquidationPriceOptions = {},
): LiquidationPrice[] {
  const step = opts.step ?? 0.001
  const maxMultiple = opts.maxMultiple ?? 10
  const probe = createSpotProbe(state, entries)
  const out: LiquidationPrice[] = []
  for (const u of probe.underlyings) {
    const spot = state.spot[u]
    const search: Search = {
      at: (s) => probe.healthAt(u, s),
      slope: probe.slopeBound(u),
      tol: HALF_CENT * Math.min(1, spot),
    }
    const today = search.at(spot)
    out.push({
      underlying: state.underlyings[u].symbol,
      down: walk(search, today, spot, spot * FLOOR_FRACTION, (x) => x - spot * step),
      up: walk(search, today, spot, spot * maxMultiple, (x) => x * (1 + step)),
    })
  }
  return out
}

/** Health along one underlying's spot, and what the walk needs to step safely. */
interface Search {
  /** Health at spot s: the float E − MM (for step sizes) and the wad decision. */
  at(s: number): { health: number; liquidatable: boolean }
  /** L ≥ |d health / d spot|. */
  slope: number
  /** Width at which bisection stops. */
  tol: number
}

/**
 * Walks from `spot` toward `end` (below or above it); returns the first price past a change of
 * `liquidatable`, or null when `end` is reached without one.
 */
function walk(
  search: Search,
  today: { health: number; liquidatable: boolean },
  spot: number,
  end: number,
  gridStep: (x: number) => number,
): number | null {
  const dir = end < spot ? -1 : 1
  let near = spot
  let h = today.health
  for (;;) {
    // The nearest crossing is at least |h|/L away (0.999: float margin on the bound).
    const safe = search.slope > 0 ? (0.999 * Math.abs(h)) / search.slope : Number.POSITIVE_INFINITY
    const grid = Math.abs(gridStep(near) - near)
    let far = near + dir * Math.max(safe, grid)
    if (dir < 0 ? !(far > end) : !(far < end)) far = end
    const at = search.at(far)
    if (at.liquidatable !== today.liquidatable) return bisect(search, near, far, today.liquidatable)
    if (far === end) return null
    near = far
    h = at.health
  }
}

/**
 * Bisects [near, far] (either order), where `near` has today's `liquidatable` and `far` not,
 * until narrower than the tolerance; returns the end past the crossing.
 */
function bisect(search: Search, near: number, far: number, today: boolean): number {
  let a = near
  let b = far
  // 200 halvings exhaust any float64 interval; the tolerance ends it long before.
  for (let i = 0; i < 200 && Math.abs(b - a) >= search.tol; i++) {
    const mid = a + (b - a) / 2
    if (mid === a || mid === b) break
    if (search.at(mid).liquidatable === today) a = mid
    else b = mid
  }
  return b
}

/** One account's health as a function of one underlying's spot, on the kernel's own figures. */
interface SpotProbe {
  /** Underlying indexes the account touches, ascending. */
  underlyings: number[]
  /** Health with underlying `u` at spot `s` and everything else as in the state. */
  healthAt(u: number, s: number): { health: number; liquidatable: boolean }
  /** {@link healthSlopeBound} of the account's items on `u`. */
  slopeBound(u: number): number
}

/**
 * A bound L on |d(E − MM)/dS| for the items on underlying `u`, from the kernel's formulas and
 * |delta| ≤ 1 per unit (calls' delta in [0, 1], puts' in [−1, 0], perps and assets 1):
 * - equity moves by at most Σ|size| per USD of spot;
 * - scenario s (multiplier m = 1 + a·scanRange, weight w) has P&L Σ size·w·(V(max(0, m·S)) −
 *   V(S)): per unit, a linear item's slope is w·min(|a|·scanRange, 1), an option's at most
 *   w·max(m, 1); scenarioLoss, a max over scenarios of −P&L, moves by at most the largest
 *   scenario's Σ|size|·slope;
 * - the short-option minimum by shortOptionMinimum per unit short, a haircut by haircut per
 *   unit held.
 */
export function healthSlopeBound(
  state: MarketState,
  u: number,
  items: ArrayLike<number>,
  sizes: ArrayLike<number>,
): number {
  const { params } = state
  const range = state.scanRange[u]
  let equity = 0
  let charges = 0
  let linear = 0
  let options = 0
  for (let k = 0; k < items.length; k++) {
    const item = state.items[items[k]]
    if (item.underlying !== u) continue
    const size = Math.abs(sizes[k])
    equity += size
    if (item.type === 'option') {
      options += size
      charges += size * params.shortOptionMinimum
    } else {
      linear += size
      if (item.type === 'asset') charges += size * Math.abs(params.haircut[item.name] ?? 0)
    }
  }
  let scenario = 0
  for (const sc of state.scenarios) {
    const a = Math.abs(sc.spotShock * range)
    const m = 1 + sc.spotShock * range
    const slope = sc.weight * (linear * Math.min(a, 1) + options * Math.max(m, 1))
    if (slope > scenario) scenario = slope
  }
  return equity + scenario + charges
}

/**
 * Lays the account out as a one-account book over its own items only (local indexes 0..n−1 in
 * the state's canonical item order), with kernel arrays copied from `state`; a probe re-prices
 * the items on one underlying and margins the book with {@link marginRange}.
 */
function createSpotProbe(state: MarketState, entries: BookEntry[]): SpotProbe {
  const canon = canonicalizeEntries(entries, state)
  const n = canon.items.length
  const nS = state.scenarioCount
  const globalItems = Int32Array.from(canon.items)
  const arrays: KernelArrays = {
    scenarioCount: nS,
    underlyingCount: state.underlyingCount,
    itemMark: new Float64Array(n),
    itemLongCharge: new Float64Array(n),
    itemShortCharge: new Float64Array(n),
    itemUnderlying: new Int32Array(n),
    riskArray: new Float64Array(n * nS),
  }
  const copyItem = (from: MarketState, fromItem: number, to: number) => {
    arrays.itemMark[to] = from.itemMark[fromItem]
    arrays.itemLongCharge[to] = from.itemLongCharge[fromItem]
    arrays.itemShortCharge[to] = from.itemShortCharge[fromItem]
    arrays.riskArray.set(from.riskArray.subarray(fromItem * nS, fromItem * nS + nS), to * nS)
  }
  for (let k = 0; k < n; k++) {
    copyItem(state, globalItems[k], k)
    arrays.itemUnderlying[k] = state.itemUnderlying[globalItems[k]]
  }
  const book = {
    count: 1,
    starts: Int32Array.of(0),
    ends: Int32Array.of(n),
    items: Int32Array.from({ length: n }, (_, k) => k),
    sizes: Float64Array.from(canon.sizes),
    entryCost: Float64Array.of(canon.entryCost),
    underlyingMask: Int32Array.of(accountMasks(state, globalItems, 0, n).underlying),
    riskClassMask: Int32Array.of(0),
  }
  const out = createMarginOutputs(1)
  const scratch = createScratch(arrays)

  const underlyings = [...new Set(arrays.itemUnderlying)].filter((u) => u >= 0).sort((a, b) => a - b)
  // Per underlying: the account's items on it as a market of their own, and where they go.
  const subMarkets = new Map<number, { market: Market; local: number[]; ids: number[] }>()
  for (const u of underlyings) {
    const market: Market = { underlyings: [state.underlyings[u]], assets: [], instruments: [] }
    const local: number[] = []
    const ids: number[] = []
    for (let k = 0; k < n; k++) {
      if (arrays.itemUnderlying[k] !== u) continue
      const item = state.items[globalItems[k]]
      if (item.type === 'asset') market.assets.push(item.asset!)
      else market.instruments.push(item.instrument!)
      local.push(k)
      ids.push(globalItems[k])
    }
    subMarkets.set(u, { market, local, ids })
  }
  let patched = -1 // the underlying whose items the arrays hold at a trial spot, or −1

  return {
    underlyings,
    slopeBound: (u) => healthSlopeBound(state, u, globalItems, book.sizes),
    healthAt(u, s) {
      if (patched >= 0 && patched !== u) {
        const prev = subMarkets.get(patched)!
        for (let j = 0; j < prev.local.length; j++) copyItem(state, prev.ids[j], prev.local[j])
      }
      const sub = subMarkets.get(u)!
      const underlying = { ...sub.market.underlyings[0], price: s }
      const priced = buildMarketState({ ...sub.market, underlyings: [underlying] }, state.params, state.nowSeconds)
      // The sub-market orders its items as the state does (instruments by id, then assets by
      // id), so the j-th of the account's items on u is item j of `priced`.
      for (let j = 0; j < sub.local.length; j++) copyItem(priced, j, sub.local[j])
      patched = u
      marginRange(arrays, book, out, 0, 1, scratch)
      const equity = out.equity[0]
      const mm = out.maintenanceMargin[0]
      return { health: equity - mm, liquidatable: numberToWad(equity) - numberToWad(mm) < 0n }
    },
  }
}
