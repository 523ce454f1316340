/**
 * The one way to build an EVM or VM for this chain: our `Common`, the state given, BLOCKHASH from
 * the recent-hash ring, and the system precompiles with their frame tracking installed.
 */
import type { Common, StateManagerInterface } from '@ethereumjs/common'
import { createEVM, type EVM, type EVMMockBlockchainInterface } from '@ethereumjs/evm'
import { createAddressFromString } from '@ethereumjs/util'
import { createVM, type VM } from '@ethereumjs/vm'
import { type ContainedErrorSink, definePrecompile, type PrecompileSpec } from './precompiles/definePrecompile.ts'
import { trackMessages } from './precompiles/messageStack.ts'
import { budgetOpcodes, type WorkBudget } from './workBudget.ts'

export interface ChainVmOptions {
  common: Common
  state: StateManagerInterface
  blockHashes: EVMMockBlockchainInterface
  precompiles: readonly PrecompileSpec[]
  /**
   * Bounds the EVM's work (execution/workBudget.ts): it yields to the event loop every few ms
   * and, with a deadline or an abort signal, stops. Without one the EVM runs unchecked.
   */
  budget?: WorkBudget
  /** Hears of every exception a precompile turned into a revert (a bug to log). */
  onContained?: ContainedErrorSink
}

function customPrecompiles(specs: readonly PrecompileSpec[], onContained?: ContainedErrorSink) {
  return specs.map((spec) => ({
    address: createAddressFromString(spec.address),
    function: definePrecompile(spec, onContained),
  }))
}

/** An EVM for calls and estimates. */
export async function createChainEvm(opts: ChainVmOptions): Promise<EVM> {
  const evm = await createEVM({
    common: opts.common,
    stateManager: opts.state,
    blockchain: opts.blockHashes,
    customPrecompiles: customPrecompiles(opts.precompiles, opts.onContained),
    ...(opts.budget ? { customOpcodes: budgetOpcodes(opts.common, opts.budget) as never } : {}),
  })
  trackMessages(evm)
  return evm
}

/** A VM for block production (runTx). */
export async function createChainVm(opts: ChainVmOptions): Promise<VM> {
  const evm = await createChainEvm(opts)
  return createVM({ common: opts.common, stateManager: opts.state, evm })
}
