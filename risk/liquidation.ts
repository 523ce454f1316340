import type { AccountBook, BookEntry } from './accountBook.ts'
import { accountMasks } from './accountBook.ts'
import { InvalidPortfolioError } from './errors.ts'
import { createMarginOutputs, createScratch, type MarginOutputs, marginRange } from './marginAccounts.ts'
import type { MarketState } from './marketState.ts'

/** One step of a liquidation: a trade with the insurance fund at mark, and its penalty. */
export interface LiquidationClosure {
  kind: 'position' | 'repay'
  /** Item index in MarketState.items: the position closed, or for 'repay' the collateral asset sold. */
  item: number
  /**
   * 'position': signed size removed from the account (same sign as its position; the insurance
   * fund takes it at mark). 'repay': amount of collateral asset sold (> 0).
   */
  size: number
  /** Mark per unit used (state.itemMark[item]). */
  price: number
  /** 'repay' only: the asset item whose negative balance is repaid, and the amount of it repaid (> 0). */
  debtItem?: number
  repaid?: number
  /** USD notional: |size| × spot of the item's underlying (perps, options) or |size| × mark (assets). */
  notional: number
  /** liquidationPenalty × notional, USD, paid by the account to the insurance fund in the settlement asset. */
  penalty: number
}

/** What {@link planLiquidation} decided for one account (USD figures, float64). */
export interface LiquidationPlan {
  closures: LiquidationClosure[]
  /**
   * `closures[0 .. greedyCount)` are the greedy phase; the rest, if any, a proportional slice of
   * a hedged book or the full-close fallback.
   */
  greedyCount: number
  equityBefore: number
  maintenanceBefore: number
  equityAfter: number
  maintenanceAfter: number
  /** E ≥ MM·(1+liquidationBuffer) after the closures. */
  restored: boolean
  /** Every position closed (and collateral sold to repay debt) and equity still < 0: the shortfall in USD (> 0), else 0. */
  badDebt: number
}

/** Options of {@link planLiquidation}. */
export interface PlanLiquidationOptions {
  /** Partial closures are rounded up to a multiple of this many units (default 1e-6). */
  sizeStep?: number
}

/**
 * One account being liquidated: canonical slots (sorted by item, one per item, the settlement
 * asset always present) evaluated with the kernel's inner loop ({@link marginRange}) on a
 * one-account book that shares the slot arrays. `saved*` hold the last committed copy, so a
 * trial closure is undone by copying back (exactly, no inverse arithmetic).
 */
interface Work {
  state: MarketState
  slotItems: Int32Array
  sizes: Float64Array
  /** Per slot: Σ size × entryPrice of a perp (its average entry is cost / size); 0 otherwise. */
  cost: Float64Array
  savedSizes: Float64Array
  savedCost: Float64Array
  savedEntryCost: number
  /** Slot of the settlement asset. */
  settle: number
  book: AccountBook
  out: MarginOutputs
  scratch: Float64Array
}

