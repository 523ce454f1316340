/**
 * One sender's pooled transactions, in nonce order, split in two by the sender's nonce at the
 * head state: `pending`, the run of consecutive nonces from it (executable now, in this order),
 * and queued, everything after the first gap (waiting for the missing nonces).
 */
import type { PoolTx } from './poolTx.ts'
import { comparePrice } from './txPrice.ts'
import type { Hex } from './types.ts'

export class SenderTxs {
  /** Strictly increasing nonces, all ≥ `stateNonce`. */
  readonly txs: PoolTx[] = []
  /** The sender's nonce at the head state, as the pool last learnt it. */
  stateNonce: bigint
  /** How many of `txs`, from the first, are the executable run (nonces stateNonce, +1, …). */
  pending = 0
  /** Σ cost of `txs`, wei. */
  totalCost = 0n
  /**
   * Wall-clock ms of the sender's last progress (a queued transaction first arriving, the run
   * growing or being mined): queued transactions expire this long after it, as geth's heartbeat.
   */
  beatMs: number
  /** The pool's eviction keys for this sender (its cheapest transaction, its size), as of the pool's last re-index. */
  evictKey?: PoolTx
  evictSize = 0
  private cheapestTx?: PoolTx
  private cheapestEpoch = -1
  private cheapestBaseFee = 0n

  constructor(readonly address: Hex, stateNonce: bigint, nowMs: number) {
    this.stateNonce = stateNonce
    this.beatMs = nowMs
  }

  get queued(): number {
    return this.txs.length - this.pending
  }

  /** The highest-nonce transaction: the only one eviction may take without leaving a gap. */
  get tail(): PoolTx | undefined {
    return this.txs[this.txs.length - 1]
  }

  /** The index of the first transaction with a nonce ≥ `nonce` (binary search). */
  indexOf(nonce: bigint): number {
    let lo = 0
    let hi = this.txs.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.txs[mid].nonce < nonce) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  get(nonce: bigint): PoolTx | undefined {
    const tx = this.txs[this.indexOf(nonce)]
    return tx?.nonce === nonce ? tx : undefined
  }

  /** Inserts `ptx`, replacing the transaction with its nonce if any; returns the replaced one. */
  insert(ptx: PoolTx): PoolTx | undefined {
    const last = this.tail
    if (last === undefined || ptx.nonce > last.nonce) {
      // The common case: the next nonce, at the end.
      this.txs.push(ptx)
      this.totalCost += ptx.cost
      if (this.pending === this.txs.length - 1 && ptx.nonce === this.stateNonce + BigInt(this.pending)) this.pending++
      this.noteAdded(ptx)
      return undefined
    }
    const i = this.indexOf(ptx.nonce)
    const old = this.txs[i]
    if (old?.nonce === ptx.nonce) {
      this.txs[i] = ptx
      this.totalCost += ptx.cost - old.cost
      this.noteRemoved(old)
      this.noteAdded(ptx)
      return old
    }
    this.txs.splice(i, 0, ptx)
    this.totalCost += ptx.cost
    this.recount()
    this.noteAdded(ptx)
    return undefined
  }

  /** Removes and returns the transactions from index `i` on. */
  truncate(i: number): PoolTx[] {
    const removed = this.txs.splice(i)
    for (const p of removed) {
      this.totalCost -= p.cost
      this.noteRemoved(p)
    }
    if (this.pending > this.txs.length) this.pending = this.txs.length
    return removed
  }

  /**
   * Sets the sender's nonce at the head state (after a block, or a fresher read at admission):
   * drops and returns the transactions below it (mined, or replaced by another with their
   * nonce), and re-measures the executable run.
   */
  advanceTo(stateNonce: bigint, nowMs: number): PoolTx[] {
    const cut = this.indexOf(stateNonce)
    const removed = this.txs.splice(0, cut)
    for (const p of removed) {
      this.totalCost -= p.cost
      this.noteRemoved(p)
    }
    if (stateNonce > this.stateNonce) this.beatMs = nowMs
    this.stateNonce = stateNonce
    this.recount()
    return removed
  }

  /** Σ cost of the pooled transactions with nonces below `nonce`, wei. */
  costBefore(nonce: bigint): bigint {
    const last = this.tail
    if (last === undefined || nonce > last.nonce) return this.totalCost
    let sum = 0n
    for (const p of this.txs) {
      if (p.nonce >= nonce) break
      sum += p.cost
    }
    return sum
  }

  /**
   * The nonce after the executable run that starts at `from` (= `from` when the pool has no
   * transaction with that nonce).
   */
  runEnd(from: bigint): bigint {
    if (from === this.stateNonce) return from + BigInt(this.pending)
    const start = this.indexOf(from)
    return from + BigInt(this.runLength(start, from))
  }

  /**
   * The sender's cheapest transaction at `baseFee`, cached until it leaves or `epoch` (the
   * pool's base-fee generation) changes.
   */
  cheapest(baseFee: bigint, epoch: number): PoolTx | undefined {
    if (this.cheapestEpoch !== epoch || this.cheapestTx === undefined) {
      let best: PoolTx | undefined
      for (const p of this.txs) if (best === undefined || comparePrice(p, best, baseFee) <= 0) best = p
      this.cheapestTx = best
      this.cheapestEpoch = epoch
      this.cheapestBaseFee = baseFee
    }
    return this.cheapestTx
  }

  private noteAdded(p: PoolTx): void {
    const c = this.cheapestTx
    if (c !== undefined && comparePrice(p, c, this.cheapestBaseFee) <= 0) this.cheapestTx = p
  }

  private noteRemoved(p: PoolTx): void {
    if (p === this.cheapestTx) this.cheapestTx = undefined
  }

  /** How many transactions from index `start` have consecutive nonces from `from`. */
  private runLength(start: number, from: bigint): number {
    // Nonces strictly increase, so "txs[start + k].nonce === from + k" holds for a prefix of k:
    // binary search for its end.
    let lo = 0
    let hi = this.txs.length - start
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.txs[start + mid - 1].nonce === from + BigInt(mid - 1)) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  private recount(): void {
    this.pending = this.runLength(0, this.stateNonce)
  }
}
