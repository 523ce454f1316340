/**
 * The in-memory margin mirror: every account's holdings, laid out for the kernel as
 * struct-of-arrays (an `AccountBook`), and its latest margin figures. Rebuilt from the trie on
 * start (`load`); after each block's transactions the accounts they touched are re-read
 * (`refresh`), rewritten in the book in place (`AccountBookWriter`: the cost follows the
 * accounts that changed, not the book), and the kernel's incremental path re-margins what
 * changed or moved (`remargin`). The book is rebuilt whole only when the market's item list
 * changes. Accrued perp funding (SPEC 6.3) enters through the cumulative funding indexes passed
 * to `remargin`: when a perp's index moves (once per funding interval), its holders — found by a
 * per-perp index, not a walk over the book — are rewritten from the holdings already mirrored,
 * never re-read from the trie. The trie stays the truth: the mirror is always derivable from it, and its figures
 * are bit for bit those of a mirror freshly built from the same holdings.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { Hex } from 'viem'
import { wadToNumber } from '../../lib/fixed.ts'
import {
  type AccountBook,
  AccountBookWriter,
  changedRiskClasses,
  createMarginOutputs,
  createScratch,
  type MarginOutputs,
  type MarketState,
  marginRange,
  remarginRange,
} from '../../risk/index.ts'
import { fromScaled, type Pool } from '../../state/system/lendingPools.ts'
import { type Holdings, UmaStore } from '../../state/system/umaStore.ts'
import { holdingsToEntries } from './accountMargin.ts'
import { type FundingIndexes, NO_FUNDING } from './funding.ts'

/** One account's figures after the last re-margin (USD, float64). */
export interface AccountHealth {
  account: Hex
  equity: number
  maintenanceMargin: number
  /** equity − MM. */
  health: number
}

export class MarginMirror {
  /** Accounts in the order the store lists them (append-only, so indexes are stable). */
  private readonly accounts: Hex[] = []
  private readonly index = new Map<Hex, number>()
  private readonly holdings: Holdings[] = []
  private writer?: AccountBookWriter
  private bookState?: MarketState
  /** Figures by account index; capacity may exceed the accounts margined. */
  private out: MarginOutputs = createMarginOutputs(0)
  /** Accounts with figures in `out` (the book's count at the last re-margin). */
  private margined = 0
  private prev: MarketState | null = null
  /** Accounts whose holdings changed since the last re-margin (by index). */
  private dirty = new Set<number>()
  /** Accounts whose pooled balances were re-priced in the book in place (re-margin, no rewrite). */
  private repriced = new Set<number>()
  /** Per-account dirty flags for the kernel (capacity as `out`; cleared after each use). */
  private dirtyFlags = new Uint8Array(0)
  private scratch: Float64Array = new Float64Array(0)
  /** Account indexes holding each perp or option, by instrument id (kept by `put`). */
  private readonly holdersById = new Map<number, Set<number>>()
  /** The funding indexes the book's entries were written with. */
  private funding: FundingIndexes = NO_FUNDING

  /** Builds the mirror from every account in `state`. */
  static async load(state: StateManagerInterface): Promise<MarginMirror> {
    const mirror = new MarginMirror()
    const store = new UmaStore(state)
    for (const a of await store.accounts()) await mirror.put(a, await store.holdings(a))
    return mirror
  }

  /** A mirror of the given holdings (benchmarks and tests; the node uses `load`). */
  static async fromHoldings(accounts: [Hex, Holdings][]): Promise<MarginMirror> {
    const mirror = new MarginMirror()
    for (const [a, h] of accounts) await mirror.put(a, h)
    return mirror
  }

  get size(): number {
    return this.accounts.length
  }

  private async put(account: Hex, h: Holdings): Promise<void> {
    let i = this.index.get(account)
    if (i === undefined) {
      i = this.accounts.length
      this.accounts.push(account)
      this.index.set(account, i)
      this.holdings.push(h)
    } else {
      for (const p of this.holdings[i].positions) this.holdersById.get(p.instrumentId)?.delete(i)
      this.holdings[i] = h
    }
    for (const p of h.positions) {
      if (p.size === 0n) continue
      const set = this.holdersById.get(p.instrumentId) ?? new Set<number>()
      this.holdersById.set(p.instrumentId, set)
      set.add(i)
    }
    this.dirty.add(i)
  }

  /** Marks dirty the holders of every perp whose cumulative funding differs from the book's. */
  private takeFunding(funding: FundingIndexes): void {
    const before = this.funding
    this.funding = funding
    if (before === funding) return
    for (const id of new Set([...before.keys(), ...funding.keys()])) {
      if ((before.get(id) ?? 0n) === (funding.get(id) ?? 0n)) continue
      for (const i of this.holdersById.get(id) ?? []) this.dirty.add(i)
    }
  }

  /** Re-reads `accounts` from `state` (in address order, so the result never depends on call order). */
  async refresh(state: StateManagerInterface, accounts: Iterable<Hex>): Promise<void> {
    const store = new UmaStore(state)
    for (const a of [...new Set(accounts)].sort()) {
      const h = await store.holdings(a)
      if (this.index.has(a) || h.balances.length > 0 || h.positions.length > 0) await this.put(a, h)
    }
  }

