/**
 * Turns an ABI and a table of handlers into an EVM precompile: ABI decoding, the caller from the
 * frame stack, refusals of value, delegatecall and state changes in static calls, gas metering,
 * events, and reverts with a reason string. Handlers only hold the logic; they refuse a call by
 * throwing one of execution/errors.ts's refusals, which this boundary turns into the value the
 * EVM expects: a revert with `Error(shortMessage)`.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { EVMError, type ExecResult, type PrecompileFunc, type PrecompileInput } from '@ethereumjs/evm'
import { createAddressFromString } from '@ethereumjs/util'
import { type Abi, type AbiFunction, bytesToHex, decodeFunctionData, encodeFunctionResult, type Hex, hexToBytes } from 'viem'
import { BaseError, isStoreFailure } from '../../lib/errors.ts'
import { RefusalError } from '../errors.ts'
import { encodeLog } from '../eventLog.ts'
import { encodeRevertReason } from '../revertData.ts'
import { GAS_BASE, GasMeter, logGas, OutOfGasError } from './gasMeter.ts'
import { currentMessage } from './messageStack.ts'

/**
 * A refusal with a free reason, for a precompile outside SPEC section 4 (a test's toy precompile).
 * The system precompiles never use it: each of their refusals has its own class with fields in
 * execution/errors.ts, so the reason is written once.
 *
 * @example throw new Revert('undo') // reverts with Error("undo")
 */
export class Revert extends RefusalError {
  override name = 'Revert'
  constructor(readonly reason: string) {
    super(reason)
  }
}

/**
 * The revert reason of an exception that is not a refusal: a domain error's own short message
 * (ours, so the same on every node), anything else — a bug, a JavaScript `RangeError` — just
 * `"internal error"`, because a foreign message may differ between Node versions and a calling
 * contract can read the revert data.
 */
export function internalRevertReason(err: unknown): string {
  return err instanceof BaseError ? err.shortMessage : 'internal error'
}

/** Where a precompile reports what it contained (a bug it turned into a revert). */
export type ContainedErrorSink = (err: unknown, where: { address: Hex; functionName?: string }) => void

/** The block a precompile call runs in. */
export interface CallBlock {
  number: bigint
  /** Unix seconds. */
  timestamp: bigint
}

/** What a handler sees of the call. */
export interface PrecompileCall {
  /** `msg.sender`, lower-case. */
  caller: Hex
  /** Depth of the precompile's frame (0 = called directly by a transaction). */
  depth: number
  isStatic: boolean
  state: StateManagerInterface
  gas: GasMeter
  block: CallBlock
  /** Emits one of the ABI's events from the precompile's address. */
  emit(eventName: string, args: Record<string, unknown>): void
}

export type Handler = (args: readonly unknown[], call: PrecompileCall) => Promise<unknown> | unknown

export interface PrecompileSpec {
  address: Hex
  abi: Abi
  /** One handler per ABI function name. */
  handlers: Record<string, Handler>
}

/**
 * Builds the `PrecompileFunc` for `spec`. Every exception of a handler ends the precompile's
 * frame as a revert with a reason (DESIGN.md, "Containment"): a `RefusalError` (the handler's
 * "no", SPEC section 4) with its short message; anything else with
 * {@link internalRevertReason}, and `onContained` hears of it. Only a failure of the store itself
 * is thrown on, to stop the node.
 */
export function definePrecompile(spec: PrecompileSpec, onContained?: ContainedErrorSink): PrecompileFunc {
  const address = createAddressFromString(spec.address)
  const functions = new Map<string, AbiFunction>()
  for (const item of spec.abi) if (item.type === 'function') functions.set(item.name, item)
  for (const name of functions.keys()) {
    if (!spec.handlers[name]) throw new Error(`precompile ${spec.address}: no handler for ${name}`)
  }

  return async (input: PrecompileInput): Promise<ExecResult> => {
    const gas = new GasMeter(input.gasLimit)
    const logs: [Uint8Array, Uint8Array[], Uint8Array][] = []
    const fail = (reason: string): ExecResult => ({
      returnValue: hexToBytes(encodeRevertReason(reason)),
      executionGasUsed: gas.used > input.gasLimit ? input.gasLimit : gas.used,
      exceptionError: new EVMError(EVMError.errorMessages.REVERT),
    })
    let functionName: string | undefined
    try {
      gas.charge(GAS_BASE)
      const msg = currentMessage(input._EVM)
      if (msg === undefined) return fail('no call frame')
      if (msg.delegatecall) return fail('delegatecall not allowed')
      let decoded: { functionName: string; args?: readonly unknown[] }
      try {
        decoded = decodeFunctionData({ abi: spec.abi, data: bytesToHex(input.data) })
      } catch {
        return fail('unknown function or bad arguments')
      }
      functionName = decoded.functionName
      const fn = functions.get(decoded.functionName)!
      const mutates = fn.stateMutability !== 'view' && fn.stateMutability !== 'pure'
      if (msg.value > 0n && fn.stateMutability !== 'payable') return fail('not payable')
      if (mutates && msg.isStatic) {
        return {
          returnValue: new Uint8Array(),
          executionGasUsed: input.gasLimit,
          exceptionError: new EVMError(EVMError.errorMessages.STATIC_STATE_CHANGE),
        }
      }
      const header = (input._EVM as unknown as { _block?: { header: { number: bigint; timestamp: bigint } } })._block?.header
      const call: PrecompileCall = {
        caller: msg.caller.toString().toLowerCase() as Hex,
        depth: msg.depth,
        isStatic: msg.isStatic,
        state: input._EVM.stateManager,
        gas,
        block: { number: header?.number ?? 0n, timestamp: header?.timestamp ?? 0n },
        emit(eventName, args) {
          const { topics, data } = encodeLog(spec.abi, spec.address, eventName, args)
          gas.charge(logGas(topics.length, (data.length - 2) / 2))
          logs.push([address.bytes, topics.map((t) => hexToBytes(t)), hexToBytes(data)])
        },
      }
      const result = await spec.handlers[decoded.functionName](decoded.args ?? [], call)
      const returnValue =
        fn.outputs.length === 0
          ? new Uint8Array()
          : hexToBytes(
              encodeFunctionResult({
                abi: [fn],
                functionName: fn.name,
                result: fn.outputs.length === 1 ? result : (result as readonly unknown[]),
              } as never),
            )
      return { returnValue, executionGasUsed: gas.used, logs }
    } catch (err) {
      if (err instanceof RefusalError) return fail(err.shortMessage)
      if (err instanceof OutOfGasError) {
        return {
          returnValue: new Uint8Array(),
          executionGasUsed: input.gasLimit,
          exceptionError: new EVMError(EVMError.errorMessages.OUT_OF_GAS),
        }
      }
      if (isStoreFailure(err)) throw err
      onContained?.(err, { address: spec.address, functionName })
      return fail(internalRevertReason(err))
    }
  }
}
