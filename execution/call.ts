/**
 * eth_call and eth_estimateGas: run a message against a state without a transaction, with
 * optional state overrides. The state is left as found (checkpoint, then revert). Bounded as geth
 * bounds them: gas at most the RPC gas cap (a request asking more is clamped to it), time at most
 * the context's `WorkBudget` (5 s, geth's `--rpc.evmtimeout`), and the EVM yields to the event loop
 * every few ms meanwhile, so blocks and other requests go on.
 */
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { EVMMockBlockchainInterface } from '@ethereumjs/evm'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { createFeeMarket1559Tx, getMinimumGasLimit } from '@ethereumjs/tx'
import { Account, bytesToHex, createAddressFromString, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { ExecutionFailedError, ExecutionRevertedError } from './callErrors.ts'
import { createChainEvm } from './chainVm.ts'
import type { PrecompileSpec } from './precompiles/definePrecompile.ts'
import { revertReason } from './revertData.ts'
import type { CallRequest, CallResult, StateOverrides } from './types.ts'
import { type WorkBudget, WorkBudgetExceeded } from './workBudget.ts'

/** geth's default `--rpc.gascap`: the most gas one eth_call or eth_estimateGas may use. */
export const RPC_GAS_CAP = 50_000_000n
/** The least gas a transaction can have (params.TxGas): below it, estimates start from the block's limit. */
const TX_GAS = 21_000n

const ZERO_ADDRESS = createAddressFromString('0x0000000000000000000000000000000000000000')

export interface CallContext {
  common: Common
  /** A state manager the call may scribble on inside a checkpoint. */
  state: MerkleStateManager
  /** The block whose context (number, time, base fee) the call sees. */
  block: Block
  blockHashes: EVMMockBlockchainInterface
  /**
   * The RPC gas cap (`RPC_GAS_CAP`): gas for a call that names none, the most one may ask for
   * (more is clamped to it, as geth does), and the upper bound of estimates.
   */
  gasCap: bigint
  /** The chain's block gas limit: the upper bound of an estimate whose request names no gas. */
  blockGasLimit: bigint
  precompiles: readonly PrecompileSpec[]
  /**
   * Time limit, shutdown signal and event-loop yields of the EVM work; every execution of one
   * call or estimate shares it.
   */
  budget: WorkBudget
}

/** The gas a call runs with: what it asks for, or the cap when it asks for none or more. */
export function callGas(ctx: Pick<CallContext, 'gasCap'>, req: CallRequest): bigint {
  return req.gas === undefined || req.gas > ctx.gasCap ? ctx.gasCap : req.gas
}

/**
 * The upper bound of an estimate (geth's gasestimator): the request's gas when it names at least
 * 21,000, else the block gas limit; never more than the cap.
 */
export function estimateCap(ctx: Pick<CallContext, 'gasCap' | 'blockGasLimit'>, req: CallRequest): bigint {
  const hi = req.gas !== undefined && req.gas >= TX_GAS ? req.gas : ctx.blockGasLimit
  return hi > ctx.gasCap ? ctx.gasCap : hi
}

async function applyOverrides(state: MerkleStateManager, overrides: StateOverrides): Promise<void> {
  for (const addrHex of Object.keys(overrides).sort()) {
    const o = overrides[addrHex as Hex]
    const address = createAddressFromString(addrHex)
    const account = (await state.getAccount(address)) ?? new Account()
    if (o.balance !== undefined) account.balance = o.balance
    if (o.nonce !== undefined) account.nonce = o.nonce
    await state.putAccount(address, account)
    if (o.code !== undefined) await state.putCode(address, hexToBytes(o.code))
    if (o.state !== undefined) {
      await state.clearStorage(address)
      for (const [slot, value] of Object.entries(o.state)) {
        await state.putStorage(address, setLengthLeft(hexToBytes(slot as Hex), 32), hexToBytes(value))
      }
    }
    if (o.stateDiff !== undefined) {
      for (const [slot, value] of Object.entries(o.stateDiff)) {
        await state.putStorage(address, setLengthLeft(hexToBytes(slot as Hex), 32), hexToBytes(value))
      }
    }
  }
}

/** The message as an unsigned transaction, for its intrinsic gas and EIP-7623 floor. */
function asTx(ctx: CallContext, req: CallRequest) {
  return createFeeMarket1559Tx(
    {
      to: req.to,
      data: req.data,
      accessList: req.accessList?.map((e) => ({ address: e.address, storageKeys: e.storageKeys })),
      gasLimit: ctx.gasCap,
    },
    { common: ctx.common },
  )
}

/** Intrinsic gas of the message as a transaction would pay it. */
function intrinsicGas(ctx: CallContext, req: CallRequest): bigint {
  return asTx(ctx, req).getIntrinsicGas()
}

/** EIP-3860: the largest init code a creation may carry. */
const MAX_INITCODE_BYTES = 49_152

async function execute(ctx: CallContext, req: CallRequest, gasLimit: bigint): Promise<CallResult> {
  if (req.to === undefined && req.data !== undefined && (req.data.length - 2) / 2 > MAX_INITCODE_BYTES) {
    return { ok: false, reverted: false, error: 'max initcode size exceeded', gasUsed: 0n }
  }
  const intrinsic = intrinsicGas(ctx, req)
  if (gasLimit < intrinsic) {
    return { ok: false, reverted: false, error: `intrinsic gas too low: have ${gasLimit}, want ${intrinsic}`, gasUsed: 0n }
  }
  ctx.budget.assertOpen()
  const evm = await createChainEvm({
    common: ctx.common,
    state: ctx.state,
    blockHashes: ctx.blockHashes,
    precompiles: ctx.precompiles,
    budget: ctx.budget,
  })
  const caller = req.from ? createAddressFromString(req.from) : ZERO_ADDRESS
  const result = await evm.runCall({
    caller,
    origin: caller,
    to: req.to ? createAddressFromString(req.to) : undefined,
    value: req.value ?? 0n,
    data: req.data ? hexToBytes(req.data) : new Uint8Array(),
    gasLimit: gasLimit - intrinsic,
    gasPrice: req.gasPrice ?? req.maxFeePerGas ?? 0n,
    block: ctx.block as never,
    isCompiled: false,
  })
  const exec = result.execResult
  const gasUsed = intrinsic + exec.executionGasUsed
  const returnData = bytesToHex(exec.returnValue) as Hex
  if (exec.exceptionError === undefined) return { ok: true, returnData, gasUsed }
  if (exec.exceptionError.error === 'revert') {
    return { ok: false, reverted: true, returnData, reason: revertReason(returnData), gasUsed }
  }
  return { ok: false, reverted: false, error: exec.exceptionError.error, gasUsed }
}

/** Runs `fn` inside a state checkpoint that is always reverted: the state is left as found. */
async function scratch<T>(ctx: CallContext, fn: () => Promise<T>): Promise<T> {
  await ctx.state.checkpoint()
  try {
    return await fn()
  } finally {
    await ctx.state.revert()
  }
}

/**
 * Runs `req` once and reports the outcome as a value; running out of time is one of them
 * (`execution aborted (timeout = 5s)`, as geth words it).
 *
 * @throws WorkBudgetExceeded (reason `aborted`) when the budget's signal aborts it (shutdown).
 */
export async function call(ctx: CallContext, req: CallRequest, overrides?: StateOverrides): Promise<CallResult> {
  return scratch(ctx, async () => {
    if (overrides) await applyOverrides(ctx.state, overrides)
    try {
      return await execute(ctx, req, callGas(ctx, req))
    } catch (err) {
      if (err instanceof WorkBudgetExceeded && err.reason === 'timeout') {
        return { ok: false, reverted: false, error: err.message, gasUsed: 0n }
      }
      throw err
    }
  })
}

/**
 * The least gas limit under which `req` succeeds (binary search, as geth does).
 *
 * @throws ExecutionRevertedError when it reverts even with all the gas; ExecutionFailedError for
 *   other failures, running out of time among them (all attempts share the context's budget);
 *   WorkBudgetExceeded (reason `aborted`) on shutdown.
 */
export async function estimateGas(ctx: CallContext, req: CallRequest, overrides?: StateOverrides): Promise<bigint> {
  try {
    return await search(ctx, req, overrides)
  } catch (err) {
    if (err instanceof WorkBudgetExceeded && err.reason === 'timeout') throw new ExecutionFailedError(err.message)
    throw err
  }
}

async function search(ctx: CallContext, req: CallRequest, overrides?: StateOverrides): Promise<bigint> {
  return scratch(ctx, async () => {
    if (overrides) await applyOverrides(ctx.state, overrides)
    const cap = estimateCap(ctx, req)
    const attempt = (gas: bigint) => scratch(ctx, () => execute(ctx, req, gas))
    const first = await attempt(cap)
    if (!first.ok) {
      if (first.reverted) throw new ExecutionRevertedError(first.returnData, first.reason)
      // geth's words for a call that needs more gas than the estimate may give it.
      if (first.error === 'out of gas') throw new ExecutionFailedError(`gas required exceeds allowance (${cap})`)
      throw new ExecutionFailedError(first.error)
    }
    // Most calls succeed with what they used plus the 1/64 that EIP-150 withholds.
    let lo = first.gasUsed - 1n
    let hi = cap
    const guess = (first.gasUsed * 64n) / 63n + 2300n
    if (guess < hi && (await attempt(guess)).ok) hi = guess
    while (lo + 1n < hi) {
      const mid = (lo + hi) / 2n
      if ((await attempt(mid)).ok) hi = mid
      else lo = mid
    }
    // EIP-7623: a transaction pays at least the calldata floor, so it needs that much gas.
    const floor = getMinimumGasLimit(asTx(ctx, req), req.from ? createAddressFromString(req.from) : undefined)
    return hi > floor ? hi : floor
  })
}