function createWork(state: MarketState, entries: BookEntry[], settlementItem: number): Work {
  const settlement = state.items[settlementItem]
  if (settlement === undefined || settlement.type !== 'asset') {
    throw new InvalidPortfolioError({ field: 'settlementItem', reason: 'not an asset item of the market' })
  }
  for (const [k, e] of entries.entries()) {
    if (state.items[e.item] === undefined || !Number.isFinite(e.size)) {
      throw new InvalidPortfolioError({ field: `entries[${k}]`, reason: 'unknown item or non-finite size' })
    }
  }
  // The same order and sums as canonicalizeEntries (so the first evaluation matches the block's
  // re-margin bit for bit), plus a zero settlement entry, plus per-perp entry costs.
  const sorted = [...entries, { item: settlementItem, size: 0 }].sort(
    (a, b) => a.item - b.item || a.size - b.size || (a.entryPrice ?? 0) - (b.entryPrice ?? 0),
  )
  const items: number[] = []
  const sizes: number[] = []
  const cost: number[] = []
  let entryCost = 0
  for (const e of sorted) {
    const c = state.items[e.item].type === 'perp' ? e.size * (e.entryPrice ?? 0) : 0
    entryCost += c
    if (items.length > 0 && items[items.length - 1] === e.item) {
      sizes[sizes.length - 1] += e.size
      cost[cost.length - 1] += c
    } else {
      items.push(e.item)
      sizes.push(e.size)
      cost.push(c)
    }
  }
  const slotItems = Int32Array.from(items)
  const sizeArray = Float64Array.from(sizes)
  const masks = accountMasks(state, slotItems, 0, items.length)
  const book: AccountBook = {
    count: 1,
    starts: Int32Array.of(0),
    ends: Int32Array.of(items.length),
    items: slotItems,
    sizes: sizeArray,
    entryCost: Float64Array.of(entryCost),
    underlyingMask: Int32Array.of(masks.underlying),
    riskClassMask: Int32Array.of(masks.riskClass),
  }
  return {
    state,
    slotItems,
    sizes: sizeArray,
    cost: Float64Array.from(cost),
    savedSizes: Float64Array.from(sizes),
    savedCost: Float64Array.from(cost),
    savedEntryCost: entryCost,
    settle: items.indexOf(settlementItem),
    book,
    out: createMarginOutputs(1),
    scratch: createScratch(state),
  }
}

/** Equity and MM of the working portfolio, written to `w.out`. */
function evaluate(w: Work): void {
  marginRange(w.state, w.book, w.out, 0, 1, w.scratch)
}

function commit(w: Work): void {
  w.savedSizes.set(w.sizes)
  w.savedCost.set(w.cost)
  w.savedEntryCost = w.book.entryCost[0]
}

function rollback(w: Work): void {
  w.sizes.set(w.savedSizes)
  w.cost.set(w.savedCost)
  w.book.entryCost[0] = w.savedEntryCost
}

function slotOf(w: Work, item: number): number {
  for (let k = 0; k < w.slotItems.length; k++) if (w.slotItems[k] === item) return k
  throw new InvalidPortfolioError({ field: `closures.item`, reason: `item ${item} is not held` })
}

/** A debt left within this share of what was just repaid (either sign: rounding) is repaid in full. */
const DUST = 1e-9

/** Applies one closure to the working portfolio: the trade at mark, then the penalty. */
function applyClosure(w: Work, c: LiquidationClosure): void {
  const { state, sizes } = w
  const cashMark = state.itemMark[w.slotItems[w.settle]]
  const k = slotOf(w, c.item)
  const whole = c.size === sizes[k]
  if (c.kind === 'position') {
    let cash = c.size * c.price
    if (state.items[c.item].type === 'perp') {
      // Realised P&L size × (mark − average entry) goes to cash; the rest keeps its entry.
      const removed = whole ? w.cost[k] : w.cost[k] * (c.size / sizes[k])
      w.cost[k] = whole ? 0 : w.cost[k] - removed
      w.book.entryCost[0] -= removed
      cash -= removed
    }
    sizes[k] = whole ? 0 : sizes[k] - c.size
    sizes[w.settle] += cash / cashMark
    sizes[w.settle] -= c.penalty / cashMark
    return
  }
  const d = slotOf(w, c.debtItem as number)
  const repaid = c.repaid as number
  sizes[k] = whole ? 0 : sizes[k] - c.size
  sizes[d] += repaid
  sizes[w.settle] -= c.penalty / cashMark
  if (Math.abs(sizes[d]) <= DUST * repaid) sizes[d] = 0
}

function positionClosure(w: Work, slot: number, size: number): LiquidationClosure {
  const { state } = w
  const item = w.slotItems[slot]
  const price = state.itemMark[item]
  const u = state.itemUnderlying[item]
  const notional = Math.abs(size) * (state.items[item].type === 'asset' ? price : state.spot[u])
  return { kind: 'position', item, size, price, notional, penalty: state.params.liquidationPenalty * notional }
}

