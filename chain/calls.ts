/**
 * `eth_call` and `eth_estimateGas` against the state of a block, bounded: gas at most the RPC
 * gas cap, time at most the EVM timeout or the request's deadline, and stopped by shutdown.
 */
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import type { BlockHashes } from '../execution/blockHashes.ts'
import { type CallContext, RPC_GAS_CAP, call as runCall, estimateGas as runEstimate } from '../execution/call.ts'
import type { PrecompileSpec } from '../execution/precompiles/definePrecompile.ts'
import type { CallRequest, CallResult, StateOverrides } from '../execution/types.ts'
import { RPC_EVM_TIMEOUT_MS, WorkBudget, WorkBudgetExceeded } from '../execution/workBudget.ts'
import type { BlockTag } from '../state/types.ts'
import { ShuttingDownError } from './errors.ts'
import type { CallBounds } from './types.ts'

export interface CallsDeps {
  common: Common
  blockHashes: BlockHashes
  precompiles: readonly PrecompileSpec[]
  blockGasLimit: bigint
  /** Most gas one call may use (default `RPC_GAS_CAP`). */
  gasCap?: bigint
  /** Time limit of one call, ms (default `RPC_EVM_TIMEOUT_MS`). */
  timeoutMs?: number
  stateAt(tag: BlockTag): Promise<{ state: MerkleStateManager; block: Block }>
  closed(): boolean
}

export class Calls {
  /** Aborted when shutdown starts: every call in flight stops. */
  private readonly abort = new AbortController()

  constructor(private readonly deps: CallsDeps) {}

  /** Stops every call in flight (their callers hear ShuttingDownError). */
  stopAll(): void {
    this.abort.abort()
  }

  async call(req: CallRequest, tag: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<CallResult> {
    return this.bounded(async () => runCall(await this.context(tag, bounds), req, overrides))
  }

  async estimateGas(req: CallRequest, tag: BlockTag, overrides?: StateOverrides, bounds?: CallBounds): Promise<bigint> {
    return this.bounded(async () => runEstimate(await this.context(tag, bounds), req, overrides))
  }

  private async context(tag: BlockTag, bounds?: CallBounds): Promise<CallContext> {
    const d = this.deps
    if (d.closed()) throw new ShuttingDownError()
    const { state, block } = await d.stateAt(tag)
    return {
      common: d.common,
      state,
      block,
      blockHashes: d.blockHashes,
      gasCap: d.gasCap ?? RPC_GAS_CAP,
      blockGasLimit: d.blockGasLimit,
      precompiles: d.precompiles,
      budget: new WorkBudget({
        timeoutMs: d.timeoutMs ?? RPC_EVM_TIMEOUT_MS,
        deadline: bounds?.deadline,
        signal: this.abort.signal,
      }),
    }
  }

  /** Aborted by shutdown: the caller hears that the node is shutting down. */
  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (err) {
      if (err instanceof WorkBudgetExceeded && err.reason === 'aborted') throw new ShuttingDownError()
      throw err
    }
  }
}
