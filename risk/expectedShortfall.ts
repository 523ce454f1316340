import { SECONDS_PER_YEAR } from './blackScholes.ts'
import { InvalidMarketError } from './errors.ts'
import type { MarketState } from './marketState.ts'
import { expDet, normInv } from './mathDet.ts'
import { createRandom } from './random.ts'
import { itemValue } from './riskArray.ts'

/** Seed of the ES generator: a constant, so every node draws the same paths. */
export const ES_SEED = 0x756d6172

/** Joint one-horizon spot paths: `spots[p·U + u]`. */
export interface EsPaths {
  count: number
  spots: Float64Array
}

interface EsCache {
  paths: EsPaths
  itemPnl: Map<number, Float64Array>
  /** Per item: max over paths of |P&L of one unit|. */
  itemMaxAbs: Map<number, number>
}
const caches = new WeakMap<MarketState, EsCache>()

/** Correlation of underlyings `a` and `b` from `es.correlation` (`"ETH-BTC"` either order). */
function correlation(state: MarketState, a: number, b: number): number {
  if (a === b) return 1
  const x = state.underlyings[a].symbol
  const y = state.underlyings[b].symbol
  const c = state.params.es.correlation
  return c[`${x}-${y}`] ?? c[`${y}-${x}`] ?? 0
}

/** Lower Cholesky factor (row-major n×n) of the correlation matrix; throws when not positive definite. */
export function choleskyOfCorrelation(state: MarketState): Float64Array {
  const n = state.underlyings.length
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = correlation(state, i, j)
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k]
      if (i === j) {
        if (!(sum > 0)) {
          throw new InvalidMarketError({ field: 'params.es.correlation', reason: 'not positive definite' })
        }
        l[i * n + i] = Math.sqrt(sum)
      } else l[i * n + j] = sum / l[j * n + j]
    }
  }
  return l
}

/**
 * Draws `es.paths` joint lognormal one-horizon moves: per underlying a Latin-hypercube sample of
 * N(0,1) (a seeded permutation of the strata, a seeded point in each), mixed by the Cholesky
 * factor, then S' = S·exp(σ√h·x − σ²h/2) (no drift), h = horizonSeconds / 31,536,000.
 */
export function buildEsPaths(state: MarketState): EsPaths {
  const n = state.params.es.paths
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidMarketError({ field: 'params.es.paths', reason: 'a positive integer' })
  }
  const nU = state.underlyings.length
  const l = choleskyOfCorrelation(state)
  const rng = createRandom(ES_SEED)
  const z = new Float64Array(n * nU)
  const perm = new Int32Array(n)
  for (let u = 0; u < nU; u++) {
    for (let i = 0; i < n; i++) perm[i] = i
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.nextUnit() * (i + 1))
      const t = perm[i]
      perm[i] = perm[j]
      perm[j] = t
    }
    for (let i = 0; i < n; i++) z[i * nU + u] = normInv((perm[i] + rng.nextUnit()) / n)
  }
  const h = state.params.es.horizonSeconds / SECONDS_PER_YEAR
  const spots = new Float64Array(n * nU)
  for (let p = 0; p < n; p++) {
    for (let u = 0; u < nU; u++) {
      let x = 0
      for (let k = 0; k <= u; k++) x += l[u * nU + k] * z[p * nU + k]
      const sd = state.vol[u] * Math.sqrt(h)
      spots[p * nU + u] = state.spot[u] * expDet(sd * x - 0.5 * sd * sd)
    }
  }
  return { count: n, spots }
}

function cacheOf(state: MarketState): EsCache {
  let c = caches.get(state)
  if (!c) {
    c = { paths: buildEsPaths(state), itemPnl: new Map(), itemMaxAbs: new Map() }
    caches.set(state, c)
  }
  return c
}

/**
 * P&L of one unit of item `i` on every path, by full revaluation at t + horizon with vols
 * unchanged (cached per market state, like a risk array over the ES paths).
 */
export function itemPathPnl(state: MarketState, i: number): Float64Array {
  const cache = cacheOf(state)
  let pnl = cache.itemPnl.get(i)
  if (pnl) return pnl
  const { count, spots } = cache.paths
  const nU = state.underlyings.length
  const item = state.items[i]
  const u = item.underlying
  pnl = new Float64Array(count)
  if (u >= 0) {
    const later = state.nowSeconds + state.params.es.horizonSeconds
    const mark = state.itemMark[i]
    for (let p = 0; p < count; p++) {
      pnl[p] = itemValue(item, spots[p * nU + u], state.vol[u], later, state.params.riskRate) - mark
    }
  }
  cache.itemPnl.set(i, pnl)
  return pnl
}

/**
 * Expected shortfall of a canonical holding (items sorted, one entry each): the mean of the
 * worst ⌊(1 − confidence)·paths⌋ (at least 1) portfolio losses over the ES paths, floored at 0.
 * Losses are summed item by item in the given (canonical) order, then sorted, so the figure is
 * bit-identical whatever order the positions arrived in.
 */
export function expectedShortfall(state: MarketState, items: ArrayLike<number>, sizes: ArrayLike<number>): number {
  const { confidence } = state.params.es
  if (!(confidence > 0 && confidence < 1)) {
    throw new InvalidMarketError({ field: 'params.es.confidence', reason: 'in (0, 1)' })
  }
  const n = cacheOf(state).paths.count
  const losses = new Float64Array(n)
  for (let k = 0; k < items.length; k++) {
    if (state.itemUnderlying[items[k]] < 0 || sizes[k] === 0) continue
    const pnl = itemPathPnl(state, items[k])
    const size = sizes[k]
    for (let p = 0; p < n; p++) losses[p] -= size * pnl[p]
  }
  losses.sort()
  const tail = Math.max(1, Math.floor((1 - confidence) * n + 1e-9))
  let sum = 0
  for (let p = n - tail; p < n; p++) sum += losses[p]
  return Math.max(0, sum / tail)
}

/**
 * An upper bound of {@link expectedShortfall} of the same holding, without its sort: no loss on
 * any path exceeds Σ |size| × max_p |P&L per unit|, so neither does the mean of the worst ones.
 * The factor 1 + 1e-12 covers the rounding of the float sums the exact figure makes (under
 * 2.3e-13 relative for up to 1,000 entries), so the bound holds for the computed figure too.
 */
export function expectedShortfallBound(state: MarketState, items: ArrayLike<number>, sizes: ArrayLike<number>): number {
  const cache = cacheOf(state)
  let bound = 0
  for (let k = 0; k < items.length; k++) {
    const i = items[k]
    if (state.itemUnderlying[i] < 0 || sizes[k] === 0) continue
    let max = cache.itemMaxAbs.get(i)
    if (max === undefined) {
      max = 0
      for (const x of itemPathPnl(state, i)) max = Math.max(max, Math.abs(x))
      cache.itemMaxAbs.set(i, max)
    }
    bound += Math.abs(sizes[k]) * max
  }
  return bound * (1 + 1e-12)
}
