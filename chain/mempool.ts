/**
 * Transactions waiting for a block, kept fair under load the way geth's legacypool keeps them
 * (core/txpool/legacypool): per sender, `pending` (consecutive nonces from the sender's nonce at
 * the head: executable now) and `queued` (behind a nonce gap). Bounded in all and per sender;
 * when full, a transaction that pays more makes room by evicting a cheaper one (queued first,
 * then senders above their guaranteed slots, then anyone: `executableVictim`), always from the
 * end of a sender's nonces so no sender is left with a gap it did not have;
 * queued transactions expire; feeders' price updates are never refused and go first in a block.
 *
 * The pool checks a transaction against its sender's other pooled ones (nonce order, cost,
 * counts); the node checks it against the chain (`Node.sendRawTransaction`). Nothing here is
 * consensus: the order it hands to a block is the sequencer's choice, deterministic given the
 * pool's contents (senders in address order, never map insertion order).
 */
import { IndexedHeap } from '../lib/indexedHeap.ts'
import type { Hex } from '../state/types.ts'
import {
  AccountLimitExceededError,
  AlreadyKnownError,
  InsufficientFundsError,
  NonceTooLowError,
  ReplacementUnderpricedError,
  TxPoolFullError,
  TxUnderpricedError,
} from './errors.ts'
import type { PoolTx } from './poolTx.ts'
import { SenderTxs } from './senderTxs.ts'
import { comparePrice, effectiveTip } from './txPrice.ts'

export { type PoolTx, toPoolTx } from './poolTx.ts'

/** The pool's bounds (geth's `--txpool.*` options; defaults from its DefaultConfig). */
export interface MempoolLimits {
  /**
   * Transactions in the pool, executable and queued together (geth's GlobalSlots, 4096 + 1024;
   * geth keeps its GlobalQueue beside it, here it is a part of it).
   */
  totalSlots: number
  /** Queued transactions in the pool, a part of `totalSlots` (geth's GlobalQueue). */
  totalQueue: number
  /**
   * Executable transactions a sender is sure to keep when the pool is full (geth's AccountSlots):
   * a sender below it makes room by evicting from the biggest sender above it, at any price. A
   * sender may hold more while the pool has room.
   */
  accountSlots: number
  /** Queued transactions one sender may have (geth's AccountQueue). */
  accountQueue: number
  /** How long a sender's queued transactions stay without the sender making progress, ms (geth's Lifetime). */
  lifetimeMs: number
  /** Minimum fee bump for a replacement, percent (geth's PriceBump). */
  priceBumpPercent: bigint
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  totalSlots: 5120,
  totalQueue: 1024,
  accountSlots: 16,
  accountQueue: 64,
  lifetimeMs: 3 * 60 * 60 * 1000,
  priceBumpPercent: 10n,
}

/** What `add` did besides adding. */
export interface AddResult {
  /** The transaction with the same sender and nonce it replaced. */
  replaced?: PoolTx
  /** Transactions evicted to make room. */
  evicted: PoolTx[]
}

/** How `executable` picks. */
export interface SelectOptions {
  /**
   * Transactions that go before all others (feeders' price updates), with the transactions of
   * their sender before them in nonce order.
   */
  isPriority?: (ptx: PoolTx) => boolean
  /** Senders to take nothing more from (the caller adds to it while it iterates). */
  blocked?: ReadonlySet<Hex>
}

/** One sender's transactions by kind, in nonce order (the shape of geth's `txpool_content`). */
export interface PoolContent {
  pending: Map<Hex, PoolTx[]>
  queued: Map<Hex, PoolTx[]>
}

