/**
 * A transaction as the mempool holds it: the decoded transaction with what the pool's choices
 * read again and again (sender, nonce, fees, cost) taken out once at admission.
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import { Capability } from '@ethereumjs/tx'
import { maxFeePerGas } from '../execution/blockExecutor.ts'
import type { PricedTx } from './txPrice.ts'
import type { Hex } from './types.ts'

/** A pooled transaction with what selection and eviction need at hand. */
export interface PoolTx extends PricedTx {
  tx: TypedTransaction
  hash: Hex
  /** Lower-case sender address. */
  sender: Hex
  nonce: bigint
  /** The most it can cost its sender: gasLimit · maxFee + value, wei. */
  cost: bigint
  /**
   * A price update from a feeder (`Oracle.submitPrices` sent by a member of the governed feeder
   * set, as of admission): never refused for a full pool and never evicted.
   */
  priority: boolean
}

function tipOf(tx: TypedTransaction): bigint {
  return tx.supports(Capability.EIP1559FeeMarket)
    ? (tx as TypedTransaction & { maxPriorityFeePerGas: bigint }).maxPriorityFeePerGas
    : (tx as TypedTransaction & { gasPrice: bigint }).gasPrice
}

/**
 * Builds the pool entry of a validated transaction.
 *
 * @example toPoolTx(tx, '0xf39f…', bytesToHex(tx.hash()) as Hex)
 */
export function toPoolTx(tx: TypedTransaction, sender: Hex, hash: Hex, priority = false): PoolTx {
  const maxFee = maxFeePerGas(tx)
  return {
    tx,
    hash,
    sender,
    nonce: tx.nonce,
    maxFee,
    maxTip: tipOf(tx),
    cost: tx.gasLimit * maxFee + tx.value,
    priority,
  }
}
