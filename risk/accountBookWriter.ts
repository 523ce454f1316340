import { type AccountBook, accountMasks, type BookEntry, canonicalizeEntries, createAccountBook } from './accountBook.ts'
import type { MarketState } from './marketState.ts'

/** Options of {@link AccountBookWriter}. */
export interface AccountBookWriterOptions {
  /**
   * Compaction waits until at least this many entries are dead (default 1024), so a small book
   * is not rewritten for every change.
   */
  minGarbage?: number
}

/**
 * An {@link AccountBook} kept up to date one account at a time, so a block that changes a few
 * accounts costs in proportion to them, not to the book.
 *
 * Each account owns a slot in `items`/`sizes`: a rewrite that fits its slot goes in place, a
 * longer one goes at the end (the old slot becomes garbage), a new account is appended. When
 * the garbage outgrows the live entries (and `minGarbage`), {@link compactIfSparse} rewrites the
 * book contiguously in account order: a size rule, so every node compacts at the same change.
 * Where an account's entries sit never changes the figures: each account's entries are
 * {@link canonicalizeEntries}' (sorted by item, one per item), so the kernel's sums run in the
 * same order as on a fresh {@link createAccountBook} of the same holdings.
 *
 * @example
 * const writer = new AccountBookWriter(createAccountBook(accounts, state))
 * writer.setAccount(7, [{ item: 0, size: -2, entryPrice: 2950 }], state)
 * writer.setAccount(writer.book.count, [{ item: 3, size: 1000 }], state) // a new account
 * writer.compactIfSparse()
 * marginAccounts(state, writer.book, out)
 */
export class AccountBookWriter {
  private current: AccountBook
  /** Per account: entries its slot can hold (≥ its length). */
  private slots: Int32Array
  /** Entries of `items`/`sizes` in use, dead ones included (the end of the last slot). */
  private used: number
  /** Entries of live accounts. */
  private live: number
  private readonly minGarbage: number

  /** Takes over a contiguous book (one from {@link createAccountBook}); do not use it elsewhere. */
  constructor(book: AccountBook, opts: AccountBookWriterOptions = {}) {
    this.minGarbage = opts.minGarbage ?? 1024
    // A fresh book's starts and ends are views of one offsets array: give each its own.
    this.current = { ...book, starts: book.starts.slice(0, book.count), ends: book.ends.slice(0, book.count) }
    this.slots = new Int32Array(book.count)
    let used = 0
    let live = 0
    for (let a = 0; a < book.count; a++) {
      const n = book.ends[a] - book.starts[a]
      this.slots[a] = n
      live += n
      used = Math.max(used, book.ends[a])
    }
    this.used = used
    this.live = live
  }

  /** Creates a writer over a fresh book of `accounts`. */
  static create(accounts: BookEntry[][], state: MarketState, opts?: AccountBookWriterOptions): AccountBookWriter {
    return new AccountBookWriter(createAccountBook(accounts, state), opts)
  }

  /** The book as it stands (its arrays are replaced when they grow or the book is compacted). */
  get book(): AccountBook {
    return this.current
  }

  /** Entries in use, dead ones included. */
  get usedEntries(): number {
    return this.used
  }

  /** Entries of live accounts. */
  get liveEntries(): number {
    return this.live
  }

  /**
   * Replaces account `a`'s entries (`a === book.count` appends a new account). `state` must have
   * the item layout the book was built with.
   */
  setAccount(a: number, entries: BookEntry[], state: MarketState): void {
    const count = this.current.count
    if (!Number.isInteger(a) || a < 0 || a > count) {
      throw new RangeError(`account index ${a} out of range [0, ${count}]`)
    }
    const c = canonicalizeEntries(entries, state)
    const n = c.items.length
    if (a === count) this.appendAccount()
    const book = this.current
    const had = a === count ? 0 : book.ends[a] - book.starts[a]
    let start: number
    if (a < count && n <= this.slots[a]) {
      start = book.starts[a]
    } else {
      this.reserveEntries(n)
      start = this.used
      this.used += n
      this.slots[a] = n
    }
    // `reserveEntries` may have replaced the arrays.
    const b = this.current
    for (let k = 0; k < n; k++) {
      b.items[start + k] = c.items[k]
      b.sizes[start + k] = c.sizes[k]
    }
    b.starts[a] = start
    b.ends[a] = start + n
    b.entryCost[a] = c.entryCost
    const m = accountMasks(state, b.items, start, start + n)
    b.underlyingMask[a] = m.underlying
    b.riskClassMask[a] = m.riskClass
    this.live += n - had
  }

  /**
   * Rewrites the book contiguously in account order when the dead entries exceed both the live
   * ones and `minGarbage`. Returns whether it did.
   */
  compactIfSparse(): boolean {
    const garbage = this.used - this.live
    if (garbage <= this.live || garbage < this.minGarbage) return false
    this.compact()
    return true
  }

  /** Rewrites the book contiguously in account order (every slot shrinks to its length). */
  compact(): void {
    const b = this.current
    const capacity = Math.max(16, this.live + (this.live >> 1))
    const items = new Int32Array(capacity)
    const sizes = new Float64Array(capacity)
    let p = 0
    for (let a = 0; a < b.count; a++) {
      const from = b.starts[a]
      const n = b.ends[a] - from
      items.set(b.items.subarray(from, from + n), p)
      sizes.set(b.sizes.subarray(from, from + n), p)
      b.starts[a] = p
      b.ends[a] = p + n
      this.slots[a] = n
      p += n
    }
    this.current = { ...b, items, sizes }
    this.used = p
  }

  /** Makes room for `n` more entries after `used`. */
  private reserveEntries(n: number): void {
    const b = this.current
    if (this.used + n <= b.items.length) return
    const capacity = Math.max(16, this.used + n, b.items.length * 2)
    const items = new Int32Array(capacity)
    const sizes = new Float64Array(capacity)
    items.set(b.items.subarray(0, this.used))
    sizes.set(b.sizes.subarray(0, this.used))
    this.current = { ...b, items, sizes }
  }

  /** Adds an empty account at index `count`, growing the per-account arrays when full. */
  private appendAccount(): void {
    const b = this.current
    const a = b.count
    if (a >= b.starts.length || a >= this.slots.length) {
      const capacity = Math.max(16, a * 2)
      const grow = <T extends Int32Array | Float64Array>(src: T): T => {
        const dst = new (src.constructor as new (n: number) => T)(capacity)
        dst.set(src.subarray(0, a) as never)
        return dst
      }
      this.current = {
        ...b,
        starts: grow(b.starts),
        ends: grow(b.ends),
        entryCost: grow(b.entryCost),
        underlyingMask: grow(b.underlyingMask),
        riskClassMask: grow(b.riskClassMask),
      }
      this.slots = grow(this.slots)
    }
    const c = this.current
    c.starts[a] = this.used
    c.ends[a] = this.used
    c.entryCost[a] = 0
    c.underlyingMask[a] = 0
    c.riskClassMask[a] = 0
    this.slots[a] = 0
    c.count = a + 1
  }
}