/** The most collateral in `slot` that a repay of the debt in `debt` can use (penalty included when the debt is the settlement asset). */
function repayCap(w: Work, slot: number, debt: number): number {
  const { state } = w
  const mc = state.itemMark[w.slotItems[slot]]
  const md = state.itemMark[w.slotItems[debt]]
  const pen = state.params.liquidationPenalty
  const owed = -w.sizes[debt] * md
  const need = debt === w.settle ? (pen < 1 ? owed / (mc * (1 - pen)) : Infinity) : owed / mc
  return need < w.sizes[slot] ? need : w.sizes[slot]
}

function repayClosure(w: Work, slot: number, debt: number, size: number): LiquidationClosure {
  const { state } = w
  const item = w.slotItems[slot]
  const debtItem = w.slotItems[debt]
  const price = state.itemMark[item]
  const notional = size * price
  return {
    kind: 'repay',
    item,
    size,
    price,
    debtItem,
    repaid: notional / state.itemMark[debtItem],
    notional,
    penalty: state.params.liquidationPenalty * notional,
  }
}

/** A greedy candidate: close `slot` whole, or sell its collateral against the debt in `debt`. */
interface Candidate {
  slot: number
  /** −1 for a position. */
  debt: number
  /** The whole amount: signed size of the position, or collateral sold. */
  whole: number
}

function closureOf(w: Work, c: Candidate, amount: number): LiquidationClosure {
  return c.debt < 0 ? positionClosure(w, c.slot, amount) : repayClosure(w, c.slot, c.debt, amount)
}

function reached(state: MarketState, equity: number, mm: number): boolean {
  return equity >= mm * (1 + state.params.liquidationBuffer)
}

/** Tries `closure` on the committed portfolio, leaves `w.out` with the result, rolls back. */
function trial(w: Work, closure: LiquidationClosure): void {
  applyClosure(w, closure)
  evaluate(w)
  rollback(w)
}

/** The candidates of one round, in item order (positions, then repay pairs by collateral, debt). */
function candidates(w: Work): Candidate[] {
  const { state, sizes, slotItems } = w
  const out: Candidate[] = []
  for (let k = 0; k < slotItems.length; k++) {
    if (sizes[k] === 0) continue
    if (state.items[slotItems[k]].type !== 'asset') {
      out.push({ slot: k, debt: -1, whole: sizes[k] })
      continue
    }
    if (sizes[k] < 0) continue
    for (let d = 0; d < slotItems.length; d++) {
      if (d === k || !(sizes[d] < 0) || state.items[slotItems[d]].type !== 'asset') continue
      const whole = repayCap(w, k, d)
      if (whole > 0) out.push({ slot: k, debt: d, whole })
    }
  }
  return out
}

/** Smallest multiple of `step` (capped at the whole) whose closure reaches the target. */
function smallestReaching(w: Work, c: Candidate, step: number): LiquidationClosure {
  const abs = Math.abs(c.whole)
  const sign = c.whole < 0 ? -1 : 1
  // k / perUnit is the correctly rounded decimal when 1/step is an integer (1e-6 → 1e6).
  const perUnit = Math.round(1 / step)
  const exact = Math.abs(perUnit * step - 1) < 1e-12
  const stepsTotal = Math.ceil(abs / step)
  const amountAt = (k: number): number => {
    if (k >= stepsTotal) return c.whole
    const a = exact ? k / perUnit : k * step
    return a >= abs ? c.whole : sign * a
  }
  let lo = 0
  let hi = stepsTotal
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    trial(w, closureOf(w, c, amountAt(mid)))
    if (reached(w.state, w.out.equity[0], w.out.maintenanceMargin[0])) hi = mid
    else lo = mid
  }
  return closureOf(w, c, amountAt(hi))
}

