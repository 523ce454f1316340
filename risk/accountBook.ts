import type { MarketState } from './marketState.ts'

/**
 * Accounts as struct-of-arrays (DESIGN.md, "the kernel's shape"): account `a` holds
 * `items[starts[a] .. ends[a])` with `sizes[...]`, sorted by item index with one entry per
 * item, so every sum runs in one canonical order whatever order the positions came in.
 *
 * A book built at once ({@link createAccountBook}) is contiguous (`starts[a + 1] === ends[a]`);
 * one kept up to date ({@link AccountBookWriter}) is not: an account's entries move to the end
 * when they outgrow their slot, and the arrays carry spare capacity. Only `[0, count)` of the
 * per-account arrays and the ranges `[starts[a], ends[a])` are meaningful.
 */
export interface AccountBook {
  count: number
  /** Per account: index of its first entry in `items`/`sizes`. */
  starts: Int32Array
  /** Per account: one past its last entry (`ends[a] − starts[a]` entries). */
  ends: Int32Array
  /** Item indexes into `MarketState.items`. */
  items: Int32Array
  /** Signed sizes in whole units (balances for assets, positions for instruments). */
  sizes: Float64Array
  /** Per account: Σ over perps of size × entryPrice (USD); equity subtracts it. */
  entryCost: Float64Array
  /** Per account: bit u set when it holds something priced off underlying u (−1: all). */
  underlyingMask: Int32Array
  /** Per account: OR of {@link riskClassBit} over its items (what can make it move). */
  riskClassMask: Int32Array
}

/** One holding before canonicalisation. `entryPrice` (USD) matters for perps only. */
export interface BookEntry {
  item: number
  size: number
  entryPrice?: number
}

/** The mask bit of underlying `u` (every bit for u ≥ 31). */
export function underlyingBit(u: number): number {
  return u < 31 ? 1 << u : -1
}

/**
 * The change-tracking class of an item: bit 2u for linear items on underlying u (perps,
 * assets), bit 2u+1 for options on u (their values also move with time); 0 for fixed-price
 * assets; every bit for u ≥ 15.
 */
export function riskClassBit(state: MarketState, item: number): number {
  const u = state.itemUnderlying[item]
  if (u < 0) return 0
  if (u >= 15) return -1
  return 1 << (2 * u + (state.items[item].type === 'option' ? 1 : 0))
}

/**
 * Sorts one account's entries by (item, size, entryPrice) and merges equal items: sizes add,
 * perps' entry costs add (so a closed perp keeps its realised P&L in `entryCost`).
 */
export function canonicalizeEntries(entries: BookEntry[], state: MarketState): { items: number[]; sizes: number[]; entryCost: number } {
  const sorted = [...entries].sort((a, b) => a.item - b.item || a.size - b.size || (a.entryPrice ?? 0) - (b.entryPrice ?? 0))
  const items: number[] = []
  const sizes: number[] = []
  let entryCost = 0
  for (const e of sorted) {
    if (state.items[e.item].type === 'perp') entryCost += e.size * (e.entryPrice ?? 0)
    if (items.length > 0 && items[items.length - 1] === e.item) sizes[sizes.length - 1] += e.size
    else {
      items.push(e.item)
      sizes.push(e.size)
    }
  }
  return { items, sizes, entryCost }
}

/**
 * Builds the struct-of-arrays book for many accounts (account index = position in `accounts`).
 *
 * @example const book = createAccountBook([[{ item: 0, size: -4, entryPrice: 2950 }]], state)
 */
export function createAccountBook(accounts: BookEntry[][], state: MarketState): AccountBook {
  const canon = accounts.map((entries) => canonicalizeEntries(entries, state))
  let total = 0
  for (const c of canon) total += c.items.length
  const offsets = new Int32Array(accounts.length + 1)
  const items = new Int32Array(total)
  const sizes = new Float64Array(total)
  const entryCost = new Float64Array(accounts.length)
  let p = 0
  canon.forEach((c, a) => {
    offsets[a] = p
    for (let k = 0; k < c.items.length; k++, p++) {
      items[p] = c.items[k]
      sizes[p] = c.sizes[k]
    }
    entryCost[a] = c.entryCost
  })
  offsets[accounts.length] = p
  return fromArrays({ offsets, items, sizes, entryCost }, state)
}

/**
 * Wraps contiguous arrays the caller already holds in canonical order (account `a` at
 * `items[offsets[a] .. offsets[a+1])`, `count + 1` offsets) and computes the masks.
 */
export function fromArrays(
  arrays: Pick<AccountBook, 'items' | 'sizes' | 'entryCost'> & { offsets: Int32Array },
  state: MarketState,
): AccountBook {
  const { offsets, items, sizes, entryCost } = arrays
  const count = offsets.length - 1
  const underlyingMask = new Int32Array(count)
  const riskClassMask = new Int32Array(count)
  for (let a = 0; a < count; a++) {
    const m = accountMasks(state, items, offsets[a], offsets[a + 1])
    underlyingMask[a] = m.underlying
    riskClassMask[a] = m.riskClass
  }
  const starts = offsets.subarray(0, count)
  const ends = offsets.subarray(1)
  return { count, starts, ends, items, sizes, entryCost, underlyingMask, riskClassMask }
}

/** The {@link AccountBook.underlyingMask} and {@link AccountBook.riskClassMask} of `items[from .. to)`. */
export function accountMasks(state: MarketState, items: Int32Array, from: number, to: number): { underlying: number; riskClass: number } {
  let underlying = 0
  let riskClass = 0
  for (let p = from; p < to; p++) {
    const u = state.itemUnderlying[items[p]]
    if (u >= 0) underlying |= underlyingBit(u)
    riskClass |= riskClassBit(state, items[p])
  }
  return { underlying, riskClass }
}