  /**
   * Re-prices the pooled balances of `pools`' assets from their scaled principal (interest
   * accrued): an account whose amount moved is re-margined at the next `remargin`. In memory,
   * no state read; the same amounts `UmaStore.holdings` reads.
   */
  reprice(pools: ReadonlyMap<number, Pool>): void {
    const book = this.writer?.book
    const items = this.bookState?.itemByAssetId
    for (let i = 0; i < this.holdings.length; i++) {
      // The mirror owns its holdings (read fresh from the store): amounts change in place.
      const balances = this.holdings[i].balances
      let moved = false
      for (let k = 0; k < balances.length; k++) {
        const b = balances[k]
        if (b.scaled === undefined) continue
        const pool = pools.get(b.assetId)
        if (pool === undefined) continue
        const amount = fromScaled(b.scaled, pool)
        if (amount === b.amount) continue
        b.amount = amount
        moved = true
        // The book's entry changes size in place (one entry per asset: its order stands).
        const item = items?.get(b.assetId)
        if (book === undefined || item === undefined || i >= book.count || !setSize(book, i, item, wadToNumber(amount))) this.dirty.add(i)
      }
      if (moved && !this.dirty.has(i)) this.repriced.add(i)
    }
  }

  /** The holdings the mirror has for `account`. */
  holdingsOf(account: Hex): Holdings | undefined {
    const i = this.index.get(account)
    return i === undefined ? undefined : this.holdings[i]
  }

  /** Accounts holding `instrumentId`, in address order. */
  holdersOf(instrumentId: number): Hex[] {
    const out: Hex[] = []
    this.holdings.forEach((h, i) => {
      if (h.positions.some((p) => p.instrumentId === instrumentId && p.size !== 0n)) out.push(this.accounts[i])
    })
    return out.sort()
  }

  /**
   * Re-margins against `state` and the perps' cumulative `funding`: accounts whose holdings
   * changed, holders of a perp whose funding index moved, and those holding something on an
   * underlying that moved (the kernel's incremental path). Returns how many were recomputed.
   *
   * Changed accounts are rewritten in the book one by one (in index order) and the book is
   * compacted by its size rule; a market with a different item list (indexes move) rebuilds the
   * book and re-margins everyone. When the market did not move, only the changed accounts are
   * visited.
   */
  remargin(state: MarketState, funding: FundingIndexes = NO_FUNDING): number {
    this.takeFunding(funding)
    const newItems = this.bookState === undefined || !sameItems(this.bookState, state)
    let writer = this.writer
    const dirty = [...this.dirty].sort((a, b) => a - b)
    if (writer === undefined || newItems) {
      this.prev = null
      writer = AccountBookWriter.create(
        this.holdings.map((h) => holdingsToEntries(h, state, funding)),
        state,
      )
      this.writer = writer
    } else {
      for (const i of dirty) writer.setAccount(i, holdingsToEntries(this.holdings[i], state, funding), state)
      writer.compactIfSparse()
    }
    this.bookState = state
    const book = writer.book
    this.reserveOutputs(book.count)
    const need = state.scenarioCount * state.underlyingCount
    if (this.scratch.length !== need) this.scratch = createScratch(state)
    const moved = this.prev === null ? -1 : changedRiskClasses(this.prev, state)
    const changed = this.repriced.size === 0 ? dirty : [...new Set([...dirty, ...this.repriced])].sort((a, b) => a - b)
    this.repriced.clear()
    let n = 0
    // A few changed accounts one by one; many (interest re-priced every lender) in stretches.
    if (moved === 0 && changed.length * 16 < book.count) {
      for (const i of changed) marginRange(state, book, this.out, i, i + 1, this.scratch)
      n = changed.length
    } else {
      for (const i of changed) this.dirtyFlags[i] = 1
      n = remarginRange(state, book, this.out, 0, book.count, moved, this.dirtyFlags, this.scratch)
      for (const i of changed) this.dirtyFlags[i] = 0
    }
    this.margined = book.count
    this.prev = state
    this.dirty.clear()
    return n
  }

  /** Grows the outputs and dirty flags (doubling, figures kept) to hold `count` accounts. */
  private reserveOutputs(count: number): void {
    if (this.out.equity.length >= count) return
    const capacity = Math.max(16, count, this.out.equity.length * 2)
    const grown = createMarginOutputs(capacity)
    for (const k of Object.keys(grown) as (keyof MarginOutputs)[]) grown[k].set(this.out[k])
    this.out = grown
    this.dirtyFlags = new Uint8Array(capacity)
  }

  /** The figures of the last re-margin for `account`, or undefined if it holds nothing. */
  health(account: Hex): AccountHealth | undefined {
    const i = this.index.get(account)
    if (i === undefined || i >= this.margined) return undefined
    return this.healthAt(i)
  }

  private healthAt(i: number): AccountHealth {
    const equity = this.out.equity[i]
    const mm = this.out.maintenanceMargin[i]
    return { account: this.accounts[i], equity, maintenanceMargin: mm, health: equity - mm }
  }

  /** Accounts with health < 0 after the last re-margin, in address order. */
  unhealthy(): AccountHealth[] {
    const out: AccountHealth[] = []
    for (let i = 0; i < this.margined; i++) {
      if (this.out.equity[i] < this.out.maintenanceMargin[i]) out.push(this.healthAt(i))
    }
    return out.sort((a, b) => (a.account < b.account ? -1 : 1))
  }
}

/** Sets account `a`'s entry of `item` to `size` in place; false when it has none. */
function setSize(book: AccountBook, a: number, item: number, size: number): boolean {
  for (let e = book.starts[a]; e < book.ends[a]; e++) {
    if (book.items[e] === item) {
      book.sizes[e] = size
      return true
    }
  }
  return false
}

function sameItems(a: MarketState, b: MarketState): boolean {
  if (a.items.length !== b.items.length) return false
  for (let i = 0; i < a.items.length; i++) {
    if (a.items[i].id !== b.items[i].id || a.items[i].type !== b.items[i].type) return false
    // The book's masks are computed from each item's underlying.
    if (a.itemUnderlying[i] !== b.itemUnderlying[i]) return false
  }
  return true
}