/**
 * A hedged book — where closing any one leg alone raises MM, so no greedy candidate is left —
 * is cut as a slice: the same fraction of every open position, the smallest fraction on a
 * `sizeStep` grid (of the whole book) that reaches the target. Undefined when there is no
 * such fraction (even the whole book closed does not reach it) or fewer than two positions.
 */
function proportionalSlice(w: Work, step: number): LiquidationClosure[] | undefined {
  const slots: number[] = []
  for (let k = 0; k < w.slotItems.length; k++) {
    if (w.sizes[k] !== 0 && w.state.items[w.slotItems[k]].type !== 'asset') slots.push(k)
  }
  if (slots.length < 2) return undefined
  const perUnit = Math.round(1 / step)
  const grid = perUnit >= 1 ? perUnit : 1
  // Leg amounts: fraction k / grid of each position, rounded up to the step, capped at the whole.
  const sliceAt = (k: number): LiquidationClosure[] =>
    slots.map((slot) => {
      const size = w.sizes[slot]
      if (k >= grid) return positionClosure(w, slot, size)
      const a = Math.ceil((Math.abs(size) * k * perUnit) / grid - 1e-9) / perUnit
      return positionClosure(w, slot, a >= Math.abs(size) ? size : Math.sign(size) * a)
    })
  const reachesAt = (k: number): boolean => {
    for (const c of sliceAt(k)) applyClosure(w, c)
    evaluate(w)
    const ok = reached(w.state, w.out.equity[0], w.out.maintenanceMargin[0])
    rollback(w)
    return ok
  }
  if (!reachesAt(grid)) return undefined
  let lo = 0
  let hi = grid
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (reachesAt(mid)) hi = mid
    else lo = mid
  }
  return sliceAt(hi)
}

/**
 * Plans the liquidation of one account (SPEC section 6): the fewest closures against the
 * insurance fund, greedy by margin released per penalty paid, that bring
 * E ≥ MM·(1 + liquidationBuffer), each charging liquidationPenalty × notional.
 *
 * Each round tries every candidate on a copy: every open position closed whole, and every repay
 * pair (a positive collateral asset sold at mark against another asset's negative balance, as
 * much as repays it — for a settlement-asset debt, the penalty included — or all the collateral).
 * Candidates that do not strictly lower MM are skipped; the best score (MM released / penalty,
 * a zero penalty scoring best, ties to the lower item index) is taken. If taking it whole reaches
 * the target, only the smallest multiple of `sizeStep` that does is taken (bisection over steps,
 * capped at the whole) and planning stops; else it is taken whole and the next round starts.
 *
 * Hedged books: when no candidate lowers MM and the target is not met, the same fraction of
 * every open position is closed — the smallest that reaches the target ({@link proportionalSlice}).
 *
 * Fallback: when not even that reaches the target, every remaining position is closed whole, then every remaining non-settlement asset balance is traded into the settlement
 * asset at mark (positive balances sold, borrowings bought back), as 'position' closures on the
 * asset items, penalties charged; the account then holds only the settlement asset, and if its
 * equity is negative that is `badDebt`. An account with E ≥ MM gets no closures.
 *
 * Closures model trades at mark: equity changes only by the penalties (deducted from the
 * settlement asset, which may go negative). Deterministic: entries are canonicalised first, and
 * E and MM come from the block re-margin's inner loop, so the plan starts from the same figures.
 *
 * @example
 * const plan = planLiquidation(state, entries, state.itemByAssetId.get(1)!)
 * const after = applyLiquidationPlan(state, entries, plan, state.itemByAssetId.get(1)!)
 */
