/**
 * Transactions waiting for a block: per-sender nonce order, replacement by a higher fee,
 * limits per sender and in total. It holds what it was given; validation against state is the
 * node's (`chain/txValidator.ts`), which asks the pool for the sender's next nonce.
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import { Capability } from '@ethereumjs/tx'
import { maxFeePerGas } from '../execution/blockExecutor.ts'
import {
  AlreadyKnownError,
  NonceTooHighError,
  ReplacementUnderpricedError,
  TxPoolFullError,
} from './errors.ts'
import type { Hex } from './types.ts'

/** A pooled transaction with what selection needs at hand. */
export interface PoolTx {
  tx: TypedTransaction
  hash: Hex
  /** Lower-case sender address. */
  sender: Hex
  nonce: bigint
  maxFee: bigint
  maxTip: bigint
}

export interface MempoolLimits {
  /** Transactions one sender may have waiting. */
  perSender: number
  /** Transactions in the pool. */
  total: number
  /** How far past the sender's next nonce a transaction may sit. */
  maxNonceGap: bigint
  /** Minimum fee bump for a replacement, percent. */
  priceBumpPercent: bigint
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  perSender: 4096,
  total: 100_000,
  maxNonceGap: 4096n,
  priceBumpPercent: 10n,
}

function tipOf(tx: TypedTransaction): bigint {
  return tx.supports(Capability.EIP1559FeeMarket)
    ? (tx as TypedTransaction & { maxPriorityFeePerGas: bigint }).maxPriorityFeePerGas
    : (tx as TypedTransaction & { gasPrice: bigint }).gasPrice
}

export class Mempool {
  private readonly bySender = new Map<Hex, Map<bigint, PoolTx>>()
  private readonly byHash = new Map<Hex, PoolTx>()

  constructor(private readonly limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS) {}

  get size(): number {
    return this.byHash.size
  }

  get(hash: Hex): PoolTx | undefined {
    return this.byHash.get(hash.toLowerCase() as Hex)
  }

  /**
   * The nonce the sender's next transaction would take: the first gap at or after
   * `stateNonce` in the sender's queued nonces.
   */
  nextNonce(sender: Hex, stateNonce: bigint): bigint {
    const queue = this.bySender.get(sender)
    let n = stateNonce
    if (queue === undefined) return n
    while (queue.has(n)) n++
    return n
  }

  /**
   * Adds a validated transaction (its nonce ≥ the sender's state nonce), replacing one with the
   * same nonce if it pays at least `priceBumpPercent` more. Returns the replaced one, if any.
   */
  add(ptx: PoolTx, stateNonce: bigint): PoolTx | undefined {
    if (this.byHash.has(ptx.hash)) throw new AlreadyKnownError(ptx.hash)
    let queue = this.bySender.get(ptx.sender)
    const existing = queue?.get(ptx.nonce)
    if (existing !== undefined) {
      const bump = 100n + this.limits.priceBumpPercent
      if (ptx.maxFee * 100n < existing.maxFee * bump || ptx.maxTip * 100n < existing.maxTip * bump) {
        throw new ReplacementUnderpricedError()
      }
    } else {
      // nextNonce walks the sender's queue; it is at least stateNonce, so most nonces pass without it.
      const withinGap = ptx.nonce <= stateNonce + this.limits.maxNonceGap
      if (!withinGap && ptx.nonce > this.nextNonce(ptx.sender, stateNonce) + this.limits.maxNonceGap) {
        throw new NonceTooHighError(ptx.sender, stateNonce, ptx.nonce)
      }
      if ((queue?.size ?? 0) >= this.limits.perSender) {
        throw new TxPoolFullError(`sender ${ptx.sender} has ${this.limits.perSender} transactions waiting`)
      }
      if (this.byHash.size >= this.limits.total) {
        throw new TxPoolFullError(`${this.limits.total} transactions waiting`)
      }
    }
    if (queue === undefined) {
      queue = new Map()
      this.bySender.set(ptx.sender, queue)
    }
    if (existing !== undefined) this.byHash.delete(existing.hash)
    queue.set(ptx.nonce, ptx)
    this.byHash.set(ptx.hash, ptx)
    return existing
  }

  /** Removes one transaction. */
  remove(hash: Hex): void {
    const ptx = this.byHash.get(hash)
    if (ptx === undefined) return
    this.byHash.delete(hash)
    const queue = this.bySender.get(ptx.sender)
    queue?.delete(ptx.nonce)
    if (queue?.size === 0) this.bySender.delete(ptx.sender)
  }

  /** Drops every transaction of `sender` with a nonce below `stateNonce` (mined or stale). */
  prune(sender: Hex, stateNonce: bigint): void {
    const queue = this.bySender.get(sender)
    if (queue === undefined) return
    for (const [nonce, ptx] of queue) {
      if (nonce < stateNonce) {
        queue.delete(nonce)
        this.byHash.delete(ptx.hash)
      }
    }
    if (queue.size === 0) this.bySender.delete(sender)
  }

  /** Drops `ptx` and every later nonce of its sender (they can no longer execute in order). */
  dropFrom(ptx: PoolTx): void {
    const queue = this.bySender.get(ptx.sender)
    if (queue === undefined) return
    for (const [nonce, q] of queue) {
      if (nonce >= ptx.nonce) {
        queue.delete(nonce)
        this.byHash.delete(q.hash)
      }
    }
    if (queue.size === 0) this.bySender.delete(ptx.sender)
  }

  /** Senders with waiting transactions, in address order (deterministic). */
  senders(): Hex[] {
    return [...this.bySender.keys()].sort()
  }

  /**
   * The executable run of each sender — consecutive nonces from its state nonce — merged
   * best-tip-first across senders, nonce order within a sender. Ties go to the lower address.
   * `stateNonces` gives each sender's nonce at the parent state.
   */
  *executable(stateNonces: Map<Hex, bigint>, baseFee: bigint): Generator<PoolTx> {
    const runs: PoolTx[][] = []
    for (const sender of this.senders()) {
      const queue = this.bySender.get(sender)!
      const run: PoolTx[] = []
      for (let n = stateNonces.get(sender) ?? 0n; queue.has(n); n++) run.push(queue.get(n)!)
      if (run.length > 0) runs.push(run)
    }
    const pos = runs.map(() => 0)
    const eff = (p: PoolTx) => {
      const room = p.maxFee - baseFee
      return room < p.maxTip ? room : p.maxTip
    }
    for (;;) {
      let best = -1
      let bestTip = -1n
      for (let i = 0; i < runs.length; i++) {
        if (pos[i] >= runs[i].length) continue
        const head = runs[i][pos[i]]
        if (head.maxFee < baseFee) continue
        const tip = eff(head)
        if (tip > bestTip) {
          best = i
          bestTip = tip
        }
      }
      if (best < 0) return
      yield runs[best][pos[best]++]
    }
  }
}

/** Builds the pool entry of a validated transaction. */
export function toPoolTx(tx: TypedTransaction, sender: Hex, hash: Hex): PoolTx {
  return { tx, hash, sender, nonce: tx.nonce, maxFee: maxFeePerGas(tx), maxTip: tipOf(tx) }
}
