/**
 * Gas a precompile charges for its own work. State access through the state manager bypasses
 * EIP-2929 accounting, so precompiles charge SLOAD/SSTORE-like prices themselves.
 */
import { BaseError } from '../../lib/errors.ts'
import type { GasCharger } from '../../state/contractStorage.ts'

/** Base cost of any call into a margin precompile. */
export const GAS_BASE = 2_000n
/** A log: 375 + 375 per topic + 8 per data byte (as LOGn). */
export function logGas(topics: number, dataBytes: number): bigint {
  return 375n + 375n * BigInt(topics) + 8n * BigInt(dataBytes)
}

export class OutOfGasError extends BaseError {
  override name = 'OutOfGasError'
  constructor() {
    super('out of gas')
  }
}

export class GasMeter implements GasCharger {
  used = 0n
  /**
   * Storage keys this call has accessed (EIP-2929's warm set for the call's own storage work), or
   * undefined while every access counts cold — the schedule of the calls that predate batches,
   * kept so that their gas, and so the chains that hold them, do not change.
   */
  private accessed?: Set<string>
  constructor(readonly limit: bigint) {}

  /** From now on, a slot this call has accessed costs a warm access (`settleTrades`). */
  chargeWarmAccesses(): void {
    this.accessed ??= new Set()
  }

  touch(key: string): boolean {
    if (this.accessed === undefined) return false
    if (this.accessed.has(key)) return true
    this.accessed.add(key)
    return false
  }

  /** Charges `amount`; throws OutOfGasError past the limit. */
  charge(amount: bigint): void {
    this.used += amount
    if (this.used > this.limit) throw new OutOfGasError()
  }
}
