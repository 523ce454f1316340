/**
 * Plain data of calls against a state (eth_call, eth_estimateGas): the request, state overrides
 * and the outcome as a value.
 */
import type { Hex } from 'viem'

/** A call or gas estimate request, already parsed (eth_call / eth_estimateGas params). */
export interface CallRequest {
  from?: Hex
  to?: Hex
  gas?: bigint
  gasPrice?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
  value?: bigint
  data?: Hex
  nonce?: bigint
  accessList?: { address: Hex; storageKeys: Hex[] }[]
}

/** eth_call state override for one account. */
export interface AccountOverride {
  balance?: bigint
  nonce?: bigint
  code?: Hex
  /** Replaces the whole storage. */
  state?: Record<Hex, Hex>
  /** Patches single slots. */
  stateDiff?: Record<Hex, Hex>
}
export type StateOverrides = Record<Hex, AccountOverride>

/** Outcome of eth_call: returnData, or a revert with its data. Values, not exceptions. */
export type CallResult =
  | { ok: true; returnData: Hex; gasUsed: bigint }
  | { ok: false; reverted: true; returnData: Hex; reason?: string; gasUsed: bigint }
  | { ok: false; reverted: false; error: string; gasUsed: bigint }
