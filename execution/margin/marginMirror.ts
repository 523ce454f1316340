/**
 * The in-memory margin mirror: every account's holdings, laid out for the kernel as
 * struct-of-arrays (an `AccountBook`), and its latest margin figures. Rebuilt from the trie on
 * start (`load`); after each block's transactions the accounts they touched are re-read
 * (`refresh`) and the kernel's incremental path re-margins what changed or moved (`remargin`).
 * The trie stays the truth: the mirror is always derivable from it.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { Hex } from 'viem'
import { type Holdings, UmaStore } from '../../state/umaStore.ts'
import { type AccountBook, createAccountBook } from '../risk/accountBook.ts'
import { createMarginOutputs, type MarginOutputs, remarginAccounts } from '../risk/marginAccounts.ts'
import type { MarketState } from '../risk/marketState.ts'
import { holdingsToEntries } from './accountMargin.ts'

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
  private book?: AccountBook
  private bookState?: MarketState
  private out: MarginOutputs = createMarginOutputs(0)
  private prev: MarketState | null = null
  /** Accounts whose holdings changed since the last re-margin (by index). */
  private dirty = new Set<number>()

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
      this.holdings[i] = h
    }
    this.dirty.add(i)
  }

  /** Re-reads `accounts` from `state` (in address order, so the result never depends on call order). */
  async refresh(state: StateManagerInterface, accounts: Iterable<Hex>): Promise<void> {
    const store = new UmaStore(state)
    for (const a of [...new Set(accounts)].sort()) {
      const h = await store.holdings(a)
      if (this.index.has(a) || h.balances.length > 0 || h.positions.length > 0) await this.put(a, h)
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
   * Re-margins against `state`: accounts whose holdings changed, and those holding something on
   * an underlying that moved (the kernel's incremental path). Returns how many were recomputed.
   */
  remargin(state: MarketState): number {
    const newItems = this.bookState === undefined || !sameItems(this.bookState, state)
    if (this.book === undefined || newItems || this.dirty.size > 0) {
      // Item indexes depend on the market's instrument list, so a new list re-margins everyone.
      if (newItems) this.prev = null
      this.book = createAccountBook(this.holdings.map((h) => holdingsToEntries(h, state)), state)
      this.bookState = state
      if (this.out.equity.length !== this.accounts.length) {
        const grown = createMarginOutputs(this.accounts.length)
        for (const k of Object.keys(grown) as (keyof MarginOutputs)[]) grown[k].set(this.out[k])
        this.out = grown
      }
    }
    const dirtyFlags = new Uint8Array(this.accounts.length)
    for (const i of this.dirty) dirtyFlags[i] = 1
    const n = remarginAccounts(this.prev, state, this.book!, this.out, dirtyFlags)
    this.prev = state
    this.dirty.clear()
    return n
  }

  /** The figures of the last re-margin for `account`, or undefined if it holds nothing. */
  health(account: Hex): AccountHealth | undefined {
    const i = this.index.get(account)
    if (i === undefined || i >= this.out.equity.length) return undefined
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
    for (let i = 0; i < this.out.equity.length; i++) {
      if (this.out.equity[i] < this.out.maintenanceMargin[i]) out.push(this.healthAt(i))
    }
    return out.sort((a, b) => (a.account < b.account ? -1 : 1))
  }
}

function sameItems(a: MarketState, b: MarketState): boolean {
  if (a.items.length !== b.items.length) return false
  for (let i = 0; i < a.items.length; i++) {
    if (a.items[i].id !== b.items[i].id || a.items[i].type !== b.items[i].type) return false
  }
  return true
}
