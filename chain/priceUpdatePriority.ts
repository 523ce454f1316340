/**
 * Which transactions are feeders' price updates: `Oracle.submitPrices` (SPEC 4) sent by a member
 * of the governed feeder set. The mempool never refuses them for a full pool and the block takes
 * them first (DESIGN "Containment": oracle updates are never starved by load), so no flood can
 * make prices stale and stop withdrawals and liquidations.
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex } from '@ethereumjs/util'
import { getAbiItem, toFunctionSelector } from 'viem'
import { ORACLE_ADDRESS } from '../execution/precompiles/addresses.ts'
import { oracleAbi } from '../execution/precompiles/oracleAbi.ts'
import type { Hex } from './types.ts'

const SUBMIT_PRICES = toFunctionSelector(getAbiItem({ abi: oracleAbi, name: 'submitPrices' }))

/**
 * Whether `tx` calls `Oracle.submitPrices` (whoever sends it).
 *
 * @example isPriceSubmission(tx) // true for the dev price feeder's transactions
 */
export function isPriceSubmission(tx: TypedTransaction): boolean {
  if (tx.to === undefined || tx.data.length < 4) return false
  return bytesToHex(tx.data.subarray(0, 4)) === SUBMIT_PRICES && bytesToHex(tx.to.bytes) === ORACLE_ADDRESS
}

/**
 * The feeder set at each head, read once per head (like `HeadAccounts`): admission asks for every
 * transaction, so the answer is at hand without an await once read.
 */
export class HeadFeeders<H extends object> {
  private head?: H
  private value?: ReadonlySet<Hex>
  private pending?: Promise<ReadonlySet<Hex>>

  /**
   * The lower-case feeder addresses at `head` (read with `read`, once per head; a read that
   * fails is not kept).
   */
  get(head: H, read: () => Promise<readonly Hex[]>): ReadonlySet<Hex> | Promise<ReadonlySet<Hex>> {
    if (head === this.head) {
      if (this.value !== undefined) return this.value
      if (this.pending !== undefined) return this.pending
    }
    this.head = head
    this.value = undefined
    const p = read().then((feeders) => new Set(feeders.map((f) => f.toLowerCase() as Hex)))
    this.pending = p
    p.then(
      (set) => {
        if (this.pending === p) this.value = set
      },
      () => {
        if (this.pending === p) this.pending = undefined
      },
    )
    return p
  }
}