export function planLiquidation(
  state: MarketState,
  entries: BookEntry[],
  settlementItem: number,
  opts: PlanLiquidationOptions = {},
): LiquidationPlan {
  const step = opts.sizeStep ?? 1e-6
  if (!(step > 0) || !Number.isFinite(step)) {
    throw new InvalidPortfolioError({ field: 'sizeStep', reason: 'must be a finite number > 0' })
  }
  const w = createWork(state, entries, settlementItem)
  evaluate(w)
  const equityBefore = w.out.equity[0]
  const maintenanceBefore = w.out.maintenanceMargin[0]
  const closures: LiquidationClosure[] = []
  const finish = (greedyCount: number, badDebt: number): LiquidationPlan => {
    const equityAfter = w.out.equity[0]
    const maintenanceAfter = w.out.maintenanceMargin[0]
    return {
      closures,
      greedyCount,
      equityBefore,
      maintenanceBefore,
      equityAfter,
      maintenanceAfter,
      restored: reached(state, equityAfter, maintenanceAfter),
      badDebt,
    }
  }
  if (equityBefore >= maintenanceBefore) return finish(0, 0)

  let mm = maintenanceBefore
  // Each round empties a position, a collateral balance or a debt; the bound only guards
  // against a debt the penalties keep re-creating.
  const maxRounds = 4 * w.slotItems.length + 4
  for (let round = 0; round < maxRounds; round++) {
    let best: Candidate | undefined
    let bestClosure: LiquidationClosure | undefined
    let bestScore = -1
    let bestReaches = false
    for (const c of candidates(w)) {
      const closure = closureOf(w, c, c.whole)
      trial(w, closure)
      const released = mm - w.out.maintenanceMargin[0]
      if (!(released > 0)) continue
      const score = closure.penalty > 0 ? released / closure.penalty : Infinity
      if (score > bestScore) {
        best = c
        bestClosure = closure
        bestScore = score
        bestReaches = reached(state, w.out.equity[0], w.out.maintenanceMargin[0])
      }
    }
    if (best === undefined || bestClosure === undefined) break
    const closure = bestReaches ? smallestReaching(w, best, step) : bestClosure
    applyClosure(w, closure)
    commit(w)
    closures.push(closure)
    evaluate(w)
    mm = w.out.maintenanceMargin[0]
    if (bestReaches) return finish(closures.length, 0)
  }

  const greedyCount = closures.length
  const slice = proportionalSlice(w, step)
  if (slice !== undefined) {
    for (const c of slice) {
      applyClosure(w, c)
      closures.push(c)
    }
    commit(w)
    evaluate(w)
    return finish(greedyCount, 0)
  }
  const closeAll = (assets: boolean) => {
    for (let k = 0; k < w.slotItems.length; k++) {
      const isAsset = state.items[w.slotItems[k]].type === 'asset'
      if (isAsset !== assets || k === w.settle || w.sizes[k] === 0) continue
      const closure = positionClosure(w, k, w.sizes[k])
      applyClosure(w, closure)
      closures.push(closure)
    }
  }
  closeAll(false)
  closeAll(true)
  commit(w)
  evaluate(w)
  const equity = w.out.equity[0]
  return finish(greedyCount, equity < 0 ? -equity : 0)
}

/**
 * The account's entries after `plan` (one canonical entry per item, zero sizes dropped; perps
 * keep their average entry price): what the node's trades with the insurance fund leave, for
 * tests and benchmarks.
 *
 * @example const after = applyLiquidationPlan(state, entries, plan, usdcItem)
 */
export function applyLiquidationPlan(state: MarketState, entries: BookEntry[], plan: LiquidationPlan, settlementItem: number): BookEntry[] {
  const w = createWork(state, entries, settlementItem)
  for (const c of plan.closures) applyClosure(w, c)
  const out: BookEntry[] = []
  for (let k = 0; k < w.slotItems.length; k++) {
    const item = w.slotItems[k]
    const size = w.sizes[k]
    if (size === 0) continue
    if (state.items[item].type === 'perp') out.push({ item, size, entryPrice: w.cost[k] / size })
    else out.push({ item, size })
  }
  return out
}
