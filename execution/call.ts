/**
 * eth_call and eth_estimateGas: run a message against a state without a transaction, with
 * optional state overrides. The state is left as found (checkpoint, then revert).
 */
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { EVMMockBlockchainInterface } from '@ethereumjs/evm'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { createFeeMarket1559Tx, getMinimumGasLimit } from '@ethereumjs/tx'
import { Account, bytesToHex, createAddressFromString, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { createChainEvm } from './chainVm.ts'
import { ExecutionFailedError, ExecutionRevertedError } from './errors.ts'
import type { PrecompileSpec } from './precompiles/definePrecompile.ts'
import { revertReason } from './revertData.ts'
import type { CallRequest, CallResult, StateOverrides } from './types.ts'

const ZERO_ADDRESS = createAddressFromString('0x0000000000000000000000000000000000000000')

export interface CallContext {
  common: Common
  /** A state manager the call may scribble on inside a checkpoint. */
  state: MerkleStateManager
  /** The block whose context (number, time, base fee) the call sees. */
  block: Block
  blockHashes: EVMMockBlockchainInterface
  /** Gas for a call that names none (and the upper bound of estimates). */
  gasCap: bigint
  precompiles: readonly PrecompileSpec[]
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
  const evm = await createChainEvm({
    common: ctx.common,
    state: ctx.state,
    blockHashes: ctx.blockHashes,
    precompiles: ctx.precompiles,
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

/** Runs `req` once and reports the outcome as a value. */
export async function call(ctx: CallContext, req: CallRequest, overrides?: StateOverrides): Promise<CallResult> {
  return scratch(ctx, async () => {
    if (overrides) await applyOverrides(ctx.state, overrides)
    return execute(ctx, req, req.gas ?? ctx.gasCap)
  })
}

/**
 * The least gas limit under which `req` succeeds (binary search, as geth does).
 *
 * @throws ExecutionRevertedError when it reverts even with all the gas; ExecutionFailedError for
 *   other failures.
 */
export async function estimateGas(ctx: CallContext, req: CallRequest, overrides?: StateOverrides): Promise<bigint> {
  return scratch(ctx, async () => {
    if (overrides) await applyOverrides(ctx.state, overrides)
    const cap = req.gas ?? ctx.gasCap
    const attempt = (gas: bigint) => scratch(ctx, () => execute(ctx, req, gas))
    const first = await attempt(cap)
    if (!first.ok) {
      if (first.reverted) throw new ExecutionRevertedError(first.returnData, first.reason)
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
