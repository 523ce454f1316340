/**
 * Solidity's revert data for a reason string, both ways: `Error(string)` as a `revert("…")` or
 * `require(…, "…")` encodes it (selector 0x08c379a0), and the reason read back from revert data.
 */
import { decodeErrorResult, encodeErrorResult, type Hex } from 'viem'

const ERROR_ABI = [{ type: 'error', name: 'Error', inputs: [{ type: 'string', name: 'message' }] }] as const

/**
 * The revert data of `revert(reason)`.
 *
 * @example encodeRevertReason('insufficient margin') // '0x08c379a0…'
 */
export function encodeRevertReason(reason: string): Hex {
  return encodeErrorResult({ abi: ERROR_ABI, errorName: 'Error', args: [reason] })
}

/** Decodes `Error(string)` / `Panic(uint256)` revert data into a reason, if it is one. */
export function revertReason(data: Hex): string | undefined {
  if (data.length < 10) return undefined
  try {
    const decoded = decodeErrorResult({ data })
    if (decoded.errorName === 'Error') return String(decoded.args?.[0])
    if (decoded.errorName === 'Panic') return `panic: ${decoded.args?.[0]}`
  } catch {}
  return undefined
}