export class Mempool {
  readonly limits: MempoolLimits
  private readonly bySender = new Map<Hex, SenderTxs>()
  private readonly byHash = new Map<Hex, PoolTx>()
  private pendingTotal = 0
  private queuedTotal = 0
  private readonly now: () => number
  /** The base fee eviction compares at (the next block's), and the one the heaps are ordered at. */
  private baseFee = 0n
  private heapBaseFee = 0n
  private epoch = 0
  /**
   * Eviction candidates, one entry per sender (its last transaction is the one to go; a sender
   * whose last one is a priority transaction is in none), keyed by the sender's cheapest
   * transaction: a transaction is worth no more than the cheapest one it waits behind. Kept
   * lazily: changed senders are re-indexed only when the pool is full and must choose.
   */
  private readonly queuedHeap = new IndexedHeap<SenderTxs>((a, b) => this.cheaper(a, b))
  private readonly pendingHeap = new IndexedHeap<SenderTxs>((a, b) => this.cheaper(a, b))
  /** The same for senders above `accountSlots`: outbid, they make way before smaller senders. */
  private readonly bigHeap = new IndexedHeap<SenderTxs>((a, b) => this.cheaper(a, b))
  /** Biggest sender first: where a sender below `accountSlots` takes its room from. */
  private readonly sizeHeap = new IndexedHeap<SenderTxs>(
    (a, b) => a.evictSize > b.evictSize || (a.evictSize === b.evictSize && a.address < b.address),
  )
  private readonly dirty = new Set<SenderTxs>()
  private reindexAll = false

