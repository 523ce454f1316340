/**
 * Errors of running a call (eth_call, eth_estimateGas) against a state: outcomes callers report as
 * errors. They know nothing of JSON-RPC; `rpc/errors.ts` maps them to codes.
 */
import type { Hex } from 'viem'
import { BaseError } from '../lib/errors.ts'

/** eth_estimateGas of a call that reverts whatever the gas; carries the revert data. */
export class ExecutionRevertedError extends BaseError {
  override name = 'ExecutionRevertedError'
  constructor(
    readonly data: Hex,
    readonly reason?: string,
  ) {
    super(reason ? `execution reverted: ${reason}` : 'execution reverted')
  }
}

/** eth_estimateGas/eth_call that fails for a reason other than a revert (out of gas, bad opcode). */
export class ExecutionFailedError extends BaseError {
  override name = 'ExecutionFailedError'
  constructor(reason: string) {
    super(reason)
  }
}