  constructor(limits: Partial<MempoolLimits> = {}, opts: { now?: () => number } = {}) {
    const given = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined))
    this.limits = { ...DEFAULT_MEMPOOL_LIMITS, ...given }
    this.now = opts.now ?? Date.now
  }

  /** Transactions in the pool. */
  get size(): number {
    return this.byHash.size
  }

  /** Executable and queued transactions in the pool (geth's `txpool_status`). */
  stats(): { pending: number; queued: number } {
    return { pending: this.pendingTotal, queued: this.queuedTotal }
  }

  get(hash: Hex): PoolTx | undefined {
    return this.byHash.get(hash.toLowerCase() as Hex)
  }

  /** Senders with waiting transactions, in address order (deterministic). */
  senders(): Hex[] {
    return [...this.bySender.keys()].sort()
  }

  /** Every sender's pending and queued transactions, senders in address order (for `txpool_content`). */
  content(): PoolContent {
    const out: PoolContent = { pending: new Map(), queued: new Map() }
    for (const sender of this.senders()) {
      const s = this.bySender.get(sender)!
      if (s.pending > 0) out.pending.set(sender, s.txs.slice(0, s.pending))
      if (s.queued > 0) out.queued.set(sender, s.txs.slice(s.pending))
    }
    return out
  }

  /**
   * The nonce the sender's next transaction would take: the end of the run of pooled nonces
   * from `stateNonce`.
   */
  nextNonce(sender: Hex, stateNonce: bigint): bigint {
    return this.bySender.get(sender)?.runEnd(stateNonce) ?? stateNonce
  }

  /** Sets the base fee of the next block, wei per gas: what eviction compares prices at. */
  setBaseFee(baseFee: bigint): void {
    if (baseFee === this.baseFee) return
    this.baseFee = baseFee
    this.reindexAll = true
  }

  /**
   * Adds a transaction whose sender has `account` (nonce and balance, wei) at the head state,
   * replacing the one with its nonce if it pays `priceBumpPercent` more, evicting one to make
   * room when the pool is full.
   *
   * @throws AlreadyKnownError, NonceTooLowError, InsufficientFundsError (its cost and those of the
   *   sender's pooled transactions with lower nonces exceed the balance), ReplacementUnderpricedError,
   *   AccountLimitExceededError (`accountQueue` queued already), TxUnderpricedError or
   *   TxPoolFullError (full, and nothing it outbids may make way).
   */
  add(ptx: PoolTx, account: { nonce: bigint; balance: bigint }): AddResult {
    if (this.byHash.has(ptx.hash)) throw new AlreadyKnownError(ptx.hash)
    const now = this.now()
    this.reconcile(ptx.sender, account.nonce)
    if (ptx.nonce < account.nonce) throw new NonceTooLowError(ptx.sender, account.nonce, ptx.nonce)
    let s = this.bySender.get(ptx.sender)
    const spent = (s?.costBefore(ptx.nonce) ?? 0n) + ptx.cost
    if (account.balance < spent) throw new InsufficientFundsError(ptx.sender, account.balance, spent)
    const existing = s?.get(ptx.nonce)
    if (s !== undefined && existing !== undefined) {
      const bump = 100n + this.limits.priceBumpPercent
      if (ptx.maxFee * 100n < existing.maxFee * bump || ptx.maxTip * 100n < existing.maxTip * bump) {
        throw new ReplacementUnderpricedError()
      }
      const sender = s
      this.change(sender, () => sender.insert(ptx))
      this.byHash.delete(existing.hash)
      this.byHash.set(ptx.hash, ptx)
      return { replaced: existing, evicted: [] }
    }
    const pending = s?.pending ?? 0
    const executable = ptx.nonce === account.nonce + BigInt(pending)
    const evicted: PoolTx[] = []
    if (!executable && (s?.queued ?? 0) >= this.limits.accountQueue) {
      throw new AccountLimitExceededError(ptx.sender, this.limits.accountQueue, account.nonce + BigInt(pending))
    }
    if (this.size >= this.limits.totalSlots || (!executable && this.queuedTotal >= this.limits.totalQueue)) {
      this.reindex()
      const victim = executable ? this.executableVictim(s, ptx) : this.queuedVictim(s, ptx)
      // None only for a price update when all the pool holds is unevictable (other price
      // updates and what waits before them): it goes in over the bound.
      if (victim !== undefined) evicted.push(this.evictLast(victim))
      s = this.bySender.get(ptx.sender)
    }
    if (s === undefined) {
      s = new SenderTxs(ptx.sender, account.nonce, now)
      this.bySender.set(ptx.sender, s)
    }
    const sender = s
    const queuedBefore = sender.queued
    this.change(sender, () => sender.insert(ptx))
    // Progress (geth's heartbeat): the run grew, or a first transaction is queued.
    if (executable || queuedBefore === 0) sender.beatMs = now
    this.byHash.set(ptx.hash, ptx)
    return { evicted }
  }

  /**
   * Tells the pool the sender's nonce at the head state: drops its transactions below it and
   * re-measures its executable run. Returns the dropped ones.
   */
  reconcile(sender: Hex, stateNonce: bigint): PoolTx[] {
    const s = this.bySender.get(sender)
    if (s === undefined || s.stateNonce === stateNonce) return []
    const removed = this.change(s, () => s.advanceTo(stateNonce, this.now()))
    for (const p of removed) this.byHash.delete(p.hash)
    return removed
  }

  /**
   * Takes out the transactions a block mined: each moves its sender's nonce past it, which
   * drops it and anything below it.
   */
  removeMined(hashes: Iterable<Hex>): void {
    const next = new Map<Hex, bigint>()
    for (const hash of hashes) {
      const p = this.byHash.get(hash)
      if (p !== undefined && p.nonce + 1n > (next.get(p.sender) ?? 0n)) next.set(p.sender, p.nonce + 1n)
    }
    for (const [sender, nonce] of next) {
      const s = this.bySender.get(sender)
      if (s !== undefined && nonce > s.stateNonce) this.reconcile(sender, nonce)
    }
  }

  /** Drops `ptx` and every later nonce of its sender (they can no longer execute in order). */
  dropFrom(ptx: PoolTx): PoolTx[] {
    const s = this.bySender.get(ptx.sender)
    if (s === undefined) return []
    const removed = this.change(s, () => s.truncate(s.indexOf(ptx.nonce)))
    for (const p of removed) this.byHash.delete(p.hash)
    return removed
  }

  /**
   * Drops the queued transactions of senders that made no progress for `lifetimeMs` (geth's
   * eviction of stale queues). Returns the dropped ones.
   */
  expire(): PoolTx[] {
    const cutoff = this.now() - this.limits.lifetimeMs
    const removed: PoolTx[] = []
    for (const s of [...this.bySender.values()]) {
      if (s.queued === 0 || s.beatMs >= cutoff) continue
      for (const p of this.change(s, () => s.truncate(s.pending))) {
        this.byHash.delete(p.hash)
        removed.push(p)
      }
    }
    return removed
  }

  /**
   * The transactions a block can take, in the order to try them: first every priority
   * transaction, with its sender's lower nonces before it; then each sender's executable run
   * merged best effective tip first, nonce order within a sender, ties to the lower address. A
   * sender's run stops at a transaction whose fee cap is below `baseFee`, and at a sender
   * `opts.blocked` names. The runs are taken when it is called (not at the first `next`), so
   * the producer can choose before it stamps the block; later changes to the pool do not show.
   */
  executable(baseFee: bigint, opts: SelectOptions = {}): Generator<PoolTx> {
    const runs: PoolTx[][] = []
    for (const sender of this.senders()) {
      const s = this.bySender.get(sender)!
      if (s.pending > 0) runs.push(s.txs.slice(0, s.pending))
    }
    return this.inBlockOrder(runs, baseFee, opts)
  }

  private *inBlockOrder(runs: PoolTx[][], baseFee: bigint, opts: SelectOptions): Generator<PoolTx> {
    const pos = runs.map(() => 0)
    const open = (p: PoolTx) => p.maxFee >= baseFee && opts.blocked?.has(p.sender) !== true
    if (opts.isPriority !== undefined) {
      for (let r = 0; r < runs.length; r++) {
        // Up to the sender's last price update that can go (none it cannot pay for stands before it).
        let last = -1
        for (let i = 0; i < runs[r].length && open(runs[r][i]); i++) if (opts.isPriority(runs[r][i])) last = i
        while (pos[r] <= last && open(runs[r][pos[r]])) yield runs[r][pos[r]++]
      }
    }
    const heap = new IndexedHeap<{ r: number; tip: bigint }>((a, b) => a.tip > b.tip || (a.tip === b.tip && a.r < b.r))
    for (let r = 0; r < runs.length; r++) {
      const p = runs[r][pos[r]]
      if (p !== undefined && open(p)) heap.update({ r, tip: effectiveTip(p, baseFee) })
    }
    for (let head = heap.peek(); head !== undefined; head = heap.peek()) {
      yield runs[head.r][pos[head.r]++]
      const next = runs[head.r][pos[head.r]]
      if (next !== undefined && open(next)) {
        head.tip = effectiveTip(next, baseFee)
        heap.update(head)
      } else {
        heap.delete(head)
      }
    }
  }

  // ------------------------------------------------------------------ eviction

  /** Whether sender `a` is a cheaper eviction candidate than `b` (ties: bigger, then lower address). */
  private cheaper(a: SenderTxs, b: SenderTxs): boolean {
    const c = comparePrice(a.evictKey!, b.evictKey!, this.heapBaseFee)
    if (c !== 0) return c < 0
    if (a.evictSize !== b.evictSize) return a.evictSize > b.evictSize
    return a.address < b.address
  }

  private outbids(ptx: PoolTx, s: SenderTxs): boolean {
    return comparePrice(s.evictKey!, ptx, this.heapBaseFee) < 0
  }

  /** Brings the eviction heaps up to date with the senders changed since they were last used. */
  private reindex(): void {
    if (this.reindexAll) {
      this.reindexAll = false
      this.heapBaseFee = this.baseFee
      this.epoch++
      this.queuedHeap.clear()
      this.pendingHeap.clear()
      this.bigHeap.clear()
      this.sizeHeap.clear()
      for (const s of this.bySender.values()) this.dirty.add(s)
    }
    for (const s of this.dirty) {
      const last = s.tail
      if (this.bySender.get(s.address) !== s || last === undefined || last.priority) {
        this.queuedHeap.delete(s)
        this.pendingHeap.delete(s)
        this.bigHeap.delete(s)
        this.sizeHeap.delete(s)
        continue
      }
      s.evictKey = s.cheapest(this.heapBaseFee, this.epoch)
      s.evictSize = s.txs.length
      if (s.queued > 0) {
        this.pendingHeap.delete(s)
        this.bigHeap.delete(s)
        this.queuedHeap.update(s)
      } else {
        this.queuedHeap.delete(s)
        this.pendingHeap.update(s)
        if (s.evictSize > this.limits.accountSlots) this.bigHeap.update(s)
        else this.bigHeap.delete(s)
      }
      this.sizeHeap.update(s)
    }
    this.dirty.clear()
  }

  /**
   * Whose last transaction makes way for `ptx`, which waits behind a nonce gap: only a queued one
   * (a transaction that cannot run yet never pushes out one that can), that `ptx` outbids.
   */
  private queuedVictim(s: SenderTxs | undefined, ptx: PoolTx): SenderTxs | undefined {
    const q = this.queuedHeap.best(this.ownEarlier(s, ptx))
    if (ptx.priority || (q !== undefined && this.outbids(ptx, q))) return q
    if (q === undefined) {
      throw new TxPoolFullError(
        `${this.size} transactions (${this.queuedTotal} queued), none of them queued behind a nonce gap that could make way for one that is`,
      )
    }
    throw new TxUnderpricedError(this.underpricedDetails(ptx, q))
  }

  /**
   * Whose last transaction makes way for the executable `ptx`, the least harmful first:
   * 1. the cheapest queued one it outbids;
   * 2. the cheapest executable one it outbids of a sender above `accountSlots`;
   * 3. for a sender below `accountSlots` (or a priority transaction): any queued one, else the
   *    last of the biggest sender above `accountSlots`, at any price (geth's fairness);
   * 4. the cheapest executable one it outbids, of any sender;
   * 5. for a priority transaction: the cheapest of all (none when nothing may go).
   * So a big sender's flood, once outbid, makes way before a small sender's transaction, and a
   * price update takes a queued slot before anyone's executable one.
   */
  private executableVictim(s: SenderTxs | undefined, ptx: PoolTx): SenderTxs | undefined {
    const skip = this.ownEarlier(s, ptx)
    const q = this.queuedHeap.best(skip)
    if (q !== undefined && this.outbids(ptx, q)) return q
    const cheapBig = this.bigHeap.best(skip)
    if (cheapBig !== undefined && this.outbids(ptx, cheapBig)) return cheapBig
    if (ptx.priority || (s?.pending ?? 0) < this.limits.accountSlots) {
      if (q !== undefined) return q
      const big = this.sizeHeap.best(skip)
      if (big !== undefined && big.evictSize > this.limits.accountSlots) return big
    }
    const p = this.pendingHeap.best(skip)
    if (p !== undefined && this.outbids(ptx, p)) return p
    const any = p ?? this.sizeHeap.best(skip)
    if (ptx.priority) return any
    if (any === undefined) throw new TxPoolFullError(`${this.size} transactions, none of which may make way`)
    throw new TxUnderpricedError(this.underpricedDetails(ptx, any))
  }

  /** The adding sender, when its last transaction comes before `ptx` (it must stay: no gap). */
  private ownEarlier(s: SenderTxs | undefined, ptx: PoolTx): SenderTxs | undefined {
    const last = s?.tail
    return last !== undefined && last.nonce < ptx.nonce ? s : undefined
  }

  private underpricedDetails(ptx: PoolTx, cheapest: SenderTxs): string {
    const c = cheapest.evictKey!
    return (
      `the pool holds ${this.size} transactions; this one (maxFeePerGas ${ptx.maxFee}, maxPriorityFeePerGas ${ptx.maxTip}) ` +
      `pays no more than the cheapest that could make way (maxFeePerGas ${c.maxFee}, maxPriorityFeePerGas ${c.maxTip}) ` +
      `at base fee ${this.heapBaseFee}`
    )
  }

  /** Evicts the last transaction of `s`. */
  private evictLast(s: SenderTxs): PoolTx {
    const [victim] = this.change(s, () => s.truncate(s.txs.length - 1))
    this.byHash.delete(victim.hash)
    return victim
  }

  /** Runs a change to one sender, keeping the totals, the eviction index and the sender map right. */
  private change<T>(s: SenderTxs, fn: () => T): T {
    this.pendingTotal -= s.pending
    this.queuedTotal -= s.queued
    const out = fn()
    this.pendingTotal += s.pending
    this.queuedTotal += s.queued
    this.dirty.add(s)
    if (s.txs.length === 0) this.bySender.delete(s.address)
    return out
  }
}
